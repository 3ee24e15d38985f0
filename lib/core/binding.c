/* binding - interval state, merge rules and serialisation */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "core/binding.h"
#include "core/lz.h"
#include "util/xmalloc.h"

#define GRACE (60 * CS_US) /* clock slack between records of one lease */

struct cs_binding *
cs_binding_new(struct cs_span key, enum cs_src src)
{
	/* the key right after the binding: one allocation, and the map's
	   compare touches no other block */
	struct cs_binding *b = cs_xcalloc(1, sizeof(*b) + key.len + 1);
	int i;

	b->key = (char *)(b + 1);
	if (key.len)
		memcpy(b->key, key.p, key.len);
	b->keylen = key.len;
	b->src = (uint8_t)src;
	b->start = b->last_seen = b->close_at = b->until = b->reset_at =
	    b->released_at = CS_TIME_NONE;
	b->w_start = CS_TIME_NONE;
	b->w_d0 = 1;
	b->w_d1 = 0;
	for (i = 0; i < CS_EV_MAX; i++)
		b->ev[i].t = CS_TIME_NONE;
	return b;
}

void
cs_binding_free(struct cs_binding *b)
{
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < CS_F_MAX; i++)
		free(b->f[i]);
	for (i = 0; i < CS_EV_MAX; i++)
		free(b->ev[i].raw);
	free(b);
}

static int
is_radius(const struct cs_binding *b)
{
	return b->src == CS_SRC_RADIUS;
}

cs_time
cs_binding_end(const struct cs_binding *b, enum cs_end_known *known)
{
	if (b->close_at != CS_TIME_NONE) {
		if (b->reset_at != CS_TIME_NONE && b->reset_at < b->close_at) {
			*known = CS_END_INFERRED;
			return b->reset_at;
		}
		*known = CS_END_OBSERVED;
		return b->close_at;
	}
	if (b->reset_at != CS_TIME_NONE) {
		*known = CS_END_INFERRED;
		return b->reset_at;
	}
	if (b->until != CS_TIME_NONE) {
		*known = CS_END_INFERRED;
		return b->released_at != CS_TIME_NONE &&
			b->released_at > b->until
		    ? b->released_at
		    : b->until;
	}
	if (b->released_at != CS_TIME_NONE) {
		*known = CS_END_INFERRED;
		return b->released_at;
	}
	*known = CS_END_OPEN;
	return CS_TIME_NONE;
}

static int64_t
day_of(cs_time t)
{
	int64_t s = t / CS_US;

	if (t < 0 && t % CS_US)
		s--;
	return s >= 0 ? s / 86400 : (s - 86399) / 86400;
}

void
cs_binding_days(const struct cs_binding *b, int64_t *d0, int64_t *d1)
{
	enum cs_end_known k;
	cs_time end = cs_binding_end(b, &k), last;

	*d0 = day_of(b->start);
	if (k != CS_END_OPEN)
		last = end > b->start ? end - 1 : b->start;
	else
		last = b->last_seen > b->start ? b->last_seen : b->start;
	*d1 = day_of(last);
	if (*d1 < *d0)
		*d1 = *d0;
	if (*d1 - *d0 > 400) /* absurd spans come from bad clocks */
		*d1 = *d0 + 400;
}

int
cs_binding_accepts(const struct cs_binding *b, const struct cs_obs *o)
{
	cs_time lo, hi, end;
	enum cs_end_known k;

	if (is_radius(b))
		return 1;
	lo = o->start != CS_TIME_NONE ? o->start : o->time;
	if (o->kind == CS_OBS_RELEASED) {
		end = b->close_at != CS_TIME_NONE ? b->close_at
		    : b->until != CS_TIME_NONE    ? b->until
						  : INT64_MAX - GRACE;
		return o->time >= b->start - GRACE && o->time <= end + GRACE;
	}
	if (o->kind == CS_OBS_CLOSE) {
		/*
		 * A close with a known start (a lease-file block) belongs here
		 * only if that start lies within this binding; without one, a
		 * close must fall within the binding or just after its end.
		 */
		if (b->close_at != CS_TIME_NONE)
			end = b->close_at;
		else
			end = b->until != CS_TIME_NONE ? b->until
						       : INT64_MAX - GRACE;
		if (o->start != CS_TIME_NONE)
			return o->start >= b->start - GRACE && o->start <= end;
		return o->time >= b->start - GRACE && o->time <= end + GRACE;
	}
	hi = o->until != CS_TIME_NONE ? o->until : o->time;
	end = cs_binding_end(b, &k);
	if (k == CS_END_OPEN)
		end = INT64_MAX - GRACE;
	if (b->released_at != CS_TIME_NONE && b->close_at == CS_TIME_NONE)
		end = b->released_at; /* a later grant is a new binding */
	return lo <= end && hi >= b->start;
}

static void
set_field(struct cs_binding *b, int i, struct cs_span s, int override)
{
	if (s.len == 0)
		return;
	if (b->f[i] && !override)
		return;
	if (b->f[i] && strlen(b->f[i]) == s.len &&
	    memcmp(b->f[i], s.p, s.len) == 0)
		return;
	free(b->f[i]);
	b->f[i] = cs_xstrndup(s.p, s.len);
	b->dirty = 1;
}

static void
set_ev(struct cs_binding *b, int i, cs_time t, const char *raw, size_t n,
    int later)
{
	struct cs_evidence *e = &b->ev[i];

	if (e->t != CS_TIME_NONE) {
		if (later ? t < e->t : t >= e->t)
			return;
		if (t == e->t && e->raw && strlen(e->raw) == n &&
		    memcmp(e->raw, raw, n) == 0)
			return;
	}
	n = strnlen(raw, n);
	if (e->raw && e->room > n) {
		/* an Interim replaces the latest record: reuse its room */
		memmove(e->raw, raw, n);
		e->raw[n] = '\0';
	} else {
		free(e->raw);
		e->raw = cs_xstrndup(raw, n);
		/* asked now, while the block is fresh in the cache */
		e->room = malloc_usable_size(e->raw);
	}
	e->t = t;
	b->dirty = 1;
}

static void
tmin(struct cs_binding *b, cs_time *dst, cs_time v)
{
	if (v != CS_TIME_NONE && (*dst == CS_TIME_NONE || v < *dst)) {
		*dst = v;
		b->dirty = 1;
	}
}

static void
tmax(struct cs_binding *b, cs_time *dst, cs_time v)
{
	if (v != CS_TIME_NONE && (*dst == CS_TIME_NONE || v > *dst)) {
		*dst = v;
		b->dirty = 1;
	}
}

void
cs_binding_merge(struct cs_binding *b, const struct cs_obs *o)
{
	int i, j, earliest;

	earliest = b->start == CS_TIME_NONE ||
	    (o->start != CS_TIME_NONE ? o->start : o->time) < b->start;
	tmin(b, &b->start, o->start);
	tmin(b, &b->start, o->time);
	tmax(b, &b->last_seen, o->time);
	if (o->kind == CS_OBS_OPEN)
		tmax(b, &b->until, o->until);
	else if (o->kind == CS_OBS_CLOSE)
		tmin(b, &b->close_at, o->time);
	else if (o->kind == CS_OBS_RELEASED)
		tmin(b, &b->released_at, o->time);
	for (i = 0; i < o->naddr; i++) {
		for (j = 0; j < b->naddr; j++)
			if (memcmp(&b->addr[j], &o->addr[i],
				sizeof(b->addr[j])) == 0)
				break;
		if (j == b->naddr && b->naddr < CS_OBS_MAXADDR) {
			b->addr[b->naddr++] = o->addr[i];
			b->dirty = 1;
		}
	}
	if (o->has_mac &&
	    (!b->has_mac || (earliest && memcmp(b->mac, o->mac, 6) != 0))) {
		memcpy(b->mac, o->mac, 6);
		b->has_mac = 1;
		b->dirty = 1;
	}
	set_field(b, CS_F_USERNAME, o->username, earliest);
	set_field(b, CS_F_CIRCUIT, o->circuit_id, earliest);
	set_field(b, CS_F_REMOTE, o->remote_id, earliest);
	set_field(b, CS_F_NAS_KEY, o->nas_key, earliest);
	set_field(b, CS_F_NAS_IP, o->nas_ip, earliest);
	set_field(b, CS_F_NAS_ID, o->nas_id, earliest);
	set_field(b, CS_F_NAS_PORT, o->nas_port_id, earliest);
	set_field(b, CS_F_SESSION, o->session_id, earliest);
	set_field(b, CS_F_UNIQUE, o->unique_id, earliest);
	set_field(b, CS_F_HOSTNAME, o->hostname, earliest);
	set_field(b, CS_F_CLIENT_ID, o->client_id, earliest);
	set_field(b, CS_F_RELAY, o->relay, earliest);
	set_ev(b, CS_EV_FIRST, o->time, o->raw.p, o->raw.len, 0);
	if (o->kind == CS_OBS_OPEN)
		set_ev(b, CS_EV_LAST, o->time, o->raw.p, o->raw.len, 1);
	else
		set_ev(b, CS_EV_CLOSE, o->time, o->raw.p, o->raw.len, 0);
}

int
cs_binding_reset(
    struct cs_binding *b, cs_time t, const char *raw, size_t rawlen)
{
	int was = b->dirty, changed;

	if (!is_radius(b) || t <= b->start)
		return 0;
	if (b->close_at != CS_TIME_NONE && b->close_at <= t)
		return 0;
	if (b->reset_at != CS_TIME_NONE && b->reset_at <= t)
		return 0;
	b->dirty = 0;
	tmin(b, &b->reset_at, t);
	set_ev(b, CS_EV_RESET, t, raw, rawlen, 0);
	changed = b->dirty;
	b->dirty = was || changed;
	return changed;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *c = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int64_t
cs_binding_sig(const struct cs_binding *b)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	h = fnv(h, &b->start, sizeof(b->start));
	h = fnv(h, &b->close_at, sizeof(b->close_at));
	h = fnv(h, &b->until, sizeof(b->until));
	h = fnv(h, &b->reset_at, sizeof(b->reset_at));
	h = fnv(h, &b->released_at, sizeof(b->released_at));
	h = fnv(h, &b->naddr, sizeof(b->naddr));
	h = fnv(h, b->addr, sizeof(b->addr[0]) * (size_t)b->naddr);
	h = fnv(h, &b->has_mac, sizeof(b->has_mac));
	h = fnv(h, b->mac, 6);
	for (i = 0; i < CS_F_MAX; i++)
		h = b->f[i] ? fnv(h, b->f[i], strlen(b->f[i]) + 1)
			    : fnv(h, "", 1);
	h = fnv(h, &b->ev[CS_EV_FIRST].t, sizeof(cs_time));
	h = fnv(h, &b->ev[CS_EV_CLOSE].t, sizeof(cs_time));
	h = fnv(h, &b->ev[CS_EV_RESET].t, sizeof(cs_time));
	return (int64_t)(h >> 1);
}

/* ---- serialisation: [u8 tag][u32 len][bytes] ... ---- */

enum {
	T_KEY = 1,
	T_SRC,
	T_START,
	T_LAST,
	T_CLOSE,
	T_UNTIL,
	T_RESET,
	T_ADDR,
	T_MAC,
	T_WSTART,
	T_WD0,
	T_WD1,
	T_LAST_IS_FIRST,
	T_RELEASED,
	T_WSIG,
	T_FIELD = 32, /* + field index */
	T_EV = 64,    /* + evidence index */
	T_LZ = 0xf0,  /* [u8 T_LZ][u32 length][core/lz.h stream of the rest] */
};

static void
put(struct cs_buf *out, uint8_t tag, const void *p, size_t n)
{
	uint32_t len = (uint32_t)n;

	cs_buf_append(out, &tag, 1);
	cs_buf_append(out, &len, 4);
	cs_buf_append(out, p, n);
}

static void
put_time(struct cs_buf *out, uint8_t tag, int64_t t)
{
	put(out, tag, &t, 8);
}

void
cs_binding_encode(const struct cs_binding *b, struct cs_buf *out)
{
	int i;

	put(out, T_KEY, b->key, strlen(b->key));
	put(out, T_SRC, &b->src, 1);
	put_time(out, T_START, b->start);
	put_time(out, T_LAST, b->last_seen);
	put_time(out, T_CLOSE, b->close_at);
	put_time(out, T_UNTIL, b->until);
	put_time(out, T_RESET, b->reset_at);
	if (b->released_at != CS_TIME_NONE)
		put_time(out, T_RELEASED, b->released_at);
	for (i = 0; i < b->naddr; i++)
		put(out, T_ADDR, &b->addr[i], sizeof(b->addr[i]));
	if (b->has_mac)
		put(out, T_MAC, b->mac, 6);
	for (i = 0; i < CS_F_MAX; i++)
		if (b->f[i])
			put(out, (uint8_t)(T_FIELD + i), b->f[i],
			    strlen(b->f[i]));
	for (i = 0; i < CS_EV_MAX; i++) {
		if (b->ev[i].t == CS_TIME_NONE)
			continue;
		/* once closed, the latest holding record adds nothing */
		if (i == CS_EV_LAST && b->ev[CS_EV_CLOSE].t != CS_TIME_NONE)
			continue;
		/* the latest record is often the first: store it once */
		if (i == CS_EV_LAST && b->ev[i].t == b->ev[CS_EV_FIRST].t &&
		    strcmp(b->ev[i].raw, b->ev[CS_EV_FIRST].raw) == 0) {
			put_time(out, T_LAST_IS_FIRST, b->ev[i].t);
			continue;
		}
		{
			size_t n = strlen(b->ev[i].raw);
			uint8_t tag = (uint8_t)(T_EV + i);
			uint32_t len = (uint32_t)(n + 8);
			cs_buf_append(out, &tag, 1);
			cs_buf_append(out, &len, 4);
			cs_buf_append(out, &b->ev[i].t, 8);
			cs_buf_append(out, b->ev[i].raw, n);
		}
	}
	put_time(out, T_WSTART, b->w_start);
	put_time(out, T_WD0, b->w_d0);
	put_time(out, T_WD1, b->w_d1);
	put_time(out, T_WSIG, b->w_sig);
}

static int
get_time(const uint8_t *p, uint32_t n, int64_t *t)
{
	if (n != 8)
		return 0;
	memcpy(t, p, 8);
	return 1;
}

void
cs_binding_pack(
    const struct cs_binding *b, struct cs_buf *tmp, struct cs_buf *out)
{
	uint8_t tag = T_LZ;
	uint32_t raw;
	size_t at = out->len;

	cs_buf_reset(tmp);
	cs_binding_encode(b, tmp);
	raw = (uint32_t)tmp->len;
	cs_buf_append(out, &tag, 1);
	cs_buf_append(out, &raw, 4);
	cs_lz_compress(tmp->data, tmp->len, out);
	if (out->len - at >= tmp->len) { /* nothing gained: keep it plain */
		out->len = at;
		cs_buf_append(out, tmp->data, tmp->len);
	}
	explicit_bzero(tmp->data, tmp->len);
	cs_buf_reset(tmp);
}

/* decode_packed - cs_binding_decode of a T_LZ record */
static enum cs_err
decode_packed(const uint8_t *p, size_t n, struct cs_binding **out)
{
	struct cs_buf tmp;
	uint32_t raw;
	enum cs_err e;

	memcpy(&raw, p + 1, 4);
	cs_buf_init(&tmp, NULL, 0, CS_LZ_MAXRAW);
	e = cs_lz_decompress(p + 5, n - 5, raw, &tmp);
	/* what it packs is a plain record, never another packed one */
	if (e == CS_OK && (tmp.len == 0 || (uint8_t)tmp.data[0] != T_KEY))
		e = CS_EPARSE;
	if (e == CS_OK)
		e = cs_binding_decode(tmp.data, tmp.len, out);
	explicit_bzero(tmp.data, tmp.len);
	cs_buf_release(&tmp);
	return e;
}

enum cs_err
cs_binding_decode(const void *data, size_t n, struct cs_binding **out)
{
	const uint8_t *p = data, *end = p + n;
	struct cs_binding *b = NULL;
	uint8_t tag;
	uint32_t len;
	int ok = 1;

	if (n >= 5 && p[0] == T_LZ)
		return decode_packed(p, n, out);

	while (p < end && ok) {
		if ((size_t)(end - p) < 5)
			goto bad;
		tag = p[0];
		memcpy(&len, p + 1, 4);
		p += 5;
		if (len > (size_t)(end - p))
			goto bad;
		if (b == NULL) {
			if (tag != T_KEY)
				goto bad;
			b = cs_binding_new(
			    cs_span_make((const char *)p, len), CS_SRC_NONE);
			p += len;
			continue;
		}
		switch (tag) {
		case T_SRC:
			ok = len == 1;
			if (ok)
				b->src = p[0];
			break;
		case T_START:
			ok = get_time(p, len, &b->start);
			break;
		case T_LAST:
			ok = get_time(p, len, &b->last_seen);
			break;
		case T_CLOSE:
			ok = get_time(p, len, &b->close_at);
			break;
		case T_UNTIL:
			ok = get_time(p, len, &b->until);
			break;
		case T_RESET:
			ok = get_time(p, len, &b->reset_at);
			break;
		case T_RELEASED:
			ok = get_time(p, len, &b->released_at);
			break;
		case T_WSTART:
			ok = get_time(p, len, &b->w_start);
			break;
		case T_WD0:
			ok = get_time(p, len, &b->w_d0);
			break;
		case T_WD1:
			ok = get_time(p, len, &b->w_d1);
			break;
		case T_WSIG:
			ok = get_time(p, len, &b->w_sig);
			break;
		case T_LAST_IS_FIRST:
			ok = get_time(p, len, &b->ev[CS_EV_LAST].t) &&
			    b->ev[CS_EV_FIRST].raw != NULL;
			if (ok) {
				free(b->ev[CS_EV_LAST].raw);
				b->ev[CS_EV_LAST].raw =
				    cs_xstrdup(b->ev[CS_EV_FIRST].raw);
			}
			break;
		case T_ADDR:
			ok = len == sizeof(struct cs_addr) &&
			    b->naddr < CS_OBS_MAXADDR;
			if (ok)
				memcpy(&b->addr[b->naddr++], p, len);
			break;
		case T_MAC:
			ok = len == 6;
			if (ok) {
				memcpy(b->mac, p, 6);
				b->has_mac = 1;
			}
			break;
		default:
			if (tag >= T_FIELD && tag < T_FIELD + CS_F_MAX) {
				int i = tag - T_FIELD;
				free(b->f[i]);
				b->f[i] = cs_xstrndup((const char *)p, len);
			} else if (tag >= T_EV && tag < T_EV + CS_EV_MAX) {
				int i = tag - T_EV;
				ok = len >= 8;
				if (ok) {
					memcpy(&b->ev[i].t, p, 8);
					free(b->ev[i].raw);
					b->ev[i].raw = cs_xstrndup(
					    (const char *)p + 8, len - 8);
				}
			}
			break;
		}
		p += len;
	}
	if (!ok || b == NULL || b->start == CS_TIME_NONE)
		goto bad;
	*out = b;
	return CS_OK;
bad:
	cs_binding_free(b);
	return CS_EPARSE;
}
