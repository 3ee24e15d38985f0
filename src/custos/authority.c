/*
 * authority - lookups only under authority (the case desk decides).
 *
 * Placeholder until the case desk lands: every lookup may see everything.
 */
#include "cmd.h"

int
lookup_begin(struct lookup *l)
{
	l->cats = CAT_ALL;
	l->priv = NULL;
	return 0;
}

void
lookup_end(struct lookup *l, size_t nresults)
{
	(void)l;
	(void)nresults;
}
