/* Names of object kinds, actions and levels, and the all-powerful system principal. */
#include "domain/principal.h"
#include <string.h>

static const char *const kind_names[OBJ_COUNT] = {
    "users", "teams", "roles", "contacts", "companies", "leads", "pipelines",
    "deals", "products", "activities", "custom_fields", "imports", "exports",
    "reports", "audit",
};
static const char *const action_names[ACT_COUNT] = {"read", "write", "delete", "export"};
static const char *const level_names[] = {"none", "own", "team", "all"};

static int find(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *obj_kind_name(obj_kind k) { return kind_names[k]; }
int obj_kind_parse(const char *name) { return find(kind_names, OBJ_COUNT, name); }
const char *scope_action_name(scope_action a) { return action_names[a]; }
int scope_action_parse(const char *name) { return find(action_names, ACT_COUNT, name); }
const char *scope_level_name(scope_level l) { return level_names[l]; }
int scope_level_parse(const char *name) { return find(level_names, 4, name); }

void principal_system(principal *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->role, "system");
    strcpy(p->name, "system");
    memset(p->scope, SCOPE_ALL, sizeof p->scope);
}
