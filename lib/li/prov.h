/*
 * prov - intercept provisioning: the agencies custos delivers to and the
 * intercepts it runs, with the end of each one recomputed from its case.
 *
 * Storage: DATA/li.db (SQLite, WAL), beside the case store:
 *   agency(name PRIMARY KEY, hi2, hi3, tls_ca, tls_cert, tls_key,
 *          operator_id, country, ne_id, created_by, created_at)
 *   icpt(n PRIMARY KEY, id "I-n", case_id, agency, liid_tag, liid,
 *        cin, mode, pen_trap, targets, activated, created_by, stopped,
 *        stopped_at, stopped_by, stop_reason; UNIQUE(liid_tag, cin))
 * Agencies are plain (names, addresses, file paths).  The LIID, the
 * targets and the stop reason of an intercept are sealed as the case
 * desk seals its targets (XChaCha20-Poly1305 under the cases key,
 * KEYS/cases.key, bound to the intercept id); liid_tag is a keyed hash
 * of the LIID (SipHash under the cases tag key) so that the next CIN of
 * a LIID is found without storing the LIID in the clear.  The sealed
 * LIID carries the row's plain columns (case, agency, CIN, mode, pen/trap,
 * activation): a row changed outside custos does not load (CS_ECRYPTO).
 *
 * Ends (li_prov_ends): the earliest of the order's end (R-T3-2 for
 * title3_order, R-PT-2 for pen_trap_order), 48 hours after activation
 * for an emergency without a recorded order (R-T3-6 / R-PT-5; once the
 * order is recorded with `case update --followup`, R-T3-2 / R-PT-2
 * counted from its --issued, else from the followup), the agency's
 * termination (R-T3-4), and the case's closing (R-CLOSED).
 *
 * Errors: CS_ENOENT (no such agency, intercept or case store),
 * CS_EINVAL (bad field, named in eb), CS_EPERM (agency in use, TLS key
 * readable by others), CS_EDB, CS_ECRYPTO (wrong cases key), CS_EIO.
 * No message ever holds a LIID or a target: intercepts are named by id.
 * Not thread-safe; SQLite serialises processes.
 */
#ifndef CS_LI_PROV_H
#define CS_LI_PROV_H

#include <stddef.h>
#include <stdint.h>

#include "core/case.h"
#include "core/rules.h"
#include "li/li.h"
#include "util/err.h"
#include "util/time.h"

#define LI_ICPT_MAXT 8
#define LI_LIID_MAX 25 /* LawfulInterceptionIdentifier SIZE(1..25) */
#define LI_OPID_MAX 16 /* operatorIdentifier SIZE(1..16) */
#define LI_NEID_MAX 16 /* networkElementIdentifier SIZE(1..16) */

struct li_agency {
	char name[64];
	char hi2[256];
	char hi3[256]; /* "HOST:PORT" ([v6]:port) */
	char tls_ca[512], tls_cert[512], tls_key[512]; /* "": plain TCP */
	char operator_id[17];
	char country[3];
	char ne_id[64];
	/* beyond the contract */
	char created_by[CS_CASE_NAME];
	cs_time created_at;
};

struct li_icpt {
	char id[32]; /* opaque local id, "I-7" (safe for diagnostics) */
	char case_id[32];
	char agency[64];
	char liid[64];     /* secret: never in diagnostics */
	uint32_t cin;      /* communicationIdentityNumber, unique per LIID */
	enum li_mode mode; /* LI_MODE_IRI for every pen_trap_* case */
	int pen_trap;      /* 1 for pen_trap_* cases */
	struct cs_target targets[LI_ICPT_MAXT];
	size_t ntargets;
	cs_time activated;
	cs_time ends;      /* CS_TIME_NONE: no limit known */
	char end_rule[16]; /* the rule that sets ends */
	int stopped;
	cs_time stopped_at;
	char stop_reason[64];
	/* beyond the contract */
	char created_by[CS_CASE_NAME];
	char stopped_by[CS_CASE_NAME];
};

struct li_prov;
struct cs_casedb;

/*
 * li_prov_open - open DATA/li.db (created when missing) and the case
 * store (read-only; CS_ENOENT when there is none yet).
 */
enum cs_err li_prov_open(struct li_prov **out, const char *datadir,
    const char *keysdir, struct cs_errbuf *eb);
/* li_prov_attach - the same over an open case store (borrowed) */
enum cs_err li_prov_attach(struct li_prov **out, struct cs_casedb *db,
    const char *datadir, const char *keysdir, struct cs_errbuf *eb);
void li_prov_close(struct li_prov *p);

/* ---- agencies ---- */

/* li_prov_agency_get - by name; CS_ENOENT when there is none */
enum cs_err li_prov_agency_get(struct li_prov *p, const char *name,
    struct li_agency *out, struct cs_errbuf *eb);
/*
 * li_agency_check - every field valid: name [A-Za-z0-9._-] (1..63, no
 * leading dot); hi2/hi3 HOST:PORT; operator id 1..16 printable; country
 * two upper-case letters; ne id 1..16 printable; TLS all three files or
 * none, each a readable regular file, the key not group/world
 * accessible.  CS_EINVAL / CS_EPERM / CS_EIO with the field in eb.
 */
enum cs_err li_agency_check(const struct li_agency *a, struct cs_errbuf *eb);
/* li_prov_agency_add - check and store; CS_EINVAL if the name exists */
enum cs_err li_prov_agency_add(
    struct li_prov *p, const struct li_agency *a, struct cs_errbuf *eb);
/* li_prov_agency_list - every agency by name; free(*out) */
enum cs_err li_prov_agency_list(
    struct li_prov *p, struct li_agency **out, size_t *n, struct cs_errbuf *eb);
/*
 * li_prov_agency_remove - CS_EPERM while an intercept not stopped uses
 * it (that intercept's id in inuse), CS_ENOENT when there is none.
 */
enum cs_err li_prov_agency_remove(struct li_prov *p, const char *name,
    char inuse[static 32], struct cs_errbuf *eb);

/*
 * li_hostport_split - "host:port" or "[v6addr]:port" into host (without
 * brackets) and port (1..65535, digits).  CS_EINVAL with eb.
 */
enum cs_err li_hostport_split(const char *s, char *host, size_t hostlen,
    char *port, size_t portlen, struct cs_errbuf *eb);

/* ---- intercepts ---- */

/*
 * li_liid_check - 1..25 printable ASCII characters, no blank (the
 * message never repeats the LIID).
 */
enum cs_err li_liid_check(const char *liid, struct cs_errbuf *eb);
/*
 * li_target_covered - is t one of the case's targets (same kind and
 * value), or an address inside a prefix the case names?
 */
int li_target_covered(const struct cs_case *c, const struct cs_target *t);
/*
 * li_target_cover - the case's target that covers t (one without a
 * window first, else the one whose window runs longest), or NULL; its
 * window (from/to) is the window the intercept may follow t in
 */
const struct cs_target *li_target_cover(
    const struct cs_case *c, const struct cs_target *t);
/*
 * li_prov_ends - when ic must end under c as of now, and the rule that
 * says so (end_rule[16]).  CS_TIME_NONE when no limit is known.
 */
cs_time li_prov_ends(const struct cs_case *c, const struct li_icpt *ic,
    cs_time now, char rule[static 16]);
/*
 * li_prov_add - record a new intercept: assigns ic->id ("I-n") and
 * ic->cin (one more than the highest CIN of the same LIID, from 1);
 * ic->activated and ic->created_by as given.
 */
enum cs_err li_prov_add(
    struct li_prov *p, struct li_icpt *ic, struct cs_errbuf *eb);
/* li_prov_get - one intercept (any state), ends as of now */
enum cs_err li_prov_get(struct li_prov *p, const char *id, cs_time now,
    struct li_icpt *out, struct cs_errbuf *eb);
/* li_prov_list - every intercept, oldest first (all: stopped ones too) */
enum cs_err li_prov_list(struct li_prov *p, cs_time now, int all,
    struct li_icpt **out, size_t *n, struct cs_errbuf *eb);
/*
 * every intercept not yet stopped, with ends recomputed from its case as
 * of now (an order that arrived extends an emergency; a case closed or
 * withdrawn gives ends <= now).  free(*out).
 */
enum cs_err li_prov_load(struct li_prov *p, cs_time now, struct li_icpt **out,
    size_t *n, struct cs_errbuf *eb);
/*
 * li_prov_stop - mark stopped (by a person, from the desk; the caller
 * audits).  CS_ENOENT, or CS_EINVAL when already stopped.
 */
enum cs_err li_prov_stop(struct li_prov *p, const char *id, cs_time at,
    const char *by, const char *reason, struct cs_errbuf *eb);
/*
 * the tap ended it (end-of-interception IRI sent): mark stopped, audit
 * ("intercept.ended", actor "custos tap").  Already stopped: only
 * audited.
 */
enum cs_err li_prov_ended(struct li_prov *p, const char *id, cs_time at,
    const char *reason, struct cs_errbuf *eb);

/*
 * li_prov_due - the end of every intercept not stopped, as the case
 * desk's deadlines (custos case due): rule the end rule, must_act set
 * (overdue: the tap has not ended it).  No LIID or target in `what`.
 * Returns how many were written; 0 when there is no DATA/li.db (it is
 * not created) or it cannot be read.
 */
size_t li_prov_due(const char *datadir, const char *keysdir, cs_time now,
    struct cs_due *out, size_t max);

/* li_mode_name - "iri" or "iri+cc" */
const char *li_mode_name(enum li_mode m);

#endif
