/*
 * NAME
 *	fuzz_cmdline 1
 * SUMMARY
 *	libFuzzer target: the command line, through sj_config_load()
 * DESCRIPTION
 *	Input: the arguments after argv[0], separated by NUL bytes (at
 *	most FUZZ_ARGS_MAX). sj_config_load() parses them as master(8)
 *	passes them (options, -o overrides, flags=DORX) over a fixed
 *	main.cf written once into a temporary $MAIL_CONFIG, then converts
 *	every parameter, so the -o values reach every expansion and
 *	conversion. On success the result is checked (service name set,
 *	socket count in range) and freed; errors must leave nothing
 *	allocated (the leak checker runs).
 *
 *	Inputs naming "interfaces" are skipped: a host name there is
 *	resolved with getaddrinfo() (DNS traffic, seconds per run), which
 *	is glibc's parser, not ours. Inputs naming /dev, /proc or /sys are
 *	skipped too: -o smtpjail_resolv_conf=/dev/zero would read forever,
 *	which only root's own master.cf could ask for.
 * SECURITY
 *	master.cf and main.cf are trusted (root-owned); a parser that
 *	crashes on a typo is still a defect, and this shows it is bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_quiet.h"
#include "msg.h"
#include "sj_config.h"

#define FUZZ_ARGS_MAX	64

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A main.cf that loads with "-t unix" on a host with postfix/nobody. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/sj-fuzz-cmdline.XXXXXX";
	char	path[sizeof(dir) + 32];
	FILE	*fp;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp, "nameserver 127.0.0.1\nnameserver ::1\n");
	fclose(fp);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp, "queue_directory = %s\nmail_owner = postfix\n"
	    "myhostname = fuzz.example.test\ninet_interfaces = "
	    "loopback-only\nsmtpjail_sandbox_user = nobody\n"
	    "smtpjail_resolv_conf = %s/resolv.conf\n", dir, dir);
	fclose(fp);
	setenv("MAIL_CONFIG", dir, 1);
	unsetenv("MAIL_VERBOSE");
	unsetenv("MAIL_DEBUG");
	return (0);
}

static int
skipped(const char *buf, size_t size)
{
	static const char *const bad[] = { "interfaces", "/dev", "/proc",
	    "/sys" };
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(buf, size, bad[i], strlen(bad[i])) != NULL)
			return (1);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sj_config cfg;
	char	*buf, *argv[FUZZ_ARGS_MAX + 2], why[1024];
	size_t	i, start = 0;
	int	argc = 0;

	msg_set_sink(fuzz_quiet, NULL);
	if (skipped((const char *)data, size))
		return (0);
	if ((buf = malloc(size + 1)) == NULL)
		return (0);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "smtpjail";
	for (i = 0; i <= size && argc <= FUZZ_ARGS_MAX; i++) {
		if (i == size || buf[i] == '\0') {
			if (i > start || i < size)
				argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	if (sj_config_load(&cfg, argc, argv, why, sizeof(why)) == 0) {
		if (cfg.service_name == NULL || cfg.socket_count < 1)
			abort();
		sj_config_free(&cfg);
	} else if (why[0] == '\0') {
		abort();		/* an error must say why */
	}
	free(buf);
	return (0);
}
