/*
 * collect.h - run a format over text in a unit test and keep copies of
 * what it reported: observations (as text), rejects and skips.
 *
 *   struct collect c;
 *   collect_run(&c, &cs_fmt_radius, &opts, text, 1);
 *   T_EQ_INT(c.nobs, 3); T_EQ_STR(c.obs[0].addr[0], "100.64.12.34");
 */
#ifndef CS_COLLECT_H
#define CS_COLLECT_H

#include <stdio.h>
#include <string.h>

#include "fmt/fmt.h"

#define COLLECT_MAX 256

struct tobs {
	enum cs_obs_kind kind;
	enum cs_src src;
	char time[40], start[40], until[40]; /* RFC 3339 or "" */
	char key[256], nas_key[128];
	int naddr;
	char addr[CS_OBS_MAXADDR][CS_ADDR_STRLEN];
	char username[256], mac[CS_MAC_STRLEN], circuit_id[256], remote_id[256],
	    nas_ip[64], nas_id[128], nas_port_id[128], session_id[128],
	    unique_id[128], hostname[128], client_id[128], relay[128];
	char raw[4096];
	unsigned long line;
	/* SMTP */
	char queue_id[32], client_ip[CS_ADDR_STRLEN], client_host[128],
	    sasl_username[256], message_id[256], from[256], helo[128];
	int nrcpt;
	char to[8][256], status[8][32], rcpt_relay[8][128];
};

struct trej {
	unsigned long line;
	char field[64], reason[256], raw[512];
};

struct collect {
	int nobs, nrej, nskip;
	struct tobs obs[COLLECT_MAX];
	struct trej rej[COLLECT_MAX];
};

static void
collect_cpy(char *dst, size_t n, struct cs_span s)
{
	size_t k = s.len < n - 1 ? s.len : n - 1;

	if (k)
		memcpy(dst, s.p, k);
	dst[k] = '\0';
}

#define CCPY(dst, sp) collect_cpy((dst), sizeof(dst), (sp))

static void
collect_time(char out[40], cs_time t)
{
	if (t == CS_TIME_NONE)
		out[0] = '\0';
	else
		cs_time_format(t, out);
}

static void
collect_obs(void *arg, const struct cs_obs *o)
{
	struct collect *c = arg;
	struct tobs *t;
	int i;

	if (c->nobs >= COLLECT_MAX)
		return;
	t = &c->obs[c->nobs++];
	memset(t, 0, sizeof(*t));
	t->kind = o->kind;
	t->src = o->src;
	collect_time(t->time, o->time);
	collect_time(t->start, o->start);
	collect_time(t->until, o->until);
	CCPY(t->key, o->key);
	CCPY(t->nas_key, o->nas_key);
	t->naddr = o->naddr;
	for (i = 0; i < o->naddr && i < CS_OBS_MAXADDR; i++)
		cs_addr_format(&o->addr[i], t->addr[i]);
	CCPY(t->username, o->username);
	if (o->has_mac)
		cs_mac_format(o->mac, t->mac);
	CCPY(t->circuit_id, o->circuit_id);
	CCPY(t->remote_id, o->remote_id);
	CCPY(t->nas_ip, o->nas_ip);
	CCPY(t->nas_id, o->nas_id);
	CCPY(t->nas_port_id, o->nas_port_id);
	CCPY(t->session_id, o->session_id);
	CCPY(t->unique_id, o->unique_id);
	CCPY(t->hostname, o->hostname);
	CCPY(t->client_id, o->client_id);
	CCPY(t->relay, o->relay);
	CCPY(t->raw, o->raw);
	t->line = (unsigned long)o->line;
	if (o->smtp) {
		const struct cs_smtp *m = o->smtp;
		CCPY(t->queue_id, m->queue_id);
		if (m->client_ip.family)
			cs_addr_format(&m->client_ip, t->client_ip);
		CCPY(t->client_host, m->client_host);
		CCPY(t->sasl_username, m->sasl_username);
		CCPY(t->message_id, m->message_id);
		CCPY(t->from, m->from);
		CCPY(t->helo, m->helo);
		t->nrcpt = m->nrcpt;
		for (i = 0; i < m->nrcpt && i < 8; i++) {
			CCPY(t->to[i], m->rcpt[i].to);
			CCPY(t->status[i], m->rcpt[i].status);
			CCPY(t->rcpt_relay[i], m->rcpt[i].relay);
		}
	}
}

static void
collect_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	struct collect *c = arg;
	struct trej *r;

	if (c->nrej >= COLLECT_MAX)
		return;
	r = &c->rej[c->nrej++];
	r->line = (unsigned long)line;
	snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	CCPY(r->raw, raw);
}

static void
collect_skip(void *arg, const char *what)
{
	struct collect *c = arg;

	(void)what;
	c->nskip++;
}

/* collect_run - feed text line by line; final as for fmt->flush */
static void
collect_run(struct collect *c, const struct cs_fmt *f,
    const struct cs_fmt_opts *o, const char *text, int final)
{
	struct cs_sink sink = {c, collect_obs, collect_reject, collect_skip};
	struct cs_span s = cs_span_cstr(text), line;
	uint64_t lineno = 0, off = 0;
	void *st;

	memset(c, 0, sizeof(*c));
	st = f->open(o, &sink);
	while (s.len) {
		long nl = cs_span_chr(s, '\n');
		size_t n = nl < 0 ? s.len : (size_t)nl;
		line = cs_span_make(s.p, n);
		lineno++;
		f->line(st, line, lineno, off);
		off += n + (nl < 0 ? 0 : 1);
		s = cs_span_skip(s, n + (nl < 0 ? 0 : 1));
	}
	f->flush(st, final);
	f->close(st);
}

/* collect_opts - options for year-less UTC syslog stamps, lease time in s */
static inline struct cs_fmt_opts
collect_opts(int64_t lease_time)
{
	static struct cs_tz tz;
	struct cs_fmt_opts o;

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.year = 2026;
	o.lease_time = lease_time;
	return o;
}

/* collect_find - the nth (0-based) observation of kind with key, or NULL */
static inline const struct tobs *
collect_find(
    const struct collect *c, enum cs_obs_kind kind, const char *key, int nth)
{
	int i;

	for (i = 0; i < c->nobs; i++)
		if (c->obs[i].kind == kind && strcmp(c->obs[i].key, key) == 0 &&
		    nth-- == 0)
			return &c->obs[i];
	return NULL;
}

/* collect_file - read a whole file into a NUL-terminated heap string */
static char *
collect_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

#endif
