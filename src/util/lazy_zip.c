/* libzip, opened on the first call (util/lazylib.h): it reads the ZIP container of XLSX
 * imports, and brings libcrypto with it. The functions the program calls, nothing else. */
#include <zip.h>

#include "util/lazylib.h"

#define ZIP_FUNCTIONS(F, V)                                                                \
    V(zip_discard, (zip_t *za), (za))                                                      \
    V(zip_error_fini, (zip_error_t *e), (e))                                               \
    V(zip_error_init, (zip_error_t *e), (e))                                               \
    V(zip_error_init_with_code, (zip_error_t *e, int code), (e, code))                     \
    F(const char *, zip_error_strerror, (zip_error_t *e), (e))                             \
    F(int, zip_fclose, (zip_file_t *f), (f))                                               \
    F(const char *, zip_file_strerror, (zip_file_t *f), (f))                               \
    F(zip_file_t *, zip_fopen_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl), (za, i, fl)) \
    F(zip_int64_t, zip_fread, (zip_file_t *f, void *buf, zip_uint64_t n), (f, buf, n))     \
    F(zip_int64_t, zip_name_locate, (zip_t *za, const char *name, zip_flags_t fl), (za, name, fl)) \
    F(zip_t *, zip_open, (const char *path, int flags, int *errorp), (path, flags, errorp)) \
    F(zip_t *, zip_open_from_source, (zip_source_t *s, int flags, zip_error_t *e), (s, flags, e)) \
    F(zip_source_t *, zip_source_buffer_create,                                            \
      (const void *data, zip_uint64_t len, int freep, zip_error_t *e), (data, len, freep, e)) \
    V(zip_source_free, (zip_source_t *s), (s))                                             \
    F(int, zip_stat_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl, zip_stat_t *st),    \
      (za, i, fl, st))                                                                     \
    V(zip_stat_init, (zip_stat_t *st), (st))                                               \
    F(const char *, zip_strerror, (zip_t *za), (za))

LAZYLIB_DEFINE("libzip.so.4", ZIP_FUNCTIONS)
