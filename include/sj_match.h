/*
 * NAME
 *	sj_match.h 3h
 * SUMMARY
 *	Postfix host-name and address list matching (namadr_list, domain_list)
 * DESCRIPTION
 *	A list is what main.cf holds for debug_peer_list, fast_flush_domains
 *	and their kind: patterns separated by comma or white space, each
 *	optionally prefixed by '!' (negation), tried in order, the first
 *	pattern that matches decides. Host-name patterns: an exact,
 *	case-insensitive name; with 'parent_style' (the list is named in
 *	parent_domain_matches_subdomains) "example.com" also matches every
 *	subdomain, without it only ".example.com" does. Address patterns:
 *	an address, [address], or net/prefix (IPv4 or IPv6, [net]/prefix).
 *	"/file" and "type:table" patterns need files or tables that
 *	smtpjail does not read: sj_match_list_check() names them, the match
 *	functions skip them.
 */
#ifndef SJ_MATCH_H
#define SJ_MATCH_H

#include <stddef.h>

/* why[] size that holds sj_match_list_check()'s pattern (cut at 64). */
#define SJ_MATCH_WHY_MAX	80

/* sj_match_list_check(): what a pattern is. */
#define SJ_MATCH_OK		0	/* a name or address pattern */
#define SJ_MATCH_UNSUPPORTED	1	/* /file or type:table: skipped */
#define SJ_MATCH_BAD		2	/* not a pattern (bad net/prefix) */

/* 1 if 'name' matches host-name 'pattern', else 0. */
int	sj_match_hostname(const char *pattern, const char *name,
	    int parent_style);

/* 1 if 'addr' (numeric) matches address 'pattern', else 0. */
int	sj_match_hostaddr(const char *pattern, const char *addr);

/*
 * 1 if the host 'name' or its address 'addr' (either may be NULL)
 * matches the list, 0 if no pattern matches or a negated one does.
 */
int	sj_match_namadr_list(const char *list, const char *name,
	    const char *addr, int parent_style);

/* The same for a domain (no address patterns). */
int	sj_match_domain_list(const char *list, const char *domain,
	    int parent_style);

/*
 * Checks each pattern of 'list'. Returns SJ_MATCH_OK when all are
 * usable, else the worst kind found, with the first offending pattern
 * (censored, cut) in why[whysz].
 */
int	sj_match_list_check(const char *list, char *why, size_t whysz);

/*
 * 1 if the comma/space list names 'word' (case-insensitive): the
 * parameter in parent_domain_matches_subdomains, a class in
 * notify_classes, a queue in hash_queue_names, ...
 */
int	sj_match_list_has(const char *list, const char *word);

#endif
