/*
 * cmd_intercept - custos agency add|list|show|remove and custos intercept
 * new|list|show|stop: the agencies custos delivers to and the intercepts
 * it runs (lib/li/prov.h), each under an approved intercept case.
 *
 * Diagnostics never name a LIID or a target: intercepts are "I-n", a
 * bad --target is named by its position.  The operator's own desk
 * (stdout of list/show) shows them.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_case.h"
#include "li/prov.h"
#include "util/xmalloc.h"

enum {
	O_HI2 = 1000,
	O_HI3,
	O_TLS_CA,
	O_TLS_CERT,
	O_TLS_KEY,
	O_OPID,
	O_COUNTRY,
	O_NEID,
	O_CASE,
	O_AGENCY,
	O_LIID,
	O_TARGET,
	O_MODE,
	O_REASON,
	O_ALL,
};

struct iopts {
	const char *hi2, *hi3, *ca, *cert, *key, *opid, *country, *neid;
	const char *case_id, *agency, *liid, *mode, *reason;
	const char *targets[LI_ICPT_MAXT + 1];
	size_t ntargets;
	int all;
};

/* parse - common desk options plus ours; returns optind, -1 help, -2 bad */
static int
parse(struct desk *k, int argc, char **argv, const char *usage, struct iopts *o)
{
	static const struct option lo[] = {
	    DESK_OPTS,
	    {"hi2", required_argument, NULL, O_HI2},
	    {"hi3", required_argument, NULL, O_HI3},
	    {"tls-ca", required_argument, NULL, O_TLS_CA},
	    {"tls-cert", required_argument, NULL, O_TLS_CERT},
	    {"tls-key", required_argument, NULL, O_TLS_KEY},
	    {"operator-id", required_argument, NULL, O_OPID},
	    {"country", required_argument, NULL, O_COUNTRY},
	    {"ne-id", required_argument, NULL, O_NEID},
	    {"case", required_argument, NULL, O_CASE},
	    {"agency", required_argument, NULL, O_AGENCY},
	    {"liid", required_argument, NULL, O_LIID},
	    {"target", required_argument, NULL, O_TARGET},
	    {"mode", required_argument, NULL, O_MODE},
	    {"reason", required_argument, NULL, O_REASON},
	    {"all", no_argument, NULL, O_ALL},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(k, opt, optarg))
			continue;
		switch (opt) {
		case 'h':
			fputs(usage, stdout);
			return -1;
		case O_HI2:
			o->hi2 = optarg;
			break;
		case O_HI3:
			o->hi3 = optarg;
			break;
		case O_TLS_CA:
			o->ca = optarg;
			break;
		case O_TLS_CERT:
			o->cert = optarg;
			break;
		case O_TLS_KEY:
			o->key = optarg;
			break;
		case O_OPID:
			o->opid = optarg;
			break;
		case O_COUNTRY:
			o->country = optarg;
			break;
		case O_NEID:
			o->neid = optarg;
			break;
		case O_CASE:
			o->case_id = optarg;
			break;
		case O_AGENCY:
			o->agency = optarg;
			break;
		case O_LIID:
			o->liid = optarg;
			break;
		case O_TARGET:
			if (o->ntargets >= LI_ICPT_MAXT) {
				fprintf(stderr,
				    "custos: intercept: at most %d "
				    "targets\n",
				    LI_ICPT_MAXT);
				return -2;
			}
			o->targets[o->ntargets++] = optarg;
			break;
		case O_MODE:
			o->mode = optarg;
			break;
		case O_REASON:
			o->reason = optarg;
			break;
		case O_ALL:
			o->all = 1;
			break;
		default:
			fputs(usage, stderr);
			return -2;
		}
	}
	return optind;
}

static struct li_prov *
prov_open(struct desk *k)
{
	struct cs_errbuf eb = {""};
	struct li_prov *p = NULL;

	if (li_prov_attach(&p, k->db, k->d.data, k->d.keys, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		desk_close(k);
		exit(1);
	}
	return p;
}

static void
jstr(struct cs_buf *b, const char *name, const char *v)
{
	cs_buf_appendf(b, "\"%s\":", name);
	cs_buf_json_str(b, v, strlen(v));
}

/* jstr0 - a string, or null when empty */
static void
jstr0(struct cs_buf *b, const char *name, const char *v)
{
	if (v[0] == '\0')
		cs_buf_appendf(b, "\"%s\":null", name);
	else
		jstr(b, name, v);
}

static void
jtime(struct cs_buf *b, const char *name, cs_time t)
{
	char ts[40];

	if (t == CS_TIME_NONE) {
		cs_buf_appendf(b, "\"%s\":null", name);
		return;
	}
	cs_time_format(t, ts);
	cs_buf_appendf(b, "\"%s\":\"%s\"", name, ts);
}

static void
tfmt(cs_time t, char out[static 40])
{
	if (t == CS_TIME_NONE)
		snprintf(out, 40, "-");
	else
		cs_time_format(t, out);
}

/* ---- agency ---- */

static void
agency_json(struct cs_buf *b, const struct li_agency *a)
{
	cs_buf_puts(b, "{");
	jstr(b, "name", a->name);
	cs_buf_puts(b, ",");
	jstr(b, "hi2", a->hi2);
	cs_buf_puts(b, ",");
	jstr(b, "hi3", a->hi3);
	cs_buf_appendf(b, ",\"tls\":%s,", a->tls_key[0] ? "true" : "false");
	jstr0(b, "tls_ca", a->tls_ca);
	cs_buf_puts(b, ",");
	jstr0(b, "tls_cert", a->tls_cert);
	cs_buf_puts(b, ",");
	jstr0(b, "tls_key", a->tls_key);
	cs_buf_puts(b, ",");
	jstr(b, "operator_id", a->operator_id);
	cs_buf_puts(b, ",");
	jstr(b, "country", a->country);
	cs_buf_puts(b, ",");
	jstr(b, "ne_id", a->ne_id);
	cs_buf_puts(b, ",");
	jstr(b, "created_by", a->created_by);
	cs_buf_puts(b, ",");
	jtime(b, "created_at", a->created_at);
	cs_buf_puts(b, "}");
}

static void
agency_text(struct cs_buf *b, const struct li_agency *a)
{
	char ts[40];

	tfmt(a->created_at, ts);
	cs_buf_appendf(b, "agency %s\n  HI2 %s\n  HI3 %s\n  transport: %s\n",
	    a->name, a->hi2, a->hi3,
	    a->tls_key[0] ? "TLS 1.3, client certificate" : "plain TCP");
	if (a->tls_key[0])
		cs_buf_appendf(b, "  CA %s\n  certificate %s\n  key %s\n",
		    a->tls_ca, a->tls_cert, a->tls_key);
	cs_buf_appendf(b,
	    "  operator id %s, network element %s, country %s\n"
	    "  added by %s at %s\n",
	    a->operator_id, a->ne_id, a->country, a->created_by, ts);
}

/* abspath - an absolute path of an existing file, or print why and 0 */
static int
abspath(const char *opt, const char *in, char *out, size_t outlen)
{
	char buf[PATH_MAX];

	if (realpath(in, buf) == NULL) {
		fprintf(stderr, "custos: agency add: %s %s: %s\n", opt, in,
		    strerror(errno));
		return 0;
	}
	if (strlen(buf) >= outlen) {
		fprintf(stderr, "custos: agency add: %s: path too long\n", opt);
		return 0;
	}
	snprintf(out, outlen, "%s", buf);
	return 1;
}

/* default_neid - this host's short name, cut to 16 printable bytes */
static void
default_neid(char out[static 17])
{
	char h[256] = "";
	size_t i, j = 0;

	if (gethostname(h, sizeof(h) - 1) != 0)
		h[0] = '\0';
	for (i = 0; h[i] && h[i] != '.' && j < 16; i++)
		if ((unsigned char)h[i] > 0x20 && (unsigned char)h[i] < 0x7f)
			out[j++] = h[i];
	out[j] = '\0';
	if (j == 0)
		snprintf(out, 17, "custos");
}

/* finish - close what a subcommand opened (c may be NULL); rc */
static int
finish(struct desk *k, struct li_prov *p, struct cs_case *c, int rc)
{
	li_prov_close(p);
	cs_case_free(c);
	desk_close(k);
	return rc;
}

static int
agency_add(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos agency add NAME --hi2 HOST:PORT --hi3 HOST:PORT\n"
	    "           [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
	    "           [--operator-id ID] [--country CC] [--ne-id ID] --by "
	    "NAME [--json]\n\n"
	    "Register an agency (LEMF) to deliver to: HI2 (IRI) and HI3 "
	    "(content) as\nTCP, or TLS 1.3 with this client certificate when "
	    "all three TLS files\nare given (the key must not be readable by "
	    "group or others).  The\noperator id (1..16 characters, default: "
	    "operator_name of the\nconfiguration when it fits) and the "
	    "network element id (default: the\nhost name) go into every "
	    "PS-PDU header; country defaults to US.\n";
	struct cs_errbuf eb = {""};
	struct li_agency a;
	struct li_prov *p;
	struct iopts o;
	struct cs_buf b;
	enum cs_err e;
	int i, rc = 0;
	size_t j;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1 || o.hi2 == NULL || o.hi3 == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	memset(&a, 0, sizeof(a));
	if (strlen(argv[i]) >= sizeof(a.name)) {
		fprintf(stderr, "custos: agency add: name longer than %zu\n",
		    sizeof(a.name) - 1);
		return 2;
	}
	snprintf(a.name, sizeof(a.name), "%s", argv[i]);
	if (strlen(o.hi2) >= sizeof(a.hi2) || strlen(o.hi3) >= sizeof(a.hi3)) {
		fprintf(stderr, "custos: agency add: --hi2/--hi3 too long\n");
		return 2;
	}
	snprintf(a.hi2, sizeof(a.hi2), "%s", o.hi2);
	snprintf(a.hi3, sizeof(a.hi3), "%s", o.hi3);
	if ((o.ca && !abspath("--tls-ca", o.ca, a.tls_ca, sizeof(a.tls_ca))) ||
	    (o.cert &&
		!abspath(
		    "--tls-cert", o.cert, a.tls_cert, sizeof(a.tls_cert))) ||
	    (o.key &&
		!abspath("--tls-key", o.key, a.tls_key, sizeof(a.tls_key))))
		return 1;
	snprintf(
	    a.country, sizeof(a.country), "%.2s", o.country ? o.country : "US");
	if (o.country && strlen(o.country) != 2)
		a.country[0] = '\0'; /* the check says why */
	for (j = 0; a.country[j]; j++)
		if (a.country[j] >= 'a' && a.country[j] <= 'z')
			a.country[j] = (char)(a.country[j] - 'a' + 'A');
	if (o.neid)
		snprintf(a.ne_id, sizeof(a.ne_id), "%.63s", o.neid);
	else
		default_neid(a.ne_id);
	desk_open(k, 1, 1);
	if (o.opid)
		snprintf(a.operator_id, sizeof(a.operator_id), "%.16s", o.opid);
	else
		snprintf(a.operator_id, sizeof(a.operator_id), "%.16s",
		    k->cfg.operator_name);
	if ((o.opid && strlen(o.opid) > LI_OPID_MAX) ||
	    (!o.opid && strlen(k->cfg.operator_name) > LI_OPID_MAX)) {
		fprintf(stderr,
		    "custos: agency add: %s: give --operator-id ID of 1..%d "
		    "characters (TS 102 232-1 operatorIdentifier)\n",
		    o.opid ? "--operator-id too long"
			   : "the configuration's operator_name does not fit",
		    LI_OPID_MAX);
		desk_close(k);
		return 2;
	}
	snprintf(a.created_by, sizeof(a.created_by), "%s", k->by);
	a.created_at = k->now;
	p = prov_open(k);
	if ((e = li_prov_agency_add(p, &a, &eb)) != CS_OK) {
		fprintf(stderr, "custos: agency add: %s\n", eb.msg);
		rc = e == CS_EINVAL ? 2 : 1;
		goto out;
	}
	cs_buf_init(&b, NULL, 0, 1 << 16);
	agency_json(&b, &a);
	desk_audit(k, "agency.add", NULL, b.data);
	if (k->json) {
		puts(b.data);
	} else {
		printf("agency %s added (%s)\n", a.name,
		    a.tls_key[0] ? "TLS 1.3" : "plain TCP");
	}
	cs_buf_release(&b);
out:
	return finish(k, p, NULL, rc);
}

static int
agency_list(struct desk *k, int argc, char **argv)
{
	static const char usage[] = "usage: custos agency list [--json]\n";
	struct cs_errbuf eb = {""};
	struct li_agency *v = NULL;
	struct li_prov *p;
	struct iopts o;
	struct cs_buf b;
	size_t n = 0, j;
	int i;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc != i) {
		fputs(usage, stderr);
		return 2;
	}
	desk_open(k, 0, 0);
	p = prov_open(k);
	if (li_prov_agency_list(p, &v, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: agency list: %s\n", eb.msg);
		return finish(k, p, NULL, 1);
	}
	cs_buf_init(&b, NULL, 0, 1 << 24);
	if (k->json)
		cs_buf_puts(&b, "[");
	for (j = 0; j < n; j++) {
		if (k->json) {
			if (j)
				cs_buf_puts(&b, ",");
			agency_json(&b, &v[j]);
		} else {
			cs_buf_appendf(&b, "%-16s HI2 %s  HI3 %s  %s\n",
			    v[j].name, v[j].hi2, v[j].hi3,
			    v[j].tls_key[0] ? "TLS" : "TCP");
		}
	}
	if (k->json)
		cs_buf_puts(&b, "]\n");
	else if (n == 0)
		cs_buf_puts(&b, "no agencies (custos agency add)\n");
	fputs(b.data, stdout);
	cs_buf_release(&b);
	free(v);
	return finish(k, p, NULL, 0);
}

static int
agency_show(struct desk *k, int argc, char **argv)
{
	static const char usage[] = "usage: custos agency show NAME [--json]\n";
	struct cs_errbuf eb = {""};
	struct li_agency a;
	struct li_prov *p;
	struct iopts o;
	struct cs_buf b;
	int i, rc = 0;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		fputs(usage, stderr);
		return 2;
	}
	desk_open(k, 0, 0);
	p = prov_open(k);
	if (li_prov_agency_get(p, argv[i], &a, &eb) != CS_OK) {
		fprintf(stderr, "custos: agency show: %s\n", eb.msg);
		rc = 1;
	} else {
		cs_buf_init(&b, NULL, 0, 1 << 16);
		if (k->json) {
			agency_json(&b, &a);
			cs_buf_puts(&b, "\n");
		} else {
			agency_text(&b, &a);
		}
		fputs(b.data, stdout);
		cs_buf_release(&b);
	}
	return finish(k, p, NULL, rc);
}

static int
agency_remove(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos agency remove NAME --by NAME [--json]\n\n"
	    "Refused while an intercept that is not stopped delivers to "
	    "it.\n";
	struct cs_errbuf eb = {""};
	struct li_prov *p;
	struct iopts o;
	struct cs_buf b;
	char inuse[32];
	enum cs_err e;
	int i, rc = 0;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		fputs(usage, stderr);
		return 2;
	}
	desk_open(k, 1, 1);
	p = prov_open(k);
	cs_buf_init(&b, NULL, 0, 4096);
	cs_buf_puts(&b, "{");
	jstr(&b, "name", argv[i]);
	if ((e = li_prov_agency_remove(p, argv[i], inuse, &eb)) != CS_OK) {
		fprintf(stderr, "custos: agency remove: %s\n", eb.msg);
		rc = 1;
		if (e == CS_EPERM) {
			cs_buf_puts(&b, ",\"refused\":\"in use\",");
			jstr(&b, "intercept", inuse);
			cs_buf_puts(&b, "}");
			desk_audit(k, "agency.remove", NULL, b.data);
		}
	} else {
		cs_buf_puts(&b, "}");
		desk_audit(k, "agency.remove", NULL, b.data);
		if (k->json) {
			cs_buf_reset(&b);
			jstr(&b, "name", argv[i]);
			printf("{%s,\"status\":\"removed\"}\n", b.data);
		} else {
			printf("agency %s removed\n", argv[i]);
		}
	}
	cs_buf_release(&b);
	return finish(k, p, NULL, rc);
}

/* ---- intercept ---- */

static const char *
state(const struct li_icpt *ic, cs_time now)
{
	if (ic->stopped)
		return "stopped";
	if (ic->ends != CS_TIME_NONE && ic->ends <= now)
		return "ending";
	return "active";
}

static void
icpt_json(struct cs_buf *b, const struct li_icpt *ic, cs_time now)
{
	char tv[CS_CASE_STR + 64];
	size_t i;

	cs_buf_puts(b, "{");
	jstr(b, "id", ic->id);
	cs_buf_puts(b, ",");
	jstr(b, "case", ic->case_id);
	cs_buf_puts(b, ",");
	jstr(b, "agency", ic->agency);
	cs_buf_puts(b, ",");
	jstr(b, "liid", ic->liid);
	cs_buf_appendf(b, ",\"cin\":%lu,\"mode\":\"%s\",\"pen_trap\":%s,",
	    (unsigned long)ic->cin, li_mode_name(ic->mode),
	    ic->pen_trap ? "true" : "false");
	cs_buf_puts(b, "\"targets\":[");
	for (i = 0; i < ic->ntargets; i++) {
		cs_target_format(&ic->targets[i], tv, sizeof(tv));
		if (i)
			cs_buf_puts(b, ",");
		cs_buf_json_str(b, tv, strlen(tv));
	}
	cs_buf_puts(b, "],");
	jtime(b, "activated", ic->activated);
	cs_buf_puts(b, ",");
	jstr(b, "created_by", ic->created_by);
	cs_buf_puts(b, ",");
	jtime(b, "ends", ic->ends);
	cs_buf_puts(b, ",");
	jstr0(b, "end_rule", ic->end_rule);
	cs_buf_appendf(b, ",\"state\":\"%s\",", state(ic, now));
	jtime(b, "stopped_at", ic->stopped ? ic->stopped_at : CS_TIME_NONE);
	cs_buf_puts(b, ",");
	jstr0(b, "stopped_by", ic->stopped ? ic->stopped_by : "");
	cs_buf_puts(b, ",");
	if (ic->stopped)
		jstr(b, "stop_reason", ic->stop_reason);
	else
		cs_buf_puts(b, "\"stop_reason\":null");
	cs_buf_puts(b, "}");
}

static void
icpt_text(struct cs_buf *b, const struct li_icpt *ic, cs_time now)
{
	char tv[CS_CASE_STR + 64], ta[40], te[40], ts[40];
	size_t i;

	tfmt(ic->activated, ta);
	tfmt(ic->ends, te);
	cs_buf_appendf(b,
	    "intercept %s (%s)\n  case %s, agency %s\n  LIID %s, CIN %lu\n"
	    "  delivers: %s%s\n  activated %s by %s\n  ends %s (%s)\n",
	    ic->id, state(ic, now), ic->case_id, ic->agency, ic->liid,
	    (unsigned long)ic->cin,
	    ic->mode == LI_MODE_IRI_CC ? "IRI and content (CC)" : "IRI only",
	    ic->pen_trap ? " (pen/trap: header-only packet reports)" : "", ta,
	    ic->created_by, te, ic->end_rule[0] ? ic->end_rule : "no limit");
	for (i = 0; i < ic->ntargets; i++) {
		cs_target_format(&ic->targets[i], tv, sizeof(tv));
		cs_buf_appendf(b, "  target %s\n", tv);
	}
	if (ic->stopped) {
		tfmt(ic->stopped_at, ts);
		cs_buf_appendf(b, "  stopped %s by %s: %s\n", ts,
		    ic->stopped_by, ic->stop_reason);
	}
}

static int
icpt_new(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos intercept new --case ID --agency NAME --liid LIID\n"
	    "           --target KIND:VALUE [--target ...] [--mode "
	    "iri|iri+cc] --by NAME [--json]\n\n"
	    "Start an intercept under an approved title3_* or pen_trap_* "
	    "case: the\ncase approved by an employee other than the one who "
	    "entered it (47 USC\n1004), the SSI policy registered, no BLOCK "
	    "finding, and each target one\nthe case names (an address may lie "
	    "inside a prefix it names).  Targets:\nusername:, mac:, circuit:, "
	    "ip: (IPv4/IPv6 address or prefix), ipv6prefix:.\nTitle III "
	    "delivers IRI and content (--mode iri for IRI only); pen/trap\n"
	    "is IRI only whatever --mode says.  The intercept ends by itself "
	    "at the\norder's end, 48 hours after activation for an emergency "
	    "without an\norder, on the agency's termination, or when the case "
	    "closes.\n";
	const struct cs_finding *blk = NULL;
	struct cs_finding f[CS_RULES_MAXF];
	struct cs_errbuf eb = {""};
	struct li_prov *p = NULL;
	struct cs_case *c = NULL;
	struct li_agency ag;
	struct li_icpt ic;
	struct cs_ssi ssi;
	struct iopts o;
	struct cs_buf b;
	char ts[40], msg[300];
	const char *note = NULL;
	int i, pt, rc;
	size_t j, n;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc != i || !o.case_id || !o.agency || !o.liid ||
	    o.ntargets == 0) {
		fputs(usage, stderr);
		return 2;
	}
	memset(&ic, 0, sizeof(ic));
	if (li_liid_check(o.liid, &eb) != CS_OK) {
		fprintf(stderr, "custos: intercept new: %s\n", eb.msg);
		return 2;
	}
	snprintf(ic.liid, sizeof(ic.liid), "%s", o.liid);
	for (j = 0; j < o.ntargets; j++) {
		struct cs_target *t = &ic.targets[j];
		/* cs_target_parse's message repeats the value: not shown */
		if (cs_target_parse(o.targets[j], t, NULL) != CS_OK) {
			fprintf(stderr,
			    "custos: intercept new: --target #%zu is not "
			    "KIND:VALUE with a valid value\n",
			    j + 1);
			return 2;
		}
		if (t->kind != TK_USERNAME && t->kind != TK_MAC &&
		    t->kind != TK_CIRCUIT && t->kind != TK_IP &&
		    t->kind != TK_IPV6PREFIX) {
			fprintf(stderr,
			    "custos: intercept new: --target #%zu: an "
			    "intercept follows username, mac, circuit, ip "
			    "or ipv6prefix targets, not %s\n",
			    j + 1, cs_tkind_name(t->kind));
			return 2;
		}
		if (t->from != CS_TIME_NONE || t->to != CS_TIME_NONE) {
			fprintf(stderr,
			    "custos: intercept new: --target #%zu: no "
			    "@FROM..TO window (the order's period governs)\n",
			    j + 1);
			return 2;
		}
	}
	ic.ntargets = o.ntargets;
	if (o.mode && strcmp(o.mode, "iri") != 0 &&
	    strcmp(o.mode, "iri+cc") != 0) {
		fprintf(
		    stderr, "custos: intercept new: --mode iri or iri+cc\n");
		return 2;
	}
	desk_open(k, 1, 1);
	c = desk_load(k, o.case_id);
	p = prov_open(k);
	if (!(CT_BIT(c->type) & CT_INTERCEPTS)) {
		snprintf(msg, sizeof(msg),
		    "a %s case does not authorize interception: it needs "
		    "a title3_* or pen_trap_* case (47 CFR 1.20002)",
		    c->type_name);
		return finish(k, p, c,
		    desk_refuse(k, "intercept new", c->id, "R-CALEA-6", msg));
	}
	if (c->closed)
		return finish(k, p, c,
		    desk_refuse(k, "intercept new", c->id, "R-CLOSED",
			"the case is closed"));
	if (cs_casedb_ssi_get(k->db, &ssi, NULL) != CS_OK)
		return finish(k, p, c,
		    desk_refuse(k, "intercept new", c->id, "R-CALEA-3",
			"no SSI policy registered (47 CFR 1.20003): "
			"custos ssi set FILE"));
	if (!cs_rules_approved(c, 1))
		return finish(k, p, c,
		    desk_refuse(k, "intercept new", c->id, "R-CALEA-1",
			"the case is not approved by an employee other than "
			"the one who entered it (47 USC 1004): custos case "
			"approve ID --by NAME"));
	n = case_findings(k, c, f, CS_RULES_MAXF, NULL);
	for (j = 0; j < n; j++) {
		if (strcmp(f[j].rule, "R-POL-PAYMENT") == 0)
			continue; /* assistance is owed forthwith (R-T3-11) */
		if (f[j].out == RO_BLOCK ||
		    ((f[j].out == RO_WARN || f[j].out == RO_ROUTE) &&
			!f[j].acked)) {
			blk = &f[j];
			break;
		}
	}
	if (blk)
		return finish(k, p, c,
		    desk_refuse(
			k, "intercept new", c->id, blk->rule, blk->msg));
	pt = c->type == CT_PT || c->type == CT_PT_EMERG;
	for (j = 0; j < ic.ntargets; j++) {
		const struct cs_target *ct = li_target_cover(c, &ic.targets[j]);
		if (ct == NULL) {
			snprintf(msg, sizeof(msg),
			    "--target #%zu is not among the targets of case "
			    "%s: an intercept follows only what the order "
			    "names (add it with custos case update %s "
			    "--target)",
			    j + 1, c->id, c->id);
			return finish(k, p, c,
			    desk_refuse(k, "intercept new", c->id,
				pt ? "R-PT-1" : "R-T3-1", msg));
		}
		if (ct->to != CS_TIME_NONE && ct->to <= k->now) {
			cs_time_format(ct->to, ts);
			snprintf(msg, sizeof(msg),
			    "--target #%zu: case %s names it only until %s",
			    j + 1, c->id, ts);
			return finish(k, p, c,
			    desk_refuse(k, "intercept new", c->id,
				pt ? "R-PT-1" : "R-T3-1", msg));
		}
		/* the order's window for it is the intercept's */
		ic.targets[j].from = ct->from;
		ic.targets[j].to = ct->to;
	}
	if (li_prov_agency_get(p, o.agency, &ag, &eb) != CS_OK) {
		fprintf(stderr, "custos: intercept new: %s\n", eb.msg);
		return finish(k, p, c, 1);
	}
	snprintf(ic.case_id, sizeof(ic.case_id), "%s", c->id);
	snprintf(ic.agency, sizeof(ic.agency), "%s", ag.name);
	snprintf(ic.created_by, sizeof(ic.created_by), "%s", k->by);
	ic.pen_trap = pt;
	if (pt) {
		ic.mode = LI_MODE_IRI;
		if (o.mode && strcmp(o.mode, "iri+cc") == 0)
			note = "pen/trap: IRI only, no content (R-PT-4, 18 "
			       "USC 3127(3)); --mode iri+cc not applied";
	} else {
		ic.mode = o.mode && strcmp(o.mode, "iri") == 0 ? LI_MODE_IRI
							       : LI_MODE_IRI_CC;
	}
	ic.activated = k->now;
	/* the case's T_act and first interception, when not yet known */
	if (c->activated == CS_TIME_NONE)
		c->activated = k->now;
	if (c->first_intercept == CS_TIME_NONE &&
	    (c->type == CT_T3 || c->type == CT_T3_EMERG))
		c->first_intercept = k->now;
	ic.ends = li_prov_ends(c, &ic, k->now, ic.end_rule);
	if (ic.ends != CS_TIME_NONE && ic.ends <= k->now)
		return finish(k, p, c,
		    desk_refuse(k, "intercept new", c->id, ic.end_rule,
			"the authorization has already ended"));
	if (li_prov_add(p, &ic, &eb) != CS_OK) {
		fprintf(stderr, "custos: intercept new: %s\n", eb.msg);
		return finish(k, p, c, 1);
	}
	if (cs_casedb_save(k->db, c, &eb) != CS_OK)
		fprintf(stderr,
		    "custos: intercept new: %s recorded, but case %s's "
		    "activation time was not: %s\n",
		    ic.id, c->id, eb.msg);
	cs_buf_init(&b, NULL, 0, 1 << 16);
	icpt_json(&b, &ic, k->now);
	rc = desk_audit(k, "intercept.new", c->id, b.data);
	if (k->json) {
		cs_buf_reset(&b);
		icpt_json(&b, &ic, k->now);
		b.len--; /* reopen the object for the note */
		cs_buf_puts(&b, ",\"note\":");
		if (note)
			cs_buf_json_str(&b, note, strlen(note));
		else
			cs_buf_puts(&b, "null");
		cs_buf_puts(&b, "}\n");
		fputs(b.data, stdout);
	} else {
		tfmt(ic.ends, ts);
		printf("%s: intercept under case %s to agency %s, CIN %lu, "
		       "%s\nends %s (%s)\n",
		    ic.id, c->id, ag.name, (unsigned long)ic.cin,
		    ic.mode == LI_MODE_IRI_CC ? "IRI and content" : "IRI only",
		    ts, ic.end_rule[0] ? ic.end_rule : "no limit known");
		if (note)
			printf("note: %s\n", note);
		if (!cs_case_count(c, "certify"))
			printf("47 CFR 1.20004: the start time is recorded; "
			       "sign the certification: custos case certify "
			       "%s --by NAME\n",
			    c->id);
	}
	cs_buf_release(&b);
	memset(&ic, 0, sizeof(ic));
	return finish(k, p, c, rc);
}

static int
icpt_list(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos intercept list [--all] [--json]\n\n"
	    "Intercepts not stopped (--all: every one), with their ends "
	    "as of now.\nShows LIIDs and targets: it is the operator's own "
	    "desk.\n";
	struct cs_errbuf eb = {""};
	struct li_icpt *v = NULL;
	struct li_prov *p;
	struct iopts o;
	struct cs_buf b;
	char te[40], tv[CS_CASE_STR + 64];
	size_t n = 0, j, t;
	int i;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc != i) {
		fputs(usage, stderr);
		return 2;
	}
	desk_open(k, 0, 1);
	p = prov_open(k);
	if (li_prov_list(p, k->now, o.all, &v, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: intercept list: %s\n", eb.msg);
		return finish(k, p, NULL, 1);
	}
	cs_buf_init(&b, NULL, 0, 1 << 26);
	if (k->json)
		cs_buf_puts(&b, "[");
	for (j = 0; j < n; j++) {
		if (k->json) {
			if (j)
				cs_buf_puts(&b, ",");
			icpt_json(&b, &v[j], k->now);
			continue;
		}
		tfmt(v[j].ends, te);
		cs_buf_appendf(&b,
		    "%-6s %-7s %-10s %-12s CIN %-4lu %-6s ends %s %s  LIID %s ",
		    v[j].id, state(&v[j], k->now), v[j].case_id, v[j].agency,
		    (unsigned long)v[j].cin, li_mode_name(v[j].mode), te,
		    v[j].end_rule, v[j].liid);
		for (t = 0; t < v[j].ntargets; t++) {
			cs_target_format(&v[j].targets[t], tv, sizeof(tv));
			cs_buf_appendf(&b, "%s%s", t ? "," : "", tv);
		}
		cs_buf_puts(&b, "\n");
	}
	if (k->json)
		cs_buf_puts(&b, "]\n");
	else if (n == 0)
		cs_buf_puts(&b, "no intercepts\n");
	fputs(b.data, stdout);
	sodium_memzero(b.data, b.len);
	cs_buf_release(&b);
	if (v)
		sodium_memzero(v, n * sizeof(*v));
	free(v);
	desk_audit(k, "intercept.list", NULL, NULL);
	return finish(k, p, NULL, 0);
}

static int
icpt_show(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos intercept show ID [--json]\n";
	struct cs_errbuf eb = {""};
	struct li_prov *p;
	struct li_icpt ic;
	struct iopts o;
	struct cs_buf b;
	char det[64];
	int i, rc = 0;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		fputs(usage, stderr);
		return 2;
	}
	desk_open(k, 0, 1);
	p = prov_open(k);
	if (li_prov_get(p, argv[i], k->now, &ic, &eb) != CS_OK) {
		fprintf(stderr, "custos: intercept show: %s\n", eb.msg);
		rc = 1;
	} else {
		cs_buf_init(&b, NULL, 0, 1 << 16);
		if (k->json) {
			icpt_json(&b, &ic, k->now);
			cs_buf_puts(&b, "\n");
		} else {
			icpt_text(&b, &ic, k->now);
		}
		fputs(b.data, stdout);
		sodium_memzero(b.data, b.len);
		cs_buf_release(&b);
		snprintf(det, sizeof(det), "{\"intercept\":\"%s\"}", ic.id);
		desk_audit(k, "intercept.show", ic.case_id, det);
		sodium_memzero(&ic, sizeof(ic));
	}
	return finish(k, p, NULL, rc);
}

static int
icpt_stop(struct desk *k, int argc, char **argv)
{
	static const char usage[] =
	    "usage: custos intercept stop ID [--reason TEXT] --by NAME "
	    "[--json]\n\n"
	    "Stop an intercept now.  The tap sends the end-of-interception "
	    "IRI and\nstops delivering when it next reloads the intercepts.  "
	    "An agency's\ntermination is recorded on the case instead (custos "
	    "case update ID\n--terminate): it ends every intercept of the "
	    "case.\n";
	struct cs_errbuf eb = {""};
	struct li_prov *p;
	struct li_icpt ic;
	struct iopts o;
	struct cs_buf b;
	char ts[40];
	int i, rc = 0;

	if ((i = parse(k, argc, argv, usage, &o)) < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.reason && strlen(o.reason) >= sizeof(ic.stop_reason)) {
		fprintf(stderr,
		    "custos: intercept stop: --reason longer than "
		    "%zu bytes\n",
		    sizeof(ic.stop_reason) - 1);
		return 2;
	}
	desk_open(k, 1, 1);
	p = prov_open(k);
	if (li_prov_get(p, argv[i], k->now, &ic, &eb) != CS_OK ||
	    li_prov_stop(p, argv[i], k->now, k->by,
		o.reason ? o.reason : "stopped by the operator",
		&eb) != CS_OK) {
		fprintf(stderr, "custos: intercept stop: %s\n", eb.msg);
		rc = 1;
	} else {
		cs_time_format(k->now, ts);
		cs_buf_init(&b, NULL, 0, 4096);
		cs_buf_appendf(&b, "{\"intercept\":\"%s\",\"reason\":", ic.id);
		if (o.reason)
			cs_buf_json_str(&b, o.reason, strlen(o.reason));
		else
			cs_buf_puts(&b, "null");
		cs_buf_puts(&b, "}");
		rc = desk_audit(k, "intercept.stop", ic.case_id, b.data);
		if (k->json)
			printf("{\"id\":\"%s\",\"state\":\"stopped\","
			       "\"stopped_at\":\"%s\"}\n",
			    ic.id, ts);
		else
			printf("%s stopped at %s\n", ic.id, ts);
		cs_buf_release(&b);
		sodium_memzero(&ic, sizeof(ic));
	}
	return finish(k, p, NULL, rc);
}

struct sub {
	const char *name;
	int (*fn)(struct desk *, int, char **);
	const char *help;
};

static const struct sub agency_subs[] = {
    {"add", agency_add, "register an agency (HI2/HI3, TLS, header ids)"},
    {"list", agency_list, "every agency"},
    {"show", agency_show, "one agency"},
    {"remove", agency_remove, "remove one no intercept uses"},
};

static const struct sub icpt_subs[] = {
    {"new", icpt_new, "start an intercept under an approved case"},
    {"list", icpt_list, "intercepts and when each ends"},
    {"show", icpt_show, "one intercept"},
    {"stop", icpt_stop, "stop an intercept now"},
};

static int
dispatch(const char *cmd, const char *what, const struct sub *s, size_t ns,
    int argc, char **argv)
{
	struct desk k;
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: custos %s SUBCOMMAND [OPTIONS]\n\n%s\n\n",
		    cmd, what);
		for (i = 0; i < ns; i++)
			fprintf(f, "  %-8s %s\n", s[i].name, s[i].help);
		fprintf(f,
		    "\nCommon options: --data DIR --keys DIR --config FILE "
		    "--by NAME --json\n");
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < ns; i++)
		if (strcmp(argv[1], s[i].name) == 0) {
			desk_init(&k);
			return s[i].fn(&k, argc - 1, argv + 1);
		}
	fprintf(stderr,
	    "custos: %s: unknown subcommand '%s' (custos %s --help)\n", cmd,
	    argv[1], cmd);
	return 2;
}

int
cmd_agency(int argc, char **argv)
{
	return dispatch("agency",
	    "The agencies (LEMFs) intercepts are delivered to: HI2 and HI3 "
	    "addresses,\nTLS files and the PS-PDU header identifiers.  Every "
	    "change is audited.",
	    agency_subs, sizeof(agency_subs) / sizeof(agency_subs[0]), argc,
	    argv);
}

int
cmd_intercept(int argc, char **argv)
{
	return dispatch("intercept",
	    "Intercepts: one LIID, its targets and its agency, under an "
	    "approved\ntitle3_* or pen_trap_* case; each ends by itself when "
	    "its case says so.\nEvery action is audited.",
	    icpt_subs, sizeof(icpt_subs) / sizeof(icpt_subs[0]), argc, argv);
}
