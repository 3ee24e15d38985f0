/*
 * cap - packets from libpcap: a capture file (pcap or pcapng; optionally
 * replayed at its own pace) or a live interface.
 *
 * Live capture: promiscuous, immediate mode, snaplen 262144, a 100 ms read
 * timeout so li_cap_next returns 0 regularly and the caller's loop can run
 * its timers.  The capture socket is opened by li_cap_open_live; privileges
 * may be dropped right after (see priv.h): reading needs none.
 */
#ifndef CS_LI_CAP_H
#define CS_LI_CAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

#define LI_CAP_SNAPLEN 262144

struct li_cap;

/* li_cap_open_file - a pcap/pcapng file; realtime: sleep to the capture's
 * own inter-packet gaps */
struct li_cap *li_cap_open_file(
    const char *path, int realtime, struct cs_errbuf *eb);
/* li_cap_open_live - interface ifname ("any" works on Linux) */
struct li_cap *li_cap_open_live(const char *ifname, struct cs_errbuf *eb);
/* li_cap_filter - a BPF filter (tcpdump syntax) applied in the kernel */
enum cs_err li_cap_filter(
    struct li_cap *c, const char *expr, struct cs_errbuf *eb);
/*
 * li_cap_next - the next packet: 1 with *t (capture time, µs UTC),
 * *frame and *caplen (valid until the next call) and *linktype; 0 at the end
 * of a file or on a live read timeout; -1 on an error (li_cap_error says
 * which).
 */
int li_cap_next(struct li_cap *c, cs_time *t, const uint8_t **frame,
    size_t *caplen, int *linktype);
/* li_cap_eof - 1 once a file has been read to its end */
int li_cap_eof(const struct li_cap *c);
/* li_cap_error - text of the last error (never packet content) */
const char *li_cap_error(const struct li_cap *c);
/* li_cap_fd - a descriptor to poll for live packets, or -1 */
int li_cap_fd(const struct li_cap *c);
/* li_cap_stats - live: packets received and dropped by the kernel; -1 if
 * unknown */
int li_cap_stats(struct li_cap *c, uint64_t *recv, uint64_t *drop);
void li_cap_close(struct li_cap *c);

/*
 * Evidence capture: one classic pcap file (LINKTYPE_RAW: IP packets,
 * microsecond stamps) per intercept, hashed (SHA-256) as it is written so
 * that the manifest needs no second read.  For a pen/trap intercept write
 * the headers only (struct li_hdronly: caplen = len, origlen = iplen).
 * The file is created exclusively (an existing file is never
 * overwritten), mode 0600.
 */
struct li_evid;
struct li_evid *li_evid_open(const char *path, struct cs_errbuf *eb);
/* li_evid_write - one record: caplen bytes of a packet origlen long */
enum cs_err li_evid_write(struct li_evid *e, cs_time t, const uint8_t *data,
    size_t caplen, size_t origlen, struct cs_errbuf *eb);
/* li_evid_sync - write out and fsync what was written so far */
enum cs_err li_evid_sync(struct li_evid *e, struct cs_errbuf *eb);
/*
 * li_evid_close - write out, fsync, close; sha256 gets the hex SHA-256 of
 * the whole file and *bytes its size (either may be NULL).  Frees e even
 * on an error.
 */
enum cs_err li_evid_close(
    struct li_evid *e, char sha256[65], uint64_t *bytes, struct cs_errbuf *eb);

#endif
