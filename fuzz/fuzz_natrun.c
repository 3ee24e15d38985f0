/*
 * fuzz_natrun - the NAT session store's readers over damaged input:
 *
 *   first byte 0: the rest is a sealed record body (cs_natdb_decode);
 *   first byte 1: the rest is "ref NUL t": an evidence delta must decode
 *                 back to t (cs_natdb_delta_check);
 *   otherwise:    the rest patches a valid day file of session runs
 *                 (written once, from conntrack lines, under a real key):
 *                 4 bytes cut the file at (n mod size+1), then 5-byte
 *                 patches (offset mod size, byte); the patched file is
 *                 queried through a read-only store.  Every header, index
 *                 and chunk table value must be checked before use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nat.h"
#include "fmt/ipfix.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-natrun-XXXXXX";
static char dpath[512], kpath[512], npath[512];
static uint8_t *img; /* the valid day file */
static size_t nimg;

static const char *const lines[] = {
    "[1795985372.925358]\t    [NEW] ipv4     2 udp      17 30 "
    "src=100.64.0.11 dst=203.0.113.200 sport=40000 dport=5300 [UNREPLIED] "
    "src=203.0.113.200 dst=203.0.113.5 sport=5300 dport=2265 id=312476421",
    "[1795985373.100000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT "
    "src=100.64.0.10 dst=198.51.100.9 sport=51000 dport=443 [UNREPLIED] "
    "src=198.51.100.9 dst=203.0.113.5 sport=443 dport=2266 id=42",
    "[1795985422.765975]\t[DESTROY] ipv4     2 udp      17 "
    "src=100.64.0.11 dst=203.0.113.200 sport=40000 dport=5300 packets=1 "
    "bytes=29 src=203.0.113.200 dst=203.0.113.5 sport=5300 dport=2265 "
    "packets=1 bytes=29 delta-time=30 id=312476421",
};

static void
s_obs(void *arg, const struct cs_obs *o)
{
	struct cs_errbuf eb = {""};

	(void)cs_nat_fold(arg, o, &eb);
}

static void
s_rej(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	(void)field;
	(void)reason;
	(void)raw;
}

static void
s_skip(void *arg, const char *what)
{
	(void)arg;
	(void)what;
}

static void
rmtree(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
}

/* setup - a store with one day of runs (two commits: two runs) */
static int
setup(void)
{
	struct cs_store *s = NULL;
	struct cs_errbuf eb = {""};
	struct cs_fmt_opts o;
	struct cs_sink sink = {NULL, s_obs, s_rej, s_skip};
	void *st;
	size_t i;
	FILE *f;
	long n;

	if (mkdtemp(dir) == NULL)
		return -1;
	atexit(rmtree);
	snprintf(dpath, sizeof(dpath), "%s/data", dir);
	snprintf(kpath, sizeof(kpath), "%s/keys", dir);
	snprintf(npath, sizeof(npath), "%s/data/nat/2026-11-29.nat", dir);
	if (cs_store_open(dpath, kpath, CS_STORE_RW, &s, &eb) != CS_OK)
		return -1;
	memset(&o, 0, sizeof(o));
	sink.arg = s;
	st = cs_fmt_conntrack.open(&o, &sink);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cs_fmt_conntrack.line(
		    st, cs_span_cstr(lines[i]), (uint64_t)i + 1, 0);
		if (i == 1)
			(void)cs_store_commit(s, &eb);
	}
	cs_fmt_conntrack.close(st);
	(void)cs_store_commit(s, &eb);
	cs_store_close(s);
	if ((f = fopen(npath, "rb")) == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	img = malloc(n > 0 ? (size_t)n : 1);
	if (img == NULL || n <= 0 || fread(img, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nimg = (size_t)n;
	return 0;
}

static void
query(struct cs_store *s, const char *pub, int port)
{
	struct cs_addr a;
	struct cs_errbuf eb = {""};
	struct cs_nat_rec *r = NULL;
	size_t n = 0, i;
	int any = 0;

	cs_addr_parse(cs_span_cstr(pub), &a);
	if (cs_nat_who(s, &a, port, 0, 1795985400LL * CS_US, 60, &r, &n, &any,
		&eb) != CS_OK)
		return;
	for (i = 0; i < n; i++)
		if (r[i].link == NULL || r[i].pub.family == 0)
			abort();
	cs_nat_recs_free(r, n);
}

static void
patched(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(nimg);
	size_t len = nimg;
	struct cs_store *s = NULL;
	struct cs_errbuf eb = {""};
	FILE *f;
	uint32_t v;

	if (b == NULL)
		return;
	memcpy(b, img, nimg);
	if (n >= 4) {
		memcpy(&v, p, 4);
		len = v % (nimg + 1);
		p += 4;
		n -= 4;
	}
	for (; n >= 5; p += 5, n -= 5) {
		memcpy(&v, p, 4);
		b[v % nimg] = p[4];
	}
	if ((f = fopen(npath, "wb")) == NULL) {
		free(b);
		return;
	}
	if (len && fwrite(b, 1, len, f) != len) {
		fclose(f);
		free(b);
		return;
	}
	fclose(f);
	free(b);
	if (cs_store_open(dpath, kpath, CS_STORE_RO, &s, &eb) != CS_OK)
		return;
	query(s, "203.0.113.5", 2265);
	query(s, "203.0.113.5", 2266);
	query(s, "203.0.113.5", -1);
	cs_store_close(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct cs_nat_rec r;
	const uint8_t *nul;

	if (!ready) {
		if (setup() != 0)
			abort();
		ready = 1;
	}
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0:
		if (cs_natdb_decode(data + 1, size - 1, &r) == 0) {
			if (r.link == NULL)
				abort();
		}
		cs_nat_rec_clear(&r);
		break;
	case 1:
		nul = memchr(data + 1, 0, size - 1);
		if (nul &&
		    cs_natdb_delta_check((const char *)data + 1,
			(size_t)(nul - data - 1), (const char *)nul + 1,
			size - (size_t)(nul + 1 - data)) != 0)
			abort();
		break;
	default:
		patched(data + 1, size - 1);
		break;
	}
	return 0;
}
