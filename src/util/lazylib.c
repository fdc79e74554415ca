/* Opening a lazily loaded library on its first call: see lazylib.h. */
#include "util/lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* one lock for every library: each is opened once, so it is never contended for long */
static pthread_mutex_t lazylib_lock = PTHREAD_MUTEX_INITIALIZER;

static _Noreturn void lazylib_fail(const char *soname, const char *why)
{
    fprintf(stderr, "kartoteka: cannot load %s: %s\n", soname, why);
    abort();
}

static void lazylib_open(lazylib *l)
{
    /* RTLD_LOCAL: its symbols are reached through fns only, never by name */
    void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) lazylib_fail(l->soname, dlerror());
    for (size_t i = 0; i < l->count; i++) {
        l->fns[i] = dlsym(h, l->names[i]);
        if (!l->fns[i]) lazylib_fail(l->soname, dlerror());
    }
    atomic_store_explicit(&l->ready, 1, memory_order_release);
}

void *lazylib_fn(lazylib *l, size_t i)
{
    if (!atomic_load_explicit(&l->ready, memory_order_acquire)) {
        pthread_mutex_lock(&lazylib_lock);
        if (!atomic_load_explicit(&l->ready, memory_order_relaxed)) lazylib_open(l);
        pthread_mutex_unlock(&lazylib_lock);
    }
    return l->fns[i];
}
