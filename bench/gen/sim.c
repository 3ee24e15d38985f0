/*
 * sim - the machinery under custos-gen's ISP: the calendar wheel, the
 * address pools (each with the allocation policy of the server it
 * imitates), subscriber identities, and the truth/pre-parsed rows.
 */
#include <stdlib.h>

#include "gen.h"

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL) {
		fprintf(stderr, "custos-gen: out of memory\n");
		exit(1);
	}
	return p;
}

/* ---- calendar wheel ---- */

void
wheel_init(struct wheel *w, int64_t t0, uint32_t nslots, uint32_t nnodes)
{
	uint32_t i;

	w->t0 = t0;
	w->nslots = nslots;
	w->nnodes = nnodes;
	w->now = 0;
	w->head = xcalloc(nslots, sizeof(*w->head));
	w->next = xcalloc(nnodes, sizeof(*w->next));
	w->slot = xcalloc(nnodes, sizeof(*w->slot));
	w->ev = xcalloc(nnodes, sizeof(*w->ev));
	for (i = 0; i < nslots; i++)
		w->head[i] = -1;
	for (i = 0; i < nnodes; i++) {
		w->next[i] = -1;
		w->slot[i] = NODE_IDLE;
	}
}

void
wheel_cancel(struct wheel *w, uint32_t node)
{
	uint32_t sl = w->slot[node];
	int32_t *pp;

	if (sl == NODE_IDLE)
		return;
	for (pp = &w->head[sl]; *pp != -1; pp = &w->next[*pp]) {
		if ((uint32_t)*pp == node) {
			*pp = w->next[node];
			break;
		}
	}
	w->next[node] = -1;
	w->slot[node] = NODE_IDLE;
}

void
wheel_at(struct wheel *w, uint32_t node, int64_t t, int ev)
{
	int64_t sl = t - w->t0;

	wheel_cancel(w, node);
	if (sl < (int64_t)w->now)
		sl = w->now;
	if (sl >= (int64_t)w->nslots)
		return; /* past the end of the period */
	w->slot[node] = (uint32_t)sl;
	w->ev[node] = (uint8_t)ev;
	w->next[node] = w->head[sl];
	w->head[sl] = (int32_t)node;
}

void
wheel_release(struct wheel *w)
{
	free(w->head);
	free(w->next);
	free(w->slot);
	free(w->ev);
	memset(w, 0, sizeof(*w));
}

/* ---- address pools ---- */

uint32_t
pool_blocks(uint32_t size)
{
	return (size + HOSTS_PER_BLOCK - 1) / HOSTS_PER_BLOCK;
}

uint32_t
pool_ip(const struct pool *p, uint32_t idx)
{
	uint32_t block = p->first_block + idx / HOSTS_PER_BLOCK;

	return CGN_BASE + block * 256 + 2 + idx % HOSTS_PER_BLOCK;
}

static void
heap_push(struct pool *p, uint32_t v)
{
	uint32_t i, up;

	if (p->nheap == p->rcap) {
		p->rcap = p->rcap ? p->rcap * 2 : 64;
		p->heap = realloc(p->heap, p->rcap * sizeof(*p->heap));
		if (p->heap == NULL) {
			fprintf(stderr, "custos-gen: out of memory\n");
			exit(1);
		}
	}
	i = p->nheap++;
	while (i > 0) {
		up = (i - 1) / 2;
		if (p->heap[up] <= v)
			break;
		p->heap[i] = p->heap[up];
		i = up;
	}
	p->heap[i] = v;
}

static uint32_t
heap_pop(struct pool *p)
{
	uint32_t top = p->heap[0], v = p->heap[--p->nheap], i = 0, c;

	while ((c = 2 * i + 1) < p->nheap) {
		if (c + 1 < p->nheap && p->heap[c + 1] < p->heap[c])
			c++;
		if (v <= p->heap[c])
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (p->nheap > 0)
		p->heap[i] = v;
	return top;
}

static void
ring_push(struct pool *p, uint64_t v)
{
	uint64_t *nr;
	size_t i;

	if (p->rlen == p->rcap) {
		size_t ncap = p->rcap ? p->rcap * 2 : 64;

		nr = malloc(ncap * sizeof(*nr));
		if (nr == NULL) {
			fprintf(stderr, "custos-gen: out of memory\n");
			exit(1);
		}
		for (i = 0; i < p->rlen; i++)
			nr[i] = p->ring[(p->rhead + i) % p->rcap];
		free(p->ring);
		p->ring = nr;
		p->rcap = ncap;
		p->rhead = 0;
	}
	p->ring[(p->rhead + p->rlen) % p->rcap] = v;
	p->rlen++;
}

int
pool_init(struct pool *p, int policy, uint32_t first, uint32_t size)
{
	uint32_t i;

	memset(p, 0, sizeof(*p));
	if (size == 0)
		size = 1;
	if (first + pool_blocks(size) > CGN_BLOCKS)
		return -1;
	p->policy = policy;
	p->first_block = first;
	p->size = size;
	p->holder = xcalloc(size, sizeof(*p->holder));
	for (i = 0; i < size; i++)
		p->holder[i] = -1;
	if (policy == POOL_LOWEST) {
		/* ascending order is already a min-heap */
		p->heap = xcalloc(size, sizeof(*p->heap));
		p->rcap = size;
		for (i = 0; i < size; i++)
			p->heap[i] = i;
		p->nheap = size;
	} else if (policy == POOL_FIFO) {
		p->seq = xcalloc(size, sizeof(*p->seq));
		for (i = 0; i < size; i++)
			ring_push(p, i);
	}
	return 0;
}

int32_t
pool_take(struct pool *p, int32_t want, int32_t sub)
{
	uint32_t i, idx;
	uint64_t e;

	if (want >= 0 && (uint32_t)want < p->size &&
	    (p->policy == POOL_FIXED || p->holder[want] == -1)) {
		p->holder[want] = sub;
		return want;
	}
	switch (p->policy) {
	case POOL_LOWEST:
		/* stale entries (taken out of turn) are skipped */
		while (p->nheap > 0) {
			idx = heap_pop(p);
			if (p->holder[idx] == -1) {
				p->holder[idx] = sub;
				return (int32_t)idx;
			}
		}
		return -1;
	case POOL_FIFO:
		while (p->rlen > 0) {
			e = p->ring[p->rhead];
			p->rhead = (p->rhead + 1) % p->rcap;
			p->rlen--;
			idx = (uint32_t)e;
			if (p->holder[idx] == -1 && p->seq[idx] == e >> 32) {
				p->holder[idx] = sub;
				return (int32_t)idx;
			}
		}
		return -1;
	case POOL_ITER:
		for (i = 0; i < p->size; i++) {
			idx = (p->cursor + i) % p->size;
			if (p->holder[idx] == -1) {
				p->holder[idx] = sub;
				p->cursor = (idx + 1) % p->size;
				return (int32_t)idx;
			}
		}
		return -1;
	default:
		return -1;
	}
}

void
pool_free(struct pool *p, int32_t idx)
{
	if (idx < 0 || (uint32_t)idx >= p->size)
		return;
	p->holder[idx] = -1;
	if (p->policy == POOL_LOWEST)
		heap_push(p, (uint32_t)idx);
	else if (p->policy == POOL_FIFO)
		ring_push(p, (uint64_t)++p->seq[idx] << 32 | (uint32_t)idx);
}

void
pool_release(struct pool *p)
{
	free(p->holder);
	free(p->heap);
	free(p->ring);
	free(p->seq);
	memset(p, 0, sizeof(*p));
}

/* ---- identities ---- */

void
sub_username(const struct sub *s, char *buf, size_t cap)
{
	char *p = buf;

	if (cap < 40) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	if (s->flags & F_QUOTE)
		p = cput_str(p, "o\"brien.");
	else if (s->flags & F_BSLASH)
		p = cput_str(p, "ISP\\");
	*p++ = 'u';
	p = cput_u(p, s->num, 6);
	if (!(s->flags & F_BSLASH))
		cput_str(p, "@isp.example");
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

void
sub_hostname(const struct sub *s, char *buf, size_t cap)
{
	static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
	uint64_t h = mix(s->num * 0x9e3779b97f4a7c15ULL);
	char *p = buf;
	int i;

	if (cap < 40 || !(s->flags & F_HOSTNAME)) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	switch (h % 5) {
	case 0:
		cput_hex(cput_str(p, "android-"), mix(h), 16);
		break;
	case 1:
		p = cput_str(p, "DESKTOP-");
		for (i = 0; i < 7; i++)
			*p++ = alnum[(h >> (8 + 5 * i)) % (sizeof(alnum) - 1)];
		*p = '\0';
		break;
	case 2:
		cput_str(p, "iPhone");
		break;
	case 3:
		cput_u(cput_str(p, "Galaxy-A5"), (h >> 20) % 10, 0);
		break;
	default:
		cput_u(cput_str(p, "cpe-"), s->num, 6);
		break;
	}
}

void
sub_circuit(const struct sub *s, char *buf, size_t cap)
{
	uint32_t k = s->slot;
	char *p = buf;

	if (cap < 48) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	p = cput_u(cput_str(p, "olt"), s->relay + 1u, 0);
	p = cput_u(cput_str(p, " eth 1/"), (k / 2048) % 16 + 1, 0);
	p = cput_u(cput_str(p, "/"), (k / 128) % 16 + 1, 0);
	cput_u(cput_str(p, ":"), 100 + k % 128, 0);
}

void
sub_remote(const struct sub *s, char *buf, size_t cap)
{
	if (cap < 24) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	cput_str(buf, "HWTC");
	for (int i = 0; i < 8; i++)
		buf[4 + i] = "0123456789ABCDEF"[(mix(s->num) >> (4 * i)) & 15];
	buf[12] = '\0';
}

void
sub_v6(const struct sub *s, char p64[static 48], char p56[static 48])
{
	uint32_t v = s->slot;
	char *p;

	p = cput_hex(cput_str(p64, "2001:db8:"), 0x100 + v / 65535, 0);
	cput_str(cput_hex(cput_str(p, ":"), 1 + v % 65535, 0), "::/64");
	p = cput_hex(cput_str(p56, "2001:db8:"), 0x8000 + v / 255, 0);
	cput_str(cput_hex(cput_str(p, ":"), 1 + v % 255, 0), "00::/56");
}

/* ---- truth and pre-parsed rows ---- */

static int
src_written(const struct gen *g, const char *src)
{
	if (src[0] == 'r')
		return g->w_radius;
	if (src[0] == 'd')
		return g->w_dhcpd;
	return g->w_kea;
}

void
truth_row(struct gen *g, const char *src, const char *addr, int64_t start_us,
    int64_t end_us, const char *user, const char *mac)
{
	struct out *o = &g->truth;

	if (!src_written(g, src))
		return;
	out_str(o, src);
	out_c(o, ',');
	out_str(o, addr);
	out_c(o, ',');
	out_utc(o, start_us);
	out_c(o, ',');
	if (end_us >= 0)
		out_utc(o, end_us);
	out_c(o, ',');
	out_csv(o, user);
	out_c(o, ',');
	out_str(o, mac);
	out_end(o);
	g->bindings++;
}

void
pre_row(struct gen *g, const char *src, const char *event, int64_t t,
    const char *addr, const char *user, const char *mac, const char *sess)
{
	struct out *o = &g->pre;

	if (!src_written(g, src) || g->no_pre)
		return;
	out_str(o, src);
	out_c(o, ',');
	out_str(o, event);
	out_c(o, ',');
	out_u64(o, (uint64_t)t);
	out_c(o, ',');
	out_str(o, addr);
	out_c(o, ',');
	out_csv(o, user);
	out_c(o, ',');
	out_str(o, mac);
	out_c(o, ',');
	out_str(o, sess);
	out_end(o);
	g->events++;
}

/* ---- the dhcpd host's /var/log/syslog ---- */

int
syslog_stamp(struct gen *g, int64_t t)
{
	if (t != g->sys_sec) {
		g->sys_sec = t;
		g->sys_us = (int)rng_range(&g->nrng, 1000, 200000);
	} else {
		g->sys_us += (int)rng_range(&g->nrng, 20, 4000);
		if (g->sys_us > 999999)
			g->sys_us = 999999;
	}
	return g->sys_us;
}

void
syslog_head(struct gen *g, int64_t t, int usec, const char *prog, uint32_t pid)
{
	struct out *o = &g->syslog;
	struct ltime lt;

	tz_local(t, &lt);
	out_3339(o, &lt, usec);
	OUT_LIT(o, " dhcp1 ");
	out_str(o, prog);
	if (pid != 0) {
		out_c(o, '[');
		out_u64(o, pid);
		out_c(o, ']');
	}
	OUT_LIT(o, ": ");
}
