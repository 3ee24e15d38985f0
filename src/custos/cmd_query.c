/* cmd_query - custos who, history, dump */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_case.h"
#include "core/hold.h"
#include "util/log.h"
#include "util/xmalloc.h"

static double now_us(void);

/*
 * Preserved data (18 USC 2703(f) holds, core/hold.h) answers a lookup
 * made under a case exactly as live data would: the vaults' bindings and
 * envelopes are merged into the store's answer (duplicates dropped).  The
 * lookup has already passed the case's authority and scope checks; an
 * operator's lookup without a case never reads the vaults.
 */
enum held_kind { HELD_WHO, HELD_HISTORY };

static int
hit_same(const struct cs_hit *a, const struct cs_hit *b)
{
	return a->b->start == b->b->start && strcmp(a->b->key, b->b->key) == 0;
}

static int
hit_order(const void *x, const void *y)
{
	const struct cs_hit *a = x, *b = y;

	if (a->b->start != b->b->start)
		return a->b->start < b->b->start ? -1 : 1;
	return strcmp(a->b->key, b->b->key);
}

/*
 * vault_ids - the case ids of the vaults under DATA/vault (names checked
 * by cs_hold_case_ok); the caller frees the array and each id.  None for
 * a lookup without a case.
 */
static size_t
vault_ids(const struct lookup *l, char ***out)
{
	char dir[4096 + 8];
	struct dirent *de;
	DIR *dp;
	char **ids = NULL;
	size_t n = 0;

	*out = NULL;
	if (l->case_id == NULL)
		return 0;
	snprintf(dir, sizeof(dir), "%s/vault", l->dirs->data);
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);
		char *id;
		if (len < 4 || len - 3 >= 256 ||
		    strcmp(de->d_name + len - 3, ".db") != 0)
			continue;
		id = cs_xstrndup(de->d_name, len - 3);
		if (!cs_hold_case_ok(id)) {
			free(id);
			continue;
		}
		ids = cs_xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = id;
	}
	closedir(dp);
	*out = ids;
	return n;
}

static void
vault_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static void
held_merge(const struct lookup *l, enum held_kind kind, const struct cs_addr *a,
    const char *sub, cs_time from, cs_time to, struct cs_hit **h, size_t *n)
{
	char **ids;
	size_t nid = vault_ids(l, &ids), v, i, j, hn, added = 0;
	struct cs_hit *hh;
	struct cs_errbuf eb = {""};

	for (v = 0; v < nid; v++) {
		hh = NULL;
		hn = 0;
		if ((kind == HELD_WHO
			    ? cs_hold_who(l->dirs->data, l->dirs->keys, ids[v],
				  a, from, &hh, &hn, &eb)
			    : cs_hold_history(l->dirs->data, l->dirs->keys,
				  ids[v], sub, from, to, &hh, &hn, &eb)) !=
		    CS_OK)
			continue;
		for (i = 0; i < hn; i++) {
			for (j = 0; j < *n; j++)
				if (hit_same(&(*h)[j], &hh[i]))
					break;
			if (j < *n) {
				cs_binding_free(hh[i].b);
				continue;
			}
			*h = cs_xreallocarray(*h, *n + 1, sizeof(**h));
			(*h)[(*n)++] = hh[i];
			added++;
		}
		free(hh);
	}
	vault_ids_free(ids, nid);
	if (added && *n > 1)
		qsort(*h, *n, sizeof(**h), hit_order);
}

static int
mail_order(const void *x, const void *y)
{
	const struct cs_mail *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return strcmp(a->json, b->json);
}

/*
 * held_mail - envelopes preserved in the vaults whose SASL user is the
 * subscriber, merged likewise (by client address only through the live
 * store: a vault's envelopes are matched by name).
 */
static void
held_mail(const struct lookup *l, const char *sub, cs_time from, cs_time to,
    struct cs_mail **m, size_t *n)
{
	char **ids;
	size_t nid = vault_ids(l, &ids), v, i, j, mn, added = 0;
	struct cs_mail *mm;
	struct cs_errbuf eb = {""};
	struct cs_buf want;

	cs_buf_init(&want, NULL, 0, 4096);
	cs_buf_puts(&want, "\"sasl_username\":");
	cs_buf_json_str(&want, sub, strlen(sub));
	for (v = 0; v < nid; v++) {
		mm = NULL;
		mn = 0;
		if (cs_hold_mail(l->dirs->data, l->dirs->keys, ids[v], from, to,
			&mm, &mn, &eb) != CS_OK)
			continue;
		for (i = 0; i < mn; i++) {
			for (j = 0; j < *n; j++)
				if ((*m)[j].t == mm[i].t &&
				    strcmp((*m)[j].json, mm[i].json) == 0)
					break;
			if (j < *n || strstr(mm[i].json, want.data) == NULL) {
				free(mm[i].json);
				continue;
			}
			*m = cs_xreallocarray(*m, *n + 1, sizeof(**m));
			(*m)[(*n)++] = mm[i];
			added++;
		}
		free(mm);
	}
	vault_ids_free(ids, nid);
	cs_buf_release(&want);
	if (added && *n > 1)
		qsort(*m, *n, sizeof(**m), mail_order);
}

/* parse_addr_port - "ADDR", "ADDR:PORT", "[V6]:PORT", "V6" */
static int
parse_addr_port(const char *s, struct cs_addr *a, int *port)
{
	struct cs_span sp = cs_span_cstr(s), host = sp;
	long colon = -1, i;
	uint64_t v;

	*port = -1;
	if (sp.len && sp.p[0] == '[') {
		long close = cs_span_chr(sp, ']');
		if (close < 0)
			return -1;
		host = cs_span_make(sp.p + 1, (size_t)close - 1);
		if ((size_t)close + 1 < sp.len) {
			if (sp.p[close + 1] != ':')
				return -1;
			if (cs_parse_u64(cs_span_skip(sp, (size_t)close + 2), 0,
				65535, &v) != CS_OK)
				return -1;
			*port = (int)v;
		}
	} else {
		for (i = 0; i < (long)sp.len; i++)
			if (sp.p[i] == ':') {
				if (colon >= 0) {
					colon = -2; /* IPv6: several colons */
					break;
				}
				colon = i;
			}
		if (colon >= 0) {
			host = cs_span_make(sp.p, (size_t)colon);
			if (cs_parse_u64(cs_span_skip(sp, (size_t)colon + 1), 0,
				65535, &v) != CS_OK)
				return -1;
			*port = (int)v;
		}
	}
	if (cs_addr_parse(host, a) != CS_OK)
		return -1;
	return 0;
}

static void
who_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos who ADDRESS[:PORT] --at TIME [--case ID] "
	    "[--by NAME] [--json]\n"
	    "                  [--proto tcp|udp] [--dst IP[:PORT]] "
	    "[--skew SECONDS]\n"
	    "                  [--data DIR] [--keys DIR] [--config FILE]\n"
	    "       custos who --batch FILE [--case ID] [--json] [--stats]\n\n"
	    "Every binding that covers ADDRESS at TIME: the subscriber (user "
	    "name,\n"
	    "MAC, circuit id, NAS), the address or prefix, when the binding "
	    "began\n"
	    "and ended and how the end is known (observed in the logs, "
	    "inferred\n"
	    "from a lease time or a NAS reboot, or still open), the source, "
	    "and\n"
	    "the verbatim log records as evidence.  An IPv6 address is found\n"
	    "inside a framed or delegated prefix.\n\n"
	    "  ADDRESS[:PORT]  IPv4 (100.64.12.34, 100.64.12.34:5000) or IPv6\n"
	    "                  (2001:db8::1, [2001:db8::1]:5000); the port is\n"
	    "                  recorded in the query (ports matter behind "
	    "CGNAT)\n"
	    "  --at TIME       RFC 3339 with Z or an offset, e.g.\n"
	    "                  2026-11-29T21:00:00Z; a time without a zone is "
	    "refused\n"
	    "  --batch FILE    answer many queries, one 'ADDRESS TIME' per "
	    "line\n"
	    "                  ('-' for stdin); with --json one JSON object "
	    "per\n"
	    "                  line on stdout, else the text answers in turn\n"
	    "  --stats         with --batch: on stderr, the latency of the "
	    "lookups\n"
	    "                  (p50/p99/max) and the rate, then the same with\n"
	    "                  the authority check and the audit entries\n"
	    "  --json          the documented JSON shape (docs/json.md)\n"
	    "  --case ID       the legal case this lookup is made under; the\n"
	    "                  case decides what may be shown (a subpoena "
	    "sees\n"
	    "                  basic subscriber information only).  Without "
	    "it,\n"
	    "                  lookups need allow_operator_lookups in the "
	    "config\n"
	    "  --by NAME       who is asking (default $CUSTOS_USER); audited\n"
	    "  --proto, --dst, --skew\n"
	    "                  behind CGNAT: the protocol, the destination "
	    "the\n"
	    "                  requester saw, and the tolerance for their "
	    "clock\n"
	    "  --data, --keys, --config  as for ingest\n\n"
	    "No match prints an empty list and exits 0; a refusal names the "
	    "rule\n"
	    "and exits 3; other errors exit 1 (2 for bad usage).\n");
}

/*
 * match_out - one match, with the subscriber directory's entry (name,
 * postal address, payment) when the lookup's case may see it.
 */
static void
match_out(
    const struct lookup *l, const struct cs_hit *h, int json, struct cs_buf *b)
{
	char mac[CS_MAC_STRLEN];

	if (h->b->has_mac)
		cs_mac_format(h->b->mac, mac);
	if (json) {
		hit_json(h, b, l->cats);
		if (b->len && b->data[b->len - 1] == '}') {
			b->len--; /* reopen the match object */
			lookup_directory(l, h->b->f[CS_F_USERNAME],
			    h->b->has_mac ? mac : NULL, 1, b);
			cs_buf_putc(b, '}');
		}
		return;
	}
	hit_text(h, b, l->cats);
	lookup_directory(
	    l, h->b->f[CS_F_USERNAME], h->b->has_mac ? mac : NULL, 0, b);
}

static void
who_render(const struct lookup *l, const struct cs_addr *a, int port, cs_time t,
    const struct cs_hit *h, size_t n, int json, struct cs_buf *b)
{
	char ts[40], as[CS_ADDR_STRLEN];
	size_t i;

	cs_time_format(t, ts);
	cs_addr_format(a, as);
	if (json) {
		cs_buf_appendf(
		    b, "{\"query\":{\"address\":\"%s\",\"port\":", as);
		if (port >= 0)
			cs_buf_appendf(b, "%d", port);
		else
			cs_buf_puts(b, "null");
		cs_buf_appendf(b, ",\"at\":\"%s\"},\"matches\":[", ts);
		for (i = 0; i < n; i++) {
			if (i)
				cs_buf_putc(b, ',');
			match_out(l, &h[i], 1, b);
		}
		cs_buf_puts(b, "]}\n");
		return;
	}
	cs_buf_appendf(
	    b, "%s at %s: %zu match%s\n", as, ts, n, n == 1 ? "" : "es");
	for (i = 0; i < n; i++) {
		cs_buf_putc(b, '\n');
		match_out(l, &h[i], 0, b);
	}
}

/*
 * answer_who - one who query under authority: NAT first when a port or
 * destination is given, else (or with no NAT record) the bindings.
 */
static int
answer_who(struct cs_store *s, struct lookup *l, const char *text,
    struct nat_query *q, int json, struct cs_buf *b, double us[2])
{
	struct cs_errbuf eb = {""};
	struct cs_hit *h;
	size_t n = 0;
	long nn = -1;
	int rc;
	double t0 = now_us(), t1;

	snprintf(l->subject, sizeof(l->subject), "%s", text);
	l->from = l->to = q->t;
	if ((rc = lookup_begin(l)) != 0)
		return rc;
	t1 = now_us();
	if (q->port >= 0 || q->dst || q->proto)
		nn = who_nat(s, l, q, json, b);
	if (nn < 0) {
		if (cs_store_who(s, &q->addr, q->t, &h, &n, &eb) != CS_OK) {
			fprintf(stderr, "custos: who: %s\n", eb.msg);
			lookup_end(l, 0);
			return 1;
		}
		held_merge(l, HELD_WHO, &q->addr, NULL, q->t, q->t, &h, &n);
		who_render(l, &q->addr, q->port, q->t, h, n, json, b);
		cs_hits_free(h, n);
	} else {
		n = (size_t)nn;
	}
	if (us)
		us[0] = now_us() - t1; /* the lookup itself */
	lookup_end(l, n);
	if (us)
		us[1] = now_us() - t0; /* with authority and audit */
	return 0;
}

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * next_question - the next line of a batch; questions typed or piped in
 * may come far apart, so the store holds no read snapshot meanwhile
 */
static ssize_t
next_question(struct cs_store *s, FILE *f, char **line, size_t *cap)
{
	if (f == stdin)
		cs_store_idle(s);
	return getline(line, cap, f);
}

static int
who_batch(struct cs_store *s, struct lookup *l, struct nat_query *base,
    const char *path, int json, int stats)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, nq = 0, qcap = 0;
	ssize_t len;
	double *lat = NULL, *lat2 = NULL, total0 = now_us();
	struct cs_buf b;
	int bad = 0;
	unsigned long lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "custos: who: %s: cannot open\n", path);
		return 1;
	}
	cs_buf_init(&b, NULL, 0, 256 * 1024 * 1024);
	while ((len = next_question(s, f, &line, &cap)) > 0) {
		struct cs_span sp = cs_span_trim(cs_span_make(line,
				   (size_t)len - (line[len - 1] == '\n'))),
			       aw, tw;
		struct cs_addr a;
		struct cs_errbuf eb = {""};
		int port;
		cs_time t;
		char as[128];

		lineno++;
		if (sp.len == 0 || sp.p[0] == '#')
			continue;
		if (!cs_span_word(&sp, &aw) || !cs_span_word(&sp, &tw) ||
		    aw.len >= sizeof(as)) {
			fprintf(stderr,
			    "custos: who: %s:%lu: want 'ADDRESS "
			    "TIME'\n",
			    path, lineno);
			bad++;
			continue;
		}
		memcpy(as, aw.p, aw.len);
		as[aw.len] = '\0';
		if (parse_addr_port(as, &a, &port) != 0 ||
		    cs_time_parse_rfc3339(tw, &t, &eb) != CS_OK) {
			fprintf(stderr, "custos: who: %s:%lu: %s\n", path,
			    lineno,
			    eb.msg[0] ? eb.msg
				      : "not an IPv4/IPv6 "
					"address (optionally with :PORT)");
			bad++;
			continue;
		}
		{
			struct nat_query q = *base;
			double us[2] = {0, 0};
			int rc;
			q.addr = a;
			q.port = port;
			q.t = t;
			cs_buf_reset(&b);
			rc = answer_who(s, l, as, &q, json, &b, us);
			if (rc != 0) {
				bad++;
				continue;
			}
			if (nq == qcap) {
				qcap = qcap ? qcap * 2 : 1024;
				lat = cs_xreallocarray(lat, qcap, sizeof(*lat));
				lat2 =
				    cs_xreallocarray(lat2, qcap, sizeof(*lat2));
			}
			lat2[nq] = us[1];
			lat[nq++] = us[0];
			fputs(b.data, stdout);
		}
	}
	if (cs_store_unreadable(s))
		fprintf(stderr,
		    "custos: who: some day partitions could not be "
		    "read (their keys are gone); answers cover the rest\n");
	if (stats && nq) {
		double total = (now_us() - total0) / 1e6;
		qsort(lat, nq, sizeof(*lat), cmp_d);
		qsort(lat2, nq, sizeof(*lat2), cmp_d);
		fprintf(stderr,
		    "queries %zu p50 %.0fus p99 %.0fus max %.0fus "
		    "rate %.0f/s\n",
		    nq, lat[nq / 2], lat[(nq * 99) / 100], lat[nq - 1],
		    total > 0 ? (double)nq / total : 0.0);
		fprintf(stderr,
		    "with authority and audit: p50 %.0fus p99 %.0fus "
		    "max %.0fus\n",
		    lat2[nq / 2], lat2[(nq * 99) / 100], lat2[nq - 1]);
	}
	free(lat);
	free(lat2);
	free(line);
	cs_buf_release(&b);
	if (f != stdin)
		fclose(f);
	return bad ? 1 : 0;
}

int
cmd_who(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"at", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"batch", required_argument, NULL, 'b'},
	    {"stats", no_argument, NULL, 's'},
	    {"case", required_argument, NULL, 'C'},
	    {"by", required_argument, NULL, 'B'},
	    {"config", required_argument, NULL, 'c'},
	    {"proto", required_argument, NULL, 'P'},
	    {"dst", required_argument, NULL, 'D'},
	    {"skew", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	struct cs_store *s;
	struct cs_buf b;
	struct lookup l;
	struct nat_query q;
	const char *at = NULL, *batch = NULL;
	int c, json = 0, stats = 0, rc;
	uint64_t v;

	dirs_default(&d);
	memset(&l, 0, sizeof(l));
	memset(&q, 0, sizeof(q));
	l.dirs = &d;
	l.kind = "who";
	q.skew = -1;
	q.port = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 't':
			at = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'b':
			batch = optarg;
			break;
		case 's':
			stats = 1;
			break;
		case 'C':
			l.case_id = optarg;
			break;
		case 'B':
			l.actor = optarg;
			break;
		case 'c':
			l.config = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "tcp") != 0 &&
			    strcmp(optarg, "udp") != 0) {
				fprintf(stderr,
				    "custos: who: --proto is tcp or "
				    "udp\n");
				return 2;
			}
			q.proto = optarg;
			break;
		case 'D':
			q.dst = optarg;
			break;
		case 'S':
			if (cs_parse_u64(cs_span_cstr(optarg), 0, 3600, &v) !=
			    CS_OK) {
				fprintf(stderr,
				    "custos: who: --skew wants "
				    "seconds (0..3600)\n");
				return 2;
			}
			q.skew = (int64_t)v;
			break;
		case 'h':
			who_usage(stdout);
			return 0;
		default:
			who_usage(stderr);
			return 2;
		}
	}
	if (batch) {
		s = open_store(&d, CS_STORE_RO);
		rc = who_batch(s, &l, &q, batch, json, stats);
		cs_store_close(s);
		return rc;
	}
	if (optind != argc - 1 || at == NULL) {
		fprintf(stderr, "custos: who: need ADDRESS and --at TIME\n\n");
		who_usage(stderr);
		return 2;
	}
	if (parse_addr_port(argv[optind], &q.addr, &q.port) != 0) {
		fprintf(stderr,
		    "custos: who: '%s' is not an IPv4/IPv6 address "
		    "(optionally with :PORT)\n",
		    argv[optind]);
		return 2;
	}
	q.t = parse_time_arg("--at", at);
	s = open_store(&d, CS_STORE_RO);
	cs_buf_init(&b, NULL, 0, 256 * 1024 * 1024);
	rc = answer_who(s, &l, argv[optind], &q, json, &b, NULL);
	if (rc == 0)
		fputs(b.data, stdout);
	if (cs_store_unreadable(s))
		fprintf(stderr,
		    "custos: who: %d day partitions could not be "
		    "read (their keys are gone)\n",
		    cs_store_unreadable(s));
	cs_buf_release(&b);
	cs_store_close(s);
	return rc;
}

static void
history_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos history SUBSCRIBER --from T1 --to T2 "
	    "[--case ID] [--by NAME]\n"
	    "                      [--data DIR] [--keys DIR] [--config FILE] "
	    "[--json]\n\n"
	    "The bindings (addresses held, when, evidence) and the SMTP "
	    "envelopes\n"
	    "of a subscriber between T1 and T2.  SUBSCRIBER is a user name (as "
	    "in\n"
	    "RADIUS User-Name or SASL) or a MAC address in any spelling.  Mail "
	    "is\n"
	    "matched by SASL user name, and by client address while the\n"
	    "subscriber held it (an IPv4 address, or any address inside a\n"
	    "framed or delegated IPv6 prefix of /48 or longer).  Times are\n"
	    "RFC 3339 with Z or an offset.\n"
	    "--case, --by and --config as for who: a subpoena's case sees no\n"
	    "mail and no verbatim records.\n\n"
	    "JSON: {\"query\":{\"subscriber\":..,\"from\":..,\"to\":..},\n"
	    "       \"bindings\":[match...], \"smtp\":[envelope...]}\n");
}

int
cmd_history(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"case", required_argument, NULL, 'C'},
	    {"by", required_argument, NULL, 'B'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	struct lookup l;
	struct cs_store *s;
	struct cs_hit *h;
	struct cs_mail *m = NULL;
	struct cs_errbuf eb = {""};
	struct cs_buf b;
	const char *from = NULL, *to = NULL, *sub;
	char ts[40], te[40];
	int c, json = 0, rc;
	size_t n, nm = 0, i;
	cs_time t1, t2;

	dirs_default(&d);
	memset(&l, 0, sizeof(l));
	l.dirs = &d;
	l.kind = "history";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'C':
			l.case_id = optarg;
			break;
		case 'B':
			l.actor = optarg;
			break;
		case 'c':
			l.config = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			history_usage(stdout);
			return 0;
		default:
			history_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || from == NULL || to == NULL) {
		fprintf(stderr,
		    "custos: history: need SUBSCRIBER, --from and "
		    "--to\n\n");
		history_usage(stderr);
		return 2;
	}
	sub = argv[optind];
	t1 = parse_time_arg("--from", from);
	t2 = parse_time_arg("--to", to);
	if (t2 <= t1) {
		fprintf(stderr, "custos: history: --to must be after --from\n");
		return 2;
	}
	snprintf(l.subject, sizeof(l.subject), "%s", sub);
	l.from = t1;
	l.to = t2;
	if ((rc = lookup_begin(&l)) != 0)
		return rc;
	s = open_store(&d, CS_STORE_RO);
	if (cs_store_history(s, sub, t1, t2, &h, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: history: %s\n", eb.msg);
		cs_store_close(s);
		lookup_end(&l, 0);
		return 1;
	}
	held_merge(&l, HELD_HISTORY, NULL, sub, t1, t2, &h, &n);
	if (l.cats & CAT_SMTP) {
		cs_store_mail(s, sub, h, n, t1, t2, &m, &nm);
		held_mail(&l, sub, t1, t2, &m, &nm);
	}
	cs_buf_init(&b, NULL, 0, 256 * 1024 * 1024);
	cs_time_format(t1, ts);
	cs_time_format(t2, te);
	if (json) {
		cs_buf_puts(&b, "{\"query\":{\"subscriber\":");
		cs_buf_json_str(&b, sub, strlen(sub));
		cs_buf_appendf(&b,
		    ",\"from\":\"%s\",\"to\":\"%s\"},"
		    "\"bindings\":[",
		    ts, te);
		for (i = 0; i < n; i++) {
			if (i)
				cs_buf_putc(&b, ',');
			match_out(&l, &h[i], 1, &b);
		}
		cs_buf_puts(&b, "],\"smtp\":[");
		for (i = 0; i < nm; i++)
			cs_buf_appendf(&b, "%s%s", i ? "," : "", m[i].json);
		cs_buf_puts(&b, "]}\n");
	} else {
		cs_buf_appendf(&b,
		    "%s from %s to %s: %zu binding%s, %zu mail "
		    "envelope%s\n",
		    sub, ts, te, n, n == 1 ? "" : "s", nm, nm == 1 ? "" : "s");
		for (i = 0; i < n; i++) {
			cs_buf_putc(&b, '\n');
			match_out(&l, &h[i], 0, &b);
		}
		for (i = 0; i < nm; i++)
			cs_buf_appendf(&b, "\n  mail %s\n", m[i].json);
	}
	fputs(b.data, stdout);
	if (cs_store_unreadable(s))
		fprintf(stderr,
		    "custos: history: %d day partitions could not "
		    "be read (their keys are gone)\n",
		    cs_store_unreadable(s));
	cs_buf_release(&b);
	lookup_end(&l, n + nm);
	cs_hits_free(h, n);
	cs_mail_free(m, nm);
	cs_store_close(s);
	return 0;
}

int
cmd_dump(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"by", required_argument, NULL, 'B'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	struct lookup l;
	struct cs_store *s;
	struct cs_hit *h;
	struct cs_mail *m = NULL;
	struct cs_buf b;
	size_t n, nm, i;
	int c, rc;

	dirs_default(&d);
	memset(&l, 0, sizeof(l));
	l.dirs = &d;
	l.kind = "dump";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'j':
			break;
		case 'B':
			l.actor = optarg;
			break;
		case 'c':
			l.config = optarg;
			break;
		case 'h':
			printf(
			    "usage: custos dump [--data DIR] [--keys DIR] "
			    "[--by NAME] [--config FILE] [--json]\n\n"
			    "Every binding, then every SMTP envelope, one JSON "
			    "object per line, in a\ncanonical order (start "
			    "time, "
			    "then key): for audits and for comparing\ntwo "
			    "stores. "
			    "It shows everything, so it is operator work: it "
			    "needs\n"
			    "allow_operator_lookups in the configuration and "
			    "is "
			    "audited.\n");
			return 0;
		default:
			return 2;
		}
	}
	snprintf(l.subject, sizeof(l.subject), "the whole store");
	l.from = 0;
	l.to = cs_time_now();
	if ((rc = lookup_begin(&l)) != 0)
		return rc;
	s = open_store(&d, CS_STORE_RO);
	cs_store_dump(s, &h, &n, &m, &nm);
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	for (i = 0; i < n; i++) {
		cs_buf_reset(&b);
		cs_buf_puts(&b, "{\"binding\":");
		hit_json(&h[i], &b, CAT_ALL);
		cs_buf_puts(&b, ",\"key\":");
		cs_buf_json_str(&b, h[i].b->key, strlen(h[i].b->key));
		cs_buf_puts(&b, "}\n");
		fputs(b.data, stdout);
	}
	for (i = 0; i < nm; i++)
		printf("{\"smtp\":%s}\n", m[i].json);
	if (cs_store_unreadable(s))
		fprintf(stderr,
		    "custos: dump: %d day partitions could not be "
		    "read (their keys are gone)\n",
		    cs_store_unreadable(s));
	cs_buf_release(&b);
	lookup_end(&l, n + nm);
	cs_hits_free(h, n);
	cs_mail_free(m, nm);
	cs_store_close(s);
	return 0;
}

int
cmd_quarantine(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	struct cs_store *s;
	struct cs_qrec *q;
	struct cs_buf b;
	size_t n, i;
	int c, json = 0;
	char day[16];

	dirs_default(&d);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			printf(
			    "usage: custos quarantine [--data DIR] [--keys "
			    "DIR] "
			    "[--json]\n\nThe records ingest rejected: file, "
			    "line, the field at fault, why,\nand the verbatim "
			    "record, sealed under the key of the day it was\n"
			    "quarantined of its source (the program that wrote "
			    "it, in a syslog\nfile): purged with that source's "
			    "day, null once that key is gone.\nJSON: one "
			    "object "
			    "per line {\"day\",\"source\",\"file\",\"line\",\n"
			    "\"field\",\"reason\",\"record\"}.\n");
			return 0;
		default:
			return 2;
		}
	}
	s = open_store(&d, CS_STORE_RO);
	cs_store_quarantined(s, &q, &n);
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	for (i = 0; i < n; i++) {
		cs_buf_reset(&b);
		cs_day_name(q[i].day, day);
		if (json) {
			cs_buf_appendf(&b,
			    "{\"day\":\"%s\",\"source\":\"%s\",\"file\":", day,
			    cs_class_name(q[i].cls));
			cs_buf_json_str(&b, q[i].file, strlen(q[i].file));
			cs_buf_appendf(&b,
			    ",\"line\":%lld,\"field\":", (long long)q[i].line);
			cs_buf_json_str(&b, q[i].field, strlen(q[i].field));
			cs_buf_puts(&b, ",\"reason\":");
			cs_buf_json_str(&b, q[i].reason, strlen(q[i].reason));
			cs_buf_puts(&b, ",\"record\":");
			if (q[i].raw)
				cs_buf_json_str(&b, q[i].raw, strlen(q[i].raw));
			else
				cs_buf_puts(&b, "null");
			cs_buf_puts(&b, "}\n");
		} else {
			cs_buf_appendf(&b,
			    "%s:%lld: %s: %s (quarantined %s, %s)\n", q[i].file,
			    (long long)q[i].line, q[i].field, q[i].reason, day,
			    cs_class_name(q[i].cls));
			if (q[i].raw)
				cs_buf_appendf(&b, "    | %s\n", q[i].raw);
		}
		fputs(b.data, stdout);
	}
	if (!json && n == 0)
		printf("no quarantined records\n");
	cs_buf_release(&b);
	cs_qrecs_free(q, n);
	cs_store_close(s);
	return 0;
}
