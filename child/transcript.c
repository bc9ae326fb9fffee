/*
 * NAME
 *	transcript 3
 * SUMMARY
 *	the bounded transcript of one SMTP session, for postmaster notices
 * DESCRIPTION
 *	See transcript.h. The history is kept as the TRANSCRIPT message
 *	body itself: lines joined by '\n' in a fixed buffer, so sending it
 *	copies nothing that was not already checked. Which events are
 *	errors of which class follows Postfix 3.7 smtp_chat_resp(),
 *	smtp_check_code() and smtp_stream_except() (src/smtp/smtp_chat.c,
 *	smtp_trouble.c).
 *
 *	Module state: one static context (the child runs one session at a
 *	time).
 * SECURITY
 *	Child only. Every stored byte went through sj_text_censor() and
 *	every copy is bounded by the buffer it goes into.
 * SEE ALSO
 *	Postfix src/smtp/smtp_chat.c, smtp_trouble.c, smtp_connect.c;
 *	parent/notice.c
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "sj_text.h"
#include "transcript.h"

static struct transcript_ctx {
	int	active;			/* between begin and send */
	int	debug;			/* log every line (debug_peer_list) */
	size_t	len;			/* bytes in t.text */
	uint32_t nlines;		/* lines in t.text */
	int	head_fixed;		/* head_len/head_lines are set */
	size_t	head_len;		/* bytes of the kept head lines */
	uint32_t head_lines;
	struct ipc_transcript t;
	/* Survive transcript_begin(): TRANSCRIPTs sent in the current job
	 * (the parent refuses more than SJ_TRANSCRIPT_PER_JOB). */
	uint32_t sent_job;
	unsigned sent;
} transcript_ctx;

void
transcript_debug(int on)
{
	if (transcript_ctx.active)
		transcript_ctx.debug = on;
}

void
transcript_begin(const char *peer)
{
	struct transcript_ctx *c = &transcript_ctx;
	uint32_t sent_job = c->sent_job;
	unsigned sent = c->sent;

	memset(c, 0, sizeof(*c));
	c->sent_job = sent_job;
	c->sent = sent;
	c->active = 1;
	sj_text_censor(c->t.peer, sizeof(c->t.peer), peer, strlen(peer));
}

/* End of the first head line that ends at or before TRANSCRIPT_HEAD_MAX. */
static void
transcript_fix_head(struct transcript_ctx *c)
{
	const char *p = c->t.text, *nl;

	c->head_fixed = 1;
	c->head_len = 0;
	c->head_lines = 0;
	while ((nl = memchr(p, '\n', c->len - (size_t)(p - c->t.text))) !=
	    NULL && (size_t)(nl - c->t.text) <= TRANSCRIPT_HEAD_MAX) {
		c->head_len = (size_t)(nl - c->t.text);
		c->head_lines++;
		p = nl + 1;
	}
}

/* Drops the oldest line after the head; 0, or -1 if there is none. */
static int
transcript_drop_one(struct transcript_ctx *c)
{
	char   *text = c->t.text;
	size_t	from, to;
	char   *nl;

	if (!c->head_fixed)
		transcript_fix_head(c);
	if (c->nlines <= c->head_lines)
		return (-1);
	if (c->head_lines > 0) {
		/* Remove "\nLINE", keeping the '\n' of the line after. */
		from = c->head_len;
		nl = memchr(text + from + 1, '\n', c->len - from - 1);
	} else {
		/* Remove "LINE\n". */
		from = 0;
		nl = memchr(text, '\n', c->len);
		if (nl != NULL)
			nl++;
	}
	to = nl != NULL ? (size_t)(nl - text) : c->len;
	memmove(text + from, text + to, c->len - to);
	c->len -= to - from;
	text[c->len] = '\0';
	c->nlines--;
	c->t.omitted++;
	c->t.omitted_at = c->head_lines;
	return (0);
}

static void
transcript_add(const char *prefix, const char *line, size_t len)
{
	struct transcript_ctx *c = &transcript_ctx;
	char	buf[SJ_TRANSCRIPT_LINE_MAX + 1];
	size_t	plen = strlen(prefix), n, need;

	if (!c->active)
		return;
	memcpy(buf, prefix, plen);
	n = plen + sj_text_censor(buf + plen, sizeof(buf) - plen, line, len);
	if (c->debug)
		msg_info("%s %s: %s", strcmp(prefix, IPC_TRANSCRIPT_IN) == 0 ?
		    "<" : ">", c->t.peer, buf + plen);
	need = n + (c->nlines > 0 ? 1 : 0);
	while (c->len + need > SJ_TRANSCRIPT_MAX) {
		if (transcript_drop_one(c) < 0)
			return;		/* cannot happen: head < max/3 */
		need = n + (c->nlines > 0 ? 1 : 0);
	}
	if (c->nlines > 0)
		c->t.text[c->len++] = '\n';
	memcpy(c->t.text + c->len, buf, n);
	c->len += n;
	c->t.text[c->len] = '\0';
	c->nlines++;
}

void
transcript_out(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol;
	size_t	n;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		transcript_add(IPC_TRANSCRIPT_OUT, p, n);
		if (eol == NULL)
			break;
		p = eol + 1;
	}
}

void
transcript_in(const char *line, size_t len)
{
	size_t	d = 0;

	if (!transcript_ctx.active)
		return;
	transcript_add(IPC_TRANSCRIPT_IN, line, len);
	while (d < len && d < 4 && line[d] >= '0' && line[d] <= '9')
		d++;
	/* Postfix smtp_chat_resp(): anything but "NNN", "NNN " or "NNN-". */
	if (d != 3 || (len > 3 && line[3] != ' ' && line[3] != '-'))
		transcript_ctx.t.classes |= IPC_TC_PROTOCOL;
}

void
transcript_check_code(int code)
{
	/* Postfix smtp_check_code(): RFC 5321 x0z replies, RFC 1869 555. */
	if (code < 400 || code > 599 || code == 555 ||
	    (code >= 500 && code < 510))
		transcript_error(IPC_TC_PROTOCOL);
}

void
transcript_error(uint32_t classes)
{
	if (transcript_ctx.active)
		transcript_ctx.t.classes |= classes & IPC_TC_ALL;
}

const struct ipc_transcript *
transcript_peek(void)
{
	return (&transcript_ctx.t);
}

int
transcript_send(uint32_t job_id, child_emit_fn emit, void *emit_ctx)
{
	struct transcript_ctx *c = &transcript_ctx;
	struct ipc_msg m;

	if (!c->active)
		return (0);
	c->active = 0;
	if (c->t.classes == 0)
		return (0);
	if (c->sent_job != job_id) {
		c->sent_job = job_id;
		c->sent = 0;
	}
	if (c->sent >= SJ_TRANSCRIPT_PER_JOB) {
		if (c->sent++ == SJ_TRANSCRIPT_PER_JOB)
			msg_warn("more than %d sessions with errors in one "
			    "delivery: no postmaster notice for the rest",
			    SJ_TRANSCRIPT_PER_JOB);
		return (0);
	}
	c->sent++;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TRANSCRIPT;
	m.fd = -1;
	m.u.transcript = c->t;
	m.u.transcript.job_id = job_id;
	return (emit(emit_ctx, &m));
}
