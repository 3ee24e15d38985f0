/*
 * rules_test - every rule of spec/legal-rules.md: one case that makes it
 * fire and one that lets the case through (table-driven), plus the
 * deadline arithmetic (30/60-day orders, 48-hour windows, 90+90-day
 * holds, two business days, gags).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/case.h"
#include "core/rules.h"
#include "t.h"

static struct cs_config cfg;

static cs_time
T(const char *s)
{
	cs_time t = 0;

	if (cs_time_parse_rfc3339(cs_span_cstr(s), &t, NULL) != CS_OK) {
		fprintf(stderr, "bad time %s\n", s);
		return 0;
	}
	return t;
}

static void
doc(struct cs_case *c, const char *kind)
{
	struct cs_doc *d = &c->d[c->nd++];

	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	snprintf(d->sha, sizeof(d->sha), "%064d", (int)c->nd);
}

/* base - a complete, correct case of type t that no BLOCK/WARN stops */
static struct cs_case *
base(enum cs_ctype t)
{
	struct cs_case *c = cs_case_new();

	snprintf(c->id, sizeof(c->id), "2026-0001");
	c->type = t;
	snprintf(c->type_name, sizeof(c->type_name), "%s", cs_ctype_name(t));
	snprintf(c->created_by, sizeof(c->created_by), "alice");
	c->received = T("2026-11-05T10:00:00Z");
	c->issued = T("2026-11-04T10:00:00Z");
	snprintf(c->agency, sizeof(c->agency), "FBI");
	snprintf(c->court, sizeof(c->court), "D. Mass.");
	snprintf(c->judge, sizeof(c->judge), "Judge Doe");
	snprintf(c->official, sizeof(c->official), "AAG Roe");
	snprintf(c->statute, sizeof(c->statute), "21 USC 876");
	snprintf(c->officer_name, sizeof(c->officer_name), "SA Smith");
	snprintf(c->officer_phone, sizeof(c->officer_phone), "+1 202 555 0100");
	snprintf(c->danger, sizeof(c->danger), "kidnapping");
	snprintf(c->urgency, sizeof(c->urgency), "victim in danger now");
	snprintf(c->emergency_kind, sizeof(c->emergency_kind), "danger");
	snprintf(c->offense, sizeof(c->offense), "18 USC 1201");
	snprintf(c->parent, sizeof(c->parent), "2026-0000");
	if (t == CT_T3_EMERG || t == CT_NDO)
		c->expires = T("2026-11-20T00:00:00Z");
	c->activated = T("2026-11-05T11:00:00Z");
	c->cats = CC_BIT(CC_BSI);
	cs_target_parse("ip:100.64.12.34", &c->t[c->nt++], NULL);
	doc(c, "legal");
	doc(c, "certification");
	cs_case_add_event(c, "verify", c->received, "bob", "+1 202 555 0100");
	cs_case_add_event(c, "approve", c->received, "bob", "");
	cs_case_add_event(c, "certify", c->received, "carol", "");
	cs_case_add_event(c, "paid", c->received, "bob", "");
	if (t == CT_T3_EMERG || t == CT_PT_EMERG || t == CT_EMERG)
		cs_case_add_event(c, "followup", c->received, "bob", "");
	return c;
}

static void
env_default(struct cs_rule_env *e)
{
	memset(e, 0, sizeof(*e));
	e->cfg = &cfg;
	e->now = T("2026-11-05T12:00:00Z");
	e->have_ssi = 1;
	e->ndo_until = CS_TIME_NONE;
}

/* mutations */
static void
m_none(struct cs_case *c, struct cs_rule_env *e)
{
}
static void
m_nodocs(struct cs_case *c, struct cs_rule_env *e)
{
	c->nd = 0;
}
static void
m_smtp(struct cs_case *c, struct cs_rule_env *e)
{
	c->cats |= CC_BIT(CC_SMTP);
}
static void
m_radattr(struct cs_case *c, struct cs_rule_env *e)
{
	c->cats |= CC_BIT(CC_RADATTR);
}
static void
m_nostatute(struct cs_case *c, struct cs_rule_env *e)
{
	c->statute[0] = 0;
}
static void
m_nocourt(struct cs_case *c, struct cs_rule_env *e)
{
	c->court[0] = 0;
}
static void
m_nojudge(struct cs_case *c, struct cs_rule_env *e)
{
	c->judge[0] = 0;
}
static void
m_noofficial(struct cs_case *c, struct cs_rule_env *e)
{
	c->official[0] = 0;
}
static void
m_voluminous(struct cs_case *c, struct cs_rule_env *e)
{
	c->voluminous = 1;
}
static void
m_stale(struct cs_case *c, struct cs_rule_env *e)
{
	c->issued = T("2026-10-20T10:00:00Z");
}
static void
m_fresh14(struct cs_case *c, struct cs_rule_env *e)
{
	c->issued = T("2026-10-22T10:00:00Z");
}
static void
m_stored(struct cs_case *c, struct cs_rule_env *e)
{
	c->cats |= CC_BIT(CC_STORED);
}
static void
m_renew2(struct cs_case *c, struct cs_rule_env *e)
{
	cs_case_add_event(c, "renewal", c->received, "bob", "");
	cs_case_add_event(c, "renewal", c->received, "bob", "");
}
static void
m_renew1(struct cs_case *c, struct cs_rule_env *e)
{
	cs_case_add_event(c, "renewal", c->received, "bob", "");
}
static void
m_closed(struct cs_case *c, struct cs_rule_env *e)
{
	c->closed = 1;
}
static void
m_notargets(struct cs_case *c, struct cs_rule_env *e)
{
	c->nt = 0;
}
/* received Thursday 2026-11-05: two business days is Monday 11-09 */
static void
m_backup_late(struct cs_case *c, struct cs_rule_env *e)
{
	c->backup = 1;
	e->now = T("2026-11-09T10:00:01Z");
}
static void
m_backup_early(struct cs_case *c, struct cs_rule_env *e)
{
	c->backup = 1;
	e->now = T("2026-11-09T09:59:59Z");
}
static void
m_noexpiry(struct cs_case *c, struct cs_rule_env *e)
{
	c->expires = CS_TIME_NONE;
}
static void
m_longgag(struct cs_case *c, struct cs_rule_env *e)
{
	c->expires = T("2028-01-01T00:00:00Z");
}
static void
m_noparent(struct cs_case *c, struct cs_rule_env *e)
{
	c->parent[0] = 0;
}
static void
m_gag_until(struct cs_case *c, struct cs_rule_env *e)
{
	c->gag_until = T("2026-12-01T00:00:00Z");
}
static void
m_gag_past(struct cs_case *c, struct cs_rule_env *e)
{
	c->gag_until = T("2026-11-01T00:00:00Z");
}
static void
m_ndo_env(struct cs_case *c, struct cs_rule_env *e)
{
	e->ndo_until = T("2027-01-01T00:00:00Z");
}
static void
m_nodanger(struct cs_case *c, struct cs_rule_env *e)
{
	c->danger[0] = 0;
}
static void
m_nophone(struct cs_case *c, struct cs_rule_env *e)
{
	c->officer_phone[0] = 0;
}
static void
m_noapprove(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "approve") == 0)
			snprintf(c->e[i].kind, sizeof(c->e[i].kind), "x");
}
static void
m_selfapprove(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "approve") == 0)
			snprintf(c->e[i].by, sizeof(c->e[i].by), "alice");
}
static void
m_nocert(struct cs_case *c, struct cs_rule_env *e)
{
	snprintf(c->d[1].kind, sizeof(c->d[1].kind), "other");
}
static void
m_noexigentpolicy(struct cs_case *c, struct cs_rule_env *e)
{
	static struct cs_config off;

	m_nocert(c, e);
	off = cfg;
	off.refuse_exigent_without_cert = 0;
	e->cfg = &off;
}
/* Title III entered 11-04; no interception: ends 11-04 + 10 + 30 days */
static void
m_t3_day39(struct cs_case *c, struct cs_rule_env *e)
{
	e->now = T("2026-12-13T09:59:59Z");
}
static void
m_t3_day40(struct cs_case *c, struct cs_rule_env *e)
{
	e->now = T("2026-12-14T10:00:00Z");
}
static void
m_t3_early(struct cs_case *c, struct cs_rule_env *e)
{
	c->first_intercept = T("2026-11-05T10:00:00Z");
	e->now = T("2026-12-05T10:00:00Z");
}
static void
m_extension_nodoc(struct cs_case *c, struct cs_rule_env *e)
{
	cs_case_add_event(c, "extension", c->received, "bob", "");
}
static void
m_extension_doc(struct cs_case *c, struct cs_rule_env *e)
{
	cs_case_add_event(c, "extension", c->received, "bob", "");
	doc(c, "extension");
}
static void
m_terminated(struct cs_case *c, struct cs_rule_env *e)
{
	cs_case_add_event(c, "termination", c->received, "bob", "");
}
static void
m_noemkind(struct cs_case *c, struct cs_rule_env *e)
{
	c->emergency_kind[0] = 0;
}
static void
m_nofollowup_47h(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "followup") == 0)
			snprintf(c->e[i].kind, sizeof(c->e[i].kind), "x");
	e->now = c->activated + 47 * CS_HOUR;
}
static void
m_nofollowup_48h(struct cs_case *c, struct cs_rule_env *e)
{
	m_nofollowup_47h(c, e);
	e->now = c->activated + 48 * CS_HOUR;
}
/* pen/trap entered 11-04: 60 days */
static void
m_pt_day59(struct cs_case *c, struct cs_rule_env *e)
{
	e->now = T("2027-01-03T09:59:59Z");
}
static void
m_pt_day60(struct cs_case *c, struct cs_rule_env *e)
{
	e->now = T("2027-01-03T10:00:00Z");
}
static void
m_content(struct cs_case *c, struct cs_rule_env *e)
{
	c->cats |= CC_BIT(CC_CONTENT);
}
static void
m_dns(struct cs_case *c, struct cs_rule_env *e)
{
	c->cats |= CC_BIT(CC_DNS);
}
static void
m_uncertified_25h(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "certify") == 0)
			snprintf(c->e[i].kind, sizeof(c->e[i].kind), "x");
	e->now = c->received + 25 * CS_HOUR;
}
static void
m_uncertified_23h(struct cs_case *c, struct cs_rule_env *e)
{
	m_uncertified_25h(c, e);
	e->now = c->received + 23 * CS_HOUR;
}
static void
m_nossi(struct cs_case *c, struct cs_rule_env *e)
{
	e->have_ssi = 0;
}
static void
m_noverify(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "verify") == 0)
			snprintf(c->e[i].kind, sizeof(c->e[i].kind), "x");
}
static void
m_callback_off(struct cs_case *c, struct cs_rule_env *e)
{
	static struct cs_config off;

	m_noverify(c, e);
	off = cfg;
	off.require_callback = 0;
	e->cfg = &off;
}
static void
m_unpaid(struct cs_case *c, struct cs_rule_env *e)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (strcmp(c->e[i].kind, "paid") == 0)
			snprintf(c->e[i].kind, sizeof(c->e[i].kind), "x");
}
static void
m_unpaid_policy_off(struct cs_case *c, struct cs_rule_env *e)
{
	static struct cs_config off;

	m_unpaid(c, e);
	off = cfg;
	off.payment_before_fulfilment = 0;
	e->cfg = &off;
}
static void
m_backup(struct cs_case *c, struct cs_rule_env *e)
{
	c->backup = 1;
}
static void
m_notactivated(struct cs_case *c, struct cs_rule_env *e)
{
	c->activated = CS_TIME_NONE;
}
static void
m_phone(struct cs_case *c, struct cs_rule_env *e)
{
	cs_target_parse("phone:+12025550100", &c->t[c->nt++], NULL);
}

struct tc {
	const char *rule;
	enum cs_ctype type;
	void (*mut)(struct cs_case *, struct cs_rule_env *);
	int fires;
	enum cs_outcome out;
};

static const struct tc cases[] = {
    /* everything in writing */
    {"R-WRITING", CT_2703D, m_nodocs, 1, RO_BLOCK},
    {"R-WRITING", CT_2703D, m_none, 0, 0},
    {"R-WRITING", CT_EMERG, m_nodocs, 0, 0},
    /* SCA */
    {"R-SUB-1", CT_SUB_ADMIN, m_smtp, 1, RO_BLOCK},
    {"R-SUB-1", CT_SUB_GJ, m_radattr, 1, RO_BLOCK},
    {"R-SUB-1", CT_SUB_ADMIN, m_none, 0, 0},
    {"R-SUB-1", CT_2703D, m_smtp, 0, 0},
    {"R-SUB-2", CT_SUB_ADMIN, m_nostatute, 1, RO_BLOCK},
    {"R-SUB-2", CT_SUB_GJ, m_nocourt, 1, RO_BLOCK},
    {"R-SUB-2", CT_SUB_TRIAL, m_noofficial, 1, RO_BLOCK},
    {"R-SUB-2", CT_SUB_GJ, m_nostatute, 0, 0},
    {"R-SUB-2", CT_SUB_ADMIN, m_none, 0, 0},
    {"R-D-1", CT_2703D, m_nojudge, 1, RO_BLOCK},
    {"R-D-1", CT_2703D, m_none, 0, 0},
    {"R-D-2", CT_2703D, m_voluminous, 1, RO_ROUTE},
    {"R-D-2", CT_2703D, m_none, 0, 0},
    {"R-W-1", CT_WARRANT, m_stale, 1, RO_WARN},
    {"R-W-1", CT_WARRANT, m_fresh14, 0, 0},
    {"R-CONTENT-1", CT_2703D, m_stored, 1, RO_ROUTE},
    {"R-CONTENT-1", CT_WARRANT, m_stored, 0, 0},
    {"R-PRES-1", CT_PRES, m_none, 1, RO_INFO},
    {"R-PRES-1", CT_2703D, m_none, 0, 0},
    {"R-PRES-2", CT_PRES, m_renew2, 1, RO_WARN},
    {"R-PRES-2", CT_PRES, m_renew1, 0, 0},
    {"R-PRES-4", CT_2703D, m_none, 1, RO_INFO},
    {"R-PRES-4", CT_2703D, m_closed, 0, 0},
    {"R-PRES-4", CT_2703D, m_notargets, 0, 0},
    {"R-2704", CT_2703D, m_backup_late, 1, RO_WARN},
    {"R-2704", CT_2703D, m_backup_early, 0, 0},
    {"R-NDO-1", CT_NDO, m_noexpiry, 1, RO_ROUTE},
    {"R-NDO-1", CT_NDO, m_longgag, 1, RO_WARN},
    {"R-NDO-1", CT_NDO, m_noparent, 1, RO_WARN},
    {"R-NDO-1", CT_NDO, m_none, 0, 0},
    {"R-NDO-2", CT_2703D, m_gag_until, 1, RO_INFO},
    {"R-NDO-2", CT_2703D, m_ndo_env, 1, RO_INFO},
    {"R-NDO-2", CT_PT, m_none, 1, RO_INFO},
    {"R-NDO-2", CT_2703D, m_gag_past, 0, 0},
    {"R-NDO-2", CT_SUB_ADMIN, m_none, 0, 0},
    {"R-EMG-1", CT_EMERG, m_nodanger, 1, RO_BLOCK},
    {"R-EMG-1", CT_EMERG, m_nophone, 1, RO_BLOCK},
    {"R-EMG-1", CT_EMERG, m_noapprove, 1, RO_BLOCK},
    {"R-EMG-1", CT_EMERG, m_none, 0, 0},
    {"R-EMG-2", CT_EMERG, m_nocert, 1, RO_BLOCK},
    {"R-EMG-2", CT_EMERG, m_noexigentpolicy, 0, 0},
    {"R-CSAM-1", CT_CYBERTIP, m_none, 1, RO_INFO},
    {"R-CSAM-1", CT_PRES, m_none, 0, 0},
    {"R-2705A", CT_2703D, m_stored, 1, RO_INFO},
    {"R-2705A", CT_2703D, m_none, 0, 0},
    {"R-2705A", CT_WARRANT, m_stored, 0, 0},
    {"R-FEE-1", CT_SUB_ADMIN, m_none, 1, RO_INFO},
    {"R-FEE-1", CT_EMERG, m_none, 1, RO_INFO},
    {"R-FEE-1", CT_PRES, m_none, 0, 0},
    {"R-FEE-1", CT_T3, m_none, 0, 0},
    /* Title III */
    {"R-T3-1", CT_T3, m_nojudge, 1, RO_BLOCK},
    {"R-T3-1", CT_T3, m_notargets, 1, RO_BLOCK},
    {"R-T3-1", CT_T3, m_none, 0, 0},
    {"R-T3-2", CT_T3, m_t3_day40, 1, RO_BLOCK},
    {"R-T3-2", CT_T3, m_t3_early, 1, RO_BLOCK},
    {"R-T3-2", CT_T3, m_t3_day39, 0, 0},
    {"R-T3-3", CT_T3, m_extension_nodoc, 1, RO_BLOCK},
    {"R-T3-3", CT_T3, m_extension_doc, 0, 0},
    {"R-T3-4", CT_T3, m_terminated, 1, RO_BLOCK},
    {"R-T3-4", CT_T3, m_none, 0, 0},
    {"R-T3-6", CT_T3_EMERG, m_nocert, 1, RO_BLOCK},
    {"R-T3-6", CT_T3_EMERG, m_noexpiry, 1, RO_BLOCK},
    {"R-T3-6", CT_T3_EMERG, m_nofollowup_48h, 1, RO_BLOCK},
    {"R-T3-6", CT_T3_EMERG, m_nofollowup_47h, 0, 0},
    {"R-T3-7", CT_T3, m_none, 1, RO_INFO},
    {"R-T3-7", CT_2703D, m_none, 0, 0},
    {"R-T3-8", CT_T3, m_terminated, 1, RO_WARN},
    {"R-T3-8", CT_T3, m_t3_day40, 1, RO_WARN},
    {"R-T3-8", CT_T3_EMERG, m_backup, 1, RO_WARN},
    {"R-T3-8", CT_T3, m_t3_day39, 0, 0},
    {"R-T3-8", CT_PT, m_terminated, 0, 0},
    {"R-T3-9", CT_T3, m_terminated, 1, RO_INFO},
    {"R-T3-9", CT_T3, m_t3_day40, 1, RO_INFO},
    {"R-T3-9", CT_T3, m_t3_day39, 0, 0},
    {"R-T3-10", CT_T3, m_none, 1, RO_INFO},
    {"R-T3-10", CT_PT, m_none, 0, 0},
    {"R-T3-11", CT_T3, m_notactivated, 1, RO_INFO},
    {"R-T3-11", CT_T3, m_none, 0, 0},
    {"R-T3-11", CT_PT, m_notactivated, 0, 0},
    /* pen/trap */
    {"R-PT-1", CT_PT, m_noofficial, 1, RO_BLOCK},
    {"R-PT-1", CT_PT, m_none, 0, 0},
    {"R-PT-2", CT_PT, m_pt_day60, 1, RO_BLOCK},
    {"R-PT-2", CT_PT, m_pt_day59, 0, 0},
    {"R-PT-3", CT_PT_EMERG, m_none, 1, RO_INFO},
    {"R-PT-3", CT_T3, m_none, 0, 0},
    {"R-PT-4", CT_PT, m_content, 1, RO_BLOCK},
    {"R-PT-4", CT_PT, m_dns, 1, RO_ROUTE},
    {"R-PT-4", CT_PT, m_none, 0, 0},
    {"R-PT-5", CT_PT_EMERG, m_noemkind, 1, RO_BLOCK},
    {"R-PT-5", CT_PT_EMERG, m_nofollowup_48h, 1, RO_BLOCK},
    {"R-PT-5", CT_PT_EMERG, m_nofollowup_47h, 0, 0},
    {"R-PT-6", CT_PT, m_none, 1, RO_INFO},
    {"R-PT-6", CT_PT_EMERG, m_none, 1, RO_INFO},
    {"R-PT-6", CT_T3, m_none, 0, 0},
    {"R-PT-7", CT_PT, m_none, 1, RO_INFO},
    {"R-PT-7", CT_T3, m_none, 0, 0},
    /* CALEA */
    {"R-CALEA-1", CT_T3, m_noapprove, 1, RO_BLOCK},
    {"R-CALEA-1", CT_PT, m_selfapprove, 1, RO_BLOCK},
    {"R-CALEA-1", CT_T3, m_none, 0, 0},
    {"R-CALEA-2", CT_T3, m_uncertified_25h, 1, RO_WARN},
    {"R-CALEA-2", CT_T3, m_uncertified_23h, 0, 0},
    {"R-CALEA-3", CT_T3, m_nossi, 1, RO_BLOCK},
    {"R-CALEA-3", CT_2703D, m_nossi, 0, 0},
    {"R-CALEA-5", CT_T3, m_none, 1, RO_INFO},
    {"R-CALEA-5", CT_2703D, m_none, 0, 0},
    {"R-CALEA-6", CT_PT, m_noapprove, 1, RO_INFO},
    {"R-CALEA-6", CT_T3, m_nodocs, 1, RO_INFO},
    {"R-CALEA-6", CT_T3, m_none, 0, 0},
    {"R-CALEA-7", CT_PT_EMERG, m_none, 1, RO_INFO},
    {"R-CALEA-7", CT_WARRANT, m_none, 0, 0},
    {"R-CALEA-8", CT_T3, m_none, 1, RO_INFO},
    {"R-CALEA-8", CT_FISA, m_none, 0, 0},
    {"R-CALEA-9", CT_PT, m_none, 1, RO_INFO},
    {"R-CALEA-9", CT_2703D, m_none, 0, 0},
    {"R-CALEA-10", CT_T3_EMERG, m_none, 1, RO_INFO},
    {"R-CALEA-10", CT_CONSENT, m_none, 0, 0},
    {"R-CALEA-11", CT_T3, m_none, 1, RO_INFO},
    {"R-CALEA-11", CT_NSL, m_none, 0, 0},
    {"R-CALEA-12", CT_PT, m_none, 1, RO_INFO},
    {"R-CALEA-12", CT_SUB_GJ, m_none, 0, 0},
    /* retention */
    {"R-RET-1", CT_PRES, m_none, 1, RO_INFO},
    {"R-RET-1", CT_CYBERTIP, m_none, 1, RO_INFO},
    {"R-RET-1", CT_2703D, m_none, 0, 0},
    {"R-RET-2", CT_PRES, m_phone, 1, RO_INFO},
    {"R-RET-2", CT_PRES, m_none, 0, 0},
    {"R-RET-3", CT_PRES, m_none, 1, RO_INFO},
    {"R-RET-3", CT_PRES, m_closed, 0, 0},
    {"R-RET-3", CT_2703D, m_none, 0, 0},
    {"R-RET-4", CT_T3, m_none, 1, RO_INFO},
    {"R-RET-4", CT_T3, m_uncertified_23h, 0, 0},
    {"R-RET-4", CT_PRES, m_none, 0, 0},
    {"R-COUNSEL", CT_FISA, m_none, 1, RO_ROUTE},
    {"R-COUNSEL", CT_NSL, m_none, 1, RO_ROUTE},
    {"R-COUNSEL", CT_WARRANT, m_none, 0, 0},
    /* operator policy */
    {"R-POL-CALLBACK", CT_2703D, m_noverify, 1, RO_BLOCK},
    {"R-POL-CALLBACK", CT_2703D, m_callback_off, 0, 0},
    {"R-POL-CALLBACK", CT_PRES, m_noverify, 0, 0},
    {"R-POL-PAYMENT", CT_SUB_ADMIN, m_unpaid, 1, RO_BLOCK},
    {"R-POL-PAYMENT", CT_SUB_ADMIN, m_unpaid_policy_off, 0, 0},
    {"R-POL-PAYMENT", CT_EMERG, m_unpaid, 0, 0},
};

static void
test_rule_table(void)
{
	size_t i, j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tc *tc = &cases[i];
		struct cs_finding f[CS_RULES_MAXF];
		struct cs_rule_env env;
		struct cs_case *c = base(tc->type);
		int fired = 0, out_ok = 0;

		env_default(&env);
		tc->mut(c, &env);
		n = cs_rules_eval(c, &env, f, CS_RULES_MAXF);
		for (j = 0; j < n; j++) {
			if (strcmp(f[j].rule, tc->rule) == 0) {
				fired = 1;
				out_ok |= f[j].out == tc->out;
			}
			/* a message that fills the buffer was cut short */
			if (strlen(f[j].msg) >= sizeof(f[j].msg) - 1) {
				fprintf(stderr,
				    "  case %zu: %s message "
				    "truncated\n",
				    i, f[j].rule);
				t_cur_failed++;
			}
		}
		if (fired != tc->fires || (tc->fires && !out_ok)) {
			fprintf(stderr,
			    "  case %zu: %s on %s: fired %d (want "
			    "%d, %s)\n",
			    i, tc->rule, cs_ctype_name(tc->type), fired,
			    tc->fires, cs_outcome_name(tc->out));
			for (j = 0; j < n; j++)
				fprintf(stderr, "    %s %s: %s\n", f[j].rule,
				    cs_outcome_name(f[j].out), f[j].msg);
			t_cur_failed++;
		}
		cs_case_free(c);
	}
}

/* every rule id of the table has a case that fires it and one that not */
static void
test_every_rule_covered(void)
{
	const char *const *ids = cs_rules_ids();
	size_t i, j;

	for (i = 0; ids[i]; i++) {
		int fire = 0, pass = 0;
		if (strcmp(ids[i], "R-PRES-3") == 0 ||
		    strcmp(ids[i], "RETURN") == 0)
			continue; /* deadlines only: test_deadlines */
		for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
			if (strcmp(cases[j].rule, ids[i]) == 0) {
				fire |= cases[j].fires;
				pass |= !cases[j].fires;
			}
		if (!fire || !pass) {
			fprintf(stderr, "  rule %s: no %s case\n", ids[i],
			    fire ? "passing" : "firing");
			t_cur_failed++;
		}
	}
}

/* every complete base case is free to proceed */
static void
test_base_cases_clear(void)
{
	static const enum cs_ctype ok[] = {CT_SUB_ADMIN, CT_SUB_GJ,
	    CT_SUB_TRIAL, CT_2703D, CT_WARRANT, CT_EMERG, CT_CONSENT, CT_T3,
	    CT_T3_EMERG, CT_PT, CT_PT_EMERG, CT_PRES, CT_CYBERTIP};
	size_t i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cs_finding f[CS_RULES_MAXF];
		struct cs_rule_env env;
		struct cs_case *c = base(ok[i]);
		const struct cs_finding *b;

		env_default(&env);
		n = cs_rules_eval(c, &env, f, CS_RULES_MAXF);
		b = cs_rules_blocker(f, n);
		if (b) {
			fprintf(stderr, "  %s blocked by %s: %s\n",
			    cs_ctype_name(ok[i]), b->rule, b->msg);
			t_cur_failed++;
		}
		cs_case_free(c);
	}
}

static void
test_ack(void)
{
	struct cs_finding f[CS_RULES_MAXF];
	struct cs_rule_env env;
	struct cs_case *c = base(CT_WARRANT);
	const struct cs_finding *b;
	size_t n;

	env_default(&env);
	c->issued = T("2026-10-01T00:00:00Z");
	n = cs_rules_eval(c, &env, f, CS_RULES_MAXF);
	b = cs_rules_blocker(f, n);
	T_CHECK(b != NULL && strcmp(b->rule, "R-W-1") == 0);
	cs_case_add_event(c, "ack", env.now, "carol", "R-W-1");
	n = cs_rules_eval(c, &env, f, CS_RULES_MAXF);
	T_CHECK(cs_rules_blocker(f, n) == NULL);
	cs_case_free(c);
}

/* finding - the message of the first finding of rule on c, or "" */
static const char *
finding(
    const struct cs_case *c, const struct cs_rule_env *env, const char *rule)
{
	static struct cs_finding f[CS_RULES_MAXF];
	size_t i, n = cs_rules_eval(c, env, f, CS_RULES_MAXF);

	for (i = 0; i < n; i++)
		if (strcmp(f[i].rule, rule) == 0)
			return f[i].msg;
	return "";
}

/* the notes say what to do and where, with their citations */
static void
test_notes(void)
{
	struct cs_rule_env env;
	struct cs_case *c;
	const char *m;

	env_default(&env);
	c = base(CT_SUB_GJ);
	m = finding(c, &env, "R-FEE-1");
	T_CHECK(strstr(m, "custos case cost") && strstr(m, "invoice") &&
	    strstr(m, "toll records") && strstr(m, "2706"));
	cs_case_free(c);
	/* terminated 11-05 10:00: inventory within 90 days */
	c = base(CT_T3);
	m_terminated(c, &env);
	m = finding(c, &env, "R-T3-9");
	T_CHECK(
	    strstr(m, "by 2027-02-03T10:00:00Z") && strstr(m, "2518(8)(d)"));
	T_CHECK(strstr(finding(c, &env, "R-T3-8"), "purge") != NULL);
	/* an acknowledged purge no longer stops anything by itself */
	cs_case_add_event(c, "ack", env.now, "carol", "R-T3-8");
	{
		struct cs_finding f[CS_RULES_MAXF];
		size_t i, n = cs_rules_eval(c, &env, f, CS_RULES_MAXF);

		for (i = 0; i < n; i++)
			if (strcmp(f[i].rule, "R-T3-8") == 0)
				T_CHECK(f[i].acked);
	}
	cs_case_free(c);
	c = base(CT_T3);
	T_CHECK(strstr(finding(c, &env, "R-T3-10"), "custos case cost"));
	cs_case_free(c);
	c = base(CT_PT);
	T_CHECK(strstr(finding(c, &env, "R-PT-7"), "custos case cost"));
	T_CHECK(strstr(finding(c, &env, "R-PT-6"), "30 days"));
	cs_case_free(c);
	/* retention follows the configured policy */
	c = base(CT_PRES);
	cfg.retention_days = 180;
	T_CHECK(strstr(finding(c, &env, "R-RET-1"), "retention_days = 180"));
	cs_cfg_defaults(&cfg);
	cfg.payment_before_fulfilment = 1;
	env.cfg = NULL;
	T_CHECK(strstr(finding(c, &env, "R-RET-1"), "retention policy"));
	cs_case_free(c);
}

static int
has_due(const struct cs_due *d, size_t n, const char *rule, cs_time at)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(d[i].rule, rule) == 0 && d[i].at == at)
			return 1;
	return 0;
}

static void
test_deadlines(void)
{
	struct cs_due d[CS_RULES_MAXDUE];
	struct cs_rule_env env;
	struct cs_case *c;
	size_t n;

	env_default(&env);
	/* R-PRES-1/2/3: 90 days, +90 per renewal, reminders 14/7/1 days */
	c = base(CT_PRES);
	T_EQ_INT(cs_rules_hold_end(c), T("2027-02-03T10:00:00Z"));
	n = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "R-PRES-1", T("2027-02-03T10:00:00Z")));
	T_CHECK(has_due(d, n, "R-PRES-3", T("2027-01-20T10:00:00Z")));
	T_CHECK(has_due(d, n, "R-PRES-3", T("2027-01-27T10:00:00Z")));
	T_CHECK(has_due(d, n, "R-PRES-3", T("2027-02-02T10:00:00Z")));
	cs_case_add_event(c, "renewal", c->received, "bob", "");
	T_EQ_INT(cs_rules_hold_end(c), T("2027-05-04T10:00:00Z"));
	cs_case_free(c);
	/* R-CSAM-1: one year */
	c = base(CT_CYBERTIP);
	T_EQ_INT(cs_rules_hold_end(c), T("2027-11-05T10:00:00Z"));
	cs_case_free(c);
	/* R-T3-2: earlier of first interception and entry + 10 days */
	c = base(CT_T3);
	T_EQ_INT(cs_rules_t3_end(c), T("2026-12-14T10:00:00Z"));
	c->first_intercept = T("2026-11-06T00:00:00Z");
	T_EQ_INT(cs_rules_t3_end(c), T("2026-12-06T00:00:00Z"));
	c->expires = T("2026-11-30T00:00:00Z"); /* the order's own end */
	T_EQ_INT(cs_rules_t3_end(c), T("2026-11-30T00:00:00Z"));
	cs_case_add_event(c, "extension", T("2026-11-29T00:00:00Z"), "b", "");
	T_EQ_INT(cs_rules_t3_end(c), T("2026-12-30T00:00:00Z"));
	/* an extension recorded after the end does not revive it */
	cs_case_add_event(c, "extension", T("2027-01-05T00:00:00Z"), "b", "");
	T_EQ_INT(cs_rules_t3_end(c), T("2026-12-30T00:00:00Z"));
	n = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "R-T3-2", T("2026-12-30T00:00:00Z")));
	cs_case_free(c);
	/* R-PT-2: 60 days, 60 more per extension */
	c = base(CT_PT);
	T_EQ_INT(cs_rules_pt_end(c), T("2027-01-03T10:00:00Z"));
	cs_case_add_event(c, "extension", T("2027-01-01T00:00:00Z"), "b", "");
	T_EQ_INT(cs_rules_pt_end(c), T("2027-03-04T10:00:00Z"));
	cs_case_free(c);
	/* R-PT-5 / R-T3-6: 48 hours from activation, until followed up */
	c = base(CT_PT_EMERG);
	m_nofollowup_47h(c, &env);
	n = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "R-PT-5", T("2026-11-07T11:00:00Z")));
	cs_case_free(c);
	c = base(CT_T3_EMERG);
	env_default(&env);
	m_nofollowup_48h(c, &env);
	env.now += 10 * CS_HOUR; /* overdue: still listed */
	n = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "R-T3-6", T("2026-11-07T11:00:00Z")));
	cs_case_free(c);
	/* R-2704: Thursday + 2 business days = Monday; Friday -> Tuesday */
	T_EQ_INT(cs_add_business_days(T("2026-11-05T10:00:00Z"), 2),
	    T("2026-11-09T10:00:00Z"));
	T_EQ_INT(cs_add_business_days(T("2026-11-06T10:00:00Z"), 2),
	    T("2026-11-10T10:00:00Z"));
	/* return date and gag lifting */
	env_default(&env);
	c = base(CT_2703D);
	c->return_date = T("2026-11-20T00:00:00Z");
	c->gag_until = T("2027-05-01T00:00:00Z");
	n = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "RETURN", T("2026-11-20T00:00:00Z")));
	T_CHECK(has_due(d, n, "R-NDO-1", T("2027-05-01T00:00:00Z")));
	c->closed = 1;
	T_EQ_INT(cs_rules_due(c, &env, d, CS_RULES_MAXDUE), 0);
	cs_case_free(c);
	/* R-CALEA-4: filing 90 days after the policy was set */
	n = cs_rules_ssi_due(
	    T("2026-11-01T00:00:00Z"), CS_TIME_NONE, &env, d, CS_RULES_MAXDUE);
	T_CHECK(has_due(d, n, "R-CALEA-4", T("2027-01-30T00:00:00Z")));
	n = cs_rules_ssi_due(T("2026-11-01T00:00:00Z"),
	    T("2026-11-02T00:00:00Z"), &env, d, CS_RULES_MAXDUE);
	T_CHECK(!has_due(d, n, "R-CALEA-4", T("2027-01-30T00:00:00Z")));
	n = cs_rules_ssi_due(
	    CS_TIME_NONE, CS_TIME_NONE, &env, d, CS_RULES_MAXDUE);
	T_CHECK(n == 1 && strcmp(d[0].rule, "R-CALEA-3") == 0);
}

static void
test_gag_and_scope(void)
{
	struct cs_rule_env env;
	struct cs_case *c;
	const char *basis;
	cs_time until;

	env_default(&env);
	c = base(CT_SUB_ADMIN);
	T_CHECK(!cs_rules_gag(c, &env, &basis, &until));
	env.ndo_until = INT64_MAX; /* a 2705(b) order without end */
	T_CHECK(cs_rules_gag(c, &env, &basis, &until));
	T_EQ_INT(until, CS_TIME_NONE);
	cs_case_free(c);
	c = base(CT_T3);
	env_default(&env);
	T_CHECK(cs_rules_gag(c, &env, &basis, &until));
	cs_case_free(c);
	/* what each type may disclose at most */
	T_EQ_INT(cs_rules_allowed(CT_SUB_ADMIN), CC_BSI_SET);
	T_CHECK(!(cs_rules_allowed(CT_2703D) & CC_BIT(CC_CONTENT)));
	T_CHECK(cs_rules_allowed(CT_2703D) & CC_BIT(CC_SMTP));
	T_CHECK(!(cs_rules_allowed(CT_PT) & CC_BIT(CC_CONTENT)));
	T_EQ_INT(cs_rules_allowed(CT_PRES), 0);
	T_EQ_INT(cs_rules_allowed(CT_FISA), 0);
	T_EQ_INT(cs_rules_allowed(CT_NSL), 0);
}

static void
test_targets(void)
{
	struct cs_target t;
	char out[400];

	T_EQ_INT(cs_target_parse("ip:100.64.12.34@2026-11-01T00:00:00Z.."
				 "2026-11-02T00:00:00Z",
		     &t, NULL),
	    CS_OK);
	T_EQ_INT(t.kind, TK_IP);
	T_EQ_INT(t.to - t.from, CS_DAY);
	T_EQ_INT(cs_target_parse("mac:0011.2233.4455", &t, NULL), CS_OK);
	T_EQ_STR(t.value, "00:11:22:33:44:55");
	T_EQ_INT(
	    cs_target_parse("ipv6prefix:2001:db8:0::/56@..", &t, NULL), CS_OK);
	cs_target_format(&t, out, sizeof(out));
	T_EQ_STR(out, "ipv6prefix:2001:db8::/56");
	T_CHECK(cs_target_parse("ipv6prefix:10.0.0.0/8", &t, NULL) != CS_OK);
	T_CHECK(cs_target_parse("ip:not-an-ip", &t, NULL) != CS_OK);
	T_CHECK(cs_target_parse("bogus:x", &t, NULL) != CS_OK);
	T_CHECK(cs_target_parse("username:bob@2026-11-02T00:00:00..", &t,
		    NULL) != CS_OK); /* zone-less time */
	T_CHECK(cs_target_parse("username:bob@2026-11-02T00:00:00Z.."
				"2026-11-01T00:00:00Z",
		    &t, NULL) != CS_OK);
	T_EQ_INT(cs_ctype_parse("fisa_1805"), CT_FISA);
	T_EQ_INT(cs_ctype_parse("subpoena"), -1);
}

int
main(void)
{
	cs_cfg_defaults(&cfg);
	cfg.payment_before_fulfilment = 1;
	T_RUN(test_rule_table);
	T_RUN(test_every_rule_covered);
	T_RUN(test_base_cases_clear);
	T_RUN(test_ack);
	T_RUN(test_notes);
	T_RUN(test_deadlines);
	T_RUN(test_gag_and_scope);
	T_RUN(test_targets);
	return T_DONE();
}
