/* dnstap_dump: print what dnstap_decode() makes of every frame of a Frame
 * Streams file, one line per frame, for tests/integration/test_dnstap_oracle.py.
 *
 *   dnstap_dump FILE
 *
 * Each line contains tab-separated key=value fields: frame (from 1), then either
 * error=MESSAGE or type, time (SEC.NANOSEC), family, protocol,
 * query_address, query_port, response_address, response_port, query_zone,
 * identity (hex), dns_len, qname, qclass and qtype. "-" marks an absent
 * value. The exit status is 0 when every frame decodes, 1 when one does not
 * and 2 when the file cannot be read. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <fstrm.h>

#include "dns/message.h"
#include "dns/rdata.h"
#include "dnstap/dnstap.h"

static const char *family_name(int family)
{
	if (family == AF_INET)
		return "INET";
	if (family == AF_INET6)
		return "INET6";
	return "-";
}

static void print_protocol(enum dnstap_protocol protocol)
{
	static const char *const names[] = {"-", "UDP", "TCP", "DOT", "DOH"};
	if ((unsigned)protocol < sizeof(names) / sizeof(names[0]))
		printf("\tprotocol=%s", names[protocol]);
	else
		printf("\tprotocol=%u", (unsigned)protocol);
}

static void print_address(const char *key, bool has, int family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];
	if (!has || inet_ntop(family, addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "-");
	printf("\t%s=%s", key, text);
}

/* True when the labels of a wire-format name end with the root label
 * inside len bytes, as dns_name_format() needs. */
static bool name_fits(const uint8_t *wire, size_t len)
{
	size_t at = 0;
	while (at < len) {
		if (wire[at] == 0)
			return true;
		if (wire[at] > 63)
			return false;
		at += 1u + wire[at];
	}
	return false;
}

static void print_name(const char *key, const uint8_t *wire, size_t len)
{
	char text[DNS_NAME_TEXT_MAX];
	if (wire == NULL || !name_fits(wire, len) || dns_name_format(wire, text, sizeof(text)) == 0)
		snprintf(text, sizeof(text), "-");
	printf("\t%s=%s", key, text);
}

static void print_question(struct dns_parser *parser, const struct dnstap_message *msg)
{
	struct dns_message dns;
	if (msg->dns == NULL ||
	    dns_parse_question(parser, msg->dns, msg->dns_len, &dns) != DNS_PARSE_OK ||
	    !dns.has_question) {
		printf("\tqname=-\tqclass=-\tqtype=-");
		return;
	}
	char name[DNS_NAME_TEXT_MAX], type[16];
	if (dns_name_format(dns.qname, name, sizeof(name)) == 0)
		snprintf(name, sizeof(name), "-");
	dns_type_format(dns.qtype, type, sizeof(type));
	printf("\tqname=%s", name);
	if (dns.qclass == 1)
		printf("\tqclass=IN");
	else
		printf("\tqclass=CLASS%u", dns.qclass);
	printf("\tqtype=%s", type);
}

static void print_message(struct dns_parser *parser, const struct dnstap_message *msg)
{
	printf("\ttype=%s", dnstap_type_name(msg->type));
	if (msg->has_time)
		printf("\ttime=%" PRId64 ".%09" PRIu32, msg->time_sec, msg->time_nsec);
	else
		printf("\ttime=-");
	printf("\tfamily=%s", family_name(msg->family));
	print_protocol(msg->protocol);
	print_address("query_address", msg->has_query_address, msg->family, msg->query_address);
	printf("\tquery_port=%u", msg->query_port);
	print_address("response_address", msg->has_response_address, msg->family,
	              msg->response_address);
	printf("\tresponse_port=%u", msg->response_port);
	print_name("query_zone", msg->query_zone, msg->query_zone_len);

	printf("\tidentity=");
	if (msg->identity == NULL)
		printf("-");
	for (size_t i = 0; i < msg->identity_len; i++)
		printf("%02x", msg->identity[i]);

	printf("\tdns_len=%zu", msg->dns_len);
	print_question(parser, msg);
}

static struct fstrm_reader *open_reader(const char *path)
{
	struct fstrm_file_options *fopt = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	struct fstrm_reader_options *ropt = fstrm_reader_options_init();
	fstrm_reader_options_add_content_type(ropt, DNSTAP_CONTENT_TYPE,
	                                      strlen(DNSTAP_CONTENT_TYPE));
	struct fstrm_reader *reader = fstrm_file_reader_init(fopt, ropt);
	fstrm_reader_options_destroy(&ropt);
	fstrm_file_options_destroy(&fopt);
	if (reader != NULL && fstrm_reader_open(reader) != fstrm_res_success)
		fstrm_reader_destroy(&reader);
	return reader;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dnstap_dump FILE\n");
		return 2;
	}
	struct fstrm_reader *reader = open_reader(argv[1]);
	if (reader == NULL) {
		fprintf(stderr, "dnstap_dump: cannot open %s as a Frame Streams file of %s\n",
		        argv[1], DNSTAP_CONTENT_TYPE);
		return 2;
	}
	struct dnstap_decoder *decoder;
	struct dns_parser *parser = dns_parser_new();
	if (parser == NULL || dnstap_decoder_new(&decoder) != DN_OK) {
		fprintf(stderr, "dnstap_dump: out of memory\n");
		return 2;
	}

	int status = 0;
	const uint8_t *data;
	size_t len;
	fstrm_res res;
	for (size_t frame = 1; (res = fstrm_reader_read(reader, &data, &len)) == fstrm_res_success;
	     frame++) {
		struct dnstap_message msg;
		struct dn_error err;
		printf("frame=%zu", frame);
		if (dnstap_decode(decoder, data, len, &msg, &err) == DN_OK) {
			print_message(parser, &msg);
		} else {
			printf("\terror=%s", err.msg);
			status = 1;
		}
		printf("\n");
	}
	if (res != fstrm_res_stop) {
		fprintf(stderr, "dnstap_dump: reading %s failed\n", argv[1]);
		status = 2;
	}

	dnstap_decoder_free(decoder);
	dns_parser_free(parser);
	fstrm_reader_destroy(&reader);
	return status;
}
