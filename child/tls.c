/*
 * NAME
 *	tls 3
 * SUMMARY
 *	the child's TLS client: context, STARTTLS handshake, record I/O
 * DESCRIPTION
 *	See tls.h. The SSL_CTX follows Postfix 3.7 tls_client.c
 *	tls_client_init(): OpenSSL security level 0 on the context (the
 *	"may" level takes what the server has), peer verification recorded
 *	but never fatal inside the handshake (SSL_VERIFY_NONE and a
 *	callback: the SMTP client decides, as smtp_proto.c does),
 *	SSL_OP_IGNORE_UNEXPECTED_EOF, the verification depth
 *	smtp_tls_scert_verifydepth + 1, client sessions handed to the
 *	child's own cache (child/tls_sesscache.c, in place of tlsmgr(8))
 *	through the new-session callback when smtp_tls_session_cache_
 *	database and _timeout say so. Per connection (tls_client_start()):
 *	the job's level and policy (main.cf's, or its smtp_tls_policy_maps
 *	entry: child/tls_jobpol.c), i.e. the cipher list, the protocol
 *	bounds and exclusions, SNI, a cached session of the same key, and
 *	at the levels that match a certificate OpenSSL security level 1
 *	and the name checks of child/tls_verify.c. A session is cached only
 *	once its handshake passed the level's checks.
 *
 *	Trust is loaded whole before the fork: X509_LOOKUP_hash_dir would
 *	open files under smtp_tls_CApath during a handshake, inside the
 *	jail, so every regular file of that directory is read into the
 *	store now instead, as smtp_tls_CAfile is.
 *
 *	Socket I/O goes through a BIO of our own whose read and write are
 *	sys_read() and sys_sendto() (child/sys.c), so OpenSSL makes no
 *	system call on the socket that the wrapper layer does not show.
 *	Timeouts are smtpjail's: the socket stays non-blocking and
 *	sys_wait() waits for what OpenSSL asks for. A record read or
 *	write that fails with SSL_ERROR_SSL reports OpenSSL's error queue
 *	("TLS library problem" events), as a failed handshake does and as
 *	Postfix's tls_bio() does for SSL_read() and SSL_write().
 *
 *	Module state: one context (the SSL_CTX, main.cf's and the job's
 *	policy, and the TLS session of at most SJ_TLS_CONN_MAX sockets;
 *	connections with TLS are kept between jobs only with
 *	smtp_tls_connection_reuse (or a policy's connection_reuse=yes),
 *	in the child's connection cache, which holds their descriptors
 *	while this module holds their TLS state; their sessions are kept
 *	for resumption either way). tls_io_resume() gives such a
 *	connection to its next job and logs Postfix's "... TLS connection
 *	reused to ..." with the summary of its handshake.
 * SECURITY
 *	Child. tls_prepare() runs in the parent before the fork, as root,
 *	on trusted configuration; everything after it runs in the
 *	sandbox on bytes from a hostile server. OpenSSL parses them; the
 *	fields sent to the parent are bounded and censored or checked as
 *	tokens (ipc_msg_check.c).
 * SEE ALSO
 *	Postfix src/tls/tls_client.c, tls_misc.c, tls_bio_ops.c;
 *	child/tls_verify.c, RFC 3207, RFC 8446
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dane_server.h"
#include "msg.h"
#include "sj_sys.h"
#include "sj_text.h"
#include "tls.h"
#include "tls_sni.h"
#include "tls_keyprov.h"
#include "tls_sesscache.h"
#include "tls_verify.h"

/*
 * Sockets with TLS at once: the session's, and with
 * smtp_tls_connection_reuse the idle ones of the connection cache
 * (child/conn_cache.c), which keeps their descriptors.
 */
#define SJ_TLS_CONN_MAX		(SJ_CONN_CACHE_MAX + 2)

struct tls_conn {
	int	fd;			/* -1: free */
	SSL	*ssl;
	struct tls_verify_state vs;
	struct tls_sess_key key;	/* its session cache key */
	int	judged;			/* the level's checks passed */
	SSL_SESSION *pending;		/* a session that came before that */
	struct tls_peer peer;		/* for the errors of record I/O */
	struct ipc_tls_info summary;	/* the handshake's, for a reuse */
};

static struct tls_ctx {
	const struct sj_tls_config *cfg;	/* the job's (tls_use_config()) */
	const struct sj_tls_config *global;	/* main.cf's */
	SSL_CTX *ctx;
	BIO_METHOD *bio_meth;
	int	ex_index;
	struct tls_conn conn[SJ_TLS_CONN_MAX];
} tls_ctx = { .ex_index = -1 };

static int tls_new_session(SSL *, SSL_SESSION *);

/* The socket BIO: OpenSSL's record layer over child/sys.c. */

static int
tls_bio_write(BIO *b, const char *buf, int len)
{
	ssize_t	n;

	BIO_clear_retry_flags(b);
	n = sys_sendto(BIO_get_fd(b, NULL), buf, (size_t)len, 0, NULL, 0);
	if (n == -EAGAIN) {
		BIO_set_retry_write(b);
		return (-1);
	}
	if (n < 0) {
		errno = (int)-n;
		return (-1);
	}
	return ((int)n);
}

static int
tls_bio_read(BIO *b, char *buf, int len)
{
	ssize_t	n;

	BIO_clear_retry_flags(b);
	n = sys_read(BIO_get_fd(b, NULL), buf, (size_t)len);
	if (n == -EAGAIN) {
		BIO_set_retry_read(b);
		return (-1);
	}
	if (n < 0) {
		errno = (int)-n;
		return (-1);
	}
	return ((int)n);
}

static long
tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_SET_FD:
		BIO_set_data(b, (void *)(intptr_t)(*(int *)ptr + 1));
		BIO_set_init(b, 1);
		return (1);
	case BIO_C_GET_FD:
		if (!BIO_get_init(b))
			return (-1);
		if (ptr != NULL)
			*(int *)ptr = (int)(intptr_t)BIO_get_data(b) - 1;
		return ((intptr_t)BIO_get_data(b) - 1);
	case BIO_CTRL_FLUSH:
		return (1);
	default:
		(void)num;
		return (0);
	}
}

static BIO *
tls_bio_new(int fd)
{
	BIO	*b;

	if ((b = BIO_new(tls_ctx.bio_meth)) == NULL)
		return (NULL);
	(void)BIO_ctrl(b, BIO_C_SET_FD, 0, &fd);
	return (b);
}

/* Preparation, before the fork. */

/* Every regular file under smtp_tls_CApath, read now. */
static int
tls_load_capath(X509_STORE *st, const char *dir, char *why, size_t whysz)
{
	char	path[SJ_TLS_PATH_MAX + 256];
	struct dirent *de;
	struct stat sb;
	DIR	*d;
	int	n = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(why, whysz, "smtp_tls_CApath %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path) || stat(path, &sb) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		/* Files that hold no certificate (a README) are skipped. */
		ERR_clear_error();
		if (X509_STORE_load_file(st, path) == 1)
			n++;
	}
	closedir(d);
	ERR_clear_error();
	if (n == 0)
		msg_warn("smtp_tls_CApath %s: no certificate found", dir);
	return (0);
}

static int
tls_load_trust(SSL_CTX *ctx, const struct sj_tls_config *t, char *why,
    size_t whysz)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);

	if (t->CAfile[0] != '\0' && X509_STORE_load_file(st, t->CAfile) != 1) {
		snprintf(why, whysz, "cannot load Certification Authority "
		    "data, smtp_tls_CAfile=%s: disabling TLS support",
		    t->CAfile);
		return (-1);
	}
	if (t->CApath[0] != '\0' && tls_load_capath(st, t->CApath, why,
	    whysz) < 0)
		return (-1);
	return (0);
}

int
tls_prepare(const struct sj_tls_config *t, char *why, size_t whysz)
{
	SSL_CTX *ctx;

	tls_release();
	tls_ctx.cfg = tls_ctx.global = t;
	if (!t->enabled)
		return (0);
	/* Loads openssl.cnf and the default provider now, not in the jail. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
	    NULL) != 1) {
		snprintf(why, whysz, "cannot initialise OpenSSL");
		return (-1);
	}
	if (tls_ctx.ex_index < 0 && (tls_ctx.ex_index =
	    SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0) {
		snprintf(why, whysz, "cannot allocate SSL application data "
		    "index");
		return (-1);
	}
	if ((tls_ctx.bio_meth = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "smtpjail")) == NULL ||
	    !BIO_meth_set_write(tls_ctx.bio_meth, tls_bio_write) ||
	    !BIO_meth_set_read(tls_ctx.bio_meth, tls_bio_read) ||
	    !BIO_meth_set_ctrl(tls_ctx.bio_meth, tls_bio_ctrl)) {
		snprintf(why, whysz, "cannot create the socket BIO method");
		tls_release();
		return (-1);
	}
	/* The client key's provider, before any fetch (tls_keyprov.c). */
	if (t->ccert_mode != SJ_TLS_CCERT_NONE &&
	    tls_keyprov_init(why, whysz) < 0) {
		tls_release();
		return (-1);
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(why, whysz, "cannot allocate client SSL_CTX");
		tls_release();
		return (-1);
	}
	tls_ctx.ctx = ctx;
	/* Postfix tls_client_init(). */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify_depth(ctx, t->verify_depth + 1);
	/* tls_bug_bits(): SSL_OP_ALL less tls_disable_workarounds, plus
	 * tls_ssl_options (parent/cfg_tlsopts.c). */
	SSL_CTX_set_options(ctx, t->ssl_options | SSL_OP_NO_COMPRESSION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* tls_dh.c tls_auto_eecdh_curves(): the usable ones, in order. */
	if (t->curve_count > 0 &&
	    SSL_CTX_set1_curves(ctx, t->curve_nids, t->curve_count) <= 0) {
		snprintf(why, whysz, "failed to configure ECDHE curves "
		    "(tls_eecdh_auto_curves)");
		tls_release();
		return (-1);
	}
	/* Postfix tls_client_init(): sessions go to the (here: the
	 * child's own) cache through the new-session callback, which
	 * also sees TLS 1.3 tickets that arrive after the handshake. */
	if (t->sess_cache_timeout > 0) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, tls_new_session);
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, tls_verify_callback);
	/* Empty: the global level is none, a policy table sets it per job. */
	if (t->cipherlist[0] != '\0' &&
	    SSL_CTX_set_cipher_list(ctx, t->cipherlist) != 1) {
		snprintf(why, whysz, "error setting cipher list \"%s\"",
		    t->cipherlist);
		tls_release();
		return (-1);
	}
	if (tls_load_trust(ctx, t, why, whysz) < 0 ||
	    tls_keyprov_use(ctx, t, why, whysz) < 0) {
		tls_release();
		return (-1);
	}
	/*
	 * Postfix tls_client_init(): OpenSSL's DANE support on every
	 * client context (trust anchors use it at verify and secure);
	 * dane, dane-only, here or in a policy table: with
	 * tls_dane_digests.
	 */
	if (SSL_CTX_dane_enable(ctx) <= 0) {
		snprintf(why, whysz, "OpenSSL DANE initialization failed: "
		    "disabling TLS support");
		tls_release();
		return (-1);
	}
	if ((SJ_TLS_IS_DANE(t->level) || t->policy_maps) &&
	    dane_server_ctx(ctx, t) < 0) {
		snprintf(why, whysz, "cannot enable DANE support");
		tls_release();
		return (-1);
	}
	ERR_clear_error();
	return (0);
}

void
tls_release(void)
{
	size_t	i;

	for (i = 0; i < SJ_TLS_CONN_MAX; i++) {
		if (tls_ctx.conn[i].ssl != NULL)
			SSL_free(tls_ctx.conn[i].ssl);
		SSL_SESSION_free(tls_ctx.conn[i].pending);
	}
	tls_sesscache_flush();
	SSL_CTX_free(tls_ctx.ctx);
	BIO_meth_free(tls_ctx.bio_meth);
	tls_ctx.ctx = NULL;
	tls_ctx.bio_meth = NULL;
	memset(tls_ctx.conn, 0, sizeof(tls_ctx.conn));
	for (i = 0; i < SJ_TLS_CONN_MAX; i++)
		tls_ctx.conn[i].fd = -1;
}

/*
 * After the fork, before the lock-down: the child must not share the
 * random state it inherited with its parent or a sibling. OpenSSL's
 * DRBGs notice the new pid (getpid() at each use, policy_child.c) and
 * reseed from getrandom(2); this forces the public and private DRBGs
 * to do it now, and proves the entropy source works before the jail.
 */
int
tls_reseed(void)
{
	unsigned char b[16];

	if (tls_ctx.ctx == NULL)
		return (0);
	if (RAND_poll() != 1 || RAND_bytes(b, sizeof(b)) != 1 ||
	    RAND_priv_bytes(b, sizeof(b)) != 1)
		return (-1);
	OPENSSL_cleanse(b, sizeof(b));
	return (0);
}

const struct sj_tls_config *
tls_config(void)
{
	return (tls_ctx.cfg);
}

const struct sj_tls_config *
tls_config_global(void)
{
	return (tls_ctx.global);
}

void
tls_use_config(const struct sj_tls_config *t)
{
	tls_ctx.cfg = t != NULL ? t : tls_ctx.global;
}

int
tls_available(void)
{
	return (tls_ctx.ctx != NULL);
}

/* Sessions. */

static struct tls_conn *
tls_conn_find(int fd)
{
	size_t	i;

	if (fd < 0)
		return (NULL);
	for (i = 0; i < SJ_TLS_CONN_MAX; i++)
		if (tls_ctx.conn[i].ssl != NULL && tls_ctx.conn[i].fd == fd)
			return (&tls_ctx.conn[i]);
	return (NULL);
}

static void
tls_conn_free(struct tls_conn *c)
{
	SSL_SESSION_free(c->pending);
	SSL_free(c->ssl);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * OpenSSL has a session to offer for resumption (TLS 1.2 during the
 * handshake, TLS 1.3 with each ticket after it). It is cached only
 * for a connection whose certificate passed the level's checks; one
 * that arrives before they were made waits in c->pending. Returns 1:
 * the reference is ours.
 */
static int
tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *c = NULL;
	size_t	i;

	for (i = 0; i < SJ_TLS_CONN_MAX; i++)
		if (tls_ctx.conn[i].ssl == ssl)
			c = &tls_ctx.conn[i];
	if (c == NULL || !c->key.valid) {
		SSL_SESSION_free(sess);
		return (1);
	}
	if (c->judged) {
		tls_sesscache_put(&c->key, sess, tls_ctx.cfg->sess_cache_timeout);
		SSL_SESSION_free(sess);
	} else {
		SSL_SESSION_free(c->pending);
		c->pending = sess;
	}
	return (1);
}

int
tls_emit(const struct tls_peer *p, struct ipc_tls_info *info)
{
	struct ipc_msg m;

	/* An idle connection (tls_io_idle()) reports to no job. */
	if (p->emit == NULL)
		return (0);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TLS_INFO;
	m.fd = -1;
	info->job_id = p->job_id;
	m.u.tls_info = *info;
	return (p->emit(p->emit_ctx, &m));
}

/* Postfix tls_client.c protocol bounds (SSL_set_min/max_proto_version). */
static int
tls_set_protocols(SSL *ssl, const struct sj_tls_protos *p)
{
	static const struct {
		unsigned bit;
		uint64_t op;
	} no[] = {
		{SJ_TLS_P_SSLv3, SSL_OP_NO_SSLv3},
		{SJ_TLS_P_TLSv1, SSL_OP_NO_TLSv1},
		{SJ_TLS_P_TLSv1_1, SSL_OP_NO_TLSv1_1},
		{SJ_TLS_P_TLSv1_2, SSL_OP_NO_TLSv1_2},
		{SJ_TLS_P_TLSv1_3, SSL_OP_NO_TLSv1_3},
	};
	size_t	i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (p->exclude & no[i].bit)
			SSL_set_options(ssl, no[i].op);
	if (p->min_version > SSL3_VERSION &&
	    !SSL_set_min_proto_version(ssl, p->min_version))
		return (-1);
	if (p->max_version >= SSL3_VERSION &&
	    !SSL_set_max_proto_version(ssl, p->max_version))
		return (-1);
	return (0);
}

/*
 * Postfix tls_misc.c tls_print_errors(), as fields: OpenSSL's error
 * queue after a failed handshake, oldest first, at most
 * SJ_TLS_LIBERR_MAX; the parent turns each code into OpenSSL's text.
 */
static int
tls_emit_errors(const struct tls_peer *p)
{
	struct ipc_tls_info info;
	const char *file, *data;
	unsigned long e;
	int	line, flags, n = 0, err;

	while ((e = ERR_get_error_all(&file, &line, NULL, &data,
	    &flags)) != 0) {
		if (n++ == SJ_TLS_LIBERR_MAX)
			break;
		memset(&info, 0, sizeof(info));
		info.event = SJ_TLS_EV_LIBERR;
		info.lib_err = (uint32_t)e;
		info.lib_line = line > 0 ? (uint32_t)line : 0;
		tls_verify_token(info.lib_file, sizeof(info.lib_file), file);
		if ((flags & ERR_TXT_STRING) && data != NULL) {
			info.lib_has_data = 1;
			sj_text_censor(info.lib_data, sizeof(info.lib_data),
			    data, strlen(data));
		}
		if ((err = tls_emit(p, &info)) < 0) {
			ERR_clear_error();
			return (err);
		}
	}
	ERR_clear_error();
	return (0);
}

/* Postfix tls_bio_connect(): the handshake within the deadline. */
static int
tls_handshake(SSL *ssl, int fd, int64_t deadline_ms, int *kind, int *code)
{
	int	rc, e, err;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(ssl);
		if (rc == 1)
			return (0);
		e = SSL_get_error(ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			err = sys_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline_ms);
			if (err == -ECANCELED)
				return (err);
			if (err == -ETIMEDOUT) {
				*kind = SJ_TLS_CERR_TIMEOUT;
				*code = ETIMEDOUT;
				return (err);
			}
			if (err < 0) {
				*kind = SJ_TLS_CERR_ERRNO;
				*code = -err;
				return (err);
			}
			continue;
		}
		/* Postfix tls_client_start(): which of the three lines;
		 * the error queue is reported by tls_emit_errors(). */
		if (ERR_peek_error() != 0) {
			*kind = SJ_TLS_CERR_STATUS;
			*code = rc;
		} else if (errno != 0) {
			*kind = SJ_TLS_CERR_ERRNO;
			*code = errno;
		} else {
			*kind = SJ_TLS_CERR_LOST;
			*code = 0;
		}
		return (-EPROTO);
	}
}

int
tls_start(int fd, int level, const struct tls_peer *p, int64_t deadline_ms,
    struct tls_state *st)
{
	const struct sj_tls_config *t = tls_ctx.cfg;
	struct ipc_tls_info info;
	struct tls_conn *c = NULL;
	const char *sni, *ciphers;
	BIO	*bio;
	size_t	i;
	int	err, kind = SJ_TLS_CERR_LOST, code = 0;

	memset(st, 0, sizeof(*st));
	if (tls_ctx.ctx == NULL)
		return (-ENOTSUP);
	for (i = 0; i < SJ_TLS_CONN_MAX; i++)
		if (tls_ctx.conn[i].ssl == NULL) {
			c = &tls_ctx.conn[i];
			break;
		}
	if (c == NULL)
		msg_panic("tls_start: more than %d TLS sessions",
		    SJ_TLS_CONN_MAX);
	if ((c->ssl = SSL_new(tls_ctx.ctx)) == NULL ||
	    (bio = tls_bio_new(fd)) == NULL) {
		msg_warn("Could not allocate 'TLScontext->con' with SSL_new()");
		if (c->ssl != NULL)
			tls_conn_free(c);
		return (-ENOMEM);
	}
	c->fd = fd;
	c->peer = *p;
	SSL_set_bio(c->ssl, bio, bio);
	/* The job's level and policy (parent/tls_policy.c) may differ
	 * from the context's; a DANE level lowered to "may" for this
	 * server takes the "may" set (Postfix 3.7 smtp_tls_policy.c
	 * policy_create(): protocols and grade follow dane_init()). */
	ciphers = sj_tls_level_ciphers(t, level);
	if (ciphers[0] != '\0' &&
	    SSL_set_cipher_list(c->ssl, ciphers) != 1) {
		msg_warn("%s: error setting cipher list \"%s\"", p->namaddr,
		    ciphers);
		tls_conn_free(c);
		return (-EINVAL);
	}
	if (tls_set_protocols(c->ssl, sj_tls_level_protos(t, level)) < 0) {
		msg_warn("%s: error setting TLS protocol bounds", p->namaddr);
		tls_conn_free(c);
		return (-EINVAL);
	}
	sni = tls_sni_name(t->servername, level, dane_server_base(),
	    p->host, p->nexthop);
	if (sni != NULL && *sni != '\0' &&
	    !SSL_set_tlsext_host_name(c->ssl, sni))
		msg_warn("%s: error setting SNI hostname to: %s", p->namaddr,
		    sni);
	if (tls_verify_setup(c->ssl, tls_ctx.ex_index, &c->vs, t, level, p)
	    < 0) {
		tls_conn_free(c);
		return (-EINVAL);
	}
	/*
	 * Resumption: a session of the same nexthop, server, level and
	 * policy (child/tls_sesscache.c). Not at the DANE levels: the key
	 * does not cover the server's TLSA records, which may change
	 * between connections, and a resumed session is not matched again.
	 */
	if (t->sess_cache_timeout > 0 && !SJ_TLS_IS_DANE(level))
		tls_sesscache_offer(c->ssl, &c->key, t, level, p, sni);
	/* half-dane, dane: the TLSA records of this server's lookup. */
	if (SJ_TLS_IS_DANE(level) && dane_server_ssl(c->ssl) < 0) {
		msg_warn("%s: could not enable DANE", p->namaddr);
		tls_conn_free(c);
		return (-EINVAL);
	}
	if ((err = tls_handshake(c->ssl, fd, deadline_ms, &kind, &code)) < 0) {
		if (err != -ECANCELED) {
			memset(&info, 0, sizeof(info));
			info.event = SJ_TLS_EV_CONNECT_ERR;
			info.conn_kind = (uint32_t)kind;
			info.conn_code = (uint32_t)code;
			snprintf(info.peer, sizeof(info.peer), "%s", p->namaddr);
			if ((err = tls_emit(p, &info)) == 0 &&
			    (err = tls_emit_errors(p)) == 0)
				err = -EPROTO;
		}
		ERR_clear_error();
		tls_conn_free(c);
		return (err);
	}
	tls_verify_judge(c->ssl, &c->vs, t, level, p, st);
	/* Postfix tls_client.c: "Reusing old session" (loglevel 2). */
	if (SSL_session_reused(c->ssl)) {
		memset(&info, 0, sizeof(info));
		info.event = SJ_TLS_EV_REUSED;
		snprintf(info.peer, sizeof(info.peer), "%s", p->namaddr);
		if ((err = tls_emit(p, &info)) < 0) {
			tls_conn_free(c);
			return (err);
		}
	}
	if ((err = tls_verify_report(&c->vs, t, level, p, st)) < 0) {
		tls_conn_free(c);
		return (err);
	}
	c->summary = st->info;
	/* Only a session whose certificate passed is offered again. */
	c->judged = st->matched || !SJ_TLS_MUST_MATCH(level);
	if (c->judged && c->pending != NULL && !SJ_TLS_IS_DANE(level))
		tls_sesscache_put(&c->key, c->pending, t->sess_cache_timeout);
	SSL_SESSION_free(c->pending);
	c->pending = NULL;
	return (0);
}

/* Record I/O. */

static ssize_t
tls_io_result(struct tls_conn *c, int rc, short *events)
{
	int	e = SSL_get_error(c->ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return (-EAGAIN);
	case SSL_ERROR_WANT_WRITE:
		*events = POLLOUT;
		return (-EAGAIN);
	case SSL_ERROR_ZERO_RETURN:
		return (0);
	case SSL_ERROR_SYSCALL:
		/* SSL_OP_IGNORE_UNEXPECTED_EOF: EOF is ZERO_RETURN. */
		ERR_clear_error();
		return (errno != 0 ? -errno : -ECONNRESET);
	case SSL_ERROR_SSL:
		/*
		 * Postfix tls_bio_ops.c tls_bio(): a failed SSL_read() or
		 * SSL_write() logs the error queue (tls_print_errors()).
		 * The session is over either way: a failure to send the
		 * events shows at the next IPC message.
		 */
		(void)tls_emit_errors(&c->peer);
		return (-EPROTO);
	default:
		ERR_clear_error();
		return (-EPROTO);
	}
}

ssize_t
tls_io_read(int fd, void *buf, size_t len, short *events)
{
	struct tls_conn *c = tls_conn_find(fd);
	size_t	got;
	int	rc;

	*events = POLLIN;
	if (c == NULL)
		return (sys_read(fd, buf, len));
	ERR_clear_error();
	errno = 0;
	rc = SSL_read_ex(c->ssl, buf, len, &got);
	if (rc == 1)
		return ((ssize_t)got);
	return (tls_io_result(c, rc, events));
}

ssize_t
tls_io_write(int fd, const void *buf, size_t len, short *events)
{
	struct tls_conn *c = tls_conn_find(fd);
	size_t	done;
	int	rc;

	*events = POLLOUT;
	if (c == NULL)
		return (sys_sendto(fd, buf, len, 0, NULL, 0));
	ERR_clear_error();
	errno = 0;
	rc = SSL_write_ex(c->ssl, buf, len, &done);
	if (rc == 1)
		return ((ssize_t)done);
	return (tls_io_result(c, rc, events));
}

int
tls_io_pending(int fd)
{
	struct tls_conn *c = tls_conn_find(fd);

	return (c != NULL && SSL_pending(c->ssl) > 0);
}

int
tls_io_active(int fd)
{
	return (tls_conn_find(fd) != NULL);
}

void
tls_io_idle(int fd)
{
	struct tls_conn *c = tls_conn_find(fd);

	if (c == NULL)
		return;
	/* The job's strings and emitter end with the job. */
	memset(&c->peer, 0, sizeof(c->peer));
	c->peer.nexthop = c->peer.host = c->peer.namaddr = "";
}

int
tls_io_resume(int fd, const struct tls_peer *p)
{
	struct tls_conn *c = tls_conn_find(fd);
	struct ipc_tls_info info;

	if (c == NULL)
		return (-ENOENT);
	/* Errors of record I/O now belong to this job. */
	c->peer = *p;
	/* Postfix smtp_session_activate(): tls_log_summary(TLS_USAGE_USED). */
	info = c->summary;
	info.event = SJ_TLS_EV_CONN_REUSED;
	return (tls_emit(p, &info));
}

/* Postfix tls_fast_shutdown_enable = yes: one close_notify, no wait. */
void
tls_io_close(int fd)
{
	struct tls_conn *c = tls_conn_find(fd);

	if (c == NULL)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
	tls_conn_free(c);
}
