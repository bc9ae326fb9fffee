/*
 * NAME
 *	tls_jobpol 3
 * SUMMARY
 *	the child's side of smtp_tls_policy_maps: one job's TLS policy
 * DESCRIPTION
 *	The parent owns the tables (parent/tls_policy.c). When the
 *	nexthop of a job has an entry, a TLS_POLICY message comes right
 *	before the job's DELIVER with the resolved fields: level,
 *	protocol bounds, cipher list, match list, SNI and fingerprints;
 *	at verify and secure it may announce trust anchors (the entry's
 *	tafile=, read by the parent), which come as that many TLS_ANCHOR
 *	messages, in order, before the DELIVER (tls_jobpol_anchor()).
 *	tls_jobpol_set() makes of them a copy of main.cf's policy
 *	(tls_config_global()) with those fields replaced;
 *	tls_jobpol_begin() makes child/tls.c use it for the job (every
 *	tls_config() of the session then sees it), tls_jobpol_end() goes
 *	back to main.cf's. The SSL_CTX is shared; what a policy changes is
 *	set on each connection (child/tls.c tls_start()). The TLS session
 *	cache and the connection cache key on the effective policy
 *	(child/tls_sesscache.c, child/conn_cache.c).
 * SECURITY
 *	Child only. The message is the parent's (trusted) and was checked
 *	by ipc_msg_check(); a fingerprint list that does not decode is
 *	still refused, as a protocol error.
 * SEE ALSO
 *	parent/tls_policy.c, child/tls.c, child/child_main.c
 */
#include <string.h>

#include <openssl/evp.h>

#include "tls.h"
#include "tls_jobpol.h"

static struct tls_jobpol_ctx {
	int	pending;		/* a TLS_POLICY waits for its DELIVER */
	uint32_t job_id;
	uint32_t ta_count;		/* TLS_ANCHORs announced */
	struct sj_tls_config job;
	struct sj_tls_tas tas;		/* the TLS_ANCHORs received */
} tls_jobpol_ctx;

static int
tls_jobpol_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* "hex,hex,...": the parent's encoding of the fingerprints. */
static int
tls_jobpol_fpt(struct sj_tls_config *t, const char *s)
{
	size_t	n = 0;
	int	hi, lo;

	t->nfpt = 0;
	if (*s == '\0')
		return (0);
	for (;;) {
		if (t->nfpt == SJ_TLS_FPT_MAX)
			return (-1);
		if ((hi = tls_jobpol_hex(s[0])) < 0 ||
		    (lo = tls_jobpol_hex(s[1])) < 0 || n == SJ_TLS_MD_MAX)
			return (-1);
		t->fpt[t->nfpt][n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (*s == ',' || *s == '\0') {
			t->fpt_len[t->nfpt++] = n;
			n = 0;
			if (*s == '\0')
				return (0);
			s++;
		}
	}
}

int
tls_jobpol_set(const struct ipc_tls_policy *m)
{
	struct tls_jobpol_ctx *c = &tls_jobpol_ctx;
	const struct sj_tls_config *g = tls_config_global();

	if (c->pending || g == NULL)
		return (-1);
	c->job = *g;
	c->job.level = (int)m->level;
	c->job.enabled = m->level > SJ_TLS_LEV_NONE;
	c->job.protos.exclude = m->proto_exclude;
	c->job.protos.min_version = (int)m->proto_min;
	c->job.protos.max_version = (int)m->proto_max;
	memcpy(c->job.cipherlist, m->cipherlist, sizeof(c->job.cipherlist));
	c->job.may_protos.exclude = m->may_proto_exclude;
	c->job.may_protos.min_version = (int)m->may_proto_min;
	c->job.may_protos.max_version = (int)m->may_proto_max;
	memcpy(c->job.may_cipherlist, m->may_cipherlist,
	    sizeof(c->job.may_cipherlist));
	memcpy(c->job.match, m->match, sizeof(c->job.match));
	memcpy(c->job.servername, m->servername, sizeof(c->job.servername));
	memcpy(c->job.fpt_digest, m->fpt_digest, sizeof(c->job.fpt_digest));
	c->job.conn_reuse = m->conn_reuse != 0;
	if (tls_jobpol_fpt(&c->job, m->fpt) < 0)
		return (-1);
	/* main.cf's anchors, unless the entry's own follow. */
	c->ta_count = m->ta_count;
	c->tas.n = 0;
	if (m->ta_count > 0)
		c->job.ta = &c->tas;
	/* A level with TLS needs the context main.cf made for the table. */
	if (c->job.enabled && !tls_available())
		return (-1);
	c->job_id = m->job_id;
	c->pending = 1;
	return (0);
}

int
tls_jobpol_anchor(const struct ipc_tls_anchor *m)
{
	struct tls_jobpol_ctx *c = &tls_jobpol_ctx;
	struct sj_tls_ta *a;
	size_t	k, len;
	int	hi, lo;

	if (!c->pending || m->job_id != c->job_id || m->index != c->tas.n ||
	    c->tas.n >= c->ta_count || c->tas.n >= SJ_TLS_TA_MAX)
		return (-1);
	/* ipc_msg_check(): lower-case hex of at least one byte. */
	len = strlen(m->der) / 2;
	if (len > SJ_TLS_TA_DER_MAX)
		return (-1);
	a = &c->tas.a[c->tas.n];
	for (k = 0; k < len; k++) {
		if ((hi = tls_jobpol_hex(m->der[2 * k])) < 0 ||
		    (lo = tls_jobpol_hex(m->der[2 * k + 1])) < 0)
			return (-1);
		a->der[k] = (unsigned char)(hi << 4 | lo);
	}
	a->len = len;
	a->kind = (int)m->kind;
	c->tas.n++;
	return (0);
}

int
tls_jobpol_begin(uint32_t job_id)
{
	struct tls_jobpol_ctx *c = &tls_jobpol_ctx;

	if (!c->pending) {
		tls_use_config(NULL);
		return (0);
	}
	c->pending = 0;
	/* Every announced anchor must have come. */
	if (c->job_id != job_id || c->tas.n != c->ta_count)
		return (-1);
	tls_use_config(&c->job);
	return (0);
}

void
tls_jobpol_end(void)
{
	tls_jobpol_ctx.pending = 0;
	tls_use_config(NULL);
}

/*
 * A digest of the policy in force (level, protocols, ciphers, match
 * names, SNI, fingerprints, trust anchors, connection reuse): the
 * connection cache's key (child/conn_cache.c). All zero when no TLS context exists (no
 * level but none and no policy table).
 */
void
tls_jobpol_id(unsigned char id[32])
{
	const struct sj_tls_config *t = tls_config();
	const char *s[5];
	int32_t	num[8];
	EVP_MD_CTX *md;
	unsigned len = 0;
	size_t	i;
	int	ok;

	memset(id, 0, 32);
	/* No TLS context: OpenSSL was not initialised before the
	 * lock-down (it would open its configuration now), and the
	 * policy is main.cf's for every job. */
	if (t == NULL || !tls_available())
		return;
	s[0] = t->cipherlist;
	s[1] = t->match;
	s[2] = t->servername;
	s[3] = t->fpt_digest;
	num[0] = t->level;
	num[1] = (int32_t)t->protos.exclude;
	num[2] = t->protos.min_version;
	num[3] = t->protos.max_version;
	s[4] = t->may_cipherlist;
	num[4] = (int32_t)t->may_protos.exclude;
	num[5] = t->may_protos.min_version;
	num[6] = t->may_protos.max_version;
	/* A connection kept under one choice is not taken under the
	 * other (stricter than Postfix, whose key has the level only). */
	num[7] = t->conn_reuse;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto fail;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, num, sizeof(num)) == 1;
	for (i = 0; ok && i < 5; i++)
		ok = EVP_DigestUpdate(md, s[i], strlen(s[i]) + 1) == 1;
	for (i = 0; ok && i < t->nfpt; i++)
		ok = EVP_DigestUpdate(md, t->fpt[i], t->fpt_len[i]) == 1;
	for (i = 0; ok && t->ta != NULL && i < t->ta->n; i++)
		ok = EVP_DigestUpdate(md, t->ta->a[i].der,
		    t->ta->a[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(md, id, &len) == 1 && len == 32;
	EVP_MD_CTX_free(md);
	if (ok)
		return;
fail:
	/* Never equal to another job's: nothing is reused. */
	memset(id, 0xff, 32);
	id[0] = (unsigned char)t->level;
}
