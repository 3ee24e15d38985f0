/*
 * fmt - the interface every log format implements, and the registry that
 * detects a file's format from its first bytes.
 *
 * The ingest driver (lib/core/ingest.c) reads a file line by line and feeds
 * each line, without its newline, to the format's line().  The format
 * reports what it found through the sink: observations, rejected records
 * (file line, field, reason; the rest of the input goes on), and skipped
 * lines (counted by what they were).  Formats whose records span several
 * lines (FreeRADIUS detail, dhcpd.leases) or are correlated across lines
 * (Postfix) keep state and say, through pending_offset(), where a re-read
 * after a crash must start so that nothing pending is lost.
 *
 * Parsers never allocate in proportion to input without a bound, never
 * abort on input, and do not print.
 */
#ifndef CS_FMT_H
#define CS_FMT_H

#include <stdint.h>

#include "core/obs.h"
#include "util/span.h"
#include "util/time.h"

#define CS_MAX_LINE 65536   /* longer lines are rejected */
#define CS_MAX_RECORD 65536 /* longest multi-line record */

struct cs_fmt_opts {
	struct cs_tz *tz;   /* zone of local-time stamps; borrowed */
	cs_time ref;        /* reference "now" for year-less stamps */
	int year;           /* year of year-less stamps; 0 = guess from ref */
	int64_t lease_time; /* seconds; DHCP lease time when the log has none */
	const char *only_prog; /* syslog: only this program family, or NULL */
};

struct cs_sink {
	void *arg;
	/* obs - one observation; o and everything it points to are borrowed */
	void (*obs)(void *arg, const struct cs_obs *o);
	/*
	 * reject - a malformed record: line number, the field at fault
	 * (e.g. "Framed-IP-Address", "timestamp", "header"), why, and the
	 * verbatim record for the quarantine.
	 */
	void (*reject)(void *arg, uint64_t line, const char *field,
	    const char *reason, struct cs_span raw);
	/* skip - a line that is not a record we use, counted under what */
	void (*skip)(void *arg, const char *what);
};

struct cs_fmt {
	const char *name; /* --format NAME */
	const char *help; /* one line for --help */
	/* detect - confidence 0..100 that a file starting with head is ours */
	int (*detect)(struct cs_span head);
	/* open - new parser state reporting to sink (borrowed) */
	void *(*open)(const struct cs_fmt_opts *o, struct cs_sink *sink);
	/* line - one line without newline; off is the byte offset of its start
	 */
	void (*line)(
	    void *st, struct cs_span line, uint64_t lineno, uint64_t off);
	/*
	 * flush - emit what is pending.  final = 1 at the real end of input;
	 * 0 when a followed file has merely stopped growing for now.
	 */
	void (*flush)(void *st, int final);
	/*
	 * pending_offset - byte offset of the first line still needed for a
	 * record not yet emitted, or UINT64_MAX when nothing is pending.
	 */
	uint64_t (*pending_offset)(void *st);
	void (*close)(void *st);
};

/* cs_fmt_find - format by name, or NULL */
const struct cs_fmt *cs_fmt_find(const char *name);
/* cs_fmt_detect - best format for a file starting with head, or NULL */
const struct cs_fmt *cs_fmt_detect(struct cs_span head);
/* cs_fmt_list - NULL-terminated array of all formats */
const struct cs_fmt *const *cs_fmt_list(void);

/* ---- syslog headers, shared by the line formats ---- */

struct cs_syslog_hdr {
	cs_time time;
	struct cs_span host;
	struct cs_span
	    prog; /* "dhcpd", "postfix/submission/smtpd", "kea-dhcp4" */
	struct cs_span pid; /* may be empty */
	struct cs_span msg; /* the message, after "prog[pid]: " */
};

/*
 * cs_syslog_parse - the three header forms Debian 12 produces, plus
 * Postfix's maillog_file (zero-padded day):
 *   Nov  5 08:00:03 host prog[pid]: msg          (local time, tz + year)
 *   2026-11-29T20:30:40.773840+00:00 host prog[pid]: msg
 *   <190>1 2026-11-29T20:30:40.773840+00:00 host prog pid - - msg
 * An optional "<PRI>" before the first form is accepted too.
 */
enum cs_err cs_syslog_parse(struct cs_span line, const struct cs_fmt_opts *o,
    struct cs_syslog_hdr *h, struct cs_errbuf *eb);

/*
 * cs_syslog_src - the source a syslog line belongs to, by its program
 * (CS_SRC_POSTFIX, CS_SRC_DHCPD...; CS_SRC_NATLOG for vendor NAT lines;
 * CS_SRC_NONE when it is none of ours or has no header we read)
 */
enum cs_src cs_syslog_src(struct cs_span line, const struct cs_fmt_opts *o);

/*
 * Message parsers for syslog programs.  Each returns CS_OK (handled: zero
 * or more observations emitted), CS_ESKIP (a message we do not use), or
 * CS_EPARSE with the field at fault in *field and the reason in eb.
 * raw is the whole line (evidence).
 */
typedef enum cs_err (*cs_msg_fn)(const struct cs_syslog_hdr *h,
    const struct cs_fmt_opts *o, struct cs_span raw, uint64_t lineno,
    struct cs_sink *sink, const char **field, struct cs_errbuf *eb);

enum cs_err cs_dhcpd_msg(const struct cs_syslog_hdr *h,
    const struct cs_fmt_opts *o, struct cs_span raw, uint64_t lineno,
    struct cs_sink *sink, const char **field, struct cs_errbuf *eb);
enum cs_err cs_kea_msg(const struct cs_syslog_hdr *h,
    const struct cs_fmt_opts *o, struct cs_span raw, uint64_t lineno,
    struct cs_sink *sink, const char **field, struct cs_errbuf *eb);
enum cs_err cs_dnsmasq_msg(const struct cs_syslog_hdr *h,
    const struct cs_fmt_opts *o, struct cs_span raw, uint64_t lineno,
    struct cs_sink *sink, const char **field, struct cs_errbuf *eb);

/* Postfix correlates lines by queue id, so it keeps state. */
struct cs_postfix;
struct cs_postfix *cs_postfix_new(
    const struct cs_fmt_opts *o, struct cs_sink *sink);
/* cs_postfix_msg - one postfix line; same returns as cs_msg_fn */
enum cs_err cs_postfix_msg(struct cs_postfix *pf, const struct cs_syslog_hdr *h,
    struct cs_span raw, uint64_t lineno, uint64_t off, const char **field,
    struct cs_errbuf *eb);
/* cs_postfix_flush - emit finished messages; final: emit all pending */
void cs_postfix_flush(struct cs_postfix *pf, int final);
uint64_t cs_postfix_pending_offset(struct cs_postfix *pf);
void cs_postfix_free(struct cs_postfix *pf);

/* the formats (each in its own file) */
extern const struct cs_fmt cs_fmt_radius;       /* radius.c */
extern const struct cs_fmt cs_fmt_syslog;       /* syslog.c */
extern const struct cs_fmt cs_fmt_dhcpd_leases; /* dhcpd.c */
extern const struct cs_fmt cs_fmt_kea_leases;   /* kea.c */
extern const struct cs_fmt cs_fmt_kea_log;      /* kea.c */

#endif
