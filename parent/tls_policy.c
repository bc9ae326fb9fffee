/*
 * NAME
 *	tls_policy 3
 * SUMMARY
 *	smtp_tls_policy_maps: the TLS policy of one nexthop, at delivery time
 * DESCRIPTION
 *	As Postfix 3.7's smtp(8) (src/smtp/smtp_tls_policy.c), the table is
 *	read when a job is delivered, never at start: tls_policy_lookup()
 *	searches the request's nexthop as it is (with its "[...]" and
 *	":port" forms); when that is a host name, then each parent domain
 *	with its leading dot (".example.com", ".com"), stopping at the
 *	first entry or at the first error (tls_policy_lookup()). The
 *	tables are opened with DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX (keys
 *	folded to lower case), as maps_create() there.
 *
 *	The value is a security level and attributes, separated by commas
 *	or white space, "{ name = value }" keeping white space inside
 *	(tls_policy_lookup_one()): ciphers= (a grade), protocols=, exclude=
 *	(replaces smtp_tls_exclude_ciphers and the mandatory exclusions),
 *	servername=, match= (verify and secure: names split on ':';
 *	fingerprint: digests split on '|'; may appear more than once),
 *	tafile= (verify and secure: trust anchor files, read now by
 *	parent/tls_tafile.c; may appear more than once; they replace
 *	smtp_tls_trust_anchor_file, which applies when the entry names
 *	none, as policy_create() there), connection_reuse=yes|no (the
 *	entry's choice over smtp_tls_connection_reuse; the child keeps
 *	the connection, child/conn_cache.c). The levels dane and
 *	dane-only are the child's to resolve per server (its TLSA
 *	lookups, child/dane_server.c), as main.cf's are. Anything Postfix
 *	refuses is refused here with Postfix's warning: the job is
 *	deferred with 4.7.5 "client TLS configuration problem" (Postfix's
 *	MARK_INVALID()), never delivered with less. A level below "may"
 *	ignores its attributes with a warning each, as Postfix.
 *
 *	Where the entry says nothing, main.cf's setting of the resulting
 *	level applies (policy_create(), set_cipher_grade()): protocols
 *	and cipher grade of "may" or of the mandatory levels, the match
 *	list of verify or secure, the fingerprints, smtp_tls_servername.
 *	The result is a complete struct sj_tls_config for the job; what a
 *	policy can change travels to the child in one TLS_POLICY message
 *	(tls_policy_to_ipc()), followed by one TLS_ANCHOR per trust anchor
 *	of its tafile= attributes (tls_policy_anchor_to_ipc(); at most
 *	SJ_TLS_TA_MAX of at most SJ_TLS_TA_DER_MAX bytes, else the entry is
 *	refused with a warning and the job deferred 4.7.5), and the
 *	parent formats the job's TLS log
 *	lines with the job's log mask (verification failures are logged
 *	at the levels that match a certificate).
 *
 *	smtp_fallback_relay with a policy table is refused at start:
 *	Postfix looks the fallback relay's own policy up, and smtpjail
 *	resolves only the request's nexthop.
 * SECURITY
 *	Parent. The tables are configuration (trusted); the nexthop comes
 *	from qmgr (trusted). Nothing here comes from the child.
 * SEE ALSO
 *	Postfix src/smtp/smtp_tls_policy.c, src/util/mystrtok.c (mystrtokq),
 *	src/util/extpar.c, src/util/split_nameval.c, postconf(5)
 *	smtp_tls_policy_maps, parent/cfg_tls.c, child/tls_jobpol.c
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_params.h"
#include "dict.h"
#include "msg.h"
#include "sj_config.h"
#include "tls_policy.h"

#define TLS_POLICY_PARAM	"smtp_tls_policy_maps"

/* Postfix tls.h TLS_LEV_NOTFOUND. */
#define TLS_LEV_NOTFOUND	(-1)

static struct tls_policy_ctx {
	struct sj_params *p;
	const struct sj_tls_config *global;
	const char *spec;		/* $smtp_tls_policy_maps */
	struct dict_env env;
	int	dict_flags;
	struct dict_maps *maps;
	struct sj_tls_tas tas;		/* the entry's tafile= anchors */
} tls_policy_ctx;

int
tls_policy_config(struct sj_params *p, const struct sj_tls_config *global,
    int smtputf8, int ipc_timeout, char *why, size_t whysz)
{
	struct tls_policy_ctx *c = &tls_policy_ctx;
	const char *v;
	int	rc;

	c->p = p;
	c->global = global;
	if ((rc = sj_params_get_str(p, TLS_POLICY_PARAM, &c->spec, why,
	    whysz)) < 0)
		return (rc);
	if (c->spec[strspn(c->spec, ", \t\r\n")] == '\0') {
		c->spec = NULL;
		return (0);
	}
	if ((rc = sj_params_get_str(p, "smtp_fallback_relay", &v, why,
	    whysz)) < 0)
		return (rc);
	if (v[strspn(v, ", \t\r\n")] != '\0') {
		snprintf(why, whysz, "smtp_fallback_relay with "
		    "smtp_tls_policy_maps is not implemented by smtpjail (the "
		    "fallback relay's own TLS policy would not be looked up): "
		    "refusing to start");
		return (-EINVAL);
	}
	if ((rc = sj_params_get_str(p, "proxy_read_maps",
	    &c->env.proxy_read_maps, why, whysz)) < 0 ||
	    (rc = sj_params_get_str(p, "proxymap_service_name",
	    &c->env.proxymap_service, why, whysz)) < 0)
		return (rc);
	c->env.ipc_timeout = ipc_timeout;
	c->env.private_dir = "private";
	c->dict_flags = DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX |
	    (smtputf8 ? DICT_FLAG_UTF8_REQUEST : 0);
	return (0);
}

int
tls_policy_open(char *why, size_t whysz)
{
	struct tls_policy_ctx *c = &tls_policy_ctx;

	if (c->spec == NULL || c->maps != NULL)
		return (0);
	c->maps = dict_maps_open(TLS_POLICY_PARAM, c->spec, c->dict_flags,
	    &c->env, why, whysz);
	return (c->maps == NULL ? -1 : 0);
}

void
tls_policy_set_maps(struct dict_maps *m)
{
	if (tls_policy_ctx.maps != m)
		dict_maps_close(tls_policy_ctx.maps);
	tls_policy_ctx.maps = m;
}

int
tls_policy_enabled(void)
{
	return (tls_policy_ctx.maps != NULL);
}

const char *
tls_policy_changed(void)
{
	return (dict_maps_changed(tls_policy_ctx.maps));
}

/* Postfix tls_level_lookup() names (half-dane is never configured). */
static int
tls_policy_level(const char *name)
{
	static const char *const names[] = {
		[SJ_TLS_LEV_NONE] = "none",
		[SJ_TLS_LEV_MAY] = "may",
		[SJ_TLS_LEV_ENCRYPT] = "encrypt",
		[SJ_TLS_LEV_FPRINT] = "fingerprint",
		[SJ_TLS_LEV_VERIFY] = "verify",
		[SJ_TLS_LEV_SECURE] = "secure",
		[SJ_TLS_LEV_DANE] = "dane",
		[SJ_TLS_LEV_DANE_ONLY] = "dane-only",
	};
	int	i;

	for (i = 0; i <= SJ_TLS_LEV_DANE_ONLY; i++)
		if (strcasecmp(name, names[i]) == 0)
			return (i);
	return (-1);
}

/*
 * Postfix mystrtokq(&s, CHARS_COMMA_SP, CHARS_BRACE): the next token,
 * a "{...}" group (nested braces counted) kept whole. NUL-terminates
 * the token in place; NULL at the end.
 */
static char *
tls_policy_token(char **sp)
{
	const char *seps = ", \t\r\n";
	char	*s = *sp, *tok;
	int	depth = 0;

	s += strspn(s, seps);
	if (*s == '\0') {
		*sp = s;
		return (NULL);
	}
	tok = s;
	for (; *s != '\0'; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}' && depth > 0)
			depth--;
		else if (depth == 0 && strchr(seps, *s) != NULL)
			break;
	}
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return (tok);
}

/*
 * Postfix extpar(EXTPAR_FLAG_STRIP | EXTPAR_FLAG_NORMAL_WS): "{ text }"
 * to "text", white space runs made one space. NULL or an error text.
 */
static const char *
tls_policy_extpar(char *tok)
{
	size_t	len = strlen(tok);
	char	*r, *w;

	if (len < 2 || tok[len - 1] != '}')
		return ("missing '}'");
	tok[len - 1] = '\0';
	for (r = w = tok + 1; *r != '\0'; r++) {
		if (isspace((unsigned char)*r)) {
			if (w > tok && w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	/* Strip: leading and trailing white space. */
	r = tok + 1;
	while (*r == ' ')
		r++;
	memmove(tok, r, strlen(r) + 1);
	len = strlen(tok);
	while (len > 0 && tok[len - 1] == ' ')
		tok[--len] = '\0';
	return (NULL);
}

/* Postfix split_nameval(): "name = value" in place. NULL or an error. */
static const char *
tls_policy_nameval(char *tok, char **name, char **value)
{
	char	*s = tok, *np, *vp;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '=' || *s == '\0')
		return ("missing attribute name");
	np = s;
	while (*s != '\0' && *s != '=' && !isspace((unsigned char)*s))
		s++;
	vp = s;
	while (isspace((unsigned char)*vp))
		vp++;
	if (*vp != '=')
		return ("missing '=' after attribute name");
	*s = '\0';
	vp++;
	while (isspace((unsigned char)*vp))
		vp++;
	s = vp + strlen(vp);
	while (s > vp && isspace((unsigned char)s[-1]))
		*--s = '\0';
	*name = np;
	*value = vp;
	return (NULL);
}

/* Postfix valid_hostname(DONT_GRIPE), for servername=. */
static int
tls_policy_hostname(const char *s)
{
	size_t	label = 0, len = strlen(s);
	int	non_numeric = 0;
	const char *p;

	if (len == 0 || len > 255)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return (0);
		if (label == 0 && *p == '-')
			return (0);
		if (!isdigit((unsigned char)*p))
			non_numeric = 1;
		if (++label > 63)
			return (0);
	}
	if (label == 0 || p[-1] == '-')
		return (0);
	return (non_numeric);
}

/* Append 'val' to 'dst' with 'sep' between; -1 when it does not fit. */
static int
tls_policy_append(char *dst, size_t dstsz, const char *val, char sep)
{
	char	sepstr[2] = { sep, '\0' };
	size_t	used = strlen(dst);
	int	n;

	n = snprintf(dst + used, dstsz - used, "%s%s", used ? sepstr : "",
	    val);
	return (n < 0 || (size_t)n >= dstsz - used ? -1 : 0);
}

#define WARN(...)	do { \
		snprintf(warn, warnsz, __VA_ARGS__); \
		return (-1); \
	} while (0)

/*
 * The attributes of one entry, and what main.cf says where the entry
 * is silent (Postfix policy_create()).
 */
int
tls_policy_apply(const char *where, const char *value,
    struct sj_tls_config *job, char *warn, size_t warnsz)
{
	struct tls_policy_ctx *c = &tls_policy_ctx;
	char	buf[DICT_VALUE_MAX + 1], why[512];
	char	match[DICT_VALUE_MAX + 1] = "";
	char	*s = buf, *tok, *name, *val;
	const char *grade = NULL, *protocols = NULL, *sni = NULL;
	const char *exclude = NULL, *own_protocols, *err, *v;
	int	level, have_match = 0, have_ta = 0;

	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		WARN("%s: policy longer than %d bytes", where, DICT_VALUE_MAX);
	if ((tok = tls_policy_token(&s)) == NULL)
		WARN("%s: invalid empty policy", where);
	if ((level = tls_policy_level(tok)) < 0)
		WARN("%s: invalid security level \"%s\"", where, tok);
	job->level = level;
	if (level < SJ_TLS_LEV_MAY) {
		while ((tok = tls_policy_token(&s)) != NULL)
			msg_warn("%s: ignoring attribute \"%s\" with TLS "
			    "disabled", where, tok);
		job->enabled = 0;
		job->log_mask = job->log_mask_cfg;
		goto wrapper;
	}
	while ((tok = tls_policy_token(&s)) != NULL) {
		if ((tok[0] == '{' && (err = tls_policy_extpar(tok)) != NULL) ||
		    (err = tls_policy_nameval(tok, &name, &val)) != NULL)
			WARN("%s: malformed attribute/value pair \"%s\": %s",
			    where, tok, err);
		if (strcasecmp(name, "ciphers") == 0) {
			if (*val == '\0')
				WARN("%s: attribute \"%s\" has empty value",
				    where, name);
			if (grade != NULL)
				WARN("%s: attribute \"%s\" is specified "
				    "multiple times", where, name);
			grade = val;
		} else if (strcasecmp(name, "protocols") == 0) {
			if (protocols != NULL)
				WARN("%s: attribute \"%s\" is specified "
				    "multiple times", where, name);
			protocols = val;
		} else if (strcasecmp(name, "servername") == 0) {
			if (sni != NULL)
				WARN("%s: attribute \"%s\" is specified "
				    "multiple times", where, name);
			if (!tls_policy_hostname(val))
				WARN("%s: \"%s=%s\" specifies an invalid "
				    "hostname", where, name, val);
			sni = val;
		} else if (strcasecmp(name, "match") == 0) {
			if (*val == '\0')
				WARN("%s: attribute \"%s\" has empty value",
				    where, name);
			if (level != SJ_TLS_LEV_FPRINT &&
			    level != SJ_TLS_LEV_VERIFY &&
			    level != SJ_TLS_LEV_SECURE)
				WARN("%s: attribute \"%s\" invalid at security "
				    "level \"%s\"", where, name,
				    sj_tls_level_name(level));
			if (tls_policy_append(match, sizeof(match), val,
			    level == SJ_TLS_LEV_FPRINT ? '|' : ':') < 0)
				WARN("%s: attribute \"%s\": too long", where,
				    name);
			have_match = 1;
		} else if (strcasecmp(name, "exclude") == 0) {
			if (exclude != NULL)
				WARN("%s: attribute \"%s\" is specified "
				    "multiple times", where, name);
			exclude = val;
		} else if (strcasecmp(name, "tafile") == 0) {
			/* Postfix TLS_MUST_PKIX(): CA-based trust only. */
			if (level != SJ_TLS_LEV_VERIFY &&
			    level != SJ_TLS_LEV_SECURE)
				WARN("%s: attribute \"%s\" invalid at security "
				    "level \"%s\"", where, name,
				    sj_tls_level_name(level));
			if (*val == '\0')
				WARN("%s: attribute \"%s\" has empty value",
				    where, name);
			if (!have_ta)
				c->tas.n = 0;
			have_ta = 1;
			/* Postfix logs the reader's warning alone. */
			if (tls_tafile_load(val, &c->tas, why,
			    sizeof(why)) < 0)
				WARN("%s", why);
		} else if (strcasecmp(name, "connection_reuse") == 0) {
			/* Postfix smtp_tls_policy.c: last one wins. */
			if (strcasecmp(val, "yes") == 0)
				job->conn_reuse = 1;
			else if (strcasecmp(val, "no") == 0)
				job->conn_reuse = 0;
			else
				WARN("%s: attribute \"%s\" has bad value: "
				    "\"%s\"", where, name, val);
		} else {
			WARN("%s: invalid attribute name: \"%s\"", where, name);
		}
	}

	/* main.cf where the entry is silent (policy_create()). */
	job->enabled = 1;
	own_protocols = protocols;
	if (protocols == NULL && sj_params_get_str(c->p, level ==
	    SJ_TLS_LEV_MAY ? "smtp_tls_protocols" :
	    "smtp_tls_mandatory_protocols", &protocols, why, sizeof(why)) < 0)
		WARN("%s: %s", where, why);
	if (sj_tls_protocols_parse(protocols, &job->protos, why,
	    sizeof(why)) < 0)
		WARN("%s: %s", where, why);
	if (sni != NULL)
		snprintf(job->servername, sizeof(job->servername), "%s", sni);
	else
		memcpy(job->servername, c->global->servername,
		    sizeof(job->servername));
	if (sj_tls_ciphers_build(job, c->p, grade, exclude, why,
	    sizeof(why)) < 0)
		WARN("%s: %s", where, why);
	/* dane, dane-only: the set of a server lowered to "may". */
	if (sj_tls_may_build(job, c->p, own_protocols, grade, exclude, why,
	    sizeof(why)) < 0)
		WARN("%s: %s", where, why);
	job->nfpt = 0;
	job->match[0] = '\0';
	if (level == SJ_TLS_LEV_FPRINT) {
		if (have_match)
			v = match;
		else if (sj_params_get_str(c->p,
		    "smtp_tls_fingerprint_cert_match", &v, why,
		    sizeof(why)) < 0)
			WARN("%s: %s", where, why);
		if (sj_tls_fpt_parse(job, v, have_match ? "|" : ", \t\r\n",
		    have_match ? "attribute \"match\"" :
		    "parameter smtp_tls_fingerprint_cert_match", why,
		    sizeof(why)) < 0)
			WARN("%s: %s", where, why);
	} else if (level == SJ_TLS_LEV_VERIFY || level == SJ_TLS_LEV_SECURE) {
		/* tafile= replaces main.cf's anchors (policy_create()). */
		if (have_ta)
			job->ta = &c->tas;
		if (!have_match && sj_params_get_str(c->p,
		    level == SJ_TLS_LEV_VERIFY ? "smtp_tls_verify_cert_match" :
		    "smtp_tls_secure_cert_match", &v, why, sizeof(why)) == 0)
			snprintf(match, sizeof(match), "%s", v);
		if (snprintf(job->match, sizeof(job->match), "%s", match) >=
		    (int)sizeof(job->match))
			WARN("%s: match list longer than %d bytes", where,
			    SJ_TLS_LIST_MAX - 1);
	}
	job->log_mask = job->log_mask_cfg |
	    (SJ_TLS_MUST_MATCH(level) ? SJ_TLS_LOG_UNTRUSTED : 0);
wrapper:
	/* Postfix smtp_connect.c skips every address then. */
	if (job->wrappermode && level < SJ_TLS_LEV_ENCRYPT)
		WARN("%s: smtp_tls_wrappermode requires \"security level "
		    "encrypt\" (or stronger), not \"%s\"", where,
		    sj_tls_level_name(level));
	return (0);
}

/* Is the nexthop a host name (Postfix valid_utf8_hostname())? */
static int
tls_policy_is_domain(const char *nexthop)
{
	const unsigned char *p;

	for (p = (const unsigned char *)nexthop; *p != '\0'; p++)
		if (*p >= 0x80)
			return (1);	/* UTF-8: Postfix checks it too */
	return (tls_policy_hostname(nexthop));
}

int
tls_policy_lookup(const char *nexthop, struct sj_tls_config *job)
{
	struct tls_policy_ctx *c = &tls_policy_ctx;
	char	value[DICT_VALUE_MAX + 1], why[512], where[DICT_KEY_MAX + 128];
	char	warn[DICT_VALUE_MAX + 1024];
	const char *site = nexthop;
	int	rc, single;

	if (c->maps == NULL)
		return (0);
	*job = *c->global;
	single = !tls_policy_is_domain(nexthop);
	for (;;) {
		snprintf(where, sizeof(where), "%s, %s \"%s\"",
		    TLS_POLICY_PARAM, "next-hop destination", site);
		rc = dict_maps_find(c->maps, site, 0, value, sizeof(value),
		    why, sizeof(why));
		if (rc < 0) {
			msg_warn("%s: policy table lookup error", where);
			return (-1);
		}
		if (rc > 0)
			break;
		/* Parent domains, ".example.com" then ".com". */
		if (single || (site = strchr(site + 1, '.')) == NULL)
			return (0);
	}
	if (tls_policy_apply(where, value, job, warn, sizeof(warn)) < 0) {
		msg_warn("%s", warn);
		*job = *c->global;
		return (-1);
	}
	return (1);
}

int
tls_policy_to_ipc(const struct sj_tls_config *t, uint32_t job_id,
    struct ipc_tls_policy *m, char *why, size_t whysz)
{
	size_t	i, k, used = 0;
	int	n;

	memset(m, 0, sizeof(*m));
	m->job_id = job_id;
	m->level = (uint32_t)t->level;
	m->proto_exclude = t->protos.exclude;
	m->proto_min = (uint32_t)t->protos.min_version;
	m->proto_max = (uint32_t)t->protos.max_version;
	memcpy(m->cipherlist, t->cipherlist, sizeof(m->cipherlist));
	m->may_proto_exclude = t->may_protos.exclude;
	m->may_proto_min = (uint32_t)t->may_protos.min_version;
	m->may_proto_max = (uint32_t)t->may_protos.max_version;
	memcpy(m->may_cipherlist, t->may_cipherlist,
	    sizeof(m->may_cipherlist));
	memcpy(m->match, t->match, sizeof(m->match));
	memcpy(m->servername, t->servername, sizeof(m->servername));
	memcpy(m->fpt_digest, t->fpt_digest, sizeof(m->fpt_digest));
	m->conn_reuse = t->conn_reuse != 0;
	/* The entry's own anchors; main.cf's the child has already. */
	if ((t->level == SJ_TLS_LEV_VERIFY || t->level == SJ_TLS_LEV_SECURE)
	    && t->ta != NULL && (tls_policy_ctx.global == NULL ||
	    t->ta != tls_policy_ctx.global->ta))
		m->ta_count = (uint32_t)t->ta->n;
	for (i = 0; i < t->nfpt; i++) {
		for (k = 0; k < t->fpt_len[i]; k++) {
			n = snprintf(m->fpt + used, sizeof(m->fpt) - used,
			    "%s%02x", i > 0 && k == 0 ? "," : "",
			    t->fpt[i][k]);
			if (n < 0 || (size_t)n >= sizeof(m->fpt) - used) {
				snprintf(why, whysz, "%s: the fingerprints of "
				    "this policy exceed %d bytes",
				    TLS_POLICY_PARAM, SJ_TLS_FPT_TEXT_MAX);
				return (-1);
			}
			used += (size_t)n;
		}
	}
	return (0);
}

int
tls_policy_anchor_to_ipc(const struct sj_tls_config *t, uint32_t job_id,
    uint32_t index, struct ipc_tls_anchor *m)
{
	static const char hex[] = "0123456789abcdef";
	const struct sj_tls_ta *a;
	size_t	k;

	if (t->ta == NULL || index >= t->ta->n)
		return (-1);
	a = &t->ta->a[index];
	memset(m, 0, sizeof(*m));
	m->job_id = job_id;
	m->index = index;
	m->kind = (uint32_t)a->kind;
	/* tls_tafile_load() bounds a->len by SJ_TLS_TA_DER_MAX. */
	for (k = 0; k < a->len; k++) {
		m->der[2 * k] = hex[a->der[k] >> 4];
		m->der[2 * k + 1] = hex[a->der[k] & 0xf];
	}
	return (0);
}
