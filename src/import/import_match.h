/* import_match: finding the card an imported row duplicates. Private to src/import/.
 *
 * The lookups read the client base's own indexes (see the table notes in
 * domain/clients.c): phone_index by the reversed digits of the E.164 number, email_index
 * by the lower-cased address, companies.tax_key / name_key by the keys company.h makes, and any stored
 * field or custom field by its exact text. Only live cards the principal may read are
 * found (resource_scope_sql), so an import never learns about cards it cannot see; the
 * lowest id wins when several match. Each returns the id, 0 when none, -1 on error. */
#ifndef KT_IMPORT_MATCH_H
#define KT_IMPORT_MATCH_H
#include "domain/resource.h"

/* object: "contact" | "company" (the index rows' object name) */
long long match_phone(ctx *c, const resource *res, const char *object, const char *e164);
long long match_email(ctx *c, const resource *res, const char *object, const char *email);
/* companies only: by the companies' own tax key, and by their name key (legal form left
 * out, company.h) */
long long match_tax_id(ctx *c, const char *tax_id);
long long match_company_name(ctx *c, const char *name);
/* the same with the name's key already made (company_name_match_key(name)) */
long long match_company_key(ctx *c, const char *key, const char *name);
/* path: a field with a column ("first_name") or "custom_fields.<name>" */
long long match_field(ctx *c, const resource *res, const char *path, const char *value);
/* a live pipeline by name (exact, else ASCII case-insensitive) and a stage of it; 0 when none */
long long match_pipeline(ctx *c, const char *name);
long long match_stage(ctx *c, long long pipeline_id, const char *name);
/* an active user by email (any case) or exact name, for owner columns */
long long match_user(ctx *c, const char *email_or_name);
#endif
