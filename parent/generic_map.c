/*
 * NAME
 *	generic_map 3
 * SUMMARY
 *	smtp_generic_maps lookups in the parent (Postfix mail_addr_map)
 * DESCRIPTION
 *	See generic_map.h. One address in, one address out, with the
 *	search order and result handling of Postfix's
 *	mail_addr_map_internal() as smtp(8) calls it (src/smtp/smtp_map11.c,
 *	src/global/mail_addr_map.c, mail_addr_find.c with MA_FIND_DEFAULT
 *	and keys in external, quoted, form):
 *
 *	1. user+ext@domain, in every table (patterns too);
 *	2. user@domain, the extension after the first $recipient_delimiter
 *	   character removed (fixed-string tables only, as all that
 *	   follows); never for postmaster, mailer-daemon, double-bounce,
 *	   nor owner-foo or foo-request when '-' is a delimiter
 *	   (src/global/split_addr.c, owner_request_special = yes);
 *	3. when the domain is $myorigin or in $mydestination: user+ext,
 *	   then user;
 *	4. @domain.
 *
 *	A result "@otherdomain" gets the address's local part (without the
 *	extension when the match was on a key without it). The result is
 *	one address (of a list, the first, as smtp_map11_internal() does
 *	with a multi-valued result); an address without a domain gets
 *	"@$myorigin" (canon_addr_external(): trivial-rewrite's
 *	append_at_myorigin). With "generic" in
 *	$propagate_unmatched_extensions the unmatched extension goes back
 *	in front of the '@'.
 * SECURITY
 *	Parent only. The address may come from the child (a header of the
 *	hostile message): it is bounded by DICT_KEY_MAX before any copy,
 *	and every key and result is built with explicit bounds.
 * SEE ALSO
 *	Postfix src/global/mail_addr_map.c, mail_addr_find.c, split_addr.c,
 *	strip_addr.c, quote_822_local.c, src/smtp/smtp_map11.c; generic(5)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_params.h"
#include "child_ctl.h"
#include "dict.h"
#include "dreq.h"
#include "generic_map.h"
#include "ipc_chan.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"
#include "sj_limits.h"

#define GENERIC_PARAM	"smtp_generic_maps"

static int
gm_cntrl(int ch)
{
	return (ch < 32 || ch == 127);
}

/* Postfix is_822_dot_string() with 8-bit data left alone. */
static int
gm_dot_string(const char *p, const char *end)
{
	const char *cp;

	if (p == end || *p == '.')
		return (0);
	for (cp = p; cp < end; cp++) {
		if (*cp == '.' && cp + 1 < end && cp[1] == '.')
			return (0);
		if (*cp == ' ' || gm_cntrl((unsigned char)*cp) ||
		    strchr("()<>@,;:\\\"[]", *cp) != NULL)
			return (0);
	}
	return (cp[-1] != '.');
}

int
generic_map_quote(const char *addr, int bare, char *out, size_t outsz)
{
	const char *start = addr, *end, *colon, *cp;
	size_t	n = 0, len = strlen(addr);

#define GM_PUT(c) do { \
	if (n + 1 >= outsz) \
		return (-ENOSPC); \
	out[n++] = (c); \
    } while (0)

	if (addr[0] == '@' && (colon = strchr(addr, ':')) != NULL)
		start = colon + 1;
	if (bare || (end = strrchr(start, '@')) == NULL)
		end = addr + len;
	if (gm_dot_string(start, end)) {
		if (len >= outsz)
			return (-ENOSPC);
		memcpy(out, addr, len + 1);
		return (0);
	}
	for (cp = addr; cp < start; cp++)
		GM_PUT(*cp);
	GM_PUT('"');
	for (cp = start; cp < end; cp++) {
		if (*cp == '"' || *cp == '\\' || *cp == '\r')
			GM_PUT('\\');
		GM_PUT(*cp);
	}
	GM_PUT('"');
	for (cp = end; *cp; cp++)
		GM_PUT(*cp);
	out[n] = '\0';
	return (0);
#undef GM_PUT
}

int
generic_map_unquote(const char *addr, char *out, size_t outsz)
{
	const char *start = addr, *colon, *cp, *bare_at = NULL;
	size_t	n = 0, at_pos = 0;
	int	in_quote = 0;

	if (addr[0] == '@' && (colon = strchr(addr, ':')) != NULL) {
		start = colon + 1;
		if ((size_t)(start - addr) >= outsz)
			return (-ENOSPC);
		memcpy(out, addr, (size_t)(start - addr));
		n = (size_t)(start - addr);
	}
	for (cp = start; *cp; cp++) {
		if (*cp == '"') {
			in_quote = !in_quote;
			continue;
		} else if (*cp == '@') {
			if (!in_quote) {
				at_pos = n;
				bare_at = cp;
			}
		} else if (*cp == '\\') {
			if (cp[1] == '\0')
				continue;
			cp++;
		}
		if (n + 1 >= outsz)
			return (-ENOSPC);
		out[n++] = *cp;
	}
	if (bare_at != NULL) {
		/* The text after the last unquoted '@' as written. */
		if (at_pos + strlen(bare_at) >= outsz)
			return (-ENOSPC);
		memcpy(out + at_pos, bare_at, strlen(bare_at) + 1);
		return (0);
	}
	out[n] = '\0';
	return (0);
}

/* split_addr_internal(): the length of the base, or 0: do not split. */
static size_t
gm_split(const char *local, size_t len, const char *delim)
{
	size_t	base;

	if ((len == 10 && strncasecmp(local, "postmaster", 10) == 0) ||
	    (len == 13 && strncasecmp(local, "mailer-daemon", 13) == 0) ||
	    (len == 13 && strncasecmp(local, "double-bounce", 13) == 0))
		return (0);
	if (strchr(delim, '-') != NULL) {
		if (len >= 6 && strncasecmp(local, "owner-", 6) == 0)
			return (0);
		if (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0)
			return (0);
	}
	for (base = 0; base < len && strchr(delim, local[base]) == NULL;
	    base++)
		;
	return (base == 0 || base == len ? 0 : base);
}

/* Postfix's list of domains: separated by commas and white space. */
static int
gm_in_list(const char *list, const char *word)
{
	const char *s = list;
	size_t	n, wl = strlen(word);

	if (list == NULL)
		return (0);
	for (;;) {
		s += strspn(s, ", \t\r\n");
		if (*s == '\0')
			return (0);
		n = strcspn(s, ", \t\r\n");
		if (n == wl && strncasecmp(s, word, n) == 0)
			return (1);
		s += n;
	}
}

/* The length of the first element of a result list: up to a comma
 * outside quotes, comments and brackets (tok822's list separator). */
static size_t
gm_first(const char *r)
{
	const char *p;
	int	quote = 0, depth = 0;

	for (p = r; *p; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quote = !quote;
		else if (quote)
			continue;
		else if (*p == '(' || *p == '[')
			depth++;
		else if ((*p == ')' || *p == ']') && depth > 0)
			depth--;
		else if (*p == ',' && depth == 0)
			break;
	}
	return ((size_t)(p - r));
}

/* find_addr() with MA_FORM_EXTERNAL: the key quoted as Postfix does. */
static int
gm_find(const struct generic_map *g, const char *key, int bare, int flags,
    char *out, size_t outsz, char *why, size_t whysz)
{
	char	ext[DICT_KEY_MAX * 2 + 3];

	if (generic_map_quote(key, bare, ext, sizeof(ext)) < 0) {
		snprintf(why, whysz, "smtp_generic_maps: key too long");
		return (-EINVAL);
	}
	return (dict_maps_find(g->maps, ext, flags, out, outsz, why, whysz));
}

int
generic_map_addr(const struct generic_map *g, const char *addr, char *out,
    size_t outsz, char *why, size_t whysz)
{
	char	val[DICT_VALUE_MAX + 1], key[DICT_KEY_MAX + 1];
	char	res[DICT_VALUE_MAX + DICT_KEY_MAX + 2];
	char	ext_res[sizeof(res) * 2 + 3];
	const char *at, *ext = NULL, *r, *lt, *gt;
	size_t	len = strlen(addr), ulen, base = 0, elen = 0, n;
	int	rc;

	if (len > DICT_KEY_MAX) {
		snprintf(why, whysz, "smtp_generic_maps: address longer than "
		    "%d bytes", DICT_KEY_MAX);
		return (-EINVAL);
	}
	at = strrchr(addr, '@');
	ulen = at != NULL ? (size_t)(at - addr) : len;
	if (g->delim != NULL && *g->delim != '\0')
		base = gm_split(addr, ulen, g->delim);

	/* 1. user+ext@domain, every table. */
	rc = gm_find(g, addr, 0, 0, val, sizeof(val), why, whysz);
	/* 2. user@domain, fixed tables. */
	if (rc == 0 && base > 0) {
		snprintf(key, sizeof(key), "%.*s%s", (int)base, addr,
		    at != NULL ? at : "");
		if ((rc = gm_find(g, key, 0, DICT_FLAG_FIXED, val, sizeof(val),
		    why, whysz)) > 0)
			ext = addr + base;
	}
	/* 3. user+ext, user: local domains only. */
	if (rc == 0 && at != NULL && (strcasecmp(at + 1, g->myorigin) == 0 ||
	    gm_in_list(g->mydestination, at + 1))) {
		snprintf(key, sizeof(key), "%.*s", (int)ulen, addr);
		rc = gm_find(g, key, 1, DICT_FLAG_FIXED, val, sizeof(val), why,
		    whysz);
		if (rc == 0 && base > 0) {
			snprintf(key, sizeof(key), "%.*s", (int)base, addr);
			if ((rc = gm_find(g, key, 1, DICT_FLAG_FIXED, val,
			    sizeof(val), why, whysz)) > 0)
				ext = addr + base;
		}
	}
	/* 4. @domain (as is, not quoted). */
	if (rc == 0 && at != NULL)
		rc = dict_maps_find(g->maps, at, DICT_FLAG_FIXED, val,
		    sizeof(val), why, whysz);
	if (rc <= 0)
		return (rc);
	if (ext != NULL)
		elen = ulen - (size_t)(ext - addr);

	/* "@otherdomain": the local part in front, quoted. */
	r = val;
	if (val[0] == '@') {
		snprintf(res, sizeof(res), "%.*s%s", (int)(ulen - elen), addr,
		    val);
		if (generic_map_quote(res, 0, ext_res, sizeof(ext_res)) < 0)
			goto toolong;
		r = ext_res;
	}
	/* mail_addr_crunch(): one address of the result (the first). */
	r += strspn(r, " \t");
	n = gm_first(r);
	if (r[n] == ',' && r[n + 1 + strspn(r + n + 1, ", \t")] != '\0')
		msg_warn("multi-valued %s result for %s", GENERIC_PARAM, addr);
	if ((lt = memchr(r, '<', n)) != NULL &&
	    (gt = memchr(lt, '>', n - (size_t)(lt - r))) != NULL) {
		r = lt + 1;
		n = (size_t)(gt - lt - 1);
	}
	while (n > 0 && (r[n - 1] == ' ' || r[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(res)) {
		snprintf(why, whysz, "smtp_generic_maps lookup of %s returns "
		    "non-address result \"%s\"", addr, val);
		return (-EINVAL);
	}
	memmove(res, r, n);
	res[n] = '\0';
	if (generic_map_unquote(res, key, sizeof(key)) < 0)
		goto toolong;
	/* canon_addr_external(): a bare user gets @$myorigin. */
	if (strchr(key, '@') == NULL)
		rc = snprintf(res, sizeof(res), "%s@%s", key, g->myorigin);
	else
		rc = snprintf(res, sizeof(res), "%s", key);
	if (rc < 0 || (size_t)rc >= sizeof(res))
		goto toolong;
	/* The unmatched extension, when propagated: before the last '@'. */
	if (g->propagate && elen > 0) {
		at = strrchr(res, '@');
		rc = snprintf(out, outsz, "%.*s%.*s%s", (int)(at - res), res,
		    (int)elen, ext, at);
	} else {
		rc = snprintf(out, outsz, "%s", res);
	}
	if (rc < 0 || (size_t)rc >= outsz)
		goto toolong;
	return (1);
toolong:
	snprintf(why, whysz, "smtp_generic_maps: result for %s too long",
	    addr);
	return (-ENOSPC);
}

/* ------------------------------------------------------------------ */
/* The process's tables                                                */

static struct generic_ctx {
	int	enabled;
	char	*spec;			/* $smtp_generic_maps */
	char	*delim, *myorigin, *mydest;
	char	*proxy_read_maps, *proxymap_service;
	struct dict_env env;
	int	dict_flags;
	struct generic_map gm;
} generic_ctx;

int
generic_map_config(struct sj_config *cfg, char *why, size_t whysz)
{
	struct generic_ctx *c = &generic_ctx;
	struct sj_params *p = cfg->params;
	const char *prop, *v;
	char	pwhy[256];
	int	rc;

	/* Not in every parameter store: undefined is Postfix's "". */
	if ((v = sj_params_get(p, GENERIC_PARAM, why, whysz)) == NULL &&
	    why[0] != '\0')
		return (-EINVAL);
	free(c->spec);
	if ((c->spec = strdup(v != NULL ? v : "")) == NULL) {
		snprintf(why, whysz, "parameter %s: out of memory",
		    GENERIC_PARAM);
		return (-ENOMEM);
	}
	c->enabled = c->spec[strspn(c->spec, ", \t\r\n")] != '\0';
	if (!c->enabled)
		return (0);
	cfg->child.flags |= IPC_CF_GENERIC;
	if ((rc = sj_params_dup_str(p, "recipient_delimiter", &c->delim,
	    why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "myorigin", &c->myorigin, why,
	    whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "mydestination", &c->mydest, why,
	    whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxy_read_maps",
	    &c->proxy_read_maps, why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxymap_service_name",
	    &c->proxymap_service, why, whysz)) < 0)
		return (rc);
	/* Postfix's default: canonical, virtual (no "generic"). */
	prop = sj_params_get(p, "propagate_unmatched_extensions", pwhy,
	    sizeof(pwhy));
	c->gm.propagate = prop != NULL && gm_in_list(prop, "generic");
	c->env.proxy_read_maps = c->proxy_read_maps;
	c->env.proxymap_service = c->proxymap_service;
	c->env.ipc_timeout = (int)cfg->ipc_timeout;
	c->env.private_dir = "private";
	/* smtp.c: maps_create(VAR_SMTP_GENERIC_MAPS, ..., DICT_FLAG_LOCK |
	 * DICT_FLAG_FOLD_FIX | DICT_FLAG_UTF8_REQUEST). */
	c->dict_flags = DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX |
	    (cfg->smtputf8_enable ? DICT_FLAG_UTF8_REQUEST : 0);
	c->gm.delim = c->delim;
	c->gm.myorigin = c->myorigin;
	c->gm.mydestination = c->mydest;
	return (0);
}

int
generic_map_open(char *why, size_t whysz)
{
	struct generic_ctx *c = &generic_ctx;

	if (!c->enabled || c->gm.maps != NULL)
		return (0);
	c->gm.maps = dict_maps_open(GENERIC_PARAM, c->spec, c->dict_flags,
	    &c->env, why, whysz);
	return (c->gm.maps == NULL ? -1 : 0);
}

int
generic_map_enabled(void)
{
	return (generic_ctx.enabled);
}

const char *
generic_map_changed(void)
{
	return (generic_ctx.gm.maps != NULL ?
	    dict_maps_changed(generic_ctx.gm.maps) : NULL);
}

int
generic_map_envelope(const char *addr, char *out, size_t outsz, char *why,
    size_t whysz)
{
	int	rc;

	if (*addr == '\0' || !generic_ctx.enabled ||
	    generic_ctx.gm.maps == NULL) {
		if (strlen(addr) >= outsz) {
			snprintf(why, whysz, "address longer than smtpjail's "
			    "limit");
			return (-ENOSPC);
		}
		memcpy(out, addr, strlen(addr) + 1);
		return (0);
	}
	if ((rc = generic_map_addr(&generic_ctx.gm, addr, out, outsz, why,
	    whysz)) < 0)
		return (rc);
	if (rc == 0) {
		if (strlen(addr) >= outsz) {
			snprintf(why, whysz, "address longer than smtpjail's "
			    "limit");
			return (-ENOSPC);
		}
		memcpy(out, addr, strlen(addr) + 1);
	}
	return (0);
}

int
generic_map_serve(int ipc_fd, const struct ipc_generic_req *req,
    uint32_t job_id, unsigned *count, const char *queue_id, char *why,
    size_t whysz)
{
	struct ipc_msg ans;
	char	lwhy[512];
	int	rc;

	if (!generic_ctx.enabled || generic_ctx.gm.maps == NULL) {
		snprintf(why, whysz, "GENERIC_REQ with smtp_generic_maps "
		    "empty");
		return (-EPERM);
	}
	if (req->job_id != job_id) {
		snprintf(why, whysz, "GENERIC_REQ for job %u, expected job %u",
		    req->job_id, job_id);
		return (-EPERM);
	}
	if (++*count > SJ_GENERIC_REQ_MAX) {
		snprintf(why, whysz, "more than %d GENERIC_REQ in one job",
		    SJ_GENERIC_REQ_MAX);
		return (-EPERM);
	}
	memset(&ans, 0, sizeof(ans));
	ans.type = IPC_T_GENERIC_REPLY;
	ans.fd = -1;
	ans.u.generic_reply.job_id = job_id;
	rc = generic_map_addr(&generic_ctx.gm, req->address,
	    ans.u.generic_reply.address, sizeof(ans.u.generic_reply.address),
	    lwhy, sizeof(lwhy));
	if (rc > 0 && ans.u.generic_reply.address[0] != '\0') {
		ans.u.generic_reply.status = IPC_GENERIC_FOUND;
	} else if (rc == 0) {
		ans.u.generic_reply.status = IPC_GENERIC_NOTFOUND;
	} else {
		/* smtp_map11_internal(): "%s map lookup problem for %s". */
		msg_warn("%s: %s map lookup problem (%s)", queue_id,
		    GENERIC_PARAM, lwhy);
		memset(&ans.u.generic_reply.address, 0,
		    sizeof(ans.u.generic_reply.address));
		ans.u.generic_reply.status = IPC_GENERIC_ERROR;
	}
	if ((rc = ipc_chan_send_timed(ipc_fd, &ans,
	    CHILD_SEND_TIMEOUT_MS)) < 0) {
		snprintf(why, whysz, "send GENERIC_REPLY: %s", strerror(-rc));
		return (rc);
	}
	return (0);
}

char  **
generic_map_rcpts(const struct dreq *req, const unsigned *map, unsigned n,
    size_t maxlen, char *why, size_t whysz)
{
	char	**rw, addr[SJ_GENERIC_ADDR_MAX + 1];
	unsigned k;

	why[0] = '\0';
	if (!generic_ctx.enabled || n == 0)
		return (NULL);
	if ((rw = calloc(n, sizeof(*rw))) == NULL) {
		snprintf(why, whysz, "%s: out of memory", GENERIC_PARAM);
		return (NULL);
	}
	for (k = 0; k < n; k++) {
		if (generic_map_envelope(req->rcpt[map[k]].address, addr,
		    sizeof(addr), why, whysz) < 0)
			goto fail;
		if (strlen(addr) > maxlen) {
			snprintf(why, whysz, "%s: result for recipient %u "
			    "longer than smtpjail's limit of %zu bytes",
			    GENERIC_PARAM, map[k], maxlen);
			goto fail;
		}
		if ((rw[k] = strdup(addr)) == NULL) {
			snprintf(why, whysz, "%s: out of memory",
			    GENERIC_PARAM);
			goto fail;
		}
	}
	return (rw);
fail:
	generic_map_rcpts_free(rw, n);
	return (NULL);
}

void
generic_map_rcpts_free(char **rw, unsigned n)
{
	unsigned k;

	if (rw == NULL)
		return;
	for (k = 0; k < n; k++)
		free(rw[k]);
	free(rw);
}
