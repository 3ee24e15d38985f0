/* casedb - cases.db and the sealed, content-addressed documents */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/casedb.h"
#include "util/xmalloc.h"

struct cs_casedb {
	sqlite3 *db;          /* owned */
	char *datadir;        /* owned */
	struct cs_daykey key; /* wiped on close */
	int write;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS cases(id TEXT PRIMARY KEY, year INTEGER,"
    " seq INTEGER, type TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,"
    " created_by TEXT, created_at INTEGER, parent TEXT, cats INTEGER);"
    "CREATE TABLE IF NOT EXISTS fields(case_id TEXT, name TEXT, value BLOB,"
    " PRIMARY KEY(case_id, name));"
    "CREATE TABLE IF NOT EXISTS targets(case_id TEXT, n INTEGER, value BLOB,"
    " PRIMARY KEY(case_id, n));"
    "CREATE TABLE IF NOT EXISTS docs(case_id TEXT, n INTEGER PRIMARY KEY"
    " AUTOINCREMENT, sha TEXT, name BLOB, kind TEXT, size INTEGER,"
    " by_name TEXT, at INTEGER);"
    "CREATE TABLE IF NOT EXISTS events(case_id TEXT, n INTEGER PRIMARY KEY"
    " AUTOINCREMENT, kind TEXT, at INTEGER, by_name TEXT, note BLOB);"
    "CREATE TABLE IF NOT EXISTS costs(case_id TEXT, n INTEGER PRIMARY KEY"
    " AUTOINCREMENT, cents INTEGER, what BLOB, by_name TEXT, at INTEGER);"
    "CREATE TABLE IF NOT EXISTS ssi(n INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sha TEXT, by_name TEXT, set_at INTEGER, filed_at INTEGER);";

/* derive - the cases key's subkeys from its 32 master bytes */
static void
derive(struct cs_daykey *k, const uint8_t master[32])
{
	k->day = 0;
	crypto_generichash(k->tag_key, sizeof(k->tag_key),
	    (const uint8_t *)"custos cases tag v1", 19, master, 32);
	crypto_generichash(k->seal_key, sizeof(k->seal_key),
	    (const uint8_t *)"custos cases seal v1", 20, master, 32);
}

enum cs_err
cs_casekey_load(const char *keysdir, const char *datadir, int create,
    struct cs_daykey *out, struct cs_errbuf *eb)
{
	struct cs_keys *k = NULL;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	uint8_t master[32];
	enum cs_err e;
	ssize_t r;
	int fd;

	/* the same checks as for day keys: 0700, not inside the data */
	if ((e = cs_keys_open(keysdir, datadir, create, &k, eb)) != CS_OK)
		return e;
	cs_keys_free(k);
	snprintf(path, sizeof(path), "%s/cases.key", keysdir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = read(fd, master, sizeof(master));
		close(fd);
		if (r != (ssize_t)sizeof(master)) {
			cs_errbuf_set(eb, "key file %s is damaged", path);
			return CS_ECRYPTO;
		}
		goto done;
	}
	if (errno != ENOENT || !create) {
		cs_errbuf_set(eb, "key file %s: %s", path, strerror(errno));
		return errno == ENOENT ? CS_ENOENT : CS_EIO;
	}
	randombytes_buf(master, sizeof(master));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 ||
	    write(fd, master, sizeof(master)) != (ssize_t)sizeof(master) ||
	    fsync(fd) != 0) {
		cs_errbuf_set(eb, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		sodium_memzero(master, sizeof(master));
		return CS_EIO;
	}
	close(fd);
	if (link(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		sodium_memzero(master, sizeof(master));
		if (err == EEXIST) /* another process was first */
			return cs_casekey_load(keysdir, datadir, 0, out, eb);
		cs_errbuf_set(eb, "cannot create %s: %s", path, strerror(err));
		return CS_EIO;
	}
	unlink(tmp);
done:
	derive(out, master);
	sodium_memzero(master, sizeof(master));
	return CS_OK;
}

static enum cs_err
dberr(struct cs_casedb *db, struct cs_errbuf *eb, const char *what)
{
	cs_errbuf_set(eb, "cases.db: %s: %s", what, sqlite3_errmsg(db->db));
	return CS_EDB;
}

enum cs_err
cs_casedb_open(const char *datadir, const char *keysdir, int write,
    struct cs_casedb **out, struct cs_errbuf *eb)
{
	struct cs_casedb *db;
	char path[PATH_MAX];
	enum cs_err e;
	struct stat st;

	if (sodium_init() < 0)
		return CS_ECRYPTO;
	if (stat(datadir, &st) != 0) {
		if (!write || mkdir(datadir, 0700) != 0) {
			cs_errbuf_set(eb, "data directory %s: %s", datadir,
			    strerror(errno));
			return CS_EIO;
		}
	}
	db = cs_xcalloc(1, sizeof(*db));
	db->write = write;
	db->datadir = cs_xstrdup(datadir);
	if ((e = cs_casekey_load(keysdir, datadir, write, &db->key, eb)) !=
	    CS_OK) {
		if (e == CS_ENOENT)
			cs_errbuf_set(eb,
			    "no case store yet under %s (create "
			    "a case with custos case new)",
			    keysdir);
		cs_casedb_close(db);
		return e;
	}
	snprintf(path, sizeof(path), "%s/cases.db", datadir);
	if (sqlite3_open_v2(path, &db->db,
		(write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		       : SQLITE_OPEN_READONLY) |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", path,
		    db->db ? sqlite3_errmsg(db->db) : "cannot open");
		cs_casedb_close(db);
		return write ? CS_EDB : CS_ENOENT;
	}
	sqlite3_busy_timeout(db->db, 10000);
	if (write) /* best effort: a failure keeps the rollback journal */
		sqlite3_exec(
		    db->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (write &&
	    sqlite3_exec(db->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		e = dberr(db, eb, "schema");
		cs_casedb_close(db);
		return e;
	}
	*out = db;
	return CS_OK;
}

void
cs_casedb_close(struct cs_casedb *db)
{
	if (db == NULL)
		return;
	if (db->db)
		sqlite3_close(db->db);
	sodium_memzero(&db->key, sizeof(db->key));
	free(db->datadir);
	free(db);
}

const struct cs_daykey *
cs_casedb_key(const struct cs_casedb *db)
{
	return &db->key;
}

/* ad - associated data binding a sealed value to its case */
static int64_t
ad(const struct cs_casedb *db, const char *id)
{
	return cs_tag(&db->key, 'c', id, strlen(id));
}

static void
bind_sealed(struct cs_casedb *db, sqlite3_stmt *st, int col, const char *id,
    const char *text)
{
	struct cs_buf b;

	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_seal(&db->key, ad(db, id), text, strlen(text), &b);
	sqlite3_bind_blob(st, col, b.data, (int)b.len, SQLITE_TRANSIENT);
	cs_buf_release(&b);
}

/* col_unsealed - a sealed column back to text in out (outlen bytes) */
static enum cs_err
col_unsealed(struct cs_casedb *db, sqlite3_stmt *st, int col, const char *id,
    char *out, size_t outlen)
{
	struct cs_buf b;
	enum cs_err e;

	cs_buf_init(&b, NULL, 0, 1 << 20);
	e = cs_unseal(&db->key, ad(db, id), sqlite3_column_blob(st, col),
	    (size_t)sqlite3_column_bytes(st, col), &b);
	if (e == CS_OK)
		snprintf(out, outlen, "%s", b.data ? b.data : "");
	if (b.data)
		sodium_memzero(b.data, b.len);
	cs_buf_release(&b);
	return e;
}

static enum cs_err
exec1(struct cs_casedb *db, const char *sql, struct cs_errbuf *eb)
{
	if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, eb, sql);
	return CS_OK;
}

/* write_body - fields, targets, categories and the cases row's state */
static enum cs_err
write_body(struct cs_casedb *db, const struct cs_case *c, struct cs_errbuf *eb)
{
	const struct cs_case_field *f;
	sqlite3_stmt *st = NULL;
	char val[CS_CASE_STR + 64];
	size_t i;
	const char *del[] = {"DELETE FROM fields WHERE case_id=?1",
	    "DELETE FROM targets WHERE case_id=?1"};

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(db->db, del[i], -1, &st, NULL) !=
		    SQLITE_OK)
			return dberr(db, eb, "prepare");
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return dberr(db, eb, "delete");
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db->db, "INSERT INTO fields VALUES(?1,?2,?3)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	for (f = cs_case_fields(); f->name; f++) {
		if (!cs_case_field_get(c, f, val, sizeof(val)))
			continue;
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
		bind_sealed(db, st, 3, c->id, val);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return dberr(db, eb, "insert field");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->db, "INSERT INTO targets VALUES(?1,?2,?3)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], val, sizeof(val));
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_sealed(db, st, 3, c->id, val);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return dberr(db, eb, "insert target");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->db,
		"UPDATE cases SET closed=?2, parent=?3,"
		" cats=?4 WHERE id=?1",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, c->closed);
	sqlite3_bind_text(st, 3, c->parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)c->cats);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "update case");
	}
	sqlite3_finalize(st);
	return CS_OK;
}

enum cs_err
cs_casedb_create(struct cs_casedb *db, struct cs_case *c, struct cs_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	struct cs_civil cv;
	int64_t seq = 1;
	enum cs_err e;

	cs_civil_from_time(c->created_at, &cv);
	if ((e = exec1(db, "BEGIN IMMEDIATE", eb)) != CS_OK)
		return e;
	if (sqlite3_prepare_v2(db->db,
		"SELECT coalesce(max(seq),0)+1 FROM "
		"cases WHERE year=?1",
		-1, &st, NULL) != SQLITE_OK) {
		e = dberr(db, eb, "prepare");
		goto fail;
	}
	sqlite3_bind_int(st, 1, cv.year);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(c->id, sizeof(c->id), "%04d-%04lld", cv.year, (long long)seq);
	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO cases(id,year,seq,type,"
		"created_by,created_at) VALUES(?1,?2,?3,?4,?5,?6)",
		-1, &st, NULL) != SQLITE_OK) {
		e = dberr(db, eb, "prepare");
		goto fail;
	}
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, cv.year);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, c->type_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->created_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->created_at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		e = dberr(db, eb, "insert case");
		goto fail;
	}
	sqlite3_finalize(st);
	if ((e = write_body(db, c, eb)) != CS_OK)
		goto fail;
	return exec1(db, "COMMIT", eb);
fail:
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

enum cs_err
cs_casedb_save(
    struct cs_casedb *db, const struct cs_case *c, struct cs_errbuf *eb)
{
	enum cs_err e;

	if ((e = exec1(db, "BEGIN IMMEDIATE", eb)) != CS_OK)
		return e;
	if ((e = write_body(db, c, eb)) != CS_OK) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		return e;
	}
	return exec1(db, "COMMIT", eb);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	return p ? (const char *)p : "";
}

/* load_rows - fields, targets, docs, events, costs of c */
static enum cs_err
load_rows(struct cs_casedb *db, struct cs_case *c, struct cs_errbuf *eb)
{
	static const char *const q[] = {
	    "SELECT name, value FROM fields WHERE case_id=?1",
	    "SELECT n, value FROM targets WHERE case_id=?1 ORDER BY n",
	    "SELECT sha, name, kind, size, by_name, at FROM docs WHERE "
	    "case_id=?1 ORDER BY n",
	    "SELECT kind, at, by_name, note FROM events WHERE case_id=?1 "
	    "ORDER BY n",
	    "SELECT coalesce(sum(cents),0) FROM costs WHERE case_id=?1",
	};
	sqlite3_stmt *st;
	char val[CS_CASE_STR + 64];
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (sqlite3_prepare_v2(db->db, q[i], -1, &st, NULL) !=
		    SQLITE_OK)
			return dberr(db, eb, "prepare");
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const struct cs_case_field *f;
			switch (i) {
			case 0:
				f = cs_case_field_find(col_text(st, 0));
				if (f == NULL ||
				    col_unsealed(db, st, 1, c->id, val,
					sizeof(val)) != CS_OK ||
				    cs_case_field_set(c, f, val, NULL) != CS_OK)
					goto bad;
				break;
			case 1:
				if (c->nt >= CS_CASE_MAXT ||
				    col_unsealed(db, st, 1, c->id, val,
					sizeof(val)) != CS_OK ||
				    cs_target_parse(val, &c->t[c->nt], NULL) !=
					CS_OK)
					goto bad;
				c->nt++;
				break;
			case 2: {
				struct cs_doc *d;
				if (c->nd >= CS_CASE_MAXD)
					goto bad;
				d = &c->d[c->nd++];
				snprintf(d->sha, sizeof(d->sha), "%s",
				    col_text(st, 0));
				if (col_unsealed(db, st, 1, c->id, d->name,
					sizeof(d->name)) != CS_OK)
					goto bad;
				snprintf(d->kind, sizeof(d->kind), "%s",
				    col_text(st, 2));
				d->size = sqlite3_column_int64(st, 3);
				snprintf(d->by, sizeof(d->by), "%s",
				    col_text(st, 4));
				d->at = sqlite3_column_int64(st, 5);
				break;
			}
			case 3:
				if (col_unsealed(db, st, 3, c->id, val,
					sizeof(val)) != CS_OK ||
				    cs_case_add_event(c, col_text(st, 0),
					sqlite3_column_int64(st, 1),
					col_text(st, 2), val) != CS_OK)
					goto bad;
				break;
			default:
				c->cost_cents = sqlite3_column_int64(st, 0);
			}
		}
		sqlite3_finalize(st);
	}
	return CS_OK;
bad:
	sqlite3_finalize(st);
	cs_errbuf_set(eb,
	    "case %s: a stored row does not unseal or parse "
	    "(wrong cases key, or tampering)",
	    c->id);
	return CS_ECRYPTO;
}

enum cs_err
cs_casedb_load(struct cs_casedb *db, const char *id, struct cs_case **out,
    struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	struct cs_case *c;
	enum cs_err e;
	int t;

	if (sqlite3_prepare_v2(db->db,
		"SELECT type, closed, created_by, "
		"created_at, parent, cats FROM cases WHERE id=?1",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		cs_errbuf_set(eb, "no case %s", id);
		return CS_ENOENT;
	}
	c = cs_case_new();
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->type_name, sizeof(c->type_name), "%s", col_text(st, 0));
	t = cs_ctype_parse(c->type_name);
	c->type = t < 0 ? CT_FISA : (enum cs_ctype)t; /* unknown: counsel */
	c->closed = sqlite3_column_int(st, 1);
	snprintf(c->created_by, sizeof(c->created_by), "%s", col_text(st, 2));
	c->created_at = sqlite3_column_int64(st, 3);
	c->cats = (unsigned)sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	if ((e = load_rows(db, c, eb)) != CS_OK) {
		cs_case_free(c);
		return e;
	}
	*out = c;
	return CS_OK;
}

enum cs_err
cs_casedb_list(
    struct cs_casedb *db, char ***ids, size_t *n, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t k = 0, cap = 0;

	if (sqlite3_prepare_v2(db->db,
		"SELECT id FROM cases ORDER BY year, "
		"seq",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		v[k++] = cs_xstrdup(col_text(st, 0));
	}
	sqlite3_finalize(st);
	*ids = v;
	*n = k;
	return CS_OK;
}

void
cs_casedb_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

enum cs_err
cs_casedb_event(struct cs_casedb *db, struct cs_case *c, const char *kind,
    cs_time at, const char *by, const char *note, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;

	if (cs_case_add_event(c, kind, at, by, note) != CS_OK) {
		cs_errbuf_set(eb, "case %s: too many events", c->id);
		return CS_ETOOBIG;
	}
	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO events(case_id,kind,at,"
		"by_name,note) VALUES(?1,?2,?3,?4,?5)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, by ? by : "", -1, SQLITE_STATIC);
	bind_sealed(db, st, 5, c->id, note ? note : "");
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "insert event");
	}
	sqlite3_finalize(st);
	return CS_OK;
}

static void
blob_path(const struct cs_casedb *db, const char *sha, char *out, size_t n)
{
	snprintf(out, n, "%s/documents/%s", db->datadir, sha);
}

enum cs_err
cs_casedb_put_blob(struct cs_casedb *db, const void *p, size_t n,
    char sha[static 65], struct cs_errbuf *eb)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char dir[PATH_MAX], path[PATH_MAX + 80], tmp[PATH_MAX + 100];
	struct cs_buf b;
	struct stat st;
	int fd, ok;

	crypto_hash_sha256(h, p, (unsigned long long)n);
	sodium_bin2hex(sha, 65, h, sizeof(h));
	snprintf(dir, sizeof(dir), "%s/documents", db->datadir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "cannot create %s: %s", dir, strerror(errno));
		return CS_EIO;
	}
	blob_path(db, sha, path, sizeof(path));
	if (stat(path, &st) == 0)
		return CS_OK; /* content-addressed: already there */
	cs_buf_init(&b, NULL, 0, (size_t)CS_DOC_MAX + 64);
	cs_seal(&db->key, cs_tag(&db->key, 'd', sha, 64), p, n, &b);
	if (cs_buf_error(&b) != CS_OK) {
		cs_buf_release(&b);
		cs_errbuf_set(eb, "document larger than %u bytes", CS_DOC_MAX);
		return CS_ETOOBIG;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len &&
	    fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	cs_buf_release(&b);
	if (!ok || rename(tmp, path) != 0) {
		cs_errbuf_set(eb, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return CS_EIO;
	}
	return CS_OK;
}

enum cs_err
cs_read_file(
    const char *path, size_t max, struct cs_buf *out, struct cs_errbuf *eb)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		return CS_EIO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > max) {
			fclose(f);
			cs_errbuf_set(
			    eb, "%s: larger than %zu bytes", path, max);
			return CS_ETOOBIG;
		}
		cs_buf_append(out, chunk, n);
	}
	if (ferror(f) || cs_buf_error(out) != CS_OK) {
		fclose(f);
		cs_errbuf_set(eb, "%s: read error", path);
		return CS_EIO;
	}
	fclose(f);
	return CS_OK;
}

enum cs_err
cs_casedb_get_blob(struct cs_casedb *db, const char *sha, struct cs_buf *out,
    struct cs_errbuf *eb)
{
	char path[PATH_MAX + 80];
	struct cs_buf b;
	enum cs_err e;

	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		cs_errbuf_set(eb, "not a document hash: %.80s", sha);
		return CS_EINVAL;
	}
	blob_path(db, sha, path, sizeof(path));
	cs_buf_init(&b, NULL, 0, (size_t)CS_DOC_MAX + 64);
	if ((e = cs_read_file(path, (size_t)CS_DOC_MAX + 64, &b, eb)) !=
	    CS_OK) {
		cs_buf_release(&b);
		return e;
	}
	e = cs_unseal(
	    &db->key, cs_tag(&db->key, 'd', sha, 64), b.data, b.len, out);
	cs_buf_release(&b);
	if (e != CS_OK)
		cs_errbuf_set(eb,
		    "document %s does not unseal (wrong key or "
		    "tampered)",
		    sha);
	return e;
}

enum cs_err
cs_casedb_add_doc(struct cs_casedb *db, struct cs_case *c, const void *p,
    size_t n, const char *name, const char *kind, const char *by, cs_time at,
    struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	struct cs_doc *d;
	char sha[65];
	enum cs_err e;

	if (c->nd >= CS_CASE_MAXD) {
		cs_errbuf_set(eb, "case %s: too many documents", c->id);
		return CS_ETOOBIG;
	}
	if ((e = cs_casedb_put_blob(db, p, n, sha, eb)) != CS_OK)
		return e;
	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO docs(case_id,sha,name,"
		"kind,size,by_name,at) VALUES(?1,?2,?3,?4,?5,?6,?7)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	bind_sealed(db, st, 3, c->id, name);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)n);
	sqlite3_bind_text(st, 6, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "insert document");
	}
	sqlite3_finalize(st);
	d = &c->d[c->nd++];
	memset(d, 0, sizeof(*d));
	memcpy(d->sha, sha, sizeof(d->sha));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	d->size = (int64_t)n;
	snprintf(d->by, sizeof(d->by), "%s", by);
	d->at = at;
	return CS_OK;
}

enum cs_err
cs_casedb_add_cost(struct cs_casedb *db, struct cs_case *c, int64_t cents,
    const char *what, const char *by, cs_time at, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO costs(case_id,cents,what,"
		"by_name,at) VALUES(?1,?2,?3,?4,?5)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cents);
	bind_sealed(db, st, 3, c->id, what);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "insert cost");
	}
	sqlite3_finalize(st);
	c->cost_cents += cents;
	return CS_OK;
}

enum cs_err
cs_casedb_costs(struct cs_casedb *db, const char *id, struct cs_cost **out,
    size_t *n, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	struct cs_cost *v = NULL;
	size_t k = 0, cap = 0;

	if (sqlite3_prepare_v2(db->db,
		"SELECT cents, what, by_name, at FROM "
		"costs WHERE case_id=?1 ORDER BY n",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		memset(&v[k], 0, sizeof(v[k]));
		v[k].cents = sqlite3_column_int64(st, 0);
		if (col_unsealed(db, st, 1, id, v[k].what, sizeof(v[k].what)) !=
		    CS_OK)
			snprintf(
			    v[k].what, sizeof(v[k].what), "%s", "(unreadable)");
		snprintf(v[k].by, sizeof(v[k].by), "%s", col_text(st, 2));
		v[k].at = sqlite3_column_int64(st, 3);
		k++;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = k;
	return CS_OK;
}

enum cs_err
cs_casedb_ssi_set(struct cs_casedb *db, const char *sha, const char *by,
    cs_time at, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO ssi(sha,by_name,set_at) "
		"VALUES(?1,?2,?3)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "insert ssi");
	}
	sqlite3_finalize(st);
	return CS_OK;
}

enum cs_err
cs_casedb_ssi_filed(struct cs_casedb *db, cs_time at, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->db,
		"UPDATE ssi SET filed_at=?1 WHERE n="
		"(SELECT max(n) FROM ssi)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	sqlite3_bind_int64(st, 1, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dberr(db, eb, "update ssi");
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(db->db) == 0) {
		cs_errbuf_set(eb, "no SSI policy registered");
		return CS_ENOENT;
	}
	return CS_OK;
}

enum cs_err
cs_casedb_ssi_get(
    struct cs_casedb *db, struct cs_ssi *out, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	enum cs_err e = CS_ENOENT;

	if (sqlite3_prepare_v2(db->db,
		"SELECT sha, by_name, set_at, filed_at "
		"FROM ssi ORDER BY n DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(db, eb, "prepare");
	if (sqlite3_step(st) == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		snprintf(out->sha, sizeof(out->sha), "%s", col_text(st, 0));
		snprintf(out->by, sizeof(out->by), "%s", col_text(st, 1));
		out->set_at = sqlite3_column_int64(st, 2);
		out->filed_at = sqlite3_column_type(st, 3) == SQLITE_NULL
		    ? CS_TIME_NONE
		    : sqlite3_column_int64(st, 3);
		e = CS_OK;
	} else {
		cs_errbuf_set(eb,
		    "no SSI policy registered (custos ssi set "
		    "FILE)");
	}
	sqlite3_finalize(st);
	return e;
}

void
cs_casedb_env(struct cs_casedb *db, const struct cs_case *c,
    const struct cs_config *cfg, cs_time now, struct cs_rule_env *env)
{
	struct cs_ssi ssi;
	sqlite3_stmt *st;

	memset(env, 0, sizeof(*env));
	env->cfg = cfg;
	env->now = now;
	env->ndo_until = CS_TIME_NONE;
	env->have_ssi = cs_casedb_ssi_get(db, &ssi, NULL) == CS_OK;
	if (c == NULL ||
	    sqlite3_prepare_v2(db->db,
		"SELECT id FROM cases "
		"WHERE type='ndo_2705b' AND closed=0 AND parent=?1",
		-1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cs_case *n = NULL;
		if (cs_casedb_load(db, col_text(st, 0), &n, NULL) != CS_OK)
			continue;
		if (n->expires == CS_TIME_NONE)
			env->ndo_until = INT64_MAX;
		else if (env->ndo_until != INT64_MAX &&
		    (env->ndo_until == CS_TIME_NONE ||
			n->expires > env->ndo_until))
			env->ndo_until = n->expires;
		cs_case_free(n);
	}
	sqlite3_finalize(st);
}

enum cs_err
cs_casedb_holds(struct cs_casedb *db, cs_time now, struct cs_hold **out,
    size_t *n, struct cs_errbuf *eb)
{
	struct cs_hold *v = NULL;
	size_t k = 0, cap = 0, nid, i, j;
	char **ids;
	enum cs_err e;

	if ((e = cs_casedb_list(db, &ids, &nid, eb)) != CS_OK)
		return e;
	for (i = 0; i < nid; i++) {
		struct cs_case *c = NULL;
		cs_time until;
		const char *basis;

		if ((e = cs_casedb_load(db, ids[i], &c, eb)) != CS_OK) {
			free(v);
			cs_casedb_ids_free(ids, nid);
			return e; /* fail closed: no partial hold list */
		}
		if (c->type == CT_PRES || c->type == CT_CYBERTIP) {
			/* an explicit hold runs to its end, open or closed */
			until = cs_rules_hold_end(c);
			basis = c->type == CT_PRES ? "R-PRES-1" : "R-CSAM-1";
			if (until == CS_TIME_NONE || until <= now) {
				cs_case_free(c);
				continue;
			}
		} else {
			/* any pending request: held while the case is open */
			until = CS_TIME_NONE;
			basis = "R-PRES-4";
			if (c->closed) {
				cs_case_free(c);
				continue;
			}
		}
		for (j = 0; j < c->nt; j++) {
			if (k == cap) {
				cap = cap ? cap * 2 : 16;
				v = cs_xreallocarray(v, cap, sizeof(*v));
			}
			memset(&v[k], 0, sizeof(v[k]));
			snprintf(
			    v[k].case_id, sizeof(v[k].case_id), "%s", c->id);
			v[k].basis = basis;
			v[k].t = c->t[j];
			v[k].until = until;
			k++;
		}
		cs_case_free(c);
	}
	cs_casedb_ids_free(ids, nid);
	*out = v;
	*n = k;
	return CS_OK;
}
