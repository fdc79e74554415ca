/* ISO 4217 currency codes and their minor units (amounts are stored in minor units). */
#ifndef KT_CURRENCY_H
#define KT_CURRENCY_H
#include <stdbool.h>
bool currency_known(const char *code);
int currency_minor_units(const char *code);   /* 2 for EUR, 0 for JPY; -1 unknown */
#endif
