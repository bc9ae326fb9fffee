/*
 * NAME
 *	ipc_msg.h 3h
 * SUMMARY
 *	the parent <-> child message set, its table and its codec
 * DESCRIPTION
 *	Every message is one SOCK_SEQPACKET datagram: an 8-byte header
 *	(u16 version, u16 type, u32 body length, little-endian) and a body
 *	of typed fields (u32/u64 little-endian, strings as u16 length +
 *	bytes). ipc/ipc_msg.c holds the table: for each type its name,
 *	direction, maximum body size and whether exactly one descriptor
 *	travels with it. ipc_msg_decode() (ipc/ipc_msg_codec.c, with the
 *	per-type checks of ipc/ipc_msg_check.c) refuses anything the
 *	table does not allow: unknown type, wrong direction, wrong
 *	version, oversize, short or trailing bytes, a string with NUL or
 *	non-printable bytes where text is expected, a descriptor where
 *	none is declared or a missing one.
 *
 *	Change IPC_VERSION whenever the table or a body layout changes.
 * SECURITY
 *	Linked into both processes. The parent decodes what the child
 *	sends and must treat it as hostile; semantic checks (job id,
 *	recipient index, reported once) are the parent's (parent/deliver).
 */
#ifndef IPC_MSG_H
#define IPC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sj_limits.h"
#include "sj_tls.h"

#define IPC_VERSION	25
#define IPC_HDR_LEN	8

enum ipc_dir {
	IPC_P2C = 1,		/* parent to child */
	IPC_C2P = 2,		/* child to parent */
};

enum ipc_type {
	IPC_T_READY = 1,	/* C2P: sandbox in place, protocol version */
	IPC_T_CONFIG,		/* P2C: once, settings for the session */
	IPC_T_DELIVER,		/* P2C + content fd: start a job */
	IPC_T_RCPT,		/* P2C: one recipient of the current job */
	IPC_T_ABORT,		/* P2C: stop the current job, report DONE */
	IPC_T_LOG,		/* C2P: one diagnostic line */
	IPC_T_RCPT_RESULT,	/* C2P: outcome of one recipient */
	IPC_T_SITE_RESULT,	/* C2P: outcome for every unreported rcpt */
	IPC_T_DONE,		/* C2P: job finished, with timings */
	IPC_T_TRANSCRIPT,	/* C2P: one session's transcript for a notice */
	IPC_T_HOSTS,		/* P2C: one hosts-file entry, after CONFIG */
	IPC_T_TLS_INFO,		/* C2P: fields of one TLS log line */
	IPC_T_SASL_REQ,		/* C2P: the job's SASL credential, please */
	IPC_T_SASL_CRED,	/* P2C: the answer: a credential or none */
	IPC_T_CONNECT,		/* C2P: open a connection for me (egress) */
	IPC_T_SOCKET,		/* P2C + fd when granted: the answer */
	IPC_T_CHECK,		/* P2C: one content-check rule, after HOSTS */
	IPC_T_CHECK_LOG,	/* C2P: fields of one header/body check line */
	IPC_T_SIGN_REQ,		/* C2P: sign this handshake digest */
	IPC_T_SIGN_RESP,	/* P2C: the signature, or a refusal */
	IPC_T_TLS_POLICY,	/* P2C: the next job's smtp_tls_policy_maps entry */
	IPC_T_EHLO_NOTE,	/* C2P: log the EHLO keywords discarded */
	IPC_T_GENERIC_REQ,	/* C2P: generic maps for a header address */
	IPC_T_GENERIC_REPLY,	/* P2C: the answer: the new address or none */
	IPC_T_TLS_ANCHOR,	/* P2C: one trust anchor of that TLS_POLICY */
	IPC_T_DNSSEC_PROBE,	/* C2P: outcome of the dnssec_probe lookup */
	IPC_T_MAX		/* one past the last type */
};

/* CONFIG flags */
#define IPC_CF_SKIP_5XX_GREETING	(1U << 0)	/* smtp_skip_5xx_greeting */
#define IPC_CF_SKIP_QUIT_RESPONSE	(1U << 1)	/* smtp_skip_quit_response */
#define IPC_CF_IGNORE_MX_ERROR		(1U << 2)	/* ignore_mx_lookup_error */
#define IPC_CF_DISABLE_DNS		(1U << 3)	/* smtp_dns_support_level=disabled */
#define IPC_CF_NEVER_EHLO		(1U << 4)	/* smtp_never_send_ehlo */
#define IPC_CF_RANDOMIZE		(1U << 5)	/* smtp_randomize_addresses */
#define IPC_CF_INET4			(1U << 6)	/* inet_protocols has ipv4 */
#define IPC_CF_INET6			(1U << 7)	/* inet_protocols has ipv6 */
#define IPC_CF_DEFER_NO_MX_ADDR		(1U << 8)	/* smtp_defer_if_no_mx_address_found */
#define IPC_CF_SOFT_BOUNCE		(1U << 9)	/* soft_bounce */
#define IPC_CF_DEBUG_PEER_PARENT	(1U << 10)	/* parent_domain_matches_subdomains names debug_peer_list */
#define IPC_CF_USE_CHUNKING		(1U << 11)	/* smtpjail_use_chunking */
/* smtp_connection_cache_on_demand: honour IPC_DF_CONN_LOAD/STORE */
#define IPC_CF_CACHE_ON_DEMAND		(1U << 12)
#define IPC_CF_NO_MIME_OCONV		(1U << 13)	/* disable_mime_output_conversion */
#define IPC_CF_HOST_DNS			(1U << 14)	/* smtp_host_lookup has dns */
#define IPC_CF_HOST_NATIVE		(1U << 15)	/* smtp_host_lookup has native */
#define IPC_CF_SASL			(1U << 16)	/* smtp_sasl_auth_enable */
#define IPC_CF_SASL_SOFT_BOUNCE		(1U << 17)	/* smtp_sasl_auth_soft_bounce */
#define IPC_CF_SASL_SENDER		(1U << 18)	/* smtp_sender_dependent_authentication */
/* smtp_dns_support_level = dnssec: DO-bit MX/A/AAAA/TLSA queries */
#define IPC_CF_DNSSEC			(1U << 19)
/* resolv.conf "options trust-ad": believe AD (child/dnssec_query.c) */
#define IPC_CF_TRUST_AD			(1U << 20)
#define IPC_CF_GENERIC			(1U << 21)	/* smtp_generic_maps is set */
#define IPC_CF_ALL			((1U << 22) - 1)

/* smtp_sasl_security_options words (Cyrus SASL's SASL_SEC_*). */
#define IPC_SASL_NOPLAINTEXT		(1U << 0)
#define IPC_SASL_NOACTIVE		(1U << 1)
#define IPC_SASL_NODICTIONARY		(1U << 2)
#define IPC_SASL_NOANONYMOUS		(1U << 3)
#define IPC_SASL_MUTUAL_AUTH		(1U << 4)
#define IPC_SASL_ALL			((1U << 5) - 1)

enum ipc_addr_pref {
	IPC_PREF_ANY = 0,	/* smtp_address_preference = any */
	IPC_PREF_IPV4,
	IPC_PREF_IPV6,
};

struct ipc_config {
	uint32_t flags;			/* IPC_CF_* */
	uint32_t addr_pref;		/* enum ipc_addr_pref */
	/* timeouts in seconds, Postfix parameter names */
	uint32_t connect_timeout;
	uint32_t helo_timeout;
	uint32_t mail_timeout;
	uint32_t rcpt_timeout;
	uint32_t data_init_timeout;
	uint32_t data_xfer_timeout;
	uint32_t data_done_timeout;
	uint32_t quit_timeout;
	uint32_t rset_timeout;
	uint32_t mx_address_limit;	/* smtp_mx_address_limit, 0 = none */
	uint32_t mx_session_limit;	/* smtp_mx_session_limit, 0 = none */
	uint32_t line_length_limit;	/* smtp_line_length_limit */
	uint32_t default_port;		/* smtp_tcp_port, resolved number */
	char	helo_name[SJ_HOSTNAME_MAX + 1];	/* smtp_helo_name */
	char	dns_servers[SJ_LIST_MAX + 1];	/* "addr:port,..." (c-ares csv) */
	char	relayhost[SJ_NEXTHOP_MAX + 1];	/* relayhost, for 4.3.5 */
	char	fallback_relay[SJ_NEXTHOP_MAX + 1]; /* smtp_fallback_relay */
	char	local_addrs[SJ_LIST_MAX + 1];	/* inet+proxy interfaces, loop check */
	char	debug_peer_list[SJ_DEBUG_PEER_LIST_MAX + 1]; /* "" = none */
	char	myhostname[SJ_HOSTNAME_MAX + 1];	/* loop detection */
	/*
	 * Connection reuse inside the child (child/conn_cache.c): the
	 * child keeps idle sessions itself, so it needs Postfix's limits;
	 * the list is matched against the first hop's domain, which only
	 * the child parses. Times in seconds, each at least 1.
	 */
	uint32_t cache_time_limit;	/* smtp_connection_cache_time_limit */
	uint32_t reuse_time_limit;	/* smtp_connection_reuse_time_limit */
	uint32_t reuse_count_limit;	/* smtp_connection_reuse_count_limit, 0 = none */
	char	cache_destinations[SJ_CACHE_DEST_LIST_MAX + 1]; /* smtp_connection_cache_destinations */
	/*
	 * 8-bit MIME to quoted-printable in the child (child/mime.c), with
	 * Postfix's limits for its MIME parser; each at least 1.
	 */
	uint32_t header_size_limit;	/* header_size_limit */
	uint32_t mime_nesting_limit;	/* mime_nesting_limit */
	uint32_t mime_boundary_length_limit; /* mime_boundary_length_limit */
	uint32_t queue_line_length_limit; /* line_length_limit: queue records */
	/* smtp_host_lookup = native: IPC_T_HOSTS messages after CONFIG */
	uint32_t hosts_count;		/* 0..SJ_HOSTS_MAX */
	/* SASL (child/smtp_auth.c); credentials come per job (SASL_CRED). */
	uint32_t sasl_opts;		/* smtp_sasl_security_options, IPC_SASL_* */
	uint32_t sasl_tls_opts;		/* smtp_sasl_tls_security_options */
	uint32_t sasl_tls_verified_opts; /* smtp_sasl_tls_verified_security_options */
	char	sasl_mechs[SJ_SASL_MECHS_MAX + 1];	/* smtp_sasl_mechanism_filter */
	/* smtp_*_checks: IPC_T_CHECK messages after the HOSTS ones */
	uint32_t checks_count;		/* 0..SJ_CHECKS_MAX */
	uint32_t checks_classes;	/* 1 << IPC_CHK_*: parameter set */
};

/*
 * One rule of a regexp: or pcre: content-check table (Postfix
 * regexp_table(5), pcre_table(5)), 'kind' saying which, parsed and
 * validated by the parent at start (parent/checks_load.c),
 * compiled and matched by the child (child/content_checks.c), which
 * alone sees the content. Rules arrive in table order; 'table' numbers
 * the tables of one parameter (the first that matches wins, as
 * Postfix's maps_find()). The replacement is a template: "$$" is a
 * literal '$', "${N}" (1 <= N <= max_sub) the Nth parenthesised
 * subexpression of pat1; any other '$' is a protocol error. The
 * pattern flags opts1/opts2 are IPC_CHK_O_* for regexp:, IPC_CHK_P_*
 * for pcre: (which has no second pattern).
 */
#define IPC_CHK_HEADER		0	/* smtp_header_checks */
#define IPC_CHK_MIME		1	/* smtp_mime_header_checks */
#define IPC_CHK_NESTED		2	/* smtp_nested_header_checks */
#define IPC_CHK_BODY		3	/* smtp_body_checks */
#define IPC_CHK_NCLASS		4
#define IPC_CHK_CLASSES_ALL	((1U << IPC_CHK_NCLASS) - 1)

#define IPC_CHK_OP_MATCH	1	/* /pat1/[!/pat2/] replacement */
#define IPC_CHK_OP_IF		2	/* if /pat1/ */
#define IPC_CHK_OP_ENDIF	3	/* endif */

#define IPC_CHK_F_MATCH1	(1U << 0)	/* pat1 must match, else not */
#define IPC_CHK_F_HAS2		(1U << 1)	/* pat2 is given */
#define IPC_CHK_F_MATCH2	(1U << 2)	/* pat2 must match, else not */
#define IPC_CHK_F_ALL		((1U << 3) - 1)

/* The table type: which engine compiles the patterns. */
#define IPC_CHK_K_REGEXP	0	/* regexp: libc regcomp() */
#define IPC_CHK_K_PCRE		1	/* pcre: libpcre2-8, no JIT */

/* regexp_table(5) pattern flags, as regcomp() flags they stand for. */
#define IPC_CHK_O_ICASE		(1U << 0)	/* REG_ICASE ('i', on) */
#define IPC_CHK_O_NEWLINE	(1U << 1)	/* REG_NEWLINE ('m') */
#define IPC_CHK_O_EXTENDED	(1U << 2)	/* REG_EXTENDED ('x', on) */
#define IPC_CHK_O_ALL		((1U << 3) - 1)

/* pcre_table(5) pattern flags, as the PCRE2 options they stand for. */
#define IPC_CHK_P_CASELESS	(1U << 0)	/* 'i', on */
#define IPC_CHK_P_MULTILINE	(1U << 1)	/* 'm' */
#define IPC_CHK_P_DOTALL	(1U << 2)	/* 's', on */
#define IPC_CHK_P_EXTENDED	(1U << 3)	/* 'x' */
#define IPC_CHK_P_ANCHORED	(1U << 4)	/* 'A' */
#define IPC_CHK_P_DOLLAR_ENDONLY (1U << 5)	/* 'E' */
#define IPC_CHK_P_UNGREEDY	(1U << 6)	/* 'U' */
#define IPC_CHK_P_ALL		((1U << 7) - 1)

/* Highest ${N} a replacement may use (Postfix: re_nsub of pat1). */
#define IPC_CHK_SUB_MAX		99

struct ipc_check {
	uint32_t cls;			/* IPC_CHK_HEADER .. IPC_CHK_BODY */
	uint32_t table;			/* 0.. within the class */
	uint32_t op;			/* IPC_CHK_OP_* */
	uint32_t flags;			/* IPC_CHK_F_* */
	uint32_t opts1;			/* IPC_CHK_O_* */
	uint32_t opts2;
	uint32_t max_sub;		/* highest ${N} in repl */
	uint32_t lineno;		/* in the table file, for log lines */
	uint32_t kind;			/* IPC_CHK_K_*; pcre: no pat2 */
	char	pat1[SJ_CHECK_PATTERN_MAX + 1];
	char	pat2[SJ_CHECK_PATTERN_MAX + 1];
	char	repl[SJ_CHECK_ACTION_MAX + 1];
};

/*
 * What a header/body check logs (Postfix header_body_checks.c and
 * smtp_proto.c smtp_hbc_logger()), as fields: the parent formats the
 * line with the job's queue id, never a text of the child's. 'content'
 * is the header or body line cut at 200 bytes (Postfix "%.200s"),
 * 'text' the action's text, both censored to printable ASCII.
 */
#define IPC_CHL_ACTION		1	/* "<qid>: <action>: <where> ..." */
#define IPC_CHL_UNSUPPORTED	2	/* "unsupported command in ..." */
#define IPC_CHL_NO_TEXT		3	/* "<ACTION> action without text ..." */
#define IPC_CHL_BAD_HEADER	4	/* "bad <ACTION> header text ..." */
#define IPC_CHL_EMPTY		5	/* empty result: the job is deferred */
#define IPC_CHL_KIND_MAX	5

#define IPC_CHL_A_WARNING	0
#define IPC_CHL_A_INFO		1
#define IPC_CHL_A_REPLACE	2
#define IPC_CHL_A_PREPEND	3
#define IPC_CHL_A_STRIP		4
#define IPC_CHL_A_MAX		4

#define IPC_CHL_W_HEADER	0
#define IPC_CHL_W_BODY		1

struct ipc_check_log {
	uint32_t job_id;
	uint32_t kind;			/* IPC_CHL_* */
	uint32_t action;		/* IPC_CHL_A_* */
	uint32_t where;			/* IPC_CHL_W_* */
	uint32_t cls;			/* IPC_CHK_*: the parameter named */
	char	content[SJ_CHECK_LOG_CONTENT_MAX + 1];
	char	text[SJ_CHECK_ACTION_MAX + 1];
};

/*
 * One (address, name) pair of the hosts file (smtp_host_lookup =
 * native): the child has no file to read, the parent reads it at start.
 */
struct ipc_hosts {
	char	addr[SJ_ADDR_TEXT_MAX + 1];	/* IPv4 or IPv6, text */
	char	name[SJ_HOSTNAME_MAX + 1];
};

/* DELIVER flags */
#define IPC_DF_8BITMIME		(1U << 0)	/* encoding = 8bit */
#define IPC_DF_7BIT		(1U << 1)	/* encoding = 7bit */
#define IPC_DF_VERIFY_ONLY	(1U << 2)	/* address probe: MAIL and RCPT only, then RSET (smtp_address_verify_target = rcpt) */
/*
 * qmgr's DEL_REQ_FLAG_CONN_LOAD / CONN_STORE (a busy destination): the
 * child may take an idle session from its cache for this job, and may
 * keep this job's session afterwards. The child applies them only
 * with IPC_CF_CACHE_ON_DEMAND, as Postfix's smtp_cache_policy().
 */
#define IPC_DF_CONN_LOAD	(1U << 3)
#define IPC_DF_CONN_STORE	(1U << 4)
/* Postfix PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE (smtp.h): the
 * request is trace-only or waited min_backoff_time in the queue; with
 * smtp_tls_security_level = may a failed handshake is retried in clear
 * text on the same server. */
#define IPC_DF_TLS_PLAIN_OK	(1U << 5)
/* dnssec_probe is still due in this smtp(8) process (the parent): the
 * child may probe in this job and sends one DNSSEC_PROBE if it does,
 * or when a validated answer made the probe unneeded. */
#define IPC_DF_DNSSEC_PROBE	(1U << 6)
#define IPC_DF_ALL		((1U << 7) - 1)

struct ipc_deliver {
	uint32_t job_id;		/* chosen by the parent, echoed back */
	uint32_t rcpt_count;		/* IPC_T_RCPT messages that follow */
	uint32_t flags;			/* IPC_DF_* */
	uint32_t smtputf8;		/* request's smtputf8/sendopts bits */
	uint32_t ret_flags;		/* DSN RET: 0 none, 1 FULL, 2 HDRS */
	uint64_t content_size;		/* bytes in the content memfd */
	/*
	 * qmgr's "size" attribute (the queue file's message record bytes,
	 * Postfix cleanup_final.c): what smtp(8) announces in MAIL FROM
	 * SIZE= and compares with the server's SIZE limit.
	 */
	uint64_t data_size;
	char	nexthop[SJ_NEXTHOP_MAX + 1];
	char	sender[SJ_SENDER_MAX + 1];	/* "" = null sender */
	char	envid[SJ_ENVID_MAX + 1];
	char	queue_id[SJ_QUEUE_ID_MAX + 1];	/* for "<qid>: " in log lines */
	int	content_fd;		/* travels as SCM_RIGHTS; -1 in body */
};

struct ipc_rcpt {
	uint32_t job_id;
	uint32_t index;			/* 0 .. rcpt_count-1, in order */
	uint32_t notify_flags;		/* DSN NOTIFY bits as Postfix: 1 NEVER 2 SUCCESS 4 FAILURE 8 DELAY */
	char	address[SJ_ADDR_MAX + 1];
	char	orcpt[SJ_ORCPT_MAX + 1];	/* "type;address" or "" */
};

struct ipc_abort {
	uint32_t job_id;
};

struct ipc_ready {
	uint32_t version;		/* IPC_VERSION of the child */
};

struct ipc_log {
	uint32_t level;			/* enum msg_level, <= MSG_LVL_ERROR */
	char	text[SJ_LOG_TEXT_MAX + 1];	/* printable ASCII only */
};

/*
 * One outcome. The class of 'status' ('2', '4' or '5') is the outcome:
 * sent, deferred, bounced. 'diag_code' is the server's reply code when
 * the outcome came from a server reply (200-599), else 0; 'diag_text'
 * is that reply (printable). 'reason' is the human text Postfix logs
 * after "status=... (". 'relay' is "host[addr]:port" or "none".
 */
struct ipc_result {
	uint32_t job_id;
	uint32_t index;			/* RCPT_RESULT only; 0 in SITE_RESULT */
	uint32_t diag_code;
	uint32_t flags;			/* IPC_RF_* */
	char	status[SJ_DSN_STATUS_MAX + 1];
	char	relay[SJ_RELAY_MAX + 1];
	char	mta_name[SJ_HOSTNAME_MAX + 1];	/* remote MTA host, or "" */
	char	diag_text[SJ_REPLY_TEXT_MAX + 1];
	char	reason[SJ_REASON_MAX + 1];
	/*
	 * The job's Postfix MSG_STATS when the result was known, as in
	 * DONE: the parent logs and marks each recipient on arrival, with
	 * the session that decided it (conn_use=, delays=).
	 */
	uint32_t reuse_count;
	uint64_t conn_setup_done_sec;
	uint32_t conn_setup_done_usec;
	uint64_t deliver_done_sec;
	uint32_t deliver_done_usec;
};

#define IPC_RF_LOOPS_BACK	(1U << 0)	/* SITE: we are the best MX */
#define IPC_RF_REMOTE_DSN	(1U << 1)	/* RCPT: server offered DSN, it sends SUCCESS notices (smtp_rcpt.c) */
#define IPC_RF_ALL		((1U << 2) - 1)

struct ipc_done {
	uint32_t job_id;
	uint32_t reuse_count;		/* earlier uses of this connection */
	/* wall clock, as in Postfix's MSG_STATS; 0/0 = not reached */
	uint64_t conn_setup_done_sec;
	uint32_t conn_setup_done_usec;
	uint64_t deliver_done_sec;
	uint32_t deliver_done_usec;
};

/*
 * The transcript of one SMTP session that saw an error of a class
 * Postfix reports to the postmaster ($notify_classes): the commands
 * sent ("Out: ...") and the reply lines received ("In:  ..."), one per
 * '\n'-separated line, each printable ASCII. When the session was
 * longer than SJ_TRANSCRIPT_MAX, 'omitted' lines were dropped after
 * the first 'omitted_at' lines (the head and the tail are kept).
 * 'peer' is "host[addr]:port". The parent decides whether to mail it.
 */
#define IPC_TC_PROTOCOL		(1U << 0)	/* Postfix MAIL_ERROR_PROTOCOL */
#define IPC_TC_DATA		(1U << 1)	/* Postfix MAIL_ERROR_DATA */
#define IPC_TC_ALL		((1U << 2) - 1)

/* The two line prefixes of a transcript (Postfix smtp_chat.c). */
#define IPC_TRANSCRIPT_OUT	"Out: "
#define IPC_TRANSCRIPT_IN	"In:  "

struct ipc_transcript {
	uint32_t job_id;
	uint32_t classes;		/* IPC_TC_*, at least one */
	uint32_t omitted;		/* lines dropped from the middle */
	uint32_t omitted_at;		/* lines kept before the gap */
	char	peer[SJ_RELAY_MAX + 1];
	char	text[SJ_TRANSCRIPT_MAX + 1];	/* lines, '\n' between */
};

/*
 * The fields of one TLS log line (include/sj_tls.h SJ_TLS_EV_*); the
 * parent formats the line as Postfix's TLS library does. Names are
 * OpenSSL's short names (tokens), 'peer' is "host[addr]:port", 'host'
 * the server's name; the certificate names are censored by the child
 * and checked printable by the decoder.
 */
#define SJ_TLS_TOKEN_MAX	63
#define SJ_TLS_FPRINT_MAX	191	/* SHA-512 as hex pairs with ':' */
#define SJ_TLS_NAME_MAX		255

struct ipc_tls_info {
	uint32_t job_id;
	uint32_t event;			/* SJ_TLS_EV_* */
	uint32_t trust;			/* SJ_TLS_TRUST_* */
	uint32_t usebits;		/* cipher bits used */
	uint32_t algbits;		/* cipher algorithm bits */
	uint32_t kex_bits;		/* DHE group bits, 0 = none */
	uint32_t sig_bits;		/* RSA key bits, 0 = none */
	uint32_t verify_err;		/* X509_V_ERR_*, 0 = none */
	uint32_t verify_depth;		/* chain depth of that error */
	uint32_t conn_kind;		/* SJ_TLS_CERR_* */
	uint32_t conn_code;		/* SSL_connect() status or errno */
	uint32_t lib_err;		/* LIBERR: OpenSSL's packed error code */
	uint32_t lib_line;		/* LIBERR: its source line */
	uint32_t lib_has_data;		/* LIBERR: lib_data is ERR_TXT_STRING */
	char	peer[SJ_RELAY_MAX + 1];
	char	host[SJ_HOSTNAME_MAX + 1];
	char	protocol[SJ_TLS_TOKEN_MAX + 1];
	char	cipher[SJ_TLS_TOKEN_MAX + 1];
	char	kex_name[SJ_TLS_TOKEN_MAX + 1];
	char	kex_curve[SJ_TLS_TOKEN_MAX + 1];
	char	sig_name[SJ_TLS_TOKEN_MAX + 1];
	char	sig_curve[SJ_TLS_TOKEN_MAX + 1];
	char	sig_dgst[SJ_TLS_TOKEN_MAX + 1];
	char	subject_cn[SJ_TLS_NAME_MAX + 1];
	char	issuer[SJ_TLS_NAME_MAX + 1];	/* CN, or the DN for an error */
	char	fprint[SJ_TLS_FPRINT_MAX + 1];
	char	pkey_fprint[SJ_TLS_FPRINT_MAX + 1];
	char	lib_file[SJ_TLS_TOKEN_MAX + 1];	/* LIBERR: OpenSSL source */
	char	lib_data[SJ_TLS_NAME_MAX + 1];	/* LIBERR: its detail text */
};

/*
 * SASL: the child asks, after an EHLO that offered AUTH, for the
 * credential of the job's destination: for PLAIN and LOGIN the
 * password (once per destination and job); for CRAM-MD5 only whether
 * there is one, then the response to the server's challenge, computed
 * by the parent, so that the password never enters the child.
 * 'dest' is the nexthop (or smtp_fallback_relay element) the session
 * serves, 'host' the server's name; the parent checks both against the
 * job and looks up only the job's own keys (parent/sasl.c).
 */
#define IPC_SASL_ASK_PASSWORD	0	/* PLAIN/LOGIN: username and password */
#define IPC_SASL_ASK_USER	1	/* is there a credential? username only */
#define IPC_SASL_ASK_CRAM_MD5	2	/* the CRAM-MD5 response to 'challenge' */
/* Postfix smtp.h HAVE_SASL_CREDENTIALS, before a plain-text retry at
 * "may": is there one? The status alone, no username. */
#define IPC_SASL_ASK_EXISTS	3

struct ipc_sasl_req {
	uint32_t job_id;
	uint32_t kind;			/* IPC_SASL_ASK_* */
	char	dest[SJ_NEXTHOP_MAX + 1];
	char	host[SJ_HOSTNAME_MAX + 1];
	char	challenge[SJ_SASL_CHALLENGE_MAX + 1];	/* base64, CRAM-MD5 */
};

#define IPC_SASL_NONE		0	/* no credential: do not authenticate */
#define IPC_SASL_FOUND		1	/* username and password follow */
#define IPC_SASL_ERROR		2	/* table lookup failed: defer */

struct ipc_sasl_cred {
	uint32_t job_id;
	uint32_t status;		/* IPC_SASL_NONE, _FOUND, _ERROR */
	char	username[SJ_SASL_FIELD_MAX + 1];
	char	password[SJ_SASL_FIELD_MAX + 1];	/* ASK_PASSWORD only */
	char	response[SJ_SASL_RESPONSE_MAX + 1];	/* ASK_CRAM_MD5: base64 */
};

/*
 * The child has no socket() or connect(): it asks the parent for each
 * connection (policy/egress.c decides, parent/broker.c opens it) and
 * gets back a connected, or still connecting, non-blocking socket.
 * Every CONNECT gets exactly one SOCKET, in order, even after an ABORT.
 */
#define IPC_CONN_DNS_UDP	1	/* enum egress_purpose */
#define IPC_CONN_DNS_TCP	2
#define IPC_CONN_SMTP		3

struct ipc_connect {
	uint32_t job_id;		/* the current job, or 0 between jobs */
	uint32_t purpose;		/* IPC_CONN_* */
	uint32_t port;			/* 1..65535 */
	char	addr[SJ_ADDR_TEXT_MAX + 1];	/* numeric IPv4 or IPv6 */
};

/* error 0: granted, the socket travels as SCM_RIGHTS; else an errno
 * (EACCES: refused by the egress policy), and no descriptor. */
struct ipc_socket {
	uint32_t job_id;
	uint32_t error;
	/* SMTP only (else 0): the EHLO keywords to ignore from this server,
	 * Postfix's EHLO_MASK_* bits (include/sj_ehlo_mask.h), looked up
	 * by the parent in smtp_discard_ehlo_keyword_address_maps with the
	 * address it connects to, else smtp_discard_ehlo_keywords. */
	uint32_t ehlo_discard;
};

/*
 * The server accepted EHLO and the child ignores the keywords of the
 * mask it got with the socket: the parent logs Postfix's line
 * "discarding EHLO keywords: ..." itself (a line of the child's would
 * carry the "sandboxed child: " prefix). 'mask' must be the one the
 * parent sent with the job's last SMTP socket, non-zero and without
 * "silent-discard".
 */
struct ipc_ehlo_note {
	uint32_t job_id;
	uint32_t mask;
};

/*
 * Postfix 3.7 dns_sec_probe() (src/dns/dns_sec.c): at the end of the
 * first DNSSEC-requesting lookup after which no answer was validated,
 * the child looks up $dnssec_probe (parsed by the parent at start,
 * inherited with the fork as the resolver options are) and reports
 * the outcome as a class (or AVAILABLE when an answer was validated
 * first and no probe is needed); the parent logs Postfix's warnings
 * with its own copy of the parameter. Postfix probes once per
 * process: the parent (one request at a time, as an smtp(8) process)
 * allows it with IPC_DF_DNSSEC_PROBE until a child reported, and a
 * report is allowed once per job that had the flag.
 */
#define IPC_PROBE_VALIDATED	0	/* validated: logged with -v only */
#define IPC_PROBE_INSECURE	1	/* an answer, not validated */
#define IPC_PROBE_RETRY		2	/* no answer: "try again" */
#define IPC_PROBE_FAIL		3	/* no answer: non-recoverable */
#define IPC_PROBE_AVAILABLE	4	/* no probe: an answer was validated */
#define IPC_PROBE_MAX		4

struct ipc_dnssec_probe {
	uint32_t job_id;
	uint32_t result;		/* IPC_PROBE_* */
};

/*
 * The client key stays in the parent: during a TLS handshake that asks
 * for a client certificate, the child's provider (child/tls_keyprov.c)
 * sends the digest to sign, in hex; the parent signs at most one per
 * SMTP connection it brokered in the job (parent/tls_sign.c).
 */
struct ipc_sign_req {
	uint32_t job_id;
	uint32_t alg;			/* SJ_SIGN_RSA_PKCS1, _RSA_PSS, _ECDSA */
	uint32_t md;			/* SJ_SIGN_MD_* */
	char	digest[2 * SJ_SIGN_DIGEST_MAX + 1];	/* hex, digest size */
};

#define IPC_SIGN_OK		0	/* 'sig' holds the signature */
#define IPC_SIGN_REFUSED	1	/* refused by the parent's bounds */
#define IPC_SIGN_FAILED		2	/* OpenSSL could not sign */

struct ipc_sign_resp {
	uint32_t job_id;
	uint32_t status;		/* IPC_SIGN_* */
	char	sig[2 * SJ_SIGN_SIG_MAX + 1];	/* hex, OK only */
};

/*
 * The TLS policy of the next job's nexthop from smtp_tls_policy_maps
 * (parent/tls_policy.c), sent right before its DELIVER and only when
 * the table had an entry: the fields of struct sj_tls_config that a
 * policy changes, resolved by the parent (the cipher list with its
 * exclusions, the protocol bounds, the match names). 'fpt' holds the
 * fingerprints of level "fingerprint" as hex digests separated by ','.
 * Levels none .. secure, dane and dane-only (half-dane is decided per
 * server by the child). At verify and secure, 'ta_count' TLS_ANCHOR
 * messages follow, the anchors of the entry's tafile= attributes
 * (0: main.cf's smtp_tls_trust_anchor_file, if any, applies).
 */
#define SJ_TLS_FPT_TEXT_MAX	2047

struct ipc_tls_policy {
	uint32_t job_id;		/* the DELIVER that follows */
	uint32_t level;			/* SJ_TLS_LEV_*, none .. secure */
	uint32_t proto_exclude;		/* SJ_TLS_P_* */
	uint32_t proto_min;		/* TLS1_VERSION .., 0 = any */
	uint32_t proto_max;
	char	cipherlist[SJ_TLS_LIST_MAX * 2];
	/* dane, dane-only: a server lowered to "may" (sj_tls.h). */
	uint32_t may_proto_exclude;
	uint32_t may_proto_min;
	uint32_t may_proto_max;
	char	may_cipherlist[SJ_TLS_LIST_MAX * 2];
	char	match[SJ_TLS_LIST_MAX];
	char	servername[256];
	char	fpt_digest[32];
	char	fpt[SJ_TLS_FPT_TEXT_MAX + 1];
	uint32_t ta_count;		/* TLS_ANCHOR messages that follow */
	uint32_t conn_reuse;		/* 0 or 1: connection_reuse= */
};

/*
 * One trust anchor of the TLS_POLICY before it (index 0 .. ta_count - 1,
 * in order): a certificate or a SubjectPublicKeyInfo, DER in lower-case
 * hex, read by the parent from a tafile= (parent/tls_tafile.c).
 */
struct ipc_tls_anchor {
	uint32_t job_id;		/* the TLS_POLICY's */
	uint32_t index;
	uint32_t kind;			/* SJ_TLS_TA_CERT, SJ_TLS_TA_PKEY */
	char	der[2 * SJ_TLS_TA_DER_MAX + 1];
};

/*
 * smtp_generic_maps on header addresses: the child parses the hostile
 * headers (child/generic_hdr.c) and asks for each address; the parent
 * answers only with CONFIG's IPC_CF_GENERIC, for the job in flight, at
 * most SJ_GENERIC_REQ_MAX times per job (parent/generic_map.c). The
 * addresses are in internal (unquoted) form.
 */
#define IPC_GENERIC_NOTFOUND	0	/* no table has it: keep it */
#define IPC_GENERIC_FOUND	1	/* 'address' replaces it */
#define IPC_GENERIC_ERROR	2	/* lookup failed: defer the job */

struct ipc_generic_req {
	uint32_t job_id;
	char	address[SJ_GENERIC_ADDR_MAX + 1];
};

struct ipc_generic_reply {
	uint32_t job_id;
	uint32_t status;		/* IPC_GENERIC_* */
	char	address[SJ_GENERIC_ADDR_MAX + 1];	/* FOUND only */
};

/* A decoded message of any type. */
struct ipc_msg {
	enum ipc_type type;
	int	fd;			/* received descriptor or -1 */
	union {
		struct ipc_ready ready;
		struct ipc_config config;
		struct ipc_deliver deliver;
		struct ipc_rcpt rcpt;
		struct ipc_hosts hosts;
		struct ipc_abort abort;
		struct ipc_log log;
		struct ipc_result result;	/* RCPT_RESULT, SITE_RESULT */
		struct ipc_done done;
		struct ipc_transcript transcript;
		struct ipc_tls_info tls_info;
		struct ipc_sasl_req sasl_req;
		struct ipc_sasl_cred sasl_cred;
		struct ipc_connect connect;
		struct ipc_socket socket;
		struct ipc_check check;
		struct ipc_check_log check_log;
		struct ipc_sign_req sign_req;
		struct ipc_sign_resp sign_resp;
		struct ipc_tls_policy tls_policy;
		struct ipc_ehlo_note ehlo_note;
		struct ipc_generic_req generic_req;
		struct ipc_generic_reply generic_reply;
		struct ipc_tls_anchor tls_anchor;
		struct ipc_dnssec_probe dnssec_probe;
	} u;
};

/* One table row per type: the only place a type is declared. */
struct ipc_msg_spec {
	enum ipc_type type;
	const char *name;		/* "DELIVER", for logs */
	enum ipc_dir dir;
	size_t	max_body;		/* upper bound of the encoded body */
	int	has_fd;			/* IPC_FD_*: none, exactly one, or one
					 * exactly when the answer grants it */
};

#define IPC_FD_NONE	0
#define IPC_FD_ONE	1
#define IPC_FD_IF_OK	2	/* SOCKET: one iff error == 0 */

const struct ipc_msg_spec *ipc_msg_spec(enum ipc_type);	/* NULL if unknown */
const char *ipc_msg_name(uint32_t type);	/* "UNKNOWN(17)" style safe */

/*
 * Encode 'msg' (type given by msg->type) into buf[bufsz]. Returns the
 * byte count or a negative errno (-EINVAL for a field out of range or
 * non-printable text, -ENOSPC). The descriptor is not part of the
 * bytes; the sender passes msg->fd via ipc_chan_send().
 */
ssize_t	ipc_msg_encode(const struct ipc_msg *msg, void *buf, size_t bufsz);

/*
 * Decode buf[len], received with descriptor 'fd' (-1 if none), by a
 * process that expects messages in direction 'dir'. On success fills
 * 'msg' (taking ownership of fd) and returns 0. On failure returns
 * -EBADMSG (or -EPROTO for a version mismatch), closes fd, and writes
 * a one-line reason to why[whysz] ("RCPT_RESULT: trailing 3 bytes").
 */
int	ipc_msg_decode(enum ipc_dir dir, const void *buf, size_t len, int fd,
	    struct ipc_msg *msg, char *why, size_t whysz);

/*
 * The lines of a transcript text: each printable ASCII, starting with
 * IPC_TRANSCRIPT_OUT or IPC_TRANSCRIPT_IN and at most
 * SJ_TRANSCRIPT_LINE_MAX bytes. Returns the number of lines (0 for an
 * empty text), or -1 with the 1-based number of the first bad line in
 * *bad. The decoder applies it; the parent applies it again before it
 * mails a transcript.
 */
long	ipc_msg_transcript_lines(const char *text, uint32_t *bad);

/* 1 if msg (as filled by the sender) must carry a descriptor. */
int	ipc_msg_wants_fd(const struct ipc_msg *);

/* Close msg->fd if set. */
void	ipc_msg_release(struct ipc_msg *);

#endif
