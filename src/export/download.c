/* Streaming a file as the answer of a request. See download.h. */
#include "export/download.h"
#include "http/reply.h"
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct download { int fd; } download;

static ssize_t read_chunk(void *cls, uint64_t pos, char *out, size_t max)
{
    download *d = cls;
    ssize_t n;
    do n = pread(d->fd, out, max, (off_t)pos); while (n < 0 && errno == EINTR);
    if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void close_download(void *cls)
{
    download *d = cls;
    close(d->fd);
    free(d);
}

int download_file(req *r, const char *path, const char *mime, const char *filename, bool once)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return reply_problem(r, 404, "not_found", "the file is no longer kept; export again");
        return reply_problem(r, 500, "internal", "cannot open the file");
    }
    if (once) unlink(path);
    download *d = xmalloc(sizeof *d);
    d->fd = fd;
    r->stream = read_chunk;
    r->stream_cls = d;
    r->stream_free = close_download;
    r->status = 200;
    r->content_type = mime;
    req_add_header(r, "Content-Disposition", arena_printf(&r->a, "attachment; filename=\"%s\"", filename));
    return 200;
}
