/*
 * fuzz_postfix - libFuzzer target: Postfix log lines (every header form)
 * through the syslog format into the queue-id correlator.  The shared
 * driver checks the observation invariants; a second pass checks the
 * SMTP envelope ones: a "smtp|" key, bounded evidence, readable spans,
 * and a pending offset that never points past the current line.
 */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
touch(struct cs_span s)
{
	if (s.len && memchr(s.p, 0, s.len) == (void *)1)
		abort();
}

static void
pf_obs(void *arg, const struct cs_obs *o)
{
	const struct cs_smtp *m = o->smtp;
	int i;

	(void)arg;
	if (o->kind != CS_OBS_SMTP || m == NULL || o->src != CS_SRC_POSTFIX)
		abort();
	if (!cs_span_starts(o->key, "smtp|") || o->raw.len > CS_MAX_RECORD)
		abort();
	if (m->nrcpt < 0 || m->nrcpt > CS_SMTP_MAXRCPT || m->first > m->last)
		abort();
	if (o->naddr != (m->client_ip.family ? 1 : 0))
		abort();
	touch(o->key);
	touch(o->raw);
	touch(o->nas_key);
	touch(m->queue_id);
	touch(m->service);
	touch(m->client_host);
	touch(m->sasl_method);
	touch(m->sasl_username);
	touch(m->message_id);
	touch(m->from);
	touch(m->helo);
	for (i = 0; i < m->nrcpt; i++) {
		touch(m->rcpt[i].to);
		touch(m->rcpt[i].orig_to);
		touch(m->rcpt[i].relay);
		touch(m->rcpt[i].dsn);
		if (m->rcpt[i].status.len == 0)
			abort();
		touch(m->rcpt[i].status);
	}
}

static void
pf_reject(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	(void)raw;
	if (field == NULL || reason == NULL || reason[0] == '\0')
		abort();
}

static void
pf_skip(void *arg, const char *what)
{
	(void)arg;
	(void)what;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_sink sink = {NULL, pf_obs, pf_reject, pf_skip};
	struct cs_fmt_opts o;
	struct cs_tz tz;
	struct cs_span s = cs_span_make((const char *)data, size);
	uint64_t lineno = 0, off = 0, p;
	void *st;

	fd_run(&cs_fmt_syslog, data, size);

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.year = 2026;
	st = cs_fmt_syslog.open(&o, &sink);
	while (s.len) {
		const char *nl = memchr(s.p, '\n', s.len);
		size_t n = nl ? (size_t)(nl - s.p) : s.len;
		cs_fmt_syslog.line(st, cs_span_make(s.p, n), ++lineno, off);
		p = cs_fmt_syslog.pending_offset(st);
		if (p != UINT64_MAX && p > off)
			abort();
		off += n + (nl ? 1 : 0);
		s = cs_span_skip(s, n + (nl ? 1 : 0));
	}
	cs_fmt_syslog.flush(st, 0);
	cs_fmt_syslog.flush(st, 1);
	if (cs_fmt_syslog.pending_offset(st) != UINT64_MAX)
		abort();
	cs_fmt_syslog.close(st);
	return 0;
}
