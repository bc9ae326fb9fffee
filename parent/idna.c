/*
 * NAME
 *	idna 3
 * SUMMARY
 *	UTF-8 host names in a nexthop, converted to A-labels
 * DESCRIPTION
 *	See idna.h. The nexthop is split into host tokens at the
 *	characters that delimit them in every nexthop form Postfix uses
 *	(",", white space, "[", "]", ":"); a token with a byte above 0x7f
 *	is replaced by libidn2's IDNA2008/UTS #46 ASCII form. ASCII
 *	tokens, ports and address literals pass unchanged.
 * SECURITY
 *	Parent. The nexthop comes from qmgr (trusted) but its domain came
 *	from a message envelope: the conversion is bounded by out[] and
 *	libidn2 checks the labels.
 * SEE ALSO
 *	Postfix midna_domain(3), smtp_connect.c; RFC 5890, UTS #46
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "idna.h"

#define IDNA_DELIMS	", \t\r\n[]:"

static int
idna_put(char *out, size_t outsz, size_t *n, const char *p, size_t len)
{
	if (len >= outsz - *n)
		return (-ENAMETOOLONG);
	memcpy(out + *n, p, len);
	*n += len;
	out[*n] = '\0';
	return (0);
}

static int
idna_is_ascii(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] > 0x7f)
			return (0);
	return (1);
}

int
idna_nexthop(const char *in, char *out, size_t outsz, char *why,
    size_t whysz)
{
	const char *p = in;
	char	token[1024], *ascii;
	size_t	n = 0, len;
	int	err = 0;

	if (outsz == 0)
		return (-ENAMETOOLONG);
	out[0] = '\0';
	while (*p != '\0' && err == 0) {
		len = strspn(p, IDNA_DELIMS);
		if (len > 0) {
			err = idna_put(out, outsz, &n, p, len);
			p += len;
			continue;
		}
		len = strcspn(p, IDNA_DELIMS);
		if (idna_is_ascii(p, len) || len >= sizeof(token)) {
			err = idna_put(out, outsz, &n, p, len);
		} else {
			memcpy(token, p, len);
			token[len] = '\0';
			ascii = NULL;
			if (idn2_to_ascii_8z(token, &ascii,
			    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) ==
			    IDN2_OK && ascii != NULL)
				err = idna_put(out, outsz, &n, ascii,
				    strlen(ascii));
			else
				err = idna_put(out, outsz, &n, p, len);
			free(ascii);
		}
		p += len;
	}
	if (err < 0)
		snprintf(why, whysz, "nexthop longer than %zu bytes in its "
		    "ASCII form", outsz - 1);
	return (err);
}
