/*
 * NAME
 *	dnssec_probe 3
 * SUMMARY
 *	dnssec_probe: parsing at start, logging the child's outcome
 * DESCRIPTION
 *	Postfix 3.7 (src/dns/dns_sec.c dns_sec_probe(), called from
 *	src/dns/dns_lookup.c dns_lookup_x()) sends one probe per process,
 *	at the first DNSSEC-requesting lookup when no validated answer
 *	has arrived yet, and warns when the probe's answer is not
 *	validated either. The child does the lookup (child/dnssec_query.c
 *	dnssec_probe_run()) and reports a class (IPC_T_DNSSEC_PROBE); the
 *	lines are written here from the parent's own copy of the
 *	parameter, never from text of the child's.
 *
 *	dnssec_probe_parse() splits the value at its first ':' and maps
 *	the type with Postfix's table (src/dns/dns_strtype.c, case
 *	insensitive); a value without ':' or name, or with an unknown type,
 *	is Postfix's fatal "malformed dnssec_probe value: ... format is
 *	qtype:qname". Postfix finds that at its first DNSSEC lookup;
 *	smtpjail at start, when DNSSEC lookups are configured (the same
 *	text, before any mail is taken).
 * SECURITY
 *	Parent. The parameter comes from main.cf (trusted); the child's
 *	message is a type and a number, checked against the job and
 *	accepted only for a job the parent allowed to probe, once.
 * SEE ALSO
 *	child/dnssec_query.c, Postfix src/dns/dns_sec.c
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dnssec_probe.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"

/* Once per process, as Postfix's DNS_SEC_FLAG_DONT_PROBE. */
static struct {
	int	done;
} dnssec_probe_ctx;

/* Postfix 3.7 src/dns/dns_strtype.c dns_type_map, as Debian builds it. */
static const struct {
	unsigned type;
	const char *name;
} dnssec_probe_types[] = {
	{1, "A"}, {2, "NS"}, {3, "MD"}, {4, "MF"}, {5, "CNAME"}, {6, "SOA"},
	{7, "MB"}, {8, "MG"}, {9, "MR"}, {10, "NULL"}, {11, "WKS"},
	{12, "PTR"}, {13, "HINFO"}, {14, "MINFO"}, {15, "MX"}, {16, "TXT"},
	{17, "RP"}, {18, "AFSDB"}, {19, "X25"}, {20, "ISDN"}, {21, "RT"},
	{22, "NSAP"}, {23, "NSAP_PTR"}, {24, "SIG"}, {25, "KEY"}, {26, "PX"},
	{27, "GPOS"}, {28, "AAAA"}, {29, "LOC"}, {100, "UINFO"},
	{101, "UID"}, {102, "GID"}, {103, "UNSPEC"}, {252, "AXFR"},
	{253, "MAILB"}, {254, "MAILA"}, {52, "TLSA"}, {46, "RRSIG"},
	{39, "DNAME"}, {255, "ANY"},
};

#define DNSSEC_PROBE_NTYPES \
	(sizeof(dnssec_probe_types) / sizeof(dnssec_probe_types[0]))

const char *
dnssec_probe_type_name(unsigned qtype)
{
	size_t	i;

	for (i = 0; i < DNSSEC_PROBE_NTYPES; i++)
		if (dnssec_probe_types[i].type == qtype)
			return (dnssec_probe_types[i].name);
	return (NULL);
}

int
dnssec_probe_parse(const char *value, unsigned *qtype, char *qname,
    size_t qsize, char *why, size_t whysz)
{
	const char *colon, *name;
	size_t	i, tlen;

	*qtype = 0;
	if (qsize < 2)
		return (-EINVAL);
	qname[0] = '\0';
	if (*value == '\0')
		return (0);
	if ((colon = strchr(value, ':')) != NULL && colon[1] != '\0') {
		tlen = (size_t)(colon - value);
		for (i = 0; i < DNSSEC_PROBE_NTYPES; i++)
			if (strlen(dnssec_probe_types[i].name) == tlen &&
			    strncasecmp(dnssec_probe_types[i].name, value,
			    tlen) == 0)
				break;
		if (i < DNSSEC_PROBE_NTYPES) {
			*qtype = dnssec_probe_types[i].type;
			name = colon + 1;
			for (i = 0; name[i] != '\0'; i++)
				if (name[i] < 0x21 || name[i] > 0x7e)
					break;
			if (name[i] == '\0' && strlen(name) < qsize)
				memcpy(qname, name, strlen(name) + 1);
			else
				memcpy(qname, "!", 2);
			return (0);
		}
	}
	/* dns_sec.c: msg_fatal(), with the value as configured. */
	snprintf(why, whysz, "malformed dnssec_probe value: %s format is "
	    "qtype:qname", value);
	return (-EINVAL);
}

int
dnssec_probe_due(const struct sj_config *cfg)
{
	return (cfg->dnssec_probe_type != 0 && !dnssec_probe_ctx.done);
}

void
dnssec_probe_reset(void)
{
	dnssec_probe_ctx.done = 0;
}

int
dnssec_probe_note(const struct ipc_dnssec_probe *p, uint32_t job_id,
    const struct sj_config *cfg, int *open, char *why, size_t whysz)
{
	const char *spec = cfg->dnssec_probe;
	const char *tname = dnssec_probe_type_name(cfg->dnssec_probe_type);

	if (p->job_id != job_id || tname == NULL || !*open) {
		snprintf(why, whysz, "DNSSEC_PROBE for job %u (job %u, probe "
		    "%s)", p->job_id, job_id, *open ? "allowed" :
		    "not allowed or reported");
		return (-1);
	}
	*open = 0;
	dnssec_probe_ctx.done = 1;
	/* Postfix 3.7 src/dns/dns_sec.c dns_sec_probe(). */
	if (p->result == IPC_PROBE_AVAILABLE)
		return (0);
	if (p->result == IPC_PROBE_VALIDATED) {
		if (msg_verbose_level() > 0)
			msg_info("dnssec_probe '%s' received a response that "
			    "is DNSSEC validated", spec);
		return (0);
	}
	msg_warn("DNSSEC validation may be unavailable");
	if (p->result == IPC_PROBE_INSECURE)
		msg_warn("reason: dnssec_probe '%s' received a response that "
		    "is not DNSSEC validated", spec);
	else
		/* dns_lookup.c dns_query(): the text of its 'why'. */
		msg_warn("reason: dnssec_probe '%s' received no response: "
		    "Host or domain name not found. Name service error for "
		    "name=%s type=%s: %s", spec, cfg->dnssec_probe_name, tname,
		    p->result == IPC_PROBE_RETRY ?
		    "Host not found, try again" : "Non-recoverable error");
	return (0);
}
