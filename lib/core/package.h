/*
 * package - the response package of a case (`custos case export`): the
 * writers of its files, each from one description of what is disclosed.
 *
 *   records.csv        one row per record (RFC 4180, CRLF; a cell a
 *                      spreadsheet would run as a formula gets a leading
 *                      apostrophe)
 *   records.json       the same records, exact: {"case", "producer",
 *                      "authority", "disclosed", "withheld", "bindings":
 *                      [{"target", "match" (as who/history render it),
 *                      "directory" (name, address, account, payment, or
 *                      null)}], "smtp": [{"target", "envelope"}]}
 *   report.html        case summary, targets, what was disclosed and what
 *                      was withheld, deadlines, the records table
 *   report.pdf         the same report, made with libharu (libhpdf);
 *                      US Letter, the base-14 fonts, so text outside
 *                      printable ASCII is shown as '?' (the CSV, JSON
 *                      and HTML keep it)
 *   certification.txt  business-records certification, FRE 902(11)
 *   cover-letter.txt   to the agency: what is enclosed, reference, contact
 *   MANIFEST.sha256    SHA-256 of every file, in sha256sum's format
 *
 * These writers never decide what may be disclosed: the caller (the
 * export command, under the case's authority) fills struct cs_pkg with
 * exactly the records and fields the case may see, and every writer
 * prints only what it is given.  The PDF is made with libharu because it
 * is a Debian library that writes correct PDF (fonts, xref, streams) and
 * nothing more.
 *
 * Writers append to a caller's cs_buf and return its sticky error
 * (CS_ETOOBIG past its maximum); cs_pkg_pdf returns CS_EIO when libharu
 * fails.  The directory helpers return CS_EIO/CS_EPERM with eb set.  Not
 * thread-safe (libharu keeps its own state per document only, but the
 * caller's buffers are shared).
 */
#ifndef CS_PACKAGE_H
#define CS_PACKAGE_H

#include <stddef.h>

#include "core/case.h"
#include "core/cfg.h"
#include "core/rules.h"
#include "util/buf.h"

/* the columns of a record (records.csv header order) */
enum cs_pkg_col {
	PC_KIND,
	PC_TARGET,
	PC_START,
	PC_END,
	PC_END_KNOWN,
	PC_ADDRESS,
	PC_ADDRESSES,
	PC_USERNAME,
	PC_MAC,
	PC_CIRCUIT,
	PC_NAS,
	PC_NAS_PORT,
	PC_SESSION,
	PC_SOURCE,
	PC_SUB_NAME,
	PC_SUB_ADDRESS,
	PC_SUB_ACCOUNT,
	PC_SUB_PAYMENT,
	PC_MAIL_QUEUE_ID,
	PC_MAIL_FROM,
	PC_MAIL_TO,
	PC_MAIL_SASL,
	PC_EVIDENCE,
	PC_N
};

enum cs_pkg_kind { PK_BINDING, PK_SMTP };

/* one disclosed record */
struct cs_pkg_rec {
	enum cs_pkg_kind kind;
	char *col[PC_N]; /* owned; NULL: empty (PC_KIND set by writers) */
	char *json;      /* owned; the record's JSON object */
	char *dir_json;  /* owned; subscriber directory object or NULL */
};

struct cs_pkg {
	const struct cs_case *c;     /* borrowed */
	const struct cs_config *cfg; /* borrowed */
	cs_time now;                 /* when the package is made */
	const char *by;              /* borrowed: who makes it */
	const char *disclosed;       /* borrowed: categories disclosed */
	const char *withheld;        /* borrowed: categories withheld, or "" */
	const char *why;      /* borrowed: authority, e.g. "2703(c)(2)" */
	unsigned cols;        /* bit per enum cs_pkg_col to print */
	struct cs_pkg_rec *r; /* owned (cs_pkg_release) */
	size_t n, cap;
	struct cs_due due[CS_RULES_MAXDUE];
	size_t ndue;
};

#define PC_BIT(c) (1u << (c))

/* cs_pkg_init - empty package of case c */
void cs_pkg_init(struct cs_pkg *p, const struct cs_case *c,
    const struct cs_config *cfg, cs_time now, const char *by);
/* cs_pkg_add - a new empty record of kind k, owned by p */
struct cs_pkg_rec *cs_pkg_add(struct cs_pkg *p, enum cs_pkg_kind k);
/* cs_pkg_set - set a column (copied); NULL or "" leaves it empty */
void cs_pkg_set(struct cs_pkg_rec *r, enum cs_pkg_col col, const char *v);
/* cs_pkg_count - records of a kind */
size_t cs_pkg_count(const struct cs_pkg *p, enum cs_pkg_kind k);
/* cs_pkg_release - free the records */
void cs_pkg_release(struct cs_pkg *p);

/* cs_pkg_col_name - the CSV header name of a column */
const char *cs_pkg_col_name(enum cs_pkg_col c);

/*
 * cs_json_get_str - the string value of a top-level key of a JSON object
 * (escapes decoded) into out; 0 if absent, not a string or too long.
 * For arrays of objects, cs_json_list_str joins the key's values of each
 * element of the top-level array `arr` with ", ".
 */
int cs_json_get_str(
    const char *json, const char *key, char *out, size_t outlen);
int cs_json_list_str(const char *json, const char *arr, const char *key,
    char *out, size_t outlen);
/* cs_json_sub_str - the string at obj.key (obj a top-level object) */
int cs_json_sub_str(const char *json, const char *obj, const char *key,
    char *out, size_t outlen);

enum cs_err cs_pkg_csv(const struct cs_pkg *p, struct cs_buf *out);
enum cs_err cs_pkg_json(const struct cs_pkg *p, struct cs_buf *out);
enum cs_err cs_pkg_html(const struct cs_pkg *p, struct cs_buf *out);
enum cs_err cs_pkg_pdf(const struct cs_pkg *p, struct cs_buf *out);
enum cs_err cs_pkg_cert(const struct cs_pkg *p, struct cs_buf *out);
enum cs_err cs_pkg_letter(const struct cs_pkg *p, const char *const *files,
    size_t nfiles, struct cs_buf *out);

/*
 * cs_pkg_dir_make - create dir (mode 0700, parents must exist), or accept
 * an existing empty directory; refuses (CS_EPERM) one that is not empty
 * or is not a directory.  *created says whether it was made here.
 */
enum cs_err cs_pkg_dir_make(
    const char *dir, int *created, struct cs_errbuf *eb);
/*
 * cs_pkg_file_write - write dir/name (must not exist; mode 0600), fsync;
 * hex gets the SHA-256 of the bytes.
 */
enum cs_err cs_pkg_file_write(const char *dir, const char *name, const void *p,
    size_t n, char hex[static 65], struct cs_errbuf *eb);
/* cs_pkg_dir_sync - fsync the directory, so the new names are durable */
enum cs_err cs_pkg_dir_sync(const char *dir, struct cs_errbuf *eb);
/* cs_pkg_manifest - "HEX  NAME\n" lines, as sha256sum prints them */
void cs_pkg_manifest(const char *const *names, const char (*hex)[65], size_t n,
    struct cs_buf *out);

#endif
