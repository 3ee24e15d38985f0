/*
 * natlog - vendor NAT syslog lines ("nat-syslog"), the forms whose exact
 * text is public (log-formats.md §4.3):
 *
 * Cisco ASA 305011 / 305012 (dynamic PAT translations):
 *   %ASA-6-305011: Built dynamic TCP translation from inside:10.1.1.2/1234
 *       to outside:203.0.113.1/5678
 *   %ASA-6-305012: Teardown dynamic UDP translation from
 *       inside:10.1.1.2/62409 to outside:81.2.69.142/62409 duration 0:00:41
 *   The inside host may be printed as a configured name (SERVERS:exp-wait):
 *   such lines cannot be attributed and are skipped.  duration gives the
 *   lifetime.
 *
 * Juniper SRX RT_FLOW, BSD form (NAT tuple second):
 *   RT_FLOW_SESSION_CREATE: session created SRC/SP->DST/DP [0x0] SERVICE
 *       NATSRC/NSP->NATDST/NDP [0x0] SRC-RULE-TYPE [NAME] ... PROTO POLICY
 *       FROM-ZONE TO-ZONE SESSION-ID ...
 *   RT_FLOW_SESSION_CLOSE: session closed REASON: SRC/SP->DST/DP ...
 *   and the RFC 5424 structured form (source-address="..",
 *   nat-source-address, nat-source-port, destination-address,
 *   destination-port, protocol-id, session-id-32, elapsed-time).  The
 *   session id links create and close.
 *
 * The time comes from the syslog header (every form cs_syslog_parse
 * reads), or from the ASA's own "Mmm dd yyyy hh:mm:ss" stamp (zone: opts
 * tz).  Sessions whose NAT tuple equals the original are not translations
 * and are skipped.  Stateless.
 */
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "fmt/fmt.h"
#include "fmt/ipfix.h"
#include "util/xmalloc.h"

struct nl {
	struct cs_fmt_opts o; /* copy; tz borrowed (or utc) */
	struct cs_sink *sink; /* borrowed */
	struct cs_tz utc;     /* when the caller gives no zone */
};

static void *
nl_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct nl *n = cs_xcalloc(1, sizeof(*n));

	n->o = *o;
	n->sink = sink;
	if (n->o.tz == NULL && cs_tz_init(&n->utc, "UTC", NULL) == CS_OK)
		n->o.tz = &n->utc;
	return n;
}

static void
nl_flush(void *st, int final)
{
	(void)st;
	(void) final;
}

static uint64_t
nl_pending(void *st)
{
	(void)st;
	return UINT64_MAX;
}

static void
nl_close(void *st)
{
	free(st);
}

static void
nat_init(struct cs_nat *n)
{
	memset(n, 0, sizeof(*n));
	n->kind = CS_NAT_SESSION;
	n->inside_port = -1;
	n->dst_port = -1;
	n->port_step = 1;
	n->start = n->end = CS_TIME_NONE;
	n->lifetime = -1;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* asa_time - "[<PRI>]Mmm dd yyyy hh:mm:ss" at the start of the line */
static int
asa_time(struct nl *n, struct cs_span s, cs_time *t)
{
	struct cs_civil c = {0};
	struct cs_span w;
	uint64_t v;
	int i;

	if (s.len && s.p[0] == '<') {
		long e = cs_span_chr(s, '>');
		if (e < 0)
			return -1;
		s = cs_span_skip(s, (size_t)e + 1);
	}
	if (!cs_span_word(&s, &w) || (c.mon = cs_month_abbr(w)) == 0)
		return -1;
	if (!cs_span_word(&s, &w) || cs_parse_u64(w, 1, 31, &v) != CS_OK)
		return -1;
	c.day = (int)v;
	if (!cs_span_word(&s, &w) || cs_parse_u64(w, 1970, 9999, &v) != CS_OK)
		return -1;
	c.year = (int)v;
	if (!cs_span_word(&s, &w) || w.len < 8 || w.p[2] != ':' ||
	    w.p[5] != ':')
		return -1;
	for (i = 0; i < 8; i++)
		if (i != 2 && i != 5 && !is_digit(w.p[i]))
			return -1;
	c.hour = (w.p[0] - '0') * 10 + (w.p[1] - '0');
	c.min = (w.p[3] - '0') * 10 + (w.p[4] - '0');
	c.sec = (w.p[6] - '0') * 10 + (w.p[7] - '0');
	if (n->o.tz)
		return cs_tz_to_utc(n->o.tz, &c, t) == CS_OK ? 0 : -1;
	return cs_time_from_civil_utc(&c, t) == CS_OK ? 0 : -1;
}

static int
line_time(struct nl *n, struct cs_span line, cs_time *t)
{
	struct cs_syslog_hdr h;
	struct cs_errbuf eb;

	if (n->o.tz && cs_syslog_parse(line, &n->o, &h, &eb) == CS_OK) {
		*t = h.time;
		return 0;
	}
	return asa_time(n, line, t);
}

/* addr_port - "10.1.1.2/1234" */
static int
addr_port(struct cs_span s, struct cs_addr *a, int *port)
{
	long sl = cs_span_chr(s, '/');
	uint64_t v;

	if (sl < 0 ||
	    cs_addr_parse(cs_span_make(s.p, (size_t)sl), a) != CS_OK ||
	    !cs_addr_is_host(a) ||
	    cs_parse_u64(cs_span_skip(s, (size_t)sl + 1), 0, 65535, &v) !=
		CS_OK)
		return -1;
	*port = (int)v;
	return 0;
}

/* tuple - "A/P->B/Q" */
static int
tuple(struct cs_span s, struct cs_addr *a, int *ap, struct cs_addr *b, int *bp)
{
	struct cs_span l, r;

	if (!cs_span_cut(s, "->", &l, &r))
		return -1;
	return addr_port(l, a, ap) || addr_port(r, b, bp) ? -1 : 0;
}

static void
emit(struct nl *n, struct cs_nat *x, cs_time t, struct cs_span raw,
    uint64_t lineno)
{
	struct cs_obs ob;

	if (memcmp(&x->inside, &x->pub, sizeof(x->pub)) == 0 &&
	    x->inside_port == x->port_lo) {
		n->sink->skip(n->sink->arg, "nat-syslog: not translated");
		return;
	}
	cs_obs_init(&ob);
	ob.kind = CS_OBS_NAT;
	ob.src = CS_SRC_NATLOG;
	ob.time = t;
	ob.key = x->link;
	ob.nat = x;
	ob.raw = raw;
	ob.line = lineno;
	n->sink->obs(n->sink->arg, &ob);
}

/* asa - 305011 / 305012 from the text after "%ASA-N-3050NN: " */
static const char *
asa(struct nl *n, struct cs_span m, int teardown, cs_time t, struct cs_span raw,
    uint64_t lineno)
{
	struct cs_span w, in, out;
	struct cs_nat x;
	long c;

	nat_init(&x);
	x.event = teardown ? CS_NAT_DELETE : CS_NAT_CREATE;
	if (!cs_span_word(&m, &w) || !cs_span_word(&m, &w) ||
	    !cs_span_eq(w, "dynamic") || !cs_span_word(&m, &w))
		return "words";
	if (cs_span_eq(w, "TCP"))
		x.proto = 6;
	else if (cs_span_eq(w, "UDP"))
		x.proto = 17;
	else
		return NULL; /* ICMP: no port */
	if (!cs_span_word(&m, &w) || !cs_span_eq(w, "translation") ||
	    !cs_span_word(&m, &w) || !cs_span_eq(w, "from") ||
	    !cs_span_word(&m, &in) || !cs_span_word(&m, &w) ||
	    !cs_span_eq(w, "to") || !cs_span_word(&m, &out))
		return "words";
	/* "ifname:addr/port" */
	if ((c = cs_span_chr(in, ':')) < 0)
		return "inside";
	in = cs_span_skip(in, (size_t)c + 1);
	if ((c = cs_span_chr(out, ':')) < 0)
		return "outside";
	out = cs_span_skip(out, (size_t)c + 1);
	if (addr_port(in, &x.inside, &x.inside_port) != 0) {
		n->sink->skip(n->sink->arg,
		    "nat-syslog: ASA inside host "
		    "given as a name");
		return "";
	}
	if (addr_port(out, &x.pub, &x.port_lo) != 0)
		return "outside";
	x.port_hi = x.port_lo;
	if (teardown && cs_span_word(&m, &w) && cs_span_eq(w, "duration") &&
	    cs_span_word(&m, &w)) {
		/* h:mm:ss */
		struct cs_span hh, rest, mm, ss;
		uint64_t a, b, d;
		if (cs_span_cut(w, ":", &hh, &rest) &&
		    cs_span_cut(rest, ":", &mm, &ss) &&
		    cs_parse_u64(hh, 0, 1000000, &a) == CS_OK &&
		    cs_parse_u64(mm, 0, 59, &b) == CS_OK &&
		    cs_parse_u64(ss, 0, 59, &d) == CS_OK)
			x.lifetime = (int64_t)(a * 3600 + b * 60 + d) * CS_US;
	}
	if (x.event == CS_NAT_CREATE)
		x.start = t;
	emit(n, &x, t, raw, lineno);
	return NULL;
}

/* sd_param - value of name="..." in RFC 5424 structured data */
static int
sd_param(struct cs_span s, const char *name, struct cs_span *v)
{
	size_t nl = strlen(name), i;
	long at;

	for (;;) {
		if ((at = cs_span_find(s, name)) < 0)
			return 0;
		i = (size_t)at;
		if ((i == 0 || s.p[i - 1] == ' ' || s.p[i - 1] == '[') &&
		    i + nl + 1 < s.len && s.p[i + nl] == '=' &&
		    s.p[i + nl + 1] == '"')
			break;
		s = cs_span_skip(s, i + nl);
	}
	s = cs_span_skip(s, i + nl + 2);
	if ((at = cs_span_chr(s, '"')) < 0)
		return 0;
	*v = cs_span_make(s.p, (size_t)at);
	return 1;
}

static const char *
srx_sd(struct nl *n, struct cs_span line, int close, cs_time t, uint64_t lineno)
{
	struct cs_span v;
	struct cs_nat x;
	uint64_t u;

	nat_init(&x);
	x.event = close ? CS_NAT_DELETE : CS_NAT_CREATE;
	if (!sd_param(line, "source-address", &v) ||
	    cs_addr_parse(v, &x.inside) != CS_OK)
		return "source-address";
	if (!sd_param(line, "source-port", &v) ||
	    cs_parse_u64(v, 0, 65535, &u) != CS_OK)
		return "source-port";
	x.inside_port = (int)u;
	if (!sd_param(line, "nat-source-address", &v) ||
	    cs_addr_parse(v, &x.pub) != CS_OK)
		return "nat-source-address";
	if (!sd_param(line, "nat-source-port", &v) ||
	    cs_parse_u64(v, 0, 65535, &u) != CS_OK)
		return "nat-source-port";
	x.port_lo = x.port_hi = (int)u;
	if (sd_param(line, "destination-address", &v) &&
	    cs_addr_parse(v, &x.dst) == CS_OK &&
	    sd_param(line, "destination-port", &v) &&
	    cs_parse_u64(v, 0, 65535, &u) == CS_OK)
		x.dst_port = (int)u;
	if (sd_param(line, "protocol-id", &v) &&
	    cs_parse_u64(v, 0, 255, &u) == CS_OK)
		x.proto = (uint8_t)u;
	if (sd_param(line, "session-id-32", &v) && v.len <= 20)
		x.link = v;
	if (close && sd_param(line, "elapsed-time", &v) &&
	    cs_parse_u64(v, 0, 100000000, &u) == CS_OK)
		x.lifetime = (int64_t)u * CS_US;
	if (!close)
		x.start = t;
	emit(n, &x, t, line, lineno);
	return NULL;
}

static const char *
srx_bsd(struct nl *n, struct cs_span m, int close, cs_time t,
    struct cs_span raw, uint64_t lineno)
{
	struct cs_span w;
	struct cs_addr a, b, c, d;
	int ap, bp, cp, dp, seen = 0, after = 0;
	uint64_t u, proto = 256;
	struct cs_nat x;

	nat_init(&x);
	x.event = close ? CS_NAT_DELETE : CS_NAT_CREATE;
	while (cs_span_word(&m, &w)) {
		if (seen < 2 && cs_span_find(w, "->") >= 0) {
			if (tuple(w, seen ? &c : &a, seen ? &cp : &ap,
				seen ? &d : &b, seen ? &dp : &bp) != 0)
				return "tuple";
			seen++;
			continue;
		}
		if (seen < 2)
			continue;
		if (cs_span_starts(w, "0x"))
			continue;
		if (proto == 256) {
			if (cs_parse_u64(w, 0, 255, &u) == CS_OK)
				proto = u;
			continue;
		}
		/* after the protocol: policy, from zone, to zone, id */
		if (++after == 4) {
			if (cs_parse_u64(w, 0, UINT64_MAX, &u) == CS_OK &&
			    w.len <= 20)
				x.link = w;
			break;
		}
	}
	if (seen < 2)
		return "tuple";
	if (proto == 256)
		return "protocol-id";
	x.proto = (uint8_t)proto;
	x.inside = a;
	x.inside_port = ap;
	x.dst = b;
	x.dst_port = bp;
	x.pub = c;
	x.port_lo = x.port_hi = cp;
	(void)d;
	(void)dp;
	if (!close)
		x.start = t;
	emit(n, &x, t, raw, lineno);
	return NULL;
}

static void
nl_line(void *st, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct nl *n = st;
	struct cs_span m;
	const char *why = NULL;
	cs_time t;
	long at;
	int close;

	(void)off;
	if ((at = cs_span_find(line, "%ASA-")) >= 0) {
		m = cs_span_skip(line, (size_t)at);
		if (!cs_span_starts(m, "%ASA-6-305011: ") &&
		    !cs_span_starts(m, "%ASA-6-305012: ")) {
			n->sink->skip(n->sink->arg,
			    "nat-syslog: other ASA "
			    "message");
			return;
		}
		close = m.p[12] == '2';
		if (line_time(n, line, &t) != 0) {
			why = "timestamp";
			goto bad;
		}
		why = asa(n, cs_span_skip(m, 15), close, t, line, lineno);
	} else if ((at = cs_span_find(line, "RT_FLOW_SESSION_")) >= 0) {
		m = cs_span_skip(line, (size_t)at + strlen("RT_FLOW_SESSION_"));
		if (cs_span_starts(m, "CREATE"))
			close = 0;
		else if (cs_span_starts(m, "CLOSE"))
			close = 1;
		else {
			n->sink->skip(n->sink->arg,
			    "nat-syslog: other RT_FLOW "
			    "message");
			return;
		}
		if (line_time(n, line, &t) != 0) {
			why = "timestamp";
			goto bad;
		}
		if (cs_span_find(line, "nat-source-address=\"") >= 0)
			why = srx_sd(n, line, close, t, lineno);
		else if ((at = cs_span_find(m,
			      close ? "session closed" : "session created")) >=
		    0) {
			m = cs_span_skip(m, (size_t)at);
			if (close && (at = cs_span_find(m, ": ")) >= 0)
				m = cs_span_skip(m, (size_t)at + 2);
			why = srx_bsd(n, m, close, t, line, lineno);
		} else {
			why = "message";
		}
	} else {
		n->sink->skip(n->sink->arg, "nat-syslog: not a NAT message");
		return;
	}
	if (why == NULL || why[0] == '\0')
		return;
bad:
	n->sink->reject(
	    n->sink->arg, lineno, why, "malformed NAT syslog line", line);
}

/*
 * nl_detect - a file is NAT syslog when most of its first lines are NAT
 * lines; one such line in an ordinary /var/log/syslog does not make it one.
 */
static int
nl_detect(struct cs_span head)
{
	struct cs_span line;
	int nat = 0, other = 0;

	while (
	    head.len && cs_span_token(&head, '\n', &line) && nat + other < 50) {
		if (head.p == NULL && nat + other > 0)
			break; /* last, maybe partial, line */
		if (cs_span_trim(line).len == 0)
			continue;
		if (cs_span_find(line, "%ASA-6-30501") >= 0 ||
		    cs_span_find(line, "RT_FLOW_SESSION_CREATE") >= 0 ||
		    cs_span_find(line, "RT_FLOW_SESSION_CLOSE") >= 0)
			nat++;
		else
			other++;
		if (head.p == NULL)
			break;
	}
	if (nat == 0)
		return 0;
	return nat * 2 > nat + other ? 80 : 10;
}

const struct cs_fmt cs_fmt_natlog = {
    .name = "nat-syslog",
    .help = "NAT syslog: Cisco ASA 305011/305012, Juniper SRX RT_FLOW",
    .detect = nl_detect,
    .open = nl_open,
    .line = nl_line,
    .flush = nl_flush,
    .pending_offset = nl_pending,
    .close = nl_close,
};
