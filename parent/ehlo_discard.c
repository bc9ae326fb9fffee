/*
 * NAME
 *	ehlo_discard 3
 * SUMMARY
 *	which EHLO keywords to ignore from a server (parent side)
 * DESCRIPTION
 *	Postfix's smtp(8) ignores the EHLO keywords listed in
 *	smtp_discard_ehlo_keyword_address_maps for the server's IP
 *	address, or else those of smtp_discard_ehlo_keywords
 *	(smtp_proto.c, smtp_helo()). The child talks to the server but
 *	holds no table, and the parent opens every connection the child
 *	makes (parent/broker.c): so the parent looks the address up when
 *	it opens an SMTP connection and sends the mask with the socket
 *	(the SOCKET message); the child applies it to the EHLO reply
 *	(child/smtp_ehlo.c). After each EHLO the server accepted, the
 *	child sends EHLO_NOTE and the parent logs Postfix's line
 *	"discarding EHLO keywords: ..." (ehlo_discard_note()), with the
 *	mask it sent itself: a line of the child's own would carry the
 *	"sandboxed child: " prefix, and a child cannot make the parent
 *	log another mask or more than EHLO_DISCARD_NOTES_MAX lines a job.
 *
 *	As in Postfix 3.7: the table is opened at start with
 *	DICT_FLAG_LOCK (no key folding), keyed by the numeric address as
 *	the connection has it; a value is a keyword list like the
 *	parameter's; a lookup error (logged by the table list) falls back
 *	to smtp_discard_ehlo_keywords, since smtp_helo() only tests for
 *	a result. A change of the table's file ends the process after the
 *	current job (ehlo_discard_changed()).
 * SECURITY
 *	Parent. Parameter and table are trusted configuration, opened as
 *	root before the parent drops privileges (a root-only table
 *	works). The key is the address the parent itself connects to,
 *	after the egress policy allowed it: the child names only which
 *	of its permitted addresses it wants, and learns nothing but the
 *	mask for it.
 * SEE ALSO
 *	parent/broker.c, parent/dict.c, ipc/sj_ehlo_mask.c,
 *	child/smtp_ehlo.c; Postfix src/smtp/smtp_proto.c, smtp.c,
 *	src/global/ehlo_mask.c (behaviour, no code copied)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_params.h"
#include "ipc_msg.h"
#include "dict.h"
#include "ehlo_discard.h"
#include "msg.h"
#include "sj_config.h"
#include "sj_ehlo_mask.h"

#define EHLO_DISCARD_PARAM	"smtp_discard_ehlo_keywords"
#define EHLO_DISCARD_MAPS	"smtp_discard_ehlo_keyword_address_maps"

static struct ehlo_discard_ctx {
	unsigned mask;			/* smtp_discard_ehlo_keywords */
	struct dict_maps *maps;		/* ..._address_maps, or NULL */
	struct dict_env env;
	char	*proxy_read_maps;
	char	*proxymap_service;
	/* The job in progress: the mask sent with its last SMTP socket,
	 * and the EHLO_NOTEs logged for it. */
	uint32_t job_id;
	unsigned last;
	unsigned notes;
} ehlo_discard_ctx;

int
ehlo_discard_open(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ehlo_discard_ctx *c = &ehlo_discard_ctx;
	struct sj_params *p = cfg->params;
	const char *v;
	int	rc;

	ehlo_discard_reset();
	ehlo_discard_ctx.job_id = UINT32_MAX;
	if ((rc = sj_params_get_str(p, EHLO_DISCARD_PARAM, &v, why,
	    whysz)) < 0)
		return (rc);
	c->mask = sj_ehlo_mask(v);
	if ((rc = sj_params_get_str(p, EHLO_DISCARD_MAPS, &v, why,
	    whysz)) < 0)
		return (rc);
	if (v[strspn(v, ", \t\r\n")] == '\0')
		return (0);
	if ((rc = sj_params_dup_str(p, "proxy_read_maps",
	    &c->proxy_read_maps, why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxymap_service_name",
	    &c->proxymap_service, why, whysz)) < 0)
		return (rc);
	c->env.proxy_read_maps = c->proxy_read_maps;
	c->env.proxymap_service = c->proxymap_service;
	c->env.ipc_timeout = (int)cfg->ipc_timeout;
	c->env.private_dir = "private";
	/* smtp.c: maps_create(..., DICT_FLAG_LOCK). */
	if ((c->maps = dict_maps_open(EHLO_DISCARD_MAPS, v, DICT_FLAG_LOCK,
	    &c->env, why, whysz)) == NULL)
		return (-EINVAL);
	return (0);
}

static unsigned
ehlo_discard_lookup(struct ehlo_discard_ctx *c, const char *addr)
{
	char	value[DICT_VALUE_MAX + 1], why[512];
	int	rc;

	if (c->maps == NULL)
		return (c->mask);
	rc = dict_maps_find(c->maps, addr, 0, value, sizeof(value), why,
	    sizeof(why));
	if (rc > 0)
		return (sj_ehlo_mask(value));
	if (rc < 0)
		msg_warn("%s", why);
	return (c->mask);
}

unsigned
ehlo_discard_for(const char *addr)
{
	struct ehlo_discard_ctx *c = &ehlo_discard_ctx;

	c->last = ehlo_discard_lookup(c, addr);
	return (c->last);
}

void
ehlo_discard_job_begin(uint32_t job_id)
{
	ehlo_discard_ctx.job_id = job_id;
	ehlo_discard_ctx.last = 0;
	ehlo_discard_ctx.notes = 0;
}

int
ehlo_discard_note(const struct ipc_ehlo_note *n, char *why, size_t whysz)
{
	struct ehlo_discard_ctx *c = &ehlo_discard_ctx;
	char	names[SJ_EHLO_MASK_STR_MAX];

	if (n->job_id != c->job_id || n->mask != c->last ||
	    ++c->notes > EHLO_DISCARD_NOTES_MAX) {
		snprintf(why, whysz, "EHLO_NOTE for job %u mask 0x%x (job %u, "
		    "mask 0x%x, %u of at most %d)", n->job_id, n->mask,
		    c->job_id, c->last, c->notes, EHLO_DISCARD_NOTES_MAX);
		return (-1);
	}
	/* smtp_proto.c, smtp_helo() */
	msg_info("discarding EHLO keywords: %s",
	    sj_ehlo_mask_str(n->mask, names, sizeof(names)));
	return (0);
}

const char *
ehlo_discard_changed(void)
{
	return (dict_maps_changed(ehlo_discard_ctx.maps));
}

void
ehlo_discard_reset(void)
{
	struct ehlo_discard_ctx *c = &ehlo_discard_ctx;

	dict_maps_close(c->maps);
	free(c->proxy_read_maps);
	free(c->proxymap_service);
	memset(c, 0, sizeof(*c));
}
