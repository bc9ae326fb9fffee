/*
 * NAME
 *	pass.h 3h
 * SUMMARY
 *	hand one recipient to another transport (best_mx_transport)
 */
#ifndef PASS_H
#define PASS_H

#include <stddef.h>

#include "dreq.h"

/*
 * Sends recipient 'i' of 'req' as a one-recipient request to the agent
 * behind private/<transport>, where 'spec' is "transport[:nexthop]"
 * (Postfix src/global/deliver_pass.c). Returns the other agent's status
 * (DEL_STAT_FINAL or DEL_STAT_DEFER) or a negative errno: -ECONNREFUSED
 * style when it cannot be reached ("mail transport unavailable"),
 * -EBADMSG for a malformed reply ("unknown mail transport error");
 * why[] says what happened.
 */
int	pass_rcpt(const char *spec, const struct dreq *req, unsigned i,
	    int timeout, char *why, size_t whysz);

#endif
