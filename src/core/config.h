/* config: every setting declared once in a table (name, environment variable, default,
 * help). The loader, `--help` and docs/configuration.md all come from that table.
 * Precedence: command-line flag > environment variable > default. */
#ifndef KT_CONFIG_H
#define KT_CONFIG_H
#include <stddef.h>
#include <stdio.h>

typedef struct config {
    char data[1024];        /* --data, KARTOTEKA_DATA */
    char listen[128];       /* --listen, KARTOTEKA_LISTEN */
    unsigned workers;       /* --workers, KARTOTEKA_WORKERS */
    char region[4];         /* --region, KARTOTEKA_REGION: default phone region */
    size_t max_body;        /* KARTOTEKA_MAX_BODY */
    size_t max_upload;      /* KARTOTEKA_MAX_UPLOAD */
    unsigned timeout;       /* KARTOTEKA_TIMEOUT */
    char web_root[1024];    /* KARTOTEKA_WEB_ROOT */
} config;

extern config g_config;
void config_defaults(config *c);
/* flag "--name" with a value; 0 when set, -1 when not a config flag, -2 when the value is bad */
int config_set(config *c, const char *name, const char *value, char *err, size_t errlen);
void config_from_env(config *c);
void config_help(FILE *out);
const char *config_region(void);
#endif
