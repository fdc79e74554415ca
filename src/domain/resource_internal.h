/* Pieces shared by resource.c and resource_list.c only. */
#ifndef KT_RESOURCE_INTERNAL_H
#define KT_RESOURCE_INTERNAL_H
#include "domain/resource.h"
/* "SELECT t.id, t.version, t.created_at, t.updated_at, custom, <field columns>" */
void resource_select_columns(const resource *res, buf *sql);
/* writes the row at the cursor (columns as above); fields NULL = all */
void resource_write_row(ctx *c, const resource *res, db_cursor *cur, const char *fields, jw *w);
#endif
