/* hold - preservation holds: case vaults sealed under per-case keys */
#include <dirent.h>
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
#include "core/hold.h"
#include "core/keys.h"
#include "core/purge.h"
#include "util/xmalloc.h"

#define DAY_US (86400LL * CS_US)
#define K_BIND 0
#define K_MAIL 1
#define MAX_ITEMS 1000000             /* items one hold may copy */
#define MAX_DUMP_BYTES (2048LL << 20) /* store scanned for an ip target */

static const char vault_schema[] =
    "CREATE TABLE IF NOT EXISTS hold(id INTEGER PRIMARY KEY,"
    " created INTEGER NOT NULL, received INTEGER NOT NULL,"
    " renewals INTEGER NOT NULL, released INTEGER,"
    " from_t INTEGER NOT NULL, to_t INTEGER NOT NULL, sealed BLOB,"
    " basis TEXT NOT NULL DEFAULT '', until_t INTEGER);"
    "CREATE TABLE IF NOT EXISTS item(id INTEGER PRIMARY KEY,"
    " hold_id INTEGER NOT NULL, kind INTEGER NOT NULL, sealed BLOB);"
    "CREATE INDEX IF NOT EXISTS item_hold ON item(hold_id);";

struct vault {
	sqlite3 *db;          /* owned */
	struct cs_daykey key; /* wiped on close */
	int have_key;
	char path[PATH_MAX + 64];
	char keypath[PATH_MAX + 64];
};

int
cs_hold_case_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CS_CASE_ID || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.'))
			return 0;
	}
	return 1;
}

cs_time
cs_hold_expires(cs_time received, int renewals)
{
	return received + (int64_t)CS_HOLD_DAYS * DAY_US * (1 + renewals);
}

/* ---- the case key and the vault ---- */

/* case_key - load (or create) KEYS/cases/<case>.key and derive from it */
static enum cs_err
case_key(const char *datadir, const char *keysdir, const char *case_id,
    int create, struct vault *v, struct cs_errbuf *eb)
{
	char dir[PATH_MAX + 16], tmp[PATH_MAX + 100];
	uint8_t master[32];
	struct cs_keys *k = NULL;
	enum cs_err e;
	ssize_t got;
	int fd;

	if ((e = cs_keys_open(keysdir, datadir, 0, &k, eb)) != CS_OK)
		return e;
	cs_keys_free(k);
	snprintf(dir, sizeof(dir), "%s/cases", keysdir);
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "cannot create %s: %s", dir, strerror(errno));
		return CS_EIO;
	}
	snprintf(v->keypath, sizeof(v->keypath), "%s/%.31s.key", dir, case_id);
	fd = open(v->keypath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		got = read(fd, master, sizeof(master));
		close(fd);
		if (got != (ssize_t)sizeof(master)) {
			cs_errbuf_set(
			    eb, "vault key %s is damaged", v->keypath);
			return CS_ECRYPTO;
		}
	} else if (errno == ENOENT && create) {
		randombytes_buf(master, sizeof(master));
		snprintf(
		    tmp, sizeof(tmp), "%s.tmp.%ld", v->keypath, (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, master, 32) != 32 || fsync(fd) != 0 ||
		    close(fd) != 0 || rename(tmp, v->keypath) != 0) {
			cs_errbuf_set(eb, "cannot write %s: %s", v->keypath,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			unlink(tmp);
			sodium_memzero(master, sizeof(master));
			return CS_EIO;
		}
		cs_purge_sync_dir(dir, NULL);
	} else {
		cs_errbuf_set(
		    eb, "vault key %s: %s", v->keypath, strerror(errno));
		return errno == ENOENT ? CS_ECRYPTO : CS_EIO;
	}
	crypto_generichash(v->key.seal_key, sizeof(v->key.seal_key),
	    (const uint8_t *)"custos vault seal v1", 20, master, 32);
	crypto_generichash(v->key.tag_key, sizeof(v->key.tag_key),
	    (const uint8_t *)"custos vault tag v1", 19, master, 32);
	sodium_memzero(master, sizeof(master));
	v->have_key = 1;
	return CS_OK;
}

static void
vault_close(struct vault *v)
{
	if (v->db)
		sqlite3_close(v->db);
	v->db = NULL;
	sodium_memzero(&v->key, sizeof(v->key));
	v->have_key = 0;
}

/*
 * vault_open - the case's vault; CS_ENOENT when it has none (and create
 * is not set).  need_key: fail without the case key.
 */
static enum cs_err
vault_open(const char *datadir, const char *keysdir, const char *case_id,
    int create, int need_key, struct vault *v, struct cs_errbuf *eb)
{
	char dir[PATH_MAX + 16];
	enum cs_err e;

	memset(v, 0, sizeof(*v));
	if (!cs_hold_case_ok(case_id)) {
		cs_errbuf_set(eb, "'%s' is not a case id", case_id);
		return CS_EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/vault", datadir);
	snprintf(v->path, sizeof(v->path), "%s/%.31s.db", dir, case_id);
	if (!create && access(v->path, F_OK) != 0) {
		cs_errbuf_set(eb, "case %s has no holds", case_id);
		return CS_ENOENT;
	}
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "cannot create %s: %s", dir, strerror(errno));
		return CS_EIO;
	}
	e = case_key(datadir, keysdir, case_id, create, v, eb);
	if (e != CS_OK && (need_key || e != CS_ECRYPTO))
		return e;
	if (sqlite3_open_v2(v->path, &v->db,
		(create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
			: SQLITE_OPEN_READWRITE) |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", v->path,
		    v->db ? sqlite3_errmsg(v->db) : "cannot open");
		vault_close(v);
		return CS_EDB;
	}
	sqlite3_busy_timeout(v->db, 10000);
	if (sqlite3_exec(v->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) !=
		SQLITE_OK ||
	    sqlite3_exec(v->db, vault_schema, NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", v->path, sqlite3_errmsg(v->db));
		vault_close(v);
		return CS_EDB;
	}
	return CS_OK;
}

/* audit - one entry; failures are reported in eb and returned */
static enum cs_err
audit(const char *datadir, const char *keysdir, const char *by,
    const char *action, const char *case_id, const char *detail,
    struct cs_errbuf *eb)
{
	struct cs_audit *a = NULL;
	enum cs_err e;

	if ((e = cs_audit_open(datadir, keysdir, 1, &a, eb)) != CS_OK)
		return e;
	e = cs_audit_append(
	    a, by && *by ? by : "custos", action, case_id, detail, eb);
	cs_audit_close(a);
	return e;
}

/* ---- snapshot ---- */

struct items {
	struct cs_binding **b; /* owned */
	size_t nb, capb;
	struct cs_mail *m; /* owned */
	size_t nm, capm;
};

static void
items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->nb; i++)
		cs_binding_free(it->b[i]);
	free(it->b);
	cs_mail_free(it->m, it->nm);
	memset(it, 0, sizeof(*it));
}

static int
same(const struct cs_binding *a, const struct cs_binding *b)
{
	return a->start == b->start && strcmp(a->key, b->key) == 0;
}

/* add_hits - take the hits' bindings (deduplicated); the hits are freed */
static void
add_hits(struct items *it, struct cs_hit *h, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < it->nb && !same(it->b[j], h[i].b); j++)
			;
		if (j < it->nb || it->nb >= MAX_ITEMS) {
			cs_binding_free(h[i].b);
			continue;
		}
		if (it->nb == it->capb) {
			it->capb = it->capb ? it->capb * 2 : 16;
			it->b =
			    cs_xreallocarray(it->b, it->capb, sizeof(*it->b));
		}
		it->b[it->nb++] = h[i].b;
	}
	free(h);
}

static void
add_mail(struct items *it, struct cs_mail *m, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < it->nm; j++)
			if (it->m[j].t == m[i].t &&
			    strcmp(it->m[j].json, m[i].json) == 0)
				break;
		if (j < it->nm || it->nm >= MAX_ITEMS) {
			free(m[i].json);
			continue;
		}
		if (it->nm == it->capm) {
			it->capm = it->capm ? it->capm * 2 : 16;
			it->m =
			    cs_xreallocarray(it->m, it->capm, sizeof(*it->m));
		}
		it->m[it->nm++] = m[i];
	}
	free(m);
}

/* overlaps - does the hit's interval meet [from, to)? */
static int
overlaps(const struct cs_hit *h, cs_time from, cs_time to)
{
	return h->b->start < to &&
	    (h->end_known == CS_END_OPEN || h->end > from);
}

/* on_addr - does binding b hold a, or an address in / around prefix a? */
static int
on_addr(const struct cs_binding *b, const struct cs_addr *a, int prefix)
{
	int i;

	for (i = 0; i < b->naddr; i++) {
		if (cs_addr_contains(&b->addr[i], a))
			return i;
		if (prefix && cs_addr_contains(a, &b->addr[i]))
			return i;
	}
	return -1;
}

/* store_bytes - the size of the store's day files */
static int64_t
store_bytes(struct cs_store *s)
{
	char path[PATH_MAX + 64], name[16];
	const int64_t *days;
	struct stat st;
	int64_t total = 0;
	size_t n, i;
	int c;

	days = cs_store_days(s, &n);
	for (i = 0; i < n; i++) {
		cs_day_name(days[i], name);
		for (c = 0; c < CS_NCLASS; c++) {
			snprintf(path, sizeof(path), "%s/%s/%s.db",
			    cs_store_datadir(s), cs_class_name(c), name);
			if (stat(path, &st) == 0)
				total += st.st_size;
		}
	}
	return total;
}

/* snapshot - the target's records in [from, to) into it */
static enum cs_err
snapshot(struct cs_store *s, const struct cs_target *t, cs_time from,
    cs_time to, struct items *it, struct cs_errbuf *eb)
{
	struct cs_hit *h = NULL, *all = NULL;
	struct cs_mail *m = NULL, *dm = NULL;
	size_t n = 0, nall = 0, nm = 0, ndm = 0, i, k = 0;
	struct cs_addr a;
	enum cs_err e;

	switch (t->kind) {
	case TK_USERNAME:
	case TK_MAC:
		e = cs_store_history(s, t->value, from, to, &h, &n, eb);
		if (e != CS_OK)
			return e;
		cs_store_mail(s, t->kind == TK_USERNAME ? t->value : NULL, h, n,
		    from, to, &m, &nm);
		break;
	case TK_IP:
	case TK_IPV6PREFIX:
		if (cs_addr_parse(cs_span_cstr(t->value), &a) != CS_OK) {
			cs_errbuf_set(eb, "target %s:%s is not an address",
			    cs_tkind_name(t->kind), t->value);
			return CS_EINVAL;
		}
		/*
		 * no range query by address in the store yet: the whole store
		 * is decoded, so it is refused past a size (fail closed: no
		 * hold, and no purge that needed it)
		 */
		if (store_bytes(s) > MAX_DUMP_BYTES) {
			cs_errbuf_set(eb,
			    "holding %s:%s needs a scan of the "
			    "whole store, which is over %d MiB: an address "
			    "range query in the store is needed",
			    cs_tkind_name(t->kind), t->value,
			    (int)(MAX_DUMP_BYTES >> 20));
			return CS_ETOOBIG;
		}
		e = cs_store_dump(s, &all, &nall, &dm, &ndm);
		cs_mail_free(dm, ndm);
		if (e != CS_OK)
			return e;
		h = cs_xcalloc(nall ? nall : 1, sizeof(*h));
		for (i = 0; i < nall; i++) {
			int ai =
			    on_addr(all[i].b, &a, t->kind == TK_IPV6PREFIX);
			if (ai >= 0 && overlaps(&all[i], from, to)) {
				h[k] = all[i];
				h[k++].addr_index = ai;
			} else {
				cs_binding_free(all[i].b);
			}
		}
		free(all);
		n = k;
		cs_store_mail(s, NULL, h, n, from, to, &m, &nm);
		break;
	default:
		cs_errbuf_set(eb,
		    "a hold preserves bindings by ip, "
		    "ipv6prefix, username or mac; not %s",
		    cs_tkind_name(t->kind));
		return CS_EINVAL;
	}
	add_hits(it, h, n);
	add_mail(it, m, nm);
	return CS_OK;
}

/* put_item - seal and insert one item */
static enum cs_err
put_item(struct vault *v, sqlite3_stmt *st, int64_t hold, int kind,
    const void *p, size_t len, struct cs_buf *sb)
{
	cs_buf_reset(sb);
	cs_seal(&v->key, hold * 2 + kind, p, len, sb);
	if (cs_buf_error(sb) != CS_OK)
		return CS_ETOOBIG;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, hold);
	sqlite3_bind_int(st, 2, kind);
	sqlite3_bind_blob(st, 3, sb->data, (int)sb->len, SQLITE_TRANSIENT);
	return sqlite3_step(st) == SQLITE_DONE ? CS_OK : CS_EDB;
}

/* hold_detail - the audit detail of a hold */
static void
hold_detail(const struct cs_vhold *h, const char *extra, struct cs_buf *b)
{
	char t1[40], t2[40], t3[40], t4[40];

	cs_time_format(h->from, t1);
	cs_time_format(h->to, t2);
	cs_time_format(h->received, t3);
	if (h->expires == CS_TIME_NONE)
		snprintf(t4, sizeof(t4), "while the case is open");
	else
		cs_time_format(h->expires, t4);
	cs_buf_appendf(b,
	    "{\"hold\":\"%s#%lld\",\"basis\":\"%s\","
	    "\"targets\":",
	    h->case_id, (long long)h->id, h->basis[0] ? h->basis : "hold new");
	cs_buf_json_str(b, h->targets, strlen(h->targets));
	cs_buf_appendf(b,
	    ",\"from\":\"%s\",\"to\":\"%s\",\"received\":\"%s\","
	    "\"expires\":\"%s\",\"renewals\":%d,\"bindings\":%lld,"
	    "\"envelopes\":%lld%s}",
	    t1, t2, t3, t4, h->renewals, (long long)h->nbind,
	    (long long)h->nmail, extra ? extra : "");
}

enum cs_err
cs_hold_new(
    const struct cs_hold_req *r, struct cs_vhold *out, struct cs_errbuf *eb)
{
	struct cs_store *s = NULL;
	struct items it;
	struct vault v;
	struct cs_vhold h;
	struct cs_buf tb, sb, enc;
	sqlite3_stmt *st = NULL;
	size_t i;
	int64_t id = 0;
	enum cs_err e;

	memset(&it, 0, sizeof(it));
	memset(&h, 0, sizeof(h));
	memset(&v, 0, sizeof(v));
	if (!cs_hold_case_ok(r->case_id)) {
		cs_errbuf_set(eb, "'%s' is not a case id", r->case_id);
		return CS_EINVAL;
	}
	if (r->nt == 0) {
		cs_errbuf_set(eb, "nothing to hold: no target");
		return CS_EINVAL;
	}
	if (r->to <= r->from) {
		cs_errbuf_set(eb, "the window ends before it begins");
		return CS_EINVAL;
	}
	cs_buf_init(&tb, NULL, 0, CS_HOLD_TARGETS - 1);
	cs_buf_init(&sb, NULL, 0, 64 * 1024 * 1024);
	cs_buf_init(&enc, NULL, 0, 64 * 1024 * 1024);
	if ((e = cs_store_open(r->datadir, r->keysdir, CS_STORE_RO, &s, eb)) !=
	    CS_OK)
		goto out;
	for (i = 0; i < r->nt; i++) {
		/* a target's own window (KIND:VALUE@FROM..TO) narrows it */
		cs_time lo = r->from, hi = r->to;
		if (r->t[i].from != CS_TIME_NONE && r->t[i].from > lo)
			lo = r->t[i].from;
		if (r->t[i].to != CS_TIME_NONE && r->t[i].to < hi)
			hi = r->t[i].to;
		if (lo < hi &&
		    (e = snapshot(s, &r->t[i], lo, hi, &it, eb)) != CS_OK)
			goto out;
		cs_buf_appendf(&tb, "%s%s:%s", i ? "\n" : "",
		    cs_tkind_name(r->t[i].kind), r->t[i].value);
	}
	if (cs_buf_error(&tb) != CS_OK) {
		cs_errbuf_set(eb, "too many targets for one hold");
		e = CS_ETOOBIG;
		goto out;
	}
	if (r->skip_empty && it.nb == 0 && it.nm == 0) {
		e = CS_ESKIP;
		goto out;
	}
	if ((e = vault_open(
		 r->datadir, r->keysdir, r->case_id, 1, 1, &v, eb)) != CS_OK)
		goto out;
	snprintf(h.case_id, sizeof(h.case_id), "%s", r->case_id);
	snprintf(h.targets, sizeof(h.targets), "%s", tb.data);
	snprintf(h.by, sizeof(h.by), "%s", r->by ? r->by : "");
	h.from = r->from;
	h.to = r->to;
	h.created = r->now;
	h.received = r->received != CS_TIME_NONE ? r->received : r->now;
	snprintf(h.basis, sizeof(h.basis), "%s", r->basis ? r->basis : "");
	h.expires = h.basis[0] ? r->until : cs_hold_expires(h.received, 0);
	h.released = CS_TIME_NONE;
	h.nbind = (int64_t)it.nb;
	h.nmail = (int64_t)it.nm;
	if (sqlite3_exec(v.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto dberr;
	if (sqlite3_prepare_v2(v.db,
		"SELECT coalesce(max(id), 0) + 1 FROM "
		"hold",
		-1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	h.id = id;
	/* the identifiers: "by\0targets" sealed */
	cs_buf_reset(&enc);
	cs_buf_append(&enc, h.by, strlen(h.by) + 1);
	cs_buf_puts(&enc, h.targets);
	cs_buf_reset(&sb);
	cs_seal(&v.key, -id, enc.data, enc.len, &sb);
	if (sqlite3_prepare_v2(v.db,
		"INSERT INTO hold(id, created, received,"
		" renewals, released, from_t, to_t, sealed, basis, until_t)"
		" VALUES(?,?,?,0,NULL,?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 7, h.basis, -1, SQLITE_TRANSIENT);
	if (h.basis[0] && r->until != CS_TIME_NONE)
		sqlite3_bind_int64(st, 8, r->until);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, h.created);
	sqlite3_bind_int64(st, 3, h.received);
	sqlite3_bind_int64(st, 4, h.from);
	sqlite3_bind_int64(st, 5, h.to);
	sqlite3_bind_blob(st, 6, sb.data, (int)sb.len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(v.db,
		"INSERT INTO item(hold_id, kind, sealed)"
		" VALUES(?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		goto dberr;
	for (i = 0; i < it.nb; i++) {
		cs_buf_reset(&enc);
		cs_binding_encode(it.b[i], &enc);
		if ((e = put_item(
			 &v, st, id, K_BIND, enc.data, enc.len, &sb)) != CS_OK)
			goto dberr;
	}
	for (i = 0; i < it.nm; i++) {
		uint8_t tb8[8];
		int64_t tv = it.m[i].t;
		memcpy(tb8, &tv, 8);
		cs_buf_reset(&enc);
		cs_buf_append(&enc, tb8, 8);
		cs_buf_puts(&enc, it.m[i].json);
		if ((e = put_item(
			 &v, st, id, K_MAIL, enc.data, enc.len, &sb)) != CS_OK)
			goto dberr;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(v.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	cs_buf_reset(&enc);
	hold_detail(&h, NULL, &enc);
	e = audit(r->datadir, r->keysdir, r->by, "hold.new", r->case_id,
	    enc.data, eb);
	if (out)
		*out = h;
	goto out;
dberr:
	cs_errbuf_set(eb, "%s: %s", v.path, sqlite3_errmsg(v.db));
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_exec(v.db, "ROLLBACK", NULL, NULL, NULL);
	e = CS_EDB;
out:
	sqlite3_finalize(st);
	vault_close(&v);
	cs_store_close(s);
	items_free(&it);
	if (enc.data)
		sodium_memzero(enc.data, enc.len);
	cs_buf_release(&tb);
	cs_buf_release(&sb);
	cs_buf_release(&enc);
	return e;
}

/* ---- reading holds ---- */

/* read_holds - every hold of an open vault, appended to *out */
static enum cs_err
read_holds(struct vault *v, const char *case_id, int64_t only,
    struct cs_vhold **out, size_t *n, size_t *cap)
{
	sqlite3_stmt *st = NULL, *cnt = NULL;
	struct cs_buf b;
	struct cs_vhold *h;

	if (sqlite3_prepare_v2(v->db,
		"SELECT id, created, received, renewals,"
		" released, from_t, to_t, sealed, basis, until_t FROM hold"
		" WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		-1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(v->db,
		"SELECT count(*) FROM item WHERE "
		"hold_id = ? AND kind = ?",
		-1, &cnt, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return CS_EDB;
	}
	cs_buf_init(&b, NULL, 0, 64 * 1024);
	sqlite3_bind_int64(st, 1, only);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 7);
		int bl = sqlite3_column_bytes(st, 7), k;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*out = cs_xreallocarray(*out, *cap, sizeof(**out));
		}
		h = &(*out)[(*n)++];
		memset(h, 0, sizeof(*h));
		snprintf(h->case_id, sizeof(h->case_id), "%s", case_id);
		h->id = sqlite3_column_int64(st, 0);
		h->created = sqlite3_column_int64(st, 1);
		h->received = sqlite3_column_int64(st, 2);
		h->renewals = sqlite3_column_int(st, 3);
		h->released = sqlite3_column_type(st, 4) == SQLITE_NULL
		    ? CS_TIME_NONE
		    : sqlite3_column_int64(st, 4);
		h->from = sqlite3_column_int64(st, 5);
		h->to = sqlite3_column_int64(st, 6);
		snprintf(h->basis, sizeof(h->basis), "%s",
		    sqlite3_column_text(st, 8)
			? (const char *)sqlite3_column_text(st, 8)
			: "");
		if (h->basis[0])
			h->expires = sqlite3_column_type(st, 9) == SQLITE_NULL
			    ? CS_TIME_NONE
			    : sqlite3_column_int64(st, 9);
		else
			h->expires = cs_hold_expires(h->received, h->renewals);
		cs_buf_reset(&b);
		if (v->have_key && blob &&
		    cs_unseal(&v->key, -h->id, blob, (size_t)bl, &b) == CS_OK) {
			size_t bylen = strnlen(b.data, b.len);
			snprintf(
			    h->by, sizeof(h->by), "%.*s", (int)bylen, b.data);
			if (bylen < b.len)
				snprintf(h->targets, sizeof(h->targets), "%.*s",
				    (int)(b.len - bylen - 1),
				    b.data + bylen + 1);
			sodium_memzero(b.data, b.len);
		}
		for (k = 0; k < 2; k++) {
			sqlite3_reset(cnt);
			sqlite3_bind_int64(cnt, 1, h->id);
			sqlite3_bind_int(cnt, 2, k);
			if (sqlite3_step(cnt) == SQLITE_ROW) {
				if (k == K_BIND)
					h->nbind = sqlite3_column_int64(cnt, 0);
				else
					h->nmail = sqlite3_column_int64(cnt, 0);
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	cs_buf_release(&b);
	return CS_OK;
}

/* vault_ids - the case ids that have a vault (caller frees each + array) */
static char **
vault_ids(const char *datadir, size_t *n)
{
	char dir[PATH_MAX + 16], **ids = NULL;
	size_t cap = 0;
	DIR *d;
	struct dirent *de;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s/vault", datadir);
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char id[CS_CASE_ID];
		if (l < 4 || l - 3 >= sizeof(id) ||
		    strcmp(de->d_name + l - 3, ".db") != 0)
			continue;
		memcpy(id, de->d_name, l - 3);
		id[l - 3] = '\0';
		if (!cs_hold_case_ok(id))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = cs_xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[(*n)++] = cs_xstrdup(id);
	}
	closedir(d);
	return ids;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

enum cs_err
cs_hold_list(const char *datadir, const char *keysdir, const char *case_id,
    struct cs_vhold **out, size_t *n, struct cs_errbuf *eb)
{
	char **ids = NULL;
	size_t nid = 0, i, cap = 0;
	struct vault v;
	enum cs_err e = CS_OK;

	*out = NULL;
	*n = 0;
	if (case_id) {
		ids = cs_xcalloc(1, sizeof(*ids));
		ids[0] = cs_xstrdup(case_id);
		nid = 1;
	} else {
		ids = vault_ids(datadir, &nid);
		if (nid > 1)
			qsort(ids, nid, sizeof(*ids), cmp_str);
	}
	for (i = 0; i < nid; i++) {
		e = vault_open(datadir, keysdir, ids[i], 0, 0, &v, eb);
		if (e == CS_ENOENT) {
			e = CS_OK;
			continue;
		}
		if (e != CS_OK)
			break;
		e = read_holds(&v, ids[i], 0, out, n, &cap);
		vault_close(&v);
		if (e != CS_OK)
			break;
	}
	for (i = 0; i < nid; i++)
		free(ids[i]);
	free(ids);
	return e;
}

enum cs_err
cs_hold_get(const char *datadir, const char *keysdir, const char *case_id,
    int64_t id, struct cs_vhold *out, struct cs_errbuf *eb)
{
	struct cs_vhold *h = NULL;
	size_t n = 0, cap = 0;
	struct vault v;
	enum cs_err e;

	if ((e = vault_open(datadir, keysdir, case_id, 0, 0, &v, eb)) != CS_OK)
		return e;
	e = read_holds(&v, case_id, id, &h, &n, &cap);
	vault_close(&v);
	if (e == CS_OK && n == 0) {
		cs_errbuf_set(eb, "no hold %s#%lld", case_id, (long long)id);
		e = CS_ENOENT;
	}
	if (e == CS_OK)
		*out = h[0];
	free(h);
	return e;
}

/* ---- renewal, release, expiry ---- */

enum cs_err
cs_hold_renew(const char *datadir, const char *keysdir, const char *case_id,
    int64_t id, cs_time now, const char *by, struct cs_vhold *out,
    int *voluntary, struct cs_errbuf *eb)
{
	struct cs_vhold h;
	struct vault v;
	struct cs_buf b;
	enum cs_err e;
	char extra[64];

	if ((e = cs_hold_get(datadir, keysdir, case_id, id, &h, eb)) != CS_OK)
		return e;
	if (h.released != CS_TIME_NONE) {
		cs_errbuf_set(eb,
		    "hold %s#%lld was released: its records are "
		    "gone; a new request needs a new hold",
		    case_id, (long long)id);
		return CS_EINVAL;
	}
	if (h.basis[0]) {
		cs_errbuf_set(eb,
		    "hold %s#%lld was made by the purge for %s: it "
		    "follows the case, not renewals",
		    case_id, (long long)id, h.basis);
		return CS_EINVAL;
	}
	if (now >= h.expires) {
		cs_errbuf_set(eb,
		    "hold %s#%lld expired; a new request needs a "
		    "new hold",
		    case_id, (long long)id);
		return CS_EINVAL;
	}
	if ((e = vault_open(datadir, keysdir, case_id, 0, 0, &v, eb)) != CS_OK)
		return e;
	if (sqlite3_exec(v.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		vault_close(&v);
		return CS_EDB;
	}
	{
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(v.db,
			     "UPDATE hold SET renewals = "
			     "renewals + 1 WHERE id = ?",
			     -1, &st, NULL) == SQLITE_OK;
		if (ok) {
			sqlite3_bind_int64(st, 1, id);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
		if (!ok ||
		    sqlite3_exec(v.db, "COMMIT", NULL, NULL, NULL) !=
			SQLITE_OK) {
			cs_errbuf_set(
			    eb, "%s: %s", v.path, sqlite3_errmsg(v.db));
			sqlite3_exec(v.db, "ROLLBACK", NULL, NULL, NULL);
			vault_close(&v);
			return CS_EDB;
		}
	}
	vault_close(&v);
	h.renewals++;
	h.expires = cs_hold_expires(h.received, h.renewals);
	*voluntary = h.renewals >= 2;
	snprintf(extra, sizeof(extra), ",\"voluntary\":%s",
	    *voluntary ? "true" : "false");
	cs_buf_init(&b, NULL, 0, 64 * 1024);
	hold_detail(&h, extra, &b);
	e = audit(datadir, keysdir, by, "hold.renew", case_id, b.data, eb);
	cs_buf_release(&b);
	if (out)
		*out = h;
	return e;
}

/* destroy_vault - the case key first, then the vault file */
static enum cs_err
destroy_vault(struct vault *v, const char *datadir, const char *keysdir,
    struct cs_errbuf *eb)
{
	char dir[PATH_MAX + 16], p[PATH_MAX + 100];
	enum cs_err e;

	vault_close(v);
	if ((e = cs_purge_wipe_file(v->keypath, eb)) != CS_OK)
		return e;
	snprintf(dir, sizeof(dir), "%s/cases", keysdir);
	if ((e = cs_purge_sync_dir(dir, eb)) != CS_OK)
		return e;
	unlink(v->path);
	snprintf(p, sizeof(p), "%s-journal", v->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-wal", v->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", v->path);
	unlink(p);
	snprintf(dir, sizeof(dir), "%s/vault", datadir);
	return cs_purge_sync_dir(dir, eb);
}

enum cs_err
cs_hold_release(const char *datadir, const char *keysdir, const char *case_id,
    int64_t id, cs_time now, const char *by, const char *why,
    struct cs_errbuf *eb)
{
	struct cs_vhold h;
	struct vault v;
	struct cs_buf b;
	sqlite3_stmt *st = NULL;
	int64_t left = 0;
	int ok;
	enum cs_err e;
	char extra[128], ts[40];

	if ((e = cs_hold_get(datadir, keysdir, case_id, id, &h, eb)) != CS_OK)
		return e;
	if (h.released != CS_TIME_NONE) {
		cs_errbuf_set(eb, "hold %s#%lld is already released", case_id,
		    (long long)id);
		return CS_EINVAL;
	}
	if ((e = vault_open(datadir, keysdir, case_id, 0, 0, &v, eb)) != CS_OK)
		return e;
	ok = sqlite3_exec(v.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK;
	if (ok &&
	    (ok = sqlite3_prepare_v2(v.db,
		      "DELETE FROM item WHERE "
		      "hold_id = ?",
		      -1, &st, NULL) == SQLITE_OK)) {
		sqlite3_bind_int64(st, 1, id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (ok &&
	    (ok = sqlite3_prepare_v2(v.db,
		      "UPDATE hold SET released = "
		      "? WHERE id = ?",
		      -1, &st, NULL) == SQLITE_OK)) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (ok &&
	    (ok = sqlite3_prepare_v2(v.db,
		      "SELECT count(*) FROM hold "
		      "WHERE released IS NULL",
		      -1, &st, NULL) == SQLITE_OK) &&
	    sqlite3_step(st) == SQLITE_ROW)
		left = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!ok ||
	    sqlite3_exec(v.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", v.path, sqlite3_errmsg(v.db));
		sqlite3_exec(v.db, "ROLLBACK", NULL, NULL, NULL);
		vault_close(&v);
		return CS_EDB;
	}
	sqlite3_exec(v.db, "VACUUM", NULL, NULL, NULL);
	if (left == 0)
		e = destroy_vault(&v, datadir, keysdir, eb);
	vault_close(&v);
	if (e != CS_OK)
		return e;
	h.released = now;
	cs_time_format(now, ts);
	snprintf(extra, sizeof(extra),
	    ",\"released\":\"%s\",\"why\":\"%s\","
	    "\"vault_destroyed\":%s",
	    ts, why, left == 0 ? "true" : "false");
	cs_buf_init(&b, NULL, 0, 64 * 1024);
	hold_detail(&h, extra, &b);
	e = audit(datadir, keysdir, by,
	    strcmp(why, "expired") == 0 ? "hold.expired" : "hold.release",
	    case_id, b.data, eb);
	cs_buf_release(&b);
	return e;
}

/* case_closed - 1 closed, 0 open, -1 unknown (no case store or case) */
static int
case_closed(const char *datadir, const char *keysdir, const char *id)
{
	struct cs_casedb *db = NULL;
	struct cs_case *c = NULL;
	struct cs_errbuf eb = {""};
	int r = -1;

	if (cs_casedb_open(datadir, keysdir, 0, &db, &eb) == CS_OK &&
	    cs_casedb_load(db, id, &c, &eb) == CS_OK)
		r = c->closed ? 1 : 0;
	cs_case_free(c);
	cs_casedb_close(db);
	return r;
}

enum cs_err
cs_hold_expire(const char *datadir, const char *keysdir, cs_time now,
    const char *by, size_t *n, struct cs_errbuf *eb)
{
	struct cs_vhold *h = NULL;
	size_t nh = 0, i;
	enum cs_err e;

	*n = 0;
	if ((e = cs_hold_list(datadir, keysdir, NULL, &h, &nh, eb)) != CS_OK)
		return e;
	for (i = 0; i < nh && e == CS_OK; i++) {
		const char *why = "expired";
		if (h[i].released != CS_TIME_NONE)
			continue;
		if (h[i].expires == CS_TIME_NONE) {
			/* held while its case is open (R-PRES-4) */
			if (case_closed(datadir, keysdir, h[i].case_id) != 1)
				continue;
			why = "case closed";
		} else if (now < h[i].expires) {
			continue;
		}
		e = cs_hold_release(
		    datadir, keysdir, h[i].case_id, h[i].id, now, by, why, eb);
		if (e == CS_OK)
			(*n)++;
	}
	free(h);
	return e;
}

enum cs_err
cs_hold_auto(const char *datadir, const char *keysdir, cs_time now,
    cs_time from, cs_time to, const char *by, size_t *n, struct cs_errbuf *eb)
{
	struct cs_casedb *db = NULL;
	struct cs_hold *ch = NULL;
	size_t nch = 0, i;
	char path[PATH_MAX + 16];
	enum cs_err e;

	*n = 0;
	if (from >= to)
		return CS_OK;
	snprintf(path, sizeof(path), "%s/cases.db", datadir);
	if (access(path, F_OK) != 0)
		return CS_OK; /* no case store: no case holds anything */
	if ((e = cs_casedb_open(datadir, keysdir, 0, &db, eb)) != CS_OK)
		return e;
	e = cs_casedb_holds(db, now, &ch, &nch, eb);
	cs_casedb_close(db);
	if (e != CS_OK)
		return e;
	for (i = 0; i < nch && e == CS_OK; i++) {
		struct cs_hold_req r;
		struct cs_target t = ch[i].t;
		cs_time lo = from, hi = to;

		if (t.kind != TK_IP && t.kind != TK_IPV6PREFIX &&
		    t.kind != TK_USERNAME && t.kind != TK_MAC)
			continue; /* no records of that kind are kept */
		if (t.from != CS_TIME_NONE && t.from > lo)
			lo = t.from;
		if (t.to != CS_TIME_NONE && t.to < hi)
			hi = t.to;
		if (lo >= hi)
			continue;
		memset(&r, 0, sizeof(r));
		r.datadir = datadir;
		r.keysdir = keysdir;
		r.case_id = ch[i].case_id;
		r.t = &t;
		r.nt = 1;
		r.from = lo;
		r.to = hi;
		r.received = now;
		r.now = now;
		r.by = by;
		r.basis = ch[i].basis;
		r.until = ch[i].until;
		r.skip_empty = 1;
		e = cs_hold_new(&r, NULL, eb);
		if (e == CS_OK)
			(*n)++;
		else if (e == CS_ESKIP)
			e = CS_OK;
	}
	free(ch);
	return e;
}

size_t
cs_hold_due(const char *datadir, const char *keysdir, cs_time now,
    struct cs_due *out, size_t max)
{
	static const int before[] = {14, 7, 1};
	struct cs_vhold *h = NULL;
	struct cs_errbuf eb = {""};
	size_t nh = 0, i, k, n = 0;

	if (cs_hold_list(datadir, keysdir, NULL, &h, &nh, &eb) != CS_OK)
		return 0;
	for (i = 0; i < nh; i++) {
		/* holds the purge made follow their case: its own deadlines */
		if (h[i].released != CS_TIME_NONE || h[i].basis[0])
			continue;
		for (k = 0; k < 3 && n < max; k++) {
			cs_time t = h[i].expires - before[k] * DAY_US;
			if (t < now)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].rule = "R-PRES-3";
			out[n].at = t;
			out[n].must_act = 0;
			snprintf(out[n].case_id, sizeof(out[n].case_id), "%s",
			    h[i].case_id);
			snprintf(out[n].what, sizeof(out[n].what),
			    "hold #%lld "
			    "expires in %d day%s: tell the case owner",
			    (long long)h[i].id, before[k],
			    before[k] == 1 ? "" : "s");
			n++;
		}
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].rule =
			    h[i].renewals >= 2 ? "R-PRES-2" : "R-PRES-1";
			out[n].at = h[i].expires;
			out[n].must_act = 1;
			snprintf(out[n].case_id, sizeof(out[n].case_id), "%s",
			    h[i].case_id);
			snprintf(out[n].what, sizeof(out[n].what),
			    "hold #%lld "
			    "expires: renewal or follow-up process keeps it%s",
			    (long long)h[i].id,
			    h[i].renewals >= 2
				? " (voluntary since the 2nd renewal)"
				: "");
			n++;
		}
	}
	free(h);
	return n;
}

/* ---- lookups over held data ---- */

/* held - the bindings (and envelopes) of the case's holds in force */
static enum cs_err
held(const char *datadir, const char *keysdir, const char *case_id,
    struct items *it, struct cs_errbuf *eb)
{
	struct vault v;
	sqlite3_stmt *st = NULL;
	struct cs_buf b;
	enum cs_err e;

	memset(it, 0, sizeof(*it));
	e = vault_open(datadir, keysdir, case_id, 0, 1, &v, eb);
	if (e == CS_ENOENT)
		return CS_OK;
	if (e != CS_OK)
		return e;
	if (sqlite3_prepare_v2(v.db,
		"SELECT item.hold_id, item.kind,"
		" item.sealed FROM item JOIN hold ON hold.id = item.hold_id"
		" WHERE hold.released IS NULL ORDER BY item.id",
		-1, &st, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "%s: %s", v.path, sqlite3_errmsg(v.db));
		vault_close(&v);
		return CS_EDB;
	}
	cs_buf_init(&b, NULL, 0, 64 * 1024 * 1024);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t hid = sqlite3_column_int64(st, 0);
		int kind = sqlite3_column_int(st, 1);
		const void *blob = sqlite3_column_blob(st, 2);
		int bl = sqlite3_column_bytes(st, 2);
		cs_buf_reset(&b);
		if (blob == NULL ||
		    cs_unseal(&v.key, hid * 2 + kind, blob, (size_t)bl, &b) !=
			CS_OK)
			continue;
		if (kind == K_BIND) {
			struct cs_binding *x = NULL;
			struct cs_hit *one;
			if (cs_binding_decode(b.data, b.len, &x) != CS_OK)
				continue;
			one = cs_xcalloc(1, sizeof(*one));
			one->b = x;
			add_hits(it, one, 1);
		} else if (b.len >= 8) {
			struct cs_mail *m = cs_xcalloc(1, sizeof(*m));
			int64_t tv;
			memcpy(&tv, b.data, 8);
			m->t = tv;
			m->json = cs_xstrdup(b.data + 8);
			add_mail(it, m, 1);
		}
		sodium_memzero(b.data, b.len);
	}
	sqlite3_finalize(st);
	cs_buf_release(&b);
	vault_close(&v);
	return CS_OK;
}

static void
push(struct cs_hit **h, size_t *n, size_t *cap, struct cs_binding *b, int ai)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*h = cs_xreallocarray(*h, *cap, sizeof(**h));
	}
	(*h)[*n].b = b;
	(*h)[*n].end = cs_binding_end(b, &(*h)[*n].end_known);
	(*h)[*n].addr_index = ai;
	(*n)++;
}

static int
hit_cmp(const void *x, const void *y)
{
	const struct cs_hit *a = x, *b = y;

	if (a->b->start != b->b->start)
		return a->b->start < b->b->start ? -1 : 1;
	return strcmp(a->b->key, b->b->key);
}

/* next_start - store.c's rule: earliest later start on prefix p, <= 2 d */
static cs_time
next_start(const struct items *it, const struct cs_addr *p, cs_time after,
    cs_time limit)
{
	int64_t last = cs_day_of(limit);
	cs_time best = CS_TIME_NONE;
	size_t i;
	int k;

	if (last > cs_day_of(after) + 2)
		last = cs_day_of(after) + 2;
	for (i = 0; i < it->nb; i++) {
		const struct cs_binding *b = it->b[i];
		if (b == NULL || b->start <= after ||
		    cs_day_of(b->start) > last)
			continue;
		for (k = 0; k < b->naddr; k++)
			if (memcmp(&b->addr[k], p, sizeof(*p)) == 0)
				break;
		if (k < b->naddr && (best == CS_TIME_NONE || b->start < best))
			best = b->start;
	}
	return best;
}

enum cs_err
cs_hold_who(const char *datadir, const char *keysdir, const char *case_id,
    const struct cs_addr *a, cs_time t, struct cs_hit **out, size_t *n,
    struct cs_errbuf *eb)
{
	struct items it;
	struct cs_hit *h = NULL;
	size_t cnt = 0, cap = 0, i, j;
	enum cs_err e;

	*out = NULL;
	*n = 0;
	if ((e = held(datadir, keysdir, case_id, &it, eb)) != CS_OK)
		return e;
	for (i = 0; i < it.nb; i++) {
		int ai = on_addr(it.b[i], a, 0);
		enum cs_end_known k;
		cs_time end;
		if (ai < 0 || it.b[i]->addr[ai].plen > a->plen)
			continue;
		end = cs_binding_end(it.b[i], &k);
		if (it.b[i]->start > t || (k != CS_END_OPEN && end <= t))
			continue;
		push(&h, &cnt, &cap, it.b[i], ai);
		it.b[i] = NULL;
	}
	/* superseded: an unobserved end and a later holder by t */
	for (i = 0; i < cnt; i++) {
		struct cs_addr *pi = &h[i].b->addr[h[i].addr_index];
		if (h[i].end_known == CS_END_OBSERVED)
			continue;
		for (j = 0; j < cnt; j++) {
			struct cs_addr *pj = &h[j].b->addr[h[j].addr_index];
			if (j != i && h[j].b->start > h[i].b->start &&
			    h[j].b->start <= t &&
			    memcmp(pi, pj, sizeof(*pi)) == 0)
				break;
		}
		if (j < cnt) {
			cs_binding_free(h[i].b);
			h[i] = h[--cnt];
			i--;
		}
	}
	/* trimmed ends, from the other held bindings */
	for (i = 0; i < cnt; i++) {
		cs_time ns;
		if (h[i].end_known == CS_END_OBSERVED)
			continue;
		ns = next_start(&it, &h[i].b->addr[h[i].addr_index],
		    h[i].b->start,
		    h[i].end_known == CS_END_OPEN ? t + 2 * DAY_US : h[i].end);
		if (ns != CS_TIME_NONE) {
			/* the held bindings moved into h count too */
			size_t q;
			for (q = 0; q < cnt; q++) {
				const struct cs_binding *b = h[q].b;
				if (b->start > h[i].b->start && b->start < ns &&
				    memcmp(&b->addr[h[q].addr_index],
					&h[i].b->addr[h[i].addr_index],
					sizeof(struct cs_addr)) == 0)
					ns = b->start;
			}
		}
		if (ns != CS_TIME_NONE && ns > t &&
		    (h[i].end_known == CS_END_OPEN || ns < h[i].end)) {
			h[i].end = ns;
			h[i].end_known = CS_END_INFERRED;
		}
	}
	for (i = 0; i < it.nb; i++)
		if (it.b[i])
			cs_binding_free(it.b[i]);
	free(it.b);
	it.b = NULL;
	it.nb = 0;
	items_free(&it);
	if (cnt > 1)
		qsort(h, cnt, sizeof(*h), hit_cmp);
	*out = h;
	*n = cnt;
	return CS_OK;
}

enum cs_err
cs_hold_history(const char *datadir, const char *keysdir, const char *case_id,
    const char *sub, cs_time from, cs_time to, struct cs_hit **out, size_t *n,
    struct cs_errbuf *eb)
{
	struct items it;
	struct cs_hit *h = NULL;
	size_t cnt = 0, cap = 0, i;
	uint8_t mac[6];
	int ismac;
	enum cs_err e;

	*out = NULL;
	*n = 0;
	if ((e = held(datadir, keysdir, case_id, &it, eb)) != CS_OK)
		return e;
	ismac = cs_mac_parse(cs_span_cstr(sub), mac) == CS_OK;
	for (i = 0; i < it.nb; i++) {
		struct cs_binding *b = it.b[i];
		enum cs_end_known k;
		cs_time end = cs_binding_end(b, &k);
		int match = (b->f[CS_F_USERNAME] &&
				strcmp(b->f[CS_F_USERNAME], sub) == 0) ||
		    (ismac && b->has_mac && memcmp(b->mac, mac, 6) == 0);
		if (!match || b->start >= to ||
		    (k != CS_END_OPEN && end <= from))
			continue;
		push(&h, &cnt, &cap, b, 0);
		it.b[i] = NULL;
	}
	for (i = 0; i < it.nb; i++)
		if (it.b[i])
			cs_binding_free(it.b[i]);
	free(it.b);
	it.b = NULL;
	it.nb = 0;
	items_free(&it);
	if (cnt > 1)
		qsort(h, cnt, sizeof(*h), hit_cmp);
	*out = h;
	*n = cnt;
	return CS_OK;
}

static int
mail_cmp(const void *x, const void *y)
{
	const struct cs_mail *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return strcmp(a->json, b->json);
}

enum cs_err
cs_hold_mail(const char *datadir, const char *keysdir, const char *case_id,
    cs_time from, cs_time to, struct cs_mail **out, size_t *n,
    struct cs_errbuf *eb)
{
	struct items it;
	struct cs_mail *m = NULL;
	size_t cnt = 0, i;
	enum cs_err e;

	*out = NULL;
	*n = 0;
	if ((e = held(datadir, keysdir, case_id, &it, eb)) != CS_OK)
		return e;
	m = cs_xcalloc(it.nm ? it.nm : 1, sizeof(*m));
	for (i = 0; i < it.nm; i++) {
		if (it.m[i].t >= from && it.m[i].t < to) {
			m[cnt++] = it.m[i];
		} else {
			free(it.m[i].json);
		}
	}
	free(it.m);
	it.m = NULL;
	it.nm = 0;
	items_free(&it);
	if (cnt > 1)
		qsort(m, cnt, sizeof(*m), mail_cmp);
	*out = m;
	*n = cnt;
	return CS_OK;
}
