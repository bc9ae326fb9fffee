/*
 * NAME
 *	pass 3
 * SUMMARY
 *	hand one recipient to another transport (best_mx_transport)
 * DESCRIPTION
 *	When the child reports that mail loops back to this host and
 *	$best_mx_transport is set, Postfix's smtp(8) becomes a client of
 *	that transport: one request per recipient, with the same
 *	attributes qmgr sent (the time blob with agent_handoff filled in),
 *	the nexthop from "transport:nexthop" or the original one, and
 *	recipient_count 1; it reads the usual 8-attribute reply. The other
 *	agent then logs, marks and bounces as it sees fit.
 * SECURITY
 *	Parent. Talks only to Postfix's private/<transport> socket; the
 *	transport name comes from main.cf and may not contain '/'.
 * SEE ALSO
 *	parent/dreq.c; Postfix src/global/deliver_pass.c,
 *	deliver_request.c, src/smtp/smtp_connect.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "msg_stats.h"
#include "pass.h"
#include "svc_client.h"

#define PASS_REQUEST_MAX	(64 * 1024)

static void
pass_build(struct attr_out *o, const struct dreq *req, unsigned i,
    const char *nexthop)
{
	const struct dreq_rcpt *rc = &req->rcpt[i];
	unsigned char blob[MSG_STATS_BLOB_LEN];

	dreq_stats_encode(blob, &req->stats);
	attr_put_int(o, "flags", (int)req->flags);
	attr_put_str(o, "queue_name", req->queue_name);
	attr_put_str(o, "queue_id", req->queue_id);
	attr_put_long(o, "offset", req->data_offset);
	attr_put_long(o, "size", req->data_size);
	attr_put_str(o, "nexthop", nexthop);
	attr_put_str(o, "encoding", req->encoding);
	/* The name qmgr used (smtputf8 in 3.7, sendopts from 3.10). */
	attr_put_int(o, req->sendopts_name ? req->sendopts_name : "smtputf8",
	    (int)req->sendopts);
	attr_put_str(o, "sender", req->sender);
	attr_put_str(o, "envelope_id", req->dsn_envid);
	attr_put_int(o, "ret_flags", (int)req->dsn_ret);
	attr_put_data(o, "time", blob, sizeof(blob));
	attr_put_str(o, "log_client_name", req->client_name);
	attr_put_str(o, "log_client_address", req->client_addr);
	attr_put_str(o, "log_client_port", req->client_port);
	attr_put_str(o, "log_protocol_name", req->client_proto);
	attr_put_str(o, "log_helo_name", req->client_helo);
	attr_put_str(o, "sasl_method", req->sasl_method);
	attr_put_str(o, "sasl_username", req->sasl_username);
	attr_put_str(o, "sasl_sender", req->sasl_sender);
	attr_put_str(o, "log_ident", req->log_ident);
	attr_put_str(o, "rewrite_context", req->rewrite_context);
	attr_put_int(o, "recipient_count", 1);
	attr_put_end(o);
	attr_put_str(o, "original_recipient", rc->orig_addr);
	attr_put_str(o, "recipient", rc->address);
	attr_put_long(o, "offset", rc->offset);
	attr_put_str(o, "dsn_orig_rcpt", rc->dsn_orcpt);
	attr_put_int(o, "notify_flags", (int)rc->notify);
	attr_put_end(o);
}

int
pass_rcpt(const char *spec, const struct dreq *req, unsigned i, int timeout,
    char *why, size_t whysz)
{
	char	transport[128], name[256], stream[300];
	char	*dsn[7] = { 0 };
	static const char *const names[7] = { "status", "diag_type",
	    "diag_text", "mta_type", "mta_mname", "action", "reason" };
	struct attr_spec sp[8];
	struct attr_stream s;
	struct attr_out o;
	const char *colon = strchr(spec, ':'), *nexthop = req->nexthop;
	size_t	tlen = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned status = 0;
	int	fd, err, k;

	if (tlen == 0 || tlen >= sizeof(transport)) {
		snprintf(why, whysz, "bad best_mx_transport \"%.60s\"", spec);
		return (-EINVAL);
	}
	memcpy(transport, spec, tlen);
	transport[tlen] = '\0';
	if (colon != NULL && colon[1] != '\0')
		nexthop = colon + 1;
	if ((fd = svc_connect("private", transport, timeout, name,
	    sizeof(name), why, whysz)) < 0)
		return (fd);
	snprintf(stream, sizeof(stream), "%s socket", name);
	if ((err = attr_stream_init(&s, fd, stream, timeout)) < 0) {
		close(fd);
		snprintf(why, whysz, "%s: %s", stream, strerror(-err));
		return (err);
	}
	if (attr_greet_read(&s, DREQ_PROTOCOL) < 0) {
		snprintf(why, whysz, "%s: bad or missing greeting", stream);
		err = -EBADMSG;
		goto out;
	}
	if (attr_out_init(&o, PASS_REQUEST_MAX) < 0) {
		snprintf(why, whysz, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	pass_build(&o, req, i, nexthop);
	err = o.err ? o.err : attr_out_write(&o, fd, timeout);
	attr_out_free(&o);
	if (err < 0) {
		snprintf(why, whysz, "%s: sending the request: %s", stream,
		    strerror(-err));
		goto out;
	}
	memset(sp, 0, sizeof(sp));
	for (k = 0; k < 7; k++) {
		sp[k].type = ATTR_TYPE_STR;
		sp[k].name = names[k];
		sp[k].max = ATTR_VALUE_MAX - 1;
		sp[k].out.str = &dsn[k];
	}
	sp[7].type = ATTR_TYPE_INT;
	sp[7].name = "status";
	sp[7].out.u = &status;
	if (attr_scan(&s, ATTR_FLAG_STRICT, sp, 8) < 0) {
		snprintf(why, whysz, "%s: malformed reply", stream);
		err = -EBADMSG;
		goto out;
	}
	snprintf(why, whysz, "%s: status %d", stream, status == 0 ? 0 : -1);
	err = status == 0 ? DEL_STAT_FINAL : DEL_STAT_DEFER;
out:
	for (k = 0; k < 7; k++)
		free(dsn[k]);
	attr_stream_free(&s);
	close(fd);
	return (err);
}
