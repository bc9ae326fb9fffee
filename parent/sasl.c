/*
 * NAME
 *	sasl 3
 * SUMMARY
 *	SASL client credentials in the parent: settings, table, release
 * DESCRIPTION
 *	smtp(8)'s SASL client is split between the two processes: the
 *	AUTH dialogue runs in the child (child/smtp_auth.c), which talks
 *	to the server; the password table stays in the parent, which
 *	gives the child, on request, the one credential of the job in
 *	flight.
 *
 *	sasl_config() reads smtp_sasl_auth_enable,
 *	smtp_sasl_password_maps, smtp_sender_dependent_authentication,
 *	smtp_sasl_mechanism_filter, smtp_sasl_security_options,
 *	smtp_sasl_tls_security_options,
 *	smtp_sasl_tls_verified_security_options, smtp_sasl_auth_soft_bounce
 *	and smtp_sasl_type (only "cyrus", whose client behaviour the
 *	child reproduces for PLAIN and LOGIN), and refuses
 *	smtp_sasl_auth_cache_name (not implemented). sasl_open() opens the
 *	password table (parent/dict.c) the way stock smtp(8) does
 *	(DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX), while the parent is still
 *	root, so that a root-only hash:, lmdb:, cdb: or texthash: file
 *	works.
 *
 *	sasl_answer() is the release rule. The child names the nexthop
 *	element it serves ('dest') and the server's host name. The
 *	parent accepts only a 'dest' that is the
 *	job's nexthop (or an element of it) or an smtp_fallback_relay
 *	element, once per destination and job (a job may move on to a
 *	fallback relay, whose credential differs); it then tries, in Postfix's order
 *	(smtp_sasl_glue.c, smtp_sasl_passwd_lookup()): the sender with
 *	mail_addr_find()'s search order when
 *	smtp_sender_dependent_authentication is on (and the sender is not
 *	<>), the server's host name, and 'dest'. The host name is a key
 *	only when it is the host of 'dest' itself ("[relay]:587" served
 *	by "relay"): otherwise the name came from the child's own DNS,
 *	and a compromised child could use it to fetch another entry.
 *	Postfix's "user:password" value is split at the first colon. Per
 *	destination and job the child gets either the password once (PLAIN,
 *	LOGIN) or the username once and then CRAM-MD5 responses
 *	(sasl_cram_md5(): RFC 2195, HMAC-MD5 with OpenSSL) to the
 *	challenges of up to SASL_CRAM_PER_DEST_MAX sessions: with CRAM-MD5
 *	the password stays in the parent. Before a plain-text retry at
 *	"may" the child asks whether there is a credential at all
 *	(ASK_EXISTS: the status alone), as Postfix's
 *	PLAINTEXT_FALLBACK_OK_* require !HAVE_SASL_CREDENTIALS.
 * SECURITY
 *	Parent. The request comes from the child (hostile): it can only
 *	choose among the keys the job itself allows. What a compromised
 *	child still gets is the credential of its own destination (see
 *	SECURITY.md "SASL credentials").
 * SEE ALSO
 *	parent/dict.c, child/smtp_auth.c; Postfix src/smtp/smtp_sasl_glue.c,
 *	smtp_sasl_proto.c, src/xsasl/xsasl_cyrus_security.c (behaviour, no
 *	code copied); RFC 2195, RFC 2104
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "cfg_params.h"
#include "dict.h"
#include "msg.h"
#include "sasl.h"
#include "sj_config.h"

#define SASL_PARAM	"smtp_sasl_password_maps"

static struct sasl_ctx {
	int	enabled;		/* smtp_sasl_auth_enable */
	int	sender_dep;		/* smtp_sender_dependent_authentication */
	char	*maps_spec;		/* $smtp_sasl_password_maps */
	char	*delim;			/* $recipient_delimiter */
	char	*fallback;		/* $smtp_fallback_relay */
	char	*local_domains;		/* $mydestination, $myhostname */
	char	*proxy_read_maps;
	char	*proxymap_service;
	struct dict_env env;
	int	dict_flags;		/* as smtp(8) opens the table */
	struct dict_maps *maps;
} sasl_ctx;

/* Cyrus SASL's security property words (xsasl_cyrus_security.c). */
static const struct {
	const char *name;
	uint32_t bit;
} sasl_sec_words[] = {
	{ "noplaintext", IPC_SASL_NOPLAINTEXT },
	{ "noactive", IPC_SASL_NOACTIVE },
	{ "nodictionary", IPC_SASL_NODICTIONARY },
	{ "noanonymous", IPC_SASL_NOANONYMOUS },
	{ "mutual_auth", IPC_SASL_MUTUAL_AUTH },
};

/* Next element of a list separated by commas and white space. */
static size_t
sasl_word(const char **pp, const char **start)
{
	const char *p = *pp;

	while (*p && (*p == ',' || isspace((unsigned char)*p)))
		p++;
	*start = p;
	while (*p && *p != ',' && !isspace((unsigned char)*p))
		p++;
	*pp = p;
	return ((size_t)(p - *start));
}

static int
sasl_sec_opts(struct sj_params *p, const char *name, uint32_t *out,
    char *why, size_t whysz)
{
	const char *v, *s, *w;
	size_t	len, i;
	int	rc;

	*out = 0;
	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	s = v;
	while ((len = sasl_word(&s, &w)) > 0) {
		for (i = 0; i < sizeof(sasl_sec_words) /
		    sizeof(sasl_sec_words[0]); i++)
			if (strlen(sasl_sec_words[i].name) == len &&
			    strncasecmp(w, sasl_sec_words[i].name, len) == 0)
				break;
		if (i == sizeof(sasl_sec_words) / sizeof(sasl_sec_words[0])) {
			snprintf(why, whysz, "parameter %s: unknown SASL "
			    "security option \"%.*s\"", name, (int)len, w);
			return (-EINVAL);
		}
		*out |= sasl_sec_words[i].bit;
	}
	return (0);
}

int
sasl_config(struct sj_config *cfg, char *why, size_t whysz)
{
	struct sasl_ctx *c = &sasl_ctx;
	struct sj_params *p = cfg->params;
	struct ipc_config *cc = &cfg->child;
	const char *v, *s, *w;
	size_t	len;
	int	rc, on;

	if ((rc = sj_params_get_bool(p, "smtp_sasl_auth_enable", &on, why,
	    whysz)) < 0)
		return (rc);
	c->enabled = on;
	if (!on)
		return (0);
	cc->flags |= IPC_CF_SASL;
	if ((rc = sj_params_get_bool(p, "smtp_sasl_auth_soft_bounce", &on,
	    why, whysz)) < 0)
		return (rc);
	if (on)
		cc->flags |= IPC_CF_SASL_SOFT_BOUNCE;
	if ((rc = sj_params_get_bool(p,
	    "smtp_sender_dependent_authentication", &on, why, whysz)) < 0)
		return (rc);
	c->sender_dep = on;
	if (on)
		cc->flags |= IPC_CF_SASL_SENDER;
	if ((rc = sasl_sec_opts(p, "smtp_sasl_security_options",
	    &cc->sasl_opts, why, whysz)) < 0 ||
	    (rc = sasl_sec_opts(p, "smtp_sasl_tls_security_options",
	    &cc->sasl_tls_opts, why, whysz)) < 0 ||
	    (rc = sasl_sec_opts(p, "smtp_sasl_tls_verified_security_options",
	    &cc->sasl_tls_verified_opts, why, whysz)) < 0)
		return (rc);

	if ((rc = sj_params_get_str(p, "smtp_sasl_type", &v, why,
	    whysz)) < 0)
		return (rc);
	if (strcmp(v, "cyrus") != 0) {
		snprintf(why, whysz, "parameter smtp_sasl_type: \"%s\" is not "
		    "supported by smtpjail (its built-in client reproduces "
		    "the cyrus client's PLAIN and LOGIN)", v);
		return (-EINVAL);
	}
	if ((rc = sj_params_get_str(p, "smtp_sasl_auth_cache_name", &v, why,
	    whysz)) < 0)
		return (rc);
	if (*v != '\0') {
		snprintf(why, whysz, "parameter smtp_sasl_auth_cache_name: "
		    "not supported by smtpjail; leave it empty");
		return (-EINVAL);
	}

	/* Mechanism names only: no /file or type:table entries. */
	if ((rc = sj_params_get_str(p, "smtp_sasl_mechanism_filter", &v, why,
	    whysz)) < 0)
		return (rc);
	for (s = v; (len = sasl_word(&s, &w)) > 0;)
		if (memchr(w, '/', len) || memchr(w, ':', len)) {
			snprintf(why, whysz, "parameter "
			    "smtp_sasl_mechanism_filter: \"%.*s\": smtpjail "
			    "takes mechanism names only, not files or tables",
			    (int)len, w);
			return (-EINVAL);
		}
	if (strlen(v) > SJ_SASL_MECHS_MAX) {
		snprintf(why, whysz, "parameter smtp_sasl_mechanism_filter: "
		    "value longer than %d bytes", SJ_SASL_MECHS_MAX);
		return (-E2BIG);
	}
	memcpy(cc->sasl_mechs, v, strlen(v) + 1);

	if ((rc = sj_params_dup_str(p, SASL_PARAM, &c->maps_spec, why,
	    whysz)) < 0)
		return (rc);
	if (c->maps_spec[strspn(c->maps_spec, ", \t\r\n")] == '\0') {
		/* smtp_sasl_glue.c's words */
		snprintf(why, whysz, "specify a password table via the "
		    "`%s' configuration parameter", SASL_PARAM);
		return (-EINVAL);
	}
	if ((rc = sj_params_dup_str(p, "recipient_delimiter", &c->delim,
	    why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "smtp_fallback_relay", &c->fallback,
	    why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxy_read_maps",
	    &c->proxy_read_maps, why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxymap_service_name",
	    &c->proxymap_service, why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "mydestination", &c->local_domains,
	    why, whysz)) < 0)
		return (rc);
	c->env.proxy_read_maps = c->proxy_read_maps;
	c->env.proxymap_service = c->proxymap_service;
	c->env.ipc_timeout = (int)cfg->ipc_timeout;
	c->env.private_dir = "private";
	/* maps_create(..., DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX); dict_open()
	 * adds UTF8_REQUEST when smtputf8_enable is on (util_utf8_enable),
	 * which proxymap honours; the native tables fold ASCII only. */
	c->dict_flags = DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX |
	    (cfg->smtputf8_enable ? DICT_FLAG_UTF8_REQUEST : 0);
	return (0);
}

int
sasl_open(char *why, size_t whysz)
{
	struct sasl_ctx *c = &sasl_ctx;
	char	probe[64];

	if (!c->enabled || c->maps != NULL)
		return (0);
	c->maps = dict_maps_open(SASL_PARAM, c->maps_spec, c->dict_flags,
	    &c->env, why, whysz);
	if (c->maps == NULL)
		return (-1);
	/* OpenSSL loads its providers and configuration on first use:
	 * now, before the chroot and the privilege drop. */
	if (sasl_cram_md5("u", "p", "PDE+", probe, sizeof(probe)) < 0) {
		snprintf(why, whysz, "CRAM-MD5: HMAC-MD5 is not available");
		return (-1);
	}
	return (0);
}

void
sasl_set_maps(struct dict_maps *m)
{
	if (sasl_ctx.maps != m)
		dict_maps_close(sasl_ctx.maps);
	sasl_ctx.maps = m;
	sasl_ctx.enabled = m != NULL;
}

const char *
sasl_changed(void)
{
	return (dict_maps_changed(sasl_ctx.maps));
}

/* Is 'word' (len bytes) an element of the list, ignoring case? */
static int
sasl_in_list(const char *list, const char *word, size_t len)
{
	const char *s = list, *w;
	size_t	n;

	if (list == NULL)
		return (0);
	while ((n = sasl_word(&s, &w)) > 0)
		if (n == len && strncasecmp(w, word, len) == 0)
			return (1);
	return (0);
}

/* resolve_local(), for the user-only keys: $mydestination names. */
static int
sasl_is_local(const char *domain, void *ctx)
{
	(void)ctx;
	return (sasl_in_list(sasl_ctx.local_domains, domain, strlen(domain)));
}

/* The host of a nexthop element: "[h]:port" -> "h", "h:port" -> "h". */
static size_t
sasl_dest_host(const char *dest, const char **host)
{
	const char *e;

	if (*dest == '[') {
		*host = dest + 1;
		e = strchr(dest, ']');
		return (e != NULL ? (size_t)(e - dest - 1) : 0);
	}
	*host = dest;
	e = strrchr(dest, ':');
	return (e != NULL ? (size_t)(e - dest) : strlen(dest));
}

/* What a destination of a job was given so far. */
#define SASL_GIVEN_NOTHING	0
#define SASL_GIVEN_PASSWORD	1
#define SASL_GIVEN_USER		2

int
sasl_cram_md5(const char *user, const char *password,
    const char *challenge_b64, char *out, size_t outsz)
{
	unsigned char chal[SJ_SASL_CHALLENGE_MAX], mac[EVP_MAX_MD_SIZE];
	char	plain[SJ_SASL_FIELD_MAX + 1 + 2 * 16 + 1];
	unsigned maclen = 0, i;
	size_t	clen, n;
	long	len;

	if (base64_decode(chal, sizeof(chal), challenge_b64,
	    strlen(challenge_b64), &clen) < 0)
		return (-EINVAL);
	if (HMAC(EVP_md5(), password, (int)strlen(password), chal, clen, mac,
	    &maclen) == NULL || maclen != 16)
		return (-EINVAL);
	n = (size_t)snprintf(plain, sizeof(plain), "%s ", user);
	for (i = 0; i < maclen && n + 2 < sizeof(plain); i++)
		n += (size_t)snprintf(plain + n, sizeof(plain) - n, "%02x",
		    mac[i]);
	explicit_bzero(mac, sizeof(mac));
	len = base64_encode(out, outsz, plain, n);
	explicit_bzero(plain, sizeof(plain));
	return (len < 0 ? -ENOSPC : 0);
}

/* FNV-1a of a destination, case folded as the list comparison. */
static uint64_t
sasl_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return (h);
}

int
sasl_answer(struct sasl_job *job, uint32_t job_id,
    const struct ipc_sasl_req *req, struct ipc_sasl_cred *out, char *why,
    size_t whysz)
{
	struct sasl_ctx *c = &sasl_ctx;
	char	value[DICT_VALUE_MAX + 1], lwhy[512];
	const char *h, *colon;
	size_t	hlen, ulen, plen;
	uint64_t hash;
	unsigned d;
	int	rc = 0, host_ok;

	memset(out, 0, sizeof(*out));
	out->job_id = job_id;
	if (!c->enabled || c->maps == NULL) {
		snprintf(why, whysz, "SASL_REQ with smtp_sasl_auth_enable = no");
		return (-1);
	}
	if (req->job_id != job_id) {
		snprintf(why, whysz, "SASL_REQ for job %u, expected job %u",
		    req->job_id, job_id);
		return (-1);
	}
	hash = sasl_hash(req->dest);
	for (d = 0; d < job->nasked; d++)
		if (job->asked[d] == hash)
			break;
	if (d == job->nasked) {
		if (job->nasked >= SASL_JOB_DESTS_MAX) {
			snprintf(why, whysz, "more than %d SASL destinations "
			    "in job %u", SASL_JOB_DESTS_MAX, job_id);
			return (-1);
		}
		if (!sasl_in_list(job->nexthop, req->dest,
		    strlen(req->dest)) && !sasl_in_list(c->fallback,
		    req->dest, strlen(req->dest))) {
			snprintf(why, whysz, "SASL_REQ for destination "
			    "\"%.100s\", not the job's nexthop \"%.100s\" nor "
			    "a fallback relay", req->dest, job->nexthop);
			return (-1);
		}
		job->asked[d] = hash;
		job->given[d] = SASL_GIVEN_NOTHING;
		job->ncram[d] = 0;
		job->nexists[d] = 0;
		job->nasked++;
	}
	/* The order per destination: the password once and only when the
	 * username was not asked for; responses only after the username. */
	switch (req->kind) {
	case IPC_SASL_ASK_PASSWORD:
	case IPC_SASL_ASK_USER:
		if (job->given[d] != SASL_GIVEN_NOTHING) {
			snprintf(why, whysz, "second SASL_REQ for destination "
			    "\"%.100s\" in job %u", req->dest, job_id);
			return (-1);
		}
		job->given[d] = req->kind == IPC_SASL_ASK_USER ?
		    SASL_GIVEN_USER : SASL_GIVEN_PASSWORD;
		break;
	case IPC_SASL_ASK_EXISTS:
		/* The status only: it changes nothing the child may get. */
		if (job->nexists[d] >= SASL_EXISTS_PER_DEST_MAX) {
			snprintf(why, whysz, "more than %d SASL_REQ (exists) "
			    "for destination \"%.100s\" in job %u",
			    SASL_EXISTS_PER_DEST_MAX, req->dest, job_id);
			return (-1);
		}
		job->nexists[d]++;
		break;
	default:
		if (job->given[d] != SASL_GIVEN_USER) {
			snprintf(why, whysz, "CRAM-MD5 SASL_REQ for destination "
			    "\"%.100s\" in job %u before its username",
			    req->dest, job_id);
			return (-1);
		}
		if (job->ncram[d] >= SASL_CRAM_PER_DEST_MAX) {
			snprintf(why, whysz, "more than %d CRAM-MD5 SASL_REQ for "
			    "destination \"%.100s\" in job %u",
			    SASL_CRAM_PER_DEST_MAX, req->dest, job_id);
			return (-1);
		}
		job->ncram[d]++;
		break;
	}
	hlen = sasl_dest_host(req->dest, &h);
	host_ok = hlen > 0 && strlen(req->host) == hlen &&
	    strncasecmp(req->host, h, hlen) == 0;

	lwhy[0] = '\0';
	if (c->sender_dep && job->sender[0] != '\0')
		rc = dict_maps_find_addr(c->maps, job->sender, c->delim,
		    sasl_is_local, NULL, value, sizeof(value), lwhy,
		    sizeof(lwhy));
	if (rc == 0 && host_ok)
		rc = dict_maps_find(c->maps, req->host, 0, value,
		    sizeof(value), lwhy, sizeof(lwhy));
	if (rc == 0)
		rc = dict_maps_find(c->maps, req->dest, 0, value,
		    sizeof(value), lwhy, sizeof(lwhy));
	if (rc == 0) {
		out->status = IPC_SASL_NONE;
		return (0);
	}
	if (rc < 0) {
		msg_warn("%s lookup error: %s", SASL_PARAM,
		    lwhy[0] ? lwhy : strerror(-rc));
		out->status = IPC_SASL_ERROR;
		return (0);
	}
	if (req->kind == IPC_SASL_ASK_EXISTS) {
		/* Postfix HAVE_SASL_CREDENTIALS: found, whatever its form. */
		out->status = IPC_SASL_FOUND;
		explicit_bzero(value, sizeof(value));
		return (0);
	}
	colon = strchr(value, ':');
	ulen = colon != NULL ? (size_t)(colon - value) : strlen(value);
	plen = colon != NULL ? strlen(colon + 1) : 0;
	if (ulen > SJ_SASL_FIELD_MAX || plen > SJ_SASL_FIELD_MAX) {
		msg_warn("%s: username or password longer than %d bytes",
		    SASL_PARAM, SJ_SASL_FIELD_MAX);
		out->status = IPC_SASL_ERROR;
	} else {
		out->status = IPC_SASL_FOUND;
		memcpy(out->username, value, ulen);
		out->username[ulen] = '\0';
		if (colon != NULL && req->kind != IPC_SASL_ASK_USER)
			memcpy(out->password, colon + 1, plen + 1);
		if (req->kind == IPC_SASL_ASK_CRAM_MD5) {
			if (sasl_cram_md5(out->username, out->password,
			    req->challenge, out->response,
			    sizeof(out->response)) < 0) {
				msg_warn("%s: bad CRAM-MD5 challenge from "
				    "server %.100s", SASL_PARAM, req->host);
				out->status = IPC_SASL_ERROR;
			}
			/* The password stays here. */
			explicit_bzero(out->password, sizeof(out->password));
		}
	}
	explicit_bzero(value, sizeof(value));
	return (0);
}
