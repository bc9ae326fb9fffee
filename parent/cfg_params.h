/*
 * NAME
 *	cfg_params.h 3h
 * SUMMARY
 *	Postfix-style name=value store: main.cf, -o, defaults, $name
 * DESCRIPTION
 *	See parent/cfg_params.c (the store and the typed getters),
 *	parent/cfg_maincf.c (main.cf and -o), parent/cfg_expand.c ($name)
 *	and parent/cfg_defaults.c (the defaults). Every function returns 0
 *	or a negative errno and, on failure, writes a one-line reason to
 *	why[whysz] that names the parameter (or the file and line) and the
 *	cause.
 */
#ifndef CFG_PARAMS_H
#define CFG_PARAMS_H

#include <stddef.h>

/* Longest expanded parameter value; more is a configuration error. */
#define SJ_PARAM_VALUE_MAX	65536
/* Largest main.cf read (Postfix's own are a few kB). */
#define SJ_MAIN_CF_MAX		(4 * 1024 * 1024)
/* $name nesting before expansion is refused (Postfix mac_expand: 100). */
#define SJ_PARAM_NEST_MAX	100

struct sj_params;

/* Called with each warning the loader would log (override, syntax). */
typedef void (*sj_params_warn_fn)(void *ctx, const char *text);

/* A new store holding smtpjail's built-in defaults (Postfix 3.7). */
struct sj_params *sj_params_new(void);
void	sj_params_free(struct sj_params *);

/* Explicit value (main.cf, -o, or forced by the daemon); raw, unexpanded. */
int	sj_params_set(struct sj_params *, const char *name,
	    const char *value);
/* Replace the built-in default of 'name' (raw, expanded when read). */
int	sj_params_set_default(struct sj_params *, const char *name,
	    const char *value);
/* 1 if main.cf or -o (or the daemon) gave 'name' a value. */
int	sj_params_is_set(const struct sj_params *, const char *name);
/* Raw value: explicit, else default, else NULL. */
const char *sj_params_raw(const struct sj_params *, const char *name);
/*
 * The i-th name in the store (i from 0), NULL past the last: walks every
 * name main.cf, -o or a default gave. *is_set and *has_default (either
 * may be NULL) say where its value comes from.
 */
const char *sj_params_nth(const struct sj_params *, size_t i, int *is_set,
	    int *has_default);

/* Read a main.cf file (Postfix syntax). A missing file is -ENOENT. */
int	sj_params_load_file(struct sj_params *, const char *path,
	    sj_params_warn_fn, void *ctx, char *why, size_t whysz);
/* Same, from memory; 'label' names the source in messages. */
int	sj_params_load_buf(struct sj_params *, const char *label,
	    const char *buf, size_t len, sj_params_warn_fn, void *ctx,
	    char *why, size_t whysz);
/* "name=value" as -o gives it (split as Postfix's split_nameval). */
int	sj_params_override(struct sj_params *, const char *nameval,
	    char *why, size_t whysz);
/* Split "name = value" in place (whitespace trimmed); NULL or the error. */
const char *sj_params_split_nameval(char *buf, char **name, char **value);

/* Expand $name, ${name}, $(name), $$, ${name?x}, ${name:x},
 * ${name?{x}:{y}}, ${{a} op {b}?{x}:{y}} in 'text'; *out is malloc'ed. */
int	sj_params_expand(const struct sj_params *, const char *text,
	    char **out, char *why, size_t whysz);

/*
 * Expanded value of 'name' (kept in the store until the next set).
 * NULL if undefined (why = "") or on an expansion error (why set).
 */
const char *sj_params_get(struct sj_params *, const char *name,
	    char *why, size_t whysz);

/* Typed getters: expand, convert and range-check as Postfix does. */
int	sj_params_get_str(struct sj_params *, const char *name,
	    const char **out, char *why, size_t whysz);
/* A malloc'ed copy of the value in *out (the previous one freed). */
int	sj_params_dup_str(struct sj_params *, const char *name, char **out,
	    char *why, size_t whysz);
int	sj_params_get_bool(struct sj_params *, const char *name, int *out,
	    char *why, size_t whysz);
/* min/max inclusive. */
int	sj_params_get_int(struct sj_params *, const char *name, long min,
	    long max, long *out, char *why, size_t whysz);
/* Seconds; a bare number takes def_unit ('s', 'm', 'h', 'd', 'w'). */
int	sj_params_get_time(struct sj_params *, const char *name,
	    int def_unit, long min, long max, long *out,
	    char *why, size_t whysz);
/* Elements separated by commas and/or whitespace; free with _list_free. */
int	sj_params_get_list(struct sj_params *, const char *name,
	    char ***argv, int *argc, char *why, size_t whysz);

/* Postfix conv_time(): 0 on success, -EINVAL if malformed. */
int	sj_conv_time(const char *text, int def_unit, long *secs);
/* Split 'text' on commas and whitespace (CHARS_COMMA_SP). */
int	sj_list_split(const char *text, char ***argv, int *argc);
void	sj_list_free(char **argv, int argc);

#endif
