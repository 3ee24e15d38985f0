/*
 * purge - retention: a day past its retention is destroyed whole, its key
 * first, so that every copy of its files (a stray backup included) is
 * unreadable from that moment on.
 *
 * A day D is kept while it may hold records younger than the retention:
 * it is purged once now >= (D + 1 + keep) days, keep being the longest of
 * retention_days and retention_smtp_days (identity bindings and SMTP
 * envelopes share the day files; per-source keys would let each go at
 * its own time).
 *
 * The steps for one day, each durable before the next (fsync of the file
 * and its directory):
 *   1 journal  DATA/purge.journal names the day and when its purge began;
 *              KEYS/days/D.purged (empty) marks the day as destroyed
 *   2 unlink   KEYS/days/D.key renamed to D.key.dead: from here on no
 *              reader finds the key, the day is gone and unreadable
 *   3 wipe     D.key.dead (and any D.key.tmp.*) overwritten with zeros,
 *              fsynced, unlinked; the key directory fsynced
 *   4 files    DATA/days/D.db, -wal, -shm, -journal and DATA/nat/D.db*
 *              unlinked
 *   5 sync     the data directories fsynced
 *   6 quarantine  state.db rows quarantined on D deleted (secure_delete)
 *   7 audit    one "retention.purge" entry in the audit trail
 *   8 done     the day leaves the journal
 * A kill at any step leaves the day whole and readable (before 2) or gone
 * and unreadable (from 2 on); the next run finishes every day it finds
 * with files but no key, a dead key, or a journal entry, and the audit
 * entry then says the purge was resumed and when it began.  Nothing reads
 * rows: the cost does not depend on the size of the day.
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
#include "util/err.h"
#include "util/time.h"

/* what a day has on disk (cs_dayinfo.what) */
#define CS_DI_KEY 0x01u     /* KEYS/days/D.key */
#define CS_DI_DEAD 0x02u    /* D.key.dead or D.key.tmp.*: being wiped */
#define CS_DI_DB 0x04u      /* DATA/days/D.db (or its -wal/-shm) */
#define CS_DI_NAT 0x08u     /* DATA/nat/D.db (or its -wal/-shm) */
#define CS_DI_TOMB 0x10u    /* KEYS/days/D.purged: destroyed before */
#define CS_DI_JOURNAL 0x20u /* in DATA/purge.journal: purge unfinished */
#define CS_DI_DATA (CS_DI_DB | CS_DI_NAT)

struct cs_dayinfo {
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
 * cs_purge_inventory - every day the data and key directories know of,
 * oldest first (caller frees *out).  The key directory is checked as for
 * any key use (mode 0700, apart from the data directory).
 */
enum cs_err cs_purge_inventory(const char *datadir, const char *keysdir,
    struct cs_dayinfo **out, size_t *n, struct cs_errbuf *eb);

/* cs_purge_keep_days - whole days kept: the longest retention */
uint64_t cs_purge_keep_days(const struct cs_config *c);
/* cs_purge_first_kept - the oldest day not yet due at now */
int64_t cs_purge_first_kept(cs_time now, uint64_t keep);
/* cs_purge_due - when day becomes due for purging */
cs_time cs_purge_due(int64_t day, uint64_t keep);

struct cs_purge_opts {
	const char *datadir, *keysdir; /* borrowed */
	cs_time now;
	uint64_t keep;     /* cs_purge_keep_days */
	int dry_run;       /* say what would go; change nothing */
	const char *actor; /* for the audit trail */
	int crash_at;      /* tests only: _exit(9) after this step
			      of the first day (0: never) */
};

/*
 * cs_purge_run - destroy every day due at o->now (or unfinished).  *out
 * (caller frees) lists the days destroyed (or that would be, on a dry
 * run) as they were found.  On an error the days before it are done and
 * listed; the failing day is left for the next run.
 */
enum cs_err cs_purge_run(const struct cs_purge_opts *o, struct cs_dayinfo **out,
    size_t *n, struct cs_errbuf *eb);

/*
 * cs_purge_wipe_file - overwrite a file with zeros, fsync it and unlink
 * it (the key-destruction primitive; also used for case vault keys).
 * A missing file is CS_OK.
 */
enum cs_err cs_purge_wipe_file(const char *path, struct cs_errbuf *eb);
/* cs_purge_sync_dir - fsync a directory (CS_OK if it does not exist) */
enum cs_err cs_purge_sync_dir(const char *path, struct cs_errbuf *eb);

#endif
