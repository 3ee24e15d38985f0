/*
 * postfix_test - Postfix lines correlated by queue id into envelopes, as a
 * person reads them in the sample logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "fmt/fmt.h"
#include "util/buf.h"

#define TRAD "tests/data/postfix/syslog-postfix-traditional.log"
#define MAILLOG "tests/data/postfix/maillog_file-postlogd.log"

#define KEEP 256

/* one observation as text (collect.h's struct tobs plus the SMTP details) */
struct pobs {
	enum cs_obs_kind kind;
	enum cs_src src;
	char time[40], key[256], nas_key[128], username[256];
	int naddr;
	char addr[CS_OBS_MAXADDR][CS_ADDR_STRLEN];
	char raw[4096], rawtail[256];
	size_t rawlen;
	unsigned long line;
	char queue_id[32], service[64], client_ip[CS_ADDR_STRLEN],
	    client_host[128], sasl_method[64], sasl_username[256],
	    message_id[256], from[256], helo[128], first[40], last[40];
	unsigned long long size;
	int nrcpt;
	char to[8][256], orig_to[8][128], status[8][32], relay[8][128],
	    dsn[8][16];
};

struct prej {
	unsigned long line;
	char field[64], reason[256], raw[512];
};

struct run {
	int nobs; /* all observations, also past KEEP */
	int nkept, nrej, nskip;
	int nbeyond;             /* skips "recipients beyond 64" */
	uint64_t pending;        /* pending_offset after the flush */
	uint64_t pending_before; /* pending_offset before the flush */
	struct pobs obs[KEEP];
	struct prej rej[KEEP];
};

static struct run R;
static struct cs_tz tz;
static struct cs_fmt_opts opts;

static void
cpy(char *dst, size_t n, struct cs_span s)
{
	size_t k = s.len < n - 1 ? s.len : n - 1;

	if (k)
		memcpy(dst, s.p, k);
	dst[k] = '\0';
}

#define CPY(dst, sp) cpy((dst), sizeof(dst), (sp))

static void
fmt_time(char out[40], cs_time t)
{
	if (t == CS_TIME_NONE)
		out[0] = '\0';
	else
		cs_time_format(t, out);
}

static void
run_obs(void *arg, const struct cs_obs *o)
{
	struct run *r = arg;
	const struct cs_smtp *m = o->smtp;
	struct pobs *t;
	int i;

	r->nobs++;
	if (r->nkept >= KEEP)
		return;
	t = &r->obs[r->nkept++];
	memset(t, 0, sizeof(*t));
	t->kind = o->kind;
	t->src = o->src;
	fmt_time(t->time, o->time);
	CPY(t->key, o->key);
	CPY(t->nas_key, o->nas_key);
	CPY(t->username, o->username);
	t->naddr = o->naddr;
	for (i = 0; i < o->naddr && i < CS_OBS_MAXADDR; i++)
		cs_addr_format(&o->addr[i], t->addr[i]);
	CPY(t->raw, o->raw);
	t->rawlen = o->raw.len;
	CPY(t->rawtail,
	    o->raw.len > 200 ? cs_span_skip(o->raw, o->raw.len - 200) : o->raw);
	t->line = (unsigned long)o->line;
	if (m == NULL)
		return;
	CPY(t->queue_id, m->queue_id);
	CPY(t->service, m->service);
	if (m->client_ip.family)
		cs_addr_format(&m->client_ip, t->client_ip);
	CPY(t->client_host, m->client_host);
	CPY(t->sasl_method, m->sasl_method);
	CPY(t->sasl_username, m->sasl_username);
	CPY(t->message_id, m->message_id);
	CPY(t->from, m->from);
	CPY(t->helo, m->helo);
	fmt_time(t->first, m->first);
	fmt_time(t->last, m->last);
	t->size = (unsigned long long)m->size;
	t->nrcpt = m->nrcpt;
	for (i = 0; i < m->nrcpt && i < 8; i++) {
		CPY(t->to[i], m->rcpt[i].to);
		CPY(t->orig_to[i], m->rcpt[i].orig_to);
		CPY(t->status[i], m->rcpt[i].status);
		CPY(t->relay[i], m->rcpt[i].relay);
		CPY(t->dsn[i], m->rcpt[i].dsn);
	}
}

static void
run_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	struct run *r = arg;
	struct prej *j;

	if (r->nrej >= KEEP)
		return;
	j = &r->rej[r->nrej++];
	j->line = (unsigned long)line;
	snprintf(j->field, sizeof(j->field), "%s", field ? field : "");
	snprintf(j->reason, sizeof(j->reason), "%s", reason ? reason : "");
	CPY(j->raw, raw);
}

static void
run_skip(void *arg, const char *what)
{
	struct run *r = arg;

	r->nskip++;
	if (strcmp(what, "postfix: recipients beyond 64") == 0)
		r->nbeyond++;
}

/* feed - run the syslog format over text, keeping the pending offsets */
static void
feed(const char *text, int final)
{
	struct cs_sink sink = {&R, run_obs, run_reject, run_skip};
	struct cs_span s = cs_span_cstr(text);
	uint64_t lineno = 0, off = 0;
	void *st;

	memset(&R, 0, sizeof(R));
	st = cs_fmt_syslog.open(&opts, &sink);
	while (s.len) {
		long nl = cs_span_chr(s, '\n');
		size_t n = nl < 0 ? s.len : (size_t)nl;
		cs_fmt_syslog.line(st, cs_span_make(s.p, n), ++lineno, off);
		off += n + (nl < 0 ? 0 : 1);
		s = cs_span_skip(s, n + (nl < 0 ? 0 : 1));
	}
	R.pending_before = cs_fmt_syslog.pending_offset(st);
	cs_fmt_syslog.flush(st, final);
	R.pending = cs_fmt_syslog.pending_offset(st);
	cs_fmt_syslog.close(st);
}

/* read_file - a whole file as a NUL-terminated heap string, or NULL */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n < (1L << 24) && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* byqid - index of the n-th (0-based) observation of queue id q, or -1 */
static int
byqid(const char *q, int n)
{
	int i;

	for (i = 0; i < R.nkept; i++)
		if (strcmp(R.obs[i].queue_id, q) == 0 && n-- == 0)
			return i;
	return -1;
}

static int
count_lines(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
feed_file(const char *path, int final)
{
	char *text = read_file(path);

	T_CHECK(text != NULL);
	feed(text ? text : "", final);
	free(text);
}

static void
test_traditional_sample(void)
{
	struct pobs *o;
	struct pobs *x;
	int i;

	feed_file(TRAD, 1);
	T_EQ_INT(R.nobs, 8);
	T_EQ_INT(R.nrej, 0);
	T_EQ_INT(R.pending, UINT64_MAX);
	for (i = 0; i < R.nkept; i++) {
		T_EQ_INT(R.obs[i].kind, CS_OBS_SMTP);
		T_EQ_INT(R.obs[i].src, CS_SRC_POSTFIX);
		T_EQ_STR(R.obs[i].nas_key, "vm");
	}

	/* carol -> alice over SMTP from 127.0.0.1 */
	T_CHECK((i = byqid("99F42112378", 0)) >= 0);
	if (i >= 0) {
		o = &R.obs[i];
		x = &R.obs[i];
		T_EQ_STR(o->key, "smtp|99F42112378|1795985241000000");
		T_EQ_STR(o->time, "2026-11-29T20:47:21Z");
		T_EQ_INT(o->line, 7);
		T_EQ_INT(o->naddr, 1);
		T_EQ_STR(o->addr[0], "127.0.0.1");
		T_EQ_STR(o->client_ip, "127.0.0.1");
		T_EQ_STR(o->client_host, "unknown");
		T_EQ_STR(o->from, "carol@outside.example");
		T_EQ_STR(o->message_id, "test1.20261129@outside.example");
		T_EQ_STR(o->username, "");
		T_EQ_INT(o->nrcpt, 1);
		T_EQ_STR(o->to[0], "alice@calea-test.example");
		T_EQ_STR(o->status[0], "sent");
		T_EQ_STR(o->relay[0], "local");
		T_EQ_STR(x->dsn[0], "2.0.0");
		T_EQ_STR(x->service, "smtpd");
		T_EQ_INT(x->size, 408);
		T_EQ_STR(x->first, "2026-11-29T20:47:21Z");
		T_EQ_STR(x->last, "2026-11-29T20:47:21Z");
		/* client, cleanup, qmgr, local, removed; not connect/disconnect
		 */
		T_CHECK(strncmp(o->raw,
			    "Nov 29 20:47:21 vm postfix/smtpd"
			    "[19885]: 99F42112378: client=",
			    60) == 0);
		T_EQ_INT(count_lines(o->raw), 5);
		T_CHECK(strstr(o->raw, "disconnect") == NULL);
		T_CHECK(strstr(o->raw, "99F42112378: removed") != NULL);
	}

	/* dave -> bob from 127.0.0.2 (after postscreen PASS NEW) */
	T_CHECK((i = byqid("AFCE111237A", 0)) >= 0);
	if (i >= 0) {
		T_EQ_STR(R.obs[i].client_ip, "127.0.0.2");
		T_EQ_STR(R.obs[i].from, "dave@outside.example");
		T_EQ_STR(R.obs[i].to[0], "bob@calea-test.example");
		T_EQ_STR(R.obs[i].status[0], "sent");
	}

	/* the relay-denied reject, with no queue id */
	T_CHECK((i = byqid("NOQUEUE", 0)) >= 0);
	T_EQ_INT(byqid("NOQUEUE", 1), -1);
	if (i >= 0) {
		o = &R.obs[i];
		T_EQ_STR(o->key, "smtp|NOQUEUE|1795985243000000|25");
		T_EQ_INT(o->line, 25);
		T_EQ_STR(o->addr[0], "127.0.0.2");
		T_EQ_STR(o->client_ip, "127.0.0.2");
		T_EQ_STR(o->from, "dave@outside.example");
		T_EQ_STR(o->helo, "mx.outside.example");
		T_EQ_INT(o->nrcpt, 1);
		T_EQ_STR(o->to[0], "victim@elsewhere.example");
		T_EQ_STR(o->status[0], "reject");
		T_EQ_STR(R.obs[i].dsn[0], "4.7.1");
		T_EQ_INT(count_lines(o->raw), 1);
	}

	/* alice, authenticated, from 127.0.0.3: one rejected, one delivered */
	T_CHECK((i = byqid("DAA3311237B", 0)) >= 0);
	if (i >= 0) {
		o = &R.obs[i];
		x = &R.obs[i];
		T_EQ_STR(o->username, "alice@calea-test.example");
		T_EQ_STR(o->sasl_username, "alice@calea-test.example");
		T_EQ_STR(x->sasl_method, "PLAIN");
		T_EQ_STR(x->service, "submission/smtpd");
		T_EQ_STR(o->addr[0], "127.0.0.3");
		T_EQ_STR(o->from, "alice@calea-test.example");
		T_EQ_STR(o->helo, "alice-laptop");
		T_EQ_INT(o->nrcpt, 2);
		T_EQ_STR(o->to[0], "friend@remote.example");
		T_EQ_STR(o->status[0], "reject");
		T_EQ_STR(x->dsn[0], "5.1.1");
		T_EQ_STR(o->to[1], "bob@calea-test.example");
		T_EQ_STR(o->status[1], "sent");
		T_EQ_INT(count_lines(o->raw), 6);
		/* the failed AUTH afterwards belongs to no message */
		T_CHECK(strstr(o->raw, "authentication failed") == NULL);
	}

	/* root through sendmail/pickup, to an alias */
	T_CHECK((i = byqid("F19DF11237C", 0)) >= 0);
	if (i >= 0) {
		o = &R.obs[i];
		T_EQ_STR(R.obs[i].service, "pickup");
		T_EQ_INT(o->naddr, 0);
		T_EQ_STR(o->client_ip, "");
		T_EQ_STR(o->from, "root@calea-test.example");
		T_EQ_STR(o->to[0], "alice@calea-test.example");
		T_EQ_STR(R.obs[i].orig_to[0], "alice");
		T_EQ_STR(o->status[0], "sent");
	}

	/* alice -> friend@remote.example bounced by the error transport */
	T_CHECK((i = byqid("49A2D11237E", 0)) >= 0);
	if (i >= 0) {
		o = &R.obs[i];
		T_EQ_STR(o->from, "alice@calea-test.example");
		T_EQ_STR(o->to[0], "friend@remote.example");
		T_EQ_STR(o->status[0], "bounced");
		T_EQ_STR(o->relay[0], "none");
		T_EQ_STR(R.obs[i].dsn[0], "5.0.0");
		T_CHECK(strstr(o->raw,
			    "sender non-delivery notification: "
			    "4DD6B112381") != NULL);
	}

	/* the bounce notice itself, from the null sender */
	T_CHECK((i = byqid("4DD6B112381", 0)) >= 0);
	if (i >= 0) {
		o = &R.obs[i];
		T_EQ_STR(o->from, "");
		T_EQ_STR(o->time, "2026-11-29T20:47:30Z");
		T_EQ_INT(o->line, 47);
		T_EQ_STR(o->message_id, "20261129204730.4DD6B112381@vm");
		T_EQ_STR(R.obs[i].service, "bounce");
		T_EQ_STR(o->to[0], "alice@calea-test.example");
		T_EQ_STR(o->status[0], "sent");
		T_EQ_INT(R.obs[i].size, 2012);
	}

	/* eve over IPv6 loopback */
	T_CHECK((i = byqid("3DDB8112382", 0)) >= 0);
	if (i >= 0) {
		T_EQ_STR(R.obs[i].addr[0], "::1");
		T_EQ_STR(R.obs[i].client_ip, "::1");
		T_EQ_STR(R.obs[i].from, "eve@outside.example");
	}
}

static void
test_maillog_file_sample(void)
{
	struct pobs *o;

	feed_file(MAILLOG, 1);
	T_EQ_INT(R.nobs, 1);
	T_EQ_INT(R.nrej, 0);
	o = &R.obs[0];
	T_EQ_STR(o->queue_id, "9FCCF112384");
	T_EQ_STR(o->key, "smtp|9FCCF112384|1795985268000000");
	T_EQ_STR(o->username, "alice@calea-test.example");
	T_EQ_STR(o->addr[0], "127.0.0.3");
	T_EQ_STR(o->from, "alice@calea-test.example");
	T_EQ_STR(o->message_id, "20261129204748.020021@vm");
	T_EQ_STR(o->to[0], "bob@calea-test.example");
	T_EQ_STR(o->status[0], "sent");
	T_EQ_INT(o->line, 3);
}

/* Postfix's own maillog_file pads the day with a zero */
static void
test_maillog_zero_padded_day(void)
{
	feed(
	    "Nov 05 08:00:03 mx postfix/smtpd[1]: 1A2B3C: "
	    "client=mail.example.com[198.51.100.7]\n"
	    "Nov 05 08:00:04 mx postfix/qmgr[2]: 1A2B3C: from=<x@example.com>, "
	    "size=1, nrcpt=1 (queue active)\n"
	    "Nov 05 08:00:05 mx postfix/smtp[3]: 1A2B3C: to=<y@example.net>, "
	    "relay=mx.example.net[203.0.113.200]:25, delay=2, "
	    "delays=0/0/1/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued "
	    "as ABC, id=1)\n"
	    "Nov 05 08:00:05 mx postfix/qmgr[2]: 1A2B3C: removed\n",
	    0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_STR(R.obs[0].time, "2026-11-05T08:00:03Z");
	T_EQ_STR(R.obs[0].client_host, "mail.example.com");
	T_EQ_STR(R.obs[0].addr[0], "198.51.100.7");
	T_EQ_STR(R.obs[0].relay[0], "mx.example.net[203.0.113.200]:25");
	T_EQ_STR(R.obs[0].last, "2026-11-05T08:00:05Z");
	T_EQ_INT(R.pending, UINT64_MAX);
}

/* RFC 5424 drops the service name: correlate by the text anyway */
static void
test_rfc5424_program_postfix(void)
{
	feed("<22>1 2026-11-29T20:47:23.895624+00:00 vm postfix 19894 - -  "
	     "DAA3311237B: client=unknown[127.0.0.3], sasl_method=PLAIN, "
	     "sasl_username=alice@calea-test.example\n"
	     "<22>1 2026-11-29T20:47:23.901000+00:00 vm postfix 19888 - -  "
	     "DAA3311237B: message-id=\n"
	     "<22>1 2026-11-29T20:47:23.902000+00:00 vm postfix 19858 - -  "
	     "DAA3311237B: from=<alice@calea-test.example>, size=436, "
	     "nrcpt=1 (queue active)\n"
	     "<22>1 2026-11-29T20:47:23.910000+00:00 vm postfix 19889 - -  "
	     "DAA3311237B: to=<bob@calea-test.example>, relay=local, delay=0, "
	     "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)\n"
	     "<22>1 2026-11-29T20:47:23.911000+00:00 vm postfix 19858 - -  "
	     "DAA3311237B: removed\n",
	    0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_INT(R.nrej, 0);
	T_EQ_STR(R.obs[0].key, "smtp|DAA3311237B|1795985243895624");
	T_EQ_STR(R.obs[0].username, "alice@calea-test.example");
	T_EQ_STR(R.obs[0].addr[0], "127.0.0.3");
	T_EQ_STR(R.obs[0].message_id, "");
	T_EQ_STR(R.obs[0].service, "");
	T_EQ_STR(R.obs[0].to[0], "bob@calea-test.example");
	T_EQ_INT(count_lines(R.obs[0].raw), 5);
}

#define L1 "Nov 29 10:00:00 vm postfix/smtpd[1]: AAAA1: client=a[192.0.2.10]\n"
#define L2 "Nov 29 10:00:01 vm postfix/cleanup[2]: AAAA1: message-id=<m1@x>\n"

/* end of input in the middle of a message */
static void
test_interrupted(void)
{
	const char *text =
	    "Nov 29 09:59:00 vm postfix/pickup[5]: BBBB2: uid=1000 "
	    "from=<u>\n"
	    "Nov 29 09:59:00 vm postfix/qmgr[3]: BBBB2: from=<u@vm>, size=9, "
	    "nrcpt=1 (queue active)\n"
	    "Nov 29 09:59:00 vm postfix/local[4]: BBBB2: to=<v@vm>, "
	    "relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent "
	    "(delivered to mailbox)\n"
	    "Nov 29 09:59:00 vm postfix/qmgr[3]: BBBB2: removed\n" L1 L2;
	uint64_t want = (uint64_t)(strstr(text, "Nov 29 10:00:00") - text);

	feed(text, 0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_STR(R.obs[0].queue_id, "BBBB2");
	T_EQ_INT(R.pending, want);
	feed(text, 1);
	T_EQ_INT(R.nobs, 2);
	T_EQ_INT(R.pending_before, want);
	T_EQ_INT(R.pending, UINT64_MAX);
	T_EQ_STR(R.obs[1].queue_id, "AAAA1");
	T_EQ_STR(R.obs[1].addr[0], "192.0.2.10");
	T_EQ_STR(R.obs[1].message_id, "m1@x");
	T_EQ_INT(R.obs[1].nrcpt, 0);
	T_EQ_INT(R.obs[1].line, 5);
}

/* two messages at once: each keeps only its own lines */
static void
test_interleaved(void)
{
	int a, b;

	feed(
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: AAAA1: client=a[192.0.2.10]\n"
	    "Nov 29 10:00:00 vm postfix/smtpd[9]: CCCC3: client=c[192.0.2.30], "
	    "sasl_method=LOGIN, sasl_username=carol\n"
	    "Nov 29 10:00:01 vm postfix/cleanup[2]: CCCC3: message-id=<m3@x>\n"
	    "Nov 29 10:00:01 vm postfix/cleanup[2]: AAAA1: message-id=<m1@x>\n"
	    "Nov 29 10:00:02 vm postfix/qmgr[3]: AAAA1: from=<a@x>, size=1, "
	    "nrcpt=1 (queue active)\n"
	    "Nov 29 10:00:02 vm postfix/qmgr[3]: CCCC3: from=<c@x>, size=3, "
	    "nrcpt=2 (queue active)\n"
	    "Nov 29 10:00:03 vm postfix/smtp[4]: CCCC3: to=<r1@y>, "
	    "relay=y[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=4.4.1, "
	    "status=deferred (connect to y[198.51.100.25]:25: refused)\n"
	    "Nov 29 10:00:03 vm postfix/local[5]: AAAA1: to=<ra@vm>, "
	    "relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent "
	    "(delivered to mailbox)\n"
	    "Nov 29 10:00:03 vm postfix/qmgr[3]: AAAA1: removed\n"
	    "Nov 29 10:00:04 vm postfix/local[5]: CCCC3: to=<r2@vm>, "
	    "relay=local, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent "
	    "(delivered to mailbox)\n"
	    "Nov 29 10:05:04 vm postfix/smtp[4]: CCCC3: to=<r1@y>, "
	    "relay=y[198.51.100.25]:25, delay=300, delays=0/0/0/1, "
	    "dsn=2.0.0, status=sent (250 ok)\n"
	    "Nov 29 10:05:04 vm postfix/qmgr[3]: CCCC3: removed\n",
	    0);
	T_EQ_INT(R.nobs, 2);
	T_EQ_INT(R.nrej, 0);
	a = byqid("AAAA1", 0);
	b = byqid("CCCC3", 0);
	T_EQ_INT(a, 0);
	T_EQ_INT(b, 1);
	if (a < 0 || b < 0)
		return;
	T_EQ_STR(R.obs[a].message_id, "m1@x");
	T_EQ_STR(R.obs[a].from, "a@x");
	T_EQ_INT(R.obs[a].nrcpt, 1);
	T_EQ_STR(R.obs[a].to[0], "ra@vm");
	T_EQ_INT(count_lines(R.obs[a].raw), 5);
	T_CHECK(strstr(R.obs[a].raw, "CCCC3") == NULL);
	T_EQ_STR(R.obs[b].username, "carol");
	T_EQ_STR(R.obs[b].message_id, "m3@x");
	T_EQ_STR(R.obs[b].from, "c@x");
	/* the deferred recipient was delivered on retry: one entry */
	T_EQ_INT(R.obs[b].nrcpt, 2);
	T_EQ_STR(R.obs[b].to[0], "r1@y");
	T_EQ_STR(R.obs[b].status[0], "sent");
	T_EQ_STR(R.obs[b].dsn[0], "2.0.0");
	T_EQ_STR(R.obs[b].to[1], "r2@vm");
	T_EQ_INT(count_lines(R.obs[b].raw), 7);
	T_CHECK(strstr(R.obs[b].raw, "AAAA1") == NULL);
	T_EQ_STR(R.obs[b].first, "2026-11-29T10:00:00Z");
	T_EQ_STR(R.obs[b].last, "2026-11-29T10:05:04Z");
}

/* a queue id used again after "removed" is a new message */
static void
test_reused_queue_id(void)
{
	feed(
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: DDDD4: client=a[192.0.2.1]\n"
	    "Nov 29 10:00:00 vm postfix/qmgr[3]: DDDD4: from=<a@x>, size=1, "
	    "nrcpt=1 (queue active)\n"
	    "Nov 29 10:00:00 vm postfix/local[5]: DDDD4: to=<ra@vm>, "
	    "relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent "
	    "(delivered to mailbox)\n"
	    "Nov 29 10:00:00 vm postfix/qmgr[3]: DDDD4: removed\n"
	    "Nov 29 11:00:00 vm postfix/smtpd[1]: DDDD4: client=b[192.0.2.2]\n"
	    "Nov 29 11:00:00 vm postfix/qmgr[3]: DDDD4: from=<b@x>, size=1, "
	    "nrcpt=1 (queue active)\n"
	    "Nov 29 11:00:00 vm postfix/local[5]: DDDD4: to=<rb@vm>, "
	    "relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent "
	    "(delivered to mailbox)\n"
	    "Nov 29 11:00:00 vm postfix/qmgr[3]: DDDD4: removed\n"
	    /* and reused with "removed" lost: the new client= starts anew */
	    "Nov 29 12:00:00 vm postfix/smtpd[1]: DDDD4: client=c[192.0.2.3]\n"
	    "Nov 29 12:00:01 vm postfix/smtpd[1]: DDDD4: client=d[192.0.2.4]\n",
	    1);
	T_EQ_INT(R.nobs, 4);
	T_EQ_STR(R.obs[0].key, "smtp|DDDD4|1795946400000000");
	T_EQ_STR(R.obs[0].addr[0], "192.0.2.1");
	T_EQ_STR(R.obs[0].to[0], "ra@vm");
	T_EQ_STR(R.obs[1].key, "smtp|DDDD4|1795950000000000");
	T_EQ_STR(R.obs[1].addr[0], "192.0.2.2");
	T_EQ_STR(R.obs[1].from, "b@x");
	T_EQ_STR(R.obs[1].to[0], "rb@vm");
	T_EQ_INT(count_lines(R.obs[1].raw), 4);
	T_EQ_STR(R.obs[2].addr[0], "192.0.2.3");
	T_EQ_STR(R.obs[3].addr[0], "192.0.2.4");
}

/* malformed lines of kinds we use are rejected; the rest goes on */
static void
test_malformed(void)
{
	feed("Nov 29 10:00:00 vm postfix/smtpd[1]: EEEE5: client=a[300.1.2.3]\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[1]: FFFF6: client=b[192.0.2.6]\n"
	     "Nov 29 10:00:00 vm postfix/pickup[2]: EEEE7: uid=root from=<r>\n"
	     "Nov 29 10:00:00 vm postfix/qmgr[3]: FFFF6: from=<b@x>, size=big, "
	     "nrcpt=1 (queue active)\n"
	     "Nov 29 10:00:00 vm postfix/qmgr[3]: FFFF6: from=<b@x>, size=5, "
	     "nrcpt=1 (queue active)\n"
	     "Nov 29 10:00:00 vm postfix/local[4]: FFFF6: to=rb@vm, "
	     "relay=local, dsn=2.0.0, status=sent (ok)\n"
	     "Nov 29 10:00:00 vm postfix/local[4]: FFFF6: to=<rb@vm>, "
	     "relay=local, dsn=2.0.0\n"
	     "Nov 29 10:00:00 vm postfix/local[4]: FFFF6: to=<rb@vm>, "
	     "relay=local, dsn=2.0.0, status=sent (delivered to mailbox)\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[1]: FFFF6: reject: RCPT from "
	     "b[192.0.2.x]: 550 5.1.1 <q@vm>: no; from=<b@x> to=<q@vm> "
	     "proto=ESMTP helo=<b>\n"
	     "Nov 29 10:00:00 vm postfix/qmgr[3]: FFFF6: removed\n",
	    1);
	T_EQ_INT(R.nrej, 6);
	T_EQ_INT(R.rej[0].line, 1);
	T_EQ_STR(R.rej[0].field, "client");
	T_CHECK(strstr(R.rej[0].raw, "300.1.2.3") != NULL);
	T_EQ_STR(R.rej[1].field, "uid");
	T_EQ_INT(R.rej[1].line, 3);
	T_EQ_STR(R.rej[2].field, "size");
	T_EQ_STR(R.rej[3].field, "to");
	T_EQ_STR(R.rej[4].field, "status");
	T_EQ_STR(R.rej[5].field, "client");
	T_EQ_INT(R.rej[5].line, 9);
	T_EQ_INT(R.nobs, 1);
	T_EQ_STR(R.obs[0].queue_id, "FFFF6");
	T_EQ_STR(R.obs[0].addr[0], "192.0.2.6");
	T_EQ_STR(R.obs[0].service, "smtpd");
	T_EQ_INT(R.obs[0].size, 5);
	T_EQ_INT(R.obs[0].nrcpt, 1);
	T_EQ_STR(R.obs[0].status[0], "sent");
	/* rejected lines are not part of the evidence */
	T_EQ_INT(count_lines(R.obs[0].raw), 4);
}

/* lines we do not use are skipped, never rejected */
static void
test_skipped(void)
{
	feed("Nov 29 10:00:00 vm postfix/postscreen[1]: CONNECT from "
	     "[192.0.2.1]:5000 to [192.0.2.9]:25\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[2]: connect from a[192.0.2.1]\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[2]: warning: a[192.0.2.1]: "
	     "SASL LOGIN authentication failed: x\n"
	     "Nov 29 10:00:00 vm postfix/anvil[3]: statistics: max cache size "
	     "1 at Nov 29 10:00:00\n"
	     "Nov 29 10:00:00 vm postfix/master[4]: daemon started -- version "
	     "3.7.11\n"
	     "Nov 29 10:00:00 vm postfix/postfix-script[5]: starting the "
	     "Postfix mail system\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[2]: NOQUEUE: reject: CONNECT "
	     "from a[192.0.2.1]: 554 5.7.1 go away; proto=SMTP\n"
	     "Nov 29 10:00:00 vm postfix/qmgr[6]: 123ABC: removed\n"
	     "Nov 29 10:00:00 vm postfix/bounce[7]: 123ABC: sender "
	     "non-delivery notification: 456DEF\n"
	     "Nov 29 10:00:00 vm postfix/smtpd[2]: disconnect from "
	     "a[192.0.2.1] ehlo=1 quit=1 commands=2\n",
	    1);
	T_EQ_INT(R.nobs, 0);
	T_EQ_INT(R.nrej, 0);
	T_EQ_INT(R.nskip, 10);
	T_EQ_INT(R.pending, UINT64_MAX);
}

/* 100 recipients: 64 kept, the rest counted */
static void
test_many_recipients(void)
{
	struct cs_buf b;
	int i;

	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_buf_puts(&b,
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: ABC100: "
	    "client=a[2001:db8::7]\n");
	for (i = 0; i < 100; i++)
		cs_buf_appendf(&b,
		    "Nov 29 10:00:01 vm postfix/local[2]: "
		    "ABC100: to=<u%d@vm>, relay=local, delay=0, "
		    "delays=0/0/0/0, dsn=2.0.0, status=sent (ok)\n",
		    i);
	cs_buf_puts(&b,
	    "Nov 29 10:00:02 vm postfix/qmgr[3]: ABC100: "
	    "removed\n");
	T_EQ_INT(cs_buf_error(&b), CS_OK);
	feed(b.data, 0);
	cs_buf_release(&b);
	T_EQ_INT(R.nobs, 1);
	T_EQ_INT(R.obs[0].nrcpt, CS_SMTP_MAXRCPT);
	T_EQ_INT(R.nbeyond, 100 - CS_SMTP_MAXRCPT);
	T_EQ_STR(R.obs[0].addr[0], "2001:db8::7");
	T_EQ_STR(R.obs[0].to[7], "u7@vm");
	T_EQ_INT(R.obs[0].rawlen > 0, 1);
	T_CHECK(strstr(R.obs[0].rawtail, "36 recipients dropped") != NULL);
}

/* the evidence is bounded: first lines kept, truncation noted */
static void
test_raw_bounded(void)
{
	struct cs_buf b;
	int i;

	cs_buf_init(&b, NULL, 0, 1 << 22);
	cs_buf_puts(&b,
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: DEF200: "
	    "client=a[192.0.2.8]\n"
	    "Nov 29 10:00:00 vm postfix/qmgr[3]: DEF200: "
	    "from=<a@x>, size=1, nrcpt=1 (queue active)\n");
	for (i = 0; i < 2000; i++)
		cs_buf_appendf(&b,
		    "Nov 29 10:%02d:00 vm postfix/smtp[2]: DEF200: "
		    "to=<r@y>, relay=none, delay=%d, delays=0/0/0/0, "
		    "dsn=4.4.1, "
		    "status=deferred (connect to y[198.51.100.25]:25: "
		    "Connection refused)\n",
		    i % 50, i);
	cs_buf_puts(&b,
	    "Nov 29 11:00:00 vm postfix/qmgr[3]: DEF200: "
	    "removed\n");
	T_EQ_INT(cs_buf_error(&b), CS_OK);
	feed(b.data, 0);
	cs_buf_release(&b);
	T_EQ_INT(R.nobs, 1);
	T_CHECK(R.obs[0].rawlen <= CS_MAX_RECORD);
	T_CHECK(R.obs[0].rawlen > CS_MAX_RECORD / 2);
	T_CHECK(
	    strncmp(R.obs[0].raw, "Nov 29 10:00:00 vm postfix/smtpd", 32) == 0);
	T_CHECK(strstr(R.obs[0].rawtail, "more lines not kept") != NULL);
	T_EQ_INT(R.obs[0].nrcpt, 1);
	T_EQ_STR(R.obs[0].status[0], "deferred");
}

/* a central log host: the same queue id on two MTAs is two messages */
static void
test_two_hosts(void)
{
	feed("Nov 29 10:00:00 mx1 postfix/smtpd[1]: 1234AB: "
	     "client=a[192.0.2.1]\n"
	     "Nov 29 10:00:00 mx2 postfix/smtpd[1]: 1234AB: "
	     "client=b[192.0.2.2]\n"
	     "Nov 29 10:00:01 mx2 postfix/qmgr[3]: 1234AB: removed\n"
	     "Nov 29 10:00:01 mx1 postfix/qmgr[3]: 1234AB: removed\n",
	    0);
	T_EQ_INT(R.nobs, 2);
	T_EQ_STR(R.obs[0].nas_key, "mx2");
	T_EQ_STR(R.obs[0].addr[0], "192.0.2.2");
	T_EQ_STR(R.obs[1].nas_key, "mx1");
	T_EQ_STR(R.obs[1].addr[0], "192.0.2.1");
}

/* a message whose client gave up never sees "removed": emitted when stale */
static void
test_abandoned(void)
{
	const char *text =
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: AB0001: client=a[192.0.2.1]\n"
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: AB0002: client=b[192.0.2.2]\n"
	    "Nov 29 10:00:00 vm postfix/qmgr[3]: AB0002: from=<b@x>, size=1, "
	    "nrcpt=1 (queue active)\n"
	    "Nov 29 10:00:00 vm postfix/smtp[4]: AB0002: to=<r@y>, relay=none, "
	    "delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (refused)\n"
	    "Nov 29 12:00:00 vm postfix/smtpd[1]: AB0003: "
	    "client=c[192.0.2.3]\n";
	uint64_t want = (uint64_t)(strstr(text,
				       "Nov 29 10:00:00 vm postfix/"
				       "smtpd[1]: AB0002") -
	    text);

	feed(text, 0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_STR(R.obs[0].queue_id, "AB0001");
	/* the deferred one may wait days in the queue */
	T_EQ_INT(R.pending, want);
}

/* a rejected message body ends the message without "removed" */
static void
test_content_reject(void)
{
	feed(
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: AB0009: client=a[192.0.2.1]\n"
	    "Nov 29 10:00:01 vm postfix/cleanup[2]: AB0009: reject: header "
	    "Subject: win from a[192.0.2.1]; from=<s@x> to=<t@vm> proto=ESMTP "
	    "helo=<a>: 5.7.1 spam\n",
	    0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_INT(R.nrej, 0);
	T_EQ_STR(R.obs[0].from, "s@x");
	T_EQ_STR(R.obs[0].helo, "a");
	T_EQ_STR(R.obs[0].to[0], "t@vm");
	T_EQ_STR(R.obs[0].status[0], "reject");
	T_EQ_STR(R.obs[0].dsn[0], "5.7.1");
	T_EQ_INT(R.pending, UINT64_MAX);
}

/* other reject forms: MAIL stage (no recipient), milter, DATA stage */
static void
test_reject_forms(void)
{
	feed(
	    "Nov 29 10:00:00 vm postfix/smtpd[1]: NOQUEUE: reject: MAIL from "
	    "b[192.0.2.1]: 553 5.7.1 <s@x>: Sender address rejected; "
	    "from=<s@x> proto=ESMTP helo=<b>\n"
	    "Nov 29 10:00:01 vm postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT "
	    "from b[2001:db8::1]: 550 5.7.1 Service unavailable; Client host "
	    "[2001:db8::1] blocked; from=<s@x> to=<t@vm> proto=ESMTP "
	    "helo=<b>\n"
	    "Nov 29 10:00:02 vm postfix/smtpd[1]: AB0010: client=b[192.0.2.1]\n"
	    "Nov 29 10:00:03 vm postfix/smtpd[1]: AB0010: reject: DATA from "
	    "b[192.0.2.1]: 550 5.5.3 <DATA>: Data command rejected: "
	    "Multi-recipient bounce; from=<> to=<t@vm> proto=ESMTP helo=<b>\n",
	    0);
	T_EQ_INT(R.nobs, 3);
	T_EQ_INT(R.nrej, 0);
	T_EQ_STR(R.obs[0].queue_id, "NOQUEUE");
	T_EQ_STR(R.obs[0].key, "smtp|NOQUEUE|1795946400000000|1");
	T_EQ_STR(R.obs[0].from, "s@x");
	T_EQ_INT(R.obs[0].nrcpt, 0);
	T_EQ_STR(R.obs[1].key, "smtp|NOQUEUE|1795946401000000|2");
	T_EQ_STR(R.obs[1].addr[0], "2001:db8::1");
	T_EQ_STR(R.obs[1].to[0], "t@vm");
	T_EQ_STR(R.obs[1].status[0], "reject");
	T_EQ_STR(R.obs[1].dsn[0], "5.7.1");
	/* a rejected DATA ends the message: no "removed" will come */
	T_EQ_STR(R.obs[2].queue_id, "AB0010");
	T_EQ_STR(R.obs[2].to[0], "t@vm");
	T_EQ_STR(R.obs[2].status[0], "reject");
	T_EQ_STR(R.obs[2].dsn[0], "5.5.3");
	T_EQ_INT(R.pending, UINT64_MAX);
}

/* sender-chosen text that looks like the next field does not split it */
static void
test_quoted_addresses(void)
{
	feed("Nov 29 10:00:00 vm postfix/qmgr[3]: AB0011: "
	     "from=<\"a, size=1\"@x>, size=7, nrcpt=1 (queue active)\n"
	     "Nov 29 10:00:00 vm postfix/local[4]: AB0011: "
	     "to=<\"b, relay=evil\"@vm>, relay=local, delay=0, "
	     "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered, to=<z>)\n"
	     "Nov 29 10:00:00 vm postfix/qmgr[3]: AB0011: removed\n",
	    0);
	T_EQ_INT(R.nobs, 1);
	T_EQ_INT(R.nrej, 0);
	T_EQ_STR(R.obs[0].from, "\"a, size=1\"@x");
	T_EQ_INT(R.obs[0].size, 7);
	T_EQ_STR(R.obs[0].to[0], "\"b, relay=evil\"@vm");
	T_EQ_STR(R.obs[0].relay[0], "local");
	T_EQ_STR(R.obs[0].status[0], "sent");
}

/* past 65536 pending messages the oldest is emitted as it stands */
static void
test_pending_limit(void)
{
	struct cs_buf b;
	size_t second = 0;
	int i;

	cs_buf_init(&b, NULL, 0, 16u << 20);
	for (i = 0; i <= 65536; i++) {
		if (i == 1)
			second = b.len;
		cs_buf_appendf(&b,
		    "Nov 29 10:00:00 vm postfix/pickup[1]: "
		    "%X: uid=0 from=<root>\n",
		    0x100000 + i);
	}
	T_EQ_INT(cs_buf_error(&b), CS_OK);
	feed(b.data, 0);
	cs_buf_release(&b);
	T_EQ_INT(R.nobs, 1);
	T_EQ_STR(R.obs[0].queue_id, "100000");
	T_EQ_INT(R.pending, second);
}

/* a reject line with many false tails is refused, in linear time */
static void
test_reject_many_tails(void)
{
	struct cs_buf b;
	int i;

	cs_buf_init(&b, NULL, 0, 4 << 20);
	for (i = 0; i < 50; i++) {
		int k;
		cs_buf_puts(&b,
		    "Nov 29 10:00:00 vm postfix/smtpd[1]: NOQUEUE: "
		    "reject: RCPT from a[192.0.2.1]: 550 5.7.1 x");
		for (k = 0; k < 3000; k++)
			cs_buf_puts(&b, "; from=<>>>>>> to=<");
		cs_buf_putc(&b, '\n');
	}
	T_EQ_INT(cs_buf_error(&b), CS_OK);
	feed(b.data, 1);
	cs_buf_release(&b);
	T_EQ_INT(R.nobs, 0);
	T_EQ_INT(R.nrej, 50);
	T_EQ_STR(R.rej[0].field, "reject");
}

int
main(void)
{
	cs_tz_init(&tz, "UTC", NULL);
	memset(&opts, 0, sizeof(opts));
	opts.tz = &tz;
	opts.year = 2026;
	T_RUN(test_traditional_sample);
	T_RUN(test_maillog_file_sample);
	T_RUN(test_maillog_zero_padded_day);
	T_RUN(test_rfc5424_program_postfix);
	T_RUN(test_interrupted);
	T_RUN(test_interleaved);
	T_RUN(test_reused_queue_id);
	T_RUN(test_malformed);
	T_RUN(test_skipped);
	T_RUN(test_many_recipients);
	T_RUN(test_raw_bounded);
	T_RUN(test_two_hosts);
	T_RUN(test_abandoned);
	T_RUN(test_content_reject);
	T_RUN(test_reject_forms);
	T_RUN(test_quoted_addresses);
	T_RUN(test_pending_limit);
	T_RUN(test_reject_many_tails);
	return T_DONE();
}
