/*
 * NAME
 *	fuzz_checks 1
 * SUMMARY
 *	libFuzzer target: header/body check rules and content in the child
 * DESCRIPTION
 *	The input is a regexp: or pcre: table and a message, separated by
 *	the first "\n%%\n" (no separator: all table, no content). The
 *	first byte picks the class the table serves (header, MIME header,
 *	nested header, body, or all four), the 8-bit downgrade, small or
 *	default mime(3) limits, and (its top bit) the table type. The table goes through the parent's parser
 *	(parent/checks_load.c); every rule it keeps must encode as a CHECK
 *	message and decode to the same bytes, and the child must accept
 *	each decoded rule (content_checks_add()): what one side produces,
 *	the other takes. Then the message goes through mime(3) with the
 *	child's hooks: the run ends with 0, MIME_ERR_NESTING or a lookup
 *	error (an empty result), every CHECK_LOG is printable, bounded and
 *	passes the parent's decoder. The table
 *	is cut at 512 bytes and the message at 8 KiB: glibc's regexec() is
 *	slow on some patterns, and tables are the administrator's. For the
 *	same reason a regexp: table with a '{' or with more than three
 *	repetition operators in a row is skipped: glibc's regcomp() (the
 *	library Postfix's dict_regexp.c uses too) is polynomial in runs of
 *	'*' (130 of them took 8 s to compile) and expands bounded repeats
 *	node by node (a fuzz run found a 215-byte table that took 840 s and
 *	2 GB). The campaign runs with -max_len=8709: 1 + 512 + 4 + 8192.
 * SECURITY
 *	Runs the child's content checks on hostile content (and the
 *	parser on arbitrary tables), outside the sandbox.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "checks_load.h"
#include "content_checks.h"
#include "fuzz_quiet.h"
#include "ipc_msg.h"
#include "mime.h"
#include "sj_text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TABLE_MAX	512
#define FUZZ_CONTENT_MAX 8192

static size_t fuzz_out_len;

static int
fuzz_out(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	fuzz_out_len += len;
	return (0);
}

/* A CHECK_LOG must pass the parent's decoder. */
static void
fuzz_log(const struct ipc_check_log *lg)
{
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m, back;
	ssize_t	n;
	char	why[256];

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_CHECK_LOG;
	m.fd = -1;
	m.u.check_log = *lg;
	if (!sj_text_is_printable(lg->content) ||
	    !sj_text_is_printable(lg->text) ||
	    strlen(lg->content) > SJ_CHECK_LOG_CONTENT_MAX)
		abort();
	if ((n = ipc_msg_encode(&m, buf, sizeof(buf))) < 0 ||
	    ipc_msg_decode(IPC_C2P, buf, (size_t)n, -1, &back, why,
	    sizeof(why)) < 0)
		abort();
}

/* Encode, decode, add: both sides agree on every rule. */
static void
fuzz_add(const struct ipc_check *ck)
{
	unsigned char buf[SJ_IPC_MSG_MAX], again[SJ_IPC_MSG_MAX];
	struct ipc_msg m, back;
	ssize_t	n, n2;
	char	why[256];

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_CHECK;
	m.fd = -1;
	m.u.check = *ck;
	if ((n = ipc_msg_encode(&m, buf, sizeof(buf))) < 0 ||
	    ipc_msg_decode(IPC_P2C, buf, (size_t)n, -1, &back, why,
	    sizeof(why)) < 0 ||
	    (n2 = ipc_msg_encode(&back, again, sizeof(again))) != n ||
	    memcmp(buf, again, (size_t)n) != 0)
		abort();
	if (content_checks_add(&back.u.check, why, sizeof(why)) < 0)
		abort();
}

/* Patterns glibc's regcomp() takes minutes over (see DESCRIPTION). */
static int
fuzz_regcomp_slow(const char *text, size_t len)
{
	size_t	i, run = 0;

	for (i = 0; i < len; i++) {
		if (text[i] == '{')
			return (1);
		run = text[i] != '\0' && strchr("*+?", text[i]) != NULL ?
		    run + 1 : 0;
		if (run > 3)
			return (1);
	}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mime_limits small = { 64, 2, 8, 40 };
	static const struct mime_limits dflt = { 102400, 100, 2048, 2048 };
	struct checks_set set = { 0 };
	struct content_checks_job job;
	struct mime_hooks hk;
	struct mime *m;
	const char *text, *sep, *content = "";
	size_t	tlen, clen = 0, i;
	uint32_t cls, classes, kind;
	char	why[512];
	int	err, rc;

	msg_set_sink(fuzz_quiet, NULL);
	if (size < 1)
		return (0);
	cls = (data[0] & 0x7f) % 5;
	kind = data[0] & 0x80 ? IPC_CHK_K_PCRE : IPC_CHK_K_REGEXP;
	text = (const char *)data + 1;
	tlen = size - 1;
	if ((sep = memmem(text, tlen, "\n%%\n", 4)) != NULL) {
		content = sep + 4;
		clen = tlen - (size_t)(content - text);
		tlen = (size_t)(sep - text) + 1;
	}
	if (tlen > FUZZ_TABLE_MAX)
		tlen = FUZZ_TABLE_MAX;
	if (clen > FUZZ_CONTENT_MAX)
		clen = FUZZ_CONTENT_MAX;
	if (kind == IPC_CHK_K_REGEXP && fuzz_regcomp_slow(text, tlen))
		return (0);

	content_checks_reset();
	content_checks_set_log(fuzz_log);
	classes = cls == 4 ? IPC_CHK_CLASSES_ALL : 1U << cls;
	for (i = 0; i < IPC_CHK_NCLASS; i++) {
		if ((classes & (1U << i)) == 0)
			continue;
		rc = checks_parse_buf(&set, "fuzz", text, tlen, kind,
		    (uint32_t)i, 0, why, sizeof(why));
		if (rc < 0 && strstr(why, "not supported by smtpjail") == NULL)
			abort();
		if (rc < 0)
			break;
	}
	for (i = 0; i < set.n; i++)
		fuzz_add(&set.v[i]);
	checks_set_free(&set);
	if (content_checks_ready(classes, why, sizeof(why)) < 0)
		abort();

	memset(&job, 0, sizeof(job));
	job.out = fuzz_out;
	job.job_id = 1;
	content_checks_hooks(&hk, &job, (data[0] >> 3) & 1);
	fuzz_out_len = 0;
	if ((m = mime_open_hooks((data[0] & 0x40) ? &small : &dflt, &hk,
	    fuzz_out, NULL)) == NULL)
		abort();
	err = mime_write(m, content, clen);
	if (err == 0)
		err = mime_close(m);
	mime_free(m);
	if (err != 0 && err != MIME_ERR_NESTING && err != CONTENT_CHECKS_ERR)
		abort();
	if ((err == CONTENT_CHECKS_ERR) != (job.failed != 0))
		abort();
	content_checks_reset();
	return (0);
}
