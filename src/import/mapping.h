/* mapping: how the columns of an imported file become the fields of a record.
 *
 * The import job describes what a row may fill (a map_schema: the object's own fields, its
 * custom fields, and a few import-only targets), then mapping_build() pairs every header
 * cell with a target:
 *   - by the administrator's adjustments first: a JSON object whose keys are header texts
 *     or "#N" (1-based column number) and whose values are a target path, null (ignore
 *     the column) or {"field": path, "label": "work", "date_order": "dmy",
 *     "values": {"Активный": "active"}} (mapping_parse_spec() turns the CLI's compact
 *     `--map` text into that object);
 *   - else by a guess: the header is folded (lower case, no diacritics, punctuation as
 *     spaces) and looked up among names in the UI languages (English, Russian, Polish,
 *     Spanish, Czech): `Телефон`, `Nazwa firmy`, `Correo`, `E-mail`, `Ф.И.О.` ...; a header
 *     that is a field's own name or a custom field's name or label maps there too.
 * mapping_apply() then turns one row into the JSON body the object's create/update takes,
 * with the transforms of each target's type: trimming, phones with a label (E.164 keys
 * under a default region), emails, dates in any common order, numbers with decimal commas
 * and spaces, yes/no words, enum translations, a full name split into its parts.
 *
 * Targets beyond the object's fields: "full_name" (split into first/middle/last name),
 * "owner" (a user's email or name, resolved by the caller), "pipeline" and "stage" of a
 * deal by name (resolved by the caller), and "company.<field>" on contacts and deals /
 * "contact.<field>" on companies: the linked record one row can also create.
 *
 * Memory: everything comes from the arena given; JSON values built here are released with
 * it. Nothing here touches the database, so the functions are pure and thread-safe. */
#ifndef KT_IMPORT_MAPPING_H
#define KT_IMPORT_MAPPING_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/arena.h"
#include "core/buf.h"
#include "core/errs.h"
#include "import/reader.h"

/* what a cell becomes */
typedef enum {
    MV_TEXT, MV_INT, MV_REAL, MV_MONEY, MV_BOOL, MV_DATE, MV_TIME, MV_ENUM, MV_MULTI_ENUM,
    MV_PHONES, MV_EMAILS, MV_LIST, MV_ADDRESS, MV_PHONE, MV_FULL_NAME, MV_OWNER
} map_value;

typedef struct map_target {
    const char *path;        /* "first_name", "custom_fields.region", "company.name", "owner" */
    map_value type;
    json_t *choices;         /* MV_ENUM / MV_MULTI_ENUM: array of allowed strings, or NULL */
    const char *label;       /* a custom field's label: also matched against headers */
} map_target;

typedef struct map_schema {
    const char *object;      /* "contacts", "companies", "deals": picks the guess table */
    const char *linked;      /* prefix of the linked record's targets ("company"), or NULL */
    map_target *t;
    size_t n, cap;
    arena *a;
} map_schema;

void map_schema_init(map_schema *s, arena *a, const char *object);
void map_schema_add(map_schema *s, const char *path, map_value type, json_t *choices, const char *label);
const map_target *map_schema_find(const map_schema *s, const char *path);

typedef enum { DATE_AUTO, DATE_DMY, DATE_MDY, DATE_YMD } date_order;
/* "auto", "dmy", "mdy", "ymd" (any case); -1 when unknown */
int date_order_parse(const char *s);

typedef struct map_column {
    size_t index;                /* 0-based column of the file */
    const char *header;
    const map_target *target;    /* NULL: the column is ignored */
    const char *label;           /* phones/emails: label of the values of this column */
    date_order dates;
    json_t *values;              /* enum translations, keys folded; NULL when none */
    bool guessed;
} map_column;

typedef struct mapping {
    map_column *cols;            /* one per header cell, in file order */
    size_t n;
    const map_schema *schema;
    bool labelled;               /* cells hold "label:value" lines (the vCard reader's form) */
} mapping;

/* Pairs the header with targets (see above). spec may be NULL; guess=false leaves the
 * columns the spec does not name unmapped. Errors name the spec entry at fault (an unknown
 * target, a column that is not in the file, a bad option); returns -1 when there are any. */
int mapping_build(mapping *m, arena *a, const map_schema *s, const import_row *header, json_t *spec,
                  bool guess, date_order dates, errs *e);

/* The compact CLI form: `Header=field[:option]...` entries separated by commas, where a
 * header may be `#N`, the field `-` ignores the column, and options are a phone/email label
 * or a date order (dmy, mdy, ymd); a backslash makes the next character literal. Text that
 * starts with '{' is taken as the JSON object itself. Returns a new JSON object (the caller
 * decrefs) or NULL with a message in err. */
json_t *mapping_parse_spec(const char *text, size_t len, char *err, size_t errlen);

/* writes [{"column", "index" (1-based), "field" (null when ignored), "label", "guessed"}] */
void mapping_describe(const mapping *m, jw *w);

/* One row mapped. record/linked are new objects owned by the arena. */
typedef struct mapped_row {
    json_t *record;              /* the body for the object's create/update */
    json_t *linked;              /* the linked record's fields, or NULL when no column maps there */
    const char *owner;           /* the owner column's text, or NULL */
    const char **phone_keys;     /* E.164 of every phone parsed (record's phones only) */
    size_t nphone_keys;
    const char **email_keys;     /* every email, lower case */
    size_t nemail_keys;
    bool empty;                  /* every mapped cell was empty */
} mapped_row;

typedef struct map_apply_opts {
    const char *region;          /* default region of phones written without +country */
    const char *store_region;    /* region the object's own validation reads phones with */
} map_apply_opts;

/* Maps the row; problems (a date that is not one, an unknown enum value...) go to e under
 * the target's path, naming the column. Returns -1 when there are any. */
int mapping_apply(const mapping *m, const import_row *row, const map_apply_opts *o, arena *a, mapped_row *out, errs *e);

/* --- transforms, exposed for tests and for other importers ------------------------------- */
/* cell text without surrounding white space (ASCII, NBSP) and without the apostrophe our
 * CSV export puts before = + - @ (see export/): *n updated, the start returned */
const char *map_trim(const char *s, size_t *n);
/* a date in the given order ("31.12.1980", "12/31/1980", "1980-12-31", "31-12-80",
 * "19801231", a date-time's date part, a spreadsheet serial day; a year-less vCard "--0415"
 * becomes 1604-04-15 as in Apple Contacts) as "YYYY-MM-DD"; false when not a real date */
bool map_parse_date(const char *s, size_t n, date_order order, char out[11]);
/* "1 234,50" / "1,234.50" / "-12" as a double; false when not a number */
bool map_parse_number(const char *s, size_t n, double *out);
/* yes/no words of the UI languages; -1 when not one */
int map_parse_bool(const char *s, size_t n);
/* "Иванов Иван Иванович", "John Smith", "Smith, John": parts, each NULL when absent */
void map_split_name(arena *a, const char *s, size_t n, const char **first, const char **middle, const char **last);
/* folded form of a header or a choice: lower case, no diacritics, punctuation as single spaces */
char *map_fold(arena *a, const char *s, size_t n);
#endif
