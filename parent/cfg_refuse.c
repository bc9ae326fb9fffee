/*
 * NAME
 *	cfg_refuse 3
 * SUMMARY
 *	fail closed: refuse at start every smtp(8) setting smtpjail does not do
 * DESCRIPTION
 *	One table, one row per parameter, of every parameter that Postfix
 *	3.7's smtp(8) reads (its manual page and postconf -d of Debian's
 *	3.7.11: smtp_*, tls_*, the lmtp_* names it reads when it runs as
 *	lmtp(8), and the generic daemon parameters it uses), plus the
 *	generic ones smtpjail's parent reads. Each row says whether
 *	smtpjail honours the parameter, ignores it because no value can
 *	change what is sent (CFG_INERT, with the reason), or refuses it
 *	(CFG_REFUSED, with the reason and the values that still start).
 *
 *	cfg_refuse_check() reports, one line each, every refused parameter
 *	whose value (set in main.cf or -o, or its default, which may name
 *	another parameter that is set) is other than its Postfix 3.7
 *	default (expanded as Postfix would, so a default that depends on
 *	compatibility_level is the default of the configured level) and
 *	other than the values that mean "off" ("", none, no). A row that
 *	only matters when a feature is on (its "dep": smtp_tls_CApath
 *	while TLS is off) is accepted while that feature is off. It also
 *	reports every smtpjail_* name that has no built-in default in the
 *	parameter store (a name smtpjail does not know) with the nearest
 *	known name. The caller logs each line as fatal and exits, so
 *	master(8) logs the failed start and qmgr(8) defers the mail:
 *	nothing is ever delivered in a weaker form than configured.
 *
 *	When smtpjail learns a feature, its rows move from CFG_REFUSED to
 *	CFG_HONOURED here and in README "Parameters" (a unit test keeps
 *	the two consistent).
 * SECURITY
 *	Parent, while root, before the child is started. main.cf and -o
 *	are trusted configuration; values are only compared, never used.
 * SEE ALSO
 *	parent/cfg_params.c, README.md "Parameters", Postfix
 *	smtp/smtp.c (smtp(8) manual: CONFIGURATION PARAMETERS),
 *	global/mail_params.h
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_params.h"
#include "cfg_refuse.h"

#define HON(f, n, d) \
	{ n, CFG_HONOURED, CFG_FAM_##f, CFG_DEP_NONE, d, NULL, NULL }
#define INERT(f, n, d, r) \
	{ n, CFG_INERT, CFG_FAM_##f, CFG_DEP_NONE, d, NULL, r }
#define REF(f, n, d, dep, acc, r) \
	{ n, CFG_REFUSED, CFG_FAM_##f, CFG_DEP_##dep, d, acc, r }

/* Reasons shared by many rows. */
#define R_TLSMGR "tlsmgr(8) is not used"
#define R_TLS_SERVER "read only by TLS servers"
#define R_CLIENT_DSA "DSA client keys are not implemented (RSA and ECDSA are)"
#define R_TLS_LIB "this OpenSSL tuning is not implemented"
#define R_EECDH_GRADE "read by TLS servers only (smtpd_tls_eecdh_grade); " \
		"Postfix 3.7's TLS client takes its curves from " \
		"tls_eecdh_auto_curves"
#define R_LMTP	"read only when smtp(8) runs as lmtp(8); smtpjail is an " \
		"SMTP client"
#define R_PIX	"the Cisco PIX workarounds (HELO instead of EHLO, a delay " \
		"before the final dot for old mail) are not implemented"
#define R_DEADLINE "smtp_per_request_deadline is not implemented"

static const struct cfg_refuse_row cfg_refuse_rows[] = {
	/* Daemon life cycle, services, logging. */
	HON(DAEMON, "config_directory", "/etc/postfix"),
	HON(DAEMON, "queue_directory", "/var/spool/postfix"),
	HON(DAEMON, "mail_owner", "postfix"),
	HON(DAEMON, "daemon_timeout", "18000s"),
	HON(DAEMON, "ipc_timeout", "3600s"),
	HON(DAEMON, "max_idle", "100s"),
	HON(DAEMON, "max_use", "100"),
	HON(DAEMON, "process_name", ""),
	HON(DAEMON, "service_name", ""),
	INERT(DAEMON, "process_id", "",
	    "read-only: the process id, set by the daemon"),
	HON(DAEMON, "syslog_facility", "mail"),
	HON(DAEMON, "syslog_name",
	    "${multi_instance_name?{$multi_instance_name}:{postfix}}"),
	HON(DAEMON, "maillog_file", ""),
	HON(DAEMON, "maillog_file_prefixes", "/var, /dev/stdout"),
	HON(DAEMON, "postlog_service_name", "postlog"),
	HON(DAEMON, "delay_logging_resolution_limit", "2"),
	HON(DAEMON, "bounce_service_name", "bounce"),
	HON(DAEMON, "defer_service_name", "defer"),
	HON(DAEMON, "trace_service_name", "trace"),
	HON(DAEMON, "address_verify_service_name", "verify"),
	HON(DAEMON, "flush_service_name", "flush"),
	REF(DAEMON, "info_log_address_format", "external", NONE, NULL,
	    "addresses are logged in external form only"),
	/* scache(8) I/O when idle children are shared (child_lend.c). */
	HON(DAEMON, "connection_cache_protocol_timeout", "5s"),
	/* scache(8)'s cap on a loan: whether lending shortens a child's
	 * idle life (parent/child_pool.c). */
	HON(DAEMON, "connection_cache_ttl_limit", "2s"),

	/* Nexthops, DNS, addresses, ports. */
	HON(DELIVERY, "relayhost", ""),
	HON(DELIVERY, "fallback_relay", ""),
	HON(DELIVERY, "smtp_fallback_relay", "$fallback_relay"),
	HON(DELIVERY, "best_mx_transport", ""),
	HON(DELIVERY, "fast_flush_domains", "$relay_domains"),
	HON(DELIVERY, "soft_bounce", "no"),
	HON(DELIVERY, "disable_dns_lookups", "no"),
	HON(DELIVERY, "ignore_mx_lookup_error", "no"),
	HON(DELIVERY, "inet_interfaces", "all"),
	HON(DELIVERY, "inet_protocols", "all"),
	HON(DELIVERY, "proxy_interfaces", ""),
	HON(DELIVERY, "smtp_address_preference", "any"),
	HON(DELIVERY, "smtp_defer_if_no_mx_address_found", "no"),
	HON(DELIVERY, "smtp_mx_address_limit", "5"),
	HON(DELIVERY, "smtp_mx_session_limit", "2"),
	HON(DELIVERY, "smtp_randomize_addresses", "yes"),
	HON(DELIVERY, "smtp_tcp_port", "smtp"),
	HON(DELIVERY, "smtputf8_enable",
	    "${{$compatibility_level} <level {1} ? {no} : {yes}}"),
	HON(DELIVERY, "smtp_dns_support_level", ""),
	HON(DELIVERY, "dnssec_probe", "ns:."),
	HON(DELIVERY, "smtp_host_lookup", "dns"),
	REF(DELIVERY, "smtp_balance_inet_protocols", "yes", NONE, NULL,
	    "addresses are always balanced between IPv4 and IPv6"),
	/* The egress broker binds the child's sockets (parent/broker.c). */
	HON(DELIVERY, "smtp_bind_address", ""),
	HON(DELIVERY, "smtp_bind_address6", ""),
	HON(DELIVERY, "smtp_bind_address_enforce", "no"),
	REF(DELIVERY, "smtp_cname_overrides_servername", "no", NONE, NULL,
	    "the server name is always the MX host name"),
	REF(DELIVERY, "smtp_dns_resolver_options", "", NONE, NULL,
	    "the resolver takes its options from smtpjail_resolv_conf"),
	REF(DELIVERY, "smtp_dns_reply_filter", "", NONE, NULL,
	    "DNS reply filters are not implemented: the records are parsed "
	    "in the sandboxed child, which would need the parent's "
	    "pattern tables (not yet)"),
	REF(DELIVERY, "enable_idna2003_compatibility", "no", NONE, NULL,
	    "domain names are converted with UTS #46 non-transitional "
	    "processing only"),
	REF(DELIVERY, "smtp_address_verify_target", "rcpt", NONE, NULL,
	    "address probes always end after RCPT TO"),
	REF(DELIVERY, "tcp_windowsize", "0", NONE, NULL,
	    "the TCP window is left to the kernel"),

	/* The SMTP conversation. */
	HON(SESSION, "smtp_helo_name", "$myhostname"),
	HON(SESSION, "smtp_never_send_ehlo", "no"),
	HON(SESSION, "smtp_connect_timeout", "30s"),
	HON(SESSION, "smtp_helo_timeout", "300s"),
	HON(SESSION, "smtp_mail_timeout", "300s"),
	HON(SESSION, "smtp_rcpt_timeout", "300s"),
	HON(SESSION, "smtp_data_init_timeout", "120s"),
	HON(SESSION, "smtp_data_xfer_timeout", "180s"),
	HON(SESSION, "smtp_data_done_timeout", "600s"),
	HON(SESSION, "smtp_quit_timeout", "300s"),
	HON(SESSION, "smtp_rset_timeout", "20s"),
	HON(SESSION, "smtp_line_length_limit", "998"),
	HON(SESSION, "smtp_skip_5xx_greeting", "yes"),
	HON(SESSION, "smtp_skip_quit_response", "yes"),
	REF(SESSION, "smtp_always_send_ehlo", "yes", NONE, NULL,
	    "EHLO is always sent unless smtp_never_send_ehlo = yes"),
	REF(SESSION, "smtp_quote_rfc821_envelope", "yes", NONE, NULL,
	    "envelope addresses are always quoted as RFC 5321 requires"),
	REF(SESSION, "smtp_reply_filter", "", NONE, NULL,
	    "reply filters are not implemented: each server reply line is "
	    "read by the sandboxed child, which would need the parent's "
	    "pattern tables (not yet)"),
	/* parent/ehlo_discard.c: the mask travels with the socket. */
	HON(SESSION, "smtp_discard_ehlo_keywords", ""),
	HON(SESSION, "smtp_discard_ehlo_keyword_address_maps", ""),
	REF(SESSION, "smtp_pix_workarounds", "disable_esmtp,delay_dotcrlf",
	    NONE, "", R_PIX),
	REF(SESSION, "smtp_pix_workaround_maps", "", NONE, NULL, R_PIX),
	REF(SESSION, "smtp_pix_workaround_delay_time", "10s", PIX, NULL,
	    R_PIX),
	REF(SESSION, "smtp_pix_workaround_threshold_time", "500s", PIX, NULL,
	    R_PIX),
	REF(SESSION, "smtp_per_request_deadline",
	    "${smtp_per_record_deadline?{$smtp_per_record_deadline}:{no}}",
	    NONE, "no", R_DEADLINE),
	REF(SESSION, "smtp_per_record_deadline", "", NONE, "no", R_DEADLINE),
	REF(SESSION, "smtp_min_data_rate", "500", DEADLINE, NULL, R_DEADLINE),
	REF(SESSION, "smtp_send_xforward_command", "no", NONE, NULL,
	    "XFORWARD is not implemented"),
	REF(SESSION, "smtp_xforward_timeout", "300s", XFORWARD, NULL,
	    "XFORWARD is not implemented"),
	/* parent/dsn_filter.c */
	HON(SESSION, "smtp_delivery_status_filter",
	    "$default_delivery_status_filter"),

	/* Connection reuse. */
	HON(CACHE, "smtp_connection_cache_on_demand", "yes"),
	HON(CACHE, "smtp_connection_cache_destinations", ""),
	HON(CACHE, "smtp_connection_cache_time_limit", "2s"),
	HON(CACHE, "smtp_connection_reuse_time_limit", "300s"),
	HON(CACHE, "smtp_connection_reuse_count_limit", "0"),

	/* Content, headers, address rewriting. */
	/* Envelope in the parent, headers in the child (generic_map.c). */
	HON(CONTENT, "smtp_generic_maps", ""),
	/* regexp: and pcre: tables; parent/checks_load.c refuses the rest. */
	HON(CONTENT, "smtp_header_checks", ""),
	HON(CONTENT, "smtp_mime_header_checks", ""),
	HON(CONTENT, "smtp_nested_header_checks", ""),
	HON(CONTENT, "smtp_body_checks", ""),
	HON(CONTENT, "disable_mime_output_conversion", "no"),
	HON(CONTENT, "mime_boundary_length_limit", "2048"),
	HON(CONTENT, "mime_nesting_limit", "100"),
	HON(CONTENT, "header_size_limit", "102400"),
	HON(CONTENT, "line_length_limit", "2048"),

	/* Postmaster notices, debugging. */
	HON(NOTICE, "notify_classes", "resource, software"),
	HON(NOTICE, "error_notice_recipient", "postmaster"),
	HON(NOTICE, "double_bounce_sender", "double-bounce"),
	HON(NOTICE, "cleanup_service_name", "cleanup"),
	HON(NOTICE, "mail_name", "Postfix"),
	HON(NOTICE, "header_from_format", "standard"),
	HON(NOTICE, "internal_mail_filter_classes", ""),
	HON(NOTICE, "smtputf8_autodetect_classes", "sendmail, verify"),
	HON(NOTICE, "debug_peer_list", ""),
	HON(NOTICE, "debug_peer_level", "2"),

	/* TLS (parent/cfg_tls.c, child/smtp_starttls.c). */
	HON(TLS, "smtp_tls_security_level", ""),
	HON(TLS, "smtp_use_tls", "no"),
	HON(TLS, "smtp_enforce_tls", "no"),
	HON(TLS, "smtp_tls_enforce_peername", "yes"),
	HON(TLS, "smtp_tls_wrappermode", "no"),
	HON(TLS, "smtp_starttls_timeout", "300s"),
	HON(TLS, "smtp_tls_CAfile", ""),
	HON(TLS, "smtp_tls_CApath", ""),
	/* The key stays in the parent (parent/tls_sign.c). */
	HON(TLS, "smtp_tls_cert_file", ""),
	HON(TLS, "smtp_tls_key_file", "$smtp_tls_cert_file"),
	HON(TLS, "smtp_tls_chain_files", ""),
	HON(TLS, "smtp_tls_eccert_file", ""),
	HON(TLS, "smtp_tls_eckey_file", "$smtp_tls_eccert_file"),
	HON(TLS, "smtp_tls_protocols", ">=TLSv1"),
	HON(TLS, "smtp_tls_mandatory_protocols", ">=TLSv1"),
	HON(TLS, "smtp_tls_ciphers", "medium"),
	HON(TLS, "smtp_tls_mandatory_ciphers", "medium"),
	HON(TLS, "smtp_tls_exclude_ciphers", ""),
	HON(TLS, "smtp_tls_mandatory_exclude_ciphers", ""),
	HON(TLS, "tls_high_cipherlist", "aNULL:-aNULL:HIGH:@STRENGTH"),
	HON(TLS, "tls_medium_cipherlist",
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH"),
	HON(TLS, "tls_low_cipherlist",
	    "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH"),
	HON(TLS, "tls_export_cipherlist",
	    "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH"),
	HON(TLS, "tls_null_cipherlist", "eNULL:!aNULL"),
	HON(TLS, "smtp_tls_verify_cert_match", "hostname"),
	HON(TLS, "smtp_tls_secure_cert_match", "nexthop, dot-nexthop"),
	HON(TLS, "smtp_tls_fingerprint_cert_match", ""),
	HON(TLS, "smtp_tls_fingerprint_digest",
	    "${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}"),
	HON(TLS, "smtp_tls_servername", ""),
	HON(TLS, "smtp_tls_scert_verifydepth", "9"),
	HON(TLS, "smtp_tls_loglevel", "0"),
	HON(TLS, "smtp_tls_note_starttls_offer", "no"),
	/* The child's own session cache (child/tls_sesscache.c). */
	HON(TLS, "smtp_tls_session_cache_database", ""),
	HON(TLS, "smtp_tls_session_cache_timeout", "3600s"),
	/* Read per job by the parent (parent/tls_policy.c). */
	HON(TLS, "smtp_tls_policy_maps", ""),
	/* Read at start by the parent (parent/tls_tafile.c). */
	HON(TLS, "smtp_tls_trust_anchor_file", ""),
	INERT(TLS, "tlsmgr_service_name", "tlsmgr", R_TLSMGR),
	INERT(TLS, "tls_daemon_random_bytes", "32", R_TLSMGR),
	INERT(TLS, "tls_random_bytes", "32", R_TLSMGR),
	INERT(TLS, "tls_random_exchange_name", "${data_directory}/prng_exch",
	    R_TLSMGR),
	INERT(TLS, "tls_random_prng_update_period", "3600s", R_TLSMGR),
	INERT(TLS, "tls_random_reseed_period", "3600s", R_TLSMGR),
	INERT(TLS, "tls_random_source", "dev:/dev/urandom", R_TLSMGR),
	INERT(TLS, "tls_preempt_cipherlist", "no", R_TLS_SERVER),
	INERT(TLS, "tls_server_sni_maps", "", R_TLS_SERVER),
	INERT(TLS, "tls_session_ticket_cipher", "aes-256-cbc", R_TLS_SERVER),
	/* dane, dane-only (child/dane_server.c). */
	HON(TLS, "smtp_tls_dane_insecure_mx_policy",
	    "${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}"),
	HON(TLS, "tls_dane_digests", "sha512 sha256"),
	HON(TLS, "smtp_tls_force_insecure_host_tlsa_lookup", "no"),
	/* Refused at any level, as parent/cfg_tls.c refuses them. */
	REF(TLS, "smtp_tls_per_site", "", NONE, NULL,
	    "per-destination TLS policy tables are not implemented"),
	REF(TLS, "smtp_tls_dcert_file", "", NONE, NULL, R_CLIENT_DSA),
	REF(TLS, "smtp_tls_dkey_file", "$smtp_tls_dcert_file", NONE, NULL,
	    R_CLIENT_DSA),
	REF(TLS, "tls_append_default_CA", "no", NONE, NULL,
	    "the system's default CAs are never added"),
	REF(TLS, "smtp_tls_block_early_mail_reply", "no", NONE, NULL,
	    "not implemented"),
	/* Matter only once TLS is on. */
	HON(TLS, "smtp_tls_connection_reuse", "no"),
	REF(TLS, "tls_config_file", "default", TLS, NULL, R_TLS_LIB),
	REF(TLS, "tls_config_name", "", TLS, NULL, R_TLS_LIB),
	HON(TLS, "tls_disable_workarounds", ""),
	HON(TLS, "tls_ssl_options", ""),
	HON(TLS, "tls_eecdh_auto_curves",
	    "X25519 X448 prime256v1 secp521r1 secp384r1"),
	INERT(TLS, "tls_eecdh_strong_curve", "prime256v1", R_EECDH_GRADE),
	INERT(TLS, "tls_eecdh_ultra_curve", "secp384r1", R_EECDH_GRADE),
	REF(TLS, "tls_fast_shutdown_enable", "yes", TLS, NULL, R_TLS_LIB),
	REF(TLS, "tls_legacy_public_key_fingerprints", "no", TLS, NULL,
	    R_TLS_LIB),
	REF(TLS, "tls_wildcard_matches_multiple_labels", "yes", TLS, NULL,
	    R_TLS_LIB),

	/* SASL (parent/sasl.c, child/smtp_auth.c). */
	HON(SASL, "smtp_sasl_auth_enable", "no"),
	HON(SASL, "smtp_sasl_auth_soft_bounce", "yes"),
	HON(SASL, "smtp_sasl_mechanism_filter", ""),
	HON(SASL, "smtp_sasl_password_maps", ""),
	HON(SASL, "smtp_sasl_security_options", "noplaintext, noanonymous"),
	HON(SASL, "smtp_sasl_tls_security_options",
	    "$smtp_sasl_security_options"),
	HON(SASL, "smtp_sasl_tls_verified_security_options",
	    "$smtp_sasl_tls_security_options"),
	HON(SASL, "smtp_sasl_type", "cyrus"),
	HON(SASL, "smtp_sender_dependent_authentication", "no"),
	INERT(SASL, "smtp_sasl_path", "",
	    "Postfix's Cyrus client ignores it too"),
	INERT(SASL, "smtp_sasl_auth_cache_time", "90d",
	    "read only with smtp_sasl_auth_cache_name, which is refused"),
	REF(SASL, "smtp_sasl_auth_cache_name", "", SASL, NULL,
	    "the SASL authentication failure cache is not implemented"),
	REF(SASL, "smtp_send_dummy_mail_auth", "no", SASL, NULL,
	    "MAIL FROM ... AUTH=<> is not implemented"),
	REF(SASL, "send_cyrus_sasl_authzid", "no", SASL, NULL,
	    "a SASL authorization id is not implemented"),

	/* LMTP mode of smtp(8). */
	INERT(LMTP, "lmtp_assume_final", "no", R_LMTP),
	INERT(LMTP, "lmtp_discard_lhlo_keyword_address_maps", "", R_LMTP),
	INERT(LMTP, "lmtp_discard_lhlo_keywords", "", R_LMTP),
	INERT(LMTP, "lmtp_fallback_relay", "", R_LMTP),
	INERT(LMTP, "lmtp_lhlo_name", "$myhostname", R_LMTP),
	INERT(LMTP, "lmtp_lhlo_timeout", "300s", R_LMTP),
	INERT(LMTP, "lmtp_tcp_port", "24", R_LMTP),
};

#define NROWS	(sizeof(cfg_refuse_rows) / sizeof(cfg_refuse_rows[0]))

static const char *const cfg_family_names[CFG_FAM_COUNT] = {
	[CFG_FAM_DAEMON] = "daemon, services and logging",
	[CFG_FAM_DELIVERY] = "nexthops, DNS and addresses",
	[CFG_FAM_SESSION] = "the SMTP session",
	[CFG_FAM_CACHE] = "connection reuse",
	[CFG_FAM_CONTENT] = "content and address rewriting",
	[CFG_FAM_NOTICE] = "postmaster notices and debugging",
	[CFG_FAM_TLS] = "TLS",
	[CFG_FAM_SASL] = "SASL",
	[CFG_FAM_LMTP] = "LMTP",
};

/* Longest value shown in a verdict; main.cf values can be long lists. */
#define CFG_REFUSE_SHOW_MAX	200
/* Names longer than this are never "near" anything. */
#define CFG_REFUSE_NAME_MAX	64

const struct cfg_refuse_row *
cfg_refuse_table(size_t *n)
{
	*n = NROWS;
	return (cfg_refuse_rows);
}

const struct cfg_refuse_row *
cfg_refuse_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(cfg_refuse_rows[i].name, name) == 0)
			return (&cfg_refuse_rows[i]);
	return (NULL);
}

const char *
cfg_refuse_family_name(enum cfg_refuse_family f)
{
	return ((unsigned)f < CFG_FAM_COUNT ? cfg_family_names[f] : "?");
}

/*
 * The value as Postfix would see it: set (main.cf, -o) or the table's
 * default, expanded; *out is malloc'ed.
 */
static int
refuse_value(struct sj_params *p, const char *name, char **out, char *why,
    size_t whysz)
{
	const struct cfg_refuse_row *row;
	const char *raw;

	if (sj_params_is_set(p, name))
		raw = sj_params_raw(p, name);
	else if ((row = cfg_refuse_find(name)) != NULL)
		raw = row->dflt;
	else if ((raw = sj_params_raw(p, name)) == NULL)
		raw = "";
	return (sj_params_expand(p, raw, out, why, whysz));
}

/* Fold a list value: elements split on commas and white space, joined
 * by one space (Postfix reads these values as such lists). */
static int
refuse_fold(const char *text, char **out)
{
	char	**argv;
	size_t	len = 1;
	int	argc, i, rc;

	if ((rc = sj_list_split(text, &argv, &argc)) < 0)
		return (rc);
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((*out = malloc(len)) == NULL) {
		sj_list_free(argv, argc);
		return (-ENOMEM);
	}
	for (len = 0, i = 0; i < argc; i++) {
		if (i > 0)
			(*out)[len++] = ' ';
		memcpy(*out + len, argv[i], strlen(argv[i]));
		len += strlen(argv[i]);
	}
	(*out)[len] = '\0';
	sj_list_free(argv, argc);
	return (0);
}

/* 1 if folded 'value' equals one of the "|"-separated 'accept' values. */
static int
refuse_in_list(const char *value, const char *accept)
{
	const char *cp, *end;
	char	*item, *folded;
	int	hit = 0;

	if (accept == NULL)
		return (0);
	for (cp = accept;; cp = end + 1) {
		end = strchr(cp, '|');
		if (end == NULL)
			end = cp + strlen(cp);
		if ((item = strndup(cp, (size_t)(end - cp))) == NULL)
			return (0);
		if (refuse_fold(item, &folded) == 0) {
			hit = strcasecmp(folded, value) == 0;
			free(folded);
		}
		free(item);
		if (hit || *end == '\0')
			return (hit);
	}
}

/* 1 if the parameter's value (set or default) is one of 'accept'. */
static int
refuse_is(struct sj_params *p, const char *name, const char *accept)
{
	char	why[256], *v, *folded;
	int	hit = 0;

	if (refuse_value(p, name, &v, why, sizeof(why)) < 0)
		return (0);
	if (refuse_fold(v, &folded) == 0) {
		hit = refuse_in_list(folded, accept);
		free(folded);
	}
	free(v);
	return (hit);
}

/* Is the feature a dependent row needs switched on? */
static int
refuse_dep_on(struct sj_params *p, enum cfg_refuse_dep dep)
{
	switch (dep) {
	case CFG_DEP_NONE:
		return (1);
	case CFG_DEP_TLS:
		return (!refuse_is(p, "smtp_tls_security_level", "|none") ||
		    !refuse_is(p, "smtp_use_tls", "no") ||
		    !refuse_is(p, "smtp_enforce_tls", "no") ||
		    !refuse_is(p, "smtp_tls_policy_maps", "") ||
		    !refuse_is(p, "smtp_tls_per_site", "") ||
		    !refuse_is(p, "smtp_tls_wrappermode", "no"));
	case CFG_DEP_SASL:
		return (!refuse_is(p, "smtp_sasl_auth_enable", "no"));
	case CFG_DEP_PIX:
		return (!refuse_is(p, "smtp_pix_workarounds", "") ||
		    !refuse_is(p, "smtp_pix_workaround_maps", ""));
	case CFG_DEP_XFORWARD:
		return (!refuse_is(p, "smtp_send_xforward_command", "no"));
	case CFG_DEP_BIND:
		return (!refuse_is(p, "smtp_bind_address", "") ||
		    !refuse_is(p, "smtp_bind_address6", ""));
	case CFG_DEP_DEADLINE:
		return (!refuse_is(p, "smtp_per_request_deadline", "no"));
	}
	return (1);
}

/*
 * 1 if 'row', at its value in 'p', must stop smtpjail; 0 if not;
 * negative on an expansion error. The value is the one set, else the
 * default expanded with the configuration (so a default that names
 * another parameter, "$default_delivery_status_filter", follows it);
 * the default it is compared with is expanded in 'pristine', which
 * holds only compatibility_level. *shown gets the value.
 */
static int
refuse_row(struct sj_params *p, struct sj_params *pristine,
    const struct cfg_refuse_row *row, char **shown, char *why, size_t whysz)
{
	char	*v = NULL, *dv = NULL, *fv = NULL, *fdv = NULL;
	const char *raw;
	int	rc, refused = 0;

	*shown = NULL;
	if (row->kind != CFG_REFUSED)
		return (0);
	raw = sj_params_is_set(p, row->name) ? sj_params_raw(p, row->name) :
	    row->dflt;
	if ((rc = sj_params_expand(p, raw, &v, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_params_expand(pristine, row->dflt, &dv, why,
	    whysz)) < 0 || (rc = refuse_fold(v, &fv)) < 0 ||
	    (rc = refuse_fold(dv, &fdv)) < 0)
		goto out;
	if (strcasecmp(fv, fdv) != 0 && !refuse_in_list(fv, row->accept) &&
	    refuse_dep_on(p, row->dep))
		refused = 1;
out:
	free(dv);
	free(fv);
	free(fdv);
	if (rc < 0 || !refused) {
		free(v);
		return (rc < 0 ? rc : 0);
	}
	*shown = v;
	return (1);
}

/* Levenshtein distance, for names up to CFG_REFUSE_NAME_MAX. */
static size_t
refuse_distance(const char *a, const char *b)
{
	size_t	row[CFG_REFUSE_NAME_MAX + 1], la = strlen(a), lb = strlen(b);
	size_t	i, j, diag, up, best;

	if (la > CFG_REFUSE_NAME_MAX || lb > CFG_REFUSE_NAME_MAX)
		return ((size_t)-1);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return (row[lb]);
}

#define SMTPJAIL_PREFIX	"smtpjail_"

const char *
cfg_refuse_nearest(const struct sj_params *p, const char *name)
{
	const char *cand, *best = NULL;
	size_t	i, d, bestd = (size_t)-1;
	int	has_default;

	for (i = 0; (cand = sj_params_nth(p, i, NULL, &has_default)) != NULL;
	    i++) {
		if (!has_default || strncmp(cand, SMTPJAIL_PREFIX,
		    strlen(SMTPJAIL_PREFIX)) != 0)
			continue;
		/* A truncated name ("smtpjail_sandbox_dir") is nearest to
		 * the shortest name it begins, before any edit distance. */
		if (strncmp(cand, name, strlen(name)) == 0)
			d = strlen(cand) - strlen(name);
		else if ((d = refuse_distance(name, cand)) != (size_t)-1)
			d += CFG_REFUSE_NAME_MAX;
		if (d < bestd) {
			bestd = d;
			best = cand;
		}
	}
	return (best);
}

static void
refuse_report(cfg_refuse_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse_report(cfg_refuse_fn fn, void *ctx, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fn(ctx, line);
}

int
cfg_refuse_check(struct sj_params *p, cfg_refuse_fn fn, void *ctx,
    char *why, size_t whysz)
{
	struct sj_params *pristine;
	const char *name, *near, *level;
	char	*shown;
	size_t	i;
	int	is_set, has_default, rc, n = 0;

	if ((pristine = sj_params_new()) == NULL ||
	    ((level = sj_params_raw(p, "compatibility_level")) != NULL &&
	    sj_params_set(pristine, "compatibility_level", level) < 0)) {
		sj_params_free(pristine);
		snprintf(why, whysz, "out of memory");
		return (-ENOMEM);
	}
	for (i = 0; i < NROWS; i++) {
		if ((rc = refuse_row(p, pristine, &cfg_refuse_rows[i], &shown,
		    why, whysz)) < 0) {
			sj_params_free(pristine);
			return (rc);
		}
		if (rc == 0)
			continue;
		refuse_report(fn, ctx, "%s = %.*s%s is not supported by "
		    "smtpjail (see README \"Parameters\")",
		    cfg_refuse_rows[i].name, CFG_REFUSE_SHOW_MAX, shown,
		    strlen(shown) > CFG_REFUSE_SHOW_MAX ? "..." : "");
		free(shown);
		n++;
	}
	sj_params_free(pristine);
	for (i = 0; (name = sj_params_nth(p, i, &is_set, &has_default)) !=
	    NULL; i++) {
		if (!is_set || has_default || strncmp(name, SMTPJAIL_PREFIX,
		    strlen(SMTPJAIL_PREFIX)) != 0)
			continue;
		near = cfg_refuse_nearest(p, name);
		refuse_report(fn, ctx, "unknown parameter %.100s: smtpjail "
		    "owns the smtpjail_* names%s%s%s", name,
		    near ? "; did you mean " : "", near ? near : "",
		    near ? "?" : "");
		n++;
	}
	return (n);
}

/* Longest master.cf line considered (Postfix's own are short). */
#define CFG_MASTER_LINE_MAX	4096
/* Fields of a master.cf service line before the command's arguments. */
#define CFG_MASTER_FIELDS	8

int
cfg_refuse_master_cf(const char *path, cfg_refuse_fn fn, void *ctx,
    char *why, size_t whysz)
{
	char	line[CFG_MASTER_LINE_MAX], *f[CFG_MASTER_FIELDS], *cp, *base;
	FILE	*fp;
	int	nf, n = 0, lineno = 0;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(why, whysz, "open %s: %s", path, strerror(errno));
		return (-errno);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		/* Continuation lines (-o ...) start with white space. */
		if (line[0] == '#' || line[0] == ' ' || line[0] == '\t')
			continue;
		for (nf = 0, cp = strtok(line, " \t\r\n"); cp != NULL &&
		    nf < CFG_MASTER_FIELDS; cp = strtok(NULL, " \t\r\n"))
			f[nf++] = cp;
		if (nf < CFG_MASTER_FIELDS)
			continue;
		base = strrchr(f[7], '/') ? strrchr(f[7], '/') + 1 : f[7];
		if (strncmp(base, "smtpjail", 8) != 0 || strcmp(f[3], "n") != 0)
			continue;
		refuse_report(fn, ctx, "%.200s, line %d: service %.64s/%.16s "
		    "runs %.64s as root (unprivileged column \"n\": master(8) "
		    "passes no -u); " CFG_REFUSE_ROOT_ADVICE, path, lineno,
		    f[0], f[1], base);
		n++;
	}
	fclose(fp);
	return (n);
}
