/*
 * NAME
 *	dane.h 3h
 * SUMMARY
 *	DANE TLSA matching through OpenSSL's SSL_dane_* interface
 * DESCRIPTION
 *	dane_ctx_enable() prepares an SSL_CTX for DANE once: OpenSSL's
 *	DANE support with the matching types of tls_dane_digests in
 *	their order of preference, the others disabled.
 *
 *	dane_ssl_enable() prepares one connection: the TLSA base domain
 *	and the further reference names (DANE-TA name checks, RFC 7672
 *	3.2.3), no name checks for DANE-EE (RFC 7672 3.1.1), and the
 *	usable records of a validated TLSA set (child/tlsa.h). It returns
 *	how many records OpenSSL took; with none, Postfix's level "dane"
 *	falls back to "encrypt" (validated but unusable records) and
 *	"dane-only" fails.
 *
 *	dane_ssl_anchors() prepares one connection at verify or secure
 *	with local trust anchors (smtp_tls_trust_anchor_file, tafile=):
 *	DANE-TA(2) and DANE-EE(3) records of each, no base domain; the
 *	caller adds the level's match names afterwards. It returns how
 *	many records OpenSSL took (none: Postfix's "all trust anchors
 *	unusable", the server cannot be verified).
 *
 *	dane_verified() says after the handshake whether the chain
 *	verified through a TLSA record, and at which depth.
 * SECURITY
 *	Child only, in the sandbox. The TLSA data come from DNS answers
 *	(hostile, parsed and checked by child/tlsa.c); the certificates
 *	from the server (hostile, parsed by OpenSSL).
 * SEE ALSO
 *	child/tlsa.h, SSL_dane_enable(3ssl), RFC 7671, RFC 7672
 */
#ifndef DANE_H
#define DANE_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "sj_tls.h"
#include "tlsa.h"

/* Called for each record dane_ssl_enable() skips (may be NULL). */
typedef void (*dane_skip_fn)(const char *why, void *arg);

int	dane_ctx_enable(SSL_CTX *, const struct tlsa_digests *);
int	dane_ssl_enable(SSL *, const char *base, const char *const *names,
	    size_t nnames, const struct tlsa_set *,
	    const struct tlsa_digests *, const char *rrname,
	    dane_skip_fn, void *arg);
int	dane_ssl_anchors(SSL *, const struct sj_tls_tas *);
int	dane_verified(SSL *, int *depth);

#endif
