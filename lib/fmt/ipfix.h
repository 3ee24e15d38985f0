/*
 * ipfix - RFC 7011 IPFIX messages carrying RFC 8158 NAT events, decoded
 * into CS_OBS_NAT observations; a classic pcap reader to replay captured
 * exports; and the declarations of the NAT line formats.
 *
 * Decoder state holds the templates of each (exporter, observation
 * domain): template sets define or refresh them, a template with no
 * fields withdraws it (id 2 / 3 with field count 0 withdraws all of that
 * kind), options templates are recorded only so that their data sets are
 * skipped cleanly.  A data set whose template is not known yet is held
 * (at most CS_IPFIX_MAXHELD sets, CS_IPFIX_HELDBYTES bytes in all, oldest
 * dropped and counted) until the template arrives.  natEvent values are
 * read in the IANA numbering unless the exporter was marked as using the
 * older draft numbering (Juniper MX: 1/2 session, 12/13 address binding,
 * 14/15 port block).
 *
 * Every read is bounds-checked (core/natrd.h): a truncated or
 * inconsistent message is reported through the sink's reject and the rest
 * of the input goes on.  Nothing is allocated in proportion to input
 * beyond the bounds above.  Not thread-safe.
 */
#ifndef CS_IPFIX_H
#define CS_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "fmt/fmt.h"
#include "util/addr.h"

#define CS_IPFIX_MAXTEMPLATES 4096 /* per decoder */
#define CS_IPFIX_MAXFIELDS 128     /* per template */
#define CS_IPFIX_MAXHELD 256       /* data sets waiting for a template */
#define CS_IPFIX_HELDBYTES (4u << 20)
#define CS_IPFIX_MAXDRAFT 64 /* exporters with draft numbering */

struct cs_ipfix;

struct cs_ipfix_stats {
	uint64_t messages, records, nat, templates, withdrawn, options;
	uint64_t held, held_dropped, unknown_event, bad;
};

/* cs_ipfix_new - a decoder reporting to sink (borrowed) */
struct cs_ipfix *cs_ipfix_new(struct cs_sink *sink);
void cs_ipfix_free(struct cs_ipfix *x);
/* cs_ipfix_draft_numbering - exporter sends draft-02 natEvent values */
enum cs_err cs_ipfix_draft_numbering(
    struct cs_ipfix *x, const struct cs_addr *exporter);
/*
 * cs_ipfix_message - one IPFIX message (a UDP payload) from exporter;
 * raw is the evidence text of the message's records is built from the
 * decoded fields.  msgno numbers messages for reject reports.
 */
enum cs_err cs_ipfix_message(struct cs_ipfix *x, const struct cs_addr *exporter,
    const uint8_t *p, size_t n, uint64_t msgno);
/*
 * cs_ipfix_pcap - every IPFIX message in a classic pcap capture
 * (Ethernet, Linux cooked v1/v2, raw IP, loopback; IPv4/IPv6; UDP to or
 * from port, or any UDP when port is 0).  CS_EPARSE when the file is
 * not a pcap capture at all (eb says why).
 */
enum cs_err cs_ipfix_pcap(struct cs_ipfix *x, const uint8_t *p, size_t n,
    int port, struct cs_errbuf *eb);
/* cs_ipfix_stats - what the decoder has seen */
const struct cs_ipfix_stats *cs_ipfix_stats(const struct cs_ipfix *x);

/* ---- the NAT line formats (conntrack.c, natlog.c) ---- */
extern const struct cs_fmt cs_fmt_conntrack;
extern const struct cs_fmt cs_fmt_ulogd_json;
extern const struct cs_fmt cs_fmt_natlog;

#endif
