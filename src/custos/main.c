/* custos - main: dispatch to a subcommand */
#include <stdio.h>
#include <string.h>

#include "util/log.h"

int
main(int argc, char **argv)
{
	cs_log_init("main");
	if (argc < 2) {
		fprintf(stderr, "usage: custos COMMAND [ARGS]\n");
		return 2;
	}
	return 2;
}
