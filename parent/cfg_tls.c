/*
 * NAME
 *	cfg_tls 3
 * SUMMARY
 *	the smtp_tls_* parameters, as Postfix 3.7's SMTP client reads them
 * DESCRIPTION
 *	sj_tls_config_load() turns main.cf's TLS client settings into one
 *	struct sj_tls_config (include/sj_tls.h): the security level
 *	(smtp_tls_security_level, else the obsolete smtp_enforce_tls,
 *	smtp_tls_enforce_peername and smtp_use_tls, as Postfix
 *	smtp_tls_policy.c global_tls_level()), the protocol and cipher
 *	policy of that level (set_cipher_grade(): "may" uses
 *	smtp_tls_protocols and smtp_tls_ciphers, stronger levels the
 *	mandatory ones and smtp_tls_mandatory_exclude_ciphers, "encrypt"
 *	also excludes eNULL, levels that match a certificate aNULL), the
 *	certificate match list of "verify" and "secure", the fingerprints
 *	of "fingerprint", SNI, the log level and timeouts.
 *
 *	This is the global policy; smtp_tls_policy_maps overrides it per
 *	destination at delivery time (parent/tls_policy.c, which uses
 *	sj_tls_ciphers_build() and sj_tls_fpt_parse() from here). What
 *	smtpjail does not implement is refused here, at start, with the
 *	reason (SECURITY.md, "Fail closed on configuration"):
 *	smtp_tls_per_site, DSA client keys, tls_append_default_CA and
 *	smtp_tls_block_early_mail_reply; and
 *	smtp_tls_wrappermode below level "encrypt". smtp_tls_session_cache_database
 *	(set by Debian's main.cf) is accepted and means the child's own
 *	session cache (child/tls_sesscache.c), not tlsmgr(8);
 *	smtp_tls_session_cache_timeout bounds its entries.
 *
 *	smtp_tls_trust_anchor_file is read here, at start, as root and
 *	before any chroot, as smtp_tls_CAfile is (parent/tls_tafile.c):
 *	its certificates and public keys replace the CA roots at levels
 *	verify and secure (child/tls_verify.c). A file that cannot be read
 *	or holds no anchor stops the start; Postfix reads it at delivery
 *	time and defers the mail of those levels with "client TLS
 *	configuration problem" (smtp_tls_policy.c policy_create()).
 *
 *	Where Postfix would find a bad value only when it first delivers
 *	(an unknown cipher grade, no usable fingerprint at level
 *	fingerprint, a bad protocol list) and then defer every message,
 *	smtpjail refuses to start: the same mail stays queued, and the
 *	error is said once.
 * SECURITY
 *	Parent, as root, before any sandbox; main.cf is trusted. The
 *	result is inherited by the child across the fork.
 * SEE ALSO
 *	Postfix src/smtp/smtp_tls_policy.c, src/tls/tls_misc.c
 *	(tls_protocol_mask(), tls_log_mask(), tls_set_ciphers()),
 *	src/tls/tls_dane.c (tls_dane_add_fpt_digests()), postconf(5)
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "../child/dane_policy.h"
#include "../child/tlsa.h"
#include "cfg_params.h"
#include "sj_tls.h"

static const char *const tls_level_names[] = {
	[SJ_TLS_LEV_NONE] = "none",
	[SJ_TLS_LEV_MAY] = "may",
	[SJ_TLS_LEV_ENCRYPT] = "encrypt",
	[SJ_TLS_LEV_FPRINT] = "fingerprint",
	[SJ_TLS_LEV_VERIFY] = "verify",
	[SJ_TLS_LEV_SECURE] = "secure",
	[SJ_TLS_LEV_DANE] = "dane",
	[SJ_TLS_LEV_DANE_ONLY] = "dane-only",
	[SJ_TLS_LEV_HALF_DANE] = "half-dane",
};

const char *
sj_tls_level_name(int level)
{
	if (level < 0 || level > SJ_TLS_LEV_MAX)
		return ("invalid");
	return (tls_level_names[level]);
}

/* Postfix tls_misc.c tls_protocol_table and tls_version_table. */
static const struct {
	const char *name;
	unsigned bit;
	int	version;
} tls_proto_names[] = {
	{"SSLv2", SJ_TLS_P_SSLv2, 0x0002},
	{"SSLv3", SJ_TLS_P_SSLv3, SSL3_VERSION},
	{"TLSv1", SJ_TLS_P_TLSv1, TLS1_VERSION},
	{"TLSv1.1", SJ_TLS_P_TLSv1_1, TLS1_1_VERSION},
	{"TLSv1.2", SJ_TLS_P_TLSv1_2, TLS1_2_VERSION},
	{"TLSv1.3", SJ_TLS_P_TLSv1_3, TLS1_3_VERSION},
};

#define NPROTO	(sizeof(tls_proto_names) / sizeof(tls_proto_names[0]))

static int
tls_proto_find(const char *tok, size_t len)
{
	size_t	i;

	for (i = 0; i < NPROTO; i++)
		if (strlen(tls_proto_names[i].name) == len &&
		    strncasecmp(tls_proto_names[i].name, tok, len) == 0)
			return ((int)i);
	return (-1);
}

/*
 * Postfix tls_protocol_mask(): "!name" excludes, a bare name includes
 * (then the others are excluded), ">=name" and "<=name" bound the
 * version. Separators are comma, colon and white space.
 */
int
sj_tls_protocols_parse(const char *list, struct sj_tls_protos *p, char *why,
    size_t whysz)
{
	const char *seps = ", :\t\r\n";
	unsigned include = 0;
	const char *s = list, *tok;
	size_t	len;
	int	i, neg, op;

	memset(p, 0, sizeof(*p));
	for (;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			break;
		tok = s;
		len = strcspn(s, seps);
		s += len;
		neg = op = 0;
		if (*tok == '!') {
			neg = 1;
			tok++;
			len--;
		} else if (len > 2 && (strncmp(tok, ">=", 2) == 0 ||
		    strncmp(tok, "<=", 2) == 0)) {
			op = *tok;
			tok += 2;
			len -= 2;
		}
		if ((i = tls_proto_find(tok, len)) < 0) {
			snprintf(why, whysz, "Invalid TLS protocol list "
			    "\"%s\"", list);
			return (-EINVAL);
		}
		if (neg)
			p->exclude |= tls_proto_names[i].bit;
		else if (op == '>')
			p->min_version = tls_proto_names[i].version;
		else if (op == '<')
			p->max_version = tls_proto_names[i].version;
		else
			include |= tls_proto_names[i].bit;
	}
	if (include != 0)
		p->exclude |= ~include & ((1U << NPROTO) - 1);
	return (0);
}

/* Postfix tls_misc.c tls_log_table, the subset with meaning here. */
int
sj_tls_loglevel_parse(const char *value, unsigned *mask)
{
	static const struct {
		const char *name;
		unsigned mask;
	} tab[] = {
		{"0", 0}, {"none", 0},
		{"1", SJ_TLS_LOG_SUMMARY}, {"routine", SJ_TLS_LOG_SUMMARY},
		{"summary", SJ_TLS_LOG_SUMMARY},
		{"untrusted", SJ_TLS_LOG_UNTRUSTED},
		{"peercert", SJ_TLS_LOG_PEERCERT},
		{"certmatch", SJ_TLS_LOG_PEERCERT},
		{"verbose", SJ_TLS_LOG_VERBOSE},
		{"cache", SJ_TLS_LOG_CACHE}, {"dane", 0}, {"ssl-debug", 0},
		{"ssl-handshake-packet-dump", 0},
		{"ssl-session-packet-dump", 0},
	};
	const char *seps = ", \t\r\n";
	const char *s = value;
	size_t	len, i;
	unsigned m = 0;

	for (;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			break;
		len = strcspn(s, seps);
		/* "2" .. "9" and their names: TLS_LOG_2 and above. */
		if ((len == 1 && *s >= '2' && *s <= '9') ||
		    (len == 5 && strncasecmp(s, "debug", 5) == 0) ||
		    (len == 10 && strncasecmp(s, "ssl-expert", 10) == 0) ||
		    (len == 13 && strncasecmp(s, "ssl-developer", 13) == 0)) {
			m |= SJ_TLS_LOG_SUMMARY | SJ_TLS_LOG_VERBOSE |
			    SJ_TLS_LOG_PEERCERT | SJ_TLS_LOG_CACHE;
		} else {
			for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
				if (strlen(tab[i].name) == len &&
				    strncasecmp(tab[i].name, s, len) == 0)
					break;
			if (i == sizeof(tab) / sizeof(tab[0]))
				return (-EINVAL);
			m |= tab[i].mask;
		}
		s += len;
	}
	*mask = m;
	return (0);
}

static int
tls_copy(char *dst, size_t dstsz, const char *name, const char *v, char *why,
    size_t whysz)
{
	if (strlen(v) >= dstsz) {
		snprintf(why, whysz, "parameter %s: value longer than %zu "
		    "bytes", name, dstsz - 1);
		return (-E2BIG);
	}
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

static int
tls_get(struct sj_params *p, const char *name, const char **v, char *why,
    size_t whysz)
{
	return (sj_params_get_str(p, name, v, why, whysz));
}

/* The global level (Postfix smtp_tls_policy.c global_tls_level()). */
static int
tls_level(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	const char *v;
	int	rc, b, i;

	if ((rc = tls_get(p, "smtp_tls_security_level", &v, why, whysz)) < 0)
		return (rc);
	if (*v != '\0') {
		/* half-dane is a per-server level, never configured. */
		for (i = 0; i <= SJ_TLS_LEV_DANE_ONLY; i++)
			if (strcasecmp(v, tls_level_names[i]) == 0) {
				t->level = i;
				return (0);
			}
		snprintf(why, whysz, "parameter smtp_tls_security_level"
		    ": invalid TLS level \"%s\"", v);
		return (-EINVAL);
	}
	if ((rc = sj_params_get_bool(p, "smtp_enforce_tls", &b, why,
	    whysz)) < 0)
		return (rc);
	if (b) {
		if ((rc = sj_params_get_bool(p, "smtp_tls_enforce_peername",
		    &b, why, whysz)) < 0)
			return (rc);
		t->level = b ? SJ_TLS_LEV_VERIFY : SJ_TLS_LEV_ENCRYPT;
		return (0);
	}
	if ((rc = sj_params_get_bool(p, "smtp_use_tls", &b, why, whysz)) < 0)
		return (rc);
	t->level = b ? SJ_TLS_LEV_MAY : SJ_TLS_LEV_NONE;
	return (0);
}

/* What smtpjail does not do: refused unless empty (or "no"). */
static int
tls_refused(struct sj_params *p, char *why, size_t whysz)
{
	static const char *const empty[] = {
		"smtp_tls_per_site",
		/* DSA client keys: not signed by parent/tls_sign.c. */
		"smtp_tls_dcert_file",
	};
	static const char *const off[] = {
		"tls_append_default_CA", "smtp_tls_block_early_mail_reply",
	};
	const char *v;
	size_t	i;
	int	rc, b;

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		if ((rc = tls_get(p, empty[i], &v, why, whysz)) < 0)
			return (rc);
		if (*v != '\0') {
			snprintf(why, whysz, "parameter %s is not implemented "
			    "by smtpjail: refusing to start rather than "
			    "deliver without it", empty[i]);
			return (-EINVAL);
		}
	}
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		if ((rc = sj_params_get_bool(p, off[i], &b, why, whysz)) < 0)
			return (rc);
		if (b) {
			snprintf(why, whysz, "parameter %s = yes is not "
			    "implemented by smtpjail: refusing to start rather "
			    "than deliver without it", off[i]);
			return (-EINVAL);
		}
	}
	return (0);
}

/*
 * Postfix tls_set_ciphers() and smtp_tls_policy.c set_cipher_grade():
 * 'grade' NULL takes the level's parameter; 'exclude' NULL takes
 * smtp_tls_exclude_ciphers plus, at "encrypt" and above,
 * smtp_tls_mandatory_exclude_ciphers (a policy table's "exclude="
 * replaces both); the level's own eNULL or aNULL is always added.
 */
int
sj_tls_ciphers_build(struct sj_tls_config *t, struct sj_params *p,
    const char *grade, const char *exclude, char *why, size_t whysz)
{
	static const char *const grades[] = {
		"high", "medium", "low", "export", "null",
	};
	const char *grade_param, *list, *excl[3];
	const char *seps = ", :\t\r\n";
	char	name[64];
	size_t	i, len, used;
	const char *s;
	int	rc, n;

	grade_param = t->level == SJ_TLS_LEV_MAY ? "smtp_tls_ciphers" :
	    "smtp_tls_mandatory_ciphers";
	if (grade == NULL &&
	    (rc = tls_get(p, grade_param, &grade, why, whysz)) < 0)
		return (rc);
	for (i = 0; i < sizeof(grades) / sizeof(grades[0]); i++)
		if (strcasecmp(grade, grades[i]) == 0)
			break;
	if (i == sizeof(grades) / sizeof(grades[0])) {
		snprintf(why, whysz, "parameter %s: invalid cipher grade: "
		    "\"%s\"", grade_param, grade);
		return (-EINVAL);
	}
	snprintf(name, sizeof(name), "tls_%s_cipherlist", grades[i]);
	if ((rc = tls_get(p, name, &list, why, whysz)) < 0 ||
	    (rc = tls_copy(t->cipherlist, sizeof(t->cipherlist), name, list,
	    why, whysz)) < 0)
		return (rc);
	if (*list == '\0') {
		snprintf(why, whysz, "parameter %s: empty cipher list", name);
		return (-EINVAL);
	}
	excl[0] = excl[1] = "";
	if (exclude != NULL)
		excl[0] = exclude;
	else if ((rc = tls_get(p, "smtp_tls_exclude_ciphers", &excl[0], why,
	    whysz)) < 0)
		return (rc);
	if (exclude == NULL && t->level >= SJ_TLS_LEV_ENCRYPT &&
	    (rc = tls_get(p, "smtp_tls_mandatory_exclude_ciphers", &excl[1],
	    why, whysz)) < 0)
		return (rc);
	excl[2] = t->level == SJ_TLS_LEV_ENCRYPT ? "eNULL" :
	    t->level > SJ_TLS_LEV_ENCRYPT ? "aNULL" : "";
	used = strlen(t->cipherlist);
	for (i = 0; i < 3; i++) {
		for (s = excl[i];;) {
			s += strspn(s, seps);
			if (*s == '\0')
				break;
			len = strcspn(s, seps);
			if (strchr("!+-@", *s) != NULL) {
				snprintf(why, whysz, "invalid unary '!+-@' in "
				    "cipher exclusion: %.*s", (int)len, s);
				return (-EINVAL);
			}
			n = snprintf(t->cipherlist + used,
			    sizeof(t->cipherlist) - used, ":!%.*s", (int)len,
			    s);
			if (n < 0 || (size_t)n >= sizeof(t->cipherlist) - used) {
				snprintf(why, whysz, "TLS cipher list with its "
				    "exclusions is too long");
				return (-E2BIG);
			}
			used += (size_t)n;
			s += len;
		}
	}
	return (0);
}

/*
 * Postfix 3.7 smtp_tls_policy.c policy_create(): at dane and dane-only,
 * dane_init() may lower the level to "may" before the protocols and the
 * cipher grade are chosen, so "may" takes smtp_tls_protocols and
 * set_cipher_grade()'s "may" list. The child learns per server which
 * applies (child/dane_policy.c), so both travel. Other levels: copies.
 */
int
sj_tls_may_build(struct sj_tls_config *t, struct sj_params *p,
    const char *protocols, const char *grade, const char *exclude,
    char *why, size_t whysz)
{
	char	save[sizeof(t->cipherlist)];
	int	level = t->level, rc;

	if (!SJ_TLS_IS_DANE(level)) {
		t->may_protos = t->protos;
		memcpy(t->may_cipherlist, t->cipherlist,
		    sizeof(t->may_cipherlist));
		return (0);
	}
	if (protocols == NULL && (rc = tls_get(p, "smtp_tls_protocols",
	    &protocols, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_tls_protocols_parse(protocols, &t->may_protos, why,
	    whysz)) < 0)
		return (rc);
	memcpy(save, t->cipherlist, sizeof(save));
	t->level = SJ_TLS_LEV_MAY;
	rc = sj_tls_ciphers_build(t, p, grade, exclude, why, whysz);
	t->level = level;
	memcpy(t->may_cipherlist, t->cipherlist, sizeof(t->may_cipherlist));
	memcpy(t->cipherlist, save, sizeof(t->cipherlist));
	return (rc);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * smtp_tls_fingerprint_cert_match (or a policy table's "match=", split
 * on '|'): hex digests, bytes optionally separated by ':' (Postfix
 * tls_dane.c), each the size of t->fpt_digest's output. A malformed
 * entry is an error here; Postfix warns and skips it, and defers
 * everything when none is left.
 */
int
sj_tls_fpt_parse(struct sj_tls_config *t, const char *v, const char *seps,
    const char *param, char *why, size_t whysz)
{
	const char *s, *q;
	const EVP_MD *md;
	size_t	len = 0, n;
	int	hi, lo, mdlen;

	if ((md = EVP_get_digestbyname(t->fpt_digest)) == NULL ||
	    (mdlen = EVP_MD_get_size(md)) <= 0 || mdlen > SJ_TLS_MD_MAX) {
		snprintf(why, whysz, "parameter smtp_tls_fingerprint_digest: "
		    "digest algorithm \"%s\" not found", t->fpt_digest);
		return (-EINVAL);
	}
	for (s = v;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			break;
		len = strcspn(s, seps);
		if (t->nfpt == SJ_TLS_FPT_MAX) {
			snprintf(why, whysz, "%s: more than %d fingerprints",
			    param, SJ_TLS_FPT_MAX);
			return (-E2BIG);
		}
		for (q = s, n = 0; q < s + len; n++) {
			if (n == (size_t)mdlen || q + 1 >= s + len ||
			    (hi = hexval(q[0])) < 0 || (lo = hexval(q[1])) < 0)
				goto bad;
			t->fpt[t->nfpt][n] = (unsigned char)(hi << 4 | lo);
			q += 2;
			if (q < s + len && *q == ':')
				q++;
		}
		if (n != (size_t)mdlen)
			goto bad;
		t->fpt_len[t->nfpt++] = n;
		s += len;
	}
	if (t->nfpt == 0) {
		snprintf(why, whysz, "configured at fingerprint security "
		    "level, but with no fingerprints to match "
		    "(%s is empty)", param);
		return (-EINVAL);
	}
	return (0);
bad:
	snprintf(why, whysz, "%s: malformed %s fingerprint \"%.*s\"", param,
	    t->fpt_digest, (int)len, s);
	return (-EINVAL);
}

static int
tls_fingerprints(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = tls_get(p, "smtp_tls_fingerprint_digest", &v, why,
	    whysz)) < 0 || (rc = tls_copy(t->fpt_digest,
	    sizeof(t->fpt_digest), "smtp_tls_fingerprint_digest", v, why,
	    whysz)) < 0)
		return (rc);
	if (t->level != SJ_TLS_LEV_FPRINT)
		return (0);
	if ((rc = tls_get(p, "smtp_tls_fingerprint_cert_match", &v, why,
	    whysz)) < 0)
		return (rc);
	return (sj_tls_fpt_parse(t, v, ", \t\r\n",
	    "parameter smtp_tls_fingerprint_cert_match", why, whysz));
}

/* smtp_tls_trust_anchor_file (Postfix load_tas()): on the heap, kept
 * for the process's life and inherited by the child. */
static int
tls_trust_anchors(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	struct sj_tls_tas *tas;
	char	bad[512];
	const char *v;
	int	rc;

	if ((rc = tls_get(p, "smtp_tls_trust_anchor_file", &v, why,
	    whysz)) < 0)
		return (rc);
	if (v[strspn(v, ", \t\r\n")] == '\0')
		return (0);
	if ((tas = calloc(1, sizeof(*tas))) == NULL) {
		snprintf(why, whysz, "smtp_tls_trust_anchor_file: out of "
		    "memory");
		return (-ENOMEM);
	}
	if (tls_tafile_load_list(v, tas, bad, sizeof(bad)) < 0) {
		snprintf(why, whysz, "parameter smtp_tls_trust_anchor_file: "
		    "%s", bad);
		free(tas);
		return (-EINVAL);
	}
	t->ta = tas;
	return (0);
}

/*
 * dane, dane-only: tls_dane_digests, smtp_tls_dane_insecure_mx_policy
 * and smtp_tls_force_insecure_host_tlsa_lookup,
 * checked here with the parsers the child uses (child/tlsa.c,
 * child/dane_policy.c). Postfix warns about a bad digest list and
 * treats every DANE destination as failing; a bad policy value makes
 * smtp(8) fatal: both refuse the start here.
 */
static int
tls_dane(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	struct tlsa_digests dg;
	char	bad[TLSA_WHY_MAX];
	const char *v;
	int	rc;

	/* A policy table may name the DANE levels too. */
	if (!SJ_TLS_IS_DANE(t->level) && !t->policy_maps)
		return (0);
	if ((rc = tls_get(p, "tls_dane_digests", &v, why, whysz)) < 0 ||
	    (rc = tls_copy(t->dane_digests, sizeof(t->dane_digests),
	    "tls_dane_digests", v, why, whysz)) < 0)
		return (rc);
	if (tlsa_digests_parse(v, &dg, bad, sizeof(bad)) < 0 ||
	    dg.count == 0) {
		snprintf(why, whysz, "parameter tls_dane_digests: %s",
		    bad[0] != '\0' ? bad : "no usable digest");
		return (-EINVAL);
	}
	if ((rc = tls_get(p, "smtp_tls_dane_insecure_mx_policy", &v, why,
	    whysz)) < 0)
		return (rc);
	if ((t->dane_imx = dane_policy_imx_parse(v)) < 0) {
		snprintf(why, whysz, "invalid smtp_tls_dane_insecure_mx_policy"
		    " value: \"%.50s\"", v);
		return (-EINVAL);
	}
	if ((rc = sj_params_get_bool(p,
	    "smtp_tls_force_insecure_host_tlsa_lookup", &t->dane_force_tlsa,
	    why, whysz)) < 0)
		return (rc);
	return (0);
}

int
sj_tls_config_load(struct sj_tls_config *t, struct sj_params *p, char *why,
    size_t whysz)
{
	const char *v;
	long	n;
	int	rc;

	memset(t, 0, sizeof(*t));
	if ((rc = tls_refused(p, why, whysz)) < 0 ||
	    (rc = tls_level(t, p, why, whysz)) < 0)
		return (rc);
	/* A policy table may ask for TLS where the global level does not
	 * (parent/tls_policy.c): the context is built for it too. */
	if ((rc = tls_get(p, "smtp_tls_policy_maps", &v, why, whysz)) < 0)
		return (rc);
	t->policy_maps = v[strspn(v, ", \t\r\n")] != '\0';
	t->enabled = t->level > SJ_TLS_LEV_NONE || t->policy_maps;
	/* Postfix smtp_connect.c skips every address with a warning;
	 * nothing could be delivered: refused here instead. */
	if ((rc = sj_params_get_bool(p, "smtp_tls_wrappermode",
	    &t->wrappermode, why, whysz)) < 0)
		return (rc);
	if (t->wrappermode && t->level < SJ_TLS_LEV_ENCRYPT) {
		snprintf(why, whysz, "smtp_tls_wrappermode requires "
		    "\"smtp_tls_security_level = encrypt\" (or stronger)");
		return (-EINVAL);
	}
	if ((rc = tls_get(p, "smtp_tls_loglevel", &v, why, whysz)) < 0)
		return (rc);
	if (sj_tls_loglevel_parse(v, &t->log_mask) < 0) {
		snprintf(why, whysz, "parameter smtp_tls_loglevel: invalid "
		    "value \"%s\"", v);
		return (-EINVAL);
	}
	t->log_mask_cfg = t->log_mask;
	t->log_untrusted_conf = (t->log_mask & SJ_TLS_LOG_UNTRUSTED) != 0;
	/* Postfix tls_client.c: verification errors matter at these. */
	if (SJ_TLS_MUST_MATCH(t->level))
		t->log_mask |= SJ_TLS_LOG_UNTRUSTED;
	if ((rc = sj_params_get_bool(p, "smtp_tls_note_starttls_offer",
	    &t->note_starttls_offer, why, whysz)) < 0 ||
	    (rc = sj_params_get_time(p, "smtp_starttls_timeout", 's', 1,
	    86400, &n, why, whysz)) < 0)
		return (rc);
	t->starttls_timeout = (unsigned)n;
	if ((rc = sj_params_get_time(p, "minimal_backoff_time", 's', 1,
	    INT32_MAX, &n, why, whysz)) < 0)
		return (rc);
	t->min_backoff = (unsigned)n;
	if ((rc = sj_params_get_int(p, "smtp_tls_scert_verifydepth", 1, 100,
	    &n, why, whysz)) < 0)
		return (rc);
	t->verify_depth = (int)n;
	if ((rc = tls_get(p, "smtp_tls_CAfile", &v, why, whysz)) < 0 ||
	    (rc = tls_copy(t->CAfile, sizeof(t->CAfile), "smtp_tls_CAfile",
	    v, why, whysz)) < 0 ||
	    (rc = tls_get(p, "smtp_tls_CApath", &v, why, whysz)) < 0 ||
	    (rc = tls_copy(t->CApath, sizeof(t->CApath), "smtp_tls_CApath",
	    v, why, whysz)) < 0)
		return (rc);
	if ((rc = tls_get(p, t->level == SJ_TLS_LEV_MAY ?
	    "smtp_tls_protocols" : "smtp_tls_mandatory_protocols", &v, why,
	    whysz)) < 0 ||
	    (rc = sj_tls_protocols_parse(v, &t->protos, why, whysz)) < 0)
		return (rc);
	if ((rc = tls_get(p, "smtp_tls_servername", &v, why, whysz)) < 0 ||
	    (rc = tls_copy(t->servername, sizeof(t->servername),
	    "smtp_tls_servername", v, why, whysz)) < 0)
		return (rc);
	if ((rc = tls_get(p, t->level == SJ_TLS_LEV_SECURE ?
	    "smtp_tls_secure_cert_match" : "smtp_tls_verify_cert_match", &v,
	    why, whysz)) < 0 ||
	    (rc = tls_copy(t->match, sizeof(t->match), "cert match list", v,
	    why, whysz)) < 0)
		return (rc);
	if (t->level > SJ_TLS_LEV_NONE &&
	    ((rc = sj_tls_ciphers_build(t, p, NULL, NULL, why, whysz)) < 0 ||
	    (rc = sj_tls_may_build(t, p, NULL, NULL, NULL, why, whysz)) < 0))
		return (rc);
	if ((rc = tls_fingerprints(t, p, why, whysz)) < 0 ||
	    (rc = tls_dane(t, p, why, whysz)) < 0 ||
	    (rc = tls_trust_anchors(t, p, why, whysz)) < 0)
		return (rc);
	/* The client certificate (its key is read later, by the parent
	 * only: parent/tls_sign.c). */
	if ((rc = sj_tls_ccert_load(t, p, why, whysz)) < 0)
		return (rc);
	/*
	 * The cache is the child's own (child/tls_sesscache.c), never
	 * tlsmgr(8)'s: a database named means "cache sessions" (in the
	 * agent), none means no resumption, as in Postfix; the timeout
	 * bounds each entry, 0 turning the cache off (Postfix
	 * tls_client.c: cache only when the timeout is positive).
	 */
	if ((rc = tls_get(p, "smtp_tls_session_cache_database", &v, why,
	    whysz)) < 0)
		return (rc);
	if ((rc = sj_params_get_time(p, "smtp_tls_session_cache_timeout",
	    's', 0, 8640000, &n, why, whysz)) < 0)
		return (rc);
	t->sess_cache_timeout = *v != '\0' ? (unsigned)n : 0;
	/*
	 * Postfix keeps a connection with TLS in tlsproxy(8) for reuse;
	 * the child holds its TLS state itself and keeps the connection
	 * in its own cache (child/conn_cache.c), under the same rules as
	 * a clear-text one.
	 */
	if ((rc = sj_params_get_bool(p, "smtp_tls_connection_reuse",
	    &t->conn_reuse, why, whysz)) < 0)
		return (rc);
	return (0);
}
