/* import_pipeline: the rows of an import file read and prepared on a second thread while
 * the caller writes the rows prepared before. Private to src/import/.
 *
 * The reading thread takes rows from the reader (import/reader.h), copies each into the
 * arena of a chunk of PIPELINE_CHUNK rows and hands it to `prepare` (mapping, checks,
 * phone parsing: everything that needs no write), then queues the chunk. The caller
 * takes the rows back in file order with pipeline_next. At most PIPELINE_DEPTH chunks
 * are in flight, so memory stays flat however long the file.
 *
 * `prepare` runs on the reading thread with its own database connection (db_thread(),
 * read-only use: it sees what was committed, not the caller's open transaction) and the
 * chunk's arena; whatever it returns lives until the caller has moved past the chunk
 * (two pipeline_next calls after the chunk's last row). */
#ifndef KT_IMPORT_PIPELINE_H
#define KT_IMPORT_PIPELINE_H
#include <stdbool.h>
#include <stddef.h>
#include "domain/ctx.h"
#include "import/reader.h"

enum { PIPELINE_CHUNK = 128, PIPELINE_DEPTH = 4 };

typedef struct pipeline_row {
    int rc;              /* import_next's answer: 1 a row, -1 a source row that could not be read */
    import_row row;      /* cells copied (the reader's buffer moves on) */
    const char *error;   /* rc == -1: why */
    void *prepared;      /* what `prepare` made of a row (rc == 1) */
} pipeline_row;

/* on the reading thread: c has that thread's connection and the chunk's arena */
typedef void *(*pipeline_prepare)(void *cls, ctx *c, const import_row *row);

typedef struct pipeline pipeline;

/* starts reading from rd (positioned after the rows already done) with a copy of the
 * caller's principal and request id; NULL when the thread cannot start */
pipeline *pipeline_start(import_reader *rd, const ctx *proto, pipeline_prepare prepare, void *cls);
/* the next row in file order, NULL at the end of the file */
const pipeline_row *pipeline_next(pipeline *p);
/* bytes of the file read up to the row pipeline_next gave last (for progress) */
size_t pipeline_bytes_read(const pipeline *p);
/* stops the reading thread (it may be ahead: its rows are dropped) and frees everything */
void pipeline_stop(pipeline *p);
#endif
