#ifndef TLS_SNI_H
#define TLS_SNI_H

/* The SNI name of a client session (child/tls_sni.c); NULL: send none. */
const char *tls_sni_name(const char *servername, int level,
	    const char *dane_base, const char *host, const char *nexthop);

#endif
