/*
 * subdir - the subscriber directory: who a subscriber is (name, postal
 * address, account, means of payment), imported from the CSV a billing
 * system exports, kept sealed in DATA/subscribers.db under the cases key
 * and found by user name, MAC or account (keyed tags, no plain index).
 *
 * The CSV: a header line naming the columns (any order, case-insensitive;
 * account, username, mac, name, address, payment; unknown columns are
 * ignored; username or mac is required per row), RFC 4180 quoting ("a,b",
 * "" for a quote inside quotes), CRLF or LF.  A bad row is reported
 * file:line:field and skipped; it never stops the rest.  An import
 * replaces the directory (an export is a full snapshot).
 *
 * cs_subdir_parse is pure (no I/O, no allocation beyond its own and freed
 * before it returns) and is fuzzed.  Not thread-safe.
 */
#ifndef CS_SUBDIR_H
#define CS_SUBDIR_H

#include <stddef.h>
#include <stdio.h>

#include "core/keys.h"
#include "util/err.h"

#define CS_SUB_FIELD 256
#define CS_SUBDIR_MAXLINE 8192

struct cs_sub {
	char account[CS_SUB_FIELD];
	char username[CS_SUB_FIELD];
	char mac[CS_SUB_FIELD]; /* canonical aa:bb:cc:dd:ee:ff */
	char name[CS_SUB_FIELD];
	char address[CS_SUB_FIELD];
	char payment[CS_SUB_FIELD];
};

struct cs_subdir_sink {
	void *arg;
	/* row - one good row */
	void (*row)(void *arg, const struct cs_sub *s);
	/* bad - a skipped row: its line, the field at fault, why */
	void (*bad)(
	    void *arg, unsigned long line, const char *field, const char *why);
};

/*
 * cs_subdir_parse - parse a whole CSV text; CS_EPARSE (eb) only when the
 * header is unusable, otherwise CS_OK with bad rows sent to the sink.
 */
enum cs_err cs_subdir_parse(const char *text, size_t len,
    const struct cs_subdir_sink *sink, struct cs_errbuf *eb);

/*
 * cs_subdir_import - parse the file and replace the stored directory;
 * bad rows are printed to errs as "file:line: field: why".
 */
enum cs_err cs_subdir_import(const char *datadir, const struct cs_daykey *key,
    const char *path, FILE *errs, size_t *nok, size_t *nbad,
    struct cs_errbuf *eb);

/* cs_subdir_find - by user name, MAC (any spelling) or account; CS_ENOENT */
enum cs_err cs_subdir_find(const char *datadir, const struct cs_daykey *key,
    const char *who, struct cs_sub *out, struct cs_errbuf *eb);

#endif
