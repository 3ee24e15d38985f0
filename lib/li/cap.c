/*
 * cap - libpcap offline and live capture.  See cap.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "li/cap.h"

struct li_cap {
	pcap_t *p; /* NULL when a classic pcap file is read from a mapping */
	const uint8_t *map; /* the mapped file */
	size_t maplen, off;
	int swap, nsec; /* byte-swapped headers; nanosecond stamps */
	int live;
	int realtime;
	int linktype;
	int eof;
	cs_time first_pkt; /* realtime: capture time of the first packet */
	struct timespec first_wall;
	char err[PCAP_ERRBUF_SIZE + 64];
};

static uint32_t
rd32(const struct li_cap *c, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return c->swap ? __builtin_bswap32(v) : v;
}

/*
 * map_classic - a classic pcap file is read from a read-only mapping: no
 * copy and no system call per packet (libpcap reads each record with two
 * freads).  0: mapped; 1: not a classic pcap file (pcapng: use libpcap);
 * -1: error.
 */
static int
map_classic(struct li_cap *c, const char *path, struct cs_errbuf *eb)
{
	struct stat st;
	uint32_t magic;
	void *m;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cs_errbuf_set(eb, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24) {
		close(fd);
		return 1; /* let libpcap say what is wrong */
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 1;
	memcpy(&magic, m, 4);
	switch (magic) {
	case 0xa1b2c3d4:
		break;
	case 0xa1b23c4d:
		c->nsec = 1;
		break;
	case 0xd4c3b2a1:
		c->swap = 1;
		break;
	case 0x4d3cb2a1:
		c->swap = c->nsec = 1;
		break;
	default:
		munmap(m, (size_t)st.st_size);
		return 1;
	}
	c->map = m;
	c->maplen = (size_t)st.st_size;
	c->off = 24;
	/* LINKTYPE_ to DLT_ as libpcap reports it (only RAW differs among
	 * the link types pkt.h knows) */
	c->linktype = (int)(rd32(c, c->map + 20) & 0x03ffffff);
	if (c->linktype == 101)
		c->linktype = DLT_RAW;
	(void)madvise(m, c->maplen, MADV_SEQUENTIAL);
	return 0;
}

/* map_next - the next record of a mapped file (as li_cap_next) */
static int
map_next(struct li_cap *c, cs_time *t, const uint8_t **frame, size_t *caplen)
{
	const uint8_t *h;
	uint32_t sec, frac, incl;

	if (c->off == c->maplen) {
		c->eof = 1;
		return 0;
	}
	if (c->maplen - c->off < 16) {
		snprintf(c->err, sizeof(c->err),
		    "truncated record header at byte %zu", c->off);
		return -1;
	}
	h = c->map + c->off;
	sec = rd32(c, h);
	frac = rd32(c, h + 4);
	incl = rd32(c, h + 8);
	if (incl > LI_CAP_SNAPLEN || incl > c->maplen - c->off - 16) {
		snprintf(c->err, sizeof(c->err),
		    "record at byte %zu: captured length %u %s", c->off, incl,
		    incl > LI_CAP_SNAPLEN ? "too large" : "runs past the end");
		return -1;
	}
	*t = (cs_time)sec * CS_US + (c->nsec ? frac / 1000 : frac);
	*frame = h + 16;
	*caplen = incl;
	c->off += 16 + (size_t)incl;
	return 1;
}

struct li_cap *
li_cap_open_file(const char *path, int realtime, struct cs_errbuf *eb)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct li_cap *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cs_errbuf_set(eb, "out of memory");
		return NULL;
	}
	c->realtime = realtime;
	c->first_pkt = CS_TIME_NONE;
	rc = map_classic(c, path, eb);
	if (rc == 0)
		return c;
	if (rc < 0) {
		free(c);
		return NULL;
	}
	c->p = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_MICRO, err);
	if (c->p == NULL) {
		cs_errbuf_set(eb, "%s: %s", path, err);
		free(c);
		return NULL;
	}
	c->linktype = pcap_datalink(c->p);
	return c;
}

struct li_cap *
li_cap_open_live(const char *ifname, struct cs_errbuf *eb)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct li_cap *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cs_errbuf_set(eb, "out of memory");
		return NULL;
	}
	c->p = pcap_create(ifname, err);
	if (c->p == NULL) {
		cs_errbuf_set(eb, "interface %s: %s", ifname, err);
		free(c);
		return NULL;
	}
	if (pcap_set_snaplen(c->p, LI_CAP_SNAPLEN) != 0 ||
	    pcap_set_promisc(c->p, 1) != 0 ||
	    pcap_set_immediate_mode(c->p, 1) != 0 ||
	    pcap_set_timeout(c->p, 100) != 0 ||
	    pcap_set_buffer_size(c->p, 64 << 20) != 0) {
		cs_errbuf_set(
		    eb, "interface %s: %s", ifname, pcap_geterr(c->p));
		goto fail;
	}
	(void)pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		cs_errbuf_set(eb, "interface %s: %s (%s)", ifname,
		    pcap_statustostr(rc), pcap_geterr(c->p));
		goto fail;
	}
	/*
	 * non-blocking: li_cap_next waits in its own poll, which a signal
	 * interrupts (libpcap's own wait restarts after EINTR, so a
	 * blocking read would not let the caller stop or run its timers)
	 */
	if (pcap_setnonblock(c->p, 1, err) != 0) {
		cs_errbuf_set(eb, "interface %s: %s", ifname, err);
		goto fail;
	}
	c->live = 1;
	c->linktype = pcap_datalink(c->p);
	return c;
fail:
	pcap_close(c->p);
	free(c);
	return NULL;
}

enum cs_err
li_cap_filter(struct li_cap *c, const char *expr, struct cs_errbuf *eb)
{
	struct bpf_program prog;

	if (c->p == NULL) {
		cs_errbuf_set(eb, "capture filter: only for live capture");
		return CS_EINVAL;
	}
	if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		cs_errbuf_set(eb, "capture filter: %s", pcap_geterr(c->p));
		return CS_EPARSE;
	}
	if (pcap_setfilter(c->p, &prog) != 0) {
		cs_errbuf_set(eb, "capture filter: %s", pcap_geterr(c->p));
		pcap_freecode(&prog);
		return CS_EIO;
	}
	pcap_freecode(&prog);
	return CS_OK;
}

/* pace - realtime replay: sleep until the packet's offset has elapsed */
static void
pace(struct li_cap *c, cs_time t)
{
	struct timespec now, until;
	int64_t off;

	if (c->first_pkt == CS_TIME_NONE) {
		c->first_pkt = t;
		clock_gettime(CLOCK_MONOTONIC, &c->first_wall);
		return;
	}
	off = t - c->first_pkt;
	if (off <= 0)
		return;
	until.tv_sec = c->first_wall.tv_sec + (time_t)(off / CS_US);
	until.tv_nsec = c->first_wall.tv_nsec + (long)(off % CS_US) * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > until.tv_sec ||
	    (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
		return;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	    EINTR)
		;
}

int
li_cap_next(struct li_cap *c, cs_time *t, const uint8_t **frame, size_t *caplen,
    int *linktype)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	if (c->eof)
		return 0;
	if (c->map) {
		rc = map_next(c, t, frame, caplen);
		*linktype = c->linktype;
		if (rc == 1 && c->realtime)
			pace(c, *t);
		return rc;
	}
	rc = pcap_next_ex(c->p, &h, &d);
	if (rc == 0 && c->live) {
		/* nothing buffered: wait up to 100 ms (or a signal) */
		struct pollfd pf = {pcap_get_selectable_fd(c->p), POLLIN, 0};

		if (pf.fd >= 0 && poll(&pf, 1, 100) > 0)
			rc = pcap_next_ex(c->p, &h, &d);
	}
	if (rc == 1) {
		*t = (cs_time)h->ts.tv_sec * CS_US + h->ts.tv_usec;
		*frame = d;
		*caplen = h->caplen;
		*linktype = c->linktype;
		if (c->realtime && !c->live)
			pace(c, *t);
		return 1;
	}
	if (rc == 0) /* live timeout */
		return 0;
	if (rc == PCAP_ERROR_BREAK) {
		c->eof = 1;
		return 0;
	}
	snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->p));
	return -1;
}

int
li_cap_eof(const struct li_cap *c)
{
	return c->eof;
}

const char *
li_cap_error(const struct li_cap *c)
{
	return c->err;
}

int
li_cap_fd(const struct li_cap *c)
{
	return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

int
li_cap_stats(struct li_cap *c, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat st;

	if (!c->live || pcap_stats(c->p, &st) != 0)
		return -1;
	*recv = st.ps_recv;
	*drop = st.ps_drop + st.ps_ifdrop;
	return 0;
}

void
li_cap_close(struct li_cap *c)
{
	if (c == NULL)
		return;
	if (c->map)
		munmap((void *)c->map, c->maplen);
	if (c->p)
		pcap_close(c->p);
	free(c);
}

/* ---- evidence files ---- */

struct li_evid {
	int fd;
	char path[256];
	crypto_hash_sha256_state sha;
	uint64_t bytes;
	size_t n;
	uint8_t buf[65536];
};

static enum cs_err
evid_flush(struct li_evid *e, struct cs_errbuf *eb)
{
	size_t off = 0;
	ssize_t w;

	while (off < e->n) {
		w = write(e->fd, e->buf + off, e->n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cs_errbuf_set(eb, "evidence file %s: %s", e->path,
			    w < 0 ? strerror(errno) : "short write");
			return CS_EIO;
		}
		off += (size_t)w;
	}
	e->n = 0;
	return CS_OK;
}

static enum cs_err
evid_put(struct li_evid *e, const void *p, size_t n, struct cs_errbuf *eb)
{
	const uint8_t *b = p;
	size_t k;

	crypto_hash_sha256_update(&e->sha, b, n);
	e->bytes += n;
	while (n > 0) {
		if (e->n == sizeof(e->buf) && evid_flush(e, eb) != CS_OK)
			return CS_EIO;
		k = sizeof(e->buf) - e->n;
		if (k > n)
			k = n;
		memcpy(e->buf + e->n, b, k);
		e->n += k;
		b += k;
		n -= k;
	}
	return CS_OK;
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

struct li_evid *
li_evid_open(const char *path, struct cs_errbuf *eb)
{
	struct li_evid *e;
	uint8_t h[24];

	if (strlen(path) >= sizeof(e->path)) {
		cs_errbuf_set(eb, "evidence file name too long");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		cs_errbuf_set(eb, "out of memory");
		return NULL;
	}
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (e->fd < 0) {
		cs_errbuf_set(
		    eb, "evidence file %s: %s", path, strerror(errno));
		free(e);
		return NULL;
	}
	crypto_hash_sha256_init(&e->sha);
	le32(h, 0xa1b2c3d4);
	h[4] = 2; /* version 2.4 */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32(h + 8, 0);  /* thiszone */
	le32(h + 12, 0); /* sigfigs */
	le32(h + 16, LI_CAP_SNAPLEN);
	le32(h + 20, 101); /* LINKTYPE_RAW */
	(void)evid_put(e, h, sizeof(h), eb);
	return e;
}

enum cs_err
li_evid_write(struct li_evid *e, cs_time t, const uint8_t *data, size_t caplen,
    size_t origlen, struct cs_errbuf *eb)
{
	uint8_t h[16];

	if (caplen > LI_CAP_SNAPLEN || origlen < caplen ||
	    origlen > UINT32_MAX || t < 0) {
		cs_errbuf_set(eb, "evidence file %s: bad record (%zu of %zu)",
		    e->path, caplen, origlen);
		return CS_EINVAL;
	}
	le32(h, (uint32_t)(t / CS_US));
	le32(h + 4, (uint32_t)(t % CS_US));
	le32(h + 8, (uint32_t)caplen);
	le32(h + 12, (uint32_t)origlen);
	if (evid_put(e, h, sizeof(h), eb) != CS_OK ||
	    evid_put(e, data, caplen, eb) != CS_OK)
		return CS_EIO;
	return CS_OK;
}

enum cs_err
li_evid_sync(struct li_evid *e, struct cs_errbuf *eb)
{
	if (evid_flush(e, eb) != CS_OK)
		return CS_EIO;
	if (fsync(e->fd) != 0) {
		cs_errbuf_set(eb, "evidence file %s: fsync: %s", e->path,
		    strerror(errno));
		return CS_EIO;
	}
	return CS_OK;
}

enum cs_err
li_evid_close(
    struct li_evid *e, char sha256[65], uint64_t *bytes, struct cs_errbuf *eb)
{
	unsigned char md[crypto_hash_sha256_BYTES];
	enum cs_err rc;

	rc = li_evid_sync(e, eb);
	if (close(e->fd) != 0 && rc == CS_OK) {
		cs_errbuf_set(eb, "evidence file %s: close: %s", e->path,
		    strerror(errno));
		rc = CS_EIO;
	}
	crypto_hash_sha256_final(&e->sha, md);
	if (sha256)
		sodium_bin2hex(sha256, 65, md, sizeof(md));
	if (bytes)
		*bytes = e->bytes;
	sodium_memzero(e, sizeof(*e));
	free(e);
	return rc;
}
