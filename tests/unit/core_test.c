/* core_test - keys, binding merge rules and serialisation, the day store */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "core/binding.h"
#include "core/keys.h"
#include "core/store.h"

#define H (3600 * CS_US)
#define T0 (1795984110LL * CS_US) /* 2026-11-29T20:28:30Z */

static char tmpdir[] = "/tmp/custos-core-XXXXXX";

static void
path(char *out, size_t n, const char *leaf)
{
	snprintf(out, n, "%s/%s", tmpdir, leaf);
}

static struct cs_obs
obs(enum cs_obs_kind k, const char *key, const char *addr, cs_time t,
    cs_time until)
{
	struct cs_obs o;

	cs_obs_init(&o);
	o.kind = k;
	o.src = CS_SRC_DHCPD;
	o.key = cs_span_cstr(key);
	o.time = t;
	o.until = until;
	o.naddr = 1;
	cs_addr_parse(cs_span_cstr(addr), &o.addr[0]);
	o.raw = cs_span_cstr("raw record");
	return o;
}

static void
test_keys_stable(void)
{
	char k[256], d[256];
	struct cs_keys *keys;
	const struct cs_daykey *p[40];
	int64_t order[40];
	struct cs_errbuf eb;
	int i, ok = 1;
	int64_t tag0;

	path(k, sizeof(k), "keys1");
	path(d, sizeof(d), "data1");
	mkdir(d, 0700);
	T_EQ_INT(cs_keys_open(k, d, 1, &keys, &eb), CS_OK);
	/* load days out of order: pointers handed out must stay valid */
	for (i = 0; i < 40; i++) {
		order[i] = 20000 + (i * 17) % 40;
		T_EQ_INT(cs_keys_day(keys, CS_CL_DHCP, order[i], 1, &p[i], &eb),
		    CS_OK);
	}
	tag0 = cs_tag(p[0], 'a', "x", 1);
	for (i = 0; i < 40; i++)
		if (p[i]->day != order[i])
			ok = 0;
	T_CHECK(ok);
	cs_keys_free(keys);
	/* the same key comes back from disk */
	T_EQ_INT(cs_keys_open(k, d, 0, &keys, &eb), CS_OK);
	T_EQ_INT(cs_keys_day(keys, CS_CL_DHCP, order[0], 0, &p[0], &eb), CS_OK);
	T_EQ_INT(cs_tag(p[0], 'a', "x", 1), tag0);
	T_EQ_INT(cs_keys_day(keys, CS_CL_DHCP, 1, 0, &p[1], &eb), CS_ENOENT);
	cs_keys_free(keys);
}

static void
test_keys_refused(void)
{
	char k[256], d[256], inner[300];
	struct cs_keys *keys;
	struct cs_errbuf eb;

	path(k, sizeof(k), "keys2");
	path(d, sizeof(d), "data2");
	mkdir(d, 0700);
	mkdir(k, 0755);
	T_EQ_INT(cs_keys_open(k, d, 1, &keys, &eb), CS_EPERM);
	T_CHECK(strstr(eb.msg, "chmod 700") != NULL);
	snprintf(inner, sizeof(inner), "%s/keys", d);
	T_EQ_INT(cs_keys_open(inner, d, 1, &keys, &eb), CS_EPERM);
	T_CHECK(strstr(eb.msg, "inside the data directory") != NULL);
	/* a key directory of the layout before per-source keys */
	chmod(k, 0700);
	snprintf(inner, sizeof(inner), "%s/days", k);
	mkdir(inner, 0700);
	T_EQ_INT(cs_keys_open(k, d, 1, &keys, &eb), CS_EINVAL);
	T_CHECK(strstr(eb.msg, "old layout") != NULL);
	rmdir(inner);
	T_EQ_INT(cs_keys_open(k, d, 1, &keys, &eb), CS_OK);
	cs_keys_free(keys);
}

static void
test_seal(void)
{
	char k[256], d[256];
	struct cs_keys *keys;
	const struct cs_daykey *a, *b;
	struct cs_errbuf eb;
	struct cs_buf c, m;

	path(k, sizeof(k), "keys3");
	path(d, sizeof(d), "data3");
	T_EQ_INT(cs_keys_open(k, d, 1, &keys, &eb), CS_OK);
	T_EQ_INT(cs_keys_day(keys, CS_CL_DHCP, 20000, 1, &a, &eb), CS_OK);
	T_EQ_INT(cs_keys_day(keys, CS_CL_DHCP, 20001, 1, &b, &eb), CS_OK);
	cs_buf_init(&c, NULL, 0, 1 << 20);
	cs_buf_init(&m, NULL, 0, 1 << 20);
	cs_seal(a, 7, "subscriber", 10, &c);
	T_CHECK(memmem(c.data, c.len, "subscriber", 10) == NULL);
	T_EQ_INT(cs_unseal(a, 7, c.data, c.len, &m), CS_OK);
	T_EQ_INT(m.len, 10);
	cs_buf_reset(&m);
	T_EQ_INT(cs_unseal(b, 7, c.data, c.len, &m), CS_ECRYPTO); /* key */
	T_EQ_INT(cs_unseal(a, 8, c.data, c.len, &m), CS_ECRYPTO); /* ad */
	c.data[30] ^= 1;
	T_EQ_INT(cs_unseal(a, 7, c.data, c.len, &m), CS_ECRYPTO); /* bits */
	cs_buf_release(&c);
	cs_buf_release(&m);
	cs_keys_free(keys);
}

static void
test_merge_dhcp(void)
{
	struct cs_obs o = obs(CS_OBS_OPEN, "dhcp|100.64.0.1|02:00:00:00:00:01",
	    "100.64.0.1", T0, T0 + 120 * CS_US);
	struct cs_binding *b = cs_binding_new(o.key, CS_SRC_DHCPD);
	enum cs_end_known k;
	cs_time end;

	cs_binding_merge(b, &o);
	end = cs_binding_end(b, &k);
	T_EQ_INT(k, CS_END_INFERRED);
	T_EQ_INT(end, T0 + 120 * CS_US);
	/* a renewal before expiry extends the same binding */
	o = obs(CS_OBS_OPEN, b->key, "100.64.0.1", T0 + 60 * CS_US,
	    T0 + 180 * CS_US);
	T_CHECK(cs_binding_accepts(b, &o));
	cs_binding_merge(b, &o);
	T_EQ_INT(cs_binding_end(b, &k), T0 + 180 * CS_US);
	/* an ACK well after expiry is a new binding */
	o = obs(CS_OBS_OPEN, b->key, "100.64.0.1", T0 + 3 * H, T0 + 4 * H);
	T_CHECK(!cs_binding_accepts(b, &o));
	/* a release ends it: observed */
	o = obs(
	    CS_OBS_CLOSE, b->key, "100.64.0.1", T0 + 100 * CS_US, CS_TIME_NONE);
	T_CHECK(cs_binding_accepts(b, &o));
	cs_binding_merge(b, &o);
	T_EQ_INT(cs_binding_end(b, &k), T0 + 100 * CS_US);
	T_EQ_INT(k, CS_END_OBSERVED);
	/* after a release, a new ACK is a new binding */
	o = obs(CS_OBS_OPEN, b->key, "100.64.0.1", T0 + 200 * CS_US,
	    T0 + 320 * CS_US);
	T_CHECK(!cs_binding_accepts(b, &o));
	cs_binding_free(b);
}

static void
test_merge_order_independent(void)
{
	struct cs_obs o[3];
	struct cs_binding *x, *y;
	struct cs_buf bx, by;
	int i;

	o[0] = obs(CS_OBS_OPEN, "radius|abc", "100.64.9.9", T0, CS_TIME_NONE);
	o[1] =
	    obs(CS_OBS_OPEN, "radius|abc", "100.64.9.9", T0 + H, CS_TIME_NONE);
	o[2] = obs(
	    CS_OBS_CLOSE, "radius|abc", "100.64.9.9", T0 + 2 * H, CS_TIME_NONE);
	for (i = 0; i < 3; i++)
		o[i].src = CS_SRC_RADIUS;
	x = cs_binding_new(o[0].key, CS_SRC_RADIUS);
	y = cs_binding_new(o[0].key, CS_SRC_RADIUS);
	for (i = 0; i < 3; i++)
		cs_binding_merge(x, &o[i]);
	for (i = 2; i >= 0; i--)
		cs_binding_merge(y, &o[i]);
	cs_buf_init(&bx, NULL, 0, 1 << 20);
	cs_buf_init(&by, NULL, 0, 1 << 20);
	cs_binding_encode(x, &bx);
	cs_binding_encode(y, &by);
	T_EQ_INT(bx.len, by.len);
	T_CHECK(bx.len == by.len && memcmp(bx.data, by.data, bx.len) == 0);
	/* NAS reset after the close changes nothing; before it, it wins */
	T_EQ_INT(cs_binding_reset(x, T0 + 3 * H, "off", 3), 0);
	T_EQ_INT(cs_binding_reset(x, T0 + 90 * 60 * CS_US, "off", 3), 1);
	{
		enum cs_end_known k;
		T_EQ_INT(cs_binding_end(x, &k), T0 + 90 * 60 * CS_US);
		T_EQ_INT(k, CS_END_INFERRED);
	}
	cs_buf_release(&bx);
	cs_buf_release(&by);
	cs_binding_free(x);
	cs_binding_free(y);
}

static void
test_encode_roundtrip(void)
{
	struct cs_obs o = obs(CS_OBS_OPEN, "dhcp|100.64.0.1|02:00:00:00:00:01",
	    "100.64.0.1", T0, T0 + H);
	struct cs_binding *b = cs_binding_new(o.key, CS_SRC_DHCPD), *c = NULL;
	struct cs_buf e1, e2;

	o.has_mac = 1;
	memcpy(o.mac, "\x02\0\0\0\0\x01", 6);
	o.hostname = cs_span_cstr("laptop");
	cs_binding_merge(b, &o);
	cs_buf_init(&e1, NULL, 0, 1 << 20);
	cs_buf_init(&e2, NULL, 0, 1 << 20);
	cs_binding_encode(b, &e1);
	T_EQ_INT(cs_binding_decode(e1.data, e1.len, &c), CS_OK);
	cs_binding_encode(c, &e2);
	T_CHECK(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	T_EQ_STR(c->f[CS_F_HOSTNAME], "laptop");
	T_EQ_STR(c->ev[CS_EV_LAST].raw, "raw record");
	/* damaged input is refused, never read past */
	{
		struct cs_binding *bad = NULL;
		T_EQ_INT(
		    cs_binding_decode(e1.data, e1.len - 3, &bad), CS_EPARSE);
		T_CHECK(bad == NULL);
	}
	cs_binding_free(b);
	cs_binding_free(c);
	cs_buf_release(&e1);
	cs_buf_release(&e2);
}

static void
test_store_spanning(void)
{
	char k[256], d[256];
	struct cs_store *s;
	struct cs_errbuf eb;
	struct cs_obs o =
	    obs(CS_OBS_OPEN, "radius|long", "100.64.3.3", T0, CS_TIME_NONE);
	struct cs_binding *b = cs_binding_new(o.key, CS_SRC_RADIUS);
	struct cs_hit *h;
	size_t n;
	struct cs_addr a;

	path(k, sizeof(k), "keys4");
	path(d, sizeof(d), "data4");
	o.src = CS_SRC_RADIUS;
	cs_binding_merge(b, &o);
	o.kind = CS_OBS_CLOSE;
	o.time = T0 + 50 * H; /* two days later */
	cs_binding_merge(b, &o);
	T_EQ_INT(cs_store_open(d, k, CS_STORE_RW, &s, &eb), CS_OK);
	T_EQ_INT(cs_store_put_binding(s, b, &eb), CS_OK);
	T_EQ_INT(cs_store_commit(s, &eb), CS_OK);
	cs_addr_parse(cs_span_cstr("100.64.3.3"), &a);
	/* found from any instant it covers, in every day partition */
	T_EQ_INT(cs_store_who(s, &a, T0 + 1 * H, &h, &n, &eb), CS_OK);
	T_EQ_INT(n, 1);
	cs_hits_free(h, n);
	T_EQ_INT(cs_store_who(s, &a, T0 + 30 * H, &h, &n, &eb), CS_OK);
	T_EQ_INT(n, 1);
	cs_hits_free(h, n);
	T_EQ_INT(cs_store_who(s, &a, T0 + 50 * H, &h, &n, &eb), CS_OK);
	T_EQ_INT(n, 0);
	cs_hits_free(h, n);
	/* the end moves earlier: copies in days no longer covered go */
	b->close_at = T0 + 2 * H;
	b->dirty = 1;
	T_EQ_INT(cs_store_put_binding(s, b, &eb), CS_OK);
	T_EQ_INT(cs_store_commit(s, &eb), CS_OK);
	T_EQ_INT(cs_store_who(s, &a, T0 + 30 * H, &h, &n, &eb), CS_OK);
	T_EQ_INT(n, 0);
	cs_hits_free(h, n);
	{
		struct cs_mail *m;
		size_t nm;
		T_EQ_INT(cs_store_dump(s, &h, &n, &m, &nm), CS_OK);
		T_EQ_INT(n, 1);
		cs_hits_free(h, n);
		cs_mail_free(m, nm);
	}
	cs_store_close(s);
	cs_binding_free(b);
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 2;
	T_RUN(test_keys_stable);
	T_RUN(test_keys_refused);
	T_RUN(test_seal);
	T_RUN(test_merge_dhcp);
	T_RUN(test_merge_order_independent);
	T_RUN(test_encode_roundtrip);
	T_RUN(test_store_spanning);
	rc = T_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
