/* fuzz_cfg - the configuration parser; a parsed file prints and re-parses */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_config a, b;
	struct cs_errbuf eb;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	cs_cfg_defaults(&a);
	if (cs_cfg_parse("fuzz", (const char *)data, size, &a, &eb) != CS_OK)
		return 0;
	f = open_memstream(&text, &len);
	if (f == NULL)
		return 0;
	cs_cfg_print(&a, f, 0);
	fclose(f);
	cs_cfg_defaults(&b);
	/* what print writes parses back to exactly the same settings */
	if (cs_cfg_parse("print", text, len, &b, &eb) != CS_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	free(text);
	return 0;
}
