/*
 * t.h - the tiny in-tree unit test harness.  A test file defines test
 * functions and a main() that calls T_RUN(fn) for each; the process exits
 * non-zero if any check failed.  Output: one "ok"/"not ok" line per test.
 */
#ifndef CS_T_H
#define CS_T_H

#include <stdio.h>
#include <string.h>

static int t_cur_failed, t_total, t_bad;

#define T_CHECK(c)                                                     \
	do {                                                           \
		if (!(c)) {                                            \
			fprintf(stderr, "  %s:%d: check failed: %s\n", \
			    __FILE__, __LINE__, #c);                   \
			t_cur_failed++;                                \
		}                                                      \
	} while (0)
#define T_EQ_INT(a, b)                                                      \
	do {                                                                \
		long long t_a = (long long)(a), t_b = (long long)(b);       \
		if (t_a != t_b) {                                           \
			fprintf(stderr, "  %s:%d: %s == %lld, want %lld\n", \
			    __FILE__, __LINE__, #a, t_a, t_b);              \
			t_cur_failed++;                                     \
		}                                                           \
	} while (0)
#define T_EQ_STR(a, b)                                                        \
	do {                                                                  \
		const char *t_a = (a), *t_b = (b);                            \
		if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {    \
			fprintf(stderr,                                       \
			    "  %s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, \
			    __LINE__, #a, t_a ? t_a : "(null)",               \
			    t_b ? t_b : "(null)");                            \
			t_cur_failed++;                                       \
		}                                                             \
	} while (0)
#define T_EQ_SPAN(sp, lit)                                            \
	do {                                                          \
		struct cs_span t_s = (sp);                            \
		const char *t_l = (lit);                              \
		if (t_s.len != strlen(t_l) ||                         \
		    (t_s.len && memcmp(t_s.p, t_l, t_s.len) != 0)) {  \
			fprintf(stderr,                               \
			    "  %s:%d: %s == \"%.*s\", want \"%s\"\n", \
			    __FILE__, __LINE__, #sp, (int)t_s.len,    \
			    t_s.p ? t_s.p : "", t_l);                 \
			t_cur_failed++;                               \
		}                                                     \
	} while (0)

#define T_RUN(fn)                                   \
	do {                                        \
		t_cur_failed = 0;                   \
		fn();                               \
		t_total++;                          \
		if (t_cur_failed) {                 \
			t_bad++;                    \
			printf("not ok %s\n", #fn); \
		} else {                            \
			printf("ok %s\n", #fn);     \
		}                                   \
	} while (0)
#define T_DONE() (t_bad ? 1 : 0)

#endif
