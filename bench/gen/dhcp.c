/*
 * dhcp - IPoE subscribers on ISC dhcpd 4.4 (Debian 12 /var/log/syslog,
 * spec/log-formats.md 2.2) and on Kea 2.2 (memfile lease CSV, 2.4).
 *
 * A client comes online (DORA, or a bare REQUEST/ACK when it remembers
 * its lease), renews at half the lease time, and goes away either with a
 * DHCPRELEASE or silently; a silent client's lease ends at its last ACK
 * plus the lease time, and nothing is logged then.  dhcpd hands out the
 * least recently freed address and remembers a client's last address;
 * Kea's iterative allocator walks the pool.  dhcpd runs the CALEA-style
 * `on commit` hook of samples/dhcp/isc/dhcpd.conf (LEASE-COMMIT lines)
 * but no `on release`/`on expiry` hooks, so expiry stays silent.
 */
#include <stdlib.h>

#include "gen.h"

#define SERVER_ID "192.0.2.67"

static int64_t
online_time(const struct gen *g, struct sub *s)
{
	int64_t L = g->lease, d;
	uint64_t u = rng_below(&s->rng, 1000);

	if (g->profile == PROF_HOTSPOT) {
		if (u < 850) /* gone before the first renewal */
			d = rng_logu(&s->rng, L * 3 / 100, L * 45 / 100);
		else
			d = rng_logu(&s->rng, L / 2, 2 * L);
	} else if (u < 350) {
		d = rng_logu(&s->rng, L / 10, L);
	} else if (u < 800) {
		d = rng_logu(&s->rng, L, 6 * L);
	} else {
		d = rng_logu(&s->rng, 6 * L, 48 * L);
	}
	return d < 30 ? 30 : d;
}

static int64_t
offline_time(const struct gen *g, struct sub *s)
{
	int64_t L = g->lease;
	uint64_t u = rng_below(&s->rng, 1000);

	if (g->profile == PROF_HOTSPOT)
		return rng_logu(&s->rng, L / 10 + 1, L * 3 / 2 + 2);
	if (u < 300)
		return rng_range(&s->rng, 60, 600);
	if (u < 800)
		return rng_logu(&s->rng, L / 4 + 1, 2 * L + 2);
	return rng_logu(&s->rng, 2 * L, 12 * L);
}

static struct pool *
pool_of(struct gen *g, const struct sub *s)
{
	return s->kind == K_KEA ? &g->kea_pool : &g->dhcpd_pool;
}

static uint32_t
giaddr(const struct gen *g, const struct sub *s)
{
	const struct pool *p = s->kind == K_KEA ? &g->kea_pool : &g->dhcpd_pool;

	return CGN_BASE + (p->first_block + s->relay) * 256 + 1;
}

static void
mac_text(const struct sub *s, char mac[static 18])
{
	fmt_mac(mac, s->mac);
}

static const char *
src_name(const struct sub *s)
{
	return s->kind == K_KEA ? "kea" : "dhcpd";
}

static void
pre_lease(struct gen *g, struct sub *s, const char *ev, int64_t t)
{
	char ip[16], mac[18];

	fmt_ip4(ip, pool_ip(pool_of(g, s), (uint32_t)s->addr));
	mac_text(s, mac);
	pre_row(g, src_name(s), ev, t, ip, "", mac, "");
}

static void
holding_row(struct gen *g, struct sub *s, int64_t end_us)
{
	char ip[16], mac[18];

	fmt_ip4(ip, pool_ip(pool_of(g, s), (uint32_t)s->addr));
	mac_text(s, mac);
	truth_row(g, src_name(s), ip, s->start_us, end_us, "", mac);
}

/* ---- dhcpd syslog lines ---- */

/* via - " (hostname) via X" or " via X" */
static void
via(struct gen *g, const struct sub *s, int with_host)
{
	struct out *o = &g->syslog;
	char host[64];

	if (with_host && (s->flags & F_HOSTNAME)) {
		sub_hostname(s, host, sizeof(host));
		OUT_LIT(o, " (");
		out_str(o, host);
		out_c(o, ')');
	}
	OUT_LIT(o, " via ");
	if (s->flags & F_RELAYED)
		out_ip4(o, giaddr(g, s));
	else
		OUT_LIT(o, "eth1");
}

static int
dline(struct gen *g, int64_t t, const char *msg)
{
	int us = syslog_stamp(g, t);

	syslog_head(g, t, us, "dhcpd", g->dhcpd_pid);
	out_str(&g->syslog, msg);
	return us;
}

static void
discover(struct gen *g, struct sub *s, int64_t t)
{
	struct out *o = &g->syslog;

	dline(g, t, "DHCPDISCOVER from ");
	out_mac(o, s->mac, ':');
	via(g, s, 0);
	out_end(o);
}

static void
offer(struct gen *g, struct sub *s, int64_t t, uint32_t ip)
{
	struct out *o = &g->syslog;

	dline(g, t, "DHCPOFFER on ");
	out_ip4(o, ip);
	OUT_LIT(o, " to ");
	out_mac(o, s->mac, ':');
	via(g, s, 1);
	out_end(o);
}

static void
commit(struct gen *g, struct sub *s, int64_t t, uint32_t ip)
{
	struct out *o = &g->syslog;
	char buf[64];

	if (g->profile == PROF_HOTSPOT)
		return; /* a hotspot runs dhcpd without the hook */
	dline(g, t, "LEASE-COMMIT ip=");
	out_ip4(o, ip);
	OUT_LIT(o, " mac=");
	out_mac_isc(o, s->mac);
	OUT_LIT(o, " lease=");
	out_u64(o, (uint64_t)g->lease);
	OUT_LIT(o, " circuit-id=");
	if (s->flags & F_RELAYED) {
		sub_circuit(s, buf, sizeof(buf));
		out_str(o, buf);
		OUT_LIT(o, " remote-id=");
		sub_remote(s, buf, sizeof(buf));
		/* binary-to-ascii(16, 8, ":") of the remote-id octets */
		for (size_t i = 0; buf[i] != '\0'; i++) {
			if (i > 0)
				out_c(o, ':');
			out_hex(o, (unsigned char)buf[i], 0, 0);
		}
	} else {
		OUT_LIT(o, "none remote-id=none");
	}
	OUT_LIT(o, " hostname=");
	if (s->flags & F_HOSTNAME) {
		sub_hostname(s, buf, sizeof(buf));
		out_str(o, buf);
	} else {
		OUT_LIT(o, "none");
	}
	out_end(o);
}

/* request - "DHCPREQUEST for IP [(server-id)] from MAC (host) via X" */
static void
request(struct gen *g, struct sub *s, int64_t t, uint32_t ip, int server_id)
{
	struct out *o = &g->syslog;

	dline(g, t, "DHCPREQUEST for ");
	out_ip4(o, ip);
	if (server_id)
		OUT_LIT(o, " (" SERVER_ID ")");
	OUT_LIT(o, " from ");
	out_mac(o, s->mac, ':');
	via(g, s, 1);
	out_end(o);
}

/* ack - the DHCPACK; returns its time in µs */
static int64_t
ack(struct gen *g, struct sub *s, int64_t t, uint32_t ip)
{
	struct out *o = &g->syslog;
	int us = dline(g, t, "DHCPACK on ");

	out_ip4(o, ip);
	OUT_LIT(o, " to ");
	out_mac(o, s->mac, ':');
	via(g, s, 1);
	out_end(o);
	return t * US + us;
}

static void
nak(struct gen *g, struct sub *s, int64_t t, uint32_t ip, int foreign)
{
	struct out *o = &g->syslog;

	dline(g, t, "DHCPREQUEST for ");
	out_ip4(o, ip);
	OUT_LIT(o, " from ");
	out_mac(o, s->mac, ':');
	via(g, s, 0);
	if (foreign) {
		OUT_LIT(o, ": wrong network.");
	} else {
		OUT_LIT(o, ": lease ");
		out_ip4(o, ip);
		OUT_LIT(o, " unavailable.");
	}
	out_end(o);
	dline(g, t, "DHCPNAK on ");
	out_ip4(o, ip);
	OUT_LIT(o, " to ");
	out_mac(o, s->mac, ':');
	via(g, s, 0);
	out_end(o);
}

static int64_t
renew_lines(struct gen *g, struct sub *s, int64_t t, uint32_t ip)
{
	commit(g, s, t, ip);
	request(g, s, t, ip, 0);
	return ack(g, s, t, ip);
}

/* ---- Kea lease rows ---- */

static void
kea_row(struct gen *g, struct sub *s, int64_t valid, int64_t expire, int st)
{
	struct out *o = &g->kea;
	char buf[64], rid[64];
	size_t n, m, i;

	if (!g->w_kea)
		return;
	out_ip4(o, pool_ip(&g->kea_pool, (uint32_t)s->addr));
	out_c(o, ',');
	out_mac(o, s->mac, ':');
	out_c(o, ',');
	if (s->flags & F_CLIENTID) {
		OUT_LIT(o, "01:");
		out_mac(o, s->mac, ':');
	}
	out_c(o, ',');
	out_u64(o, (uint64_t)valid);
	out_c(o, ',');
	out_u64(o, (uint64_t)expire);
	out_c(o, ',');
	out_u64(o, (s->flags & F_RELAYED) ? 2u + s->relay : 1u);
	OUT_LIT(o, ",0,0,");
	if (s->flags & F_HOSTNAME) {
		sub_hostname(s, buf, sizeof(buf));
		out_str(o, buf);
	}
	out_c(o, ',');
	out_u64(o, (uint64_t)st);
	out_c(o, ',');
	if (s->flags & F_RELAYED) {
		/* option 82: sub-option 1 circuit-id, 2 remote-id, hex */
		sub_circuit(s, buf, sizeof(buf));
		sub_remote(s, rid, sizeof(rid));
		n = strlen(buf);
		m = strlen(rid);
		OUT_LIT(o, "{ \"ISC\": { \"relay-agent-info\": \"0x01");
		out_hex(o, n, 2, 1);
		for (i = 0; i < n; i++)
			out_hex(o, (unsigned char)buf[i], 2, 1);
		OUT_LIT(o, "02");
		out_hex(o, m, 2, 1);
		for (i = 0; i < m; i++)
			out_hex(o, (unsigned char)rid[i], 2, 1);
		OUT_LIT(o, "\" } }");
	}
	out_end(o);
}

/* ---- the client's life ---- */

void
dhcp_init(struct gen *g, struct sub *s)
{
	int64_t first;

	s->addr = s->prev = -1;
	s->state = ST_OFF;
	if (s->flags & F_HADLEASE)
		first = g->t0 + rng_range(&s->rng, 1, g->lease / 2);
	else
		first = g->t0 + rng_range(&s->rng, 1, 6 * 3600);
	wheel_at(&g->w, node_main(g, s), first, EV_DHCP_CONNECT);
}

static void
schedule_next(struct gen *g, struct sub *s, int64_t t)
{
	int64_t r = t + g->lease / 2;

	if (r < s->end_plan)
		wheel_at(&g->w, node_main(g, s), r, EV_DHCP_RENEW);
	else
		wheel_at(&g->w, node_main(g, s), s->end_plan, EV_DHCP_END);
}

static void
dhcpd_connect(struct gen *g, struct sub *s, int64_t t)
{
	struct pool *p = &g->dhcpd_pool;
	int32_t idx, me = (int32_t)(s - g->subs);
	int dora = 1, w = g->w_dhcpd;
	uint32_t ip;

	if (w && rng_chance(&s->rng, 10))
		nak(g, s, t, 0xc0a80100u + (uint32_t)rng_range(&s->rng, 2, 250),
		    1);
	if (s->flags & F_HADLEASE) {
		/* a lease from before the logs: the client just renews it */
		s->flags &= (uint16_t)~F_HADLEASE;
		dora = 0;
		idx = pool_take(p, -1, me);
	} else if (s->prev >= 0 && p->holder[s->prev] == -1) {
		idx = pool_take(p, s->prev, me);
		dora = rng_chance(&s->rng, 500); /* else INIT-REBOOT */
	} else {
		if (s->prev >= 0 && w && rng_chance(&s->rng, 600))
			nak(g, s, t, pool_ip(p, (uint32_t)s->prev), 0);
		idx = pool_take(p, -1, me);
	}
	if (idx < 0) {
		if (w) {
			dline(g, t, "DHCPDISCOVER from ");
			out_mac(&g->syslog, s->mac, ':');
			via(g, s, 0);
			OUT_LIT(&g->syslog, ": network eth1: no free leases");
			out_end(&g->syslog);
		}
		wheel_at(&g->w, node_main(g, s), t + 300, EV_DHCP_CONNECT);
		return;
	}
	s->addr = s->prev = idx;
	ip = pool_ip(p, (uint32_t)idx);
	if (w) {
		if (dora) {
			discover(g, s, t);
			offer(g, s, t, ip);
		}
		commit(g, s, t, ip);
		request(g, s, t, ip, dora);
		s->last_us = ack(g, s, t, ip);
	} else {
		s->last_us = t * US;
	}
	s->start_us = s->last_us;
	s->state = ST_ON;
	s->end_plan = t + online_time(g, s);
	pre_lease(g, s, "ack", t);
	schedule_next(g, s, t);
}

static void
kea_connect(struct gen *g, struct sub *s, int64_t t)
{
	struct pool *p = &g->kea_pool;
	int32_t idx, me = (int32_t)(s - g->subs), want = -1;

	/*
	 * Kea deletes a reclaimed lease after hold-reclaimed-time (1 h):
	 * a client back later gets the next address of the iterator.
	 */
	s->flags &= (uint16_t)~F_HADLEASE;
	if (s->prev >= 0 && p->holder[s->prev] == -1 && t - s->off_since < 3600)
		want = s->prev;
	idx = pool_take(p, want, me);
	if (idx < 0) {
		wheel_at(&g->w, node_main(g, s), t + 300, EV_DHCP_CONNECT);
		return;
	}
	s->addr = s->prev = idx;
	s->last_us = s->start_us = t * US;
	s->state = ST_ON;
	s->end_plan = t + online_time(g, s);
	kea_row(g, s, g->lease, t + g->lease, 0);
	pre_lease(g, s, "alloc", t);
	schedule_next(g, s, t);
}

static void
renew(struct gen *g, struct sub *s, int64_t t)
{
	if (s->kind == K_KEA) {
		s->last_us = t * US;
		kea_row(g, s, g->lease, t + g->lease, 0);
	} else if (g->w_dhcpd) {
		s->last_us = renew_lines(
		    g, s, t, pool_ip(&g->dhcpd_pool, (uint32_t)s->addr));
	} else {
		s->last_us = t * US;
	}
	pre_lease(g, s, "renew", t);
	schedule_next(g, s, t);
}

static void
go_offline(struct gen *g, struct sub *s, int64_t t, int64_t end_us)
{
	holding_row(g, s, end_us);
	pool_free(pool_of(g, s), s->addr);
	s->addr = -1;
	s->state = ST_OFF;
	s->off_since = t;
	wheel_at(
	    &g->w, node_main(g, s), t + offline_time(g, s), EV_DHCP_CONNECT);
}

static void
end_online(struct gen *g, struct sub *s, int64_t t)
{
	struct out *o = &g->syslog;
	unsigned release = g->profile == PROF_HOTSPOT ? 350 : 450;
	int64_t end_us = t * US, exp_us;

	if (rng_chance(&s->rng, release)) {
		if (s->kind == K_KEA) {
			/* Kea keeps the old cltt: expire = cltt, lifetime 0 */
			kea_row(g, s, 0, s->last_us / US, 0);
		} else if (g->w_dhcpd) {
			end_us = t * US + dline(g, t, "DHCPRELEASE of ");
			out_ip4(o, pool_ip(&g->dhcpd_pool, (uint32_t)s->addr));
			OUT_LIT(o, " from ");
			out_mac(o, s->mac, ':');
			via(g, s, 1);
			OUT_LIT(o, " (found)");
			out_end(o);
		}
		pre_lease(g, s, "release", t);
		go_offline(g, s, t, end_us);
		return;
	}
	/* vanish: the lease runs out at the last ACK plus the lease time */
	s->state = ST_EXPIRING;
	exp_us = s->last_us + g->lease * US;
	if (s->kind == K_KEA) /* reclaimed by the next reclaim timer run */
		t = exp_us / US + rng_range(&s->rng, 0, 10);
	else
		t = (exp_us + US - 1) / US;
	wheel_at(&g->w, node_main(g, s), t, EV_DHCP_EXPIRE);
}

static void
expire(struct gen *g, struct sub *s, int64_t t)
{
	int64_t exp_us = s->last_us + g->lease * US;

	if (s->kind == K_KEA) {
		kea_row(g, s, g->lease, exp_us / US, 2);
		pre_lease(g, s, "expire", t);
	}
	go_offline(g, s, t, exp_us);
}

void
dhcp_event(struct gen *g, struct sub *s, int ev, int64_t t)
{
	switch (ev) {
	case EV_DHCP_CONNECT:
		if (s->kind == K_KEA)
			kea_connect(g, s, t);
		else
			dhcpd_connect(g, s, t);
		break;
	case EV_DHCP_RENEW:
		renew(g, s, t);
		break;
	case EV_DHCP_END:
		end_online(g, s, t);
		break;
	case EV_DHCP_EXPIRE:
		expire(g, s, t);
		break;
	default:
		break;
	}
}

void
dhcp_finish(struct gen *g, struct sub *s)
{
	if (s->state != ST_OFF)
		holding_row(g, s, -1);
}

void
dhcpd_banner(struct gen *g, int64_t t)
{
	static const char *const lines[] = {
	    "Internet Systems Consortium DHCP Server 4.4.3-P1",
	    "Copyright 2004-2022 Internet Systems Consortium.",
	    "All rights reserved.",
	    "For info, please visit https://www.isc.org/software/dhcp/",
	    "Config file: /etc/dhcp/dhcpd.conf",
	    "Database file: /var/lib/dhcp/dhcpd.leases",
	    "PID file: /var/run/dhcpd.pid",
	    "Wrote 0 leases to leases file.",
	    "Listening on LPF/eth1/52:54:00:3a:91:07/100.64.0.0/10",
	    "Sending on   LPF/eth1/52:54:00:3a:91:07/100.64.0.0/10",
	    "Sending on   Socket/fallback/fallback-net",
	    "Server starting service.",
	};
	struct out *o = &g->syslog;
	size_t i;

	syslog_head(g, t, syslog_stamp(g, t), "systemd", 1);
	OUT_LIT(o, "Starting isc-dhcp-server.service - LSB: DHCP server...");
	out_end(o);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		dline(g, t, lines[i]);
		out_end(o);
	}
	syslog_head(g, t, syslog_stamp(g, t), "systemd", 1);
	OUT_LIT(o, "Started isc-dhcp-server.service - LSB: DHCP server.");
	out_end(o);
}
