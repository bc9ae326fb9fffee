/*
 * NAME
 *	ipc_msg_check 3
 * SUMMARY
 *	the checks of an IPC message that its field list cannot express
 * DESCRIPTION
 *	ipc_msg_check() applies, type by type, what the field lists of
 *	ipc_msg.c cannot say: ranges, flag masks, DSN status syntax,
 *	numeric addresses, the lines of a transcript, OpenSSL names as
 *	tokens, hex digests and DER, and the shape of each content-check
 *	rule. The encoder and the decoder (ipc_msg_codec.c) both call it,
 *	so a process cannot send what its peer would refuse.
 *	ipc_msg_transcript_lines() is also the parent's second look at a
 *	transcript before it mails it.
 * SECURITY
 *	Both processes. In the parent it runs on what the (possibly
 *	compromised) child sent, after the decoder has bounded every
 *	number and string: it reads only the decoded struct, whose strings
 *	are terminated within their members, and quotes a string in why[]
 *	only once it is known to be printable.
 * SEE ALSO
 *	ipc_msg(3), ipc_msg_codec(3), sj_text(3), sj_ehlo_mask(3)
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc_msg.h"
#include "ipc_msg_int.h"
#include "msg.h"
#include "sj_ehlo_mask.h"
#include "sj_limits.h"
#include "sj_text.h"
#include "sj_tls.h"

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
int
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
		if (m->u.sasl_req.kind > IPC_SASL_ASK_EXISTS) {
			ipc_why(why, whysz, "%s: field kind: %u out of "
			    "range 0..%d", name, m->u.sasl_req.kind,
			    IPC_SASL_ASK_EXISTS);
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
		if (tp->conn_reuse > 1) {
			ipc_why(why, whysz, "%s: field conn_reuse: %u (0 or "
			    "1)", name, tp->conn_reuse);
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
