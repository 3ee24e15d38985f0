/*
 * dnsmasq_test - dnsmasq DHCP syslog messages through the syslog format,
 * checked against what a person reads in
 * tests/data/dhcp/dnsmasq/syslog-dnsmasq-traditional.log.
 *
 * Uses its own small collector (lc_*): tests/unit/collect.h does not
 * compile yet (struct tobs declares "relay" twice).
 */
#include <stdlib.h>

#include "t.h"
#include "fmt/fmt.h"

#define LC_MAX 64

struct lobs {
	enum cs_obs_kind kind;
	enum cs_src src;
	char time[40], start[40], until[40];
	char key[128], nas_key[64], addr[CS_ADDR_STRLEN], mac[CS_MAC_STRLEN];
	char hostname[300], circuit_id[300], remote_id[300], client_id[800];
	char relay[128], raw[2048];
	unsigned long line;
};

struct lrej {
	unsigned long line;
	char field[64], reason[256], raw[2048];
};

struct lc {
	int nobs, nrej, nskip;
	struct lobs obs[LC_MAX];
	struct lrej rej[LC_MAX];
};

static void
lc_cpy(char *dst, size_t n, struct cs_span s)
{
	size_t k = s.len < n - 1 ? s.len : n - 1;

	if (k)
		memcpy(dst, s.p, k);
	dst[k] = '\0';
}

#define LCPY(d, s) lc_cpy((d), sizeof(d), (s))

static void
lc_time(char out[40], cs_time t)
{
	if (t == CS_TIME_NONE)
		out[0] = '\0';
	else
		cs_time_format(t, out);
}

static void
lc_obs(void *arg, const struct cs_obs *o)
{
	struct lc *c = arg;
	struct lobs *t;

	if (c->nobs >= LC_MAX)
		return;
	t = &c->obs[c->nobs++];
	memset(t, 0, sizeof(*t));
	t->kind = o->kind;
	t->src = o->src;
	lc_time(t->time, o->time);
	lc_time(t->start, o->start);
	lc_time(t->until, o->until);
	LCPY(t->key, o->key);
	LCPY(t->nas_key, o->nas_key);
	if (o->naddr > 0)
		cs_addr_format(&o->addr[0], t->addr);
	if (o->has_mac)
		cs_mac_format(o->mac, t->mac);
	LCPY(t->hostname, o->hostname);
	LCPY(t->circuit_id, o->circuit_id);
	LCPY(t->remote_id, o->remote_id);
	LCPY(t->client_id, o->client_id);
	LCPY(t->relay, o->relay);
	LCPY(t->raw, o->raw);
	t->line = (unsigned long)o->line;
}

static void
lc_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	struct lc *c = arg;
	struct lrej *r;

	if (c->nrej >= LC_MAX)
		return;
	r = &c->rej[c->nrej++];
	r->line = (unsigned long)line;
	snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	LCPY(r->raw, raw);
}

static void
lc_skip(void *arg, const char *what)
{
	struct lc *c = arg;

	(void)what;
	c->nskip++;
}

static struct cs_tz tz;

static struct cs_fmt_opts
lc_opts(int64_t lease_time)
{
	struct cs_fmt_opts o;

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.year = 2026;
	o.lease_time = lease_time;
	return o;
}

/* lc_run - feed text line by line; *pending gets pending_offset at end */
static void
lc_run(struct lc *c, const struct cs_fmt *f, const struct cs_fmt_opts *o,
    const char *text, int final, uint64_t *pending)
{
	struct cs_sink sink = {c, lc_obs, lc_reject, lc_skip};
	struct cs_span s = cs_span_cstr(text);
	uint64_t lineno = 0, off = 0;
	void *st;

	memset(c, 0, sizeof(*c));
	st = f->open(o, &sink);
	while (s.len) {
		long nl = cs_span_chr(s, '\n');
		size_t n = nl < 0 ? s.len : (size_t)nl;
		f->line(st, cs_span_make(s.p, n), ++lineno, off);
		off += n + (nl < 0 ? 0 : 1);
		s = cs_span_skip(s, n + (nl < 0 ? 0 : 1));
	}
	if (pending)
		*pending = f->pending_offset(st);
	f->flush(st, final);
	f->close(st);
}

static char *
lc_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
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

/* lc_find - the nth (0-based) observation of kind with key, or NULL */
static const struct lobs *
lc_find(const struct lc *c, enum cs_obs_kind kind, const char *key, int nth)
{
	int i;

	for (i = 0; i < c->nobs; i++)
		if (c->obs[i].kind == kind && strcmp(c->obs[i].key, key) == 0 &&
		    nth-- == 0)
			return &c->obs[i];
	return NULL;
}

static int
lc_count(const struct lc *c, enum cs_obs_kind kind)
{
	int i, n = 0;

	for (i = 0; i < c->nobs; i++)
		n += c->obs[i].kind == kind;
	return n;
}

#define K_CR1 "dhcp|100.64.1.107|02:00:00:00:01:01"
#define K_C2 "dhcp|100.64.0.127|02:00:00:00:00:22"
#define K_C1 "dhcp|100.64.0.110|02:00:00:00:00:11"
#define K_C3 "dhcp|100.64.0.144|02:00:00:00:00:33"

static void
test_sample(void)
{
	static struct lc c;
	struct cs_fmt_opts o = lc_opts(120);
	char *text =
	    lc_file("tests/data/dhcp/dnsmasq/syslog-dnsmasq-traditional.log");
	const struct lobs *b;
	int i;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	lc_run(&c, &cs_fmt_syslog, &o, text, 1, NULL);
	free(text);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(lc_count(&c, CS_OBS_OPEN), 9);	/* 9 DHCPACK lines */
	T_EQ_INT(lc_count(&c, CS_OBS_CLOSE), 2);	/* 2 DHCPRELEASE */
	T_EQ_INT(c.nobs, 11);
	T_EQ_INT(c.nskip, 256 - 11);
	for (i = 0; i < c.nobs; i++) {
		T_EQ_INT(c.obs[i].src, CS_SRC_DNSMASQ);
		T_EQ_STR(c.obs[i].relay, "br0");
		T_EQ_STR(c.obs[i].nas_key, "vm");
	}
	b = lc_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:29Z");
		T_EQ_STR(b->until, "2026-11-29T20:48:29Z");
		T_EQ_STR(b->hostname, "cr1-laptop");
		T_EQ_STR(b->addr, "100.64.1.107");
		T_EQ_STR(b->mac, "02:00:00:00:01:01");
		T_EQ_INT(b->line, 72);
		T_EQ_STR(b->raw, "Nov 29 20:46:29 vm dnsmasq-dhcp[19194]: "
				 "3408691753 DHCPACK(br0) 100.64.1.107 "
				 "02:00:00:00:01:01 cr1-laptop");
	}
	b = lc_find(&c, CS_OBS_OPEN, K_CR1, 3);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:48:16Z");
	T_CHECK(lc_find(&c, CS_OBS_OPEN, K_C2, 0) != NULL);
	/* no hostname: the trailing blank is not a hostname */
	b = lc_find(&c, CS_OBS_OPEN, K_C3, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->hostname, "");
	/* the release of 100.64.0.127 by 02:00:00:00:00:22 */
	b = lc_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:37Z");
		T_EQ_STR(b->until, "");
		T_EQ_INT(b->line, 206);
	}
	b = lc_find(&c, CS_OBS_CLOSE, K_C1, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:48:46Z");
	T_CHECK(lc_find(&c, CS_OBS_OPEN, K_C1, 2) != NULL);
}

static void
test_forms(void)
{
	static struct lc c;
	struct cs_fmt_opts o = lc_opts(0);
	const char *text =
	    /* without --log-dhcp there is no transaction id */
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[19194]: DHCPACK(br0) "
	    "100.64.1.107 02:00:00:00:01:01 cr1-laptop\n"
	    "2026-11-29T20:46:37.100000+00:00 vm dnsmasq-dhcp[19194]: "
	    "4239943972 DHCPRELEASE(br0) 100.64.0.127 02:00:00:00:00:22 \n"
	    "<30>1 2026-11-29T20:46:29.5Z vm dnsmasq-dhcp 19194 - - "
	    "3655493228 DHCPACK(eth1.100) 100.64.0.127 02:00:00:00:00:22 "
	    "c2-laptop \n"
	    /* DHCP logged through the main program name */
	    "Nov 29 20:46:30 vm dnsmasq[19194]: DHCPACK(br0) 100.64.0.110 "
	    "02-00-00-00-00-11\n"
	    /* not used */
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPDISCOVER(br0) 02:00:00:00:01:01 \n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPNAK(br0) 100.64.1.107 02:00:00:00:01:01 wrong address\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPINFORM(br0) 100.64.1.107 02:00:00:00:01:01 \n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 sent size:  4 "
	    "option: 51 lease-time  2m\n"
	    "Nov 29 20:46:20 vm dnsmasq[19194]: query[A] example.com from "
	    "100.64.0.110\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPREPLY(br0) "
	    "2001:db8::5 00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11 c1\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPRELEASE(br0) "
	    "00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPRELEASE(br0) "
	    "2001:db8::5 00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11\n";
	const struct lobs *b;

	lc_run(&c, &cs_fmt_syslog, &o, text, 1, NULL);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 4);
	T_EQ_INT(c.nskip, 8);
	b = lc_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->until, "");	/* no lease time configured */
		T_EQ_STR(b->hostname, "cr1-laptop");
	}
	b = lc_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:46:37.100000Z");
	b = lc_find(&c, CS_OBS_OPEN, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:29.500000Z");
		T_EQ_STR(b->relay, "eth1.100");
		T_EQ_STR(b->hostname, "c2-laptop");
	}
	b = lc_find(&c, CS_OBS_OPEN, K_C1, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->hostname, "");
}

static void
test_malformed(void)
{
	static struct lc c;
	struct cs_fmt_opts o = lc_opts(120);
	const char *text =
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.1077 "
	    "02:00:00:00:01:01 cr1-laptop\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.107 "
	    "02:00:00:00:01 cr1-laptop\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.107\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0)\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPRELEASE(br0) "
	    "100.64.0.0/24 02:00:00:00:00:22\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.0.110 "
	    "02:00:00:00:00:11 c1-laptop\n";
	static const char *const fields[] = {
		"address", "mac", "mac", "address", "address",
	};
	size_t i;

	lc_run(&c, &cs_fmt_syslog, &o, text, 1, NULL);
	T_EQ_INT(c.nrej, 5);
	for (i = 0; i < 5 && (int)i < c.nrej; i++) {
		T_EQ_STR(c.rej[i].field, fields[i]);
		T_EQ_INT(c.rej[i].line, i + 1);
		T_CHECK(strstr(c.rej[i].reason, "100.64") == NULL);
		T_CHECK(strstr(c.rej[i].raw, "dnsmasq-dhcp[1]") != NULL);
	}
	T_EQ_INT(c.nobs, 1);
	T_CHECK(lc_find(&c, CS_OBS_OPEN, K_C1, 0) != NULL);
}

int
main(void)
{
	T_RUN(test_sample);
	T_RUN(test_forms);
	T_RUN(test_malformed);
	return T_DONE();
}
