/*
 * spool - the on-disk queue of encoded PS-PDUs for one (agency, HI2|HI3):
 * records made while the agency is unreachable, or while custos restarts,
 * are delivered in order afterwards, none lost.
 *
 * One directory per spool (0700, files 0600):
 *   seg-NNNNNNNNNNNNNNNN.spl  append-only segments of records, numbered
 *   writer.state              the writer's durable state (atomic replace):
 *                             the committed end (segment, offset) and the
 *                             next sequenceNumber of every stream
 *   reader.ack                the reader's acknowledgement cursor
 *   writer.lock, reader.lock  flock(2): one writer, one reader at a time
 *
 * A record is a 56-byte header (magic "CSR1", payload length, flags, the
 * stream key and sequenceNumber the writer reserved for it, a random
 * 24-byte nonce), the payload sealed with XChaCha20-Poly1305 under a key
 * derived from cfg->key (additional data: the header and the record's
 * segment and offset), and the 16-byte tag.  With cfg->key NULL (tests
 * only) the payload is stored plain and the tag is a BLAKE2b hash.  The
 * stream key is a keyed hash of (LIID, CIN): no LIID is ever on disk.
 *
 * Writer (the capture side): li_spool_seq, li_spool_put, li_spool_sync.
 * li_spool_put writes the record at once (it survives a kill of the
 * process); li_spool_sync makes everything put so far durable (fsync) and
 * only then publishes it to the reader (the committed end in
 * writer.state).  On open the writer checks what lies past the committed
 * end, keeps every whole authentic record, truncates a torn tail, and
 * recovers the sequence counters as max(state, records), so a
 * sequenceNumber is never handed out twice.
 *
 * Reader (the delivery side, through li_link): li_spool_next reads
 * committed records in order from a read cursor; li_spool_ack makes an
 * acknowledgement cursor durable and deletes the segments wholly before
 * it; li_spool_rewind moves the read cursor back to the acknowledgement
 * (reconnect: resend everything not acknowledged).
 *
 * Bound: used bytes are the sizes of the segments present (the reader
 * deletes whole segments only; segments are max_bytes/16 long, 4 KiB to
 * 16 MiB).  li_spool_put refuses with CS_ETOOBIG when used + the record
 * would pass max_bytes (0: no bound).
 *
 * Diagnostics (eb) name the spool directory, segment and offset, never a
 * LIID or content.  Not thread-safe; one process per role.
 */
#ifndef CS_LI_SPOOL_H
#define CS_LI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define LI_SPOOL_KEYLEN 32
#define LI_SPOOL_MAX_PDU (1u << 20) /* the largest record payload */
#define LI_SPOOL_ALARM_PCT 80       /* alarm_pct 0 means this */

struct li_spool_cfg {
	const char *dir;          /* created (0700) if missing */
	uint64_t max_bytes;       /* bound on the segments; 0: none */
	unsigned alarm_pct;       /* li_spool_alarm at >= this % of max */
	const unsigned char *key; /* 32-byte sealing key, or NULL = plain
				     (tests only); borrowed for open only */
};

/* a place in the spool: the byte offset of a record in a segment */
struct li_spool_pos {
	uint64_t seg;
	uint64_t off;
};

struct li_spool_stats {
	uint64_t used, max;   /* bytes of segments, bound (0: none) */
	uint64_t segments;    /* segment files present */
	uint64_t put, synced; /* writer: records put, committed (session) */
	uint64_t refused;     /* writer: puts refused by the bound */
	uint64_t recovered;   /* writer: records found past the committed
				 end at open */
	uint64_t torn_bytes;  /* writer: bytes of torn tail cut at open */
	uint64_t read;        /* reader: records read (resends included) */
	uint64_t acks;        /* reader: acknowledgements made durable */
	unsigned streams;     /* writer: sequence counters */
};

struct li_spool;

/*
 * li_spool_open - open the spool in cfg->dir as its writer (writer=1) or
 * its reader (writer=0).  One writer and one reader may have it open at
 * once; a second writer (or reader) gets CS_EPERM.  NULL on failure, eb
 * says why (CS_EIO, CS_ECRYPTO for a record that fails authentication
 * within the committed part, CS_EPERM).
 */
struct li_spool *li_spool_open(
    const struct li_spool_cfg *cfg, int writer, struct cs_errbuf *eb);
/* li_spool_close - release everything (the writer does not sync) */
void li_spool_close(struct li_spool *sp);

/*
 * li_spool_seq - writer: reserve the next sequenceNumber of the stream
 * (liid, cin).  The next li_spool_put records it with its PDU, so that a
 * restarted writer recovers the counter from the records as well as from
 * writer.state; counters are persisted by li_spool_sync.  A put refused
 * by the bound gives the reservation back (the stream stays consecutive).
 */
uint32_t li_spool_seq(struct li_spool *sp, const char *liid, uint32_t cin);
/*
 * li_spool_put - writer: append one PDU (1..LI_SPOOL_MAX_PDU bytes).
 * CS_ETOOBIG when the bound is reached (nothing written), CS_EINVAL on a
 * reader or a bad size, CS_EIO on a failed write (nothing is left behind:
 * the segment is cut back).
 */
enum cs_err li_spool_put(
    struct li_spool *sp, const void *pdu, size_t n, struct cs_errbuf *eb);
/* li_spool_sync - writer: make everything put durable, then publish it */
enum cs_err li_spool_sync(struct li_spool *sp, struct cs_errbuf *eb);

/*
 * li_spool_next - reader: the next committed record after the read
 * cursor.  CS_OK: *pdu, *n point into the spool's buffer (valid until the
 * next call on sp) and the cursor moves past it; CS_ENOENT: nothing more
 * committed yet (call again later); CS_ECRYPTO/CS_EPARSE: a damaged
 * record (eb names segment and offset); CS_EIO.
 */
enum cs_err li_spool_next(
    struct li_spool *sp, const uint8_t **pdu, size_t *n, struct cs_errbuf *eb);
/* li_spool_tell - reader: the read cursor (after the last record read) */
struct li_spool_pos li_spool_tell(const struct li_spool *sp);
/* li_spool_acked - reader: the durable acknowledgement cursor */
struct li_spool_pos li_spool_acked(const struct li_spool *sp);
/*
 * li_spool_ack - reader: every record before pos (a value li_spool_tell
 * returned) is acknowledged: write reader.ack durably, delete segments
 * wholly before it.  A pos at or before the current one is a no-op.
 */
enum cs_err li_spool_ack(
    struct li_spool *sp, struct li_spool_pos pos, struct cs_errbuf *eb);
/* li_spool_rewind - reader: move the read cursor back to the ack cursor */
void li_spool_rewind(struct li_spool *sp);
/* li_spool_pos_cmp - <0, 0, >0 as a is before, at, after b */
int li_spool_pos_cmp(struct li_spool_pos a, struct li_spool_pos b);

/* li_spool_alarm - 1 when used >= alarm_pct of max_bytes */
int li_spool_alarm(const struct li_spool *sp);
/* li_spool_used - bytes of the segments as last counted */
uint64_t li_spool_used(const struct li_spool *sp);
/* li_spool_stats - counters and sizes (used is counted afresh) */
void li_spool_stats(struct li_spool *sp, struct li_spool_stats *st);
/* li_spool_dir - the directory (for diagnostics) */
const char *li_spool_dir(const struct li_spool *sp);

#endif
