/*
 * natstore - the NAT day files, one set per UTC day of a record's start,
 * sealed under that day's key (core/keys.h):
 *
 *   DATA/nat/YYYY-MM-DD.nat  sessions (the volume: hundreds of millions a
 *        day): an append-only file of sorted runs, one run per checkpoint
 *        and day (layout below), merged into one run when there are too
 *        many.  Only the public address's keyed tag, the port, times,
 *        protocol and the record's uid are plain (the index); everything
 *        else is in chunks sealed once per ~128 KB.
 *   DATA/nat/YYYY-MM-DD.db   port blocks and address bindings (few rows):
 *        blk(uid, kind, ptag, lo, hi, step, start, end, ek, proto, src,
 *        blob); index (ptag, start).  Older stores also have a sess table
 *        of the same shape, still read.
 *
 * A run:  header (80) | sealed chunks | pad to 8 | index (48 per record,
 * sorted by tag, port, start, uid) | chunk table (16 per chunk) | trailer
 * "CSNATEND" + run length.  The header is written and synced last, so a
 * run cut short by a crash has no valid header or trailer: readers stop at
 * the last whole run and the next writer truncates the rest.  A record is
 * named by its uid (a keyed hash of its identity and start); an interval
 * written open and later closed is written again in a later run: the
 * newest version wins, a closed one over an open one.  A chunk is sealed
 * with the run's sequence number and its own number as associated data;
 * inside, each record repeats its uid, start and end (authenticated).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

struct natfile; /* a day's session runs (below) */

#define TAGCACHE 256

struct tagc {
	int64_t day;
	struct cs_addr a;
	uint64_t tag;
	int used;
};

struct cs_natdb {
	struct cs_store *s; /* borrowed */
	int rw;
	char dir[PATH_MAX];
	struct natday **days; /* owned; unsorted, few */
	size_t ndays, cap;
	struct natfile **files; /* owned; unsorted, few */
	size_t nfiles, capfiles;
	struct cs_buf enc, sealed, plain;
	struct tagc tags[TAGCACHE];
	struct runbufs *rbp; /* owned (below) */
	void *it, *tmp;      /* owned: sort arrays */
	size_t capit;
};

static void natfile_free(struct natfile *f);
struct runbufs;
static void runbufs_free(struct runbufs *rb);

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
	for (i = 0; i < db->nfiles; i++)
		natfile_free(db->files[i]);
	free(db->files);
	runbufs_free(db->rbp);
	free(db->it);
	free(db->tmp);
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
	if (create && cs_store_lock_class(db->s, CS_CL_NAT, eb) != CS_OK)
		return NULL;
	if (cs_keys_day(cs_store_keys(db->s), CS_CL_NAT, day, create, &d->dk,
		eb) != CS_OK)
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
	if (sess) {
		struct cs_nat_out o;
		int k;
		memset(&o, 0, sizeof(o));
		o.r = r;
		o.linklen = r->link ? strlen(r->link) : 0;
		for (k = 0; k < CS_NAT_MAXEV; k++)
			o.evlen[k] = r->ev[k].raw ? strlen(r->ev[k].raw) : 0;
		return cs_natdb_put_sessions(db, &o, 1, eb);
	}
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

/* ---- session runs: DATA/nat/YYYY-MM-DD.nat ---- */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "natstore: the run index is little-endian; add byte swapping"
#endif

#define RUN_MAGIC "CSNATRN1"
#define END_MAGIC "CSNATEND"
#define RUN_VERSION 1
#define HDR_LEN 80
#define TRL_LEN 16
#define CTAB_LEN 16
#define CHUNK_PLAIN (32u * 1024)
#define WRITE_BUF (4u << 20)
#define BLK 4096 /* runs end on a block: written with O_DIRECT */
#define OUT_MEM (2 * WRITE_BUF + (1u << 20))
#define MERGE_RUNS 32 /* more runs than this in a level: merge them */
#define NLEVEL 3
#define MAX_SCAN 65536 /* index entries looked at per run and query */
#define OPEN_END INT64_MAX

/* an index entry as stored (little-endian, 8-aligned in the file) */
struct rent {
	uint64_t tag;
	int64_t start;
	int64_t end; /* OPEN_END while open */
	uint64_t uid;
	uint32_t chunk, off;
	uint16_t port;
	uint8_t proto, ek, src, kind, pad[2];
};
_Static_assert(sizeof(struct rent) == 48, "index entry is 48 bytes");

struct rhdr {
	char magic[8];
	uint32_t version, nchunk;
	uint64_t seq, nent, len, idx_off, ctab_off;
	int64_t min_start, max_start;
	uint64_t reserved;
};
_Static_assert(sizeof(struct rhdr) == HDR_LEN, "run header is 80 bytes");

struct runinfo {
	uint64_t off, len, seq, nent, nchunk, idx_off, ctab_off;
	int64_t min_start, max_start;
};

/* a chunk's plaintext, kept while the next record is likely in it */
struct chcache {
	struct cs_buf plain;
	uint8_t *ct; /* owned: the sealed chunk as read */
	size_t ctcap;
	size_t run;
	uint32_t chunk;
	int valid;
};

struct natfile {
	int64_t day;
	int level; /* 0: new runs; 1, 2: merged runs */
	char path[PATH_MAX + 32];
	int fd;  /* -1: absent */
	int dfd; /* the writer's O_DIRECT descriptor, or -1 */
	const struct cs_daykey *dk; /* borrowed from the key set */
	uint8_t *map;               /* mmap of [0, maplen) */
	size_t maplen;
	uint64_t size; /* file size when mapped */
	struct runinfo *runs;
	size_t nruns, caprun;
	uint64_t end; /* end of the last whole run */
	uint64_t next_seq;
	int64_t max_start;
	struct chcache cache; /* the last chunk opened */
};

/* growable bytes (no maximum: run buffers are bounded by the caller) */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void
bytes_reserve(struct bytes *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	while (b->cap - b->len < n)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->p = cs_xreallocarray(b->p, b->cap, 1);
}

static void
bytes_put(struct bytes *b, const void *p, size_t n)
{
	bytes_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
natfile_unmap(struct natfile *f)
{
	if (f->map)
		munmap(f->map, f->maplen);
	f->map = NULL;
	f->maplen = 0;
	f->nruns = 0;
	f->cache.valid = 0;
}

static void
natfile_free(struct natfile *f)
{
	if (f == NULL)
		return;
	natfile_unmap(f);
	if (f->fd >= 0)
		close(f->fd);
	if (f->dfd >= 0)
		close(f->dfd);
	free(f->runs);
	cs_buf_release(&f->cache.plain);
	free(f->cache.ct);
	free(f);
}

static int64_t
ad_of(uint64_t seq, uint32_t chunk)
{
	return (int64_t)((seq << 20) ^ chunk);
}

/*
 * natfile_scan - map the file and find its whole runs; what follows the
 * last whole run (a write cut short) is left out, and cut off when writing
 */
static int
natfile_scan(struct natfile *f, struct cs_errbuf *eb)
{
	struct stat sb;
	uint64_t off = 0;

	natfile_unmap(f);
	f->end = 0;
	f->next_seq = 1;
	f->max_start = INT64_MIN;
	if (fstat(f->fd, &sb) != 0) {
		cs_errbuf_set(eb, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	f->size = (uint64_t)sb.st_size;
	if (f->size == 0)
		return 0;
	f->map = mmap(NULL, f->size, PROT_READ, MAP_SHARED, f->fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		cs_errbuf_set(eb, "%s: mmap: %s", f->path, strerror(errno));
		return -1;
	}
	f->maplen = f->size;
	/* lookups touch a page here and there: no read-around */
	madvise(f->map, f->maplen, MADV_RANDOM);
	while (f->size - off >= HDR_LEN + TRL_LEN) {
		struct rhdr h;
		struct runinfo ri;
		char trl[TRL_LEN];
		uint64_t tlen;

		/*
		 * headers and trailers by pread: what follows the last whole
		 * run may be cut off by a writer at any time (a mapped page
		 * past the end of the file would fault)
		 */
		if (pread(f->fd, &h, sizeof(h), (off_t)off) != sizeof(h))
			break;
		if (memcmp(h.magic, RUN_MAGIC, 8) != 0 ||
		    h.version != RUN_VERSION || h.len < HDR_LEN + TRL_LEN ||
		    h.len > f->size - off || h.len % 8 != 0 ||
		    h.idx_off % 8 != 0 || h.idx_off > h.len ||
		    h.nent > (h.len - h.idx_off) / sizeof(struct rent) ||
		    h.ctab_off != h.idx_off + h.nent * sizeof(struct rent) ||
		    h.ctab_off > h.len - TRL_LEN ||
		    h.nchunk > (h.len - TRL_LEN - h.ctab_off) / CTAB_LEN)
			break;
		if (pread(f->fd, trl, TRL_LEN,
			(off_t)(off + h.len - TRL_LEN)) != TRL_LEN)
			break;
		memcpy(&tlen, trl + 8, 8);
		if (memcmp(trl, END_MAGIC, 8) != 0 || tlen != h.len)
			break;
		ri.off = off;
		ri.len = h.len;
		ri.seq = h.seq;
		ri.nent = h.nent;
		ri.nchunk = h.nchunk;
		ri.idx_off = h.idx_off;
		ri.ctab_off = h.ctab_off;
		ri.min_start = h.min_start;
		ri.max_start = h.max_start;
		if (f->nruns == f->caprun) {
			f->caprun = f->caprun ? f->caprun * 2 : 16;
			f->runs = cs_xreallocarray(
			    f->runs, f->caprun, sizeof(*f->runs));
		}
		f->runs[f->nruns++] = ri;
		if (h.seq >= f->next_seq)
			f->next_seq = h.seq + 1;
		if (h.nent && h.max_start > f->max_start)
			f->max_start = h.max_start;
		off += h.len;
	}
	f->end = off;
	return 0;
}

static void
natfile_close(struct natfile *f)
{
	natfile_unmap(f);
	if (f->fd >= 0)
		close(f->fd);
	if (f->dfd >= 0)
		close(f->dfd);
	f->fd = f->dfd = -1;
	f->size = f->end = 0;
}

/*
 * natfile_fresh - follow another process's writes: a file grown is
 * mapped again, a file replaced (merged, emptied) is opened again, a file
 * gone is closed.  Returns -1 when the file is absent now.
 */
static int
natfile_fresh(struct natfile *f, struct cs_errbuf *eb)
{
	struct stat sb, pb;

	if (stat(f->path, &pb) != 0) {
		natfile_close(f);
		return -1;
	}
	if (fstat(f->fd, &sb) != 0 || sb.st_ino != pb.st_ino ||
	    sb.st_dev != pb.st_dev) {
		natfile_close(f);
		f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0)
			return -1;
		return natfile_scan(f, eb);
	}
	if ((uint64_t)sb.st_size == f->size)
		return 0;
	return natfile_scan(f, eb);
}

static const char *const level_sfx[NLEVEL] = {".nat", ".nat1", ".nat2"};

/*
 * natfile_get - a level of the day's session files; NULL when absent (or
 * unusable: eb says why).  Only writes (create, store writable) make the
 * file and the day's key.  *perm is set when the day was purged.
 */
static struct natfile *
natfile_get(struct cs_natdb *db, int64_t day, int level, int create, int *perm,
    struct cs_errbuf *eb)
{
	struct natfile *f = NULL;
	char name[16];
	size_t i;
	enum cs_err e;

	if (perm)
		*perm = 0;
	create = create && db->rw;
	for (i = 0; i < db->nfiles; i++)
		if (db->files[i]->day == day && db->files[i]->level == level) {
			f = db->files[i];
			break;
		}
	if (f && f->fd >= 0) {
		/* the writer is the only one to change its files */
		if (!db->rw && natfile_fresh(f, eb) != 0)
			return NULL;
		return f;
	}
	if (f == NULL) {
		f = cs_xcalloc(1, sizeof(*f));
		f->day = day;
		f->level = level;
		f->fd = f->dfd = -1;
		cs_buf_init(&f->cache.plain, NULL, 0, 1u << 26);
		cs_day_name(day, name);
		snprintf(f->path, sizeof(f->path), "%s/%s%s", db->dir, name,
		    level_sfx[level]);
		if (db->nfiles == db->capfiles) {
			db->capfiles = db->capfiles ? db->capfiles * 2 : 16;
			db->files = cs_xreallocarray(
			    db->files, db->capfiles, sizeof(*db->files));
		}
		db->files[db->nfiles++] = f;
	}
	if (!create && access(f->path, F_OK) != 0)
		return NULL;
	e = create ? cs_store_lock_class(db->s, CS_CL_NAT, eb) : CS_OK;
	if (e == CS_OK)
		e = cs_keys_day(
		    cs_store_keys(db->s), CS_CL_NAT, day, create, &f->dk, eb);
	if (e != CS_OK) {
		if (perm && e == CS_EPERM)
			*perm = 1;
		return NULL;
	}
	if (create && mkdir(db->dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "%s: %s", db->dir, strerror(errno));
		return NULL;
	}
	f->fd = open(f->path,
	    (db->rw ? O_RDWR | (create ? O_CREAT : 0) : O_RDONLY) | O_CLOEXEC,
	    0600);
	if (f->fd < 0) {
		cs_errbuf_set(eb, "%s: %s", f->path, strerror(errno));
		return NULL;
	}
	/* runs are written around the page cache where it can be done */
	f->dfd = db->rw ? open(f->path, O_WRONLY | O_DIRECT | O_CLOEXEC) : -1;
	if (natfile_scan(f, eb) != 0) {
		natfile_close(f);
		return NULL;
	}
	return f;
}

static const struct rent *
run_ents(const struct natfile *f, const struct runinfo *r)
{
	return (
	    const struct rent *)(const void *)(f->map + r->off + r->idx_off);
}

static int
key_cmp(const struct rent *e, uint64_t tag, int port, int64_t start)
{
	if (e->tag != tag)
		return e->tag < tag ? -1 : 1;
	if (e->port != port)
		return e->port < port ? -1 : 1;
	if (e->start != start)
		return e->start < start ? -1 : 1;
	return 0;
}

/* lower - first entry of run r at or after (tag, port, start) */
static uint64_t
lower(const struct natfile *f, const struct runinfo *r, uint64_t tag, int port,
    int64_t start)
{
	const struct rent *e = run_ents(f, r);
	uint64_t lo = 0, hi = r->nent;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (key_cmp(&e[mid], tag, port, start) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* chunk_open - the plaintext of chunk c of run ri (cached); NULL if bad */
static const struct cs_buf *
chunk_open(struct natfile *f, size_t ri, uint32_t c, struct chcache *cc)
{
	const struct runinfo *r = &f->runs[ri];
	uint64_t coff;
	uint32_t clen, plen;
	const uint8_t *ct;

	if (cc->valid && cc->run == ri && cc->chunk == c)
		return &cc->plain;
	cc->valid = 0;
	if (c >= r->nchunk)
		return NULL;
	ct = f->map + r->off + r->ctab_off + (uint64_t)c * CTAB_LEN;
	memcpy(&coff, ct, 8);
	memcpy(&clen, ct + 8, 4);
	memcpy(&plen, ct + 12, 4);
	if (coff < HDR_LEN || coff > r->idx_off || clen > r->idx_off - coff)
		return NULL;
	/*
	 * one read of the whole chunk: written around the page cache, it is
	 * usually on disk only, and page by page through the mapping (no
	 * read-around: MADV_RANDOM) would be one disk read per page
	 */
	if (cc->ctcap < clen) {
		free(cc->ct);
		cc->ctcap = clen;
		cc->ct = cs_xmalloc(clen);
	}
	if (pread(f->fd, cc->ct, clen, (off_t)(r->off + coff)) != (ssize_t)clen)
		return NULL;
	cs_buf_reset(&cc->plain);
	if (cs_unseal(f->dk, ad_of(r->seq, c), cc->ct, clen, &cc->plain) !=
		CS_OK ||
	    cc->plain.len != plen)
		return NULL;
	cc->run = ri;
	cc->chunk = c;
	cc->valid = 1;
	return &cc->plain;
}

/*
 * A record in a chunk:  len (4, whole record) | uid (8) | start (8) |
 * end (8) | end_known (1) | the body as encode() writes it.
 */
#define REC_HEAD 29

/* rec_bytes - the record an entry points at (in the cached chunk) */
static const uint8_t *
rec_bytes(struct natfile *f, size_t ri, const struct rent *e, uint32_t *len,
    struct chcache *cc)
{
	const struct cs_buf *pl = chunk_open(f, ri, e->chunk, cc);
	uint64_t uid;
	int64_t start;
	const uint8_t *p;

	if (pl == NULL || e->off > pl->len || pl->len - e->off < REC_HEAD)
		return NULL;
	p = (const uint8_t *)pl->data + e->off;
	memcpy(len, p, 4);
	memcpy(&uid, p + 4, 8);
	memcpy(&start, p + 12, 8);
	if (*len < REC_HEAD || *len > pl->len - e->off || uid != e->uid ||
	    start != e->start)
		return NULL;
	return p;
}

static int decode(const void *p, size_t len, struct cs_nat_rec *r);

/* rec_read - the record an entry points at, unsealed; -1 if unreadable */
static int
rec_read(
    struct natfile *f, size_t ri, const struct rent *e, struct cs_nat_rec *r)
{
	uint32_t len;
	const uint8_t *p = rec_bytes(f, ri, e, &len, &f->cache);
	int64_t end;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < CS_NAT_MAXEV; i++)
		r->ev[i].t = CS_TIME_NONE;
	if (p == NULL)
		return -1;
	if (decode(p + REC_HEAD, len - REC_HEAD, r) != 0) {
		cs_nat_rec_clear(r);
		return -1;
	}
	memcpy(&r->start, p + 12, 8);
	memcpy(&end, p + 20, 8);
	r->end_known = (enum cs_end_known)p[28];
	r->end = r->end_known == CS_END_OPEN ? CS_TIME_NONE : end;
	return 0;
}

/* ---- the fast encoder (same body format as encode()) ---- */

static uint8_t *
w_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0)
		*p++ = (uint8_t)(v >> (8 * n));
	return p;
}

static uint8_t *
w_addr(uint8_t *p, const struct cs_addr *a)
{
	size_t n = a->family == 4 ? 4 : a->family == 6 ? 16 : 0;

	*p++ = a->family;
	*p++ = a->plen;
	memcpy(p, a->a, n);
	return p + n;
}

/* w_ident - identity() into p (room for 80 + the link) */
static uint8_t *
w_ident(uint8_t *p, const struct cs_nat_rec *r, size_t linklen)
{
	*p++ = (uint8_t)r->kind;
	*p++ = r->proto;
	*p++ = (uint8_t)r->src;
	p = w_addr(p, &r->inside);
	p = w_be(p, (uint64_t)port_enc(r->inside_port), 4);
	p = w_addr(p, &r->pub);
	p = w_be(p, (uint64_t)r->port_lo, 4);
	p = w_be(p, (uint64_t)r->port_hi, 4);
	p = w_addr(p, &r->dst);
	p = w_be(p, (uint64_t)port_enc(r->dst_port), 4);
	p = w_be(p, linklen, 4);
	memcpy(p, r->link ? r->link : "", linklen);
	return p + linklen;
}

/* match_len - length of the common prefix of a and b (at most 65535) */
static size_t
match_len(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn, k = 0;

	if (n > 65535)
		n = 65535;
	while (k + 8 <= n) {
		uint64_t x, y;
		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		if (x != y)
			return k + (size_t)(__builtin_ctzll(x ^ y) >> 3);
		k += 8;
	}
	while (k < n && a[k] == b[k])
		k++;
	return k;
}

#define DH 256

static unsigned
h8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (unsigned)((v * 0x9E3779B97F4A7C15ULL) >> 56);
}

static int
blank_at(const char *p, size_t i)
{
	return i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t';
}

/*
 * blanks8 - a mark (top bit) on each byte of x that is a space or a tab.
 * A byte 0x21 or 0x0a right above a marked one may be marked too (the
 * borrow of the zero-byte test): a word start too many only costs a
 * lookup.
 */
static uint64_t
blanks8(uint64_t x)
{
	const uint64_t lo = 0x0101010101010101ULL, hi = 0x8080808080808080ULL;
	uint64_t s = x ^ 0x2020202020202020ULL, t = x ^ 0x0909090909090909ULL;

	return ((s - lo) & ~s & hi) | ((t - lo) & ~t & hi);
}

/* next_word - where the word after the next blank at or after i starts */
static size_t
next_word(const char *t, size_t i, size_t tn)
{
	uint64_t x, m;

	while (i + 8 <= tn) {
		memcpy(&x, t + i, 8);
		if ((m = blanks8(x)) != 0)
			return i + (size_t)(__builtin_ctzll(m) >> 3) + 1;
		i += 8;
	}
	while (i < tn && t[i] != ' ' && t[i] != '\t')
		i++;
	return i < tn ? i + 1 : tn;
}

/*
 * delta_fast - t as copies from ref and literals (the format delta_decode
 * reads) into out; 0 when not worth it, else bytes.  Log lines of one
 * flow share whole words, so matches are looked for where words start
 * (8-byte hash; the first such place in ref), and extended a word at a
 * time.
 */
static size_t
delta_fast(uint8_t *out, const char *ref, size_t rn, const char *t, size_t tn)
{
	int32_t pos[DH];
	size_t i = 0, lit = 0, j;
	uint8_t *p = out;

	if (rn < MIN_COPY || tn < MIN_COPY || rn > 65535 || tn > MAX_EVLEN)
		return 0;
	memset(pos, 0xff, sizeof(pos));
	pos[h8(ref)] = 0;
	for (j = 0; j + 8 <= rn; j += 8) {
		uint64_t x, m;
		memcpy(&x, ref + j, 8);
		for (m = blanks8(x); m; m &= m - 1) {
			size_t b = j + (size_t)(__builtin_ctzll(m) >> 3) + 1;
			unsigned h;
			if (b + 8 > rn)
				break;
			h = h8(ref + b);
			if (pos[h] < 0)
				pos[h] = (int32_t)b;
		}
	}
	/* a blank in the last 8 bytes starts no 8-byte word: not needed */
	p = w_be(p, tn, 4);
	while (i < tn) {
		size_t len = 0;
		int32_t at =
		    i + 8 <= tn && blank_at(t, i) ? pos[h8(t + i)] : -1;
		if (at >= 0)
			len =
			    match_len(ref + at, rn - (size_t)at, t + i, tn - i);
		if (len >= MIN_COPY) {
			while (i > lit) {
				size_t k = i - lit > 65535 ? 65535 : i - lit;
				*p++ = 0;
				p = w_be(p, k, 2);
				memcpy(p, t + lit, k);
				p += k;
				lit += k;
			}
			*p++ = 1;
			p = w_be(p, (uint64_t)at, 2);
			p = w_be(p, len, 2);
			i += len;
			lit = i;
			if ((size_t)(p - out) >= tn + 4)
				return 0;
		} else {
			i = next_word(t, i, tn); /* on to the next word */
		}
	}
	while (tn > lit) {
		size_t k = tn - lit > 65535 ? 65535 : tn - lit;
		*p++ = 0;
		p = w_be(p, k, 2);
		memcpy(p, t + lit, k);
		p += k;
		lit += k;
	}
	if ((size_t)(p - out) >= tn + 4)
		return 0;
	return (size_t)(p - out);
}

/* rec_bound - most bytes rec_encode writes for o */
static size_t
rec_bound(const struct cs_nat_out *o)
{
	size_t n = REC_HEAD + 128 + o->linklen;
	int i;

	for (i = 0; i < CS_NAT_MAXEV; i++)
		n += 16 + 2 * (size_t)o->evlen[i];
	return n;
}

/* rec_encode - a whole record (head and body) at p; returns its length */
static size_t
rec_encode(uint8_t *p, const struct cs_nat_out *o, uint64_t uid)
{
	const struct cs_nat_rec *r = o->r;
	uint8_t *q = p + 4, *cnt;
	const char *ref = NULL;
	size_t refn = 0, len, d;
	int i, n = 0;
	uint32_t total;
	int64_t end = r->end_known == CS_END_OPEN ? 0 : r->end;

	memcpy(q, &uid, 8);
	memcpy(q + 8, &r->start, 8);
	memcpy(q + 16, &end, 8);
	q[24] = (uint8_t)r->end_known;
	q += 25;
	*q++ = 2; /* body version */
	q = w_ident(q, r, o->linklen);
	q = w_be(q, (uint64_t)r->port_step, 2);
	cnt = q++;
	for (i = 0; i < CS_NAT_MAXEV; i++) {
		const char *raw = r->ev[i].raw ? r->ev[i].raw : "";
		if (r->ev[i].t == CS_TIME_NONE)
			continue;
		n++;
		len = o->evlen[i] > MAX_EVLEN ? MAX_EVLEN : o->evlen[i];
		q = w_be(q, (uint64_t)r->ev[i].t, 8);
		if (ref && (d = delta_fast(q + 1, ref, refn, raw, len)) > 0) {
			*q = 1;
			q += 1 + d;
			continue;
		}
		*q++ = 0;
		if (ref == NULL) {
			ref = raw;
			refn = len;
		}
		q = w_be(q, len, 4);
		memcpy(q, raw, len);
		q += len;
	}
	*cnt = (uint8_t)n;
	total = (uint32_t)(q - p);
	memcpy(p, &total, 4);
	return total;
}

/* ---- writing a run ---- */

struct runbufs;

struct runw {
	struct runbufs *rb; /* borrowed: where the buffers come from */
	struct natfile *f;  /* borrowed */
	int fd;             /* f->fd, or the merge's temporary file */
	int dfd;            /* the same file opened O_DIRECT, or -1 */
	int direct;         /* writing through dfd (whole aligned blocks) */
	int first_saved;    /* rb->first holds the run's first block */
	uint64_t seq, base, pos;
	struct bytes chunk; /* plaintext of the chunk being filled */
	struct cs_buf out;  /* bytes to write at pos */
	struct bytes ctab;  /* chunk table */
	struct rent *ent;   /* owned */
	size_t nent, capent;
	uint32_t nchunk;
	int64_t min_start, max_start;
};

/*
 * The run buffers live in the natdb and serve every run: fresh memory
 * costs page faults (zeroed pages), reused memory does not.
 */
struct runbufs {
	struct bytes chunk, ctab;
	struct cs_buf out; /* on outmem while it fits (it does: flushed) */
	uint8_t *outmem;   /* owned, block-aligned, OUT_MEM bytes */
	uint8_t *first;    /* owned, block-aligned: a run's first block */
	struct rent *ent;
	size_t capent;
};

static void
runw_begin(struct runw *w, struct runbufs *rb, struct natfile *f, int fd,
    int dfd, uint64_t base, uint64_t seq)
{
	uint8_t zero[HDR_LEN] = {0};

	memset(w, 0, sizeof(*w));
	w->f = f;
	w->fd = fd;
	w->dfd = dfd;
	w->direct = dfd >= 0 && base % BLK == 0;
	w->seq = seq;
	w->base = base;
	w->pos = base;
	w->min_start = INT64_MAX;
	w->max_start = INT64_MIN;
	w->rb = rb;
	w->chunk = rb->chunk;
	w->chunk.len = 0;
	w->ctab = rb->ctab;
	w->ctab.len = 0;
	w->out = rb->out;
	cs_buf_reset(&w->out);
	w->ent = rb->ent;
	w->capent = rb->capent;
	cs_buf_append(&w->out, zero, HDR_LEN); /* header: written last */
}

/* runw_release - the buffers back to the natdb */
static void
runw_release(struct runw *w)
{
	w->rb->chunk = w->chunk;
	w->rb->ctab = w->ctab;
	w->rb->out = w->out;
	w->rb->ent = w->ent;
	w->rb->capent = w->capent;
}

static void
runbufs_free(struct runbufs *rb)
{
	if (rb == NULL)
		return;
	free(rb->chunk.p);
	free(rb->ctab.p);
	cs_buf_release(&rb->out);
	free(rb->outmem);
	free(rb->first);
	free(rb->ent);
	free(rb);
}

static struct runbufs *
rbufs(struct cs_natdb *db)
{
	void *m = NULL, *b = NULL;

	if (db->rbp == NULL) {
		db->rbp = cs_xcalloc(1, sizeof(*db->rbp));
		if (posix_memalign(&m, BLK, OUT_MEM) != 0 ||
		    posix_memalign(&b, BLK, BLK) != 0) {
			free(m);
			m = b = NULL; /* no aligned memory: buffered writes */
		}
		db->rbp->outmem = m;
		db->rbp->first = b;
		cs_buf_init(&db->rbp->out, m, m ? OUT_MEM : 0, 1u << 30);
	}
	return db->rbp;
}

static int
write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t r = pwrite(fd, b, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/*
 * write_at - through the O_DIRECT descriptor while it serves (no copy
 * into the page cache: on a virtual machine that copy was a third of
 * the ingest's time; the sealed chunks, read back one at a time by
 * lookups, need not be in memory), else buffered
 */
static int
write_at(struct runw *w, const void *p, size_t n, uint64_t off)
{
	if (w->direct) {
		if (write_all(w->dfd, p, n, off) == 0)
			return 0;
		if (errno != EINVAL)
			return -1;
		w->direct = 0; /* refused (alignment, filesystem): buffered */
	}
	return write_all(w->fd, p, n, off);
}

/* runw_flush - write out what is buffered (whole blocks unless all) */
static int
runw_flush(struct runw *w, int all)
{
	size_t n = w->out.len;

	if (cs_buf_error(&w->out))
		return -1;
	if (w->direct &&
	    (w->rb->first == NULL || (uintptr_t)w->out.data % BLK != 0))
		w->direct = 0;
	if (w->direct && !all)
		n -= n % BLK;
	if (n == 0)
		return 0;
	if (w->direct && w->pos == w->base && n >= BLK) {
		memcpy(w->rb->first, w->out.data, BLK);
		w->first_saved = 1;
	}
	if (write_at(w, w->out.data, n, w->pos) != 0)
		return -1;
	w->pos += n;
	memmove(w->out.data, w->out.data + n, w->out.len - n);
	w->out.len -= n;
	w->out.data[w->out.len] = '\0';
	return 0;
}

/* runw_seal - seal the chunk being filled */
static int
runw_seal(struct runw *w)
{
	uint8_t ct[CTAB_LEN];
	uint64_t off;
	uint32_t clen, plen = (uint32_t)w->chunk.len;

	if (w->chunk.len == 0)
		return 0;
	off = w->pos + w->out.len - w->base;
	clen = (uint32_t)w->out.len;
	cs_seal(w->f->dk, ad_of(w->seq, w->nchunk), w->chunk.p, w->chunk.len,
	    &w->out);
	if (cs_buf_error(&w->out))
		return -1;
	clen = (uint32_t)w->out.len - clen;
	memcpy(ct, &off, 8);
	memcpy(ct + 8, &clen, 4);
	memcpy(ct + 12, &plen, 4);
	bytes_put(&w->ctab, ct, sizeof(ct));
	w->nchunk++;
	w->chunk.len = 0;
	return w->out.len >= WRITE_BUF ? runw_flush(w, 0) : 0;
}

/* runw_room - where the next record of at most n bytes goes */
static uint8_t *
runw_room(struct runw *w, size_t n)
{
	if (w->chunk.len && w->chunk.len + n > CHUNK_PLAIN && runw_seal(w) != 0)
		return NULL;
	bytes_reserve(&w->chunk, n);
	return w->chunk.p + w->chunk.len;
}

/* runw_add - the record just written at runw_room (len bytes) */
static void
runw_add(struct runw *w, const struct rent *e, size_t len)
{
	struct rent x = *e;

	x.chunk = w->nchunk;
	x.off = (uint32_t)w->chunk.len;
	w->chunk.len += len;
	if (w->nent == w->capent) {
		w->capent = w->capent ? w->capent * 2 : 4096;
		w->ent = cs_xreallocarray(w->ent, w->capent, sizeof(*w->ent));
	}
	w->ent[w->nent++] = x;
	if (x.start < w->min_start)
		w->min_start = x.start;
	if (x.start > w->max_start)
		w->max_start = x.start;
}

static int
sync_fd(int fd)
{
	return fdatasync(fd);
}

/* runw_finish - index, chunk table, trailer, then the header; synced */
static int
runw_finish(struct runw *w, uint64_t *len)
{
	struct rhdr h;
	uint8_t pad[8] = {0}, trl[TRL_LEN];
	uint64_t idx_off, rlen, left;
	size_t i;
	int hdr_direct;

	if (runw_seal(w) != 0)
		return -1;
	cs_buf_append(
	    &w->out, pad, (8 - (w->pos + w->out.len - w->base) % 8) % 8);
	idx_off = w->pos + w->out.len - w->base;
	/*
	 * the chunks' whole blocks go around the page cache; the index and
	 * what follows through it: lookups binary-search the index of a
	 * run just written, and find it in memory
	 */
	if (w->direct && runw_flush(w, 0) != 0)
		return -1;
	hdr_direct = w->direct && w->first_saved;
	w->direct = 0;
	for (i = 0; i < w->nent; i += 4096) {
		size_t k = w->nent - i < 4096 ? w->nent - i : 4096;
		cs_buf_append(&w->out, &w->ent[i], k * sizeof(*w->ent));
		if (w->out.len >= WRITE_BUF && runw_flush(w, 0) != 0)
			return -1;
	}
	cs_buf_append(&w->out, w->ctab.p, w->ctab.len);
	/* the run ends on a block: the next one starts aligned */
	for (left = (BLK - (w->pos + w->out.len + TRL_LEN) % BLK) % BLK;
	     left > 0; left -= 8)
		cs_buf_append(&w->out, pad, 8);
	rlen = w->pos + w->out.len + TRL_LEN - w->base;
	memcpy(trl, END_MAGIC, 8);
	memcpy(trl + 8, &rlen, 8);
	cs_buf_append(&w->out, trl, TRL_LEN);
	if (runw_flush(w, 1) != 0 || sync_fd(w->fd) != 0)
		return -1;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, RUN_MAGIC, 8);
	h.version = RUN_VERSION;
	h.nchunk = w->nchunk;
	h.seq = w->seq;
	h.nent = w->nent;
	h.len = rlen;
	h.idx_off = idx_off;
	h.ctab_off = idx_off + w->nent * sizeof(*w->ent);
	h.min_start = w->nent ? w->min_start : 0;
	h.max_start = w->nent ? w->max_start : 0;
	if (hdr_direct) {
		/* the first block again, with the header */
		memcpy(w->rb->first, &h, sizeof(h));
		if (write_all(w->dfd, w->rb->first, BLK, w->base) != 0)
			return -1;
	} else if (write_all(w->fd, &h, sizeof(h), w->base) != 0) {
		return -1;
	}
	if (sync_fd(w->fd) != 0)
		return -1;
	*len = rlen;
	return 0;
}

/* ---- merging runs ---- */

/*
 * A day's runs are in three levels (files): new runs are appended to
 * DAY.nat; past MERGE_RUNS runs they are merged into one run appended to
 * DAY.nat1 and DAY.nat is replaced by an empty file; the same from
 * DAY.nat1 to DAY.nat2; past MERGE_RUNS runs in DAY.nat2 it is rewritten
 * as one run.  So a day has at most 3 * MERGE_RUNS runs and three files,
 * each record is written about four times at most, and a reader always
 * sees every record (between the append and the replacement it sees some
 * twice: the newest version wins).  Versions are ordered by the run's
 * sequence number, unique in the day; a merged run takes the greatest of
 * its inputs'.
 */

/* newer - is version b (of run sequence sb) preferred to a (sa)? */
static int
newer(const struct rent *a, uint64_t sa, const struct rent *b, uint64_t sb)
{
	int ao = a->ek == CS_END_OPEN, bo = b->ek == CS_END_OPEN;

	if (ao != bo)
		return ao; /* a closed version beats an open one */
	return sb > sa;
}

static int
ent_cmp(const struct rent *a, const struct rent *b)
{
	int c = key_cmp(a, b->tag, b->port, b->start);

	if (c)
		return c;
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* the runs being merged, as a binary heap on their next entry */
struct mheap {
	const struct natfile *f;
	const uint64_t *at;
	size_t *h; /* run numbers */
	size_t n;
};

static const struct rent *
head_of(const struct mheap *q, size_t run)
{
	return &run_ents(q->f, &q->f->runs[run])[q->at[run]];
}

static int
mh_less(const struct mheap *q, size_t a, size_t b)
{
	return ent_cmp(head_of(q, q->h[a]), head_of(q, q->h[b])) < 0;
}

static void
mh_down(struct mheap *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;
		if (l < q->n && mh_less(q, l, m))
			m = l;
		if (l + 1 < q->n && mh_less(q, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		t = q->h[i];
		q->h[i] = q->h[m];
		q->h[m] = t;
		i = m;
	}
}

/*
 * merge_runs - every run of src as one run (the preferred version of each
 * record) written through w; returns 0 or -1.  The runs are read side by
 * side through a heap of their next entries.
 */
static int
merge_runs(struct natfile *src, struct runw *w)
{
	size_t k = src->nruns, i, best;
	uint64_t *at = cs_xcalloc(k ? k : 1, sizeof(*at));
	/* a chunk cache per run: the runs are read side by side */
	struct chcache *cc = cs_xcalloc(k ? k : 1, sizeof(*cc));
	struct mheap q;
	int rc = 0;

	q.f = src;
	q.at = at;
	q.h = cs_xcalloc(k ? k : 1, sizeof(*q.h));
	q.n = 0;
	for (i = 0; i < k; i++) {
		cs_buf_init(&cc[i].plain, NULL, 0, 1u << 26);
		if (src->runs[i].nent)
			q.h[q.n++] = i;
	}
	for (i = q.n / 2; i-- > 0;)
		mh_down(&q, i);
	while (q.n > 0) {
		const struct rent *pick, *x;
		const uint8_t *p;
		uint32_t rl = 0;
		uint8_t *dst;
		struct rent key;
		/* every version of the least key: the preferred one is copied
		 */
		best = q.h[0];
		pick = head_of(&q, best);
		key = *pick;
		while (q.n > 0 && ent_cmp(x = head_of(&q, q.h[0]), &key) == 0) {
			size_t r = q.h[0];
			if (newer(pick, src->runs[best].seq, x,
				src->runs[r].seq)) {
				pick = x;
				best = r;
			}
			if (++at[r] < src->runs[r].nent) {
				/* pick stays valid: entries do not move */
				mh_down(&q, 0);
			} else {
				q.h[0] = q.h[--q.n];
				mh_down(&q, 0);
			}
		}
		/* an unreadable version (damaged) is dropped */
		if ((p = rec_bytes(src, best, pick, &rl, &cc[best])) == NULL)
			continue;
		if ((dst = runw_room(w, rl)) == NULL) {
			rc = -1;
			break;
		}
		memcpy(dst, p, rl);
		runw_add(w, pick, rl);
	}
	for (i = 0; i < k; i++) {
		cs_buf_release(&cc[i].plain);
		free(cc[i].ct);
	}
	free(q.h);
	free(cc);
	free(at);
	return rc;
}

static uint64_t
max_seq(const struct natfile *f)
{
	uint64_t seq = 0;
	size_t i;

	for (i = 0; i < f->nruns; i++)
		if (f->runs[i].seq > seq)
			seq = f->runs[i].seq;
	return seq;
}

/*
 * replace - write one run through a temporary file renamed over f's path
 * (readers that have the old file keep it); from the runs of src, or none
 * (empty file).  f is opened again.
 */
static enum cs_err
replace(struct cs_natdb *db, struct natfile *f, struct natfile *src,
    struct cs_errbuf *eb)
{
	char tmp[PATH_MAX + 48];
	struct runw w;
	uint64_t len;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		cs_errbuf_set(eb, "%s: %s", tmp, strerror(errno));
		return CS_EIO;
	}
	if (src) {
		runw_begin(&w, rbufs(db), f, fd, -1, 0, max_seq(src));
		rc = merge_runs(src, &w);
		if (rc == 0)
			rc = runw_finish(&w, &len);
		runw_release(&w);
	}
	if (rc != 0 || fsync(fd) != 0 || rename(tmp, f->path) != 0) {
		cs_errbuf_set(eb, "%s: merge: %s", f->path, strerror(errno));
		close(fd);
		unlink(tmp);
		return CS_EIO;
	}
	sync_dir(db->dir);
	natfile_close(f);
	f->fd = fd;
	f->dfd = open(f->path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	return natfile_scan(f, eb) == 0 ? CS_OK : CS_EIO;
}

/* cascade - merge level `level` of the day when it has too many runs */
static enum cs_err
cascade(struct cs_natdb *db, int64_t day, int level, int force,
    struct cs_errbuf *eb)
{
	struct natfile *f = natfile_get(db, day, level, 0, NULL, eb), *up;
	struct runw w;
	uint64_t len;
	enum cs_err e;

	if (f == NULL || f->nruns == 0)
		return force && level < NLEVEL - 1
		    ? cascade(db, day, level + 1, force, eb)
		    : CS_OK;
	if (!force && f->nruns <= MERGE_RUNS)
		return CS_OK;
	if (level == NLEVEL - 1)
		return f->nruns > 1 ? replace(db, f, f, eb) : CS_OK;
	if ((up = natfile_get(db, day, level + 1, 1, NULL, eb)) == NULL)
		return CS_EIO;
	if (up->end < up->size && ftruncate(up->fd, (off_t)up->end) != 0) {
		cs_errbuf_set(eb, "%s: %s", up->path, strerror(errno));
		return CS_EIO;
	}
	runw_begin(&w, rbufs(db), up, up->fd, up->dfd, up->end, max_seq(f));
	if (merge_runs(f, &w) != 0 || runw_finish(&w, &len) != 0) {
		runw_release(&w);
		cs_errbuf_set(eb, "%s: merge: %s", up->path, strerror(errno));
		return CS_EIO;
	}
	runw_release(&w);
	if (natfile_scan(up, eb) != 0)
		return CS_EIO;
	/* the merged run is synced: the level below may go */
	if ((e = replace(db, f, NULL, eb)) != CS_OK)
		return e;
	return cascade(db, day, level + 1, force, eb);
}

enum cs_err
cs_natdb_merge(struct cs_natdb *db, int64_t day, struct cs_errbuf *eb)
{
	if (!db->rw)
		return CS_OK;
	return cascade(db, day, 0, 1, eb);
}

size_t
cs_natdb_runs(struct cs_natdb *db, int64_t day)
{
	struct cs_errbuf eb = {""};
	size_t n = 0;
	int l;

	for (l = 0; l < NLEVEL; l++) {
		struct natfile *f = natfile_get(db, day, l, 0, NULL, &eb);
		n += f ? f->nruns : 0;
	}
	return n;
}

/* ---- writing sessions ---- */

static uint64_t
tag_of(struct cs_natdb *db, struct natfile *f, const struct cs_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct tagc *c;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 0x100000001b3ULL;
	c = &db->tags[(h ^ (uint64_t)f->day) % TAGCACHE];
	if (c->used && c->day == f->day && memcmp(&c->a, a, sizeof(*a)) == 0)
		return c->tag;
	c->used = 1;
	c->day = f->day;
	c->a = *a;
	c->tag = (uint64_t)pub_tag(f->dk, a);
	return c->tag;
}

struct sitem {
	int64_t day;
	uint64_t tag;
	int64_t start;
	uint64_t uid;
	uint32_t port;
	uint32_t idx;
	const struct cs_nat_rec *r; /* v[idx].r: fetched ahead without v */
};

static inline int
sitem_cmp(const struct sitem *a, const struct sitem *b)
{
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->tag != b->tag)
		return a->tag < b->tag ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* sort_items - merge sort of a[0, n) through tmp (no allocation) */
static void
sort_items(struct sitem *a, struct sitem *tmp, size_t n)
{
	size_t i, j, k, mid;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			struct sitem x = a[i];
			for (j = i; j > 0 && sitem_cmp(&x, &a[j - 1]) < 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	mid = n / 2;
	sort_items(a, tmp, mid);
	sort_items(a + mid, tmp, n - mid);
	if (sitem_cmp(&a[mid - 1], &a[mid]) <= 0)
		return; /* already in order (input mostly is, by time) */
	memcpy(tmp, a, mid * sizeof(*a));
	for (i = 0, j = mid, k = 0; i < mid && j < n;)
		a[k++] = sitem_cmp(&a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < mid)
		a[k++] = tmp[i++];
}

/*
 * stored - is this version already stored (the newest stored version of
 * the uid has the same end), or a closed one while this is open?  Looked
 * up only for records that start before the day's latest stored start (a
 * re-read, or an interval closed after it was written open).
 */
static int
stored(struct natfile *const *lv, const struct sitem *it,
    const struct cs_nat_rec *r)
{
	const struct rent *best = NULL;
	uint64_t bseq = 0;
	int64_t end = r->end_known == CS_END_OPEN ? OPEN_END : r->end;
	size_t ri;
	int l;

	for (l = 0; l < NLEVEL; l++) {
		const struct natfile *f = lv[l];
		if (f == NULL)
			continue;
		for (ri = 0; ri < f->nruns; ri++) {
			const struct runinfo *run = &f->runs[ri];
			const struct rent *e = run_ents(f, run);
			uint64_t i;
			if (it->start < run->min_start ||
			    it->start > run->max_start)
				continue;
			i = lower(f, run, it->tag, (int)it->port, it->start);
			for (; i < run->nent && e[i].tag == it->tag &&
			     e[i].port == it->port && e[i].start == it->start;
			     i++) {
				if (e[i].uid != it->uid)
					continue;
				if (e[i].ek != CS_END_OPEN &&
				    r->end_known == CS_END_OPEN)
					return 1; /* never closed -> open */
				if (best == NULL ||
				    newer(best, bseq, &e[i], run->seq)) {
					best = &e[i];
					bseq = run->seq;
				}
			}
		}
	}
	return best && best->end == end && best->ek == r->end_known;
}

static size_t
ident_bytes(uint8_t *buf, const struct cs_nat_out *o)
{
	uint8_t *p = w_ident(buf, o->r, o->linklen);

	p = w_be(p, (uint64_t)o->r->start, 8);
	return (size_t)(p - buf);
}

/* write_day - items [a, b) (sorted, one day) as one run of the day */
static enum cs_err
write_day(struct cs_natdb *db, struct natfile *f, struct cs_nat_out *v,
    const struct sitem *it, size_t a, size_t b, struct cs_errbuf *eb)
{
	struct natfile *lv[NLEVEL];
	struct runw w;
	size_t i;
	uint64_t len, seq = f->next_seq;
	int64_t max_start = f->max_start;
	int any = 0, l;

	/* the day's other levels: sequence numbers, versions stored */
	lv[0] = f;
	for (l = 1; l < NLEVEL; l++) {
		lv[l] = natfile_get(db, f->day, l, 0, NULL, eb);
		if (lv[l] && lv[l]->next_seq > seq)
			seq = lv[l]->next_seq;
		if (lv[l] && lv[l]->max_start > max_start)
			max_start = lv[l]->max_start;
	}
	if (f->end < f->size && ftruncate(f->fd, (off_t)f->end) != 0) {
		cs_errbuf_set(eb, "%s: %s", f->path, strerror(errno));
		return CS_EIO;
	}
	runw_begin(&w, rbufs(db), f, f->fd, f->dfd, f->end, seq);
	for (i = a; i < b; i++) {
		struct cs_nat_out *o = &v[it[i].idx];
		const struct cs_nat_rec *r = o->r;
		struct rent e;
		uint8_t *dst;
		size_t n;
		/* sorted order visits memory at random: fetch ahead */
		if (i + 16 < b)
			__builtin_prefetch(&v[it[i + 16].idx]);
		if (i + 8 < b)
			__builtin_prefetch(it[i + 8].r);
		if (i + 4 < b) {
			const struct cs_nat_rec *pr = it[i + 4].r;
			int k, q;
			for (k = 0; k < 2; k++)
				for (q = 0; pr->ev[k].raw && q < 256; q += 64)
					__builtin_prefetch(pr->ev[k].raw + q);
		}
		/* versions of one record in the batch: the last closed one */
		if (i + 1 < b && it[i + 1].uid == it[i].uid &&
		    it[i + 1].start == it[i].start &&
		    (r->end_known == CS_END_OPEN ||
			v[it[i + 1].idx].r->end_known != CS_END_OPEN))
			continue;
		if (i > a && it[i - 1].uid == it[i].uid &&
		    it[i - 1].start == it[i].start &&
		    r->end_known == CS_END_OPEN &&
		    v[it[i - 1].idx].r->end_known != CS_END_OPEN)
			continue;
		if (!o->known && it[i].start <= max_start &&
		    stored(lv, &it[i], r))
			continue;
		if ((dst = runw_room(&w, rec_bound(o))) == NULL)
			goto fail;
		n = rec_encode(dst, o, it[i].uid);
		memset(&e, 0, sizeof(e));
		e.tag = it[i].tag;
		e.start = r->start;
		e.end = r->end_known == CS_END_OPEN ? OPEN_END : r->end;
		e.uid = it[i].uid;
		e.port = (uint16_t)r->port_lo;
		e.proto = r->proto;
		e.ek = (uint8_t)r->end_known;
		e.src = (uint8_t)r->src;
		e.kind = (uint8_t)r->kind;
		runw_add(&w, &e, n);
		o->written = 1;
		any = 1;
	}
	if (!any) {
		runw_release(&w);
		return CS_OK;
	}
	if (runw_finish(&w, &len) != 0)
		goto fail;
	runw_release(&w);
	if (natfile_scan(f, eb) != 0)
		return CS_EIO;
	return cascade(db, f->day, 0, 0, eb);
fail:
	cs_errbuf_set(eb, "%s: write: %s", f->path, strerror(errno));
	runw_release(&w);
	return CS_EIO;
}

enum cs_err
cs_natdb_put_sessions(
    struct cs_natdb *db, struct cs_nat_out *v, size_t n, struct cs_errbuf *eb)
{
	struct sitem *it;
	struct natfile *f = NULL;
	uint8_t ib[600];
	size_t i, j, k = 0;
	int perm;
	enum cs_err e = CS_OK;

	if (n == 0)
		return CS_OK;
	if (db->capit < n) {
		free(db->it);
		free(db->tmp);
		db->capit = n;
		db->it = cs_xreallocarray(NULL, n, sizeof(*it));
		db->tmp = cs_xreallocarray(NULL, n, sizeof(*it));
	}
	it = db->it;
	for (i = 0; i < n; i++)
		v[i].written = 0;
	for (i = 0; i < n; i++) {
		const struct cs_nat_rec *r = v[i].r;
		int64_t day;
		if (r->start == CS_TIME_NONE || r->pub.family == 0 ||
		    v[i].linklen > 255)
			continue;
		day = cs_day_of(r->start);
		if (f == NULL || f->day != day) {
			f = natfile_get(db, day, 0, 1, &perm, eb);
			if (f == NULL && perm) {
				eb->msg[0] = '\0';
				continue; /* a purged day is not written again
					   */
			}
			if (f == NULL) {
				if (!eb->msg[0])
					cs_errbuf_set(eb, "nat: no day file");
				return CS_EIO;
			}
		}
		it[k].day = day;
		it[k].tag = tag_of(db, f, &r->pub);
		it[k].start = r->start;
		it[k].uid = (uint64_t)cs_tag(
		    f->dk, D_NATUID, ib, ident_bytes(ib, &v[i]));
		it[k].port = (uint32_t)r->port_lo;
		it[k].idx = (uint32_t)i;
		it[k].r = r;
		k++;
	}
	sort_items(it, db->tmp, k);
	for (i = 0; i < k && e == CS_OK; i = j) {
		for (j = i + 1; j < k && it[j].day == it[i].day; j++)
			;
		f = natfile_get(db, it[i].day, 0, 1, &perm, eb);
		if (f == NULL) {
			e = CS_EIO;
			break;
		}
		e = write_day(db, f, v, it, i, j, eb);
	}
	return e;
}

/* ---- reading sessions ---- */

struct cand {
	const struct rent *e;
	struct natfile *f; /* borrowed */
	size_t run;
	uint64_t seq;
};

static int
cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->e->uid != b->e->uid)
		return a->e->uid < b->e->uid ? -1 : 1;
	if (a->e->start != b->e->start)
		return a->e->start < b->e->start ? -1 : 1;
	/* the preferred version first */
	if (newer(a->e, a->seq, b->e, b->seq))
		return 1;
	if (newer(b->e, b->seq, a->e, a->seq))
		return -1;
	return 0;
}

/*
 * runs_query - sessions of the day's runs (every level) on pub (port, or
 * -1 for all) meeting [lo, hi], newest versions only; appended to out
 */
static void
runs_query(struct cs_natdb *db, int64_t day, const struct cs_addr *pub,
    int port, int proto, cs_time lo, cs_time hi, struct cs_nat_rec **out,
    size_t *n, size_t *cap, int *any, struct cs_errbuf *eb)
{
	struct cand *c = NULL;
	size_t nc = 0, capc = 0, ri, i;
	int l;

	for (l = 0; l < NLEVEL; l++) {
		struct natfile *f = natfile_get(db, day, l, 0, NULL, eb);
		uint64_t tag;
		if (f == NULL || f->nruns == 0)
			continue;
		tag = tag_of(db, f, pub);
		for (ri = 0; ri < f->nruns; ri++) {
			const struct runinfo *run = &f->runs[ri];
			const struct rent *e = run_ents(f, run);
			uint64_t j, lim;
			j = lower(f, run, tag, port > 0 ? port : 0, INT64_MIN);
			if (j < run->nent && e[j].tag == tag)
				*any = 1;
			else if (!*any && port > 0) {
				/* any record of the address at all? */
				uint64_t k = lower(f, run, tag, 0, INT64_MIN);
				if (k < run->nent && e[k].tag == tag)
					*any = 1;
			}
			for (lim = 0; j < run->nent && e[j].tag == tag &&
			     (port < 0 || e[j].port == port) && lim < MAX_SCAN;
			     j++, lim++) {
				if (nc == capc) {
					capc = capc ? capc * 2 : 64;
					c = cs_xreallocarray(
					    c, capc, sizeof(*c));
				}
				c[nc].e = &e[j];
				c[nc].f = f;
				c[nc].run = ri;
				c[nc].seq = run->seq;
				nc++;
			}
		}
	}
	if (nc > 1)
		qsort(c, nc, sizeof(*c), cand_cmp);
	for (i = 0; i < nc && *n < MAX_ROWS; i++) {
		const struct rent *e = c[i].e;
		struct cs_nat_rec r;
		if (i > 0 && c[i - 1].e->uid == e->uid &&
		    c[i - 1].e->start == e->start)
			continue; /* an older version */
		if (e->start > hi || (e->end != OPEN_END && e->end < lo) ||
		    (proto && e->proto && e->proto != proto))
			continue;
		if (rec_read(c[i].f, c[i].run, e, &r) != 0)
			continue;
		if (memcmp(&r.pub, pub, sizeof(*pub)) != 0 ||
		    (port >= 0 && (port < r.port_lo || port > r.port_hi))) {
			cs_nat_rec_clear(&r);
			continue;
		}
		push(out, n, cap, &r);
	}
	free(c);
}

/* runs_next - least start after `after` on pub:port, protocol-compatible */
static void
runs_next(struct cs_natdb *db, int64_t day, const struct cs_addr *pub, int port,
    int proto, cs_time after, cs_time *next, struct cs_errbuf *eb)
{
	size_t ri;
	int l;

	for (l = 0; l < NLEVEL; l++) {
		struct natfile *f = natfile_get(db, day, l, 0, NULL, eb);
		uint64_t tag;
		if (f == NULL || f->nruns == 0)
			continue;
		tag = tag_of(db, f, pub);
		for (ri = 0; ri < f->nruns; ri++) {
			const struct runinfo *run = &f->runs[ri];
			const struct rent *e = run_ents(f, run);
			uint64_t j = lower(f, run, tag, port,
			    after == INT64_MAX ? after : after + 1);
			for (; j < run->nent && e[j].tag == tag &&
			     e[j].port == port;
			     j++) {
				if (proto && e[j].proto && e[j].proto != proto)
					continue;
				if (*next == CS_TIME_NONE || e[j].start < *next)
					*next = e[j].start;
				break;
			}
		}
	}
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
		if (day >= dlo - 1)
			runs_query(db, day, pub, port, proto, lo, hi, out, n,
			    &cap, any, eb);
		if ((d = day_get(db, day, 0, eb)) == NULL)
			continue;
		if (day >= dlo - 1) {
			int64_t tag = pub_tag(d->dk, pub);
			if (has_tag(d, Q_HAS_S, tag) ||
			    has_tag(d, Q_HAS_B, tag))
				*any = 1;
			/* sessions of stores written before the runs */
			query_day(db, d, port >= 0 ? Q_SESS : Q_SESS_ANY, pub,
			    port, proto, lo, hi, out, n, &cap);
		}
		query_day(db, d, Q_BLK, pub, port, proto, lo, hi, out, n, &cap);
	}
	return CS_OK;
}

/*
 * cs_natdb_find_open - the latest record of r's identity started before
 * `before`, open or closed (the caller tells a delete read again after a
 * crash, whose closed version was written, from another one)
 */
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
		if (v[i].start <= before && cs_nat_same(&v[i], r) &&
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
		runs_next(
		    db, day, &r->pub, r->port_lo, r->proto, r->start, next, eb);
		if ((d = day_get(db, day, 0, eb)) == NULL ||
		    (st = stmt(d, Q_NEXT)) == NULL)
			continue;
		sqlite3_bind_int64(st, 1, pub_tag(d->dk, &r->pub));
		sqlite3_bind_int(st, 2, r->port_lo);
		sqlite3_bind_int64(st, 3, r->start);
		sqlite3_bind_int(st, 4, r->proto);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL) {
			cs_time t = sqlite3_column_int64(st, 0);
			if (*next == CS_TIME_NONE || t < *next)
				*next = t;
		}
		sqlite3_reset(st);
	}
	return CS_OK;
}

/* ---- checks for tests and fuzzing ---- */

int
cs_natdb_decode(const void *p, size_t n, struct cs_nat_rec *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < CS_NAT_MAXEV; i++)
		r->ev[i].t = CS_TIME_NONE;
	if (decode(p, n, r) != 0) {
		cs_nat_rec_clear(r);
		return -1;
	}
	return 0;
}

int
cs_natdb_delta_check(const char *ref, size_t rn, const char *t, size_t tn)
{
	uint8_t *out;
	size_t n;
	struct cs_rd rd;
	char *back;
	int rc = 0;

	if (tn > MAX_EVLEN)
		return 0;
	out = cs_xmalloc(2 * tn + 64);
	n = delta_fast(out, ref, rn, t, tn);
	if (n > 0) {
		if (n >= tn + 4)
			rc = -1; /* no gain: should have been refused */
		cs_rd_init(&rd, out, n);
		back = delta_decode(&rd, ref, rn);
		if (back == NULL || cs_rd_left(&rd) != 0 ||
		    memcmp(back, t, tn) != 0)
			rc = -1;
		free(back);
	}
	free(out);
	return rc;
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
