/* company: a legal entity with requisites (tax id, addresses, bank details, director) and
 * many contact persons, each linked with a role.
 *
 * Table `companies` (schema in clients.c); lists as in card_fields.h. A renamed company
 * refreshes the full-text rows of its contacts, whose search text holds company names. */
#ifndef KT_COMPANY_H
#define KT_COMPANY_H
#include "domain/card_fields.h"
#include "domain/resource.h"

extern const resource company_resource;

int company_reindex(ctx *c, long long id);
/* Bulk creates (imports, resource_insert): the caller-ID, email and full-text rows of a
 * company worked out from its checked write set (any thread), then written once it is
 * inserted, as company_after_save would leave them, without reading it back. 0, or -1 */
void company_index_prepare(ctx *c, const write_set *w, card_index *ix);
int company_index_created(ctx *c, long long id, const card_index *ix);
/* the keys stored beside a company (arena memory): tax_key = the tax id upper-cased,
 * alphanumerics only, without a leading country code ("PL 526-000-12-46" -> "5260001246");
 * name_key = card_name_key of the name without its legal form ("ООО «Ромашка»" ->
 * "ромашка"). Writers that fill the table directly must store exactly these. */
const char *company_tax_key(arena *a, const char *tax_id);
const char *company_name_match_key(arena *a, const char *name);
/* true when a live (not deleted) company has this id */
bool company_alive(ctx *c, long long id);
/* other live companies with the same normalised tax id, or (when tax_id is false) the
 * same name key; at most `max` */
void company_same_key(ctx *c, long long id, bool tax_id, int max, void (*found)(void *cls, long long id), void *cls);
/* contact links of company `from` copied to `into`; contact ids linked anew appended to
 * `added`; the contacts' search text is refreshed */
int company_copy_links(ctx *c, long long from, long long into, json_t *added);
int company_unlink(ctx *c, long long into, json_t *contact_ids);
void company_routes(void);
#endif
