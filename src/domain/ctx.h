/* ctx: what domain code needs to act on behalf of someone, with no HTTP in sight.
 * Handlers build one from the request; the CLI and background jobs build one with the
 * system principal. Memory comes from `a`; `db` is the calling thread's connection. */
#ifndef KT_CTX_H
#define KT_CTX_H
#include "core/arena.h"
#include "store/db.h"
#include "domain/principal.h"

typedef struct ctx {
    arena *a;
    db *db;
    const principal *user;
    const char *request_id;
} ctx;
#endif
