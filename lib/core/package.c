/*
 * package - writers of the response package of a case (see package.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hpdf.h>
#include <sodium.h>

#include "core/package.h"
#include "util/xmalloc.h"

static const char *const col_names[PC_N] = {
    "kind",
    "target",
    "start",
    "end",
    "end_known",
    "address",
    "addresses",
    "username",
    "mac",
    "circuit_id",
    "nas",
    "nas_port_id",
    "session_id",
    "source",
    "subscriber_name",
    "subscriber_address",
    "account",
    "payment",
    "queue_id",
    "mail_from",
    "mail_to",
    "sasl_username",
    "evidence",
};

/* the titles of the columns in the report tables */
static const char *const col_titles[PC_N] = {
    "Kind",
    "Target",
    "Start (UTC)",
    "End (UTC)",
    "End",
    "Address",
    "All addresses",
    "User name",
    "MAC",
    "Circuit",
    "NAS",
    "NAS port",
    "Session",
    "Source",
    "Subscriber",
    "Postal address",
    "Account",
    "Payment",
    "Queue id",
    "Sender",
    "Recipients",
    "SASL user",
    "Evidence",
};

const char *
cs_pkg_col_name(enum cs_pkg_col c)
{
	return c < PC_N ? col_names[c] : "";
}

void
cs_pkg_init(struct cs_pkg *p, const struct cs_case *c,
    const struct cs_config *cfg, cs_time now, const char *by)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->cfg = cfg;
	p->now = now;
	p->by = by;
	p->disclosed = "";
	p->withheld = "";
	p->why = "";
}

struct cs_pkg_rec *
cs_pkg_add(struct cs_pkg *p, enum cs_pkg_kind k)
{
	struct cs_pkg_rec *r;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->r = cs_xreallocarray(p->r, p->cap, sizeof(*p->r));
	}
	r = &p->r[p->n++];
	memset(r, 0, sizeof(*r));
	r->kind = k;
	return r;
}

void
cs_pkg_set(struct cs_pkg_rec *r, enum cs_pkg_col col, const char *v)
{
	if (col >= PC_N)
		return;
	free(r->col[col]);
	r->col[col] = v && *v ? cs_xstrdup(v) : NULL;
}

size_t
cs_pkg_count(const struct cs_pkg *p, enum cs_pkg_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->r[i].kind == k;
	return n;
}

/* wipe_free - records name subscribers and targets: cleared, then freed */
static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
cs_pkg_release(struct cs_pkg *p)
{
	size_t i;
	int j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; j < PC_N; j++)
			wipe_free(p->r[i].col[j]);
		wipe_free(p->r[i].json);
		wipe_free(p->r[i].dir_json);
	}
	free(p->r);
	p->r = NULL;
	p->n = p->cap = 0;
}

static const char *
kind_name(enum cs_pkg_kind k)
{
	return k == PK_SMTP ? "smtp" : "binding";
}

/* cell - a record's column as text ("" when empty) */
static const char *
cell(const struct cs_pkg_rec *r, enum cs_pkg_col c)
{
	if (c == PC_KIND)
		return kind_name(r->kind);
	return r->col[c] ? r->col[c] : "";
}

/* ---- a small reader for the JSON the store renders ---- */

static const char *
ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* put_utf8 - code point as UTF-8; 0 if it does not fit */
static size_t
put_utf8(unsigned long cp, char *o, size_t room)
{
	if (cp < 0x80 && room >= 1) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800 && room >= 2) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000 && room >= 3) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp < 0x110000 && room >= 4) {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

static int
hex4(const char *s, unsigned long *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/*
 * jstring - s at a '"': decode into out (if not NULL; truncation makes
 * *ok 0) and return the byte after the closing quote, or NULL.
 */
static const char *
jstring(const char *s, char *out, size_t outlen, int *ok)
{
	size_t n = 0, k;
	unsigned long cp, lo;
	char tmp[4];

	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		k = 1;
		tmp[0] = *s;
		if (*s == '\\') {
			s++;
			switch (*s) {
			case 'n':
				tmp[0] = '\n';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'u':
				if (hex4(s + 1, &cp) != 0)
					return NULL;
				s += 4;
				if (cp >= 0xd800 && cp < 0xdc00 &&
				    s[1] == '\\' && s[2] == 'u' &&
				    hex4(s + 3, &lo) == 0 && lo >= 0xdc00 &&
				    lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					s += 6;
				}
				k = put_utf8(cp, tmp, sizeof(tmp));
				break;
			case '\0':
				return NULL;
			default:
				tmp[0] = *s;
				break;
			}
		}
		s++;
		if (out) {
			if (n + k >= outlen) {
				*ok = 0;
			} else {
				memcpy(out + n, tmp, k);
				n += k;
			}
		}
	}
	if (*s != '"')
		return NULL;
	if (out && outlen)
		out[n < outlen ? n : outlen - 1] = '\0';
	return s + 1;
}

/* jskip - past one JSON value at s (after white space), or NULL */
static const char *
jskip(const char *s, int depth)
{
	s = ws(s);
	if (depth > 64)
		return NULL;
	if (*s == '"')
		return jstring(s, NULL, 0, NULL);
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		int obj = *s == '{';
		s = ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (obj) {
				if ((s = jstring(ws(s), NULL, 0, NULL)) == NULL)
					return NULL;
				s = ws(s);
				if (*s++ != ':')
					return NULL;
			}
			if ((s = jskip(s, depth + 1)) == NULL)
				return NULL;
			s = ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '\0')
		return NULL;
	while (*s && *s != ',' && *s != '}' && *s != ']' && *s != ' ' &&
	    *s != '\n' && *s != '\t' && *s != '\r')
		s++;
	return s;
}

/* jfind - the value of key in the object at s, or NULL */
static const char *
jfind(const char *s, const char *key)
{
	char name[64];
	int ok;

	s = ws(s);
	if (*s++ != '{')
		return NULL;
	s = ws(s);
	if (*s == '}')
		return NULL;
	for (;;) {
		ok = 1;
		if ((s = jstring(ws(s), name, sizeof(name), &ok)) == NULL)
			return NULL;
		s = ws(s);
		if (*s++ != ':')
			return NULL;
		s = ws(s);
		if (ok && strcmp(name, key) == 0)
			return s;
		if ((s = jskip(s, 1)) == NULL)
			return NULL;
		s = ws(s);
		if (*s++ != ',')
			return NULL;
	}
}

int
cs_json_get_str(const char *json, const char *key, char *out, size_t outlen)
{
	const char *v = jfind(json, key);
	int ok = 1;

	if (v == NULL || *v != '"' || outlen == 0)
		return 0;
	if (jstring(v, out, outlen, &ok) == NULL || !ok) {
		out[0] = '\0';
		return 0;
	}
	return 1;
}

int
cs_json_sub_str(const char *json, const char *obj, const char *key, char *out,
    size_t outlen)
{
	const char *v = jfind(json, obj);

	if (v == NULL || *v != '{')
		return 0;
	return cs_json_get_str(v, key, out, outlen);
}

int
cs_json_list_str(const char *json, const char *arr, const char *key, char *out,
    size_t outlen)
{
	const char *v = jfind(json, arr), *end;
	char one[512];
	size_t n = 0, l;
	int any = 0;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (v == NULL || *v != '[')
		return 0;
	v = ws(v + 1);
	while (*v == '{') {
		if ((end = jskip(v, 1)) == NULL)
			return 0;
		if (cs_json_get_str(v, key, one, sizeof(one))) {
			l = strlen(one);
			if (n + l + 3 >= outlen)
				return 0;
			if (any) {
				memcpy(out + n, ", ", 2);
				n += 2;
			}
			memcpy(out + n, one, l + 1);
			n += l;
			any = 1;
		}
		v = ws(end);
		if (*v != ',')
			break;
		v = ws(v + 1);
	}
	return any;
}

/* ---- records.csv ---- */

static int
col_on(const struct cs_pkg *p, enum cs_pkg_col c)
{
	return c == PC_KIND || c == PC_TARGET || (p->cols & PC_BIT(c));
}

/*
 * csv_cell - RFC 4180: quoted when it holds a comma, quote or line end.
 * A cell that a spreadsheet would run as a formula (= + - @ TAB CR first:
 * log fields such as user names and mail senders come from subscribers)
 * is quoted with a leading apostrophe; records.json keeps the exact value.
 */
static void
csv_cell(struct cs_buf *b, const char *s)
{
	const char *q;
	int formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r';

	if (strpbrk(s, ",\"\r\n") == NULL && !formula) {
		cs_buf_puts(b, s);
		return;
	}
	cs_buf_putc(b, '"');
	if (formula)
		cs_buf_putc(b, '\''); /* not a spreadsheet formula */
	for (q = s; *q; q++) {
		if (*q == '"')
			cs_buf_putc(b, '"');
		cs_buf_putc(b, *q);
	}
	cs_buf_putc(b, '"');
}

enum cs_err
cs_pkg_csv(const struct cs_pkg *p, struct cs_buf *out)
{
	size_t i;
	int c, first = 1;

	for (c = 0; c < PC_N; c++)
		if (col_on(p, (enum cs_pkg_col)c)) {
			if (!first)
				cs_buf_putc(out, ',');
			cs_buf_puts(out, col_names[c]);
			first = 0;
		}
	cs_buf_puts(out, "\r\n");
	for (i = 0; i < p->n; i++) {
		first = 1;
		for (c = 0; c < PC_N; c++) {
			if (!col_on(p, (enum cs_pkg_col)c))
				continue;
			if (!first)
				cs_buf_putc(out, ',');
			csv_cell(out, cell(&p->r[i], (enum cs_pkg_col)c));
			first = 0;
		}
		cs_buf_puts(out, "\r\n");
	}
	return cs_buf_error(out);
}

/* ---- records.json ---- */

static void
jstr(struct cs_buf *b, const char *name, const char *v)
{
	cs_buf_appendf(b, "\"%s\":", name);
	if (v && *v)
		cs_buf_json_str(b, v, strlen(v));
	else
		cs_buf_puts(b, "null");
}

static void
jtime(struct cs_buf *b, const char *name, cs_time t)
{
	char ts[40];

	if (t == CS_TIME_NONE) {
		cs_buf_appendf(b, "\"%s\":null", name);
		return;
	}
	cs_time_format(t, ts);
	cs_buf_appendf(b, "\"%s\":\"%s\"", name, ts);
}

enum cs_err
cs_pkg_json(const struct cs_pkg *p, struct cs_buf *out)
{
	const struct cs_case *c = p->c;
	char tv[CS_CASE_STR + 96];
	size_t i, k;
	int pass;

	cs_buf_puts(out, "{\"case\":{");
	jstr(out, "id", c->id);
	cs_buf_putc(out, ',');
	jstr(out, "type", c->type_name);
	cs_buf_putc(out, ',');
	jstr(out, "agency", c->agency);
	cs_buf_putc(out, ',');
	jstr(out, "agency_ref", c->agency_ref);
	cs_buf_putc(out, ',');
	jstr(out, "court", c->court);
	cs_buf_putc(out, ',');
	jstr(out, "judge", c->judge);
	cs_buf_putc(out, ',');
	jtime(out, "received", c->received);
	cs_buf_putc(out, ',');
	jtime(out, "issued", c->issued);
	cs_buf_puts(out, ",\"targets\":[");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], tv, sizeof(tv));
		if (i)
			cs_buf_putc(out, ',');
		cs_buf_json_str(out, tv, strlen(tv));
	}
	cs_buf_puts(out, "]},\"producer\":{");
	jstr(out, "operator", p->cfg->operator_name);
	cs_buf_putc(out, ',');
	jstr(out, "produced_by", p->by);
	cs_buf_putc(out, ',');
	jtime(out, "produced_at", p->now);
	cs_buf_puts(out, "},");
	jstr(out, "authority", p->why);
	cs_buf_putc(out, ',');
	jstr(out, "disclosed", p->disclosed);
	cs_buf_putc(out, ',');
	jstr(out, "withheld", p->withheld);
	for (pass = 0; pass < 2; pass++) {
		enum cs_pkg_kind want = pass ? PK_SMTP : PK_BINDING;
		cs_buf_appendf(out, ",\"%s\":[", pass ? "smtp" : "bindings");
		for (i = 0, k = 0; i < p->n; i++) {
			const struct cs_pkg_rec *r = &p->r[i];
			if (r->kind != want)
				continue;
			cs_buf_appendf(out, "%s{", k++ ? "," : "");
			jstr(out, "target", r->col[PC_TARGET]);
			cs_buf_appendf(out, ",\"%s\":%s",
			    pass ? "envelope" : "match",
			    r->json ? r->json : "null");
			if (!pass)
				cs_buf_appendf(out, ",\"directory\":%s",
				    r->dir_json ? r->dir_json : "null");
			cs_buf_putc(out, '}');
		}
		cs_buf_putc(out, ']');
	}
	cs_buf_puts(out, "}\n");
	return cs_buf_error(out);
}

/* ---- the report: what both the HTML and the PDF say ---- */

static void
html_esc(struct cs_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			cs_buf_puts(b, "&amp;");
			break;
		case '<':
			cs_buf_puts(b, "&lt;");
			break;
		case '>':
			cs_buf_puts(b, "&gt;");
			break;
		case '"':
			cs_buf_puts(b, "&quot;");
			break;
		case '\'':
			cs_buf_puts(b, "&#39;");
			break;
		default:
			cs_buf_putc(b, *s);
			break;
		}
	}
}

static const char *
or_none(const char *s)
{
	return s && *s ? s : "(not stated)";
}

static void
fmt_t(cs_time t, char out[static 40])
{
	if (t == CS_TIME_NONE)
		snprintf(out, 40, "(not stated)");
	else
		cs_time_format(t, out);
}

/*
 * summary - the case summary as (label, value) pairs, in order; returns
 * the number written (at most max).  Values point into vals.
 */
#define SUM_MAX 16
#define SUM_LEN 640
static size_t
summary(const struct cs_pkg *p, const char *lab[SUM_MAX],
    char val[SUM_MAX][SUM_LEN])
{
	const struct cs_case *c = p->c;
	char ts[40];
	size_t n = 0;

#define PUT(l, ...)                                            \
	do {                                                   \
		lab[n] = (l);                                  \
		snprintf(val[n], sizeof(val[n]), __VA_ARGS__); \
		n++;                                           \
	} while (0)
	PUT("Case", "%s", c->id);
	PUT("Type of process", "%s", c->type_name);
	PUT("Agency", "%s", or_none(c->agency));
	PUT("Agency reference", "%s", or_none(c->agency_ref));
	PUT("Officer", "%s%s%s", or_none(c->officer_name),
	    c->officer_email[0] ? ", " : "", c->officer_email);
	PUT("Court", "%s", or_none(c->court));
	PUT("Judge", "%s", or_none(c->judge));
	if (c->official[0])
		PUT("Issuing official", "%s", c->official);
	fmt_t(c->issued, ts);
	PUT("Issued", "%s", ts);
	fmt_t(c->received, ts);
	PUT("Received", "%s", ts);
	if (c->return_date != CS_TIME_NONE) {
		fmt_t(c->return_date, ts);
		PUT("Return date", "%s", ts);
	}
	fmt_t(p->now, ts);
	PUT("Produced", "%s by %s", ts, or_none(p->by));
	PUT("Producing party", "%s", or_none(p->cfg->operator_name));
#undef PUT
	return n;
}

/* the columns shown in the report tables (a readable subset) */
static const enum cs_pkg_col report_cols[] = {
    PC_KIND,
    PC_TARGET,
    PC_START,
    PC_END,
    PC_ADDRESSES,
    PC_USERNAME,
    PC_MAC,
    PC_SUB_NAME,
    PC_SUB_ADDRESS,
    PC_SUB_PAYMENT,
    PC_MAIL_FROM,
    PC_MAIL_TO,
};
#define NREPORT (sizeof(report_cols) / sizeof(report_cols[0]))

enum cs_err
cs_pkg_html(const struct cs_pkg *p, struct cs_buf *out)
{
	const struct cs_case *c = p->c;
	const char *lab[SUM_MAX];
	char val[SUM_MAX][SUM_LEN], tv[CS_CASE_STR + 96], ts[40];
	size_t n, i, j;

	cs_buf_puts(out,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Response to legal process, case ");
	html_esc(out, c->id);
	cs_buf_puts(out,
	    "</title>\n<style>body{font-family:sans-serif;"
	    "margin:2em}table{border-collapse:collapse}td,th{border:1px solid "
	    "#999;padding:3px 6px;text-align:left;vertical-align:top;"
	    "font-size:90%}th{background:#eee}</style></head><body>\n"
	    "<h1>Response to legal process</h1>\n<h2>Case</h2>\n<table>\n");
	n = summary(p, lab, val);
	for (i = 0; i < n; i++) {
		cs_buf_puts(out, "<tr><th>");
		html_esc(out, lab[i]);
		cs_buf_puts(out, "</th><td>");
		html_esc(out, val[i]);
		cs_buf_puts(out, "</td></tr>\n");
	}
	cs_buf_puts(out, "</table>\n<h2>Targets</h2>\n<ul>\n");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], tv, sizeof(tv));
		cs_buf_puts(out, "<li>");
		html_esc(out, tv);
		cs_buf_puts(out, "</li>\n");
	}
	cs_buf_puts(out, "</ul>\n<h2>What is disclosed</h2>\n<p>");
	html_esc(out, p->disclosed);
	if (p->why[0]) {
		cs_buf_puts(out, " (");
		html_esc(out, p->why);
		cs_buf_puts(out, ")");
	}
	cs_buf_appendf(out,
	    ".</p>\n<p>%zu binding record%s, %zu SMTP "
	    "envelope%s.</p>\n",
	    cs_pkg_count(p, PK_BINDING),
	    cs_pkg_count(p, PK_BINDING) == 1 ? "" : "s",
	    cs_pkg_count(p, PK_SMTP), cs_pkg_count(p, PK_SMTP) == 1 ? "" : "s");
	if (p->withheld[0]) {
		cs_buf_puts(out, "<p>Not disclosed: ");
		html_esc(out, p->withheld);
		cs_buf_puts(out, ".</p>\n");
	}
	cs_buf_puts(out, "<h2>Deadlines</h2>\n");
	if (p->ndue == 0)
		cs_buf_puts(out, "<p>None open.</p>\n");
	else
		cs_buf_puts(out,
		    "<table><tr><th>When (UTC)</th><th>Rule</th>"
		    "<th>What</th></tr>\n");
	for (i = 0; i < p->ndue; i++) {
		cs_time_format(p->due[i].at, ts);
		cs_buf_appendf(out, "<tr><td>%s</td><td>", ts);
		html_esc(out, p->due[i].rule);
		cs_buf_puts(out, "</td><td>");
		html_esc(out, p->due[i].what);
		cs_buf_puts(out, "</td></tr>\n");
	}
	if (p->ndue)
		cs_buf_puts(out, "</table>\n");
	cs_buf_puts(out, "<h2>Records</h2>\n");
	if (p->n == 0)
		cs_buf_puts(out,
		    "<p>No records were found for the targets "
		    "and periods of this case.</p>\n");
	else {
		cs_buf_puts(out, "<table>\n<tr>");
		for (j = 0; j < NREPORT; j++)
			if (col_on(p, report_cols[j]))
				cs_buf_appendf(out, "<th>%s</th>",
				    col_titles[report_cols[j]]);
		cs_buf_puts(out, "</tr>\n");
	}
	for (i = 0; i < p->n; i++) {
		cs_buf_puts(out, "<tr>");
		for (j = 0; j < NREPORT; j++) {
			if (!col_on(p, report_cols[j]))
				continue;
			cs_buf_puts(out, "<td>");
			html_esc(out, cell(&p->r[i], report_cols[j]));
			cs_buf_puts(out, "</td>");
		}
		cs_buf_puts(out, "</tr>\n");
	}
	if (p->n)
		cs_buf_puts(out, "</table>\n");
	cs_buf_puts(out,
	    "<p>The complete records, with every field, are in "
	    "records.csv and records.json; MANIFEST.sha256 lists the SHA-256 "
	    "of every file of this package.</p>\n</body></html>\n");
	return cs_buf_error(out);
}

/* ---- report.pdf (libharu) ---- */

struct pdf {
	HPDF_Doc doc;
	HPDF_Page page;
	HPDF_Font font, bold, mono;
	float y;
	int failed;
};

#define PDF_W 612.0f /* US Letter, points */
#define PDF_H 792.0f
#define PDF_M 54.0f /* margin */

static void
pdf_error(HPDF_STATUS err, HPDF_STATUS detail, void *arg)
{
	struct pdf *d = arg;

	(void)err;
	(void)detail;
	d->failed = 1;
}

static void
pdf_page(struct pdf *d)
{
	d->page = HPDF_AddPage(d->doc);
	HPDF_Page_SetWidth(d->page, PDF_W);
	HPDF_Page_SetHeight(d->page, PDF_H);
	d->y = PDF_H - PDF_M;
}

/* ascii - the text as printable ASCII ('?' for anything else) */
static void
ascii(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *s && n + 1 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch & 0xc0) == 0x80)
			continue; /* UTF-8 continuation: one '?' each */
		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
}

/* pdf_line - one line of text, wrapped to the page width */
static void
pdf_line(struct pdf *d, HPDF_Font f, float size, float indent, const char *text)
{
	char buf[2048], part[2048];
	const char *s;
	size_t len, fit;
	HPDF_REAL width = PDF_W - 2 * PDF_M - indent, real;

	ascii(text, buf, sizeof(buf));
	s = buf;
	do {
		if (d->y < PDF_M + size)
			pdf_page(d);
		len = strlen(s);
		fit = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s,
		    (HPDF_UINT)len, width, size, 0, 0, HPDF_FALSE, &real);
		if (fit == 0)
			fit = len;
		if (fit < len) {
			size_t k = fit;
			while (k > fit / 2 && s[k] != ' ')
				k--;
			if (k > fit / 2)
				fit = k + 1;
		}
		memcpy(part, s, fit);
		part[fit] = '\0';
		HPDF_Page_BeginText(d->page);
		HPDF_Page_SetFontAndSize(d->page, f, size);
		HPDF_Page_TextOut(d->page, PDF_M + indent, d->y - size, part);
		HPDF_Page_EndText(d->page);
		d->y -= size * 1.35f;
		s += fit;
		indent = indent < 12 ? indent + 12 : indent;
		width = PDF_W - 2 * PDF_M - indent;
	} while (*s && !d->failed);
}

static void
pdf_gap(struct pdf *d, float pts)
{
	d->y -= pts;
}

enum cs_err
cs_pkg_pdf(const struct cs_pkg *p, struct cs_buf *out)
{
	const struct cs_case *c = p->c;
	const char *lab[SUM_MAX];
	char val[SUM_MAX][SUM_LEN], tv[CS_CASE_STR + 96], ts[40];
	char line[2048];
	struct pdf d;
	size_t n, i, j, k;
	HPDF_UINT32 size;
	HPDF_BYTE chunk[4096];

	memset(&d, 0, sizeof(d));
	if ((d.doc = HPDF_New(pdf_error, &d)) == NULL)
		return CS_EIO;
	HPDF_SetCompressionMode(d.doc, HPDF_COMP_ALL);
	snprintf(
	    line, sizeof(line), "Response to legal process, case %s", c->id);
	ascii(line, line, sizeof(line));
	HPDF_SetInfoAttr(d.doc, HPDF_INFO_TITLE, line);
	HPDF_SetInfoAttr(d.doc, HPDF_INFO_CREATOR, "custos");
	d.font = HPDF_GetFont(d.doc, "Helvetica", NULL);
	d.bold = HPDF_GetFont(d.doc, "Helvetica-Bold", NULL);
	d.mono = HPDF_GetFont(d.doc, "Courier", NULL);
	pdf_page(&d);
	pdf_line(&d, d.bold, 16, 0, "Response to legal process");
	pdf_gap(&d, 6);
	n = summary(p, lab, val);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%-18s %s", lab[i], val[i]);
		pdf_line(&d, d.mono, 9, 0, line);
	}
	pdf_gap(&d, 8);
	pdf_line(&d, d.bold, 12, 0, "Targets");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], tv, sizeof(tv));
		pdf_line(&d, d.mono, 9, 12, tv);
	}
	pdf_gap(&d, 8);
	pdf_line(&d, d.bold, 12, 0, "What is disclosed");
	snprintf(line, sizeof(line),
	    "%s%s%s%s. %zu binding record(s), %zu "
	    "SMTP envelope(s).",
	    p->disclosed, p->why[0] ? " (" : "", p->why, p->why[0] ? ")" : "",
	    cs_pkg_count(p, PK_BINDING), cs_pkg_count(p, PK_SMTP));
	pdf_line(&d, d.font, 10, 0, line);
	if (p->withheld[0]) {
		snprintf(line, sizeof(line), "Not disclosed: %s.", p->withheld);
		pdf_line(&d, d.font, 10, 0, line);
	}
	pdf_gap(&d, 8);
	pdf_line(&d, d.bold, 12, 0, "Deadlines");
	if (p->ndue == 0)
		pdf_line(&d, d.font, 10, 0, "None open.");
	for (i = 0; i < p->ndue; i++) {
		cs_time_format(p->due[i].at, ts);
		snprintf(line, sizeof(line), "%s  %s  %s", ts, p->due[i].rule,
		    p->due[i].what);
		pdf_line(&d, d.font, 10, 0, line);
	}
	pdf_gap(&d, 8);
	pdf_line(&d, d.bold, 12, 0, "Records");
	if (p->n == 0)
		pdf_line(&d, d.font, 10, 0,
		    "No records were found for the "
		    "targets and periods of this case.");
	for (i = 0; i < p->n; i++) {
		snprintf(line, sizeof(line), "%zu. %s", i + 1,
		    kind_name(p->r[i].kind));
		pdf_gap(&d, 3);
		pdf_line(&d, d.bold, 9, 0, line);
		for (j = 1; j < NREPORT; j++) {
			const char *v = cell(&p->r[i], report_cols[j]);
			if (!col_on(p, report_cols[j]) || !*v)
				continue;
			snprintf(line, sizeof(line), "%-15s %s",
			    col_titles[report_cols[j]], v);
			pdf_line(&d, d.mono, 8, 12, line);
		}
	}
	pdf_gap(&d, 8);
	pdf_line(&d, d.font, 9, 0,
	    "The complete records are in records.csv "
	    "and records.json; MANIFEST.sha256 lists the SHA-256 of every "
	    "file of this package.");
	if (d.failed || HPDF_SaveToStream(d.doc) != HPDF_OK) {
		HPDF_Free(d.doc);
		return CS_EIO;
	}
	size = HPDF_GetStreamSize(d.doc);
	HPDF_ResetStream(d.doc);
	for (k = 0; k < size;) {
		HPDF_UINT32 got = sizeof(chunk);
		if (HPDF_ReadFromStream(d.doc, chunk, &got) != HPDF_OK &&
		    got == 0)
			break;
		if (got == 0)
			break;
		cs_buf_append(out, chunk, got);
		k += got;
	}
	HPDF_Free(d.doc);
	if (k != size)
		return CS_EIO;
	return cs_buf_error(out);
}

/* ---- certification.txt and cover-letter.txt ---- */

static const char *
cfg_or(const char *v, const char *name, char *tmp, size_t len)
{
	if (v && *v)
		return v;
	snprintf(tmp, len, "(%s not configured)", name);
	return tmp;
}

/* describe - what the records are, one paragraph */
static void
describe(const struct cs_pkg *p, struct cs_buf *b)
{
	const struct cs_case *c = p->c;
	char tv[CS_CASE_STR + 96];
	size_t i;

	cs_buf_appendf(b,
	    "%zu subscriber binding record(s) (the network "
	    "addresses assigned to a subscriber and the times of each "
	    "session or lease, with the subscriber's identity as recorded by "
	    "the authentication, accounting and address-assignment systems%s)",
	    cs_pkg_count(p, PK_BINDING),
	    (p->cols & PC_BIT(PC_SUB_NAME))
		? ", joined with the name, postal address, account and means "
		  "of "
		  "payment held by the billing system"
		: "");
	if (cs_pkg_count(p, PK_SMTP))
		cs_buf_appendf(b,
		    " and %zu SMTP envelope record(s) (sender, "
		    "recipients, client address and times of messages, "
		    "without content) from the mail system's logs",
		    cs_pkg_count(p, PK_SMTP));
	cs_buf_puts(b, ", concerning ");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], tv, sizeof(tv));
		cs_buf_appendf(
		    b, "%s%s", i ? (i + 1 == c->nt ? " and " : ", ") : "", tv);
	}
	if (c->nt == 0)
		cs_buf_puts(b, "(no targets)");
	cs_buf_puts(b,
	    ", produced in the files records.csv and "
	    "records.json");
}

/* wrap - append text re-flowed to 72 columns */
static void
wrap(struct cs_buf *b, const char *text, const char *indent)
{
	size_t col = 0, w;
	const char *s = text, *e;

	while (*s) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e && *e != ' '; e++)
			;
		w = (size_t)(e - s);
		if (col && col + 1 + w > 72) {
			cs_buf_putc(b, '\n');
			col = 0;
		}
		if (col == 0) {
			cs_buf_puts(b, indent);
			col = strlen(indent);
		} else {
			cs_buf_putc(b, ' ');
			col++;
		}
		cs_buf_append(b, s, w);
		col += w;
		s = e;
	}
	cs_buf_putc(b, '\n');
}

static void
day_of(cs_time t, char out[static 40])
{
	cs_time_format(t, out);
	out[10] = '\0';
}

enum cs_err
cs_pkg_cert(const struct cs_pkg *p, struct cs_buf *out)
{
	const struct cs_config *cf = p->cfg;
	char t1[300], t2[300], t3[300], t4[300], day[40];
	struct cs_buf d;

	const char *name =
	    cfg_or(cf->custodian_name, "custodian_name", t1, sizeof(t1));
	const char *title =
	    cfg_or(cf->custodian_title, "custodian_title", t2, sizeof(t2));
	const char *op =
	    cfg_or(cf->operator_name, "operator_name", t3, sizeof(t3));
	const char *addr =
	    cfg_or(cf->operator_address, "operator_address", t4, sizeof(t4));

	day_of(p->now, day);
	cs_buf_init(&d, NULL, 0, 1 << 20);
	cs_buf_puts(out,
	    "CERTIFICATE OF AUTHENTICITY OF DOMESTIC RECORDS OF A "
	    "REGULARLY CONDUCTED ACTIVITY\n(Federal Rules of Evidence "
	    "803(6) and 902(11))\n\n");
	cs_buf_appendf(&d, "Case %s (%s), %s%s%s.", p->c->id, p->c->type_name,
	    p->c->agency, p->c->agency_ref[0] ? ", reference " : "",
	    p->c->agency_ref);
	wrap(out, d.data, "");
	cs_buf_putc(out, '\n');
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "I, %s, attest, under penalties of perjury by the "
	    "laws of the United States of America pursuant to 28 U.S.C. "
	    "1746, that the information contained in this certification is "
	    "true and correct.",
	    name);
	wrap(out, d.data, "");
	cs_buf_putc(out, '\n');
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "1. I am employed by %s, %s, as %s, and by reason "
	    "of my position I am a custodian of its records or am otherwise "
	    "familiar with the manner in which its records are created, "
	    "kept and retrieved, and qualified to make this certification.",
	    op, addr, title);
	wrap(out, d.data, "   ");
	cs_buf_putc(out, '\n');
	cs_buf_reset(&d);
	cs_buf_puts(&d,
	    "2. The records produced with this certification "
	    "are: ");
	describe(p, &d);
	cs_buf_puts(&d,
	    ". They are true duplicates of the original records "
	    "held in electronic form, extracted by an automated process; the "
	    "SHA-256 value of each file is listed in MANIFEST.sha256.");
	wrap(out, d.data, "   ");
	cs_buf_putc(out, '\n');
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "3. The records were made at or near the time of "
	    "the occurrence of the matters set forth in them, by, or from "
	    "information transmitted by, a person with knowledge of those "
	    "matters, or by automated systems of %s recording those matters "
	    "as they occurred;",
	    op);
	wrap(out, d.data, "   ");
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "4. the records were kept in the course of the "
	    "regularly conducted business activity of %s; and",
	    op);
	wrap(out, d.data, "   ");
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "5. making such records was a regular practice "
	    "of that activity.");
	wrap(out, d.data, "   ");
	cs_buf_putc(out, '\n');
	cs_buf_reset(&d);
	cs_buf_puts(&d,
	    "I further state that this certification is intended "
	    "to satisfy Rules 803(6) and 902(11) of the Federal Rules of "
	    "Evidence.");
	wrap(out, d.data, "");
	cs_buf_appendf(out,
	    "\n\nDate: %s\n\n\nSignature: "
	    "________________________________\n\nName:  %s\nTitle: %s\n"
	    "For:   %s, %s\n",
	    day, name, title, op, addr);
	cs_buf_release(&d);
	return cs_buf_error(out);
}

enum cs_err
cs_pkg_letter(const struct cs_pkg *p, const char *const *files, size_t nfiles,
    struct cs_buf *out)
{
	const struct cs_case *c = p->c;
	const struct cs_config *cf = p->cfg;
	char t1[300], t2[300], t3[300], t4[300], t5[300], day[40], rcv[40];
	struct cs_buf d;
	size_t i;

	day_of(p->now, day);
	fmt_t(c->received, rcv);
	cs_buf_init(&d, NULL, 0, 1 << 20);
	cs_buf_appendf(out, "%s\n%s\n\n%s\n\n",
	    cfg_or(cf->operator_name, "operator_name", t1, sizeof(t1)),
	    cfg_or(cf->operator_address, "operator_address", t2, sizeof(t2)),
	    day);
	cs_buf_appendf(out, "To: %s%s%s\n",
	    c->officer_name[0] ? c->officer_name : "",
	    c->officer_name[0] ? ", " : "", or_none(c->agency));
	if (c->officer_email[0])
		cs_buf_appendf(out, "    %s\n", c->officer_email);
	cs_buf_appendf(out, "\nRe: %s%s%s (our case %s), received %s\n\n",
	    c->type_name, c->agency_ref[0] ? ", your reference " : "",
	    c->agency_ref, c->id, rcv);
	cs_buf_puts(out, "Dear Sir or Madam,\n\n");
	cs_buf_appendf(&d,
	    "In response to the legal process referenced "
	    "above, %s produces the enclosed records: ",
	    cfg_or(cf->operator_name, "operator_name", t3, sizeof(t3)));
	describe(p, &d);
	cs_buf_puts(&d, ".");
	wrap(out, d.data, "");
	if (p->withheld[0]) {
		cs_buf_reset(&d);
		cs_buf_appendf(&d, "Not produced: %s.", p->withheld);
		cs_buf_putc(out, '\n');
		wrap(out, d.data, "");
	}
	cs_buf_puts(out, "\nEnclosed:\n");
	for (i = 0; i < nfiles; i++)
		cs_buf_appendf(out, "  - %s\n", files[i]);
	cs_buf_puts(out, "\n");
	cs_buf_reset(&d);
	cs_buf_appendf(&d,
	    "The SHA-256 value of every enclosed file is "
	    "listed in MANIFEST.sha256 (check with: sha256sum -c "
	    "MANIFEST.sha256). Please refer to our case %s in any "
	    "correspondence about this production.",
	    c->id);
	wrap(out, d.data, "");
	cs_buf_appendf(out,
	    "\nContact for this production:\n  telephone %s\n"
	    "  e-mail    %s\n",
	    cfg_or(cf->contact_phone, "contact_phone", t4, sizeof(t4)),
	    cfg_or(cf->contact_email, "contact_email", t5, sizeof(t5)));
	cs_buf_appendf(out, "\nSincerely,\n\n%s\n%s\n", or_none(p->by),
	    cfg_or(cf->operator_name, "operator_name", t1, sizeof(t1)));
	cs_buf_release(&d);
	return cs_buf_error(out);
}

/* ---- the directory and the manifest ---- */

enum cs_err
cs_pkg_dir_make(const char *dir, int *created, struct cs_errbuf *eb)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;

	*created = 0;
	if (mkdir(dir, 0700) == 0) {
		*created = 1;
		return CS_OK;
	}
	if (errno != EEXIST) {
		cs_errbuf_set(
		    eb, "%s: cannot create: %s", dir, strerror(errno));
		return CS_EIO;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cs_errbuf_set(eb, "%s: exists and is not a directory", dir);
		return CS_EPERM;
	}
	if ((dp = opendir(dir)) == NULL) {
		cs_errbuf_set(eb, "%s: %s", dir, strerror(errno));
		return CS_EIO;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		closedir(dp);
		cs_errbuf_set(eb,
		    "%s: exists and is not empty (give a new or "
		    "empty directory)",
		    dir);
		return CS_EPERM;
	}
	closedir(dp);
	return CS_OK;
}

enum cs_err
cs_pkg_dir_sync(const char *dir, struct cs_errbuf *eb)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		cs_errbuf_set(eb, "%s: sync: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CS_EIO;
	}
	close(fd);
	return CS_OK;
}

static void
to_hex(const unsigned char *h, size_t n, char *out)
{
	static const char dig[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = dig[h[i] >> 4];
		out[2 * i + 1] = dig[h[i] & 15];
	}
	out[2 * n] = '\0';
}

enum cs_err
cs_pkg_file_write(const char *dir, const char *name, const void *p, size_t n,
    char hex[static 65], struct cs_errbuf *eb)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char path[4096];
	const char *q = p;
	size_t off = 0;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		cs_errbuf_set(eb, "%s/%s: path too long", dir, name);
		return CS_ETOOBIG;
	}
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		return CS_EIO;
	}
	while (off < n) {
		w = write(fd, q + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cs_errbuf_set(
			    eb, "%s: write: %s", path, strerror(errno));
			close(fd);
			return CS_EIO;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		return CS_EIO;
	}
	crypto_hash_sha256(h, (const unsigned char *)p, n);
	to_hex(h, sizeof(h), hex);
	return CS_OK;
}

void
cs_pkg_manifest(const char *const *names, const char (*hex)[65], size_t n,
    struct cs_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		cs_buf_appendf(out, "%s  %s\n", hex[i], names[i]);
}
