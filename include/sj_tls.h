/*
 * NAME
 *	sj_tls.h 3h
 * SUMMARY
 *	the TLS client policy, as the parent reads it and the child uses it
 * DESCRIPTION
 *	struct sj_tls_config is what parent/cfg_tls.c makes of the
 *	smtp_tls_* parameters of main.cf (Postfix 3.7 smtp_tls_policy.c,
 *	global level). The child inherits it with the rest of struct
 *	sj_config across the fork; child/tls.c builds its SSL_CTX from it
 *	before the lock-down. A destination's entry in smtp_tls_policy_maps
 *	(parent/tls_policy.c) becomes a copy with the level, protocols,
 *	ciphers, match list, fingerprints and SNI replaced, whose fields
 *	travel to the child in one IPC TLS_POLICY message before the job's
 *	DELIVER (child/tls_jobpol.c makes the copy again there).
 *
 *	Levels and their order are Postfix's (tls.h TLS_LEV_*): a level
 *	at or above SJ_TLS_LEV_ENCRYPT requires TLS, one at or above
 *	SJ_TLS_LEV_FPRINT requires a matched certificate.
 *
 *	The TLS log lines (Postfix tls_misc.c tls_log_summary(),
 *	tls_verify.c tls_log_verify_error(), tls_client.c) are formatted
 *	by the parent (parent/tls_log.c) from the fields of an IPC
 *	TLS_INFO message: the trust level, protocol and cipher names, bit
 *	counts, the X.509 error number. The child never sends a log line
 *	of its own for them.
 * SECURITY
 *	Both processes. The configuration is trusted (main.cf); the
 *	TLS_INFO fields come from the child and are checked by the parent
 *	(tls_log_check()) before any is formatted.
 */
#ifndef SJ_TLS_H
#define SJ_TLS_H

#include <stddef.h>
#include <stdint.h>

/* Postfix tls.h TLS_LEV_*, in the same order. */
enum sj_tls_level {
	SJ_TLS_LEV_NONE = 0,
	SJ_TLS_LEV_MAY,
	SJ_TLS_LEV_ENCRYPT,
	SJ_TLS_LEV_FPRINT,
	SJ_TLS_LEV_VERIFY,
	SJ_TLS_LEV_SECURE,
	/*
	 * DANE (Postfix TLS_LEV_DANE, _DANE_ONLY, _HALF_DANE) come after,
	 * so that the numbers above stay. Configured: dane, dane-only;
	 * the per-server levels child/dane_policy.c decides are may,
	 * encrypt, half-dane or dane (SJ_TLS_LEV_DANE for both configured
	 * levels). All three require a matched certificate.
	 */
	SJ_TLS_LEV_DANE,
	SJ_TLS_LEV_DANE_ONLY,
	SJ_TLS_LEV_HALF_DANE,
};

#define SJ_TLS_LEV_MAX		SJ_TLS_LEV_HALF_DANE
#define SJ_TLS_IS_DANE(l)	((l) >= SJ_TLS_LEV_DANE)

#define SJ_TLS_REQUIRED(l)	((l) >= SJ_TLS_LEV_ENCRYPT)
#define SJ_TLS_MUST_MATCH(l)	((l) >= SJ_TLS_LEV_FPRINT)

/* Postfix tls_misc.c TLS_LOG_* features that smtpjail logs. */
#define SJ_TLS_LOG_SUMMARY	(1U << 0)	/* "... TLS connection established ..." */
#define SJ_TLS_LOG_UNTRUSTED	(1U << 1)	/* "certificate verification failed ..." */
#define SJ_TLS_LOG_PEERCERT	(1U << 2)	/* subject_CN=, issuer_CN=, fingerprint= */
#define SJ_TLS_LOG_VERBOSE	(1U << 3)	/* setup steps (loglevel 2) */
#define SJ_TLS_LOG_CACHE	(1U << 4)	/* "Reusing old session" (2, "cache") */

/* Postfix TLS_PROTOCOL_* bits (tls.h), for smtp_tls_*protocols. */
#define SJ_TLS_P_SSLv2		(1U << 0)
#define SJ_TLS_P_SSLv3		(1U << 1)
#define SJ_TLS_P_TLSv1		(1U << 2)
#define SJ_TLS_P_TLSv1_1	(1U << 3)
#define SJ_TLS_P_TLSv1_2	(1U << 4)
#define SJ_TLS_P_TLSv1_3	(1U << 5)

#define SJ_TLS_PATH_MAX		4096
#define SJ_TLS_LIST_MAX		1024
#define SJ_TLS_FPT_MAX		32		/* fingerprints in the match list */
#define SJ_TLS_MD_MAX		64		/* EVP_MAX_MD_SIZE */

/*
 * Trust anchors (smtp_tls_trust_anchor_file, a policy table's tafile=):
 * the DER of each PEM CERTIFICATE or PUBLIC KEY of the files, read by
 * the parent (parent/tls_tafile.c). At verify and secure they replace
 * smtp_tls_CAfile and _CApath as the roots: the child gives them to
 * OpenSSL as DANE-TA(2) and DANE-EE(3) records (full certificate or
 * SubjectPublicKeyInfo, matching type 0), as Postfix 3.7 tls_dane.c
 * tls_dane_load_trustfile() does. A policy's anchors travel in
 * TLS_ANCHOR messages, one each, so the bounds are IPC bounds too.
 */
#define SJ_TLS_TA_MAX		16	/* anchors per policy (or main.cf) */
#define SJ_TLS_TA_DER_MAX	3072	/* bytes of one anchor's DER */
#define SJ_TLS_TA_CERT		1	/* an X.509 certificate */
#define SJ_TLS_TA_PKEY		2	/* a SubjectPublicKeyInfo */

struct sj_tls_ta {
	int	kind;			/* SJ_TLS_TA_CERT or _PKEY */
	size_t	len;
	unsigned char der[SJ_TLS_TA_DER_MAX];
};

struct sj_tls_tas {
	size_t	n;			/* 0: none */
	struct sj_tls_ta a[SJ_TLS_TA_MAX];
};

/* One protocol policy: excluded versions plus min/max (0 = none). */
struct sj_tls_protos {
	unsigned exclude;		/* SJ_TLS_P_* */
	int	min_version;		/* TLS1_VERSION etc., 0 = any */
	int	max_version;
};

/* tls_eecdh_auto_curves: at most this many groups. */
#define SJ_TLS_CURVES_MAX	16

struct sj_tls_config {
	int	level;			/* enum sj_tls_level */
	int	enabled;		/* level > none: build an SSL_CTX */
	unsigned log_mask;		/* SJ_TLS_LOG_*, smtp_tls_loglevel */
	unsigned log_mask_cfg;		/* the same, without what the level implies */
	int	policy_maps;		/* smtp_tls_policy_maps is not empty */
	unsigned sess_cache_timeout;	/* smtp_tls_session_cache_timeout, s; 0 = off */
	/* smtp_tls_connection_reuse, or the policy entry's
	 * connection_reuse=: keep sessions with TLS for reuse. */
	int	conn_reuse;
	int	note_starttls_offer;	/* smtp_tls_note_starttls_offer */
	int	wrappermode;		/* smtp_tls_wrappermode */
	unsigned starttls_timeout;	/* smtp_starttls_timeout, seconds */
	unsigned min_backoff;		/* minimal_backoff_time (plain retry) */
	int	verify_depth;		/* smtp_tls_scert_verifydepth */
	char	CAfile[SJ_TLS_PATH_MAX];
	char	CApath[SJ_TLS_PATH_MAX];
	/* At this level: smtp_tls_protocols for may, else _mandatory_. */
	struct sj_tls_protos protos;
	/* The OpenSSL cipher list for this level, exclusions applied. */
	char	cipherlist[SJ_TLS_LIST_MAX * 2];
	/*
	 * At dane and dane-only, what applies when child/dane_policy.c
	 * lowers a server to "may": Postfix 3.7 smtp_tls_policy.c
	 * policy_create() picks protocols and cipher grade after
	 * dane_init(), from the resulting level (smtp_tls_protocols,
	 * smtp_tls_ciphers and smtp_tls_exclude_ciphers only; a policy
	 * entry's protocols=, ciphers= and exclude= still apply). At the
	 * other levels copies of protos and cipherlist.
	 */
	struct sj_tls_protos may_protos;
	char	may_cipherlist[SJ_TLS_LIST_MAX * 2];
	/* verify/secure: the cert match list (smtp_tls_*_cert_match). */
	char	match[SJ_TLS_LIST_MAX];
	/* smtp_tls_servername: "", "hostname", "nexthop" or a name. */
	char	servername[256];
	/* fingerprint: smtp_tls_fingerprint_digest and the digests. */
	char	fpt_digest[32];
	size_t	nfpt;
	size_t	fpt_len[SJ_TLS_FPT_MAX];
	unsigned char fpt[SJ_TLS_FPT_MAX][SJ_TLS_MD_MAX];
	/*
	 * The client certificate (parent/cfg_tlscert.c): where the key
	 * is (read by the parent only, parent/tls_sign.c) and the
	 * certificates, PEM text of CERTIFICATE blocks only, leaf
	 * first (NULL: none). The key is never part of this struct.
	 */
	int	ccert_mode;		/* SJ_TLS_CCERT_* */
	char	ccert_files[SJ_TLS_LIST_MAX];	/* chain files, or key file */
	char	ccert_origin[SJ_TLS_LIST_MAX];	/* for log lines */
	char	*ccert_pem;		/* heap, NUL-terminated */
	size_t	ccert_pem_len;
	/* dane, dane-only: tls_dane_digests (parsed by the child's
	 * tlsa_digests_parse(), checked by the parent at start) and
	 * smtp_tls_dane_insecure_mx_policy (DANE_POL_IMX_* values). */
	char	dane_digests[SJ_TLS_LIST_MAX];
	int	dane_imx;
	/* smtp_tls_force_insecure_host_tlsa_lookup (Postfix 3.7
	 * tls_dane_resolve() forcetlsa): TLSA lookups also for a host
	 * whose address records were not validated. */
	int	dane_force_tlsa;
	/* smtp_tls_loglevel itself asked for "untrusted" (log_mask has it
	 * at the levels that match): at dane, a server tried at "may" or
	 * "encrypt" logs no verification failure (Postfix tls_client.c
	 * widens the mask per connection). */
	int	log_untrusted_conf;
	/*
	 * verify, secure: the trust anchors that replace the CA roots
	 * (NULL: none, the CAs are the roots). main.cf's are on the heap,
	 * loaded at start; a policy's are its module's (parent/
	 * tls_policy.c, child/tls_jobpol.c), valid for one job.
	 */
	const struct sj_tls_tas *ta;
	/*
	 * OpenSSL's options and key-exchange groups (parent/cfg_tlsopts.c):
	 * SSL_OP_ALL less tls_disable_workarounds, plus tls_ssl_options;
	 * tls_eecdh_auto_curves as NIDs this OpenSSL supports (none: its
	 * defaults).
	 */
	uint64_t ssl_options;
	int	curve_nids[SJ_TLS_CURVES_MAX];
	int	curve_count;
};

/* Where the client key is (Postfix tls_certkey.c's three ways). */
#define SJ_TLS_CCERT_NONE	0	/* no client certificate */
#define SJ_TLS_CCERT_CHAIN	1	/* smtp_tls_chain_files: key, cert, chain */
#define SJ_TLS_CCERT_MIXED	2	/* cert file = key file: key anywhere */
#define SJ_TLS_CCERT_SPLIT	3	/* cert (chain) file, separate key file */

/*
 * Signing with the client key (SIGN_REQ/SIGN_RESP): the child's
 * provider (child/tls_keyprov.c) sends the digest, the parent
 * (parent/tls_sign.c) signs it. Algorithms are what TLS 1.2 and 1.3
 * client authentication uses with RSA and ECDSA keys (RFC 8446 4.2.3,
 * RFC 5246 7.4.8).
 */
#define SJ_SIGN_RSA_PKCS1	1	/* RSASSA-PKCS1-v1_5 (TLS 1.2) */
#define SJ_SIGN_RSA_PSS		2	/* RSASSA-PSS, salt = digest length */
#define SJ_SIGN_ECDSA		3	/* ECDSA, DER signature */
#define SJ_SIGN_ALG_MAX		3
#define SJ_SIGN_MD_SHA1		1
#define SJ_SIGN_MD_SHA224	2
#define SJ_SIGN_MD_SHA256	3
#define SJ_SIGN_MD_SHA384	4
#define SJ_SIGN_MD_SHA512	5
#define SJ_SIGN_MD_MAX		5
#define SJ_SIGN_DIGEST_MAX	64		/* SHA-512 */
#define SJ_SIGN_SIG_MAX		1024		/* RSA 8192 bits; ECDSA P-521 DER is 139 */

/*
 * TLS_INFO events (child to parent). Each becomes one Postfix log
 * line in the parent, or none when smtp_tls_loglevel says so.
 */
#define SJ_TLS_EV_ESTABLISHED	1	/* handshake done: the summary */
#define SJ_TLS_EV_VERIFY_FAIL	2	/* the certificate did not verify */
#define SJ_TLS_EV_CONNECT_ERR	3	/* SSL_connect failed */
#define SJ_TLS_EV_OFFERED	4	/* "Host offered STARTTLS: [host]" */
#define SJ_TLS_EV_PEERCERT	5	/* subject/issuer CN, fingerprints */
#define SJ_TLS_EV_LIBERR	6	/* "TLS library problem: ..." */
#define SJ_TLS_EV_REUSED	7	/* "<peer>: Reusing old session" */
#define SJ_TLS_EV_POLICY	8	/* dane: "TLS policy lookup for ..." */
#define SJ_TLS_EV_CONN_REUSED	9	/* the summary of a reused connection */
#define SJ_TLS_EV_MAX		9

/*
 * SJ_TLS_EV_POLICY reasons, in conn_code (Postfix smtp_tls_policy.c
 * dane_init() texts; the parent words them): peer is the nexthop
 * domain, host the server, verify_depth the port for LOOKUP_ERR.
 */
#define SJ_TLS_POL_NO_TLSA	1	/* "no TLSA records found" */
#define SJ_TLS_POL_NONDNSSEC	2	/* "non DNSSEC destination" */
#define SJ_TLS_POL_LOOKUP_ERR	3	/* "TLSA lookup error for host:port" */
#define SJ_TLS_POL_CONFIG	4	/* "client TLS configuration problem" */
#define SJ_TLS_POL_UNUSABLE	5	/* "TLSA records unusable" */
#define SJ_TLS_POL_MX_INSECURE	6	/* "Verification not possible, ..." */
/* The configuration warnings (no server skipped by them at "dane"). */
#define SJ_TLS_POL_NO_DNSSEC	7	/* "DEST: LEVEL configured with dnssec lookups disabled" */
#define SJ_TLS_POL_MX_IGNORED	8	/* "... MX lookup errors ignored" */
/* tls_dane.c qname_secure(): "DNSSEC status lookup error for HOST: ..." */
#define SJ_TLS_POL_CNAME_GONE	9	/* "no longer a CNAME" */
#define SJ_TLS_POL_CNAME_AGAIN	10	/* dns_lookup() text, try again */
#define SJ_TLS_POL_CNAME_FAIL	11	/* dns_lookup() text, non-recoverable */

/* LIBERR events after one failed handshake (Postfix logs them all). */
#define SJ_TLS_LIBERR_MAX	8

/* Postfix tls_misc.c tls_log_summary() words, in this order. */
#define SJ_TLS_TRUST_ANON	0	/* "Anonymous" */
#define SJ_TLS_TRUST_UNTRUSTED	1	/* "Untrusted" */
#define SJ_TLS_TRUST_TRUSTED	2	/* "Trusted" */
#define SJ_TLS_TRUST_VERIFIED	3	/* "Verified" */

/* SJ_TLS_EV_CONNECT_ERR kinds (Postfix tls_client.c). */
#define SJ_TLS_CERR_STATUS	0	/* "SSL_connect error to %s: %d" */
#define SJ_TLS_CERR_ERRNO	1	/* "... %m" */
#define SJ_TLS_CERR_LOST	2	/* "... lost connection" */
#define SJ_TLS_CERR_TIMEOUT	3	/* Postfix: "... timed out" via %m */

struct sj_config;
struct sj_params;

/* parent/cfg_tls.c: 0, or a negative errno with why[] filled. */
int	sj_tls_config_load(struct sj_tls_config *, struct sj_params *,
	    char *why, size_t whysz);
/* The level's cipher list (grade, exclude: NULL = main.cf's). */
int	sj_tls_ciphers_build(struct sj_tls_config *, struct sj_params *,
	    const char *grade, const char *exclude, char *why, size_t whysz);
/* Append the fingerprints of 'list' (split on 'seps') to t->fpt. */
int	sj_tls_fpt_parse(struct sj_tls_config *, const char *list,
	    const char *seps, const char *param, char *why, size_t whysz);
/* parent/tls_tafile.c: append the anchors of one file, or of a list
 * of files (separated by comma or white space). 0, or -1 with why[]
 * filled (Postfix's warning text). */
int	tls_tafile_load(const char *file, struct sj_tls_tas *,
	    char *why, size_t whysz);
int	tls_tafile_load_list(const char *files, struct sj_tls_tas *,
	    char *why, size_t whysz);
/* "none", "may", ... for logs. */
const char *sj_tls_level_name(int level);
/* Fill may_protos and may_cipherlist (parent/cfg_tls.c); 'protocols',
 * 'grade', 'exclude': a policy entry's, NULL = main.cf's. */
int	sj_tls_may_build(struct sj_tls_config *, struct sj_params *,
	    const char *protocols, const char *grade, const char *exclude,
	    char *why, size_t whysz);

/*
 * The protocols and cipher list a connection at per-server level
 * 'level' uses (child/tls.c, child/tls_sesscache.c): the "may" set
 * when a DANE level fell back to may, else the configured one.
 */
static inline int
sj_tls_use_may(const struct sj_tls_config *t, int level)
{
	return (level == SJ_TLS_LEV_MAY && SJ_TLS_IS_DANE(t->level));
}

static inline const struct sj_tls_protos *
sj_tls_level_protos(const struct sj_tls_config *t, int level)
{
	return (sj_tls_use_may(t, level) ? &t->may_protos : &t->protos);
}

static inline const char *
sj_tls_level_ciphers(const struct sj_tls_config *t, int level)
{
	return (sj_tls_use_may(t, level) ? t->may_cipherlist : t->cipherlist);
}

/* parent/cfg_tlsopts.c: tls_disable_workarounds, tls_ssl_options,
 * tls_eecdh_auto_curves. */
int	sj_tls_options_load(struct sj_tls_config *, struct sj_params *,
	    void (*warn)(void *ctx, const char *text), void *warn_ctx,
	    char *why, size_t whysz);	/* warn: a sj_params_warn_fn */
/* Parse a Postfix protocol list (">=TLSv1", "!SSLv2, !SSLv3"). */
int	sj_tls_protocols_parse(const char *list, struct sj_tls_protos *,
	    char *why, size_t whysz);
/* parent/cfg_tlscert.c: the client certificate settings and chain. */
int	sj_tls_ccert_load(struct sj_tls_config *, struct sj_params *,
	    char *why, size_t whysz);
/* Digest name ("SHA256") of an SJ_SIGN_MD_*, or NULL. */
const char *sj_sign_md_name(unsigned md);
/* Parse a Postfix smtp_tls_loglevel value into SJ_TLS_LOG_* bits. */
int	sj_tls_loglevel_parse(const char *value, unsigned *mask);

#endif
