/* keys - per-day keys in a private directory; tags and sealing */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/keys.h"
#include "core/obs.h"
#include "util/time.h"
#include "util/xmalloc.h"

struct cs_keys {
	char *dir;               /* owned; absolute */
	struct cs_daykey **days; /* owned, each sodium_malloc'ed so that
				    pointers handed out stay valid;
				    sorted by (day, class) */
	size_t n, cap;
};

static const char *const class_names[CS_NCLASS] = {
    "radius", "dhcp", "smtp", "nat"};

const char *
cs_class_name(enum cs_class c)
{
	return (unsigned)c < CS_NCLASS ? class_names[c] : "?";
}

int
cs_class_parse(const char *name)
{
	int i;

	for (i = 0; i < CS_NCLASS; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

enum cs_class
cs_class_of_src(int src)
{
	switch (src) {
	case CS_SRC_RADIUS:
		return CS_CL_RADIUS;
	case CS_SRC_POSTFIX:
		return CS_CL_SMTP;
	case CS_SRC_IPFIX:
	case CS_SRC_CONNTRACK:
	case CS_SRC_NATMAP:
	case CS_SRC_NATLOG:
		return CS_CL_NAT;
	default:
		return CS_CL_DHCP;
	}
}

enum cs_class
cs_class_of_format(const char *f)
{
	if (f == NULL)
		return CS_CL_DHCP;
	if (strncmp(f, "radius", 6) == 0 || strncmp(f, "freeradius", 10) == 0)
		return CS_CL_RADIUS;
	if (strncmp(f, "postfix", 7) == 0)
		return CS_CL_SMTP;
	if (strncmp(f, "conntrack", 9) == 0 || strncmp(f, "ipfix", 5) == 0 ||
	    strncmp(f, "nat", 3) == 0 || strncmp(f, "ulogd", 5) == 0)
		return CS_CL_NAT;
	return CS_CL_DHCP;
}

void
cs_day_name(int64_t day, char out[static 16])
{
	struct cs_civil c;

	cs_civil_from_time(day * 86400 * CS_US, &c);
	snprintf(out, 16, "%04d-%02d-%02d", c.year, c.mon, c.day);
}

enum cs_err
cs_day_parse(const char *s, int64_t *day)
{
	struct cs_civil c = {0};
	uint64_t y, m, d;
	cs_time t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return CS_EPARSE;
	if (cs_parse_u64(cs_span_make(s, 4), 1970, 9999, &y) != CS_OK ||
	    cs_parse_u64(cs_span_make(s + 5, 2), 1, 12, &m) != CS_OK ||
	    cs_parse_u64(cs_span_make(s + 8, 2), 1, 31, &d) != CS_OK)
		return CS_EPARSE;
	c.year = (int)y;
	c.mon = (int)m;
	c.day = (int)d;
	if (cs_time_from_civil_utc(&c, &t) != CS_OK)
		return CS_EPARSE;
	*day = t / CS_US / 86400;
	return CS_OK;
}

/* inside - is path a (or equal to) dir? both resolved */
static int
inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/');
}

enum cs_err
cs_keys_open(const char *dir, const char *datadir, int create,
    struct cs_keys **out, struct cs_errbuf *eb)
{
	char rk[PATH_MAX], rd[PATH_MAX], sub[PATH_MAX + 8];
	struct stat st;
	struct cs_keys *k;
	int i;

	if (sodium_init() < 0) {
		cs_errbuf_set(eb, "libsodium failed to initialise");
		return CS_ECRYPTO;
	}
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || !create) {
			cs_errbuf_set(eb,
			    "key directory %s: %s (create it "
			    "with mode 0700, or pass --keys DIR)",
			    dir, strerror(errno));
			return CS_EIO;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			cs_errbuf_set(eb, "cannot create key directory %s: %s",
			    dir, strerror(errno));
			return CS_EIO;
		}
		if (stat(dir, &st) != 0)
			return CS_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		cs_errbuf_set(eb, "key directory %s is not a directory", dir);
		return CS_EINVAL;
	}
	if (st.st_mode & 077) {
		cs_errbuf_set(eb,
		    "key directory %s is accessible to group or "
		    "others (mode %03o): run chmod 700 %s",
		    dir, (unsigned)(st.st_mode & 0777), dir);
		return CS_EPERM;
	}
	if (realpath(dir, rk) == NULL) {
		cs_errbuf_set(eb, "key directory %s: %s", dir, strerror(errno));
		return CS_EIO;
	}
	if (datadir && realpath(datadir, rd) != NULL &&
	    (inside(rk, rd) || inside(rd, rk))) {
		cs_errbuf_set(eb,
		    "key directory %s lies inside the data "
		    "directory %s (or contains it): keep keys apart from data "
		    "and out of backups",
		    rk, rd);
		return CS_EPERM;
	}
	/* the layout before per-source keys: one key per day for all */
	snprintf(sub, sizeof(sub), "%s/days", rk);
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		cs_errbuf_set(eb,
		    "key directory %s has the old layout (days/: one key per "
		    "day for every source); ingest the logs again into new "
		    "data and key directories, then destroy the old ones",
		    rk);
		return CS_EINVAL;
	}
	for (i = 0; create && i < CS_NCLASS; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", rk, class_names[i]);
		if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
			cs_errbuf_set(
			    eb, "cannot create %s: %s", sub, strerror(errno));
			return CS_EIO;
		}
	}
	k = cs_xcalloc(1, sizeof(*k));
	k->dir = cs_xstrdup(rk);
	*out = k;
	return CS_OK;
}

void
cs_keys_free(struct cs_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		sodium_free(k->days[i]); /* wipes before freeing */
	free(k->days);
	free(k->dir);
	free(k);
}

static void
derive(struct cs_daykey *dk, enum cs_class cls, int64_t day,
    const uint8_t master[32])
{
	dk->day = day;
	dk->cls = cls;
	crypto_generichash(dk->tag_key, sizeof(dk->tag_key),
	    (const uint8_t *)"custos tag v1", 13, master, 32);
	crypto_generichash(dk->seal_key, sizeof(dk->seal_key),
	    (const uint8_t *)"custos seal v1", 14, master, 32);
}

static enum cs_err
load_or_create(struct cs_keys *k, enum cs_class cls, int64_t day, int create,
    uint8_t master[32], struct cs_errbuf *eb)
{
	char name[16], path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	const char *cn = class_names[cls];
	int fd;
	ssize_t n;

	cs_day_name(day, name);
	snprintf(path, sizeof(path), "%s/%s/%s.key", k->dir, cn, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, master, 32);
		close(fd);
		if (n != 32) {
			cs_errbuf_set(eb, "key file %s is damaged", path);
			return CS_ECRYPTO;
		}
		return CS_OK;
	}
	if (errno != ENOENT) {
		cs_errbuf_set(eb, "key file %s: %s", path, strerror(errno));
		return CS_EIO;
	}
	if (!create)
		return CS_ENOENT;
	/* a purged day stays purged: its records may not be stored again */
	snprintf(tmp, sizeof(tmp), "%s/%s/%s.purged", k->dir, cn, name);
	if (access(tmp, F_OK) == 0) {
		cs_errbuf_set(eb,
		    "day %s of %s was purged (retention): its records "
		    "are not stored again",
		    name, cn);
		return CS_EPERM;
	}
	randombytes_buf(master, 32);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, master, 32) != 32 || fsync(fd) != 0) {
		cs_errbuf_set(
		    eb, "cannot write key file %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return CS_EIO;
	}
	close(fd);
	/* link() fails if another process created the day's key first */
	if (link(tmp, path) != 0) {
		unlink(tmp);
		if (errno == EEXIST)
			return load_or_create(k, cls, day, 0, master, eb);
		cs_errbuf_set(
		    eb, "cannot create key file %s: %s", path, strerror(errno));
		return CS_EIO;
	}
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/%s", k->dir, cn);
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return CS_OK;
}

/* ord - the sort order of the key set: day, then class */
static int64_t
ord(int64_t day, enum cs_class cls)
{
	return day * CS_NCLASS + (int64_t)cls;
}

enum cs_err
cs_keys_day(struct cs_keys *k, enum cs_class cls, int64_t day, int create,
    const struct cs_daykey **out, struct cs_errbuf *eb)
{
	uint8_t master[32];
	size_t lo = 0, hi = k->n, mid;
	int64_t want = ord(day, cls);
	enum cs_err e;

	struct cs_daykey *dk;

	if ((unsigned)cls >= CS_NCLASS)
		return CS_EINVAL;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ord(k->days[mid]->day, k->days[mid]->cls) < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < k->n && ord(k->days[lo]->day, k->days[lo]->cls) == want) {
		*out = k->days[lo];
		return CS_OK;
	}
	if ((e = load_or_create(k, cls, day, create, master, eb)) != CS_OK)
		return e;
	dk = sodium_malloc(sizeof(*dk));
	if (dk == NULL) {
		sodium_memzero(master, sizeof(master));
		return CS_ENOMEM;
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		k->days = cs_xreallocarray(k->days, k->cap, sizeof(*k->days));
	}
	memmove(&k->days[lo + 1], &k->days[lo], (k->n - lo) * sizeof(*k->days));
	derive(dk, cls, day, master);
	sodium_memzero(master, sizeof(master));
	k->days[lo] = dk;
	k->n++;
	*out = dk;
	return CS_OK;
}

int64_t
cs_tag(const struct cs_daykey *dk, uint8_t domain, const void *p, size_t n)
{
	uint8_t h[8], small[256];
	uint64_t v;

	if (n + 1 <= sizeof(small)) {
		small[0] = domain;
		memcpy(small + 1, p, n);
		crypto_shorthash(h, small, n + 1, dk->tag_key);
	} else {
		crypto_generichash_state st;
		uint8_t k32[32], full[32];
		memcpy(k32, dk->tag_key, 16);
		memcpy(k32 + 16, dk->tag_key, 16);
		crypto_generichash_init(&st, k32, 32, 32);
		crypto_generichash_update(&st, &domain, 1);
		crypto_generichash_update(&st, p, n);
		crypto_generichash_final(&st, full, 32);
		memcpy(h, full, 8);
	}
	memcpy(&v, h, 8);
	return (int64_t)(v >> 1); /* non-negative: readable in SQL */
}

/*
 * next_nonce - 16 random bytes drawn once per process, then a counter:
 * unique nonces without a system call per seal (XChaCha20's 192-bit nonce
 * leaves room for both).
 */
static void
next_nonce(uint8_t nonce[static 24])
{
	static uint8_t prefix[16];
	static uint64_t counter;
	static int init;

	if (!init) {
		randombytes_buf(prefix, sizeof(prefix));
		init = 1;
	}
	counter++;
	memcpy(nonce, prefix, 16);
	memcpy(nonce + 16, &counter, 8);
}

void
cs_seal(const struct cs_daykey *dk, int64_t ad, const void *p, size_t n,
    struct cs_buf *out)
{
	uint8_t nonce[24], stackbuf[4096], *c;
	unsigned long long clen;

	next_nonce(nonce);
	c = n + 16 <= sizeof(stackbuf) ? stackbuf : cs_xmalloc(n + 16);
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, p, n,
	    (const uint8_t *)&ad, sizeof(ad), NULL, nonce, dk->seal_key);
	cs_buf_append(out, nonce, sizeof(nonce));
	cs_buf_append(out, c, (size_t)clen);
	if (c != stackbuf)
		free(c);
}

enum cs_err
cs_unseal(const struct cs_daykey *dk, int64_t ad, const void *c, size_t n,
    struct cs_buf *out)
{
	const uint8_t *cb = c;
	unsigned long long mlen;
	uint8_t stackbuf[4096], *m;
	enum cs_err e = CS_OK;

	if (n < CS_SEAL_OVERHEAD)
		return CS_ECRYPTO;
	m = n <= sizeof(stackbuf) ? stackbuf : cs_xmalloc(n);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, cb + 24,
		n - 24, (const uint8_t *)&ad, sizeof(ad), cb,
		dk->seal_key) != 0)
		e = CS_ECRYPTO;
	else
		cs_buf_append(out, m, (size_t)mlen);
	if (m != stackbuf) {
		sodium_memzero(m, n);
		free(m);
	} else {
		sodium_memzero(m, (size_t)n);
	}
	return e;
}
