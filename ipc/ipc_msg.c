/*
 * NAME
 *	ipc_msg 3
 * SUMMARY
 *	the parent <-> child message table and its codec
 * DESCRIPTION
 *	See ipc_msg.h. Each message body is declared once, as a list of
 *	fields (IPC_F_* below): kind (u32, u64, string), struct member and
 *	whether the string must be printable text. The same list yields
 *	the field descriptors that drive the generic encoder and decoder
 *	and the maximum body size in the table, so that the table, the
 *	codec and the static size check cannot drift apart. What a field
 *	list cannot say (ranges, flag masks, DSN status syntax) is checked
 *	by ipc_msg_check(), which the encoder and the decoder both call:
 *	a process cannot send what its peer would refuse.
 *
 *	Wire format: header u16 version, u16 type, u32 body length; then
 *	the fields in struct order, u32/u64 little-endian, strings as a
 *	u16 length and the bytes without NUL. Descriptors are not in the
 *	bytes; ipc_chan(3) carries them as SCM_RIGHTS.
 * SECURITY
 *	Both processes. The parent decodes what the (possibly compromised)
 *	child sends: every length is checked against the bytes received
 *	and against the member it is copied into before memory is touched,
 *	and every refusal closes the descriptor that came with the message.
 * SEE ALSO
 *	ipc_chan(3), sj_buf(3), sj_text(3), SECURITY.md (message table)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ipc_msg.h"
#include "msg.h"
#include "sj_buf.h"
#include "sj_ehlo_mask.h"
#include "sj_limits.h"
#include "sj_text.h"
#include "sj_tls.h"

/*
 * Field lists, in struct order. X(struct, kind, member, text): kind is
 * U32, U64 or STR; text is TXT when the string must be printable ASCII
 * (it is logged or recorded by the parent), LNS when it is lines of
 * printable ASCII separated by '\n' (a transcript mailed by the
 * parent), RAW when any byte but NUL may appear (envelope addresses:
 * SMTPUTF8 allows 8-bit).
 */
#define IPC_F_READY(X) \
	X(ipc_ready, U32, version, RAW)

#define IPC_F_CONFIG(X) \
	X(ipc_config, U32, flags, RAW) \
	X(ipc_config, U32, addr_pref, RAW) \
	X(ipc_config, U32, connect_timeout, RAW) \
	X(ipc_config, U32, helo_timeout, RAW) \
	X(ipc_config, U32, mail_timeout, RAW) \
	X(ipc_config, U32, rcpt_timeout, RAW) \
	X(ipc_config, U32, data_init_timeout, RAW) \
	X(ipc_config, U32, data_xfer_timeout, RAW) \
	X(ipc_config, U32, data_done_timeout, RAW) \
	X(ipc_config, U32, quit_timeout, RAW) \
	X(ipc_config, U32, rset_timeout, RAW) \
	X(ipc_config, U32, mx_address_limit, RAW) \
	X(ipc_config, U32, mx_session_limit, RAW) \
	X(ipc_config, U32, line_length_limit, RAW) \
	X(ipc_config, U32, default_port, RAW) \
	X(ipc_config, STR, helo_name, TXT) \
	X(ipc_config, STR, dns_servers, TXT) \
	X(ipc_config, STR, relayhost, TXT) \
	X(ipc_config, STR, fallback_relay, TXT) \
	X(ipc_config, STR, local_addrs, TXT) \
	X(ipc_config, STR, debug_peer_list, TXT) \
	X(ipc_config, STR, myhostname, TXT) \
	X(ipc_config, U32, cache_time_limit, RAW) \
	X(ipc_config, U32, reuse_time_limit, RAW) \
	X(ipc_config, U32, reuse_count_limit, RAW) \
	X(ipc_config, STR, cache_destinations, TXT) \
	X(ipc_config, U32, header_size_limit, RAW) \
	X(ipc_config, U32, mime_nesting_limit, RAW) \
	X(ipc_config, U32, mime_boundary_length_limit, RAW) \
	X(ipc_config, U32, queue_line_length_limit, RAW) \
	X(ipc_config, U32, hosts_count, RAW) \
	X(ipc_config, U32, sasl_opts, RAW) \
	X(ipc_config, U32, sasl_tls_opts, RAW) \
	X(ipc_config, U32, sasl_tls_verified_opts, RAW) \
	X(ipc_config, STR, sasl_mechs, TXT) \
	X(ipc_config, U32, checks_count, RAW) \
	X(ipc_config, U32, checks_classes, RAW)

#define IPC_F_HOSTS(X) \
	X(ipc_hosts, STR, addr, TXT) \
	X(ipc_hosts, STR, name, TXT)

/* content_fd is not in the body: it travels as SCM_RIGHTS. */
#define IPC_F_DELIVER(X) \
	X(ipc_deliver, U32, job_id, RAW) \
	X(ipc_deliver, U32, rcpt_count, RAW) \
	X(ipc_deliver, U32, flags, RAW) \
	X(ipc_deliver, U32, smtputf8, RAW) \
	X(ipc_deliver, U32, ret_flags, RAW) \
	X(ipc_deliver, U64, content_size, RAW) \
	X(ipc_deliver, U64, data_size, RAW) \
	X(ipc_deliver, STR, nexthop, RAW) \
	X(ipc_deliver, STR, sender, RAW) \
	X(ipc_deliver, STR, envid, RAW) \
	X(ipc_deliver, STR, queue_id, TXT)

#define IPC_F_RCPT(X) \
	X(ipc_rcpt, U32, job_id, RAW) \
	X(ipc_rcpt, U32, index, RAW) \
	X(ipc_rcpt, U32, notify_flags, RAW) \
	X(ipc_rcpt, STR, address, RAW) \
	X(ipc_rcpt, STR, orcpt, RAW)

#define IPC_F_ABORT(X) \
	X(ipc_abort, U32, job_id, RAW)

#define IPC_F_LOG(X) \
	X(ipc_log, U32, level, RAW) \
	X(ipc_log, STR, text, TXT)

#define IPC_F_RESULT(X) \
	X(ipc_result, U32, job_id, RAW) \
	X(ipc_result, U32, index, RAW) \
	X(ipc_result, U32, diag_code, RAW) \
	X(ipc_result, U32, flags, RAW) \
	X(ipc_result, STR, status, TXT) \
	X(ipc_result, STR, relay, TXT) \
	X(ipc_result, STR, mta_name, TXT) \
	X(ipc_result, STR, diag_text, TXT) \
	X(ipc_result, STR, reason, TXT) \
	X(ipc_result, U32, reuse_count, RAW) \
	X(ipc_result, U64, conn_setup_done_sec, RAW) \
	X(ipc_result, U32, conn_setup_done_usec, RAW) \
	X(ipc_result, U64, deliver_done_sec, RAW) \
	X(ipc_result, U32, deliver_done_usec, RAW)

#define IPC_F_DONE(X) \
	X(ipc_done, U32, job_id, RAW) \
	X(ipc_done, U32, reuse_count, RAW) \
	X(ipc_done, U64, conn_setup_done_sec, RAW) \
	X(ipc_done, U32, conn_setup_done_usec, RAW) \
	X(ipc_done, U64, deliver_done_sec, RAW) \
	X(ipc_done, U32, deliver_done_usec, RAW)

#define IPC_F_TRANSCRIPT(X) \
	X(ipc_transcript, U32, job_id, RAW) \
	X(ipc_transcript, U32, classes, RAW) \
	X(ipc_transcript, U32, omitted, RAW) \
	X(ipc_transcript, U32, omitted_at, RAW) \
	X(ipc_transcript, STR, peer, TXT) \
	X(ipc_transcript, STR, text, LNS)

#define IPC_F_TLS_INFO(X) \
	X(ipc_tls_info, U32, job_id, RAW) \
	X(ipc_tls_info, U32, event, RAW) \
	X(ipc_tls_info, U32, trust, RAW) \
	X(ipc_tls_info, U32, usebits, RAW) \
	X(ipc_tls_info, U32, algbits, RAW) \
	X(ipc_tls_info, U32, kex_bits, RAW) \
	X(ipc_tls_info, U32, sig_bits, RAW) \
	X(ipc_tls_info, U32, verify_err, RAW) \
	X(ipc_tls_info, U32, verify_depth, RAW) \
	X(ipc_tls_info, U32, conn_kind, RAW) \
	X(ipc_tls_info, U32, conn_code, RAW) \
	X(ipc_tls_info, U32, lib_err, RAW) \
	X(ipc_tls_info, U32, lib_line, RAW) \
	X(ipc_tls_info, U32, lib_has_data, RAW) \
	X(ipc_tls_info, STR, peer, TXT) \
	X(ipc_tls_info, STR, host, TXT) \
	X(ipc_tls_info, STR, protocol, TXT) \
	X(ipc_tls_info, STR, cipher, TXT) \
	X(ipc_tls_info, STR, kex_name, TXT) \
	X(ipc_tls_info, STR, kex_curve, TXT) \
	X(ipc_tls_info, STR, sig_name, TXT) \
	X(ipc_tls_info, STR, sig_curve, TXT) \
	X(ipc_tls_info, STR, sig_dgst, TXT) \
	X(ipc_tls_info, STR, subject_cn, TXT) \
	X(ipc_tls_info, STR, issuer, TXT) \
	X(ipc_tls_info, STR, fprint, TXT) \
	X(ipc_tls_info, STR, pkey_fprint, TXT) \
	X(ipc_tls_info, STR, lib_file, TXT) \
	X(ipc_tls_info, STR, lib_data, TXT)
/* Host names are TXT; the nexthop is RAW in DELIVER (UTF-8 allowed
 * without smtputf8_enable), so the parent compares it byte for byte. */
#define IPC_F_SASL_REQ(X) \
	X(ipc_sasl_req, U32, job_id, RAW) \
	X(ipc_sasl_req, U32, kind, RAW) \
	X(ipc_sasl_req, STR, dest, RAW) \
	X(ipc_sasl_req, STR, host, TXT) \
	X(ipc_sasl_req, STR, challenge, TXT)

/* A password may hold any byte but NUL (PLAIN forbids only NUL). */
#define IPC_F_SASL_CRED(X) \
	X(ipc_sasl_cred, U32, job_id, RAW) \
	X(ipc_sasl_cred, U32, status, RAW) \
	X(ipc_sasl_cred, STR, username, RAW) \
	X(ipc_sasl_cred, STR, password, RAW) \
	X(ipc_sasl_cred, STR, response, TXT)

#define IPC_F_CONNECT(X) \
	X(ipc_connect, U32, job_id, RAW) \
	X(ipc_connect, U32, purpose, RAW) \
	X(ipc_connect, U32, port, RAW) \
	X(ipc_connect, STR, addr, TXT)

/* The socket is not in the body: it travels as SCM_RIGHTS. */
#define IPC_F_SOCKET(X) \
	X(ipc_socket, U32, job_id, RAW) \
	X(ipc_socket, U32, error, RAW) \
	X(ipc_socket, U32, ehlo_discard, RAW)

#define IPC_F_EHLO_NOTE(X) \
	X(ipc_ehlo_note, U32, job_id, RAW) \
	X(ipc_ehlo_note, U32, mask, RAW)

/* Patterns and actions are the administrator's: any byte but NUL. */
#define IPC_F_CHECK(X) \
	X(ipc_check, U32, cls, RAW) \
	X(ipc_check, U32, table, RAW) \
	X(ipc_check, U32, op, RAW) \
	X(ipc_check, U32, flags, RAW) \
	X(ipc_check, U32, opts1, RAW) \
	X(ipc_check, U32, opts2, RAW) \
	X(ipc_check, U32, max_sub, RAW) \
	X(ipc_check, U32, lineno, RAW) \
	X(ipc_check, U32, kind, RAW) \
	X(ipc_check, STR, pat1, RAW) \
	X(ipc_check, STR, pat2, RAW) \
	X(ipc_check, STR, repl, RAW)

#define IPC_F_CHECK_LOG(X) \
	X(ipc_check_log, U32, job_id, RAW) \
	X(ipc_check_log, U32, kind, RAW) \
	X(ipc_check_log, U32, action, RAW) \
	X(ipc_check_log, U32, where, RAW) \
	X(ipc_check_log, U32, cls, RAW) \
	X(ipc_check_log, STR, content, TXT) \
	X(ipc_check_log, STR, text, TXT)
/* Digest and signature in hex (checked by ipc_msg_check()). */
#define IPC_F_SIGN_REQ(X) \
	X(ipc_sign_req, U32, job_id, RAW) \
	X(ipc_sign_req, U32, alg, RAW) \
	X(ipc_sign_req, U32, md, RAW) \
	X(ipc_sign_req, STR, digest, TXT)

#define IPC_F_SIGN_RESP(X) \
	X(ipc_sign_resp, U32, job_id, RAW) \
	X(ipc_sign_resp, U32, status, RAW) \
	X(ipc_sign_resp, STR, sig, TXT)

#define IPC_F_TLS_POLICY(X) \
	X(ipc_tls_policy, U32, job_id, RAW) \
	X(ipc_tls_policy, U32, level, RAW) \
	X(ipc_tls_policy, U32, proto_exclude, RAW) \
	X(ipc_tls_policy, U32, proto_min, RAW) \
	X(ipc_tls_policy, U32, proto_max, RAW) \
	X(ipc_tls_policy, STR, cipherlist, TXT) \
	X(ipc_tls_policy, U32, may_proto_exclude, RAW) \
	X(ipc_tls_policy, U32, may_proto_min, RAW) \
	X(ipc_tls_policy, U32, may_proto_max, RAW) \
	X(ipc_tls_policy, STR, may_cipherlist, TXT) \
	X(ipc_tls_policy, STR, match, TXT) \
	X(ipc_tls_policy, STR, servername, TXT) \
	X(ipc_tls_policy, STR, fpt_digest, TXT) \
	X(ipc_tls_policy, STR, fpt, TXT) \
	X(ipc_tls_policy, U32, ta_count, RAW)

/* DER in hex (checked by ipc_msg_check()). */
#define IPC_F_TLS_ANCHOR(X) \
	X(ipc_tls_anchor, U32, job_id, RAW) \
	X(ipc_tls_anchor, U32, index, RAW) \
	X(ipc_tls_anchor, U32, kind, RAW) \
	X(ipc_tls_anchor, STR, der, TXT)

#define IPC_F_DNSSEC_PROBE(X) \
	X(ipc_dnssec_probe, U32, job_id, RAW) \
	X(ipc_dnssec_probe, U32, result, RAW)

/* Header addresses: any byte but NUL (8-bit headers exist). */
#define IPC_F_GENERIC_REQ(X) \
	X(ipc_generic_req, U32, job_id, RAW) \
	X(ipc_generic_req, STR, address, RAW)

#define IPC_F_GENERIC_REPLY(X) \
	X(ipc_generic_reply, U32, job_id, RAW) \
	X(ipc_generic_reply, U32, status, RAW) \
	X(ipc_generic_reply, STR, address, RAW)

#define RAW	0
#define TXT	1
#define LNS	2

#define IPC_MEMBER(st, m)	(((struct st *)0)->m)

/* Wire size of one field at its maximum: 4, 8, or 2 + longest string. */
#define IPC_WIRE_U32(st, m)	4
#define IPC_WIRE_U64(st, m)	8
#define IPC_WIRE_STR(st, m)	(2 + sizeof(IPC_MEMBER(st, m)) - 1)
#define IPC_WIRE(st, k, m, t)	+ IPC_WIRE_##k(st, m)
#define IPC_BODY_MAX(list)	((size_t)(0 list(IPC_WIRE)))

/* Each member must have the C type its kind says. */
#define IPC_TYPE_U32(st, m) \
	_Generic(IPC_MEMBER(st, m), uint32_t: 1, default: 0)
#define IPC_TYPE_U64(st, m) \
	_Generic(IPC_MEMBER(st, m), uint64_t: 1, default: 0)
#define IPC_TYPE_STR(st, m) \
	(_Generic(&IPC_MEMBER(st, m), \
	    char (*)[sizeof(IPC_MEMBER(st, m))]: 1, default: 0) && \
	sizeof(IPC_MEMBER(st, m)) - 1 <= UINT16_MAX)
#define IPC_TYPE_CHECK(st, k, m, t) \
	_Static_assert(IPC_TYPE_##k(st, m), \
	    "struct " #st " member " #m " is not of kind " #k);

IPC_F_READY(IPC_TYPE_CHECK)
IPC_F_CONFIG(IPC_TYPE_CHECK)
IPC_F_DELIVER(IPC_TYPE_CHECK)
IPC_F_RCPT(IPC_TYPE_CHECK)
IPC_F_HOSTS(IPC_TYPE_CHECK)
IPC_F_ABORT(IPC_TYPE_CHECK)
IPC_F_LOG(IPC_TYPE_CHECK)
IPC_F_RESULT(IPC_TYPE_CHECK)
IPC_F_DONE(IPC_TYPE_CHECK)
IPC_F_TRANSCRIPT(IPC_TYPE_CHECK)
IPC_F_TLS_INFO(IPC_TYPE_CHECK)
IPC_F_SASL_REQ(IPC_TYPE_CHECK)
IPC_F_SASL_CRED(IPC_TYPE_CHECK)
IPC_F_CONNECT(IPC_TYPE_CHECK)
IPC_F_SOCKET(IPC_TYPE_CHECK)
IPC_F_CHECK(IPC_TYPE_CHECK)
IPC_F_CHECK_LOG(IPC_TYPE_CHECK)
IPC_F_SIGN_REQ(IPC_TYPE_CHECK)
IPC_F_SIGN_RESP(IPC_TYPE_CHECK)
IPC_F_TLS_POLICY(IPC_TYPE_CHECK)
IPC_F_EHLO_NOTE(IPC_TYPE_CHECK)
IPC_F_GENERIC_REQ(IPC_TYPE_CHECK)
IPC_F_GENERIC_REPLY(IPC_TYPE_CHECK)
IPC_F_TLS_ANCHOR(IPC_TYPE_CHECK)
IPC_F_DNSSEC_PROBE(IPC_TYPE_CHECK)

enum ipc_kind {
	IPC_K_U32,
	IPC_K_U64,
	IPC_K_STR,
};

struct ipc_field {
	enum ipc_kind kind;
	const char *name;	/* member name, for why[] */
	size_t	off;		/* offsetof() in the body struct */
	size_t	size;		/* sizeof the member; strings: max len + 1 */
	int	text;		/* RAW, TXT or LNS */
};

#define IPC_FIELD(st, k, m, t) \
	{ IPC_K_##k, #m, offsetof(struct st, m), sizeof(IPC_MEMBER(st, m)), t },

static const struct ipc_field ipc_f_ready[] = { IPC_F_READY(IPC_FIELD) };
static const struct ipc_field ipc_f_config[] = { IPC_F_CONFIG(IPC_FIELD) };
static const struct ipc_field ipc_f_deliver[] = { IPC_F_DELIVER(IPC_FIELD) };
static const struct ipc_field ipc_f_rcpt[] = { IPC_F_RCPT(IPC_FIELD) };
static const struct ipc_field ipc_f_hosts[] = { IPC_F_HOSTS(IPC_FIELD) };
static const struct ipc_field ipc_f_abort[] = { IPC_F_ABORT(IPC_FIELD) };
static const struct ipc_field ipc_f_log[] = { IPC_F_LOG(IPC_FIELD) };
static const struct ipc_field ipc_f_result[] = { IPC_F_RESULT(IPC_FIELD) };
static const struct ipc_field ipc_f_done[] = { IPC_F_DONE(IPC_FIELD) };
static const struct ipc_field ipc_f_transcript[] = {
	IPC_F_TRANSCRIPT(IPC_FIELD)
};
static const struct ipc_field ipc_f_sasl_req[] = { IPC_F_SASL_REQ(IPC_FIELD) };
static const struct ipc_field ipc_f_sasl_cred[] = {
	IPC_F_SASL_CRED(IPC_FIELD)
};
static const struct ipc_field ipc_f_connect[] = { IPC_F_CONNECT(IPC_FIELD) };
static const struct ipc_field ipc_f_socket[] = { IPC_F_SOCKET(IPC_FIELD) };
static const struct ipc_field ipc_f_check[] = { IPC_F_CHECK(IPC_FIELD) };
static const struct ipc_field ipc_f_check_log[] = {
	IPC_F_CHECK_LOG(IPC_FIELD)
};
static const struct ipc_field ipc_f_sign_req[] = { IPC_F_SIGN_REQ(IPC_FIELD) };
static const struct ipc_field ipc_f_sign_resp[] = {
	IPC_F_SIGN_RESP(IPC_FIELD)
};
static const struct ipc_field ipc_f_tls_policy[] = {
	IPC_F_TLS_POLICY(IPC_FIELD)
};
static const struct ipc_field ipc_f_ehlo_note[] = {
	IPC_F_EHLO_NOTE(IPC_FIELD)
};

static const struct ipc_field ipc_f_generic_req[] = {
	IPC_F_GENERIC_REQ(IPC_FIELD)
};
static const struct ipc_field ipc_f_generic_reply[] = {
	IPC_F_GENERIC_REPLY(IPC_FIELD)
};

static const struct ipc_field ipc_f_tls_anchor[] = {
	IPC_F_TLS_ANCHOR(IPC_FIELD)
};

static const struct ipc_field ipc_f_dnssec_probe[] = {
	IPC_F_DNSSEC_PROBE(IPC_FIELD)
};

static const struct ipc_field ipc_f_tls_info[] = { IPC_F_TLS_INFO(IPC_FIELD) };

#define IPC_MAX_READY	IPC_BODY_MAX(IPC_F_READY)
#define IPC_MAX_CONFIG	IPC_BODY_MAX(IPC_F_CONFIG)
#define IPC_MAX_DELIVER	IPC_BODY_MAX(IPC_F_DELIVER)
#define IPC_MAX_RCPT	IPC_BODY_MAX(IPC_F_RCPT)
#define IPC_MAX_HOSTS	IPC_BODY_MAX(IPC_F_HOSTS)
#define IPC_MAX_ABORT	IPC_BODY_MAX(IPC_F_ABORT)
#define IPC_MAX_LOG	IPC_BODY_MAX(IPC_F_LOG)
#define IPC_MAX_RESULT	IPC_BODY_MAX(IPC_F_RESULT)
#define IPC_MAX_DONE	IPC_BODY_MAX(IPC_F_DONE)
#define IPC_MAX_TRANSCRIPT	IPC_BODY_MAX(IPC_F_TRANSCRIPT)
#define IPC_MAX_TLS_INFO	IPC_BODY_MAX(IPC_F_TLS_INFO)
#define IPC_MAX_SASL_REQ	IPC_BODY_MAX(IPC_F_SASL_REQ)
#define IPC_MAX_SASL_CRED	IPC_BODY_MAX(IPC_F_SASL_CRED)
#define IPC_MAX_CONNECT	IPC_BODY_MAX(IPC_F_CONNECT)
#define IPC_MAX_SOCKET	IPC_BODY_MAX(IPC_F_SOCKET)
#define IPC_MAX_CHECK	IPC_BODY_MAX(IPC_F_CHECK)
#define IPC_MAX_CHECK_LOG	IPC_BODY_MAX(IPC_F_CHECK_LOG)
#define IPC_MAX_SIGN_REQ	IPC_BODY_MAX(IPC_F_SIGN_REQ)
#define IPC_MAX_SIGN_RESP	IPC_BODY_MAX(IPC_F_SIGN_RESP)
#define IPC_MAX_TLS_POLICY	IPC_BODY_MAX(IPC_F_TLS_POLICY)
#define IPC_MAX_EHLO_NOTE	IPC_BODY_MAX(IPC_F_EHLO_NOTE)
#define IPC_MAX_GENERIC_REQ	IPC_BODY_MAX(IPC_F_GENERIC_REQ)
#define IPC_MAX_GENERIC_REPLY	IPC_BODY_MAX(IPC_F_GENERIC_REPLY)
#define IPC_MAX_TLS_ANCHOR	IPC_BODY_MAX(IPC_F_TLS_ANCHOR)
#define IPC_MAX_DNSSEC_PROBE	IPC_BODY_MAX(IPC_F_DNSSEC_PROBE)

/* Every message, header included, fits one SJ_IPC_MSG_MAX datagram. */
#define IPC_FITS(n)	((n) + IPC_HDR_LEN <= SJ_IPC_MSG_MAX)
_Static_assert(IPC_FITS(IPC_MAX_READY), "READY exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_CONFIG), "CONFIG exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_DELIVER), "DELIVER exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_RCPT), "RCPT exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_HOSTS), "HOSTS exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_SASL_REQ), "SASL_REQ exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_SASL_CRED),
    "SASL_CRED exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_ABORT), "ABORT exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_LOG), "LOG exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_RESULT), "RESULT exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_DONE), "DONE exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_CONNECT), "CONNECT exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_SOCKET), "SOCKET exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_SIGN_REQ), "SIGN_REQ exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_SIGN_RESP),
    "SIGN_RESP exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_TRANSCRIPT),
    "TRANSCRIPT exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_TLS_INFO), "TLS_INFO exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_CHECK), "CHECK exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_CHECK_LOG),
    "CHECK_LOG exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_TLS_POLICY),
    "TLS_POLICY exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_GENERIC_REQ),
    "GENERIC_REQ exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_GENERIC_REPLY),
    "GENERIC_REPLY exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_TLS_ANCHOR),
    "TLS_ANCHOR exceeds SJ_IPC_MSG_MAX");

struct ipc_row {
	struct ipc_msg_spec spec;
	const struct ipc_field *fields;
	size_t	nfields;
};

#define IPC_NF(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The message table, one row per type with the reason it exists.
 * has_fd: descriptors cross the socketpair only from parent to child:
 * DELIVER's content memfd, and SOCKET's connection when it is granted.
 * No child-to-parent type declares one, so the parent keeps no
 * descriptor the child sends.
 */
static const struct ipc_row ipc_table[IPC_T_MAX] = {
	/* The child is locked down and speaks this IPC version. */
	[IPC_T_READY] = { { IPC_T_READY, "READY", IPC_C2P,
	    IPC_MAX_READY, 0 }, ipc_f_ready, IPC_NF(ipc_f_ready) },
	/* Session settings the child cannot read itself (no files). */
	[IPC_T_CONFIG] = { { IPC_T_CONFIG, "CONFIG", IPC_P2C,
	    IPC_MAX_CONFIG, 0 }, ipc_f_config, IPC_NF(ipc_f_config) },
	/* Start a job; fd: the sealed read-only memfd with the content,
	 * so the child never holds a queue file descriptor. */
	[IPC_T_DELIVER] = { { IPC_T_DELIVER, "DELIVER", IPC_P2C,
	    IPC_MAX_DELIVER, 1 }, ipc_f_deliver, IPC_NF(ipc_f_deliver) },
	/* One recipient per message keeps every message bounded. */
	[IPC_T_RCPT] = { { IPC_T_RCPT, "RCPT", IPC_P2C,
	    IPC_MAX_RCPT, 0 }, ipc_f_rcpt, IPC_NF(ipc_f_rcpt) },
	[IPC_T_HOSTS] = { { IPC_T_HOSTS, "HOSTS", IPC_P2C,
	    IPC_MAX_HOSTS, 0 }, ipc_f_hosts, IPC_NF(ipc_f_hosts) },
	/* Stop the current job (qmgr gone, parent shutting down). */
	[IPC_T_ABORT] = { { IPC_T_ABORT, "ABORT", IPC_P2C,
	    IPC_MAX_ABORT, 0 }, ipc_f_abort, IPC_NF(ipc_f_abort) },
	/* The child has no log channel of its own (no files, no syslog). */
	[IPC_T_LOG] = { { IPC_T_LOG, "LOG", IPC_C2P,
	    IPC_MAX_LOG, 0 }, ipc_f_log, IPC_NF(ipc_f_log) },
	/* Outcome of one recipient, from its RCPT/DATA reply. */
	[IPC_T_RCPT_RESULT] = { { IPC_T_RCPT_RESULT, "RCPT_RESULT", IPC_C2P,
	    IPC_MAX_RESULT, 0 }, ipc_f_result, IPC_NF(ipc_f_result) },
	/* Outcome of a site-wide failure (DNS, connect, greeting, MAIL). */
	[IPC_T_SITE_RESULT] = { { IPC_T_SITE_RESULT, "SITE_RESULT", IPC_C2P,
	    IPC_MAX_RESULT, 0 }, ipc_f_result, IPC_NF(ipc_f_result) },
	/* Job finished; timings for Postfix's delays= log field. */
	[IPC_T_DONE] = { { IPC_T_DONE, "DONE", IPC_C2P,
	    IPC_MAX_DONE, 0 }, ipc_f_done, IPC_NF(ipc_f_done) },
	/* A session had a protocol (or local data) error: its transcript,
	 * for the postmaster notice that only the parent can post
	 * ($notify_classes, public/cleanup); the child has no file system
	 * and no socket to Postfix. */
	[IPC_T_TRANSCRIPT] = { { IPC_T_TRANSCRIPT, "TRANSCRIPT", IPC_C2P,
	    IPC_MAX_TRANSCRIPT, 0 }, ipc_f_transcript,
	    IPC_NF(ipc_f_transcript) },
	/* TLS happens in the child, Postfix logs it: the fields of one
	 * TLS log line (trust, protocol, cipher, X.509 error), which the
	 * parent formats; never a line of the child's own. */
	[IPC_T_TLS_INFO] = { { IPC_T_TLS_INFO, "TLS_INFO", IPC_C2P,
	    IPC_MAX_TLS_INFO, 0 }, ipc_f_tls_info, IPC_NF(ipc_f_tls_info) },
	/* The server offered AUTH: the child asks for the job's SASL
	 * credential; the parent checks 'dest' against the job and answers
	 * at most once per destination and job (parent/sasl.c). */
	[IPC_T_SASL_REQ] = { { IPC_T_SASL_REQ, "SASL_REQ", IPC_C2P,
	    IPC_MAX_SASL_REQ, 0 }, ipc_f_sasl_req, IPC_NF(ipc_f_sasl_req) },
	/* The answer: PLAIN and LOGIN need the password in the child; only
	 * the job's own destination's, never the table. */
	[IPC_T_SASL_CRED] = { { IPC_T_SASL_CRED, "SASL_CRED", IPC_P2C,
	    IPC_MAX_SASL_CRED, 0 }, ipc_f_sasl_cred,
	    IPC_NF(ipc_f_sasl_cred) },
	/* The child has no socket() or connect(): it asks the parent for
	 * each DNS and SMTP connection, which the egress policy checks. */
	[IPC_T_CONNECT] = { { IPC_T_CONNECT, "CONNECT", IPC_C2P,
	    IPC_MAX_CONNECT, 0 }, ipc_f_connect, IPC_NF(ipc_f_connect) },
	/* The answer: a connected (or connecting) non-blocking socket the
	 * parent opened, or the errno of the refusal or failure. */
	[IPC_T_SOCKET] = { { IPC_T_SOCKET, "SOCKET", IPC_P2C,
	    IPC_MAX_SOCKET, IPC_FD_IF_OK }, ipc_f_socket,
	    IPC_NF(ipc_f_socket) },
	/* One rule of a regexp: or pcre: content-check table: the child
	 * matches the hostile content itself (no round trip per line) and
	 * has no file to read the table from; the parent read it at
	 * start. */
	[IPC_T_CHECK] = { { IPC_T_CHECK, "CHECK", IPC_P2C,
	    IPC_MAX_CHECK, 0 }, ipc_f_check, IPC_NF(ipc_f_check) },
	/* A header/body check fired (WARN, INFO, REPLACE ...): Postfix
	 * logs it with the queue id; the parent formats the line from
	 * these fields, counted against the job's log budget. */
	[IPC_T_CHECK_LOG] = { { IPC_T_CHECK_LOG, "CHECK_LOG", IPC_C2P,
	    IPC_MAX_CHECK_LOG, 0 }, ipc_f_check_log,
	    IPC_NF(ipc_f_check_log) },
	/* The client key stays in the parent: the child's TLS provider
	 * asks for the one signature of a client-certificate handshake
	 * (the digest in hex); one per brokered SMTP connection. */
	[IPC_T_SIGN_REQ] = { { IPC_T_SIGN_REQ, "SIGN_REQ", IPC_C2P,
	    IPC_MAX_SIGN_REQ, 0 }, ipc_f_sign_req, IPC_NF(ipc_f_sign_req) },
	/* The answer: the signature (public once sent to the server), or
	 * a refusal; never key material. */
	[IPC_T_SIGN_RESP] = { { IPC_T_SIGN_RESP, "SIGN_RESP", IPC_P2C,
	    IPC_MAX_SIGN_RESP, 0 }, ipc_f_sign_resp,
	    IPC_NF(ipc_f_sign_resp) },
	/* The tables stay in the parent: the next job's TLS policy from
	 * smtp_tls_policy_maps, resolved, before its DELIVER. */
	[IPC_T_TLS_POLICY] = { { IPC_T_TLS_POLICY, "TLS_POLICY", IPC_P2C,
	    IPC_MAX_TLS_POLICY, 0 }, ipc_f_tls_policy,
	    IPC_NF(ipc_f_tls_policy) },
	/* smtp_discard_ehlo_keywords: Postfix logs the discarded keywords
	 * after each accepted EHLO; the parent writes that line, with the
	 * mask it chose itself (parent/ehlo_discard.c). */
	[IPC_T_EHLO_NOTE] = { { IPC_T_EHLO_NOTE, "EHLO_NOTE", IPC_C2P,
	    IPC_MAX_EHLO_NOTE, 0 }, ipc_f_ehlo_note,
	    IPC_NF(ipc_f_ehlo_note) },
	/* smtp_generic_maps on a header address: the child parses the
	 * hostile headers, the tables stay in the parent; answered only
	 * with generic maps on, for the job, a bounded number of times
	 * (parent/generic_map.c). */
	[IPC_T_GENERIC_REQ] = { { IPC_T_GENERIC_REQ, "GENERIC_REQ", IPC_C2P,
	    IPC_MAX_GENERIC_REQ, 0 }, ipc_f_generic_req,
	    IPC_NF(ipc_f_generic_req) },
	/* The answer: the new address (internal form), none, or an error. */
	[IPC_T_GENERIC_REPLY] = { { IPC_T_GENERIC_REPLY, "GENERIC_REPLY",
	    IPC_P2C, IPC_MAX_GENERIC_REPLY, 0 }, ipc_f_generic_reply,
	    IPC_NF(ipc_f_generic_reply) },
	/* A tafile= of that TLS_POLICY is a file the sandbox cannot open:
	 * the parent reads it and sends each anchor's DER (bounded). */
	[IPC_T_TLS_ANCHOR] = { { IPC_T_TLS_ANCHOR, "TLS_ANCHOR", IPC_P2C,
	    IPC_MAX_TLS_ANCHOR, 0 }, ipc_f_tls_anchor,
	    IPC_NF(ipc_f_tls_anchor) },
	/* dnssec_probe's outcome as a class: the parent logs the text. */
	[IPC_T_DNSSEC_PROBE] = { { IPC_T_DNSSEC_PROBE, "DNSSEC_PROBE",
	    IPC_C2P, IPC_MAX_DNSSEC_PROBE, 0 }, ipc_f_dnssec_probe,
	    IPC_NF(ipc_f_dnssec_probe) },
};

/* DSN NOTIFY bits as Postfix dsn_mask.h: NEVER, SUCCESS, FAILURE, DELAY. */
#define IPC_NOTIFY_ALL		0xfU
/* DSN RET as Postfix: 0 none, 1 FULL, 2 HDRS. */
#define IPC_RET_MAX		2U
#define IPC_PORT_MAX		65535U
#define IPC_USEC_MAX		999999U
#define IPC_ERRNO_MAX		4095	/* Linux MAX_ERRNO */

/* SJ_TLS_P_SSLv2 .. SJ_TLS_P_TLSv1_3 */
#define IPC_TLS_P_ALL		0x3fU

/* 0 (no bound) or SSL 3.0 .. TLS 1.3 (0x0300 .. 0x0304). */
static int
ipc_tls_version(uint32_t v)
{
	return (v == 0 || (v >= 0x0300 && v <= 0x0304));
}

static struct ipc_msg_ctx {
	char	unknown_name[sizeof("UNKNOWN(4294967295)")];
} ipc_msg_ctx;

static const struct ipc_row *
ipc_row(uint32_t type)
{
	if (type == 0 || type >= IPC_T_MAX || ipc_table[type].spec.name == NULL)
		return (NULL);
	return (&ipc_table[type]);
}

const struct ipc_msg_spec *
ipc_msg_spec(enum ipc_type type)
{
	const struct ipc_row *row = ipc_row((uint32_t)type);

	return (row ? &row->spec : NULL);
}

const char *
ipc_msg_name(uint32_t type)
{
	const struct ipc_row *row = ipc_row(type);

	if (row != NULL)
		return (row->spec.name);
	snprintf(ipc_msg_ctx.unknown_name, sizeof(ipc_msg_ctx.unknown_name),
	    "UNKNOWN(%u)", type);
	return (ipc_msg_ctx.unknown_name);
}

static void __attribute__((format(printf, 3, 4)))
ipc_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

static const char *
ipc_dir_name(enum ipc_dir dir)
{
	return (dir == IPC_P2C ? "parent-to-child" : "child-to-parent");
}

/* The text rule of a string field: RAW, TXT or LNS (see above). */
static int
ipc_text_ok(int text, const char *s)
{
	const unsigned char *p;

	if (text == TXT)
		return (sj_text_is_printable(s));
	if (text == LNS) {
		for (p = (const unsigned char *)s; *p; p++)
			if ((*p < 0x20 || *p > 0x7e) && *p != '\n')
				return (0);
	}
	return (1);
}

long
ipc_msg_transcript_lines(const char *text, uint32_t *bad)
{
	const char *p = text, *nl;
	size_t	len, i;
	long	n = 0;

	if (*p == '\0')
		return (0);
	for (;;) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		for (i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 ||
			    (unsigned char)p[i] > 0x7e)
				break;
		if (i < len || len > SJ_TRANSCRIPT_LINE_MAX || len < 5 ||
		    (memcmp(p, IPC_TRANSCRIPT_OUT, 5) != 0 &&
		    memcmp(p, IPC_TRANSCRIPT_IN, 5) != 0)) {
			*bad = (uint32_t)n + 1;
			return (-1);
		}
		n++;
		if (nl == NULL)
			return (n);
		p = nl + 1;
	}
}

/*
 * An OpenSSL name (protocol, cipher, group, digest) or a hex
 * fingerprint: letters, digits and "-_.:+/", possibly empty. These
 * end up inside a log line, so nothing that could pass for another
 * word of it (spaces, brackets, parentheses).
 */
static int
ipc_tls_token(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.:+/", *s) != NULL))
			return (0);
	return (1);
}

/* A CHECK rule: ranges, and the shape of each operation. */
static int
ipc_msg_check_rule(const struct ipc_check *ck, const char *name, char *why,
    size_t whysz)
{
	uint32_t omask;
	int	ok;

	/* pcre_table(5) has no second pattern: no opts2, no HAS2. */
	omask = ck->kind == IPC_CHK_K_PCRE ? IPC_CHK_P_ALL : IPC_CHK_O_ALL;
	if (ck->cls >= IPC_CHK_NCLASS || ck->table >= SJ_CHECKS_MAX ||
	    ck->kind > IPC_CHK_K_PCRE || (ck->flags & ~IPC_CHK_F_ALL) ||
	    (ck->opts1 & ~omask) || (ck->opts2 & ~omask) ||
	    (ck->kind == IPC_CHK_K_PCRE && (ck->opts2 != 0 ||
	    (ck->flags & (IPC_CHK_F_HAS2 | IPC_CHK_F_MATCH2)) != 0)) ||
	    ck->max_sub > IPC_CHK_SUB_MAX) {
		ipc_why(why, whysz, "%s: field cls/table/kind/flags/opts/"
		    "max_sub out of range", name);
		return (-1);
	}
	switch (ck->op) {
	case IPC_CHK_OP_MATCH:
		ok = ck->pat1[0] != '\0' &&
		    ((ck->flags & IPC_CHK_F_HAS2) != 0) ==
		    (ck->pat2[0] != '\0') &&
		    (ck->max_sub == 0 || (ck->flags & IPC_CHK_F_MATCH1));
		break;
	case IPC_CHK_OP_IF:
		ok = ck->pat1[0] != '\0' && ck->pat2[0] == '\0' &&
		    ck->repl[0] == '\0' && ck->max_sub == 0 &&
		    (ck->flags & ~IPC_CHK_F_MATCH1) == 0;
		break;
	case IPC_CHK_OP_ENDIF:
		ok = ck->pat1[0] == '\0' && ck->pat2[0] == '\0' &&
		    ck->repl[0] == '\0' && ck->flags == 0 &&
		    ck->max_sub == 0;
		break;
	default:
		ok = 0;
	}
	if (!ok) {
		ipc_why(why, whysz, "%s: field op: %u with fields that do not "
		    "fit it", name, ck->op);
		return (-1);
	}
	return (0);
}

/* Hex of whole bytes, at least min_bytes of them (the member bounds the
 * rest); both halves compare it as bytes, never as a C string of text. */
static int
ipc_hex(const char *s, size_t min_bytes)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return (0);
	return (n % 2 == 0 && n / 2 >= min_bytes);
}

/*
 * Checks what the field list cannot express. Shared by the encoder and
 * the decoder. Returns 0 or -1 with why[] naming the type and field.
 */
static int
ipc_msg_check(const struct ipc_msg *m, const char *name, char *why,
    size_t whysz)
{
	const struct ipc_config *c = &m->u.config;
	const struct ipc_deliver *d = &m->u.deliver;
	const struct ipc_rcpt *r = &m->u.rcpt;
	const struct ipc_result *res = &m->u.result;
	const struct ipc_done *dn = &m->u.done;
	const struct ipc_transcript *tr = &m->u.transcript;
	const struct ipc_tls_info *ti = &m->u.tls_info;
	uint32_t bad = 0;
	long	nl;

	switch (m->type) {
	case IPC_T_CONFIG:
		if (c->flags & ~IPC_CF_ALL) {
			ipc_why(why, whysz, "%s: field flags: unknown bits "
			    "0x%x", name, c->flags & ~IPC_CF_ALL);
			return (-1);
		}
		if (c->addr_pref > IPC_PREF_IPV6) {
			ipc_why(why, whysz, "%s: field addr_pref: %u out of "
			    "range 0..%d", name, c->addr_pref, IPC_PREF_IPV6);
			return (-1);
		}
		if (c->hosts_count > SJ_HOSTS_MAX) {
			ipc_why(why, whysz, "%s: field hosts_count: %u out "
			    "of range 0..%d", name, c->hosts_count,
			    SJ_HOSTS_MAX);
			return (-1);
		}
		if (c->checks_count > SJ_CHECKS_MAX) {
			ipc_why(why, whysz, "%s: field checks_count: %u out "
			    "of range 0..%d", name, c->checks_count,
			    SJ_CHECKS_MAX);
			return (-1);
		}
		if (c->checks_classes & ~IPC_CHK_CLASSES_ALL) {
			ipc_why(why, whysz, "%s: field checks_classes: "
			    "unknown bits 0x%x", name,
			    c->checks_classes & ~IPC_CHK_CLASSES_ALL);
			return (-1);
		}
		if ((c->sasl_opts | c->sasl_tls_opts |
		    c->sasl_tls_verified_opts) & ~IPC_SASL_ALL) {
			ipc_why(why, whysz, "%s: field sasl_opts: unknown "
			    "bits 0x%x", name,
			    (c->sasl_opts | c->sasl_tls_opts |
			    c->sasl_tls_verified_opts) & ~IPC_SASL_ALL);
			return (-1);
		}
		if (c->default_port > IPC_PORT_MAX) {
			ipc_why(why, whysz, "%s: field default_port: %u out "
			    "of range 0..%u", name, c->default_port,
			    IPC_PORT_MAX);
			return (-1);
		}
		break;
	case IPC_T_DELIVER:
		if (d->rcpt_count == 0 || d->rcpt_count > SJ_RCPT_MAX) {
			ipc_why(why, whysz, "%s: field rcpt_count: %u out of "
			    "range 1..%d", name, d->rcpt_count, SJ_RCPT_MAX);
			return (-1);
		}
		if (d->flags & ~IPC_DF_ALL) {
			ipc_why(why, whysz, "%s: field flags: unknown bits "
			    "0x%x", name, d->flags & ~IPC_DF_ALL);
			return (-1);
		}
		if (d->ret_flags > IPC_RET_MAX) {
			ipc_why(why, whysz, "%s: field ret_flags: %u out of "
			    "range 0..%u", name, d->ret_flags, IPC_RET_MAX);
			return (-1);
		}
		if (d->content_size > SJ_CONTENT_MAX) {
			ipc_why(why, whysz, "%s: field content_size: %llu "
			    "exceeds %lu", name,
			    (unsigned long long)d->content_size,
			    (unsigned long)SJ_CONTENT_MAX);
			return (-1);
		}
		break;
	case IPC_T_RCPT:
		if (r->index >= SJ_RCPT_MAX) {
			ipc_why(why, whysz, "%s: field index: %u out of range "
			    "0..%d", name, r->index, SJ_RCPT_MAX - 1);
			return (-1);
		}
		if (r->notify_flags & ~IPC_NOTIFY_ALL) {
			ipc_why(why, whysz, "%s: field notify_flags: unknown "
			    "bits 0x%x", name, r->notify_flags & ~IPC_NOTIFY_ALL);
			return (-1);
		}
		break;
	case IPC_T_LOG:
		if (m->u.log.level > MSG_LVL_ERROR) {
			ipc_why(why, whysz, "%s: field level: %u out of range "
			    "0..%d", name, m->u.log.level, MSG_LVL_ERROR);
			return (-1);
		}
		break;
	case IPC_T_RCPT_RESULT:
	case IPC_T_SITE_RESULT:
		if (m->type == IPC_T_RCPT_RESULT && res->index >= SJ_RCPT_MAX) {
			ipc_why(why, whysz, "%s: field index: %u out of range "
			    "0..%d", name, res->index, SJ_RCPT_MAX - 1);
			return (-1);
		}
		if (m->type == IPC_T_SITE_RESULT && res->index != 0) {
			ipc_why(why, whysz, "%s: field index: %u, must be 0",
			    name, res->index);
			return (-1);
		}
		if (res->diag_code != 0 &&
		    (res->diag_code < 200 || res->diag_code > 599)) {
			ipc_why(why, whysz, "%s: field diag_code: %u neither 0 "
			    "nor 200..599", name, res->diag_code);
			return (-1);
		}
		if (res->flags & ~IPC_RF_ALL) {
			ipc_why(why, whysz, "%s: field flags: unknown bits "
			    "0x%x", name, res->flags & ~IPC_RF_ALL);
			return (-1);
		}
		/* Printable already (TXT field), so safe to quote. */
		if (!sj_text_is_dsn_status(res->status)) {
			ipc_why(why, whysz, "%s: field status: \"%s\" is not "
			    "a DSN status", name, res->status);
			return (-1);
		}
		if (res->conn_setup_done_usec > IPC_USEC_MAX ||
		    res->deliver_done_usec > IPC_USEC_MAX) {
			ipc_why(why, whysz, "%s: field %s: microseconds out "
			    "of range 0..%u", name,
			    res->conn_setup_done_usec > IPC_USEC_MAX ?
			    "conn_setup_done_usec" : "deliver_done_usec",
			    IPC_USEC_MAX);
			return (-1);
		}
		break;
	case IPC_T_DONE:
		if (dn->conn_setup_done_usec > IPC_USEC_MAX ||
		    dn->deliver_done_usec > IPC_USEC_MAX) {
			ipc_why(why, whysz, "%s: field %s: microseconds out "
			    "of range 0..%u", name,
			    dn->conn_setup_done_usec > IPC_USEC_MAX ?
			    "conn_setup_done_usec" : "deliver_done_usec",
			    IPC_USEC_MAX);
			return (-1);
		}
		break;
	case IPC_T_CONNECT: {
		const struct ipc_connect *cn = &m->u.connect;
		unsigned char bin[16];

		if (cn->purpose < IPC_CONN_DNS_UDP ||
		    cn->purpose > IPC_CONN_SMTP) {
			ipc_why(why, whysz, "%s: field purpose: %u out of "
			    "range %d..%d", name, cn->purpose,
			    IPC_CONN_DNS_UDP, IPC_CONN_SMTP);
			return (-1);
		}
		if (cn->port == 0 || cn->port > IPC_PORT_MAX) {
			ipc_why(why, whysz, "%s: field port: %u out of range "
			    "1..%u", name, cn->port, IPC_PORT_MAX);
			return (-1);
		}
		/* Printable already (TXT field), so safe to quote. */
		if (inet_pton(AF_INET, cn->addr, bin) != 1 &&
		    inet_pton(AF_INET6, cn->addr, bin) != 1) {
			ipc_why(why, whysz, "%s: field addr: \"%s\" is not a "
			    "numeric IPv4 or IPv6 address", name, cn->addr);
			return (-1);
		}
		break;
	}
	case IPC_T_CHECK:
		return (ipc_msg_check_rule(&m->u.check, name, why, whysz));
	case IPC_T_CHECK_LOG: {
		const struct ipc_check_log *cl = &m->u.check_log;

		if (cl->kind < IPC_CHL_ACTION || cl->kind > IPC_CHL_KIND_MAX ||
		    cl->action > IPC_CHL_A_MAX ||
		    cl->where > IPC_CHL_W_BODY || cl->cls >= IPC_CHK_NCLASS) {
			ipc_why(why, whysz, "%s: field kind/action/where/cls: "
			    "%u/%u/%u/%u out of range", name, cl->kind,
			    cl->action, cl->where, cl->cls);
			return (-1);
		}
		break;
	}
	case IPC_T_GENERIC_REPLY: {
		const struct ipc_generic_reply *gr = &m->u.generic_reply;

		if (gr->status > IPC_GENERIC_ERROR ||
		    (gr->status == IPC_GENERIC_FOUND) !=
		    (gr->address[0] != '\0')) {
			ipc_why(why, whysz, "%s: field status: %u with %s "
			    "address", name, gr->status,
			    gr->address[0] ? "an" : "no");
			return (-1);
		}
		break;
	}
	case IPC_T_SOCKET:
		if (m->u.socket.error > IPC_ERRNO_MAX) {
			ipc_why(why, whysz, "%s: field error: %u out of range "
			    "0..%d", name, m->u.socket.error, IPC_ERRNO_MAX);
			return (-1);
		}
		if ((m->u.socket.ehlo_discard & ~SJ_EHLO_MASK_ALL) != 0 ||
		    (m->u.socket.error != 0 && m->u.socket.ehlo_discard)) {
			ipc_why(why, whysz, "%s: field ehlo_discard: 0x%x not "
			    "an EHLO mask of a granted socket", name,
			    m->u.socket.ehlo_discard);
			return (-1);
		}
		break;
	case IPC_T_DNSSEC_PROBE:
		if (m->u.dnssec_probe.result > IPC_PROBE_MAX) {
			ipc_why(why, whysz, "%s: field result: %u not in 0..%d",
			    name, m->u.dnssec_probe.result, IPC_PROBE_MAX);
			return (-1);
		}
		break;
	case IPC_T_EHLO_NOTE:
		if (m->u.ehlo_note.mask == 0 ||
		    (m->u.ehlo_note.mask & ~SJ_EHLO_MASK_ALL) != 0 ||
		    (m->u.ehlo_note.mask & SJ_EHLO_MASK_SILENT) != 0) {
			ipc_why(why, whysz, "%s: field mask: 0x%x not a "
			    "logged EHLO mask", name, m->u.ehlo_note.mask);
			return (-1);
		}
		break;
	case IPC_T_TRANSCRIPT:
		if (tr->classes == 0 || (tr->classes & ~IPC_TC_ALL)) {
			ipc_why(why, whysz, "%s: field classes: 0x%x is not a "
			    "non-empty subset of 0x%x", name, tr->classes,
			    IPC_TC_ALL);
			return (-1);
		}
		if ((nl = ipc_msg_transcript_lines(tr->text, &bad)) < 0) {
			ipc_why(why, whysz, "%s: field text: line %u lacks "
			    "the \"Out: \" or \"In:  \" prefix, exceeds %d "
			    "bytes or is not printable", name, bad,
			    SJ_TRANSCRIPT_LINE_MAX);
			return (-1);
		}
		if ((tr->omitted == 0 && tr->omitted_at != 0) ||
		    tr->omitted_at > (unsigned long)nl) {
			ipc_why(why, whysz, "%s: field omitted_at: %u with "
			    "%u omitted of %ld lines", name, tr->omitted_at,
			    tr->omitted, nl);
			return (-1);
		}
		break;
	case IPC_T_TLS_INFO:
		if (ti->event == 0 || ti->event > SJ_TLS_EV_MAX ||
		    ti->trust > SJ_TLS_TRUST_VERIFIED ||
		    ti->conn_kind > SJ_TLS_CERR_TIMEOUT) {
			ipc_why(why, whysz, "%s: field event, trust or "
			    "conn_kind out of range (%u, %u, %u)", name,
			    ti->event, ti->trust, ti->conn_kind);
			return (-1);
		}
		if (!ipc_tls_token(ti->protocol) || !ipc_tls_token(ti->cipher) ||
		    !ipc_tls_token(ti->kex_name) ||
		    !ipc_tls_token(ti->kex_curve) ||
		    !ipc_tls_token(ti->sig_name) ||
		    !ipc_tls_token(ti->sig_curve) ||
		    !ipc_tls_token(ti->sig_dgst) ||
		    !ipc_tls_token(ti->fprint) ||
		    !ipc_tls_token(ti->pkey_fprint) ||
		    !ipc_tls_token(ti->lib_file) || ti->lib_has_data > 1) {
			ipc_why(why, whysz, "%s: a protocol, cipher, key or "
			    "digest name is not a token", name);
			return (-1);
		}
		break;
	case IPC_T_SASL_REQ:
		if (m->u.sasl_req.kind > IPC_SASL_ASK_CRAM_MD5) {
			ipc_why(why, whysz, "%s: field kind: %u out of "
			    "range 0..%d", name, m->u.sasl_req.kind,
			    IPC_SASL_ASK_CRAM_MD5);
			return (-1);
		}
		break;
	case IPC_T_SIGN_REQ:
		if (m->u.sign_req.alg < 1 || m->u.sign_req.alg > SJ_SIGN_ALG_MAX ||
		    m->u.sign_req.md < 1 || m->u.sign_req.md > SJ_SIGN_MD_MAX ||
		    !ipc_hex(m->u.sign_req.digest, 20)) {
			ipc_why(why, whysz, "%s: algorithm %u, digest %u or a "
			    "digest that is not 20..%d bytes of hex", name,
			    m->u.sign_req.alg, m->u.sign_req.md,
			    SJ_SIGN_DIGEST_MAX);
			return (-1);
		}
		break;
	case IPC_T_SIGN_RESP:
		if (m->u.sign_resp.status > IPC_SIGN_FAILED ||
		    (m->u.sign_resp.status == IPC_SIGN_OK) !=
		    (m->u.sign_resp.sig[0] != '\0') ||
		    (m->u.sign_resp.sig[0] != '\0' &&
		    !ipc_hex(m->u.sign_resp.sig, 1))) {
			ipc_why(why, whysz, "%s: status %u with a signature "
			    "that is not hex or does not belong", name,
			    m->u.sign_resp.status);
			return (-1);
		}
		break;
	case IPC_T_TLS_POLICY: {
		const struct ipc_tls_policy *tp = &m->u.tls_policy;

		if (tp->level > SJ_TLS_LEV_DANE_ONLY ||
		    (tp->proto_exclude & ~IPC_TLS_P_ALL) ||
		    !ipc_tls_version(tp->proto_min) ||
		    !ipc_tls_version(tp->proto_max)) {
			ipc_why(why, whysz, "%s: field level, proto_exclude, "
			    "proto_min or proto_max out of range (%u, 0x%x, "
			    "0x%x, 0x%x)", name, tp->level, tp->proto_exclude,
			    tp->proto_min, tp->proto_max);
			return (-1);
		}
		if ((tp->may_proto_exclude & ~IPC_TLS_P_ALL) ||
		    !ipc_tls_version(tp->may_proto_min) ||
		    !ipc_tls_version(tp->may_proto_max)) {
			ipc_why(why, whysz, "%s: field may_proto_exclude, "
			    "may_proto_min or may_proto_max out of range "
			    "(0x%x, 0x%x, 0x%x)", name, tp->may_proto_exclude,
			    tp->may_proto_min, tp->may_proto_max);
			return (-1);
		}
		/* Trust anchors replace the CAs at verify and secure only. */
		if (tp->ta_count > SJ_TLS_TA_MAX || (tp->ta_count > 0 &&
		    tp->level != SJ_TLS_LEV_VERIFY &&
		    tp->level != SJ_TLS_LEV_SECURE)) {
			ipc_why(why, whysz, "%s: field ta_count: %u at level "
			    "%u (at most %d, at verify or secure)", name,
			    tp->ta_count, tp->level, SJ_TLS_TA_MAX);
			return (-1);
		}
		break;
	}
	case IPC_T_TLS_ANCHOR: {
		const struct ipc_tls_anchor *ta = &m->u.tls_anchor;

		if (ta->index >= SJ_TLS_TA_MAX ||
		    (ta->kind != SJ_TLS_TA_CERT && ta->kind != SJ_TLS_TA_PKEY) ||
		    !ipc_hex(ta->der, 1)) {
			ipc_why(why, whysz, "%s: field index, kind or der out "
			    "of range or not hex (%u, %u)", name, ta->index,
			    ta->kind);
			return (-1);
		}
		break;
	}
	case IPC_T_SASL_CRED:
		if (m->u.sasl_cred.status > IPC_SASL_ERROR) {
			ipc_why(why, whysz, "%s: field status: %u out of "
			    "range 0..%d", name, m->u.sasl_cred.status,
			    IPC_SASL_ERROR);
			return (-1);
		}
		break;
	default:
		break;
	}
	return (0);
}

/* IPC_FD_IF_OK types: does this answer grant (carry) a descriptor? */
static int
m_granted(const struct ipc_msg *m)
{
	return (m->type == IPC_T_SOCKET && m->u.socket.error == 0);
}

int
ipc_msg_wants_fd(const struct ipc_msg *m)
{
	const struct ipc_row *row = ipc_row((uint32_t)m->type);

	if (row == NULL)
		return (0);
	if (row->spec.has_fd == IPC_FD_IF_OK)
		return (m_granted(m));
	return (row->spec.has_fd == IPC_FD_ONE);
}

static void
ipc_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

ssize_t
ipc_msg_encode(const struct ipc_msg *msg, void *buf, size_t bufsz)
{
	const struct ipc_row *row;
	const struct ipc_field *f;
	const unsigned char *base;
	struct sj_buf b;
	const char *s;
	size_t	i, body;
	char	why[256];
	int	err = 0;

	if ((row = ipc_row((uint32_t)msg->type)) == NULL)
		return (-EINVAL);
	base = (const unsigned char *)&msg->u;

	/* Refuse what the peer would refuse: text first, then ranges. */
	for (i = 0; i < row->nfields; i++) {
		f = &row->fields[i];
		if (f->kind != IPC_K_STR)
			continue;
		s = (const char *)(base + f->off);
		if (strnlen(s, f->size) >= f->size)
			return (-EINVAL);	/* not terminated */
		if (!ipc_text_ok(f->text, s))
			return (-EINVAL);
	}
	if (ipc_msg_check(msg, row->spec.name, why, sizeof(why)) < 0)
		return (-EINVAL);

	/*
	 * A writable view of the caller's storage (sj_buf_wrap() is
	 * read-only). It is never passed to sj_buf_free().
	 */
	memset(&b, 0, sizeof(b));
	b.data = buf;
	b.cap = bufsz;

	/* Body length is patched in once known. */
	if ((err = sj_buf_put_u16(&b, IPC_VERSION)) < 0 ||
	    (err = sj_buf_put_u16(&b, (uint16_t)msg->type)) < 0 ||
	    (err = sj_buf_put_u32(&b, 0)) < 0)
		return (err);
	for (i = 0; i < row->nfields && err == 0; i++) {
		f = &row->fields[i];
		switch (f->kind) {
		case IPC_K_U32: {
			uint32_t v;

			memcpy(&v, base + f->off, sizeof(v));
			err = sj_buf_put_u32(&b, v);
			break;
		}
		case IPC_K_U64: {
			uint64_t v;

			memcpy(&v, base + f->off, sizeof(v));
			err = sj_buf_put_u64(&b, v);
			break;
		}
		case IPC_K_STR:
			err = sj_buf_put_str(&b, (const char *)(base + f->off),
			    f->size - 1);
			break;
		}
	}
	if (err < 0)
		return (err);
	body = b.len - IPC_HDR_LEN;
	if (body > row->spec.max_body)
		msg_panic("ipc_msg_encode: %s: body %zu > table maximum %zu",
		    row->spec.name, body, row->spec.max_body);
	ipc_put_le32((unsigned char *)buf + 4, (uint32_t)body);
	return ((ssize_t)b.len);
}

/* Decodes one string field, naming the exact problem. */
static int
ipc_get_str(struct sj_buf *b, const struct ipc_field *f, char *out,
    const char *name, char *why, size_t whysz)
{
	const unsigned char *p;
	size_t	left = sj_buf_left(b);
	size_t	n;

	if (left < 2) {
		ipc_why(why, whysz, "%s: short body at field %s: needs 2 "
		    "bytes of length, %zu left", name, f->name, left);
		return (-1);
	}
	p = b->data + b->pos;
	n = (size_t)p[0] | ((size_t)p[1] << 8);
	if (n > f->size - 1) {
		ipc_why(why, whysz, "%s: field %s: string length %zu exceeds "
		    "maximum %zu", name, f->name, n, f->size - 1);
		return (-1);
	}
	if (n > left - 2) {
		ipc_why(why, whysz, "%s: short body at field %s: string of "
		    "%zu bytes, %zu left", name, f->name, n, left - 2);
		return (-1);
	}
	if (memchr(p + 2, '\0', n) != NULL) {
		ipc_why(why, whysz, "%s: field %s: string contains NUL",
		    name, f->name);
		return (-1);
	}
	if (sj_buf_get_str(b, out, f->size, f->size - 1) < 0) {
		ipc_why(why, whysz, "%s: field %s: bad string", name, f->name);
		return (-1);
	}
	if (!ipc_text_ok(f->text, out)) {
		ipc_why(why, whysz, "%s: field %s: not printable ASCII%s",
		    name, f->name, f->text == LNS ? " lines" : "");
		return (-1);
	}
	return (0);
}

static int
ipc_decode_body(const struct ipc_row *row, struct sj_buf *b,
    struct ipc_msg *msg, char *why, size_t whysz)
{
	const char *name = row->spec.name;
	const struct ipc_field *f;
	unsigned char *base = (unsigned char *)&msg->u;
	size_t	i;

	for (i = 0; i < row->nfields; i++) {
		f = &row->fields[i];
		switch (f->kind) {
		case IPC_K_U32: {
			uint32_t v;

			if (sj_buf_get_u32(b, &v) < 0) {
				ipc_why(why, whysz, "%s: short body at field "
				    "%s: needs 4 bytes, %zu left", name,
				    f->name, sj_buf_left(b));
				return (-1);
			}
			memcpy(base + f->off, &v, sizeof(v));
			break;
		}
		case IPC_K_U64: {
			uint64_t v;

			if (sj_buf_get_u64(b, &v) < 0) {
				ipc_why(why, whysz, "%s: short body at field "
				    "%s: needs 8 bytes, %zu left", name,
				    f->name, sj_buf_left(b));
				return (-1);
			}
			memcpy(base + f->off, &v, sizeof(v));
			break;
		}
		case IPC_K_STR:
			if (ipc_get_str(b, f, (char *)(base + f->off), name,
			    why, whysz) < 0)
				return (-1);
			break;
		}
	}
	if (sj_buf_left(b) != 0) {
		ipc_why(why, whysz, "%s: trailing %zu bytes", name,
		    sj_buf_left(b));
		return (-1);
	}
	return (ipc_msg_check(msg, name, why, whysz));
}

int
ipc_msg_decode(enum ipc_dir dir, const void *buf, size_t len, int fd,
    struct ipc_msg *msg, char *why, size_t whysz)
{
	const struct ipc_row *row;
	const char *name;
	struct sj_buf b;
	uint16_t version, type;
	uint32_t blen;
	size_t	body;
	int	err = -EBADMSG;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	if (why != NULL && whysz > 0)
		why[0] = '\0';

	sj_buf_wrap(&b, buf, len);
	if (sj_buf_get_u16(&b, &version) < 0 ||
	    sj_buf_get_u16(&b, &type) < 0 ||
	    sj_buf_get_u32(&b, &blen) < 0) {
		ipc_why(why, whysz, "message of %zu bytes is shorter than "
		    "the %d-byte header", len, IPC_HDR_LEN);
		goto refuse;
	}
	name = ipc_msg_name(type);
	if (version != IPC_VERSION) {
		ipc_why(why, whysz, "%s: IPC version %u, expected %d", name,
		    version, IPC_VERSION);
		err = -EPROTO;
		goto refuse;
	}
	if ((row = ipc_row(type)) == NULL) {
		ipc_why(why, whysz, "%s: unknown message type", name);
		goto refuse;
	}
	if (row->spec.dir != dir) {
		ipc_why(why, whysz, "%s: wrong direction: %s message "
		    "received by the %s", name, ipc_dir_name(row->spec.dir),
		    dir == IPC_P2C ? "child" : "parent");
		goto refuse;
	}
	body = len - IPC_HDR_LEN;
	if (blen != body) {
		ipc_why(why, whysz, "%s: header says body of %u bytes, "
		    "message has %zu", name, blen, body);
		goto refuse;
	}
	if (body > row->spec.max_body) {
		ipc_why(why, whysz, "%s: body of %zu bytes exceeds maximum "
		    "%zu", name, body, row->spec.max_body);
		goto refuse;
	}
	if (row->spec.has_fd == IPC_FD_ONE && fd < 0) {
		ipc_why(why, whysz, "%s: missing descriptor", name);
		goto refuse;
	}
	if (row->spec.has_fd == IPC_FD_NONE && fd >= 0) {
		ipc_why(why, whysz, "%s: unexpected descriptor", name);
		goto refuse;
	}
	msg->type = (enum ipc_type)type;
	if (ipc_decode_body(row, &b, msg, why, whysz) < 0)
		goto refuse;
	/* SOCKET: a descriptor exactly when the answer grants one. */
	if (row->spec.has_fd == IPC_FD_IF_OK &&
	    (m_granted(msg) != (fd >= 0))) {
		ipc_why(why, whysz, "%s: %s descriptor", name, fd >= 0 ?
		    "unexpected" : "missing");
		goto refuse;
	}
	msg->fd = fd;
	if (msg->type == IPC_T_DELIVER)
		msg->u.deliver.content_fd = fd;	/* a copy: msg->fd owns it */
	return (0);

refuse:
	if (fd >= 0)
		(void)close(fd);
	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	return (err);
}

void
ipc_msg_release(struct ipc_msg *msg)
{
	if (msg->fd >= 0)
		(void)close(msg->fd);
	msg->fd = -1;
	if (msg->type == IPC_T_DELIVER)
		msg->u.deliver.content_fd = -1;
}
