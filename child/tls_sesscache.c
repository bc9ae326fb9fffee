/*
 * NAME
 *	tls_sesscache 3
 * SUMMARY
 *	the child's TLS session cache, for resumption
 * DESCRIPTION
 *	Postfix 3.7's smtp(8) keeps client TLS sessions in tlsmgr(8)'s
 *	cache ($smtp_tls_session_cache_database), under a "server id"
 *	(tls_client.c, tls_fprint.c tls_serverid_digest()): the nexthop,
 *	the server's name, address and port, with a digest of the
 *	protocols, the cipher list and the trust anchors, so that a
 *	session is never offered to a connection made under another
 *	policy. smtpjail's child has no file system and no socket to
 *	tlsmgr(8): it keeps the sessions itself, in memory, for
 *	smtp_tls_session_cache_timeout at most. One child serves one
 *	nexthop (policy/spawner.c, parent/child_pool.c), so the cache
 *	lives as long as that child, and holds a few entries.
 *
 *	The key here is a SHA-256 of: the nexthop, the server's name,
 *	"host[addr]:port", the security level, the protocol bounds, the
 *	cipher list, the certificate match list and fingerprints, the
 *	trust anchors (their DER), and the SNI name sent. A session found
 *	is offered (a copy) and stays in the cache until it expires or the
 *	server's next session or ticket replaces it (child/tls.c,
 *	new-session callback), as tlsmgr(8) keeps it for stock smtp(8).
 *
 *	Resumption keeps the peer's certificate and OpenSSL's verification
 *	result from the full handshake that made the session; sessions
 *	are stored only after that handshake passed the level's checks
 *	(child/tls.c), under a key that includes those checks.
 * SECURITY
 *	Child only, in the sandbox; memory and OpenSSL only, no system
 *	call beyond the clock. The sessions come from hostile servers and
 *	are only ever offered back to the same server under the same
 *	policy.
 * SEE ALSO
 *	Postfix src/tls/tls_client.c, src/tls/tls_fprint.c,
 *	src/tls/tls_mgr.c; child/tls.c, RFC 5077, RFC 8446 section 2.2
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "sj_sys.h"
#include "tls.h"
#include "tls_sesscache.h"

struct tls_sess_entry {
	unsigned char md[32];
	SSL_SESSION *sess;		/* NULL: free */
	int64_t	expires_ms;		/* monotonic */
};

static struct tls_sesscache_ctx {
	struct tls_sess_entry e[SJ_TLS_SESS_MAX];
} tls_sesscache_ctx;

static void
tls_sesscache_drop(struct tls_sess_entry *e)
{
	SSL_SESSION_free(e->sess);
	memset(e, 0, sizeof(*e));
}

/* Each field with its length, so that no two field lists collide. */
static int
tls_sesscache_field(EVP_MD_CTX *md, const void *p, size_t len)
{
	uint32_t n = (uint32_t)len;

	return (EVP_DigestUpdate(md, &n, sizeof(n)) == 1 &&
	    EVP_DigestUpdate(md, p, len) == 1);
}

static int
tls_sesscache_key(struct tls_sess_key *key, const struct sj_tls_config *t,
    int level, const struct tls_peer *p, const char *sni)
{
	const struct sj_tls_protos *pr;
	const char *s[6];
	uint32_t num[4];
	EVP_MD_CTX *md;
	unsigned mdlen = 0;
	size_t	i;
	int	ok;

	s[0] = p->nexthop != NULL ? p->nexthop : "";
	s[1] = p->host != NULL ? p->host : "";
	s[2] = p->namaddr != NULL ? p->namaddr : "";
	/* What this connection uses: dane lowered to may has its own. */
	pr = sj_tls_level_protos(t, level);
	s[3] = sj_tls_level_ciphers(t, level);
	s[4] = t->match;
	s[5] = sni != NULL ? sni : "";
	num[0] = (uint32_t)level;
	num[1] = pr->exclude;
	num[2] = (uint32_t)pr->min_version;
	num[3] = (uint32_t)pr->max_version;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < sizeof(s) / sizeof(s[0]); i++)
		ok = tls_sesscache_field(md, s[i], strlen(s[i]));
	ok = ok && tls_sesscache_field(md, num, sizeof(num));
	for (i = 0; ok && i < t->nfpt; i++)
		ok = tls_sesscache_field(md, t->fpt[i], t->fpt_len[i]);
	/* Postfix tls_serverid_digest(): sessions of other trust anchors
	 * are never offered (a resumed session is not verified again). */
	for (i = 0; ok && t->ta != NULL && i < t->ta->n; i++)
		ok = tls_sesscache_field(md, t->ta->a[i].der, t->ta->a[i].len);
	ok = ok && EVP_DigestFinal_ex(md, key->md, &mdlen) == 1 &&
	    mdlen == sizeof(key->md);
	EVP_MD_CTX_free(md);
	return (ok ? 0 : -1);
}

void
tls_sesscache_offer(SSL *ssl, struct tls_sess_key *key,
    const struct sj_tls_config *t, int level, const struct tls_peer *p,
    const char *sni)
{
	struct tls_sess_entry *e;
	SSL_SESSION *d;
	int64_t	now = sys_now_ms();
	size_t	i;

	memset(key, 0, sizeof(*key));
	if (tls_sesscache_key(key, t, level, p, sni) < 0)
		return;
	key->valid = 1;
	for (i = 0; i < SJ_TLS_SESS_MAX; i++) {
		e = &tls_sesscache_ctx.e[i];
		if (e->sess == NULL)
			continue;
		if (e->expires_ms <= now) {
			tls_sesscache_drop(e);
			continue;
		}
		if (memcmp(e->md, key->md, sizeof(e->md)) != 0)
			continue;
		/*
		 * A copy is offered and the entry stays, as tlsmgr(8)
		 * keeps a session until a newer one replaces it: a TLS 1.3
		 * server need not send a ticket on a resumed connection,
		 * and a session dropped here would make every second
		 * connection a full handshake. The copy keeps the
		 * handshake from changing the cached object. A failure
		 * only means a full handshake.
		 */
		if ((d = SSL_SESSION_dup(e->sess)) != NULL) {
			(void)SSL_set_session(ssl, d);
			SSL_SESSION_free(d);
		}
		break;
	}
}

void
tls_sesscache_put(const struct tls_sess_key *key, SSL_SESSION *sess,
    unsigned timeout)
{
	struct tls_sess_entry *e, *slot = NULL;
	int64_t	now = sys_now_ms(), life;
	size_t	i;

	if (!key->valid || timeout == 0 || !SSL_SESSION_is_resumable(sess))
		return;
	life = (int64_t)SSL_SESSION_get_timeout(sess);
	if (life <= 0 || life > (int64_t)timeout)
		life = timeout;
	for (i = 0; i < SJ_TLS_SESS_MAX; i++) {
		e = &tls_sesscache_ctx.e[i];
		/* One session per key: the newest. */
		if (e->sess != NULL && (e->expires_ms <= now ||
		    memcmp(e->md, key->md, sizeof(e->md)) == 0))
			tls_sesscache_drop(e);
	}
	/* A free entry, else the one that expires first. */
	for (i = 0; i < SJ_TLS_SESS_MAX; i++) {
		e = &tls_sesscache_ctx.e[i];
		if (e->sess == NULL) {
			slot = e;
			break;
		}
		if (slot == NULL || e->expires_ms < slot->expires_ms)
			slot = e;
	}
	if (slot->sess != NULL)
		tls_sesscache_drop(slot);
	if (SSL_SESSION_up_ref(sess) != 1)
		return;
	slot->sess = sess;
	memcpy(slot->md, key->md, sizeof(slot->md));
	slot->expires_ms = now + life * 1000;
}

void
tls_sesscache_flush(void)
{
	size_t	i;

	for (i = 0; i < SJ_TLS_SESS_MAX; i++)
		if (tls_sesscache_ctx.e[i].sess != NULL)
			tls_sesscache_drop(&tls_sesscache_ctx.e[i]);
}

unsigned
tls_sesscache_count(void)
{
	unsigned n = 0;
	size_t	i;

	for (i = 0; i < SJ_TLS_SESS_MAX; i++)
		n += tls_sesscache_ctx.e[i].sess != NULL;
	return (n);
}
