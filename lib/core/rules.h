/*
 * rules - the rules of spec/legal-rules.md as one data-driven table: each
 * row is a rule id, the request types it applies to, a condition over a
 * case (and the operator's policy, the clock, the SSI record), its outcome
 * (BLOCK, WARN, ROUTE or INFO) and the deadlines it sets.
 *
 * BLOCK: nothing may be disclosed or activated until the case is fixed.
 * WARN: proceeds once a named person acknowledged it (an "ack" event).
 * ROUTE: the case goes to counsel; proceeds once counsel acknowledged it.
 * INFO: a fact worth showing (a hold, a gag); never stops anything.
 *
 * Pure functions of their arguments: the clock is env->now, so every
 * deadline is testable.  Thread-safe.
 */
#ifndef CS_RULES_H
#define CS_RULES_H

#include <stddef.h>

#include "core/case.h"
#include "core/cfg.h"

enum cs_outcome { RO_INFO, RO_WARN, RO_ROUTE, RO_BLOCK };

struct cs_rule_env {
	const struct cs_config *cfg; /* borrowed */
	cs_time now;
	int have_ssi;      /* an SSI policy is registered */
	cs_time ndo_until; /* open 2705(b) case on this one:
			      its end; CS_TIME_NONE: none;
			      INT64_MAX: no end date */
};

struct cs_finding {
	const char *rule; /* static */
	enum cs_outcome out;
	int acked; /* WARN/ROUTE acknowledged */
	char msg[256];
};

struct cs_due {
	const char *rule; /* static */
	cs_time at;
	int must_act; /* overdue matters (not a reminder) */
	char case_id[CS_CASE_ID];
	char what[200];
};

#define CS_RULES_MAXF 64
#define CS_RULES_MAXDUE 32

/* cs_outcome_name - "BLOCK", "WARN", "ROUTE", "INFO" */
const char *cs_outcome_name(enum cs_outcome o);

/* cs_rules_ids - every rule id of the table (for tests), NULL-terminated */
const char *const *cs_rules_ids(void);

/* cs_rules_eval - every rule that fires on c, in table order; returns n */
size_t cs_rules_eval(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_finding *out, size_t max);
/*
 * cs_rules_blocker - the first finding that stops disclosure (a BLOCK, or
 * a WARN/ROUTE not acknowledged), or NULL.
 */
const struct cs_finding *cs_rules_blocker(const struct cs_finding *f, size_t n);
/* cs_rules_due - deadlines of c still ahead or overdue-and-open; returns n */
size_t cs_rules_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *out, size_t max);
/*
 * cs_rules_ssi_due - R-CALEA-4: FCC filing due 90 days after the policy
 * was set (unless filed), review after cfg->ssi_refile_days.  set_at
 * CS_TIME_NONE: no policy (the due list then says so).
 */
size_t cs_rules_ssi_due(cs_time set_at, cs_time filed_at,
    const struct cs_rule_env *env, struct cs_due *out, size_t max);

/*
 * cs_rules_allowed - the categories the type of c may disclose at most
 * (R-SUB-1: basic subscriber information for a subpoena; non-content for
 * a 2703(d) order and pen/trap; nothing for a preservation letter, a
 * 2705(b) order, FISA or an NSL).
 */
unsigned cs_rules_allowed(enum cs_ctype t);

/*
 * cs_rules_gag - does a gag bar telling the subscriber now?  Sets *basis
 * (static text) and *until (CS_TIME_NONE: no end known).
 */
int cs_rules_gag(const struct cs_case *c, const struct cs_rule_env *env,
    const char **basis, cs_time *until);

/* end of an intercept order: R-T3-2 / R-PT-2 (CS_TIME_NONE if unknown) */
cs_time cs_rules_t3_end(const struct cs_case *c);
cs_time cs_rules_pt_end(const struct cs_case *c);
/* cs_rules_hold_end - preservation (R-PRES-1/2) or CyberTip (R-CSAM-1) hold */
cs_time cs_rules_hold_end(const struct cs_case *c);
/* cs_add_business_days - t plus n days that are not Saturday or Sunday */
cs_time cs_add_business_days(cs_time t, int n);
/* cs_rules_approved - approved by someone other than its creator */
int cs_rules_approved(const struct cs_case *c, int two_person);

#endif
