/* Credentials and principals; see auth.h. */
#include "domain/auth.h"
#include "core/log.h"
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* OWASP's Argon2id floor: 19 MiB, 2 passes. Keeps a login well under 100 ms on 2 cores and
 * the server's memory small while still costly for an attacker. */
#define PW_OPS 2
#define PW_MEM (19u * 1024 * 1024)

static char g_dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t g_dummy_once = PTHREAD_ONCE_INIT;

/* a real hash to verify against for unknown emails, so their answer takes as long; made on
 * the first login rather than at start-up, which every CLI command would pay for */
static void make_dummy_hash(void)
{
    char pw[33];
    randombytes_buf(pw, 32);
    for (int i = 0; i < 32; i++) pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
    pw[32] = 0;
    if (crypto_pwhash_str_alg(g_dummy_hash, pw, 32, PW_OPS, PW_MEM, crypto_pwhash_ALG_ARGON2ID13) != 0) abort();
}

int auth_init(void) { return sodium_init() < 0 ? -1 : 0; }

char *auth_hash_password(arena *a, const char *pw)
{
    size_t n = strlen(pw);
    if (n < 8 || n > 256) return NULL;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, pw, n, PW_OPS, PW_MEM, crypto_pwhash_ALG_ARGON2ID13) != 0) return NULL;
    return arena_strdup(a, out);
}

bool auth_check_password(const char *hash, const char *pw)
{
    if (!hash || !pw) return false;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

char *auth_secret_hash(arena *a, const char *secret)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
    char *hex = arena_alloc(a, sizeof h * 2 + 1);
    sodium_bin2hex(hex, sizeof h * 2 + 1, h, sizeof h);
    return hex;
}

void auth_new_secret(arena *a, char **secret, char **hash)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    size_t n = sodium_base64_encoded_len(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *secret = arena_alloc(a, n);
    sodium_bin2base64(*secret, n, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (hash) *hash = auth_secret_hash(a, *secret);
}

/* ---------- roles ---------- */

const char *scopes_default_json(const char *role)
{
    if (!strcmp(role, "admin")) return "{\"*\":\"all\"}";
    if (!strcmp(role, "head"))
        return "{\"users\":{\"read\":\"all\"},\"teams\":{\"read\":\"all\"},\"roles\":{\"read\":\"all\"},"
               "\"contacts\":\"all\",\"companies\":\"all\",\"leads\":\"all\",\"deals\":\"all\",\"activities\":\"all\","
               "\"pipelines\":\"all\",\"products\":\"all\",\"custom_fields\":{\"read\":\"all\"},"
               "\"imports\":\"all\",\"exports\":\"all\",\"reports\":\"all\",\"audit\":{\"read\":\"all\"}}";
    if (!strcmp(role, "manager"))
        return "{\"users\":{\"read\":\"all\"},\"teams\":{\"read\":\"all\"},\"roles\":{\"read\":\"all\"},"
               "\"contacts\":{\"read\":\"team\",\"write\":\"own\",\"delete\":\"own\"},"
               "\"companies\":{\"read\":\"team\",\"write\":\"own\",\"delete\":\"own\"},"
               "\"leads\":{\"read\":\"team\",\"write\":\"own\",\"delete\":\"own\"},"
               "\"deals\":{\"read\":\"team\",\"write\":\"own\",\"delete\":\"own\"},"
               "\"activities\":{\"read\":\"team\",\"write\":\"own\",\"delete\":\"own\"},"
               "\"pipelines\":{\"read\":\"all\"},\"products\":{\"read\":\"all\"},\"custom_fields\":{\"read\":\"all\"},"
               "\"imports\":{\"read\":\"own\",\"write\":\"own\"},\"reports\":{\"read\":\"own\"},\"audit\":{\"read\":\"own\"}}";
    return NULL;
}

/* A role's scopes: {"*": LEVEL} or {"<object>": LEVEL | {"read": LEVEL, ...}}. A bare
 * level applies to every action of the object; what is not named is none. */
int scopes_parse(const char *json, unsigned char scope[][4], char *err, size_t errlen)
{
    memset(scope, 0, OBJ_COUNT * 4);
    json_t *j = json_loads(json, 0, NULL);
    if (!json_is_object(j)) { snprintf(err, errlen, "scopes must be a JSON object"); json_decref(j); return -1; }
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(j, k, v) {
        int kind = strcmp(k, "*") ? obj_kind_parse(k) : -2;
        if (kind == -1) { snprintf(err, errlen, "unknown object '%s' in scopes", k); rc = -1; break; }
        unsigned char levels[4] = {0};
        if (json_is_string(v)) {
            int l = scope_level_parse(json_string_value(v));
            if (l < 0) { snprintf(err, errlen, "unknown level '%s' for '%s'", json_string_value(v), k); rc = -1; break; }
            memset(levels, l, 4);
        } else if (json_is_object(v)) {
            const char *ak;
            json_t *av;
            json_object_foreach(v, ak, av) {
                int act = scope_action_parse(ak);
                int l = json_is_string(av) ? scope_level_parse(json_string_value(av)) : -1;
                if (act < 0 || l < 0) { snprintf(err, errlen, "bad scope '%s.%s'", k, ak); rc = -1; break; }
                levels[act] = (unsigned char)l;
            }
            if (rc) break;
        } else {
            snprintf(err, errlen, "scope of '%s' must be a level or an object", k);
            rc = -1;
            break;
        }
        for (int o = 0; o < OBJ_COUNT; o++)
            if (kind == -2 || kind == o) memcpy(scope[o], levels, 4);
    }
    json_decref(j);
    return rc;
}

bool scopes_within(const unsigned char inner[][4], const unsigned char outer[][4])
{
    for (int o = 0; o < OBJ_COUNT; o++)
        for (int k = 0; k < ACT_COUNT; k++)
            if (inner[o][k] > outer[o][k]) return false;
    return true;
}

/* Every authenticated request loads its role's scopes; parsing the same JSON again
 * each time was a visible share of a card read. Each thread keeps the last few texts it
 * parsed: the text itself is the key, so an edited role is never served stale. */
static int scopes_parse_cached(const char *json, unsigned char scope[][4])
{
    enum { SLOTS = 4, MAX_TEXT = 4096 };
    static _Thread_local struct { char text[MAX_TEXT]; unsigned char scope[OBJ_COUNT][4]; bool used; } cache[SLOTS];
    static _Thread_local unsigned next;
    for (int i = 0; i < SLOTS; i++)
        if (cache[i].used && strcmp(cache[i].text, json) == 0) {
            memcpy(scope, cache[i].scope, sizeof cache[i].scope);
            return 0;
        }
    char err[128];
    if (scopes_parse(json, scope, err, sizeof err) != 0) return -1;
    if (strlen(json) < MAX_TEXT) {
        unsigned slot = next++ % SLOTS;
        strcpy(cache[slot].text, json);
        memcpy(cache[slot].scope, scope, sizeof cache[slot].scope);
        cache[slot].used = true;
    }
    return 0;
}

int principal_load(db *d, arena *a, long long user_id, principal *p)
{
    dbparams q;
    dbparams_init(&q, a);
    dbp_int(&q, user_id);
    db_cursor *c = db_query(d, "SELECT u.id, u.role_id, r.name, u.name, r.scopes FROM users u JOIN roles r ON r.id = u.role_id"
                               " WHERE u.id = ? AND u.disabled = 0", &q);
    if (!c) return -1;
    int rc = -1;
    if (db_step(c) == 1) {
        memset(p, 0, sizeof *p);
        p->user_id = db_col_int(c, 0);
        p->role_id = db_col_int(c, 1);
        snprintf(p->role, sizeof p->role, "%s", db_col_text(c, 2));
        snprintf(p->name, sizeof p->name, "%s", db_col_text(c, 3));
        rc = scopes_parse_cached(db_col_text(c, 4), p->scope);
    }
    db_done(c);
    return rc;
}

/* ---------- login ---------- */

static long long recent_failures(db *d, arena *a, const char *key, long long now)
{
    dbparams p;
    dbparams_init(&p, a);
    dbp_text(&p, key);
    dbp_int(&p, now - AUTH_FAIL_WINDOW_S);
    return db_scalar(d, "SELECT count(*) FROM login_failures WHERE key = ? AND at > ?", &p, 0);
}

static void note_failure(db *d, arena *a, const char *key, long long now)
{
    dbparams p;
    dbparams_init(&p, a);
    dbp_text(&p, key);
    dbp_int(&p, now);
    db_run(d, "INSERT INTO login_failures(key, at) VALUES(?, ?)", &p);
}

int auth_login(db *d, arena *a, const char *email, const char *password, const char *address,
               long long *user_id, char **session, char **csrf, int *retry_after)
{
    long long now = (long long)time(NULL);
    char *kacc = arena_printf(a, "account:%s", email);
    char *kaddr = arena_printf(a, "address:%s", address ? address : "?");
    for (char *p = kacc; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    if (recent_failures(d, a, kacc, now) >= AUTH_FAILS_PER_ACCOUNT || recent_failures(d, a, kaddr, now) >= AUTH_FAILS_PER_ADDRESS) {
        *retry_after = AUTH_FAIL_WINDOW_S;
        return -2;
    }
    dbparams p;
    dbparams_init(&p, a);
    dbp_text(&p, email);
    db_cursor *c = db_query(d, "SELECT id, password_hash FROM users WHERE email = ? AND disabled = 0", &p);
    long long uid = 0;
    char *hash = NULL;
    if (c && db_step(c) == 1) {
        uid = db_col_int(c, 0);
        if (!db_col_null(c, 1)) hash = arena_strdup(a, db_col_text(c, 1));
    }
    db_done(c);
    /* verify even for unknown users so timing does not reveal which emails exist */
    pthread_once(&g_dummy_once, make_dummy_hash);
    bool ok = auth_check_password(hash ? hash : g_dummy_hash, password) && uid && hash;
    if (!ok) {
        if (db_begin(d) == 0) {
            note_failure(d, a, kacc, now);
            note_failure(d, a, kaddr, now);
            db_commit(d);
        }
        return -1;
    }
    char *hashed;
    auth_new_secret(a, session, &hashed);
    char *csrf_hash;
    auth_new_secret(a, csrf, &csrf_hash);
    dbparams s;
    dbparams_init(&s, a);
    dbp_text(&s, hashed);
    dbp_int(&s, uid);
    dbp_text(&s, *csrf);
    dbp_int(&s, AUTH_SESSION_HOURS);
    dbparams f;
    dbparams_init(&f, a);
    dbp_text(&f, kacc);
    dbp_int(&f, now - AUTH_FAIL_WINDOW_S * 2);
    if (db_begin(d) != 0) return -3;
    if (db_run(d, "INSERT INTO sessions(token_hash, user_id, csrf, expires_at)"
                  " VALUES(?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+' || ? || ' hours'))", &s) < 0 ||
        db_run(d, "DELETE FROM login_failures WHERE key = ? OR at < ?", &f) < 0 ||
        /* expired sessions go with the next login, so the table holds live ones only */
        db_run(d, "DELETE FROM sessions WHERE expires_at <= strftime('%Y-%m-%dT%H:%M:%SZ','now')", NULL) < 0 ||
        db_commit(d) != 0) {
        db_rollback(d);
        return -3;
    }
    *user_id = uid;
    return 0;
}

long long auth_session_user(db *d, arena *a, const char *secret, char **csrf)
{
    dbparams p;
    dbparams_init(&p, a);
    dbp_text(&p, auth_secret_hash(a, secret));
    db_cursor *c = db_query(d, "SELECT user_id, csrf FROM sessions WHERE token_hash = ?"
                               " AND expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now')", &p);
    if (!c) return 0;
    long long uid = 0;
    if (db_step(c) == 1) {
        uid = db_col_int(c, 0);
        if (csrf) *csrf = arena_strdup(a, db_col_text(c, 1));
    }
    db_done(c);
    return uid;
}

/* The principals of the last API tokens seen, per thread, kept while the database has not
 * changed: integrations and dashboards that only read then ask nothing of the database
 * about who is calling. Any commit of any connection, in this process or another (a
 * `kartoteka user disable`), changes data_version, and every entry goes stale at once. */
enum { TOKEN_MEMO = 16 };
typedef struct token_memo {
    char hash[crypto_hash_sha256_BYTES * 2 + 1];
    long long version;
    principal p;
} token_memo;
static _Thread_local token_memo t_memo[TOKEN_MEMO];
static _Thread_local unsigned t_memo_next;

int auth_token_principal(db *d, arena *a, const char *secret, principal *p)
{
    const char *hash = auth_secret_hash(a, secret);
    long long version = db_data_version(d);
    for (int i = 0; i < TOKEN_MEMO && version >= 0; i++) {
        token_memo *m = &t_memo[i];
        if (m->version == version && !strcmp(m->hash, hash)) { *p = m->p; return 0; }
    }
    dbparams q;
    dbparams_init(&q, a);
    dbp_text(&q, hash);
    long long uid = db_scalar(d, "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", &q, 0);
    if (uid < 0) return -1;
    if (uid == 0) return 1;
    if (principal_load(d, a, uid, p) != 0) return 2;
    if (version >= 0) {
        token_memo *m = &t_memo[t_memo_next++ % TOKEN_MEMO];
        snprintf(m->hash, sizeof m->hash, "%s", hash);
        m->version = version;
        m->p = *p;
    }
    return 0;
}

void auth_logout(db *d, arena *a, const char *secret)
{
    dbparams p;
    dbparams_init(&p, a);
    dbp_text(&p, auth_secret_hash(a, secret));
    db_run(d, "DELETE FROM sessions WHERE token_hash = ?", &p);
}
