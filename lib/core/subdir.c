/* subdir - subscriber directory: CSV import, sealed store, lookup */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/casedb.h"
#include "core/subdir.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/xmalloc.h"

enum {
	COL_ACCOUNT,
	COL_USER,
	COL_MAC,
	COL_NAME,
	COL_ADDRESS,
	COL_PAYMENT,
	COL_N
};
static const char *const col_names[COL_N] = {
    "account", "username", "mac", "name", "address", "payment"};
#define MAXCOLS 64

/* csv - a cursor over the text; one record at a time */
struct csv {
	const char *p, *end;
	unsigned long line;          /* line the cursor is on */
	char rec[CS_SUBDIR_MAXLINE]; /* fields, NUL-separated */
	size_t off[MAXCOLS], len[MAXCOLS];
	int nf;
};

/*
 * next_record - split the next record into fields.  Returns 1 with a
 * record, 0 at the end, -1 for a bad record (why says; skipped).
 */
static int
next_record(struct csv *x, const char **why)
{
	size_t used = 0;
	int quoted = 0, at_start = 1, bad = 0;

	if (x->p >= x->end)
		return 0;
	x->nf = 0;
	x->off[0] = 0;
	for (;;) {
		char ch;
		if (x->p >= x->end) {
			if (quoted) {
				*why = "unterminated quote";
				return -1;
			}
			break;
		}
		ch = *x->p++;
		if (quoted) {
			if (ch == '"') {
				if (x->p < x->end && *x->p == '"') {
					x->p++;
				} else {
					quoted = 0;
					continue;
				}
			} else if (ch == '\n') {
				x->line++;
			}
		} else if (ch == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		} else if (ch == ',' || ch == '\n' || ch == '\r') {
			if (ch == '\r') {
				if (x->p < x->end && *x->p == '\n')
					x->p++;
				ch = '\n';
			}
			if (!bad) {
				if (x->nf >= MAXCOLS) {
					bad = 1;
					*why = "more than 64 columns";
				} else {
					x->len[x->nf] = used - x->off[x->nf];
					x->rec[used++] = '\0';
					x->nf++;
					if (x->nf < MAXCOLS)
						x->off[x->nf] = used;
				}
			}
			at_start = 1;
			if (ch == '\n') {
				x->line++;
				break;
			}
			continue;
		}
		at_start = 0;
		if (bad)
			continue;
		if (used + 2 >= sizeof(x->rec)) {
			bad = 1;
			*why = "record longer than 8192 bytes";
			continue;
		}
		x->rec[used++] = ch;
	}
	if (!bad && x->p >= x->end && x->nf < MAXCOLS &&
	    (used > 0 || x->nf > 0) &&
	    (used == 0 || x->rec[used - 1] != '\0' || x->nf == 0)) {
		/* the last field of a file without a final newline */
		x->len[x->nf] = used - x->off[x->nf];
		x->rec[used++] = '\0';
		x->nf++;
	}
	return bad ? -1 : 1;
}

static struct cs_span
field(const struct csv *x, int i)
{
	if (i < 0 || i >= x->nf)
		return cs_span_make("", 0);
	return cs_span_trim(cs_span_make(x->rec + x->off[i], x->len[i]));
}

static int
blank_record(const struct csv *x)
{
	int i;

	for (i = 0; i < x->nf; i++)
		if (field(x, i).len)
			return 0;
	return 1;
}

static int
header_col(struct cs_span h)
{
	static const struct {
		const char *alias;
		int col;
	} aliases[] = {{"user", COL_USER}, {"user_name", COL_USER},
	    {"login", COL_USER}, {"account_id", COL_ACCOUNT},
	    {"mac_address", COL_MAC}, {"postal_address", COL_ADDRESS},
	    {"payment_method", COL_PAYMENT}};
	char low[32];
	size_t i;

	if (h.len == 0 || h.len >= sizeof(low))
		return -1;
	for (i = 0; i < h.len; i++)
		low[i] = (char)(h.p[i] >= 'A' && h.p[i] <= 'Z' ? h.p[i] + 32
							       : h.p[i]);
	low[h.len] = '\0';
	for (i = 0; i < COL_N; i++)
		if (strcmp(low, col_names[i]) == 0)
			return (int)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(low, aliases[i].alias) == 0)
			return aliases[i].col;
	return -1;
}

enum cs_err
cs_subdir_parse(const char *text, size_t len, const struct cs_subdir_sink *sink,
    struct cs_errbuf *eb)
{
	struct csv *x = cs_xcalloc(1, sizeof(*x));
	int map[COL_N], i, r, hdr_n;
	const char *why = "";
	unsigned long line;
	enum cs_err e = CS_OK;

	x->p = text;
	x->end = text + len;
	x->line = 1;
	/* skip a UTF-8 byte-order mark */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		x->p += 3;
	for (i = 0; i < COL_N; i++)
		map[i] = -1;
	if (next_record(x, &why) != 1) {
		cs_errbuf_set(eb, "line 1: no usable header line");
		e = CS_EPARSE;
		goto out;
	}
	hdr_n = x->nf;
	for (i = 0; i < x->nf; i++) {
		int c = header_col(field(x, i));
		if (c >= 0 && map[c] < 0)
			map[c] = i;
	}
	if (map[COL_USER] < 0 && map[COL_MAC] < 0) {
		cs_errbuf_set(eb,
		    "line 1: the header names neither a username "
		    "nor a mac column");
		e = CS_EPARSE;
		goto out;
	}
	for (;;) {
		struct cs_sub s;
		char *dst[COL_N] = {
		    s.account, s.username, s.mac, s.name, s.address, s.payment};
		const char *badf = NULL;

		line = x->line;
		r = next_record(x, &why);
		if (r == 0)
			break;
		if (r < 0) {
			if (sink->bad)
				sink->bad(sink->arg, line, "(record)", why);
			if (strcmp(why, "unterminated quote") == 0)
				break;
			continue;
		}
		if (blank_record(x))
			continue;
		if (x->nf < hdr_n) {
			if (sink->bad)
				sink->bad(sink->arg, line, "(record)",
				    "fewer "
				    "fields than the header");
			continue;
		}
		memset(&s, 0, sizeof(s));
		for (i = 0; i < COL_N && !badf; i++) {
			struct cs_span v = field(x, map[i]);
			size_t j;
			if (v.len >= CS_SUB_FIELD) {
				badf = col_names[i];
				why = "longer than 255 bytes";
				break;
			}
			for (j = 0; j < v.len; j++)
				if ((unsigned char)v.p[j] < 0x20) {
					badf = col_names[i];
					why = "control character";
				}
			if (badf)
				break;
			if (i == COL_MAC && v.len) {
				uint8_t mac[6];
				char m[CS_MAC_STRLEN];
				if (cs_mac_parse(v, mac) != CS_OK) {
					badf = col_names[i];
					why = "not a MAC address";
					break;
				}
				cs_mac_format(mac, m);
				memcpy(dst[i], m, sizeof(m));
				continue;
			}
			memcpy(dst[i], v.p, v.len);
			dst[i][v.len] = '\0';
		}
		if (!badf && !s.username[0] && !s.mac[0]) {
			badf = "username";
			why = "neither username nor mac given";
		}
		if (badf) {
			if (sink->bad)
				sink->bad(sink->arg, line, badf, why);
			continue;
		}
		if (sink->row)
			sink->row(sink->arg, &s);
	}
out:
	free(x);
	return e;
}

/* ---- the sealed store ---- */

#define SUB_AD 0x5375626469720001LL /* "Subdir", version 1 */

static sqlite3 *
open_db(const char *datadir, int write, struct cs_errbuf *eb)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/subscribers.db", datadir);
	if (sqlite3_open_v2(path, &db,
		write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		      : SQLITE_OPEN_READONLY,
		NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (write &&
	    sqlite3_exec(db,
		"CREATE TABLE IF NOT EXISTS subs(tu "
		"INTEGER, tm INTEGER, ta INTEGER, row BLOB);"
		"CREATE INDEX IF NOT EXISTS subs_tu ON subs(tu);"
		"CREATE INDEX IF NOT EXISTS subs_tm ON subs(tm);"
		"CREATE INDEX IF NOT EXISTS subs_ta ON subs(ta);",
		NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static int64_t
tag_of(const struct cs_daykey *key, char dom, const char *s)
{
	return s[0] ? cs_tag(key, (uint8_t)dom, s, strlen(s)) : -1;
}

struct import {
	sqlite3_stmt *st;
	const struct cs_daykey *key;
	const char *path;
	FILE *errs;
	size_t ok, bad;
	int failed;
};

static void
import_row(void *arg, const struct cs_sub *s)
{
	struct import *im = arg;
	struct cs_buf b, sealed;

	cs_buf_init(&b, NULL, 0, 8192);
	cs_buf_appendf(&b, "%s\n%s\n%s\n%s\n%s\n%s", s->account, s->username,
	    s->mac, s->name, s->address, s->payment);
	cs_buf_init(&sealed, NULL, 0, 16384);
	cs_seal(im->key, SUB_AD, b.data, b.len, &sealed);
	sqlite3_bind_int64(im->st, 1, tag_of(im->key, 'u', s->username));
	sqlite3_bind_int64(im->st, 2, tag_of(im->key, 'm', s->mac));
	sqlite3_bind_int64(im->st, 3, tag_of(im->key, 'a', s->account));
	sqlite3_bind_blob(
	    im->st, 4, sealed.data, (int)sealed.len, SQLITE_TRANSIENT);
	if (sqlite3_step(im->st) != SQLITE_DONE)
		im->failed = 1;
	else
		im->ok++;
	sqlite3_reset(im->st);
	cs_buf_release(&b);
	cs_buf_release(&sealed);
}

static void
import_bad(void *arg, unsigned long line, const char *fld, const char *why)
{
	struct import *im = arg;

	im->bad++;
	if (im->errs)
		fprintf(im->errs, "%s:%lu: %s: %s (row skipped)\n", im->path,
		    line, fld, why);
}

enum cs_err
cs_subdir_import(const char *datadir, const struct cs_daykey *key,
    const char *path, FILE *errs, size_t *nok, size_t *nbad,
    struct cs_errbuf *eb)
{
	struct cs_subdir_sink sink;
	struct import im;
	struct cs_buf text;
	struct cs_errbuf pe = {""};
	sqlite3 *db;
	enum cs_err e;

	cs_buf_init(&text, NULL, 0, 256u << 20);
	if ((e = cs_read_file(path, 256u << 20, &text, eb)) != CS_OK) {
		cs_buf_release(&text);
		return e;
	}
	if ((db = open_db(datadir, 1, eb)) == NULL) {
		cs_buf_release(&text);
		return CS_EDB;
	}
	memset(&im, 0, sizeof(im));
	im.key = key;
	im.path = path;
	im.errs = errs;
	sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM subs", NULL, NULL, NULL);
	sqlite3_prepare_v2(
	    db, "INSERT INTO subs VALUES(?1,?2,?3,?4)", -1, &im.st, NULL);
	sink.arg = &im;
	sink.row = import_row;
	sink.bad = import_bad;
	e = cs_subdir_parse(text.data ? text.data : "", text.len, &sink, &pe);
	sqlite3_finalize(im.st);
	if (e != CS_OK || im.failed) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (e != CS_OK)
			cs_errbuf_set(eb, "%s:%s", path, pe.msg);
		else
			cs_errbuf_set(
			    eb, "subscribers.db: %s", sqlite3_errmsg(db));
		e = e != CS_OK ? e : CS_EDB;
	} else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "subscribers.db: %s", sqlite3_errmsg(db));
		e = CS_EDB;
	}
	sqlite3_close(db);
	cs_buf_release(&text);
	if (e == CS_OK) {
		*nok = im.ok;
		*nbad = im.bad;
	}
	return e;
}

/* split_row - the unsealed "a\nb\n..." back into s */
static int
split_row(const char *p, size_t n, struct cs_sub *s)
{
	char *dst[COL_N] = {
	    s->account, s->username, s->mac, s->name, s->address, s->payment};
	struct cs_span sp = cs_span_make(p, n), tok;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < COL_N; i++) {
		if (!cs_span_token(&sp, '\n', &tok) && i < COL_N - 1)
			return -1;
		if (tok.len >= CS_SUB_FIELD)
			return -1;
		memcpy(dst[i], tok.p, tok.len);
		dst[i][tok.len] = '\0';
	}
	return 0;
}

enum cs_err
cs_subdir_find(const char *datadir, const struct cs_daykey *key,
    const char *who, struct cs_sub *out, struct cs_errbuf *eb)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t mac[6];
	char m[CS_MAC_STRLEN] = "";
	enum cs_err e = CS_ENOENT;

	if ((db = open_db(datadir, 0, eb)) == NULL)
		return CS_ENOENT;
	if (cs_mac_parse(cs_span_cstr(who), mac) == CS_OK)
		cs_mac_format(mac, m);
	if (sqlite3_prepare_v2(db,
		"SELECT row FROM subs WHERE tu=?1 OR "
		"tm=?2 OR ta=?3",
		-1, &st, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "subscribers.db: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return CS_EDB;
	}
	sqlite3_bind_int64(st, 1, tag_of(key, 'u', who));
	sqlite3_bind_int64(st, 2, m[0] ? tag_of(key, 'm', m) : -2);
	sqlite3_bind_int64(st, 3, tag_of(key, 'a', who));
	while (e == CS_ENOENT && sqlite3_step(st) == SQLITE_ROW) {
		struct cs_buf b;
		struct cs_sub s;
		cs_buf_init(&b, NULL, 0, 16384);
		if (cs_unseal(key, SUB_AD, sqlite3_column_blob(st, 0),
			(size_t)sqlite3_column_bytes(st, 0), &b) == CS_OK &&
		    split_row(b.data ? b.data : "", b.len, &s) == 0 &&
		    (strcmp(s.username, who) == 0 ||
			strcmp(s.account, who) == 0 ||
			(m[0] && strcmp(s.mac, m) == 0))) {
			*out = s;
			e = CS_OK;
		}
		cs_buf_release(&b);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (e == CS_ENOENT)
		cs_errbuf_set(eb, "no subscriber %s in the directory", who);
	return e;
}
