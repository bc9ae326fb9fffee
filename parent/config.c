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
 *	3. Options, parsed like getopt("+cdDi:lm:n:o:s:St:uvVz"): they end
 *	   at the first argument that is not an option, or at "--". The
 *	   long options --sandbox-check and --config-check may appear
 *	   anywhere among them.
 *	   -o name=value, -i (max_idle) and -m (max_use) set parameters in
 *	   command-line order, after main.cf. An unknown option is
 *	   "invalid option: -X"; a malformed value names the option.
 *	4. What follows the options must be smtp(8)'s "flags=DORX"
 *	   (case-insensitive name; the last one wins); anything else is
 *	   "unknown attribute name: ARG", as smtp(8) says.
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
 *	9. The child's CONFIG (struct ipc_config) is filled in: flags from
 *	   the smtp_* booleans and inet_protocols, timeouts in seconds,
 *	   smtp_tcp_port as a number (known_tcp_ports, then services),
 *	   local_addrs from inet_interfaces and proxy_interfaces ("all"
 *	   and "loopback-only" by getifaddrs(), names by getaddrinfo()),
 *	   dns_servers from the "nameserver" lines of
 *	   $smtpjail_resolv_conf (when it is not set and the process is
 *	   chrooted with -c: $queue_directory/etc/resolv.conf, the file
 *	   stock smtp(8)'s resolver reads there) as glibc reads them
 *	   (first 3; none: the
 *	   glibc default 127.0.0.1). Its "options" lines give timeout:N
 *	   (glibc default 5, at most 30, 0 acts as 1), attempts:N (default
 *	   2, at most 5; 0, which would make glibc give up at once, acts as
 *	   1) and rotate, kept in sj_config for the child's resolver; other
 *	   options do not apply (no search, no hosts file).
 * SECURITY
 *	Parent, as root, before anything else and before any sandbox, so
 *	it may resolve names and enumerate interfaces. main.cf and the
 *	command line are trusted (root-owned Postfix configuration and
 *	master(8)); values are still bounded and checked, and what goes to
 *	the child is limited to printable text within sj_limits.h.
 * SEE ALSO
 *	include/sj_config.h, parent/cfg_params.c, parent/cfg_net.c,
 *	parent/log_postfix.c
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_net.h"
#include "cfg_params.h"
#include "dnssec_probe.h"
#include "hosts_file.h"
#include "notice.h"
#include "generic_map.h"
#include "sasl.h"
#include "sj_config.h"
#include "sj_version.h"
#include "sj_log.h"
#include "sj_match.h"

#define DEF_CONFIG_DIR		"/etc/postfix"
#define MAIN_CF			"main.cf"
/* Warnings kept for log_open() (the rest are counted, not kept). */
#define CONFIG_WARN_MAX		50
/* -s: listen sockets (master_svc.c has the real limit). */
#define CONFIG_SOCKETS_MAX	1024
/* A service or process name, as it appears in paths and the ident. */
#define CONFIG_NAME_MAX		100

/* Allocation failure while the rest of the work is done. */
#define NOMEM(why, whysz)	(snprintf((why), (whysz), "out of memory"), \
				    -ENOMEM)

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
static int
safe_name(const char *s)
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

static int
printable_str(const char *s)
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

static int
get_time(struct sj_config *cfg, const char *name, long min, long max,
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

static int
get_time32(struct sj_config *cfg, const char *name, long min,
    uint32_t *dst, char *why, size_t whysz)
{
	unsigned v;
	int	rc;

	if ((rc = get_time(cfg, name, min, INT32_MAX, &v, why, whysz)) < 0)
		return (rc);
	*dst = v;
	return (0);
}

static int
get_int(struct sj_config *cfg, const char *name, long min, long max,
    long *dst, char *why, size_t whysz)
{
	return (sj_params_get_int(cfg->params, name, min, max, dst, why,
	    whysz));
}

static int
set_flag(struct sj_config *cfg, const char *name, uint32_t bit, char *why,
    size_t whysz)
{
	int	v, rc;

	if ((rc = sj_params_get_bool(cfg->params, name, &v, why, whysz)) < 0)
		return (rc);
	if (v)
		cfg->child.flags |= bit;
	return (0);
}

/* Bounded copy into a fixed ipc_config field; must be printable. */
static int
copy_field(char *dst, size_t dstsz, const char *name, const char *v,
    char *why, size_t whysz)
{
	if (strlen(v) >= dstsz) {
		snprintf(why, whysz, "parameter %s: value longer than %zu "
		    "bytes", name, dstsz - 1);
		return (-E2BIG);
	}
	if (!printable_str(v)) {
		snprintf(why, whysz, "parameter %s: non-printable character "
		    "in value", name);
		return (-EINVAL);
	}
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

static int
copy_param(struct sj_config *cfg, const char *name, char *dst, size_t dstsz,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(cfg->params, name, &v, why, whysz)) < 0)
		return (rc);
	return (copy_field(dst, dstsz, name, v, why, whysz));
}

/*
 * Command line.
 */

static int
opt_value_int(char opt, const char *arg, long min, long max, long *out,
    char *why, size_t whysz)
{
	char	*end;
	long	v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno == ERANGE || v < min ||
	    v > max) {
		snprintf(why, whysz, "invalid -%c value: \"%.100s\" (expected "
		    "a number from %ld to %ld)", opt, arg, min, max);
		return (-EINVAL);
	}
	*out = v;
	return (0);
}

static int
config_option(struct sj_config *cfg, char c, const char *arg, char *why,
    size_t whysz)
{
	long	v;
	int	rc;

	switch (c) {
	case 'c':
		cfg->opt_chroot = 1;
		break;
	case 'd':
		cfg->opt_debug = 1;
		break;
	case 'D':
		cfg->opt_debugger = 1;
		break;
	case 'l':
		cfg->opt_solitary = 1;
		break;
	case 'S':
		cfg->opt_standalone = 1;
		break;
	case 'u':
		cfg->opt_unpriv = 1;
		break;
	case 'v':
		cfg->opt_verbose++;
		break;
	case 'V':
		cfg->opt_stderr = 1;
		break;
	case 'z':
		cfg->opt_unlimited = 1;
		break;
	case 'i':
		if (sj_conv_time(arg, 's', &v) < 0 || v < 1) {
			snprintf(why, whysz, "invalid -i value: \"%.100s\" "
			    "(expected a time such as 100s, at least 1s)",
			    arg);
			return (-EINVAL);
		}
		if ((rc = sj_params_set(cfg->params, "max_idle", arg)) < 0)
			return (NOMEM(why, whysz));
		break;
	case 'm':
		if ((rc = opt_value_int('m', arg, 1, INT32_MAX, &v, why,
		    whysz)) < 0)
			return (rc);
		if ((rc = sj_params_set(cfg->params, "max_use", arg)) < 0)
			return (NOMEM(why, whysz));
		break;
	case 'n':
		if (!safe_name(arg)) {
			snprintf(why, whysz, "invalid -n value: \"%.100s\" "
			    "(expected a master.cf service name)", arg);
			return (-EINVAL);
		}
		free(cfg->service_name);
		if ((cfg->service_name = strdup(arg)) == NULL)
			return (NOMEM(why, whysz));
		break;
	case 'o':
		if ((rc = sj_params_override(cfg->params, arg, why,
		    whysz)) < 0)
			return (rc);
		break;
	case 's':
		if ((rc = opt_value_int('s', arg, 1, CONFIG_SOCKETS_MAX, &v,
		    why, whysz)) < 0)
			return (rc);
		cfg->socket_count = (int)v;
		break;
	case 't':
		if (strcasecmp(arg, "unix") != 0 &&
		    strcasecmp(arg, "inet") != 0 &&
		    strcasecmp(arg, "pass") != 0) {
			snprintf(why, whysz, "invalid -t value: unsupported "
			    "transport type: \"%.100s\" (expected unix, inet "
			    "or pass)", arg);
			return (-EINVAL);
		}
		free(cfg->transport_type);
		if ((cfg->transport_type = strdup(arg)) == NULL)
			return (NOMEM(why, whysz));
		break;
	default:
		snprintf(why, whysz, "invalid option: -%c", c);
		return (-EINVAL);
	}
	return (0);
}

/* getopt("+cdDi:lm:n:o:s:St:uvVz") plus --sandbox-check and --config-check;
 * *next = optind. */
static int
config_options(struct sj_config *cfg, int argc, char **argv, int *next,
    char *why, size_t whysz)
{
	static const char flags[] = "cdDlSuvVz";
	static const char with_arg[] = "imnost";
	const char *a, *arg;
	int	i, j, rc;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--sandbox-check") == 0) {
			cfg->opt_sandbox_check = 1;
			continue;
		}
		if (strcmp(a, "--config-check") == 0) {
			cfg->opt_config_check = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {
			snprintf(why, whysz, "invalid option: %.100s", a);
			return (-EINVAL);
		}
		for (j = 1; a[j] != '\0'; j++) {
			if (strchr(flags, a[j]) != NULL) {
				if ((rc = config_option(cfg, a[j], NULL, why,
				    whysz)) < 0)
					return (rc);
				continue;
			}
			if (strchr(with_arg, a[j]) == NULL) {
				if (isprint((unsigned char)a[j]))
					snprintf(why, whysz, "invalid option: "
					    "-%c", a[j]);
				else
					snprintf(why, whysz, "invalid option: "
					    "-\\%03o", (unsigned char)a[j]);
				return (-EINVAL);
			}
			if (a[j + 1] != '\0')
				arg = a + j + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else {
				snprintf(why, whysz, "option requires an "
				    "argument: -%c", a[j]);
				return (-EINVAL);
			}
			if ((rc = config_option(cfg, a[j], arg, why,
			    whysz)) < 0)
				return (rc);
			break;
		}
	}
	*next = i;
	return (0);
}

/* smtp(8) get_cli_attr(): only flags=DORX. */
static int
config_cli_attrs(struct sj_config *cfg, int argc, char **argv, int first,
    char *why, size_t whysz)
{
	const char *a, *f;
	int	i, n = 0;

	if ((cfg->args = calloc((size_t)(argc - first) + 1,
	    sizeof(*cfg->args))) == NULL)
		return (NOMEM(why, whysz));
	for (i = first; i < argc; i++) {
		a = argv[i];
		if (strncasecmp(a, "flags=", 6) != 0) {
			snprintf(why, whysz, "unknown attribute name: %.100s "
			    "(smtp(8) accepts only flags=DORX)", a);
			return (-EINVAL);
		}
		for (f = a + 6; *f; f++) {
			if (strchr("DORX", *f) == NULL) {
				snprintf(why, whysz, "invalid flag '%c' in "
				    "\"%.100s\" (expected D, O, R or X)",
				    isprint((unsigned char)*f) ? *f : '?', a);
				return (-EINVAL);
			}
		}
		free(cfg->cli_flags);
		if ((cfg->cli_flags = strdup(a + 6)) == NULL ||
		    (cfg->args[n] = strdup(a)) == NULL)
			return (NOMEM(why, whysz));
		cfg->nargs = ++n;
	}
	if (cfg->cli_flags == NULL && (cfg->cli_flags = strdup("")) == NULL)
		return (NOMEM(why, whysz));
	return (0);
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
		if (strchr(fq, '$') != NULL || !printable_str(fq)) {
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
 * Network: ports, protocols, interfaces, resolvers.
 */

/* smtp_tcp_port: a number, a known_tcp_ports name, or a service. */
static int
config_port(struct sj_config *cfg, char *why, size_t whysz)
{
	const char *port;
	char	**list = NULL, *e, *names, *tok, *save, *end;
	struct servent *se;
	long	v = -1;
	int	n, i, rc;

	if ((rc = sj_params_get_str(cfg->params, "smtp_tcp_port", &port, why,
	    whysz)) < 0)
		return (rc);
	if (*port != '\0' && strspn(port, "0123456789") == strlen(port)) {
		errno = 0;
		v = strtol(port, &end, 10);
		if (errno != 0 || v < 1 || v > 65535) {
			snprintf(why, whysz, "parameter smtp_tcp_port: invalid "
			    "port number: %.20s", port);
			return (-EINVAL);
		}
		cfg->child.default_port = (uint32_t)v;
		return (0);
	}
	if ((rc = sj_params_get_list(cfg->params, "known_tcp_ports", &list,
	    &n, why, whysz)) < 0)
		return (rc);
	/* Elements "name=name=...=number". */
	for (i = 0; i < n && v < 0; i++) {
		if ((e = strrchr(list[i], '=')) == NULL)
			continue;
		*e++ = '\0';
		names = list[i];
		for (tok = strtok_r(names, "=", &save); tok != NULL;
		    tok = strtok_r(NULL, "=", &save)) {
			if (strcmp(tok, port) != 0)
				continue;
			errno = 0;
			v = strtol(e, &end, 10);
			if (*e == '\0' || *end != '\0' || errno != 0 ||
			    v < 1 || v > 65535) {
				snprintf(why, whysz, "parameter "
				    "known_tcp_ports: bad port for %.50s: "
				    "%.20s", port, e);
				sj_list_free(list, n);
				return (-EINVAL);
			}
			break;
		}
	}
	sj_list_free(list, n);
	if (v < 0 && *port != '\0' && (se = getservbyname(port, "tcp")) != NULL)
		v = ntohs((uint16_t)se->s_port);
	if (v < 1 || v > 65535) {
		snprintf(why, whysz, "parameter smtp_tcp_port: unknown "
		    "service: \"%.50s\" (not in known_tcp_ports or the "
		    "services database)", port);
		return (-EINVAL);
	}
	cfg->child.default_port = (uint32_t)v;
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
enum config_bad {
	CONFIG_BAD_ERROR,
	CONFIG_BAD_WARN,
	CONFIG_BAD_NAME,
};

static int
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
 * debug_peer_list and debug_peer_level (Postfix debug_peer(3)): the
 * child matches each SMTP peer against the list and logs that
 * session's chat. Postfix refuses a level below 1 and a list it cannot
 * parse; /file and type:table patterns, which would need files the
 * child cannot open, are skipped with a warning.
 */
static int
config_debug_peer(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v;
	long	n;
	int	rc;

	if ((rc = get_int(cfg, "debug_peer_level", 1, INT32_MAX, &n, why,
	    whysz)) < 0 ||
	    (rc = copy_param(cfg, "debug_peer_list", c->debug_peer_list,
	    sizeof(c->debug_peer_list), why, whysz)) < 0 ||
	    (rc = config_match_list(cfg, "debug_peer_list",
	    c->debug_peer_list, CONFIG_BAD_ERROR, why, whysz)) < 0 ||
	    (rc = sj_params_get_str(cfg->params,
	    "parent_domain_matches_subdomains", &v, why, whysz)) < 0)
		return (rc);
	if (sj_match_list_has(v, "debug_peer_list"))
		c->flags |= IPC_CF_DEBUG_PEER_PARENT;
	return (0);
}

/*
 * Connection reuse (Postfix smtp_connection_cache_*, 3.7 defaults and
 * minimums: cache time and reuse time at least 1s, count 0 = no limit).
 * The child keeps the idle sessions itself (child/conn_cache.c), so
 * there is no scache service to name. The destination list is a
 * Postfix string_list: exact, case-insensitive names; /file and
 * type:table entries need tables the child cannot read.
 */
static int
config_conn_cache(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	long	n;
	int	rc;

	if ((rc = set_flag(cfg, "smtp_connection_cache_on_demand",
	    IPC_CF_CACHE_ON_DEMAND, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_connection_cache_time_limit", 1,
	    &c->cache_time_limit, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_connection_reuse_time_limit", 1,
	    &c->reuse_time_limit, why, whysz)) < 0 ||
	    (rc = get_int(cfg, "smtp_connection_reuse_count_limit", 0,
	    INT32_MAX, &n, why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "smtp_connection_cache_destinations",
	    c->cache_destinations, sizeof(c->cache_destinations), why,
	    whysz)) < 0)
		return (rc);
	c->reuse_count_limit = (uint32_t)n;
	return (config_match_list(cfg, "smtp_connection_cache_destinations",
	    c->cache_destinations, CONFIG_BAD_NAME, why, whysz));
}

/*
 * smtp_host_lookup (Postfix smtp.c: a name_mask of "dns" and "native";
 * DNS disabled means native alone). With native, the hosts file that
 * stock smtp(8)'s getaddrinfo() would read: $queue_directory/etc/hosts
 * when chrooted (-c), else /etc/hosts.
 */
static int
config_host_lookup(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v, *cp;
	char	path[4096];
	size_t	len;
	int	rc;

	if ((rc = sj_params_get_str(cfg->params, "smtp_host_lookup", &v, why,
	    whysz)) < 0)
		return (rc);
	for (cp = v; *(cp += strspn(cp, ", \t\r\n")) != '\0'; cp += len) {
		len = strcspn(cp, ", \t\r\n");
		if (len == 3 && strncmp(cp, "dns", 3) == 0)
			c->flags |= IPC_CF_HOST_DNS;
		else if (len == 6 && strncmp(cp, "native", 6) == 0)
			c->flags |= IPC_CF_HOST_NATIVE;
		else {
			snprintf(why, whysz, "unknown smtp_host_lookup value "
			    "\"%.*s\" in \"%.100s\"",
			    (int)(len > 64 ? 64 : len), cp, v);
			return (-EINVAL);
		}
	}
	if ((c->flags & (IPC_CF_HOST_DNS | IPC_CF_HOST_NATIVE)) == 0) {
		snprintf(why, whysz, "smtp_host_lookup: no lookup method "
		    "(expected dns, native or both)");
		return (-EINVAL);
	}
	if ((c->flags & (IPC_CF_HOST_NATIVE | IPC_CF_DISABLE_DNS)) == 0)
		return (0);
	if (cfg->opt_chroot)
		snprintf(path, sizeof(path), "%s/etc/hosts",
		    cfg->queue_directory);
	else
		snprintf(path, sizeof(path), "/etc/hosts");
	return (hosts_file_read(path, &cfg->hosts, &c->hosts_count, why,
	    whysz));
}

/* The MIME parser's limits, Postfix 3.7 mail_params.c minimums. */
static int
config_mime(struct sj_config *cfg, char *why, size_t whysz)
{
	static const struct {
		const char *name;
		long	min;
		size_t	off;
	} t[] = {
		{ "header_size_limit", 1,
		    offsetof(struct ipc_config, header_size_limit) },
		{ "mime_nesting_limit", 1,
		    offsetof(struct ipc_config, mime_nesting_limit) },
		{ "mime_boundary_length_limit", 1,
		    offsetof(struct ipc_config, mime_boundary_length_limit) },
		{ "line_length_limit", 512,
		    offsetof(struct ipc_config, queue_line_length_limit) },
	};
	size_t	i;
	long	n;
	int	rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((rc = get_int(cfg, t[i].name, t[i].min, INT32_MAX, &n, why,
		    whysz)) < 0)
			return (rc);
		*(uint32_t *)((char *)&cfg->child + t[i].off) = (uint32_t)n;
	}
	return (0);
}

static int
config_child(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v;
	long	n;
	int	rc, off;

	memset(c, 0, sizeof(*c));
	if ((rc = set_flag(cfg, "smtp_skip_5xx_greeting",
	    IPC_CF_SKIP_5XX_GREETING, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_skip_quit_response",
	    IPC_CF_SKIP_QUIT_RESPONSE, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "ignore_mx_lookup_error",
	    IPC_CF_IGNORE_MX_ERROR, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_never_send_ehlo", IPC_CF_NEVER_EHLO,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_randomize_addresses", IPC_CF_RANDOMIZE,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_defer_if_no_mx_address_found",
	    IPC_CF_DEFER_NO_MX_ADDR, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtpjail_use_chunking", IPC_CF_USE_CHUNKING,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "disable_mime_output_conversion",
	    IPC_CF_NO_MIME_OCONV, why, whysz)) < 0)
		return (rc);
	if (cfg->soft_bounce)
		c->flags |= IPC_CF_SOFT_BOUNCE;

	/* smtp_dns_support_level, else the legacy disable_dns_lookups. */
	if ((rc = sj_params_get_str(cfg->params, "smtp_dns_support_level",
	    &v, why, whysz)) < 0)
		return (rc);
	if (*v == '\0') {
		if ((rc = sj_params_get_bool(cfg->params,
		    "disable_dns_lookups", &off, why, whysz)) < 0)
			return (rc);
		if (off)
			c->flags |= IPC_CF_DISABLE_DNS;
	} else if (strcmp(v, "disabled") == 0) {
		c->flags |= IPC_CF_DISABLE_DNS;
	} else if (strcmp(v, "dnssec") == 0) {
		c->flags |= IPC_CF_DNSSEC;
		/* Postfix 3.7 dns_sec.c: looked up at the first DNSSEC
		 * lookup whose answer is not validated (child). */
		if ((rc = sj_params_get_str(cfg->params, "dnssec_probe", &v,
		    why, whysz)) < 0)
			return (rc);
		if ((rc = dnssec_probe_parse(v, &cfg->dnssec_probe_type,
		    cfg->dnssec_probe_name, sizeof(cfg->dnssec_probe_name),
		    why, whysz)) < 0)
			return (rc);
		snprintf(cfg->dnssec_probe, sizeof(cfg->dnssec_probe), "%s",
		    v);
	} else if (strcmp(v, "enabled") != 0) {
		snprintf(why, whysz, "invalid smtp_dns_support_level: "
		    "\"%.50s\" (expected disabled, enabled or dnssec)", v);
		return (-EINVAL);
	}

	if ((rc = cfg_net_protocols(cfg, why, whysz)) < 0 ||
	    (rc = config_host_lookup(cfg, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_params_get_str(cfg->params, "smtp_address_preference",
	    &v, why, whysz)) < 0)
		return (rc);
	if (strcasecmp(v, "any") == 0)
		c->addr_pref = IPC_PREF_ANY;
	else if (strcasecmp(v, "ipv4") == 0)
		c->addr_pref = IPC_PREF_IPV4;
	else if (strcasecmp(v, "ipv6") == 0)
		c->addr_pref = IPC_PREF_IPV6;
	else {
		snprintf(why, whysz, "bad smtp_address_preference value: "
		    "\"%.50s\" (expected any, ipv4 or ipv6)", v);
		return (-EINVAL);
	}

	/* smtp(8) 3.7 time table: connect min 0, the others min 1. */
	if ((rc = get_time32(cfg, "smtp_connect_timeout", 0,
	    &c->connect_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_helo_timeout", 1, &c->helo_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_mail_timeout", 1, &c->mail_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_rcpt_timeout", 1, &c->rcpt_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_init_timeout", 1,
	    &c->data_init_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_xfer_timeout", 1,
	    &c->data_xfer_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_done_timeout", 1,
	    &c->data_done_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_quit_timeout", 1, &c->quit_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_rset_timeout", 1, &c->rset_timeout,
	    why, whysz)) < 0)
		return (rc);
	if ((rc = get_int(cfg, "smtp_mx_address_limit", 0, INT32_MAX, &n, why,
	    whysz)) < 0)
		return (rc);
	c->mx_address_limit = (uint32_t)n;
	if ((rc = get_int(cfg, "smtp_mx_session_limit", 0, INT32_MAX, &n, why,
	    whysz)) < 0)
		return (rc);
	c->mx_session_limit = (uint32_t)n;
	if ((rc = get_int(cfg, "smtp_line_length_limit", 0, INT32_MAX, &n, why,
	    whysz)) < 0)
		return (rc);
	c->line_length_limit = (uint32_t)n;
	if ((rc = config_mime(cfg, why, whysz)) < 0 ||
	    (rc = config_port(cfg, why, whysz)) < 0)
		return (rc);

	if ((rc = sj_params_get_str(cfg->params, "smtp_helo_name", &v, why,
	    whysz)) < 0)
		return (rc);
	if (*v == '\0') {
		snprintf(why, whysz, "parameter smtp_helo_name: value must "
		    "not be empty");
		return (-EINVAL);
	}
	if ((rc = copy_field(c->helo_name, sizeof(c->helo_name),
	    "smtp_helo_name", v, why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "relayhost", c->relayhost,
	    sizeof(c->relayhost), why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "smtp_fallback_relay", c->fallback_relay,
	    sizeof(c->fallback_relay), why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "myhostname", c->myhostname,
	    sizeof(c->myhostname), why, whysz)) < 0)
		return (rc);

	c->local_addrs[0] = '\0';
	if ((rc = cfg_net_interfaces(cfg, "inet_interfaces", 1, why,
	    whysz)) < 0)
		return (rc);
	/* The egress broker binds like smtp_connect.c: inet_interfaces only. */
	free(cfg->inet_addrs);
	if ((cfg->inet_addrs = strdup(c->local_addrs)) == NULL) {
		snprintf(why, whysz, "strdup: %s", strerror(errno));
		return (-ENOMEM);
	}
	if ((rc = cfg_net_interfaces(cfg, "proxy_interfaces", 0, why,
	    whysz)) < 0 ||
	    (rc = config_debug_peer(cfg, why, whysz)) < 0 ||
	    (rc = config_conn_cache(cfg, why, whysz)) < 0 ||
	    (rc = sasl_config(cfg, why, whysz)) < 0 ||
	    (rc = generic_map_config(cfg, why, whysz)) < 0)
		return (rc);
	return (cfg_net_resolv(cfg, why, whysz));
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
	if (!printable_str(cfg->syslog_name) ||
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
	if (!safe_name(cfg->postlog_service_name)) {
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
	if ((rc = get_int(cfg, "max_use", 1, INT32_MAX, &n, why, whysz)) < 0)
		return (rc);
	cfg->max_use = (unsigned)n;
	if ((rc = get_time(cfg, "max_idle", 1, INT32_MAX, &cfg->max_idle,
	    why, whysz)) < 0 ||
	    (rc = get_time(cfg, "ipc_timeout", 1, INT32_MAX,
	    &cfg->ipc_timeout, why, whysz)) < 0 ||
	    (rc = get_time(cfg, "daemon_timeout", 1, INT32_MAX,
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
			if (!safe_name(vals[i])) {
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
	/* fast_flush_domains (parent/deliver.c), checked once: /file and
	 * type:table entries are skipped by sj_match. */
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
	if ((rc = get_int(cfg, "delay_logging_resolution_limit", 0, 6, &n,
	    why, whysz)) < 0)
		return (rc);
	cfg->delay_logging_resolution_limit = (unsigned)n;
	/* Postfix: min 1; more than a few levels makes no sense. */
	if ((rc = get_int(cfg, "hash_queue_depth", 1, 16, &n, why,
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
	if (!safe_name(v)) {
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

	if ((rc = config_options(cfg, argc, argv, &next, why, whysz)) < 0 ||
	    (rc = config_cli_attrs(cfg, argc, argv, next, why, whysz)) < 0)
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
	    (rc = config_child(cfg, why, whysz)) < 0 ||
	    (rc = sj_tls_config_load(&cfg->tls, cfg->params, why, whysz)) < 0)
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
