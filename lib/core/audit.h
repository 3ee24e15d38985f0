/*
 * audit - the append-only, hash-chained audit trail of everything done
 * with legal process: cases created or changed, documents added, rule
 * outcomes acknowledged, approvals, lookups (their parameters and how many
 * results), refusals, exports.  Kept apart from diagnostics, in
 * DATA/audit.db.
 *
 * Each entry: seq (1, 2, ...), time, actor, action, case id (or empty),
 * detail (JSON text), prev (hash of the previous entry) and hash =
 * SHA-256 over all of these.  The detail may name targets (addresses,
 * user names), so it is sealed under a key kept in the key directory
 * (KEYS/audit.key); the chain covers the sealed bytes, so verification
 * needs no key while reading the detail does.
 *
 * cs_audit_verify walks the chain and names the first entry that was
 * changed, removed or reordered.  Not thread-safe; one writer at a time
 * (SQLite locking serialises processes).
 *
 * Storage (DATA/audit.db, SQLite in WAL mode):
 *   entry(seq INTEGER PRIMARY KEY, time, actor, action, case_id,
 *         detail_sealed BLOB, prev BLOB(32), hash BLOB(32))
 *   head(id = 1, seq, hash, mac)   the last entry, updated with each append
 * An append reads the last entry and the head, checks that they agree,
 * and inserts the next entry and the new head in one BEGIN IMMEDIATE
 * transaction, so concurrent writers cannot fork the chain and nothing
 * is appended on top of a trail whose tail was cut.  Triggers refuse
 * UPDATE and DELETE of entries (a guard against mistakes, not attackers).
 *
 * hash = SHA-256("custos-audit-v1\0" || F(seq) || F(time) || F(actor) ||
 *   F(action) || F(case_id) || F(detail_sealed) || F(prev)), where F(x) is
 * the length of x as 8 bytes big-endian (all ones for SQL NULL: no
 * detail) followed by x; seq and time are 8-byte big-endian two's
 * complement (time in microseconds since the epoch).  The first entry's
 * prev is 32 zero bytes.
 *
 * Anyone who can write the file can recompute the whole chain, so the
 * head also carries mac = keyed BLAKE2b (a subkey of audit.key) over
 * seq (8 bytes big-endian) || hash: with the key, cs_audit_verify
 * catches a trail rebuilt or cut (head rewritten) by someone without the
 * key, and cs_audit_append refuses to extend such a trail (except with a
 * key it has just created, when the old key is gone).  A whole file put
 * back from an older copy stays consistent: keep the head hash
 * (cs_audit_head; `custos audit verify` prints it) somewhere else.
 *
 * detail_sealed = 0x01 || nonce (24) || XChaCha20-Poly1305 ciphertext,
 * under a key derived from KEYS/audit.key (32 random bytes, mode 0600,
 * created by the first append) with "custos audit detail v1" || seq as
 * associated data, so a detail moved to another entry does not open.
 *
 * Errors: CS_EPERM (key directory unsafe, handle read-only), CS_EINVAL
 * (actor/action/case id empty, not UTF-8 or with control characters),
 * CS_EPARSE (detail not JSON), CS_ETOOBIG, CS_ENOENT (no audit.db when
 * reading), CS_ECRYPTO (the trail is damaged), CS_EDB, CS_EIO; eb says
 * what happened.
 */
#ifndef CS_AUDIT_H
#define CS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

#define CS_AUDIT_MAX_NAME 512             /* bytes of actor, action, case id */
#define CS_AUDIT_MAX_DETAIL (1024 * 1024) /* bytes of detail JSON */
#define CS_AUDIT_MAX_DEPTH 64             /* nesting of detail JSON */

struct cs_audit;

/*
 * cs_audit_open - open (creating in write mode) DATA/audit.db.  Writing
 * needs keysdir (created 0700 if missing, like the day keys); reading
 * takes NULL or a missing keysdir as "no key" (details then read NULL).
 * A keysdir that is group/world accessible or inside datadir is refused
 * (CS_EPERM).  Reading never creates audit.db (CS_ENOENT).
 */
enum cs_err cs_audit_open(const char *datadir, const char *keysdir, int write,
    struct cs_audit **out, struct cs_errbuf *eb);
void cs_audit_close(struct cs_audit *a);

/*
 * cs_audit_append - add one entry, committed before it returns.  actor and
 * action are required; case_id may be NULL; detail is JSON text or NULL.
 */
enum cs_err cs_audit_append(struct cs_audit *a, const char *actor,
    const char *action, const char *case_id, const char *detail,
    struct cs_errbuf *eb);

struct cs_audit_entry {
	int64_t seq;
	cs_time time;
	char *actor, *action, *case_id; /* owned */
	char *detail;                   /* owned; NULL if unreadable */
	char hash[65];                  /* hex */
};

/* cs_audit_list - entries (of one case, or all when case_id is NULL) */
enum cs_err cs_audit_list(struct cs_audit *a, const char *case_id,
    struct cs_audit_entry **out, size_t *n, struct cs_errbuf *eb);
void cs_audit_entries_free(struct cs_audit_entry *e, size_t n);

/*
 * cs_audit_verify - CS_OK if the chain is whole (and its head sealed by
 * the audit key, when the handle has the key); else CS_ECRYPTO with the
 * first bad entry's sequence number in *bad and the reason in eb.
 */
enum cs_err cs_audit_verify(
    struct cs_audit *a, int64_t *bad, struct cs_errbuf *eb);

/*
 * cs_audit_head - the last entry according to the head record: *seq 0
 * and hash "" for an empty trail.
 */
enum cs_err cs_audit_head(
    struct cs_audit *a, int64_t *seq, char hash[65], struct cs_errbuf *eb);

/*
 * cs_audit_has_key - can details be read?  (0 when KEYS/audit.key does
 * not exist or no key directory was given: cs_audit_list then returns
 * every detail as NULL.)
 */
int cs_audit_has_key(const struct cs_audit *a);

/*
 * cs_audit_json_check - is p[0..n) exactly one JSON value (RFC 8259,
 * UTF-8, at most CS_AUDIT_MAX_DEPTH deep)?  CS_OK or CS_EPARSE.
 */
enum cs_err cs_audit_json_check(const char *p, size_t n);

#endif
