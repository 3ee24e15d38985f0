/*
 * natmap - deterministic NAT (RFC 7422): mappings from inside address to
 * public address and port range, each with the period it was in force.
 *
 * DATA/nat/maps.db holds one row per mapping: maps(id, start, end, name,
 * blob); blob is the verbatim mapping file sealed under the key of the
 * day of start (bound to id).  The file itself is the evidence: answers
 * re-parse it, so what is shown is exactly what was recorded.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/nat.h"
#include "util/xmalloc.h"

#define MAX_MAP_ENTRIES 1000000
#define MAX_MAPS 100000

static const char map_schema[] =
    "CREATE TABLE IF NOT EXISTS maps(id INTEGER PRIMARY KEY,"
    " start INTEGER NOT NULL, end INTEGER, name TEXT NOT NULL,"
    " blob BLOB NOT NULL)";

static int
parse_range(struct cs_span s, int *lo, int *hi)
{
	struct cs_span a, b;
	uint64_t x, y;

	s = cs_span_trim(s);
	if (!cs_span_cut(s, "-", &a, &b)) {
		if (cs_parse_u64(s, 0, 65535, &x) != CS_OK)
			return -1;
		*lo = *hi = (int)x;
		return 0;
	}
	if (cs_parse_u64(cs_span_trim(a), 0, 65535, &x) != CS_OK ||
	    cs_parse_u64(cs_span_trim(b), 0, 65535, &y) != CS_OK || y < x)
		return -1;
	*lo = (int)x;
	*hi = (int)y;
	return 0;
}

/* nft_entry - "100.64.0.10 : 203.0.113.6 . 1024-2047" */
static int
nft_entry(struct cs_span s, struct cs_nat_map_entry *e)
{
	struct cs_span in, rest, pub, ports;

	if (!cs_span_cut(s, ":", &in, &rest))
		return -1;
	/* IPv4 only: nft's "ip saddr map"; an IPv6 inside has colons */
	if (cs_addr_parse(cs_span_trim(in), &e->inside) != CS_OK)
		return -1;
	if (!cs_span_cut(rest, " . ", &pub, &ports)) {
		pub = rest;
		ports = cs_span_cstr("0-65535");
	}
	if (cs_addr_parse(cs_span_trim(pub), &e->pub) != CS_OK ||
	    !cs_addr_is_host(&e->pub))
		return -1;
	return parse_range(ports, &e->lo, &e->hi);
}

static int
csv_entry(struct cs_span s, struct cs_nat_map_entry *e)
{
	struct cs_span f[4];
	int i;

	for (i = 0; i < 4; i++)
		if (!cs_span_token(&s, ',', &f[i]))
			return -1;
	if (s.len)
		return -1;
	if (cs_addr_parse(cs_span_trim(f[0]), &e->inside) != CS_OK ||
	    cs_addr_parse(cs_span_trim(f[1]), &e->pub) != CS_OK ||
	    !cs_addr_is_host(&e->pub))
		return -1;
	f[2] = cs_span_trim(f[2]);
	f[3] = cs_span_trim(f[3]);
	{
		uint64_t lo, hi;
		if (cs_parse_u64(f[2], 0, 65535, &lo) != CS_OK ||
		    cs_parse_u64(f[3], lo, 65535, &hi) != CS_OK)
			return -1;
		e->lo = (int)lo;
		e->hi = (int)hi;
	}
	return 0;
}

static void
add_entry(struct cs_nat_map_entry **out, size_t *n, size_t *cap,
    const struct cs_nat_map_entry *e)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*out = cs_xreallocarray(*out, *cap, sizeof(**out));
	}
	(*out)[(*n)++] = *e;
}

enum cs_err
cs_nat_map_parse(struct cs_span text, struct cs_nat_map_entry **out, size_t *n,
    size_t max, struct cs_errbuf *eb)
{
	struct cs_nat_map_entry e;
	struct cs_span rest = text, line, body, tail, item;
	size_t cap = 0;
	long at;
	unsigned lineno = 0;

	*out = NULL;
	*n = 0;
	if ((at = cs_span_find(text, "saddr map")) >= 0) {
		rest = cs_span_skip(text, (size_t)at);
		if (!cs_span_cut(rest, "{", &line, &tail) ||
		    !cs_span_cut(tail, "}", &body, &tail)) {
			cs_errbuf_set(
			    eb, "nft map: no { ... } after 'saddr map'");
			return CS_EPARSE;
		}
		while (cs_span_token(&body, ',', &item)) {
			memset(&e, 0, sizeof(e));
			item = cs_span_trim(item);
			/* newlines may separate elements too */
			while (item.len &&
			    (item.p[0] == '\n' || item.p[0] == ' ' ||
				item.p[0] == '\t'))
				item = cs_span_skip(item, 1);
			while (item.len && (item.p[item.len - 1] == '\n'))
				item.len--;
			if (item.len == 0)
				continue;
			if (nft_entry(item, &e) != 0 || *n >= max) {
				cs_errbuf_set(eb, "nft map: bad element '%.*s'",
				    (int)(item.len > 80 ? 80 : item.len),
				    item.p);
				free(*out);
				*out = NULL;
				*n = 0;
				return CS_EPARSE;
			}
			add_entry(out, n, &cap, &e);
		}
		return *n ? CS_OK : CS_EPARSE;
	}
	while (cs_span_token(&rest, '\n', &line)) {
		lineno++;
		line = cs_span_trim(line);
		if (line.len == 0 || line.p[0] == '#')
			continue;
		memset(&e, 0, sizeof(e));
		if (csv_entry(line, &e) != 0 || *n >= max) {
			if (lineno == 1 && cs_span_starts(line, "inside"))
				continue; /* a header line */
			cs_errbuf_set(eb,
			    "line %u: expected "
			    "inside,public,lo,hi",
			    lineno);
			free(*out);
			*out = NULL;
			*n = 0;
			return CS_EPARSE;
		}
		add_entry(out, n, &cap, &e);
	}
	if (*n == 0) {
		cs_errbuf_set(eb, "no mapping entries found");
		return CS_EPARSE;
	}
	return CS_OK;
}

static sqlite3 *
maps_open(struct cs_store *s, int rw, struct cs_errbuf *eb)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	sqlite3 *db = NULL;

	snprintf(dir, sizeof(dir), "%s/nat", cs_store_datadir(s));
	snprintf(path, sizeof(path), "%s/maps.db", dir);
	if (!rw && access(path, F_OK) != 0)
		return NULL;
	if (rw && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &db,
		(rw ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		    : SQLITE_OPEN_READONLY),
		NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK ||
	    (rw &&
		sqlite3_exec(db, map_schema, NULL, NULL, NULL) != SQLITE_OK)) {
		cs_errbuf_set(eb, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* unseal_text - the mapping file of a row, or NULL */
static char *
unseal_text(
    struct cs_store *s, int64_t id, cs_time start, const void *blob, int blen)
{
	const struct cs_daykey *dk;
	struct cs_errbuf eb;
	struct cs_buf b;
	char *t;

	if (blob == NULL || blen < 0 ||
	    cs_keys_day(cs_store_keys(s), CS_CL_NAT, cs_day_of(start), 0, &dk,
		&eb) != CS_OK)
		return NULL;
	cs_buf_init(&b, NULL, 0, 64u << 20);
	if (cs_unseal(dk, id, blob, (size_t)blen, &b) != CS_OK) {
		cs_buf_release(&b);
		return NULL;
	}
	t = cs_xmalloc(b.len + 1);
	memcpy(t, b.data, b.len);
	t[b.len] = '\0';
	cs_buf_release(&b);
	return t;
}

enum cs_err
cs_nat_map_add(struct cs_store *s, const char *name, struct cs_span text,
    cs_time from, cs_time to, struct cs_errbuf *eb)
{
	struct cs_nat_map_entry *e;
	const struct cs_daykey *dk;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct cs_buf sealed;
	int64_t id;
	size_t n;
	enum cs_err rc = CS_EDB;

	if ((rc = cs_nat_map_parse(text, &e, &n, MAX_MAP_ENTRIES, eb)) != CS_OK)
		return rc;
	free(e);
	if (to != CS_TIME_NONE && to <= from) {
		cs_errbuf_set(eb, "--to must be after --from");
		return CS_EINVAL;
	}
	if ((rc = cs_keys_day(cs_store_keys(s), CS_CL_NAT, cs_day_of(from), 1,
		 &dk, eb)) != CS_OK)
		return rc;
	if ((db = maps_open(s, 1, eb)) == NULL)
		return CS_EDB;
	rc = CS_EDB;
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	/* the same file with the same period again: nothing to do */
	if (sqlite3_prepare_v2(db,
		"SELECT id,blob FROM maps WHERE start=? AND"
		" coalesce(end,-1)=?",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to == CS_TIME_NONE ? -1 : to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *t = unseal_text(s, sqlite3_column_int64(st, 0), from,
		    sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1));
		int same = t && strlen(t) == text.len &&
		    memcmp(t, text.p, text.len) == 0;
		free(t);
		if (same) {
			rc = CS_OK;
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	/* a new open-ended mapping ends the open one before it */
	if (to == CS_TIME_NONE) {
		if (sqlite3_prepare_v2(db,
			"UPDATE maps SET end=?1 WHERE end IS"
			" NULL AND start<?1",
			-1, &st, NULL) != SQLITE_OK)
			goto out;
		sqlite3_bind_int64(st, 1, from);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id),0)+1 FROM maps", -1,
		&st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	cs_buf_init(&sealed, NULL, 0, 128u << 20);
	cs_seal(dk, id, text.p, text.len, &sealed);
	if (sqlite3_prepare_v2(db,
		"INSERT INTO maps(id,start,end,name,blob)"
		" VALUES(?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK) {
		cs_buf_release(&sealed);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, from);
	if (to == CS_TIME_NONE)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, sealed.data, (int)sealed.len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = CS_OK;
	cs_buf_release(&sealed);
out:
	if (rc != CS_OK && !eb->msg[0])
		cs_errbuf_set(eb, "maps.db: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_exec(db, rc == CS_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

enum cs_err
cs_nat_map_list(struct cs_store *s, struct cs_nat_map_info **out, size_t *n,
    struct cs_errbuf *eb)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if ((db = maps_open(s, 0, eb)) == NULL)
		return eb->msg[0] ? CS_EDB : CS_OK;
	if (sqlite3_prepare_v2(db,
		"SELECT id,start,end,name,blob FROM maps "
		"ORDER BY start,id",
		-1, &st, NULL) != SQLITE_OK) {
		cs_errbuf_set(eb, "maps.db: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return CS_EDB;
	}
	while (sqlite3_step(st) == SQLITE_ROW && *n < MAX_MAPS) {
		struct cs_nat_map_info *m;
		struct cs_nat_map_entry *e;
		struct cs_errbuf peb;
		const char *nm = (const char *)sqlite3_column_text(st, 3);

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = cs_xreallocarray(*out, cap, sizeof(**out));
		}
		m = &(*out)[(*n)++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(st, 0);
		m->from = sqlite3_column_int64(st, 1);
		m->to = sqlite3_column_type(st, 2) == SQLITE_NULL
		    ? CS_TIME_NONE
		    : sqlite3_column_int64(st, 2);
		m->name = cs_xstrdup(nm ? nm : "");
		m->text = unseal_text(s, m->id, m->from,
		    sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4));
		if (m->text &&
		    cs_nat_map_parse(cs_span_cstr(m->text), &e, &m->nentries,
			MAX_MAP_ENTRIES, &peb) == CS_OK)
			free(e);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return CS_OK;
}

void
cs_nat_map_infos_free(struct cs_nat_map_info *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].text);
	}
	free(m);
}

enum cs_err
cs_nat_map_who(struct cs_store *s, const struct cs_addr *pub, int port,
    cs_time t, struct cs_nat_rec **out, size_t *n, int *any,
    struct cs_errbuf *eb)
{
	struct cs_nat_map_info *m;
	struct cs_nat_map_entry *e;
	struct cs_errbuf peb;
	size_t nm, i, j, ne, cap = *n;
	enum cs_err rc;

	if ((rc = cs_nat_map_list(s, &m, &nm, eb)) != CS_OK)
		return rc;
	for (i = 0; i < nm; i++) {
		if (m[i].from > t ||
		    (m[i].to != CS_TIME_NONE && m[i].to <= t) ||
		    m[i].text == NULL)
			continue;
		if (cs_nat_map_parse(cs_span_cstr(m[i].text), &e, &ne,
			MAX_MAP_ENTRIES, &peb) != CS_OK)
			continue;
		for (j = 0; j < ne; j++) {
			struct cs_nat_rec r;
			char link[64];
			if (memcmp(&e[j].pub, pub, sizeof(*pub)) != 0)
				continue;
			*any = 1;
			if (port >= 0 && (port < e[j].lo || port > e[j].hi))
				continue;
			memset(&r, 0, sizeof(r));
			r.kind = CS_NAT_DETERMINISTIC;
			r.src = CS_SRC_NATMAP;
			r.inside = e[j].inside;
			r.inside_port = -1;
			r.pub = e[j].pub;
			r.port_lo = e[j].lo;
			r.port_hi = e[j].hi;
			r.port_step = 1;
			r.dst_port = -1;
			r.start = m[i].from;
			r.end = m[i].to;
			r.end_known = m[i].to == CS_TIME_NONE ? CS_END_OPEN
							      : CS_END_OBSERVED;
			snprintf(
			    link, sizeof(link), "map %lld", (long long)m[i].id);
			r.link = cs_xstrdup(link);
			r.ev[0].t = m[i].from;
			r.ev[0].raw = cs_xstrdup(m[i].text);
			r.ev[1].t = r.ev[2].t = CS_TIME_NONE;
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				*out =
				    cs_xreallocarray(*out, cap, sizeof(**out));
			}
			(*out)[(*n)++] = r;
		}
		free(e);
	}
	cs_nat_map_infos_free(m, nm);
	return CS_OK;
}
