/*
 * NAME
 *	notice 3
 * SUMMARY
 *	postmaster notices: session transcripts mailed through cleanup(8)
 * DESCRIPTION
 *	See notice.h. What a notice looks like and how it is posted follow
 *	Postfix 3.7 smtp_chat_notify() (src/smtp/smtp_chat.c) and
 *	src/global/post_mail.c:
 *
 *	1. connect to public/$cleanup_service_name, read the greeting
 *	   "protocol cleanup_protocol queue_id <qid>" (strict);
 *	2. send "flags <n>": CLEANUP_FLAG_MAP_OK, plus FILTER|MILTER when
 *	   $internal_mail_filter_classes has "notify", plus AUTOUTF8 when
 *	   $smtputf8_autodetect_classes has "notify" or "all";
 *	3. send records: T "<sec> <usec>", A log_message_origin=local,
 *	   A trace_flags=0, S $double_bounce_sender@$myhostname,
 *	   R $error_notice_recipient, M, one N per message line, X, E;
 *	4. read "status <n>" (extra attributes such as "reason" skipped);
 *	   0 means queued.
 *
 *	The message: Received: by $myhostname ($mail_name) / id <qid>;
 *	<date>, Date:, From: Mail Delivery System <MAILER-DAEMON@host>, To:
 *	Postmaster <rcpt> (or the "obsolete" header_from_format forms),
 *	Subject: $mail_name SMTP client: errors from <host[addr]:port>,
 *	"Unexpected response from <peer>.", "Transcript of session
 *	follows.", each transcript line wrapped at 78 columns with a
 *	4-column indent for continuations and one leading space, and "For
 *	other details, see the local mail logfile". Where the child had to
 *	drop lines from the middle of a long session, one line says how
 *	many (smtpjail only: Postfix keeps the whole session).
 *
 *	Not reproduced: Postfix treats an unusable cleanup greeting as
 *	fatal; here every failure is a warning ("postmaster notify: ...").
 * SECURITY
 *	Parent. cleanup(8) is trusted; the transcript comes from the
 *	child and is hostile: notice_keep() checks it again (job id,
 *	classes, peer, every line printable with its prefix and bounded,
 *	the omission point) before it is kept, and every byte of the
 *	message is built in a bounded buffer.
 * SEE ALSO
 *	child/transcript.c, parent/svc_client.c, parent/attr.c; Postfix
 *	src/smtp/smtp_chat.c, smtp_connect.c, global/post_mail.c,
 *	mail_date.c, util/line_wrap.c (behaviour, no code copied)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "msg.h"
#include "notice.h"
#include "qfile.h"
#include "sj_match.h"
#include "sj_text.h"
#include "svc_client.h"

/* Postfix rec_type.h record letters. */
#define REC_TIME	'T'
#define REC_ATTR	'A'
#define REC_FROM	'S'
#define REC_RCPT	'R'
#define REC_MESG	'M'
#define REC_NORM	'N'
#define REC_XTRA	'X'
#define REC_END		'E'

/* smtp_chat_notify(): wrap width and continuation indent. */
#define NOTICE_WRAP	78
#define NOTICE_INDENT	4

/* A notice line: wrapped text or a header with an address. */
#define NOTICE_LINE_MAX	(SJ_ADDR_MAX + SJ_RELAY_MAX + 256)

/* ------------------------------------------------------------------ */
/* Classes                                                             */

int
notice_classes(const char *list, uint32_t *mask, char *why, size_t whysz)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		/* Postfix mail_error.c; smtp(8) raises protocol and data. */
		{ "bounce", 0 }, { "2bounce", 0 }, { "data", IPC_TC_DATA },
		{ "delay", 0 }, { "policy", 0 }, { "protocol", IPC_TC_PROTOCOL },
		{ "resource", 0 }, { "software", 0 },
	};
	const char *p = list, *sep = ", \t\r\n";
	size_t	n, k;

	*mask = 0;
	while (p != NULL && *p) {
		p += strspn(p, sep);
		if ((n = strcspn(p, sep)) == 0)
			break;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == n &&
			    strncasecmp(p, names[k].name, n) == 0)
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			snprintf(why, whysz, "parameter notify_classes: "
			    "unknown class \"%.*s\"", (int)(n > 64 ? 64 : n), p);
			return (-EINVAL);
		}
		*mask |= names[k].bit;
		p += n;
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* Checking and keeping what the child sent                            */

/* "host[addr]:port" with the characters of each (sj_text_is_relay()). */
static int
notice_check_peer(const char *peer)
{
	return (strcmp(peer, "none") != 0 && sj_text_is_relay(peer));
}

int
notice_keep(struct notice_set *set, const struct ipc_transcript *t,
    uint32_t job_id, const char *queue_id, char *why, size_t whysz)
{
	uint32_t bad;
	long	nl;

	(void)queue_id;
	if (t->job_id != job_id) {
		snprintf(why, whysz, "TRANSCRIPT for job %u, expected job %u",
		    t->job_id, job_id);
		return (-1);
	}
	if (t->classes == 0 || (t->classes & ~IPC_TC_ALL) != 0) {
		snprintf(why, whysz, "TRANSCRIPT with error classes 0x%x",
		    t->classes);
		return (-1);
	}
	if (memchr(t->peer, '\0', sizeof(t->peer)) == NULL ||
	    !notice_check_peer(t->peer)) {
		snprintf(why, whysz, "TRANSCRIPT with a malformed peer name");
		return (-1);
	}
	if (memchr(t->text, '\0', sizeof(t->text)) == NULL ||
	    (nl = ipc_msg_transcript_lines(t->text, &bad)) < 0) {
		snprintf(why, whysz, "TRANSCRIPT with a malformed line");
		return (-1);
	}
	if ((t->omitted == 0 && t->omitted_at != 0) || t->omitted_at > nl) {
		snprintf(why, whysz, "TRANSCRIPT with omission point %u of "
		    "%ld lines", t->omitted_at, nl);
		return (-1);
	}
	/* The child sends no more than this (child/transcript.c). */
	if (set->count >= NOTICE_PER_JOB_MAX) {
		snprintf(why, whysz, "more than %d TRANSCRIPT messages in one "
		    "job", NOTICE_PER_JOB_MAX);
		return (-1);
	}
	if ((set->t[set->count] = malloc(sizeof(*t))) == NULL)
		msg_fatal("malloc transcript: %s", strerror(errno));
	*set->t[set->count++] = *t;
	return (0);
}

void
notice_free(struct notice_set *set)
{
	unsigned i;

	for (i = 0; i < set->count; i++)
		free(set->t[i]);
	memset(set, 0, sizeof(*set));
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

/* One record: type, base-128 little-endian length, payload (record.c). */
static int
notice_rec(struct sj_buf *b, int type, const char *data, size_t len)
{
	size_t	n = len;
	int	err;

	if ((err = sj_buf_put_u8(b, (uint8_t)type)) < 0)
		return (err);
	do {
		uint8_t	byte = n & 0x7f;

		n >>= 7;
		if (n != 0)
			byte |= 0x80;
		if ((err = sj_buf_put_u8(b, byte)) < 0)
			return (err);
	} while (n != 0);
	return (len > 0 ? sj_buf_put(b, data, len) : 0);
}

static int __attribute__((format(printf, 3, 4)))
notice_recf(struct sj_buf *b, int type, const char *fmt, ...)
{
	char	line[NOTICE_LINE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return (-ENOSPC);
	return (notice_rec(b, type, line, (size_t)n));
}

/* One N record: a leading space, 'indent' spaces, seg[len]. */
static int
notice_wrapped(struct sj_buf *b, const char *seg, size_t len, int indent)
{
	return (notice_recf(b, REC_NORM, " %*s%.*s", indent, "", (int)len,
	    seg));
}

/*
 * Postfix line_wrap() as smtp_chat_notify() uses it: break before a
 * word that would make the line longer than the width (78, then 74
 * after the 4-column indent of continuation lines); a single word
 * longer than that stays whole; blanks at a break are dropped.
 */
static int
notice_wrap(struct sj_buf *b, const char *str)
{
	const char *start = str, *word = str, *end;
	size_t	width = NOTICE_WRAP, n;
	int	indent = 0, err;

	for (;;) {
		end = word + strcspn(word, " \t");
		if (word > start && (size_t)(end - start) > width) {
			n = (size_t)(word - start);
			while (n > 0 && (start[n - 1] == ' ' ||
			    start[n - 1] == '\t'))
				n--;
			if ((err = notice_wrapped(b, start, n, indent)) < 0)
				return (err);
			while (*word == ' ' || *word == '\t')
				word++;
			if (indent == 0) {
				indent = NOTICE_INDENT;
				width -= NOTICE_INDENT;
			}
			start = word;
			end = word + strcspn(word, " \t");
		}
		if (*end == '\0')
			break;
		word = end + 1;
	}
	n = strlen(start);
	while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	return (notice_wrapped(b, start, n, indent));
}

/* Postfix mail_date(): "Sun,  6 Dec 2026 03:19:59 +0000 (UTC)". */
static void
notice_date(char *out, size_t outsz, time_t when)
{
	struct tm tm;
	long	off;
	size_t	n;

	localtime_r(&when, &tm);
	off = tm.tm_gmtoff / 60;
	n = strftime(out, outsz, "%a, %e %b %Y %H:%M:%S ", &tm);
	n += (size_t)snprintf(out + n, outsz - n, "%c%02ld%02ld",
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	if (n < outsz)
		(void)strftime(out + n, outsz - n, " (%Z)", &tm);
}

/* The transcript's lines, wrapped, with the omission note. */
static int
notice_body(struct sj_buf *b, const struct ipc_transcript *t)
{
	char	line[SJ_TRANSCRIPT_LINE_MAX + 1];
	const char *p = t->text, *nl;
	uint32_t i = 0;
	size_t	len;
	int	err;

	while (*p != '\0' || (i == t->omitted_at && t->omitted > 0)) {
		if (i == t->omitted_at && t->omitted > 0 &&
		    (err = notice_recf(b, REC_NORM, " (smtpjail: %u lines of "
		    "this session omitted)", t->omitted)) < 0)
			return (err);
		if (*p == '\0')
			break;
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line))
			return (-EINVAL);	/* notice_keep() checked */
		memcpy(line, p, len);
		line[len] = '\0';
		if ((err = notice_wrap(b, line)) < 0)
			return (err);
		i++;
		p = nl != NULL ? nl + 1 : p + len;
	}
	return (0);
}

int
notice_records(struct sj_buf *b, const struct notice_msg *m)
{
	char	date[128];
	const char *peer = m->t->peer;
	int	err = 0;

	notice_date(date, sizeof(date), m->now.tv_sec);
	if ((err = notice_recf(b, REC_TIME, "%ld %ld", (long)m->now.tv_sec,
	    (long)m->now.tv_usec)) < 0 ||
	    (err = notice_recf(b, REC_ATTR, "log_message_origin=local")) < 0 ||
	    (err = notice_recf(b, REC_ATTR, "trace_flags=0")) < 0 ||
	    (err = notice_recf(b, REC_FROM, "%s", m->sender)) < 0 ||
	    (err = notice_recf(b, REC_RCPT, "%s", m->recipient)) < 0 ||
	    (err = notice_rec(b, REC_MESG, "", 0)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "Received: by %s (%s)",
	    m->myhostname, m->mail_name)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "\tid %s; %s", m->queue_id,
	    date)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "Date: %s", date)) < 0)
		return (err);
	if (m->hfrom_obsolete) {
		if ((err = notice_recf(b, REC_NORM, "From: MAILER-DAEMON@%s "
		    "(Mail Delivery System)", m->myhostname)) < 0 ||
		    (err = notice_recf(b, REC_NORM, "To: %s (Postmaster)",
		    m->recipient)) < 0)
			return (err);
	} else {
		if ((err = notice_recf(b, REC_NORM, "From: Mail Delivery "
		    "System <MAILER-DAEMON@%s>", m->myhostname)) < 0 ||
		    (err = notice_recf(b, REC_NORM, "To: Postmaster <%s>",
		    m->recipient)) < 0)
			return (err);
	}
	if ((err = notice_recf(b, REC_NORM, "Subject: %s SMTP client: errors "
	    "from %s", m->mail_name, peer)) < 0 ||
	    (err = notice_rec(b, REC_NORM, "", 0)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "Unexpected response from %s.",
	    peer)) < 0 ||
	    (err = notice_rec(b, REC_NORM, "", 0)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "Transcript of session "
	    "follows.")) < 0 ||
	    (err = notice_rec(b, REC_NORM, "", 0)) < 0 ||
	    (err = notice_body(b, m->t)) < 0 ||
	    (err = notice_rec(b, REC_NORM, "", 0)) < 0 ||
	    (err = notice_recf(b, REC_NORM, "For other details, see the "
	    "local mail logfile")) < 0 ||
	    (err = notice_rec(b, REC_XTRA, "", 0)) < 0 ||
	    (err = notice_rec(b, REC_END, "", 0)) < 0)
		return (err);
	return (0);
}

/* ------------------------------------------------------------------ */
/* Posting                                                             */

static int
notice_cleanup_flags(const struct sj_config *cfg)
{
	const char *ifc = sj_config_param(cfg, "internal_mail_filter_classes");
	const char *utf = sj_config_param(cfg, "smtputf8_autodetect_classes");
	int	flags = NOTICE_CLEANUP_MAP_OK;

	if (ifc != NULL && sj_match_list_has(ifc, "notify"))
		flags |= NOTICE_CLEANUP_FILTER | NOTICE_CLEANUP_MILTER;
	if (utf != NULL && (sj_match_list_has(utf, "notify") ||
	    sj_match_list_has(utf, "all")))
		flags |= NOTICE_CLEANUP_AUTOUTF8;
	return (flags);
}

int
notice_post(const char *svc_dir, const struct sj_config *cfg,
    const struct ipc_transcript *t, char *why, size_t whysz)
{
	char	path[300], sender[SJ_ADDR_MAX + 1];
	const char *hff = sj_config_param(cfg, "header_from_format");
	char   *qid = NULL;
	struct attr_spec greet[2];
	struct attr_stream s;
	struct attr_out o;
	struct sj_buf rec;
	struct notice_msg m;
	int	timeout = (int)cfg->ipc_timeout, fd, err;
	unsigned status = 0;

	if ((size_t)snprintf(sender, sizeof(sender), "%s@%s",
	    cfg->double_bounce_sender, cfg->myhostname) >= sizeof(sender)) {
		snprintf(why, whysz, "double_bounce_sender too long");
		return (-ENAMETOOLONG);
	}
	if ((fd = svc_open(svc_dir, cfg->cleanup_service_name, timeout, &s,
	    path, sizeof(path), why, whysz)) < 0)
		return (fd);
	memset(greet, 0, sizeof(greet));
	greet[0].type = ATTR_TYPE_STREQ;
	greet[0].name = ATTR_NAME_PROTOCOL;
	greet[0].out.eq = NOTICE_PROTO_CLEANUP;
	greet[1].type = ATTR_TYPE_STR;
	greet[1].name = "queue_id";
	greet[1].max = SJ_QUEUE_ID_MAX;
	greet[1].out.str = &qid;
	memset(&o, 0, sizeof(o));
	memset(&rec, 0, sizeof(rec));
	if ((err = attr_scan(&s, ATTR_FLAG_STRICT, greet, 2)) < 0) {
		snprintf(why, whysz, "unable to contact the %s service: %s",
		    cfg->cleanup_service_name, s.err[0] ? s.err :
		    strerror(-err));
		goto out;
	}
	if (!qfile_queue_id_ok(qid)) {
		snprintf(why, whysz, "%s: bad queue_id in greeting", path);
		err = -EBADMSG;
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.myhostname = cfg->myhostname;
	m.mail_name = cfg->mail_name;
	m.sender = sender;
	m.recipient = cfg->error_notice_recipient;
	m.queue_id = qid;
	m.hfrom_obsolete = hff != NULL && strcasecmp(hff, "obsolete") == 0;
	m.t = t;
	gettimeofday(&m.now, NULL);
	if ((err = attr_out_init(&o, 64)) < 0 ||
	    (err = sj_buf_init(&rec, NOTICE_RECORDS_MAX)) < 0) {
		snprintf(why, whysz, "buffers: %s", strerror(-err));
		goto out;
	}
	attr_put_int(&o, "flags", notice_cleanup_flags(cfg));
	attr_put_end(&o);
	if ((err = notice_records(&rec, &m)) < 0) {
		snprintf(why, whysz, "notice larger than %d bytes",
		    NOTICE_RECORDS_MAX);
		goto out;
	}
	if ((err = attr_out_write(&o, fd, timeout)) < 0 ||
	    (err = attr_write_all(fd, rec.data, rec.len, timeout)) < 0) {
		snprintf(why, whysz, "write %s: %s", path, strerror(-err));
		goto out;
	}
	if ((err = attr_get_uint(&s, ATTR_FLAG_MISSING, "status",
	    &status)) < 0 ||
	    (err = attr_get_end(&s, ATTR_FLAG_MISSING)) < 0) {
		snprintf(why, whysz, "write/read %s: %s", path, s.err[0] ?
		    s.err : strerror(-err));
		goto out;
	}
	if (status != 0) {
		snprintf(why, whysz, "%s service: status %d",
		    cfg->cleanup_service_name, (int)status);
		err = -EPROTO;
	}
out:
	free(qid);
	attr_out_free(&o);
	sj_buf_free(&rec);
	attr_stream_free(&s);
	(void)close(fd);
	return (err);
}

void
notice_post_all(const struct notice_set *set, const struct sj_config *cfg,
    const char *sender)
{
	char	why[512], dbl[SJ_ADDR_MAX + 1];
	unsigned i;

	if (set->count == 0 || cfg->notify_mask == 0)
		return;
	/* smtp_cleanup_session(): no notices about notices or bounces. */
	snprintf(dbl, sizeof(dbl), "%s@%s", cfg->double_bounce_sender,
	    cfg->myhostname);
	if (sender[0] == '\0' || strcmp(sender, dbl) == 0)
		return;
	for (i = 0; i < set->count; i++) {
		if ((set->t[i]->classes & cfg->notify_mask) == 0)
			continue;
		if (notice_post(SVC_DIR_PUBLIC, cfg, set->t[i], why,
		    sizeof(why)) < 0)
			msg_warn("postmaster notify: %s", why);
	}
}
