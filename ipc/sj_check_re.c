/*
 * NAME
 *	sj_check_re 3
 * SUMMARY
 *	compile a content-check pattern: regexp: (libc) or pcre: (PCRE2)
 * DESCRIPTION
 *	See sj_check_re.h. The flag letters and their defaults are read
 *	by parent/checks_load.c; here each IPC_CHK_O_* or IPC_CHK_P_* bit
 *	becomes the option it stands for, one to one.
 * SECURITY
 *	Both processes. The patterns are the administrator's (main.cf's
 *	tables, read by the parent at start); compiling them is
 *	computation and memory (malloc()) only.
 * SEE ALSO
 *	Postfix src/util/dict_regexp.c, src/util/dict_pcre.c;
 *	regexp_table(5), pcre_table(5), pcre2api(3)
 */
#include <sys/types.h>

#include "ipc_msg.h"
#include "sj_check_re.h"

int
sj_check_re_regcomp(regex_t *re, const char *pat, uint32_t opts, int nosub)
{
	int	flags = 0;

	if (opts & IPC_CHK_O_ICASE)
		flags |= REG_ICASE;
	if (opts & IPC_CHK_O_NEWLINE)
		flags |= REG_NEWLINE;
	if (opts & IPC_CHK_O_EXTENDED)
		flags |= REG_EXTENDED;
	if (nosub)
		flags |= REG_NOSUB;
	return (regcomp(re, pat, flags));
}

uint32_t
sj_check_re_pcre_options(uint32_t opts)
{
	static const struct {
		uint32_t bit, option;
	} map[] = {
		{ IPC_CHK_P_CASELESS, PCRE2_CASELESS },
		{ IPC_CHK_P_MULTILINE, PCRE2_MULTILINE },
		{ IPC_CHK_P_DOTALL, PCRE2_DOTALL },
		{ IPC_CHK_P_EXTENDED, PCRE2_EXTENDED },
		{ IPC_CHK_P_ANCHORED, PCRE2_ANCHORED },
		{ IPC_CHK_P_DOLLAR_ENDONLY, PCRE2_DOLLAR_ENDONLY },
		{ IPC_CHK_P_UNGREEDY, PCRE2_UNGREEDY },
	};
	uint32_t options = 0;
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (opts & map[i].bit)
			options |= map[i].option;
	return (options);
}

pcre2_code *
sj_check_re_pcre(const char *pat, uint32_t opts, int *err, size_t *off)
{
	PCRE2_SIZE erroff = 0;
	pcre2_code *code;

	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    sj_check_re_pcre_options(opts), err, &erroff, NULL);
	*off = (size_t)erroff;
	return (code);
}
