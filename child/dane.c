/*
 * NAME
 *	dane 3
 * SUMMARY
 *	DANE TLSA matching through OpenSSL's SSL_dane_* interface
 * DESCRIPTION
 *	See dane.h. Postfix 3.7 hands TLSA records to OpenSSL the same
 *	way (src/tls/tls_dane.c, tls_dane_enable()): SSL_dane_enable()
 *	with the TLSA base domain, SSL_dane_set_flags() with
 *	DANE_FLAG_NO_DANE_EE_NAMECHECKS, SSL_dane_tlsa_add() per usable
 *	record. OpenSSL then does the matching during verification
 *	(DANE-EE: the leaf only, no chain, no names, no expiry; DANE-TA:
 *	a chain to the matched certificate or key, with name checks), and
 *	applies digest agility (RFC 7671 9) by the preference order that
 *	dane_ctx_enable() set with SSL_CTX_dane_mtype_set().
 *
 *	Records are filtered first by tlsa_rr_usable() (PKIX usages,
 *	unknown selectors and matching types, wrong digest lengths and
 *	undecodable full data are skipped with Postfix's warning text);
 *	a record OpenSSL still refuses (SSL_dane_tlsa_add() returning 0)
 *	is skipped as unusable too.
 *
 *	dane_ssl_anchors() is the local form (Postfix tls_client.c
 *	tls_auth_enable() at verify and secure with trust anchors, and
 *	tls_dane.c tls_dane_load_trustfile()): DANE without a base domain
 *	and without DANE_FLAG_NO_DANE_EE_NAMECHECKS (the match names of
 *	the level are checked whatever matched), each certificate anchor
 *	as DANE-TA(2) and DANE-EE(3) records of the full certificate, each
 *	public key as the same of the SubjectPublicKeyInfo, matching type
 *	0. With DANE records only, OpenSSL does not consult the CA store
 *	(x509_vfy.c build_chain()), so the anchors replace the CAs.
 * SECURITY
 *	Child only, in the sandbox; TLSA data are hostile but already
 *	bounded by child/tlsa.c; trust anchors come from the parent
 *	(configuration); OpenSSL copies what it keeps.
 * SEE ALSO
 *	child/tlsa.c, child/tls_verify.c, SSL_dane_enable(3ssl),
 *	Postfix src/tls/tls_dane.c, RFC 7671, RFC 7672
 */
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dane.h"

int
dane_ctx_enable(SSL_CTX *ctx, const struct tlsa_digests *dg)
{
	const EVP_MD *md;
	size_t	i;
	int	on1 = 0, on2 = 0;

	if (SSL_CTX_dane_enable(ctx) <= 0)
		return (-1);
	for (i = 0; i < dg->count; i++) {
		md = dg->d[i].mtype == TLSA_MTYPE_SHA256 ? EVP_sha256()
		    : EVP_sha512();
		/* A larger ord is preferred; the first listed is best. */
		if (SSL_CTX_dane_mtype_set(ctx, md, dg->d[i].mtype,
		    (uint8_t)(dg->count - i)) <= 0)
			return (-1);
		if (dg->d[i].mtype == TLSA_MTYPE_SHA256)
			on1 = 1;
		else
			on2 = 1;
	}
	/* Not in tls_dane_digests: disabled, as Postfix does. */
	if ((!on1 && SSL_CTX_dane_mtype_set(ctx, NULL, TLSA_MTYPE_SHA256,
	    0) <= 0) || (!on2 && SSL_CTX_dane_mtype_set(ctx, NULL,
	    TLSA_MTYPE_SHA512, 0) <= 0))
		return (-1);
	return (0);
}

int
dane_ssl_enable(SSL *ssl, const char *base, const char *const *names,
    size_t nnames, const struct tlsa_set *set, const struct tlsa_digests *dg,
    const char *rrname, dane_skip_fn skip, void *arg)
{
	char	why[TLSA_WHY_MAX];
	const struct tlsa_rr *rr;
	size_t	i;
	int	added = 0, rv;

	if (SSL_dane_enable(ssl, base) <= 0)
		return (-1);
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < nnames; i++)
		if (names[i] != NULL && SSL_add1_host(ssl, names[i]) != 1)
			return (-1);
	for (i = 0; i < set->count; i++) {
		rr = &set->rr[i];
		if (!tlsa_rr_usable(set, rr, dg, rrname, why, sizeof(why))) {
			if (skip != NULL)
				skip(why, arg);
			continue;
		}
		rv = SSL_dane_tlsa_add(ssl, rr->usage, rr->selector,
		    rr->mtype, set->data + rr->off, rr->len);
		if (rv < 0)
			return (-1);
		if (rv == 0) {
			if (skip != NULL) {
				snprintf(why, sizeof(why), "unusable TLSA RR: "
				    "%s IN TLSA %u %u %u ...", rrname,
				    rr->usage, rr->selector, rr->mtype);
				skip(why, arg);
			}
			continue;
		}
		added++;
	}
	return (added);
}

int
dane_ssl_anchors(SSL *ssl, const struct sj_tls_tas *tas)
{
	static const uint8_t usages[] = {
		2,	/* DANE-TA, RFC 7218 */
		3,	/* DANE-EE */
	};
	const struct sj_tls_ta *a;
	size_t	i, u;
	int	added = 0, rv;
	uint8_t	selector;

	if (SSL_dane_enable(ssl, NULL) <= 0)
		return (-1);
	for (i = 0; i < tas->n; i++) {
		a = &tas->a[i];
		/* RFC 6698 2.1.2: 0 the full certificate, 1 the SPKI. */
		selector = a->kind == SJ_TLS_TA_CERT ? 0 : 1;
		for (u = 0; u < sizeof(usages); u++) {
			rv = SSL_dane_tlsa_add(ssl, usages[u], selector, 0,
			    a->der, a->len);
			if (rv < 0)
				return (-1);
			added += rv > 0;
		}
	}
	return (added);
}

int
dane_verified(SSL *ssl, int *depth)
{
	int	d;

	if (SSL_get_verify_result(ssl) != X509_V_OK)
		return (0);
	if ((d = SSL_get0_dane_authority(ssl, NULL, NULL)) < 0)
		return (0);
	if (depth != NULL)
		*depth = d;
	return (1);
}
