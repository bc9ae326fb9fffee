/*
 * NAME
 *	tls_verify 3
 * SUMMARY
 *	judging the server's certificate at the configured TLS level
 * DESCRIPTION
 *	See tls_verify.h. As Postfix 3.7 (tls_client.c, tls_verify.c):
 *
 *	"may", "encrypt": the chain is verified against smtp_tls_CAfile
 *	and smtp_tls_CApath but no name is checked and nothing depends on
 *	it; the log says "Trusted" when it verified, "Untrusted" when not,
 *	"Anonymous" without a certificate.
 *
 *	"verify", "secure": the names of smtp_tls_verify_cert_match or
 *	smtp_tls_secure_cert_match are given to OpenSSL's host checks
 *	(SSL_add1_host(); "hostname" is the server's name, "nexthop" the
 *	request's domain, "dot-nexthop" and a name with a leading dot its
 *	subdomains; no partial-label wildcards, RFC 6125), so that the
 *	chain verifies only with a matching name: "Verified", else the
 *	session fails with "Server certificate not verified". With trust
 *	anchors (smtp_tls_trust_anchor_file, a policy's tafile=) the
 *	chain must lead to one of them instead of a CA: OpenSSL's DANE
 *	with local records (child/dane.c dane_ssl_anchors()), the names
 *	checked as before; when OpenSSL takes none of them, Postfix's
 *	"all trust anchors unusable" and the server is not verified.
 *
 *	"fingerprint": the leaf certificate's digest, or its public key's,
 *	with smtp_tls_fingerprint_digest must be one of
 *	smtp_tls_fingerprint_cert_match (Postfix makes them DANE-EE
 *	records: no chain, no name, no expiry). A mismatch is reported as
 *	OpenSSL's DANE "no match" error, as Postfix logs it.
 *
 *	The summary's TLS 1.3 details (key exchange group, the server's
 *	signature algorithm, key size and digest) are taken as Postfix
 *	tls_misc.c tls_get_signature_params() takes them.
 *
 *	Module state: the SSL ex_data index of the verification state.
 * SECURITY
 *	Child only. The certificates are hostile: names copied from them
 *	are censored to printable ASCII and cut to SJ_TLS_NAME_MAX; the
 *	rest are OpenSSL's own names (tokens the parent checks again).
 * SEE ALSO
 *	Postfix src/tls/tls_client.c, tls_verify.c, tls_misc.c,
 *	tls_fprint.c; RFC 6125, RFC 7672 (DANE-EE semantics)
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dane.h"
#include "msg.h"
#include "sj_text.h"
#include "tls_verify.h"

static struct tls_verify_ctx {
	int	ex_index;
} tls_verify_ctx = { -1 };

int
tls_verify_callback(int ok, X509_STORE_CTX *xs)
{
	SSL	*ssl;
	struct tls_verify_state *vs;
	X509	*cert;
	char	buf[SJ_TLS_NAME_MAX + 1];
	int	depth;

	if (ok || tls_verify_ctx.ex_index < 0)
		return (1);
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL ||
	    (vs = SSL_get_ex_data(ssl, tls_verify_ctx.ex_index)) == NULL)
		return (1);
	depth = X509_STORE_CTX_get_error_depth(xs);
	/* Postfix: the error closest to the leaf wins. */
	if (vs->have_err && depth >= vs->depth)
		return (1);
	vs->have_err = 1;
	vs->err = X509_STORE_CTX_get_error(xs);
	vs->depth = depth;
	vs->issuer[0] = '\0';
	if ((cert = X509_STORE_CTX_get_current_cert(xs)) != NULL &&
	    X509_NAME_oneline(X509_get_issuer_name(cert), buf,
	    sizeof(buf)) != NULL)
		sj_text_censor(vs->issuer, sizeof(vs->issuer), buf,
		    strlen(buf));
	/* Never fail the handshake: smtp_proto.c decides (Postfix too). */
	return (1);
}

/* Postfix tls_client.c add_namechecks(). */
static int
tls_verify_names(SSL *ssl, const char *list, const struct tls_peer *p)
{
	const char *seps = ", :\t\r\n";
	char	name[SJ_TLS_NAME_MAX + 2];
	const char *s = list;
	size_t	len;
	int	n = 0;

	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			break;
		len = strcspn(s, seps);
		if (len == 7 && strncasecmp(s, "nexthop", 7) == 0)
			snprintf(name, sizeof(name), "%s", p->nexthop);
		else if (len == 11 && strncasecmp(s, "dot-nexthop", 11) == 0)
			snprintf(name, sizeof(name), ".%s", p->nexthop);
		else if (len == 8 && strncasecmp(s, "hostname", 8) == 0)
			snprintf(name, sizeof(name), "%s", p->host);
		else if (len == 1 && *s == '.') {
			msg_warn("%s: ignoring invalid match name: \".\"",
			    p->namaddr);
			s += len;
			continue;
		} else
			snprintf(name, sizeof(name), "%.*s", (int)len, s);
		s += len;
		if (name[0] == '\0' || strcmp(name, ".") == 0)
			continue;
		if (!SSL_add1_host(ssl, name)) {
			msg_warn("%s: error loading match name: \"%s\"",
			    p->namaddr, name);
			continue;
		}
		n++;
	}
	if (n == 0) {
		/* Postfix: no name to match means no match (must_fail). */
		msg_warn("%s: could not configure peer name checks",
		    p->namaddr);
		return (-1);
	}
	return (0);
}

int
tls_verify_setup(SSL *ssl, int ex_index, struct tls_verify_state *vs,
    const struct sj_tls_config *t, int level, const struct tls_peer *p)
{
	memset(vs, 0, sizeof(*vs));
	tls_verify_ctx.ex_index = ex_index;
	if (!SSL_set_ex_data(ssl, ex_index, vs)) {
		msg_warn("Could not set application data for "
		    "'TLScontext->con'");
		return (-1);
	}
	/* Postfix: OpenSSL security level 1 when authenticating. */
	if (SJ_TLS_MUST_MATCH(level))
		SSL_set_security_level(ssl, 1);
	if (level != SJ_TLS_LEV_VERIFY && level != SJ_TLS_LEV_SECURE)
		return (0);
	/* Before the names: SSL_dane_enable() resets the host list. */
	if (t->ta != NULL && t->ta->n > 0) {
		switch (dane_ssl_anchors(ssl, t->ta)) {
		case -1:
			msg_warn("%s: error configuring local trust anchors",
			    p->namaddr);
			return (-1);
		case 0:
			msg_warn("%s: all trust anchors unusable", p->namaddr);
			vs->must_fail = 1;
			break;
		default:
			break;
		}
	}
	return (tls_verify_names(ssl, t->match, p));
}

/* Hex pairs with ':' (Postfix tls_fprint.c tls_digest_encode()). */
static void
tls_hex(char *out, size_t outsz, const unsigned char *md, unsigned len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	n = 0;
	unsigned i;

	for (i = 0; i < len && n + 3 < outsz; i++) {
		if (i > 0)
			out[n++] = ':';
		out[n++] = hex[md[i] >> 4];
		out[n++] = hex[md[i] & 0xf];
	}
	out[n] = '\0';
}

static int
tls_fpt_listed(const struct sj_tls_config *t, const unsigned char *md,
    unsigned len)
{
	size_t	i;

	for (i = 0; i < t->nfpt; i++)
		if (t->fpt_len[i] == len && memcmp(t->fpt[i], md, len) == 0)
			return (1);
	return (0);
}

/*
 * The certificate and public key digests (Postfix tls_cert_fprint(),
 * tls_pkey_fprint()); 1 when either is listed.
 */
static int
tls_verify_fprint(X509 *cert, const struct sj_tls_config *t,
    struct ipc_tls_info *info)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned len = 0;
	const EVP_MD *alg;
	X509_PUBKEY *pk;
	int	hit = 0, dlen;

	if ((alg = EVP_get_digestbyname(t->fpt_digest)) == NULL)
		return (0);
	if (X509_digest(cert, alg, md, &len) == 1) {
		tls_hex(info->fprint, sizeof(info->fprint), md, len);
		hit |= tls_fpt_listed(t, md, len);
	}
	/* Postfix tls_pkey_fprint() without tls_legacy_public_key_
	 * fingerprints: the digest of the DER SubjectPublicKeyInfo
	 * (X509_pubkey_digest() digests the key bits only, the legacy
	 * form). */
	if ((pk = X509_get_X509_PUBKEY(cert)) != NULL &&
	    (dlen = i2d_X509_PUBKEY(pk, &der)) > 0 &&
	    EVP_Digest(der, (size_t)dlen, md, &len, alg, NULL) == 1) {
		tls_hex(info->pkey_fprint, sizeof(info->pkey_fprint), md, len);
		hit |= tls_fpt_listed(t, md, len);
	}
	OPENSSL_free(der);
	return (hit);
}

void
tls_verify_token(char *dst, size_t dstsz, const char *src)
{
	size_t	i;

	if (src == NULL)
		src = "";
	/* OpenSSL's own names: what is no token character becomes '_'. */
	for (i = 0; src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ||
		    (src[i] >= 'A' && src[i] <= 'Z') ||
		    (src[i] >= '0' && src[i] <= '9') ||
		    strchr("-_.:+/", src[i]) != NULL ? src[i] : '_';
	dst[i] = '\0';
}

static void
tls_group_name(EVP_PKEY *k, char *dst, size_t dstsz)
{
	size_t	len = 0;

	dst[0] = '\0';
	if (!EVP_PKEY_get_group_name(k, dst, dstsz, &len))
		dst[0] = '\0';
}

/* Postfix tls_misc.c tls_get_signature_params(), the client's view. */
static void
tls_verify_params(SSL *ssl, X509 *peer, struct ipc_tls_info *info)
{
	EVP_PKEY *k = NULL, *pk;
	char	grp[SJ_TLS_TOKEN_MAX + 1];
	int	nid;

	if (SSL_version(ssl) < TLS1_3_VERSION)
		return;
	if (SSL_get_peer_tmp_key(ssl, &k) == 1 && k != NULL) {
		switch ((nid = EVP_PKEY_get_id(k))) {
		case EVP_PKEY_DH:
			tls_verify_token(info->kex_name, sizeof(info->kex_name),
			    "DHE");
			info->kex_bits = (uint32_t)EVP_PKEY_get_bits(k);
			break;
		case EVP_PKEY_EC:
			tls_verify_token(info->kex_name, sizeof(info->kex_name),
			    "ECDHE");
			tls_group_name(k, grp, sizeof(grp));
			tls_verify_token(info->kex_curve, sizeof(info->kex_curve),
			    grp);
			break;
		default:
			tls_verify_token(info->kex_name, sizeof(info->kex_name),
			    OBJ_nid2sn(EVP_PKEY_type(nid)));
			break;
		}
		EVP_PKEY_free(k);
	}
	if (peer == NULL || (pk = X509_get0_pubkey(peer)) == NULL)
		return;
	switch ((nid = EVP_PKEY_type(EVP_PKEY_get_id(pk)))) {
	case NID_undef:
		break;
	case EVP_PKEY_RSA:
		tls_verify_token(info->sig_name, sizeof(info->sig_name),
		    "RSA-PSS");
		info->sig_bits = (uint32_t)EVP_PKEY_get_bits(pk);
		break;
	case EVP_PKEY_EC:
		tls_verify_token(info->sig_name, sizeof(info->sig_name), "ECDSA");
		tls_group_name(pk, grp, sizeof(grp));
		tls_verify_token(info->sig_curve, sizeof(info->sig_curve), grp);
		break;
	default:
		tls_verify_token(info->sig_name, sizeof(info->sig_name),
		    OBJ_nid2sn(nid));
		break;
	}
	if (info->sig_name[0] != '\0' && SSL_get_peer_signature_nid(ssl,
	    &nid) && nid != NID_undef)
		tls_verify_token(info->sig_dgst, sizeof(info->sig_dgst),
		    OBJ_nid2sn(nid));
}

static void
tls_cn(X509_NAME *name, char *dst, size_t dstsz)
{
	char	buf[SJ_TLS_NAME_MAX + 1];
	int	n;

	dst[0] = '\0';
	if (name == NULL || (n = X509_NAME_get_text_by_NID(name,
	    NID_commonName, buf, sizeof(buf))) <= 0)
		return;
	sj_text_censor(dst, dstsz, buf, strlen(buf));
}

void
tls_verify_judge(SSL *ssl, struct tls_verify_state *vs,
    const struct sj_tls_config *t, int level, const struct tls_peer *p,
    struct tls_state *st)
{
	struct ipc_tls_info *info = &st->info;
	const SSL_CIPHER *c;
	X509	*peer;
	int	alg = 0, use;

	memset(info, 0, sizeof(*info));
	snprintf(info->peer, sizeof(info->peer), "%s", p->namaddr);
	snprintf(info->host, sizeof(info->host), "%s", p->host);
	peer = SSL_get0_peer_certificate(ssl);
	if (peer == NULL) {
		info->trust = SJ_TLS_TRUST_ANON;
	} else if (level == SJ_TLS_LEV_FPRINT) {
		/* DANE-EE: the chain and the names do not matter. */
		st->matched = tls_verify_fprint(peer, t, info);
		info->trust = st->matched ? SJ_TLS_TRUST_VERIFIED :
		    SJ_TLS_TRUST_UNTRUSTED;
		vs->have_err = !st->matched;
		vs->err = X509_V_ERR_DANE_NO_MATCH;
		vs->depth = 0;
	} else {
		(void)tls_verify_fprint(peer, t, info);
		if (SSL_get_verify_result(ssl) == X509_V_OK && !vs->must_fail &&
		    (!SJ_TLS_IS_DANE(level) || dane_verified(ssl, NULL))) {
			st->matched = SJ_TLS_MUST_MATCH(level);
			/* Postfix smtp_tls_policy.c: "MX RRset insecure:
			 * log verified as trusted" (half-dane). */
			info->trust = st->matched &&
			    level != SJ_TLS_LEV_HALF_DANE ?
			    SJ_TLS_TRUST_VERIFIED : SJ_TLS_TRUST_TRUSTED;
		} else {
			info->trust = SJ_TLS_TRUST_UNTRUSTED;
			/* Postfix tls_verify.c: must_fail is "unspecified". */
			if (vs->must_fail && !vs->have_err) {
				vs->have_err = 1;
				vs->err = X509_V_ERR_UNSPECIFIED;
				vs->depth = 0;
			}
			if (!vs->have_err) {
				vs->have_err = 1;
				vs->err = (int)SSL_get_verify_result(ssl);
				vs->depth = 0;
			}
		}
	}
	if (peer != NULL) {
		tls_cn(X509_get_subject_name(peer), info->subject_cn,
		    sizeof(info->subject_cn));
		tls_cn(X509_get_issuer_name(peer), info->issuer,
		    sizeof(info->issuer));
	}
	tls_verify_token(info->protocol, sizeof(info->protocol),
	    SSL_get_version(ssl));
	if ((c = SSL_get_current_cipher(ssl)) != NULL) {
		tls_verify_token(info->cipher, sizeof(info->cipher),
		    SSL_CIPHER_get_name(c));
		use = SSL_CIPHER_get_bits(c, &alg);
		info->usebits = use > 0 ? (uint32_t)use : 0;
		info->algbits = alg > 0 ? (uint32_t)alg : 0;
	}
	tls_verify_params(ssl, peer, info);
}

/*
 * The lines Postfix logs after a handshake, in its order: the reason
 * the certificate did not verify (tls_log_verify_error(), only when
 * the level's match failed), the certificate's names and fingerprints,
 * the summary. The parent applies smtp_tls_loglevel.
 */
int
tls_verify_report(const struct tls_verify_state *vs,
    const struct sj_tls_config *t, int level, const struct tls_peer *p,
    struct tls_state *st)
{
	struct ipc_tls_info info;
	int	err;

	/* At dane, a server tried at may or encrypt: as configured. */
	if (!st->matched && vs->have_err && vs->err != X509_V_OK &&
	    (SJ_TLS_MUST_MATCH(level) || t->log_untrusted_conf)) {
		memset(&info, 0, sizeof(info));
		info.event = SJ_TLS_EV_VERIFY_FAIL;
		info.verify_err = (uint32_t)vs->err;
		info.verify_depth = (uint32_t)vs->depth;
		snprintf(info.peer, sizeof(info.peer), "%s", p->namaddr);
		snprintf(info.issuer, sizeof(info.issuer), "%s", vs->issuer);
		if ((err = tls_emit(p, &info)) < 0)
			return (err);
	}
	if (st->info.subject_cn[0] != '\0' || st->info.fprint[0] != '\0') {
		info = st->info;
		info.event = SJ_TLS_EV_PEERCERT;
		if ((err = tls_emit(p, &info)) < 0)
			return (err);
	}
	info = st->info;
	info.event = SJ_TLS_EV_ESTABLISHED;
	return (tls_emit(p, &info));
}
