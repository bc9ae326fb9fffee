/*
 * NAME
 *	dreq 3
 * SUMMARY
 *	the qmgr(8) delivery request: greeting, request, final reply
 * DESCRIPTION
 *	One connection from qmgr carries one delivery request
 *	(Postfix src/global/deliver_request.c, src/qmgr/qmgr_deliver.c):
 *	we greet ("delivery_request_protocol"), qmgr sends one list of 23
 *	attributes in a fixed order and then recipient_count lists of 5
 *	attributes, we deliver, and we answer with one list of 8
 *	attributes (a hop status and the request status). If qmgr closes
 *	right after the greeting it changed its mind; we then say nothing.
 *
 *	dreq_read() reads like Postfix's deliver_request_get() with
 *	STRICT strictness, so a misnamed, missing, extra or reordered
 *	attribute fails the request, with Postfix's warnings ("unexpected
 *	attribute %s from smtp socket (expecting: %s)" followed by
 *	"deliver_request_get: error receiving common attributes"). The 8th
 *	attribute is accepted under its 3.7 name "smtputf8" and its 3.10+
 *	name "sendopts" (deliver_request.c of Postfix 3.10), so an upgrade
 *	of Postfix does not defer all mail. Beyond Postfix it also refuses
 *	what smtp(8) would die on or what this program cannot represent:
 *	an empty nexthop, more than SJ_RCPT_MAX recipients, negative
 *	offsets, strings longer than their sj_limits.h bound. Every
 *	refusal is a DEFER reply, never a loss of mail.
 *
 *	Queue name and id are validated as Postfix's mail_queue_name_ok()
 *	and mail_queue_id_ok() do (alphanumeric up to 100; [A-Za-z0-9_]
 *	up to 255), so neither can name a path outside the queue: no '/',
 *	no '.', no empty name.
 *
 *	The "time" attribute is the base64 of Postfix's 88-byte in-memory
 *	MSG_STATS structure (src/global/msg_stats.h); any other decoded
 *	length fails the request, as in Postfix's msg_stats_scan(). It is
 *	decoded field by field (little-endian, LP64 layout), not copied
 *	over a struct.
 * SECURITY
 *	Parent. qmgr is trusted, but every value is bounded before it is
 *	stored and the queue names are checked before anything uses them
 *	as a path. Text from the request that goes into a warning is
 *	censored.
 * SEE ALSO
 *	parent/attr.c; Postfix src/global/deliver_request.c,
 *	deliver_request.h, mail_open_ok.c, mail_queue.c, msg_stats_scan.c,
 *	rcpt_buf.c (behaviour reproduced, no code copied)
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "dreq.h"
#include "msg.h"
#include "qfile.h"
#include "sj_text.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Shown text from the request is cut like Postfix's %.100s. */
#define DREQ_SHOW_MAX	100
/* The final reply: 8 names and 7 bounded values, with room to spare. */
#define DREQ_REPLY_MAX \
	(256 + SJ_DSN_STATUS_MAX + 2 * SJ_REPLY_TEXT_MAX + \
	 SJ_HOSTNAME_MAX + SJ_REASON_MAX + 64)
/* A file found with more links for longer than this gets a warning. */
#define DREQ_LINK_WARN_AGE	60

static struct dreq_ctx {
	char	path[64];	/* "<service> socket" in warnings */
} dreq_ctx = { "smtp socket" };

void
dreq_set_service(const char *service)
{
	snprintf(dreq_ctx.path, sizeof(dreq_ctx.path), "%.50s socket",
	    service);
}

/* Censored, shortened request text for a warning. */
static const char *
dreq_show(char *buf, size_t bufsz, const char *text)
{
	size_t	len = strlen(text);

	if (len > DREQ_SHOW_MAX)
		len = DREQ_SHOW_MAX;
	sj_text_censor(buf, bufsz, text, len);
	return (buf);
}

static void dreq_fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs a warning and keeps the same text as the reason. */
static void
dreq_fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	msg_warn("%s", why);
}

/* ------------------------------------------------------------------ */
/* MSG_STATS blob                                                      */

static int64_t
dreq_get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int	i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return ((int64_t)v);
}

static void
dreq_put_le64(unsigned char *p, int64_t sv)
{
	uint64_t v = (uint64_t)sv;
	int	i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* Offsets of the five timevals and the reuse count (msg_stats.h). */
#define STATS_TV(i)	((size_t)(i) * 16)
#define STATS_REUSE	80

void
dreq_stats_decode(struct msg_stats *st, const unsigned char *b)
{
	struct timeval *tv[5] = {
		&st->incoming_arrival, &st->active_arrival,
		&st->agent_handoff, &st->conn_setup_done, &st->deliver_done,
	};
	size_t	i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < NELEM(tv); i++) {
		tv[i]->tv_sec = (time_t)dreq_get_le64(b + STATS_TV(i));
		tv[i]->tv_usec =
		    (suseconds_t)dreq_get_le64(b + STATS_TV(i) + 8);
	}
	st->reuse_count = (unsigned)b[STATS_REUSE] |
	    (unsigned)b[STATS_REUSE + 1] << 8 |
	    (unsigned)b[STATS_REUSE + 2] << 16 |
	    (unsigned)b[STATS_REUSE + 3] << 24;
}

void
dreq_stats_encode(unsigned char *b, const struct msg_stats *st)
{
	const struct timeval *tv[5] = {
		&st->incoming_arrival, &st->active_arrival,
		&st->agent_handoff, &st->conn_setup_done, &st->deliver_done,
	};
	size_t	i;

	memset(b, 0, MSG_STATS_BLOB_LEN);
	for (i = 0; i < NELEM(tv); i++) {
		dreq_put_le64(b + STATS_TV(i), (int64_t)tv[i]->tv_sec);
		dreq_put_le64(b + STATS_TV(i) + 8, (int64_t)tv[i]->tv_usec);
	}
	b[STATS_REUSE] = (unsigned char)(st->reuse_count & 0xff);
	b[STATS_REUSE + 1] = (unsigned char)(st->reuse_count >> 8 & 0xff);
	b[STATS_REUSE + 2] = (unsigned char)(st->reuse_count >> 16 & 0xff);
	b[STATS_REUSE + 3] = (unsigned char)(st->reuse_count >> 24 & 0xff);
}

/* ------------------------------------------------------------------ */
/* Greeting and request                                                */

int
dreq_greet(int fd, int timeout)
{
	return (attr_greet_write(fd, DREQ_PROTOCOL, timeout));
}

void
dreq_free(struct dreq *req)
{
	char	**strs[] = {
		&req->nexthop, &req->encoding, &req->sender, &req->dsn_envid,
		&req->client_name, &req->client_addr, &req->client_port,
		&req->client_proto, &req->client_helo, &req->sasl_method,
		&req->sasl_username, &req->sasl_sender, &req->log_ident,
		&req->rewrite_context,
	};
	size_t	i;

	for (i = 0; i < NELEM(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	if (req->rcpt != NULL) {
		for (i = 0; i < req->rcpt_count; i++) {
			free(req->rcpt[i].orig_addr);
			free(req->rcpt[i].address);
			free(req->rcpt[i].dsn_orcpt);
		}
		free(req->rcpt);
		req->rcpt = NULL;
	}
	req->rcpt_count = 0;
}

#define SPEC_STR(n, p, m) \
	{ .type = ATTR_TYPE_STR, .name = (n), .max = (m), .out.str = (p) }
#define SPEC_INT(n, p) \
	{ .type = ATTR_TYPE_INT, .name = (n), .out.u = (p) }
#define SPEC_LONG(n, p) \
	{ .type = ATTR_TYPE_LONG, .name = (n), .out.ul = (p) }

/* The 23 common attributes, 3.7 order (deliver_request_get()). */
static int
dreq_read_common(struct attr_stream *s, struct dreq *req,
    unsigned long *offset, unsigned long *size, char **qname, char **qid)
{
	const struct attr_spec spec[] = {
		SPEC_INT("flags", &req->flags),
		SPEC_STR("queue_name", qname, SJ_QUEUE_NAME_MAX),
		SPEC_STR("queue_id", qid, SJ_QUEUE_ID_MAX),
		SPEC_LONG("offset", offset),
		SPEC_LONG("size", size),
		SPEC_STR("nexthop", &req->nexthop, SJ_NEXTHOP_MAX),
		SPEC_STR("encoding", &req->encoding, DREQ_WORD_MAX),
		{ .type = ATTR_TYPE_INT, .name = "smtputf8", .alt = "sendopts",
		  .out.u = &req->sendopts, .got = &req->sendopts_name },
		SPEC_STR("sender", &req->sender, SJ_SENDER_MAX),
		SPEC_STR("envelope_id", &req->dsn_envid, SJ_ENVID_MAX),
		SPEC_INT("ret_flags", &req->dsn_ret),
		{ .type = ATTR_TYPE_DATA, .name = "time",
		  .max = MSG_STATS_BLOB_LEN, .out.data = req->time_blob },
		SPEC_STR("log_client_name", &req->client_name, DREQ_INFO_MAX),
		SPEC_STR("log_client_address", &req->client_addr,
		    DREQ_INFO_MAX),
		SPEC_STR("log_client_port", &req->client_port, DREQ_INFO_MAX),
		SPEC_STR("log_protocol_name", &req->client_proto,
		    DREQ_INFO_MAX),
		SPEC_STR("log_helo_name", &req->client_helo, DREQ_INFO_MAX),
		SPEC_STR("sasl_method", &req->sasl_method, DREQ_INFO_MAX),
		SPEC_STR("sasl_username", &req->sasl_username, DREQ_INFO_MAX),
		SPEC_STR("sasl_sender", &req->sasl_sender, DREQ_INFO_MAX),
		SPEC_STR("log_ident", &req->log_ident, DREQ_INFO_MAX),
		SPEC_STR("rewrite_context", &req->rewrite_context,
		    DREQ_WORD_MAX),
		SPEC_INT("recipient_count", &req->rcpt_count),
	};

	return (attr_scan(s, ATTR_FLAG_STRICT, spec, NELEM(spec)));
}

static int
dreq_read_rcpt(struct attr_stream *s, struct dreq_rcpt *r,
    unsigned long *offset)
{
	const struct attr_spec spec[] = {
		/* Longer than SJ_ADDR_MAX: bounced by parent/deliver_child.c */
		SPEC_STR("original_recipient", &r->orig_addr, SJ_REQ_ADDR_MAX),
		SPEC_STR("recipient", &r->address, SJ_REQ_ADDR_MAX),
		SPEC_LONG("offset", offset),
		SPEC_STR("dsn_orig_rcpt", &r->dsn_orcpt, SJ_REQ_ORCPT_MAX),
		SPEC_INT("notify_flags", &r->notify),
	};

	return (attr_scan(s, ATTR_FLAG_STRICT, spec, NELEM(spec)));
}

/* Checks the common part; the request's names are not yet trusted. */
static int
dreq_check_common(struct dreq *req, const char *qname, const char *qid,
    unsigned long offset, unsigned long size, char *why, size_t whysz)
{
	char	show[DREQ_SHOW_MAX + 1];

	if (!qfile_queue_name_ok(qname)) {
		dreq_fail(why, whysz, "bad mail queue name: %s",
		    dreq_show(show, sizeof(show), qname));
		return (-EBADMSG);
	}
	if (!qfile_queue_id_ok(qid)) {
		dreq_fail(why, whysz, "bad mail queue id: %s",
		    dreq_show(show, sizeof(show), qid));
		return (-EBADMSG);
	}
	/* Both lengths were bounded by the reader. */
	memcpy(req->queue_name, qname, strlen(qname) + 1);
	memcpy(req->queue_id, qid, strlen(qid) + 1);
	if (offset > LONG_MAX || size > LONG_MAX) {
		dreq_fail(why, whysz, "%s: bad message offset %lu or size %lu "
		    "in delivery request", req->queue_id, offset, size);
		return (-EBADMSG);
	}
	req->data_offset = (long)offset;
	req->data_size = (long)size;
	if (req->nexthop[0] == '\0') {
		dreq_fail(why, whysz, "%s: empty nexthop in delivery request",
		    req->queue_id);
		return (-EBADMSG);
	}
	if (req->rcpt_count == 0) {
		dreq_fail(why, whysz, "%s: no recipients in delivery request "
		    "for destination %s", req->queue_id,
		    dreq_show(show, sizeof(show), req->nexthop));
		return (-EBADMSG);
	}
	if (req->rcpt_count > SJ_RCPT_MAX) {
		dreq_fail(why, whysz, "%s: too many recipients in delivery "
		    "request: %u (limit %d)", req->queue_id, req->rcpt_count,
		    SJ_RCPT_MAX);
		return (-EBADMSG);
	}
	return (0);
}

int
dreq_read(int fd, struct dreq *req, int timeout, char *why, size_t whysz)
{
	struct attr_stream s;
	struct timeval now;
	unsigned long offset = 0, size = 0, roff;
	char	*qname = NULL, *qid = NULL;
	unsigned count, i;
	int	err;

	memset(req, 0, sizeof(*req));
	snprintf(why, whysz, "no error");
	if ((err = attr_stream_init(&s, fd, dreq_ctx.path, timeout)) < 0) {
		snprintf(why, whysz, "deliver_request_get: %s", strerror(-err));
		return (err);
	}
	/*
	 * qmgr may change its mind after connecting: quiet EOF. Like
	 * Postfix's deliver_request_read() (read_wait(fd, -1)), the wait
	 * for the first byte has no limit; the timeout applies from then on.
	 */
	s.timeout = -1;
	err = attr_stream_at_eof(&s);
	s.timeout = timeout;
	if (err != 0) {
		if (err > 0)
			err = -ECONNRESET;
		snprintf(why, whysz, "%s", err == -ECONNRESET ?
		    "qmgr closed the connection without a request" : s.err);
		goto out;
	}
	if ((err = dreq_read_common(&s, req, &offset, &size, &qname,
	    &qid)) < 0) {
		/* Nothing was stored: recipient_count came last. */
		req->rcpt_count = 0;
		msg_warn("deliver_request_get: error receiving common "
		    "attributes");
		snprintf(why, whysz, "error receiving common attributes: %s",
		    s.err[0] ? s.err : strerror(-err));
		if (err != -ENOMEM && err != -ETIMEDOUT)
			err = -EBADMSG;
		goto out;
	}
	if ((err = dreq_check_common(req, qname, qid, offset, size, why,
	    whysz)) < 0) {
		req->rcpt_count = 0;
		goto out;
	}
	dreq_stats_decode(&req->stats, req->time_blob);
	/* As Postfix: do not override the hand-off time of a forwarder. */
	if (req->stats.agent_handoff.tv_sec == 0 &&
	    gettimeofday(&now, NULL) == 0)
		req->stats.agent_handoff = now;

	count = req->rcpt_count;
	req->rcpt_count = 0;
	if ((req->rcpt = calloc(count, sizeof(*req->rcpt))) == NULL) {
		snprintf(why, whysz, "%s: out of memory for %u recipients",
		    req->queue_id, count);
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		struct dreq_rcpt *r = &req->rcpt[i];

		/* Counted first, so that dreq_free() sees what is set. */
		req->rcpt_count = i + 1;
		if ((err = dreq_read_rcpt(&s, r, &roff)) < 0) {
			msg_warn("deliver_request_get: error receiving "
			    "recipient attributes");
			snprintf(why, whysz, "error receiving recipient "
			    "attributes: %s", s.err[0] ? s.err :
			    strerror(-err));
			if (err != -ENOMEM && err != -ETIMEDOUT)
				err = -EBADMSG;
			goto out;
		}
		/* -1 (sent as %lu) means "nothing to mark"; 0 is no record. */
		if (roff == ULONG_MAX) {
			r->offset = -1;
		} else if (roff == 0 || roff > LONG_MAX) {
			dreq_fail(why, whysz, "%s: bad recipient offset %lu in "
			    "delivery request", req->queue_id, roff);
			err = -EBADMSG;
			goto out;
		} else {
			r->offset = (long)roff;
		}
	}
	err = 0;
out:
	free(qname);
	free(qid);
	attr_stream_free(&s);
	if (err < 0 && err != -ECONNRESET)
		dreq_free(req);
	return (err);
}

/* ------------------------------------------------------------------ */
/* Final reply                                                         */

int
dreq_reply(int fd, const struct dreq_hop *hop, int status, int timeout)
{
	static const struct dreq_hop empty;
	struct attr_out o;
	int	err;

	if (hop == NULL)
		hop = &empty;
#define HOPSTR(p)	((p) != NULL ? (p) : "")
	if (strlen(HOPSTR(hop->status)) > SJ_DSN_STATUS_MAX ||
	    strlen(HOPSTR(hop->dtype)) > DREQ_WORD_MAX ||
	    strlen(HOPSTR(hop->dtext)) > SJ_REPLY_TEXT_MAX ||
	    strlen(HOPSTR(hop->mtype)) > DREQ_WORD_MAX ||
	    strlen(HOPSTR(hop->mname)) > SJ_HOSTNAME_MAX ||
	    strlen(HOPSTR(hop->action)) > DREQ_WORD_MAX ||
	    strlen(HOPSTR(hop->reason)) > SJ_REASON_MAX)
		return (-EINVAL);
	if ((err = attr_out_init(&o, DREQ_REPLY_MAX)) < 0)
		return (err);
	/* dsn_print() order, then the status (deliver_request_final()). */
	attr_put_str(&o, "status", HOPSTR(hop->status));
	attr_put_str(&o, "diag_type", HOPSTR(hop->dtype));
	attr_put_str(&o, "diag_text", HOPSTR(hop->dtext));
	attr_put_str(&o, "mta_type", HOPSTR(hop->mtype));
	attr_put_str(&o, "mta_mname", HOPSTR(hop->mname));
	attr_put_str(&o, "action", HOPSTR(hop->action));
	attr_put_str(&o, "reason", HOPSTR(hop->reason));
	attr_put_int(&o, "status",
	    status == DEL_STAT_FINAL ? DEL_STAT_FINAL : DEL_STAT_DEFER);
	attr_put_end(&o);
#undef HOPSTR
	err = attr_out_write(&o, fd, timeout);
	attr_out_free(&o);
	return (err);
}

int
dreq_wait_close(int fd, int timeout)
{
	struct pollfd pfd;
	char	c;
	ssize_t	n;
	int	ms, rc;

	ms = timeout <= 0 ? -1 : timeout > INT_MAX / 1000 ? INT_MAX :
	    timeout * 1000;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return (-errno);
		if (rc == 0)
			return (-ETIMEDOUT);
		n = read(fd, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return (errno == ECONNRESET ? 0 : -errno);
		return (n == 0 ? 0 : -EBADMSG);
	}
}

/* ------------------------------------------------------------------ */
/* Queue file check (mail_open_ok)                                     */

int
dreq_check_queue_path(const char *path, char *why, size_t whysz)
{
	char	show[DREQ_SHOW_MAX + 1];
	struct stat st;

	if (lstat(path, &st) < 0) {
		int	e = errno;

		snprintf(why, whysz, "%s: %s", dreq_show(show, sizeof(show),
		    path), strerror(e));
		/* Postfix is quiet about a file that is gone (ENOENT). */
		if (e != ENOENT)
			msg_warn("%s", why);
		return (-e);
	}
	if (!S_ISREG(st.st_mode)) {
		dreq_fail(why, whysz, "%s: uid %ld: not a regular file",
		    dreq_show(show, sizeof(show), path), (long)st.st_uid);
		return (-EPERM);
	}
	if ((st.st_mode & S_IRWXU) != S_IRWXU) {
		snprintf(why, whysz, "%s: owner permissions %03o, not rwx "
		    "(not ready or corrupt)", dreq_show(show, sizeof(show),
		    path), (unsigned)(st.st_mode & 0777));
		return (-EPERM);
	}
	/* Postfix warns only when the extra link persists (showq race). */
	if (st.st_nlink > 1 && st.st_ctime < time(NULL) - DREQ_LINK_WARN_AGE)
		msg_warn("%s: uid %ld: file has %ld links",
		    dreq_show(show, sizeof(show), path), (long)st.st_uid,
		    (long)st.st_nlink);
	return (0);
}

int
dreq_check_queue_file(const struct dreq *req, char *why, size_t whysz)
{
	char	path[SJ_QUEUE_NAME_MAX + 1 + SJ_QUEUE_ID_MAX + 1];
	char	show[DREQ_SHOW_MAX + 1];

	if (!qfile_queue_name_ok(req->queue_name)) {
		dreq_fail(why, whysz, "bad mail queue name: %s",
		    dreq_show(show, sizeof(show), req->queue_name));
		return (-EINVAL);
	}
	if (!qfile_queue_id_ok(req->queue_id)) {
		dreq_fail(why, whysz, "bad mail queue id: %s",
		    dreq_show(show, sizeof(show), req->queue_id));
		return (-EINVAL);
	}
	snprintf(path, sizeof(path), "%s/%s", req->queue_name, req->queue_id);
	return (dreq_check_queue_path(path, why, whysz));
}
