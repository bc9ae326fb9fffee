/*
 * NAME
 *	cfg_cmdline 3
 * SUMMARY
 *	the parent's command line, as master(8) starts a Postfix daemon
 * DESCRIPTION
 *	Called by sj_config_load() (parent/config.c, DESCRIPTION items 3
 *	and 4) after main.cf was read.
 *
 *	cfg_cmdline_options(): options, parsed like
 *	getopt("+cdDi:lm:n:o:s:St:uvVz"): they end
 *	at the first argument that is not an option, or at "--". The
 *	long options --sandbox-check and --config-check may appear
 *	anywhere among them.
 *	-o name=value, -i (max_idle) and -m (max_use) set parameters in
 *	command-line order, after main.cf. An unknown option is
 *	"invalid option: -X"; a malformed value names the option.
 *
 *	cfg_cmdline_attrs(): what follows the options must be smtp(8)'s
 *	"flags=DORX"
 *	(case-insensitive name; the last one wins); anything else is
 *	"unknown attribute name: ARG", as smtp(8) says.
 * SECURITY
 *	Parent, as root, before any sandbox. The command line is trusted
 *	(master(8), from root-owned master.cf); values are still checked
 *	and bounded (names by config_safe_name(), numbers by range).
 * SEE ALSO
 *	parent/config.c, Postfix src/master/single_server.c,
 *	src/smtp/smtp.c (get_cli_attr()), master(5)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_cmdline.h"
#include "cfg_params.h"
#include "config.h"
#include "sj_config.h"

/* -s: listen sockets (master_svc.c has the real limit). */
#define CONFIG_SOCKETS_MAX	1024

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
		if (!config_safe_name(arg)) {
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
int
cfg_cmdline_options(struct sj_config *cfg, int argc, char **argv, int *next,
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
int
cfg_cmdline_attrs(struct sj_config *cfg, int argc, char **argv, int first,
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

