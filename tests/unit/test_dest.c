/*
 * NAME
 *	test_dest 1
 * SUMMARY
 *	unit tests of nexthop parsing, the resolver and destination choice
 * DESCRIPTION
 *	Table-driven dest_parse_nexthop() cases (every form and the bad
 *	ones), then dns_lookup_*() and dest_resolve() against a small DNS
 *	server that this test forks on 127.0.0.1 (UDP and TCP, a port the
 *	kernel picks). The server answers from a table: MX lists, equal
 *	preferences, A, AAAA, CNAME (followed, or left for the client),
 *	NXDOMAIN, NODATA, SERVFAIL, REFUSED, NOTIMP, FORMERR, null MX,
 *	invalid names, broken packets, answers that need TCP, and a name
 *	it never answers. Checked: order, truncation, randomisation (both
 *	orders appear), balancing, loop detection, the relayhost/fallback
 *	4.3.5 rule, every error class's DSN status and reason text,
 *	deadline and cancellation through sys_set_cancel_fd(); the owner
 *	of address records behind a CNAME (rname); DNSSEC-requesting
 *	lookups (NXDOMAIN, NODATA as without DNSSEC) and dnssec_probe
 *	(once, only when allowed, each outcome class).
 * SECURITY
 *	Test only. Listens on 127.0.0.1 only; the server process is
 *	killed by its pid at the end.
 * SEE ALSO
 *	child/dest.c, child/dns.c; Postfix src/smtp/smtp_addr.c,
 *	smtp_connect.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dest.h"
#include "dns.h"
#include "dnssec_query.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_sys.h"
#include "sj_text.h"
#include "local_connector.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* The DNS server                                                      */

#define T_A	1
#define T_CNAME	5
#define T_MX	15
#define T_AAAA	28
#define T_OPT	41

enum beh_kind {
	B_RCODE = 1,		/* answer with rcode, no records */
	B_DROP,			/* never answer */
	B_NOFOLLOW,		/* CNAME: do not add the target's records */
	B_TRUNC_PACKET,		/* ancount says one more than present */
	B_BADLEN,		/* A record with rdlength 5 */
	B_TC_UDP,		/* UDP: always TC; TCP: the answer */
	B_TARGET_LOOP,		/* MX target: a compression pointer to itself */
	B_OWNER_LOOP,		/* record owner: pointers to each other */
	B_WRONG_QUESTION,	/* the answer repeats another question */
	B_BAD_POINTER,		/* MX target points past the packet */
};

struct zrec {
	const char *name;
	int	type;
	unsigned pref;
	const char *data;	/* address, MX/CNAME target ("." = root) */
};

struct zbeh {
	const char *name;
	int	type;		/* 0 = every type */
	enum beh_kind kind;
	int	rcode;
};

static const struct zrec zone[] = {
	/* order.test: three MX hosts, out of order in the answer */
	{"order.test", T_MX, 20, "mx2.order.test"},
	{"order.test", T_MX, 10, "mx1.order.test"},
	{"order.test", T_MX, 30, "mx3.order.test"},
	{"mx1.order.test", T_A, 0, "192.0.2.1"},
	{"mx2.order.test", T_A, 0, "192.0.2.2"},
	{"mx3.order.test", T_A, 0, "192.0.2.3"},
	/* eq.test: equal preferences */
	{"eq.test", T_MX, 10, "a.eq.test"},
	{"eq.test", T_MX, 10, "b.eq.test"},
	{"a.eq.test", T_A, 0, "192.0.2.11"},
	{"b.eq.test", T_A, 0, "192.0.2.12"},
	/* dual.test: A and AAAA on one host */
	{"dual.test", T_MX, 10, "h.dual.test"},
	{"h.dual.test", T_A, 0, "192.0.2.21"},
	{"h.dual.test", T_AAAA, 0, "2001:db8::21"},
	/* v6only.test: AAAA only */
	{"v6only.test", T_AAAA, 0, "2001:db8::22"},
	/* implicit.test: no MX, an A of its own */
	{"implicit.test", T_A, 0, "192.0.2.30"},
	{"implicit.test", T_AAAA, 0, "2001:db8::30"},
	/* null MX */
	{"null.test", T_MX, 0, "."},
	/* noaddr.test: MX host without address */
	{"noaddr.test", T_MX, 10, "gone.noaddr.test"},
	/* nodata.test: MX host exists but has no address records */
	{"nodata.test", T_MX, 10, "h.nodata.test"},
	{"h.nodata.test", T_MX, 10, "elsewhere.test"},
	/* literal.test: MX target is an address */
	{"literal.test", T_MX, 10, "192.0.2.7"},
	/* many.test: 12 MX hosts */
	{"many.test", T_MX, 1, "m01.many.test"},
	{"many.test", T_MX, 2, "m02.many.test"},
	{"many.test", T_MX, 3, "m03.many.test"},
	{"many.test", T_MX, 4, "m04.many.test"},
	{"many.test", T_MX, 5, "m05.many.test"},
	{"many.test", T_MX, 6, "m06.many.test"},
	{"many.test", T_MX, 7, "m07.many.test"},
	{"many.test", T_MX, 8, "m08.many.test"},
	{"many.test", T_MX, 9, "m09.many.test"},
	{"many.test", T_MX, 10, "m10.many.test"},
	{"many.test", T_MX, 11, "m11.many.test"},
	{"many.test", T_MX, 12, "m12.many.test"},
	{"m01.many.test", T_A, 0, "192.0.2.101"},
	{"m02.many.test", T_A, 0, "192.0.2.102"},
	{"m03.many.test", T_A, 0, "192.0.2.103"},
	{"m04.many.test", T_A, 0, "192.0.2.104"},
	{"m05.many.test", T_A, 0, "192.0.2.105"},
	{"m06.many.test", T_A, 0, "192.0.2.106"},
	{"m07.many.test", T_A, 0, "192.0.2.107"},
	{"m08.many.test", T_A, 0, "192.0.2.108"},
	{"m09.many.test", T_A, 0, "192.0.2.109"},
	{"m10.many.test", T_A, 0, "192.0.2.110"},
	{"m11.many.test", T_A, 0, "192.0.2.111"},
	{"m12.many.test", T_A, 0, "192.0.2.112"},
	/* CNAME: followed by the server, or left to the client, or a loop */
	{"www.cname.test", T_CNAME, 0, "real.cname.test"},
	{"hop.cname.test", T_CNAME, 0, "real.cname.test"},
	{"real.cname.test", T_A, 0, "192.0.2.50"},
	{"mx.cname.test", T_MX, 10, "hop.cname.test"},
	{"loop1.test", T_CNAME, 0, "loop2.test"},
	{"loop2.test", T_CNAME, 0, "loop1.test"},
	/* loop detection */
	{"self.test", T_MX, 10, "mx.self.test"},
	{"mx.self.test", T_A, 0, "127.0.0.1"},
	{"better.test", T_MX, 5, "b.better.test"},
	{"better.test", T_MX, 10, "mx.self.test"},
	{"better.test", T_MX, 20, "c.better.test"},
	{"b.better.test", T_A, 0, "192.0.2.31"},
	{"c.better.test", T_A, 0, "192.0.2.32"},
	{"primary.test", T_MX, 5, "gone.primary.test"},
	{"primary.test", T_MX, 10, "mx.self.test"},
	/* ignore_mx_lookup_error */
	{"sfa.test", T_A, 0, "192.0.2.60"},
	/* soft error dominates */
	{"softdom.test", T_MX, 10, "sf.softdom.test"},
	{"softdom.test", T_MX, 20, "nx.softdom.test"},
	/* invalid names */
	{"badmx.test", T_MX, 10, "bad!name.badmx.test"},
	{"badmx.test", T_MX, 20, "good.badmx.test"},
	{"good.badmx.test", T_A, 0, "192.0.2.70"},
	{"allbad.test", T_MX, 10, "bad!name.allbad.test"},
	{"allbad.test", T_MX, 20, "-bad.allbad.test"},
	{"badlen.test", T_A, 0, "192.0.2.80"},
	{"trunc.test", T_MX, 10, "mx1.order.test"},
	/* needs TCP */
	{"tcp.test", T_MX, 10, "mx1.order.test"},
	/* balancing */
	{"bal.test", T_A, 0, "192.0.2.91"},
	{"bal.test", T_A, 0, "192.0.2.92"},
	{"bal.test", T_A, 0, "192.0.2.93"},
	{"bal.test", T_A, 0, "192.0.2.94"},
	{"bal.test", T_AAAA, 0, "2001:db8::91"},
	{"bal.test", T_AAAA, 0, "2001:db8::92"},
	{"bal.test", T_AAAA, 0, "2001:db8::93"},
	{"bal.test", T_AAAA, 0, "2001:db8::94"},
};

static const struct zbeh behaviour[] = {
	{"servfail.test", 0, B_RCODE, 2},
	{"refused.test", 0, B_RCODE, 5},
	{"notimp.test", 0, B_RCODE, 4},
	{"formerr.test", 0, B_RCODE, 1},
	{"sfa.test", T_MX, B_RCODE, 2},
	{"sf.softdom.test", 0, B_RCODE, 2},
	{"drop.test", 0, B_DROP, 0},
	{"hop.cname.test", 0, B_NOFOLLOW, 0},
	{"loop1.test", 0, B_NOFOLLOW, 0},
	{"loop2.test", 0, B_NOFOLLOW, 0},
	{"trunc.test", T_MX, B_TRUNC_PACKET, 0},
	{"badlen.test", T_A, B_BADLEN, 0},
	{"tcp.test", T_MX, B_TC_UDP, 0},
	{"ptrloop.test", T_MX, B_TARGET_LOOP, 0},
	{"ownerloop.test", T_MX, B_OWNER_LOOP, 0},
	{"wrongq.test", T_MX, B_WRONG_QUESTION, 0},
	{"badptr.test", T_MX, B_BAD_POINTER, 0},
};

/* 'thousand.test' answers THOUSAND_MX MX records, over TCP only. */
#define THOUSAND_MX	1000

/* 'huge.test' answers 120 A records (generated). */
#define HUGE_COUNT	120

static const struct zbeh *
srv_behaviour(const char *name, int type)
{
	size_t	i;

	for (i = 0; i < NELEM(behaviour); i++)
		if (strcasecmp(behaviour[i].name, name) == 0
		    && (behaviour[i].type == 0 || behaviour[i].type == type))
			return (&behaviour[i]);
	return (NULL);
}

static int
srv_name_exists(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(zone); i++)
		if (strcasecmp(zone[i].name, name) == 0)
			return (1);
	return (strcasecmp(name, "huge.test") == 0 ||
	    strcasecmp(name, "thousand.test") == 0);
}

struct srv_out {
	unsigned char buf[65535];
	size_t	len;
	unsigned an;
	int	overflow;
};

static void
srv_put(struct srv_out *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
srv_put16(struct srv_out *o, unsigned v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	srv_put(o, b, 2);
}

static void
srv_put_name(struct srv_out *o, const char *name)
{
	const char *cp = name, *dot;
	unsigned char len;

	if (strcmp(name, ".") != 0) {
		while (*cp) {
			dot = strchr(cp, '.');
			len = (unsigned char)(dot ? (size_t)(dot - cp) : strlen(cp));
			srv_put(o, &len, 1);
			srv_put(o, cp, len);
			cp += len;
			if (*cp == '.')
				cp++;
		}
	}
	len = 0;
	srv_put(o, &len, 1);
}

static void
srv_put_rr(struct srv_out *o, const char *owner, int type, unsigned pref,
    const char *data, int badlen)
{
	unsigned char a[16];
	size_t	at;

	srv_put_name(o, owner);
	srv_put16(o, (unsigned)type);
	srv_put16(o, 1);
	srv_put16(o, 0);
	srv_put16(o, 60);
	at = o->len;
	srv_put16(o, 0);		/* rdlength, patched below */
	switch (type) {
	case T_A:
		inet_pton(AF_INET, data, a);
		srv_put(o, a, 4);
		if (badlen)
			srv_put(o, a, 1);
		break;
	case T_AAAA:
		inet_pton(AF_INET6, data, a);
		srv_put(o, a, 16);
		break;
	case T_MX:
		srv_put16(o, pref);
		srv_put_name(o, data);
		break;
	case T_CNAME:
		srv_put_name(o, data);
		break;
	}
	if (!o->overflow) {
		o->buf[at] = (unsigned char)((o->len - at - 2) >> 8);
		o->buf[at + 1] = (unsigned char)(o->len - at - 2);
	}
	o->an++;
}

/* Build the answer to q[qlen]; 0 = no answer. */
static size_t
srv_answer(const unsigned char *q, size_t qlen, int tcp, unsigned char *out,
    size_t outsz)
{
	struct srv_out o;
	char	qname[300], cur[300];
	size_t	p = 12, n = 0, qend, i;
	unsigned qtype, arcount, rcode = 0, limit;
	const struct zbeh *b;
	int	depth, found, badlen = 0, follow = 1, opt;
	char	addr[64];

	if (qlen < 12)
		return (0);
	while (p < qlen && q[p] != 0) {
		unsigned l = q[p++];

		if (p + l > qlen || n + l + 2 > sizeof(qname))
			return (0);
		if (n)
			qname[n++] = '.';
		memcpy(qname + n, q + p, l);
		n += l;
		p += l;
	}
	qname[n] = '\0';
	if (p + 5 > qlen)
		return (0);
	qtype = (unsigned)q[p + 1] << 8 | q[p + 2];
	qend = p + 5;
	arcount = (unsigned)q[10] << 8 | q[11];
	opt = arcount > 0;

	memset(&o, 0, sizeof(o));
	srv_put(&o, q, 12);			/* header, patched below */
	srv_put(&o, q + 12, qend - 12);		/* the question */

	b = srv_behaviour(qname, (int)qtype);
	if (b && b->kind == B_DROP)
		return (0);
	if (b && b->kind == B_RCODE) {
		rcode = (unsigned)b->rcode;
	} else if (b && b->kind == B_TC_UDP && !tcp) {
		o.buf[2] = 0x82;		/* QR, TC */
		goto finish;
	} else if (b && (b->kind == B_TARGET_LOOP ||
	    b->kind == B_BAD_POINTER)) {
		/* owner: pointer to the question; MX 10, target: a pointer
		 * to the target itself, or past the end of the packet */
		size_t	at;

		srv_put16(&o, 0xc00c);
		srv_put16(&o, T_MX);
		srv_put16(&o, 1);
		srv_put16(&o, 0);
		srv_put16(&o, 60);
		srv_put16(&o, 4);
		srv_put16(&o, 10);
		at = o.len;
		srv_put16(&o, b->kind == B_TARGET_LOOP ?
		    (unsigned)(0xc000 | at) : 0xc000 | 0x3f00);
		o.an++;
	} else if (b && b->kind == B_OWNER_LOOP) {
		/* a name that is a pointer to a name that points back */
		size_t	at = o.len;

		srv_put16(&o, (unsigned)(0xc000 | (at + 2)));
		srv_put16(&o, (unsigned)(0xc000 | at));
		srv_put16(&o, T_MX);
		srv_put16(&o, 1);
		srv_put16(&o, 0);
		srv_put16(&o, 60);
		srv_put16(&o, 2 + 16);
		srv_put16(&o, 10);
		srv_put_name(&o, "mx1.order.test");
		o.an++;
	} else if (b && b->kind == B_WRONG_QUESTION) {
		/* a well-formed answer for a question nobody asked */
		o.len = 12;
		srv_put_name(&o, "order.test");
		srv_put16(&o, T_MX);
		srv_put16(&o, 1);
		srv_put_rr(&o, "order.test", T_MX, 10, "mx1.order.test", 0);
	} else if (strcasecmp(qname, "thousand.test") == 0 && qtype == T_MX) {
		for (i = 0; i < THOUSAND_MX; i++) {
			snprintf(addr, sizeof(addr), "m%04zu.thousand.test",
			    THOUSAND_MX - i);
			srv_put_rr(&o, qname, T_MX, (unsigned)(THOUSAND_MX - i),
			    addr, 0);
		}
	} else if (strcasecmp(qname, "huge.test") == 0 && qtype == T_A) {
		for (i = 0; i < HUGE_COUNT; i++) {
			snprintf(addr, sizeof(addr), "198.51.100.%zu", i + 1);
			srv_put_rr(&o, qname, T_A, 0, addr, 0);
		}
	} else {
		if (b && b->kind == B_NOFOLLOW)
			follow = 0;
		if (b && b->kind == B_BADLEN)
			badlen = 1;
		snprintf(cur, sizeof(cur), "%s", qname);
		for (depth = 0; depth < 8; depth++) {
			found = 0;
			for (i = 0; i < NELEM(zone); i++)
				if (strcasecmp(zone[i].name, cur) == 0
				    && zone[i].type == (int)qtype) {
					srv_put_rr(&o, cur, zone[i].type,
					    zone[i].pref, zone[i].data, badlen);
					found = 1;
				}
			if (found)
				break;
			for (i = 0; i < NELEM(zone); i++)
				if (strcasecmp(zone[i].name, cur) == 0
				    && zone[i].type == T_CNAME)
					break;
			if (i == NELEM(zone) || qtype == T_CNAME)
				break;
			srv_put_rr(&o, cur, T_CNAME, 0, zone[i].data, 0);
			snprintf(cur, sizeof(cur), "%s", zone[i].data);
			if (!follow)
				break;
		}
		if (o.an == 0 && !srv_name_exists(qname))
			rcode = 3;		/* NXDOMAIN */
		if (b && b->kind == B_TRUNC_PACKET)
			o.an++;			/* one record too many */
	}
	limit = tcp ? sizeof(o.buf) : opt ? 1232 : 512;
	if (o.overflow || o.len + (opt ? 11 : 0) > limit) {
		o.len = qend;			/* only the question */
		o.an = 0;
		o.overflow = 0;
		o.buf[2] = 0x82;		/* QR, TC */
		goto finish;
	}
	o.buf[2] = 0x81;			/* QR, RD */

finish:
	if (o.buf[2] == 0)
		o.buf[2] = 0x81;
	o.buf[3] = (unsigned char)(0x80 | rcode);	/* RA, rcode */
	o.buf[4] = 0;
	o.buf[5] = 1;
	o.buf[6] = (unsigned char)(o.an >> 8);
	o.buf[7] = (unsigned char)o.an;
	o.buf[8] = o.buf[9] = 0;
	o.buf[10] = 0;
	o.buf[11] = (unsigned char)opt;
	if (opt) {
		/* Echo EDNS so that c-ares keeps it on (also with FORMERR). */
		srv_put_name(&o, ".");
		srv_put16(&o, T_OPT);
		srv_put16(&o, 1232);
		srv_put16(&o, 0);
		srv_put16(&o, 0);
		srv_put16(&o, 0);
	}
	if (o.len > outsz)
		return (0);
	memcpy(out, o.buf, o.len);
	return (o.len);
}

static void
srv_tcp(int fd)
{
	unsigned char q[1024], a[65535 + 2];
	size_t	have = 0, need = 2, n;
	ssize_t	r;
	struct pollfd pfd = {fd, POLLIN, 0};

	while (have < need) {
		if (poll(&pfd, 1, 5000) <= 0)
			return;
		r = read(fd, q + have, need - have);
		if (r <= 0)
			return;
		have += (size_t)r;
		if (have == 2) {
			need = 2 + ((size_t)q[0] << 8 | q[1]);
			if (need > sizeof(q))
				return;
		}
	}
	n = srv_answer(q + 2, need - 2, 1, a + 2, sizeof(a) - 2);
	if (n == 0)
		return;
	a[0] = (unsigned char)(n >> 8);
	a[1] = (unsigned char)n;
	(void)!write(fd, a, n + 2);
}

static void __attribute__((noreturn))
srv_run(int ufd, int tfd)
{
	struct pollfd pfd[2];
	unsigned char q[2048], a[8192];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t	r;
	size_t	n;
	int	c;

	pfd[0].fd = ufd;
	pfd[0].events = POLLIN;
	pfd[1].fd = tfd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			flen = sizeof(from);
			r = recvfrom(ufd, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &flen);
			if (r > 0 && (n = srv_answer(q, (size_t)r, 0, a,
			    sizeof(a))) > 0)
				(void)sendto(ufd, a, n, 0,
				    (struct sockaddr *)&from, flen);
		}
		if (pfd[1].revents & POLLIN) {
			if ((c = accept(tfd, NULL, NULL)) >= 0) {
				srv_tcp(c);
				close(c);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Test context                                                        */

static struct test_ctx {
	pid_t	srv_pid;
	int	port;
	struct dns_ctx dns;
	char	last_warn[1024];
	int	warn_count;
} tctx;

static void
test_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN) {
		snprintf(tctx.last_warn, sizeof(tctx.last_warn), "%s", text);
		tctx.warn_count++;
	}
}

static int
group_setup(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char	why[256], csv[64];
	int	ufd, tfd, one = 1;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ufd = socket(AF_INET, SOCK_DGRAM, 0)) < 0
	    || bind(ufd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || getsockname(ufd, (struct sockaddr *)&sin, &len) < 0)
		return (-1);
	if ((tfd = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0
	    || bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || listen(tfd, 16) < 0)
		return (-1);
	tctx.port = ntohs(sin.sin_port);
	if ((tctx.srv_pid = fork()) < 0)
		return (-1);
	if (tctx.srv_pid == 0) {
		/* Die with the test, even if it aborts before teardown. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		srv_run(ufd, tfd);
	}
	close(ufd);
	close(tfd);
	msg_set_sink(test_sink, NULL);
	if (dns_init(&tctx.dns, why, sizeof(why)) < 0) {
		fprintf(stderr, "dns_init: %s\n", why);
		return (-1);
	}
	snprintf(csv, sizeof(csv), "127.0.0.1:%d", tctx.port);
	if (dns_set_servers(&tctx.dns, csv) < 0)
		return (-1);
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	dns_free(&tctx.dns);
	if (tctx.srv_pid > 0) {
		kill(tctx.srv_pid, SIGTERM);
		waitpid(tctx.srv_pid, NULL, 0);
	}
	return (0);
}

static struct ipc_config
base_cfg(uint32_t flags)
{
	struct ipc_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = flags;
	cfg.addr_pref = IPC_PREF_ANY;
	cfg.default_port = 25;
	return (cfg);
}

#define BOTH	(IPC_CF_INET4 | IPC_CF_INET6)

/* Parse 'nexthop', resolve hop 'which'. Returns dest_resolve()'s rv. */
static int
resolve(const char *nexthop, const struct ipc_config *cfg, size_t which,
    struct dest_list *out, struct ipc_result *err)
{
	struct dest_hop hops[DEST_HOPS_MAX];
	size_t	n;

	memset(err, 0, sizeof(*err));
	assert_int_equal(dest_parse_nexthop(nexthop, cfg, hops, DEST_HOPS_MAX,
	    &n, err), 0);
	assert_true(which < n);
	return (dest_resolve(&tctx.dns, &hops[which], cfg, out, err));
}

static struct dest_list *
new_list(void)
{
	struct dest_list *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	return (l);
}

/* ------------------------------------------------------------------ */
/* Nexthop parsing                                                     */

struct parse_case {
	const char *nexthop;
	const char *relayhost;
	const char *fallback;
	uint32_t def_port;
	int	ok;
	size_t	nhops;
	/* first hop */
	const char *name;
	unsigned port;
	int	no_mx;
	int	is_relay;
	const char *why;	/* error: reason prefix */
};

static const struct parse_case parse_cases[] = {
	{"example.com", "", "", 25, 1, 1, "example.com", 25, 0, 0, NULL},
	{"example.com:2525", "", "", 25, 1, 1, "example.com", 2525, 0, 0, NULL},
	{"example.com:", "", "", 25, 1, 1, "example.com", 25, 0, 0, NULL},
	{"example.com:smtp", "", "", 2525, 1, 1, "example.com", 25, 0, 0, NULL},
	{"example.com:submission", "", "", 25, 1, 1, "example.com", 587, 0, 0,
	    NULL},
	{"example.com:submissions", "", "", 25, 1, 1, "example.com", 465, 0, 0,
	    NULL},
	{"example.com", "", "", 2525, 1, 1, "example.com", 2525, 0, 0, NULL},
	{"[mx.example.com]", "", "", 25, 1, 1, "mx.example.com", 25, 1, 0, NULL},
	{"[mx.example.com]:587", "", "", 25, 1, 1, "mx.example.com", 587, 1, 0,
	    NULL},
	{"[mx.example.com]:", "", "", 25, 1, 1, "mx.example.com", 25, 1, 0, NULL},
	{"[10.0.0.1]", "", "", 25, 1, 1, "10.0.0.1", 25, 1, 0, NULL},
	{"10.0.0.1", "", "", 25, 1, 1, "10.0.0.1", 25, 0, 0, NULL},
	{"10.0.0.1:26", "", "", 25, 1, 1, "10.0.0.1", 26, 0, 0, NULL},
	{"[ipv6:2001:db8::1]:25", "", "", 25, 1, 1, "2001:db8::1", 25, 1, 0,
	    NULL},
	{"[IPv6:2001:db8::1]", "", "", 25, 1, 1, "2001:db8::1", 25, 1, 0, NULL},
	{"[2001:db8::1]:587", "", "", 25, 1, 1, "2001:db8::1", 587, 1, 0, NULL},
	{"a.example, [b.example]:26  c.example", "", "", 25, 1, 3, "a.example",
	    25, 0, 0, NULL},
	{" ,a.example,,", "", "", 25, 1, 1, "a.example", 25, 0, 0, NULL},
	{"a.example", "", "[f1.example], f2.example:26", 25, 1, 3, "a.example",
	    25, 0, 0, NULL},
	{"[r.example]", "[r.example]", "", 25, 1, 1, "r.example", 25, 1, 1,
	    NULL},
	{"[x.example]", "[r.example]", "", 25, 1, 1, "x.example", 25, 1, 0,
	    NULL},
	{"[r.example]:25", "[r.example]", "", 25, 1, 1, "r.example", 25, 1, 0,
	    NULL},
	{"*.wild.example", "", "", 25, 1, 1, "*.wild.example", 25, 0, 0, NULL},
	/* bad forms: deferred 4.3.5 with Postfix's words */
	{"[", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "missing \"]\" in server description: ["},
	{"[host.example", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "missing \"]\" in server description: [host.example"},
	{"[host.example]x", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "garbage after \"]\" in server description: [host.example]x"},
	{"[ipv6:1.2.3.4]", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "malformed IPv6 address in server description: [ipv6:1.2.3.4]"},
	{"[ipv6:zz::1]", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "malformed IPv6 address"},
	{"host.example:99999", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "bad network port: 99999 for destination: host.example:99999"},
	{"host.example:65536", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "bad network port: 65536"},
	{"host.example:0", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "bad network port: 0"},
	{"host.example:abc", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "unknown service: abc/tcp"},
	{"host.example:25x", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "garbage after numerical service in server description: "
	    "host.example:25x"},
	{"", "", "", 25, 0, 0, NULL, 0, 0, 0, "empty nexthop hostname"},
	{" , ", "", "", 25, 0, 0, NULL, 0, 0, 0, "empty nexthop hostname"},
	{":25", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "missing host information in server description: :25"},
	{"[]", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required"},
	{"bad!host.example", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required in server "
	    "description: bad!host.example"},
	{"2001:db8::1", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required"},
	{"example.com.", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required"},
	{"-bad.example", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required"},
	{"1.2.3", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required"},
	{"a.example\001b", "", "", 25, 0, 0, NULL, 0, 0, 0,
	    "valid hostname or network address required in server "
	    "description: a.example?b"},
	{"a.example", "", "[f.example", 25, 0, 0, NULL, 0, 0, 0,
	    "missing \"]\" in server description: [f.example"},
};

static void
test_parse_table(void **state)
{
	struct dest_hop hops[DEST_HOPS_MAX];
	struct ipc_result err;
	struct ipc_config cfg;
	size_t	i, n;
	int	rv;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		cfg = base_cfg(BOTH);
		cfg.default_port = c->def_port;
		snprintf(cfg.relayhost, sizeof(cfg.relayhost), "%s",
		    c->relayhost);
		snprintf(cfg.fallback_relay, sizeof(cfg.fallback_relay), "%s",
		    c->fallback);
		memset(&err, 0, sizeof(err));
		n = 99;
		rv = dest_parse_nexthop(c->nexthop, &cfg, hops, DEST_HOPS_MAX,
		    &n, &err);
		if (c->ok) {
			if (rv != 0)
				fail_msg("case %zu \"%s\": %s", i, c->nexthop,
				    err.reason);
			assert_int_equal(n, c->nhops);
			assert_string_equal(hops[0].name, c->name);
			assert_int_equal(hops[0].port, c->port);
			assert_int_equal(hops[0].no_mx, c->no_mx);
			assert_int_equal(hops[0].is_relay, c->is_relay);
			assert_int_equal(hops[0].is_fallback, 0);
		} else {
			if (rv != -1)
				fail_msg("case %zu \"%s\" parsed", i,
				    c->nexthop);
			assert_int_equal(n, 0);
			assert_string_equal(err.status, "4.3.5");
			if (strncmp(err.reason, c->why, strlen(c->why)) != 0)
				fail_msg("case %zu: reason \"%s\", want \"%s\"",
				    i, err.reason, c->why);
			assert_true(sj_text_is_printable(err.reason));
		}
	}
}

static void
test_parse_lists(void **state)
{
	struct dest_hop hops[DEST_HOPS_MAX + 1];
	struct ipc_result err;
	struct ipc_config cfg = base_cfg(BOTH);
	char	big[SJ_NEXTHOP_MAX + 1];
	size_t	n, i, len = 0;

	(void)state;
	/* Hops, then fallback relays flagged as relays and fallbacks. */
	snprintf(cfg.fallback_relay, sizeof(cfg.fallback_relay),
	    "[f1.example]:2525 f2.example");
	assert_int_equal(dest_parse_nexthop("a.example,[b.example]", &cfg,
	    hops, DEST_HOPS_MAX, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(hops[1].name, "b.example");
	assert_int_equal(hops[1].no_mx, 1);
	assert_int_equal(hops[1].is_fallback, 0);
	assert_string_equal(hops[2].name, "f1.example");
	assert_int_equal(hops[2].port, 2525);
	assert_int_equal(hops[2].is_fallback, 1);
	assert_int_equal(hops[2].is_relay, 1);
	assert_int_equal(hops[3].no_mx, 0);
	assert_int_equal(hops[3].is_fallback, 1);

	/* relayhost equal to the first element: every non-fallback hop. */
	snprintf(cfg.relayhost, sizeof(cfg.relayhost), "[r.example]");
	assert_int_equal(dest_parse_nexthop("[r.example] [s.example]", &cfg,
	    hops, DEST_HOPS_MAX, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(hops[0].is_relay, 1);
	assert_int_equal(hops[1].is_relay, 1);
	assert_int_equal(hops[1].is_fallback, 0);
	/* ... but not when it is not the first (Postfix: sites[0]). */
	assert_int_equal(dest_parse_nexthop("[s.example] [r.example]", &cfg,
	    hops, DEST_HOPS_MAX, &n, &err), 0);
	assert_int_equal(hops[0].is_relay, 0);
	assert_int_equal(hops[1].is_relay, 0);

	/* Too many hops (maxhops counts fallbacks too). */
	cfg.fallback_relay[0] = '\0';
	for (i = 0; i < DEST_HOPS_MAX + 1; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
		    "h%zu.example ", i);
	memset(&err, 0, sizeof(err));
	assert_int_equal(dest_parse_nexthop(big, &cfg, hops, DEST_HOPS_MAX,
	    &n, &err), -1);
	assert_string_equal(err.status, "4.3.5");
	assert_non_null(strstr(err.reason, "too many destinations"));
	/* Exactly the limit is fine. */
	assert_int_equal(dest_parse_nexthop(big, &cfg, hops, DEST_HOPS_MAX + 1,
	    &n, &err), 0);
	assert_int_equal(n, DEST_HOPS_MAX + 1);
	snprintf(cfg.fallback_relay, sizeof(cfg.fallback_relay), "f.example");
	assert_int_equal(dest_parse_nexthop("a.example", &cfg, hops, 1, &n,
	    &err), -1);
	assert_non_null(strstr(err.reason, "too many destinations"));
}

/* ------------------------------------------------------------------ */
/* The DNS layer                                                       */

static void
test_dns_classes(void **state)
{
	static const struct {
		const char *name;
		int	status;
		const char *why;
	} mx_cases[] = {
		{"order.test", DNS_OK, ""},
		{"nx.test", DNS_NOTFOUND, "Host or domain name not found. "
		    "Name service error for name=nx.test type=MX: "
		    "Host not found"},
		{"implicit.test", DNS_NOTFOUND, "Host or domain name not "
		    "found. Name service error for name=implicit.test "
		    "type=MX: Host found but no data record of requested type"},
		{"servfail.test", DNS_RETRY, "Host or domain name not found. "
		    "Name service error for name=servfail.test type=MX: "
		    "Host not found, try again"},
		{"refused.test", DNS_RETRY, "Host or domain name not found. "
		    "Name service error for name=refused.test type=MX: "
		    "Host not found, try again"},
		{"notimp.test", DNS_RETRY, "Host or domain name not found. "
		    "Name service error for name=notimp.test type=MX: "
		    "Host not found, try again"},
		{"formerr.test", DNS_FAIL, "Host or domain name not found. "
		    "Name service error for name=formerr.test type=MX: "
		    "Non-recoverable error"},
		{"null.test", DNS_NULLMX,
		    "Domain null.test does not accept mail (nullMX)"},
		{"allbad.test", DNS_INVAL, "Name service error for "
		    "name=allbad.test type=MX: Malformed or unexpected name "
		    "server reply"},
		{"trunc.test", DNS_RETRY, "Name service error for "
		    "name=trunc.test type=MX: Malformed or unexpected name "
		    "server reply"},
		{"10.1.2.3", DNS_NOTFOUND, "Name service error for 10.1.2.3: "
		    "invalid host or domain name"},
		{"bad..name", DNS_NOTFOUND, "Name service error for "
		    "bad..name: invalid host or domain name"},
	};
	struct dns_mx_reply *mx = calloc(1, sizeof(*mx));
	size_t	i;

	(void)state;
	assert_non_null(mx);
	for (i = 0; i < NELEM(mx_cases); i++) {
		assert_int_equal(dns_lookup_mx(&tctx.dns, mx_cases[i].name, mx),
		    0);
		if (mx->status != mx_cases[i].status
		    || strcmp(mx->why, mx_cases[i].why) != 0)
			fail_msg("%s: status %d why \"%s\"", mx_cases[i].name,
			    mx->status, mx->why);
	}
	/* Answer order kept at this level; preferences as sent. */
	assert_int_equal(dns_lookup_mx(&tctx.dns, "order.test", mx), 0);
	assert_int_equal(mx->count, 3);
	assert_string_equal(mx->mx[0].host, "mx2.order.test");
	assert_int_equal(mx->mx[0].pref, 20);
	assert_int_equal(mx->mx[1].pref, 10);
	/* Without NOCHECKRESP: SERVFAIL/REFUSED/NOTIMP end as "refused". */
	assert_int_equal(dns_lookup_mx(&tctx.dns, "refused.test", mx), 0);
	assert_int_equal(mx->ares_status, ARES_ECONNREFUSED);
	/* One invalid MX target is dropped, the valid one kept. */
	tctx.warn_count = 0;
	assert_int_equal(dns_lookup_mx(&tctx.dns, "badmx.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_int_equal(mx->count, 1);
	assert_string_equal(mx->mx[0].host, "good.badmx.test");
	assert_true(tctx.warn_count > 0);
	assert_non_null(strstr(tctx.last_warn, "malformed domain name"));
	/* An address as MX target is kept (with a warning). */
	assert_int_equal(dns_lookup_mx(&tctx.dns, "literal.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_string_equal(mx->mx[0].host, "192.0.2.7");
	assert_non_null(strstr(tctx.last_warn, "numeric domain name"));
	/* Truncated over UDP: c-ares retries over TCP. */
	assert_int_equal(dns_lookup_mx(&tctx.dns, "tcp.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_string_equal(mx->mx[0].host, "mx1.order.test");
	free(mx);
}

/*
 * Hostile answers (issue: "the hostile world"): compression loops in a
 * name, a pointer past the packet, an answer to another question, a
 * thousand MX records. Each ends in Postfix's class for it, and the
 * channel stays usable.
 */
static void
test_dns_hostile(void **state)
{
	static const struct {
		const char *name;
		int	status;
		const char *why;
	} cases[] = {
		{"ptrloop.test", DNS_RETRY, "Name service error for "
		    "name=ptrloop.test type=MX: Malformed or unexpected name "
		    "server reply"},
		{"badptr.test", DNS_RETRY, "Name service error for "
		    "name=badptr.test type=MX: Malformed or unexpected name "
		    "server reply"},
		{"ownerloop.test", DNS_RETRY, "Name service error for "
		    "name=ownerloop.test type=MX: Malformed or unexpected name "
		    "server reply"},
		/* c-ares drops an answer whose question differs: as if
		 * the server never answered */
		{"wrongq.test", DNS_RETRY, "Host or domain name not found. "
		    "Name service error for name=wrongq.test type=MX: Host "
		    "not found, try again"},
	};
	struct dns_mx_reply *mx = calloc(1, sizeof(*mx));
	size_t	i;

	(void)state;
	assert_non_null(mx);
	dns_set_deadline(&tctx.dns, 1200);
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(dns_lookup_mx(&tctx.dns, cases[i].name, mx),
		    0);
		if (mx->status != cases[i].status
		    || strcmp(mx->why, cases[i].why) != 0)
			fail_msg("%s: status %d why \"%s\"", cases[i].name,
			    mx->status, mx->why);
		assert_int_equal(mx->count, 0);
	}
	dns_set_deadline(&tctx.dns, 0);

	/* 1000 MX records (TCP): the first DNS_RR_MAX kept, with
	 * Postfix's warning, in answer order */
	tctx.warn_count = 0;
	assert_int_equal(dns_lookup_mx(&tctx.dns, "thousand.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_int_equal(mx->count, DNS_RR_MAX);
	assert_string_equal(mx->mx[0].host, "m1000.thousand.test");
	assert_int_equal(mx->mx[0].pref, 1000);
	assert_int_equal(mx->mx[DNS_RR_MAX - 1].pref, 1000 - DNS_RR_MAX + 1);
	assert_true(tctx.warn_count > 0);
	assert_non_null(strstr(tctx.last_warn, "DNS record count limit"));

	/* still usable */
	assert_int_equal(dns_lookup_mx(&tctx.dns, "order.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_int_equal(mx->count, 3);
	free(mx);
}

static void
test_dns_addr(void **state)
{
	struct dns_addr_reply *r = calloc(1, sizeof(*r));
	unsigned char want[16];

	(void)state;
	assert_non_null(r);
	assert_int_equal(dns_lookup_addr(&tctx.dns, "h.dual.test", AF_INET6,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->addr[0].family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::21", want);
	assert_memory_equal(r->addr[0].addr, want, 16);

	/* CNAME followed by the server. */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "www.cname.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	assert_int_equal(r->count, 1);
	/* CNAME left to us: one more query. */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "hop.cname.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	inet_pton(AF_INET, "192.0.2.50", want);
	assert_memory_equal(r->addr[0].addr, want, 4);
	/* CNAME loop. */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "loop1.test", AF_INET, r),
	    0);
	assert_int_equal(r->status, DNS_NOTFOUND);
	assert_string_equal(r->why, "Name server loop for loop1.test");
	/* Bad A length: malformed, "try again" class (Postfix DNS_RETRY). */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "badlen.test", AF_INET, r),
	    0);
	assert_int_equal(r->status, DNS_RETRY);
	assert_string_equal(r->why, "Name service error for name=badlen.test "
	    "type=A: Malformed or unexpected name server reply");
	/* 120 records (over TCP): 100 kept, with a warning. */
	tctx.warn_count = 0;
	assert_int_equal(dns_lookup_addr(&tctx.dns, "huge.test", AF_INET, r),
	    0);
	assert_int_equal(r->status, DNS_OK);
	assert_int_equal(r->count, DNS_RR_MAX);
	assert_non_null(strstr(tctx.last_warn, "DNS record count limit"));
	/* NODATA vs NXDOMAIN texts. */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "v6only.test", AF_INET, r),
	    0);
	assert_int_equal(r->status, DNS_NOTFOUND);
	assert_int_equal(r->ares_status, ARES_ENODATA);
	assert_non_null(strstr(r->why, "type=A: Host found but no data"));
	free(r);
}

/* The owner of the address records: the name after CNAMEs (rname). */
static void
test_dns_rname(void **state)
{
	struct dns_addr_reply *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	assert_int_equal(dns_lookup_addr(&tctx.dns, "www.cname.test", AF_INET,
	    r), 0);
	assert_string_equal(r->rname, "real.cname.test");
	assert_int_equal(dns_lookup_addr(&tctx.dns, "hop.cname.test", AF_INET,
	    r), 0);
	assert_string_equal(r->rname, "real.cname.test");
	assert_int_equal(dns_lookup_addr(&tctx.dns, "h.dual.test", AF_INET,
	    r), 0);
	assert_string_equal(r->rname, "h.dual.test");
	assert_int_equal(dns_lookup_addr(&tctx.dns, "nx.test", AF_INET, r), 0);
	assert_string_equal(r->rname, "");
	free(r);
}

static struct {
	int	calls;
	int	last;
} probe_seen;

static void
probe_report(void *arg, int result)
{
	(void)arg;
	probe_seen.calls++;
	probe_seen.last = result;
}

/*
 * DNSSEC-requesting lookups (ares_send()): NXDOMAIN and NODATA read as
 * with ares_query(); dnssec_probe once, after the first lookup without
 * a validated answer (this server never sets AD), only when allowed.
 */
static void
test_dns_dnssec(void **state)
{
	struct dns_mx_reply *mx = calloc(1, sizeof(*mx));
	struct dns_addr_reply *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(mx);
	assert_non_null(r);
	dns_set_dnssec(&tctx.dns, 1, 1);
	tctx.dns.sec_stats = 0;
	dns_set_probe(&tctx.dns, T_A, "nx.test", probe_report, NULL);
	memset(&probe_seen, 0, sizeof(probe_seen));

	/* Not allowed by the parent: no probe. */
	dns_allow_probe(&tctx.dns, 0);
	assert_int_equal(dns_lookup_mx(&tctx.dns, "nx.test", mx), 0);
	assert_int_equal(mx->status, DNS_NOTFOUND);
	assert_string_equal(mx->why, "Host or domain name not found. Name "
	    "service error for name=nx.test type=MX: Host not found");
	assert_int_equal(probe_seen.calls, 0);

	/* Allowed: the next lookup ends with the probe, reported once. */
	dns_allow_probe(&tctx.dns, 1);
	assert_int_equal(dns_lookup_addr(&tctx.dns, "v6only.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_NOTFOUND);
	assert_int_equal(r->ares_status, ARES_ENODATA);
	assert_non_null(strstr(r->why, "type=A: Host found but no data"));
	assert_int_equal(probe_seen.calls, 1);
	assert_int_equal(probe_seen.last, DNSSEC_PROBE_INSECURE);
	assert_int_equal(dns_lookup_mx(&tctx.dns, "order.test", mx), 0);
	assert_int_equal(mx->status, DNS_OK);
	assert_int_equal(mx->dnssec_valid, 0);
	assert_int_equal(probe_seen.calls, 1);

	/* A probe without an answer: "try again". */
	tctx.dns.sec_stats = 0;
	dns_set_probe(&tctx.dns, T_A, "servfail.test", probe_report, NULL);
	assert_int_equal(dns_lookup_mx(&tctx.dns, "order.test", mx), 0);
	assert_int_equal(probe_seen.calls, 2);
	assert_int_equal(probe_seen.last, DNSSEC_PROBE_RETRY);
	/* An invalid name is never sent: not validated. */
	tctx.dns.sec_stats = 0;
	dns_set_probe(&tctx.dns, T_A, "!", probe_report, NULL);
	assert_int_equal(dns_lookup_mx(&tctx.dns, "order.test", mx), 0);
	assert_int_equal(probe_seen.calls, 3);
	assert_int_equal(probe_seen.last, DNSSEC_PROBE_INSECURE);

	dns_allow_probe(&tctx.dns, 0);
	dns_set_probe(&tctx.dns, 0, "", NULL, NULL);
	dns_set_dnssec(&tctx.dns, 0, 0);
	free(mx);
	free(r);
}

static void
test_dns_batch(void **state)
{
	struct dns_addr_query q[20];
	struct dns_addr_reply *r = calloc(NELEM(q), sizeof(*r));
	char	names[12][32];
	size_t	i;

	(void)state;
	assert_non_null(r);
	/* More than DNS_BATCH_MAX in one call; mixed outcomes. */
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "m%02zu.many.test", i + 1);
		q[i].name = names[i];
		q[i].family = AF_INET;
		q[i].reply = &r[i];
	}
	for (; i < NELEM(q); i++) {
		q[i].name = i % 2 ? "nx.test" : "servfail.test";
		q[i].family = i % 4 < 2 ? AF_INET : AF_INET6;
		q[i].reply = &r[i];
	}
	assert_int_equal(dns_lookup_addr_many(&tctx.dns, q, NELEM(q)), 0);
	for (i = 0; i < 12; i++) {
		assert_int_equal(r[i].status, DNS_OK);
		assert_int_equal(r[i].addr[0].addr[3], 101 + i);
	}
	for (; i < NELEM(q); i++)
		assert_int_equal(r[i].status, i % 2 ? DNS_NOTFOUND : DNS_RETRY);
	free(r);
}

static void
test_dns_deadline(void **state)
{
	struct dns_addr_reply *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	dns_set_deadline(&tctx.dns, 1200);
	assert_int_equal(dns_lookup_addr(&tctx.dns, "drop.test", AF_INET, r),
	    0);
	dns_set_deadline(&tctx.dns, 0);
	assert_int_equal(r->status, DNS_RETRY);
	assert_string_equal(r->why, "Host or domain name not found. Name "
	    "service error for name=drop.test type=A: Host not found, "
	    "try again");
	/* The channel is usable afterwards. */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "mx1.order.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	free(r);
}

static void
test_dns_cancel(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;
	struct dns_mx_reply *mx = calloc(1, sizeof(*mx));
	int	p[2];
	char	c = 'x';

	(void)state;
	assert_non_null(mx);
	assert_int_equal(pipe(p), 0);
	/* A generous deadline: only the cancel can end this quickly. */
	dns_set_deadline(&tctx.dns, 30000);
	sys_set_cancel_fd(p[0]);
	assert_int_equal(write(p[1], &c, 1), 1);
	assert_int_equal(dns_lookup_mx(&tctx.dns, "drop.test", mx),
	    -ECANCELED);
	assert_int_equal(mx->status, DNS_RETRY);
	assert_int_equal(resolve("drop.test", &cfg, 0, out, &err),
	    -ECANCELED);
	assert_int_equal(out->count, 0);
	assert_int_equal(err.status[0], '4');
	assert_int_equal(resolve("[drop.test]", &cfg, 0, out, &err),
	    -ECANCELED);
	sys_set_cancel_fd(-1);
	dns_set_deadline(&tctx.dns, 0);
	close(p[0]);
	close(p[1]);
	/* The next lookup works. */
	assert_int_equal(resolve("order.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 3);
	free(mx);
	free(out);
}

/*
 * Two servers, the first silent: c-ares waits its 5 s, moves on, and
 * then has two sockets, so dns_run() takes its several-socket path.
 */
static void
test_dns_two_servers(void **state)
{
	struct dns_addr_reply *r = calloc(1, sizeof(*r));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char	csv[96];
	int	bh;

	(void)state;
	assert_non_null(r);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((bh = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	assert_int_equal(bind(bh, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(bh, (struct sockaddr *)&sin, &len), 0);
	snprintf(csv, sizeof(csv), "127.0.0.1:%d,127.0.0.1:%d",
	    ntohs(sin.sin_port), tctx.port);
	assert_int_equal(dns_set_servers(&tctx.dns, csv), 0);
	assert_int_equal(dns_lookup_addr(&tctx.dns, "mx2.order.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	assert_int_equal(r->addr[0].addr[3], 2);
	snprintf(csv, sizeof(csv), "127.0.0.1:%d", tctx.port);
	assert_int_equal(dns_set_servers(&tctx.dns, csv), 0);
	assert_int_equal(dns_set_servers(&tctx.dns, "not an address"),
	    -EINVAL);
	assert_int_equal(dns_set_servers(&tctx.dns, ""), 0);	/* kept */
	assert_int_equal(dns_lookup_addr(&tctx.dns, "mx1.order.test", AF_INET,
	    r), 0);
	assert_int_equal(r->status, DNS_OK);
	close(bh);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Destination choice                                                  */

static void
test_resolve_order(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;
	const struct sockaddr_in *sin;

	(void)state;
	assert_int_equal(resolve("order.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 3);
	assert_string_equal(out->addr[0].host, "mx1.order.test");
	assert_string_equal(out->addr[0].addr_text, "192.0.2.1");
	assert_int_equal(out->addr[0].pref, 10);
	assert_string_equal(out->addr[1].host, "mx2.order.test");
	assert_int_equal(out->addr[1].pref, 20);
	assert_string_equal(out->addr[2].host, "mx3.order.test");
	assert_int_equal(out->final, 0);
	sin = (const struct sockaddr_in *)&out->addr[0].sa;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 25);
	assert_int_equal(out->addr[0].salen, sizeof(struct sockaddr_in));

	/* Port from the nexthop. */
	assert_int_equal(resolve("order.test:2525", &cfg, 0, out, &err), 0);
	sin = (const struct sockaddr_in *)&out->addr[2].sa;
	assert_int_equal(ntohs(sin->sin_port), 2525);

	/* Truncation at smtp_mx_address_limit. */
	cfg.mx_address_limit = 2;
	assert_int_equal(resolve("order.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 2);
	assert_string_equal(out->addr[1].host, "mx2.order.test");
	free(out);
}

static void
test_resolve_many(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(IPC_CF_INET4 | IPC_CF_RANDOMIZE);
	struct ipc_result err;
	size_t	i;

	(void)state;
	cfg.mx_address_limit = 5;
	assert_int_equal(resolve("many.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(out->addr[i].pref, i + 1);
	cfg.mx_address_limit = 0;
	assert_int_equal(resolve("many.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 12);
	assert_string_equal(out->addr[11].addr_text, "192.0.2.112");

	/* DNS_RR_MAX collected, DEST_ADDR_MAX returned. */
	assert_int_equal(resolve("[huge.test]", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, DEST_ADDR_MAX);
	free(out);
}

static void
test_resolve_random(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH | IPC_CF_RANDOMIZE);
	struct ipc_result err;
	int	first_a = 0, first_b = 0, i;

	(void)state;
	for (i = 0; i < 64; i++) {
		assert_int_equal(resolve("eq.test", &cfg, 0, out, &err), 0);
		assert_int_equal(out->count, 2);
		if (strcmp(out->addr[0].host, "a.eq.test") == 0)
			first_a++;
		else
			first_b++;
	}
	assert_true(first_a > 0);
	assert_true(first_b > 0);

	/* Equal preferences only: the better MX stays first. */
	for (i = 0; i < 16; i++) {
		assert_int_equal(resolve("order.test", &cfg, 0, out, &err), 0);
		assert_string_equal(out->addr[0].host, "mx1.order.test");
		assert_string_equal(out->addr[2].host, "mx3.order.test");
	}

	/* Without smtp_randomize_addresses: answer order, every time. */
	cfg.flags &= ~IPC_CF_RANDOMIZE;
	for (i = 0; i < 16; i++) {
		assert_int_equal(resolve("eq.test", &cfg, 0, out, &err), 0);
		assert_string_equal(out->addr[0].host, "a.eq.test");
	}
	free(out);
}

static void
test_resolve_families(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;
	const struct sockaddr_in6 *sin6;

	(void)state;
	/* inet_protocols = all: A first, then AAAA. */
	assert_int_equal(resolve("dual.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 2);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.21");
	assert_string_equal(out->addr[1].addr_text, "2001:db8::21");
	sin6 = (const struct sockaddr_in6 *)&out->addr[1].sa;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 25);
	assert_int_equal(out->addr[1].salen, sizeof(struct sockaddr_in6));
	/* smtp_address_preference = ipv6 */
	cfg.addr_pref = IPC_PREF_IPV6;
	assert_int_equal(resolve("dual.test", &cfg, 0, out, &err), 0);
	assert_string_equal(out->addr[0].addr_text, "2001:db8::21");
	cfg.addr_pref = IPC_PREF_IPV4;
	cfg.flags |= IPC_CF_RANDOMIZE;
	assert_int_equal(resolve("dual.test", &cfg, 0, out, &err), 0);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.21");
	/* One family only. */
	cfg = base_cfg(IPC_CF_INET4);
	assert_int_equal(resolve("dual.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.21");
	cfg = base_cfg(IPC_CF_INET6);
	assert_int_equal(resolve("[implicit.test]", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "2001:db8::30");
	/* A literal of a disabled family: Postfix asks DNS and fails. */
	assert_int_equal(resolve("[192.0.2.9]", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "5.4.4");
	assert_string_equal(err.reason, "Name service error for 192.0.2.9: "
	    "invalid host or domain name");
	/* No family at all. */
	cfg = base_cfg(0);
	assert_int_equal(resolve("dual.test", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "4.4.4");
	assert_string_equal(err.reason, "all network protocols are disabled");
	/* IPv6 literal, bracketed. */
	cfg = base_cfg(BOTH);
	assert_int_equal(resolve("[ipv6:2001:db8::5]:587", &cfg, 0, out, &err),
	    0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "2001:db8::5");
	assert_string_equal(out->addr[0].host, "2001:db8::5");
	sin6 = (const struct sockaddr_in6 *)&out->addr[0].sa;
	assert_int_equal(ntohs(sin6->sin6_port), 587);
	free(out);
}

static void
test_resolve_balance(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;

	(void)state;
	/* 4 A + 4 AAAA, limit 4, first is A: 2 A then 2 AAAA. */
	cfg.mx_address_limit = 4;
	assert_int_equal(resolve("[bal.test]", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 4);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.91");
	assert_string_equal(out->addr[1].addr_text, "192.0.2.92");
	assert_string_equal(out->addr[2].addr_text, "2001:db8::91");
	assert_string_equal(out->addr[3].addr_text, "2001:db8::92");
	/* limit 3: (3 + 1) / 2 = 2 A, 1 AAAA. */
	cfg.mx_address_limit = 3;
	assert_int_equal(resolve("[bal.test]", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 3);
	assert_string_equal(out->addr[2].addr_text, "2001:db8::91");
	/* Preferring IPv6 puts AAAA first: then 2 AAAA + 1 A. */
	cfg.addr_pref = IPC_PREF_IPV6;
	assert_int_equal(resolve("[bal.test]", &cfg, 0, out, &err), 0);
	assert_string_equal(out->addr[0].addr_text, "2001:db8::91");
	assert_string_equal(out->addr[1].addr_text, "2001:db8::92");
	assert_string_equal(out->addr[2].addr_text, "192.0.2.91");
	free(out);
}

static void
test_resolve_special(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;

	(void)state;
	/* No MX: the domain is its own MX, preference 0. */
	assert_int_equal(resolve("implicit.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 2);
	assert_string_equal(out->addr[0].host, "implicit.test");
	assert_int_equal(out->addr[0].pref, 0);
	/* MX target that is an address. */
	assert_int_equal(resolve("literal.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.7");
	assert_int_equal(out->addr[0].pref, 10);
	/* MX through a CNAME the client has to follow. */
	assert_int_equal(resolve("mx.cname.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].host, "hop.cname.test");
	assert_string_equal(out->addr[0].addr_text, "192.0.2.50");
	/* Bare address as nexthop: MX lookup refused, then the literal. */
	assert_int_equal(resolve("192.0.2.8", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.8");
	/* One bad MX name among good ones. */
	assert_int_equal(resolve("badmx.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].host, "good.badmx.test");
	/* Answers over TCP. */
	assert_int_equal(resolve("tcp.test", &cfg, 0, out, &err), 0);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.1");
	free(out);
}

struct err_case {
	const char *nexthop;
	uint32_t flags;
	const char *status;
	const char *reason;
	int	loops;
	int	final;
};

#define NS	"Host or domain name not found. Name service error for "

static const struct err_case err_cases[] = {
	/* MX lookup failures */
	{"servfail.test", BOTH, "4.4.3",
	    NS "name=servfail.test type=MX: Host not found, try again", 0, 0},
	{"refused.test", BOTH, "4.4.3",
	    NS "name=refused.test type=MX: Host not found, try again", 0, 0},
	{"notimp.test", BOTH, "4.4.3",
	    NS "name=notimp.test type=MX: Host not found, try again", 0, 0},
	{"formerr.test", BOTH, "5.4.3",
	    NS "name=formerr.test type=MX: Non-recoverable error", 0, 0},
	{"null.test", BOTH, "5.1.0",
	    "Domain null.test does not accept mail (nullMX)", 0, 0},
	{"null.test", BOTH | IPC_CF_IGNORE_MX_ERROR, "5.1.0",
	    "Domain null.test does not accept mail (nullMX)", 0, 0},
	{"allbad.test", BOTH, "5.4.4", "Name service error for name=allbad.test"
	    " type=MX: Malformed or unexpected name server reply", 0, 0},
	{"trunc.test", BOTH, "4.4.3", "Name service error for name=trunc.test "
	    "type=MX: Malformed or unexpected name server reply", 0, 0},
	/* ignore_mx_lookup_error: A/AAAA instead */
	{"formerr.test", BOTH | IPC_CF_IGNORE_MX_ERROR, "5.4.3",
	    NS "name=formerr.test type=AAAA: Non-recoverable error", 0, 0},
	{"servfail.test", IPC_CF_INET4 | IPC_CF_IGNORE_MX_ERROR, "4.4.3",
	    NS "name=servfail.test type=A: Host not found, try again", 0, 0},
	/* Not found: implicit MX, then the host lookup's error */
	{"nx.test", BOTH, "5.4.4",
	    NS "name=nx.test type=AAAA: Host not found", 0, 0},
	{"nx.test", IPC_CF_INET4, "5.4.4",
	    NS "name=nx.test type=A: Host not found", 0, 0},
	{"[nx.test]", IPC_CF_INET4, "5.4.4",
	    NS "name=nx.test type=A: Host not found", 0, 0},
	{"[servfail.test]", BOTH, "4.4.3",
	    NS "name=servfail.test type=AAAA: Host not found, try again", 0, 0},
	{"[formerr.test]", IPC_CF_INET6, "5.4.3",
	    NS "name=formerr.test type=AAAA: Non-recoverable error", 0, 0},
	{"[v6only.test]", IPC_CF_INET4, "5.4.4",
	    NS "name=v6only.test type=A: Host found but no data record of "
	    "requested type", 0, 0},
	{"[badlen.test]", IPC_CF_INET4, "4.4.3", "Name service error for "
	    "name=badlen.test type=A: Malformed or unexpected name server "
	    "reply", 0, 0},
	{"[loop1.test]", IPC_CF_INET4, "5.4.4",
	    "Name server loop for loop1.test", 0, 0},
	/* MX host without address; smtp_defer_if_no_mx_address_found */
	{"noaddr.test", BOTH, "5.4.4",
	    NS "name=gone.noaddr.test type=AAAA: Host not found", 0, 0},
	{"noaddr.test", IPC_CF_INET4, "5.4.4",
	    NS "name=gone.noaddr.test type=A: Host not found", 0, 0},
	{"noaddr.test", BOTH | IPC_CF_DEFER_NO_MX_ADDR, "4.4.4",
	    NS "name=gone.noaddr.test type=AAAA: Host not found", 0, 0},
	{"nodata.test", IPC_CF_INET4, "5.4.4",
	    NS "name=h.nodata.test type=A: Host found but no data record of "
	    "requested type", 0, 0},
	/* A soft error dominates a later hard one: 4.4.4, last text */
	{"softdom.test", IPC_CF_INET4, "4.4.4",
	    NS "name=nx.softdom.test type=A: Host not found", 0, 0},
	/* DNS disabled: getaddrinfo()-style texts */
	{"order.test", IPC_CF_INET4 | IPC_CF_DISABLE_DNS, "5.4.4",
	    "unable to look up host order.test: No address associated with "
	    "hostname", 0, 0},
	{"nx.test", BOTH | IPC_CF_DISABLE_DNS, "5.4.4",
	    "unable to look up host nx.test: Name or service not known", 0, 0},
	{"servfail.test", BOTH | IPC_CF_DISABLE_DNS, "4.4.4",
	    "unable to look up host servfail.test: Temporary failure in name "
	    "resolution", 0, 0},
	{"formerr.test", IPC_CF_INET4 | IPC_CF_DISABLE_DNS, "5.3.0",
	    "unable to look up host formerr.test: Non-recoverable failure in "
	    "name resolution", 0, 0},
	{"[2001:db8::1]", IPC_CF_INET4 | IPC_CF_DISABLE_DNS, "5.4.4",
	    "2001:db8::1: host not found", 0, 0},
	/* Loop detection (local_addrs = 127.0.0.1, ::1) */
	{"self.test", BOTH, "5.4.6", "mail for self.test loops back to myself",
	    1, 1},
	{"primary.test", BOTH, "4.4.4",
	    "unable to find primary relay for primary.test", 0, 1},
	{"[127.0.0.1]", BOTH, "5.4.6",
	    "mail for 127.0.0.1 loops back to myself", 1, 1},
	{"[ipv6:::1]", BOTH, "5.4.6", "mail for ::1 loops back to myself", 1, 1},
};

static void
test_resolve_errors(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg;
	struct ipc_result err;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(err_cases); i++) {
		const struct err_case *c = &err_cases[i];

		cfg = base_cfg(c->flags);
		snprintf(cfg.local_addrs, sizeof(cfg.local_addrs),
		    "127.0.0.1, [::1]");
		out->count = 99;
		if (resolve(c->nexthop, &cfg, 0, out, &err) != -1)
			fail_msg("case %zu %s: resolved", i, c->nexthop);
		assert_int_equal(out->count, 0);
		if (strcmp(err.status, c->status) != 0
		    || strcmp(err.reason, c->reason) != 0)
			fail_msg("case %zu %s: %s \"%s\", want %s \"%s\"", i,
			    c->nexthop, err.status, err.reason, c->status,
			    c->reason);
		assert_int_equal(!!(err.flags & IPC_RF_LOOPS_BACK), c->loops);
		assert_int_equal(out->final, c->final);
		assert_null(out->relay_problem);
		assert_string_equal(err.relay, "none");
		assert_int_equal(err.diag_code, 0);
	}
	/* The warning of step 3. */
	cfg = base_cfg(BOTH);
	tctx.last_warn[0] = '\0';
	assert_int_equal(resolve("noaddr.test", &cfg, 0, out, &err), -1);
	assert_string_equal(tctx.last_warn,
	    "no MX host for noaddr.test has a valid address record");
	free(out);
}

static void
test_resolve_loops(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH);
	struct ipc_result err;

	(void)state;
	snprintf(cfg.local_addrs, sizeof(cfg.local_addrs), "127.0.0.1");
	/* We are a backup MX: only the better one, and final. */
	assert_int_equal(resolve("better.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].addr_text, "192.0.2.31");
	assert_int_equal(out->final, 1);
	/* Not port 25: no loop detection at all. */
	assert_int_equal(resolve("better.test:2525", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 3);
	assert_string_equal(out->addr[1].addr_text, "127.0.0.1");
	assert_int_equal(out->final, 0);
	assert_int_equal(resolve("[127.0.0.1]:2525", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	/* Not ours: no loop. */
	cfg.local_addrs[0] = '\0';
	assert_int_equal(resolve("self.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	free(out);
}

static void
test_resolve_relays(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(IPC_CF_INET4);
	struct ipc_result err;

	(void)state;
	/* relayhost = [nx.test]: hard error becomes 4.3.5, text kept. */
	snprintf(cfg.relayhost, sizeof(cfg.relayhost), "[nx.test]");
	assert_int_equal(resolve("[nx.test]", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "4.3.5");
	assert_string_equal(err.reason,
	    NS "name=nx.test type=A: Host not found");
	assert_non_null(out->relay_problem);
	assert_string_equal(out->relay_problem, "relayhost");
	/* Soft errors stay as they are. */
	snprintf(cfg.relayhost, sizeof(cfg.relayhost), "[servfail.test]");
	assert_int_equal(resolve("[servfail.test]", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "4.4.3");
	assert_null(out->relay_problem);
	/* A relay that loops: 4.3.5, and no best_mx_transport hand-off. */
	snprintf(cfg.relayhost, sizeof(cfg.relayhost), "self.test");
	snprintf(cfg.local_addrs, sizeof(cfg.local_addrs), "127.0.0.1");
	assert_int_equal(resolve("self.test", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "4.3.5");
	assert_int_equal(err.flags & IPC_RF_LOOPS_BACK, 0);
	assert_int_equal(out->final, 1);
	/* Fallback relay: hop 1 of "nx.test" + fallback [nx.test]. */
	cfg.relayhost[0] = '\0';
	snprintf(cfg.fallback_relay, sizeof(cfg.fallback_relay), "[nx.test]");
	assert_int_equal(resolve("nx.test", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "5.4.4");	/* the domain itself */
	assert_null(out->relay_problem);
	assert_int_equal(resolve("nx.test", &cfg, 1, out, &err), -1);
	assert_string_equal(err.status, "4.3.5");
	assert_string_equal(out->relay_problem, "smtp_fallback_relay");
	/* Not the relayhost: bounced. */
	snprintf(cfg.relayhost, sizeof(cfg.relayhost), "[other.test]");
	cfg.fallback_relay[0] = '\0';
	assert_int_equal(resolve("[nx.test]", &cfg, 0, out, &err), -1);
	assert_string_equal(err.status, "5.4.4");
	free(out);
}

static void
test_resolve_native(void **state)
{
	struct dest_list *out = new_list();
	struct ipc_config cfg = base_cfg(BOTH | IPC_CF_DISABLE_DNS);
	struct ipc_result err;

	(void)state;
	/* No MX lookup: the name's own addresses. */
	assert_int_equal(resolve("mx1.order.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 1);
	assert_string_equal(out->addr[0].host, "mx1.order.test");
	assert_int_equal(resolve("implicit.test", &cfg, 0, out, &err), 0);
	assert_int_equal(out->count, 2);
	assert_int_equal(resolve("[10.9.8.7]:26", &cfg, 0, out, &err), 0);
	assert_string_equal(out->addr[0].addr_text, "10.9.8.7");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_lists),
		cmocka_unit_test(test_dns_classes),
		cmocka_unit_test(test_dns_hostile),
		cmocka_unit_test(test_dns_addr),
		cmocka_unit_test(test_dns_rname),
		cmocka_unit_test(test_dns_dnssec),
		cmocka_unit_test(test_dns_batch),
		cmocka_unit_test(test_dns_deadline),
		cmocka_unit_test(test_dns_cancel),
		cmocka_unit_test(test_dns_two_servers),
		cmocka_unit_test(test_resolve_order),
		cmocka_unit_test(test_resolve_many),
		cmocka_unit_test(test_resolve_random),
		cmocka_unit_test(test_resolve_families),
		cmocka_unit_test(test_resolve_balance),
		cmocka_unit_test(test_resolve_special),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_resolve_loops),
		cmocka_unit_test(test_resolve_relays),
		cmocka_unit_test(test_resolve_native),
	};

	signal(SIGPIPE, SIG_IGN);
	/* No parent here: open sockets as the broker would. */
	sys_set_connector(local_connect);
	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
