/*
 * NAME
 *	sj_ehlo_mask 3
 * SUMMARY
 *	EHLO keyword list to mask and back, as Postfix's ehlo_mask.c
 * DESCRIPTION
 *	sj_ehlo_mask() turns a smtp_discard_ehlo_keywords value (or a
 *	value of smtp_discard_ehlo_keyword_address_maps) into Postfix's
 *	EHLO_MASK_* bits: names in any case, separated by commas and
 *	white space; an unknown name is ignored, so that a main.cf works
 *	across Postfix versions ("silent-discard" is the name that stops
 *	the log line). sj_ehlo_mask_str() gives the names of a mask in
 *	the order of Postfix's table, for the line "discarding EHLO
 *	keywords: ..." that smtp(8) logs.
 * SECURITY
 *	Both processes. The parent parses trusted configuration and table
 *	values; the child only formats a mask the IPC decoder has
 *	checked (SJ_EHLO_MASK_ALL).
 * SEE ALSO
 *	Postfix src/global/ehlo_mask.c, src/util/name_mask.c (behaviour,
 *	no code copied)
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sj_ehlo_mask.h"

static const struct {
	const char *name;
	unsigned mask;
} sj_ehlo_names[] = {
	/* Postfix's table order: str_ehlo_mask() lists names in it. */
	{ "8BITMIME", SJ_EHLO_MASK_8BITMIME },
	{ "AUTH", SJ_EHLO_MASK_AUTH },
	{ "ETRN", SJ_EHLO_MASK_ETRN },
	{ "PIPELINING", SJ_EHLO_MASK_PIPELINING },
	{ "SIZE", SJ_EHLO_MASK_SIZE },
	{ "VERP", SJ_EHLO_MASK_VERP },
	{ "VRFY", SJ_EHLO_MASK_VRFY },
	{ "XCLIENT", SJ_EHLO_MASK_XCLIENT },
	{ "XFORWARD", SJ_EHLO_MASK_XFORWARD },
	{ "STARTTLS", SJ_EHLO_MASK_STARTTLS },
	{ "ENHANCEDSTATUSCODES", SJ_EHLO_MASK_ENHANCEDSTATUSCODES },
	{ "DSN", SJ_EHLO_MASK_DSN },
	{ "SMTPUTF8", SJ_EHLO_MASK_SMTPUTF8 },
	{ "CHUNKING", SJ_EHLO_MASK_CHUNKING },
	{ "SILENT-DISCARD", SJ_EHLO_MASK_SILENT },
};

#define SJ_EHLO_NNAMES	(sizeof(sj_ehlo_names) / sizeof(sj_ehlo_names[0]))

unsigned
sj_ehlo_mask(const char *words)
{
	const char *p = words, *w;
	unsigned mask = 0;
	size_t	len, i;

	for (;;) {
		p += strspn(p, ", \t\r\n");
		if (*p == '\0')
			break;
		w = p;
		len = strcspn(p, ", \t\r\n");
		p += len;
		for (i = 0; i < SJ_EHLO_NNAMES; i++)
			if (strlen(sj_ehlo_names[i].name) == len &&
			    strncasecmp(sj_ehlo_names[i].name, w, len) == 0)
				mask |= sj_ehlo_names[i].mask;
	}
	return (mask);
}

const char *
sj_ehlo_mask_str(unsigned mask, char *buf, size_t bufsz)
{
	size_t	i, len = 0;
	int	n;

	if (bufsz == 0)
		return (buf);
	buf[0] = '\0';
	for (i = 0; i < SJ_EHLO_NNAMES; i++) {
		if ((mask & sj_ehlo_names[i].mask) == 0)
			continue;
		n = snprintf(buf + len, bufsz - len, "%s%s", len ? " " : "",
		    sj_ehlo_names[i].name);
		if (n < 0 || (size_t)n >= bufsz - len)
			break;
		len += (size_t)n;
	}
	return (buf);
}
