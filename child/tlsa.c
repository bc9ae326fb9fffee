/*
 * NAME
 *	tlsa 3
 * SUMMARY
 *	TLSA records: DNS answer and rdata parser, usability filter
 * DESCRIPTION
 *	See tlsa.h. The answer is walked section by section (RFC 1035
 *	4.1): the question is skipped, answer records whose owner is the
 *	current name are kept (TLSA) or followed (CNAME, at most
 *	TLSA_CNAME_MAX steps), authority records are skipped, and the
 *	additional section is searched for the OPT record (RFC 6891 6.1:
 *	owner ".", at most one). Names are compared in wire form, lower
 *	case, so no presentation escaping is needed and no hostile label
 *	ever becomes text.
 *
 *	The usability rules are those of Postfix 3.7 src/tls/tls_dane.c
 *	(parse_tlsa_rr(): usage, selector, matching type of
 *	tls_dane_digests with the digest's exact length, full data that
 *	decodes with nothing left over), with RFC 7672 3.1.3's rule that
 *	PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP.
 *
 *	tls_dane_digests follows Postfix's add_digest(): "sha256",
 *	"sha512", optionally "=N" with the IANA number, or "=N" alone;
 *	a conflicting number, a duplicate or an unknown algorithm is an
 *	error (Postfix then disables DANE; smtpjail refuses to start).
 * SECURITY
 *	Child only (the fuzz target runs it outside). Every read is
 *	checked against the answer length first; compression pointers
 *	are followed at most TLSA_NAME_HOPS_MAX times; names longer than
 *	255 octets, labels of the obsolete 0x40/0x80 kinds and records
 *	that overrun the answer make the whole answer TLSA_MALFORMED.
 *	Full certificates and keys are decoded by OpenSSL's d2i_X509()/
 *	d2i_PUBKEY() with the exact length, in the sandbox; their errors
 *	are cleared, so that they are never reported as a "TLS library
 *	problem" of the next handshake.
 * SEE ALSO
 *	child/dane.c, child/dnssec_query.c, tests/fuzz/fuzz_tlsa.c,
 *	Postfix src/tls/tls_dane.c, RFC 6698, RFC 7671, RFC 7672
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tlsa.h"

#define TLSA_HDR_LEN	12
#define TLSA_RR_FIXED	10	/* type, class, ttl, rdlength */
#define TLSA_FLAG_AD	0x20	/* header octet 3 (RFC 4035 3.2.3) */
#define TLSA_OPT_DO	0x80	/* OPT TTL octet 2 (RFC 3225 3) */

#define RCODE_NOERROR	0
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3
#define RCODE_REFUSED	5

static unsigned
tlsa_get16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
tlsa_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
	    | (uint32_t)p[2] << 8 | p[3]);
}

static unsigned char
tlsa_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c);
}

int
tlsa_name_to_wire(const char *name, unsigned char *wire, size_t size)
{
	size_t	o = 0, len;
	const char *p = name, *dot;

	if (size < 1 || name == NULL)
		return (-EINVAL);
	while (*p != '\0') {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len > 63)
			return (-EINVAL);
		if (o + 1 + len + 1 > size || o + 1 + len + 1 >
		    TLSA_WIRE_NAME_MAX)
			return (-EINVAL);
		wire[o++] = (unsigned char)len;
		for (size_t i = 0; i < len; i++)
			wire[o++] = tlsa_lower((unsigned char)p[i]);
		p += len;
		if (*p == '.')
			p++;
	}
	wire[o++] = 0;
	return ((int)o);
}

/*
 * Decode the name at abuf[pos] into out[] (wire form, lower case,
 * uncompressed). *next is the position after the name in the record.
 * 0, or -1 if it does not parse.
 */
static int
tlsa_get_name(const unsigned char *abuf, size_t alen, size_t pos,
    unsigned char *out, size_t *outlen, size_t *next)
{
	size_t	o = 0, p = pos, end = 0, i;
	int	hops = 0, jumped = 0;
	unsigned c;

	for (;;) {
		if (p >= alen)
			return (-1);
		c = abuf[p];
		if ((c & 0xc0) == 0xc0) {
			if (p + 1 >= alen || ++hops > TLSA_NAME_HOPS_MAX)
				return (-1);
			if (!jumped) {
				end = p + 2;
				jumped = 1;
			}
			p = (size_t)(c & 0x3f) << 8 | abuf[p + 1];
			continue;
		}
		if (c & 0xc0)
			return (-1);		/* RFC 6891 5: obsolete */
		if (o + 1 + c > TLSA_WIRE_NAME_MAX || p + 1 + c > alen)
			return (-1);
		out[o++] = (unsigned char)c;
		for (i = 0; i < c; i++)
			out[o++] = tlsa_lower(abuf[p + 1 + i]);
		p += 1 + c;
		if (c == 0)
			break;
	}
	*outlen = o;
	*next = jumped ? end : p;
	return (0);
}

int
tlsa_rdata_parse(const unsigned char *rd, size_t len, uint8_t *usage,
    uint8_t *selector, uint8_t *mtype)
{
	if (rd == NULL || len < 3)
		return (-EINVAL);
	*usage = rd[0];
	*selector = rd[1];
	*mtype = rd[2];
	return (0);
}

/* Keep one TLSA rdata in the set (or count it dropped). */
static void
tlsa_keep(struct tlsa_set *set, const unsigned char *rd, size_t len,
    uint32_t ttl)
{
	struct tlsa_rr *rr;
	uint8_t	u, s, m;

	if (tlsa_rdata_parse(rd, len, &u, &s, &m) < 0
	    || set->count >= TLSA_RR_MAX
	    || len - 3 > TLSA_DATA_MAX - set->used) {
		set->dropped++;
		return;
	}
	rr = &set->rr[set->count++];
	rr->usage = u;
	rr->selector = s;
	rr->mtype = m;
	rr->off = (uint16_t)set->used;
	rr->len = (uint16_t)(len - 3);
	memcpy(set->data + set->used, rd + 3, len - 3);
	set->used += len - 3;
	if (set->count == 1 || ttl < set->ttl)
		set->ttl = ttl;
}

int
tlsa_answer_parse(const unsigned char *abuf, size_t alen, const char *qname,
    struct tlsa_set *set)
{
	unsigned char cur[TLSA_WIRE_NAME_MAX + 1], name[TLSA_WIRE_NAME_MAX + 1];
	size_t	curlen, namelen, pos, next, rdend;
	unsigned counts[4], sect, i, type, class, rdlen, steps = 0, opts = 0;
	int	n;

	set->ad = set->edns_do = 0;
	set->rcode = 0;
	set->ttl = 0;
	set->count = set->dropped = set->used = 0;
	if ((n = tlsa_name_to_wire(qname, cur, sizeof(cur))) < 0)
		return (TLSA_MALFORMED);
	curlen = (size_t)n;
	if (abuf == NULL || alen < TLSA_HDR_LEN || alen > 65535)
		return (TLSA_MALFORMED);
	set->ad = (abuf[3] & TLSA_FLAG_AD) != 0;
	set->rcode = abuf[3] & 0x0f;
	for (i = 0; i < 4; i++)
		counts[i] = tlsa_get16(abuf + 4 + 2 * i);
	pos = TLSA_HDR_LEN;
	for (i = 0; i < counts[0]; i++) {
		if (tlsa_get_name(abuf, alen, pos, name, &namelen, &next) < 0
		    || next + 4 > alen)
			goto bad;
		pos = next + 4;
	}
	for (sect = 1; sect < 4; sect++) {
		for (i = 0; i < counts[sect]; i++) {
			if (tlsa_get_name(abuf, alen, pos, name, &namelen,
			    &next) < 0 || next + TLSA_RR_FIXED > alen)
				goto bad;
			type = tlsa_get16(abuf + next);
			class = tlsa_get16(abuf + next + 2);
			rdlen = tlsa_get16(abuf + next + 8);
			pos = next + TLSA_RR_FIXED;
			if (rdlen > alen - pos)
				goto bad;
			rdend = pos + rdlen;
			if (sect == 3 && type == TLSA_T_OPT) {
				if (namelen != 1 || ++opts > 1)
					goto bad;	/* RFC 6891 6.1.1 */
				set->edns_do =
				    (abuf[next + 6] & TLSA_OPT_DO) != 0;
			} else if (sect == 1 && class == TLSA_C_IN
			    && namelen == curlen
			    && memcmp(name, cur, curlen) == 0) {
				if (type == TLSA_T_CNAME) {
					if (++steps > TLSA_CNAME_MAX
					    || tlsa_get_name(abuf, rdend, pos,
					    cur, &curlen, &next) < 0
					    || next != rdend)
						goto bad;
				} else if (type == TLSA_T_TLSA) {
					tlsa_keep(set, abuf + pos, rdlen,
					    tlsa_get32(abuf + next + 4));
				}
			}
			pos = rdend;
		}
	}
	switch (set->rcode) {
	case RCODE_NOERROR:
		return (set->count > 0 || set->dropped > 0 ? TLSA_OK :
		    TLSA_NOTFOUND);
	case RCODE_NXDOMAIN:
		set->count = 0;
		return (TLSA_NOTFOUND);
	case RCODE_SERVFAIL:
	case RCODE_REFUSED:
		set->count = 0;
		return (TLSA_RETRY);
	default:
		set->count = 0;
		return (TLSA_MALFORMED);
	}
bad:
	set->count = set->used = 0;
	return (TLSA_MALFORMED);
}

/* The digest of tls_dane_digests with this matching type, or NULL. */
static int
tlsa_digest_find(const struct tlsa_digests *dg, uint8_t mtype)
{
	size_t	i;

	for (i = 0; dg != NULL && i < dg->count; i++)
		if (dg->d[i].mtype == mtype)
			return ((int)i);
	return (-1);
}

int
tlsa_rr_usable(const struct tlsa_set *set, const struct tlsa_rr *rr,
    const struct tlsa_digests *dg, const char *rrname, char *why,
    size_t whysz)
{
	const unsigned char *data, *p;
	X509   *x = NULL;
	EVP_PKEY *k = NULL;
	int	di;

	why[0] = '\0';
	if ((size_t)rr->off + rr->len > set->used)
		return (0);			/* cannot happen */
	data = set->data + rr->off;
	if (rr->usage != TLSA_USAGE_DANE_TA && rr->usage != TLSA_USAGE_DANE_EE) {
		snprintf(why, whysz, "unsupported certificate usage %u in RR: "
		    "%s IN TLSA %u ...", rr->usage, rrname, rr->usage);
		return (0);
	}
	if (rr->selector != TLSA_SEL_CERT && rr->selector != TLSA_SEL_SPKI) {
		snprintf(why, whysz, "unsupported selector %u in RR: "
		    "%s IN TLSA %u %u ...", rr->selector, rrname, rr->usage,
		    rr->selector);
		return (0);
	}
	if (rr->mtype != TLSA_MTYPE_FULL) {
		if ((di = tlsa_digest_find(dg, rr->mtype)) < 0) {
			snprintf(why, whysz, "unsupported matching type %u in "
			    "RR: %s IN TLSA %u %u %u ...", rr->mtype, rrname,
			    rr->usage, rr->selector, rr->mtype);
			return (0);
		}
		if (rr->len != dg->d[di].len) {
			snprintf(why, whysz, "malformed %s digest, length %lu, "
			    "in RR: %s IN TLSA %u %u %u ...", dg->d[di].name,
			    (unsigned long)rr->len, rrname, rr->usage,
			    rr->selector, rr->mtype);
			return (0);
		}
		return (1);
	}
	p = data;
	if (rr->selector == TLSA_SEL_CERT) {
		if (rr->len == 0 || (x = d2i_X509(NULL, &p, rr->len)) == NULL
		    || p != data + rr->len) {
			ERR_clear_error();	/* not a TLS library problem */
			snprintf(why, whysz, "malformed certificate in RR: "
			    "%s IN TLSA %u %u %u ...", rrname, rr->usage,
			    rr->selector, rr->mtype);
			X509_free(x);
			return (0);
		}
		if (X509_get0_pubkey(x) == NULL) {
			snprintf(why, whysz, "malformed or unsupported "
			    "certificate public key in RR: %s IN TLSA %u %u "
			    "%u ...", rrname, rr->usage, rr->selector,
			    rr->mtype);
			X509_free(x);
			return (0);
		}
		X509_free(x);
		return (1);
	}
	if (rr->len == 0 || (k = d2i_PUBKEY(NULL, &p, rr->len)) == NULL
	    || p != data + rr->len) {
		ERR_clear_error();
		snprintf(why, whysz, "malformed public key in RR: "
		    "%s IN TLSA %u %u %u ...", rrname, rr->usage,
		    rr->selector, rr->mtype);
		EVP_PKEY_free(k);
		return (0);
	}
	EVP_PKEY_free(k);
	return (1);
}

/* IANA "TLSA Matching Types" that smtpjail knows. */
static const struct {
	const char *name;
	uint8_t	mtype;
	size_t	len;
} tlsa_iana[] = {
	{"sha256", TLSA_MTYPE_SHA256, 32},
	{"sha512", TLSA_MTYPE_SHA512, 64},
};

int
tlsa_digests_parse(const char *value, struct tlsa_digests *dg, char *why,
    size_t whysz)
{
	const char *p = value, *sep = " \t\r\n,";
	char	tok[64], *eq, *end;
	size_t	len, i, j;
	unsigned long id;
	int	found;

	dg->count = 0;
	why[0] = '\0';
	while (*p != '\0') {
		p += strspn(p, sep);
		if ((len = strcspn(p, sep)) == 0)
			break;
		if (len >= sizeof(tok)) {
			snprintf(why, whysz, "Unknown incompletely specified "
			    "element in tls_dane_digests: %.60s...", p);
			return (-EINVAL);
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		id = 0;
		if ((eq = strchr(tok, '=')) != NULL) {
			*eq++ = '\0';
			errno = 0;
			id = strtoul(eq, &end, 10);
			if (*eq == '\0' || *end != '\0' || errno != 0
			    || id >= 256) {
				snprintf(why, whysz, "Invalid matching type "
				    "number in tls_dane_digests: %s=%s", tok,
				    eq);
				return (-EINVAL);
			}
		}
		for (found = -1, i = 0; i < sizeof(tlsa_iana) /
		    sizeof(tlsa_iana[0]); i++) {
			if (tok[0] != '\0'
			    ? strcasecmp(tok, tlsa_iana[i].name) == 0
			    : (eq != NULL && id == tlsa_iana[i].mtype))
				found = (int)i;
		}
		if (found >= 0 && eq != NULL && tok[0] != '\0'
		    && id != tlsa_iana[found].mtype) {
			snprintf(why, whysz, "Non-standard value in "
			    "tls_dane_digests: %s=%s", tok, eq);
			return (-EINVAL);
		}
		if (found < 0) {
			snprintf(why, whysz, "Unsupported element in "
			    "tls_dane_digests (smtpjail knows sha256 and "
			    "sha512): %s%s%s", tok, eq ? "=" : "",
			    eq ? eq : "");
			return (-EINVAL);
		}
		for (j = 0; j < dg->count; j++) {
			if (dg->d[j].mtype == tlsa_iana[found].mtype) {
				snprintf(why, whysz, "Duplicate element in "
				    "tls_dane_digests: %s%s%s", tok,
				    eq ? "=" : "", eq ? eq : "");
				return (-EINVAL);
			}
		}
		if (dg->count >= TLSA_DIGESTS_MAX)
			return (-EINVAL);	/* cannot happen: 2 known */
		dg->d[dg->count].mtype = tlsa_iana[found].mtype;
		snprintf(dg->d[dg->count].name, sizeof(dg->d[0].name), "%s",
		    tlsa_iana[found].name);
		dg->d[dg->count].len = tlsa_iana[found].len;
		dg->count++;
	}
	if (dg->count == 0) {
		snprintf(why, whysz, "digest algorithm initializaton failed, "
		    "no DANE support");
		return (-EINVAL);
	}
	return (0);
}
