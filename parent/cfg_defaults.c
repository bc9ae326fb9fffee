/*
 * NAME
 *	cfg_defaults 3
 * SUMMARY
 *	the built-in parameter defaults: Postfix 3.7 and smtpjail_*
 * DESCRIPTION
 *	The table sj_params_new() (parent/cfg_params.c) starts every
 *	parameter store from: the value "postconf -d" of Debian's Postfix
 *	3.7.11 prints for each parameter smtpjail reads, and smtpjail's
 *	own smtpjail_* parameters. Values are raw text, expanded when read
 *	(parent/cfg_expand.c), so "$myhostname" follows main.cf. Each name
 *	appears once (test_cfg_params checks it); smtpjail(5) documents
 *	every smtpjail_* default (tests/doc/t_manpages.sh compares them).
 * SECURITY
 *	Parent, data only: constant text compiled in.
 * SEE ALSO
 *	parent/cfg_params.c, postconf(5), Postfix global/mail_params.h,
 *	smtp/smtp_params.c, doc/smtpjail.5
 */
#include <stddef.h>

#include "cfg_defaults.h"

/*
 * Built-in defaults: Postfix 3.7 (postconf -d, Debian 3.7.11) for every
 * parameter smtpjail reads, plus smtpjail_*. myhostname and mydomain
 * depend on the host and are filled in by parent/config.c.
 */
const struct sj_param_default sj_param_defaults[] = {
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
	{"smtp_tls_connection_reuse", "no"},
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
	/* Postfix 3.7 mail_params.h DEF_TLS_BUG_TWEAKS, DEF_TLS_SSL_OPTIONS,
	 * DEF_TLS_EECDH_AUTO (parent/cfg_tlsopts.c). */
	{"tls_disable_workarounds", ""},
	{"tls_ssl_options", ""},
	{"tls_eecdh_auto_curves", "X25519 X448 prime256v1 secp521r1 secp384r1"},
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
	{"smtpjail_child_sharing", "yes"},
	{"connection_cache_protocol_timeout", "5s"},
	{"connection_cache_ttl_limit", "2s"},
};

const size_t sj_param_ndefaults = sizeof(sj_param_defaults) /
    sizeof(sj_param_defaults[0]);
