/*
 * NAME
 *	fuzz_smtp_reply 1
 * SUMMARY
 *	libFuzzer target: SMTP reply parser and EHLO feature parser
 * DESCRIPTION
 *	The input is what a hostile server sends, split into lines at LF
 *	(a CR before it is dropped, as the reader does). Lines go through
 *	smtp_reply_add_line() exactly as smtp_reply_read() feeds them
 *	(over-long lines cut at SJ_SMTP_LINE_MAX and flagged); every
 *	finished reply is formatted, checked to be printable and bounded,
 *	and parsed as an EHLO reply.
 * SECURITY
 *	Runs the child's parsers on hostile input, outside the sandbox.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_quiet.h"
#include "msg.h"
#include "sj_limits.h"
#include "sj_text.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_reply(const struct smtp_reply *r)
{
	char	text[SJ_REPLY_TEXT_MAX + 1];
	struct smtp_ehlo e;
	size_t	n;

	n = smtp_reply_format(r, text, sizeof(text));
	if (n >= sizeof(text) || strlen(text) != n || !sj_text_is_printable(text))
		abort();
	if (!sj_text_is_dsn_status(r->dsn) && strcmp(r->dsn, "5.5.0") != 0)
		abort();
	smtp_ehlo_parse(r, "fuzz[127.0.0.1]:25", 0, &e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	const char *p = (const char *)data, *end = p + size, *lf;
	size_t	len;
	int	cut;

	msg_set_sink(fuzz_quiet, NULL);
	smtp_reply_begin(&r);
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((lf ? lf : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		cut = len > SJ_SMTP_LINE_MAX;
		if (smtp_reply_add_line(&r, p, cut ? SJ_SMTP_LINE_MAX : len,
		    cut) == 1) {
			check_reply(&r);
			smtp_reply_begin(&r);
		}
		p = lf ? lf + 1 : end;
	}
	return (0);
}
