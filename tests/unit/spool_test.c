/*
 * spool_test - the intercept spool: put/sync/read/ack, bound and alarm,
 * sequence numbers across reopen and kill -9, torn tails, a concurrent
 * writer and reader process, sealing (no plaintext on disk).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "li/spool.h"
#include "t.h"

static char root[PATH_MAX];
static int ndirs;
static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

/* a fresh spool directory under root */
static const char *
newdir(char out[PATH_MAX])
{
	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "%s/spool_test.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(root) == NULL)
			abort();
	}
	snprintf(out, PATH_MAX, "%.*s/s%d", PATH_MAX - 16, root, ndirs++);
	return out;
}

/* record i: "PDU <i> " then a pattern up to len bytes */
static size_t
mkpdu(uint8_t *p, unsigned i, size_t len)
{
	size_t k, n = (size_t)snprintf((char *)p, 32, "PDU %u ", i);

	for (k = n; k < len; k++)
		p[k] = (uint8_t)('a' + (i + k) % 26);
	return len > n ? len : n;
}

static size_t
pdulen(unsigned i)
{
	return 40 + (i * 37) % 1500;
}

static int
pdu_is(const uint8_t *p, size_t n, unsigned i)
{
	uint8_t want[2048];
	size_t wn = mkpdu(want, i, pdulen(i));

	return n == wn && memcmp(p, want, n) == 0;
}

static struct li_spool *
open_w(const char *dir, uint64_t max, const unsigned char *k)
{
	struct li_spool_cfg c = {dir, max, 50, k};
	struct cs_errbuf eb = {{0}};
	struct li_spool *sp = li_spool_open(&c, 1, &eb);

	if (sp == NULL)
		fprintf(stderr, "  open writer: %s\n", eb.msg);
	return sp;
}

static struct li_spool *
open_r(const char *dir, const unsigned char *k)
{
	struct li_spool_cfg c = {dir, 0, 0, k};
	struct cs_errbuf eb = {{0}};
	struct li_spool *sp = li_spool_open(&c, 0, &eb);

	if (sp == NULL)
		fprintf(stderr, "  open reader: %s\n", eb.msg);
	return sp;
}

static enum cs_err
put_i(struct li_spool *w, unsigned i)
{
	uint8_t p[2048];
	struct cs_errbuf eb;

	return li_spool_put(w, p, mkpdu(p, i, pdulen(i)), &eb);
}

/* read every committed record; check they are from..to-1 in order */
static unsigned
read_all(struct li_spool *r, unsigned from)
{
	const uint8_t *p;
	size_t n;
	struct cs_errbuf eb;
	unsigned i = from;
	enum cs_err e;

	while ((e = li_spool_next(r, &p, &n, &eb)) == CS_OK) {
		if (!pdu_is(p, n, i)) {
			fprintf(stderr, "  record %u out of order\n", i);
			return (unsigned)-1;
		}
		i++;
	}
	if (e != CS_ENOENT) {
		fprintf(stderr, "  read: %s\n", eb.msg);
		return (unsigned)-1;
	}
	return i - from;
}

static void
test_put_read_ack(void)
{
	char d[PATH_MAX];
	struct li_spool *w, *r;
	struct cs_errbuf eb;
	unsigned i;

	newdir(d);
	w = open_w(d, 0, key);
	r = open_r(d, key);
	T_CHECK(w && r);
	if (!w || !r)
		return;
	for (i = 0; i < 300; i++)
		T_EQ_INT(put_i(w, i), CS_OK);
	/* nothing is visible before the sync */
	T_EQ_INT(read_all(r, 0), 0);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	T_EQ_INT(read_all(r, 0), 300);
	/* a reader that goes away before acking resends everything */
	li_spool_close(r);
	r = open_r(d, key);
	T_EQ_INT(read_all(r, 0), 300);
	T_EQ_INT(li_spool_ack(r, li_spool_tell(r), &eb), CS_OK);
	li_spool_close(r);
	r = open_r(d, key);
	T_EQ_INT(read_all(r, 300), 0);
	/* more after the ack; rewind goes back to the ack, not the start */
	for (i = 300; i < 310; i++)
		T_EQ_INT(put_i(w, i), CS_OK);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	T_EQ_INT(read_all(r, 300), 10);
	li_spool_rewind(r);
	T_EQ_INT(read_all(r, 300), 10);
	/* a second writer or reader is refused */
	{
		struct li_spool_cfg c = {d, 0, 0, key};

		T_CHECK(li_spool_open(&c, 1, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "another writer") != NULL);
		T_CHECK(li_spool_open(&c, 0, &eb) == NULL);
	}
	/* a reader is not a writer and vice versa */
	T_EQ_INT(put_i(r, 1), CS_EINVAL);
	li_spool_close(r);
	li_spool_close(w);
}

static void
test_bound_alarm(void)
{
	char d[PATH_MAX];
	struct li_spool *w, *r;
	struct cs_errbuf eb;
	struct li_spool_stats st;
	unsigned i, n;
	uint64_t used;
	uint32_t s;

	newdir(d);
	w = open_w(d, 200000, key); /* segments of 12500 bytes */
	r = open_r(d, key);
	T_CHECK(w && r);
	if (!w || !r)
		return;
	T_EQ_INT(li_spool_alarm(w), 0);
	for (i = 0;; i++) {
		int was = li_spool_alarm(w);

		s = li_spool_seq(w, "L1", 1);
		T_EQ_INT(s, i);
		if (put_i(w, i) != CS_OK)
			break;
		/* the alarm comes at 50% of the bound */
		if (!was && li_spool_alarm(w))
			T_CHECK(li_spool_used(w) >= 100000 &&
			    li_spool_used(w) < 104000);
		T_CHECK(i < 100000);
	}
	n = i;
	T_CHECK(n > 100);
	T_CHECK(li_spool_alarm(w));
	used = li_spool_used(w);
	T_CHECK(used <= 200000 && used > 200000 - 1600);
	/* refused: nothing written, the reservation given back */
	T_EQ_INT(put_i(w, n), CS_ETOOBIG);
	li_spool_stats(w, &st);
	T_EQ_INT(st.used, used);
	T_EQ_INT(st.refused, 2);
	T_EQ_INT(li_spool_seq(w, "L1", 1), n);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	/* the reader drains and acks: whole segments go, room comes back */
	T_EQ_INT(read_all(r, 0), n);
	T_EQ_INT(li_spool_ack(r, li_spool_tell(r), &eb), CS_OK);
	T_CHECK(li_spool_used(r) < 13000);
	T_EQ_INT(put_i(w, n), CS_OK);
	T_CHECK(li_spool_used(w) < 15000);
	T_EQ_INT(li_spool_alarm(w), 0);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	T_EQ_INT(read_all(r, n), 1);
	li_spool_close(r);
	li_spool_close(w);
}

static void
test_seq_persist(void)
{
	char d[PATH_MAX];
	struct li_spool *w;
	struct cs_errbuf eb;
	unsigned i;

	newdir(d);
	w = open_w(d, 0, key);
	if (!w)
		return;
	T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 0);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 1);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 2), 0);
	T_EQ_INT(li_spool_seq(w, "LIID-B", 1), 0);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 2);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	li_spool_close(w);
	w = open_w(d, 0, key);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 3);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 2), 1);
	T_EQ_INT(li_spool_seq(w, "LIID-B", 1), 1);
	T_EQ_INT(li_spool_seq(w, "LIID-C", 7), 0);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	/* put but never synced (a crash): the records carry the seqs */
	for (i = 0; i < 20; i++) {
		T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 4 + i);
		T_EQ_INT(put_i(w, i), CS_OK);
	}
	li_spool_close(w);
	w = open_w(d, 0, key);
	T_EQ_INT(li_spool_seq(w, "LIID-A", 1), 24);
	T_EQ_INT(li_spool_seq(w, "LIID-C", 7), 1);
	/* many streams: a state file of many KiB; the reader still finds
	 * the committed end, every counter comes back */
	{
		struct li_spool *r;
		char liid[32];
		struct li_spool_stats st;

		for (i = 0; i < 3000; i++) {
			snprintf(liid, sizeof(liid), "MANY-%u", i);
			li_spool_seq(w, liid, i);
			li_spool_seq(w, liid, i);
		}
		T_EQ_INT(put_i(w, 20), CS_OK);
		T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
		li_spool_close(w);
		w = open_w(d, 0, key);
		li_spool_stats(w, &st);
		T_EQ_INT(st.streams, 3004);
		for (i = 0; i < 3000; i += 7) {
			snprintf(liid, sizeof(liid), "MANY-%u", i);
			T_EQ_INT(li_spool_seq(w, liid, i), 2);
		}
		r = open_r(d, key);
		T_EQ_INT(read_all(r, 0), 21);
		li_spool_close(r);
	}
	li_spool_close(w);
}

static uint64_t
seg_size(const char *d, int last)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	char best[256] = "";
	char p[PATH_MAX + 300];
	struct stat st;

	if (!dd)
		return 0;
	while ((de = readdir(dd)) != NULL)
		if (strncmp(de->d_name, "seg-", 4) == 0 &&
		    (best[0] == '\0' ||
			(strcmp(de->d_name, best) > 0) == (last != 0)))
			snprintf(best, sizeof(best), "%s", de->d_name);
	closedir(dd);
	snprintf(p, sizeof(p), "%s/%s", d, best);
	return best[0] && stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void
cut_last(const char *d, uint64_t newsize)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	char best[256] = "", p[PATH_MAX + 300];

	while (dd && (de = readdir(dd)) != NULL)
		if (strncmp(de->d_name, "seg-", 4) == 0 &&
		    strcmp(de->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	if (dd)
		closedir(dd);
	snprintf(p, sizeof(p), "%s/%s", d, best);
	if (truncate(p, (off_t)newsize) != 0)
		perror(p);
}

static void
test_torn_tail(void)
{
	char d[PATH_MAX];
	struct li_spool *w, *r;
	struct cs_errbuf eb;
	struct li_spool_stats st;
	uint64_t sz;
	unsigned i;

	newdir(d);
	w = open_w(d, 0, key);
	if (!w)
		return;
	for (i = 0; i < 10; i++) {
		li_spool_seq(w, "T", 1);
		T_EQ_INT(put_i(w, i), CS_OK);
	}
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	/* two more whole records and one torn, never synced */
	for (i = 10; i < 13; i++) {
		li_spool_seq(w, "T", 1);
		T_EQ_INT(put_i(w, i), CS_OK);
	}
	li_spool_close(w);
	sz = seg_size(d, 1);
	cut_last(d, sz - 30);
	w = open_w(d, 0, key);
	T_CHECK(w != NULL);
	if (!w)
		return;
	li_spool_stats(w, &st);
	T_EQ_INT(st.recovered, 2);
	T_EQ_INT(st.torn_bytes, 56 + pdulen(12) + 16 - 30);
	/* seq 12 was reserved for the torn record, never sent: reused */
	T_EQ_INT(li_spool_seq(w, "T", 1), 12);
	T_EQ_INT(put_i(w, 12), CS_OK);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	r = open_r(d, key);
	T_EQ_INT(read_all(r, 0), 13);
	li_spool_close(r);
	/* garbage appended past the committed end is cut too */
	li_spool_close(w);
	{
		char p[PATH_MAX + 300];
		FILE *f;
		DIR *dd = opendir(d);
		struct dirent *de;

		while (dd && (de = readdir(dd)) != NULL)
			if (strncmp(de->d_name, "seg-", 4) == 0)
				snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		if (dd)
			closedir(dd);
		f = fopen(p, "a");
		if (f) {
			fputs("CSR1 garbage garbage garbage garbage garbage "
			      "garbage garbage garbage",
			    f);
			fclose(f);
		}
	}
	w = open_w(d, 0, key);
	li_spool_stats(w, &st);
	T_EQ_INT(st.recovered, 0);
	T_CHECK(st.torn_bytes > 40);
	li_spool_close(w);
	r = open_r(d, key);
	T_EQ_INT(read_all(r, 0), 13);
	li_spool_close(r);
}

/* every file in d: does any contain needle? */
static int
dir_contains(const char *d, const char *needle)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int found = 0;

	while (dd && (de = readdir(dd)) != NULL) {
		char p[PATH_MAX + 300];
		static char buf[1 << 20];
		FILE *f;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		if ((f = fopen(p, "rb")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (memmem(buf, n, needle, strlen(needle)))
			found = 1;
	}
	if (dd)
		closedir(dd);
	return found;
}

static void
test_sealed(void)
{
	char d1[PATH_MAX], d2[PATH_MAX];
	static const char pat[] = "KNOWN-PAYLOAD-PATTERN-0xC0FFEE";
	const char *liid = "LIID-SECRET-4711";
	struct li_spool *w, *r;
	struct cs_errbuf eb;
	const uint8_t *p;
	size_t n;
	int pass;

	newdir(d1);
	newdir(d2);
	for (pass = 0; pass < 2; pass++) {
		const char *d = pass ? d2 : d1;
		const unsigned char *k = pass ? NULL : key;
		int i;

		w = open_w(d, 0, k);
		if (!w)
			return;
		for (i = 0; i < 5; i++) {
			li_spool_seq(w, liid, 9);
			T_EQ_INT(
			    li_spool_put(w, pat, sizeof(pat) - 1, &eb), CS_OK);
		}
		T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
		li_spool_close(w);
		r = open_r(d, k);
		T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_OK);
		T_CHECK(n == sizeof(pat) - 1 && memcmp(p, pat, n) == 0);
		li_spool_close(r);
	}
	/* sealed: neither the content nor the LIID is on disk */
	T_EQ_INT(dir_contains(d1, pat), 0);
	T_EQ_INT(dir_contains(d1, liid), 0);
	/* plain (tests only): the content is, the LIID still is not */
	T_EQ_INT(dir_contains(d2, pat), 1);
	T_EQ_INT(dir_contains(d2, liid), 0);
	/* the wrong key, or none, or a key for a plain spool: refused at
	 * open, by the writer and the reader */
	{
		static const unsigned char k2[32] =
		    "another key, another key, ano";
		struct li_spool_cfg c = {d1, 0, 0, k2};
		char st[PATH_MAX + 32];
		FILE *f;

		T_CHECK(li_spool_open(&c, 0, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "another key") != NULL);
		T_CHECK(li_spool_open(&c, 1, &eb) == NULL);
		c.key = NULL;
		T_CHECK(li_spool_open(&c, 0, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "without its key") != NULL);
		c.dir = d2;
		c.key = key;
		T_CHECK(li_spool_open(&c, 1, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "plain") != NULL);
		/* a state without the key line (damaged): the records
		 * themselves refuse the wrong key, naming the place */
		snprintf(st, sizeof(st), "%s/writer.state", d1);
		f = fopen(st, "w");
		if (f) {
			fputs("custos-spool-state 1\ncommit 1 510\n", f);
			fclose(f);
		}
		c.dir = d1;
		c.key = k2;
		r = li_spool_open(&c, 0, &eb);
		T_CHECK(r != NULL);
		if (r) {
			T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_ECRYPTO);
			T_CHECK(strstr(eb.msg, "offset 0") != NULL);
			T_CHECK(strstr(eb.msg, liid) == NULL);
			li_spool_close(r);
		}
		r = open_r(d1, NULL);
		if (r) {
			T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_ECRYPTO);
			T_CHECK(strstr(eb.msg, "mismatch") != NULL);
			li_spool_close(r);
		}
		/* no state at all and the wrong key: the writer refuses
		 * rather than cutting every record as torn */
		unlink(st);
		T_CHECK(li_spool_open(&c, 1, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "nothing cut") != NULL);
		c.key = key;
		w = li_spool_open(&c, 1, &eb);
		T_CHECK(w != NULL);
		if (w) {
			struct li_spool_stats sst;

			li_spool_stats(w, &sst);
			T_EQ_INT(sst.recovered, 5);
			T_EQ_INT(sst.torn_bytes, 0);
			li_spool_close(w);
		}
	}
	/* a flipped bit inside a committed record is caught */
	{
		char path[PATH_MAX + 300];
		DIR *dd = opendir(d1);
		struct dirent *de;
		int fd;
		uint8_t b;

		path[0] = '\0';
		while (dd && (de = readdir(dd)) != NULL)
			if (strncmp(de->d_name, "seg-", 4) == 0)
				snprintf(path, sizeof(path), "%s/%s", d1,
				    de->d_name);
		if (dd)
			closedir(dd);
		fd = open(path, O_RDWR);
		T_CHECK(fd >= 0);
		if (fd >= 0 && pread(fd, &b, 1, 102 + 60) == 1) {
			b ^= 1;
			T_CHECK(pwrite(fd, &b, 1, 102 + 60) == 1);
		}
		if (fd >= 0)
			close(fd);
		r = open_r(d1, key);
		T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_OK);
		T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_ECRYPTO);
		T_CHECK(strstr(eb.msg, "offset 102") != NULL);
		li_spool_close(r);
	}
}

/* a writer process and a reader process at once, through rotation */
static void
test_concurrent(void)
{
	char d[PATH_MAX];
	const unsigned total = 3000;
	struct li_spool *r;
	struct cs_errbuf eb;
	pid_t pid;
	unsigned got = 0;
	int status, spins = 0, restarted = 0;

	newdir(d);
	if (mkdir(d, 0700) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct li_spool *w = open_w(d, 400000, key);
		unsigned i = 0;

		if (!w)
			_exit(2);
		while (i < total) {
			enum cs_err e;

			li_spool_seq(w, "C", 1);
			e = put_i(w, i);
			if (e == CS_ETOOBIG) {
				if (li_spool_sync(w, &eb) != CS_OK)
					_exit(3);
				usleep(1000);
				continue;
			}
			if (e != CS_OK)
				_exit(4);
			i++;
			if (i % 37 == 0 && li_spool_sync(w, &eb) != CS_OK)
				_exit(5);
		}
		if (li_spool_sync(w, &eb) != CS_OK)
			_exit(6);
		li_spool_close(w);
		_exit(0);
	}
	r = open_r(d, key);
	T_CHECK(r != NULL);
	while (r && got < total && spins < 20000) {
		const uint8_t *p;
		size_t n;
		enum cs_err e = li_spool_next(r, &p, &n, &eb);

		if (e == CS_ENOENT) {
			spins++;
			usleep(500);
			continue;
		}
		if (e != CS_OK) {
			fprintf(stderr, "  reader: %s\n", eb.msg);
			break;
		}
		if (!pdu_is(p, n, got)) {
			fprintf(stderr, "  record %u wrong\n", got);
			break;
		}
		got++;
		if (got % 50 == 0)
			li_spool_ack(r, li_spool_tell(r), &eb);
		/* a reader restart in the middle: resumes at the ack */
		if (got == 1010 && !restarted) {
			restarted = 1;
			li_spool_close(r);
			r = open_r(d, key);
			got = 1000;
		}
	}
	if (got < total)
		kill(pid, SIGKILL); /* failed: do not wait for ever */
	waitpid(pid, &status, 0);
	T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_EQ_INT(got, total);
	if (r) {
		const uint8_t *p;
		size_t n;

		T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_ENOENT);
		li_spool_ack(r, li_spool_tell(r), &eb);
		/* only the writer's last segment can be left */
		T_CHECK(li_spool_used(r) <= 400000 / 16);
		li_spool_close(r);
	}
}

/* kill -9 the writer mid-stream; what it synced is there, seqs go on */
static void
test_kill_writer(void)
{
	char d[PATH_MAX];
	int pfd[2], round;
	unsigned base = 0;

	newdir(d);
	if (mkdir(d, 0700) != 0 || pipe(pfd) != 0)
		return;
	for (round = 0; round < 3; round++) {
		pid_t pid;
		unsigned synced = 0, v;
		struct li_spool *w, *r;
		struct cs_errbuf eb;
		int status;
		uint32_t next;
		unsigned n;

		pid = fork();
		if (pid == 0) {
			struct li_spool *cw = open_w(d, 0, key);
			unsigned i;

			if (!cw)
				_exit(2);
			/* the stream goes on from what is there */
			for (i = base;; i++) {
				if (li_spool_seq(cw, "K", 3) != i)
					_exit(3);
				if (put_i(cw, i) != CS_OK)
					_exit(4);
				if (i % 7 == 0) {
					if (li_spool_sync(cw, &eb) != CS_OK)
						_exit(5);
					v = i + 1;
					if (write(pfd[1], &v, sizeof(v)) < 0)
						_exit(6);
				}
			}
		}
		/* let it run a while, then kill it mid-stream */
		while (synced < base + 200 + (unsigned)round * 50) {
			if (read(pfd[0], &v, sizeof(v)) != sizeof(v))
				break;
			synced = v;
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		T_CHECK(WIFSIGNALED(status));
		/* drain the pipe: later syncs count too */
		{
			int fl = fcntl(pfd[0], F_GETFL);

			fcntl(pfd[0], F_SETFL, fl | O_NONBLOCK);
			while (read(pfd[0], &v, sizeof(v)) == sizeof(v))
				synced = v;
			fcntl(pfd[0], F_SETFL, fl);
		}
		w = open_w(d, 0, key);
		T_CHECK(w != NULL);
		if (!w)
			return;
		r = open_r(d, key);
		n = read_all(r, base);
		/* everything synced is there, maybe a little more */
		T_CHECK(base + n >= synced);
		/* the next seq follows the last record: no repeat, no gap */
		next = li_spool_seq(w, "K", 3);
		T_EQ_INT(next, base + n);
		li_spool_ack(r, li_spool_tell(r), &eb);
		li_spool_close(r);
		li_spool_close(w); /* the reserved seq goes unused */
		base += n;
	}
	close(pfd[0]);
	close(pfd[1]);
}

/* kill -9 the reader mid-stream: a new one resumes at its last ack */
static void
test_kill_reader(void)
{
	char d[PATH_MAX];
	struct li_spool *w, *r;
	struct cs_errbuf eb;
	int pfd[2], status;
	unsigned i, rep = 0, v;
	pid_t pid;
	const uint8_t *p;
	size_t n;

	newdir(d);
	w = open_w(d, 0, key);
	if (!w || pipe(pfd) != 0)
		return;
	for (i = 0; i < 5000; i++)
		put_i(w, i);
	T_EQ_INT(li_spool_sync(w, &eb), CS_OK);
	pid = fork();
	if (pid == 0) {
		struct li_spool *cr = open_r(d, key);
		unsigned k = 0;

		if (!cr)
			_exit(2);
		while (li_spool_next(cr, &p, &n, &eb) == CS_OK) {
			if (!pdu_is(p, n, k))
				_exit(3);
			if (++k % 10 == 0) {
				if (li_spool_ack(cr, li_spool_tell(cr), &eb))
					_exit(4);
				if (write(pfd[1], &k, sizeof(k)) < 0)
					_exit(5);
			}
		}
		_exit(0);
	}
	while (rep < 300 && read(pfd[0], &v, sizeof(v)) == sizeof(v))
		rep = v;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	{
		int fl = fcntl(pfd[0], F_GETFL);

		fcntl(pfd[0], F_SETFL, fl | O_NONBLOCK);
		while (read(pfd[0], &v, sizeof(v)) == sizeof(v))
			rep = v;
	}
	close(pfd[0]);
	close(pfd[1]);
	T_CHECK(rep >= 300);
	/* the next record is the one after the last ack (reported, or one
	 * more made just before the kill) */
	r = open_r(d, key);
	T_EQ_INT(li_spool_next(r, &p, &n, &eb), CS_OK);
	T_CHECK(pdu_is(p, n, rep) || pdu_is(p, n, rep + 10));
	i = pdu_is(p, n, rep) ? rep : rep + 10;
	li_spool_rewind(r);
	T_EQ_INT(read_all(r, i), 5000 - i);
	li_spool_close(r);
	li_spool_close(w);
}

int
main(void)
{
	T_RUN(test_put_read_ack);
	T_RUN(test_bound_alarm);
	T_RUN(test_seq_persist);
	T_RUN(test_torn_tail);
	T_RUN(test_sealed);
	T_RUN(test_concurrent);
	T_RUN(test_kill_writer);
	T_RUN(test_kill_reader);
	if (root[0]) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", root);
	}
	return T_DONE();
}
