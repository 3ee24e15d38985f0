/*
 * tapbench - the capture path of custos tap without encoding: capture file
 * -> frame parse -> match (targets by user name, addresses followed from
 * the RADIUS accounting in the file), counting the packets matched.
 * Prints packets, matched packets, identity events and packets/s by CPU
 * time (user + sys).  bench/tap.sh runs it beside tcpdump.
 *
 *   tapbench FILE.pcap TARGETS   (TARGETS: user names, one a line)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/case.h"
#include "li/cap.h"
#include "li/match.h"
#include "li/pkt.h"

static unsigned long long matched, events;

static void
on_iri(void *ctx, uint32_t icpt, const struct li_iri *iri, cs_time t)
{
	events++;
}

static void
on_pkt(void *ctx, uint32_t icpt, enum li_dir dir, cs_time t,
    const struct li_pkt *p)
{
	matched++;
}

static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct li_match_cb cb = {NULL, on_iri, on_pkt};
	struct cs_errbuf eb;
	struct cs_target t;
	struct li_match *m;
	struct li_cap *c;
	struct li_pkt p;
	const uint8_t *f;
	unsigned long long n = 0, bad = 0;
	char line[300];
	uint32_t id = 0;
	size_t len;
	cs_time ts;
	double c0, c1;
	FILE *tf;
	int lt, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: tapbench FILE.pcap TARGETS\n");
		return 2;
	}
	c0 = cpu();
	m = li_match_new();
	tf = fopen(argv[2], "r");
	if (m == NULL || tf == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), tf)) {
		char spec[320];

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(spec, sizeof(spec), "username:%s", line);
		if (cs_target_parse(spec, &t, &eb) != CS_OK ||
		    li_match_add(m, ++id, &t, 0) != 0) {
			fprintf(stderr, "tapbench: bad target line %u\n", id);
			return 1;
		}
	}
	fclose(tf);
	c = li_cap_open_file(argv[1], 0, &eb);
	if (c == NULL) {
		fprintf(stderr, "tapbench: %s\n", eb.msg);
		return 1;
	}
	while ((rc = li_cap_next(c, &ts, &f, &len, &lt)) == 1) {
		n++;
		if (li_pkt_parse(lt, f, len, &p) == 0)
			li_match_packet(m, ts, &p, &cb);
		else
			bad++;
	}
	if (rc < 0) {
		fprintf(stderr, "tapbench: %s\n", li_cap_error(c));
		return 1;
	}
	li_cap_close(c);
	li_match_free(m);
	c1 = cpu();
	printf("packets %llu\nmatched %llu\nevents %llu\nnot-ip %llu\n"
	       "cpu-seconds %.3f\npackets-per-second %.0f\n",
	    n, matched, events, bad, c1 - c0,
	    c1 > c0 ? (double)n / (c1 - c0) : 0.0);
	return 0;
}
