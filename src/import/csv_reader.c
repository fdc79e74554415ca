/* CSV import on top of libcsv.
 *
 * The input is fed to libcsv one physical line at a time (a segment ends after the first CR
 * or LF). That gives three things at once: import_next() can stop right after the row it
 * needs without queueing rows, the source line number of every row is known exactly (the
 * line of the row's terminator minus the line breaks inside its quoted cells), and between
 * two segments we can look at libcsv's field buffer and stop it from growing: a cell past
 * max_cell is cut there and its row reported, so a 1 GB line costs at most
 * max_cell + one chunk of memory.
 *
 * Cells are converted to UTF-8 (or checked to be UTF-8) as libcsv hands them over, into one
 * reused buffer per row; nothing is allocated per cell. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "import/reader_impl.h"

/* libcsv keeps its state machine in the public struct but names the states only inside its
 * source; FIELD_BEGUN (2) with `quoted` set means "inside a quoted field". Stable since 1.0. */
#define LIBCSV_FIELD_BEGUN 2

/* how far into the file delimiter detection looks */
#define SNIFF_BYTES ((size_t)64 << 10)
#define SNIFF_LINES 50

enum row_err {
    ROW_OK,
    ROW_CELL_TOO_LONG,
    ROW_TOO_MANY_CELLS,
    ROW_TOO_LONG,
    ROW_BAD_UTF8,
    ROW_NUL,
};

typedef struct csv_state {
    struct csv_parser p;
    import_enc enc;
    size_t max_cell, max_cells, max_row_bytes;

    const unsigned char *chunk;     /* current chunk from the stream */
    size_t clen, cpos;
    size_t lf_pos, cr_pos;          /* cached next LF / CR at or after cpos (clen = none) */
    bool eof, finished;

    size_t line;                    /* 1-based line of the segment being parsed */

    /* the row being built */
    buf cells;                      /* converted cells, each followed by a NUL */
    size_t *offs;                   /* start of each cell in cells.data */
    size_t offs_cap, ncells;
    size_t row_nl;                  /* line breaks inside this row's cells */
    enum row_err err;
    size_t err_cell;                /* 1-based cell the error is about */
    bool field_overflow;            /* the field libcsv is assembling was cut */
    bool row_ready;
    size_t row_line;

    /* what the caller sees */
    const char **out_cells;
    size_t *out_lens;
    size_t out_cap;
} csv_state;

static int space_only(unsigned char c) { return c == ' '; }

static size_t count_lf(const unsigned char *s, size_t n)
{
    size_t k = 0;
    const unsigned char *e = s + n;
    while (s < e && (s = memchr(s, '\n', (size_t)(e - s)))) { k++; s++; }
    return k;
}

static void set_err(csv_state *st, enum row_err e)
{
    if (st->err == ROW_OK) {
        st->err = e;
        st->err_cell = st->ncells + 1;
    }
}

/* libcsv: one field is complete */
static void on_field(void *field, size_t len, void *data)
{
    csv_state *st = data;
    const unsigned char *s = field ? field : (const unsigned char *)"";
    st->row_nl += count_lf(s, len);
    if (st->field_overflow) {
        st->field_overflow = false;
        set_err(st, ROW_CELL_TOO_LONG);
    } else if (len > st->max_cell) {
        set_err(st, ROW_CELL_TOO_LONG);
    } else if (st->ncells >= st->max_cells) {
        set_err(st, ROW_TOO_MANY_CELLS);
    }
    if (st->err != ROW_OK) {   /* the row is lost anyway: only count */
        st->ncells++;
        return;
    }
    if (st->ncells == st->offs_cap) {
        st->offs_cap = st->offs_cap ? st->offs_cap * 2 : 64;
        st->offs = xrealloc(st->offs, st->offs_cap * sizeof *st->offs);
    }
    st->offs[st->ncells] = st->cells.len;

    /* one pass finds both NUL bytes and non-ASCII: (c - 1) wraps 0 to 0xff */
    size_t i = 0;
    while (i < len && (unsigned char)(s[i] - 1) < 0x7f) i++;
    if (i < len) {
        if (memchr(s + i, 0, len - i)) {
            set_err(st, ROW_NUL);
            st->ncells++;
            return;
        }
        if (st->enc == IMPORT_ENC_UTF8 && !utf8_valid((const char *)s + i, len - i)) {
            set_err(st, ROW_BAD_UTF8);
            st->ncells++;
            return;
        }
    }
    if (i < len && st->enc != IMPORT_ENC_UTF8) {
        buf_add(&st->cells, s, i);
        import_enc_to_utf8(st->enc, (const char *)s + i, len - i, &st->cells);
    } else {
        buf_add(&st->cells, s, len);
    }
    buf_add(&st->cells, "", 1);   /* the NUL that ends this cell */
    if (st->cells.len > st->max_row_bytes) set_err(st, ROW_TOO_LONG);
    st->ncells++;
}

/* libcsv: the row is complete (c is the terminator, -1 at end of file) */
static void on_row(int c, void *data)
{
    (void)c;
    csv_state *st = data;
    st->row_ready = true;
    st->row_line = st->line > st->row_nl ? st->line - st->row_nl : 1;
}

static void row_reset(csv_state *st)
{
    buf_reset(&st->cells);
    st->ncells = 0;
    st->row_nl = 0;
    st->err = ROW_OK;
    st->err_cell = 0;
    st->row_ready = false;
}

/* Pick the delimiter whose count per line is the same on most sampled lines, with at least
 * one in the header; more columns wins a tie. Quotes are tracked so that a delimiter inside
 * a quoted cell (even one spanning lines) does not count. */
static char sniff_delimiter(const unsigned char *p, size_t n)
{
    static const char cand[4] = { ',', ';', '\t', '|' };
    size_t counts[4][SNIFF_LINES];
    size_t nlines = 0, cur[4] = { 0 };
    bool inq = false, any = false;
    if (n > SNIFF_BYTES) n = SNIFF_BYTES;
    for (size_t i = 0; i < n && nlines < SNIFF_LINES; i++) {
        unsigned char c = p[i];
        if (c == '"') { inq = !inq; any = true; continue; }
        if (inq) continue;
        if (c == '\n' || c == '\r') {
            if (any) {
                for (int k = 0; k < 4; k++) { counts[k][nlines] = cur[k]; cur[k] = 0; }
                nlines++;
            }
            any = false;
            continue;
        }
        if (c != ' ') any = true;
        for (int k = 0; k < 4; k++)
            if (c == (unsigned char)cand[k]) cur[k]++;
    }
    if (any && nlines < SNIFF_LINES) {   /* the last line, if the sample ended inside it */
        for (int k = 0; k < 4; k++) counts[k][nlines] = cur[k];
        nlines++;
    }
    char best = ',';
    size_t best_same = 0, best_cols = 0;
    for (int k = 0; k < 4; k++) {
        if (!nlines || !counts[k][0]) continue;
        size_t same = 0;
        for (size_t l = 0; l < nlines; l++)
            if (counts[k][l] == counts[k][0]) same++;
        if (same > best_same || (same == best_same && counts[k][0] > best_cols)) {
            best = cand[k];
            best_same = same;
            best_cols = counts[k][0];
        }
    }
    return best;
}

int csv_reader_open(import_reader *r, char *err, size_t errlen)
{
    csv_state *st = xmalloc(sizeof *st);
    memset(st, 0, sizeof *st);
    st->max_cell = r->opt.max_cell;
    st->max_cells = r->opt.max_row_cells;
    /* a row may hold many cells, but not unbounded bytes */
    st->max_row_bytes = st->max_cell > ((size_t)64 << 20) ? st->max_cell : ((size_t)64 << 20);
    st->line = 1;
    buf_init(&st->cells, 0);

    size_t n = import_stream_next(&r->st, &st->chunk);
    if (n == (size_t)-1) {
        import_seterr(err, errlen, "read error");
        goto fail;
    }
    st->clen = n;
    if (n == 0) st->eof = true;

    if (n >= 2 && ((st->chunk[0] == 0xff && st->chunk[1] == 0xfe) ||
                   (st->chunk[0] == 0xfe && st->chunk[1] == 0xff))) {
        import_seterr(err, errlen, "UTF-16 text is not supported: save the file as CSV (UTF-8)");
        goto fail;
    }
    bool bom = n >= 3 && st->chunk[0] == 0xef && st->chunk[1] == 0xbb && st->chunk[2] == 0xbf;
    if (bom) st->cpos = 3;
    const unsigned char *sample = st->chunk + st->cpos;
    size_t slen = n - st->cpos;
    if (slen > IMPORT_CHUNK) slen = IMPORT_CHUNK;
    if (import_looks_binary(sample, slen < SNIFF_BYTES ? slen : SNIFF_BYTES)) {
        import_seterr(err, errlen, "not a text file");
        goto fail;
    }

    if (r->opt.encoding) st->enc = (import_enc)import_enc_parse(r->opt.encoding);
    else st->enc = bom ? IMPORT_ENC_UTF8 : import_enc_guess(sample, slen);
    r->enc = st->enc;

    char d = r->opt.delimiter;
    if (d && (d == '"' || d == '\n' || d == '\r' || d == ' ')) {
        import_seterr(err, errlen, "delimiter cannot be a quote, space or line break");
        goto fail;
    }
    if (!d) d = sniff_delimiter(sample, slen);
    r->delimiter = d;

    csv_init(&st->p, 0);
    csv_set_delim(&st->p, (unsigned char)d);
    csv_set_space_func(&st->p, space_only);   /* a tab is content (or the delimiter) */
    /* larger steps than libcsv's 128 bytes: a long cell costs few reallocs */
    csv_set_blk_size(&st->p, (size_t)64 << 10);
    st->lf_pos = (size_t)-1;
    st->cr_pos = (size_t)-1;
    r->impl = st;
    return 0;
fail:
    buf_release(&st->cells);
    free(st);
    return -1;
}

static int emit(import_reader *r, csv_state *st, import_row *row, char *err, size_t errlen)
{
    row->line = st->row_line;
    if (st->err != ROW_OK) {
        switch (st->err) {
        case ROW_CELL_TOO_LONG:
            import_seterr(err, errlen, "cell longer than %zu bytes (column %zu)", st->max_cell, st->err_cell);
            break;
        case ROW_TOO_MANY_CELLS:
            import_seterr(err, errlen, "row has more than %zu cells", st->max_cells);
            break;
        case ROW_TOO_LONG:
            import_seterr(err, errlen, "row longer than %zu bytes", st->max_row_bytes);
            break;
        case ROW_BAD_UTF8:
            import_seterr(err, errlen, "invalid UTF-8 in column %zu (is the file in another encoding?)", st->err_cell);
            break;
        case ROW_NUL:
            import_seterr(err, errlen, "NUL byte in column %zu", st->err_cell);
            break;
        default: break;
        }
        return -1;
    }
    if (st->ncells > st->out_cap) {
        st->out_cap = st->ncells * 2;
        st->out_cells = xrealloc(st->out_cells, st->out_cap * sizeof *st->out_cells);
        st->out_lens = xrealloc(st->out_lens, st->out_cap * sizeof *st->out_lens);
    }
    /* pointers are made only now: the cell buffer may have moved while the row grew */
    for (size_t i = 0; i < st->ncells; i++) {
        size_t end = i + 1 < st->ncells ? st->offs[i + 1] : st->cells.len;
        st->out_cells[i] = st->cells.data + st->offs[i];
        st->out_lens[i] = end - st->offs[i] - 1;
    }
    row->ncells = st->ncells;
    row->cells = st->out_cells;
    row->lens = st->out_lens;
    (void)r;
    return 1;
}

/* libcsv's field buffer past max_cell: drop what it holds (counting its line breaks) but
 * keep the tail libcsv will take back off (the closing quote and trailing spaces). */
static void cut_field(csv_state *st)
{
    struct csv_parser *p = &st->p;
    size_t spaces = p->spaces > 16 ? 16 : p->spaces;
    size_t keep = spaces + 1;
    if (keep > p->entry_pos) keep = p->entry_pos;
    size_t drop = p->entry_pos - keep;
    st->row_nl += count_lf(p->entry_buf, drop);
    memmove(p->entry_buf, p->entry_buf + drop, keep);
    p->entry_pos = keep;
    p->spaces = spaces;
    st->field_overflow = true;
}

int csv_reader_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    csv_state *st = r->impl;
    row_reset(st);
    for (;;) {
        if (st->cpos == st->clen) {
            if (!st->eof) {
                size_t n = import_stream_next(&r->st, &st->chunk);
                if (n == (size_t)-1) {
                    r->fatal = true;
                    row->line = st->line;
                    import_seterr(err, errlen, "read error");
                    return -1;
                }
                st->clen = n;
                st->cpos = 0;
                st->lf_pos = st->cr_pos = (size_t)-1;
                if (n == 0) st->eof = true;
                r->bytes_read = r->st.consumed;
                continue;
            }
            if (st->finished) return 0;
            st->finished = true;
            r->bytes_read = r->st.consumed;
            if (st->p.pstate == LIBCSV_FIELD_BEGUN && st->p.quoted) {
                st->row_nl += count_lf(st->p.entry_buf, st->p.entry_pos);
                row->line = st->line > st->row_nl ? st->line - st->row_nl : 1;
                csv_fini(&st->p, NULL, NULL, NULL);
                import_seterr(err, errlen, "unterminated quote");
                return -1;
            }
            csv_fini(&st->p, on_field, on_row, st);
            if (st->row_ready) return emit(r, st, row, err, errlen);
            return 0;
        }

        /* the segment: up to and including the next CR or LF */
        size_t cpos = st->cpos, clen = st->clen;
        if (st->lf_pos == (size_t)-1 || st->lf_pos < cpos) {
            const unsigned char *q = memchr(st->chunk + cpos, '\n', clen - cpos);
            st->lf_pos = q ? (size_t)(q - st->chunk) : clen;
            st->cr_pos = (size_t)-1;
        }
        if (st->cr_pos == (size_t)-1 || st->cr_pos < cpos) {
            const unsigned char *q = memchr(st->chunk + cpos, '\r', st->lf_pos - cpos);
            st->cr_pos = q ? (size_t)(q - st->chunk) : st->lf_pos;
        }
        size_t end = st->cr_pos < clen ? st->cr_pos + 1 : clen;
        /* a line with no end in sight is fed in pieces so its cell can be cut in time */
        if (end - cpos > IMPORT_CHUNK) end = cpos + IMPORT_CHUNK;
        size_t n = end - cpos;
        size_t used = csv_parse(&st->p, st->chunk + cpos, n, on_field, on_row, st);
        if (used != n) {
            r->fatal = true;
            row->line = st->line;
            import_seterr(err, errlen, "CSV parser: %s", csv_strerror(csv_error(&st->p)));
            return -1;
        }
        if (st->chunk[end - 1] == '\n') st->line++;
        st->cpos = end;
        if (st->p.entry_pos > st->max_cell) cut_field(st);
        if (st->row_ready) {
            r->bytes_read = r->st.consumed - (st->clen - st->cpos);
            return emit(r, st, row, err, errlen);
        }
    }
}

void csv_reader_close(import_reader *r)
{
    csv_state *st = r->impl;
    if (!st) return;
    csv_free(&st->p);
    buf_release(&st->cells);
    free(st->offs);
    free(st->out_cells);
    free(st->out_lens);
    free(st);
    r->impl = NULL;
}
