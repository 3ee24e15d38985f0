/*
 * fuzz_pspdu - the strict PS-PDU decoder and the framer over arbitrary
 * bytes.  The input is split into PDUs with li_pdu_frame as `custos lemf`
 * does; each is decoded, rendered as JSON, and a decoded PDU is encoded
 * again and must decode to the same header and contents.
 */
#include <stdlib.h>
#include <string.h>

#include "li/pspdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_again(const struct li_pdu *d)
{
	struct li_hdr h = {d->liid, d->auth_cc, d->operator_id, d->ne_id,
	    d->cin, d->deliv_cc, d->seq, d->ts};
	struct li_hdronly ho;
	struct li_pdu e;
	struct cs_buf b;
	enum cs_err err = CS_OK;

	if (d->ts == CS_TIME_NONE || d->ts < 0)
		return;
	cs_buf_init(&b, NULL, 0, LI_PDU_MAX);
	switch (d->kind) {
	case LI_PDU_CC:
		err = li_enc_cc(&b, &h, d->dir, d->data, d->datalen);
		break;
	case LI_PDU_REPORT:
		memcpy(ho.b, d->data, d->datalen);
		ho.len = d->datalen;
		ho.iplen = 0;
		err = li_enc_report(&b, &h, d->dir, &ho);
		break;
	case LI_PDU_KEEPALIVE:
	case LI_PDU_KEEPALIVE_RESP:
		err =
		    li_enc_keepalive(&b, &h, d->kind == LI_PDU_KEEPALIVE_RESP);
		break;
	case LI_PDU_IRI:
		err = li_enc_iri(&b, &h, &d->iri);
		break;
	}
	if (err == CS_OK) {
		if (li_pdu_frame((const uint8_t *)b.data, b.len) != (long)b.len)
			abort();
		if (li_pdu_decode((const uint8_t *)b.data, b.len, &e, NULL) !=
		    CS_OK)
			abort();
		if (e.kind != d->kind || e.seq != d->seq || e.cin != d->cin ||
		    strcmp(e.liid, d->liid) != 0 || e.ts != d->ts)
			abort();
		if ((d->kind == LI_PDU_CC || d->kind == LI_PDU_REPORT) &&
		    (e.datalen != d->datalen ||
			memcmp(e.data, d->data, d->datalen) != 0 ||
			e.dir != d->dir))
			abort();
		if (d->kind == LI_PDU_IRI &&
		    (e.iri.event != d->iri.event ||
			strcmp(e.iri.username, d->iri.username) != 0 ||
			memcmp(&e.iri.addr, &d->iri.addr, sizeof(e.iri.addr)) !=
			    0))
			abort();
	}
	cs_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	struct li_pdu d;
	struct cs_errbuf eb;
	struct cs_buf j;

	/* the whole input as one PDU, then framed as a stream */
	eb.msg[0] = '\0';
	if (li_pdu_decode(data, size, &d, &eb) != CS_OK && eb.msg[0] == '\0')
		abort();
	while (off < size) {
		long n = li_pdu_frame(data + off, size - off);

		if (n <= 0)
			break;
		if ((size_t)n > size - off)
			abort();
		eb.msg[0] = '\0';
		if (li_pdu_decode(data + off, (size_t)n, &d, &eb) == CS_OK) {
			cs_buf_init(&j, NULL, 0, 1 << 20);
			li_pdu_json(&j, &d);
			if (cs_buf_error(&j) != CS_OK)
				abort();
			cs_buf_release(&j);
			check_again(&d);
			(void)li_pdu_is_keepalive(data + off, (size_t)n, 0);
		} else if (eb.msg[0] == '\0') {
			abort(); /* every rejection says why */
		}
		off += (size_t)n;
	}
	return 0;
}
