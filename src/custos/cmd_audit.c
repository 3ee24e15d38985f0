/* cmd_audit - custos audit verify|show|note: the audit trail */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/audit.h"

static const char usage_text[] =
    "usage: custos audit verify [--data DIR] [--keys DIR]\n"
    "       custos audit show [--case ID] [--json] [--data DIR] [--keys DIR]\n"
    "       custos audit note [--by NAME] [--case ID] [--data DIR] "
    "[--keys DIR] TEXT\n"
    "\n"
    "The audit trail (DATA/audit.db) records every action taken with legal\n"
    "process: cases created or changed, documents, approvals, lookups and\n"
    "their number of results, refusals, exports.  Entries are hash-chained:\n"
    "each one's SHA-256 covers its fields and the previous entry's hash.\n"
    "Details are sealed under KEYS/audit.key; the chain covers the sealed\n"
    "bytes, so verifying the chain needs no key.\n"
    "\n"
    "  verify       walk the whole trail and check that the head (the last\n"
    "               entry's hash) is sealed by the audit key, when the key\n"
    "               is there; exit 0 and print \"audit trail intact: N\n"
    "               entries\" and the last entry's hash (keep it elsewhere:\n"
    "               that catches a whole file put back from an older copy);\n"
    "               exit 1 naming the first bad entry: \"entry N:\n"
    "               changed (hash does not match)\", \"entry N: missing\",\n"
    "               \"entries out of order at N\", \"last entry removed (head\n"
    "               says N, trail ends at M)\"\n"
    "  show         the entries in order, one per line: sequence number,\n"
    "               time, actor, action, case (- for none) and the detail\n"
    "               (null when there is none or the audit key is missing);\n"
    "               exit 1 (after the entries) if the trail is damaged\n"
    "  note         add an entry by hand (action \"note\", detail\n"
    "               {\"text\": TEXT}), e.g. a call or a decision made outside\n"
    "               custos\n"
    "\n"
    "  --case ID    show: only this case's entries; note: the case it is\n"
    "               about\n"
    "  --json       show: one object per line: {\"seq\", \"time\",\n"
    "               \"actor\", \"action\", \"case\" (null for none),\n"
    "               \"detail\" (the JSON detail or null), \"hash\" (hex)}\n"
    "  --by NAME    note: who writes it (default $CUSTOS_USER, else the\n"
    "               login)\n"
    "  --data DIR   data directory (default $CUSTOS_DATA, else %s)\n"
    "  --keys DIR   key directory (default $CUSTOS_KEYS, else %s)\n"
    "\n"
    "Exit status: 0 success, 1 damaged trail or failure, 2 usage.\n";

/* usage - the help text, with the default directories */
static void
usage(FILE *f)
{
	fprintf(f, usage_text, DEFAULT_DATA, DEFAULT_KEYS);
}

/* put_text - s for a terminal: control bytes as \xNN */
static void
put_text(struct cs_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			cs_buf_putc(b, (char)*p);
			continue;
		}
		cs_buf_puts(b, "\\x");
		cs_buf_putc(b, hex[*p >> 4]);
		cs_buf_putc(b, hex[*p & 15]);
	}
}

/*
 * put_detail - the detail JSON on one line: a valid detail has raw
 * newlines and tabs only between tokens, where a space means the same
 */
static void
put_detail(struct cs_buf *b, const char *d)
{
	const char *p;

	for (p = d; *p; p++)
		cs_buf_putc(
		    b, *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p);
}

/* entry_json - one entry as a JSON line (--json) */
static void
entry_json(struct cs_buf *b, const struct cs_audit_entry *e)
{
	char t[40];

	cs_time_format(e->time, t);
	cs_buf_appendf(b,
	    "{\"seq\":%lld,\"time\":\"%s\",\"actor\":", (long long)e->seq, t);
	cs_buf_json_str(b, e->actor, strlen(e->actor));
	cs_buf_puts(b, ",\"action\":");
	cs_buf_json_str(b, e->action, strlen(e->action));
	cs_buf_puts(b, ",\"case\":");
	if (*e->case_id)
		cs_buf_json_str(b, e->case_id, strlen(e->case_id));
	else
		cs_buf_puts(b, "null");
	cs_buf_puts(b, ",\"detail\":");
	/* only what we sealed opens, and it was checked JSON when sealed */
	if (e->detail &&
	    cs_audit_json_check(e->detail, strlen(e->detail)) == CS_OK)
		put_detail(b, e->detail);
	else
		cs_buf_puts(b, "null");
	cs_buf_appendf(b, ",\"hash\":\"%s\"}\n", e->hash);
}

/* entry_text - one entry as a line of text */
static void
entry_text(struct cs_buf *b, const struct cs_audit_entry *e)
{
	char t[40];

	cs_time_format(e->time, t);
	cs_buf_appendf(b, "%lld  %s  ", (long long)e->seq, t);
	put_text(b, e->actor);
	cs_buf_puts(b, "  ");
	put_text(b, e->action);
	cs_buf_puts(b, "  ");
	put_text(b, *e->case_id ? e->case_id : "-");
	cs_buf_puts(b, "  ");
	if (e->detail)
		put_detail(b, e->detail);
	else
		cs_buf_puts(b, "null");
	cs_buf_putc(b, '\n');
}

/* open_trail - open the trail, or say why not (NULL) */
static struct cs_audit *
open_trail(const struct dirs *d, const char *keys, int write)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a = NULL;

	if (cs_audit_open(d->data, keys, write, &a, &eb) != CS_OK) {
		fprintf(stderr, "custos: audit: %s\n", eb.msg);
		return NULL;
	}
	return a;
}

/* do_verify - custos audit verify: exit status 0 or 1 */
static int
do_verify(const struct dirs *d)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	char hash[65];
	int64_t bad = 0, n = 0;
	enum cs_err e;

	/* the chain needs no key; the head's seal is checked if there is one */
	if ((a = open_trail(d, d->keys, 0)) == NULL)
		return 1;
	e = cs_audit_verify(a, &bad, &eb);
	if (e == CS_OK && !cs_audit_has_key(a))
		fprintf(stderr,
		    "custos: audit: no audit key in %s: the chain "
		    "was checked, the seal of its head was not\n",
		    d->keys);
	if (e == CS_OK)
		e = cs_audit_head(a, &n, hash, &eb);
	cs_audit_close(a);
	if (e != CS_OK) {
		if (e == CS_ECRYPTO)
			printf("%s\n", eb.msg);
		else
			fprintf(stderr, "custos: audit: %s\n", eb.msg);
		return 1;
	}
	printf("audit trail intact: %lld %s\n", (long long)n,
	    n == 1 ? "entry" : "entries");
	if (n > 0)
		printf("last entry %lld: %s\n", (long long)n, hash);
	return 0;
}

/* do_show - custos audit show: the entries, then a check of the chain */
static int
do_show(const struct dirs *d, const char *case_id, int json)
{
	struct cs_errbuf eb = {""};
	struct cs_audit_entry *v = NULL;
	struct cs_audit *a;
	struct cs_buf b;
	size_t n = 0, i;
	int64_t bad = 0;
	int rc = 0;

	if ((a = open_trail(d, d->keys, 0)) == NULL)
		return 1;
	if (cs_audit_list(a, case_id, &v, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: audit: %s\n", eb.msg);
		cs_audit_close(a);
		return 1;
	}
	if (!cs_audit_has_key(a) && n > 0)
		fprintf(stderr,
		    "custos: audit: no audit key in %s: details "
		    "are shown as null\n",
		    d->keys);
	cs_buf_init(&b, NULL, 0, (size_t)64 << 20);
	for (i = 0; i < n; i++) {
		if (json)
			entry_json(&b, &v[i]);
		else
			entry_text(&b, &v[i]);
		if (b.len > 1 << 16 || i + 1 == n) {
			fwrite(b.data, 1, b.len, stdout);
			explicit_bzero(b.data, b.len); /* target identifiers */
			cs_buf_reset(&b);
		}
	}
	cs_buf_release(&b);
	cs_audit_entries_free(v, n);
	if (fflush(stdout) != 0)
		rc = 1;
	if (cs_audit_verify(a, &bad, &eb) != CS_OK) {
		fprintf(stderr, "custos: audit: the trail is damaged: %s\n",
		    eb.msg);
		rc = 1;
	}
	cs_audit_close(a);
	return rc;
}

/* actor_default - $CUSTOS_USER, else the login name */
static const char *
actor_default(void)
{
	const char *u = getenv("CUSTOS_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : NULL;
}

/* do_note - custos audit note: one entry with detail {"text": TEXT} */
static int
do_note(
    const struct dirs *d, const char *by, const char *case_id, const char *text)
{
	struct cs_errbuf eb = {""};
	struct cs_audit *a;
	struct cs_buf b;
	enum cs_err e;

	if (by == NULL && (by = actor_default()) == NULL) {
		fprintf(stderr,
		    "custos: audit: who is writing? give --by "
		    "NAME\n");
		return 2;
	}
	cs_buf_init(&b, NULL, 0, CS_AUDIT_MAX_DETAIL);
	cs_buf_puts(&b, "{\"text\":");
	cs_buf_json_str(&b, text, strlen(text));
	cs_buf_putc(&b, '}');
	if (cs_buf_error(&b) != CS_OK) {
		fprintf(stderr, "custos: audit: the note is too long\n");
		cs_buf_release(&b);
		return 1;
	}
	if ((a = open_trail(d, d->keys, 1)) == NULL) {
		cs_buf_release(&b);
		return 1;
	}
	e = cs_audit_append(a, by, "note", case_id, b.data, &eb);
	cs_audit_close(a);
	explicit_bzero(b.data, b.len);
	cs_buf_release(&b);
	if (e != CS_OK) {
		fprintf(stderr, "custos: audit: %s\n", eb.msg);
		return 1;
	}
	return 0;
}

/* cmd_audit - custos audit verify|show|note */
int
cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"case", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"by", required_argument, NULL, 'b'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sub, *case_id = NULL, *by = NULL;
	struct dirs d;
	int opt, json = 0;

	dirs_default(&d);
	/* options may come before or after the subcommand */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			case_id = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'b':
			by = optarg;
			break;
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	sub = argv[0];
	argc--;
	argv++;
	if (strcmp(sub, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(sub, "verify") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "note") != 0) {
		fprintf(
		    stderr, "custos: audit: unknown subcommand '%s'\n\n", sub);
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "note") == 0) {
		if (argc != 1 || json) {
			fprintf(stderr,
			    "custos: audit note: one TEXT "
			    "argument (and no --json)\n");
			return 2;
		}
		return do_note(&d, by, case_id, argv[0]);
	}
	if (argc != 0 || by != NULL ||
	    (strcmp(sub, "verify") == 0 && (json || case_id))) {
		fprintf(stderr,
		    "custos: audit %s: unexpected arguments "
		    "(see custos audit --help)\n",
		    sub);
		return 2;
	}
	if (strcmp(sub, "verify") == 0)
		return do_verify(&d);
	return do_show(&d, case_id, json);
}
