/* The settings table and its loader. */
#include "core/config.h"
#include <stdlib.h>
#include <string.h>

config g_config;

typedef enum { OPT_STR, OPT_UINT, OPT_SIZE } opt_type;
typedef struct option_def {
    const char *flag, *env, *def, *help;
    opt_type type;
    size_t offset, size;
    unsigned long long min, max;
} option_def;

#define STR(f) OPT_STR, offsetof(config, f), sizeof(((config *)0)->f), 0, 0
#define NUM(t, f, lo, hi) t, offsetof(config, f), sizeof(((config *)0)->f), lo, hi
static const option_def options[] = {
    {"data", "KARTOTEKA_DATA", "./data", "data directory (database, uploads, backups)", STR(data)},
    {"listen", "KARTOTEKA_LISTEN", "127.0.0.1:8080", "HOST:PORT to serve HTTP on", STR(listen)},
    {"workers", "KARTOTEKA_WORKERS", "4", "HTTP worker threads", NUM(OPT_UINT, workers, 1, 256)},
    {"region", "KARTOTEKA_REGION", "RU", "default region for phone numbers written without +country (ISO 3166 code)", STR(region)},
    {"max-body", "KARTOTEKA_MAX_BODY", "8388608", "largest JSON request body, bytes", NUM(OPT_SIZE, max_body, 1024, 1ull << 30)},
    {"max-upload", "KARTOTEKA_MAX_UPLOAD", "268435456", "largest uploaded import file, bytes", NUM(OPT_SIZE, max_upload, 1024, 1ull << 34)},
    {"timeout", "KARTOTEKA_TIMEOUT", "30", "idle connection timeout, seconds", NUM(OPT_UINT, timeout, 1, 3600)},
    {"web-root", "KARTOTEKA_WEB_ROOT", "", "folder of static web files to serve (empty: none)", STR(web_root)},
};

static int apply(config *c, const option_def *o, const char *value, char *err, size_t errlen)
{
    char *field = (char *)c + o->offset;
    if (o->type == OPT_STR) {
        if (strlen(value) >= o->size) { snprintf(err, errlen, "--%s is too long", o->flag); return -2; }
        strcpy(field, value);
        return 0;
    }
    char *end;
    unsigned long long v = strtoull(value, &end, 10);
    if (!*value || *end || v < o->min || v > o->max) {
        snprintf(err, errlen, "--%s must be a number from %llu to %llu, not '%s'", o->flag, o->min, o->max, value);
        return -2;
    }
    if (o->type == OPT_UINT) *(unsigned *)field = (unsigned)v;
    else *(size_t *)field = (size_t)v;
    return 0;
}

void config_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    char err[128];
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) apply(c, &options[i], options[i].def, err, sizeof err);
}

int config_set(config *c, const char *name, const char *value, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        if (!strcmp(options[i].flag, name)) return apply(c, &options[i], value, err, errlen);
    return -1;
}

void config_from_env(config *c)
{
    char err[128];
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const char *v = getenv(options[i].env);
        if (v && *v && apply(c, &options[i], v, err, sizeof err) != 0) fprintf(stderr, "warning: %s: %s\n", options[i].env, err);
    }
}

void config_help(FILE *out)
{
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        fprintf(out, "  --%-12s %-22s %s (default %s)\n", options[i].flag, options[i].env, options[i].help,
                *options[i].def ? options[i].def : "none");
}

const char *config_region(void) { return g_config.region[0] ? g_config.region : "RU"; }
