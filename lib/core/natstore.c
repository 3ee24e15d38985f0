/*
 * natstore - the NAT day files: DATA/nat/YYYY-MM-DD.db, one per UTC day of
 * a record's start, sealed under that day's key (core/keys.h).
 *
 *   sess(uid, ptag, port, start, end, ek, proto, src, blob)  sessions,
 *        appended in the order written (rowid), so that a checkpoint's
 *        new rows fill new pages; index (ptag, port, start) answers
 *        "public:port at t" and finds a row again to update it
 *   blk(uid, kind, ptag, lo, hi, step, start, end, ek, proto, src, blob)
 *        port blocks and address bindings (few rows); index (ptag, start)
 *
 * ptag is the keyed tag of the public address; times are microseconds;
 * end is NULL while open.  blob seals the inside address and port, the
 * destination, the link and the evidence (encoding below), bound to uid.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/nat.h"
#include "core/natrd.h"
#include "util/xmalloc.h"

#define D_NATPUB 'P'
#define D_NATUID 'N'
#define BLK_DAYS_BACK 31 /* port blocks may last this long */
#define MAX_ROWS 4096    /* rows read per query */
#define MAX_EVLEN 16384  /* evidence bytes kept per record */

enum {
	Q_PUT_S,
	Q_PUT_B,
	Q_SESS,
	Q_SESS_ANY,
	Q_BLK,
	Q_HAS_S,
	Q_HAS_B,
	Q_NEXT,
	Q_UPD_S,
	Q_MAX
};

static const char *const sql_text[Q_MAX] = {
    "INSERT INTO sess(uid,ptag,port,start,end,ek,proto,src,"
    "blob) VALUES(?,?,?,?,?,?,?,?,?)",
    "INSERT OR REPLACE INTO blk(uid,kind,ptag,lo,hi,step,start,end,ek,"
    "proto,src,blob) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "SELECT uid,start,end,ek,proto,src,blob,port,port,1,1 FROM sess "
    "WHERE ptag=?1 AND port=?2 AND start<=?3 AND (end IS NULL OR end>=?4)"
    " ORDER BY start LIMIT 4096",
    "SELECT uid,start,end,ek,proto,src,blob,port,port,1,1 FROM sess "
    "WHERE ptag=?1 AND start<=?3 AND (end IS NULL OR end>=?4)"
    " ORDER BY start LIMIT 4096",
    "SELECT uid,start,end,ek,proto,src,blob,lo,hi,step,kind FROM blk "
    "WHERE ptag=?1 AND start<=?3 AND (end IS NULL OR end>=?4)"
    " ORDER BY start LIMIT 4096",
    "SELECT 1 FROM sess WHERE ptag=? LIMIT 1",
    "SELECT 1 FROM blk WHERE ptag=? LIMIT 1",
    "SELECT min(start) FROM sess WHERE ptag=?1 AND port=?2 AND start>?3"
    " AND (proto=?4 OR ?4=0 OR proto=0)",
    "UPDATE sess SET end=?5,ek=?6,proto=?7,src=?8,blob=?9 WHERE ptag=?2 AND"
    " port=?3 AND start=?4 AND uid=?1",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sess(uid INTEGER NOT NULL,"
    " ptag INTEGER NOT NULL, port INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER, ek INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " src INTEGER NOT NULL, blob BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sess_q ON sess(ptag, port, start);"
    "CREATE TABLE IF NOT EXISTS blk(uid INTEGER PRIMARY KEY,"
    " kind INTEGER NOT NULL, ptag INTEGER NOT NULL, lo INTEGER NOT NULL,"
    " hi INTEGER NOT NULL, step INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER, ek INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " src INTEGER NOT NULL, blob BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS blk_q ON blk(ptag, start);";

struct natday {
	int64_t day;
	sqlite3 *db;                /* owned; NULL when absent or bad */
	const struct cs_daykey *dk; /* borrowed from the key set */
	int in_txn;
	int64_t max_start;       /* latest session start in the file:
				    a later one cannot be there yet */
	sqlite3_stmt *st[Q_MAX]; /* owned */
};

struct cs_natdb {
	struct cs_store *s; /* borrowed */
	int rw;
	char dir[PATH_MAX];
	struct natday **days; /* owned; unsorted, few */
	size_t ndays, cap;
	struct cs_buf enc, sealed, plain;
};

struct cs_natdb *
cs_natdb_new(struct cs_store *s)
{
	struct cs_natdb *db = cs_xcalloc(1, sizeof(*db));

	db->s = s;
	db->rw = cs_store_writable(s);
	snprintf(db->dir, sizeof(db->dir), "%s/nat", cs_store_datadir(s));
	cs_buf_init(&db->enc, NULL, 0, 1u << 20);
	cs_buf_init(&db->sealed, NULL, 0, 1u << 20);
	cs_buf_init(&db->plain, NULL, 0, 1u << 20);
	return db;
}

static void
day_free(struct natday *d)
{
	int i;

	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(d->st[i]);
	if (d->db) {
		if (d->in_txn)
			sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(d->db);
	}
	free(d);
}

void
cs_natdb_free(struct cs_natdb *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->ndays; i++)
		day_free(db->days[i]);
	free(db->days);
	cs_buf_release(&db->enc);
	cs_buf_release(&db->sealed);
	cs_buf_release(&db->plain);
	free(db);
}

static int64_t
max_start(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MAX; /* unknown: always look before inserting */

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(start),-1) FROM sess",
		-1, &st, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * day_get - the day's file; NULL when absent or unusable.  Only writes
 * (create set, store writable) make a new file, and with it the day's
 * key: a query about a day with no NAT data leaves no trace.
 */
static struct natday *
day_get(struct cs_natdb *db, int64_t day, int create, struct cs_errbuf *eb)
{
	struct natday *d = NULL;
	char name[16], path[PATH_MAX + 32];
	size_t i;
	int flags;

	create = create && db->rw;
	for (i = 0; i < db->ndays; i++)
		if (db->days[i]->day == day) {
			d = db->days[i];
			if (d->db || !create)
				return d->db ? d : NULL;
			break; /* absent until now: create it */
		}
	if (d == NULL) {
		d = cs_xcalloc(1, sizeof(*d));
		d->day = day;
		if (db->ndays == db->cap) {
			db->cap = db->cap ? db->cap * 2 : 16;
			db->days = cs_xreallocarray(
			    db->days, db->cap, sizeof(*db->days));
		}
		db->days[db->ndays++] = d;
	}
	cs_day_name(day, name);
	snprintf(path, sizeof(path), "%s/%s.db", db->dir, name);
	if (!create && access(path, F_OK) != 0)
		return NULL;
	if (cs_keys_day(cs_store_keys(db->s), day, create, &d->dk, eb) != CS_OK)
		return NULL;
	if (db->rw && mkdir(db->dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "%s: %s", db->dir, strerror(errno));
		return NULL;
	}
	flags = db->rw ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		       : SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &d->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", path,
		    d->db ? sqlite3_errmsg(d->db) : "cannot open");
		sqlite3_close(d->db);
		d->db = NULL;
		return NULL;
	}
	sqlite3_busy_timeout(d->db, 10000);
	if (db->rw) {
		sqlite3_exec(d->db,
		    "PRAGMA journal_mode=WAL;"
		    "PRAGMA synchronous=NORMAL;PRAGMA cache_size=-65536;"
		    "PRAGMA wal_autocheckpoint=16384",
		    NULL, NULL, NULL);
		if (sqlite3_exec(d->db, schema, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			cs_errbuf_set(
			    eb, "%s: %s", path, sqlite3_errmsg(d->db));
			sqlite3_close(d->db);
			d->db = NULL;
			return NULL;
		}
		d->max_start = max_start(d->db);
	}
	return d;
}

static sqlite3_stmt *
stmt(struct natday *d, int which)
{
	if (d->st[which] == NULL &&
	    sqlite3_prepare_v3(d->db, sql_text[which], -1,
		SQLITE_PREPARE_PERSISTENT, &d->st[which], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(d->st[which]);
	sqlite3_clear_bindings(d->st[which]);
	return d->st[which];
}

/* ---- encoding of the sealed part ---- */

static void
put_u8(struct cs_buf *b, unsigned v)
{
	cs_buf_putc(b, (char)(v & 0xff));
}

static void
put_be(struct cs_buf *b, uint64_t v, int n)
{
	while (n-- > 0)
		put_u8(b, (unsigned)(v >> (8 * n)));
}

/* put_addr - family, prefix length, then 4, 16 or no address bytes */
static void
put_addr(struct cs_buf *b, const struct cs_addr *a)
{
	put_u8(b, a->family);
	put_u8(b, a->plen);
	cs_buf_append(b, a->a, a->family == 4 ? 4 : a->family == 6 ? 16 : 0);
}

static void
put_str(struct cs_buf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n > max)
		n = max;
	put_be(b, n, 4);
	cs_buf_append(b, s, n);
}

/* get_addr - as put_addr wrote it; version 1 always wrote 16 bytes */
static int
get_addr(struct cs_rd *r, struct cs_addr *a, int version)
{
	const uint8_t *p;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->family = cs_rd_u8(r);
	a->plen = cs_rd_u8(r);
	if (a->family != 0 && a->family != 4 && a->family != 6)
		return -1;
	n = version == 1 ? 16 : a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
	if (n && (p = cs_rd_bytes(r, n)) == NULL)
		return -1;
	if (n)
		memcpy(a->a, p, n);
	return r->err ? -1 : 0;
}

static char *
get_str(struct cs_rd *r)
{
	uint32_t n = cs_rd_be32(r);
	const uint8_t *p = cs_rd_bytes(r, n);
	char *s;

	if (p == NULL)
		return NULL;
	s = cs_xmalloc((size_t)n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int
port_enc(int p)
{
	return p < 0 ? 0xffff + 1 : p;
}

static int
port_dec(uint32_t v)
{
	return v > 0xffff ? -1 : (int)v;
}

/*
 * Evidence after the first is usually the same flow's other record (NEW,
 * then DESTROY with the same tuples), so it is stored as copies from the
 * first and literals:  total (4) then ops until total bytes are made:
 *   0, n (2), n bytes      literal
 *   1, off (2), n (2)      copy n bytes of the first record from off
 * Matches are found through a hash of 4-byte prefixes (positions of the
 * reference), at least MIN_COPY bytes long.
 */
#define MIN_COPY 8
#define EV_HASH 1024

static unsigned
h4(const unsigned char *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return (v * 2654435761u) >> 22;
}

static void
lit_flush(struct cs_buf *b, const char *p, size_t n)
{
	while (n) {
		size_t k = n > 65535 ? 65535 : n;
		put_u8(b, 0);
		put_be(b, k, 2);
		cs_buf_append(b, p, k);
		p += k;
		n -= k;
	}
}

/* delta_encode - t against ref into b; 0 when it is not worth it */
static int
delta_encode(
    struct cs_buf *b, const char *ref, size_t rn, const char *t, size_t tn)
{
	int32_t pos[EV_HASH];
	size_t i = 0, lit = 0, start = b->len, j;

	if (rn < MIN_COPY || tn < MIN_COPY || rn > 65535 || tn > MAX_EVLEN)
		return 0;
	for (j = 0; j < EV_HASH; j++)
		pos[j] = -1;
	for (j = 0; j + 4 <= rn; j++)
		pos[h4((const unsigned char *)ref + j)] = (int32_t)j;
	put_be(b, tn, 4);
	while (i < tn) {
		size_t len = 0;
		int32_t at =
		    i + 4 <= tn ? pos[h4((const unsigned char *)t + i)] : -1;
		if (at >= 0)
			while ((size_t)at + len < rn && i + len < tn &&
			    len < 65535 && ref[at + len] == t[i + len])
				len++;
		if (len >= MIN_COPY) {
			lit_flush(b, t + lit, i - lit);
			put_u8(b, 1);
			put_be(b, (uint64_t)at, 2);
			put_be(b, len, 2);
			i += len;
			lit = i;
		} else {
			i++;
		}
	}
	lit_flush(b, t + lit, tn - lit);
	if (b->len - start >= tn + 4) {
		b->len = start; /* no gain: the caller writes it plain */
		if (b->data)
			b->data[b->len] = '\0';
		return 0;
	}
	return 1;
}

static char *
delta_decode(struct cs_rd *r, const char *ref, size_t rn)
{
	uint32_t total = cs_rd_be32(r), got = 0;
	char *out;

	if (r->err || total > MAX_EVLEN)
		return NULL;
	out = cs_xmalloc((size_t)total + 1);
	while (got < total) {
		uint8_t op = cs_rd_u8(r);
		uint16_t a = cs_rd_be16(r), n;
		const uint8_t *p;
		if (r->err)
			break;
		if (op == 0) {
			if (a > total - got || (p = cs_rd_bytes(r, a)) == NULL)
				break;
			memcpy(out + got, p, a);
			got += a;
		} else if (op == 1) {
			n = cs_rd_be16(r);
			if (r->err || (size_t)a + n > rn || n > total - got)
				break;
			memcpy(out + got, ref + a, n);
			got += n;
		} else {
			break;
		}
		if (op == 0 && a == 0)
			break;
	}
	if (got != total) {
		free(out);
		r->err = CS_EPARSE;
		return NULL;
	}
	out[total] = '\0';
	return out;
}

/* identity - the bytes that name a record (hashed into uid with start) */
static void
identity(struct cs_buf *b, const struct cs_nat_rec *r)
{
	put_u8(b, r->kind);
	put_u8(b, r->proto);
	put_u8(b, r->src);
	put_addr(b, &r->inside);
	put_be(b, (uint64_t)port_enc(r->inside_port), 4);
	put_addr(b, &r->pub);
	put_be(b, (uint64_t)r->port_lo, 4);
	put_be(b, (uint64_t)r->port_hi, 4);
	put_addr(b, &r->dst);
	put_be(b, (uint64_t)port_enc(r->dst_port), 4);
	put_str(b, r->link, 255);
}

static void
encode(struct cs_buf *b, const struct cs_nat_rec *r)
{
	const char *ref = NULL;
	int i, n = 0;

	put_u8(b, 2); /* version: 1 had every record plain */
	identity(b, r);
	put_be(b, (uint64_t)r->port_step, 2);
	for (i = 0; i < CS_NAT_MAXEV; i++)
		n += r->ev[i].t != CS_TIME_NONE;
	put_u8(b, (unsigned)n);
	for (i = 0; i < CS_NAT_MAXEV; i++) {
		const char *raw = r->ev[i].raw ? r->ev[i].raw : "";
		size_t len = strlen(raw);
		if (r->ev[i].t == CS_TIME_NONE)
			continue;
		if (len > MAX_EVLEN)
			len = MAX_EVLEN;
		put_be(b, (uint64_t)r->ev[i].t, 8);
		if (ref) {
			put_u8(b, 1);
			if (delta_encode(b, ref, strlen(ref), raw, len))
				continue;
			b->data[b->len - 1] = 0; /* plain after all */
		} else if (n > 1) {
			ref = raw;
			put_u8(b, 0);
		} else {
			put_u8(b, 0);
		}
		put_be(b, len, 4);
		cs_buf_append(b, raw, len);
	}
}

static int
decode(const void *p, size_t len, struct cs_nat_rec *r)
{
	struct cs_rd rd;
	int i, n, version, mode;

	cs_rd_init(&rd, p, len);
	version = cs_rd_u8(&rd);
	if (version != 1 && version != 2)
		return -1;
	r->kind = cs_rd_u8(&rd);
	r->proto = cs_rd_u8(&rd);
	r->src = cs_rd_u8(&rd);
	if (get_addr(&rd, &r->inside, version))
		return -1;
	r->inside_port = port_dec(cs_rd_be32(&rd));
	if (get_addr(&rd, &r->pub, version))
		return -1;
	r->port_lo = (int)(cs_rd_be32(&rd) & 0xffff);
	r->port_hi = (int)(cs_rd_be32(&rd) & 0xffff);
	if (get_addr(&rd, &r->dst, version))
		return -1;
	r->dst_port = port_dec(cs_rd_be32(&rd));
	if ((r->link = get_str(&rd)) == NULL)
		return -1;
	r->port_step = cs_rd_be16(&rd);
	n = cs_rd_u8(&rd);
	if (n > CS_NAT_MAXEV)
		return -1;
	for (i = 0; i < n; i++) {
		r->ev[i].t = (cs_time)cs_rd_be64(&rd);
		mode = version == 2 ? cs_rd_u8(&rd) : 0;
		if (mode == 1 && i > 0 && r->ev[0].raw)
			r->ev[i].raw = delta_decode(
			    &rd, r->ev[0].raw, strlen(r->ev[0].raw));
		else if (mode == 0)
			r->ev[i].raw = get_str(&rd);
		if (r->ev[i].raw == NULL)
			return -1;
	}
	return rd.err == CS_OK && cs_rd_left(&rd) == 0 ? 0 : -1;
}

static int64_t
pub_tag(const struct cs_daykey *dk, const struct cs_addr *a)
{
	uint8_t k[17];

	k[0] = a->family;
	memcpy(k + 1, a->a, 16);
	return cs_tag(dk, D_NATPUB, k, sizeof(k));
}

int
cs_nat_same(const struct cs_nat_rec *a, const struct cs_nat_rec *b)
{
	if (a->kind != b->kind || a->proto != b->proto ||
	    a->inside_port != b->inside_port || a->port_lo != b->port_lo ||
	    a->port_hi != b->port_hi || a->dst_port != b->dst_port)
		return 0;
	if (memcmp(&a->inside, &b->inside, sizeof(a->inside)) != 0 ||
	    memcmp(&a->pub, &b->pub, sizeof(a->pub)) != 0 ||
	    memcmp(&a->dst, &b->dst, sizeof(a->dst)) != 0)
		return 0;
	return strcmp(a->link ? a->link : "", b->link ? b->link : "") == 0;
}

static int
begin(struct natday *d, struct cs_errbuf *eb)
{
	if (d->in_txn)
		return 0;
	if (sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "nat: begin: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	d->in_txn = 1;
	return 0;
}

enum cs_err
cs_natdb_put(
    struct cs_natdb *db, const struct cs_nat_rec *r, struct cs_errbuf *eb)
{
	struct natday *d;
	sqlite3_stmt *st;
	int64_t uid;
	int i = 1, sess = r->kind == CS_NAT_SESSION;

	if (r->start == CS_TIME_NONE || r->pub.family == 0)
		return CS_EINVAL;
	if ((d = day_get(db, cs_day_of(r->start), 1, eb)) == NULL) {
		if (!eb->msg[0])
			cs_errbuf_set(eb, "nat: no day file for the record");
		return CS_EDB;
	}
	if (begin(d, eb))
		return CS_EDB;
	cs_buf_reset(&db->enc);
	identity(&db->enc, r);
	put_be(&db->enc, (uint64_t)r->start, 8);
	uid = cs_tag(d->dk, D_NATUID, db->enc.data, db->enc.len);
	cs_buf_reset(&db->enc);
	encode(&db->enc, r);
	cs_buf_reset(&db->sealed);
	cs_seal(d->dk, uid, db->enc.data, db->enc.len, &db->sealed);
	if (cs_buf_error(&db->enc) || cs_buf_error(&db->sealed)) {
		cs_errbuf_set(eb, "nat: record too large");
		return CS_ETOOBIG;
	}
	if (sess && r->start > d->max_start) {
		/* started after every row of the file: cannot be there */
		d->max_start = r->start;
	} else if (sess) {
		/* the row exists when an open session is closed: update it */
		if ((st = stmt(d, Q_UPD_S)) == NULL)
			goto dberr;
		sqlite3_bind_int64(st, 1, uid);
		sqlite3_bind_int64(st, 2, pub_tag(d->dk, &r->pub));
		sqlite3_bind_int(st, 3, r->port_lo);
		sqlite3_bind_int64(st, 4, r->start);
		if (r->end_known == CS_END_OPEN)
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_int64(st, 5, r->end);
		sqlite3_bind_int(st, 6, r->end_known);
		sqlite3_bind_int(st, 7, r->proto);
		sqlite3_bind_int(st, 8, r->src);
		sqlite3_bind_blob(
		    st, 9, db->sealed.data, (int)db->sealed.len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
		sqlite3_reset(st);
		if (sqlite3_changes(d->db) > 0)
			return CS_OK;
	}
	if ((st = stmt(d, sess ? Q_PUT_S : Q_PUT_B)) == NULL)
		goto dberr;
	sqlite3_bind_int64(st, i++, uid);
	if (!sess)
		sqlite3_bind_int(st, i++, r->kind);
	sqlite3_bind_int64(st, i++, pub_tag(d->dk, &r->pub));
	sqlite3_bind_int(st, i++, r->port_lo);
	if (!sess) {
		sqlite3_bind_int(st, i++, r->port_hi);
		sqlite3_bind_int(st, i++, r->port_step);
	}
	sqlite3_bind_int64(st, i++, r->start);
	if (r->end_known == CS_END_OPEN)
		sqlite3_bind_null(st, i++);
	else
		sqlite3_bind_int64(st, i++, r->end);
	sqlite3_bind_int(st, i++, r->end_known);
	sqlite3_bind_int(st, i++, r->proto);
	sqlite3_bind_int(st, i++, r->src);
	sqlite3_bind_blob(
	    st, i++, db->sealed.data, (int)db->sealed.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_reset(st);
	return CS_OK;
dberr:
	cs_errbuf_set(eb, "nat: write: %s", sqlite3_errmsg(d->db));
	return CS_EDB;
}

enum cs_err
cs_natdb_commit(struct cs_natdb *db, struct cs_errbuf *eb)
{
	size_t i;
	struct natday *d;

	for (i = 0; i < db->ndays; i++) {
		d = db->days[i];
		if (!d->in_txn)
			continue;
		if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			cs_errbuf_set(
			    eb, "nat: commit: %s", sqlite3_errmsg(d->db));
			return CS_EDB;
		}
		d->in_txn = 0;
	}
	return CS_OK;
}

/* row_read - one result row into r (unsealed); -1 when unreadable */
static int
row_read(struct cs_natdb *db, struct natday *d, sqlite3_stmt *st,
    struct cs_nat_rec *r)
{
	const void *blob = sqlite3_column_blob(st, 6);
	int blen = sqlite3_column_bytes(st, 6);
	int64_t uid = sqlite3_column_int64(st, 0);

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < CS_NAT_MAXEV; i++)
		r->ev[i].t = CS_TIME_NONE;
	cs_buf_reset(&db->plain);
	if (blob == NULL || blen < 0 ||
	    cs_unseal(d->dk, uid, blob, (size_t)blen, &db->plain) != CS_OK)
		return -1;
	if (decode(db->plain.data, db->plain.len, r) != 0) {
		cs_nat_rec_clear(r);
		return -1;
	}
	r->start = sqlite3_column_int64(st, 1);
	r->end_known = (enum cs_end_known)sqlite3_column_int(st, 3);
	r->end = r->end_known == CS_END_OPEN ? CS_TIME_NONE
					     : sqlite3_column_int64(st, 2);
	return 0;
}

static void
push(
    struct cs_nat_rec **out, size_t *n, size_t *cap, const struct cs_nat_rec *r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*out = cs_xreallocarray(*out, *cap, sizeof(**out));
	}
	(*out)[(*n)++] = *r;
}

static int
has_tag(struct natday *d, int which, int64_t tag)
{
	sqlite3_stmt *st = stmt(d, which);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, tag);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* query_day - rows of one table of one day; appends matches */
static void
query_day(struct cs_natdb *db, struct natday *d, int which,
    const struct cs_addr *pub, int port, int proto, cs_time lo, cs_time hi,
    struct cs_nat_rec **out, size_t *n, size_t *cap)
{
	sqlite3_stmt *st = stmt(d, which);
	struct cs_nat_rec r;

	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, pub_tag(d->dk, pub));
	sqlite3_bind_int(st, 2, port < 0 ? 0 : port);
	sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_int64(st, 4, lo);
	while (sqlite3_step(st) == SQLITE_ROW && *n < MAX_ROWS) {
		if (row_read(db, d, st, &r) != 0)
			continue;
		if (memcmp(&r.pub, pub, sizeof(*pub)) != 0 ||
		    (proto && r.proto && r.proto != proto) ||
		    (port >= 0 && (port < r.port_lo || port > r.port_hi)) ||
		    (port >= 0 && r.port_step > 1 &&
			(port - r.port_lo) % r.port_step != 0)) {
			cs_nat_rec_clear(&r);
			continue;
		}
		push(out, n, cap, &r);
	}
	sqlite3_reset(st);
}

enum cs_err
cs_natdb_query(struct cs_natdb *db, const struct cs_addr *pub, int port,
    int proto, cs_time lo, cs_time hi, struct cs_nat_rec **out, size_t *n,
    int *any, struct cs_errbuf *eb)
{
	int64_t day, dlo = cs_day_of(lo), dhi = cs_day_of(hi);
	struct natday *d;
	size_t cap = *n;

	for (day = dhi; day >= dhi - BLK_DAYS_BACK; day--) {
		if ((d = day_get(db, day, 0, eb)) == NULL)
			continue;
		if (day >= dlo - 1) {
			int64_t tag = pub_tag(d->dk, pub);
			if (has_tag(d, Q_HAS_S, tag) ||
			    has_tag(d, Q_HAS_B, tag))
				*any = 1;
			query_day(db, d, port >= 0 ? Q_SESS : Q_SESS_ANY, pub,
			    port, proto, lo, hi, out, n, &cap);
		}
		query_day(db, d, Q_BLK, pub, port, proto, lo, hi, out, n, &cap);
	}
	return CS_OK;
}

enum cs_err
cs_natdb_find_open(struct cs_natdb *db, const struct cs_nat_rec *r,
    cs_time before, struct cs_nat_rec *out, struct cs_errbuf *eb)
{
	struct cs_nat_rec *v = NULL;
	size_t n = 0, i, best = SIZE_MAX;
	int any = 0;
	int64_t back = r->kind == CS_NAT_SESSION ? 2 * 86400 : 31 * 86400;

	(void)cs_natdb_query(db, &r->pub, r->port_lo, r->proto,
	    before - back * CS_US, before, &v, &n, &any, eb);
	for (i = 0; i < n; i++)
		if (v[i].end_known == CS_END_OPEN && v[i].start <= before &&
		    cs_nat_same(&v[i], r) &&
		    (best == SIZE_MAX || v[i].start > v[best].start))
			best = i;
	if (best != SIZE_MAX) {
		*out = v[best];
		memset(&v[best], 0, sizeof(v[best]));
		for (i = 0; i < CS_NAT_MAXEV; i++)
			v[best].ev[i].t = CS_TIME_NONE;
	}
	cs_nat_recs_free(v, n);
	return best == SIZE_MAX ? CS_ENOENT : CS_OK;
}

enum cs_err
cs_natdb_next_start(struct cs_natdb *db, const struct cs_nat_rec *r,
    cs_time *next, struct cs_errbuf *eb)
{
	int64_t day, d0 = cs_day_of(r->start);
	struct natday *d;
	sqlite3_stmt *st;

	*next = CS_TIME_NONE;
	for (day = d0; day <= d0 + 1 && *next == CS_TIME_NONE; day++) {
		if ((d = day_get(db, day, 0, eb)) == NULL ||
		    (st = stmt(d, Q_NEXT)) == NULL)
			continue;
		sqlite3_bind_int64(st, 1, pub_tag(d->dk, &r->pub));
		sqlite3_bind_int(st, 2, r->port_lo);
		sqlite3_bind_int64(st, 3, r->start);
		sqlite3_bind_int(st, 4, r->proto);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			*next = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return CS_OK;
}

void
cs_nat_rec_clear(struct cs_nat_rec *r)
{
	int i;

	free(r->link);
	r->link = NULL;
	for (i = 0; i < CS_NAT_MAXEV; i++) {
		free(r->ev[i].raw);
		r->ev[i].raw = NULL;
		r->ev[i].t = CS_TIME_NONE;
	}
}

void
cs_nat_recs_free(struct cs_nat_rec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cs_nat_rec_clear(&r[i]);
	free(r);
}
