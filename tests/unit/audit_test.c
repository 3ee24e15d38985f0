/*
 * audit_test - the audit trail: round trip, every kind of tampering caught
 * and named, details sealed, a missing key, CUSTOS_NOW, concurrent writers
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "core/audit.h"

static char tmpdir[] = "/tmp/custos-audit-XXXXXX";
static char datadir[300], keysdir[300];

#define TARGET "203.0.113.77"
#define TARGET2 "bob@isp.example"

/* fresh - new data and key directories named after the test */
static void
fresh(const char *name)
{
	static int serial;

	serial++;
	snprintf(
	    datadir, sizeof(datadir), "%s/%s%d-data", tmpdir, name, serial);
	snprintf(
	    keysdir, sizeof(keysdir), "%s/%s%d-keys", tmpdir, name, serial);
	mkdir(keysdir, 0700);
}

static struct cs_audit *
open_rw(void)
{
	struct cs_audit *a = NULL;
	struct cs_errbuf eb = {""};

	if (cs_audit_open(datadir, keysdir, 1, &a, &eb) != CS_OK)
		fprintf(stderr, "  open: %s\n", eb.msg);
	return a;
}

static struct cs_audit *
open_ro(const char *keys)
{
	struct cs_audit *a = NULL;
	struct cs_errbuf eb = {""};

	if (cs_audit_open(datadir, keys, 0, &a, &eb) != CS_OK)
		fprintf(stderr, "  open: %s\n", eb.msg);
	return a;
}

/* build - a trail of n entries: odd ones on case C-1, details name TARGET */
static int
build(const char *name, int n)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	char detail[200];
	int i, ok = 1;

	fresh(name);
	if ((a = open_rw()) == NULL)
		return 0;
	for (i = 1; i <= n; i++) {
		snprintf(detail, sizeof(detail),
		    "{\"address\":\"%s\","
		    "\"user\":\"%s\",\"n\":%d}",
		    TARGET, TARGET2, i);
		if (cs_audit_append(a, i % 2 ? "alice" : "bob", "lookup.who",
			i % 2 ? "C-1" : NULL, detail, &eb) != CS_OK) {
			fprintf(stderr, "  append: %s\n", eb.msg);
			ok = 0;
		}
	}
	cs_audit_close(a);
	return ok;
}

/* verify - run cs_audit_verify on a read-only handle */
static enum cs_err
verify(int64_t *bad, struct cs_errbuf *eb)
{
	struct cs_audit *a = open_ro(NULL);
	enum cs_err e;

	if (a == NULL)
		return CS_EIO;
	*bad = -1;
	e = cs_audit_verify(a, bad, eb);
	cs_audit_close(a);
	return e;
}

/* verify_keyed - cs_audit_verify on a read-only handle holding the key */
static enum cs_err
verify_keyed(int64_t *bad, struct cs_errbuf *eb)
{
	struct cs_audit *a = open_ro(keysdir);
	enum cs_err e;

	if (a == NULL)
		return CS_EIO;
	*bad = -1;
	e = cs_audit_verify(a, bad, eb);
	cs_audit_close(a);
	return e;
}

/* db_exec - run SQL on audit.db directly, past the append-only triggers */
static int
db_exec(const char *sql)
{
	char path[400];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/audit.db", datadir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	rc = sqlite3_exec(db,
	    "DROP TRIGGER IF EXISTS entry_no_update;"
	    "DROP TRIGGER IF EXISTS entry_no_delete",
	    NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "  sql: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc == SQLITE_OK;
}

/*
 * flip - XOR one byte of a stored field of entry seq, keeping the
 * column's type (what an editor with a hex view would do)
 */
static int
flip(int64_t seq, const char *col, int byte)
{
	char path[400], sql[200];
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned char buf[4096];
	int type = SQLITE_NULL, n = 0, ok = 0;
	sqlite3_int64 v = 0;

	snprintf(path, sizeof(path), "%s/audit.db", datadir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_exec(
	    db, "DROP TRIGGER IF EXISTS entry_no_update", NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "SELECT %s FROM entry WHERE seq = ?", col);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		type = sqlite3_column_type(st, 0);
		if (type == SQLITE_INTEGER) {
			v = sqlite3_column_int64(st, 0) ^
			    ((sqlite3_int64)1 << (8 * byte));
		} else {
			n = sqlite3_column_bytes(st, 0);
			if (n > 0 && n <= (int)sizeof(buf) && byte < n) {
				memcpy(
				    buf, sqlite3_column_blob(st, 0), (size_t)n);
				buf[byte] ^= 0x01;
			} else
				type = SQLITE_NULL;
		}
	}
	sqlite3_finalize(st);
	if (type == SQLITE_NULL)
		goto out;
	snprintf(
	    sql, sizeof(sql), "UPDATE entry SET %s = ? WHERE seq = ?", col);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (type == SQLITE_INTEGER)
		sqlite3_bind_int64(st, 1, v);
	else if (type == SQLITE_TEXT)
		sqlite3_bind_text(
		    st, 1, (const char *)buf, n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st, 1, buf, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, seq);
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
	sqlite3_finalize(st);
out:
	sqlite3_close(db);
	return ok;
}

static int
has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void
test_roundtrip(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit_entry *v = NULL;
	struct cs_audit *a;
	size_t n = 0;
	int64_t bad, seq;
	char hash[65];

	fresh("rt");
	setenv("CUSTOS_NOW", "2026-11-05T12:00:00Z", 1);
	a = open_rw();
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	/* an empty trail is whole */
	T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
	T_EQ_INT(cs_audit_head(a, &seq, hash, &eb), CS_OK);
	T_EQ_INT(seq, 0);
	T_EQ_STR(hash, "");
	T_EQ_INT(
	    cs_audit_append(a, "alice", "case.create", "C-7",
		"{\"type\":\"subpoena\",\"targets\":[\"ip:" TARGET "\"]}", &eb),
	    CS_OK);
	setenv("CUSTOS_NOW", "2026-11-05T12:30:00.5Z", 1);
	T_EQ_INT(
	    cs_audit_append(a, "bob", "lookup.who", NULL, NULL, &eb), CS_OK);
	T_EQ_INT(cs_audit_append(a, "alice", "case.approve", "C-7",
		     " {\"by\" : \"alice\"}\n", &eb),
	    CS_OK);
	T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
	T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_INT(v[0].seq, 1);
		T_EQ_INT(v[0].time, 1793880000LL * 1000000);
		T_EQ_STR(v[0].actor, "alice");
		T_EQ_STR(v[0].action, "case.create");
		T_EQ_STR(v[0].case_id, "C-7");
		T_EQ_STR(v[0].detail,
		    "{\"type\":\"subpoena\",\"targets\":"
		    "[\"ip:" TARGET "\"]}");
		T_EQ_INT(strlen(v[0].hash), 64);
		T_EQ_INT(v[1].seq, 2);
		T_EQ_INT(v[1].time, 1793881800LL * 1000000 + 500000);
		T_EQ_STR(v[1].case_id, "");
		T_CHECK(v[1].detail == NULL);
		T_EQ_STR(v[2].detail, " {\"by\" : \"alice\"}\n");
		T_EQ_INT(cs_audit_head(a, &seq, hash, &eb), CS_OK);
		T_EQ_INT(seq, 3);
		T_EQ_STR(hash, v[2].hash);
		T_CHECK(strcmp(v[0].hash, v[1].hash) != 0);
	}
	cs_audit_entries_free(v, n);
	/* one case's entries */
	T_EQ_INT(cs_audit_list(a, "C-7", &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(v[0].seq, 1);
		T_EQ_INT(v[1].seq, 3);
	}
	cs_audit_entries_free(v, n);
	cs_audit_close(a);
	unsetenv("CUSTOS_NOW");

	/* read back by another handle; read-only handles do not append */
	a = open_ro(keysdir);
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	T_CHECK(cs_audit_has_key(a));
	T_EQ_INT(cs_audit_list(a, "C-7", &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 2);
	if (n == 2)
		T_EQ_STR(v[1].detail, " {\"by\" : \"alice\"}\n");
	cs_audit_entries_free(v, n);
	T_EQ_INT(cs_audit_append(a, "alice", "x", NULL, NULL, &eb), CS_EPERM);
	T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
	cs_audit_close(a);
}

static void
test_now(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit_entry *v = NULL;
	struct cs_audit *a;
	size_t n = 0;

	fresh("now");
	a = open_rw();
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	setenv("CUSTOS_NOW", "2030-01-02T03:04:05Z", 1);
	T_EQ_INT(cs_audit_append(a, "alice", "a", NULL, NULL, &eb), CS_OK);
	/* time may go backwards (a clock step): still recorded as given */
	setenv("CUSTOS_NOW", "2020-01-02T03:04:05Z", 1);
	T_EQ_INT(cs_audit_append(a, "alice", "b", NULL, NULL, &eb), CS_OK);
	unsetenv("CUSTOS_NOW");
	T_EQ_INT(cs_audit_append(a, "alice", "c", NULL, NULL, &eb), CS_OK);
	T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_INT(v[0].time, 1893553445LL * 1000000);
		T_EQ_INT(v[1].time, 1577934245LL * 1000000);
		/* the real clock: after this test was written */
		T_CHECK(v[2].time > 1795000000LL * 1000000);
	}
	cs_audit_entries_free(v, n);
	cs_audit_close(a);
}

static void
test_bad_input(void)
{
	static const char *const bad_json[] = {
	    "",
	    "{",
	    "{\"a\":}",
	    "{\"a\" 1}",
	    "[1,]",
	    "{\"a\":1,}",
	    "01",
	    "1.",
	    "-",
	    "tru",
	    "nul",
	    "\"abc",
	    "{} {}",
	    "{}x",
	    "'a'",
	    "\"a\tb\"",
	    "\"\\x\"",
	    "\"\\ud800\"",
	    "\"\\udc00\"",
	    "\"\xc3\"",
	    "\"\xc0\xaf\"",
	    "\"\xed\xa0\x80\"",
	    "\"\xf5\x80\x80\x80\"",
	    "{\"a\":NaN}",
	    "[1 2]",
	    "{1:2}",
	};
	static const char *const good_json[] = {
	    "{}",
	    "[]",
	    "0",
	    "-0.5e+10",
	    "true",
	    "null",
	    " \"x\" ",
	    "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\\ud83d\\ude00\\n\"}",
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
	    "[1E3, 2e-3, 0, -1]",
	};
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	char deep[300];
	size_t i;
	int64_t seq;
	char hash[65];

	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		if (cs_audit_json_check(bad_json[i], strlen(bad_json[i])) !=
		    CS_EPARSE) {
			fprintf(stderr, "  accepted: %s\n", bad_json[i]);
			T_CHECK(0);
		}
	}
	for (i = 0; i < sizeof(good_json) / sizeof(good_json[0]); i++) {
		if (cs_audit_json_check(good_json[i], strlen(good_json[i])) !=
		    CS_OK) {
			fprintf(stderr, "  refused: %s\n", good_json[i]);
			T_CHECK(0);
		}
	}
	/* nesting is bounded */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	T_EQ_INT(cs_audit_json_check(deep, 128), CS_OK);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	T_EQ_INT(cs_audit_json_check(deep, 130), CS_EPARSE);
	T_EQ_INT(cs_audit_json_check("\"a\0b\"", 5), CS_EPARSE);

	fresh("bad");
	a = open_rw();
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	T_EQ_INT(cs_audit_append(a, "", "x", NULL, NULL, &eb), CS_EINVAL);
	T_EQ_INT(cs_audit_append(a, "alice", "", NULL, NULL, &eb), CS_EINVAL);
	T_EQ_INT(cs_audit_append(a, NULL, "x", NULL, NULL, &eb), CS_EINVAL);
	T_EQ_INT(cs_audit_append(a, "alice\nentry 9", "x", NULL, NULL, &eb),
	    CS_EINVAL);
	T_EQ_INT(
	    cs_audit_append(a, "alice", "x", "C\t1", NULL, &eb), CS_EINVAL);
	T_EQ_INT(
	    cs_audit_append(a, "al\xffice", "x", NULL, NULL, &eb), CS_EINVAL);
	T_EQ_INT(
	    cs_audit_append(a, "alice", "x", NULL, "{\"a\":", &eb), CS_EPARSE);
	T_EQ_INT(
	    cs_audit_append(a, "Jos\xc3\xa9", "x", NULL, "{}", &eb), CS_OK);
	/* nothing refused was written */
	T_EQ_INT(cs_audit_head(a, &seq, hash, &eb), CS_OK);
	T_EQ_INT(seq, 1);
	cs_audit_close(a);
}

/* expect_bad - verify fails at entry seq with msg in the reason */
static void
expect_bad(int64_t seq, const char *msg, int line)
{
	struct cs_errbuf eb = {""};
	int64_t bad;
	enum cs_err e = verify(&bad, &eb);

	if (e != CS_ECRYPTO || bad != seq || !has(eb.msg, msg)) {
		fprintf(stderr,
		    "  line %d: verify: %s (bad %lld): \"%s\", "
		    "want entry %lld \"%s\"\n",
		    line, cs_strerror(e), (long long)bad, eb.msg,
		    (long long)seq, msg);
		t_cur_failed++;
	}
}
#define EXPECT_BAD(seq, msg) expect_bad(seq, msg, __LINE__)

static void
test_tamper_fields(void)
{
	static const struct {
		int64_t seq;
		const char *col;
		int byte;
	} cases[] = {
	    {3, "actor", 0},
	    {3, "actor", 4},
	    {2, "action", 3},
	    {5, "case_id", 2},
	    {2, "detail_sealed", 0},  /* the version byte */
	    {4, "detail_sealed", 10}, /* the nonce */
	    {4, "detail_sealed", 60}, /* the ciphertext */
	    {1, "time", 0},
	    {6, "time", 3},
	    {6, "hash", 31},
	    {6, "prev", 0},
	    {1, "prev", 5},
	};
	struct cs_errbuf eb = {""};
	char msg[80];
	int64_t bad;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		T_CHECK(build("flip", 6));
		T_EQ_INT(verify(&bad, &eb), CS_OK);
		T_CHECK(flip(cases[i].seq, cases[i].col, cases[i].byte));
		snprintf(msg, sizeof(msg), "entry %lld: changed",
		    (long long)cases[i].seq);
		EXPECT_BAD(cases[i].seq, msg);
		if (t_cur_failed)
			fprintf(stderr, "  (flipped byte %d of %s)\n",
			    cases[i].byte, cases[i].col);
	}
	/* the exact wording for a changed field */
	T_CHECK(build("flip", 4));
	T_CHECK(flip(3, "actor", 0));
	EXPECT_BAD(3, "entry 3: changed (hash does not match)");
	/* a field changed to another type is changed too */
	T_CHECK(build("flip", 4));
	T_CHECK(db_exec("UPDATE entry SET time = 'soon' WHERE seq = 2"));
	EXPECT_BAD(2, "entry 2: changed");
	T_CHECK(build("flip", 4));
	T_CHECK(db_exec("UPDATE entry SET detail_sealed = NULL WHERE seq = 4"));
	EXPECT_BAD(4, "entry 4: changed");
}

static void
test_tamper_remove(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a;

	T_CHECK(build("rm", 6));
	T_CHECK(db_exec("DELETE FROM entry WHERE seq = 3"));
	EXPECT_BAD(3, "entry 3: missing");

	T_CHECK(build("rm", 6));
	T_CHECK(db_exec("DELETE FROM entry WHERE seq IN (2, 3, 4)"));
	EXPECT_BAD(2, "entry 2: missing");

	T_CHECK(build("rm", 6));
	T_CHECK(db_exec("DELETE FROM entry WHERE seq = 1"));
	EXPECT_BAD(1, "entry 1: missing");

	/* the last entry: only the head knows */
	T_CHECK(build("rm", 6));
	T_CHECK(db_exec("DELETE FROM entry WHERE seq = 6"));
	EXPECT_BAD(6, "last entry removed (head says 6, trail ends at 5)");
	/* and nothing is appended on top, which would hide the cut */
	a = open_rw();
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(cs_audit_append(a, "alice", "x", NULL, NULL, &eb),
		    CS_ECRYPTO);
		T_CHECK(has(eb.msg, "damaged"));
		cs_audit_close(a);
	}
	EXPECT_BAD(6, "last entry removed (head says 6, trail ends at 5)");

	/* everything */
	T_CHECK(build("rm", 3));
	T_CHECK(db_exec("DELETE FROM entry"));
	EXPECT_BAD(1, "last entry removed (head says 3, trail ends at 0)");

	/* the head and the last entry together: the head must exist */
	T_CHECK(build("rm", 3));
	T_CHECK(db_exec("DELETE FROM head"));
	EXPECT_BAD(1, "entry 1: added behind the head");

	/* an entry added without going through the chain */
	T_CHECK(build("rm", 3));
	T_CHECK(db_exec(
	    "INSERT INTO entry SELECT 4, time, actor, action, "
	    "case_id, detail_sealed, hash, hash FROM entry WHERE seq = 3"));
	EXPECT_BAD(4, "entry 4: changed");
}

static void
test_head_sealed(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	int64_t bad;

	T_CHECK(build("sealedhead", 5));
	T_EQ_INT(verify_keyed(&bad, &eb), CS_OK);
	/* cut the last entry and rewrite the head to match */
	T_CHECK(
	    db_exec("DELETE FROM entry WHERE seq = 5; UPDATE head SET "
		    "seq = 4, hash = (SELECT hash FROM entry WHERE seq = 4)"));
	/* the chain alone cannot tell */
	T_EQ_INT(verify(&bad, &eb), CS_OK);
	/* the key can */
	T_EQ_INT(verify_keyed(&bad, &eb), CS_ECRYPTO);
	T_EQ_INT(bad, 4);
	T_CHECK(has(eb.msg,
	    "entry 4: the head is not sealed by the audit "
	    "key"));
	/* and nothing is appended, which would seal the cut */
	a = open_rw();
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(cs_audit_append(a, "alice", "x", NULL, NULL, &eb),
		    CS_ECRYPTO);
		T_CHECK(has(eb.msg, "not sealed"));
		cs_audit_close(a);
	}
	T_EQ_INT(verify_keyed(&bad, &eb), CS_ECRYPTO);

	/* a flipped byte of the seal */
	T_CHECK(build("sealedhead", 3));
	T_CHECK(db_exec("UPDATE head SET mac = X'00' || substr(mac, 2)"));
	T_EQ_INT(verify(&bad, &eb), CS_OK);
	T_EQ_INT(verify_keyed(&bad, &eb), CS_ECRYPTO);
	T_EQ_INT(bad, 3);

	/* another key directory's key does not seal this head */
	T_CHECK(build("sealedhead", 2));
	snprintf(keysdir, sizeof(keysdir), "%s/otherkeys", tmpdir);
	mkdir(keysdir, 0700);
	a = open_rw();
	T_CHECK(a != NULL);
	if (a) {
		/* a key created now: the lost-key case, appending goes on */
		T_EQ_INT(
		    cs_audit_append(a, "alice", "x", NULL, "{}", &eb), CS_OK);
		cs_audit_close(a);
	}
	T_EQ_INT(verify_keyed(&bad, &eb), CS_OK);
	a = open_rw();
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(
		    cs_audit_append(a, "alice", "y", NULL, NULL, &eb), CS_OK);
		cs_audit_close(a);
	}
	T_EQ_INT(verify_keyed(&bad, &eb), CS_OK);
}

static void
test_tamper_swap(void)
{
	/* exchange the contents of two rows (all but their seq) */
	static const char swap[] =
	    "UPDATE entry SET (time, actor, action, case_id, detail_sealed,"
	    " prev, hash) = (SELECT time, actor, action, case_id,"
	    " detail_sealed, prev, hash FROM entry e WHERE e.seq = %d + %d -"
	    " entry.seq) WHERE seq IN (%d, %d)";
	char sql[400];

	T_CHECK(build("swap", 6));
	snprintf(sql, sizeof(sql), swap, 3, 4, 3, 4);
	T_CHECK(db_exec(sql));
	EXPECT_BAD(3, "entries out of order at 3");

	T_CHECK(build("swap", 6));
	snprintf(sql, sizeof(sql), swap, 2, 5, 2, 5);
	T_CHECK(db_exec(sql));
	EXPECT_BAD(2, "entries out of order at 2");

	/* the last two: the head catches what the links do not */
	T_CHECK(build("swap", 6));
	snprintf(sql, sizeof(sql), swap, 5, 6, 5, 6);
	T_CHECK(db_exec(sql));
	EXPECT_BAD(5, "entries out of order at 5");
}

/* file_has - does the file contain s? (0 if it does not exist) */
static int
file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int found;

	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	found = memmem(buf, (size_t)n, s, strlen(s)) != NULL;
	free(buf);
	return found;
}

static void
test_sealed(void)
{
	char path[400], wal[400];
	struct stat st;

	umask(022);
	T_CHECK(build("seal", 5));
	umask(077);
	snprintf(path, sizeof(path), "%s/audit.db", datadir);
	snprintf(wal, sizeof(wal), "%s/audit.db-wal", datadir);
	/* the plaintext columns are there; the detail is not */
	T_EQ_INT(file_has(path, "lookup.who"), 1);
	T_EQ_INT(file_has(path, TARGET), 0);
	T_EQ_INT(file_has(path, TARGET2), 0);
	T_EQ_INT(file_has(wal, TARGET), 0);
	T_EQ_INT(file_has(wal, TARGET2), 0);
	/* the trail is private whatever the umask */
	T_EQ_INT(stat(path, &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	/* the key: in the key directory, private, 32 bytes */
	snprintf(path, sizeof(path), "%s/audit.key", keysdir);
	T_EQ_INT(stat(path, &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	T_EQ_INT(st.st_size, 32);
	snprintf(path, sizeof(path), "%s/audit.key", datadir);
	T_CHECK(stat(path, &st) != 0);
}

static void
test_missing_key(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit_entry *v = NULL;
	struct cs_audit *a;
	char path[400], moved[400], nokeys[400];
	size_t n = 0, i;
	int64_t bad;

	T_CHECK(build("nokey", 4));
	snprintf(path, sizeof(path), "%s/audit.key", keysdir);
	snprintf(moved, sizeof(moved), "%s/audit.key.away", keysdir);
	T_EQ_INT(rename(path, moved), 0);
	a = open_ro(keysdir);
	T_CHECK(a != NULL);
	if (a) {
		T_CHECK(!cs_audit_has_key(a));
		T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
		T_EQ_INT(n, 4);
		for (i = 0; i < n; i++) {
			T_CHECK(v[i].detail == NULL);
			T_EQ_STR(v[i].action, "lookup.who");
		}
		cs_audit_entries_free(v, n);
		T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
		cs_audit_close(a);
	}
	/* no key directory at all */
	snprintf(nokeys, sizeof(nokeys), "%s/does-not-exist", tmpdir);
	a = open_ro(nokeys);
	T_CHECK(a != NULL);
	if (a) {
		T_CHECK(!cs_audit_has_key(a));
		T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
		cs_audit_close(a);
	}
	/* a different key opens nothing; the chain is still whole */
	a = open_rw();
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(cs_audit_append(
			     a, "alice", "after", NULL, "{\"k\":2}", &eb),
		    CS_OK);
		T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
		T_EQ_INT(n, 5);
		if (n == 5) {
			T_CHECK(v[0].detail == NULL);
			T_EQ_STR(v[4].detail, "{\"k\":2}");
		}
		cs_audit_entries_free(v, n);
		T_EQ_INT(cs_audit_verify(a, &bad, &eb), CS_OK);
		cs_audit_close(a);
	}
	/* the old key back: old details open, the new one does not */
	T_EQ_INT(rename(moved, path), 0);
	a = open_ro(keysdir);
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
		T_EQ_INT(n, 5);
		if (n == 5) {
			T_CHECK(
			    v[0].detail != NULL && has(v[0].detail, TARGET));
			T_CHECK(v[4].detail == NULL);
		}
		cs_audit_entries_free(v, n);
		cs_audit_close(a);
	}
}

static void
test_detail_bound(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit_entry *v = NULL;
	struct cs_audit *a;
	size_t n = 0;

	/* a sealed detail copied into another entry does not open there */
	T_CHECK(build("bound", 3));
	T_CHECK(
	    db_exec("UPDATE entry SET detail_sealed = (SELECT "
		    "detail_sealed FROM entry WHERE seq = 1) WHERE seq = 3"));
	a = open_ro(keysdir);
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	T_EQ_INT(cs_audit_list(a, NULL, &v, &n, &eb), CS_OK);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_CHECK(v[0].detail != NULL && has(v[0].detail, "\"n\":1"));
		T_CHECK(v[2].detail == NULL);
	}
	cs_audit_entries_free(v, n);
	cs_audit_close(a);
	EXPECT_BAD(3, "entry 3: changed");
}

static void
test_key_dir_refused(void)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a = NULL;
	char path[400];

	fresh("perm");
	chmod(keysdir, 0750);
	T_EQ_INT(cs_audit_open(datadir, keysdir, 1, &a, &eb), CS_EPERM);
	T_CHECK(has(eb.msg, "group or others"));
	chmod(keysdir, 0700);
	/* keys inside the data directory */
	snprintf(datadir, sizeof(datadir), "%s/perm2-data", tmpdir);
	mkdir(datadir, 0700);
	snprintf(keysdir, sizeof(keysdir), "%s/perm2-data/keys", tmpdir);
	mkdir(keysdir, 0700);
	T_EQ_INT(cs_audit_open(datadir, keysdir, 1, &a, &eb), CS_EPERM);
	T_CHECK(has(eb.msg, "inside the data"));
	/* a readable key file is refused */
	T_CHECK(build("perm3", 1));
	snprintf(path, sizeof(path), "%s/audit.key", keysdir);
	chmod(path, 0644);
	T_EQ_INT(cs_audit_open(datadir, keysdir, 0, &a, &eb), CS_EPERM);
	T_CHECK(has(eb.msg, "audit key"));
	/* reading needs an existing trail and never creates one */
	fresh("perm4");
	T_EQ_INT(cs_audit_open(datadir, keysdir, 0, &a, &eb), CS_ENOENT);
	T_CHECK(access(datadir, F_OK) != 0);
}

static void
test_concurrent(void)
{
	enum { KIDS = 4, EACH = 25 };
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	int64_t bad, seq;
	char hash[65], actor[32];
	pid_t pid[KIDS];
	int i, j, status, ok = 1;

	/* the writers race to create the database and the key, too */
	fresh("conc");
	for (i = 0; i < KIDS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			snprintf(actor, sizeof(actor), "writer%d", i);
			a = open_rw();
			for (j = 0; a && j < EACH; j++)
				if (cs_audit_append(a, actor, "lookup.who",
					NULL, "{\"n\":1}", &eb) != CS_OK) {
					fprintf(stderr, "  %s\n", eb.msg);
					_exit(1);
				}
			cs_audit_close(a);
			_exit(a ? 0 : 1);
		}
	}
	for (i = 0; i < KIDS; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	}
	T_CHECK(ok);
	T_EQ_INT(verify(&bad, &eb), CS_OK);
	a = open_ro(keysdir);
	T_CHECK(a != NULL);
	if (a) {
		T_EQ_INT(cs_audit_head(a, &seq, hash, &eb), CS_OK);
		T_EQ_INT(seq, KIDS * EACH);
		cs_audit_close(a);
	}
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 2;
	umask(077);
	unsetenv("CUSTOS_NOW");
	T_RUN(test_roundtrip);
	T_RUN(test_now);
	T_RUN(test_bad_input);
	T_RUN(test_tamper_fields);
	T_RUN(test_tamper_remove);
	T_RUN(test_tamper_swap);
	T_RUN(test_head_sealed);
	T_RUN(test_sealed);
	T_RUN(test_missing_key);
	T_RUN(test_detail_bound);
	T_RUN(test_key_dir_refused);
	T_RUN(test_concurrent);
	rc = T_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
