/*
 * NAME
 *	sj_limits.h 3h
 * SUMMARY
 *	every size limit of smtpjail, with the reason behind it
 * DESCRIPTION
 *	One name per limit. The IPC decoder, the SMTP client and the
 *	Postfix protocol readers take their bounds from here, so that a
 *	reviewer can read every cap in one place.
 */
#ifndef SJ_LIMITS_H
#define SJ_LIMITS_H

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets; Postfix accepts
 * longer addresses from its queue, so allow 1024 and defer beyond. */
#define SJ_ADDR_MAX		1024
/* One header address looked up in smtp_generic_maps, and its result
 * (the parent's DICT_KEY_MAX: longer defers the job). */
#define SJ_GENERIC_ADDR_MAX	1100
/* GENERIC_REQ per job (one per header address; beyond: deferred). */
#define SJ_GENERIC_REQ_MAX	4096
/* A recipient in a qmgr request: Postfix sets no limit. Between
 * SJ_ADDR_MAX and this the parent bounces that recipient alone (5.1.3,
 * as a server would refuse the path, RFC 5321 4.5.3.1.3); beyond it
 * the request is refused. A service request (bounce, defer) carries
 * the address, the original one and the ORCPT: they fit its 16 KiB. */
#define SJ_REQ_ADDR_MAX		4096
#define SJ_REQ_ORCPT_MAX	(SJ_REQ_ADDR_MAX + 32)
/* The sender: stock smtp(8) sends any sender qmgr gives it and lets the
 * server decide (smtp_proto.c, MAIL FROM), so the whole request length
 * is carried to the child; beyond it the request is refused. */
#define SJ_SENDER_MAX		SJ_REQ_ADDR_MAX
/* Postfix queue id: [A-Za-z0-9_], at most 255 (mail_queue_id_ok). */
#define SJ_QUEUE_ID_MAX		255
/* Postfix queue name: [A-Za-z0-9], at most 100 (mail_queue_name_ok). */
#define SJ_QUEUE_NAME_MAX	100
/* RFC 1035 2.3.4: 255 octets in a domain name. */
#define SJ_HOSTNAME_MAX		255
/*
 * smtp_host_lookup = native: (address, name) pairs of the hosts file
 * the parent reads at start and hands to the child (one HOSTS message
 * each); a longer file is a configuration error. An address in text.
 */
#define SJ_HOSTS_MAX		4096
#define SJ_ADDR_TEXT_MAX	45	/* INET6_ADDRSTRLEN - 1 */
/*
 * smtp_*_checks: rules of all regexp: and pcre: tables together, each
 * sent to the child as one CHECK message (Postfix has no bound; a
 * longer table is a configuration error at start), a pattern and an
 * action text at most this long (so that CHECK fits one SJ_IPC_MSG_MAX
 * datagram), a table file at most this big. The content a check line
 * logs is cut at 200 bytes, as Postfix's "%.200s" (smtp_proto.c
 * smtp_hbc_logger).
 */
#define SJ_CHECKS_MAX		10000
#define SJ_CHECK_PATTERN_MAX	2000
#define SJ_CHECK_ACTION_MAX	2000
#define SJ_CHECK_FILE_MAX	(8UL * 1024 * 1024)
#define SJ_CHECK_LOG_CONTENT_MAX 200
/*
 * pcre: content checks: what one pcre2_match() of a hostile header or
 * body line may cost the child (pcre2api(3) match, depth and heap
 * limits; over one, the match is an error: logged, no match, as
 * Postfix's dict_pcre.c does). Postfix passes no match context and
 * gets PCRE2's defaults (10,000,000 calls, depth 10,000,000, 20 GB of
 * heap); the child has SJ_CHILD_AS_BYTES and matches every line of a
 * job against every rule, so a tenth of the default calls, and a heap
 * that a header of header_size_limit needs only for pathological
 * patterns. The heap limit is in KiB.
 */
#define SJ_CHECK_PCRE_MATCH_LIMIT 1000000
#define SJ_CHECK_PCRE_DEPTH_LIMIT 100000
#define SJ_CHECK_PCRE_HEAP_LIMIT (16 * 1024)
/* A Postfix nexthop is a comma-separated list of destinations. */
#define SJ_NEXTHOP_MAX		1024
/* RFC 3461 4.4: ENVID is at most 100 characters (xtext may triple). */
#define SJ_ENVID_MAX		300
/* RFC 3461 4.2: ORCPT "type;address", xtext-encoded. */
#define SJ_ORCPT_MAX		(SJ_ADDR_MAX + 32)
/* RFC 3463 status "c.sss.ddd": at most 1+1+3+1+3 characters. */
#define SJ_DSN_STATUS_MAX	9
/* One SMTP reply as kept for logs and DSNs (Postfix caps at ~ 2k). */
#define SJ_REPLY_TEXT_MAX	2048
/* A reason text: "host X[addr] said: <reply> (in reply to ...)". */
#define SJ_REASON_MAX		(SJ_REPLY_TEXT_MAX + 512)
/* "host[address]:port" as logged in relay=. */
#define SJ_RELAY_MAX		(SJ_HOSTNAME_MAX + 64)
/* One LOG line sent by the child. */
#define SJ_LOG_TEXT_MAX		1024
/* Text lists carried in CONFIG (servers, interfaces, relays). */
#define SJ_LIST_MAX		2048

/* A SASL username or password (Postfix has no bound; RFC 4616's
 * PLAIN message is at most 255 octets per field). */
#define SJ_SASL_FIELD_MAX	255
/* smtp_sasl_mechanism_filter: a few mechanism names (RFC 4422 3.1:
 * at most 20 characters each); CONFIG must stay one datagram. */
#define SJ_SASL_MECHS_MAX	100
/* A CRAM-MD5 challenge as the server sent it (base64 of RFC 2195's
 * "<msg-id>"), and the response: base64 of "user hex32". */
#define SJ_SASL_CHALLENGE_MAX	512
#define SJ_SASL_RESPONSE_MAX	400

/* Recipients per delivery request. qmgr sends at most
 * $smtp_destination_recipient_limit (default 50); Postfix itself has
 * no hard cap, so be generous but bounded. */
#define SJ_RCPT_MAX		10000

/* IPC: fixed header plus body; SOCK_SEQPACKET keeps messages whole.
 * The largest body is a RCPT_RESULT/SITE_RESULT with full texts. */
#define SJ_IPC_MSG_MAX		8192
/* Descriptors one SCM_RIGHTS message may carry (ipc/ipc_fdpass.c): no
 * message of smtpjail carries more than two (the spawner's CHILD), so
 * eight is room to receive a peer's extra descriptors and close them,
 * rather than have the kernel cut them off (MSG_CTRUNC, refused as
 * well). The kernel's own cap is SCM_MAX_FD (253, include/net/scm.h). */
#define SJ_FDPASS_FDS_MAX	8

/* One session transcript for a postmaster notice (Postfix keeps the
 * whole session; smtpjail keeps head and tail of this many bytes, so
 * that TRANSCRIPT fits one SJ_IPC_MSG_MAX datagram), and one line of
 * it ("Out: "/"In:  " + a command or reply line, cut beyond this). */
#define SJ_TRANSCRIPT_MAX	7168
#define SJ_TRANSCRIPT_LINE_MAX	1024
/* TRANSCRIPT messages per job: Postfix sends one notice per session
 * with an error; smtp_mx_session_limit (2) times a few nexthops is
 * normal. The child sends no more; the parent refuses more. */
#define SJ_TRANSCRIPT_PER_JOB	8

/* SMTP client: RFC 5321 4.5.3.1.5 says 512 octets per reply line;
 * servers send longer, Postfix reads up to $line_length_limit (2048). */
#define SJ_SMTP_LINE_MAX	2048
/* Lines in one multi-line reply before it is cut short. */
#define SJ_SMTP_REPLY_LINES_MAX	100

/* debug_peer_list as sent to the child in CONFIG (the CONFIG message
 * must fit SJ_IPC_MSG_MAX); a longer list is a configuration error. */
#define SJ_DEBUG_PEER_LIST_MAX	1024
/* smtp_connection_cache_destinations as sent in CONFIG: what is left
 * of SJ_IPC_MSG_MAX; a longer list is a configuration error. */
#define SJ_CACHE_DEST_LIST_MAX	256
/* Idle SMTP sessions the child keeps for reuse (child/conn_cache.c):
 * one per recent destination is what a busy transport needs; each is a
 * descriptor, so this plus the job's own stays well under
 * SJ_CHILD_NOFILE. */
#define SJ_CONN_CACHE_MAX	8
/* LOG messages the parent accepts from the child per job before it
 * counts as flooding; the child stops logging one short of it. */
#define SJ_CHILD_LOG_PER_JOB	500
/* Child: open descriptors (IPC socket, content memfd, c-ares sockets,
 * one SMTP connection, SJ_CONN_CACHE_MAX idle ones) - RLIMIT_NOFILE. */
#define SJ_CHILD_NOFILE		32
/* Child: address space (c-ares and buffers need little). */
#define SJ_CHILD_AS_BYTES	(256UL * 1024 * 1024)

/* Message content handed to the child: Postfix's message_size_limit
 * default is 10240000; allow up to 2 GiB and refuse more. */
#define SJ_CONTENT_MAX		(2UL * 1024 * 1024 * 1024)

#endif
