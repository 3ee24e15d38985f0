/* ingest - the file reading driver: formats, offsets, follow, checkpoints */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ingest.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define READ_CHUNK (1 << 20)
#define FP_MAX 4096
#define DETECT_BYTES 65536

struct src {
	const char *path; /* borrowed from argv */
	int fd;
	ino_t ino;
	dev_t dev;
	const struct cs_fmt *fmt;
	void *st;      /* parser state */
	uint64_t off;  /* offset of the next unread byte */
	uint64_t line; /* lines consumed */
	uint64_t size_hint;
	struct cs_fileinfo fi;
	char *buf;     /* owned; READ_CHUNK + CS_MAX_LINE */
	size_t blen;   /* bytes buffered, not yet a full line */
	uint64_t boff; /* file offset of buf[0] */
	uint64_t reported;
	int done;
	int unsaved; /* fi holds an offset the next checkpoint saves */
	struct timespec grew_at; /* follow: when the open file last grew */
};

/*
 * A followed file renamed away is read on until it has not grown for
 * this long and its successor exists: a writer (rsyslog before its HUP,
 * a daemon holding the file open) still appends to it after the rename.
 */
#define ROTATE_IDLE 2.0

struct ingest {
	struct cs_store *s;
	struct cs_fold *fold;
	const struct cs_ingest_opts *o;
	struct cs_ingest_stats *st;
	struct cs_fmt_opts fo;
	struct cs_tz tz;
	struct src *cur;
	struct cs_sink sink;
	struct src *srcs; /* every file of the run */
	int nsrcs;
	const struct cs_fmt *last_fmt; /* of the file read last */
	enum cs_err err;
	struct cs_errbuf eb;
	struct timespec last_cp, last_prog, t0;
};

static double
since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) +
	    (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

static void
count(struct ingest *g, int rej, const char *what)
{
	struct cs_ingest_stats *st = g->st;
	int *n = rej ? &st->nreject : &st->nskip;
	int i;

	for (i = 0; i < *n; i++) {
		if (strcmp(rej ? st->reject[i].what : st->skip[i].what, what) ==
		    0)
			break;
	}
	if (i == *n) {
		if (*n == CS_INGEST_MAXREASON)
			i = CS_INGEST_MAXREASON - 1; /* lump the rest */
		else
			(*n)++;
		snprintf(rej ? st->reject[i].what : st->skip[i].what,
		    sizeof(st->skip[i].what), "%s",
		    i == CS_INGEST_MAXREASON - 1 && *n == CS_INGEST_MAXREASON
			? "other"
			: what);
	}
	if (rej)
		st->reject[i].n++;
	else
		st->skip[i].n++;
}

static void
sink_obs(void *arg, const struct cs_obs *o)
{
	struct ingest *g = arg;
	enum cs_err e;

	g->st->observations++;
	g->st->records++;
	if (g->err != CS_OK)
		return;
	e = cs_fold_obs(g->fold, o, &g->eb);
	if (e != CS_OK && e != CS_EINVAL)
		g->err = e;
}

/*
 * reject_class - whose key seals a rejected record: its format's class; in
 * a syslog file, the class of the program that wrote the line (a Postfix
 * line is kept no longer than SMTP envelopes are)
 */
static enum cs_class
reject_class(struct ingest *g, struct src *f, struct cs_span raw)
{
	const char *name = f->fmt ? f->fmt->name : NULL;
	enum cs_src src;

	if (name && strcmp(name, "syslog") == 0 &&
	    (src = cs_syslog_src(raw, &g->fo)) != CS_SRC_NONE)
		return cs_class_of_src(src);
	return cs_class_of_format(name);
}

static void
sink_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	struct ingest *g = arg;
	struct src *f = g->cur;
	char what[96];

	g->st->rejected++;
	g->st->records++;
	snprintf(what, sizeof(what), "%s: %s", field, reason);
	count(g, 1, what);
	if (f->reported < (uint64_t)g->o->max_report) {
		if (g->o->progress)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "custos: ingest: %s:%llu: %s: %s\n", f->path,
		    (unsigned long long)line, field, reason);
	} else if (f->reported == (uint64_t)g->o->max_report) {
		fprintf(stderr,
		    "custos: ingest: %s: more rejected records "
		    "(see the summary; all are in the quarantine)\n",
		    f->path);
	}
	f->reported++;
	cs_store_quarantine(g->s, reject_class(g, f, raw), f->path, f->fi.fp,
	    line, field, reason, raw);
}

static void
sink_skip(void *arg, const char *what)
{
	struct ingest *g = arg;

	g->st->skipped++;
	g->st->records++;
	count(g, 0, what);
}

/* fingerprint - SHA-256 of the first n bytes of fd */
static int
fingerprint(int fd, int64_t n, uint8_t out[32])
{
	uint8_t buf[FP_MAX];
	ssize_t r;

	if (n > FP_MAX)
		n = FP_MAX;
	r = pread(fd, buf, (size_t)n, 0);
	if (r != n)
		return -1;
	crypto_hash_sha256(out, buf, (unsigned long long)n);
	return 0;
}

static uint64_t
count_newlines(int fd, uint64_t from, uint64_t to)
{
	char buf[65536];
	uint64_t n = 0;
	ssize_t r;

	while (from < to) {
		size_t want =
		    to - from < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
		const char *p;
		r = pread(fd, buf, want, (off_t)from);
		if (r <= 0)
			break;
		for (p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
			n++;
		from += (uint64_t)r;
	}
	return n;
}

/*
 * note_offset - f's resume point: safe, the line there and the fingerprint,
 * into f->fi for the next checkpoint to save once what came before it is
 * committed
 */
static void
note_offset(struct src *f, uint64_t safe)
{
	struct stat sb;
	uint64_t line = f->line;

	if (safe < f->off)
		line -= count_newlines(f->fd, safe, f->off);
	if (fstat(f->fd, &sb) == 0 && f->fi.fp_len < FP_MAX &&
	    sb.st_size > f->fi.fp_len) {
		f->fi.fp_len = sb.st_size < FP_MAX ? sb.st_size : FP_MAX;
		fingerprint(f->fd, f->fi.fp_len, f->fi.fp);
	}
	f->fi.offset = (int64_t)safe;
	f->fi.line = (int64_t)line;
	f->unsaved = 1;
}

/*
 * checkpoint - commit the fold, then save the offsets noted since the last
 * one (f's at safe, when f is given, and those of files finished since)
 */
static enum cs_err
checkpoint(struct ingest *g, struct src *f, uint64_t safe)
{
	enum cs_err e;
	int i;

	if (g->err != CS_OK)
		return g->err;
	if (f && f->fd >= 0)
		note_offset(f, safe);
	if ((e = cs_fold_checkpoint(g->fold, &g->eb)) != CS_OK) {
		g->err = e;
		return e;
	}
	for (i = 0; i < g->nsrcs; i++) {
		f = &g->srcs[i];
		if (!f->unsaved)
			continue;
		cs_store_file_set(g->s, f->path, &f->fi, f->fmt->name);
		f->unsaved = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &g->last_cp);
	return CS_OK;
}

static uint64_t
safe_offset(struct src *f)
{
	uint64_t p = f->fmt->pending_offset(f->st);

	return p < f->off ? p : f->off;
}

static void
progress(struct ingest *g, struct src *f, int force)
{
	double el;

	if (!g->o->progress || (!force && since(&g->last_prog) < 0.5))
		return;
	clock_gettime(CLOCK_MONOTONIC, &g->last_prog);
	el = since(&g->t0);
	fprintf(stderr,
	    "\r\033[Kcustos: ingest: %s %3.0f%%  %llu records  "
	    "%.0f records/s",
	    f->path,
	    f->size_hint ? 100.0 * (double)f->off / (double)f->size_hint
			 : 100.0,
	    (unsigned long long)g->st->records,
	    el > 0 ? (double)g->st->records / el : 0.0);
}

/* src_open - open path, find where to resume, pick the format */
static enum cs_err
src_open(struct ingest *g, struct src *f)
{
	struct stat sb;
	struct cs_fileinfo have, probe;
	char head[DETECT_BYTES];
	ssize_t hn;
	uint8_t fp[32];
	int resume = 0;

	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		cs_errbuf_set(&g->eb, "%s: %s", f->path, strerror(errno));
		return CS_EIO;
	}
	if (fstat(f->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		cs_errbuf_set(&g->eb, "%s: not a regular file", f->path);
		close(f->fd);
		f->fd = -1;
		return CS_EIO;
	}
	f->ino = sb.st_ino;
	f->dev = sb.st_dev;
	f->size_hint = (uint64_t)sb.st_size;
	memset(&f->fi, 0, sizeof(f->fi));
	f->fi.fp_len = sb.st_size < FP_MAX ? sb.st_size : FP_MAX;
	fingerprint(f->fd, f->fi.fp_len, f->fi.fp);
	memset(&probe, 0, sizeof(probe));
	probe = f->fi;
	if (cs_store_file_get(g->s, f->path, NULL, &probe, &have) == CS_OK &&
	    have.fp_len <= sb.st_size && have.offset <= sb.st_size &&
	    fingerprint(f->fd, have.fp_len, fp) == 0 &&
	    memcmp(fp, have.fp, 32) == 0)
		resume = 1;
	f->off = resume ? (uint64_t)have.offset : 0;
	f->line = resume ? (uint64_t)have.line : 0;
	if (!f->fmt) {
		hn = pread(f->fd, head, sizeof(head), 0);
		f->fmt = hn > 0 ? cs_fmt_detect(cs_span_make(head, (size_t)hn))
				: NULL;
		if (f->fmt == NULL && hn > 0) {
			cs_errbuf_set(&g->eb,
			    "%s: not a log format custos knows "
			    "(try --format; see custos ingest --help)",
			    f->path);
			close(f->fd);
			f->fd = -1;
			return CS_EPARSE;
		}
		if (f->fmt == NULL) { /* empty file: decide when it grows */
			f->fmt =
			    g->o->format ? cs_fmt_find(g->o->format) : NULL;
		}
	}
	if (f->buf == NULL)
		f->buf = cs_xmalloc(READ_CHUNK + CS_MAX_LINE + 1);
	f->blen = 0;
	f->boff = f->off;
	if (f->fmt)
		f->st = f->fmt->open(&g->fo, &g->sink);
	return CS_OK;
}

static void
src_close(struct src *f)
{
	if (f->st && f->fmt)
		f->fmt->close(f->st);
	f->st = NULL;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* feed - hand complete lines in the buffer to the parser */
static void
feed(struct ingest *g, struct src *f, int eof)
{
	size_t pos = 0;
	char *nl;

	while (pos < f->blen) {
		size_t n;
		nl = memchr(f->buf + pos, '\n', f->blen - pos);
		if (nl == NULL) {
			if (f->blen - pos > CS_MAX_LINE) {
				/* an over-long line: reject it, skip to its end
				 */
				f->line++;
				sink_reject(g, f->line, "line", "line too long",
				    cs_span_make(f->buf + pos, 256));
				pos = f->blen;
				break;
			}
			if (!eof)
				break;
			n = f->blen - pos;
		} else {
			n = (size_t)(nl - (f->buf + pos));
		}
		f->line++;
		g->st->lines++;
		n = n > CS_MAX_LINE ? CS_MAX_LINE : n;
		f->fmt->line(f->st, cs_span_make(f->buf + pos, n), f->line,
		    f->boff + pos);
		pos += (nl ? (size_t)(nl - (f->buf + pos)) + 1 : f->blen - pos);
		f->off = f->boff + pos;
	}
	memmove(f->buf, f->buf + pos, f->blen - pos);
	f->blen -= pos;
	f->boff += pos;
}

/* pump - read what is there; returns bytes read (0 at EOF), -1 on error */
static ssize_t
pump(struct ingest *g, struct src *f)
{
	ssize_t r, total = 0;

	for (;;) {
		size_t room = READ_CHUNK + CS_MAX_LINE - f->blen;
		r = pread(
		    f->fd, f->buf + f->blen, room, (off_t)(f->boff + f->blen));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			cs_errbuf_set(
			    &g->eb, "%s: %s", f->path, strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		f->blen += (size_t)r;
		total += r;
		g->st->bytes += (uint64_t)r;
		feed(g, f, 0);
		progress(g, f, 0);
		if (since(&g->last_cp) >= (g->o->follow ? 1.0 : 5.0) ||
		    cs_fold_size(g->fold) > CS_FOLD_FLUSH)
			checkpoint(g, f, safe_offset(f));
		if (g->err != CS_OK)
			return -1;
		if (g->o->stop && *g->o->stop)
			break;
	}
	return total;
}

/*
 * finish - end of a file that will not grow any more.  Reading a list of
 * files once, its offset is only noted: the next checkpoint saves it, the
 * one before a file of another format (ingest_once), a timed one, or the
 * run's last.  So the files of one log (a week of daily detail files) are
 * committed together: a checkpoint per file rewrote every binding that
 * spans them (a RADIUS session) once per file.  A crash before that
 * checkpoint only costs a re-read of those files.
 */
static void
finish(struct ingest *g, struct src *f)
{
	uint64_t safe;

	feed(g, f, 1);
	safe = safe_offset(f);
	f->fmt->flush(f->st, 1);
	if (g->o->follow)
		checkpoint(g, f, safe);
	else if (g->err == CS_OK)
		note_offset(f, safe);
}

static enum cs_err
ingest_once(struct ingest *g, struct src *f)
{
	enum cs_err e;

	if ((e = src_open(g, f)) != CS_OK)
		return e;
	if (f->fmt == NULL) { /* empty file */
		src_close(f);
		return CS_OK;
	}
	/* another log: the files read before it are committed first */
	if (g->last_fmt && f->fmt != g->last_fmt &&
	    checkpoint(g, NULL, 0) != CS_OK) {
		src_close(f);
		return g->err;
	}
	g->last_fmt = f->fmt;
	g->cur = f;
	if (pump(g, f) < 0) {
		src_close(f);
		return g->err != CS_OK ? g->err : CS_EIO;
	}
	if (!(g->o->stop && *g->o->stop))
		finish(g, f);
	else
		checkpoint(g, f, safe_offset(f));
	progress(g, f, 1);
	src_close(f);
	return g->err;
}

/* follow_step - one round over a followed file; handles rotation */
static void
follow_step(struct ingest *g, struct src *f)
{
	struct stat sb, fb;

	g->cur = f;
	if (f->fd < 0) {
		if (stat(f->path, &sb) != 0)
			return; /* not there yet */
		if (src_open(g, f) != CS_OK) {
			cs_log_warnx("%s", g->eb.msg);
			return;
		}
		if (f->fmt == NULL) { /* still empty: try again later */
			src_close(f);
			return;
		}
	}
	{
		uint64_t before = f->off;
		ssize_t n = pump(g, f);
		if (n < 0)
			return;
		if (f->off != before || f->grew_at.tv_sec == 0)
			clock_gettime(CLOCK_MONOTONIC, &f->grew_at);
	}
	f->fmt->flush(f->st, 0);
	if (fstat(f->fd, &fb) == 0 && (uint64_t)fb.st_size < f->off) {
		/* copytruncate: the file was emptied under us */
		checkpoint(g, f, safe_offset(f));
		src_close(f);
		f->fmt = g->o->format ? cs_fmt_find(g->o->format) : NULL;
		return;
	}
	if (stat(f->path, &sb) != 0 || sb.st_ino != f->ino ||
	    sb.st_dev != f->dev) {
		/*
		 * renamed away: go on reading the old file while it grows
		 * or while no new file has taken its name; then read it to
		 * its end and move to the new one
		 */
		if (since(&f->grew_at) < ROTATE_IDLE ||
		    stat(f->path, &sb) != 0) {
			if (since(&g->last_cp) >= 1.0)
				checkpoint(g, f, safe_offset(f));
			return;
		}
		pump(g, f);
		finish(g, f);
		src_close(f);
		f->grew_at.tv_sec = 0;
		f->grew_at.tv_nsec = 0;
		f->fmt = g->o->format ? cs_fmt_find(g->o->format) : NULL;
		return;
	}
	if (since(&g->last_cp) >= 1.0)
		checkpoint(g, f, safe_offset(f));
}

enum cs_err
cs_ingest_run(struct cs_store *s, const struct cs_ingest_opts *o,
    char *const *files, int nfiles, struct cs_ingest_stats *st,
    struct cs_errbuf *eb)
{
	struct ingest g;
	struct src *srcs;
	const struct cs_fmt *forced = NULL;
	enum cs_err e = CS_OK, fe;
	int i;

	memset(&g, 0, sizeof(g));
	memset(st, 0, sizeof(*st));
	g.s = s;
	g.o = o;
	g.st = st;
	if (o->format && (forced = cs_fmt_find(o->format)) == NULL) {
		cs_errbuf_set(eb,
		    "unknown format '%s' (see custos ingest "
		    "--help)",
		    o->format);
		return CS_EINVAL;
	}
	if (cs_tz_init(&g.tz, o->tz, eb) != CS_OK)
		return CS_EINVAL;
	g.fo.tz = &g.tz;
	g.fo.ref = cs_time_now();
	g.fo.year = o->year;
	g.fo.lease_time = o->lease_time;
	g.sink.arg = &g;
	g.sink.obs = sink_obs;
	g.sink.reject = sink_reject;
	g.sink.skip = sink_skip;
	g.fold = cs_fold_new(s);
	clock_gettime(CLOCK_MONOTONIC, &g.t0);
	g.last_cp = g.last_prog = g.t0;
	srcs = cs_xcalloc((size_t)nfiles, sizeof(*srcs));
	for (i = 0; i < nfiles; i++) {
		srcs[i].path = files[i];
		srcs[i].fd = -1;
		srcs[i].fmt = forced;
	}
	g.srcs = srcs;
	g.nsrcs = nfiles;
	if (!o->follow) {
		for (i = 0; i < nfiles && !(o->stop && *o->stop); i++) {
			fe = ingest_once(&g, &srcs[i]);
			st->files++;
			if (fe != CS_OK) {
				if (g.err != CS_OK) {
					e = g.err;
					cs_errbuf_set(eb, "%s", g.eb.msg);
					break;
				}
				cs_log_warnx("%s", g.eb.msg);
				e = fe;
			}
		}
		/* the offsets finish() noted, after what they cover */
		if (g.err == CS_OK && checkpoint(&g, NULL, 0) != CS_OK) {
			e = g.err;
			cs_errbuf_set(eb, "%s", g.eb.msg);
		}
	} else {
		st->files = (uint64_t)nfiles;
		while (!(o->stop && *o->stop) && g.err == CS_OK) {
			for (i = 0; i < nfiles; i++)
				follow_step(&g, &srcs[i]);
			if (!(o->stop && *o->stop))
				usleep(200000);
		}
		for (i = 0; i < nfiles; i++) {
			if (srcs[i].fd >= 0) {
				g.cur = &srcs[i];
				checkpoint(&g, &srcs[i], safe_offset(&srcs[i]));
			}
			src_close(&srcs[i]);
		}
		if (g.err != CS_OK) {
			e = g.err;
			cs_errbuf_set(eb, "%s", g.eb.msg);
		}
	}
	if (o->progress)
		fputs("\r\033[K", stderr);
	for (i = 0; i < nfiles; i++) {
		src_close(&srcs[i]);
		free(srcs[i].buf);
	}
	free(srcs);
	st->fold = *cs_fold_stats(g.fold);
	st->seconds = since(&g.t0);
	cs_fold_free(g.fold);
	return e;
}
