/*
 * cmd_subscribers - custos subscribers import FILE.csv | show WHO: the
 * subscriber directory (lib/core/subdir.h) from a billing export.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd_case.h"
#include "core/subdir.h"

static void
sub_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos subscribers import FILE.csv --by NAME\n"
	    "       custos subscribers show USERNAME|MAC|ACCOUNT --by NAME "
	    "[--json]\n\n"
	    "The subscriber directory: name, postal address, account and "
	    "means\n"
	    "of payment, from the CSV a billing system exports.  The header "
	    "line\nnames the columns (account, username, mac, name, address, "
	    "payment;\nothers ignored); each row needs a username or a mac.  "
	    "Bad rows are\nreported file:line: field and skipped.  An import "
	    "replaces the\ndirectory.  Stored sealed under the cases key; "
	    "every use is audited.\n");
}

int
cmd_subscribers(int argc, char **argv)
{
	static const struct option lo[] = {DESK_OPTS, {NULL, 0, NULL, 0}};
	struct cs_errbuf eb = {""};
	struct desk k;
	struct cs_sub s;
	struct cs_buf b;
	const char *verb;
	size_t ok = 0, bad = 0;
	int opt, rc = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		sub_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	desk_init(&k);
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(&k, opt, optarg))
			continue;
		sub_usage(opt == 'h' ? stdout : stderr);
		return opt == 'h' ? 0 : 2;
	}
	if (optind != argc - 1 ||
	    (strcmp(verb, "import") != 0 && strcmp(verb, "show") != 0)) {
		sub_usage(stderr);
		return 2;
	}
	desk_open(&k, 1, 1);
	cs_buf_init(&b, NULL, 0, 8192);
	if (strcmp(verb, "import") == 0) {
		if (cs_subdir_import(k.d.data, cs_casedb_key(k.db),
			argv[optind], stderr, &ok, &bad, &eb) != CS_OK) {
			fprintf(
			    stderr, "custos: subscribers import: %s\n", eb.msg);
			rc = 1;
		} else {
			cs_buf_appendf(
			    &b, "{\"imported\":%zu,\"skipped\":%zu}", ok, bad);
			desk_audit(&k, "subscribers.import", NULL, b.data);
			if (k.json)
				printf("%s\n", b.data);
			else
				printf("%zu subscribers imported, %zu rows "
				       "skipped\n",
				    ok, bad);
			rc = bad ? 1 : 0;
		}
	} else {
		cs_buf_puts(&b, "{\"who\":");
		cs_buf_json_str(&b, argv[optind], strlen(argv[optind]));
		if (cs_subdir_find(k.d.data, cs_casedb_key(k.db), argv[optind],
			&s, &eb) != CS_OK) {
			fprintf(
			    stderr, "custos: subscribers show: %s\n", eb.msg);
			cs_buf_puts(&b, ",\"found\":false}");
			rc = 1;
		} else {
			cs_buf_puts(&b, ",\"found\":true}");
			if (k.json) {
				struct cs_buf j;
				const char *v[6] = {s.account, s.username,
				    s.mac, s.name, s.address, s.payment};
				const char *n[6] = {"account", "username",
				    "mac", "name", "address", "payment"};
				int i;
				cs_buf_init(&j, NULL, 0, 8192);
				for (i = 0; i < 6; i++) {
					cs_buf_appendf(&j,
					    "%s\"%s\":", i ? "," : "{", n[i]);
					cs_buf_json_str(&j, v[i], strlen(v[i]));
				}
				printf("%s}\n", j.data);
				cs_buf_release(&j);
			} else {
				printf(
				    "account  %s\nusername %s\nmac      %s\n"
				    "name     %s\naddress  %s\npayment  %s\n",
				    s.account, s.username, s.mac, s.name,
				    s.address, s.payment);
			}
		}
		desk_audit(&k, "subscribers.show", NULL, b.data);
	}
	cs_buf_release(&b);
	desk_close(&k);
	return rc;
}
