/*
 * radius - PPPoE subscribers on three BNGs, written as FreeRADIUS 3.2
 * detail files (spec/log-formats.md 1.2-1.3): a ctime header in the
 * server's zone, TAB-indented attributes in packet order, Event-Timestamp
 * as a date string with the zone abbreviation, Timestamp as an epoch.
 * One file per local day, radius/detail-YYYYMMDD, named after the day the
 * record was written.
 *
 * The event time of a record (Event-Timestamp) is when the NAS saw it
 * happen; the write time (header, Timestamp) is later by Acct-Delay-Time.
 * Records are written in write-time order, so a delayed Stop may follow
 * the next holder's Start of the same address, as on a real server.
 */
#include <stdlib.h>

#include "gen.h"

static const char *const causes[] = {"User-Request", "Lost-Carrier",
    "Idle-Timeout", "Session-Timeout", "Port-Error", "NAS-Request",
    "Admin-Reset", "Lost-Service"};
static const unsigned cause_weight[] = {350, 250, 100, 100, 50, 50, 50, 50};

static int64_t
ppp_duration(struct sub *s)
{
	uint64_t u = rng_below(&s->rng, 1000);

	if (u < 350)
		return rng_logu(&s->rng, 300, 4 * 3600);
	if (u < 750)
		return rng_logu(&s->rng, 4 * 3600, 2 * 86400);
	return rng_logu(&s->rng, 2 * 86400, 12 * 86400);
}

static int64_t
ppp_gap(struct sub *s)
{
	uint64_t u = rng_below(&s->rng, 1000);

	if (u < 300)
		return rng_range(&s->rng, 30, 120);
	if (u < 800)
		return rng_logu(&s->rng, 120, 8 * 3600);
	return rng_logu(&s->rng, 8 * 3600, 3 * 86400);
}

static uint8_t
pick_cause(struct sub *s)
{
	uint64_t u = rng_below(&s->rng, 1000);
	unsigned i, acc = 0;

	for (i = 0; i < sizeof(cause_weight) / sizeof(cause_weight[0]); i++) {
		acc += cause_weight[i];
		if (u < acc)
			return (uint8_t)i;
	}
	return 0;
}

static uint32_t
sess_ip(const struct gen *g, const struct sub *s)
{
	if (s->flags & F_STATIC)
		return pool_ip(&g->ppp_fix, s->fixidx);
	return pool_ip(&g->ppp_dyn, (uint32_t)s->prev);
}

/* detail_open - make the open detail file the one of t's local day */
static struct out *
detail_open(struct gen *g, int64_t t)
{
	struct ltime lt;
	char path[4200];
	int day;

	tz_local(t, &lt);
	day = lt.year * 10000 + lt.mon * 100 + lt.day;
	if (day == g->detail_day)
		return &g->detail;
	detail_finish(g);
	snprintf(path, sizeof(path), "%s/radius/detail-%08d", g->outdir, day);
	if (out_open(&g->detail, path) != 0) {
		fprintf(stderr, "custos-gen: %s: cannot create\n", path);
		exit(1);
	}
	g->detail_day = day;
	g->ndetail++;
	return &g->detail;
}

void
detail_finish(struct gen *g)
{
	if (g->detail.f == NULL)
		return;
	g->detail_records += g->detail.records;
	out_drain(&g->detail);
	g->detail_bytes += g->detail.bytes;
	if (out_close(&g->detail) != 0) {
		fprintf(
		    stderr, "custos-gen: %s: write failed\n", g->detail.path);
		exit(1);
	}
	g->detail_day = 0;
}

static void
attr(struct out *o, const char *name)
{
	out_c(o, '\t');
	out_str(o, name);
	OUT_LIT(o, " = ");
}

static void
uniq_hex(struct out *o, const uint64_t u[2])
{
	out_hex(o, u[0], 16, 0);
	out_hex(o, u[1], 16, 0);
}

static void
record_tail(struct out *o, int64_t te, int64_t now, const uint64_t uniq[2])
{
	struct ltime lt;

	tz_local(te, &lt);
	attr(o, "Event-Timestamp");
	out_c(o, '"');
	out_evts(o, &lt);
	out_c(o, '"');
	out_c(o, '\n');
	attr(o, "Acct-Delay-Time");
	out_u64(o, (uint64_t)(now - te));
	out_c(o, '\n');
	attr(o, "Acct-Unique-Session-Id");
	out_c(o, '"');
	uniq_hex(o, uniq);
	OUT_LIT(o, "\"\n");
	attr(o, "Timestamp");
	out_u64(o, (uint64_t)now);
	OUT_LIT(o, "\n\n");
	o->records++;
}

static void
counters(struct out *o, const struct sub *s, int64_t secs)
{
	uint64_t in = (uint64_t)s->rate_up * (uint64_t)secs;
	uint64_t outb = (uint64_t)s->rate_down * (uint64_t)secs;

	attr(o, "Acct-Session-Time");
	out_u64(o, (uint64_t)secs);
	out_c(o, '\n');
	attr(o, "Acct-Input-Octets");
	out_u64(o, in & 0xffffffffu);
	out_c(o, '\n');
	attr(o, "Acct-Output-Octets");
	out_u64(o, outb & 0xffffffffu);
	out_c(o, '\n');
	attr(o, "Acct-Input-Gigawords");
	out_u64(o, in >> 32);
	out_c(o, '\n');
	attr(o, "Acct-Output-Gigawords");
	out_u64(o, outb >> 32);
	out_c(o, '\n');
	attr(o, "Acct-Input-Packets");
	out_u64(o, in / 420);
	out_c(o, '\n');
	attr(o, "Acct-Output-Packets");
	out_u64(o, outb / 1100);
	out_c(o, '\n');
}

/* write_acct - one Start, Interim-Update or Stop record, written at now */
static void
write_acct(
    struct gen *g, struct sub *s, int kind, int64_t te, int64_t now, int cause)
{
	const struct nas *n = &g->nas[s->nas];
	struct out *o;
	struct ltime lt;
	char user[64], p64[48], p56[48];

	if (!g->w_radius)
		return;
	o = detail_open(g, now);
	tz_local(now, &lt);
	out_ctime(o, &lt);
	out_c(o, '\n');
	attr(o, "Acct-Status-Type");
	out_str(o,
	    kind == AC_START      ? "Start"
		: kind == AC_STOP ? "Stop"
				  : "Interim-Update");
	out_c(o, '\n');
	sub_username(s, user, sizeof(user));
	attr(o, "User-Name");
	out_quoted(o, user);
	out_c(o, '\n');
	attr(o, "Acct-Session-Id");
	out_c(o, '"');
	out_hex(o, s->acct_sid, 8, 1);
	OUT_LIT(o, "\"\n");
	if (kind == AC_START)
		OUT_LIT(o, "\tAcct-Authentic = RADIUS\n");
	attr(o, "NAS-IP-Address");
	out_str(o, n->ip);
	out_c(o, '\n');
	attr(o, "NAS-Identifier");
	out_c(o, '"');
	out_str(o, n->id);
	OUT_LIT(o, "\"\n");
	attr(o, "NAS-Port");
	out_u64(o, 1073741824u + s->num);
	out_c(o, '\n');
	/* Juniper style: ge-FPC/PIC/PORT.UNIT:SVLAN-CVLAN */
	attr(o, "NAS-Port-Id");
	OUT_LIT(o, "\"ge-");
	out_u64(o, (s->num >> 12) & 3);
	OUT_LIT(o, "/0/");
	out_u64(o, (s->num >> 8) & 15);
	out_c(o, '.');
	out_u64(o, 100 + (s->num / 4000) % 100);
	out_c(o, ':');
	out_u64(o, 100 + (s->num / 4000) % 100);
	out_c(o, '-');
	out_u64(o, 1 + s->num % 4000);
	OUT_LIT(o, "\"\n");
	OUT_LIT(o, "\tNAS-Port-Type = Ethernet\n");
	if (kind == AC_START)
		OUT_LIT(o,
		    "\tService-Type = Framed-User\n"
		    "\tFramed-Protocol = PPP\n");
	attr(o, "Framed-IP-Address");
	out_ip4(o, sess_ip(g, s));
	out_c(o, '\n');
	if (s->flags & F_V6) {
		sub_v6(s, p64, p56);
		attr(o, "Framed-IPv6-Prefix");
		out_str(o, p64);
		out_c(o, '\n');
		attr(o, "Delegated-IPv6-Prefix");
		out_str(o, p56);
		out_c(o, '\n');
	}
	attr(o, "Calling-Station-Id");
	out_c(o, '"');
	out_mac(o, s->mac, ':');
	OUT_LIT(o, "\"\n");
	if (kind == AC_START) {
		attr(o, "Called-Station-Id");
		out_c(o, '"');
		out_str(o, n->called);
		OUT_LIT(o, "\"\n");
	} else {
		counters(o, s, te - s->start_us / US);
	}
	if (kind == AC_STOP) {
		attr(o, "Acct-Terminate-Cause");
		out_str(o, causes[cause]);
		out_c(o, '\n');
	}
	record_tail(o, te, now, s->uniq);
}

/* onoff - Accounting-On or -Off of NAS n at t */
static void
onoff(struct gen *g, int ni, int on, int64_t t)
{
	const struct nas *n = &g->nas[ni];
	struct out *o;
	struct ltime lt;
	char sess[40];

	fmt_uniq(sess, n->onoff_uniq);
	pre_row(g, "radius", on ? "accounting-on" : "accounting-off", t, "", "",
	    "", sess);
	if (!g->w_radius)
		return;
	o = detail_open(g, t);
	tz_local(t, &lt);
	out_ctime(o, &lt);
	out_c(o, '\n');
	attr(o, "Acct-Status-Type");
	out_str(o, on ? "Accounting-On" : "Accounting-Off");
	out_c(o, '\n');
	attr(o, "NAS-IP-Address");
	out_str(o, n->ip);
	out_c(o, '\n');
	attr(o, "NAS-Identifier");
	out_c(o, '"');
	out_str(o, n->id);
	OUT_LIT(o, "\"\n");
	OUT_LIT(o, "\tAcct-Session-Id = \"00000000\"\n");
	if (!on)
		OUT_LIT(o, "\tAcct-Terminate-Cause = Admin-Reboot\n");
	record_tail(o, t, t, n->onoff_uniq);
}

static void
sess_text(const struct sub *s, char out[static 33])
{
	fmt_uniq(out, s->uniq);
}

static void
pre_acct(struct gen *g, struct sub *s, const char *ev, int64_t te)
{
	char ip[16], user[64], mac[18], sess[33];

	if (!g->w_radius)
		return;
	fmt_ip4(ip, sess_ip(g, s));
	sub_username(s, user, sizeof(user));
	fmt_mac(mac, s->mac);
	sess_text(s, sess);
	pre_row(g, "radius", ev, te, ip, user, mac, sess);
}

/* holding_rows - truth rows of the current session (end_us < 0: open) */
static void
holding_rows(struct gen *g, struct sub *s, int64_t end_us)
{
	char ip[16], user[64], mac[18], p64[48], p56[48];

	if (!g->w_radius)
		return;
	fmt_ip4(ip, sess_ip(g, s));
	sub_username(s, user, sizeof(user));
	fmt_mac(mac, s->mac);
	truth_row(g, "radius", ip, s->start_us, end_us, user, mac);
	if (s->flags & F_V6) {
		sub_v6(s, p64, p56);
		truth_row(g, "radius", p64, s->start_us, end_us, user, mac);
		truth_row(g, "radius", p56, s->start_us, end_us, user, mac);
	}
}

/* take_addr - the session's address; -1 if the pool is exhausted */
static int
take_addr(struct gen *g, struct sub *s)
{
	int32_t idx;

	if (s->flags & F_STATIC) {
		idx = pool_take(
		    &g->ppp_fix, (int32_t)s->fixidx, (int32_t)(s - g->subs));
	} else {
		idx = pool_take(&g->ppp_dyn, -1, (int32_t)(s - g->subs));
	}
	if (idx < 0)
		return -1;
	s->addr = idx;
	s->prev = idx;
	return 0;
}

static void
drop_addr(struct gen *g, struct sub *s)
{
	if (s->addr < 0)
		return;
	if (s->flags & F_STATIC)
		g->ppp_fix.holder[s->addr] = -1;
	else
		pool_free(&g->ppp_dyn, s->addr);
	s->addr = -1;
}

static void
new_session(struct gen *g, struct sub *s, int64_t start)
{
	struct nas *n = &g->nas[s->nas];

	s->acct_sid = n->next_sid++;
	s->uniq[0] = rng_next(&s->rng);
	s->uniq[1] = rng_next(&s->rng);
	s->start_us = start * US;
	s->state = ST_ON;
}

/* emit - write a record now, or later when the NAS delays it */
static void
emit(struct gen *g, struct sub *s, int kind, int64_t te, int cause,
    int after_ev, int64_t after_t)
{
	int64_t d = 0;

	if (te + 30 < g->tend && rng_chance(&s->rng, 30))
		d = rng_range(&s->rng, 1, 20);
	if (d == 0) {
		write_acct(g, s, kind, te, te, cause);
		wheel_at(&g->w, node_main(g, s), after_t, after_ev);
		return;
	}
	s->emit_kind = (uint8_t)kind;
	s->emit_te = te;
	s->emit_cause = (uint8_t)cause;
	s->after_ev = (uint8_t)after_ev;
	s->after_t = after_t;
	wheel_at(&g->w, node_main(g, s), te + d, EV_PPP_EMIT);
}

static int64_t
next_tick(const struct gen *g, const struct sub *s, int64_t t)
{
	int64_t nt = t + g->interim;

	return nt < s->end_plan ? nt : s->end_plan;
}

void
ppp_init(struct gen *g, struct sub *s)
{
	int64_t dur, e, start, k;

	s->addr = s->prev = -1;
	s->state = ST_OFF;
	if (!rng_chance(&s->rng, 750)) {
		wheel_at(&g->w, node_main(g, s),
		    g->t0 + rng_range(&s->rng, 1, 8 * 3600), EV_PPP_CONNECT);
		return;
	}
	/* online since before the logs begin: only Interims and the Stop */
	dur = ppp_duration(s);
	e = rng_range(&s->rng, 1, dur - 1);
	start = g->t0 - e;
	if (take_addr(g, s) != 0) {
		wheel_at(&g->w, node_main(g, s), g->t0 + 60, EV_PPP_CONNECT);
		return;
	}
	new_session(g, s, start);
	s->end_plan = start + dur;
	k = (e + g->interim - 1) / g->interim;
	s->next_tick = start + k * g->interim;
	if (s->next_tick > s->end_plan)
		s->next_tick = s->end_plan;
	wheel_at(&g->w, node_main(g, s), s->next_tick, EV_PPP_TICK);
	mail_schedule(g, s, g->t0);
}

static void
ppp_connect(struct gen *g, struct sub *s, int64_t t)
{
	if (g->nas[s->nas].down) {
		wheel_at(&g->w, node_main(g, s),
		    g->reboot_on + rng_range(&s->rng, 5, 900), EV_PPP_CONNECT);
		return;
	}
	if (take_addr(g, s) != 0) {
		wheel_at(&g->w, node_main(g, s), t + 60, EV_PPP_CONNECT);
		return;
	}
	new_session(g, s, t);
	s->end_plan = t + ppp_duration(s);
	pre_acct(g, s, "start", t);
	emit(g, s, AC_START, t, 0, EV_PPP_TICK, next_tick(g, s, t));
	mail_schedule(g, s, t);
}

static void
ppp_tick(struct gen *g, struct sub *s, int64_t t)
{
	int cause;

	if (t < s->end_plan) {
		pre_acct(g, s, "interim", t);
		emit(g, s, AC_INTERIM, t, 0, EV_PPP_TICK, next_tick(g, s, t));
		return;
	}
	cause = pick_cause(s);
	holding_rows(g, s, t * US);
	pre_acct(g, s, "stop", t);
	drop_addr(g, s);
	s->state = ST_OFF;
	emit(g, s, AC_STOP, t, cause, EV_PPP_CONNECT, t + ppp_gap(s) + 20);
}

void
ppp_event(struct gen *g, struct sub *s, int ev, int64_t t)
{
	switch (ev) {
	case EV_PPP_CONNECT:
		ppp_connect(g, s, t);
		break;
	case EV_PPP_TICK:
		ppp_tick(g, s, t);
		break;
	case EV_PPP_EMIT:
		write_acct(g, s, s->emit_kind, s->emit_te, t, s->emit_cause);
		s->emit_kind = 0;
		wheel_at(&g->w, node_main(g, s), s->after_t, s->after_ev);
		break;
	default:
		break;
	}
}

void
ppp_finish(struct gen *g, struct sub *s)
{
	if (s->state == ST_ON)
		holding_rows(g, s, -1);
}

/* nas_reboot - Accounting-Off ends every session of the NAS, unstopped */
static void
nas_reboot(struct gen *g, int64_t t)
{
	struct nas *n = &g->nas[g->reboot_nas];
	uint32_t i, node;
	int64_t when;
	struct sub *s;

	/* what the NAS had already queued goes out first */
	for (i = 0; i < g->nsubs; i++) {
		s = &g->subs[i];
		if (s->kind != K_PPP || s->nas != g->reboot_nas ||
		    s->emit_kind == 0)
			continue;
		write_acct(g, s, s->emit_kind, s->emit_te, t, s->emit_cause);
		s->emit_kind = 0;
		wheel_at(&g->w, node_main(g, s), s->after_t, s->after_ev);
	}
	onoff(g, g->reboot_nas, 0, t);
	n->down = 1;
	for (i = 0; i < g->nsubs; i++) {
		s = &g->subs[i];
		if (s->kind != K_PPP || s->nas != g->reboot_nas)
			continue;
		node = node_main(g, s);
		if (s->state == ST_ON) {
			holding_rows(g, s, t * US);
			drop_addr(g, s);
			s->state = ST_OFF;
			wheel_at(&g->w, node,
			    g->reboot_on + rng_range(&s->rng, 5, 900),
			    EV_PPP_CONNECT);
		} else if (g->w.slot[node] != NODE_IDLE &&
		    g->w.t0 + g->w.slot[node] < g->reboot_on) {
			when = g->reboot_on + rng_range(&s->rng, 5, 900);
			wheel_at(&g->w, node, when, EV_PPP_CONNECT);
		}
	}
	wheel_at(&g->w, node_actor(g, A_NAS), g->reboot_on, EV_NAS_ON);
}

void
nas_event(struct gen *g, int ev, int64_t t)
{
	if (ev == EV_NAS_OFF) {
		nas_reboot(g, t);
	} else if (ev == EV_NAS_ON) {
		onoff(g, g->reboot_nas, 1, t);
		g->nas[g->reboot_nas].down = 0;
	}
}
