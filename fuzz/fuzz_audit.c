/*
 * fuzz_audit - the JSON check that guards what goes into an audit detail
 * (cs_audit_json_check): never reads out of bounds, and what it accepts
 * stays accepted inside an array and refused with a stray byte after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p;

	if (size > CS_AUDIT_MAX_DETAIL - 2)
		return 0;
	if (cs_audit_json_check((const char *)data, size) != CS_OK)
		return 0;
	p = malloc(size + 2);
	if (p == NULL)
		return 0;
	p[0] = '[';
	memcpy(p + 1, data, size);
	p[size + 1] = ']';
	/* one level deeper is fine unless the value was already at the limit */
	if (cs_audit_json_check(p, size + 2) != CS_OK &&
	    memchr(data, '[', size) == NULL && memchr(data, '{', size) == NULL)
		abort();
	memcpy(p, data, size);
	p[size] = ',';
	if (cs_audit_json_check(p, size + 1) == CS_OK)
		abort();
	free(p);
	return 0;
}
