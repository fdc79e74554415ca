/* lazylib: a system shared library opened on the first call of one of its functions.
 *
 * Some libraries serve only a few requests (libzip and expat read XLSX imports,
 * libxlsxwriter writes XLSX exports, libical writes the calendar feed) but cost every
 * process that links them: the dynamic loader maps them and what they depend on (libcrypto
 * behind libzip and libxlsxwriter, ICU and libstdc++ behind libical), relocates them and
 * runs their constructors at start, leaving about 5 MiB resident in a server that may
 * never import a spreadsheet nor serve a calendar. Such a library is not linked; instead a
 * lazy_<lib>.c file defines each function the program calls, under the library's own name
 * and with the prototype from the library's own header (so the compiler checks that they
 * agree), as a forwarder that opens the library by its soname on the first call and then
 * jumps to the real function. Callers include the library's header and need not know.
 *
 * A library that cannot be opened, or lacks a function, is a broken installation: the
 * process stops with the reason on stderr rather than running on without it. */
#ifndef KT_UTIL_LAZYLIB_H
#define KT_UTIL_LAZYLIB_H
#include <stdatomic.h>
#include <stddef.h>

typedef struct lazylib {
    const char *soname;         /* "libzip.so.4": the version the headers describe */
    const char *const *names;   /* the functions the program calls, count of them */
    void **fns;                 /* their addresses, filled when the library is opened */
    size_t count;
    atomic_int ready;           /* set once fns is filled */
} lazylib;

/* the address of function i of l, opening l first if no call has done it yet */
void *lazylib_fn(lazylib *l, size_t i);

/* Defines the forwarders of one library in a lazy_<lib>.c file. LIST(F, V) lists its
 * functions: F(ret, name, (params), (args)) for one returning a value, V(name, (params),
 * (args)) for one returning void. */
#define LAZYLIB_DEFINE(soname, LIST)                                                       \
    enum { LIST(LAZYLIB_ENUM_F, LAZYLIB_ENUM_V) lazy_count };                              \
    static const char *const lazy_names[] = {LIST(LAZYLIB_NAME_F, LAZYLIB_NAME_V)};        \
    static void *lazy_fns[lazy_count];                                                     \
    static lazylib lazy_lib = {soname, lazy_names, lazy_fns, lazy_count, 0};               \
    LIST(LAZYLIB_FORWARD_F, LAZYLIB_FORWARD_V)

#define LAZYLIB_ENUM_F(ret, name, params, args) lazy_##name,
#define LAZYLIB_ENUM_V(name, params, args) lazy_##name,
#define LAZYLIB_NAME_F(ret, name, params, args) #name,
#define LAZYLIB_NAME_V(name, params, args) #name,
#define LAZYLIB_FORWARD_F(ret, name, params, args)                                         \
    ret name params { return ((__typeof__(&name))lazylib_fn(&lazy_lib, lazy_##name)) args; }
#define LAZYLIB_FORWARD_V(name, params, args)                                              \
    void name params { ((__typeof__(&name))lazylib_fn(&lazy_lib, lazy_##name)) args; }

#endif
