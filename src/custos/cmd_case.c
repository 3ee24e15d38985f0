/* cmd_case - custos case new|show|list|update|close, and the desk */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_case.h"
#include "util/xmalloc.h"

void
desk_init(struct desk *k)
{
	memset(k, 0, sizeof(*k));
	dirs_default(&k->d);
	k->now = cs_time_now();
	optind = 1;
}

int
desk_opt(struct desk *k, int c, const char *arg)
{
	switch (c) {
	case 'd':
		k->d.data = arg;
		return 1;
	case 'k':
		k->d.keys = arg;
		return 1;
	case 'c':
		k->config = arg;
		return 1;
	case 'B':
		k->by = arg;
		return 1;
	case 'j':
		k->json = 1;
		return 1;
	default:
		return 0;
	}
}

void
desk_open(struct desk *k, int write, int need_actor)
{
	struct cs_errbuf eb = {""};
	const char *u;

	if (k->by == NULL && (u = getenv("CUSTOS_USER")) != NULL && *u)
		k->by = u;
	if (need_actor && (k->by == NULL || *k->by == '\0')) {
		fprintf(stderr,
		    "custos: case: who is acting? give --by NAME "
		    "(or set CUSTOS_USER)\n");
		exit(2);
	}
	if (k->by && strlen(k->by) >= CS_CASE_NAME) {
		fprintf(stderr, "custos: case: --by is longer than %d bytes\n",
		    CS_CASE_NAME - 1);
		exit(2);
	}
	if (cs_cfg_load(k->config, &k->cfg, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		exit(1);
	}
	if (cs_casedb_open(k->d.data, k->d.keys, write, &k->db, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		exit(1);
	}
	if (cs_audit_open(k->d.data, k->d.keys, 1, &k->audit, &eb) != CS_OK) {
		fprintf(stderr, "custos: audit: %s\n", eb.msg);
		exit(1);
	}
}

void
desk_close(struct desk *k)
{
	cs_casedb_close(k->db);
	cs_audit_close(k->audit);
	k->db = NULL;
	k->audit = NULL;
}

int
desk_audit(
    struct desk *k, const char *action, const char *case_id, const char *detail)
{
	struct cs_errbuf eb = {""};

	if (cs_audit_append(k->audit, k->by ? k->by : "(unknown)", action,
		case_id, detail, &eb) != CS_OK) {
		fprintf(stderr, "custos: audit: %s\n", eb.msg);
		return 1;
	}
	return 0;
}

struct cs_case *
desk_load(struct desk *k, const char *id)
{
	struct cs_errbuf eb = {""};
	struct cs_case *c = NULL;

	if (cs_casedb_load(k->db, id, &c, &eb) != CS_OK) {
		fprintf(stderr, "custos: case: %s\n", eb.msg);
		desk_close(k);
		exit(1);
	}
	return c;
}

int
desk_refuse(struct desk *k, const char *what, const char *case_id,
    const char *rule, const char *msg)
{
	struct cs_buf b;

	fprintf(stderr, "custos: %s: refused by %s: %s\n", what, rule, msg);
	cs_buf_init(&b, NULL, 0, 4096);
	cs_buf_puts(&b, "{\"command\":");
	cs_buf_json_str(&b, what, strlen(what));
	cs_buf_puts(&b, ",\"rule\":");
	cs_buf_json_str(&b, rule, strlen(rule));
	cs_buf_puts(&b, ",\"reason\":");
	cs_buf_json_str(&b, msg, strlen(msg));
	cs_buf_puts(&b, "}");
	desk_audit(k, "refusal", case_id, b.data);
	cs_buf_release(&b);
	return 3;
}

void
fmt_usd(int64_t cents, char out[static 32])
{
	snprintf(out, 32, "%s%lld.%02lld", cents < 0 ? "-" : "",
	    (long long)((cents < 0 ? -cents : cents) / 100),
	    (long long)((cents < 0 ? -cents : cents) % 100));
}

/* ---- new and update ---- */

enum {
	O_TYPE = 1000,
	O_OFFICER,
	O_DOC,
	O_DOCKIND,
	O_TARGET,
	O_CAT,
	O_RENEW,
	O_EXTEND,
	O_TERMINATE,
	O_FOLLOWUP,
	O_BACKUP_OK,
	O_NOTE_EV,
	O_FIELD = 2000
};

struct edit {
	const char *docs[CS_CASE_MAXD];
	size_t ndocs;
	const char *doc_kind;
	const char *events[8]; /* event kinds to record */
	size_t nev;
	const char *ev_note;
	int changed;
};

/* build_opts - the common options, the fields, and those of new/update */
static struct option *
build_opts(char names[][40], int update)
{
	static const struct option fixed[] = {
	    DESK_OPTS,
	    {"type", required_argument, NULL, O_TYPE},
	    {"officer", required_argument, NULL, O_OFFICER},
	    {"document", required_argument, NULL, O_DOC},
	    {"doc-kind", required_argument, NULL, O_DOCKIND},
	    {"target", required_argument, NULL, O_TARGET},
	    {"category", required_argument, NULL, O_CAT},
	    {"renew", no_argument, NULL, O_RENEW},
	    {"extend", no_argument, NULL, O_EXTEND},
	    {"terminate", no_argument, NULL, O_TERMINATE},
	    {"followup", no_argument, NULL, O_FOLLOWUP},
	    {"backup-confirmed", no_argument, NULL, O_BACKUP_OK},
	    {"event-note", required_argument, NULL, O_NOTE_EV},
	};
	const struct cs_case_field *f = cs_case_fields();
	size_t nf = 0, i, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct option *o;

	while (f[nf].name)
		nf++;
	o = cs_xcalloc(nfixed + nf + 1, sizeof(*o));
	memcpy(o, fixed, sizeof(fixed));
	if (!update)
		nfixed -= 6; /* event options are for update only */
	for (i = 0; i < nf; i++) {
		size_t j;
		snprintf(names[i], 40, "%s", f[i].name);
		for (j = 0; names[i][j]; j++)
			if (names[i][j] == '_')
				names[i][j] = '-';
		o[nfixed + i].name = names[i];
		o[nfixed + i].has_arg = f[i].type == CF_BOOL
		    ? optional_argument
		    : required_argument;
		o[nfixed + i].val = O_FIELD + (int)i;
	}
	return o;
}

/* officer - "NAME;PHONE;EMAIL" (later parts optional) */
static int
set_officer(struct cs_case *c, const char *s)
{
	struct cs_span sp = cs_span_cstr(s), part;
	char *dst[3] = {c->officer_name, c->officer_phone, c->officer_email};
	int i = 0;

	while (i < 3 && cs_span_token(&sp, ';', &part)) {
		part = cs_span_trim(part);
		if (part.len >= CS_CASE_STR)
			return -1;
		memcpy(dst[i], part.p, part.len);
		dst[i][part.len] = '\0';
		i++;
	}
	return sp.len ? -1 : 0;
}

static int
add_ev(struct edit *ed, const char *kind)
{
	if (ed->nev >= sizeof(ed->events) / sizeof(ed->events[0])) {
		fprintf(stderr,
		    "custos: case update: at most %zu events at "
		    "once\n",
		    sizeof(ed->events) / sizeof(ed->events[0]));
		return 2;
	}
	ed->events[ed->nev++] = kind;
	return 0;
}

/* edit_opt - one option of new/update applied to c; 2 on bad usage */
static int
edit_opt(struct desk *k, struct cs_case *c, struct edit *ed, int opt,
    const char *arg, int update)
{
	struct cs_errbuf eb = {""};
	int v;

	ed->changed = 1;
	if (opt >= O_FIELD) {
		const struct cs_case_field *f =
		    &cs_case_fields()[opt - O_FIELD];
		if (cs_case_field_set(c, f, arg ? arg : "yes", &eb) != CS_OK) {
			fprintf(stderr, "custos: case: %s\n", eb.msg);
			return 2;
		}
		return 0;
	}
	switch (opt) {
	case O_TYPE:
		if (update || (v = cs_ctype_parse(arg)) < 0) {
			fprintf(stderr,
			    "custos: case: %s type '%s' (see custos "
			    "case new --help)\n",
			    update ? "cannot change the" : "unknown", arg);
			return 2;
		}
		c->type = (enum cs_ctype)v;
		snprintf(c->type_name, sizeof(c->type_name), "%s", arg);
		return 0;
	case O_OFFICER:
		if (set_officer(c, arg) != 0) {
			fprintf(stderr,
			    "custos: case: --officer wants "
			    "\"NAME;PHONE;EMAIL\"\n");
			return 2;
		}
		return 0;
	case O_DOC:
		if (ed->ndocs >= CS_CASE_MAXD) {
			fprintf(stderr, "custos: case: too many documents\n");
			return 2;
		}
		ed->docs[ed->ndocs++] = arg;
		return 0;
	case O_DOCKIND:
		ed->doc_kind = arg;
		return 0;
	case O_TARGET:
		if (c->nt >= CS_CASE_MAXT) {
			fprintf(stderr, "custos: case: too many targets\n");
			return 2;
		}
		if (cs_target_parse(arg, &c->t[c->nt], &eb) != CS_OK) {
			fprintf(stderr, "custos: case: %s\n", eb.msg);
			return 2;
		}
		c->nt++;
		return 0;
	case O_CAT:
		if ((v = cs_ccat_parse(arg)) < 0) {
			fprintf(stderr,
			    "custos: case: unknown category '%s' "
			    "(see custos case new --help)\n",
			    arg);
			return 2;
		}
		c->cats |= CC_BIT(v);
		return 0;
	case O_RENEW:
		return add_ev(ed, "renewal");
	case O_EXTEND:
		return add_ev(ed, "extension");
	case O_TERMINATE:
		return add_ev(ed, "termination");
	case O_FOLLOWUP:
		return add_ev(ed, "followup");
	case O_BACKUP_OK:
		return add_ev(ed, "backup_confirmed");
	case O_NOTE_EV:
		ed->ev_note = arg;
		return 0;
	}
	return 2;
}

static const char *
doc_kind_ok(const char *k)
{
	static const char *const kinds[] = {"legal", "certification", "renewal",
	    "extension", "termination", "consent", "followup", "other", NULL};
	size_t i;

	for (i = 0; kinds[i]; i++)
		if (strcmp(k, kinds[i]) == 0)
			return kinds[i];
	return NULL;
}

/* apply_docs - store the documents named on the command line */
static int
apply_docs(struct desk *k, struct cs_case *c, struct edit *ed, cs_time at)
{
	struct cs_errbuf eb = {""};
	struct cs_buf b, d;
	const char *kind = ed->doc_kind ? ed->doc_kind : "legal";
	size_t i;

	for (i = 0; i < ed->ndocs; i++) {
		const char *name = strrchr(ed->docs[i], '/');
		name = name ? name + 1 : ed->docs[i];
		cs_buf_init(&b, NULL, 0, CS_DOC_MAX);
		if (cs_read_file(ed->docs[i], CS_DOC_MAX, &b, &eb) != CS_OK ||
		    cs_casedb_add_doc(k->db, c, b.data ? b.data : "", b.len,
			name, kind, k->by, at, &eb) != CS_OK) {
			fprintf(stderr, "custos: case: document: %s\n", eb.msg);
			cs_buf_release(&b);
			return 1;
		}
		cs_buf_release(&b);
		cs_buf_init(&d, NULL, 0, 4096);
		cs_buf_appendf(&d,
		    "{\"sha256\":\"%s\",\"kind\":\"%s\","
		    "\"size\":%lld,\"name\":",
		    c->d[c->nd - 1].sha, kind, (long long)c->d[c->nd - 1].size);
		cs_buf_json_str(&d, name, strlen(name));
		cs_buf_puts(&d, "}");
		desk_audit(k, "case.document", c->id, d.data);
		cs_buf_release(&d);
	}
	return 0;
}

static void
new_usage(FILE *f)
{
	const struct cs_case_field *fd;
	int i;

	fprintf(f,
	    "usage: custos case new --type TYPE --agency NAME --received "
	    "TIME [--issued TIME]\n"
	    "           [--court NAME] [--judge NAME] [--officer "
	    "\"NAME;PHONE;EMAIL\"]\n"
	    "           [--document FILE]... [--doc-kind KIND] "
	    "[--target KIND:VALUE[@FROM..TO]]...\n"
	    "           [--category CAT]... [--FIELD VALUE]... [--by NAME] "
	    "[--json]\n\n"
	    "Enter a request from law enforcement as a case; prints its id.\n"
	    "The rules of the case desk (custos case show ID) say what it "
	    "still lacks.\n\ntypes:");
	for (i = 0; i < CT_N; i++)
		fprintf(f, "%s %s", i % 4 ? "" : "\n ",
		    cs_ctype_name((enum cs_ctype)i));
	fprintf(f, " (fisa_*: any FISA kind)\ncategories:");
	for (i = 0; i < CC_N; i++)
		fprintf(f, "%s %s", i % 5 ? "" : "\n ",
		    cs_ccat_name((enum cs_ccat)i));
	fprintf(f,
	    "\ntarget kinds: ip (address or prefix), ipv6prefix, "
	    "username, mac, circuit,\n  email, phone; the window FROM..TO "
	    "(RFC 3339, either end may be empty)\n  limits the lookups the "
	    "target allows\ndocument kinds: legal (default), certification, "
	    "renewal, extension,\n  termination, consent, followup, other\n"
	    "fields:\n");
	for (fd = cs_case_fields(); fd->name; fd++) {
		char opt[40];
		size_t j;
		snprintf(opt, sizeof(opt), "%s", fd->name);
		for (j = 0; opt[j]; j++)
			if (opt[j] == '_')
				opt[j] = '-';
		fprintf(f, "  --%-16s %s%s\n", opt, fd->help,
		    fd->type == CF_TIME       ? " (RFC 3339)"
			: fd->type == CF_BOOL ? " (yes/no)"
					      : "");
	}
}

static int
case_new(struct desk *k, int argc, char **argv)
{
	char names[64][40];
	struct option *lo = build_opts(names, 0);
	struct cs_errbuf eb = {""};
	struct cs_case *c = cs_case_new();
	struct edit ed;
	struct cs_buf b;
	int opt, rc = 0, have_type = 0, i, first;

	memset(&ed, 0, sizeof(ed));
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(k, opt, optarg))
			continue;
		if (opt == 'h') {
			new_usage(stdout);
			goto out;
		}
		if (opt == '?' || (rc = edit_opt(k, c, &ed, opt, optarg, 0))) {
			rc = 2;
			goto out;
		}
		have_type |= opt == O_TYPE;
	}
	if (optind != argc || !have_type || !c->agency[0] ||
	    c->received == CS_TIME_NONE) {
		fprintf(stderr,
		    "custos: case new: need --type, --agency and "
		    "--received (custos case new --help)\n");
		rc = 2;
		goto out;
	}
	if (ed.doc_kind && !doc_kind_ok(ed.doc_kind)) {
		fprintf(stderr, "custos: case new: unknown --doc-kind\n");
		rc = 2;
		goto out;
	}
	desk_open(k, 1, 1);
	snprintf(c->created_by, sizeof(c->created_by), "%s", k->by);
	c->created_at = k->now;
	if (cs_casedb_create(k->db, c, &eb) != CS_OK) {
		fprintf(stderr, "custos: case new: %s\n", eb.msg);
		rc = 1;
		goto close;
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_buf_puts(&b, "{\"type\":");
	cs_buf_json_str(&b, c->type_name, strlen(c->type_name));
	cs_buf_puts(&b, ",\"agency\":");
	cs_buf_json_str(&b, c->agency, strlen(c->agency));
	cs_buf_appendf(&b, ",\"targets\":%zu,\"categories\":[", c->nt);
	for (i = 0, first = 1; i < CC_N; i++)
		if (c->cats & CC_BIT(i)) {
			cs_buf_appendf(&b, "%s\"%s\"", first ? "" : ",",
			    cs_ccat_name((enum cs_ccat)i));
			first = 0;
		}
	cs_buf_puts(&b, "]}");
	desk_audit(k, "case.create", c->id, b.data);
	cs_buf_release(&b);
	if (apply_docs(k, c, &ed, c->received) != 0) {
		rc = 1;
		goto close;
	}
	if (k->json)
		printf("{\"id\":\"%s\"}\n", c->id);
	else
		printf("%s\n", c->id);
close:
	desk_close(k);
out:
	free(lo);
	cs_case_free(c);
	return rc;
}

static int
case_update(struct desk *k, int argc, char **argv)
{
	char names[64][40], **av = argv;
	struct option *lo = build_opts(names, 1);
	struct cs_errbuf eb = {""};
	struct cs_case *c, *scratch = cs_case_new();
	struct edit ed;
	struct cs_buf b;
	int opt, rc = 0, pass;
	size_t i;

	/* pass 0 checks usage on a scratch case; pass 1 applies */
	memset(&ed, 0, sizeof(ed));
	while ((opt = getopt_long(argc, av, "", lo, NULL)) != -1) {
		if (desk_opt(k, opt, optarg))
			continue;
		if (opt == 'h') {
			printf(
			    "usage: custos case update ID [the options of "
			    "case new] [--renew] [--extend]\n"
			    "           [--terminate] [--followup] "
			    "[--backup-confirmed] [--event-note TEXT]\n"
			    "           [--by NAME] [--json]\n\n"
			    "Change fields, add targets, categories and "
			    "documents, and record what\nhappened: --renew "
			    "(2703(f) renewal), --extend (order extension; "
			    "attach\nits document with --doc-kind extension), "
			    "--terminate (the agency ended it),\n--followup "
			    "(the written process after an emergency), "
			    "--backup-confirmed (2704).\n");
			rc = 0;
			goto out;
		}
		if (opt == '?' || opt == O_TYPE ||
		    edit_opt(k, scratch, &ed, opt, optarg, 1)) {
			rc = 2;
			goto out;
		}
	}
	if (optind != argc - 1 || !ed.changed) {
		fprintf(stderr,
		    "custos: case update: need ID and something "
		    "to change\n");
		rc = 2;
		goto out;
	}
	if (ed.doc_kind && !doc_kind_ok(ed.doc_kind)) {
		fprintf(stderr, "custos: case update: unknown --doc-kind\n");
		rc = 2;
		goto out;
	}
	desk_open(k, 1, 1);
	c = desk_load(k, argv[optind]);
	if (c->closed) {
		fprintf(
		    stderr, "custos: case update: case %s is closed\n", c->id);
		rc = 1;
		goto done;
	}
	/* second pass over the same options, now onto the real case */
	memset(&ed, 0, sizeof(ed));
	optind = 1;
	for (pass = 1; (opt = getopt_long(argc, av, "", lo, NULL)) != -1;) {
		if (desk_opt(k, opt, optarg))
			continue;
		if (edit_opt(k, c, &ed, opt, optarg, pass) != 0) {
			rc = 2;
			goto done;
		}
	}
	if (cs_casedb_save(k->db, c, &eb) != CS_OK) {
		fprintf(stderr, "custos: case update: %s\n", eb.msg);
		rc = 1;
		goto done;
	}
	for (i = 0; i < ed.nev; i++)
		if (cs_casedb_event(k->db, c, ed.events[i], k->now, k->by,
			ed.ev_note, &eb) != CS_OK) {
			fprintf(stderr, "custos: case update: %s\n", eb.msg);
			rc = 1;
			goto done;
		}
	if (apply_docs(k, c, &ed, k->now) != 0) {
		rc = 1;
		goto done;
	}
	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_buf_puts(&b, "{\"args\":[");
	for (i = 1; i < (size_t)argc; i++) {
		if (i > 1)
			cs_buf_putc(&b, ',');
		cs_buf_json_str(&b, argv[i], strlen(argv[i]));
	}
	cs_buf_puts(&b, "]}");
	desk_audit(k, "case.update", c->id, b.data);
	cs_buf_release(&b);
	if (k->json)
		printf("{\"id\":\"%s\"}\n", c->id);
	else
		printf("%s updated\n", c->id);
done:
	cs_case_free(c);
	desk_close(k);
out:
	free(lo);
	cs_case_free(scratch);
	return rc;
}

/* ---- show, list, close ---- */

static int
one_id(struct desk *k, int argc, char **argv, const char *usage,
    const struct option *extra, int (*more)(int, const char *, void *),
    void *arg)
{
	struct option lo[16] = {DESK_OPTS};
	size_t n = 6, i;
	int opt;

	for (i = 0; extra && extra[i].name && n < 15; i++)
		lo[n++] = extra[i];
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(k, opt, optarg))
			continue;
		if (opt == 'h') {
			printf("%s", usage);
			return -1;
		}
		if (opt == '?' || more == NULL || more(opt, optarg, arg) != 0) {
			fputs(usage, stderr);
			return -2;
		}
	}
	return optind;
}

static int
case_show(struct desk *k, int argc, char **argv)
{
	struct cs_case *c;
	struct cs_buf b;
	int i = one_id(k, argc, argv,
	    "usage: custos case show ID [--json]\n\n"
	    "The case: fields, targets, categories, documents, events, what "
	    "the\nrules find (BLOCK, WARN, ROUTE, INFO), deadlines, gag.\n",
	    NULL, NULL, NULL);

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (i != argc - 1) {
		fprintf(stderr, "custos: case show: need ID\n");
		return 2;
	}
	desk_open(k, 0, 0);
	c = desk_load(k, argv[i]);
	cs_buf_init(&b, NULL, 0, 16 << 20);
	if (k->json) {
		case_json(k, c, &b);
		cs_buf_putc(&b, '\n');
	} else {
		case_text(k, c, &b);
	}
	fputs(b.data, stdout);
	desk_audit(k, "case.view", c->id, NULL);
	cs_buf_release(&b);
	cs_case_free(c);
	desk_close(k);
	return 0;
}

static int
case_list(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct cs_finding f[CS_RULES_MAXF];
	const struct cs_finding *blk;
	char **ids;
	size_t n, i;
	int a = one_id(k, argc, argv,
	    "usage: custos case list [--json]\n\n"
	    "Every case: id, type, state, agency (its first 24 characters),\n"
	    "the day it was received, and the rule that blocks it (- if\n"
	    "none).  --json: [{\"id\", \"type\", \"status\", \"agency\",\n"
	    "\"received\", \"blocked_by\"}].\n",
	    NULL, NULL, NULL);

	if (a < 0)
		return a == -1 ? 0 : 2;
	desk_open(k, 0, 0);
	if (cs_casedb_list(k->db, &ids, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: case list: %s\n", eb.msg);
		desk_close(k);
		return 1;
	}
	if (k->json)
		printf("[");
	for (i = 0; i < n; i++) {
		struct cs_case *c = desk_load(k, ids[i]);
		struct cs_buf b;
		char ts[40];
		case_findings(k, c, f, CS_RULES_MAXF, &blk);
		cs_time_format(c->received, ts);
		cs_buf_init(&b, NULL, 0, 1 << 20);
		if (k->json) {
			cs_buf_appendf(&b,
			    "%s{\"id\":\"%s\",\"type\":\"%s\","
			    "\"status\":\"%s\",\"agency\":",
			    i ? "," : "", c->id, c->type_name,
			    c->closed ? "closed" : "open");
			cs_buf_json_str(&b, c->agency, strlen(c->agency));
			cs_buf_appendf(&b,
			    ",\"received\":\"%s\","
			    "\"blocked_by\":",
			    ts);
			if (blk)
				cs_buf_appendf(&b, "\"%s\"}", blk->rule);
			else
				cs_buf_puts(&b, "null}");
		} else {
			cs_buf_appendf(&b,
			    "%-10s %-22s %-6s %-24.24s %.10s  %s\n", c->id,
			    c->type_name, c->closed ? "closed" : "open",
			    *c->agency ? c->agency : "-", ts,
			    blk ? blk->rule : "-");
		}
		fputs(b.data, stdout);
		cs_buf_release(&b);
		cs_case_free(c);
	}
	if (k->json)
		printf("]\n");
	cs_casedb_ids_free(ids, n);
	desk_audit(k, "case.list", NULL, NULL);
	desk_close(k);
	return 0;
}

static int
note_opt(int opt, const char *arg, void *p)
{
	if (opt != 'n')
		return 1;
	*(const char **)p = arg;
	return 0;
}

static int
case_close(struct desk *k, int argc, char **argv)
{
	static const struct option extra[] = {
	    {"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	struct cs_errbuf eb = {""};
	const char *note = NULL;
	struct cs_case *c;
	struct cs_buf b;
	int i = one_id(k, argc, argv,
	    "usage: custos case close ID --by NAME "
	    "[--note TEXT] [--json]\n\nClose a case: its implicit hold "
	    "(R-PRES-4) ends and no lookup runs under it.\n",
	    extra, note_opt, &note);

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (i != argc - 1) {
		fprintf(stderr, "custos: case close: need ID\n");
		return 2;
	}
	desk_open(k, 1, 1);
	c = desk_load(k, argv[i]);
	if (c->closed) {
		fprintf(stderr, "custos: case close: %s is already closed\n",
		    c->id);
		cs_case_free(c);
		desk_close(k);
		return 1;
	}
	c->closed = 1;
	if (cs_casedb_save(k->db, c, &eb) != CS_OK ||
	    cs_casedb_event(k->db, c, "close", k->now, k->by, note, &eb) !=
		CS_OK) {
		fprintf(stderr, "custos: case close: %s\n", eb.msg);
		cs_case_free(c);
		desk_close(k);
		return 1;
	}
	cs_buf_init(&b, NULL, 0, 4096);
	cs_buf_puts(&b, "{\"note\":");
	cs_buf_json_str(&b, note ? note : "", note ? strlen(note) : 0);
	cs_buf_puts(&b, "}");
	desk_audit(k, "case.close", c->id, b.data);
	cs_buf_release(&b);
	if (k->json)
		printf("{\"id\":\"%s\",\"status\":\"closed\"}\n", c->id);
	else
		printf("%s closed\n", c->id);
	cs_case_free(c);
	desk_close(k);
	return 0;
}

static int
case_holds(struct desk *k, int argc, char **argv)
{
	struct cs_errbuf eb = {""};
	struct cs_hold *h = NULL;
	char tv[CS_CASE_STR + 64], ts[40];
	size_t n = 0, i;
	int a = one_id(k, argc, argv,
	    "usage: custos case holds [--json]\n\n"
	    "What retention must keep now: the targets of every open case "
	    "(R-PRES-4)\nand of preservation (R-PRES-1/2) and CyberTipline "
	    "(R-CSAM-1) holds until\nthey end.\n",
	    NULL, NULL, NULL);

	if (a < 0)
		return a == -1 ? 0 : 2;
	if (a != argc) {
		fprintf(stderr, "custos: case holds: no arguments\n");
		return 2;
	}
	desk_open(k, 0, 0);
	if (cs_casedb_holds(k->db, k->now, &h, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: case holds: %s\n", eb.msg);
		desk_close(k);
		return 1;
	}
	if (k->json)
		printf("[");
	for (i = 0; i < n; i++) {
		struct cs_buf b;
		cs_buf_init(&b, NULL, 0, 4096);
		cs_target_format(&h[i].t, tv, sizeof(tv));
		if (h[i].until != CS_TIME_NONE)
			cs_time_format(h[i].until, ts);
		if (k->json) {
			cs_buf_appendf(&b,
			    "%s{\"case\":\"%s\",\"rule\":\"%s\","
			    "\"target\":",
			    i ? "," : "", h[i].case_id, h[i].basis);
			cs_buf_json_str(&b, tv, strlen(tv));
			cs_buf_puts(&b, ",\"until\":");
			if (h[i].until != CS_TIME_NONE)
				cs_buf_appendf(&b, "\"%s\"}", ts);
			else
				cs_buf_puts(&b, "null}");
		} else {
			cs_buf_appendf(&b, "%-10s %-9s %s until %s\n",
			    h[i].case_id, h[i].basis, tv,
			    h[i].until != CS_TIME_NONE ? ts
						       : "the case closes");
		}
		fputs(b.data, stdout);
		cs_buf_release(&b);
	}
	if (k->json)
		printf("]\n");
	free(h);
	desk_audit(k, "case.holds", NULL, NULL);
	desk_close(k);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct desk *, int, char **);
	const char *help;
} subs[] = {
    {"new", case_new, "enter a request as a case; prints its id"},
    {"show", case_show, "a case with its findings and deadlines"},
    {"list", case_list, "every case"},
    {"update", case_update, "change a case, add documents, record events"},
    {"close", case_close, "close a case"},
    {"ack", case_ack, "acknowledge a WARN or ROUTE finding"},
    {"verify", case_verify, "record the call-back verification"},
    {"approve", case_approve, "approve (two-person rule for intercepts)"},
    {"certify", case_certify, "sign the 47 CFR 1.20004 certification"},
    {"due", case_due, "what falls due, soonest first"},
    {"holds", case_holds, "what retention must keep (holds in force)"},
    {"cost", case_cost, "add a cost line"},
    {"invoice", case_invoice, "the invoice of a case (--paid: mark paid)"},
    {"notify", case_notify, "the notice to the subscriber, unless gagged"},
};

int
cmd_case(int argc, char **argv)
{
	struct desk k;
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f,
		    "usage: custos case SUBCOMMAND [OPTIONS]\n\n"
		    "The legal-process desk: every request is a case, and the "
		    "rules of\nspec/legal-rules.md decide what it may see and "
		    "what falls due when.\nEvery action names who acted (--by "
		    "NAME or $CUSTOS_USER) and is audited.\n\n");
		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].help);
		fprintf(f, "  %-8s %s\n", "export",
		    "the response package "
		    "(records, report, certification, manifest)");
		fprintf(f,
		    "\nCommon options: --data DIR --keys DIR --config "
		    "FILE --by NAME --json\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "export") == 0)
		return cmd_case_export(argc - 1, argv + 1);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			desk_init(&k);
			return subs[i].fn(&k, argc - 1, argv + 1);
		}
	fprintf(stderr,
	    "custos: case: unknown subcommand '%s' (custos case "
	    "--help)\n",
	    argv[1]);
	return 2;
}
