/* Column mapping of imports: header guesses in the UI languages, the administrator's
 * adjustments, and the transforms from cell text to field values. See mapping.h. */
#include "import/mapping.h"
#include "core/clock.h"
#include "util/fold.h"
#include "util/phone.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- schema ---------- */

void map_schema_init(map_schema *s, arena *a, const char *object)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->object = object;
}

void map_schema_add(map_schema *s, const char *path, map_value type, json_t *choices, const char *label)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        map_target *t = arena_alloc(s->a, cap * sizeof *t);
        if (s->n) memcpy(t, s->t, s->n * sizeof *t);
        s->t = t;
        s->cap = cap;
    }
    map_target *t = &s->t[s->n++];
    t->path = arena_strdup(s->a, path);
    t->type = type;
    t->choices = choices;
    t->label = label ? arena_strdup(s->a, label) : NULL;
}

const map_target *map_schema_find(const map_schema *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->t[i].path, path)) return &s->t[i];
    return NULL;
}

int date_order_parse(const char *s)
{
    static const char *const names[] = {"auto", "dmy", "mdy", "ymd"};
    for (int i = 0; s && i < 4; i++)
        if (!strcasecmp(s, names[i])) return i;
    return -1;
}

/* ---------- folding ---------- */

char *map_fold(arena *a, const char *s, size_t n)
{
    char *f = arena_alloc(a, n + 1);
    size_t len = text_fold(s, n, f, n + 1);
    /* punctuation and white space of ASCII become one space; letters of other scripts stay */
    size_t o = 0;
    bool space = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)f[i];
        if (c < 0x80 && !isalnum(c)) {
            if (!space) f[o++] = ' ';
            space = true;
            continue;
        }
        f[o++] = (char)c;
        space = false;
    }
    if (o && f[o - 1] == ' ') o--;
    f[o] = 0;
    return f;
}

/* ---------- guesses ---------- */

enum { G_CONTACTS = 1, G_COMPANIES = 2, G_DEALS = 4 };

typedef struct guess {
    unsigned objects;
    const char *targets;   /* '|'-separated: the first the schema has wins */
    const char *label;     /* phones/emails label */
    const char *names;     /* '|'-separated header names, folded when compared */
} guess;

#define COMPANY_NAMES \
    "company|company name|organization|organisation|organization name|employer|account|" \
    "компания|название компании|организация|фирма|наименование организации|название организации|" \
    "firma|nazwa firmy|organizacja|przedsiębiorstwo|" \
    "empresa|nombre de la empresa|compañía|organización|" \
    "společnost|název firmy|organizace"
#define TAX_NAMES \
    "tax id|taxid|tax number|vat|vat id|vat number|tin|инн|nip|nif|cif|numero de identificacion fiscal|ičo|ič|dič"
#define CONTACT_PERSON_NAMES \
    "contact person|contact name|контактное лицо|контакт|osoba kontaktowa|persona de contacto|contacto|kontaktní osoba"

static const guess guesses[] = {
    {G_CONTACTS, "first_name", NULL,
     "first name|firstname|given name|forename|first|имя|imię|nombre|jméno|křestní jméno"},
    {G_CONTACTS, "last_name", NULL,
     "last name|lastname|surname|family name|фамилия|nazwisko|apellido|apellidos|příjmení"},
    {G_CONTACTS, "middle_name", NULL,
     "middle name|patronymic|отчество|drugie imię|segundo nombre|prostřední jméno"},
    {G_CONTACTS, "full_name", NULL,
     "name|full name|fullname|contact|contact name|contact person|фио|ф и о|имя фамилия|фамилия имя|фамилия имя отчество|"
     "полное имя|контакт|контактное лицо|imię i nazwisko|osoba kontaktowa|kontakt|nombre completo|nombre y apellidos|"
     "contacto|persona de contacto|celé jméno|jméno a příjmení|kontaktní osoba"},
    {G_COMPANIES, "contact.full_name", NULL, CONTACT_PERSON_NAMES},
    {G_CONTACTS, "phones", "mobile",
     "mobile|mobile phone|cell|cell phone|cellphone|мобильный|мобильный телефон|моб телефон|моб|сотовый|сотовый телефон|"
     "komórka|telefon komórkowy|tel kom|móvil|celular|teléfono móvil|mobil|mobilní telefon"},
    {G_CONTACTS | G_COMPANIES, "phones", "work",
     "work phone|business phone|office phone|рабочий телефон|раб телефон|telefon służbowy|teléfono del trabajo|"
     "teléfono de trabajo|pracovní telefon"},
    {G_CONTACTS, "phones", "home",
     "home phone|домашний телефон|telefon domowy|teléfono de casa|teléfono particular|domácí telefon"},
    {G_CONTACTS | G_COMPANIES, "phones", NULL,
     "phone|phones|telephone|tel|phone number|телефон|телефоны|тел|номер телефона|telefon|telefony|nr telefonu|"
     "numer telefonu|teléfono|teléfonos|tfno|tlf|telefonní číslo"},
    {G_CONTACTS | G_COMPANIES, "emails", NULL,
     "email|e-mail|mail|emails|email address|e-mail address|электронная почта|эл почта|почта|емейл|имейл|"
     "адрес электронной почты|adres email|adres e-mail|poczta|poczta e-mail|correo|correo electrónico|"
     "emailová adresa|e-mailová adresa"},
    {G_CONTACTS, "position|job_title|title", NULL,
     "position|title|job title|job|должность|позиция|stanowisko|cargo|puesto|pozice|funkce|pracovní pozice"},
    {G_CONTACTS, "birthday|birth_date", NULL,
     "birthday|birth date|date of birth|dob|birthdate|дата рождения|день рождения|data urodzenia|urodziny|"
     "fecha de nacimiento|cumpleaños|datum narození|narozeniny"},
    {G_CONTACTS | G_DEALS, "company.name|company", NULL, COMPANY_NAMES},
    {G_COMPANIES, "name", NULL,
     COMPANY_NAMES "|name|название|наименование|nazwa|nombre|název"},
    {G_CONTACTS | G_DEALS, "company.tax_id", NULL, TAX_NAMES},
    {G_COMPANIES, "tax_id", NULL, TAX_NAMES},
    {G_COMPANIES, "legal_name", NULL,
     "legal name|registered name|полное наименование|юридическое название|юр название|pełna nazwa|nazwa pełna|"
     "razón social|obchodní jméno|obchodní firma"},
    {G_CONTACTS | G_COMPANIES, "website|url|site", NULL,
     "website|web site|site|url|www|web|сайт|веб сайт|strona|strona www|strona internetowa|sitio web|página web|"
     "webové stránky|www stránky"},
    {G_COMPANIES, "industry", NULL,
     "industry|sector|отрасль|сфера деятельности|branża|sektor|industria|obor|odvětví"},
    {G_CONTACTS | G_COMPANIES, "addresses|actual_address|address", NULL, "address|адрес|adres|dirección|adresa"},
    {G_COMPANIES, "legal_address", NULL,
     "legal address|registered address|юридический адрес|юр адрес|adres siedziby|adres rejestrowy|domicilio social|"
     "dirección fiscal|sídlo|adresa sídla"},
    {G_COMPANIES, "director", NULL, "director|ceo|директор|генеральный директор|руководитель|prezes|dyrektor|director general|ředitel|jednatel"},
    {G_COMPANIES, "registration_no", NULL, "registration number|reg no|огрн|regon|krs|registro mercantil|spisová značka"},
    {G_CONTACTS | G_COMPANIES | G_DEALS, "owner", NULL,
     "owner|responsible|account manager|sales rep|manager|ответственный|менеджер|владелец|opiekun|właściciel|"
     "odpowiedzialny|handlowiec|responsable|propietario|comercial|vlastník|odpovědná osoba|obchodník"},
    {G_CONTACTS | G_COMPANIES | G_DEALS, "source", NULL,
     "source|lead source|источник|źródło|fuente|origen|zdroj"},
    {G_CONTACTS | G_COMPANIES | G_DEALS, "notes|note|description", NULL,
     "note|notes|comment|comments|description|примечание|примечания|комментарий|заметка|заметки|описание|"
     "notatka|notatki|uwagi|komentarz|opis|nota|notas|comentario|comentarios|descripción|poznámka|poznámky|"
     "komentář|popis"},
    {G_CONTACTS | G_COMPANIES | G_DEALS, "tags", NULL, "tags|tag|labels|теги|метки|тэги|tagi|etykiety|etiquetas|štítky"},
    {G_DEALS, "title", NULL,
     "title|deal|deal name|name|subject|название|сделка|название сделки|tytuł|transakcja|nazwa|título|negocio|"
     "oportunidad|název|obchod|zakázka"},
    {G_DEALS, "amount", NULL,
     "amount|sum|value|price|budget|сумма|бюджет|стоимость|kwota|wartość|importe|valor|cantidad|částka|hodnota"},
    {G_DEALS, "currency", NULL, "currency|валюта|waluta|moneda|divisa|měna"},
    {G_DEALS, "stage", NULL, "stage|status|этап|стадия|статус|etap|etapa|estado|fáze|stav"},
    {G_DEALS, "pipeline", NULL, "pipeline|funnel|sales pipeline|воронка|воронка продаж|lejek|lejek sprzedaży|embudo|"
     "embudo de ventas|trychtýř|obchodní trychtýř"},
    {G_DEALS, "expected_close|close_date", NULL,
     "close date|expected close|expected close date|дата закрытия|ожидаемая дата закрытия|data zamknięcia|"
     "fecha de cierre|datum uzavření"},
    {0, NULL, NULL, NULL},
};

static unsigned object_bit(const char *object)
{
    if (!object) return 0;
    if (!strcmp(object, "contacts")) return G_CONTACTS;
    if (!strcmp(object, "companies")) return G_COMPANIES;
    if (!strcmp(object, "deals")) return G_DEALS;
    return 0;
}

/* true when the folded header is one of the '|'-separated names (folded here) */
static bool names_have(arena *a, const char *names, const char *folded)
{
    for (const char *p = names; *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!strcmp(map_fold(a, p, n), folded)) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

static const map_target *first_target(const map_schema *s, const char *targets, arena *a)
{
    for (const char *p = targets; *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const map_target *t = map_schema_find(s, arena_strndup(a, p, n));
        if (t) return t;
        if (!e) break;
        p = e + 1;
    }
    return NULL;
}

static bool multi_valued(const map_target *t)
{
    return t->type == MV_PHONES || t->type == MV_EMAILS || t->type == MV_LIST || t->type == MV_ADDRESS;
}

static bool taken(const mapping *m, const map_target *t)
{
    if (multi_valued(t)) return false;
    for (size_t i = 0; i < m->n; i++) if (m->cols[i].target == t) return true;
    return false;
}

static bool guess_column(mapping *m, map_column *col, arena *a)
{
    const map_schema *s = m->schema;
    const char *f = map_fold(a, col->header, strlen(col->header));
    if (!*f) return false;
    /* a field's own name ("first_name", "custom_fields.region") or a custom field's label */
    for (size_t i = 0; i < s->n; i++) {
        const map_target *t = &s->t[i];
        const char *name = t->path;
        if (!strncmp(name, "custom_fields.", 14) && strcmp(f, map_fold(a, name, strlen(name)))) name += 14;
        if ((!strcmp(f, map_fold(a, name, strlen(name))) || (t->label && !strcmp(f, map_fold(a, t->label, strlen(t->label)))))
            && !taken(m, t)) {
            col->target = t;
            return true;
        }
    }
    unsigned bit = object_bit(s->object);
    for (const guess *g = guesses; g->targets; g++) {
        if (!(g->objects & bit) || !names_have(a, g->names, f)) continue;
        const map_target *t = first_target(s, g->targets, a);
        if (!t || taken(m, t)) continue;
        col->target = t;
        col->label = g->label;
        return true;
    }
    return false;
}

/* ---------- building ---------- */

static bool valid_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') return false;
    return true;
}

/* applies one spec value to a column; errors under the spec key */
static void spec_apply(mapping *m, map_column *col, const char *key, json_t *v, arena *a, errs *e)
{
    const char *path = NULL;
    col->target = NULL;
    col->label = NULL;
    col->values = NULL;
    col->guessed = false;
    if (json_is_null(v)) return;
    if (json_is_string(v)) {
        path = json_string_value(v);
    } else if (json_is_object(v)) {
        json_t *f = json_object_get(v, "field");
        if (!f || json_is_null(f)) return;
        if (!json_is_string(f)) { errs_add(e, key, "invalid_type", "mapping of '%s': 'field' must be a string", key); return; }
        path = json_string_value(f);
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (!strcmp(k, "field")) continue;
            if (!strcmp(k, "label")) {
                if (!json_is_string(x) || !valid_label(json_string_value(x)))
                    errs_add(e, key, "invalid_label", "mapping of '%s': 'label' must be 1 to 32 letters, digits, - or _", key);
                else col->label = arena_strdup(a, json_string_value(x));
            } else if (!strcmp(k, "date_order")) {
                int d = json_is_string(x) ? date_order_parse(json_string_value(x)) : -1;
                if (d < 0) errs_add(e, key, "invalid_date_order", "mapping of '%s': 'date_order' must be auto, dmy, mdy or ymd", key);
                else col->dates = (date_order)d;
            } else if (!strcmp(k, "values")) {
                if (!json_is_object(x)) { errs_add(e, key, "invalid_type", "mapping of '%s': 'values' must be an object", key); continue; }
                json_t *folded = json_object();
                arena_defer(a, (void (*)(void *))json_decref, folded);
                const char *vk;
                json_t *vv;
                json_object_foreach(x, vk, vv) {
                    if (!json_is_string(vv)) { errs_add(e, key, "invalid_type", "mapping of '%s': every value must map to a string", key); break; }
                    json_object_set(folded, map_fold(a, vk, strlen(vk)), vv);
                }
                col->values = folded;
            } else {
                errs_add(e, key, "unknown_option", "mapping of '%s': unknown option '%s'", key, k);
            }
        }
    } else {
        errs_add(e, key, "invalid_type", "mapping of '%s' must be a field name, null or an object", key);
        return;
    }
    if (!strcmp(path, "-") || !*path) return;
    const map_target *t = map_schema_find(m->schema, path);
    if (!t) { errs_add(e, key, "unknown_field", "column '%s' cannot go to '%s': no such field of %s", key, path, m->schema->object); return; }
    col->target = t;
}

int mapping_build(mapping *m, arena *a, const map_schema *s, const import_row *header, json_t *spec,
                  bool guess, date_order dates, errs *e)
{
    memset(m, 0, sizeof *m);
    m->schema = s;
    m->n = header->ncells;
    m->cols = arena_alloc(a, (m->n ? m->n : 1) * sizeof *m->cols);
    bool *set = arena_alloc(a, (m->n ? m->n : 1) * sizeof *set);
    for (size_t i = 0; i < m->n; i++) {
        size_t n = header->lens[i];
        const char *h = map_trim(header->cells[i], &n);
        m->cols[i].index = i;
        m->cols[i].header = arena_strndup(a, h, n);
        m->cols[i].dates = dates;
    }
    size_t before = e->n;
    if (spec && !json_is_object(spec)) {
        errs_add(e, "mapping", "invalid_type", "the mapping must be an object of column: field");
        return -1;
    }
    if (spec) {
        const char *key;
        json_t *v;
        json_object_foreach(spec, key, v) {
            bool found = false;
            if (key[0] == '#' && key[1]) {
                char *end;
                long long idx = strtoll(key + 1, &end, 10);
                if (*end || idx < 1 || (size_t)idx > m->n) {
                    errs_add(e, key, "unknown_column", "there is no column %s: the file has %zu", key, m->n);
                    continue;
                }
                spec_apply(m, &m->cols[idx - 1], key, v, a, e);
                set[idx - 1] = true;
                continue;
            }
            /* the header as written, else the same header folded */
            for (int pass = 0; pass < 2 && !found; pass++) {
                const char *fk = pass ? map_fold(a, key, strlen(key)) : key;
                for (size_t i = 0; i < m->n; i++) {
                    const char *h = pass ? map_fold(a, m->cols[i].header, strlen(m->cols[i].header)) : m->cols[i].header;
                    if (strcmp(h, fk) || set[i]) continue;
                    /* every column of that header takes the entry; its errors count once */
                    errs quiet;
                    errs_init(&quiet, a);
                    spec_apply(m, &m->cols[i], key, v, a, found ? &quiet : e);
                    set[i] = true;
                    found = true;
                }
            }
            if (!found) errs_add(e, key, "unknown_column", "there is no column '%s' in the file", key);
        }
    }
    if (guess)
        for (size_t i = 0; i < m->n; i++)
            if (!set[i]) m->cols[i].guessed = guess_column(m, &m->cols[i], a);
    return e->n > before ? -1 : 0;
}

void mapping_describe(const mapping *m, jw *w)
{
    jw_arr(w);
    for (size_t i = 0; i < m->n; i++) {
        const map_column *c = &m->cols[i];
        jw_obj(w);
        jw_kstr(w, "column", c->header);
        jw_kint(w, "index", (long long)c->index + 1);
        jw_kstr(w, "field", c->target ? c->target->path : NULL);
        if (c->label) jw_kstr(w, "label", c->label);
        jw_kbool(w, "guessed", c->guessed);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* ---------- the compact --map form ---------- */

/* next unescaped piece up to one of `stops`; unescapes into `out` */
static const char *spec_piece(const char *p, const char *end, const char *stops, buf *out, bool *bad)
{
    buf_reset(out);
    while (p < end && !strchr(stops, *p)) {
        if (*p == '\\') {
            if (++p == end) { *bad = true; return p; }
        }
        buf_addc(out, *p++);
    }
    return p;
}

static char *trimmed(buf *b)
{
    size_t n = b->len;
    const char *s = b->data;
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char *r = malloc(n + 1);
    if (!r) abort();
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

json_t *mapping_parse_spec(const char *text, size_t len, char *err, size_t errlen)
{
    if (len > 65536) { snprintf(err, errlen, "the mapping is longer than 64 KiB"); return NULL; }
    size_t skip = 0;
    while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\n')) skip++;
    if (skip < len && text[skip] == '{') {
        json_error_t je;
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!j) { snprintf(err, errlen, "cannot parse the mapping: %s", je.text); return NULL; }
        if (!json_is_object(j)) { json_decref(j); snprintf(err, errlen, "the mapping must be a JSON object"); return NULL; }
        return j;
    }
    json_t *out = json_object();
    buf piece;
    buf_init(&piece, 0);
    const char *p = text, *end = text + len;
    bool bad = false;
    while (p < end) {
        p = spec_piece(p, end, ",=", &piece, &bad);
        char *col = trimmed(&piece);
        if (bad || p == end || *p != '=') {
            snprintf(err, errlen, bad ? "the mapping ends with a lone backslash"
                                      : "mapping entry '%.60s' has no '=': write Column=field", col);
            free(col);
            goto fail;
        }
        if (!*col) { free(col); snprintf(err, errlen, "a mapping entry has no column name before '='"); goto fail; }
        p++;
        p = spec_piece(p, end, ",:", &piece, &bad);
        char *field = trimmed(&piece);
        json_t *v = NULL;
        if (!strcmp(field, "-") || !*field) v = json_null();
        else v = json_string(field);
        json_t *obj = NULL;
        while (!bad && p < end && *p == ':') {
            p = spec_piece(p + 1, end, ",:", &piece, &bad);
            char *opt = trimmed(&piece);
            if (!obj) {
                obj = json_object();
                if (v && !json_is_null(v)) json_object_set(obj, "field", v);
            }
            if (date_order_parse(opt) >= 0) json_object_set_new(obj, "date_order", json_string(opt));
            else if (valid_label(opt)) json_object_set_new(obj, "label", json_string(opt));
            else {
                snprintf(err, errlen, "mapping option '%.40s' of column '%.60s' is neither a label nor a date order", opt, col);
                free(opt);
                free(col);
                free(field);
                json_decref(v);
                json_decref(obj);
                goto fail;
            }
            free(opt);
        }
        if (obj) { json_decref(v); v = obj; }
        if (!v || bad) {
            snprintf(err, errlen, bad ? "the mapping ends with a lone backslash" : "mapping entry '%.60s' is not valid UTF-8", col);
            free(col);
            free(field);
            json_decref(v);
            goto fail;
        }
        if (json_object_get(out, col)) {
            snprintf(err, errlen, "column '%.60s' is mapped twice", col);
            free(col);
            free(field);
            json_decref(v);
            goto fail;
        }
        if (json_object_set_new(out, col, v) != 0) {
            snprintf(err, errlen, "column name '%.60s' is not valid UTF-8", col);
            free(col);
            free(field);
            goto fail;
        }
        free(col);
        free(field);
        if (p < end) p++;   /* the comma */
    }
    buf_release(&piece);
    return out;
fail:
    buf_release(&piece);
    json_decref(out);
    return NULL;
}

/* ---------- transforms ---------- */

static size_t space_len(const unsigned char *s, size_t n)
{
    if (n >= 1 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')) return 1;
    if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0) return 2;                                   /* NBSP */
    if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xaf || s[2] == 0x89)) return 3;  /* narrow / thin */
    return 0;
}

static size_t space_len_back(const unsigned char *s, size_t n)
{
    if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == '\v' || s[n - 1] == '\f')) return 1;
    if (n >= 2 && s[n - 2] == 0xc2 && s[n - 1] == 0xa0) return 2;
    if (n >= 3 && s[n - 3] == 0xe2 && s[n - 2] == 0x80 && (s[n - 1] == 0xaf || s[n - 1] == 0x89)) return 3;
    return 0;
}

const char *map_trim(const char *s, size_t *n)
{
    size_t k;
    while (*n && (k = space_len((const unsigned char *)s, *n))) { s += k; *n -= k; }
    while (*n && (k = space_len_back((const unsigned char *)s, *n))) *n -= k;
    /* our CSV export writes '=1+1 for a cell =1+1 so that spreadsheets do not run it */
    if (*n >= 2 && s[0] == '\'' && strchr("=+-@\t\r", s[1])) { s++; (*n)--; }
    return s;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

static bool ymd_out(int y, int m, int d, char out[11])
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in(y, m)) return false;
    out[0] = (char)('0' + y / 1000); out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10); out[3] = (char)('0' + y % 10);
    out[4] = '-'; out[5] = (char)('0' + m / 10); out[6] = (char)('0' + m % 10);
    out[7] = '-'; out[8] = (char)('0' + d / 10); out[9] = (char)('0' + d % 10);
    out[10] = 0;
    return true;
}

/* civil date from days since 1970-01-01 */
static void civil(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

bool map_parse_date(const char *s, size_t n, date_order order, char out[11])
{
    s = map_trim(s, &n);
    /* a date-time: its date part */
    for (size_t i = 6; i < n; i++)
        if (s[i] == 'T' || s[i] == ' ') { n = i; break; }
    if (n == 0 || n > 10) return false;
    /* a vCard birthday without its year ("--0415", "--04-15"): the year 1604, as Apple
     * Contacts stores such dates, rather than losing the card or the day */
    if (n >= 6 && s[0] == '-' && s[1] == '-') {
        char md[5];
        size_t k = 0;
        for (size_t i = 2; i < n && k < 5; i++)
            if (s[i] != '-') md[k++] = s[i];
        if (k != 4) return false;
        for (size_t i = 0; i < 4; i++) if (md[i] < '0' || md[i] > '9') return false;
        return ymd_out(1604, (md[0] - '0') * 10 + md[1] - '0', (md[2] - '0') * 10 + md[3] - '0', out);
    }
    bool all_digits = true;
    for (size_t i = 0; i < n; i++) all_digits &= s[i] >= '0' && s[i] <= '9';
    if (all_digits) {
        char tmp[12];
        memcpy(tmp, s, n);
        tmp[n] = 0;
        long v = strtol(tmp, NULL, 10);
        if (n == 8) return ymd_out((int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100), out);
        /* a spreadsheet serial day (1900 date system): 1 = 1900-01-01; Excel's phantom
         * 1900-02-29 (60) is refused, serials before it are one day early */
        if (n <= 7 && v >= 1 && v <= 2958465 && v != 60) {
            long long unix_days = v < 60 ? v - 25568 : v - 25569;
            int y, m, d;
            civil(unix_days, &y, &m, &d);
            return ymd_out(y, m, d, out);
        }
        return false;
    }
    int g[3] = {0, 0, 0}, glen[3] = {0, 0, 0}, ng = 0;
    char sep = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (glen[ng] >= 4) return false;
            g[ng] = g[ng] * 10 + (c - '0');
            glen[ng]++;
        } else if (c == '.' || c == '/' || c == '-') {
            if (!glen[ng] || ng == 2) {
                if (ng == 2 && c == '.' && i == n - 1) break;   /* "31.12.1980." */
                return false;
            }
            if (!sep) sep = c;
            ng++;
        } else {
            return false;
        }
    }
    if (ng != 2 || !glen[2]) return false;
    int y, m, d;
    if (glen[0] == 4) { y = g[0]; m = g[1]; d = g[2]; }
    else {
        if (glen[2] != 2 && glen[2] != 4) return false;
        int a = g[0], b = g[1];
        date_order o = order;
        if (o == DATE_AUTO || o == DATE_YMD) o = a > 12 ? DATE_DMY : b > 12 ? DATE_MDY : DATE_DMY;
        if (o == DATE_MDY) { m = a; d = b; } else { d = a; m = b; }
        y = g[2];
        if (glen[2] == 2) y += y < 30 ? 2000 : 1900;
    }
    return ymd_out(y, m, d, out);
}

bool map_parse_number(const char *s, size_t n, double *out)
{
    s = map_trim(s, &n);
    char tmp[64];
    size_t o = 0;
    const char *last_comma = NULL, *last_dot = NULL;
    int commas = 0, dots = 0;
    /* drop grouping spaces and apostrophes; keep digits, sign, separators, exponent */
    for (size_t i = 0; i < n;) {
        size_t k = space_len((const unsigned char *)s + i, n - i);
        if (k) { i += k; continue; }
        char c = s[i];
        if (c == '\'') { i++; continue; }
        if (c == ',') { commas++; last_comma = s + i; }
        if (c == '.') { dots++; last_dot = s + i; }
        if (o == sizeof tmp - 1) return false;
        tmp[o++] = c;
        i++;
    }
    tmp[o] = 0;
    if (!o) return false;
    /* the decimal separator: the later of ',' and '.', or a lone one */
    char dec = 0;
    if (commas && dots) dec = last_comma > last_dot ? ',' : '.';
    else if (commas == 1) dec = ',';
    else if (dots == 1) dec = '.';
    size_t w = 0;
    for (size_t i = 0; i < o; i++) {
        char c = tmp[i];
        if (c == ',' || c == '.') {
            if (c != dec) continue;
            c = '.';
        } else if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E')) {
            return false;
        }
        tmp[w++] = c;
    }
    tmp[w] = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (end == tmp || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

int map_parse_bool(const char *s, size_t n)
{
    static const char *const yes = "1|true|yes|y|x|+|да|д|истина|tak|t|prawda|sí|si|s|verdadero|ano|a|pravda|✓|✔";
    static const char *const no = "0|false|no|n|-|нет|н|ложь|nie|fałsz|f|falso|ne|nepravda";
    arena a;
    arena_init(&a);
    s = map_trim(s, &n);
    char *f = map_fold(&a, s, n);
    int r = -1;
    if (*f || n) {
        /* "+" and "-" fold to nothing: compare those as written */
        if (n == 1 && (*s == '+' || *s == '-')) r = *s == '+';
        else if (names_have(&a, yes, f)) r = 1;
        else if (names_have(&a, no, f)) r = 0;
    }
    arena_release(&a);
    return r;
}

/* ---------- names ---------- */

static bool ends_with_any(const char *w, const char *suffixes)
{
    size_t wl = strlen(w);
    for (const char *p = suffixes; *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (wl > n && !memcmp(w + wl - n, p, n)) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

/* folded (й→и, ё→е) endings of Russian surnames and patronymics */
#define SURNAME_ENDINGS "ов|ев|ин|ын|ова|ева|ина|ына|скии|цкии|ская|цкая|ых|их"
#define PATRONYMIC_ENDINGS "вич|вна|ична|инична|ич|оглы|кызы"

void map_split_name(arena *a, const char *s, size_t n, const char **first, const char **middle, const char **last)
{
    *first = *middle = *last = NULL;
    s = map_trim(s, &n);
    const char *comma = memchr(s, ',', n);
    if (!comma) comma = memchr(s, ';', n);
    if (comma) {   /* "Smith, John [Paul]" */
        size_t ln = (size_t)(comma - s), rn = n - ln - 1;
        const char *l = map_trim(s, &ln), *r = map_trim(comma + 1, &rn);
        if (ln) *last = arena_strndup(a, l, ln);
        if (rn) {
            const char *sp = memchr(r, ' ', rn);
            if (sp) {
                size_t fn = (size_t)(sp - r), mn = rn - fn - 1;
                const char *mid = map_trim(sp + 1, &mn);
                *first = arena_strndup(a, r, fn);
                if (mn) *middle = arena_strndup(a, mid, mn);
            } else {
                *first = arena_strndup(a, r, rn);
            }
        }
        return;
    }
    const char *w[4];
    size_t wl[4];
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < 4;) {
        size_t k;
        while (i < n && (k = space_len((const unsigned char *)s + i, n - i))) i += k;
        if (i == n) break;
        size_t st = i;
        while (i < n && !space_len((const unsigned char *)s + i, n - i)) i++;
        w[nw] = s + st;
        wl[nw] = (nw == 3) ? n - st : i - st;   /* the fourth "word" is the rest */
        nw++;
        if (nw == 4) break;
    }
    if (nw == 0) return;
    if (nw == 1) { *first = arena_strndup(a, w[0], wl[0]); return; }
    const char *f[3];
    for (size_t i = 0; i < 3 && i < nw; i++) f[i] = map_fold(a, w[i], wl[i]);
    if (nw == 2) {
        bool swap = ends_with_any(f[0], SURNAME_ENDINGS) && !ends_with_any(f[1], SURNAME_ENDINGS);
        *first = arena_strndup(a, w[swap], wl[swap]);
        *last = arena_strndup(a, w[!swap], wl[!swap]);
        return;
    }
    if (nw == 3 && ends_with_any(f[2], PATRONYMIC_ENDINGS)) {   /* Иванов Иван Иванович */
        *last = arena_strndup(a, w[0], wl[0]);
        *first = arena_strndup(a, w[1], wl[1]);
        *middle = arena_strndup(a, w[2], wl[2]);
        return;
    }
    if (nw == 3 && ends_with_any(f[1], PATRONYMIC_ENDINGS)) {   /* Иван Иванович Иванов */
        *first = arena_strndup(a, w[0], wl[0]);
        *middle = arena_strndup(a, w[1], wl[1]);
        *last = arena_strndup(a, w[2], wl[2]);
        return;
    }
    /* "Juan García López", "Jan van der Berg": the first word, then the family name(s) */
    *first = arena_strndup(a, w[0], wl[0]);
    size_t rest = (size_t)(s + n - w[1]);
    *last = arena_strndup(a, w[1], rest);
}

/* ---------- applying ---------- */

static void json_decref_cb(void *p) { json_decref(p); }

static json_t *new_obj(arena *a)
{
    json_t *o = json_object();
    arena_defer(a, json_decref_cb, o);
    return o;
}

/* the object a target path writes into, and the key within it */
static json_t *target_obj(const mapping *m, mapped_row *out, const char *path, const char **key, arena *a)
{
    json_t *obj = out->record;
    const char *lk = m->schema->linked;
    size_t ll = lk ? strlen(lk) : 0;
    if (lk && !strncmp(path, lk, ll) && path[ll] == '.') {
        if (!out->linked) out->linked = new_obj(a);
        obj = out->linked;
        path += ll + 1;
    }
    if (!strncmp(path, "custom_fields.", 14)) {
        json_t *cf = json_object_get(obj, "custom_fields");
        if (!cf) { cf = json_object(); json_object_set_new(obj, "custom_fields", cf); }
        obj = cf;
        path += 14;
    }
    *key = path;
    return obj;
}

static void push_key(arena *a, const char ***v, size_t *n, const char *s)
{
    /* grow by doubling; capacity is implied by n (powers of two from 4) */
    if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
        size_t cap = *n ? *n * 2 : 4;
        const char **w = arena_alloc(a, cap * sizeof *w);
        if (*n) memcpy(w, *v, *n * sizeof *w);
        *v = w;
    }
    (*v)[(*n)++] = s;
}

/* pieces of a multi-value cell: split at any of seps; trimmed, empty ones skipped */
static bool next_piece(const char **p, const char *end, const char *seps, const char **s, size_t *n)
{
    while (*p < end) {
        const char *st = *p;
        while (*p < end && !strchr(seps, **p)) (*p)++;
        size_t len = (size_t)(*p - st);
        if (*p < end) (*p)++;
        const char *t = map_trim(st, &len);
        if (len) { *s = t; *n = len; return true; }
    }
    return false;
}

/* vCard's "cell:+7 ..." entries: the label, translated to ours, and the value */
static const char *vcard_label(const char **s, size_t *n)
{
    const char *colon = memchr(*s, ':', *n);
    if (!colon) return NULL;
    size_t ln = (size_t)(colon - *s);
    for (size_t i = 0; i < ln; i++)
        if (!isalpha((unsigned char)(*s)[i]) && (*s)[i] != ',' && (*s)[i] != '-') return NULL;
    char t[64];
    snprintf(t, sizeof t, "%.*s", (int)(ln < 63 ? ln : 63), *s);
    *n -= ln + 1;
    *s = map_trim(colon + 1, n);
    if (strstr(t, "cell")) return "mobile";
    if (strstr(t, "fax")) return "fax";
    if (strstr(t, "work")) return "work";
    if (strstr(t, "home")) return "home";
    return "other";
}

static const char *col_name(const map_column *c, arena *a)
{
    return *c->header ? c->header : arena_printf(a, "#%zu", c->index + 1);
}

/* the value of a phone as stored: the text as typed when the store reads it as the same
 * number, else its E.164 form (an import with another default region than the server's) */
static json_t *phone_value(const char *s, size_t n, const map_apply_opts *o, const char **key, arena *a)
{
    phone_result pr, ps;
    *key = NULL;
    if (phone_parse(s, n, o->region, &pr) != 0) return json_stringn(s, n);
    *key = arena_strdup(a, pr.e164);
    if (!o->store_region || !strcasecmp(o->region ? o->region : "", o->store_region)) return json_stringn(s, n);
    if (phone_parse(s, n, o->store_region, &ps) == 0 && !strcmp(ps.e164, pr.e164)) return json_stringn(s, n);
    if (pr.extension[0]) return json_string(arena_printf(a, "%s ext. %s", pr.e164, pr.extension));
    return json_string(pr.e164);
}

static json_t *enum_value(const map_column *c, const char *s, size_t n, arena *a)
{
    const char *f = map_fold(a, s, n);
    if (c->values) {
        json_t *v = json_object_get(c->values, f);
        if (v) return json_incref(v);
    }
    json_t *ch = c->target->choices;
    size_t i;
    json_t *x;
    json_array_foreach(ch, i, x)
        if (json_is_string(x) && !strcmp(map_fold(a, json_string_value(x), json_string_length(x)), f)) return json_incref(x);
    return NULL;
}

static void set_once(json_t *obj, const char *key, json_t *v)
{
    if (!v) return;
    if (json_object_get(obj, key)) { json_decref(v); return; }   /* the first column wins */
    json_object_set_new(obj, key, v);
}

static void append(json_t *obj, const char *key, json_t *v)
{
    json_t *arr = json_object_get(obj, key);
    if (!arr) { arr = json_array(); json_object_set_new(obj, key, arr); }
    json_array_append_new(arr, v);
}

static void fill_name(const map_schema *s, json_t *obj, const char *prefix, const char *text, size_t n, arena *a)
{
    const char *first, *middle, *last;
    char path[64];
    snprintf(path, sizeof path, "%s%sfirst_name", prefix ? prefix : "", prefix ? "." : "");
    if (!map_schema_find(s, path)) {   /* an object with one name field */
        snprintf(path, sizeof path, "%s%sname", prefix ? prefix : "", prefix ? "." : "");
        if (map_schema_find(s, path)) set_once(obj, "name", json_stringn(text, n));
        return;
    }
    map_split_name(a, text, n, &first, &middle, &last);
    snprintf(path, sizeof path, "%s%smiddle_name", prefix ? prefix : "", prefix ? "." : "");
    bool has_middle = map_schema_find(s, path) != NULL;
    if (middle && !has_middle) {   /* no middle name field: keep it with the first name */
        first = arena_printf(a, "%s %s", first, middle);
        middle = NULL;
    }
    if (first) set_once(obj, "first_name", json_string(first));
    if (middle) set_once(obj, "middle_name", json_string(middle));
    if (last) set_once(obj, "last_name", json_string(last));
}

int mapping_apply(const mapping *m, const import_row *row, const map_apply_opts *o, arena *a, mapped_row *out, errs *e)
{
    memset(out, 0, sizeof *out);
    out->record = new_obj(a);
    out->empty = true;
    size_t before = e->n;
    const char *full[2] = {NULL, NULL};   /* full names of the record and of the linked one */
    size_t full_len[2] = {0, 0};
    for (size_t i = 0; i < m->n; i++) {
        const map_column *c = &m->cols[i];
        if (!c->target || c->index >= row->ncells) continue;
        size_t n = row->lens[c->index];
        const char *s = map_trim(row->cells[c->index], &n);
        if (!n) continue;
        out->empty = false;
        const map_target *t = c->target;
        const char *key;
        json_t *obj = target_obj(m, out, t->path, &key, a);
        bool linked = obj != out->record && obj != json_object_get(out->record, "custom_fields");
        const char *path = t->path;
        char tmp[32];
        switch (t->type) {
        case MV_TEXT:
            set_once(obj, key, json_stringn(s, n));
            break;
        case MV_INT: case MV_REAL: case MV_MONEY: {
            double d;
            if (!map_parse_number(s, n, &d)) {
                errs_add(e, path, "invalid_number", "column '%s': '%.*s' is not a number", col_name(c, a), (int)(n > 60 ? 60 : n), s);
                break;
            }
            if (t->type == MV_MONEY) d = round(d * 100);
            if (t->type != MV_REAL && (d != floor(d) || fabs(d) > 9e15)) {
                errs_add(e, path, "invalid_number", "column '%s': '%.*s' is not a whole number", col_name(c, a), (int)(n > 60 ? 60 : n), s);
                break;
            }
            set_once(obj, key, t->type == MV_REAL ? json_real(d) : json_integer((json_int_t)d));
            break;
        }
        case MV_BOOL: {
            int b = map_parse_bool(s, n);
            if (b < 0) errs_add(e, path, "invalid_bool", "column '%s': '%.*s' is neither yes nor no", col_name(c, a), (int)(n > 60 ? 60 : n), s);
            else set_once(obj, key, json_boolean(b));
            break;
        }
        case MV_DATE:
            if (!map_parse_date(s, n, c->dates, tmp))
                errs_add(e, path, "invalid_date", "column '%s': '%.*s' is not a date", col_name(c, a), (int)(n > 60 ? 60 : n), s);
            else set_once(obj, key, json_string(tmp));
            break;
        case MV_TIME: {
            char norm[32], day[11];
            char *z = arena_strndup(a, s, n);
            if (clock_parse_rfc3339(z, norm, NULL)) { set_once(obj, key, json_string(norm)); break; }
            const char *sp = strpbrk(z, " T");
            int hh = 0, mm = 0, ss = 0;
            bool ok = map_parse_date(z, sp ? (size_t)(sp - z) : n, c->dates, day);
            if (ok && sp) {
                int k = sscanf(sp + 1, "%2d:%2d:%2d", &hh, &mm, &ss);
                ok = k >= 2 && hh >= 0 && hh < 24 && mm >= 0 && mm < 60 && ss >= 0 && ss < 60;
            }
            if (!ok) errs_add(e, path, "invalid_time", "column '%s': '%.*s' is not a date and time", col_name(c, a), (int)(n > 60 ? 60 : n), s);
            else set_once(obj, key, json_string(arena_printf(a, "%sT%02d:%02d:%02dZ", day, hh, mm, ss)));
            break;
        }
        case MV_ENUM: {
            json_t *v = t->choices || c->values ? enum_value(c, s, n, a) : json_stringn(s, n);
            if (!v) errs_add(e, path, "invalid_choice", "column '%s': '%.*s' is not one of the choices of '%s'", col_name(c, a), (int)(n > 60 ? 60 : n), s, path);
            set_once(obj, key, v);
            break;
        }
        case MV_MULTI_ENUM: case MV_LIST: {
            const char *p = s, *end = s + n, *ps;
            size_t pn;
            while (next_piece(&p, end, ",;\n", &ps, &pn)) {
                json_t *v = t->type == MV_LIST || (!t->choices && !c->values) ? json_stringn(ps, pn) : enum_value(c, ps, pn, a);
                if (!v) { errs_add(e, path, "invalid_choice", "column '%s': '%.*s' is not one of the choices of '%s'", col_name(c, a), (int)(pn > 60 ? 60 : pn), ps, path); continue; }
                append(obj, key, v);
            }
            break;
        }
        case MV_PHONES: case MV_EMAILS: {
            const char *p = s, *end = s + n, *ps;
            size_t pn;
            /* vCard gives one "label:value" per line; a cell of a table may hold several
             * values separated by ; or , (emails also by spaces) */
            const char *seps = m->labelled ? "\n" : t->type == MV_PHONES ? ",;\n" : ",; \n\t";
            while (next_piece(&p, end, seps, &ps, &pn)) {
                const char *label = c->label;
                if (m->labelled) { const char *l = vcard_label(&ps, &pn); if (l) label = l; }
                if (!pn) continue;
                json_t *item = json_object();
                if (t->type == MV_PHONES) {
                    const char *k;
                    json_object_set_new(item, "value", phone_value(ps, pn, o, &k, a));
                    if (k && !linked) push_key(a, &out->phone_keys, &out->nphone_keys, k);
                } else {
                    json_object_set_new(item, "value", json_stringn(ps, pn));
                    if (!linked) {
                        char *low = arena_strndup(a, ps, pn);
                        for (char *q = low; *q; q++) *q = (char)tolower((unsigned char)*q);
                        push_key(a, &out->email_keys, &out->nemail_keys, low);
                    }
                }
                if (label) json_object_set_new(item, "label", json_string(label));
                append(obj, key, item);
            }
            break;
        }
        case MV_ADDRESS: {
            /* vCard: one "label:address" per line; a table cell is one address */
            const char *p = s, *end = s + n, *ps;
            size_t pn;
            while (next_piece(&p, end, m->labelled ? "\n" : "", &ps, &pn)) {
                const char *label = c->label;
                if (m->labelled) { const char *l = vcard_label(&ps, &pn); if (l) label = l; }
                if (!pn) continue;
                json_t *item = json_pack("{s:s%}", "street", ps, pn);
                if (!item) continue;
                if (label) json_object_set_new(item, "label", json_string(label));
                append(obj, key, item);
            }
            break;
        }
        case MV_PHONE: {
            const char *k;
            set_once(obj, key, phone_value(s, n, o, &k, a));
            break;
        }
        case MV_FULL_NAME:
            if (!full[linked]) { full[linked] = s; full_len[linked] = n; }
            break;
        case MV_OWNER:
            if (!out->owner) out->owner = arena_strndup(a, s, n);
            break;
        }
    }
    if (full[0]) fill_name(m->schema, out->record, NULL, full[0], full_len[0], a);
    if (full[1]) fill_name(m->schema, out->linked, m->schema->linked, full[1], full_len[1], a);
    return e->n > before ? -1 : 0;
}
