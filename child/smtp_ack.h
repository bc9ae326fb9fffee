/*
 * NAME
 *	smtp_ack.h 3h
 * SUMMARY
 *	acknowledge server replies at once while the client waits for more
 * DESCRIPTION
 *	A receiver that answers a pipelined group in two writes (Postfix
 *	smtpd flushes its replies when its input buffer runs dry, so
 *	MAIL, RCPT and "BDAT n LAST" with a chunk larger than that buffer
 *	get "250 250" first and the BDAT reply later) has Nagle's
 *	algorithm hold the second, small write until the first is
 *	acknowledged. A client that has nothing to send delays that ACK
 *	(Linux: 40 ms or more), so every such transaction stalls.
 *
 *	smtp_ack_read() notes that reply bytes were read from the socket;
 *	smtp_ack_sent() that bytes were written to it (the write carries
 *	the ACK); smtp_ack_wait(), called before the client blocks for
 *	more reply bytes, sends the pending ACK at once (TCP_QUICKACK)
 *	when reply bytes were read and nothing was sent since. It costs
 *	one setsockopt() per wait that follows a read, and nothing when
 *	the replies arrive in one piece.
 * SECURITY
 *	Child only. Needs setsockopt(IPPROTO_TCP, TCP_QUICKACK) in the
 *	child's seccomp allow-list, and nothing else.
 */
#ifndef SMTP_ACK_H
#define SMTP_ACK_H

void	smtp_ack_read(int fd);
void	smtp_ack_sent(int fd);
void	smtp_ack_wait(int fd);

#endif
