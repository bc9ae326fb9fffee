/*
 * NAME
 *	test_dnssec_probe 1
 * SUMMARY
 *	unit tests of dnssec_probe parsing and of its log lines
 * DESCRIPTION
 *	dnssec_probe_parse() against Postfix 3.7 dns_sec_probe()'s rules
 *	(split at the first ':', type names case-insensitive, an empty
 *	value means no probe, anything else malformed with Postfix's
 *	fatal text); dnssec_probe_note() writes exactly Postfix's warnings
 *	for each outcome class, ends the probing for the process, and
 *	refuses a second, stray or unexpected DNSSEC_PROBE; the IPC
 *	decoder refuses an unknown class.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/dnssec_probe.c, Postfix src/dns/dns_sec.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "dnssec_probe.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char logbuf[4096];

static void
capture_sink(enum msg_level lvl, const char *text, void *ctx)
{
	size_t	len = strlen(logbuf);

	(void)ctx;
	snprintf(logbuf + len, sizeof(logbuf) - len, "%s%s\n",
	    msg_level_prefix(lvl), text);
}

static int
setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	msg_set_sink(capture_sink, NULL);
	return (0);
}

static const struct {
	const char *value;
	int	rc;
	unsigned qtype;
	const char *qname;
} parse_cases[] = {
	{"ns:.", 0, 2, "."},
	{"NS:.", 0, 2, "."},
	{"", 0, 0, ""},
	{"txt:example.org", 0, 16, "example.org"},
	{"Mx:a:b", 0, 15, "a:b"},		/* split at the first ':' */
	{"tlsa:_25._tcp.mx.example", 0, 52, "_25._tcp.mx.example"},
	{"soa:bad name", 0, 6, "!"},		/* never sent: invalid */
	{"ns", -EINVAL, 0, ""},
	{"ns:", -EINVAL, 0, ""},
	{":.", -EINVAL, 0, ""},
	{"bogus:.", -EINVAL, 0, ""},
	{"nsx:.", -EINVAL, 0, ""},
	{"n:.", -EINVAL, 0, ""},
	{"srv:.", -EINVAL, 0, ""},		/* not in Postfix 3.7's table */
};

static void
test_parse(void **state)
{
	char	name[256], why[512], want[512];
	unsigned qtype;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		why[0] = '\0';
		assert_int_equal(dnssec_probe_parse(parse_cases[i].value,
		    &qtype, name, sizeof(name), why, sizeof(why)),
		    parse_cases[i].rc);
		if (parse_cases[i].rc < 0) {
			snprintf(want, sizeof(want), "malformed dnssec_probe "
			    "value: %s format is qtype:qname",
			    parse_cases[i].value);
			assert_string_equal(why, want);
			continue;
		}
		assert_int_equal(qtype, parse_cases[i].qtype);
		assert_string_equal(name, parse_cases[i].qname);
	}
	/* A name longer than the child's field is never sent either. */
	memset(want, 'a', 300);
	memcpy(want, "a:", 2);
	want[300] = '\0';
	assert_int_equal(dnssec_probe_parse(want, &qtype, name, sizeof(name),
	    why, sizeof(why)), 0);
	assert_int_equal(qtype, 1);
	assert_string_equal(name, "!");
	assert_string_equal(dnssec_probe_type_name(2), "NS");
	assert_null(dnssec_probe_type_name(33));
}

static const struct {
	uint32_t result;
	const char *lines;
} note_cases[] = {
	{IPC_PROBE_VALIDATED, ""},
	{IPC_PROBE_AVAILABLE, ""},
	{IPC_PROBE_INSECURE,
	    "warning: DNSSEC validation may be unavailable\n"
	    "warning: reason: dnssec_probe 'ns:.' received a response that "
	    "is not DNSSEC validated\n"},
	{IPC_PROBE_RETRY,
	    "warning: DNSSEC validation may be unavailable\n"
	    "warning: reason: dnssec_probe 'ns:.' received no response: "
	    "Host or domain name not found. Name service error for name=. "
	    "type=NS: Host not found, try again\n"},
	{IPC_PROBE_FAIL,
	    "warning: DNSSEC validation may be unavailable\n"
	    "warning: reason: dnssec_probe 'ns:.' received no response: "
	    "Host or domain name not found. Name service error for name=. "
	    "type=NS: Non-recoverable error\n"},
};

static struct sj_config cfg;

static void
test_note(void **state)
{
	struct ipc_dnssec_probe p;
	char	why[256];
	size_t	i;
	int	open;

	(void)state;
	snprintf(cfg.dnssec_probe, sizeof(cfg.dnssec_probe), "ns:.");
	cfg.dnssec_probe_type = 2;
	snprintf(cfg.dnssec_probe_name, sizeof(cfg.dnssec_probe_name), ".");
	for (i = 0; i < NELEM(note_cases); i++) {
		dnssec_probe_reset();
		assert_int_equal(dnssec_probe_due(&cfg), 1);
		logbuf[0] = '\0';
		open = 1;
		p.job_id = 7;
		p.result = note_cases[i].result;
		assert_int_equal(dnssec_probe_note(&p, 7, &cfg, &open, why,
		    sizeof(why)), 0);
		assert_string_equal(logbuf, note_cases[i].lines);
		/* Once per process (Postfix DNS_SEC_FLAG_DONT_PROBE). */
		assert_int_equal(dnssec_probe_due(&cfg), 0);
		/* One per job that allowed it. */
		assert_int_equal(dnssec_probe_note(&p, 7, &cfg, &open, why,
		    sizeof(why)), -1);
	}
	dnssec_probe_reset();
	open = 1;
	p.job_id = 8;
	assert_int_equal(dnssec_probe_note(&p, 7, &cfg, &open, why,
	    sizeof(why)), -1);
	/* Not allowed in this job. */
	open = 0;
	p.job_id = 7;
	assert_int_equal(dnssec_probe_note(&p, 7, &cfg, &open, why,
	    sizeof(why)), -1);
	/* No probe configured: never due, never accepted. */
	cfg.dnssec_probe_type = 0;
	assert_int_equal(dnssec_probe_due(&cfg), 0);
	open = 1;
	assert_int_equal(dnssec_probe_note(&p, 7, &cfg, &open, why,
	    sizeof(why)), -1);
	assert_int_equal(dnssec_probe_due(&cfg), 0);
}

/* The decoder knows the message and refuses a class it does not. */
static void
test_ipc(void **state)
{
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m, out;
	char	why[256];
	ssize_t	len;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DNSSEC_PROBE;
	m.fd = -1;
	m.u.dnssec_probe.job_id = 3;
	m.u.dnssec_probe.result = IPC_PROBE_FAIL;
	assert_true((len = ipc_msg_encode(&m, buf, sizeof(buf))) ==
	    IPC_HDR_LEN + 8);
	assert_int_equal(ipc_msg_decode(IPC_C2P, buf, (size_t)len, -1, &out,
	    why, sizeof(why)), 0);
	assert_int_equal(out.u.dnssec_probe.result, IPC_PROBE_FAIL);
	assert_int_not_equal(ipc_msg_decode(IPC_P2C, buf, (size_t)len, -1,
	    &out, why, sizeof(why)), 0);
	/* The result field, little-endian after job_id. */
	buf[IPC_HDR_LEN + 4] = IPC_PROBE_MAX + 1;
	assert_int_not_equal(ipc_msg_decode(IPC_C2P, buf, (size_t)len, -1,
	    &out, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "field result"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse, setup),
		cmocka_unit_test_setup(test_note, setup),
		cmocka_unit_test_setup(test_ipc, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
