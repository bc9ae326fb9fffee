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
struct sj_config;

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
 * Postfix probes once per process; here once per parent (which, as an
 * smtp(8) process, serves one request at a time): 1 while the probe is
 * still due, for IPC_DF_DNSSEC_PROBE.
 */
int	dnssec_probe_due(const struct sj_config *);
/*
 * A DNSSEC_PROBE of the child serving job 'job_id': logs Postfix's
 * lines for the configured probe and ends the probing for this
 * process. '*open' is 1 when the job's DELIVER had IPC_DF_DNSSEC_PROBE
 * and no report came yet: -1 with why[] otherwise, or for another job.
 */
int	dnssec_probe_note(const struct ipc_dnssec_probe *, uint32_t job_id,
	    const struct sj_config *, int *open, char *why, size_t whysz);
/* Tests: the probe is due again. */
void	dnssec_probe_reset(void);

#endif
