/*
 * pcap_floor: reads every packet of a capture with libpcap and does nothing
 * else, so its time is the minimum for any ingest that reads the same file
 * through libpcap.
 *
 * Usage: pcap_floor FILE
 * Prints one line on stdout: "<packets> packets <seconds> s <rate> packets/s".
 */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static volatile unsigned first_byte_sink;

int main(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr,
		        "Usage: pcap_floor FILE\n"
		        "Read every packet of a pcap or pcapng file with libpcap and print\n"
		        "packets, seconds and packets/s on one line.\n");
		return argc == 2 ? 0 : 2;
	}

	char errbuf[PCAP_ERRBUF_SIZE];
	double started = time_monotonic();
	pcap_t *pcap = pcap_open_offline(argv[1], errbuf);
	if (pcap == NULL) {
		fprintf(stderr, "pcap_floor: cannot open %s: %s\n", argv[1], errbuf);
		return 1;
	}

	/* XOR of the first byte of every packet. The volatile store after the loop
	 * keeps the compiler from dropping the reads. */
	uint64_t packets = 0;
	unsigned checksum = 0;
	struct pcap_pkthdr *header;
	const u_char *data;
	int ret;
	while ((ret = pcap_next_ex(pcap, &header, &data)) == 1) {
		if (header->caplen > 0) {
			checksum ^= data[0];
		}
		packets++;
	}
	if (ret == PCAP_ERROR) {
		fprintf(stderr, "pcap_floor: reading %s failed after %llu packets: %s\n", argv[1],
		        (unsigned long long)packets, pcap_geterr(pcap));
		pcap_close(pcap);
		return 1;
	}
	pcap_close(pcap);
	double seconds = time_monotonic() - started;
	first_byte_sink = checksum;

	printf("%llu packets %.3f s %.0f packets/s\n", (unsigned long long)packets, seconds,
	       seconds > 0 ? (double)packets / seconds : 0.0);
	return 0;
}
