/*
 * nat_test - the NAT store: conntrack and ulogd samples folded into
 * intervals, resumed across runs, re-read idempotently, port reuse within
 * the tolerance, deterministic mappings changing over time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nat.h"
#include "fmt/ipfix.h"
#include "t.h"
#include "util/buf.h"

static char tmpdir[] = "/tmp/custos-nat-XXXXXX";
static int nrej;

struct feed {
	struct cs_store *s;
	int n;
};

static void
f_obs(void *arg, const struct cs_obs *o)
{
	struct feed *f = arg;
	struct cs_errbuf eb = {""};

	if (o->kind == CS_OBS_NAT && cs_nat_fold(f->s, o, &eb) == CS_OK)
		f->n++;
}

static void
f_rej(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	fprintf(stderr, "  reject line %llu %s: %s\n", (unsigned long long)line,
	    field, reason);
	nrej++;
}

static void
f_skip(void *arg, const char *what)
{
	(void)arg;
	(void)what;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	if (fread(p, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* feed_lines - lines [from, to) (1-based) of a file through a format */
static int
feed_lines(struct cs_store *s, const struct cs_fmt *fmt, const char *path,
    int from, int to)
{
	struct feed f = {s, 0};
	struct cs_sink sink = {&f, f_obs, f_rej, f_skip};
	struct cs_fmt_opts o;
	struct cs_errbuf eb = {""};
	struct cs_span all, line;
	size_t n;
	char *text = slurp(path, &n);
	void *st;
	int ln = 0;

	memset(&o, 0, sizeof(o));
	if (text == NULL)
		return -1;
	st = fmt->open(&o, &sink);
	all = cs_span_make(text, n);
	while (cs_span_token(&all, '\n', &line)) {
		ln++;
		if (ln >= from && ln < to)
			fmt->line(st, line, (uint64_t)ln, 0);
	}
	fmt->flush(st, 1);
	fmt->close(st);
	free(text);
	if (cs_store_commit(s, &eb) != CS_OK)
		fprintf(stderr, "  commit: %s\n", eb.msg);
	return f.n;
}

static struct cs_store *
store(const char *name, enum cs_store_mode mode)
{
	char d[256], k[256];
	struct cs_store *s = NULL;
	struct cs_errbuf eb = {""};

	snprintf(d, sizeof(d), "%s/%s-data", tmpdir, name);
	snprintf(k, sizeof(k), "%s/%s-keys", tmpdir, name);
	if (cs_store_open(d, k, mode, &s, &eb) != CS_OK)
		fprintf(stderr, "  open: %s\n", eb.msg);
	return s;
}

static size_t
who(struct cs_store *s, const char *pub, int port, int proto, cs_time t,
    int64_t skew, struct cs_nat_rec **out, int *any)
{
	struct cs_addr a;
	struct cs_errbuf eb = {""};
	size_t n = 0;

	cs_addr_parse(cs_span_cstr(pub), &a);
	*out = NULL;
	if (cs_nat_who(s, &a, port, proto, t, skew, out, &n, any, &eb) != CS_OK)
		fprintf(stderr, "  who: %s\n", eb.msg);
	return n;
}

static const char *
addr_s(const struct cs_addr *a)
{
	static char buf[4][CS_ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	cs_addr_format(a, buf[i]);
	return buf[i];
}

#define CT "tests/data/cgnat/conntrack-E-events.log"
#define UJ "tests/data/cgnat/ulogd-nfct.json"
#define T0 1795985400LL /* during the UDP flow 100.64.0.11:40000 -> .5:2265 */

/* the sample: 100.64.0.11:40000 was translated to 203.0.113.5:2265 */
static void
check_2265(
    struct cs_store *s, const char *what, const char *ev0, const char *ev1)
{
	struct cs_nat_rec *r;
	int any = 0;
	size_t n = who(s, "203.0.113.5", 2265, 17, T0 * CS_US, 0, &r, &any);

	fprintf(stderr, "%s", n == 1 ? "" : what);
	T_EQ_INT(n, 1);
	T_CHECK(any);
	if (n == 1) {
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.11");
		T_EQ_INT(r[0].inside_port, 40000);
		T_EQ_STR(addr_s(&r[0].dst), "203.0.113.200");
		T_EQ_INT(r[0].dst_port, 5300);
		T_EQ_INT(r[0].kind, CS_NAT_SESSION);
		T_EQ_INT(r[0].end_known, CS_END_OBSERVED);
		T_EQ_INT(r[0].start / CS_US, 1795985372);
		/* the true end: start + delta-time, not the late DESTROY */
		T_EQ_INT((r[0].end - r[0].start) / CS_US, 30);
		T_CHECK(r[0].ev[0].raw && strstr(r[0].ev[0].raw, ev0));
		T_CHECK(r[0].ev[1].raw && strstr(r[0].ev[1].raw, ev1));
	}
	cs_nat_recs_free(r, n);
	/* after the true end: nothing (the DESTROY came 20 s later) */
	n = who(s, "203.0.113.5", 2265, 17, (T0 + 10) * CS_US, 0, &r, &any);
	T_EQ_INT(n, 0);
	T_CHECK(any);
	cs_nat_recs_free(r, n);
	/* tolerance reaches back into the session */
	n = who(s, "203.0.113.5", 2265, 17, (T0 + 10) * CS_US, 10, &r, &any);
	T_EQ_INT(n, 1);
	cs_nat_recs_free(r, n);
	/* another protocol on that port: nothing */
	n = who(s, "203.0.113.5", 2265, 6, T0 * CS_US, 0, &r, &any);
	T_EQ_INT(n, 0);
	cs_nat_recs_free(r, n);
}

static void
test_conntrack_sample(void)
{
	struct cs_store *s = store("ct", CS_STORE_RW);
	struct cs_nat_rec *r;
	int any = 0;
	size_t n;

	nrej = 0;
	T_EQ_INT(feed_lines(s, &cs_fmt_conntrack, CT, 1, 1000), 66);
	T_EQ_INT(nrej, 0);
	check_2265(s, "  conntrack, one run\n", "[NEW]", "[DESTROY]");
	/* the evidence comes back byte for byte (stored as a delta) */
	n = who(s, "203.0.113.5", 2265, 17, T0 * CS_US, 0, &r, &any);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(r[0].ev[0].raw,
		    "[1795985372.925358]\t    [NEW] ipv4     2 udp      17 30 "
		    "src=100.64.0.11 dst=203.0.113.200 sport=40000 dport=5300 "
		    "[UNREPLIED] src=203.0.113.200 dst=203.0.113.5 sport=5300 "
		    "dport=2265 id=312476421");
		T_EQ_STR(r[0].ev[1].raw,
		    "[1795985422.765975]\t[DESTROY] ipv4     2 udp      17 "
		    "src=100.64.0.11 dst=203.0.113.200 sport=40000 dport=5300 "
		    "packets=1 bytes=29 src=203.0.113.200 dst=203.0.113.5 "
		    "sport=5300 dport=2265 packets=1 bytes=29 delta-time=30 "
		    "id=312476421");
	}
	cs_nat_recs_free(r, n);
	/* an address with no NAT record */
	n = who(s, "198.51.100.1", 2265, 0, T0 * CS_US, 0, &r, &any);
	T_EQ_INT(n, 0);
	T_CHECK(!any);
	cs_nat_recs_free(r, n);
	cs_store_close(s);
	/* read back from a fresh read-only store */
	s = store("ct", CS_STORE_RO);
	check_2265(s, "  conntrack, read-only\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
}

/* NEW in one run, DESTROY in the next; then everything again */
static void
test_resume_idempotent(void)
{
	struct cs_store *s = store("split", CS_STORE_RW);

	feed_lines(s, &cs_fmt_conntrack, CT, 1, 12);
	cs_store_close(s);
	s = store("split", CS_STORE_RW);
	feed_lines(s, &cs_fmt_conntrack, CT, 12, 1000);
	check_2265(s, "  conntrack, split runs\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	s = store("split", CS_STORE_RW);
	feed_lines(s, &cs_fmt_conntrack, CT, 1, 1000);
	check_2265(s, "  conntrack, re-read\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	/* looking back for the creates made no day files (or keys) */
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd),
		    "test $(ls %s/split-data/nat | "
		    "grep -c -e 'db$' -e 'nat$') -eq 1",
		    tmpdir);
		T_EQ_INT(system(cmd), 0);
	}
}

static long
dir_bytes(const char *name, int *nfiles)
{
	char cmd[512], buf[64];
	long total = 0;
	FILE *f;

	*nfiles = 0;
	snprintf(cmd, sizeof(cmd),
	    "ls -l %s/%s-data/nat | awk '/^-/ "
	    "{ n++; s += $5 } END { print n + 0, s + 0 }'",
	    tmpdir, name);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		char *end;
		*nfiles = (int)strtol(buf, &end, 10);
		total = strtol(end, &end, 10);
	} else {
		total = -1;
	}
	pclose(f);
	return total;
}

/*
 * one commit (one run) per line: intervals split across runs (written
 * open, then closed: the newest version wins), runs merged past their
 * limit into the next level and on request into one; the same lines
 * again write nothing
 */
static void
test_runs(void)
{
	struct cs_store *s = store("runs", CS_STORE_RW);
	struct cs_errbuf eb = {""};
	int64_t day = T0 / 86400;
	long bytes, bytes2;
	int ln, nf, nf2;

	for (ln = 1; ln < 80; ln++)
		feed_lines(s, &cs_fmt_conntrack, CT, ln, ln + 1);
	/* 60-odd runs written: level 0 was merged once into level 1 */
	T_CHECK(cs_nat_runs(s, day) > 1);
	T_CHECK(cs_nat_runs(s, day) <= 33);
	check_2265(s, "  conntrack, a run per line\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	s = store("runs", CS_STORE_RO);
	check_2265(s, "  a run per line, read-only\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	/* the same input again, at once and line by line: nothing new */
	bytes = dir_bytes("runs", &nf);
	s = store("runs", CS_STORE_RW);
	feed_lines(s, &cs_fmt_conntrack, CT, 1, 1000);
	for (ln = 1; ln < 80; ln++)
		feed_lines(s, &cs_fmt_conntrack, CT, ln, ln + 1);
	bytes2 = dir_bytes("runs", &nf2);
	T_EQ_INT(bytes2, bytes);
	T_EQ_INT(nf2, nf);
	/* merged into one run: the same answers */
	T_EQ_INT(cs_nat_merge_day(s, day, &eb), CS_OK);
	T_EQ_INT(cs_nat_runs(s, day), 1);
	check_2265(s, "  merged\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	s = store("runs", CS_STORE_RO);
	T_EQ_INT(cs_nat_runs(s, day), 1);
	check_2265(s, "  merged, read-only\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	/* one file of merged runs: the levels below are empty */
	T_CHECK(dir_bytes("runs", &nf) < bytes);
}

/*
 * a run cut short (a crash while writing) is ignored by readers and cut
 * off by the next writer
 */
static void
test_torn_run(void)
{
	struct cs_store *s = store("torn", CS_STORE_RW);
	char path[512];
	long bytes;
	int nf;
	FILE *f;

	feed_lines(s, &cs_fmt_conntrack, CT, 1, 1000);
	cs_store_close(s);
	bytes = dir_bytes("torn", &nf);
	snprintf(path, sizeof(path), "%s/torn-data/nat/2026-11-29.nat", tmpdir);
	f = fopen(path, "ab");
	T_CHECK(f != NULL);
	if (f) {
		/* a header's start and garbage, as a torn write leaves */
		fputs("CSNATRN1\1\0\0\0garbage garbage garbage", f);
		fclose(f);
	}
	s = store("torn", CS_STORE_RO);
	check_2265(s, "  torn, read-only\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	s = store("torn", CS_STORE_RW);
	feed_lines(s, &cs_fmt_conntrack, CT, 1, 1000);
	check_2265(s, "  torn, written again\n", "[NEW]", "[DESTROY]");
	cs_store_close(s);
	T_EQ_INT(dir_bytes("torn", &nf), bytes);
}

static void
test_ulogd_sample(void)
{
	struct cs_store *s = store("uj", CS_STORE_RW);

	nrej = 0;
	T_EQ_INT(feed_lines(s, &cs_fmt_ulogd_json, UJ, 1, 1000), 66);
	T_EQ_INT(nrej, 0);
	check_2265(s, "  ulogd json\n", "\"ct.event\": 1", "\"ct.event\": 4");
	cs_store_close(s);
}

/* two subscribers on one public port within the tolerance */
static void
test_port_reuse(void)
{
	static const char text[] =
	    "[1800000000.000000]\t    [NEW] ipv4     2 udp      17 30 "
	    "src=100.64.0.1 dst=192.0.2.9 sport=5000 dport=53 [UNREPLIED] "
	    "src=192.0.2.9 dst=203.0.113.9 sport=53 dport=7000 id=1\n"
	    "[1800000031.000000]\t[DESTROY] ipv4     2 udp      17 "
	    "src=100.64.0.1 dst=192.0.2.9 sport=5000 dport=53 src=192.0.2.9 "
	    "dst=203.0.113.9 sport=53 dport=7000 delta-time=30 id=1\n"
	    "[1800000032.000000]\t    [NEW] ipv4     2 udp      17 30 "
	    "src=100.64.0.2 dst=192.0.2.10 sport=6000 dport=53 [UNREPLIED] "
	    "src=192.0.2.10 dst=203.0.113.9 sport=53 dport=7000 id=2\n"
	    "[1800000100.000000]\t    [NEW] ipv4     2 udp      17 30 "
	    "src=100.64.0.3 dst=192.0.2.10 sport=6000 dport=53 [UNREPLIED] "
	    "src=192.0.2.10 dst=203.0.113.9 sport=53 dport=7001 id=3\n"
	    "[1800000200.000000]\t    [NEW] ipv4     2 udp      17 30 "
	    "src=100.64.0.4 dst=192.0.2.10 sport=6000 dport=53 [UNREPLIED] "
	    "src=192.0.2.10 dst=203.0.113.9 sport=53 dport=7001 id=4\n";
	char path[256];
	FILE *f;
	struct cs_store *s = store("reuse", CS_STORE_RW);
	struct cs_nat_rec *r;
	int any;
	size_t n;

	snprintf(path, sizeof(path), "%s/reuse.log", tmpdir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	feed_lines(s, &cs_fmt_conntrack, path, 1, 100);
	n = who(s, "203.0.113.9", 7000, 17, 1800000031LL * CS_US, 5, &r, &any);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.1");
		T_EQ_STR(addr_s(&r[1].inside), "100.64.0.2");
	}
	cs_nat_recs_free(r, n);
	n = who(s, "203.0.113.9", 7000, 17, 1800000010LL * CS_US, 5, &r, &any);
	T_EQ_INT(n, 1);
	cs_nat_recs_free(r, n);
	/* an open session is cut where the next one on its port starts */
	n = who(s, "203.0.113.9", 7001, 17, 1800000150LL * CS_US, 0, &r, &any);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.3");
		T_EQ_INT(r[0].end_known, CS_END_INFERRED);
		T_EQ_INT(r[0].end / CS_US, 1800000200LL);
	}
	cs_nat_recs_free(r, n);
	n = who(s, "203.0.113.9", 7001, 17, 1800000250LL * CS_US, 0, &r, &any);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.4");
		T_EQ_INT(r[0].end_known, CS_END_OPEN);
	}
	cs_nat_recs_free(r, n);
	cs_store_close(s);
}

static void
test_map(void)
{
	struct cs_store *s = store("map", CS_STORE_RW);
	struct cs_errbuf eb = {""};
	struct cs_nat_map_entry *e;
	struct cs_nat_map_info *mi;
	struct cs_nat_rec *r;
	size_t n, ne;
	int any;
	char *text = slurp("tests/data/cgnat/nat-deterministic.nft", &n);
	static const char csv[] = "inside,public,lo,hi\n"
				  "100.64.0.11,203.0.113.7,4096-5119\n";
	static const char csv2[] =
	    "# moved\n100.64.0.12,203.0.113.6,2048,3071\n"
	    "100.64.0.10,203.0.113.6,1024,2047\n";
	cs_time t1 = 1795985000LL * CS_US, t2 = 1796000000LL * CS_US;

	T_CHECK(text != NULL);
	T_EQ_INT(
	    cs_nat_map_parse(cs_span_make(text, n), &e, &ne, 100, &eb), CS_OK);
	T_EQ_INT(ne, 2);
	if (ne == 2) {
		T_EQ_STR(addr_s(&e[1].inside), "100.64.0.11");
		T_EQ_STR(addr_s(&e[1].pub), "203.0.113.6");
		T_EQ_INT(e[1].lo, 2048);
		T_EQ_INT(e[1].hi, 3071);
	}
	free(e);
	T_EQ_INT(
	    cs_nat_map_parse(cs_span_cstr(csv), &e, &ne, 100, &eb), CS_EPARSE);
	T_EQ_INT(cs_nat_map_add(s, "nat-deterministic.nft",
		     cs_span_make(text, n), t1, CS_TIME_NONE, &eb),
	    CS_OK);
	/* the same again: no second mapping */
	T_EQ_INT(cs_nat_map_add(s, "nat-deterministic.nft",
		     cs_span_make(text, n), t1, CS_TIME_NONE, &eb),
	    CS_OK);
	T_EQ_INT(cs_nat_map_add(
		     s, "moved.csv", cs_span_cstr(csv2), t2, CS_TIME_NONE, &eb),
	    CS_OK);
	T_EQ_INT(cs_nat_map_list(s, &mi, &n, &eb), CS_OK);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(mi[0].to, t2);
		T_EQ_INT(mi[1].to, CS_TIME_NONE);
		T_EQ_INT(mi[0].nentries, 2);
	}
	cs_nat_map_infos_free(mi, n);
	/* the sample's answer: 203.0.113.6:2391 was 100.64.0.11 */
	n = who(s, "203.0.113.6", 2391, 17, 1795985483LL * CS_US, 0, &r, &any);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.11");
		T_EQ_INT(r[0].kind, CS_NAT_DETERMINISTIC);
		T_EQ_INT(r[0].end_known, CS_END_OBSERVED);
	}
	cs_nat_recs_free(r, n);
	/* after the change, the block belongs to 100.64.0.12 */
	n = who(s, "203.0.113.6", 2391, 17, t2 + CS_US, 0, &r, &any);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(addr_s(&r[0].inside), "100.64.0.12");
	cs_nat_recs_free(r, n);
	/* before any mapping */
	n = who(s, "203.0.113.6", 2391, 17, t1 - CS_US, 0, &r, &any);
	T_EQ_INT(n, 0);
	cs_nat_recs_free(r, n);
	free(text);
	cs_store_close(s);
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	T_RUN(test_conntrack_sample);
	T_RUN(test_resume_idempotent);
	T_RUN(test_runs);
	T_RUN(test_torn_run);
	T_RUN(test_ulogd_sample);
	T_RUN(test_port_reuse);
	T_RUN(test_map);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
