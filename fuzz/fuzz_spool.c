/*
 * fuzz_spool - the spool's reading of its own files over arbitrary bytes.
 * The input is a segment file, optionally preceded by a writer.state text
 * ("custos-spool-state ..." up to a blank line).  First a reader reads the
 * segment as committed (errors allowed, no crash); then a writer opens the
 * spool (recovery: whole authentic records kept, the rest cut) and a
 * fresh reader must read every record that is left without an error.
 * Plain spools (no key): the tags are BLAKE2b, so damaged records fail.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "li/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void
put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void
rm(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void
clean(void)
{
	rm("seg-0000000000000001.spl");
	rm("seg-0000000000000002.spl");
	rm("writer.state");
	rm("reader.ack");
}

static void
at_exit(void)
{
	clean();
	rm("writer.lock");
	rm("reader.lock");
	rm("writer.state.tmp");
	rm("reader.ack.tmp");
	rmdir(dir);
}

/* read everything; the number of records, or -1 on an error */
static long
drain(struct li_spool_cfg *c)
{
	struct cs_errbuf eb;
	struct li_spool *r = li_spool_open(c, 0, &eb);
	const uint8_t *p;
	size_t n;
	long cnt = 0;
	enum cs_err e;

	if (r == NULL)
		return -1;
	while ((e = li_spool_next(r, &p, &n, &eb)) == CS_OK) {
		if (n == 0 || n > LI_SPOOL_MAX_PDU)
			abort();
		cnt++;
	}
	li_spool_close(r);
	return e == CS_ENOENT ? cnt : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct li_spool_cfg c = {dir, 0, 0, NULL};
	struct li_spool *w;
	struct cs_errbuf eb;
	const uint8_t *seg = data;
	size_t seglen = size;
	char st[96];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_spool.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(at_exit);
	}
	clean();
	if (size > 18 && memcmp(data, "custos-spool-state", 18) == 0) {
		const uint8_t *e = memmem(data, size, "\n\n", 2);

		if (e == NULL)
			return 0;
		put_file("writer.state", data, (size_t)(e - data) + 1);
		seg = e + 2;
		seglen = size - (size_t)(seg - data);
	} else {
		snprintf(st, sizeof(st), "custos-spool-state 1\ncommit 1 %zu\n",
		    seglen);
		put_file("writer.state", st, strlen(st));
	}
	put_file("seg-0000000000000001.spl", seg, seglen);
	(void)drain(&c);
	/* the writer's recovery leaves only whole authentic records */
	rm("writer.state");
	w = li_spool_open(&c, 1, &eb);
	if (w == NULL)
		return 0;
	li_spool_close(w);
	if (drain(&c) < 0)
		abort();
	return 0;
}
