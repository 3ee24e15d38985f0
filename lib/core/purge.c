/* purge - destroy partitions past retention: key first, then files */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/keys.h"
#include "core/purge.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define DAY_US (86400LL * CS_US)
#define JOURNAL "purge.journal"
#define TRASH "trash"
#define MAX_JOURNAL 4096 /* days in one journal: far more than a run */

static const char *const data_sfx[] = {".db", ".db-wal", ".db-shm",
    ".db-journal",
    /* NAT session runs (core/natstore.c): three levels, merge files */
    ".nat", ".nat1", ".nat2", ".nat.tmp", ".nat1.tmp", ".nat2.tmp"};
/* of each class: what its data files may be */
#define NSFX_DB 4 /* the SQLite files; nat has both kinds */
#define NSFX (sizeof(data_sfx) / sizeof(data_sfx[0]))

/* ---- the inventory ---- */

struct inv {
	struct cs_dayinfo *d; /* owned; sorted by day */
	size_t n, cap;
};

/* before - the inventory's order: class, then day */
static int
before(const struct cs_dayinfo *d, enum cs_class cls, int64_t day)
{
	return d->cls != cls ? d->cls < cls : d->day < day;
}

/* inv_slot - the entry of (cls, day), inserted (zeroed) when new */
static struct cs_dayinfo *
inv_slot(struct inv *v, enum cs_class cls, int64_t day)
{
	size_t lo = 0, hi = v->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (before(&v->d[mid], cls, day))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->n && v->d[lo].cls == cls && v->d[lo].day == day)
		return &v->d[lo];
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->d = cs_xreallocarray(v->d, v->cap, sizeof(*v->d));
	}
	memmove(&v->d[lo + 1], &v->d[lo], (v->n - lo) * sizeof(*v->d));
	memset(&v->d[lo], 0, sizeof(v->d[lo]));
	v->d[lo].cls = cls;
	v->d[lo].day = day;
	v->d[lo].began = CS_TIME_NONE;
	v->n++;
	return &v->d[lo];
}

/* name_day - the day a "YYYY-MM-DD..." file name starts with; rest in *sfx */
static int
name_day(const char *name, int64_t *day, const char **sfx)
{
	char d[11];

	if (strlen(name) < 10)
		return -1;
	memcpy(d, name, 10);
	d[10] = '\0';
	if (cs_day_parse(d, day) != CS_OK)
		return -1;
	*sfx = name + 10;
	return 0;
}

static int
is_data_sfx(enum cs_class cls, const char *sfx)
{
	size_t i, n = cls == CS_CL_NAT ? NSFX : NSFX_DB;

	for (i = 0; i < n; i++)
		if (strcmp(sfx, data_sfx[i]) == 0)
			return 1;
	return 0;
}

/* scan_keys - KEYS/CLASS: keys, keys being wiped, tombstones */
static void
scan_keys(struct inv *v, enum cs_class cls, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	const char *sfx;
	int64_t day;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (name_day(de->d_name, &day, &sfx) != 0)
			continue;
		if (strcmp(sfx, ".key") == 0)
			inv_slot(v, cls, day)->what |= CS_DI_KEY;
		else if (strcmp(sfx, ".key.dead") == 0 ||
		    strncmp(sfx, ".key.tmp.", 9) == 0)
			inv_slot(v, cls, day)->what |= CS_DI_DEAD;
		else if (strcmp(sfx, ".purged") == 0)
			inv_slot(v, cls, day)->what |= CS_DI_TOMB;
	}
	closedir(d);
}

/* scan_data - DATA/CLASS: day files and their sizes */
static void
scan_data(struct inv *v, enum cs_class cls, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	const char *sfx;
	struct cs_dayinfo *di;
	int64_t day;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (name_day(de->d_name, &day, &sfx) != 0 ||
		    !is_data_sfx(cls, sfx))
			continue;
		di = inv_slot(v, cls, day);
		di->what |= CS_DI_DATA;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			0 &&
		    S_ISREG(st.st_mode))
			di->bytes += st.st_size;
	}
	closedir(d);
}

/* ---- the journal: "CLASS YYYY-MM-DD BEGAN_US" lines ---- */

struct jent {
	enum cs_class cls;
	int64_t day;
	cs_time began;
};

/* journal_load - the unfinished days (none when there is no journal) */
static void
journal_load(const char *datadir, struct jent *j, size_t *n)
{
	char path[PATH_MAX], line[128];
	FILE *f;
	uint64_t v;
	struct cs_span sp, a, b, c;
	int64_t day;
	int cls;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", datadir, JOURNAL);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && *n < MAX_JOURNAL) {
		char d[11], cn[16];
		line[strcspn(line, "\r\n")] = '\0';
		sp = cs_span_trim(cs_span_cstr(line));
		if (!cs_span_cut(sp, " ", &c, &sp) || c.len >= sizeof(cn) ||
		    !cs_span_cut(sp, " ", &a, &b) || a.len != 10)
			continue;
		memcpy(cn, c.p, c.len);
		cn[c.len] = '\0';
		memcpy(d, a.p, 10);
		d[10] = '\0';
		if ((cls = cs_class_parse(cn)) < 0 ||
		    cs_day_parse(d, &day) != CS_OK ||
		    cs_parse_u64(cs_span_trim(b), 0, INT64_MAX, &v) != CS_OK)
			continue;
		j[*n].cls = (enum cs_class)cls;
		j[*n].day = day;
		j[*n].began = (cs_time)v;
		(*n)++;
	}
	fclose(f);
}

/* sync_fd_path - fsync what path names (file or directory) */
static int
sync_path(const char *path, int dir)
{
	int fd =
	    open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

enum cs_err
cs_purge_sync_dir(const char *path, struct cs_errbuf *eb)
{
	if (sync_path(path, 1) != 0) {
		cs_errbuf_set(eb, "fsync %s: %s", path, strerror(errno));
		return CS_EIO;
	}
	return CS_OK;
}

/* journal_save - replace the journal atomically (removed when empty) */
static enum cs_err
journal_save(
    const char *datadir, const struct jent *j, size_t n, struct cs_errbuf *eb)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], name[16];
	struct cs_buf b;
	int fd;
	size_t i;
	enum cs_err e = CS_OK;

	snprintf(path, sizeof(path), "%s/%s", datadir, JOURNAL);
	if (n == 0) {
		if (unlink(path) != 0 && errno != ENOENT) {
			cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
			return CS_EIO;
		}
		return cs_purge_sync_dir(datadir, eb);
	}
	cs_buf_init(&b, NULL, 0, 1u << 20);
	for (i = 0; i < n; i++) {
		cs_day_name(j[i].day, name);
		cs_buf_appendf(&b, "%s %s %lld\n", cs_class_name(j[i].cls),
		    name, (long long)j[i].began);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len ||
	    fsync(fd) != 0 || close(fd) != 0) {
		cs_errbuf_set(eb, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		e = CS_EIO;
	} else if (rename(tmp, path) != 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		e = CS_EIO;
	} else {
		e = cs_purge_sync_dir(datadir, eb);
	}
	cs_buf_release(&b);
	return e;
}

enum cs_err
cs_purge_inventory(const char *datadir, const char *keysdir,
    struct cs_dayinfo **out, size_t *n, struct cs_errbuf *eb)
{
	struct cs_keys *k = NULL;
	struct inv v = {0};
	char dir[PATH_MAX + 16];
	struct jent *j;
	size_t nj, i;
	int c;
	enum cs_err e;

	if ((e = cs_keys_open(keysdir, datadir, 0, &k, eb)) != CS_OK)
		return e;
	cs_keys_free(k);
	for (c = 0; c < CS_NCLASS; c++) {
		snprintf(dir, sizeof(dir), "%s/%s", keysdir, cs_class_name(c));
		scan_keys(&v, c, dir);
		snprintf(dir, sizeof(dir), "%s/%s", datadir, cs_class_name(c));
		scan_data(&v, c, dir);
	}
	j = cs_xcalloc(MAX_JOURNAL, sizeof(*j));
	journal_load(datadir, j, &nj);
	for (i = 0; i < nj; i++) {
		struct cs_dayinfo *di = inv_slot(&v, j[i].cls, j[i].day);
		di->what |= CS_DI_JOURNAL;
		di->began = j[i].began;
	}
	free(j);
	*out = v.d;
	*n = v.n;
	return CS_OK;
}

uint64_t
cs_purge_keep(const struct cs_config *c, enum cs_class cls)
{
	uint64_t v = 0;

	switch (cls) {
	case CS_CL_RADIUS:
		v = c->retention_radius_days;
		break;
	case CS_CL_DHCP:
		v = c->retention_dhcp_days;
		break;
	case CS_CL_SMTP:
		v = c->retention_smtp_days;
		break;
	case CS_CL_NAT:
		v = c->retention_nat_days;
		break;
	default:
		break;
	}
	return v ? v : c->retention_days;
}

int64_t
cs_purge_first_kept(cs_time now, uint64_t keep)
{
	int64_t today =
	    now >= 0 ? now / DAY_US : -((-now + DAY_US - 1) / DAY_US);

	return today - (int64_t)keep;
}

cs_time
cs_purge_due(int64_t day, uint64_t keep)
{
	return (day + 1 + (int64_t)keep) * DAY_US;
}

/* ---- destroying ---- */

enum cs_err
cs_purge_wipe_file(const char *path, struct cs_errbuf *eb)
{
	static const uint8_t zero[4096];
	struct stat st;
	off_t left;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return CS_OK;
		if (errno != ELOOP)
			goto fail;
		/* a symbolic link where a key should be: remove the link */
		if (unlink(path) != 0)
			goto fail;
		return CS_OK;
	}
	if (fstat(fd, &st) != 0)
		goto fail_fd;
	left = S_ISREG(st.st_mode) ? st.st_size : 0;
	if (left < 32 && S_ISREG(st.st_mode))
		left = 32; /* a key is 32 bytes; cover a short one too */
	while (left > 0) {
		size_t k =
		    left > (off_t)sizeof(zero) ? sizeof(zero) : (size_t)left;
		ssize_t w = write(fd, zero, k);
		if (w <= 0)
			goto fail_fd;
		left -= w;
	}
	if (fsync(fd) != 0)
		goto fail_fd;
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		goto fail;
	return CS_OK;
fail_fd:
	close(fd);
fail:
	cs_errbuf_set(eb, "cannot destroy %s: %s", path, strerror(errno));
	return CS_EIO;
}

/* wipe_dead - every D.key.dead / D.key.tmp.* of day in KEYS/CLASS */
static enum cs_err
wipe_dead(const char *kdir, const char *dname, struct cs_errbuf *eb)
{
	DIR *d = opendir(kdir);
	struct dirent *de;
	char pfx[32], path[PATH_MAX + 300];
	size_t pl;
	enum cs_err e = CS_OK;

	if (d == NULL) {
		cs_errbuf_set(eb, "%s: %s", kdir, strerror(errno));
		return CS_EIO;
	}
	pl = (size_t)snprintf(pfx, sizeof(pfx), "%s.key.", dname);
	while ((de = readdir(d)) != NULL && e == CS_OK) {
		if (strncmp(de->d_name, pfx, pl) != 0 ||
		    (strcmp(de->d_name + pl, "dead") != 0 &&
			strncmp(de->d_name + pl, "tmp.", 4) != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", kdir, de->d_name);
		e = cs_purge_wipe_file(path, eb);
	}
	closedir(d);
	return e;
}

/* tombstone - KEYS/CLASS/D.purged, durable */
static enum cs_err
tombstone(const char *kdir, const char *dname, struct cs_errbuf *eb)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.purged", kdir, dname);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fsync(fd) != 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CS_EIO;
	}
	close(fd);
	return cs_purge_sync_dir(kdir, eb);
}

/*
 * trash_data - the partition's files in DATA/CLASS renamed into DATA/trash
 * (as CLASS-NAME), a rename each whatever their size; names appended to
 * list
 */
static enum cs_err
trash_data(const char *datadir, enum cs_class cls, const char *dname,
    struct cs_buf *list, int *nlist, struct cs_errbuf *eb)
{
	char path[PATH_MAX + 64], to[PATH_MAX + 64], rel[64];
	const char *cn = cs_class_name(cls);
	size_t i, n = cls == CS_CL_NAT ? NSFX : NSFX_DB;

	snprintf(to, sizeof(to), "%s/%s", datadir, TRASH);
	if (mkdir(to, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "cannot create %s: %s", to, strerror(errno));
		return CS_EIO;
	}
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s%s", cn, dname, data_sfx[i]);
		snprintf(path, sizeof(path), "%s/%s", datadir, rel);
		snprintf(to, sizeof(to), "%s/%s/%s-%s%s", datadir, TRASH, cn,
		    dname, data_sfx[i]);
		if (rename(path, to) != 0) {
			if (errno == ENOENT)
				continue;
			cs_errbuf_set(
			    eb, "cannot remove %s: %s", path, strerror(errno));
			return CS_EIO;
		}
		cs_buf_puts(list, (*nlist)++ ? "," : "");
		cs_buf_json_str(list, rel, strlen(rel));
	}
	return CS_OK;
}

/* unquarantine - delete state.db quarantine rows of a partition */
static int
unquarantine(const char *datadir, enum cs_class cls, int64_t day)
{
	char path[PATH_MAX + 16];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(path, sizeof(path), "%s/state.db", datadir);
	if (access(path, F_OK) != 0)
		return 0;
	if (sqlite3_open_v2(path, &db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_exec(db, "PRAGMA secure_delete=ON", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db,
		"DELETE FROM quarantine WHERE day = ? AND cls = ?", -1, &st,
		NULL) != SQLITE_OK) {
		n = 0; /* no quarantine table: nothing to delete */
		goto out;
	}
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int(st, 2, (int)cls);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

struct run {
	const struct cs_purge_opts *o;
	struct cs_audit *audit; /* owned by cs_purge_run */
	struct jent *j;         /* owned; the journal */
	size_t nj;
	int first; /* the first day of the run */
};

/* step_done - tests: die after step n of the first day */
static void
step_done(const struct run *r, int n)
{
	if (r->first && r->o->crash_at == n)
		_exit(9);
}

/* mono_us - a monotonic clock in microseconds */
static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* purge_day - the eight steps for one partition */
static enum cs_err
purge_day(struct run *r, struct cs_dayinfo *di, struct cs_errbuf *eb)
{
	int64_t t0 = mono_us();
	const struct cs_purge_opts *o = r->o;
	const char *cn = cs_class_name(di->cls);
	char dname[16], kdir[PATH_MAX], kpath[PATH_MAX + 32];
	char dead[PATH_MAX + 40], dir[PATH_MAX + 16], t1[40], t2[40];
	struct cs_buf files, detail;
	int nfiles = 0, nq, had_key = (di->what & CS_DI_KEY) != 0;
	cs_time began = di->began != CS_TIME_NONE ? di->began : o->now;
	size_t i;
	enum cs_err e;

	cs_day_name(di->day, dname);
	snprintf(kdir, sizeof(kdir), "%s/%s", o->keysdir, cn);
	cs_buf_init(&files, NULL, 0, 64 * 1024);
	cs_buf_init(&detail, NULL, 0, 128 * 1024);
	/* 1: journal and tombstone */
	for (i = 0;
	     i < r->nj && !(r->j[i].day == di->day && r->j[i].cls == di->cls);
	     i++)
		;
	if (i == r->nj) {
		if (r->nj >= MAX_JOURNAL) {
			cs_errbuf_set(eb, "purge journal full");
			e = CS_ETOOBIG;
			goto out;
		}
		r->j[r->nj].cls = di->cls;
		r->j[r->nj].day = di->day;
		r->j[r->nj].began = began;
		r->nj++;
		if ((e = journal_save(o->datadir, r->j, r->nj, eb)) != CS_OK)
			goto out;
	}
	if (mkdir(kdir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(
		    eb, "cannot create %s: %s", kdir, strerror(errno));
		e = CS_EIO;
		goto out;
	}
	if ((e = tombstone(kdir, dname, eb)) != CS_OK)
		goto out;
	step_done(r, 1);
	/* 2: the key leaves its name: no reader finds it from here on */
	snprintf(kpath, sizeof(kpath), "%s/%s.key", kdir, dname);
	snprintf(dead, sizeof(dead), "%s/%s.key.dead", kdir, dname);
	/* a dead key left by an earlier crash is wiped before a new one
	   (re-created meanwhile) takes its name */
	if ((e = cs_purge_wipe_file(dead, eb)) != CS_OK)
		goto out;
	if (rename(kpath, dead) != 0 && errno != ENOENT) {
		cs_errbuf_set(
		    eb, "cannot destroy %s: %s", kpath, strerror(errno));
		e = CS_EIO;
		goto out;
	}
	if ((e = cs_purge_sync_dir(kdir, eb)) != CS_OK)
		goto out;
	step_done(r, 2);
	/* 3: the key's bytes overwritten, fsynced, unlinked */
	if ((e = wipe_dead(kdir, dname, eb)) != CS_OK ||
	    (e = cs_purge_sync_dir(kdir, eb)) != CS_OK)
		goto out;
	di->key_us = mono_us() - t0;
	step_done(r, 3);
	/* 4: the partition's files, out of the class directory */
	if ((e = trash_data(o->datadir, di->cls, dname, &files, &nfiles, eb)) !=
	    CS_OK)
		goto out;
	step_done(r, 4);
	/* 5: the directories that held them and hold them now */
	snprintf(dir, sizeof(dir), "%s/%s", o->datadir, cn);
	if ((e = cs_purge_sync_dir(dir, eb)) != CS_OK)
		goto out;
	snprintf(dir, sizeof(dir), "%s/%s", o->datadir, TRASH);
	if ((e = cs_purge_sync_dir(dir, eb)) != CS_OK)
		goto out;
	step_done(r, 5);
	/* 6: quarantined records sealed under the key */
	nq = unquarantine(o->datadir, di->cls, di->day);
	step_done(r, 6);
	/* 7: the audit trail */
	cs_time_format(began, t1);
	cs_time_format(o->now, t2);
	cs_buf_appendf(&detail,
	    "{\"source\":\"%s\",\"day\":\"%s\",\"began\":\"%s\","
	    "\"finished\":\"%s\",\"resumed\":%s,\"key\":\"%s\","
	    "\"files\":[%s],\"bytes\":%lld,\"quarantine_rows\":%d,"
	    "\"keep_days\":%llu}",
	    cn, dname, t1, t2, (di->what & CS_DI_JOURNAL) ? "true" : "false",
	    had_key                       ? "destroyed"
		: (di->what & CS_DI_DEAD) ? "destroyed (wipe finished)"
					  : "already gone",
	    files.data ? files.data : "", (long long)di->bytes, nq,
	    (unsigned long long)o->keep[di->cls]);
	if (cs_buf_error(&detail) != CS_OK) {
		cs_errbuf_set(eb, "audit detail too long");
		e = CS_ETOOBIG;
		goto out;
	}
	if ((e = cs_audit_append(r->audit, o->actor, "retention.purge", NULL,
		 detail.data, eb)) != CS_OK)
		goto out;
	step_done(r, 7);
	/* 8: done */
	for (i = 0; i < r->nj; i++)
		if (r->j[i].day == di->day && r->j[i].cls == di->cls) {
			r->j[i] = r->j[--r->nj];
			break;
		}
	e = journal_save(o->datadir, r->j, r->nj, eb);
	di->total_us = mono_us() - t0;
	step_done(r, 8);
out:
	cs_buf_release(&files);
	cs_buf_release(&detail);
	return e;
}

/* due - does this partition need (more) purging at first_kept? */
static int
due(const struct cs_dayinfo *di, const int64_t first_kept[CS_NCLASS])
{
	if (di->what & CS_DI_JOURNAL)
		return 1; /* begun: always finished */
	return di->day < first_kept[di->cls] &&
	    (di->what & (CS_DI_KEY | CS_DI_DEAD | CS_DI_DATA)) != 0;
}

enum cs_err
cs_purge_reclaim(
    const char *datadir, struct cs_reclaim *r, struct cs_errbuf *eb)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	struct stat st;
	int64_t t0 = mono_us();
	enum cs_err e = CS_OK;
	DIR *d;

	memset(r, 0, sizeof(*r));
	snprintf(dir, sizeof(dir), "%s/%s", datadir, TRASH);
	if ((d = opendir(dir)) == NULL)
		return CS_OK;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0)
			r->bytes += st.st_size;
		if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
			cs_errbuf_set(eb, "cannot remove %s/%s: %s", dir,
			    de->d_name, strerror(errno));
			e = CS_EIO;
			break;
		}
		r->files++;
	}
	closedir(d);
	if (e == CS_OK && r->files)
		e = cs_purge_sync_dir(dir, eb);
	r->us = mono_us() - t0;
	return e;
}

enum cs_err
cs_purge_run(const struct cs_purge_opts *o, struct cs_dayinfo **out, size_t *n,
    struct cs_reclaim *reclaim, struct cs_errbuf *eb)
{
	struct cs_dayinfo *inv = NULL, *done = NULL;
	struct cs_reclaim rc0, rc1;
	size_t ninv = 0, ndone = 0, i;
	int64_t first_kept[CS_NCLASS];
	struct run r = {0};
	int c;
	enum cs_err e;

	*out = NULL;
	*n = 0;
	memset(&rc0, 0, sizeof(rc0));
	memset(&rc1, 0, sizeof(rc1));
	for (c = 0; c < CS_NCLASS; c++)
		first_kept[c] = cs_purge_first_kept(o->now, o->keep[c]);
	if ((e = cs_purge_inventory(o->datadir, o->keysdir, &inv, &ninv, eb)) !=
	    CS_OK)
		return e;
	done = cs_xcalloc(ninv ? ninv : 1, sizeof(*done));
	r.o = o;
	r.first = 1;
	if (!o->dry_run) {
		/* what an earlier run left in the trash: keys long gone */
		if ((e = cs_purge_reclaim(o->datadir, &rc0, eb)) != CS_OK)
			goto out;
		for (i = 0; i < ninv && !due(&inv[i], first_kept); i++)
			;
		if (i == ninv)
			goto out; /* nothing to do: no audit.db created */
		e = cs_audit_open(o->datadir, o->keysdir, 1, &r.audit, eb);
		if (e != CS_OK)
			goto out; /* no purge goes unaudited */
		r.j = cs_xcalloc(MAX_JOURNAL, sizeof(*r.j));
		journal_load(o->datadir, r.j, &r.nj);
	}
	for (i = 0; i < ninv; i++) {
		if (!due(&inv[i], first_kept))
			continue;
		if (!o->dry_run) {
			e = purge_day(&r, &inv[i], eb);
			if (e != CS_OK)
				break;
			r.first = 0;
		}
		done[ndone++] = inv[i];
	}
	if (e == CS_OK && ndone && !o->dry_run)
		e = cs_purge_reclaim(o->datadir, &rc1, eb);
out:
	if (reclaim) {
		reclaim->files = rc0.files + rc1.files;
		reclaim->bytes = rc0.bytes + rc1.bytes;
		reclaim->us = rc0.us + rc1.us;
	}
	cs_audit_close(r.audit);
	free(r.j);
	free(inv);
	*out = done;
	*n = ndone;
	return e;
}
