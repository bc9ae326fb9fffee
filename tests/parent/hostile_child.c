/*
 * NAME
 *	hostile_child 1
 * SUMMARY
 *	test build only: a scripted hostile child in place of child_main()
 * DESCRIPTION
 *	Linked with the real parent (parent/main.c and libsmtpjail.a) into
 *	build/tests/parent/aux_hostile_smtpjail, never into build/smtpjail
 *	(the Makefile links this object first and a copy of child_main.o
 *	whose child_main is weakened, so this child_main() wins; the test
 *	suite checks the production binary holds none of this). It locks
 *	itself down exactly as the real child does (descriptors, then
 *	sandbox_child_enter()), so it has only what a compromised child
 *	would have, and then plays the script named by $SJ_HOSTILE_SCRIPT,
 *	read when the binary starts (every child plays it from the start). One command per line:
 *
 *	recv		receive one message from the parent (real decoder);
 *			a DELIVER's memfd is kept as "content", its job id
 *			and recipient count remembered
 *	job		recv a DELIVER, then its recipient count of RCPTs
 *	send [fd=N|fd=content]... HEX...
 *			send one datagram of raw bytes (so anything the
 *			encoder would refuse can be sent), with the listed
 *			descriptors as SCM_RIGHTS; the token JOB stands for
 *			the job id as a little-endian u32
 *	repeat N CMD	run CMD N times
 *	if-job N CMD	run CMD only if the job received is job N
 *	sleep MS	wait MS milliseconds
 *	stderr N TEXT	write N lines "TEXT" on stderr (the parent's pipe)
 *	wait		read (and ignore) until the parent closes, exit 0
 *	exit N		_exit(N)
 *
 *	Blank lines and lines starting with # are ignored. At the end of
 *	the script it waits as "wait" does. A script error is written to
 *	stderr (the parent logs it) and ends the child with status 99.
 * SECURITY
 *	Test code. Inside the sandbox it uses only recvmsg, sendmsg,
 *	poll, close, write and exit_group, all on the child's allow-list
 *	(write: the "stderr" command, and script errors).
 * SEE ALSO
 *	tests/parent/t_hostile_child.sh, child/child_main.c
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child_main.h"
#include "ipc_chan.h"
#include "ipc_fdpass.h"
#include "sj_limits.h"
#include "sj_sandbox.h"

#define HOSTILE_IPC_FD		3
#define HOSTILE_ERR_FD		2
#define HOSTILE_SCRIPT_MAX	(4 * 1024 * 1024)
#define HOSTILE_DGRAM_MAX	65536
/* ipc_fdpass_send() sends no more. */
#define HOSTILE_FDS_MAX		SJ_FDPASS_FDS_MAX

static struct hostile_ctx {
	char	*script;		/* NUL-terminated, edited in place */
	unsigned line;			/* for error messages */
	int	content_fd;		/* DELIVER's memfd, or -1 */
	uint32_t job_id;
	uint32_t rcpt_count;
	unsigned char dgram[HOSTILE_DGRAM_MAX];
} hostile_ctx;

static void __attribute__((noreturn))
hostile_die(const char *what, const char *why)
{
	dprintf(HOSTILE_ERR_FD, "hostile child: script line %u: %s: %s\n",
	    hostile_ctx.line, what, why);
	_exit(99);
}

/*
 * Read when the test binary starts (a constructor, in the parent as
 * root): the child is forked by the spawner, whose root is the empty
 * sandbox directory and whose filter lets no file be opened. The
 * child inherits the text; an error is reported by the child.
 */
static struct hostile_script {
	char	*text;
	char	err[256];
} hostile_script;

static void hostile_read_script(void) __attribute__((constructor));

static void
hostile_read_script(void)
{
	const char *path = getenv("SJ_HOSTILE_SCRIPT");
	size_t	len = 0;
	ssize_t	n;
	int	fd;

	if (path == NULL)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(hostile_script.err, sizeof(hostile_script.err),
		    "%s: %s", path, strerror(errno));
		return;
	}
	if ((hostile_script.text = malloc(HOSTILE_SCRIPT_MAX + 1)) == NULL) {
		snprintf(hostile_script.err, sizeof(hostile_script.err),
		    "malloc: %s", strerror(errno));
		close(fd);
		return;
	}
	while ((n = read(fd, hostile_script.text + len,
	    HOSTILE_SCRIPT_MAX - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len == HOSTILE_SCRIPT_MAX)
		snprintf(hostile_script.err, sizeof(hostile_script.err),
		    "%s: %s", path, n < 0 ? strerror(errno) :
		    "script too large");
	hostile_script.text[len] = '\0';
	close(fd);
}

/* As child/child_main.c: IPC on 3, stderr on 2, /dev/null on 0 and 1. */
static void
hostile_fds(int ipc_fd, int err_fd)
{
	int	nullfd;

	/* A child of the spawner has /dev/null on 0 and 1 already (its
	 * root has no /dev, and its filter makes the open fail). */
	if ((nullfd = open("/dev/null", O_RDWR)) < 0 && errno != ENOENT)
		hostile_die("open /dev/null", strerror(errno));
	if (nullfd < 0)
		nullfd = 0;
	if (err_fd != HOSTILE_ERR_FD && dup2(err_fd, HOSTILE_ERR_FD) < 0)
		hostile_die("dup2 stderr", strerror(errno));
	if (ipc_fd != HOSTILE_IPC_FD &&
	    dup3(ipc_fd, HOSTILE_IPC_FD, O_CLOEXEC) < 0)
		hostile_die("dup3 ipc", strerror(errno));
	if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0)
		hostile_die("dup2 /dev/null", strerror(errno));
	if (close_range(HOSTILE_IPC_FD + 1, ~0U, 0) < 0)
		hostile_die("close_range", strerror(errno));
}

/* Next whitespace-separated token of *p, NUL-terminated in place. */
static char *
hostile_token(char **p)
{
	char	*s = *p, *t;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return (NULL);
	t = s;
	while (*t != '\0' && *t != ' ' && *t != '\t')
		t++;
	if (*t != '\0')
		*t++ = '\0';
	*p = t;
	return (s);
}

static long
hostile_number(const char *s)
{
	char	*end;
	long	v;

	if (s == NULL)
		hostile_die("number", "missing");
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		hostile_die("number", s);
	return (v);
}

static void
hostile_recv(void)
{
	struct ipc_msg m;
	char	why[256];
	int	err;

	do {
		err = ipc_chan_recv(HOSTILE_IPC_FD, IPC_P2C, &m, why,
		    sizeof(why));
	} while (err == -EINTR || err == -EAGAIN);
	if (err == -ECONNRESET)
		_exit(0);
	if (err < 0)
		hostile_die("recv", err == -EBADMSG ? why : strerror(-err));
	if (m.type == IPC_T_DELIVER) {
		if (hostile_ctx.content_fd >= 0)
			close(hostile_ctx.content_fd);
		hostile_ctx.content_fd = m.fd;
		hostile_ctx.job_id = m.u.deliver.job_id;
		hostile_ctx.rcpt_count = m.u.deliver.rcpt_count;
		return;
	}
	ipc_msg_release(&m);
}

static int
hostile_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

static void
hostile_send(char *args)
{
	int	fds[HOSTILE_FDS_MAX];
	size_t	nfds = 0, len = 0, i;
	char	*tok;
	int	err;

	while ((tok = hostile_token(&args)) != NULL) {
		if (strncmp(tok, "fd=", 3) == 0) {
			if (nfds == HOSTILE_FDS_MAX)
				hostile_die("send", "too many descriptors");
			if (strcmp(tok + 3, "content") == 0) {
				if (hostile_ctx.content_fd < 0)
					hostile_die("send", "no content fd");
				fds[nfds++] = hostile_ctx.content_fd;
			} else {
				fds[nfds++] = (int)hostile_number(tok + 3);
			}
			continue;
		}
		if (strcmp(tok, "JOB") == 0) {
			if (len + 4 > sizeof(hostile_ctx.dgram))
				hostile_die("send", "datagram too large");
			for (i = 0; i < 4; i++)
				hostile_ctx.dgram[len++] =
				    (hostile_ctx.job_id >> (8 * i)) & 0xff;
			continue;
		}
		for (i = 0; tok[i] != '\0'; i += 2) {
			int	hi = hostile_hex(tok[i]);
			int	lo = tok[i + 1] ? hostile_hex(tok[i + 1]) : -1;

			if (hi < 0 || lo < 0)
				hostile_die("send: not hex", tok);
			if (len == sizeof(hostile_ctx.dgram))
				hostile_die("send", "datagram too large");
			hostile_ctx.dgram[len++] = (unsigned char)(hi << 4 | lo);
		}
	}
	err = ipc_fdpass_send(HOSTILE_IPC_FD, hostile_ctx.dgram, len,
	    MSG_NOSIGNAL, fds, nfds);
	/* The parent may have hung up already: that is its answer. */
	if (err == -EPIPE || err == -ECONNRESET)
		_exit(0);
	if (err < 0)
		hostile_die("sendmsg", strerror(-err));
}

static void __attribute__((noreturn))
hostile_wait(void)
{
	for (;;)
		hostile_recv();
}

static void
hostile_command(char *line)
{
	char	*cmd = hostile_token(&line);
	long	n;

	if (cmd == NULL || cmd[0] == '#')
		return;
	if (strcmp(cmd, "recv") == 0) {
		hostile_recv();
	} else if (strcmp(cmd, "job") == 0) {
		hostile_recv();
		if (hostile_ctx.content_fd < 0)
			hostile_die("job", "first message is not DELIVER");
		for (n = 0; n < (long)hostile_ctx.rcpt_count; n++)
			hostile_recv();
	} else if (strcmp(cmd, "send") == 0) {
		hostile_send(line);
	} else if (strcmp(cmd, "if-job") == 0) {
		/* The parent numbers jobs across its children: a script
		 * can misbehave in the first child and behave in the next. */
		n = hostile_number(hostile_token(&line));
		if ((long)hostile_ctx.job_id == n)
			hostile_command(line);
	} else if (strcmp(cmd, "repeat") == 0) {
		char	*copy, *save;
		size_t	len;

		n = hostile_number(hostile_token(&line));
		/* Each pass tokenizes in place: give it a fresh copy. */
		len = strlen(line);
		if ((save = strdup(line)) == NULL ||
		    (copy = malloc(len + 1)) == NULL)
			hostile_die("repeat", "out of memory");
		while (n-- > 0) {
			memcpy(copy, save, len + 1);
			hostile_command(copy);
		}
		free(copy);
		free(save);
	} else if (strcmp(cmd, "sleep") == 0) {
		(void)poll(NULL, 0, (int)hostile_number(hostile_token(&line)));
	} else if (strcmp(cmd, "stderr") == 0) {
		char	*text, buf[512];
		int	len;

		n = hostile_number(hostile_token(&line));
		if ((text = hostile_token(&line)) == NULL)
			hostile_die("stderr", "no text");
		len = snprintf(buf, sizeof(buf), "%s\n", text);
		if (len < 0 || (size_t)len >= sizeof(buf))
			hostile_die("stderr", "text too long");
		/* write(2) only (dprintf may make other calls); the parent
		 * may close the pipe: SIGPIPE ends us then. */
		while (n-- > 0)
			if (write(HOSTILE_ERR_FD, buf, (size_t)len) != len)
				_exit(0);
	} else if (strcmp(cmd, "wait") == 0) {
		hostile_wait();
	} else if (strcmp(cmd, "exit") == 0) {
		_exit((int)hostile_number(hostile_token(&line)));
	} else {
		hostile_die("unknown command", cmd);
	}
}

/* Replaces the real child_main() in this test binary only. */
void
child_main(int ipc_fd, int err_fd, const struct sj_config *cfg)
{
	struct sj_sandbox_spec spec;
	char	why[512], *line, *nl;

	memset(&hostile_ctx, 0, sizeof(hostile_ctx));
	hostile_ctx.content_fd = -1;
	hostile_fds(ipc_fd, err_fd);
	if (getenv("SJ_HOSTILE_SCRIPT") == NULL)
		hostile_die("SJ_HOSTILE_SCRIPT", "not set");
	if (hostile_script.err[0] != '\0' || hostile_script.text == NULL)
		hostile_die("script", hostile_script.err);
	/* Each child plays its own copy (the lines are cut in place). */
	hostile_ctx.script = hostile_script.text;
	child_sandbox_spec(cfg, &spec);
	if (sandbox_child_enter(&spec, why, sizeof(why)) < 0)
		hostile_die("sandbox", why);

	for (line = hostile_ctx.script; *line != '\0'; line = nl) {
		hostile_ctx.line++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = line + strlen(line);
		hostile_command(line);
	}
	hostile_wait();
}
