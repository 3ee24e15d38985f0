/*
 * cmd_export - custos case export ID --out DIR [--by NAME]: the response
 * package of a case (core/package.h).
 *
 * Authority first: the case must be open and past every rule (the same
 * findings the desk shows), and every lookup the package is made of goes
 * through lookup_begin (authority.c), which decides the categories the
 * answer may show and audits it.  The records are, for each target of
 * the case over its window: who for ip and ipv6prefix targets (every
 * binding of the address or prefix that overlaps the window), history
 * for username and mac targets; SMTP envelopes only when the case may see
 * them; the subscriber directory joined to every binding.  Targets of
 * other kinds have no lookup and are listed as not searched.  A refusal
 * names the rule and exits 3; the export itself is audited with the
 * SHA-256 of every file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_case.h"
#include "core/obs.h"
#include "core/package.h"
#include "core/subdir.h"
#include "util/addr.h"
#include "util/xmalloc.h"

#define NFILES 6
static const char *const files[NFILES + 1] = {
    "records.csv",
    "records.json",
    "report.html",
    "report.pdf",
    "certification.txt",
    "cover-letter.txt",
    "MANIFEST.sha256",
};

struct exp {
	struct desk k;
	struct cs_case *c;  /* owned */
	struct cs_store *s; /* owned */
	struct cs_pkg pkg;
	const char *out;
	unsigned cats; /* CAT_* granted by the lookups */
	/* every binding of the store, loaded once for address windows */
	struct cs_hit *all; /* owned */
	size_t nall;
	int have_all;
	struct cs_buf notes; /* targets not searched */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: custos case export ID --out DIR [--by NAME] "
	    "[--json]\n"
	    "                  [--data DIR] [--keys DIR] [--config FILE]\n\n"
	    "Write the response package of a case into DIR (created; an "
	    "existing DIR\nmust be empty):\n"
	    "  records.csv, records.json  the records disclosed: for each "
	    "target over its\n"
	    "                             window, who (ip, ipv6prefix) or "
	    "history (username,\n"
	    "                             mac), only the categories the case "
	    "may see, with\n"
	    "                             the subscriber directory fields\n"
	    "  report.html, report.pdf    the case, targets, what was "
	    "disclosed, deadlines,\n"
	    "                             the records\n"
	    "  certification.txt          business-records certification "
	    "(FRE 902(11))\n"
	    "  cover-letter.txt           to the agency\n"
	    "  MANIFEST.sha256            SHA-256 of every file (sha256sum "
	    "-c)\n\n"
	    "Refused (exit 3, naming the rule) when the case may not "
	    "disclose; audited.\n");
}

/*
 * directory - join the subscriber directory to a binding record, when the
 * lookup's case may see it (authority.c decides: lookup_directory)
 */
static void
directory(
    const struct lookup *l, const struct cs_binding *x, struct cs_pkg_rec *r)
{
	static const char pre[] = ",\"directory\":";
	struct cs_buf b;
	char mac[CS_MAC_STRLEN] = "", v[CS_SUB_FIELD * 2];
	const char *obj;

	if (x->has_mac)
		cs_mac_format(x->mac, mac);
	cs_buf_init(&b, NULL, 0, 8192);
	lookup_directory(l, x->f[CS_F_USERNAME], mac[0] ? mac : NULL, 1, &b);
	if (cs_buf_error(&b) != CS_OK || b.len <= sizeof(pre) - 1 ||
	    strncmp(b.data, pre, sizeof(pre) - 1) != 0) {
		cs_buf_release(&b);
		return;
	}
	obj = b.data + sizeof(pre) - 1;
	if (cs_json_get_str(obj, "name", v, sizeof(v)))
		cs_pkg_set(r, PC_SUB_NAME, v);
	if (cs_json_get_str(obj, "address", v, sizeof(v)))
		cs_pkg_set(r, PC_SUB_ADDRESS, v);
	if (cs_json_get_str(obj, "account", v, sizeof(v)))
		cs_pkg_set(r, PC_SUB_ACCOUNT, v);
	if (cs_json_get_str(obj, "payment", v, sizeof(v)))
		cs_pkg_set(r, PC_SUB_PAYMENT, v);
	r->dir_json = cs_xstrdup(obj);
	explicit_bzero(v, sizeof(v));
	explicit_bzero(b.data, b.len);
	cs_buf_release(&b);
}

/* add_binding - one binding as a record of target tv */
static void
add_binding(struct exp *e, const struct lookup *l, const char *tv,
    const struct cs_hit *h)
{
	const struct cs_binding *x = h->b;
	struct cs_pkg_rec *r = cs_pkg_add(&e->pkg, PK_BINDING);
	char ts[40], mac[CS_MAC_STRLEN], a[CS_ADDR_STRLEN];
	struct cs_buf b;
	int i, j;

	cs_pkg_set(r, PC_TARGET, tv);
	cs_time_format(x->start, ts);
	cs_pkg_set(r, PC_START, ts);
	if (h->end_known != CS_END_OPEN) {
		cs_time_format(h->end, ts);
		cs_pkg_set(r, PC_END, ts);
	}
	cs_pkg_set(r, PC_END_KNOWN,
	    h->end_known == CS_END_OBSERVED       ? "observed"
		: h->end_known == CS_END_INFERRED ? "inferred"
						  : "open");
	cs_buf_init(&b, NULL, 0, 1 << 20);
	for (i = 0; i < x->naddr; i++) {
		cs_addr_format(&x->addr[i], a);
		cs_buf_appendf(&b, "%s%s", i ? " " : "", a);
		if (i == h->addr_index)
			cs_pkg_set(r, PC_ADDRESS, a);
	}
	cs_pkg_set(r, PC_ADDRESSES, b.data);
	cs_pkg_set(r, PC_USERNAME, x->f[CS_F_USERNAME]);
	if (x->has_mac) {
		cs_mac_format(x->mac, mac);
		cs_pkg_set(r, PC_MAC, mac);
	}
	cs_pkg_set(r, PC_CIRCUIT, x->f[CS_F_CIRCUIT]);
	cs_pkg_set(r, PC_NAS,
	    x->f[CS_F_NAS_ID] ? x->f[CS_F_NAS_ID] : x->f[CS_F_NAS_IP]);
	cs_pkg_set(r, PC_NAS_PORT, x->f[CS_F_NAS_PORT]);
	cs_pkg_set(r, PC_SESSION, x->f[CS_F_SESSION]);
	cs_pkg_set(r, PC_SOURCE, cs_src_name((enum cs_src)x->src));
	if (e->cats & CAT_EVIDENCE) {
		cs_buf_reset(&b);
		for (i = 0; i < CS_EV_MAX; i++) {
			if (x->ev[i].t == CS_TIME_NONE)
				continue;
			for (j = 0; j < i; j++)
				if (x->ev[j].t != CS_TIME_NONE &&
				    strcmp(x->ev[j].raw, x->ev[i].raw) == 0)
					break;
			if (j < i)
				continue;
			cs_buf_appendf(
			    &b, "%s%s", b.len ? "\n\n" : "", x->ev[i].raw);
		}
		cs_pkg_set(r, PC_EVIDENCE, b.data);
	}
	cs_buf_reset(&b);
	hit_json(h, &b, e->cats);
	r->json = cs_xstrdup(b.data ? b.data : "null");
	cs_buf_release(&b);
	directory(l, x, r);
}

/* add_mail - one SMTP envelope as a record of target tv */
static void
add_mail(struct exp *e, const char *tv, const struct cs_mail *m)
{
	struct cs_pkg_rec *r = cs_pkg_add(&e->pkg, PK_SMTP);
	char v[4096], ts[40];

	cs_pkg_set(r, PC_TARGET, tv);
	cs_time_format(m->t, ts);
	cs_pkg_set(r, PC_START, ts);
	if (cs_json_get_str(m->json, "queue_id", v, sizeof(v)))
		cs_pkg_set(r, PC_MAIL_QUEUE_ID, v);
	if (cs_json_get_str(m->json, "from", v, sizeof(v)))
		cs_pkg_set(r, PC_MAIL_FROM, v);
	if (cs_json_list_str(m->json, "recipients", "to", v, sizeof(v)))
		cs_pkg_set(r, PC_MAIL_TO, v);
	if (cs_json_get_str(m->json, "sasl_username", v, sizeof(v))) {
		cs_pkg_set(r, PC_MAIL_SASL, v);
		cs_pkg_set(r, PC_USERNAME, v);
	}
	if (cs_json_sub_str(m->json, "client", "ip", v, sizeof(v)))
		cs_pkg_set(r, PC_ADDRESS, v);
	cs_pkg_set(r, PC_SOURCE, "postfix");
	r->json = cs_xstrdup(m->json);
}

/* window - the target's window; open ends are the store's first day, now */
static void
window(struct exp *e, const struct cs_target *t, cs_time *from, cs_time *to)
{
	size_t nd = 0;
	const int64_t *d = cs_store_days(e->s, &nd);

	*from = t->from != CS_TIME_NONE ? t->from : nd ? d[0] * CS_DAY : 0;
	*to = t->to != CS_TIME_NONE ? t->to : e->k.now;
	if (*to < *from) {
		if (t->from == CS_TIME_NONE)
			*from = *to;
		else
			*to = *from;
	}
}

/* begin - one lookup under the case's authority (authority.c) */
static int
begin(struct exp *e, struct lookup *l, const char *kind, const char *subject,
    cs_time from, cs_time to)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->dirs = &e->k.d;
	l->case_id = e->c->id;
	l->actor = e->k.by;
	l->config = e->k.config;
	l->kind = kind;
	snprintf(l->subject, sizeof(l->subject), "%s", subject);
	l->from = from;
	l->to = to;
	if ((rc = lookup_begin(l)) != 0)
		return rc;
	e->cats = l->cats;
	return 0;
}

/* match_addr - which address of x relates to the target prefix, or -1 */
static int
match_addr(const struct cs_binding *x, const struct cs_addr *ta)
{
	int i;

	for (i = 0; i < x->naddr; i++)
		if (cs_addr_contains(ta, &x->addr[i]) ||
		    cs_addr_contains(&x->addr[i], ta))
			return i;
	return -1;
}

/* mail_in - was the envelope sent from inside the target prefix? */
static int
mail_in(const char *json, const struct cs_addr *ta)
{
	char ip[CS_ADDR_STRLEN];
	struct cs_addr a;

	if (!cs_json_sub_str(json, "client", "ip", ip, sizeof(ip)) ||
	    cs_addr_parse(cs_span_cstr(ip), &a) != CS_OK)
		return 0;
	return cs_addr_contains(ta, &a);
}

/* do_who - an ip or ipv6prefix target: who over its window */
static int
do_who(struct exp *e, const struct cs_target *t, const char *tv)
{
	struct cs_errbuf eb = {""};
	struct lookup l;
	struct cs_addr ta;
	struct cs_hit *h = NULL, *own = NULL;
	struct cs_mail *m = NULL;
	size_t n = 0, nm = 0, i, shown = 0;
	cs_time from, to;
	int rc, ai;

	if (cs_addr_parse(cs_span_cstr(t->value), &ta) != CS_OK) {
		cs_buf_appendf(&e->notes, "%s%s (not an address)",
		    e->notes.len ? "; " : "", tv);
		return 0;
	}
	window(e, t, &from, &to);
	if ((rc = begin(e, &l, "who", t->value, from, to)) != 0)
		return rc;
	if (from == to) {
		if (cs_store_who(e->s, &ta, from, &own, &n, &eb) != CS_OK) {
			fprintf(stderr, "custos: export: who %s: %s\n",
			    t->value, eb.msg);
			lookup_end(&l, 0);
			return 1;
		}
		h = own;
	} else {
		if (!e->have_all) {
			struct cs_mail *dm = NULL;
			size_t ndm = 0;
			if (cs_store_dump(e->s, &e->all, &e->nall, &dm, &ndm) !=
			    CS_OK) {
				fprintf(stderr,
				    "custos: export: the store "
				    "could not be read\n");
				lookup_end(&l, 0);
				return 1;
			}
			cs_mail_free(dm, ndm);
			e->have_all = 1;
		}
		h = cs_xcalloc(e->nall ? e->nall : 1, sizeof(*h));
		for (i = 0; i < e->nall; i++) {
			const struct cs_hit *x = &e->all[i];
			if (x->b->start >= to ||
			    (x->end_known != CS_END_OPEN && x->end <= from))
				continue;
			if ((ai = match_addr(x->b, &ta)) < 0)
				continue;
			h[n] = *x; /* the binding stays owned by e->all */
			h[n++].addr_index = ai;
		}
	}
	for (i = 0; i < n; i++)
		add_binding(e, &l, tv, &h[i]);
	if ((e->cats & CAT_SMTP) && n &&
	    cs_store_mail(e->s, NULL, h, n, from, to, &m, &nm) == CS_OK) {
		for (i = 0; i < nm; i++)
			if (mail_in(m[i].json, &ta)) {
				add_mail(e, tv, &m[i]);
				shown++;
			}
	}
	lookup_end(&l, n + shown);
	cs_mail_free(m, nm);
	if (own)
		cs_hits_free(own, n);
	else
		free(h);
	return 0;
}

/* do_history - a username or mac target: history over its window */
static int
do_history(struct exp *e, const struct cs_target *t, const char *tv)
{
	struct cs_errbuf eb = {""};
	struct lookup l;
	struct cs_hit *h = NULL;
	struct cs_mail *m = NULL;
	size_t n = 0, nm = 0, i;
	cs_time from, to;
	int rc;

	window(e, t, &from, &to);
	if ((rc = begin(e, &l, "history", t->value, from, to)) != 0)
		return rc;
	if (cs_store_history(e->s, t->value, from, to, &h, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: export: history %s: %s\n", t->value,
		    eb.msg);
		lookup_end(&l, 0);
		return 1;
	}
	for (i = 0; i < n; i++)
		add_binding(e, &l, tv, &h[i]);
	if ((e->cats & CAT_SMTP) &&
	    cs_store_mail(e->s, t->value, h, n, from, to, &m, &nm) == CS_OK)
		for (i = 0; i < nm; i++)
			add_mail(e, tv, &m[i]);
	lookup_end(&l, n + nm);
	cs_mail_free(m, nm);
	cs_hits_free(h, n);
	return 0;
}

static const char *
no_disclosure_rule(enum cs_ctype t)
{
	switch (t) {
	case CT_PRES:
		return "R-PRES-1";
	case CT_NDO:
		return "R-NDO-1";
	case CT_FISA:
	case CT_NSL:
		return "R-COUNSEL";
	default:
		return "R-SCOPE";
	}
}

/* precheck - may the case disclose at all?  0, or the refusal's status */
static int
precheck(struct exp *e)
{
	struct cs_finding f[CS_RULES_MAXF];
	const struct cs_finding *blk;
	const struct cs_case *c = e->c;
	unsigned allowed = cs_rules_allowed(c->type), req;
	char msg[400];

	if (c->closed)
		return desk_refuse(
		    &e->k, "export", c->id, "R-AUTH", "the case is closed");
	case_findings(&e->k, c, f, CS_RULES_MAXF, &blk);
	if (blk) {
		snprintf(msg, sizeof(msg), "%s%s", blk->msg,
		    blk->out == RO_BLOCK
			? ""
			: " (not yet acknowledged: custos case ack)");
		return desk_refuse(&e->k, "export", c->id, blk->rule, msg);
	}
	req = c->cats ? c->cats & allowed : allowed;
	if (!(req & CC_BSI_SET)) {
		snprintf(msg, sizeof(msg),
		    "a %s authorizes no disclosure of "
		    "subscriber records",
		    c->type_name);
		return desk_refuse(
		    &e->k, "export", c->id, no_disclosure_rule(c->type), msg);
	}
	return 0;
}

/* authority - the statute the disclosure rests on */
static const char *
authority(enum cs_ctype t)
{
	switch (t) {
	case CT_SUB_ADMIN:
	case CT_SUB_GJ:
	case CT_SUB_TRIAL:
		return "18 USC 2703(c)(2)";
	case CT_2703D:
		return "18 USC 2703(c)(1)(B) and (d)";
	case CT_WARRANT:
		return "18 USC 2703(a), (b)(1)(A), (c)(1)(A)";
	case CT_EMERG:
		return "18 USC 2702(c)(4)";
	case CT_CONSENT:
		return "18 USC 2702(c)(2)";
	case CT_CYBERTIP:
		return "18 USC 2258A";
	default:
		return "";
	}
}

/* describe - what is disclosed and withheld, and the columns */
static void
describe(struct exp *e, struct cs_buf *dis, struct cs_buf *wh)
{
	unsigned cats = e->cats;
	int c;
	/* as lookup_directory decides: the directory goes with bsi */
	int dir = (cats & CAT_BINDING) &&
	    (e->c->cats == 0 || (e->c->cats & CC_BIT(CC_BSI)));

	e->pkg.cols = 0;
	if (cats & CAT_BINDING) {
		cs_buf_appendf(dis,
		    "subscriber records: network addresses "
		    "assigned, session times and durations, subscriber "
		    "identity (user name, MAC, circuit, session)%s",
		    dir ? ", and the subscriber's name, postal address, "
			  "account and "
			  "means of payment"
			: "");
		for (c = PC_START; c <= PC_SOURCE; c++)
			e->pkg.cols |= PC_BIT(c);
	} else {
		cs_buf_puts(dis, "nothing");
	}
	if (dir) {
		for (c = PC_SUB_NAME; c <= PC_SUB_PAYMENT; c++)
			e->pkg.cols |= PC_BIT(c);
	} else {
		cs_buf_puts(wh,
		    "the subscriber's name, postal address, "
		    "account and means of payment (not requested)");
	}
	if (cats & CAT_SMTP) {
		cs_buf_puts(dis,
		    "; SMTP envelope records (sender, recipients, "
		    "client address, times; no content)");
		for (c = PC_MAIL_QUEUE_ID; c <= PC_MAIL_SASL; c++)
			e->pkg.cols |= PC_BIT(c);
	} else {
		cs_buf_appendf(
		    wh, "%sSMTP envelope records", wh->len ? ", " : "");
	}
	if (cats & CAT_EVIDENCE) {
		cs_buf_puts(dis,
		    "; the verbatim accounting and address-"
		    "assignment log records");
		e->pkg.cols |= PC_BIT(PC_EVIDENCE);
	} else {
		cs_buf_appendf(wh,
		    "%sverbatim log records (full RADIUS and "
		    "DHCP attribute dumps)",
		    wh->len ? ", " : "");
	}
	if (!(cats & CAT_DEST))
		cs_buf_appendf(
		    wh, "%sdestination addresses", wh->len ? ", " : "");
	if (wh->len && (CT_BIT(e->c->type) & CT_SUBPOENAS))
		cs_buf_puts(wh,
		    " (a subpoena reaches basic subscriber "
		    "information only, 18 USC 2703(c)(2); these require a "
		    "2703(d) order or a search warrant)");
	if (e->notes.len) {
		cs_buf_appendf(dis, "; not searched, no lookup exists for: %s",
		    e->notes.data);
	}
}

/* cleanup - remove the files this export wrote (nw of them), and DIR if made */
static void
cleanup(const char *dir, size_t nw, int created)
{
	char path[4096];
	size_t i;

	for (i = 0; i < nw && i <= NFILES; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			files[i]) < sizeof(path))
			unlink(path);
	}
	if (created)
		rmdir(dir);
}

/* write_all - render and write every file; the audit detail into det */
static int
write_all(
    struct exp *e, char hex[NFILES + 1][65], size_t *nw, struct cs_buf *det)
{
	char *abs;
	struct cs_errbuf eb = {""};
	struct cs_buf b;
	enum cs_err err = CS_OK;
	size_t i;

	cs_buf_init(&b, NULL, 0, 1024u * 1024 * 1024);
	for (i = 0; i <= NFILES && err == CS_OK; i++) {
		cs_buf_reset(&b);
		switch (i) {
		case 0:
			err = cs_pkg_csv(&e->pkg, &b);
			break;
		case 1:
			err = cs_pkg_json(&e->pkg, &b);
			break;
		case 2:
			err = cs_pkg_html(&e->pkg, &b);
			break;
		case 3:
			err = cs_pkg_pdf(&e->pkg, &b);
			break;
		case 4:
			err = cs_pkg_cert(&e->pkg, &b);
			break;
		case 5:
			err = cs_pkg_letter(&e->pkg, files, NFILES + 1, &b);
			break;
		default:
			cs_pkg_manifest(
			    files, (const char(*)[65])hex, NFILES, &b);
			err = cs_buf_error(&b);
			break;
		}
		if (err != CS_OK) {
			fprintf(stderr, "custos: export: %s: %s\n", files[i],
			    cs_strerror(err));
			break;
		}
		err = cs_pkg_file_write(
		    e->out, files[i], b.data ? b.data : "", b.len, hex[i], &eb);
		if (err != CS_OK)
			fprintf(stderr, "custos: export: %s\n", eb.msg);
		else
			*nw = i + 1;
		if (b.data)
			explicit_bzero(b.data, b.len);
	}
	cs_buf_release(&b);
	if (err == CS_OK && (err = cs_pkg_dir_sync(e->out, &eb)) != CS_OK)
		fprintf(stderr, "custos: export: %s\n", eb.msg);
	if (err != CS_OK)
		return 1;
	abs = realpath(e->out, NULL);
	cs_buf_puts(det, "{\"out\":");
	cs_buf_json_str(det, abs ? abs : e->out, strlen(abs ? abs : e->out));
	free(abs);
	cs_buf_appendf(det,
	    ",\"bindings\":%zu,\"smtp\":%zu,\"categories\":%u,"
	    "\"files\":[",
	    cs_pkg_count(&e->pkg, PK_BINDING), cs_pkg_count(&e->pkg, PK_SMTP),
	    e->cats);
	for (i = 0; i <= NFILES; i++)
		cs_buf_appendf(det, "%s{\"name\":\"%s\",\"sha256\":\"%s\"}",
		    i ? "," : "", files[i], hex[i]);
	cs_buf_puts(det, "]}");
	return 0;
}

int
cmd_case_export(int argc, char **argv)
{
	static const struct option lo[] = {
	    DESK_OPTS,
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_errbuf eb = {""};
	struct cs_rule_env env;
	struct exp e;
	struct cs_buf dis, wh, det;
	char hex[NFILES + 1][65], tv[CS_CASE_STR + 96];
	size_t i, nw = 0;
	int opt, rc = 0, created = 0;

	memset(&e, 0, sizeof(e));
	memset(hex, 0, sizeof(hex));
	desk_init(&e.k);
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (desk_opt(&e.k, opt, optarg))
			continue;
		if (opt == 'o') {
			e.out = optarg;
			continue;
		}
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if (optind != argc - 1 || e.out == NULL || *e.out == '\0') {
		fprintf(stderr, "custos: export: need ID and --out DIR\n\n");
		usage(stderr);
		return 2;
	}
	desk_open(&e.k, 0, 1);
	e.c = desk_load(&e.k, argv[optind]);
	if ((rc = precheck(&e)) != 0)
		goto out;
	if (cs_pkg_dir_make(e.out, &created, &eb) != CS_OK) {
		fprintf(stderr, "custos: export: %s\n", eb.msg);
		rc = 1;
		goto out;
	}
	e.s = open_store(&e.k.d, CS_STORE_RO);
	cs_pkg_init(&e.pkg, e.c, &e.k.cfg, e.k.now, e.k.by);
	cs_buf_init(&e.notes, NULL, 0, 64 * 1024);
	cs_buf_init(&dis, NULL, 0, 64 * 1024);
	cs_buf_init(&wh, NULL, 0, 64 * 1024);
	cs_buf_init(&det, NULL, 0, 64 * 1024);
	for (i = 0; i < e.c->nt && rc == 0; i++) {
		const struct cs_target *t = &e.c->t[i];
		cs_target_format(t, tv, sizeof(tv));
		switch (t->kind) {
		case TK_IP:
		case TK_IPV6PREFIX:
			rc = do_who(&e, t, tv);
			break;
		case TK_USERNAME:
		case TK_MAC:
			rc = do_history(&e, t, tv);
			break;
		default:
			cs_buf_appendf(
			    &e.notes, "%s%s", e.notes.len ? "; " : "", tv);
			break;
		}
	}
	if (rc != 0) {
		fprintf(stderr,
		    "custos: export: case %s: a lookup of the "
		    "package was refused or failed; nothing was written\n",
		    e.c->id);
		cs_buf_puts(&det,
		    "{\"reason\":\"a lookup was refused or "
		    "failed\"}");
		desk_audit(&e.k, "case.export.failed", e.c->id, det.data);
		cleanup(e.out, 0, created);
		goto done;
	}
	describe(&e, &dis, &wh);
	e.pkg.disclosed = dis.data ? dis.data : "";
	e.pkg.withheld = wh.data ? wh.data : "";
	e.pkg.why = authority(e.c->type);
	cs_casedb_env(e.k.db, e.c, &e.k.cfg, e.k.now, &env);
	e.pkg.ndue = cs_rules_due(e.c, &env, e.pkg.due, CS_RULES_MAXDUE);
	if (write_all(&e, hex, &nw, &det) != 0) {
		cleanup(e.out, nw, created);
		rc = 1;
		goto done;
	}
	if (desk_audit(&e.k, "case.export", e.c->id, det.data) != 0) {
		fprintf(stderr,
		    "custos: export: not audited, so not "
		    "delivered: the package is removed\n");
		cleanup(e.out, nw, created);
		rc = 1;
		goto done;
	}
	if (e.k.json) {
		printf("{\"id\":\"%s\",\"out\":", e.c->id);
		cs_buf_reset(&wh);
		cs_buf_json_str(&wh, e.out, strlen(e.out));
		printf("%s,\"bindings\":%zu,\"smtp\":%zu,\"manifest_sha256\":"
		       "\"%s\"}\n",
		    wh.data, cs_pkg_count(&e.pkg, PK_BINDING),
		    cs_pkg_count(&e.pkg, PK_SMTP), hex[NFILES]);
	} else {
		printf("%s: package written to %s: %zu binding record%s, %zu "
		       "SMTP envelope%s; MANIFEST.sha256 %s\n",
		    e.c->id, e.out, cs_pkg_count(&e.pkg, PK_BINDING),
		    cs_pkg_count(&e.pkg, PK_BINDING) == 1 ? "" : "s",
		    cs_pkg_count(&e.pkg, PK_SMTP),
		    cs_pkg_count(&e.pkg, PK_SMTP) == 1 ? "" : "s", hex[NFILES]);
	}
done:
	cs_pkg_release(&e.pkg);
	cs_hits_free(e.all, e.nall);
	cs_buf_release(&e.notes);
	cs_buf_release(&dis);
	cs_buf_release(&wh);
	cs_buf_release(&det);
	cs_store_close(e.s);
out:
	cs_case_free(e.c);
	desk_close(&e.k);
	return rc;
}
