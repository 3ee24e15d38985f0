/*
 * fuzz_link - what the delivery link reads from an agency: the stream is
 * split into PDUs with li_link_frame as the link does (a 64 KiB window),
 * and each is checked with li_link_is_ka_resp.  Differential check: every
 * PDU that H1's strict decoder calls a keep-alive response is one for
 * the link too, and no keep-alive (request) is taken for a response.
 */
#include <stdlib.h>
#include <string.h>

#include "li/link.h"
#include "li/pspdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	long fl;

	while (off < size) {
		size_t n = size - off;

		if (n > 65536)
			n = 65536;
		fl = li_link_frame(data + off, n);
		if (fl <= 0)
			break;
		if ((size_t)fl > n)
			abort();
		if (li_pdu_is_keepalive(data + off, (size_t)fl, 1) &&
		    !li_link_is_ka_resp(data + off, (size_t)fl))
			abort();
		if (li_pdu_is_keepalive(data + off, (size_t)fl, 0) &&
		    li_link_is_ka_resp(data + off, (size_t)fl))
			abort();
		off += (size_t)fl;
	}
	return 0;
}
