/*
 * nat_ipfix_test - the IPFIX decoder: the real RFC 8158 capture (answers
 * from tshark-V.txt), templates after data, two exporters with different
 * natEvent numbering, withdrawal, options templates, truncation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "fmt/ipfix.h"
#include "t.h"

struct ev {
	int kind, event, proto, lo, hi, iport;
	char inside[CS_ADDR_STRLEN], pub[CS_ADDR_STRLEN];
	char time[40];
};

static struct ev evs[64];
static int nev, nrej, nskip;

static void
g_obs(void *arg, const struct cs_obs *o)
{
	struct ev *e;

	(void)arg;
	if (o->kind != CS_OBS_NAT || nev == 64)
		return;
	e = &evs[nev++];
	e->kind = o->nat->kind;
	e->event = o->nat->event;
	e->proto = o->nat->proto;
	e->lo = o->nat->port_lo;
	e->hi = o->nat->port_hi;
	e->iport = o->nat->inside_port;
	cs_addr_format(&o->nat->inside, e->inside);
	cs_addr_format(&o->nat->pub, e->pub);
	cs_time_format(o->time, e->time);
}

static void
g_rej(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	(void)field;
	(void)reason;
	(void)raw;
	nrej++;
}

static void
g_skip(void *arg, const char *what)
{
	(void)arg;
	(void)what;
	nskip++;
}

static struct cs_sink sink = {NULL, g_obs, g_rej, g_skip};

static void
reset(void)
{
	nev = nrej = nskip = 0;
	memset(evs, 0, sizeof(evs));
}

static void
test_sample_pcap(void)
{
	FILE *f = fopen("tests/data/cgnat/rfc8158-ipfix-lo.pcap", "rb");
	uint8_t buf[4096];
	size_t n;
	struct cs_ipfix *x = cs_ipfix_new(&sink);
	struct cs_errbuf eb = {""};

	reset();
	T_CHECK(f != NULL);
	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	T_EQ_INT(cs_ipfix_pcap(x, buf, n, 4740, &eb), CS_OK);
	T_EQ_INT(nrej, 0);
	T_EQ_INT(nev, 7);
	/* frame 2: address binding create, two port block allocations */
	T_EQ_INT(evs[0].kind, CS_NAT_BINDING);
	T_EQ_STR(evs[0].inside, "100.64.0.10");
	T_EQ_STR(evs[0].pub, "203.0.113.5");
	T_EQ_STR(evs[0].time, "2026-11-29T20:50:15.381000Z");
	T_EQ_INT(evs[1].kind, CS_NAT_BLOCK);
	T_EQ_INT(evs[1].lo, 1024);
	T_EQ_INT(evs[1].hi, 2047);
	T_EQ_STR(evs[2].inside, "100.64.0.11");
	T_EQ_INT(evs[2].lo, 2048);
	T_EQ_INT(evs[2].hi, 3071);
	/* frame 3: NAT44 session create x2 */
	T_EQ_INT(evs[3].kind, CS_NAT_SESSION);
	T_EQ_INT(evs[3].event, CS_NAT_CREATE);
	T_EQ_INT(evs[3].proto, 6);
	T_EQ_INT(evs[3].iport, 37700);
	T_EQ_INT(evs[3].lo, 1100);
	T_EQ_STR(evs[4].inside, "100.64.0.11");
	T_EQ_INT(evs[4].iport, 40000);
	T_EQ_INT(evs[4].lo, 2265);
	T_EQ_INT(evs[4].proto, 17);
	/* frame 4: session delete, port block de-allocation */
	T_EQ_INT(evs[5].event, CS_NAT_DELETE);
	T_EQ_INT(evs[5].kind, CS_NAT_SESSION);
	T_EQ_STR(evs[5].time, "2026-11-29T20:51:15.381000Z");
	T_EQ_INT(evs[6].kind, CS_NAT_BLOCK);
	T_EQ_INT(evs[6].event, CS_NAT_DELETE);
	T_EQ_STR(evs[6].time, "2026-11-29T21:50:15.381000Z");
	T_EQ_INT(cs_ipfix_stats(x)->messages, 4);
	/* every truncation of the capture: no crash, no more events */
	for (size_t k = 0; k < n; k += 7) {
		reset();
		(void)cs_ipfix_pcap(x, buf, k, 0, &eb);
		T_CHECK(nev <= 7);
	}
	cs_ipfix_free(x);
}

/* ---- a small message writer ---- */

struct w {
	uint8_t b[2048];
	size_t n, set;
};

static void
w16(struct w *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)(v >> 8);
	w->b[w->n++] = (uint8_t)v;
}

static void
w32(struct w *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v & 0xffff);
}

static void
w8(struct w *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void
msg_begin(struct w *w, uint32_t dom)
{
	w->n = 0;
	w16(w, 10);
	w16(w, 0);
	w32(w, 1800000000u);
	w32(w, 0);
	w32(w, dom);
}

static void
msg_end(struct w *w)
{
	w->b[2] = (uint8_t)(w->n >> 8);
	w->b[3] = (uint8_t)w->n;
}

static void
set_begin(struct w *w, unsigned id)
{
	w->set = w->n;
	w16(w, id);
	w16(w, 0);
}

static void
set_end(struct w *w)
{
	size_t len = w->n - w->set;

	w->b[w->set + 2] = (uint8_t)(len >> 8);
	w->b[w->set + 3] = (uint8_t)len;
}

/* port block template: 323, 230, 8, 225, 361, 362 */
static void
pb_template(struct w *w, unsigned id)
{
	set_begin(w, 2);
	w16(w, id);
	w16(w, 6);
	w16(w, 323);
	w16(w, 8);
	w16(w, 230);
	w16(w, 1);
	w16(w, 8);
	w16(w, 4);
	w16(w, 225);
	w16(w, 4);
	w16(w, 361);
	w16(w, 2);
	w16(w, 362);
	w16(w, 2);
	set_end(w);
}

static void
pb_data(struct w *w, unsigned id, unsigned ev, uint8_t host, unsigned lo)
{
	set_begin(w, id);
	w32(w, 0);
	w32(w, 1800000000u * 1000u % 0xffffffffu); /* low word: any */
	w8(w, ev);
	w8(w, 100);
	w8(w, 64);
	w8(w, 0);
	w8(w, host);
	w8(w, 203);
	w8(w, 0);
	w8(w, 113);
	w8(w, 9);
	w16(w, lo);
	w16(w, lo + 127);
	set_end(w);
}

static struct cs_addr
ex(const char *s)
{
	struct cs_addr a;

	cs_addr_parse(cs_span_cstr(s), &a);
	return a;
}

static void
test_template_after_data(void)
{
	struct cs_ipfix *x = cs_ipfix_new(&sink);
	struct cs_addr a = ex("192.0.2.1");
	struct w w;

	reset();
	msg_begin(&w, 7);
	pb_data(&w, 300, 16, 1, 1024);
	msg_end(&w);
	T_EQ_INT(cs_ipfix_message(x, &a, w.b, w.n, 1), CS_OK);
	T_EQ_INT(nev, 0);
	T_EQ_INT(cs_ipfix_stats(x)->held, 1);
	/* the template of another domain does not release it */
	msg_begin(&w, 8);
	pb_template(&w, 300);
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 2);
	T_EQ_INT(nev, 0);
	msg_begin(&w, 7);
	pb_template(&w, 300);
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 3);
	T_EQ_INT(nev, 1);
	T_EQ_INT(evs[0].kind, CS_NAT_BLOCK);
	T_EQ_INT(evs[0].lo, 1024);
	T_EQ_INT(evs[0].hi, 1151);
	T_EQ_STR(evs[0].inside, "100.64.0.1");
	/* withdrawn: data is held again, not decoded */
	msg_begin(&w, 7);
	set_begin(&w, 2);
	w16(&w, 300);
	w16(&w, 0);
	set_end(&w);
	pb_data(&w, 300, 16, 2, 2048);
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 4);
	T_EQ_INT(nev, 1);
	T_EQ_INT(cs_ipfix_stats(x)->withdrawn, 1);
	/* redefined: the held set comes out */
	msg_begin(&w, 7);
	pb_template(&w, 300);
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 5);
	T_EQ_INT(nev, 2);
	T_EQ_STR(evs[1].inside, "100.64.0.2");
	/* withdraw all templates of the domain */
	msg_begin(&w, 7);
	set_begin(&w, 2);
	w16(&w, 2);
	w16(&w, 0);
	set_end(&w);
	pb_data(&w, 300, 16, 3, 4096);
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 6);
	T_EQ_INT(nev, 2);
	T_EQ_INT(nrej, 0);
	cs_ipfix_free(x);
}

static void
test_two_numberings(void)
{
	struct cs_ipfix *x = cs_ipfix_new(&sink);
	struct cs_addr a = ex("192.0.2.1"), b = ex("192.0.2.2");
	struct w w;

	reset();
	T_EQ_INT(cs_ipfix_draft_numbering(x, &b), CS_OK);
	msg_begin(&w, 1);
	pb_template(&w, 256);
	pb_data(&w, 256, 16, 1, 1024); /* IANA: block allocation */
	pb_data(&w, 256, 14, 2, 2048); /* IANA: address binding */
	msg_end(&w);
	cs_ipfix_message(x, &a, w.b, w.n, 1);
	cs_ipfix_message(x, &b, w.b, w.n, 2);
	T_EQ_INT(nev, 3);
	T_EQ_INT(evs[0].kind, CS_NAT_BLOCK);
	T_EQ_INT(evs[1].kind, CS_NAT_BINDING);
	/* draft-02: 16 is not a holder event; 14 is a block allocation */
	T_EQ_INT(evs[2].kind, CS_NAT_BLOCK);
	T_EQ_STR(evs[2].inside, "100.64.0.2");
	T_EQ_INT(nskip, 1);
	T_EQ_INT(evs[3].kind, 0);
	cs_ipfix_free(x);
}

static void
test_options_and_bad(void)
{
	struct cs_ipfix *x = cs_ipfix_new(&sink);
	struct cs_addr a = ex("192.0.2.1");
	struct w w;

	reset();
	msg_begin(&w, 1);
	set_begin(&w, 3); /* options template 400: scope 1 field */
	w16(&w, 400);
	w16(&w, 2);
	w16(&w, 1);
	w16(&w, 149);
	w16(&w, 4); /* observationDomainId */
	w16(&w, 41);
	w16(&w, 8); /* exportedMessageTotalCount */
	set_end(&w);
	set_begin(&w, 400);
	w32(&w, 1);
	w32(&w, 0);
	w32(&w, 99);
	set_end(&w);
	msg_end(&w);
	T_EQ_INT(cs_ipfix_message(x, &a, w.b, w.n, 1), CS_OK);
	T_EQ_INT(nev, 0);
	T_EQ_INT(nrej, 0);
	T_EQ_INT(cs_ipfix_stats(x)->options, 1);
	/* length beyond the datagram */
	T_EQ_INT(cs_ipfix_message(x, &a, w.b, w.n - 1, 2), CS_EPARSE);
	T_EQ_INT(nrej, 1);
	/* not IPFIX */
	w.b[1] = 9;
	T_EQ_INT(cs_ipfix_message(x, &a, w.b, w.n, 3), CS_EPARSE);
	T_EQ_INT(nrej, 2);
	/* a data record cut short */
	msg_begin(&w, 1);
	pb_template(&w, 256);
	set_begin(&w, 256);
	w32(&w, 0);
	w32(&w, 0);
	w8(&w, 16);
	w8(&w, 100);
	set_end(&w);
	msg_end(&w);
	T_EQ_INT(cs_ipfix_message(x, &a, w.b, w.n, 4), CS_OK);
	T_EQ_INT(nev, 0);
	cs_ipfix_free(x);
}

int
main(void)
{
	T_RUN(test_sample_pcap);
	T_RUN(test_template_after_data);
	T_RUN(test_two_numberings);
	T_RUN(test_options_and_bad);
	return T_DONE();
}
