/*
 * NAME
 *	fuzz_nexthop 1
 * SUMMARY
 *	libFuzzer target: the nexthop parser (dest_parse_nexthop)
 * DESCRIPTION
 *	The input is up to three NUL-separated strings: the request's
 *	nexthop (qmgr passes it, built from the recipient's domain and
 *	transport(5) tables), relayhost and smtp_fallback_relay. Each is
 *	cut at the size the IPC message allows. After every parse the
 *	hops must be within DEST_HOPS_MAX, their names NUL-terminated,
 *	within SJ_HOSTNAME_MAX and free of brackets and control bytes, and
 *	a failure must leave no hop and a printable reason.
 * SECURITY
 *	Runs the child's nexthop parser, outside the sandbox. The nexthop
 *	comes from qmgr, but its domain part comes from a stranger's
 *	recipient address.
 * SEE ALSO
 *	child/dest.c, Postfix src/smtp/smtp_connect.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "fuzz_quiet.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copy the next NUL-terminated piece of the input into out[cap]. */
static void
take(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	const uint8_t *nul = memchr(*p, '\0', (size_t)(end - *p));
	size_t	len = (size_t)((nul ? nul : end) - *p);

	if (len > cap - 1)
		len = cap - 1;
	memcpy(out, *p, len);
	out[len] = '\0';
	*p = nul ? nul + 1 : end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_config cfg;
	static struct dest_hop hops[DEST_HOPS_MAX];
	static struct ipc_result err;
	char	nexthop[SJ_NEXTHOP_MAX + 1];
	const uint8_t *p = data, *end = data + size;
	size_t	n, i, len;
	int	rv;

	msg_set_sink(fuzz_quiet, NULL);
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.default_port = 25;
	take(&p, end, nexthop, sizeof(nexthop));
	take(&p, end, cfg.relayhost, sizeof(cfg.relayhost));
	take(&p, end, cfg.fallback_relay, sizeof(cfg.fallback_relay));

	rv = dest_parse_nexthop(nexthop, &cfg, hops, DEST_HOPS_MAX, &n, &err);
	if (rv < 0) {
		if (n != 0 || !sj_text_is_printable(err.reason))
			abort();
		return (0);
	}
	if (rv != 0 || n > DEST_HOPS_MAX)
		abort();
	for (i = 0; i < n; i++) {
		len = strnlen(hops[i].name, sizeof(hops[i].name));
		if (len == sizeof(hops[i].name) || len > SJ_HOSTNAME_MAX)
			abort();
		if (strpbrk(hops[i].name, "[]") != NULL
		    || !sj_text_is_printable(hops[i].name)
		    || hops[i].port == 0)
			abort();
	}
	return (0);
}
