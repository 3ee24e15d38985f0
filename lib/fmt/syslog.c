/*
 * syslog - syslog header forms, and the "syslog" format: a file of syslog
 * lines from any mix of programs (the ordinary /var/log/syslog), split by
 * program name and handed to the message parser of each program custos
 * knows (dhcpd, kea-dhcp4, dnsmasq, postfix).  NAT lines of the firewalls
 * nat-syslog reads (Cisco ASA 305011/305012, Juniper SRX RT_FLOW sessions),
 * found by their message ids whatever the program field says, go to that
 * parser.  Other programs' lines are skipped and counted by program name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/fmt.h"
#include "fmt/ipfix.h"
#include "util/xmalloc.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* two_digits - "05" or " 5" (space-padded) */
static int
padded2(struct cs_span s, size_t at, int *out)
{
	char a, b;

	if (at + 2 > s.len)
		return 0;
	a = s.p[at];
	b = s.p[at + 1];
	if (!is_digit(b) || (!is_digit(a) && a != ' '))
		return 0;
	*out = (a == ' ' ? 0 : (a - '0') * 10) + (b - '0');
	return 1;
}

static int
fixed2(struct cs_span s, size_t at, int *out)
{
	if (at + 2 > s.len || !is_digit(s.p[at]) || !is_digit(s.p[at + 1]))
		return 0;
	*out = (s.p[at] - '0') * 10 + (s.p[at + 1] - '0');
	return 1;
}

/* tag - "prog[pid]: rest" or "prog: rest" */
static int
parse_tag(struct cs_span s, struct cs_syslog_hdr *h)
{
	size_t i = 0;

	while (i < s.len && s.p[i] != '[' && s.p[i] != ':' && s.p[i] != ' ')
		i++;
	if (i == 0 || i == s.len)
		return 0;
	h->prog = cs_span_make(s.p, i);
	h->pid = cs_span_make(s.p + i, 0);
	if (s.p[i] == '[') {
		size_t j = i + 1;
		while (j < s.len && s.p[j] != ']')
			j++;
		if (j == s.len)
			return 0;
		h->pid = cs_span_make(s.p + i + 1, j - i - 1);
		i = j + 1;
	}
	if (i >= s.len || s.p[i] != ':')
		return 0;
	i++;
	if (i < s.len && s.p[i] == ' ')
		i++;
	h->msg = cs_span_skip(s, i);
	return 1;
}

enum cs_err
cs_syslog_parse(struct cs_span line, const struct cs_fmt_opts *o,
    struct cs_syslog_hdr *h, struct cs_errbuf *eb)
{
	struct cs_span s = line, tok;
	int rfc5424 = 0;

	memset(h, 0, sizeof(*h));
	if (s.len && s.p[0] == '<') {
		long e = cs_span_chr(s, '>');
		if (e < 2 || e > 4)
			goto bad;
		s = cs_span_skip(s, (size_t)e + 1);
		if (cs_span_starts(s, "1 ")) {
			rfc5424 = 1;
			s = cs_span_skip(s, 2);
		}
	}
	if (s.len >= 20 && is_digit(s.p[0]) && s.p[4] == '-') {
		/* RFC 3339 stamp up to the first space */
		if (!cs_span_word(&s, &tok))
			goto bad;
		if (cs_time_parse_rfc3339(tok, &h->time, eb) != CS_OK)
			return CS_EPARSE;
	} else if (!rfc5424 && s.len >= 16) {
		struct cs_civil c = {0};
		c.mon = cs_month_abbr(cs_span_make(s.p, 3));
		if (c.mon == 0 || s.p[3] != ' ' || !padded2(s, 4, &c.day) ||
		    s.p[6] != ' ' || !fixed2(s, 7, &c.hour) || s.p[9] != ':' ||
		    !fixed2(s, 10, &c.min) || s.p[12] != ':' ||
		    !fixed2(s, 13, &c.sec) || s.p[15] != ' ')
			goto bad;
		c.year =
		    o->year ? o->year : cs_year_guess(c.mon, c.day, o->ref);
		if (cs_tz_to_utc(o->tz, &c, &h->time) != CS_OK)
			goto bad;
		s = cs_span_skip(s, 16);
	} else {
		goto bad;
	}
	if (!cs_span_word(&s, &h->host))
		goto bad;
	s = cs_span_skip(s, 1);
	if (rfc5424) {
		struct cs_span msgid;
		if (!cs_span_word(&s, &h->prog) || !cs_span_word(&s, &h->pid) ||
		    !cs_span_word(&s, &msgid))
			goto bad;
		if (cs_span_eq(h->pid, "-"))
			h->pid.len = 0;
		s = cs_span_ltrim(s);
		if (s.len && s.p[0] == '[') {
			/* structured data: skip balanced [..] groups */
			size_t i = 0;
			while (i < s.len && s.p[i] == '[') {
				while (i < s.len && s.p[i] != ']') {
					if (s.p[i] == '\\')
						i++;
					i++;
				}
				i++;
			}
			s = cs_span_skip(s, i);
		} else if (s.len && s.p[0] == '-') {
			s = cs_span_skip(s, 1);
		}
		h->msg = cs_span_ltrim(s);
		if (cs_span_starts(h->msg, "\xEF\xBB\xBF"))
			h->msg = cs_span_skip(h->msg, 3);
		return CS_OK;
	}
	if (!parse_tag(s, h))
		goto bad;
	return CS_OK;
bad:
	cs_errbuf_set(eb,
	    "not a syslog line (expected 'Mon DD HH:MM:SS host "
	    "prog[pid]: ...', RFC 3339 or RFC 5424)");
	return CS_EPARSE;
}

/* ---- the syslog format ---- */

struct syslog_st {
	struct cs_fmt_opts opts;
	struct cs_sink *sink;
	struct cs_postfix *pf; /* owned; created on the first postfix line */
	void *nat; /* owned; nat-syslog state, on the first NAT line */
};

enum family { FAM_NONE, FAM_DHCPD, FAM_KEA, FAM_DNSMASQ, FAM_POSTFIX };

static enum family
family_of(struct cs_span prog)
{
	if (cs_span_eq(prog, "dhcpd"))
		return FAM_DHCPD;
	if (cs_span_starts(prog, "kea-dhcp4"))
		return FAM_KEA;
	if (cs_span_eq(prog, "dnsmasq-dhcp") || cs_span_eq(prog, "dnsmasq"))
		return FAM_DNSMASQ;
	if (cs_span_eq(prog, "postfix") || cs_span_starts(prog, "postfix/") ||
	    cs_span_starts(prog, "postfix-"))
		return FAM_POSTFIX;
	return FAM_NONE;
}

enum cs_src
cs_syslog_src(struct cs_span line, const struct cs_fmt_opts *o)
{
	static const enum cs_src src[] = {[FAM_NONE] = CS_SRC_NONE,
	    [FAM_DHCPD] = CS_SRC_DHCPD,
	    [FAM_KEA] = CS_SRC_KEA_LOG,
	    [FAM_DNSMASQ] = CS_SRC_DNSMASQ,
	    [FAM_POSTFIX] = CS_SRC_POSTFIX};
	struct cs_syslog_hdr h;
	struct cs_errbuf eb;

	if (cs_span_find(line, "%ASA-6-30501") >= 0 ||
	    cs_span_find(line, "RT_FLOW_SESSION_") >= 0)
		return CS_SRC_NATLOG;
	if (cs_syslog_parse(line, o, &h, &eb) != CS_OK)
		return CS_SRC_NONE;
	return src[family_of(h.prog)];
}

static const char *
family_name(enum family f)
{
	switch (f) {
	case FAM_DHCPD:
		return "dhcpd";
	case FAM_KEA:
		return "kea";
	case FAM_DNSMASQ:
		return "dnsmasq";
	case FAM_POSTFIX:
		return "postfix";
	default:
		return "other";
	}
}

static void *
syslog_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct syslog_st *st = cs_xcalloc(1, sizeof(*st));

	st->opts = *o;
	st->sink = sink;
	return st;
}

static void
syslog_line(void *arg, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct syslog_st *st = arg;
	struct cs_syslog_hdr h;
	struct cs_errbuf eb = {""};
	const char *field = "message";
	enum cs_err e = CS_ESKIP;
	enum family fam;
	char what[64];

	if (cs_span_trim(line).len == 0)
		return;
	if (cs_syslog_parse(line, &st->opts, &h, &eb) != CS_OK) {
		st->sink->reject(
		    st->sink->arg, lineno, "syslog header", eb.msg, line);
		return;
	}
	fam = family_of(h.prog);
	if (fam == FAM_NONE && st->opts.only_prog == NULL &&
	    (cs_span_find(line, "%ASA-6-30501") >= 0 ||
		cs_span_find(line, "RT_FLOW_SESSION_") >= 0)) {
		if (st->nat == NULL)
			st->nat = cs_fmt_natlog.open(&st->opts, st->sink);
		cs_fmt_natlog.line(st->nat, line, lineno, off);
		return;
	}
	if (fam == FAM_NONE ||
	    (st->opts.only_prog &&
		strcmp(st->opts.only_prog, family_name(fam)) != 0)) {
		snprintf(what, sizeof(what), "program %.*s",
		    (int)(h.prog.len > 40 ? 40 : h.prog.len), h.prog.p);
		st->sink->skip(st->sink->arg, what);
		return;
	}
	switch (fam) {
	case FAM_DHCPD:
		e = cs_dhcpd_msg(
		    &h, &st->opts, line, lineno, st->sink, &field, &eb);
		break;
	case FAM_KEA:
		e = cs_kea_msg(
		    &h, &st->opts, line, lineno, st->sink, &field, &eb);
		break;
	case FAM_DNSMASQ:
		e = cs_dnsmasq_msg(
		    &h, &st->opts, line, lineno, st->sink, &field, &eb);
		break;
	case FAM_POSTFIX:
		if (st->pf == NULL)
			st->pf = cs_postfix_new(&st->opts, st->sink);
		e = cs_postfix_msg(st->pf, &h, line, lineno, off, &field, &eb);
		break;
	default:
		break;
	}
	if (e == CS_ESKIP) {
		static const char *const unused[] = {
		    [FAM_NONE] = "other: message not used",
		    [FAM_DHCPD] = "dhcpd: message not used",
		    [FAM_KEA] = "kea: message not used",
		    [FAM_DNSMASQ] = "dnsmasq: message not used",
		    [FAM_POSTFIX] = "postfix: message not used",
		};
		st->sink->skip(st->sink->arg, unused[fam]);
	} else if (e != CS_OK) {
		st->sink->reject(st->sink->arg, lineno, field,
		    eb.msg[0] ? eb.msg : cs_strerror(e), line);
	}
}

static void
syslog_flush(void *arg, int final)
{
	struct syslog_st *st = arg;

	if (st->pf)
		cs_postfix_flush(st->pf, final);
	if (st->nat && cs_fmt_natlog.flush)
		cs_fmt_natlog.flush(st->nat, final);
}

static uint64_t
syslog_pending(void *arg)
{
	struct syslog_st *st = arg;

	uint64_t a = st->pf ? cs_postfix_pending_offset(st->pf) : UINT64_MAX;
	uint64_t b = st->nat && cs_fmt_natlog.pending_offset
	    ? cs_fmt_natlog.pending_offset(st->nat)
	    : UINT64_MAX;

	return a < b ? a : b;
}

static void
syslog_close(void *arg)
{
	struct syslog_st *st = arg;

	if (st == NULL)
		return;
	cs_postfix_free(st->pf);
	if (st->nat)
		cs_fmt_natlog.close(st->nat);
	free(st);
}

static int
syslog_detect(struct cs_span head)
{
	struct cs_fmt_opts o = {0};
	struct cs_tz tz;
	struct cs_syslog_hdr h;
	struct cs_span line;
	int good = 0, bad = 0;

	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.year = 2000;
	while (cs_span_token(&head, '\n', &line) && good + bad < 20) {
		if (head.p == NULL)
			break; /* last, possibly partial, line */
		if (cs_span_trim(line).len == 0)
			continue;
		if (cs_syslog_parse(line, &o, &h, NULL) == CS_OK)
			good++;
		else
			bad++;
	}
	if (good == 0)
		return 0;
	return good > bad * 4 ? 60 : 20;
}

const struct cs_fmt cs_fmt_syslog = {
    .name = "syslog",
    .help = "syslog lines (traditional, RFC 3339, RFC 5424, Postfix "
	    "maillog_file) from dhcpd, kea-dhcp4, dnsmasq and postfix; "
	    "other programs are skipped",
    .detect = syslog_detect,
    .open = syslog_open,
    .line = syslog_line,
    .flush = syslog_flush,
    .pending_offset = syslog_pending,
    .close = syslog_close,
};
