/* Users, teams and roles: the people who work in the CRM and what they may do. */
#ifndef KT_USER_H
#define KT_USER_H
#include "domain/resource.h"
extern const resource user_resource, team_resource, role_resource, audit_resource;
/* creates a user through the same rules as the API (CLI: init, user add); 0 ok */
int user_create(ctx *c, const char *email, const char *password, const char *role, const char *name,
                const char *team, long long *id, errs *e);
/* creates the built-in roles when missing */
int roles_ensure_builtin(ctx *c);
void user_routes(void);
#endif
