/*
 * match - which intercept a packet belongs to, and the targets' identity
 * events.
 *
 * Targets are a user name, a MAC, a circuit id (ADSL-Agent-Circuit-Id,
 * NAS-Port-Id, DHCP option 82 circuit id) or a static IPv4/IPv6 address or
 * prefix.  The live address of a user name/MAC/circuit target is followed
 * from the RADIUS Accounting-Requests (UDP to port 1813 or 1646) and the
 * DHCPv4 packets (UDP 67/68) seen in the traffic itself, and from the
 * bindings the store knows at activation (li_match_seed).  Identity
 * packets are applied in packet order, before the next packet is matched.
 *
 * Only the targets' sessions are kept; a non-target's identity packets and
 * traffic are dropped where they are looked at (nothing is copied).  The
 * per-packet path is two or three hash lookups and never allocates.
 *
 * No diagnostics: nothing here writes to stderr or a log (target
 * identities are secret).  Counters are in struct li_match_stats.
 */
#ifndef CS_LI_MATCH_H
#define CS_LI_MATCH_H

#include <stdint.h>

#include "core/case.h"
#include "li/li.h"
#include "li/pkt.h"
#include "util/time.h"

struct li_match;

/* li_match_new - an empty matcher; NULL when out of memory */
struct li_match *li_match_new(void);
void li_match_free(struct li_match *m);

/*
 * li_match_add - follow target t for intercept icpt.  With
 * include_identity_packets, the RADIUS/DHCP packets about the target are
 * also handed to on_pkt (direction: DHCP client->server is from the
 * target, server->client to it; RADIUS is LI_DIR_UNKNOWN).
 * A target's window (cs_target from/to) limits what is reported for it:
 * packets and IRI outside [from, to) are not (its sessions are followed
 * all along).  Returns 0, or
 * -1 on a kind it cannot follow (email, phone), a bad value, or a static
 * prefix shorter than /8 (IPv4) or /16 (IPv6) (a whole network is not a
 * target).
 */
int li_match_add(struct li_match *m, uint32_t icpt, const struct cs_target *t,
    int include_identity_packets);
/*
 * li_match_trust - believe identity packets (RADIUS accounting, DHCP) only
 * from this source address or prefix (the NASes, DHCP relays and servers);
 * call once per source.  Without any, every source is believed, and a
 * forged Accounting-Request could point a target at someone else's
 * address: deployments should list their NASes.  Returns 0, -1 if full
 * (LI_MATCH_MAXTRUST).
 */
#define LI_MATCH_MAXTRUST 256
int li_match_trust(struct li_match *m, const struct cs_addr *src);

/* li_match_remove - forget every target of icpt (and sessions only it had) */
void li_match_remove(struct li_match *m, uint32_t icpt);

/*
 * li_match_seed - a binding the store knows (the target is already online
 * at activation): username/mac/circuit may be NULL or "", addr is the
 * address or prefix, start when it began.  Kept only if it belongs to a
 * target (any intercept); ended by a later Stop/RELEASE or replaced by a
 * Start/ACK for the same identity.  No on_iri is made: the caller emits
 * startOfInterceptionWithSessionActive itself.  Returns how many
 * intercepts the binding belongs to.
 */
int li_match_seed(struct li_match *m, const char *username, const char *mac,
    const char *circuit, const struct cs_addr *addr, cs_time start);

/* The callbacks must not call li_match_* on the same matcher (it is in
 * the middle of an update); note what to do and do it after the call. */
struct li_match_cb {
	void *ctx;
	/* an identity event of a target (Start/Interim/Stop, ACK/RELEASE) */
	void (*on_iri)(
	    void *ctx, uint32_t icpt, const struct li_iri *iri, cs_time t);
	/* a packet to/from a target's live address */
	void (*on_pkt)(void *ctx, uint32_t icpt, enum li_dir dir, cs_time t,
	    const struct li_pkt *p);
};

/*
 * li_match_packet - one packet at time t: identity packets are applied
 * first (their IRI through on_iri), then the packet is matched against the
 * live addresses (on_pkt once per intercept it belongs to).  DHCP leases
 * that ran out before t end first (ACCESS_END, endReason leaseExpired).
 */
void li_match_packet(struct li_match *m, cs_time t, const struct li_pkt *p,
    const struct li_match_cb *cb);

/* li_match_tick - end leases that ran out by t (no packet needed) */
void li_match_tick(struct li_match *m, cs_time t, const struct li_match_cb *cb);

/*
 * li_match_report - one IRI of event ev (typically
 * LI_EV_START_WITH_SESSION after activation and seeding, or
 * LI_EV_END_WITH_SESSION before li_match_remove) through on_iri for each
 * live session of intercept icpt; static address targets report their
 * address with authenticationType static.  Returns how many.
 */
int li_match_report(struct li_match *m, uint32_t icpt, enum li_iri_event ev,
    cs_time t, const struct li_match_cb *cb);

/* li_match_active - 1 when intercept icpt has a live address now */
int li_match_active(const struct li_match *m, uint32_t icpt);

/* the most target sessions kept at once (forged or runaway accounting
 * cannot grow the matcher without bound) */
#define LI_MATCH_MAXSESS 16384

struct li_match_stats {
	uint64_t packets;    /* li_match_packet calls */
	uint64_t matched;    /* packets that went to on_pkt (any intercept) */
	uint64_t radius;     /* Accounting-Requests parsed */
	uint64_t dhcp;       /* DHCP packets parsed */
	uint64_t bad_radius; /* RADIUS-port packets rejected as malformed */
	uint64_t bad_dhcp;   /* DHCP-port packets rejected as malformed */
	uint64_t events;     /* on_iri calls */
	uint64_t sessions;   /* target sessions live now */
	uint64_t untrusted;  /* identity packets from a source not trusted */
	uint64_t full;       /* sessions not kept: LI_MATCH_MAXSESS reached */
};
void li_match_stats(const struct li_match *m, struct li_match_stats *out);

/*
 * The identity parsers, exposed for tests and fuzzing.  A RADIUS
 * Accounting-Request or a DHCPv4 packet (UDP payload) into the fields the
 * matcher reads.  Return 0, or -1 when malformed (length fields that
 * disagree, an attribute or option running past the end, a bad value size).
 */
#define LI_ROUTES 4 /* routed prefixes followed per session */
struct li_ident {
	int kind;    /* 'R' RADIUS, 'D' DHCP, 'V' DHCPv6 */
	int status;  /* RADIUS Acct-Status-Type; DHCP message type (53) */
	int dhcp_op; /* DHCP: 1 request, 2 reply */
	char username[LI_STR];
	char mac[CS_MAC_STRLEN]; /* canonical, "" if none */
	char circuit[LI_STR];    /* Agent-Circuit-Id / option 82.1 */
	char nas_port_id[LI_STR];
	char nas_id[LI_STR];
	char session[LI_STR]; /* Acct-Session-Id */
	struct cs_addr nas;   /* NAS-IP-Address / NAS-IPv6 / giaddr / server */
	struct cs_addr a4;    /* Framed-IP-Address / yiaddr / ciaddr */
	struct cs_addr p6;    /* Framed-IPv6-Prefix */
	struct cs_addr d6;    /* Delegated-IPv6-Prefix */
	struct cs_addr h6;    /* Framed-IPv6-Address */
	struct cs_addr route[LI_ROUTES]; /* Framed-Route, Framed-IPv6-Route */
	int term_cause;                  /* Acct-Terminate-Cause, -1 */
	int64_t event_ts;                /* Event-Timestamp (s), -1 */
	int64_t delay;                   /* Acct-Delay-Time (s), 0 */
	int64_t lease;                   /* DHCP option 51 (s), -1 */
	uint32_t xid;                    /* DHCP transaction id */
};
int li_radius_acct_parse(const uint8_t *p, size_t n, struct li_ident *out);
int li_dhcp_parse(const uint8_t *p, size_t n, struct li_ident *out);
/*
 * li_dhcp6_parse - a DHCPv6 message (RFC 8415; relay messages unwrapped,
 * up to 8 deep): kind 'V', status the inner message type (7 REPLY, 8
 * RELEASE), mac from the client DUID (DUID-LLT/DUID-LL of Ethernet),
 * circuit from the relay's Interface-Id, nas the relay's link address,
 * h6 the first IA_NA address and d6 the first IA_PD prefix with a valid
 * lifetime, lease the shortest such lifetime.
 */
int li_dhcp6_parse(const uint8_t *p, size_t n, struct li_ident *out);

#endif
