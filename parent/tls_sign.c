/*
 * NAME
 *	tls_sign 3
 * SUMMARY
 *	the client private key, kept and used by the parent only
 * DESCRIPTION
 *	See tls_sign.h. Stock smtp(8) loads its client key into the
 *	process that talks to the network; smtpjail keeps it here. The
 *	child presents the certificate (public, parent/cfg_tlscert.c) and,
 *	when a server asks for it, its TLS library calls a provider of
 *	ours (child/tls_keyprov.c) that sends the CertificateVerify digest
 *	in a SIGN_REQ; tls_sign_serve() signs it.
 *
 *	tls_sign_open() reads the key object that Postfix would use
 *	(tls_certkey.c: the first key of smtp_tls_chain_files, or the key
 *	in smtp_tls_key_file / smtp_tls_eckey_file), as root, after the
 *	spawner was forked: no child's memory ever held it. RSA and EC
 *	keys only; the key must match the leaf certificate.
 *
 *	The parent cannot see the handshake, so it bounds what it signs
 *	by what it can see: one signature per SMTP connection that the
 *	egress broker (parent/broker.c) handed to the child in the job in
 *	flight, none after ABORT or between jobs; a digest exactly as
 *	long as its algorithm's; RSASSA-PKCS1-v1_5 or RSASSA-PSS (salt as
 *	long as the digest, RFC 8446 4.2.3) for an RSA key, ECDSA for an
 *	EC key. There is no per-destination TLS policy in smtpjail
 *	(smtp_tls_policy_maps is refused), so every destination's policy
 *	presents the certificate, as stock smtp(8) does at every level
 *	but none. A refusal is logged and ends the job as a protocol
 *	violation (deferred); a well-behaved child never asks twice.
 * SECURITY
 *	Parent. The SIGN_REQ comes from the child (hostile): decoded by
 *	ipc_msg_codec.c and ipc_msg_check.c (algorithm and digest ids in
 *	range, the digest hex), then held to the bounds above. A
 *	compromised child can obtain one signature of its choosing per
 *	connection it was brokered, i.e. authenticate as this client to
 *	the destination of its job once per connection, as the handshake
 *	would have; never the key.
 * SEE ALSO
 *	parent/cfg_tlscert.c, child/tls_keyprov.c, parent/broker.c,
 *	RFC 8446 4.4.3, RFC 5246 7.4.8, SECURITY.md
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "broker.h"
#include "cfg_params.h"
#include "cfg_tlscert.h"
#include "child_ctl.h"
#include "file_read.h"
#include "ipc_chan.h"
#include "msg.h"
#include "tls_sign.h"

static struct tls_sign_ctx {
	EVP_PKEY *key;
	int	is_rsa;
} tls_sign_ctx;

/* No passphrase prompt (smtp(8) has no tty either): encrypted keys fail. */
static int
tls_sign_nopass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return (-1);
}

/* The first key object of 'path', decoded; NULL with why[]. */
static EVP_PKEY *
tls_sign_read_key(const char *path, int *found, char *why, size_t whysz)
{
	struct tlscert_obj o;
	EVP_PKEY *key = NULL;
	size_t	len, pos = 0;
	char	*buf;
	BIO	*bio;
	int	r;

	*found = 0;
	if (tlscert_file_read(path, &buf, &len, why, whysz) < 0)
		return (NULL);
	while ((r = tlscert_pem_next(buf, len, &pos, &o)) > 0)
		if (o.kind == TLSCERT_OBJ_KEY)
			break;
	if (r > 0) {
		*found = 1;
		if ((bio = BIO_new_mem_buf(buf + o.start,
		    (int)(o.end - o.start))) != NULL) {
			key = PEM_read_bio_PrivateKey(bio, NULL,
			    tls_sign_nopass, NULL);
			BIO_free(bio);
		}
		if (key == NULL)
			snprintf(why, whysz, "cannot get private key from file "
			    "\"%s\": disabling TLS support", path);
	}
	file_read_free(buf, len);
	ERR_clear_error();
	return (key);
}

int
tls_sign_open(const struct sj_tls_config *t, char *why, size_t whysz)
{
	EVP_PKEY *key = NULL;
	X509	*leaf = NULL;
	BIO	*bio;
	char  **argv = NULL;
	int	argc = 0, i, found = 0;

	tls_sign_close();
	if (t->ccert_mode == SJ_TLS_CCERT_NONE || t->ccert_pem == NULL)
		return (0);
	if (t->ccert_mode == SJ_TLS_CCERT_CHAIN) {
		if (sj_list_split(t->ccert_files, &argv, &argc) < 0) {
			snprintf(why, whysz, "smtp_tls_chain_files: bad list");
			return (-1);
		}
		for (i = 0; i < argc && !found && why[0] == '\0'; i++)
			key = tls_sign_read_key(argv[i], &found, why, whysz);
		sj_list_free(argv, argc);
	} else {
		why[0] = '\0';
		key = tls_sign_read_key(t->ccert_files, &found, why, whysz);
	}
	if (key == NULL) {
		if (!found && why[0] == '\0')
			snprintf(why, whysz, "No private key found in %s",
			    t->ccert_files);
		return (-1);
	}
	if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC")) {
		snprintf(why, whysz, "client private key in %s: type %s: "
		    "smtpjail signs with RSA and ECDSA keys only",
		    t->ccert_files, EVP_PKEY_get0_type_name(key));
		EVP_PKEY_free(key);
		return (-1);
	}
	if ((bio = BIO_new_mem_buf(t->ccert_pem, (int)t->ccert_pem_len)) !=
	    NULL) {
		leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (leaf == NULL || EVP_PKEY_eq(X509_get0_pubkey(leaf), key) != 1) {
		snprintf(why, whysz, "private key in %s does not match public "
		    "key in %s: disabling TLS support", t->ccert_files,
		    t->ccert_origin);
		X509_free(leaf);
		EVP_PKEY_free(key);
		ERR_clear_error();
		return (-1);
	}
	X509_free(leaf);
	tls_sign_ctx.key = key;
	tls_sign_ctx.is_rsa = EVP_PKEY_is_a(key, "RSA");
	return (0);
}

int
tls_sign_ready(void)
{
	return (tls_sign_ctx.key != NULL);
}

void
tls_sign_close(void)
{
	EVP_PKEY_free(tls_sign_ctx.key);
	memset(&tls_sign_ctx, 0, sizeof(tls_sign_ctx));
}

static int
tls_sign_unhex(const char *hex, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	size_t	n = strlen(hex), i;
	int	hi, lo;

	if (n % 2 != 0 || n / 2 > outsz)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return (0);
}

/* The signature into resp->sig (hex); 0, or -1 (OpenSSL failed). */
static int
tls_sign_do(const struct ipc_sign_req *rq, const EVP_MD *md,
    const unsigned char *dg, size_t dlen, struct ipc_sign_resp *resp)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char sig[SJ_SIGN_SIG_MAX];
	size_t	siglen = sizeof(sig), i;
	EVP_PKEY_CTX *c;
	int	ok;

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, tls_sign_ctx.key,
	    NULL)) == NULL)
		return (-1);
	ok = EVP_PKEY_sign_init(c) > 0 &&
	    (!tls_sign_ctx.is_rsa || EVP_PKEY_CTX_set_rsa_padding(c,
	    rq->alg == SJ_SIGN_RSA_PSS ? RSA_PKCS1_PSS_PADDING :
	    RSA_PKCS1_PADDING) > 0) &&
	    EVP_PKEY_CTX_set_signature_md(c, md) > 0 &&
	    (rq->alg != SJ_SIGN_RSA_PSS ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) > 0) &&
	    EVP_PKEY_sign(c, sig, &siglen, dg, dlen) > 0 &&
	    siglen <= SJ_SIGN_SIG_MAX;
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	if (!ok)
		return (-1);
	for (i = 0; i < siglen; i++) {
		resp->sig[2 * i] = hexd[sig[i] >> 4];
		resp->sig[2 * i + 1] = hexd[sig[i] & 0xf];
	}
	resp->sig[2 * siglen] = '\0';
	return (0);
}

int
tls_sign_serve(int ipc_fd, const struct ipc_msg *m,
    const struct tls_sign_window *w, unsigned *used, const char *queue_id,
    char *why, size_t whysz)
{
	const struct ipc_sign_req *rq = &m->u.sign_req;
	unsigned char dg[SJ_SIGN_DIGEST_MAX];
	struct ipc_msg ans;
	const EVP_MD *md = NULL;
	const char *mdname;
	size_t	dlen = 0;
	int	err, refused = 1;

	if (m->type != IPC_T_SIGN_REQ)
		msg_panic("tls_sign_serve: %s", ipc_msg_name(m->type));
	why[0] = '\0';
	mdname = sj_sign_md_name(rq->md);
	if (tls_sign_ctx.key == NULL)
		snprintf(why, whysz, "SIGN_REQ without a client certificate");
	else if (!w->active || rq->job_id != w->job_id)
		snprintf(why, whysz, "SIGN_REQ for job %u outside a job's "
		    "handshake (job %u, %s)", rq->job_id, w->job_id,
		    w->active ? "in flight" : "none in flight or aborted");
	else if (*used >= w->smtp_conns)
		snprintf(why, whysz, "SIGN_REQ number %u with %u brokered "
		    "SMTP connection(s): one signature per connection",
		    *used + 1, w->smtp_conns);
	else if ((rq->alg == SJ_SIGN_ECDSA) == tls_sign_ctx.is_rsa)
		snprintf(why, whysz, "SIGN_REQ algorithm %u for a%s key",
		    rq->alg, tls_sign_ctx.is_rsa ? "n RSA" : "n EC");
	else if (mdname == NULL || (md = EVP_get_digestbyname(mdname)) ==
	    NULL || tls_sign_unhex(rq->digest, dg, sizeof(dg), &dlen) < 0 ||
	    dlen != (size_t)EVP_MD_get_size(md))
		snprintf(why, whysz, "SIGN_REQ digest of %zu bytes for %s",
		    dlen, mdname ? mdname : "?");
	else
		refused = 0;

	memset(&ans, 0, sizeof(ans));
	ans.type = IPC_T_SIGN_RESP;
	ans.fd = -1;
	ans.u.sign_resp.job_id = rq->job_id;
	if (refused) {
		msg_warn("%s: sandboxed child's signing request refused: %s",
		    queue_id, why);
		ans.u.sign_resp.status = IPC_SIGN_REFUSED;
	} else {
		++*used;
		if (tls_sign_do(rq, md, dg, dlen, &ans.u.sign_resp) < 0) {
			msg_warn("%s: cannot sign with the TLS client key "
			    "(%s)", queue_id, mdname);
			ans.u.sign_resp.status = IPC_SIGN_FAILED;
			ans.u.sign_resp.sig[0] = '\0';
		}
	}
	OPENSSL_cleanse(dg, sizeof(dg));
	err = ipc_chan_send_timed(ipc_fd, &ans, CHILD_SEND_TIMEOUT_MS);
	if (err < 0) {
		snprintf(why, whysz, "send SIGN_RESP: %s", strerror(-err));
		return (-1);
	}
	return (refused ? -1 : 0);
}

int
tls_sign_serve_job(int ipc_fd, const struct ipc_msg *m, unsigned *used,
    const char *queue_id, char *why, size_t whysz)
{
	struct tls_sign_window w;

	broker_job_window(&w.job_id, &w.active, &w.smtp_conns);
	return (tls_sign_serve(ipc_fd, m, &w, used, queue_id, why, whysz));
}
