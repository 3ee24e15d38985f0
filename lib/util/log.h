/*
 * log - diagnostics for people running custos (never the audit trail).
 *
 * One line per event: "custos: role: message[: strerror]" on stderr.
 * cs_log_warn appends strerror(errno); cs_log_warnx does not.  cs_fatal and
 * cs_fatalx exit(1) and may be called only from src/ (never lib/).
 * Target identifiers and intercepted content never go through here.
 */
#ifndef CS_LOG_H
#define CS_LOG_H

#include "util/err.h"

extern int cs_log_verbose;

void cs_log_init(const char *role);
void cs_log_warn(const char *fmt, ...) CS_PRINTF(1, 2);
void cs_log_warnx(const char *fmt, ...) CS_PRINTF(1, 2);
void cs_log_info(const char *fmt, ...) CS_PRINTF(1, 2);
void cs_log_debugx(const char *fmt, ...) CS_PRINTF(1, 2);
#define cs_log_debug(...)                           \
	do {                                        \
		if (cs_log_verbose > 1)             \
			cs_log_debugx(__VA_ARGS__); \
	} while (0)
_Noreturn void cs_fatal(const char *fmt, ...) CS_PRINTF(1, 2);
_Noreturn void cs_fatalx(const char *fmt, ...) CS_PRINTF(1, 2);

#endif
