/*
 * NAME
 *	smtp_auth 3
 * SUMMARY
 *	the SMTP client's AUTH dialogue (RFC 4954): CRAM-MD5, PLAIN, LOGIN
 * DESCRIPTION
 *	After an EHLO that offered AUTH, with smtp_sasl_auth_enable = yes,
 *	this does what Postfix's smtp_sasl_proto.c and smtp_sasl_glue.c do
 *	with the Cyrus SASL client:
 *
 *	- the offered mechanisms pass smtp_sasl_mechanism_filter (names,
 *	  "!name" to exclude, case-insensitive); none left: the warning
 *	  "<peer> offered no supported AUTH mechanisms: '<list>'";
 *	- the credential of the session's destination is asked of the
 *	  parent (SASL_REQ/SASL_CRED), once per destination and job, and
 *	  kept until the job ends: the password for PLAIN and LOGIN, the
 *	  username only for CRAM-MD5, whose response to each challenge the
 *	  parent computes (RFC 2195), so that the password never comes
 *	  here; none: no AUTH, the session goes on unauthenticated, as
 *	  Postfix's "talk to each other like strangers";
 *	- no compatible mechanism offered: 4.7.0 "SASL authentication
 *	  failed: server H[A] offered no compatible authentication
 *	  mechanisms for this type of connection security";
 *	- smtp_sasl_security_options (smtp_sasl_tls_security_options over
 *	  TLS, smtp_sasl_tls_verified_security_options when the server's
 *	  certificate matched) as Cyrus applies them: PLAIN and LOGIN are plain-text,
 *	  active-attackable and dictionary-attackable mechanisms without
 *	  mutual authentication, so noplaintext, noactive, nodictionary and
 *	  mutual_auth each rule both out (Postfix's default,
 *	  "noplaintext, noanonymous", does); CRAM-MD5 is not plain text, so
 *	  only noactive, nodictionary and mutual_auth rule it out; nothing
 *	  left: 4.7.0 "SASL authentication failed; cannot authenticate to
 *	  server H[A]: no mechanism available";
 *	- in Cyrus's order of preference: CRAM-MD5, PLAIN (RFC 4616,
 *	  authzid empty, with the initial response), LOGIN (username and
 *	  password as answers to the two 334 challenges);
 *	- a final reply that is not 2xx: "SASL authentication failed;
 *	  server H[A] said: <reply>" with the reply's status, 5 turned into
 *	  4 with smtp_sasl_auth_soft_bounce; more than 100 rounds: 4.3.0
 *	  "SASL authentication failed; authentication protocol loop with
 *	  server H[A]".
 *
 *	Every failure ends the session (the caller's sess_fail, not
 *	cached); the recipients move on to the next server as with any
 *	session failure.
 * SECURITY
 *	Child only. Challenges come from the server (hostile): they are
 *	bounded replies that PLAIN and LOGIN do not interpret; a CRAM-MD5
 *	challenge goes to the parent as bounded text, which decodes it
 *	strictly. The password is in this process only for PLAIN and LOGIN,
 *	only for the job whose destination it belongs to; it is wiped when
 *	the job ends, never logged, and the transcript records the AUTH
 *	lines without it.
 * SEE ALSO
 *	parent/sasl.c; Postfix src/smtp/smtp_sasl_proto.c,
 *	smtp_sasl_glue.c, src/xsasl/xsasl_cyrus_client.c (behaviour, no
 *	code copied); RFC 4954, RFC 4616, RFC 2195,
 *	draft-murchison-sasl-login
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "msg.h"
#include "smtp_auth.h"
#include "smtp_session.h"

/* Options under which neither PLAIN nor LOGIN may be used. */
#define SMTP_AUTH_NO_PASSWORD	(IPC_SASL_NOPLAINTEXT | IPC_SASL_NOACTIVE | \
				IPC_SASL_NODICTIONARY | IPC_SASL_MUTUAL_AUTH)
/* ... nor CRAM-MD5 (no plain text, but active and dictionary attacks). */
#define SMTP_AUTH_NO_CRAM	(IPC_SASL_NOACTIVE | IPC_SASL_NODICTIONARY | \
				IPC_SASL_MUTUAL_AUTH)

/* A command: "AUTH PLAIN " + base64 of two 255-byte fields. */
#define SMTP_AUTH_LINE_MAX	(32 + BASE64_ENCODED_LEN(2 + \
				2 * SJ_SASL_FIELD_MAX))

static struct smtp_auth_ctx {
	smtp_auth_ask_fn ask;
	int	have;			/* cred is for job_id and dest */
	uint32_t kind;			/* IPC_SASL_ASK_PASSWORD or _USER */
	uint32_t job_id;
	char	dest[SJ_NEXTHOP_MAX + 1];
	struct ipc_sasl_cred cred;
	char	line[SMTP_AUTH_LINE_MAX + 1];
	unsigned char plain[2 + 2 * SJ_SASL_FIELD_MAX];
} smtp_auth_ctx;

void
smtp_auth_set_ask(smtp_auth_ask_fn fn)
{
	smtp_auth_ctx.ask = fn;
}

void
smtp_auth_job_end(void)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;

	explicit_bzero(&c->cred, sizeof(c->cred));
	explicit_bzero(c->line, sizeof(c->line));
	explicit_bzero(c->plain, sizeof(c->plain));
	c->have = 0;
}

/* Is 'mech' selected by the filter (empty: every mechanism)? */
static int
smtp_auth_match(const char *mech, size_t mlen, const char *filter)
{
	const char *p = filter, *w;
	size_t	len;
	int	neg;

	if (filter[0] == '\0')
		return (1);
	while (*p) {
		p += strspn(p, ", \t");
		w = p;
		len = strcspn(p, ", \t");
		p += len;
		if (len == 0)
			continue;
		neg = *w == '!';
		if (neg) {
			w++;
			len--;
		}
		if (len == mlen && strncasecmp(w, mech, mlen) == 0)
			return (!neg);
	}
	return (0);
}

void
smtp_auth_filter(const char *offered, const char *filter, char *out,
    size_t outsz)
{
	const char *p = offered, *w;
	size_t	len, n = 0;

	*out = '\0';
	while (*p) {
		p += strspn(p, " \t");
		w = p;
		len = strcspn(p, " \t");
		p += len;
		if (len == 0 || !smtp_auth_match(w, len, filter))
			continue;
		if (n + (n > 0) + len + 1 > outsz)
			break;
		if (n > 0)
			out[n++] = ' ';
		memcpy(out + n, w, len);
		n += len;
		out[n] = '\0';
	}
}

static int
smtp_auth_offers(const char *list, const char *mech)
{
	const char *p = list;
	size_t	len;

	while (*p) {
		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == strlen(mech) && strncasecmp(p, mech, len) == 0)
			return (1);
		p += len;
	}
	return (0);
}

static void __attribute__((format(printf, 5, 6)))
smtp_auth_why(struct ipc_result *why, const char *status,
    const struct smtp_reply *reply, const char *mta, const char *fmt, ...)
{
	va_list	ap;

	memset(why, 0, sizeof(*why));
	snprintf(why->status, sizeof(why->status), "%s", status);
	va_start(ap, fmt);
	vsnprintf(why->reason, sizeof(why->reason), fmt, ap);
	va_end(ap);
	snprintf(why->relay, sizeof(why->relay), "%s", "none");
	if (mta != NULL)
		snprintf(why->mta_name, sizeof(why->mta_name), "%s", mta);
	if (reply != NULL) {
		why->diag_code = reply->code >= 400 && reply->code <= 599 ?
		    (uint32_t)reply->code : 0;
		smtp_reply_format(reply, why->diag_text,
		    sizeof(why->diag_text));
	}
}

/* The credential of (job, dest): kept, or asked of the parent. */
static int
smtp_auth_cred(const struct smtp_job *job, const char *dest,
    const struct smtp_peer *peer, uint32_t kind)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;
	struct ipc_sasl_req req;
	int	err;

	/* A password serves a username question too, not the reverse
	 * (the parent gives a destination one or the other). */
	if (c->have && c->job_id == job->dlv->job_id &&
	    strcmp(c->dest, dest) == 0 && (c->kind == kind ||
	    c->kind == IPC_SASL_ASK_PASSWORD))
		return (0);
	if (c->have && c->job_id == job->dlv->job_id &&
	    strcmp(c->dest, dest) == 0)
		return (-EPERM);
	smtp_auth_job_end();
	if (c->ask == NULL)
		return (-ENOSYS);
	memset(&req, 0, sizeof(req));
	req.job_id = job->dlv->job_id;
	req.kind = kind;
	snprintf(req.dest, sizeof(req.dest), "%s", dest);
	snprintf(req.host, sizeof(req.host), "%s", peer->host);
	if ((err = c->ask(&req, &c->cred)) < 0)
		return (err);
	c->have = 1;
	c->kind = kind;
	c->job_id = job->dlv->job_id;
	snprintf(c->dest, sizeof(c->dest), "%s", dest);
	return (0);
}

int
smtp_auth_has_cred(const struct smtp_job *job, const char *dest,
    const struct smtp_peer *peer)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;
	struct ipc_sasl_req req;
	struct ipc_sasl_cred resp;
	int	found;

	if ((job->cfg->flags & IPC_CF_SASL) == 0)
		return (0);
	if (c->ask == NULL)
		return (1);
	memset(&req, 0, sizeof(req));
	req.job_id = job->dlv->job_id;
	req.kind = IPC_SASL_ASK_EXISTS;
	snprintf(req.dest, sizeof(req.dest), "%s", dest);
	snprintf(req.host, sizeof(req.host), "%s", peer->host);
	found = c->ask(&req, &resp) < 0 || resp.status != IPC_SASL_NONE;
	explicit_bzero(&resp, sizeof(resp));
	return (found);
}

/* The parent's CRAM-MD5 response to this session's challenge. */
static int
smtp_auth_cram(const struct smtp_job *job, const char *dest,
    const struct smtp_peer *peer, const struct smtp_reply *reply,
    struct ipc_sasl_cred *resp)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;
	struct ipc_sasl_req req;
	const char *chal = reply->len > 4 ? reply->text + 4 : "";
	size_t	len = strcspn(chal, "\n");

	memset(&req, 0, sizeof(req));
	req.job_id = job->dlv->job_id;
	req.kind = IPC_SASL_ASK_CRAM_MD5;
	snprintf(req.dest, sizeof(req.dest), "%s", dest);
	snprintf(req.host, sizeof(req.host), "%s", peer->host);
	if (len > SJ_SASL_CHALLENGE_MAX)
		len = SJ_SASL_CHALLENGE_MAX;
	memcpy(req.challenge, chal, len);
	req.challenge[len] = '\0';
	return (c->ask(&req, resp));
}

/* One line with base64 of data[len] after 'prefix'. */
static int
smtp_auth_send(const struct smtp_auth_io *io, const char *prefix,
    const char *shown, const void *data, size_t len,
    const struct smtp_reply **reply)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;
	size_t	plen = strlen(prefix);
	long	n;

	memcpy(c->line, prefix, plen + 1);
	if (data != NULL) {
		n = base64_encode(c->line + plen, sizeof(c->line) - plen, data,
		    len);
		if (n < 0)
			msg_panic("smtp_auth: AUTH line overflow");
	}
	n = io->chat(io->ctx, c->line, shown, reply);
	explicit_bzero(c->line, sizeof(c->line));
	return ((int)n);
}

int
smtp_auth_login(const struct smtp_job *job, const char *dest,
    const struct smtp_peer *peer, const struct smtp_ehlo *ehlo,
    const struct smtp_auth_io *io, struct ipc_result *why)
{
	struct smtp_auth_ctx *c = &smtp_auth_ctx;
	const struct ipc_config *cfg = job->cfg;
	const struct smtp_reply *reply;
	char	mechs[SMTP_EHLO_AUTH_MAX + 1], text[SJ_REPLY_TEXT_MAX + 1];
	const char *mech;
	struct ipc_sasl_cred resp;
	size_t	ulen, plen;
	uint32_t opts;
	int	err, steps = 0, login_step = 0;

	if ((cfg->flags & IPC_CF_SASL) == 0 ||
	    (ehlo->features & SMTP_EHLO_AUTH) == 0)
		return (SMTP_AUTH_DONE);
	smtp_auth_filter(ehlo->auth, cfg->sasl_mechs, mechs, sizeof(mechs));
	if (mechs[0] == '\0')
		msg_warn(ehlo->auth[0] ? "%s offered no supported AUTH "
		    "mechanisms: '%s'" : "%s offered null AUTH mechanism "
		    "list%s", peer->relay, ehlo->auth);

	/* Cyrus's preference: CRAM-MD5 (no plain text) before PLAIN and
	 * LOGIN; the security options rule mechanisms out: those of a
	 * plain-text connection, of TLS, or of TLS with a matched server
	 * certificate, as Postfix's smtp_sasl_start() chooses them. */
	opts = io->tls == SMTP_AUTH_TLS_MATCHED ? cfg->sasl_tls_verified_opts :
	    io->tls == SMTP_AUTH_TLS_ON ? cfg->sasl_tls_opts : cfg->sasl_opts;
	mech = NULL;
	if ((opts & SMTP_AUTH_NO_CRAM) == 0 &&
	    smtp_auth_offers(mechs, "CRAM-MD5"))
		mech = "CRAM-MD5";
	else if ((opts & SMTP_AUTH_NO_PASSWORD) == 0 &&
	    smtp_auth_offers(mechs, "PLAIN"))
		mech = "PLAIN";
	else if ((opts & SMTP_AUTH_NO_PASSWORD) == 0 &&
	    smtp_auth_offers(mechs, "LOGIN"))
		mech = "LOGIN";
	/* Only PLAIN and LOGIN need the password in this process. */
	err = smtp_auth_cred(job, dest, peer, mech != NULL &&
	    strcmp(mech, "CRAM-MD5") != 0 ? IPC_SASL_ASK_PASSWORD :
	    IPC_SASL_ASK_USER);
	if (err == -EPERM) {
		/* This destination's other server wants PLAIN/LOGIN after
		 * CRAM-MD5 was used: the parent gives no password now. */
		mech = NULL;
	} else if (err < 0) {
		return (err);
	} else if (c->cred.status == IPC_SASL_NONE) {
		return (SMTP_AUTH_DONE);
	} else if (c->cred.status != IPC_SASL_FOUND) {
		smtp_auth_why(why, "4.3.0", NULL, NULL, "SASL authentication "
		    "failed: password table lookup error");
		return (SMTP_AUTH_FAILED);
	}
	if (mechs[0] == '\0') {
		smtp_auth_why(why, "4.7.0", NULL, NULL, "SASL authentication "
		    "failed: server %s offered no compatible authentication "
		    "mechanisms for this type of connection security",
		    peer->namaddr);
		return (SMTP_AUTH_FAILED);
	}
	if (mech == NULL) {
		smtp_auth_why(why, "4.7.0", NULL, NULL, "SASL authentication "
		    "failed; cannot authenticate to server %s: %s",
		    peer->namaddr, "no mechanism available");
		return (SMTP_AUTH_FAILED);
	}

	ulen = strlen(c->cred.username);
	plen = strlen(c->cred.password);
	if (strcmp(mech, "PLAIN") == 0) {
		/* RFC 4616: [authzid] NUL authcid NUL passwd */
		c->plain[0] = '\0';
		memcpy(c->plain + 1, c->cred.username, ulen);
		c->plain[1 + ulen] = '\0';
		memcpy(c->plain + 2 + ulen, c->cred.password, plen);
		err = smtp_auth_send(io, "AUTH PLAIN ", "AUTH PLAIN "
		    "<credentials>", c->plain, 2 + ulen + plen, &reply);
		explicit_bzero(c->plain, sizeof(c->plain));
	} else {
		snprintf(text, sizeof(text), "AUTH %s", mech);
		err = smtp_auth_send(io, text, text, NULL, 0, &reply);
	}
	while (err == 0 && reply->code / 100 == 3) {
		if (++steps > SMTP_AUTH_STEPS_MAX) {
			smtp_auth_why(why, "4.3.0", NULL, NULL, "SASL "
			    "authentication failed; authentication protocol "
			    "loop with server %s", peer->namaddr);
			return (SMTP_AUTH_FAILED);
		}
		if (strcmp(mech, "CRAM-MD5") == 0 && login_step++ == 0) {
			/* RFC 2195: the parent answers the challenge. */
			if ((err = smtp_auth_cram(job, dest, peer, reply,
			    &resp)) < 0)
				return (err);
			if (resp.status != IPC_SASL_FOUND) {
				smtp_auth_why(why, "4.7.0", NULL, NULL, "SASL "
				    "authentication failed; cannot "
				    "authenticate to server %s: %s",
				    peer->namaddr, "bad CRAM-MD5 challenge");
				return (SMTP_AUTH_FAILED);
			}
			err = io->chat(io->ctx, resp.response, "<response>",
			    &reply);
			explicit_bzero(&resp, sizeof(resp));
			continue;
		}
		if (strcmp(mech, "LOGIN") != 0 || login_step >= 2) {
			/* PLAIN is done in one step, CRAM-MD5 and LOGIN in
			 * one and two. */
			smtp_auth_why(why, "4.7.0", NULL, NULL, "SASL "
			    "authentication failed; cannot authenticate to "
			    "server %s: %s", peer->namaddr, "unexpected server "
			    "challenge");
			return (SMTP_AUTH_FAILED);
		}
		if (login_step++ == 0)
			err = smtp_auth_send(io, "", "<username>",
			    c->cred.username, ulen, &reply);
		else
			err = smtp_auth_send(io, "", "<password>",
			    c->cred.password, plen, &reply);
	}
	if (err < 0)
		return (err);
	if (reply->code / 100 == 2)
		return (SMTP_AUTH_DONE);
	smtp_reply_format(reply, text, sizeof(text));
	smtp_auth_why(why, reply->dsn, reply, peer->host, "SASL authentication "
	    "failed; server %s said: %s", peer->namaddr, text);
	if ((cfg->flags & IPC_CF_SASL_SOFT_BOUNCE) && why->status[0] == '5')
		why->status[0] = '4';
	/* A reply that is no failure (1xx, garbage) is a protocol error. */
	if (why->status[0] != '4' && why->status[0] != '5') {
		snprintf(why->status, sizeof(why->status), "%s", "4.7.0");
		why->diag_code = 0;
	}
	return (SMTP_AUTH_FAILED);
}
