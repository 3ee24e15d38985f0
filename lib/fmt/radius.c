/*
 * radius - FreeRADIUS 3.x accounting "detail" files (rlm_detail).
 *
 * A record is a ctime() header in the server's local time (no zone),
 * TAB-indented attributes in packet order, and a blank line:
 *
 *   Sun Nov 29 20:28:31 2026
 *   <TAB>Acct-Status-Type = Start
 *   <TAB>User-Name = "alice@isp.example"
 *   <TAB>Framed-IP-Address = 100.64.12.34
 *   <TAB>ADSL-Agent-Circuit-Id = 0x6f6c7431...
 *   <TAB>Event-Timestamp = "Nov 29 2026 20:28:30 UTC"
 *   <TAB>Timestamp = 1795984111
 *   <blank>
 *
 * Each record yields exactly one of: an observation (Start and
 * Interim-Update -> OPEN, Stop -> CLOSE, Accounting-On/Off -> NAS_RESET),
 * a reject (the first fault found, with the line of the attribute at
 * fault), or a skip.  A record is reported only once it has ended: at a
 * blank line, at the next header, or at flush(final = 1).
 *
 * Ownership: lines are copied into a fixed record buffer as they arrive
 * and decoded values go to a second fixed buffer, both owned by the
 * parser state and sized CS_MAX_RECORD, so no allocation depends on input
 * and every span in an observation stays valid during the sink callback.
 * A record longer than CS_MAX_RECORD is rejected with field "record".
 *
 * Written by hand: no Debian library reads detail files.  Not
 * thread-safe; one state per file.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt/fmt.h"
#include "util/xmalloc.h"

#define MAX_EPOCH 253402300799ULL /* 9999-12-31T23:59:59Z */
#define MAX_U32 4294967295ULL     /* RADIUS integer attributes */

/* attributes we read; the ones before A_NSCALAR keep one value each */
enum attr {
	A_STATUS,
	A_USER,
	A_SESSION,
	A_UNIQUE,
	A_NAS_IP,
	A_NAS_IP6,
	A_NAS_ID,
	A_NAS_PORT_ID,
	A_CALLING,
	A_CIRCUIT,
	A_REMOTE,
	A_EVENT_TS,
	A_TIMESTAMP,
	A_DELAY,
	A_SESSION_TIME,
	A_PACKET_TYPE,
	A_SRC_IP,
	A_SRC_IP6,
	A_NSCALAR,
	A_ASSIGNED = A_NSCALAR, /* subscriber addresses, any number */
};

enum vkind {
	V_TEXT,
	V_OCTETS,  /* 0x... decoded to text when printable */
	V_NAS4,    /* an IPv4 address, checked */
	V_NAS6,    /* an IPv6 address, checked */
	V_IP4,     /* subscriber IPv4 address */
	V_PREFIX6, /* subscriber IPv6 prefix */
	V_HOST6,   /* subscriber IPv6 address (/128) */
};

static const struct attr_def {
	const char *name;
	enum attr id;
	enum vkind kind;
} attr_defs[] = {
    {"Acct-Status-Type", A_STATUS, V_TEXT},
    {"User-Name", A_USER, V_TEXT},
    {"Acct-Session-Id", A_SESSION, V_TEXT},
    {"Acct-Unique-Session-Id", A_UNIQUE, V_TEXT},
    {"NAS-IP-Address", A_NAS_IP, V_NAS4},
    {"NAS-IPv6-Address", A_NAS_IP6, V_NAS6},
    {"NAS-Identifier", A_NAS_ID, V_TEXT},
    {"NAS-Port-Id", A_NAS_PORT_ID, V_TEXT},
    {"Calling-Station-Id", A_CALLING, V_TEXT},
    {"ADSL-Agent-Circuit-Id", A_CIRCUIT, V_OCTETS},
    {"ADSL-Agent-Remote-Id", A_REMOTE, V_OCTETS},
    {"Event-Timestamp", A_EVENT_TS, V_TEXT},
    {"Timestamp", A_TIMESTAMP, V_TEXT},
    {"Acct-Delay-Time", A_DELAY, V_TEXT},
    {"Acct-Session-Time", A_SESSION_TIME, V_TEXT},
    {"Packet-Type", A_PACKET_TYPE, V_TEXT},
    {"Packet-Src-IP-Address", A_SRC_IP, V_NAS4},
    {"Packet-Src-IPv6-Address", A_SRC_IP6, V_NAS6},
    {"Framed-IP-Address", A_ASSIGNED, V_IP4},
    {"Framed-IPv6-Prefix", A_ASSIGNED, V_PREFIX6},
    {"Delegated-IPv6-Prefix", A_ASSIGNED, V_PREFIX6},
    {"Framed-IPv6-Address", A_ASSIGNED, V_HOST6},
};

enum status {
	ST_START,
	ST_INTERIM,
	ST_STOP,
	ST_RESET,
	ST_UNUSED, /* tunnel accounting, Failed: valid, not about addresses */
	ST_UNKNOWN,
};

struct rad {
	struct cs_fmt_opts opts; /* copy; opts.tz borrowed or &utc */
	struct cs_tz utc;        /* zone used when the caller gave none */
	struct cs_sink *sink;    /* borrowed, valid until close */

	int active;          /* a record is being read */
	int has_header;      /* 0: lines without a header */
	struct cs_civil hdr; /* header time, server local */
	uint64_t hdr_line;   /* 1-based */
	uint64_t hdr_off;    /* byte offset of the header line */
	int nlines;          /* lines in the record, header included */
	int toobig;          /* stopped copying at CS_MAX_RECORD */

	/* the first fault found; the record is rejected when it ends */
	const char *bad_field;  /* static text or bad_name */
	const char *bad_reason; /* static text */
	uint64_t bad_line;
	char bad_name[64]; /* attribute name at fault */

	int acct_seen; /* some Acct-* attribute was present */
	int have[A_NSCALAR];
	struct cs_span val[A_NSCALAR]; /* into rec or dec */
	uint64_t vline[A_NSCALAR];     /* line of each value */
	int naddr;
	struct cs_addr addr[CS_OBS_MAXADDR];

	size_t rec_len, dec_len;
	char rec[CS_MAX_RECORD]; /* record lines joined with '\n' */
	char dec[CS_MAX_RECORD]; /* decoded values; never longer than rec */
	char key[CS_MAX_RECORD + 32]; /* obs.key of the record being emitted */
};

/* ---- small parsers ---- */

static struct cs_span
strip_cr(struct cs_span s)
{
	if (s.len && s.p[s.len - 1] == '\r')
		s.len--;
	return s;
}

/* num - a decimal of minlen..maxlen digits within [lo, hi] */
static int
num(struct cs_span s, size_t minlen, size_t maxlen, int lo, int hi, int *out)
{
	uint64_t v;

	if (s.len < minlen || s.len > maxlen ||
	    cs_parse_u64(s, (uint64_t)lo, (uint64_t)hi, &v) != CS_OK)
		return 0;
	*out = (int)v;
	return 1;
}

/* parse_hms - "HH:MM:SS" */
static int
parse_hms(struct cs_span s, struct cs_civil *c)
{
	if (s.len != 8 || s.p[2] != ':' || s.p[5] != ':')
		return 0;
	return num(cs_span_make(s.p, 2), 2, 2, 0, 23, &c->hour) &&
	    num(cs_span_make(s.p + 3, 2), 2, 2, 0, 59, &c->min) &&
	    num(cs_span_make(s.p + 6, 2), 2, 2, 0, 60, &c->sec);
}

static int
is_weekday(struct cs_span s)
{
	static const char names[] = "SunMonTueWedThuFriSat";
	int i;

	if (s.len != 3)
		return 0;
	for (i = 0; i < 7; i++)
		if (memcmp(names + 3 * i, s.p, 3) == 0)
			return 1;
	return 0;
}

/*
 * parse_header - ctime() form "Thu Nov  5 08:00:04 2026" (day space
 * padded); the date must exist.
 */
static int
parse_header(struct cs_span s, struct cs_civil *out)
{
	struct cs_span w[5], rest = s, extra;
	struct cs_civil c = {0};
	cs_time t;
	int i;

	if (s.len == 0 || s.p[0] == ' ' || s.p[0] == '\t')
		return 0;
	for (i = 0; i < 5; i++)
		if (!cs_span_word(&rest, &w[i]))
			return 0;
	if (cs_span_word(&rest, &extra))
		return 0;
	if (!is_weekday(w[0]) || (c.mon = cs_month_abbr(w[1])) == 0 ||
	    !num(w[2], 1, 2, 1, 31, &c.day) || !parse_hms(w[3], &c) ||
	    !num(w[4], 4, 4, 1970, 9999, &c.year))
		return 0;
	if (cs_time_from_civil_utc(&c, &t) != CS_OK)
		return 0;
	*out = c;
	return 1;
}

/* zone_offset - "+HH", "+HHMM", "+HH:MM" (strftime %Z in unnamed zones) */
static int
zone_offset(struct cs_span z, int *off)
{
	int h, m = 0;

	if (z.len < 3 || (z.p[0] != '+' && z.p[0] != '-'))
		return 0;
	if (!num(cs_span_make(z.p + 1, 2), 2, 2, 0, 23, &h))
		return 0;
	if (z.len == 5) {
		if (!num(cs_span_make(z.p + 3, 2), 2, 2, 0, 59, &m))
			return 0;
	} else if (z.len == 6) {
		if (z.p[3] != ':' ||
		    !num(cs_span_make(z.p + 4, 2), 2, 2, 0, 59, &m))
			return 0;
	} else if (z.len != 3) {
		return 0;
	}
	*off = (z.p[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 1;
}

static int
is_zone_name(struct cs_span z)
{
	size_t i;

	if (z.len == 0 || z.len > 6)
		return 0;
	for (i = 0; i < z.len; i++)
		if (!((z.p[i] >= 'A' && z.p[i] <= 'Z') ||
			(z.p[i] >= 'a' && z.p[i] <= 'z')))
			return 0;
	return 1;
}

/*
 * parse_event_ts - Event-Timestamp as FreeRADIUS prints it,
 * "Nov  5 2026 08:00:05 EST" (%b %e %Y %H:%M:%S %Z), or bare epoch
 * seconds.  A known abbreviation or numeric offset gives the zone; an
 * unknown abbreviation or none means the configured zone.
 */
static int
parse_event_ts(struct rad *r, struct cs_span v, cs_time *out)
{
	struct cs_span w[5], rest = v, extra;
	struct cs_civil c = {0};
	uint64_t e;
	cs_time t;
	int n, off;

	if (cs_parse_u64(v, 0, MAX_EPOCH, &e) == CS_OK) {
		*out = (cs_time)e * CS_US;
		return 1;
	}
	for (n = 0; n < 5 && cs_span_word(&rest, &w[n]); n++)
		;
	if (n < 4 || cs_span_word(&rest, &extra))
		return 0;
	if ((c.mon = cs_month_abbr(w[0])) == 0 ||
	    !num(w[1], 1, 2, 1, 31, &c.day) ||
	    !num(w[2], 4, 4, 1970, 9999, &c.year) || !parse_hms(w[3], &c))
		return 0;
	if (cs_time_from_civil_utc(&c, &t) != CS_OK)
		return 0;
	if (n == 5 &&
	    (cs_tz_abbr_offset(w[4], &off) == CS_OK ||
		zone_offset(w[4], &off))) {
		t -= (cs_time)off * CS_US;
	} else if (n == 4 || is_zone_name(w[4])) {
		if (cs_tz_to_utc(r->opts.tz, &c, &t) != CS_OK)
			return 0;
	} else {
		return 0;
	}
	*out = t;
	return 1;
}

/*
 * unquote - decode a double-quoted value (v starts with '"') into out:
 * \" \\ \t \n \r and three-digit octal \NNN; every other byte, raw UTF-8
 * included, is kept.  Returns NULL, or why the value is malformed.
 */
static const char *
unquote(struct cs_span v, char *out, size_t cap, size_t *outlen)
{
	size_t i, n = 0;
	char c;

	for (i = 1; i < v.len; i++) {
		c = v.p[i];
		if (c == '"') {
			if (i + 1 != v.len)
				return "text after the closing quote";
			*outlen = n;
			return NULL;
		}
		if (c == '\\') {
			if (++i == v.len)
				break;
			c = v.p[i];
			if (c >= '0' && c <= '7') {
				int d1, d2, d3;
				if (i + 2 >= v.len)
					return "bad octal escape";
				d1 = c - '0';
				d2 = v.p[i + 1] - '0';
				d3 = v.p[i + 2] - '0';
				if (d1 > 3 || d2 < 0 || d2 > 7 || d3 < 0 ||
				    d3 > 7)
					return "bad octal escape";
				c = (char)(d1 << 6 | d2 << 3 | d3);
				i += 2;
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 'r') {
				c = '\r';
			}
		}
		if (n == cap)
			return "value too long";
		out[n++] = c;
	}
	return "unterminated quoted string";
}

/*
 * find_def - the definition of an attribute name, or NULL.  The names are
 * indexed by length (once: they are constant), so a line costs a compare
 * or two, not a pass over every definition.
 */
static const struct attr_def *
find_def(struct cs_span name)
{
	enum {
		NDEFS = sizeof(attr_defs) / sizeof(attr_defs[0]),
		MAXLEN = 32, /* longer than any name defined */
		PER = 4,     /* most names of one length (three now) */
	};
	static uint8_t bylen[MAXLEN][PER]; /* index + 1 of each; 0 ends */
	static int ready, linear;
	const struct attr_def *d;
	size_t i, k, n;

	if (!ready) {
		for (i = 0; i < NDEFS; i++) {
			n = strlen(attr_defs[i].name);
			for (k = 0; n < MAXLEN && k < PER && bylen[n][k]; k++)
				;
			if (n >= MAXLEN || k == PER)
				linear = 1; /* a name that does not fit */
			else
				bylen[n][k] = (uint8_t)(i + 1);
		}
		ready = 1;
	}
	if (linear) {
		for (i = 0; i < NDEFS; i++)
			if (cs_span_eq(name, attr_defs[i].name))
				return &attr_defs[i];
		return NULL;
	}
	if (name.len >= MAXLEN)
		return NULL;
	for (k = 0; k < PER && bylen[name.len][k]; k++) {
		d = &attr_defs[bylen[name.len][k] - 1];
		if (memcmp(name.p, d->name, name.len) == 0)
			return d;
	}
	return NULL;
}

static enum status
status_of(struct cs_span v)
{
	static const struct {
		const char *name;
		enum status st;
	} tab[] = {
	    {"Start", ST_START},
	    {"1", ST_START},
	    {"Stop", ST_STOP},
	    {"2", ST_STOP},
	    {"Interim-Update", ST_INTERIM},
	    {"Alive", ST_INTERIM},
	    {"3", ST_INTERIM},
	    {"Accounting-On", ST_RESET},
	    {"7", ST_RESET},
	    {"Accounting-Off", ST_RESET},
	    {"8", ST_RESET},
	    {"Tunnel-Start", ST_UNUSED},
	    {"Tunnel-Stop", ST_UNUSED},
	    {"Tunnel-Reject", ST_UNUSED},
	    {"Tunnel-Link-Start", ST_UNUSED},
	    {"Tunnel-Link-Stop", ST_UNUSED},
	    {"Tunnel-Link-Reject", ST_UNUSED},
	    {"Failed", ST_UNUSED},
	    {"9", ST_UNUSED},
	    {"10", ST_UNUSED},
	    {"11", ST_UNUSED},
	    {"12", ST_UNUSED},
	    {"13", ST_UNUSED},
	    {"14", ST_UNUSED},
	    {"15", ST_UNUSED},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (cs_span_eq(v, tab[i].name))
			return tab[i].st;
	return ST_UNKNOWN;
}

/* ---- record state ---- */

static void
fault(struct rad *r, uint64_t line, const char *field, const char *reason)
{
	if (r->bad_field)
		return;
	r->bad_field = field;
	r->bad_reason = reason;
	r->bad_line = line;
}

/* fault_name - fault naming an attribute that may not be in attr_defs */
static void
fault_name(
    struct rad *r, uint64_t line, struct cs_span name, const char *reason)
{
	size_t i;

	if (r->bad_field)
		return;
	if (name.len == 0 || name.len >= sizeof(r->bad_name)) {
		fault(r, line, "attribute", reason);
		return;
	}
	for (i = 0; i < name.len; i++) {
		if (name.p[i] <= ' ' || name.p[i] > '~') {
			fault(r, line, "attribute", reason);
			return;
		}
	}
	memcpy(r->bad_name, name.p, name.len);
	r->bad_name[name.len] = '\0';
	fault(r, line, r->bad_name, reason);
}

static void
reset(struct rad *r)
{
	r->active = 0;
	r->has_header = 0;
	r->nlines = 0;
	r->toobig = 0;
	r->bad_field = NULL;
	r->bad_reason = NULL;
	r->bad_line = 0;
	r->acct_seen = 0;
	memset(r->have, 0, sizeof(r->have));
	r->naddr = 0;
	r->rec_len = 0;
	r->dec_len = 0;
}

/* append - copy a line into rec; its copy in *copy, 0 past CS_MAX_RECORD */
static int
append(struct rad *r, struct cs_span line, struct cs_span *copy)
{
	size_t sep = r->rec_len ? 1 : 0;

	if (r->toobig)
		return 0;
	/* rec_len <= sizeof(rec) always, so the subtraction cannot wrap */
	if (sep + line.len > sizeof(r->rec) - r->rec_len) {
		r->toobig = 1;
		fault(r, r->hdr_line, "record",
		    "record longer than the maximum record size");
		return 0;
	}
	if (sep)
		r->rec[r->rec_len++] = '\n';
	if (line.len)
		memcpy(r->rec + r->rec_len, line.p, line.len);
	*copy = cs_span_make(r->rec + r->rec_len, line.len);
	r->rec_len += line.len;
	r->nlines++;
	return 1;
}

/* octets_text - a 0x... value as text when every byte is printable */
static struct cs_span
octets_text(struct rad *r, struct cs_span v)
{
	char *out = r->dec + r->dec_len;
	size_t n, i;

	if (!cs_span_starts(v, "0x") ||
	    cs_parse_hexbytes(
		v, (uint8_t *)out, sizeof(r->dec) - r->dec_len, &n) != CS_OK ||
	    n == 0)
		return v;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 ||
		    (unsigned char)out[i] > 0x7e)
			return v;
	r->dec_len += n;
	return cs_span_make(out, n);
}

/* unassigned4 - 0.0.0.0 and the RFC 2865 "NAS/user selects" markers */
static int
unassigned4(const struct cs_addr *a)
{
	static const uint8_t zero[4], ones[3] = {255, 255, 255};

	return memcmp(a->a, zero, 4) == 0 ||
	    (memcmp(a->a, ones, 3) == 0 && a->a[3] >= 254);
}

static void
add_addr(struct rad *r, const struct cs_addr *a)
{
	int i;

	for (i = 0; i < r->naddr; i++)
		if (memcmp(&r->addr[i], a, sizeof(*a)) == 0)
			return;
	if (r->naddr < CS_OBS_MAXADDR)
		r->addr[r->naddr++] = *a;
}

static void
store(struct rad *r, const struct attr_def *d, struct cs_span v, uint64_t line)
{
	struct cs_addr a;
	int ok = 0;

	/* only addresses are parsed as such (not every text value) */
	memset(&a, 0, sizeof(a));
	if (d->kind != V_TEXT && d->kind != V_OCTETS)
		ok = cs_addr_parse(v, &a) == CS_OK;
	switch (d->kind) {
	case V_IP4:
		if (!ok || a.family != 4 || !cs_addr_is_host(&a)) {
			fault(r, line, d->name, "not an IPv4 address");
			return;
		}
		if (!unassigned4(&a))
			add_addr(r, &a);
		return;
	case V_PREFIX6:
		if (!ok || a.family != 6) {
			fault(r, line, d->name, "not an IPv6 prefix");
			return;
		}
		add_addr(r, &a);
		return;
	case V_HOST6:
		if (!ok || a.family != 6 || !cs_addr_is_host(&a)) {
			fault(r, line, d->name, "not an IPv6 address");
			return;
		}
		add_addr(r, &a);
		return;
	case V_NAS4:
		if (!ok || a.family != 4 || !cs_addr_is_host(&a)) {
			fault(r, line, d->name, "not an IPv4 address");
			return;
		}
		break;
	case V_NAS6:
		if (!ok || a.family != 6 || !cs_addr_is_host(&a)) {
			fault(r, line, d->name, "not an IPv6 address");
			return;
		}
		break;
	case V_TEXT:
	case V_OCTETS:
		break;
	}
	if (r->have[d->id]) {
		if (r->val[d->id].len != v.len ||
		    (v.len && memcmp(r->val[d->id].p, v.p, v.len) != 0))
			fault(r, line, d->name,
			    "attribute repeated with a different value");
		return;
	}
	r->have[d->id] = 1;
	r->val[d->id] = v;
	r->vline[d->id] = line;
}

/* parse_attr - "<TAB>Name = value" (s is the copy in rec, CR stripped) */
static void
parse_attr(struct rad *r, struct cs_span s, uint64_t line)
{
	const struct attr_def *d;
	struct cs_span name, v;
	const char *why;
	size_t i = 0, n;

	s = cs_span_trim(s);
	while (i < s.len && s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '=')
		i++;
	name = cs_span_make(s.p, i);
	v = cs_span_ltrim(cs_span_skip(s, i));
	if (name.len == 0 || v.len == 0 || v.p[0] != '=') {
		fault(r, line, "attribute line",
		    "expected a TAB-indented 'Attribute = value' line");
		return;
	}
	v = cs_span_ltrim(cs_span_skip(v, 1));
	if (cs_span_starts(name, "Acct-"))
		r->acct_seen = 1;
	d = find_def(name);
	if (v.len && v.p[0] == '"') {
		/* every quoted value is checked, only ours are kept */
		why = unquote(
		    v, r->dec + r->dec_len, sizeof(r->dec) - r->dec_len, &n);
		if (why) {
			fault_name(r, line, name, why);
			return;
		}
		if (d == NULL)
			return;
		v = cs_span_make(r->dec + r->dec_len, n);
		r->dec_len += n;
	} else if (d && d->kind == V_OCTETS) {
		v = octets_text(r, v);
	}
	if (d)
		store(r, d, v, line);
}

static void
begin(struct rad *r, uint64_t lineno, uint64_t off)
{
	reset(r);
	r->active = 1;
	r->hdr_line = lineno;
	r->hdr_off = off;
}

/* ---- emitting a finished record ---- */

static void
rec_reject(struct rad *r, uint64_t line, const char *field, const char *reason)
{
	if (r->sink->reject)
		r->sink->reject(r->sink->arg, line, field, reason,
		    cs_span_make(r->rec, r->rec_len));
}

static void
rec_skip(struct rad *r, const char *what)
{
	if (r->sink->skip)
		r->sink->skip(r->sink->arg, what);
}

/* first_set - the first of the listed attributes with a non-empty value */
static struct cs_span
first_set(struct rad *r, const enum attr *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r->have[ids[i]] && r->val[ids[i]].len)
			return r->val[ids[i]];
	return cs_span_make("", 0);
}

/* value_of - the value of one attribute, empty when absent */
static struct cs_span
value_of(struct rad *r, enum attr id)
{
	return r->have[id] ? r->val[id] : cs_span_make("", 0);
}

static void
key_put(struct rad *r, size_t *n, struct cs_span s)
{
	size_t k = s.len;

	/* cannot truncate: the parts are distinct lines of rec */
	if (k > sizeof(r->key) - *n)
		k = sizeof(r->key) - *n;
	if (k)
		memcpy(r->key + *n, s.p, k);
	*n += k;
}

/* build_key - obs.key as obs.h defines it for RADIUS */
static struct cs_span
build_key(struct rad *r)
{
	static const enum attr parts[] = {
	    A_NAS_IP, A_NAS_ID, A_SESSION, A_USER};
	struct cs_span bar = cs_span_make("|", 1);
	size_t n = 0, i;

	key_put(r, &n, cs_span_make("radius|", 7));
	if (r->have[A_UNIQUE] && r->val[A_UNIQUE].len) {
		key_put(r, &n, r->val[A_UNIQUE]);
		return cs_span_make(r->key, n);
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (i)
			key_put(r, &n, bar);
		if (r->have[parts[i]])
			key_put(r, &n, r->val[parts[i]]);
	}
	return cs_span_make(r->key, n);
}

/* event_time - Event-Timestamp; else Timestamp or header, less the delay */
static int
event_time(struct rad *r, cs_time *out)
{
	uint64_t delay = 0, epoch;
	cs_time t;

	if (r->have[A_DELAY] &&
	    cs_parse_u64(r->val[A_DELAY], 0, MAX_U32, &delay) != CS_OK) {
		rec_reject(r, r->vline[A_DELAY], "Acct-Delay-Time",
		    "not a number of seconds");
		return 0;
	}
	if (r->have[A_TIMESTAMP] &&
	    cs_parse_u64(r->val[A_TIMESTAMP], 0, MAX_EPOCH, &epoch) != CS_OK) {
		rec_reject(r, r->vline[A_TIMESTAMP], "Timestamp",
		    "not Unix epoch seconds");
		return 0;
	}
	if (r->have[A_EVENT_TS]) {
		if (!parse_event_ts(r, r->val[A_EVENT_TS], &t)) {
			rec_reject(r, r->vline[A_EVENT_TS], "Event-Timestamp",
			    "not a date such as \"Nov 29 2026 20:28:30 UTC\"");
			return 0;
		}
		*out = t;
		return 1;
	}
	if (r->have[A_TIMESTAMP]) {
		t = (cs_time)epoch * CS_US;
	} else if (cs_tz_to_utc(r->opts.tz, &r->hdr, &t) != CS_OK) {
		rec_reject(r, r->hdr_line, "header",
		    "header time cannot be converted to UTC");
		return 0;
	}
	*out = t - (cs_time)delay * CS_US;
	return 1;
}

/* not_accounting - a record without Acct-Status-Type: skip or reject */
static void
not_accounting(struct rad *r)
{
	int acct_req = r->have[A_PACKET_TYPE] &&
	    cs_span_eq(r->val[A_PACKET_TYPE], "Accounting-Request");

	if (r->have[A_PACKET_TYPE] && !acct_req)
		rec_skip(r, "radius: not accounting");
	else if (r->acct_seen || acct_req)
		rec_reject(r, r->hdr_line, "Acct-Status-Type",
		    "accounting record without Acct-Status-Type");
	else
		rec_skip(r, "radius: not accounting");
}

static void
emit(struct rad *r)
{
	static const enum attr nas_ids[] = {
	    A_NAS_IP, A_NAS_IP6, A_NAS_ID, A_SRC_IP, A_SRC_IP6};
	static const enum attr nas_ips[] = {A_NAS_IP, A_NAS_IP6};
	struct cs_obs o;
	enum status st;
	uint64_t stime = 0;
	cs_time t;
	int i;

	if (r->nlines < 2) {
		rec_reject(r, r->hdr_line, "record",
		    "record header without attributes");
		return;
	}
	if (!r->have[A_STATUS]) {
		not_accounting(r);
		return;
	}
	st = status_of(r->val[A_STATUS]);
	if (st == ST_UNKNOWN) {
		rec_reject(r, r->vline[A_STATUS], "Acct-Status-Type",
		    "unknown status type");
		return;
	}
	if (r->have[A_SESSION_TIME] &&
	    cs_parse_u64(r->val[A_SESSION_TIME], 0, MAX_U32, &stime) != CS_OK) {
		rec_reject(r, r->vline[A_SESSION_TIME], "Acct-Session-Time",
		    "not a number of seconds");
		return;
	}
	if (!event_time(r, &t))
		return;
	if (st == ST_UNUSED) {
		rec_skip(r, "radius: status type not used");
		return;
	}

	cs_obs_init(&o);
	o.src = CS_SRC_RADIUS;
	o.time = t;
	o.raw = cs_span_make(r->rec, r->rec_len);
	o.line = r->hdr_line;
	o.nas_key = first_set(r, nas_ids, 5);
	o.nas_ip = first_set(r, nas_ips, 2);
	o.username = value_of(r, A_USER);
	o.nas_id = value_of(r, A_NAS_ID);
	o.nas_port_id = value_of(r, A_NAS_PORT_ID);
	o.session_id = value_of(r, A_SESSION);
	o.unique_id = value_of(r, A_UNIQUE);
	o.circuit_id = value_of(r, A_CIRCUIT);
	o.remote_id = value_of(r, A_REMOTE);
	if (r->have[A_CALLING] &&
	    cs_mac_parse(r->val[A_CALLING], o.mac) == CS_OK)
		o.has_mac = 1;
	else if (o.username.len && cs_mac_parse(o.username, o.mac) == CS_OK)
		o.has_mac = 1;

	if (st == ST_RESET) {
		if (o.nas_key.len == 0) {
			rec_reject(r, r->vline[A_STATUS], "NAS-IP-Address",
			    "Accounting-On/Off that names no NAS");
			return;
		}
		o.kind = CS_OBS_NAS_RESET;
		goto out;
	}
	if (st != ST_STOP && r->naddr == 0) {
		rec_skip(r, "radius: no address");
		return;
	}
	if (o.session_id.len == 0 && o.unique_id.len == 0) {
		rec_reject(r, r->hdr_line, "Acct-Session-Id",
		    "no Acct-Session-Id or Acct-Unique-Session-Id");
		return;
	}
	o.kind = st == ST_STOP ? CS_OBS_CLOSE : CS_OBS_OPEN;
	o.key = build_key(r);
	if (st != ST_START && r->have[A_SESSION_TIME])
		o.start = t - (cs_time)stime * CS_US;
	o.naddr = r->naddr;
	for (i = 0; i < r->naddr; i++)
		o.addr[i] = r->addr[i];
out:
	if (r->sink->obs)
		r->sink->obs(r->sink->arg, &o);
}

/* finish - report the record being read, then forget it */
static void
finish(struct rad *r)
{
	if (!r->active)
		return;
	if (r->bad_field)
		rec_reject(r, r->bad_line, r->bad_field, r->bad_reason);
	else
		emit(r);
	reset(r);
}

/* ---- the cs_fmt interface ---- */

static int
radius_detect(struct cs_span head)
{
	struct cs_span s = head, line;
	struct cs_civil c;
	long nl;

	for (;;) {
		nl = cs_span_chr(s, '\n');
		if (nl < 0)
			return 0;
		line = strip_cr(cs_span_make(s.p, (size_t)nl));
		s = cs_span_skip(s, (size_t)nl + 1);
		if (cs_span_trim(line).len)
			break;
	}
	if (!parse_header(line, &c))
		return 0;
	return s.len && s.p[0] == '\t' ? 95 : 0;
}

static void *
radius_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct rad *r = cs_xcalloc(1, sizeof(*r));

	if (o)
		r->opts = *o;
	if (r->opts.tz == NULL) {
		cs_tz_init(&r->utc, "UTC", NULL);
		r->opts.tz = &r->utc;
	}
	r->sink = sink;
	reset(r);
	return r;
}

static void
radius_line(void *st, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct rad *r = st;
	struct cs_span body = strip_cr(line), copy;
	struct cs_civil c;

	if (cs_span_trim(body).len == 0) {
		finish(r);
		return;
	}
	if (parse_header(body, &c)) {
		finish(r);
		begin(r, lineno, off);
		r->has_header = 1;
		r->hdr = c;
		append(r, line, &copy);
		return;
	}
	if (!r->active) {
		begin(r, lineno, off);
		if (body.p[0] == '\t')
			fault(r, lineno, "header",
			    "attribute line before any record header");
	}
	if (!append(r, line, &copy) || r->bad_field)
		return;
	if (body.p[0] != '\t') {
		fault(r, lineno, "attribute line",
		    "neither a record header nor a TAB-indented attribute");
		return;
	}
	parse_attr(r, strip_cr(copy), lineno);
}

static void
radius_flush(void *st, int final)
{
	if (final)
		finish(st);
}

static uint64_t
radius_pending_offset(void *st)
{
	struct rad *r = st;

	return r->active ? r->hdr_off : UINT64_MAX;
}

static void
radius_close(void *st)
{
	free(st);
}

const struct cs_fmt cs_fmt_radius = {
    .name = "radius-detail",
    .help = "FreeRADIUS accounting detail files",
    .detect = radius_detect,
    .open = radius_open,
    .line = radius_line,
    .flush = radius_flush,
    .pending_offset = radius_pending_offset,
    .close = radius_close,
};
