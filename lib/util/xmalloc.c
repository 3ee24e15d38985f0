/* xmalloc - allocation or exit */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

static _Noreturn void
oom(size_t n)
{
	fprintf(stderr, "custos: out of memory allocating %zu bytes\n", n);
	exit(1);
}

void *
cs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
cs_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
cs_xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *q;

	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	q = realloc(p, nmemb * size == 0 ? 1 : nmemb * size);
	if (q == NULL)
		oom(nmemb * size);
	return q;
}

char *
cs_xstrdup(const char *s)
{
	return cs_xstrndup(s, strlen(s));
}

char *
cs_xstrndup(const char *s, size_t n)
{
	char *p = cs_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
