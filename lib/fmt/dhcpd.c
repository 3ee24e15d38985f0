/*
 * dhcpd - ISC dhcpd: its syslog messages (cs_dhcpd_msg) and its lease
 * journal dhcpd.leases (the "dhcpd-leases" format).
 *
 * Syslog.  "DHCPACK on <ip> to <mac> [(host)] via <giaddr|if>" opens the
 * binding "dhcp|<ip>|<mac>" at the line's time; the line carries no lease
 * time, so .until comes from the configured lease time.  DHCPRELEASE and
 * DHCPDECLINE close it.  The "on commit" line ISPs add for data retention
 * (LEASE-COMMIT ip= mac= lease= circuit-id= remote-id= hostname=, see
 * tests/data/dhcp/isc/dhcpd.conf) opens it with the real lease time and
 * option 82.  Every other dhcpd message is skipped (CS_ESKIP).
 *
 * dhcpd.leases (dhcpd.leases(5)) is an append-only journal of
 * "lease <ip> { statement; ... }" blocks; the last block for an address
 * wins, which the fold engine sorts out.  A block is buffered (at most
 * CS_MAX_RECORD bytes, else rejected) until its braces balance, then
 * tokenised and read: binding state active opens at starts until ends;
 * free, expired and released close at tstp (or ends).  Other top-level
 * statements and blocks (server-duid, failover, dhcpd6 ia-na) are skipped.
 * The state owns the decoded texts an observation points to; they are
 * valid during the sink call only.
 *
 * Written by hand: no Debian library reads either format.  Not thread-safe
 * per state; separate states are independent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/dhcpkey.h"
#include "fmt/fmt.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define KEY_MAX (sizeof("dhcp||") + CS_ADDR_STRLEN + CS_MAC_STRLEN)
#define OPT_BYTES 255               /* longest DHCP option or hostname */
#define OPT_MAX (OPT_BYTES * 3 + 1) /* as colon hex, with NUL */
#define LEASE_SECS_INF 0xffffffffLL /* DHCP "infinite" lease time */

/* ---- shared helpers ---- */

/* dhcp_key - the key every DHCP source shares: "dhcp|<ip>|<mac>" */
static struct cs_span
dhcp_key(char out[static KEY_MAX], const struct cs_addr *ip,
    const uint8_t mac[static 6])
{
	return cs_span_make(out, cs_dhcp_key_put(out, ip, mac));
}

/* host_addr - one IPv4 or IPv6 address, not a prefix */
static int
host_addr(struct cs_span s, struct cs_addr *a)
{
	return cs_addr_parse(s, a) == CS_OK && cs_addr_is_host(a);
}

/* lease_end - t plus a lease of secs, or none for 0 and infinite leases */
static cs_time
lease_end(cs_time t, int64_t secs)
{
	if (t == CS_TIME_NONE || secs <= 0 || secs >= LEASE_SECS_INF)
		return CS_TIME_NONE;
	return t + secs * CS_US;
}

/* hexval - value of one hex digit, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * colon_hex - bytes written as ISC's binary-to-ascii(16, 8, ":") or
 * dhcpd.leases option syntax: groups of one or two hex digits joined by
 * ':'.  At least mingroups groups.  0 if s is not that.
 */
static int
colon_hex(
    struct cs_span s, size_t mingroups, uint8_t *out, size_t cap, size_t *n)
{
	size_t i, k = 0, ndig = 0;
	unsigned cur = 0;

	if (s.len == 0)
		return 0;
	for (i = 0; i <= s.len; i++) {
		int v;
		if (i == s.len || s.p[i] == ':') {
			if (ndig == 0 || k >= cap)
				return 0;
			out[k++] = (uint8_t)cur;
			cur = 0;
			ndig = 0;
			continue;
		}
		v = hexval(s.p[i]);
		if (v < 0 || ++ndig > 2)
			return 0;
		cur = cur << 4 | (unsigned)v;
	}
	if (k < mingroups)
		return 0;
	*n = k;
	return 1;
}

/*
 * bytes_text - option bytes as text when every byte is printable ASCII,
 * else as lower-case colon hex ("01:05:64").  out holds OPT_MAX bytes and
 * n <= OPT_BYTES.
 */
static struct cs_span
bytes_text(const uint8_t *b, size_t n, char out[static OPT_MAX], int hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < n && !hex; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			hex = 1;
	if (!hex) {
		memcpy(out, b, n);
		return cs_span_make(out, n);
	}
	for (i = 0; i < n; i++) {
		if (i)
			out[k++] = ':';
		out[k++] = digits[b[i] >> 4];
		out[k++] = digits[b[i] & 15];
	}
	return cs_span_make(out, k);
}

/*
 * opt_word - a relay-agent value written as a bare word: colon hex with at
 * least mingroups groups is decoded (text where printable); anything else
 * is kept as written, cut to OPT_BYTES.
 */
static struct cs_span
opt_word(struct cs_span w, size_t mingroups, char out[static OPT_MAX])
{
	uint8_t b[OPT_BYTES];
	size_t n;

	if (colon_hex(w, mingroups, b, sizeof(b), &n))
		return bytes_text(b, n, out, 0);
	n = w.len < OPT_BYTES ? w.len : OPT_BYTES;
	memcpy(out, w.p, n);
	return cs_span_make(out, n);
}

/* ---- syslog messages ---- */

struct msgctx {
	const struct cs_syslog_hdr *h;
	const struct cs_fmt_opts *o;
	struct cs_span raw;
	uint64_t lineno;
	struct cs_sink *sink;
	const char **field;
	struct cs_errbuf *eb;
};

/* fail - report a malformed message: the field at fault and why */
static enum cs_err
fail(struct msgctx *c, const char *field, const char *reason)
{
	*c->field = field;
	cs_errbuf_set(c->eb, "%s", reason);
	return CS_EPARSE;
}

/* rfind - offset of the last lit (not empty) in s, or -1 */
static long
rfind(struct cs_span s, const char *lit)
{
	size_t base = 0;
	long at = -1, i;

	while ((i = cs_span_find(cs_span_skip(s, base), lit)) >= 0) {
		at = (long)base + i;
		base += (size_t)i + 1;
	}
	return at;
}

/*
 * client_tail - what follows the MAC: "[(hostname) ]via X[ more]".  The
 * hostname comes from the client and may hold anything, so it ends at the
 * last ") via ".  A DHCPDECLINE puts ':' after X.
 */
static enum cs_err
client_tail(struct msgctx *c, struct cs_span s, struct cs_span *host,
    struct cs_span *via, struct cs_span *more)
{
	s = cs_span_ltrim(s);
	*host = cs_span_make(s.p, 0);
	if (s.len && s.p[0] == '(') {
		long i = rfind(s, ") via ");
		if (i < 1)
			return fail(c, "via",
			    "expected 'via <relay or "
			    "interface>' after the hostname");
		*host = cs_span_make(s.p + 1, (size_t)i - 1);
		s = cs_span_skip(s, (size_t)i + 2);
	}
	if (!cs_span_starts(s, "via ") || !cs_span_word(&s, via) ||
	    !cs_span_word(&s, via))
		return fail(c, "via", "expected 'via <relay or interface>'");
	if (cs_span_ends(*via, ":"))
		via->len--;
	if (via->len == 0)
		return fail(c, "via", "empty relay or interface after 'via'");
	*more = cs_span_ltrim(s);
	return CS_OK;
}

/* lease_duration - "... lease-duration N ..." (Infoblox dhcpd), or -1 */
static enum cs_err
lease_duration(struct msgctx *c, struct cs_span more, int64_t *secs)
{
	struct cs_span w;
	uint64_t v;

	*secs = -1;
	while (cs_span_word(&more, &w)) {
		if (!cs_span_eq(w, "lease-duration"))
			continue;
		if (!cs_span_word(&more, &w) ||
		    cs_parse_u64(w, 0, LEASE_SECS_INF, &v) != CS_OK)
			return fail(c, "lease-duration",
			    "lease-duration is not a number of seconds");
		*secs = (int64_t)v;
	}
	return CS_OK;
}

/* msg_emit - fill the common fields of a dhcpd observation and report it */
static void
msg_emit(struct msgctx *c, enum cs_obs_kind kind, const struct cs_addr *ip,
    const uint8_t mac[static 6], int64_t secs, struct cs_obs *o)
{
	char key[KEY_MAX];

	o->kind = kind;
	o->src = CS_SRC_DHCPD;
	o->time = c->h->time;
	if (kind == CS_OBS_OPEN)
		o->until = lease_end(o->time, secs);
	o->key = dhcp_key(key, ip, mac);
	o->nas_key = c->h->host;
	o->naddr = 1;
	o->addr[0] = *ip;
	o->has_mac = 1;
	memcpy(o->mac, mac, 6);
	o->raw = c->raw;
	o->line = c->lineno;
	c->sink->obs(c->sink->arg, o);
}

/*
 * ip_mac - "<w1> <ip> <w2> <mac>" as in "on IP to MAC", "of IP from MAC";
 * *rest is what follows.  ESKIP when the first word is other (DHCPACK to
 * IP: the reply to a DHCPINFORM, which leases nothing).
 */
static enum cs_err
ip_mac(struct msgctx *c, struct cs_span *s, const char *w1, const char *w2,
    struct cs_addr *ip, uint8_t mac[static 6])
{
	struct cs_span w;

	if (!cs_span_word(s, &w) || !cs_span_eq(w, w1))
		return CS_ESKIP;
	if (!cs_span_word(s, &w))
		return fail(c, "address", "no IP address");
	if (!host_addr(w, ip))
		return fail(c, "address", "not an IP address");
	if (!cs_span_word(s, &w) || !cs_span_eq(w, w2))
		return fail(c, "mac",
		    "expected the client MAC address after "
		    "the IP address");
	if (!cs_span_word(s, &w))
		return fail(c, "mac", "no MAC address");
	if (cs_mac_parse(w, mac) != CS_OK)
		return fail(c, "mac", "not a MAC address");
	return CS_OK;
}

/* msg_ack - "DHCPACK on IP to MAC [(host)] via X" */
static enum cs_err
msg_ack(struct msgctx *c, struct cs_span s)
{
	struct cs_obs o;
	struct cs_addr ip;
	uint8_t mac[6];
	struct cs_span host, via, more;
	int64_t secs;
	enum cs_err e;

	if ((e = ip_mac(c, &s, "on", "to", &ip, mac)) != CS_OK)
		return e;
	if ((e = client_tail(c, s, &host, &via, &more)) != CS_OK)
		return e;
	if ((e = lease_duration(c, more, &secs)) != CS_OK)
		return e;
	cs_obs_init(&o);
	o.hostname = host;
	o.relay = via;
	msg_emit(
	    c, CS_OBS_OPEN, &ip, mac, secs >= 0 ? secs : c->o->lease_time, &o);
	return CS_OK;
}

/* msg_release - "DHCPRELEASE|DHCPDECLINE of IP from MAC [(host)] via X" */
static enum cs_err
msg_release(struct msgctx *c, struct cs_span s)
{
	struct cs_obs o;
	struct cs_addr ip;
	uint8_t mac[6];
	struct cs_span host, via, more;
	enum cs_err e;

	if ((e = ip_mac(c, &s, "of", "from", &ip, mac)) != CS_OK)
		return e == CS_ESKIP
		    ? fail(c, "message", "expected 'of <address> from <MAC>'")
		    : e;
	if ((e = client_tail(c, s, &host, &via, &more)) != CS_OK)
		return e;
	cs_obs_init(&o);
	o.hostname = host;
	o.relay = via;
	msg_emit(c, CS_OBS_CLOSE, &ip, mac, 0, &o);
	return CS_OK;
}

enum hook_key { HK_IP, HK_MAC, HK_LEASE, HK_CIRCUIT, HK_REMOTE, HK_HOST, HK_N };

static const char *const hook_names[HK_N] = {
    "ip",
    "mac",
    "lease",
    "circuit-id",
    "remote-id",
    "hostname",
};

/*
 * msg_hook - the "on commit|release|expiry" log lines of dhcpd.conf:
 * "LEASE-COMMIT ip=IP mac=MAC lease=N circuit-id=X remote-id=Y hostname=Z".
 * A word without '=' continues the value before it (a hostname with
 * blanks).  "none" is the config's pick-first-value default: empty.
 */
static enum cs_err
msg_hook(struct msgctx *c, struct cs_span verb, struct cs_span s)
{
	struct cs_span val[HK_N], w, *last = NULL;
	char circuit[OPT_MAX], remote[OPT_MAX];
	struct cs_addr ip;
	uint8_t mac[6];
	uint64_t secs = 0;
	int have[HK_N] = {0}, open = cs_span_eq(verb, "LEASE-COMMIT");
	struct cs_obs o;
	size_t k;

	while (cs_span_word(&s, &w)) {
		long eq = cs_span_chr(w, '=');
		for (k = 0; eq > 0 && k < HK_N; k++)
			if (cs_span_eq(
				cs_span_make(w.p, (size_t)eq), hook_names[k]))
				break;
		if (eq > 0 && k < HK_N) {
			val[k] = cs_span_skip(w, (size_t)eq + 1);
			have[k] = 1;
			last = &val[k];
		} else if (eq > 0) {
			last = NULL; /* a key we do not use */
		} else if (last != NULL) {
			last->len = (size_t)(w.p + w.len - last->p);
		}
	}
	for (k = 0; k < HK_N; k++)
		if (have[k] && cs_span_eq(val[k], "none"))
			val[k].len = 0;
	if (!open && !(have[HK_MAC] && val[HK_MAC].len))
		return CS_ESKIP; /* LEASE-RELEASE ip=: no MAC, no key */
	if (!have[HK_IP] || val[HK_IP].len == 0)
		return fail(c, "address", "no ip= in the lease log line");
	if (!host_addr(val[HK_IP], &ip))
		return fail(c, "address", "ip= is not an IP address");
	if (!have[HK_MAC] || val[HK_MAC].len == 0)
		return fail(c, "mac", "no mac= in the lease log line");
	if (cs_mac_parse(val[HK_MAC], mac) != CS_OK)
		return fail(c, "mac", "mac= is not a MAC address");
	if (have[HK_LEASE] && val[HK_LEASE].len &&
	    cs_parse_u64(val[HK_LEASE], 0, LEASE_SECS_INF, &secs) != CS_OK)
		return fail(c, "lease", "lease= is not a number of seconds");
	cs_obs_init(&o);
	if (have[HK_CIRCUIT])
		o.circuit_id = opt_word(val[HK_CIRCUIT], 2, circuit);
	if (have[HK_REMOTE])
		o.remote_id = opt_word(val[HK_REMOTE], 2, remote);
	if (have[HK_HOST])
		o.hostname = val[HK_HOST];
	msg_emit(c, open ? CS_OBS_OPEN : CS_OBS_CLOSE, &ip, mac,
	    have[HK_LEASE] && val[HK_LEASE].len ? (int64_t)secs
						: c->o->lease_time,
	    &o);
	return CS_OK;
}

/* cs_dhcpd_msg - one dhcpd syslog message; see the header comment */
enum cs_err
cs_dhcpd_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	struct msgctx c = {h, o, raw, lineno, sink, field, eb};
	struct cs_span s = cs_span_trim(h->msg), verb;

	if (!cs_span_word(&s, &verb))
		return CS_ESKIP;
	if (cs_span_eq(verb, "DHCPACK")) {
		enum cs_err e = msg_ack(&c, s);
		if (e == CS_ESKIP && !cs_span_starts(cs_span_ltrim(s), "to "))
			return fail(&c, "message",
			    "expected 'DHCPACK on <address> to <MAC>'");
		return e;
	}
	if (cs_span_eq(verb, "DHCPRELEASE") || cs_span_eq(verb, "DHCPDECLINE"))
		return msg_release(&c, s);
	if (cs_span_eq(verb, "LEASE-COMMIT") ||
	    cs_span_eq(verb, "LEASE-RELEASE") ||
	    cs_span_eq(verb, "LEASE-EXPIRY"))
		return msg_hook(&c, verb, s);
	return CS_ESKIP;
}

/* ---- dhcpd.leases ---- */

enum lmode {
	L_TOP,   /* between statements */
	L_STMT,  /* in a top-level statement other than lease */
	L_SKIP,  /* in the braces of such a statement */
	L_LEASE, /* in a lease block, buffering it */
};

struct leases_st {
	struct cs_sink *sink; /* borrowed from the caller of open */
	enum lmode mode;
	int64_t depth;       /* open braces of the current block */
	int opened;          /* the lease block's '{' was seen */
	uint64_t start_line; /* of the pending lease block */
	uint64_t start_off;  /* byte offset of its first line */
	struct cs_buf raw;   /* owned; the pending block's text */
	/* decoded texts of the block being emitted; obs points here */
	char key[KEY_MAX];
	char hostname[OPT_MAX], circuit[OPT_MAX], remote[OPT_MAX];
	char uid[OPT_MAX];
};

enum bstate { B_NONE, B_ACTIVE, B_ENDED, B_NOTHELD, B_UNKNOWN };

/* what one lease block says */
struct lease {
	struct cs_addr ip;
	cs_time starts, ends, tstp; /* CS_TIME_NONE: absent or never */
	int has_starts, has_ends, has_tstp;
	enum bstate state;
	int has_mac;
	uint8_t mac[6];
	struct cs_span hostname, circuit, remote, uid; /* into leases_st */
	const char *bad_field; /* first error, or NULL */
	const char *bad_reason;
};

/* -- tokens of a buffered block -- */

enum tok { T_END, T_BAD, T_WORD, T_STR, T_LBRACE, T_RBRACE, T_SEMI, T_EQ };

struct lex {
	struct cs_span s;
	size_t i;
};

/* is_blank - blank or line end, as the lease journal lexer sees it */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* lex_next - next token; a T_STR value is the text between the quotes */
static enum tok
lex_next(struct lex *lx, struct cs_span *v)
{
	const char *p = lx->s.p;
	size_t n = lx->s.len, i = lx->i, j;

	for (;;) {
		while (i < n && is_blank(p[i]))
			i++;
		if (i < n && p[i] == '#') {
			while (i < n && p[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	if (i >= n) {
		lx->i = n;
		return T_END;
	}
	lx->i = i + 1;
	switch (p[i]) {
	case '{':
		return T_LBRACE;
	case '}':
		return T_RBRACE;
	case ';':
		return T_SEMI;
	case '=':
		return T_EQ;
	case '"':
		for (j = i + 1; j < n && p[j] != '"' && p[j] != '\n'; j++)
			if (p[j] == '\\' && j + 1 < n && p[j + 1] != '\n')
				j++;
		if (j >= n || p[j] != '"')
			return T_BAD;
		*v = cs_span_make(p + i + 1, j - i - 1);
		lx->i = j + 1;
		return T_STR;
	default:
		break;
	}
	for (j = i; j < n && !is_blank(p[j]) && p[j] != '{' && p[j] != '}' &&
	     p[j] != ';' && p[j] != '=' && p[j] != '"' && p[j] != '#';
	     j++)
		;
	*v = cs_span_make(p + i, j - i);
	lx->i = j;
	return T_WORD;
}

/*
 * unquote - the bytes of a dhcpd string: "\ooo" octal escapes (as
 * quotify_buf writes them) and "\c" for c itself.
 */
static enum cs_err
unquote(struct cs_span s, uint8_t *out, size_t cap, size_t *n)
{
	size_t i, k = 0;

	for (i = 0; i < s.len; i++) {
		unsigned v = (unsigned char)s.p[i];
		if (v == '\\') {
			int nd = 0;
			if (++i >= s.len)
				return CS_EPARSE;
			v = 0;
			while (nd < 3 && i < s.len && s.p[i] >= '0' &&
			    s.p[i] <= '7') {
				v = v * 8 + (unsigned)(s.p[i++] - '0');
				nd++;
			}
			if (nd == 0)
				v = (unsigned char)s.p[i];
			else
				i--;
			if (v > 255)
				return CS_EPARSE;
		}
		if (k >= cap)
			return CS_ETOOBIG;
		out[k++] = (uint8_t)v;
	}
	*n = k;
	return CS_OK;
}

#define MAXTOK 8

/* one statement: its first MAXTOK tokens */
struct stmt {
	int n;
	enum tok t[MAXTOK];
	struct cs_span v[MAXTOK];
};

/* stmt_is - token i of the statement is the word w */
static int
stmt_is(const struct stmt *s, int i, const char *w)
{
	return i < s->n && s->t[i] == T_WORD && cs_span_eq(s->v[i], w);
}

/* bad - remember the first error of a lease block */
static void
bad(struct lease *l, const char *field, const char *reason)
{
	if (l->bad_field == NULL) {
		l->bad_field = field;
		l->bad_reason = reason;
	}
}

/* num - decimal number within [min, max] as an int */
static int
num(struct cs_span s, uint64_t min, uint64_t max, int *out)
{
	uint64_t v;

	if (cs_parse_u64(s, min, max, &v) != CS_OK)
		return 0;
	*out = (int)v;
	return 1;
}

/* ymd_hms - "2026/11/29" and "20:30:40" (UTC) */
static int
ymd_hms(struct cs_span date, struct cs_span clock, cs_time *t)
{
	struct cs_civil c = {0};
	struct cs_span y, m, d, hh, mm, ss;

	if (!cs_span_token(&date, '/', &y) || !cs_span_token(&date, '/', &m) ||
	    !cs_span_token(&date, '/', &d) || date.p != NULL ||
	    !cs_span_token(&clock, ':', &hh) ||
	    !cs_span_token(&clock, ':', &mm) ||
	    !cs_span_token(&clock, ':', &ss) || clock.p != NULL)
		return 0;
	if (!num(y, 1970, 9999, &c.year) || !num(m, 1, 12, &c.mon) ||
	    !num(d, 1, 31, &c.day) || !num(hh, 0, 23, &c.hour) ||
	    !num(mm, 0, 59, &c.min) || !num(ss, 0, 60, &c.sec))
		return 0;
	return cs_time_from_civil_utc(&c, t) == CS_OK;
}

/*
 * when - "starts 0 2026/11/29 20:30:40" (weekday, then UTC), "ends never",
 * "starts epoch 1795985440" (db-time-format local; the comment after the
 * ';' is gone already).  *t = CS_TIME_NONE for never.
 */
static int
when(const struct stmt *s, cs_time *t)
{
	uint64_t e;
	int wd;

	if (s->n == 2 && stmt_is(s, 1, "never")) {
		*t = CS_TIME_NONE;
		return 1;
	}
	if (s->n == 3 && stmt_is(s, 1, "epoch") && s->t[2] == T_WORD &&
	    cs_parse_u64(s->v[2], 0, 253402300799ULL, &e) == CS_OK) {
		*t = (cs_time)e * CS_US;
		return 1;
	}
	if (s->n == 4 && s->t[1] == T_WORD && num(s->v[1], 0, 6, &wd) &&
	    s->t[2] == T_WORD && s->t[3] == T_WORD)
		return ymd_hms(s->v[2], s->v[3], t);
	return 0;
}

/* opt_value - option agent.* value: a string, or colon hex bytes */
static int
opt_value(
    enum tok t, struct cs_span v, char out[static OPT_MAX], struct cs_span *res)
{
	uint8_t b[OPT_BYTES];
	size_t n;

	if (t == T_STR) {
		if (unquote(v, b, sizeof(b), &n) != CS_OK)
			return 0;
		*res = bytes_text(b, n, out, 0);
		return 1;
	}
	if (t == T_WORD && colon_hex(v, 1, b, sizeof(b), &n)) {
		*res = bytes_text(b, n, out, 0);
		return 1;
	}
	return 0;
}

/* stmt_time - a starts/ends/tstp statement into *t */
static void
stmt_time(struct lease *l, const struct stmt *s, const char *field, cs_time *t,
    int *has)
{
	if (!when(s, t))
		bad(l, field,
		    "expected 'W YYYY/MM/DD HH:MM:SS', 'epoch N' or "
		    "'never'");
	else
		*has = 1;
}

static const struct {
	const char *name;
	enum bstate state;
} bstates[] = {
    {"active", B_ACTIVE},
    {"bootp", B_ACTIVE},
    {"free", B_ENDED},
    {"expired", B_ENDED},
    {"released", B_ENDED},
    {"abandoned", B_NOTHELD},
    {"backup", B_NOTHELD},
    {"reset", B_NOTHELD},
    {"reserved", B_NOTHELD},
};

/* stmt_apply - one statement of a lease block */
static void
stmt_apply(struct leases_st *st, struct lease *l, const struct stmt *s)
{
	uint8_t b[OPT_BYTES];
	size_t n, i;

	if (s->n == 0 || s->t[0] != T_WORD)
		return;
	if (stmt_is(s, 0, "starts")) {
		stmt_time(l, s, "starts", &l->starts, &l->has_starts);
	} else if (stmt_is(s, 0, "ends")) {
		stmt_time(l, s, "ends", &l->ends, &l->has_ends);
	} else if (stmt_is(s, 0, "tstp")) {
		stmt_time(l, s, "tstp", &l->tstp, &l->has_tstp);
	} else if (stmt_is(s, 0, "binding") && stmt_is(s, 1, "state")) {
		l->state = B_UNKNOWN;
		for (i = 0; i < sizeof(bstates) / sizeof(bstates[0]); i++)
			if (s->n == 3 && stmt_is(s, 2, bstates[i].name))
				l->state = bstates[i].state;
		if (l->state == B_UNKNOWN)
			bad(l, "binding state", "unknown binding state");
	} else if (stmt_is(s, 0, "abandoned")) {
		l->state = B_NOTHELD; /* dhcpd 2 spelling */
	} else if (stmt_is(s, 0, "hardware")) {
		if (s->n == 3 && stmt_is(s, 1, "ethernet")) {
			if (s->t[2] != T_WORD ||
			    cs_mac_parse(s->v[2], l->mac) != CS_OK)
				bad(l, "hardware ethernet",
				    "not a MAC address");
			else
				l->has_mac = 1;
		}
	} else if (stmt_is(s, 0, "uid")) {
		if (s->n == 2 && s->t[1] == T_STR &&
		    unquote(s->v[1], b, sizeof(b), &n) == CS_OK)
			l->uid = bytes_text(b, n, st->uid, 1);
		else if (s->n == 2 && s->t[1] == T_WORD &&
		    colon_hex(s->v[1], 1, b, sizeof(b), &n))
			l->uid = bytes_text(b, n, st->uid, 1);
		else
			bad(l, "uid", "expected a quoted string or colon hex");
	} else if (stmt_is(s, 0, "client-hostname")) {
		if (s->n == 2 && s->t[1] == T_STR &&
		    unquote(s->v[1], b, sizeof(b), &n) == CS_OK) {
			memcpy(st->hostname, b, n);
			l->hostname = cs_span_make(st->hostname, n);
		} else {
			bad(l, "client-hostname",
			    "expected a quoted string "
			    "of at most 255 bytes");
		}
	} else if (stmt_is(s, 0, "option") && s->n == 3 &&
	    stmt_is(s, 1, "agent.circuit-id")) {
		if (!opt_value(s->t[2], s->v[2], st->circuit, &l->circuit))
			bad(l, "agent.circuit-id",
			    "expected a quoted string "
			    "or colon hex");
	} else if (stmt_is(s, 0, "option") && s->n == 3 &&
	    stmt_is(s, 1, "agent.remote-id")) {
		if (!opt_value(s->t[2], s->v[2], st->remote, &l->remote))
			bad(l, "agent.remote-id",
			    "expected a quoted string "
			    "or colon hex");
	}
	/* cltt, tsfp, atsfp, next/rewind binding state, set, on, ... */
}

/* skip_braces - past the '}' that closes a '{' just read */
static int
skip_braces(struct lex *lx)
{
	struct cs_span v;
	int64_t depth = 1;
	enum tok t;

	while (depth > 0) {
		t = lex_next(lx, &v);
		if (t == T_END || t == T_BAD)
			return 0;
		if (t == T_LBRACE)
			depth++;
		else if (t == T_RBRACE)
			depth--;
	}
	return 1;
}

/* read_block - "lease <ip> { statements }" into l */
static void
read_block(struct leases_st *st, struct cs_span text, struct lease *l)
{
	struct lex lx = {text, 0};
	struct cs_span v;
	struct stmt s;
	enum tok t;

	if (lex_next(&lx, &v) != T_WORD || !cs_span_eq(v, "lease") ||
	    lex_next(&lx, &v) != T_WORD) {
		bad(l, "lease", "expected 'lease <address> {'");
		return;
	}
	if (!host_addr(v, &l->ip)) {
		bad(l, "address", "not an IP address");
		return;
	}
	if (lex_next(&lx, &v) != T_LBRACE) {
		bad(l, "lease", "expected '{' after the lease address");
		return;
	}
	for (;;) {
		s.n = 0;
		for (;;) {
			t = lex_next(&lx, &v);
			if (t == T_END || t == T_BAD) {
				bad(l, "lease",
				    t == T_BAD ? "unterminated quoted string"
					       : "lease block ends early");
				return;
			}
			if (t == T_RBRACE) {
				stmt_apply(st, l, &s);
				return;
			}
			if (t == T_SEMI)
				break;
			if (t == T_LBRACE) { /* on expiry { ... } */
				if (!skip_braces(&lx)) {
					bad(l, "lease", "unbalanced braces");
					return;
				}
				s.n = 0; /* nothing we read */
				break;
			}
			if (s.n < MAXTOK) {
				s.t[s.n] = t;
				s.v[s.n] = t == T_WORD || t == T_STR
				    ? v
				    : cs_span_make(NULL, 0);
				s.n++;
			}
		}
		stmt_apply(st, l, &s);
	}
}

/* block_done - a whole lease block is in st->raw: read it and report */
static void
block_done(struct leases_st *st)
{
	struct cs_span text = cs_span_make(st->raw.data, st->raw.len);
	struct cs_sink *k = st->sink;
	struct lease l;
	struct cs_obs o;

	memset(&l, 0, sizeof(l));
	l.starts = l.ends = l.tstp = CS_TIME_NONE;
	read_block(st, text, &l);
	if (l.bad_field) {
		k->reject(
		    k->arg, st->start_line, l.bad_field, l.bad_reason, text);
		return;
	}
	if (!l.has_mac) {
		k->skip(k->arg, "dhcpd-leases: no hardware address");
		return;
	}
	cs_obs_init(&o);
	switch (l.state) {
	case B_ACTIVE:
		if (l.starts == CS_TIME_NONE) {
			k->reject(k->arg, st->start_line, "starts",
			    "active lease without a start time", text);
			return;
		}
		o.kind = CS_OBS_OPEN;
		o.time = l.starts;
		o.until = l.ends;
		break;
	case B_ENDED:
		o.kind = CS_OBS_CLOSE;
		o.time = l.tstp != CS_TIME_NONE ? l.tstp : l.ends;
		o.start = l.starts;
		if (o.time == CS_TIME_NONE) {
			k->reject(k->arg, st->start_line, "tstp",
			    "ended lease without tstp or ends time", text);
			return;
		}
		break;
	case B_NOTHELD:
		k->skip(k->arg,
		    "dhcpd-leases: lease not held "
		    "(abandoned, backup, reset or reserved)");
		return;
	default:
		k->skip(k->arg, "dhcpd-leases: no binding state");
		return;
	}
	o.src = CS_SRC_DHCPD_LEASES;
	o.key = dhcp_key(st->key, &l.ip, l.mac);
	o.naddr = 1;
	o.addr[0] = l.ip;
	o.has_mac = 1;
	memcpy(o.mac, l.mac, 6);
	o.hostname = l.hostname;
	o.circuit_id = l.circuit;
	o.remote_id = l.remote;
	o.client_id = l.uid;
	o.raw = text;
	o.line = st->start_line;
	k->obs(k->arg, &o);
}

/* block_add - append block text; 0 (and the block rejected) past the bound */
static int
block_add(struct leases_st *st, const char *p, size_t n, int nl)
{
	if (n + (size_t)nl <= CS_MAX_RECORD - st->raw.len) {
		cs_buf_append(&st->raw, p, n);
		if (nl)
			cs_buf_putc(&st->raw, '\n');
		if (cs_buf_error(&st->raw) == CS_OK)
			return 1;
	}
	st->sink->reject(st->sink->arg, st->start_line, "lease",
	    "lease block longer than the record limit (65536 bytes)",
	    cs_span_make(st->raw.data, st->raw.len));
	cs_buf_reset(&st->raw);
	return 0;
}

/* pending_raw - the text of an unfinished block, without its last '\n' */
static struct cs_span
pending_raw(const struct leases_st *st)
{
	size_t n = st->raw.len;

	if (n && st->raw.data[n - 1] == '\n')
		n--;
	return cs_span_make(st->raw.data, n);
}

/* is_lease_head - "lease" as a whole word at s */
static int
is_lease_head(struct cs_span s)
{
	return cs_span_starts(s, "lease") &&
	    (s.len == 5 || is_blank(s.p[5]) || s.p[5] == '{');
}

/* leases_line - one journal line: track braces, buffer lease blocks */
static void
leases_line(void *arg, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct leases_st *st = arg;
	size_t i = 0, from = 0;
	int inq = 0;

	/*
	 * dhcpd writes "lease" at column 0 only at the top level: a block or
	 * statement still open there was cut short (a crash mid-write).
	 */
	if (st->mode != L_TOP && is_lease_head(line) &&
	    cs_span_chr(line, '{') >= 0) {
		if (st->mode == L_LEASE)
			st->sink->reject(st->sink->arg, st->start_line, "lease",
			    "lease block not closed before the next lease",
			    pending_raw(st));
		else
			st->sink->skip(st->sink->arg,
			    "dhcpd-leases: unterminated statement");
		st->mode = L_TOP;
	}
	while (i < line.len) {
		char ch = line.p[i];

		if (st->mode == L_TOP) {
			if (is_blank(ch)) {
				i++;
				continue;
			}
			if (ch == '#')
				break;
			if (is_lease_head(cs_span_skip(line, i))) {
				st->mode = L_LEASE;
				st->depth = 0;
				st->opened = 0;
				st->start_line = lineno;
				st->start_off = off;
				cs_buf_reset(&st->raw);
				from = i;
			} else {
				st->mode = L_STMT;
			}
			continue;
		}
		i++;
		if (inq) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				inq = 0;
			continue;
		}
		if (ch == '"') {
			inq = 1;
			continue;
		}
		if (ch == '#') {
			i = line.len;
			break;
		}
		switch (st->mode) {
		case L_STMT:
			if (ch == ';') {
				st->sink->skip(st->sink->arg,
				    "dhcpd-leases: other statement");
				st->mode = L_TOP;
			} else if (ch == '{') {
				st->depth = 1;
				st->mode = L_SKIP;
			}
			break;
		case L_SKIP:
			if (ch == '{') {
				st->depth++;
			} else if (ch == '}' && --st->depth == 0) {
				st->sink->skip(
				    st->sink->arg, "dhcpd-leases: other block");
				st->mode = L_TOP;
			}
			break;
		case L_LEASE:
			if (ch == '{') {
				st->depth++;
				st->opened = 1;
			} else if (ch == '}' && st->depth > 0 &&
			    --st->depth == 0) {
				st->mode = L_TOP;
				if (block_add(st, line.p + from, i - from, 0))
					block_done(st);
				cs_buf_reset(&st->raw);
			} else if (ch == ';' && !st->opened) {
				st->mode = L_TOP;
				if (block_add(st, line.p + from, i - from, 0))
					st->sink->reject(st->sink->arg,
					    st->start_line, "lease",
					    "expected '{' after the lease "
					    "address",
					    pending_raw(st));
				cs_buf_reset(&st->raw);
			}
			break;
		default:
			break;
		}
	}
	if (st->mode == L_LEASE && i >= line.len &&
	    !block_add(st, line.p + from, line.len - from, 1))
		st->mode = st->opened ? L_SKIP : L_STMT;
}

/* leases_flush - at the real end, report a block never closed */
static void
leases_flush(void *arg, int final)
{
	struct leases_st *st = arg;

	if (!final || st->mode == L_TOP)
		return;
	if (st->mode == L_LEASE) {
		st->sink->reject(st->sink->arg, st->start_line, "lease",
		    "lease block not closed at the end of the file",
		    pending_raw(st));
	} else {
		st->sink->skip(
		    st->sink->arg, "dhcpd-leases: unterminated statement");
	}
	cs_buf_reset(&st->raw);
	st->mode = L_TOP;
}

/* leases_pending - offset of the first line of an unfinished lease block */
static uint64_t
leases_pending(void *arg)
{
	struct leases_st *st = arg;

	return st->mode == L_LEASE ? st->start_off : UINT64_MAX;
}

/* leases_open - new journal reader reporting to sink */
static void *
leases_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct leases_st *st = cs_xcalloc(1, sizeof(*st));

	(void)o; /* the journal's times are UTC or epoch */
	st->sink = sink;
	st->mode = L_TOP;
	cs_buf_init(&st->raw, NULL, 0, CS_MAX_RECORD);
	return st;
}

/* leases_close - free a journal reader */
static void
leases_close(void *arg)
{
	struct leases_st *st = arg;

	if (st == NULL)
		return;
	cs_buf_release(&st->raw);
	free(st);
}

/* leases_detect - the dhcpd.leases(5) banner or a "lease <ip> {" line */
static int
leases_detect(struct cs_span head)
{
	struct cs_span line;

	if (cs_span_find(head, "dhcpd.leases(5)") >= 0)
		return 90;
	while (cs_span_token(&head, '\n', &line))
		if (is_lease_head(line) && cs_span_chr(line, '{') > 5)
			return 90;
	return 0;
}

const struct cs_fmt cs_fmt_dhcpd_leases = {
    .name = "dhcpd-leases",
    .help = "ISC dhcpd.leases lease journal",
    .detect = leases_detect,
    .open = leases_open,
    .line = leases_line,
    .flush = leases_flush,
    .pending_offset = leases_pending,
    .close = leases_close,
};
