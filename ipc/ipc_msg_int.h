/*
 * NAME
 *	ipc_msg_int.h 3h
 * SUMMARY
 *	the IPC message table's rows, shared by its three modules
 * DESCRIPTION
 *	The field descriptors and table rows of ipc/ipc_msg.c, which
 *	ipc/ipc_msg_codec.c walks to encode and decode a body, and the
 *	helpers the three share: ipc_row() (ipc_msg.c), ipc_msg_check()
 *	(ipc_msg_check.c) and ipc_why() (ipc_msg_codec.c), which
 *	ipc/ipc_chan.c uses too. Nothing outside ipc/ includes this
 *	header.
 * SECURITY
 *	Both processes.
 */
#ifndef IPC_MSG_INT_H
#define IPC_MSG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"

/* The text rule of a string field (see the field lists of ipc_msg.c). */
#define RAW	0
#define TXT	1
#define LNS	2

enum ipc_kind {
	IPC_K_U32,
	IPC_K_U64,
	IPC_K_STR,
};

struct ipc_field {
	enum ipc_kind kind;
	const char *name;	/* member name, for why[] */
	size_t	off;		/* offsetof() in the body struct */
	size_t	size;		/* sizeof the member; strings: max len + 1 */
	int	text;		/* RAW, TXT or LNS */
};

struct ipc_row {
	struct ipc_msg_spec spec;
	const struct ipc_field *fields;
	size_t	nfields;
};

/* The row of a known type, or NULL. */
const struct ipc_row *ipc_row(uint32_t type);

/* What a field list cannot express: 0, or -1 with why[]. */
int	ipc_msg_check(const struct ipc_msg *m, const char *name, char *why,
	    size_t whysz);

/* A refusal's reason into why[whysz]; nothing if why is NULL. */
void	ipc_why(char *why, size_t whysz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
