/*
 * out - custos-gen's random numbers, buffered writers and time formats.
 *
 * Formatting is done by hand into a 1 MiB buffer per file rather than
 * with stdio's printf family: the generator has to write well over a
 * million records a second, and every record here is a handful of fixed
 * fields.  Local times come from glibc (localtime_r with TZ set), cached
 * per quarter hour since every zone changes offset on a quarter hour.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "util/time.h"

/* ---- random numbers ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dULL ^ (stream + 0x51ed27a3ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* multiply-shift: bias below 2^-32 for the ranges used here */
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

int
rng_chance(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

int64_t
rng_logu(struct rng *r, int64_t lo, int64_t hi)
{
	double u, v;

	if (lo < 1)
		lo = 1;
	if (hi <= lo)
		return lo;
	u = (double)(rng_next(r) >> 11) / 9007199254740992.0;
	v = (double)lo * exp(u * log((double)hi / (double)lo));
	if (v < (double)lo)
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* ---- buffered output ---- */

int
out_open(struct out *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (snprintf(o->path, sizeof(o->path), "%s", path) >=
	    (int)sizeof(o->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	o->buf = malloc(OUT_CAP);
	if (o->buf == NULL)
		return -1;
	o->f = fopen(path, "w");
	if (o->f == NULL) {
		free(o->buf);
		o->buf = NULL;
		return -1;
	}
	/* our own buffer does the batching; stdio passes it straight on */
	setvbuf(o->f, NULL, _IONBF, 0);
	return 0;
}

void
out_drain(struct out *o)
{
	if (o->len == 0 || o->f == NULL)
		return;
	if (fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = 1;
	o->bytes += o->len;
	o->len = 0;
}

int
out_close(struct out *o)
{
	int rc = 0;

	if (o->f == NULL)
		return 0;
	out_drain(o);
	if (fclose(o->f) != 0)
		o->err = 1;
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (o->err)
		rc = -1;
	return rc;
}

void
out_u64(struct out *o, uint64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char tmp[20], *p = tmp + sizeof(tmp);

	while (v >= 100) {
		p -= 2;
		memcpy(p, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	out_mem(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
out_pad(struct out *o, unsigned v, int width, char padc)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < (int)sizeof(tmp));
	while (n < width && n < (int)sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = padc;
	out_mem(o, tmp + sizeof(tmp) - n, (size_t)n);
}

void
out_hex(struct out *o, uint64_t v, int width, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = dig[v & 15];
		v >>= 4;
	} while (v != 0);
	while (n < width && n < (int)sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = '0';
	out_mem(o, tmp + sizeof(tmp) - n, (size_t)n);
}

void
out_ip4(struct out *o, uint32_t ip)
{
	out_u64(o, ip >> 24);
	out_c(o, '.');
	out_u64(o, (ip >> 16) & 255);
	out_c(o, '.');
	out_u64(o, (ip >> 8) & 255);
	out_c(o, '.');
	out_u64(o, ip & 255);
}

void
out_mac(struct out *o, const uint8_t mac[static 6], char sep)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (i > 0)
			out_c(o, sep);
		out_hex(o, mac[i], 2, 0);
	}
}

void
out_mac_isc(struct out *o, const uint8_t mac[static 6])
{
	int i;

	for (i = 0; i < 6; i++) {
		if (i > 0)
			out_c(o, ':');
		out_hex(o, mac[i], 0, 0);
	}
}

void
out_quoted(struct out *o, const char *s)
{
	out_c(o, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			out_c(o, '\\');
		out_c(o, *s);
	}
	out_c(o, '"');
}

void
out_csv(struct out *o, const char *s)
{
	if (strpbrk(s, "\",\r\n") == NULL) {
		out_str(o, s);
		return;
	}
	out_c(o, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			out_c(o, '"');
		out_c(o, *s);
	}
	out_c(o, '"');
}

/* ---- time ---- */

const char *const month_abbr[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char *const wday_abbr[7] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static struct {
	int utc;
	int64_t key; /* t / 900 of the cached entry, INT64_MIN = none */
	long off;
	char abbr[16];
} tzc = {1, INT64_MIN, 0, "UTC"};

int
tz_setup(const char *zone)
{
	char path[512];
	const char *dir;

	if (zone[0] == '\0' || strcmp(zone, "UTC") == 0) {
		setenv("TZ", "UTC", 1);
		tzset();
		tzc.utc = 1;
		return 0;
	}
	if (zone[0] == '/' || strstr(zone, "..") != NULL)
		return -1;
	dir = getenv("TZDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	if (snprintf(path, sizeof(path), "%s/%s", dir, zone) >=
		(int)sizeof(path) ||
	    access(path, R_OK) != 0)
		return -1;
	setenv("TZ", zone, 1);
	tzset();
	tzc.utc = 0;
	tzc.key = INT64_MIN;
	return 0;
}

static void
split(int64_t local, struct ltime *lt)
{
	struct cs_civil c;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	cs_civil_from_time(local * US, &c);
	lt->year = c.year;
	lt->mon = c.mon;
	lt->day = c.day;
	lt->hour = c.hour;
	lt->min = c.min;
	lt->sec = c.sec;
	lt->wday = (int)(((days + 4) % 7 + 7) % 7);
}

void
tz_utc(int64_t t, struct ltime *lt)
{
	lt->t = t;
	lt->off = 0;
	lt->abbr = "UTC";
	split(t, lt);
}

void
tz_local(int64_t t, struct ltime *lt)
{
	int64_t key = t >= 0 ? t / 900 : (t - 899) / 900;
	struct tm tm;
	time_t tt;

	if (tzc.utc) {
		tz_utc(t, lt);
		return;
	}
	if (key != tzc.key) {
		tt = (time_t)(key * 900);
		if (localtime_r(&tt, &tm) == NULL) {
			tzc.off = 0;
			snprintf(tzc.abbr, sizeof(tzc.abbr), "UTC");
		} else {
			tzc.off = tm.tm_gmtoff;
			snprintf(tzc.abbr, sizeof(tzc.abbr), "%s",
			    tm.tm_zone != NULL ? tm.tm_zone : "UTC");
		}
		tzc.key = key;
	}
	lt->t = t;
	lt->off = tzc.off;
	lt->abbr = tzc.abbr;
	split(t + tzc.off, lt);
}

int64_t
tz_midnight(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
out_hms(struct out *o, const struct ltime *lt)
{
	char *p = out_room(o, 8);

	p[0] = (char)('0' + lt->hour / 10);
	p[1] = (char)('0' + lt->hour % 10);
	p[2] = ':';
	p[3] = (char)('0' + lt->min / 10);
	p[4] = (char)('0' + lt->min % 10);
	p[5] = ':';
	p[6] = (char)('0' + lt->sec / 10);
	p[7] = (char)('0' + lt->sec % 10);
	o->len += 8;
}

void
out_ctime(struct out *o, const struct ltime *lt)
{
	out_str(o, wday_abbr[lt->wday]);
	out_c(o, ' ');
	out_str(o, month_abbr[lt->mon - 1]);
	out_c(o, ' ');
	out_pad(o, (unsigned)lt->day, 2, ' ');
	out_c(o, ' ');
	out_hms(o, lt);
	out_c(o, ' ');
	out_u64(o, (uint64_t)lt->year);
}

void
out_evts(struct out *o, const struct ltime *lt)
{
	out_str(o, month_abbr[lt->mon - 1]);
	out_c(o, ' ');
	out_pad(o, (unsigned)lt->day, 2, ' ');
	out_c(o, ' ');
	out_u64(o, (uint64_t)lt->year);
	out_c(o, ' ');
	out_hms(o, lt);
	out_c(o, ' ');
	out_str(o, lt->abbr);
}

void
out_bsd(struct out *o, const struct ltime *lt)
{
	out_str(o, month_abbr[lt->mon - 1]);
	out_c(o, ' ');
	out_pad(o, (unsigned)lt->day, 2, ' ');
	out_c(o, ' ');
	out_hms(o, lt);
}

static void
out_date(struct out *o, const struct ltime *lt)
{
	out_pad(o, (unsigned)lt->year, 4, '0');
	out_c(o, '-');
	out_pad(o, (unsigned)lt->mon, 2, '0');
	out_c(o, '-');
	out_pad(o, (unsigned)lt->day, 2, '0');
	out_c(o, 'T');
	out_hms(o, lt);
}

void
out_3339(struct out *o, const struct ltime *lt, int usec)
{
	long off = lt->off;

	out_date(o, lt);
	out_c(o, '.');
	out_pad(o, (unsigned)usec, 6, '0');
	out_c(o, off < 0 ? '-' : '+');
	if (off < 0)
		off = -off;
	out_pad(o, (unsigned)(off / 3600), 2, '0');
	out_c(o, ':');
	out_pad(o, (unsigned)(off / 60 % 60), 2, '0');
}

void
out_utc(struct out *o, int64_t t_us)
{
	struct ltime lt;
	int64_t s = t_us >= 0 ? t_us / US : (t_us - (US - 1)) / US;
	int usec = (int)(t_us - s * US);

	tz_utc(s, &lt);
	out_date(o, &lt);
	if (usec != 0) {
		out_c(o, '.');
		out_pad(o, (unsigned)usec, 6, '0');
	}
	out_c(o, 'Z');
}

/* ---- into char arrays (callers size them) ---- */

char *
cput_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	*p = '\0';
	return p;
}

char *
cput_u(char *p, uint64_t v, int width)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

char *
cput_hex(char *p, uint64_t v, int width)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v != 0);
	while (n < width && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

void
fmt_ip4(char buf[static 16], uint32_t ip)
{
	char *p = buf;

	p = cput_u(p, ip >> 24, 0);
	*p++ = '.';
	p = cput_u(p, (ip >> 16) & 255, 0);
	*p++ = '.';
	p = cput_u(p, (ip >> 8) & 255, 0);
	*p++ = '.';
	cput_u(p, ip & 255, 0);
}

void
fmt_mac(char buf[static 18], const uint8_t mac[static 6])
{
	char *p = buf;
	int i;

	for (i = 0; i < 6; i++) {
		if (i > 0)
			*p++ = ':';
		p = cput_hex(p, mac[i], 2);
	}
}

void
fmt_uniq(char buf[static 33], const uint64_t u[static 2])
{
	cput_hex(cput_hex(buf, u[0], 16), u[1], 16);
}
