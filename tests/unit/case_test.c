/*
 * case_test - the case store (round trip, sealing, content-addressed
 * documents, wrong key refused), the case fields and the subscriber
 * directory's CSV parser (quoting, header aliases, bad rows by line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/casedb.h"
#include "core/subdir.h"
#include "t.h"

static char top[256], datadir[300], keysdir[300];

static void
setup(void)
{
	char tmpl[] = "/tmp/case_test.XXXXXX";
	char *d = mkdtemp(tmpl);

	snprintf(top, sizeof(top), "%s", d ? d : "/tmp");
	snprintf(datadir, sizeof(datadir), "%s/data", top);
	snprintf(keysdir, sizeof(keysdir), "%s/keys", top);
	mkdir(datadir, 0700);
	mkdir(keysdir, 0700);
}

/* grep_dir - does any file under dir contain s? (via grep -r) */
static int
grep_dir(const char *dir, const char *s)
{
	char cmd[800];

	snprintf(cmd, sizeof(cmd), "grep -rqF '%s' '%s'", s, dir);
	return system(cmd) == 0;
}

static void
test_roundtrip(void)
{
	struct cs_errbuf eb = {""};
	struct cs_casedb *db = NULL;
	struct cs_case *c = cs_case_new(), *l = NULL;
	struct cs_buf b;
	char sha[65];

	T_EQ_INT(cs_casedb_open(datadir, keysdir, 1, &db, &eb), CS_OK);
	if (db == NULL)
		return;
	c->type = CT_2703D;
	snprintf(c->type_name, sizeof(c->type_name), "court_order_2703d");
	snprintf(c->created_by, sizeof(c->created_by), "alice");
	c->created_at = 1795000000LL * CS_US;
	T_EQ_INT(cs_case_field_set(c, cs_case_field_find("agency"),
		     "Secret Agency Name", &eb),
	    CS_OK);
	T_EQ_INT(cs_case_field_set(c, cs_case_field_find("return-date"),
		     "2026-12-01T00:00:00Z", &eb),
	    CS_OK);
	T_CHECK(cs_case_field_set(c, cs_case_field_find("issued"),
		    "2026-12-01T00:00:00", &eb) != CS_OK); /* no zone */
	T_EQ_INT(
	    cs_case_field_set(c, cs_case_field_find("voluminous"), "yes", &eb),
	    CS_OK);
	T_EQ_INT(cs_target_parse("username:target-user-xyz@2026-11-01T00:00:00Z"
				 "..",
		     &c->t[c->nt++], &eb),
	    CS_OK);
	c->cats = CC_BIT(CC_SMTP) | CC_BIT(CC_BSI);
	T_EQ_INT(cs_casedb_create(db, c, &eb), CS_OK);
	T_EQ_STR(c->id, "2026-0001");
	T_EQ_INT(cs_casedb_add_doc(db, c, "the order text", 14, "order.pdf",
		     "legal", "alice", c->created_at, &eb),
	    CS_OK);
	T_EQ_INT(cs_casedb_event(
		     db, c, "verify", c->created_at, "bob", "+1 555 0100", &eb),
	    CS_OK);
	T_EQ_INT(cs_casedb_add_cost(
		     db, c, 1250, "search", "bob", c->created_at, &eb),
	    CS_OK);
	T_EQ_INT(cs_casedb_load(db, "2026-0001", &l, &eb), CS_OK);
	if (l) {
		T_EQ_STR(l->agency, "Secret Agency Name");
		T_EQ_INT(l->type, CT_2703D);
		T_EQ_INT(l->voluminous, 1);
		T_EQ_INT(l->nt, 1);
		T_EQ_STR(l->t[0].value, "target-user-xyz");
		T_EQ_INT(l->cats, c->cats);
		T_EQ_INT(l->nd, 1);
		T_EQ_STR(l->d[0].name, "order.pdf");
		T_EQ_INT(l->ne, 1);
		T_EQ_STR(l->e[0].note, "+1 555 0100");
		T_EQ_INT(l->cost_cents, 1250);
		T_CHECK(l->return_date != CS_TIME_NONE);
		cs_case_free(l);
	}
	/* the next case of the year gets the next number */
	T_EQ_INT(cs_casedb_create(db, c, &eb), CS_OK);
	T_EQ_STR(c->id, "2026-0002");
	T_EQ_INT(cs_casedb_load(db, "1999-0001", &l, &eb), CS_ENOENT);
	/* documents: content-addressed, sealed, readable back */
	cs_buf_init(&b, NULL, 0, 1 << 20);
	T_EQ_INT(cs_casedb_put_blob(db, "the order text", 14, sha, &eb), CS_OK);
	T_EQ_STR(sha, c->d[0].sha);
	T_EQ_INT(cs_casedb_get_blob(db, sha, &b, &eb), CS_OK);
	T_CHECK(b.len == 14 && memcmp(b.data, "the order text", 14) == 0);
	cs_buf_release(&b);
	{
		struct cs_hold *h = NULL;
		size_t nh = 0;
		T_EQ_INT(
		    cs_casedb_holds(db, c->created_at, &h, &nh, &eb), CS_OK);
		T_EQ_INT(nh, 2); /* two open cases, one target each */
		if (nh)
			T_EQ_STR(h[0].basis, "R-PRES-4");
		free(h);
		c->closed = 1;
		T_EQ_INT(cs_casedb_save(db, c, &eb), CS_OK);
		T_EQ_INT(
		    cs_casedb_holds(db, c->created_at, &h, &nh, &eb), CS_OK);
		T_EQ_INT(nh, 1); /* a closed case holds nothing */
		free(h);
	}
	cs_casedb_close(db);
	/* nothing of it in plain text in the data directory */
	T_CHECK(!grep_dir(datadir, "Secret Agency"));
	T_CHECK(!grep_dir(datadir, "target-user-xyz"));
	T_CHECK(!grep_dir(datadir, "the order text"));
	T_CHECK(!grep_dir(datadir, "555 0100"));
	cs_case_free(c);
}

static void
test_wrong_key(void)
{
	struct cs_errbuf eb = {""};
	struct cs_casedb *db = NULL;
	struct cs_case *l = NULL;
	char path[512], other[400];

	/* a fresh key directory: the store does not unseal */
	snprintf(other, sizeof(other), "%s/keys2", top);
	mkdir(other, 0700);
	snprintf(path, sizeof(path), "%s/cases.key", other);
	T_EQ_INT(cs_casedb_open(datadir, other, 1, &db, &eb), CS_OK);
	if (db == NULL)
		return;
	T_EQ_INT(cs_casedb_load(db, "2026-0001", &l, &eb), CS_ECRYPTO);
	cs_casedb_close(db);
	T_CHECK(access(path, F_OK) == 0);
	/* a key directory inside the data is refused */
	snprintf(other, sizeof(other), "%s/keys3", datadir);
	mkdir(other, 0700);
	T_CHECK(cs_casedb_open(datadir, other, 1, &db, &eb) != CS_OK);
}

static void
test_fields(void)
{
	int64_t d;

	T_CHECK(cs_case_field_find("return_date") ==
	    cs_case_field_find("return-date"));
	T_CHECK(cs_case_field_find("nope") == NULL);
	T_EQ_INT(cs_duration_parse("48h", &d), CS_OK);
	T_EQ_INT(d, 48 * CS_HOUR);
	T_EQ_INT(cs_duration_parse("2w", &d), CS_OK);
	T_EQ_INT(d, 14 * CS_DAY);
	T_CHECK(cs_duration_parse("h", &d) != CS_OK);
	T_CHECK(cs_duration_parse("-1d", &d) != CS_OK);
	T_CHECK(cs_duration_parse("10y", &d) != CS_OK);
}

struct collect {
	struct cs_sub rows[8];
	size_t n;
	unsigned long badline[8];
	char badfield[8][32];
	size_t nbad;
};

static void
c_row(void *arg, const struct cs_sub *s)
{
	struct collect *c = arg;

	if (c->n < 8)
		c->rows[c->n] = *s;
	c->n++;
}

static void
c_bad(void *arg, unsigned long line, const char *field, const char *why)
{
	struct collect *c = arg;

	if (c->nbad < 8) {
		c->badline[c->nbad] = line;
		snprintf(c->badfield[c->nbad], 32, "%s", field);
	}
	c->nbad++;
}

static void
parse(const char *text, struct collect *c, enum cs_err want)
{
	struct cs_subdir_sink sink = {c, c_row, c_bad};
	struct cs_errbuf eb = {""};

	memset(c, 0, sizeof(*c));
	T_EQ_INT(cs_subdir_parse(text, strlen(text), &sink, &eb), want);
}

static void
test_csv(void)
{
	struct collect c;

	parse(
	    "Account,Login,MAC_Address,Name,Address,Payment,Plan\r\n"
	    "A-1,alice,0011.2233.4455,\"Example, Alice\",\"1 \"\"Elm\"\" St\","
	    "Visa,x\r\n"
	    "A-2,bob,zz:zz,Bob,2 Oak,cash,y\r\n"
	    "\r\n"
	    "A-3,,,Nobody,,cash,z\r\n"
	    "A-4,carol,,Carol,\"3 Pine\nSuite 4\",ACH,z\n"
	    "A-5,dave,,Dave,5 Ash,cash,z\n"
	    "A-6,erin,,Erin\n",
	    &c, CS_OK);
	T_EQ_INT(c.n, 2);
	T_EQ_STR(c.rows[0].name, "Example, Alice");
	T_EQ_STR(c.rows[0].address, "1 \"Elm\" St");
	T_EQ_STR(c.rows[0].mac, "00:11:22:33:44:55");
	T_EQ_STR(c.rows[0].username, "alice");
	T_EQ_STR(c.rows[1].username, "dave");
	T_EQ_INT(c.nbad, 4); /* erin: fewer fields than the header */
	T_EQ_INT(c.badline[3], 9);
	T_EQ_INT(c.badline[0], 3);
	T_EQ_STR(c.badfield[0], "mac");
	T_EQ_INT(c.badline[1], 5);
	T_EQ_STR(c.badfield[1], "username");
	T_EQ_INT(c.badline[2], 6); /* a newline inside the address */
	T_EQ_STR(c.badfield[2], "address");
	/* no final newline; a byte-order mark */
	parse("\xef\xbb\xbfusername\nzed", &c, CS_OK);
	T_EQ_INT(c.n, 1);
	T_EQ_STR(c.rows[0].username, "zed");
	/* header without username or mac */
	parse("name,address\nx,y\n", &c, CS_EPARSE);
	parse("", &c, CS_EPARSE);
	/* unterminated quote stops with the line of the record */
	parse("username\n\"abc\n", &c, CS_OK);
	T_EQ_INT(c.nbad, 1);
	T_EQ_INT(c.badline[0], 2);
}

int
main(void)
{
	char cmd[400];
	int rc;

	setup();
	T_RUN(test_roundtrip);
	T_RUN(test_wrong_key);
	T_RUN(test_fields);
	T_RUN(test_csv);
	rc = T_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (strncmp(top, "/tmp/case_test.", 15) == 0 && system(cmd) != 0)
		rc = 1;
	return rc;
}
