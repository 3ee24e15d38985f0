/*
 * cmd_pending - weak definitions of commands whose module is not in this
 * build yet.  A module that defines the command replaces its entry here at
 * link time; an entry that nothing replaces says so and exits 2.
 */
#include <stdio.h>

#include "cmd.h"

static int
pending(const char *name)
{
	fprintf(stderr, "custos %s: not available in this build\n", name);
	return 2;
}

#define PENDING(fn, name)                                   \
	__attribute__((weak)) int fn(int argc, char **argv) \
	{                                                   \
		(void)argc;                                 \
		(void)argv;                                 \
		return pending(name);                       \
	}

PENDING(cmd_agency, "agency")
PENDING(cmd_intercept, "intercept")
PENDING(cmd_tap, "tap")
PENDING(cmd_lemf, "lemf")
PENDING(cmd_serve, "serve")
