/*
 * NAME
 *	cfg_refuse.h 3h
 * SUMMARY
 *	the parameters of Postfix 3.7 smtp(8): honoured, or refused at start
 * DESCRIPTION
 *	See parent/cfg_refuse.c.
 */
#ifndef CFG_REFUSE_H
#define CFG_REFUSE_H

#include <stddef.h>

struct sj_params;

enum cfg_refuse_kind {
	CFG_HONOURED,		/* smtpjail does what smtp(8) does */
	CFG_INERT,		/* changes nothing smtpjail sends */
	CFG_REFUSED,		/* only the default or an "off" value starts */
};

/* What must be on for a refused parameter to matter at all. */
enum cfg_refuse_dep {
	CFG_DEP_NONE,
	CFG_DEP_TLS,		/* a TLS level above none, or TLS maps */
	CFG_DEP_SASL,		/* smtp_sasl_auth_enable = yes */
	CFG_DEP_PIX,		/* smtp_pix_workarounds or _maps non-empty */
	CFG_DEP_XFORWARD,	/* smtp_send_xforward_command = yes */
	CFG_DEP_BIND,		/* smtp_bind_address or _address6 non-empty */
	CFG_DEP_DEADLINE,	/* smtp_per_request_deadline = yes */
};

/* README "Parameters" groups the table by these. */
enum cfg_refuse_family {
	CFG_FAM_DAEMON,		/* daemon life cycle, services, logging */
	CFG_FAM_DELIVERY,	/* nexthops, DNS, addresses, ports */
	CFG_FAM_SESSION,	/* the SMTP conversation */
	CFG_FAM_CACHE,		/* connection reuse */
	CFG_FAM_CONTENT,	/* content, headers and address rewriting */
	CFG_FAM_NOTICE,		/* postmaster notices, debugging */
	CFG_FAM_TLS,
	CFG_FAM_SASL,
	CFG_FAM_LMTP,
	CFG_FAM_COUNT,
};

struct cfg_refuse_row {
	const char *name;
	enum cfg_refuse_kind kind;
	enum cfg_refuse_family family;
	enum cfg_refuse_dep dep;
	const char *dflt;	/* Postfix 3.7 default, unexpanded */
	const char *accept;	/* CFG_REFUSED: "|"-separated values that
				 * start besides the default ("" = empty) */
	const char *reason;	/* why not honoured; NULL when honoured */
};

/* The table and its length. */
const struct cfg_refuse_row *cfg_refuse_table(size_t *n);
const struct cfg_refuse_row *cfg_refuse_find(const char *name);
const char *cfg_refuse_family_name(enum cfg_refuse_family);

/* Called with one verdict line (without "fatal: ") per refusal. */
typedef void (*cfg_refuse_fn)(void *ctx, const char *line);

/*
 * Every refusal: a not-honoured parameter set to a value that changes
 * what would be sent, and every smtpjail_* name smtpjail does not know.
 * Returns the number of refusals (0: start), or a negative errno with
 * why[] set (an expansion error).
 */
int	cfg_refuse_check(struct sj_params *, cfg_refuse_fn, void *ctx,
	    char *why, size_t whysz);

/*
 * master.cf at 'path': one line per service whose command is smtpjail
 * and whose unprivileged column is "n" (master(8) then passes no -u and
 * the parent would keep uid 0). Returns the count, or a negative errno
 * with why[] set when the file cannot be read.
 */
int	cfg_refuse_master_cf(const char *path, cfg_refuse_fn, void *ctx,
	    char *why, size_t whysz);

/* What to do about a service run as root (the fatal text of main.c). */
#define CFG_REFUSE_ROOT_ADVICE \
	"set the unprivileged column (the 4th) of its master.cf line to " \
	"\"-\" (or \"y\"), then \"postfix reload\""

/* The known smtpjail_* name nearest to 'name' (edit distance), or NULL. */
const char *cfg_refuse_nearest(const struct sj_params *, const char *name);

#endif
