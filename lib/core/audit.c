/*
 * audit - the hash-chained audit trail in DATA/audit.db (see audit.h for
 * the format).  SQLite keeps the entries, libsodium hashes and seals; the
 * only code written by hand is the canonical encoding that is hashed and
 * a strict JSON syntax check (no Debian library offers one without also
 * building a tree we do not need).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/keys.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define SEAL_VERSION 0x01
#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_OVERHEAD (1 + SEAL_NONCE + SEAL_TAG)

struct cs_audit {
	sqlite3 *db;   /* owned */
	int write;     /* opened for appending */
	char *keypath; /* owned; KEYS/audit.key, NULL: no key dir */
	uint8_t *key;  /* owned, sodium_malloc'ed: the sealing key,
			  then the head's MAC key; NULL: none */
	int fresh_key; /* this handle created audit.key */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS entry ("
    " seq INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " case_id TEXT NOT NULL DEFAULT '',"
    " detail_sealed BLOB,"
    " prev BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS entry_case ON entry(case_id, seq);"
    "CREATE TABLE IF NOT EXISTS head ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " seq INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " mac BLOB);"
    "CREATE TRIGGER IF NOT EXISTS entry_no_update BEFORE UPDATE ON entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS entry_no_delete BEFORE DELETE ON entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;";

/* ---- the canonical encoding ---- */

/* one stored entry, borrowed from a statement's current row */
struct row {
	int64_t seq;
	cs_time time;
	const void *actor, *action, *case_id; /* borrowed from the stmt */
	size_t actor_len, action_len, case_len;
	const void *detail; /* borrowed; NULL when has_detail is 0 */
	size_t detail_len;
	int has_detail;
	const uint8_t *prev, *hash; /* borrowed; 32 bytes each */
	int well_formed;            /* every column has its type and size */
};

/* put_u64 - hash 8 bytes big-endian */
static void
put_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	crypto_hash_sha256_update(st, b, sizeof(b));
}

/* put_field - hash a length (8 bytes big-endian) and the bytes */
static void
put_field(crypto_hash_sha256_state *st, const void *p, size_t n)
{
	put_u64(st, (uint64_t)n);
	if (n)
		crypto_hash_sha256_update(st, p, n);
}

/* put_int - hash an integer as an 8-byte field */
static void
put_int(crypto_hash_sha256_state *st, int64_t v)
{
	put_u64(st, 8);
	put_u64(st, (uint64_t)v);
}

/* entry_hash - the hash of r's fields as if it were entry seq */
static void
entry_hash(const struct row *r, int64_t seq, uint8_t out[static 32])
{
	crypto_hash_sha256_state st;
	static const char domain[16] = "custos-audit-v1"; /* NUL included */

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof(domain));
	put_int(&st, seq);
	put_int(&st, r->time);
	put_field(&st, r->actor, r->actor_len);
	put_field(&st, r->action, r->action_len);
	put_field(&st, r->case_id, r->case_len);
	if (r->has_detail)
		put_field(&st, r->detail, r->detail_len);
	else
		put_u64(&st, UINT64_MAX);
	put_field(&st, r->prev, 32);
	crypto_hash_sha256_final(&st, out);
}

/* hex32 - lower-case hex of a hash */
static void
hex32(const uint8_t h[static 32], char out[static 65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = '\0';
}

/*
 * row_read - columns seq, time, actor, action, case_id, detail_sealed,
 * prev, hash of st's current row
 */
static void
row_read(sqlite3_stmt *st, struct row *r)
{
	static const uint8_t none[32];
	int ok = 1;

	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) != SQLITE_INTEGER)
		ok = 0;
	r->time = sqlite3_column_int64(st, 1);
	if (sqlite3_column_type(st, 2) != SQLITE_TEXT ||
	    sqlite3_column_type(st, 3) != SQLITE_TEXT ||
	    sqlite3_column_type(st, 4) != SQLITE_TEXT)
		ok = 0;
	r->actor = sqlite3_column_text(st, 2);
	r->actor_len = (size_t)sqlite3_column_bytes(st, 2);
	r->action = sqlite3_column_text(st, 3);
	r->action_len = (size_t)sqlite3_column_bytes(st, 3);
	r->case_id = sqlite3_column_text(st, 4);
	r->case_len = (size_t)sqlite3_column_bytes(st, 4);
	switch (sqlite3_column_type(st, 5)) {
	case SQLITE_NULL:
		break;
	case SQLITE_BLOB:
		r->has_detail = 1;
		r->detail = sqlite3_column_blob(st, 5);
		r->detail_len = (size_t)sqlite3_column_bytes(st, 5);
		break;
	default:
		ok = 0;
	}
	r->prev = sqlite3_column_blob(st, 6);
	if (sqlite3_column_type(st, 6) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, 6) != 32 || r->prev == NULL) {
		r->prev = none;
		ok = 0;
	}
	r->hash = sqlite3_column_blob(st, 7);
	if (sqlite3_column_type(st, 7) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, 7) != 32 || r->hash == NULL) {
		r->hash = none;
		ok = 0;
	}
	if (r->actor == NULL || r->action == NULL || r->case_id == NULL)
		ok = 0;
	r->well_formed = ok;
}

/* ---- JSON syntax (RFC 8259) ---- */

struct jp {
	const unsigned char *p, *end; /* borrowed */
	int depth;
};

/* j_ws - skip JSON blanks */
static void
j_ws(struct jp *j)
{
	while (j->p < j->end &&
	    (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* j_hex4 - the four hex digits of a \u escape */
static int
j_hex4(struct jp *j, unsigned *v)
{
	int i;
	unsigned c;

	*v = 0;
	if (j->end - j->p < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		c = *j->p++;
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			c = c - 'A' + 10;
		else
			return 0;
		*v = *v << 4 | c;
	}
	return 1;
}

/* j_utf8 - one well-formed UTF-8 sequence of 2 to 4 bytes at j->p */
static int
j_utf8(struct jp *j)
{
	unsigned c = *j->p, lo = 0x80, hi = 0xbf;
	int more, i;

	if (c >= 0xc2 && c <= 0xdf)
		more = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		more = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		more = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (j->end - j->p <= more)
		return 0;
	j->p++;
	for (i = 0; i < more; i++, j->p++) {
		if (*j->p < lo || *j->p > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return 1;
}

/* j_string - a string: escapes, no control bytes, UTF-8, paired surrogates */
static int
j_string(struct jp *j)
{
	unsigned v, w;

	j->p++; /* the opening quote */
	while (j->p < j->end) {
		unsigned c = *j->p;

		if (c == '"') {
			j->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c >= 0x80) {
			if (!j_utf8(j))
				return 0;
			continue;
		}
		j->p++;
		if (c != '\\')
			continue;
		if (j->p >= j->end)
			return 0;
		c = *j->p++;
		if (strchr("\"\\/bfnrt", (int)c) != NULL && c != '\0')
			continue;
		if (c != 'u' || !j_hex4(j, &v))
			return 0;
		if (v >= 0xdc00 && v <= 0xdfff)
			return 0; /* a lone low surrogate */
		if (v >= 0xd800 && v <= 0xdbff) {
			if (j->end - j->p < 2 || j->p[0] != '\\' ||
			    j->p[1] != 'u')
				return 0;
			j->p += 2;
			if (!j_hex4(j, &w) || w < 0xdc00 || w > 0xdfff)
				return 0;
		}
	}
	return 0;
}

/* j_digits - one or more decimal digits */
static int
j_digits(struct jp *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

/* j_number - -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
j_number(struct jp *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!j_digits(j))
		return 0;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!j_digits(j))
			return 0;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!j_digits(j))
			return 0;
	}
	return 1;
}

/* j_lit - true, false or null */
static int
j_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

static int j_value(struct jp *j);

/* j_items - the members of an object (close '}') or array (close ']') */
static int
j_items(struct jp *j, unsigned char close)
{
	if (++j->depth > CS_AUDIT_MAX_DEPTH)
		return 0;
	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' || !j_string(j))
				return 0;
			j_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return 0;
			j->p++;
		}
		if (!j_value(j))
			return 0;
		if (j->p >= j->end)
			return 0;
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return 1;
		}
		if (*j->p != ',')
			return 0;
		j->p++;
		j_ws(j);
	}
}

/* j_value - one value with the blanks around it */
static int
j_value(struct jp *j)
{
	int ok;

	j_ws(j);
	if (j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{':
		ok = j_items(j, '}');
		break;
	case '[':
		ok = j_items(j, ']');
		break;
	case '"':
		ok = j_string(j);
		break;
	case 't':
		ok = j_lit(j, "true");
		break;
	case 'f':
		ok = j_lit(j, "false");
		break;
	case 'n':
		ok = j_lit(j, "null");
		break;
	default:
		ok = (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) &&
		    j_number(j);
	}
	if (ok)
		j_ws(j);
	return ok;
}

/* cs_audit_json_check - is p[0..n) exactly one JSON value? */
enum cs_err
cs_audit_json_check(const char *p, size_t n)
{
	struct jp j;

	if (p == NULL || n > CS_AUDIT_MAX_DETAIL)
		return CS_EPARSE;
	j.p = (const unsigned char *)p;
	j.end = j.p + n;
	j.depth = 0;
	if (!j_value(&j) || j.p != j.end)
		return CS_EPARSE;
	return CS_OK;
}

/* name_ok - non-empty UTF-8 without control characters, bounded */
static int
name_ok(const char *s)
{
	struct jp j;
	size_t n = strlen(s);

	if (n == 0 || n > CS_AUDIT_MAX_NAME)
		return 0;
	j.p = (const unsigned char *)s;
	j.end = j.p + n;
	while (j.p < j.end) {
		if (*j.p < 0x20 || *j.p == 0x7f)
			return 0;
		if (*j.p < 0x80)
			j.p++;
		else if (!j_utf8(&j))
			return 0;
	}
	return 1;
}

/* ---- directories and the key ---- */

/* mkdirs - mkdir -p with mode 0700 */
static enum cs_err
mkdirs(const char *dir, struct cs_errbuf *eb)
{
	char p[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		cs_errbuf_set(eb, "data directory name is empty or too long");
		return CS_EINVAL;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			cs_errbuf_set(eb, "cannot create data directory %s: %s",
			    p, strerror(errno));
			return CS_EIO;
		}
		p[i] = i < n ? '/' : '\0';
	}
	return CS_OK;
}

/* derive - the sealing key and the head's MAC key from audit.key */
static void
derive(uint8_t key[static 64], const uint8_t master[static 32])
{
	crypto_generichash(
	    key, 32, (const uint8_t *)"custos audit seal v1", 20, master, 32);
	crypto_generichash(key + 32, 32,
	    (const uint8_t *)"custos audit head v1", 20, master, 32);
}

/* key_read - load audit.key; CS_ENOENT if it does not exist */
static enum cs_err
key_read(struct cs_audit *a, struct cs_errbuf *eb)
{
	uint8_t master[32];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(a->keypath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return CS_ENOENT;
		cs_errbuf_set(
		    eb, "audit key %s: %s", a->keypath, strerror(errno));
		return CS_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		cs_errbuf_set(
		    eb, "audit key %s is not a regular file", a->keypath);
		return CS_EIO;
	}
	if (st.st_mode & 077) {
		close(fd);
		cs_errbuf_set(eb,
		    "audit key %s is accessible to group or "
		    "others (mode %03o): run chmod 600 %s",
		    a->keypath, (unsigned)(st.st_mode & 0777), a->keypath);
		return CS_EPERM;
	}
	n = read(fd, master, sizeof(master));
	close(fd);
	if (n != (ssize_t)sizeof(master) || st.st_size != 32) {
		sodium_memzero(master, sizeof(master));
		cs_errbuf_set(
		    eb, "audit key %s is damaged (not 32 bytes)", a->keypath);
		return CS_ECRYPTO;
	}
	a->key = sodium_malloc(64);
	if (a->key == NULL) {
		sodium_memzero(master, sizeof(master));
		return CS_ENOMEM;
	}
	derive(a->key, master);
	sodium_memzero(master, sizeof(master));
	return CS_OK;
}

/*
 * key_create - write 32 random bytes to a private temporary file and
 * link it into place: link() fails if another process won the race, and
 * then its key is the one to use.
 */
static enum cs_err
key_create(struct cs_audit *a, struct cs_errbuf *eb)
{
	char tmp[PATH_MAX + 32];
	uint8_t master[32];
	int fd, linked, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", a->keypath,
		(long)getpid()) >= sizeof(tmp))
		return CS_EINVAL;
	randombytes_buf(master, sizeof(master));
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, master, 32) != 32 || fsync(fd) != 0) {
		err = errno;
		sodium_memzero(master, sizeof(master));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		cs_errbuf_set(
		    eb, "cannot write audit key %s: %s", tmp, strerror(err));
		return CS_EIO;
	}
	sodium_memzero(master, sizeof(master));
	close(fd);
	linked = link(tmp, a->keypath) == 0;
	err = errno;
	unlink(tmp);
	if (!linked && err != EEXIST) {
		cs_errbuf_set(eb, "cannot create audit key %s: %s", a->keypath,
		    strerror(err));
		return CS_EIO;
	}
	a->fresh_key = linked;
	return key_read(a, eb);
}

/* ---- open and close ---- */

/* is_wal - sqlite3_exec callback: did journal_mode answer "wal"? */
static int
is_wal(void *arg, int n, char **v, char **names)
{
	(void)names;
	*(int *)arg = n == 1 && v[0] != NULL && strcmp(v[0], "wal") == 0;
	return 0;
}

/*
 * setup - WAL mode, full sync (an entry must survive a power cut once
 * appended) and the schema.  Switching to WAL does not wait on the busy
 * handler, so writers racing to create the trail retry here, for at most
 * about ten seconds like every other lock wait.
 */
static int
setup(sqlite3 *db)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	sqlite3_stmt *st = NULL;
	int i, rc = SQLITE_BUSY, wal = 0;

	for (i = 0; i < 1000; i++) {
		if (i > 0)
			nanosleep(&pause, NULL);
		rc = sqlite3_exec(
		    db, "PRAGMA journal_mode=WAL", is_wal, &wal, NULL);
		if (rc == SQLITE_OK && !wal)
			rc = SQLITE_BUSY;
		/*
		 * NORMAL: each append is atomic and survives a crash of the
		 * process; cs_audit_close checkpoints and syncs, so a command
		 * ends with its entries on disk without an fsync per entry
		 * (a batch of lookups would otherwise wait on the disk for
		 * each one).
		 */
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(
			    db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
	}
	/* trails made before the head had a MAC */
	if (rc == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT mac FROM head", -1, &st, NULL) !=
		SQLITE_OK)
		rc = sqlite3_exec(db, "ALTER TABLE head ADD COLUMN mac BLOB",
		    NULL, NULL, NULL);
	sqlite3_finalize(st);
	return rc;
}

/* cs_audit_open - open (creating in write mode) DATA/audit.db */
enum cs_err
cs_audit_open(const char *datadir, const char *keysdir, int write,
    struct cs_audit **out, struct cs_errbuf *eb)
{
	char path[PATH_MAX + 16], rk[PATH_MAX];
	struct cs_audit *a;
	struct cs_keys *k = NULL;
	struct stat st;
	enum cs_err e;
	int flags;

	if (datadir == NULL || (write && keysdir == NULL)) {
		cs_errbuf_set(eb,
		    "audit: a data and a key directory are "
		    "needed");
		return CS_EINVAL;
	}
	if (sodium_init() < 0) {
		cs_errbuf_set(eb, "libsodium failed to initialise");
		return CS_ECRYPTO;
	}
	if (write && (e = mkdirs(datadir, eb)) != CS_OK)
		return e;
	if ((size_t)snprintf(path, sizeof(path), "%s/audit.db", datadir) >=
	    sizeof(path)) {
		cs_errbuf_set(eb, "data directory name too long");
		return CS_EINVAL;
	}
	if (!write && stat(path, &st) != 0) {
		cs_errbuf_set(
		    eb, "no audit trail at %s: %s", path, strerror(errno));
		return CS_ENOENT;
	}
	a = cs_xcalloc(1, sizeof(*a));
	a->write = write;
	/* the key directory: same checks as the day keys */
	if (keysdir != NULL && (write || stat(keysdir, &st) == 0)) {
		if ((e = cs_keys_open(keysdir, datadir, write, &k, eb)) !=
		    CS_OK)
			goto fail;
		cs_keys_free(k);
		if (realpath(keysdir, rk) == NULL) {
			cs_errbuf_set(eb, "key directory %s: %s", keysdir,
			    strerror(errno));
			e = CS_EIO;
			goto fail;
		}
		a->keypath = cs_xmalloc(strlen(rk) + sizeof("/audit.key"));
		memcpy(a->keypath, rk, strlen(rk));
		memcpy(a->keypath + strlen(rk), "/audit.key",
		    sizeof("/audit.key"));
		e = key_read(a, eb);
		if (e != CS_OK && e != CS_ENOENT)
			goto fail;
	}
	/* private whatever the umask; SQLite gives its -wal and -shm the same
	 */
	if (write) {
		int fd =
		    open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0) {
			cs_errbuf_set(
			    eb, "cannot create %s: %s", path, strerror(errno));
			e = CS_EIO;
			goto fail;
		}
		close(fd);
	}
	flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		      : SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &a->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		cs_errbuf_set(eb, "cannot open %s: %s", path,
		    a->db ? sqlite3_errmsg(a->db) : "out of memory");
		e = CS_EDB;
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 10000);
	if (write) {
		if (setup(a->db) != SQLITE_OK) {
			cs_errbuf_set(
			    eb, "%s: %s", path, sqlite3_errmsg(a->db));
			e = CS_EDB;
			goto fail;
		}
	}
	*out = a;
	return CS_OK;
fail:
	cs_audit_close(a);
	return e;
}

/* cs_audit_close - close the database and wipe the key; NULL is a no-op */
void
cs_audit_close(struct cs_audit *a)
{
	if (a == NULL)
		return;
	/* make this process's entries durable before it goes */
	sqlite3_exec(a->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);
	sqlite3_close(a->db);
	sodium_free(a->key); /* wipes; NULL is a no-op */
	free(a->keypath);
	free(a);
}

/* cs_audit_has_key - can details be read? */
int
cs_audit_has_key(const struct cs_audit *a)
{
	return a->key != NULL;
}

/* ---- append ---- */

/* seal_ad - associated data of a detail: the domain and seq */
static void
seal_ad(int64_t seq, uint8_t ad[static 30])
{
	int i;

	memcpy(ad, "custos audit detail v1", 22);
	for (i = 0; i < 8; i++)
		ad[22 + i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
}

/* seal - 0x01 || nonce || ciphertext of detail, bound to seq */
static uint8_t *
seal(const struct cs_audit *a, int64_t seq, const char *detail, size_t n,
    size_t *outlen)
{
	uint8_t ad[30], *c;
	unsigned long long clen;

	c = cs_xmalloc(n + SEAL_OVERHEAD);
	c[0] = SEAL_VERSION;
	randombytes_buf(c + 1, SEAL_NONCE);
	seal_ad(seq, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(c + 1 + SEAL_NONCE, &clen,
	    (const uint8_t *)detail, n, ad, sizeof(ad), NULL, c + 1, a->key);
	*outlen = 1 + SEAL_NONCE + (size_t)clen;
	return c;
}

/* unseal - the detail text (owned, NUL-terminated) or NULL */
static char *
unseal(const struct cs_audit *a, int64_t seq, const uint8_t *c, size_t n)
{
	uint8_t ad[30];
	unsigned long long mlen;
	char *m;

	if (a->key == NULL || c == NULL || n < SEAL_OVERHEAD ||
	    c[0] != SEAL_VERSION)
		return NULL;
	m = cs_xmalloc(n);
	seal_ad(seq, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)m, &mlen,
		NULL, c + 1 + SEAL_NONCE, n - 1 - SEAL_NONCE, ad, sizeof(ad),
		c + 1, a->key) != 0) {
		free(m);
		return NULL;
	}
	m[mlen] = '\0';
	return m;
}

/* last_entry - seq and hash of the one row of sql (seq 0: none) */
static enum cs_err
last_entry(
    sqlite3 *db, const char *sql, int64_t *seq, uint8_t hash[32], int *hash_ok)
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	*hash_ok = 0;
	memset(hash, 0, 32);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return CS_EDB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 1) == 32) {
			memcpy(hash, sqlite3_column_blob(st, 1), 32);
			*hash_ok = 1;
		}
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CS_OK : CS_EDB;
}

/* head_mac - the MAC of the head (seq, hash) under the audit key */
static void
head_mac(const struct cs_audit *a, int64_t seq, const uint8_t hash[32],
    uint8_t out[static 32])
{
	uint8_t msg[8 + 32];
	int i;

	for (i = 0; i < 8; i++)
		msg[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	memcpy(msg + 8, hash, 32);
	crypto_generichash(out, 32, msg, sizeof(msg), a->key + 32, 32);
}

/* head_mac_ok - is the stored head (seq, hash) sealed by our key? */
static int
head_mac_ok(const struct cs_audit *a, int64_t seq, const uint8_t hash[32])
{
	uint8_t want[32];
	sqlite3_stmt *st;
	int ok = 0;

	if (a->key == NULL)
		return 0;
	head_mac(a, seq, hash, want);
	if (sqlite3_prepare_v2(a->db, "SELECT mac FROM head WHERE id = 1", -1,
		&st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, 0) == 32)
		ok = sodium_memcmp(sqlite3_column_blob(st, 0), want, 32) == 0;
	sqlite3_finalize(st);
	return ok;
}

static const char sql_last[] =
    "SELECT seq, hash FROM entry ORDER BY seq DESC LIMIT 1";
static const char sql_head[] = "SELECT seq, hash FROM head WHERE id = 1";

/* cs_audit_append - add one entry, committed before it returns */
enum cs_err
cs_audit_append(struct cs_audit *a, const char *actor, const char *action,
    const char *case_id, const char *detail, struct cs_errbuf *eb)
{
	uint8_t lasthash[32], headhash[32], hash[32], mac[32], *sealed = NULL;
	int64_t lastseq, headseq;
	int last_ok, head_ok, rc;
	size_t sealed_len = 0, dlen = 0;
	sqlite3_stmt *st = NULL;
	struct row r;
	enum cs_err e;

	if (case_id == NULL)
		case_id = "";
	if (!a->write) {
		cs_errbuf_set(eb, "audit trail opened read-only");
		return CS_EPERM;
	}
	if (actor == NULL || action == NULL || !name_ok(actor) ||
	    !name_ok(action) || (*case_id && !name_ok(case_id))) {
		cs_errbuf_set(eb,
		    "audit: actor and action are required; "
		    "actor, action and case id must be UTF-8 without control "
		    "characters, at most %d bytes",
		    CS_AUDIT_MAX_NAME);
		return CS_EINVAL;
	}
	if (detail != NULL) {
		dlen = strlen(detail);
		if (dlen > CS_AUDIT_MAX_DETAIL) {
			cs_errbuf_set(eb,
			    "audit: detail of %zu bytes is over "
			    "the limit of %d",
			    dlen, CS_AUDIT_MAX_DETAIL);
			return CS_ETOOBIG;
		}
		if (cs_audit_json_check(detail, dlen) != CS_OK) {
			cs_errbuf_set(eb,
			    "audit: the detail of '%s' is not "
			    "one JSON value",
			    action);
			return CS_EPARSE;
		}
	}
	if (a->key == NULL && (e = key_create(a, eb)) != CS_OK)
		return e;
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		cs_errbuf_set(eb, "audit: cannot lock the trail: %s",
		    sqlite3_errmsg(a->db));
		return CS_EDB;
	}
	if (last_entry(a->db, sql_last, &lastseq, lasthash, &last_ok) !=
		CS_OK ||
	    last_entry(a->db, sql_head, &headseq, headhash, &head_ok) !=
		CS_OK) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		e = CS_EDB;
		goto fail;
	}
	/* never extend a trail whose tail was cut: it would hide the cut */
	if (lastseq != headseq ||
	    (lastseq != 0 &&
		(!last_ok || !head_ok ||
		    sodium_memcmp(lasthash, headhash, 32) != 0))) {
		cs_errbuf_set(eb,
		    "the audit trail is damaged (head says %lld, "
		    "trail ends at %lld): nothing appended; run custos audit "
		    "verify",
		    (long long)headseq, (long long)lastseq);
		e = CS_ECRYPTO;
		goto fail;
	}
	/*
	 * nor one rebuilt by someone without the key (a key this handle
	 * just created cannot have sealed anything yet)
	 */
	if (lastseq != 0 && !a->fresh_key &&
	    !head_mac_ok(a, headseq, headhash)) {
		cs_errbuf_set(eb,
		    "the head of the audit trail is not sealed "
		    "by %s (the trail was rebuilt or cut, or this is another "
		    "key): nothing appended; run custos audit verify",
		    a->keypath);
		e = CS_ECRYPTO;
		goto fail;
	}
	if (lastseq == INT64_MAX) {
		e = CS_ETOOBIG;
		goto fail;
	}
	memset(&r, 0, sizeof(r));
	r.seq = lastseq + 1;
	r.time = cs_time_now();
	r.actor = actor;
	r.actor_len = strlen(actor);
	r.action = action;
	r.action_len = strlen(action);
	r.case_id = case_id;
	r.case_len = strlen(case_id);
	if (detail != NULL) {
		sealed = seal(a, r.seq, detail, dlen, &sealed_len);
		r.has_detail = 1;
		r.detail = sealed;
		r.detail_len = sealed_len;
	}
	r.prev = lasthash; /* zeros for the first entry */
	entry_hash(&r, r.seq, hash);
	if (sqlite3_prepare_v2(a->db,
		"INSERT INTO entry (seq, time, actor, "
		"action, case_id, detail_sealed, prev, hash) VALUES "
		"(?, ?, ?, ?, ?, ?, ?, ?)",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_int64(st, 1, r.seq);
	sqlite3_bind_int64(st, 2, r.time);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, case_id, -1, SQLITE_STATIC);
	if (sealed)
		sqlite3_bind_blob(
		    st, 6, sealed, (int)sealed_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_blob(st, 7, lasthash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto dbfail;
	head_mac(a, r.seq, hash, mac);
	if (sqlite3_prepare_v2(a->db,
		"INSERT OR REPLACE INTO head (id, seq, "
		"hash, mac) VALUES (1, ?, ?, ?)",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_int64(st, 1, r.seq);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, mac, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dbfail;
	free(sealed);
	return CS_OK;
dbfail:
	cs_errbuf_set(eb, "audit: cannot append: %s", sqlite3_errmsg(a->db));
	e = CS_EDB;
fail:
	sqlite3_finalize(st);
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	free(sealed);
	return e;
}

/* ---- reading ---- */

/* col_dup - a text column, owned ("" for NULL) */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return cs_xstrndup(
	    s ? (const char *)s : "", (size_t)sqlite3_column_bytes(st, i));
}

/* cs_audit_list - entries (of one case, or all when case_id is NULL) */
enum cs_err
cs_audit_list(struct cs_audit *a, const char *case_id,
    struct cs_audit_entry **out, size_t *n, struct cs_errbuf *eb)
{
	struct cs_audit_entry *v = NULL, *e;
	size_t len = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db,
		case_id ? "SELECT seq, time, actor, action, case_id, "
			  "detail_sealed, hash "
			  "FROM entry WHERE case_id = ? ORDER BY seq"
			: "SELECT seq, time, actor, action, case_id, "
			  "detail_sealed, hash "
			  "FROM entry ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		return CS_EDB;
	}
	if (case_id)
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		e = &v[len++];
		memset(e, 0, sizeof(*e));
		e->seq = sqlite3_column_int64(st, 0);
		e->time = sqlite3_column_int64(st, 1);
		e->actor = col_dup(st, 2);
		e->action = col_dup(st, 3);
		e->case_id = col_dup(st, 4);
		if (sqlite3_column_type(st, 5) == SQLITE_BLOB)
			e->detail =
			    unseal(a, e->seq, sqlite3_column_blob(st, 5),
				(size_t)sqlite3_column_bytes(st, 5));
		if (sqlite3_column_type(st, 6) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 6) == 32)
			hex32(sqlite3_column_blob(st, 6), e->hash);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cs_audit_entries_free(v, len);
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		return CS_EDB;
	}
	*out = v;
	*n = len;
	return CS_OK;
}

/* cs_audit_entries_free - free a list; details are wiped first */
void
cs_audit_entries_free(struct cs_audit_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].actor);
		free(e[i].action);
		free(e[i].case_id);
		if (e[i].detail) {
			sodium_memzero(e[i].detail, strlen(e[i].detail));
			free(e[i].detail);
		}
	}
	free(e);
}

/* cs_audit_head - the last entry according to the head record */
enum cs_err
cs_audit_head(
    struct cs_audit *a, int64_t *seq, char hash[65], struct cs_errbuf *eb)
{
	uint8_t h[32];
	int ok;

	if (last_entry(a->db, sql_head, seq, h, &ok) != CS_OK) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		return CS_EDB;
	}
	if (*seq != 0 && ok)
		hex32(h, hash);
	else
		hash[0] = '\0';
	return CS_OK;
}

/* ---- verify ---- */

/*
 * moved_from - the entry whose record r holds, if it verifies under
 * another sequence number (two entries' contents exchanged); 0 if none.
 * Runs only once a bad entry was found.
 */
static int64_t
moved_from(sqlite3 *db, const struct row *r)
{
	uint8_t h[32];
	int64_t max = 0, s;
	sqlite3_stmt *st;

	if (!r->well_formed)
		return 0;
	if (sqlite3_prepare_v2(
		db, "SELECT max(seq) FROM entry", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	for (s = 1; s <= max; s++) {
		entry_hash(r, s, h);
		if (memcmp(h, r->hash, 32) == 0)
			return s;
	}
	return 0;
}

/* check_head - does the head record agree with the last entry seen? */
static enum cs_err
check_head(sqlite3 *db, int64_t lastseq, const uint8_t lasthash[32],
    int64_t *bad, struct cs_errbuf *eb)
{
	uint8_t h[32];
	int64_t seq;
	int ok;

	if (last_entry(db, sql_head, &seq, h, &ok) != CS_OK) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(db));
		return CS_EDB;
	}
	if (seq == lastseq &&
	    (seq == 0 || (ok && memcmp(h, lasthash, 32) == 0)))
		return CS_OK;
	if (seq > lastseq) {
		*bad = lastseq + 1;
		cs_errbuf_set(eb,
		    "last entry removed (head says %lld, trail "
		    "ends at %lld)",
		    (long long)seq, (long long)lastseq);
	} else if (seq < lastseq) {
		*bad = seq + 1;
		cs_errbuf_set(eb,
		    "entry %lld: added behind the head (head "
		    "says %lld, trail ends at %lld)",
		    (long long)(seq + 1), (long long)seq, (long long)lastseq);
	} else {
		*bad = lastseq;
		cs_errbuf_set(eb,
		    "entry %lld: changed (does not match the "
		    "head)",
		    (long long)lastseq);
	}
	return CS_ECRYPTO;
}

/* cs_audit_verify - CS_OK if whole, else CS_ECRYPTO naming the first bad */
enum cs_err
cs_audit_verify(struct cs_audit *a, int64_t *bad, struct cs_errbuf *eb)
{
	uint8_t prevhash[32] = {0}, h[32];
	int64_t expect = 1, from;
	sqlite3_stmt *st = NULL;
	enum cs_err e = CS_OK;
	struct row r;
	int rc;

	/* one snapshot for the entries and the head */
	if (sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
		"SELECT seq, time, actor, action, "
		"case_id, detail_sealed, prev, hash FROM entry ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		e = CS_EDB;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &r);
		if (r.well_formed)
			entry_hash(&r, r.seq, h);
		if (!r.well_formed || memcmp(h, r.hash, 32) != 0) {
			*bad = r.seq;
			from = moved_from(a->db, &r);
			if (from != 0 && from != r.seq)
				cs_errbuf_set(eb,
				    "entries out of order at "
				    "%lld (it holds entry %lld)",
				    (long long)r.seq, (long long)from);
			else
				cs_errbuf_set(eb,
				    "entry %lld: changed (hash "
				    "does not match)",
				    (long long)r.seq);
			e = CS_ECRYPTO;
			goto out;
		}
		if (r.seq != expect) {
			*bad = r.seq > expect ? expect : r.seq;
			if (r.seq < expect)
				cs_errbuf_set(eb, "entry %lld: out of sequence",
				    (long long)r.seq);
			else if (r.seq == expect + 1)
				cs_errbuf_set(eb, "entry %lld: missing",
				    (long long)expect);
			else
				cs_errbuf_set(eb,
				    "entry %lld: missing (and "
				    "the %lld after it)",
				    (long long)expect,
				    (long long)(r.seq - expect - 1));
			e = CS_ECRYPTO;
			goto out;
		}
		if (memcmp(r.prev, prevhash, 32) != 0) {
			*bad = r.seq;
			if (r.seq == 1)
				cs_errbuf_set(eb,
				    "entry 1: changed (the first "
				    "entry must link to nothing)");
			else
				cs_errbuf_set(eb,
				    "entry %lld: changed (does "
				    "not link to entry %lld)",
				    (long long)r.seq, (long long)(r.seq - 1));
			e = CS_ECRYPTO;
			goto out;
		}
		memcpy(prevhash, r.hash, 32);
		expect = r.seq + 1;
	}
	if (rc != SQLITE_DONE) {
		cs_errbuf_set(eb, "audit: %s", sqlite3_errmsg(a->db));
		e = CS_EDB;
		goto out;
	}
	e = check_head(a->db, expect - 1, prevhash, bad, eb);
	if (e == CS_OK && expect > 1 && a->key != NULL &&
	    !head_mac_ok(a, expect - 1, prevhash)) {
		*bad = expect - 1;
		cs_errbuf_set(eb,
		    "entry %lld: the head is not sealed by the "
		    "audit key (the trail was rebuilt or cut, or the key is "
		    "another one)",
		    (long long)(expect - 1));
		e = CS_ECRYPTO;
	}
out:
	sqlite3_finalize(st);
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	return e;
}
