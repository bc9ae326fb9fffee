/*
 * NAME
 *	tls_tafile 3
 * SUMMARY
 *	trust anchor files: smtp_tls_trust_anchor_file and tafile=
 * DESCRIPTION
 *	tls_tafile_load() reads one PEM file and appends what it holds to
 *	a struct sj_tls_tas (include/sj_tls.h): each CERTIFICATE (or "X509
 *	CERTIFICATE") block as a certificate anchor, each PUBLIC KEY block
 *	as a public key anchor, both as their DER bytes. Other PEM blocks
 *	(a private key, a CRL) are skipped, as Postfix 3.7 tls_dane.c
 *	tls_dane_load_trustfile() skips them. tls_tafile_load_list() does
 *	it for each file of a list (Postfix smtp_tls_policy.c load_tas()),
 *	stopping at the first that fails.
 *
 *	Where Postfix reports a file it cannot use only by deferring mail
 *	(or, for a block that holds no certificate, only when a server is
 *	checked: "all trust anchors unusable"), this reader refuses the
 *	file with the reason: the file cannot be opened, is no regular
 *	file or is larger than SJ_TLS_TA_FILE_MAX, a PEM block does not
 *	decode, a CERTIFICATE or PUBLIC KEY block holds no valid DER
 *	certificate or SubjectPublicKeyInfo ("malformed trust-anchor
 *	certificate", Postfix's words), the file holds no anchor at all
 *	(Postfix would then trust the CAs again if the file had other PEM
 *	blocks; smtpjail fails closed), or the anchors exceed the IPC
 *	bounds (SJ_TLS_TA_MAX anchors of at most SJ_TLS_TA_DER_MAX bytes).
 *	The caller decides what a refusal means: main.cf's file stops the
 *	start (parent/cfg_tls.c), a policy's defers the job with "client
 *	TLS configuration problem" (parent/tls_policy.c).
 * SECURITY
 *	Parent only: as root at start (main.cf's file), as mail_owner at
 *	delivery time (a policy table's file, named by the table:
 *	configuration, trusted). The bytes are bounded before OpenSSL
 *	parses them; only DER that OpenSSL decoded reaches the child.
 * SEE ALSO
 *	Postfix src/tls/tls_dane.c (tls_dane_load_trustfile()),
 *	src/smtp/smtp_tls_policy.c (load_tas()), postconf(5)
 *	smtp_tls_trust_anchor_file, RFC 7671 5.2 (DANE-TA), RFC 7218
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "file_read.h"
#include "sj_tls.h"

/* A trust anchor file larger than this is refused unread. */
#define SJ_TLS_TA_FILE_MAX	(1024 * 1024)

/* The whole file, bounded; NULL with why[] filled. */
static char *
tls_tafile_read(const char *file, size_t *lenp, char *why, size_t whysz)
{
	enum file_read_stage stage;
	char	*buf;
	int	rc;

	if ((rc = file_read(file, SJ_TLS_TA_FILE_MAX, &buf, lenp, NULL, NULL,
	    &stage)) == 0)
		return (buf);
	if (rc == -ENOMEM)
		snprintf(why, whysz, "trust anchor file %s: out of memory",
		    file);
	else
		snprintf(why, whysz, "error %s trust anchor file: %s: %s",
		    stage == FILE_READ_OPEN ? "opening" : "reading", file,
		    rc == -EFBIG ? "larger than 1 MB" :
		    file_read_strerror(rc));
	return (NULL);
}

/* Does 'der' hold exactly one certificate (or public key)? */
static int
tls_tafile_valid(int kind, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	X509	*cert;
	EVP_PKEY *pk;

	if (kind == SJ_TLS_TA_CERT) {
		if ((cert = d2i_X509(NULL, &p, len)) == NULL)
			return (0);
		X509_free(cert);
	} else {
		if ((pk = d2i_PUBKEY(NULL, &p, len)) == NULL)
			return (0);
		EVP_PKEY_free(pk);
	}
	return (p == der + len);
}

int
tls_tafile_load(const char *file, struct sj_tls_tas *tas, char *why,
    size_t whysz)
{
	char	*buf, *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	unsigned long e;
	size_t	len, before = tas->n;
	long	dlen;
	int	kind, rc = -1;
	BIO	*bp;

	if ((buf = tls_tafile_read(file, &len, why, whysz)) == NULL)
		return (-1);
	if ((bp = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		snprintf(why, whysz, "trust anchor file %s: out of memory",
		    file);
		free(buf);
		return (-1);
	}
	ERR_clear_error();
	for (;;) {
		if (!PEM_read_bio(bp, &name, &header, &data, &dlen)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;		/* the end of the file */
			snprintf(why, whysz, "error reading trust anchor "
			    "file: %s: %s", file, ERR_reason_error_string(e) ?
			    ERR_reason_error_string(e) : "PEM read error");
			goto out;
		}
		if (strcmp(name, PEM_STRING_X509) == 0 ||
		    strcmp(name, PEM_STRING_X509_OLD) == 0)
			kind = SJ_TLS_TA_CERT;
		else if (strcmp(name, PEM_STRING_PUBLIC) == 0)
			kind = SJ_TLS_TA_PKEY;
		else
			kind = 0;		/* skipped, as Postfix */
		if (kind != 0) {
			if (!tls_tafile_valid(kind, data, dlen)) {
				snprintf(why, whysz, "error reading: %s: "
				    "malformed trust-anchor %s", file,
				    kind == SJ_TLS_TA_CERT ? "certificate" :
				    "public key");
				goto out;
			}
			if (tas->n == SJ_TLS_TA_MAX) {
				snprintf(why, whysz, "trust anchor file %s: "
				    "more than %d trust anchors (smtpjail's "
				    "limit)", file, SJ_TLS_TA_MAX);
				goto out;
			}
			if (dlen > SJ_TLS_TA_DER_MAX) {
				snprintf(why, whysz, "trust anchor file %s: "
				    "a trust anchor of %ld bytes (smtpjail's "
				    "limit is %d)", file, dlen,
				    SJ_TLS_TA_DER_MAX);
				goto out;
			}
			tas->a[tas->n].kind = kind;
			tas->a[tas->n].len = (size_t)dlen;
			memcpy(tas->a[tas->n].der, data, (size_t)dlen);
			tas->n++;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	if (tas->n == before) {
		snprintf(why, whysz, "trust anchor file %s: no certificate or "
		    "public key found", file);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bp);
	free(buf);
	if (rc < 0)
		tas->n = before;
	return (rc);
}

int
tls_tafile_load_list(const char *files, struct sj_tls_tas *tas, char *why,
    size_t whysz)
{
	const char *seps = ", \t\r\n";
	char	file[SJ_TLS_PATH_MAX];
	const char *s = files;
	size_t	len;

	for (;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			return (0);
		len = strcspn(s, seps);
		if (len >= sizeof(file)) {
			snprintf(why, whysz, "trust anchor file name longer "
			    "than %d bytes", SJ_TLS_PATH_MAX - 1);
			return (-1);
		}
		memcpy(file, s, len);
		file[len] = '\0';
		s += len;
		if (tls_tafile_load(file, tas, why, whysz) < 0)
			return (-1);
	}
}
