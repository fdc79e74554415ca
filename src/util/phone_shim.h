/* What the phone shim shared object exports to the loader that opens it.
 *
 * libphonenumber drags protobuf, ICU and libstdc++ into a process: together about 5 MiB
 * of resident pages (code faulted in by their constructors and relocations) in a server
 * that may never parse a phone. So the C++ half of util/phone.h (phone.cc) is built into
 * its own shared object, kartoteka-phone.so beside the binary, and phone_load.c opens it
 * on the first call. The object exports a single table, so the loader asks dlsym once and
 * the two sides agree on the signatures through this header.
 */
#ifndef KT_UTIL_PHONE_SHIM_H
#define KT_UTIL_PHONE_SHIM_H
#include "util/phone.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PHONE_SHIM_FILE "kartoteka-phone.so"
#define PHONE_SHIM_SYMBOL "phone_shim"

typedef struct phone_shim_api {
    int (*parse)(const char *text, size_t len, const char *default_region, phone_result *out);
    int (*region_valid)(const char *region);
} phone_shim_api;

#ifdef __cplusplus
}
#endif
#endif
