/* openapi: the OpenAPI 3 document at /api/v1/openapi.json, generated from the same
 * resource definitions that validate requests (so it cannot drift from them), plus the
 * custom fields defined in this database, plus the operations that modules describe with
 * openapi_op() beside their router_add(). */
#ifndef KT_OPENAPI_H
#define KT_OPENAPI_H
#include "domain/resource.h"
void openapi_resource(const resource *res);   /* called by rest_register */
/* request/response: JSON Schema text (or a "#/components/schemas/X" name), NULL = none */
void openapi_op(const char *method, const char *path, const char *summary, const char *request, const char *response);
/* the same with the success status the operation answers (201 for creates, 204 = no body) */
void openapi_op_status(const char *method, const char *path, const char *summary, const char *request,
                       int status, const char *response);
#endif
