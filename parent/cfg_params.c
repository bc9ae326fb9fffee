/*
 * NAME
 *	cfg_params 3
 * SUMMARY
 *	Postfix-style parameter store: main.cf, -o, defaults, $name
 * DESCRIPTION
 *	Holds every parameter the parent may read, in three layers: the
 *	built-in defaults of Postfix 3.7 (postconf -d of Debian 3.7.11)
 *	plus smtpjail's own, and explicit values from main.cf or -o.
 *
 *	main.cf is read with Postfix's syntax (postconf(5); Postfix
 *	readllines()/split_nameval()): a physical line that starts
 *	with whitespace continues the logical line; empty, all-blank and
 *	'#' lines are skipped, also between continuation lines; '#'
 *	elsewhere is part of the value; "name = value" is trimmed; a later
 *	definition with a different value replaces the earlier one with
 *	the warning "FILE, line N: overriding earlier entry: name=old".
 *
 *	Values are kept raw and expanded when read, as Postfix's
 *	mac_expand() does with recursion: $name, ${name}, $(name), "$$"
 *	for a literal '$', undefined names expand to nothing, ${name?text}
 *	(text if the value is non-empty), ${name:text} (text if empty or
 *	undefined), ${name?{t1}:{t2}}, and the relational form
 *	${{a} OP {b} ? {t1} : {t2}} with OP one of == != < <= > >= (numeric
 *	when both sides are all digits, else strcmp) and the "level"
 *	suffix (<level etc.) that compares compatibility levels such as
 *	"3.6". Nesting deeper than SJ_PARAM_NEST_MAX is an error, which is
 *	how a loop ("a = $b", "b = $a") is refused.
 *
 *	Typed getters convert as Postfix does: booleans yes/no in any case
 *	(else "bad boolean configuration: name = value"), integers in
 *	decimal with a range, times as an integer plus one unit letter
 *	s m h d w where only the first character after the digits counts
 *	("10sec" is 10 seconds), lists split on commas and whitespace.
 * SECURITY
 *	Parent, while root, before any sandbox. main.cf and -o are trusted
 *	configuration; every value is still bounded (SJ_MAIN_CF_MAX,
 *	SJ_PARAM_VALUE_MAX, SJ_PARAM_NEST_MAX) so that a typing mistake
 *	cannot exhaust memory or the stack.
 * SEE ALSO
 *	parent/config.c, postconf(5), Postfix global/mail_conf.c,
 *	util/mac_expand.c, util/readlline.c, util/split_nameval.c,
 *	global/conv_time.c, global/mail_params.h, smtp/smtp_params.c
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_params.h"

/*
 * Built-in defaults: Postfix 3.7 (postconf -d, Debian 3.7.11) for every
 * parameter smtpjail reads, plus smtpjail_*. myhostname and mydomain
 * depend on the host and are filled in by parent/config.c.
 */
static const struct sj_param_default {
	const char *name;
	const char *value;
} sj_param_defaults[] = {
	/* Where things are, who runs them. */
	{"config_directory", "/etc/postfix"},
	{"queue_directory", "/var/spool/postfix"},
	{"daemon_directory", "/usr/lib/postfix/sbin"},
	{"data_directory", "/var/lib/postfix"},
	{"mail_owner", "postfix"},
	{"compatibility_level", "0"},
	{"multi_instance_name", ""},
	{"process_name", ""},
	{"service_name", ""},
	{"myhostname", ""},
	{"mydomain", "localdomain"},
	{"myorigin", "$myhostname"},
	{"mydestination", "$myhostname, localhost.$mydomain, localhost"},
	{"relay_domains",
	    "${{$compatibility_level} <level {2} ? {$mydestination} : {}}"},
	{"mail_name", "Postfix"},
	{"import_environment", "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ "
	    "XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME"},

	/* Logging. */
	{"syslog_name",
	    "${multi_instance_name?{$multi_instance_name}:{postfix}}"},
	{"syslog_facility", "mail"},
	{"maillog_file", ""},
	{"maillog_file_prefixes", "/var, /dev/stdout"},
	{"postlog_service_name", "postlog"},
	{"info_log_address_format", "external"},
	{"debug_peer_level", "2"},
	{"debug_peer_list", ""},
	{"parent_domain_matches_subdomains", "debug_peer_list, "
	    "fast_flush_domains, mynetworks, permit_mx_backup_networks, "
	    "qmqpd_authorized_clients, relay_domains, smtpd_access_maps"},

	/* single_server life cycle. */
	{"max_use", "100"},
	{"max_idle", "100s"},
	{"ipc_timeout", "3600s"},
	{"daemon_timeout", "18000s"},

	/* Services under private/ and public/. */
	{"bounce_service_name", "bounce"},
	{"defer_service_name", "defer"},
	{"trace_service_name", "trace"},
	{"address_verify_service_name", "verify"},
	{"flush_service_name", "flush"},
	{"cleanup_service_name", "cleanup"},

	/* Delivery policy handled by the parent. */
	{"soft_bounce", "no"},
	{"notify_classes", "resource, software"},
	{"error_notice_recipient", "postmaster"},
	{"double_bounce_sender", "double-bounce"},
	{"header_from_format", "standard"},
	{"internal_mail_filter_classes", ""},
	{"smtputf8_autodetect_classes", "sendmail, verify"},
	/* 3.7: "yes" from compatibility_level 1 on (Debian sets 3.6) */
	{"smtputf8_enable", "yes"},
	{"best_mx_transport", ""},
	{"fast_flush_domains", "$relay_domains"},
	{"delay_logging_resolution_limit", "2"},
	{"hash_queue_depth", "1"},
	{"hash_queue_names", "deferred, defer"},
	{"default_destination_recipient_limit", "50"},

	/* Destinations and the network. */
	{"relayhost", ""},
	{"fallback_relay", ""},
	{"smtp_fallback_relay", "$fallback_relay"},
	{"inet_interfaces", "all"},
	{"proxy_interfaces", ""},
	{"inet_protocols", "all"},
	{"known_tcp_ports",
	    "lmtp=24, smtp=25, smtps=submissions=465, submission=587"},
	{"disable_dns_lookups", "no"},
	{"ignore_mx_lookup_error", "no"},

	/* The SMTP client (smtp(8) 3.7). */
	{"smtp_helo_name", "$myhostname"},
	{"smtp_tcp_port", "smtp"},
	{"smtp_connect_timeout", "30s"},
	{"smtp_helo_timeout", "300s"},
	{"smtp_mail_timeout", "300s"},
	{"smtp_rcpt_timeout", "300s"},
	{"smtp_data_init_timeout", "120s"},
	{"smtp_data_xfer_timeout", "180s"},
	{"smtp_data_done_timeout", "600s"},
	{"smtp_quit_timeout", "300s"},
	{"smtp_rset_timeout", "20s"},
	{"smtp_xforward_timeout", "300s"},
	{"smtp_starttls_timeout", "300s"},
	{"smtp_mx_address_limit", "5"},
	{"smtp_mx_session_limit", "2"},
	{"smtp_line_length_limit", "998"},
	{"smtp_skip_5xx_greeting", "yes"},
	{"smtp_skip_quit_response", "yes"},
	{"smtp_dns_support_level", ""},
	{"dnssec_probe", "ns:."},
	{"smtp_host_lookup", "dns"},
	{"smtp_never_send_ehlo", "no"},
	{"smtp_always_send_ehlo", "yes"},
	{"smtp_randomize_addresses", "yes"},
	{"smtp_address_preference", "any"},
	{"smtp_balance_inet_protocols", "yes"},
	{"smtp_defer_if_no_mx_address_found", "no"},
	{"smtp_min_data_rate", "500"},
	{"smtp_bind_address", ""},
	{"smtp_bind_address6", ""},
	{"smtp_bind_address_enforce", "no"},
	{"smtp_destination_recipient_limit",
	    "$default_destination_recipient_limit"},
	{"smtp_connection_cache_on_demand", "yes"},
	/* parent/dsn_filter.c */
	{"default_delivery_status_filter", ""},
	{"smtp_delivery_status_filter", "$default_delivery_status_filter"},
	/* parent/ehlo_discard.c */
	{"smtp_discard_ehlo_keywords", ""},
	{"smtp_discard_ehlo_keyword_address_maps", ""},

	/* SASL client and lookup tables (parent/sasl.c, parent/dict.c). */
	{"smtp_sasl_auth_enable", "no"},
	{"smtp_sasl_password_maps", ""},
	{"smtp_sender_dependent_authentication", "no"},
	{"smtp_sasl_mechanism_filter", ""},
	{"smtp_sasl_security_options", "noplaintext, noanonymous"},
	{"smtp_sasl_tls_security_options", "$smtp_sasl_security_options"},
	{"smtp_sasl_tls_verified_security_options",
	    "$smtp_sasl_tls_security_options"},
	{"smtp_sasl_auth_soft_bounce", "yes"},
	{"smtp_sasl_type", "cyrus"},
	{"smtp_sasl_path", ""},
	{"smtp_sasl_auth_cache_name", ""},
	{"smtp_sasl_auth_cache_time", "90d"},
	{"recipient_delimiter", ""},
	{"proxymap_service_name", "proxymap"},
	{"proxy_read_maps", "$local_recipient_maps $mydestination "
	    "$virtual_alias_maps $virtual_alias_domains $virtual_mailbox_maps "
	    "$virtual_mailbox_domains $relay_recipient_maps $relay_domains "
	    "$canonical_maps $sender_canonical_maps $recipient_canonical_maps "
	    "$relocated_maps $transport_maps $mynetworks "
	    "$smtpd_sender_login_maps $sender_bcc_maps $recipient_bcc_maps "
	    "$smtp_generic_maps $lmtp_generic_maps $alias_maps "
	    "$smtpd_client_restrictions $smtpd_helo_restrictions "
	    "$smtpd_sender_restrictions $smtpd_relay_restrictions "
	    "$smtpd_recipient_restrictions "
	    "$address_verify_sender_dependent_default_transport_maps "
	    "$address_verify_sender_dependent_relayhost_maps "
	    "$address_verify_transport_maps $fallback_transport_maps "
	    "$lmtp_discard_lhlo_keyword_address_maps $lmtp_pix_workaround_maps "
	    "$lmtp_sasl_password_maps $lmtp_tls_policy_maps "
	    "$mailbox_command_maps $mailbox_transport_maps "
	    "$postscreen_discard_ehlo_keyword_address_maps $rbl_reply_maps "
	    "$sender_dependent_default_transport_maps "
	    "$sender_dependent_relayhost_maps "
	    "$smtp_discard_ehlo_keyword_address_maps $smtp_pix_workaround_maps "
	    "$smtp_sasl_password_maps $smtp_tls_policy_maps "
	    "$smtpd_discard_ehlo_keyword_address_maps $smtpd_milter_maps "
	    "$virtual_gid_maps $virtual_uid_maps $local_login_sender_maps "
	    "$postscreen_reject_footer_maps $smtpd_reject_footer_maps "
	    "$tls_server_sni_maps $tlsproxy_client_policy_maps "
	    "$default_delivery_status_filter $lmtp_delivery_status_filter "
	    "$lmtp_dns_reply_filter $lmtp_reply_filter "
	    "$local_delivery_status_filter $pipe_delivery_status_filter "
	    "$postscreen_command_filter $smtp_delivery_status_filter "
	    "$smtp_dns_reply_filter $smtp_reply_filter $smtpd_command_filter "
	    "$smtpd_dns_reply_filter $virtual_delivery_status_filter "
	    "$body_checks $header_checks $lmtp_body_checks $lmtp_header_checks "
	    "$lmtp_mime_header_checks $lmtp_nested_header_checks "
	    "$milter_header_checks $mime_header_checks $nested_header_checks "
	    "$smtp_body_checks $smtp_header_checks $smtp_mime_header_checks "
	    "$smtp_nested_header_checks"},
	{"smtp_connection_cache_destinations", ""},
	{"smtp_connection_cache_time_limit", "2s"},
	{"smtp_connection_reuse_time_limit", "300s"},
	{"smtp_connection_reuse_count_limit", "0"},

	/* Content conversion in the child (mime_state.c, smtp_proto.c). */
	{"disable_mime_output_conversion", "no"},
	{"header_size_limit", "102400"},
	{"mime_nesting_limit", "100"},
	{"mime_boundary_length_limit", "2048"},
	{"line_length_limit", "2048"},

	/* TLS client (parent/cfg_tls.c). */
	{"smtp_tls_security_level", ""},
	{"smtp_use_tls", "no"},
	{"smtp_enforce_tls", "no"},
	{"smtp_tls_enforce_peername", "yes"},
	{"smtp_tls_loglevel", "0"},
	{"smtp_tls_note_starttls_offer", "no"},
	{"smtp_tls_scert_verifydepth", "9"},
	{"smtp_tls_CAfile", ""},
	{"smtp_tls_CApath", ""},
	{"smtp_tls_protocols", ">=TLSv1"},
	{"smtp_tls_mandatory_protocols", ">=TLSv1"},
	{"smtp_tls_ciphers", "medium"},
	{"smtp_tls_mandatory_ciphers", "medium"},
	{"smtp_tls_exclude_ciphers", ""},
	{"smtp_tls_mandatory_exclude_ciphers", ""},
	{"tls_high_cipherlist", "aNULL:-aNULL:HIGH:@STRENGTH"},
	{"tls_medium_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH"},
	{"tls_low_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH"},
	{"tls_export_cipherlist",
	    "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH"},
	{"tls_null_cipherlist", "eNULL:!aNULL"},
	{"smtp_tls_servername", ""},
	{"tls_dane_digests", "sha512 sha256"},
	{"smtp_tls_force_insecure_host_tlsa_lookup", "no"},
	{"smtp_tls_dane_insecure_mx_policy",
	    "${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}"},
	{"smtp_tls_verify_cert_match", "hostname"},
	{"smtp_tls_secure_cert_match", "nexthop, dot-nexthop"},
	{"smtp_tls_fingerprint_digest",
	    "${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}"},
	{"smtp_tls_fingerprint_cert_match", ""},
	{"smtp_tls_session_cache_database", ""},
	{"smtp_tls_session_cache_timeout", "3600s"},
	{"smtp_tls_policy_maps", ""},
	{"smtp_tls_per_site", ""},
	{"smtp_tls_cert_file", ""},
	{"smtp_tls_key_file", "$smtp_tls_cert_file"},
	{"smtp_tls_chain_files", ""},
	{"smtp_tls_dcert_file", ""},
	{"smtp_tls_eccert_file", ""},
	{"smtp_tls_eckey_file", "$smtp_tls_eccert_file"},
	{"smtp_tls_trust_anchor_file", ""},
	{"smtp_tls_wrappermode", "no"},
	{"smtp_tls_block_early_mail_reply", "no"},
	{"tls_append_default_CA", "no"},
	{"minimal_backoff_time", "300s"},

	/* smtpjail's own. */
	{"smtpjail_process_name", "smtp"},
	{"smtpjail_sandbox_directory", "/var/lib/smtpjail/empty"},
	{"smtpjail_sandbox_user", "_smtpjail"},
	{"smtpjail_seccomp_debug", "no"},
	{"smtpjail_resolv_conf", "/etc/resolv.conf"},
	{"smtpjail_use_chunking", "yes"},
	{"smtpjail_egress_allow", ""},
};

#define NDEFAULTS (sizeof(sj_param_defaults) / sizeof(sj_param_defaults[0]))

struct sj_param {
	char	*name;
	char	*value;			/* main.cf or -o, or NULL */
	char	*dflt;			/* default or NULL */
	char	*expanded;		/* cache of the expanded value */
};

struct sj_params {
	struct sj_param *v;
	size_t	n;
	size_t	cap;
	int	cached;			/* some .expanded may be set */
	size_t	*slot;			/* hash index: v[] position + 1, 0 free */
	size_t	nslot;			/* power of two, > 2 * cap */
};

/* Growable string, bounded by SJ_PARAM_VALUE_MAX. */
struct sj_dstr {
	char	*s;
	size_t	len;
	size_t	cap;
};

/* One expansion in progress. */
struct sj_exp {
	const struct sj_params *p;
	struct sj_dstr *out;
	int	depth;
	int	err;			/* first error, negative errno */
	char	*why;
	size_t	whysz;
};

#define CHARS_SPACE	" \t\r\n"
#define CHARS_COMMA_SP	", \t\r\n"
#define RELOP_CHARS	"<>!=?+-*/~&|%"

static int exp_text(struct sj_exp *, const char *);

static int
dstr_add(struct sj_dstr *d, const char *s, size_t n)
{
	char	*ns;
	size_t	ncap;

	if (n > SJ_PARAM_VALUE_MAX || d->len + n > SJ_PARAM_VALUE_MAX)
		return (-E2BIG);
	if (d->len + n + 1 > d->cap) {
		ncap = d->cap ? d->cap : 64;
		while (ncap < d->len + n + 1)
			ncap *= 2;
		if ((ns = realloc(d->s, ncap)) == NULL)
			return (-ENOMEM);
		d->s = ns;
		d->cap = ncap;
	}
	memcpy(d->s + d->len, s, n);
	d->len += n;
	d->s[d->len] = '\0';
	return (0);
}

static int
dstr_init(struct sj_dstr *d)
{
	d->s = NULL;
	d->len = d->cap = 0;
	return (dstr_add(d, "", 0));
}

/* FNV-1a over the name: the index behind param_find(). */
static size_t
param_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (h);
}

static void
param_index_put(struct sj_params *p, size_t i)
{
	size_t	k = param_hash(p->v[i].name) & (p->nslot - 1);

	while (p->slot[k] != 0)
		k = (k + 1) & (p->nslot - 1);
	p->slot[k] = i + 1;
}

/* (Re)build the index for the current capacity; -ENOMEM leaves it as is. */
static int
param_index_build(struct sj_params *p)
{
	size_t	nslot = 256, *slot, i;

	while (nslot <= 2 * p->cap)
		nslot *= 2;
	if ((slot = calloc(nslot, sizeof(*slot))) == NULL)
		return (-ENOMEM);
	free(p->slot);
	p->slot = slot;
	p->nslot = nslot;
	for (i = 0; i < p->n; i++)
		param_index_put(p, i);
	return (0);
}

static struct sj_param *
param_find(const struct sj_params *p, const char *name)
{
	size_t	k, i;

	if (p->nslot == 0)
		return (NULL);
	for (k = param_hash(name) & (p->nslot - 1); (i = p->slot[k]) != 0;
	    k = (k + 1) & (p->nslot - 1))
		if (strcmp(p->v[i - 1].name, name) == 0)
			return (&p->v[i - 1]);
	return (NULL);
}

static struct sj_param *
param_find_or_add(struct sj_params *p, const char *name)
{
	struct sj_param *e, *nv;
	size_t	ncap;

	if ((e = param_find(p, name)) != NULL)
		return (e);
	if (p->n == p->cap) {
		ncap = p->cap ? p->cap * 2 : 128;
		if ((nv = realloc(p->v, ncap * sizeof(*nv))) == NULL)
			return (NULL);
		p->v = nv;
		p->cap = ncap;
		if (param_index_build(p) < 0)
			return (NULL);
	}
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return (NULL);
	param_index_put(p, p->n);
	p->n++;
	return (e);
}

/* Any change may alter any expansion: forget them all. */
static void
params_uncache(struct sj_params *p)
{
	size_t	i;

	if (!p->cached)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].expanded);
		p->v[i].expanded = NULL;
	}
	p->cached = 0;
}

static int
param_store(struct sj_params *p, const char *name, const char *value,
    int is_default)
{
	struct sj_param *e;
	char	*copy;

	if (name == NULL || *name == '\0' || value == NULL)
		return (-EINVAL);
	if (strlen(value) > SJ_PARAM_VALUE_MAX)
		return (-E2BIG);
	if ((e = param_find_or_add(p, name)) == NULL)
		return (-ENOMEM);
	if ((copy = strdup(value)) == NULL)
		return (-ENOMEM);
	if (is_default) {
		free(e->dflt);
		e->dflt = copy;
	} else {
		free(e->value);
		e->value = copy;
	}
	params_uncache(p);
	return (0);
}

struct sj_params *
sj_params_new(void)
{
	struct sj_params *p;
	size_t	i;

	/*
	 * The table holds each name once (test_cfg_params checks it), so the
	 * defaults are appended without a search: building the set is linear
	 * rather than quadratic in the table's ~220 rows.
	 */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if ((p->v = calloc(NDEFAULTS, sizeof(*p->v))) == NULL) {
		free(p);
		return (NULL);
	}
	p->cap = NDEFAULTS;
	for (i = 0; i < NDEFAULTS; i++) {
		p->v[i].name = strdup(sj_param_defaults[i].name);
		p->v[i].dflt = strdup(sj_param_defaults[i].value);
		p->n = i + 1;
		if (p->v[i].name == NULL || p->v[i].dflt == NULL) {
			sj_params_free(p);
			return (NULL);
		}
	}
	if (param_index_build(p) < 0) {
		sj_params_free(p);
		return (NULL);
	}
	return (p);
}

void
sj_params_free(struct sj_params *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
		free(p->v[i].dflt);
		free(p->v[i].expanded);
	}
	free(p->v);
	free(p->slot);
	free(p);
}

int
sj_params_set(struct sj_params *p, const char *name, const char *value)
{
	return (param_store(p, name, value, 0));
}

int
sj_params_set_default(struct sj_params *p, const char *name,
    const char *value)
{
	return (param_store(p, name, value, 1));
}

int
sj_params_is_set(const struct sj_params *p, const char *name)
{
	const struct sj_param *e = param_find(p, name);

	return (e != NULL && e->value != NULL);
}

const char *
sj_params_raw(const struct sj_params *p, const char *name)
{
	const struct sj_param *e = param_find(p, name);

	if (e == NULL)
		return (NULL);
	return (e->value ? e->value : e->dflt);
}

const char *
sj_params_nth(const struct sj_params *p, size_t i, int *is_set,
    int *has_default)
{
	if (i >= p->n)
		return (NULL);
	if (is_set != NULL)
		*is_set = p->v[i].value != NULL;
	if (has_default != NULL)
		*has_default = p->v[i].dflt != NULL;
	return (p->v[i].name);
}

/*
 * main.cf syntax.
 */

const char *
sj_params_split_nameval(char *buf, char **name, char **value)
{
	char	*np, *ep, *cp, *vp, *end;

	for (np = buf; *np && isspace((unsigned char)*np); np++)
		continue;
	if (*np == '\0' || *np == '=')
		return ("missing attribute name");
	for (ep = np; *ep && !isspace((unsigned char)*ep) && *ep != '='; ep++)
		continue;
	for (cp = ep; *cp && isspace((unsigned char)*cp); cp++)
		continue;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	*ep = '\0';
	for (vp = cp + 1; *vp && isspace((unsigned char)*vp); vp++)
		continue;
	for (end = vp + strlen(vp); end > vp &&
	    isspace((unsigned char)end[-1]); end--)
		continue;
	*end = '\0';
	*name = np;
	*value = vp;
	return (NULL);
}

static void
warnf(sj_params_warn_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(sj_params_warn_fn fn, void *ctx, const char *fmt, ...)
{
	char	text[1024];
	va_list	ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fn(ctx, text);
}

/* The physical line at *pos: [*start, *start+*len); advances *pos. */
static int
next_physical(const char *buf, size_t buflen, size_t *pos,
    const char **start, size_t *len)
{
	const char *nl;

	if (*pos >= buflen)
		return (0);
	*start = buf + *pos;
	nl = memchr(*start, '\n', buflen - *pos);
	*len = nl ? (size_t)(nl - *start) : buflen - *pos;
	*pos += *len + (nl ? 1 : 0);
	return (1);
}

static int
is_blank_or_comment(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
		continue;
	return (i == len || s[i] == '#');
}

static int
load_logical(struct sj_params *p, const char *label, int lineno,
    char *line, sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	char	*name, *value;
	const char *err, *old;
	int	rc;

	if ((err = sj_params_split_nameval(line, &name, &value)) != NULL) {
		snprintf(why, whysz, "%s, line %d: %s: \"%.100s\"", label,
		    lineno, err, line);
		return (-EINVAL);
	}
	if ((old = sj_params_raw(p, name)) != NULL &&
	    sj_params_is_set(p, name) && strcmp(old, value) != 0)
		warnf(warn, ctx, "%s, line %d: overriding earlier entry: "
		    "%s=%.200s", label, lineno, name, old);
	if ((rc = sj_params_set(p, name, value)) < 0) {
		snprintf(why, whysz, "%s, line %d: parameter %s: %s", label,
		    lineno, name, rc == -E2BIG ? "value too long" :
		    strerror(-rc));
		return (rc);
	}
	return (0);
}

int
sj_params_load_buf(struct sj_params *p, const char *label, const char *buf,
    size_t len, sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	struct sj_dstr lg;
	const char *ls;
	size_t	pos = 0, ll;
	int	lineno = 0, first = 0, rc = 0;

	if (len > SJ_MAIN_CF_MAX) {
		snprintf(why, whysz, "%s: larger than %d bytes", label,
		    SJ_MAIN_CF_MAX);
		return (-EFBIG);
	}
	if ((rc = dstr_init(&lg)) < 0) {
		snprintf(why, whysz, "%s: %s", label, strerror(-rc));
		return (rc);
	}
	while (next_physical(buf, len, &pos, &ls, &ll)) {
		lineno++;
		if (memchr(ls, '\0', ll) != NULL) {
			snprintf(why, whysz, "%s, line %d: NUL byte", label,
			    lineno);
			rc = -EINVAL;
			goto out;
		}
		if (is_blank_or_comment(ls, ll))
			continue;
		if (isspace((unsigned char)*ls)) {
			if (lg.len == 0) {
				/* Postfix skips it, with this warning. */
				warnf(warn, ctx, "%s: logical line must not "
				    "start with whitespace: \"%.30s%s\"",
				    label, ls, ll > 30 ? "..." : "");
				continue;
			}
			/* Continuation: newline dropped, blanks kept. */
			if ((rc = dstr_add(&lg, ls, ll)) < 0)
				goto toolong;
			continue;
		}
		if (lg.len > 0 && (rc = load_logical(p, label, first, lg.s,
		    warn, ctx, why, whysz)) < 0)
			goto out;
		lg.len = 0;
		lg.s[0] = '\0';
		first = lineno;
		if ((rc = dstr_add(&lg, ls, ll)) < 0)
			goto toolong;
	}
	if (lg.len > 0)
		rc = load_logical(p, label, first, lg.s, warn, ctx, why, whysz);
out:
	free(lg.s);
	return (rc);
toolong:
	if (rc == -E2BIG)
		snprintf(why, whysz, "%s, line %d: logical line longer than "
		    "%d bytes", label, first, SJ_PARAM_VALUE_MAX);
	else
		snprintf(why, whysz, "%s: %s", label, strerror(-rc));
	free(lg.s);
	return (rc);
}

int
sj_params_load_file(struct sj_params *p, const char *path,
    sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	struct stat st;
	char	*buf;
	size_t	got = 0;
	ssize_t	n;
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		rc = -errno;
		snprintf(why, whysz, "open %s: %s", path, strerror(errno));
		return (rc);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		snprintf(why, whysz, "open %s: %s", path,
		    rc == -EINVAL ? "not a regular file" : strerror(-rc));
		close(fd);
		return (rc);
	}
	if (st.st_size > SJ_MAIN_CF_MAX) {
		snprintf(why, whysz, "%s: larger than %d bytes", path,
		    SJ_MAIN_CF_MAX);
		close(fd);
		return (-EFBIG);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(why, whysz, "read %s: out of memory", path);
		return (-ENOMEM);
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(why, whysz, "read %s: %s", path,
			    strerror(errno));
			free(buf);
			close(fd);
			return (rc);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rc = sj_params_load_buf(p, path, buf, got, warn, ctx, why, whysz);
	free(buf);
	return (rc);
}

int
sj_params_override(struct sj_params *p, const char *nameval, char *why,
    size_t whysz)
{
	char	*copy, *name, *value;
	const char *err;
	int	rc;

	if ((copy = strdup(nameval)) == NULL)
		return (-ENOMEM);
	if ((err = sj_params_split_nameval(copy, &name, &value)) != NULL) {
		snprintf(why, whysz, "invalid \"-o %.200s\" option value: %s",
		    nameval, err);
		free(copy);
		return (-EINVAL);
	}
	if ((rc = sj_params_set(p, name, value)) < 0)
		snprintf(why, whysz, "invalid \"-o %.200s\" option value: %s",
		    nameval, rc == -E2BIG ? "value too long" : strerror(-rc));
	free(copy);
	return (rc);
}

/*
 * Expansion.
 */

static int
exp_fail(struct sj_exp *x, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
exp_fail(struct sj_exp *x, int err, const char *fmt, ...)
{
	va_list	ap;

	if (x->err == 0) {
		x->err = err;
		if (x->why && x->whysz) {
			va_start(ap, fmt);
			vsnprintf(x->why, x->whysz, fmt, ap);
			va_end(ap);
		}
	}
	return (x->err);
}

/*
 * At *cp (after optional blanks) a '{': return the payload between the
 * balanced braces (terminated in place), advance past '}' and blanks.
 */
static char *
exp_curly(struct sj_exp *x, char **cp)
{
	char	*s = *cp + strspn(*cp, CHARS_SPACE), *payload, *q;
	int	level = 1;

	if (*s != '{')
		return (NULL);
	for (q = payload = s + 1; *q; q++) {
		if (*q == '{')
			level++;
		else if (*q == '}' && --level == 0)
			break;
	}
	if (*q == '\0') {
		exp_fail(x, -EINVAL, "unbalanced {} in attribute expression: "
		    "\"%.60s\"", s);
		return (NULL);
	}
	*q++ = '\0';
	*cp = q + strspn(q, CHARS_SPACE);
	return (payload);
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

/* Compatibility levels: "3.6" < "3.10" (each component numeric). */
static long
level_cmp(const char *a, const char *b)
{
	unsigned long va, vb;
	char	*ea, *eb;

	for (;;) {
		va = strtoul(a, &ea, 10);
		vb = strtoul(b, &eb, 10);
		if (va != vb)
			return (va < vb ? -1 : 1);
		if (*ea != '.' && *eb != '.')
			return (0);
		a = *ea == '.' ? ea + 1 : "0";
		b = *eb == '.' ? eb + 1 : "0";
	}
}

static int
level_ok(const char *s)
{
	/* digits, optionally ".digits" and ".digits" again */
	int	parts = 0;

	for (;;) {
		if (!isdigit((unsigned char)*s))
			return (0);
		while (isdigit((unsigned char)*s))
			s++;
		if (++parts > 3)
			return (0);
		if (*s == '\0')
			return (1);
		if (*s++ != '.')
			return (0);
	}
}

/* Expand text into a fresh string, sharing depth and error state. */
static char *
exp_sub(struct sj_exp *x, const char *text)
{
	struct sj_dstr d, *saved = x->out;

	if (dstr_init(&d) < 0) {
		exp_fail(x, -ENOMEM, "out of memory");
		return (NULL);
	}
	x->out = &d;
	exp_text(x, text);
	x->out = saved;
	if (x->err) {
		free(d.s);
		return (NULL);
	}
	return (d.s);
}

/* ${{a} OP {b} ...}: *result "true" or "", *cp past the right operand. */
static int
exp_relational(struct sj_exp *x, char **cp, const char **result)
{
	static const char *ops[] = {"==", "!=", "<", "<=", ">=", ">"};
	char	*left, *right, *op, *lv = NULL, *rv = NULL, *end;
	size_t	oplen, i, sfx = 0;
	long	delta, a, b;
	int	op_idx = -1, level = 0;

	if ((left = exp_curly(x, cp)) == NULL)
		return (x->err ? x->err : -EINVAL);
	op = *cp;
	oplen = strspn(op, RELOP_CHARS);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i]) == oplen && strncmp(op, ops[i], oplen) == 0)
			op_idx = (int)i;
	if (op_idx < 0)
		return (exp_fail(x, -EINVAL, "\"==\" or \"!=\" or \"<\" or "
		    "\"<=\" or \">=\" or \">\" expected at: \"...%.40s}>>>"
		    "%.20s\"", left, op));
	while (isalnum((unsigned char)op[oplen + sfx]))
		sfx++;
	if (sfx > 0) {
		if (sfx != 5 || strncmp(op + oplen, "level", 5) != 0)
			return (exp_fail(x, -EINVAL, "bad operator suffix at: "
			    "\"...%.*s>>>%.*s\"", (int)oplen, op, (int)sfx,
			    op + oplen));
		level = 1;
	}
	*cp = op + oplen + sfx;
	if ((right = exp_curly(x, cp)) == NULL) {
		if (x->err)
			return (x->err);
		return (exp_fail(x, -EINVAL, "\"{expression}\" expected at: "
		    "\"...{%.40s} %.*s>>>%.20s\"", left, (int)(oplen + sfx),
		    op, *cp));
	}
	if ((lv = exp_sub(x, left)) == NULL ||
	    (rv = exp_sub(x, right)) == NULL) {
		free(lv);
		return (x->err);
	}
	if (level) {
		if (!level_ok(lv) || !level_ok(rv)) {
			exp_fail(x, -EINVAL, "bad compatibility level: "
			    "\"%.40s\" or \"%.40s\"", lv, rv);
			free(lv);
			free(rv);
			return (x->err);
		}
		delta = level_cmp(lv, rv);
	} else if (all_digits(lv) && all_digits(rv)) {
		errno = 0;
		a = strtol(lv, &end, 10);
		b = errno == 0 ? strtol(rv, &end, 10) : 0;
		if (errno == ERANGE) {
			exp_fail(x, -ERANGE, "bad conversion: %.40s or %.40s",
			    lv, rv);
			free(lv);
			free(rv);
			return (x->err);
		}
		delta = a < b ? -1 : a > b;
	} else {
		delta = strcmp(lv, rv);
	}
	free(lv);
	free(rv);
	switch (op_idx) {
	case 0:
		*result = delta == 0 ? "true" : "";
		break;
	case 1:
		*result = delta != 0 ? "true" : "";
		break;
	case 2:
		*result = delta < 0 ? "true" : "";
		break;
	case 3:
		*result = delta <= 0 ? "true" : "";
		break;
	case 4:
		*result = delta >= 0 ? "true" : "";
		break;
	default:
		*result = delta > 0 ? "true" : "";
		break;
	}
	return (0);
}

/* One $name / ${...} / $(...) reference; expr is a writable copy. */
static int
exp_expr(struct sj_exp *x, char *expr)
{
	const char *lookup = NULL;
	char	*cp = expr, *start, *iftrue, *iffalse;
	size_t	ws;
	int	ch;

	if (++x->depth > SJ_PARAM_NEST_MAX)
		return (exp_fail(x, -ELOOP, "unreasonable macro call nesting: "
		    "\"%.60s\" (a parameter refers to itself?)", expr));
	if (cp[strspn(cp, CHARS_SPACE)] == '{') {
		if (exp_relational(x, &cp, &lookup) < 0)
			return (x->err);
		if ((ch = *cp) != '\0') {
			if (ch != '?' && ch != ':')
				return (exp_fail(x, -EINVAL, "\"?\" or \":\" "
				    "expected at: \"...}>>>%.20s\"", cp));
			cp++;
		}
	} else {
		start = cp = cp + strspn(cp, CHARS_SPACE);
		for (;;) {
			ws = strspn(cp, CHARS_SPACE);
			ch = cp[ws];
			if (ch == '\0') {
				*cp = '\0';
				break;
			}
			if (ch == '?' || ch == ':') {
				*cp = '\0';
				cp += ws + 1;
				break;
			}
			if (!isalnum((unsigned char)*cp) && *cp != '_')
				return (exp_fail(x, -EINVAL, "attribute name "
				    "syntax error at: \"...%.*s>>>%.20s\"",
				    (int)(cp - expr), expr, cp));
			cp++;
		}
		lookup = sj_params_raw(x->p, start);
	}
	switch (ch) {
	case '?':
		if ((iftrue = exp_curly(x, &cp)) == NULL) {
			if (x->err)
				return (x->err);
			iftrue = cp;
			cp = "";
		}
		if (lookup != NULL && *lookup != '\0' &&
		    exp_text(x, iftrue) < 0)
			return (x->err);
		if (*cp == '\0')
			break;
		if (*cp != ':')
			return (exp_fail(x, -EINVAL, "\":\" expected at: "
			    "\"...%.40s}>>>%.20s\"", iftrue, cp));
		cp++;
		/* ${x?{a}:{b}}: go on with the ':' operand. */
		/* FALLTHROUGH */
	case ':':
		if ((iffalse = exp_curly(x, &cp)) == NULL) {
			if (x->err)
				return (x->err);
			iffalse = cp;
			cp = "";
		}
		if ((lookup == NULL || *lookup == '\0') &&
		    exp_text(x, iffalse) < 0)
			return (x->err);
		if (*cp != '\0')
			return (exp_fail(x, -EINVAL, "unexpected input at: "
			    "\"...%.40s}>>>%.20s\"", iffalse, cp));
		break;
	default:
		/* Undefined or empty: nothing. Else expand recursively. */
		if (lookup != NULL && *lookup != '\0' &&
		    exp_text(x, lookup) < 0)
			return (x->err);
		break;
	}
	x->depth--;
	return (0);
}

/* Postfix mac_parse(): literal text and $ references. */
static int
exp_text(struct sj_exp *x, const char *text)
{
	const char *vp = text, *ep;
	char	open, close, *expr;
	size_t	lit;
	int	level, rc;

	while (*vp && x->err == 0) {
		if (*vp != '$') {
			lit = strcspn(vp, "$");
			if ((rc = dstr_add(x->out, vp, lit)) < 0)
				return (exp_fail(x, rc, "expanded value longer "
				    "than %d bytes", SJ_PARAM_VALUE_MAX));
			vp += lit;
			continue;
		}
		if (vp[1] == '$') {
			if ((rc = dstr_add(x->out, "$", 1)) < 0)
				return (exp_fail(x, rc, "expanded value longer "
				    "than %d bytes", SJ_PARAM_VALUE_MAX));
			vp += 2;
			continue;
		}
		vp++;
		if (*vp == '{' || *vp == '(') {
			open = *vp;
			close = open == '{' ? '}' : ')';
			level = 1;
			for (ep = ++vp; *ep; ep++) {
				if (*ep == open)
					level++;
				else if (*ep == close && --level == 0)
					break;
			}
			if (*ep == '\0')
				return (exp_fail(x, -EINVAL, "truncated macro "
				    "reference: \"%.60s\"", text));
			expr = strndup(vp, (size_t)(ep - vp));
			vp = ep + 1;
		} else {
			for (ep = vp; isalnum((unsigned char)*ep) ||
			    *ep == '_'; ep++)
				continue;
			expr = strndup(vp, (size_t)(ep - vp));
			vp = ep;
		}
		if (expr == NULL)
			return (exp_fail(x, -ENOMEM, "out of memory"));
		if (*expr == '\0') {
			free(expr);
			return (exp_fail(x, -EINVAL, "empty macro name: "
			    "\"%.60s\"", text));
		}
		rc = exp_expr(x, expr);
		free(expr);
		if (rc < 0)
			return (rc);
	}
	return (x->err);
}

int
sj_params_expand(const struct sj_params *p, const char *text, char **out,
    char *why, size_t whysz)
{
	struct sj_dstr d;
	struct sj_exp x;

	*out = NULL;
	if (dstr_init(&d) < 0) {
		snprintf(why, whysz, "out of memory");
		return (-ENOMEM);
	}
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.out = &d;
	x.why = why;
	x.whysz = whysz;
	if (exp_text(&x, text) < 0) {
		free(d.s);
		return (x.err);
	}
	*out = d.s;
	return (0);
}

const char *
sj_params_get(struct sj_params *p, const char *name, char *why,
    size_t whysz)
{
	struct sj_param *e = param_find(p, name);
	const char *raw;
	char	inner[512];

	if (whysz)
		why[0] = '\0';
	if (e == NULL || (raw = e->value ? e->value : e->dflt) == NULL)
		return (NULL);
	if (e->expanded != NULL)
		return (e->expanded);
	inner[0] = '\0';
	if (sj_params_expand(p, raw, &e->expanded, inner,
	    sizeof(inner)) < 0) {
		snprintf(why, whysz, "parameter %s: %s", name, inner);
		return (NULL);
	}
	p->cached = 1;
	return (e->expanded);
}

/*
 * Typed getters.
 */

int
sj_params_get_str(struct sj_params *p, const char *name, const char **out,
    char *why, size_t whysz)
{
	if ((*out = sj_params_get(p, name, why, whysz)) != NULL)
		return (0);
	if (whysz && why[0] == '\0')
		snprintf(why, whysz, "parameter %s: no value and no default",
		    name);
	return (-EINVAL);
}

/*
 * A copy of the parameter's value in *out (the old copy freed), for a
 * module that keeps it beyond the parameter table.
 */
int
sj_params_dup_str(struct sj_params *p, const char *name, char **out,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	free(*out);
	if ((*out = strdup(v)) == NULL) {
		snprintf(why, whysz, "parameter %s: out of memory", name);
		return (-ENOMEM);
	}
	return (0);
}

int
sj_params_get_bool(struct sj_params *p, const char *name, int *out,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if (strcasecmp(v, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0)
		*out = 0;
	else {
		snprintf(why, whysz, "bad boolean configuration: %s = %.100s "
		    "(expected yes or no)", name, v);
		return (-EINVAL);
	}
	return (0);
}

static int
check_range(const char *name, long v, long min, long max, char *why,
    size_t whysz)
{
	if (v < min) {
		snprintf(why, whysz, "invalid %s: %ld (min %ld)", name, v,
		    min);
		return (-ERANGE);
	}
	if (v > max) {
		snprintf(why, whysz, "invalid %s: %ld (max %ld)", name, v,
		    max);
		return (-ERANGE);
	}
	return (0);
}

int
sj_params_get_int(struct sj_params *p, const char *name, long min, long max,
    long *out, char *why, size_t whysz)
{
	const char *v;
	char	*end;
	long	n;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno == ERANGE ||
	    n < INT_MIN || n > INT_MAX) {
		snprintf(why, whysz, "bad numerical configuration: %s = %.100s",
		    name, v);
		return (-EINVAL);
	}
	if ((rc = check_range(name, n, min, max, why, whysz)) < 0)
		return (rc);
	*out = n;
	return (0);
}

int
sj_conv_time(const char *text, int def_unit, long *secs)
{
	char	*end;
	long	n, mult;

	errno = 0;
	n = strtol(text, &end, 10);
	if (*text == '\0' || end == text || errno == ERANGE || n < 0 ||
	    n > INT_MAX)
		return (-EINVAL);
	/* Only the first character after the digits counts ("10sec"). */
	switch (*end ? *end : def_unit) {
	case 'w':
		mult = 7 * 24 * 3600;
		break;
	case 'd':
		mult = 24 * 3600;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'm':
		mult = 60;
		break;
	case 's':
		mult = 1;
		break;
	default:
		return (-EINVAL);
	}
	if (n >= INT_MAX / mult && mult > 1)
		return (-EINVAL);
	*secs = n * mult;
	return (0);
}

int
sj_params_get_time(struct sj_params *p, const char *name, int def_unit,
    long min, long max, long *out, char *why, size_t whysz)
{
	const char *v;
	long	secs;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if (sj_conv_time(v, def_unit, &secs) < 0) {
		snprintf(why, whysz, "parameter %s: bad time value or unit: "
		    "%.100s", name, v);
		return (-EINVAL);
	}
	if ((rc = check_range(name, secs, min, max, why, whysz)) < 0)
		return (rc);
	*out = secs;
	return (0);
}

void
sj_list_free(char **argv, int argc)
{
	int	i;

	if (argv == NULL)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int
sj_list_split(const char *text, char ***argvp, int *argcp)
{
	char	**argv = NULL, **nv;
	const char *cp = text;
	size_t	n;
	int	argc = 0;

	*argvp = NULL;
	*argcp = 0;
	for (;;) {
		cp += strspn(cp, CHARS_COMMA_SP);
		if (*cp == '\0')
			break;
		n = strcspn(cp, CHARS_COMMA_SP);
		if ((nv = realloc(argv, (size_t)(argc + 2) * sizeof(*nv))) ==
		    NULL)
			goto nomem;
		argv = nv;
		if ((argv[argc] = strndup(cp, n)) == NULL)
			goto nomem;
		argv[++argc] = NULL;
		cp += n;
	}
	if (argv == NULL && (argv = calloc(1, sizeof(*argv))) == NULL)
		return (-ENOMEM);
	*argvp = argv;
	*argcp = argc;
	return (0);
nomem:
	sj_list_free(argv, argc);
	return (-ENOMEM);
}

int
sj_params_get_list(struct sj_params *p, const char *name, char ***argv,
    int *argc, char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_list_split(v, argv, argc)) < 0)
		snprintf(why, whysz, "parameter %s: %s", name, strerror(-rc));
	return (rc);
}
