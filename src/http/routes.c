/* Every module's routes, registered once at start-up. */
#include "http/router.h"
#include "domain/custom_field.h"
#include "domain/user.h"

void auth_routes(void);
void openapi_routes(void);

void routes_register_all(void)
{
    auth_routes();
    user_routes();
    custom_field_routes();
    openapi_routes();
}
