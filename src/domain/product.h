/* product: the catalog deals draw their line items from: SKU (unique among live
 * products), name, unit, price in minor units with its currency, a two-level category
 * (category, subcategory), an active flag (inactive products stay on old deals but cannot
 * be added to new line items) and custom fields. Search with q= over name and SKU. */
#ifndef KT_PRODUCT_H
#define KT_PRODUCT_H
#include "domain/resource.h"

extern const resource product_resource;
void product_routes(void);
#endif
