/*
 * mail - Postfix 3.7 on the ISP's mail host mx1 (traditional syslog
 * stamps in the --tz zone, spec/log-formats.md 3.2): subscribers submit
 * mail on port 587 with SASL from the address they hold at that moment,
 * the internet delivers to their mailboxes through postscreen, and
 * relay attempts are rejected (NOQUEUE).  Also the other programs'
 * lines on the dhcpd host's syslog (sshd, CRON, systemd, kernel), which
 * an ingest must skip.
 */
#include <stdlib.h>

#include "gen.h"

#define MX_IP "203.0.113.25"

struct peer {
	const char *host; /* reverse name, "unknown" when none */
	const char *ip;
	const char *domain; /* its mail domain */
};

static const struct peer peers[] = {
    {"mail.outside.example", "198.51.100.7", "outside.example"},
    {"mx2.partner.example", "198.51.100.25", "partner.example"},
    {"smtp.bigmail.example", "203.0.113.40", "bigmail.example"},
    {"out.newsletter.example", "203.0.113.61", "newsletter.example"},
    {"unknown", "198.51.100.99", "cheap-pills.example"},
    {"unknown", "203.0.113.77", "elsewhere.example"},
};
#define NPEERS (sizeof(peers) / sizeof(peers[0]))

static const char *const people[] = {"carol", "dave", "erin", "frank", "grace",
    "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy"};
#define NPEOPLE (sizeof(people) / sizeof(people[0]))

/* mline - "Nov 22 08:00:03 mx1 postfix/PROG[pid]: " */
static void
mline(struct gen *g, int64_t t, const char *prog, uint32_t pid)
{
	struct out *o = &g->mail;
	struct ltime lt;

	tz_local(t, &lt);
	out_bsd(o, &lt);
	OUT_LIT(o, " mx1 postfix/");
	out_str(o, prog);
	out_c(o, '[');
	out_u64(o, pid);
	OUT_LIT(o, "]: ");
}

static uint32_t
pid_of(int64_t t, uint32_t base, uint32_t life)
{
	return base + (uint32_t)((t / life) * 7919 % 8000);
}

static void
qid_new(struct gen *g, struct rng *r, char q[static 12])
{
	snprintf(q, 12, "%05llX%06X",
	    (unsigned long long)(rng_next(r) & 0xfffff),
	    (unsigned)((g->qid++ * 0x9e3779b1u) & 0xffffff));
}

static void
delays(struct out *o, struct rng *r)
{
	unsigned a = (unsigned)rng_range(r, 1, 9),
		 b = (unsigned)rng_range(r, 0, 3),
		 c = (unsigned)rng_range(r, 0, 30),
		 d = (unsigned)rng_range(r, 0, 40);

	OUT_LIT(o, ", delay=0.");
	out_pad(o, a + b + c + d, 2, '0');
	OUT_LIT(o, ", delays=0.0");
	out_u64(o, a);
	OUT_LIT(o, "/0.0");
	out_u64(o, b);
	OUT_LIT(o, "/0.");
	out_pad(o, c, 2, '0');
	OUT_LIT(o, "/0.");
	out_pad(o, d, 2, '0');
}

static void
end_line(struct gen *g)
{
	out_end(&g->mail);
}

void
mail_schedule(struct gen *g, struct sub *s, int64_t t)
{
	if (!(s->flags & F_MAILER) || !g->w_mail)
		return;
	wheel_at(&g->w, node_mail(g, s), t + rng_logu(&s->mrng, 120, 8 * 3600),
	    EV_MAIL);
}

/* rcpt_line - delivery of one recipient; local or over smtp */
static void
rcpt_line(struct gen *g, struct rng *r, int64_t t, const char *q,
    const char *to, int local)
{
	struct out *o = &g->mail;
	const struct peer *p = &peers[rng_below(r, 4)];

	if (local) {
		mline(g, t, "local", pid_of(t, 21000, 900));
		out_str(o, q);
		OUT_LIT(o, ": to=<");
		out_str(o, to);
		OUT_LIT(o, ">, relay=local");
		delays(o, r);
		OUT_LIT(o, ", dsn=2.0.0, status=sent (delivered to mailbox)");
		end_line(g);
		return;
	}
	mline(g, t, "smtp", pid_of(t, 22000, 700));
	out_str(o, q);
	OUT_LIT(o, ": to=<");
	out_str(o, to);
	OUT_LIT(o, ">, relay=");
	out_str(o,
	    strcmp(p->host, "unknown") == 0 ? "mx.outside.example" : p->host);
	out_c(o, '[');
	out_str(o, p->ip);
	OUT_LIT(o, "]:25");
	delays(o, r);
	if (rng_chance(r, 30)) {
		OUT_LIT(o, ", dsn=4.4.1, status=deferred (connect to ");
		out_str(o, p->host);
		out_c(o, '[');
		out_str(o, p->ip);
		OUT_LIT(o, "]:25: Connection timed out)");
	} else {
		OUT_LIT(o,
		    ", dsn=2.0.0, status=sent (250 2.0.0 Ok: "
		    "queued as ");
		out_hex(o, rng_next(r) & 0xffffffffffULL, 10, 1);
		out_c(o, ')');
	}
	end_line(g);
}

/* mail_event - a subscriber submits a message from its current address */
void
mail_event(struct gen *g, struct sub *s, int64_t t)
{
	struct out *o = &g->mail;
	struct rng *r = &s->mrng;
	char user[64], ip[16], q[12], to[4][64];
	uint32_t spid = pid_of(t, 30000, 300);
	int n, i, local[4];

	if (s->state != ST_ON || t <= s->start_us / US || t + 2 >= s->end_plan)
		return; /* offline now: the next session reschedules */
	sub_username(s, user, sizeof(user));
	fmt_ip4(ip,
	    (s->flags & F_STATIC) ? pool_ip(&g->ppp_fix, s->fixidx)
				  : pool_ip(&g->ppp_dyn, (uint32_t)s->addr));
	n = rng_chance(r, 200) ? (int)rng_range(r, 2, 4) : 1;
	for (i = 0; i < n; i++) {
		local[i] = rng_chance(r, 300);
		if (local[i])
			snprintf(to[i], sizeof(to[i]), "u%06u@isp.example",
			    (unsigned)rng_range(r, 1, g->nsubs));
		else
			snprintf(to[i], sizeof(to[i]), "%s@%s",
			    people[rng_below(r, NPEOPLE)],
			    peers[rng_below(r, 4)].domain);
	}
	qid_new(g, r, q);
	mline(g, t, "submission/smtpd", spid);
	OUT_LIT(o, "connect from unknown[");
	out_str(o, ip);
	out_c(o, ']');
	end_line(g);
	if (rng_chance(r, 30)) {
		mline(g, t, "submission/smtpd", spid);
		OUT_LIT(o, "warning: unknown[");
		out_str(o, ip);
		OUT_LIT(o,
		    "]: SASL LOGIN authentication failed: "
		    "authentication failure, sasl_username=");
		out_str(o, user);
		end_line(g);
	}
	mline(g, t, "submission/smtpd", spid);
	out_str(o, q);
	OUT_LIT(o, ": client=unknown[");
	out_str(o, ip);
	OUT_LIT(o, "], sasl_method=");
	out_str(o, rng_chance(r, 700) ? "PLAIN" : "LOGIN");
	OUT_LIT(o, ", sasl_username=");
	out_str(o, user);
	end_line(g);
	mline(g, t, "cleanup", pid_of(t, 19000, 1200));
	out_str(o, q);
	OUT_LIT(o, ": message-id=<");
	out_hex(o, rng_next(r), 16, 0);
	OUT_LIT(o, "@cpe-");
	out_pad(o, s->num, 6, '0');
	OUT_LIT(o, ".isp.example>");
	end_line(g);
	mline(g, t, "qmgr", 1502);
	out_str(o, q);
	OUT_LIT(o, ": from=<");
	out_str(o, user);
	OUT_LIT(o, ">, size=");
	out_u64(o, (uint64_t)rng_logu(r, 600, 4000000));
	OUT_LIT(o, ", nrcpt=");
	out_u64(o, (uint64_t)n);
	OUT_LIT(o, " (queue active)");
	end_line(g);
	mline(g, t, "submission/smtpd", spid);
	OUT_LIT(o, "disconnect from unknown[");
	out_str(o, ip);
	OUT_LIT(o, "] ehlo=2 starttls=1 auth=1 mail=1 rcpt=");
	out_u64(o, (uint64_t)n);
	OUT_LIT(o, " data=1 quit=1 commands=");
	out_u64(o, (uint64_t)n + 7);
	end_line(g);
	for (i = 0; i < n; i++)
		rcpt_line(g, r, t, q, to[i], local[i]);
	mline(g, t, "qmgr", 1502);
	out_str(o, q);
	OUT_LIT(o, ": removed");
	end_line(g);
	g->msgs++;
	wheel_at(
	    &g->w, node_mail(g, s), t + rng_logu(r, 600, 10 * 3600), EV_MAIL);
}

static void
postscreen(struct gen *g, int64_t t, const char *ip, unsigned port,
    const char *verdict)
{
	struct out *o = &g->mail;

	mline(g, t, "postscreen", 1498);
	OUT_LIT(o, "CONNECT from [");
	out_str(o, ip);
	OUT_LIT(o, "]:");
	out_u64(o, port);
	OUT_LIT(o, " to [" MX_IP "]:25");
	end_line(g);
	mline(g, t, "postscreen", 1498);
	out_str(o, verdict);
	OUT_LIT(o, " [");
	out_str(o, ip);
	OUT_LIT(o, "]:");
	out_u64(o, port);
	end_line(g);
}

/* bot_ip - the address of a random online PPPoE subscriber, or NULL */
static const char *
bot_ip(struct gen *g, struct rng *r, char buf[static 16])
{
	struct sub *s = &g->subs[rng_below(r, g->nsubs)];

	if (s->kind != K_PPP || s->state != ST_ON || s->addr < 0)
		return NULL;
	fmt_ip4(buf,
	    (s->flags & F_STATIC) ? pool_ip(&g->ppp_fix, s->fixidx)
				  : pool_ip(&g->ppp_dyn, (uint32_t)s->addr));
	return buf;
}

static void
reject(struct gen *g, struct rng *r, int64_t t)
{
	struct out *o = &g->mail;
	const struct peer *p = &peers[4 + rng_below(r, 2)];
	uint32_t pid = pid_of(t, 25000, 400);
	unsigned port = (unsigned)rng_range(r, 32768, 60999);
	const char *ip = p->ip;
	char bot[16];
	int relay = rng_chance(r, 600);

	if (rng_chance(r, 150) && (ip = bot_ip(g, r, bot)) == NULL)
		ip = p->ip;
	postscreen(
	    g, t, ip, port, rng_chance(r, 500) ? "PASS NEW" : "PASS OLD");
	mline(g, t, "smtpd", pid);
	OUT_LIT(o, "connect from unknown[");
	out_str(o, ip);
	out_c(o, ']');
	end_line(g);
	mline(g, t, "smtpd", pid);
	OUT_LIT(o, "NOQUEUE: reject: RCPT from unknown[");
	out_str(o, ip);
	if (relay) {
		OUT_LIT(o,
		    "]: 454 4.7.1 <victim@elsewhere.example>: Relay "
		    "access denied; from=<");
		out_str(o, people[rng_below(r, NPEOPLE)]);
		out_c(o, '@');
		out_str(o, p->domain);
		OUT_LIT(o, "> to=<victim@elsewhere.example>");
	} else {
		OUT_LIT(o,
		    "]: 550 5.1.1 <nobody@isp.example>: Recipient "
		    "address rejected: User unknown in local recipient "
		    "table; from=<");
		out_str(o, people[rng_below(r, NPEOPLE)]);
		out_c(o, '@');
		out_str(o, p->domain);
		OUT_LIT(o, "> to=<nobody@isp.example>");
	}
	OUT_LIT(o, " proto=ESMTP helo=<");
	out_str(o, rng_chance(r, 500) ? "localhost" : p->domain);
	out_c(o, '>');
	end_line(g);
	mline(g, t, "smtpd", pid);
	OUT_LIT(o, "disconnect from unknown[");
	out_str(o, ip);
	OUT_LIT(o, "] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4");
	end_line(g);
}

static void
inbound(struct gen *g, struct rng *r, int64_t t)
{
	struct out *o = &g->mail;
	const struct peer *p = &peers[rng_below(r, 4)];
	uint32_t pid = pid_of(t, 25000, 400);
	unsigned port = (unsigned)rng_range(r, 32768, 60999);
	char q[12], to[64];

	snprintf(to, sizeof(to), "u%06u@isp.example",
	    (unsigned)rng_range(r, 1, g->nsubs));
	qid_new(g, r, q);
	postscreen(g, t, p->ip, port, "PASS OLD");
	mline(g, t, "smtpd", pid);
	OUT_LIT(o, "connect from ");
	out_str(o, p->host);
	out_c(o, '[');
	out_str(o, p->ip);
	out_c(o, ']');
	end_line(g);
	mline(g, t, "smtpd", pid);
	out_str(o, q);
	OUT_LIT(o, ": client=");
	out_str(o, p->host);
	out_c(o, '[');
	out_str(o, p->ip);
	out_c(o, ']');
	end_line(g);
	mline(g, t, "cleanup", pid_of(t, 19000, 1200));
	out_str(o, q);
	OUT_LIT(o, ": message-id=<");
	out_u64(o, (uint64_t)t);
	out_c(o, '.');
	out_hex(o, rng_next(r) & 0xffffff, 6, 0);
	out_c(o, '@');
	out_str(o, p->domain);
	out_c(o, '>');
	end_line(g);
	mline(g, t, "qmgr", 1502);
	out_str(o, q);
	OUT_LIT(o, ": from=<");
	out_str(o, people[rng_below(r, NPEOPLE)]);
	out_c(o, '@');
	out_str(o, p->domain);
	OUT_LIT(o, ">, size=");
	out_u64(o, (uint64_t)rng_logu(r, 900, 2000000));
	OUT_LIT(o, ", nrcpt=1 (queue active)");
	end_line(g);
	mline(g, t, "smtpd", pid);
	OUT_LIT(o, "disconnect from ");
	out_str(o, p->host);
	out_c(o, '[');
	out_str(o, p->ip);
	OUT_LIT(o, "] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
	end_line(g);
	rcpt_line(g, r, t, q, to, 1);
	mline(g, t, "qmgr", 1502);
	out_str(o, q);
	OUT_LIT(o, ": removed");
	end_line(g);
	g->msgs++;
}

/* inbound_event - the internet's side of mx1 */
void
inbound_event(struct gen *g, int64_t t)
{
	struct rng *r = &g->irng;
	int64_t mean = 86400 / ((int64_t)g->nkind[K_PPP] + 1) + 1;

	if (rng_chance(r, 200))
		reject(g, r, t);
	else
		inbound(g, r, t);
	wheel_at(&g->w, node_actor(g, A_INBOUND), t + rng_range(r, 1, 2 * mean),
	    EV_INBOUND);
}

/* ---- the rest of the dhcpd host's /var/log/syslog ---- */

static void
sline(struct gen *g, int64_t t, const char *prog, uint32_t pid)
{
	syslog_head(g, t, syslog_stamp(g, t), prog, pid);
}

static void
ssh_probe(struct gen *g, struct rng *r, int64_t t)
{
	static const char *const users[] = {
	    "admin", "test", "ubuntu", "oracle", "pi", "git", "user"};
	struct out *o = &g->syslog;
	const char *u = users[rng_below(r, 7)];
	uint32_t pid = (uint32_t)rng_range(r, 30000, 60000);
	unsigned port = (unsigned)rng_range(r, 1024, 65535),
		 ipl = (unsigned)rng_range(r, 2, 250);

	sline(g, t, "sshd", pid);
	OUT_LIT(o, "Invalid user ");
	out_str(o, u);
	OUT_LIT(o, " from 203.0.113.");
	out_u64(o, ipl);
	OUT_LIT(o, " port ");
	out_u64(o, port);
	out_end(o);
	sline(g, t, "sshd", pid);
	OUT_LIT(o, "Connection closed by invalid user ");
	out_str(o, u);
	OUT_LIT(o, " 203.0.113.");
	out_u64(o, ipl);
	OUT_LIT(o, " port ");
	out_u64(o, port);
	OUT_LIT(o, " [preauth]");
	out_end(o);
}

static void
ssh_login(struct gen *g, struct rng *r, int64_t t)
{
	struct out *o = &g->syslog;
	uint32_t pid = (uint32_t)rng_range(r, 30000, 60000);
	unsigned port = (unsigned)rng_range(r, 1024, 65535);

	sline(g, t, "sshd", pid);
	OUT_LIT(o, "Accepted publickey for netops from 198.51.100.10 port ");
	out_u64(o, port);
	OUT_LIT(o, " ssh2: ED25519 SHA256:q8Xk1cW0bS3m4Zr9YvTn2pH7uLdE5aJf6");
	OUT_LIT(o, "gKoQyRiM0A");
	out_end(o);
	sline(g, t, "sshd", pid);
	OUT_LIT(o,
	    "pam_unix(sshd:session): session opened for user "
	    "netops(uid=1000) by (uid=0)");
	out_end(o);
	sline(g, t, "systemd-logind", 498);
	OUT_LIT(o, "New session ");
	out_u64(o, (uint64_t)(t / 977 % 5000));
	OUT_LIT(o, " of user netops.");
	out_end(o);
}

static void
kernel(struct gen *g, struct rng *r, int64_t t)
{
	struct out *o = &g->syslog;
	int64_t up = t - g->t0 + 3 * 86400 + 1234;

	sline(g, t, "kernel", 0);
	OUT_LIT(o, "[");
	out_pad(o, (unsigned)up, 5, ' ');
	out_c(o, '.');
	out_pad(o, (unsigned)rng_below(r, 1000000), 6, '0');
	OUT_LIT(o, "] ");
	if (rng_chance(r, 500))
		OUT_LIT(o,
		    "nf_conntrack: nf_conntrack: table full, dropping "
		    "packet");
	else
		OUT_LIT(o,
		    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps "
		    "Full Duplex, Flow Control: Rx/Tx");
	out_end(o);
}

static void
sysstat(struct gen *g, int64_t t)
{
	struct out *o = &g->syslog;

	sline(g, t, "systemd", 1);
	OUT_LIT(o,
	    "Starting sysstat-collect.service - system activity "
	    "accounting tool...");
	out_end(o);
	sline(g, t, "systemd", 1);
	OUT_LIT(o, "sysstat-collect.service: Deactivated successfully.");
	out_end(o);
	sline(g, t, "systemd", 1);
	OUT_LIT(o,
	    "Finished sysstat-collect.service - system activity "
	    "accounting tool.");
	out_end(o);
}

/* noise_event - sshd, systemd and kernel lines at random times */
void
noise_event(struct gen *g, int64_t t)
{
	struct rng *r = &g->nrng;
	uint64_t u = rng_below(r, 100);

	if (u < 55)
		ssh_probe(g, r, t);
	else if (u < 70)
		ssh_login(g, r, t);
	else if (u < 90)
		sysstat(g, t);
	else
		kernel(g, r, t);
	wheel_at(
	    &g->w, node_actor(g, A_NOISE), t + rng_logu(r, 20, 1800), EV_NOISE);
}

static void
daily(struct gen *g, int64_t t)
{
	struct out *o = &g->syslog;

	sline(g, t, "systemd", 1);
	OUT_LIT(o, "Starting logrotate.service - Rotate log files...");
	out_end(o);
	sline(g, t, "rsyslogd", 0);
	OUT_LIT(o,
	    "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" "
	    "x-pid=\"421\" x-info=\"https://www.rsyslog.com\"] "
	    "rsyslogd was HUPed");
	out_end(o);
	sline(g, t, "systemd", 1);
	OUT_LIT(o, "logrotate.service: Deactivated successfully.");
	out_end(o);
	sline(g, t, "systemd", 1);
	OUT_LIT(o, "Finished logrotate.service - Rotate log files.");
	out_end(o);
}

/* hourly_event - cron.hourly, dhcpd's lease file rewrite, anvil stats */
void
hourly_event(struct gen *g, int64_t t)
{
	struct out *o = &g->syslog;
	struct ltime lt;
	uint32_t pid = (uint32_t)(40000 + (t / 3600) % 20000);

	if (g->w_dhcpd) {
		tz_local(t, &lt);
		if (lt.hour == 0)
			daily(g, t);
		sline(g, t, "CRON", pid);
		OUT_LIT(o,
		    "(root) CMD (cd / && run-parts --report "
		    "/etc/cron.hourly)");
		out_end(o);
		sline(g, t, "dhcpd", g->dhcpd_pid);
		OUT_LIT(o, "Wrote 0 deleted host decls to leases file.");
		out_end(o);
		sline(g, t, "dhcpd", g->dhcpd_pid);
		OUT_LIT(o, "Wrote 0 new dynamic host decls to leases file.");
		out_end(o);
		sline(g, t, "dhcpd", g->dhcpd_pid);
		OUT_LIT(o, "Wrote ");
		out_u64(o, g->nkind[K_DHCPD]);
		OUT_LIT(o, " leases to leases file.");
		out_end(o);
	}
	if (g->w_mail) {
		tz_local(t - 200, &lt);
		mline(g, t, "anvil", pid_of(t, 26000, 3600));
		OUT_LIT(&g->mail,
		    "statistics: max connection rate 3/60s for "
		    "(smtp:198.51.100.7) at ");
		out_bsd(&g->mail, &lt);
		end_line(g);
	}
	wheel_at(&g->w, node_actor(g, A_HOURLY), t + 3600, EV_HOURLY);
}
