/* The reading thread of an import and its queue of prepared rows: see import_pipeline.h. */
#include "import/import_pipeline.h"
#include "domain/custom_field.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    arena a;
    pipeline_row rows[PIPELINE_CHUNK];
    size_t n;
    bool full;           /* queued by the reader, not yet released by the caller */
    bool eof;            /* the last chunk */
    size_t bytes_read;
} chunk;

struct pipeline {
    import_reader *rd;
    ctx proto;
    pipeline_prepare prepare;
    void *cls;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    chunk chunks[PIPELINE_DEPTH];
    size_t take;         /* chunk the caller reads */
    size_t at;           /* next row of it */
    size_t bytes_read;
};

/* the row's cells in the chunk's arena: the reader's buffer is reused by the next row */
static void copy_row(arena *a, const import_row *in, import_row *out)
{
    size_t n = in->ncells;
    const char **cells = arena_alloc(a, (n ? n : 1) * sizeof *cells);
    size_t *lens = arena_alloc(a, (n ? n : 1) * sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        cells[i] = arena_strndup(a, in->cells[i], in->lens[i]);
        lens[i] = in->lens[i];
    }
    *out = (import_row){n, cells, lens, in->line};
}

static void *reading(void *arg)
{
    pipeline *p = arg;
    ctx c = p->proto;
    c.db = db_thread();
    custom_field_memo_begin();   /* every row's custom fields are checked on this connection */
    bool eof = false;
    for (size_t k = 0; !eof; k = (k + 1) % PIPELINE_DEPTH) {
        chunk *ch = &p->chunks[k];
        pthread_mutex_lock(&p->mu);
        while (ch->full && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
        /* the chunk's last use is freed here, not by the caller: the prepared rows' JSON
         * trees cost as much to free as to build, and the caller's thread is the busier */
        arena_release(&ch->a);
        c.a = &ch->a;
        ch->n = 0;
        char err[512];
        while (ch->n < PIPELINE_CHUNK && !eof) {
            import_row row;
            err[0] = 0;
            int rc = import_next(p->rd, &row, err, sizeof err);
            if (rc == 0) { eof = true; break; }
            pipeline_row *r = &ch->rows[ch->n++];
            memset(r, 0, sizeof *r);
            r->rc = rc;
            r->row.line = row.line;
            if (rc < 0) {
                r->error = arena_strdup(&ch->a, err[0] ? err : "the row cannot be read");
                eof = import_fatal(p->rd);   /* the reader cannot go on: the last row */
                continue;
            }
            copy_row(&ch->a, &row, &r->row);
            r->prepared = p->prepare(p->cls, &c, &r->row);
        }
        ch->eof = eof;
        ch->bytes_read = import_bytes_read(p->rd);
        pthread_mutex_lock(&p->mu);
        ch->full = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    custom_field_memo_end();
    db_thread_close();
    return NULL;
}

pipeline *pipeline_start(import_reader *rd, const ctx *proto, pipeline_prepare prepare, void *cls)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->rd = rd;
    p->proto = *proto;
    p->prepare = prepare;
    p->cls = cls;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, reading, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return NULL;
    }
    return p;
}

static void release(pipeline *p, chunk *ch)
{
    pthread_mutex_lock(&p->mu);
    ch->full = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

const pipeline_row *pipeline_next(pipeline *p)
{
    for (;;) {
        chunk *ch = &p->chunks[p->take];
        if (p->at == 0) {   /* a chunk seen full stays so until released: one wait per chunk */
            pthread_mutex_lock(&p->mu);
            while (!ch->full) pthread_cond_wait(&p->cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (p->at < ch->n) {
            p->bytes_read = ch->bytes_read;
            return &ch->rows[p->at++];
        }
        if (ch->eof) return NULL;
        release(p, ch);
        p->take = (p->take + 1) % PIPELINE_DEPTH;
        p->at = 0;
    }
}

size_t pipeline_bytes_read(const pipeline *p) { return p->bytes_read; }

void pipeline_stop(pipeline *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    for (size_t k = 0; k < PIPELINE_DEPTH; k++) arena_release(&p->chunks[k].a);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
