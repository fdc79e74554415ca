/* duplicates: probable duplicates of a client card, as warnings in the answer of a create
 * or update, so two managers do not call the same client.
 *
 * Reasons: the same normalised phone (any card kind), the same email (lower case), the
 * same tax id (companies), a name with the same key (companies: legal form ignored;
 * contacts: only among the contacts of a company they share). Each warning names the
 * other card's type, id, owner and reasons; its name only when the caller may read it:
 *   {"code": "probable_duplicate", "type": "contact", "id": 7, "reasons": ["phone"],
 *    "reason": "phone", "owner_id": 3, "owner_name": "Anna", "readable": true,
 *    "name": "Ivan Petrov", "message": "..."} */
#ifndef KT_DUPLICATES_H
#define KT_DUPLICATES_H
#include "core/buf.h"
#include "domain/clients.h"

enum { DUPLICATES_MAX = 10 };

/* writes the warnings (array members) for the card into `out` */
void duplicates_warn(ctx *c, const client_kind *k, long long id, jw *out);
#endif
