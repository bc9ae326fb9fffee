/*
 * NAME
 *	smtp_auth.h 3h
 * SUMMARY
 *	the SMTP client's AUTH dialogue (RFC 4954): PLAIN and LOGIN
 * DESCRIPTION
 *	See child/smtp_auth.c.
 */
#ifndef SMTP_AUTH_H
#define SMTP_AUTH_H

#include "ipc_msg.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"

struct smtp_job;
struct smtp_peer;

/* Challenge-response rounds before Postfix gives up (smtp_sasl_glue.c). */
#define SMTP_AUTH_STEPS_MAX	100

/* The session's I/O for the dialogue (child/smtp_session.c). */
struct smtp_auth_io {
	/*
	 * Sends 'line' (CRLF added) and reads the reply into *reply; the
	 * transcript records 'shown' instead of the line. 0 or -errno.
	 */
	int	(*chat)(void *ctx, const char *line, const char *shown,
		    const struct smtp_reply **reply);
	void	*ctx;
	int	tls;			/* SMTP_AUTH_TLS_* of the connection */
};

/* Which security options apply (Postfix smtp_sasl_glue.c): */
#define SMTP_AUTH_TLS_NONE	0	/* smtp_sasl_security_options */
#define SMTP_AUTH_TLS_ON	1	/* smtp_sasl_tls_security_options */
#define SMTP_AUTH_TLS_MATCHED	2	/* smtp_sasl_tls_verified_security_options */

/* Asks the parent for a credential (child/child_main.c). */
typedef int (*smtp_auth_ask_fn)(const struct ipc_sasl_req *,
	    struct ipc_sasl_cred *);

void	smtp_auth_set_ask(smtp_auth_ask_fn);

/* Results of smtp_auth_login(), when not a negative errno. */
#define SMTP_AUTH_DONE		0	/* authenticated, or not needed */
#define SMTP_AUTH_FAILED	1	/* *why says why; end the session */

/*
 * After an EHLO: Postfix's smtp_sasl_helo_auth() and
 * smtp_sasl_helo_login(). 'dest' is the nexthop element the session
 * serves. Negative: an I/O error of the chat (-ETIMEDOUT, ...) or of
 * the request to the parent (-ECANCELED).
 */
int	smtp_auth_login(const struct smtp_job *, const char *dest,
	    const struct smtp_peer *, const struct smtp_ehlo *,
	    const struct smtp_auth_io *, struct ipc_result *why);

/* The end of a job: the credential the child held is wiped. */
void	smtp_auth_job_end(void);
/*
 * Postfix smtp.h HAVE_SASL_CREDENTIALS for the session's (dest, host):
 * 1 with smtp_sasl_auth_enable when the parent has a credential, or
 * cannot say (lookup error, no answer); 0 when it has none or SASL is
 * off. Asks the parent (IPC_SASL_ASK_EXISTS), which gives the status
 * alone.
 */
int	smtp_auth_has_cred(const struct smtp_job *, const char *dest,
	    const struct smtp_peer *);

/* For tests and the module: the mechanisms the filter leaves. */
void	smtp_auth_filter(const char *offered, const char *filter, char *out,
	    size_t outsz);

#endif
