/*
 * prov_test - intercept provisioning: the end of an intercept under each
 * rule (order ends, extensions, emergencies with and without a later
 * order, the agency's termination, a closed case), target coverage,
 * agency field and TLS file checks, CIN assignment per LIID, stop and
 * ended (audited), and nothing secret in li.db in the clear.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/audit.h"
#include "core/casedb.h"
#include "li/prov.h"
#include "t.h"

static char top[256], datadir[300], keysdir[300];

static void
setup(void)
{
	char tmpl[] = "/tmp/prov_test.XXXXXX";
	char *d = mkdtemp(tmpl);

	snprintf(top, sizeof(top), "%s", d ? d : "/tmp");
	snprintf(datadir, sizeof(datadir), "%s/data", top);
	snprintf(keysdir, sizeof(keysdir), "%s/keys", top);
	mkdir(datadir, 0700);
	mkdir(keysdir, 0700);
}

static cs_time
T(const char *s)
{
	cs_time t = CS_TIME_NONE;

	cs_time_parse_rfc3339(cs_span_cstr(s), &t, NULL);
	return t;
}

static struct cs_case *
mkcase(enum cs_ctype type)
{
	struct cs_case *c = cs_case_new();

	c->type = type;
	snprintf(c->type_name, sizeof(c->type_name), "%s", cs_ctype_name(type));
	snprintf(c->id, sizeof(c->id), "2026-0001");
	snprintf(c->created_by, sizeof(c->created_by), "alice");
	c->created_at = T("2026-11-01T00:00:00Z");
	return c;
}

static cs_time
ends(const struct cs_case *c, cs_time act, cs_time now, const char *want_rule)
{
	struct li_icpt ic;
	char rule[16];
	cs_time e;

	memset(&ic, 0, sizeof(ic));
	ic.activated = act;
	e = li_prov_ends(c, &ic, now, rule);
	T_EQ_STR(rule, want_rule);
	return e;
}

static void
test_ends_orders(void)
{
	struct cs_case *c = mkcase(CT_T3);
	cs_time now = T("2026-11-02T00:00:00Z");

	/* R-T3-2: 30 days from the earlier of first interception and
	 * ten days after the order was entered */
	c->issued = T("2026-11-01T00:00:00Z");
	c->first_intercept = T("2026-11-02T00:00:00Z");
	T_EQ_INT(ends(c, now, now, "R-T3-2"), T("2026-12-02T00:00:00Z"));
	c->first_intercept = CS_TIME_NONE;
	T_EQ_INT(ends(c, now, now, "R-T3-2"), T("2026-12-11T00:00:00Z"));
	/* the order's own earlier end */
	c->first_intercept = T("2026-11-02T00:00:00Z");
	c->expires = T("2026-11-20T00:00:00Z");
	T_EQ_INT(ends(c, now, now, "R-T3-2"), T("2026-11-20T00:00:00Z"));
	c->expires = CS_TIME_NONE;
	/* an extension recorded before the end adds 30 days */
	cs_case_add_event(c, "extension", T("2026-11-30T00:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, now, now, "R-T3-2"), T("2027-01-01T00:00:00Z"));
	/* every target named only until a time: ends with the last */
	{
		struct li_icpt ic;
		char rule[16];
		memset(&ic, 0, sizeof(ic));
		cs_target_parse(
		    "username:a@..2026-11-20T00:00:00Z", &ic.targets[0], NULL);
		cs_target_parse(
		    "username:b@..2026-11-25T00:00:00Z", &ic.targets[1], NULL);
		ic.ntargets = 2;
		T_EQ_INT(
		    li_prov_ends(c, &ic, now, rule), T("2026-11-25T00:00:00Z"));
		T_EQ_STR(rule, "R-T3-1");
		cs_target_parse("username:c", &ic.targets[2], NULL);
		ic.ntargets = 3; /* one without an end: the order's end */
		T_EQ_INT(
		    li_prov_ends(c, &ic, now, rule), T("2027-01-01T00:00:00Z"));
		T_EQ_STR(rule, "R-T3-2");
	}
	/* the agency's termination (R-T3-4) ends it at once */
	cs_case_add_event(
	    c, "termination", T("2026-11-05T00:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, now, now, "R-T3-4"), T("2026-11-05T00:00:00Z"));
	cs_case_free(c);

	/* R-PT-2: 60 days from the order */
	c = mkcase(CT_PT);
	c->issued = T("2026-11-01T00:00:00Z");
	T_EQ_INT(ends(c, now, now, "R-PT-2"), T("2026-12-31T00:00:00Z"));
	/* closing the case ends it when it was closed */
	c->closed = 1;
	cs_case_add_event(c, "close", T("2026-11-03T00:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, now, now, "R-CLOSED"), T("2026-11-03T00:00:00Z"));
	/* closed without a close event: now */
	c->ne = 0;
	T_EQ_INT(ends(c, now, now, "R-CLOSED"), now);
	cs_case_free(c);

	/* no order date: no limit known from the order */
	c = mkcase(CT_PT);
	T_EQ_INT(ends(c, now, now, ""), CS_TIME_NONE);
	cs_case_free(c);

	/* not an intercept type: ends at activation (fails closed) */
	c = mkcase(CT_SUB_ADMIN);
	T_EQ_INT(ends(c, now, now, "R-CALEA-6"), now);
	cs_case_free(c);
}

static void
test_ends_emergency(void)
{
	struct cs_case *c = mkcase(CT_PT_EMERG);
	cs_time act = T("2026-11-02T10:00:00Z");

	/* R-PT-5: 48 hours from activation without an order */
	T_EQ_INT(ends(c, act, act, "R-PT-5"), T("2026-11-04T10:00:00Z"));
	/* the case's own activation time wins over the intercept's */
	c->activated = T("2026-11-02T08:00:00Z");
	T_EQ_INT(ends(c, act, act, "R-PT-5"), T("2026-11-04T08:00:00Z"));
	/* the order arrives: R-PT-2, 60 days from the order's entry
	 * (the followup's time when --issued is not given) */
	cs_case_add_event(c, "followup", T("2026-11-03T12:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, act, act, "R-PT-2"), T("2027-01-02T12:00:00Z"));
	c->issued = T("2026-11-03T00:00:00Z");
	T_EQ_INT(ends(c, act, act, "R-PT-2"), T("2027-01-02T00:00:00Z"));
	cs_case_free(c);

	/* R-T3-6: 48 hours, or the certification's shorter period */
	c = mkcase(CT_T3_EMERG);
	c->activated = act;
	T_EQ_INT(ends(c, act, act, "R-T3-6"), T("2026-11-04T10:00:00Z"));
	c->expires = T("2026-11-03T10:00:00Z");
	T_EQ_INT(ends(c, act, act, "R-T3-6"), T("2026-11-03T10:00:00Z"));
	c->expires = CS_TIME_NONE;
	/* the order: R-T3-2 from the first interception (activation) */
	c->first_intercept = act;
	cs_case_add_event(c, "followup", T("2026-11-03T12:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, act, act, "R-T3-2"), T("2026-12-02T10:00:00Z"));
	/* and the agency withdraws */
	cs_case_add_event(
	    c, "termination", T("2026-11-10T00:00:00Z"), "bob", "");
	T_EQ_INT(ends(c, act, act, "R-T3-4"), T("2026-11-10T00:00:00Z"));
	cs_case_free(c);
}

static void
test_covered(void)
{
	struct cs_case *c = mkcase(CT_T3);
	struct cs_target t;

	cs_target_parse("username:alice@isp.example", &c->t[c->nt++], NULL);
	cs_target_parse("ip:100.64.0.0/24", &c->t[c->nt++], NULL);
	cs_target_parse("ip:2001:db8::/48", &c->t[c->nt++], NULL);
	cs_target_parse("mac:00:11:22:33:44:55", &c->t[c->nt++], NULL);

	cs_target_parse("username:alice@isp.example", &t, NULL);
	T_CHECK(li_target_covered(c, &t));
	cs_target_parse("username:bob@isp.example", &t, NULL);
	T_CHECK(!li_target_covered(c, &t));
	cs_target_parse("ip:100.64.0.7", &t, NULL);
	T_CHECK(li_target_covered(c, &t));
	cs_target_parse("ip:100.64.1.7", &t, NULL);
	T_CHECK(!li_target_covered(c, &t));
	cs_target_parse("ip:100.64.0.0/16", &t, NULL);
	T_CHECK(!li_target_covered(c, &t)); /* wider than the order */
	cs_target_parse("ipv6prefix:2001:db8:0:1::/64", &t, NULL);
	T_CHECK(li_target_covered(c, &t));
	cs_target_parse("mac:0011.2233.4455", &t, NULL);
	T_CHECK(li_target_covered(c, &t)); /* canonical form */
	cs_target_parse("circuit:alice@isp.example", &t, NULL);
	T_CHECK(!li_target_covered(c, &t)); /* kind matters */
	cs_case_free(c);

	/* windows: no window first, else the one running longest */
	c = mkcase(CT_T3);
	cs_target_parse("username:w@2026-11-01T00:00:00Z..2026-11-10T00:00:00Z",
	    &c->t[c->nt++], NULL);
	cs_target_parse("username:w@2026-11-05T00:00:00Z..2026-12-10T00:00:00Z",
	    &c->t[c->nt++], NULL);
	cs_target_parse(
	    "ip:10.0.0.0/8@2026-11-05T00:00:00Z..", &c->t[c->nt++], NULL);
	cs_target_parse("username:w", &t, NULL);
	T_CHECK(li_target_cover(c, &t) == &c->t[1]);
	cs_target_parse("ip:10.1.2.3", &t, NULL);
	T_CHECK(li_target_cover(c, &t) == &c->t[2]);
	cs_target_parse("username:w", &c->t[c->nt++], NULL);
	cs_target_parse("username:w", &t, NULL);
	T_CHECK(li_target_cover(c, &t) == &c->t[3]);
	cs_case_free(c);
}

static void
test_hostport(void)
{
	struct cs_errbuf eb = {""};
	char h[256], p[8];

	T_EQ_INT(li_hostport_split(
		     "lemf.example:6001", h, sizeof(h), p, sizeof(p), &eb),
	    CS_OK);
	T_EQ_STR(h, "lemf.example");
	T_EQ_STR(p, "6001");
	T_EQ_INT(li_hostport_split(
		     "[2001:db8::1]:443", h, sizeof(h), p, sizeof(p), &eb),
	    CS_OK);
	T_EQ_STR(h, "2001:db8::1");
	T_EQ_STR(p, "443");
	T_EQ_INT(li_hostport_split(
		     "2001:db8::1:443", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split("host", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split("host:0", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(
	    li_hostport_split("host:65536", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split("host:12x", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split(":80", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split("a b:80", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
	T_EQ_INT(li_hostport_split("[::1:80", h, sizeof(h), p, sizeof(p), &eb),
	    CS_EINVAL);
}

static void
base_agency(struct li_agency *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "FBI-Springfield");
	snprintf(a->hi2, sizeof(a->hi2), "127.0.0.1:6001");
	snprintf(a->hi3, sizeof(a->hi3), "[::1]:6002");
	snprintf(a->operator_id, sizeof(a->operator_id), "EXAMPLEFIBER");
	snprintf(a->country, sizeof(a->country), "US");
	snprintf(a->ne_id, sizeof(a->ne_id), "bng1");
	snprintf(a->created_by, sizeof(a->created_by), "alice");
}

static void
write_file(const char *path, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		T_CHECK(write(fd, "pem\n", 4) == 4);
		close(fd);
	}
	chmod(path, (mode_t)mode);
}

static void
test_agency_check(void)
{
	struct cs_errbuf eb = {""};
	struct li_agency a;
	char ca[400], cert[400], key[400];

	base_agency(&a);
	T_EQ_INT(li_agency_check(&a, &eb), CS_OK);
	snprintf(a.name, sizeof(a.name), "bad/name");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
	snprintf(a.name, sizeof(a.name), ".hidden");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
	base_agency(&a);
	snprintf(a.operator_id, sizeof(a.operator_id), "%s", "");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
	base_agency(&a);
	snprintf(a.ne_id, sizeof(a.ne_id), "12345678901234567");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL); /* 17 > 16 */
	base_agency(&a);
	snprintf(a.country, sizeof(a.country), "us");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
	base_agency(&a);
	snprintf(a.hi3, sizeof(a.hi3), "nohost");
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);

	snprintf(ca, sizeof(ca), "%s/ca.pem", top);
	snprintf(cert, sizeof(cert), "%s/cert.pem", top);
	snprintf(key, sizeof(key), "%s/key.pem", top);
	write_file(ca, 0644);
	write_file(cert, 0644);
	write_file(key, 0600);
	base_agency(&a);
	snprintf(a.tls_ca, sizeof(a.tls_ca), "%s", ca);
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL); /* one of three */
	snprintf(a.tls_cert, sizeof(a.tls_cert), "%s", cert);
	snprintf(a.tls_key, sizeof(a.tls_key), "%s", key);
	T_EQ_INT(li_agency_check(&a, &eb), CS_OK);
	chmod(key, 0640);
	T_EQ_INT(li_agency_check(&a, &eb), CS_EPERM);
	T_CHECK(strstr(eb.msg, "chmod 600") != NULL);
	chmod(key, 0604);
	T_EQ_INT(li_agency_check(&a, &eb), CS_EPERM);
	chmod(key, 0600);
	snprintf(a.tls_cert, sizeof(a.tls_cert), "%s/missing.pem", top);
	T_EQ_INT(li_agency_check(&a, &eb), CS_EIO);
	snprintf(a.tls_cert, sizeof(a.tls_cert), "%s", top); /* a dir */
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
	snprintf(a.tls_cert, sizeof(a.tls_cert), "cert.pem"); /* relative */
	T_EQ_INT(li_agency_check(&a, &eb), CS_EINVAL);
}

static void
mkicpt(struct li_icpt *ic, const char *case_id, const char *liid,
    const char *target, cs_time act)
{
	memset(ic, 0, sizeof(*ic));
	snprintf(ic->case_id, sizeof(ic->case_id), "%s", case_id);
	snprintf(ic->agency, sizeof(ic->agency), "FBI-Springfield");
	snprintf(ic->liid, sizeof(ic->liid), "%s", liid);
	snprintf(ic->created_by, sizeof(ic->created_by), "bob");
	ic->mode = LI_MODE_IRI_CC;
	cs_target_parse(target, &ic->targets[0], NULL);
	ic->ntargets = 1;
	ic->activated = act;
}

/* grep_dir - does any file under dir contain s? */
static int
grep_dir(const char *dir, const char *s)
{
	char cmd[800];

	snprintf(cmd, sizeof(cmd), "grep -rqF '%s' '%s'", s, dir);
	return system(cmd) == 0;
}

static void
test_store(void)
{
	struct cs_errbuf eb = {""};
	struct cs_casedb *db = NULL;
	struct li_prov *p = NULL, *q = NULL;
	struct cs_case *t3 = mkcase(CT_T3), *pt = mkcase(CT_PT);
	struct li_agency a, got;
	struct li_icpt ic, *v = NULL;
	struct cs_audit *au = NULL;
	struct cs_audit_entry *ae = NULL;
	size_t n = 0, nae = 0, i;
	char inuse[32];
	cs_time now = T("2026-11-02T00:00:00Z");
	int ended_seen = 0;

	T_EQ_INT(cs_casedb_open(datadir, keysdir, 1, &db, &eb), CS_OK);
	if (db == NULL)
		return;
	t3->issued = T("2026-11-01T00:00:00Z");
	t3->first_intercept = now;
	T_EQ_INT(cs_casedb_create(db, t3, &eb), CS_OK);
	pt->issued = T("2026-11-01T00:00:00Z");
	T_EQ_INT(cs_casedb_create(db, pt, &eb), CS_OK);
	T_EQ_INT(li_prov_attach(&p, db, datadir, keysdir, &eb), CS_OK);
	if (p == NULL)
		goto out;
	base_agency(&a);
	T_EQ_INT(li_prov_agency_add(p, &a, &eb), CS_OK);
	T_EQ_INT(li_prov_agency_add(p, &a, &eb), CS_EINVAL); /* exists */
	T_EQ_INT(li_prov_agency_get(p, "FBI-Springfield", &got, &eb), CS_OK);
	T_EQ_STR(got.hi3, "[::1]:6002");
	T_EQ_STR(got.operator_id, "EXAMPLEFIBER");
	T_EQ_INT(li_prov_agency_get(p, "nope", &got, &eb), CS_ENOENT);

	/* CIN: 1, 2 for the same LIID; 1 for another; ids I-1.. */
	mkicpt(&ic, t3->id, "LIID-SECRET-A", "username:alice@isp.example", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_STR(ic.id, "I-1");
	T_EQ_INT(ic.cin, 1);
	mkicpt(&ic, t3->id, "LIID-SECRET-A", "mac:00:11:22:33:44:55", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_STR(ic.id, "I-2");
	T_EQ_INT(ic.cin, 2);
	mkicpt(&ic, pt->id, "LIID-SECRET-B", "ip:100.64.0.9", now);
	ic.pen_trap = 1; /* asks for content: stored as IRI only */
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_STR(ic.id, "I-3");
	T_EQ_INT(ic.cin, 1);
	T_EQ_INT(ic.mode, LI_MODE_IRI);
	/* a pen/trap case's intercept is IRI only even if its row was
	 * recorded otherwise */
	mkicpt(&ic, pt->id, "LIID-SECRET-B", "ip:100.64.0.10", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_INT(ic.mode, LI_MODE_IRI_CC);
	T_EQ_INT(li_prov_get(p, ic.id, now, &ic, &eb), CS_OK);
	T_EQ_INT(ic.mode, LI_MODE_IRI);
	T_EQ_INT(ic.pen_trap, 1);
	T_EQ_INT(li_prov_stop(p, ic.id, now, "carol", "test", &eb), CS_OK);
	mkicpt(&ic, t3->id, "bad liid", "username:x", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_EINVAL);
	T_CHECK(strstr(eb.msg, "bad liid") == NULL);

	/* load: all three, ends from their cases, secrets unsealed */
	T_EQ_INT(li_prov_load(p, now, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(v[0].liid, "LIID-SECRET-A");
		T_EQ_INT(v[0].ntargets, 1);
		T_EQ_STR(v[0].targets[0].value, "alice@isp.example");
		T_EQ_INT(v[0].targets[0].kind, TK_USERNAME);
		T_EQ_INT(v[0].ends, T("2026-12-02T00:00:00Z"));
		T_EQ_STR(v[0].end_rule, "R-T3-2");
		T_EQ_INT(v[0].mode, LI_MODE_IRI_CC);
		T_EQ_INT(v[2].ends, T("2026-12-31T00:00:00Z"));
		T_EQ_STR(v[2].end_rule, "R-PT-2");
		T_EQ_INT(v[2].pen_trap, 1);
		T_EQ_INT(v[2].mode, LI_MODE_IRI);
		T_EQ_STR(v[2].targets[0].value, "100.64.0.9");
	}
	free(v);
	v = NULL;

	/* the agency's termination, seen by a second handle (the tap) */
	T_EQ_INT(li_prov_open(&q, datadir, keysdir, &eb), CS_OK);
	T_EQ_INT(
	    cs_casedb_event(db, t3, "termination", T("2026-11-05T00:00:00Z"),
		"bob", "objective attained", &eb),
	    CS_OK);
	if (q) {
		T_EQ_INT(li_prov_load(q, now, &v, &n, &eb), CS_OK);
		T_EQ_INT(n, 3);
		if (n == 3) {
			T_EQ_INT(v[0].ends, T("2026-11-05T00:00:00Z"));
			T_EQ_STR(v[0].end_rule, "R-T3-4");
			T_EQ_INT(v[2].ends, T("2026-12-31T00:00:00Z"));
		}
		free(v);
		v = NULL;
		/* the tap ended I-1: it leaves the load, audited */
		T_EQ_INT(li_prov_ended(q, "I-1", T("2026-11-05T00:00:01Z"),
			     "R-T3-4", &eb),
		    CS_OK);
		T_EQ_INT(li_prov_ended(q, "I-1", T("2026-11-05T00:00:02Z"),
			     "R-T3-4", &eb),
		    CS_OK); /* again: audited only */
		T_EQ_INT(li_prov_ended(q, "I-99", now, "x", &eb), CS_ENOENT);
		T_CHECK(strstr(eb.msg, "I-99") != NULL);
		/* a LIID typed where an id belongs is not repeated */
		T_EQ_INT(
		    li_prov_get(q, "LIID-SECRET-A", now, &ic, &eb), CS_ENOENT);
		T_CHECK(strstr(eb.msg, "LIID") == NULL);
		li_prov_close(q);
	}
	T_EQ_INT(li_prov_load(p, now, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 2);
	if (n == 2)
		T_EQ_STR(v[0].id, "I-2");
	free(v);
	v = NULL;
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_OK);
	T_EQ_INT(ic.stopped, 1);
	T_EQ_INT(ic.stopped_at, T("2026-11-05T00:00:01Z"));
	T_EQ_STR(ic.stopped_by, "custos tap");
	T_EQ_STR(ic.stop_reason, "R-T3-4");
	T_EQ_INT(cs_audit_open(datadir, keysdir, 0, &au, &eb), CS_OK);
	if (au) {
		T_EQ_INT(cs_audit_list(au, NULL, &ae, &nae, &eb), CS_OK);
		for (i = 0; i < nae; i++)
			if (strcmp(ae[i].action, "intercept.ended") == 0) {
				ended_seen++;
				T_EQ_STR(ae[i].actor, "custos tap");
				T_EQ_STR(ae[i].case_id, t3->id);
			}
		T_EQ_INT(ended_seen, 2);
		cs_audit_entries_free(ae, nae);
		cs_audit_close(au);
	}

	/* stop, agency in use */
	T_EQ_INT(
	    li_prov_agency_remove(p, "FBI-Springfield", inuse, &eb), CS_EPERM);
	T_EQ_STR(inuse, "I-2");
	T_EQ_INT(li_prov_stop(p, "I-2", now, "carol", "done", &eb), CS_OK);
	T_EQ_INT(li_prov_stop(p, "I-2", now, "carol", "done", &eb), CS_EINVAL);
	T_EQ_INT(li_prov_stop(p, "I-9", now, "carol", "done", &eb), CS_ENOENT);
	T_EQ_INT(
	    li_prov_agency_remove(p, "FBI-Springfield", inuse, &eb), CS_EPERM);
	T_EQ_STR(inuse, "I-3");
	T_EQ_INT(li_prov_stop(p, "I-3", now, "carol", "done", &eb), CS_OK);
	T_EQ_INT(li_prov_list(p, now, 1, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 4);
	free(v);
	v = NULL;
	T_EQ_INT(
	    li_prov_agency_remove(p, "FBI-Springfield", inuse, &eb), CS_OK);
	T_EQ_INT(
	    li_prov_agency_remove(p, "FBI-Springfield", inuse, &eb), CS_ENOENT);
	/* a new LIID-A intercept after stops: CIN keeps counting */
	mkicpt(&ic, t3->id, "LIID-SECRET-A", "username:alice@isp.example", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_INT(ic.cin, 3);
	T_EQ_STR(ic.id, "I-5");

	/* nothing secret in the clear in the data directory */
	li_prov_close(p);
	p = NULL;
	T_CHECK(!grep_dir(datadir, "LIID-SECRET"));
	T_CHECK(!grep_dir(datadir, "alice@isp.example"));
	T_CHECK(!grep_dir(datadir, "100.64.0.9"));
	/* a case that went missing ends its intercepts (fail closed) */
out:
	li_prov_close(p);
	cs_casedb_close(db);
	cs_case_free(t3);
	cs_case_free(pt);
}

static void
test_missing_case(void)
{
	struct cs_errbuf eb = {""};
	struct cs_casedb *db = NULL;
	struct li_prov *p = NULL;
	struct li_icpt ic;
	cs_time now = T("2026-11-02T00:00:00Z");

	T_EQ_INT(cs_casedb_open(datadir, keysdir, 1, &db, &eb), CS_OK);
	T_EQ_INT(li_prov_attach(&p, db, datadir, keysdir, &eb), CS_OK);
	if (p == NULL) {
		cs_casedb_close(db);
		return;
	}
	mkicpt(&ic, "2026-9999", "LIID-SECRET-C", "username:zed", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_INT(li_prov_get(p, ic.id, now, &ic, &eb), CS_OK);
	T_EQ_INT(ic.ends, now);
	T_EQ_STR(ic.end_rule, "R-CALEA-6");
	li_prov_close(p);
	cs_casedb_close(db);
}

static void
test_due(void)
{
	struct cs_due d[8];
	char empty[400], path[500];
	struct stat st;
	size_t n;

	/* I-5 (its case terminated 2026-11-05) and I-6 (no case) */
	n = li_prov_due(datadir, keysdir, T("2026-11-02T00:00:00Z"), d, 8);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(d[0].rule, "R-T3-4");
		T_EQ_INT(d[0].at, T("2026-11-05T00:00:00Z"));
		T_EQ_STR(d[0].case_id, "2026-0001");
		T_CHECK(strstr(d[0].what, "I-5") != NULL);
		T_CHECK(strstr(d[0].what, "LIID") == NULL);
		T_EQ_STR(d[1].rule, "R-CALEA-6");
		T_EQ_INT(d[1].must_act, 1);
	}
	T_EQ_INT(li_prov_due(datadir, keysdir, 0, d, 1), 1);
	/* no li.db: nothing, and none created */
	snprintf(empty, sizeof(empty), "%s/empty", top);
	mkdir(empty, 0700);
	T_EQ_INT(li_prov_due(empty, keysdir, 0, d, 8), 0);
	snprintf(path, sizeof(path), "%s/li.db", empty);
	T_CHECK(stat(path, &st) != 0);
}

/* sql - run one statement on DATA/li.db behind custos's back */
static void
sql(const char *dd, const char *q)
{
	char path[500];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/li.db", dd);
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_tamper(void)
{
	struct cs_errbuf eb = {""};
	struct cs_casedb *db = NULL;
	struct li_prov *p = NULL;
	struct cs_case *pt = mkcase(CT_PT), *t3 = mkcase(CT_T3);
	struct li_icpt ic, *v = NULL;
	char dd[400], kd[400];
	cs_time now = T("2026-11-02T00:00:00Z");
	size_t n = 0;

	snprintf(dd, sizeof(dd), "%s/tamper-data", top);
	snprintf(kd, sizeof(kd), "%s/tamper-keys", top);
	mkdir(dd, 0700);
	mkdir(kd, 0700);
	T_EQ_INT(cs_casedb_open(dd, kd, 1, &db, &eb), CS_OK);
	if (db == NULL)
		goto out;
	pt->issued = t3->issued = T("2026-11-01T00:00:00Z");
	T_EQ_INT(cs_casedb_create(db, pt, &eb), CS_OK);
	T_EQ_INT(cs_casedb_create(db, t3, &eb), CS_OK);
	T_EQ_INT(li_prov_attach(&p, db, dd, kd, &eb), CS_OK);
	if (p == NULL)
		goto out;
	mkicpt(&ic, pt->id, "LIID-T", "ip:100.64.0.9", now);
	ic.pen_trap = 1;
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_OK);
	/* the row moved to another case (a longer order): refused */
	sql(dd, "UPDATE icpt SET case_id='2026-0002'");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_ECRYPTO);
	T_EQ_INT(li_prov_load(p, now, &v, &n, &eb), CS_ECRYPTO);
	T_CHECK(strstr(eb.msg, "I-1") != NULL);
	sql(dd, "UPDATE icpt SET case_id='2026-0001'");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_OK);
	/* content turned on, another agency, another CIN: refused */
	sql(dd, "UPDATE icpt SET mode=2, pen_trap=0");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_ECRYPTO);
	sql(dd, "UPDATE icpt SET mode=1, pen_trap=1, agency='OTHER'");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_ECRYPTO);
	sql(dd, "UPDATE icpt SET agency='FBI-Springfield', cin=7");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_ECRYPTO);
	sql(dd, "UPDATE icpt SET cin=1");
	T_EQ_INT(li_prov_get(p, "I-1", now, &ic, &eb), CS_OK);
	/* the sealed LIID moved to another row: does not open */
	mkicpt(&ic, t3->id, "LIID-U", "username:u", now);
	T_EQ_INT(li_prov_add(p, &ic, &eb), CS_OK);
	sql(dd,
	    "UPDATE icpt SET liid=(SELECT liid FROM icpt WHERE id='I-1')"
	    " WHERE id='I-2'");
	T_EQ_INT(li_prov_get(p, "I-2", now, &ic, &eb), CS_ECRYPTO);
out:
	free(v);
	li_prov_close(p);
	cs_casedb_close(db);
	cs_case_free(pt);
	cs_case_free(t3);
}

int
main(void)
{
	char cmd[400];
	int rc;

	setup();
	T_RUN(test_ends_orders);
	T_RUN(test_ends_emergency);
	T_RUN(test_covered);
	T_RUN(test_hostport);
	T_RUN(test_agency_check);
	T_RUN(test_store);
	T_RUN(test_missing_case);
	T_RUN(test_due);
	T_RUN(test_tamper);
	rc = T_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (strncmp(top, "/tmp/prov_test.", 15) == 0 && system(cmd) != 0)
		rc = 1;
	return rc;
}
