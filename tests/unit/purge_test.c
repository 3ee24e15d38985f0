/* purge_test - retention arithmetic, inventory, key wiping, crash resume */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/hold.h"
#include "core/keys.h"
#include "core/purge.h"
#include "t.h"

static char root[PATH_MAX], data[PATH_MAX + 8], keys[PATH_MAX + 8];

static cs_time
at(const char *s)
{
	cs_time t = 0;
	struct cs_errbuf eb;

	cs_time_parse_rfc3339(cs_span_cstr(s), &t, &eb);
	return t;
}

static int64_t
day(const char *s)
{
	int64_t d = 0;

	cs_day_parse(s, &d);
	return d;
}

static void
put(const char *dir, const char *name, const char *content)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static int
exists(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* fresh - empty data and key directories under a new temp root */
static void
fresh(void)
{
	char cmd[PATH_MAX + 16], p[PATH_MAX + 16];
	int c;

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", root);
	}
	snprintf(root, sizeof(root), "%s/purge_test.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	snprintf(data, sizeof(data), "%s/data", root);
	snprintf(keys, sizeof(keys), "%s/keys", root);
	mkdir(data, 0700);
	mkdir(keys, 0700);
	for (c = 0; c < CS_NCLASS; c++) {
		snprintf(p, sizeof(p), "%s/%s", data, cs_class_name(c));
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/%s", keys, cs_class_name(c));
		mkdir(p, 0700);
	}
}

/* kdir, ddir - KEYS/CLASS and DATA/CLASS */
static const char *
kdir(enum cs_class c)
{
	static char p[CS_NCLASS][PATH_MAX + 16];

	snprintf(p[c], sizeof(p[c]), "%s/%s", keys, cs_class_name(c));
	return p[c];
}

static const char *
ddir(enum cs_class c)
{
	static char p[CS_NCLASS][PATH_MAX + 16];

	snprintf(p[c], sizeof(p[c]), "%s/%s", data, cs_class_name(c));
	return p[c];
}

/* part_files - a class's key and day file (with -wal) for day name */
static void
part_files(enum cs_class c, const char *name)
{
	char f[64];

	snprintf(f, sizeof(f), "%s.key", name);
	put(kdir(c), f, "0123456789abcdef0123456789abcdef");
	snprintf(f, sizeof(f), "%s.db", name);
	put(ddir(c), f, "sealed rows");
	snprintf(f, sizeof(f), "%s.db-wal", name);
	put(ddir(c), f, "wal");
}

/* day_files - radius partition files and a NAT run for day name */
static void
day_files(const char *name)
{
	char f[64];

	part_files(CS_CL_RADIUS, name);
	snprintf(f, sizeof(f), "%s.key", name);
	put(kdir(CS_CL_NAT), f, "0123456789abcdef0123456789abcdef");
	snprintf(f, sizeof(f), "%s.nat", name);
	put(ddir(CS_CL_NAT), f, "nat");
}

static void
test_arithmetic(void)
{
	struct cs_config c;

	cs_cfg_defaults(&c);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_RADIUS), 7);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_SMTP), 7);
	/* each class its own, falling back to retention_days */
	c.retention_days = 3;
	c.retention_smtp_days = 30;
	c.retention_nat_days = 180;
	T_EQ_INT(cs_purge_keep(&c, CS_CL_RADIUS), 3);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_DHCP), 3);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_SMTP), 30);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_NAT), 180);
	c.retention_dhcp_days = 14;
	c.retention_radius_days = 90;
	T_EQ_INT(cs_purge_keep(&c, CS_CL_DHCP), 14);
	T_EQ_INT(cs_purge_keep(&c, CS_CL_RADIUS), 90);
	/* 7 days kept at 2026-11-29T12:00Z: days before 2026-11-22 go */
	T_EQ_INT(cs_purge_first_kept(at("2026-11-29T12:00:00Z"), 7),
	    day("2026-11-22"));
	T_EQ_INT(cs_purge_first_kept(at("2026-11-29T00:00:00Z"), 7),
	    day("2026-11-22"));
	T_EQ_INT(cs_purge_first_kept(at("2026-11-28T23:59:59Z"), 7),
	    day("2026-11-21"));
	/* day 22 falls due when its end plus 7 days is reached */
	T_EQ_INT(
	    cs_purge_due(day("2026-11-22"), 7), at("2026-11-30T00:00:00Z"));
	T_EQ_INT(cs_purge_first_kept(cs_purge_due(day("2026-11-22"), 7), 7),
	    day("2026-11-22") + 1);
	T_EQ_INT(cs_purge_first_kept(cs_purge_due(day("2026-11-22"), 7) - 1, 7),
	    day("2026-11-22"));
}

static void
test_inventory(void)
{
	struct cs_dayinfo *d = NULL;
	struct cs_errbuf eb = {""};
	char kd[PATH_MAX + 16];
	size_t n = 0;

	fresh();
	day_files("2026-11-20");
	snprintf(kd, sizeof(kd), "%s", kdir(CS_CL_RADIUS));
	put(kd, "2026-11-18.purged", "");
	put(kd, "2026-11-19.key.dead", "0123456789abcdef0123456789abcdef");
	put(kd, "2026-11-25.key", "0123456789abcdef0123456789abcdef");
	put(kd, "README", "not a day");
	/* a NAT run file is NAT's only: in the smtp directory it is not */
	put(ddir(CS_CL_SMTP), "2026-11-20.nat", "x");
	put(data, "purge.journal",
	    "radius 2026-11-19 1795000000000000\nbogus 2026-11-19 1\n");
	T_EQ_INT(cs_purge_inventory(data, keys, &d, &n, &eb), CS_OK);
	T_EQ_INT(n, 5);
	if (n == 5) {
		T_EQ_INT(d[0].cls, CS_CL_RADIUS);
		T_EQ_INT(d[0].day, day("2026-11-18"));
		T_EQ_INT(d[0].what, CS_DI_TOMB);
		T_EQ_INT(d[1].what, CS_DI_DEAD | CS_DI_JOURNAL);
		T_EQ_INT(d[1].began, 1795000000000000LL);
		T_EQ_INT(d[2].what, CS_DI_KEY | CS_DI_DATA);
		T_EQ_INT(d[2].bytes, 11 + 3);
		T_EQ_INT(d[3].what, CS_DI_KEY);
		T_EQ_INT(d[4].cls, CS_CL_NAT);
		T_EQ_INT(d[4].day, day("2026-11-20"));
		T_EQ_INT(d[4].what, CS_DI_KEY | CS_DI_DATA);
		T_EQ_INT(d[4].bytes, 3);
	}
	free(d);
	/* an unsafe key directory is refused */
	chmod(keys, 0755);
	T_EQ_INT(cs_purge_inventory(data, keys, &d, &n, &eb), CS_EPERM);
	chmod(keys, 0700);
}

static void
test_wipe(void)
{
	char p[PATH_MAX + 32], q[PATH_MAX + 32];
	struct cs_errbuf eb = {""};

	fresh();
	put(root, "k", "secret key bytes");
	snprintf(p, sizeof(p), "%s/k", root);
	T_EQ_INT(cs_purge_wipe_file(p, &eb), CS_OK);
	T_CHECK(!exists(root, "k"));
	T_EQ_INT(cs_purge_wipe_file(p, &eb), CS_OK); /* missing: fine */
	/* a symbolic link: the link goes, its target is left alone */
	put(root, "target", "not a key");
	snprintf(q, sizeof(q), "%s/target", root);
	T_CHECK(symlink(q, p) == 0);
	T_EQ_INT(cs_purge_wipe_file(p, &eb), CS_OK);
	T_CHECK(!exists(root, "k"));
	T_CHECK(exists(root, "target"));
}

static struct cs_purge_opts
opts(int dry, int crash)
{
	struct cs_purge_opts o;

	memset(&o, 0, sizeof(o));
	o.datadir = data;
	o.keysdir = keys;
	o.now = at("2026-11-29T12:00:00Z");
	o.keep[CS_CL_RADIUS] = o.keep[CS_CL_DHCP] = o.keep[CS_CL_NAT] = 7;
	o.keep[CS_CL_SMTP] = 7;
	o.dry_run = dry;
	o.actor = "purge_test";
	o.crash_at = crash;
	return o;
}

/* purges - the retention.purge entries of the audit trail */
static size_t
purges(char *last_detail, size_t len)
{
	struct cs_audit *a = NULL;
	struct cs_audit_entry *e = NULL;
	struct cs_errbuf eb = {""};
	size_t n = 0, i, k = 0;

	if (cs_audit_open(data, keys, 0, &a, &eb) != CS_OK)
		return 0;
	if (cs_audit_list(a, NULL, &e, &n, &eb) == CS_OK)
		for (i = 0; i < n; i++)
			if (strcmp(e[i].action, "retention.purge") == 0) {
				k++;
				if (last_detail && e[i].detail)
					snprintf(last_detail, len, "%s",
					    e[i].detail);
			}
	cs_audit_entries_free(e, n);
	cs_audit_close(a);
	return k;
}

static void
test_run(void)
{
	struct cs_purge_opts o;
	struct cs_dayinfo *d = NULL;
	struct cs_errbuf eb = {""};
	struct cs_reclaim rec;
	char kd[PATH_MAX + 16], dd[PATH_MAX + 16], detail[2048] = "";
	size_t n = 0;

	fresh();
	day_files("2026-11-20");
	day_files("2026-11-21");
	day_files("2026-11-22");
	snprintf(kd, sizeof(kd), "%s", kdir(CS_CL_RADIUS));
	snprintf(dd, sizeof(dd), "%s", ddir(CS_CL_RADIUS));
	/* dry run: listed, nothing changed, nothing audited */
	o = opts(1, 0);
	T_EQ_INT(cs_purge_run(&o, &d, &n, NULL, &eb), CS_OK);
	T_EQ_INT(n, 4); /* radius and nat of the 20th and 21st */
	free(d);
	T_CHECK(exists(kd, "2026-11-20.key"));
	T_CHECK(!exists(data, "audit.db"));
	/* the real thing; the files go through the trash */
	o = opts(0, 0);
	T_EQ_INT(cs_purge_run(&o, &d, &n, &rec, &eb), CS_OK);
	T_EQ_INT(n, 4);
	T_EQ_INT(rec.files, 6); /* .db and .db-wal twice, .nat twice */
	T_EQ_INT(rec.bytes, 2 * (11 + 3 + 3));
	T_CHECK(!exists(data, "trash/radius-2026-11-20.db"));
	free(d);
	T_CHECK(!exists(kdir(CS_CL_NAT), "2026-11-20.key"));
	T_CHECK(!exists(ddir(CS_CL_NAT), "2026-11-21.nat"));
	T_CHECK(exists(ddir(CS_CL_NAT), "2026-11-22.nat"));
	T_CHECK(!exists(kd, "2026-11-20.key"));
	T_CHECK(!exists(kd, "2026-11-20.key.dead"));
	T_CHECK(exists(kd, "2026-11-20.purged"));
	T_CHECK(!exists(dd, "2026-11-20.db"));
	T_CHECK(!exists(dd, "2026-11-20.db-wal"));
	T_CHECK(!exists(dd, "2026-11-21.db"));
	T_CHECK(exists(kd, "2026-11-22.key"));
	T_CHECK(exists(dd, "2026-11-22.db"));
	T_CHECK(!exists(data, "purge.journal"));
	T_EQ_INT(purges(detail, sizeof(detail)), 4);
	T_CHECK(strstr(detail, "\"day\":\"2026-11-21\"") != NULL);
	T_CHECK(strstr(detail, "\"source\":\"nat\"") != NULL);
	T_CHECK(strstr(detail, "\"nat/2026-11-21.nat\"") != NULL);
	/* nothing left to do */
	T_EQ_INT(cs_purge_run(&o, &d, &n, NULL, &eb), CS_OK);
	T_EQ_INT(n, 0);
	free(d);
	T_EQ_INT(purges(NULL, 0), 4);
}

/*
 * test_per_source - each class goes at its own time: a day's DHCP leases
 * (3 days) are destroyed while its SMTP envelopes (30 days) and RADIUS
 * sessions (7 days) of the same day stay readable
 */
static void
test_per_source(void)
{
	struct cs_purge_opts o;
	struct cs_dayinfo *d = NULL;
	struct cs_errbuf eb = {""};
	size_t n = 0;

	fresh();
	part_files(CS_CL_RADIUS, "2026-11-24");
	part_files(CS_CL_DHCP, "2026-11-24");
	part_files(CS_CL_SMTP, "2026-11-24");
	o = opts(0, 0);
	o.keep[CS_CL_DHCP] = 3;
	o.keep[CS_CL_SMTP] = 30;
	T_EQ_INT(cs_purge_run(&o, &d, &n, NULL, &eb), CS_OK);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_INT(d[0].cls, CS_CL_DHCP);
	free(d);
	T_CHECK(!exists(kdir(CS_CL_DHCP), "2026-11-24.key"));
	T_CHECK(exists(kdir(CS_CL_DHCP), "2026-11-24.purged"));
	T_CHECK(!exists(ddir(CS_CL_DHCP), "2026-11-24.db"));
	T_CHECK(exists(kdir(CS_CL_RADIUS), "2026-11-24.key"));
	T_CHECK(exists(ddir(CS_CL_RADIUS), "2026-11-24.db"));
	T_CHECK(exists(kdir(CS_CL_SMTP), "2026-11-24.key"));
	T_CHECK(exists(ddir(CS_CL_SMTP), "2026-11-24.db"));
	/* four days later RADIUS goes too; SMTP stays */
	o.now = at("2026-12-02T12:00:00Z");
	T_EQ_INT(cs_purge_run(&o, &d, &n, NULL, &eb), CS_OK);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_INT(d[0].cls, CS_CL_RADIUS);
	free(d);
	T_CHECK(!exists(ddir(CS_CL_RADIUS), "2026-11-24.db"));
	T_CHECK(exists(ddir(CS_CL_SMTP), "2026-11-24.db"));
}

/* crash_child - run a purge that dies after step; its exit status */
static int
crash_child(int step)
{
	struct cs_purge_opts o = opts(0, step);
	struct cs_dayinfo *d = NULL;
	struct cs_errbuf eb = {""};
	size_t n;
	int st = 0;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		cs_purge_run(&o, &d, &n, NULL, &eb);
		_exit(0);
	}
	if (p < 0 || waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_resume(void)
{
	struct cs_purge_opts o;
	struct cs_dayinfo *d = NULL;
	struct cs_errbuf eb = {""};
	char kd[PATH_MAX + 16], dd[PATH_MAX + 16], detail[2048];
	size_t n = 0;
	int step;

	for (step = 1; step <= 8; step++) {
		fresh();
		snprintf(kd, sizeof(kd), "%s", kdir(CS_CL_RADIUS));
		snprintf(dd, sizeof(dd), "%s", ddir(CS_CL_RADIUS));
		part_files(CS_CL_RADIUS, "2026-11-20");
		T_EQ_INT(crash_child(step), 9);
		/* whole (step 1) or gone: never a key under its name after */
		T_EQ_INT(exists(kd, "2026-11-20.key"), step == 1);
		T_EQ_INT(exists(dd, "2026-11-20.db"), step < 4);
		T_EQ_INT(exists(data, "trash/radius-2026-11-20.db"), step >= 4);
		o = opts(0, 0);
		T_EQ_INT(cs_purge_run(&o, &d, &n, NULL, &eb), CS_OK);
		T_EQ_INT(n, step == 8 ? 0 : 1);
		free(d);
		T_CHECK(!exists(kd, "2026-11-20.key"));
		T_CHECK(!exists(kd, "2026-11-20.key.dead"));
		T_CHECK(!exists(dd, "2026-11-20.db"));
		T_CHECK(!exists(dd, "2026-11-20.db-wal"));
		T_CHECK(!exists(data, "purge.journal"));
		/* the next run empties the trash the crash left */
		T_CHECK(!exists(data, "trash/radius-2026-11-20.db"));
		T_CHECK(!exists(data, "trash/radius-2026-11-20.db-wal"));
		detail[0] = '\0';
		T_EQ_INT(purges(detail, sizeof(detail)), step == 7 ? 2 : 1);
		if (step < 8)
			T_CHECK(strstr(detail, "\"resumed\":true") != NULL);
	}
}

static void
test_hold_rules(void)
{
	cs_time r = at("2026-11-23T10:00:00Z");

	/* R-PRES-1: 90 days from receipt; R-PRES-2: +90 per renewal */
	T_EQ_INT(cs_hold_expires(r, 0), at("2027-02-21T10:00:00Z"));
	T_EQ_INT(cs_hold_expires(r, 1), at("2027-05-22T10:00:00Z"));
	T_EQ_INT(cs_hold_expires(r, 2), at("2027-08-20T10:00:00Z"));
	/* case ids name files: nothing that could leave the vault dir */
	T_CHECK(cs_hold_case_ok("2026-0001"));
	T_CHECK(cs_hold_case_ok("CASE_7.b"));
	T_CHECK(!cs_hold_case_ok(""));
	T_CHECK(!cs_hold_case_ok("../x"));
	T_CHECK(!cs_hold_case_ok("a/b"));
	T_CHECK(!cs_hold_case_ok(".hidden"));
	T_CHECK(!cs_hold_case_ok("-opt"));
	T_CHECK(!cs_hold_case_ok("0123456789012345678901234567890123"));
}

static void
test_hold_empty(void)
{
	struct cs_hit *h = NULL;
	struct cs_mail *m = NULL;
	struct cs_vhold *v = NULL;
	struct cs_errbuf eb = {""};
	struct cs_addr a;
	size_t n = 9;

	fresh();
	/* a case without holds answers nothing, and says no error */
	cs_addr_parse(cs_span_cstr("100.64.0.1"), &a);
	T_EQ_INT(
	    cs_hold_who(data, keys, "2026-0001", &a, 0, &h, &n, &eb), CS_OK);
	T_EQ_INT(n, 0);
	cs_hits_free(h, n);
	T_EQ_INT(cs_hold_history(data, keys, "2026-0001", "alice", 0,
		     at("2030-01-01T00:00:00Z"), &h, &n, &eb),
	    CS_OK);
	T_EQ_INT(n, 0);
	cs_hits_free(h, n);
	T_EQ_INT(cs_hold_mail(data, keys, "2026-0001", 0,
		     at("2030-01-01T00:00:00Z"), &m, &n, &eb),
	    CS_OK);
	T_EQ_INT(n, 0);
	cs_mail_free(m, n);
	T_EQ_INT(cs_hold_list(data, keys, NULL, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 0);
	free(v);
	T_EQ_INT(
	    cs_hold_who(data, keys, "../etc", &a, 0, &h, &n, &eb), CS_EINVAL);
}

int
main(void)
{
	T_RUN(test_arithmetic);
	T_RUN(test_inventory);
	T_RUN(test_wipe);
	T_RUN(test_run);
	T_RUN(test_per_source);
	T_RUN(test_resume);
	T_RUN(test_hold_rules);
	T_RUN(test_hold_empty);
	if (root[0]) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", root);
	}
	return T_DONE();
}
