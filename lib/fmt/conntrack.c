/*
 * conntrack - netfilter NAT events as line formats:
 *
 * "conntrack": `conntrack -E -e NEW,DESTROY -o timestamp,extended,id`
 *   [1795985371.249306]	    [NEW] ipv4     2 tcp      6 120 SYN_SENT
 *       src=IN dst=DST sport=IP dport=DP [UNREPLIED]
 *       src=DST dst=PUB sport=DP dport=PP id=820745076
 *   [...]	[DESTROY] ipv4 2 udp 17 src=.. .. delta-time=30 id=312476421
 * (one line each).  The public endpoint is the reply tuple's dst/dport;
 * id= links NEW and DESTROY; delta-time (seconds, needs
 * nf_conntrack_timestamp=1) is the lifetime, since DESTROY of an expired
 * entry is only logged when the garbage collector reaps it.  "ipv4 2" and
 * the timeout are optional (non-extended output).  Without the
 * "[epoch.usec]" stamp a line has no time and is rejected.
 *
 * "ulogd-json": ulogd2's JSON output of the NFCT plugin (event mode), one
 * flat object per line: ct.event 1 NEW, 4 DESTROY; src_ip (or
 * orig.ip.saddr.str), dest_ip, orig.l4.sport/dport, reply.ip.daddr.str,
 * reply.l4.dport, ct.id, flow.start.sec/usec, flow.end.sec/usec.
 *
 * Entries that are not translated (reply dst:dport equal to the original
 * src:sport), protocols without ports, and [UPDATE] events are skipped.
 * Stateless; every NEW and DESTROY is one CS_OBS_NAT observation.
 */
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "fmt/fmt.h"
#include "fmt/ipfix.h"
#include "util/xmalloc.h"

struct ct {
	struct cs_fmt_opts o; /* copy; tz borrowed */
	struct cs_sink *sink; /* borrowed */
};

static void *
ct_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct ct *c = cs_xcalloc(1, sizeof(*c));

	c->o = *o;
	c->sink = sink;
	return c;
}

static void
ct_flush(void *st, int final)
{
	(void)st;
	(void) final;
}

static uint64_t
ct_pending(void *st)
{
	(void)st;
	return UINT64_MAX;
}

static void
ct_close(void *st)
{
	free(st);
}

static int
has_ports(unsigned proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 ||
	    proto == 136;
}

/* emit - a parsed event; 0 or a skip reason */
static const char *
emit(struct ct *c, struct cs_nat *n, cs_time t, struct cs_span raw,
    uint64_t lineno)
{
	struct cs_obs ob;

	if (!has_ports(n->proto))
		return "conntrack without ports";
	if (memcmp(&n->inside, &n->pub, sizeof(n->inside)) == 0 &&
	    n->inside_port == n->port_lo)
		return "conntrack not translated";
	cs_obs_init(&ob);
	ob.kind = CS_OBS_NAT;
	ob.src = CS_SRC_CONNTRACK;
	ob.time = t;
	ob.key = n->link;
	ob.nat = n;
	ob.raw = raw;
	ob.line = lineno;
	c->sink->obs(c->sink->arg, &ob);
	return NULL;
}

static void
nat_init(struct cs_nat *n)
{
	memset(n, 0, sizeof(*n));
	n->kind = CS_NAT_SESSION;
	n->inside_port = -1;
	n->dst_port = -1;
	n->port_lo = n->port_hi = -1;
	n->port_step = 1;
	n->start = n->end = CS_TIME_NONE;
	n->lifetime = -1;
}

/* stamp - "[1795985371.249306]" to an instant */
static int
stamp(struct cs_span w, cs_time *t)
{
	const char *p, *end;
	uint64_t s = 0, f = 0;
	size_t nd = 0, nf = 0;

	if (w.len < 3 || w.p[0] != '[' || w.p[w.len - 1] != ']')
		return -1;
	p = w.p + 1;
	end = w.p + w.len - 1;
	for (; p < end && *p >= '0' && *p <= '9'; p++, nd++) {
		s = s * 10 + (uint64_t)(*p - '0');
		if (s > 100000000000ULL)
			return -1;
	}
	if (nd == 0)
		return -1;
	if (p < end) {
		if (*p++ != '.')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++, nf++)
			f = f * 10 + (uint64_t)(*p - '0');
		/* "s." is as "s" (as before): up to 6 fraction digits */
		if (p != end || nf > 6)
			return -1;
	}
	for (; nf < 6; nf++)
		f *= 10;
	*t = (cs_time)s * CS_US + (cs_time)f;
	return 0;
}

/* port_of - decimal 0..65535 (leading zeros allowed) */
static int
port_of(struct cs_span v, int *p)
{
	uint32_t x = 0;
	size_t i;

	if (v.len == 0)
		return -1;
	for (i = 0; i < v.len; i++) {
		unsigned d = (unsigned)(unsigned char)v.p[i] - '0';
		if (d > 9)
			return -1;
		x = x * 10 + d;
		if (x > 65535)
			return -1;
	}
	*p = (int)x;
	return 0;
}

/*
 * The hot path: one pass over the line, no copies, no allocation.  Words
 * are blank-separated as cs_span_word has them (space, tab, CR).
 */
static inline int
isblank_ct(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static inline int
word(const char **pp, const char *end, struct cs_span *w)
{
	const char *p = *pp, *q;

	while (p < end && isblank_ct(*p))
		p++;
	if (p == end)
		return 0;
	/* the word's end 8 bytes at a time (the lowest mark is exact) */
	for (q = p + 1; q + 8 <= end; q += 8) {
		const uint64_t lo = 0x0101010101010101ULL;
		const uint64_t hi = 0x8080808080808080ULL;
		uint64_t x, a, b, c, m;
		memcpy(&x, q, 8);
		a = x ^ 0x2020202020202020ULL;
		b = x ^ 0x0909090909090909ULL;
		c = x ^ 0x0d0d0d0d0d0d0d0dULL;
		m = ((a - lo) & ~a) | ((b - lo) & ~b) | ((c - lo) & ~c);
		if ((m &= hi) != 0) {
			q += __builtin_ctzll(m) >> 3;
			goto found;
		}
	}
	while (q < end && !isblank_ct(*q))
		q++;
found:
	w->p = p;
	w->len = (size_t)(q - p);
	*pp = q;
	return 1;
}

/* addr_of - a dotted quad (as inet_pton: no leading zeros); else the slow way
 */
static int
addr_of(struct cs_span v, struct cs_addr *a)
{
	const char *p = v.p, *end = v.p + v.len, *o;
	unsigned oct = 0, val, nd;

	memset(a, 0, sizeof(*a));
	while (oct < 4) {
		val = 0;
		nd = 0;
		o = p;
		while (p < end && *p >= '0' && *p <= '9' && nd < 4) {
			val = val * 10 + (unsigned)(*p - '0');
			nd++;
			p++;
		}
		if (nd == 0 || nd > 3 || val > 255 || (nd > 1 && *o == '0'))
			break;
		a->a[oct++] = (uint8_t)val;
		if (oct < 4) {
			if (p == end || *p != '.')
				break;
			p++;
		}
	}
	if (oct == 4 && p == end) {
		a->family = 4;
		a->plen = 32;
		return 0;
	}
	return cs_addr_parse(v, a) == CS_OK ? 0 : -1;
}

static void
ct_line(void *st, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct ct *c = st;
	const char *p = line.p, *end = line.p + line.len;
	struct cs_span w, k, v;
	struct cs_nat n;
	cs_time t = CS_TIME_NONE;
	const char *why, *field = "event";
	int tuple = 0, dport[2] = {-1, -1}, sport[2] = {-1, -1};
	struct cs_addr src[2], dst[2];
	uint64_t x;
	const char *eq;

	(void)off;
	src[0].family = src[1].family = dst[0].family = dst[1].family = 0;
	nat_init(&n);
	if (!word(&p, end, &w)) {
		c->sink->skip(c->sink->arg, "empty");
		return;
	}
	if (w.len && w.p[0] == '[' && w.len > 1 && w.p[1] >= '0' &&
	    w.p[1] <= '9') {
		if (stamp(w, &t) != 0) {
			field = "timestamp";
			goto bad;
		}
		if (!word(&p, end, &w))
			goto bad;
	}
	if (cs_span_eq(w, "[NEW]"))
		n.event = CS_NAT_CREATE;
	else if (cs_span_eq(w, "[DESTROY]"))
		n.event = CS_NAT_DELETE;
	else if (cs_span_eq(w, "[UPDATE]")) {
		c->sink->skip(c->sink->arg, "conntrack update");
		return;
	} else {
		c->sink->skip(c->sink->arg, "not a conntrack event");
		return;
	}
	if (t == CS_TIME_NONE) {
		c->sink->reject(c->sink->arg, lineno, "timestamp",
		    "no [epoch.usec] stamp: run conntrack -o timestamp", line);
		return;
	}
	field = "protocol";
	if (!word(&p, end, &w))
		goto bad;
	if (cs_span_eq(w, "ipv4") || cs_span_eq(w, "ipv6")) {
		if (!word(&p, end, &w) || !word(&p, end, &w))
			goto bad; /* l3 number, then l4 name */
	}
	if (!word(&p, end, &w) || cs_parse_u64(w, 0, 255, &x) != CS_OK)
		goto bad;
	n.proto = (uint8_t)x;
	while (word(&p, end, &w)) {
		/* keys are short: no call to memchr */
		for (eq = w.p; eq < w.p + w.len && *eq != '='; eq++)
			;
		if (eq == w.p + w.len)
			continue; /* timeout, state, [ASSURED] */
		k = cs_span_make(w.p, (size_t)(eq - w.p));
		v = cs_span_make(eq + 1, w.len - k.len - 1);
		field = "tuple";
		switch (k.len) {
		case 2:
			if (memcmp(k.p, "id", 2) == 0) {
				field = "id";
				if (v.len == 0 || v.len > 20)
					goto bad;
				n.link = v;
			}
			break;
		case 3:
			if (memcmp(k.p, "src", 3) == 0) {
				if (src[0].family)
					tuple = 1;
				if (addr_of(v, &src[tuple]))
					goto bad;
			} else if (memcmp(k.p, "dst", 3) == 0) {
				if (addr_of(v, &dst[tuple]))
					goto bad;
			}
			break;
		case 5:
			if (memcmp(k.p, "sport", 5) == 0) {
				if (port_of(v, &sport[tuple]))
					goto bad;
			} else if (memcmp(k.p, "dport", 5) == 0) {
				if (port_of(v, &dport[tuple]))
					goto bad;
			}
			break;
		case 10:
			if (memcmp(k.p, "delta-time", 10) == 0) {
				field = "delta-time";
				if (cs_parse_u64(v, 0, 100000000, &x) != CS_OK)
					goto bad;
				n.lifetime = (int64_t)x * CS_US;
			}
			break;
		default:
			break;
		}
	}
	if (!has_ports(n.proto)) {
		c->sink->skip(c->sink->arg, "conntrack without ports");
		return;
	}
	field = "tuple";
	if (tuple != 1 || !src[0].family || !dst[0].family || !dst[1].family ||
	    sport[0] < 0 || dport[0] < 0 || dport[1] < 0)
		goto bad;
	n.inside = src[0];
	n.inside_port = sport[0];
	n.dst = dst[0];
	n.dst_port = dport[0];
	n.pub = dst[1];
	n.port_lo = n.port_hi = dport[1];
	if (n.event == CS_NAT_CREATE)
		n.start = t;
	if ((why = emit(c, &n, t, line, lineno)) != NULL)
		c->sink->skip(c->sink->arg, why);
	return;
bad:
	c->sink->reject(
	    c->sink->arg, lineno, field, "malformed conntrack event", line);
}

static int
ct_detect(struct cs_span head)
{
	if ((cs_span_find(head, "[NEW]") >= 0 ||
		cs_span_find(head, "[DESTROY]") >= 0) &&
	    cs_span_find(head, " src=") >= 0 &&
	    cs_span_find(head, " dport=") >= 0)
		return 90;
	return 0;
}

const struct cs_fmt cs_fmt_conntrack = {
    .name = "conntrack",
    .help = "netfilter conntrack -E -o timestamp,extended,id events",
    .detect = ct_detect,
    .open = ct_open,
    .line = ct_line,
    .flush = ct_flush,
    .pending_offset = ct_pending,
    .close = ct_close,
};

/* ---- ulogd2 JSON ---- */

/*
 * json_next - the next "key": value of a flat object; value is a number
 * or a string (escapes left as they are: the fields we use have none).
 * Returns 0 at the end, -1 when malformed.
 */
static int
json_next(struct cs_span *s, struct cs_span *k, struct cs_span *v)
{
	size_t i = 0;
	const char *p = s->p;
	size_t n = s->len;

	while (i < n &&
	    (p[i] == ' ' || p[i] == ',' || p[i] == '{' || p[i] == '\t'))
		i++;
	if (i == n || p[i] == '}')
		return 0;
	if (p[i] != '"')
		return -1;
	k->p = p + ++i;
	while (i < n && p[i] != '"')
		i += p[i] == '\\' ? 2 : 1;
	if (i >= n)
		return -1;
	k->len = (size_t)(p + i - k->p);
	i++;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n || p[i] != ':')
		return -1;
	i++;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n)
		return -1;
	if (p[i] == '"') {
		v->p = p + ++i;
		while (i < n && p[i] != '"')
			i += p[i] == '\\' ? 2 : 1;
		if (i >= n)
			return -1;
		v->len = (size_t)(p + i - v->p);
		i++;
	} else {
		if (p[i] == '{' || p[i] == '[')
			return -1; /* not flat */
		v->p = p + i;
		while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ' ')
			i++;
		v->len = (size_t)(p + i - v->p);
	}
	*s = cs_span_make(p + i, n - i);
	return 1;
}

static void
uj_line(void *st, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct ct *c = st;
	struct cs_span s = cs_span_trim(line), k, v;
	struct cs_nat n;
	uint64_t x, ev = 0, ssec = 0, susec = 0, esec = 0, eusec = 0;
	int have_s = 0, have_e = 0, rc, sport = -1, dport = -1, pport = -1;
	const char *field = "json", *why;
	cs_time t;

	(void)off;
	nat_init(&n);
	if (s.len == 0 || s.p[0] != '{') {
		c->sink->skip(c->sink->arg, "not a JSON object");
		return;
	}
	while ((rc = json_next(&s, &k, &v)) == 1) {
		field = "json";
		if (cs_span_eq(k, "ct.event")) {
			field = "ct.event";
			if (cs_parse_u64(v, 0, 255, &ev) != CS_OK)
				goto bad;
		} else if (cs_span_eq(k, "orig.ip.protocol")) {
			field = "orig.ip.protocol";
			if (cs_parse_u64(v, 0, 255, &x) != CS_OK)
				goto bad;
			n.proto = (uint8_t)x;
		} else if (cs_span_eq(k, "src_ip") ||
		    cs_span_eq(k, "orig.ip.saddr.str")) {
			field = "src_ip";
			if (cs_addr_parse(v, &n.inside) != CS_OK)
				goto bad;
		} else if (cs_span_eq(k, "dest_ip") ||
		    cs_span_eq(k, "orig.ip.daddr.str")) {
			field = "dest_ip";
			if (cs_addr_parse(v, &n.dst) != CS_OK)
				goto bad;
		} else if (cs_span_eq(k, "reply.ip.daddr.str")) {
			field = "reply.ip.daddr.str";
			if (cs_addr_parse(v, &n.pub) != CS_OK)
				goto bad;
		} else if (cs_span_eq(k, "orig.l4.sport")) {
			field = "orig.l4.sport";
			if (port_of(v, &sport))
				goto bad;
		} else if (cs_span_eq(k, "orig.l4.dport")) {
			field = "orig.l4.dport";
			if (port_of(v, &dport))
				goto bad;
		} else if (cs_span_eq(k, "reply.l4.dport")) {
			field = "reply.l4.dport";
			if (port_of(v, &pport))
				goto bad;
		} else if (cs_span_eq(k, "ct.id")) {
			field = "ct.id";
			if (v.len == 0 || v.len > 20)
				goto bad;
			n.link = v;
		} else if (cs_span_eq(k, "flow.start.sec")) {
			field = "flow.start.sec";
			if (cs_parse_u64(v, 0, 100000000000ULL, &ssec) != CS_OK)
				goto bad;
			have_s = 1;
		} else if (cs_span_eq(k, "flow.start.usec")) {
			field = "flow.start.usec";
			if (cs_parse_u64(v, 0, 999999, &susec) != CS_OK)
				goto bad;
		} else if (cs_span_eq(k, "flow.end.sec")) {
			field = "flow.end.sec";
			if (cs_parse_u64(v, 0, 100000000000ULL, &esec) != CS_OK)
				goto bad;
			have_e = 1;
		} else if (cs_span_eq(k, "flow.end.usec")) {
			field = "flow.end.usec";
			if (cs_parse_u64(v, 0, 999999, &eusec) != CS_OK)
				goto bad;
		}
	}
	if (rc < 0)
		goto bad;
	if (ev == 2) {
		c->sink->skip(c->sink->arg, "conntrack update");
		return;
	}
	if (ev != 1 && ev != 4) {
		c->sink->skip(c->sink->arg, "not a conntrack event");
		return;
	}
	n.event = ev == 1 ? CS_NAT_CREATE : CS_NAT_DELETE;
	if (!has_ports(n.proto)) {
		c->sink->skip(c->sink->arg, "conntrack without ports");
		return;
	}
	field = "reply.ip.daddr.str";
	if (!n.inside.family || !n.pub.family || sport < 0 || pport < 0)
		goto bad;
	field = "flow.start.sec";
	if (!have_s)
		goto bad;
	n.inside_port = sport;
	n.dst_port = dport;
	n.port_lo = n.port_hi = pport;
	n.start = (cs_time)ssec * CS_US + (cs_time)susec;
	t = n.start;
	if (n.event == CS_NAT_DELETE) {
		field = "flow.end.sec";
		if (!have_e)
			goto bad;
		n.end = (cs_time)esec * CS_US + (cs_time)eusec;
		if (n.end < n.start)
			goto bad;
		t = n.end;
	}
	if ((why = emit(c, &n, t, line, lineno)) != NULL)
		c->sink->skip(c->sink->arg, why);
	return;
bad:
	c->sink->reject(c->sink->arg, lineno, field,
	    "malformed ulogd JSON NAT event", line);
}

static int
uj_detect(struct cs_span head)
{
	if (head.len && head.p[0] == '{' &&
	    cs_span_find(head, "\"ct.event\"") >= 0 &&
	    cs_span_find(head, "\"reply.") >= 0)
		return 90;
	return 0;
}

const struct cs_fmt cs_fmt_ulogd_json = {
    .name = "ulogd-json",
    .help = "ulogd2 NFCT events in JSON (one object per line)",
    .detect = uj_detect,
    .open = ct_open,
    .line = uj_line,
    .flush = ct_flush,
    .pending_offset = ct_pending,
    .close = ct_close,
};
