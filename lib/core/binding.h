/*
 * binding - the state of one binding: an interval [start, end) during which
 * a session or lease key held its addresses, with the subscriber identity
 * and the verbatim records that prove it.  This is what is sealed into the
 * store; every day partition the interval covers holds a copy.
 *
 * The end is derived, never stored alone: an observed close (Stop,
 * release), else a NAS reboot (Accounting-On/Off: inferred), else the lease
 * expiry (inferred), else open.  Merging an observation is commutative in
 * the times (min start, max last-seen, min close, max lease end), so the
 * result does not depend on how the input was split into batches.
 *
 * Evidence is bounded: the earliest record, the latest holding record
 * (Interim, renewal), the closing record and the NAS-reset record.
 */
#ifndef CS_BINDING_H
#define CS_BINDING_H

#include <stdint.h>

#include "core/obs.h"
#include "util/buf.h"

enum cs_end_known { CS_END_OPEN = 0, CS_END_INFERRED = 1, CS_END_OBSERVED = 2 };

enum { CS_EV_FIRST, CS_EV_LAST, CS_EV_CLOSE, CS_EV_RESET, CS_EV_MAX };

enum cs_field {
	CS_F_USERNAME,
	CS_F_CIRCUIT,
	CS_F_REMOTE,
	CS_F_NAS_KEY,
	CS_F_NAS_IP,
	CS_F_NAS_ID,
	CS_F_NAS_PORT,
	CS_F_SESSION,
	CS_F_UNIQUE,
	CS_F_HOSTNAME,
	CS_F_CLIENT_ID,
	CS_F_RELAY,
	CS_F_MAX
};

struct cs_evidence {
	cs_time t;   /* CS_TIME_NONE when absent */
	char *raw;   /* owned, NUL-terminated */
	size_t room; /* bytes usable at raw; 0 when not known */
};

struct cs_binding {
	char *key;     /* in the binding's own allocation (after it) */
	size_t keylen; /* strlen(key) */
	uint8_t src;   /* enum cs_src */
	cs_time start, last_seen, close_at, until, reset_at;
	cs_time released_at; /* given up at some time not before this */
	int naddr;
	struct cs_addr addr[CS_OBS_MAXADDR];
	int has_mac;
	uint8_t mac[6];
	char *f[CS_F_MAX]; /* owned identity fields, NULL when absent */
	struct cs_evidence ev[CS_EV_MAX];
	/* where it was last written, so stale copies can be removed */
	cs_time w_start;
	int64_t w_d0, w_d1; /* day range; w_d0 > w_d1 when never written */
	int64_t w_sig;      /* cs_binding_sig when last written */
	/* in memory only */
	int dirty;   /* changed since last write */
	int created; /* created in this run (not loaded) */
};

/* cs_binding_new - empty binding for key (copied) */
struct cs_binding *cs_binding_new(struct cs_span key, enum cs_src src);
void cs_binding_free(struct cs_binding *b);

/* cs_binding_end - the derived end and how it is known */
cs_time cs_binding_end(const struct cs_binding *b, enum cs_end_known *known);
/* cs_binding_days - day range the binding covers (for partitions) */
void cs_binding_days(const struct cs_binding *b, int64_t *d0, int64_t *d1);

/*
 * cs_binding_accepts - does observation o (OPEN or CLOSE with the same key)
 * belong to this binding, or to a new one?  RADIUS keys name one session:
 * always.  DHCP keys recur: only when the intervals meet.
 */
int cs_binding_accepts(const struct cs_binding *b, const struct cs_obs *o);
/* cs_binding_merge - fold o into b; sets b->dirty when anything changed */
void cs_binding_merge(struct cs_binding *b, const struct cs_obs *o);
/* cs_binding_reset - apply a NAS reset at t (evidence raw); 1 if changed */
int cs_binding_reset(
    struct cs_binding *b, cs_time t, const char *raw, size_t rawlen);

/*
 * cs_binding_sig - a digest of everything but the latest-record evidence
 * and last-seen time: when it is unchanged, copies of the binding in
 * earlier days need not be rewritten.
 */
int64_t cs_binding_sig(const struct cs_binding *b);

/* cs_binding_encode - serialise (for sealing) */
void cs_binding_encode(const struct cs_binding *b, struct cs_buf *out);
/*
 * cs_binding_pack - encode b and compress it (core/lz.h) into out, as the
 * store seals it; tmp is scratch space (left empty and zeroed).  Kept
 * plain when compression gains nothing.
 */
void cs_binding_pack(
    const struct cs_binding *b, struct cs_buf *tmp, struct cs_buf *out);
/*
 * cs_binding_decode - parse what encode or pack wrote; CS_EPARSE if
 * damaged
 */
enum cs_err cs_binding_decode(const void *p, size_t n, struct cs_binding **out);

#endif
