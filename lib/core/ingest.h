/*
 * ingest - read log files into the store: detect each file's format, feed
 * it line by line to the format's parser, fold the observations, and
 * checkpoint (store commit, then the file's resume offset) at least every
 * second.  Resumes where the last committed run stopped; with follow set,
 * keeps reading files as they grow, across rotation by rename and by
 * copytruncate, until stopped by SIGINT/SIGTERM.
 *
 * Rejected records are reported on stderr as FILE:LINE: field: reason,
 * sealed into the quarantine, counted, and never stop the run.
 */
#ifndef CS_INGEST_H
#define CS_INGEST_H

#include <stdint.h>

#include "core/fold.h"
#include "core/store.h"
#include "fmt/fmt.h"

struct cs_ingest_opts {
	const char *format; /* NULL: detect per file */
	const char *tz;     /* zone of local-time sources; NULL: system */
	int year;           /* year of year-less syslog stamps; 0: guess */
	int64_t lease_time; /* seconds; 0: none */
	int follow;
	int progress;       /* show progress on stderr (a terminal) */
	int max_report;     /* rejected records printed per file */
	volatile int *stop; /* set by a signal handler to end --follow */
};

#define CS_INGEST_MAXREASON 32

struct cs_ingest_stats {
	uint64_t files;
	uint64_t bytes;
	uint64_t lines;
	uint64_t records; /* observations + rejected + skipped */
	uint64_t observations;
	uint64_t skipped;
	uint64_t rejected;
	double seconds;
	struct {
		char what[96];
		uint64_t n;
	} skip[CS_INGEST_MAXREASON], reject[CS_INGEST_MAXREASON];
	int nskip, nreject;
	struct cs_fold_stats fold;
};

/* cs_ingest_run - ingest files; CS_OK unless a file could not be read */
enum cs_err cs_ingest_run(struct cs_store *s, const struct cs_ingest_opts *o,
    char *const *files, int nfiles, struct cs_ingest_stats *st,
    struct cs_errbuf *eb);

#endif
