/*
 * cmd_serve - custos serve: the daemon.  Runs the purge on a timer (at
 * start, then every --purge-every seconds) and, with --interface, keeps a
 * `custos tap --interface IF` running: restarted with backoff when it
 * exits, and restarted when the intercepts in force change (the tap takes
 * its intercepts at start).  Each job runs in a child process, so a
 * failure of one never stops the other.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "li/prov.h"
#include "util/span.h"
#include "util/time.h"

static const char serve_usage[] =
    "usage: custos serve [--data DIR] [--keys DIR] [--config FILE]\n"
    "                    [--interface IF] [--purge-every SECONDS]\n"
    "                    [--check-every SECONDS] [--once]\n"
    "\n"
    "Run custos as a daemon:\n"
    "  - retention: `custos purge` at start and every --purge-every\n"
    "    seconds (default 3600): days past retention are destroyed, key\n"
    "    first (docs/storage.md);\n"
    "  - intercept: with --interface IF, `custos tap --interface IF` is\n"
    "    kept running; it is restarted with backoff (1 s doubling to 60 s)\n"
    "    when it exits, and restarted when the intercepts in force change\n"
    "    (checked every --check-every seconds, default 10).  Records wait\n"
    "    in the spools across restarts.\n"
    "  --once  one purge pass, then exit with its status (for cron)\n"
    "\n"
    "Stops on SIGTERM or SIGINT (children are stopped first).  Each job's\n"
    "output goes to stdout/stderr, one line per event.\n";

static volatile sig_atomic_t serve_stop;

static void
serve_on_stop(int sig)
{
	(void)sig;
	serve_stop = 1;
}

struct serve {
	struct dirs d;
	const char *config, *iface;
	long purge_every, check_every;
};

static void
stamp(const char *what)
{
	char ts[40];

	cs_time_format(cs_time_now(), ts);
	printf("%s serve: %s\n", ts, what);
	fflush(stdout);
}

/* child_purge - `custos purge` in a child; its exit status */
static int
child_purge(const struct serve *sv)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		char *av[10];
		int n = 0;

		av[n++] = (char *)"purge";
		av[n++] = (char *)"--data";
		av[n++] = (char *)sv->d.data;
		av[n++] = (char *)"--keys";
		av[n++] = (char *)sv->d.keys;
		av[n++] = (char *)"--by";
		av[n++] = (char *)"custos-serve";
		if (sv->config != NULL) {
			av[n++] = (char *)"--config";
			av[n++] = (char *)sv->config;
		}
		av[n] = NULL;
		optind = 0;
		n = cmd_purge(n, av);
		fflush(stdout);
		fflush(stderr);
		_exit(n);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* start_tap - `custos tap --interface IF` in a child */
static pid_t
start_tap(const struct serve *sv)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		char *av[] = {(char *)"tap", (char *)"--interface",
		    (char *)sv->iface, (char *)"--data", (char *)sv->d.data,
		    (char *)"--keys", (char *)sv->d.keys, NULL};
		struct sigaction sa;
		int rc;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		optind = 0;
		rc = cmd_tap(7, av);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	return pid;
}

/*
 * fingerprint - what the tap took at start: the ids and ends of the
 * intercepts in force (a change means a restart)
 */
static unsigned long long
fingerprint(const struct serve *sv)
{
	struct li_prov *pv = NULL;
	struct li_icpt *ic = NULL;
	struct cs_errbuf eb = {""};
	unsigned long long h = 1469598103934665603ull;
	size_t n = 0, i;
	const char *p;

	if (li_prov_open(&pv, sv->d.data, sv->d.keys, &eb) != CS_OK)
		return 0;
	if (li_prov_load(pv, cs_time_now(), &ic, &n, &eb) == CS_OK) {
		for (i = 0; i < n; i++) {
			for (p = ic[i].id; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ull;
			h = (h ^ (unsigned long long)ic[i].ends) *
			    1099511628211ull;
			h = (h ^ (unsigned long long)ic[i].stopped) *
			    1099511628211ull;
		}
		free(ic);
	}
	li_prov_close(pv);
	return h;
}

static int
reap(pid_t pid, int block)
{
	int st;
	pid_t r;

	r = waitpid(pid, &st, block ? 0 : WNOHANG);
	if (r == pid)
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return -1;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"purge-every", required_argument, NULL, 'p'},
	    {"check-every", required_argument, NULL, 'c'},
	    {"once", no_argument, NULL, 'o'},
	    {"config", required_argument, NULL, 'C'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct serve sv;
	struct sigaction sa;
	uint64_t v;
	int opt, once = 0, rc;
	pid_t tap = -1;
	time_t next_purge = 0, next_check = 0, next_tap = 0, tap_at = 0;
	long backoff = 1;
	unsigned long long fp = 0;

	memset(&sv, 0, sizeof(sv));
	dirs_default(&sv.d);
	sv.purge_every = 3600;
	sv.check_every = 10;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'i':
			sv.iface = optarg;
			break;
		case 'p':
		case 'c':
			if (cs_parse_u64(cs_span_cstr(optarg), 1, 86400 * 7,
				&v) != CS_OK) {
				fprintf(stderr,
				    "custos serve: --%s: seconds, 1..604800\n",
				    opt == 'p' ? "purge-every" : "check-every");
				return 2;
			}
			if (opt == 'p')
				sv.purge_every = (long)v;
			else
				sv.check_every = (long)v;
			break;
		case 'o':
			once = 1;
			break;
		case 'C':
			sv.config = optarg;
			break;
		case 'd':
			sv.d.data = optarg;
			break;
		case 'k':
			sv.d.keys = optarg;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return 0;
		default:
			fputs(serve_usage, stderr);
			return 2;
		}
	}
	if (optind != argc || (once && sv.iface != NULL)) {
		fputs(serve_usage, stderr);
		return 2;
	}
	if (once) {
		stamp("purge");
		return child_purge(&sv);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	stamp("started");
	while (!serve_stop) {
		time_t now = time(NULL);

		if (now >= next_purge) {
			stamp("purge");
			rc = child_purge(&sv);
			if (rc != 0) {
				char m[64];

				snprintf(m, sizeof(m),
				    "purge failed (exit %d); retried at the "
				    "next interval",
				    rc);
				stamp(m);
			}
			next_purge = time(NULL) + sv.purge_every;
		}
		if (sv.iface != NULL) {
			if (tap > 0 && (rc = reap(tap, 0)) >= 0) {
				char m[80];

				/* a tap that ran a while starts the backoff
				   again; one that keeps failing waits longer */
				if (time(NULL) - tap_at >= 60)
					backoff = 1;
				snprintf(m, sizeof(m),
				    "tap exited (%d); restart in %ld s", rc,
				    backoff);
				stamp(m);
				tap = -1;
				next_tap = time(NULL) + backoff;
				backoff = backoff * 2 > 60 ? 60 : backoff * 2;
			}
			if (now >= next_check) {
				unsigned long long f = fingerprint(&sv);

				if (tap > 0 && f != fp) {
					stamp("intercepts changed: tap "
					      "restarted");
					kill(tap, SIGTERM);
					reap(tap, 1);
					tap = -1;
					next_tap = 0;
				}
				fp = f;
				next_check = now + sv.check_every;
			}
			if (tap < 0 && now >= next_tap) {
				stamp("tap started");
				tap = start_tap(&sv);
				tap_at = time(NULL);
			}
		}
		sleep(1);
	}
	if (tap > 0) {
		kill(tap, SIGTERM);
		reap(tap, 1);
	}
	stamp("stopped");
	return 0;
}
