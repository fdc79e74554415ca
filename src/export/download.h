/* download: answering a request with a file on disk, streamed in chunks from its
 * descriptor (an export of a million rows is never read into memory).
 *
 * The handler calls download_file() and returns its status; libmicrohttpd reads the file as
 * the client takes it and the descriptor is closed when the request ends. With `once`
 * the file is unlinked at once (the open descriptor keeps it readable): a temporary
 * report leaves nothing behind even if the client goes away. */
#ifndef KT_EXPORT_DOWNLOAD_H
#define KT_EXPORT_DOWNLOAD_H
#include <stdbool.h>
#include "http/req.h"

/* filename: the name the browser saves under (ASCII); returns 200, or replies 404/500 */
int download_file(req *r, const char *path, const char *mime, const char *filename, bool once);
#endif
