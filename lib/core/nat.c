/* nat - CGNAT records (placeholder: being written) */
#include "core/nat.h"

enum cs_err
cs_nat_fold(struct cs_store *s, const struct cs_obs *o, struct cs_errbuf *eb)
{
	(void)s;
	(void)o;
	(void)eb;
	return CS_OK;
}

enum cs_err
cs_nat_commit(struct cs_store *s, struct cs_errbuf *eb)
{
	(void)s;
	(void)eb;
	return CS_OK;
}

void
cs_nat_close(struct cs_store *s)
{
	(void)s;
}
