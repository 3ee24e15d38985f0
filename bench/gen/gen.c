/*
 * custos-gen - generate a realistic ISP's RADIUS, DHCP and mail logs in
 * the exact formats of spec/log-formats.md, with the ground truth of who
 * held which address when.  See gen.h for the design and
 * bench/README.md for what every output file means.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "util/span.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: custos-gen --out DIR [options]\n"
	    "  --subscribers N   subscribers (default 1000): 60%% PPPoE on "
	    "FreeRADIUS,\n"
	    "                    25%% IPoE on ISC dhcpd, 15%% IPoE on Kea\n"
	    "  --days D          days of logs (default 7)\n"
	    "  --start DATE      first day, YYYY-MM-DD, local to --tz "
	    "(default 2026-11-22)\n"
	    "  --seed S          random seed (default 1); same options, "
	    "same output\n"
	    "  --tz ZONE         the servers' zone, e.g. America/New_York "
	    "(default UTC)\n"
	    "  --only SOURCE     radius|dhcpd|kea|postfix: every subscriber "
	    "is of that\n"
	    "                    kind and only that log is written\n"
	    "  --interim SECONDS RADIUS Interim-Update interval "
	    "(default 3600)\n"
	    "  --lease-time SECONDS  DHCP lease time (default 3600)\n"
	    "  --profile NAME    home (default) or hotspot: DHCP clients "
	    "that come and\n"
	    "                    go within a lease (many bindings, few lines "
	    "each)\n"
	    "  --no-pre          do not write pre.csv (saves time and disk for "
	    "big runs)\n"
	    "  --help\n"
	    "Writes DIR/radius/detail-YYYYMMDD, DIR/dhcpd/syslog, "
	    "DIR/kea/kea-leases4.csv,\n"
	    "DIR/mail/mail.log, DIR/truth.csv, DIR/pre.csv and "
	    "DIR/README.gen.\n");
}

static int
num_arg(
    const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (cs_parse_u64(cs_span_cstr(arg), min, max, out) != CS_OK) {
		fprintf(stderr,
		    "custos-gen: %s: want a number in %llu..%llu, "
		    "got \"%s\"\n",
		    opt, (unsigned long long)min, (unsigned long long)max, arg);
		return -1;
	}
	return 0;
}

static int
date_arg(const char *arg, int *y, int *m, int *d)
{
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint64_t vy, vm, vd;

	if (strlen(arg) != 10 || arg[4] != '-' || arg[7] != '-' ||
	    cs_parse_u64(cs_span_make(arg, 4), 1971, 2200, &vy) != CS_OK ||
	    cs_parse_u64(cs_span_make(arg + 5, 2), 1, 12, &vm) != CS_OK ||
	    cs_parse_u64(cs_span_make(arg + 8, 2), 1, 31, &vd) != CS_OK ||
	    vd > (uint64_t)mdays[vm - 1]) {
		fprintf(stderr,
		    "custos-gen: --start: want YYYY-MM-DD, got "
		    "\"%s\"\n",
		    arg);
		return -1;
	}
	*y = (int)vy;
	*m = (int)vm;
	*d = (int)vd;
	return 0;
}

static int
parse_args(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"subscribers", required_argument, NULL, 'n'},
	    {"days", required_argument, NULL, 'd'},
	    {"start", required_argument, NULL, 's'},
	    {"seed", required_argument, NULL, 'S'},
	    {"tz", required_argument, NULL, 'z'},
	    {"only", required_argument, NULL, 'O'},
	    {"interim", required_argument, NULL, 'i'},
	    {"lease-time", required_argument, NULL, 'l'},
	    {"profile", required_argument, NULL, 'p'},
	    {"no-pre", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	g->nsubs = 1000;
	g->days = 7;
	g->sy = 2026;
	g->sm = 11;
	g->sd = 22;
	g->seed = 1;
	snprintf(g->tz, sizeof(g->tz), "UTC");
	g->interim = 3600;
	g->lease = 3600;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (snprintf(g->outdir, sizeof(g->outdir), "%s",
				optarg) >= (int)sizeof(g->outdir)) {
				fprintf(stderr,
				    "custos-gen: --out: "
				    "too long\n");
				return -1;
			}
			break;
		case 'n':
			if (num_arg("--subscribers", optarg, 1, 3000000, &v) !=
			    0)
				return -1;
			g->nsubs = (uint32_t)v;
			break;
		case 'd':
			if (num_arg("--days", optarg, 1, 366, &v) != 0)
				return -1;
			g->days = (int)v;
			break;
		case 's':
			if (date_arg(optarg, &g->sy, &g->sm, &g->sd) != 0)
				return -1;
			break;
		case 'S':
			if (num_arg("--seed", optarg, 0, UINT64_MAX, &v) != 0)
				return -1;
			g->seed = v;
			break;
		case 'z':
			if (snprintf(g->tz, sizeof(g->tz), "%s", optarg) >=
			    (int)sizeof(g->tz)) {
				fprintf(stderr, "custos-gen: --tz: too long\n");
				return -1;
			}
			break;
		case 'O':
			if (strcmp(optarg, "radius") == 0)
				g->only = ONLY_RADIUS;
			else if (strcmp(optarg, "dhcpd") == 0)
				g->only = ONLY_DHCPD;
			else if (strcmp(optarg, "kea") == 0)
				g->only = ONLY_KEA;
			else if (strcmp(optarg, "postfix") == 0)
				g->only = ONLY_POSTFIX;
			else {
				fprintf(stderr,
				    "custos-gen: --only: want "
				    "radius, dhcpd, kea or postfix\n");
				return -1;
			}
			break;
		case 'i':
			if (num_arg("--interim", optarg, 60, 86400, &v) != 0)
				return -1;
			g->interim = (int64_t)v;
			break;
		case 'l':
			if (num_arg(
				"--lease-time", optarg, 60, 7 * 86400, &v) != 0)
				return -1;
			g->lease = (int64_t)v;
			break;
		case 'p':
			if (strcmp(optarg, "home") == 0)
				g->profile = PROF_HOME;
			else if (strcmp(optarg, "hotspot") == 0)
				g->profile = PROF_HOTSPOT;
			else {
				fprintf(stderr,
				    "custos-gen: --profile: want "
				    "home or hotspot\n");
				return -1;
			}
			break;
		case 'P':
			g->no_pre = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || g->outdir[0] == '\0') {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
mkdirs(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static void
open_or_die(struct gen *g, struct out *o, const char *sub, const char *name)
{
	char dir[4200], path[4300];

	if (sub != NULL)
		snprintf(dir, sizeof(dir), "%s/%s", g->outdir, sub);
	else
		snprintf(dir, sizeof(dir), "%s", g->outdir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdirs(dir) != 0 || out_open(o, path) != 0) {
		fprintf(stderr, "custos-gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* clean_details - drop detail files of an earlier run in DIR/radius */
static void
clean_details(struct gen *g)
{
	char dir[4200], path[4600];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/radius", g->outdir);
	if (mkdirs(dir) != 0) {
		fprintf(stderr, "custos-gen: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "detail-", 7) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static void
setup_subs(struct gen *g)
{
	uint32_t i, x, nfix = 0, key = (uint32_t)(g->seed * 0x85ebca6bULL);
	struct sub *s;
	uint64_t u;

	g->subs = calloc(g->nsubs, sizeof(*g->subs));
	if (g->subs == NULL) {
		fprintf(stderr, "custos-gen: out of memory\n");
		exit(1);
	}
	for (i = 0; i < g->nsubs; i++) {
		s = &g->subs[i];
		s->num = i + 1;
		rng_seed(&s->rng, g->seed, 2 * (uint64_t)i + 16);
		rng_seed(&s->mrng, g->seed, 2 * (uint64_t)i + 17);
		u = rng_below(&s->rng, 1000);
		switch (g->only) {
		case ONLY_RADIUS:
		case ONLY_POSTFIX:
			s->kind = K_PPP;
			break;
		case ONLY_DHCPD:
			s->kind = K_DHCPD;
			break;
		case ONLY_KEA:
			s->kind = K_KEA;
			break;
		default:
			s->kind = u < 600 ? K_PPP : u < 850 ? K_DHCPD : K_KEA;
		}
		s->slot = g->nkind[s->kind]++;
		x = (s->num * 0x9e3779b1u) ^ key;
		s->mac[0] = (uint8_t)(0x02 | s->kind << 2);
		s->mac[1] = 0x5c;
		s->mac[2] = (uint8_t)(x >> 24);
		s->mac[3] = (uint8_t)(x >> 16);
		s->mac[4] = (uint8_t)(x >> 8);
		s->mac[5] = (uint8_t)x;
		s->nas = (uint8_t)rng_below(&s->rng, NNAS);
		s->relay = (uint8_t)rng_below(&s->rng, 8);
		s->rate_up = (uint32_t)rng_logu(&s->rng, 200, 60000);
		s->rate_down = (uint32_t)rng_logu(&s->rng, 2000, 900000);
		if (s->kind == K_PPP) {
			if (s->slot % 250 == 7)
				s->flags |= F_QUOTE;
			else if (s->slot % 250 == 19)
				s->flags |= F_BSLASH;
			else if (rng_chance(&s->rng, 300))
				s->flags |= F_MAILER;
			if (rng_chance(&s->rng, 100)) {
				s->flags |= F_STATIC;
				s->fixidx = nfix++;
			}
			if (rng_chance(&s->rng, 400))
				s->flags |= F_V6;
		} else {
			if (rng_chance(&s->rng, 700))
				s->flags |= F_RELAYED;
			if (rng_chance(&s->rng, 600))
				s->flags |= F_HOSTNAME;
			if (s->kind == K_KEA && rng_chance(&s->rng, 500))
				s->flags |= F_CLIENTID;
			if (rng_chance(&s->rng,
				g->profile == PROF_HOTSPOT ? 500 : 700))
				s->flags |= F_HADLEASE;
		}
	}
	g->nfix = nfix;
}

static void
setup_pools(struct gen *g)
{
	uint32_t ndyn = g->nkind[K_PPP] - g->nfix, block = 1, sz;

	sz = ndyn + ndyn / 16 + 8;
	if (pool_init(&g->ppp_dyn, POOL_LOWEST, block, sz) != 0)
		goto full;
	block += pool_blocks(g->ppp_dyn.size);
	if (pool_init(&g->ppp_fix, POOL_FIXED, block, g->nfix) != 0)
		goto full;
	block += pool_blocks(g->ppp_fix.size);
	/* dhcpd: a tight pool, so that addresses change hands */
	sz = g->nkind[K_DHCPD] - g->nkind[K_DHCPD] / 7 + 16;
	if (pool_init(&g->dhcpd_pool, POOL_FIFO, block, sz) != 0)
		goto full;
	block += pool_blocks(g->dhcpd_pool.size);
	sz = g->nkind[K_KEA] + g->nkind[K_KEA] / 8 + 16;
	if (pool_init(&g->kea_pool, POOL_ITER, block, sz) != 0)
		goto full;
	return;
full:
	fprintf(stderr, "custos-gen: too many subscribers for 100.64.0.0/10\n");
	exit(1);
}

static void
setup_nas(struct gen *g)
{
	static const char *const id[NNAS] = {
	    "bng1.pop1", "bng2.pop1", "bng1.pop2"};
	static const char *const ip[NNAS] = {
	    "192.0.2.1", "192.0.2.2", "192.0.2.3"};
	static const char *const called[NNAS] = {
	    "bng1-pppoe", "bng2-pppoe", "bng3-pppoe"};
	int64_t span = g->tend - g->t0;
	int i;

	for (i = 0; i < NNAS; i++) {
		g->nas[i].id = id[i];
		g->nas[i].ip = ip[i];
		g->nas[i].called = called[i];
		g->nas[i].next_sid = (uint32_t)rng_next(&g->arng) & 0x7fffffff;
		g->nas[i].onoff_uniq[0] = rng_next(&g->arng);
		g->nas[i].onoff_uniq[1] = rng_next(&g->arng);
	}
	g->reboot_nas = 1;
	g->reboot_off = g->t0 + rng_range(&g->arng, span * 2 / 5, span * 3 / 5);
	g->reboot_on = g->reboot_off + rng_range(&g->arng, 120, 400);
}

static void
run(struct gen *g)
{
	struct wheel *w = &g->w;
	uint32_t sl, n, twon = 2 * g->nsubs;
	struct sub *s;
	int64_t t;
	int ev;

	for (sl = 0; sl < w->nslots; sl++) {
		w->now = sl;
		t = w->t0 + sl;
		while (w->head[sl] != -1) {
			n = (uint32_t)w->head[sl];
			w->head[sl] = w->next[n];
			w->next[n] = -1;
			w->slot[n] = NODE_IDLE;
			ev = w->ev[n];
			if (n < twon) {
				s = &g->subs[n / 2];
				if (n & 1)
					mail_event(g, s, t);
				else if (s->kind == K_PPP)
					ppp_event(g, s, ev, t);
				else
					dhcp_event(g, s, ev, t);
				continue;
			}
			switch (ev) {
			case EV_NAS_OFF:
			case EV_NAS_ON:
				nas_event(g, ev, t);
				break;
			case EV_NOISE:
				noise_event(g, t);
				break;
			case EV_HOURLY:
				hourly_event(g, t);
				break;
			case EV_INBOUND:
				inbound_event(g, t);
				break;
			default:
				break;
			}
		}
	}
}

static void
close_or_die(struct out *o)
{
	if (out_close(o) != 0) {
		fprintf(stderr, "custos-gen: %s: write failed\n", o->path);
		exit(1);
	}
}

static void
write_readme(struct gen *g)
{
	char path[4200], b1[64], b2[64];
	struct ltime lt;
	FILE *f;

	snprintf(path, sizeof(path), "%s/README.gen", g->outdir);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "custos-gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fprintf(f,
	    "Generated by custos-gen: a synthetic ISP, not real "
	    "people.\n\n");
	tz_utc(g->t0, &lt);
	snprintf(b1, sizeof(b1), "%04d-%02d-%02dT%02d:%02d:%02dZ", lt.year,
	    lt.mon, lt.day, lt.hour, lt.min, lt.sec);
	tz_utc(g->tend, &lt);
	snprintf(b2, sizeof(b2), "%04d-%02d-%02dT%02d:%02d:%02dZ", lt.year,
	    lt.mon, lt.day, lt.hour, lt.min, lt.sec);
	fprintf(f, "period: %s %s\n", b1, b2);
	fprintf(f, "seed: %llu\n", (unsigned long long)g->seed);
	fprintf(f, "subscribers: %u pppoe %u dhcpd %u kea %u\n", g->nsubs,
	    g->nkind[K_PPP], g->nkind[K_DHCPD], g->nkind[K_KEA]);
	fprintf(f, "tz: %s\n", g->tz);
	fprintf(f, "year: %d\n", g->sy);
	fprintf(f, "lease-time: %lld\n", (long long)g->lease);
	fprintf(f, "interim: %lld\n", (long long)g->interim);
	fprintf(f, "profile: %s\n",
	    g->profile == PROF_HOTSPOT ? "hotspot" : "home");
	fprintf(f, "dhcpd-hook: %s\n",
	    g->profile == PROF_HOTSPOT ? "none" : "on-commit");
	if (g->w_radius) {
		tz_utc(g->reboot_off, &lt);
		snprintf(b1, sizeof(b1), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    lt.year, lt.mon, lt.day, lt.hour, lt.min, lt.sec);
		tz_utc(g->reboot_on, &lt);
		snprintf(b2, sizeof(b2), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    lt.year, lt.mon, lt.day, lt.hour, lt.min, lt.sec);
		fprintf(f, "nas-reboot: %s %s %s %s\n",
		    g->nas[g->reboot_nas].id, g->nas[g->reboot_nas].ip, b1, b2);
	}
	fprintf(f,
	    "ingest: custos ingest --tz %s --year %d --lease-time "
	    "%lld",
	    g->tz, g->sy, (long long)g->lease);
	if (g->w_radius)
		fprintf(f, " radius/detail-*");
	if (g->w_dhcpd)
		fprintf(f, " dhcpd/syslog");
	if (g->w_kea)
		fprintf(f, " kea/kea-leases4.csv");
	if (g->w_mail)
		fprintf(f, " mail/mail.log");
	fprintf(f, "\n\n");
	fprintf(f,
	    "Files (times in the logs are in the zone above):\n"
	    "  radius/detail-YYYYMMDD  FreeRADIUS 3.2 detail, one file per "
	    "local day;\n"
	    "                          NAS bng1.pop1 192.0.2.1, bng2.pop1 "
	    "192.0.2.2,\n"
	    "                          bng1.pop2 192.0.2.3; the nas-reboot "
	    "line above is\n"
	    "                          the Accounting-Off and -On of the one "
	    "reboot\n"
	    "  dhcpd/syslog            Debian 12 /var/log/syslog of host "
	    "dhcp1 (ISC dhcpd\n"
	    "                          4.4.3; the `on commit` LEASE-COMMIT "
	    "log hook as\n"
	    "                          dhcpd-hook says; no expiry hook: "
	    "expiry is silent)\n"
	    "  kea/kea-leases4.csv     Kea 2.2 memfile lease file "
	    "(append-only journal)\n"
	    "  mail/mail.log           Postfix 3.7 on host mx1, traditional "
	    "syslog stamps\n"
	    "                          (no year: ingest with the year above)\n"
	    "  truth.csv               who really held which address when "
	    "(bench/README.md)\n"
	    "  pre.csv                 every accounting/lease event, "
	    "pre-parsed\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "custos-gen: %s: write failed\n", path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static struct gen gen;
	struct gen *g = &gen;
	struct timespec ts0, ts1;
	uint64_t records, bytes;
	double secs;
	uint32_t i;
	int files = 0;

	if (parse_args(g, argc, argv) != 0)
		return 2;
	if (tz_setup(g->tz) != 0) {
		fprintf(
		    stderr, "custos-gen: --tz: unknown zone \"%s\"\n", g->tz);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	g->t0 = tz_midnight(g->sy, g->sm, g->sd);
	g->tend = tz_midnight(g->sy, g->sm, g->sd + g->days);
	g->w_radius = g->only == ONLY_ALL || g->only == ONLY_RADIUS;
	g->w_dhcpd = g->only == ONLY_ALL || g->only == ONLY_DHCPD;
	g->w_kea = g->only == ONLY_ALL || g->only == ONLY_KEA;
	g->w_mail = g->only == ONLY_ALL || g->only == ONLY_POSTFIX;
	rng_seed(&g->nrng, g->seed, 1);
	rng_seed(&g->irng, g->seed, 2);
	rng_seed(&g->arng, g->seed, 3);
	g->dhcpd_pid = 700 + (uint32_t)rng_below(&g->arng, 2000);
	g->qid = 1 + (uint32_t)rng_below(&g->arng, 1u << 20);
	g->sys_sec = INT64_MIN;

	if (mkdirs(g->outdir) != 0) {
		fprintf(
		    stderr, "custos-gen: %s: %s\n", g->outdir, strerror(errno));
		return 1;
	}
	if (g->w_radius)
		clean_details(g);
	if (g->w_dhcpd)
		open_or_die(g, &g->syslog, "dhcpd", "syslog");
	if (g->w_kea) {
		open_or_die(g, &g->kea, "kea", "kea-leases4.csv");
		OUT_LIT(&g->kea,
		    "address,hwaddr,client_id,valid_lifetime,"
		    "expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
		    "state,user_context\n");
	}
	if (g->w_mail)
		open_or_die(g, &g->mail, "mail", "mail.log");
	open_or_die(g, &g->truth, NULL, "truth.csv");
	OUT_LIT(&g->truth, "source,address,start,end,username,mac\n");
	if (!g->no_pre) {
		open_or_die(g, &g->pre, NULL, "pre.csv");
		OUT_LIT(&g->pre,
		    "source,event,time_epoch,address,username,"
		    "mac,session\n");
	}

	setup_subs(g);
	setup_pools(g);
	setup_nas(g);
	wheel_init(
	    &g->w, g->t0, (uint32_t)(g->tend - g->t0), 2 * g->nsubs + NACTOR);
	if (g->w_dhcpd)
		dhcpd_banner(g, g->t0);
	for (i = 0; i < g->nsubs; i++) {
		if (g->subs[i].kind == K_PPP)
			ppp_init(g, &g->subs[i]);
		else
			dhcp_init(g, &g->subs[i]);
	}
	if (g->nkind[K_PPP] > 0)
		wheel_at(
		    &g->w, node_actor(g, A_NAS), g->reboot_off, EV_NAS_OFF);
	if (g->w_dhcpd)
		wheel_at(&g->w, node_actor(g, A_NOISE),
		    g->t0 + rng_range(&g->nrng, 20, 600), EV_NOISE);
	wheel_at(
	    &g->w, node_actor(g, A_HOURLY), g->t0 + 17 * 60 + 1, EV_HOURLY);
	if (g->w_mail)
		wheel_at(&g->w, node_actor(g, A_INBOUND),
		    g->t0 + rng_range(&g->irng, 1, 300), EV_INBOUND);

	run(g);
	for (i = 0; i < g->nsubs; i++) {
		if (g->subs[i].kind == K_PPP)
			ppp_finish(g, &g->subs[i]);
		else
			dhcp_finish(g, &g->subs[i]);
	}

	detail_finish(g);
	records = g->detail_records;
	bytes = g->detail_bytes;
	files = g->ndetail;
	if (g->w_dhcpd) {
		records += g->syslog.records;
		out_drain(&g->syslog);
		bytes += g->syslog.bytes;
		close_or_die(&g->syslog);
		files++;
	}
	if (g->w_kea) {
		records += g->kea.records;
		out_drain(&g->kea);
		bytes += g->kea.bytes;
		close_or_die(&g->kea);
		files++;
	}
	if (g->w_mail) {
		records += g->mail.records;
		out_drain(&g->mail);
		bytes += g->mail.bytes;
		close_or_die(&g->mail);
		files++;
	}
	close_or_die(&g->truth);
	close_or_die(&g->pre);
	write_readme(g);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	secs = (double)(ts1.tv_sec - ts0.tv_sec) +
	    (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
	fprintf(stderr,
	    "custos-gen: %u subscribers (%u pppoe, %u dhcpd, "
	    "%u kea) x %d days: %d log files, %llu records, %llu bindings, "
	    "%llu events, %.1f MB in %.2f s (%.0fk records/s)\n",
	    g->nsubs, g->nkind[K_PPP], g->nkind[K_DHCPD], g->nkind[K_KEA],
	    g->days, files, (unsigned long long)records,
	    (unsigned long long)g->bindings, (unsigned long long)g->events,
	    (double)bytes / 1e6, secs,
	    secs > 0 ? (double)records / secs / 1e3 : 0.0);

	wheel_release(&g->w);
	pool_release(&g->ppp_dyn);
	pool_release(&g->ppp_fix);
	pool_release(&g->dhcpd_pool);
	pool_release(&g->kea_pool);
	free(g->subs);
	return 0;
}
