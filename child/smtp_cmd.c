/*
 * NAME
 *	smtp_cmd 3
 * SUMMARY
 *	the SMTP commands of a mail transaction: MAIL FROM and RCPT TO
 * DESCRIPTION
 *	Builds each command in the session's command buffer (s->cmd),
 *	as Postfix 3.7's smtp_proto.c writes them: the envelope address
 *	quoted as quote_821_local.c does, and the ESMTP parameters the
 *	server's EHLO allows: SIZE (RFC 1870; not when the content will
 *	be converted), BODY (RFC 6152), ENVID, RET, ORCPT and NOTIFY
 *	(RFC 3461, xtext; RFC 6533 unitext for a UTF-8 ORCPT), SMTPUTF8
 *	(RFC 6531). The buffer holds SMTP_CMD_MAX bytes, which covers the
 *	largest command the IPC limits allow; a longer one is a bug and
 *	panics.
 * SECURITY
 *	Child only. The addresses and DSN fields come from the parent
 *	(a queue file, trusted as Postfix trusts it), bounded by the IPC
 *	limits.
 * SEE ALSO
 *	Postfix src/smtp/smtp_proto.c, src/global/quote_821_local.c,
 *	src/global/xtext.c, src/global/uxtext.c; child/smtp_session.c;
 *	RFC 5321, RFC 1870, RFC 3461, RFC 6152, RFC 6531, RFC 6533
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "smtp_session_int.h"

/* Command building. */

void
cmd_reset(struct sess *s)
{
	s->cmd_len = 0;
}

static void
cmd_addn(struct sess *s, const char *p, size_t len)
{
	/* SMTP_CMD_MAX covers the largest command the IPC limits allow. */
	if (len > sizeof(s->cmd) - s->cmd_len)
		msg_panic("smtp_session: command longer than %d bytes",
		    SMTP_CMD_MAX);
	memcpy(s->cmd + s->cmd_len, p, len);
	s->cmd_len += len;
}

void
cmd_add(struct sess *s, const char *str)
{
	cmd_addn(s, str, strlen(str));
}

static void
cmd_addc(struct sess *s, int c)
{
	char	ch = (char)c;

	cmd_addn(s, &ch, 1);
}

static void
cmd_addu(struct sess *s, unsigned long long v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%llu", v);
	cmd_add(s, num);
}

/* Postfix is_821_dot_string() in 8-bit clean mode. */
static int
addr_is_dot_string(const char *p, const char *end)
{
	const char *cp;
	unsigned char c;

	if (p == end || *p == '.')
		return (0);
	for (cp = p; cp < end; cp++) {
		c = (unsigned char)*cp;
		if (c == '.' && cp + 1 < end && cp[1] == '.')
			return (0);
		if (c == ' ' || c < 0x20 || c == 0x7f)
			return (0);
		if (strchr("<>()[]\\,;:@\"", c) != NULL)
			return (0);
	}
	return (end[-1] != '.');
}

/* RFC 5321 4.1.2 path: quote the local part when it needs it. */
static void
cmd_add_address(struct sess *s, const char *addr)
{
	const char *at, *cp;

	if (*addr == '\0')
		return;
	if ((at = strrchr(addr, '@')) == NULL)
		at = addr + strlen(addr);
	if (addr_is_dot_string(addr, at)) {
		cmd_add(s, addr);
		return;
	}
	cmd_addc(s, '"');
	for (cp = addr; cp < at; cp++) {
		if (*cp == '\r' || *cp == '\n' || *cp == '"' || *cp == '\\')
			cmd_addc(s, '\\');
		cmd_addc(s, *cp);
	}
	cmd_addc(s, '"');
	cmd_add(s, at);
}

/* RFC 3461 4 xtext (Postfix xtext_quote_append). */
static void
cmd_add_xtext(struct sess *s, const char *str, const char *special)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *cp;

	for (cp = (const unsigned char *)str; *cp; cp++) {
		if (*cp != '+' && *cp > 32 && *cp < 127 &&
		    strchr(special, *cp) == NULL) {
			cmd_addc(s, *cp);
		} else {
			cmd_addc(s, '+');
			cmd_addc(s, hex[*cp >> 4]);
			cmd_addc(s, hex[*cp & 15]);
		}
	}
}

/*
 * RFC 6533 3 unitext (Postfix uxtext_quote_append): 0 or -1 for bad
 * UTF-8, in which case the caller drops what was added.
 */
static int
cmd_add_uxtext(struct sess *s, const char *str, const char *special)
{
	const unsigned char *cp;
	unsigned long u;
	int	more;
	char	esc[16];

	for (cp = (const unsigned char *)str; *cp; cp++) {
		if (*cp != '\\' && *cp > 32 && *cp < 127 &&
		    strchr(special, *cp) == NULL) {
			cmd_addc(s, *cp);
			continue;
		}
		if (*cp < 0x80) {
			u = *cp;
			more = 0;
		} else if ((*cp & 0xe0) == 0xc0) {
			u = *cp & 0x1f;
			more = 1;
		} else if ((*cp & 0xf0) == 0xe0) {
			u = *cp & 0x0f;
			more = 2;
		} else if ((*cp & 0xf8) == 0xf0) {
			u = *cp & 0x07;
			more = 3;
		} else if ((*cp & 0xfc) == 0xf8) {
			u = *cp & 0x03;
			more = 4;
		} else if ((*cp & 0xfe) == 0xfc) {
			u = *cp & 0x01;
			more = 5;
		} else {
			return (-1);
		}
		for (; more > 0; more--) {
			if ((*++cp & 0xc0) != 0x80)
				return (-1);
			u = u << 6 | (*cp & 0x3f);
		}
		snprintf(esc, sizeof(esc), "\\x{%02lX}", u);
		cmd_add(s, esc);
	}
	return (0);
}

void
cmd_mail(struct sess *s)
{
	const struct ipc_deliver *dlv = s->job->dlv;
	unsigned f = s->ehlo.features;

	cmd_reset(s);
	cmd_add(s, "MAIL FROM:<");
	cmd_add_address(s, dlv->sender);
	cmd_add(s, ">");
	/* Postfix: no SIZE when the content will be converted. */
	if ((f & SMTP_EHLO_SIZE) && !SESS_MIME_DOWNGRADE(s)) {
		/* Postfix smtp_proto.c: request->data_size, not our copy */
		cmd_add(s, " SIZE=");
		cmd_addu(s, (unsigned long long)dlv->data_size);
	}
	if (f & SMTP_EHLO_8BITMIME) {
		if (dlv->flags & IPC_DF_8BITMIME)
			cmd_add(s, " BODY=8BITMIME");
		else if (dlv->flags & IPC_DF_7BIT)
			cmd_add(s, " BODY=7BIT");
	}
	if (f & SMTP_EHLO_DSN) {
		if (dlv->envid[0] != '\0') {
			cmd_add(s, " ENVID=");
			cmd_add_xtext(s, dlv->envid, "+=");
		}
		if (dlv->ret_flags == DSN_RET_FULL)
			cmd_add(s, " RET=FULL");
		else if (dlv->ret_flags == DSN_RET_HDRS)
			cmd_add(s, " RET=HDRS");
	}
	if ((f & SMTP_EHLO_SMTPUTF8) && (dlv->smtputf8 & SMTPUTF8_REQUESTED))
		cmd_add(s, " SMTPUTF8");
	cmd_add(s, "\r\n");
}

void
cmd_rcpt(struct sess *s, const struct ipc_rcpt *rcpt)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} notify[] = {
		{ 1, "NEVER" }, { 2, "SUCCESS" }, { 4, "FAILURE" },
		{ 8, "DELAY" },
	};
	size_t	mark, k;
	int	comma = 0;

	cmd_reset(s);
	cmd_add(s, "RCPT TO:<");
	cmd_add_address(s, rcpt->address);
	cmd_add(s, ">");
	if (s->ehlo.features & SMTP_EHLO_DSN) {
		if (rcpt->orcpt[0] != '\0') {
			mark = s->cmd_len;
			cmd_add(s, " ORCPT=");
			if (strncasecmp(rcpt->orcpt, "utf-8;", 6) == 0) {
				if (cmd_add_uxtext(s, rcpt->orcpt, "+=") < 0)
					s->cmd_len = mark;
			} else {
				cmd_add_xtext(s, rcpt->orcpt, "=");
			}
		}
		if (rcpt->notify_flags != 0) {
			cmd_add(s, " NOTIFY=");
			for (k = 0; k < sizeof(notify) / sizeof(notify[0]);
			    k++) {
				if (rcpt->notify_flags & notify[k].bit) {
					if (comma)
						cmd_add(s, ",");
					cmd_add(s, notify[k].name);
					comma = 1;
				}
			}
		}
	}
	cmd_add(s, "\r\n");
}
