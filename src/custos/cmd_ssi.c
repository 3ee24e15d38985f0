/*
 * cmd_ssi - custos ssi set FILE | show | filed: the carrier's Systems
 * Security and Integrity policy (47 CFR 1.20003, R-CALEA-3), stored as a
 * sealed document; its FCC filing is due 90 days after each amendment
 * (1.20005, R-CALEA-4).  Nothing can be approved before it exists.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_case.h"

static void
ssi_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos ssi set FILE --by NAME\n"
	    "       custos ssi show [--json] [--text]\n"
	    "       custos ssi filed [--at TIME] --by NAME\n\n"
	    "The SSI policy (47 CFR 1.20003): personnel need legal and "
	    "carrier\n"
	    "authorization; what appropriate authorization means; how long "
	    "the\n"
	    "1.20004 certifications are kept; the senior officer and the 24x7\n"
	    "law-enforcement contact.  'set' registers a new version (an\n"
	    "amendment: file it with the FCC within 90 days, then 'filed').\n"
	    "'show --text' prints the stored policy itself.\n");
}

int
cmd_ssi(int argc, char **argv)
{
	static const struct option lo[] = {
	    DESK_OPTS,
	    {"at", required_argument, NULL, 'a'},
	    {"text", no_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_errbuf eb = {""};
	struct desk k;
	struct cs_ssi s;
	struct cs_buf b;
	const char *verb, *at = NULL;
	char sha[65], ts[40], tf[40];
	int opt, text = 0, rc = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		ssi_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	desk_init(&k);
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(&k, opt, optarg))
			continue;
		if (opt == 'a')
			at = optarg;
		else if (opt == 't')
			text = 1;
		else if (opt == 'h') {
			ssi_usage(stdout);
			return 0;
		} else {
			ssi_usage(stderr);
			return 2;
		}
	}
	if (strcmp(verb, "set") == 0) {
		if (optind != argc - 1) {
			ssi_usage(stderr);
			return 2;
		}
		desk_open(&k, 1, 1);
		cs_buf_init(&b, NULL, 0, CS_DOC_MAX);
		if (cs_read_file(argv[optind], CS_DOC_MAX, &b, &eb) != CS_OK ||
		    b.len == 0 ||
		    cs_casedb_put_blob(k.db, b.data, b.len, sha, &eb) !=
			CS_OK ||
		    cs_casedb_ssi_set(k.db, sha, k.by, k.now, &eb) != CS_OK) {
			fprintf(stderr, "custos: ssi set: %s\n",
			    eb.msg[0] ? eb.msg : "empty policy file");
			rc = 1;
		} else {
			char det[128];
			snprintf(det, sizeof(det), "{\"sha256\":\"%s\"}", sha);
			desk_audit(&k, "ssi.set", NULL, det);
			printf("SSI policy %s registered; file it with the FCC "
			       "within 90 days (custos ssi filed)\n",
			    sha);
		}
		cs_buf_release(&b);
	} else if (strcmp(verb, "filed") == 0) {
		cs_time t;
		desk_open(&k, 1, 1);
		t = at ? parse_time_arg("--at", at) : k.now;
		if (cs_casedb_ssi_filed(k.db, t, &eb) != CS_OK) {
			fprintf(stderr, "custos: ssi filed: %s\n", eb.msg);
			rc = 1;
		} else {
			desk_audit(&k, "ssi.filed", NULL, NULL);
			printf("SSI policy recorded as filed with the FCC\n");
		}
	} else if (strcmp(verb, "show") == 0) {
		desk_open(&k, 0, 0);
		if (cs_casedb_ssi_get(k.db, &s, &eb) != CS_OK) {
			fprintf(stderr, "custos: ssi show: %s\n", eb.msg);
			rc = 1;
		} else if (text) {
			cs_buf_init(&b, NULL, 0, CS_DOC_MAX);
			if (cs_casedb_get_blob(k.db, s.sha, &b, &eb) != CS_OK) {
				fprintf(
				    stderr, "custos: ssi show: %s\n", eb.msg);
				rc = 1;
			} else {
				fwrite(b.data, 1, b.len, stdout);
			}
			cs_buf_release(&b);
		} else {
			cs_time_format(s.set_at, ts);
			if (s.filed_at != CS_TIME_NONE)
				cs_time_format(s.filed_at, tf);
			if (k.json) {
				printf("{\"sha256\":\"%s\",\"set_by\":", s.sha);
				cs_buf_init(&b, NULL, 0, 1024);
				cs_buf_json_str(&b, s.by, strlen(s.by));
				printf("%s,\"set_at\":\"%s\",\"filed_at\":%s%s%"
				       "s}\n",
				    b.data, ts,
				    s.filed_at != CS_TIME_NONE ? "\"" : "",
				    s.filed_at != CS_TIME_NONE ? tf : "null",
				    s.filed_at != CS_TIME_NONE ? "\"" : "");
				cs_buf_release(&b);
			} else {
				printf("SSI policy %s\n  set by %s at %s\n  "
				       "filed with the FCC: %s\n",
				    s.sha, s.by, ts,
				    s.filed_at != CS_TIME_NONE ? tf
							       : "not yet");
			}
		}
	} else {
		fprintf(stderr, "custos: ssi: unknown verb '%s'\n", verb);
		return 2;
	}
	desk_close(&k);
	return rc;
}
