/*
 * obs - an observation: what one log record says about who had which
 * address (or what mail a subscriber sent), before it is folded into
 * bindings.  Parsers (lib/fmt/) produce observations; the fold engine
 * (lib/core/fold.c) turns them into bindings in the store.
 *
 * Every pointer in an observation is borrowed from the parser and valid
 * only during the sink callback that receives it.
 */
#ifndef CS_OBS_H
#define CS_OBS_H

#include <stdint.h>

#include "util/addr.h"
#include "util/span.h"
#include "util/time.h"

/* source formats; the numbers are stored on disk: never renumber */
enum cs_src {
	CS_SRC_NONE = 0,
	CS_SRC_RADIUS = 1,       /* FreeRADIUS detail file */
	CS_SRC_DHCPD = 2,        /* ISC dhcpd syslog lines */
	CS_SRC_DHCPD_LEASES = 3, /* ISC dhcpd.leases */
	CS_SRC_KEA_LEASES = 4,   /* Kea memfile lease CSV */
	CS_SRC_KEA_LOG = 5,      /* Kea DHCP4 log lines (file or syslog) */
	CS_SRC_DNSMASQ = 6,      /* dnsmasq DHCP syslog lines */
	CS_SRC_POSTFIX = 7,      /* Postfix logs (syslog or maillog_file) */
	CS_SRC_IPFIX = 8,        /* IPFIX NAT events (RFC 8158) */
	CS_SRC_CONNTRACK = 9,    /* netfilter conntrack -E / ulogd2 JSON */
	CS_SRC_NATMAP = 10,      /* deterministic NAT mapping (RFC 7422) */
	CS_SRC_NATLOG = 11,      /* vendor NAT syslog (Juniper, Cisco) */
	CS_SRC_MAX
};

/* cs_src_name - stable name used in JSON ("radius-detail", ...) */
const char *cs_src_name(enum cs_src s);

/*
 * What the record says happened.  Bindings are keyed by obs.key, a text the
 * parser builds (in its own buffer) so that every record about the same
 * session or lease carries the same key:
 *   RADIUS  "radius|<Acct-Unique-Session-Id>", or when absent
 *           "radius|<NAS-IP-Address>|<NAS-Identifier>|<Acct-Session-Id>|<User-Name>"
 *   DHCP    "dhcp|<ip>|<mac aa:bb:cc:dd:ee:ff>" for every DHCP source (dhcpd
 *           syslog, dhcpd.leases, Kea, dnsmasq), so that the log and the
 *           lease file of one server fold into the same binding; with no
 *           MAC, "dhcp|<ip>|id:<client-id>".
 *   SMTP    "smtp|<queue id>|<first-seen time in microseconds>"
 *
 *  OPEN    the key holds its addresses at .time (Start, Interim, DHCPACK,
 *          a lease row).  .start, when set, is an earlier known start
 *          (Interim: time - Acct-Session-Time).  .until, when set, is when
 *          the holding ends unless renewed (lease expiry: an inferred end).
 *  CLOSE   the key stopped holding its addresses at .time (Stop,
 *          DHCPRELEASE, Kea valid_lifetime=0 or state=2, dnsmasq del).
 *          .start as for OPEN (Stop: time - Acct-Session-Time).
 *  RELEASED  the key gave its addresses up at some time not before .time,
 *          which the record does not tell (a Kea lease-file release row
 *          keeps the last renewal's time): the end stays inferred, but a
 *          later OPEN of the key starts a new binding.
 *  NAS_RESET  Accounting-On/Off: every open session of NAS .nas_key
 *          that started before .time ends at .time (inferred).
 *  SMTP    one correlated Postfix envelope (.smtp).
 */
enum cs_obs_kind {
	CS_OBS_OPEN = 1,
	CS_OBS_CLOSE,
	CS_OBS_NAS_RESET,
	CS_OBS_SMTP,
	CS_OBS_RELEASED,
	CS_OBS_NAT, /* a NAT record (.nat): session, binding or port block */
};

#define CS_OBS_MAXADDR 4
#define CS_SMTP_MAXRCPT 64

struct cs_smtp_rcpt {
	struct cs_span to;      /* envelope recipient, without <> */
	struct cs_span orig_to; /* or empty */
	struct cs_span relay;   /* "local", "mx.example[198.51.100.25]:25" */
	struct cs_span status;  /* "sent", "bounced", "deferred", "reject" */
	struct cs_span dsn;     /* "2.0.0" */
	cs_time time;
};

struct cs_smtp {
	struct cs_span queue_id;    /* "99F42112378"; "NOQUEUE" for rejects */
	struct cs_span service;     /* "smtpd", "submission/smtpd", "pickup" */
	struct cs_span client_host; /* "unknown", "mail.example.com" */
	struct cs_addr client_ip;   /* family 0 for local submission */
	struct cs_span sasl_method;
	struct cs_span sasl_username;
	struct cs_span message_id; /* without <> */
	struct cs_span from;       /* envelope sender, without <> */
	struct cs_span helo;
	uint64_t size;
	cs_time first, last; /* first and last line of the message */
	int nrcpt;
	struct cs_smtp_rcpt rcpt[CS_SMTP_MAXRCPT];
};

/*
 * A NAT record (CS_OBS_NAT), defined by the CGNAT module (core/nat.h);
 * opaque here.
 */
struct cs_nat;

struct cs_obs {
	enum cs_obs_kind kind;
	enum cs_src src;
	cs_time time;  /* event time (UTC) */
	cs_time start; /* CS_TIME_NONE unless known earlier start */
	cs_time until; /* CS_TIME_NONE unless a lease expiry */

	struct cs_span key;     /* binding identity within src; see above */
	struct cs_span nas_key; /* NAS identity (NAS-IP-Address or -Identifier,
				   or the DHCP server host); may be empty */

	int naddr;
	struct cs_addr addr[CS_OBS_MAXADDR]; /* IPv4, IPv6 prefixes */

	/* subscriber identity; empty spans when not in the record */
	struct cs_span username;
	int has_mac;
	uint8_t mac[6];
	struct cs_span circuit_id; /* decoded text where printable */
	struct cs_span remote_id;
	struct cs_span nas_ip;
	struct cs_span nas_id;
	struct cs_span nas_port_id;
	struct cs_span session_id; /* Acct-Session-Id */
	struct cs_span unique_id;  /* Acct-Unique-Session-Id */
	struct cs_span hostname;   /* DHCP client hostname */
	struct cs_span client_id;  /* DHCP client identifier */
	struct cs_span relay;      /* DHCP relay (giaddr) or interface */

	struct cs_smtp *smtp;     /* CS_OBS_SMTP only */
	const struct cs_nat *nat; /* CS_OBS_NAT only */

	/*
	 * The verbatim source record(s), as evidence.  For a multi-line
	 * record, the lines joined with '\n'.  For SMTP, every line of the
	 * message.
	 */
	struct cs_span raw;
	uint64_t line; /* first line number of the record (1-based) */
};

/* cs_obs_init - clear o and mark optional times as unknown */
void cs_obs_init(struct cs_obs *o);

#endif
