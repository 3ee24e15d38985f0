/*
 * li - the types the intercept path shares (capture, match, encode,
 * spool, delivery).  See docs/intercept.md for the whole path:
 *
 *   capture (cap.h) -> parse (pkt.h) -> match (match.h) -> encode
 *   (pspdu.h) -> spool (spool.h) -> deliver (link.h) -> agency
 *
 * Pen/trap is non-content by construction: a pen/trap intercept's packets
 * become a struct li_hdronly (IP and transport headers, copied by
 * li_hdronly_make, which never copies a byte past them) before they reach
 * the encoder, and the only encoder that takes packets for a pen/trap
 * intercept (li_enc_report) takes nothing else.
 */
#ifndef CS_LI_H
#define CS_LI_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/time.h"

/* what an intercept may deliver */
enum li_mode {
	LI_MODE_IRI = 1,    /* IRI only (pen/trap: always) */
	LI_MODE_IRI_CC = 2, /* IRI and content (Title III) */
};

/* a packet's direction as TS 102 232-1 PayloadDirection sees it */
enum li_dir {
	LI_DIR_TO_TARGET = 0,
	LI_DIR_FROM_TARGET = 1,
	LI_DIR_UNKNOWN = 3,
};

/* TS 102 232-3 IPIRIContents.accessEventType */
enum li_iri_event {
	LI_EV_ACCESS_ATTEMPT = 0,
	LI_EV_ACCESS_ACCEPT = 1,
	LI_EV_ACCESS_REJECT = 2,
	LI_EV_INTERIM_UPDATE = 6,
	LI_EV_START_WITH_SESSION = 7, /* startOfInterceptionWithSessionActive */
	LI_EV_ACCESS_END = 8,
	LI_EV_END_WITH_SESSION = 9, /* endOfInterceptionWithSessionActive */
};

/* TS 102 232-3 authenticationType */
enum li_auth {
	LI_AUTH_NONE = -1,
	LI_AUTH_STATIC = 1,
	LI_AUTH_RADIUS = 2,
	LI_AUTH_DHCP = 3,
};

#define LI_STR 256

/*
 * One IRI event about a target: what the encoder puts into IPIRIContents.
 * Empty strings and family-0 addresses are absent.
 */
struct li_iri {
	enum li_iri_event event;
	char username[LI_STR];   /* targetUsername */
	struct cs_addr addr;     /* targetIPAddress (prefix for delegated) */
	char network_id[LI_STR]; /* targetNetworkID: the MAC, canonical */
	char pop_id[LI_STR];     /* pOPIdentifier: NAS-Identifier */
	struct cs_addr pop_addr; /* pOPIPAddress: NAS-IP-Address, relay */
	char pop_port[LI_STR];   /* pOPPortID: NAS-Port-Id or circuit id */
	cs_time start;           /* startTime; CS_TIME_NONE: absent */
	cs_time end;             /* endTime; CS_TIME_NONE: absent */
	int end_reason;          /* endReason; -1: absent */
	enum li_auth auth;       /* authenticationType */
};

/* li_iri_init - an empty IRI of this event (every field absent) */
void li_iri_init(struct li_iri *iri, enum li_iri_event ev);

/* the longest IP + transport header li_hdronly_make keeps */
#define LI_HDR_MAX 128

/*
 * The headers of one packet, and nothing else: what a pen/trap intercept
 * may deliver (IPIRIPacketReport's header).  len covers the IP header
 * (IPv6: with its extension headers) and the TCP/UDP/ICMP header.
 */
struct li_hdronly {
	uint8_t b[LI_HDR_MAX];
	size_t len;
	size_t iplen; /* the IP packet's total length, as its header says */
};

/*
 * li_hdronly_make - copy the IP and transport headers of the IP packet
 * ip[0..len) into out.  Returns 0, or -1 when the packet is not IPv4/IPv6
 * or its headers are cut short (out is then empty).  Never copies payload.
 */
int li_hdronly_make(struct li_hdronly *out, const uint8_t *ip, size_t len);

#endif
