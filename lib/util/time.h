/*
 * time - instants as int64 microseconds since the Unix epoch (UTC), and the
 * clock formats real logs use.
 *
 * Local-time formats (FreeRADIUS headers, BSD syslog, Kea's log file) need
 * a zone: struct cs_tz wraps an IANA zone name and converts civil time to
 * UTC with glibc's tz database.  Conversions are cached per hour, so the
 * hot path costs a table lookup.  Not thread-safe (uses TZ/tzset).
 */
#ifndef CS_TIME_H
#define CS_TIME_H

#include <stdint.h>

#include "util/span.h"

#define CS_US 1000000LL
typedef int64_t cs_time; /* microseconds since 1970-01-01T00:00:00Z */
#define CS_TIME_NONE INT64_MIN

struct cs_civil {
	int year, mon, day; /* mon 1..12 */
	int hour, min, sec;
	int usec;
};

/* cs_days_from_civil - days since epoch of a proleptic Gregorian date */
int64_t cs_days_from_civil(int y, int m, int d);
/* cs_civil_from_time - split a UTC instant */
void cs_civil_from_time(cs_time t, struct cs_civil *c);
/* cs_time_from_civil_utc - civil time read as UTC; CS_EPARSE if out of range */
enum cs_err cs_time_from_civil_utc(const struct cs_civil *c, cs_time *out);
/* cs_month_abbr - "Jan".."Dec" to 1..12, or 0 */
int cs_month_abbr(struct cs_span s);

/*
 * cs_time_parse_rfc3339 - "2026-11-29T20:30:40.773840+00:00" or "...Z".
 * A time without Z or an offset is CS_EPARSE with a hint in eb.
 */
enum cs_err cs_time_parse_rfc3339(
    struct cs_span s, cs_time *out, struct cs_errbuf *eb);
/*
 * cs_time_format - RFC 3339 UTC, "2026-11-29T20:30:40Z", with a fraction
 * only when the instant has one.  out must hold 40 bytes.
 */
void cs_time_format(cs_time t, char out[static 40]);
/* cs_time_now - CUSTOS_NOW if set (RFC 3339), else the real clock */
cs_time cs_time_now(void);

struct cs_tz {
	char name[64];     /* IANA name, "UTC" if empty */
	int utc;           /* fast path: zone is UTC */
	int64_t cache_key; /* local hour key of the cached offset */
	int64_t cache_off; /* seconds to add to local to get UTC */
};

/* cs_tz_init - NULL or "" means the system zone (TZ or /etc/localtime) */
enum cs_err cs_tz_init(
    struct cs_tz *tz, const char *name, struct cs_errbuf *eb);
/* cs_tz_to_utc - civil local time in zone tz to an instant */
enum cs_err cs_tz_to_utc(
    struct cs_tz *tz, const struct cs_civil *c, cs_time *out);
/*
 * cs_tz_abbr_offset - UTC offset (seconds) of a zone abbreviation as
 * printed by FreeRADIUS ("UTC", "EST", "CEST", ...); CS_ENOENT if unknown.
 */
enum cs_err cs_tz_abbr_offset(struct cs_span abbr, int *off);

/*
 * cs_year_guess - the year for a stamp that has none (BSD syslog): the year
 * that puts month/day nearest before ref, allowing one day of clock skew.
 */
int cs_year_guess(int mon, int day, cs_time ref);

#endif
