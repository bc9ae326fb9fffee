/*
 * NAME
 *	config 3
 * SUMMARY
 *	the parent's command line and main.cf, as a Postfix daemon reads them
 * DESCRIPTION
 *	sj_config_load() does what Postfix 3.7's single_server skeleton and
 *	smtp(8) do at start (src/master/single_server.c, src/smtp/smtp.c,
 *	src/global/mail_conf.c):
 *
 *	1. $MAIL_VERBOSE is one -v, $MAIL_DEBUG is -D.
 *	2. main.cf is $MAIL_CONFIG/main.cf ($MAIL_CONFIG unset or empty:
 *	   /etc/postfix); it must exist. Its warnings (overriding earlier
 *	   entry, ...) are kept in cfg->warnings for log_open().
 *	3. Options, parsed like getopt("+cdDi:lm:n:o:s:St:uvVz"), set
 *	   parameters after main.cf (parent/cfg_cmdline.c).
 *	4. What follows the options must be smtp(8)'s "flags=DORX"
 *	   (parent/cfg_cmdline.c).
 *	5. -t is required unless -S, --sandbox-check or --config-check;
 *	   it must be unix, inet or pass.
 *	6. service_name is -n, else basename(argv[0]). The log ident is
 *	   "$syslog_name/$process_name" where process_name is
 *	   $smtpjail_process_name (default "smtp"), or basename(argv[0])
 *	   when that is set empty (Postfix's own rule). So a binary named
 *	   smtpjail logs as postfix/smtp, as log tools expect; with
 *	   "-o syslog_name=postfix/$service_name -n relay" it logs as
 *	   postfix/relay/smtp, like Debian's stock relay service. The
 *	   process_name and service_name parameters are forced to these
 *	   values (as Postfix 3.12 does), so $process_name and
 *	   $service_name expand to what is used.
 *	7. myhostname defaults to gethostname(), with ".$mydomain" (or
 *	   ".localdomain") appended when it has no dot; mydomain defaults
 *	   to what follows the first dot of $myhostname.
 *	8. Every parameter smtpjail uses is expanded and converted with
 *	   Postfix's ranges; mail_owner and smtpjail_sandbox_user must be
 *	   known users; the sandbox user must not be root or share the uid
 *	   or gid of mail_owner (nor have gid 0). With the default
 *	   "_smtpjail" unset and unknown, an existing "smtpjail" (the
 *	   default of versions before 0.9.0) is used.
 *	9. The child's CONFIG (struct ipc_config) is filled in
 *	   (parent/cfg_child.c, with parent/cfg_net.c).
 * SECURITY
 *	Parent, as root, before anything else and before any sandbox, so
 *	it may resolve names and enumerate interfaces. main.cf and the
 *	command line are trusted (root-owned Postfix configuration and
 *	master(8)); values are still bounded and checked, and what goes to
 *	the child is limited to printable text within sj_limits.h.
 * SEE ALSO
 *	include/sj_config.h, parent/cfg_params.c, parent/cfg_cmdline.c,
 *	parent/cfg_child.c, parent/cfg_net.c, parent/log_postfix.c
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_child.h"
#include "cfg_cmdline.h"
#include "cfg_params.h"
#include "config.h"
#include "notice.h"
#include "sj_config.h"
#include "sj_version.h"
#include "sj_log.h"
#include "sj_match.h"

#define DEF_CONFIG_DIR		"/etc/postfix"
#define MAIN_CF			"main.cf"
/* Warnings kept for log_open() (the rest are counted, not kept). */
#define CONFIG_WARN_MAX		50
/* A service or process name, as it appears in paths and the ident. */
#define CONFIG_NAME_MAX		100

static void
config_warn(void *ctx, const char *text)
{
	struct sj_config *cfg = ctx;
	char	**nv;

	if (cfg->nwarnings >= CONFIG_WARN_MAX)
		return;
	if ((nv = realloc(cfg->warnings, (size_t)(cfg->nwarnings + 2) *
	    sizeof(*nv))) == NULL)
		return;
	cfg->warnings = nv;
	nv[cfg->nwarnings + 1] = NULL;
	if ((nv[cfg->nwarnings] = strdup(text)) == NULL)
		return;
	nv[++cfg->nwarnings] = NULL;
}

void
config_warnf(struct sj_config *cfg, const char *fmt, ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	config_warn(cfg, text);
}

static const char *
base_name(const char *path)
{
	const char *s;

	if (path == NULL || *path == '\0')
		return ("smtpjail");
	if ((s = strrchr(path, '/')) != NULL && s[1] != '\0')
		return (s + 1);
	return (path);
}

/* A name that goes into a path or the ident: printable, no '/', bounded. */
int
config_safe_name(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > CONFIG_NAME_MAX || strchr(s, '/') != NULL ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return (0);
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return (0);
	return (1);
}

int
config_printable(const char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			return (0);
	return (1);
}

/* Expanded string parameter, copied into *dst. */
static int
get_str(struct sj_config *cfg, const char *name, int nonempty, char **dst,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(cfg->params, name, &v, why, whysz)) < 0)
		return (rc);
	if (nonempty && *v == '\0') {
		snprintf(why, whysz, "parameter %s: value must not be empty",
		    name);
		return (-EINVAL);
	}
	if ((*dst = strdup(v)) == NULL)
		return (NOMEM(why, whysz));
	return (0);
}

int
config_get_time(struct sj_config *cfg, const char *name, long min, long max,
    unsigned *dst, char *why, size_t whysz)
{
	long	v;
	int	rc;

	if ((rc = sj_params_get_time(cfg->params, name, 's', min, max, &v,
	    why, whysz)) < 0)
		return (rc);
	*dst = (unsigned)v;
	return (0);
}

int
config_get_int(struct sj_config *cfg, const char *name, long min, long max,
    long *dst, char *why, size_t whysz)
{
	return (sj_params_get_int(cfg->params, name, min, max, dst, why,
	    whysz));
}

/*
 * Host names, users.
 */

/* Postfix check_myhostname()/check_mydomainname(): no DNS here. */
static int
config_hostnames(struct sj_config *cfg, char *why, size_t whysz)
{
	char	host[SJ_HOSTNAME_MAX + 1], fq[2 * SJ_HOSTNAME_MAX + 2];
	const char *dom, *v, *dot;
	int	rc;

	if (!sj_params_is_set(cfg->params, "myhostname")) {
		if (gethostname(host, sizeof(host)) < 0) {
			snprintf(why, whysz, "gethostname: %s",
			    strerror(errno));
			return (-errno);
		}
		host[sizeof(host) - 1] = '\0';
		if (strchr(host, '.') == NULL) {
			dom = "localdomain";
			if (sj_params_is_set(cfg->params, "mydomain") &&
			    (dom = sj_params_get(cfg->params, "mydomain", why,
			    whysz)) == NULL)
				return (-EINVAL);
			snprintf(fq, sizeof(fq), "%s.%s", host, dom);
		} else
			snprintf(fq, sizeof(fq), "%s", host);
		if (strchr(fq, '$') != NULL || !config_printable(fq)) {
			snprintf(why, whysz, "parameter myhostname: the host "
			    "name \"%.100s\" cannot be used; set myhostname "
			    "in main.cf", fq);
			return (-EINVAL);
		}
		if ((rc = sj_params_set_default(cfg->params, "myhostname",
		    fq)) < 0)
			return (NOMEM(why, whysz));
	}
	if (!sj_params_is_set(cfg->params, "mydomain")) {
		if ((v = sj_params_get(cfg->params, "myhostname", why,
		    whysz)) == NULL)
			return (-EINVAL);
		dot = strchr(v, '.');
		if ((rc = sj_params_set_default(cfg->params, "mydomain",
		    dot && dot[1] && strchr(dot, '$') == NULL ? dot + 1 :
		    "localdomain")) < 0)
			return (NOMEM(why, whysz));
	}
	return (0);
}

static int
config_user(const char *param, const char *user, uid_t *uid, gid_t *gid,
    char *why, size_t whysz)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			snprintf(why, whysz, "parameter %s: look up user "
			    "\"%.100s\": %s", param, user, strerror(errno));
		else
			snprintf(why, whysz, "parameter %s: unknown user: "
			    "\"%.100s\"", param, user);
		return (-ENOENT);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

/*
 * The default sandbox user was "smtpjail" before it became "_smtpjail"
 * (Debian Policy 9.2.1: names of users that packages create start with
 * an underscore). An install made then has only "smtpjail": with the
 * default unchanged and no "_smtpjail", keep using it.
 */
static int
config_legacy_user(struct sj_config *cfg, char *why, size_t whysz)
{
	char   *v;

	if (sj_params_is_set(cfg->params, "smtpjail_sandbox_user") ||
	    strcmp(cfg->sandbox_user, SJ_SANDBOX_USER_DEFAULT) != 0 ||
	    getpwnam(SJ_SANDBOX_USER_DEFAULT) != NULL ||
	    getpwnam(SJ_SANDBOX_USER_LEGACY) == NULL)
		return (0);
	if ((v = strdup(SJ_SANDBOX_USER_LEGACY)) == NULL)
		return (NOMEM(why, whysz));
	free(cfg->sandbox_user);
	cfg->sandbox_user = v;
	return (0);
}

/*
 * A Postfix match list that sj_match(3) evaluates. /file and type:table
 * patterns need tables smtpjail's processes cannot read: they are
 * skipped with a warning. What a malformed pattern (a bad net/prefix)
 * means depends on the list: an error for a host list (Postfix refuses
 * it), a warning for a domain list (it can never match), nothing for a
 * string list (any word is an exact name).
 */
int
config_match_list(struct sj_config *cfg, const char *name, const char *list,
    enum config_bad on_bad, char *why, size_t whysz)
{
	char	bad[SJ_MATCH_WHY_MAX];

	switch (sj_match_list_check(list, bad, sizeof(bad))) {
	case SJ_MATCH_BAD:
		if (on_bad == CONFIG_BAD_NAME)
			break;
		if (on_bad == CONFIG_BAD_ERROR) {
			snprintf(why, whysz, "%s: bad pattern \"%s\" (expected "
			    "a host or domain name, an address or "
			    "net/prefix)", name, bad);
			return (-EINVAL);
		}
		config_warnf(cfg, "%s: entry \"%s\" not supported by "
		    "smtpjail: ignored", name, bad);
		break;
	case SJ_MATCH_UNSUPPORTED:
		config_warnf(cfg, "%s: entry \"%s\": /file and type:table "
		    "patterns are not supported by smtpjail: ignored", name,
		    bad);
		break;
	}
	return (0);
}

/*
 * Everything else the parent reads.
 */

static int
config_parent(struct sj_config *cfg, char *why, size_t whysz)
{
	struct sj_params *p = cfg->params;
	char	**pfx;
	const char *pdms;
	long	n;
	int	rc, npfx, i, ok;

	if ((rc = get_str(cfg, "queue_directory", 1, &cfg->queue_directory,
	    why, whysz)) < 0)
		return (rc);
	if (cfg->queue_directory[0] != '/') {
		snprintf(why, whysz, "parameter queue_directory: not an "
		    "absolute path: \"%.200s\"", cfg->queue_directory);
		return (-EINVAL);
	}
	if ((rc = get_str(cfg, "mail_owner", 1, &cfg->mail_owner, why,
	    whysz)) < 0 ||
	    (rc = config_user("mail_owner", cfg->mail_owner,
	    &cfg->mail_owner_uid, &cfg->mail_owner_gid, why, whysz)) < 0)
		return (rc);
	if (cfg->mail_owner_uid == 0 || cfg->mail_owner_gid == 0) {
		snprintf(why, whysz, "parameter mail_owner: user \"%.100s\" "
		    "has a privileged user or group ID", cfg->mail_owner);
		return (-EPERM);
	}

	/* Logging. */
	if ((rc = get_str(cfg, "syslog_name", 1, &cfg->syslog_name, why,
	    whysz)) < 0 ||
	    (rc = get_str(cfg, "syslog_facility", 1, &cfg->syslog_facility,
	    why, whysz)) < 0 ||
	    (rc = get_str(cfg, "maillog_file", 0, &cfg->maillog_file, why,
	    whysz)) < 0 ||
	    (rc = get_str(cfg, "postlog_service_name", 1,
	    &cfg->postlog_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "myhostname", 1, &cfg->myhostname, why,
	    whysz)) < 0)
		return (rc);
	if (!config_printable(cfg->syslog_name) ||
	    strlen(cfg->syslog_name) > CONFIG_NAME_MAX) {
		snprintf(why, whysz, "parameter syslog_name: bad value: "
		    "\"%.100s\"", cfg->syslog_name);
		return (-EINVAL);
	}
	if (log_facility_code(cfg->syslog_facility) < 0) {
		snprintf(why, whysz, "file %s/%s: parameter syslog_facility: "
		    "unrecognized value: %.50s", cfg->config_dir, MAIN_CF,
		    cfg->syslog_facility);
		return (-EINVAL);
	}
	if (!config_safe_name(cfg->postlog_service_name)) {
		snprintf(why, whysz, "parameter postlog_service_name: bad "
		    "value: \"%.100s\"", cfg->postlog_service_name);
		return (-EINVAL);
	}
	if (*cfg->maillog_file != '\0') {
		if ((rc = sj_params_get_list(p, "maillog_file_prefixes", &pfx,
		    &npfx, why, whysz)) < 0)
			return (rc);
		for (ok = 0, i = 0; i < npfx && !ok; i++)
			ok = strncmp(cfg->maillog_file, pfx[i],
			    strlen(pfx[i])) == 0;
		sj_list_free(pfx, npfx);
		if (!ok) {
			snprintf(why, whysz, "maillog_file value '%.200s' does "
			    "not match any prefix in maillog_file_prefixes",
			    cfg->maillog_file);
			return (-EINVAL);
		}
	}

	/* single_server life cycle (Postfix 3.7 mail_params.c ranges). */
	if ((rc = config_get_int(cfg, "max_use", 1, INT32_MAX, &n, why,
	    whysz)) < 0)
		return (rc);
	cfg->max_use = (unsigned)n;
	if ((rc = config_get_time(cfg, "max_idle", 1, INT32_MAX,
	    &cfg->max_idle, why, whysz)) < 0 ||
	    (rc = config_get_time(cfg, "ipc_timeout", 1, INT32_MAX,
	    &cfg->ipc_timeout, why, whysz)) < 0 ||
	    (rc = config_get_time(cfg, "daemon_timeout", 1, INT32_MAX,
	    &cfg->daemon_timeout, why, whysz)) < 0)
		return (rc);

	/* Services. */
	if ((rc = get_str(cfg, "bounce_service_name", 1,
	    &cfg->bounce_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "defer_service_name", 1,
	    &cfg->defer_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "trace_service_name", 1,
	    &cfg->trace_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "address_verify_service_name", 1,
	    &cfg->verify_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "flush_service_name", 1,
	    &cfg->flush_service_name, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "cleanup_service_name", 1,
	    &cfg->cleanup_service_name, why, whysz)) < 0)
		return (rc);
	{
		static const char *svc[] = {"bounce_service_name",
		    "defer_service_name", "trace_service_name",
		    "address_verify_service_name", "flush_service_name",
		    "cleanup_service_name"};
		char	*vals[6];

		vals[0] = cfg->bounce_service_name;
		vals[1] = cfg->defer_service_name;
		vals[2] = cfg->trace_service_name;
		vals[3] = cfg->verify_service_name;
		vals[4] = cfg->flush_service_name;
		vals[5] = cfg->cleanup_service_name;
		for (i = 0; i < 6; i++) {
			if (!config_safe_name(vals[i])) {
				snprintf(why, whysz, "parameter %s: bad "
				    "service name: \"%.100s\"", svc[i],
				    vals[i]);
				return (-EINVAL);
			}
		}
	}

	/* Delivery policy. */
	if ((rc = sj_params_get_bool(p, "soft_bounce", &cfg->soft_bounce, why,
	    whysz)) < 0 ||
	    (rc = sj_params_get_bool(p, "smtputf8_enable",
	    &cfg->smtputf8_enable, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "notify_classes", 0, &cfg->notify_classes, why,
	    whysz)) < 0 ||
	    (rc = get_str(cfg, "error_notice_recipient", 1,
	    &cfg->error_notice_recipient, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "double_bounce_sender", 1,
	    &cfg->double_bounce_sender, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "mail_name", 1, &cfg->mail_name, why,
	    whysz)) < 0 ||
	    (rc = get_str(cfg, "best_mx_transport", 0,
	    &cfg->best_mx_transport, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "fast_flush_domains", 0,
	    &cfg->fast_flush_domains, why, whysz)) < 0 ||
	    (rc = get_str(cfg, "hash_queue_names", 0, &cfg->hash_queue_names,
	    why, whysz)) < 0)
		return (rc);
	/* fast_flush_domains (parent/deliver_outcome.c), checked once: /file
	 * and type:table entries are skipped by sj_match. */
	if ((rc = config_match_list(cfg, "fast_flush_domains",
	    cfg->fast_flush_domains, CONFIG_BAD_WARN, why, whysz)) < 0 ||
	    (rc = sj_params_get_str(p, "parent_domain_matches_subdomains",
	    &pdms, why, whysz)) < 0)
		return (rc);
	cfg->fast_flush_parent = sj_match_list_has(pdms, "fast_flush_domains");
	/* Postfix name_mask(): an unknown class is a configuration error. */
	if ((rc = notice_classes(cfg->notify_classes, &cfg->notify_mask, why,
	    whysz)) < 0)
		return (rc);
	if ((rc = config_get_int(cfg, "delay_logging_resolution_limit", 0, 6,
	    &n, why, whysz)) < 0)
		return (rc);
	cfg->delay_logging_resolution_limit = (unsigned)n;
	/* Postfix: min 1; more than a few levels makes no sense. */
	if ((rc = config_get_int(cfg, "hash_queue_depth", 1, 16, &n, why,
	    whysz)) < 0)
		return (rc);
	cfg->hash_queue_depth = (int)n;

	/* smtpjail's own. */
	if ((rc = get_str(cfg, "smtpjail_sandbox_directory", 1,
	    &cfg->sandbox_directory, why, whysz)) < 0)
		return (rc);
	if (cfg->sandbox_directory[0] != '/') {
		snprintf(why, whysz, "parameter smtpjail_sandbox_directory: "
		    "not an absolute path: \"%.200s\"",
		    cfg->sandbox_directory);
		return (-EINVAL);
	}
	if ((rc = get_str(cfg, "smtpjail_sandbox_user", 1,
	    &cfg->sandbox_user, why, whysz)) < 0 ||
	    (rc = config_legacy_user(cfg, why, whysz)) < 0 ||
	    (rc = config_user("smtpjail_sandbox_user", cfg->sandbox_user,
	    &cfg->sandbox_uid, &cfg->sandbox_gid, why, whysz)) < 0)
		return (rc);
	if (cfg->sandbox_uid == 0 || cfg->sandbox_gid == 0) {
		snprintf(why, whysz, "parameter smtpjail_sandbox_user: user "
		    "\"%.100s\" has a privileged user or group ID; the "
		    "sandbox needs a dedicated unprivileged user",
		    cfg->sandbox_user);
		return (-EPERM);
	}
	if (cfg->sandbox_uid == cfg->mail_owner_uid ||
	    cfg->sandbox_gid == cfg->mail_owner_gid) {
		snprintf(why, whysz, "parameter smtpjail_sandbox_user: user "
		    "\"%.100s\" shares the user or group ID of mail_owner "
		    "\"%.100s\"; the sandbox needs a dedicated user",
		    cfg->sandbox_user, cfg->mail_owner);
		return (-EPERM);
	}
	if ((rc = sj_params_get_bool(p, "smtpjail_seccomp_debug",
	    &cfg->seccomp_trap, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_params_get_bool(p, "smtpjail_child_sharing",
	    &cfg->child_sharing, why, whysz)) < 0)
		return (rc);
	if ((rc = config_get_time(cfg, "connection_cache_protocol_timeout",
	    1, INT32_MAX, &cfg->scache_timeout, why, whysz)) < 0 ||
	    (rc = config_get_time(cfg, "connection_cache_ttl_limit", 1,
	    INT32_MAX, &cfg->scache_ttl_limit, why, whysz)) < 0)
		return (rc);
	return (0);
}

/* The ident rule (see DESCRIPTION, item 6). */
static int
config_names(struct sj_config *cfg, const char *progname, char *why,
    size_t whysz)
{
	const char *v;
	int	rc;

	if (cfg->service_name == NULL &&
	    (cfg->service_name = strdup(progname)) == NULL)
		return (NOMEM(why, whysz));
	if ((rc = sj_params_set(cfg->params, "service_name",
	    cfg->service_name)) < 0)
		return (NOMEM(why, whysz));
	if ((rc = sj_params_get_str(cfg->params, "smtpjail_process_name", &v,
	    why, whysz)) < 0)
		return (rc);
	if (*v == '\0')
		v = progname;
	if (!config_safe_name(v)) {
		snprintf(why, whysz, "parameter smtpjail_process_name: bad "
		    "value: \"%.100s\" (a name without '/' or blanks)", v);
		return (-EINVAL);
	}
	if ((cfg->process_name = strdup(v)) == NULL ||
	    sj_params_set(cfg->params, "process_name",
	    cfg->process_name) < 0)
		return (NOMEM(why, whysz));
	return (0);
}

static int
config_load(struct sj_config *cfg, int argc, char **argv, char *why,
    size_t whysz)
{
	const char *progname = base_name(argc > 0 ? argv[0] : NULL);
	const char *env;
	char	path[4096];
	int	next, rc;

	cfg->socket_count = 1;
	if (getenv("MAIL_VERBOSE") != NULL)
		cfg->opt_verbose = 1;
	if (getenv("MAIL_DEBUG") != NULL)
		cfg->opt_debugger = 1;
	if ((env = getenv("MAIL_CONFIG")) == NULL || *env == '\0')
		env = DEF_CONFIG_DIR;
	if ((cfg->config_dir = strdup(env)) == NULL ||
	    (cfg->params = sj_params_new()) == NULL ||
	    sj_params_set(cfg->params, "config_directory", env) < 0)
		return (NOMEM(why, whysz));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", env, MAIN_CF) >=
	    sizeof(path)) {
		snprintf(why, whysz, "MAIL_CONFIG: path too long");
		return (-ENAMETOOLONG);
	}
	if ((rc = sj_params_load_file(cfg->params, path, config_warn, cfg,
	    why, whysz)) < 0)
		return (rc);

	if ((rc = cfg_cmdline_options(cfg, argc, argv, &next, why,
	    whysz)) < 0 ||
	    (rc = cfg_cmdline_attrs(cfg, argc, argv, next, why, whysz)) < 0)
		return (rc);
	if (cfg->transport_type == NULL && !cfg->opt_standalone &&
	    !cfg->opt_sandbox_check && !cfg->opt_config_check) {
		snprintf(why, whysz, "no transport type specified (-t unix, "
		    "as master(8) passes it)");
		return (-EINVAL);
	}
	if ((rc = config_names(cfg, progname, why, whysz)) < 0 ||
	    (rc = config_hostnames(cfg, why, whysz)) < 0 ||
	    (rc = config_parent(cfg, why, whysz)) < 0 ||
	    (rc = cfg_child(cfg, why, whysz)) < 0 ||
	    (rc = sj_tls_config_load(&cfg->tls, cfg->params, why, whysz)) < 0)
		return (rc);
	/* OpenSSL's options and groups, when there is a context (Postfix
	 * tls_client_init() reads them only then); its warnings are
	 * logged with the others once logging is up. */
	if (cfg->tls.enabled && (rc = sj_tls_options_load(&cfg->tls,
	    cfg->params, config_warn, cfg, why, whysz)) < 0)
		return (rc);
	return (0);
}

int
sj_config_load(struct sj_config *cfg, int argc, char **argv, char *why,
    size_t whysz)
{
	if (whysz)
		why[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	if (config_load(cfg, argc, argv, why, whysz) < 0) {
		if (whysz && why[0] == '\0')
			snprintf(why, whysz, "configuration error");
		sj_config_free(cfg);
		return (-1);
	}
	return (0);
}

void
sj_config_free(struct sj_config *cfg)
{
	char	**strs[] = {
		&cfg->service_name, &cfg->transport_type, &cfg->config_dir,
		&cfg->queue_directory, &cfg->mail_owner, &cfg->syslog_name,
		&cfg->syslog_facility, &cfg->maillog_file,
		&cfg->postlog_service_name, &cfg->process_name,
		&cfg->myhostname, &cfg->bounce_service_name,
		&cfg->defer_service_name, &cfg->trace_service_name,
		&cfg->verify_service_name, &cfg->flush_service_name,
		&cfg->cleanup_service_name, &cfg->notify_classes,
		&cfg->error_notice_recipient, &cfg->double_bounce_sender,
		&cfg->mail_name, &cfg->best_mx_transport,
		&cfg->fast_flush_domains, &cfg->hash_queue_names,
		&cfg->sandbox_directory, &cfg->sandbox_user, &cfg->cli_flags,
		&cfg->inet_addrs,
	};
	size_t	i;
	int	j;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	if (cfg->args != NULL)
		for (j = 0; cfg->args[j] != NULL; j++)
			free(cfg->args[j]);
	free(cfg->args);
	free(cfg->hosts);
	free(cfg->checks);
	for (j = 0; j < cfg->nwarnings; j++)
		free(cfg->warnings[j]);
	free(cfg->warnings);
	sj_params_free(cfg->params);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
sj_config_param(const struct sj_config *cfg, const char *name)
{
	char	why[256];

	if (cfg == NULL || cfg->params == NULL)
		return (NULL);
	return (sj_params_get(cfg->params, name, why, sizeof(why)));
}

