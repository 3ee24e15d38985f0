/* common - data/key directories, time arguments, rendering of matches */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/obs.h"
#include "util/log.h"

void
dirs_default(struct dirs *d)
{
	const char *e;

	e = getenv("CUSTOS_DATA");
	d->data = e && *e ? e : DEFAULT_DATA;
	e = getenv("CUSTOS_KEYS");
	d->keys = e && *e ? e : DEFAULT_KEYS;
}

struct cs_store *
open_store(const struct dirs *d, enum cs_store_mode mode)
{
	struct cs_store *s = NULL;
	struct cs_errbuf eb = {""};

	if (cs_store_open(d->data, d->keys, mode, &s, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		exit(1);
	}
	return s;
}

cs_time
parse_time_arg(const char *opt, const char *s)
{
	struct cs_errbuf eb = {""};
	cs_time t;

	if (cs_time_parse_rfc3339(cs_span_cstr(s), &t, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s '%s': %s\n", opt, s, eb.msg);
		exit(2);
	}
	return t;
}

static void
jfield(struct cs_buf *b, const char *name, const char *v, int *first)
{
	if (!*first)
		cs_buf_putc(b, ',');
	*first = 0;
	cs_buf_appendf(b, "\"%s\":", name);
	if (v)
		cs_buf_json_str(b, v, strlen(v));
	else
		cs_buf_puts(b, "null");
}

static const char *
nas_of(const struct cs_binding *b)
{
	if (b->f[CS_F_NAS_ID])
		return b->f[CS_F_NAS_ID];
	if (b->f[CS_F_NAS_IP])
		return b->f[CS_F_NAS_IP];
	return b->f[CS_F_NAS_KEY];
}

static const char *
known_name(enum cs_end_known k)
{
	return k == CS_END_OBSERVED ? "observed"
	    : k == CS_END_INFERRED  ? "inferred"
				    : "open";
}

void
hit_json(const struct cs_hit *h, struct cs_buf *b, unsigned cats)
{
	const struct cs_binding *x = h->b;
	char mac[CS_MAC_STRLEN], addr[CS_ADDR_STRLEN], ts[40];
	int first = 1, i, n = 0;

	cs_buf_puts(b, "{\"subscriber\":{");
	if (x->has_mac)
		cs_mac_format(x->mac, mac);
	jfield(b, "username", x->f[CS_F_USERNAME], &first);
	jfield(b, "mac", x->has_mac ? mac : NULL, &first);
	jfield(b, "circuit_id", x->f[CS_F_CIRCUIT], &first);
	jfield(b, "remote_id", x->f[CS_F_REMOTE], &first);
	jfield(b, "nas", nas_of(x), &first);
	jfield(b, "nas_ip", x->f[CS_F_NAS_IP], &first);
	jfield(b, "nas_port_id", x->f[CS_F_NAS_PORT], &first);
	jfield(b, "session_id", x->f[CS_F_SESSION], &first);
	jfield(b, "unique_session_id", x->f[CS_F_UNIQUE], &first);
	jfield(b, "hostname", x->f[CS_F_HOSTNAME], &first);
	jfield(b, "client_id", x->f[CS_F_CLIENT_ID], &first);
	jfield(b, "relay", x->f[CS_F_RELAY], &first);
	cs_buf_puts(b, "},");
	if (x->naddr) {
		cs_addr_format(&x->addr[h->addr_index], addr);
		cs_buf_appendf(b, "\"address\":\"%s\",", addr);
	} else {
		cs_buf_puts(b, "\"address\":null,");
	}
	cs_buf_puts(b, "\"addresses\":[");
	for (i = 0; i < x->naddr; i++) {
		cs_addr_format(&x->addr[i], addr);
		cs_buf_appendf(b, "%s\"%s\"", i ? "," : "", addr);
	}
	cs_time_format(x->start, ts);
	cs_buf_appendf(b, "],\"start\":\"%s\",", ts);
	if (h->end_known == CS_END_OPEN) {
		cs_buf_puts(b, "\"end\":null,");
	} else {
		cs_time_format(h->end, ts);
		cs_buf_appendf(b, "\"end\":\"%s\",", ts);
	}
	cs_buf_appendf(b, "\"end_known\":\"%s\",", known_name(h->end_known));
	/* the latest record: when an open binding was last confirmed */
	if (x->last_seen != CS_TIME_NONE) {
		cs_time_format(x->last_seen, ts);
		cs_buf_appendf(b, "\"last_seen\":\"%s\",", ts);
	} else {
		cs_buf_puts(b, "\"last_seen\":null,");
	}
	cs_buf_appendf(b, "\"source\":\"%s\",\"evidence\":[",
	    cs_src_name((enum cs_src)x->src));
	for (i = 0; i < CS_EV_MAX && (cats & CAT_EVIDENCE); i++) {
		int j;
		if (x->ev[i].t == CS_TIME_NONE)
			continue;
		for (j = 0; j < i; j++)
			if (x->ev[j].t != CS_TIME_NONE &&
			    strcmp(x->ev[j].raw, x->ev[i].raw) == 0)
				break;
		if (j < i)
			continue;
		if (n++)
			cs_buf_putc(b, ',');
		cs_buf_json_str(b, x->ev[i].raw, strlen(x->ev[i].raw));
	}
	cs_buf_puts(b, "]}");
}

void
hit_text(const struct cs_hit *h, struct cs_buf *b, unsigned cats)
{
	const struct cs_binding *x = h->b;
	char mac[CS_MAC_STRLEN], addr[CS_ADDR_STRLEN], ts[40], te[40];
	int i, j;

	cs_buf_appendf(b, "  subscriber  %s",
	    x->f[CS_F_USERNAME] ? x->f[CS_F_USERNAME] : "(no user name)");
	if (x->has_mac) {
		cs_mac_format(x->mac, mac);
		cs_buf_appendf(b, "  mac %s", mac);
	}
	if (x->f[CS_F_CIRCUIT])
		cs_buf_appendf(b, "  circuit %s", x->f[CS_F_CIRCUIT]);
	if (x->f[CS_F_REMOTE])
		cs_buf_appendf(b, "  remote-id %s", x->f[CS_F_REMOTE]);
	if (nas_of(x))
		cs_buf_appendf(b, "  nas %s", nas_of(x));
	if (x->f[CS_F_NAS_PORT])
		cs_buf_appendf(b, " port %s", x->f[CS_F_NAS_PORT]);
	if (x->f[CS_F_RELAY])
		cs_buf_appendf(b, "  via %s", x->f[CS_F_RELAY]);
	cs_buf_putc(b, '\n');
	cs_buf_puts(b, "  address    ");
	for (i = 0; i < x->naddr; i++) {
		cs_addr_format(&x->addr[i], addr);
		cs_buf_appendf(b, "%s%s", i ? ", " : "", addr);
	}
	cs_time_format(x->start, ts);
	if (h->end_known == CS_END_OPEN)
		snprintf(te, sizeof(te), "(still open)");
	else
		cs_time_format(h->end, te);
	cs_buf_appendf(b, "\n  held       %s .. %s  (end %s)  source %s\n", ts,
	    te, known_name(h->end_known), cs_src_name((enum cs_src)x->src));
	if (h->end_known == CS_END_OPEN && x->last_seen != CS_TIME_NONE) {
		cs_time_format(x->last_seen, te);
		cs_buf_appendf(b, "  last seen  %s (the latest record)\n", te);
	}
	if (!(cats & CAT_EVIDENCE))
		return;
	cs_buf_puts(b, "  evidence\n");
	for (i = 0; i < CS_EV_MAX; i++) {
		struct cs_span r, line;
		if (x->ev[i].t == CS_TIME_NONE)
			continue;
		for (j = 0; j < i; j++)
			if (x->ev[j].t != CS_TIME_NONE &&
			    strcmp(x->ev[j].raw, x->ev[i].raw) == 0)
				break;
		if (j < i)
			continue;
		if (j > 0)
			cs_buf_puts(b, "    |\n");
		r = cs_span_cstr(x->ev[i].raw);
		while (cs_span_token(&r, '\n', &line)) {
			cs_buf_appendf(
			    b, "    | %.*s\n", (int)line.len, line.p);
			if (r.p == NULL)
				break;
		}
	}
}
