/*
 * cfg - the operator's configuration file: "key = value" lines, '#'
 * comments, one typed table of every setting (cfg.c) with its default,
 * range and one-line help.  Unknown keys, duplicate keys and out-of-range
 * numbers are errors naming the file and line.  A missing default file
 * means all defaults; a file named explicitly must exist.
 *
 * Where: --config FILE, else $CUSTOS_CONFIG, else /etc/custos/custos.conf.
 * To add a setting: a field in struct cs_config and a row in the table.
 */
#ifndef CS_CFG_H
#define CS_CFG_H

#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

#define CS_CFG_DEFAULT_PATH "/etc/custos/custos.conf"
#define CS_CFG_STRMAX 256

struct cs_config {
	/* operator identity (certifications, cover letters, invoices) */
	char operator_name[CS_CFG_STRMAX];    /* the ISP's legal name */
	char operator_address[CS_CFG_STRMAX]; /* postal address, one line */
	char
	    custodian_name[CS_CFG_STRMAX]; /* records custodian (FRE 902(11)) */
	char custodian_title[CS_CFG_STRMAX];
	char contact_phone[CS_CFG_STRMAX];
	char contact_email[CS_CFG_STRMAX];
	/* legal-process policy */
	int payment_before_fulfilment;   /* bool */
	int refuse_exigent_without_cert; /* bool */
	int require_callback;            /* bool */
	int notify_customers;            /* bool */
	int allow_operator_lookups;      /* bool: lookups without --case */
	uint64_t ssi_refile_days;        /* R-CALEA-4 reminder */
	/* ingest */
	uint64_t dhcp_lease_time; /* seconds; 0 = unknown */
	/* retention (days, per source family) */
	uint64_t retention_days;        /* default for every source */
	uint64_t retention_radius_days; /* 0: retention_days */
	uint64_t retention_dhcp_days;   /* 0: retention_days */
	uint64_t retention_nat_days;    /* 0: retention_days */
	uint64_t retention_smtp_days;   /* 0: retention_days */
	/* CGNAT */
	uint64_t nat_skew_seconds; /* requester clock tolerance */
};

enum cs_cfg_type { CS_CFG_BOOL, CS_CFG_UINT, CS_CFG_STR };

struct cs_cfg_var {
	const char *name;
	enum cs_cfg_type type;
	size_t off;        /* offsetof(struct cs_config, field) */
	uint64_t min, max; /* CS_CFG_UINT */
	const char *def;   /* default, as text */
	const char *help;
};

/* cs_cfg_vars - the table, NULL-name terminated */
const struct cs_cfg_var *cs_cfg_vars(void);
/* cs_cfg_defaults - every setting at its default */
void cs_cfg_defaults(struct cs_config *c);
/*
 * cs_cfg_load - defaults, then the file at path (NULL: $CUSTOS_CONFIG or
 * the default path; a missing default file is not an error).
 */
enum cs_err cs_cfg_load(
    const char *path, struct cs_config *c, struct cs_errbuf *eb);
/* cs_cfg_parse - parse text (name is used in messages) over c */
enum cs_err cs_cfg_parse(const char *name, const char *text, size_t len,
    struct cs_config *c, struct cs_errbuf *eb);
/* cs_cfg_print - every setting as "key = value", defaults included */
void cs_cfg_print(const struct cs_config *c, FILE *f, int with_help);

#endif
