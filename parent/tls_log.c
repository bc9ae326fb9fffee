/*
 * NAME
 *	tls_log 3
 * SUMMARY
 *	Postfix's TLS log lines, formatted by the parent from TLS_INFO
 * DESCRIPTION
 *	tls_log_init() loads OpenSSL's error texts in the parent, at start
 *	(before its sandbox), when TLS is on: the children's TLS context is
 *	made by the spawner, not here.
 *
 *	tls_log_info() writes the line that Postfix 3.7's TLS library
 *	writes for one TLS_INFO event of the child, when
 *	smtp_tls_loglevel asks for it:
 *
 *	ESTABLISHED (loglevel >= 1, "summary"): tls_misc.c
 *	tls_log_summary(): "<Trust> TLS connection established to
 *	<peer>: <protocol> with cipher <cipher> (<use>/<alg> bits)" and,
 *	for TLS 1.3, " key-exchange <group>" and " server-signature
 *	<alg> (<bits> bits|<curve>) server-digest <digest>".
 *	CONN_REUSED (the same level): that line with "reused" for
 *	"established", for a connection with TLS taken from the child's
 *	connection cache (smtp_tls_connection_reuse; Postfix logs it in
 *	smtp_session.c smtp_session_activate()).
 *
 *	VERIFY_FAIL ("untrusted", implied at the levels that match):
 *	tls_verify.c tls_log_verify_error(), with the texts it has for
 *	the common X.509 errors and "num=<n>:<OpenSSL's text>" for the
 *	others.
 *
 *	PEERCERT (loglevel >= 2, "peercert"): "<peer>: subject_CN=...,
 *	issuer_CN=..., fingerprint=..., pkey_fingerprint=...".
 *
 *	CONNECT_ERR (always, as Postfix): "SSL_connect error to <peer>:
 *	<status>|<errno text>|lost connection".
 *
 *	OFFERED (smtp_tls_note_starttls_offer): "Host offered STARTTLS:
 *	[<host>]".
 *
 *	LIBERR (a warning, always, as tls_misc.c tls_print_errors()):
 *	"TLS library problem: <OpenSSL's text for the code>:<file>:<line>:"
 *	and "<data>:" when OpenSSL had a detail text.
 * SECURITY
 *	Parent. The fields come from the child and are hostile: the
 *	decoder has checked that the strings are printable and that the
 *	OpenSSL names are tokens; the numbers only select a text or are
 *	printed as numbers. The child's own words never reach the log
 *	except as those fields.
 * SEE ALSO
 *	Postfix src/tls/tls_misc.c, tls_verify.c, tls_client.c,
 *	src/smtp/smtp_proto.c; include/sj_tls.h
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "msg.h"
#include "sj_tls.h"
#include "tls_log.h"

static const char *const tls_trust_words[] = {
	[SJ_TLS_TRUST_ANON] = "Anonymous",
	[SJ_TLS_TRUST_UNTRUSTED] = "Untrusted",
	[SJ_TLS_TRUST_TRUSTED] = "Trusted",
	[SJ_TLS_TRUST_VERIFIED] = "Verified",
};

/* Append to line[] (bounded, always terminated). */
static void
tls_cat(char *line, size_t linesz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tls_cat(char *line, size_t linesz, const char *fmt, ...)
{
	size_t	used = strlen(line);
	va_list	ap;

	if (used + 1 >= linesz)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line + used, linesz - used, fmt, ap);
	va_end(ap);
}

/* 'usage': "established", or "reused" for a cached connection. */
static void
tls_log_summary(const struct ipc_tls_info *i, const char *usage, char *line,
    size_t linesz)
{
	snprintf(line, linesz, "%s TLS connection %s to %s: %s "
	    "with cipher %s (%u/%u bits)", tls_trust_words[i->trust], usage,
	    i->peer, i->protocol, i->cipher, i->usebits, i->algbits);
	if (i->kex_name[0] != '\0') {
		tls_cat(line, linesz, " key-exchange %s", i->kex_name);
		if (i->kex_curve[0] != '\0')
			tls_cat(line, linesz, " (%s)", i->kex_curve);
		else if (i->kex_bits > 0)
			tls_cat(line, linesz, " (%u bits)", i->kex_bits);
	}
	if (i->sig_name[0] != '\0') {
		tls_cat(line, linesz, " server-signature %s", i->sig_name);
		if (i->sig_curve[0] != '\0')
			tls_cat(line, linesz, " (%s)", i->sig_curve);
		else if (i->sig_bits > 0)
			tls_cat(line, linesz, " (%u bits)", i->sig_bits);
		if (i->sig_dgst[0] != '\0')
			tls_cat(line, linesz, " server-digest %s",
			    i->sig_dgst);
	}
}

/* Postfix tls_verify.c tls_log_verify_error(), client side. */
static void
tls_log_verify(const struct ipc_tls_info *i, char *line, size_t linesz)
{
	const char *purpose = i->verify_depth > 0 ? "CA" : "server";
	const char *txt;

	switch (i->verify_err) {
	case X509_V_ERR_CERT_UNTRUSTED:
		snprintf(line, linesz, "certificate verification failed for "
		    "%s: not trusted by local or TLSA policy", i->peer);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(line, linesz, "certificate verification failed for "
		    "%s: self-signed certificate", i->peer);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(line, linesz, "certificate verification failed for "
		    "%s: untrusted issuer %s", i->peer, i->issuer[0] != '\0' ?
		    i->issuer : "<unknown>");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
		snprintf(line, linesz, "%s certificate verification failed "
		    "for %s: certificate not yet valid", purpose, i->peer);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
		snprintf(line, linesz, "%s certificate verification failed "
		    "for %s: certificate has expired", purpose, i->peer);
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		snprintf(line, linesz, "certificate verification failed for "
		    "%s: not designated for use as a %s certificate", i->peer,
		    purpose);
		break;
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		snprintf(line, linesz, "certificate verification failed for "
		    "%s: certificate chain longer than limit(%d)", i->peer,
		    (int)i->verify_depth - 1);
		break;
	default:
		/* OpenSSL's static text for a number: not the child's. */
		txt = X509_verify_cert_error_string((long)i->verify_err);
		snprintf(line, linesz, "%s certificate verification failed "
		    "for %s: num=%u:%s", purpose, i->peer, i->verify_err,
		    txt != NULL ? txt : "unknown");
		break;
	}
}

static void
tls_log_connect(const struct ipc_tls_info *i, char *line, size_t linesz)
{
	switch (i->conn_kind) {
	case SJ_TLS_CERR_STATUS:
		snprintf(line, linesz, "SSL_connect error to %s: %d", i->peer,
		    (int)i->conn_code);
		break;
	case SJ_TLS_CERR_ERRNO:
	case SJ_TLS_CERR_TIMEOUT:
		snprintf(line, linesz, "SSL_connect error to %s: %s", i->peer,
		    i->conn_code > 0 && i->conn_code < 4096 ?
		    strerror((int)i->conn_code) : "Unknown error");
		break;
	default:
		snprintf(line, linesz, "SSL_connect error to %s: lost "
		    "connection", i->peer);
		break;
	}
}

/* Postfix dane_init() texts, by the reason the child names. */
static int
tls_log_policy(const struct sj_tls_config *t, const struct ipc_tls_info *i)
{
	const char *lname = t->level == SJ_TLS_LEV_DANE_ONLY ? "dane-only" :
	    "dane";

	switch (i->conn_code) {
	case SJ_TLS_POL_NO_DNSSEC:
	case SJ_TLS_POL_MX_IGNORED:
		msg_warn("%s: %s configured with %s", i->peer, lname,
		    i->conn_code == SJ_TLS_POL_NO_DNSSEC ?
		    "dnssec lookups disabled" : "MX lookup errors ignored");
		return (0);
	case SJ_TLS_POL_NO_TLSA:
	case SJ_TLS_POL_NONDNSSEC:
	case SJ_TLS_POL_CONFIG:
	case SJ_TLS_POL_UNUSABLE:
	case SJ_TLS_POL_MX_INSECURE:
		msg_warn("TLS policy lookup for %s/%s: %s", i->peer, i->host,
		    i->conn_code == SJ_TLS_POL_NO_TLSA ?
		    "no TLSA records found" :
		    i->conn_code == SJ_TLS_POL_NONDNSSEC ?
		    "non DNSSEC destination" :
		    i->conn_code == SJ_TLS_POL_CONFIG ?
		    "client TLS configuration problem" :
		    i->conn_code == SJ_TLS_POL_UNUSABLE ?
		    "TLSA records unusable" :
		    "Verification not possible, MX RRset is insecure");
		return (0);
	case SJ_TLS_POL_LOOKUP_ERR:
		msg_warn("TLS policy lookup for %s/%s: TLSA lookup error for "
		    "%s:%u", i->peer, i->host, i->host, i->verify_depth);
		return (0);
	case SJ_TLS_POL_CNAME_GONE:
		/* tls_dane.c qname_secure() */
		msg_warn("DNSSEC status lookup error for %s: no longer a "
		    "CNAME", i->host);
		return (0);
	case SJ_TLS_POL_CNAME_AGAIN:
	case SJ_TLS_POL_CNAME_FAIL:
		msg_warn("DNSSEC status lookup error for %s: Host or domain "
		    "name not found. Name service error for name=%s "
		    "type=CNAME: %s", i->host, i->host,
		    i->conn_code == SJ_TLS_POL_CNAME_AGAIN ?
		    "Host not found, try again" : "Non-recoverable error");
		return (0);
	default:
		return (-EINVAL);
	}
}

void
tls_log_init(const struct sj_tls_config *t)
{
	/* The texts only: no configuration file, nothing else opened. */
	if (t->enabled)
		(void)OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
		    OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
		    OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

int
tls_log_info(const struct sj_tls_config *t, const struct ipc_tls_info *i)
{
	char	line[2048], err[256];

	/* ipc_msg_check() has bounded event, trust and conn_kind. */
	line[0] = '\0';
	switch (i->event) {
	case SJ_TLS_EV_ESTABLISHED:
		if (t->log_mask & SJ_TLS_LOG_SUMMARY)
			tls_log_summary(i, "established", line, sizeof(line));
		break;
	case SJ_TLS_EV_CONN_REUSED:
		/* Postfix tls_log_summary(TLS_USAGE_USED), logged by
		 * smtp_session_activate() for a connection from the cache. */
		if (t->log_mask & SJ_TLS_LOG_SUMMARY)
			tls_log_summary(i, "reused", line, sizeof(line));
		break;
	case SJ_TLS_EV_VERIFY_FAIL:
		if (t->log_mask & SJ_TLS_LOG_UNTRUSTED)
			tls_log_verify(i, line, sizeof(line));
		break;
	case SJ_TLS_EV_PEERCERT:
		if (t->log_mask & SJ_TLS_LOG_PEERCERT)
			snprintf(line, sizeof(line), "%s: subject_CN=%s, "
			    "issuer_CN=%s, fingerprint=%s, pkey_fingerprint=%s",
			    i->peer, i->subject_cn, i->issuer, i->fprint,
			    i->pkey_fprint);
		break;
	case SJ_TLS_EV_CONNECT_ERR:
		tls_log_connect(i, line, sizeof(line));
		break;
	case SJ_TLS_EV_LIBERR:
		/* Postfix tls_print_errors(): a warning, whatever the
		 * loglevel. The text is OpenSSL's for the code. */
		ERR_error_string_n((unsigned long)i->lib_err, err,
		    sizeof(err));
		if (i->lib_has_data)
			msg_warn("TLS library problem: %s:%s:%u:%s:", err,
			    i->lib_file, i->lib_line, i->lib_data);
		else
			msg_warn("TLS library problem: %s:%s:%u:", err,
			    i->lib_file, i->lib_line);
		return (0);
	case SJ_TLS_EV_REUSED:
		/* Postfix tls_client.c, at TLS_LOG_CACHE. */
		if (t->log_mask & SJ_TLS_LOG_CACHE)
			snprintf(line, sizeof(line), "%s: Reusing old session",
			    i->peer);
		break;
	case SJ_TLS_EV_POLICY:
		/* Postfix smtp_connect.c and dane_init(): warnings. */
		return (tls_log_policy(t, i));
	case SJ_TLS_EV_OFFERED:
		if (t->note_starttls_offer)
			snprintf(line, sizeof(line), "Host offered STARTTLS: "
			    "[%s]", i->host);
		break;
	default:
		return (-EINVAL);
	}
	if (line[0] != '\0')
		msg_info("%s", line);
	return (0);
}
