/*
 * NAME
 *	sj_sandbox_report.h 3h
 * SUMMARY
 *	the sandbox self-check: a live child, as the kernel sees it
 * DESCRIPTION
 *	sandbox_report() reads /proc/PID/status, /proc/PID/root and
 *	/proc/PID/limits of the running child (the owner of the status file
 *	tells whether it is dumpable) and prints one line per property to
 *	'out':
 *
 *	    sandbox-check: <property> <value> ok
 *	    sandbox-check: <property> <value> FAILED (expected <what>)
 *
 *	then the number of system calls the child's filter allows, and as
 *	the last line "sandbox-check: ok" or "sandbox-check: FAILED (the
 *	properties that failed)". Returns 0 when every property is as
 *	sj_sandbox.h promises, -1 otherwise. It is what
 *	"smtpjail --sandbox-check" prints and what tests/sandbox/ asserts.
 * SECURITY
 *	Parent, as root (reading /proc/PID/root of a non-dumpable process
 *	of another uid needs CAP_SYS_PTRACE). Reads only the kernel's view
 *	of the child, never anything the child wrote.
 */
#ifndef SJ_SANDBOX_REPORT_H
#define SJ_SANDBOX_REPORT_H

#include <stdio.h>
#include <sys/types.h>

#include "sj_sandbox.h"

/* The allow-list's size target on x86_64 (issue: "at most 30"). */
#define SJ_CHILD_SYSCALLS_MAX	30

int	sandbox_report(pid_t child, const struct sj_sandbox_spec *spec,
	    FILE *out);
/*
 * The same for the spawner (policy/spawner.c): CapEff and CapPrm
 * exactly 'caps' (spawner_caps_mask()), CapInh, CapBnd and CapAmb empty,
 * NoNewPrivs 1, Seccomp 2, root the sandbox directory. Lines are
 * "sandbox-check: spawner-<property> ...", the last one
 * "sandbox-check: spawner ok" or "... spawner FAILED (...)".
 */
int	sandbox_report_spawner(pid_t spawner, const struct sj_sandbox_spec *,
	    unsigned long long caps, FILE *out);
/* Both, as --sandbox-check prints them: the child's lines, the
 * spawner's, one verdict "sandbox-check: ok" or "... FAILED (...)". */
int	sandbox_report_pair(pid_t child, pid_t spawner,
	    const struct sj_sandbox_spec *, unsigned long long caps, FILE *out);

#endif
