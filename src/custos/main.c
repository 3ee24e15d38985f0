/* custos - main: dispatch to a subcommand */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "util/log.h"
#include "util/time.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
    {"ingest", cmd_ingest, "read RADIUS, DHCP and SMTP logs into the store"},
    {"who", cmd_who, "which subscriber had an address at a moment"},
    {"history", cmd_history, "a subscriber's bindings and mail in a window"},
    {"dump", cmd_dump, "every binding and envelope in the store (JSON lines)"},
    {"quarantine", cmd_quarantine, "the records ingest rejected, and why"},
    {"config", cmd_config, "check and print the configuration file"},
    {"case", cmd_case, "legal process: cases, rules, deadlines, approvals"},
    {"ssi", cmd_ssi, "the SSI policy (47 CFR 1.20003) and its filing"},
    {"subscribers", cmd_subscribers,
	"import and show the subscriber directory"},
    {"audit", cmd_audit, "verify and show the audit trail"},
    {"nat", cmd_nat, "deterministic NAT mappings (custos nat map add|list)"},
    {"purge", cmd_purge, "destroy days past retention (key first, then files)"},
    {"retention", cmd_retention,
	"retention per source, holds; --attest: what was destroyed"},
    {"keys", cmd_keys, "which days have keys (custos keys status)"},
    {"hold", cmd_hold,
	"preservation holds: copy a case's records into its vault"},
    {"collect", cmd_collect, "collect IPFIX NAT events (UDP or a pcap file)"},
    {"agency", cmd_agency, "law-enforcement agencies and their HI2/HI3 ends"},
    {"intercept", cmd_intercept, "provision, list and stop intercepts"},
    {"tap", cmd_tap, "capture targets' traffic and deliver it (ETSI 102 232)"},
    {"lemf", cmd_lemf, "a strict agency-side receiver for HI2/HI3"},
    {"serve", cmd_serve, "run custos as a daemon: purge timer, tap"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: custos COMMAND [OPTIONS] [ARGS]\n\n"
	    "custos keeps an ISP's subscriber-identity records (RADIUS, DHCP,\n"
	    "SMTP) sealed per day and answers lawful requests about them.\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f,
	    "\n'custos COMMAND --help' describes each command.\n"
	    "Environment: CUSTOS_DATA, CUSTOS_KEYS (directories), "
	    "CUSTOS_CONFIG\n"
	    "(configuration file), CUSTOS_NOW\n"
	    "(pretend the current time is this RFC 3339 instant).\n"
	    "Defaults: data %s, keys %s.\n",
	    DEFAULT_DATA, DEFAULT_KEYS);
}

int
main(int argc, char **argv)
{
	size_t i;

	cs_log_init("main");
	umask(077); /* everything custos writes is for its owner only */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("custos %s\n", CUSTOS_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			cs_log_init(cmds[i].name);
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "custos: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
