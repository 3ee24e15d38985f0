/*
 * ipfix - IPFIX (RFC 7011) message decoder for RFC 8158 NAT events, and a
 * classic pcap reader (see ipfix.h for the contract).
 *
 * Message (RFC 7011 §3.1):
 *   version=10 (2) | length (2) | export time (4) | sequence (4) | domain (4)
 *   then sets: set id (2) | set length (2) | records
 *   set id 2: template records     id (2) | field count (2) | fields
 *   set id 3: options templates    id (2) | field count (2) | scope count (2)
 *   field specifier: E|IE (2) | length (2) [| enterprise number (4)]
 *   set id >= 256: data records by that template; length 65535 marks a
 *   variable-length field (1-byte length, or 255 then a 2-byte length).
 * A template record with field count 0 withdraws the template; template
 * id 2 (or 3) with count 0 withdraws all templates (options templates) of
 * the observation domain (§8.1).
 *
 * Written here rather than taken from a library: Debian's IPFIX
 * libraries (libfixbuf) pull in glib, and nfdump's decoder is not a
 * library and drops the port-block IEs (log-formats.md §4.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "core/natrd.h"
#include "fmt/ipfix.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* information elements used (IANA IPFIX registry; log-formats.md §4.1) */
enum {
	IE_PROTO = 4,
	IE_SPORT = 7,
	IE_SRC4 = 8,
	IE_DPORT = 11,
	IE_DST4 = 12,
	IE_SRC6 = 27,
	IE_DST6 = 28,
	IE_FLOW_START_S = 150,
	IE_FLOW_END_S = 151,
	IE_FLOW_START_MS = 152,
	IE_FLOW_END_MS = 153,
	IE_POST_SRC4 = 225,
	IE_POST_DST4 = 226,
	IE_POST_SPORT = 227,
	IE_POST_DPORT = 228,
	IE_NAT_EVENT = 230,
	IE_VRF = 234,
	IE_POST_SRC6 = 281,
	IE_OBS_S = 322,
	IE_OBS_MS = 323,
	IE_PR_START = 361,
	IE_PR_END = 362,
	IE_PR_STEP = 363,
	IE_PR_NUM = 364,
};

#define MAX_MS 253402300799999ULL /* 9999-12-31T23:59:59.999Z */

struct field {
	uint16_t ie;
	uint16_t len; /* 65535: variable */
	uint32_t pen; /* enterprise number; 0 = IANA */
};

struct tmpl {
	struct cs_addr exporter;
	uint32_t domain;
	uint16_t id;
	int options;
	uint16_t nfields;
	size_t minlen; /* bytes of the shortest record */
	struct field f[CS_IPFIX_MAXFIELDS];
};

struct held {
	struct cs_addr exporter;
	uint32_t domain;
	uint16_t id;
	uint32_t export_time;
	uint64_t msgno;
	uint8_t *p; /* owned: the set's records */
	size_t len;
};

struct cs_ipfix {
	struct cs_sink *sink; /* borrowed */
	struct tmpl **t;      /* owned */
	size_t nt;
	struct held held[CS_IPFIX_MAXHELD];
	size_t nheld, heldbytes;
	struct cs_addr draft[CS_IPFIX_MAXDRAFT];
	size_t ndraft;
	struct cs_ipfix_stats st;
	struct cs_buf ev; /* evidence text of one record */
};

struct cs_ipfix *
cs_ipfix_new(struct cs_sink *sink)
{
	struct cs_ipfix *x = cs_xcalloc(1, sizeof(*x));

	x->sink = sink;
	cs_buf_init(&x->ev, NULL, 0, 65536);
	return x;
}

void
cs_ipfix_free(struct cs_ipfix *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nt; i++)
		free(x->t[i]);
	free(x->t);
	for (i = 0; i < x->nheld; i++)
		free(x->held[i].p);
	cs_buf_release(&x->ev);
	free(x);
}

enum cs_err
cs_ipfix_draft_numbering(struct cs_ipfix *x, const struct cs_addr *exporter)
{
	if (x->ndraft == CS_IPFIX_MAXDRAFT)
		return CS_ETOOBIG;
	x->draft[x->ndraft++] = *exporter;
	return CS_OK;
}

const struct cs_ipfix_stats *
cs_ipfix_stats(const struct cs_ipfix *x)
{
	return &x->st;
}

static int
same_addr(const struct cs_addr *a, const struct cs_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

static size_t
tmpl_find(
    struct cs_ipfix *x, const struct cs_addr *e, uint32_t dom, uint16_t id)
{
	size_t i;

	for (i = 0; i < x->nt; i++)
		if (x->t[i]->id == id && x->t[i]->domain == dom &&
		    same_addr(&x->t[i]->exporter, e))
			return i;
	return SIZE_MAX;
}

static void
tmpl_remove(struct cs_ipfix *x, size_t i)
{
	free(x->t[i]);
	x->t[i] = x->t[--x->nt];
	x->st.withdrawn++;
}

static void
bad(struct cs_ipfix *x, uint64_t msgno, const char *why)
{
	x->st.bad++;
	x->sink->reject(x->sink->arg, msgno, "ipfix", why,
	    cs_span_cstr("(binary IPFIX message)"));
}

/* ---- data records ---- */

struct natrec {
	int has[8];
	uint64_t obs_ms, flow_ms;
	uint8_t event, proto;
	struct cs_addr src, post, dst;
	int sport, post_sport, dport;
	int pr_start, pr_end, pr_step, pr_num;
	uint32_t vrf;
};

static uint64_t
uval(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* put_u - decimal v appended without printf (the evidence hot path) */
static void
put_u(struct cs_buf *b, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	cs_buf_append(b, d + i, sizeof(d) - i);
}

static void
ev_field(struct cs_buf *b, const struct field *f, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (f->pen) {
		cs_buf_putc(b, ' ');
		put_u(b, f->pen);
		cs_buf_putc(b, '.');
		put_u(b, f->ie);
		cs_buf_putc(b, '=');
	} else {
		cs_buf_append(b, " ie", 3);
		put_u(b, f->ie);
		cs_buf_putc(b, '=');
	}
	if ((f->ie == IE_SRC4 || f->ie == IE_DST4 || f->ie == IE_POST_SRC4 ||
		f->ie == IE_POST_DST4) &&
	    n == 4 && !f->pen) {
		for (i = 0; i < 4; i++) {
			if (i)
				cs_buf_putc(b, '.');
			put_u(b, p[i]);
		}
		return;
	}
	if (n <= 8) {
		put_u(b, uval(p, n));
		return;
	}
	for (i = 0; i < n && i < 64; i++) {
		char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};

		cs_buf_append(b, h, 2);
	}
}

static void
take(struct natrec *r, const struct field *f, const uint8_t *p, size_t n)
{
	if (f->pen)
		return;
	switch (f->ie) {
	case IE_OBS_MS:
		r->obs_ms = uval(p, n);
		r->has[0] = 1;
		break;
	case IE_OBS_S:
		if (!r->has[0]) {
			r->obs_ms = uval(p, n) * 1000;
			r->has[0] = 1;
		}
		break;
	case IE_FLOW_START_MS:
	case IE_FLOW_END_MS:
		r->flow_ms = uval(p, n);
		r->has[1] = 1;
		break;
	case IE_FLOW_START_S:
	case IE_FLOW_END_S:
		if (!r->has[1]) {
			r->flow_ms = uval(p, n) * 1000;
			r->has[1] = 1;
		}
		break;
	case IE_NAT_EVENT:
		r->event = (uint8_t)uval(p, n);
		r->has[2] = 1;
		break;
	case IE_PROTO:
		r->proto = (uint8_t)uval(p, n);
		break;
	case IE_SRC4:
	case IE_SRC6:
	case IE_POST_SRC4:
	case IE_POST_SRC6:
	case IE_DST4:
	case IE_DST6: {
		struct cs_addr *a = f->ie == IE_SRC4 || f->ie == IE_SRC6
		    ? &r->src
		    : f->ie == IE_DST4 || f->ie == IE_DST6 ? &r->dst
							   : &r->post;
		if (n != 4 && n != 16)
			break;
		memset(a, 0, sizeof(*a));
		a->family = n == 4 ? 4 : 6;
		a->plen = n == 4 ? 32 : 128;
		memcpy(a->a, p, n);
		break;
	}
	case IE_SPORT:
		r->sport = (int)(uval(p, n) & 0xffff);
		break;
	case IE_POST_SPORT:
		r->post_sport = (int)(uval(p, n) & 0xffff);
		break;
	case IE_DPORT:
		r->dport = (int)(uval(p, n) & 0xffff);
		break;
	case IE_PR_START:
		r->pr_start = (int)(uval(p, n) & 0xffff);
		break;
	case IE_PR_END:
		r->pr_end = (int)(uval(p, n) & 0xffff);
		break;
	case IE_PR_STEP:
		r->pr_step = (int)(uval(p, n) & 0xffff);
		break;
	case IE_PR_NUM:
		r->pr_num = (int)(uval(p, n) & 0xffff);
		break;
	case IE_VRF:
		r->vrf = (uint32_t)uval(p, n);
		break;
	}
}

/*
 * classify - natEvent to (kind, event) in the exporter's numbering;
 * 0 for events that are not about who held an address or port.
 */
static int
classify(int draft, unsigned ev, enum cs_nat_kind *k, enum cs_nat_event *e)
{
	static const struct evmap {
		uint8_t v, kind, event;
	} iana[] =
	    {
		{1, CS_NAT_SESSION, CS_NAT_CREATE}, /* historic */
		{2, CS_NAT_SESSION, CS_NAT_DELETE},
		{4, CS_NAT_SESSION, CS_NAT_CREATE},
		{5, CS_NAT_SESSION, CS_NAT_DELETE},
		{6, CS_NAT_SESSION, CS_NAT_CREATE}, /* NAT64 */
		{7, CS_NAT_SESSION, CS_NAT_DELETE},
		{14, CS_NAT_BINDING, CS_NAT_CREATE},
		{15, CS_NAT_BINDING, CS_NAT_DELETE},
		{16, CS_NAT_BLOCK, CS_NAT_CREATE},
		{17, CS_NAT_BLOCK, CS_NAT_DELETE},
	    },
	  drafts[] = {
	      {1, CS_NAT_SESSION, CS_NAT_CREATE},
	      {2, CS_NAT_SESSION, CS_NAT_DELETE},
	      {4, CS_NAT_SESSION, CS_NAT_CREATE}, /* NAT64 */
	      {5, CS_NAT_SESSION, CS_NAT_DELETE},
	      {12, CS_NAT_BINDING, CS_NAT_CREATE},
	      {13, CS_NAT_BINDING, CS_NAT_DELETE},
	      {14, CS_NAT_BLOCK, CS_NAT_CREATE},
	      {15, CS_NAT_BLOCK, CS_NAT_DELETE},
	  };
	const struct evmap *m = draft ? drafts : iana;
	size_t i,
	    n = draft ? sizeof(drafts) / sizeof(drafts[0])
		      : sizeof(iana) / sizeof(iana[0]);

	for (i = 0; i < n; i++)
		if (m[i].v == ev) {
			*k = (enum cs_nat_kind)m[i].kind;
			*e = (enum cs_nat_event)m[i].event;
			return 1;
		}
	return 0;
}

static int
is_draft(struct cs_ipfix *x, const struct cs_addr *e)
{
	size_t i;

	for (i = 0; i < x->ndraft; i++)
		if (same_addr(&x->draft[i], e))
			return 1;
	return 0;
}

static void
emit(struct cs_ipfix *x, const struct tmpl *t, const struct natrec *r,
    uint32_t export_time, uint64_t msgno)
{
	struct cs_nat n;
	struct cs_obs ob;
	char link[24];
	uint64_t ms;
	int64_t hi;
	enum cs_nat_kind kind;
	enum cs_nat_event event;

	if (!r->has[2])
		return; /* not a NAT event record */
	if (!classify(is_draft(x, &t->exporter), r->event, &kind, &event)) {
		x->st.unknown_event++;
		x->sink->skip(x->sink->arg, "ipfix natEvent not about holders");
		return;
	}
	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.event = event;
	n.proto = r->proto;
	n.inside = r->src;
	n.pub = r->post;
	n.inside_port = -1;
	n.dst_port = -1;
	n.port_step = 1;
	n.start = n.end = CS_TIME_NONE;
	n.lifetime = -1;
	if (!n.inside.family || !n.pub.family) {
		bad(x, msgno, "NAT event without source and post-NAT address");
		return;
	}
	if (kind == CS_NAT_SESSION) {
		if (r->post_sport < 0) {
			bad(x, msgno,
			    "session event without "
			    "postNAPTSourceTransportPort");
			return;
		}
		n.port_lo = n.port_hi = r->post_sport;
		n.inside_port = r->sport;
		n.dst = r->dst;
		n.dst_port = r->dst.family ? r->dport : -1;
	} else if (kind == CS_NAT_BLOCK) {
		if (r->pr_start < 0 || (r->pr_end < 0 && r->pr_num <= 0)) {
			bad(x, msgno, "port block without portRangeStart/End");
			return;
		}
		n.port_lo = r->pr_start;
		n.port_step = r->pr_step > 0 ? r->pr_step : 1;
		hi = r->pr_end >= 0
		    ? r->pr_end
		    : r->pr_start + (int64_t)(r->pr_num - 1) * n.port_step;
		if (hi > 65535 || hi < n.port_lo) {
			bad(x, msgno, "port block range out of order");
			return;
		}
		n.port_hi = (int)hi;
		n.proto = 0; /* a block serves every protocol */
	} else {
		n.port_lo = 0;
		n.port_hi = 65535;
		n.proto = 0;
	}
	if (r->vrf) {
		snprintf(link, sizeof(link), "vrf %u", (unsigned)r->vrf);
		n.link = cs_span_cstr(link);
	}
	ms = r->has[0]  ? r->obs_ms
	    : r->has[1] ? r->flow_ms
			: (uint64_t)export_time * 1000;
	if (ms > MAX_MS) {
		bad(x, msgno, "event time beyond the year 9999");
		return;
	}
	cs_obs_init(&ob);
	ob.kind = CS_OBS_NAT;
	ob.src = CS_SRC_IPFIX;
	ob.time = (cs_time)ms * 1000;
	if (event == CS_NAT_CREATE)
		n.start = ob.time;
	ob.nat = &n;
	ob.raw = cs_span_make(x->ev.data, x->ev.len);
	ob.line = msgno;
	x->st.nat++;
	x->sink->obs(x->sink->arg, &ob);
}

/* data_set - the records of one data set by template t */
static void
data_set(struct cs_ipfix *x, const struct tmpl *t, const uint8_t *p, size_t len,
    uint32_t export_time, uint64_t msgno)
{
	struct cs_rd rd;
	char ex[CS_ADDR_STRLEN], head[160];
	size_t hlen;
	uint16_t i;

	cs_rd_init(&rd, p, len);
	if (t->options)
		return; /* options data (exporter statistics): not ours */
	cs_addr_format(&t->exporter, ex);
	/* the evidence's head is the same for every record of the set */
	hlen = (size_t)snprintf(head, sizeof(head),
	    "ipfix exporter=%s domain=%u template=%u export_time=%u", ex,
	    (unsigned)t->domain, (unsigned)t->id, (unsigned)export_time);
	if (hlen >= sizeof(head))
		hlen = sizeof(head) - 1;
	while (cs_rd_left(&rd) >= t->minlen && cs_rd_left(&rd) > 0) {
		struct natrec r;
		memset(&r, 0, sizeof(r));
		r.sport = r.post_sport = r.dport = -1;
		r.pr_start = r.pr_end = r.pr_num = -1;
		r.pr_step = 0;
		cs_buf_reset(&x->ev);
		cs_buf_append(&x->ev, head, hlen);
		for (i = 0; i < t->nfields; i++) {
			const struct field *f = &t->f[i];
			size_t n = f->len;
			const uint8_t *v;
			if (n == 65535) {
				n = cs_rd_u8(&rd);
				if (n == 255)
					n = cs_rd_be16(&rd);
			}
			if ((v = cs_rd_bytes(&rd, n)) == NULL)
				break;
			take(&r, f, v, n);
			ev_field(&x->ev, f, v, n);
		}
		if (rd.err) {
			bad(x, msgno, "data record truncated");
			return;
		}
		x->st.records++;
		emit(x, t, &r, export_time, msgno);
		if (t->minlen == 0)
			break; /* only variable-length empty fields */
	}
}

static void
hold(struct cs_ipfix *x, const struct cs_addr *e, uint32_t dom, uint16_t id,
    const uint8_t *p, size_t len, uint32_t export_time, uint64_t msgno)
{
	struct held *h;

	if (len > CS_IPFIX_HELDBYTES)
		len = 0;
	while (x->nheld &&
	    (x->nheld == CS_IPFIX_MAXHELD ||
		x->heldbytes + len > CS_IPFIX_HELDBYTES)) {
		/* drop the oldest */
		x->heldbytes -= x->held[0].len;
		free(x->held[0].p);
		memmove(&x->held[0], &x->held[1],
		    (x->nheld - 1) * sizeof(x->held[0]));
		x->nheld--;
		x->st.held_dropped++;
		bad(x, msgno, "data set dropped: its template never came");
	}
	h = &x->held[x->nheld++];
	h->exporter = *e;
	h->domain = dom;
	h->id = id;
	h->export_time = export_time;
	h->msgno = msgno;
	h->p = cs_xmalloc(len ? len : 1);
	if (len)
		memcpy(h->p, p, len);
	h->len = len;
	x->heldbytes += len;
	x->st.held++;
}

/* release - data sets held for template t, decoded now, in order */
static void
release(struct cs_ipfix *x, const struct tmpl *t)
{
	size_t i, k;

	for (i = k = 0; i < x->nheld; i++) {
		struct held *h = &x->held[i];
		if (h->id == t->id && h->domain == t->domain &&
		    same_addr(&h->exporter, &t->exporter)) {
			data_set(x, t, h->p, h->len, h->export_time, h->msgno);
			x->heldbytes -= h->len;
			free(h->p);
		} else {
			x->held[k++] = *h;
		}
	}
	x->nheld = k;
}

/* template_set - template (options = 0) or options template records */
static int
template_set(struct cs_ipfix *x, const struct cs_addr *e, uint32_t dom,
    int options, struct cs_rd *rd, uint64_t msgno)
{
	while (cs_rd_left(rd) >= 4) {
		struct tmpl t;
		uint16_t id = cs_rd_be16(rd), count = cs_rd_be16(rd), i;
		size_t at;

		if (count == 0) {
			/* withdrawal: one template, or all of that kind */
			size_t j = 0;
			if (id == 2 || id == 3) {
				while (j < x->nt)
					if (x->t[j]->domain == dom &&
					    same_addr(&x->t[j]->exporter, e) &&
					    x->t[j]->options == (id == 3))
						tmpl_remove(x, j);
					else
						j++;
			} else if ((at = tmpl_find(x, e, dom, id)) !=
			    SIZE_MAX) {
				tmpl_remove(x, at);
			}
			continue;
		}
		if (id < 256 || count > CS_IPFIX_MAXFIELDS)
			return -1;
		memset(&t, 0, sizeof(t));
		t.exporter = *e;
		t.domain = dom;
		t.id = id;
		t.options = options;
		t.nfields = count;
		if (options && cs_rd_be16(rd) > count)
			return -1; /* scope field count */
		for (i = 0; i < count; i++) {
			uint16_t ie = cs_rd_be16(rd);
			t.f[i].len = cs_rd_be16(rd);
			t.f[i].ie = ie & 0x7fff;
			if (ie & 0x8000)
				t.f[i].pen = cs_rd_be32(rd);
			t.minlen += t.f[i].len == 65535 ? 1 : t.f[i].len;
		}
		if (rd->err)
			return -1;
		if (options)
			x->st.options++;
		else
			x->st.templates++;
		if ((at = tmpl_find(x, e, dom, id)) != SIZE_MAX) {
			*x->t[at] = t; /* refresh (or redefinition) */
		} else {
			if (x->nt == CS_IPFIX_MAXTEMPLATES)
				return -1;
			x->t = cs_xreallocarray(x->t, x->nt + 1, sizeof(*x->t));
			x->t[x->nt] = cs_xmalloc(sizeof(t));
			*x->t[x->nt] = t;
			at = x->nt++;
		}
		release(x, x->t[at]);
	}
	return 0;
}

enum cs_err
cs_ipfix_message(struct cs_ipfix *x, const struct cs_addr *exporter,
    const uint8_t *p, size_t n, uint64_t msgno)
{
	struct cs_rd rd, set;
	uint16_t version, length;
	uint32_t export_time, dom;

	cs_rd_init(&rd, p, n);
	version = cs_rd_be16(&rd);
	length = cs_rd_be16(&rd);
	export_time = cs_rd_be32(&rd);
	(void)cs_rd_be32(&rd); /* sequence number */
	dom = cs_rd_be32(&rd);
	if (rd.err || version != 10) {
		bad(x, msgno,
		    rd.err ? "message shorter than its header"
			   : "not IPFIX (version is not 10)");
		return CS_EPARSE;
	}
	if (length < 16 || length > n) {
		bad(x, msgno, "message length beyond the datagram");
		return CS_EPARSE;
	}
	rd.len = length;
	x->st.messages++;
	while (cs_rd_left(&rd) > 0) {
		uint16_t id = cs_rd_be16(&rd), slen = cs_rd_be16(&rd);
		size_t at;

		if (rd.err || slen < 4 || slen - 4u > cs_rd_left(&rd)) {
			bad(x, msgno, "set length beyond the message");
			return CS_EPARSE;
		}
		cs_rd_sub(&rd, slen - 4u, &set);
		if (id == 2 || id == 3) {
			if (template_set(
				x, exporter, dom, id == 3, &set, msgno) != 0) {
				bad(x, msgno, "malformed template set");
				return CS_EPARSE;
			}
		} else if (id >= 256) {
			at = tmpl_find(x, exporter, dom, id);
			if (at == SIZE_MAX)
				hold(x, exporter, dom, id, set.p, set.len,
				    export_time, msgno);
			else
				data_set(x, x->t[at], set.p, set.len,
				    export_time, msgno);
		}
		/* ids 0, 1 (NetFlow v9) and 4..255 are reserved: skipped */
	}
	return CS_OK;
}

/* ---- pcap ---- */

/* ip_udp - the UDP payload of an IPv4/IPv6 packet, or -1 */
static int
ip_udp(struct cs_rd *rd, int port, struct cs_addr *src, struct cs_rd *pl)
{
	uint8_t v = rd->len > rd->off ? rd->p[rd->off] >> 4 : 0;
	uint16_t sport, dport, ulen;
	const uint8_t *a;

	memset(src, 0, sizeof(*src));
	if (v == 4) {
		uint8_t ihl = cs_rd_u8(rd) & 0x0f;
		uint16_t total, frag;
		(void)cs_rd_u8(rd);
		total = cs_rd_be16(rd);
		(void)cs_rd_be16(rd);
		frag = cs_rd_be16(rd);
		(void)cs_rd_u8(rd);
		if (cs_rd_u8(rd) != 17 || ihl < 5 || (frag & 0x3fff))
			return -1; /* not UDP, or a fragment */
		(void)cs_rd_be16(rd);
		if ((a = cs_rd_bytes(rd, 4)) == NULL ||
		    cs_rd_bytes(rd, 4) == NULL ||
		    cs_rd_bytes(rd, (size_t)(ihl - 5) * 4) == NULL)
			return -1;
		if (total < ihl * 4u)
			return -1;
		src->family = 4;
		src->plen = 32;
		memcpy(src->a, a, 4);
	} else if (v == 6) {
		uint8_t nh;
		(void)cs_rd_be32(rd);
		(void)cs_rd_be16(rd);
		nh = cs_rd_u8(rd);
		(void)cs_rd_u8(rd);
		if ((a = cs_rd_bytes(rd, 16)) == NULL ||
		    cs_rd_bytes(rd, 16) == NULL)
			return -1;
		/* hop-by-hop, routing, destination options */
		while (nh == 0 || nh == 43 || nh == 60) {
			nh = cs_rd_u8(rd);
			if (cs_rd_bytes(rd, 6 + 8 * (size_t)cs_rd_u8(rd)) ==
			    NULL)
				return -1;
		}
		if (nh != 17)
			return -1;
		src->family = 6;
		src->plen = 128;
		memcpy(src->a, a, 16);
	} else {
		return -1;
	}
	sport = cs_rd_be16(rd);
	dport = cs_rd_be16(rd);
	ulen = cs_rd_be16(rd);
	(void)cs_rd_be16(rd);
	if (rd->err || ulen < 8 || ulen - 8u > cs_rd_left(rd))
		return -1;
	if (port && sport != port && dport != port)
		return -1;
	cs_rd_sub(rd, ulen - 8u, pl);
	return 0;
}

enum cs_err
cs_ipfix_pcap(struct cs_ipfix *x, const uint8_t *p, size_t n, int port,
    struct cs_errbuf *eb)
{
	struct cs_rd rd, pkt, pl;
	uint32_t magic, link, incl;
	int le, nano;
	uint64_t frame = 0;
	struct cs_addr src;

	cs_rd_init(&rd, p, n);
	magic = cs_rd_be32(&rd);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		le = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		le = 1;
	else {
		cs_errbuf_set(eb,
		    "not a classic pcap file (pcapng is not "
		    "read: convert with editcap -F pcap)");
		return CS_EPARSE;
	}
	nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	(void)nano;
	if (cs_rd_bytes(&rd, 16) == NULL) {
		cs_errbuf_set(eb, "pcap header truncated");
		return CS_EPARSE;
	}
	link = le ? cs_rd_le32(&rd) : cs_rd_be32(&rd);
	link &= 0x0fffffff;
	while (cs_rd_left(&rd) > 0) {
		uint16_t et = 0;
		if (cs_rd_left(&rd) < 16) {
			bad(x, frame + 1, "pcap record header truncated");
			break;
		}
		(void)cs_rd_bytes(&rd, 8); /* timestamp */
		incl = le ? cs_rd_le32(&rd) : cs_rd_be32(&rd);
		(void)cs_rd_bytes(&rd, 4); /* original length */
		frame++;
		if (incl > cs_rd_left(&rd)) {
			bad(x, frame, "pcap record truncated");
			break;
		}
		cs_rd_sub(&rd, incl, &pkt);
		switch (link) {
		case 1: /* Ethernet */
			(void)cs_rd_bytes(&pkt, 12);
			et = cs_rd_be16(&pkt);
			while (et == 0x8100 || et == 0x88a8) {
				(void)cs_rd_be16(&pkt);
				et = cs_rd_be16(&pkt);
			}
			break;
		case 113: /* Linux cooked v1 */
			(void)cs_rd_bytes(&pkt, 14);
			et = cs_rd_be16(&pkt);
			break;
		case 276: /* Linux cooked v2 */
			et = cs_rd_be16(&pkt);
			(void)cs_rd_bytes(&pkt, 18);
			break;
		case 0: /* BSD loopback: AF in host order */
			(void)cs_rd_bytes(&pkt, 4);
			et = 0;
			break;
		case 12:
		case 14:
		case 101:
		case 228:
		case 229:
			et = 0; /* raw IP */
			break;
		default:
			cs_errbuf_set(eb, "pcap link type %u not supported",
			    (unsigned)link);
			return CS_EPARSE;
		}
		if (pkt.err || (et && et != 0x0800 && et != 0x86dd))
			continue;
		if (ip_udp(&pkt, port, &src, &pl) != 0)
			continue;
		(void)cs_ipfix_message(x, &src, pl.p, pl.len, frame);
	}
	return CS_OK;
}
