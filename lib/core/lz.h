/*
 * lz - a small LZ77 compressor for what the store seals (binding records,
 * SMTP envelopes): log records repeat themselves (a session's Start,
 * Interim and Stop share most lines), and every byte not written is a byte
 * SQLite, the WAL, the kernel and XChaCha20 do not have to move.
 *
 * The stream is the LZ4 block format: sequences of a token (literal count
 * << 4 | match length - 4, 15 meaning "more bytes follow, 255 at a time"),
 * the literals, and a 2-byte little-endian offset back into the output;
 * the last sequence has literals only.  Greedy matching, one hash slot per
 * 4-byte prefix, a 64 KiB window.  Written here, from the format alone.
 *
 * The decoder trusts nothing: every length and offset is checked against
 * the input and the declared output size (CS_EPARSE otherwise).
 */
#ifndef CS_LZ_H
#define CS_LZ_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* largest output cs_lz_decompress accepts (the seal buffers' limit) */
#define CS_LZ_MAXRAW (64u * 1024 * 1024)

/* cs_lz_compress - append the compressed form of src[0..n) to out */
void cs_lz_compress(const void *src, size_t n, struct cs_buf *out);
/*
 * cs_lz_decompress - append exactly rawlen bytes decoded from src[0..n) to
 * out; CS_EPARSE (out unchanged) if the stream is damaged or does not
 * decode to exactly rawlen bytes
 */
enum cs_err cs_lz_decompress(
    const void *src, size_t n, size_t rawlen, struct cs_buf *out);

#endif
