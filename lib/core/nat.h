/*
 * nat - CGNAT attribution: NAT records (per-session, address binding, port
 * block, deterministic mapping) stored per UTC day beside the bindings, and
 * the lookup "who had PUBLIC:PORT at T".
 *
 * Parsers (conntrack, ulogd JSON, IPFIX, vendor syslog) report a struct
 * cs_nat through a CS_OBS_NAT observation; the fold hands it to
 * cs_nat_fold, which pairs a create with its delete (by the record's link,
 * such as conntrack's id=, else by the whole tuple) into one interval
 * [start, end) whose end is observed, inferred or open.  The store calls
 * cs_nat_commit at each checkpoint (every changed interval is written
 * under the day of its start, synced before the input offsets are
 * committed) and cs_nat_close when it closes; the fold also writes on its
 * own every 64k changed intervals.  State lives in *cs_store_nat_slot().
 *
 * On disk (natstore.c) sessions are sorted runs in DATA/nat/DAY.nat (and
 * merged levels .nat1, .nat2); port blocks and bindings rows of
 * DATA/nat/DAY.db.  Only the public address's keyed tag, port numbers,
 * times, kind, protocol and source are plain; the inside address and
 * port, the destination, the link and the evidence are sealed under the
 * day's key.  A record's uid is a keyed hash of its identity and start:
 * the newest version of a uid wins, and re-reading input writes nothing.
 *
 * Deterministic NAT (RFC 7422) mappings are kept in DATA/nat/maps.db, one
 * row per mapping with the period it was in force, sealed under the key
 * of its first day (natmap.c).  Not thread-safe.
 */
#ifndef CS_NAT_H
#define CS_NAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/binding.h"
#include "core/obs.h"
#include "core/store.h"
#include "util/addr.h"
#include "util/span.h"
#include "util/time.h"

/* what a record is about; stored on disk: never renumber */
enum cs_nat_kind {
	CS_NAT_SESSION = 1, /* one translated flow (conntrack, natEvent 4/5) */
	CS_NAT_BLOCK = 2,   /* a port block (natEvent 16/17) */
	CS_NAT_BINDING = 3, /* an address binding (natEvent 14/15) */
	CS_NAT_DETERMINISTIC = 4, /* a deterministic mapping (answers only) */
};

enum cs_nat_event {
	CS_NAT_CREATE = 1, /* NEW, create, allocation */
	CS_NAT_DELETE = 2, /* DESTROY, delete, de-allocation */
};

/*
 * A NAT record as a parser reports it (every pointer borrowed).  The
 * observation's .time is when the record was written; .raw the evidence.
 */
struct cs_nat {
	enum cs_nat_kind kind;
	enum cs_nat_event event;
	uint8_t proto;         /* IP protocol; 0 unknown or any */
	struct cs_addr inside; /* private (pre-NAT) source address */
	int inside_port;       /* -1: none (blocks, bindings) */
	struct cs_addr pub;    /* public (post-NAT) source address */
	int port_lo, port_hi;  /* session: both the port; block: its range;
				  binding: 0..65535 */
	int port_step;         /* block step (1 when contiguous) */
	struct cs_addr dst;    /* destination; family 0 when unknown */
	int dst_port;          /* -1 when unknown */
	cs_time start;         /* true start when known (else CS_TIME_NONE) */
	cs_time end;           /* true end when known */
	int64_t lifetime;      /* delete: microseconds alive, -1 unknown
				  (conntrack delta-time) */
	struct cs_span link;   /* id linking create and delete; may be empty */
};

/* cs_nat_kind_name - "session", "port_block", "binding", "deterministic" */
const char *cs_nat_kind_name(enum cs_nat_kind k);

/* cs_nat_fold - take one NAT observation (borrowed) */
enum cs_err cs_nat_fold(
    struct cs_store *s, const struct cs_obs *o, struct cs_errbuf *eb);
/* cs_nat_commit - write every changed interval and commit */
enum cs_err cs_nat_commit(struct cs_store *s, struct cs_errbuf *eb);
/* cs_nat_close - release the NAT state of a store (uncommitted is lost) */
void cs_nat_close(struct cs_store *s);
/*
 * cs_nat_merge_day - merge the session runs of a day into one run (day
 * number as cs_day_of); cs_nat_runs - how many runs the day has now
 */
enum cs_err cs_nat_merge_day(
    struct cs_store *s, int64_t day, struct cs_errbuf *eb);
size_t cs_nat_runs(struct cs_store *s, int64_t day);

/* ---- intervals as stored and answered ---- */

#define CS_NAT_MAXEV 3 /* create record, delete record, one more */

struct cs_nat_ev {
	cs_time t; /* CS_TIME_NONE: slot unused */
	char *raw; /* owned */
};

struct cs_nat_rec {
	enum cs_nat_kind kind;
	enum cs_src src;
	uint8_t proto;
	struct cs_addr inside;
	int inside_port;
	struct cs_addr pub;
	int port_lo, port_hi, port_step;
	struct cs_addr dst;
	int dst_port;
	cs_time start;
	cs_time end; /* meaningful unless end_known is open */
	enum cs_end_known end_known;
	char *link; /* owned; "" when none */
	struct cs_nat_ev ev[CS_NAT_MAXEV];
};

/* cs_nat_rec_clear - free what r owns and empty it */
void cs_nat_rec_clear(struct cs_nat_rec *r);
/* cs_nat_recs_free - free an array of records */
void cs_nat_recs_free(struct cs_nat_rec *r, size_t n);

/*
 * cs_nat_who - NAT records for public address pub (port, or -1 for any)
 * whose interval meets [t - skew, t + skew] (skew in seconds); proto 0 is
 * any.  Deterministic mappings in force at t are included.  Records are
 * owned by the caller (cs_nat_recs_free).  *any is set when the store has
 * any NAT record or mapping for pub within a day of t (so that "no match"
 * can be told from "no NAT data").
 */
enum cs_err cs_nat_who(struct cs_store *s, const struct cs_addr *pub, int port,
    int proto, cs_time t, int64_t skew, struct cs_nat_rec **out, size_t *n,
    int *any, struct cs_errbuf *eb);

/* ---- deterministic mappings (natmap.c) ---- */

struct cs_nat_map_entry {
	struct cs_addr inside; /* address or prefix */
	struct cs_addr pub;
	int lo, hi; /* public port range */
};

/*
 * cs_nat_map_parse - the entries of an nftables
 * "snat ip to ip saddr map { IN : PUB . LO-HI, ... }" rule set, or of CSV
 * lines "inside,public,lo,hi" (# comments).  *out is owned by the caller;
 * at most max entries.  eb names the line at fault.
 */
enum cs_err cs_nat_map_parse(struct cs_span text, struct cs_nat_map_entry **out,
    size_t *n, size_t max, struct cs_errbuf *eb);

/*
 * cs_nat_map_add - record a mapping in force over [from, to) (to may be
 * CS_TIME_NONE: until further notice).  A mapping added later with an
 * open end closes the previous open mapping at its own start.  name is the
 * file it came from; text the verbatim file (the evidence).
 */
enum cs_err cs_nat_map_add(struct cs_store *s, const char *name,
    struct cs_span text, cs_time from, cs_time to, struct cs_errbuf *eb);

struct cs_nat_map_info {
	int64_t id;
	cs_time from, to; /* to: CS_TIME_NONE when open */
	size_t nentries;
	char *name; /* owned */
	char *text; /* owned; NULL if its key is gone */
};

/* cs_nat_map_list - every mapping, oldest first */
enum cs_err cs_nat_map_list(struct cs_store *s, struct cs_nat_map_info **out,
    size_t *n, struct cs_errbuf *eb);
void cs_nat_map_infos_free(struct cs_nat_map_info *m, size_t n);

/*
 * cs_nat_map_who - answers from the mappings in force at t for pub:port
 * (port -1: every entry of pub), appended to out and n (grown).
 */
enum cs_err cs_nat_map_who(struct cs_store *s, const struct cs_addr *pub,
    int port, cs_time t, struct cs_nat_rec **out, size_t *n, int *any,
    struct cs_errbuf *eb);

/* ---- natstore.c: the day files (used by nat.c) ---- */

struct cs_natdb;
/* cs_natdb_open - the NAT side of a store (opened lazily per day) */
struct cs_natdb *cs_natdb_new(struct cs_store *s);
void cs_natdb_free(struct cs_natdb *db);
/* cs_natdb_put - upsert r (uid from its identity and start) */
enum cs_err cs_natdb_put(
    struct cs_natdb *db, const struct cs_nat_rec *r, struct cs_errbuf *eb);
/*
 * cs_natdb_find_open - an open session record of the same identity as r
 * (same link or tuple) started before r's time, from the store; CS_ENOENT
 * when none.  *out is filled (owned by the caller).
 */
enum cs_err cs_natdb_find_open(struct cs_natdb *db, const struct cs_nat_rec *r,
    cs_time before, struct cs_nat_rec *out, struct cs_errbuf *eb);
/* a session record to write, with the lengths of its strings */
struct cs_nat_out {
	const struct cs_nat_rec *r; /* borrowed */
	size_t evlen[CS_NAT_MAXEV]; /* bytes of r->ev[i].raw */
	size_t linklen;             /* bytes of r->link */
	int known;   /* in: the newest stored version of the record is one
			this process wrote (open): no need to look it up */
	int written; /* out: this version was written */
};
/*
 * cs_natdb_put_sessions - append v as one sorted run per day of their
 * starts to DATA/nat/DAY.nat, synced before returning (versions already
 * stored are skipped; a purged day's records are dropped)
 */
enum cs_err cs_natdb_put_sessions(
    struct cs_natdb *db, struct cs_nat_out *v, size_t n, struct cs_errbuf *eb);
/* cs_natdb_merge - merge the runs of a day's session file into one */
enum cs_err cs_natdb_merge(
    struct cs_natdb *db, int64_t day, struct cs_errbuf *eb);
/* cs_natdb_runs - how many runs the day's session file has */
size_t cs_natdb_runs(struct cs_natdb *db, int64_t day);
/* cs_natdb_commit - commit every open day transaction */
enum cs_err cs_natdb_commit(struct cs_natdb *db, struct cs_errbuf *eb);
/* cs_natdb_query - records of pub meeting [lo, hi] (see cs_nat_who) */
enum cs_err cs_natdb_query(struct cs_natdb *db, const struct cs_addr *pub,
    int port, int proto, cs_time lo, cs_time hi, struct cs_nat_rec **out,
    size_t *n, int *any, struct cs_errbuf *eb);
/*
 * cs_natdb_next_start - start of the next session on r's public port and
 * protocol after r's start (that day and the next), or CS_TIME_NONE
 */
enum cs_err cs_natdb_next_start(struct cs_natdb *db, const struct cs_nat_rec *r,
    cs_time *next, struct cs_errbuf *eb);
/*
 * for tests and fuzzing: cs_natdb_decode - a record body as sealed (0, or
 * -1 when malformed; r owned by the caller either way, cleared on -1);
 * cs_natdb_delta_check - encode t against ref as evidence deltas are and
 * decode it back: -1 when that does not give t again
 */
int cs_natdb_decode(const void *p, size_t n, struct cs_nat_rec *r);
int cs_natdb_delta_check(const char *ref, size_t rn, const char *t, size_t tn);
/* cs_nat_same - same identity (kind, proto, tuples, link) */
int cs_nat_same(const struct cs_nat_rec *a, const struct cs_nat_rec *b);

#endif
