/*
 * NAME
 *	dane_policy.h 3h
 * SUMMARY
 *	the effective TLS level of one server at levels dane and dane-only
 * DESCRIPTION
 *	dane_policy_decide() takes what the lookups found for one MX host
 *	(was the MX RRset validated, was the host's address, what did the
 *	TLSA lookup return, how many records are usable) and says, as
 *	Postfix 3.7's smtp_tls_policy.c dane_init() does, at which level
 *	that server is tried: DANE with the records, "half DANE" (an
 *	insecure MX with smtp_tls_dane_insecure_mx_policy = dane: matched
 *	but logged "Trusted", not "Verified"), encrypt, may, or not at
 *	all (the server is skipped with a warning "TLS policy lookup for
 *	DEST/HOST: TEXT" and, when no server is left, the mail deferred
 *	with the DSN and text given here).
 * SECURITY
 *	Child only; a pure function of its inputs. The names in the
 *	texts are the request's nexthop and a validated MX host name.
 * SEE ALSO
 *	Postfix src/smtp/smtp_tls_policy.c (dane_init(),
 *	dane_incompat()), src/smtp/smtp_connect.c, src/tls/tls_dane.c
 *	(tls_dane_resolve()), RFC 7672 2.2
 */
#ifndef DANE_POLICY_H
#define DANE_POLICY_H

#include <stddef.h>

/* Configured levels (Postfix TLS_LEV_DANE, TLS_LEV_DANE_ONLY). */
#define DANE_POL_CONF_DANE	1
#define DANE_POL_CONF_DANE_ONLY	2

/* smtp_tls_dane_insecure_mx_policy. */
#define DANE_POL_IMX_MAY	1
#define DANE_POL_IMX_ENCRYPT	2
#define DANE_POL_IMX_DANE	3

/* Effective levels, Postfix's names in dane_policy_level_name(). */
#define DANE_POL_INVALID	(-1)	/* skip the server; dsn, text */
#define DANE_POL_MAY		1
#define DANE_POL_ENCRYPT	2
#define DANE_POL_HALF_DANE	3	/* matched, logged "Trusted" */
#define DANE_POL_DANE		4	/* matched, logged "Verified" */

/* What the TLSA lookup of the server gave (tls_dane_resolve()). */
#define DANE_POL_TLSA_FOUND	0	/* validated records */
#define DANE_POL_TLSA_NONE	1	/* none, or not validated */
#define DANE_POL_TLSA_ERROR	2	/* lookup error */

#define DANE_POL_TEXT_MAX	(2 * 256 + 128)

struct dane_policy_in {
	int	level;			/* DANE_POL_CONF_* */
	int	dnssec_lookups;		/* smtp_dns_support_level = dnssec
					 * and DNS host lookups */
	int	ignore_mx_errors;	/* ignore_mx_lookup_error = yes */
	int	insecure_mx_policy;	/* DANE_POL_IMX_* */
	int	via_mx;			/* the host came from an MX lookup */
	int	mx_secure;		/* that MX RRset was validated */
	int	host_secure;		/* the host's address was validated */
	int	force_tlsa;		/* smtp_tls_force_insecure_host_
					 * tlsa_lookup = yes */
	/* tls_dane_resolve() qname_secure(): the host is a CNAME (its
	 * address records' owner differs), and whether that CNAME was
	 * looked up (cname_checked) and validated (cname_secure). */
	int	is_cname;
	int	cname_checked;
	int	cname_secure;
	int	tlsa;			/* DANE_POL_TLSA_* */
	size_t	usable;			/* usable records when FOUND */
	const char *dest;		/* nexthop, for config warnings */
	const char *host;		/* the server's name */
	unsigned port;
};

struct dane_policy_out {
	int	level;			/* DANE_POL_* */
	int	lookup_tlsa;		/* 1 if the TLSA lookup is needed */
	int	check_cname;		/* 1 if the CNAME's DNSSEC status is
					 * needed first (qname_secure()) */
	char	warning[DANE_POL_TEXT_MAX];	/* to log as a warning, or "" */
	char	dsn[8];			/* with DANE_POL_INVALID */
	char	text[DANE_POL_TEXT_MAX];	/* DSN text, or the fallback's
					 * reason (verbose note) */
};

/*
 * Two passes, as the lookups need them: call with tlsa < 0 first; if
 * out->lookup_tlsa, look the records up and call again with the
 * result.
 */
void	dane_policy_decide(const struct dane_policy_in *,
	    struct dane_policy_out *);
const char *dane_policy_level_name(int level);
/* smtp_tls_dane_insecure_mx_policy: DANE_POL_IMX_*, or -1. */
int	dane_policy_imx_parse(const char *value);

/*
 * TLSA base domains through a CNAME (Postfix 3.7 src/tls/tls_dane.c
 * tls_dane_resolve()): 'qname' is the server's name (the MX host),
 * 'rname' the owner of its address records. With a validated address
 * and a CNAME, the TLSA records of rname are asked for first and those
 * of qname only when rname has none (not found or not validated); a
 * lookup error of rname is final. Else qname alone. Returns the first
 * name; *then is the second, or NULL.
 */
const char *dane_policy_tlsa_first(const char *qname, const char *rname,
	    int host_secure, const char **then);
/*
 * The reference names for certificate name checks at DANE-TA(2)
 * (Postfix 3.7 src/smtp/smtp_tls_policy.c dane_init()): the TLSA base
 * domain, then rname and qname when they differ, else qname. At most
 * 3 names in names[]; returns their number.
 */
size_t	dane_policy_refnames(const char *base, const char *qname,
	    const char *rname, const char *names[3]);

#endif
