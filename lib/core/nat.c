/*
 * nat - the NAT fold: pair each create with its delete into one interval,
 * write changed intervals at each checkpoint, and answer who-queries.
 *
 * Open intervals stay in memory (an open-addressing table keyed by a hash
 * of the record's identity) so that their delete, when it comes, closes
 * them without a read; they are also written at every checkpoint, open, so
 * that a crash or a later run loses nothing: a delete whose create is not
 * in memory looks the open interval up in the store (natstore.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "util/xmalloc.h"

#define MAX_OPEN (1u << 20) /* open intervals kept in memory */

struct mrec {
	struct cs_nat_rec r;
	uint64_t h;   /* identity hash */
	int open;     /* in the table */
	int dirty;    /* to be written at the next commit */
	uint64_t seq; /* creation order, for eviction */
};

struct natst {
	struct cs_natdb *db; /* owned */
	struct mrec **slot;  /* owned table; entries owned */
	size_t cap, count;
	struct mrec **dirty; /* owned array; entries borrowed/owned */
	size_t ndirty, capdirty;
	uint64_t seq;
	size_t next_evict; /* count at which to try evicting again */
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

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
ident_hash(const struct cs_nat_rec *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int v[8] = {r->kind, r->proto, r->src, r->inside_port, r->port_lo,
	    r->port_hi, r->dst_port, 0};

	h = fnv(h, v, sizeof(v));
	h = fnv(h, &r->inside, sizeof(r->inside));
	h = fnv(h, &r->pub, sizeof(r->pub));
	h = fnv(h, &r->dst, sizeof(r->dst));
	if (r->link)
		h = fnv(h, r->link, strlen(r->link));
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

static char *
span_dup(struct cs_span s, size_t max)
{
	size_t n = s.len < max ? s.len : max;
	char *p = cs_xmalloc(n + 1);

	if (n)
		memcpy(p, s.p, n);
	p[n] = '\0';
	return p;
}

static void
ev_add(struct cs_nat_rec *r, cs_time t, struct cs_span raw)
{
	int i;

	for (i = 0; i < CS_NAT_MAXEV; i++)
		if (r->ev[i].t != CS_TIME_NONE && r->ev[i].raw &&
		    strlen(r->ev[i].raw) == raw.len &&
		    memcmp(r->ev[i].raw, raw.p, raw.len) == 0)
			return; /* the same record read again */
	for (i = 0; i < CS_NAT_MAXEV; i++)
		if (r->ev[i].t == CS_TIME_NONE) {
			r->ev[i].t = t;
			r->ev[i].raw = span_dup(raw, 16384);
			return;
		}
	/* full: the latest record replaces the last slot */
	free(r->ev[CS_NAT_MAXEV - 1].raw);
	r->ev[CS_NAT_MAXEV - 1].t = t;
	r->ev[CS_NAT_MAXEV - 1].raw = span_dup(raw, 16384);
}

static void
rec_from(struct cs_nat_rec *r, const struct cs_obs *o)
{
	const struct cs_nat *x = o->nat;
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
	r->link = span_dup(x->link, 255);
	r->start = CS_TIME_NONE;
	r->end = CS_TIME_NONE;
	r->end_known = CS_END_OPEN;
}

/* close_with - apply a delete observation to an open interval */
static void
close_with(struct cs_nat_rec *r, const struct cs_obs *o)
{
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
	ev_add(r, o->time, o->raw);
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
			cs_nat_rec_clear(&m->r);
			free(m);
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

enum cs_err
cs_nat_fold(struct cs_store *s, const struct cs_obs *o, struct cs_errbuf *eb)
{
	struct natst *st = state(s);
	const struct cs_nat *x = o->nat;
	struct cs_nat_rec key;
	struct mrec *m;
	size_t i;
	uint64_t h;

	if (!valid(o))
		return CS_EINVAL;
	rec_from(&key, o);
	h = ident_hash(&key);
	i = find(st, &key, h);
	m = st->slot[i];
	if (x->event == CS_NAT_CREATE) {
		cs_time start = x->start != CS_TIME_NONE ? x->start : o->time;
		if (m) {
			/* a refresh (interim record) or the same record again
			 */
			cs_nat_rec_clear(&key);
			if (start < m->r.start) {
				/* the row is named by its start: rename */
				m->r.start = start;
			}
			ev_add(&m->r, o->time, o->raw);
			mark_dirty(st, m);
			return CS_OK;
		}
		m = cs_xcalloc(1, sizeof(*m));
		m->r = key;
		m->r.start = start;
		if (x->end != CS_TIME_NONE) {
			m->r.end = x->end;
			m->r.end_known = CS_END_OBSERVED;
		}
		ev_add(&m->r, o->time, o->raw);
		m->h = h;
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
		cs_nat_rec_clear(&key);
		close_with(&m->r, o);
		mark_dirty(st, m);
		return CS_OK;
	}
	m = cs_xcalloc(1, sizeof(*m));
	m->h = h;
	if (cs_natdb_find_open(st->db, &key, o->time, &m->r, eb) == CS_OK) {
		cs_nat_rec_clear(&key);
	} else {
		m->r = key;
		if (x->start != CS_TIME_NONE)
			m->r.start = x->start;
		else if (x->lifetime >= 0)
			m->r.start = o->time - x->lifetime;
		else
			m->r.start = o->time;
	}
	close_with(&m->r, o);
	mark_dirty(st, m);
	return CS_OK;
}

enum cs_err
cs_nat_commit(struct cs_store *s, struct cs_errbuf *eb)
{
	struct natst *st = *cs_store_nat_slot(s);
	enum cs_err e = CS_OK;
	size_t i;

	if (st == NULL)
		return CS_OK;
	for (i = 0; i < st->ndirty; i++) {
		struct mrec *m = st->dirty[i];
		if (e == CS_OK)
			e = cs_natdb_put(st->db, &m->r, eb);
		m->dirty = 0;
		if (!m->open) {
			cs_nat_rec_clear(&m->r);
			free(m);
		}
	}
	st->ndirty = 0;
	if (e != CS_OK)
		return e;
	return cs_natdb_commit(st->db, eb);
}

void
cs_nat_close(struct cs_store *s)
{
	void **slot = cs_store_nat_slot(s);
	struct natst *st = *slot;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->ndirty; i++)
		if (!st->dirty[i]->open) {
			cs_nat_rec_clear(&st->dirty[i]->r);
			free(st->dirty[i]);
		}
	for (i = 0; i < st->cap; i++)
		if (st->slot[i]) {
			cs_nat_rec_clear(&st->slot[i]->r);
			free(st->slot[i]);
		}
	free(st->slot);
	free(st->dirty);
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
