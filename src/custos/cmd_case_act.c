/*
 * cmd_case_act - custos case ack|verify|approve|certify|cost|invoice|
 * notify|due: what is done to a case after it is entered.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_case.h"
#include "core/hold.h"
#include "core/subdir.h"
#include "li/prov.h"
#include "util/xmalloc.h"

struct actopts {
	const char *number, *note, *amount, *what, *within;
	int paid;
};

/* parse - common options plus the given extra ones; ID count checked */
static int
parse(struct desk *k, int argc, char **argv, const char *usage,
    const char *extra, struct actopts *o, int nargs)
{
	static const struct option all[] = {
	    DESK_OPTS,
	    {"number", required_argument, NULL, 'N'},
	    {"note", required_argument, NULL, 'n'},
	    {"amount", required_argument, NULL, 'A'},
	    {"what", required_argument, NULL, 'W'},
	    {"within", required_argument, NULL, 'w'},
	    {"paid", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, "", all, NULL)) != -1) {
		if (desk_opt(k, opt, optarg))
			continue;
		if (opt == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (opt == '?' || strchr(extra, opt) == NULL) {
			fputs(usage, stderr);
			return -2;
		}
		switch (opt) {
		case 'N':
			o->number = optarg;
			break;
		case 'n':
			o->note = optarg;
			break;
		case 'A':
			o->amount = optarg;
			break;
		case 'W':
			o->what = optarg;
			break;
		case 'w':
			o->within = optarg;
			break;
		case 'P':
			o->paid = 1;
			break;
		}
	}
	if (argc - optind != nargs) {
		fputs(usage, stderr);
		return -2;
	}
	return optind;
}

#define PARSE(usage, extra, nargs)                                 \
	do {                                                       \
		i = parse(k, argc, argv, usage, extra, &o, nargs); \
		if (i < 0)                                         \
			return i == -1 ? 0 : 2;                    \
	} while (0)

/* detail - a small JSON object {"k":"v",...} from pairs (NULL ends) */
static void
detail(struct cs_buf *b, ...)
{
	va_list ap;
	const char *key, *v;
	int first = 1;

	cs_buf_puts(b, "{");
	va_start(ap, b);
	while ((key = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		cs_buf_appendf(b, "%s\"%s\":", first ? "" : ",", key);
		if (v)
			cs_buf_json_str(b, v, strlen(v));
		else
			cs_buf_puts(b, "null");
		first = 0;
	}
	va_end(ap);
	cs_buf_puts(b, "}");
}

/* record - event + audit + confirmation line; 1 on failure */
static int
record(struct desk *k, struct cs_case *c, const char *kind, const char *note,
    const char *action, const char *det)
{
	struct cs_errbuf eb = {""};

	if (cs_casedb_event(k->db, c, kind, k->now, k->by, note, &eb) !=
	    CS_OK) {
		fprintf(stderr, "custos: case %s: %s\n", kind, eb.msg);
		return 1;
	}
	desk_audit(k, action, c->id, det);
	return 0;
}

static int
finish(struct desk *k, struct cs_case *c, int rc)
{
	cs_case_free(c);
	desk_close(k);
	return rc;
}

int
case_ack(struct desk *k, int argc, char **argv)
{
	struct cs_finding f[CS_RULES_MAXF];
	struct actopts o;
	struct cs_case *c;
	struct cs_buf b;
	size_t n, j;
	int i, found = 0, blocks = 0, rc;

	PARSE("usage: custos case ack ID RULE --by NAME [--note TEXT]\n\n"
	      "Acknowledge a WARN (or, for counsel, a ROUTE) finding of the "
	      "case;\nBLOCK findings cannot be acknowledged, only fixed.\n",
	    "n", 2);
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	n = case_findings(k, c, f, CS_RULES_MAXF, NULL);
	for (j = 0; j < n; j++) {
		if (strcmp(f[j].rule, argv[i + 1]) != 0)
			continue;
		if (f[j].out == RO_WARN || f[j].out == RO_ROUTE)
			found = 1;
		if (f[j].out == RO_BLOCK)
			blocks = 1;
	}
	if (!found) {
		fprintf(stderr,
		    "custos: case ack: %s %s on case %s: nothing to "
		    "acknowledge\n",
		    argv[i + 1], blocks ? "is a BLOCK" : "does not apply",
		    c->id);
		return finish(k, c, 1);
	}
	cs_buf_init(&b, NULL, 0, 4096);
	detail(&b, "rule", argv[i + 1], "note", o.note, (char *)NULL);
	rc = record(k, c, "ack", argv[i + 1], "case.ack", b.data);
	cs_buf_release(&b);
	if (rc == 0)
		printf(
		    "%s: %s acknowledged by %s\n", c->id, argv[i + 1], k->by);
	return finish(k, c, rc);
}

int
case_verify(struct desk *k, int argc, char **argv)
{
	struct actopts o;
	struct cs_case *c;
	struct cs_buf b;
	char note[CS_CASE_STR];
	int i, rc;

	PARSE(
	    "usage: custos case verify ID --by NAME --number PHONE "
	    "[--note TEXT]\n\nRecord the call-back that verified the request: "
	    "who called, when, which\n(published) number of the court or "
	    "agency.\n",
	    "Nn", 1);
	if (o.number == NULL || strlen(o.number) > 64) {
		fprintf(stderr, "custos: case verify: need --number PHONE\n");
		return 2;
	}
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	snprintf(note, sizeof(note), "%s%s%.180s", o.number, o.note ? "; " : "",
	    o.note ? o.note : "");
	cs_buf_init(&b, NULL, 0, 4096);
	detail(&b, "number", o.number, "note", o.note, (char *)NULL);
	rc = record(k, c, "verify", note, "case.verify", b.data);
	cs_buf_release(&b);
	if (rc == 0)
		printf("%s: verified by call-back to %s by %s\n", c->id,
		    o.number, k->by);
	return finish(k, c, rc);
}

static const char *
intercept_kind(enum cs_ctype t)
{
	switch (t) {
	case CT_T3:
		return "Title III interception (18 USC 2518)";
	case CT_T3_EMERG:
		return "Title III emergency interception "
		       "(18 USC 2518(7))";
	case CT_PT:
		return "pen register and trap and trace (18 USC 3123)";
	case CT_PT_EMERG:
		return "emergency pen register and trap and trace "
		       "(18 USC 3125)";
	default:
		return "other";
	}
}

/* certification - the 47 CFR 1.20004 record (R-CALEA-2) */
static void
certification(struct desk *k, const struct cs_case *c, const char *approver,
    const char *signer, struct cs_buf *b)
{
	char ts[40], tv[CS_CASE_STR + 64];
	struct cs_ssi ssi;
	size_t i;

	cs_buf_appendf(b,
	    "CERTIFICATION OF INTERCEPTION (47 CFR 1.20004)\n"
	    "Carrier: %s\nCase: %s (%s)\n\n",
	    k->cfg.operator_name[0] ? k->cfg.operator_name
				    : "(operator_name not configured)",
	    c->id, c->type_name);
	cs_buf_puts(b, "(i) Target identifiers:\n");
	for (i = 0; i < c->nt; i++) {
		cs_target_format(&c->t[i], tv, sizeof(tv));
		cs_buf_appendf(b, "    %s\n", tv);
	}
	if (c->activated != CS_TIME_NONE)
		cs_time_format(c->activated, ts);
	cs_buf_appendf(b,
	    "(ii) Start date and time the carrier enabled the "
	    "interception: %s\n",
	    c->activated != CS_TIME_NONE
		? ts
		: "(not yet enabled; recorded at activation)");
	cs_buf_appendf(b,
	    "(iii) Law-enforcement officer presenting the "
	    "authorization: %s%s%s%s\n",
	    c->officer_name[0] ? c->officer_name : "(unknown)",
	    c->agency[0] ? " (" : "", c->agency, c->agency[0] ? ")" : "");
	cs_buf_appendf(b,
	    "(iv) Person who signed the legal authorization: "
	    "%s\n",
	    c->judge[0]          ? c->judge
		: c->official[0] ? c->official
				 : "(unknown)");
	cs_buf_appendf(
	    b, "(v) Type of interception: %s\n", intercept_kind(c->type));
	cs_buf_appendf(
	    b, "(vi) Carrier employee responsible: %s\n\n", approver);
	cs_buf_puts(b, "Legal authorization appended (SHA-256):\n");
	for (i = 0; i < c->nd; i++)
		if (strcmp(c->d[i].kind, "calea_cert") != 0)
			cs_buf_appendf(b, "    %s  %s (%s)\n", c->d[i].sha,
			    c->d[i].name, c->d[i].kind);
	if (cs_casedb_ssi_get(k->db, &ssi, NULL) == CS_OK)
		cs_buf_appendf(b,
		    "\nKept for the period stated in the SSI "
		    "policy %s.\n",
		    ssi.sha);
	cs_time_format(k->now, ts);
	if (signer)
		cs_buf_appendf(b,
		    "\nI certify that this record is complete and "
		    "accurate.\nSigned: %s    Date: %s\n",
		    signer, ts);
	else
		cs_buf_appendf(b,
		    "\nGenerated at approval, %s.  Signature: "
		    "pending (custos case certify %s --by NAME)\n",
		    ts, c->id);
}

int
case_approve(struct desk *k, int argc, char **argv)
{
	struct cs_finding f[CS_RULES_MAXF];
	struct cs_errbuf eb = {""};
	struct actopts o;
	struct cs_case *c;
	struct cs_buf b;
	struct cs_ssi ssi;
	size_t n, j;
	int i, rc, intercept;

	PARSE("usage: custos case approve ID --by NAME [--note TEXT]\n\n"
	      "Approve a case for disclosure or interception.  Needs the SSI "
	      "policy\n(custos ssi set).  An intercept needs an approver other "
	      "than the person\nwho entered the case (47 USC 1004); approval "
	      "generates its 47 CFR 1.20004\ncertification, to be signed with "
	      "custos case certify.\n",
	    "n", 1);
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	intercept = (CT_BIT(c->type) & CT_INTERCEPTS) != 0;
	if (c->closed)
		return finish(k, c,
		    desk_refuse(
			k, "approve", c->id, "R-CLOSED", "the case is closed"));
	if (cs_casedb_ssi_get(k->db, &ssi, NULL) != CS_OK)
		return finish(k, c,
		    desk_refuse(k, "approve", c->id, "R-CALEA-3",
			"no SSI policy registered (47 CFR 1.20003): "
			"custos ssi set FILE"));
	if (intercept && strcmp(k->by, c->created_by) == 0)
		return finish(k, c,
		    desk_refuse(k, "approve", c->id, "R-CALEA-1",
			"the approver must be an employee other than "
			"the one who entered the case (47 USC 1004)"));
	if (cs_rules_approved(c, intercept)) {
		fprintf(stderr,
		    "custos: case approve: %s is already approved\n", c->id);
		return finish(k, c, 1);
	}
	/* everything else must be in order: judge as if approved */
	if (cs_case_add_event(c, "approve", k->now, k->by, "") != CS_OK) {
		fprintf(stderr, "custos: case approve: %s: too many events\n",
		    c->id);
		return finish(k, c, 1);
	}
	n = case_findings(k, c, f, CS_RULES_MAXF, NULL);
	c->ne--;
	for (j = 0; j < n; j++) {
		if (strcmp(f[j].rule, "R-POL-PAYMENT") == 0 ||
		    strcmp(f[j].rule, "R-CALEA-2") == 0)
			continue;
		if (f[j].out == RO_BLOCK ||
		    ((f[j].out == RO_WARN || f[j].out == RO_ROUTE) &&
			!f[j].acked))
			return finish(k, c,
			    desk_refuse(
				k, "approve", c->id, f[j].rule, f[j].msg));
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	if (intercept) {
		certification(k, c, k->by, NULL, &b);
		if (cs_casedb_add_doc(k->db, c, b.data, b.len,
			"certification-1.20004.txt", "calea_cert", k->by,
			k->now, &eb) != CS_OK) {
			fprintf(stderr, "custos: case approve: %s\n", eb.msg);
			cs_buf_release(&b);
			return finish(k, c, 1);
		}
	}
	cs_buf_reset(&b);
	detail(&b, "note", o.note, "certification",
	    intercept ? c->d[c->nd - 1].sha : NULL, (char *)NULL);
	rc = record(k, c, "approve", o.note, "case.approve", b.data);
	cs_buf_release(&b);
	if (rc == 0) {
		printf("%s: approved by %s\n", c->id, k->by);
		if (intercept)
			printf("47 CFR 1.20004 certification %s: sign it with "
			       "custos case certify %s --by NAME\n",
			    c->d[c->nd - 1].sha, c->id);
	}
	return finish(k, c, rc);
}

int
case_certify(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct actopts o;
	struct cs_case *c;
	struct cs_buf b;
	const struct cs_event *a;
	int i, rc;

	PARSE("usage: custos case certify ID --by NAME\n\nSign the 47 CFR "
	      "1.20004 certification generated at approval; the signed\n"
	      "record is stored with the case and cannot be signed again.\n",
	    "n", 1);
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	a = cs_case_last(c, "approve");
	if (!cs_case_has_doc(c, "calea_cert") || a == NULL) {
		fprintf(stderr,
		    "custos: case certify: %s has no certification "
		    "to sign (approve it first; only intercepts have one)\n",
		    c->id);
		return finish(k, c, 1);
	}
	if (cs_case_count(c, "certify")) {
		fprintf(stderr,
		    "custos: case certify: %s: the certification "
		    "is already signed\n",
		    c->id);
		return finish(k, c, 1);
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	certification(k, c, a->by, k->by, &b);
	if (cs_casedb_add_doc(k->db, c, b.data, b.len,
		"certification-1.20004-signed.txt", "calea_cert", k->by, k->now,
		&eb) != CS_OK) {
		fprintf(stderr, "custos: case certify: %s\n", eb.msg);
		cs_buf_release(&b);
		return finish(k, c, 1);
	}
	cs_buf_reset(&b);
	detail(&b, "certification", c->d[c->nd - 1].sha, (char *)NULL);
	rc = record(
	    k, c, "certify", c->d[c->nd - 1].sha, "case.certify", b.data);
	cs_buf_release(&b);
	if (rc == 0)
		printf("%s: certification signed by %s (%s)\n", c->id, k->by,
		    c->d[c->nd - 1].sha);
	return finish(k, c, rc);
}

/* parse_usd - "12", "12.5", "12.50" to cents */
static int
parse_usd(const char *s, int64_t *cents)
{
	struct cs_span sp = cs_span_cstr(s), whole, frac;
	uint64_t w, f = 0;

	if (!cs_span_cut(sp, ".", &whole, &frac)) {
		whole = sp;
		frac = cs_span_make("", 0);
	} else if (frac.len < 1 || frac.len > 2) {
		return -1;
	}
	if (cs_parse_u64(whole, 0, 100000000, &w) != CS_OK)
		return -1;
	if (frac.len && cs_parse_u64(frac, 0, 99, &f) != CS_OK)
		return -1;
	if (frac.len == 1)
		f *= 10;
	*cents = (int64_t)(w * 100 + f);
	return 0;
}

int
case_cost(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct actopts o;
	struct cs_case *c;
	struct cs_buf b;
	int64_t cents;
	char usd[32];
	int i;

	PARSE(
	    "usage: custos case cost ID --amount USD --what TEXT --by NAME\n"
	    "\nA cost line: reasonable costs of searching, assembling and "
	    "reproducing\n(18 USC 2706), or of intercept assistance (2518(4), "
	    "3124(c)).\n",
	    "AW", 1);
	if (o.amount == NULL || o.what == NULL || parse_usd(o.amount, &cents) ||
	    strlen(o.what) >= CS_CASE_STR) {
		fprintf(stderr,
		    "custos: case cost: need --amount USD (e.g. "
		    "125.50) and --what TEXT\n");
		return 2;
	}
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	if (cs_casedb_add_cost(k->db, c, cents, o.what, k->by, k->now, &eb) !=
	    CS_OK) {
		fprintf(stderr, "custos: case cost: %s\n", eb.msg);
		return finish(k, c, 1);
	}
	fmt_usd(cents, usd);
	cs_buf_init(&b, NULL, 0, 4096);
	detail(&b, "amount_usd", usd, "what", o.what, (char *)NULL);
	desk_audit(k, "case.cost", c->id, b.data);
	cs_buf_release(&b);
	fmt_usd(c->cost_cents, usd);
	printf("%s: cost line added; total %s USD\n", c->id, usd);
	return finish(k, c, 0);
}

int
case_invoice(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct actopts o;
	struct cs_case *c;
	struct cs_cost *cl = NULL;
	struct cs_buf b;
	size_t n = 0, j;
	char usd[32], ts[40], sha[65];
	int i;

	PARSE("usage: custos case invoice ID [--paid] --by NAME [--json]\n\n"
	      "The invoice of a case's cost lines (18 USC 2706), stored with "
	      "the case;\n--paid records that it was paid (payment before "
	      "fulfilment).\n",
	    "P", 1);
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	if (o.paid) {
		cs_buf_init(&b, NULL, 0, 4096);
		fmt_usd(c->cost_cents, usd);
		detail(&b, "amount_usd", usd, (char *)NULL);
		i = record(k, c, "paid", usd, "case.paid", b.data);
		cs_buf_release(&b);
		if (i == 0)
			printf("%s: invoice of %s USD recorded as paid\n",
			    c->id, usd);
		return finish(k, c, i);
	}
	if (cs_casedb_costs(k->db, c->id, &cl, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: case invoice: %s\n", eb.msg);
		return finish(k, c, 1);
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_time_format(k->now, ts);
	cs_buf_appendf(&b,
	    "INVOICE\n%s\n%s\n%s %s\n\nTo: %s%s%s\nRe: case %s "
	    "(%s)\nDate: %s\n\n",
	    k->cfg.operator_name, k->cfg.operator_address, k->cfg.contact_phone,
	    k->cfg.contact_email, c->agency,
	    c->agency_ref[0] ? ", reference " : "", c->agency_ref, c->id,
	    c->type_name, ts);
	for (j = 0; j < n; j++) {
		fmt_usd(cl[j].cents, usd);
		cs_buf_appendf(&b, "  %-60s %12s\n", cl[j].what, usd);
	}
	fmt_usd(c->cost_cents, usd);
	cs_buf_appendf(&b,
	    "  %-60s %12s USD\n\nReasonable costs directly "
	    "incurred in searching for, assembling and\nreproducing the "
	    "information (18 USC 2706; 2518(4); 3124(c)).\n",
	    "TOTAL", usd);
	if (cs_casedb_put_blob(k->db, b.data, b.len, sha, &eb) != CS_OK ||
	    cs_casedb_add_doc(k->db, c, b.data, b.len, "invoice.txt", "invoice",
		k->by, k->now, &eb) != CS_OK) {
		fprintf(stderr, "custos: case invoice: %s\n", eb.msg);
		cs_buf_release(&b);
		free(cl);
		return finish(k, c, 1);
	}
	if (k->json) {
		struct cs_buf j2;
		cs_buf_init(&j2, NULL, 0, 1 << 20);
		cs_buf_appendf(&j2, "{\"case\":\"%s\",\"lines\":[", c->id);
		for (j = 0; j < n; j++) {
			fmt_usd(cl[j].cents, usd);
			cs_buf_appendf(&j2, "%s{\"what\":", j ? "," : "");
			cs_buf_json_str(&j2, cl[j].what, strlen(cl[j].what));
			cs_buf_appendf(&j2, ",\"amount_usd\":\"%s\"}", usd);
		}
		fmt_usd(c->cost_cents, usd);
		cs_buf_appendf(&j2,
		    "],\"total_usd\":\"%s\",\"sha256\":\"%s\"}\n", usd, sha);
		fputs(j2.data, stdout);
		cs_buf_release(&j2);
	} else {
		fputs(b.data, stdout);
	}
	cs_buf_reset(&b);
	fmt_usd(c->cost_cents, usd);
	detail(&b, "total_usd", usd, "sha256", sha, (char *)NULL);
	desk_audit(k, "case.invoice", c->id, b.data);
	cs_buf_release(&b);
	free(cl);
	return finish(k, c, 0);
}

int
case_notify(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct cs_rule_env env;
	struct actopts o;
	struct cs_case *c;
	struct cs_sub s;
	struct cs_buf b;
	const char *basis, *who = NULL;
	char ts[40], rcv[40], msg[300];
	cs_time until;
	size_t j;
	int i, found = 0;

	PARSE(
	    "usage: custos case notify ID --by NAME [--json]\n\nThe notice "
	    "to the subscriber (name and address from the subscriber\n"
	    "directory), stored with the case, with the time it was sent.  "
	    "Refused\nwhile any gag applies (2705(b), 3123(d), 2511(2)(a)(ii), "
	    "FISA/NSL) or when\nthe policy notify_customers is off.\n",
	    "", 1);
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	cs_casedb_env(k->db, c, &k->cfg, k->now, &env);
	if (cs_rules_gag(c, &env, &basis, &until)) {
		if (until != CS_TIME_NONE)
			cs_time_format(until, ts);
		snprintf(msg, sizeof(msg), "a gag applies: %s (until %s)",
		    basis, until != CS_TIME_NONE ? ts : "further order");
		return finish(
		    k, c, desk_refuse(k, "notify", c->id, "R-NDO-2", msg));
	}
	if (!k->cfg.notify_customers)
		return finish(k, c,
		    desk_refuse(k, "notify", c->id, "R-NDO-2",
			"the policy notify_customers is off"));
	for (j = 0; j < c->nt && !found; j++) {
		if (c->t[j].kind != TK_USERNAME && c->t[j].kind != TK_MAC)
			continue;
		who = c->t[j].value;
		found = cs_subdir_find(k->d.data, cs_casedb_key(k->db), who, &s,
			    &eb) == CS_OK;
	}
	if (!found) {
		fprintf(stderr,
		    "custos: case notify: no subscriber of case %s "
		    "in the directory (a username or mac target, and custos "
		    "subscribers import)\n",
		    c->id);
		return finish(k, c, 1);
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_time_format(k->now, ts);
	cs_time_format(c->received, rcv);
	cs_buf_appendf(&b,
	    "%s\n%s\n\n%s\n%s\n\nDate: %s\n\nDear %s,\n\n"
	    "%s received legal process concerning your account %s:\n"
	    "a %s from %s, received %s.\n"
	    "If you intend to challenge it, you may wish to consult a lawyer "
	    "promptly.\nQuestions: %s, %s.\n",
	    k->cfg.operator_name, k->cfg.operator_address, s.name, s.address,
	    ts, s.name[0] ? s.name : "Subscriber",
	    k->cfg.operator_name[0] ? k->cfg.operator_name : "We",
	    s.account[0] ? s.account : who, c->type_name, c->agency, rcv,
	    k->cfg.contact_phone, k->cfg.contact_email);
	if (cs_casedb_add_doc(k->db, c, b.data, b.len, "notice.txt", "notice",
		k->by, k->now, &eb) != CS_OK) {
		fprintf(stderr, "custos: case notify: %s\n", eb.msg);
		cs_buf_release(&b);
		return finish(k, c, 1);
	}
	if (k->json) {
		struct cs_buf nj;
		cs_buf_init(&nj, NULL, 0, 2 << 20);
		cs_buf_puts(&nj, "{\"case\":");
		cs_buf_json_str(&nj, c->id, strlen(c->id));
		cs_buf_appendf(&nj,
		    ",\"sent\":\"%s\",\"document\":\"%s\",\"notice\":", ts,
		    c->d[c->nd - 1].sha);
		cs_buf_json_str(&nj, b.data, b.len);
		cs_buf_puts(&nj, "}\n");
		fputs(nj.data, stdout);
		cs_buf_release(&nj);
	} else {
		fputs(b.data, stdout);
	}
	cs_buf_reset(&b);
	detail(
	    &b, "notice", c->d[c->nd - 1].sha, "subscriber", who, (char *)NULL);
	i = record(k, c, "notice", c->d[c->nd - 1].sha, "case.notify", b.data);
	cs_buf_release(&b);
	return finish(k, c, i);
}

static int
cmp_due(const void *a, const void *b)
{
	const struct cs_due *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

int
case_due(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct cs_due *all = NULL;
	struct cs_rule_env env;
	struct cs_ssi ssi;
	struct actopts o;
	int64_t within = INT64_MAX;
	size_t n = 0, cap = 0, nid, j, m;
	char **ids, ts[40];
	int i;

	PARSE("usage: custos case due [--within DURATION] [--json]\n\nWhat "
	      "falls due, soonest first: emergency windows (hours left), hold "
	      "and\norder expiries, return dates, gags lifting, certification "
	      "signatures,\nSSI filing (R-CALEA-4), the end of each "
	      "intercept.  Overdue items that\nstill need doing come first.  "
	      "DURATION: 48h, 14d, 2w.\n",
	    "w", 0);
	if (o.within && cs_duration_parse(o.within, &within) != CS_OK) {
		fprintf(stderr,
		    "custos: case due: --within wants 48h, 14d, 2w"
		    "\n");
		return 2;
	}
	desk_open(k, 0, 0);
	if (cs_casedb_list(k->db, &ids, &nid, &eb) != CS_OK) {
		fprintf(stderr, "custos: case due: %s\n", eb.msg);
		desk_close(k);
		return 1;
	}
	for (j = 0; j <= nid; j++) {
		struct cs_due d[CS_RULES_MAXDUE];
		if (j < nid) {
			struct cs_case *c = desk_load(k, ids[j]);
			cs_casedb_env(k->db, c, &k->cfg, k->now, &env);
			m = cs_rules_due(c, &env, d, CS_RULES_MAXDUE);
			cs_case_free(c);
		} else {
			cs_casedb_env(k->db, NULL, &k->cfg, k->now, &env);
			if (cs_casedb_ssi_get(k->db, &ssi, NULL) != CS_OK)
				ssi.set_at = ssi.filed_at = CS_TIME_NONE;
			m = cs_rules_ssi_due(
			    ssi.set_at, ssi.filed_at, &env, d, CS_RULES_MAXDUE);
		}
		if (n + m > cap) {
			cap = (n + m) * 2;
			all = cs_xreallocarray(all, cap, sizeof(*all));
		}
		for (i = 0; i < (int)m; i++)
			if (within == INT64_MAX || d[i].at <= k->now + within)
				all[n++] = d[i];
	}
	/* preservation holds in the vaults: R-PRES-3 reminders, expiries */
	{
		struct cs_due hd[256];
		size_t hn = cs_hold_due(k->d.data, k->d.keys, k->now, hd, 256);
		if (n + hn > cap) {
			cap = (n + hn) * 2 + 1;
			all = cs_xreallocarray(all, cap, sizeof(*all));
		}
		for (j = 0; j < hn; j++)
			if (within == INT64_MAX || hd[j].at <= k->now + within)
				all[n++] = hd[j];
	}
	/* intercepts: when each ends by itself (lib/li/prov.h) */
	{
		struct cs_due id[256];
		size_t in = li_prov_due(k->d.data, k->d.keys, k->now, id, 256);
		if (n + in > cap) {
			cap = (n + in) * 2 + 1;
			all = cs_xreallocarray(all, cap, sizeof(*all));
		}
		for (j = 0; j < in; j++)
			if (within == INT64_MAX || id[j].at <= k->now + within)
				all[n++] = id[j];
	}
	qsort(all, n, sizeof(*all), cmp_due);
	if (k->json)
		printf("[");
	for (j = 0; j < n; j++) {
		int64_t left = all[j].at - k->now;
		struct cs_buf b;
		cs_time_format(all[j].at, ts);
		cs_buf_init(&b, NULL, 0, 4096);
		if (k->json) {
			cs_buf_appendf(&b,
			    "%s{\"case\":%s%s%s,\"rule\":\"%s\","
			    "\"at\":\"%s\",\"hours_left\":%lld,\"overdue\":%s,"
			    "\"what\":",
			    j ? "," : "", all[j].case_id[0] ? "\"" : "",
			    all[j].case_id[0] ? all[j].case_id : "null",
			    all[j].case_id[0] ? "\"" : "", all[j].rule, ts,
			    (long long)(left / CS_HOUR),
			    left < 0 ? "true" : "false");
			cs_buf_json_str(&b, all[j].what, strlen(all[j].what));
			cs_buf_puts(&b, "}");
		} else {
			char rel[48];
			if (left < 0)
				snprintf(rel, sizeof(rel), "OVERDUE %lldh",
				    (long long)(-left / CS_HOUR));
			else if (left < 72 * CS_HOUR)
				snprintf(rel, sizeof(rel), "%lldh left",
				    (long long)(left / CS_HOUR));
			else
				snprintf(rel, sizeof(rel), "%lldd left",
				    (long long)(left / CS_DAY));
			cs_buf_appendf(&b, "%s  %-14s %-10s %-10s %s\n", ts,
			    rel, all[j].case_id[0] ? all[j].case_id : "-",
			    all[j].rule, all[j].what);
		}
		fputs(b.data, stdout);
		cs_buf_release(&b);
	}
	if (k->json)
		printf("]\n");
	else if (n == 0)
		printf("nothing falls due\n");
	free(all);
	cs_casedb_ids_free(ids, nid);
	desk_close(k);
	return 0;
}
