/* cfg - the configuration table and its small, strict parser */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "util/span.h"
#include "util/xmalloc.h"

#define OFF(f) offsetof(struct cs_config, f)
#define DAY 86400ULL

static const struct cs_cfg_var vars[] = {
    {"operator_name", CS_CFG_STR, OFF(operator_name), 0, 0, "",
	"legal name of the provider, on certifications and letters"},
    {"operator_address", CS_CFG_STR, OFF(operator_address), 0, 0, "",
	"postal address of the provider, one line"},
    {"custodian_name", CS_CFG_STR, OFF(custodian_name), 0, 0, "",
	"records custodian who signs business-records certifications"},
    {"custodian_title", CS_CFG_STR, OFF(custodian_title), 0, 0,
	"Custodian of Records", "the custodian's title"},
    {"contact_phone", CS_CFG_STR, OFF(contact_phone), 0, 0, "",
	"law-enforcement contact phone (the SSI contact)"},
    {"contact_email", CS_CFG_STR, OFF(contact_email), 0, 0, "",
	"law-enforcement contact email"},
    {"payment_before_fulfilment", CS_CFG_BOOL, OFF(payment_before_fulfilment),
	0, 1, "no", "hold disclosure until the case's invoice is paid"},
    {"refuse_exigent_without_cert", CS_CFG_BOOL,
	OFF(refuse_exigent_without_cert), 0, 1, "yes",
	"refuse administrative 'exigent' requests without an emergency "
	"certification"},
    {"require_callback", CS_CFG_BOOL, OFF(require_callback), 0, 1, "yes",
	"require call-back verification of the court or officer before "
	"disclosure"},
    {"notify_customers", CS_CFG_BOOL, OFF(notify_customers), 0, 1, "yes",
	"tell the subscriber of a request unless a gag applies"},
    {"allow_operator_lookups", CS_CFG_BOOL, OFF(allow_operator_lookups), 0, 1,
	"no", "allow who/history without --case (each one audited)"},
    {"ssi_refile_days", CS_CFG_UINT, OFF(ssi_refile_days), 1, 3650, "365",
	"remind to review and re-file the SSI policy after this many days"},
    {"dhcp_lease_time", CS_CFG_UINT, OFF(dhcp_lease_time), 0, 365 * DAY, "0",
	"seconds; DHCP lease time when a log does not say "
	"(0: unknown, leases stay open until a release or a new holder)"},
    {"retention_days", CS_CFG_UINT, OFF(retention_days), 1, 3650, "7",
	"days of records kept, for every source without its own setting"},
    {"retention_radius_days", CS_CFG_UINT, OFF(retention_radius_days), 0, 3650,
	"0", "days of RADIUS accounting bindings kept (0: retention_days)"},
    {"retention_dhcp_days", CS_CFG_UINT, OFF(retention_dhcp_days), 0, 3650, "0",
	"days of DHCP lease bindings kept: dhcpd, Kea, dnsmasq "
	"(0: retention_days)"},
    {"retention_nat_days", CS_CFG_UINT, OFF(retention_nat_days), 0, 3650, "0",
	"days of CGNAT sessions and mappings kept (0: retention_days)"},
    {"retention_smtp_days", CS_CFG_UINT, OFF(retention_smtp_days), 0, 3650, "0",
	"days of SMTP envelope records kept (0: retention_days)"},
    {"nat_skew_seconds", CS_CFG_UINT, OFF(nat_skew_seconds), 0, 3600, "2",
	"tolerance for the requester's clock in NAT lookups"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct cs_cfg_var *
cs_cfg_vars(void)
{
	return vars;
}

static enum cs_err
set(const struct cs_cfg_var *v, struct cs_span val, struct cs_config *c,
    struct cs_errbuf *eb, const char *name, unsigned line)
{
	char *base = (char *)c;
	uint64_t u;

	switch (v->type) {
	case CS_CFG_BOOL:
		if (cs_span_eq(val, "yes") || cs_span_eq(val, "true") ||
		    cs_span_eq(val, "on") || cs_span_eq(val, "1"))
			*(int *)(base + v->off) = 1;
		else if (cs_span_eq(val, "no") || cs_span_eq(val, "false") ||
		    cs_span_eq(val, "off") || cs_span_eq(val, "0"))
			*(int *)(base + v->off) = 0;
		else
			goto bad;
		return CS_OK;
	case CS_CFG_UINT:
		if (cs_parse_u64(val, v->min, v->max, &u) != CS_OK)
			goto bad;
		*(uint64_t *)(base + v->off) = u;
		return CS_OK;
	case CS_CFG_STR:
		for (u = 0; u < val.len; u++) {
			if ((unsigned char)val.p[u] < 0x20 ||
			    val.p[u] == 0x7f) {
				cs_errbuf_set(eb,
				    "%s:%u: %s: control character "
				    "in the value",
				    name, line, v->name);
				return CS_EPARSE;
			}
		}
		if (val.len >= CS_CFG_STRMAX) {
			cs_errbuf_set(eb, "%s:%u: %s: longer than %d bytes",
			    name, line, v->name, CS_CFG_STRMAX - 1);
			return CS_ETOOBIG;
		}
		memcpy(base + v->off, val.p, val.len);
		(base + v->off)[val.len] = '\0';
		return CS_OK;
	}
bad:
	if (v->type == CS_CFG_BOOL)
		cs_errbuf_set(
		    eb, "%s:%u: %s: want yes or no", name, line, v->name);
	else
		cs_errbuf_set(eb, "%s:%u: %s: want a number from %llu to %llu",
		    name, line, v->name, (unsigned long long)v->min,
		    (unsigned long long)v->max);
	return CS_EPARSE;
}

void
cs_cfg_defaults(struct cs_config *c)
{
	const struct cs_cfg_var *v;

	memset(c, 0, sizeof(*c));
	for (v = vars; v->name; v++)
		set(v, cs_span_cstr(v->def), c, NULL, "defaults", 0);
}

enum cs_err
cs_cfg_parse(const char *name, const char *text, size_t len,
    struct cs_config *c, struct cs_errbuf *eb)
{
	struct cs_span s = cs_span_make(text, len), line, key, val;
	unsigned lineno = 0, i, n = 0;
	unsigned char seen[64] = {0};
	const struct cs_cfg_var *v;
	enum cs_err e;

	for (v = vars; v->name; v++)
		n++;
	while (s.p && cs_span_token(&s, '\n', &line)) {
		long eq, hash;
		lineno++;
		hash = cs_span_chr(line, '#');
		if (hash >= 0)
			line.len = (size_t)hash;
		line = cs_span_trim(line);
		if (line.len == 0)
			continue;
		eq = cs_span_chr(line, '=');
		if (eq < 0) {
			cs_errbuf_set(
			    eb, "%s:%u: want 'key = value'", name, lineno);
			return CS_EPARSE;
		}
		key = cs_span_trim(cs_span_make(line.p, (size_t)eq));
		val = cs_span_trim(cs_span_skip(line, (size_t)eq + 1));
		for (i = 0, v = vars; v->name; v++, i++)
			if (cs_span_eq(key, v->name))
				break;
		if (v->name == NULL) {
			cs_errbuf_set(eb,
			    "%s:%u: unknown setting '%.*s' (see "
			    "custos config --defaults)",
			    name, lineno, (int)(key.len > 64 ? 64 : key.len),
			    key.p);
			return CS_EPARSE;
		}
		if (i < sizeof(seen) * 8 && (seen[i / 8] & (1u << (i % 8)))) {
			cs_errbuf_set(eb, "%s:%u: %s is set twice", name,
			    lineno, v->name);
			return CS_EPARSE;
		}
		if (i < sizeof(seen) * 8)
			seen[i / 8] |= (uint8_t)(1u << (i % 8));
		if ((e = set(v, val, c, eb, name, lineno)) != CS_OK)
			return e;
	}
	(void)n;
	return CS_OK;
}

enum cs_err
cs_cfg_load(const char *path, struct cs_config *c, struct cs_errbuf *eb)
{
	const char *p = path;
	int explicit = 1;
	FILE *f;
	char *buf;
	long n;
	enum cs_err e;

	cs_cfg_defaults(c);
	if (p == NULL || *p == '\0') {
		p = getenv("CUSTOS_CONFIG");
		if (p == NULL || *p == '\0') {
			p = CS_CFG_DEFAULT_PATH;
			explicit = 0;
		}
	}
	f = fopen(p, "r");
	if (f == NULL) {
		if (!explicit && errno == ENOENT)
			return CS_OK;
		cs_errbuf_set(eb, "config %s: %s", p, strerror(errno));
		return CS_EIO;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		cs_errbuf_set(
		    eb, "config %s: unreadable or larger than 1 MiB", p);
		return CS_ETOOBIG;
	}
	buf = cs_xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		cs_errbuf_set(eb, "config %s: read error", p);
		return CS_EIO;
	}
	fclose(f);
	e = cs_cfg_parse(p, buf, (size_t)n, c, eb);
	free(buf);
	return e;
}

void
cs_cfg_print(const struct cs_config *c, FILE *f, int with_help)
{
	const struct cs_cfg_var *v;
	const char *base = (const char *)c;

	for (v = vars; v->name; v++) {
		if (with_help)
			fprintf(f, "# %s (default: %s)\n", v->help,
			    v->def[0] ? v->def : "empty");
		switch (v->type) {
		case CS_CFG_BOOL:
			fprintf(f, "%s = %s\n", v->name,
			    *(const int *)(base + v->off) ? "yes" : "no");
			break;
		case CS_CFG_UINT:
			fprintf(f, "%s = %llu\n", v->name,
			    (unsigned long long)*(
				const uint64_t *)(base + v->off));
			break;
		case CS_CFG_STR:
			fprintf(f, "%s = %s\n", v->name, base + v->off);
			break;
		}
	}
}
