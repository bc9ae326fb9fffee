/*
 * NAME
 *	dnssec_probe.h 3h
 * SUMMARY
 *	dnssec_probe: parsing at start, logging the child's outcome
 * DESCRIPTION
 *	See parent/dnssec_probe.c.
 */
#ifndef DNSSEC_PROBE_H
#define DNSSEC_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct ipc_dnssec_probe;

/*
 * Parse "qtype:qname" as Postfix 3.7 dns_sec_probe() does. "" is "do
 * not probe" (*qtype 0). A name that does not fit 'qsize' becomes "!",
 * which the child never sends (an invalid name: Postfix's dns_lookup()
 * refuses it unsent). 0, or -EINVAL with why[] holding Postfix's text.
 */
int	dnssec_probe_parse(const char *value, unsigned *qtype, char *qname,
	    size_t qsize, char *why, size_t whysz);
/* The Postfix dns_strtype() name of a type, or NULL. */
const char *dnssec_probe_type_name(unsigned qtype);
/*
 * A DNSSEC_PROBE of the child serving job 'job_id': logs Postfix's
 * lines for 'spec' (the dnssec_probe value), 'qtype' and 'qname'.
 * '*seen' counts the child's probes: -1 with why[] for a second one,
 * one for another job, or one while no probe was configured.
 */
int	dnssec_probe_note(const struct ipc_dnssec_probe *, uint32_t job_id,
	    const char *spec, unsigned qtype, const char *qname, int *seen,
	    char *why, size_t whysz);

#endif
