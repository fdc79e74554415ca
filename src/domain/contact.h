/* contact: a person the firm works with (a client, or a contact person of a company).
 *
 * Table `contacts` (schema in clients.c) with the standard resource columns; phones,
 * emails, messengers, tags and addresses are JSON lists in the row (card_fields.h), links
 * to companies live in `contact_companies` with a role each. Every write keeps the
 * caller-ID index, the email index and the full-text index in step (contact_reindex). */
#ifndef KT_CONTACT_H
#define KT_CONTACT_H
#include "domain/resource.h"
#include "domain/card_fields.h"
#include "domain/company.h"

extern const resource contact_resource;

/* rewrites the phone, email and full-text index rows of one contact from its row (a
 * deleted contact loses them); 0 or -1 on a database error */
int contact_reindex(ctx *c, long long id);
/* the same, leaving the name of company `skip_company` out of the search text (that
 * company is being deleted) */
int contact_reindex_except(ctx *c, long long id, long long skip_company);
/* probable duplicates by name: other live contacts with the same name key linked to a
 * company this contact is linked to; calls found(cls, id) for each, at most `max` */
void contact_same_name_in_company(ctx *c, long long id, int max, void (*found)(void *cls, long long id), void *cls);
/* links of contact `from` copied to `into` (the role of a link `into` already has wins);
 * the company ids linked anew are appended to `added` (a JSON array) */
int contact_copy_links(ctx *c, long long from, long long into, json_t *added);
/* removes the links of `into` to the companies listed in `ids` (undo of a merge) */
int contact_unlink(ctx *c, long long into, json_t *ids);
/* the card a contact_companies link is seen from: merging contacts and merging companies
 * copy and remove links with the same steps, the two columns trading places */
typedef enum { LINKS_OF_CONTACT, LINKS_OF_COMPANY } contact_link_side;
/* the links of card `from` (on `side`) copied to `into` (the role of a link `into` already
 * has wins); the ids of the live cards at the other end linked anew are appended to
 * `added`. Reindexing is the caller's: only it knows which cards' search text changed */
int contact_links_copy(ctx *c, contact_link_side side, long long from, long long into, json_t *added);
/* removes the links of card `into` (on `side`) to the cards at the other end in `ids` */
int contact_links_remove(ctx *c, contact_link_side side, long long into, json_t *ids);
/* company links of many contacts read in one pass (exports) instead of a query each: a
 * cursor over every link in contact order (names only where the caller may read the
 * company), and the writer of one contact's "companies" and "company_ids" members from it,
 * the same as a record's. *at keeps the cursor's place between calls: 2 before the first
 * row, then db_step's answer (1 on a row, 0 at the end, -1 after a database error); the
 * ids must come in ascending order. The cursor is the caller's to db_done */
db_cursor *contact_links_scan(ctx *c);
void contact_links_write(db_cursor *cur, int *at, long long id, jw *w);
/* the same scan read link by link (exports that make cells of the links without the JSON):
 * moves the cursor to contact id's links and fills *l from the link it is on (the texts
 * valid until the next step); false when id has no (more) links. The caller steps to the
 * next link with *at = db_step(cur) */
typedef struct contact_link { long long company_id; const char *name, *role; } contact_link;
bool contact_links_at(db_cursor *cur, int *at, long long id, contact_link *l);
/* the same without the join, for a whole export: the names of every company read once in
 * id order (sequential pages, where a look-up per link is a random read of the companies
 * table) into a table of fixed size (2 MiB of slots and 8 MiB of names at most); NULL
 * when the base does not fit it (ids from 2^18, names over 8 MiB) or on an error, and the
 * caller takes contact_links_scan. contact_links_at_named reads contact_links_scan_bare's
 * cursor like contact_links_at, the name from the table; links to deleted companies are
 * left out as the join leaves them */
typedef struct contact_names contact_names;
contact_names *contact_names_load(ctx *c);
void contact_names_free(contact_names *n);
db_cursor *contact_links_scan_bare(ctx *c);
bool contact_links_at_named(db_cursor *cur, int *at, long long id, const contact_names *n, contact_link *l);
/* one link as the entry of "companies" that contact_links_write writes */
void contact_link_json(jw *w, const contact_link *l);
/* HTTP: /api/v1/contacts (standard routes with extra list filters) and
 * /api/v1/companies/{id}/contacts */
/* Bulk creates (imports, resource_insert): the index rows of a contact worked out from its
 * checked write set (any thread), then written once it is inserted, linked to company_id
 * (0: none) named company_name: the link row, the caller-ID and email rows and the
 * full-text row, as contact_after_save would leave them, without reading the card back.
 * 0, or -1 on a database error */
void contact_index_prepare(ctx *c, const write_set *w, card_index *ix);
int contact_index_created(ctx *c, long long id, const card_index *ix, long long company_id, const char *company_name);
/* the audit changes of the members write_extra gives such a card: "companies" and
 * "company_ids", each [null, value] as in the changes of a create (resource_insert's extra) */
void contact_links_audit(jw *w, long long company_id, const char *company_name);
void contact_routes(void);
#endif
