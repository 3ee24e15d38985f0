/*
 * cmd_case_render - a case as JSON and as text: fields, targets,
 * categories, documents, events, what the rules find, deadlines, gag.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_case.h"

size_t
case_findings(struct desk *k, const struct cs_case *c, struct cs_finding *f,
    size_t max, const struct cs_finding **blocker)
{
	struct cs_rule_env env;
	size_t n;

	cs_casedb_env(k->db, c, &k->cfg, k->now, &env);
	n = cs_rules_eval(c, &env, f, max);
	if (blocker)
		*blocker = cs_rules_blocker(f, n);
	return n;
}

static void
jstr(struct cs_buf *b, const char *name, const char *v)
{
	cs_buf_appendf(b, "\"%s\":", name);
	cs_buf_json_str(b, v, strlen(v));
}

static void
jtime(struct cs_buf *b, const char *name, cs_time t)
{
	char ts[40];

	if (t == CS_TIME_NONE) {
		cs_buf_appendf(b, "\"%s\":null", name);
		return;
	}
	cs_time_format(t, ts);
	cs_buf_appendf(b, "\"%s\":\"%s\"", name, ts);
}

void
case_json(struct desk *k, const struct cs_case *c, struct cs_buf *b)
{
	struct cs_finding f[CS_RULES_MAXF];
	struct cs_due du[CS_RULES_MAXDUE];
	const struct cs_finding *blk;
	const struct cs_case_field *fd;
	struct cs_rule_env env;
	char v[CS_CASE_STR + 64], usd[32];
	const char *basis;
	cs_time until;
	size_t i, n, nd;
	int first = 1;

	cs_buf_puts(b, "{");
	jstr(b, "id", c->id);
	cs_buf_putc(b, ',');
	jstr(b, "type", c->type_name);
	cs_buf_appendf(b, ",\"status\":\"%s\",", c->closed ? "closed" : "open");
	jstr(b, "created_by", c->created_by);
	cs_buf_putc(b, ',');
	jtime(b, "created_at", c->created_at);
	cs_buf_puts(b, ",\"fields\":{");
	for (fd = cs_case_fields(); fd->name; fd++) {
		if (!cs_case_field_get(c, fd, v, sizeof(v)))
			continue;
		if (!first)
			cs_buf_putc(b, ',');
		first = 0;
		if (fd->type == CF_BOOL)
			cs_buf_appendf(b, "\"%s\":true", fd->name);
		else
			jstr(b, fd->name, v);
	}
	cs_buf_puts(b, "},\"targets\":[");
	for (i = 0; i < c->nt; i++) {
		cs_buf_appendf(b, "%s{\"kind\":\"%s\",", i ? "," : "",
		    cs_tkind_name(c->t[i].kind));
		jstr(b, "value", c->t[i].value);
		cs_buf_putc(b, ',');
		jtime(b, "from", c->t[i].from);
		cs_buf_putc(b, ',');
		jtime(b, "to", c->t[i].to);
		cs_buf_putc(b, '}');
	}
	cs_buf_puts(b, "],\"categories\":[");
	for (i = 0, first = 1; i < CC_N; i++)
		if (c->cats & CC_BIT(i)) {
			cs_buf_appendf(b, "%s\"%s\"", first ? "" : ",",
			    cs_ccat_name((enum cs_ccat)i));
			first = 0;
		}
	cs_buf_puts(b, "],\"documents\":[");
	for (i = 0; i < c->nd; i++) {
		cs_buf_appendf(
		    b, "%s{\"sha256\":\"%s\",", i ? "," : "", c->d[i].sha);
		jstr(b, "name", c->d[i].name);
		cs_buf_putc(b, ',');
		jstr(b, "kind", c->d[i].kind);
		cs_buf_appendf(b, ",\"size\":%lld,", (long long)c->d[i].size);
		jstr(b, "received_by", c->d[i].by);
		cs_buf_putc(b, ',');
		jtime(b, "received_at", c->d[i].at);
		cs_buf_putc(b, '}');
	}
	cs_buf_puts(b, "],\"events\":[");
	for (i = 0; i < c->ne; i++) {
		cs_buf_appendf(b, "%s{", i ? "," : "");
		jstr(b, "kind", c->e[i].kind);
		cs_buf_putc(b, ',');
		jtime(b, "at", c->e[i].at);
		cs_buf_putc(b, ',');
		jstr(b, "by", c->e[i].by);
		cs_buf_putc(b, ',');
		jstr(b, "note", c->e[i].note);
		cs_buf_putc(b, '}');
	}
	n = case_findings(k, c, f, CS_RULES_MAXF, &blk);
	cs_buf_puts(b, "],\"findings\":[");
	for (i = 0; i < n; i++) {
		cs_buf_appendf(b,
		    "%s{\"rule\":\"%s\",\"outcome\":\"%s\","
		    "\"acknowledged\":%s,",
		    i ? "," : "", f[i].rule, cs_outcome_name(f[i].out),
		    f[i].acked ? "true" : "false");
		jstr(b, "message", f[i].msg);
		cs_buf_putc(b, '}');
	}
	cs_buf_puts(b, "],\"blocked_by\":");
	if (blk)
		cs_buf_appendf(b, "\"%s\"", blk->rule);
	else
		cs_buf_puts(b, "null");
	cs_casedb_env(k->db, c, &k->cfg, k->now, &env);
	nd = cs_rules_due(c, &env, du, CS_RULES_MAXDUE);
	cs_buf_puts(b, ",\"due\":[");
	for (i = 0; i < nd; i++) {
		cs_buf_appendf(
		    b, "%s{\"rule\":\"%s\",", i ? "," : "", du[i].rule);
		jtime(b, "at", du[i].at);
		cs_buf_putc(b, ',');
		jstr(b, "what", du[i].what);
		cs_buf_putc(b, '}');
	}
	cs_buf_puts(b, "],\"gag\":");
	if (cs_rules_gag(c, &env, &basis, &until)) {
		cs_buf_puts(b, "{");
		jstr(b, "basis", basis);
		cs_buf_putc(b, ',');
		jtime(b, "until", until);
		cs_buf_puts(b, "}");
	} else {
		cs_buf_puts(b, "null");
	}
	fmt_usd(c->cost_cents, usd);
	cs_buf_appendf(b, ",\"costs_usd\":\"%s\",\"paid\":%s}", usd,
	    cs_case_count(c, "paid") ? "true" : "false");
}

void
case_text(struct desk *k, const struct cs_case *c, struct cs_buf *b)
{
	struct cs_finding f[CS_RULES_MAXF];
	struct cs_due du[CS_RULES_MAXDUE];
	const struct cs_finding *blk;
	const struct cs_case_field *fd;
	struct cs_rule_env env;
	char v[CS_CASE_STR + 64], ts[40];
	size_t i, n, nd;

	cs_time_format(c->created_at, ts);
	cs_buf_appendf(b, "case %s  %s  %s\n  entered by %s at %s\n", c->id,
	    c->type_name, c->closed ? "closed" : "open", c->created_by, ts);
	for (fd = cs_case_fields(); fd->name; fd++)
		if (cs_case_field_get(c, fd, v, sizeof(v)))
			cs_buf_appendf(b, "  %-16s %s\n", fd->name, v);
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], v, sizeof(v));
		cs_buf_appendf(b, "  target           %s\n", v);
	}
	for (i = 0; i < CC_N; i++)
		if (c->cats & CC_BIT(i))
			cs_buf_appendf(b, "  category         %s\n",
			    cs_ccat_name((enum cs_ccat)i));
	for (i = 0; i < c->nd; i++) {
		cs_time_format(c->d[i].at, ts);
		cs_buf_appendf(b,
		    "  document         %s %s (%s, %lld bytes, "
		    "received by %s at %s)\n",
		    c->d[i].sha, c->d[i].name, c->d[i].kind,
		    (long long)c->d[i].size, c->d[i].by, ts);
	}
	for (i = 0; i < c->ne; i++) {
		cs_time_format(c->e[i].at, ts);
		cs_buf_appendf(b, "  event            %s %s by %s%s%s\n", ts,
		    c->e[i].kind, c->e[i].by, c->e[i].note[0] ? ": " : "",
		    c->e[i].note);
	}
	n = case_findings(k, c, f, CS_RULES_MAXF, &blk);
	for (i = 0; i < n; i++)
		cs_buf_appendf(b, "  %-6s %-14s %s%s\n",
		    cs_outcome_name(f[i].out), f[i].rule, f[i].msg,
		    f[i].acked ? " (acknowledged)" : "");
	cs_casedb_env(k->db, c, &k->cfg, k->now, &env);
	nd = cs_rules_due(c, &env, du, CS_RULES_MAXDUE);
	for (i = 0; i < nd; i++) {
		cs_time_format(du[i].at, ts);
		cs_buf_appendf(
		    b, "  due    %s  %-10s %s\n", ts, du[i].rule, du[i].what);
	}
	cs_buf_appendf(b, "  %s\n",
	    blk ? "disclosure: BLOCKED (see above)" : "disclosure: allowed");
}
