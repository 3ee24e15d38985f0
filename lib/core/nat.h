/*
 * nat - CGNAT attribution: NAT records (per-session, address binding, port
 * block, deterministic mapping) stored per day beside the bindings, and
 * the lookup "who had PUBLIC:PORT at T".  (Being written; these entry
 * points are what the rest of custos calls.)
 *
 * The fold hands every CS_OBS_NAT observation to cs_nat_fold; the store
 * calls cs_nat_commit at each checkpoint and cs_nat_close when it closes.
 * NAT state lives in a slot of the store (cs_store_nat_slot).
 */
#ifndef CS_NAT_H
#define CS_NAT_H

#include "core/obs.h"
#include "core/store.h"

/* cs_nat_fold - take one NAT observation (borrowed) */
enum cs_err cs_nat_fold(struct cs_store *s, const struct cs_obs *o,
    struct cs_errbuf *eb);
/* cs_nat_commit - commit what cs_nat_fold wrote */
enum cs_err cs_nat_commit(struct cs_store *s, struct cs_errbuf *eb);
/* cs_nat_close - release the NAT state of a store */
void cs_nat_close(struct cs_store *s);

#endif
