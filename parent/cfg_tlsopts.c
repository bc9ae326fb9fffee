/*
 * NAME
 *	cfg_tlsopts 3
 * SUMMARY
 *	OpenSSL options and key-exchange groups of the TLS client
 * DESCRIPTION
 *	sj_tls_options_load() reads the three OpenSSL tuning parameters
 *	Postfix 3.7's TLS client applies to its SSL_CTX, as
 *	tls_misc.c tls_bug_bits() and tls_dh.c tls_auto_eecdh_curves()
 *	compute them:
 *
 *	tls_disable_workarounds: names of bug work-arounds (or 0x hex
 *	masks) taken out of SSL_OP_ALL.
 *
 *	tls_ssl_options: names of options (or 0x hex masks) added, less
 *	SSL_OP_ALL and the bits Postfix manages itself (server cipher
 *	preference, unexpected EOF, the protocol bits).
 *
 *	tls_eecdh_auto_curves: curve names (NIST, short or long names),
 *	each tried alone on a scratch SSL_CTX; those this OpenSSL cannot
 *	use are skipped, as Postfix skips them; none usable leaves
 *	OpenSSL's defaults, with Postfix's warning. More than
 *	SJ_TLS_CURVES_MAX (16) usable ones stop the start (Postfix has no
 *	bound; OpenSSL 3 offers about 40 groups).
 *
 *	Names are separated by commas and white space and compared without
 *	case. Warnings go to the caller's function (parent/config.c logs
 *	them with the other start-up warnings). The child sets the result
 *	on its SSL_CTX (child/tls.c).
 * SECURITY
 *	Fail closed where Postfix would go on: Postfix warns about a name
 *	it does not know in tls_disable_workarounds or tls_ssl_options
 *	and ignores it; smtpjail stops the start with the name, since an
 *	ignored NO_RENEGOTIATION or NO_TICKET is a weaker session than the
 *	one configured. An unknown or unsupported curve name is only a
 *	preference and is skipped with Postfix's warning.
 * SEE ALSO
 *	Postfix src/tls/tls_misc.c (ssl_bug_tweaks, ssl_op_tweaks,
 *	tls_bug_bits()), src/tls/tls_dh.c, src/util/name_mask.c,
 *	src/tls/tls_client.c tls_client_init(); postconf(5)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "cfg_params.h"
#include "sj_tls.h"

struct tls_opt_name {
	const char *name;
	uint64_t mask;
};

/* Postfix tls_misc.c ssl_bug_tweaks[]: work-arounds one may disable. */
static const struct tls_opt_name tls_bug_names[] = {
	{"MICROSOFT_SESS_ID_BUG", SSL_OP_MICROSOFT_SESS_ID_BUG},
	{"NETSCAPE_CHALLENGE_BUG", SSL_OP_NETSCAPE_CHALLENGE_BUG},
	{"LEGACY_SERVER_CONNECT", SSL_OP_LEGACY_SERVER_CONNECT},
	{"NETSCAPE_REUSE_CIPHER_CHANGE_BUG",
	    SSL_OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG},
	{"CVE-2010-4180", SSL_OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG},
	{"SSLREF2_REUSE_CERT_TYPE_BUG", SSL_OP_SSLREF2_REUSE_CERT_TYPE_BUG},
	{"MICROSOFT_BIG_SSLV3_BUFFER", SSL_OP_MICROSOFT_BIG_SSLV3_BUFFER},
	{"MSIE_SSLV2_RSA_PADDING", SSL_OP_MSIE_SSLV2_RSA_PADDING},
	{"CVE-2005-2969", SSL_OP_MSIE_SSLV2_RSA_PADDING},
	{"SSLEAY_080_CLIENT_DH_BUG", SSL_OP_SSLEAY_080_CLIENT_DH_BUG},
	{"TLS_D5_BUG", SSL_OP_TLS_D5_BUG},
	{"TLS_BLOCK_PADDING_BUG", SSL_OP_TLS_BLOCK_PADDING_BUG},
	{"TLS_ROLLBACK_BUG", SSL_OP_TLS_ROLLBACK_BUG},
	{"DONT_INSERT_EMPTY_FRAGMENTS", SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS},
	{"CRYPTOPRO_TLSEXT_BUG", SSL_OP_CRYPTOPRO_TLSEXT_BUG},
	{"TLSEXT_PADDING", SSL_OP_TLSEXT_PADDING},
	{"ENABLE_MIDDLEBOX_COMPAT", SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
};

/* Postfix tls_misc.c ssl_op_tweaks[]: options one may turn on. */
static const struct tls_opt_name tls_op_names[] = {
	{"LEGACY_SERVER_CONNECT", SSL_OP_LEGACY_SERVER_CONNECT},
	{"NO_TICKET", SSL_OP_NO_TICKET},
	{"NO_COMPRESSION", SSL_OP_NO_COMPRESSION},
	{"NO_RENEGOTIATION", SSL_OP_NO_RENEGOTIATION},
	{"NO_SESSION_RESUMPTION_ON_RENEGOTIATION",
	    SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION},
	{"PRIORITIZE_CHACHA", SSL_OP_PRIORITIZE_CHACHA},
	{"ENABLE_MIDDLEBOX_COMPAT", SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
};

/* Postfix tls.h TLS_SSL_OP_MANAGED_BITS: set by Postfix, not by users. */
#define TLS_OP_MANAGED	(SSL_OP_CIPHER_SERVER_PREFERENCE | \
	SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | \
	SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3)

#define TLS_OPT_SEPS	", \t\r\n"

/* Postfix name_mask.c hex_to_ulong(): "0x" and hex digits only. */
static int
tls_opt_hex(const char *tok, size_t len, uint64_t *mask)
{
	char	buf[32], *end;
	unsigned long long v;

	if (len < 3 || len >= sizeof(buf) || strncasecmp(tok, "0x", 2) != 0 ||
	    tok[2] == '-' || tok[2] == '+')
		return (0);
	memcpy(buf, tok, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 16);
	if (*end != '\0' || errno == ERANGE)
		return (0);
	*mask = (uint64_t)v;
	return (1);
}

/* A name list (or 0x masks) into a mask; an unknown name stops the start. */
static int
tls_opt_mask(const char *param, const char *list,
    const struct tls_opt_name *names, size_t nnames, uint64_t *mask,
    char *why, size_t whysz)
{
	const char *s = list;
	size_t	len, i;
	uint64_t m;

	*mask = 0;
	for (;;) {
		s += strspn(s, TLS_OPT_SEPS);
		if (*s == '\0')
			return (0);
		len = strcspn(s, TLS_OPT_SEPS);
		for (i = 0; i < nnames; i++)
			if (strlen(names[i].name) == len &&
			    strncasecmp(names[i].name, s, len) == 0)
				break;
		if (i < nnames)
			*mask |= names[i].mask;
		else if (tls_opt_hex(s, len, &m))
			*mask |= m;
		else {
			snprintf(why, whysz, "parameter %s: unknown value "
			    "\"%.*s\" in \"%s\" (Postfix would ignore it: the "
			    "session would be weaker than configured)", param,
			    (int)len, s, list);
			return (-EINVAL);
		}
		s += len;
	}
}

/* Postfix tls_dh.c tls_auto_eecdh_curves(), into NIDs. */
static int
tls_opt_curves(struct sj_tls_config *t, const char *list,
    sj_params_warn_fn warn, void *warn_ctx, char *why, size_t whysz)
{
	const char *s = list;
	char	name[128], text[200];
	size_t	len;
	int	nid, unknown = 0;
	SSL_CTX *scratch;

	t->curve_count = 0;
	if ((scratch = SSL_CTX_new(TLS_method())) == NULL) {
		snprintf(why, whysz, "cannot allocate a scratch SSL_CTX for "
		    "tls_eecdh_auto_curves");
		return (-ENOMEM);
	}
	for (;;) {
		s += strspn(s, TLS_OPT_SEPS);
		if (*s == '\0')
			break;
		len = strcspn(s, TLS_OPT_SEPS);
		snprintf(name, sizeof(name), "%.*s", (int)len, s);
		s += len;
		/* No curve name is that long: unknown, not cut to size. */
		if (len >= sizeof(name) ||
		    ((nid = EC_curve_nist2nid(name)) == NID_undef &&
		    (nid = OBJ_sn2nid(name)) == NID_undef &&
		    (nid = OBJ_ln2nid(name)) == NID_undef)) {
			snprintf(text, sizeof(text), "ignoring unknown ECDHE "
			    "curve \"%s\"", name);
			warn(warn_ctx, text);
			continue;
		}
		if (SSL_CTX_set1_curves(scratch, &nid, 1) <= 0) {
			unknown++;
			continue;
		}
		if (t->curve_count == SJ_TLS_CURVES_MAX) {
			SSL_CTX_free(scratch);
			snprintf(why, whysz, "parameter tls_eecdh_auto_curves: "
			    "more than %d usable curves", SJ_TLS_CURVES_MAX);
			return (-E2BIG);
		}
		t->curve_nids[t->curve_count++] = nid;
	}
	SSL_CTX_free(scratch);
	if (t->curve_count == 0 && unknown > 0)
		warn(warn_ctx, "none of the configured ECDHE curves are "
		    "supported");
	return (0);
}

int
sj_tls_options_load(struct sj_tls_config *t, struct sj_params *p,
    sj_params_warn_fn warn, void *warn_ctx, char *why, size_t whysz)
{
	const char *v, *bugs;
	uint64_t off, on;
	int	rc;

	if ((rc = sj_params_get_str(p, "tls_disable_workarounds", &bugs, why,
	    whysz)) < 0 ||
	    (rc = tls_opt_mask("tls_disable_workarounds", bugs, tls_bug_names,
	    sizeof(tls_bug_names) / sizeof(tls_bug_names[0]), &off, why,
	    whysz)) < 0 ||
	    (rc = sj_params_get_str(p, "tls_ssl_options", &v, why, whysz)) < 0 ||
	    (rc = tls_opt_mask("tls_ssl_options", v, tls_op_names,
	    sizeof(tls_op_names) / sizeof(tls_op_names[0]), &on, why,
	    whysz)) < 0)
		return (rc);
	/* tls_bug_bits(): a non-empty list also drops the Safari bit
	 * ("not relevant to SMTP"); ephemeral keys are never reused. */
	if (bugs[strspn(bugs, TLS_OPT_SEPS)] != '\0')
		off |= SSL_OP_SAFARI_ECDHE_ECDSA_BUG;
	t->ssl_options = ((uint64_t)SSL_OP_ALL & ~off) |
	    (on & ~((uint64_t)SSL_OP_ALL | TLS_OP_MANAGED)) |
	    SSL_OP_SINGLE_ECDH_USE | SSL_OP_SINGLE_DH_USE;
	if ((rc = sj_params_get_str(p, "tls_eecdh_auto_curves", &v, why,
	    whysz)) < 0)
		return (rc);
	return (tls_opt_curves(t, v, warn, warn_ctx, why, whysz));
}
