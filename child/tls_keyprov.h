/*
 * NAME
 *	tls_keyprov.h 3h
 * SUMMARY
 *	an OpenSSL 3 provider whose private key is in the parent
 * DESCRIPTION
 *	See child/tls_keyprov.c.
 */
#ifndef TLS_KEYPROV_H
#define TLS_KEYPROV_H

#include <openssl/ssl.h>

#include "ipc_msg.h"
#include "sj_tls.h"

/* Asks the parent to sign (SIGN_REQ) and waits for its SIGN_RESP; the
 * job id is the signer's to fill. 0, or a negative errno. */
typedef int (*tls_keyprov_signer) (void *ctx, struct ipc_sign_req *,
	    struct ipc_sign_resp *);

/* Where signing requests go (child/child_main.c). */
void	tls_keyprov_set_signer(tls_keyprov_signer, void *ctx);

/*
 * Before the SSL_CTX exists: registers and loads the provider (and the
 * default one explicitly, as loading any provider stops OpenSSL from
 * loading it on its own), and makes the default provider preferred
 * for every fetch that does not name ours. 0, or -1 with why[].
 */
int	tls_keyprov_init(char *why, size_t whysz);

/*
 * Installs the client certificate chain of 't' (PEM text) in ctx with
 * a key of this provider made from the leaf's public key. No-op
 * without a client certificate. 0, or -1 with why[].
 */
int	tls_keyprov_use(SSL_CTX *ctx, const struct sj_tls_config *t,
	    char *why, size_t whysz);

#endif
