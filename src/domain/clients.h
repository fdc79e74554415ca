/* clients: what the code shared by contacts and companies (lookup, search, duplicates,
 * merge, reassignment) needs to know about each kind of client card.
 *
 * The module "clients" (clients.c, order 10) owns the schema of contacts, companies,
 * their links and indexes, and registers the routes of every file of the client base. */
#ifndef KT_CLIENTS_H
#define KT_CLIENTS_H
#include "domain/resource.h"

typedef struct client_kind {
    const char *object;          /* "contact" | "company": audit object, index rows, API "type" */
    const resource *res;
    const char *name_sql;        /* display name: an SQL expression over the row alias t */
    int (*reindex)(ctx *c, long long id);
    /* links to the other kind: copy from -> into (ids linked anew into `added`), undo */
    int (*copy_links)(ctx *c, long long from, long long into, json_t *added);
    int (*unlink)(ctx *c, long long into, json_t *ids);
} client_kind;

extern const client_kind client_contact, client_company;
/* by object name ("contact", "company"); NULL for anything else */
const client_kind *client_kind_of(const char *object);
/* the display name of a live card the caller may read, NULL otherwise (arena) */
const char *client_name(ctx *c, const client_kind *k, long long id);
/* 1 when the caller may `act` on the live card, 0 when not visible, -1 db error */
int client_in_scope(ctx *c, const client_kind *k, long long id, scope_action act);
/* owner of a live card (0 when none or missing) */
long long client_owner(ctx *c, const client_kind *k, long long id);

/* The index rows of a card, as contact_reindex and company_reindex rebuild them: read the
 * row, add what else belongs to its search text, write. client_index_read runs `sql` (the
 * id its one parameter) selecting five text columns, then phones and emails; the text
 * columns go into `text`, space separated. 1 found, 0 gone or deleted, -1 db error */
int client_index_read(ctx *c, const char *sql, long long id, buf *text, const char **phones, const char **emails);
/* rewrites the phone, email and full-text rows of a card from what client_index_read
 * gave (emails and numbers join the search text); a card not `found` loses them. 0 / -1 */
int client_index_write(ctx *c, const char *object, long long id, bool found, buf *text, const char *phones,
                       const char *emails);

/* The key indexes of cards (phone_index, email_index: one row per key, object, object_id).
 * client_keys_set replaces the rows of (object, id) with the keys of the items of
 * list_json (NULL removes them): delete_sql takes (object, id), insert_sql (key, object,
 * id), `key` gives an item's key (arena) or NULL to pass it over. 0, or -1 on a database
 * error */
typedef const char *(*client_key_fn)(ctx *c, json_t *item);
int client_keys_set(ctx *c, const char *delete_sql, const char *insert_sql, const char *object, long long id,
                    const char *list_json, client_key_fn key);
/* one key row more: insert_sql as above. 0 / -1 */
int client_key_add(ctx *c, const char *insert_sql, const char *object, long long id, const char *key);
/* calls found for each other card `sql` (taking object, id, max) gives as (object, id) */
void client_keys_same(ctx *c, const char *sql, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls);
#endif
