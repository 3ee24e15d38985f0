/* cmd_retention - custos purge, retention, keys status, hold */
#include <getopt.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/audit.h"
#include "core/casedb.h"
#include "core/cfg.h"
#include "core/hold.h"
#include "core/keys.h"
#include "core/purge.h"
#include "util/buf.h"

/* actor - --by, else $CUSTOS_USER, else the login */
static const char *
actor(const char *by)
{
	const char *u;

	if (by && *by)
		return by;
	if ((u = getenv("CUSTOS_USER")) != NULL && *u)
		return u;
	if ((u = getenv("LOGNAME")) != NULL && *u)
		return u;
	if ((u = getlogin()) != NULL && *u)
		return u;
	return "custos";
}

/* load_cfg - the configuration, or print why not and exit 1 */
static void
load_cfg(const char *path, struct cs_config *c)
{
	struct cs_errbuf eb = {""};

	if (cs_cfg_load(path, c, &eb) != CS_OK) {
		fprintf(stderr, "custos: %s\n", eb.msg);
		exit(1);
	}
}

/* flush - write the buffer to stdout */
static int
flush(struct cs_buf *b)
{
	int rc = 0;

	if (cs_buf_error(b) != CS_OK) {
		fprintf(stderr, "custos: output too large\n");
		rc = 1;
	} else if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
		rc = 1;
	}
	cs_buf_release(b);
	return rc;
}

/* ---- purge ---- */

static const char purge_usage[] =
    "usage: custos purge [--dry-run] [--json] [--by NAME] [--data DIR]\n"
    "                    [--keys DIR] [--config FILE]\n"
    "\n"
    "Destroy every day of every source past its retention, whole.  Each\n"
    "source class (radius, dhcp, smtp, nat) keeps each day in its own\n"
    "files DATA/CLASS/D.* under its own key KEYS/CLASS/D.key, and each has\n"
    "its own retention (configuration file: retention_radius_days,\n"
    "retention_dhcp_days, retention_smtp_days, retention_nat_days; 0 or\n"
    "unset: retention_days).  A class's day D is destroyed once the\n"
    "current time is past the end of D plus that class's retention: first\n"
    "its key (renamed out of reach, overwritten with zeros, fsynced and\n"
    "unlinked, the key directory fsynced), then its files (renamed into\n"
    "DATA/trash, the directories fsynced).  From the moment the key is\n"
    "gone, that day of that source is unreadable in every copy of the\n"
    "data directory, backups included.  Nothing reads the day's rows and\n"
    "its files are renamed, not rewritten, so the cost does not depend on\n"
    "its size; the trash is then unlinked (the file system frees the\n"
    "blocks; reported apart).  Each destroyed day is recorded in the audit\n"
    "trail (action retention.purge; see custos retention --attest).\n"
    "Records under a preservation hold were copied into the case's vault\n"
    "(custos hold new, or automatically for the case desk's open cases\n"
    "before anything is destroyed) and are not affected.\n"
    "\n"
    "The purge of each day is journaled (DATA/purge.journal, and an empty\n"
    "KEYS/CLASS/D.purged that marks the day as destroyed): a purge killed\n"
    "at any step leaves the day either whole and readable or gone and\n"
    "unreadable, and the next purge finishes it.\n"
    "\n"
    "  --dry-run    list what would be destroyed; change nothing\n"
    "  --json       {\"now\", \"dry_run\", \"sources\": [{\"source\",\n"
    "               \"keep_days\", \"first_kept\"}], \"days\": [{\"source\",\n"
    "               \"day\", \"key\", \"bytes\", \"resumed\", "
    "\"key_gone_ms\",\n"
    "               \"done_ms\"}], \"reclaimed\": {\"files\", \"bytes\",\n"
    "               \"ms\"}, \"holds_made\", \"holds_expired\"}\n"
    "  --by NAME    who runs it (audit; default $CUSTOS_USER, the login)\n"
    "  --data, --keys, --config   directories and configuration file\n"
    "\n"
    "CUSTOS_NOW moves the clock (tests).  Exit 0 on success, 1 on failure\n"
    "(days before the failure are destroyed), 2 on bad usage.\n";

int
cmd_purge(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"by", required_argument, NULL, 'b'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_purge_opts o;
	struct cs_config cfg;
	struct cs_errbuf eb = {""};
	struct cs_dayinfo *days = NULL;
	struct cs_reclaim rec = {0};
	struct dirs d;
	struct cs_buf b;
	const char *cfgpath = NULL, *by = NULL, *crash;
	char name[16], ts[40];
	size_t n = 0, i, nexp = 0, nauto = 0;
	int opt, json = 0, rc, c;
	uint64_t v;
	enum cs_err e;

	dirs_default(&d);
	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o.dry_run = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'b':
			by = optarg;
			break;
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			fputs(purge_usage, stdout);
			return 0;
		default:
			fputs(purge_usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(purge_usage, stderr);
		return 2;
	}
	load_cfg(cfgpath, &cfg);
	o.datadir = d.data;
	o.keysdir = d.keys;
	o.now = cs_time_now();
	for (c = 0; c < CS_NCLASS; c++)
		o.keep[c] = cs_purge_keep(&cfg, c);
	o.actor = actor(by);
	if ((crash = getenv("CUSTOS_PURGE_CRASH_AT")) != NULL && *crash &&
	    cs_parse_u64(cs_span_cstr(crash), 0, 100, &v) == CS_OK)
		o.crash_at = (int)v;
	/*
	 * what the case desk holds (preservation, CyberTipline, any open case
	 * with targets: R-PRES-1, R-CSAM-1, R-PRES-4) is copied into the
	 * cases' vaults before the days go; no purge when that fails
	 */
	e = CS_OK;
	if (!o.dry_run) {
		struct cs_purge_opts dry = o;
		dry.dry_run = 1;
		dry.crash_at = 0;
		e = cs_purge_run(&dry, &days, &n, NULL, &eb);
		if (e == CS_OK && n > 0) {
			int64_t d0 = days[0].day, d1 = days[0].day;
			for (i = 1; i < n; i++) {
				d0 = days[i].day < d0 ? days[i].day : d0;
				d1 = days[i].day > d1 ? days[i].day : d1;
			}
			e = cs_hold_auto(d.data, d.keys, o.now,
			    d0 * 86400LL * CS_US, (d1 + 1) * 86400LL * CS_US,
			    o.actor, &nauto, &eb);
		}
		free(days);
		days = NULL;
		n = 0;
		if (e != CS_OK) {
			fprintf(stderr,
			    "custos: purge: holds of the case desk: "
			    "%s; nothing purged\n",
			    eb.msg);
			return 1;
		}
	}
	e = cs_purge_run(&o, &days, &n, &rec, &eb);
	/* holds past their expiry fall back to normal retention (R-PRES-3) */
	if (e == CS_OK && !o.dry_run)
		e = cs_hold_expire(d.data, d.keys, o.now, o.actor, &nexp, &eb);
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	cs_time_format(o.now, ts);
	if (json) {
		cs_buf_appendf(&b,
		    "{\"now\":\"%s\",\"dry_run\":%s,\"sources\":[", ts,
		    o.dry_run ? "true" : "false");
		for (c = 0; c < CS_NCLASS; c++) {
			cs_day_name(
			    cs_purge_first_kept(o.now, o.keep[c]), name);
			cs_buf_appendf(&b,
			    "%s{\"source\":\"%s\",\"keep_days\":%llu,"
			    "\"first_kept\":\"%s\"}",
			    c ? "," : "", cs_class_name(c),
			    (unsigned long long)o.keep[c], name);
		}
		cs_buf_puts(&b, "],\"days\":[");
		for (i = 0; i < n; i++) {
			cs_day_name(days[i].day, name);
			cs_buf_appendf(&b,
			    "%s{\"source\":\"%s\",\"day\":\"%s\",\"key\":%s,"
			    "\"bytes\":%lld,\"resumed\":%s,\"key_gone_ms\":"
			    "%.3f,\"done_ms\":%.3f}",
			    i ? "," : "", cs_class_name(days[i].cls), name,
			    (days[i].what & CS_DI_KEY) ? "true" : "false",
			    (long long)days[i].bytes,
			    (days[i].what & CS_DI_JOURNAL) ? "true" : "false",
			    (double)days[i].key_us / 1000.0,
			    (double)days[i].total_us / 1000.0);
		}
		cs_buf_appendf(&b,
		    "],\"reclaimed\":{\"files\":%lld,\"bytes\":%lld,"
		    "\"ms\":%.3f},\"holds_made\":%zu,\"holds_expired\":%zu}"
		    "\n",
		    (long long)rec.files, (long long)rec.bytes,
		    (double)rec.us / 1000.0, nauto, nexp);
	} else {
		for (c = 0; c < CS_NCLASS; c++) {
			cs_day_name(
			    cs_purge_first_kept(o.now, o.keep[c]), name);
			cs_buf_appendf(&b,
			    "%-6s kept %llu day%s: days before %s %s\n",
			    cs_class_name(c), (unsigned long long)o.keep[c],
			    o.keep[c] == 1 ? "" : "s", name,
			    o.dry_run ? "would be destroyed" : "are destroyed");
		}
		for (i = 0; i < n; i++) {
			cs_day_name(days[i].day, name);
			cs_buf_appendf(&b,
			    "%s %s %s: key %s, %lld bytes of data"
			    "%s\n",
			    o.dry_run ? "would destroy" : "destroyed",
			    cs_class_name(days[i].cls), name,
			    (days[i].what & CS_DI_KEY) ? "destroyed"
						       : "already gone",
			    (long long)days[i].bytes,
			    (days[i].what & CS_DI_JOURNAL)
				? " (finished an interrupted purge)"
				: "");
		}
		cs_buf_appendf(&b, "%zu source-day%s %s\n", n,
		    n == 1 ? "" : "s", o.dry_run ? "due" : "destroyed");
		if (rec.files)
			cs_buf_appendf(&b,
			    "trash reclaimed: %lld file%s, %lld bytes, "
			    "%.3f s\n",
			    (long long)rec.files, rec.files == 1 ? "" : "s",
			    (long long)rec.bytes, (double)rec.us / 1e6);
		if (nauto)
			cs_buf_appendf(&b,
			    "%zu hold%s of the case desk: the "
			    "targets' records of those days copied into the "
			    "cases' vaults first (custos hold list)\n",
			    nauto, nauto == 1 ? "" : "s");
		if (nexp)
			cs_buf_appendf(&b,
			    "%zu preservation hold%s expired (or "
			    "their case closed) and released (R-PRES-3)\n",
			    nexp, nexp == 1 ? "" : "s");
	}
	free(days);
	rc = flush(&b);
	if (e != CS_OK) {
		fprintf(stderr, "custos: purge: %s\n", eb.msg);
		return 1;
	}
	return rc;
}

/* ---- keys status ---- */

/* day_state - what a reader makes of a day */
static const char *
day_state(unsigned w)
{
	if (w & (CS_DI_JOURNAL | CS_DI_DEAD))
		return "purge unfinished";
	if ((w & CS_DI_KEY) && (w & CS_DI_DATA))
		return "readable";
	if (w & CS_DI_DATA)
		return "unreadable";
	if (w & CS_DI_KEY)
		return "key without data";
	return "purged";
}

static const char keys_usage[] =
    "usage: custos keys status [--json] [--data DIR] [--keys DIR]\n"
    "\n"
    "Which days have keys: for each source class (radius, dhcp, smtp,\n"
    "nat) and each day the key and data directories know of, its state:\n"
    "  readable          key and data: the day answers lookups\n"
    "  unreadable        data without a key: the key was destroyed (or\n"
    "                    lost); the files are dead weight until purged\n"
    "  key without data  a key whose day has no files (nothing ingested\n"
    "                    that day, or files removed by hand)\n"
    "  purged            destroyed by custos purge (KEYS/CLASS/D.purged)\n"
    "  purge unfinished  a purge was interrupted; the next one finishes it\n"
    "\n"
    "  --json   {\"days\": [{\"source\", \"day\", \"state\", \"key\", "
    "\"data\",\n"
    "           \"bytes\"}], \"counts\": {STATE: N}}\n";

int
cmd_keys(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const states[] = {"readable", "unreadable",
	    "key without data", "purged", "purge unfinished"};
	struct cs_errbuf eb = {""};
	struct cs_dayinfo *days = NULL;
	struct dirs d;
	struct cs_buf b;
	char name[16];
	size_t n = 0, i, k, cnt[5] = {0};
	int opt, json = 0;

	dirs_default(&d);
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'h':
			fputs(keys_usage, stdout);
			return 0;
		default:
			fputs(keys_usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "status") != 0) {
		fputs(keys_usage, stderr);
		return 2;
	}
	if (cs_purge_inventory(d.data, d.keys, &days, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: keys: %s\n", eb.msg);
		return 1;
	}
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	if (json)
		cs_buf_puts(&b, "{\"days\":[");
	for (i = 0; i < n; i++) {
		const char *st = day_state(days[i].what);
		for (k = 0; k < 5; k++)
			if (strcmp(st, states[k]) == 0)
				cnt[k]++;
		cs_day_name(days[i].day, name);
		if (json)
			cs_buf_appendf(&b,
			    "%s{\"source\":\"%s\",\"day\":\"%s\","
			    "\"state\":\"%s\",\"key\":%s,\"data\":%s,"
			    "\"bytes\":%lld}",
			    i ? "," : "", cs_class_name(days[i].cls), name, st,
			    (days[i].what & CS_DI_KEY) ? "true" : "false",
			    (days[i].what & CS_DI_DATA) ? "true" : "false",
			    (long long)days[i].bytes);
		else
			cs_buf_appendf(&b,
			    "%-6s %s  %-17s key %-3s  data %-3s  "
			    "%lld bytes\n",
			    cs_class_name(days[i].cls), name, st,
			    (days[i].what & CS_DI_KEY) ? "yes" : "no",
			    (days[i].what & CS_DI_DATA) ? "yes" : "no",
			    (long long)days[i].bytes);
	}
	if (json) {
		cs_buf_puts(&b, "],\"counts\":{");
		for (k = 0; k < 5; k++)
			cs_buf_appendf(&b, "%s\"%s\":%zu", k ? "," : "",
			    states[k], cnt[k]);
		cs_buf_puts(&b, "}}\n");
	} else {
		for (k = 0; k < 5; k++)
			cs_buf_appendf(
			    &b, "%s%zu %s", k ? ", " : "", cnt[k], states[k]);
		cs_buf_putc(&b, '\n');
	}
	free(days);
	return flush(&b);
}

/* ---- hold ---- */

static const char hold_usage[] =
    "usage: custos hold new --case ID [--target KIND:VALUE]... --from TIME\n"
    "                       --to TIME [--received TIME] [--by NAME] [--json]\n"
    "       custos hold list [--case ID] [--json]\n"
    "       custos hold show|renew|release CASE#N [--by NAME] [--json]\n"
    "       custos hold who CASE ADDRESS --at TIME [--json]\n"
    "       custos hold history CASE SUBSCRIBER --from TIME --to TIME "
    "[--json]\n"
    "\n"
    "Preservation holds (18 USC 2703(f), R-PRES-1..4).  'hold new' copies\n"
    "the records of the targets in the window, as they are now (bindings\n"
    "with their evidence, and the SMTP envelopes of those users and\n"
    "addresses), into the case's vault DATA/vault/ID.db, sealed under the\n"
    "case's own key KEYS/cases/ID.key.  The retention purge then runs on\n"
    "schedule for everyone else; held records answer lookups made under\n"
    "the case as the live store would.\n"
    "\n"
    "A hold expires 90 days after the request was received (--received,\n"
    "else the case's received time, else now).  'renew' records a renewed\n"
    "request: 90 more days (one renewal is the statute's; a second or later\n"
    "one is flagged as voluntary, R-PRES-2).  'list' shows the reminders\n"
    "14, 7 and 1 days before expiry (R-PRES-3).  At expiry custos purge\n"
    "releases the hold; 'release' does it now.  A released hold's records\n"
    "are deleted, and when a case has no hold left its vault key is\n"
    "destroyed.  Everything is recorded in the audit trail.\n"
    "\n"
    "  --case ID           the case (custos case new); its targets are\n"
    "                      held when no --target is given\n"
    "  --target KIND:VALUE ip:ADDRESS, ipv6prefix:PREFIX, username:NAME or\n"
    "                      mac:MAC (repeatable)\n"
    "  --from, --to TIME   the window, RFC 3339\n"
    "  --json              one JSON object per hold\n"
    "  who, history        what the case's vault answers, in the shape of\n"
    "                      custos who / history (matches only): operator\n"
    "                      troubleshooting, allowed and audited as for a\n"
    "                      lookup without --case\n"
    "  --data, --keys      directories\n";

/* hold_ref - "CASE#N" */
static int
hold_ref(const char *s, char case_id[static CS_CASE_ID], int64_t *id)
{
	const char *h = strrchr(s, '#');
	uint64_t v;

	if (h == NULL || (size_t)(h - s) >= CS_CASE_ID || h == s)
		return -1;
	memcpy(case_id, s, (size_t)(h - s));
	case_id[h - s] = '\0';
	if (cs_parse_u64(cs_span_cstr(h + 1), 1, INT64_MAX, &v) != CS_OK)
		return -1;
	*id = (int64_t)v;
	return 0;
}

/* hold_state - "in force", "expired", "released" */
static const char *
hold_state(const struct cs_vhold *h, cs_time now)
{
	if (h->released != CS_TIME_NONE)
		return "released";
	if (h->expires == CS_TIME_NONE)
		return "in force";
	return now >= h->expires ? "expired" : "in force";
}

/* hold_warn - the R-PRES-3 reminder due now, as days left (0: none) */
static int
hold_warn(const struct cs_vhold *h, cs_time now)
{
	int64_t left;

	if (h->released != CS_TIME_NONE || h->expires == CS_TIME_NONE ||
	    now >= h->expires)
		return 0;
	left = (h->expires - now + 86400LL * CS_US - 1) / (86400LL * CS_US);
	return left <= 14 ? (int)left : 0;
}

static void
hold_render(const struct cs_vhold *h, cs_time now, int json, struct cs_buf *b)
{
	char t[4][40], tc[40];
	int w = hold_warn(h, now);

	cs_time_format(h->from, t[0]);
	cs_time_format(h->to, t[1]);
	cs_time_format(h->received, t[2]);
	if (h->expires == CS_TIME_NONE)
		snprintf(t[3], sizeof(t[3]), "while the case is open");
	else
		cs_time_format(h->expires, t[3]);
	cs_time_format(h->created, tc);
	if (json) {
		cs_buf_appendf(b,
		    "{\"hold\":\"%s#%lld\",\"case\":\"%s\","
		    "\"state\":\"%s\",\"basis\":",
		    h->case_id, (long long)h->id, h->case_id,
		    hold_state(h, now));
		if (h->basis[0])
			cs_buf_appendf(b, "\"%s\"", h->basis);
		else
			cs_buf_puts(b, "null");
		cs_buf_puts(b, ",\"targets\":[");
		{
			struct cs_span sp = cs_span_cstr(h->targets), tok;
			int first = 1;
			while (sp.len && cs_span_token(&sp, '\n', &tok)) {
				if (!first)
					cs_buf_putc(b, ',');
				first = 0;
				cs_buf_json_str(b, tok.p, tok.len);
				if (sp.p == NULL)
					break;
			}
		}
		cs_buf_appendf(b,
		    "],\"from\":\"%s\",\"to\":\"%s\","
		    "\"received\":\"%s\",\"created\":\"%s\",\"expires\":%s%s%s,"
		    "\"renewals\":%d,\"voluntary\":%s,\"bindings\":%lld,"
		    "\"envelopes\":%lld,\"by\":",
		    t[0], t[1], t[2], tc,
		    h->expires == CS_TIME_NONE ? "" : "\"",
		    h->expires == CS_TIME_NONE ? "null" : t[3],
		    h->expires == CS_TIME_NONE ? "" : "\"", h->renewals,
		    h->renewals >= 2 ? "true" : "false", (long long)h->nbind,
		    (long long)h->nmail);
		cs_buf_json_str(b, h->by, strlen(h->by));
		if (h->released != CS_TIME_NONE) {
			cs_time_format(h->released, tc);
			cs_buf_appendf(b, ",\"released\":\"%s\"", tc);
		} else {
			cs_buf_puts(b, ",\"released\":null");
		}
		if (w)
			cs_buf_appendf(b,
			    ",\"warning\":{\"rule\":\"R-PRES-3\","
			    "\"days_left\":%d}",
			    w);
		else
			cs_buf_puts(b, ",\"warning\":null");
		cs_buf_puts(b, "}\n");
		return;
	}
	cs_buf_appendf(b, "%s#%lld  %s%s%s  %lld binding%s, %lld envelope%s\n",
	    h->case_id, (long long)h->id, hold_state(h, now),
	    h->basis[0] ? "  made by the purge for " : "", h->basis,
	    (long long)h->nbind, h->nbind == 1 ? "" : "s", (long long)h->nmail,
	    h->nmail == 1 ? "" : "s");
	{
		struct cs_span sp = cs_span_cstr(h->targets), tok;
		while (sp.len && cs_span_token(&sp, '\n', &tok)) {
			cs_buf_appendf(
			    b, "  target    %.*s\n", (int)tok.len, tok.p);
			if (sp.p == NULL)
				break;
		}
	}
	cs_buf_appendf(b,
	    "  window    %s .. %s\n  received  %s  (held since "
	    "%s by %s)\n  expires   %s",
	    t[0], t[1], t[2], tc, h->by[0] ? h->by : "?", t[3]);
	if (h->renewals)
		cs_buf_appendf(b, "  (%d renewal%s%s)", h->renewals,
		    h->renewals == 1 ? "" : "s",
		    h->renewals >= 2
			? "; beyond the statute's one extension: preserving "
			  "voluntarily (R-PRES-2)"
			: "");
	cs_buf_putc(b, '\n');
	if (w)
		cs_buf_appendf(b,
		    "  WARNING   expires in %d day%s: tell the case "
		    "owner; renew or follow up (R-PRES-3)\n",
		    w, w == 1 ? "" : "s");
	if (h->released != CS_TIME_NONE) {
		cs_time_format(h->released, tc);
		cs_buf_appendf(b, "  released  %s (records deleted)\n", tc);
	}
}

/* case_targets - the case's received time and holdable targets */
static int
case_info(const struct dirs *d, const char *id, cs_time *received,
    struct cs_target *t, size_t *nt, size_t max)
{
	struct cs_casedb *db = NULL;
	struct cs_case *c = NULL;
	struct cs_errbuf eb = {""};
	size_t i;

	if (cs_casedb_open(d->data, d->keys, 0, &db, &eb) != CS_OK ||
	    cs_casedb_load(db, id, &c, &eb) != CS_OK) {
		fprintf(stderr, "custos: hold: case %s: %s\n", id, eb.msg);
		cs_casedb_close(db);
		return -1;
	}
	*received = c->received;
	if (*nt == 0) {
		for (i = 0; i < c->nt && *nt < max; i++) {
			if (c->t[i].kind != TK_IP &&
			    c->t[i].kind != TK_IPV6PREFIX &&
			    c->t[i].kind != TK_USERNAME &&
			    c->t[i].kind != TK_MAC) {
				fprintf(stderr,
				    "custos: hold: target %s:%s is not "
				    "a kind the store knows; not held\n",
				    cs_tkind_name(c->t[i].kind), c->t[i].value);
				continue;
			}
			t[(*nt)++] = c->t[i];
		}
	}
	cs_case_free(c);
	cs_casedb_close(db);
	return 0;
}

/*
 * hold_lookup - what a case's vault answers to who / history, through the
 * lookup authority (operator troubleshooting: no case is named, since a
 * preservation letter itself discloses nothing)
 */
static int
hold_lookup(const struct dirs *d, const char *kind, const char *case_id,
    const char *subject, const char *at, const char *from, const char *to,
    const char *by, int json)
{
	struct lookup l;
	struct cs_errbuf eb = {""};
	struct cs_hit *h = NULL;
	struct cs_addr a;
	struct cs_buf b;
	size_t n = 0, i;
	int rc, who = strcmp(kind, "who") == 0;
	enum cs_err e;

	memset(&l, 0, sizeof(l));
	l.dirs = d;
	l.actor = by;
	l.kind = kind;
	snprintf(l.subject, sizeof(l.subject), "%s", subject);
	if (who) {
		if (cs_addr_parse(cs_span_cstr(subject), &a) != CS_OK) {
			fprintf(stderr,
			    "custos: hold who: '%s' is not an "
			    "address\n",
			    subject);
			return 2;
		}
		l.from = l.to = parse_time_arg("--at", at);
	} else {
		l.from = parse_time_arg("--from", from);
		l.to = parse_time_arg("--to", to);
	}
	if ((rc = lookup_begin(&l)) != 0)
		return rc;
	if (who)
		e = cs_hold_who(
		    d->data, d->keys, case_id, &a, l.from, &h, &n, &eb);
	else
		e = cs_hold_history(d->data, d->keys, case_id, subject, l.from,
		    l.to, &h, &n, &eb);
	if (e != CS_OK) {
		fprintf(stderr, "custos: hold %s: %s\n", kind, eb.msg);
		lookup_end(&l, 0);
		return 1;
	}
	cs_buf_init(&b, NULL, 0, 256 * 1024 * 1024);
	if (json) {
		cs_buf_puts(&b, "{\"case\":");
		cs_buf_json_str(&b, case_id, strlen(case_id));
		cs_buf_puts(&b, ",\"matches\":[");
	} else {
		cs_buf_appendf(&b, "held by case %s: %zu match%s\n", case_id, n,
		    n == 1 ? "" : "es");
	}
	for (i = 0; i < n; i++) {
		if (json) {
			if (i)
				cs_buf_putc(&b, ',');
			hit_json(&h[i], &b, l.cats);
		} else {
			cs_buf_putc(&b, '\n');
			hit_text(&h[i], &b, l.cats);
		}
	}
	if (json)
		cs_buf_puts(&b, "]}\n");
	cs_hits_free(h, n);
	lookup_end(&l, n);
	return flush(&b);
}

#define MAX_HOLD_TARGETS 64

int
cmd_hold(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"case", required_argument, NULL, 'C'},
	    {"target", required_argument, NULL, 't'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'T'},
	    {"received", required_argument, NULL, 'r'},
	    {"at", required_argument, NULL, 'a'},
	    {"by", required_argument, NULL, 'b'},
	    {"json", no_argument, NULL, 'j'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_target t[MAX_HOLD_TARGETS];
	struct cs_errbuf eb = {""};
	struct cs_hold_req r;
	struct cs_vhold h, *hl = NULL;
	struct dirs d;
	struct cs_buf b;
	const char *case_id = NULL, *by = NULL, *sub, *from = NULL, *to = NULL;
	const char *recv = NULL, *at = NULL;
	char cid[CS_CASE_ID];
	size_t nt = 0, n = 0, i;
	int opt, json = 0, vol = 0;
	int64_t id;
	cs_time now = cs_time_now(), creceived = CS_TIME_NONE;
	enum cs_err e;

	dirs_default(&d);
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'C':
			case_id = optarg;
			break;
		case 't':
			if (nt == MAX_HOLD_TARGETS) {
				fprintf(stderr,
				    "custos: hold: at most %d "
				    "targets\n",
				    MAX_HOLD_TARGETS);
				return 2;
			}
			if (cs_target_parse(optarg, &t[nt], &eb) != CS_OK) {
				fprintf(stderr, "custos: hold: %s\n", eb.msg);
				return 2;
			}
			nt++;
			break;
		case 'f':
			from = optarg;
			break;
		case 'T':
			to = optarg;
			break;
		case 'r':
			recv = optarg;
			break;
		case 'a':
			at = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'h':
			fputs(hold_usage, stdout);
			return 0;
		default:
			fputs(hold_usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(hold_usage, stderr);
		return 2;
	}
	sub = argv[optind++];
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	if (strcmp(sub, "new") == 0) {
		if (case_id == NULL || from == NULL || to == NULL ||
		    optind != argc) {
			fprintf(stderr,
			    "custos: hold new: need --case, --from "
			    "and --to\n");
			return 2;
		}
		if (!cs_hold_case_ok(case_id)) {
			fprintf(stderr, "custos: hold: '%s' is not a case id\n",
			    case_id);
			return 2;
		}
		memset(&r, 0, sizeof(r));
		r.from = parse_time_arg("--from", from);
		r.to = parse_time_arg("--to", to);
		if (case_info(
			&d, case_id, &creceived, t, &nt, MAX_HOLD_TARGETS) != 0)
			return 1;
		r.datadir = d.data;
		r.keysdir = d.keys;
		r.case_id = case_id;
		r.t = t;
		r.nt = nt;
		r.now = now;
		r.received =
		    recv ? parse_time_arg("--received", recv) : creceived;
		r.by = actor(by);
		if ((e = cs_hold_new(&r, &h, &eb)) != CS_OK) {
			fprintf(stderr, "custos: hold new: %s\n", eb.msg);
			return e == CS_EINVAL ? 2 : 1;
		}
		hold_render(&h, now, json, &b);
		return flush(&b);
	}
	if (strcmp(sub, "list") == 0) {
		struct stat dst;
		if (optind != argc) {
			fputs(hold_usage, stderr);
			return 2;
		}
		if (stat(d.data, &dst) != 0 || !S_ISDIR(dst.st_mode)) {
			fprintf(stderr,
			    "custos: hold list: data directory %s "
			    "does not exist (pass --data DIR)\n",
			    d.data);
			return 1;
		}
		if (cs_hold_list(d.data, d.keys, case_id, &hl, &n, &eb) !=
		    CS_OK) {
			fprintf(stderr, "custos: hold list: %s\n", eb.msg);
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (!json && i)
				cs_buf_putc(&b, '\n');
			hold_render(&hl[i], now, json, &b);
		}
		if (!json && n == 0)
			cs_buf_puts(&b, "no holds\n");
		free(hl);
		return flush(&b);
	}
	if (strcmp(sub, "who") == 0 || strcmp(sub, "history") == 0) {
		if (optind != argc - 2 ||
		    (strcmp(sub, "who") == 0 ? at == NULL
					     : from == NULL || to == NULL)) {
			fputs(hold_usage, stderr);
			return 2;
		}
		return hold_lookup(&d, sub, argv[optind], argv[optind + 1], at,
		    from, to, by, json);
	}
	if (optind != argc - 1 || hold_ref(argv[optind], cid, &id) != 0) {
		fprintf(
		    stderr, "custos: hold %s: name the hold as CASE#N\n", sub);
		return 2;
	}
	if (strcmp(sub, "show") == 0) {
		e = cs_hold_get(d.data, d.keys, cid, id, &h, &eb);
	} else if (strcmp(sub, "renew") == 0) {
		e = cs_hold_renew(
		    d.data, d.keys, cid, id, now, actor(by), &h, &vol, &eb);
		if (e == CS_OK && vol)
			fprintf(stderr,
			    "custos: hold renew: WARN R-PRES-2: "
			    "renewal %d is beyond the statute's one 90-day "
			    "extension: preserving voluntarily\n",
			    h.renewals);
	} else if (strcmp(sub, "release") == 0) {
		e = cs_hold_release(
		    d.data, d.keys, cid, id, now, actor(by), "released", &eb);
		if (e == CS_OK)
			e = cs_hold_get(d.data, d.keys, cid, id, &h, &eb);
		if (e == CS_ENOENT) { /* the vault went with its last hold */
			cs_buf_appendf(&b,
			    "%s#%lld released; the case has no "
			    "hold left: its vault and key are destroyed\n",
			    cid, (long long)id);
			return flush(&b);
		}
	} else {
		fputs(hold_usage, stderr);
		return 2;
	}
	if (e != CS_OK) {
		fprintf(stderr, "custos: hold %s: %s\n", sub, eb.msg);
		return e == CS_ENOENT || e == CS_EINVAL ? 2 : 1;
	}
	hold_render(&h, now, json, &b);
	return flush(&b);
}

/* ---- retention ---- */

static const char retention_usage[] =
    "usage: custos retention [--json] [--data DIR] [--keys DIR] [--config "
    "FILE]\n"
    "       custos retention --attest [--json] [--data DIR] [--keys DIR]\n"
    "\n"
    "Per source (radius, dhcp, smtp, nat): the retention configured, the\n"
    "oldest day held, when it is purged and the bytes held; then the\n"
    "preservation holds in force.  Each source's days have their own key\n"
    "and files and are destroyed at their own time (custos purge --help).\n"
    "\n"
    "--attest prints, for auditors, what was destroyed and when: every\n"
    "retention.purge entry of the audit trail (source, day, when its key\n"
    "and files were destroyed, by whom, the entry's hash) and every hold\n"
    "created, renewed, released or expired, after checking the trail's\n"
    "hash chain.\n"
    "\n"
    "  --json   retention: {\"now\", \"sources\": [{\"source\",\n"
    "           \"retention_days\", \"first_kept\", \"oldest_day\",\n"
    "           \"next_purge\", \"overdue\", \"days\", \"bytes\"}],\n"
    "           \"holds\": [...], \"unreadable_days\": N}\n"
    "           attest: {\"trail\": {\"intact\", \"entries\", \"head\"},\n"
    "           \"destroyed\": [...], \"holds\": [...]}\n";

/* source_out - one source's line (or object) of custos retention */
static void
source_out(struct cs_buf *b, int json, int *first, enum cs_class cls,
    uint64_t keep, const struct cs_dayinfo *d, size_t n, cs_time now)
{
	char od[16] = "", np[40] = "", fk[16];
	int64_t oldest = INT64_MIN, bytes = 0, ndays = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i].cls != cls || !(d[i].what & CS_DI_DATA))
			continue;
		if (oldest == INT64_MIN)
			oldest = d[i].day; /* the inventory is oldest first */
		bytes += d[i].bytes;
		ndays++;
	}
	cs_day_name(cs_purge_first_kept(now, keep), fk);
	if (oldest != INT64_MIN) {
		cs_day_name(oldest, od);
		cs_time_format(cs_purge_due(oldest, keep), np);
	}
	if (json) {
		cs_buf_appendf(b,
		    "%s{\"source\":\"%s\",\"retention_days\":%llu,"
		    "\"first_kept\":\"%s\",",
		    *first ? "" : ",", cs_class_name(cls),
		    (unsigned long long)keep, fk);
		if (oldest != INT64_MIN)
			cs_buf_appendf(b,
			    "\"oldest_day\":\"%s\",\"next_purge\":"
			    "\"%s\",\"overdue\":%s,",
			    od, np,
			    cs_purge_due(oldest, keep) <= now ? "true"
							      : "false");
		else
			cs_buf_puts(b,
			    "\"oldest_day\":null,\"next_purge\":null,"
			    "\"overdue\":false,");
		cs_buf_appendf(b, "\"days\":%lld,\"bytes\":%lld}",
		    (long long)ndays, (long long)bytes);
		*first = 0;
		return;
	}
	cs_buf_appendf(b, "%-7s retention %llu day%s", cs_class_name(cls),
	    (unsigned long long)keep, keep == 1 ? "" : "s");
	if (oldest == INT64_MIN) {
		cs_buf_puts(b, "; no data held\n");
		return;
	}
	cs_buf_appendf(b,
	    "; %lld day%s held (%lld bytes), oldest %s; next purge %s%s\n",
	    (long long)ndays, ndays == 1 ? "" : "s", (long long)bytes, od, np,
	    cs_purge_due(oldest, keep) <= now ? " (overdue: run custos purge)"
					      : "");
}

/* attest - what was destroyed and when, from the audit trail */
static int
attest(const struct dirs *d, int json)
{
	struct cs_audit *a = NULL;
	struct cs_audit_entry *e = NULL;
	struct cs_errbuf eb = {""}, veb = {""};
	struct cs_buf b;
	char ts[40], head[65] = "";
	int64_t bad = 0, seq = 0;
	size_t n = 0, i, k = 0;
	int intact, pass;

	if (cs_audit_open(d->data, d->keys, 0, &a, &eb) != CS_OK) {
		fprintf(stderr, "custos: retention --attest: %s\n", eb.msg);
		return 1;
	}
	intact = cs_audit_verify(a, &bad, &veb) == CS_OK;
	cs_audit_head(a, &seq, head, &eb);
	if (cs_audit_list(a, NULL, &e, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: retention --attest: %s\n", eb.msg);
		cs_audit_close(a);
		return 1;
	}
	cs_buf_init(&b, NULL, 0, 256 * 1024 * 1024);
	if (json) {
		cs_buf_appendf(&b,
		    "{\"trail\":{\"intact\":%s,\"entries\":%lld,"
		    "\"head\":\"%s\"",
		    intact ? "true" : "false", (long long)seq, head);
		if (!intact) {
			cs_buf_puts(&b, ",\"problem\":");
			cs_buf_json_str(&b, veb.msg, strlen(veb.msg));
		}
		cs_buf_puts(&b, "}");
	} else {
		cs_buf_appendf(&b, "audit trail %s: %lld entries, head %s\n",
		    intact ? "intact" : "DAMAGED", (long long)seq, head);
		if (!intact)
			cs_buf_appendf(&b, "  %s\n", veb.msg);
	}
	for (pass = 0; pass < 2; pass++) {
		const char *pfx = pass == 0 ? "retention.purge" : "hold.";
		if (json)
			cs_buf_appendf(
			    &b, ",\"%s\":[", pass == 0 ? "destroyed" : "holds");
		else
			cs_buf_appendf(&b, "\n%s\n",
			    pass == 0
				? "days destroyed (key first, then files):"
				: "preservation holds:");
		k = 0;
		for (i = 0; i < n; i++) {
			int match = pass == 0
			    ? strcmp(e[i].action, pfx) == 0
			    : strncmp(e[i].action, pfx, 5) == 0;
			if (!match)
				continue;
			cs_time_format(e[i].time, ts);
			if (json) {
				cs_buf_appendf(&b,
				    "%s{\"seq\":%lld,\"time\":"
				    "\"%s\",\"actor\":",
				    k ? "," : "", (long long)e[i].seq, ts);
				cs_buf_json_str(
				    &b, e[i].actor, strlen(e[i].actor));
				cs_buf_appendf(&b,
				    ",\"action\":\"%s\",\"case\":",
				    e[i].action);
				if (e[i].case_id && *e[i].case_id)
					cs_buf_json_str(&b, e[i].case_id,
					    strlen(e[i].case_id));
				else
					cs_buf_puts(&b, "null");
				cs_buf_appendf(&b,
				    ",\"detail\":%s,\"hash\":"
				    "\"%s\"}",
				    e[i].detail ? e[i].detail : "null",
				    e[i].hash);
			} else {
				cs_buf_appendf(&b,
				    "  #%lld %s %s by %s%s%s: %s\n"
				    "      sha256 %s\n",
				    (long long)e[i].seq, ts, e[i].action,
				    e[i].actor,
				    e[i].case_id && *e[i].case_id ? " case "
								  : "",
				    e[i].case_id ? e[i].case_id : "",
				    e[i].detail
					? e[i].detail
					: "(detail sealed: no audit key)",
				    e[i].hash);
			}
			k++;
		}
		if (json)
			cs_buf_puts(&b, "]");
		else if (k == 0)
			cs_buf_puts(&b, "  none\n");
	}
	if (json)
		cs_buf_puts(&b, "}\n");
	cs_audit_entries_free(e, n);
	cs_audit_close(a);
	return flush(&b) || !intact;
}

int
cmd_retention(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"attest", no_argument, NULL, 'a'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_config cfg;
	struct cs_errbuf eb = {""};
	struct cs_dayinfo *days = NULL;
	struct cs_vhold *h = NULL;
	struct dirs d;
	struct cs_buf b;
	const char *cfgpath = NULL;
	char ts[40];
	size_t n = 0, nh = 0, i, unread = 0, k = 0;
	int opt, json = 0, att = 0, first = 1, c;
	cs_time now = cs_time_now();

	dirs_default(&d);
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'a':
			att = 1;
			break;
		case 'd':
			d.data = optarg;
			break;
		case 'k':
			d.keys = optarg;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			fputs(retention_usage, stdout);
			return 0;
		default:
			fputs(retention_usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(retention_usage, stderr);
		return 2;
	}
	if (att)
		return attest(&d, json);
	load_cfg(cfgpath, &cfg);
	if (cs_purge_inventory(d.data, d.keys, &days, &n, &eb) != CS_OK) {
		fprintf(stderr, "custos: retention: %s\n", eb.msg);
		return 1;
	}
	if (cs_hold_list(d.data, d.keys, NULL, &h, &nh, &eb) != CS_OK) {
		fprintf(stderr, "custos: retention: holds: %s\n", eb.msg);
		nh = 0;
	}
	for (i = 0; i < n; i++)
		if ((days[i].what & CS_DI_DATA) && !(days[i].what & CS_DI_KEY))
			unread++;
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	cs_time_format(now, ts);
	if (json)
		cs_buf_appendf(&b, "{\"now\":\"%s\",\"sources\":[", ts);
	else
		cs_buf_appendf(&b,
		    "at %s (each source's days have their own key and "
		    "are destroyed at their own time):\n\n",
		    ts);
	for (c = 0; c < CS_NCLASS; c++)
		source_out(
		    &b, json, &first, c, cs_purge_keep(&cfg, c), days, n, now);
	if (json)
		cs_buf_puts(&b, "],\"holds\":[");
	else
		cs_buf_puts(&b, "\nholds in force:\n");
	for (i = 0; i < nh; i++) {
		char t1[40], t2[40], t3[40];
		if (h[i].released != CS_TIME_NONE ||
		    (h[i].expires != CS_TIME_NONE && now >= h[i].expires))
			continue;
		cs_time_format(h[i].from, t1);
		cs_time_format(h[i].to, t2);
		if (h[i].expires == CS_TIME_NONE)
			snprintf(t3, sizeof(t3), "the case closes");
		else
			cs_time_format(h[i].expires, t3);
		if (json)
			cs_buf_appendf(&b,
			    "%s{\"hold\":\"%s#%lld\",\"from\":\"%s\","
			    "\"to\":\"%s\",\"expires\":\"%s\",\"bindings\":%"
			    "lld,"
			    "\"envelopes\":%lld}",
			    k ? "," : "", h[i].case_id, (long long)h[i].id, t1,
			    t2, t3, (long long)h[i].nbind,
			    (long long)h[i].nmail);
		else
			cs_buf_appendf(&b,
			    "  %s#%lld  %s .. %s  until %s  "
			    "(%lld bindings, %lld envelopes in the vault)\n",
			    h[i].case_id, (long long)h[i].id, t1, t2, t3,
			    (long long)h[i].nbind, (long long)h[i].nmail);
		k++;
	}
	if (!json && k == 0)
		cs_buf_puts(&b, "  none\n");
	/* the case desk's holds: copied into vaults when their days go */
	{
		struct cs_casedb *db = NULL;
		struct cs_hold *ch = NULL;
		size_t nch = 0, j;
		char p[PATH_MAX + 16], tu[40], tv[CS_CASE_STR + 32];

		snprintf(p, sizeof(p), "%s/cases.db", d.data);
		if (access(p, F_OK) == 0 &&
		    (cs_casedb_open(d.data, d.keys, 0, &db, &eb) != CS_OK ||
			cs_casedb_holds(db, now, &ch, &nch, &eb) != CS_OK))
			fprintf(stderr,
			    "custos: retention: case desk holds: %s\n", eb.msg);
		cs_casedb_close(db);
		if (json)
			cs_buf_puts(&b, "],\"case_holds\":[");
		else if (nch)
			cs_buf_puts(&b,
			    "\nheld by the case desk (copied into "
			    "the case's vault when their days are purged):\n");
		for (j = 0; j < nch; j++) {
			if (ch[j].until == CS_TIME_NONE)
				snprintf(tu, sizeof(tu), "the case closes");
			else
				cs_time_format(ch[j].until, tu);
			if (json) {
				cs_buf_appendf(&b,
				    "%s{\"case\":\"%s\",\"basis\":"
				    "\"%s\",\"target\":",
				    j ? "," : "", ch[j].case_id, ch[j].basis);
				snprintf(tv, sizeof(tv), "%s:%s",
				    cs_tkind_name(ch[j].t.kind), ch[j].t.value);
				cs_buf_json_str(&b, tv, strlen(tv));
				cs_buf_appendf(&b, ",\"until\":%s%s%s}",
				    ch[j].until == CS_TIME_NONE ? "" : "\"",
				    ch[j].until == CS_TIME_NONE ? "null" : tu,
				    ch[j].until == CS_TIME_NONE ? "" : "\"");
			} else {
				cs_buf_appendf(&b,
				    "  case %s  %s  %s:%s  until "
				    "%s\n",
				    ch[j].case_id, ch[j].basis,
				    cs_tkind_name(ch[j].t.kind), ch[j].t.value,
				    tu);
			}
		}
		free(ch);
	}
	if (json)
		cs_buf_appendf(&b, "],\"unreadable_days\":%zu}\n", unread);
	else {
		if (unread)
			cs_buf_appendf(&b,
			    "\n%zu day%s of data without a key "
			    "(unreadable; custos keys status)\n",
			    unread, unread == 1 ? "" : "s");
	}
	free(days);
	free(h);
	return flush(&b);
}
