/* time - microsecond instants, RFC 3339, and local zones via glibc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

/* days_from_civil - Howard Hinnant's algorithm */
int64_t
cs_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
cs_civil_from_time(cs_time t, struct cs_civil *c)
{
	int64_t secs = t / CS_US, us = t % CS_US, days, rem;
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	if (us < 0) {
		us += CS_US;
		secs--;
	}
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	c->year = (int)(y + (m <= 2));
	c->mon = (int)m;
	c->day = (int)d;
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem / 60 % 60);
	c->sec = (int)(rem % 60);
	c->usec = (int)us;
}

static int
civil_valid(const struct cs_civil *c)
{
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (c->year < 1970 || c->year > 9999 || c->mon < 1 || c->mon > 12)
		return 0;
	if (c->day < 1 || c->day > mdays[c->mon - 1])
		return 0;
	if (c->mon == 2 && c->day == 29 &&
	    !((c->year % 4 == 0 && c->year % 100 != 0) || c->year % 400 == 0))
		return 0;
	return c->hour >= 0 && c->hour < 24 && c->min >= 0 && c->min < 60 &&
	    c->sec >= 0 && c->sec <= 60 && c->usec >= 0 && c->usec < 1000000;
}

enum cs_err
cs_time_from_civil_utc(const struct cs_civil *c, cs_time *out)
{
	int64_t days;

	if (!civil_valid(c))
		return CS_EPARSE;
	days = cs_days_from_civil(c->year, c->mon, c->day);
	*out =
	    ((days * 86400 + c->hour * 3600 + c->min * 60 + c->sec) * CS_US) +
	    c->usec;
	return CS_OK;
}

int
cs_month_abbr(struct cs_span s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	if (s.len != 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, s.p, 3) == 0)
			return i + 1;
	return 0;
}

/* digits - parse exactly n digits at s[*i] */
static int
digits(struct cs_span s, size_t *i, size_t n, int *out)
{
	int v = 0;
	size_t k;

	if (*i + n > s.len)
		return 0;
	for (k = 0; k < n; k++) {
		unsigned d = (unsigned char)s.p[*i + k] - '0';
		if (d > 9)
			return 0;
		v = v * 10 + (int)d;
	}
	*i += n;
	*out = v;
	return 1;
}

static int
lit(struct cs_span s, size_t *i, char c)
{
	if (*i < s.len && s.p[*i] == c) {
		(*i)++;
		return 1;
	}
	return 0;
}

enum cs_err
cs_time_parse_rfc3339(struct cs_span s, cs_time *out, struct cs_errbuf *eb)
{
	struct cs_civil c = {0};
	size_t i = 0;
	int oh = 0, om = 0, sign = 0;
	cs_time t;

	if (!digits(s, &i, 4, &c.year) || !lit(s, &i, '-') ||
	    !digits(s, &i, 2, &c.mon) || !lit(s, &i, '-') ||
	    !digits(s, &i, 2, &c.day))
		goto bad;
	if (!lit(s, &i, 'T') && !lit(s, &i, 't') && !lit(s, &i, ' '))
		goto bad;
	if (!digits(s, &i, 2, &c.hour) || !lit(s, &i, ':') ||
	    !digits(s, &i, 2, &c.min))
		goto bad;
	if (lit(s, &i, ':') && !digits(s, &i, 2, &c.sec))
		goto bad;
	if (lit(s, &i, '.')) {
		int n = 0, scale = 100000;
		while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
			if (n < 6)
				c.usec += (s.p[i] - '0') * scale;
			scale /= 10;
			n++;
			i++;
		}
		if (n == 0)
			goto bad;
	}
	if (i == s.len) {
		cs_errbuf_set(eb,
		    "time has no zone: add Z for UTC or an offset "
		    "such as +01:00 (e.g. 2026-11-05T12:00:00Z)");
		return CS_EPARSE;
	}
	if (lit(s, &i, 'Z') || lit(s, &i, 'z')) {
		sign = 0;
	} else if (lit(s, &i, '+')) {
		sign = 1;
	} else if (lit(s, &i, '-')) {
		sign = -1;
	} else {
		goto bad;
	}
	if (sign) {
		if (!digits(s, &i, 2, &oh))
			goto bad;
		lit(s, &i, ':');
		if (!digits(s, &i, 2, &om) || oh > 23 || om > 59)
			goto bad;
	}
	if (i != s.len)
		goto bad;
	if (c.sec == 60)
		c.sec = 59;
	if (cs_time_from_civil_utc(&c, &t) != CS_OK)
		goto bad;
	t -= (cs_time)sign * (oh * 3600 + om * 60) * CS_US;
	*out = t;
	return CS_OK;
bad:
	cs_errbuf_set(eb,
	    "not an RFC 3339 time (expected e.g. "
	    "2026-11-05T12:00:00Z)");
	return CS_EPARSE;
}

static char *
put_digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* cs_time_format - by hand: it runs for every record written as JSON */
void
cs_time_format(cs_time t, char out[static 40])
{
	struct cs_civil c;
	char *p = out;

	cs_civil_from_time(t, &c);
	if (c.year < 0 || c.year > 9999) {
		snprintf(out, 40, "out-of-range");
		return;
	}
	p = put_digits(p, c.year, 4);
	*p++ = '-';
	p = put_digits(p, c.mon, 2);
	*p++ = '-';
	p = put_digits(p, c.day, 2);
	*p++ = 'T';
	p = put_digits(p, c.hour, 2);
	*p++ = ':';
	p = put_digits(p, c.min, 2);
	*p++ = ':';
	p = put_digits(p, c.sec, 2);
	if (c.usec) {
		*p++ = '.';
		p = put_digits(p, c.usec, 6);
	}
	*p++ = 'Z';
	*p = '\0';
}

cs_time
cs_time_now(void)
{
	const char *env = getenv("CUSTOS_NOW");
	struct timespec ts;
	cs_time t;

	if (env && *env &&
	    cs_time_parse_rfc3339(cs_span_cstr(env), &t, NULL) == CS_OK)
		return t;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (cs_time)ts.tv_sec * CS_US + ts.tv_nsec / 1000;
}

enum cs_err
cs_tz_init(struct cs_tz *tz, const char *name, struct cs_errbuf *eb)
{
	char path[128];
	FILE *f;

	memset(tz, 0, sizeof(*tz));
	tz->cache_key = INT64_MIN;
	if (name == NULL || *name == '\0') {
		name = getenv("TZ");
		if (name && *name == ':')
			name++;
		if (name && strcmp(name, "/etc/localtime") == 0)
			name = NULL; /* the system zone, spelled as a path */
		if (name && (name[0] == '/' || strstr(name, ".."))) {
			cs_errbuf_set(eb,
			    "the TZ environment variable ('%s') is "
			    "not an IANA zone name: pass --tz ZONE (e.g. "
			    "America/New_York)",
			    name);
			return CS_EINVAL;
		}
	}
	if (name == NULL || *name == '\0') {
		/* the system zone: glibc reads /etc/localtime with TZ unset */
		tz->name[0] = '\0';
		tz->utc = 0;
		return CS_OK;
	}
	if (strlen(name) >= sizeof(tz->name)) {
		cs_errbuf_set(eb, "zone name too long");
		return CS_EINVAL;
	}
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
	    strcmp(name, "GMT") == 0 || strcmp(name, "Z") == 0) {
		snprintf(tz->name, sizeof(tz->name), "UTC");
		tz->utc = 1;
		return CS_OK;
	}
	if (strstr(name, "..") || name[0] == '/') {
		cs_errbuf_set(eb, "zone '%s' is not an IANA zone name", name);
		return CS_EINVAL;
	}
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		cs_errbuf_set(eb,
		    "unknown time zone '%s' (expected an IANA "
		    "name such as America/New_York or UTC)",
		    name);
		return CS_ENOENT;
	}
	fclose(f);
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	return CS_OK;
}

/* local_offset - seconds to add to a local civil time to get UTC */
static int64_t
local_offset(struct cs_tz *tz, const struct cs_civil *c)
{
	const char *old = getenv("TZ");
	char saved[128] = "";
	int had = old != NULL;
	struct tm tm = {0};
	time_t t;

	if (had)
		snprintf(saved, sizeof(saved), "%s", old);
	if (tz->name[0])
		setenv("TZ", tz->name, 1);
	else
		unsetenv("TZ");
	tzset();
	tm.tm_year = c->year - 1900;
	tm.tm_mon = c->mon - 1;
	tm.tm_mday = c->day;
	tm.tm_hour = c->hour;
	tm.tm_min = c->min;
	tm.tm_sec = c->sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	return (int64_t)t -
	    (cs_days_from_civil(c->year, c->mon, c->day) * 86400 +
		c->hour * 3600 + c->min * 60 + c->sec);
}

enum cs_err
cs_tz_to_utc(struct cs_tz *tz, const struct cs_civil *c, cs_time *out)
{
	struct cs_civil hc;
	cs_time t;
	int64_t key;

	if (cs_time_from_civil_utc(c, &t) != CS_OK)
		return CS_EPARSE;
	if (tz->utc) {
		*out = t;
		return CS_OK;
	}
	key = t / (3600 * CS_US);
	if (key != tz->cache_key) {
		hc = *c;
		tz->cache_off = local_offset(tz, &hc);
		tz->cache_key = key;
	}
	*out = t + tz->cache_off * CS_US;
	return CS_OK;
}

enum cs_err
cs_tz_abbr_offset(struct cs_span abbr, int *off)
{
	static const struct {
		const char *name;
		int off;
	} tab[] = {
	    {"UTC", 0},
	    {"GMT", 0},
	    {"UT", 0},
	    {"Z", 0},
	    {"EST", -5 * 3600},
	    {"EDT", -4 * 3600},
	    {"CST", -6 * 3600},
	    {"CDT", -5 * 3600},
	    {"MST", -7 * 3600},
	    {"MDT", -6 * 3600},
	    {"PST", -8 * 3600},
	    {"PDT", -7 * 3600},
	    {"AKST", -9 * 3600},
	    {"AKDT", -8 * 3600},
	    {"HST", -10 * 3600},
	    {"AST", -4 * 3600},
	    {"ADT", -3 * 3600},
	    {"NST", -12600},
	    {"NDT", -9000},
	    {"WET", 0},
	    {"WEST", 3600},
	    {"BST", 3600},
	    {"IST", 3600},
	    {"CET", 3600},
	    {"CEST", 7200},
	    {"EET", 7200},
	    {"EEST", 10800},
	    {"MSK", 10800},
	    {"JST", 9 * 3600},
	    {"KST", 9 * 3600},
	    {"AEST", 10 * 3600},
	    {"AEDT", 11 * 3600},
	    {"NZST", 12 * 3600},
	    {"NZDT", 13 * 3600},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (cs_span_eq(abbr, tab[i].name)) {
			*off = tab[i].off;
			return CS_OK;
		}
	}
	return CS_ENOENT;
}

int
cs_year_guess(int mon, int day, cs_time ref)
{
	struct cs_civil rc;
	int64_t d, r;

	cs_civil_from_time(ref, &rc);
	r = cs_days_from_civil(rc.year, rc.mon, rc.day);
	d = cs_days_from_civil(rc.year, mon, day);
	return d > r + 1 ? rc.year - 1 : rc.year;
}
