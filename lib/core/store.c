/* store - day partitions in SQLite, sealed rows, offsets and quarantine */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/lz.h"
#include "core/nat.h"
#include "core/store.h"
#include "util/xmalloc.h"

#define LOOKBACK_DAYS 400   /* open sessions are looked for this far back */
#define MAXCAND 256         /* candidates per probe */
#define SNAPSHOT_US 1000000 /* a reader keeps a day's snapshot this long */

/* tag domains */
#define D_ADDR 'a'
#define D_KEY 'k'
#define D_USER 'u'
#define D_MAC 'm'
#define D_NAS 'n'
#define D_UID 'i'
#define D_SMTP 's'
#define D_CHECK 'c'

enum {
	ST_UPSERT,
	ST_DELETE,
	ST_BYKEY,
	ST_PLEN,
	ST_COVER,
	ST_OPENADDR,
	ST_NEXT,
	ST_BYNAS,
	ST_RESET,
	ST_SMTP,
	ST_BYUSER,
	ST_BYMAC,
	ST_SMTP_USER,
	ST_SMTP_IP,
	ST_SMTP_QID,
	ST_SMTP_DEL,
	ST_SMTP_PFX,
	ST_SMTP_PFX_DEL,
	ST_SMTP_BYPFX,
	ST_SIBLING,
	ST_PLENS,
	ST_MAX
};

static const char *const sql_text[ST_MAX] = {
    [ST_UPSERT] =
	"INSERT INTO binding(addr_tag, fam, plen,"
	" start, end, end_known, src, key_tag, user_tag, mac_tag, nas_tag,"
	" sealed) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key_tag,"
	" addr_tag, start) DO UPDATE SET fam = excluded.fam,"
	" plen = excluded.plen, end = excluded.end,"
	" end_known = excluded.end_known, src = excluded.src,"
	" user_tag = excluded.user_tag, mac_tag = excluded.mac_tag,"
	" nas_tag = excluded.nas_tag, sealed = excluded.sealed",
    [ST_DELETE] = "DELETE FROM binding WHERE key_tag = ? AND addr_tag = ?"
		  " AND start = ?",
    [ST_BYKEY] =
	"SELECT id, key_tag, sealed, start FROM binding WHERE key_tag = ?",
    [ST_PLEN] = "INSERT OR IGNORE INTO plen(fam, plen) VALUES(?, ?)",
    [ST_COVER] =
	"SELECT id, key_tag, sealed, start FROM binding WHERE addr_tag = ?"
	" AND start <= ? AND (end_known = 0 OR end > ?)",
    [ST_OPENADDR] = "SELECT id, key_tag, sealed, start FROM binding WHERE"
		    " addr_tag = ? AND start <= ? AND end_known = 0",
    [ST_NEXT] = "SELECT min(start) FROM binding WHERE addr_tag = ? AND"
		" start > ?",
    [ST_BYNAS] =
	"SELECT id, key_tag, sealed, start FROM binding WHERE nas_tag = ?"
	" AND end_known = 0 AND start < ?",
    [ST_RESET] = "INSERT OR IGNORE INTO nas_reset(uid, nas_tag, time, sealed)"
		 " VALUES(?,?,?,?)",
    [ST_SMTP] = "INSERT OR REPLACE INTO smtp(uid, time, user_tag, ip_tag,"
		" qid_tag, sealed) VALUES(?,?,?,?,?,?)",
    [ST_BYUSER] =
	"SELECT id, key_tag, sealed, start FROM binding WHERE user_tag = ?",
    [ST_BYMAC] =
	"SELECT id, key_tag, sealed, start FROM binding WHERE mac_tag = ?",
    [ST_SMTP_USER] = "SELECT uid, time, sealed FROM smtp WHERE user_tag = ?",
    [ST_SMTP_QID] = "SELECT uid, sealed FROM smtp WHERE qid_tag = ?"
		    " AND time >= ? AND time <= ?",
    [ST_SMTP_DEL] = "DELETE FROM smtp WHERE uid = ?",
    [ST_SMTP_PFX] = "INSERT OR IGNORE INTO smtp_pfx(ptag, time, uid)"
		    " VALUES(?,?,?)",
    [ST_SMTP_PFX_DEL] = "DELETE FROM smtp_pfx WHERE uid = ?",
    [ST_SMTP_BYPFX] = "SELECT s.uid, s.time, s.sealed FROM smtp_pfx p"
		      " JOIN smtp s ON s.uid = p.uid WHERE p.ptag = ? AND"
		      " p.time >= ? AND p.time < ?",
    [ST_SIBLING] = "SELECT sealed FROM binding WHERE key_tag = ? AND"
		   " start = ? AND sealed IS NOT NULL LIMIT 1",
    [ST_SMTP_IP] = "SELECT uid, time, sealed FROM smtp WHERE ip_tag = ? AND"
		   " time >= ? AND time < ?",
    [ST_PLENS] = "SELECT plen FROM plen WHERE fam = ? ORDER BY plen DESC",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
    "CREATE TABLE IF NOT EXISTS binding(id INTEGER PRIMARY KEY,"
    " addr_tag INTEGER NOT NULL, fam INTEGER NOT NULL, plen INTEGER NOT NULL,"
    " start INTEGER NOT NULL, end INTEGER, end_known INTEGER NOT NULL,"
    " src INTEGER NOT NULL, key_tag INTEGER NOT NULL, user_tag INTEGER,"
    " mac_tag INTEGER, nas_tag INTEGER, sealed BLOB);"
    /*
     * by address: the end columns let a lookup skip the rows that ended
     * before its instant without reading them, and the open rows have an
     * index of their own (earlier days are asked for open rows only).
     * binding_addr(addr_tag, start) of older files is replaced.
     */
    "DROP INDEX IF EXISTS binding_addr;"
    "CREATE INDEX IF NOT EXISTS binding_at ON binding(addr_tag, start,"
    " end_known, end);"
    "CREATE INDEX IF NOT EXISTS binding_open ON binding(addr_tag, start)"
    " WHERE end_known = 0;"
    "CREATE UNIQUE INDEX IF NOT EXISTS binding_key ON binding(key_tag,"
    " addr_tag, start);"
    "CREATE INDEX IF NOT EXISTS binding_user ON binding(user_tag)"
    " WHERE user_tag IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS binding_mac ON binding(mac_tag)"
    " WHERE mac_tag IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS binding_nas ON binding(nas_tag)"
    " WHERE end_known = 0 AND nas_tag IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS plen(fam INTEGER, plen INTEGER,"
    " PRIMARY KEY(fam, plen)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS nas_reset(uid INTEGER PRIMARY KEY,"
    " nas_tag INTEGER, time INTEGER, sealed BLOB);"
    /*
     * rows in arrival order, named by uid (a keyed hash, so random): a
     * table keyed by uid itself took every insert to a random page.
     * Files made before 2026-11-30 have uid as the INTEGER PRIMARY KEY;
     * every statement below reads both.
     */
    "CREATE TABLE IF NOT EXISTS smtp(id INTEGER PRIMARY KEY,"
    " uid INTEGER NOT NULL UNIQUE, time INTEGER, user_tag INTEGER,"
    " ip_tag INTEGER, qid_tag INTEGER, sealed BLOB);"
    "CREATE INDEX IF NOT EXISTS smtp_qid ON smtp(qid_tag)"
    " WHERE qid_tag IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS smtp_user ON smtp(user_tag)"
    " WHERE user_tag IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS smtp_ip ON smtp(ip_tag, time)"
    " WHERE ip_tag IS NOT NULL;"
    /* an IPv6 client's /48, /56, /60 and /64: mail from inside a
       subscriber's delegated or framed prefix (smtp_plens) */
    "CREATE TABLE IF NOT EXISTS smtp_pfx(ptag INTEGER NOT NULL,"
    " time INTEGER NOT NULL, uid INTEGER NOT NULL, UNIQUE(ptag, uid));"
    "CREATE INDEX IF NOT EXISTS smtp_pfx_at ON smtp_pfx(ptag, time);";

/* the IPv6 prefix lengths an SMTP client is indexed under, longest first */
static const int smtp_plens[] = {64, 60, 56, 48};
#define NSMTP_PLENS 4

static const char state_schema[] =
    "CREATE TABLE IF NOT EXISTS file(path TEXT PRIMARY KEY, fp BLOB NOT NULL,"
    " fp_len INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,"
    " format TEXT, updated INTEGER);"
    "CREATE INDEX IF NOT EXISTS file_fp ON file(fp, fp_len);"
    "CREATE TABLE IF NOT EXISTS quarantine(id INTEGER PRIMARY KEY,"
    " day INTEGER NOT NULL, file TEXT NOT NULL, fp BLOB NOT NULL,"
    " line INTEGER NOT NULL, field TEXT, reason TEXT, sealed BLOB,"
    " cls INTEGER NOT NULL DEFAULT 1, UNIQUE(fp, line));";

/* a partition: one retention class of one day (DATA/CLASS/D.db) */
struct day {
	int64_t day;
	enum cs_class cls;
	sqlite3 *db;                /* owned */
	const struct cs_daykey *dk; /* borrowed from keys */
	int in_txn;
	int created; /* the file did not exist before this run */
	int bulk;    /* created by a bulk load: rollback journal until closed */
	int bad;     /* key missing: unreadable */
	int purged;  /* the day was purged: nothing is written */
	uint8_t plen_seen[2][129];
	sqlite3_stmt *st[ST_MAX]; /* owned; prepared lazily */
	/*
	 * Read-only: one read transaction (snapshot) per day is kept for up
	 * to SNAPSHOT_US, so a batch of lookups does not lock and unlock
	 * every day file for every statement; what is cached below is valid
	 * for the snapshot it was read in.
	 */
	int64_t rd_since; /* monotonic µs the snapshot began; 0: none */
	int plen_ok[2], plen_n[2];
	int plen_v[2][129];
	int open_idx;  /* binding_open exists: -1 not yet known */
	int open_rows; /* any row with an open end: -1 not yet known */
};

struct cs_store {
	char *datadir; /* owned */
	enum cs_store_mode mode;
	struct cs_keys *keys; /* owned */
	sqlite3 *state;       /* owned; NULL until needed */
	struct day **open;    /* owned; sorted by pord() */
	size_t nopen, capopen;
	int64_t *parts; /* owned; existing partitions as pord(), sorted */
	size_t nparts, capparts;
	int64_t *days; /* owned; days with any partition, sorted */
	size_t ndays, capdays;
	int unreadable;
	int bulk;                /* cs_store_bulk */
	int lockfd[CS_NCLASS];   /* cs_store_lock_class; -1: not held */
	void *nat;               /* owned by core/nat.c */
	uint64_t skipped_purged; /* rows not written: day purged */
	struct cs_buf scratch, sealbuf, lzbuf;
};

int64_t
cs_day_of(cs_time t)
{
	int64_t s = t / CS_US;

	if (t < 0 && t % CS_US)
		s--;
	return s >= 0 ? s / 86400 : (s - 86399) / 86400;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char c = tmp[i];
			tmp[i] = '\0';
			if (mkdir(tmp, mode) != 0 && errno != EEXIST)
				return -1;
			tmp[i] = c;
		}
	}
	return 0;
}

/* pord - the order of partitions: by day, then class */
static int64_t
pord(int64_t day, enum cs_class cls)
{
	return day * CS_NCLASS + (int64_t)cls;
}

/* pord_day, pord_cls - the day and class of a pord() value */
static int64_t
pord_day(int64_t v)
{
	return v >= 0 ? v / CS_NCLASS : -((-v + CS_NCLASS - 1) / CS_NCLASS);
}

static enum cs_class
pord_cls(int64_t v)
{
	return (enum cs_class)(v - pord_day(v) * CS_NCLASS);
}

/* the identity classes: who and history read both */
static const enum cs_class id_classes[] = {CS_CL_RADIUS, CS_CL_DHCP};
#define NID_CLASSES 2

/* class_of_key - the class of a binding key (core/obs.h conventions) */
static enum cs_class
class_of_key(struct cs_span key)
{
	if (key.len >= 7 && memcmp(key.p, "radius|", 7) == 0)
		return CS_CL_RADIUS;
	if (key.len >= 5 && memcmp(key.p, "smtp|", 5) == 0)
		return CS_CL_SMTP;
	return CS_CL_DHCP;
}

/* i64_find - index of v in sorted a[0..n), or where it would go */
static size_t
i64_find(const int64_t *a, size_t n, int64_t v)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* i64_add - insert v into a sorted set */
static void
i64_add(int64_t **a, size_t *n, size_t *cap, int64_t v)
{
	size_t lo = i64_find(*a, *n, v);

	if (lo < *n && (*a)[lo] == v)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*a = cs_xreallocarray(*a, *cap, sizeof(**a));
	}
	memmove(&(*a)[lo + 1], &(*a)[lo], (*n - lo) * sizeof(**a));
	(*a)[lo] = v;
	(*n)++;
}

static void
days_add(struct cs_store *s, enum cs_class cls, int64_t day)
{
	i64_add(&s->parts, &s->nparts, &s->capparts, pord(day, cls));
	i64_add(&s->days, &s->ndays, &s->capdays, day);
}

static int
days_has(const struct cs_store *s, enum cs_class cls, int64_t day)
{
	int64_t v = pord(day, cls);
	size_t lo = i64_find(s->parts, s->nparts, v);

	return lo < s->nparts && s->parts[lo] == v;
}

/* scan_days - the partitions present: DATA/CLASS/YYYY-MM-DD.db */
static void
scan_days(struct cs_store *s)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	int64_t day;
	char name[16];
	DIR *d;
	int c;

	for (c = 0; c < CS_NCLASS; c++) {
		if (c == CS_CL_NAT)
			continue; /* core/natstore.c's own files */
		snprintf(
		    dir, sizeof(dir), "%s/%s", s->datadir, cs_class_name(c));
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);
			if (n != 13 || strcmp(de->d_name + 10, ".db") != 0)
				continue;
			memcpy(name, de->d_name, 10);
			name[10] = '\0';
			if (cs_day_parse(name, &day) == CS_OK)
				days_add(s, c, day);
		}
		closedir(d);
	}
}

enum cs_err
cs_store_open(const char *datadir, const char *keysdir, enum cs_store_mode mode,
    struct cs_store **out, struct cs_errbuf *eb)
{
	struct cs_store *s;
	struct stat st;
	enum cs_err e;
	int c;

	if (mode == CS_STORE_RW) {
		if (mkdir_p(datadir, 0700) != 0) {
			cs_errbuf_set(eb, "cannot create data directory %s: %s",
			    datadir, strerror(errno));
			return CS_EIO;
		}
	} else if (stat(datadir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cs_errbuf_set(eb,
		    "data directory %s does not exist (ingest "
		    "something first, or pass --data DIR)",
		    datadir);
		return CS_ENOENT;
	}
	s = cs_xcalloc(1, sizeof(*s));
	s->datadir = cs_xstrdup(datadir);
	s->mode = mode;
	for (c = 0; c < CS_NCLASS; c++)
		s->lockfd[c] = -1;
	for (c = 0; mode == CS_STORE_RW && c < CS_NCLASS; c++) {
		char dir[PATH_MAX + 16];
		snprintf(dir, sizeof(dir), "%s/%s", datadir, cs_class_name(c));
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			cs_errbuf_set(
			    eb, "cannot create %s: %s", dir, strerror(errno));
			free(s->datadir);
			free(s);
			return CS_EIO;
		}
	}
	e = cs_keys_open(keysdir, datadir, mode == CS_STORE_RW, &s->keys, eb);
	if (e != CS_OK) {
		free(s->datadir);
		free(s);
		return e;
	}
	cs_buf_init(&s->scratch, NULL, 0, 64 * 1024 * 1024);
	cs_buf_init(&s->sealbuf, NULL, 0, 64 * 1024 * 1024);
	cs_buf_init(&s->lzbuf, NULL, 0, 64 * 1024 * 1024);
	scan_days(s);
	*out = s;
	return CS_OK;
}

static void
day_close(struct day *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(d->st[i]);
	if (d->db) {
		if (d->in_txn || d->rd_since)
			sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
		/* as every other day file (fails harmlessly if a reader has
		   it open: the next writer switches it) */
		if (d->bulk)
			sqlite3_exec(
			    d->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		sqlite3_close(d->db);
	}
	free(d);
}

void
cs_store_close(struct cs_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	cs_nat_close(s);
	for (i = 0; i < s->nopen; i++)
		day_close(s->open[i]);
	for (i = 0; i < CS_NCLASS; i++)
		if (s->lockfd[i] >= 0)
			close(s->lockfd[i]); /* releases the lock */
	free(s->open);
	free(s->parts);
	free(s->days);
	if (s->state)
		sqlite3_close(s->state);
	cs_keys_free(s->keys);
	cs_buf_release(&s->scratch);
	cs_buf_release(&s->sealbuf);
	cs_buf_release(&s->lzbuf);
	free(s->datadir);
	free(s);
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* rd_end - end d's snapshot and forget what was read in it */
static void
rd_end(struct day *d)
{
	sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
	d->rd_since = 0;
	d->plen_ok[0] = d->plen_ok[1] = 0;
	d->open_rows = -1;
}

void
cs_store_idle(struct cs_store *s)
{
	size_t i;

	for (i = 0; i < s->nopen; i++)
		if (s->open[i]->rd_since)
			rd_end(s->open[i]);
}

/* rd_hold - read-only: begin d's snapshot unless one is running */
static void
rd_hold(struct cs_store *s, struct day *d)
{
	if (s->mode != CS_STORE_RO || d->rd_since || d->db == NULL)
		return;
	if (sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK)
		d->rd_since = mono_us();
}

/*
 * rd_refresh - read-only: end the snapshots older than SNAPSHOT_US (each
 * query starts with this), so a long batch sees what a concurrent ingest
 * committed, at most that much later
 */
static void
rd_refresh(struct cs_store *s)
{
	int64_t now;
	size_t i;

	if (s->mode != CS_STORE_RO)
		return;
	now = mono_us();
	for (i = 0; i < s->nopen; i++) {
		struct day *d = s->open[i];
		if (d->rd_since && now - d->rd_since >= SNAPSHOT_US)
			rd_end(d);
	}
}

/*
 * day_get - the handle of a class's day.  In RW mode a missing partition
 * is created when create is set; in RO mode (or without create) a missing
 * one gives NULL.  A partition whose key is gone is marked bad and gives
 * NULL.
 */
static struct day *
day_get(struct cs_store *s, enum cs_class cls, int64_t day, int create,
    struct cs_errbuf *eb)
{
	size_t lo = 0, hi = s->nopen, mid;
	int64_t want = pord(day, cls);
	struct day *d;
	char name[16], path[PATH_MAX + 32];
	int exists, flags, rc;
	enum cs_err e;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (pord(s->open[mid]->day, s->open[mid]->cls) < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nopen && pord(s->open[lo]->day, s->open[lo]->cls) == want) {
		d = s->open[lo];
		if (d->bad)
			return NULL;
		rd_hold(s, d);
		return d;
	}
	exists = days_has(s, cls, day);
	if (!exists && (!create || s->mode != CS_STORE_RW))
		return NULL;
	d = cs_xcalloc(1, sizeof(*d));
	d->day = day;
	d->cls = cls;
	d->created = !exists;
	d->open_idx = d->open_rows = -1;
	e = cs_keys_day(s->keys, cls, day, s->mode == CS_STORE_RW, &d->dk, eb);
	if (e != CS_OK) {
		d->bad = 1;
		d->purged = e == CS_EPERM;
		s->unreadable++;
	} else {
		cs_day_name(day, name);
		snprintf(path, sizeof(path), "%s/%s/%s.db", s->datadir,
		    cs_class_name(cls), name);
		flags = s->mode == CS_STORE_RW
		    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		    : SQLITE_OPEN_READONLY;
		rc = sqlite3_open_v2(
		    path, &d->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
		if (rc != SQLITE_OK) {
			cs_errbuf_set(eb, "%s: %s", path,
			    d->db ? sqlite3_errmsg(d->db) : "cannot open");
			sqlite3_close(d->db);
			d->db = NULL;
			d->bad = 1;
		} else {
			sqlite3_busy_timeout(d->db, 10000);
			sqlite3_exec(d->db,
			    s->mode == CS_STORE_RW ? "PRAGMA cache_size=-131072"
						   : "PRAGMA cache_size=-8192",
			    NULL, NULL, NULL);
			if (s->mode == CS_STORE_RW) {
				/*
				 * A file a bulk load creates is filled once:
				 * each page written once to the .db (a WAL
				 * writes it twice), the journal holding only
				 * what existed before a commit.  It is put in
				 * WAL mode when closed (day_close).
				 */
				d->bulk = s->bulk && d->created;
				sqlite3_exec(d->db,
				    d->bulk
					? "PRAGMA journal_mode=TRUNCATE;"
					  "PRAGMA synchronous=FULL;"
					: "PRAGMA journal_mode=WAL;"
					  "PRAGMA synchronous=NORMAL;"
					  "PRAGMA wal_autocheckpoint=16384;",
				    NULL, NULL, NULL);
				sqlite3_exec(d->db, "PRAGMA temp_store=MEMORY",
				    NULL, NULL, NULL);
				if (sqlite3_exec(d->db, schema, NULL, NULL,
					NULL) != SQLITE_OK) {
					cs_errbuf_set(eb, "%s: %s", path,
					    sqlite3_errmsg(d->db));
					d->bad = 1;
				}
				days_add(s, cls, day);
			}
		}
	}
	if (s->nopen == s->capopen) {
		s->capopen = s->capopen ? s->capopen * 2 : 32;
		s->open =
		    cs_xreallocarray(s->open, s->capopen, sizeof(*s->open));
	}
	memmove(
	    &s->open[lo + 1], &s->open[lo], (s->nopen - lo) * sizeof(*s->open));
	s->open[lo] = d;
	s->nopen++;
	if (d->bad)
		return NULL;
	rd_hold(s, d);
	return d;
}

/* day_purged - was this partition's key destroyed by a purge? */
static int
day_purged(struct cs_store *s, enum cs_class cls, int64_t day)
{
	size_t i;

	for (i = 0; i < s->nopen; i++)
		if (s->open[i]->day == day && s->open[i]->cls == cls)
			return s->open[i]->purged;
	return 0;
}

uint64_t
cs_store_skipped_purged(const struct cs_store *s)
{
	return s->skipped_purged;
}

static sqlite3_stmt *
stmt(struct day *d, int which)
{
	if (d->st[which] == NULL &&
	    sqlite3_prepare_v3(d->db, sql_text[which], -1,
		SQLITE_PREPARE_PERSISTENT, &d->st[which], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(d->st[which]);
	sqlite3_clear_bindings(d->st[which]);
	return d->st[which];
}

enum cs_err
cs_store_lock_class(struct cs_store *s, enum cs_class cls, struct cs_errbuf *eb)
{
	char path[PATH_MAX + 32], pid[32];
	ssize_t n;
	int fd;

	if ((unsigned)cls >= CS_NCLASS || s->mode != CS_STORE_RW)
		return CS_EINVAL;
	if (s->lockfd[cls] >= 0)
		return CS_OK;
	snprintf(path, sizeof(path), "%s/%s/.writer", s->datadir,
	    cs_class_name(cls));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		return CS_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		cs_errbuf_set(eb,
		    "%s/%s is being written by another custos process%s%s%s: "
		    "one writer per source (give one custos ingest all of "
		    "a source's files), or wait for it to end",
		    s->datadir, cs_class_name(cls), *pid ? " (pid " : "", pid,
		    *pid ? ")" : "");
		close(fd);
		return CS_EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the lock holds without the note of who holds it */
	}
	s->lockfd[cls] = fd;
	return CS_OK;
}

static enum cs_err
begin(struct cs_store *s, struct day *d, struct cs_errbuf *eb)
{
	enum cs_err e;

	if (d->in_txn)
		return CS_OK;
	if ((e = cs_store_lock_class(s, d->cls, eb)) != CS_OK)
		return e;
	if (sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "cannot begin: %s", sqlite3_errmsg(d->db));
		return CS_EDB;
	}
	d->in_txn = 1;
	return CS_OK;
}

static size_t
addr_bytes(const struct cs_addr *a)
{
	return (size_t)(a->plen + 7) / 8;
}

static int64_t
addr_tag(const struct cs_daykey *dk, const struct cs_addr *a)
{
	uint8_t buf[18];
	size_t n = addr_bytes(a);

	buf[0] = a->family;
	buf[1] = a->plen;
	memcpy(buf + 2, a->a, n);
	return cs_tag(dk, D_ADDR, buf, n + 2);
}

static int
bind_tag_or_null(sqlite3_stmt *st, int col, int have, int64_t v)
{
	return have ? sqlite3_bind_int64(st, col, v)
		    : sqlite3_bind_null(st, col);
}

/* delete_rows - remove rows of b written with start in day */
static enum cs_err
delete_rows(struct cs_store *s, struct cs_binding *b, int64_t day,
    cs_time start, struct cs_errbuf *eb)
{
	struct day *d = day_get(s, cs_class_of_src(b->src), day, 0, eb);
	sqlite3_stmt *st;
	int i, n = b->naddr ? b->naddr : 1;
	enum cs_err e;

	if (d == NULL)
		return CS_OK;
	if ((e = begin(s, d, eb)) != CS_OK)
		return e;
	for (i = 0; i < n; i++) {
		st = stmt(d, ST_DELETE);
		if (st == NULL)
			return CS_EDB;
		sqlite3_bind_int64(
		    st, 1, cs_tag(d->dk, D_KEY, b->key, strlen(b->key)));
		sqlite3_bind_int64(
		    st, 2, b->naddr ? addr_tag(d->dk, &b->addr[i]) : 0);
		sqlite3_bind_int64(st, 3, start);
		if (sqlite3_step(st) != SQLITE_DONE) {
			cs_errbuf_set(eb, "delete: %s", sqlite3_errmsg(d->db));
			return CS_EDB;
		}
	}
	return CS_OK;
}

enum cs_err
cs_store_put_binding(
    struct cs_store *s, struct cs_binding *b, struct cs_errbuf *eb)
{
	int64_t d0, d1, day, ktag, utag = 0, mtag = 0, ntag = 0, old0, old1;
	int64_t sig, from;
	cs_time end, oldstart;
	enum cs_end_known known;
	enum cs_class cls = cs_class_of_src(b->src);
	struct day *d;
	sqlite3_stmt *st;
	int i, nrows;
	enum cs_err e;

	cs_binding_days(b, &d0, &d1);
	end = cs_binding_end(b, &known);
	old0 = b->w_d0;
	old1 = b->w_d1;
	oldstart = b->w_start;
	sig = cs_binding_sig(b);
	/*
	 * Only the latest record or last-seen time changed (an Interim, a
	 * renewal): the copies in earlier days stay as they are, and only the
	 * last day written and any new days get the new state.  Readers take
	 * the latest day's copy as the binding's state.
	 */
	from = d0;
	if (old0 <= old1 && oldstart == b->start && sig == b->w_sig &&
	    old1 >= d0 && old1 <= d1)
		from = old1;
	b->w_start = b->start;
	b->w_d0 = d0;
	b->w_d1 = d1;
	b->w_sig = sig;
	cs_buf_reset(&s->scratch);
	cs_binding_pack(b, &s->sealbuf, &s->scratch);
	if (cs_buf_error(&s->scratch) != CS_OK)
		return cs_buf_error(&s->scratch);
	nrows = b->naddr ? b->naddr : 1;
	for (day = from; day <= d1; day++) {
		d = day_get(s, cls, day, 1, eb);
		if (d == NULL && day_purged(s, cls, day)) {
			s->skipped_purged++;
			continue;
		}
		if (d == NULL)
			return CS_EIO;
		if ((e = begin(s, d, eb)) != CS_OK)
			return e;
		ktag = cs_tag(d->dk, D_KEY, b->key, strlen(b->key));
		if (b->f[CS_F_USERNAME])
			utag = cs_tag(d->dk, D_USER, b->f[CS_F_USERNAME],
			    strlen(b->f[CS_F_USERNAME]));
		if (b->has_mac)
			mtag = cs_tag(d->dk, D_MAC, b->mac, 6);
		if (b->f[CS_F_NAS_KEY])
			ntag = cs_tag(d->dk, D_NAS, b->f[CS_F_NAS_KEY],
			    strlen(b->f[CS_F_NAS_KEY]));
		cs_buf_reset(&s->sealbuf);
		cs_seal(d->dk, ktag ^ day, s->scratch.data, s->scratch.len,
		    &s->sealbuf);
		for (i = 0; i < nrows; i++) {
			const struct cs_addr *a = b->naddr ? &b->addr[i] : NULL;
			st = stmt(d, ST_UPSERT);
			if (st == NULL)
				goto dberr;
			sqlite3_bind_int64(st, 1, a ? addr_tag(d->dk, a) : 0);
			sqlite3_bind_int(st, 2, a ? a->family : 0);
			sqlite3_bind_int(st, 3, a ? a->plen : 0);
			sqlite3_bind_int64(st, 4, b->start);
			if (known == CS_END_OPEN)
				sqlite3_bind_null(st, 5);
			else
				sqlite3_bind_int64(st, 5, end);
			sqlite3_bind_int(st, 6, (int)known);
			sqlite3_bind_int(st, 7, b->src);
			sqlite3_bind_int64(st, 8, ktag);
			/* identity tags on the first address row only: the
			   lookups by them decode the whole binding from it,
			   and the other rows stay out of those indexes */
			bind_tag_or_null(
			    st, 9, i == 0 && b->f[CS_F_USERNAME] != NULL, utag);
			bind_tag_or_null(st, 10, i == 0 && b->has_mac, mtag);
			bind_tag_or_null(st, 11,
			    i == 0 && b->f[CS_F_NAS_KEY] != NULL &&
				b->src == CS_SRC_RADIUS,
			    ntag);
			/* the sealed state once per binding and day: the
			   other addresses' rows point to it by key and start */
			if (i == 0)
				sqlite3_bind_blob(st, 12, s->sealbuf.data,
				    (int)s->sealbuf.len, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 12);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto dberr;
			if (a && !d->plen_seen[a->family == 6][a->plen]) {
				st = stmt(d, ST_PLEN);
				if (st == NULL)
					goto dberr;
				sqlite3_bind_int(st, 1, a->family);
				sqlite3_bind_int(st, 2, a->plen);
				if (sqlite3_step(st) != SQLITE_DONE)
					goto dberr;
				d->plen_seen[a->family == 6][a->plen] = 1;
			}
		}
	}
	/* remove copies the binding no longer has */
	if (old0 <= old1) {
		for (day = old0; day <= old1; day++) {
			if (oldstart == b->start && day >= d0 && day <= d1)
				continue;
			if ((e = delete_rows(s, b, day, oldstart, eb)) != CS_OK)
				return e;
		}
	}
	b->dirty = 0;
	return CS_OK;
dberr:
	cs_errbuf_set(eb, "write: %s", sqlite3_errmsg(d->db));
	return CS_EDB;
}

/*
 * decode_row - unseal and decode one row's blob (columns id, key_tag,
 * sealed, start); a row without a blob shares that of its binding's first
 * address row.
 */
static struct cs_binding *
decode_row(struct cs_store *s, struct day *d, sqlite3_stmt *st)
{
	int64_t ktag = sqlite3_column_int64(st, 1);
	const void *blob = sqlite3_column_blob(st, 2);
	int n = sqlite3_column_bytes(st, 2);
	struct cs_binding *b = NULL;
	sqlite3_stmt *sib = NULL;
	enum cs_err e;

	if (blob == NULL) {
		sib = stmt(d, ST_SIBLING);
		if (sib == NULL)
			return NULL;
		sqlite3_bind_int64(sib, 1, ktag);
		sqlite3_bind_int64(sib, 2, sqlite3_column_int64(st, 3));
		if (sqlite3_step(sib) != SQLITE_ROW) {
			sqlite3_reset(sib);
			return NULL;
		}
		blob = sqlite3_column_blob(sib, 0);
		n = sqlite3_column_bytes(sib, 0);
	}
	cs_buf_reset(&s->scratch);
	e = blob == NULL
	    ? CS_ECRYPTO
	    : cs_unseal(d->dk, ktag ^ d->day, blob, (size_t)n, &s->scratch);
	if (sib)
		sqlite3_reset(sib);
	if (e != CS_OK)
		return NULL;
	if (cs_binding_decode(s->scratch.data, s->scratch.len, &b) != CS_OK)
		return NULL;
	sodium_memzero(s->scratch.data, s->scratch.len);
	return b;
}

static int
same_binding(const struct cs_binding *a, const struct cs_binding *b)
{
	return a->start == b->start && strcmp(a->key, b->key) == 0;
}

/* collect - run st, decode rows, skip duplicates of the same binding */
static int
collect(struct cs_store *s, struct day *d, sqlite3_stmt *st,
    struct cs_binding **out, int max, int n)
{
	struct cs_binding *b;
	int i;

	while (sqlite3_step(st) == SQLITE_ROW) {
		b = decode_row(s, d, st);
		if (b == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (same_binding(out[i], b))
				break;
		if (i < n || n >= max) {
			cs_binding_free(b);
			continue;
		}
		out[n++] = b;
	}
	sqlite3_reset(st);
	return n;
}

enum cs_err
cs_store_find_key(struct cs_store *s, int64_t day, struct cs_span key,
    struct cs_binding **out, int max, int *n)
{
	struct day *d = day_get(s, class_of_key(key), day, 0, NULL);
	sqlite3_stmt *st;
	int i, m;

	*n = 0;
	if (d == NULL)
		return CS_OK;
	st = stmt(d, ST_BYKEY);
	if (st == NULL)
		return CS_EDB;
	sqlite3_bind_int64(st, 1, cs_tag(d->dk, D_KEY, key.p, key.len));
	m = collect(s, d, st, out, max, 0);
	/* drop tag collisions */
	for (i = 0; i < m;) {
		if (strlen(out[i]->key) != key.len ||
		    memcmp(out[i]->key, key.p, key.len) != 0) {
			cs_binding_free(out[i]);
			out[i] = out[--m];
		} else {
			i++;
		}
	}
	*n = m;
	return CS_OK;
}

int
cs_store_may_have(struct cs_store *s, int64_t day)
{
	struct day *d;
	int i;

	for (i = 0; i < NID_CLASSES; i++) {
		if (!days_has(s, id_classes[i], day))
			continue;
		d = day_get(s, id_classes[i], day, 0, NULL);
		if (d != NULL && !d->created)
			return 1;
	}
	return 0;
}

enum cs_err
cs_store_open_of_nas(struct cs_store *s, int64_t day, struct cs_span nas_key,
    cs_time before, struct cs_binding **out, int max, int *n)
{
	struct day *d = day_get(s, CS_CL_RADIUS, day, 0, NULL);
	sqlite3_stmt *st;
	int i, m;

	*n = 0;
	if (d == NULL)
		return CS_OK;
	st = stmt(d, ST_BYNAS);
	if (st == NULL)
		return CS_EDB;
	sqlite3_bind_int64(st, 1, cs_tag(d->dk, D_NAS, nas_key.p, nas_key.len));
	sqlite3_bind_int64(st, 2, before);
	m = collect(s, d, st, out, max, 0);
	for (i = 0; i < m;) {
		const char *nk = out[i]->f[CS_F_NAS_KEY];
		if (nk == NULL || strlen(nk) != nas_key.len ||
		    memcmp(nk, nas_key.p, nas_key.len) != 0) {
			cs_binding_free(out[i]);
			out[i] = out[--m];
		} else {
			i++;
		}
	}
	*n = m;
	return CS_OK;
}

/* resets are sealed as "nas_key\0raw" */
int
cs_store_put_reset(struct cs_store *s, struct cs_span nas_key, cs_time t,
    struct cs_span raw, struct cs_errbuf *eb)
{
	struct day *d = day_get(s, CS_CL_RADIUS, cs_day_of(t), 1, eb);
	sqlite3_stmt *st;
	int64_t uid, ntag;
	uint8_t ubuf[264];
	size_t kl = nas_key.len > 255 ? 255 : nas_key.len;

	if (d == NULL && day_purged(s, CS_CL_RADIUS, cs_day_of(t)))
		return 0;
	if (d == NULL || begin(s, d, eb) != CS_OK)
		return -1;
	memcpy(ubuf, nas_key.p, kl);
	memcpy(ubuf + kl, &t, 8);
	uid = cs_tag(d->dk, D_UID, ubuf, kl + 8);
	ntag = cs_tag(d->dk, D_NAS, nas_key.p, nas_key.len);
	cs_buf_reset(&s->scratch);
	cs_buf_append(&s->scratch, nas_key.p, nas_key.len);
	cs_buf_putc(&s->scratch, '\0');
	cs_buf_append(&s->scratch, raw.p, raw.len);
	cs_buf_reset(&s->sealbuf);
	cs_seal(d->dk, uid, s->scratch.data, s->scratch.len, &s->sealbuf);
	st = stmt(d, ST_RESET);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, ntag);
	sqlite3_bind_int64(st, 3, t);
	sqlite3_bind_blob(
	    st, 4, s->sealbuf.data, (int)s->sealbuf.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		cs_errbuf_set(eb, "reset: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	return sqlite3_changes(d->db) > 0;
}

enum cs_err
cs_store_resets(struct cs_store *s, struct cs_reset **out, size_t *n)
{
	struct cs_reset *r = NULL;
	size_t cnt = 0, cap = 0, i;
	sqlite3_stmt *st;
	struct day *d;

	for (i = 0; i < s->ndays; i++) {
		d = day_get(s, CS_CL_RADIUS, s->days[i], 0, NULL);
		if (d == NULL)
			continue;
		if (sqlite3_prepare_v2(d->db,
			"SELECT uid, time, sealed FROM "
			"nas_reset",
			-1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const void *blob = sqlite3_column_blob(st, 2);
			int bn = sqlite3_column_bytes(st, 2);
			size_t kl;
			cs_buf_reset(&s->scratch);
			if (blob == NULL ||
			    cs_unseal(d->dk, sqlite3_column_int64(st, 0), blob,
				(size_t)bn, &s->scratch) != CS_OK)
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				r = cs_xreallocarray(r, cap, sizeof(*r));
			}
			kl = strlen(s->scratch.data);
			r[cnt].nas_key = cs_xstrdup(s->scratch.data);
			r[cnt].raw = kl < s->scratch.len
			    ? cs_xstrdup(s->scratch.data + kl + 1)
			    : cs_xstrdup("");
			r[cnt].t = sqlite3_column_int64(st, 1);
			cnt++;
		}
		sqlite3_finalize(st);
	}
	*out = r;
	*n = cnt;
	return CS_OK;
}

/*
 * smtp rows are sealed as "user\0ip\0json"; rows written before 2026-11-30
 * carry "\0raw" after the JSON as well, which readers ignore.  The verbatim
 * lines are the JSON's "evidence" strings.
 */

/*
 * Since 2026-11-30 the SMTP plaintext is packed: "\0\xff", the u32 length
 * and the core/lz.h stream of "user\0ip\0json" (no IP text starts with
 * 0xff, so an older row never looks packed).
 */
static const char mail_packed[2] = {'\0', (char)0xff};

/* mail_pack - pack plain (user\0ip\0json) into out */
static void
mail_pack(const struct cs_buf *plain, struct cs_buf *out)
{
	uint32_t raw = (uint32_t)plain->len;

	cs_buf_reset(out);
	cs_buf_append(out, mail_packed, 2);
	cs_buf_append(out, &raw, 4);
	cs_lz_compress(plain->data, plain->len, out);
}

/* mail_unpack - b as unsealed, made plain in place (tmp: scratch) */
static enum cs_err
mail_unpack(struct cs_buf *b, struct cs_buf *tmp)
{
	uint32_t raw;
	enum cs_err e;

	if (b->len < 6 || memcmp(b->data, mail_packed, 2) != 0)
		return CS_OK;
	memcpy(&raw, b->data + 2, 4);
	cs_buf_reset(tmp);
	e = cs_lz_decompress(b->data + 6, b->len - 6, raw, tmp);
	sodium_memzero(b->data, b->len);
	cs_buf_reset(b);
	if (e == CS_OK)
		cs_buf_append(b, tmp->data, tmp->len);
	sodium_memzero(tmp->data, tmp->len);
	cs_buf_reset(tmp);
	return e == CS_OK ? cs_buf_error(b) : e;
}

/* ev_array - the inside of the JSON's "evidence":[...] array */
static struct cs_span
ev_array(struct cs_span json)
{
	static const char tag[] = ",\"evidence\":[";
	const char *p = NULL, *q = json.p, *end = json.p + json.len;

	/* a bare quote never occurs inside a JSON string: the tag is unique */
	while (q && q < end) {
		q = memmem(q, (size_t)(end - q), tag, sizeof(tag) - 1);
		if (q) {
			p = q + sizeof(tag) - 1;
			q++;
		}
	}
	if (p == NULL)
		return cs_span_make(NULL, 0);
	return cs_span_make(p, (size_t)(end - p));
}

/* ev_next - the next string of an evidence array, still escaped */
static int
ev_next(struct cs_span *ev, struct cs_span *item)
{
	const char *p = ev->p, *end = ev->p + ev->len, *b;

	while (p < end && *p == ',')
		p++;
	if (p >= end || *p != '"')
		return 0;
	b = ++p;
	while (p < end && *p != '"')
		p += *p == '\\' ? 2 : 1;
	if (p >= end)
		return 0;
	*item = cs_span_make(b, (size_t)(p - b));
	ev->p = p + 1;
	ev->len = (size_t)(end - ev->p);
	return 1;
}

/*
 * lines_within - is every line of evidence array a also one of b?  The
 * lines are compared escaped, which is the same (JSON escaping is one to
 * one).
 */
static int
lines_within(struct cs_span a, struct cs_span b)
{
	struct cs_span x, y, bb;

	while (ev_next(&a, &x)) {
		int found = 0;
		if (x.len == 0)
			continue;
		bb = b;
		while (!found && ev_next(&bb, &y))
			found = x.len == y.len && memcmp(x.p, y.p, x.len) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * smtp_seen - of the copies of the same message (same server and queue
 * id, within an hour, on the same day) already stored: is one at least as
 * complete as json's (every evidence line of it is in that one)?  Copies
 * that it contains are removed, so the fuller one replaces them.  Two
 * fragments of one message (a log rotated in the middle of it) are both
 * kept.
 */
static int
smtp_seen(struct cs_store *s, struct day *d, int64_t qtag, cs_time t,
    const char *json)
{
	sqlite3_stmt *st, *del;
	int64_t victim[8];
	int nv = 0, seen = 0, i;
	struct cs_buf old;
	struct cs_span ev = ev_array(cs_span_cstr(json));

	st = stmt(d, ST_SMTP_QID);
	if (st == NULL)
		return 0;
	cs_buf_init(&old, NULL, 0, 64 * 1024 * 1024);
	sqlite3_bind_int64(st, 1, qtag);
	sqlite3_bind_int64(st, 2, t - 3600 * CS_US);
	sqlite3_bind_int64(st, 3, t + 3600 * CS_US);
	while (!seen && sqlite3_step(st) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 1);
		int n = sqlite3_column_bytes(st, 1);
		int64_t uid = sqlite3_column_int64(st, 0);
		struct cs_span oev = {NULL, 0};
		size_t k, nul = 0, j0 = 0;
		cs_buf_reset(&old);
		if (blob == NULL ||
		    cs_unseal(d->dk, uid, blob, (size_t)n, &old) != CS_OK ||
		    mail_unpack(&old, &s->lzbuf) != CS_OK)
			continue;
		/* "user\0ip\0json[\0raw]": the JSON follows the second NUL */
		for (k = 0; k < old.len; k++) {
			if (old.data[k] != '\0')
				continue;
			if (++nul == 2)
				j0 = k + 1;
			else if (nul == 3)
				break;
		}
		if (nul >= 2)
			oev = ev_array(cs_span_make(old.data + j0, k - j0));
		if (lines_within(ev, oev))
			seen = 1;
		else if (oev.len && lines_within(oev, ev) && nv < 8)
			victim[nv++] = uid;
	}
	sqlite3_reset(st);
	sodium_memzero(old.data, old.len);
	cs_buf_release(&old);
	for (i = 0; !seen && i < nv; i++) {
		if ((del = stmt(d, ST_SMTP_DEL)) == NULL)
			break;
		sqlite3_bind_int64(del, 1, victim[i]);
		sqlite3_step(del);
		sqlite3_reset(del);
		if ((del = stmt(d, ST_SMTP_PFX_DEL)) == NULL)
			break;
		sqlite3_bind_int64(del, 1, victim[i]);
		sqlite3_step(del);
		sqlite3_reset(del);
	}
	return seen;
}

enum cs_err
cs_store_put_smtp(struct cs_store *s, cs_time t, struct cs_span key,
    struct cs_span qid, struct cs_span user, const struct cs_addr *ip,
    const char *json, struct cs_span raw, struct cs_errbuf *eb)
{
	struct day *d = day_get(s, CS_CL_SMTP, cs_day_of(t), 1, eb);
	char ipt[CS_ADDR_STRLEN] = "";
	sqlite3_stmt *st;
	int64_t uid, qtag = 0;
	int i;
	enum cs_err e;

	if (d == NULL && day_purged(s, CS_CL_SMTP, cs_day_of(t))) {
		s->skipped_purged++;
		return CS_ESKIP;
	}
	if (d == NULL)
		return CS_EIO;
	if ((e = begin(s, d, eb)) != CS_OK)
		return e;
	/*
	 * The row is named by the key and the lines it holds: the same copy
	 * read again lands on itself, a fuller copy replaces it (smtp_seen),
	 * and two fragments of one message do not overwrite each other.
	 */
	cs_buf_reset(&s->scratch);
	cs_buf_append(&s->scratch, key.p, key.len);
	cs_buf_putc(&s->scratch, '\0');
	cs_buf_append(&s->scratch, raw.p, raw.len);
	uid = cs_tag(d->dk, D_SMTP, s->scratch.data, s->scratch.len);
	if (ip && ip->family)
		cs_addr_format(ip, ipt);
	cs_buf_reset(&s->scratch);
	cs_buf_append(&s->scratch, user.p, user.len);
	cs_buf_putc(&s->scratch, '\0');
	cs_buf_puts(&s->scratch, ipt);
	cs_buf_putc(&s->scratch, '\0');
	cs_buf_puts(&s->scratch, json);
	if (qid.len) {
		qtag = cs_tag(d->dk, D_SMTP, qid.p, qid.len);
		if (smtp_seen(s, d, qtag, t, json))
			return CS_ESKIP; /* a fuller copy is stored */
	}
	mail_pack(&s->scratch, &s->lzbuf);
	cs_buf_reset(&s->sealbuf);
	cs_seal(d->dk, uid, s->lzbuf.data, s->lzbuf.len, &s->sealbuf);
	sodium_memzero(s->lzbuf.data, s->lzbuf.len);
	st = stmt(d, ST_SMTP);
	if (st == NULL)
		return CS_EDB;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, t);
	bind_tag_or_null(st, 3, user.len > 0,
	    user.len ? cs_tag(d->dk, D_USER, user.p, user.len) : 0);
	bind_tag_or_null(st, 4, ip && ip->family,
	    ip && ip->family ? addr_tag(d->dk, ip) : 0);
	bind_tag_or_null(st, 5, qid.len > 0, qtag);
	sqlite3_bind_blob(
	    st, 6, s->sealbuf.data, (int)s->sealbuf.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		cs_errbuf_set(eb, "smtp: %s", sqlite3_errmsg(d->db));
		return CS_EDB;
	}
	for (i = 0; ip && ip->family == 6 && i < NSMTP_PLENS; i++) {
		struct cs_addr p = cs_addr_truncate(ip, smtp_plens[i]);
		if ((st = stmt(d, ST_SMTP_PFX)) == NULL)
			return CS_EDB;
		sqlite3_bind_int64(st, 1, addr_tag(d->dk, &p));
		sqlite3_bind_int64(st, 2, t);
		sqlite3_bind_int64(st, 3, uid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			cs_errbuf_set(eb, "smtp: %s", sqlite3_errmsg(d->db));
			return CS_EDB;
		}
	}
	return CS_OK;
}

enum cs_err
cs_store_commit(struct cs_store *s, struct cs_errbuf *eb)
{
	size_t i;
	struct day *d;
	enum cs_err e;

	if ((e = cs_nat_commit(s, eb)) != CS_OK)
		return e;
	for (i = 0; i < s->nopen; i++) {
		d = s->open[i];
		if (!d->in_txn)
			continue;
		if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			cs_errbuf_set(eb, "commit: %s", sqlite3_errmsg(d->db));
			return CS_EDB;
		}
		d->in_txn = 0;
	}
	return CS_OK;
}

/* ---- state.db ---- */

static enum cs_err
state_db(struct cs_store *s)
{
	char path[PATH_MAX + 16];

	if (s->state)
		return CS_OK;
	snprintf(path, sizeof(path), "%s/state.db", s->datadir);
	if (sqlite3_open_v2(path, &s->state,
		s->mode == CS_STORE_RW
		    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		    : SQLITE_OPEN_READONLY,
		NULL) != SQLITE_OK) {
		sqlite3_close(s->state);
		s->state = NULL;
		return CS_EDB;
	}
	sqlite3_busy_timeout(s->state, 10000);
	if (s->mode == CS_STORE_RW) {
		sqlite3_exec(s->state,
		    "PRAGMA journal_mode=WAL;"
		    "PRAGMA synchronous=NORMAL",
		    NULL, NULL, NULL);
		if (sqlite3_exec(s->state, state_schema, NULL, NULL, NULL) !=
		    SQLITE_OK)
			return CS_EDB;
	}
	return CS_OK;
}

enum cs_err
cs_store_file_get(struct cs_store *s, const char *path,
    const struct cs_fileinfo *probe_path, const struct cs_fileinfo *probe_fp,
    struct cs_fileinfo *out)
{
	sqlite3_stmt *st;
	enum cs_err e = CS_ENOENT;

	if (state_db(s) != CS_OK)
		return CS_EDB;
	(void)probe_path;
	if (sqlite3_prepare_v2(s->state,
		"SELECT fp, fp_len, offset, line FROM "
		"file WHERE path = ?",
		-1, &st, NULL) != SQLITE_OK)
		return CS_EDB;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out->fp, sqlite3_column_blob(st, 0), 32);
		out->fp_len = sqlite3_column_int64(st, 1);
		out->offset = sqlite3_column_int64(st, 2);
		out->line = sqlite3_column_int64(st, 3);
		e = CS_OK;
	}
	sqlite3_finalize(st);
	if (e == CS_OK || probe_fp == NULL)
		return e;
	if (sqlite3_prepare_v2(s->state,
		"SELECT fp, fp_len, offset, line FROM "
		"file WHERE fp = ? AND fp_len = ? ORDER BY offset DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return CS_EDB;
	sqlite3_bind_blob(st, 1, probe_fp->fp, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, probe_fp->fp_len);
	if (sqlite3_step(st) == SQLITE_ROW) {
		memcpy(out->fp, sqlite3_column_blob(st, 0), 32);
		out->fp_len = sqlite3_column_int64(st, 1);
		out->offset = sqlite3_column_int64(st, 2);
		out->line = sqlite3_column_int64(st, 3);
		e = CS_OK;
	}
	sqlite3_finalize(st);
	return e;
}

enum cs_err
cs_store_file_set(struct cs_store *s, const char *path,
    const struct cs_fileinfo *fi, const char *format)
{
	sqlite3_stmt *st;
	int rc;

	if (state_db(s) != CS_OK)
		return CS_EDB;
	if (sqlite3_prepare_v2(s->state,
		"INSERT OR REPLACE INTO file(path, fp,"
		" fp_len, offset, line, format, updated) VALUES(?,?,?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		return CS_EDB;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, fi->fp, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, fi->fp_len);
	sqlite3_bind_int64(st, 4, fi->offset);
	sqlite3_bind_int64(st, 5, fi->line);
	sqlite3_bind_text(st, 6, format, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, cs_time_now() / CS_US);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CS_OK : CS_EDB;
}

enum cs_err
cs_store_quarantine(struct cs_store *s, enum cs_class cls, const char *file,
    const uint8_t fp[32], uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	const struct cs_daykey *dk;
	int64_t today = cs_day_of(cs_time_now());
	sqlite3_stmt *st;
	int rc;

	if (state_db(s) != CS_OK)
		return CS_EDB;
	if (cs_keys_day(s->keys, cls, today, 1, &dk, NULL) != CS_OK)
		return CS_ECRYPTO;
	cs_buf_reset(&s->sealbuf);
	cs_seal(dk, (int64_t)line, raw.p, raw.len, &s->sealbuf);
	if (sqlite3_prepare_v2(s->state,
		"INSERT OR IGNORE INTO quarantine(day,"
		" file, fp, line, field, reason, sealed, cls)"
		" VALUES(?,?,?,?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		return CS_EDB;
	sqlite3_bind_int(st, 8, (int)cls);
	sqlite3_bind_int64(st, 1, today);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, fp, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)line);
	sqlite3_bind_text(st, 5, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(
	    st, 7, s->sealbuf.data, (int)s->sealbuf.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CS_OK : CS_EDB;
}

enum cs_err
cs_store_quarantined(struct cs_store *s, struct cs_qrec **out, size_t *n)
{
	struct cs_qrec *q = NULL;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	const struct cs_daykey *dk;

	*out = NULL;
	*n = 0;
	if (state_db(s) != CS_OK)
		return CS_OK; /* nothing ingested yet */
	if (sqlite3_prepare_v2(s->state,
		"SELECT day, file, line, field, "
		"reason, sealed, cls FROM quarantine ORDER BY id",
		-1, &st, NULL) != SQLITE_OK)
		return CS_OK;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 5);
		int bn = sqlite3_column_bytes(st, 5);
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			q = cs_xreallocarray(q, cap, sizeof(*q));
		}
		q[cnt].day = sqlite3_column_int64(st, 0);
		q[cnt].cls = (enum cs_class)sqlite3_column_int(st, 6);
		q[cnt].file =
		    cs_xstrdup((const char *)sqlite3_column_text(st, 1));
		q[cnt].line = sqlite3_column_int64(st, 2);
		q[cnt].field =
		    cs_xstrdup((const char *)sqlite3_column_text(st, 3));
		q[cnt].reason =
		    cs_xstrdup((const char *)sqlite3_column_text(st, 4));
		q[cnt].raw = NULL;
		cs_buf_reset(&s->scratch);
		if (blob &&
		    cs_keys_day(s->keys, q[cnt].cls, q[cnt].day, 0, &dk,
			NULL) == CS_OK &&
		    cs_unseal(dk, q[cnt].line, blob, (size_t)bn, &s->scratch) ==
			CS_OK)
			q[cnt].raw =
			    cs_xstrndup(s->scratch.data, s->scratch.len);
		cnt++;
	}
	sqlite3_finalize(st);
	*out = q;
	*n = cnt;
	return CS_OK;
}

void
cs_qrecs_free(struct cs_qrec *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(q[i].file);
		free(q[i].field);
		free(q[i].reason);
		free(q[i].raw);
	}
	free(q);
}

/* ---- read side ---- */

static void
hit_push(
    struct cs_hit **h, size_t *n, size_t *cap, struct cs_binding *b, int ai)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*h = cs_xreallocarray(*h, *cap, sizeof(**h));
	}
	(*h)[*n].b = b;
	(*h)[*n].end = cs_binding_end(b, &(*h)[*n].end_known);
	(*h)[*n].addr_index = ai;
	(*n)++;
}

static int
hit_has(const struct cs_hit *h, size_t n, const struct cs_binding *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_binding(h[i].b, b))
			return 1;
	return 0;
}

static int
covers(const struct cs_hit *h, cs_time t)
{
	return h->b->start <= t && (h->end_known == CS_END_OPEN || h->end > t);
}

/* plens - prefix lengths present in a day for a family */
static int
plens(struct day *d, int fam, int maxlen, int out[129])
{
	sqlite3_stmt *st;
	int n = 0, i, f = fam == 6;

	if (!d->rd_since || !d->plen_ok[f]) {
		st = stmt(d, ST_PLENS);
		if (st == NULL)
			return 0;
		sqlite3_bind_int(st, 1, fam);
		d->plen_n[f] = 0;
		while (sqlite3_step(st) == SQLITE_ROW && d->plen_n[f] < 129)
			d->plen_v[f][d->plen_n[f]++] =
			    sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		d->plen_ok[f] = d->rd_since != 0;
	}
	for (i = 0; i < d->plen_n[f]; i++)
		if (d->plen_v[f][i] <= maxlen)
			out[n++] = d->plen_v[f][i];
	return n;
}

static int
match_addr(const struct cs_binding *b, const struct cs_addr *a)
{
	int i;

	for (i = 0; i < b->naddr; i++)
		if (cs_addr_contains(&b->addr[i], a))
			return i;
	return -1;
}

/*
 * may_be_open - 0 when d certainly has no row with an open end (in the
 * snapshot being read; files older than the binding_open index always
 * may)
 */
static int
may_be_open(struct day *d)
{
	sqlite3_stmt *st;

	if (!d->rd_since)
		return 1;
	if (d->open_idx < 0) {
		d->open_idx = 0;
		if (sqlite3_prepare_v2(d->db,
			"SELECT 1 FROM sqlite_schema WHERE type = 'index'"
			" AND name = 'binding_open'",
			-1, &st, NULL) == SQLITE_OK) {
			d->open_idx = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
	}
	if (!d->open_idx)
		return 1;
	if (d->open_rows < 0) {
		d->open_rows = 1;
		if (sqlite3_prepare_v2(d->db,
			"SELECT 1 FROM binding INDEXED BY binding_open"
			" WHERE end_known = 0 LIMIT 1",
			-1, &st, NULL) == SQLITE_OK) {
			d->open_rows = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
	}
	return d->open_rows;
}

static void
probe_part(struct cs_store *s, struct day *d, const struct cs_addr *a,
    cs_time t, int open_only, struct cs_hit **h, size_t *n, size_t *cap)
{
	struct cs_binding *cand[MAXCAND];
	int pl[129], np, i, k, m;
	sqlite3_stmt *st;

	if (d == NULL || (open_only && !may_be_open(d)))
		return;
	np = plens(d, a->family, a->plen, pl);
	for (i = 0; i < np; i++) {
		struct cs_addr p = cs_addr_truncate(a, pl[i]);
		st = stmt(d, open_only ? ST_OPENADDR : ST_COVER);
		if (st == NULL)
			return;
		sqlite3_bind_int64(st, 1, addr_tag(d->dk, &p));
		sqlite3_bind_int64(st, 2, t);
		if (!open_only)
			sqlite3_bind_int64(st, 3, t);
		m = collect(s, d, st, cand, MAXCAND, 0);
		for (k = 0; k < m; k++) {
			int ai = match_addr(cand[k], a);
			if (ai < 0 || hit_has(*h, *n, cand[k])) {
				cs_binding_free(cand[k]);
				continue;
			}
			hit_push(h, n, cap, cand[k], ai);
			if (!covers(&(*h)[*n - 1], t)) {
				cs_binding_free(cand[k]);
				(*n)--;
			}
		}
	}
}

/* probe_day - probe_part on each identity class of day */
static void
probe_day(struct cs_store *s, int64_t day, const struct cs_addr *a, cs_time t,
    int open_only, struct cs_hit **h, size_t *n, size_t *cap)
{
	int i;

	for (i = 0; i < NID_CLASSES; i++)
		probe_part(s, day_get(s, id_classes[i], day, 0, NULL), a, t,
		    open_only, h, n, cap);
}

/*
 * next_start - the earliest start after `after` of another binding on
 * prefix p, looked for in the days up to limit's (at most LOOKBACK_DAYS)
 */
static cs_time
next_start(
    struct cs_store *s, const struct cs_addr *p, cs_time after, cs_time limit)
{
	int64_t day, last = cs_day_of(limit);
	cs_time best = CS_TIME_NONE;
	sqlite3_stmt *st;
	struct day *d;
	int c;

	if (last > cs_day_of(after) + LOOKBACK_DAYS)
		last = cs_day_of(after) + LOOKBACK_DAYS;
	for (day = cs_day_of(after); day <= last; day++) {
		for (c = 0; c < NID_CLASSES; c++) {
			d = day_get(s, id_classes[c], day, 0, NULL);
			if (d == NULL || (st = stmt(d, ST_NEXT)) == NULL)
				continue;
			sqlite3_bind_int64(st, 1, addr_tag(d->dk, p));
			sqlite3_bind_int64(st, 2, after);
			if (sqlite3_step(st) == SQLITE_ROW &&
			    sqlite3_column_type(st, 0) != SQLITE_NULL) {
				cs_time v = sqlite3_column_int64(st, 0);
				if (best == CS_TIME_NONE || v < best)
					best = v;
			}
			sqlite3_reset(st);
		}
		if (best != CS_TIME_NONE)
			break;
	}
	return best;
}

static int
hit_cmp(const void *x, const void *y)
{
	const struct cs_hit *a = x, *b = y;

	if (a->b->start != b->b->start)
		return a->b->start < b->b->start ? -1 : 1;
	return strcmp(a->b->key, b->b->key);
}

enum cs_err
cs_store_who(struct cs_store *s, const struct cs_addr *a, cs_time t,
    struct cs_hit **out, size_t *n, struct cs_errbuf *eb)
{
	struct cs_hit *h = NULL;
	size_t cnt = 0, cap = 0, i, j;
	int64_t day = cs_day_of(t), d;

	rd_refresh(s);
	probe_day(s, day, a, t, 0, &h, &cnt, &cap);
	for (i = 0; i < s->ndays; i++) {
		d = s->days[s->ndays - 1 - i];
		if (d >= day)
			continue;
		if (d < day - LOOKBACK_DAYS)
			break;
		probe_day(s, d, a, t, 1, &h, &cnt, &cap);
	}
	/*
	 * A binding whose end was not observed is superseded by a later
	 * binding of the same prefix that started by t: the address changed
	 * hands, so the earlier holder's end is at most that start.
	 */
	for (i = 0; i < cnt; i++) {
		struct cs_addr *pi = &h[i].b->addr[h[i].addr_index];
		if (h[i].end_known == CS_END_OBSERVED)
			continue;
		for (j = 0; j < cnt; j++) {
			struct cs_addr *pj = &h[j].b->addr[h[j].addr_index];
			if (j != i && h[j].b->start > h[i].b->start &&
			    h[j].b->start <= t &&
			    memcmp(pi, pj, sizeof(*pi)) == 0)
				break;
		}
		if (j < cnt) {
			cs_binding_free(h[i].b);
			h[i] = h[--cnt];
			i--;
		}
	}
	/*
	 * The same for the rest, against every binding of the prefix (not
	 * only those covering t): one that started by t means the address
	 * changed hands before t (a lost Stop, a lease given to another), so
	 * this holder is no answer; one that started after t cuts the end.
	 */
	for (i = 0; i < cnt; i++) {
		cs_time ns;
		if (h[i].end_known == CS_END_OBSERVED)
			continue;
		ns =
		    next_start(s, &h[i].b->addr[h[i].addr_index], h[i].b->start,
			h[i].end_known == CS_END_OPEN ? t + 2 * 86400 * CS_US
						      : h[i].end);
		if (ns != CS_TIME_NONE && ns <= t) {
			cs_binding_free(h[i].b);
			h[i--] = h[--cnt];
			continue;
		}
		if (ns != CS_TIME_NONE &&
		    (h[i].end_known == CS_END_OPEN || ns < h[i].end)) {
			h[i].end = ns;
			h[i].end_known = CS_END_INFERRED;
		}
	}
	if (cnt > 1)
		qsort(h, cnt, sizeof(*h), hit_cmp);
	(void)eb;
	*out = h;
	*n = cnt;
	return CS_OK;
}

static int
binding_is(const struct cs_binding *b, const char *sub, int ismac,
    const uint8_t mac[6])
{
	if (b->f[CS_F_USERNAME] && strcmp(b->f[CS_F_USERNAME], sub) == 0)
		return 1;
	return ismac && b->has_mac && memcmp(b->mac, mac, 6) == 0;
}

enum cs_err
cs_store_history(struct cs_store *s, const char *sub, cs_time from, cs_time to,
    struct cs_hit **out, size_t *n, struct cs_errbuf *eb)
{
	struct cs_hit *h = NULL;
	size_t cnt = 0, cap = 0, i;
	struct cs_binding *cand[MAXCAND];
	uint8_t mac[6];
	int ismac, m, k, pass;
	int64_t day, last = cs_day_of(to);
	struct day *d;
	sqlite3_stmt *st;

	rd_refresh(s);
	ismac = cs_mac_parse(cs_span_cstr(sub), mac) == CS_OK;
	for (i = 0; i < s->nparts; i++) {
		day = pord_day(s->parts[i]);
		if (day > last)
			break;
		if (day < cs_day_of(from) - LOOKBACK_DAYS)
			continue;
		d = day_get(s, pord_cls(s->parts[i]), day, 0, NULL);
		if (d == NULL || d->cls == CS_CL_SMTP)
			continue;
		for (pass = 0; pass < 2; pass++) {
			if (pass == 1 && !ismac)
				break;
			st = stmt(d, pass == 0 ? ST_BYUSER : ST_BYMAC);
			if (st == NULL)
				continue;
			if (pass == 0)
				sqlite3_bind_int64(st, 1,
				    cs_tag(d->dk, D_USER, sub, strlen(sub)));
			else
				sqlite3_bind_int64(
				    st, 1, cs_tag(d->dk, D_MAC, mac, 6));
			m = collect(s, d, st, cand, MAXCAND, 0);
			for (k = 0; k < m; k++) {
				struct cs_hit tmp;
				if (!binding_is(cand[k], sub, ismac, mac) ||
				    hit_has(h, cnt, cand[k])) {
					cs_binding_free(cand[k]);
					continue;
				}
				tmp.b = cand[k];
				tmp.end =
				    cs_binding_end(cand[k], &tmp.end_known);
				if (cand[k]->start >= to ||
				    (tmp.end_known != CS_END_OPEN &&
					tmp.end <= from)) {
					cs_binding_free(cand[k]);
					continue;
				}
				hit_push(&h, &cnt, &cap, cand[k], 0);
			}
		}
	}
	if (cnt > 1)
		qsort(h, cnt, sizeof(*h), hit_cmp);
	(void)eb;
	*out = h;
	*n = cnt;
	return CS_OK;
}

static void
mail_push(
    struct cs_mail **m, size_t *n, size_t *cap, cs_time t, const char *json)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*m)[i].t == t && strcmp((*m)[i].json, json) == 0)
			return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*m = cs_xreallocarray(*m, *cap, sizeof(**m));
	}
	(*m)[*n].t = t;
	(*m)[*n].json = cs_xstrdup(json);
	(*n)++;
}

/* unseal_mail - split "user\0ip\0json"; returns json or NULL */
static const char *
unseal_mail(struct cs_store *s, struct day *d, sqlite3_stmt *st,
    const char **user, const char **ip)
{
	const void *blob = sqlite3_column_blob(st, 2);
	int bn = sqlite3_column_bytes(st, 2);
	size_t ul, il;

	cs_buf_reset(&s->scratch);
	if (blob == NULL ||
	    cs_unseal(d->dk, sqlite3_column_int64(st, 0), blob, (size_t)bn,
		&s->scratch) != CS_OK ||
	    mail_unpack(&s->scratch, &s->lzbuf) != CS_OK)
		return NULL;
	ul = strlen(s->scratch.data);
	if (ul + 1 >= s->scratch.len)
		return NULL;
	il = strlen(s->scratch.data + ul + 1);
	if (ul + il + 2 > s->scratch.len)
		return NULL;
	*user = s->scratch.data;
	*ip = s->scratch.data + ul + 1;
	return s->scratch.data + ul + il + 2;
}

static int
mail_cmp(const void *x, const void *y)
{
	const struct cs_mail *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return strcmp(a->json, b->json);
}

/*
 * mail_from - the envelopes of day d sent from address (or IPv6 prefix)
 * a in [lo, hi): a host by its own tag, a prefix by the longest indexed
 * prefix length not longer than its own (smtp_plens), each client then
 * checked to lie inside it
 */
static void
mail_from(struct cs_store *s, struct day *d, const struct cs_addr *a,
    cs_time lo, cs_time hi, struct cs_mail **m, size_t *cnt, size_t *cap)
{
	const char *u, *ip, *json;
	char want[CS_ADDR_STRLEN];
	struct cs_addr q, c;
	sqlite3_stmt *st;
	int host = cs_addr_is_host(a), i;

	if (host) {
		cs_addr_format(a, want);
		if ((st = stmt(d, ST_SMTP_IP)) == NULL)
			return;
		sqlite3_bind_int64(st, 1, addr_tag(d->dk, a));
	} else {
		for (i = 0; i < NSMTP_PLENS && smtp_plens[i] > a->plen; i++)
			;
		if (a->family != 6 || i == NSMTP_PLENS)
			return; /* IPv4 pools and prefixes wider than /48 */
		q = cs_addr_truncate(a, smtp_plens[i]);
		if ((st = stmt(d, ST_SMTP_BYPFX)) == NULL)
			return;
		sqlite3_bind_int64(st, 1, addr_tag(d->dk, &q));
	}
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cs_time t = sqlite3_column_int64(st, 1);
		if ((json = unseal_mail(s, d, st, &u, &ip)) == NULL)
			continue;
		if (host ? strcmp(ip, want) == 0
			 : cs_addr_parse(cs_span_cstr(ip), &c) == CS_OK &&
			    cs_addr_contains(a, &c))
			mail_push(m, cnt, cap, t, json);
	}
	sqlite3_reset(st);
}

enum cs_err
cs_store_mail(struct cs_store *s, const char *user, const struct cs_hit *hits,
    size_t nhits, cs_time from, cs_time to, struct cs_mail **out, size_t *n)
{
	struct cs_mail *m = NULL;
	size_t cnt = 0, cap = 0, i, k;
	int64_t day;
	struct day *d;
	sqlite3_stmt *st;
	const char *u, *ip, *json;

	rd_refresh(s);
	for (day = cs_day_of(from); day <= cs_day_of(to); day++) {
		if (!days_has(s, CS_CL_SMTP, day))
			continue;
		d = day_get(s, CS_CL_SMTP, day, 0, NULL);
		if (d == NULL)
			continue;
		if (user && *user) {
			st = stmt(d, ST_SMTP_USER);
			if (st == NULL)
				continue;
			sqlite3_bind_int64(
			    st, 1, cs_tag(d->dk, D_USER, user, strlen(user)));
			while (sqlite3_step(st) == SQLITE_ROW) {
				cs_time t = sqlite3_column_int64(st, 1);
				json = unseal_mail(s, d, st, &u, &ip);
				if (json && strcmp(u, user) == 0 && t >= from &&
				    t < to)
					mail_push(&m, &cnt, &cap, t, json);
			}
			sqlite3_reset(st);
		}
		for (i = 0; i < nhits; i++) {
			const struct cs_binding *b = hits[i].b;
			cs_time lo = b->start > from ? b->start : from;
			cs_time hi = hits[i].end_known == CS_END_OPEN
			    ? to
			    : (hits[i].end < to ? hits[i].end : to);
			for (k = 0; k < (size_t)b->naddr; k++)
				mail_from(
				    s, d, &b->addr[k], lo, hi, &m, &cnt, &cap);
		}
	}
	if (cnt > 1)
		qsort(m, cnt, sizeof(*m), mail_cmp);
	*out = m;
	*n = cnt;
	return CS_OK;
}

enum cs_err
cs_store_dump(struct cs_store *s, struct cs_hit **out, size_t *n,
    struct cs_mail **mail, size_t *nmail)
{
	struct cs_hit *h = NULL;
	struct cs_mail *m = NULL;
	size_t cnt = 0, cap = 0, mcnt = 0, mcap = 0, i, j;
	struct day *d;
	sqlite3_stmt *st;
	struct cs_binding *b;
	const char *u, *ip, *json;

	rd_refresh(s);
	for (i = 0; i < s->nparts; i++) {
		d = day_get(
		    s, pord_cls(s->parts[i]), pord_day(s->parts[i]), 0, NULL);
		if (d == NULL)
			continue;
		if (sqlite3_prepare_v2(d->db,
			"SELECT id, key_tag, sealed, start FROM "
			"binding",
			-1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				b = decode_row(s, d, st);
				if (b == NULL)
					continue;
				for (j = 0; j < cnt; j++)
					if (same_binding(h[j].b, b))
						break;
				if (j < cnt) {
					/* days ascend: the later copy is newer
					 */
					cs_binding_free(h[j].b);
					h[j].b = b;
					h[j].end =
					    cs_binding_end(b, &h[j].end_known);
					continue;
				}
				hit_push(&h, &cnt, &cap, b, 0);
			}
			sqlite3_finalize(st);
		}
		if (sqlite3_prepare_v2(d->db,
			"SELECT uid, time, sealed FROM "
			"smtp",
			-1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				json = unseal_mail(s, d, st, &u, &ip);
				if (json)
					mail_push(&m, &mcnt, &mcap,
					    sqlite3_column_int64(st, 1), json);
			}
			sqlite3_finalize(st);
		}
	}
	if (cnt > 1)
		qsort(h, cnt, sizeof(*h), hit_cmp);
	if (mcnt > 1)
		qsort(m, mcnt, sizeof(*m), mail_cmp);
	*out = h;
	*n = cnt;
	*mail = m;
	*nmail = mcnt;
	return CS_OK;
}

const char *
cs_store_datadir(const struct cs_store *s)
{
	return s->datadir;
}

struct cs_keys *
cs_store_keys(struct cs_store *s)
{
	return s->keys;
}

void
cs_store_bulk(struct cs_store *s, int on)
{
	s->bulk = on;
}

int
cs_store_writable(const struct cs_store *s)
{
	return s->mode == CS_STORE_RW;
}

void **
cs_store_nat_slot(struct cs_store *s)
{
	return &s->nat;
}

const int64_t *
cs_store_days(struct cs_store *s, size_t *n)
{
	*n = s->ndays;
	return s->days;
}

int
cs_store_unreadable(struct cs_store *s)
{
	return s->unreadable;
}

void
cs_hits_free(struct cs_hit *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cs_binding_free(h[i].b);
	free(h);
}

void
cs_mail_free(struct cs_mail *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].json);
	free(m);
}
