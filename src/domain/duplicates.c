/* Probable duplicates of a client card (see duplicates.h): candidates from the phone and
 * email indexes and the objects' own name and tax keys, one warning per other card. */
#include "domain/duplicates.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/email_index.h"
#include "domain/phone_index.h"
#include <string.h>

typedef struct candidate {
    const client_kind *k;
    long long id;
    const char *reasons[4];
    int nreasons;
} candidate;

typedef struct found_set {
    candidate v[DUPLICATES_MAX];
    int n;
    const char *reason;          /* reason of the search running now */
    const client_kind *kind;     /* kind of the single-kind searches */
} found_set;

static void add(found_set *s, const client_kind *k, long long id)
{
    if (!k) return;
    for (int i = 0; i < s->n; i++) {
        candidate *x = &s->v[i];
        if (x->k != k || x->id != id) continue;
        bool has = false;
        for (int j = 0; j < x->nreasons; j++) has |= !strcmp(x->reasons[j], s->reason);
        if (!has && x->nreasons < 4) x->reasons[x->nreasons++] = s->reason;
        return;
    }
    if (s->n == DUPLICATES_MAX) return;
    s->v[s->n++] = (candidate){k, id, {s->reason}, 1};
}

static void found_any(void *cls, const char *object, long long id) { add(cls, client_kind_of(object), id); }
static void found_same_kind(void *cls, long long id) { found_set *s = cls; add(s, s->kind, id); }

static const char *reason_text(const char *r)
{
    if (!strcmp(r, "phone")) return "the same phone number";
    if (!strcmp(r, "email")) return "the same email";
    if (!strcmp(r, "tax_id")) return "the same tax id";
    return "a similar name";
}

void duplicates_warn(ctx *c, const client_kind *k, long long id, jw *out)
{
    found_set s = {.n = 0};
    s.kind = k;
    s.reason = "phone";
    phone_index_same(c, k->object, id, DUPLICATES_MAX, found_any, &s);
    s.reason = "email";
    email_index_same(c, k->object, id, DUPLICATES_MAX, found_any, &s);
    if (k == &client_company) {
        s.reason = "tax_id";
        company_same_key(c, id, true, DUPLICATES_MAX, found_same_kind, &s);
        s.reason = "name";
        company_same_key(c, id, false, DUPLICATES_MAX, found_same_kind, &s);
    } else {
        s.reason = "name";
        contact_same_name_in_company(c, id, DUPLICATES_MAX, found_same_kind, &s);
    }
    for (int i = 0; i < s.n; i++) {
        candidate *x = &s.v[i];
        long long owner = client_owner(c, x->k, x->id);
        const char *name = client_name(c, x->k, x->id);   /* NULL when not readable */
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, owner);
        const char *owner_name = owner ? db_scalar_text(c->db, c->a, "SELECT name FROM users WHERE id = ?", &p) : NULL;
        jw_obj(out);
        jw_kstr(out, "code", "probable_duplicate");
        jw_kstr(out, "type", x->k->object);
        jw_kint(out, "id", x->id);
        jw_kstr(out, "reason", x->reasons[0]);
        jw_key(out, "reasons");
        jw_arr(out);
        for (int j = 0; j < x->nreasons; j++) jw_str(out, x->reasons[j]);
        jw_arr_end(out);
        if (owner) jw_kint(out, "owner_id", owner); else jw_knull(out, "owner_id");
        jw_kstr(out, "owner_name", owner_name);
        jw_kbool(out, "readable", name != NULL);
        if (name) jw_kstr(out, "name", name);
        jw_kstr(out, "message", arena_printf(c->a, "%s %lld with %s%s%s", x->k->object, x->id, reason_text(x->reasons[0]),
                                             owner_name ? " belongs to " : " has no owner", owner_name ? owner_name : ""));
        jw_obj_end(out);
    }
}
