/*
 * fuzz_prov - the provisioning fields people type: HOST:PORT (split, and
 * the split parts put back together parse the same), LIIDs, the agency
 * check (no TLS files: no file system access), and target coverage.
 * Input: up to four NUL-separated strings (hostport, liid, target of the
 * case, target of the intercept).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li/prov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[1024], host[256], port[8], again[300], h2[256], p2[8];
	const char *part[4] = {"", "", "", ""};
	struct cs_errbuf eb;
	struct li_agency a;
	struct cs_case *c;
	struct cs_target t;
	size_t i, k = 0;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	part[0] = buf;
	for (i = 0; i < size && k < 3; i++)
		if (buf[i] == '\0')
			part[++k] = buf + i + 1;
	if (li_hostport_split(part[0], host, sizeof(host), port, sizeof(port),
		&eb) == CS_OK) {
		if (strchr(host, ':'))
			snprintf(again, sizeof(again), "[%s]:%s", host, port);
		else
			snprintf(again, sizeof(again), "%s:%s", host, port);
		if (li_hostport_split(
			again, h2, sizeof(h2), p2, sizeof(p2), &eb) != CS_OK ||
		    strcmp(host, h2) != 0 || strcmp(port, p2) != 0)
			abort();
	}
	if (li_liid_check(part[1], &eb) == CS_OK &&
	    (strlen(part[1]) == 0 || strlen(part[1]) > LI_LIID_MAX))
		abort();
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%.63s", part[1]);
	snprintf(a.hi2, sizeof(a.hi2), "%.255s", part[0]);
	snprintf(a.hi3, sizeof(a.hi3), "%.255s", part[0]);
	snprintf(a.operator_id, sizeof(a.operator_id), "%.16s", part[1]);
	snprintf(a.ne_id, sizeof(a.ne_id), "%.16s", part[1]);
	snprintf(a.country, sizeof(a.country), "%.2s", part[2]);
	(void)li_agency_check(&a, &eb);
	c = cs_case_new();
	c->type = CT_T3;
	if (cs_target_parse(part[2], &c->t[0], NULL) == CS_OK)
		c->nt = 1;
	if (cs_target_parse(part[3], &t, NULL) == CS_OK) {
		int r = li_target_covered(c, &t);
		/* a target always covers itself */
		c->t[c->nt++] = t;
		if (!li_target_covered(c, &t) || r < 0)
			abort();
	}
	cs_case_free(c);
	return 0;
}
