/*
 * NAME
 *	aux_dane_probe 1
 * SUMMARY
 *	the child's DNSSEC TLSA lookup and DANE handshake, run by a test
 * SYNOPSIS
 *	aux_dane_probe SERVERS TRUST_AD HOST PORT [ADDR]
 *	aux_dane_probe -m SERVERS TRUST_AD DOMAIN
 * DESCRIPTION
 *	With -m: the MX lookup of DOMAIN and the A lookup of its first
 *	MX host as smtp_dns_support_level = dnssec makes them (child/
 *	dns.c with dns_set_dnssec()), one line each:
 *
 *	    mx=STATUS valid=0|1 count=N first=HOST
 *	    a=STATUS valid=0|1 count=N
 *
 *	Runs child/dnssec_query.c's dnssec_lookup_tlsa() for
 *	_PORT._tcp.HOST through SERVERS (c-ares csv, as CONFIG carries
 *	resolv.conf's name servers), with the AD trust rule of
 *	dnssec_ad_trusted(SERVERS, TRUST_AD), and prints one line:
 *
 *	    tlsa=secure|insecure|none|error trusted=0|1 count=N usable=M
 *
 *	With ADDR, and usable records, it then connects to ADDR:PORT,
 *	starts TLS at once (no SMTP: a plain TLS server such as
 *	openssl s_server), with the records given to OpenSSL by
 *	child/dane.c, SNI HOST, and prints
 *
 *	    verify=ok depth=D        or    verify=fail ERRORSTRING
 *
 *	tests/e2e/t_e2e_dnssec.sh runs it against a signed zone served
 *	by nsd through a validating unbound. Exit 0 when the probe ran,
 *	2 on a usage or local error.
 * SECURITY
 *	Test only: sockets are opened here (local_connector.h), not by
 *	a parent; nothing is sandboxed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dane.h"
#include "dns.h"
#include "dnssec_query.h"
#include "local_connector.h"
#include "msg.h"
#include "tlsa.h"

static struct tlsa_set set;

static void
print_skip(const char *why, void *arg)
{
	(void)arg;
	printf("skip: %s\n", why);
}

static int
handshake(const char *addr, unsigned port, const char *host,
    const struct tlsa_digests *dg, const char *rrname)
{
	struct sockaddr_in sin;
	SSL_CTX *ctx;
	SSL    *ssl;
	int	fd, depth = -1, n;
	long	res;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return (2);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		return (2);
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL
	    || dane_ctx_enable(ctx, dg) < 0)
		return (2);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if ((ssl = SSL_new(ctx)) == NULL)
		return (2);
	SSL_set_tlsext_host_name(ssl, host);
	n = dane_ssl_enable(ssl, host, NULL, 0, &set, dg, rrname, print_skip,
	    NULL);
	if (n <= 0)
		return (2);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		printf("verify=fail handshake\n");
	} else if (dane_verified(ssl, &depth)) {
		printf("verify=ok depth=%d\n", depth);
	} else {
		res = SSL_get_verify_result(ssl);
		printf("verify=fail %s\n", X509_verify_cert_error_string(res));
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return (0);
}

static int
mx_probe(const char *servers, int trust_ad, const char *domain)
{
	static struct dns_mx_reply mx;
	static struct dns_addr_reply a;
	struct dns_ctx dns;
	char	why[DNSSEC_WHY_MAX];

	if (dns_init(&dns, why, sizeof(why)) < 0
	    || dns_set_servers(&dns, servers) < 0)
		return (2);
	dns_set_dnssec(&dns, 1, dnssec_ad_trusted(servers, trust_ad));
	if (dns_lookup_mx(&dns, domain, &mx) < 0)
		return (2);
	printf("mx=%d valid=%d count=%zu first=%s\n", mx.status,
	    mx.dnssec_valid, mx.count, mx.count ? mx.mx[0].host : "");
	if (mx.count > 0) {
		if (dns_lookup_addr(&dns, mx.mx[0].host, AF_INET, &a) < 0)
			return (2);
		printf("a=%d valid=%d count=%zu\n", a.status, a.dnssec_valid,
		    a.count);
	}
	dns_free(&dns);
	return (0);
}

int
main(int argc, char **argv)
{
	struct dns_ctx dns;
	struct tlsa_digests dg;
	char	why[DNSSEC_WHY_MAX], w2[TLSA_WHY_MAX], rrname[300];
	unsigned port;
	size_t	i, usable = 0;
	int	trusted, rv;
	const char *cls;

	if (argc == 5 && strcmp(argv[1], "-m") == 0) {
		sys_set_connector(local_connect);
		return (mx_probe(argv[2], atoi(argv[3]), argv[4]));
	}
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: aux_dane_probe SERVERS TRUST_AD HOST "
		    "PORT [ADDR]\n");
		return (2);
	}
	port = (unsigned)strtoul(argv[4], NULL, 10);
	sys_set_connector(local_connect);
	if (dns_init(&dns, why, sizeof(why)) < 0
	    || dns_set_servers(&dns, argv[1]) < 0) {
		fprintf(stderr, "dns_init: %s\n", why);
		return (2);
	}
	if (tlsa_digests_parse("sha512 sha256", &dg, w2, sizeof(w2)) < 0)
		return (2);
	trusted = dnssec_ad_trusted(argv[1], atoi(argv[2]));
	rv = dnssec_lookup_tlsa(&dns, argv[3], port, trusted, &set, why,
	    sizeof(why));
	snprintf(rrname, sizeof(rrname), "_%u._tcp.%s", port, argv[3]);
	for (i = 0; rv == DNSSEC_TLSA_SECURE && i < set.count; i++)
		usable += tlsa_rr_usable(&set, &set.rr[i], &dg, rrname, w2,
		    sizeof(w2));
	cls = rv == DNSSEC_TLSA_SECURE ? "secure" : rv == DNSSEC_TLSA_INSECURE
	    ? "insecure" : rv == DNSSEC_TLSA_NONE ? "none" : "error";
	printf("tlsa=%s trusted=%d count=%zu usable=%zu\n", cls, trusted,
	    set.count, usable);
	if (rv == DNSSEC_TLSA_ERROR)
		printf("why: %s\n", why);
	fflush(stdout);
	rv = argc == 6 && usable > 0 ? handshake(argv[5], port, argv[3], &dg,
	    rrname) : 0;
	dns_free(&dns);
	return (rv);
}
