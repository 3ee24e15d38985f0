/*
 * match - targets, their sessions and live addresses.  See match.h.
 *
 * Data: the targets (a few hundred at most), the targets' sessions (one per
 * RADIUS session, DHCP lease or store binding of a target), and an address
 * index built from both: records (address or prefix, intercept) chained in
 * a power-of-two hash table.  A packet looks up its source and destination
 * once per distinct prefix length present (usually only /32 and /128, plus
 * the lengths of delegated prefixes), so the cost per packet is a couple of
 * hash lookups.  The index is rebuilt whenever a target or session changes
 * (identity events are rare next to packets).
 *
 * The RADIUS and DHCP parsers are written here because libpcap gives bytes
 * and no library dissects these two on a hot path without allocating;
 * both are strict (RFC 2865/2866 attribute framing, RFC 2131/2132 option
 * framing) and bounds-checked.
 */
#include <stdlib.h>
#include <string.h>

#include "li/match.h"
#include "util/xmalloc.h"

/* RADIUS attributes (RFC 2865, 2866, 2869, 3162, 4818, 6911) */
#define RA_USER_NAME 1
#define RA_NAS_IP 4
#define RA_FRAMED_IP 8
#define RA_FRAMED_ROUTE 22
#define RA_FRAMED_IPV6_ROUTE 99
#define RA_VSA 26
#define RA_CALLING_STATION 31
#define RA_NAS_ID 32
#define RA_STATUS 40
#define RA_DELAY 41
#define RA_SESSION_ID 44
#define RA_TERM_CAUSE 49
#define RA_EVENT_TS 55
#define RA_NAS_PORT_ID 87
#define RA_NAS_IPV6 95
#define RA_FRAMED_IPV6_PREFIX 97
#define RA_DELEGATED_PREFIX 123
#define RA_FRAMED_IPV6_ADDR 168
#define VENDOR_BBF 3561 /* ADSL Forum / Broadband Forum */

#define ACCT_START 1
#define ACCT_STOP 2
#define ACCT_INTERIM 3
#define ACCT_ON 7
#define ACCT_OFF 8

#define DHCP_NAK 6
#define DHCP_ACK 5
#define DHCP_RELEASE 7

/* TS 102 232-3 EndReason */
#define END_UNDEFINED 0
#define END_LOGOFF 1
#define END_LOSS 2
#define END_TIMEOUT 3
#define END_LEASE 4

enum { SRC_DHCP = 0, SRC_RADIUS = 1, SRC_SEED = 2, SRC_DHCP6 = 3 };

#define NADDR (4 + LI_ROUTES) /* a4, p6, d6, h6, routes */
/* shorter prefixes from accounting are not followed (a forged or wrong
 * Framed-Route 0.0.0.0/0 must not make everyone a target) */
#define MINPLEN4 16
#define MINPLEN6 32
#define RING 256 /* ended sessions remembered (retransmitted Stops) */
#define DUP_WINDOW (10 * CS_US) /* a relayed ACK seen twice */
#define MAXHITS 256

struct tgt {
	uint32_t icpt;
	enum cs_tkind kind;
	char value[CS_CASE_STR];
	struct cs_addr addr; /* TK_IP, TK_IPV6PREFIX */
	int incl;            /* identity packets go to on_pkt too */
	cs_time from, to;    /* the target's window; CS_TIME_NONE: open */
};

struct sess {
	int src; /* SRC_* */
	char username[LI_STR];
	char mac[CS_MAC_STRLEN];
	char circuit[LI_STR];
	char nas_port_id[LI_STR];
	char nas_id[LI_STR];
	char session[LI_STR];
	struct cs_addr nas;
	struct cs_addr a[NADDR];
	cs_time start;
	cs_time lease_end; /* DHCP: CS_TIME_NONE if unbounded */
	uint32_t xid;      /* DHCP: the last ACK's transaction id */
	cs_time acked;     /* DHCP: when it came */
};

/* one (address or prefix, intercept) of the index; w: masked words */
struct arec {
	uint32_t w[4];
	uint8_t family, plen;
	uint32_t icpt;
	int32_t next;
	cs_time from, to; /* the target's window */
};

struct li_match {
	struct tgt *t;
	size_t nt, capt, nident; /* nident: targets of identity kinds */
	struct sess *s;
	size_t ns, caps;
	struct arec *r;
	size_t nr, capr;
	int32_t *bucket;
	uint32_t mask; /* nbucket - 1 */
	uint8_t plens4[33], plens6[129];
	int nplen4, nplen6;
	cs_time next_expiry;
	uint64_t ended[RING]; /* keys of RADIUS sessions ended lately */
	unsigned nended;
	struct cs_addr trust[LI_MATCH_MAXTRUST];
	int ntrust;
	struct li_match_stats st;
};

struct hits {
	uint32_t icpt[MAXHITS];
	enum li_dir dir[MAXHITS];
	int n;
};

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* ---- the address index ---- */

/* words - a's address cut to plen bits, as four host-order words */
static inline void
words(const uint8_t *a, int family, int plen, uint32_t w[4])
{
	int i, nw = family == 4 ? 1 : 4;

	for (i = 0; i < 4; i++) {
		int bits = plen - 32 * i;

		if (i >= nw || bits <= 0)
			w[i] = 0;
		else if (bits >= 32)
			w[i] = be32(a + 4 * i);
		else
			w[i] = be32(a + 4 * i) & ~(0xffffffffu >> bits);
	}
}

static inline uint32_t
hash_words(const uint32_t w[4], int plen)
{
	uint32_t h = (uint32_t)plen * 0x9e3779b1u;

	h ^= w[0] * 0x85ebca6bu;
	h = (h << 13 | h >> 19) ^ w[1] * 0xc2b2ae35u;
	h = (h << 13 | h >> 19) ^ w[2] * 0x27d4eb2fu;
	h = (h << 13 | h >> 19) ^ w[3] * 0x165667b1u;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

/* indexed - a's exact address or prefix has a record in the index */
static int
indexed(const struct li_match *m, const struct cs_addr *a)
{
	uint32_t w[4];
	int32_t j;

	if (a->family != 4 && a->family != 6)
		return 0;
	words(a->a, a->family, a->plen, w);
	for (j = m->bucket[hash_words(w, a->plen) & m->mask]; j >= 0;
	     j = m->r[j].next)
		if (m->r[j].plen == a->plen && m->r[j].family == a->family &&
		    memcmp(m->r[j].w, w, sizeof(w)) == 0)
			return 1;
	return 0;
}

/* in_window - target window [from, to) holds t (CS_TIME_NONE: any) */
static inline int
in_window(cs_time from, cs_time to, cs_time t)
{
	return t == CS_TIME_NONE ||
	    ((from == CS_TIME_NONE || t >= from) &&
		(to == CS_TIME_NONE || t < to));
}

static void
add_rec(struct li_match *m, const struct cs_addr *a, const struct tgt *tg)
{
	struct arec *r;

	if (a->family != 4 && a->family != 6)
		return;
	if (m->nr == m->capr) {
		m->capr = m->capr ? m->capr * 2 : 64;
		m->r = cs_xreallocarray(m->r, m->capr, sizeof(*m->r));
	}
	r = &m->r[m->nr++];
	words(a->a, a->family, a->plen, r->w);
	r->family = a->family;
	r->plen = a->plen;
	r->icpt = tg->icpt;
	r->next = -1;
	r->from = tg->from;
	r->to = tg->to;
}

/* ---- identity values ---- */

static int
sess_has_ident(const struct sess *s, const struct tgt *t)
{
	switch (t->kind) {
	case TK_USERNAME:
		return s->username[0] && strcmp(s->username, t->value) == 0;
	case TK_MAC:
		return s->mac[0] && strcmp(s->mac, t->value) == 0;
	case TK_CIRCUIT:
		return (s->circuit[0] && strcmp(s->circuit, t->value) == 0) ||
		    (s->nas_port_id[0] &&
			strcmp(s->nas_port_id, t->value) == 0);
	default:
		return 0;
	}
}

static int
is_ident_kind(enum cs_tkind k)
{
	return k == TK_USERNAME || k == TK_MAC || k == TK_CIRCUIT;
}

/*
 * sess_icpts - the distinct intercepts whose targets session s is, at time
 * t (targets whose window does not hold t are left out; CS_TIME_NONE:
 * whatever their window)
 */
static int
sess_icpts(const struct li_match *m, const struct sess *s, uint32_t *out,
    int *incl, int max, cs_time t)
{
	size_t i;
	int n = 0, j;

	for (i = 0; i < m->nt; i++) {
		if (!is_ident_kind(m->t[i].kind) ||
		    !in_window(m->t[i].from, m->t[i].to, t) ||
		    !sess_has_ident(s, &m->t[i]))
			continue;
		for (j = 0; j < n && out[j] != m->t[i].icpt; j++)
			;
		if (j < n) {
			if (incl)
				incl[j] |= m->t[i].incl;
			continue;
		}
		if (n == max)
			break;
		if (incl)
			incl[n] = m->t[i].incl;
		out[n++] = m->t[i].icpt;
	}
	return n;
}

static void
plen_note(uint8_t *set, int *n, uint8_t plen)
{
	int i, j;

	for (i = 0; i < *n && set[i] > plen; i++)
		;
	if (i < *n && set[i] == plen)
		return;
	for (j = *n; j > i; j--)
		set[j] = set[j - 1];
	set[i] = plen;
	(*n)++;
}

/* rebuild - the address index from the targets and sessions */
static void
rebuild(struct li_match *m)
{
	uint32_t nb;
	size_t i, k;
	int j;

	m->nr = 0;
	m->nident = 0;
	for (i = 0; i < m->nt; i++) {
		if (m->t[i].kind == TK_IP || m->t[i].kind == TK_IPV6PREFIX)
			add_rec(m, &m->t[i].addr, &m->t[i]);
		else
			m->nident++;
	}
	m->next_expiry = CS_TIME_NONE;
	for (i = 0; i < m->ns; i++) {
		const struct sess *s = &m->s[i];

		/* one record per matching target: each has its window */
		for (k = 0; k < m->nt; k++) {
			if (!is_ident_kind(m->t[k].kind) ||
			    !sess_has_ident(s, &m->t[k]))
				continue;
			for (j = 0; j < NADDR; j++)
				if (s->a[j].plen >=
				    (s->a[j].family == 4 ? MINPLEN4 : MINPLEN6))
					add_rec(m, &s->a[j], &m->t[k]);
		}
		if (s->lease_end != CS_TIME_NONE &&
		    (m->next_expiry == CS_TIME_NONE ||
			s->lease_end < m->next_expiry))
			m->next_expiry = s->lease_end;
	}
	for (nb = 64; nb < 2 * m->nr; nb *= 2)
		;
	if (m->mask + 1 != nb || m->bucket == NULL) {
		free(m->bucket);
		m->bucket = cs_xreallocarray(NULL, nb, sizeof(*m->bucket));
		m->mask = nb - 1;
	}
	for (i = 0; i < nb; i++)
		m->bucket[i] = -1;
	m->nplen4 = m->nplen6 = 0;
	for (i = 0; i < m->nr; i++) {
		struct arec *r = &m->r[i];
		uint32_t h = hash_words(r->w, r->plen) & m->mask;

		r->next = m->bucket[h];
		m->bucket[h] = (int32_t)i;
		if (r->family == 4)
			plen_note(m->plens4, &m->nplen4, r->plen);
		else
			plen_note(m->plens6, &m->nplen6, r->plen);
	}
	m->st.sessions = m->ns;
}

struct li_match *
li_match_new(void)
{
	struct li_match *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->next_expiry = CS_TIME_NONE;
	m->bucket = malloc(64 * sizeof(*m->bucket));
	if (m->bucket == NULL) {
		free(m);
		return NULL;
	}
	m->mask = 63;
	rebuild(m);
	return m;
}

void
li_match_free(struct li_match *m)
{
	if (m == NULL)
		return;
	free(m->t);
	free(m->s);
	free(m->r);
	free(m->bucket);
	free(m);
}

int
li_match_add(struct li_match *m, uint32_t icpt, const struct cs_target *t,
    int include_identity_packets)
{
	struct tgt nt;
	uint8_t mac[6];

	memset(&nt, 0, sizeof(nt));
	nt.icpt = icpt;
	nt.kind = t->kind;
	nt.incl = include_identity_packets != 0;
	nt.from = t->from;
	nt.to = t->to;
	if (memchr(t->value, '\0', sizeof(t->value)) == NULL || !t->value[0])
		return -1;
	switch (t->kind) {
	case TK_IP:
	case TK_IPV6PREFIX:
		if (cs_addr_parse(cs_span_cstr(t->value), &nt.addr) != CS_OK)
			return -1;
		if (t->kind == TK_IPV6PREFIX && nt.addr.family != 6)
			return -1;
		if (nt.addr.plen < (nt.addr.family == 4 ? 8 : 16))
			return -1;
		break;
	case TK_MAC: /* canonical form, whatever spelling was stored */
		if (cs_mac_parse(cs_span_cstr(t->value), mac) != CS_OK)
			return -1;
		cs_mac_format(mac, nt.value);
		break;
	case TK_USERNAME:
	case TK_CIRCUIT:
		break;
	default:
		return -1;
	}
	if (t->kind != TK_MAC)
		memcpy(nt.value, t->value, sizeof(nt.value));
	if (m->nt == m->capt) {
		m->capt = m->capt ? m->capt * 2 : 16;
		m->t = cs_xreallocarray(m->t, m->capt, sizeof(*m->t));
	}
	m->t[m->nt++] = nt;
	rebuild(m);
	return 0;
}

static void
sess_del(struct li_match *m, size_t i)
{
	m->s[i] = m->s[--m->ns];
}

void
li_match_remove(struct li_match *m, uint32_t icpt)
{
	uint32_t tmp[1];
	size_t i;

	for (i = 0; i < m->nt;)
		if (m->t[i].icpt == icpt)
			m->t[i] = m->t[--m->nt];
		else
			i++;
	/* sessions no remaining target owns are forgotten */
	for (i = 0; i < m->ns;)
		if (sess_icpts(m, &m->s[i], tmp, NULL, 1, CS_TIME_NONE) == 0)
			sess_del(m, i);
		else
			i++;
	rebuild(m);
}

int
li_match_trust(struct li_match *m, const struct cs_addr *src)
{
	if (m->ntrust == LI_MATCH_MAXTRUST ||
	    (src->family != 4 && src->family != 6))
		return -1;
	m->trust[m->ntrust++] = *src;
	return 0;
}

static int
trusted(const struct li_match *m, const struct cs_addr *src)
{
	int i;

	if (m->ntrust == 0)
		return 1;
	for (i = 0; i < m->ntrust; i++)
		if (cs_addr_contains(&m->trust[i], src))
			return 1;
	return 0;
}

/* sess_new - a new session; NULL when LI_MATCH_MAXSESS are kept */
static struct sess *
sess_new(struct li_match *m)
{
	struct sess *s;

	if (m->ns >= LI_MATCH_MAXSESS) {
		m->st.full++;
		return NULL;
	}
	if (m->ns == m->caps) {
		m->caps = m->caps ? m->caps * 2 : 16;
		m->s = cs_xreallocarray(m->s, m->caps, sizeof(*m->s));
	}
	s = &m->s[m->ns++];
	memset(s, 0, sizeof(*s));
	s->start = CS_TIME_NONE;
	s->lease_end = CS_TIME_NONE;
	return s;
}

static void
copy_cstr(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = 0; /* too long to compare safely: absent */
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int
li_match_seed(struct li_match *m, const char *username, const char *mac,
    const char *circuit, const struct cs_addr *addr, cs_time start)
{
	struct sess tmp, *s = NULL;
	uint32_t icpts[MAXHITS];
	uint8_t mb[6];
	size_t i;
	int n, slot;

	memset(&tmp, 0, sizeof(tmp));
	copy_cstr(tmp.username, sizeof(tmp.username), username);
	if (mac && mac[0] && cs_mac_parse(cs_span_cstr(mac), mb) == CS_OK)
		cs_mac_format(mb, tmp.mac);
	copy_cstr(tmp.circuit, sizeof(tmp.circuit), circuit);
	n = sess_icpts(m, &tmp, icpts, NULL, MAXHITS, CS_TIME_NONE);
	if (n == 0 || addr == NULL || (addr->family != 4 && addr->family != 6))
		return 0;
	/* another binding of the same identity from the store: add to it */
	for (i = 0; i < m->ns; i++)
		if (m->s[i].src == SRC_SEED &&
		    strcmp(m->s[i].username, tmp.username) == 0 &&
		    strcmp(m->s[i].mac, tmp.mac) == 0 &&
		    strcmp(m->s[i].circuit, tmp.circuit) == 0)
			s = &m->s[i];
	if (s == NULL) {
		if ((s = sess_new(m)) == NULL)
			return 0;
		memcpy(s->username, tmp.username, sizeof(s->username));
		memcpy(s->mac, tmp.mac, sizeof(s->mac));
		memcpy(s->circuit, tmp.circuit, sizeof(s->circuit));
		s->src = SRC_SEED;
		s->start = start;
	}
	if (addr->family == 4)
		slot = 0;
	else if (addr->plen == 128)
		slot = 3;
	else
		slot = s->a[1].family ? 2 : 1;
	s->a[slot] = *addr;
	rebuild(m);
	return n;
}

/* ---- RADIUS ---- */

/* is_text - printable ASCII without blanks (what a target value may hold) */
static int
is_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* put_str - a string attribute; -1 if it holds a NUL */
static int
put_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (memchr(p, '\0', n) != NULL || n >= cap)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* put_circuit - a circuit id: as is when plain text, else "0x" + hex */
static void
put_circuit(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	dst[0] = '\0';
	if (n == 0)
		return;
	if (is_text(p, n)) {
		if (n < cap) {
			memcpy(dst, p, n);
			dst[n] = '\0';
		}
		return;
	}
	if (2 + 2 * n >= cap)
		return; /* too long to compare: absent */
	dst[0] = '0';
	dst[1] = 'x';
	for (i = 0; i < n; i++) {
		dst[2 + 2 * i] = hx[p[i] >> 4];
		dst[3 + 2 * i] = hx[p[i] & 15];
	}
	dst[2 + 2 * n] = '\0';
}

static void
ident_init(struct li_ident *o, int kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->status = -1;
	o->term_cause = -1;
	o->event_ts = -1;
	o->lease = -1;
}

/* v6prefix - Framed-IPv6-Prefix / Delegated-IPv6-Prefix value */
static int
v6prefix(const uint8_t *v, size_t n, struct cs_addr *out)
{
	struct cs_addr a;

	if (n < 2 || n > 18 || v[1] > 128 || (n - 2) * 8 < v[1])
		return -1;
	memset(&a, 0, sizeof(a));
	a.family = 6;
	a.plen = v[1];
	memcpy(a.a, v + 2, n - 2);
	*out = cs_addr_truncate(&a, a.plen);
	return 0;
}

/*
 * route - Framed-Route / Framed-IPv6-Route text, "PREFIX/LEN GATEWAY
 * [METRICS]": the prefix is followed.  A route without "/LEN" (the old
 * classful form) or of the other family's text is not read.
 */
static void
route(const uint8_t *v, size_t n, struct li_ident *o)
{
	struct cs_span sp = cs_span_make((const char *)v, n), tok;
	struct cs_addr a;
	int j;

	if (!cs_span_word(&sp, &tok) || cs_span_chr(tok, '/') < 0 ||
	    cs_addr_parse(tok, &a) != CS_OK)
		return;
	for (j = 0; j < LI_ROUTES; j++)
		if (!o->route[j].family) {
			o->route[j] = a;
			return;
		}
}

static int
int_attr(const uint8_t *v, size_t n, int64_t *out)
{
	if (n != 4)
		return -1;
	*out = be32(v);
	return 0;
}

static int
vsa(const uint8_t *v, size_t n, struct li_ident *o)
{
	size_t off = 4;

	if (n < 4)
		return -1;
	if (be32(v) != VENDOR_BBF)
		return 0; /* other vendors' layouts differ: not read */
	while (off < n) {
		size_t sl;

		if (n - off < 2)
			return -1;
		sl = v[off + 1];
		if (sl < 2 || sl > n - off)
			return -1;
		if (v[off] == 1 && !o->circuit[0])
			put_circuit(o->circuit, sizeof(o->circuit), v + off + 2,
			    sl - 2);
		off += sl;
	}
	return 0;
}

int
li_radius_acct_parse(const uint8_t *p, size_t n, struct li_ident *o)
{
	size_t len, off;
	int64_t iv;

	ident_init(o, 'R');
	if (n < 20)
		return -1;
	if (p[0] != 4)
		return 1; /* not an Accounting-Request: not for us */
	len = be16(p + 2);
	if (len < 20 || len > 4096 || len > n)
		return -1;
	for (off = 20; off < len;) {
		const uint8_t *v;
		size_t al, vl;
		int bad = 0;

		if (len - off < 2)
			return -1;
		al = p[off + 1];
		if (al < 2 || al > len - off)
			return -1;
		v = p + off + 2;
		vl = al - 2;
		switch (p[off]) {
		case RA_USER_NAME:
			if (!o->username[0])
				bad = put_str(
				    o->username, sizeof(o->username), v, vl);
			break;
		case RA_NAS_IP:
			if (vl != 4)
				bad = 1;
			else if (!o->nas.family) {
				o->nas.family = 4;
				o->nas.plen = 32;
				memcpy(o->nas.a, v, 4);
			}
			break;
		case RA_NAS_IPV6:
			if (vl != 16)
				bad = 1;
			else if (!o->nas.family) {
				o->nas.family = 6;
				o->nas.plen = 128;
				memcpy(o->nas.a, v, 16);
			}
			break;
		case RA_FRAMED_IP:
			if (vl != 4)
				bad = 1;
			else {
				o->a4.family = 4;
				o->a4.plen = 32;
				memcpy(o->a4.a, v, 4);
			}
			break;
		case RA_FRAMED_IPV6_ADDR:
			if (vl != 16)
				bad = 1;
			else {
				o->h6.family = 6;
				o->h6.plen = 128;
				memcpy(o->h6.a, v, 16);
			}
			break;
		case RA_FRAMED_ROUTE:
		case RA_FRAMED_IPV6_ROUTE:
			route(v, vl, o);
			break;
		case RA_FRAMED_IPV6_PREFIX:
			bad = v6prefix(v, vl, &o->p6);
			break;
		case RA_DELEGATED_PREFIX:
			bad = v6prefix(v, vl, &o->d6);
			break;
		case RA_CALLING_STATION: {
			uint8_t mac[6];

			/* a MAC in any spelling; a phone number is not one */
			if (!o->mac[0] &&
			    cs_mac_parse(cs_span_make((const char *)v, vl),
				mac) == CS_OK)
				cs_mac_format(mac, o->mac);
			break;
		}
		case RA_NAS_ID:
			if (!o->nas_id[0])
				bad = put_str(
				    o->nas_id, sizeof(o->nas_id), v, vl);
			break;
		case RA_SESSION_ID:
			if (!o->session[0])
				bad = put_str(
				    o->session, sizeof(o->session), v, vl);
			break;
		case RA_NAS_PORT_ID:
			if (!o->nas_port_id[0])
				put_circuit(o->nas_port_id,
				    sizeof(o->nas_port_id), v, vl);
			break;
		case RA_STATUS:
			if ((bad = int_attr(v, vl, &iv)) == 0)
				o->status = (int)(iv & 0xffff);
			break;
		case RA_DELAY:
			if ((bad = int_attr(v, vl, &iv)) == 0)
				o->delay = iv;
			break;
		case RA_TERM_CAUSE:
			if ((bad = int_attr(v, vl, &iv)) == 0)
				o->term_cause = (int)(iv & 0xffff);
			break;
		case RA_EVENT_TS:
			bad = int_attr(v, vl, &o->event_ts);
			break;
		case RA_VSA:
			bad = vsa(v, vl, o);
			break;
		default:
			break;
		}
		if (bad)
			return -1;
		off += al;
	}
	if (o->status < 0)
		return -1; /* Acct-Status-Type is mandatory (RFC 2866 5.1) */
	return 0;
}

/* ---- DHCPv4 ---- */

static void
v4(struct cs_addr *a, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	if (be32(p) == 0)
		return;
	a->family = 4;
	a->plen = 32;
	memcpy(a->a, p, 4);
}

static int
opt82(const uint8_t *v, size_t n, struct li_ident *o)
{
	size_t off = 0;

	while (off < n) {
		size_t sl;

		if (n - off < 2)
			return -1;
		sl = v[off + 1];
		if (sl > n - off - 2)
			return -1;
		if (v[off] == 1)
			put_circuit(
			    o->circuit, sizeof(o->circuit), v + off + 2, sl);
		off += 2 + sl;
	}
	return 0;
}

int
li_dhcp_parse(const uint8_t *p, size_t n, struct li_ident *o)
{
	struct cs_addr server;
	size_t off;
	int end = 0;

	ident_init(o, 'D');
	if (n < 240)
		return -1;
	if ((p[0] != 1 && p[0] != 2) || be32(p + 236) != 0x63825363)
		return 1; /* BOOTP or not DHCP: not for us */
	o->dhcp_op = p[0];
	o->xid = be32(p + 4);
	if (p[1] == 1 && p[2] == 6)
		cs_mac_format(p + 28, o->mac);
	memset(&server, 0, sizeof(server));
	for (off = 240; off < n && !end;) {
		size_t ol;
		const uint8_t *v;

		switch (p[off]) {
		case 0:
			off++;
			continue;
		case 255:
			end = 1;
			continue;
		}
		if (n - off < 2)
			return -1;
		ol = p[off + 1];
		if (ol > n - off - 2)
			return -1;
		v = p + off + 2;
		switch (p[off]) {
		case 53:
			if (ol != 1)
				return -1;
			o->status = v[0];
			break;
		case 51:
			if (ol != 4)
				return -1;
			o->lease = be32(v);
			break;
		case 54:
			if (ol != 4)
				return -1;
			v4(&server, v);
			break;
		case 61: /* client id: type 1 + MAC when chaddr is not one */
			if (ol == 7 && v[0] == 1 && !o->mac[0])
				cs_mac_format(v + 1, o->mac);
			break;
		case 82:
			if (opt82(v, ol, o) < 0)
				return -1;
			break;
		default:
			break;
		}
		off += 2 + ol;
	}
	if (!end || o->status < 1)
		return -1; /* no END option or no message type */
	if (o->status == DHCP_ACK)
		v4(&o->a4, p + 16); /* yiaddr */
	else
		v4(&o->a4, p + 12); /* ciaddr */
	v4(&o->nas, p + 24);        /* giaddr: the relay */
	if (!o->nas.family)
		o->nas = server;
	return 0;
}

/* ---- DHCPv6 ---- */

#define D6_REPLY 7
#define D6_RELEASE 8
#define D6_RELAY_FORW 12
#define D6_RELAY_REPL 13

static inline unsigned
d6len(const uint8_t *p)
{
	return (unsigned)p[2] << 8 | p[3];
}

/* duid_mac - the link-layer address of a DUID-LLT or DUID-LL of
 * Ethernet, canonical */
static void
duid_mac(const uint8_t *v, size_t n, char mac[CS_MAC_STRLEN])
{
	unsigned type, hw;

	if (n < 4)
		return;
	type = be16(v);
	hw = be16(v + 2);
	if (hw != 1)
		return;
	if (type == 1 && n == 14)
		cs_mac_format(v + 8, mac);
	else if (type == 3 && n == 10)
		cs_mac_format(v + 4, mac);
}

/* ia - the addresses (IA_NA: IAADDR) or prefixes (IA_PD: IAPREFIX) of an
 * IA option's value; -1 if its options are malformed */
static int
ia(const uint8_t *v, size_t n, int pd, struct li_ident *o)
{
	size_t off = 12;

	if (n < 12)
		return -1;
	while (off < n) {
		unsigned code, len;
		const uint8_t *w;
		uint32_t valid;

		if (n - off < 4)
			return -1;
		code = be16(v + off);
		len = d6len(v + off);
		if (len > n - off - 4)
			return -1;
		w = v + off + 4;
		if (!pd && code == 5) { /* IAADDR */
			if (len < 24)
				return -1;
			valid = be32(w + 20);
			/* a client's lifetimes are 0 (RFC 8415 21.6) */
			if ((valid > 0 || o->dhcp_op == 1) && !o->h6.family) {
				o->h6.family = 6;
				o->h6.plen = 128;
				memcpy(o->h6.a, w, 16);
				if (valid > 0 &&
				    (o->lease < 0 || valid < o->lease))
					o->lease = valid;
			}
		} else if (pd && code == 26) { /* IAPREFIX */
			struct cs_addr a;

			if (len < 25 || w[8] > 128)
				return -1;
			valid = be32(w + 4);
			if ((valid > 0 || o->dhcp_op == 1) && !o->d6.family) {
				memset(&a, 0, sizeof(a));
				a.family = 6;
				a.plen = w[8];
				memcpy(a.a, w + 9, 16);
				o->d6 = cs_addr_truncate(&a, a.plen);
				if (valid > 0 &&
				    (o->lease < 0 || valid < o->lease))
					o->lease = valid;
			}
		}
		off += 4 + len;
	}
	return 0;
}

/* d6_msg - one (possibly relay) message at depth */
static int
d6_msg(const uint8_t *p, size_t n, struct li_ident *o, int depth)
{
	size_t off;
	int relay;

	if (n < 4 || depth > 8)
		return -1;
	relay = p[0] == D6_RELAY_FORW || p[0] == D6_RELAY_REPL;
	if (relay) {
		if (n < 34)
			return -1;
		/* the outermost relay's link address: where the client is */
		if (!o->nas.family &&
		    memcmp(p + 2,
			"\0\0\0\0\0\0\0\0"
			"\0\0\0\0\0\0\0\0",
			16) != 0) {
			o->nas.family = 6;
			o->nas.plen = 128;
			memcpy(o->nas.a, p + 2, 16);
		}
		off = 34;
	} else {
		o->status = p[0];
		o->xid = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		o->dhcp_op = p[0] == D6_REPLY || p[0] == 2 /* ADVERTISE */ ||
			p[0] == 10 /* RECONFIGURE */
		    ? 2
		    : 1;
		off = 4;
	}
	while (off < n) {
		unsigned code, len;
		const uint8_t *v;

		if (n - off < 4)
			return -1;
		code = be16(p + off);
		len = d6len(p + off);
		if (len > n - off - 4)
			return -1;
		v = p + off + 4;
		if (relay) {
			if (code == 9) { /* RELAY_MSG */
				if (d6_msg(v, len, o, depth + 1) < 0)
					return -1;
			} else if (code == 18 && !o->circuit[0]) {
				put_circuit(
				    o->circuit, sizeof(o->circuit), v, len);
			}
		} else if (code == 1) { /* CLIENTID */
			duid_mac(v, len, o->mac);
		} else if (code == 3 || code == 25) { /* IA_NA, IA_PD */
			if (ia(v, len, code == 25, o) < 0)
				return -1;
		}
		off += 4 + len;
	}
	if (relay && o->status < 0)
		return -1; /* a relay message without one inside */
	return 0;
}

int
li_dhcp6_parse(const uint8_t *p, size_t n, struct li_ident *o)
{
	ident_init(o, 'V');
	return d6_msg(p, n, o, 0);
}

/* ---- identity events ---- */

static int
addr_eq(const struct cs_addr *a, const struct cs_addr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	    memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
}

static void
sess_from_ident(struct sess *s, const struct li_ident *id)
{
	memcpy(s->username, id->username, sizeof(s->username));
	memcpy(s->mac, id->mac, sizeof(s->mac));
	memcpy(s->circuit, id->circuit, sizeof(s->circuit));
	memcpy(s->nas_port_id, id->nas_port_id, sizeof(s->nas_port_id));
	memcpy(s->nas_id, id->nas_id, sizeof(s->nas_id));
	memcpy(s->session, id->session, sizeof(s->session));
	s->nas = id->nas;
}

/* sess_merge - the values id has replace the session's; absent ones
 * (an Interim without Calling-Station-Id) leave them */
static void
sess_merge(struct sess *s, const struct li_ident *id)
{
#define MERGE(f)                                           \
	do {                                               \
		if (id->f[0])                              \
			memcpy(s->f, id->f, sizeof(s->f)); \
	} while (0)
	MERGE(username);
	MERGE(mac);
	MERGE(circuit);
	MERGE(nas_port_id);
	MERGE(nas_id);
	MERGE(session);
#undef MERGE
	if (id->nas.family)
		s->nas = id->nas;
}

/* ident_addrs - every address or prefix id gives, in session order */
static void
ident_addrs(const struct li_ident *id, struct cs_addr a[NADDR])
{
	int j;

	a[0] = id->a4;
	a[1] = id->p6;
	a[2] = id->d6;
	a[3] = id->h6;
	for (j = 0; j < LI_ROUTES; j++)
		a[4 + j] = id->route[j];
}

static int
ident_has_addr(const struct li_ident *id)
{
	struct cs_addr a[NADDR];
	int j;

	ident_addrs(id, a);
	for (j = 0; j < NADDR; j++)
		if (a[j].family)
			return 1;
	return 0;
}

static void
sess_addrs(struct sess *s, const struct li_ident *id)
{
	ident_addrs(id, s->a);
}

/* same identity: a value of one equals the other's */
static int
same_ident(const struct sess *s, const struct li_ident *id)
{
	return (id->username[0] && strcmp(s->username, id->username) == 0) ||
	    (id->mac[0] && strcmp(s->mac, id->mac) == 0) ||
	    (id->circuit[0] && strcmp(s->circuit, id->circuit) == 0);
}

static int
same_nas(const struct sess *s, const struct li_ident *id)
{
	if (s->nas.family && id->nas.family)
		return addr_eq(&s->nas, &id->nas);
	return s->nas_id[0] && strcmp(s->nas_id, id->nas_id) == 0;
}

/* find_radius - the session an Accounting-Request is about, or -1 */
static long
find_radius(const struct li_match *m, const struct li_ident *id)
{
	size_t i;

	if (id->session[0])
		for (i = 0; i < m->ns; i++)
			if (m->s[i].src == SRC_RADIUS &&
			    strcmp(m->s[i].session, id->session) == 0 &&
			    same_nas(&m->s[i], id))
				return (long)i;
	/* no session id known for it: the same identity and address, or a
	 * store binding of the same identity */
	for (i = 0; i < m->ns; i++)
		if (m->s[i].src == SRC_RADIUS && !id->session[0] &&
		    same_ident(&m->s[i], id) && id->a4.family &&
		    addr_eq(&m->s[i].a[0], &id->a4))
			return (long)i;
	for (i = 0; i < m->ns; i++)
		if (m->s[i].src == SRC_SEED && same_ident(&m->s[i], id))
			return (long)i;
	return -1;
}

static long
find_dhcp(const struct li_match *m, const struct li_ident *id)
{
	size_t i;
	int src = id->kind == 'V' ? SRC_DHCP6 : SRC_DHCP;

	for (i = 0; i < m->ns; i++)
		if (m->s[i].src == src && id->mac[0] &&
		    strcmp(m->s[i].mac, id->mac) == 0)
			return (long)i;
	if (id->kind == 'V')
		return -1; /* a store binding is taken over by address */
	for (i = 0; i < m->ns; i++)
		if (m->s[i].src == SRC_SEED && same_ident(&m->s[i], id))
			return (long)i;
	return -1;
}

static void
iri_from_sess(struct li_iri *iri, const struct sess *s, enum li_iri_event ev)
{
	int j;

	li_iri_init(iri, ev);
	memcpy(iri->username, s->username, sizeof(iri->username));
	for (j = 0; j < NADDR; j++)
		if (s->a[j].family) {
			iri->addr = s->a[j];
			break;
		}
	memcpy(iri->network_id, s->mac, sizeof(s->mac));
	memcpy(iri->pop_id, s->nas_id, sizeof(iri->pop_id));
	iri->pop_addr = s->nas;
	memcpy(iri->pop_port, s->nas_port_id[0] ? s->nas_port_id : s->circuit,
	    sizeof(iri->pop_port));
	iri->start = s->start;
	iri->auth = s->src == SRC_RADIUS                ? LI_AUTH_RADIUS
	    : s->src == SRC_DHCP || s->src == SRC_DHCP6 ? LI_AUTH_DHCP
							: LI_AUTH_NONE;
}

/* emit - ev about session s to every intercept s belongs to */
static void
emit(struct li_match *m, const struct sess *s, enum li_iri_event ev, cs_time t,
    cs_time end, int reason, const struct li_match_cb *cb)
{
	uint32_t icpts[MAXHITS];
	struct li_iri iri;
	int i, n;

	n = sess_icpts(m, s, icpts, NULL, MAXHITS, t);
	if (n == 0)
		return;
	iri_from_sess(&iri, s, ev);
	iri.end = end;
	iri.end_reason = reason;
	for (i = 0; i < n; i++) {
		m->st.events++;
		if (cb && cb->on_iri)
			cb->on_iri(cb->ctx, icpts[i], &iri, t);
	}
}

/*
 * evict - another session now holds one of the addresses in claim: a
 * target session holding it (other than keep) is over, though its Stop or
 * RELEASE was not seen (lost, or before the capture).  Returns keep's
 * index after the removals.
 */
static long
evict(struct li_match *m, const struct cs_addr *claim, int nclaim, long keep,
    cs_time t, const struct li_match_cb *cb)
{
	size_t k;
	int j, c, hit;

	/* the common case, somebody else's address: one lookup each */
	for (c = 0; c < nclaim; c++)
		if (indexed(m, &claim[c]))
			break;
	if (c == nclaim)
		return keep;
	for (k = 0; k < m->ns;) {
		hit = 0;
		if ((long)k != keep)
			for (j = 0; j < NADDR && !hit; j++)
				for (c = 0; c < nclaim && !hit; c++)
					hit = m->s[k].a[j].family &&
					    addr_eq(&m->s[k].a[j], &claim[c]);
		if (!hit) {
			k++;
			continue;
		}
		emit(m, &m->s[k], LI_EV_ACCESS_END, t, t, END_UNDEFINED, cb);
		if (keep == (long)m->ns - 1)
			keep = (long)k;
		sess_del(m, k);
	}
	return keep;
}

/* sess_key - a RADIUS session's (NAS, Acct-Session-Id) as 64 bits */
static uint64_t
sess_key(const struct cs_addr *nas, const char *nas_id, const char *sid)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < (nas->family == 4 ? 4u : nas->family ? 16u : 0u); i++)
		h = (h ^ nas->a[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	if (!nas->family)
		for (i = 0; nas_id[i]; i++)
			h = (h ^ (uint8_t)nas_id[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (i = 0; sid[i]; i++)
		h = (h ^ (uint8_t)sid[i]) * 0x100000001b3ull;
	return h;
}

static void
ended_note(struct li_match *m, const struct sess *s)
{
	if (s->session[0])
		m->ended[m->nended++ % RING] =
		    sess_key(&s->nas, s->nas_id, s->session);
}

static int
ended_lately(const struct li_match *m, const struct li_ident *id)
{
	uint64_t k;
	unsigned i;

	if (!id->session[0])
		return 0;
	k = sess_key(&id->nas, id->nas_id, id->session);
	for (i = 0; i < RING && i < m->nended; i++)
		if (m->ended[i] == k)
			return 1;
	return 0;
}

static int
same_addrs(const struct sess *s, const struct li_ident *id)
{
	struct cs_addr a[NADDR];
	int j;

	ident_addrs(id, a);
	for (j = 0; j < NADDR; j++)
		if (!addr_eq(&s->a[j], &a[j]))
			return 0;
	return 1;
}

/* end_reason - Acct-Terminate-Cause (RFC 2866 5.10) to EndReason */
static int
end_reason(int cause)
{
	switch (cause) {
	case 1: /* User-Request */
		return END_LOGOFF;
	case 2: /* Lost-Carrier */
	case 3: /* Lost-Service */
	case 8: /* Port-Error */
		return END_LOSS;
	case 4: /* Idle-Timeout */
	case 5: /* Session-Timeout */
		return END_TIMEOUT;
	default:
		return END_UNDEFINED;
	}
}

static void
radius_event(struct li_match *m, cs_time t, const struct li_ident *id,
    const struct li_match_cb *cb)
{
	struct sess tmp, *s;
	uint32_t icpts[1];
	cs_time at;
	long i;
	size_t k, ns0;

	at = id->event_ts >= 0 ? id->event_ts * CS_US : t - id->delay * CS_US;
	if (id->status == ACCT_ON || id->status == ACCT_OFF) {
		/* the NAS restarted: every session it had is over */
		for (k = 0; k < m->ns;) {
			if (m->s[k].src == SRC_RADIUS &&
			    same_nas(&m->s[k], id)) {
				emit(m, &m->s[k], LI_EV_ACCESS_END, t, at,
				    END_UNDEFINED, cb);
				ended_note(m, &m->s[k]);
				sess_del(m, k);
			} else {
				k++;
			}
		}
		rebuild(m);
		return;
	}
	if (id->status != ACCT_START && id->status != ACCT_STOP &&
	    id->status != ACCT_INTERIM)
		return;
	memset(&tmp, 0, sizeof(tmp));
	sess_from_ident(&tmp, id);
	tmp.src = SRC_RADIUS;
	tmp.start = CS_TIME_NONE;
	tmp.lease_end = CS_TIME_NONE;
	sess_addrs(&tmp, id);
	i = find_radius(m, id);
	ns0 = m->ns;
	if (id->status != ACCT_STOP) {
		struct cs_addr cl[NADDR];

		ident_addrs(id, cl);
		i = evict(m, cl, NADDR, i, t, cb);
	}
	if (i < 0 && sess_icpts(m, &tmp, icpts, NULL, 1, CS_TIME_NONE) == 0) {
		if (m->ns != ns0)
			rebuild(m);
		return; /* not a target: nothing kept */
	}
	switch (id->status) {
	case ACCT_START:
		/* a retransmitted Start (the NAS got no answer in time) */
		if (i >= 0 && m->s[i].src == SRC_RADIUS && id->session[0] &&
		    strcmp(m->s[i].session, id->session) == 0 &&
		    same_addrs(&m->s[i], id))
			break;
		/* a store binding of the identity, or the same session
		 * started again: replaced by this one */
		if (i >= 0)
			sess_del(m, (size_t)i);
		tmp.start = at;
		if ((s = sess_new(m)) != NULL)
			*s = tmp;
		/* reported even when it cannot be followed (full) */
		emit(m, s ? s : &tmp, LI_EV_ACCESS_ACCEPT, t, CS_TIME_NONE, -1,
		    cb);
		break;
	case ACCT_INTERIM:
		if (i < 0) { /* a session whose Start was not seen */
			if ((s = sess_new(m)) != NULL)
				*s = tmp;
			else
				s = &tmp;
		} else {
			s = &m->s[i];
			if (s->src == SRC_SEED) {
				s->src = SRC_RADIUS;
				memset(s->a, 0, sizeof(s->a));
			}
			sess_merge(s, id);
			if (ident_has_addr(id))
				sess_addrs(s, id);
		}
		emit(m, s, LI_EV_INTERIM_UPDATE, t, CS_TIME_NONE, -1, cb);
		break;
	case ACCT_STOP:
		if (i < 0) {
			/* a retransmitted Stop of a session ended here is not
			 * a second end */
			if (!ended_lately(m, id))
				emit(m, &tmp, LI_EV_ACCESS_END, t, at,
				    end_reason(id->term_cause), cb);
			if (m->ns != ns0)
				rebuild(m);
			return;
		}
		s = &m->s[i];
		/* the Stop's own values count too */
		sess_merge(s, id);
		if (!s->a[0].family && id->a4.family)
			s->a[0] = id->a4;
		s->src = SRC_RADIUS;
		emit(m, s, LI_EV_ACCESS_END, t, at, end_reason(id->term_cause),
		    cb);
		ended_note(m, s);
		sess_del(m, (size_t)i);
		break;
	}
	rebuild(m);
}

static void
dhcp_event(struct li_match *m, cs_time t, const struct li_ident *id,
    const struct li_match_cb *cb)
{
	struct sess tmp, *s;
	uint32_t icpts[1];
	size_t ns0;
	long i;

	if (id->status != DHCP_ACK && id->status != DHCP_RELEASE &&
	    id->status != DHCP_NAK)
		return;
	if ((id->status == DHCP_ACK || id->status == DHCP_NAK) &&
	    id->dhcp_op != 2)
		return;
	if (id->status == DHCP_RELEASE && id->dhcp_op != 1)
		return;
	memset(&tmp, 0, sizeof(tmp));
	sess_from_ident(&tmp, id);
	tmp.src = SRC_DHCP;
	tmp.a[0] = id->a4;
	tmp.start = t;
	tmp.xid = id->xid;
	tmp.acked = t;
	tmp.lease_end = id->lease < 0 || id->lease == 0xffffffff
	    ? CS_TIME_NONE
	    : t + id->lease * CS_US;
	i = find_dhcp(m, id);
	ns0 = m->ns;
	if (id->status == DHCP_ACK && id->a4.family)
		i = evict(m, &id->a4, 1, i, t, cb);
	if (i < 0 && sess_icpts(m, &tmp, icpts, NULL, 1, CS_TIME_NONE) == 0) {
		if (m->ns != ns0)
			rebuild(m);
		return;
	}
	if (id->status == DHCP_ACK) {
		if (!id->a4.family)
			return; /* an ACK to DHCPINFORM: no lease */
		if (i >= 0 && addr_eq(&m->s[i].a[0], &id->a4)) {
			/* renewed (or the store's binding confirmed) */
			s = &m->s[i];
			if (s->src == SRC_DHCP && s->xid == id->xid &&
			    t - s->acked < DUP_WINDOW)
				return; /* the same ACK, relayed: seen twice */
			tmp.start = s->start;
			if (!tmp.circuit[0])
				memcpy(tmp.circuit, s->circuit,
				    sizeof(tmp.circuit));
			*s = tmp;
			emit(m, s, LI_EV_INTERIM_UPDATE, t, CS_TIME_NONE, -1,
			    cb);
		} else {
			if (i >= 0) { /* another address: the old lease ends */
				emit(m, &m->s[i], LI_EV_ACCESS_END, t, t,
				    END_UNDEFINED, cb);
				sess_del(m, (size_t)i);
			}
			if ((s = sess_new(m)) != NULL)
				*s = tmp;
			emit(m, s ? s : &tmp, LI_EV_ACCESS_ACCEPT, t,
			    CS_TIME_NONE, -1, cb);
		}
	} else if (i >= 0) { /* RELEASE or NAK */
		emit(m, &m->s[i], LI_EV_ACCESS_END, t, t,
		    id->status == DHCP_RELEASE ? END_LOGOFF : END_UNDEFINED,
		    cb);
		sess_del(m, (size_t)i);
	}
	rebuild(m);
}

/*
 * dhcp6_event - a DHCPv6 REPLY carrying addresses or prefixes (new: the
 * old lease of the client ends, accessAccept; the same: interimUpdate), a
 * RELEASE from the client (accessEnd).  Sessions by the client DUID's MAC.
 */
static void
dhcp6_event(struct li_match *m, cs_time t, const struct li_ident *id,
    const struct li_match_cb *cb)
{
	struct sess tmp, *s;
	struct cs_addr cl[2];
	uint32_t icpts[1];
	size_t ns0;
	long i;

	if (!((id->status == D6_REPLY && id->dhcp_op == 2) ||
		(id->status == D6_RELEASE && id->dhcp_op == 1)) ||
	    !id->mac[0])
		return;
	if (id->status == D6_REPLY && !id->h6.family && !id->d6.family)
		return; /* a reply to Release, Information-request...: no lease
			 */
	memset(&tmp, 0, sizeof(tmp));
	sess_from_ident(&tmp, id);
	tmp.src = SRC_DHCP6;
	tmp.a[2] = id->d6;
	tmp.a[3] = id->h6;
	tmp.start = t;
	tmp.xid = id->xid;
	tmp.acked = t;
	tmp.lease_end = id->lease < 0 || id->lease == 0xffffffff
	    ? CS_TIME_NONE
	    : t + id->lease * CS_US;
	i = find_dhcp(m, id);
	ns0 = m->ns;
	if (id->status == D6_REPLY) {
		cl[0] = id->h6;
		cl[1] = id->d6;
		i = evict(m, cl, 2, i, t, cb);
	}
	if (i < 0 && sess_icpts(m, &tmp, icpts, NULL, 1, CS_TIME_NONE) == 0) {
		if (m->ns != ns0)
			rebuild(m);
		return;
	}
	if (id->status == D6_REPLY) {
		if (i >= 0 && addr_eq(&m->s[i].a[2], &id->d6) &&
		    addr_eq(&m->s[i].a[3], &id->h6)) {
			s = &m->s[i];
			if (s->xid == id->xid && t - s->acked < DUP_WINDOW)
				return; /* the same REPLY on both relay legs */
			tmp.start = s->start;
			if (!tmp.circuit[0])
				memcpy(tmp.circuit, s->circuit,
				    sizeof(tmp.circuit));
			*s = tmp;
			emit(m, s, LI_EV_INTERIM_UPDATE, t, CS_TIME_NONE, -1,
			    cb);
		} else {
			if (i >= 0) {
				emit(m, &m->s[i], LI_EV_ACCESS_END, t, t,
				    END_UNDEFINED, cb);
				sess_del(m, (size_t)i);
			}
			if ((s = sess_new(m)) != NULL)
				*s = tmp;
			emit(m, s ? s : &tmp, LI_EV_ACCESS_ACCEPT, t,
			    CS_TIME_NONE, -1, cb);
		}
	} else if (i >= 0) {
		emit(m, &m->s[i], LI_EV_ACCESS_END, t, t, END_LOGOFF, cb);
		sess_del(m, (size_t)i);
	}
	rebuild(m);
}

void
li_match_tick(struct li_match *m, cs_time t, const struct li_match_cb *cb)
{
	size_t i;
	int n = 0;

	if (m->next_expiry == CS_TIME_NONE || t < m->next_expiry)
		return;
	for (i = 0; i < m->ns;) {
		struct sess *s = &m->s[i];

		if (s->lease_end != CS_TIME_NONE && s->lease_end <= t) {
			emit(m, s, LI_EV_ACCESS_END, t, s->lease_end, END_LEASE,
			    cb);
			sess_del(m, i);
			n++;
		} else {
			i++;
		}
	}
	rebuild(m);
}

/* ---- the per-packet path ---- */

static inline void
hit(struct hits *h, uint32_t icpt, enum li_dir dir, cs_time t,
    const struct li_pkt *p, const struct li_match_cb *cb)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->icpt[i] == icpt)
			return;
	if (h->n == MAXHITS) { /* cannot happen with sane intercepts */
		if (cb && cb->on_pkt)
			cb->on_pkt(cb->ctx, icpt, dir, t, p);
		return;
	}
	h->icpt[h->n] = icpt;
	h->dir[h->n++] = dir;
}

static inline void
lookup(const struct li_match *m, const struct cs_addr *a, enum li_dir dir,
    struct hits *h, cs_time t, const struct li_pkt *p,
    const struct li_match_cb *cb)
{
	const uint8_t *plens = a->family == 4 ? m->plens4 : m->plens6;
	int np = a->family == 4 ? m->nplen4 : m->nplen6, k;
	uint32_t w[4];

	for (k = 0; k < np; k++) {
		int32_t j;

		words(a->a, a->family, plens[k], w);
		j = m->bucket[hash_words(w, plens[k]) & m->mask];
		for (; j >= 0; j = m->r[j].next) {
			const struct arec *r = &m->r[j];

			if (r->plen == plens[k] && r->family == a->family &&
			    r->w[0] == w[0] && r->w[1] == w[1] &&
			    r->w[2] == w[2] && r->w[3] == w[3] &&
			    in_window(r->from, r->to, t))
				hit(h, r->icpt, dir, t, p, cb);
		}
	}
}

/* identity - a RADIUS/DHCP packet: apply it; intercepts that want the
 * identity packets themselves get them as hits */
static void
identity(struct li_match *m, cs_time t, const struct li_pkt *p,
    const struct li_match_cb *cb, struct hits *h)
{
	struct li_ident id;
	struct sess tmp;
	uint32_t icpts[MAXHITS];
	int incl[MAXHITS];
	const uint8_t *u;
	size_t ul;
	int rc, n, i, radius, v6;

	radius = p->dport == 1813 || p->dport == 1646;
	v6 = !radius &&
	    (p->sport == 546 || p->sport == 547 || p->dport == 546 ||
		p->dport == 547);
	if (!radius && !v6 && p->sport != 67 && p->sport != 68 &&
	    p->dport != 67 && p->dport != 68)
		return;
	if ((u = li_pkt_udp_payload(p, &ul)) == NULL)
		return;
	rc = radius ? li_radius_acct_parse(u, ul, &id)
	    : v6    ? li_dhcp6_parse(u, ul, &id)
		    : li_dhcp_parse(u, ul, &id);
	if (rc < 0) {
		if (radius)
			m->st.bad_radius++;
		else
			m->st.bad_dhcp++;
		return;
	}
	if (rc > 0)
		return;
	if (radius)
		m->st.radius++;
	else
		m->st.dhcp++;
	/* who this packet is about, before it changes anything */
	memset(&tmp, 0, sizeof(tmp));
	sess_from_ident(&tmp, &id);
	n = sess_icpts(m, &tmp, icpts, incl, MAXHITS, t);
	for (i = 0; i < n; i++)
		if (incl[i])
			hit(h, icpts[i],
			    radius                ? LI_DIR_UNKNOWN
				: id.dhcp_op == 1 ? LI_DIR_FROM_TARGET
						  : LI_DIR_TO_TARGET,
			    t, p, cb);
	/* only a trusted source changes what is followed; a client may
	 * release its own address itself */
	if (!trusted(m, &p->src) &&
	    !(!radius && !v6 && id.status == DHCP_RELEASE && id.a4.family &&
		addr_eq(&id.a4, &p->src)) &&
	    !(v6 && id.status == D6_RELEASE && id.h6.family &&
		addr_eq(&id.h6, &p->src))) {
		m->st.untrusted++;
		return;
	}
	if (radius)
		radius_event(m, t, &id, cb);
	else if (v6)
		dhcp6_event(m, t, &id, cb);
	else
		dhcp_event(m, t, &id, cb);
}

void
li_match_packet(struct li_match *m, cs_time t, const struct li_pkt *p,
    const struct li_match_cb *cb)
{
	struct hits h;
	int i;

	m->st.packets++;
	h.n = 0;
	if (m->next_expiry != CS_TIME_NONE && t >= m->next_expiry)
		li_match_tick(m, t, cb);
	if (m->nident && p->proto == 17 && p->dport >= 0)
		identity(m, t, p, cb, &h);
	if (m->nr) {
		lookup(m, &p->src, LI_DIR_FROM_TARGET, &h, t, p, cb);
		lookup(m, &p->dst, LI_DIR_TO_TARGET, &h, t, p, cb);
	}
	if (h.n == 0)
		return;
	m->st.matched++;
	if (cb && cb->on_pkt)
		for (i = 0; i < h.n; i++)
			cb->on_pkt(cb->ctx, h.icpt[i], h.dir[i], t, p);
}

int
li_match_report(struct li_match *m, uint32_t icpt, enum li_iri_event ev,
    cs_time t, const struct li_match_cb *cb)
{
	uint32_t icpts[MAXHITS];
	struct li_iri iri;
	size_t i;
	int n = 0, k, c;

	for (i = 0; i < m->nt; i++) {
		if (m->t[i].icpt != icpt ||
		    (m->t[i].kind != TK_IP && m->t[i].kind != TK_IPV6PREFIX) ||
		    !in_window(m->t[i].from, m->t[i].to, t))
			continue;
		li_iri_init(&iri, ev);
		iri.addr = m->t[i].addr;
		iri.auth = LI_AUTH_STATIC;
		m->st.events++;
		n++;
		if (cb && cb->on_iri)
			cb->on_iri(cb->ctx, icpt, &iri, t);
	}
	for (i = 0; i < m->ns; i++) {
		c = sess_icpts(m, &m->s[i], icpts, NULL, MAXHITS, t);
		for (k = 0; k < c && icpts[k] != icpt; k++)
			;
		if (k == c)
			continue;
		iri_from_sess(&iri, &m->s[i], ev);
		m->st.events++;
		n++;
		if (cb && cb->on_iri)
			cb->on_iri(cb->ctx, icpt, &iri, t);
	}
	return n;
}

int
li_match_active(const struct li_match *m, uint32_t icpt)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->r[i].icpt == icpt)
			return 1;
	return 0;
}

void
li_match_stats(const struct li_match *m, struct li_match_stats *out)
{
	*out = m->st;
}
