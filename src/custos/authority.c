/*
 * authority - lookups only under authority: the case desk decides.
 *
 * With --case ID the case must exist, be open and pass every rule (no
 * BLOCK, every WARN and ROUTE acknowledged; call-back verification and
 * payment when the policy asks for them); its type and requested
 * categories decide what the answer may show (l->cats); and the query
 * must fall inside its targets:
 *   who ADDRESS at T     an ip or ipv6prefix target covering ADDRESS
 *                        whose window (if any) contains T;
 *   history SUB T1..T2   a username target equal to SUB, or a mac target
 *                        equal to it as a MAC, whose window (if any)
 *                        contains [T1, T2].
 * Without --case a lookup is operator troubleshooting: refused unless
 * allow_operator_lookups is set, and audited as such.  Every lookup,
 * refusal and result count goes to the audit trail.  A refusal names the
 * rule on stderr and returns 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_case.h"
#include <sodium.h>

#include "core/subdir.h"
#include "util/addr.h"
#include "util/xmalloc.h"

struct priv {
	struct cs_audit *audit; /* owned */
	char actor[CS_CASE_NAME];
	int bsi;              /* the directory's fields may be shown */
	int have_key;         /* key loaded */
	struct cs_daykey key; /* the cases key, for the directory */
};

static const char *
actor_of(const struct lookup *l)
{
	const char *u;

	if (l->actor && *l->actor)
		return l->actor;
	if ((u = getenv("CUSTOS_USER")) != NULL && *u)
		return u;
	if ((u = getenv("LOGNAME")) != NULL && *u)
		return u;
	if ((u = getlogin()) != NULL && *u)
		return u;
	return "(unknown)";
}

/* params - the lookup's parameters as JSON (for the audit trail) */
static void
params(const struct lookup *l, struct cs_buf *b, const char *extra)
{
	char t1[40], t2[40];

	cs_time_format(l->from, t1);
	cs_time_format(l->to, t2);
	cs_buf_puts(b, "{\"kind\":");
	cs_buf_json_str(b, l->kind, strlen(l->kind));
	cs_buf_puts(b, ",\"subject\":");
	cs_buf_json_str(b, l->subject, strlen(l->subject));
	cs_buf_appendf(
	    b, ",\"from\":\"%s\",\"to\":\"%s\"%s}", t1, t2, extra ? extra : "");
}

/*
 * audit - append one entry; -1 (and a message) if the trail could not
 * record it: a lookup the trail cannot record does not run.
 */
static int
audit(
    struct priv *p, const char *action, const char *case_id, const char *detail)
{
	struct cs_errbuf eb = {""};

	if (p->audit == NULL ||
	    cs_audit_append(p->audit, p->actor, action, case_id, detail, &eb) !=
		CS_OK) {
		fprintf(stderr, "custos: audit: %s\n",
		    eb.msg[0] ? eb.msg : "no audit trail");
		return -1;
	}
	return 0;
}

/*
 * One audit handle per process, shared by its lookups (a batch of
 * thousands would otherwise open and sync the trail for each); closed,
 * and so made durable, at exit.
 */
static struct cs_audit *shared_audit;
static char shared_dirs[2 * 4096 + 2];

static void
close_shared_audit(void)
{
	cs_audit_close(shared_audit);
	shared_audit = NULL;
}

static enum cs_err
audit_handle(const struct dirs *d, struct cs_audit **out, struct cs_errbuf *eb)
{
	char key[sizeof(shared_dirs)];
	enum cs_err e;

	snprintf(key, sizeof(key), "%s\n%s", d->data, d->keys);
	if (shared_audit && strcmp(key, shared_dirs) == 0) {
		*out = shared_audit;
		return CS_OK;
	}
	close_shared_audit();
	if ((e = cs_audit_open(d->data, d->keys, 1, &shared_audit, eb)) !=
	    CS_OK)
		return e;
	snprintf(shared_dirs, sizeof(shared_dirs), "%s", key);
	{
		static int registered;
		if (!registered) {
			atexit(close_shared_audit);
			registered = 1;
		}
	}
	*out = shared_audit;
	return CS_OK;
}

static int
refuse(struct lookup *l, struct priv *p, const char *rule, const char *msg)
{
	struct cs_buf b;
	char extra[600];
	struct cs_buf r;

	fprintf(stderr, "custos: %s: refused by %s: %s\n", l->kind, rule, msg);
	cs_buf_init(&r, NULL, 0, 1024);
	cs_buf_json_str(&r, msg, strlen(msg));
	snprintf(extra, sizeof(extra), ",\"rule\":\"%s\",\"reason\":%s", rule,
	    r.data);
	cs_buf_release(&r);
	cs_buf_init(&b, NULL, 0, 4096);
	params(l, &b, extra);
	audit(p, "lookup.refused", l->case_id, b.data);
	cs_buf_release(&b);
	free(p);
	l->priv = NULL;
	return 3;
}

/* subject_addr - "ADDR", "ADDR:PORT", "[V6]:PORT", "V6" */
static int
subject_addr(const char *s, struct cs_addr *a)
{
	struct cs_span sp = cs_span_cstr(s), host = sp;
	long c;

	if (sp.len && sp.p[0] == '[') {
		c = cs_span_chr(sp, ']');
		if (c < 1)
			return -1;
		host = cs_span_make(sp.p + 1, (size_t)c - 1);
	} else if ((c = cs_span_chr(sp, ':')) >= 0 &&
	    cs_span_chr(cs_span_skip(sp, (size_t)c + 1), ':') < 0) {
		host = cs_span_make(sp.p, (size_t)c);
	}
	return cs_addr_parse(host, a) == CS_OK ? 0 : -1;
}

static int
in_window(const struct cs_target *t, cs_time from, cs_time to)
{
	return (t->from == CS_TIME_NONE || from >= t->from) &&
	    (t->to == CS_TIME_NONE || to <= t->to);
}

/* in_scope - does a target of c cover the query? */
static int
in_scope(const struct lookup *l, const struct cs_case *c)
{
	struct cs_addr q, ta;
	uint8_t mac[6];
	char m[CS_MAC_STRLEN] = "";
	size_t i;
	int who = strcmp(l->kind, "who") == 0;

	if (who && subject_addr(l->subject, &q) != 0)
		return 0;
	if (!who && cs_mac_parse(cs_span_cstr(l->subject), mac) == CS_OK)
		cs_mac_format(mac, m);
	for (i = 0; i < c->nt; i++) {
		const struct cs_target *t = &c->t[i];
		if (!in_window(t, l->from, l->to))
			continue;
		if (who && (t->kind == TK_IP || t->kind == TK_IPV6PREFIX) &&
		    cs_addr_parse(cs_span_cstr(t->value), &ta) == CS_OK &&
		    cs_addr_contains(&ta, &q))
			return 1;
		if (!who && t->kind == TK_USERNAME &&
		    strcmp(t->value, l->subject) == 0)
			return 1;
		if (!who && t->kind == TK_MAC && m[0] &&
		    strcmp(t->value, m) == 0)
			return 1;
	}
	return 0;
}

/* cats_of - what the answer may show, from the type and the request */
static unsigned
cats_of(const struct cs_case *c)
{
	unsigned allowed = cs_rules_allowed(c->type), req, cats = 0;

	req = c->cats ? c->cats & allowed : allowed;
	if (req & CC_BSI_SET)
		cats |= CAT_BINDING;
	if (req & CC_BIT(CC_RADATTR))
		cats |= CAT_EVIDENCE;
	if (req & CC_BIT(CC_SMTP))
		cats |= CAT_SMTP;
	if (req & CC_BIT(CC_DEST))
		cats |= CAT_DEST;
	return cats;
}

static const char *
no_disclosure_rule(enum cs_ctype t)
{
	switch (t) {
	case CT_PRES:
		return "R-PRES-1";
	case CT_NDO:
		return "R-NDO-1";
	case CT_FISA:
	case CT_NSL:
		return "R-COUNSEL";
	default:
		return "R-SCOPE";
	}
}

int
lookup_begin(struct lookup *l)
{
	struct cs_errbuf eb = {""};
	struct cs_config cfg;
	struct priv *p;
	struct desk k;
	struct cs_case *c = NULL;
	struct cs_finding f[CS_RULES_MAXF];
	const struct cs_finding *blk;
	struct cs_buf b;
	char msg[400], extra[64];
	int rc;

	l->cats = 0;
	l->priv = NULL;
	p = cs_xcalloc(1, sizeof(*p));
	snprintf(p->actor, sizeof(p->actor), "%s", actor_of(l));
	if (cs_cfg_load(l->config, &cfg, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		free(p);
		return 1;
	}
	if (audit_handle(l->dirs, &p->audit, &eb) != CS_OK) {
		fprintf(stderr,
		    "custos: %s: audit trail: %s (nothing is looked "
		    "up without it)\n",
		    l->kind, eb.msg);
		free(p);
		return 1;
	}
	l->priv = p;
	if (l->case_id == NULL) {
		if (!cfg.allow_operator_lookups)
			return refuse(l, p, "R-AUTH",
			    "a lookup needs --case ID "
			    "(lookups without a case are off: "
			    "allow_operator_lookups = no)");
		cs_buf_init(&b, NULL, 0, 4096);
		params(l, &b, ",\"basis\":\"operator troubleshooting\"");
		rc = audit(p, "lookup.operator", NULL, b.data);
		cs_buf_release(&b);
		if (rc != 0)
			goto unrecorded;
		l->cats = CAT_ALL;
		p->bsi = 1;
		return 0;
	}
	/* the desk, read-only, under the lookup's own configuration */
	memset(&k, 0, sizeof(k));
	k.d = *l->dirs;
	k.cfg = cfg;
	k.now = cs_time_now();
	if (cs_casedb_open(k.d.data, k.d.keys, 0, &k.db, &eb) != CS_OK ||
	    cs_casedb_load(k.db, l->case_id, &c, &eb) != CS_OK) {
		cs_casedb_close(k.db);
		if (strstr(eb.msg, l->case_id))
			snprintf(msg, sizeof(msg), "%s", eb.msg);
		else
			snprintf(msg, sizeof(msg), "no case %s (%s)",
			    l->case_id, eb.msg);
		return refuse(l, p, "R-AUTH", msg);
	}
	if (c->closed) {
		rc = refuse(l, p, "R-AUTH", "the case is closed");
		goto out;
	}
	case_findings(&k, c, f, CS_RULES_MAXF, &blk);
	if (blk) {
		snprintf(msg, sizeof(msg), "%s%s", blk->msg,
		    blk->out == RO_BLOCK
			? ""
			: " (not yet acknowledged: custos case ack)");
		rc = refuse(l, p, blk->rule, msg);
		goto out;
	}
	l->cats = cats_of(c);
	p->bsi = c->cats == 0 || (c->cats & CC_BIT(CC_BSI));
	if (!(l->cats & CAT_BINDING)) {
		snprintf(msg, sizeof(msg),
		    "a %s authorizes no disclosure of "
		    "subscriber records",
		    c->type_name);
		l->cats = 0;
		rc = refuse(l, p, no_disclosure_rule(c->type), msg);
		goto out;
	}
	if (!in_scope(l, c)) {
		char t1[40], t2[40];
		cs_time_format(l->from, t1);
		cs_time_format(l->to, t2);
		if (l->from == l->to)
			snprintf(msg, sizeof(msg),
			    "%.100s at %s is outside the "
			    "targets and windows of case %s (who needs an ip "
			    "or "
			    "ipv6prefix target covering the address)",
			    l->subject, t1, c->id);
		else
			snprintf(msg, sizeof(msg),
			    "%.100s from %s to %s is "
			    "outside the targets and windows of case %s "
			    "(history needs a username or mac target equal to "
			    "the subscriber)",
			    l->subject, t1, t2, c->id);
		l->cats = 0;
		rc = refuse(l, p, "R-SCOPE", msg);
		goto out;
	}
	snprintf(extra, sizeof(extra), ",\"categories\":%u", l->cats);
	cs_buf_init(&b, NULL, 0, 4096);
	params(l, &b, extra);
	rc = audit(p, "lookup", c->id, b.data);
	cs_buf_release(&b);
	if (rc != 0) {
		cs_case_free(c);
		cs_casedb_close(k.db);
		goto unrecorded;
	}
	rc = 0;
out:
	cs_case_free(c);
	cs_casedb_close(k.db);
	return rc;
unrecorded:
	fprintf(stderr,
	    "custos: %s: nothing was looked up: the audit trail "
	    "could not record it (custos audit verify)\n",
	    l->kind);
	l->cats = 0;
	free(p);
	l->priv = NULL;
	return 1;
}

void
lookup_end(struct lookup *l, size_t nresults)
{
	struct priv *p = l->priv;
	struct cs_buf b;
	char extra[64];

	if (p == NULL)
		return;
	snprintf(extra, sizeof(extra), ",\"results\":%zu", nresults);
	cs_buf_init(&b, NULL, 0, 4096);
	params(l, &b, extra);
	audit(p, "lookup.result", l->case_id, b.data);
	cs_buf_release(&b);
	sodium_memzero(&p->key, sizeof(p->key));
	free(p);
	l->priv = NULL;
}

void
lookup_directory(const struct lookup *l, const char *username, const char *mac,
    int json, struct cs_buf *out)
{
	struct priv *p = l->priv;
	struct cs_errbuf eb = {""};
	struct cs_sub s;
	const char *who[2] = {username, mac};
	int i, found = 0;

	if (p == NULL || !p->bsi || !(l->cats & CAT_BINDING))
		return;
	if (!p->have_key) {
		if (cs_casekey_load(
			l->dirs->keys, l->dirs->data, 0, &p->key, &eb) != CS_OK)
			return;
		p->have_key = 1;
	}
	for (i = 0; i < 2 && !found; i++)
		found = who[i] && *who[i] &&
		    cs_subdir_find(l->dirs->data, &p->key, who[i], &s, &eb) ==
			CS_OK;
	if (!found)
		return;
	if (json) {
		cs_buf_puts(out, ",\"directory\":{\"account\":");
		cs_buf_json_str(out, s.account, strlen(s.account));
		cs_buf_puts(out, ",\"name\":");
		cs_buf_json_str(out, s.name, strlen(s.name));
		cs_buf_puts(out, ",\"address\":");
		cs_buf_json_str(out, s.address, strlen(s.address));
		cs_buf_puts(out, ",\"payment\":");
		cs_buf_json_str(out, s.payment, strlen(s.payment));
		cs_buf_puts(out, "}");
	} else {
		cs_buf_appendf(out,
		    "  directory   %s, %s (account %s, pays by "
		    "%s)\n",
		    s.name, s.address, s.account, s.payment);
	}
}
