/*
 * NAME
 *	dane_server 3
 * SUMMARY
 *	levels dane and dane-only in delivery: one server's TLS level and
 *	TLSA records
 * DESCRIPTION
 *	See dane_server.h. The order is Postfix 3.7's: dane_init() first
 *	decides from the configuration and the DNSSEC status of the MX
 *	and address lookups whether a TLSA lookup is needed (none below
 *	an insecure host); the lookup's outcome (validated records,
 *	none, a lookup error) and the number of usable records then give
 *	the level. Records that cannot be used are logged with Postfix's
 *	warning texts (child/tlsa.c) while they are counted, once per
 *	lookup, as tls_dane_resolve() logs them while it parses.
 *
 *	A server is skipped with "warning: TLS policy lookup for
 *	DEST/HOST: TEXT" (smtp_connect.c smtp_connect_inet()); the
 *	deferral of the job, if no server is left, carries the status and
 *	text of the last skip, as Postfix's dsb does.
 * SECURITY
 *	Child only. The TLSA set is a fixed arena filled by
 *	tlsa_answer_parse() (bounded); the names logged are the request's
 *	nexthop and a host name dns_parse.c validated, censored again
 *	here.
 * SEE ALSO
 *	child/dane_policy.c, child/dnssec_query.c, child/dane.c, Postfix
 *	src/smtp/smtp_connect.c, src/smtp/smtp_tls_policy.c,
 *	src/tls/tls_dane.c, RFC 7672 2.2
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane.h"
#include "dane_policy.h"
#include "dane_server.h"
#include "dest.h"
#include "dns.h"
#include "dnssec_query.h"
#include "msg.h"
#include "sj_text.h"
#include "sj_tls.h"
#include "tls.h"
#include "tlsa.h"

static struct {
	struct tlsa_digests dg;		/* tls_dane_digests */
	int	have_dg;
	struct tlsa_set *set;		/* the last lookup's records */
	char	host[SJ_HOSTNAME_MAX + 1];	/* TLSA base domain */
	char	qname[SJ_HOSTNAME_MAX + 1];	/* the server's name */
	char	rname[SJ_HOSTNAME_MAX + 1];	/* after CNAMEs */
	char	rrname[DNSSEC_TLSA_PREFIX_MAX + SJ_HOSTNAME_MAX + 1];
	int	ready;			/* set holds usable records */
	int	imx;			/* smtp_tls_dane_insecure_mx_policy */
	int	force_tlsa;		/* smtp_tls_force_insecure_host_... */
} dane_server;

int
dane_server_ctx(SSL_CTX *ctx, const struct sj_tls_config *t)
{
	char	why[TLSA_WHY_MAX];

	dane_server.imx = t->dane_imx;
	dane_server.force_tlsa = t->dane_force_tlsa;
	if (tlsa_digests_parse(t->dane_digests, &dane_server.dg, why,
	    sizeof(why)) < 0 || dane_server.dg.count == 0) {
		msg_warn("tls_dane_digests: %s", why[0] ? why :
		    "no usable digest");
		return (-1);
	}
	dane_server.have_dg = 1;
	if (dane_server.set == NULL &&
	    (dane_server.set = calloc(1, sizeof(*dane_server.set))) == NULL)
		return (-1);
	return (dane_ctx_enable(ctx, &dane_server.dg));
}

/* Usable records, each unusable one logged (Postfix tls_dane.c). */
static size_t
dane_server_usable(void)
{
	const struct tlsa_set *set = dane_server.set;
	char	why[TLSA_WHY_MAX];
	size_t	i, n = 0;

	for (i = 0; i < set->count; i++) {
		if (tlsa_rr_usable(set, &set->rr[i], &dane_server.dg,
		    dane_server.rrname, why, sizeof(why)))
			n++;
		else if (why[0] != '\0')
			msg_warn("%s", why);
	}
	return (n);
}

static int
dane_server_tlsa(struct dns_ctx *dns, const char *host, unsigned port,
    int trusted, size_t *usable)
{
	char	why[DNSSEC_WHY_MAX];
	int	rv;

	snprintf(dane_server.rrname, sizeof(dane_server.rrname),
	    "_%u._tcp.%s", port, host);
	rv = dnssec_lookup_tlsa(dns, host, port, trusted, dane_server.set,
	    why, sizeof(why));
	switch (rv) {
	case DNSSEC_TLSA_SECURE:
		*usable = dane_server_usable();
		return (DANE_POL_TLSA_FOUND);
	case DNSSEC_TLSA_INSECURE:
	case DNSSEC_TLSA_NONE:
		return (DANE_POL_TLSA_NONE);
	case -ECANCELED:
	case -ENOMEM:
		return (rv);
	default:
		/* Postfix logs the resolver's text, then "TLSA lookup
		 * error for host:port" is the deferral. */
		if (why[0] != '\0')
			msg_warn("%s", why);
		return (DANE_POL_TLSA_ERROR);
	}
}

/*
 * A warning for the parent to word (TLS_INFO POLICY): free text from
 * the child is never logged as Postfix's, so the reason travels as a
 * number (include/sj_tls.h SJ_TLS_POL_*).
 */
static int
dane_server_warn(const struct tls_peer *tp, const char *dest,
    const char *host, unsigned port, const char *text)
{
	struct ipc_tls_info info;
	static const struct {
		const char *text;
		unsigned code;
	} tab[] = {
		{"no TLSA records found", SJ_TLS_POL_NO_TLSA},
		{"non DNSSEC destination", SJ_TLS_POL_NONDNSSEC},
		{"TLSA lookup error for ", SJ_TLS_POL_LOOKUP_ERR},
		{"client TLS configuration problem", SJ_TLS_POL_CONFIG},
		{"TLSA records unusable", SJ_TLS_POL_UNUSABLE},
		{"Verification not possible, MX RRset is insecure",
		    SJ_TLS_POL_MX_INSECURE},
		{"dnssec lookups disabled", SJ_TLS_POL_NO_DNSSEC},
		{"MX lookup errors ignored", SJ_TLS_POL_MX_IGNORED},
		{"no longer a CNAME", SJ_TLS_POL_CNAME_GONE},
		{"CNAME try again", SJ_TLS_POL_CNAME_AGAIN},
		{"CNAME non-recoverable", SJ_TLS_POL_CNAME_FAIL},
	};
	size_t	i;

	memset(&info, 0, sizeof(info));
	info.event = SJ_TLS_EV_POLICY;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strstr(text, tab[i].text) != NULL)
			break;
	if (i == sizeof(tab) / sizeof(tab[0]))
		msg_panic("dane_server_warn: unknown reason \"%s\"", text);
	info.conn_code = tab[i].code;
	info.verify_depth = port;
	snprintf(info.peer, sizeof(info.peer), "%s", dest);
	snprintf(info.host, sizeof(info.host), "%s", host);
	return (tls_emit(tp, &info));
}

int
dane_server_level(struct dns_ctx *dns, const struct ipc_config *cfg,
    int conf_level, const char *dest, const struct dest_addr *a,
    unsigned port, const struct tls_peer *tp, struct ipc_result *why)
{
	struct dane_policy_in in;
	struct dane_policy_out out;
	char	cdest[SJ_HOSTNAME_MAX + 1];
	const char *base, *then;
	int	rv, cs;

	dane_server.ready = 0;
	if (dane_server.set == NULL || !dane_server.have_dg) {
		/* tls_prepare() failed to set DANE up: fail closed. */
		snprintf(why->status, sizeof(why->status), "4.7.5");
		snprintf(why->reason, sizeof(why->reason), "client TLS "
		    "configuration problem");
		return (DANE_SERVER_SKIP);
	}
	sj_text_censor(cdest, sizeof(cdest), dest, strlen(dest));
	memset(&in, 0, sizeof(in));
	in.level = conf_level == SJ_TLS_LEV_DANE_ONLY ?
	    DANE_POL_CONF_DANE_ONLY : DANE_POL_CONF_DANE;
	in.dnssec_lookups = (cfg->flags & IPC_CF_DNSSEC) != 0 &&
	    (cfg->flags & IPC_CF_DISABLE_DNS) == 0 &&
	    (cfg->flags & IPC_CF_HOST_DNS) != 0;
	in.ignore_mx_errors = (cfg->flags & IPC_CF_IGNORE_MX_ERROR) != 0;
	in.insecure_mx_policy = dane_server.imx;
	in.via_mx = a->via_mx;
	in.mx_secure = a->mx_secure;
	in.host_secure = a->secure;
	in.is_cname = strcasecmp(a->rname, a->host) != 0;
	in.force_tlsa = dane_server.force_tlsa;
	in.tlsa = -1;
	in.dest = cdest;
	in.host = a->host;
	in.port = port;
	dane_policy_decide(&in, &out);
	if (out.check_cname) {
		/* tls_dane.c qname_secure(): errors end as TLSA errors. */
		cs = dnssec_cname_secure(dns, a->host);
		if (cs == -ECANCELED || cs == -ENOMEM)
			return (cs);
		if (cs < 0 && (rv = dane_server_warn(tp, cdest, a->host, port,
		    cs == DNSSEC_CNAME_GONE ? "no longer a CNAME" :
		    cs == DNSSEC_CNAME_AGAIN ? "CNAME try again" :
		    "CNAME non-recoverable")) < 0)
			return (rv);
		if (cs < 0)
			in.tlsa = DANE_POL_TLSA_ERROR;
		in.cname_checked = 1;
		in.cname_secure = cs == DNSSEC_CNAME_SECURE;
		dane_policy_decide(&in, &out);
	}
	base = a->host;
	if (out.lookup_tlsa) {
		/* tls_dane_resolve(): the CNAME target first. */
		base = dane_policy_tlsa_first(a->host, a->rname, a->secure,
		    &then);
		rv = dane_server_tlsa(dns, base, port, dns->ad_trusted,
		    &in.usable);
		if (rv == DANE_POL_TLSA_NONE && then != NULL) {
			base = then;
			rv = dane_server_tlsa(dns, base, port,
			    dns->ad_trusted, &in.usable);
		}
		if (rv < 0)
			return (rv);
		in.tlsa = rv;
		dane_policy_decide(&in, &out);
	}
	if (out.warning[0] != '\0' && (rv = dane_server_warn(tp, cdest,
	    a->host, port, out.warning)) < 0)
		return (rv);
	switch (out.level) {
	case DANE_POL_MAY:
		return (SJ_TLS_LEV_MAY);
	case DANE_POL_ENCRYPT:
		return (SJ_TLS_LEV_ENCRYPT);
	case DANE_POL_HALF_DANE:
	case DANE_POL_DANE:
		snprintf(dane_server.host, sizeof(dane_server.host), "%s",
		    base);
		snprintf(dane_server.qname, sizeof(dane_server.qname), "%s",
		    a->host);
		snprintf(dane_server.rname, sizeof(dane_server.rname), "%s",
		    a->rname);
		dane_server.ready = 1;
		return (out.level == DANE_POL_DANE ? SJ_TLS_LEV_DANE :
		    SJ_TLS_LEV_HALF_DANE);
	default:
		if ((rv = dane_server_warn(tp, cdest, a->host, port,
		    out.text)) < 0)
			return (rv);
		snprintf(why->status, sizeof(why->status), "%s", out.dsn);
		snprintf(why->reason, sizeof(why->reason), "%s", out.text);
		return (DANE_SERVER_SKIP);
	}
}

const char *
dane_server_base(void)
{
	return (dane_server.ready ? dane_server.host : NULL);
}

int
dane_server_ssl(SSL *ssl)
{
	const char *names[3];
	size_t	n;

	if (!dane_server.ready)
		return (-1);
	/* smtp_tls_policy.c dane_init(): base domain, rname, qname. */
	n = dane_policy_refnames(dane_server.host, dane_server.qname,
	    dane_server.rname, names);
	if (dane_ssl_enable(ssl, dane_server.host, names, n, dane_server.set,
	    &dane_server.dg, dane_server.rrname, NULL, NULL) <= 0)
		return (-1);
	return (0);
}
