/* cmd_ingest - custos ingest: read logs into the store */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/cfg.h"
#include "core/ingest.h"
#include "util/log.h"

static volatile int stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	const struct cs_fmt *const *fl = cs_fmt_list();
	int i;

	fprintf(f,
	    "usage: custos ingest [--data DIR] [--keys DIR] [--format NAME]"
	    " [--tz ZONE]\n"
	    "                     [--year YYYY] [--lease-time SECONDS] "
	    "[--follow]"
	    " [--quiet] [--json] FILE...\n\n"
	    "Reads RADIUS, DHCP and SMTP logs into the store.  Each file's "
	    "format\n"
	    "is detected from its content unless --format names it.  Ingesting "
	    "a\n"
	    "file again adds nothing; an interrupted run resumes where it "
	    "stopped.\n"
	    "Malformed records are reported as FILE:LINE, kept sealed in the\n"
	    "quarantine, and never stop the run.\n\n"
	    "  --data DIR          data directory ($CUSTOS_DATA, else %s)\n"
	    "  --keys DIR          key directory, mode 0700, outside the data\n"
	    "                      directory ($CUSTOS_KEYS, else %s)\n"
	    "  --format NAME       the format of every FILE (see below)\n"
	    "  --tz ZONE           IANA zone of local-time stamps (FreeRADIUS\n"
	    "                      headers, BSD syslog, Kea's log file); "
	    "default:\n"
	    "                      the system zone\n"
	    "  --year YYYY         year of syslog stamps that have none; "
	    "default:\n"
	    "                      the year that puts them at most a day ahead "
	    "of now\n"
	    "  --lease-time SECS   DHCP lease time when the log does not say\n"
	    "                      (dhcpd and dnsmasq syslog lines); the lease "
	    "then\n"
	    "                      ends at ACK + SECS unless renewed (end "
	    "'inferred');\n"
	    "                      default: dhcp_lease_time in the "
	    "configuration\n"
	    "  --config FILE       configuration file ($CUSTOS_CONFIG, else\n"
	    "                      /etc/custos/custos.conf; see custos "
	    "config)\n"
	    "  --follow            keep reading as files grow; survives "
	    "rotation\n"
	    "                      by rename and copytruncate; stop with "
	    "SIGTERM\n"
	    "  --quiet             no progress or summary on stderr\n"
	    "  --json              print the summary as JSON on stdout\n\n"
	    "formats:\n",
	    DEFAULT_DATA, DEFAULT_KEYS);
	for (i = 0; fl[i]; i++)
		fprintf(f, "  %-14s %s\n", fl[i]->name, fl[i]->help);
	fprintf(f,
	    "\nExit status: 0 when every file was read (rejected records "
	    "included), 1 when a file could not be read or the store failed, "
	    "2 on bad usage.\n");
}

static void
summary_json(const struct cs_ingest_stats *st)
{
	struct cs_buf b;
	int i;

	cs_buf_init(&b, NULL, 0, 1 << 20);
	cs_buf_appendf(&b,
	    "{\"files\":%llu,\"bytes\":%llu,\"lines\":%llu,"
	    "\"records\":%llu,\"observations\":%llu,\"bindings_added\":%llu,"
	    "\"bindings_updated\":%llu,\"smtp\":%llu,\"nas_resets\":%llu,"
	    "\"unmatched_closes\":%llu,\"nat_records\":%llu,"
	    "\"skipped\":%llu,\"rejected\":%llu,"
	    "\"seconds\":%.3f,\"skipped_by\":{",
	    (unsigned long long)st->files, (unsigned long long)st->bytes,
	    (unsigned long long)st->lines, (unsigned long long)st->records,
	    (unsigned long long)st->observations,
	    (unsigned long long)st->fold.added,
	    (unsigned long long)st->fold.updated,
	    (unsigned long long)st->fold.smtp,
	    (unsigned long long)st->fold.resets,
	    (unsigned long long)st->fold.unmatched,
	    (unsigned long long)st->fold.nat, (unsigned long long)st->skipped,
	    (unsigned long long)st->rejected, st->seconds);
	for (i = 0; i < st->nskip; i++) {
		cs_buf_puts(&b, i ? "," : "");
		cs_buf_json_str(&b, st->skip[i].what, strlen(st->skip[i].what));
		cs_buf_appendf(&b, ":%llu", (unsigned long long)st->skip[i].n);
	}
	cs_buf_puts(&b, "},\"rejected_by\":{");
	for (i = 0; i < st->nreject; i++) {
		cs_buf_puts(&b, i ? "," : "");
		cs_buf_json_str(
		    &b, st->reject[i].what, strlen(st->reject[i].what));
		cs_buf_appendf(
		    &b, ":%llu", (unsigned long long)st->reject[i].n);
	}
	cs_buf_puts(&b, "}}\n");
	fputs(b.data, stdout);
	cs_buf_release(&b);
}

static void
summary_text(const struct cs_ingest_stats *st)
{
	int i;

	fprintf(stderr,
	    "custos: ingest: %llu files, %llu records in %.2f s "
	    "(%.0f records/s)\n",
	    (unsigned long long)st->files, (unsigned long long)st->records,
	    st->seconds,
	    st->seconds > 0 ? (double)st->records / st->seconds : 0.0);
	fprintf(stderr,
	    "  bindings added %llu, updated %llu; smtp envelopes "
	    "%llu; NAS resets %llu; NAT records %llu\n",
	    (unsigned long long)st->fold.added,
	    (unsigned long long)st->fold.updated,
	    (unsigned long long)st->fold.smtp,
	    (unsigned long long)st->fold.resets,
	    (unsigned long long)st->fold.nat);
	if (st->fold.unmatched)
		fprintf(stderr,
		    "  %llu closing records matched no opening "
		    "record and carried no start (nothing to store)\n",
		    (unsigned long long)st->fold.unmatched);
	fprintf(stderr, "  skipped %llu\n", (unsigned long long)st->skipped);
	for (i = 0; i < st->nskip; i++)
		fprintf(stderr, "    %8llu  %s\n",
		    (unsigned long long)st->skip[i].n, st->skip[i].what);
	fprintf(stderr, "  rejected %llu%s\n", (unsigned long long)st->rejected,
	    st->rejected ? " (sealed in the quarantine)" : "");
	for (i = 0; i < st->nreject; i++)
		fprintf(stderr, "    %8llu  %s\n",
		    (unsigned long long)st->reject[i].n, st->reject[i].what);
}

int
cmd_ingest(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"format", required_argument, NULL, 'f'},
	    {"tz", required_argument, NULL, 'z'},
	    {"year", required_argument, NULL, 'y'},
	    {"lease-time", required_argument, NULL, 'l'},
	    {"follow", no_argument, NULL, 'F'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'j'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cs_config cfg;
	const char *cfgpath = NULL;
	int lease_given = 0;
	struct cs_ingest_opts o;
	struct cs_ingest_stats st;
	struct cs_errbuf eb = {""};
	struct dirs d;
	struct cs_store *s;
	struct sigaction sa;
	int c, quiet = 0, json = 0;
	uint64_t v, purged = 0;
	enum cs_err e;

	memset(&o, 0, sizeof(o));
	o.max_report = 20;
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
			if (cs_fmt_find(optarg) == NULL) {
				fprintf(stderr,
				    "custos: ingest: unknown format "
				    "'%s'\n\n",
				    optarg);
				usage(stderr);
				return 2;
			}
			o.format = optarg;
			break;
		case 'z':
			o.tz = optarg;
			break;
		case 'y':
			if (cs_parse_u64(cs_span_cstr(optarg), 1970, 9999,
				&v) != CS_OK) {
				fprintf(stderr,
				    "custos: ingest: --year wants a "
				    "year such as 2026\n");
				return 2;
			}
			o.year = (int)v;
			break;
		case 'l':
			if (cs_parse_u64(cs_span_cstr(optarg), 1, 365 * 86400,
				&v) != CS_OK) {
				fprintf(stderr,
				    "custos: ingest: --lease-time "
				    "wants seconds (1..31536000)\n");
				return 2;
			}
			o.lease_time = (int64_t)v;
			lease_given = 1;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'F':
			o.follow = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (cs_cfg_load(cfgpath, &cfg, &eb) != CS_OK) {
		fprintf(stderr, "custos: ingest: %s\n", eb.msg);
		return 1;
	}
	if (!lease_given)
		o.lease_time = (int64_t)cfg.dhcp_lease_time;
	if (optind >= argc) {
		fprintf(stderr, "custos: ingest: no files given\n\n");
		usage(stderr);
		return 2;
	}
	if (o.tz) {
		struct cs_tz tz;
		if (cs_tz_init(&tz, o.tz, &eb) != CS_OK) {
			fprintf(stderr, "custos: ingest: --tz: %s\n", eb.msg);
			return 2;
		}
	}
	o.progress = !quiet && isatty(2);
	o.stop = &stop_flag;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	s = open_store(&d, CS_STORE_RW);
	cs_store_bulk(s, !o.follow);
	e = cs_ingest_run(s, &o, argv + optind, argc - optind, &st, &eb);
	purged = cs_store_skipped_purged(s);
	if (e != CS_OK && eb.msg[0])
		fprintf(stderr, "custos: ingest: %s\n", eb.msg);
	cs_store_close(s);
	if (json)
		summary_json(&st);
	if (!quiet) {
		summary_text(&st);
		if (purged)
			fprintf(stderr,
			    "  %llu records belong to days already "
			    "purged (retention): not stored\n",
			    (unsigned long long)purged);
	}
	if (stop_flag && !o.follow) {
		fprintf(stderr,
		    "custos: ingest: interrupted; what was read is "
		    "committed: run the same command again to resume\n");
		return 1;
	}
	return e == CS_OK ? 0 : 1;
}
