/*
 * NAME
 *	smtp_ack 3
 * SUMMARY
 *	acknowledge server replies at once while the client waits for more
 * DESCRIPTION
 *	See smtp_ack.h. Linux's TCP_QUICKACK is not sticky: the kernel
 *	returns to delayed ACKs on its own once the connection looks
 *	interactive again, so the option is set again for every wait that
 *	needs it. Setting it sends the ACK that is due, if any (Linux
 *	tcp_sock_set_quickack(): an ACK scheduled is pushed out now).
 *
 *	A failure of setsockopt() changes no outcome: the reply still
 *	arrives, only later.
 * SECURITY
 *	Child only. The descriptor is the SMTP socket of the session.
 * SEE ALSO
 *	tcp(7) TCP_QUICKACK, RFC 1122 4.2.3.2 (delayed ACK), RFC 896
 *	(Nagle), RFC 2920 (pipelining), RFC 3030 (BDAT), Postfix
 *	src/smtpd/smtpd_chat.c and src/util/vstream.c (when smtpd
 *	flushes its replies)
 */
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sj_sys.h"
#include "smtp_ack.h"

static struct smtp_ack_ctx {
	int	fd;			/* the socket last read from */
	int	due;			/* read from, nothing sent since */
} smtp_ack_ctx = { -1, 0 };

void
smtp_ack_read(int fd)
{
	smtp_ack_ctx.fd = fd;
	smtp_ack_ctx.due = 1;
}

void
smtp_ack_sent(int fd)
{
	if (fd == smtp_ack_ctx.fd)
		smtp_ack_ctx.due = 0;
}

void
smtp_ack_wait(int fd)
{
	int	one = 1;

	if (fd != smtp_ack_ctx.fd || !smtp_ack_ctx.due)
		return;
	smtp_ack_ctx.due = 0;
	(void)sys_setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}
