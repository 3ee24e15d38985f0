/* log - diagnostics on stderr, formatted on the stack (never allocates) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int cs_log_verbose = 1;
static const char *log_role = "custos";

void
cs_log_init(const char *role)
{
	log_role = role;
}

static void
vlog(const char *level, const char *fmt, va_list ap, int saved_errno)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "custos: %s: %s", log_role, level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (saved_errno) {
		size_t len = strlen(line);
		snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(saved_errno));
	}
	fprintf(stderr, "%s\n", line);
}

void
cs_log_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, e);
	va_end(ap);
}

void
cs_log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}

void
cs_log_info(const char *fmt, ...)
{
	va_list ap;

	if (cs_log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}

void
cs_log_debugx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("debug: ", fmt, ap, 0);
	va_end(ap);
}

void
cs_fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
cs_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
	exit(1);
}
