/*
 * nat - the NAT fold: pair each create with its delete into one interval,
 * write changed intervals at each checkpoint, and answer who-queries.
 *
 * Open intervals stay in memory (an open-addressing table keyed by a hash
 * of the record's identity) so that their delete, when it comes, closes
 * them without a read; they are also written at every checkpoint, open, so
 * that a crash or a later run loses nothing: a delete whose create is not
 * in memory looks the open interval up in the store (natstore.c).  Every
 * 64k changed intervals they are written without waiting for the
 * checkpoint (memory stays bounded; what is read again after a crash is
 * written again under the same uids).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/nat.h"
#include "util/xmalloc.h"

#define MAX_OPEN (1u << 20)      /* open intervals kept in memory */
#define SPILL_RECS (1u << 16)    /* changed intervals written early past */
#define SPILL_BYTES (256u << 20) /* ... or past this much evidence */
#define ARENA_BLOCK (4u << 20)
#define POOL_SLAB 8192 /* records: about 2 MB */

/*
 * The strings of the records in memory (links, evidence) live in an arena
 * of large blocks; after each commit the open records' strings are copied
 * to a fresh arena and the old one is freed whole.  Records come from a
 * pool.  So folding a record allocates nothing in the steady state.
 */
struct arena {
	char **blk; /* owned; each ARENA_BLOCK bytes */
	size_t nblk, capblk;
	size_t used, room; /* in the last block */
	size_t total;
	char **spare; /* owned: blocks of an earlier arena, for reuse */
	size_t nspare;
};

#define MAX_SPARE 64

struct mrec {
	struct cs_nat_rec r; /* link and ev[].raw point into the arena */
	size_t evlen[CS_NAT_MAXEV];
	size_t linklen;
	char linkbuf[24]; /* the link when short (conntrack ids are) */
	int known;        /* its newest stored version was written by us */
	uint64_t h;       /* identity hash */
	int open;         /* in the table */
	int dirty;        /* to be written at the next commit */
	uint64_t seq;     /* creation order, for eviction */
	struct mrec *next_free;
};

struct natst {
	struct cs_natdb *db; /* owned */
	struct mrec **slot;  /* owned table; entries from the pool */
	size_t cap, count;
	struct mrec **dirty; /* owned array */
	size_t ndirty, capdirty;
	uint64_t seq;
	size_t next_evict; /* count at which to try evicting again */
	struct arena ar;
	struct mrec **slabs; /* owned pool slabs */
	size_t nslabs, capslabs;
	struct mrec *free_list;
	struct cs_nat_out *out; /* owned: commit scratch */
	size_t capout;
};

const char *
cs_nat_kind_name(enum cs_nat_kind k)
{
	switch (k) {
	case CS_NAT_SESSION:
		return "session";
	case CS_NAT_BLOCK:
		return "port_block";
	case CS_NAT_BINDING:
		return "binding";
	case CS_NAT_DETERMINISTIC:
		return "deterministic";
	}
	return "unknown";
}

static struct natst *
state(struct cs_store *s)
{
	void **slot = cs_store_nat_slot(s);
	struct natst *st = *slot;

	if (st == NULL) {
		st = cs_xcalloc(1, sizeof(*st));
		st->db = cs_natdb_new(s);
		st->cap = 1024;
		st->slot = cs_xcalloc(st->cap, sizeof(*st->slot));
		*slot = st;
	}
	return st;
}

/* ---- arena and pool ---- */

/*
 * big_alloc - n bytes (a multiple of 2 MB) on huge pages where the system
 * gives them: records are read back in sorted order, at random, and 4 KB
 * pages would cost a TLB miss each
 */
static void *
big_alloc(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 2u << 20, n) != 0 || p == NULL)
		return cs_xmalloc(n);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

static char *
arena_dup(struct arena *a, const char *p, size_t n)
{
	char *d;

	if (a->room - a->used < n + 1) {
		/* n is at most 16384 (evidence) or 255 (link) */
		if (a->nblk == a->capblk) {
			a->capblk = a->capblk ? a->capblk * 2 : 16;
			a->blk = cs_xreallocarray(
			    a->blk, a->capblk, sizeof(*a->blk));
		}
		a->blk[a->nblk++] =
		    a->nspare ? a->spare[--a->nspare] : big_alloc(ARENA_BLOCK);
		a->used = 0;
		a->room = ARENA_BLOCK;
		a->total += ARENA_BLOCK;
	}
	d = a->blk[a->nblk - 1] + a->used;
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

static void
arena_free(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->nblk; i++)
		free(a->blk[i]);
	for (i = 0; i < a->nspare; i++)
		free(a->spare[i]);
	free(a->blk);
	free(a->spare);
	memset(a, 0, sizeof(*a));
}

static struct mrec *
mrec_new(struct natst *st)
{
	struct mrec *m;
	size_t i;

	if (st->free_list == NULL) {
		struct mrec *slab = big_alloc(POOL_SLAB * sizeof(*slab));
		if (st->nslabs == st->capslabs) {
			st->capslabs = st->capslabs ? st->capslabs * 2 : 16;
			st->slabs = cs_xreallocarray(
			    st->slabs, st->capslabs, sizeof(*st->slabs));
		}
		st->slabs[st->nslabs++] = slab;
		for (i = POOL_SLAB; i-- > 0;) {
			slab[i].next_free = st->free_list;
			st->free_list = &slab[i];
		}
	}
	m = st->free_list;
	st->free_list = m->next_free;
	memset(m, 0, sizeof(*m));
	return m;
}

static void
mrec_put(struct natst *st, struct mrec *m)
{
	m->next_free = st->free_list;
	st->free_list = m;
}

/* ---- the table of open intervals ---- */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

static uint64_t
mix_addr(uint64_t h, const struct cs_addr *a)
{
	uint64_t x, y;

	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	h = mix(h, (uint64_t)a->family | (uint64_t)a->plen << 8);
	return mix(mix(h, x), y);
}

/* ident_hash - of what cs_nat_same compares (in memory only) */
static uint64_t
ident_hash(const struct cs_nat_rec *r, size_t linklen)
{
	uint64_t h = 0xcbf29ce484222325ULL, v;
	size_t i;

	h = mix(h,
	    (uint64_t)r->kind | (uint64_t)r->proto << 8 |
		(uint64_t)r->src << 16 |
		(uint64_t)(uint32_t)r->inside_port << 32);
	h = mix(h,
	    (uint64_t)(uint32_t)r->port_lo |
		(uint64_t)(uint32_t)r->port_hi << 32);
	h = mix(h, (uint64_t)(uint32_t)r->dst_port);
	h = mix_addr(h, &r->inside);
	h = mix_addr(h, &r->pub);
	h = mix_addr(h, &r->dst);
	for (i = 0; r->link && i + 8 <= linklen; i += 8) {
		memcpy(&v, r->link + i, 8);
		h = mix(h, v);
	}
	for (v = 0; r->link && i < linklen; i++)
		v = v << 8 | (uint8_t)r->link[i];
	h = mix(h, v ^ linklen);
	return h ? h : 1;
}

/* find - slot of the open record with r's identity, or its empty slot */
static size_t
find(struct natst *st, const struct cs_nat_rec *r, uint64_t h)
{
	size_t i = (size_t)h & (st->cap - 1);

	while (st->slot[i]) {
		if (st->slot[i]->h == h && cs_nat_same(&st->slot[i]->r, r))
			return i;
		i = (i + 1) & (st->cap - 1);
	}
	return i;
}

static void
table_insert(struct natst *st, struct mrec *m)
{
	size_t i = (size_t)m->h & (st->cap - 1);

	while (st->slot[i])
		i = (i + 1) & (st->cap - 1);
	st->slot[i] = m;
}

static void
grow(struct natst *st)
{
	struct mrec **old = st->slot;
	size_t oldcap = st->cap, i;

	st->cap *= 2;
	st->slot = cs_xcalloc(st->cap, sizeof(*st->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i])
			table_insert(st, old[i]);
	free(old);
}

/* table_remove - backward-shift deletion keeps probe chains intact */
static void
table_remove(struct natst *st, size_t i)
{
	size_t j = i, k;

	st->slot[i] = NULL;
	st->count--;
	for (;;) {
		j = (j + 1) & (st->cap - 1);
		if (st->slot[j] == NULL)
			return;
		k = (size_t)st->slot[j]->h & (st->cap - 1);
		/* can slot j's entry move to i? (k not cyclically in (i, j]) */
		if ((i <= j) ? (k <= i || k > j) : (k <= i && k > j)) {
			st->slot[i] = st->slot[j];
			st->slot[j] = NULL;
			i = j;
		}
	}
}

static void
mark_dirty(struct natst *st, struct mrec *m)
{
	if (m->dirty)
		return;
	m->dirty = 1;
	if (st->ndirty == st->capdirty) {
		st->capdirty = st->capdirty ? st->capdirty * 2 : 1024;
		st->dirty = cs_xreallocarray(
		    st->dirty, st->capdirty, sizeof(*st->dirty));
	}
	st->dirty[st->ndirty++] = m;
}

static void
ev_add(struct natst *st, struct mrec *m, cs_time t, struct cs_span raw)
{
	struct cs_nat_rec *r = &m->r;
	size_t n = raw.len < 16384 ? raw.len : 16384;
	int i;

	for (i = 0; i < CS_NAT_MAXEV; i++)
		if (r->ev[i].t != CS_TIME_NONE && r->ev[i].raw &&
		    m->evlen[i] == n && memcmp(r->ev[i].raw, raw.p, n) == 0)
			return; /* the same record read again */
	for (i = 0; i < CS_NAT_MAXEV; i++)
		if (r->ev[i].t == CS_TIME_NONE)
			break;
	if (i == CS_NAT_MAXEV)
		i = CS_NAT_MAXEV - 1; /* full: the latest replaces the last */
	r->ev[i].t = t;
	r->ev[i].raw = arena_dup(&st->ar, raw.p, n);
	m->evlen[i] = n;
}

/* key_from - the record an observation names (link borrowed from buf) */
static void
key_from(
    struct cs_nat_rec *r, size_t *linklen, const struct cs_obs *o, char *buf)
{
	const struct cs_nat *x = o->nat;
	size_t n = x->link.len < 255 ? x->link.len : 255;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < CS_NAT_MAXEV; i++)
		r->ev[i].t = CS_TIME_NONE;
	r->kind = x->kind;
	r->src = o->src;
	r->proto = x->proto;
	r->inside = x->inside;
	r->inside_port = x->inside_port;
	r->pub = x->pub;
	r->port_lo = x->port_lo;
	r->port_hi = x->port_hi;
	r->port_step = x->port_step > 0 ? x->port_step : 1;
	r->dst = x->dst;
	r->dst_port = x->dst_port;
	if (n)
		memcpy(buf, x->link.p, n);
	buf[n] = '\0';
	r->link = buf;
	*linklen = n;
	r->start = CS_TIME_NONE;
	r->end = CS_TIME_NONE;
	r->end_known = CS_END_OPEN;
}

/* link_dup - a record's link: in the record when short, else the arena */
static char *
link_dup(struct natst *st, struct mrec *m, const char *p, size_t n)
{
	if (n < sizeof(m->linkbuf)) {
		memcpy(m->linkbuf, p, n);
		m->linkbuf[n] = '\0';
		return m->linkbuf;
	}
	return arena_dup(&st->ar, p, n);
}

/* adopt - a new pooled record from key (its strings into the arena) */
static struct mrec *
adopt(
    struct natst *st, const struct cs_nat_rec *key, size_t linklen, uint64_t h)
{
	struct mrec *m = mrec_new(st);

	m->r = *key;
	m->r.link = link_dup(st, m, key->link, linklen);
	m->linklen = linklen;
	m->h = h;
	return m;
}

/* adopt_owned - the same for a record read from the store (freed here) */
static struct mrec *
adopt_owned(struct natst *st, struct cs_nat_rec *r, uint64_t h)
{
	struct mrec *m = mrec_new(st);
	int i;

	m->r = *r;
	m->linklen = r->link ? strlen(r->link) : 0;
	m->r.link = link_dup(st, m, r->link ? r->link : "", m->linklen);
	for (i = 0; i < CS_NAT_MAXEV; i++) {
		if (r->ev[i].raw == NULL) {
			m->r.ev[i].t = CS_TIME_NONE;
			continue;
		}
		m->evlen[i] = strlen(r->ev[i].raw);
		m->r.ev[i].raw = arena_dup(&st->ar, r->ev[i].raw, m->evlen[i]);
	}
	m->h = h;
	cs_nat_rec_clear(r);
	return m;
}

/* close_with - apply a delete observation to an open interval */
static void
close_with(struct natst *st, struct mrec *m, const struct cs_obs *o)
{
	struct cs_nat_rec *r = &m->r;
	const struct cs_nat *x = o->nat;
	cs_time end;

	if (x->end != CS_TIME_NONE)
		end = x->end;
	else if (x->lifetime >= 0 && r->start != CS_TIME_NONE)
		end = r->start + x->lifetime;
	else
		end = o->time;
	if (end < r->start)
		end = r->start;
	if (r->end_known == CS_END_OPEN || end < r->end)
		r->end = end;
	r->end_known = CS_END_OBSERVED;
	ev_add(st, m, o->time, o->raw);
}

/* has_ev - does the record hold this very line already? */
static int
has_ev(const struct cs_nat_rec *r, struct cs_span raw)
{
	int i;

	for (i = 0; i < CS_NAT_MAXEV; i++)
		if (r->ev[i].t != CS_TIME_NONE && r->ev[i].raw &&
		    strlen(r->ev[i].raw) == raw.len &&
		    memcmp(r->ev[i].raw, raw.p, raw.len) == 0)
			return 1;
	return 0;
}

/*
 * evict_old - the table is full: forget the older half of the open
 * intervals already written (their delete, if it comes, finds them in the
 * store).  One scan per MAX_OPEN / 2 creates, so amortised O(1).
 */
static void
evict_old(struct natst *st)
{
	uint64_t below = st->seq - MAX_OPEN / 2;
	size_t i = 0;

	while (i < st->cap) {
		struct mrec *m = st->slot[i];
		if (m && !m->dirty && m->seq < below) {
			table_remove(st, i);
			mrec_put(st, m);
			continue; /* slot i may hold a shifted entry now */
		}
		i++;
	}
}

static int
valid(const struct cs_obs *o)
{
	const struct cs_nat *x = o->nat;

	if (x == NULL || o->time == CS_TIME_NONE || x->pub.family == 0)
		return 0;
	if (x->kind < CS_NAT_SESSION || x->kind > CS_NAT_BINDING)
		return 0;
	if (x->port_lo < 0 || x->port_hi > 65535 || x->port_lo > x->port_hi)
		return 0;
	return x->event == CS_NAT_CREATE || x->event == CS_NAT_DELETE;
}

static enum cs_err commit(struct natst *st, struct cs_errbuf *eb);

static enum cs_err
fold(struct natst *st, const struct cs_obs *o, struct cs_errbuf *eb)
{
	const struct cs_nat *x = o->nat;
	struct cs_nat_rec key, got;
	struct mrec *m;
	char linkbuf[256];
	size_t i, linklen;
	uint64_t h;

	key_from(&key, &linklen, o, linkbuf);
	h = ident_hash(&key, linklen);
	i = find(st, &key, h);
	m = st->slot[i];
	if (x->event == CS_NAT_CREATE) {
		cs_time start = x->start != CS_TIME_NONE ? x->start : o->time;
		if (m) {
			/* a refresh (interim record) or the same record again
			 */
			if (start < m->r.start) {
				/* the row is named by its start: rename */
				m->r.start = start;
			}
			ev_add(st, m, o->time, o->raw);
			mark_dirty(st, m);
			return CS_OK;
		}
		m = adopt(st, &key, linklen, h);
		m->r.start = start;
		if (x->end != CS_TIME_NONE) {
			m->r.end = x->end;
			m->r.end_known = CS_END_OBSERVED;
		}
		ev_add(st, m, o->time, o->raw);
		m->seq = st->seq++;
		mark_dirty(st, m);
		if (m->r.end_known == CS_END_OPEN) {
			if (st->count >= MAX_OPEN &&
			    st->count >= st->next_evict) {
				evict_old(st);
				/* when nothing could go (all unwritten), wait
				 */
				st->next_evict = st->count + MAX_OPEN / 4;
			}
			if ((st->count + 1) * 2 > st->cap)
				grow(st);
			table_insert(st, m);
			m->open = 1;
			st->count++;
		}
		return CS_OK;
	}
	/* delete */
	if (m) {
		table_remove(st, i);
		m->open = 0;
		close_with(st, m, o);
		mark_dirty(st, m);
		return CS_OK;
	}
	/*
	 * not in memory: the open interval in the store, or the interval
	 * this very delete closed before a crash (written, input offset not
	 * yet committed)
	 */
	if (cs_natdb_find_open(st->db, &key, o->time, &got, eb) == CS_OK) {
		if (got.end_known == CS_END_OPEN || has_ev(&got, o->raw)) {
			int was_open = got.end_known == CS_END_OPEN;
			m = adopt_owned(st, &got, h);
			m->known =
			    was_open; /* the store has it open, no more */
		} else {
			cs_nat_rec_clear(&got);
			m = NULL;
		}
	}
	if (m == NULL) {
		m = adopt(st, &key, linklen, h);
		if (x->start != CS_TIME_NONE)
			m->r.start = x->start;
		else if (x->lifetime >= 0)
			m->r.start = o->time - x->lifetime;
		else
			m->r.start = o->time;
	}
	close_with(st, m, o);
	mark_dirty(st, m);
	return CS_OK;
}

enum cs_err
cs_nat_fold(struct cs_store *s, const struct cs_obs *o, struct cs_errbuf *eb)
{
	struct natst *st = state(s);
	enum cs_err e;

	if (!valid(o))
		return CS_EINVAL;
	if ((e = fold(st, o, eb)) != CS_OK)
		return e;
	/*
	 * too much in memory: write it now.  Writing before the input offset
	 * is committed is safe: what is read again is written again under
	 * the same uids (the newest version wins).
	 */
	if (st->ndirty >= SPILL_RECS || st->ar.total >= SPILL_BYTES)
		return commit(st, eb);
	return CS_OK;
}

/* compact - the open records' strings into a fresh arena; the old freed */
static void
compact(struct natst *st)
{
	struct arena old = st->ar;
	size_t i;
	int k;

	memset(&st->ar, 0, sizeof(st->ar));
	/* the spare blocks go on serving; the old ones become spare */
	st->ar.spare = cs_xreallocarray(NULL, MAX_SPARE, sizeof(char *));
	for (i = 0; i < old.nspare; i++)
		st->ar.spare[st->ar.nspare++] = old.spare[i];
	old.nspare = 0;
	for (i = 0; i < st->cap; i++) {
		struct mrec *m = st->slot[i];
		if (m == NULL)
			continue;
		if (m->r.link != m->linkbuf)
			m->r.link = arena_dup(&st->ar, m->r.link, m->linklen);
		for (k = 0; k < CS_NAT_MAXEV; k++)
			if (m->r.ev[k].raw)
				m->r.ev[k].raw = arena_dup(
				    &st->ar, m->r.ev[k].raw, m->evlen[k]);
	}
	for (i = 0; i < old.nblk; i++) {
		if (st->ar.nspare < MAX_SPARE) {
			st->ar.spare[st->ar.nspare++] = old.blk[i];
			old.blk[i] = NULL;
		}
	}
	arena_free(&old);
}

static enum cs_err
commit(struct natst *st, struct cs_errbuf *eb)
{
	enum cs_err e = CS_OK;
	size_t i, n = 0;
	int k;

	if (st->capout < st->ndirty) {
		st->capout = st->ndirty;
		st->out =
		    cs_xreallocarray(st->out, st->capout, sizeof(*st->out));
	}
	for (i = 0; i < st->ndirty; i++) {
		struct mrec *m = st->dirty[i];
		if (m->r.kind != CS_NAT_SESSION) {
			if (e == CS_OK)
				e = cs_natdb_put(st->db, &m->r, eb);
			continue;
		}
		st->out[n].r = &m->r;
		st->out[n].known = m->known;
		st->out[n].linklen = m->linklen;
		for (k = 0; k < CS_NAT_MAXEV; k++)
			st->out[n].evlen[k] = m->evlen[k];
		n++;
	}
	if (e == CS_OK)
		e = cs_natdb_put_sessions(st->db, st->out, n, eb);
	/* what was written is the newest stored version: no lookup later */
	for (i = 0; i < n; i++)
		if (st->out[i].written)
			((struct mrec *)(void *)((char *)(uintptr_t)st->out[i]
						     .r -
			     offsetof(struct mrec, r)))
			    ->known = 1;
	for (i = 0; i < st->ndirty; i++) {
		struct mrec *m = st->dirty[i];
		m->dirty = 0;
		if (!m->open)
			mrec_put(st, m);
	}
	st->ndirty = 0;
	compact(st);
	if (e != CS_OK)
		return e;
	return cs_natdb_commit(st->db, eb);
}

enum cs_err
cs_nat_commit(struct cs_store *s, struct cs_errbuf *eb)
{
	struct natst *st = *cs_store_nat_slot(s);

	if (st == NULL)
		return CS_OK;
	return commit(st, eb);
}

enum cs_err
cs_nat_merge_day(struct cs_store *s, int64_t day, struct cs_errbuf *eb)
{
	return cs_natdb_merge(state(s)->db, day, eb);
}

size_t
cs_nat_runs(struct cs_store *s, int64_t day)
{
	return cs_natdb_runs(state(s)->db, day);
}

void
cs_nat_close(struct cs_store *s)
{
	void **slot = cs_store_nat_slot(s);
	struct natst *st = *slot;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nslabs; i++)
		free(st->slabs[i]);
	free(st->slabs);
	arena_free(&st->ar);
	free(st->slot);
	free(st->dirty);
	free(st->out);
	cs_natdb_free(st->db);
	free(st);
	*slot = NULL;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct cs_nat_rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/*
 * cs_nat_who - records from the day files and the mappings; an open
 * session is cut at the start of the next session on the same public
 * port and protocol (the port changed hands: end inferred), and dropped
 * when that was before the window.
 */
enum cs_err
cs_nat_who(struct cs_store *s, const struct cs_addr *pub, int port, int proto,
    cs_time t, int64_t skew, struct cs_nat_rec **out, size_t *n, int *any,
    struct cs_errbuf *eb)
{
	struct natst *st = state(s);
	struct cs_nat_rec *v = NULL;
	size_t nv = 0, i, k;
	int specific = 0;
	cs_time lo = t - skew * CS_US, hi = t + skew * CS_US;
	enum cs_err e;

	*any = 0;
	e = cs_natdb_query(st->db, pub, port, proto, lo, hi, &v, &nv, any, eb);
	if (e == CS_OK)
		e = cs_nat_map_who(s, pub, port, t, &v, &nv, any, eb);
	if (e != CS_OK) {
		cs_nat_recs_free(v, nv);
		return e;
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_rec);
	for (i = 0; i < nv; i++) {
		cs_time next;
		if (v[i].kind != CS_NAT_SESSION ||
		    v[i].end_known == CS_END_OBSERVED)
			continue;
		if (cs_natdb_next_start(st->db, &v[i], &next, eb) != CS_OK ||
		    next == CS_TIME_NONE)
			continue;
		if (v[i].end_known == CS_END_OPEN || next < v[i].end) {
			v[i].end = next;
			v[i].end_known = CS_END_INFERRED;
		}
	}
	/*
	 * An address binding (natEvent 14) says which public address an
	 * inside address uses, not that it owns every port: it answers only
	 * when no session or port block names the port.
	 */
	for (i = 0; i < nv; i++)
		if (v[i].kind != CS_NAT_BINDING &&
		    !(v[i].end_known != CS_END_OPEN && v[i].end < lo))
			specific = 1;
	for (i = k = 0; i < nv; i++) {
		if ((v[i].end_known != CS_END_OPEN && v[i].end < lo) ||
		    (specific && port >= 0 && v[i].kind == CS_NAT_BINDING))
			cs_nat_rec_clear(&v[i]);
		else
			v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return CS_OK;
}
