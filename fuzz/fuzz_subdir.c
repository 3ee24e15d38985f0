/*
 * fuzz_subdir - the subscriber-directory CSV parser (untrusted billing
 * exports): any input parses or is refused, every row it hands out is
 * within its field limits and has a username or a canonical MAC.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/subdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
row(void *arg, const struct cs_sub *s)
{
	size_t *n = arg;

	if (strlen(s->username) >= CS_SUB_FIELD ||
	    strlen(s->name) >= CS_SUB_FIELD ||
	    strlen(s->address) >= CS_SUB_FIELD ||
	    (s->username[0] == '\0' && s->mac[0] == '\0') ||
	    (s->mac[0] && strlen(s->mac) != 17))
		abort();
	(*n)++;
}

static void
bad(void *arg, unsigned long line, const char *field, const char *why)
{
	if (line == 0 || field == NULL || why == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_subdir_sink sink;
	struct cs_errbuf eb;
	size_t n = 0;

	sink.arg = &n;
	sink.row = row;
	sink.bad = bad;
	cs_subdir_parse((const char *)data, size, &sink, &eb);
	return 0;
}
