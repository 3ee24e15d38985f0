/*
 * postfix - correlate Postfix log lines by queue id into one SMTP envelope
 * (CS_OBS_SMTP) per message.
 *
 * The syslog format hands us every line whose program is postfix,
 * postfix/<service> or postfix-<instance>/<service>.  We dispatch on the
 * message text alone, because RFC 5424 re-emission keeps only "postfix"
 * as the program name:
 *
 *   QID: client=host[ip][, sasl_method=M, sasl_username=U]   smtpd: opens
 *   QID: uid=N from=<x>                                      pickup: opens
 *   QID: message-id=<id>                                     cleanup
 *   QID: from=<x>, size=N, nrcpt=N (queue active)            qmgr
 *   QID: to=<x>, [orig_to=<y>,] relay=R, ..., dsn=D, status=S (text)
 *   QID: reject: RCPT from host[ip]: CODE DSN text; from=<x> to=<y>
 *       proto=P helo=<h>                                 a refused recipient
 *   QID: removed                                             qmgr: closes
 *   NOQUEUE: reject: RCPT from ...                    one envelope at once
 *
 * Other lines that name a pending queue id (bounce notices, "host said",
 * header_checks actions) join the message's raw evidence but are reported
 * as CS_ESKIP.  Lines of unused programs (postscreen, anvil, master, ...)
 * have no queue id and are CS_ESKIP.
 *
 * State: pending messages in a hash keyed by (syslog host, instance,
 * queue id), and a list in arrival order.  Everything is bounded: at most
 * PF_MAXPENDING messages and PF_MAXBYTES bytes (past either, the oldest is
 * emitted as it stands), CS_MAX_RECORD bytes of raw lines per message
 * (later lines are dropped and counted in a note), PF_VALS_MAX bytes of
 * field text, CS_SMTP_MAXRCPT recipients.  A message that never sees
 * "removed" (client gave up mid-DATA, lost log line) is emitted once the
 * log clock has moved PF_IDLE_SHORT past its last line, or PF_IDLE_LONG
 * when it may still be waiting in the deferred queue or on hold.
 *
 * Written by hand: no Debian library parses Postfix logs.  Not
 * thread-safe; one state per input stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/fmt.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define PF_MAXPENDING 65536      /* pending messages */
#define PF_MAXBYTES (256u << 20) /* memory held by pending messages */
#define PF_VALS_MAX (256u << 10) /* field text per message */
#define PF_FIELD_MAX 2048        /* one field; longer is cut */
#define PF_QID_MAX 32            /* long queue ids are ~17 */
#define PF_HOST_MAX 255
#define PF_INST_MAX 64
#define PF_NOTE_ROOM 128 /* raw bytes kept for the note */
#define PF_IDLE_SHORT (3600 * CS_US)
#define PF_IDLE_LONG (8 * 86400 * CS_US) /* > maximal_queue_lifetime */
#define PF_SWEEP_EVERY (60 * CS_US)
#define PF_TAIL_TRIES 16 /* "; from=<" candidates per reject */
#define PF_HASH_MIN 256
#define PF_HASH_MAX (1u << 17)

/* a value stored in msg.vals: offset and length */
struct fld {
	uint32_t off;
	uint32_t len;
};

struct prcpt {
	struct fld to, orig_to, relay;
	char status[16]; /* "sent", "deferred", "reject", ... */
	char dsn[16];    /* "2.0.0" or "" */
	cs_time time;
};

struct msg {
	struct msg *hnext;       /* hash chain */
	struct msg *prev, *next; /* arrival order */
	uint32_t hash;
	char *ident; /* owned: host '\n' instance '\n' qid */
	size_t identlen;
	size_t qidoff; /* queue id within ident */
	struct fld host, service, client_host, sasl_method, sasl_username,
	    message_id, from, helo;
	struct cs_addr client_ip;
	uint64_t size;
	int started; /* saw client= or uid= */
	int active;  /* saw qmgr "(queue active)" */
	int held;    /* header_checks or postsuper hold */
	int trunc;   /* a field was cut or dropped */
	cs_time first, last;
	uint64_t off, line; /* first line: byte offset, number */
	int nrcpt, rcap;
	int ndeferred;      /* recipients whose status is "deferred" */
	struct prcpt *rcpt; /* owned; rcap entries */
	uint64_t ndropped;  /* recipients beyond CS_SMTP_MAXRCPT */
	uint64_t rawdrop;   /* lines not kept in raw */
	struct cs_buf raw;  /* owned: lines joined with '\n' */
	struct cs_buf vals; /* owned: field text */
	size_t bytes;       /* counted in cs_postfix.bytes */
};

struct cs_postfix {
	struct cs_fmt_opts opts;
	struct cs_sink *sink; /* borrowed from the caller */
	struct msg **tab;     /* owned; nbucket heads */
	size_t nbucket;
	size_t count;
	size_t bytes;
	struct msg *head, *tail; /* arrival order, oldest first */
	uint64_t lastoff;
	int unordered; /* offsets went backwards: scan for min */
	cs_time now;   /* newest line time seen */
	cs_time swept;
	struct cs_smtp smtp; /* scratch for emit */
};

/* what one line says, parsed before any state changes */
enum kind {
	K_OTHER,
	K_CLIENT,
	K_PICKUP,
	K_MSGID,
	K_QMGR,
	K_DELIVERY,
	K_REJECT,
	K_REMOVED,
	K_NOTIFY
};

struct line {
	enum kind kind;
	struct cs_span service;
	struct cs_span chost, sasl_method, sasl_username, msgid, from, helo;
	struct cs_addr cip;
	int has_from, has_size, has_chost, active, ends, held;
	uint64_t size;
	struct cs_span to, orig_to, relay, status, dsn;
	int has_to;
	struct cs_span notify_qid;
};

/* ---- small text helpers ---- */

/* is_lower - a-z or _, the letters of a key */
static int
is_lower(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

/* is_alnum - ASCII letter or digit */
static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* key_at - s begins with "[a-z_]+=" */
static int
key_at(struct cs_span s)
{
	size_t i = 0;

	while (i < s.len && is_lower(s.p[i]))
		i++;
	return i > 0 && i < s.len && s.p[i] == '=';
}

/*
 * kv_next - next "key=value" of a ", "-separated list.  A value ends at
 * the first ", " followed by another key (for "<address>", the first
 * ">, key="); "status=" takes the rest of the line (its text may hold
 * anything).  Returns 0 at the end, -1 on a
 * malformed key.
 */
static int
kv_next(struct cs_span *s, struct cs_span *k, struct cs_span *v)
{
	size_t i = 0, j;
	struct cs_span rest;

	if (s->len == 0)
		return 0;
	while (i < s->len && is_lower(s->p[i]))
		i++;
	if (i == 0 || i >= s->len || s->p[i] != '=')
		return -1;
	*k = cs_span_make(s->p, i);
	rest = cs_span_skip(*s, i + 1);
	if (cs_span_eq(*k, "status")) {
		*v = rest;
		*s = cs_span_skip(rest, rest.len);
		return 1;
	}
	for (j = 0; j + 1 < rest.len; j++) {
		if (rest.p[j] == ',' && rest.p[j + 1] == ' ' &&
		    (rest.p[0] != '<' || (j > 0 && rest.p[j - 1] == '>')) &&
		    key_at(cs_span_skip(rest, j + 2))) {
			*v = cs_span_make(rest.p, j);
			*s = cs_span_skip(rest, j + 2);
			return 1;
		}
	}
	*v = rest;
	*s = cs_span_skip(rest, rest.len);
	return 1;
}

/* unangle - "<x>" to "x"; 0 if not bracketed */
static int
unangle(struct cs_span v, struct cs_span *out)
{
	if (v.len < 2 || v.p[0] != '<' || v.p[v.len - 1] != '>')
		return 0;
	*out = cs_span_make(v.p + 1, v.len - 2);
	return 1;
}

/* word_ok - non-empty, at most max bytes, every byte accepted by ok() */
static int
word_ok(struct cs_span w, size_t max, int (*ok)(char))
{
	size_t i;

	if (w.len == 0 || w.len > max)
		return 0;
	for (i = 0; i < w.len; i++)
		if (!ok(w.p[i]))
			return 0;
	return 1;
}

/* status_char - a byte of "sent", "deferred", ... */
static int
status_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

/* dsn_char - a byte of "2.0.0" */
static int
dsn_char(char c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

/* proto_char - a byte of "ESMTP", "SMTP", ... */
static int
proto_char(char c)
{
	return is_alnum(c) || c == '-';
}

/*
 * parse_client - "host[ip]", "host[ip]:port", "host" (no address), with
 * "unknown" or "local" inside the brackets meaning no address.
 */
static enum cs_err
parse_client(struct cs_span v, struct cs_span *host, struct cs_addr *ip,
    struct cs_errbuf *eb)
{
	long lb = cs_span_chr(v, '['), rb;
	struct cs_span a, tail;
	uint64_t port;

	memset(ip, 0, sizeof(*ip));
	if (lb < 0) {
		if (v.len == 0 || cs_span_chr(v, ']') >= 0 ||
		    cs_span_chr(v, ' ') >= 0)
			goto bad;
		*host = v;
		return CS_OK;
	}
	*host = cs_span_make(v.p, (size_t)lb);
	a = cs_span_skip(v, (size_t)lb + 1);
	rb = cs_span_chr(a, ']');
	if (rb < 0)
		goto bad;
	tail = cs_span_skip(a, (size_t)rb + 1);
	a.len = (size_t)rb;
	if (tail.len &&
	    (tail.p[0] != ':' ||
		cs_parse_u64(cs_span_skip(tail, 1), 0, 65535, &port) != CS_OK))
		goto bad;
	if (cs_span_eq(a, "unknown") || cs_span_eq(a, "local") || a.len == 0)
		return CS_OK;
	if (a.len > 5 &&
	    (memcmp(a.p, "IPv6:", 5) == 0 || memcmp(a.p, "ipv6:", 5) == 0))
		a = cs_span_skip(a, 5);
	if (cs_span_chr(a, '%') > 0) /* fe80::1%eth0: drop the zone */
		a.len = (size_t)cs_span_chr(a, '%');
	if (cs_span_chr(a, '/') >= 0 || cs_addr_parse(a, ip) != CS_OK)
		goto bad;
	return CS_OK;
bad:
	memset(ip, 0, sizeof(*ip));
	cs_errbuf_set(eb, "client is not host[address]: '%.*s'",
	    (int)(v.len > 80 ? 80 : v.len), v.p);
	return CS_EPARSE;
}

/* ---- line parsers: fill struct line, change no state ---- */

/* parse_client_line - "client=host[ip][, sasl_method=M, sasl_username=U]" */
static enum cs_err
parse_client_line(
    struct cs_span s, struct line *l, const char **field, struct cs_errbuf *eb)
{
	struct cs_span k, v;
	int r, first = 1;

	while ((r = kv_next(&s, &k, &v)) > 0) {
		if (first) {
			first = 0;
			*field = "client";
			if (parse_client(v, &l->chost, &l->cip, eb) != CS_OK)
				return CS_EPARSE;
			l->has_chost = 1;
		} else if (cs_span_eq(k, "sasl_method")) {
			l->sasl_method = v;
		} else if (cs_span_eq(k, "sasl_username")) {
			l->sasl_username = v;
		}
	}
	if (r < 0 || first) {
		*field = "client";
		cs_errbuf_set(eb, "malformed client= list");
		return CS_EPARSE;
	}
	return CS_OK;
}

/* "uid=N from=<x>" */
static enum cs_err
parse_pickup(
    struct cs_span s, struct line *l, const char **field, struct cs_errbuf *eb)
{
	struct cs_span uid, rest;
	uint64_t n;

	s = cs_span_skip(s, 4);
	if (!cs_span_cut(s, " ", &uid, &rest))
		uid = s, rest = cs_span_skip(s, s.len);
	if (cs_parse_u64(uid, 0, UINT32_MAX, &n) != CS_OK) {
		*field = "uid";
		cs_errbuf_set(eb, "uid is not a number");
		return CS_EPARSE;
	}
	rest = cs_span_trim(rest);
	if (!cs_span_starts(rest, "from=") ||
	    !unangle(cs_span_skip(rest, 5), &l->from)) {
		*field = "from";
		cs_errbuf_set(eb, "expected from=<sender> after uid");
		return CS_EPARSE;
	}
	l->has_from = 1;
	return CS_OK;
}

/*
 * parse_qmgr - "from=<x>, size=N, nrcpt=N (queue active)", or
 * "from=<x>, status=expired, returned to sender"
 */
static enum cs_err
parse_qmgr(
    struct cs_span s, struct line *l, const char **field, struct cs_errbuf *eb)
{
	struct cs_span k, v, w;
	uint64_t n;
	int r;

	while ((r = kv_next(&s, &k, &v)) > 0) {
		if (cs_span_eq(k, "from")) {
			if (!unangle(v, &l->from)) {
				*field = "from";
				cs_errbuf_set(eb, "sender is not <address>");
				return CS_EPARSE;
			}
			l->has_from = 1;
		} else if (cs_span_eq(k, "size")) {
			if (cs_parse_u64(v, 0, UINT64_MAX / 2, &l->size) !=
			    CS_OK) {
				*field = "size";
				cs_errbuf_set(eb, "size is not a number");
				return CS_EPARSE;
			}
			l->has_size = 1;
		} else if (cs_span_eq(k, "nrcpt")) {
			w = v;
			if (cs_span_cut(v, " ", &w, NULL) &&
			    cs_span_find(v, "(queue active)") >= 0)
				l->active = 1;
			if (cs_parse_u64(w, 0, UINT32_MAX, &n) != CS_OK) {
				*field = "nrcpt";
				cs_errbuf_set(eb, "nrcpt is not a number");
				return CS_EPARSE;
			}
		}
	}
	if (r < 0 || !l->has_from) {
		*field = "from";
		cs_errbuf_set(eb, "malformed qmgr from= line");
		return CS_EPARSE;
	}
	return CS_OK;
}

/*
 * parse_delivery - "to=<x>, [orig_to=<y>,] relay=R, delay=.., delays=..,
 * dsn=D, status=S (text)"
 */
static enum cs_err
parse_delivery(
    struct cs_span s, struct line *l, const char **field, struct cs_errbuf *eb)
{
	struct cs_span k, v;
	int r;

	while ((r = kv_next(&s, &k, &v)) > 0) {
		if (cs_span_eq(k, "to")) {
			if (!unangle(v, &l->to)) {
				*field = "to";
				cs_errbuf_set(eb, "recipient is not <address>");
				return CS_EPARSE;
			}
			l->has_to = 1;
		} else if (cs_span_eq(k, "orig_to")) {
			if (!unangle(v, &l->orig_to)) {
				*field = "orig_to";
				cs_errbuf_set(eb, "orig_to is not <address>");
				return CS_EPARSE;
			}
		} else if (cs_span_eq(k, "relay")) {
			l->relay = v;
		} else if (cs_span_eq(k, "dsn")) {
			if (!word_ok(v, 15, dsn_char)) {
				*field = "dsn";
				cs_errbuf_set(eb, "dsn is not d.d.d");
				return CS_EPARSE;
			}
			l->dsn = v;
		} else if (cs_span_eq(k, "status")) {
			if (!cs_span_cut(v, " ", &l->status, NULL))
				l->status = v;
		}
	}
	if (r < 0 || !l->has_to) {
		*field = "to";
		cs_errbuf_set(eb, "malformed delivery line");
		return CS_EPARSE;
	}
	if (!word_ok(l->status, 15, status_char)) {
		*field = "status";
		cs_errbuf_set(eb, "missing or malformed status=");
		return CS_EPARSE;
	}
	return CS_OK;
}

/*
 * parse_tail - "[from=<F> ][to=<T> ]proto=P[ helo=<H>][: text]", the end
 * of a reject line (after "; ").  Addresses are sender-controlled, so a
 * value ends at the earliest place the next field can start.
 */
static int
parse_tail(struct cs_span t, struct line *l)
{
	long a, b, e;
	struct cs_span p;

	l->has_from = l->has_to = 0;
	if (cs_span_starts(t, "from=<")) {
		t = cs_span_skip(t, 6);
		a = cs_span_find(t, "> to=<");
		b = cs_span_find(t, "> proto=");
		e = a < 0 ? b : (b < 0 || a < b ? a : b);
		if (e < 0)
			return 0;
		l->from = cs_span_make(t.p, (size_t)e);
		l->has_from = 1;
		t = cs_span_skip(t, (size_t)e + 2);
	}
	if (cs_span_starts(t, "to=<")) {
		t = cs_span_skip(t, 4);
		e = cs_span_find(t, "> proto=");
		if (e < 0)
			return 0;
		l->to = cs_span_make(t.p, (size_t)e);
		l->has_to = 1;
		t = cs_span_skip(t, (size_t)e + 2);
	}
	if (!cs_span_starts(t, "proto="))
		return 0;
	t = cs_span_skip(t, 6);
	p = t;
	e = 0;
	while ((size_t)e < t.len && proto_char(t.p[e]))
		e++;
	p.len = (size_t)e;
	if (p.len == 0)
		return 0;
	t = cs_span_skip(t, (size_t)e);
	if (cs_span_starts(t, " helo=<")) {
		t = cs_span_skip(t, 7);
		e = cs_span_find(t, ">: ");
		if (e >= 0) {
			l->helo = cs_span_make(t.p, (size_t)e);
			return 1;
		}
		if (t.len == 0 || t.p[t.len - 1] != '>')
			return 0;
		l->helo = cs_span_make(t.p, t.len - 1);
		return 1;
	}
	return t.len == 0 || cs_span_starts(t, ": ");
}

/*
 * parse_reject - after "reject: " or "milter-reject: ":
 *   smtpd:   STAGE from host[ip]: CODE DSN text; tail
 *   cleanup: header|body TEXT from host[ip]; tail: DSN text
 * Only the client address is checked strictly; the text is free.
 */
static enum cs_err
parse_reject(
    struct cs_span s, struct line *l, const char **field, struct cs_errbuf *eb)
{
	struct cs_span stage, head = s, rest, reason, w1, w2;
	size_t i;
	long e;
	int smtpd, found = 0, tries = 0;

	if (!cs_span_cut(s, " ", &stage, &rest))
		return CS_ESKIP;
	smtpd = stage.len > 0 && stage.p[0] >= 'A' && stage.p[0] <= 'Z';
	for (i = 0; i + 1 < s.len; i++) {
		struct cs_span t;
		if (s.p[i] != ';' || s.p[i + 1] != ' ')
			continue;
		t = cs_span_skip(s, i + 2);
		if (!cs_span_starts(t, "from=<") &&
		    !cs_span_starts(t, "to=<") && !cs_span_starts(t, "proto="))
			continue;
		if (++tries > PF_TAIL_TRIES)
			break; /* each try may scan the line: stay linear */
		if (parse_tail(t, l)) {
			head = cs_span_make(s.p, i);
			found = 1;
			break;
		}
	}
	if (!found) {
		l->has_from = l->has_to = 0;
		l->helo = cs_span_make(NULL, 0);
		*field = "reject";
		cs_errbuf_set(eb,
		    "reject without '; from=<..> to=<..> "
		    "proto=..' tail");
		return CS_EPARSE;
	}
	*field = "client";
	if (smtpd) {
		head = cs_span_skip(head, stage.len);
		if (!cs_span_starts(head, " from ") ||
		    !cs_span_cut(cs_span_skip(head, 6), "]: ", &w1, &reason))
			goto badclient;
		w1.len++; /* keep the ']' */
		if (parse_client(w1, &l->chost, &l->cip, eb) != CS_OK)
			return CS_EPARSE;
		l->has_chost = 1;
		/* "454 4.7.1 <x>: ..." */
		if (cs_span_word(&reason, &w2) && cs_span_word(&reason, &w2) &&
		    word_ok(w2, 15, dsn_char))
			l->dsn = w2;
		if (cs_span_eq(stage, "DATA") ||
		    cs_span_eq(stage, "END-OF-MESSAGE") ||
		    cs_span_eq(stage, "BDAT"))
			l->ends = 1;
	} else {
		/* cleanup: the client is the last " from host[ip]" */
		e = -1;
		for (i = 0; i + 6 <= head.len; i++)
			if (memcmp(head.p + i, " from ", 6) == 0)
				e = (long)i;
		if (e >= 0 && head.len > 0 && head.p[head.len - 1] == ']') {
			w1 = cs_span_skip(head, (size_t)e + 6);
			if (parse_client(w1, &l->chost, &l->cip, eb) != CS_OK)
				return CS_EPARSE;
			l->has_chost = 1;
		}
		e = cs_span_find(cs_span_skip(s, head.len), ">: ");
		if (e >= 0) {
			reason = cs_span_skip(s, head.len + (size_t)e + 3);
			if (cs_span_word(&reason, &w2) &&
			    word_ok(w2, 15, dsn_char))
				l->dsn = w2;
		}
		l->ends = 1;
	}
	return CS_OK;
badclient:
	cs_errbuf_set(eb, "reject without 'from host[address]: '");
	return CS_EPARSE;
}

/* service_of - "submission/smtpd" of "postfix/submission/smtpd"; or "" */
static struct cs_span
service_of(struct cs_span prog)
{
	long sl = cs_span_chr(prog, '/');

	if (sl < 0)
		return cs_span_make(prog.p, 0);
	return cs_span_skip(prog, (size_t)sl + 1);
}

/* instance_of - "postfix" or "postfix-out": the queue id namespace */
static struct cs_span
instance_of(struct cs_span prog)
{
	long sl = cs_span_chr(prog, '/');

	return sl < 0 ? prog : cs_span_make(prog.p, (size_t)sl);
}

/*
 * qid_split - "QID: rest".  Returns 1 with *qid and *rest, 0 if the line
 * does not start with something shaped like a queue id (lower-case words
 * such as "warning:" or "statistics:" are not), -1 if it is too long.
 */
static int
qid_split(struct cs_span s, struct cs_span *qid, struct cs_span *rest)
{
	size_t i = 0;
	int strong = 0;

	while (i < s.len && is_alnum(s.p[i])) {
		if ((s.p[i] >= '0' && s.p[i] <= '9') ||
		    (s.p[i] >= 'A' && s.p[i] <= 'Z'))
			strong = 1;
		i++;
	}
	if (i == 0 || !strong || i >= s.len || s.p[i] != ':')
		return 0;
	if (i + 1 < s.len && s.p[i + 1] != ' ')
		return 0;
	*qid = cs_span_make(s.p, i);
	*rest = cs_span_trim(cs_span_skip(s, i + 1));
	return i > PF_QID_MAX ? -1 : 1;
}

/* after_word - what follows "reject: " or "milter-reject: " */
static struct cs_span
after_word(struct cs_span s)
{
	long sp = cs_span_chr(s, ' ');

	if (sp < 0)
		return cs_span_skip(s, s.len);
	return cs_span_skip(s, (size_t)sp + 1);
}

/* parse_line - classify and parse the text after "QID: " */
static enum cs_err
parse_line(struct cs_span rest, struct line *l, const char **field,
    struct cs_errbuf *eb)
{
	if (cs_span_starts(rest, "client=")) {
		l->kind = K_CLIENT;
		return parse_client_line(rest, l, field, eb);
	}
	if (cs_span_starts(rest, "uid=")) {
		l->kind = K_PICKUP;
		return parse_pickup(rest, l, field, eb);
	}
	if (cs_span_starts(rest, "message-id=")) {
		struct cs_span id = cs_span_trim(cs_span_skip(rest, 11));
		l->kind = K_MSGID;
		if (!unangle(id, &l->msgid))
			l->msgid = id;
		return CS_OK;
	}
	if (cs_span_starts(rest, "from=")) {
		l->kind = K_QMGR;
		return parse_qmgr(rest, l, field, eb);
	}
	if (cs_span_starts(rest, "to=")) {
		l->kind = K_DELIVERY;
		return parse_delivery(rest, l, field, eb);
	}
	if (cs_span_starts(rest, "reject: ") ||
	    cs_span_starts(rest, "milter-reject: ")) {
		enum cs_err e;
		l->kind = K_REJECT;
		e = parse_reject(after_word(rest), l, field, eb);
		if (e == CS_ESKIP)
			l->kind = K_OTHER;
		return e == CS_ESKIP ? CS_OK : e;
	}
	if (cs_span_eq(rest, "removed")) {
		l->kind = K_REMOVED;
		return CS_OK;
	}
	if (cs_span_cut(rest, " notification: ", NULL, &l->notify_qid) &&
	    cs_span_starts(rest, "sender ")) {
		l->kind = K_NOTIFY;
		l->notify_qid = cs_span_trim(l->notify_qid);
		return CS_OK;
	}
	l->kind = K_OTHER;
	if (cs_span_starts(rest, "hold: ") ||
	    cs_span_starts(rest, "placed on hold"))
		l->held = 1;
	return CS_OK;
}

/* ---- pending messages ---- */

/* hash_of - FNV-1a */
static uint32_t
hash_of(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

/* find - the pending message with this identity, or NULL */
static struct msg *
find(struct cs_postfix *pf, const char *id, size_t idlen, uint32_t h)
{
	struct msg *m;

	if (pf->tab == NULL)
		return NULL;
	for (m = pf->tab[h & (pf->nbucket - 1)]; m; m = m->hnext)
		if (m->hash == h && m->identlen == idlen &&
		    memcmp(m->ident, id, idlen) == 0)
			return m;
	return NULL;
}

/* grow - double the hash table, up to PF_HASH_MAX buckets */
static void
grow(struct cs_postfix *pf)
{
	size_t n = pf->nbucket ? pf->nbucket * 2 : PF_HASH_MIN, i;
	struct msg **tab, *m, *next;

	if (pf->nbucket >= PF_HASH_MAX)
		return;
	tab = cs_xcalloc(n, sizeof(*tab));
	for (i = 0; i < pf->nbucket; i++) {
		for (m = pf->tab[i]; m; m = next) {
			next = m->hnext;
			m->hnext = tab[m->hash & (n - 1)];
			tab[m->hash & (n - 1)] = m;
		}
	}
	free(pf->tab);
	pf->tab = tab;
	pf->nbucket = n;
}

/* msg_bytes - memory m holds, for the PF_MAXBYTES budget */
static size_t
msg_bytes(const struct msg *m)
{
	return sizeof(*m) + m->identlen + m->raw.cap + m->vals.cap +
	    (size_t)m->rcap * sizeof(struct prcpt);
}

/* msg_free - release m (already unlinked) */
static void
msg_free(struct msg *m)
{
	cs_buf_release(&m->raw);
	cs_buf_release(&m->vals);
	free(m->rcpt);
	free(m->ident);
	free(m);
}

/* unlink - take m out of the hash and the list */
static void
unlink_msg(struct cs_postfix *pf, struct msg *m)
{
	struct msg **pp = &pf->tab[m->hash & (pf->nbucket - 1)];

	while (*pp && *pp != m)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = m->hnext;
	if (m->prev)
		m->prev->next = m->next;
	else
		pf->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		pf->tail = m->prev;
	pf->count--;
	pf->bytes -= m->bytes;
}

/* put - copy v into the message's field text; empty if it does not fit */
static struct fld
put(struct msg *m, struct cs_span v)
{
	struct fld f = {0, 0};
	size_t before = m->vals.len;

	if (v.len > PF_FIELD_MAX) {
		v.len = PF_FIELD_MAX;
		m->trunc = 1;
	}
	if (v.len == 0)
		return f;
	if (v.len > PF_VALS_MAX - m->vals.len) {
		m->trunc = 1;
		return f;
	}
	cs_buf_append(&m->vals, v.p, v.len);
	if (m->vals.len != before + v.len) {
		m->trunc = 1;
		return f;
	}
	f.off = (uint32_t)before;
	f.len = (uint32_t)v.len;
	return f;
}

/* get - a stored field as a span, valid until m is freed */
static struct cs_span
get(const struct msg *m, struct fld f)
{
	if (f.len == 0)
		return cs_span_make("", 0);
	return cs_span_make(m->vals.data + f.off, f.len);
}

/* fld_eq - stored field equals v (as put() would store it) */
static int
fld_eq(const struct msg *m, struct fld f, struct cs_span v)
{
	struct cs_span s = get(m, f);

	if (v.len > PF_FIELD_MAX)
		v.len = PF_FIELD_MAX;
	return s.len == v.len && (v.len == 0 || memcmp(s.p, v.p, v.len) == 0);
}

/* setcopy - v into a fixed array, cut to fit, NUL-terminated */
static void
setcopy(char *dst, size_t n, struct cs_span v)
{
	size_t k = v.len < n - 1 ? v.len : n - 1;

	if (k)
		memcpy(dst, v.p, k);
	dst[k] = '\0';
}

/* add_raw - append a line to the evidence, or count it as dropped */
static void
add_raw(struct msg *m, struct cs_span raw)
{
	size_t need = raw.len + (m->raw.len ? 1 : 0);

	if (m->rawdrop || need > CS_MAX_RECORD - PF_NOTE_ROOM - m->raw.len) {
		m->rawdrop++;
		return;
	}
	if (m->raw.len)
		cs_buf_putc(&m->raw, '\n');
	cs_buf_append(&m->raw, raw.p, raw.len);
}

/*
 * msg_key - "smtp|<queue id>|<first time>" (written by hand: once per
 * message); empty when it does not fit
 */
static struct cs_span
msg_key(char *out, size_t cap, struct cs_span qid, cs_time first)
{
	char d[24], *p = d + sizeof(d);
	uint64_t v = first < 0 ? 0 - (uint64_t)first : (uint64_t)first;
	size_t nd;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (first < 0)
		*--p = '-';
	nd = (size_t)(d + sizeof(d) - p);
	if (5 + qid.len + 1 + nd >= cap)
		return cs_span_make(out, 0);
	memcpy(out, "smtp|", 5);
	memcpy(out + 5, qid.p, qid.len);
	out[5 + qid.len] = '|';
	memcpy(out + 6 + qid.len, p, nd);
	out[6 + qid.len + nd] = '\0';
	return cs_span_make(out, 6 + qid.len + nd);
}

/* emit - report m as one envelope and forget it */
static void
emit(struct cs_postfix *pf, struct msg *m)
{
	struct cs_smtp *sm = &pf->smtp;
	struct cs_obs o;
	char key[96];
	int i;

	unlink_msg(pf, m);
	if (m->rawdrop || m->trunc || m->ndropped) {
		cs_buf_appendf(&m->raw,
		    "%s[custos: %llu more lines not kept; "
		    "%llu recipients dropped%s]",
		    m->raw.len ? "\n" : "", (unsigned long long)m->rawdrop,
		    (unsigned long long)m->ndropped,
		    m->trunc ? "; fields cut" : "");
	}
	memset(sm, 0, sizeof(*sm));
	sm->queue_id =
	    cs_span_make(m->ident + m->qidoff, m->identlen - m->qidoff);
	sm->service = get(m, m->service);
	sm->client_host = get(m, m->client_host);
	sm->client_ip = m->client_ip;
	sm->sasl_method = get(m, m->sasl_method);
	sm->sasl_username = get(m, m->sasl_username);
	sm->message_id = get(m, m->message_id);
	sm->from = get(m, m->from);
	sm->helo = get(m, m->helo);
	sm->size = m->size;
	sm->first = m->first;
	sm->last = m->last;
	sm->nrcpt = m->nrcpt;
	for (i = 0; i < m->nrcpt; i++) {
		struct prcpt *r = &m->rcpt[i];
		sm->rcpt[i].to = get(m, r->to);
		sm->rcpt[i].orig_to = get(m, r->orig_to);
		sm->rcpt[i].relay = get(m, r->relay);
		sm->rcpt[i].status = cs_span_cstr(r->status);
		sm->rcpt[i].dsn = cs_span_cstr(r->dsn);
		sm->rcpt[i].time = r->time;
	}
	cs_obs_init(&o);
	o.kind = CS_OBS_SMTP;
	o.src = CS_SRC_POSTFIX;
	o.time = m->first;
	o.key = msg_key(key, sizeof(key), sm->queue_id, m->first);
	o.nas_key = get(m, m->host);
	if (m->client_ip.family) {
		o.naddr = 1;
		o.addr[0] = m->client_ip;
	}
	o.username = sm->sasl_username;
	o.smtp = sm;
	o.raw = cs_span_make(m->raw.data, m->raw.len);
	o.line = m->line;
	pf->sink->obs(pf->sink->arg, &o);
	msg_free(m);
}

/* msg_new - start a pending message, making room first */
static struct msg *
msg_new(struct cs_postfix *pf, const char *id, size_t idlen, size_t qidoff,
    uint32_t h, const struct cs_syslog_hdr *hdr, uint64_t lineno, uint64_t off)
{
	struct msg *m;

	while (pf->count >= PF_MAXPENDING && pf->head)
		emit(pf, pf->head);
	if (pf->count >= pf->nbucket)
		grow(pf);
	m = cs_xcalloc(1, sizeof(*m));
	m->ident = cs_xmalloc(idlen);
	memcpy(m->ident, id, idlen);
	m->identlen = idlen;
	m->qidoff = qidoff;
	m->hash = h;
	cs_buf_init(&m->raw, NULL, 0, CS_MAX_RECORD);
	cs_buf_init(&m->vals, NULL, 0, PF_VALS_MAX);
	m->host = put(m, hdr->host);
	m->first = m->last = hdr->time;
	m->off = off;
	m->line = lineno;
	m->hnext = pf->tab[h & (pf->nbucket - 1)];
	pf->tab[h & (pf->nbucket - 1)] = m;
	m->prev = pf->tail;
	if (pf->tail)
		pf->tail->next = m;
	else
		pf->head = m;
	pf->tail = m;
	pf->count++;
	m->bytes = msg_bytes(m);
	pf->bytes += m->bytes;
	return m;
}

/* rcpt_slot - the recipient entry for (to, orig_to), added if new */
static struct prcpt *
rcpt_slot(struct cs_postfix *pf, struct msg *m, struct cs_span to,
    struct cs_span orig_to, int merge)
{
	struct prcpt *r;
	int i;

	if (merge) {
		for (i = 0; i < m->nrcpt; i++) {
			r = &m->rcpt[i];
			if (fld_eq(m, r->to, to) &&
			    fld_eq(m, r->orig_to, orig_to) &&
			    strcmp(r->status, "reject") != 0)
				return r;
		}
	}
	if (m->nrcpt >= CS_SMTP_MAXRCPT) {
		m->ndropped++;
		pf->sink->skip(pf->sink->arg, "postfix: recipients beyond 64");
		return NULL;
	}
	if (m->nrcpt == m->rcap) {
		int n = m->rcap ? m->rcap * 2 : 2;
		if (n > CS_SMTP_MAXRCPT)
			n = CS_SMTP_MAXRCPT;
		m->rcpt = cs_xreallocarray(m->rcpt, (size_t)n, sizeof(*r));
		m->rcap = n;
	}
	r = &m->rcpt[m->nrcpt++];
	memset(r, 0, sizeof(*r));
	r->to = put(m, to);
	r->orig_to = put(m, orig_to);
	return r;
}

/* apply - fold one parsed line into m; returns 1 if m is finished */
static int
apply(struct cs_postfix *pf, struct msg *m, const struct line *l,
    const struct cs_syslog_hdr *h)
{
	struct prcpt *r;

	if (l->kind == K_CLIENT || l->kind == K_PICKUP) {
		m->started = 1;
		if (m->service.len == 0)
			m->service = put(m, l->service);
	}
	if (l->has_chost && m->client_host.len == 0 &&
	    m->client_ip.family == 0) {
		m->client_host = put(m, l->chost);
		m->client_ip = l->cip;
	}
	if (l->sasl_method.len && m->sasl_method.len == 0)
		m->sasl_method = put(m, l->sasl_method);
	if (l->sasl_username.len && m->sasl_username.len == 0)
		m->sasl_username = put(m, l->sasl_username);
	if (l->msgid.len && m->message_id.len == 0)
		m->message_id = put(m, l->msgid);
	if (l->has_from && (l->kind == K_QMGR || m->from.len == 0) &&
	    !fld_eq(m, m->from, l->from))
		m->from = put(m, l->from);
	if (l->helo.len && m->helo.len == 0)
		m->helo = put(m, l->helo);
	if (l->has_size)
		m->size = l->size;
	if (l->active)
		m->active = 1;
	if (l->held)
		m->held = 1;
	if (l->has_to && (l->kind == K_DELIVERY || l->kind == K_REJECT)) {
		r = rcpt_slot(pf, m, l->to, l->orig_to, l->kind == K_DELIVERY);
		if (r != NULL) {
			if (strcmp(r->status, "deferred") == 0)
				m->ndeferred--;
			if (l->kind == K_REJECT) {
				setcopy(r->status, sizeof(r->status),
				    cs_span_cstr("reject"));
			} else {
				setcopy(
				    r->status, sizeof(r->status), l->status);
				if (!fld_eq(m, r->relay, l->relay))
					r->relay = put(m, l->relay);
			}
			if (strcmp(r->status, "deferred") == 0)
				m->ndeferred++;
			setcopy(r->dsn, sizeof(r->dsn), l->dsn);
			r->time = h->time;
		}
	}
	return l->kind == K_REMOVED || l->ends;
}

/* stale - m has had no line for long enough that none will come */
static int
stale(const struct cs_postfix *pf, const struct msg *m)
{
	cs_time idle = pf->now - m->last;

	if (idle > PF_IDLE_LONG)
		return 1;
	if (idle <= PF_IDLE_SHORT || m->held)
		return 0;
	if (!m->active)
		return 1; /* abandoned before the queue manager saw it */
	return m->nrcpt > 0 && m->ndeferred == 0;
}

/* sweep - emit every stale message */
static void
sweep(struct cs_postfix *pf)
{
	struct msg *m, *next;

	for (m = pf->head; m; m = next) {
		next = m->next;
		if (stale(pf, m))
			emit(pf, m);
	}
}

/* ident - "host\ninstance\nqid" into out; 0 if a part is too long */
static int
ident(const struct cs_syslog_hdr *h, struct cs_span qid, char *out,
    size_t outlen, size_t *len, size_t *qidoff)
{
	struct cs_span inst = instance_of(h->prog);
	size_t n = h->host.len + 1 + inst.len + 1 + qid.len;

	if (h->host.len > PF_HOST_MAX || inst.len > PF_INST_MAX || n > outlen)
		return 0;
	memcpy(out, h->host.p, h->host.len);
	out[h->host.len] = '\n';
	memcpy(out + h->host.len + 1, inst.p, inst.len);
	out[h->host.len + 1 + inst.len] = '\n';
	memcpy(out + h->host.len + inst.len + 2, qid.p, qid.len);
	*len = n;
	*qidoff = n - qid.len;
	return 1;
}

/* noqueue - "NOQUEUE: reject: RCPT from ...": one envelope right away */
static enum cs_err
noqueue(struct cs_postfix *pf, const struct cs_syslog_hdr *h,
    struct cs_span rest, struct cs_span raw, uint64_t lineno,
    const char **field, struct cs_errbuf *eb)
{
	struct cs_smtp *sm = &pf->smtp;
	struct line l;
	struct cs_obs o;
	enum cs_err e;
	char key[96];
	int n;

	if (!cs_span_starts(rest, "reject: ") &&
	    !cs_span_starts(rest, "milter-reject: "))
		return CS_ESKIP;
	memset(&l, 0, sizeof(l));
	e = parse_reject(after_word(rest), &l, field, eb);
	if (e != CS_OK)
		return e;
	if (!l.has_from && !l.has_to)
		return CS_ESKIP; /* CONNECT, HELO: no envelope */
	memset(sm, 0, sizeof(*sm));
	sm->queue_id = cs_span_cstr("NOQUEUE");
	sm->service = service_of(h->prog);
	sm->client_host = l.chost;
	sm->client_ip = l.cip;
	sm->from = l.from;
	sm->helo = l.helo;
	sm->first = sm->last = h->time;
	if (l.has_to) {
		sm->nrcpt = 1;
		sm->rcpt[0].to = l.to;
		sm->rcpt[0].status = cs_span_cstr("reject");
		sm->rcpt[0].dsn = l.dsn;
		sm->rcpt[0].time = h->time;
	}
	cs_obs_init(&o);
	o.kind = CS_OBS_SMTP;
	o.src = CS_SRC_POSTFIX;
	o.time = h->time;
	n = snprintf(key, sizeof(key), "smtp|NOQUEUE|%lld|%llu",
	    (long long)h->time, (unsigned long long)lineno);
	o.key =
	    cs_span_make(key, n > 0 && (size_t)n < sizeof(key) ? (size_t)n : 0);
	o.nas_key = h->host;
	if (l.cip.family) {
		o.naddr = 1;
		o.addr[0] = l.cip;
	}
	o.smtp = sm;
	o.raw =
	    raw.len > CS_MAX_RECORD ? cs_span_make(raw.p, CS_MAX_RECORD) : raw;
	o.line = lineno;
	pf->sink->obs(pf->sink->arg, &o);
	return CS_OK;
}

/* ---- the exported interface (fmt.h) ---- */

/* cs_postfix_new - correlator state reporting to sink (borrowed) */
struct cs_postfix *
cs_postfix_new(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	struct cs_postfix *pf = cs_xcalloc(1, sizeof(*pf));

	pf->opts = *o;
	pf->sink = sink;
	pf->now = CS_TIME_NONE;
	pf->swept = CS_TIME_NONE;
	grow(pf);
	return pf;
}

/* cs_postfix_msg - one postfix line; CS_OK, CS_ESKIP or CS_EPARSE */
enum cs_err
cs_postfix_msg(struct cs_postfix *pf, const struct cs_syslog_hdr *h,
    struct cs_span raw, uint64_t lineno, uint64_t off, const char **field,
    struct cs_errbuf *eb)
{
	struct cs_span s = cs_span_trim(h->msg), qid, rest;
	struct line l;
	struct msg *m, *m2;
	char id[PF_HOST_MAX + PF_INST_MAX + PF_QID_MAX + 2];
	size_t idlen, qidoff, before;
	uint32_t hv;
	enum cs_err e;
	int r;

	if (pf->now == CS_TIME_NONE || h->time > pf->now)
		pf->now = h->time;
	if (pf->swept == CS_TIME_NONE || pf->now < pf->swept)
		pf->swept = pf->now;
	if (pf->now - pf->swept >= PF_SWEEP_EVERY) {
		pf->swept = pf->now;
		sweep(pf);
	}
	if (off < pf->lastoff)
		pf->unordered = 1;
	pf->lastoff = off;

	if (cs_span_starts(s, "NOQUEUE: "))
		return noqueue(pf, h, cs_span_trim(cs_span_skip(s, 9)), raw,
		    lineno, field, eb);
	r = qid_split(s, &qid, &rest);
	if (r == 0)
		return CS_ESKIP;
	if (r < 0) {
		*field = "queue id";
		cs_errbuf_set(eb, "queue id longer than %d", PF_QID_MAX);
		return CS_EPARSE;
	}
	memset(&l, 0, sizeof(l));
	l.service = service_of(h->prog);
	if ((e = parse_line(rest, &l, field, eb)) != CS_OK)
		return e;
	if (!ident(h, qid, id, sizeof(id), &idlen, &qidoff)) {
		*field = "host";
		cs_errbuf_set(eb, "syslog host or program name too long");
		return CS_EPARSE;
	}
	hv = hash_of(id, idlen);
	m = find(pf, id, idlen, hv);
	if (m && m->started && (l.kind == K_CLIENT || l.kind == K_PICKUP)) {
		emit(pf, m); /* queue id reused without "removed" */
		m = NULL;
	}
	if (l.kind == K_NOTIFY) {
		char id2[sizeof(id)];
		size_t id2len, q2off;
		if (l.notify_qid.len <= PF_QID_MAX &&
		    ident(h, l.notify_qid, id2, sizeof(id2), &id2len, &q2off) &&
		    (m2 = find(pf, id2, id2len, hash_of(id2, id2len))) &&
		    m2->service.len == 0) {
			before = m2->bytes;
			m2->service = put(m2, l.service);
			m2->bytes = msg_bytes(m2);
			pf->bytes += m2->bytes - before;
		}
	}
	if (m == NULL) {
		if (l.kind == K_OTHER || l.kind == K_NOTIFY ||
		    l.kind == K_REMOVED)
			return CS_ESKIP;
		m = msg_new(pf, id, idlen, qidoff, hv, h, lineno, off);
	}
	before = m->bytes;
	add_raw(m, raw);
	if (h->time > m->last)
		m->last = h->time;
	r = apply(pf, m, &l, h);
	m->bytes = msg_bytes(m);
	pf->bytes += m->bytes - before;
	if (r) {
		emit(pf, m);
		m = NULL;
	}
	while (pf->bytes > PF_MAXBYTES && pf->head && pf->head != m)
		emit(pf, pf->head);
	return (l.kind == K_OTHER || l.kind == K_NOTIFY) ? CS_ESKIP : CS_OK;
}

/* cs_postfix_flush - final: emit every pending message as it stands */
void
cs_postfix_flush(struct cs_postfix *pf, int final)
{
	if (pf == NULL || !final)
		return;
	while (pf->head)
		emit(pf, pf->head);
}

/* cs_postfix_pending_offset - offset of the oldest pending first line */
uint64_t
cs_postfix_pending_offset(struct cs_postfix *pf)
{
	struct msg *m;
	uint64_t min = UINT64_MAX;

	if (pf == NULL || pf->head == NULL)
		return UINT64_MAX;
	if (!pf->unordered)
		return pf->head->off;
	for (m = pf->head; m; m = m->next)
		if (m->off < min)
			min = m->off;
	return min;
}

/* cs_postfix_free - release everything; pending messages are dropped */
void
cs_postfix_free(struct cs_postfix *pf)
{
	struct msg *m, *next;

	if (pf == NULL)
		return;
	for (m = pf->head; m; m = next) {
		next = m->next;
		msg_free(m);
	}
	free(pf->tab);
	free(pf);
}
