/*
 * NAME
 *	smtp_ehlo 3
 * SUMMARY
 *	parse the EHLO reply into a feature set
 * DESCRIPTION
 *	See smtp_ehlo.h. Each stored line of the reply is split into
 *	words: the first word (delimited by '-' or space) is the reply
 *	code, the second (delimited by space, tab or '=') the server name
 *	on the first line and the keyword on the others; SIZE looks at one
 *	more word. Lines without a keyword are skipped and do not count as
 *	the first line, as in Postfix. A keyword whose bit is in the
 *	discard mask (smtp_discard_ehlo_keywords and its address maps, as
 *	the parent decided for this server) is ignored. smtp_ehlo_read()
 *	first asks the parent to log the mask ("discarding EHLO
 *	keywords: ...", EHLO_NOTE), as smtp_proto.c does unless the mask
 *	has "silent-discard".
 * SECURITY
 *	Child only. Input is a censored, bounded server reply; all parsing
 *	is done on explicit lengths within it.
 * SEE ALSO
 *	Postfix src/smtp/smtp_proto.c (smtp_helo), RFC 5321 4.1.1.1,
 *	RFC 1870, RFC 2920, RFC 3461, RFC 6152, RFC 6531
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "sj_ehlo_mask.h"
#include "smtp_ehlo.h"
#include "smtp_session.h"

struct ehlo_word {
	const char *p;
	size_t	len;
};

/* Each keyword with the smtp_discard_ehlo_keywords bit that hides it. */
static const struct ehlo_keyword {
	const char *name;
	unsigned feature;
	unsigned discard;
} ehlo_keywords[] = {
	{ "PIPELINING", SMTP_EHLO_PIPELINING, SJ_EHLO_MASK_PIPELINING },
	{ "SIZE", SMTP_EHLO_SIZE, SJ_EHLO_MASK_SIZE },
	{ "8BITMIME", SMTP_EHLO_8BITMIME, SJ_EHLO_MASK_8BITMIME },
	{ "DSN", SMTP_EHLO_DSN, SJ_EHLO_MASK_DSN },
	{ "SMTPUTF8", SMTP_EHLO_SMTPUTF8, SJ_EHLO_MASK_SMTPUTF8 },
	{ "ENHANCEDSTATUSCODES", SMTP_EHLO_ENHANCEDSTATUSCODES,
	    SJ_EHLO_MASK_ENHANCEDSTATUSCODES },
	{ "CHUNKING", SMTP_EHLO_CHUNKING, SJ_EHLO_MASK_CHUNKING },
	{ "STARTTLS", SMTP_EHLO_STARTTLS, SJ_EHLO_MASK_STARTTLS },
	{ "AUTH", SMTP_EHLO_AUTH, SJ_EHLO_MASK_AUTH },
};

/* Next word of s[*pos..end) delimited by any of 'delim' (skipped first). */
static int
ehlo_next(const char *s, size_t end, size_t *pos, const char *delim,
    struct ehlo_word *w)
{
	size_t	i = *pos;

	while (i < end && strchr(delim, s[i]) != NULL)
		i++;
	if (i >= end)
		return (0);
	w->p = s + i;
	while (i < end && strchr(delim, s[i]) == NULL)
		i++;
	w->len = (size_t)(s + i - w->p);
	/* As mystrtok(): the delimiter after a word goes with it. */
	*pos = i < end ? i + 1 : i;
	return (1);
}

static int
ehlo_is(const struct ehlo_word *w, const char *name)
{
	return (strlen(name) == w->len && strncasecmp(w->p, name, w->len) == 0);
}

/* All-digit word to a size; huge values become 0 (no limit). */
static void
ehlo_size(const struct ehlo_word *w, const char *peer, struct smtp_ehlo *e)
{
	uint64_t v = 0;
	size_t	i;
	unsigned d;
	char	shown[32];

	for (i = 0; i < w->len; i++) {
		if (w->p[i] < '0' || w->p[i] > '9') {
			snprintf(shown, sizeof(shown), "%.*s",
			    (int)(w->len < 30 ? w->len : 30), w->p);
			msg_warn("bad EHLO SIZE limit \"%s\" from %s", shown,
			    peer);
			return;
		}
	}
	for (i = 0; i < w->len; i++) {
		d = (unsigned)(w->p[i] - '0');
		if (v > (SMTP_EHLO_SIZE_MAX - d) / 10) {
			e->size_limit = 0;
			return;
		}
		v = v * 10 + d;
	}
	e->size_limit = v;
}

/*
 * AUTH (and the old "AUTH=" form): the words after the keyword, joined
 * with an earlier AUTH line when they differ (smtp_sasl_proto.c), as
 * much as fits. The mechanism filter is the SASL client's business.
 */
static void
ehlo_auth(const char *text, size_t pos, size_t end, struct smtp_ehlo *e)
{
	size_t	have = strlen(e->auth), len;

	while (pos < end && strchr(" \t=", text[pos]) != NULL)
		pos++;
	len = end - pos;
	e->features |= SMTP_EHLO_AUTH;
	if (len == 0 || (len == have &&
	    strncasecmp(e->auth, text + pos, len) == 0))
		return;
	if (have > 0 && have + 1 + len <= SMTP_EHLO_AUTH_MAX) {
		e->auth[have++] = ' ';
	} else if (have > 0) {
		return;
	}
	if (have + len > SMTP_EHLO_AUTH_MAX)
		len = SMTP_EHLO_AUTH_MAX - have;
	memcpy(e->auth + have, text + pos, len);
	e->auth[have + len] = '\0';
}

void
smtp_ehlo_parse(const struct smtp_reply *r, const char *peer,
    unsigned discard, struct smtp_ehlo *e)
{
	const char *text = r->text;
	size_t	start = 0, end, pos, k;
	struct ehlo_word w;
	int	n = 0;

	memset(e, 0, sizeof(*e));
	while (start < r->len) {
		for (end = start; end < r->len && text[end] != '\n'; end++)
			;
		pos = start;
		if (ehlo_next(text, end, &pos, "- ", &w) &&
		    ehlo_next(text, end, &pos, " \t=", &w)) {
			if (n == 0) {
				snprintf(e->server, sizeof(e->server), "%.*s",
				    (int)(w.len < SJ_HOSTNAME_MAX ? w.len :
				    SJ_HOSTNAME_MAX), w.p);
			} else {
				for (k = 0; k < sizeof(ehlo_keywords) /
				    sizeof(ehlo_keywords[0]); k++)
					if (ehlo_is(&w, ehlo_keywords[k].name))
						break;
				/* A discarded keyword is not seen at all. */
				if (k == sizeof(ehlo_keywords) /
				    sizeof(ehlo_keywords[0]) ||
				    (discard & ehlo_keywords[k].discard)) {
					n++;
					start = end + 1;
					continue;
				}
				if (ehlo_keywords[k].feature !=
				    SMTP_EHLO_AUTH)
					e->features |=
					    ehlo_keywords[k].feature;
				if (ehlo_is(&w, "SIZE") &&
				    ehlo_next(text, end, &pos, " \t", &w))
					ehlo_size(&w, peer, e);
				if (ehlo_is(&w, "AUTH"))
					ehlo_auth(text, pos, end, e);
			}
			n++;
		}
		start = end + 1;
	}
}

void
smtp_ehlo_read(struct smtp_job *job, const struct smtp_reply *r,
    const struct smtp_peer *peer, struct smtp_ehlo *e)
{
	struct ipc_msg m;
	unsigned discard = peer->ehlo_discard;

	/* smtp_proto.c logs the discarded keywords before it looks at the
	 * reply; the parent writes that line (EHLO_NOTE), not the child. */
	if (discard != 0 && (discard & SJ_EHLO_MASK_SILENT) == 0) {
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_EHLO_NOTE;
		m.fd = -1;
		m.u.ehlo_note.job_id = job->dlv->job_id;
		m.u.ehlo_note.mask = discard;
		/* A broken channel ends the job at its next message. */
		if (job->emit(job->emit_ctx, &m) < 0)
			msg_warn("cannot send EHLO_NOTE");
	}
	smtp_ehlo_parse(r, peer->relay, discard, e);
}
