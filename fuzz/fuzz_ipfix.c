/*
 * fuzz_ipfix - the IPFIX decoder and the pcap reader over arbitrary input.
 * The first byte chooses: even, a pcap file; odd, a stream of messages
 * (each preceded by a 2-byte length, from one of two exporters, the
 * second with draft numbering).  Every NAT event reported is checked.
 */
#include <stdlib.h>
#include <string.h>

#include "core/nat.h"
#include "fmt/ipfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
f_obs(void *arg, const struct cs_obs *o)
{
	const struct cs_nat *n = o->nat;
	char a[CS_ADDR_STRLEN], t[40];

	(void)arg;
	if (o->kind != CS_OBS_NAT || n == NULL || o->src != CS_SRC_IPFIX)
		abort();
	if (n->kind < CS_NAT_SESSION || n->kind > CS_NAT_BINDING)
		abort();
	if (n->port_lo < 0 || n->port_hi > 65535 || n->port_lo > n->port_hi)
		abort();
	if ((n->inside.family != 4 && n->inside.family != 6) ||
	    (n->pub.family != 4 && n->pub.family != 6))
		abort();
	cs_addr_format(&n->inside, a);
	cs_addr_format(&n->pub, a);
	cs_time_format(o->time, t);
	if (o->raw.len && memchr(o->raw.p, 0, o->raw.len) == (void *)1)
		abort();
}

static void
f_rej(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	if (field == NULL || reason == NULL || raw.p == NULL)
		abort();
}

static void
f_skip(void *arg, const char *what)
{
	(void)arg;
	if (what == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_sink sink = {NULL, f_obs, f_rej, f_skip};
	struct cs_ipfix *x = cs_ipfix_new(&sink);
	struct cs_errbuf eb;
	struct cs_addr e[2];
	size_t off = 1, n;
	uint64_t msg = 0;

	memset(e, 0, sizeof(e));
	cs_addr_parse(cs_span_cstr("192.0.2.1"), &e[0]);
	cs_addr_parse(cs_span_cstr("192.0.2.2"), &e[1]);
	cs_ipfix_draft_numbering(x, &e[1]);
	if (size == 0 || (data[0] & 1) == 0) {
		(void)cs_ipfix_pcap(
		    x, data + (size ? 1 : 0), size ? size - 1 : 0, 0, &eb);
	} else {
		while (size - off >= 2) {
			n = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (n > size - off)
				n = size - off;
			(void)cs_ipfix_message(
			    x, &e[msg & 1], data + off, n, msg + 1);
			msg++;
			off += n;
		}
	}
	cs_ipfix_free(x);
	return 0;
}
