/* fold - observations to bindings: the in-memory map and merge driver */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fold.h"
#include "core/nat.h"
#include "util/xmalloc.h"

/*
 * Bindings kept in memory between checkpoints: the map is emptied at the
 * checkpoint that finds more.  The same bound makes ingest checkpoint
 * (CS_FOLD_FLUSH): with a larger one here, every read between the two
 * made a checkpoint of the whole map.
 */
#define MAP_LIMIT CS_FOLD_FLUSH
#define BLOOM_BITS (1u << 27) /* 16 MiB: 1 % false hits at 11M keys */
#define NCAND 64

/* a slot of the map: the binding and its key's hash, side by side so
   that a probe reads one cache line */
struct slot {
	uint64_t h;
	struct cs_binding *b; /* NULL: empty */
};

struct cs_fold {
	struct cs_store *s; /* borrowed */
	struct slot *slot;  /* owned; open addressing by key */
	size_t cap, count;
	struct cs_reset *resets; /* owned */
	size_t nresets;
	int resets_loaded;
	struct cs_fold_stats st;
	struct cs_buf json;
	/*
	 * The keys of the bindings dropped from memory (a Bloom filter,
	 * made at the first drop): only for those, and for days that
	 * existed before this run, is the store asked for a key not in
	 * memory.  Without it every new binding after the first drop cost
	 * a store lookup per day.
	 */
	uint8_t *bloom;
};

static uint64_t
hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 1099511628211ULL;
	}
	/* FNV's low bits mix poorly: finish with murmur3's fmix64 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

struct cs_fold *
cs_fold_new(struct cs_store *s)
{
	struct cs_fold *f = cs_xcalloc(1, sizeof(*f));

	f->s = s;
	f->cap = 1024;
	f->slot = cs_xcalloc(f->cap, sizeof(*f->slot));
	cs_buf_init(&f->json, NULL, 0, 16 * 1024 * 1024);
	return f;
}

static void
map_clear(struct cs_fold *f)
{
	size_t i;

	for (i = 0; i < f->cap; i++) {
		cs_binding_free(f->slot[i].b);
		f->slot[i].b = NULL;
	}
	f->count = 0;
}

void
cs_fold_free(struct cs_fold *f)
{
	size_t i;

	if (f == NULL)
		return;
	map_clear(f);
	free(f->slot);
	free(f->bloom);
	for (i = 0; i < f->nresets; i++) {
		free(f->resets[i].nas_key);
		free(f->resets[i].raw);
	}
	free(f->resets);
	cs_buf_release(&f->json);
	free(f);
}

/*
 * map_find_h - the slot of key, or the empty slot where it goes; *hp gets
 * the key's hash, to be stored with a new entry
 */
static size_t
map_find_h(const struct cs_fold *f, struct cs_span key, uint64_t *hp)
{
	uint64_t h = hash(key.p, key.len);
	size_t i = h & (f->cap - 1);

	while (f->slot[i].b) {
		const struct cs_binding *b = f->slot[i].b;
		if (f->slot[i].h == h) {
			/* the key lies after the binding (cs_binding_new):
			   fetch its line while the binding's own is read */
			__builtin_prefetch(b + 1);
			if (b->keylen == key.len &&
			    memcmp(b->key, key.p, key.len) == 0)
				break;
		}
		i = (i + 1) & (f->cap - 1);
	}
	*hp = h;
	return i;
}

/* map_set - put b into slot i found by map_find_h with hash h */
static void
map_set(struct cs_fold *f, size_t i, uint64_t h, struct cs_binding *b)
{
	f->slot[i].h = h;
	f->slot[i].b = b;
}

static void
map_grow(struct cs_fold *f)
{
	struct slot *old = f->slot;
	size_t oldcap = f->cap, i, j;

	f->cap *= 2;
	f->slot = cs_xcalloc(f->cap, sizeof(*f->slot));
	for (i = 0; i < oldcap; i++) {
		if (old[i].b == NULL)
			continue;
		/* keys are unique: the first empty slot after the home one */
		j = old[i].h & (f->cap - 1);
		while (f->slot[j].b)
			j = (j + 1) & (f->cap - 1);
		f->slot[j] = old[i];
	}
	free(old);
}

/* the three bit positions of a key hash (from disjoint bits of it) */
static void
bloom_pos(uint64_t h, uint32_t pos[3])
{
	pos[0] = (uint32_t)h & (BLOOM_BITS - 1);
	pos[1] = (uint32_t)(h >> 27) & (BLOOM_BITS - 1);
	pos[2] = (uint32_t)(h >> 37 ^ h << 5) & (BLOOM_BITS - 1);
}

static void
bloom_add(struct cs_fold *f, uint64_t h)
{
	uint32_t pos[3];
	int i;

	if (f->bloom == NULL)
		f->bloom = cs_xcalloc(BLOOM_BITS / 8, 1);
	bloom_pos(h, pos);
	for (i = 0; i < 3; i++)
		f->bloom[pos[i] >> 3] |= (uint8_t)(1u << (pos[i] & 7));
}

/* bloom_has - 0 when the key was certainly never dropped from memory */
static int
bloom_has(const struct cs_fold *f, uint64_t h)
{
	uint32_t pos[3];
	int i;

	if (f->bloom == NULL)
		return 0;
	bloom_pos(h, pos);
	for (i = 0; i < 3; i++)
		if (!(f->bloom[pos[i] >> 3] & (1u << (pos[i] & 7))))
			return 0;
	return 1;
}

static void
load_resets(struct cs_fold *f)
{
	if (f->resets_loaded)
		return;
	cs_store_resets(f->s, &f->resets, &f->nresets);
	f->resets_loaded = 1;
}

static void
apply_resets(struct cs_fold *f, struct cs_binding *b)
{
	size_t i;
	const char *nk = b->f[CS_F_NAS_KEY];

	if (b->src != CS_SRC_RADIUS || nk == NULL)
		return;
	load_resets(f);
	for (i = 0; i < f->nresets; i++)
		if (strcmp(f->resets[i].nas_key, nk) == 0)
			cs_binding_reset(b, f->resets[i].t, f->resets[i].raw,
			    strlen(f->resets[i].raw));
}

static enum cs_err
write_binding(struct cs_fold *f, struct cs_binding *b, struct cs_errbuf *eb)
{
	int first;
	enum cs_err e;

	apply_resets(f, b);
	if (!b->dirty)
		return CS_OK;
	first = b->w_d0 > b->w_d1;
	if ((e = cs_store_put_binding(f->s, b, eb)) != CS_OK)
		return e;
	if (first && b->created)
		f->st.added++;
	else
		f->st.updated++;
	return CS_OK;
}

/*
 * better - of two bindings that both accept o, the one o's start falls in:
 * the latest that began by then, else the earliest.
 */
static int
better(const struct cs_binding *x, const struct cs_binding *best,
    const struct cs_obs *o)
{
	cs_time lo = o->start != CS_TIME_NONE ? o->start : o->time;

	if (best == NULL)
		return 1;
	if (x->start <= lo && best->start <= lo)
		return x->start > best->start;
	if (x->start <= lo)
		return 1;
	if (best->start <= lo)
		return 0;
	return x->start < best->start;
}

/*
 * load - the stored binding of key that o belongs to, or NULL.  h is the
 * key's hash: a day made in this run can only hold the key if it was
 * dropped from memory.
 */
static struct cs_binding *
load(struct cs_fold *f, const struct cs_obs *o, const struct cs_binding * not,
    uint64_t h)
{
	struct cs_binding *cand[NCAND], *best = NULL;
	int64_t days[3];
	int nd = 0, i, k, n, dropped = bloom_has(f, h);

	days[nd++] = cs_day_of(o->time);
	days[nd++] = cs_day_of(o->time) - 1;
	if (o->start != CS_TIME_NONE && cs_day_of(o->start) < days[1])
		days[nd++] = cs_day_of(o->start);
	for (i = 0; i < nd; i++) {
		if (!dropped && !cs_store_may_have(f->s, days[i]))
			continue;
		if (cs_store_find_key(f->s, days[i], o->key, cand, NCAND, &n) !=
		    CS_OK)
			continue;
		for (k = 0; k < n; k++) {
			if ((not &&cand[k]->start == not ->start) ||
			    !cs_binding_accepts(cand[k], o) ||
			    !better(cand[k], best, o)) {
				cs_binding_free(cand[k]);
				continue;
			}
			cs_binding_free(best);
			best = cand[k];
		}
	}
	return best;
}

static enum cs_err
fold_smtp(struct cs_fold *f, const struct cs_obs *o, struct cs_errbuf *eb)
{
	enum cs_err e;
	char qbuf[320];
	struct cs_span qid = {qbuf, 0}, q = o->smtp->queue_id;

	cs_buf_reset(&f->json);
	cs_smtp_json(o, &f->json);
	if (cs_buf_error(&f->json) != CS_OK)
		return cs_buf_error(&f->json);
	if (q.len && !cs_span_eq(q, "NOQUEUE") &&
	    q.len + o->nas_key.len + 2 < sizeof(qbuf)) {
		/* "server|queue id" */
		memcpy(qbuf, o->nas_key.p, o->nas_key.len);
		qbuf[o->nas_key.len] = '|';
		memcpy(qbuf + o->nas_key.len + 1, q.p, q.len);
		qid.len = o->nas_key.len + 1 + q.len;
	}
	e = cs_store_put_smtp(f->s, o->time, o->key, qid, o->username,
	    o->naddr ? &o->addr[0] : NULL, f->json.data, o->raw, eb);
	if (e == CS_OK)
		f->st.smtp++;
	return e == CS_ESKIP ? CS_OK : e;
}

static enum cs_err
fold_reset(struct cs_fold *f, const struct cs_obs *o, struct cs_errbuf *eb)
{
	struct cs_binding *cand[NCAND];
	const int64_t *days;
	size_t nd, i, j;
	int n, k, r;
	int64_t day = cs_day_of(o->time);

	if (o->nas_key.len == 0)
		return CS_OK;
	load_resets(f);
	for (i = 0; i < f->nresets; i++)
		if (f->resets[i].t == o->time &&
		    strlen(f->resets[i].nas_key) == o->nas_key.len &&
		    memcmp(f->resets[i].nas_key, o->nas_key.p,
			o->nas_key.len) == 0)
			return CS_OK;
	r = cs_store_put_reset(f->s, o->nas_key, o->time, o->raw, eb);
	if (r < 0)
		return CS_EDB;
	f->resets =
	    cs_xreallocarray(f->resets, f->nresets + 1, sizeof(*f->resets));
	f->resets[f->nresets].nas_key =
	    cs_xstrndup(o->nas_key.p, o->nas_key.len);
	f->resets[f->nresets].raw = cs_xstrndup(o->raw.p, o->raw.len);
	f->resets[f->nresets].t = o->time;
	f->nresets++;
	f->st.resets++;
	/* sessions already in memory */
	for (i = 0; i < f->cap; i++)
		if (f->slot[i].b)
			apply_resets(f, f->slot[i].b);
	/* sessions still open in the store, on this day and before */
	days = cs_store_days(f->s, &nd);
	for (j = nd; j-- > 0;) {
		if (days[j] > day)
			continue;
		if (days[j] < day - 400)
			break;
		if (cs_store_open_of_nas(f->s, days[j], o->nas_key, o->time,
			cand, NCAND, &n) != CS_OK)
			continue;
		for (k = 0; k < n; k++) {
			struct cs_span key = cs_span_cstr(cand[k]->key);
			uint64_t h;
			size_t slot = map_find_h(f, key, &h);
			if (f->slot[slot].b) {
				cs_binding_free(cand[k]);
				continue;
			}
			map_set(f, slot, h, cand[k]);
			f->count++;
			apply_resets(f, cand[k]);
			if (f->count * 2 > f->cap)
				map_grow(f);
		}
	}
	return CS_OK;
}

enum cs_err
cs_fold_obs(struct cs_fold *f, const struct cs_obs *o, struct cs_errbuf *eb)
{
	struct cs_binding *b, *nb;
	size_t slot;
	uint64_t h;
	enum cs_err e;

	if (o->kind == CS_OBS_SMTP)
		return fold_smtp(f, o, eb);
	if (o->kind == CS_OBS_NAT) {
		f->st.nat++;
		return cs_nat_fold(f->s, o, eb);
	}
	if (o->kind == CS_OBS_NAS_RESET)
		return fold_reset(f, o, eb);
	if (o->key.len == 0 || o->time == CS_TIME_NONE)
		return CS_EINVAL;
	slot = map_find_h(f, o->key, &h);
	b = f->slot[slot].b;
	/* an Interim replaces the latest record: fetch it during the merge */
	if (b && b->ev[CS_EV_LAST].raw)
		__builtin_prefetch(b->ev[CS_EV_LAST].raw, 1);
	if (b && cs_binding_accepts(b, o)) {
		cs_binding_merge(b, o);
		return CS_OK;
	}
	nb = load(f, o, b, h);
	if (nb == NULL) {
		if ((o->kind == CS_OBS_CLOSE || o->kind == CS_OBS_RELEASED) &&
		    o->start == CS_TIME_NONE) {
			f->st.unmatched++;
			return CS_OK;
		}
		nb = cs_binding_new(o->key, o->src);
		nb->created = 1;
	}
	if (b) {
		if ((e = write_binding(f, b, eb)) != CS_OK) {
			cs_binding_free(nb);
			return e;
		}
		cs_binding_free(b);
		f->count--;
	}
	map_set(f, slot, h, nb);
	f->count++;
	cs_binding_merge(nb, o);
	if (nb->created)
		nb->dirty = 1;
	if (f->count * 2 > f->cap)
		map_grow(f);
	return CS_OK;
}

enum cs_err
cs_fold_checkpoint(struct cs_fold *f, struct cs_errbuf *eb)
{
	size_t i;
	enum cs_err e;

	for (i = 0; i < f->cap; i++)
		if (f->slot[i].b &&
		    (e = write_binding(f, f->slot[i].b, eb)) != CS_OK)
			return e;
	if ((e = cs_store_commit(f->s, eb)) != CS_OK)
		return e;
	if (f->count >= MAP_LIMIT) {
		for (i = 0; i < f->cap; i++)
			if (f->slot[i].b)
				bloom_add(f, f->slot[i].h);
		map_clear(f);
	}
	return CS_OK;
}

size_t
cs_fold_size(const struct cs_fold *f)
{
	return f->count;
}

const struct cs_fold_stats *
cs_fold_stats(const struct cs_fold *f)
{
	return &f->st;
}

static void
jname(struct cs_buf *b, const char *name)
{
	cs_buf_puts(b, ",\"");
	cs_buf_puts(b, name);
	cs_buf_puts(b, "\":");
}

static void
jstr(struct cs_buf *b, const char *name, struct cs_span v)
{
	jname(b, name);
	if (v.len == 0)
		cs_buf_puts(b, "null");
	else
		cs_buf_json_str(b, v.p, v.len);
}

static void
jtime(struct cs_buf *b, const char *name, cs_time t)
{
	char ts[40];

	jname(b, name);
	if (t == CS_TIME_NONE) {
		cs_buf_puts(b, "null");
		return;
	}
	cs_time_format(t, ts);
	cs_buf_putc(b, '"');
	cs_buf_puts(b, ts);
	cs_buf_putc(b, '"');
}

/* put_u64 - v in decimal */
static void
put_u64(struct cs_buf *b, uint64_t v)
{
	char d[24], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	cs_buf_append(b, p, (size_t)(d + sizeof(d) - p));
}

void
cs_smtp_json(const struct cs_obs *o, struct cs_buf *b)
{
	const struct cs_smtp *m = o->smtp;
	char ip[CS_ADDR_STRLEN];
	struct cs_span raw = o->raw, line;
	int i;

	cs_buf_puts(b, "{\"source\":\"postfix\"");
	jstr(b, "queue_id", m->queue_id);
	jtime(b, "time", m->first != CS_TIME_NONE ? m->first : o->time);
	jtime(b, "last", m->last);
	jstr(b, "service", m->service);
	cs_buf_puts(b, ",\"client\":{\"host\":");
	if (m->client_host.len)
		cs_buf_json_str(b, m->client_host.p, m->client_host.len);
	else
		cs_buf_puts(b, "null");
	if (m->client_ip.family) {
		cs_addr_format(&m->client_ip, ip);
		cs_buf_puts(b, ",\"ip\":\"");
		cs_buf_puts(b, ip);
		cs_buf_puts(b, "\"}");
	} else {
		cs_buf_puts(b, ",\"ip\":null}");
	}
	jstr(b, "sasl_method", m->sasl_method);
	jstr(b, "sasl_username", m->sasl_username);
	jstr(b, "message_id", m->message_id);
	cs_buf_puts(b, ",\"from\":");
	cs_buf_json_str(b, m->from.p ? m->from.p : "", m->from.len);
	cs_buf_puts(b, ",\"size\":");
	put_u64(b, (uint64_t)m->size);
	jstr(b, "helo", m->helo);
	cs_buf_puts(b, ",\"recipients\":[");
	for (i = 0; i < m->nrcpt && i < CS_SMTP_MAXRCPT; i++) {
		const struct cs_smtp_rcpt *r = &m->rcpt[i];
		cs_buf_puts(b, i ? ",{\"to\":" : "{\"to\":");
		cs_buf_json_str(b, r->to.p ? r->to.p : "", r->to.len);
		jstr(b, "orig_to", r->orig_to);
		jstr(b, "relay", r->relay);
		jstr(b, "status", r->status);
		jstr(b, "dsn", r->dsn);
		jtime(b, "time", r->time);
		cs_buf_putc(b, '}');
	}
	cs_buf_puts(b, "],\"evidence\":[");
	i = 0;
	while (raw.len && cs_span_token(&raw, '\n', &line)) {
		if (i++)
			cs_buf_putc(b, ',');
		cs_buf_json_str(b, line.p, line.len);
		if (raw.p == NULL)
			break;
	}
	cs_buf_puts(b, "]}");
}
