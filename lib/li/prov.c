/* prov - agencies and intercepts in DATA/li.db; ends from the case */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/casedb.h"
#include "core/keys.h"
#include "core/rules.h"
#include "li/prov.h"
#include "util/buf.h"
#include "util/xmalloc.h"

struct li_prov {
	sqlite3 *db;             /* li.db, owned */
	struct cs_casedb *cases; /* owned or borrowed */
	int own_cases;
	char *datadir, *keysdir; /* owned */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS agency(name TEXT PRIMARY KEY, hi2 TEXT,"
    " hi3 TEXT, tls_ca TEXT, tls_cert TEXT, tls_key TEXT, operator_id TEXT,"
    " country TEXT, ne_id TEXT, created_by TEXT, created_at INTEGER);"
    "CREATE TABLE IF NOT EXISTS icpt(n INTEGER PRIMARY KEY, id TEXT UNIQUE,"
    " case_id TEXT NOT NULL, agency TEXT NOT NULL, liid_tag INTEGER,"
    " liid BLOB, cin INTEGER, mode INTEGER, pen_trap INTEGER,"
    " targets BLOB, activated INTEGER, created_by TEXT,"
    " stopped INTEGER NOT NULL DEFAULT 0, stopped_at INTEGER,"
    " stopped_by TEXT, stop_reason BLOB, UNIQUE(liid_tag, cin));";

static enum cs_err
dberr(struct li_prov *p, struct cs_errbuf *eb, const char *what)
{
	cs_errbuf_set(eb, "li.db: %s: %s", what, sqlite3_errmsg(p->db));
	return CS_EDB;
}

static enum cs_err
open_common(struct li_prov *p, const char *datadir, const char *keysdir,
    struct cs_errbuf *eb)
{
	char path[PATH_MAX];

	p->datadir = cs_xstrdup(datadir);
	p->keysdir = cs_xstrdup(keysdir);
	snprintf(path, sizeof(path), "%s/li.db", datadir);
	if (sqlite3_open_v2(path, &p->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : "cannot open");
		return CS_EDB;
	}
	sqlite3_busy_timeout(p->db, 10000);
	sqlite3_exec(p->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (sqlite3_exec(p->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return dberr(p, eb, "schema");
	return CS_OK;
}

enum cs_err
li_prov_open(struct li_prov **out, const char *datadir, const char *keysdir,
    struct cs_errbuf *eb)
{
	struct li_prov *p = cs_xcalloc(1, sizeof(*p));
	enum cs_err e;

	p->own_cases = 1;
	if ((e = cs_casedb_open(datadir, keysdir, 0, &p->cases, eb)) != CS_OK ||
	    (e = open_common(p, datadir, keysdir, eb)) != CS_OK) {
		li_prov_close(p);
		return e;
	}
	*out = p;
	return CS_OK;
}

enum cs_err
li_prov_attach(struct li_prov **out, struct cs_casedb *db, const char *datadir,
    const char *keysdir, struct cs_errbuf *eb)
{
	struct li_prov *p = cs_xcalloc(1, sizeof(*p));
	enum cs_err e;

	p->cases = db;
	if ((e = open_common(p, datadir, keysdir, eb)) != CS_OK) {
		li_prov_close(p);
		return e;
	}
	*out = p;
	return CS_OK;
}

void
li_prov_close(struct li_prov *p)
{
	if (p == NULL)
		return;
	if (p->db)
		sqlite3_close(p->db);
	if (p->own_cases)
		cs_casedb_close(p->cases);
	free(p->datadir);
	free(p->keysdir);
	free(p);
}

const char *
li_mode_name(enum li_mode m)
{
	return m == LI_MODE_IRI_CC ? "iri+cc" : "iri";
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

/* ---- sealing (the cases key, bound to the intercept id) ---- */

static int64_t
ad(struct li_prov *p, const char *id)
{
	return cs_tag(cs_casedb_key(p->cases), 'i', id, strlen(id));
}

static void
bind_sealed(struct li_prov *p, sqlite3_stmt *st, int col, const char *id,
    const char *text)
{
	struct cs_buf b;

	cs_buf_init(&b, NULL, 0, 1 << 16);
	cs_seal(cs_casedb_key(p->cases), ad(p, id), text, strlen(text), &b);
	sqlite3_bind_blob(st, col, b.data, (int)b.len, SQLITE_TRANSIENT);
	cs_buf_release(&b);
}

static enum cs_err
col_unsealed(struct li_prov *p, sqlite3_stmt *st, int col, const char *id,
    struct cs_buf *out)
{
	return cs_unseal(cs_casedb_key(p->cases), ad(p, id),
	    sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col),
	    out);
}

/* ---- agencies ---- */

enum cs_err
li_hostport_split(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen, struct cs_errbuf *eb)
{
	const char *colon, *h = s, *he;
	struct cs_addr a;
	size_t hl, i;
	long v;
	char *end;

	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':') {
			cs_errbuf_set(eb, "'%.80s': want [IPV6]:PORT", s);
			return CS_EINVAL;
		}
		h = s + 1;
		colon = he + 1;
		if (cs_addr_parse(cs_span_make(h, (size_t)(he - h)), &a) !=
			CS_OK ||
		    a.family != 6 || !cs_addr_is_host(&a)) {
			cs_errbuf_set(
			    eb, "'%.80s': not an IPv6 address in brackets", s);
			return CS_EINVAL;
		}
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon) {
			cs_errbuf_set(eb,
			    "'%.80s': want HOST:PORT (an IPv6 address in "
			    "brackets: [2001:db8::1]:PORT)",
			    s);
			return CS_EINVAL;
		}
		he = colon;
		for (i = 0; h + i < he; i++)
			if (!((h[i] >= 'a' && h[i] <= 'z') ||
				(h[i] >= 'A' && h[i] <= 'Z') ||
				(h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
				h[i] == '-')) {
				cs_errbuf_set(eb,
				    "'%.80s': the host name has a character "
				    "other than letters, digits, '.' and '-'",
				    s);
				return CS_EINVAL;
			}
	}
	hl = (size_t)(he - h);
	if (hl == 0 || hl >= hostlen || hl > 253) {
		cs_errbuf_set(eb, "'%.80s': host empty or too long", s);
		return CS_EINVAL;
	}
	colon++;
	errno = 0;
	v = strtol(colon, &end, 10);
	if (*colon < '0' || *colon > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > 65535 || strlen(colon) >= portlen) {
		cs_errbuf_set(eb, "'%.80s': port must be 1..65535", s);
		return CS_EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%ld", v);
	return CS_OK;
}

/* printable - 1..max printable ASCII characters without blanks */
static int
printable(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* tls_file - a readable regular file; key: not group/world accessible */
static enum cs_err
tls_file(const char *opt, const char *path, int key, struct cs_errbuf *eb)
{
	struct stat st;
	int fd;

	if (path[0] != '/') {
		cs_errbuf_set(
		    eb, "%s %.200s: give an absolute path", opt, path);
		return CS_EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cs_errbuf_set(eb, "%s %.200s: %s", opt, path, strerror(errno));
		return CS_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		cs_errbuf_set(eb, "%s %.200s: not a regular file", opt, path);
		return CS_EINVAL;
	}
	close(fd);
	if (key && (st.st_mode & 077) != 0) {
		cs_errbuf_set(eb,
		    "%s %.200s: mode %03o lets others read the private "
		    "key: chmod 600 it",
		    opt, path, (unsigned)(st.st_mode & 0777));
		return CS_EPERM;
	}
	return CS_OK;
}

enum cs_err
li_agency_check(const struct li_agency *a, struct cs_errbuf *eb)
{
	char host[256], port[8];
	size_t i, n = strlen(a->name);
	int ntls;
	enum cs_err e;

	if (n == 0 || n >= sizeof(a->name) || a->name[0] == '.') {
		cs_errbuf_set(eb,
		    "agency name empty, too long or starting "
		    "with '.'");
		return CS_EINVAL;
	}
	for (i = 0; i < n; i++) {
		char c = a->name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-')) {
			cs_errbuf_set(eb,
			    "agency name '%.63s': letters, digits, '.', '_' "
			    "and '-' only",
			    a->name);
			return CS_EINVAL;
		}
	}
	if (a->hi2[0] == '\0' || a->hi3[0] == '\0') {
		cs_errbuf_set(eb, "both --hi2 and --hi3 are needed");
		return CS_EINVAL;
	}
	if ((e = li_hostport_split(a->hi2, host, sizeof(host), port,
		 sizeof(port), eb)) != CS_OK ||
	    (e = li_hostport_split(
		 a->hi3, host, sizeof(host), port, sizeof(port), eb)) != CS_OK)
		return e;
	if (!printable(a->operator_id, LI_OPID_MAX)) {
		cs_errbuf_set(eb,
		    "operator id: 1..%d printable characters without "
		    "blanks (TS 102 232-1 operatorIdentifier)",
		    LI_OPID_MAX);
		return CS_EINVAL;
	}
	if (!printable(a->ne_id, LI_NEID_MAX)) {
		cs_errbuf_set(eb,
		    "network element id: 1..%d printable characters "
		    "without blanks (networkElementIdentifier)",
		    LI_NEID_MAX);
		return CS_EINVAL;
	}
	if (strlen(a->country) != 2 || a->country[0] < 'A' ||
	    a->country[0] > 'Z' || a->country[1] < 'A' || a->country[1] > 'Z') {
		cs_errbuf_set(eb, "country: two letters (ISO 3166-1 alpha-2)");
		return CS_EINVAL;
	}
	ntls =
	    (a->tls_ca[0] != 0) + (a->tls_cert[0] != 0) + (a->tls_key[0] != 0);
	if (ntls != 0 && ntls != 3) {
		cs_errbuf_set(eb,
		    "TLS needs all three of --tls-ca, --tls-cert and "
		    "--tls-key (or none for plain TCP)");
		return CS_EINVAL;
	}
	if (ntls == 3 &&
	    ((e = tls_file("--tls-ca", a->tls_ca, 0, eb)) != CS_OK ||
		(e = tls_file("--tls-cert", a->tls_cert, 0, eb)) != CS_OK ||
		(e = tls_file("--tls-key", a->tls_key, 1, eb)) != CS_OK))
		return e;
	return CS_OK;
}

static void
agency_row(sqlite3_stmt *st, struct li_agency *a)
{
	memset(a, 0, sizeof(*a));
	copy(a->name, sizeof(a->name), col_text(st, 0));
	copy(a->hi2, sizeof(a->hi2), col_text(st, 1));
	copy(a->hi3, sizeof(a->hi3), col_text(st, 2));
	copy(a->tls_ca, sizeof(a->tls_ca), col_text(st, 3));
	copy(a->tls_cert, sizeof(a->tls_cert), col_text(st, 4));
	copy(a->tls_key, sizeof(a->tls_key), col_text(st, 5));
	copy(a->operator_id, sizeof(a->operator_id), col_text(st, 6));
	copy(a->country, sizeof(a->country), col_text(st, 7));
	copy(a->ne_id, sizeof(a->ne_id), col_text(st, 8));
	copy(a->created_by, sizeof(a->created_by), col_text(st, 9));
	a->created_at = sqlite3_column_int64(st, 10);
}

#define AGENCY_COLS                                                        \
	"name, hi2, hi3, tls_ca, tls_cert, tls_key, operator_id, country," \
	" ne_id, created_by, created_at"

enum cs_err
li_prov_agency_get(struct li_prov *p, const char *name, struct li_agency *out,
    struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	enum cs_err e = CS_OK;

	if (sqlite3_prepare_v2(p->db,
		"SELECT " AGENCY_COLS " FROM agency WHERE name=?1", -1, &st,
		NULL) != SQLITE_OK)
		return dberr(p, eb, "prepare");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		agency_row(st, out);
	} else {
		cs_errbuf_set(
		    eb, "no agency '%.63s' (custos agency list)", name);
		e = CS_ENOENT;
	}
	sqlite3_finalize(st);
	return e;
}

enum cs_err
li_prov_agency_add(
    struct li_prov *p, const struct li_agency *a, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	enum cs_err e;
	int rc;

	if ((e = li_agency_check(a, eb)) != CS_OK)
		return e;
	if (sqlite3_prepare_v2(p->db,
		"INSERT INTO agency(" AGENCY_COLS
		") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
		-1, &st, NULL) != SQLITE_OK)
		return dberr(p, eb, "prepare");
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->hi2, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->hi3, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->tls_ca, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->tls_cert, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->tls_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->operator_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->ne_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a->created_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, a->created_at);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		cs_errbuf_set(eb,
		    "agency '%s' exists already (custos agency "
		    "remove it first)",
		    a->name);
		return CS_EINVAL;
	}
	if (rc != SQLITE_DONE)
		return dberr(p, eb, "insert agency");
	return CS_OK;
}

enum cs_err
li_prov_agency_list(
    struct li_prov *p, struct li_agency **out, size_t *n, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	struct li_agency *v = NULL;
	size_t k = 0, cap = 0;

	if (sqlite3_prepare_v2(p->db,
		"SELECT " AGENCY_COLS " FROM agency ORDER BY name", -1, &st,
		NULL) != SQLITE_OK)
		return dberr(p, eb, "prepare");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		agency_row(st, &v[k++]);
	}
	sqlite3_finalize(st);
	*out = v;
	*n = k;
	return CS_OK;
}

enum cs_err
li_prov_agency_remove(struct li_prov *p, const char *name,
    char inuse[static 32], struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	inuse[0] = '\0';
	if (sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(p, eb, "begin");
	if (sqlite3_prepare_v2(p->db,
		"SELECT id FROM icpt WHERE agency=?1 AND "
		"stopped=0 ORDER BY n LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy(inuse, 32, col_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		cs_errbuf_set(eb,
		    "agency '%s' is in use by intercept %s (stop it "
		    "first: custos intercept stop %s)",
		    name, inuse, inuse);
		return CS_EPERM;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(p->db, "DELETE FROM agency WHERE name=?1", -1,
		&st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	if (sqlite3_changes(p->db) == 0) {
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		cs_errbuf_set(eb, "no agency '%.63s'", name);
		return CS_ENOENT;
	}
	if (sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dbfail;
	return CS_OK;
dbfail:
	dberr(p, eb, "remove agency");
	sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return CS_EDB;
}

/* ---- intercepts ---- */

enum cs_err
li_liid_check(const char *liid, struct cs_errbuf *eb)
{
	if (!printable(liid, LI_LIID_MAX)) {
		cs_errbuf_set(eb,
		    "LIID: 1..%d printable characters without blanks "
		    "(TS 102 232-1 LawfulInterceptionIdentifier)",
		    LI_LIID_MAX);
		return CS_EINVAL;
	}
	return CS_OK;
}

/* covers - does case target ct cover t (kind and value, or prefix)? */
static int
covers(const struct cs_target *ct, const struct cs_target *t)
{
	struct cs_addr a, b;
	int isaddr = t->kind == TK_IP || t->kind == TK_IPV6PREFIX;

	if (isaddr && (ct->kind == TK_IP || ct->kind == TK_IPV6PREFIX))
		return cs_addr_parse(cs_span_cstr(t->value), &a) == CS_OK &&
		    cs_addr_parse(cs_span_cstr(ct->value), &b) == CS_OK &&
		    cs_addr_contains(&b, &a);
	return ct->kind == t->kind && strcmp(ct->value, t->value) == 0;
}

const struct cs_target *
li_target_cover(const struct cs_case *c, const struct cs_target *t)
{
	const struct cs_target *best = NULL;
	size_t i;

	for (i = 0; i < c->nt; i++) {
		const struct cs_target *ct = &c->t[i];
		if (!covers(ct, t))
			continue;
		if (ct->from == CS_TIME_NONE && ct->to == CS_TIME_NONE)
			return ct; /* no window: the widest */
		if (best == NULL ||
		    (ct->to == CS_TIME_NONE ||
			(best->to != CS_TIME_NONE && ct->to > best->to)))
			best = ct; /* the one that runs longest */
	}
	return best;
}

int
li_target_covered(const struct cs_case *c, const struct cs_target *t)
{
	return li_target_cover(c, t) != NULL;
}

/* order_end - an emergency whose order was recorded: the order's end */
static cs_time
order_end(const struct cs_case *c, const struct cs_event *fu)
{
	struct cs_case *o = cs_case_new();
	cs_time end;

	memcpy(o, c, sizeof(*o));
	if (o->issued == CS_TIME_NONE)
		o->issued = fu->at;
	end = c->type == CT_T3_EMERG ? cs_rules_t3_end(o) : cs_rules_pt_end(o);
	cs_case_free(o);
	return end;
}

static void
earlier(cs_time *end, const char **rule, cs_time t, const char *r)
{
	if (t == CS_TIME_NONE)
		return;
	if (*end == CS_TIME_NONE || t < *end) {
		*end = t;
		*rule = r;
	}
}

cs_time
li_prov_ends(const struct cs_case *c, const struct li_icpt *ic, cs_time now,
    char rule[static 16])
{
	const struct cs_event *fu = cs_case_last(c, "followup");
	const struct cs_event *ev;
	const char *r = "";
	cs_time end = CS_TIME_NONE, start;

	switch (c->type) {
	case CT_T3:
		earlier(&end, &r, cs_rules_t3_end(c), "R-T3-2");
		break;
	case CT_PT:
		earlier(&end, &r, cs_rules_pt_end(c), "R-PT-2");
		break;
	case CT_T3_EMERG:
	case CT_PT_EMERG:
		if (fu != NULL) {
			earlier(&end, &r, order_end(c, fu),
			    c->type == CT_T3_EMERG ? "R-T3-2" : "R-PT-2");
			break;
		}
		/* no order yet: 48 hours from activation */
		start =
		    c->activated != CS_TIME_NONE ? c->activated : ic->activated;
		earlier(&end, &r, start + 48 * CS_HOUR,
		    c->type == CT_T3_EMERG ? "R-T3-6" : "R-PT-5");
		/* and the period the emergency certification states */
		if (c->type == CT_T3_EMERG)
			earlier(&end, &r, c->expires, "R-T3-6");
		break;
	default:
		/* not an intercept authorization (cannot be recorded) */
		earlier(&end, &r, ic->activated, "R-CALEA-6");
		break;
	}
	/* every target named only for a window: over when the last is */
	if (ic->ntargets > 0) {
		cs_time last = CS_TIME_NONE;
		size_t i;
		for (i = 0; i < ic->ntargets; i++) {
			if (ic->targets[i].to == CS_TIME_NONE)
				break;
			if (last == CS_TIME_NONE || ic->targets[i].to > last)
				last = ic->targets[i].to;
		}
		if (i == ic->ntargets)
			earlier(&end, &r, last,
			    c->type == CT_PT || c->type == CT_PT_EMERG
				? "R-PT-1"
				: "R-T3-1");
	}
	if ((ev = cs_case_last(c, "termination")) != NULL)
		earlier(&end, &r, ev->at, "R-T3-4");
	if (c->closed) {
		ev = cs_case_last(c, "close");
		earlier(&end, &r, ev ? ev->at : now, "R-CLOSED");
	}
	snprintf(rule, 16, "%s", r);
	return end;
}

#define ICPT_COLS                                                             \
	"id, case_id, agency, liid, cin, mode, pen_trap, targets, activated," \
	" created_by, stopped, stopped_at, stopped_by, stop_reason"

/*
 * binding - what the sealed LIID is bound to besides the id: the row's
 * plain columns, so a row changed outside custos (another case, another
 * agency, content for a pen/trap) does not load
 */
static void
binding(char out[static 256], const char *case_id, const char *agency,
    int64_t cin, int mode, int pen_trap, int64_t activated)
{
	snprintf(out, 256, "li1|%s|%s|%lld|%d|%d|%lld|", case_id, agency,
	    (long long)cin, mode, pen_trap, (long long)activated);
}

/* icpt_row - a row into ic (unsealing); ends not set */
static enum cs_err
icpt_row(struct li_prov *p, sqlite3_stmt *st, struct li_icpt *ic,
    struct cs_errbuf *eb)
{
	struct cs_buf b;
	enum cs_err e;
	char *s, *nl, bind[256];
	size_t blen;

	memset(ic, 0, sizeof(*ic));
	copy(ic->id, sizeof(ic->id), col_text(st, 0));
	copy(ic->case_id, sizeof(ic->case_id), col_text(st, 1));
	copy(ic->agency, sizeof(ic->agency), col_text(st, 2));
	ic->cin = (uint32_t)sqlite3_column_int64(st, 4);
	ic->mode = sqlite3_column_int(st, 5) == LI_MODE_IRI_CC ? LI_MODE_IRI_CC
							       : LI_MODE_IRI;
	ic->pen_trap = sqlite3_column_int(st, 6) != 0;
	if (ic->pen_trap)
		ic->mode = LI_MODE_IRI; /* whatever the row says */
	ic->activated = sqlite3_column_int64(st, 8);
	copy(ic->created_by, sizeof(ic->created_by), col_text(st, 9));
	ic->stopped = sqlite3_column_int(st, 10) != 0;
	ic->stopped_at = sqlite3_column_type(st, 11) == SQLITE_NULL
	    ? CS_TIME_NONE
	    : sqlite3_column_int64(st, 11);
	copy(ic->stopped_by, sizeof(ic->stopped_by), col_text(st, 12));
	ic->ends = CS_TIME_NONE;
	cs_buf_init(&b, NULL, 0, 1 << 16);
	binding(bind, ic->case_id, ic->agency, sqlite3_column_int64(st, 4),
	    sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
	    ic->activated);
	blen = strlen(bind);
	if ((e = col_unsealed(p, st, 3, ic->id, &b)) != CS_OK || b.len < blen ||
	    b.len - blen >= sizeof(ic->liid) || memcmp(b.data, bind, blen) != 0)
		goto bad;
	copy(ic->liid, sizeof(ic->liid), b.data + blen);
	cs_buf_reset(&b);
	if ((e = col_unsealed(p, st, 7, ic->id, &b)) != CS_OK)
		goto bad;
	cs_buf_putc(&b, '\0');
	for (s = b.data; s && *s; s = nl) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = s + strlen(s);
		if (ic->ntargets >= LI_ICPT_MAXT ||
		    cs_target_parse(s, &ic->targets[ic->ntargets], NULL) !=
			CS_OK)
			goto bad;
		ic->ntargets++;
	}
	if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
		cs_buf_reset(&b);
		if ((e = col_unsealed(p, st, 13, ic->id, &b)) != CS_OK)
			goto bad;
		copy(ic->stop_reason, sizeof(ic->stop_reason),
		    b.data ? b.data : "");
	}
	if (b.data)
		sodium_memzero(b.data, b.len);
	cs_buf_release(&b);
	return CS_OK;
bad:
	if (b.data)
		sodium_memzero(b.data, b.len);
	cs_buf_release(&b);
	cs_errbuf_set(eb,
	    "intercept %s: a stored field does not unseal or parse "
	    "(wrong cases key, or tampering)",
	    ic->id);
	return CS_ECRYPTO;
}

enum cs_err
li_prov_add(struct li_prov *p, struct li_icpt *ic, struct cs_errbuf *eb)
{
	const struct cs_daykey *k = cs_casedb_key(p->cases);
	sqlite3_stmt *st = NULL;
	struct cs_buf tb, lb;
	char id[32], tv[CS_CASE_STR + 64], bind[256];
	int64_t n = 1, cin = 1, tag;
	enum cs_err e;
	size_t i;

	if ((e = li_liid_check(ic->liid, eb)) != CS_OK)
		return e;
	if (ic->ntargets == 0 || ic->ntargets > LI_ICPT_MAXT) {
		cs_errbuf_set(
		    eb, "an intercept has 1..%d targets", LI_ICPT_MAXT);
		return CS_EINVAL;
	}
	tag = cs_tag(k, 'L', ic->liid, strlen(ic->liid));
	if (sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(p, eb, "begin");
	if (sqlite3_prepare_v2(p->db,
		"SELECT (SELECT coalesce(max(n),0)+1 FROM icpt),"
		" (SELECT coalesce(max(cin),0)+1 FROM icpt WHERE liid_tag=?1)",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_int64(st, 1, tag);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		cin = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (cin > (int64_t)UINT32_MAX) {
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		cs_errbuf_set(eb, "no communicationIdentityNumber left");
		return CS_ETOOBIG;
	}
	snprintf(id, sizeof(id), "I-%lld", (long long)n);
	cs_buf_init(&tb, NULL, 0, 1 << 16);
	for (i = 0; i < ic->ntargets; i++) {
		cs_target_format(&ic->targets[i], tv, sizeof(tv));
		cs_buf_appendf(&tb, "%s%s", i ? "\n" : "", tv);
	}
	cs_buf_putc(&tb, '\0');
	if (sqlite3_prepare_v2(p->db,
		"INSERT INTO icpt(n, id, case_id, agency, liid_tag, liid, cin,"
		" mode, pen_trap, targets, activated, created_by)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
		-1, &st, NULL) != SQLITE_OK) {
		cs_buf_release(&tb);
		goto dbfail;
	}
	sqlite3_bind_int64(st, 1, n);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ic->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ic->agency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, tag);
	binding(bind, ic->case_id, ic->agency, cin,
	    ic->pen_trap ? LI_MODE_IRI : (int)ic->mode, ic->pen_trap != 0,
	    ic->activated);
	cs_buf_init(&lb, NULL, 0, 1024);
	cs_buf_appendf(&lb, "%s%s", bind, ic->liid);
	bind_sealed(p, st, 6, id, lb.data);
	sodium_memzero(lb.data, lb.len);
	cs_buf_release(&lb);
	sqlite3_bind_int64(st, 7, cin);
	sqlite3_bind_int(st, 8, ic->pen_trap ? LI_MODE_IRI : (int)ic->mode);
	sqlite3_bind_int(st, 9, ic->pen_trap != 0);
	bind_sealed(p, st, 10, id, tb.data);
	sqlite3_bind_int64(st, 11, ic->activated);
	sqlite3_bind_text(st, 12, ic->created_by, -1, SQLITE_STATIC);
	sodium_memzero(tb.data, tb.len);
	cs_buf_release(&tb);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dbfail;
	copy(ic->id, sizeof(ic->id), id);
	ic->cin = (uint32_t)cin;
	if (ic->pen_trap)
		ic->mode = LI_MODE_IRI;
	return CS_OK;
dbfail:
	dberr(p, eb, "insert intercept");
	if (st)
		sqlite3_finalize(st);
	sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return CS_EDB;
}

/* cache of cases met while computing ends */
struct ccache {
	struct cs_case *c[16];
	size_t n;
};

static void
ccache_free(struct ccache *cc)
{
	size_t i;

	for (i = 0; i < cc->n; i++)
		cs_case_free(cc->c[i]);
	cc->n = 0;
}

/* set_ends - ic->ends and end_rule from its case (a missing case: now) */
static enum cs_err
set_ends(struct li_prov *p, struct ccache *cc, struct li_icpt *ic, cs_time now,
    struct cs_errbuf *eb)
{
	struct cs_case *c = NULL;
	enum cs_err e;
	size_t i;

	for (i = 0; i < cc->n; i++)
		if (strcmp(cc->c[i]->id, ic->case_id) == 0)
			c = cc->c[i];
	if (c == NULL) {
		e = cs_casedb_load(p->cases, ic->case_id, &c, eb);
		if (e == CS_ENOENT) {
			/* fail closed: no case, no interception */
			ic->ends = now;
			copy(ic->end_rule, sizeof(ic->end_rule), "R-CALEA-6");
			return CS_OK;
		}
		if (e != CS_OK)
			return e;
		if (cc->n == sizeof(cc->c) / sizeof(cc->c[0]))
			ccache_free(cc);
		cc->c[cc->n++] = c;
	}
	/* pen/trap by the case's type too, whatever the row says */
	if (c->type == CT_PT || c->type == CT_PT_EMERG) {
		ic->pen_trap = 1;
		ic->mode = LI_MODE_IRI;
	}
	ic->ends = li_prov_ends(c, ic, now, ic->end_rule);
	return CS_OK;
}

static enum cs_err
select_icpts(struct li_prov *p, const char *where, const char *id, cs_time now,
    struct li_icpt **out, size_t *n, struct cs_errbuf *eb)
{
	struct ccache cc = {.n = 0};
	sqlite3_stmt *st;
	struct li_icpt *v = NULL;
	size_t k = 0, cap = 0;
	enum cs_err e = CS_OK;
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql),
	    "SELECT " ICPT_COLS " FROM icpt %s ORDER BY n", where);
	if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
		return dberr(p, eb, "prepare");
	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		if ((e = icpt_row(p, st, &v[k], eb)) != CS_OK ||
		    (e = set_ends(p, &cc, &v[k], now, eb)) != CS_OK)
			break;
		k++;
	}
	if (e == CS_OK && rc != SQLITE_DONE)
		e = dberr(p, eb, "select intercepts");
	sqlite3_finalize(st);
	ccache_free(&cc);
	if (e != CS_OK) {
		if (v)
			sodium_memzero(v, cap * sizeof(*v));
		free(v);
		return e;
	}
	*out = v;
	*n = k;
	return CS_OK;
}

/*
 * shown_id - an id as a message may show it: "I-n", or a placeholder for
 * anything else (a LIID typed where an id belongs must not reach stderr)
 */
static const char *
shown_id(const char *id)
{
	size_t n = strlen(id);

	if (n < 3 || n > 20 || id[0] != 'I' || id[1] != '-' ||
	    strspn(id + 2, "0123456789") != n - 2)
		return "with that id (ids look like I-7)";
	return id;
}

enum cs_err
li_prov_get(struct li_prov *p, const char *id, cs_time now, struct li_icpt *out,
    struct cs_errbuf *eb)
{
	struct li_icpt *v = NULL;
	size_t n = 0;
	enum cs_err e;

	e = select_icpts(p, "WHERE id=?1", id, now, &v, &n, eb);
	if (e != CS_OK)
		return e;
	if (n == 0) {
		free(v);
		cs_errbuf_set(eb, "no intercept %s (custos intercept list)",
		    shown_id(id));
		return CS_ENOENT;
	}
	*out = v[0];
	sodium_memzero(v, sizeof(*v));
	free(v);
	return CS_OK;
}

enum cs_err
li_prov_list(struct li_prov *p, cs_time now, int all, struct li_icpt **out,
    size_t *n, struct cs_errbuf *eb)
{
	return select_icpts(
	    p, all ? "" : "WHERE stopped=0", NULL, now, out, n, eb);
}

enum cs_err
li_prov_load(struct li_prov *p, cs_time now, struct li_icpt **out, size_t *n,
    struct cs_errbuf *eb)
{
	return li_prov_list(p, now, 0, out, n, eb);
}

enum cs_err
li_prov_stop(struct li_prov *p, const char *id, cs_time at, const char *by,
    const char *reason, struct cs_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc, stopped = -1;

	if (sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(p, eb, "begin");
	if (sqlite3_prepare_v2(p->db, "SELECT stopped FROM icpt WHERE id=?1",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		stopped = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (stopped != 0) {
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		if (stopped < 0) {
			cs_errbuf_set(eb, "no intercept %s", shown_id(id));
			return CS_ENOENT;
		}
		cs_errbuf_set(eb, "intercept %s is already stopped", id);
		return CS_EINVAL;
	}
	if (sqlite3_prepare_v2(p->db,
		"UPDATE icpt SET stopped=1, stopped_at=?2,"
		" stopped_by=?3, stop_reason=?4 WHERE id=?1",
		-1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, by ? by : "", -1, SQLITE_STATIC);
	bind_sealed(p, st, 4, id, reason ? reason : "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dbfail;
	return CS_OK;
dbfail:
	dberr(p, eb, "stop intercept");
	sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return CS_EDB;
}

enum cs_err
li_prov_ended(struct li_prov *p, const char *id, cs_time at, const char *reason,
    struct cs_errbuf *eb)
{
	struct li_icpt ic;
	struct cs_audit *a = NULL;
	struct cs_buf b;
	char ts[40], case_id[CS_CASE_ID];
	enum cs_err e;

	if ((e = li_prov_get(p, id, at, &ic, eb)) != CS_OK)
		return e;
	if (!ic.stopped &&
	    (e = li_prov_stop(p, id, at, "custos tap", reason, eb)) != CS_OK)
		return e;
	cs_time_format(at, ts);
	cs_buf_init(&b, NULL, 0, 4096);
	cs_buf_appendf(
	    &b, "{\"intercept\":\"%s\",\"at\":\"%s\",\"reason\":", ic.id, ts);
	cs_buf_json_str(&b, reason ? reason : "", reason ? strlen(reason) : 0);
	cs_buf_appendf(
	    &b, ",\"already_stopped\":%s}", ic.stopped ? "true" : "false");
	copy(case_id, sizeof(case_id), ic.case_id);
	sodium_memzero(&ic, sizeof(ic));
	if ((e = cs_audit_open(p->datadir, p->keysdir, 1, &a, eb)) == CS_OK)
		e = cs_audit_append(a, "custos tap", "intercept.ended",
		    case_id[0] ? case_id : NULL, b.data, eb);
	cs_audit_close(a);
	cs_buf_release(&b);
	return e;
}

/* static_rule - the static spelling of a rule id li_prov_ends gives */
static const char *
static_rule(const char *r)
{
	static const char *const known[] = {"R-T3-2", "R-PT-2", "R-T3-6",
	    "R-PT-5", "R-T3-4", "R-CLOSED", "R-CALEA-6", "R-T3-1", "R-PT-1",
	    NULL};
	size_t i;

	for (i = 0; known[i]; i++)
		if (strcmp(known[i], r) == 0)
			return known[i];
	return "R-CALEA-1";
}

size_t
li_prov_due(const char *datadir, const char *keysdir, cs_time now,
    struct cs_due *out, size_t max)
{
	char path[PATH_MAX];
	struct li_prov *p = NULL;
	struct li_icpt *v = NULL;
	struct stat st;
	size_t n = 0, i, k = 0;

	snprintf(path, sizeof(path), "%s/li.db", datadir);
	if (stat(path, &st) != 0 ||
	    li_prov_open(&p, datadir, keysdir, NULL) != CS_OK)
		return 0;
	if (li_prov_load(p, now, &v, &n, NULL) == CS_OK) {
		for (i = 0; i < n && k < max; i++) {
			if (v[i].ends == CS_TIME_NONE)
				continue;
			memset(&out[k], 0, sizeof(out[k]));
			out[k].rule = static_rule(v[i].end_rule);
			out[k].at = v[i].ends;
			out[k].must_act = 1;
			copy(out[k].case_id, sizeof(out[k].case_id),
			    v[i].case_id);
			snprintf(out[k].what, sizeof(out[k].what),
			    "intercept %s ends: the tap stops it and sends "
			    "the end-of-interception IRI",
			    v[i].id);
			k++;
		}
		sodium_memzero(v, n * sizeof(*v));
		free(v);
	}
	li_prov_close(p);
	return k;
}
