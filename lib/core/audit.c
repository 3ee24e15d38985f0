/* audit - hash-chained audit trail (placeholder: being written) */
#include <stdlib.h>

#include "core/audit.h"

struct cs_audit {
	int unused;
};

enum cs_err
cs_audit_open(const char *datadir, const char *keysdir, int write,
    struct cs_audit **out, struct cs_errbuf *eb)
{
	(void)datadir;
	(void)keysdir;
	(void)write;
	(void)eb;
	*out = calloc(1, sizeof(**out));
	return *out ? CS_OK : CS_ENOMEM;
}

void
cs_audit_close(struct cs_audit *a)
{
	free(a);
}

enum cs_err
cs_audit_append(struct cs_audit *a, const char *actor, const char *action,
    const char *case_id, const char *detail, struct cs_errbuf *eb)
{
	(void)a;
	(void)actor;
	(void)action;
	(void)case_id;
	(void)detail;
	(void)eb;
	return CS_OK;
}

enum cs_err
cs_audit_list(struct cs_audit *a, const char *case_id,
    struct cs_audit_entry **out, size_t *n, struct cs_errbuf *eb)
{
	(void)a;
	(void)case_id;
	(void)eb;
	*out = NULL;
	*n = 0;
	return CS_OK;
}

void
cs_audit_entries_free(struct cs_audit_entry *e, size_t n)
{
	(void)n;
	free(e);
}

enum cs_err
cs_audit_verify(struct cs_audit *a, int64_t *bad, struct cs_errbuf *eb)
{
	(void)a;
	(void)bad;
	(void)eb;
	return CS_OK;
}
