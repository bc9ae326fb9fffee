/*
 * NAME
 *	tls_keyprov 3
 * SUMMARY
 *	an OpenSSL 3 provider whose private key is in the parent
 * DESCRIPTION
 *	See tls_keyprov.h. The child presents a client certificate but
 *	never holds its key (parent/tls_sign.c). OpenSSL 3 signs
 *	CertificateVerify (RFC 8446 4.4.3, RFC 5246 7.4.8) through
 *	EVP_DigestSign() on the EVP_PKEY given to SSL_CTX; this module is
 *	a built-in provider (OSSL_PROVIDER_add_builtin()) with a key
 *	manager that holds only a public key (imported from the leaf
 *	certificate) and a signature implementation that hashes the data
 *	here and sends the digest to the parent in a SIGN_REQ. The key
 *	manager answers to OpenSSL's "RSA" and "EC" names, so libssl
 *	treats the key as the certificate's type; its signature algorithms
 *	have names of their own ("SJKEY-RSA", "SJKEY-EC", via
 *	query_operation_name), so only keys of this provider reach them.
 *	Every fetch that does not ask for this provider prefers the
 *	default one (default property query "?provider!=sjkey"), so that
 *	server keys and everything else stay OpenSSL's.
 *
 *	RSA: PKCS#1 v1.5 or PSS with the salt as long as the digest (what
 *	TLS uses); EC: ECDSA. Anything else fails the handshake, and so
 *	does a refusal by the parent.
 *
 *	The deprecated RSA_METHOD / EC_KEY_METHOD route is not used.
 * SECURITY
 *	Child (tls_keyprov_init() and tls_keyprov_use() run before the
 *	fork, on trusted configuration). The parent's answer is checked:
 *	hex, no longer than the buffer OpenSSL gave.
 * SEE ALSO
 *	provider(7), provider-keymgmt(7), provider-signature(7);
 *	parent/tls_sign.c, parent/cfg_tlscert.c, child/tls.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tls_keyprov.h"

#define KP_NAME		"sjkey"
#define KP_PROPS	"provider=" KP_NAME
#define KP_SIG_RSA	"SJKEY-RSA"
#define KP_SIG_EC	"SJKEY-EC"

static struct kp_ctx {
	tls_keyprov_signer signer;
	void	*signer_ctx;
	OSSL_PROVIDER *prov;
	OSSL_PROVIDER *deflt;
} kp_ctx;

/* The key: only the public half, as an EVP_PKEY of the default provider. */
struct kp_key {
	EVP_PKEY *pub;
	int	is_rsa;
};

struct kp_sig {
	struct kp_key *key;
	EVP_MD_CTX *mdctx;
	EVP_MD	*md;
	int	pad;			/* RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING */
	int	salt_ok;		/* PSS salt length is the digest's */
};

void
tls_keyprov_set_signer(tls_keyprov_signer fn, void *ctx)
{
	kp_ctx.signer = fn;
	kp_ctx.signer_ctx = ctx;
}

/* Key management. */

static void *
kp_new(void *provctx)
{
	(void)provctx;
	return (calloc(1, sizeof(struct kp_key)));
}

static void
kp_free(void *kd)
{
	struct kp_key *k = kd;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	free(k);
}

static int
kp_has(const void *kd, int selection)
{
	const struct kp_key *k = kd;

	/* The private half "exists": the parent holds it. */
	(void)selection;
	return (k != NULL && k->pub != NULL);
}

static int
kp_import(struct kp_key *k, int is_rsa, const OSSL_PARAM params[])
{
	EVP_PKEY_CTX *c;
	int	ok;

	if (k == NULL || k->pub != NULL)
		return (0);
	if ((c = EVP_PKEY_CTX_new_from_name(NULL, is_rsa ? "RSA" : "EC",
	    "provider=default")) == NULL)
		return (0);
	/* Public selection: private parameters, if any, are ignored. */
	ok = EVP_PKEY_fromdata_init(c) > 0 && EVP_PKEY_fromdata(c, &k->pub,
	    EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)params) > 0;
	EVP_PKEY_CTX_free(c);
	k->is_rsa = is_rsa;
	return (ok);
}

static int
kp_import_rsa(void *kd, int selection, const OSSL_PARAM params[])
{
	(void)selection;
	return (kp_import(kd, 1, params));
}

static int
kp_import_ec(void *kd, int selection, const OSSL_PARAM params[])
{
	(void)selection;
	return (kp_import(kd, 0, params));
}

static const OSSL_PARAM kp_rsa_types[] = {
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM kp_ec_types[] = {
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
kp_import_types_rsa(int selection)
{
	(void)selection;
	return (kp_rsa_types);
}

static const OSSL_PARAM *
kp_import_types_ec(int selection)
{
	(void)selection;
	return (kp_ec_types);
}

static int
kp_get_params(void *kd, OSSL_PARAM params[])
{
	struct kp_key *k = kd;

	return (k != NULL && k->pub != NULL &&
	    EVP_PKEY_get_params(k->pub, params));
}

static const OSSL_PARAM kp_gettable[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
kp_gettable_params(void *provctx)
{
	(void)provctx;
	return (kp_gettable);
}

static int
kp_match(const void *a, const void *b, int selection)
{
	const struct kp_key *ka = a, *kb = b;

	(void)selection;
	return (ka != NULL && kb != NULL && ka->pub != NULL &&
	    kb->pub != NULL && EVP_PKEY_eq(ka->pub, kb->pub) == 1);
}

static const char *
kp_opname_rsa(int op)
{
	return (op == OSSL_OP_SIGNATURE ? KP_SIG_RSA : NULL);
}

static const char *
kp_opname_ec(int op)
{
	return (op == OSSL_OP_SIGNATURE ? KP_SIG_EC : NULL);
}

#define KP_FN(id, f)	{ id, (void (*)(void))(f) }

static const OSSL_DISPATCH kp_keymgmt_rsa[] = {
	KP_FN(OSSL_FUNC_KEYMGMT_NEW, kp_new),
	KP_FN(OSSL_FUNC_KEYMGMT_FREE, kp_free),
	KP_FN(OSSL_FUNC_KEYMGMT_HAS, kp_has),
	KP_FN(OSSL_FUNC_KEYMGMT_MATCH, kp_match),
	KP_FN(OSSL_FUNC_KEYMGMT_IMPORT, kp_import_rsa),
	KP_FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, kp_import_types_rsa),
	KP_FN(OSSL_FUNC_KEYMGMT_GET_PARAMS, kp_get_params),
	KP_FN(OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, kp_gettable_params),
	KP_FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, kp_opname_rsa),
	{ 0, NULL }
};

static const OSSL_DISPATCH kp_keymgmt_ec[] = {
	KP_FN(OSSL_FUNC_KEYMGMT_NEW, kp_new),
	KP_FN(OSSL_FUNC_KEYMGMT_FREE, kp_free),
	KP_FN(OSSL_FUNC_KEYMGMT_HAS, kp_has),
	KP_FN(OSSL_FUNC_KEYMGMT_MATCH, kp_match),
	KP_FN(OSSL_FUNC_KEYMGMT_IMPORT, kp_import_ec),
	KP_FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, kp_import_types_ec),
	KP_FN(OSSL_FUNC_KEYMGMT_GET_PARAMS, kp_get_params),
	KP_FN(OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, kp_gettable_params),
	KP_FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, kp_opname_ec),
	{ 0, NULL }
};

/* Signature. */

static void *
kp_sig_new(void *provctx, const char *propq)
{
	struct kp_sig *s;

	(void)provctx;
	(void)propq;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->pad = RSA_PKCS1_PADDING;
	s->salt_ok = 1;
	return (s);
}

static void
kp_sig_free(void *sd)
{
	struct kp_sig *s = sd;

	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->mdctx);
	EVP_MD_free(s->md);
	free(s);
}

static void *
kp_sig_dup(void *sd)
{
	struct kp_sig *s = sd, *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	*d = *s;
	d->mdctx = NULL;
	if (d->md != NULL && !EVP_MD_up_ref(d->md)) {
		free(d);
		return (NULL);
	}
	if (s->mdctx != NULL && ((d->mdctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_MD_CTX_copy_ex(d->mdctx, s->mdctx))) {
		kp_sig_free(d);
		return (NULL);
	}
	return (d);
}

static int
kp_set_md(struct kp_sig *s, const char *name)
{
	EVP_MD	*md;

	if ((md = EVP_MD_fetch(NULL, name != NULL ? name : "SHA256",
	    "provider=default")) == NULL)
		return (0);
	EVP_MD_free(s->md);
	s->md = md;
	return (1);
}

static int
kp_set_ctx_params(void *sd, const OSSL_PARAM params[])
{
	struct kp_sig *s = sd;
	const OSSL_PARAM *p;
	const char *str;
	int	v;

	if (s == NULL)
		return (0);
	if (params == NULL)
		return (1);
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (OSSL_PARAM_get_int(p, &v))
			s->pad = v;
		else if (OSSL_PARAM_get_utf8_string_ptr(p, &str))
			s->pad = strcasecmp(str, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0 ?
			    RSA_PKCS1_PSS_PADDING :
			    strcasecmp(str, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0 ?
			    RSA_PKCS1_PADDING : -1;
		else
			return (0);
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		if (OSSL_PARAM_get_int(p, &v))
			s->salt_ok = v == RSA_PSS_SALTLEN_DIGEST ||
			    (s->md != NULL && v == EVP_MD_get_size(s->md));
		else if (OSSL_PARAM_get_utf8_string_ptr(p, &str))
			s->salt_ok = strcmp(str,
			    OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0 ||
			    (s->md != NULL &&
			    atoi(str) == EVP_MD_get_size(s->md));
		else
			return (0);
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &str) ||
		    !kp_set_md(s, str))
			return (0);
	}
	return (1);
}

static const OSSL_PARAM kp_settable[] = {
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
kp_settable_ctx_params(void *sd, void *provctx)
{
	(void)sd;
	(void)provctx;
	return (kp_settable);
}

static int
kp_sign_init(void *sd, void *kd, const OSSL_PARAM params[])
{
	struct kp_sig *s = sd;

	if (s == NULL || kd == NULL)
		return (0);
	s->key = kd;
	return (kp_set_ctx_params(s, params));
}

static int
kp_dsign_init(void *sd, const char *mdname, void *kd,
    const OSSL_PARAM params[])
{
	struct kp_sig *s = sd;

	if (!kp_sign_init(sd, kd, NULL) || !kp_set_md(s, mdname))
		return (0);
	if (s->mdctx == NULL && (s->mdctx = EVP_MD_CTX_new()) == NULL)
		return (0);
	if (!EVP_DigestInit_ex2(s->mdctx, s->md, NULL))
		return (0);
	return (kp_set_ctx_params(s, params));
}

static int
kp_md_id(const EVP_MD *md)
{
	static const struct {
		const char *name;
		int	id;
	} ids[] = {
		{"SHA1", SJ_SIGN_MD_SHA1},
		{"SHA224", SJ_SIGN_MD_SHA224},
		{"SHA256", SJ_SIGN_MD_SHA256},
		{"SHA384", SJ_SIGN_MD_SHA384},
		{"SHA512", SJ_SIGN_MD_SHA512},
	};
	size_t	i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (EVP_MD_is_a(md, ids[i].name))
			return (ids[i].id);
	return (0);
}

/* The digest dg[dlen] signed by the parent into sig[*siglen]. */
static int
kp_remote_sign(struct kp_sig *s, const unsigned char *dg, size_t dlen,
    unsigned char *sig, size_t *siglen, size_t sigsize)
{
	static const char hexd[] = "0123456789abcdef";
	struct ipc_sign_req rq;
	struct ipc_sign_resp rs;
	size_t	i, n;
	int	hi, lo, ok = 0;

	if (s->key == NULL || s->md == NULL || kp_ctx.signer == NULL ||
	    dlen > SJ_SIGN_DIGEST_MAX || (int)dlen != EVP_MD_get_size(s->md))
		return (0);
	memset(&rq, 0, sizeof(rq));
	if (!s->key->is_rsa)
		rq.alg = SJ_SIGN_ECDSA;
	else if (s->pad == RSA_PKCS1_PSS_PADDING && s->salt_ok)
		rq.alg = SJ_SIGN_RSA_PSS;
	else if (s->pad == RSA_PKCS1_PADDING)
		rq.alg = SJ_SIGN_RSA_PKCS1;
	else
		return (0);
	if ((rq.md = (uint32_t)kp_md_id(s->md)) == 0)
		return (0);
	for (i = 0; i < dlen; i++) {
		rq.digest[2 * i] = hexd[dg[i] >> 4];
		rq.digest[2 * i + 1] = hexd[dg[i] & 0xf];
	}
	memset(&rs, 0, sizeof(rs));
	if (kp_ctx.signer(kp_ctx.signer_ctx, &rq, &rs) < 0 ||
	    rs.status != IPC_SIGN_OK)
		return (0);
	n = strlen(rs.sig);
	if (n % 2 != 0 || n / 2 > sigsize || n == 0)
		return (0);
	for (i = 0; i < n / 2; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)rs.sig[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)rs.sig[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return (0);
		sig[i] = (unsigned char)(hi << 4 | lo);
	}
	*siglen = n / 2;
	ok = 1;
	return (ok);
}

static int
kp_max_size(struct kp_sig *s, size_t *siglen)
{
	int	n;

	if (s == NULL || s->key == NULL ||
	    (n = EVP_PKEY_get_size(s->key->pub)) <= 0)
		return (0);
	*siglen = (size_t)n;
	return (1);
}

static int
kp_sign(void *sd, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	struct kp_sig *s = sd;

	if (sig == NULL)
		return (kp_max_size(s, siglen));
	return (kp_remote_sign(s, tbs, tbslen, sig, siglen, sigsize));
}

static int
kp_dsign_update(void *sd, const unsigned char *data, size_t len)
{
	struct kp_sig *s = sd;

	return (s != NULL && s->mdctx != NULL &&
	    EVP_DigestUpdate(s->mdctx, data, len));
}

static int
kp_dsign_final(void *sd, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct kp_sig *s = sd;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;

	if (sig == NULL)
		return (kp_max_size(s, siglen));
	if (s == NULL || s->mdctx == NULL ||
	    !EVP_DigestFinal_ex(s->mdctx, dg, &dlen))
		return (0);
	return (kp_remote_sign(s, dg, dlen, sig, siglen, sigsize));
}

static int
kp_dsign(void *sd, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	if (sig == NULL)
		return (kp_max_size(sd, siglen));
	return (kp_dsign_update(sd, tbs, tbslen) &&
	    kp_dsign_final(sd, sig, siglen, sigsize));
}

static const OSSL_DISPATCH kp_signature[] = {
	KP_FN(OSSL_FUNC_SIGNATURE_NEWCTX, kp_sig_new),
	KP_FN(OSSL_FUNC_SIGNATURE_FREECTX, kp_sig_free),
	KP_FN(OSSL_FUNC_SIGNATURE_DUPCTX, kp_sig_dup),
	KP_FN(OSSL_FUNC_SIGNATURE_SIGN_INIT, kp_sign_init),
	KP_FN(OSSL_FUNC_SIGNATURE_SIGN, kp_sign),
	KP_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, kp_dsign_init),
	KP_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, kp_dsign_update),
	KP_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, kp_dsign_final),
	KP_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN, kp_dsign),
	KP_FN(OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, kp_set_ctx_params),
	KP_FN(OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, kp_settable_ctx_params),
	{ 0, NULL }
};

/* The provider. */

static const OSSL_ALGORITHM kp_keymgmts[] = {
	/* The default provider's names, so that libssl sees the type. */
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", KP_PROPS, kp_keymgmt_rsa,
	    "RSA key held by the smtpjail parent" },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", KP_PROPS, kp_keymgmt_ec,
	    "EC key held by the smtpjail parent" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM kp_signatures[] = {
	{ KP_SIG_RSA, KP_PROPS, kp_signature, "signed by the smtpjail parent" },
	{ KP_SIG_EC, KP_PROPS, kp_signature, "signed by the smtpjail parent" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *
kp_query(void *provctx, int op, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT:
		return (kp_keymgmts);
	case OSSL_OP_SIGNATURE:
		return (kp_signatures);
	default:
		return (NULL);
	}
}

static void
kp_teardown(void *provctx)
{
	(void)provctx;
}

static const OSSL_DISPATCH kp_provider[] = {
	KP_FN(OSSL_FUNC_PROVIDER_QUERY_OPERATION, kp_query),
	KP_FN(OSSL_FUNC_PROVIDER_TEARDOWN, kp_teardown),
	{ 0, NULL }
};

static int
kp_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	(void)in;
	*out = kp_provider;
	*provctx = (void *)handle;
	return (1);
}

int
tls_keyprov_init(char *why, size_t whysz)
{
	if (kp_ctx.prov != NULL)
		return (0);
	if ((kp_ctx.deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL ||
	    OSSL_PROVIDER_add_builtin(NULL, KP_NAME, kp_init) != 1 ||
	    (kp_ctx.prov = OSSL_PROVIDER_load(NULL, KP_NAME)) == NULL ||
	    EVP_set_default_properties(NULL, "?provider!=" KP_NAME) != 1) {
		snprintf(why, whysz, "cannot load smtpjail's TLS client key "
		    "provider");
		ERR_clear_error();
		return (-1);
	}
	return (0);
}

/* A key of this provider with the public key of 'pub'. */
static EVP_PKEY *
kp_key_from(EVP_PKEY *pub)
{
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	OSSL_PARAM *params = NULL;
	int	is_rsa = EVP_PKEY_is_a(pub, "RSA");

	if ((!is_rsa && !EVP_PKEY_is_a(pub, "EC")) ||
	    EVP_PKEY_todata(pub, EVP_PKEY_PUBLIC_KEY, &params) != 1 ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, is_rsa ? "RSA" : "EC",
	    KP_PROPS)) == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(c);
	return (k);
}

int
tls_keyprov_use(SSL_CTX *ctx, const struct sj_tls_config *t, char *why,
    size_t whysz)
{
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509	*leaf = NULL, *x;
	BIO	*bio;
	int	ok = 0;

	if (t->ccert_mode == SJ_TLS_CCERT_NONE || t->ccert_pem == NULL)
		return (0);
	if (tls_keyprov_init(why, whysz) < 0)
		return (-1);
	if ((bio = BIO_new_mem_buf(t->ccert_pem, (int)t->ccert_pem_len)) ==
	    NULL || (leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    (chain = sk_X509_new_null()) == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			goto out;
		}
	ERR_clear_error();
	if ((key = kp_key_from(X509_get0_pubkey(leaf))) == NULL) {
		snprintf(why, whysz, "client certificate in %s: RSA or EC "
		    "public key expected", t->ccert_origin);
		goto out_why;
	}
	ok = SSL_CTX_use_cert_and_key(ctx, leaf, key, chain, 1) == 1;
out:
	if (!ok)
		snprintf(why, whysz, "error loading private keys and "
		    "certificates from: %s: disabling TLS support",
		    t->ccert_origin);
out_why:
	BIO_free(bio);
	X509_free(leaf);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return (ok ? 0 : -1);
}
