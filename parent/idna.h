/*
 * NAME
 *	idna.h 3h
 * SUMMARY
 *	UTF-8 host names in a nexthop, converted to A-labels
 * DESCRIPTION
 *	With smtputf8_enable = yes, Postfix's smtp(8) looks up a UTF-8
 *	domain by its ASCII form (midna_domain_to_ascii(): UTS #46,
 *	non-transitional). idna_nexthop() does that for every host name
 *	of a nexthop ("domain", "[host]:port", "a, b", ...) before the
 *	child sees it: the child's resolver then only handles ASCII names.
 *	A name that does not convert is left as it is; the child refuses
 *	it as an invalid host name, as Postfix does.
 *
 *	Returns 0, or -ENAMETOOLONG when the result does not fit out[]
 *	(why[] says so).
 */
#ifndef IDNA_H
#define IDNA_H

#include <stddef.h>

int	idna_nexthop(const char *in, char *out, size_t outsz, char *why,
	    size_t whysz);

#endif
