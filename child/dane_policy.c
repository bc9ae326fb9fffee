/*
 * NAME
 *	dane_policy 3
 * SUMMARY
 *	the effective TLS level of one server at levels dane and dane-only
 * DESCRIPTION
 *	See dane_policy.h. The order of the checks is Postfix's
 *	dane_init():
 *
 *	1. configuration: DNSSEC lookups off ("DEST: LEVEL configured with
 *	   dnssec lookups disabled") or MX lookup errors ignored ("DEST:
 *	   LEVEL configured with MX lookup errors ignored"): "dane" warns
 *	   and falls back to "may"; "dane-only" warns and the server is
 *	   skipped with 4.7.5 "client TLS configuration problem"
 *	   (MARK_INVALID()).
 *	2. an insecure MX at "dane-only", or with the insecure MX policy
 *	   "may": "non DNSSEC destination".
 *	3. the TLSA lookup (none when the host's address was not
 *	   validated, unless smtp_tls_force_insecure_host_tlsa_lookup): an
 *	   error skips the server, at either level,
 *	   with 4.7.5 "TLSA lookup error for HOST:PORT"; no records (or
 *	   records that were not validated, or a host address that was
 *	   not): "no TLSA records found"; validated records none of which
 *	   is usable: "TLSA records unusable".
 *	4. an insecure MX with usable records: policy "encrypt" gives
 *	   "Verification not possible, MX RRset is insecure"; policy
 *	   "dane" gives "half DANE".
 *
 *	Reasons 2 and 3 are the server's fault (NONDANE_DEST): "dane" falls
 *	back to "may" quietly; "dane-only" skips the server with 4.7.5 and
 *	the reason. "TLSA records unusable" and the insecure-MX "encrypt"
 *	case cannot authenticate (DANE_CANTAUTH): "dane" falls back to
 *	"encrypt", "dane-only" skips with 4.7.5.
 * SECURITY
 *	Child only; no input from the network but the classes the lookups
 *	produced and a validated host name.
 * SEE ALSO
 *	Postfix src/smtp/smtp_tls_policy.c, src/tls/tls_dane.c
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dane_policy.h"

#define NONDANE_CONFIG	0	/* the administrator's fault */
#define NONDANE_DEST	1	/* the server's fault */
#define DANE_CANTAUTH	2	/* records, but no authentication */

static void
dane_policy_set(struct dane_policy_out *out, int level, const char *dsn,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
dane_policy_set(struct dane_policy_out *out, int level, const char *dsn,
    const char *fmt, ...)
{
	va_list	ap;

	out->level = level;
	snprintf(out->dsn, sizeof(out->dsn), "%s", dsn);
	va_start(ap, fmt);
	vsnprintf(out->text, sizeof(out->text), fmt, ap);
	va_end(ap);
}

/* Postfix dane_incompat(): the fallback for one kind of trouble. */
static void
dane_policy_incompat(const struct dane_policy_in *in,
    struct dane_policy_out *out, int errtype, const char *text)
{
	out->lookup_tlsa = 0;
	out->check_cname = 0;
	if (errtype == NONDANE_CONFIG)
		snprintf(out->warning, sizeof(out->warning), "%s", text);
	if (in->level == DANE_POL_CONF_DANE) {
		dane_policy_set(out, errtype == DANE_CANTAUTH ?
		    DANE_POL_ENCRYPT : DANE_POL_MAY, "", "%s", text);
		return;
	}
	if (errtype == NONDANE_CONFIG) {
		/* The warning, then MARK_INVALID()'s DSN. */
		dane_policy_set(out, DANE_POL_INVALID, "4.7.5",
		    "client TLS configuration problem");
		return;
	}
	dane_policy_set(out, DANE_POL_INVALID, "4.7.5", "%s", text);
}

const char *
dane_policy_level_name(int level)
{
	switch (level) {
	case DANE_POL_MAY:
		return ("may");
	case DANE_POL_ENCRYPT:
		return ("encrypt");
	case DANE_POL_HALF_DANE:
		return ("half-dane");
	case DANE_POL_DANE:
		return ("dane");
	default:
		return ("invalid");
	}
}

int
dane_policy_imx_parse(const char *value)
{
	if (strcasecmp(value, "may") == 0)
		return (DANE_POL_IMX_MAY);
	if (strcasecmp(value, "encrypt") == 0)
		return (DANE_POL_IMX_ENCRYPT);
	if (strcasecmp(value, "dane") == 0)
		return (DANE_POL_IMX_DANE);
	return (-1);
}

void
dane_policy_decide(const struct dane_policy_in *in,
    struct dane_policy_out *out)
{
	char	text[DANE_POL_TEXT_MAX];
	const char *lname = in->level == DANE_POL_CONF_DANE_ONLY ?
	    "dane-only" : "dane";
	int	insecure_mx = in->via_mx && !in->mx_secure;

	memset(out, 0, sizeof(*out));
	if (!in->dnssec_lookups || in->ignore_mx_errors) {
		snprintf(text, sizeof(text), "%s: %s configured with %s",
		    in->dest, lname, !in->dnssec_lookups ?
		    "dnssec lookups disabled" : "MX lookup errors ignored");
		dane_policy_incompat(in, out, NONDANE_CONFIG, text);
		return;
	}
	if (insecure_mx && (in->level == DANE_POL_CONF_DANE_ONLY
	    || in->insecure_mx_policy <= DANE_POL_IMX_MAY)) {
		dane_policy_incompat(in, out, NONDANE_DEST,
		    "non DNSSEC destination");
		return;
	}
	/*
	 * tls_dane_resolve(): no TLSA lookup below an insecure host, unless
	 * it is a CNAME that was itself validated (qname_secure()).
	 */
	if (in->tlsa < 0 && !in->host_secure && !in->force_tlsa) {
		if (in->is_cname && !in->cname_checked) {
			out->check_cname = 1;
			out->level = DANE_POL_INVALID;	/* not decided yet */
			return;
		}
		if (!in->is_cname || !in->cname_secure) {
			dane_policy_incompat(in, out, NONDANE_DEST,
			    "no TLSA records found");
			return;
		}
	}
	if (in->tlsa < 0) {
		out->lookup_tlsa = 1;
		out->level = DANE_POL_INVALID;	/* not decided yet */
		return;
	}
	switch (in->tlsa) {
	case DANE_POL_TLSA_ERROR:
		dane_policy_set(out, DANE_POL_INVALID, "4.7.5",
		    "TLSA lookup error for %s:%u", in->host, in->port);
		return;
	case DANE_POL_TLSA_NONE:
		dane_policy_incompat(in, out, NONDANE_DEST,
		    "no TLSA records found");
		return;
	default:
		break;
	}
	if (in->usable == 0) {
		dane_policy_incompat(in, out, DANE_CANTAUTH,
		    "TLSA records unusable");
		return;
	}
	if (insecure_mx) {
		if (in->insecure_mx_policy == DANE_POL_IMX_ENCRYPT) {
			dane_policy_incompat(in, out, DANE_CANTAUTH,
			    "Verification not possible, MX RRset is insecure");
			return;
		}
		out->level = DANE_POL_HALF_DANE;
		return;
	}
	out->level = DANE_POL_DANE;
}

const char *
dane_policy_tlsa_first(const char *qname, const char *rname,
    int host_secure, const char **then)
{
	*then = NULL;
	if (host_secure && rname != NULL && *rname != '\0'
	    && strcasecmp(rname, qname) != 0) {
		*then = qname;
		return (rname);
	}
	return (qname);
}

size_t
dane_policy_refnames(const char *base, const char *qname,
    const char *rname, const char *names[3])
{
	size_t	n = 0;

	names[n++] = base;
	if (rname != NULL && *rname != '\0' && strcmp(qname, rname) != 0)
		names[n++] = rname;
	names[n++] = qname;
	return (n);
}
