/* auth: passwords, sessions, API tokens, login throttling and loading the principal.
 *
 * Secrets (session ids, API tokens) are 32 random bytes shown to the client once in
 * base64url; only their SHA-256 is stored, so a copy of the database cannot be replayed
 * as a login. Passwords are Argon2id (libsodium crypto_pwhash_str). */
#ifndef KT_AUTH_H
#define KT_AUTH_H
#include <stdbool.h>
#include "domain/ctx.h"

enum { AUTH_SESSION_HOURS = 12, AUTH_FAILS_PER_ACCOUNT = 5, AUTH_FAILS_PER_ADDRESS = 20, AUTH_FAIL_WINDOW_S = 900 };

int auth_init(void);   /* sodium_init; -1 when the library cannot start */
/* Argon2id hash (arena); NULL when the password is unusable (shorter than 8 or longer than 256) */
char *auth_hash_password(arena *a, const char *password);
bool auth_check_password(const char *hash, const char *password);
/* random secret as base64url (43 chars) and its storage hash (hex) */
void auth_new_secret(arena *a, char **secret, char **hash);
char *auth_secret_hash(arena *a, const char *secret);

/* loads the principal of an active user; -1 when missing or disabled */
int principal_load(db *d, arena *a, long long user_id, principal *p);
/* role scopes JSON -> table; -1 with a message when malformed */
int scopes_parse(const char *json, unsigned char scope[][4], char *err, size_t errlen);
const char *scopes_default_json(const char *role);   /* built-in role definitions */
/* whether every level of `inner` is at most the same level of `outer` */
bool scopes_within(const unsigned char inner[][4], const unsigned char outer[][4]);

/* login: 0 ok (session secret and csrf filled), -1 bad credentials, -2 throttled */
int auth_login(db *d, arena *a, const char *email, const char *password, const char *address,
               long long *user_id, char **session, char **csrf, int *retry_after);
/* session/token lookup: user id or 0; csrf out for sessions */
long long auth_session_user(db *d, arena *a, const char *secret, char **csrf);
/* the principal of an API token: 0, 1 when the token is unknown or revoked, 2 when its user
 * is disabled, -1 on a database error */
int auth_token_principal(db *d, arena *a, const char *secret, principal *p);
void auth_logout(db *d, arena *a, const char *secret);
#endif
