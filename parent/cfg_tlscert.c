/*
 * NAME
 *	cfg_tlscert 3
 * SUMMARY
 *	the client certificate settings: where the key is, the public chain
 * DESCRIPTION
 *	sj_tls_ccert_load() reads smtp_tls_chain_files, smtp_tls_cert_file,
 *	smtp_tls_key_file, smtp_tls_eccert_file and smtp_tls_eckey_file
 *	with the precedence of Postfix 3.7 tls_certkey.c
 *	(tls_set_my_certificate_key_info()): a non-empty
 *	smtp_tls_chain_files overrides the others, and is a list of files
 *	holding a key, its certificate, then the issuer chain; otherwise a
 *	certificate file whose key file is the same file holds one key
 *	anywhere ("mixed"), or the certificate chain and the key are in two
 *	files. Only at a TLS level other than none (smtp(8) initialises
 *	no TLS then).
 *
 *	Here, before the spawner of sandboxed children is forked, only
 *	the CERTIFICATE objects are taken, as PEM text, into the TLS
 *	configuration that the children inherit; the order of objects is
 *	checked as Postfix checks it. Key objects are located, never
 *	decoded: their bytes are wiped with the rest of each file buffer.
 *	The key itself is read after that fork by parent/tls_sign.c.
 *
 *	smtpjail signs with one client key: a second key (two chains in
 *	smtp_tls_chain_files, or both smtp_tls_cert_file and
 *	smtp_tls_eccert_file) is refused at start, as are DSA keys
 *	(smtp_tls_dcert_file, parent/cfg_tls.c). Where Postfix would log a
 *	warning and disable TLS, smtpjail refuses to start with the same
 *	text (fail closed).
 * SECURITY
 *	Parent, as root at start-up, on trusted configuration and files
 *	named by it. Nothing read here but certificates reaches a child.
 * SEE ALSO
 *	Postfix src/tls/tls_certkey.c, tls_client.c; parent/tls_sign.c,
 *	child/tls_keyprov.c, RFC 7468
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_params.h"
#include "cfg_tlscert.h"
#include "file_read.h"
#include "msg.h"
#include "sj_tls.h"

#define PEM_BEGIN	"-----BEGIN "
#define PEM_END		"-----END "
#define PEM_DASHES	"-----"

static int
tlscert_kind(const char *label)
{
	static const char *const certs[] = {
		"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE",
	};
	static const char *const keys[] = {
		"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
		"ENCRYPTED PRIVATE KEY",
	};
	size_t	i;

	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		if (strcmp(label, certs[i]) == 0)
			return (TLSCERT_OBJ_CERT);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(label, keys[i]) == 0)
			return (TLSCERT_OBJ_KEY);
	return (TLSCERT_OBJ_OTHER);
}

static const char *
tlscert_find(const char *buf, size_t len, size_t from, const char *what)
{
	size_t	n = strlen(what);

	for (; from + n <= len; from++)
		if ((from == 0 || buf[from - 1] == '\n') &&
		    memcmp(buf + from, what, n) == 0)
			return (buf + from);
	return (NULL);
}

int
tlscert_pem_next(const char *buf, size_t len, size_t *pos,
    struct tlscert_obj *o)
{
	const char *b, *e, *lab, *dash;
	char	endline[sizeof(o->label) + 32];
	size_t	n;

	memset(o, 0, sizeof(*o));
	if ((b = tlscert_find(buf, len, *pos, PEM_BEGIN)) == NULL) {
		*pos = len;
		return (0);
	}
	lab = b + strlen(PEM_BEGIN);
	dash = memchr(lab, '-', (size_t)(buf + len - lab));
	if (dash == NULL || (size_t)(buf + len - dash) < strlen(PEM_DASHES) ||
	    memcmp(dash, PEM_DASHES, strlen(PEM_DASHES)) != 0 ||
	    (n = (size_t)(dash - lab)) == 0 || n >= sizeof(o->label))
		return (-1);
	memcpy(o->label, lab, n);
	o->label[n] = '\0';
	snprintf(endline, sizeof(endline), "%s%s%s", PEM_END, o->label,
	    PEM_DASHES);
	if ((e = tlscert_find(buf, len, (size_t)(dash - buf), endline)) ==
	    NULL)
		return (-1);
	o->kind = tlscert_kind(o->label);
	o->start = (size_t)(b - buf);
	o->end = (size_t)(e - buf) + strlen(endline);
	*pos = o->end;
	return (1);
}

int
tlscert_file_read(const char *path, char **out, size_t *outlen, char *why,
    size_t whysz)
{
	enum file_read_stage stage;
	int	rc;

	if ((rc = file_read(path, TLSCERT_FILE_MAX, out, outlen, NULL, NULL,
	    &stage)) == 0)
		return (0);
	if (rc == -EINVAL || rc == -EFBIG)
		snprintf(why, whysz, "%s: not a regular file of at most %d "
		    "bytes", path, TLSCERT_FILE_MAX);
	else
		snprintf(why, whysz, "%s: %s", path, file_read_strerror(rc));
	return (-1);
}

/* Append one certificate object's text to t->ccert_pem. */
static int
tlscert_keep(struct sj_tls_config *t, const char *buf,
    const struct tlscert_obj *o, char *why, size_t whysz)
{
	size_t	n = o->end - o->start;
	char	*p;

	if (t->ccert_pem_len + n + 2 > TLSCERT_FILE_MAX ||
	    (p = realloc(t->ccert_pem, t->ccert_pem_len + n + 2)) == NULL) {
		snprintf(why, whysz, "client certificate chain: too large");
		return (-ENOMEM);
	}
	memcpy(p + t->ccert_pem_len, buf + o->start, n);
	p[t->ccert_pem_len + n] = '\n';
	p[t->ccert_pem_len + n + 1] = '\0';
	t->ccert_pem = p;
	t->ccert_pem_len += n + 1;
	return (0);
}

/*
 * One file's objects. 'strict': smtp_tls_chain_files order (key first,
 * then its certificates; one key only); else certificates are taken,
 * a key counted (*nkeys), anything else skipped as OpenSSL's
 * PEM_read_bio_X509() skips it.
 */
static int
tlscert_scan(struct sj_tls_config *t, const char *path, int strict,
    int *nkeys, int *ncerts, char *why, size_t whysz)
{
	struct tlscert_obj o;
	size_t	len, pos = 0;
	char	*buf;
	int	rc = 0, r, objnum = 0;

	if (tlscert_file_read(path, &buf, &len, why, whysz) < 0)
		return (-EINVAL);
	while ((r = tlscert_pem_next(buf, len, &pos, &o)) > 0) {
		objnum++;
		if (o.kind == TLSCERT_OBJ_KEY) {
			if (*nkeys > 0 && strict) {
				snprintf(why, whysz, "error loading chain from "
				    "%s: a second private key (PEM object number "
				    "%d): smtpjail signs with one client key",
				    path, objnum);
				rc = -EINVAL;
				break;
			}
			if (*nkeys > 0)
				msg_warn("ignoring 2nd key at index %d in %s",
				    objnum, path);
			else
				++*nkeys;
			continue;
		}
		if (o.kind == TLSCERT_OBJ_CERT) {
			if (strict && *nkeys == 0) {
				snprintf(why, whysz, "error loading chain from "
				    "%s: key not first", path);
				rc = -EINVAL;
				break;
			}
			if ((rc = tlscert_keep(t, buf, &o, why, whysz)) < 0)
				break;
			++*ncerts;
			continue;
		}
		if (strict) {
			snprintf(why, whysz, "error loading %s: unexpected PEM "
			    "type: %s", path, o.label);
			rc = -EINVAL;
			break;
		}
	}
	if (rc == 0 && r < 0) {
		snprintf(why, whysz, "error loading %s: PEM object without "
		    "its END line", path);
		rc = -EINVAL;
	}
	file_read_free(buf, len);
	return (rc);
}

static int
tlscert_copy(char *dst, size_t dstsz, const char *v, char *why,
    size_t whysz)
{
	if (snprintf(dst, dstsz, "%s", v) >= (int)dstsz) {
		snprintf(why, whysz, "client certificate file names longer "
		    "than %zu bytes", dstsz - 1);
		return (-EINVAL);
	}
	return (0);
}

static int
tlscert_chain(struct sj_tls_config *t, struct sj_params *p,
    const char *files, char *why, size_t whysz)
{
	char  **argv;
	int	argc, i, rc, nkeys = 0, ncerts = 0;

	if ((rc = tlscert_copy(t->ccert_files, sizeof(t->ccert_files), files,
	    why, whysz)) < 0 || (rc = tlscert_copy(t->ccert_origin,
	    sizeof(t->ccert_origin), files, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_params_get_list(p, "smtp_tls_chain_files", &argv, &argc,
	    why, whysz)) < 0)
		return (rc);
	for (i = 0; i < argc && rc == 0; i++)
		rc = tlscert_scan(t, argv[i], 1, &nkeys, &ncerts, why, whysz);
	sj_list_free(argv, argc);
	if (rc < 0)
		return (rc);
	if (nkeys == 0) {
		snprintf(why, whysz, "No PEM data in %s", files);
		return (-EINVAL);
	}
	if (ncerts == 0) {
		snprintf(why, whysz, "No certs for key at index 1 in %s",
		    files);
		return (-EINVAL);
	}
	t->ccert_mode = SJ_TLS_CCERT_CHAIN;
	return (0);
}

static int
tlscert_pair(struct sj_tls_config *t, const char *type, const char *cert,
    const char *key, char *why, size_t whysz)
{
	int	rc, nkeys = 0, ncerts = 0;

	if ((rc = tlscert_copy(t->ccert_files, sizeof(t->ccert_files), key,
	    why, whysz)) < 0 || (rc = tlscert_copy(t->ccert_origin,
	    sizeof(t->ccert_origin), cert, why, whysz)) < 0)
		return (rc);
	if ((rc = tlscert_scan(t, cert, 0, &nkeys, &ncerts, why, whysz)) < 0)
		return (rc);
	if (strcmp(cert, key) == 0) {
		/* tls_certkey.c load_mixed_file(). */
		if (nkeys == 0 && ncerts == 0)
			snprintf(why, whysz, "No PEM data in %s", cert);
		else if (nkeys == 0)
			snprintf(why, whysz, "No private key found in %s",
			    cert);
		else if (ncerts == 0)
			snprintf(why, whysz, "No certs for key at index 1 in "
			    "%s", cert);
		if (nkeys == 0 || ncerts == 0)
			return (-EINVAL);
		t->ccert_mode = SJ_TLS_CCERT_MIXED;
		return (0);
	}
	if (ncerts == 0) {
		snprintf(why, whysz, "cannot get %s certificate from file "
		    "\"%s\": disabling TLS support", type, cert);
		return (-EINVAL);
	}
	t->ccert_mode = SJ_TLS_CCERT_SPLIT;
	return (0);
}

int
sj_tls_ccert_load(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	const char *chain, *cert, *key, *eccert, *eckey;
	int	rc;

	t->ccert_mode = SJ_TLS_CCERT_NONE;
	if ((rc = sj_params_get_str(p, "smtp_tls_chain_files", &chain, why,
	    whysz)) < 0)
		return (rc);
	if (*chain != '\0') {
		/* "The chain_files parameter overrides all the legacy
		 * parameters" (tls_certkey.c). */
		return (t->enabled ? tlscert_chain(t, p, chain, why, whysz) :
		    0);
	}
	if ((rc = sj_params_get_str(p, "smtp_tls_cert_file", &cert, why,
	    whysz)) < 0 || (rc = sj_params_get_str(p, "smtp_tls_eccert_file",
	    &eccert, why, whysz)) < 0)
		return (rc);
	if (*cert != '\0' && *eccert != '\0') {
		snprintf(why, whysz, "smtp_tls_cert_file and "
		    "smtp_tls_eccert_file are both set: smtpjail signs with "
		    "one client key; set one of them (or smtp_tls_chain_files "
		    "with one key)");
		return (-EINVAL);
	}
	if (!t->enabled || (*cert == '\0' && *eccert == '\0'))
		return (0);
	if (*cert != '\0') {
		/* sj_params_get_str() values live until the next get. */
		char	certbuf[SJ_TLS_PATH_MAX];

		if ((rc = tlscert_copy(certbuf, sizeof(certbuf), cert, why,
		    whysz)) < 0 || (rc = sj_params_get_str(p,
		    "smtp_tls_key_file", &key, why, whysz)) < 0)
			return (rc);
		return (tlscert_pair(t, "RSA", certbuf, key, why, whysz));
	} else {
		char	certbuf[SJ_TLS_PATH_MAX];

		if ((rc = tlscert_copy(certbuf, sizeof(certbuf), eccert, why,
		    whysz)) < 0 || (rc = sj_params_get_str(p,
		    "smtp_tls_eckey_file", &eckey, why, whysz)) < 0)
			return (rc);
		return (tlscert_pair(t, "ECDSA", certbuf, eckey, why, whysz));
	}
}

const char *
sj_sign_md_name(unsigned md)
{
	static const char *const names[] = {
		[SJ_SIGN_MD_SHA1] = "SHA1",
		[SJ_SIGN_MD_SHA224] = "SHA224",
		[SJ_SIGN_MD_SHA256] = "SHA256",
		[SJ_SIGN_MD_SHA384] = "SHA384",
		[SJ_SIGN_MD_SHA512] = "SHA512",
	};

	if (md < 1 || md > SJ_SIGN_MD_MAX)
		return (NULL);
	return (names[md]);
}
