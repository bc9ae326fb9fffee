/*
 * NAME
 *	cfg_tlscert.h 3h
 * SUMMARY
 *	the client certificate settings and PEM objects (parent)
 * DESCRIPTION
 *	See parent/cfg_tlscert.c. sj_tls_ccert_load() is declared in
 *	include/sj_tls.h; this header gives parent/tls_sign.c the PEM
 *	scanner and the file reader it shares with it.
 */
#ifndef CFG_TLSCERT_H
#define CFG_TLSCERT_H

#include <stddef.h>

/* Largest certificate or key file read (a chain of a few certificates
 * is a few kB; Postfix sets no limit, OpenSSL reads what is there). */
#define TLSCERT_FILE_MAX	(1024 * 1024)

#define TLSCERT_OBJ_NONE	0
#define TLSCERT_OBJ_CERT	1	/* CERTIFICATE, X509 CERTIFICATE */
#define TLSCERT_OBJ_KEY		2	/* PRIVATE KEY, RSA/EC PRIVATE KEY */
#define TLSCERT_OBJ_OTHER	3	/* anything else (DSA key, params) */

/* One PEM object: [start, end) is "-----BEGIN" to after "-----END ...-----". */
struct tlscert_obj {
	int	kind;			/* TLSCERT_OBJ_* */
	char	label[64];
	size_t	start;
	size_t	end;
};

/*
 * The next PEM object of buf[len] from *pos: 1 (and *pos past it), 0 at
 * the end, -1 for a BEGIN line without its END. Nothing is decoded.
 */
int	tlscert_pem_next(const char *buf, size_t len, size_t *pos,
	    struct tlscert_obj *);

/*
 * Reads a whole file (at most TLSCERT_FILE_MAX bytes) into a new,
 * NUL-terminated buffer (parent/file_read.c); the caller wipes and
 * frees it (file_read_free()). 0, or -1 with why[].
 */
int	tlscert_file_read(const char *path, char **buf, size_t *len,
	    char *why, size_t whysz);

#endif
