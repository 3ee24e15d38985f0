/*
 * hold - preservation holds (18 USC 2703(f); legal-rules.md R-PRES-1..4):
 * the records of a case's targets in a window, copied as of the request
 * into the case's vault, so that the retention purge can run on schedule
 * for everyone else.
 *
 * Vault: DATA/vault/<case>.db (SQLite, secure_delete on), sealed under a
 * per-case key KEYS/cases/<case>.key (32 random bytes, 0600; the key
 * directory is checked as for day keys):
 *   hold(id, created, received, renewals, released, from_t, to_t, sealed)
 *        sealed: "by\0target\ntarget..." (the identifiers)
 *   item(id, hold_id, kind, sealed)
 *        kind 0: a binding (core/binding.h encoding, evidence included)
 *        kind 1: an SMTP envelope (8-byte time, then its JSON)
 * Plaintext: times and counts only.  Seals are XChaCha20-Poly1305 bound
 * to the hold (and item kind).
 *
 * Expiry (R-PRES-1/2): received + 90 days, plus 90 days per renewal; a
 * second or later renewal is beyond the statute (voluntary: flagged).
 * Reminders 14, 7 and 1 days before (R-PRES-3) come from cs_hold_due.
 * At expiry cs_hold_expire releases the hold (custos purge calls it):
 * its items are deleted; when a case has no hold left in force, its vault
 * key is destroyed (zeroed, fsynced, unlinked) and the vault removed.
 * Every creation, renewal, release and expiry is audited.
 *
 * What a hold copies, per target: username and mac, cs_store_history
 * over the window; ip and ipv6prefix, every binding on the address (or
 * inside / around the prefix) overlapping the window (this decodes the
 * whole store, refused with CS_ETOOBIG past 2 GiB of day files: a range
 * query by address in store.c would make it cheap); plus the
 * SMTP envelopes of cs_store_mail for the user or those bindings.
 *
 * Lookups over held data answer exactly as the store would (the same
 * struct cs_hit, the same superseding and trimming of unobserved ends
 * among the held bindings).  Holds released or expired answer nothing.
 *
 * Errors: CS_ENOENT (no such case or hold), CS_EINVAL (bad case id or
 * target kind), CS_EPERM, CS_EIO, CS_EDB, CS_ECRYPTO; eb says what.
 * Not thread-safe.
 */
#ifndef CS_HOLD_H
#define CS_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/case.h"
#include "core/rules.h"
#include "core/store.h"
#include "util/err.h"
#include "util/time.h"

#define CS_HOLD_DAYS 90      /* 2703(f)(1) and each (2) extension */
#define CS_HOLD_TARGETS 2048 /* bytes of the target list */

struct cs_vhold {
	char case_id[CS_CASE_ID];
	int64_t id;                    /* per case: 1, 2, ... */
	char targets[CS_HOLD_TARGETS]; /* "kind:value" lines; "" if sealed
					  and the case key is missing */
	char by[CS_CASE_NAME];
	char basis[16];   /* "" for custos hold new; the rule
			     for a hold the purge made */
	cs_time from, to; /* window preserved */
	cs_time received; /* the request's receipt */
	cs_time created;  /* the snapshot */
	cs_time expires;  /* received + 90 d * (1 + renewals);
			     purge-made: the case's hold end,
			     CS_TIME_NONE while it is open */
	cs_time released; /* CS_TIME_NONE while in force */
	int renewals;
	int64_t nbind, nmail; /* items held */
};

struct cs_hold_req {
	const char *datadir, *keysdir; /* borrowed */
	const char *case_id;
	const struct cs_target *t; /* targets; a target's own window
				      narrows [from, to) for it */
	size_t nt;
	cs_time from, to; /* window */
	cs_time received; /* CS_TIME_NONE: now */
	cs_time now;
	const char *by;
	const char *basis; /* NULL: custos hold new */
	cs_time until;     /* with basis: the end, or NONE */
	int skip_empty;    /* CS_ESKIP instead of an empty hold */
};

/* cs_hold_expires - the end of a hold in force */
cs_time cs_hold_expires(cs_time received, int renewals);

/*
 * cs_hold_new - copy the targets' bindings and envelopes of the window
 * into the case's vault; *out describes the new hold.  Targets of kinds
 * other than ip, ipv6prefix, username and mac are refused (CS_EINVAL).
 */
enum cs_err cs_hold_new(
    const struct cs_hold_req *r, struct cs_vhold *out, struct cs_errbuf *eb);

/* cs_hold_list - holds of one case (or every case when NULL), in order */
enum cs_err cs_hold_list(const char *datadir, const char *keysdir,
    const char *case_id, struct cs_vhold **out, size_t *n,
    struct cs_errbuf *eb);
/* cs_hold_get - one hold; CS_ENOENT if there is none */
enum cs_err cs_hold_get(const char *datadir, const char *keysdir,
    const char *case_id, int64_t id, struct cs_vhold *out,
    struct cs_errbuf *eb);

/*
 * cs_hold_renew - a renewed request: 90 more days.  *voluntary is set
 * when this is beyond the statute's one extension (R-PRES-2).
 */
enum cs_err cs_hold_renew(const char *datadir, const char *keysdir,
    const char *case_id, int64_t id, cs_time now, const char *by,
    struct cs_vhold *out, int *voluntary, struct cs_errbuf *eb);

/*
 * cs_hold_release - end a hold now (why: "released" or "expired"); its
 * items are deleted, and the case's vault and key destroyed when no hold
 * of the case is left in force.
 */
enum cs_err cs_hold_release(const char *datadir, const char *keysdir,
    const char *case_id, int64_t id, cs_time now, const char *by,
    const char *why, struct cs_errbuf *eb);

/*
 * cs_hold_auto - before the purge destroys [from, to): for every hold the
 * case desk has in force (cs_casedb_holds: preservation and CyberTipline
 * cases to their end, R-PRES-4 any open case with targets), copy the
 * target's records of that span (inside the target's window) into the
 * case's vault as a hold with the rule as basis.  *n: holds made.  Fails
 * closed: when the case store cannot be read, the purge must not run.
 */
enum cs_err cs_hold_auto(const char *datadir, const char *keysdir, cs_time now,
    cs_time from, cs_time to, const char *by, size_t *n, struct cs_errbuf *eb);

/*
 * cs_hold_expire - release every hold past its expiry, and every hold
 * the purge made for an open case that is now closed; *n released
 */
enum cs_err cs_hold_expire(const char *datadir, const char *keysdir,
    cs_time now, const char *by, size_t *n, struct cs_errbuf *eb);

/*
 * cs_hold_due - R-PRES-3 reminders (14, 7, 1 days before; not before
 * now) and the expiries of holds in force, as the case desk's deadlines.
 * Returns the number written to out (at most max).
 */
size_t cs_hold_due(const char *datadir, const char *keysdir, cs_time now,
    struct cs_due *out, size_t max);

/*
 * cs_hold_who / cs_hold_history / cs_hold_mail - lookups over the held
 * data of one case, shaped as the store's (cs_store_who, _history,
 * _mail); results are owned by the caller (cs_hits_free, cs_mail_free).
 * A case without holds answers an empty list.
 */
enum cs_err cs_hold_who(const char *datadir, const char *keysdir,
    const char *case_id, const struct cs_addr *a, cs_time t,
    struct cs_hit **out, size_t *n, struct cs_errbuf *eb);
enum cs_err cs_hold_history(const char *datadir, const char *keysdir,
    const char *case_id, const char *subscriber, cs_time from, cs_time to,
    struct cs_hit **out, size_t *n, struct cs_errbuf *eb);
enum cs_err cs_hold_mail(const char *datadir, const char *keysdir,
    const char *case_id, cs_time from, cs_time to, struct cs_mail **out,
    size_t *n, struct cs_errbuf *eb);

/* cs_hold_case_ok - is s usable as a case id in file names? */
int cs_hold_case_ok(const char *s);

#endif
