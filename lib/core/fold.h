/*
 * fold - turns observations into bindings in the store.
 *
 * Keeps the bindings touched by this run in memory (a map from key to the
 * binding it currently names), loads a binding from the store when a key
 * is not in memory, merges each observation into the binding it belongs
 * to (core/binding.c decides which), applies NAS resets in whatever order
 * they arrive, and writes what changed at each checkpoint.  Everything it
 * writes is a deterministic function of the records, so re-reading input
 * after a crash converges on the same store.  Not thread-safe.
 */
#ifndef CS_FOLD_H
#define CS_FOLD_H

#include "core/obs.h"
#include "core/store.h"

struct cs_fold_stats {
	uint64_t added;     /* bindings written for the first time */
	uint64_t updated;   /* bindings changed */
	uint64_t smtp;      /* SMTP envelopes stored */
	uint64_t resets;    /* new NAS resets */
	uint64_t unmatched; /* closes with no matching open and no start */
	uint64_t nat;       /* NAT records */
};

struct cs_fold;

struct cs_fold *cs_fold_new(struct cs_store *s);
void cs_fold_free(struct cs_fold *f);
/* cs_fold_obs - take one observation (borrowed) */
enum cs_err cs_fold_obs(
    struct cs_fold *f, const struct cs_obs *o, struct cs_errbuf *eb);
/* cs_fold_checkpoint - write what changed and commit the store */
enum cs_err cs_fold_checkpoint(struct cs_fold *f, struct cs_errbuf *eb);
const struct cs_fold_stats *cs_fold_stats(const struct cs_fold *f);
/* cs_fold_size - bindings held in memory; checkpoint past CS_FOLD_FLUSH */
size_t cs_fold_size(const struct cs_fold *f);
#define CS_FOLD_FLUSH 200000

/* cs_smtp_json - the JSON text stored for an SMTP envelope */
void cs_smtp_json(const struct cs_obs *o, struct cs_buf *out);

#endif
