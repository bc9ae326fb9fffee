/*
 * NAME
 *	tls_verify.h 3h
 * SUMMARY
 *	judging the server's certificate at the configured TLS level
 * DESCRIPTION
 *	tls_verify_setup() tells OpenSSL what to check before a handshake
 *	(the names of "verify" and "secure", OpenSSL security level 1 at
 *	the levels that match). tls_verify_callback() records the first
 *	chain error at the lowest depth. After the handshake
 *	tls_verify_judge() decides the trust word and whether the level's
 *	match succeeded, and tls_verify_report() sends the TLS_INFO
 *	messages Postfix's log lines are made of.
 * SECURITY
 *	Child only. The certificate chain is hostile; what is copied out
 *	of it is censored and bounded.
 */
#ifndef CHILD_TLS_VERIFY_H
#define CHILD_TLS_VERIFY_H

#include <openssl/ssl.h>

#include "sj_tls.h"
#include "tls.h"

struct tls_verify_state {
	int	have_err;
	int	err;			/* X509_V_ERR_* */
	int	depth;
	char	issuer[SJ_TLS_NAME_MAX + 1];	/* issuer DN of that cert */
	int	must_fail;		/* no trust anchor usable */
};

int	tls_verify_callback(int ok, X509_STORE_CTX *);
int	tls_verify_setup(SSL *, int ex_index, struct tls_verify_state *,
	    const struct sj_tls_config *, int level, const struct tls_peer *);
void	tls_verify_judge(SSL *, struct tls_verify_state *,
	    const struct sj_tls_config *, int level, const struct tls_peer *,
	    struct tls_state *);
/* Copy an OpenSSL name as a token (ipc_msg_check.c's rule), NULL as "". */
void	tls_verify_token(char *dst, size_t dstsz, const char *src);
int	tls_verify_report(const struct tls_verify_state *,
	    const struct sj_tls_config *, int level, const struct tls_peer *,
	    struct tls_state *);

#endif
