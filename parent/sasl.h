/*
 * NAME
 *	sasl.h 3h
 * SUMMARY
 *	SASL client credentials in the parent: settings, table, release
 * DESCRIPTION
 *	See parent/sasl.c.
 */
#ifndef SASL_H
#define SASL_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"

struct sj_config;
struct dict_maps;

/*
 * Reads smtp_sasl_* (and the parameters a lookup needs) into the
 * module's context and the child's CONFIG (cfg->child). Refuses, with
 * why[] naming the parameter, what smtpjail does not honour. Opens
 * nothing. 0 or a negative errno.
 */
int	sasl_config(struct sj_config *, char *why, size_t whysz);

/*
 * Opens $smtp_sasl_password_maps when smtp_sasl_auth_enable = yes:
 * as root, after the child was forked (its memory never holds the
 * table) and before the parent drops privileges. 0, or -1 with why[].
 */
int	sasl_open(char *why, size_t whysz);

/* Postfix's "table has changed": the spec of a changed table or NULL. */
const char *sasl_changed(void);

/* Destinations (nexthop and fallback elements) one job may ask for. */
#define SASL_JOB_DESTS_MAX	32

/* CRAM-MD5 responses per destination and job: one per session, and a
 * job tries at most a few servers of one destination. */
#define SASL_CRAM_PER_DEST_MAX	8

/* "Is there a credential?" questions per destination and job (one
 * before each plain-text retry at "may": one per session too). */
#define SASL_EXISTS_PER_DEST_MAX	8

/* What one job may be given; one per job, zeroed at its start. */
struct sasl_job {
	const char *nexthop;	/* as sent in DELIVER */
	const char *sender;	/* the envelope sender, "" for <> */
	unsigned nasked;	/* destinations asked for */
	uint64_t asked[SASL_JOB_DESTS_MAX];	/* their hash */
	unsigned char given[SASL_JOB_DESTS_MAX];	/* SASL_GIVEN_* */
	unsigned char ncram[SASL_JOB_DESTS_MAX];	/* responses computed */
	unsigned char nexists[SASL_JOB_DESTS_MAX];	/* ASK_EXISTS answered */
};

/*
 * Answers one SASL_REQ of the job: checks that SASL is on, the job id,
 * the order of requests for this destination (the password once, and
 * not after the username was asked for; CRAM-MD5 responses only after
 * the username, at most SASL_CRAM_PER_DEST_MAX; ASK_EXISTS, which
 * gives no credential, at most SASL_EXISTS_PER_DEST_MAX times, in any
 * order), and that req->dest
 * is the
 * job's nexthop (an element of it) or an smtp_fallback_relay element;
 * then looks up, as Postfix's smtp_sasl_passwd_lookup(), the sender
 * (smtp_sender_dependent_authentication), the server's host name only
 * when it is the host of 'dest' itself (else it came from the child's
 * own DNS), and 'dest'. Fills *out (wipe it after sending). Returns 0,
 * or -1 with why[] for a request that breaks these rules (the caller
 * treats it as a protocol violation: job deferred, pair restarted).
 */
/*
 * RFC 2195: base64 of "user " + hex(HMAC-MD5(password, challenge)),
 * the challenge given as the server's base64. 0, or -EINVAL for a
 * challenge that is not base64 (or too long), -ENOSPC.
 */
int	sasl_cram_md5(const char *user, const char *password,
	    const char *challenge_b64, char *out, size_t outsz);

int	sasl_answer(struct sasl_job *, uint32_t job_id,
	    const struct ipc_sasl_req *, struct ipc_sasl_cred *out,
	    char *why, size_t whysz);

/* For tests: use these tables instead of $smtp_sasl_password_maps
 * (the ones open are closed; NULL: none, SASL off). */
void	sasl_set_maps(struct dict_maps *);

#endif
