/*
 * kea - ISC Kea DHCPv4: the memfile lease file ("kea-leases") and the
 * server's own log lines, both as its log file ("kea-log") and through
 * syslog (cs_kea_msg, called by the syslog format for kea-dhcp4*).
 *
 * Lease file.  A CSV journal: Kea appends a row on every change and the
 * last row for an address wins.  Columns are found by header name (Kea
 * versions add columns).  Per row, cltt = expire - valid_lifetime:
 *   state 0, valid_lifetime > 0   OPEN at cltt, until expire
 *   valid_lifetime 0, state 0     a release, but Kea writes the deleted
 *                                 lease with its old cltt, so expire here
 *                                 is the last renewal, not the release
 *                                 (the log's DHCP4_RELEASE has the exact
 *                                 time, seconds later).  Taking it as an
 *                                 observed end would claim the lease ended
 *                                 before it did, so the row is RELEASED
 *                                 at cltt: the lease keeps its inferred
 *                                 end (the previous row's expire) unless
 *                                 the log gives the release, and a later
 *                                 grant starts a new binding.
 *   state 2 (expired-reclaimed)   CLOSE at expire, .start = cltt
 *   state 1 (declined)            CLOSE at cltt; Kea clears the client's
 *                                 identity on decline, so a declined row
 *                                 without hwaddr and client_id is skipped
 *   valid_lifetime 0, state 1/2   skipped: the removal of a lease that an
 *                                 earlier row already closed
 * Commas inside fields are escaped by Kea as "&#x2c" and decoded here.
 * Option 82 (user_context "relay-agent-info", as a hex string in Kea 2.2
 * or as {"sub-options": hex} in later versions) gives circuit-id
 * (sub-option 1) and remote-id (sub-option 2): text when printable, else
 * "0x" and lower-case hex.  Relay info that does not decode is left out;
 * the row itself is kept as evidence.
 *
 * Rows are self-contained, so nothing is ever pending.  The header is
 * line 1 only: when the parser starts at a later offset (a resume), it
 * has not seen it and assumes Kea 2.x's default columns
 *   address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,
 *   fqdn_rev,hostname,state,user_context
 * for rows of exactly 11 columns; other rows are rejected (field "header")
 * until a header line ("address,...") turns up.  Line 1 may name the
 * columns in any order.  A file whose first line is not a usable
 * header is rejected line by line with field "header".
 *
 * Log lines.  "2026-11-29 20:43:53.411 INFO  [kea-dhcp4.leases/18611.1397]
 * DHCP4_LEASE_ALLOC ..." in the server's local time (opts->tz; the system
 * zone when NULL).  DHCP4_LEASE_ALLOC and DHCP4_LEASE_REUSE (a renewal
 * from Kea's lease cache) are OPEN at the line time until time + lifetime;
 * DHCP4_RELEASE, DHCP4_RELEASE_EXPIRED, DHCP4_RELEASE_DELETED and
 * DHCP4_DECLINE_LEASE are CLOSE.  Every other message is skipped.
 *
 * Keys follow obs.h: "dhcp|<ip>|<mac>", or "dhcp|<ip>|id:<client-id>"
 * without a MAC.  Hand-written: no library parses these.  Not thread-safe
 * per parser state; distinct states are independent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/dhcpkey.h"
#include "fmt/fmt.h"
#include "util/xmalloc.h"

#define KEY_MAX 1024  /* "dhcp|" + address + "|id:" + client id */
#define CID_MAX 767   /* 255 bytes as colon-separated hex */
#define OPT82_MAX 255 /* RFC 3046: one option, at most 255 bytes */
#define RELAY_TEXT_MAX (2 + 2 * OPT82_MAX + 1)
#define EXPIRE_MAX 253402300799ULL /* 9999-12-31T23:59:59Z */

/* ---- shared: keys and relay information ---- */

/* make_key - the DHCP binding key; 0 when the identity does not fit */
static int
make_key(char out[static KEY_MAX], const struct cs_addr *ip, int has_mac,
    const uint8_t mac[static 6], struct cs_span cid, struct cs_span *key)
{
	char a[CS_ADDR_STRLEN];
	int n;

	if (has_mac) {
		*key = cs_span_make(out, cs_dhcp_key_put(out, ip, mac));
		return 1;
	}
	if (cid.len == 0 || cid.len > CID_MAX)
		return 0;
	cs_addr_format(ip, a);
	n = snprintf(out, KEY_MAX, "dhcp|%s|id:%.*s", a, (int)cid.len, cid.p);
	if (n < 0 || n >= KEY_MAX)
		return 0;
	*key = cs_span_make(out, (size_t)n);
	return 1;
}

/* parse_ip4 - one IPv4 host address */
static int
parse_ip4(struct cs_span s, struct cs_addr *ip)
{
	return cs_addr_parse(s, ip) == CS_OK && ip->family == 4 &&
	    cs_addr_is_host(ip);
}

/* relay_text - sub-option value as text when printable, else "0x" hex */
static struct cs_span
relay_text(const uint8_t *v, size_t n, char out[static RELAY_TEXT_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			break;
	if (i == n) {
		if (n)
			memcpy(out, v, n);
		return cs_span_make(out, n);
	}
	out[k++] = '0';
	out[k++] = 'x';
	for (i = 0; i < n; i++) {
		out[k++] = hex[v[i] >> 4];
		out[k++] = hex[v[i] & 15];
	}
	return cs_span_make(out, k);
}

/*
 * opt82_decode - RFC 3046 sub-options, hex as Kea prints them:
 *   code(1) len(1) value(len) ...   1 = circuit-id, 2 = remote-id
 * A truncated sub-option ends the walk; what came before is kept.
 */
static void
opt82_decode(struct cs_span hexs, struct cs_obs *o,
    char circ[static RELAY_TEXT_MAX], char rem[static RELAY_TEXT_MAX])
{
	uint8_t b[OPT82_MAX];
	size_t n, i = 0;

	if (cs_parse_hexbytes(hexs, b, sizeof(b), &n) != CS_OK)
		return;
	while (i + 2 <= n) {
		uint8_t code = b[i], len = b[i + 1];
		if ((size_t)len > n - i - 2)
			break;
		if (code == 1 && o->circuit_id.len == 0)
			o->circuit_id = relay_text(b + i + 2, len, circ);
		else if (code == 2 && o->remote_id.len == 0)
			o->remote_id = relay_text(b + i + 2, len, rem);
		i += 2 + (size_t)len;
	}
}

/*
 * json_value - the value of member "key" somewhere in s: a string's
 * contents (without quotes; escapes are not decoded, so such strings do
 * not pass as hex later) or an object's text with its braces.  This is a
 * search, not a JSON parser: enough for Kea's own user contexts.
 */
static int
json_value(struct cs_span s, const char *key, struct cs_span *val)
{
	char pat[64];
	struct cs_span rest;
	size_t i, depth = 0;
	int instr = 0;

	if (snprintf(pat, sizeof(pat), "\"%s\"", key) >= (int)sizeof(pat))
		return 0;
	while (cs_span_cut(s, pat, NULL, &rest)) {
		s = rest;
		rest = cs_span_ltrim(rest);
		if (rest.len == 0 || rest.p[0] != ':')
			continue;
		rest = cs_span_ltrim(cs_span_skip(rest, 1));
		if (rest.len && rest.p[0] == '"') {
			for (i = 1; i < rest.len && rest.p[i] != '"'; i++)
				if (rest.p[i] == '\\')
					i++;
			if (i >= rest.len)
				return 0;
			*val = cs_span_make(rest.p + 1, i - 1);
			return 1;
		}
		if (rest.len && rest.p[0] == '{') {
			for (i = 0; i < rest.len; i++) {
				char c = rest.p[i];
				if (instr) {
					if (c == '\\')
						i++;
					else if (c == '"')
						instr = 0;
				} else if (c == '"') {
					instr = 1;
				} else if (c == '{') {
					depth++;
				} else if (c == '}' && --depth == 0) {
					*val = cs_span_make(rest.p, i + 1);
					return 1;
				}
			}
			return 0;
		}
		return 0;
	}
	return 0;
}

/* relay_from_context - circuit-id and remote-id from a user context */
static void
relay_from_context(struct cs_span ctx, struct cs_obs *o,
    char circ[static RELAY_TEXT_MAX], char rem[static RELAY_TEXT_MAX])
{
	struct cs_span rai, v;
	uint8_t b[OPT82_MAX];
	size_t n;

	if (!json_value(ctx, "relay-agent-info", &rai))
		return;
	if (rai.len && rai.p[0] == '{') {
		/* Kea 2.4 and later: {"sub-options": "0x..", "remote-id": ..}
		 */
		if (json_value(rai, "sub-options", &v))
			opt82_decode(v, o, circ, rem);
		if (o->remote_id.len == 0 && json_value(rai, "remote-id", &v) &&
		    cs_parse_hexbytes(v, b, sizeof(b), &n) == CS_OK)
			o->remote_id = relay_text(b, n, rem);
		return;
	}
	opt82_decode(rai, o, circ, rem);
}

/* ---- lease file ---- */

enum col {
	C_ADDRESS,
	C_HWADDR,
	C_CLIENT_ID,
	C_VALID,
	C_EXPIRE,
	C_SUBNET,
	C_HOSTNAME,
	C_STATE,
	C_USER_CONTEXT,
	C_N
};

static const char *const col_name[C_N] = {
    [C_ADDRESS] = "address",
    [C_HWADDR] = "hwaddr",
    [C_CLIENT_ID] = "client_id",
    [C_VALID] = "valid_lifetime",
    [C_EXPIRE] = "expire",
    [C_SUBNET] = "subnet_id",
    [C_HOSTNAME] = "hostname",
    [C_STATE] = "state",
    [C_USER_CONTEXT] = "user_context",
};

/* columns without which a row says nothing we can use */
#define C_REQUIRED_N 5 /* C_ADDRESS .. C_EXPIRE */

/* Kea 2.x default layout, for rows read before any header */
#define DEFAULT_NCOLS 11
static const int default_pos[C_N] = {0, 1, 2, 3, 4, 5, 8, 9, 10};

#define MAX_COLS 64

enum hdr_state {
	HDR_NONE,    /* nothing read yet */
	HDR_KNOWN,   /* columns from a header line */
	HDR_ASSUMED, /* resumed past the header: default layout */
	HDR_BAD,     /* the file has no usable header */
};

struct leases_st {
	struct cs_sink *sink; /* borrowed from the caller of open */
	enum hdr_state hdr;
	int ncols;         /* columns per row */
	int pos[C_N];      /* column index of each field, or -1 */
	char *scratch;     /* owned; decoded fields of the current row */
	size_t scratchcap; /* bytes */
};

enum lease_state { ST_DEFAULT = 0, ST_DECLINED = 1, ST_RECLAIMED = 2 };

static void *
leases_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct leases_st *st = cs_xcalloc(1, sizeof(*st));

	(void)o;
	st->sink = sink;
	st->hdr = HDR_NONE;
	return st;
}

static void
leases_close(void *arg)
{
	struct leases_st *st = arg;

	if (st == NULL)
		return;
	free(st->scratch);
	free(st);
}

static void
leases_flush(void *arg, int final)
{
	(void)arg;
	(void) final;
}

static uint64_t
leases_pending(void *arg)
{
	(void)arg;
	return UINT64_MAX;
}

/* split_csv - fields of one row; -1 when there are more than max */
static int
split_csv(struct cs_span line, struct cs_span *f, int max)
{
	struct cs_span tok;
	int n = 0;

	while (cs_span_token(&line, ',', &tok)) {
		if (n == max)
			return -1;
		f[n++] = tok;
	}
	return n;
}

/* parse_header - learn the column positions; 0 with *why if unusable */
static int
parse_header(struct leases_st *st, struct cs_span line, const char **why)
{
	struct cs_span f[MAX_COLS];
	int n, i, c;

	n = split_csv(line, f, MAX_COLS);
	if (n < 0) {
		*why = "header has too many columns";
		return 0;
	}
	for (c = 0; c < C_N; c++)
		st->pos[c] = -1;
	for (i = 0; i < n; i++) {
		struct cs_span name = cs_span_trim(f[i]);
		for (c = 0; c < C_N; c++) {
			if (!cs_span_eq(name, col_name[c]))
				continue;
			if (st->pos[c] >= 0) {
				*why = "header names a column twice";
				return 0;
			}
			st->pos[c] = i;
		}
	}
	for (c = 0; c < C_REQUIRED_N; c++) {
		if (st->pos[c] < 0) {
			*why = "header lacks one of address, hwaddr, "
			       "client_id, valid_lifetime, expire";
			return 0;
		}
	}
	st->ncols = n;
	return 1;
}

/* decode - undo Kea's "&#x2c" comma escape into scratch at *used */
static struct cs_span
decode(struct leases_st *st, struct cs_span s, size_t *used)
{
	char *out = st->scratch + *used;
	size_t i = 0, k = 0;

	if (cs_span_find(s, "&#x") < 0)
		return s;
	while (i < s.len) {
		if (i + 5 <= s.len && memcmp(s.p + i, "&#x", 3) == 0 &&
		    s.p[i + 3] == '2' &&
		    (s.p[i + 4] == 'c' || s.p[i + 4] == 'C')) {
			out[k++] = ',';
			i += 5;
		} else {
			out[k++] = s.p[i++];
		}
	}
	*used += k;
	return cs_span_make(out, k);
}

/* column - the decoded value of column c, or empty when absent */
static struct cs_span
column(struct leases_st *st, const struct cs_span *f, enum col c, size_t *used)
{
	if (st->pos[c] < 0)
		return cs_span_make("", 0);
	return decode(st, f[st->pos[c]], used);
}

static void
reject(struct leases_st *st, uint64_t lineno, const char *fld, const char *why,
    struct cs_span raw)
{
	st->sink->reject(st->sink->arg, lineno, fld, why, raw);
}

/* lease_row - one data row in the current layout */
static void
lease_row(struct leases_st *st, struct cs_span line, uint64_t lineno)
{
	struct cs_span f[MAX_COLS], v, ctx;
	struct cs_obs o;
	uint64_t valid, expire, state = ST_DEFAULT, subnet;
	cs_time cltt_us, expire_us;
	char key[KEY_MAX], circ[RELAY_TEXT_MAX], rem[RELAY_TEXT_MAX];
	char why[96];
	size_t used = 0;
	int n;

	n = split_csv(line, f, MAX_COLS);
	if (n < 0) {
		reject(st, lineno, "columns", "row has more than 64 columns",
		    line);
		return;
	}
	if (st->hdr == HDR_ASSUMED && n != DEFAULT_NCOLS) {
		snprintf(why, sizeof(why),
		    "no header read and the row has %d "
		    "columns, not Kea 2.x's default 11",
		    n);
		reject(st, lineno, "header", why, line);
		return;
	}
	if (n != st->ncols) {
		const char *fld = "columns";
		int c;
		for (c = 0; c < C_N && n < st->ncols; c++)
			if (st->pos[c] == n)
				fld = col_name[c];
		snprintf(why, sizeof(why), "row has %d columns, header has %d",
		    n, st->ncols);
		reject(st, lineno, fld, why, line);
		return;
	}
	if (st->scratchcap < line.len) {
		free(st->scratch);
		st->scratch = cs_xmalloc(line.len);
		st->scratchcap = line.len;
	}

	cs_obs_init(&o);
	o.src = CS_SRC_KEA_LEASES;
	o.raw = line;
	o.line = lineno;
	o.naddr = 1;
	if (!parse_ip4(
		cs_span_trim(column(st, f, C_ADDRESS, &used)), &o.addr[0])) {
		reject(st, lineno, "address", "not an IPv4 address", line);
		return;
	}
	v = cs_span_trim(column(st, f, C_HWADDR, &used));
	if (v.len) {
		if (cs_mac_parse(v, o.mac) != CS_OK) {
			reject(st, lineno, "hwaddr", "not a MAC address", line);
			return;
		}
		o.has_mac = 1;
	}
	o.client_id = cs_span_trim(column(st, f, C_CLIENT_ID, &used));
	if (cs_parse_u64(cs_span_trim(column(st, f, C_VALID, &used)), 0,
		UINT32_MAX, &valid) != CS_OK) {
		reject(st, lineno, "valid_lifetime",
		    "not a number of seconds (0..4294967295)", line);
		return;
	}
	if (cs_parse_u64(cs_span_trim(column(st, f, C_EXPIRE, &used)), 0,
		EXPIRE_MAX, &expire) != CS_OK) {
		reject(
		    st, lineno, "expire", "not an epoch time in seconds", line);
		return;
	}
	if (expire < valid) {
		reject(st, lineno, "expire",
		    "expire - valid_lifetime is before 1970", line);
		return;
	}
	v = cs_span_trim(column(st, f, C_SUBNET, &used));
	if (v.len && cs_parse_u64(v, 0, UINT32_MAX, &subnet) != CS_OK) {
		reject(st, lineno, "subnet_id", "not a subnet number", line);
		return;
	}
	v = cs_span_trim(column(st, f, C_STATE, &used));
	if (v.len && (cs_parse_u64(v, 0, ST_RECLAIMED, &state) != CS_OK)) {
		reject(st, lineno, "state",
		    "not a lease state (0 default, "
		    "1 declined, 2 expired-reclaimed)",
		    line);
		return;
	}
	o.hostname = cs_span_trim(column(st, f, C_HOSTNAME, &used));
	ctx = column(st, f, C_USER_CONTEXT, &used);
	relay_from_context(ctx, &o, circ, rem);

	expire_us = (cs_time)expire * CS_US;
	cltt_us = (cs_time)(expire - valid) * CS_US;
	if (valid == 0 && state != ST_DEFAULT) {
		st->sink->skip(st->sink->arg,
		    "kea-leases: removal of a declined or reclaimed lease");
		return;
	}
	if (!o.has_mac && o.client_id.len == 0) {
		if (state == ST_DECLINED) {
			st->sink->skip(st->sink->arg,
			    "kea-leases: declined lease without client");
			return;
		}
		reject(st, lineno, "hwaddr",
		    "neither hwaddr nor client_id: "
		    "the lease has no holder",
		    line);
		return;
	}
	if (!make_key(key, &o.addr[0], o.has_mac, o.mac, o.client_id, &o.key)) {
		reject(st, lineno, "client_id", "longer than 255 bytes", line);
		return;
	}
	if (valid == 0) {
		o.kind = CS_OBS_RELEASED;
		o.time = expire_us;
	} else if (state == ST_RECLAIMED) {
		o.kind = CS_OBS_CLOSE;
		o.time = expire_us;
		o.start = cltt_us;
	} else if (state == ST_DECLINED) {
		o.kind = CS_OBS_CLOSE;
		o.time = cltt_us;
	} else {
		o.kind = CS_OBS_OPEN;
		o.time = cltt_us;
		o.until = expire_us;
	}
	st->sink->obs(st->sink->arg, &o);
}

static void
leases_line(void *arg, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct leases_st *st = arg;
	const char *why;

	while (line.len && (line.p[line.len - 1] == '\r'))
		line.len--;
	if (cs_span_trim(line).len == 0)
		return;
	if (line.len > CS_MAX_LINE) {
		reject(st, lineno, "line", "line longer than 65536 bytes",
		    cs_span_make(line.p, 512));
		return;
	}
	/*
	 * Kea's own headers start with "address"; data rows start with an
	 * address.  A header in another order is believed on line 1 only,
	 * so that no value in a row can pass for one.
	 */
	if (cs_span_starts(line, "address,") ||
	    (st->hdr == HDR_NONE && off == 0 && parse_header(st, line, &why))) {
		if (parse_header(st, line, &why)) {
			st->hdr = HDR_KNOWN;
		} else {
			st->hdr = HDR_BAD;
			reject(st, lineno, "header", why, line);
		}
		return;
	}
	if (st->hdr == HDR_NONE) {
		if (off == 0) {
			st->hdr = HDR_BAD;
		} else {
			memcpy(st->pos, default_pos, sizeof(st->pos));
			st->ncols = DEFAULT_NCOLS;
			st->hdr = HDR_ASSUMED;
		}
	}
	if (st->hdr == HDR_BAD) {
		reject(st, lineno, "header",
		    "no Kea lease header (address,"
		    "hwaddr,client_id,valid_lifetime,expire,...) on line 1",
		    line);
		return;
	}
	lease_row(st, line, lineno);
}

static int
leases_detect(struct cs_span head)
{
	struct cs_span first;
	struct leases_st st;
	const char *why;

	if (cs_span_starts(head,
		"address,hwaddr,client_id,valid_lifetime,"
		"expire"))
		return 100;
	cs_span_token(&head, '\n', &first);
	if (first.len && first.p[first.len - 1] == '\r')
		first.len--;
	memset(&st, 0, sizeof(st));
	return parse_header(&st, first, &why) ? 80 : 0;
}

/* ---- log lines: one message parser for the file and syslog forms ---- */

/* take_num - a decimal of exactly n digits at s.p[at] */
static int
take_num(struct cs_span s, size_t at, size_t n, uint64_t max, int *out)
{
	uint64_t v;

	if (at + n > s.len ||
	    cs_parse_u64(cs_span_make(s.p + at, n), 0, max, &v) != CS_OK)
		return 0;
	*out = (int)v;
	return 1;
}

/*
 * parse_stamp - "YYYY-MM-DD HH:MM:SS[.fff]" then blanks; *rest is what
 * follows.  Kea prints milliseconds (%q); 1..9 digits are accepted.
 */
static int
parse_stamp(struct cs_span s, struct cs_civil *c, struct cs_span *rest)
{
	size_t i;
	int frac = 0, nd;

	memset(c, 0, sizeof(*c));
	if (s.len < 20 || !take_num(s, 0, 4, 9999, &c->year) || s.p[4] != '-' ||
	    !take_num(s, 5, 2, 12, &c->mon) || s.p[7] != '-' ||
	    !take_num(s, 8, 2, 31, &c->day) || s.p[10] != ' ' ||
	    !take_num(s, 11, 2, 23, &c->hour) || s.p[13] != ':' ||
	    !take_num(s, 14, 2, 59, &c->min) || s.p[16] != ':' ||
	    !take_num(s, 17, 2, 60, &c->sec))
		return 0;
	i = 19;
	if (s.p[i] == '.') {
		i++;
		for (nd = 0; i < s.len && s.p[i] >= '0' && s.p[i] <= '9';
		     i++, nd++) {
			if (nd < 6)
				frac = frac * 10 + (s.p[i] - '0');
		}
		if (nd == 0 || nd > 9)
			return 0;
		for (; nd < 6; nd++)
			frac *= 10;
		c->usec = frac;
	}
	if (i >= s.len || s.p[i] != ' ')
		return 0;
	*rest = cs_span_ltrim(cs_span_skip(s, i));
	return 1;
}

/*
 * split_msg - "LEVEL [logger] MESSAGE_ID text": the id and the text.
 * The logger is "kea-dhcp4.leases/pid.thread" in files and
 * "kea-dhcp4.leases.thread" through syslog; neither matters here.
 */
static int
split_msg(struct cs_span m, struct cs_span *id, struct cs_span *text)
{
	struct cs_span level;
	long e;
	size_t i;

	if (!cs_span_word(&m, &level) || level.len > 5)
		return 0;
	for (i = 0; i < level.len; i++)
		if (level.p[i] < 'A' || level.p[i] > 'Z')
			return 0;
	m = cs_span_ltrim(m);
	if (m.len < 2 || m.p[0] != '[')
		return 0;
	e = cs_span_chr(m, ']');
	if (e < 2)
		return 0;
	m = cs_span_skip(m, (size_t)e + 1);
	if (m.len == 0 || m.p[0] != ' ')
		return 0;
	if (!cs_span_word(&m, id))
		return 0;
	*text = cs_span_ltrim(m);
	return 1;
}

struct label {
	int has_mac;
	uint8_t mac[6];
	struct cs_span cid; /* empty for "no info" */
};

/*
 * parse_label - Kea's client label at the start of s:
 *   [hwtype=1 02:00:00:00:00:33], cid=[69:64:2d:63:32], tid=0x3231645
 * "[no hwaddr info]" and "cid=[no info]" stand for absent values; the
 * tid is optional.  *rest is what follows.
 */
static enum cs_err
parse_label(struct cs_span s, struct label *lb, struct cs_span *rest,
    const char **fld, struct cs_errbuf *eb)
{
	struct cs_span hw, cid, w;
	size_t i;

	memset(lb, 0, sizeof(*lb));
	*fld = "hwaddr";
	if (s.len == 0 || s.p[0] != '[' ||
	    !cs_span_cut(cs_span_skip(s, 1), "]", &hw, &s)) {
		cs_errbuf_set(eb, "no client label '[hwtype=N MAC]'");
		return CS_EPARSE;
	}
	hw = cs_span_trim(hw);
	if (cs_span_starts(hw, "hwtype=")) {
		cs_span_word(&hw, &w);
		hw = cs_span_trim(hw);
		if (hw.len) {
			if (cs_mac_parse(hw, lb->mac) != CS_OK) {
				cs_errbuf_set(eb, "not a MAC address");
				return CS_EPARSE;
			}
			lb->has_mac = 1;
		}
	} else if (!cs_span_eq(hw, "no hwaddr info")) {
		cs_errbuf_set(
		    eb, "expected 'hwtype=N MAC' or 'no hwaddr info'");
		return CS_EPARSE;
	}
	*fld = "client_id";
	if (!cs_span_starts(s, ", cid=[") ||
	    !cs_span_cut(cs_span_skip(s, 7), "]", &cid, &s)) {
		cs_errbuf_set(eb, "no 'cid=[...]' after the hardware address");
		return CS_EPARSE;
	}
	if (!cs_span_eq(cid, "no info"))
		lb->cid = cs_span_trim(cid);
	if (cs_span_starts(s, ", tid=0x")) {
		s = cs_span_skip(s, 8);
		for (i = 0; i < s.len; i++) {
			char c = s.p[i];
			if (!((c >= '0' && c <= '9') ||
				(c >= 'a' && c <= 'f') ||
				(c >= 'A' && c <= 'F')))
				break;
		}
		s = cs_span_skip(s, i);
	}
	*rest = s;
	return CS_OK;
}

/* take_ip - the next word as an IPv4 address; trailing '.' allowed */
static enum cs_err
take_ip(struct cs_span *s, struct cs_addr *ip, const char **fld,
    struct cs_errbuf *eb)
{
	struct cs_span w;

	*fld = "address";
	if (!cs_span_word(s, &w)) {
		cs_errbuf_set(eb, "no address");
		return CS_EPARSE;
	}
	if (w.len && w.p[w.len - 1] == '.')
		w.len--;
	if (!parse_ip4(w, ip)) {
		cs_errbuf_set(eb, "not an IPv4 address");
		return CS_EPARSE;
	}
	return CS_OK;
}

/* take_seconds - "for N seconds" at the end of s */
static enum cs_err
take_seconds(
    struct cs_span s, uint64_t *secs, const char **fld, struct cs_errbuf *eb)
{
	struct cs_span w;

	*fld = "lifetime";
	if (!cs_span_cut(s, " for ", NULL, &s) || !cs_span_word(&s, &w) ||
	    cs_parse_u64(w, 0, UINT32_MAX, secs) != CS_OK) {
		cs_errbuf_set(eb, "no lease time 'for N seconds'");
		return CS_EPARSE;
	}
	return CS_OK;
}

enum kea_ev { EV_NONE, EV_ALLOC, EV_RELEASE, EV_DECLINE };

static enum kea_ev
event_of(struct cs_span id)
{
	if (cs_span_eq(id, "DHCP4_LEASE_ALLOC") ||
	    cs_span_eq(id, "DHCP4_LEASE_REUSE"))
		return EV_ALLOC;
	if (cs_span_eq(id, "DHCP4_RELEASE") ||
	    cs_span_eq(id, "DHCP4_RELEASE_EXPIRED") ||
	    cs_span_eq(id, "DHCP4_RELEASE_DELETED"))
		return EV_RELEASE;
	if (cs_span_eq(id, "DHCP4_DECLINE_LEASE"))
		return EV_DECLINE;
	return EV_NONE;
}

/*
 * kea_message - the message parser shared by both forms.  msg is
 * "LEVEL [logger] MESSAGE_ID text", t the line's time.  Bodies:
 *   ALLOC    LABEL: lease IP has been allocated for N seconds
 *   REUSE    LABEL: lease IP has been reused for N seconds
 *   RELEASE* LABEL: address IP was released properly.
 *   DECLINE  Received DHCPDECLINE for addr IP from client LABEL.
 *            The lease will be unavailable for N seconds.
 */
static enum cs_err
kea_message(struct cs_span msg, cs_time t, struct cs_span raw, uint64_t lineno,
    struct cs_sink *sink, const char **fld, struct cs_errbuf *eb)
{
	struct cs_span id, text, w;
	struct label lb;
	struct cs_obs o;
	enum kea_ev ev;
	uint64_t secs = 0;
	char key[KEY_MAX];
	enum cs_err e;

	if (!split_msg(msg, &id, &text)) {
		*fld = "header";
		cs_errbuf_set(eb,
		    "not a Kea log message (expected 'LEVEL "
		    "[logger] MESSAGE_ID ...')");
		return CS_EPARSE;
	}
	ev = event_of(id);
	if (ev == EV_NONE)
		return CS_ESKIP;

	cs_obs_init(&o);
	o.src = CS_SRC_KEA_LOG;
	o.time = t;
	o.raw = raw;
	o.line = lineno;
	o.naddr = 1;
	if (ev == EV_DECLINE) {
		*fld = "address";
		if (!cs_span_cut(text, "for addr ", NULL, &text)) {
			cs_errbuf_set(eb, "no 'for addr IP'");
			return CS_EPARSE;
		}
		if ((e = take_ip(&text, &o.addr[0], fld, eb)) != CS_OK)
			return e;
		*fld = "hwaddr";
		if (!cs_span_cut(text, "from client ", NULL, &text)) {
			cs_errbuf_set(eb, "no 'from client [...]'");
			return CS_EPARSE;
		}
		if ((e = parse_label(text, &lb, &text, fld, eb)) != CS_OK)
			return e;
		o.kind = CS_OBS_CLOSE;
	} else {
		if ((e = parse_label(text, &lb, &text, fld, eb)) != CS_OK)
			return e;
		*fld = "message";
		if (!cs_span_starts(text, ": ")) {
			cs_errbuf_set(eb, "no ': ' after the client label");
			return CS_EPARSE;
		}
		text = cs_span_skip(text, 2);
		if (!cs_span_word(&text, &w) ||
		    !cs_span_eq(w, ev == EV_ALLOC ? "lease" : "address")) {
			cs_errbuf_set(eb, "expected '%s IP'",
			    ev == EV_ALLOC ? "lease" : "address");
			return CS_EPARSE;
		}
		if ((e = take_ip(&text, &o.addr[0], fld, eb)) != CS_OK)
			return e;
		if (ev == EV_ALLOC) {
			if ((e = take_seconds(text, &secs, fld, eb)) != CS_OK)
				return e;
			o.kind = CS_OBS_OPEN;
			o.until = t + (cs_time)secs * CS_US;
		} else {
			o.kind = CS_OBS_CLOSE;
		}
	}
	o.has_mac = lb.has_mac;
	memcpy(o.mac, lb.mac, sizeof(o.mac));
	o.client_id = lb.cid;
	if (!make_key(key, &o.addr[0], o.has_mac, o.mac, o.client_id, &o.key)) {
		*fld = o.has_mac || o.client_id.len ? "client_id" : "hwaddr";
		cs_errbuf_set(eb,
		    o.client_id.len ? "client id longer than "
				      "255 bytes"
				    : "neither hardware address nor client id");
		return CS_EPARSE;
	}
	sink->obs(sink->arg, &o);
	return CS_OK;
}

enum cs_err
cs_kea_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	(void)o;
	return kea_message(h->msg, h->time, raw, lineno, sink, field, eb);
}

struct log_st {
	struct cs_sink *sink; /* borrowed from the caller of open */
	struct cs_tz *tz;     /* borrowed from opts, or &own */
	struct cs_tz own;     /* the system zone when opts has none */
};

static void *
log_open(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct log_st *st = cs_xcalloc(1, sizeof(*st));

	st->sink = sink;
	st->tz = o->tz;
	if (st->tz == NULL) {
		if (cs_tz_init(&st->own, NULL, NULL) != CS_OK)
			cs_tz_init(&st->own, "UTC", NULL);
		st->tz = &st->own;
	}
	return st;
}

static void
log_line(void *arg, struct cs_span line, uint64_t lineno, uint64_t off)
{
	struct log_st *st = arg;
	struct cs_errbuf eb = {""};
	struct cs_civil c;
	struct cs_span msg;
	const char *fld = "message";
	cs_time t;
	enum cs_err e;

	(void)off;
	while (line.len && line.p[line.len - 1] == '\r')
		line.len--;
	if (cs_span_trim(line).len == 0)
		return;
	if (line.len > CS_MAX_LINE) {
		st->sink->reject(st->sink->arg, lineno, "line",
		    "line longer than 65536 bytes", cs_span_make(line.p, 512));
		return;
	}
	if (!parse_stamp(line, &c, &msg)) {
		st->sink->reject(st->sink->arg, lineno, "header",
		    "not a Kea "
		    "log line (expected 'YYYY-MM-DD HH:MM:SS.mmm LEVEL "
		    "[logger] ...')",
		    line);
		return;
	}
	if (cs_tz_to_utc(st->tz, &c, &t) != CS_OK) {
		st->sink->reject(st->sink->arg, lineno, "timestamp",
		    "not a valid date and time", line);
		return;
	}
	e = kea_message(msg, t, line, lineno, st->sink, &fld, &eb);
	if (e == CS_ESKIP)
		st->sink->skip(st->sink->arg, "kea: message not used");
	else if (e != CS_OK)
		st->sink->reject(st->sink->arg, lineno, fld,
		    eb.msg[0] ? eb.msg : cs_strerror(e), line);
}

static void
log_flush(void *arg, int final)
{
	(void)arg;
	(void) final;
}

static uint64_t
log_pending(void *arg)
{
	(void)arg;
	return UINT64_MAX;
}

static void
log_close(void *arg)
{
	free(arg);
}

static int
log_detect(struct cs_span head)
{
	struct cs_span line, msg;
	struct cs_civil c;

	while (cs_span_token(&head, '\n', &line)) {
		if (cs_span_trim(line).len == 0)
			continue;
		if (!parse_stamp(line, &c, &msg))
			return 0;
		if (!cs_span_word(&msg, &line))
			return 0;
		msg = cs_span_ltrim(msg);
		return cs_span_starts(msg, "[kea-") ? 90 : 0;
	}
	return 0;
}

const struct cs_fmt cs_fmt_kea_leases = {
    .name = "kea-leases",
    .help = "Kea memfile lease CSV (kea-leases4.csv)",
    .detect = leases_detect,
    .open = leases_open,
    .line = leases_line,
    .flush = leases_flush,
    .pending_offset = leases_pending,
    .close = leases_close,
};

const struct cs_fmt cs_fmt_kea_log = {
    .name = "kea-log",
    .help = "Kea DHCP4 log file (local time, opts tz)",
    .detect = log_detect,
    .open = log_open,
    .line = log_line,
    .flush = log_flush,
    .pending_offset = log_pending,
    .close = log_close,
};
