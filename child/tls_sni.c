/*
 * NAME
 *	tls_sni 3
 * SUMMARY
 *	the server name (SNI) a TLS client session sends
 * DESCRIPTION
 *	tls_sni_name() picks the name as Postfix 3.7 tls_client.c
 *	tls_auth_enable() does. At the DANE levels (dane, dane-only, and
 *	dane with an insecure MX) the name is the TLSA base domain, whatever
 *	smtp_tls_servername says (RFC 7672 section 8.1: the server finds the
 *	certificate its TLSA records promise by that name); without one
 *	(cannot happen once a TLSA set is ready) the server's name. At the
 *	other levels smtp_tls_servername decides: "hostname" is the
 *	server's name, "nexthop" the request's domain (both compared with
 *	strcmp(), as Postfix does), another value is sent as is, an empty
 *	one sends nothing.
 * SECURITY
 *	Child only; every name is the configuration's or a DNS name the
 *	child resolved.
 * SEE ALSO
 *	Postfix src/tls/tls_client.c, postconf(5) smtp_tls_servername,
 *	RFC 6066 section 3, RFC 7672 section 8.1
 */
#include <stddef.h>
#include <string.h>

#include "sj_tls.h"
#include "tls_sni.h"

const char *
tls_sni_name(const char *servername, int level, const char *dane_base,
    const char *host, const char *nexthop)
{
	if (SJ_TLS_IS_DANE(level))
		return (dane_base != NULL && *dane_base != '\0' ? dane_base :
		    host);
	if (servername == NULL || *servername == '\0')
		return (NULL);
	if (strcmp(servername, "hostname") == 0)
		return (host);
	if (strcmp(servername, "nexthop") == 0)
		return (nexthop);
	return (servername);
}
