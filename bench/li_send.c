/*
 * li_send - make PS-PDUs with the project's encoder and send them to a
 * LEMF (custos lemf, or any TS 102 232 receiver) over TCP or TLS 1.3, or
 * write them to a pcap for tshark.  A test and benchmark helper.
 *
 *   li_send --connect HOST:PORT [what] [--keepalive [--wait-ack]]
 *   li_send --pcap FILE [--dlt user0|tcp] [what]
 *
 * what: --iri N (accessAccept, interimUpdate..., accessEnd), --cc N (IP
 * packets carrying --payload TEXT, both directions), --report N
 * (pen/trap header-only reports of the same packets), --liid, --cin,
 * --seq S (the first sequenceNumber of each stream), --v6, --repeat R
 * (send the whole batch R times with fresh sequence numbers: a rate
 * test), --corrupt OFF:BYTE (overwrite byte OFF of the first PDU).
 * IRI and reports share the IRI stream's sequence numbers.
 *
 * Each PDU goes out in its own send() with TCP_NODELAY (one PDU per
 * segment on loopback).  --ka-response adds a keep-alive response (for
 * pcaps); --keepalive ends with a keep-alive; --wait-ack
 * waits (10 s) for the keep-alive response and prints "ack".  The
 * summary (PDUs, bytes, CPU seconds, PDUs/s) goes to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "li/pspdu.h"
#include "util/xmalloc.h"

struct out {
	int fd;
	SSL *ssl;
	FILE *pcap;
	int dlt_tcp;
	uint32_t tcpseq;
	cs_time t;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: li_send (--connect HOST:PORT | --pcap FILE [--dlt "
	    "user0|tcp])\n"
	    "       [--iri N] [--cc N] [--report N] [--liid L] [--cin N] "
	    "[--seq S]\n"
	    "       [--payload TEXT] [--v6] [--repeat R] [--corrupt OFF:BYTE]\n"
	    "       [--ka-response] [--keepalive [--wait-ack]]\n"
	    "       [--tls-ca F --tls-cert F "
	    "--tls-key F]\n");
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t
csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* pcap_pdu - one record: the PDU alone (USER0) or in an IPv4/TCP segment */
static int
pcap_pdu(struct out *o, const uint8_t *p, size_t n)
{
	uint8_t rh[16], h[54];
	size_t hl = o->dlt_tcp ? 54 : 0;

	o->t += 1000;
	le32(rh, (uint32_t)(o->t / CS_US));
	le32(rh + 4, (uint32_t)(o->t % CS_US));
	le32(rh + 8, (uint32_t)(n + hl));
	le32(rh + 12, (uint32_t)(n + hl));
	if (fwrite(rh, 1, 16, o->pcap) != 16)
		return -1;
	if (o->dlt_tcp) {
		size_t il = 40 + n;

		memset(h, 0, sizeof(h));
		memcpy(h,
		    "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
		    "\x08\x00",
		    14);
		h[14] = 0x45;
		h[16] = (uint8_t)(il >> 8);
		h[17] = (uint8_t)il;
		h[20] = 0x40; /* DF */
		h[22] = 64;
		h[23] = 6;
		memcpy(h + 26, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		{
			uint16_t c = csum(h + 14, 20);
			h[24] = (uint8_t)(c >> 8);
			h[25] = (uint8_t)c;
		}
		h[34] = 0xa0; /* sport 41001 */
		h[35] = 0x29;
		h[36] = 0x9c; /* dport 40001 */
		h[37] = 0x41;
		h[38] = (uint8_t)(o->tcpseq >> 24);
		h[39] = (uint8_t)(o->tcpseq >> 16);
		h[40] = (uint8_t)(o->tcpseq >> 8);
		h[41] = (uint8_t)o->tcpseq;
		h[45] = 1;
		h[46] = 0x50;
		h[47] = 0x18; /* PSH ACK */
		h[48] = 0xff;
		h[49] = 0xff;
		o->tcpseq += (uint32_t)n;
		if (fwrite(h, 1, hl, o->pcap) != hl)
			return -1;
	}
	return fwrite(p, 1, n, o->pcap) == n ? 0 : -1;
}

static int
send_all(struct out *o, const uint8_t *p, size_t n)
{
	if (o->pcap)
		return pcap_pdu(o, p, n);
	while (n > 0) {
		ssize_t w;

		if (o->ssl) {
			int r = SSL_write(o->ssl, p, (int)n);
			if (r <= 0)
				return -1;
			w = r;
		} else {
			w = send(o->fd, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
dial(const char *spec)
{
	char host[256], *port;
	const char *h;
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1;

	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (port == NULL)
		return -1;
	*port++ = '\0';
	h = host;
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static SSL *
tls_client(int fd, const char *ca, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;

	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) ||
	    (key &&
		SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx); /* the SSL keeps a reference */
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
		fprintf(stderr, "li_send: TLS: %s\n",
		    ERR_reason_error_string(ERR_get_error()));
		return NULL;
	}
	return ssl;
}

/* make_packet - an IPv4 or IPv6 UDP packet carrying payload */
static size_t
make_packet(uint8_t *p, int v6, int to_target, const char *payload, uint16_t id)
{
	static const uint8_t t4[4] = {100, 64, 12, 34},
			     o4[4] = {198, 51, 100, 7};
	static const uint8_t t6[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34};
	static const uint8_t o6[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
	size_t pl = strlen(payload), ul = 8 + pl, ih = v6 ? 40 : 20;
	uint8_t *u = p + ih;

	memset(p, 0, ih + 8);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)(ul >> 8);
		p[5] = (uint8_t)ul;
		p[6] = 17;
		p[7] = 64;
		memcpy(p + 8, to_target ? o6 : t6, 16);
		memcpy(p + 24, to_target ? t6 : o6, 16);
	} else {
		p[0] = 0x45;
		p[2] = (uint8_t)((20 + ul) >> 8);
		p[3] = (uint8_t)(20 + ul);
		p[4] = (uint8_t)(id >> 8);
		p[5] = (uint8_t)id;
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, to_target ? o4 : t4, 4);
		memcpy(p + 16, to_target ? t4 : o4, 4);
		{
			uint16_t c = csum(p, 20);
			p[10] = (uint8_t)(c >> 8);
			p[11] = (uint8_t)c;
		}
	}
	u[0] = to_target ? 0x01 : 0xc3; /* 443 <-> 50000 */
	u[1] = to_target ? 0xbb : 0x50;
	u[2] = to_target ? 0xc3 : 0x01;
	u[3] = to_target ? 0x50 : 0xbb;
	u[4] = (uint8_t)(ul >> 8);
	u[5] = (uint8_t)ul;
	memcpy(u + 8, payload, pl);
	return ih + ul;
}

static int
wait_ack(struct out *o)
{
	uint8_t buf[65536];
	size_t n = 0;
	struct pollfd pfd = {o->fd, POLLIN, 0};
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		ssize_t r;
		long f;

		if (!(o->ssl && SSL_pending(o->ssl)) && poll(&pfd, 1, 500) <= 0)
			continue;
		if (o->ssl) {
			int k =
			    SSL_read(o->ssl, buf + n, (int)(sizeof(buf) - n));
			r = k;
		} else {
			r = recv(o->fd, buf + n, sizeof(buf) - n, 0);
		}
		if (r <= 0)
			return -1;
		n += (size_t)r;
		while ((f = li_pdu_frame(buf, n)) > 0) {
			if (li_pdu_is_keepalive(buf, (size_t)f, 1))
				return 0;
			memmove(buf, buf + f, n - (size_t)f);
			n -= (size_t)f;
		}
		if (f < 0)
			return -1;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"connect", required_argument, NULL, 'C'},
	    {"pcap", required_argument, NULL, 'P'},
	    {"dlt", required_argument, NULL, 'D'},
	    {"iri", required_argument, NULL, 'i'},
	    {"cc", required_argument, NULL, 'c'},
	    {"report", required_argument, NULL, 'r'},
	    {"liid", required_argument, NULL, 'l'},
	    {"cin", required_argument, NULL, 'n'},
	    {"seq", required_argument, NULL, 's'},
	    {"payload", required_argument, NULL, 'p'},
	    {"v6", no_argument, NULL, '6'},
	    {"repeat", required_argument, NULL, 'R'},
	    {"corrupt", required_argument, NULL, 'x'},
	    {"keepalive", no_argument, NULL, 'k'},
	    {"wait-ack", no_argument, NULL, 'w'},
	    {"ka-response", no_argument, NULL, 'Q'},
	    {"tls-ca", required_argument, NULL, 'A'},
	    {"tls-cert", required_argument, NULL, 'T'},
	    {"tls-key", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conn = NULL, *pcap = NULL, *ca = NULL, *cert = NULL,
		   *key = NULL, *payload = "li_send payload 0123456789";
	struct li_hdr h = {
	    "LIID-SEND-1", "US", "custos-test", "ne-1", 1, "US", 0, 0};
	unsigned long niri = 0, ncc = 0, nrep = 0, rep = 1, r, k;
	long corrupt_off = -1;
	int corrupt_byte = 0, ch, v6 = 0, ka = 0, wack = 0, kar = 0;
	uint32_t seq0 = 0, iseq, cseq;
	struct out o;
	struct cs_buf b;
	uint8_t pkt[2048];
	uint64_t npdu = 0, nbytes = 0;
	struct timespec c0, c1;
	double cpu;
	int first = 1;

	memset(&o, 0, sizeof(o));
	o.fd = -1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'C':
			conn = optarg;
			break;
		case 'P':
			pcap = optarg;
			break;
		case 'D':
			o.dlt_tcp = strcmp(optarg, "tcp") == 0;
			break;
		case 'i':
			niri = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			ncc = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			nrep = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			h.liid = optarg;
			break;
		case 'n':
			h.cin = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			seq0 = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			payload = optarg;
			if (strlen(payload) > 1400) {
				fprintf(
				    stderr, "li_send: --payload too long\n");
				return 2;
			}
			break;
		case '6':
			v6 = 1;
			break;
		case 'R':
			rep = strtoul(optarg, NULL, 10);
			break;
		case 'x': {
			char *e;
			corrupt_off = strtol(optarg, &e, 10);
			if (*e != ':')
				return 2;
			corrupt_byte = (int)strtol(e + 1, NULL, 0);
		} break;
		case 'k':
			ka = 1;
			break;
		case 'w':
			wack = 1;
			break;
		case 'Q':
			kar = 1;
			break;
		case 'A':
			ca = optarg;
			break;
		case 'T':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((conn == NULL) == (pcap == NULL)) {
		usage(stderr);
		return 2;
	}
	if (pcap) {
		uint8_t fh[24];

		o.pcap = fopen(pcap, "wb");
		if (o.pcap == NULL) {
			perror(pcap);
			return 1;
		}
		le32(fh, 0xa1b2c3d4);
		le32(fh + 4, 0x00040002);
		le32(fh + 8, 0);
		le32(fh + 12, 0);
		le32(fh + 16, 262144);
		le32(fh + 20, o.dlt_tcp ? 1 : 147);
		fwrite(fh, 1, 24, o.pcap);
		o.t = 1796000000LL * CS_US;
	} else {
		o.fd = dial(conn);
		if (o.fd < 0) {
			fprintf(
			    stderr, "li_send: cannot connect to %s\n", conn);
			return 1;
		}
		if (ca && (o.ssl = tls_client(o.fd, ca, cert, key)) == NULL)
			return 1;
	}
	cs_buf_init(&b, NULL, 0, LI_PDU_MAX);
	h.ts = 1796000000LL * CS_US; /* 2026-11-30T00:53:20Z */
	iseq = cseq = seq0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (r = 0; r < rep; r++) {
		for (k = 0; k < niri + ncc + nrep; k++) {
			struct li_iri iri;
			enum cs_err e;

			cs_buf_reset(&b);
			h.ts += 1000;
			if (k < niri) {
				li_iri_init(&iri,
				    k == 0              ? LI_EV_ACCESS_ACCEPT
					: k + 1 == niri ? LI_EV_ACCESS_END
							: LI_EV_INTERIM_UPDATE);
				snprintf(iri.username, sizeof(iri.username),
				    "target-user");
				cs_addr_parse(
				    cs_span_cstr(v6 ? "2001:db8:12::/48"
						    : "100.64.12.34"),
				    &iri.addr);
				snprintf(iri.network_id, sizeof(iri.network_id),
				    "02:00:00:00:12:34");
				snprintf(
				    iri.pop_id, sizeof(iri.pop_id), "bras-1");
				iri.auth = LI_AUTH_RADIUS;
				iri.start = 1796000000LL * CS_US;
				if (iri.event == LI_EV_ACCESS_END) {
					iri.end = h.ts;
					iri.end_reason = 1;
				}
				h.seq = iseq++;
				e = li_enc_iri(&b, &h, &iri);
			} else {
				int to = (k & 1) != 0;
				size_t n = make_packet(
				    pkt, v6, to, payload, (uint16_t)k);

				if (k < niri + ncc) {
					h.seq = cseq++;
					e = li_enc_cc(&b, &h,
					    to ? LI_DIR_TO_TARGET
					       : LI_DIR_FROM_TARGET,
					    pkt, n);
				} else {
					struct li_hdronly ho;

					if (li_hdronly_make(&ho, pkt, n) != 0)
						return 1;
					h.seq = iseq++;
					e = li_enc_report(&b, &h,
					    to ? LI_DIR_TO_TARGET
					       : LI_DIR_FROM_TARGET,
					    &ho);
				}
			}
			if (e != CS_OK) {
				fprintf(stderr, "li_send: encode: %s\n",
				    cs_strerror(e));
				return 1;
			}
			if (first && corrupt_off >= 0 &&
			    (size_t)corrupt_off < b.len)
				b.data[corrupt_off] = (char)corrupt_byte;
			first = 0;
			if (send_all(&o, (uint8_t *)b.data, b.len) != 0) {
				fprintf(stderr,
				    "li_send: send failed after %llu "
				    "PDUs\n",
				    (unsigned long long)npdu);
				return 1;
			}
			npdu++;
			nbytes += b.len;
		}
	}
	if (kar) {
		cs_buf_reset(&b);
		li_enc_keepalive(&b, &h, 1);
		if (send_all(&o, (uint8_t *)b.data, b.len) != 0)
			return 1;
		npdu++;
		nbytes += b.len;
	}
	if (ka) {
		cs_buf_reset(&b);
		li_enc_keepalive(&b, &h, 0);
		if (send_all(&o, (uint8_t *)b.data, b.len) != 0)
			return 1;
		npdu++;
		nbytes += b.len;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	cpu = (double)(c1.tv_sec - c0.tv_sec) +
	    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	fprintf(stderr,
	    "li_send: %llu PDUs, %llu bytes, %.3f s CPU, %.0f "
	    "PDUs/s CPU\n",
	    (unsigned long long)npdu, (unsigned long long)nbytes, cpu,
	    cpu > 0 ? (double)npdu / cpu : 0.0);
	if (ka && wack && conn) {
		if (wait_ack(&o) != 0) {
			fprintf(stderr, "li_send: no keep-alive response\n");
			return 1;
		}
		printf("ack\n");
	}
	if (o.pcap && fclose(o.pcap) != 0)
		return 1;
	if (o.ssl) {
		SSL_shutdown(o.ssl);
		SSL_free(o.ssl);
	}
	if (o.fd >= 0)
		close(o.fd);
	cs_buf_release(&b);
	return 0;
}
