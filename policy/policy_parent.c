/*
 * NAME
 *	policy_parent 3
 * SUMMARY
 *	the parent's seccomp deny-list
 * DESCRIPTION
 *	policy_parent_install() loads the parent's filter: everything is
 *	allowed except the system calls in the table below, which no code
 *	path of the parent makes once it has chrooted and dropped to
 *	$mail_owner. The parent runs Postfix's client protocols on AF_UNIX
 *	sockets and reads queue files; the table takes away what an
 *	attacker who took over the parent (through the child's messages)
 *	would reach for next: running programs, other processes' memory,
 *	changing identity, namespaces, mounts, kernel interfaces with a
 *	history of exploits, and sockets other than AF_UNIX and the TCP and
 *	UDP sockets the egress broker opens for the child (parent/broker.c).
 *
 *	The action is SCMP_ACT_KILL_PROCESS for every entry. ERRNO(EPERM)
 *	would let the parent log and defer its work in flight, but it would
 *	also let a subverted parent probe the list and carry on; since none
 *	of these calls is made by correct code, an attempt means the parent
 *	is no longer trustworthy, and nothing is lost by killing it:
 *	master(8) logs the signal, qmgr defers the messages of the dead
 *	agent and retries them with a fresh process pair, and the queue
 *	files are untouched. (The one other action, ENOSYS for clone3, does
 *	not deny anything: see its row.)
 *
 *	policy_parent_export() writes the filter as libseccomp's pseudo
 *	filter code (tests/fixtures/policy_parent.pfc).
 * SECURITY
 *	Parent, as the last step of sandbox_parent_enter(), after the chroot
 *	and the uid change. A deny-list is a second line of defence: the
 *	first is that the parent holds no capability, and that the network
 *	sockets it opens for the child are never read or written by it.
 * SEE ALSO
 *	policy/sandbox_parent.c, policy/policy_child.c, SECURITY.md
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sj_sandbox.h"

struct policy_deny {
	int	nr;			/* SCMP_SYS(name) */
	const char *name;
	unsigned int argc;		/* conditions, all must hold */
	struct scmp_arg_cmp argv[2];
	uint32_t action;
	const char *why;
};

#define KILL		SCMP_ACT_KILL_PROCESS
#define DENY(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { { 0, SCMP_CMP_EQ, 0, 0 } }, KILL, why }
#define DENY_IF(sys, cmp, why) \
	{ SCMP_SYS(sys), #sys, 1, { cmp }, KILL, why }
#define DENY_IF2(sys, c1, c2, why) \
	{ SCMP_SYS(sys), #sys, 2, { c1, c2 }, KILL, why }
#define ARG_EQ(n, v)	{ (n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0 }
#define ARG_GT(n, v)	{ (n), SCMP_CMP_GT, (scmp_datum_t)(v), 0 }
/* socket(2)'s type without SOCK_NONBLOCK/SOCK_CLOEXEC (linux/net.h
 * SOCK_TYPE_MASK); the kernel reads the argument as an int. */
#define ARG_TYPE(n, v)	{ (n), SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)(v) }
/* For the egress broker: TCP and UDP sockets of one family, no other. */
#define BROKER_TYPES(fam) \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, 0), "broker: " #fam \
	    " only as SOCK_STREAM (SMTP, DNS over TCP) or SOCK_DGRAM (DNS)"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, SOCK_RAW), "as above: " \
	    "no raw sockets"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, SOCK_RDM), "as above"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, SOCK_SEQPACKET), \
	    "as above: no SCTP"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, SOCK_DCCP), "as above"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_TYPE(1, SOCK_PACKET), \
	    "as above"), \
	DENY_IF2(socket, ARG_EQ(0, fam), ARG_GT(2, 0), "broker: protocol 0 " \
	    "(the type's default, TCP or UDP) only")
#define ARG_NE(n, v)	{ (n), SCMP_CMP_NE, (scmp_datum_t)(v), 0 }
#define ARG_HAS(n, bit)	{ (n), SCMP_CMP_MASKED_EQ, (scmp_datum_t)(bit), \
			  (scmp_datum_t)(bit) }

static const struct policy_deny policy_parent_rules[] = {
	/* Programs and other processes. */
	DENY(execve, "the parent runs no program: Postfix is reached by "
	    "socket"),
	DENY(execveat, "as execve"),
	DENY(ptrace, "no debugging of the child or any other process"),
	DENY(process_vm_readv, "no reading another process's memory"),
	DENY(process_vm_writev, "no writing another process's memory"),
	DENY(pidfd_getfd, "no taking descriptors from another process"),

	/* Identity: set once, before this filter. */
	DENY(setuid, "ids were dropped to $mail_owner before the filter"),
	DENY(setgid, "as setuid"),
	DENY(setreuid, "as setuid"),
	DENY(setregid, "as setuid"),
	DENY(setresuid, "as setuid"),
	DENY(setresgid, "as setuid"),
	DENY(setfsuid, "as setuid"),
	DENY(setfsgid, "as setuid"),
	DENY(setgroups, "as setuid"),
	DENY(capset, "capabilities were cleared before the filter"),
	DENY(chroot, "the parent chroots once ($queue_directory), before "
	    "the filter"),

	/* Namespaces: an unprivileged user namespace gives capabilities
	 * back inside it, and with them much more kernel surface. */
	DENY(unshare, "no new namespaces"),
	DENY(setns, "no entering other namespaces"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWUSER), "fork only, no new user "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWNS), "fork only, no new mount "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWPID), "fork only, no new pid "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWNET), "fork only, no new network "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWUTS), "fork only, no new UTS "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWIPC), "fork only, no new IPC "
	    "namespace"),
	DENY_IF(clone, ARG_HAS(0, CLONE_NEWCGROUP), "fork only, no new "
	    "cgroup namespace"),
	/* Not a denial: clone3 passes its flags in memory, which a filter
	 * cannot read. ENOSYS makes glibc fall back to clone(), whose
	 * flags are checked above. */
	{ SCMP_SYS(clone3), "clone3", 0, { { 0, SCMP_CMP_EQ, 0, 0 } },
	    SCMP_ACT_ERRNO(ENOSYS), "flags unreadable: glibc falls back to "
	    "clone" },

	/* The file-system tree. */
	DENY(mount, "no mounts"),
	DENY(umount2, "no unmounts"),
	DENY(pivot_root, "no root changes"),
	DENY(move_mount, "new mount API: as mount"),
	DENY(open_tree, "new mount API: as mount"),
	DENY(fsopen, "new mount API: as mount"),
	DENY(fsconfig, "new mount API: as mount"),
	DENY(fsmount, "new mount API: as mount"),
	DENY(fspick, "new mount API: as mount"),
	DENY(mount_setattr, "new mount API: as mount"),
	DENY(open_by_handle_at, "no opening files by handle, around the "
	    "chroot"),
	DENY(name_to_handle_at, "as open_by_handle_at"),

	/*
	 * Sockets: AF_UNIX for Postfix's services, postlog and syslog;
	 * AF_INET and AF_INET6 TCP and UDP for the egress broker
	 * (parent/broker.c), which opens the child's connections after the
	 * egress policy allowed them, binds them (smtp_bind_address) and
	 * connects them. connect, bind and setsockopt stay allowed as for
	 * any default-allow filter; the broker sets no socket option.
	 * Nothing else: no NETLINK, PACKET, raw or SCTP socket.
	 */
	DENY_IF(socket, ARG_EQ(0, AF_UNSPEC), "no family is not a family"),
	DENY_IF(socket, ARG_GT(0, AF_INET6), "AF_UNIX, AF_INET and AF_INET6 "
	    "only: no NETLINK, PACKET, ... (all numbered above AF_INET6)"),
	DENY_IF(socket, ARG_EQ(0, AF_AX25), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_IPX), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_APPLETALK), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_NETROM), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_BRIDGE), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_ATMPVC), "as above"),
	DENY_IF(socket, ARG_EQ(0, AF_X25), "as above"),
	BROKER_TYPES(AF_INET),
	BROKER_TYPES(AF_INET6),

	/* Kernel interfaces no mail agent needs, with a record of bugs. */
	DENY(bpf, "no eBPF programs or maps"),
	DENY(perf_event_open, "no performance counters"),
	DENY(userfaultfd, "no user-space page fault handling (an exploit "
	    "helper)"),
	DENY(io_uring_setup, "io_uring operations are not seen by seccomp"),
	DENY(io_uring_enter, "as io_uring_setup"),
	DENY(io_uring_register, "as io_uring_setup"),
	DENY(keyctl, "no kernel keyrings"),
	DENY(add_key, "no kernel keyrings"),
	DENY(request_key, "no kernel keyrings"),
	DENY(personality, "no READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE"),
	DENY(init_module, "no kernel modules"),
	DENY(finit_module, "no kernel modules"),
	DENY(delete_module, "no kernel modules"),
	DENY(kexec_load, "no kernel replacement"),
	DENY(kexec_file_load, "no kernel replacement"),
	DENY(reboot, "no reboot"),
	DENY(swapon, "no swap changes"),
	DENY(swapoff, "no swap changes"),
	DENY(acct, "no process accounting changes"),
	DENY(syslog, "no reading or clearing the kernel log"),
	DENY(iopl, "no I/O port access"),
	DENY(ioperm, "no I/O port access"),
	DENY(settimeofday, "no clock changes"),
	DENY(clock_settime, "no clock changes"),
	DENY(clock_adjtime, "no clock changes"),
	DENY(adjtimex, "no clock changes"),
	DENY(sethostname, "no host name changes"),
	DENY(setdomainname, "no domain name changes"),
};

#define POLICY_PARENT_NRULES \
	(sizeof(policy_parent_rules) / sizeof(policy_parent_rules[0]))

static int
policy_parent_build(scmp_filter_ctx *out, char *why, size_t whysz)
{
	const struct policy_deny *r;
	scmp_filter_ctx ctx;
	int	err;

	/* A deny-list must not be bypassed through another ABI (int 0x80,
	 * x32): policy_filter_new() kills such calls. */
	if ((err = policy_filter_new(SCMP_ACT_ALLOW, &ctx, why, whysz)) < 0)
		return (err);
	for (r = policy_parent_rules; r < policy_parent_rules +
	    POLICY_PARENT_NRULES; r++) {
		err = seccomp_rule_add_array(ctx, r->action, r->nr, r->argc,
		    r->argc ? r->argv : NULL);
		if (err < 0) {
			snprintf(why, whysz, "seccomp_rule_add %s: %s",
			    r->name, strerror(-err));
			seccomp_release(ctx);
			return (err);
		}
	}
	*out = ctx;
	return (0);
}

int
policy_parent_install(char *why, size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if ((err = policy_parent_build(&ctx, why, whysz)) < 0)
		return (err);
	err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err < 0) {
		snprintf(why, whysz, "seccomp_load: %s", strerror(-err));
		return (err);
	}
	return (0);
}

int
policy_parent_export(int fd)
{
	scmp_filter_ctx ctx;
	char	why[256];
	int	err;

	if ((err = policy_parent_build(&ctx, why, sizeof(why))) < 0)
		return (err);
	err = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return (err);
}
