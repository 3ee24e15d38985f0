/*
 * store - the identity store: one SQLite file per retention class and UTC
 * day (a partition) under DATA/CLASS/YYYY-MM-DD.db -- radius and dhcp hold
 * bindings, smtp holds envelopes -- each sealed under its own key
 * (core/keys.h) so that each class is destroyed at its own time, plus
 * DATA/state.db for ingest offsets and the quarantine.
 *
 * A binding is written into every day partition its interval covers (a
 * "segment" per day, each carrying the whole sealed binding), so a day can
 * later be destroyed whole and every remaining day still answers for
 * itself.  Plaintext columns are times and 63-bit keyed tags only; the
 * addresses, identities and evidence are inside the sealed blob.
 *
 * Writers (ingest) hold one open transaction per touched day and commit
 * them together with cs_store_commit().  Readers open days read-only.
 * Not thread-safe: one store per thread.
 */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <stdint.h>

#include "core/binding.h"
#include "core/keys.h"
#include "util/err.h"

struct cs_store;

enum cs_store_mode { CS_STORE_RO = 0, CS_STORE_RW = 1 };

/* cs_store_open - open DATA and KEYS (created in RW mode) */
enum cs_err cs_store_open(const char *datadir, const char *keysdir,
    enum cs_store_mode mode, struct cs_store **out, struct cs_errbuf *eb);
/* cs_store_close - roll back anything uncommitted and free */
void cs_store_close(struct cs_store *s);

/* ---- write side ---- */

/* cs_store_put_binding - write b's segments; removes stale copies */
enum cs_err cs_store_put_binding(
    struct cs_store *s, struct cs_binding *b, struct cs_errbuf *eb);
/*
 * cs_store_find_key - bindings of key with a segment in day (decoded; the
 * caller frees each).  *n receives the count, at most max.
 */
enum cs_err cs_store_find_key(struct cs_store *s, int64_t day,
    struct cs_span key, struct cs_binding **out, int max, int *n);
/*
 * cs_store_may_have - 0 when day certainly holds nothing this run missed:
 * its identity partitions were all created by this run (what the run
 * dropped from memory, the fold's own filter remembers)
 */
int cs_store_may_have(struct cs_store *s, int64_t day);
/* cs_store_open_of_nas - open RADIUS bindings of a NAS in day, started before t
 */
enum cs_err cs_store_open_of_nas(struct cs_store *s, int64_t day,
    struct cs_span nas_key, cs_time before, struct cs_binding **out, int max,
    int *n);

struct cs_reset {
	char *nas_key; /* owned */
	cs_time t;
	char *raw; /* owned */
};
/* cs_store_put_reset - record a NAS reset; 0 if it was already known */
int cs_store_put_reset(struct cs_store *s, struct cs_span nas_key, cs_time t,
    struct cs_span raw, struct cs_errbuf *eb);
/* cs_store_resets - every NAS reset in the store (caller frees array+items) */
enum cs_err cs_store_resets(
    struct cs_store *s, struct cs_reset **out, size_t *n);

/*
 * cs_store_put_smtp - one SMTP envelope: the JSON text of the record, the
 * SASL user and client address it is indexed by (either may be empty).
 * qid ("server|queue id", empty for NOQUEUE rejects) names the message:
 * of two copies of one message within an hour, one holding every line of
 * the other (raw, the verbatim lines), the fuller is kept (CS_ESKIP when
 * the one given is not stored for that reason); fragments are both kept.
 */
enum cs_err cs_store_put_smtp(struct cs_store *s, cs_time t, struct cs_span key,
    struct cs_span qid, struct cs_span user, const struct cs_addr *ip,
    const char *json, struct cs_span raw, struct cs_errbuf *eb);

/*
 * cs_store_lock_class - take the writer lock of a class (DATA/CLASS/.writer,
 * flock, held until cs_store_close): one process writes a class at a time,
 * so two ingests cannot overwrite each other's bindings.  Every write
 * takes it before its first transaction.  CS_EBUSY (eb names the holder's
 * pid) when another process holds it.
 */
enum cs_err cs_store_lock_class(
    struct cs_store *s, enum cs_class cls, struct cs_errbuf *eb);

/* cs_store_skipped_purged - rows not written because their day was purged */
uint64_t cs_store_skipped_purged(const struct cs_store *s);

/* cs_store_commit - commit every open day transaction */
enum cs_err cs_store_commit(struct cs_store *s, struct cs_errbuf *eb);

/* ---- ingest bookkeeping (state.db) ---- */

struct cs_fileinfo {
	uint8_t fp[32]; /* SHA-256 of the first fp_len bytes */
	int64_t fp_len;
	int64_t offset; /* committed: resume here */
	int64_t line;   /* line number at offset */
};
/* cs_store_file_get - by path (when fp matches) or by fp; CS_ENOENT if new */
enum cs_err cs_store_file_get(struct cs_store *s, const char *path,
    const struct cs_fileinfo *probe_path, const struct cs_fileinfo *probe_fp,
    struct cs_fileinfo *out);
enum cs_err cs_store_file_set(struct cs_store *s, const char *path,
    const struct cs_fileinfo *fi, const char *format);
/*
 * cs_store_quarantine - keep a rejected record, sealed under today's key
 * of cls (purged with that class's day)
 */
enum cs_err cs_store_quarantine(struct cs_store *s, enum cs_class cls,
    const char *file, const uint8_t fp[32], uint64_t line, const char *field,
    const char *reason, struct cs_span raw);

/* one quarantined record, as listed by cs_store_quarantined */
struct cs_qrec {
	int64_t day;       /* day it was quarantined */
	enum cs_class cls; /* whose key seals it */
	char *file;        /* owned */
	int64_t line;
	char *field, *reason; /* owned */
	char *raw;            /* owned; NULL if its day key is gone */
};
/* cs_store_quarantined - every quarantined record, oldest first */
enum cs_err cs_store_quarantined(
    struct cs_store *s, struct cs_qrec **out, size_t *n);
void cs_qrecs_free(struct cs_qrec *q, size_t n);

/* ---- read side ---- */

struct cs_hit {
	struct cs_binding *b; /* owned by the hit */
	cs_time end;          /* end as answered (maybe trimmed) */
	enum cs_end_known end_known;
	int addr_index; /* which of b->addr matched */
};

/* cs_store_who - bindings covering address a at t (hits owned by caller) */
enum cs_err cs_store_who(struct cs_store *s, const struct cs_addr *a, cs_time t,
    struct cs_hit **out, size_t *n, struct cs_errbuf *eb);
/* cs_store_history - bindings of a username or MAC overlapping [from, to) */
enum cs_err cs_store_history(struct cs_store *s, const char *subscriber,
    cs_time from, cs_time to, struct cs_hit **out, size_t *n,
    struct cs_errbuf *eb);
/* SMTP envelope as stored */
struct cs_mail {
	cs_time t;
	char *json; /* owned */
};
/* cs_store_mail - envelopes by SASL user, or from addresses during hits */
enum cs_err cs_store_mail(struct cs_store *s, const char *user,
    const struct cs_hit *hits, size_t nhits, cs_time from, cs_time to,
    struct cs_mail **out, size_t *n);
/* cs_store_dump - every binding and envelope, in canonical order */
enum cs_err cs_store_dump(struct cs_store *s, struct cs_hit **out, size_t *n,
    struct cs_mail **mail, size_t *nmail);
/* cs_store_days - the days with any partition (sorted), count in *n */
const int64_t *cs_store_days(struct cs_store *s, size_t *n);
/*
 * cs_store_idle - end the read snapshots a read-only store keeps between
 * queries (for up to a second each, so a batch does not lock every day
 * file per statement).  Call it before waiting for input: an idle reader
 * holding a snapshot stops a concurrent ingest's WAL from being reset.
 */
void cs_store_idle(struct cs_store *s);
/* cs_store_unreadable - days skipped by the last query (no key) */
int cs_store_unreadable(struct cs_store *s);

void cs_hits_free(struct cs_hit *h, size_t n);
void cs_mail_free(struct cs_mail *m, size_t n);

/* cs_store_datadir, cs_store_keys - what the store was opened on */
const char *cs_store_datadir(const struct cs_store *s);
struct cs_keys *cs_store_keys(struct cs_store *s);
/*
 * cs_store_bulk - day files created from now on are loaded in bulk (an
 * ingest that does not follow): written with a rollback journal, each
 * page once, and switched to WAL when closed.  Readers meanwhile wait on
 * a commit rather than read beside it.
 */
void cs_store_bulk(struct cs_store *s, int on);
/* cs_store_writable - opened for writing */
int cs_store_writable(const struct cs_store *s);
/* cs_store_nat_slot - where the NAT module keeps its state (core/nat.h) */
void **cs_store_nat_slot(struct cs_store *s);

/* cs_day_of - UTC day number of an instant */
int64_t cs_day_of(cs_time t);

#endif
