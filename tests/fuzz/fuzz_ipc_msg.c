/*
 * NAME
 *	fuzz_ipc_msg 1
 * SUMMARY
 *	libFuzzer target for the IPC message decoder
 * DESCRIPTION
 *	Feeds each input to ipc_msg_decode() as received by the parent
 *	(IPC_C2P) and by the child (IPC_P2C), once without a descriptor
 *	and once with a real one (a dup of /dev/null, so that DELIVER gets
 *	past the descriptor check and into its body). Besides what the
 *	sanitizers catch, it aborts when the decoder breaks its contract:
 *	a refusal that leaves the descriptor open or why[] empty or
 *	multi-line, a success that does not keep the descriptor, or a
 *	decoded message that does not re-encode to exactly the input.
 *
 *	Seeds: tests/fuzz/corpus/ipc_msg/ (written by test_ipc_msg with
 *	SJ_IPC_CORPUS_WRITE=1). Run by tests/fuzz/t_fuzz_corpus.sh; to
 *	fuzz: build as that script does, then
 *	./fuzz_ipc_msg -max_len=8192 CORPUS_COPY tests/fuzz/corpus/ipc_msg
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/ipc_msg.c, ipc/ipc_msg_codec.c, ipc/ipc_msg_check.c,
 *	tests/unit/test_ipc_msg.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ipc_msg.h"
#include "sj_limits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_fd(void)
{
	int	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	return (fd);
}

static void
fuzz_one(enum ipc_dir dir, const uint8_t *data, size_t size, int with_fd)
{
	unsigned char re[SJ_IPC_MSG_MAX];
	struct ipc_msg m;
	char	why[256];
	ssize_t	n;
	int	fd = with_fd ? fuzz_fd() : -1, rc;

	why[0] = '\0';
	rc = ipc_msg_decode(dir, data, size, fd, &m, why, sizeof(why));
	if (rc != 0) {
		if (rc != -EBADMSG && rc != -EPROTO)
			abort();
		if (m.fd != -1 || why[0] == '\0' || strchr(why, '\n'))
			abort();
		if (fd >= 0 && !(fcntl(fd, F_GETFD) < 0 && errno == EBADF))
			abort();	/* refused, descriptor left open */
		return;
	}
	if (m.fd != fd)
		abort();
	n = ipc_msg_encode(&m, re, sizeof(re));
	if (n < 0 || (size_t)n != size || memcmp(re, data, size) != 0)
		abort();		/* not the one encoding */
	ipc_msg_release(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(IPC_C2P, data, size, 0);
	fuzz_one(IPC_C2P, data, size, 1);
	fuzz_one(IPC_P2C, data, size, 0);
	fuzz_one(IPC_P2C, data, size, 1);
	return (0);
}
