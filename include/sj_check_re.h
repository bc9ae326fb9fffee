/*
 * NAME
 *	sj_check_re.h 3h
 * SUMMARY
 *	compile a content-check pattern: regexp: (libc) or pcre: (PCRE2)
 * DESCRIPTION
 *	The parent compiles each pattern of smtp_*_checks once at start
 *	to skip what Postfix skips (parent/checks_load.c); the child
 *	compiles the same rules again to match them (child/content_checks.c).
 *	Both turn a CHECK rule's pattern flags into the engine's options
 *	here, so that the two halves cannot disagree on them.
 *
 *	sj_check_re_regcomp() is regcomp() with the IPC_CHK_O_* flags of a
 *	regexp_table(5) pattern (Postfix src/util/dict_regexp.c).
 *
 *	sj_check_re_pcre() is pcre2_compile() with the IPC_CHK_P_* flags
 *	of a pcre_table(5) pattern (Postfix src/util/dict_pcre.c: no
 *	compile context, no UTF mode); NULL with *err (a PCRE2 error
 *	code) and *off set. PCRE2's JIT is never used: it needs executable
 *	memory, which the child's seccomp filter refuses (mmap with
 *	PROT_EXEC).
 */
#ifndef SJ_CHECK_RE_H
#define SJ_CHECK_RE_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

int	sj_check_re_regcomp(regex_t *, const char *pat, uint32_t opts,
	    int nosub);
uint32_t sj_check_re_pcre_options(uint32_t opts);
pcre2_code *sj_check_re_pcre(const char *pat, uint32_t opts, int *err,
	    size_t *off);

#endif
