/*
 * xmalloc - allocation that cannot return NULL: on failure the process
 * exits (Postfix/OpenBSD policy).  Sizes that depend on input are bounded
 * by the caller before they get here.
 */
#ifndef CS_XMALLOC_H
#define CS_XMALLOC_H

#include <stddef.h>

void *cs_xmalloc(size_t n);
void *cs_xcalloc(size_t nmemb, size_t size);
void *cs_xreallocarray(void *p, size_t nmemb, size_t size);
char *cs_xstrdup(const char *s);
char *cs_xstrndup(const char *s, size_t n);

#endif
