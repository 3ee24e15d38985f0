/*
 * purge - retention: a day of a source class past its retention is
 * destroyed whole, its key first, so that every copy of its files (a
 * stray backup included) is unreadable from that moment on.
 *
 * The partitions are (class, day): radius, dhcp, smtp and nat
 * (core/keys.h), each with its own key KEYS/CLASS/D.key and its own files
 * DATA/CLASS/D.* and its own retention (retention_CLASS_days, falling back
 * to retention_days; cs_purge_keep).  A partition of day D is kept while
 * it may hold records younger than its retention: it is purged once now
 * >= (D + 1 + keep) days.
 *
 * The steps for one partition, each durable before the next (fsync of the
 * file and its directory):
 *   1 journal  DATA/purge.journal names the class, the day and when its
 *              purge began; KEYS/CLASS/D.purged (empty) marks it destroyed
 *   2 unlink   KEYS/CLASS/D.key renamed to D.key.dead: from here on no
 *              reader finds the key, the partition is unreadable
 *   3 wipe     D.key.dead (and any D.key.tmp.*) overwritten with zeros,
 *              fsynced, unlinked; the key directory fsynced
 *   4 files    DATA/CLASS/D.* renamed into DATA/trash/ (one rename each,
 *              whatever their size)
 *   5 sync     the class and trash directories fsynced
 *   6 quarantine  state.db rows quarantined under that key deleted
 *   7 audit    one "retention.purge" entry in the audit trail
 *   8 done     the partition leaves the journal
 * A kill at any step leaves the partition whole and readable (before 2)
 * or gone and unreadable (from 2 on); the next run finishes every
 * partition it finds with files but no key, a dead key, or a journal
 * entry, and the audit entry then says the purge was resumed and when it
 * began.  Nothing reads rows, and the files are renamed, not freed: the
 * cost does not depend on the size of the day.  The trash (sealed bytes
 * whose key is gone) is unlinked after the last partition of the run
 * (cs_purge_reclaim, timed apart: freeing blocks is the file system's
 * work, proportional to the bytes), and at the start of every run.
 *
 * Overwriting the key file is best effort on copy-on-write file systems
 * and flash; the guarantee rests on the key never having been copied
 * (keys stay out of backups, docs/storage.md).
 *
 * Errors: CS_EIO (file system), CS_EPERM (key directory unsafe), CS_EDB;
 * eb says which path.  Not thread-safe.
 */
#ifndef CS_PURGE_H
#define CS_PURGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/keys.h"
#include "util/err.h"
#include "util/time.h"

/* what a partition has on disk (cs_dayinfo.what) */
#define CS_DI_KEY 0x01u     /* KEYS/CLASS/D.key */
#define CS_DI_DEAD 0x02u    /* D.key.dead or D.key.tmp.*: being wiped */
#define CS_DI_DATA 0x04u    /* DATA/CLASS/D.* (db, -wal, -shm, NAT runs) */
#define CS_DI_TOMB 0x10u    /* KEYS/CLASS/D.purged: destroyed before */
#define CS_DI_JOURNAL 0x20u /* in DATA/purge.journal: purge unfinished */

/* one partition: a class's day */
struct cs_dayinfo {
	enum cs_class cls;
	int64_t day;      /* days since the epoch (UTC) */
	unsigned what;    /* CS_DI_* */
	int64_t bytes;    /* bytes of its data files */
	cs_time began;    /* journal: when its purge began, else NONE */
	int64_t key_us;   /* cs_purge_run: microseconds from the start
			     of the day's purge until its key was gone
			     (step 3) */
	int64_t total_us; /* ... until the day was done (step 8) */
};

/*
 * cs_purge_inventory - every partition the data and key directories know
 * of, by class then oldest day first (caller frees *out).  The key
 * directory is checked as for any key use (mode 0700, apart from the data
 * directory).
 */
enum cs_err cs_purge_inventory(const char *datadir, const char *keysdir,
    struct cs_dayinfo **out, size_t *n, struct cs_errbuf *eb);

/* cs_purge_keep - days a class is kept (retention_CLASS_days) */
uint64_t cs_purge_keep(const struct cs_config *c, enum cs_class cls);
/* cs_purge_first_kept - the oldest day not yet due at now */
int64_t cs_purge_first_kept(cs_time now, uint64_t keep);
/* cs_purge_due - when day becomes due for purging */
cs_time cs_purge_due(int64_t day, uint64_t keep);

struct cs_purge_opts {
	const char *datadir, *keysdir; /* borrowed */
	cs_time now;
	uint64_t keep[CS_NCLASS]; /* cs_purge_keep of each class */
	int dry_run;              /* say what would go; change nothing */
	const char *actor;        /* for the audit trail */
	int crash_at;             /* tests only: _exit(9) after this step
				     of the first day (0: never) */
};

/*
 * cs_purge_run - destroy every partition due at o->now (or unfinished).
 * *out (caller frees) lists the partitions destroyed (or that would be, on
 * a dry run) as they were found.  On an error the ones before it are done
 * and listed; the failing one is left for the next run.  The trash is
 * reclaimed at the start and at the end; *reclaim (may be NULL) says how.
 */
struct cs_reclaim {
	int64_t files, bytes; /* unlinked from DATA/trash */
	int64_t us;           /* how long it took */
};
enum cs_err cs_purge_run(const struct cs_purge_opts *o, struct cs_dayinfo **out,
    size_t *n, struct cs_reclaim *reclaim, struct cs_errbuf *eb);
/* cs_purge_reclaim - unlink what DATA/trash holds */
enum cs_err cs_purge_reclaim(
    const char *datadir, struct cs_reclaim *r, struct cs_errbuf *eb);

/*
 * cs_purge_wipe_file - overwrite a file with zeros, fsync it and unlink
 * it (the key-destruction primitive; also used for case vault keys).
 * A missing file is CS_OK.
 */
enum cs_err cs_purge_wipe_file(const char *path, struct cs_errbuf *eb);
/* cs_purge_sync_dir - fsync a directory (CS_OK if it does not exist) */
enum cs_err cs_purge_sync_dir(const char *path, struct cs_errbuf *eb);

#endif
