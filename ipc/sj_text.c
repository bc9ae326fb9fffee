/*
 * NAME
 *	sj_text 3
 * SUMMARY
 *	censor and check text that came from a peer
 * DESCRIPTION
 *	See sj_text.h. The child censors; the parent checks again, because
 *	a compromised child could skip the censoring. A relay ("host[addr]
 *	:port") and a host name are held to the characters they can have,
 *	because the parent puts them in status lines and DSNs where free
 *	text could pass for other fields.
 * SECURITY
 *	Both processes. Input is hostile (SMTP replies, DNS names).
 * SEE ALSO
 *	Postfix printable(3), smtp_chat.c (reply text is made printable)
 */
#include <string.h>

#include "sj_limits.h"
#include "sj_text.h"

size_t
sj_text_censor(char *out, size_t outsz, const char *in, size_t inlen)
{
	size_t	i, n = 0;
	unsigned char c;

	if (outsz == 0)
		return (0);
	for (i = 0; i < inlen && n < outsz - 1; i++) {
		c = (unsigned char)in[i];
		if (c == '\r' || c == '\n' || c == '\t')
			out[n++] = ' ';
		else if (c < 0x20 || c > 0x7e)
			out[n++] = '?';
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return (n);
}

int
sj_text_is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return (0);
	return (1);
}

static int
digits(const char **sp, int min, int max)
{
	int	n = 0;

	while (**sp >= '0' && **sp <= '9') {
		(*sp)++;
		n++;
	}
	return (n >= min && n <= max);
}

int
sj_text_is_dsn_status(const char *s)
{
	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return (0);
	if (s[1] != '.')
		return (0);
	s += 2;
	if (!digits(&s, 1, 3) || *s++ != '.')
		return (0);
	if (!digits(&s, 1, 3) || *s != '\0')
		return (0);
	return (1);
}

/* Characters of a host name (RFC 1123, '_' and the '*' Postfix allows)
 * and of a host name that is an IPv6 literal. */
static const char sj_text_host_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_*:";

int
sj_text_is_host(const char *s)
{
	size_t	n = strspn(s, sj_text_host_chars);

	return (n > 0 && s[n] == '\0' && n <= SJ_HOSTNAME_MAX);
}

int
sj_text_is_relay(const char *s)
{
	const char *lb, *rb;
	size_t	n;

	if (strcmp(s, "none") == 0)
		return (1);
	/* host: the characters of a name, then "[" */
	if ((n = strspn(s, sj_text_host_chars)) == 0 || s[n] != '[' ||
	    n > SJ_HOSTNAME_MAX)
		return (0);
	lb = s + n;
	/* address: IPv4 or IPv6 text, then "]" */
	n = strspn(lb + 1, "0123456789abcdefABCDEF.:");
	if (n == 0 || lb[1 + n] != ']')
		return (0);
	rb = lb + 1 + n;
	/* ":port", one to five digits, and nothing else */
	if (rb[1] != ':')
		return (0);
	n = strspn(rb + 2, "0123456789");
	return (n >= 1 && n <= 5 && rb[2 + n] == '\0');
}
