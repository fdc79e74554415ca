/* principal: who is acting, and what their role allows.
 *
 * Scopes are per object kind and action; each is a level: none < own < team < all. A
 * principal is loaded once per request (session or API token) or built by the CLI for
 * system work (user_id 0, every scope all). */
#ifndef KT_PRINCIPAL_H
#define KT_PRINCIPAL_H
#include <stdbool.h>

typedef enum { SCOPE_NONE = 0, SCOPE_OWN, SCOPE_TEAM, SCOPE_ALL } scope_level;
typedef enum { ACT_READ = 0, ACT_WRITE, ACT_DELETE, ACT_EXPORT, ACT_COUNT } scope_action;

/* object kinds that carry scopes; names are the keys of a role's `scopes` JSON */
typedef enum {
    OBJ_USERS, OBJ_TEAMS, OBJ_ROLES, OBJ_CONTACTS, OBJ_COMPANIES, OBJ_LEADS, OBJ_PIPELINES,
    OBJ_DEALS, OBJ_PRODUCTS, OBJ_ACTIVITIES, OBJ_CUSTOM_FIELDS, OBJ_IMPORTS, OBJ_EXPORTS,
    OBJ_REPORTS, OBJ_AUDIT, OBJ_COUNT
} obj_kind;

typedef struct principal {
    long long user_id;
    long long role_id;
    char role[32];
    char name[128];
    unsigned char scope[OBJ_COUNT][ACT_COUNT];
} principal;

const char *obj_kind_name(obj_kind k);
int obj_kind_parse(const char *name);           /* -1 when unknown */
const char *scope_action_name(scope_action a);
int scope_action_parse(const char *name);
const char *scope_level_name(scope_level l);
int scope_level_parse(const char *name);
void principal_system(principal *p);            /* CLI and jobs: everything allowed */
#endif
