/*
 * NAME
 *	sj_config.h 3h
 * SUMMARY
 *	command line and main.cf, as smtpjail's parent sees them
 * DESCRIPTION
 *	sj_config_load() does what a Postfix single_server daemon does at
 *	start: parse the generic daemon options (-c -d -D -i -l -m -n -o -s
 *	-S -t -u -v -V -z, plus smtpjail's --sandbox-check and
 *	--config-check), read
 *	$MAIL_CONFIG/main.cf (default /etc/postfix/main.cf), apply -o
 *	overrides, expand $name references as Postfix does, and convert
 *	every parameter smtpjail uses to its type. A bad option, a bad
 *	value, an unknown user or an unreadable main.cf is an error whose
 *	text names the option or parameter and the reason; the caller
 *	turns it into msg_fatal().
 *
 *	sj_config_param() returns the expanded value of any parameter
 *	(main.cf, -o, or smtpjail's built-in default), or NULL.
 * SECURITY
 *	Parent only, while still root, before anything else. main.cf is
 *	trusted (root-owned Postfix configuration); the command line comes
 *	from master(8).
 */
#ifndef SJ_CONFIG_H
#define SJ_CONFIG_H

#include <sys/types.h>

#include "ipc_msg.h"
#include "sj_tls.h"

struct sj_params;		/* opaque name=value store (parent/cfg_*) */

struct sj_config {
	/* Command line. */
	int	opt_chroot;		/* -c */
	int	opt_debug;		/* -d */
	int	opt_solitary;		/* -l */
	int	opt_unlimited;		/* -z */
	int	opt_standalone;		/* -S */
	int	opt_unpriv;		/* -u */
	int	opt_verbose;		/* count of -v */
	int	opt_stderr;		/* -V */
	int	opt_sandbox_check;	/* --sandbox-check */
	int	opt_config_check;	/* --config-check */
	int	socket_count;		/* -s, default 1 */
	char	*service_name;		/* -n, default basename(argv[0]) */
	char	*transport_type;	/* -t (unix, inet, pass) */
	char	**args;			/* leftover arguments (flags=...) */
	int	nargs;

	/* Where things are. */
	char	*config_dir;		/* $MAIL_CONFIG or /etc/postfix */
	char	*queue_directory;
	char	*mail_owner;
	uid_t	mail_owner_uid;
	gid_t	mail_owner_gid;

	/* Logging (parent/log_*). */
	char	*syslog_name;		/* expanded, e.g. "postfix" */
	char	*syslog_facility;
	char	*maillog_file;		/* "" = syslog */
	char	*postlog_service_name;	/* "postlog" */
	char	*process_name;		/* for the ident: syslog_name/process_name */
	char	*myhostname;

	/* single_server life cycle */
	unsigned max_use;		/* 0 = unlimited */
	unsigned max_idle;		/* seconds */
	unsigned ipc_timeout;		/* seconds */
	unsigned daemon_timeout;	/* seconds */

	/* Postfix services the parent talks to (names under private/) */
	char	*bounce_service_name;
	char	*defer_service_name;
	char	*trace_service_name;
	char	*verify_service_name;
	char	*flush_service_name;
	char	*cleanup_service_name;

	/* Delivery policy handled by the parent */
	int	soft_bounce;
	int	smtputf8_enable;	/* UTF-8 nexthop domains as A-labels */
	char	*notify_classes;
	uint32_t notify_mask;		/* IPC_TC_* named by notify_classes */
	char	*error_notice_recipient;
	char	*double_bounce_sender;
	char	*mail_name;
	char	*best_mx_transport;
	char	*fast_flush_domains;
	int	fast_flush_parent;	/* parent_domain_matches_subdomains has it */
	unsigned delay_logging_resolution_limit;	/* 0..6 digits */
	int	hash_queue_depth;
	char	*hash_queue_names;

	/* smtpjail's own settings */
	char	*sandbox_directory;	/* smtpjail_sandbox_directory */
	char	*sandbox_user;		/* smtpjail_sandbox_user */
	uid_t	sandbox_uid;
	gid_t	sandbox_gid;
	int	seccomp_trap;		/* smtpjail_seccomp_debug = yes: SIGSYS trap, not kill */
	int	child_sharing;		/* smtpjail_child_sharing (parent/child_lend.c) */
	unsigned scache_timeout;	/* connection_cache_protocol_timeout, s */
	unsigned scache_ttl_limit;	/* connection_cache_ttl_limit, s */

	/* resolv.conf "options" (glibc res_init), for the child's channel
	 * (set up before lock-down, so not part of CONFIG). */
	unsigned resolv_timeout;	/* timeout:N, seconds, 1..30 */
	unsigned resolv_attempts;	/* attempts:N, 1..5 */
	int	resolv_rotate;		/* rotate */

	/* smtp_tls_* (parent/cfg_tls.c): the child inherits it with the
	 * fork and builds its TLS context from it before the lock-down. */
	struct sj_tls_config tls;

	/* What the child is told in CONFIG (smtp_* and friends). */
	struct ipc_config child;
	/* dnssec_probe as configured, for the parent's log lines, and as
	 * parent/dnssec_probe.c parsed it (type 0: no probe); the child
	 * inherits it with the fork (not part of CONFIG). */
	char	dnssec_probe[SJ_LIST_MAX + 1];
	unsigned dnssec_probe_type;
	char	dnssec_probe_name[SJ_HOSTNAME_MAX + 1];
	/* smtp_host_lookup = native: child.hosts_count pairs, or NULL */
	struct ipc_hosts *hosts;
	/* smtp_*_checks: child.checks_count rules (parent/checks_load.c) */
	struct ipc_check *checks;

	struct sj_params *params;	/* every name=value, for lookups */

	/* The command line (parent/cfg_cmdline.c). */
	int	opt_debugger;		/* -D or $MAIL_DEBUG */
	char	*cli_flags;		/* smtp(8) flags=DORX letters, "" if none */
	/* Collected while loading (parent/config.c); log_open() logs them. */
	char	**warnings;
	int	nwarnings;
	/* $inet_interfaces alone, for smtp_connect.c's bind rule
	 * (parent/cfg_child.c). */
	char	*inet_addrs;
};

/* 0, or -1 with why[] naming the option/parameter and the reason. */
int	sj_config_load(struct sj_config *, int argc, char **argv,
	    char *why, size_t whysz);
void	sj_config_free(struct sj_config *);
const char *sj_config_param(const struct sj_config *, const char *name);

#endif
