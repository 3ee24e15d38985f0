/*
 * cmd_lemf - `custos lemf`: a strict agency-side receiver for HI2/HI3
 * (ETSI TS 102 232-1 PS-PDUs over TCP, optionally TLS 1.3 with client
 * certificates).
 *
 * One process, one poll loop, any number of connections.  Each PDU is
 * framed (li_pdu_frame) and decoded strictly (li_pdu_decode); a malformed
 * one is reported on stderr (connection, PDU number, field, byte offset)
 * and its connection closed.  CC goes to OUT/cc.pcap (LINKTYPE_RAW, the
 * PDU's timestamps), IRI and packet reports to OUT/iri.jsonl.  Duplicates
 * are dropped per (LIID, CIN, IRI|CC) by sequenceNumber; gaps are
 * reported.  A keep-alive is answered only after everything received
 * before it is on disk (fsync), because its response is the sender's
 * acknowledgement.
 *
 * Crash consistency: at every sync point OUT/lemf.state records the sizes
 * of the two output files, the highest sequenceNumber of every stream and
 * the counters (written to a temporary file, fsynced, renamed).  On start
 * the output files are cut back to the recorded sizes: what was written
 * after the last sync point was never acknowledged, so the sender sends
 * it again, and it is then stored exactly once.
 *
 * stderr carries counts and offsets only: no LIID, no content.  The LIIDs
 * are in the output files, which are the agency's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cmd.h"
#include "li/pspdu.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define LEMF_MAXCONN 64
#define LEMF_READ (64 * 1024)
#define LEMF_READS 16 /* reads per connection per turn: no starvation */
#define LEMF_STATE "lemf.state"
#define LEMF_STATE_MAGIC "custos-lemf-state 1"
#define LEMF_SYNC_MS 1000 /* sync at least this often when dirty */

struct stream {
	char liid[LI_LIID_MAX + 1];
	uint32_t cin;
	int cc;        /* 1: CC, 0: IRI */
	uint32_t last; /* highest sequenceNumber stored */
	unsigned id;   /* for stderr: "stream 3" */
	int used;
};

struct stats {
	uint64_t pdus, iri, reports, cc, keepalives, duplicates, gaps,
	    malformed, connections;
};

struct conn {
	int fd;
	SSL *ssl;
	int handshaking;
	int more;      /* input may be waiting: read again before polling */
	unsigned id;   /* connection number, from 1 */
	uint64_t npdu; /* PDUs received on it */
	uint8_t *in;   /* owned */
	size_t inlen, incap;
	uint8_t *out; /* owned: keep-alive responses not yet written */
	size_t outlen, outcap;
	int closing; /* close once out is written */
};

struct lemf {
	const char *dir;
	int dirfd;
	FILE *pcap, *iri; /* owned */
	uint64_t pcap_size, iri_size;
	struct stream *st; /* owned: open addressing */
	size_t nst, capst;
	unsigned nextst;
	struct stats s;
	int dirty; /* written since the last sync */
	struct conn *c[LEMF_MAXCONN];
	size_t nc;
	unsigned nextconn;
	SSL_CTX *tls;       /* owned; NULL: plain TCP */
	char jstack[4096];  /* first storage of jbuf */
	struct cs_buf jbuf; /* one IRI line, reused */
	uint64_t count;     /* --count: stop after this many records */
	int once;
	uint64_t records; /* records received (duplicates included) */
	int done;
	int failed;
};

static volatile sig_atomic_t stop_sig;

static void
on_signal(int sig)
{
	stop_sig = sig;
}

static void
lemf_usage(FILE *f)
{
	fprintf(f,
	    "usage: custos lemf --listen ADDR:PORT --out DIR [options]\n"
	    "\n"
	    "A strict agency-side receiver (LEMF) for ETSI TS 102 232 HI2/HI3\n"
	    "over TCP: decodes every PS-PDU, rejects a malformed one loudly\n"
	    "(connection, PDU number, field, byte offset) and closes that\n"
	    "connection, answers keep-alives, writes content (CC) to\n"
	    "DIR/cc.pcap (raw IP, timestamps from the PDUs) and IRI and "
	    "packet\n"
	    "reports to DIR/iri.jsonl (one JSON object per PDU).\n"
	    "\n"
	    "  --listen ADDR:PORT  where to listen: 127.0.0.1:41002,\n"
	    "                      [::1]:41002, :41002 (all); port 0 picks "
	    "one\n"
	    "                      (see --ready-file)\n"
	    "  --out DIR           output directory (created if missing)\n"
	    "  --tls-cert FILE     TLS 1.3: this server certificate (PEM)...\n"
	    "  --tls-key FILE      ...and its key (PEM)\n"
	    "  --tls-ca FILE       require client certificates signed by "
	    "these\n"
	    "                      CAs (PEM); needs --tls-cert and --tls-key\n"
	    "  --count N           exit after N records (IRI, CC, packet\n"
	    "                      reports; duplicates included)\n"
	    "  --once              exit when the first connection closes\n"
	    "  --ready-file FILE   write the listening port to FILE when "
	    "ready\n"
	    "  --json              print the final counters as JSON on stdout\n"
	    "  --help              this text\n"
	    "\n"
	    "Several connections are served at once (HI2 and HI3 may both\n"
	    "point here).  Duplicates are dropped per (LIID, CIN, IRI|CC) by\n"
	    "sequenceNumber, also across restarts (DIR/lemf.state); gaps are\n"
	    "reported on stderr.  A keep-alive is answered after everything\n"
	    "before it is on disk (fsync): the response acknowledges it.\n"
	    "After a crash, output written after the last acknowledgement is\n"
	    "cut off on start (the sender sends it again).  Counters are in\n"
	    "DIR/stats.json.  SIGINT/SIGTERM: sync and exit 0.\n"
	    "One lemf per DIR (locked).  Exit: 0 done, 1 a local failure\n"
	    "(disk, TLS setup, DIR in use), 2 usage.\n");
}

/* --- streams: the highest sequenceNumber per (LIID, CIN, IRI|CC) --- */

static uint64_t
st_hash(const char *liid, uint32_t cin, int cc)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p = (const unsigned char *)liid;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ cin) * 1099511628211ULL;
	h = (h ^ (uint64_t)cc) * 1099511628211ULL;
	return h;
}

static struct stream *
st_find(struct lemf *l, const char *liid, uint32_t cin, int cc, int add)
{
	size_t i, mask;
	struct stream *s;

	if (add && (l->nst + 1) * 2 > l->capst) {
		struct stream *old = l->st;
		size_t oldcap = l->capst, j;

		l->capst = l->capst ? l->capst * 2 : 64;
		l->st = cs_xcalloc(l->capst, sizeof(*l->st));
		l->nst = 0;
		for (j = 0; j < oldcap; j++) {
			if (!old[j].used)
				continue;
			s = st_find(l, old[j].liid, old[j].cin, old[j].cc, 1);
			*s = old[j];
		}
		free(old);
	}
	if (l->capst == 0)
		return NULL;
	mask = l->capst - 1;
	for (i = st_hash(liid, cin, cc) & mask;; i = (i + 1) & mask) {
		s = &l->st[i];
		if (!s->used)
			break;
		if (s->cin == cin && s->cc == cc && strcmp(s->liid, liid) == 0)
			return s;
	}
	if (!add)
		return NULL;
	memset(s, 0, sizeof(*s));
	snprintf(s->liid, sizeof(s->liid), "%s", liid);
	s->cin = cin;
	s->cc = cc;
	s->used = 1;
	s->id = ++l->nextst;
	l->nst++;
	return s;
}

/* --- state file --- */

static void
hex_of(const char *s, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = hx[(unsigned char)*s >> 4];
		*out++ = hx[(unsigned char)*s & 15];
	}
	*out = '\0';
}

static int
unhex(const char *h, char *out, size_t max)
{
	size_t n = strlen(h), i;

	if (n % 2 || n / 2 > max || n == 0)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int v = 0, k;

		for (k = 0; k < 2; k++) {
			char c = h[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return -1;
		}
		if (v == 0)
			return -1;
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return 0;
}

static int
fsync_dir(struct lemf *l)
{
	return fsync(l->dirfd);
}

/* write_atomic - DIR/name := data, durable (tmp, fsync, rename, fsync dir) */
static int
write_atomic(struct lemf *l, const char *name, const char *data, size_t n)
{
	char tmp[128];
	int fd;
	size_t off = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(
	    l->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (renameat(l->dirfd, tmp, l->dirfd, name) != 0)
		return -1;
	return fsync_dir(l);
}

static void
stats_json(const struct lemf *l, struct cs_buf *b)
{
	const struct stats *s = &l->s;

	cs_buf_appendf(b,
	    "{\"pdus\":%llu,\"iri\":%llu,\"packet_reports\":%llu,\"cc\":%llu,"
	    "\"keepalives\":%llu,\"duplicates\":%llu,\"gaps\":%llu,"
	    "\"malformed\":%llu,\"connections\":%llu,\"streams\":%zu}",
	    (unsigned long long)s->pdus, (unsigned long long)s->iri,
	    (unsigned long long)s->reports, (unsigned long long)s->cc,
	    (unsigned long long)s->keepalives,
	    (unsigned long long)s->duplicates, (unsigned long long)s->gaps,
	    (unsigned long long)s->malformed,
	    (unsigned long long)s->connections, l->nst);
}

/*
 * lemf_sync - make everything received so far durable: the output files,
 * then the state that names their sizes, then the counters
 */
static int
lemf_sync(struct lemf *l)
{
	struct cs_buf b;
	char hx[2 * LI_LIID_MAX + 1];
	size_t i;
	int rc = 0;

	if (fflush(l->pcap) != 0 || fflush(l->iri) != 0 ||
	    fsync(fileno(l->pcap)) != 0 || fsync(fileno(l->iri)) != 0) {
		cs_log_warn("writing the output files in the out directory");
		return -1;
	}
	cs_buf_init(&b, NULL, 0, 1u << 30);
	cs_buf_appendf(&b, "%s\nfiles %llu %llu\n", LEMF_STATE_MAGIC,
	    (unsigned long long)l->pcap_size, (unsigned long long)l->iri_size);
	cs_buf_appendf(&b,
	    "stats %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
	    (unsigned long long)l->s.pdus, (unsigned long long)l->s.iri,
	    (unsigned long long)l->s.reports, (unsigned long long)l->s.cc,
	    (unsigned long long)l->s.keepalives,
	    (unsigned long long)l->s.duplicates, (unsigned long long)l->s.gaps,
	    (unsigned long long)l->s.malformed,
	    (unsigned long long)l->s.connections);
	for (i = 0; i < l->capst; i++) {
		const struct stream *s = &l->st[i];
		if (!s->used)
			continue;
		hex_of(s->liid, hx);
		cs_buf_appendf(&b, "s %c %lu %lu %s\n", s->cc ? 'C' : 'I',
		    (unsigned long)s->cin, (unsigned long)s->last, hx);
	}
	if (cs_buf_error(&b) != CS_OK ||
	    write_atomic(l, LEMF_STATE, b.data, b.len) != 0) {
		cs_log_warn("writing %s in the out directory", LEMF_STATE);
		rc = -1;
	}
	cs_buf_reset(&b);
	stats_json(l, &b);
	cs_buf_putc(&b, '\n');
	if (rc == 0 && write_atomic(l, "stats.json", b.data, b.len) != 0) {
		cs_log_warn("writing stats.json in the out directory");
		rc = -1;
	}
	cs_buf_release(&b);
	if (rc == 0)
		l->dirty = 0;
	return rc;
}

static int
parse_u64w(char **w, uint64_t *out)
{
	char *t = strsep(w, " ");

	return t && cs_parse_u64(cs_span_cstr(t), 0, UINT64_MAX, out) == CS_OK
	    ? 0
	    : -1;
}

/* load_state - read DIR/lemf.state; cut the outputs to its sizes */
static int
load_state(struct lemf *l, uint64_t *pcap_size, uint64_t *iri_size, int *have)
{
	char line[256];
	FILE *f;
	int fd, lineno = 0;

	*have = 0;
	fd = openat(l->dirfd, LEMF_STATE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *w = line, *t;
		uint64_t v[9];
		size_t k;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, LEMF_STATE_MAGIC) != 0)
				goto bad;
			continue;
		}
		t = strsep(&w, " ");
		if (t == NULL)
			goto bad;
		if (strcmp(t, "files") == 0) {
			if (parse_u64w(&w, pcap_size) ||
			    parse_u64w(&w, iri_size))
				goto bad;
			*have = 1;
		} else if (strcmp(t, "stats") == 0) {
			for (k = 0; k < 9; k++)
				if (parse_u64w(&w, &v[k]))
					goto bad;
			l->s.pdus = v[0];
			l->s.iri = v[1];
			l->s.reports = v[2];
			l->s.cc = v[3];
			l->s.keepalives = v[4];
			l->s.duplicates = v[5];
			l->s.gaps = v[6];
			l->s.malformed = v[7];
			l->s.connections = v[8];
		} else if (strcmp(t, "s") == 0) {
			char *kind = strsep(&w, " "), liid[LI_LIID_MAX + 1];
			uint64_t cin, last;
			struct stream *s;

			if (kind == NULL ||
			    (strcmp(kind, "C") && strcmp(kind, "I")) ||
			    parse_u64w(&w, &cin) || parse_u64w(&w, &last) ||
			    w == NULL || cin > UINT32_MAX ||
			    last > UINT32_MAX ||
			    unhex(w, liid, LI_LIID_MAX) != 0)
				goto bad;
			s = st_find(l, liid, (uint32_t)cin, kind[0] == 'C', 1);
			s->last = (uint32_t)last;
		} else {
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	cs_log_warnx("%s in the out directory: line %d is not what lemf "
		     "writes; remove the file to start afresh",
	    LEMF_STATE, lineno);
	errno = EINVAL;
	return -2;
}

/* --- output files --- */

static int
put_le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24)};
	return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

/*
 * open_out - open DIR/name for appending, cut to keep bytes if the state
 * knows its size (have), returning its size in *size
 */
static FILE *
open_out(
    struct lemf *l, const char *name, int have, uint64_t keep, uint64_t *size)
{
	int fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct stat st;
	FILE *f;

	if (fd < 0 || fstat(fd, &st) != 0) {
		cs_log_warn("opening %s in the out directory", name);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (have && (uint64_t)st.st_size > keep) {
		cs_log_warnx("%s: %llu bytes after the last acknowledged PDU "
			     "(an unclean stop) cut off; the sender sends them "
			     "again",
		    name, (unsigned long long)((uint64_t)st.st_size - keep));
		if (ftruncate(fd, (off_t)keep) != 0) {
			cs_log_warn("truncating %s", name);
			close(fd);
			return NULL;
		}
		st.st_size = (off_t)keep;
	} else if (have && (uint64_t)st.st_size < keep) {
		cs_log_warnx("%s is shorter than %s says (%llu < %llu bytes): "
			     "was it changed by hand?",
		    name, LEMF_STATE, (unsigned long long)st.st_size,
		    (unsigned long long)keep);
	}
	if (lseek(fd, 0, SEEK_END) < 0 || (f = fdopen(fd, "a")) == NULL) {
		cs_log_warn("opening %s", name);
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	*size = (uint64_t)st.st_size;
	return f;
}

static int
open_pcap(struct lemf *l, int have, uint64_t keep)
{
	uint8_t hdr[24];
	int fd;
	ssize_t n;

	l->pcap = open_out(l, "cc.pcap", have, keep, &l->pcap_size);
	if (l->pcap == NULL)
		return -1;
	if (l->pcap_size >= 24) {
		fd = fileno(l->pcap);
		n = pread(fd, hdr, 24, 0);
		if (n != 24 || memcmp(hdr, "\xd4\xc3\xb2\xa1", 4) != 0 ||
		    hdr[20] != 101 || hdr[21] || hdr[22] || hdr[23]) {
			cs_log_warnx(
			    "cc.pcap in the out directory is not a "
			    "raw-IP pcap this lemf wrote; move it away");
			return -1;
		}
		return 0;
	}
	if (l->pcap_size != 0 && ftruncate(fileno(l->pcap), 0) != 0)
		return -1;
	/* pcap file header: microsecond magic, 2.4, snaplen, LINKTYPE_RAW */
	if (put_le32(l->pcap, 0xa1b2c3d4) || put_le32(l->pcap, 0x00040002) ||
	    put_le32(l->pcap, 0) || put_le32(l->pcap, 0) ||
	    put_le32(l->pcap, 262144) || put_le32(l->pcap, 101))
		return -1;
	l->pcap_size = 24;
	l->dirty = 1;
	return 0;
}

static int
write_cc(struct lemf *l, const struct li_pdu *d)
{
	cs_time t = d->payload_ts != CS_TIME_NONE ? d->payload_ts : d->ts;

	if (t == CS_TIME_NONE || t < 0)
		t = 0;
	if (put_le32(l->pcap, (uint32_t)(t / CS_US)) ||
	    put_le32(l->pcap, (uint32_t)(t % CS_US)) ||
	    put_le32(l->pcap, (uint32_t)d->datalen) ||
	    put_le32(l->pcap, (uint32_t)d->datalen) ||
	    fwrite(d->data, 1, d->datalen, l->pcap) != d->datalen)
		return -1;
	l->pcap_size += 16 + d->datalen;
	return 0;
}

static int
write_iri(struct lemf *l, const struct li_pdu *d)
{
	struct cs_buf *b = &l->jbuf;

	cs_buf_reset(b);
	li_pdu_json(b, d);
	cs_buf_putc(b, '\n');
	if (cs_buf_error(b) != CS_OK ||
	    fwrite(b->data, 1, b->len, l->iri) != b->len)
		return -1;
	l->iri_size += b->len;
	return 0;
}

/* --- connections --- */

static void
conn_free(struct lemf *l, size_t i)
{
	struct conn *c = l->c[i];

	if (c->ssl) {
		if (!c->handshaking)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	l->c[i] = l->c[--l->nc];
	if (l->once)
		l->done = 1;
}

static void
conn_queue(struct conn *c, const void *p, size_t n)
{
	if (c->outlen + n > c->outcap) {
		c->outcap = (c->outlen + n) * 2;
		c->out = cs_xreallocarray(c->out, c->outcap, 1);
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

/* conn_flush - write what is queued; -1 when the connection failed */
static int
conn_flush(struct conn *c)
{
	while (c->outlen > 0) {
		ssize_t w;

		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out, (int)c->outlen);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ)
					return 0;
				return -1;
			}
			w = r;
		} else {
			w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return 0;
				return -1;
			}
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	return 0;
}

/* on_keepalive - sync, then answer with the same header */
static int
on_keepalive(struct lemf *l, struct conn *c, const struct li_pdu *d)
{
	struct li_hdr h = {d->liid, d->auth_cc, d->operator_id, d->ne_id,
	    d->cin, d->deliv_cc, d->seq, d->ts};
	struct cs_buf b;
	enum cs_err e;

	if (lemf_sync(l) != 0)
		return -1; /* nothing acknowledged that is not on disk */
	if (h.ts == CS_TIME_NONE || h.ts < 0)
		h.ts = cs_time_now();
	cs_buf_init(&b, NULL, 0, 4096);
	e = li_enc_keepalive(&b, &h, 1);
	if (e != CS_OK) {
		/* a header we cannot echo (no time): answer with our own */
		h.ts = cs_time_now();
		cs_buf_reset(&b);
		e = li_enc_keepalive(&b, &h, 1);
	}
	if (e == CS_OK)
		conn_queue(c, b.data, b.len);
	else
		cs_log_warnx("connection %u: cannot encode a keep-alive "
			     "response: %s",
		    c->id, cs_strerror(e));
	cs_buf_release(&b);
	return 0;
}

/*
 * on_pdu - one framed PDU: 0 fine, -1 malformed (connection to close),
 * -2 a local failure (stop)
 */
static int
on_pdu(struct lemf *l, struct conn *c, const uint8_t *p, size_t n)
{
	struct li_pdu d;
	struct cs_errbuf eb = {""};
	struct stream *s;
	int cc;

	c->npdu++;
	if (li_pdu_decode(p, n, &d, &eb) != CS_OK) {
		l->s.malformed++;
		l->dirty = 1;
		cs_log_warnx(
		    "connection %u, PDU %llu (%zu bytes): rejected: %s; "
		    "closing the connection",
		    c->id, (unsigned long long)c->npdu, n, eb.msg);
		return -1;
	}
	l->s.pdus++;
	l->dirty = 1;
	if (d.kind == LI_PDU_KEEPALIVE) {
		l->s.keepalives++;
		return on_keepalive(l, c, &d) == 0 ? 0 : -2;
	}
	if (d.kind == LI_PDU_KEEPALIVE_RESP)
		return 0; /* nothing asked for it; harmless */
	if (d.kind == LI_PDU_CC &&
	    (d.datalen == 0 || (d.data[0] >> 4 != 4 && d.data[0] >> 4 != 6))) {
		l->s.malformed++;
		cs_log_warnx("connection %u, PDU %llu: rejected: "
			     "iPCC.iPCCContents.iPPackets: not an IPv4/IPv6 "
			     "packet; closing the connection",
		    c->id, (unsigned long long)c->npdu);
		return -1;
	}
	l->records++;
	cc = d.kind == LI_PDU_CC;
	s = st_find(l, d.liid, d.cin, cc, 0);
	if (s != NULL && d.seq <= s->last) {
		l->s.duplicates++;
	} else {
		if (s == NULL) {
			s = st_find(l, d.liid, d.cin, cc, 1);
		} else if (d.seq != s->last + 1) {
			l->s.gaps++;
			cs_log_warnx("stream %u (%s): gap: sequenceNumber %lu "
				     "follows %lu (%lu missing)",
			    s->id, cc ? "CC" : "IRI", (unsigned long)d.seq,
			    (unsigned long)s->last,
			    (unsigned long)(d.seq - s->last - 1));
		}
		s->last = d.seq;
		if (cc) {
			l->s.cc++;
			if (write_cc(l, &d) != 0)
				goto io;
		} else {
			if (d.kind == LI_PDU_REPORT)
				l->s.reports++;
			else
				l->s.iri++;
			if (write_iri(l, &d) != 0)
				goto io;
		}
	}
	if (l->count && l->records >= l->count)
		l->done = 1;
	return 0;
io:
	cs_log_warn("writing to the out directory");
	return -2;
}

/* frame_why - why li_pdu_frame refused p[0..n) */
static const char *
frame_why(const uint8_t *p, size_t n)
{
	size_t k, len = 0, i;

	if (p[0] != 0x30)
		return "not a SEQUENCE (identifier octet is not 0x30)";
	if (n < 2 || p[1] < 0x80)
		return "bad length";
	if (p[1] == 0x80)
		return "indefinite length (only definite lengths are allowed)";
	k = p[1] & 0x7f;
	if (k > 4)
		return "length field longer than 4 bytes";
	if (n >= 3 && p[2] == 0)
		return "non-minimal length (leading zero byte)";
	for (i = 0; i < k && 2 + i < n; i++)
		len = len << 8 | p[2 + i];
	if (len < 0x80)
		return "non-minimal length (long form below 128)";
	return "longer than the largest PDU accepted (1 MiB)";
}

/* conn_input - frame and handle what has arrived; -1 close, -2 stop */
static int
conn_input(struct lemf *l, struct conn *c)
{
	size_t off = 0;
	int rc = 0;

	while (off < c->inlen && !l->done) {
		long n = li_pdu_frame(c->in + off, c->inlen - off);

		if (n == 0)
			break;
		if (n < 0) {
			l->s.malformed++;
			l->dirty = 1;
			cs_log_warnx(
			    "connection %u, PDU %llu: rejected: PS-PDU: "
			    "%s at byte %d; closing the connection",
			    c->id, (unsigned long long)c->npdu + 1,
			    frame_why(c->in + off, c->inlen - off),
			    c->in[off] != 0x30 ? 0 : 1);
			rc = -1;
			break;
		}
		rc = on_pdu(l, c, c->in + off, (size_t)n);
		off += (size_t)n;
		if (rc != 0)
			break;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return rc;
}

/* conn_read - read what is there; -1 closed or failed, -2 stop */
static int
conn_read(struct lemf *l, struct conn *c)
{
	int turn;

	c->more = 0;
	for (turn = 0;; turn++) {
		ssize_t r;
		int rc;

		if (turn == LEMF_READS) {
			c->more = 1; /* let the others have their turn */
			return 0;
		}

		if (c->incap - c->inlen < LEMF_READ) {
			c->incap = c->inlen + LEMF_READ * 2;
			c->in = cs_xreallocarray(c->in, c->incap, 1);
		}
		if (c->ssl) {
			int k = SSL_read(c->ssl, c->in + c->inlen, LEMF_READ);
			if (k <= 0) {
				int e = SSL_get_error(c->ssl, k);
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					return 0;
				if (e != SSL_ERROR_ZERO_RETURN) {
					unsigned long ec = ERR_get_error();
					if (ec)
						cs_log_warnx(
						    "connection %u: TLS: %s",
						    c->id,
						    ERR_reason_error_string(
							ec));
				}
				return -1;
			}
			r = k;
		} else {
			r = recv(c->fd, c->in + c->inlen, LEMF_READ, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return 0;
				return -1;
			}
			if (r == 0)
				return -1;
		}
		c->inlen += (size_t)r;
		if ((rc = conn_input(l, c)) != 0)
			return rc;
		if (l->done)
			return 0;
		if (c->inlen > LI_PDU_MAX + LEMF_READ)
			return -1; /* cannot happen: frame caps the length */
		if (c->ssl && SSL_pending(c->ssl) == 0 && r < LEMF_READ)
			return 0; /* TLS: poll tells when more arrives */
	}
}

static void
conn_handshake(struct conn *c)
{
	int r = SSL_accept(c->ssl), e;

	if (r == 1) {
		c->handshaking = 0;
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	cs_log_warnx("connection %u: TLS handshake failed: %s", c->id,
	    ERR_reason_error_string(ERR_get_error()));
	c->closing = 2;
}

static void
lemf_accept(struct lemf *l, int lfd)
{
	int fd, one = 1;

	for (;;) {
		struct conn *c;

		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (l->nc == LEMF_MAXCONN) {
			cs_log_warnx("more than %d connections: refusing one",
			    LEMF_MAXCONN);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = cs_xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->id = ++l->nextconn;
		l->s.connections++;
		if (l->tls) {
			c->ssl = SSL_new(l->tls);
			if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
				cs_log_warnx(
				    "connection %u: TLS setup failed", c->id);
				if (c->ssl)
					SSL_free(c->ssl);
				close(fd);
				free(c);
				continue;
			}
			c->handshaking = 1;
		}
		l->c[l->nc++] = c;
		if (c->ssl)
			conn_handshake(c);
	}
}

/* --- setup --- */

static int
lemf_listen(const char *spec, int *port_out)
{
	char host[256], *port;
	const char *h;
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, one = 1, rc;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (strlen(spec) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (port == NULL)
		return -1;
	*port++ = '\0';
	h = host;
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		h = host + 1;
	}
	if (*h == '\0')
		h = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(h, port, &hints, &res)) != 0) {
		cs_log_warnx("--listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 64) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		cs_log_warn("--listen %s", spec);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET6
			? ((struct sockaddr_in6 *)&ss)->sin6_port
			: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static SSL_CTX *
lemf_tls(const char *ca, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		cs_log_warnx("TLS: loading --tls-cert/--tls-key: %s",
		    ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
			cs_log_warnx("TLS: loading --tls-ca: %s",
			    ERR_reason_error_string(ERR_get_error()));
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx,
		    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static int
write_ready(const char *path, int port)
{
	char tmp[4096], txt[32];
	int fd, n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	n = snprintf(txt, sizeof(txt), "%d\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, txt, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

static int
lemf_loop(struct lemf *l, int lfd)
{
	struct pollfd pfd[LEMF_MAXCONN + 1];
	int64_t last_sync = 0;

	while (!l->done && !stop_sig) {
		size_t i, np = 0;
		int n, timeout = 200;
		struct timespec now;

		for (i = 0; i < l->nc; i++)
			if (l->c[i]->more)
				timeout = 0;
		pfd[np].fd = lfd;
		pfd[np].events = POLLIN;
		np++;
		for (i = 0; i < l->nc; i++) {
			struct conn *c = l->c[i];
			pfd[np].fd = c->fd;
			pfd[np].events = POLLIN;
			if (c->outlen > 0 || (c->ssl && SSL_want_write(c->ssl)))
				pfd[np].events |= POLLOUT;
			np++;
		}
		n = poll(pfd, np, timeout);
		if (n < 0 && errno != EINTR) {
			cs_log_warn("poll");
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (n >= 0) {
			/* connections first (their pfd index is i + 1) */
			for (i = l->nc; i-- > 0;) {
				struct conn *c = l->c[i];
				short re = pfd[i + 1].revents;
				int rc = 0;

				if (pfd[i + 1].fd != c->fd)
					continue;
				if (c->more)
					re |= POLLIN;
				if (re == 0)
					continue;
				if (c->handshaking) {
					conn_handshake(c);
					if (c->closing) {
						conn_free(l, i);
						continue;
					}
					if (c->handshaking)
						continue;
				}
				if (re & (POLLIN | POLLHUP | POLLERR))
					rc = conn_read(l, c);
				if (rc == -2)
					return -1;
				if (rc == 0 && conn_flush(c) != 0)
					rc = -1;
				if (rc == -1 || l->done) {
					(void)conn_flush(c);
					if (rc == -1)
						conn_free(l, i);
				}
				if (l->done)
					break;
			}
			if (pfd[0].revents & POLLIN && !l->done)
				lemf_accept(l, lfd);
		}
		if (l->dirty &&
		    (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
			    last_sync >=
			LEMF_SYNC_MS) {
			if (lemf_sync(l) != 0)
				return -1;
			last_sync =
			    (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		}
	}
	return 0;
}

int
cmd_lemf(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"out", required_argument, NULL, 'o'},
	    {"tls-ca", required_argument, NULL, 'a'},
	    {"tls-cert", required_argument, NULL, 'c'},
	    {"tls-key", required_argument, NULL, 'k'},
	    {"count", required_argument, NULL, 'n'},
	    {"once", no_argument, NULL, '1'},
	    {"ready-file", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *listen_on = NULL, *ca = NULL, *cert = NULL, *key = NULL,
		   *ready = NULL;
	struct lemf l;
	struct sigaction sa;
	uint64_t pcap_keep = 0, iri_keep = 0;
	int ch, json = 0, lfd, port = 0, have = 0, rc = 0;
	struct cs_buf b;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.dirfd = -1;
	cs_buf_init(&l.jbuf, l.jstack, sizeof(l.jstack), 1 << 20);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_on = optarg;
			break;
		case 'o':
			l.dir = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			if (cs_parse_u64(cs_span_cstr(optarg), 1, UINT64_MAX,
				&l.count) != CS_OK) {
				cs_log_warnx("--count wants a number >= 1");
				return 2;
			}
			break;
		case '1':
			l.once = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			lemf_usage(stdout);
			return 0;
		default:
			lemf_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || listen_on == NULL || l.dir == NULL) {
		lemf_usage(stderr);
		return 2;
	}
	if ((cert == NULL) != (key == NULL) || (ca && !cert)) {
		cs_log_warnx("TLS needs --tls-cert and --tls-key together; "
			     "--tls-ca needs both");
		return 2;
	}
	if (mkdir(l.dir, 0700) != 0 && errno != EEXIST) {
		cs_log_warn("creating the out directory");
		return 1;
	}
	l.dirfd = open(l.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.dirfd < 0) {
		cs_log_warn("opening the out directory");
		return 1;
	}
	/* one lemf per out directory: the lock lives as long as the process */
	if (flock(l.dirfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			cs_log_warnx("another custos lemf uses this out "
				     "directory");
		else
			cs_log_warn("locking the out directory");
		close(l.dirfd);
		return 1;
	}
	if ((rc = load_state(&l, &pcap_keep, &iri_keep, &have)) != 0) {
		if (rc == -1)
			cs_log_warn("reading %s", LEMF_STATE);
		rc = 1;
		goto out;
	}
	if (open_pcap(&l, have, pcap_keep) != 0 ||
	    (l.iri = open_out(&l, "iri.jsonl", have, iri_keep, &l.iri_size)) ==
		NULL ||
	    lemf_sync(&l) != 0) {
		rc = 1;
		goto out;
	}
	if (cert != NULL && (l.tls = lemf_tls(ca, cert, key)) == NULL) {
		rc = 1;
		goto out;
	}
	if ((lfd = lemf_listen(listen_on, &port)) < 0) {
		rc = 1;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	cs_log_info("listening on port %d%s, out directory ready", port,
	    l.tls ? (ca ? " (TLS 1.3, client certificates required)"
			: " (TLS 1.3)")
		  : "");
	if (ready && write_ready(ready, port) != 0) {
		cs_log_warn("--ready-file");
		rc = 1;
		close(lfd);
		goto out;
	}
	if (lemf_loop(&l, lfd) != 0)
		rc = 1;
	close(lfd);
	if (lemf_sync(&l) != 0)
		rc = 1;
	for (i = l.nc; i-- > 0;) {
		(void)conn_flush(l.c[i]);
		l.once = 0;
		conn_free(&l, i);
	}
	cs_log_info("%llu PDUs: %llu IRI, %llu packet reports, %llu CC, %llu "
		    "keep-alives; %llu duplicates dropped, %llu gaps, %llu "
		    "malformed",
	    (unsigned long long)l.s.pdus, (unsigned long long)l.s.iri,
	    (unsigned long long)l.s.reports, (unsigned long long)l.s.cc,
	    (unsigned long long)l.s.keepalives,
	    (unsigned long long)l.s.duplicates, (unsigned long long)l.s.gaps,
	    (unsigned long long)l.s.malformed);
	if (json) {
		cs_buf_init(&b, NULL, 0, 1 << 16);
		stats_json(&l, &b);
		printf("%s\n", b.data);
		cs_buf_release(&b);
	}
out:
	if (l.pcap)
		fclose(l.pcap);
	if (l.iri)
		fclose(l.iri);
	if (l.tls)
		SSL_CTX_free(l.tls);
	free(l.st);
	cs_buf_release(&l.jbuf);
	if (l.dirfd >= 0)
		close(l.dirfd);
	return rc;
}
