/*
 * NAME
 *	mime 3
 * SUMMARY
 *	8-bit MIME to 7-bit (quoted-printable) conversion of message content
 * DESCRIPTION
 *	See mime.h for what is converted. This is a one-pass state machine
 *	written from the behaviour of Postfix 3.7's MIME parser in its
 *	downgrade mode (src/global/mime_state.c; header tokens as
 *	src/global/header_token.c finds them, header names as
 *	src/global/is_header.c), so that the receiver gets the bytes stock
 *	smtp(8) sends from the same queue file:
 *
 *	Records. The content is cut into queue-file records: pieces of at
 *	most record_limit bytes; a piece after which the same line goes on
 *	is "continued" (Postfix REC_TYPE_CONT), the last piece of a line
 *	"normal" (REC_TYPE_NORM). A line that fills its last piece exactly
 *	ends with an empty normal record, as Postfix's readers store it.
 *
 *	Header states (primary, after a multipart boundary, at the start
 *	of a message/rfc822 part). A record that starts with a header name
 *	and ':' opens a pending header; continued records and lines that
 *	start with a space or TAB are appended to it while it is shorter
 *	than header_limit (else dropped). Any other record first flushes
 *	the pending header: Content-Type and Content-Transfer-Encoding
 *	update the current part's type and encoding; the header is written
 *	unless it is a Content-Transfer-Encoding whose domain (after it)
 *	is not 7bit. A record that is no header ends the block: when the
 *	part's domain is not 7bit, "Content-Transfer-Encoding: 7bit"
 *	(message/any but message/global, multipart/any) or "...:
 *	quoted-printable" is written; an empty line moves into a nested
 *	message's headers (message/rfc822; message/global only if 7bit),
 *	into a multipart preamble (7bit) or into the body; any other line
 *	in the primary header block is preceded by an empty line.
 *
 *	Body state. A line "--boundary" (not a continued record) of any
 *	open multipart pops to that level and starts a part's headers
 *	(default type text/plain, or message/rfc822 in multipart/digest),
 *	or with "--" after it closes that multipart. Body records of a
 *	part whose domain is not 7bit are quoted-printable encoded, the
 *	rest is passed through.
 *
 *	Each multipart boundary= parameter pushes a level; more than
 *	nesting_limit + 1 levels is MIME_ERR_NESTING (Postfix counts
 *	levels from -1). Errors are sticky: every later call returns it.
 * SECURITY
 *	Child only; the content is hostile. Every buffer is bounded by a
 *	limit from the configuration and checked before each copy: the
 *	record (record_limit), the pending header and the token scratch
 *	(header_limit + record_limit + 2, grown on demand), the
 *	quoted-printable line (MIME_QP_BUF), each boundary
 *	(boundary_limit) and their number (nesting_limit + 2). Recursion is
 *	one level deep (the end of content after a continued record).
 * SEE ALSO
 *	Postfix src/global/mime_state.c, header_token.c, is_header.c,
 *	lex_822.h, src/smtp/smtp_proto.c; RFC 2045 (6.7 quoted-printable),
 *	RFC 2046 (5.1 multipart, 5.2 message), RFC 6152 (8BITMIME)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

/* Record types, as Postfix's REC_TYPE_* letters. */
#define MIME_REC_END	0	/* end of content (no text) */

/* Where the parser is. */
#define MIME_W_PRIMARY		1	/* the message's own headers */
#define MIME_W_MULTIPART	2	/* headers after --boundary */
#define MIME_W_NESTED		3	/* headers of message/rfc822 */
#define MIME_W_BODY		4

#define MIME_CT_OTHER		0
#define MIME_CT_TEXT		1
#define MIME_CT_MESSAGE		2
#define MIME_CT_MULTIPART	3

#define MIME_ST_OTHER		0
#define MIME_ST_PLAIN		1
#define MIME_ST_RFC822		2
#define MIME_ST_PARTIAL		3
#define MIME_ST_EXTERN		4
#define MIME_ST_GLOBAL		5

/* Encodings; the 7bit/8bit/binary ones are also the domains. */
#define MIME_ENC_QP		1
#define MIME_ENC_BASE64		2
#define MIME_ENC_7BIT		7
#define MIME_ENC_8BIT		8
#define MIME_ENC_BINARY		9

/* Token types besides the special character itself. */
#define MIME_TOK_TOKEN		256
#define MIME_TOK_QSTRING	257
#define MIME_TOK_MAX		3	/* tokens kept per call */

/* RFC 2045 tspecials (Content-Type) and RFC 822 specials. */
#define MIME_TSPECIALS		"()<>@,;:\\\"/[]?="
#define MIME_822_SPECIALS	"()<>@,;:\\\".[]"

/*
 * A quoted-printable output line: a soft break is made once more than
 * QP_SOFT_AT bytes are held, so a line is at most 72 + 3 bytes, 76
 * with '=', 77 with the LF; a space before a hard break may grow to 3.
 */
#define MIME_QP_SOFT_AT		72
#define MIME_QP_BUF		80

struct mime_bound {
	struct mime_bound *next;
	int	def_ctype;
	int	def_stype;
	size_t	len;
	char	text[];			/* len bytes, not terminated */
};

struct mime_tok {
	int	type;			/* MIME_TOK_* or the character */
	size_t	off;			/* of the value in tok */
};

struct mime {
	struct mime_limits lim;
	mime_out_fn out;
	void	*ctx;
	struct mime_hooks hk;		/* header/body checks, or none */
	int	downgrade;		/* 8-bit to quoted-printable */
	int	where;			/* MIME_W_* */
	int	ctype, stype, enc, domain;
	int	prev;			/* type of the previous record */
	int	nesting;		/* Postfix's nesting_level, from -1 */
	int	err;			/* sticky error */
	struct mime_bound *stack;
	unsigned char *rec;		/* the record being cut */
	size_t	rec_len;
	char	*hdr;			/* pending header, NUL-terminated */
	size_t	hdr_len;
	size_t	hdr_size;		/* allocated */
	size_t	hdr_max;		/* header_limit + record_limit + 2 */
	char	*tok;			/* token values, each NUL-terminated */
	size_t	tok_len;
	size_t	tok_size;
	struct mime_tok toks[MIME_TOK_MAX];
	char	qp[MIME_QP_BUF];
	size_t	qp_len;
};

static const struct mime_enc_name {
	const char *name;
	int	enc;
	int	domain;
} mime_enc_names[] = {
	{ "7bit", MIME_ENC_7BIT, MIME_ENC_7BIT },
	{ "8bit", MIME_ENC_8BIT, MIME_ENC_8BIT },
	{ "binary", MIME_ENC_BINARY, MIME_ENC_BINARY },
	{ "base64", MIME_ENC_BASE64, MIME_ENC_7BIT },
	{ "quoted-printable", MIME_ENC_QP, MIME_ENC_7BIT },
};

#define MIME_IS_WSP(c)		((c) == ' ' || (c) == '\t')
#define MIME_IS_LWSP(c)	(MIME_IS_WSP(c) || (c) == '\r' || (c) == '\n')
#define MIME_IS_CNTRL(c)	((c) < 0x20 || (c) == 0x7f)

static void
mime_set(struct mime *m, int where, int ctype, int stype, int enc)
{
	m->where = where;
	m->ctype = ctype;
	m->stype = stype;
	m->enc = enc;
	m->domain = enc;
}

static int
mime_out(struct mime *m, const void *buf, size_t len)
{
	return (len == 0 ? 0 : m->out(m->ctx, buf, len));
}

/* Postfix HEAD_OUT: one complete header, to the hook or written. */
static int
mime_head_out(struct mime *m, const char *hdr, size_t len, int is_mime)
{
	int	err;

	if (m->hk.header != NULL)
		return (m->hk.header(m->hk.ctx, m->where, is_mime, hdr, len));
	if ((err = mime_out(m, hdr, len)) < 0)
		return (err);
	return (mime_out(m, "\n", 1));
}

/* Postfix BODY_OUT: one body record, to the hook or written. */
static int
mime_body_out(struct mime *m, int type, const void *text, size_t len)
{
	int	err;

	if (m->hk.body != NULL)
		return (m->hk.body(m->hk.ctx, type, text, len));
	if ((err = mime_out(m, text, len)) < 0 || type != MIME_REC_NORM)
		return (err);
	return (mime_out(m, "\n", 1));
}

/* Grow a buffer to hold 'need' bytes, never past 'max'. */
static int
mime_grow(char **buf, size_t *size, size_t need, size_t max)
{
	size_t	n = *size ? *size : 256;
	char	*p;

	if (need <= *size)
		return (0);
	if (need > max)
		return (-ENOMEM);
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	if ((p = realloc(*buf, n)) == NULL)
		return (-ENOMEM);
	*buf = p;
	*size = n;
	return (0);
}

static int
mime_hdr_add(struct mime *m, const void *data, size_t len)
{
	int	err;

	if ((err = mime_grow(&m->hdr, &m->hdr_size, m->hdr_len + len + 1,
	    m->hdr_max)) < 0)
		return (err);
	memcpy(m->hdr + m->hdr_len, data, len);
	m->hdr_len += len;
	m->hdr[m->hdr_len] = '\0';
	return (0);
}

/* Header text is a C string in Postfix: a NUL byte ends the record's. */
static size_t
mime_strnlen(const unsigned char *t, size_t len)
{
	const unsigned char *nul = memchr(t, 0, len);

	return (nul != NULL ? (size_t)(nul - t) : len);
}

/*
 * The length of the header name a record starts with: printable ASCII
 * but ':', then optional spaces/TABs, then ':'; 0 when it is none.
 */
static size_t
mime_is_header(const unsigned char *t, size_t len)
{
	size_t	i, name = 0;
	int	space = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == ':')
			return (name);
		if (MIME_IS_WSP(t[i])) {
			if (name == 0)
				return (0);
			space = 1;
			continue;
		}
		if (t[i] == 0 || t[i] > 0x7e || MIME_IS_CNTRL(t[i]) || space)
			return (0);
		name++;
	}
	return (0);
}

static int
mime_tok_add(struct mime *m, int c)
{
	/* The header (NUL-terminated) bounds what its tokens can take. */
	if (mime_grow(&m->tok, &m->tok_size, m->tok_len + 1,
	    m->hdr_max * 2 + 8) < 0)
		return (-ENOMEM);
	m->tok[m->tok_len++] = (char)c;
	return (0);
}

/*
 * RFC 822 tokens of the string at *pp: white space and comments are
 * skipped, quoted strings unquoted (a folded line inside one loses the
 * white space before it), specials and controls are one-character
 * tokens. At most MIME_TOK_MAX are kept; with a terminator, parsing
 * goes on (keeping nothing more) up to and past it. The number kept,
 * or -1 when the string ended before any, as Postfix's header_token().
 */
static int
mime_tokens(struct mime *m, const char **pp, const char *specials, int term,
    int max, int *count)
{
	const unsigned char *p = (const unsigned char *)*pp;
	int	c = 0, n = 0, depth;

	m->tok_len = 0;
	while ((c = *p) != 0 && (term != 0 || n < max)) {
		p++;
		if (MIME_IS_LWSP(c))
			continue;
		if (c == term)
			break;
		if (c == '(') {
			for (depth = 1; (c = *p) != 0; ) {
				p++;
				if (c == '(')
					depth++;
				else if (c == ')' && --depth == 0)
					break;
				else if (c == '\\') {
					if (*p == 0)
						break;
					p++;
				}
			}
			continue;
		}
		if (c == '"') {
			if (n < max) {
				m->toks[n].type = MIME_TOK_QSTRING;
				m->toks[n].off = m->tok_len;
			}
			while ((c = *p) != 0) {
				p++;
				if (c == '"')
					break;
				if (c == '\n') {
					while (n < max &&
					    m->tok_len > m->toks[n].off &&
					    MIME_IS_LWSP((unsigned char)
					    m->tok[m->tok_len - 1]))
						m->tok_len--;
					continue;
				}
				if (c == '\\') {
					if ((c = *p) == 0)
						break;
					p++;
				}
				if (n < max && mime_tok_add(m, c) < 0)
					return (-ENOMEM);
			}
			if (n < max) {
				if (mime_tok_add(m, 0) < 0)
					return (-ENOMEM);
				n++;
			}
			continue;
		}
		if (strchr(specials, c) != NULL || MIME_IS_CNTRL(c)) {
			if (n < max) {
				m->toks[n].type = c;
				m->toks[n].off = m->tok_len;
				if (mime_tok_add(m, c) < 0 ||
				    mime_tok_add(m, 0) < 0)
					return (-ENOMEM);
				n++;
			}
			continue;
		}
		if (n < max) {
			m->toks[n].type = MIME_TOK_TOKEN;
			m->toks[n].off = m->tok_len;
			if (mime_tok_add(m, c) < 0)
				return (-ENOMEM);
		}
		while ((c = *p) != 0 && !MIME_IS_LWSP(c) && !MIME_IS_CNTRL(c) &&
		    strchr(specials, c) == NULL) {
			p++;
			if (n < max && mime_tok_add(m, c) < 0)
				return (-ENOMEM);
		}
		if (n < max) {
			if (mime_tok_add(m, 0) < 0)
				return (-ENOMEM);
			n++;
		}
	}
	*pp = (const char *)p;
	*count = (n == 0 && c == 0) ? -1 : n;
	return (0);
}

static int
mime_tok_is(const struct mime *m, int i, const char *word)
{
	return (m->toks[i].type == MIME_TOK_TOKEN &&
	    strcasecmp(m->tok + m->toks[i].off, word) == 0);
}

static int
mime_push(struct mime *m, int def_ctype, int def_stype, const char *b)
{
	struct mime_bound *sp;
	size_t	len = strlen(b);

	if (len > m->lim.boundary_limit)
		len = m->lim.boundary_limit;
	if ((sp = malloc(sizeof(*sp) + len)) == NULL)
		return (-ENOMEM);
	sp->def_ctype = def_ctype;
	sp->def_stype = def_stype;
	sp->len = len;
	memcpy(sp->text, b, len);
	sp->next = m->stack;
	m->stack = sp;
	m->nesting++;
	return (0);
}

static void
mime_pop(struct mime *m)
{
	struct mime_bound *sp = m->stack;

	m->stack = sp->next;
	m->nesting--;
	free(sp);
}

/* Content-Type: the value starts after "name:". */
static int
mime_content_type(struct mime *m, const char *v)
{
	int	n, err, def_ctype, def_stype;

	if ((err = mime_tokens(m, &v, MIME_TSPECIALS, ';', MIME_TOK_MAX,
	    &n)) < 0)
		return (err);
	if (n <= 0) {
		m->ctype = MIME_CT_OTHER;
		return (0);
	}
	if (mime_tok_is(m, 0, "text")) {
		m->ctype = MIME_CT_TEXT;
		m->stype = n >= 3 && m->toks[1].type == '/' &&
		    mime_tok_is(m, 2, "plain") ? MIME_ST_PLAIN : MIME_ST_OTHER;
		return (0);
	}
	if (mime_tok_is(m, 0, "message")) {
		m->ctype = MIME_CT_MESSAGE;
		m->stype = MIME_ST_OTHER;
		if (n >= 3 && m->toks[1].type == '/') {
			if (mime_tok_is(m, 2, "rfc822"))
				m->stype = MIME_ST_RFC822;
			else if (mime_tok_is(m, 2, "partial"))
				m->stype = MIME_ST_PARTIAL;
			else if (mime_tok_is(m, 2, "external-body"))
				m->stype = MIME_ST_EXTERN;
			else if (mime_tok_is(m, 2, "global"))
				m->stype = MIME_ST_GLOBAL;
		}
		return (0);
	}
	/* Postfix leaves the type alone for any other (non-empty) value. */
	if (!mime_tok_is(m, 0, "multipart"))
		return (0);
	m->ctype = MIME_CT_MULTIPART;
	if (n >= 3 && m->toks[1].type == '/' && mime_tok_is(m, 2, "digest")) {
		def_ctype = MIME_CT_MESSAGE;
		def_stype = MIME_ST_RFC822;
	} else {
		def_ctype = MIME_CT_TEXT;
		def_stype = MIME_ST_PLAIN;
	}
	/* Every boundary= parameter pushes a level, as Postfix does. */
	for (;;) {
		if ((err = mime_tokens(m, &v, MIME_TSPECIALS, ';',
		    MIME_TOK_MAX, &n)) < 0)
			return (err);
		if (n < 0)
			break;
		if (n < 3 || !mime_tok_is(m, 0, "boundary") ||
		    m->toks[1].type != '=')
			continue;
		if (m->nesting > (int)m->lim.nesting_limit) {
			/* smtp_proto.c asks for MIME_OPT_REPORT_NESTING only
			 * when downgrading; otherwise the level is not
			 * pushed and the content goes on (header checks,
			 * generic maps). */
			if (m->downgrade)
				m->err = MIME_ERR_NESTING;
			continue;
		}
		if ((err = mime_push(m, def_ctype, def_stype,
		    m->tok + m->toks[2].off)) < 0)
			return (err);
	}
	return (0);
}

static int
mime_content_encoding(struct mime *m, const char *v)
{
	size_t	i;
	int	n, err;

	if ((err = mime_tokens(m, &v, MIME_822_SPECIALS, 0, 1, &n)) < 0)
		return (err);
	if (n <= 0 || m->toks[0].type != MIME_TOK_TOKEN)
		return (0);
	for (i = 0; i < sizeof(mime_enc_names) / sizeof(mime_enc_names[0]);
	    i++) {
		if (strcasecmp(m->tok, mime_enc_names[i].name) == 0) {
			m->enc = mime_enc_names[i].enc;
			m->domain = mime_enc_names[i].domain;
			break;
		}
	}
	return (0);
}

/* Name (before ':') of the pending header equals 'name'. */
static int
mime_hdr_is(const struct mime *m, const char *name)
{
	size_t	len = strlen(name);

	return (m->hdr_len > len && m->hdr[len] == ':' &&
	    strncasecmp(m->hdr, name, len) == 0);
}

/* The pending header is complete: note what it says, then write it. */
static int
mime_hdr_flush(struct mime *m)
{
	int	cte = 0, err = 0, is_mime;

	/* Postfix header_opts.c: the headers flagged HDR_OPT_MIME. */
	is_mime = mime_hdr_is(m, "content-description") ||
	    mime_hdr_is(m, "content-disposition") ||
	    mime_hdr_is(m, "content-id") || mime_hdr_is(m, "mime-version");
	if (mime_hdr_is(m, "content-type"))
		err = mime_content_type(m, m->hdr + sizeof("content-type"));
	else if ((cte = mime_hdr_is(m, "content-transfer-encoding")) != 0)
		err = mime_content_encoding(m,
		    m->hdr + sizeof("content-transfer-encoding"));
	is_mime |= cte || mime_hdr_is(m, "content-type");
	if (err == 0 && (!cte || !m->downgrade ||
	    m->domain == MIME_ENC_7BIT))
		err = mime_head_out(m, m->hdr, m->hdr_len, is_mime);
	m->hdr_len = 0;
	m->hdr[0] = '\0';
	return (err);
}

static int
mime_qp_line(struct mime *m, int soft)
{
	int	err;

	if (soft)
		m->qp[m->qp_len++] = '=';
	err = mime_body_out(m, MIME_REC_NORM, m->qp, m->qp_len);
	m->qp_len = 0;
	return (err);
}

static void
mime_qp_hex(struct mime *m, unsigned c)
{
	static const char hex[] = "0123456789ABCDEF";

	m->qp[m->qp_len++] = '=';
	m->qp[m->qp_len++] = hex[(c >> 4) & 0xf];
	m->qp[m->qp_len++] = hex[c & 0xf];
}

/* RFC 2045 6.7 quoted-printable, with Postfix's line length rule. */
static int
mime_qp(struct mime *m, int type, const unsigned char *t, size_t len)
{
	size_t	i;
	unsigned c;
	int	err;

	for (i = 0; i < len; i++) {
		if (m->qp_len > MIME_QP_SOFT_AT &&
		    (err = mime_qp_line(m, 1)) < 0)
			return (err);
		c = t[i];
		if ((c < 32 && c != '\t') || c == '=' || c > 126)
			mime_qp_hex(m, c);
		else
			m->qp[m->qp_len++] = (char)c;
	}
	if (type != MIME_REC_NORM)
		return (0);
	if (m->qp_len > 0 && MIME_IS_WSP(m->qp[m->qp_len - 1])) {
		c = (unsigned char)m->qp[--m->qp_len];
		mime_qp_hex(m, c);
	}
	return (mime_qp_line(m, 0));
}

/* A line "--boundary[--]" of an open multipart, else nothing. */
static void
mime_boundary(struct mime *m, const unsigned char *t, size_t len)
{
	struct mime_bound *sp;

	if (m->stack == NULL || m->prev == MIME_REC_CONT || len <= 2 ||
	    t[0] != '-' || t[1] != '-')
		return;
	for (sp = m->stack; sp != NULL; sp = sp->next) {
		if (len < 2 + sp->len || memcmp(t + 2, sp->text, sp->len) != 0)
			continue;
		while (m->stack != sp)
			mime_pop(m);
		if (len >= 4 + sp->len && t[2 + sp->len] == '-' &&
		    t[3 + sp->len] == '-') {
			mime_pop(m);
			mime_set(m, MIME_W_BODY, MIME_CT_OTHER, MIME_ST_OTHER,
			    MIME_ENC_7BIT);
		} else {
			mime_set(m, MIME_W_MULTIPART, sp->def_ctype,
			    sp->def_stype, MIME_ENC_7BIT);
		}
		return;
	}
}

/* A record in a header state; *done when it was taken as header text. */
static int
mime_header_rec(struct mime *m, int type, const unsigned char *t,
    size_t len, int *done)
{
	const char *cte;
	size_t	name;
	int	err;

	*done = 0;
	if (m->hdr_len > 0) {
		if (type != MIME_REC_END && (m->prev == MIME_REC_CONT ||
		    (len > 0 && MIME_IS_WSP(t[0])))) {
			if (m->hdr_len >= m->lim.header_limit) {
				*done = 1;
				return (0);
			}
			if ((m->prev != MIME_REC_CONT &&
			    (err = mime_hdr_add(m, "\n", 1)) < 0) ||
			    (err = mime_hdr_add(m, t, mime_strnlen(t, len))) < 0)
				return (err);
			*done = 1;
			return (0);
		}
		if ((err = mime_hdr_flush(m)) < 0)
			return (err);
	}
	if (type != MIME_REC_END && (name = mime_is_header(t, len)) > 0) {
		/* "Name :" is normalised to "Name:", as Postfix does. */
		if ((err = mime_hdr_add(m, t, name)) < 0)
			return (err);
		while (name < len && MIME_IS_WSP(t[name]))
			name++;
		if ((err = mime_hdr_add(m, t + name,
		    mime_strnlen(t + name, len - name))) < 0)
			return (err);
		*done = 1;
		return (0);
	}

	/* The end of a header block. */
	if (m->downgrade && m->domain != MIME_ENC_7BIT) {
		cte = (m->ctype == MIME_CT_MESSAGE &&
		    m->stype != MIME_ST_GLOBAL) ||
		    m->ctype == MIME_CT_MULTIPART ?
		    "Content-Transfer-Encoding: 7bit" :
		    "Content-Transfer-Encoding: quoted-printable";
		if ((err = mime_head_out(m, cte, strlen(cte), 0)) < 0)
			return (err);
	}
	if (type == MIME_REC_END) {
		m->where = MIME_W_BODY;
	} else if (len == 0) {
		if (m->ctype == MIME_CT_MESSAGE &&
		    (m->stype == MIME_ST_RFC822 ||
		    (m->stype == MIME_ST_GLOBAL &&
		    (!m->downgrade || m->domain == MIME_ENC_7BIT))))
			mime_set(m, MIME_W_NESTED, MIME_CT_TEXT,
			    MIME_ST_PLAIN, MIME_ENC_7BIT);
		else if (m->ctype == MIME_CT_MULTIPART)
			mime_set(m, MIME_W_BODY, MIME_CT_OTHER,
			    MIME_ST_OTHER, MIME_ENC_7BIT);
		else
			m->where = MIME_W_BODY;
	} else {
		/* Postfix separates primary headers from a body. */
		if (m->where == MIME_W_PRIMARY &&
		    (err = mime_body_out(m, MIME_REC_NORM, "", 0)) < 0)
			return (err);
		m->where = MIME_W_BODY;
	}
	return (0);
}

/* One record; the empty line that ends headers is body text too. */
static int
mime_rec(struct mime *m, int type, const unsigned char *t, size_t len)
{
	int	err, done;

	if (type == MIME_REC_END && m->prev == MIME_REC_CONT &&
	    (err = mime_rec(m, MIME_REC_NORM, (const unsigned char *)"",
	    0)) < 0)
		return (err);
	if (m->where != MIME_W_BODY) {
		if ((err = mime_header_rec(m, type, t, len, &done)) < 0)
			return (err);
		if (done) {
			m->prev = type;
			return (m->err);
		}
	}
	if (type != MIME_REC_END) {
		mime_boundary(m, t, len);
		if (m->downgrade && m->domain != MIME_ENC_7BIT)
			err = mime_qp(m, type, t, len);
		else
			err = mime_body_out(m, type, t, len);
		if (err < 0)
			return (err);
	}
	m->prev = type;
	return (m->err);
}

struct mime *
mime_open(const struct mime_limits *lim, mime_out_fn out, void *ctx)
{
	static const struct mime_hooks none = { 1, NULL, NULL, NULL };

	return (mime_open_hooks(lim, &none, out, ctx));
}

size_t
mime_header_name(const void *t, size_t len)
{
	return (mime_is_header(t, len));
}

struct mime *
mime_open_hooks(const struct mime_limits *lim, const struct mime_hooks *hk,
    mime_out_fn out, void *ctx)
{
	struct mime *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->hk = *hk;
	m->downgrade = hk->downgrade;
	m->lim = *lim;
	if (m->lim.header_limit == 0)
		m->lim.header_limit = 1;
	if (m->lim.record_limit == 0)
		m->lim.record_limit = 1;
	if (m->lim.boundary_limit == 0)
		m->lim.boundary_limit = 1;
	m->out = out;
	m->ctx = ctx;
	m->nesting = -1;
	m->hdr_max = (size_t)m->lim.header_limit + m->lim.record_limit + 2;
	mime_set(m, MIME_W_PRIMARY, MIME_CT_TEXT, MIME_ST_PLAIN,
	    MIME_ENC_7BIT);
	if ((m->rec = malloc(m->lim.record_limit)) == NULL ||
	    mime_grow(&m->hdr, &m->hdr_size, 1, m->hdr_max) < 0) {
		mime_free(m);
		return (NULL);
	}
	m->hdr[0] = '\0';
	return (m);
}

int
mime_write(struct mime *m, const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len, *lf;
	size_t	n, room;
	int	err;

	if (m->err)
		return (m->err);
	while (p < end) {
		/* A full record and more of its line: it is continued. */
		if (m->rec_len == m->lim.record_limit) {
			err = mime_rec(m, MIME_REC_CONT, m->rec, m->rec_len);
			m->rec_len = 0;
			if (err < 0)
				return (err);
		}
		lf = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((lf != NULL ? lf : end) - p);
		room = m->lim.record_limit - m->rec_len;
		if (n > room)
			n = room;
		memcpy(m->rec + m->rec_len, p, n);
		m->rec_len += n;
		p += n;
		if (p == lf && m->rec_len < m->lim.record_limit) {
			err = mime_rec(m, MIME_REC_NORM, m->rec, m->rec_len);
			m->rec_len = 0;
			p++;
			if (err < 0)
				return (err);
		}
	}
	return (0);
}

int
mime_close(struct mime *m)
{
	int	err;

	if (m->err)
		return (m->err);
	/* A last line without LF: a continued record, then the end. */
	if (m->rec_len > 0) {
		err = mime_rec(m, MIME_REC_CONT, m->rec, m->rec_len);
		m->rec_len = 0;
		if (err < 0)
			return (err);
	}
	return (mime_rec(m, MIME_REC_END, NULL, 0));
}

void
mime_free(struct mime *m)
{
	if (m == NULL)
		return;
	while (m->stack != NULL)
		mime_pop(m);
	free(m->rec);
	free(m->hdr);
	free(m->tok);
	free(m);
}
