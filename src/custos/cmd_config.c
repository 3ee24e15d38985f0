/* cmd_config - custos config: check and print the configuration */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/cfg.h"

int
cmd_config(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'n'},
	    {"print", no_argument, NULL, 'p'},
	    {"defaults", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_config c;
	struct cs_errbuf eb = {""};
	const char *path = NULL;
	int opt, print = 0, defaults = 0;

	while ((opt = getopt_long(argc, argv, "n", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			break;
		case 'p':
			print = 1;
			break;
		case 'D':
			defaults = 1;
			break;
		case 'h':
			printf(
			    "usage: custos config [--config FILE] [--check] "
			    "[--print] [--defaults]\n\n"
			    "Reads the configuration (--config, else "
			    "$CUSTOS_CONFIG, else %s;\na missing default file "
			    "means every default) and reports the first error\n"
			    "with file and line.  --print shows every setting "
			    "in "
			    "effect, defaults\nincluded, in a form the parser "
			    "reads back; --defaults shows them all\nwith their "
			    "help.  Exit 0 if the file is valid, 1 if not.\n",
			    CS_CFG_DEFAULT_PATH);
			return 0;
		default:
			return 2;
		}
	}
	if (defaults) {
		cs_cfg_defaults(&c);
		cs_cfg_print(&c, stdout, 1);
		return 0;
	}
	if (cs_cfg_load(path, &c, &eb) != CS_OK) {
		fprintf(stderr, "custos: config: %s\n", eb.msg);
		return 1;
	}
	if (print)
		cs_cfg_print(&c, stdout, 0);
	return 0;
}
