/*
 * casedb - the case store: DATA/cases.db (SQLite) and DATA/documents/.
 *
 * Case ids, types, states and the document index are plain; every field
 * value, target and event note (names, addresses, phone numbers) is sealed
 * (XChaCha20-Poly1305) under the cases key, KEYS/cases.key (32 random
 * bytes, mode 0600, created on first write), bound to its case id.
 * Documents are stored content-addressed: DATA/documents/<sha256>, the
 * original bytes sealed under the same key; the index row records who
 * received the document and when (R-LIAB).
 *
 * Errors: CS_ENOENT (no such case), CS_EDB, CS_EIO, CS_ECRYPTO (wrong or
 * missing key), CS_ETOOBIG (document over 64 MiB, case arrays full), with
 * a message in eb.  Not thread-safe; SQLite serialises processes.
 */
#ifndef CS_CASEDB_H
#define CS_CASEDB_H

#include <stddef.h>

#include "core/case.h"
#include "core/keys.h"
#include "core/rules.h"
#include "util/buf.h"

#define CS_DOC_MAX (64u * 1024 * 1024)

struct cs_casedb;

/*
 * cs_casekey_load - the cases key (seal_key and tag_key derived from
 * KEYS/cases.key); create makes it when missing.  The key directory is
 * checked as for day keys (mode 0700, apart from datadir).
 */
enum cs_err cs_casekey_load(const char *keysdir, const char *datadir,
    int create, struct cs_daykey *out, struct cs_errbuf *eb);

/* cs_casedb_open - open (creating in write mode) the case store */
enum cs_err cs_casedb_open(const char *datadir, const char *keysdir, int write,
    struct cs_casedb **out, struct cs_errbuf *eb);
void cs_casedb_close(struct cs_casedb *db);
/* cs_casedb_key - the cases key (borrowed, valid until close) */
const struct cs_daykey *cs_casedb_key(const struct cs_casedb *db);

/*
 * cs_casedb_create - give c a new id ("YYYY-NNNN" by the year of
 * c->created_at) and store it whole (fields, targets, categories; its
 * documents and events must be added with the calls below afterwards).
 */
enum cs_err cs_casedb_create(
    struct cs_casedb *db, struct cs_case *c, struct cs_errbuf *eb);
/* cs_casedb_load - a case by id, whole; the caller frees it */
enum cs_err cs_casedb_load(struct cs_casedb *db, const char *id,
    struct cs_case **out, struct cs_errbuf *eb);
/* cs_casedb_save - rewrite fields, targets, categories and state */
enum cs_err cs_casedb_save(
    struct cs_casedb *db, const struct cs_case *c, struct cs_errbuf *eb);
/* cs_casedb_list - every case id, oldest first; free with cs_casedb_ids_free */
enum cs_err cs_casedb_list(
    struct cs_casedb *db, char ***ids, size_t *n, struct cs_errbuf *eb);
void cs_casedb_ids_free(char **ids, size_t n);

/* cs_casedb_event - append an event to c and to the store */
enum cs_err cs_casedb_event(struct cs_casedb *db, struct cs_case *c,
    const char *kind, cs_time at, const char *by, const char *note,
    struct cs_errbuf *eb);

/*
 * cs_casedb_put_blob - store bytes content-addressed and sealed; sha gets
 * the hex SHA-256 of the plain bytes.  Storing the same bytes twice is a
 * no-op.
 */
enum cs_err cs_casedb_put_blob(struct cs_casedb *db, const void *p, size_t n,
    char sha[static 65], struct cs_errbuf *eb);
/* cs_casedb_get_blob - the plain bytes of a stored document into out */
enum cs_err cs_casedb_get_blob(struct cs_casedb *db, const char *sha,
    struct cs_buf *out, struct cs_errbuf *eb);
/*
 * cs_casedb_add_doc - attach a document (bytes and the name it came
 * under) to c, received by `by` at `at`.
 */
enum cs_err cs_casedb_add_doc(struct cs_casedb *db, struct cs_case *c,
    const void *p, size_t n, const char *name, const char *kind, const char *by,
    cs_time at, struct cs_errbuf *eb);
/* cs_read_file - a whole file (at most max bytes) into out */
enum cs_err cs_read_file(
    const char *path, size_t max, struct cs_buf *out, struct cs_errbuf *eb);

struct cs_cost {
	int64_t cents;
	char what[CS_CASE_STR];
	char by[CS_CASE_NAME];
	cs_time at;
};

/* cs_casedb_add_cost - a cost line (18 USC 2706, 2518(4), 3124(c)) */
enum cs_err cs_casedb_add_cost(struct cs_casedb *db, struct cs_case *c,
    int64_t cents, const char *what, const char *by, cs_time at,
    struct cs_errbuf *eb);
/* cs_casedb_costs - cost lines of a case; caller frees *out */
enum cs_err cs_casedb_costs(struct cs_casedb *db, const char *id,
    struct cs_cost **out, size_t *n, struct cs_errbuf *eb);

/* the SSI policy (R-CALEA-3/4): the latest registration */
struct cs_ssi {
	char sha[65];
	char by[CS_CASE_NAME];
	cs_time set_at, filed_at; /* CS_TIME_NONE: not filed */
};
enum cs_err cs_casedb_ssi_set(struct cs_casedb *db, const char *sha,
    const char *by, cs_time at, struct cs_errbuf *eb);
enum cs_err cs_casedb_ssi_filed(
    struct cs_casedb *db, cs_time at, struct cs_errbuf *eb);
/* cs_casedb_ssi_get - CS_ENOENT when none is registered */
enum cs_err cs_casedb_ssi_get(
    struct cs_casedb *db, struct cs_ssi *out, struct cs_errbuf *eb);

/*
 * cs_casedb_env - the rule environment of c: SSI present, and the latest
 * end of any open ndo_2705b case naming c as its parent.
 */
void cs_casedb_env(struct cs_casedb *db, const struct cs_case *c,
    const struct cs_config *cfg, cs_time now, struct cs_rule_env *env);

/*
 * Holds (R-PRES-1/2, R-PRES-4, R-CSAM-1): the identifiers whose records
 * retention must not purge at `now`: the targets of every open case
 * (implicit hold while the case is open) and of preservation and
 * CyberTipline cases until their hold ends.  For the retention purge.
 */
struct cs_hold {
	char case_id[CS_CASE_ID];
	const char *basis;  /* static: rule id */
	struct cs_target t; /* what is held (kind, value, window) */
	cs_time until;      /* CS_TIME_NONE: while the case is open */
};
/* cs_casedb_holds - every hold in force at now; caller frees *out */
enum cs_err cs_casedb_holds(struct cs_casedb *db, cs_time now,
    struct cs_hold **out, size_t *n, struct cs_errbuf *eb);

#endif
