/*
 * gen - custos-gen internals: a discrete-event simulation of a small ISP
 * that writes its logs in the exact formats of spec/log-formats.md, plus
 * the ground truth (truth.csv) and a pre-parsed event list (pre.csv).
 *
 * Time runs second by second through a calendar wheel with one slot per
 * second of the generated period.  Every subscriber owns two wheel nodes
 * (its session events and its mail events); a few global actors (the NAS
 * reboot, cron and other syslog noise, inbound mail) own one node each.
 * Each log stream is written in time order through its own 1 MiB buffer,
 * so there is no system call per record.
 *
 * All randomness comes from xoshiro256** streams seeded from --seed and
 * the subscriber number, so the output is a pure function of the options,
 * and --only X writes the same kind of ISP as a full run.  Single-threaded.
 */
#ifndef GEN_H
#define GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define US 1000000LL

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

struct rng {
	uint64_t s[4];
};

/* rng_seed - independent stream number `stream` of generator `seed` */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
/* rng_next - 64 random bits */
uint64_t rng_next(struct rng *r);
/* rng_below - uniform in [0, n); 0 when n is 0 */
uint64_t rng_below(struct rng *r, uint64_t n);
/* rng_range - uniform in [lo, hi] */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);
/* rng_chance - true with probability permille/1000 */
int rng_chance(struct rng *r, unsigned permille);
/* rng_logu - log-uniform in [lo, hi] (many short, some long), lo >= 1 */
int64_t rng_logu(struct rng *r, int64_t lo, int64_t hi);

/* ---- buffered output: one stream per file, no syscall per record ---- */

#define OUT_CAP (1u << 20)

struct out {
	FILE *f; /* owned; NULL when not open */
	char path[4096];
	char *buf;        /* owned; OUT_CAP bytes */
	size_t len;       /* bytes pending in buf */
	uint64_t records; /* log records written (lines or records) */
	uint64_t bytes;   /* bytes written so far */
	int err;          /* sticky: a write failed */
};

/* out_open - create path (truncating); 0 or -1 with errno */
int out_open(struct out *o, const char *path);
/* out_drain - write the buffer out (fwrite) */
void out_drain(struct out *o);
/* out_close - drain, close; 0 or -1 when any write failed */
int out_close(struct out *o);

/* out_room - pointer to at least n free bytes (n < OUT_CAP) */
static inline char *
out_room(struct out *o, size_t n)
{
	if (o->len + n > OUT_CAP)
		out_drain(o);
	return o->buf + o->len;
}

static inline void
out_mem(struct out *o, const void *p, size_t n)
{
	memcpy(out_room(o, n), p, n);
	o->len += n;
}

static inline void
out_c(struct out *o, char c)
{
	*out_room(o, 1) = c;
	o->len++;
}

static inline void
out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* OUT_LIT - append a string literal (s is expanded twice: literals only) */
#define OUT_LIT(o, s) out_mem((o), "" s, sizeof(s) - 1)

/* out_u64 - decimal */
void out_u64(struct out *o, uint64_t v);
/* out_pad - decimal right-aligned in width, padded with padc */
void out_pad(struct out *o, unsigned v, int width, char padc);
/* out_hex - hex, at least width digits (0 = minimal), upper or lower */
void out_hex(struct out *o, uint64_t v, int width, int upper);
/* out_ip4 - dotted quad of a host-order address */
void out_ip4(struct out *o, uint32_t ip);
/* out_mac - six octets, two hex digits each, joined by sep */
void out_mac(struct out *o, const uint8_t mac[static 6], char sep);
/* out_mac_isc - dhcpd binary-to-ascii form: leading zeros dropped */
void out_mac_isc(struct out *o, const uint8_t mac[static 6]);
/* out_quoted - FreeRADIUS string value: "..." with \" and \\ escaped */
void out_quoted(struct out *o, const char *s);
/* out_csv - one CSV field, RFC 4180 quoted when it needs to be */
void out_csv(struct out *o, const char *s);
/* out_end - end a line and count a record */
static inline void
out_end(struct out *o)
{
	out_c(o, '\n');
	o->records++;
}

/* cput_str, cput_u, cput_hex - write at p (NUL-terminated), return the end */
char *cput_str(char *p, const char *s);
char *cput_u(char *p, uint64_t v, int width);
char *cput_hex(char *p, uint64_t v, int width);
/* fmt_ip4 - dotted quad into buf */
void fmt_ip4(char buf[static 16], uint32_t ip);
/* fmt_mac - aa:bb:cc:dd:ee:ff */
void fmt_mac(char buf[static 18], const uint8_t mac[static 6]);
/* fmt_uniq - 128 bits as 32 lower-case hex digits */
void fmt_uniq(char buf[static 33], const uint64_t u[static 2]);

/* ---- time: the --tz zone through glibc, cached per quarter hour ---- */

struct ltime {
	int64_t t;          /* epoch seconds */
	int year, mon, day; /* mon 1..12 */
	int hour, min, sec;
	int wday;         /* 0 = Sunday */
	long off;         /* seconds east of UTC */
	const char *abbr; /* "UTC", "EST"; valid until the next call */
};

/* tz_setup - use IANA zone for local times; -1 if the zone is unknown */
int tz_setup(const char *zone);
/* tz_local - t in the --tz zone */
void tz_local(int64_t t, struct ltime *lt);
/* tz_utc - t in UTC */
void tz_utc(int64_t t, struct ltime *lt);
/* tz_midnight - epoch of 00:00 local on y-m-d */
int64_t tz_midnight(int y, int m, int d);

extern const char *const month_abbr[12];
extern const char *const wday_abbr[7];

/* out_ctime - "Sun Nov 29 20:28:31 2026" (FreeRADIUS detail header) */
void out_ctime(struct out *o, const struct ltime *lt);
/* out_evts - "Nov 29 2026 20:28:30 UTC" (Event-Timestamp value) */
void out_evts(struct out *o, const struct ltime *lt);
/* out_bsd - "Nov  5 08:00:03" (traditional syslog) */
void out_bsd(struct out *o, const struct ltime *lt);
/* out_3339 - "2026-11-29T20:30:40.773840+00:00" (rsyslog default) */
void out_3339(struct out *o, const struct ltime *lt, int usec);
/* out_utc - "2026-11-29T20:30:40Z", with ".uuuuuu" when usec is not 0 */
void out_utc(struct out *o, int64_t t_us);

/* ---- the ISP ---- */

enum kind { K_PPP = 0, K_DHCPD, K_KEA };
enum only { ONLY_ALL = 0, ONLY_RADIUS, ONLY_DHCPD, ONLY_KEA, ONLY_POSTFIX };
enum profile { PROF_HOME = 0, PROF_HOTSPOT };
enum state { ST_OFF = 0, ST_ON, ST_EXPIRING };

/* subscriber flags */
#define F_STATIC 0x01    /* PPPoE: fixed Framed-IP-Address */
#define F_V6 0x02        /* PPPoE: IPv6 /64 and delegated /56 */
#define F_MAILER 0x04    /* PPPoE: submits mail */
#define F_QUOTE 0x08     /* PPPoE: user name with a double quote */
#define F_BSLASH 0x10    /* PPPoE: user name with a backslash */
#define F_RELAYED 0x20   /* DHCP: behind a relay (option 82) */
#define F_HOSTNAME 0x40  /* DHCP: sends a host name */
#define F_CLIENTID 0x80  /* Kea: sends a client identifier */
#define F_HADLEASE 0x100 /* DHCP: held a lease before the logs began */

/* session events of a subscriber's main node */
enum ev {
	EV_NONE = 0,
	EV_PPP_CONNECT,  /* PPPoE session comes up */
	EV_PPP_TICK,     /* next Interim-Update or the Stop */
	EV_PPP_EMIT,     /* write a delayed accounting record */
	EV_DHCP_CONNECT, /* client (re)appears */
	EV_DHCP_RENEW,   /* T1 renewal */
	EV_DHCP_END,     /* client goes away: release or vanish */
	EV_DHCP_EXPIRE,  /* the vanished client's lease runs out */
	EV_MAIL,         /* subscriber submits a message */
	EV_NAS_OFF,      /* actors */
	EV_NAS_ON,
	EV_NOISE,
	EV_HOURLY,
	EV_INBOUND,
};

/* accounting record kinds (also for delayed emission) */
enum acct { AC_START = 1, AC_INTERIM, AC_STOP };

struct sub {
	struct rng rng;  /* session decisions */
	struct rng mrng; /* mail decisions */
	uint32_t num;    /* subscriber number (u%06u) */
	uint16_t flags;
	uint8_t kind;  /* enum kind */
	uint8_t state; /* enum state */
	uint8_t nas;   /* PPPoE: NAS index */
	uint8_t relay; /* DHCP: relay index */
	uint8_t mac[6];
	int32_t addr;       /* pool index held, or -1 */
	int32_t prev;       /* pool index held last time, or -1 */
	uint32_t slot;      /* number within its kind (IPv6, circuit) */
	uint32_t fixidx;    /* PPPoE F_STATIC: index in the static pool */
	int64_t start_us;   /* current holding: start (µs) */
	int64_t end_plan;   /* planned end of the online period (s) */
	int64_t last_us;    /* DHCP: last ACK (µs); Kea: cltt (µs) */
	int64_t off_since;  /* DHCP: when the last holding ended (s) */
	int64_t next_tick;  /* PPPoE: next interim (s) */
	uint32_t acct_sid;  /* Acct-Session-Id */
	uint64_t uniq[2];   /* Acct-Unique-Session-Id */
	uint32_t rate_up;   /* bytes/s from the subscriber */
	uint32_t rate_down; /* bytes/s to the subscriber */
	/* a delayed RADIUS record and what follows it */
	uint8_t emit_kind;  /* enum acct, 0 = none */
	uint8_t emit_cause; /* Acct-Terminate-Cause index */
	uint8_t after_ev;   /* event to schedule after the emission */
	int64_t emit_te;    /* its Event-Timestamp (s) */
	int64_t after_t;
};

/* address pools, all inside 100.64.0.0/10, hosts .2-.254 of each /24 */
enum pool_policy {
	POOL_LOWEST, /* BNG local pool: lowest free address */
	POOL_FIFO,   /* ISC dhcpd: least recently freed */
	POOL_ITER,   /* Kea iterative allocator */
	POOL_FIXED,  /* static addresses: index = subscriber slot */
};

struct pool {
	int policy;
	uint32_t first_block; /* /24 number within 100.64.0.0/10 */
	uint32_t size;        /* addresses */
	int32_t *holder;      /* owned; subscriber index or -1 */
	uint32_t *heap;       /* owned; POOL_LOWEST free min-heap */
	uint32_t nheap;
	uint64_t *ring; /* owned; POOL_FIFO (seq << 32 | index) */
	size_t rcap, rhead, rlen;
	uint32_t *seq;   /* owned; POOL_FIFO latest push per index */
	uint32_t cursor; /* POOL_ITER */
};

#define HOSTS_PER_BLOCK 253u
#define CGN_BASE 0x64400000u /* 100.64.0.0 */
#define CGN_BLOCKS 16384u    /* /24s in a /10 */

/* pool_init - size addresses from block first; 0 or -1 (too big) */
int pool_init(struct pool *p, int policy, uint32_t first, uint32_t size);
/* pool_blocks - /24 blocks a pool of size addresses takes */
uint32_t pool_blocks(uint32_t size);
/* pool_ip - host-order IPv4 of index idx */
uint32_t pool_ip(const struct pool *p, uint32_t idx);
/* pool_take - give an address to sub, preferring want (-1: none); -1 if full */
int32_t pool_take(struct pool *p, int32_t want, int32_t sub);
/* pool_free - idx is free again */
void pool_free(struct pool *p, int32_t idx);
/* pool_release - free all storage */
void pool_release(struct pool *p);

/* the calendar wheel: one slot per second, nodes chained per slot */
struct wheel {
	int64_t t0; /* epoch second of slot 0 */
	uint32_t nslots;
	int32_t *head;  /* owned; per slot, -1 = empty */
	int32_t *next;  /* owned; per node */
	uint32_t *slot; /* owned; per node, UINT32_MAX = idle */
	uint8_t *ev;    /* owned; per node */
	uint32_t nnodes;
	uint32_t now; /* slot being run */
};

#define NODE_IDLE UINT32_MAX

#define NNAS 3
struct nas {
	const char *id;         /* NAS-Identifier */
	const char *ip;         /* NAS-IP-Address */
	const char *called;     /* Called-Station-Id */
	uint32_t next_sid;      /* Acct-Session-Id counter */
	uint64_t onoff_uniq[2]; /* Acct-Unique-Session-Id of On/Off */
	int down;               /* between Accounting-Off and -On */
};

/* actors: wheel nodes after the subscribers' */
enum actor { A_NAS = 0, A_NOISE, A_HOURLY, A_INBOUND, NACTOR };

struct gen {
	/* options */
	char outdir[2048];
	uint32_t nsubs;
	int days;
	int sy, sm, sd; /* --start */
	uint64_t seed;
	char tz[64];
	int only;        /* enum only */
	int profile;     /* enum profile */
	int no_pre;      /* --no-pre: skip pre.csv */
	int64_t interim; /* s */
	int64_t lease;   /* s */

	int64_t t0, tend;                     /* the period: [t0, tend) */
	int w_radius, w_dhcpd, w_kea, w_mail; /* outputs wanted */

	struct sub *subs; /* owned; nsubs */
	uint32_t nkind[3];
	struct pool ppp_dyn, ppp_fix, dhcpd_pool, kea_pool;
	struct wheel w;
	struct nas nas[NNAS];
	uint32_t nfix; /* PPPoE subscribers with static addresses */
	int reboot_nas;
	int64_t reboot_off, reboot_on; /* s */

	struct out detail; /* radius/detail-YYYYMMDD, the open day */
	int detail_day;    /* YYYYMMDD of the open file, 0 = none */
	int ndetail;       /* files written */
	uint64_t detail_records, detail_bytes;
	struct out syslog, kea, mail, truth, pre;

	int64_t sys_sec; /* last syslog stamp: second and µs */
	int sys_us;
	uint32_t dhcpd_pid, sshd_pid;
	struct rng nrng; /* syslog noise */
	struct rng irng; /* inbound mail */
	struct rng arng; /* NAS and misc */
	uint32_t qid;    /* Postfix queue id counter */
	uint32_t msgs;   /* mail messages written */

	uint64_t bindings; /* truth rows */
	uint64_t events;   /* pre.csv rows */
};

/* sim.c */
void wheel_init(struct wheel *w, int64_t t0, uint32_t nslots, uint32_t nnodes);
/* wheel_at - schedule node for ev at epoch second t (dropped past the end) */
void wheel_at(struct wheel *w, uint32_t node, int64_t t, int ev);
/* wheel_cancel - unschedule node if it is pending */
void wheel_cancel(struct wheel *w, uint32_t node);
void wheel_release(struct wheel *w);
/* node numbers */
static inline uint32_t
node_main(const struct gen *g, const struct sub *s)
{
	(void)g;
	return (uint32_t)(s - g->subs) * 2;
}
static inline uint32_t
node_mail(const struct gen *g, const struct sub *s)
{
	return (uint32_t)(s - g->subs) * 2 + 1;
}
static inline uint32_t
node_actor(const struct gen *g, enum actor a)
{
	return g->nsubs * 2 + (uint32_t)a;
}

/* sub_username - the PPPoE user name, unescaped, into buf */
void sub_username(const struct sub *s, char *buf, size_t cap);
/* sub_hostname - DHCP host name into buf ("" when none) */
void sub_hostname(const struct sub *s, char *buf, size_t cap);
/* sub_circuit - option-82 circuit id text ("olt1 eth 1/1/3:200") */
void sub_circuit(const struct sub *s, char *buf, size_t cap);
/* sub_remote - option-82 remote id text */
void sub_remote(const struct sub *s, char *buf, size_t cap);
/* sub_v6 - framed /64 and delegated /56 as text */
void sub_v6(const struct sub *s, char p64[static 48], char p56[static 48]);

/*
 * truth_row - one address holding; end_us < 0 means still open.  Address
 * text, username and mac may be "" when unknown.
 */
void truth_row(struct gen *g, const char *src, const char *addr,
    int64_t start_us, int64_t end_us, const char *user, const char *mac);
/* pre_row - one pre-parsed accounting/lease event */
void pre_row(struct gen *g, const char *src, const char *event, int64_t t,
    const char *addr, const char *user, const char *mac, const char *sess);

/* syslog_stamp - a monotonic µs for a syslog line at second t */
int syslog_stamp(struct gen *g, int64_t t);
/* syslog_head - "<stamp> <host> <prog>[pid]: " for the dhcpd syslog */
void syslog_head(
    struct gen *g, int64_t t, int usec, const char *prog, uint32_t pid);

/* radius.c */
void ppp_init(struct gen *g, struct sub *s);
void ppp_event(struct gen *g, struct sub *s, int ev, int64_t t);
void ppp_finish(struct gen *g, struct sub *s);
void nas_event(struct gen *g, int ev, int64_t t);
void detail_finish(struct gen *g);

/* dhcp.c */
void dhcp_init(struct gen *g, struct sub *s);
void dhcp_event(struct gen *g, struct sub *s, int ev, int64_t t);
void dhcp_finish(struct gen *g, struct sub *s);
void dhcpd_banner(struct gen *g, int64_t t);

/* mail.c */
void mail_event(struct gen *g, struct sub *s, int64_t t);
void mail_schedule(struct gen *g, struct sub *s, int64_t t);
void inbound_event(struct gen *g, int64_t t);
void noise_event(struct gen *g, int64_t t);
void hourly_event(struct gen *g, int64_t t);

#endif
