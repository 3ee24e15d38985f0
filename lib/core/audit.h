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
 */
#ifndef CS_AUDIT_H
#define CS_AUDIT_H

#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

struct cs_audit;

/* cs_audit_open - open (creating in write mode) DATA/audit.db */
enum cs_err cs_audit_open(const char *datadir, const char *keysdir,
    int write, struct cs_audit **out, struct cs_errbuf *eb);
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
	char *actor, *action, *case_id;	/* owned */
	char *detail;			/* owned; NULL if unreadable */
	char hash[65];			/* hex */
};

/* cs_audit_list - entries (of one case, or all when case_id is NULL) */
enum cs_err cs_audit_list(struct cs_audit *a, const char *case_id,
    struct cs_audit_entry **out, size_t *n, struct cs_errbuf *eb);
void cs_audit_entries_free(struct cs_audit_entry *e, size_t n);

/*
 * cs_audit_verify - CS_OK if the chain is whole; else CS_ECRYPTO with the
 * first bad entry's sequence number in *bad and the reason in eb.
 */
enum cs_err cs_audit_verify(struct cs_audit *a, int64_t *bad,
    struct cs_errbuf *eb);

#endif
