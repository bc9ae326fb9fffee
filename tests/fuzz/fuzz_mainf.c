/*
 * NAME
 *	fuzz_mainf 1
 * SUMMARY
 *	libFuzzer target: main.cf syntax and $name expansion
 * DESCRIPTION
 *	The input is a main.cf. It is loaded with Postfix's syntax rules,
 *	every parameter smtpjail reads is expanded (recursion, conditional
 *	and relational forms, loops), and the whole input is also expanded
 *	as one value. Errors are fine; crashes, leaks and unbounded work
 *	are not.
 * SECURITY
 *	main.cf is trusted (root-owned), but a parser that crashes on a
 *	typo is still a defect; this proves it is bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_params.h"
#include "fuzz_quiet.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "myhostname", "syslog_name",
	    "smtp_helo_name", "relayhost", "smtp_connect_timeout", "a", "b" };
	struct sj_params *p;
	char	why[512], *text, *out = NULL;
	size_t	k;

	msg_set_sink(fuzz_quiet, NULL);
	if ((p = sj_params_new()) == NULL)
		return (0);
	if (sj_params_load_buf(p, "fuzz", (const char *)data, size, NULL, NULL,
	    why, sizeof(why)) == 0) {
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			(void)sj_params_get(p, names[k], why, sizeof(why));
	}
	if ((text = malloc(size + 1)) != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (sj_params_expand(p, text, &out, why, sizeof(why)) == 0)
			free(out);
		free(text);
	}
	sj_params_free(p);
	return (0);
}
