/*
 * spool - the on-disk queue of PS-PDUs per (agency, HI).  See spool.h for
 * the layout and the writer/reader protocol.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "li/spool.h"
#include "util/buf.h"
#include "util/span.h"
#include "util/xmalloc.h"

#define HDR 56
#define TAG 16
#define NONCE 24
#define SKEY 16
#define RECMAX ((uint64_t)HDR + LI_SPOOL_MAX_PDU + TAG)
#define RWIN (256u * 1024) /* reader's read-ahead window */
#define F_SEALED 0x01
#define F_SEQ 0x02
#define STATE "writer.state"
#define STATE_TMP "writer.state.tmp"
#define ACK "reader.ack"
#define ACK_TMP "reader.ack.tmp"

struct stream {
	uint8_t key[SKEY];
	uint32_t next; /* the next sequenceNumber to hand out */
	int used;
};

struct li_spool {
	char *dir; /* owned */
	int dirfd, lockfd;
	int writer, sealed;
	uint8_t aead_key[32]; /* secret: zeroed at close */
	uint8_t hash_key[32];
	char keycheck[40]; /* "plain" or a hash of the key, in hex */
	uint64_t max_bytes, seg_max, used;
	unsigned alarm_pct;
	struct li_spool_pos commit; /* what the writer last published */
	struct li_spool_stats st;

	/* writer */
	uint64_t wseg, woff; /* current segment, its end */
	int wfd;
	int dirty;
	struct stream *tab; /* owned; open addressing, cap a power of 2 */
	size_t tab_cap, tab_n;
	int pend; /* a reservation the next put records */
	uint8_t pend_key[SKEY];
	uint32_t pend_seq;
	uint8_t *wbuf; /* owned scratch: one sealed record */
	size_t wcap;

	/* reader */
	struct li_spool_pos rpos, ack;
	int rfd;
	uint64_t rfd_seg;
	uint8_t *win; /* owned: file bytes [win_off, win_off + win_len) */
	size_t win_cap, win_len;
	uint64_t win_off;
	uint8_t *pbuf; /* owned: the plaintext handed out */
	size_t pcap;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

int
li_spool_pos_cmp(struct li_spool_pos a, struct li_spool_pos b)
{
	if (a.seg != b.seg)
		return a.seg < b.seg ? -1 : 1;
	if (a.off != b.off)
		return a.off < b.off ? -1 : 1;
	return 0;
}

static void
seg_name(char out[32], uint64_t seg)
{
	snprintf(out, 32, "seg-%016llx.spl", (unsigned long long)seg);
}

/* seg-%016llx.spl -> number; 0 if the name is not a segment's */
static uint64_t
seg_parse(const char *name)
{
	uint64_t v = 0;
	size_t i;

	if (strlen(name) != 24 || memcmp(name, "seg-", 4) != 0 ||
	    strcmp(name + 20, ".spl") != 0)
		return 0;
	for (i = 4; i < 20; i++) {
		char c = name[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return 0;
		v = v << 4 | (uint64_t)d;
	}
	return v;
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * list the segments present, ascending (*out owned by the caller), and
 * their total size in *bytes.
 */
static enum cs_err
seg_list(struct li_spool *sp, uint64_t **out, size_t *n, uint64_t *bytes,
    struct cs_errbuf *eb)
{
	DIR *d;
	struct dirent *de;
	uint64_t *v = NULL;
	size_t cnt = 0, cap = 0;
	uint64_t total = 0;
	int fd;

	fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		cs_errbuf_set(
		    eb, "spool %s: cannot list: %s", sp->dir, strerror(errno));
		return CS_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t s = seg_parse(de->d_name);
		struct stat stb;

		if (s == 0)
			continue;
		if (fstatat(sp->dirfd, de->d_name, &stb, 0) != 0)
			continue; /* deleted by the reader meanwhile */
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = cs_xreallocarray(v, cap, sizeof(*v));
		}
		v[cnt++] = s;
		total += (uint64_t)stb.st_size;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), u64cmp);
	if (out)
		*out = v;
	else
		free(v);
	if (n)
		*n = cnt;
	if (bytes)
		*bytes = total;
	return CS_OK;
}

static void
recount(struct li_spool *sp)
{
	uint64_t b;
	size_t n;

	if (seg_list(sp, NULL, &n, &b, NULL) == CS_OK) {
		sp->used = b;
		sp->st.segments = n;
	}
}

/* write name atomically: tmp, fsync, rename, fsync the directory */
static enum cs_err
write_atomic(struct li_spool *sp, const char *tmp, const char *name,
    const struct cs_buf *b, struct cs_errbuf *eb)
{
	int fd;
	size_t done = 0;

	fd = openat(
	    sp->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (done < b->len) {
		ssize_t w = write(fd, b->data + done, b->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	fd = -1;
	if (renameat(sp->dirfd, tmp, sp->dirfd, name) != 0)
		goto fail;
	if (fsync(sp->dirfd) != 0)
		goto fail;
	return CS_OK;
fail:
	cs_errbuf_set(eb, "spool %s: cannot write %s: %s", sp->dir, name,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return CS_EIO;
}

/* read a small file whole into b; CS_ENOENT if it does not exist */
static enum cs_err
read_small(struct li_spool *sp, const char *name, struct cs_buf *b,
    size_t limit, struct cs_errbuf *eb)
{
	char tmp[4096];
	int fd;
	ssize_t r;

	fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return CS_ENOENT;
		cs_errbuf_set(eb, "spool %s: cannot open %s: %s", sp->dir, name,
		    strerror(errno));
		return CS_EIO;
	}
	while (b->len < limit && (r = read(fd, tmp, sizeof(tmp))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cs_errbuf_set(eb, "spool %s: cannot read %s: %s",
			    sp->dir, name, strerror(errno));
			close(fd);
			return CS_EIO;
		}
		cs_buf_append(b, tmp, (size_t)r);
	}
	close(fd);
	if (cs_buf_error(b) != CS_OK) {
		cs_errbuf_set(eb, "spool %s: %s is too large", sp->dir, name);
		return CS_ETOOBIG;
	}
	return CS_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t
tab_slot(const struct stream *tab, size_t cap, const uint8_t key[SKEY])
{
	uint64_t h;
	size_t i;

	memcpy(&h, key, sizeof(h));
	for (i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!tab[i].used || memcmp(tab[i].key, key, SKEY) == 0)
			return i;
}

/* the counter of a stream, created at 0 */
static struct stream *
tab_get(struct li_spool *sp, const uint8_t key[SKEY])
{
	size_t i;

	if ((sp->tab_n + 1) * 2 > sp->tab_cap) {
		size_t ncap = sp->tab_cap ? sp->tab_cap * 2 : 64, j;
		struct stream *nt = cs_xcalloc(ncap, sizeof(*nt));

		for (j = 0; j < sp->tab_cap; j++)
			if (sp->tab[j].used)
				nt[tab_slot(nt, ncap, sp->tab[j].key)] =
				    sp->tab[j];
		free(sp->tab);
		sp->tab = nt;
		sp->tab_cap = ncap;
	}
	i = tab_slot(sp->tab, sp->tab_cap, key);
	if (!sp->tab[i].used) {
		sp->tab[i].used = 1;
		memcpy(sp->tab[i].key, key, SKEY);
		sp->tab[i].next = 0;
		sp->tab_n++;
	}
	return &sp->tab[i];
}

/* a record of (key, seq) says the stream's next is at least seq + 1 */
static void
tab_seen(struct li_spool *sp, const uint8_t key[SKEY], uint32_t seq)
{
	struct stream *s = tab_get(sp, key);

	if (seq >= s->next)
		s->next = seq + 1;
}

/*
 * writer.state:
 *   custos-spool-state 1
 *   commit SEG OFF
 *   stream HEX32 NEXT        (one per stream)
 * With counters NULL only the commit line is taken (the reader).
 */
static enum cs_err
state_read(struct li_spool *sp, int counters, struct cs_errbuf *eb)
{
	struct cs_buf b;
	struct cs_span s, line, w;
	enum cs_err e;
	int lineno = 0, have_commit = 0;

	cs_buf_init(&b, NULL, 0, 64u << 20);
	/* the reader needs the commit line only: the first lines */
	e = read_small(sp, STATE, &b, counters ? SIZE_MAX : 4096, eb);
	if (e == CS_ENOENT) {
		cs_buf_release(&b);
		return CS_ENOENT;
	}
	if (e != CS_OK)
		goto out;
	s = cs_span_make(b.data, b.len);
	while (cs_span_token(&s, '\n', &line)) {
		struct cs_span rest = line;
		uint64_t a, c;

		lineno++;
		if (lineno == 1) {
			if (!cs_span_eq(line, "custos-spool-state 1"))
				goto bad;
			continue;
		}
		if (!cs_span_word(&rest, &w))
			continue;
		if (cs_span_eq(w, "key")) {
			struct cs_span x;

			if (!cs_span_word(&rest, &x))
				goto bad;
			if (!cs_span_eq(x, sp->keycheck)) {
				cs_errbuf_set(eb, "spool %s: %s", sp->dir,
				    cs_span_eq(x, "plain")
					? "a plain (test) spool opened with a "
					  "key"
					: !sp->sealed
					? "a sealed spool opened without its "
					  "key"
					: "opened with another key than the "
					  "one "
					  "that sealed it");
				e = CS_ECRYPTO;
				goto out;
			}
		} else if (cs_span_eq(w, "commit")) {
			struct cs_span x, y;

			if (!cs_span_word(&rest, &x) ||
			    !cs_span_word(&rest, &y) ||
			    cs_parse_u64(x, 0, UINT64_MAX, &a) != CS_OK ||
			    cs_parse_u64(y, 0, UINT64_MAX, &c) != CS_OK)
				goto bad;
			sp->commit.seg = a;
			sp->commit.off = c;
			have_commit = 1;
			if (!counters)
				break;
		} else if (cs_span_eq(w, "stream")) {
			struct cs_span x, y;
			uint8_t key[SKEY];
			size_t i;

			if (!counters)
				continue;
			if (!cs_span_word(&rest, &x) ||
			    !cs_span_word(&rest, &y) || x.len != 2 * SKEY ||
			    cs_parse_u64(y, 0, UINT32_MAX, &c) != CS_OK)
				goto bad;
			for (i = 0; i < SKEY; i++) {
				int h = hexval(x.p[2 * i]),
				    l = hexval(x.p[2 * i + 1]);

				if (h < 0 || l < 0)
					goto bad;
				key[i] = (uint8_t)(h << 4 | l);
			}
			tab_get(sp, key)->next = (uint32_t)c;
		} else {
			goto bad;
		}
	}
	if (!have_commit) {
		lineno = 0;
		goto bad;
	}
	e = CS_OK;
	goto out;
bad:
	cs_errbuf_set(
	    eb, "spool %s: %s: malformed at line %d", sp->dir, STATE, lineno);
	e = CS_EPARSE;
out:
	cs_buf_release(&b);
	return e;
}

static enum cs_err
state_write(struct li_spool *sp, struct cs_errbuf *eb)
{
	struct cs_buf b;
	enum cs_err e;
	size_t i, j;

	cs_buf_init(&b, NULL, 0, 64u << 20);
	cs_buf_appendf(&b, "custos-spool-state 1\nkey %s\ncommit %llu %llu\n",
	    sp->keycheck, (unsigned long long)sp->wseg,
	    (unsigned long long)sp->woff);
	for (i = 0; i < sp->tab_cap; i++) {
		if (!sp->tab[i].used)
			continue;
		cs_buf_puts(&b, "stream ");
		for (j = 0; j < SKEY; j++)
			cs_buf_appendf(&b, "%02x", sp->tab[i].key[j]);
		cs_buf_appendf(&b, " %lu\n", (unsigned long)sp->tab[i].next);
	}
	if (cs_buf_error(&b) != CS_OK) {
		cs_errbuf_set(eb, "spool %s: state too large", sp->dir);
		e = CS_ETOOBIG;
	} else {
		e = write_atomic(sp, STATE_TMP, STATE, &b, eb);
	}
	cs_buf_release(&b);
	return e;
}

/* additional data / hash input: the header and the record's place */
static void
place(uint8_t out[16], uint64_t seg, uint64_t off)
{
	put64(out, seg);
	put64(out + 8, off);
}

/* check a header; *plen the payload length */
static int
hdr_ok(const struct li_spool *sp, const uint8_t *h, size_t *plen)
{
	uint32_t n;

	if (memcmp(h, "CSR1", 4) != 0 || h[9] || h[10] || h[11])
		return 0;
	if (h[8] & ~(F_SEALED | F_SEQ))
		return 0;
	n = get32(h + 4);
	if (n == 0 || n > LI_SPOOL_MAX_PDU)
		return 0;
	*plen = n;
	return 1;
}

/*
 * open the record rec[0..HDR+plen+TAG) at (seg, off) into out[0..plen).
 * Returns CS_OK, CS_ECRYPTO (fails authentication / wrong mode).
 */
static enum cs_err
rec_open(const struct li_spool *sp, uint64_t seg, uint64_t off,
    const uint8_t *rec, size_t plen, uint8_t *out)
{
	uint8_t ad[HDR + 16];
	int sealed = (rec[8] & F_SEALED) != 0;

	if (sealed != sp->sealed)
		return CS_ECRYPTO;
	memcpy(ad, rec, HDR);
	place(ad + HDR, seg, off);
	if (sealed) {
		if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out,
			NULL, rec + HDR, plen, rec + HDR + plen, ad, sizeof(ad),
			rec + 32, sp->aead_key) != 0)
			return CS_ECRYPTO;
	} else {
		crypto_generichash_state hs;
		uint8_t tag[TAG];

		crypto_generichash_init(&hs, NULL, 0, TAG);
		crypto_generichash_update(&hs, ad, sizeof(ad));
		crypto_generichash_update(&hs, rec + HDR, plen);
		crypto_generichash_final(&hs, tag, TAG);
		if (sodium_memcmp(tag, rec + HDR + plen, TAG) != 0)
			return CS_ECRYPTO;
		memcpy(out, rec + HDR, plen);
	}
	return CS_OK;
}

/* seal pdu as a record at (seg, off) into sp->wbuf; returns its size */
static size_t
rec_seal(
    struct li_spool *sp, uint64_t seg, uint64_t off, const void *pdu, size_t n)
{
	size_t rec = HDR + n + TAG;
	uint8_t *r, ad[HDR + 16];

	if (sp->wcap < rec) {
		free(sp->wbuf);
		sp->wcap = rec < 65536 ? 65536 : rec;
		sp->wbuf = cs_xmalloc(sp->wcap);
	}
	r = sp->wbuf;
	memset(r, 0, HDR);
	memcpy(r, "CSR1", 4);
	put32(r + 4, (uint32_t)n);
	r[8] = (uint8_t)((sp->sealed ? F_SEALED : 0) | (sp->pend ? F_SEQ : 0));
	if (sp->pend) {
		memcpy(r + 12, sp->pend_key, SKEY);
		put32(r + 28, sp->pend_seq);
	}
	if (sp->sealed)
		randombytes_buf(r + 32, NONCE);
	memcpy(ad, r, HDR);
	place(ad + HDR, seg, off);
	if (sp->sealed) {
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(r + HDR,
		    r + HDR + n, NULL, pdu, n, ad, sizeof(ad), NULL, r + 32,
		    sp->aead_key);
	} else {
		crypto_generichash_state hs;

		memcpy(r + HDR, pdu, n);
		crypto_generichash_init(&hs, NULL, 0, TAG);
		crypto_generichash_update(&hs, ad, sizeof(ad));
		crypto_generichash_update(&hs, pdu, n);
		crypto_generichash_final(&hs, r + HDR + n, TAG);
	}
	return rec;
}

static int
seg_open(struct li_spool *sp, uint64_t seg, int flags)
{
	char name[32];

	seg_name(name, seg);
	return openat(sp->dirfd, name, flags | O_CLOEXEC, 0600);
}

static int
pread_all(int fd, uint8_t *p, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, p + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/*
 * writer recovery of segment seg from offset start: keep whole authentic
 * records (their seqs raise the counters), cut the rest.  *end is where
 * the good records end; *cut is 1 when something was cut.
 */
static enum cs_err
recover_seg(struct li_spool *sp, uint64_t seg, uint64_t start, uint64_t *end,
    int *cut, struct cs_errbuf *eb)
{
	struct stat stb;
	uint8_t *buf = NULL, *plain = NULL;
	uint64_t off = start, size;
	enum cs_err e = CS_OK;
	int fd;

	*cut = 0;
	fd = seg_open(sp, seg, O_RDWR);
	if (fd < 0 || fstat(fd, &stb) != 0) {
		cs_errbuf_set(eb, "spool %s: segment %llu: %s", sp->dir,
		    (unsigned long long)seg, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CS_EIO;
	}
	size = (uint64_t)stb.st_size;
	if (size < start) {
		cs_errbuf_set(eb,
		    "spool %s: segment %llu is %llu bytes, shorter than its "
		    "committed %llu",
		    sp->dir, (unsigned long long)seg, (unsigned long long)size,
		    (unsigned long long)start);
		close(fd);
		return CS_EIO;
	}
	buf = cs_xmalloc(RECMAX);
	plain = cs_xmalloc(LI_SPOOL_MAX_PDU);
	while (off + HDR <= size) {
		size_t plen;

		if (pread_all(fd, buf, HDR, off) != 0 ||
		    !hdr_ok(sp, buf, &plen) || off + HDR + plen + TAG > size ||
		    pread_all(fd, buf + HDR, plen + TAG, off + HDR) != 0 ||
		    rec_open(sp, seg, off, buf, plen, plain) != CS_OK)
			break;
		if (buf[8] & F_SEQ)
			tab_seen(sp, buf + 12, get32(buf + 28));
		sp->st.recovered++;
		off += HDR + plen + TAG;
	}
	if (off < size) {
		if (ftruncate(fd, (off_t)off) != 0 || fsync(fd) != 0) {
			cs_errbuf_set(eb,
			    "spool %s: segment %llu: cannot cut "
			    "the torn tail: %s",
			    sp->dir, (unsigned long long)seg, strerror(errno));
			e = CS_EIO;
		}
		sp->st.torn_bytes += size - off;
		*cut = 1;
	}
	*end = off;
	free(buf);
	free(plain);
	close(fd);
	return e;
}

/*
 * 1 if segment seg begins with a whole, well-formed record that fails
 * authentication: the wrong key (or damage), not a torn write
 */
static int
first_rec_foreign(struct li_spool *sp, uint64_t seg)
{
	uint8_t *buf, *plain;
	struct stat stb;
	size_t plen;
	int fd = seg_open(sp, seg, O_RDONLY), bad = 0;

	if (fd < 0)
		return 0;
	buf = cs_xmalloc(RECMAX);
	plain = cs_xmalloc(LI_SPOOL_MAX_PDU);
	if (fstat(fd, &stb) == 0 && pread_all(fd, buf, HDR, 0) == 0 &&
	    hdr_ok(sp, buf, &plen) &&
	    (uint64_t)stb.st_size >= HDR + plen + TAG &&
	    pread_all(fd, buf + HDR, plen + TAG, HDR) == 0 &&
	    rec_open(sp, seg, 0, buf, plen, plain) != CS_OK)
		bad = 1;
	free(buf);
	free(plain);
	close(fd);
	return bad;
}

static enum cs_err
writer_open(struct li_spool *sp, struct cs_errbuf *eb)
{
	uint64_t *segs = NULL, bytes;
	size_t nseg, i;
	enum cs_err e;
	struct stat stb;

	e = state_read(sp, 1, eb);
	if (e == CS_ENOENT) {
		sp->commit.seg = 0;
		sp->commit.off = 0;
	} else if (e != CS_OK) {
		return e;
	}
	if ((e = seg_list(sp, &segs, &nseg, &bytes, eb)) != CS_OK)
		return e;
	if (sp->commit.seg == 0 && nseg > 0 && first_rec_foreign(sp, segs[0])) {
		/* no state (removed?) and records this key cannot open:
		 * never cut them as a torn tail */
		cs_errbuf_set(eb,
		    "spool %s: no %s, and segment %llu offset 0 fails "
		    "authentication: the wrong key (or damage); nothing cut",
		    sp->dir, STATE, (unsigned long long)segs[0]);
		e = CS_ECRYPTO;
		goto out;
	}
	for (i = 0; i < nseg; i++) {
		uint64_t end;
		int cut;

		if (segs[i] < sp->commit.seg)
			continue;
		e = recover_seg(sp, segs[i],
		    segs[i] == sp->commit.seg ? sp->commit.off : 0, &end, &cut,
		    eb);
		if (e != CS_OK)
			goto out;
		if (cut) {
			/* what follows a cut was never committed: drop it */
			size_t j;

			for (j = i + 1; j < nseg; j++) {
				char name[32];

				seg_name(name, segs[j]);
				if (fstatat(sp->dirfd, name, &stb, 0) == 0)
					sp->st.torn_bytes +=
					    (uint64_t)stb.st_size;
				unlinkat(sp->dirfd, name, 0);
			}
			nseg = i + 1;
			break;
		}
	}
	if (nseg > 0 && segs[nseg - 1] >= sp->commit.seg)
		sp->wseg = segs[nseg - 1];
	else
		sp->wseg = sp->commit.seg + 1;
	sp->wfd = seg_open(sp, sp->wseg, O_RDWR | O_CREAT);
	if (sp->wfd < 0 || fstat(sp->wfd, &stb) != 0) {
		cs_errbuf_set(eb, "spool %s: cannot open segment %llu: %s",
		    sp->dir, (unsigned long long)sp->wseg, strerror(errno));
		e = CS_EIO;
		goto out;
	}
	sp->woff = (uint64_t)stb.st_size;
	sp->dirty = 1;
	e = li_spool_sync(sp, eb); /* publish what was recovered */
out:
	free(segs);
	return e;
}

static enum cs_err
ack_read(struct li_spool *sp, struct cs_errbuf *eb)
{
	struct cs_buf b;
	struct cs_span s, line, w, x, y;
	uint64_t a, c;
	enum cs_err e;

	sp->ack.seg = sp->ack.off = 0;
	cs_buf_init(&b, NULL, 0, 4096);
	e = read_small(sp, ACK, &b, SIZE_MAX, eb);
	if (e == CS_ENOENT) {
		e = CS_OK;
		goto out;
	}
	if (e != CS_OK)
		goto out;
	s = cs_span_make(b.data, b.len);
	if (!cs_span_cut(s, "custos-spool-ack 1\n", &w, &s) || w.len != 0 ||
	    !cs_span_token(&s, '\n', &line) || !cs_span_word(&line, &w) ||
	    !cs_span_eq(w, "ack") || !cs_span_word(&line, &x) ||
	    !cs_span_word(&line, &y) || line.len != 0 ||
	    cs_parse_u64(x, 0, UINT64_MAX, &a) != CS_OK ||
	    cs_parse_u64(y, 0, UINT64_MAX, &c) != CS_OK) {
		cs_errbuf_set(eb, "spool %s: %s is malformed", sp->dir, ACK);
		e = CS_EPARSE;
		goto out;
	}
	sp->ack.seg = a;
	sp->ack.off = c;
out:
	cs_buf_release(&b);
	return e;
}

struct li_spool *
li_spool_open(const struct li_spool_cfg *cfg, int writer, struct cs_errbuf *eb)
{
	struct li_spool *sp;
	static const char lseal[] = "custos spool seal v1";
	static const char lhash[] = "custos spool stream v1";
	static const char lcheck[] = "custos spool key check v1";
	uint8_t kc[16];
	enum cs_err e;

	if (cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
		cs_errbuf_set(eb, "spool: no directory");
		return NULL;
	}
	if (sodium_init() < 0) {
		cs_errbuf_set(eb, "spool: libsodium failed to initialise");
		return NULL;
	}
	if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
		cs_errbuf_set(eb, "spool %s: cannot create: %s", cfg->dir,
		    strerror(errno));
		return NULL;
	}
	sp = cs_xcalloc(1, sizeof(*sp));
	sp->dir = cs_xstrdup(cfg->dir);
	sp->lockfd = sp->wfd = sp->rfd = -1;
	sp->writer = writer != 0;
	sp->max_bytes = cfg->max_bytes;
	sp->alarm_pct = cfg->alarm_pct ? cfg->alarm_pct : LI_SPOOL_ALARM_PCT;
	/* the reader deletes whole segments only, and never the writer's:
	 * keep a segment a small part of the bound */
	sp->seg_max = cfg->max_bytes ? cfg->max_bytes / 16 : 16u << 20;
	if (sp->seg_max < 4096)
		sp->seg_max = 4096;
	if (sp->seg_max > (16u << 20))
		sp->seg_max = 16u << 20;
	sp->st.max = cfg->max_bytes;
	if (cfg->key) {
		sp->sealed = 1;
		crypto_generichash(sp->aead_key, 32, (const uint8_t *)lseal,
		    sizeof(lseal) - 1, cfg->key, LI_SPOOL_KEYLEN);
		crypto_generichash(sp->hash_key, 32, (const uint8_t *)lhash,
		    sizeof(lhash) - 1, cfg->key, LI_SPOOL_KEYLEN);
		crypto_generichash(kc, sizeof(kc), (const uint8_t *)lcheck,
		    sizeof(lcheck) - 1, cfg->key, LI_SPOOL_KEYLEN);
		sodium_bin2hex(
		    sp->keycheck, sizeof(sp->keycheck), kc, sizeof(kc));
	} else {
		snprintf(sp->keycheck, sizeof(sp->keycheck), "plain");
		crypto_generichash(sp->hash_key, 32, (const uint8_t *)lhash,
		    sizeof(lhash) - 1, NULL, 0);
	}
	sp->dirfd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		cs_errbuf_set(
		    eb, "spool %s: cannot open: %s", cfg->dir, strerror(errno));
		goto fail;
	}
	sp->lockfd = openat(sp->dirfd, writer ? "writer.lock" : "reader.lock",
	    O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd < 0) {
		cs_errbuf_set(eb, "spool %s: cannot open the lock: %s",
		    cfg->dir, strerror(errno));
		goto fail;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
		cs_errbuf_set(eb, "spool %s: another %s has it open", cfg->dir,
		    writer ? "writer" : "reader");
		goto fail;
	}
	if (writer) {
		e = writer_open(sp, eb);
	} else {
		e = state_read(sp, 0, eb);
		if (e == CS_ENOENT)
			e = CS_OK; /* nothing committed yet */
		if (e == CS_OK)
			e = ack_read(sp, eb);
		sp->rpos = sp->ack;
	}
	if (e != CS_OK)
		goto fail;
	recount(sp);
	return sp;
fail:
	li_spool_close(sp);
	return NULL;
}

void
li_spool_close(struct li_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	sodium_memzero(sp->aead_key, sizeof(sp->aead_key));
	sodium_memzero(sp->hash_key, sizeof(sp->hash_key));
	if (sp->wbuf)
		sodium_memzero(sp->wbuf, sp->wcap);
	if (sp->pbuf)
		sodium_memzero(sp->pbuf, sp->pcap);
	free(sp->wbuf);
	free(sp->pbuf);
	free(sp->win);
	free(sp->tab);
	free(sp->dir);
	free(sp);
}

uint32_t
li_spool_seq(struct li_spool *sp, const char *liid, uint32_t cin)
{
	crypto_generichash_state hs;
	uint8_t key[SKEY], c[4];
	struct stream *s;

	put32(c, cin);
	crypto_generichash_init(&hs, sp->hash_key, 32, SKEY);
	crypto_generichash_update(&hs, (const uint8_t *)liid, strlen(liid));
	crypto_generichash_update(&hs, (const uint8_t *)"", 1);
	crypto_generichash_update(&hs, c, 4);
	crypto_generichash_final(&hs, key, SKEY);
	s = tab_get(sp, key);
	sp->pend = 1;
	memcpy(sp->pend_key, key, SKEY);
	sp->pend_seq = s->next++;
	sp->dirty = 1;
	sodium_memzero(key, sizeof(key));
	return sp->pend_seq;
}

/* give back the pending reservation when it is its stream's latest */
static void
unreserve(struct li_spool *sp)
{
	struct stream *s;

	if (!sp->pend)
		return;
	s = tab_get(sp, sp->pend_key);
	if (s->next == sp->pend_seq + 1)
		s->next = sp->pend_seq;
	sp->pend = 0;
}

static int
write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(fd, p + done, n - done, (off_t)(off + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

enum cs_err
li_spool_put(
    struct li_spool *sp, const void *pdu, size_t n, struct cs_errbuf *eb)
{
	size_t rec;

	if (!sp->writer || n == 0 || n > LI_SPOOL_MAX_PDU) {
		cs_errbuf_set(
		    eb, "spool %s: put of %zu bytes refused", sp->dir, n);
		return CS_EINVAL;
	}
	rec = HDR + n + TAG;
	if (sp->max_bytes && sp->used + rec > sp->max_bytes) {
		recount(sp); /* the reader may have deleted segments */
		if (sp->used + rec > sp->max_bytes) {
			unreserve(sp);
			sp->st.refused++;
			cs_errbuf_set(eb, "spool %s: full (%llu of %llu bytes)",
			    sp->dir, (unsigned long long)sp->used,
			    (unsigned long long)sp->max_bytes);
			return CS_ETOOBIG;
		}
	}
	if (sp->woff > 0 && sp->woff + rec > sp->seg_max) {
		/* rotate: the old segment is durable before the next one
		 * can be published */
		int fd;

		if (fsync(sp->wfd) != 0) {
			cs_errbuf_set(eb, "spool %s: fsync: %s", sp->dir,
			    strerror(errno));
			return CS_EIO;
		}
		fd = seg_open(sp, sp->wseg + 1, O_RDWR | O_CREAT | O_TRUNC);
		if (fd < 0) {
			cs_errbuf_set(eb, "spool %s: cannot create segment: %s",
			    sp->dir, strerror(errno));
			return CS_EIO;
		}
		close(sp->wfd);
		sp->wfd = fd;
		sp->wseg++;
		sp->woff = 0;
		sp->st.segments++;
	}
	rec_seal(sp, sp->wseg, sp->woff, pdu, n);
	if (write_all(sp->wfd, sp->wbuf, rec, sp->woff) != 0) {
		int err = errno;

		if (ftruncate(sp->wfd, (off_t)sp->woff) != 0) {
			/* the torn record is cut at the next open */
		}
		unreserve(sp);
		cs_errbuf_set(
		    eb, "spool %s: write: %s", sp->dir, strerror(err));
		return CS_EIO;
	}
	sp->woff += rec;
	sp->used += rec;
	sp->pend = 0;
	sp->dirty = 1;
	sp->st.put++;
	return CS_OK;
}

enum cs_err
li_spool_sync(struct li_spool *sp, struct cs_errbuf *eb)
{
	enum cs_err e;

	if (!sp->writer)
		return CS_EINVAL;
	if (!sp->dirty)
		return CS_OK;
	if (fsync(sp->wfd) != 0) {
		cs_errbuf_set(
		    eb, "spool %s: fsync: %s", sp->dir, strerror(errno));
		return CS_EIO;
	}
	if ((e = state_write(sp, eb)) != CS_OK)
		return e;
	sp->commit.seg = sp->wseg;
	sp->commit.off = sp->woff;
	sp->st.synced = sp->st.put;
	sp->dirty = 0;
	recount(sp);
	return CS_OK;
}

/*
 * reader: make file bytes [off, off + len) of the open segment available
 * (never past limit, the committed end); NULL on a read error.
 */
static const uint8_t *
win_get(struct li_spool *sp, uint64_t off, size_t len, uint64_t limit)
{
	size_t want;

	if (off >= sp->win_off && off + len <= sp->win_off + sp->win_len)
		return sp->win + (off - sp->win_off);
	want = len > RWIN ? len : RWIN;
	if (want > limit - off)
		want = (size_t)(limit - off);
	if (sp->win_cap < want) {
		free(sp->win);
		sp->win_cap = want;
		sp->win = cs_xmalloc(want);
	}
	sp->win_len = 0;
	if (pread_all(sp->rfd, sp->win, want, off) != 0)
		return NULL;
	sp->win_off = off;
	sp->win_len = want;
	return sp->win;
}

static void
reader_seg_close(struct li_spool *sp)
{
	if (sp->rfd >= 0)
		close(sp->rfd);
	sp->rfd = -1;
	sp->win_len = 0;
}

/* the first segment present after seg, or 0 */
static uint64_t
seg_after(struct li_spool *sp, uint64_t seg)
{
	uint64_t *v = NULL, r = 0;
	size_t n = 0, i;

	if (seg_list(sp, &v, &n, NULL, NULL) != CS_OK)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] > seg) {
			r = v[i];
			break;
		}
	free(v);
	return r;
}

/*
 * the read cursor moves on to the start of segment seg; no record lies
 * between, so an ack at the old place is one at the new (in memory: the
 * durable one means the same), and li_link_idle sees tell == acked
 */
static void
skip_to(struct li_spool *sp, uint64_t seg)
{
	if (li_spool_pos_cmp(sp->rpos, sp->ack) == 0) {
		sp->ack.seg = seg;
		sp->ack.off = 0;
	}
	sp->rpos.seg = seg;
	sp->rpos.off = 0;
}

enum cs_err
li_spool_next(
    struct li_spool *sp, const uint8_t **pdu, size_t *n, struct cs_errbuf *eb)
{
	int refreshed = 0;
	enum cs_err e;

	if (sp->writer)
		return CS_EINVAL;
	for (;;) {
		uint64_t limit;
		const uint8_t *h, *r;
		size_t plen;
		struct stat stb;

		if (sp->rfd < 0 || sp->rfd_seg != sp->rpos.seg) {
			reader_seg_close(sp);
			sp->rfd = sp->rpos.seg
			    ? seg_open(sp, sp->rpos.seg, O_RDONLY)
			    : -1;
			if (sp->rfd < 0) {
				uint64_t s;

				if (sp->rpos.seg && errno != ENOENT) {
					cs_errbuf_set(eb,
					    "spool %s: segment %llu: %s",
					    sp->dir,
					    (unsigned long long)sp->rpos.seg,
					    strerror(errno));
					return CS_EIO;
				}
				s = seg_after(sp, sp->rpos.seg);
				if (s != 0 && s <= sp->commit.seg) {
					skip_to(sp, s);
					continue;
				}
				goto none;
			}
			sp->rfd_seg = sp->rpos.seg;
		}
		if (sp->rpos.seg < sp->commit.seg) {
			if (fstat(sp->rfd, &stb) != 0) {
				cs_errbuf_set(eb, "spool %s: fstat: %s",
				    sp->dir, strerror(errno));
				return CS_EIO;
			}
			limit = (uint64_t)stb.st_size;
		} else if (sp->rpos.seg == sp->commit.seg) {
			limit = sp->commit.off;
		} else {
			limit = 0;
		}
		if (sp->rpos.off + HDR <= limit) {
			h = win_get(sp, sp->rpos.off, HDR, limit);
			if (h == NULL)
				goto ioerr;
			if (!hdr_ok(sp, h, &plen) ||
			    sp->rpos.off + HDR + plen + TAG > limit) {
				cs_errbuf_set(eb,
				    "spool %s: segment %llu offset %llu: "
				    "bad record header",
				    sp->dir, (unsigned long long)sp->rpos.seg,
				    (unsigned long long)sp->rpos.off);
				return CS_EPARSE;
			}
			r = win_get(sp, sp->rpos.off, HDR + plen + TAG, limit);
			if (r == NULL)
				goto ioerr;
			if (sp->pcap < plen) {
				free(sp->pbuf);
				sp->pcap = plen < 65536 ? 65536 : plen;
				sp->pbuf = cs_xmalloc(sp->pcap);
			}
			e = rec_open(
			    sp, sp->rpos.seg, sp->rpos.off, r, plen, sp->pbuf);
			if (e != CS_OK) {
				cs_errbuf_set(eb,
				    "spool %s: segment %llu offset %llu: "
				    "record fails authentication%s",
				    sp->dir, (unsigned long long)sp->rpos.seg,
				    (unsigned long long)sp->rpos.off,
				    ((r[8] & F_SEALED) != 0) != sp->sealed
					? " (sealed/plain mismatch: wrong key "
					  "setting?)"
					: "");
				return e;
			}
			sp->rpos.off += HDR + plen + TAG;
			sp->st.read++;
			*pdu = sp->pbuf;
			*n = plen;
			return CS_OK;
		}
		if (sp->rpos.off != limit && limit > 0) {
			cs_errbuf_set(eb,
			    "spool %s: segment %llu offset %llu: record cut "
			    "short",
			    sp->dir, (unsigned long long)sp->rpos.seg,
			    (unsigned long long)sp->rpos.off);
			return CS_EPARSE;
		}
		if (sp->rpos.seg < sp->commit.seg) {
			skip_to(sp, sp->rpos.seg + 1);
			continue;
		}
	none:
		if (refreshed)
			return CS_ENOENT;
		refreshed = 1;
		e = state_read(sp, 0, eb);
		if (e == CS_ENOENT)
			return CS_ENOENT;
		if (e != CS_OK)
			return e;
	}
ioerr:
	cs_errbuf_set(eb, "spool %s: segment %llu: read: %s", sp->dir,
	    (unsigned long long)sp->rpos.seg, strerror(errno));
	return CS_EIO;
}

struct li_spool_pos
li_spool_tell(const struct li_spool *sp)
{
	return sp->rpos;
}

struct li_spool_pos
li_spool_acked(const struct li_spool *sp)
{
	return sp->ack;
}

void
li_spool_rewind(struct li_spool *sp)
{
	sp->rpos = sp->ack;
}

enum cs_err
li_spool_ack(struct li_spool *sp, struct li_spool_pos pos, struct cs_errbuf *eb)
{
	struct cs_buf b;
	char stack[128];
	enum cs_err e;
	uint64_t *v = NULL;
	size_t n = 0, i;

	if (sp->writer)
		return CS_EINVAL;
	if (li_spool_pos_cmp(pos, sp->ack) <= 0)
		return CS_OK;
	cs_buf_init(&b, stack, sizeof(stack), sizeof(stack));
	cs_buf_appendf(&b, "custos-spool-ack 1\nack %llu %llu\n",
	    (unsigned long long)pos.seg, (unsigned long long)pos.off);
	e = write_atomic(sp, ACK_TMP, ACK, &b, eb);
	cs_buf_release(&b);
	if (e != CS_OK)
		return e;
	sp->ack = pos;
	sp->st.acks++;
	if (seg_list(sp, &v, &n, NULL, NULL) == CS_OK) {
		for (i = 0; i < n && v[i] < pos.seg; i++) {
			char name[32];

			seg_name(name, v[i]);
			unlinkat(sp->dirfd, name, 0);
		}
		free(v);
	}
	recount(sp);
	return CS_OK;
}

int
li_spool_alarm(const struct li_spool *sp)
{
	if (sp->max_bytes == 0)
		return 0;
	return sp->used * 100 >= (uint64_t)sp->alarm_pct * sp->max_bytes;
}

uint64_t
li_spool_used(const struct li_spool *sp)
{
	return sp->used;
}

void
li_spool_stats(struct li_spool *sp, struct li_spool_stats *st)
{
	recount(sp);
	sp->st.used = sp->used;
	sp->st.streams = (unsigned)sp->tab_n;
	*st = sp->st;
}

const char *
li_spool_dir(const struct li_spool *sp)
{
	return sp->dir;
}
