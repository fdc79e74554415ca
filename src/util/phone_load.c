/* The C side of util/phone.h: opens the phone shim (see phone_shim.h) on the first call
 * and forwards to it.
 *
 * The shim is looked up next to the running program (/proc/self/exe, never the working
 * directory): first in its own directory, where `make` puts it beside build/kartoteka,
 * then one directory up, where it is for the programs built into a subdirectory of the
 * same build (unit tests, fuzz targets, bench tools). A binary whose shim cannot be found
 * or opened is a broken installation, and going on would store phones without their
 * E.164 form, so the process stops with the reason on stderr. */
#include "util/phone.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/phone_shim.h"

static pthread_once_t phone_once = PTHREAD_ONCE_INIT;
static const phone_shim_api *phone_api;

/* the shim's path in dir; 0 when it is there */
static int phone_shim_at(char *path, size_t cap, const char *dir)
{
    int n = snprintf(path, cap, "%s/%s", dir, PHONE_SHIM_FILE);
    return n > 0 && (size_t)n < cap && access(path, F_OK) == 0 ? 0 : -1;
}

static _Noreturn void phone_fail(const char *what, const char *why)
{
    fprintf(stderr, "kartoteka: cannot load the phone library %s: %s\n", what, why);
    abort();
}

static void phone_load(void)
{
    char dir[PATH_MAX], path[PATH_MAX + sizeof PHONE_SHIM_FILE + 1];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) phone_fail(PHONE_SHIM_FILE, "/proc/self/exe cannot be read");
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash) phone_fail(PHONE_SHIM_FILE, "the program's path has no directory");
    *slash = '\0';
    if (phone_shim_at(path, sizeof path, dir) != 0) {
        char up[PATH_MAX];
        snprintf(up, sizeof up, "%s", dir);
        char *cut = strrchr(up, '/');
        if (cut) *cut = '\0';
        if (!cut || phone_shim_at(path, sizeof path, *up ? up : "/") != 0) {
            char why[2 * PATH_MAX + 32];
            snprintf(why, sizeof why, "it is neither in %s nor in %s", dir, cut ? (*up ? up : "/") : "its parent");
            phone_fail(PHONE_SHIM_FILE, why);
        }
    }
    /* RTLD_LOCAL: protobuf's and ICU's symbols stay out of the program's namespace */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) phone_fail(path, dlerror());
    phone_api = dlsym(h, PHONE_SHIM_SYMBOL);
    if (!phone_api) phone_fail(path, dlerror());
}

int phone_parse(const char *text, size_t len, const char *default_region, phone_result *out)
{
    pthread_once(&phone_once, phone_load);
    return phone_api->parse(text, len, default_region, out);
}

int phone_region_valid(const char *region)
{
    pthread_once(&phone_once, phone_load);
    return phone_api->region_valid(region);
}
