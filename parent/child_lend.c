/*
 * NAME
 *	child_lend 3
 * SUMMARY
 *	idle sandboxed children lent to the transport's other processes
 *	through scache(8)
 * DESCRIPTION
 *	A child serves one nexthop (parent/child_pool.c). qmgr(8) deals the
 *	jobs of one destination out to any of the transport's processes,
 *	so an idle child kept by one process is of no use to the others:
 *	with many destinations nearly every job would wait for a new
 *	child. Postfix's smtp(8) shares idle SMTP sessions between its
 *	processes through scache(8) (src/smtp/smtp_reuse.c); smtpjail
 *	shares idle children the same way. An idle child's IPC socket (the
 *	parent's end of its socket pair, never a network socket) is saved
 *	with scache's save_endp request under a label that names what the
 *	child may serve, and a process that needs a child for that nexthop
 *	asks with find_endp before it asks its spawner for a new one. The
 *	borrower drives the child exactly as its own: the child still
 *	serves that one nexthop, still has no socket of its own (the
 *	borrower's egress broker opens them), and every job still has the
 *	borrower's deadline.
 *
 *	The label, "smtpjail:SERVICE:VERSION:DIGEST:NEXTHOP", binds the
 *	master.cf service, the IPC version and a SHA-256 digest of every
 *	message the child was given before its first job (CONFIG, HOSTS,
 *	CHECK, encoded as sent) and of every parameter's name and value
 *	(what the child inherits with the fork instead, main.cf's TLS
 *	policy first, follows from them): a child is only borrowed by a
 *	process that would have configured it identically, never across a
 *	"postfix reload" that changed a parameter. The property string
 *	"pid=N;until=MS" carries the child's pid (for logs, and so that the
 *	process that made it knows it back) and the CLOCK_MONOTONIC time
 *	after which nobody may lend it again (SJ_LEND_HORIZON_MS after its
 *	start): the process whose spawner made it waits at most until then
 *	plus SJ_LEND_GRACE_MS before it exits (child_pool_close_all()).
 *
 *	The protocol is Postfix 3.7's scache_clnt.c with the Linux
 *	settings of src/util/sys_defs.h (CANT_WRITE_BEFORE_SENDING_FD,
 *	MUST_READ_AFTER_SENDING_FD): save_endp is request, the server's
 *	"dummy", the descriptor, status; find_endp is request, status and
 *	property, our "dummy", the descriptor, our "dummy". A failure to
 *	reach or understand scache(8) turns sharing off for the life of
 *	the process, as scache_clnt.c disables caching; jobs go on with
 *	children of their own.
 * SECURITY
 *	Parent. scache(8) is part of Postfix's trusted base and only
 *	$mail_owner can reach private/scache, so labels and properties
 *	come from smtpjail processes of this transport. A descriptor
 *	received is still checked: a SOCK_SEQPACKET AF_UNIX socket that
 *	nothing is waiting on (a child that spoke, or ended, while lent is
 *	not used). What the child then says is hostile, as for any child.
 * SEE ALSO
 *	parent/child_pool.c, SECURITY.md ("Children shared between
 *	processes"), Postfix src/global/scache_clnt.c, src/scache/scache.c
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "attr.h"
#include "cfg_params.h"
#include "child_ctl.h"
#include "child_lend.h"
#include "ipc_fdpass.h"
#include "ipc_msg.h"
#include "msg.h"
#include "svc_client.h"

#define LEND_PROTO	"connection_cache_protocol"	/* mail_proto.h */
#define LEND_STAT_OK	0				/* scache.h */
#define LEND_REQ_BUF	(SJ_LEND_LABEL_MAX + SJ_LEND_PROP_MAX + 128)

/* child_lend_digest()'s state: the digest and one encoding buffer. */
struct child_lend_digest_ctx {
	EVP_MD_CTX *md;
	unsigned char *buf;		/* SJ_IPC_MSG_MAX bytes */
};

/* One start-up message into the digest, encoded as it is sent. */
static int
child_lend_digest_msg(const struct ipc_msg *m, void *ctx)
{
	struct child_lend_digest_ctx *d = ctx;
	ssize_t	n;

	if ((n = ipc_msg_encode(m, d->buf, SJ_IPC_MSG_MAX)) <= 0)
		return (-EINVAL);
	return (EVP_DigestUpdate(d->md, d->buf, (size_t)n) ? 0 : -EINVAL);
}

/*
 * Every parameter's name and value as the store holds them (main.cf,
 * -o, defaults): what a child inherits with the fork rather than
 * receives in a message (main.cf's TLS policy, its trust anchors and
 * keys, the DNSSEC probe, the seccomp program) follows from them, so
 * a child made before a "postfix reload" that changed any of them is
 * never borrowed by a process started after it.
 */
static int
child_lend_digest_params(const struct sj_config *cfg, EVP_MD_CTX *md)
{
	const char *name, *value;
	size_t	i;

	if (cfg->params == NULL)
		return (0);
	for (i = 0; (name = sj_params_nth(cfg->params, i, NULL, NULL)) !=
	    NULL; i++) {
		if ((value = sj_params_raw(cfg->params, name)) == NULL)
			value = "";
		/* NUL-separated: no two lists digest the same bytes. */
		if (!EVP_DigestUpdate(md, name, strlen(name) + 1) ||
		    !EVP_DigestUpdate(md, value, strlen(value) + 1))
			return (-EINVAL);
	}
	return (0);
}

/* SHA-256 over the start-up messages (child_ctl_start_msgs()) and the
 * parameters (child_lend_digest_params()), as lower-case hex. */
static int
child_lend_digest(const struct sj_config *cfg, char *hex, size_t hexsz)
{
	struct child_lend_digest_ctx d;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	int	ok;

	d.md = EVP_MD_CTX_new();
	d.buf = malloc(SJ_IPC_MSG_MAX);
	ok = d.md != NULL && d.buf != NULL &&
	    EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) &&
	    child_ctl_start_msgs(cfg, child_lend_digest_msg, &d) == 0 &&
	    child_lend_digest_params(cfg, d.md) == 0;
	ok = ok && EVP_DigestFinal_ex(d.md, md, &mdlen);
	EVP_MD_CTX_free(d.md);
	free(d.buf);
	/* 128 bits of the digest name the configuration. */
	if (!ok || mdlen < 16 || hexsz < 33)
		return (-EINVAL);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}

int
child_lend_init(struct child_lend *l, const struct sj_config *cfg,
    char *why, size_t whysz)
{
	char	hex[33];
	int	err;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	/* Postfix's scache_clnt_create() timeout. */
	l->timeout = cfg->scache_timeout > 0 ? (int)cfg->scache_timeout : 5;
	snprintf(l->svc_dir, sizeof(l->svc_dir), "%s", SVC_DIR_PRIVATE);
	snprintf(l->service, sizeof(l->service), "scache");
	if (!cfg->child_sharing)
		return (0);
	if (cfg->service_name == NULL ||
	    strlen(cfg->service_name) > SJ_LEND_SERVICE_MAX) {
		snprintf(why, whysz, "service name missing or longer than %d",
		    SJ_LEND_SERVICE_MAX);
		return (-1);
	}
	if ((err = child_lend_digest(cfg, hex, sizeof(hex))) < 0) {
		snprintf(why, whysz, "configuration digest: %s",
		    strerror(-err));
		return (-1);
	}
	snprintf(l->prefix, sizeof(l->prefix), "smtpjail:%s:%u:%s:",
	    cfg->service_name, (unsigned)IPC_VERSION, hex);
	l->enabled = 1;
	return (0);
}

void
child_lend_close(struct child_lend *l)
{
	if (l->fd >= 0) {
		attr_stream_free(&l->stream);
		close(l->fd);
		l->fd = -1;
	}
}

/* Something went wrong with scache(8): say so once, stop sharing. */
static int
child_lend_fail(struct child_lend *l, const char *what, int err)
{
	msg_warn("%s/%s: %s: %s; sandboxed children are not shared by this "
	    "process", l->svc_dir, l->service, what,
	    l->stream.err[0] && l->fd >= 0 ? l->stream.err :
	    strerror(-err));
	child_lend_close(l);
	l->enabled = 0;
	return (err);
}

/* Connected to scache(8) and past its greeting. */
static int
child_lend_connect(struct child_lend *l)
{
	char	name[160], why[256];
	int	fd, err;

	if (l->fd >= 0)
		return (0);
	if ((fd = svc_connect(l->svc_dir, l->service, l->timeout, name,
	    sizeof(name), why, sizeof(why))) < 0) {
		/* svc_connect() logged why. */
		l->enabled = 0;
		msg_warn("sandboxed children are not shared by this process");
		return (fd);
	}
	l->fd = fd;
	if ((err = attr_stream_init(&l->stream, fd, "private/scache socket",
	    l->timeout)) < 0)
		return (child_lend_fail(l, "connect", err));
	if ((err = attr_greet_read(&l->stream, LEND_PROTO)) < 0)
		return (child_lend_fail(l, "greeting", err));
	return (0);
}

int
child_lend_props_format(char *buf, size_t bufsz,
    const struct child_lend_props *p)
{
	int	n = snprintf(buf, bufsz, "pid=%ld;until=%lld", (long)p->pid,
		    p->until_ms);

	return (n < 0 || (size_t)n >= bufsz ? -ENOSPC : 0);
}

int
child_lend_props_parse(const char *text, struct child_lend_props *p)
{
	char   *end;
	long long v;
	long	pid;

	if (strncmp(text, "pid=", 4) != 0)
		return (-EBADMSG);
	errno = 0;
	pid = strtol(text + 4, &end, 10);
	if (errno != 0 || end == text + 4 || pid <= 1 || pid > INT32_MAX ||
	    strncmp(end, ";until=", 7) != 0)
		return (-EBADMSG);
	text = end + 7;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0)
		return (-EBADMSG);
	p->pid = (pid_t)pid;
	p->until_ms = v;
	return (0);
}

/* One descriptor with a one-byte message (Postfix unix_send_fd.c). */
static int
child_lend_send_fd(int sock, int fd)
{
	return (ipc_fdpass_send(sock, "", 1, MSG_NOSIGNAL, &fd, 1));
}

/* The descriptor scache(8) sends (Postfix unix_recv_fd.c), waited for. */
static int
child_lend_recv_fd(int sock, int timeout)
{
	struct ipc_fdpass_info in;
	struct pollfd pfd = { sock, POLLIN, 0 };
	char	byte;
	int	fd, rv;

	while ((rv = poll(&pfd, 1, timeout * 1000)) < 0 && errno == EINTR)
		continue;
	if (rv < 0)
		return (-errno);
	if (rv == 0)
		return (-ETIMEDOUT);
	/* Every descriptor the kernel installed is closed but the first
	 * (ipc_fdpass_recv()); exactly one is the answer. */
	rv = ipc_fdpass_recv(sock, &byte, 1, MSG_CMSG_CLOEXEC, &fd, 1, &in);
	if (rv == -ETOOMANYREFS || rv == -EMSGSIZE)
		return (-EBADMSG);
	if (rv < 0)
		return (rv);
	if (in.len == 0) {
		if (fd >= 0)
			close(fd);
		return (-EPIPE);
	}
	if (in.nfds + in.nextra != 1 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return (-EBADMSG);
	}
	return (fd);
}

/* {dummy=""} from scache(8), strictly. */
static int
child_lend_read_dummy(struct child_lend *l)
{
	struct attr_spec sp = { .type = ATTR_TYPE_STREQ, .name = "dummy",
	.max = 1, .out.eq = "" };

	return (attr_scan(&l->stream, ATTR_FLAG_STRICT, &sp, 1));
}

static int
child_lend_write_dummy(struct child_lend *l)
{
	struct attr_out o;
	int	err;

	if ((err = attr_out_init(&o, 16)) < 0)
		return (err);
	attr_put_str(&o, "dummy", "");
	attr_put_end(&o);
	err = attr_out_write(&o, l->fd, l->timeout);
	attr_out_free(&o);
	return (err);
}

/*
 * Sends the request; with 'dummy', also reads the server's dummy. On a
 * connection kept from before, a failure here means scache(8) went away
 * meanwhile (it restarts, as any Postfix daemon): the request is sent
 * once more on a new connection, as auto_clnt_recover() would. Nothing
 * has crossed yet, so nothing is sent twice. -ENOTCONN when no
 * connection could be made (sharing is off then).
 */
static int
child_lend_request(struct child_lend *l, struct attr_out *o, int dummy)
{
	int	err, fresh, tries;

	for (tries = 0;; tries++) {
		fresh = l->fd < 0;
		if (child_lend_connect(l) < 0)
			return (-ENOTCONN);
		err = attr_out_write(o, l->fd, l->timeout);
		if (err == 0 && dummy)
			err = child_lend_read_dummy(l);
		else if (err == 0 && attr_stream_at_eof(&l->stream) == 1)
			err = -EPIPE;
		if (err == 0 || fresh || tries > 0 || !l->enabled)
			return (err);
		msg_verbose("%s/%s: connection closed by the server; again on "
		    "a new one", l->svc_dir, l->service);
		child_lend_close(l);
	}
}

static int
child_lend_label(const struct child_lend *l, const char *nexthop,
    char *label, size_t labelsz)
{
	int	n = snprintf(label, labelsz, "%s%s", l->prefix, nexthop);

	return (n < 0 || (size_t)n >= labelsz ? -ENAMETOOLONG : 0);
}

int
child_lend_save(struct child_lend *l, const char *nexthop, int ipc_fd,
    const struct child_lend_props *p, int ttl_s)
{
	char	label[SJ_LEND_LABEL_MAX], prop[SJ_LEND_PROP_MAX];
	struct attr_spec sp = { .type = ATTR_TYPE_INT, .name = "status" };
	struct attr_out o;
	unsigned status = 0;
	int	err;

	sp.out.u = &status;
	if (!l->enabled)
		return (-EPERM);
	if ((err = child_lend_label(l, nexthop, label, sizeof(label))) < 0 ||
	    (err = child_lend_props_format(prop, sizeof(prop), p)) < 0)
		return (err);
	if ((err = attr_out_init(&o, LEND_REQ_BUF)) < 0)
		return (err);
	attr_put_str(&o, "request", "save_endp");
	attr_put_int(&o, "ttl", ttl_s > 0 ? ttl_s : 1);
	attr_put_str(&o, "label", label);
	attr_put_str(&o, "property", prop);
	attr_put_end(&o);
	err = child_lend_request(l, &o, 1);
	attr_out_free(&o);
	if (err == -ENOTCONN)
		return (err);		/* child_lend_connect() said why */
	if (err == 0 && l->stream.ipos != l->stream.ilen)
		err = -EBADMSG;		/* the descriptor must come next */
	if (err == 0)
		err = child_lend_send_fd(l->fd, ipc_fd);
	if (err < 0)
		return (child_lend_fail(l, "save_endp", err));
	/* The descriptor has crossed: whatever the status says now,
	 * scache(8) may hold it, so the caller must not keep its own (two
	 * parents would drive one child). Only a status that says it was
	 * not taken (scache.c answers FAIL when the receive failed) lets
	 * the caller keep the child. */
	if ((err = attr_scan(&l->stream, ATTR_FLAG_STRICT, &sp, 1)) < 0) {
		(void)child_lend_fail(l, "save_endp", err);
		return (0);
	}
	if (status != LEND_STAT_OK) {
		msg_verbose("%s/%s: save_endp %s: status %u", l->svc_dir,
		    l->service, label, status);
		return (-EIO);
	}
	return (0);
}

/* Is this descriptor a child's channel with nothing waiting on it? */
static int
child_lend_check_fd(int fd)
{
	struct pollfd pfd = { fd, POLLIN | POLLRDHUP, 0 };
	socklen_t len;
	int	v;

	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 ||
	    v != AF_UNIX)
		return (-ENOTSOCK);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 ||
	    v != SOCK_SEQPACKET)
		return (-EPROTOTYPE);
	/* An idle child says nothing: a message or EOF means it spoke or
	 * ended while lent. */
	if (poll(&pfd, 1, 0) != 0)
		return (-ESTALE);
	return (0);
}

int
child_lend_find(struct child_lend *l, const char *nexthop,
    struct child_lend_props *p)
{
	char	label[SJ_LEND_LABEL_MAX], *prop = NULL;
	struct attr_spec sp[2] = {
		{.type = ATTR_TYPE_INT, .name = "status"},
		{.type = ATTR_TYPE_STR, .name = "property",
		.max = SJ_LEND_PROP_MAX},
	};
	struct attr_out o;
	unsigned status = 0;
	int	err, fd;

	sp[0].out.u = &status;
	sp[1].out.str = &prop;
	if (!l->enabled)
		return (-ENOENT);
	if ((err = child_lend_label(l, nexthop, label, sizeof(label))) < 0)
		return (err);
	if ((err = attr_out_init(&o, LEND_REQ_BUF)) < 0)
		return (err);
	attr_put_str(&o, "request", "find_endp");
	attr_put_str(&o, "label", label);
	attr_put_end(&o);
	err = child_lend_request(l, &o, 0);
	attr_out_free(&o);
	if (err == -ENOTCONN)
		return (-ENOENT);	/* child_lend_connect() said why */
	if (err == 0)
		err = attr_scan(&l->stream, ATTR_FLAG_STRICT, sp, 2);
	if (err < 0)
		return (child_lend_fail(l, "find_endp", err));
	if (status != LEND_STAT_OK) {
		free(prop);
		return (-ENOENT);
	}
	err = child_lend_props_parse(prop, p);
	free(prop);
	/* The descriptor comes after our dummy; take it even when the
	 * property is bad, so that the stream stays in step. */
	if ((fd = child_lend_write_dummy(l)) == 0 &&
	    l->stream.ipos == l->stream.ilen)
		fd = child_lend_recv_fd(l->fd, l->timeout);
	else if (fd == 0)
		fd = -EBADMSG;
	if (fd < 0)
		return (child_lend_fail(l, "find_endp", fd));
	if (child_lend_write_dummy(l) < 0) {
		close(fd);
		return (child_lend_fail(l, "find_endp", -EPIPE));
	}
	if (err < 0) {
		msg_warn("%s/%s: find_endp %s: malformed property; the child "
		    "is not used", l->svc_dir, l->service, label);
		close(fd);
		return (err);
	}
	if ((err = child_lend_check_fd(fd)) < 0) {
		msg_verbose("lent child pid %ld for %s not used: %s",
		    (long)p->pid, nexthop, strerror(-err));
		close(fd);
		return (err);
	}
	return (fd);
}
