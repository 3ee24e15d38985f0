/*
 * cmd_nat - who had PUBLIC_IP:PORT: CGNAT attribution.
 *
 * Placeholder until the NAT store lands: no NAT records, so the caller
 * answers from the bindings alone.
 */
#include "cmd.h"

long
who_nat(struct cs_store *s, const struct lookup *l, const struct nat_query *q,
    int json, struct cs_buf *out)
{
	(void)s;
	(void)l;
	(void)q;
	(void)json;
	(void)out;
	return -1;
}
