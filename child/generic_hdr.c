/*
 * NAME
 *	generic_hdr 3
 * SUMMARY
 *	smtp_generic_maps in message headers: parse, look up, re-emit
 * DESCRIPTION
 *	See generic_hdr.h. Stock smtp(8) rewrites the addresses of the
 *	primary headers flagged HDR_OPT_SENDER or HDR_OPT_RECIP in
 *	Postfix's header_opts.c (From, Sender, Reply-To, To, Cc, Bcc,
 *	Resent-*, Return-Path, Errors-To, ...). It parses the value with
 *	its RFC 822 tokenizer and parser (src/global/tok822_parse.c),
 *	looks every address up, and, when at least one was found, re-emits
 *	the whole header from the parse tree (tok822_externalize() with
 *	TOK822_STR_HEAD: one address per line, then lines joined while the
 *	result stays under 70 bytes, continuation lines starting with a
 *	TAB; src/smtp/smtp_proto.c, smtp_header_rewrite()). A header with
 *	no address in the table goes out unchanged.
 *
 *	The receiver's copy must be the one stock smtp(8) sends, so this
 *	module reproduces the observable behaviour of that code: the same
 *	token classes (atom, quoted string, domain literal, comment, one-
 *	character operators including '%', '!' and '|'), the same tree
 *	(a parse from right to left: comments move to the end of their
 *	address, a word after a word starts a new address with a comma
 *	inserted, "name: a, b;" groups, "phrase <route>"), each address
 *	replaced by the re-tokenized quoted form of its lookup result (or
 *	of itself), the same spacing rules and quoting on output, and the
 *	same 250-byte limit on non-address text per address expression
 *	(src/global/tok822_parse.c, strip_address(), CERT CA-2003-07).
 *	The nodes live in one array and refer to each other by index.
 * SECURITY
 *	Child only; the header is hostile. Every node and every output
 *	byte is counted against GENERIC_HDR_TOK_MAX and GENERIC_HDR_OUT_MAX
 *	(over a limit: -E2BIG, the job is deferred, never a truncated
 *	header); an address is handed to the lookup only when it fits
 *	GENERIC_HDR_ADDR_MAX. The parser walks a doubly linked list with
 *	explicit indexes; no recursion deeper than one level.
 * SEE ALSO
 *	Postfix src/global/tok822_parse.c, tok822_tree.c, quote_822_local.c,
 *	header_opts.c, src/smtp/smtp_map11.c, smtp_proto.c; RFC 5322 3.4
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "generic_hdr.h"

/* Token types: operators are their character; the rest above 255. */
#define GH_ATOM		256
#define GH_QSTRING	257
#define GH_ADDR		258
#define GH_DOMLIT	259
#define GH_COMMENT	260
#define GH_STARTGRP	261

#define GH_NIL		0U		/* node 0 is never used */

/* RFC 822 specials plus Postfix's extra operators ("|%!"). */
static const char gh_opchar[] = "|%!()<>@,;:\\\".[]";

/* Postfix's limit on phrase and comment text per address expression. */
#define GH_NONADDR_MAX	250
/* Postfix smtp_header_rewrite(): join folded lines below this length. */
#define GH_FOLD_JOIN	70

struct gh_node {
	int	type;
	uint32_t next, prev, head, tail, owner;
	char	*text;			/* ATOM, QSTRING, DOMLIT, COMMENT */
	size_t	len;
};

struct gh_str {
	char	*p;
	size_t	len, cap;
	int	err;
};

struct gh {
	struct gh_node *n;
	uint32_t count, cap;
	int	err;
};

/* Header names and flags from Postfix src/global/header_opts.c. */
static const char *const gh_names[] = {
	"Apparently-To", "Bcc", "Cc", "Disposition-Notification-To",
	"Errors-To", "From", "Mail-Followup-To", "Reply-To", "Resent-Bcc",
	"Resent-Cc", "Resent-From", "Resent-Reply-To", "Resent-Sender",
	"Resent-To", "Return-Path", "Return-Receipt-To", "Sender", "To",
};

static int
gh_space(int ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
}

static int
gh_cntrl(int ch)
{
	return (ch < 32 || ch == 127);
}

size_t
generic_hdr_match(const char *hdr, size_t len)
{
	size_t	i, n;

	/* Postfix header_opts_find(): the name up to ':', blanks trimmed. */
	for (n = 0; n < len && hdr[n] != ':'; n++)
		;
	if (n == len)
		return (0);
	while (n > 0 && (hdr[n - 1] == ' ' || hdr[n - 1] == '\t'))
		n--;
	for (i = 0; i < sizeof(gh_names) / sizeof(gh_names[0]); i++)
		if (strlen(gh_names[i]) == n &&
		    strncasecmp(hdr, gh_names[i], n) == 0)
			return (n);
	return (0);
}

/* ------------------------------------------------------------------ */
/* Output strings                                                      */

static void
gh_put(struct gh_str *s, const char *p, size_t len)
{
	size_t	ncap;
	char	*np;

	if (s->err)
		return;
	if (len > GENERIC_HDR_OUT_MAX - s->len) {
		s->err = -E2BIG;
		return;
	}
	if (s->len + len + 1 > s->cap) {
		ncap = s->cap ? s->cap : 256;
		while (ncap < s->len + len + 1)
			ncap *= 2;
		if ((np = realloc(s->p, ncap)) == NULL) {
			s->err = -ENOMEM;
			return;
		}
		s->p = np;
		s->cap = ncap;
	}
	memcpy(s->p + s->len, p, len);
	s->len += len;
	s->p[s->len] = '\0';
}

static void
gh_putc(struct gh_str *s, int ch)
{
	char	c = (char)ch;

	gh_put(s, &c, 1);
}

static void
gh_puts(struct gh_str *s, const char *p)
{
	gh_put(s, p, strlen(p));
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

static uint32_t
gh_alloc(struct gh *g, int type)
{
	struct gh_node *nn;
	uint32_t ncap;

	if (g->err)
		return (GH_NIL);
	if (g->count >= GENERIC_HDR_TOK_MAX) {
		g->err = -E2BIG;
		return (GH_NIL);
	}
	if (g->count == g->cap) {
		ncap = g->cap ? g->cap * 2 : 64;
		if ((nn = realloc(g->n, ncap * sizeof(*nn))) == NULL) {
			g->err = -ENOMEM;
			return (GH_NIL);
		}
		g->n = nn;
		g->cap = ncap;
	}
	memset(&g->n[g->count], 0, sizeof(g->n[0]));
	g->n[g->count].type = type;
	return (g->count++);
}

static void
gh_free(struct gh *g)
{
	uint32_t i;

	for (i = 0; i < g->count; i++)
		free(g->n[i].text);
	free(g->n);
	memset(g, 0, sizeof(*g));
}

/* Postfix tok822_append(): insert list t2 after t1, owned as t1. */
static uint32_t
gh_append(struct gh *g, uint32_t t1, uint32_t t2)
{
	uint32_t next = g->n[t1].next;

	g->n[t1].next = t2;
	g->n[t2].prev = t1;
	g->n[t2].owner = g->n[t1].owner;
	while (g->n[t2].next != GH_NIL) {
		t2 = g->n[t2].next;
		g->n[t2].owner = g->n[t1].owner;
	}
	g->n[t2].next = next;
	if (next != GH_NIL)
		g->n[next].prev = t2;
	return (t2);
}

/* Postfix tok822_prepend(): insert list t2 before t1. */
static uint32_t
gh_prepend(struct gh *g, uint32_t t1, uint32_t t2)
{
	uint32_t prev = g->n[t1].prev, t = t2;

	if (prev != GH_NIL)
		g->n[prev].next = t2;
	g->n[t2].prev = prev;
	g->n[t2].owner = g->n[t1].owner;
	while (g->n[t].next != GH_NIL) {
		t = g->n[t].next;
		g->n[t].owner = g->n[t1].owner;
	}
	g->n[t].next = t1;
	g->n[t1].prev = t;
	return (t2);
}

/* Postfix tok822_unlink(): take one node out; returns its predecessor. */
static uint32_t
gh_unlink(struct gh *g, uint32_t t)
{
	uint32_t prev = g->n[t].prev, next = g->n[t].next;

	if (prev != GH_NIL)
		g->n[prev].next = next;
	if (next != GH_NIL)
		g->n[next].prev = prev;
	g->n[t].prev = g->n[t].next = GH_NIL;
	return (prev);
}

/* Postfix tok822_cut_before(). */
static void
gh_cut_before(struct gh *g, uint32_t t)
{
	uint32_t prev = g->n[t].prev;

	if (prev != GH_NIL) {
		g->n[prev].next = GH_NIL;
		g->n[t].prev = GH_NIL;
	}
}

/* Postfix tok822_sub_append() on an empty node. */
static void
gh_sub_set(struct gh *g, uint32_t t1, uint32_t t2)
{
	g->n[t1].head = t2;
	g->n[t2].owner = t1;
	while (g->n[t2].next != GH_NIL) {
		t2 = g->n[t2].next;
		g->n[t2].owner = t1;
	}
	g->n[t1].tail = t2;
}

/* ------------------------------------------------------------------ */
/* Tokenizer (Postfix tok822_scan)                                     */

static int
gh_settext(struct gh *g, uint32_t t, struct gh_str *s)
{
	if (s->err) {
		g->err = s->err;
		free(s->p);
		return (-1);
	}
	g->n[t].text = s->p != NULL ? s->p : strdup("");
	g->n[t].len = s->len;
	if (g->n[t].text == NULL) {
		g->err = -ENOMEM;
		return (-1);
	}
	return (0);
}

/* Postfix COLLECT: a backslash takes the next byte literally. */
static const char *
gh_collect(struct gh_str *s, const char *p, const char *end, int close)
{
	int	ch;

	while (p < end && (ch = (unsigned char)*p) != 0) {
		if (ch == '\\') {
			if (++p >= end || (ch = (unsigned char)*p) == 0)
				break;
		} else if (close ? ch == close :
		    gh_space(ch) || strchr(gh_opchar, ch) != NULL) {
			break;
		}
		gh_putc(s, gh_space(ch) ? ' ' : ch);
		p++;
	}
	return (p);
}

/* Postfix tok822_comment(): stored with its parentheses, as written. */
static const char *
gh_comment(struct gh_str *s, const char *p, const char *end)
{
	int	level = 1, ch;

	gh_putc(s, '(');
	while (p < end && (ch = (unsigned char)*p) != 0) {
		gh_putc(s, ch);
		p++;
		if (ch == '(') {
			level++;
		} else if (ch == ')') {
			if (--level == 0)
				break;
		} else if (ch == '\\') {
			if (p >= end || *p == 0)
				break;
			gh_putc(s, *p);
			p++;
		}
	}
	return (p);
}

/* A list of tokens; *tailp its last. GH_NIL for none (or an error). */
static uint32_t
gh_scan(struct gh *g, const char *p, const char *end, uint32_t *tailp)
{
	uint32_t head = GH_NIL, tail = GH_NIL, t;
	struct gh_str s;
	int	ch;
	size_t	i;

	while (p < end && (ch = (unsigned char)*p++) != 0) {
		if (gh_space(ch))
			continue;
		memset(&s, 0, sizeof(s));
		if (ch == '(') {
			if ((t = gh_alloc(g, GH_COMMENT)) == GH_NIL)
				return (GH_NIL);
			p = gh_comment(&s, p, end);
		} else if (ch == '[' || ch == '"') {
			if ((t = gh_alloc(g, ch == '[' ? GH_DOMLIT :
			    GH_QSTRING)) == GH_NIL)
				return (GH_NIL);
			p = gh_collect(&s, p, end, ch == '[' ? ']' : '"');
			if (p < end && *p != 0)
				p++;
		} else if (ch != '\\' && strchr(gh_opchar, ch) != NULL) {
			if ((t = gh_alloc(g, ch)) == GH_NIL)
				return (GH_NIL);
		} else {
			if ((t = gh_alloc(g, GH_ATOM)) == GH_NIL)
				return (GH_NIL);
			p = gh_collect(&s, p - 1, end, 0);
			/* tok822_quote_atom(): 8-bit stays an atom. */
			for (i = 0; i < s.len; i++) {
				ch = (unsigned char)s.p[i];
				if (ch == ' ' || gh_cntrl(ch) ||
				    strchr(gh_opchar, ch) != NULL) {
					g->n[t].type = GH_QSTRING;
					break;
				}
			}
		}
		if (g->n[t].type >= 256 && gh_settext(g, t, &s) < 0)
			return (GH_NIL);
		if (head == GH_NIL)
			head = tail = t;
		else
			tail = gh_append(g, tail, t);
	}
	if (tailp != NULL)
		*tailp = tail;
	return (head);
}

/* ------------------------------------------------------------------ */
/* Parser (Postfix tok822_parse)                                       */

/* Postfix tok822_group(): cluster (left, right) under a new node. */
static uint32_t
gh_group(struct gh *g, uint32_t left, uint32_t right, int sync)
{
	uint32_t first, grp, s;

	if (left != right && (first = g->n[left].next) != right) {
		gh_cut_before(g, right);
		gh_cut_before(g, first);
		if ((grp = gh_alloc(g, GH_ADDR)) == GH_NIL)
			return (left);
		gh_sub_set(g, grp, first);
		/*
		 * left, grp, right..: siblings. Postfix appends the list from
		 * right on with tok822_append(), which walks it to give each
		 * node the owner it already has: quadratic in the tokens of a
		 * long header (9 s of CPU for a 60 KB one).
		 * Linking the three is the same tree in constant time.
		 */
		g->n[grp].owner = g->n[left].owner;
		g->n[left].next = grp;
		g->n[grp].prev = left;
		g->n[grp].next = right;
		g->n[right].prev = grp;
		if (sync && (s = gh_alloc(g, sync)) != GH_NIL)
			gh_append(g, left, s);
	}
	return (left);
}

#define GH_DO_WORD	(1 << 0)
#define GH_DO_GROUP	(1 << 1)

static int
gh_is_word(int type)
{
	return (type == GH_ATOM || type == GH_QSTRING || type == GH_DOMLIT);
}

/* The tree's first top-level node, GH_NIL when empty. */
static uint32_t
gh_parse(struct gh *g, const char *p, const char *end)
{
	uint32_t first, last, head, tail, right, tp, prev, ret;
	int	state;

	if ((first = gh_scan(g, p, end, &last)) == GH_NIL || g->err)
		return (GH_NIL);
	/* Sentinels: type 0. */
	if ((head = gh_alloc(g, 0)) == GH_NIL ||
	    (tail = gh_alloc(g, 0)) == GH_NIL)
		return (GH_NIL);
	g->n[head].next = first;
	g->n[first].prev = head;
	g->n[last].next = tail;
	g->n[tail].prev = last;

	state = GH_DO_WORD;
	right = tail;
	tp = g->n[tail].prev;
	while (g->n[tp].type != 0 && !g->err) {
		int	type = g->n[tp].type;

		if (type == GH_COMMENT) {
			prev = gh_unlink(g, tp);
			right = gh_prepend(g, right, tp);
			tp = prev;
			continue;
		} else if (type == ';') {
			right = gh_group(g, tp, right, ',');
			state = GH_DO_GROUP | GH_DO_WORD;
		} else if (type == ':' && (state & GH_DO_GROUP) != 0) {
			g->n[tp].type = GH_STARTGRP;
			(void)gh_group(g, tp, right, 0);
			while (g->n[tp].type != 0 && g->n[tp].type != ',')
				tp = g->n[tp].prev;
			right = tp;
			continue;
		} else if (type == '>') {
			right = gh_group(g, tp, right, ',');
			while (g->n[tp].type != 0 && g->n[tp].type != '<') {
				if (g->n[tp].type == GH_COMMENT) {
					prev = gh_unlink(g, tp);
					right = gh_prepend(g, right, tp);
					tp = prev;
					continue;
				}
				tp = g->n[tp].prev;
			}
			(void)gh_group(g, tp, right, 0);
			while (g->n[tp].type != 0 && (g->n[tp].type > 0xff ||
			    strchr(">;,:", g->n[tp].type) == NULL))
				tp = g->n[tp].prev;
			right = tp;
			state |= GH_DO_WORD;
			continue;
		} else if (gh_is_word(type)) {
			if ((state & GH_DO_WORD) == 0) {
				/* gh_group() may move the array. */
				uint32_t left = gh_group(g, tp, right, ',');

				right = g->n[left].next;
			}
			state &= ~GH_DO_WORD;
		} else if (type == ',') {
			right = gh_group(g, tp, right, 0);
			state |= GH_DO_WORD;
		} else {
			state |= GH_DO_WORD;
		}
		tp = g->n[tp].prev;
	}
	(void)gh_group(g, tp, right, 0);
	ret = g->n[head].next != tail ? g->n[head].next : GH_NIL;
	gh_cut_before(g, g->n[head].next);
	gh_cut_before(g, tail);
	if (ret != GH_NIL)
		g->n[ret].prev = GH_NIL;
	return (g->err ? GH_NIL : ret);
}

/* ------------------------------------------------------------------ */
/* Output (Postfix tok822_internalize, tok822_externalize)             */

static int
gh_nonop(int type)
{
	return (type == GH_ATOM || type == GH_QSTRING || type == GH_COMMENT ||
	    type == GH_DOMLIT || type == GH_ADDR);
}

static int
gh_append_space(const struct gh *g, uint32_t tp)
{
	uint32_t next;

	if (tp == GH_NIL || (next = g->n[tp].next) == GH_NIL ||
	    g->n[tp].owner != GH_NIL)
		return (0);
	if (g->n[tp].type == ',' || g->n[tp].type == GH_STARTGRP ||
	    g->n[next].type == '<')
		return (1);
	return (gh_nonop(g->n[tp].type) && gh_nonop(g->n[next].type));
}

static void
gh_internalize(const struct gh *g, uint32_t tp, struct gh_str *s)
{
	for (; tp != GH_NIL; tp = g->n[tp].next) {
		switch (g->n[tp].type) {
		case GH_ADDR:
			gh_internalize(g, g->n[tp].head, s);
			break;
		case GH_COMMENT:
		case GH_ATOM:
		case GH_QSTRING:
			gh_put(s, g->n[tp].text, g->n[tp].len);
			break;
		case GH_DOMLIT:
			gh_putc(s, '[');
			gh_put(s, g->n[tp].text, g->n[tp].len);
			gh_putc(s, ']');
			break;
		case GH_STARTGRP:
			gh_putc(s, ':');
			break;
		default:
			gh_putc(s, g->n[tp].type);
		}
		if (gh_append_space(g, tp))
			gh_putc(s, ' ');
	}
}

/* Postfix is_822_dot_string() with QUOTE_FLAG_8BITCLEAN. */
static int
gh_dot_string(const char *p, const char *end)
{
	const char *cp;
	int	ch;

	if (p == end || *p == '.')
		return (0);
	for (cp = p; cp < end; cp++) {
		ch = (unsigned char)*cp;
		if (ch == '.' && cp + 1 < end && cp[1] == '.')
			return (0);
		if (ch == ' ' || gh_cntrl(ch) || strchr("()<>@,;:\\\"[]", ch))
			return (0);
	}
	return (cp[-1] != '.');
}

/* Postfix quote_822_local_flags(QUOTE_FLAG_8BITCLEAN | APPEND). */
static void
gh_quote_local(struct gh_str *s, const char *mbox, size_t len)
{
	const char *start = mbox, *end, *colon, *cp, *mend = mbox + len;

	if (len > 0 && mbox[0] == '@' &&
	    (colon = memchr(mbox, ':', len)) != NULL)
		start = colon + 1;
	end = mend;
	for (cp = mend; cp > start; cp--)
		if (cp[-1] == '@') {
			end = cp - 1;
			break;
		}
	if (gh_dot_string(start, end)) {
		gh_put(s, mbox, len);
		return;
	}
	gh_put(s, mbox, (size_t)(start - mbox));
	gh_putc(s, '"');
	for (cp = start; cp < end; cp++) {
		if (*cp == '"' || *cp == '\\' || *cp == '\r')
			gh_putc(s, '\\');
		gh_putc(s, *cp);
	}
	gh_putc(s, '"');
	gh_put(s, end, (size_t)(mend - end));
}

static void
gh_copy_quoted(struct gh_str *s, const struct gh_node *n, const char *set)
{
	size_t	i;

	for (i = 0; i < n->len; i++) {
		if (strchr(set, n->text[i]) != NULL)
			gh_putc(s, '\\');
		gh_putc(s, n->text[i]);
	}
}

/* The quoted form of an address subtree (list from 'head'). */
static void
gh_put_addr(const struct gh *g, uint32_t head, struct gh_str *s)
{
	struct gh_str tmp;

	memset(&tmp, 0, sizeof(tmp));
	gh_internalize(g, head, &tmp);
	if (tmp.err)
		s->err = tmp.err;
	else
		gh_quote_local(s, tmp.p != NULL ? tmp.p : "", tmp.len);
	free(tmp.p);
}

/* strip_address(): plain <address> instead of too much text. */
static void
gh_strip(const struct gh *g, struct gh_str *s, size_t start, uint32_t addr)
{
	s->len = start;
	gh_putc(s, '<');
	if (addr != GH_NIL && g->n[addr].type == GH_ADDR)
		gh_put_addr(g, g->n[addr].head, s);
	gh_putc(s, '>');
}

static void
gh_externalize(const struct gh *g, uint32_t tp, struct gh_str *s)
{
	size_t	start = s->len, addr_len = 0, before;
	uint32_t addr = GH_NIL;

#define GH_ENFORCE() do { \
	if (addr != GH_NIL && s->len - addr_len > start + GH_NONADDR_MAX) \
		gh_strip(g, s, start, addr); \
    } while (0)

	for (; tp != GH_NIL && !s->err; tp = g->n[tp].next) {
		switch (g->n[tp].type) {
		case ',':
			GH_ENFORCE();
			gh_puts(s, ",\n");
			start = s->len;
			addr = GH_NIL;
			addr_len = 0;
			continue;
		case GH_ADDR:
			addr = tp;
			before = s->len;
			gh_put_addr(g, g->n[tp].head, s);
			addr_len = s->len - before;
			break;
		case GH_ATOM:
		case GH_COMMENT:
			gh_put(s, g->n[tp].text, g->n[tp].len);
			break;
		case GH_QSTRING:
			gh_putc(s, '"');
			gh_copy_quoted(s, &g->n[tp], "\"\\\r\n");
			gh_putc(s, '"');
			break;
		case GH_DOMLIT:
			gh_putc(s, '[');
			gh_copy_quoted(s, &g->n[tp], "\\\r\n");
			gh_putc(s, ']');
			break;
		case GH_STARTGRP:
			gh_putc(s, ':');
			break;
		case '<':
			if (g->n[tp].next != GH_NIL &&
			    g->n[g->n[tp].next].type == '>') {
				addr = tp;
				addr_len = 0;
			}
			gh_putc(s, '<');
			break;
		default:
			gh_putc(s, g->n[tp].type);
		}
		if (gh_append_space(g, tp))
			gh_putc(s, ' ');
	}
	GH_ENFORCE();
#undef GH_ENFORCE
}

/* ------------------------------------------------------------------ */
/* smtp_map11_tree() and smtp_header_rewrite()                          */

/* Look one address up; its subtree becomes the quoted result, rescanned
 * (the new tokens are unowned, as after Postfix's tok822_scan()). */
static int
gh_map(struct gh *g, uint32_t addr, generic_hdr_lookup_fn lookup,
    void *ctx)
{
	struct gh_str in, ext;
	char	res[GENERIC_HDR_ADDR_MAX + 1];
	const char *use;
	uint32_t head, tail;
	int	rc;

	memset(&in, 0, sizeof(in));
	memset(&ext, 0, sizeof(ext));
	gh_internalize(g, g->n[addr].head, &in);
	if (in.err || in.len > GENERIC_HDR_ADDR_MAX) {
		rc = in.err ? in.err : -E2BIG;
		free(in.p);
		return (rc);
	}
	use = in.p != NULL ? in.p : "";
	if ((rc = lookup(ctx, use, res, sizeof(res))) < 0) {
		free(in.p);
		return (rc);
	}
	if (rc > 0) {
		res[sizeof(res) - 1] = '\0';
		use = res;
	}
	gh_quote_local(&ext, use, strlen(use));
	free(in.p);
	if (ext.err) {
		free(ext.p);
		return (ext.err);
	}
	head = gh_scan(g, ext.p != NULL ? ext.p : "",
	    (ext.p != NULL ? ext.p : "") + ext.len, &tail);
	free(ext.p);
	if (g->err)
		return (g->err);
	g->n[addr].head = head;
	g->n[addr].tail = tail;
	return (rc > 0);
}

/* Join and fold the one-address-per-line form (smtp_header_rewrite()). */
static int
gh_fold(struct gh_str *s, char **out, size_t *outlen)
{
	struct gh_str o;
	char	*line, *start, *end_line, *next;

	for (line = start = s->p; line != NULL; line = next) {
		end_line = line + strcspn(line, "\n");
		if (line > start) {
			if (end_line - start < GH_FOLD_JOIN)
				line[-1] = ' ';
			else
				start = line;
		}
		next = *end_line ? end_line + 1 : NULL;
	}
	memset(&o, 0, sizeof(o));
	for (line = start = s->p; line != NULL; line = next) {
		end_line = line + strcspn(line, "\n");
		next = *end_line ? end_line + 1 : NULL;
		if (line > start)
			gh_putc(&o, '\n');
		if (line != start && *line != ' ' && *line != '\t')
			gh_putc(&o, '\t');
		gh_put(&o, line, (size_t)(end_line - line));
	}
	if (o.err) {
		free(o.p);
		return (o.err);
	}
	*out = o.p;
	*outlen = o.len;
	return (1);
}

int
generic_hdr_rewrite(const char *hdr, size_t len,
    generic_hdr_lookup_fn lookup, void *ctx, char **out, size_t *outlen)
{
	return (generic_hdr_rewrite_as(hdr, len, generic_hdr_match(hdr, len),
	    lookup, ctx, out, outlen));
}

int
generic_hdr_rewrite_as(const char *hdr, size_t len, size_t nlen,
    generic_hdr_lookup_fn lookup, void *ctx, char **out, size_t *outlen)
{
	struct gh g;
	struct gh_str s;
	uint32_t tree, tp;
	int	rc, did = 0;

	*out = NULL;
	*outlen = 0;
	/* Not an address header, or (replaced) too short to parse. */
	if (nlen == 0 || len < nlen + 1)
		return (0);
	memset(&g, 0, sizeof(g));
	memset(&s, 0, sizeof(s));
	(void)gh_alloc(&g, 0);			/* node 0: GH_NIL */
	/* Postfix parses from strlen(canonical name) + 1. */
	tree = gh_parse(&g, hdr + nlen + 1, hdr + len);
	if (g.err) {
		rc = g.err;
		goto out;
	}
	for (tp = tree; tp != GH_NIL; tp = g.n[tp].next) {
		if (g.n[tp].type != GH_ADDR)
			continue;
		if ((rc = gh_map(&g, tp, lookup, ctx)) < 0)
			goto out;
		did |= rc;
	}
	rc = 0;
	if (!did)
		goto out;
	/* The name as written, then ": " and the tree. */
	gh_put(&s, hdr, nlen);
	gh_puts(&s, ": ");
	gh_externalize(&g, tree, &s);
	if (s.err) {
		rc = s.err;
		goto out;
	}
	rc = gh_fold(&s, out, outlen);
out:
	free(s.p);
	gh_free(&g);
	return (rc);
}
