/*
 * NAME
 *	ipc_msg 3
 * SUMMARY
 *	the parent <-> child message table
 * DESCRIPTION
 *	See ipc_msg.h. Each message body is declared once, as a list of
 *	fields (IPC_F_* below): kind (u32, u64, string), struct member and
 *	whether the string must be printable text. The same list yields
 *	the field descriptors that drive the generic encoder and decoder
 *	(ipc_msg_codec.c) and the maximum body size in the table, so that
 *	the table, the codec and the static size check cannot drift apart.
 *	What a field list cannot say (ranges, flag masks, DSN status
 *	syntax) is checked by ipc_msg_check() (ipc_msg_check.c), which the
 *	encoder and the decoder both call: a process cannot send what its
 *	peer would refuse.
 *
 *	ipc_row() finds a type's row for the codec; ipc_msg_spec() and
 *	ipc_msg_name() give its public part.
 * SECURITY
 *	Both processes. The table is constant; a type that came from the
 *	peer is range-checked before it indexes the table.
 * SEE ALSO
 *	ipc_msg_codec(3), ipc_msg_check(3), ipc_chan(3),
 *	SECURITY.md (message table)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipc_msg.h"
#include "ipc_msg_int.h"
#include "sj_limits.h"
#include "sj_tls.h"

/*
 * Field lists, in struct order. X(struct, kind, member, text): kind is
 * U32, U64 or STR; text is TXT when the string must be printable ASCII
 * (it is logged or recorded by the parent), LNS when it is lines of
 * printable ASCII separated by '\n' (a transcript mailed by the
 * parent), RAW when any byte but NUL may appear (envelope addresses:
 * SMTPUTF8 allows 8-bit). The three are defined in ipc_msg_int.h, for
 * the codec.
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
	X(ipc_tls_policy, U32, ta_count, RAW) \
	X(ipc_tls_policy, U32, conn_reuse, RAW)

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
_Static_assert(IPC_FITS(IPC_MAX_EHLO_NOTE), "EHLO_NOTE exceeds SJ_IPC_MSG_MAX");
_Static_assert(IPC_FITS(IPC_MAX_DNSSEC_PROBE),
    "DNSSEC_PROBE exceeds SJ_IPC_MSG_MAX");

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

static struct ipc_msg_ctx {
	char	unknown_name[sizeof("UNKNOWN(4294967295)")];
} ipc_msg_ctx;

const struct ipc_row *
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
