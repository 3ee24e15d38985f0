/*
 * rules - the rule table of spec/legal-rules.md 1.2.  Each row: id, the
 * types it applies to, its outcome, a condition (check) that fires with a
 * message, and optionally the deadlines it sets (due).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/rules.h"

struct rule {
	const char *id;
	unsigned types;
	enum cs_outcome out;
	/* check - 1 if the rule fires on c (msg says why) */
	int (*check)(const struct cs_case *c, const struct cs_rule_env *env,
	    char *msg, size_t len);
	/* due - add deadlines */
	void (*due)(const struct cs_case *c, const struct cs_rule_env *env,
	    struct cs_due *out, size_t max, size_t *n);
};

#define T(x) CT_BIT(CT_##x)
#define DISCLOSING                                                      \
	(CT_SUBPOENAS | T(2703D) | T(WARRANT) | T(EMERG) | T(CONSENT) | \
	    CT_INTERCEPTS)
#define NEEDS_WRITING (CT_ALL & ~(T(EMERG) | T(PT_EMERG) | T(CYBERTIP)))
/* productions under 2702-2704 (R-FEE-1: 18 USC 2706) */
#define SCA_PRODUCING \
	(CT_SUBPOENAS | T(2703D) | T(WARRANT) | T(EMERG) | T(CONSENT))

const char *
cs_outcome_name(enum cs_outcome o)
{
	switch (o) {
	case RO_BLOCK:
		return "BLOCK";
	case RO_WARN:
		return "WARN";
	case RO_ROUTE:
		return "ROUTE";
	default:
		return "INFO";
	}
}

static int CS_PRINTF(3, 4) say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return 1;
}

static void CS_PRINTF(7, 8) add_due(const struct cs_case *c, struct cs_due *out,
    size_t max, size_t *n, const char *rule, cs_time at, const char *fmt, ...)
{
	va_list ap;
	struct cs_due *d;

	if (at == CS_TIME_NONE || *n >= max)
		return;
	d = &out[(*n)++];
	memset(d, 0, sizeof(*d));
	d->rule = rule;
	d->at = at;
	d->must_act = 1;
	snprintf(d->case_id, sizeof(d->case_id), "%s", c ? c->id : "");
	va_start(ap, fmt);
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	va_end(ap);
}

static void
fmt_time(cs_time t, char out[static 40])
{
	if (t == CS_TIME_NONE)
		snprintf(out, 40, "%s", "(unknown)");
	else
		cs_time_format(t, out);
}

/* missing - names of empty required fields, comma-separated; 0 if none */
static int
missing(char *msg, size_t len, const char *what, int n, ...)
{
	va_list ap;
	char list[200] = "";
	size_t used = 0;
	int i, any = 0;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *name = va_arg(ap, const char *);
		int present = va_arg(ap, int);
		if (present)
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s", any ? ", " : "", name);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
		any = 1;
	}
	va_end(ap);
	if (!any)
		return 0;
	return say(msg, len, "%s: missing %s", what, list);
}

static int
has_target(const struct cs_case *c)
{
	return c->nt > 0;
}

static unsigned
cat_list(unsigned cats, char *out, size_t len)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < CC_N; i++)
		if (cats & CC_BIT(i)) {
			used += (size_t)snprintf(out + used, len - used, "%s%s",
			    used ? ", " : "", cs_ccat_name((enum cs_ccat)i));
			if (used >= len)
				break;
		}
	return cats;
}

int
cs_rules_approved(const struct cs_case *c, int two_person)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "approve") == 0 &&
		    (!two_person || strcmp(c->e[i].by, c->created_by) != 0))
			return 1;
	return 0;
}

cs_time
cs_add_business_days(cs_time t, int n)
{
	int64_t day;

	while (n > 0) {
		t += CS_DAY;
		day = t >= 0 ? t / CS_DAY : (t - CS_DAY + 1) / CS_DAY;
		/* 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sunday */
		if ((day + 4) % 7 != 0 && (day + 4) % 7 != 6)
			n--;
	}
	return t;
}

/* extend - order end pushed by extensions recorded before it ran out */
static cs_time
extend(const struct cs_case *c, cs_time end, int64_t step)
{
	size_t i;

	for (i = 0; i < c->ne && end != CS_TIME_NONE; i++)
		if (strcmp(c->e[i].kind, "extension") == 0 && c->e[i].at < end)
			end += step;
	return end;
}

cs_time
cs_rules_t3_end(const struct cs_case *c)
{
	cs_time start, end;

	if (c->issued == CS_TIME_NONE)
		return CS_TIME_NONE;
	/* R-T3-2: 30 days from the earlier of first interception and ten
	 * days after the order was entered, or the order's own earlier end */
	start = c->issued + 10 * CS_DAY;
	if (c->first_intercept != CS_TIME_NONE && c->first_intercept < start)
		start = c->first_intercept;
	end = start + 30 * CS_DAY;
	if (c->expires != CS_TIME_NONE && c->expires < end)
		end = c->expires;
	return extend(c, end, 30 * CS_DAY);
}

cs_time
cs_rules_pt_end(const struct cs_case *c)
{
	cs_time end;

	if (c->issued == CS_TIME_NONE)
		return CS_TIME_NONE;
	end = c->issued + 60 * CS_DAY;
	if (c->expires != CS_TIME_NONE && c->expires < end)
		end = c->expires;
	return extend(c, end, 60 * CS_DAY);
}

cs_time
cs_rules_hold_end(const struct cs_case *c)
{
	if (c->received == CS_TIME_NONE)
		return CS_TIME_NONE;
	if (c->type == CT_CYBERTIP)
		return c->received + 365 * CS_DAY;
	if (c->type == CT_PRES)
		return c->received +
		    90 * CS_DAY * (1 + (int64_t)cs_case_count(c, "renewal"));
	return CS_TIME_NONE;
}

/* emergency_start - T_act, or receipt while activation is unknown */
static cs_time
emergency_start(const struct cs_case *c)
{
	return c->activated != CS_TIME_NONE ? c->activated : c->received;
}

/* ---- the conditions, in the order of the spec's tables ---- */

static int
writing(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (cs_case_has_doc(c, NULL))
		return 0;
	return say(m, l,
	    "a %s must be in writing: attach the signed "
	    "document (case update --document FILE)",
	    c->type_name);
}

static int
sub1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char list[200];
	unsigned extra = c->cats & ~CC_BSI_SET;

	if (!extra)
		return 0;
	cat_list(extra, list, sizeof(list));
	return say(m, l,
	    "a subpoena may see basic subscriber information "
	    "only (2703(c)(2)); %s needs a 2703(d) order or a warrant",
	    list);
}

static int
sub2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (c->type == CT_SUB_ADMIN)
		return missing(m, l, "administrative subpoena", 2,
		    "authorizing statute (--statute)", c->statute[0] != 0,
		    "issuing official (--official)", c->official[0] != 0);
	return missing(m, l, "subpoena", 2, "grand jury or court (--court)",
	    c->court[0] != 0, "issuing official (--official)",
	    c->official[0] != 0);
}

static int
d1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return missing(m, l, "2703(d) order", 2, "court (--court)",
	    c->court[0] != 0, "judge (--judge)", c->judge[0] != 0);
}

static int
d2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!c->voluminous)
		return 0;
	return say(m, l,
	    "unusually voluminous or burdensome: counsel decides "
	    "on a motion to quash or modify (2703(d))");
}

static void
d2_due(const struct cs_case *c, const struct cs_rule_env *env, struct cs_due *o,
    size_t max, size_t *n)
{
	if (c->voluminous && c->received != CS_TIME_NONE)
		add_due(c, o, max, n, "R-D-2", c->received + 7 * CS_DAY,
		    "motion to quash window closes");
}

static int
w1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (c->issued == CS_TIME_NONE)
		return say(m, l,
		    "issue date unknown: cannot tell whether the "
		    "warrant was served within 14 days (--issued)");
	if (c->received != CS_TIME_NONE &&
	    c->received - c->issued > 14 * CS_DAY)
		return say(m, l,
		    "stale warrant: received %lld days after it "
		    "was issued (FRCrP 41: 14 days); confirm with the agency",
		    (long long)((c->received - c->issued) / CS_DAY));
	return 0;
}

static int
content1(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!(c->cats & (CC_BIT(CC_CONTENT) | CC_BIT(CC_STORED))))
		return 0;
	return say(m, l,
	    "content asked for under a %s: legal review (content "
	    "needs a warrant in practice, Warshak)",
	    c->type_name);
}

static int
pres1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char ts[40];
	cs_time end = cs_rules_hold_end(c);

	fmt_time(end, ts);
	if (end != CS_TIME_NONE && env->now >= end)
		return say(m, l,
		    "preservation hold ended %s: records fall "
		    "back to normal retention unless process followed",
		    ts);
	return say(m, l,
	    "preservation hold on the targets' records until %s "
	    "(2703(f)); nothing is disclosed",
	    ts);
}

static void
pres1_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	cs_time end = cs_rules_hold_end(c);

	add_due(c, o, max, n, c->type == CT_CYBERTIP ? "R-CSAM-1" : "R-PRES-1",
	    end, "%s hold expires (renewal or follow-up process keeps it)",
	    c->type == CT_CYBERTIP ? "CyberTipline report" : "2703(f)");
}

static int
pres2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	size_t r = cs_case_count(c, "renewal");

	if (r < 2)
		return 0;
	return say(m, l,
	    "renewal %zu is beyond the statute's one 90-day "
	    "extension: preserving voluntarily",
	    r);
}

static void
pres3_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	static const int days[] = {14, 7, 1};
	cs_time end = cs_rules_hold_end(c);
	size_t i;

	if (end == CS_TIME_NONE)
		return;
	for (i = 0; i < 3; i++) {
		cs_time at = end - days[i] * CS_DAY;
		if (at < env->now)
			continue; /* a reminder in the past is moot */
		add_due(c, o, max, n, "R-PRES-3", at,
		    "hold expires in %d "
		    "day%s: tell the case owner",
		    days[i], days[i] == 1 ? "" : "s");
		o[*n - 1].must_act = 0;
	}
}

static int
pres4(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (c->closed || !has_target(c))
		return 0;
	return say(m, l,
	    "implicit hold: records of the %zu target%s are kept "
	    "while this case is open",
	    c->nt, c->nt == 1 ? "" : "s");
}

static int
r2704(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	cs_time due;
	char ts[40];

	if (!c->backup || c->received == CS_TIME_NONE ||
	    cs_case_count(c, "backup_confirmed"))
		return 0;
	due = cs_add_business_days(c->received, 2);
	if (env->now < due)
		return 0;
	fmt_time(due, ts);
	return say(m, l,
	    "backup copy not confirmed to the government; it "
	    "was due %s (2704(a): two business days)",
	    ts);
}

static void
r2704_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	if (!c->backup || c->received == CS_TIME_NONE ||
	    cs_case_count(c, "backup_confirmed"))
		return;
	add_due(c, o, max, n, "R-2704", cs_add_business_days(c->received, 2),
	    "backup copy made and confirmed to the government");
}

static int
ndo1_route(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (c->expires != CS_TIME_NONE)
		return 0;
	return say(m, l,
	    "non-disclosure order without an end date: counsel "
	    "reviews (DOJ policy: one year or less)");
}

static int
ndo1_warn(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	cs_time from = c->issued != CS_TIME_NONE ? c->issued : c->received;

	if (c->parent[0] == '\0')
		return say(m, l,
		    "non-disclosure order names no case "
		    "(--parent ID): the gag cannot be applied");
	if (c->expires == CS_TIME_NONE || from == CS_TIME_NONE)
		return 0;
	if (c->expires - from > 366 * CS_DAY)
		return say(m, l, "gag longer than one year (%lld days)",
		    (long long)((c->expires - from) / CS_DAY));
	return 0;
}

static void
gag_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	size_t n0 = *n, i;

	if (c->type == CT_NDO)
		add_due(c, o, max, n, "R-NDO-1", c->expires,
		    "gag lifts on "
		    "case %s: customer notice may follow",
		    c->parent);
	if (c->gag_until != CS_TIME_NONE)
		add_due(c, o, max, n, "R-NDO-1", c->gag_until,
		    "2705(b) gag "
		    "lifts: customer notice may follow");
	if (env->ndo_until != CS_TIME_NONE && env->ndo_until != INT64_MAX)
		add_due(c, o, max, n, "R-NDO-1", env->ndo_until,
		    "2705(b) gag lifts: customer notice may follow");
	for (i = n0; i < *n; i++)
		o[i].must_act = 0; /* a gag lifting needs no action */
}

static int
ndo2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	const char *basis;
	cs_time until;
	char ts[40];

	if (!cs_rules_gag(c, env, &basis, &until))
		return 0;
	fmt_time(until, ts);
	return say(m, l, "customer notification suppressed: %s (until %s)",
	    basis, until == CS_TIME_NONE ? "further order" : ts);
}

static int
emg1_fields(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return missing(m, l, "emergency request", 5, "requester (--officer)",
	    c->officer_name[0] != 0, "agency (--agency)", c->agency[0] != 0,
	    "call-back number (--officer NAME;PHONE)", c->officer_phone[0] != 0,
	    "danger of death or serious injury "
	    "(--danger)",
	    c->danger[0] != 0, "why delay matters (--urgency)",
	    c->urgency[0] != 0);
}

static int
emg1_approval(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (cs_rules_approved(c, 0))
		return 0;
	return say(m, l,
	    "an emergency disclosure needs a supervisor's "
	    "approval (case approve ID --by NAME)");
}

static int
emg2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!env->cfg || !env->cfg->refuse_exigent_without_cert ||
	    cs_case_has_doc(c, "certification"))
		return 0;
	return say(m, l,
	    "policy: exigent requests need the agency's written "
	    "emergency certification (--document FILE --doc-kind "
	    "certification)");
}

static void
emg3_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	if (cs_case_count(c, "followup") || c->received == CS_TIME_NONE)
		return;
	add_due(c, o, max, n, "R-EMG-1", c->received + 48 * CS_HOUR,
	    "written legal process to follow the emergency request");
}

static int
t3_1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return missing(m, l, "Title III order", 6, "facilities (--target)",
	    has_target(c), "offense (--offense)", c->offense[0] != 0,
	    "authorizing official (--official)", c->official[0] != 0,
	    "court (--court)", c->court[0] != 0, "judge (--judge)",
	    c->judge[0] != 0, "date entered (--issued)",
	    c->issued != CS_TIME_NONE);
}

static int
ended(const struct cs_case *c, const struct cs_rule_env *env, cs_time end,
    const char *what, char *m, size_t l)
{
	char ts[40];

	if (end == CS_TIME_NONE || env->now < end)
		return 0;
	fmt_time(end, ts);
	return say(m, l,
	    "%s ended %s: deactivate (an extension needs a new "
	    "order before the end)",
	    what, ts);
}

static int
t3_2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return ended(
	    c, env, cs_rules_t3_end(c), "Title III authorization", m, l);
}

static void
t3_2_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	add_due(c, o, max, n, "R-T3-2", cs_rules_t3_end(c),
	    "Title III order expires: interception stops");
}

static int
t3_3(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	size_t ne = cs_case_count(c, "extension"), nd = 0, i;

	for (i = 0; i < c->nd; i++)
		nd += strcmp(c->d[i].kind, "extension") == 0;
	if (ne <= nd)
		return 0;
	return say(m, l,
	    "%zu extension%s recorded but %zu extension order "
	    "document%s attached: each extension needs its own order",
	    ne, ne == 1 ? "" : "s", nd, nd == 1 ? "" : "s");
}

static int
t3_4(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	const struct cs_event *e = cs_case_last(c, "termination");
	char ts[40];

	if (e == NULL)
		return 0;
	fmt_time(e->at, ts);
	return say(m, l,
	    "terminated by the agency %s (objective attained): "
	    "nothing more under this authorization",
	    ts);
}

static int
t3_6(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (missing(m, l, "emergency certification (2518(7))", 4,
		"specially designated officer (--official)",
		c->official[0] != 0, "emergency kind (--emergency-kind)",
		c->emergency_kind[0] != 0, "period of time (--expires)",
		c->expires != CS_TIME_NONE,
		"the written certification (--document FILE --doc-kind "
		"certification)",
		cs_case_has_doc(c, "certification")))
		return 1;
	if (!cs_case_count(c, "followup") &&
	    env->now >= emergency_start(c) + 48 * CS_HOUR)
		return say(m, l,
		    "48 hours since activation and no application "
		    "for an order recorded (case update --followup): stop");
	return 0;
}

static void
emerg48_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	cs_time s = emergency_start(c);

	if (cs_case_count(c, "followup") || s == CS_TIME_NONE)
		return;
	add_due(c, o, max, n, c->type == CT_T3_EMERG ? "R-T3-6" : "R-PT-5",
	    s + 48 * CS_HOUR, "%s due within 48 hours of activation",
	    c->type == CT_T3_EMERG ? "application for a wiretap order"
				   : "pen/trap order");
}

static int
hard_gag(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "the provider may not disclose the %s: need-to-know "
	    "only, no customer notice",
	    c->type == CT_PT || c->type == CT_PT_EMERG
		? "pen register or trap and trace device "
		  "(3123(d))"
		: "interception (2511(2)(a)(ii))");
}

static int
pt1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return missing(m, l, "pen/trap order", 5, "identifier (--target)",
	    has_target(c), "offense (--offense)", c->offense[0] != 0,
	    "certifying applicant (--official)", c->official[0] != 0,
	    "court (--court)", c->court[0] != 0, "date entered (--issued)",
	    c->issued != CS_TIME_NONE);
}

static int
pt2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return ended(c, env, cs_rules_pt_end(c), "pen/trap order", m, l);
}

static void
pt2_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	add_due(c, o, max, n, "R-PT-2", cs_rules_pt_end(c),
	    "pen/trap order expires: collection stops");
}

static int
pt4_block(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!(c->cats & (CC_BIT(CC_CONTENT) | CC_BIT(CC_STORED))))
		return 0;
	return say(m, l,
	    "a pen register or trap and trace device may not "
	    "collect content (3127(3)-(4))");
}

static int
pt4_route(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char list[200];
	unsigned x =
	    c->cats & (CC_BIT(CC_URL) | CC_BIT(CC_DNS) | CC_BIT(CC_SUBJECT));

	if (!x)
		return 0;
	cat_list(x, list, sizeof(list));
	return say(m, l, "%s may be content: counsel decides", list);
}

static int
pt5(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (missing(m, l, "emergency pen/trap (3125)", 2,
		"specially designated officer (--official)",
		c->official[0] != 0, "emergency kind (--emergency-kind)",
		c->emergency_kind[0] != 0))
		return 1;
	if (!cs_case_count(c, "followup") &&
	    env->now >= emergency_start(c) + 48 * CS_HOUR)
		return say(m, l,
		    "48 hours since installation and no order "
		    "recorded (case update --followup): stop collection");
	return 0;
}

static int
calea1(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (cs_rules_approved(c, 1))
		return 0;
	return say(m, l,
	    "an intercept needs the approval of a named employee "
	    "other than the one who entered the case (47 USC 1004)");
}

static int
calea2(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	const struct cs_event *a = cs_case_last(c, "approve");

	if (a == NULL || cs_case_count(c, "certify"))
		return 0;
	if (env->now < a->at + 24 * CS_HOUR)
		return 0;
	return say(m, l,
	    "the 47 CFR 1.20004 certification is unsigned more "
	    "than 24 hours after approval (case certify ID --by NAME)");
}

static void
calea2_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	const struct cs_event *a = cs_case_last(c, "approve");

	if (a == NULL || cs_case_count(c, "certify"))
		return;
	add_due(c, o, max, n, "R-CALEA-2", a->at + 24 * CS_HOUR,
	    "sign the 1.20004 certification");
}

static int
calea3(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (env->have_ssi)
		return 0;
	return say(m, l,
	    "no SSI policy registered (47 CFR 1.20003; custos "
	    "ssi set FILE)");
}

static int
counsel(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l, "%s: route to counsel; custos does not process it",
	    c->type_name);
}

static int
callback(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!env->cfg || !env->cfg->require_callback ||
	    cs_case_count(c, "verify"))
		return 0;
	return say(m, l,
	    "policy: verify the request by calling the court or "
	    "officer back at a published number (case verify ID --by NAME "
	    "--number PHONE)");
}

static int
payment(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!env->cfg || !env->cfg->payment_before_fulfilment ||
	    cs_case_count(c, "paid"))
		return 0;
	return say(m, l,
	    "policy: payment before fulfilment, and the invoice "
	    "is not paid (case invoice ID --paid)");
}

static void
return_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *o, size_t max, size_t *n)
{
	add_due(c, o, max, n, "RETURN", c->return_date,
	    "return date: the "
	    "answer is due");
}

/* ---- notes (INFO) and duties the spec's tables add ---- */

static int
r2705a(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!(c->cats & (CC_BIT(CC_CONTENT) | CC_BIT(CC_STORED))))
		return 0;
	return say(m, l,
	    "if the government delays its customer notice for "
	    "content (2703(b)): up to 90 days, extendable by 90 days each; "
	    "its duty, tracked for information only (2705(a)(1),(4))");
}

static int
fee1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "reasonable costs of searching, assembling and "
	    "reproducing may be billed (18 USC 2706): custos case cost, case "
	    "invoice; a common carrier's telephone toll records and listings "
	    "are not, unless unusually voluminous or an undue burden");
}

/* t3_over - when the interception ended (termination, end of order) */
static cs_time
t3_over(const struct cs_case *c, const struct cs_rule_env *env)
{
	const struct cs_event *e = cs_case_last(c, "termination");
	cs_time end = CS_TIME_NONE;

	if (c->type == CT_T3)
		end = cs_rules_t3_end(c);
	if (end != CS_TIME_NONE && env->now < end)
		end = CS_TIME_NONE;
	if (e != NULL && (end == CS_TIME_NONE || e->at < end))
		end = e->at;
	return end;
}

static int
t3_8(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char ts[40];
	cs_time end = t3_over(c, env);

	if (c->backup || (c->cats & CC_BIT(CC_STORED)))
		return say(m, l,
		    "Title III: the provider keeps no copy of "
		    "content beyond delivery buffering; a retained copy is "
		    "sealed evidence (2518(8)(a))");
	if (end == CS_TIME_NONE)
		return 0;
	fmt_time(end, ts);
	return say(m, l,
	    "interception ended %s: purge the content buffer "
	    "after confirmed delivery and the agreed resend window; keep no "
	    "provider copy (2518(8)(a))",
	    ts);
}

static int
t3_9(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char ts[40], tb[40];
	cs_time end = t3_over(c, env);

	if (end == CS_TIME_NONE)
		return 0;
	fmt_time(end, ts);
	fmt_time(end + 90 * CS_DAY, tb);
	return say(m, l,
	    "interception ended %s: the government serves the "
	    "inventory on the parties within 90 days (by %s); its duty, for "
	    "information (2518(8)(d))",
	    ts, tb);
}

static int
t3_10(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "the provider is compensated for reasonable expenses "
	    "of its assistance (2518(4)): custos case cost, case invoice");
}

static int
t3_11(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	char ts[40];

	if (c->activated != CS_TIME_NONE || c->closed ||
	    cs_case_count(c, "termination"))
		return 0;
	fmt_time(c->received, ts);
	return say(m, l,
	    "not yet activated (received %s): furnish assistance "
	    "forthwith, unobtrusively, with minimum interference; target "
	    "hours, not days (2518(4))",
	    ts);
}

static int
pt6(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "if the agency installs its own device, it must "
	    "record the officers, install, uninstall and access times, "
	    "configuration and data collected, and file that under seal "
	    "within 30 days of termination (3123(a)(3)); log the "
	    "provider-side facts too");
}

static int
pt7(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "reasonable expenses are compensated (3124(c)): "
	    "custos case cost, case invoice; no cause of action for "
	    "compliance (3124(d)); good-faith defense (3124(e))");
}

static int
calea5(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "a compromise of this interception, or unlawful "
	    "surveillance on the premises, is reported to the affected "
	    "agencies within a reasonable time upon discovery: incident "
	    "workflow, timestamped report (47 CFR 1.20003(c))");
}

static int
calea6(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return missing(m, l,
	    "appropriate authorization = legal and carrier "
	    "authorization (47 CFR 1.20002)",
	    2,
	    "legal (order or "
	    "certification document)",
	    cs_case_has_doc(c, NULL), "carrier (approval)",
	    cs_rules_approved(c, 1));
}

static int
calea7(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "an employee's violation of the carrier's policy is "
	    "the carrier's violation: every access is audited "
	    "(47 USC 229(d))");
}

static int
calea8(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "deliver only the target's communications, "
	    "concurrently, off premises and unobtrusively; protect others' "
	    "privacy and the secrecy of the interception; decrypt only "
	    "carrier-provided encryption (47 USC 1002(a),(b)(3))");
}

static int
calea9(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "facilities-based broadband access and "
	    "interconnected VoIP are CALEA carriers (1001(8)(B)(ii); FCC "
	    "05-153, 06-56; since 14 May 2007); pure information services "
	    "are not (1001(8)(C)): document the provider's status");
}

static int
calea10(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "safe harbor (47 USC 1006(a)(2)): record the "
	    "standard the delivery claims (broadband ATIS-1000013, VoIP "
	    "ATIS-1000678, cable PacketCable/CBIS)");
}

static int
calea11(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "the Jan 2025 FCC ruling that section 105 requires "
	    "network security was rescinded (20 Nov 2025, PS Dkt 22-329): "
	    "those measures are best practice, not law");
}

static int
calea12(
    const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	return say(m, l,
	    "non-compliance is enforced by court order (47 USC "
	    "1007, 18 USC 2522): civil penalty up to $10,000 a day");
}

static int
ret1(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (env->cfg && env->cfg->retention_days)
		return say(m, l,
		    "no general US data-retention mandate: logs "
		    "are purged per the retention policy (retention_days = "
		    "%llu) unless held; 2703(f) is not a retention mandate",
		    (unsigned long long)env->cfg->retention_days);
	return say(m, l,
	    "no general US data-retention mandate: logs are "
	    "purged per the retention policy unless held; 2703(f) is not a "
	    "retention mandate");
}

static int
ret2(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	size_t i;

	for (i = 0; i < c->nt && c->t[i].kind != TK_PHONE; i++)
		;
	if (i == c->nt)
		return 0;
	return say(m, l,
	    "if the carrier bills toll calls: toll billing "
	    "records (name, address, numbers, date, time, length) are kept "
	    "18 months (47 CFR 42.6)");
}

static int
ret3(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (c->closed)
		return 0;
	return say(m, l,
	    "cable operators destroy personal information once "
	    "no longer needed, unless a request or order is pending: this "
	    "one is (47 USC 551(e))");
}

static int
ret4(const struct cs_case *c, const struct cs_rule_env *env, char *m, size_t l)
{
	if (!cs_case_count(c, "certify"))
		return 0;
	return say(m, l,
	    "the 1.20004 certification record is kept for the "
	    "period the SSI policy states (47 CFR 1.20003(b)(3))");
}

static const struct rule rules[] = {
    {"R-WRITING", NEEDS_WRITING, RO_BLOCK, writing, NULL},
    {"R-SUB-1", CT_SUBPOENAS, RO_BLOCK, sub1, NULL},
    {"R-SUB-2", CT_SUBPOENAS, RO_BLOCK, sub2, NULL},
    {"R-D-1", T(2703D), RO_BLOCK, d1, NULL},
    {"R-D-2", T(2703D), RO_ROUTE, d2, d2_due},
    {"R-W-1", T(WARRANT), RO_WARN, w1, NULL},
    {"R-CONTENT-1", CT_ALL & ~(T(WARRANT) | CT_SUBPOENAS | CT_INTERCEPTS),
	RO_ROUTE, content1, NULL},
    {"R-PRES-1", T(PRES), RO_INFO, pres1, pres1_due},
    {"R-PRES-2", T(PRES), RO_WARN, pres2, NULL},
    {"R-PRES-3", T(PRES) | T(CYBERTIP), RO_INFO, NULL, pres3_due},
    {"R-PRES-4", CT_ALL & ~(T(PRES) | CT_COUNSEL), RO_INFO, pres4, NULL},
    {"R-2704", CT_SUBPOENAS | T(2703D) | T(WARRANT), RO_WARN, r2704, r2704_due},
    {"R-NDO-1", T(NDO), RO_ROUTE, ndo1_route, gag_due},
    {"R-NDO-1", T(NDO), RO_WARN, ndo1_warn, NULL},
    {"R-NDO-1", CT_ALL & ~T(NDO), RO_INFO, NULL, gag_due},
    {"R-NDO-2", CT_ALL, RO_INFO, ndo2, NULL},
    {"R-2705A", CT_SUBPOENAS | T(2703D), RO_INFO, r2705a, NULL},
    {"R-FEE-1", SCA_PRODUCING, RO_INFO, fee1, NULL},
    {"R-EMG-1", T(EMERG), RO_BLOCK, emg1_fields, emg3_due},
    {"R-EMG-1", T(EMERG), RO_BLOCK, emg1_approval, NULL},
    {"R-EMG-2", T(EMERG), RO_BLOCK, emg2, NULL},
    {"R-CSAM-1", T(CYBERTIP), RO_INFO, pres1, pres1_due},
    {"R-T3-1", T(T3), RO_BLOCK, t3_1, NULL},
    {"R-T3-2", T(T3), RO_BLOCK, t3_2, t3_2_due},
    {"R-T3-3", T(T3) | T(PT), RO_BLOCK, t3_3, NULL},
    {"R-T3-4", CT_INTERCEPTS, RO_BLOCK, t3_4, NULL},
    {"R-T3-6", T(T3_EMERG), RO_BLOCK, t3_6, emerg48_due},
    {"R-T3-7", T(T3) | T(T3_EMERG), RO_INFO, hard_gag, NULL},
    {"R-T3-8", T(T3) | T(T3_EMERG), RO_WARN, t3_8, NULL},
    {"R-T3-9", T(T3) | T(T3_EMERG), RO_INFO, t3_9, NULL},
    {"R-T3-10", T(T3) | T(T3_EMERG), RO_INFO, t3_10, NULL},
    {"R-T3-11", T(T3) | T(T3_EMERG), RO_INFO, t3_11, NULL},
    {"R-PT-1", T(PT), RO_BLOCK, pt1, NULL},
    {"R-PT-2", T(PT), RO_BLOCK, pt2, pt2_due},
    {"R-PT-3", T(PT) | T(PT_EMERG), RO_INFO, hard_gag, NULL},
    {"R-PT-4", T(PT) | T(PT_EMERG), RO_BLOCK, pt4_block, NULL},
    {"R-PT-4", T(PT) | T(PT_EMERG), RO_ROUTE, pt4_route, NULL},
    {"R-PT-5", T(PT_EMERG), RO_BLOCK, pt5, emerg48_due},
    {"R-PT-6", T(PT) | T(PT_EMERG), RO_INFO, pt6, NULL},
    {"R-PT-7", T(PT) | T(PT_EMERG), RO_INFO, pt7, NULL},
    {"R-CALEA-1", CT_INTERCEPTS, RO_BLOCK, calea1, NULL},
    {"R-CALEA-2", CT_INTERCEPTS, RO_WARN, calea2, calea2_due},
    {"R-CALEA-3", CT_INTERCEPTS, RO_BLOCK, calea3, NULL},
    {"R-CALEA-5", CT_INTERCEPTS, RO_INFO, calea5, NULL},
    {"R-CALEA-6", CT_INTERCEPTS, RO_INFO, calea6, NULL},
    {"R-CALEA-7", CT_INTERCEPTS, RO_INFO, calea7, NULL},
    {"R-CALEA-8", CT_INTERCEPTS, RO_INFO, calea8, NULL},
    {"R-CALEA-9", CT_INTERCEPTS, RO_INFO, calea9, NULL},
    {"R-CALEA-10", CT_INTERCEPTS, RO_INFO, calea10, NULL},
    {"R-CALEA-11", CT_INTERCEPTS, RO_INFO, calea11, NULL},
    {"R-CALEA-12", CT_INTERCEPTS, RO_INFO, calea12, NULL},
    {"R-RET-1", T(PRES) | T(CYBERTIP), RO_INFO, ret1, NULL},
    {"R-RET-2", T(PRES), RO_INFO, ret2, NULL},
    {"R-RET-3", T(PRES), RO_INFO, ret3, NULL},
    {"R-RET-4", CT_INTERCEPTS, RO_INFO, ret4, NULL},
    {"R-COUNSEL", CT_COUNSEL, RO_ROUTE, counsel, NULL},
    {"R-POL-CALLBACK", DISCLOSING, RO_BLOCK, callback, NULL},
    {"R-POL-PAYMENT", CT_SUBPOENAS | T(2703D) | T(WARRANT), RO_BLOCK, payment,
	NULL},
    {"RETURN", CT_ALL, RO_INFO, NULL, return_due},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

const char *const *
cs_rules_ids(void)
{
	static const char *ids[NRULES + 1];
	size_t i, j, n = 0;

	if (ids[0])
		return ids;
	for (i = 0; i < NRULES; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(ids[j], rules[i].id) == 0)
				break;
		if (j == n)
			ids[n++] = rules[i].id;
	}
	ids[n] = NULL;
	return ids;
}

size_t
cs_rules_eval(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_finding *out, size_t max)
{
	size_t i, n = 0;
	char msg[256];

	for (i = 0; i < NRULES && n < max; i++) {
		if (!(rules[i].types & CT_BIT(c->type)) || !rules[i].check)
			continue;
		if (!rules[i].check(c, env, msg, sizeof(msg)))
			continue;
		out[n].rule = rules[i].id;
		out[n].out = rules[i].out;
		out[n].acked =
		    (rules[i].out == RO_WARN || rules[i].out == RO_ROUTE) &&
		    cs_case_acked(c, rules[i].id);
		memcpy(out[n].msg, msg, sizeof(msg));
		n++;
	}
	return n;
}

const struct cs_finding *
cs_rules_blocker(const struct cs_finding *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].out == RO_BLOCK)
			return &f[i];
	for (i = 0; i < n; i++)
		if ((f[i].out == RO_WARN || f[i].out == RO_ROUTE) &&
		    !f[i].acked)
			return &f[i];
	return NULL;
}

size_t
cs_rules_due(const struct cs_case *c, const struct cs_rule_env *env,
    struct cs_due *out, size_t max)
{
	size_t i, n = 0, k = 0;

	if (c->closed)
		return 0;
	for (i = 0; i < NRULES; i++)
		if ((rules[i].types & CT_BIT(c->type)) && rules[i].due)
			rules[i].due(c, env, out, max, &n);
	/* drop what has passed unless it still needs doing */
	for (i = 0; i < n; i++)
		if (out[i].at >= env->now || out[i].must_act)
			out[k++] = out[i];
	return k;
}

size_t
cs_rules_ssi_due(cs_time set_at, cs_time filed_at,
    const struct cs_rule_env *env, struct cs_due *out, size_t max)
{
	size_t n = 0;
	uint64_t days = env->cfg ? env->cfg->ssi_refile_days : 365;

	if (set_at == CS_TIME_NONE) {
		add_due(NULL, out, max, &n, "R-CALEA-3", env->now,
		    "no SSI "
		    "policy registered: custos ssi set FILE");
		return n;
	}
	if (filed_at == CS_TIME_NONE || filed_at < set_at)
		add_due(NULL, out, max, &n, "R-CALEA-4", set_at + 90 * CS_DAY,
		    "file the SSI policy with the FCC (90 days after each "
		    "amendment)");
	add_due(NULL, out, max, &n, "R-CALEA-4",
	    set_at + (int64_t)days * CS_DAY,
	    "review and re-file the SSI policy");
	out[n - 1].must_act = 0;
	if (out[n - 1].at < env->now)
		out[n - 1].must_act = 1;
	return n;
}

unsigned
cs_rules_allowed(enum cs_ctype t)
{
	switch (t) {
	case CT_SUB_ADMIN:
	case CT_SUB_GJ:
	case CT_SUB_TRIAL:
		return CC_BSI_SET;
	case CT_2703D:
		return CC_NONCONTENT;
	case CT_PT:
	case CT_PT_EMERG:
		return CC_BIT(CC_SESSION) | CC_BIT(CC_IPHIST) |
		    CC_BIT(CC_DEST) | CC_BIT(CC_SMTP);
	case CT_WARRANT:
	case CT_EMERG:
	case CT_CONSENT:
	case CT_T3:
	case CT_T3_EMERG:
		return CC_ALL;
	case CT_CYBERTIP:
		return CC_NONCONTENT;
	default:
		return 0; /* preservation, 2705(b), FISA, NSL */
	}
}

int
cs_rules_gag(const struct cs_case *c, const struct cs_rule_env *env,
    const char **basis, cs_time *until)
{
	*until = CS_TIME_NONE;
	switch (c->type) {
	case CT_T3:
	case CT_T3_EMERG:
		*basis = "Title III interception (2511(2)(a)(ii))";
		return 1;
	case CT_PT:
	case CT_PT_EMERG:
		*basis = "pen/trap order (3123(d))";
		return 1;
	case CT_FISA:
	case CT_NSL:
		*basis = "statutory gag (FISA / 18 USC 2709)";
		return 1;
	case CT_NDO:
		*basis = "2705(b) non-disclosure order";
		*until = c->expires;
		return c->expires == CS_TIME_NONE || env->now < c->expires;
	default:
		break;
	}
	if (c->gag_indefinite) {
		*basis = "2705(b) order without end date";
		return 1;
	}
	if (c->gag_until != CS_TIME_NONE && env->now < c->gag_until) {
		*basis = "2705(b) provision of the order";
		*until = c->gag_until;
		return 1;
	}
	if (env->ndo_until != CS_TIME_NONE && env->now < env->ndo_until) {
		*basis = "2705(b) non-disclosure order";
		*until =
		    env->ndo_until == INT64_MAX ? CS_TIME_NONE : env->ndo_until;
		return 1;
	}
	return 0;
}
