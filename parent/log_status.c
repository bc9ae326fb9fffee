/*
 * NAME
 *	log_status 3
 * SUMMARY
 *	text of the per-recipient delivery status log line
 * DESCRIPTION
 *	Builds the line Postfix 3.7's log_adhoc() writes for each recipient
 *	outcome, field by field, with Postfix's rules (our own code, from
 *	the behaviour of src/global/log_adhoc.c and src/util/format_tv.c,
 *	checked against Postfix's format_tv test vectors):
 *
 *	- to=<> and orig_to=<> show addresses in external form (the local
 *	  part quoted unless it is an RFC 822 dot-string, 8-bit clean),
 *	  or raw when $info_log_address_format = internal; "" stays "";
 *	- orig_to only when set and different, ignoring case;
 *	- conn_use=N+1 only when the connection was reused N > 0 times;
 *	- delay is now - arrival, where "now" is deliver_done when the agent
 *	  set it; delays a/b/c/d fall back to "now" for a missing stamp the
 *	  way log_adhoc() does, and negative differences (clock jumps)
 *	  become 0;
 *	- every time is printed by format_tv() with 2 significant digits and
 *	  at most $delay_logging_resolution_limit decimals;
 *	- the finished text passes through Postfix's printable('?'), which
 *	  Postfix's msg(3) layer applies to every log line.
 * SECURITY
 *	Parent. Pure formatting into a caller's bounded buffer; the reason
 *	text may come from the child and has been checked by the decoder;
 *	printable() is applied again here so that no control byte can
 *	reach the log whatever the caller passes.
 * SEE ALSO
 *	Postfix global/log_adhoc.c, util/format_tv.c,
 *	global/quote_822_local.c, global/info_log_addr_form.c,
 *	util/printable.c
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log_status.h"

#define MILLION		1000000L
#define SIG_DIGS	2		/* log_adhoc(): significant digits */

static const char *const log_status_words[LOG_STATUS_WORD_COUNT] = {
	[LOG_STATUS_SENT] = "sent",
	[LOG_STATUS_DEFERRED] = "deferred",
	[LOG_STATUS_BOUNCED] = "bounced",
	[LOG_STATUS_SOFTBOUNCE] = "SOFTBOUNCE",
	[LOG_STATUS_DELIVERABLE] = "deliverable",
	[LOG_STATUS_UNDELIVERABLE] = "undeliverable",
	[LOG_STATUS_UNDELIVERABLE_NOT_CACHED] = "undeliverable-but-not-cached",
};

/* A bounded appender: remembers that something did not fit. */
struct lsbuf {
	char	*out;
	size_t	sz;
	size_t	len;
	int	full;
};

static void
ls_init(struct lsbuf *b, char *out, size_t sz)
{
	b->out = out;
	b->sz = sz;
	b->len = 0;
	b->full = 0;
	if (sz > 0)
		out[0] = 0;
}

static void
ls_mem(struct lsbuf *b, const char *p, size_t n)
{
	size_t	room;

	if (b->sz == 0) {
		b->full = 1;
		return;
	}
	room = b->sz - 1 - b->len;
	if (n > room) {
		n = room;
		b->full = 1;
	}
	memcpy(b->out + b->len, p, n);
	b->len += n;
	b->out[b->len] = 0;
}

static void
ls_str(struct lsbuf *b, const char *s)
{
	ls_mem(b, s, strlen(s));
}

static void
ls_ch(struct lsbuf *b, char c)
{
	ls_mem(b, &c, 1);
}

static void
ls_ull(struct lsbuf *b, unsigned long long v)
{
	char	tmp[32];
	int	n = snprintf(tmp, sizeof(tmp), "%llu", v);

	if (n > 0)
		ls_mem(b, tmp, (size_t)n);
}

static int
ls_result(const struct lsbuf *b)
{
	return (b->full ? -ENOSPC : 0);
}

/* ---- format_tv ---- */

static int
ls_tv(struct lsbuf *b, long sec, long usec, int sig_dig, int max_dig)
{
	static const long pow10[] = {1, 10, 100, 1000, 10000, 100000, MILLION};
	unsigned long long s;
	long	ures, wid, n, rem;

	if (max_dig < 0 || max_dig > 6 || sig_dig < 1 || sig_dig > 6 ||
	    sec < 0 || usec < 0 || usec > MILLION)
		return (-EINVAL);
	ures = MILLION / pow10[max_dig];
	wid = pow10[sig_dig];

	/* Coarsen the resolution so that only sig_dig digits show. */
	if (ures < MILLION) {
		if (sec > 0) {
			for (n = 1; sec >= n && n <= wid / 10; n *= 10)
				;
			ures = (MILLION / wid) * n;
		} else {
			while (usec >= wid * ures)
				ures *= 10;
		}
	}
	/* Round half up at the resolution, carrying into the seconds. */
	s = (unsigned long long)sec;
	if (ures > 1) {
		usec += ures / 2;
		if (usec >= MILLION) {
			s += 1;
			usec -= MILLION;
		}
	}
	ls_ull(b, s);
	/* Decimals down to the resolution; none once the rest is below. */
	if (usec >= ures) {
		ls_ch(b, '.');
		for (rem = usec, n = MILLION / 10; rem >= ures && n > 0;
		    n /= 10) {
			ls_ch(b, (char)('0' + rem / n));
			rem %= n;
		}
	}
	return (0);
}

int
log_status_format_tv(char *out, size_t outsz, long sec, long usec,
    int sig_dig, int max_dig)
{
	struct lsbuf b;
	int	err;

	ls_init(&b, out, outsz);
	if ((err = ls_tv(&b, sec, usec, sig_dig, max_dig)) < 0)
		return (err);
	return (ls_result(&b));
}

/* ---- addresses ---- */

static int
ls_is_cntrl(int ch)
{
	return (ch < 0x20 || ch == 0x7f);
}

/* quote_822_local(): is [start, end) a dot-string (8-bit clean)? */
static int
ls_dot_string(const char *start, const char *end)
{
	const char *cp;
	int	ch;

	if (start == end || start[0] == 0 || start[0] == '.')
		return (0);
	for (cp = start; cp < end && (ch = *(const unsigned char *)cp) != 0;
	    cp++) {
		if (ch == '.' && cp + 1 < end && cp[1] == '.')
			return (0);
		if (ch == ' ' || ls_is_cntrl(ch))
			return (0);
		if (strchr("()<>@,;:\\\"[]", ch) != NULL)
			return (0);
	}
	if (cp[-1] == '.')
		return (0);
	return (1);
}

static void
ls_addr_external(struct lsbuf *b, const char *addr)
{
	const char *start = addr, *end, *colon, *cp;

	/* Skip a source route "@a,@b:" before the local part. */
	if (addr[0] == '@' && (colon = strchr(addr, ':')) != NULL)
		start = colon + 1;
	if ((end = strrchr(start, '@')) == NULL)
		end = start + strlen(start);
	if (ls_dot_string(start, end)) {
		ls_str(b, addr);
		return;
	}
	ls_mem(b, addr, (size_t)(start - addr));
	ls_ch(b, '"');
	for (cp = start; cp < end && *cp != 0; cp++) {
		if (*cp == '"' || *cp == '\\' || *cp == '\r')
			ls_ch(b, '\\');
		ls_ch(b, *cp);
	}
	ls_ch(b, '"');
	ls_str(b, end);
}

static void
ls_addr(struct lsbuf *b, const char *addr, int internal)
{
	if (addr[0] == 0 || internal)
		ls_str(b, addr);
	else
		ls_addr_external(b, addr);
}

int
log_status_quote_addr(char *out, size_t outsz, const char *addr)
{
	struct lsbuf b;

	ls_init(&b, out, outsz);
	ls_addr(&b, addr, 0);
	return (ls_result(&b));
}

/*
 * strcasecmp_utf8(): ASCII case is ignored. Non-ASCII bytes compare
 * exactly; Postfix with smtputf8_enable case-folds them with ICU, so
 * two addresses that differ only in non-ASCII case get an orig_to here
 * and none in Postfix.
 */
static int
ls_same_addr(const char *a, const char *b)
{
	unsigned char ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
		if (ca != cb)
			return (0);
		if (ca == 0)
			return (1);
	}
}

/* ---- printable ---- */

void
log_status_printable(char *s, int utf8)
{
	unsigned char *cp = (unsigned char *)s;
	int	ch;

	for (; (ch = *cp) != 0; cp++) {
		if (ch >= 0x20 && ch < 0x7f)
			continue;
		if (utf8 && ch >= 194 && ch <= 254 && cp[1] >= 128 &&
		    cp[1] < 192) {
			/* Postfix skips every continuation byte that follows. */
			while (cp[1] >= 128 && cp[1] < 192)
				cp++;
			continue;
		}
		*cp = '?';
	}
}

/* ---- times ---- */

struct ls_delta {
	long	sec;
	long	usec;
};

/*
 * log_adhoc() DELTA(): y - z, normalised, negative results (clock
 * jumps) become 0. Done with division and overflow checks rather than
 * loops, so that absurd stamps cannot hang or overflow.
 */
static void
ls_delta(struct ls_delta *d, const struct timeval *y, const struct timeval *z)
{
	long	s, u, q;

	d->sec = d->usec = 0;
	if (__builtin_sub_overflow((long)y->tv_sec, (long)z->tv_sec, &s)) {
		if (y->tv_sec > z->tv_sec)
			d->sec = LONG_MAX;
		return;
	}
	if (__builtin_sub_overflow((long)y->tv_usec, (long)z->tv_usec, &u)) {
		if (y->tv_usec > z->tv_usec)
			d->sec = LONG_MAX;
		return;
	}
	q = u / MILLION;
	u %= MILLION;
	if (u < 0) {
		u += MILLION;
		q -= 1;
	}
	if (__builtin_add_overflow(s, q, &s)) {
		if (q > 0)
			d->sec = LONG_MAX;
		return;
	}
	if (s < 0)
		return;
	d->sec = s;
	d->usec = u;
}

#define LS_STAMPED(tv)	((tv).tv_sec > 0)

int
log_status_format(char *out, size_t outsz, const struct log_status *ls)
{
	const struct msg_stats *st = ls->stats;
	struct ls_delta delay, pdelay, adelay, sdelay, xdelay;
	struct timeval now;
	struct lsbuf b;
	int	res = (int)ls->resolution;

	ls_init(&b, out, outsz);
	if (ls->queue_id == NULL || ls->recipient == NULL ||
	    ls->relay == NULL || st == NULL || ls->dsn_status == NULL ||
	    ls->reason == NULL || ls->resolution > LOG_STATUS_RES_MAX ||
	    (unsigned)ls->status >= LOG_STATUS_WORD_COUNT)
		return (-EINVAL);

	ls_str(&b, ls->queue_id);
	ls_str(&b, ": to=<");
	ls_addr(&b, ls->recipient, ls->addr_form_internal);
	ls_ch(&b, '>');
	if (ls->orig_recipient != NULL && ls->orig_recipient[0] != 0 &&
	    !ls_same_addr(ls->recipient, ls->orig_recipient)) {
		ls_str(&b, ", orig_to=<");
		ls_addr(&b, ls->orig_recipient, ls->addr_form_internal);
		ls_ch(&b, '>');
	}
	ls_str(&b, ", relay=");
	ls_str(&b, ls->relay);
	if (st->reuse_count > 0) {
		ls_str(&b, ", conn_use=");
		ls_ull(&b, (unsigned long long)st->reuse_count + 1);
	}

	now = LS_STAMPED(st->deliver_done) ? st->deliver_done : ls->now;
	ls_delta(&delay, &now, &st->incoming_arrival);
	memset(&adelay, 0, sizeof(adelay));
	memset(&sdelay, 0, sizeof(sdelay));
	memset(&xdelay, 0, sizeof(xdelay));
	if (LS_STAMPED(st->active_arrival)) {
		ls_delta(&pdelay, &st->active_arrival, &st->incoming_arrival);
		if (LS_STAMPED(st->agent_handoff)) {
			ls_delta(&adelay, &st->agent_handoff,
			    &st->active_arrival);
			if (LS_STAMPED(st->conn_setup_done)) {
				ls_delta(&sdelay, &st->conn_setup_done,
				    &st->agent_handoff);
				ls_delta(&xdelay, &now, &st->conn_setup_done);
			} else {
				/* no network session */
				ls_delta(&xdelay, &now, &st->agent_handoff);
			}
		} else {
			ls_delta(&adelay, &now, &st->active_arrival);
		}
	} else {
		ls_delta(&pdelay, &now, &st->incoming_arrival);
	}
	ls_str(&b, ", delay=");
	(void)ls_tv(&b, delay.sec, delay.usec, SIG_DIGS, res);
	ls_str(&b, ", delays=");
	(void)ls_tv(&b, pdelay.sec, pdelay.usec, SIG_DIGS, res);
	ls_ch(&b, '/');
	(void)ls_tv(&b, adelay.sec, adelay.usec, SIG_DIGS, res);
	ls_ch(&b, '/');
	(void)ls_tv(&b, sdelay.sec, sdelay.usec, SIG_DIGS, res);
	ls_ch(&b, '/');
	(void)ls_tv(&b, xdelay.sec, xdelay.usec, SIG_DIGS, res);

	ls_str(&b, ", dsn=");
	ls_str(&b, ls->dsn_status);
	ls_str(&b, ", status=");
	ls_str(&b, log_status_words[ls->status]);
	ls_str(&b, " (");
	ls_str(&b, ls->reason);
	ls_ch(&b, ')');

	log_status_printable(out, ls->utf8);
	return (ls_result(&b));
}

const char *
log_status_word_str(enum log_status_word w)
{
	if ((unsigned)w >= LOG_STATUS_WORD_COUNT)
		return (NULL);
	return (log_status_words[w]);
}
