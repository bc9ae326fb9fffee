/*
 * NAME
 *	test_ipc_msg 1
 * SUMMARY
 *	unit tests of the IPC message table and codec
 * DESCRIPTION
 *	Round trip of every message type, once with every field at its
 *	maximum and once with empty strings; a table of malformed messages,
 *	each built by patching a valid encoding or by hand, checked for the
 *	return code, for why[] naming the problem, and for the descriptor
 *	being closed; the encoder's refusals; every truncation and a
 *	deterministic set of byte mutations of every valid message (run it
 *	under ASan: buffers are allocated at their exact size).
 *
 *	It also checks the seed corpus of tests/fuzz/fuzz_ipc_msg.c: the
 *	files tests/fuzz/corpus/ipc_msg/<TYPE>-max and <TYPE>-empty must be
 *	today's encodings. After a table change, regenerate them with
 *	SJ_IPC_CORPUS_WRITE=1 build/tests/unit/test_ipc_msg (from the top
 *	directory, or with SJ_TOP set) and commit them.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/ipc_msg.c, ipc/ipc_msg_codec.c, ipc/ipc_msg_check.c,
 *	tests/fuzz/fuzz_ipc_msg.c
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd_check.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_buf.h"
#include "sj_ehlo_mask.h"
#include "sj_limits.h"
#include "sj_tls.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define BUFSZ		(2 * SJ_IPC_MSG_MAX)

enum variant { V_MAX, V_EMPTY };

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int
fresh_fd(void)
{
	int	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	return (fd);
}

/* Every printable byte, space to tilde, in turn. */
static void
fill_text(char *s, size_t size)
{
	size_t	i;

	for (i = 0; i + 1 < size; i++)
		s[i] = (char)(0x20 + i % 95);
	s[size - 1] = '\0';
}

/* Every byte but NUL, in turn: 8-bit is legal in envelope fields. */
static void
fill_raw(char *s, size_t size)
{
	size_t	i;

	for (i = 0; i + 1 < size; i++)
		s[i] = (char)(1 + i % 255);
	s[size - 1] = '\0';
}

/*
 * A transcript filling text[size - 1] exactly: lines of
 * SJ_TRANSCRIPT_LINE_MAX bytes, "Out: " and "In:  " in turn, every
 * printable byte in the rest. Returns the number of lines.
 */
static uint32_t
fill_lines(char *s, size_t size)
{
	size_t	i = 0, k, left;
	uint32_t n = 0;

	while (i + 1 < size) {
		if (n > 0)
			s[i++] = '\n';
		memcpy(s + i, n % 2 ? IPC_TRANSCRIPT_IN : IPC_TRANSCRIPT_OUT, 5);
		i += 5;
		left = size - 1 - i;
		for (k = 5; k < SJ_TRANSCRIPT_LINE_MAX && left > 0; k++, left--)
			s[i++] = (char)(0x20 + k % 95);
		n++;
	}
	s[size - 1] = '\0';
	return (n);
}

/* An OpenSSL name or a fingerprint: letters, digits, "-_.:+/". */
static void
fill_token(char *s, size_t size)
{
	static const char tok[] = "ABCxyz019-_.:+/";
	size_t	i;

	for (i = 0; i + 1 < size; i++)
		s[i] = tok[i % (sizeof(tok) - 1)];
	s[size - 1] = '\0';
}

#define TOKEN(f)	fill_token((f), sizeof(f))
#define TEXT(f)	fill_text((f), sizeof(f))
#define RAW(f)	fill_raw((f), sizeof(f))
#define SET(f, s) do { \
	_Static_assert(sizeof(s) <= sizeof(f), "too long"); \
	memcpy((f), (s), sizeof(s)); \
} while (0)

static size_t
body_size(enum ipc_type t)
{
	switch (t) {
	case IPC_T_READY:
		return (sizeof(struct ipc_ready));
	case IPC_T_CONFIG:
		return (sizeof(struct ipc_config));
	case IPC_T_DELIVER:
		return (sizeof(struct ipc_deliver));
	case IPC_T_RCPT:
		return (sizeof(struct ipc_rcpt));
	case IPC_T_HOSTS:
		return (sizeof(struct ipc_hosts));
	case IPC_T_ABORT:
		return (sizeof(struct ipc_abort));
	case IPC_T_LOG:
		return (sizeof(struct ipc_log));
	case IPC_T_RCPT_RESULT:
	case IPC_T_SITE_RESULT:
		return (sizeof(struct ipc_result));
	case IPC_T_DONE:
		return (sizeof(struct ipc_done));
	case IPC_T_TRANSCRIPT:
		return (sizeof(struct ipc_transcript));
	case IPC_T_TLS_INFO:
		return (sizeof(struct ipc_tls_info));
	case IPC_T_SASL_REQ:
		return (sizeof(struct ipc_sasl_req));
	case IPC_T_SASL_CRED:
		return (sizeof(struct ipc_sasl_cred));
	case IPC_T_CONNECT:
		return (sizeof(struct ipc_connect));
	case IPC_T_SOCKET:
		return (sizeof(struct ipc_socket));
	case IPC_T_CHECK:
		return (sizeof(struct ipc_check));
	case IPC_T_CHECK_LOG:
		return (sizeof(struct ipc_check_log));
	case IPC_T_SIGN_REQ:
		return (sizeof(struct ipc_sign_req));
	case IPC_T_SIGN_RESP:
		return (sizeof(struct ipc_sign_resp));
	case IPC_T_TLS_POLICY:
		return (sizeof(struct ipc_tls_policy));
	case IPC_T_EHLO_NOTE:
		return (sizeof(struct ipc_ehlo_note));
	case IPC_T_GENERIC_REQ:
		return (sizeof(struct ipc_generic_req));
	case IPC_T_GENERIC_REPLY:
		return (sizeof(struct ipc_generic_reply));
	case IPC_T_TLS_ANCHOR:
		return (sizeof(struct ipc_tls_anchor));
	case IPC_T_DNSSEC_PROBE:
		return (sizeof(struct ipc_dnssec_probe));
	default:
		fail_msg("no body size for type %d", (int)t);
	}
	return (0);
}

/* A valid message: every field at its maximum, or empty strings. */
static void
build(enum ipc_type t, enum variant v, struct ipc_msg *m)
{
	int	max = (v == V_MAX);

	memset(m, 0, sizeof(*m));
	m->type = t;
	m->fd = -1;
	switch (t) {
	case IPC_T_READY:
		m->u.ready.version = max ? UINT32_MAX : IPC_VERSION;
		break;
	case IPC_T_CONFIG: {
		struct ipc_config *c = &m->u.config;

		if (!max) {
			c->addr_pref = IPC_PREF_ANY;
			break;
		}
		c->flags = IPC_CF_ALL;
		c->addr_pref = IPC_PREF_IPV6;
		c->connect_timeout = c->helo_timeout = c->mail_timeout =
		    c->rcpt_timeout = c->data_init_timeout =
		    c->data_xfer_timeout = c->data_done_timeout =
		    c->quit_timeout = c->rset_timeout = UINT32_MAX;
		c->mx_address_limit = c->mx_session_limit =
		    c->line_length_limit = UINT32_MAX;
		c->default_port = 65535;
		c->cache_time_limit = c->reuse_time_limit =
		    c->reuse_count_limit = UINT32_MAX;
		c->header_size_limit = c->mime_nesting_limit =
		    c->mime_boundary_length_limit =
		    c->queue_line_length_limit = UINT32_MAX;
		c->hosts_count = SJ_HOSTS_MAX;
		c->checks_count = SJ_CHECKS_MAX;
		c->checks_classes = IPC_CHK_CLASSES_ALL;
		c->sasl_opts = c->sasl_tls_opts = c->sasl_tls_verified_opts =
		    IPC_SASL_ALL;
		TEXT(c->sasl_mechs);
		TEXT(c->cache_destinations);
		TEXT(c->helo_name);
		TEXT(c->dns_servers);
		TEXT(c->relayhost);
		TEXT(c->fallback_relay);
		TEXT(c->local_addrs);
		TEXT(c->debug_peer_list);
		TEXT(c->myhostname);
		break;
	}
	case IPC_T_DELIVER: {
		struct ipc_deliver *d = &m->u.deliver;

		d->content_fd = -1;
		d->rcpt_count = 1;
		if (!max)
			break;
		d->job_id = UINT32_MAX;
		d->rcpt_count = SJ_RCPT_MAX;
		d->flags = IPC_DF_ALL;
		d->smtputf8 = UINT32_MAX;
		d->ret_flags = 2;
		d->content_size = SJ_CONTENT_MAX;
		d->data_size = UINT64_MAX;
		RAW(d->nexthop);
		RAW(d->sender);
		RAW(d->envid);
		TEXT(d->queue_id);
		break;
	}
	case IPC_T_RCPT: {
		struct ipc_rcpt *r = &m->u.rcpt;

		if (!max)
			break;
		r->job_id = UINT32_MAX;
		r->index = SJ_RCPT_MAX - 1;
		r->notify_flags = 0xf;
		RAW(r->address);
		RAW(r->orcpt);
		break;
	}
	case IPC_T_ABORT:
		m->u.abort.job_id = max ? UINT32_MAX : 0;
		break;
	case IPC_T_HOSTS:
		if (!max)
			break;
		TEXT(m->u.hosts.addr);
		TEXT(m->u.hosts.name);
		break;
	case IPC_T_LOG:
		if (!max)
			break;
		m->u.log.level = MSG_LVL_ERROR;
		TEXT(m->u.log.text);
		break;
	case IPC_T_RCPT_RESULT:
	case IPC_T_SITE_RESULT: {
		struct ipc_result *r = &m->u.result;

		if (!max) {
			SET(r->status, "2.0.0");
			break;
		}
		r->job_id = UINT32_MAX;
		r->index = t == IPC_T_RCPT_RESULT ? SJ_RCPT_MAX - 1 : 0;
		r->diag_code = 599;
		r->flags = IPC_RF_ALL;
		SET(r->status, "5.999.999");
		TEXT(r->relay);
		TEXT(r->mta_name);
		TEXT(r->diag_text);
		TEXT(r->reason);
		r->reuse_count = UINT32_MAX;
		r->conn_setup_done_sec = r->deliver_done_sec = UINT64_MAX;
		r->conn_setup_done_usec = r->deliver_done_usec = 999999;
		break;
	}
	case IPC_T_DONE: {
		struct ipc_done *d = &m->u.done;

		if (!max)
			break;
		d->job_id = d->reuse_count = UINT32_MAX;
		d->conn_setup_done_sec = d->deliver_done_sec = UINT64_MAX;
		d->conn_setup_done_usec = d->deliver_done_usec = 999999;
		break;
	}
	case IPC_T_TRANSCRIPT: {
		struct ipc_transcript *tr = &m->u.transcript;

		tr->classes = IPC_TC_PROTOCOL;
		if (!max)
			break;
		tr->job_id = UINT32_MAX;
		tr->classes = IPC_TC_ALL;
		tr->omitted = UINT32_MAX;
		TEXT(tr->peer);
		tr->omitted_at = fill_lines(tr->text, sizeof(tr->text));
		break;
	}
	case IPC_T_TLS_INFO: {
		struct ipc_tls_info *ti = &m->u.tls_info;

		ti->event = SJ_TLS_EV_ESTABLISHED;
		if (!max)
			break;
		ti->job_id = ti->usebits = ti->algbits = ti->kex_bits =
		    ti->sig_bits = ti->verify_err = ti->verify_depth =
		    ti->conn_code = ti->lib_err = ti->lib_line = UINT32_MAX;
		ti->lib_has_data = 1;
		ti->event = SJ_TLS_EV_MAX;
		ti->trust = SJ_TLS_TRUST_VERIFIED;
		ti->conn_kind = SJ_TLS_CERR_TIMEOUT;
		TEXT(ti->peer);
		TEXT(ti->host);
		TOKEN(ti->protocol);
		TOKEN(ti->cipher);
		TOKEN(ti->kex_name);
		TOKEN(ti->kex_curve);
		TOKEN(ti->sig_name);
		TOKEN(ti->sig_curve);
		TOKEN(ti->sig_dgst);
		TEXT(ti->subject_cn);
		TEXT(ti->issuer);
		TOKEN(ti->fprint);
		TOKEN(ti->pkey_fprint);
		TOKEN(ti->lib_file);
		TEXT(ti->lib_data);
		break;
	}
	case IPC_T_SASL_REQ:
		if (!max)
			break;
		m->u.sasl_req.job_id = UINT32_MAX;
		m->u.sasl_req.kind = IPC_SASL_ASK_EXISTS;
		RAW(m->u.sasl_req.dest);
		TEXT(m->u.sasl_req.host);
		TEXT(m->u.sasl_req.challenge);
		break;
	case IPC_T_SASL_CRED:
		if (!max)
			break;
		m->u.sasl_cred.job_id = UINT32_MAX;
		m->u.sasl_cred.status = IPC_SASL_ERROR;
		RAW(m->u.sasl_cred.username);
		RAW(m->u.sasl_cred.password);
		TEXT(m->u.sasl_cred.response);
		break;
	case IPC_T_CONNECT: {
		struct ipc_connect *cn = &m->u.connect;

		cn->purpose = IPC_CONN_SMTP;
		cn->port = 25;
		SET(cn->addr, "192.0.2.1");
		if (!max)
			break;
		cn->job_id = UINT32_MAX;
		cn->purpose = IPC_CONN_DNS_TCP;
		cn->port = 65535;
		/* The longest numeric address text (45 bytes). */
		SET(cn->addr, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
		break;
	}
	case IPC_T_SOCKET:
		/* Empty: granted (a descriptor); max: the largest errno. */
		if (!max)
			break;
		m->u.socket.job_id = UINT32_MAX;
		m->u.socket.error = 4095;
		break;
	case IPC_T_CHECK: {
		struct ipc_check *ck = &m->u.check;

		/* Empty: an ENDIF; max: a full two-pattern rule. */
		if (!max) {
			ck->op = IPC_CHK_OP_ENDIF;
			break;
		}
		ck->cls = IPC_CHK_BODY;
		ck->table = SJ_CHECKS_MAX - 1;
		ck->op = IPC_CHK_OP_MATCH;
		ck->flags = IPC_CHK_F_ALL;
		ck->opts1 = ck->opts2 = IPC_CHK_O_ALL;
		ck->max_sub = IPC_CHK_SUB_MAX;
		ck->lineno = UINT32_MAX;
		TEXT(ck->pat1);
		TEXT(ck->pat2);
		TEXT(ck->repl);
		break;
	}
	case IPC_T_CHECK_LOG: {
		struct ipc_check_log *cl = &m->u.check_log;

		cl->kind = IPC_CHL_ACTION;
		if (!max)
			break;
		cl->job_id = UINT32_MAX;
		cl->kind = IPC_CHL_KIND_MAX;
		cl->action = IPC_CHL_A_MAX;
		cl->where = IPC_CHL_W_BODY;
		cl->cls = IPC_CHK_NCLASS - 1;
		TEXT(cl->content);
		TEXT(cl->text);
		break;
	}
	case IPC_T_SIGN_REQ:
		/* Empty: the shortest digest (SHA-1); max: SHA-512 length. */
		m->u.sign_req.alg = SJ_SIGN_ECDSA;
		m->u.sign_req.md = SJ_SIGN_MD_SHA1;
		memset(m->u.sign_req.digest, 'a', 40);
		if (!max)
			break;
		m->u.sign_req.job_id = UINT32_MAX;
		m->u.sign_req.alg = SJ_SIGN_ALG_MAX;
		m->u.sign_req.md = SJ_SIGN_MD_MAX;
		memset(m->u.sign_req.digest, 'f',
		    sizeof(m->u.sign_req.digest) - 1);
		break;
	case IPC_T_SIGN_RESP:
		/* Empty: a refusal (no signature); max: the longest one. */
		m->u.sign_resp.status = IPC_SIGN_REFUSED;
		if (!max)
			break;
		m->u.sign_resp.job_id = UINT32_MAX;
		m->u.sign_resp.status = IPC_SIGN_OK;
		memset(m->u.sign_resp.sig, '0', sizeof(m->u.sign_resp.sig) - 1);
		break;
	case IPC_T_TLS_POLICY: {
		struct ipc_tls_policy *tp = &m->u.tls_policy;

		if (!max)
			break;
		tp->job_id = UINT32_MAX;
		tp->level = SJ_TLS_LEV_SECURE;
		tp->ta_count = SJ_TLS_TA_MAX;
		tp->proto_exclude = SJ_TLS_P_SSLv2 | SJ_TLS_P_TLSv1_3;
		tp->proto_min = 0x0300;
		tp->proto_max = 0x0304;
		tp->may_proto_exclude = SJ_TLS_P_SSLv2 | SJ_TLS_P_TLSv1_3;
		tp->may_proto_min = 0x0300;
		tp->may_proto_max = 0x0304;
		TEXT(tp->cipherlist);
		TEXT(tp->may_cipherlist);
		TEXT(tp->match);
		TEXT(tp->servername);
		TOKEN(tp->fpt_digest);
		TEXT(tp->fpt);
		break;
	}
	case IPC_T_EHLO_NOTE:
		/* Empty: one keyword; max: every logged bit. */
		m->u.ehlo_note.mask = SJ_EHLO_MASK_DSN;
		if (!max)
			break;
		m->u.ehlo_note.job_id = UINT32_MAX;
		m->u.ehlo_note.mask = SJ_EHLO_MASK_ALL & ~SJ_EHLO_MASK_SILENT;
		break;
	case IPC_T_GENERIC_REQ:
		if (!max)
			break;
		m->u.generic_req.job_id = UINT32_MAX;
		RAW(m->u.generic_req.address);
		break;
	case IPC_T_GENERIC_REPLY:
		if (!max)
			break;
		m->u.generic_reply.job_id = UINT32_MAX;
		m->u.generic_reply.status = IPC_GENERIC_FOUND;
		RAW(m->u.generic_reply.address);
		break;
	case IPC_T_TLS_ANCHOR:
		/* Empty: one byte of a certificate; max: the largest DER. */
		m->u.tls_anchor.kind = SJ_TLS_TA_CERT;
		SET(m->u.tls_anchor.der, "30");
		if (!max)
			break;
		m->u.tls_anchor.job_id = UINT32_MAX;
		m->u.tls_anchor.index = SJ_TLS_TA_MAX - 1;
		m->u.tls_anchor.kind = SJ_TLS_TA_PKEY;
		memset(m->u.tls_anchor.der, 'f',
		    sizeof(m->u.tls_anchor.der) - 1);
		break;
	case IPC_T_DNSSEC_PROBE:
		if (!max)
			break;
		m->u.dnssec_probe.job_id = UINT32_MAX;
		m->u.dnssec_probe.result = IPC_PROBE_MAX;
		break;
	default:
		fail_msg("build: type %d", (int)t);
	}
}

static size_t
enc(const struct ipc_msg *m, unsigned char *buf)
{
	ssize_t	n = ipc_msg_encode(m, buf, BUFSZ);

	if (n < 0)
		fail_msg("encode %s: %s", ipc_msg_name(m->type),
		    strerror((int)-n));
	return ((size_t)n);
}

static void
put_le(unsigned char *p, uint64_t v, int width)
{
	int	i;

	for (i = 0; i < width; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
fix_len(unsigned char *buf, size_t len)
{
	put_le(buf + 4, len - IPC_HDR_LEN, 4);
}

static size_t
find(const unsigned char *buf, size_t len, const char *marker)
{
	const unsigned char *p = memmem(buf, len, marker, strlen(marker));

	assert_non_null(p);
	return ((size_t)(p - buf));
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

static void
test_table(void **state)
{
	const struct ipc_msg_spec *s;
	uint32_t t;

	(void)state;
	assert_null(ipc_msg_spec((enum ipc_type)0));
	assert_null(ipc_msg_spec(IPC_T_MAX));
	assert_null(ipc_msg_spec((enum ipc_type)1000));
	assert_string_equal(ipc_msg_name(0), "UNKNOWN(0)");
	assert_string_equal(ipc_msg_name(IPC_T_MAX), "UNKNOWN(27)");
	assert_string_equal(ipc_msg_name(UINT32_MAX), "UNKNOWN(4294967295)");
	for (t = 1; t < IPC_T_MAX; t++) {
		s = ipc_msg_spec((enum ipc_type)t);
		assert_non_null(s);
		assert_int_equal(s->type, t);
		assert_string_equal(ipc_msg_name(t), s->name);
		assert_true(s->dir == IPC_P2C || s->dir == IPC_C2P);
		assert_true(s->max_body + IPC_HDR_LEN <= SJ_IPC_MSG_MAX);
		/* Only DELIVER and a granted SOCKET carry a descriptor, and
		 * only to the child. */
		assert_int_equal(s->has_fd, t == IPC_T_DELIVER ? IPC_FD_ONE :
		    t == IPC_T_SOCKET ? IPC_FD_IF_OK : IPC_FD_NONE);
		if (s->has_fd)
			assert_int_equal(s->dir, IPC_P2C);
	}
	assert_string_equal(ipc_msg_name(IPC_T_DELIVER), "DELIVER");
	assert_string_equal(ipc_msg_name(IPC_T_SITE_RESULT), "SITE_RESULT");
	assert_int_equal(ipc_msg_spec(IPC_T_LOG)->dir, IPC_C2P);
	assert_int_equal(ipc_msg_spec(IPC_T_CONFIG)->dir, IPC_P2C);
	/* LOG: level + (2 + SJ_LOG_TEXT_MAX). */
	assert_int_equal(ipc_msg_spec(IPC_T_LOG)->max_body,
	    4 + 2 + SJ_LOG_TEXT_MAX);
	assert_int_equal(ipc_msg_spec(IPC_T_DONE)->max_body, 4 * 4 + 2 * 8);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                         */

static void
round_trip(enum ipc_type t, enum variant v)
{
	const struct ipc_msg_spec *s = ipc_msg_spec(t);
	unsigned char buf[BUFSZ], buf2[BUFSZ];
	struct ipc_msg src, out;
	char	why[256];
	size_t	n, n2;
	int	fd, rc;

	build(t, v, &src);
	n = enc(&src, buf);
	if (v == V_MAX)
		assert_int_equal(n, IPC_HDR_LEN + s->max_body);
	assert_int_equal(buf[0] | buf[1] << 8, IPC_VERSION);
	assert_int_equal(buf[2] | buf[3] << 8, t);
	assert_int_equal((size_t)(buf[4] | buf[5] << 8 | buf[6] << 16 |
	    (uint32_t)buf[7] << 24), n - IPC_HDR_LEN);

	fd = ipc_msg_wants_fd(&src) ? fresh_fd() : -1;
	rc = ipc_msg_decode(s->dir, buf, n, fd, &out, why, sizeof(why));
	if (rc != 0)
		fail_msg("%s %s: decode: %d %s", s->name,
		    v == V_MAX ? "max" : "empty", rc, why);
	assert_int_equal(out.type, t);
	assert_int_equal(out.fd, fd);
	if (t == IPC_T_DELIVER) {
		assert_int_equal(out.u.deliver.content_fd, fd);
		src.u.deliver.content_fd = fd;
	}
	assert_memory_equal(&src.u, &out.u, body_size(t));

	/* The encoding is canonical. */
	n2 = enc(&out, buf2);
	assert_int_equal(n2, n);
	assert_memory_equal(buf, buf2, n);

	ipc_msg_release(&out);
	assert_int_equal(out.fd, -1);
	if (fd >= 0)
		assert_true(fd_is_closed(fd));
	ipc_msg_release(&out);		/* idempotent */
}

static void
test_round_trip(void **state)
{
	uint32_t t;

	(void)state;
	for (t = 1; t < IPC_T_MAX; t++) {
		round_trip((enum ipc_type)t, V_MAX);
		round_trip((enum ipc_type)t, V_EMPTY);
	}
}

/* Values at the edges of their ranges are accepted. */
static void
test_edges_accepted(void **state)
{
	static const char *const statuses[] = {
		"2.0.0", "4.4.1", "5.7.1", "5.123.456", "4.0.999",
	};
	static const uint32_t codes[] = { 0, 200, 250, 421, 599 };
	unsigned char buf[BUFSZ];
	struct ipc_msg m, out;
	char	why[256];
	size_t	i, n;

	(void)state;
	for (i = 0; i < NELEM(statuses); i++) {
		build(IPC_T_RCPT_RESULT, V_EMPTY, &m);
		snprintf(m.u.result.status, sizeof(m.u.result.status), "%s",
		    statuses[i]);
		m.u.result.diag_code = codes[i];
		n = enc(&m, buf);
		assert_int_equal(ipc_msg_decode(IPC_C2P, buf, n, -1, &out,
		    why, sizeof(why)), 0);
		assert_string_equal(out.u.result.status, statuses[i]);
		assert_int_equal(out.u.result.diag_code, codes[i]);
	}
	for (i = 0; i <= MSG_LVL_ERROR; i++) {
		build(IPC_T_LOG, V_EMPTY, &m);
		m.u.log.level = (uint32_t)i;
		SET(m.u.log.text, "ok ~ text");
		n = enc(&m, buf);
		assert_int_equal(ipc_msg_decode(IPC_C2P, buf, n, -1, &out,
		    why, sizeof(why)), 0);
		assert_int_equal(out.u.log.level, i);
		assert_string_equal(out.u.log.text, "ok ~ text");
	}
}

/* ------------------------------------------------------------------ */
/* Malformed messages                                                  */

enum fdmode { FD_TABLE, FD_GIVE, FD_NONE };

struct bad {
	const char *name;
	enum ipc_type type;	/* start from the empty variant of this */
	size_t	off;		/* then patch 'width' bytes here */
	int	width;		/* 0: no patch */
	uint64_t val;
	size_t	(*build)(unsigned char *);	/* or build by hand */
	enum ipc_dir dir;	/* 0: the table's direction */
	enum fdmode fdmode;
	int	rc;
	const char *why;	/* must appear in why[] */
};

/* Body offsets: header is 8 bytes; fields in struct order. */
#define B(n)	(IPC_HDR_LEN + (n))

static size_t
bad_short_header(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_ABORT, V_EMPTY, &m);
	(void)enc(&m, buf);
	return (5);
}

static size_t
bad_empty(unsigned char *buf)
{
	(void)buf;
	return (0);
}

static size_t
bad_len_over(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_LOG, V_EMPTY, &m);
	n = enc(&m, buf);
	put_le(buf + 4, n - IPC_HDR_LEN + 1, 4);
	return (n);
}

static size_t
bad_len_under(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_LOG, V_EMPTY, &m);
	SET(m.u.log.text, "hello");
	n = enc(&m, buf);
	put_le(buf + 4, n - IPC_HDR_LEN - 2, 4);
	return (n);
}

static size_t
bad_len_huge(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_ABORT, V_EMPTY, &m);
	n = enc(&m, buf);
	put_le(buf + 4, UINT32_MAX, 4);
	return (n);
}

/* LOG one byte longer than its maximum, header consistent. */
static size_t
bad_oversize(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_LOG, V_MAX, &m);
	n = enc(&m, buf);
	buf[n++] = 'x';
	fix_len(buf, n);
	return (n);
}

static size_t
bad_oversize_abort(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_ABORT, V_EMPTY, &m);
	n = enc(&m, buf);
	memset(buf + n, 'x', SJ_IPC_MSG_MAX - n);
	n = SJ_IPC_MSG_MAX;
	fix_len(buf, n);
	return (n);
}

static size_t
bad_short_u32(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_RCPT_RESULT, V_EMPTY, &m);
	(void)enc(&m, buf);
	fix_len(buf, B(10));		/* job_id, index, half diag_code */
	return (B(10));
}

static size_t
bad_short_u64(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_DONE, V_EMPTY, &m);
	(void)enc(&m, buf);
	fix_len(buf, B(15));		/* job_id, reuse, 7 of 8 */
	return (B(15));
}

static size_t
bad_short_strlen(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_LOG, V_EMPTY, &m);
	(void)enc(&m, buf);
	fix_len(buf, B(5));		/* level, 1 of 2 length bytes */
	return (B(5));
}

/* Text claims 10 bytes, 5 follow. */
static size_t
bad_short_str(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_LOG, V_EMPTY, &m);
	SET(m.u.log.text, "hello");
	n = enc(&m, buf);
	put_le(buf + B(4), 10, 2);
	return (n);
}

static size_t
bad_short_middle(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n, off;

	build(IPC_T_RCPT, V_EMPTY, &m);
	SET(m.u.rcpt.address, "<rcpt@example.test>");
	n = enc(&m, buf);
	off = find(buf, n, "<rcpt@");
	n = off + 4;			/* cut inside address */
	fix_len(buf, n);
	return (n);
}

/* Empty strings are 2 bytes each: cut into sender's length. */
static size_t
bad_short_deliver(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_DELIVER, V_EMPTY, &m);
	n = enc(&m, buf) - 3;
	fix_len(buf, n);
	return (n);
}

static size_t
bad_trailing(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_RCPT_RESULT, V_EMPTY, &m);
	n = enc(&m, buf);
	memcpy(buf + n, "abc", 3);
	n += 3;
	fix_len(buf, n);
	return (n);
}

/*
 * Encode 'm' whose field holds 'marker', then change one byte of the
 * marker (index 'at') to 'c', or set its length prefix to 'newlen'.
 */
static size_t
patch_str(struct ipc_msg *m, unsigned char *buf, const char *marker,
    size_t at, int c, size_t newlen)
{
	size_t	n = enc(m, buf), off = find(buf, n, marker);

	if (c >= 0)
		buf[off + at] = (unsigned char)c;
	if (newlen > 0)
		put_le(buf + off - 2, newlen, 2);
	return (n);
}

#define STR_CASE(fn, type, field, marker, at, c, newlen) \
static size_t \
fn(unsigned char *buf) \
{ \
	struct ipc_msg m; \
\
	build((type), V_EMPTY, &m); \
	SET(m.u.field, marker); \
	return (patch_str(&m, buf, (marker), (at), (c), (newlen))); \
}

STR_CASE(bad_log_nul, IPC_T_LOG, log.text, "ab#cd", 2, 0, 0)
STR_CASE(bad_log_lf, IPC_T_LOG, log.text, "ab#cd", 2, '\n', 0)
STR_CASE(bad_log_cr, IPC_T_LOG, log.text, "ab#cd", 2, '\r', 0)
STR_CASE(bad_log_tab, IPC_T_LOG, log.text, "ab#cd", 2, '\t', 0)
STR_CASE(bad_log_esc, IPC_T_LOG, log.text, "ab#cd", 2, 0x1b, 0)
STR_CASE(bad_log_del, IPC_T_LOG, log.text, "ab#cd", 2, 0x7f, 0)
STR_CASE(bad_log_8bit, IPC_T_LOG, log.text, "ab#cd", 2, 0xc3, 0)
STR_CASE(bad_status_cr, IPC_T_RCPT_RESULT, result.status, "5.1.1", 4, '\r', 0)
STR_CASE(bad_relay_8bit, IPC_T_RCPT_RESULT, result.relay, "mx#[192.0.2.1]:25", 2, 0xff, 0)
STR_CASE(bad_mta_lf, IPC_T_SITE_RESULT, result.mta_name, "mx#example", 2, '\n', 0)
STR_CASE(bad_diag_cr, IPC_T_RCPT_RESULT, result.diag_text, "550 #no", 4, '\r', 0)
STR_CASE(bad_reason_nul, IPC_T_SITE_RESULT, result.reason, "host#said", 4, 0, 0)
STR_CASE(bad_reason_ctl, IPC_T_SITE_RESULT, result.reason, "host#said", 4, 0x01, 0)
STR_CASE(bad_helo_8bit, IPC_T_CONFIG, config.helo_name, "helo#name", 4, 0x80, 0)
STR_CASE(bad_dns_lf, IPC_T_CONFIG, config.dns_servers, "127.0.0.1#53", 9, '\n', 0)
STR_CASE(bad_relayhost_ctl, IPC_T_CONFIG, config.relayhost, "[relay#]", 6, 0x7f, 0)
STR_CASE(bad_fallback_ctl, IPC_T_CONFIG, config.fallback_relay, "fall#back", 4, 0x0b, 0)
STR_CASE(bad_local_nul, IPC_T_CONFIG, config.local_addrs, "127.0.0.1#", 9, 0, 0)
STR_CASE(bad_debug_peer_esc, IPC_T_CONFIG, config.debug_peer_list, "peer#", 4, 0x1b, 0)
STR_CASE(bad_sender_nul, IPC_T_DELIVER, deliver.sender, "<a#b@c>", 2, 0, 0)
STR_CASE(bad_orcpt_nul, IPC_T_RCPT, rcpt.orcpt, "rfc822;a#b", 8, 0, 0)
/* Status is printable but not a DSN status. */
STR_CASE(bad_status_6, IPC_T_RCPT_RESULT, result.status, "2.0.0", 0, '6', 0)
STR_CASE(bad_status_4dig, IPC_T_RCPT_RESULT, result.status, "2.0.0", 2, '.', 0)
STR_CASE(bad_status_x, IPC_T_SITE_RESULT, result.status, "4.4.1", 4, 'x', 0)
/* Length prefix beyond the member (before the bytes are read). */
STR_CASE(bad_relay_long, IPC_T_RCPT_RESULT, result.relay, "relay-marker", 0, -1, SJ_RELAY_MAX + 1)
STR_CASE(bad_status_long, IPC_T_RCPT_RESULT, result.status, "2.0.0", 0, -1, SJ_DSN_STATUS_MAX + 1)
STR_CASE(bad_helo_long, IPC_T_CONFIG, config.helo_name, "helo-marker", 0, -1, SJ_HOSTNAME_MAX + 1)
STR_CASE(bad_nexthop_long, IPC_T_DELIVER, deliver.nexthop, "nexthop-marker", 0, -1, SJ_NEXTHOP_MAX + 1)
STR_CASE(bad_address_long, IPC_T_RCPT, rcpt.address, "address-marker", 0, -1, 0xffff)

/* Too long and, being the last field, with the bytes present. */
static size_t
bad_reason_long(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n, off;

	/* reuse_count and the four stamps follow the reason */
	const size_t tail = 4 + 8 + 4 + 8 + 4;

	build(IPC_T_SITE_RESULT, V_EMPTY, &m);
	TEXT(m.u.result.reason);
	n = enc(&m, buf);
	off = n - tail - SJ_REASON_MAX - 2;
	put_le(buf + off, SJ_REASON_MAX + 1, 2);
	memmove(buf + n - tail + 1, buf + n - tail, tail);
	buf[n - tail] = 'x';
	n++;
	fix_len(buf, n);
	return (n);
}

/* A DELIVER body to send with no descriptor, and a LOG with one. */
static size_t
good_deliver(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_DELIVER, V_EMPTY, &m);
	return (enc(&m, buf));
}

static size_t
good_log(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_LOG, V_EMPTY, &m);
	return (enc(&m, buf));
}

static size_t
good_config(unsigned char *buf)
{
	struct ipc_msg m;

	build(IPC_T_CONFIG, V_EMPTY, &m);
	return (enc(&m, buf));
}

/* A valid TRANSCRIPT with 'text', then byte 'at' of it set to 'c'. */
static size_t
bad_transcript(unsigned char *buf, const char *text, size_t at, int c)
{
	struct ipc_msg m;
	size_t	n, off;

	build(IPC_T_TRANSCRIPT, V_EMPTY, &m);
	snprintf(m.u.transcript.text, sizeof(m.u.transcript.text), "%s",
	    text);
	n = enc(&m, buf);
	off = find(buf, n, text);
	buf[off + at] = (unsigned char)c;
	return (n);
}

static size_t
bad_tr_prefix(unsigned char *buf)
{
	return (bad_transcript(buf, "Out: EHLO x\nIn:  250 ok", 12, 'X'));
}

static size_t
bad_tr_tab(unsigned char *buf)
{
	return (bad_transcript(buf, "Out: EHLO x", 9, '\t'));
}

static size_t
bad_tr_cr(unsigned char *buf)
{
	return (bad_transcript(buf, "In:  220 x\nOut: QUIT", 10, '\r'));
}

/* Two lines of 600 bytes joined into one of 1201. */
static size_t
bad_tr_long(unsigned char *buf)
{
	char	text[1202];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "Out: ", 5);
	memcpy(text + 601, "In:  ", 5);
	text[600] = '\n';
	return (bad_transcript(buf, text, 600, 'b'));
}

/* omitted_at beyond the line count. */
static size_t
bad_tr_omitted_at(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	build(IPC_T_TRANSCRIPT, V_EMPTY, &m);
	SET(m.u.transcript.text, "Out: QUIT");
	m.u.transcript.omitted = 3;
	m.u.transcript.omitted_at = 1;
	n = enc(&m, buf);
	put_le(buf + B(12), 2, 4);
	return (n);
}

/* CONNECT with an address that is not numeric. */
static size_t
bad_connect_name(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n, off;

	build(IPC_T_CONNECT, V_EMPTY, &m);
	SET(m.u.connect.addr, "10.9.8.7");
	n = enc(&m, buf);
	off = find(buf, n, "10.9.8.7");
	memcpy(buf + off, "mx.a.org", 8);
	return (n);
}

static size_t
bad_sign_short(unsigned char *buf)
{
	struct ipc_msg m;

	/* 19 bytes: shorter than any digest TLS signs. */
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_SIGN_REQ;
	m.fd = -1;
	m.u.sign_req.alg = SJ_SIGN_ECDSA;
	m.u.sign_req.md = SJ_SIGN_MD_SHA1;
	memset(m.u.sign_req.digest, 'a', 40);
	(void)enc(&m, buf);
	/* Shorten the string's length (u16 after three u32) and the body. */
	buf[B(12)] = 38;
	buf[4] = (unsigned char)(buf[4] - 2);
	return (IPC_HDR_LEN + 14 + 38);
}

static size_t
bad_sign_odd(unsigned char *buf)
{
	size_t	n = bad_sign_short(buf);

	buf[B(12)] = 39;
	buf[4] = (unsigned char)(buf[4] + 1);
	buf[n] = 'a';
	return (n + 1);
}

static size_t
bad_sign_refused(unsigned char *buf)
{
	struct ipc_msg m;
	size_t	n;

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_SIGN_RESP;
	m.fd = -1;
	m.u.sign_resp.status = IPC_SIGN_OK;
	SET(m.u.sign_resp.sig, "3044");
	n = enc(&m, buf);
	buf[B(4)] = IPC_SIGN_REFUSED;
	return (n);
}

static const struct bad bad_cases[] = {
	/* Framing. */
	{ "empty", 0, 0, 0, 0, bad_empty, IPC_C2P, FD_NONE, -EBADMSG,
	    "0 bytes is shorter than the 8-byte header" },
	{ "short header", 0, 0, 0, 0, bad_short_header, IPC_P2C, FD_NONE,
	    -EBADMSG, "5 bytes is shorter than the 8-byte header" },
	{ "version 99", IPC_T_LOG, 0, 2, 99, NULL, 0, FD_TABLE, -EPROTO,
	    "LOG: IPC version 99, expected " },
	{ "version 0", IPC_T_CONFIG, 0, 2, 0, NULL, 0, FD_TABLE, -EPROTO,
	    "CONFIG: IPC version 0" },
	{ "version 0xffff", IPC_T_DELIVER, 0, 2, 0xffff, NULL, 0, FD_TABLE,
	    -EPROTO, "IPC version 65535" },
	{ "type 0", IPC_T_LOG, 2, 2, 0, NULL, IPC_C2P, FD_NONE, -EBADMSG,
	    "UNKNOWN(0): unknown message type" },
	{ "type MAX", IPC_T_LOG, 2, 2, IPC_T_MAX, NULL, IPC_C2P, FD_NONE,
	    -EBADMSG, "UNKNOWN(27): unknown message type" },
	{ "type 0xffff", IPC_T_ABORT, 2, 2, 0xffff, NULL, IPC_P2C, FD_NONE,
	    -EBADMSG, "UNKNOWN(65535): unknown message type" },
	{ "LOG to child", IPC_T_LOG, 0, 0, 0, NULL, IPC_P2C, FD_TABLE,
	    -EBADMSG, "LOG: wrong direction: child-to-parent message "
	    "received by the child" },
	{ "CONFIG to parent", IPC_T_CONFIG, 0, 0, 0, NULL, IPC_C2P,
	    FD_TABLE, -EBADMSG, "CONFIG: wrong direction: parent-to-child "
	    "message received by the parent" },
	{ "DELIVER to parent", IPC_T_DELIVER, 0, 0, 0, NULL, IPC_C2P,
	    FD_TABLE, -EBADMSG, "DELIVER: wrong direction" },
	{ "READY to child", IPC_T_READY, 0, 0, 0, NULL, IPC_P2C, FD_TABLE,
	    -EBADMSG, "READY: wrong direction" },
	{ "length over", 0, 0, 0, 0, bad_len_over, IPC_C2P, FD_NONE,
	    -EBADMSG, "LOG: header says body of 7 bytes, message has 6" },
	{ "length under", 0, 0, 0, 0, bad_len_under, IPC_C2P, FD_NONE,
	    -EBADMSG, "LOG: header says body of 9 bytes, message has 11" },
	{ "length huge", 0, 0, 0, 0, bad_len_huge, IPC_P2C, FD_NONE,
	    -EBADMSG, "ABORT: header says body of 4294967295 bytes" },
	{ "oversize LOG", 0, 0, 0, 0, bad_oversize, IPC_C2P, FD_NONE,
	    -EBADMSG, "LOG: body of 1031 bytes exceeds maximum 1030" },
	{ "oversize ABORT", 0, 0, 0, 0, bad_oversize_abort, IPC_P2C, FD_NONE,
	    -EBADMSG, "ABORT: body of 8184 bytes exceeds maximum 4" },
	/* Descriptors. */
	{ "LOG with fd", 0, 0, 0, 0, good_log, IPC_C2P, FD_GIVE, -EBADMSG,
	    "LOG: unexpected descriptor" },
	{ "CONFIG with fd", 0, 0, 0, 0, good_config, IPC_P2C, FD_GIVE,
	    -EBADMSG, "CONFIG: unexpected descriptor" },
	{ "DELIVER without fd", 0, 0, 0, 0, good_deliver, IPC_P2C, FD_NONE,
	    -EBADMSG, "DELIVER: missing descriptor" },
	/* Body bytes. */
	{ "short u32", 0, 0, 0, 0, bad_short_u32, IPC_C2P, FD_NONE, -EBADMSG,
	    "RCPT_RESULT: short body at field diag_code" },
	{ "short u64", 0, 0, 0, 0, bad_short_u64, IPC_C2P, FD_NONE, -EBADMSG,
	    "DONE: short body at field conn_setup_done_sec" },
	{ "short strlen", 0, 0, 0, 0, bad_short_strlen, IPC_C2P, FD_NONE,
	    -EBADMSG, "LOG: short body at field text" },
	{ "short string", 0, 0, 0, 0, bad_short_str, IPC_C2P, FD_NONE,
	    -EBADMSG, "LOG: short body at field text: string of 10 bytes, "
	    "5 left" },
	{ "short in middle", 0, 0, 0, 0, bad_short_middle, IPC_P2C, FD_NONE,
	    -EBADMSG, "RCPT: short body at field address" },
	{ "short DELIVER", 0, 0, 0, 0, bad_short_deliver, IPC_P2C, FD_GIVE,
	    -EBADMSG, "DELIVER: short body at field envid" },
	{ "trailing", 0, 0, 0, 0, bad_trailing, IPC_C2P, FD_NONE, -EBADMSG,
	    "RCPT_RESULT: trailing 3 bytes" },
	/* Strings. */
	{ "LOG NUL", 0, 0, 0, 0, bad_log_nul, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: string contains NUL" },
	{ "LOG LF", 0, 0, 0, 0, bad_log_lf, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "LOG CR", 0, 0, 0, 0, bad_log_cr, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "LOG TAB", 0, 0, 0, 0, bad_log_tab, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "LOG ESC", 0, 0, 0, 0, bad_log_esc, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "LOG DEL", 0, 0, 0, 0, bad_log_del, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "LOG 8-bit", 0, 0, 0, 0, bad_log_8bit, IPC_C2P, FD_NONE, -EBADMSG,
	    "LOG: field text: not printable ASCII" },
	{ "status CR", 0, 0, 0, 0, bad_status_cr, IPC_C2P, FD_NONE, -EBADMSG,
	    "RCPT_RESULT: field status: not printable ASCII" },
	{ "relay 8-bit", 0, 0, 0, 0, bad_relay_8bit, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field relay: not printable ASCII" },
	{ "mta_name LF", 0, 0, 0, 0, bad_mta_lf, IPC_C2P, FD_NONE, -EBADMSG,
	    "SITE_RESULT: field mta_name: not printable ASCII" },
	{ "diag_text CR", 0, 0, 0, 0, bad_diag_cr, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field diag_text: not printable ASCII" },
	{ "reason NUL", 0, 0, 0, 0, bad_reason_nul, IPC_C2P, FD_NONE,
	    -EBADMSG, "SITE_RESULT: field reason: string contains NUL" },
	{ "reason ctl", 0, 0, 0, 0, bad_reason_ctl, IPC_C2P, FD_NONE,
	    -EBADMSG, "SITE_RESULT: field reason: not printable ASCII" },
	{ "helo 8-bit", 0, 0, 0, 0, bad_helo_8bit, IPC_P2C, FD_NONE,
	    -EBADMSG, "CONFIG: field helo_name: not printable ASCII" },
	{ "dns LF", 0, 0, 0, 0, bad_dns_lf, IPC_P2C, FD_NONE, -EBADMSG,
	    "CONFIG: field dns_servers: not printable ASCII" },
	{ "relayhost DEL", 0, 0, 0, 0, bad_relayhost_ctl, IPC_P2C, FD_NONE,
	    -EBADMSG, "CONFIG: field relayhost: not printable ASCII" },
	{ "fallback VT", 0, 0, 0, 0, bad_fallback_ctl, IPC_P2C, FD_NONE,
	    -EBADMSG, "CONFIG: field fallback_relay: not printable ASCII" },
	{ "local_addrs NUL", 0, 0, 0, 0, bad_local_nul, IPC_P2C, FD_NONE,
	    -EBADMSG, "CONFIG: field local_addrs: string contains NUL" },
	{ "debug_peer_list ESC", 0, 0, 0, 0, bad_debug_peer_esc, IPC_P2C,
	    FD_NONE, -EBADMSG,
	    "CONFIG: field debug_peer_list: not printable ASCII" },
	{ "sender NUL", 0, 0, 0, 0, bad_sender_nul, IPC_P2C, FD_GIVE,
	    -EBADMSG, "DELIVER: field sender: string contains NUL" },
	{ "orcpt NUL", 0, 0, 0, 0, bad_orcpt_nul, IPC_P2C, FD_NONE, -EBADMSG,
	    "RCPT: field orcpt: string contains NUL" },
	{ "relay too long", 0, 0, 0, 0, bad_relay_long, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field relay: string length 320 exceeds "
	    "maximum 319" },
	{ "status too long", 0, 0, 0, 0, bad_status_long, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field status: string length 10 exceeds "
	    "maximum 9" },
	{ "helo too long", 0, 0, 0, 0, bad_helo_long, IPC_P2C, FD_NONE,
	    -EBADMSG, "CONFIG: field helo_name: string length 256 exceeds "
	    "maximum 255" },
	{ "nexthop too long", 0, 0, 0, 0, bad_nexthop_long, IPC_P2C, FD_GIVE,
	    -EBADMSG, "DELIVER: field nexthop: string length 1025 exceeds "
	    "maximum 1024" },
	{ "address 0xffff", 0, 0, 0, 0, bad_address_long, IPC_P2C, FD_NONE,
	    -EBADMSG, "RCPT: field address: string length 65535 exceeds "
	    "maximum 1024" },
	{ "reason too long", 0, 0, 0, 0, bad_reason_long, IPC_C2P, FD_NONE,
	    -EBADMSG, "SITE_RESULT: field reason: string length 2561 exceeds "
	    "maximum 2560" },
	{ "status 6.0.0", 0, 0, 0, 0, bad_status_6, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field status: \"6.0.0\" is not a DSN "
	    "status" },
	{ "status 2...0", 0, 0, 0, 0, bad_status_4dig, IPC_C2P, FD_NONE,
	    -EBADMSG, "RCPT_RESULT: field status: \"2...0\" is not a DSN" },
	{ "status 4.4.x", 0, 0, 0, 0, bad_status_x, IPC_C2P, FD_NONE,
	    -EBADMSG, "SITE_RESULT: field status: \"4.4.x\" is not a DSN" },
	/* Integer ranges and flag masks. */
	{ "CONFIG flags", IPC_T_CONFIG, B(0), 4, IPC_CF_ALL + 1, NULL, 0,
	    FD_TABLE, -EBADMSG, "CONFIG: field flags: unknown bits 0x400000" },
	{ "CONFIG flags top", IPC_T_CONFIG, B(0), 4, 0x80000001, NULL, 0,
	    FD_TABLE, -EBADMSG, "CONFIG: field flags: unknown bits "
	    "0x80000000" },
	{ "addr_pref 3", IPC_T_CONFIG, B(4), 4, IPC_PREF_IPV6 + 1, NULL, 0,
	    FD_TABLE, -EBADMSG, "CONFIG: field addr_pref: 3 out of range" },
	{ "default_port", IPC_T_CONFIG, B(56), 4, 65536, NULL, 0, FD_TABLE,
	    -EBADMSG, "CONFIG: field default_port: 65536 out of range" },
	{ "rcpt_count 0", IPC_T_DELIVER, B(4), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "DELIVER: field rcpt_count: 0 out of range 1..10000" },
	{ "rcpt_count max+1", IPC_T_DELIVER, B(4), 4, SJ_RCPT_MAX + 1, NULL,
	    0, FD_TABLE, -EBADMSG, "DELIVER: field rcpt_count: 10001" },
	{ "DELIVER flags", IPC_T_DELIVER, B(8), 4, IPC_DF_ALL + 1, NULL, 0,
	    FD_TABLE, -EBADMSG, "DELIVER: field flags: unknown bits 0x80" },
	{ "ret_flags 3", IPC_T_DELIVER, B(16), 4, 3, NULL, 0, FD_TABLE,
	    -EBADMSG, "DELIVER: field ret_flags: 3 out of range" },
	{ "content_size", IPC_T_DELIVER, B(20), 8, SJ_CONTENT_MAX + 1, NULL,
	    0, FD_TABLE, -EBADMSG, "DELIVER: field content_size: 2147483649 "
	    "exceeds 2147483648" },
	{ "content_size huge", IPC_T_DELIVER, B(20), 8, UINT64_MAX, NULL, 0,
	    FD_TABLE, -EBADMSG, "DELIVER: field content_size" },
	{ "RCPT index", IPC_T_RCPT, B(4), 4, SJ_RCPT_MAX, NULL, 0, FD_TABLE,
	    -EBADMSG, "RCPT: field index: 10000 out of range" },
	{ "notify_flags", IPC_T_RCPT, B(8), 4, 0x10, NULL, 0, FD_TABLE,
	    -EBADMSG, "RCPT: field notify_flags: unknown bits 0x10" },
	{ "LOG level 4", IPC_T_LOG, B(0), 4, MSG_LVL_FATAL, NULL, 0,
	    FD_TABLE, -EBADMSG, "LOG: field level: 4 out of range 0..3" },
	{ "LOG level huge", IPC_T_LOG, B(0), 4, UINT32_MAX, NULL, 0,
	    FD_TABLE, -EBADMSG, "LOG: field level: 4294967295" },
	{ "RCPT_RESULT index", IPC_T_RCPT_RESULT, B(4), 4, SJ_RCPT_MAX, NULL,
	    0, FD_TABLE, -EBADMSG, "RCPT_RESULT: field index: 10000" },
	{ "SITE_RESULT index", IPC_T_SITE_RESULT, B(4), 4, 1, NULL, 0,
	    FD_TABLE, -EBADMSG, "SITE_RESULT: field index: 1, must be 0" },
	{ "diag_code 1", IPC_T_RCPT_RESULT, B(8), 4, 1, NULL, 0, FD_TABLE,
	    -EBADMSG, "RCPT_RESULT: field diag_code: 1 neither 0 nor 200..599" },
	{ "diag_code 199", IPC_T_SITE_RESULT, B(8), 4, 199, NULL, 0,
	    FD_TABLE, -EBADMSG, "SITE_RESULT: field diag_code: 199" },
	{ "diag_code 600", IPC_T_RCPT_RESULT, B(8), 4, 600, NULL, 0,
	    FD_TABLE, -EBADMSG, "RCPT_RESULT: field diag_code: 600" },
	{ "result flags", IPC_T_SITE_RESULT, B(12), 4, IPC_RF_ALL + 1, NULL,
	    0, FD_TABLE, -EBADMSG, "SITE_RESULT: field flags: unknown bits "
	    "0x4" },
	{ "usec", IPC_T_DONE, B(16), 4, 1000000, NULL, 0, FD_TABLE,
	    -EBADMSG, "DONE: field conn_setup_done_usec: microseconds" },
	{ "usec 2", IPC_T_DONE, B(28), 4, UINT32_MAX, NULL, 0, FD_TABLE,
	    -EBADMSG, "DONE: field deliver_done_usec: microseconds" },
	/* SASL: direction, the answer's status. */
	{ "sasl_req to child", IPC_T_SASL_REQ, 0, 0, 0, NULL, IPC_P2C,
	    FD_TABLE, -EBADMSG, "SASL_REQ: wrong direction: "
	    "child-to-parent message received by the child" },
	{ "sasl_cred to parent", IPC_T_SASL_CRED, 0, 0, 0, NULL, IPC_C2P,
	    FD_TABLE, -EBADMSG, "SASL_CRED: wrong direction: "
	    "parent-to-child message received by the parent" },
	{ "sasl_req with fd", IPC_T_SASL_REQ, 0, 0, 0, NULL, 0, FD_GIVE,
	    -EBADMSG, "SASL_REQ: unexpected descriptor" },
	{ "sasl_cred status", IPC_T_SASL_CRED, B(4), 4, 3, NULL, 0, FD_TABLE,
	    -EBADMSG, "SASL_CRED: field status: 3 out of range 0..2" },
	{ "sasl_req kind", IPC_T_SASL_REQ, B(4), 4, 4, NULL, 0, FD_TABLE,
	    -EBADMSG, "SASL_REQ: field kind: 4 out of range 0..3" },
	/* CONNECT: purpose, port, a numeric address, no descriptor. */
	{ "connect purpose 0", IPC_T_CONNECT, B(4), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "CONNECT: field purpose: 0 out of range 1..3" },
	{ "connect purpose 4", IPC_T_CONNECT, B(4), 4, 4, NULL, 0, FD_TABLE,
	    -EBADMSG, "CONNECT: field purpose: 4 out of range 1..3" },
	{ "connect port 0", IPC_T_CONNECT, B(8), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "CONNECT: field port: 0 out of range 1..65535" },
	{ "connect port 65536", IPC_T_CONNECT, B(8), 4, 65536, NULL, 0,
	    FD_TABLE, -EBADMSG, "CONNECT: field port: 65536 out of range" },
	{ "connect to a name", 0, 0, 0, 0, bad_connect_name, IPC_C2P,
	    FD_NONE, -EBADMSG, "CONNECT: field addr: \"mx.a.org\" is not a "
	    "numeric IPv4 or IPv6 address" },
	{ "connect to child", IPC_T_CONNECT, 0, 0, 0, NULL, IPC_P2C,
	    FD_TABLE, -EBADMSG, "CONNECT: wrong direction" },
	{ "connect with fd", IPC_T_CONNECT, 0, 0, 0, NULL, 0, FD_GIVE,
	    -EBADMSG, "CONNECT: unexpected descriptor" },
	/* SIGN_REQ/SIGN_RESP: ids in range, hex of the right size. */
	{ "sign_req alg 0", IPC_T_SIGN_REQ, B(4), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "SIGN_REQ: algorithm 0, digest 1" },
	{ "sign_req alg 4", IPC_T_SIGN_REQ, B(4), 4, SJ_SIGN_ALG_MAX + 1, NULL,
	    0, FD_TABLE, -EBADMSG, "SIGN_REQ: algorithm 4" },
	{ "sign_req md 0", IPC_T_SIGN_REQ, B(8), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "SIGN_REQ: algorithm 3, digest 0" },
	{ "sign_req md 6", IPC_T_SIGN_REQ, B(8), 4, SJ_SIGN_MD_MAX + 1, NULL,
	    0, FD_TABLE, -EBADMSG, "SIGN_REQ: algorithm 3, digest 6" },
	{ "sign_req digest not hex", IPC_T_SIGN_REQ, B(14), 1, 'g', NULL, 0,
	    FD_TABLE, -EBADMSG, "not 20..64 bytes of hex" },
	{ "sign_req digest upper case", IPC_T_SIGN_REQ, B(14), 1, 'A', NULL,
	    0, FD_TABLE, -EBADMSG, "not 20..64 bytes of hex" },
	{ "sign_req digest short", 0, 0, 0, 0, bad_sign_short, IPC_C2P,
	    FD_NONE, -EBADMSG, "not 20..64 bytes of hex" },
	{ "sign_req digest odd", 0, 0, 0, 0, bad_sign_odd, IPC_C2P,
	    FD_NONE, -EBADMSG, "not 20..64 bytes of hex" },
	{ "sign_req to child", IPC_T_SIGN_REQ, 0, 0, 0, NULL, IPC_P2C,
	    FD_TABLE, -EBADMSG, "SIGN_REQ: wrong direction" },
	{ "sign_req with fd", IPC_T_SIGN_REQ, 0, 0, 0, NULL, 0, FD_GIVE,
	    -EBADMSG, "SIGN_REQ: unexpected descriptor" },
	{ "sign_resp to parent", IPC_T_SIGN_RESP, 0, 0, 0, NULL, IPC_C2P,
	    FD_TABLE, -EBADMSG, "SIGN_RESP: wrong direction" },
	{ "sign_resp status 3", IPC_T_SIGN_RESP, B(4), 4, 3, NULL, 0,
	    FD_TABLE, -EBADMSG, "SIGN_RESP: status 3" },
	{ "sign_resp OK without signature", IPC_T_SIGN_RESP, B(4), 4,
	    IPC_SIGN_OK, NULL, 0, FD_TABLE, -EBADMSG, "SIGN_RESP: status 0" },
	{ "sign_resp refusal with signature", 0, 0, 0, 0, bad_sign_refused,
	    IPC_P2C, FD_NONE, -EBADMSG, "SIGN_RESP: status 1" },
	/* SOCKET: a descriptor exactly when granted. */
	{ "socket granted, no fd", IPC_T_SOCKET, 0, 0, 0, NULL, 0, FD_NONE,
	    -EBADMSG, "SOCKET: missing descriptor" },
	{ "socket refused, fd", IPC_T_SOCKET, B(4), 4, 13, NULL, 0, FD_GIVE,
	    -EBADMSG, "SOCKET: unexpected descriptor" },
	{ "socket error 4096", IPC_T_SOCKET, B(4), 4, 4096, NULL, 0, FD_NONE,
	    -EBADMSG, "SOCKET: field error: 4096 out of range 0..4095" },
	{ "socket to parent", IPC_T_SOCKET, 0, 0, 0, NULL, IPC_C2P, FD_TABLE,
	    -EBADMSG, "SOCKET: wrong direction" },
	/* TRANSCRIPT: classes, the omission, the text's lines. */
	{ "transcript to child", IPC_T_TRANSCRIPT, 0, 0, 0, NULL, IPC_P2C,
	    FD_TABLE, -EBADMSG, "TRANSCRIPT: wrong direction: "
	    "child-to-parent message received by the child" },
	{ "transcript with fd", IPC_T_TRANSCRIPT, 0, 0, 0, NULL, 0, FD_GIVE,
	    -EBADMSG, "TRANSCRIPT: unexpected descriptor" },
	{ "classes 0", IPC_T_TRANSCRIPT, B(4), 4, 0, NULL, 0, FD_TABLE,
	    -EBADMSG, "TRANSCRIPT: field classes: 0x0 is not a non-empty "
	    "subset of 0x3" },
	{ "classes 4", IPC_T_TRANSCRIPT, B(4), 4, 4, NULL, 0, FD_TABLE,
	    -EBADMSG, "TRANSCRIPT: field classes: 0x4" },
	{ "omitted_at no omission", IPC_T_TRANSCRIPT, B(12), 4, 1, NULL, 0,
	    FD_TABLE, -EBADMSG, "TRANSCRIPT: field omitted_at: 1 with 0 "
	    "omitted of 0 lines" },
	{ "omitted_at beyond", 0, 0, 0, 0, bad_tr_omitted_at, IPC_C2P,
	    FD_NONE, -EBADMSG, "TRANSCRIPT: field omitted_at: 2 with 3 "
	    "omitted of 1 lines" },
	{ "line prefix", 0, 0, 0, 0, bad_tr_prefix, IPC_C2P, FD_NONE,
	    -EBADMSG, "TRANSCRIPT: field text: line 2 lacks the" },
	{ "line too long", 0, 0, 0, 0, bad_tr_long, IPC_C2P, FD_NONE,
	    -EBADMSG, "TRANSCRIPT: field text: line 1 lacks the \"Out: \" "
	    "or \"In:  \" prefix, exceeds 1024 bytes" },
	{ "tab in text", 0, 0, 0, 0, bad_tr_tab, IPC_C2P, FD_NONE,
	    -EBADMSG, "TRANSCRIPT: field text: not printable ASCII lines" },
	{ "CR in text", 0, 0, 0, 0, bad_tr_cr, IPC_C2P, FD_NONE,
	    -EBADMSG, "TRANSCRIPT: field text: not printable ASCII lines" },
};

static void
run_bad(const struct bad *c)
{
	unsigned char buf[BUFSZ], *exact;
	const struct ipc_msg_spec *s;
	struct ipc_msg m;
	enum ipc_dir dir;
	char	why[256];
	size_t	n;
	int	fd = -1, give, rc;

	memset(buf, 0, sizeof(buf));
	if (c->build != NULL) {
		n = c->build(buf);
		dir = c->dir;
		give = (c->fdmode == FD_GIVE);
	} else {
		s = ipc_msg_spec(c->type);
		build(c->type, V_EMPTY, &m);
		n = enc(&m, buf);
		if (c->width > 0)
			put_le(buf + c->off, c->val, c->width);
		dir = c->dir ? c->dir : s->dir;
		give = c->fdmode == FD_GIVE ||
		    (c->fdmode == FD_TABLE && s->has_fd);
	}
	if (give)
		fd = fresh_fd();
	/* Exact-size copy, so that ASan sees any read past the end. */
	exact = malloc(n ? n : 1);
	assert_non_null(exact);
	memcpy(exact, buf, n);
	memset(&m, 0x5a, sizeof(m));
	snprintf(why, sizeof(why), "untouched");
	rc = ipc_msg_decode(dir, exact, n, fd, &m, why, sizeof(why));
	free(exact);
	if (rc != c->rc || strstr(why, c->why) == NULL)
		fail_msg("case \"%s\": rc %d (want %d), why \"%s\" (want "
		    "\"%s\")", c->name, rc, c->rc, why, c->why);
	assert_int_equal(m.fd, -1);
	if (fd >= 0 && !fd_is_closed(fd))
		fail_msg("case \"%s\": descriptor %d left open", c->name, fd);
	/* why[] is one line. */
	assert_null(strchr(why, '\n'));
}

static void
test_bad(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(bad_cases); i++)
		run_bad(&bad_cases[i]);
}

/* why may be NULL or tiny; decode must still refuse and close. */
static void
test_bad_small_why(void **state)
{
	unsigned char buf[BUFSZ];
	struct ipc_msg m;
	char	why[8];
	size_t	n;
	int	fd;

	(void)state;
	n = good_log(buf);
	fd = fresh_fd();
	assert_int_equal(ipc_msg_decode(IPC_C2P, buf, n, fd, &m, NULL, 0),
	    -EBADMSG);
	assert_true(fd_is_closed(fd));
	fd = fresh_fd();
	assert_int_equal(ipc_msg_decode(IPC_C2P, buf, n, fd, &m, why,
	    sizeof(why)), -EBADMSG);
	assert_true(fd_is_closed(fd));
	assert_int_equal(strlen(why), sizeof(why) - 1);
}

/* ------------------------------------------------------------------ */
/* Encoder refusals                                                    */

static void
test_encode_refuses(void **state)
{
	unsigned char buf[BUFSZ];
	struct ipc_msg m;
	size_t	n;

	(void)state;
#define REFUSE(type, stmt, err) do { \
	build((type), V_EMPTY, &m); \
	stmt; \
	if (ipc_msg_encode(&m, buf, sizeof(buf)) != (err)) \
		fail_msg("encode did not refuse: %s", #stmt); \
} while (0)
	REFUSE(IPC_T_LOG, m.type = (enum ipc_type)0, -EINVAL);
	REFUSE(IPC_T_LOG, m.type = IPC_T_MAX, -EINVAL);
	REFUSE(IPC_T_LOG, SET(m.u.log.text, "a\nb"), -EINVAL);
	REFUSE(IPC_T_LOG, SET(m.u.log.text, "a\x80"), -EINVAL);
	REFUSE(IPC_T_LOG, m.u.log.level = MSG_LVL_FATAL, -EINVAL);
	REFUSE(IPC_T_LOG, memset(m.u.log.text, 'a', sizeof(m.u.log.text)),
	    -EINVAL);		/* not terminated */
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.status, ""), -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.status, "3.0.0"), -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.status, "2.0.0 "), -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.relay, "a\rb"), -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.mta_name, "\t"), -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, SET(m.u.result.diag_text, "\x7f"), -EINVAL);
	REFUSE(IPC_T_SITE_RESULT, SET(m.u.result.reason, "\x1b"), -EINVAL);
	REFUSE(IPC_T_SITE_RESULT, m.u.result.index = 2, -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, m.u.result.index = SJ_RCPT_MAX, -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, m.u.result.diag_code = 100, -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, m.u.result.diag_code = 600, -EINVAL);
	REFUSE(IPC_T_RCPT_RESULT, m.u.result.flags = IPC_RF_ALL + 1, -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.flags = IPC_CF_ALL + 1, -EINVAL);
	REFUSE(IPC_T_CONFIG, SET(m.u.config.cache_destinations, "a\nb"),
	    -EINVAL);
	REFUSE(IPC_T_CONFIG, SET(m.u.config.debug_peer_list, "a\tb"),
	    -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.addr_pref = 3, -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.default_port = 70000, -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.hosts_count = SJ_HOSTS_MAX + 1, -EINVAL);
	REFUSE(IPC_T_HOSTS, SET(m.u.hosts.name, "a\nb"), -EINVAL);
	REFUSE(IPC_T_CONFIG, SET(m.u.config.helo_name, "h\xc3\xa9"), -EINVAL);
	REFUSE(IPC_T_CONFIG, SET(m.u.config.local_addrs, "\n"), -EINVAL);
	REFUSE(IPC_T_DELIVER, m.u.deliver.rcpt_count = 0, -EINVAL);
	REFUSE(IPC_T_DELIVER, m.u.deliver.rcpt_count = SJ_RCPT_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_DELIVER, m.u.deliver.flags = IPC_DF_ALL + 1, -EINVAL);
	REFUSE(IPC_T_DELIVER, m.u.deliver.ret_flags = 3, -EINVAL);
	REFUSE(IPC_T_DELIVER, m.u.deliver.content_size = SJ_CONTENT_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_DELIVER, memset(m.u.deliver.envid, 'e',
	    sizeof(m.u.deliver.envid)), -EINVAL);
	REFUSE(IPC_T_RCPT, m.u.rcpt.notify_flags = 16, -EINVAL);
	REFUSE(IPC_T_RCPT, m.u.rcpt.index = SJ_RCPT_MAX, -EINVAL);
	REFUSE(IPC_T_DONE, m.u.done.deliver_done_usec = 1000000, -EINVAL);
	REFUSE(IPC_T_CONNECT, m.u.connect.purpose = 9, -EINVAL);
	REFUSE(IPC_T_CONNECT, m.u.connect.port = 0, -EINVAL);
	REFUSE(IPC_T_CONNECT, SET(m.u.connect.addr, "localhost"), -EINVAL);
	REFUSE(IPC_T_SOCKET, m.u.socket.error = 5000, -EINVAL);
	/* CHECK: the empty variant is an ENDIF; the shapes per operation. */
	REFUSE(IPC_T_CHECK, m.u.check.op = 0, -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.op = 4, -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.cls = IPC_CHK_NCLASS, -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.table = SJ_CHECKS_MAX, -EINVAL);
	REFUSE(IPC_T_CHECK, SET(m.u.check.pat1, "x"), -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.flags = IPC_CHK_F_ALL + 1, -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.opts2 = IPC_CHK_O_ALL + 1, -EINVAL);
	REFUSE(IPC_T_CHECK, m.u.check.op = IPC_CHK_OP_MATCH, -EINVAL);
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_MATCH;
	    SET(m.u.check.pat1, "a"); m.u.check.flags = IPC_CHK_F_HAS2; },
	    -EINVAL);		/* a second pattern announced, none given */
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_MATCH;
	    SET(m.u.check.pat1, "(a)"); m.u.check.max_sub = 1; }, -EINVAL);
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_MATCH;
	    SET(m.u.check.pat1, "a"); m.u.check.flags = IPC_CHK_F_MATCH1;
	    m.u.check.max_sub = IPC_CHK_SUB_MAX + 1; }, -EINVAL);
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_IF;
	    SET(m.u.check.pat1, "a"); SET(m.u.check.repl, "x"); }, -EINVAL);
	/* pcre: a known kind, its own flags, never a second pattern. */
	REFUSE(IPC_T_CHECK, m.u.check.kind = IPC_CHK_K_PCRE + 1, -EINVAL);
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_MATCH;
	    SET(m.u.check.pat1, "a"); m.u.check.flags = IPC_CHK_F_MATCH1;
	    m.u.check.kind = IPC_CHK_K_PCRE;
	    m.u.check.opts1 = IPC_CHK_P_ALL + 1; }, -EINVAL);
	REFUSE(IPC_T_CHECK, { m.u.check.op = IPC_CHK_OP_MATCH;
	    SET(m.u.check.pat1, "a"); SET(m.u.check.pat2, "b");
	    m.u.check.flags = IPC_CHK_F_MATCH1 | IPC_CHK_F_HAS2;
	    m.u.check.kind = IPC_CHK_K_PCRE; }, -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, m.u.check_log.kind = 0, -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, m.u.check_log.kind = IPC_CHL_KIND_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, m.u.check_log.action = IPC_CHL_A_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, m.u.check_log.where = 2, -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, m.u.check_log.cls = IPC_CHK_NCLASS, -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, SET(m.u.check_log.content, "a\tb"), -EINVAL);
	REFUSE(IPC_T_CHECK_LOG, SET(m.u.check_log.text, "\x80"), -EINVAL);
	/* GENERIC_REPLY: a status in range, an address exactly with FOUND. */
	REFUSE(IPC_T_GENERIC_REPLY, m.u.generic_reply.status = 3, -EINVAL);
	REFUSE(IPC_T_GENERIC_REPLY, m.u.generic_reply.status =
	    IPC_GENERIC_FOUND, -EINVAL);
	REFUSE(IPC_T_GENERIC_REPLY, SET(m.u.generic_reply.address, "a@b"),
	    -EINVAL);
	/* TLS_POLICY: DANE levels but not half-dane; anchors at verify
	 * and secure only, at most SJ_TLS_TA_MAX. TLS_ANCHOR: a kind, an
	 * index below the bound, DER as lower-case hex. */
	REFUSE(IPC_T_TLS_POLICY, m.u.tls_policy.level = SJ_TLS_LEV_HALF_DANE,
	    -EINVAL);
	REFUSE(IPC_T_TLS_POLICY, { m.u.tls_policy.level = SJ_TLS_LEV_VERIFY;
	    m.u.tls_policy.ta_count = SJ_TLS_TA_MAX + 1; }, -EINVAL);
	REFUSE(IPC_T_TLS_POLICY, { m.u.tls_policy.level = SJ_TLS_LEV_DANE;
	    m.u.tls_policy.ta_count = 1; }, -EINVAL);
	REFUSE(IPC_T_TLS_POLICY, m.u.tls_policy.ta_count = 1, -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, m.u.tls_anchor.kind = 0, -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, m.u.tls_anchor.kind = 3, -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, m.u.tls_anchor.index = SJ_TLS_TA_MAX,
	    -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, SET(m.u.tls_anchor.der, ""), -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, SET(m.u.tls_anchor.der, "3"), -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, SET(m.u.tls_anchor.der, "3A"), -EINVAL);
	REFUSE(IPC_T_TLS_ANCHOR, SET(m.u.tls_anchor.der, "zz"), -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.checks_count = SJ_CHECKS_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_CONFIG, m.u.config.checks_classes = 16, -EINVAL);
	/* An EHLO mask: Postfix's bits only, and only with a socket. */
	REFUSE(IPC_T_SOCKET, m.u.socket.ehlo_discard = 1U << 16, -EINVAL);
	REFUSE(IPC_T_EHLO_NOTE, m.u.ehlo_note.mask = 0, -EINVAL);
	REFUSE(IPC_T_EHLO_NOTE, m.u.ehlo_note.mask = SJ_EHLO_MASK_SILENT |
	    SJ_EHLO_MASK_DSN, -EINVAL);
	REFUSE(IPC_T_EHLO_NOTE, m.u.ehlo_note.mask = 1U << 20, -EINVAL);
	REFUSE(IPC_T_SOCKET, m.u.socket.ehlo_discard = 1U << 14, -EINVAL);
	REFUSE(IPC_T_SOCKET, (m.u.socket.error = 111,
	    m.u.socket.ehlo_discard = 2), -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, m.u.transcript.classes = 0, -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, m.u.transcript.classes = 8, -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, SET(m.u.transcript.text, "EHLO x"), -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, SET(m.u.transcript.text, "Out: a\n"),
	    -EINVAL);		/* an empty last line has no prefix */
	REFUSE(IPC_T_TRANSCRIPT, SET(m.u.transcript.text, "In:  \x80"),
	    -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, SET(m.u.transcript.peer, "a\nb"), -EINVAL);
	REFUSE(IPC_T_TRANSCRIPT, m.u.transcript.omitted_at = 1, -EINVAL);
	REFUSE(IPC_T_TLS_INFO, m.u.tls_info.event = 0, -EINVAL);
	REFUSE(IPC_T_TLS_INFO, m.u.tls_info.event = SJ_TLS_EV_MAX + 1,
	    -EINVAL);
	REFUSE(IPC_T_TLS_INFO, m.u.tls_info.trust = SJ_TLS_TRUST_VERIFIED + 1,
	    -EINVAL);
	REFUSE(IPC_T_TLS_INFO, m.u.tls_info.conn_kind = SJ_TLS_CERR_TIMEOUT + 1,
	    -EINVAL);
	/* A cipher name that could pass for more words of the log line. */
	REFUSE(IPC_T_TLS_INFO, SET(m.u.tls_info.cipher, "X (256/256 bits)"),
	    -EINVAL);
	REFUSE(IPC_T_TLS_INFO, SET(m.u.tls_info.protocol, "TLSv1.3]"),
	    -EINVAL);
	REFUSE(IPC_T_TLS_INFO, SET(m.u.tls_info.issuer, "CN=\x80"), -EINVAL);
	REFUSE(IPC_T_TLS_INFO, SET(m.u.tls_info.lib_file, "a.c: x"), -EINVAL);
	REFUSE(IPC_T_TLS_INFO, m.u.tls_info.lib_has_data = 2, -EINVAL);
#undef REFUSE

	/* Buffer too small: -ENOSPC at every size below the need. */
	build(IPC_T_RCPT_RESULT, V_MAX, &m);
	n = enc(&m, buf);
	assert_int_equal(ipc_msg_encode(&m, buf, n), (ssize_t)n);
	assert_int_equal(ipc_msg_encode(&m, buf, n - 1), -ENOSPC);
	assert_int_equal(ipc_msg_encode(&m, buf, IPC_HDR_LEN), -ENOSPC);
	assert_int_equal(ipc_msg_encode(&m, buf, 3), -ENOSPC);
	assert_int_equal(ipc_msg_encode(&m, buf, 0), -ENOSPC);
}

/* ------------------------------------------------------------------ */
/* Truncations and mutations                                           */

static void
decode_must_fail(const struct ipc_msg_spec *s, const unsigned char *src,
    size_t len, const char *what, size_t at)
{
	unsigned char *exact = malloc(len ? len : 1);
	struct ipc_msg m;
	char	why[256];
	int	fd = s->has_fd ? fresh_fd() : -1, rc;

	assert_non_null(exact);
	memcpy(exact, src, len);
	rc = ipc_msg_decode(s->dir, exact, len, fd, &m, why, sizeof(why));
	free(exact);
	if (rc == 0)
		fail_msg("%s %s at %zu decoded", s->name, what, at);
	assert_true(rc == -EBADMSG || rc == -EPROTO);
	assert_int_equal(m.fd, -1);
	if (fd >= 0)
		assert_true(fd_is_closed(fd));
}

static void
test_truncations(void **state)
{
	unsigned char buf[BUFSZ], cut[BUFSZ];
	const struct ipc_msg_spec *s;
	struct ipc_msg m;
	uint32_t t;
	size_t	n, len;
	int	v;

	(void)state;
	for (t = 1; t < IPC_T_MAX; t++) {
		s = ipc_msg_spec((enum ipc_type)t);
		for (v = V_MAX; v <= V_EMPTY; v++) {
			build((enum ipc_type)t, (enum variant)v, &m);
			n = enc(&m, buf);
			for (len = 0; len < n; len++) {
				/* As received: header length now wrong. */
				decode_must_fail(s, buf, len, "prefix", len);
				if (len < IPC_HDR_LEN)
					continue;
				/* Header patched to match: reaches fields. */
				memcpy(cut, buf, len);
				fix_len(cut, len);
				decode_must_fail(s, cut, len, "cut", len);
			}
		}
	}
}

/*
 * Deterministic mutations (xorshift, fixed seed) of every valid
 * message: a decode may succeed, but then the message re-encodes to
 * exactly the bytes received (one encoding per message) and the
 * descriptor is kept; when it fails the descriptor is closed.
 */
static void
test_mutations(void **state)
{
	unsigned char buf[BUFSZ], mut[BUFSZ], re[BUFSZ], *exact;
	const struct ipc_msg_spec *s;
	struct ipc_msg m, out;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint32_t t;
	size_t	n, i, k, ok = 0, bad = 0;
	ssize_t	rn;
	char	why[256];
	int	v, fd, rc, flips;

	(void)state;
	for (t = 1; t < IPC_T_MAX; t++) {
		s = ipc_msg_spec((enum ipc_type)t);
		for (v = V_MAX; v <= V_EMPTY; v++) {
			build((enum ipc_type)t, (enum variant)v, &m);
			n = enc(&m, buf);
			for (i = 0; i < 2000; i++) {
				memcpy(mut, buf, n);
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				flips = 1 + (int)(x % 3);
				for (k = 0; k < (size_t)flips; k++) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					mut[x % n] = (unsigned char)(x >> 32);
				}
				exact = malloc(n);
				assert_non_null(exact);
				memcpy(exact, mut, n);
				fd = s->has_fd ? fresh_fd() : -1;
				rc = ipc_msg_decode(s->dir, exact, n, fd, &out,
				    why, sizeof(why));
				free(exact);
				if (rc != 0) {
					bad++;
					if (fd >= 0)
						assert_true(fd_is_closed(fd));
					continue;
				}
				ok++;
				assert_int_equal(out.fd, fd);
				rn = ipc_msg_encode(&out, re, sizeof(re));
				assert_int_equal(rn, (ssize_t)n);
				assert_memory_equal(re, mut, n);
				ipc_msg_release(&out);
			}
		}
	}
	/* Both outcomes happened, so the test tested something. */
	assert_true(ok > 0);
	assert_true(bad > 0);
}

/* ------------------------------------------------------------------ */
/* Fuzz seed corpus                                                    */

static void
corpus_path(char *path, size_t sz, const char *name, const char *suffix)
{
	const char *top = getenv("SJ_TOP");

	snprintf(path, sz, "%s/tests/fuzz/corpus/ipc_msg/%s-%s",
	    top ? top : ".", name, suffix);
}

static void
test_corpus(void **state)
{
	unsigned char buf[BUFSZ], file[BUFSZ + 1];
	const char *write = getenv("SJ_IPC_CORPUS_WRITE");
	struct ipc_msg m;
	char	path[4096];
	uint32_t t;
	size_t	n, got;
	FILE	*fp;
	int	v;

	(void)state;
	for (t = 1; t < IPC_T_MAX; t++) {
		for (v = V_MAX; v <= V_EMPTY; v++) {
			build((enum ipc_type)t, (enum variant)v, &m);
			n = enc(&m, buf);
			corpus_path(path, sizeof(path), ipc_msg_name(t),
			    v == V_MAX ? "max" : "empty");
			if (write != NULL && strcmp(write, "1") == 0) {
				fp = fopen(path, "wb");
				if (fp == NULL)
					fail_msg("%s: %s", path,
					    strerror(errno));
				assert_int_equal(fwrite(buf, 1, n, fp), n);
				assert_int_equal(fclose(fp), 0);
				continue;
			}
			if ((fp = fopen(path, "rb")) == NULL)
				fail_msg("%s: %s (regenerate: see the header "
				    "of this test)", path, strerror(errno));
			got = fread(file, 1, sizeof(file), fp);
			fclose(fp);
			if (got != n || memcmp(file, buf, n) != 0)
				fail_msg("%s is stale (regenerate: see the "
				    "header of this test)", path);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_edges_accepted),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_small_why),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_corpus),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
