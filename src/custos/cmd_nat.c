/*
 * cmd_nat - CGNAT attribution: who had PUBLIC_IP:PORT (who_nat, called by
 * `custos who`), deterministic mappings (`custos nat map add|list`).
 * and the IPFIX collector (`custos collect ipfix`).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "core/cfg.h"
#include "core/fold.h"
#include "core/nat.h"
#include "fmt/ipfix.h"
#include "util/xmalloc.h"

#define MAX_MAP_FILE (64u << 20)

static const char *
proto_name(int p)
{
	return p == 6  ? "tcp"
	    : p == 17  ? "udp"
	    : p == 1   ? "icmp"
	    : p == 132 ? "sctp"
		       : NULL;
}

static const char *
known_name(enum cs_end_known k)
{
	return k == CS_END_OBSERVED ? "observed"
	    : k == CS_END_INFERRED  ? "inferred"
				    : "open";
}

/* endpoint - "IP:PORT", "[V6]:PORT", or "IP" when port < 0 */
static void
endpoint(const struct cs_addr *a, int port, char *out, size_t n)
{
	char s[CS_ADDR_STRLEN];

	cs_addr_format(a, s);
	if (port < 0)
		snprintf(out, n, "%s", s);
	else if (a->family == 6)
		snprintf(out, n, "[%s]:%d", s, port);
	else
		snprintf(out, n, "%s:%d", s, port);
}

static void
public_of(const struct cs_nat_rec *r, char *out, size_t n)
{
	char s[CS_ADDR_STRLEN];

	if (r->port_lo == r->port_hi) {
		endpoint(&r->pub, r->port_lo, out, n);
		return;
	}
	cs_addr_format(&r->pub, s);
	snprintf(out, n, r->pub.family == 6 ? "[%s]:%d-%d" : "%s:%d-%d", s,
	    r->port_lo, r->port_hi);
}

/* parse_dst - "IP", "IP:PORT", "[V6]:PORT" */
static int
parse_dst(const char *s, struct cs_addr *a, int *port)
{
	struct cs_span sp = cs_span_cstr(s), host = sp;
	long c;
	uint64_t v;

	*port = -1;
	if (sp.len && sp.p[0] == '[') {
		if ((c = cs_span_chr(sp, ']')) < 0)
			return -1;
		host = cs_span_make(sp.p + 1, (size_t)c - 1);
		sp = cs_span_skip(sp, (size_t)c + 1);
		if (sp.len) {
			if (sp.p[0] != ':' ||
			    cs_parse_u64(cs_span_skip(sp, 1), 0, 65535, &v) !=
				CS_OK)
				return -1;
			*port = (int)v;
		}
	} else if ((c = cs_span_chr(sp, ':')) >= 0 &&
	    cs_span_chr(cs_span_skip(sp, (size_t)c + 1), ':') < 0) {
		host = cs_span_make(sp.p, (size_t)c);
		if (cs_parse_u64(
			cs_span_skip(sp, (size_t)c + 1), 0, 65535, &v) != CS_OK)
			return -1;
		*port = (int)v;
	}
	return cs_addr_parse(host, a) == CS_OK ? 0 : -1;
}

static int64_t
config_skew(const struct lookup *l)
{
	struct cs_config c;
	struct cs_errbuf eb = {""};

	cs_cfg_defaults(&c);
	if (cs_cfg_load(l->config, &c, &eb) != CS_OK)
		cs_cfg_defaults(&c);
	return (int64_t)c.nat_skew_seconds;
}

/* one answer: a NAT record and the inside binding it leads to */
struct match {
	const struct cs_nat_rec *r;
	struct cs_hit *h; /* borrowed from the hits of r; NULL: none */
};

static void
nat_json(struct cs_buf *b, const struct cs_nat_rec *r, unsigned cats)
{
	char pub[80], in[80], ts[40];
	const char *p = proto_name(r->proto);
	int i, n = 0;

	public_of(r, pub, sizeof(pub));
	endpoint(&r->inside, r->inside_port, in, sizeof(in));
	cs_buf_appendf(b,
	    "{\"kind\":\"%s\",\"public\":\"%s\",\"inside\":"
	    "\"%s\",\"proto\":",
	    cs_nat_kind_name(r->kind), pub, in);
	if (p)
		cs_buf_appendf(b, "\"%s\"", p);
	else if (r->proto)
		cs_buf_appendf(b, "%d", r->proto);
	else
		cs_buf_puts(b, "null");
	if (r->kind == CS_NAT_BLOCK && r->port_step > 1)
		cs_buf_appendf(b, ",\"port_step\":%d", r->port_step);
	if ((cats & CAT_DEST) && r->dst.family) {
		endpoint(&r->dst, r->dst_port, in, sizeof(in));
		cs_buf_appendf(b, ",\"destination\":\"%s\"", in);
	}
	cs_time_format(r->start, ts);
	cs_buf_appendf(b, ",\"start\":\"%s\",\"end\":", ts);
	if (r->end_known == CS_END_OPEN) {
		cs_buf_puts(b, "null");
	} else {
		cs_time_format(r->end, ts);
		cs_buf_appendf(b, "\"%s\"", ts);
	}
	cs_buf_appendf(b, ",\"end_known\":\"%s\",\"source\":\"%s\",\"link\":",
	    known_name(r->end_known), cs_src_name(r->src));
	cs_buf_json_str(
	    b, r->link ? r->link : "", r->link ? strlen(r->link) : 0);
	cs_buf_puts(b, ",\"evidence\":[");
	for (i = 0; i < CS_NAT_MAXEV && (cats & CAT_EVIDENCE); i++) {
		if (r->ev[i].t == CS_TIME_NONE || r->ev[i].raw == NULL)
			continue;
		if (n++)
			cs_buf_putc(b, ',');
		cs_buf_json_str(b, r->ev[i].raw, strlen(r->ev[i].raw));
	}
	cs_buf_puts(b, "]}");
}

/* subscriber_json - the "subscriber" object of hit_json's rendering */
static void
subscriber_json(struct cs_buf *b, const struct cs_hit *h, unsigned cats)
{
	struct cs_buf t;
	const char *start, *end;

	cs_buf_init(&t, NULL, 0, 64u << 20);
	hit_json(h, &t, cats);
	start = strstr(t.data, "{\"subscriber\":");
	/* no string in it holds an unescaped quote, so this ends the object */
	end = start ? strstr(start, "},\"address\":") : NULL;
	if (start && end) {
		start += strlen("{\"subscriber\":");
		cs_buf_append(b, start, (size_t)(end - start) + 1);
	} else {
		cs_buf_puts(b, "null");
	}
	cs_buf_release(&t);
}

static void
nat_text(struct cs_buf *b, const struct cs_nat_rec *r, unsigned cats)
{
	char pub[80], in[80], ts[40], te[40];
	const char *p = proto_name(r->proto);
	struct cs_span raw, line;
	int i, n = 0;

	public_of(r, pub, sizeof(pub));
	endpoint(&r->inside, r->inside_port, in, sizeof(in));
	cs_buf_appendf(b, "  nat         %s %s %s  inside %s",
	    cs_nat_kind_name(r->kind), pub, p ? p : "", in);
	if ((cats & CAT_DEST) && r->dst.family) {
		endpoint(&r->dst, r->dst_port, in, sizeof(in));
		cs_buf_appendf(b, "  destination %s", in);
	}
	cs_time_format(r->start, ts);
	if (r->end_known == CS_END_OPEN)
		snprintf(te, sizeof(te), "(still open)");
	else
		cs_time_format(r->end, te);
	cs_buf_appendf(b, "\n  translated  %s .. %s  (end %s)  source %s%s%s\n",
	    ts, te, known_name(r->end_known), cs_src_name(r->src),
	    r->link && *r->link ? "  id " : "", r->link ? r->link : "");
	if (!(cats & CAT_EVIDENCE))
		return;
	cs_buf_puts(b, "  nat evidence\n");
	for (i = 0; i < CS_NAT_MAXEV; i++) {
		if (r->ev[i].t == CS_TIME_NONE || r->ev[i].raw == NULL)
			continue;
		if (n++)
			cs_buf_puts(b, "    |\n");
		raw = cs_span_cstr(r->ev[i].raw);
		while (cs_span_token(&raw, '\n', &line))
			cs_buf_appendf(
			    b, "    | %.*s\n", (int)line.len, line.p);
	}
}

/* inside_at - the instant to ask the identity store about */
static cs_time
inside_at(const struct cs_nat_rec *r, cs_time t)
{
	if (t < r->start)
		return r->start;
	if (r->end_known != CS_END_OPEN && t >= r->end)
		return r->end > r->start ? r->end - 1 : r->start;
	return t;
}

long
who_nat(struct cs_store *s, const struct lookup *l, const struct nat_query *q,
    int json, struct cs_buf *out)
{
	struct cs_errbuf eb = {""};
	struct cs_nat_rec *r = NULL;
	struct cs_hit **hits;
	size_t n = 0, i, j, k, *nh, nm = 0, ninside = 0;
	struct match *m;
	struct cs_addr dst;
	int proto = 0, any = 0, dport = -1;
	int64_t skew = q->skew >= 0 ? q->skew : config_skew(l);
	char as[80], ts[40];

	if (q->proto)
		proto = strcmp(q->proto, "tcp") == 0 ? 6 : 17;
	memset(&dst, 0, sizeof(dst));
	if (q->dst && parse_dst(q->dst, &dst, &dport) != 0) {
		fprintf(stderr, "custos: who: --dst '%s' is not IP[:PORT]\n",
		    q->dst);
		return -1;
	}
	if (cs_nat_who(s, &q->addr, q->port, proto, q->t, skew, &r, &n, &any,
		&eb) != CS_OK) {
		fprintf(stderr, "custos: who: nat: %s\n", eb.msg);
		return -1;
	}
	if (!any && n == 0) {
		free(r);
		return -1;
	}
	/* --dst narrows to records with that destination (or none known) */
	if (q->dst) {
		for (i = k = 0; i < n; i++) {
			if (r[i].dst.family &&
			    (memcmp(&r[i].dst, &dst, sizeof(dst)) != 0 ||
				(dport >= 0 && r[i].dst_port >= 0 &&
				    r[i].dst_port != dport)))
				cs_nat_rec_clear(&r[i]);
			else
				r[k++] = r[i];
		}
		n = k;
	}
	hits = cs_xcalloc(n + 1, sizeof(*hits));
	nh = cs_xcalloc(n + 1, sizeof(*nh));
	m = cs_xcalloc(1, sizeof(*m));
	for (i = 0; i < n; i++) {
		if (cs_store_who(s, &r[i].inside, inside_at(&r[i], q->t),
			&hits[i], &nh[i], &eb) != CS_OK)
			nh[i] = 0;
		for (j = 0; j < (nh[i] ? nh[i] : 1); j++) {
			m = cs_xreallocarray(m, nm + 1, sizeof(*m));
			m[nm].r = &r[i];
			m[nm].h = nh[i] ? &hits[i][j] : NULL;
			nm++;
		}
		for (j = 0; j < i; j++)
			if (memcmp(&r[j].inside, &r[i].inside,
				sizeof(r[i].inside)) == 0)
				break;
		ninside += j == i;
	}
	endpoint(&q->addr, q->port, as, sizeof(as));
	cs_time_format(q->t, ts);
	if (json) {
		cs_addr_format(&q->addr, as);
		cs_buf_appendf(
		    out, "{\"query\":{\"address\":\"%s\",\"port\":", as);
		if (q->port >= 0)
			cs_buf_appendf(out, "%d", q->port);
		else
			cs_buf_puts(out, "null");
		cs_buf_appendf(out, ",\"at\":\"%s\",\"proto\":", ts);
		if (q->proto)
			cs_buf_appendf(out, "\"%s\"", q->proto);
		else
			cs_buf_puts(out, "null");
		cs_buf_puts(out, ",\"dst\":");
		if (q->dst)
			cs_buf_json_str(out, q->dst, strlen(q->dst));
		else
			cs_buf_puts(out, "null");
		cs_buf_appendf(
		    out, ",\"skew\":%lld},\"matches\":[", (long long)skew);
		for (i = 0; i < nm; i++) {
			cs_buf_puts(out, i ? ",{\"nat\":" : "{\"nat\":");
			nat_json(out, m[i].r, l->cats);
			cs_buf_puts(out, ",\"subscriber\":");
			if (m[i].h)
				subscriber_json(out, m[i].h, l->cats);
			else
				cs_buf_puts(out, "null");
			cs_buf_puts(out, ",\"binding\":");
			if (m[i].h)
				hit_json(m[i].h, out, l->cats);
			else
				cs_buf_puts(out, "null");
			if (ninside > 1)
				cs_buf_appendf(out,
				    ",\"why\":\"port reused "
				    "within the tolerance: %zu inside "
				    "addresses held it within %lld s of the "
				    "time\"",
				    ninside, (long long)skew);
			cs_buf_putc(out, '}');
		}
		cs_buf_puts(out, "]}\n");
	} else {
		cs_buf_appendf(out,
		    "%s%s%s at %s (within %lld s): %zu match%s\n", as,
		    q->proto ? " " : "", q->proto ? q->proto : "", ts,
		    (long long)skew, nm, nm == 1 ? "" : "es");
		if (ninside > 1)
			cs_buf_appendf(out,
			    "  note: the port was reused within "
			    "the tolerance: %zu inside addresses held it\n",
			    ninside);
		for (i = 0; i < nm; i++) {
			cs_buf_putc(out, '\n');
			nat_text(out, m[i].r, l->cats);
			if (m[i].h) {
				cs_buf_puts(out, "  inside binding\n");
				hit_text(m[i].h, out, l->cats);
			} else {
				cs_buf_puts(out,
				    "  inside binding  (none found"
				    " for the inside address at that time)\n");
			}
		}
	}
	for (i = 0; i < n; i++)
		cs_hits_free(hits[i], nh[i]);
	free(hits);
	free(nh);
	free(m);
	cs_nat_recs_free(r, n);
	return (long)nm;
}

/* ---- custos nat map add|list ---- */

static void
nat_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos nat map add FILE --from TIME [--to TIME] "
	    "[--data DIR] [--keys DIR]\n"
	    "       custos nat map list [--json] [--data DIR] [--keys DIR]\n\n"
	    "Deterministic NAT (RFC 7422): record which public address and "
	    "port\n"
	    "range each inside address was translated to, and the period the\n"
	    "mapping was in force, so that `custos who PUBLIC:PORT` can "
	    "answer\n"
	    "from the mapping with no per-session record.  FILE is an "
	    "nftables\n"
	    "rule set with `snat ip to ip saddr map { IN : PUB . LO-HI, ... "
	    "}`\n"
	    "or CSV lines `inside,public,lo,hi`.  A mapping added without "
	    "--to\n"
	    "ends the open mapping before it at its own --from.  The file is\n"
	    "kept verbatim, sealed, as the evidence.\n");
}

static int
map_add(const struct dirs *d, const char *file, cs_time from, cs_time to)
{
	struct cs_store *s;
	struct cs_errbuf eb = {""};
	FILE *f = fopen(file, "rb");
	char *text;
	size_t n;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "custos: nat map add: %s: cannot open\n", file);
		return 1;
	}
	text = cs_xmalloc(MAX_MAP_FILE + 1);
	n = fread(text, 1, MAX_MAP_FILE + 1, f);
	fclose(f);
	if (n > MAX_MAP_FILE) {
		fprintf(stderr, "custos: nat map add: %s: too large\n", file);
		free(text);
		return 1;
	}
	s = open_store(d, CS_STORE_RW);
	if (cs_nat_map_add(s, file, cs_span_make(text, n), from, to, &eb) !=
	    CS_OK) {
		fprintf(stderr, "custos: nat map add: %s: %s\n", file, eb.msg);
		rc = 1;
	}
	cs_store_close(s);
	free(text);
	return rc;
}

static int
map_list(const struct dirs *d, int json)
{
	struct cs_store *s = open_store(d, CS_STORE_RO);
	struct cs_errbuf eb = {""};
	struct cs_nat_map_info *m;
	size_t n, i;
	char a[40], b[40];

	if (cs_nat_map_list(s, &m, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: nat map list: %s\n", eb.msg);
		cs_store_close(s);
		return 1;
	}
	for (i = 0; i < n; i++) {
		cs_time_format(m[i].from, a);
		if (m[i].to != CS_TIME_NONE)
			cs_time_format(m[i].to, b);
		if (json) {
			printf("{\"id\":%lld,\"from\":\"%s\",\"to\":",
			    (long long)m[i].id, a);
			if (m[i].to != CS_TIME_NONE)
				printf("\"%s\"", b);
			else
				printf("null");
			printf(",\"entries\":%zu,\"readable\":%s,\"name\":",
			    m[i].nentries, m[i].text ? "true" : "false");
			{
				struct cs_buf j;
				cs_buf_init(&j, NULL, 0, 1u << 20);
				cs_buf_json_str(
				    &j, m[i].name, strlen(m[i].name));
				printf("%s}\n", j.data);
				cs_buf_release(&j);
			}
		} else {
			printf("%lld  %s .. %s  %zu entries  %s%s\n",
			    (long long)m[i].id, a,
			    m[i].to != CS_TIME_NONE ? b : "(in force)",
			    m[i].nentries, m[i].name,
			    m[i].text ? "" : "  (key destroyed)");
		}
	}
	cs_nat_map_infos_free(m, n);
	cs_store_close(s);
	return 0;
}

int
cmd_nat(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	const char *from = NULL, *to = NULL;
	int c, json = 0;

	dirs_default(&d);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
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
			nat_usage(stdout);
			return 0;
		default:
			nat_usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 2 && strcmp(argv[0], "map") == 0 &&
	    strcmp(argv[1], "list") == 0 && argc == 2)
		return map_list(&d, json);
	if (argc == 3 && strcmp(argv[0], "map") == 0 &&
	    strcmp(argv[1], "add") == 0) {
		if (from == NULL) {
			fprintf(stderr,
			    "custos: nat map add: --from TIME is "
			    "required\n");
			return 2;
		}
		return map_add(&d, argv[2], parse_time_arg("--from", from),
		    to ? parse_time_arg("--to", to) : CS_TIME_NONE);
	}
	nat_usage(stderr);
	return 2;
}

/* ---- custos collect ipfix ---- */

#define MAX_READ (1ull << 30) /* --read files are read whole */

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct collector {
	struct cs_store *s; /* borrowed */
	struct cs_fold *f;  /* borrowed */
	const char *name;   /* quarantine: where records came from */
	uint64_t nat, rejected, skipped, failed;
	struct cs_errbuf eb;
};

static void
co_obs(void *arg, const struct cs_obs *o)
{
	struct collector *c = arg;

	if (cs_fold_obs(c->f, o, &c->eb) == CS_OK)
		c->nat++;
	else
		c->failed++;
}

static void
co_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	struct collector *c = arg;
	static const uint8_t fp[32];

	c->rejected++;
	(void)cs_store_quarantine(
	    c->s, CS_CL_NAT, c->name, fp, line, field, reason, raw);
}

static void
co_skip(void *arg, const char *what)
{
	struct collector *c = arg;

	(void)what;
	c->skipped++;
}

static void
collect_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos collect ipfix --read FILE [--port N] "
	    "[--draft-exporter ADDR]...\n"
	    "       custos collect ipfix --listen ADDR:PORT "
	    "[--draft-exporter ADDR]...\n"
	    "       (both take --data DIR --keys DIR)\n\n"
	    "Decode IPFIX NAT events (RFC 8158: session create/delete, "
	    "address\n"
	    "binding, port block allocation) into the NAT store.  --read takes "
	    "a\n"
	    "classic pcap capture of an export (Ethernet, Linux cooked, raw "
	    "IP;\n"
	    "UDP to or from --port, any UDP by default) or a file of raw "
	    "IPFIX\n"
	    "messages.  --listen receives UDP from exporters and commits "
	    "every\n"
	    "second until SIGTERM or SIGINT.  --draft-exporter names an "
	    "exporter\n"
	    "that numbers natEvent as draft-ietf-behave-ipfix-nat-logging-02\n"
	    "(Juniper MX: 1/2 session, 12/13 address binding, 14/15 port "
	    "block);\n"
	    "others use the IANA numbering.  Templates are kept per exporter "
	    "and\n"
	    "observation domain; data that arrives before its template is "
	    "held\n"
	    "(bounded) until the template comes.\n");
}

static void
collect_report(const struct collector *c, const struct cs_ipfix_stats *st)
{
	fprintf(stderr,
	    "custos: collect: %llu messages, %llu records, "
	    "%llu NAT events stored; %llu templates (%llu withdrawn, %llu "
	    "options); %llu sets held for a template (%llu dropped); %llu "
	    "other events skipped; %llu rejected\n",
	    (unsigned long long)st->messages, (unsigned long long)st->records,
	    (unsigned long long)c->nat, (unsigned long long)st->templates,
	    (unsigned long long)st->withdrawn, (unsigned long long)st->options,
	    (unsigned long long)st->held, (unsigned long long)st->held_dropped,
	    (unsigned long long)c->skipped, (unsigned long long)c->rejected);
}

/* read_raw - a file of concatenated IPFIX messages */
static void
read_raw(struct cs_ipfix *x, const uint8_t *p, size_t n)
{
	struct cs_addr none;
	size_t off = 0;
	uint64_t msg = 0;

	memset(&none, 0, sizeof(none));
	while (n - off >= 16) {
		size_t len = (size_t)p[off + 2] << 8 | p[off + 3];
		if (len < 16 || len > n - off)
			len = n - off; /* the decoder reports it */
		(void)cs_ipfix_message(x, &none, p + off, len, ++msg);
		off += len;
	}
}

static int
collect_read(
    struct collector *c, struct cs_ipfix *x, const char *path, int port)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	size_t n = 0, cap = 1 << 20, k;
	struct cs_errbuf eb = {""};

	if (fp == NULL) {
		fprintf(stderr, "custos: collect: %s: cannot open\n", path);
		return 1;
	}
	buf = cs_xmalloc(cap);
	while ((k = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += k;
		if (n == cap) {
			if (cap >= MAX_READ) {
				fprintf(stderr,
				    "custos: collect: %s: larger "
				    "than 1 GiB\n",
				    path);
				fclose(fp);
				free(buf);
				return 1;
			}
			cap *= 2;
			buf = cs_xreallocarray(buf, cap, 1);
		}
	}
	fclose(fp);
	if (n >= 2 && buf[0] == 0 && buf[1] == 10)
		read_raw(x, buf, n);
	else if (cs_ipfix_pcap(x, buf, n, port, &eb) != CS_OK) {
		fprintf(stderr, "custos: collect: %s: %s\n", path, eb.msg);
		free(buf);
		return 1;
	}
	free(buf);
	return 0;
}

static int
collect_listen(struct collector *c, struct cs_ipfix *x, const char *spec)
{
	struct cs_addr a;
	int port = -1, fd, rc = 0;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct pollfd pfd;
	uint8_t *buf = cs_xmalloc(65536);
	struct timespec last, now;
	uint64_t msg = 0;
	struct sigaction sa;

	if (parse_dst(spec, &a, &port) != 0 || port < 0) {
		fprintf(stderr, "custos: collect: --listen wants ADDR:PORT\n");
		free(buf);
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	if (a.family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, a.a, 4);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		memcpy(&in6->sin6_addr, a.a, 16);
		sl = sizeof(*in6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		fprintf(
		    stderr, "custos: collect: %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(buf);
		return 1;
	}
	{
		int sz = 8 << 20;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "custos: collect: listening on %s\n", spec);
	clock_gettime(CLOCK_MONOTONIC, &last);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop_flag) {
		int r = poll(&pfd, 1, 200);
		if (r > 0) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t got = recvfrom(fd, buf, 65536, MSG_DONTWAIT,
			    (struct sockaddr *)&from, &fl);
			if (got > 0) {
				struct cs_addr ex;
				memset(&ex, 0, sizeof(ex));
				if (from.ss_family == AF_INET) {
					ex.family = 4;
					ex.plen = 32;
					memcpy(ex.a,
					    &((struct sockaddr_in *)&from)
						 ->sin_addr,
					    4);
				} else if (from.ss_family == AF_INET6) {
					ex.family = 6;
					ex.plen = 128;
					memcpy(ex.a,
					    &((struct sockaddr_in6 *)&from)
						 ->sin6_addr,
					    16);
				}
				(void)cs_ipfix_message(
				    x, &ex, buf, (size_t)got, ++msg);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			struct cs_errbuf eb = {""};
			last = now;
			if (cs_fold_checkpoint(c->f, &eb) != CS_OK) {
				fprintf(
				    stderr, "custos: collect: %s\n", eb.msg);
				rc = 1;
				break;
			}
		}
	}
	close(fd);
	free(buf);
	return rc;
}

int
cmd_collect(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"read", required_argument, NULL, 'r'},
	    {"listen", required_argument, NULL, 'l'},
	    {"port", required_argument, NULL, 'p'},
	    {"draft-exporter", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dirs d;
	const char *rd = NULL, *listen_on = NULL;
	struct cs_addr drafts[CS_IPFIX_MAXDRAFT];
	size_t ndraft = 0, i;
	struct collector c;
	struct cs_sink sink = {&c, co_obs, co_reject, co_skip};
	struct cs_ipfix *x;
	struct cs_errbuf eb = {""};
	uint64_t v;
	int ch, port = 0, rc;

	dirs_default(&d);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'r':
			rd = optarg;
			break;
		case 'l':
			listen_on = optarg;
			break;
		case 'p':
			if (cs_parse_u64(cs_span_cstr(optarg), 1, 65535, &v) !=
			    CS_OK) {
				fprintf(stderr,
				    "custos: collect: --port wants "
				    "1..65535\n");
				return 2;
			}
			port = (int)v;
			break;
		case 'D':
			if (ndraft == CS_IPFIX_MAXDRAFT ||
			    cs_addr_parse(cs_span_cstr(optarg),
				&drafts[ndraft]) != CS_OK) {
				fprintf(stderr,
				    "custos: collect: "
				    "--draft-exporter wants an address\n");
				return 2;
			}
			ndraft++;
			break;
		case 'h':
			collect_usage(stdout);
			return 0;
		default:
			collect_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "ipfix") != 0 ||
	    (rd == NULL) == (listen_on == NULL)) {
		collect_usage(stderr);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.s = open_store(&d, CS_STORE_RW);
	c.f = cs_fold_new(c.s);
	c.name = rd ? rd : listen_on;
	x = cs_ipfix_new(&sink);
	for (i = 0; i < ndraft; i++)
		cs_ipfix_draft_numbering(x, &drafts[i]);
	rc = rd ? collect_read(&c, x, rd, port)
		: collect_listen(&c, x, listen_on);
	if (cs_fold_checkpoint(c.f, &eb) != CS_OK) {
		fprintf(stderr, "custos: collect: %s\n", eb.msg);
		rc = 1;
	}
	collect_report(&c, cs_ipfix_stats(x));
	cs_ipfix_free(x);
	cs_fold_free(c.f);
	cs_store_close(c.s);
	return rc;
}
