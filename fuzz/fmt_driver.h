/*
 * fmt_driver.h - shared body of the format fuzz targets: feed the input as
 * lines to one format, check the invariants of every observation it
 * reports (a violated invariant aborts: that is a bug the fuzzer found).
 */
#ifndef CS_FMT_DRIVER_H
#define CS_FMT_DRIVER_H

#include <stdlib.h>
#include <string.h>

#include "fmt/fmt.h"

static void
fd_obs(void *arg, const struct cs_obs *o)
{
	char a[CS_ADDR_STRLEN], t[40];
	int i;

	(void)arg;
	if (o->kind < CS_OBS_OPEN || o->kind > CS_OBS_NAT)
		abort();
	if (o->naddr < 0 || o->naddr > CS_OBS_MAXADDR)
		abort();
	if (o->time == CS_TIME_NONE)
		abort();
	if ((o->kind == CS_OBS_OPEN || o->kind == CS_OBS_CLOSE ||
		o->kind == CS_OBS_RELEASED) &&
	    o->key.len == 0)
		abort();
	if (o->kind == CS_OBS_SMTP && o->smtp == NULL)
		abort();
	if (o->kind == CS_OBS_NAT && o->nat == NULL)
		abort();
	for (i = 0; i < o->naddr; i++) {
		if (o->addr[i].family != 4 && o->addr[i].family != 6)
			abort();
		cs_addr_format(&o->addr[i], a);
	}
	cs_time_format(o->time, t);
	/* touch every span so ASan sees out-of-bounds views */
	if (o->raw.len && memchr(o->raw.p, 0, o->raw.len) == (void *)1)
		abort();
	if (o->username.len &&
	    memchr(o->username.p, 0, o->username.len) == (void *)1)
		abort();
	if (o->smtp && o->smtp->nrcpt > CS_SMTP_MAXRCPT)
		abort();
}

static void
fd_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	if (field == NULL || reason == NULL)
		abort();
	if (raw.len && memchr(raw.p, 0, raw.len) == (void *)1)
		abort();
}

static void
fd_skip(void *arg, const char *what)
{
	(void)arg;
	if (what == NULL)
		abort();
}

static int
fd_run(const struct cs_fmt *f, const uint8_t *data, size_t size)
{
	struct cs_sink sink = {NULL, fd_obs, fd_reject, fd_skip};
	struct cs_fmt_opts o;
	struct cs_tz tz;
	struct cs_span s = cs_span_make((const char *)data, size), line;
	uint64_t lineno = 0, off = 0;
	void *st;

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.ref = 1795984111LL * CS_US;
	o.lease_time = 3600;
	st = f->open(&o, &sink);
	while (s.len) {
		const char *nl = memchr(s.p, '\n', s.len);
		size_t n = nl ? (size_t)(nl - s.p) : s.len;
		line = cs_span_make(s.p, n);
		f->line(st, line, ++lineno, off);
		if (f->pending_offset(st) != UINT64_MAX &&
		    f->pending_offset(st) > off + n + 1)
			abort();
		off += n + (nl ? 1 : 0);
		s = cs_span_skip(s, n + (nl ? 1 : 0));
	}
	f->flush(st, 0);
	f->flush(st, 1);
	f->close(st);
	return 0;
}

#endif
