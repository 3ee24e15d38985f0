/*
 * cmd_tap - custos tap: capture the targets' traffic and deliver it.
 *
 * The glue of the intercept path (docs/intercept.md):
 *
 *   supervisor (this process; never reads a packet or a delivery key)
 *     |- delivery (a child): per agency an HI2 and an HI3 link, each
 *     |    reading its spool and sending to the agency (link.h); holds
 *     |    the TLS keys
 *     `- capture (a child): opens the capture, drops privileges, installs
 *          the syscall allow-list, then reads packets -> match (match.h)
 *          -> encode (pspdu.h) -> append to the spools (spool.h)
 *
 * The capture tells the supervisor over a pipe when an intercept ended by
 * its timer (line "E <index> <time> <rule>"); the supervisor records it
 * (li_prov_ended, audited).  The clock is the packets' own: a replay at
 * full speed yields what real time would (DESIGN.md), and an intercept
 * covers the packets in [activated, ends).
 *
 * Nothing here prints a LIID, a target or a byte of content: diagnostics
 * name intercepts by their local id ("I-7") and agencies by name.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "core/case.h"
#include "li/cap.h"
#include "li/li.h"
#include "li/link.h"
#include "li/match.h"
#include "li/pkt.h"
#include "li/priv.h"
#include "li/prov.h"
#include "li/pspdu.h"
#include "li/spool.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/time.h"
#include "util/xmalloc.h"

static const char tap_usage[] =
    "usage: custos tap (--interface IF | --read FILE [--realtime] |\n"
    "                   --deliver-only)\n"
    "                  [--data DIR] [--keys DIR] [--user USER]\n"
    "                  [--evidence DIR] [--no-deliver] [--drain SECONDS]\n"
    "                  [--spool-max BYTES] [--spool-alarm PCT]\n"
    "                  [--trust ADDR[/LEN]]... [--json]\n"
    "\n"
    "Capture the traffic of every intercept in force (custos intercept "
    "new)\nand deliver it to each agency in ETSI TS 102 232: IRI on HI2, "
    "content\n(Title III iri+cc only) on HI3.  Pen/trap intercepts get IRI "
    "and\nheader-only packet reports (IPIRIPacketReport), never content.\n"
    "\n"
    "  --interface IF    capture live on IF (libpcap)\n"
    "  --read FILE       replay a pcap/pcapng file, as fast as possible\n"
    "  --realtime        with --read: at the capture's own pace\n"
    "  --user USER       drop to this user after opening the capture\n"
    "                    (when run as root; default nobody)\n"
    "  --evidence DIR    also write DIR/<intercept>.pcap per intercept\n"
    "                    (pen/trap: headers only) and a SHA-256 manifest\n"
    "  --no-deliver      only spool the records (a later tap or serve\n"
    "                    delivers them)\n"
    "  --deliver-only    capture nothing: deliver what the spools hold,\n"
    "                    until acknowledged or --drain seconds pass\n"
    "  --drain SECONDS   after a replay, wait this long for every record\n"
    "                    to be acknowledged by its agency (default 30)\n"
    "  --spool-max BYTES bound of each spool (default 1073741824)\n"
    "  --spool-alarm PCT warn when a spool is this full (default 80)\n"
    "  --trust ADDR[/LEN]  believe RADIUS accounting and DHCP only from\n"
    "                    these sources (the NASes, DHCP servers and\n"
    "                    relays); repeat it.  Default: every source, so a\n"
    "                    forged Accounting-Request could move a target:\n"
    "                    list them in production\n"
    "  --json            the summary as one JSON object on stdout\n"
    "  --data DIR, --keys DIR  as for every command\n"
    "\n"
    "The clock is the packets' own: an intercept takes the packets in\n"
    "[activation, end), and ends by itself at its end (the order's end,\n"
    "the 48-hour emergency limit, or a stop) with an end-of-interception\n"
    "IRI.  Records wait in an on-disk spool per agency and HI, sealed,\n"
    "until the agency acknowledges them (a keep-alive response), so an\n"
    "agency that is down or a restart loses nothing.\n"
    "\n"
    "Exit status: 0 done (every record delivered, or spooled with\n"
    "--no-deliver), 1 an error, 2 bad usage, 4 records left undelivered\n"
    "in the spool after --drain.\n";

#define SPOOL_KEY "li-spool.key"
#define MAX_ICPT 256
/*
 * spools made durable, and so visible to the delivery, this often (wall
 * clock, and only when records were put): short, so that delivery runs
 * alongside the capture instead of after it
 */
#define SYNC_US 50000

enum { HI2 = 0, HI3 = 1 };

struct agency_rt {
	struct li_agency a;
	struct li_spool *w[2]; /* writers (capture side) */
	char dir[2][PATH_MAX];
	uint64_t put[2], full[2];
	int alarmed[2];
};

struct icpt_rt {
	struct li_icpt *ic; /* borrowed from the loaded array */
	struct agency_rt *ag;
	int active;  /* added to the matcher, not ended */
	int started; /* activation IRIs sent */
	int ended;
	uint64_t iri, cc, reports;
	int reporting;      /* start/end IRIs of live sessions being made */
	struct li_evid *ev; /* --evidence */
};

struct tap {
	struct dirs d;
	const char *iface, *readf, *user, *evdir;
	int realtime, deliver, json, deliver_only;
	long drain_s;
	uint64_t spool_max;
	unsigned spool_alarm;
	unsigned char key[32];

	struct li_icpt *ics;
	size_t nic;
	struct icpt_rt rt[MAX_ICPT];
	struct agency_rt *ags;
	size_t nag;

	struct li_match *m;
	struct cs_buf enc;
	cs_time last_sync;
	int ctl; /* capture -> supervisor pipe (write end) */
	uint64_t packets, matched, errors;
	int dirty;          /* records put since the last sync */
	cs_time next_timer; /* earliest pending start or end (timers) */
	struct cs_errbuf eb;
};

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- spool key: KEYS/li-spool.key, made on first use ---- */

static int
spool_key(struct tap *tp)
{
	char path[PATH_MAX];
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", tp->d.keys, SPOOL_KEY);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		char tmp[PATH_MAX + 8];

		if (mkdir(tp->d.keys, 0700) != 0 && errno != EEXIST)
			goto fail;
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			goto fail;
		randombytes_buf(tp->key, sizeof(tp->key));
		if (write(fd, tp->key, sizeof(tp->key)) !=
			(ssize_t)sizeof(tp->key) ||
		    fsync(fd) != 0) {
			close(fd);
			goto fail;
		}
		close(fd);
		if (rename(tmp, path) != 0)
			goto fail;
		return 0;
	}
	if (fd < 0)
		goto fail;
	r = read(fd, tp->key, sizeof(tp->key));
	close(fd);
	if (r != (ssize_t)sizeof(tp->key)) {
		fprintf(stderr,
		    "custos tap: %s: not a spool key (32 bytes); restore it "
		    "from the key backup\n",
		    path);
		return -1;
	}
	return 0;
fail:
	fprintf(
	    stderr, "custos tap: spool key %s: %s\n", path, strerror(errno));
	return -1;
}

/* ---- spools: DATA/li/spool/<agency>/hi2|hi3 ---- */

static int
mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static void
spool_dir(
    const struct dirs *d, const char *agency, int hi, char *out, size_t outlen)
{
	char name[sizeof(((struct li_agency *)0)->name)];

	/* a copy: agency and out may lie in the same struct agency_rt */
	snprintf(name, sizeof(name), "%s", agency);
	snprintf(out, outlen, "%s/li/spool/%s/%s", d->data, name,
	    hi == HI2 ? "hi2" : "hi3");
}

static struct agency_rt *
agency_of(struct tap *tp, const char *name)
{
	size_t i;

	for (i = 0; i < tp->nag; i++)
		if (strcmp(tp->ags[i].a.name, name) == 0)
			return &tp->ags[i];
	return NULL;
}

/*
 * add_spooled - agencies whose spools still hold records although no
 * intercept in force names them (an intercept that ended before its last
 * records were delivered): they are delivered too
 */
static int
add_spooled(struct tap *tp, struct li_prov *pv)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int hi;

	snprintf(path, sizeof(path), "%s/li/spool", tp->d.data);
	if ((dp = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL) {
		struct agency_rt *ag;

		if (de->d_name[0] == '.' || agency_of(tp, de->d_name) != NULL)
			continue;
		tp->ags =
		    cs_xreallocarray(tp->ags, tp->nag + 1, sizeof(*tp->ags));
		ag = &tp->ags[tp->nag];
		memset(ag, 0, sizeof(*ag));
		if (li_prov_agency_get(pv, de->d_name, &ag->a, &tp->eb) !=
		    CS_OK) {
			fprintf(stderr,
			    "custos tap: %s/%s holds records for an agency "
			    "that is no longer configured: they are kept, "
			    "not sent\n",
			    path, de->d_name);
			continue;
		}
		for (hi = 0; hi < 2; hi++)
			spool_dir(&tp->d, ag->a.name, hi, ag->dir[hi],
			    sizeof(ag->dir[hi]));
		tp->nag++;
	}
	closedir(dp);
	return 0;
}

/* load_agencies - every agency an intercept names, its spool directories */
static int
load_agencies(struct tap *tp, struct li_prov *pv)
{
	size_t i;
	int hi;

	tp->ags = cs_xcalloc(tp->nic ? tp->nic : 1, sizeof(*tp->ags));
	for (i = 0; i < tp->nic; i++) {
		struct agency_rt *ag = agency_of(tp, tp->ics[i].agency);

		if (ag == NULL) {
			ag = &tp->ags[tp->nag];
			if (li_prov_agency_get(pv, tp->ics[i].agency, &ag->a,
				&tp->eb) != CS_OK) {
				fprintf(stderr,
				    "custos tap: intercept %s: %s\n",
				    tp->ics[i].id, tp->eb.msg);
				return -1;
			}
			tp->nag++;
			for (hi = 0; hi < 2; hi++) {
				spool_dir(&tp->d, ag->a.name, hi, ag->dir[hi],
				    sizeof(ag->dir[hi]));
				if (mkdirs(ag->dir[hi]) != 0) {
					fprintf(stderr,
					    "custos tap: spool %s: %s\n",
					    ag->dir[hi], strerror(errno));
					return -1;
				}
			}
		}
	}
	if (add_spooled(tp, pv) != 0)
		return -1;
	/* the array is final: point each intercept at its agency */
	for (i = 0; i < tp->nic; i++) {
		tp->rt[i].ic = &tp->ics[i];
		tp->rt[i].ag = agency_of(tp, tp->ics[i].agency);
	}
	return 0;
}

/* spool_cfg - the configuration of an agency's HI spool */
static void
spool_cfg(const struct tap *tp, const struct agency_rt *ag, int hi,
    struct li_spool_cfg *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->dir = ag->dir[hi];
	sc->max_bytes = tp->spool_max;
	sc->alarm_pct = tp->spool_alarm;
	sc->key = tp->key;
}

/* open_writers - the capture side of every spool */
static int
open_writers(struct tap *tp)
{
	size_t i;
	int hi;

	for (i = 0; i < tp->nag; i++)
		for (hi = 0; hi < 2; hi++) {
			struct li_spool_cfg sc;

			spool_cfg(tp, &tp->ags[i], hi, &sc);
			tp->ags[i].w[hi] = li_spool_open(&sc, 1, &tp->eb);
			if (tp->ags[i].w[hi] == NULL) {
				fprintf(stderr,
				    "custos tap: spool of agency %s: %s\n",
				    tp->ags[i].a.name, tp->eb.msg);
				return -1;
			}
		}
	return 0;
}

/*
 * give_spools - when root and dropping to user: the spool tree becomes
 * the user's, so that the capture can add segments after the drop
 */
static int
give_spools(struct tap *tp)
{
	struct passwd *pw;
	char path[PATH_MAX];
	size_t i;
	int hi;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(tp->user);
	if (pw == NULL) {
		fprintf(stderr, "custos tap: no user %s to drop to (--user)\n",
		    tp->user);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/li/spool", tp->d.data);
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0)
		return -1;
	for (i = 0; i < tp->nag; i++) {
		snprintf(path, sizeof(path), "%s/li/spool/%s", tp->d.data,
		    tp->ags[i].a.name);
		if (chown(path, pw->pw_uid, pw->pw_gid) != 0)
			return -1;
		for (hi = 0; hi < 2; hi++) {
			DIR *dp = opendir(tp->ags[i].dir[hi]);
			struct dirent *de;

			if (dp == NULL ||
			    chown(tp->ags[i].dir[hi], pw->pw_uid, pw->pw_gid))
				return -1;
			while ((de = readdir(dp)) != NULL) {
				char f[PATH_MAX + 256];

				if (de->d_name[0] == '.')
					continue;
				snprintf(f, sizeof(f), "%s/%s",
				    tp->ags[i].dir[hi], de->d_name);
				if (chown(f, pw->pw_uid, pw->pw_gid) != 0) {
					closedir(dp);
					return -1;
				}
			}
			closedir(dp);
		}
	}
	return 0;
}

/* ---- encoding into the spools ---- */

static void
hdr_of(const struct icpt_rt *r, struct li_hdr *h, cs_time t)
{
	memset(h, 0, sizeof(*h));
	h->liid = r->ic->liid;
	h->auth_cc = r->ag->a.country;
	h->operator_id = r->ag->a.operator_id;
	h->ne_id = r->ag->a.ne_id;
	h->cin = r->ic->cin;
	h->deliv_cc = r->ag->a.country;
	h->ts = t;
}

static void
spool_put(struct tap *tp, struct icpt_rt *r, int hi)
{
	struct agency_rt *ag = r->ag;
	enum cs_err e;

	if (cs_buf_error(&tp->enc) != CS_OK) {
		tp->errors++;
		return;
	}
	e = li_spool_put(ag->w[hi], tp->enc.data, tp->enc.len, &tp->eb);
	if (e == CS_OK) {
		ag->put[hi]++;
		tp->dirty = 1;
		if (!ag->alarmed[hi] && li_spool_alarm(ag->w[hi])) {
			ag->alarmed[hi] = 1;
			fprintf(stderr,
			    "custos tap: ALARM: the %s spool of agency %s is "
			    "filling (%llu bytes): is the agency's end "
			    "reachable?\n",
			    hi == HI2 ? "HI2" : "HI3", ag->a.name,
			    (unsigned long long)li_spool_used(ag->w[hi]));
		}
		return;
	}
	if (ag->full[hi]++ == 0)
		fprintf(stderr,
		    "custos tap: ALARM: the %s spool of agency %s is full: "
		    "records are being lost (%s); raise --spool-max or "
		    "restore the agency link\n",
		    hi == HI2 ? "HI2" : "HI3", ag->a.name, tp->eb.msg);
	tp->errors++;
}

static void
emit_iri(struct tap *tp, struct icpt_rt *r, const struct li_iri *iri, cs_time t)
{
	struct li_hdr h;

	hdr_of(r, &h, t);
	h.seq = li_spool_seq(r->ag->w[HI2], r->ic->liid, r->ic->cin);
	cs_buf_reset(&tp->enc);
	if (li_enc_iri(&tp->enc, &h, iri) != CS_OK) {
		tp->errors++;
		return;
	}
	spool_put(tp, r, HI2);
	r->iri++;
}

/* ---- evidence pcaps (cap.h: li_evid) ---- */

static int
evidence_open(struct tap *tp, struct icpt_rt *r)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.pcap", tp->evdir, r->ic->id);
	r->ev = li_evid_open(path, &tp->eb);
	if (r->ev == NULL) {
		fprintf(stderr, "custos tap: evidence: %s\n", tp->eb.msg);
		return -1;
	}
	return 0;
}

static void
evidence_write(struct tap *tp, struct icpt_rt *r, cs_time t, const uint8_t *p,
    size_t caplen, size_t len)
{
	if (r->ev != NULL &&
	    li_evid_write(r->ev, t, p, caplen, len, &tp->eb) != CS_OK) {
		fprintf(stderr, "custos tap: evidence of %s: %s\n", r->ic->id,
		    tp->eb.msg);
		tp->errors++;
		li_evid_close(r->ev, NULL, NULL, &tp->eb);
		r->ev = NULL;
	}
}

/* evidence_close - close it; "H <index> <sha256>" to the supervisor */
static void
evidence_close(struct tap *tp, size_t i)
{
	struct icpt_rt *r = &tp->rt[i];
	char sha[65], line[128];
	int n;

	if (r->ev == NULL)
		return;
	if (li_evid_close(r->ev, sha, NULL, &tp->eb) != CS_OK) {
		fprintf(stderr, "custos tap: evidence of %s: %s\n", r->ic->id,
		    tp->eb.msg);
		tp->errors++;
	} else if (tp->ctl >= 0) {
		n = snprintf(line, sizeof(line), "H %zu %s\n", i, sha);
		if (write(tp->ctl, line, (size_t)n) != n)
			tp->errors++;
	}
	r->ev = NULL;
}

/*
 * evidence_manifest - DIR/SHA256SUMS: the SHA-256 of each intercept's
 * evidence pcap as the capture computed it while writing (sha256sum -c
 * checks it)
 */
static int
evidence_manifest(const struct tap *tp, char (*sha)[65])
{
	char path[PATH_MAX];
	FILE *m;
	size_t i;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/SHA256SUMS", tp->evdir);
	if ((m = fopen(path, "w")) == NULL)
		return -1;
	for (i = 0; i < tp->nic; i++)
		if (sha[i][0])
			fprintf(m, "%s  %s.pcap\n", sha[i], tp->ics[i].id);
	if (fflush(m) != 0 || fsync(fileno(m)) != 0)
		rc = -1;
	fclose(m);
	return rc;
}

/* ---- the matcher's callbacks ---- */

static int
covers(const struct icpt_rt *r, cs_time t)
{
	return r->active && !r->ended && t >= r->ic->activated &&
	    (r->ic->ends == CS_TIME_NONE || t < r->ic->ends);
}

static void
on_iri(void *ctx, uint32_t i, const struct li_iri *iri, cs_time t)
{
	struct tap *tp = ctx;
	struct icpt_rt *r = &tp->rt[i];

	if (i >= tp->nic || (!r->reporting && !covers(r, t)))
		return;
	emit_iri(tp, r, iri, t);
}

static void
on_pkt(
    void *ctx, uint32_t i, enum li_dir dir, cs_time t, const struct li_pkt *p)
{
	struct tap *tp = ctx;
	struct icpt_rt *r = &tp->rt[i];
	struct li_hdr h;

	if (i >= tp->nic || !covers(r, t))
		return;
	tp->matched++;
	if (r->ic->pen_trap) {
		/* headers only, by construction: li_hdronly */
		struct li_hdronly ho;

		if (li_hdronly_make(&ho, p->ip, p->iplen) != 0)
			return;
		hdr_of(r, &h, t);
		h.seq = li_spool_seq(r->ag->w[HI2], r->ic->liid, r->ic->cin);
		cs_buf_reset(&tp->enc);
		if (li_enc_report(&tp->enc, &h, dir, &ho) != CS_OK) {
			tp->errors++;
			return;
		}
		spool_put(tp, r, HI2);
		r->reports++;
		evidence_write(tp, r, t, ho.b, ho.len, ho.iplen);
		return;
	}
	if (r->ic->mode != LI_MODE_IRI_CC)
		return;
	hdr_of(r, &h, t);
	h.seq = li_spool_seq(r->ag->w[HI3], r->ic->liid, r->ic->cin);
	cs_buf_reset(&tp->enc);
	if (li_enc_cc(&tp->enc, &h, dir, p->ip, p->iplen) != CS_OK) {
		tp->errors++;
		return;
	}
	spool_put(tp, r, HI3);
	r->cc++;
	evidence_write(tp, r, t, p->ip, p->iplen, p->iplen);
}

/* ---- intercepts start and end ---- */

/* tell_end - "E <index> <time> <rule>" to the supervisor */
static void
tell_end(struct tap *tp, size_t i, cs_time t, const char *rule)
{
	char line[160];
	int n;

	if (tp->ctl < 0)
		return;
	n = snprintf(line, sizeof(line), "E %zu %llu %s\n", i,
	    (unsigned long long)t, rule);
	if (n > 0 && write(tp->ctl, line, (size_t)n) != n)
		tp->errors++;
}

/*
 * report - through the matcher, one IRI of event ev for each live session
 * of intercept i (its user name, address, MAC, NAS: li_match_report)
 */
static void
report(struct tap *tp, size_t i, enum li_iri_event ev, cs_time t)
{
	struct li_match_cb cb = {tp, on_iri, on_pkt};

	tp->rt[i].reporting = 1;
	li_match_report(tp->m, (uint32_t)i, ev, t, &cb);
	tp->rt[i].reporting = 0;
}

/* start - the intercept takes effect at t: IRI for sessions already up */
static void
start_icpt(struct tap *tp, size_t i, cs_time t)
{
	tp->rt[i].started = 1;
	report(tp, i, LI_EV_START_WITH_SESSION, t);
}

/* end - the intercept's time is up at t: end-of-interception IRI */
static void
end_icpt(struct tap *tp, size_t i, cs_time t)
{
	struct icpt_rt *r = &tp->rt[i];

	report(tp, i, LI_EV_END_WITH_SESSION, t);
	r->ended = 1;
	li_match_remove(tp->m, (uint32_t)i);
	tell_end(tp, i, t, r->ic->end_rule[0] ? r->ic->end_rule : "end");
}

/*
 * timers - start and end the intercepts whose time has come at t.  The
 * loop runs only once t reaches the earliest pending start or end
 * (next_timer), not for every packet.
 */
static void
timers(struct tap *tp, cs_time t)
{
	size_t i;
	cs_time next = INT64_MAX;

	if (t < tp->next_timer)
		return;
	for (i = 0; i < tp->nic; i++) {
		struct icpt_rt *r = &tp->rt[i];

		if (!r->active || r->ended)
			continue;
		if (!r->started && t >= r->ic->activated)
			start_icpt(tp, i,
			    r->ic->activated > t - 1000000 ? r->ic->activated
							   : t);
		if (r->ic->ends != CS_TIME_NONE && t >= r->ic->ends)
			end_icpt(tp, i, r->ic->ends);
		if (r->ended)
			continue;
		if (!r->started && r->ic->activated < next)
			next = r->ic->activated;
		if (r->ic->ends != CS_TIME_NONE && r->ic->ends < next)
			next = r->ic->ends;
	}
	tp->next_timer = next;
}

static void
sync_all(struct tap *tp)
{
	size_t i;
	int hi;

	if (!tp->dirty)
		return;
	tp->dirty = 0;
	for (i = 0; i < tp->nag; i++)
		for (hi = 0; hi < 2; hi++)
			if (li_spool_sync(tp->ags[i].w[hi], &tp->eb) != CS_OK) {
				fprintf(stderr,
				    "custos tap: spool of agency %s: %s\n",
				    tp->ags[i].a.name, tp->eb.msg);
				tp->errors++;
			}
}

/* ---- seeds: targets online before activation (the store) ---- */

static void
seed_from_store(struct tap *tp)
{
	struct cs_store *s;
	struct cs_errbuf eb = {""};
	cs_time now = cs_time_now();
	size_t i, k, j;

	if (cs_store_open(tp->d.data, tp->d.keys, CS_STORE_RO, &s, &eb) !=
	    CS_OK)
		return; /* no store yet: nothing known online */
	for (i = 0; i < tp->nic; i++) {
		const struct li_icpt *ic = &tp->ics[i];
		/* online at activation, or now if the tap starts later */
		cs_time at = ic->activated > now ? ic->activated : now;

		for (k = 0; k < ic->ntargets; k++) {
			const struct cs_target *tg = &ic->targets[k];
			struct cs_hit *h = NULL;
			size_t n = 0;

			if (tg->kind != TK_USERNAME && tg->kind != TK_MAC)
				continue;
			if (cs_store_history(
				s, tg->value, at, at + 1, &h, &n, &eb) != CS_OK)
				continue;
			for (j = 0; j < n; j++) {
				const struct cs_binding *b = h[j].b;
				char mac[CS_MAC_STRLEN] = "";
				int a;

				if (h[j].end_known != CS_END_OPEN &&
				    h[j].end <= at)
					continue;
				if (b->has_mac)
					cs_mac_format(b->mac, mac);
				for (a = 0; a < b->naddr; a++)
					li_match_seed(tp->m,
					    b->f[CS_F_USERNAME], mac,
					    b->f[CS_F_CIRCUIT], &b->addr[a],
					    b->start);
			}
			cs_hits_free(h, n);
		}
	}
	cs_store_close(s);
}

/* ---- the capture process ---- */

static cs_time
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cs_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The pipes between the processes carry lines of space-separated fields:
 * a letter, then numbers (times as unsigned 64-bit: CS_TIME_NONE passes
 * through) and at most one word.  split - the fields of line (cut in
 * place), at most max; num - field f as a number, 0 when it is one
 */
static int
split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	while (n < max && *p) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		f[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static int
num(const char *f, uint64_t *v)
{
	return cs_parse_u64(cs_span_cstr(f), 0, UINT64_MAX, v) == CS_OK ? 0
									: -1;
}

/*
 * updates - "U <index> <ends>" lines from the supervisor: an intercept's
 * end moved (a stop, a closed case, an order for an emergency)
 */
static void
updates(struct tap *tp, int fd, char *acc, size_t *alen, size_t cap)
{
	ssize_t r;
	char *nl;

	for (;;) {
		r = read(fd, acc + *alen, cap - 1 - *alen);
		if (r <= 0)
			return;
		*alen += (size_t)r;
		acc[*alen] = '\0';
		while ((nl = strchr(acc, '\n')) != NULL) {
			char *f[4];
			uint64_t i, e;

			*nl = '\0';
			if (split(acc, f, 4) == 3 && strcmp(f[0], "U") == 0 &&
			    num(f[1], &i) == 0 && num(f[2], &e) == 0 &&
			    i < tp->nic) {
				tp->ics[i].ends = (cs_time)e;
				tp->next_timer = INT64_MIN; /* look again */
			}
			*alen -= (size_t)(nl + 1 - acc);
			memmove(acc, nl + 1, *alen + 1);
		}
		if (*alen >= cap - 1)
			*alen = 0;
	}
}

static int
capture(struct tap *tp, int upd)
{
	struct li_match_cb cb = {tp, on_iri, on_pkt};
	struct li_cap *c;
	struct li_pkt p;
	const uint8_t *frame;
	size_t caplen, i, alen = 0;
	cs_time t = CS_TIME_NONE;
	char acc[1024];
	int lt, r;
	uint64_t k = 0;

	c = tp->readf ? li_cap_open_file(tp->readf, tp->realtime, &tp->eb)
		      : li_cap_open_live(tp->iface, &tp->eb);
	if (c == NULL) {
		fprintf(stderr, "custos tap: capture: %s\n", tp->eb.msg);
		return 1;
	}
	for (i = 0; tp->evdir != NULL && i < tp->nic; i++)
		if (tp->rt[i].active && evidence_open(tp, &tp->rt[i]) != 0)
			return 1;
	/*
	 * the spools are opened relative to their root, the working
	 * directory from here on: after the drop the capture needs no
	 * access to the data directory above them
	 */
	{
		char root[PATH_MAX];
		size_t a;

		snprintf(root, sizeof(root), "%s/li/spool", tp->d.data);
		if (chdir(root) != 0) {
			fprintf(stderr, "custos tap: %s: %s\n", root,
			    strerror(errno));
			return 1;
		}
		for (a = 0; a < tp->nag; a++) {
			snprintf(tp->ags[a].dir[HI2],
			    sizeof(tp->ags[a].dir[HI2]), "%s/hi2",
			    tp->ags[a].a.name);
			snprintf(tp->ags[a].dir[HI3],
			    sizeof(tp->ags[a].dir[HI3]), "%s/hi3",
			    tp->ags[a].a.name);
		}
	}
	if (open_writers(tp) != 0)
		return 1;
	if (tp->user != NULL && give_spools(tp) != 0) {
		fprintf(stderr, "custos tap: spools for user %s: %s\n",
		    tp->user, strerror(errno));
		return 1;
	}
	/* every file is open: from here on, least privilege */
	if (tp->user != NULL && li_priv_drop(tp->user, &tp->eb) != CS_OK) {
		fprintf(stderr, "custos tap: privileges: %s\n", tp->eb.msg);
		return 1;
	}
	if (li_priv_seccomp(&tp->eb) != CS_OK) {
		fprintf(stderr, "custos tap: sandbox: %s\n", tp->eb.msg);
		return 1;
	}
	while (!stop_flag) {
		if ((k++ & 1023) == 0 && upd >= 0)
			updates(tp, upd, acc, &alen, sizeof(acc));
		r = li_cap_next(c, &t, &frame, &caplen, &lt);
		if (r < 0) {
			fprintf(stderr, "custos tap: capture %s: %s\n",
			    tp->readf ? tp->readf : tp->iface, li_cap_error(c));
			tp->errors++;
			break;
		}
		if (r == 0) {
			if (tp->readf)
				break;
			t = cs_time_now();
			timers(tp, t);
			li_match_tick(tp->m, t, &cb); /* leases, no packet */
			sync_all(tp);
			continue;
		}
		tp->packets++;
		timers(tp, t); /* leases that ran out end in li_match_packet */
		if (li_pkt_parse(lt, frame, caplen, &p) == 0)
			li_match_packet(tp->m, t, &p, &cb);
		if ((tp->packets & 1023) == 0) {
			cs_time w = mono_us();

			if (w - tp->last_sync >= SYNC_US) {
				sync_all(tp);
				tp->last_sync = w;
			}
		}
	}
	if (upd >= 0)
		updates(tp, upd, acc, &alen, sizeof(acc));
	if (t != CS_TIME_NONE)
		timers(tp, t);
	sync_all(tp);
	for (i = 0; i < tp->nic; i++)
		evidence_close(tp, i);
	for (i = 0; i < tp->nic; i++) {
		char line[160];
		int n =
		    snprintf(line, sizeof(line), "S %zu %llu %llu %llu %d\n", i,
			(unsigned long long)tp->rt[i].iri,
			(unsigned long long)tp->rt[i].cc,
			(unsigned long long)tp->rt[i].reports, tp->rt[i].ended);

		if (tp->ctl >= 0 && write(tp->ctl, line, (size_t)n) != n)
			tp->errors++;
	}
	{
		char line[160];
		int n = snprintf(line, sizeof(line), "P %llu %llu %llu\n",
		    (unsigned long long)tp->packets,
		    (unsigned long long)tp->matched,
		    (unsigned long long)tp->errors);

		if (tp->ctl >= 0 && write(tp->ctl, line, (size_t)n) != n)
			tp->errors++;
	}
	for (i = 0; i < tp->nag; i++) {
		li_spool_close(tp->ags[i].w[HI2]);
		li_spool_close(tp->ags[i].w[HI3]);
	}
	li_cap_close(c);
	return tp->errors ? 1 : 0;
}

/* ---- the delivery process ---- */

struct ka_ctx {
	const struct li_agency *a;
};

static enum cs_err
make_ka(void *ctx, struct cs_buf *out)
{
	struct ka_ctx *k = ctx;
	struct li_hdr h;

	memset(&h, 0, sizeof(h));
	h.liid = "-"; /* keep-alives are per connection, not per LIID */
	h.auth_cc = k->a->country;
	h.operator_id = k->a->operator_id;
	h.ne_id = k->a->ne_id;
	h.deliv_cc = k->a->country;
	h.ts = cs_time_now();
	return li_enc_keepalive(out, &h, 0);
}

struct dlink {
	struct li_spool *sp;
	struct li_link *l;
	struct ka_ctx ka;
	char host[256], port[16];
	const char *agency;
	int hi;
	char lasterr[256];
};

/*
 * deliver - run the links of every agency until told to stop (ctl closed
 * or a signal) and, once the capture has ended, everything is
 * acknowledged or drain_s has passed.  Returns 0, 1 on local errors, 4
 * when records are left in a spool.
 */
static int
deliver(struct tap *tp, int ctl)
{
	struct dlink *dl = cs_xcalloc(tp->nag * 2 + 1, sizeof(*dl));
	size_t n = 0, i;
	struct pollfd *pfd;
	int done = ctl < 0, rc = 0, idle;
	time_t deadline = 0;
	cs_time done_at = mono_us();

	for (i = 0; i < tp->nag; i++) {
		int hi;

		for (hi = 0; hi < 2; hi++) {
			struct agency_rt *ag = &tp->ags[i];
			struct li_spool_cfg sc;
			struct li_link_cfg lc;
			struct dlink *d = &dl[n];

			spool_cfg(tp, ag, hi, &sc);
			d->sp = li_spool_open(&sc, 0, &tp->eb);
			if (d->sp == NULL) {
				fprintf(stderr,
				    "custos tap: delivery: spool of agency "
				    "%s: %s\n",
				    ag->a.name, tp->eb.msg);
				return 1;
			}
			if (li_hostport_split(hi == HI2 ? ag->a.hi2 : ag->a.hi3,
				d->host, sizeof(d->host), d->port,
				sizeof(d->port), &tp->eb) != CS_OK) {
				fprintf(stderr,
				    "custos tap: agency %s: %s address: %s\n",
				    ag->a.name, hi == HI2 ? "HI2" : "HI3",
				    tp->eb.msg);
				return 1;
			}
			d->ka.a = &ag->a;
			d->agency = ag->a.name;
			d->hi = hi;
			memset(&lc, 0, sizeof(lc));
			lc.host = d->host;
			lc.port = d->port;
			if (ag->a.tls_ca[0]) {
				lc.tls_ca = ag->a.tls_ca;
				lc.tls_cert = ag->a.tls_cert;
				lc.tls_key = ag->a.tls_key;
			}
			lc.ka_interval_s = 300;
			lc.ka_wait_s = 30;
			lc.backoff_min_ms = 100;
			lc.backoff_max_ms = 10000;
			lc.make_keepalive = make_ka;
			lc.ctx = &d->ka;
			d->l = li_link_new(&lc, d->sp, &tp->eb);
			if (d->l == NULL) {
				fprintf(stderr,
				    "custos tap: delivery to agency %s: %s\n",
				    ag->a.name, tp->eb.msg);
				return 1;
			}
			n++;
		}
	}
	pfd = cs_xcalloc(n + 1, sizeof(*pfd));
	for (;;) {
		int wait = 50;

		/* one poll over every link, then a pass that never waits */
		for (i = 0; i < n; i++) {
			int w = li_link_pollfd(dl[i].l, &pfd[i]);

			if (w < wait)
				wait = w < 0 ? 0 : w;
		}
		/* the capture's end (its pipe closing) wakes the poll too */
		pfd[n].fd = done ? -1 : ctl;
		pfd[n].events = POLLIN;
		if (poll(pfd, n + 1, wait) < 0 && errno != EINTR)
			rc = 1;
		idle = 1;
		for (i = 0; i < n; i++) {
			if (li_link_step(dl[i].l, 0, &tp->eb) != CS_OK) {
				/* the same failure repeats each pass: once */
				if (strcmp(dl[i].lasterr, tp->eb.msg) != 0)
					fprintf(stderr,
					    "custos tap: delivery to agency "
					    "%s: %s\n",
					    dl[i].agency, tp->eb.msg);
				snprintf(dl[i].lasterr, sizeof(dl[i].lasterr),
				    "%s", tp->eb.msg);
				rc = 1;
			}
			if (!li_link_idle(dl[i].l))
				idle = 0;
		}
		if (!done && ctl >= 0) {
			struct pollfd pf = {ctl, POLLIN, 0};
			char b[64];

			if (poll(&pf, 1, 0) > 0 && read(ctl, b, sizeof(b)) <= 0)
				done = 1;
		}
		if (stop_flag)
			break;
		if (done && deadline == 0) {
			deadline = time(NULL) + tp->drain_s;
			done_at = mono_us();
		}
		/*
		 * idle counts only from passes that began after the capture
		 * ended (its last records were committed before) and once
		 * each link has looked at its spool again (a drained link
		 * looks every 20 ms)
		 */
		if (done &&
		    ((idle && mono_us() - done_at > 50000) ||
			time(NULL) >= deadline))
			break;
	}
	for (i = 0; i < n; i++) {
		if (!li_link_idle(dl[i].l)) {
			fprintf(stderr,
			    "custos tap: agency %s %s: records not yet "
			    "acknowledged stay in the spool; the next tap or "
			    "serve delivers them\n",
			    dl[i].agency, dl[i].hi == HI2 ? "HI2" : "HI3");
			if (rc == 0)
				rc = 4;
		}
		li_link_free(dl[i].l);
		li_spool_close(dl[i].sp);
	}
	free(pfd);
	free(dl);
	return rc;
}

/* ---- the supervisor ---- */

struct summary {
	uint64_t packets, matched, errors;
	char sha[MAX_ICPT][65]; /* evidence pcaps' SHA-256 */
	uint64_t iri[MAX_ICPT], cc[MAX_ICPT], rep[MAX_ICPT];
	int ended[MAX_ICPT];
};

/* supervise_line - one line from the capture (cut in place) */
static void
supervise_line(
    struct tap *tp, struct li_prov *pv, struct summary *sm, char *line)
{
	char *f[6];
	uint64_t v[5] = {0};
	size_t i;
	int n = split(line, f, 6), k;

	if (n < 2 || f[0][1] != '\0')
		return;
	for (k = 1; k < n && k < 6; k++)
		if (num(f[k], &v[k - 1]) != 0 && !(f[0][0] == 'E' && k == 3) &&
		    !(f[0][0] == 'H' && k == 2))
			return;
	i = (size_t)v[0];
	if (f[0][0] == 'E' && n == 4 && i < tp->nic) {
		const char *rule = f[3];

		if (li_prov_ended(pv, tp->ics[i].id, (cs_time)v[1], rule,
			&tp->eb) != CS_OK)
			fprintf(stderr,
			    "custos tap: intercept %s ended (%s) but could "
			    "not be recorded: %s\n",
			    tp->ics[i].id, rule, tp->eb.msg);
		else
			fprintf(stderr, "custos tap: intercept %s ended (%s)\n",
			    tp->ics[i].id, rule);
		sm->ended[i] = 1;
	} else if (f[0][0] == 'S' && n == 6 && i < tp->nic) {
		sm->iri[i] = v[1];
		sm->cc[i] = v[2];
		sm->rep[i] = v[3];
		sm->ended[i] |= v[4] != 0;
	} else if (f[0][0] == 'H' && n == 3 && i < tp->nic &&
	    strlen(f[2]) == 64) {
		memcpy(sm->sha[i], f[2], 65);
	} else if (f[0][0] == 'P' && n == 4) {
		sm->packets = v[0];
		sm->matched = v[1];
		sm->errors = v[2];
	}
}

/*
 * reload - the intercepts as the desk has them now: an end that moved
 * (stop, closed case, emergency order) goes to the capture
 */
static void
reload(struct tap *tp, struct li_prov *pv, int upd)
{
	struct li_icpt *now = NULL;
	size_t n = 0, i, j;

	if (li_prov_load(pv, cs_time_now(), &now, &n, &tp->eb) != CS_OK)
		return;
	for (i = 0; i < tp->nic; i++) {
		cs_time e = cs_time_now(); /* gone from the desk: ends now */

		for (j = 0; j < n; j++)
			if (strcmp(now[j].id, tp->ics[i].id) == 0)
				e = now[j].ends;
		if (e != tp->ics[i].ends) {
			char line[64];
			int k;

			tp->ics[i].ends = e;
			k = snprintf(line, sizeof(line), "U %zu %llu\n", i,
			    (unsigned long long)e);
			if (write(upd, line, (size_t)k) != k)
				tp->errors++;
		}
	}
	free(now);
}

static void
print_summary(const struct tap *tp, const struct summary *sm, int drc)
{
	size_t i;

	if (tp->json) {
		struct cs_buf b;

		cs_buf_init(&b, NULL, 0, 1u << 20);
		cs_buf_appendf(&b,
		    "{\"packets\":%llu,\"matched\":%llu,\"errors\":%llu,"
		    "\"intercepts\":[",
		    (unsigned long long)sm->packets,
		    (unsigned long long)sm->matched,
		    (unsigned long long)sm->errors);
		for (i = 0; i < tp->nic; i++) {
			cs_buf_appendf(&b,
			    "%s{\"id\":\"%s\",\"iri\":%llu,\"cc\":%llu,"
			    "\"reports\":%llu,\"ended\":%s}",
			    i ? "," : "", tp->ics[i].id,
			    (unsigned long long)sm->iri[i],
			    (unsigned long long)sm->cc[i],
			    (unsigned long long)sm->rep[i],
			    sm->ended[i] ? "true" : "false");
		}
		cs_buf_appendf(&b, "],\"delivery\":\"%s\"}\n",
		    !tp->deliver   ? "spooled"
			: drc == 0 ? "acknowledged"
				   : "pending");
		fputs(b.data, stdout);
		cs_buf_release(&b);
		return;
	}
	printf("packets %llu, to or from targets %llu\n",
	    (unsigned long long)sm->packets, (unsigned long long)sm->matched);
	for (i = 0; i < tp->nic; i++)
		printf("intercept %s: IRI %llu, CC %llu, packet reports "
		       "%llu%s\n",
		    tp->ics[i].id, (unsigned long long)sm->iri[i],
		    (unsigned long long)sm->cc[i],
		    (unsigned long long)sm->rep[i],
		    sm->ended[i] ? " (ended)" : "");
	printf("delivery: %s\n",
	    !tp->deliver   ? "spooled (--no-deliver)"
		: drc == 0 ? "every record acknowledged"
			   : "records left in the spool");
}

static pid_t
spawn(int (*fn)(struct tap *, int), struct tap *tp, int arg,
    const int *closefds, size_t nclose)
{
	pid_t pid = fork();
	size_t i;

	if (pid != 0)
		return pid;
	for (i = 0; i < nclose; i++)
		if (closefds[i] >= 0)
			close(closefds[i]);
	_exit(fn(tp, arg));
}

static int
wait_rc(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		fprintf(stderr, "custos tap: a %s process died (signal %d)\n",
		    WTERMSIG(st) == SIGSYS ? "sandboxed" : "child",
		    WTERMSIG(st));
	return 1;
}

static int
run(struct tap *tp, struct li_prov *pv)
{
	int ev[2], upd[2], done[2];
	pid_t cap, del = -1;
	struct summary sm;
	char acc[4096];
	size_t alen = 0;
	int crc, drc = 0;
	time_t last = time(NULL);

	memset(&sm, 0, sizeof(sm));
	if (pipe2(ev, O_CLOEXEC) != 0 ||
	    pipe2(upd, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pipe2(done, O_CLOEXEC) != 0) {
		fprintf(stderr, "custos tap: pipe: %s\n", strerror(errno));
		return 1;
	}
	if (tp->deliver) {
		int cl[] = {ev[0], ev[1], upd[0], upd[1], done[1]};

		del = spawn(deliver, tp, done[0], cl, 5);
		if (del < 0)
			return 1;
	}
	close(done[0]);
	{
		int cl[] = {ev[0], upd[1], done[1]};

		tp->ctl = ev[1];
		cap = spawn(capture, tp, upd[0], cl, 3);
		tp->ctl = -1;
	}
	close(ev[1]);
	close(upd[0]);
	if (cap < 0)
		return 1;
	for (;;) {
		struct pollfd pf = {ev[0], POLLIN, 0};
		ssize_t r;
		char *nl;

		if (poll(&pf, 1, 1000) > 0) {
			r = read(ev[0], acc + alen, sizeof(acc) - 1 - alen);
			if (r <= 0)
				break;
			alen += (size_t)r;
			acc[alen] = '\0';
			while ((nl = strchr(acc, '\n')) != NULL) {
				*nl = '\0';
				supervise_line(tp, pv, &sm, acc);
				alen -= (size_t)(nl + 1 - acc);
				memmove(acc, nl + 1, alen + 1);
			}
		}
		if (stop_flag && cap > 0)
			kill(cap, SIGTERM);
		if (time(NULL) - last >= 5) {
			reload(tp, pv, upd[1]);
			last = time(NULL);
		}
	}
	close(ev[0]);
	close(upd[1]);
	crc = wait_rc(cap);
	close(done[1]); /* the capture is over: drain and stop */
	if (del > 0) {
		if (stop_flag)
			kill(del, SIGTERM);
		drc = wait_rc(del);
	}
	if (tp->evdir != NULL && evidence_manifest(tp, sm.sha) != 0) {
		fprintf(stderr, "custos tap: evidence manifest in %s: %s\n",
		    tp->evdir, strerror(errno));
		crc = 1;
	}
	print_summary(tp, &sm, drc);
	if (crc != 0)
		return 1;
	return drc;
}

int
cmd_tap(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"read", required_argument, NULL, 'r'},
	    {"realtime", no_argument, NULL, 'R'},
	    {"user", required_argument, NULL, 'u'},
	    {"evidence", required_argument, NULL, 'e'},
	    {"no-deliver", no_argument, NULL, 'N'},
	    {"deliver-only", no_argument, NULL, 'O'},
	    {"drain", required_argument, NULL, 'D'},
	    {"spool-max", required_argument, NULL, 'M'},
	    {"spool-alarm", required_argument, NULL, 'A'},
	    {"json", no_argument, NULL, 'j'},
	    {"trust", required_argument, NULL, 'T'},
	    {"data", required_argument, NULL, 'd'},
	    {"keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct cs_addr trust[LI_MATCH_MAXTRUST];
	size_t ntrust = 0;
	static struct tap tap;
	static char datadir[PATH_MAX], keysdir[PATH_MAX];
	struct tap *tp = &tap;
	struct li_prov *pv = NULL;
	struct sigaction sa;
	uint64_t v;
	size_t i, k;
	int opt, rc;

	memset(tp, 0, sizeof(*tp));
	tp->next_timer = INT64_MIN; /* timers look at the first packet */
	dirs_default(&tp->d);
	tp->deliver = 1;
	tp->drain_s = 30;
	tp->spool_max = 1073741824ull;
	tp->spool_alarm = 80;
	tp->ctl = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'i':
			tp->iface = optarg;
			break;
		case 'r':
			tp->readf = optarg;
			break;
		case 'R':
			tp->realtime = 1;
			break;
		case 'u':
			tp->user = optarg;
			break;
		case 'e':
			tp->evdir = optarg;
			break;
		case 'N':
			tp->deliver = 0;
			break;
		case 'O':
			tp->deliver_only = 1;
			break;
		case 'D':
			if (cs_parse_u64(cs_span_cstr(optarg), 0, 86400, &v) !=
			    CS_OK) {
				fprintf(stderr,
				    "custos tap: --drain: seconds, "
				    "0..86400\n");
				return 2;
			}
			tp->drain_s = (long)v;
			break;
		case 'M':
			if (cs_parse_u64(cs_span_cstr(optarg), 4096, UINT64_MAX,
				&v) != CS_OK) {
				fprintf(stderr,
				    "custos tap: --spool-max: "
				    "bytes, at least 4096\n");
				return 2;
			}
			tp->spool_max = v;
			break;
		case 'A':
			if (cs_parse_u64(cs_span_cstr(optarg), 1, 100, &v) !=
			    CS_OK) {
				fprintf(stderr,
				    "custos tap: --spool-alarm: "
				    "percent, 1..100\n");
				return 2;
			}
			tp->spool_alarm = (unsigned)v;
			break;
		case 'j':
			tp->json = 1;
			break;
		case 'T':
			if (ntrust == LI_MATCH_MAXTRUST ||
			    cs_addr_parse(cs_span_cstr(optarg),
				&trust[ntrust]) != CS_OK) {
				fprintf(stderr,
				    "custos tap: --trust %s: an IPv4/IPv6 "
				    "address "
				    "or prefix (at most %d)\n",
				    optarg, LI_MATCH_MAXTRUST);
				return 2;
			}
			ntrust++;
			break;
		case 'd':
			tp->d.data = optarg;
			break;
		case 'k':
			tp->d.keys = optarg;
			break;
		case 'h':
			fputs(tap_usage, stdout);
			return 0;
		default:
			fputs(tap_usage, stderr);
			return 2;
		}
	}
	{
		const char *why = NULL;

		if (optind != argc)
			why = "unexpected argument";
		else if ((tp->iface != NULL) + (tp->readf != NULL) +
			tp->deliver_only !=
		    1)
			why = "give exactly one of --interface, --read and "
			      "--deliver-only";
		else if (tp->realtime && tp->readf == NULL)
			why = "--realtime goes with --read";
		else if (tp->deliver_only && !tp->deliver)
			why = "--deliver-only and --no-deliver exclude each "
			      "other";
		if (why != NULL) {
			fprintf(stderr, "custos tap: %s\n\n", why);
			fputs(tap_usage, stderr);
			return 2;
		}
	}
	if (tp->user == NULL && geteuid() == 0)
		tp->user = "nobody";
	if (sodium_init() < 0)
		return 1;
	/* the capture changes directory: every path made absolute first */
	if (realpath(tp->d.data, datadir) == NULL ||
	    realpath(tp->d.keys, keysdir) == NULL) {
		fprintf(stderr,
		    "custos tap: data directory %s or key directory %s: %s\n",
		    tp->d.data, tp->d.keys, strerror(errno));
		return 1;
	}
	tp->d.data = datadir;
	tp->d.keys = keysdir;
	if (li_prov_open(&pv, tp->d.data, tp->d.keys, &tp->eb) != CS_OK) {
		fprintf(stderr, "custos tap: %s\n", tp->eb.msg);
		return 1;
	}
	if (li_prov_load(pv, cs_time_now(), &tp->ics, &tp->nic, &tp->eb) !=
	    CS_OK) {
		fprintf(stderr, "custos tap: %s\n", tp->eb.msg);
		li_prov_close(pv);
		return 1;
	}
	if (tp->nic > MAX_ICPT) {
		fprintf(stderr, "custos tap: %zu intercepts; at most %d\n",
		    tp->nic, MAX_ICPT);
		return 1;
	}
	if (tp->nic == 0 && !tp->deliver_only)
		fprintf(stderr,
		    "custos tap: no intercept is in force "
		    "(custos intercept new); nothing will be "
		    "kept\n");
	if (tp->evdir != NULL && mkdirs(tp->evdir) != 0) {
		fprintf(stderr, "custos tap: --evidence %s: %s\n", tp->evdir,
		    strerror(errno));
		li_prov_close(pv);
		return 1;
	}
	if (spool_key(tp) != 0 || load_agencies(tp, pv) != 0) {
		li_prov_close(pv);
		return 1;
	}
	tp->m = li_match_new();
	for (i = 0; i < ntrust; i++)
		li_match_trust(tp->m, &trust[i]);
	for (i = 0; i < tp->nic; i++) {
		struct icpt_rt *r = &tp->rt[i];

		if (r->ic->stopped)
			continue;
		for (k = 0; k < r->ic->ntargets; k++)
			if (li_match_add(
				tp->m, (uint32_t)i, &r->ic->targets[k], 0) != 0)
				fprintf(stderr,
				    "custos tap: intercept %s: target %zu "
				    "cannot be followed; it is skipped\n",
				    r->ic->id, k + 1);
		r->active = 1;
	}
	if (tp->deliver_only) {
		/* every agency with a spool, nothing captured */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		rc = deliver(tp, -1);
		if (rc == 0)
			printf("delivery: every record acknowledged\n");
		li_match_free(tp->m);
		li_prov_close(pv);
		free(tp->ics);
		free(tp->ags);
		return rc;
	}
	seed_from_store(tp);
	cs_buf_init(&tp->enc, NULL, 0, 1u << 20);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	rc = run(tp, pv);
	cs_buf_release(&tp->enc);
	li_match_free(tp->m);
	li_prov_close(pv);
	free(tp->ics);
	free(tp->ags);
	return rc;
}
