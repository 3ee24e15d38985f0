/* cmd_retention - custos purge, retention, keys status, hold */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/audit.h"
#include "core/cfg.h"
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
    "Destroy every day past its retention, whole: first the day's key\n"
    "(KEYS/days/D.key is renamed out of reach, overwritten with zeros,\n"
    "fsynced and unlinked, and the key directory fsynced), then the day's\n"
    "files (DATA/days/D.db, -wal, -shm and DATA/nat/D.db*), then the data\n"
    "directories are fsynced.  From the moment the key is gone, the day\n"
    "is unreadable in every copy of the data directory, backups included.\n"
    "Nothing reads the day's rows, so the cost does not depend on its\n"
    "size.  Each destroyed day is recorded in the audit trail\n"
    "(action retention.purge; see custos retention --attest).\n"
    "\n"
    "A day D is destroyed once the current time is past the end of D plus\n"
    "the retention.  Identity bindings and SMTP envelopes share the day\n"
    "files, so the whole day is kept for the LONGEST of retention_days and\n"
    "retention_smtp_days (configuration file); NAT records follow the day\n"
    "files.  Records under a preservation hold were copied into the case's\n"
    "vault (custos hold new) and are not affected.\n"
    "\n"
    "The purge of each day is journaled (DATA/purge.journal, and an empty\n"
    "KEYS/days/D.purged that marks the day as destroyed): a purge killed at\n"
    "any step leaves the day either whole and readable or gone and\n"
    "unreadable, and the next purge finishes it.\n"
    "\n"
    "  --dry-run    list what would be destroyed; change nothing\n"
    "  --json       {\"now\", \"keep_days\", \"first_kept\", \"dry_run\",\n"
    "               \"days\": [{\"day\", \"key\", \"bytes\", \"resumed\"}]}\n"
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
	struct dirs d;
	struct cs_buf b;
	const char *cfgpath = NULL, *by = NULL, *crash;
	char name[16], ts[40];
	size_t n = 0, i;
	int opt, json = 0, rc;
	uint64_t v;
	enum cs_err e;

	dirs_default(&d);
	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'n': o.dry_run = 1; break;
		case 'j': json = 1; break;
		case 'b': by = optarg; break;
		case 'd': d.data = optarg; break;
		case 'k': d.keys = optarg; break;
		case 'c': cfgpath = optarg; break;
		case 'h': fputs(purge_usage, stdout); return 0;
		default: fputs(purge_usage, stderr); return 2;
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
	o.keep = cs_purge_keep_days(&cfg);
	o.actor = actor(by);
	if ((crash = getenv("CUSTOS_PURGE_CRASH_AT")) != NULL && *crash &&
	    cs_parse_u64(cs_span_cstr(crash), 0, 100, &v) == CS_OK)
		o.crash_at = (int)v;
	e = cs_purge_run(&o, &days, &n, &eb);
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	cs_time_format(o.now, ts);
	cs_day_name(cs_purge_first_kept(o.now, o.keep), name);
	if (json) {
		cs_buf_appendf(&b, "{\"now\":\"%s\",\"keep_days\":%llu,"
		    "\"first_kept\":\"%s\",\"dry_run\":%s,\"days\":[", ts,
		    (unsigned long long)o.keep, name,
		    o.dry_run ? "true" : "false");
		for (i = 0; i < n; i++) {
			cs_day_name(days[i].day, name);
			cs_buf_appendf(&b, "%s{\"day\":\"%s\",\"key\":%s,"
			    "\"bytes\":%lld,\"resumed\":%s}", i ? "," : "",
			    name, (days[i].what & CS_DI_KEY) ? "true" :
			    "false", (long long)days[i].bytes,
			    (days[i].what & CS_DI_JOURNAL) ? "true" : "false");
		}
		cs_buf_puts(&b, "]}\n");
	} else {
		cs_buf_appendf(&b, "keeping %llu day%s (the longest of "
		    "retention_days %llu and retention_smtp_days %llu): days "
		    "before %s %s\n", (unsigned long long)o.keep,
		    o.keep == 1 ? "" : "s",
		    (unsigned long long)cfg.retention_days,
		    (unsigned long long)cfg.retention_smtp_days, name,
		    o.dry_run ? "would be destroyed" : "are destroyed");
		for (i = 0; i < n; i++) {
			cs_day_name(days[i].day, name);
			cs_buf_appendf(&b, "%s %s: key %s, %lld bytes of data"
			    "%s\n", o.dry_run ? "would destroy" : "destroyed",
			    name, (days[i].what & CS_DI_KEY) ? "destroyed" :
			    "already gone", (long long)days[i].bytes,
			    (days[i].what & CS_DI_JOURNAL) ?
			    " (finished an interrupted purge)" : "");
		}
		cs_buf_appendf(&b, "%zu day%s %s\n", n, n == 1 ? "" : "s",
		    o.dry_run ? "due" : "destroyed");
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
    "Which days have keys: for each day the key and data directories know\n"
    "of, its state:\n"
    "  readable          key and data: the day answers lookups\n"
    "  unreadable        data without a key: the key was destroyed (or\n"
    "                    lost); the files are dead weight until purged\n"
    "  key without data  a key whose day has no files (nothing ingested\n"
    "                    that day, or files removed by hand)\n"
    "  purged            destroyed by custos purge (KEYS/days/D.purged)\n"
    "  purge unfinished  a purge was interrupted; the next one finishes it\n"
    "\n"
    "  --json   {\"days\": [{\"day\", \"state\", \"key\", \"data\", \"nat\",\n"
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
		case 'j': json = 1; break;
		case 'd': d.data = optarg; break;
		case 'k': d.keys = optarg; break;
		case 'h': fputs(keys_usage, stdout); return 0;
		default: fputs(keys_usage, stderr); return 2;
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
			cs_buf_appendf(&b, "%s{\"day\":\"%s\",\"state\":\"%s\","
			    "\"key\":%s,\"data\":%s,\"nat\":%s,\"bytes\":%lld}",
			    i ? "," : "", name, st,
			    (days[i].what & CS_DI_KEY) ? "true" : "false",
			    (days[i].what & CS_DI_DB) ? "true" : "false",
			    (days[i].what & CS_DI_NAT) ? "true" : "false",
			    (long long)days[i].bytes);
		else
			cs_buf_appendf(&b, "%s  %-17s key %-3s  data %-3s  "
			    "nat %-3s  %lld bytes\n", name, st,
			    (days[i].what & CS_DI_KEY) ? "yes" : "no",
			    (days[i].what & CS_DI_DB) ? "yes" : "no",
			    (days[i].what & CS_DI_NAT) ? "yes" : "no",
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
			cs_buf_appendf(&b, "%s%zu %s", k ? ", " : "", cnt[k],
			    states[k]);
		cs_buf_putc(&b, '\n');
	}
	free(days);
	return flush(&b);
}
