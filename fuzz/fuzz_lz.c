/*
 * fuzz_lz - the store's compressor (core/lz.h) and the packed records built
 * on it: arbitrary bytes as a stream never crash the decoder; the input
 * compressed decodes back to itself; arbitrary bytes as a (packed) binding
 * record decode or are refused.
 *
 * Input: [u8 mode][rest].  mode & 3 == 0: rest is a stream, its first 3
 * bytes the declared length; 1: rest round-trips; 2: rest is a binding
 * record for cs_binding_decode; 3: rest, with the T_LZ header (0xf0, u32
 * length) in front, decoded as a packed binding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/binding.h"
#include "core/lz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_buf a, b;
	struct cs_binding *bd = NULL;
	size_t raw;
	uint8_t *hdr;

	if (size < 1)
		return 0;
	cs_buf_init(&a, NULL, 0, CS_LZ_MAXRAW);
	cs_buf_init(&b, NULL, 0, CS_LZ_MAXRAW);
	switch (data[0] & 3) {
	case 0:
		if (size < 4)
			break;
		raw = (size_t)data[1] | (size_t)data[2] << 8 |
		    (size_t)data[3] << 16;
		if (cs_lz_decompress(data + 4, size - 4, raw, &a) == CS_OK &&
		    a.len != raw)
			abort();
		break;
	case 1:
		cs_lz_compress(data + 1, size - 1, &a);
		if (cs_lz_decompress(a.data, a.len, size - 1, &b) != CS_OK ||
		    b.len != size - 1 || memcmp(b.data, data + 1, b.len) != 0)
			abort();
		break;
	case 2:
		if (cs_binding_decode(data + 1, size - 1, &bd) == CS_OK)
			cs_binding_free(bd);
		break;
	default:
		hdr = malloc(size + 4);
		if (hdr == NULL)
			break;
		hdr[0] = 0xf0;
		raw = (size - 1) * 3;
		memcpy(hdr + 1, &(uint32_t){(uint32_t)raw}, 4);
		memcpy(hdr + 5, data + 1, size - 1);
		if (cs_binding_decode(hdr, size + 4, &bd) == CS_OK)
			cs_binding_free(bd);
		free(hdr);
		break;
	}
	cs_buf_release(&a);
	cs_buf_release(&b);
	return 0;
}
