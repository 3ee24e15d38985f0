/* case - the case model: names, fields, targets, events */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case.h"
#include "util/addr.h"
#include "util/xmalloc.h"

static const char *const type_names[CT_N] = {
    "subpoena_admin",
    "subpoena_grand_jury",
    "subpoena_trial",
    "court_order_2703d",
    "search_warrant",
    "preservation_2703f",
    "ndo_2705b",
    "emergency_2702",
    "consent",
    "title3_order",
    "title3_emergency_cert",
    "pen_trap_order",
    "pen_trap_emergency",
    "fisa",
    "nsl_2709",
    "cybertip_2258a",
};

static const char *const cat_names[CC_N] = {
    "bsi",
    "session_logs",
    "ip_history",
    "radius_attributes",
    "smtp_envelopes",
    "destinations",
    "content",
    "stored_content",
    "url_paths",
    "dns_queries",
    "email_subjects",
};

static const char *const tkind_names[TK_N] = {
    "ip",
    "ipv6prefix",
    "username",
    "mac",
    "circuit",
    "email",
    "phone",
};

#define F(n, t, m, h)                                   \
	{                                               \
		n, t, offsetof(struct cs_case, m),      \
		    sizeof(((struct cs_case *)0)->m), h \
	}
static const struct cs_case_field fields[] = {
    F("agency", CF_STR, agency, "requesting agency"),
    F("agency_ref", CF_STR, agency_ref, "the agency's case reference"),
    F("court", CF_STR, court, "issuing court (or grand jury)"),
    F("judge", CF_STR, judge, "judge or magistrate who signed"),
    F("official", CF_STR, official,
	"issuing or authorizing official "
	"(2516 / specially designated officer)"),
    F("statute", CF_STR, statute,
	"statute authorizing an "
	"administrative subpoena"),
    F("officer_name", CF_STR, officer_name, "law-enforcement officer"),
    F("officer_phone", CF_STR, officer_phone, "officer's phone"),
    F("officer_email", CF_STR, officer_email, "officer's e-mail"),
    F("danger", CF_STR, danger,
	"emergency: the danger of death or "
	"serious physical injury"),
    F("urgency", CF_STR, urgency, "emergency: why delay matters"),
    F("emergency_kind", CF_STR, emergency_kind,
	"emergency kind "
	"(danger, national_security, organized_crime, computer_attack)"),
    F("offense", CF_STR, offense, "offense under investigation"),
    F("person", CF_STR, person,
	"person whose communications are "
	"targeted (if known)"),
    F("parent", CF_STR, parent, "ndo_2705b: the case it applies to"),
    F("note", CF_STR, note, "free text"),
    F("received", CF_TIME, received, "when the request was received"),
    F("issued", CF_TIME, issued, "when the document was issued"),
    F("return_date", CF_TIME, return_date, "when the answer is due"),
    F("expires", CF_TIME, expires,
	"the order's own end (gag end for "
	"ndo_2705b)"),
    F("gag_until", CF_TIME, gag_until,
	"a 2705(b) provision in this "
	"order: no notice until"),
    F("activated", CF_TIME, activated, "intercept activated (T_act)"),
    F("first_intercept", CF_TIME, first_intercept, "first interception"),
    F("backup", CF_BOOL, backup, "2704 backup preservation required"),
    F("voluminous", CF_BOOL, voluminous,
	"unusually voluminous or "
	"burdensome (motion to quash)"),
    F("gag_indefinite", CF_BOOL, gag_indefinite,
	"a gag without end "
	"date"),
    {NULL, CF_STR, 0, 0, NULL},
};
#undef F

const struct cs_case_field *
cs_case_fields(void)
{
	return fields;
}

const struct cs_case_field *
cs_case_field_find(const char *name)
{
	const struct cs_case_field *f;
	size_t i, n = strlen(name);

	for (f = fields; f->name; f++) {
		if (strlen(f->name) != n)
			continue;
		for (i = 0; i < n; i++)
			if (f->name[i] != (name[i] == '-' ? '_' : name[i]))
				break;
		if (i == n)
			return f;
	}
	return NULL;
}

enum cs_err
cs_case_field_set(struct cs_case *c, const struct cs_case_field *f,
    const char *val, struct cs_errbuf *eb)
{
	char *base = (char *)c + f->off;
	size_t n = strlen(val), i;
	cs_time t;

	switch (f->type) {
	case CF_STR:
		if (n >= f->size) {
			cs_errbuf_set(eb, "%s: longer than %zu bytes", f->name,
			    f->size - 1);
			return CS_ETOOBIG;
		}
		for (i = 0; i < n; i++)
			if ((unsigned char)val[i] < 0x20) {
				cs_errbuf_set(
				    eb, "%s: control character", f->name);
				return CS_EPARSE;
			}
		memcpy(base, val, n + 1);
		return CS_OK;
	case CF_TIME:
		if (n == 0) {
			*(cs_time *)(void *)base = CS_TIME_NONE;
			return CS_OK;
		}
		if (cs_time_parse_rfc3339(cs_span_cstr(val), &t, NULL) !=
		    CS_OK) {
			cs_errbuf_set(eb,
			    "%s '%.60s': want RFC 3339 with Z or "
			    "an offset, e.g. 2026-11-29T21:00:00Z",
			    f->name, val);
			return CS_EPARSE;
		}
		*(cs_time *)(void *)base = t;
		return CS_OK;
	case CF_BOOL:
		if (strcmp(val, "yes") == 0 || strcmp(val, "1") == 0 ||
		    strcmp(val, "true") == 0)
			*(int *)(void *)base = 1;
		else if (strcmp(val, "no") == 0 || strcmp(val, "0") == 0 ||
		    strcmp(val, "false") == 0)
			*(int *)(void *)base = 0;
		else {
			cs_errbuf_set(eb, "%s: want yes or no", f->name);
			return CS_EPARSE;
		}
		return CS_OK;
	}
	return CS_EINVAL;
}

int
cs_case_field_get(const struct cs_case *c, const struct cs_case_field *f,
    char *out, size_t outlen)
{
	const char *base = (const char *)c + f->off;
	char ts[40];
	cs_time t;

	switch (f->type) {
	case CF_STR:
		snprintf(out, outlen, "%s", base);
		return base[0] != '\0';
	case CF_TIME:
		memcpy(&t, base, sizeof(t));
		if (t == CS_TIME_NONE) {
			snprintf(out, outlen, "%s", "");
			return 0;
		}
		cs_time_format(t, ts);
		snprintf(out, outlen, "%s", ts);
		return 1;
	case CF_BOOL:
		snprintf(out, outlen, "%s",
		    *(const int *)(const void *)base ? "yes" : "no");
		return *(const int *)(const void *)base != 0;
	}
	return 0;
}

struct cs_case *
cs_case_new(void)
{
	struct cs_case *c = cs_xcalloc(1, sizeof(*c));

	c->created_at = c->received = c->issued = c->return_date = CS_TIME_NONE;
	c->expires = c->gag_until = c->activated = CS_TIME_NONE;
	c->first_intercept = CS_TIME_NONE;
	return c;
}

void
cs_case_free(struct cs_case *c)
{
	free(c);
}

const char *
cs_ctype_name(enum cs_ctype t)
{
	return (unsigned)t < CT_N ? type_names[t] : "?";
}

int
cs_ctype_parse(const char *s)
{
	int i;

	for (i = 0; i < CT_N; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	/* every FISA kind (fisa_1805, fisa_1842, ...) routes to counsel */
	if (strncmp(s, "fisa_", 5) == 0 && s[5] != '\0' && strlen(s) < 32)
		return CT_FISA;
	return -1;
}

const char *
cs_ccat_name(enum cs_ccat c)
{
	return (unsigned)c < CC_N ? cat_names[c] : "?";
}

int
cs_ccat_parse(const char *s)
{
	int i;

	for (i = 0; i < CC_N; i++)
		if (strcmp(s, cat_names[i]) == 0)
			return i;
	return -1;
}

const char *
cs_tkind_name(enum cs_tkind k)
{
	return (unsigned)k < TK_N ? tkind_names[k] : "?";
}

/* canon_value - check a target value and write it canonically */
static enum cs_err
canon_value(struct cs_target *t, struct cs_span v, struct cs_errbuf *eb)
{
	struct cs_addr a;
	uint8_t mac[6];
	char buf[CS_ADDR_STRLEN];
	size_t i;

	if (v.len == 0 || v.len >= sizeof(t->value)) {
		cs_errbuf_set(eb, "target value empty or too long");
		return CS_EPARSE;
	}
	for (i = 0; i < v.len; i++)
		if ((unsigned char)v.p[i] < 0x21) {
			cs_errbuf_set(eb,
			    "target value has blanks or control "
			    "characters");
			return CS_EPARSE;
		}
	switch (t->kind) {
	case TK_IP:
	case TK_IPV6PREFIX:
		if (cs_addr_parse(v, &a) != CS_OK ||
		    (t->kind == TK_IPV6PREFIX && a.family != 6)) {
			cs_errbuf_set(eb, "target '%.*s' is not %s", (int)v.len,
			    v.p,
			    t->kind == TK_IP ? "an IP address or prefix"
					     : "an IPv6 prefix");
			return CS_EPARSE;
		}
		cs_addr_format(&a, buf);
		snprintf(t->value, sizeof(t->value), "%s", buf);
		return CS_OK;
	case TK_MAC:
		if (cs_mac_parse(v, mac) != CS_OK) {
			cs_errbuf_set(eb, "target '%.*s' is not a MAC address",
			    (int)v.len, v.p);
			return CS_EPARSE;
		}
		cs_mac_format(mac, buf);
		snprintf(t->value, sizeof(t->value), "%s", buf);
		return CS_OK;
	default:
		memcpy(t->value, v.p, v.len);
		t->value[v.len] = '\0';
		return CS_OK;
	}
}

/* parse_end - one end of a window; empty is open */
static enum cs_err
parse_end(struct cs_span s, cs_time *out, struct cs_errbuf *eb)
{
	if (s.len == 0) {
		*out = CS_TIME_NONE;
		return CS_OK;
	}
	return cs_time_parse_rfc3339(s, out, eb);
}

enum cs_err
cs_target_parse(const char *s, struct cs_target *out, struct cs_errbuf *eb)
{
	struct cs_span sp = cs_span_cstr(s), kind, rest, val, win, a, b;
	struct cs_target t;
	int i;

	memset(&t, 0, sizeof(t));
	t.from = t.to = CS_TIME_NONE;
	if (!cs_span_cut(sp, ":", &kind, &rest)) {
		cs_errbuf_set(eb, "target '%s': want KIND:VALUE[@FROM..TO]", s);
		return CS_EPARSE;
	}
	for (i = 0; i < TK_N; i++)
		if (cs_span_eq(kind, tkind_names[i]))
			break;
	if (i == TK_N) {
		cs_errbuf_set(eb,
		    "target kind '%.*s': want ip, ipv6prefix, "
		    "username, mac, circuit, email or phone",
		    (int)kind.len, kind.p);
		return CS_EPARSE;
	}
	t.kind = (enum cs_tkind)i;
	val = rest;
	/* the window follows the last '@' (user names may hold one) */
	for (i = (int)rest.len - 1; i >= 0 && rest.p[i] != '@'; i--)
		;
	win = cs_span_make("", 0);
	if (i >= 0 &&
	    cs_span_find(cs_span_skip(rest, (size_t)i + 1), "..") >= 0) {
		val = cs_span_make(rest.p, (size_t)i);
		win = cs_span_skip(rest, (size_t)i + 1);
	}
	if (win.len) {
		if (!cs_span_cut(win, "..", &a, &b)) {
			cs_errbuf_set(eb, "target '%s': window is FROM..TO", s);
			return CS_EPARSE;
		}
		if (parse_end(a, &t.from, eb) != CS_OK ||
		    parse_end(b, &t.to, eb) != CS_OK)
			return CS_EPARSE;
		if (t.from != CS_TIME_NONE && t.to != CS_TIME_NONE &&
		    t.to < t.from) {
			cs_errbuf_set(eb,
			    "target '%s': window ends before it "
			    "starts",
			    s);
			return CS_EPARSE;
		}
	}
	if (canon_value(&t, val, eb) != CS_OK)
		return CS_EPARSE;
	*out = t;
	return CS_OK;
}

void
cs_target_format(const struct cs_target *t, char *out, size_t outlen)
{
	char a[40] = "", b[40] = "";

	if (t->from == CS_TIME_NONE && t->to == CS_TIME_NONE) {
		snprintf(
		    out, outlen, "%s:%s", cs_tkind_name(t->kind), t->value);
		return;
	}
	if (t->from != CS_TIME_NONE)
		cs_time_format(t->from, a);
	if (t->to != CS_TIME_NONE)
		cs_time_format(t->to, b);
	snprintf(out, outlen, "%s:%s@%s..%s", cs_tkind_name(t->kind), t->value,
	    a, b);
}

enum cs_err
cs_case_add_event(struct cs_case *c, const char *kind, cs_time at,
    const char *by, const char *note)
{
	struct cs_event *e;

	if (c->ne >= CS_CASE_MAXE)
		return CS_ETOOBIG;
	e = &c->e[c->ne++];
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->at = at;
	snprintf(e->by, sizeof(e->by), "%s", by ? by : "");
	snprintf(e->note, sizeof(e->note), "%s", note ? note : "");
	return CS_OK;
}

size_t
cs_case_count(const struct cs_case *c, const char *kind)
{
	size_t i, n = 0;

	for (i = 0; i < c->ne; i++)
		n += strcmp(c->e[i].kind, kind) == 0;
	return n;
}

const struct cs_event *
cs_case_last(const struct cs_case *c, const char *kind)
{
	size_t i;

	for (i = c->ne; i > 0; i--)
		if (strcmp(c->e[i - 1].kind, kind) == 0)
			return &c->e[i - 1];
	return NULL;
}

int
cs_case_has_doc(const struct cs_case *c, const char *kind)
{
	size_t i;

	for (i = 0; i < c->nd; i++) {
		if (kind == NULL) {
			if (strcmp(c->d[i].kind, "notice") != 0 &&
			    strcmp(c->d[i].kind, "calea_cert") != 0 &&
			    strcmp(c->d[i].kind, "invoice") != 0)
				return 1;
		} else if (strcmp(c->d[i].kind, kind) == 0) {
			return 1;
		}
	}
	return 0;
}

int
cs_case_acked(const struct cs_case *c, const char *rule)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "ack") == 0 &&
		    strcmp(c->e[i].note, rule) == 0)
			return 1;
	return 0;
}

enum cs_err
cs_duration_parse(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int64_t unit;
	uint64_t v;

	if (n < 2)
		return CS_EPARSE;
	switch (s[n - 1]) {
	case 's':
		unit = CS_US;
		break;
	case 'm':
		unit = 60 * CS_US;
		break;
	case 'h':
		unit = CS_HOUR;
		break;
	case 'd':
		unit = CS_DAY;
		break;
	case 'w':
		unit = 7 * CS_DAY;
		break;
	default:
		return CS_EPARSE;
	}
	if (cs_parse_u64(cs_span_make(s, n - 1), 0, 100000ULL * 86400, &v) !=
	    CS_OK)
		return CS_EPARSE;
	*out = (int64_t)v * unit;
	return CS_OK;
}
