/* json_members: see json_members.h. */
#include "core/json_members.h"
#include <stdlib.h>
#include <string.h>

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* s[i] is the opening quote; the index just past the closing one, or len */
static size_t string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') return i + 1;
    }
    return len;
}

/* the index just past the value starting at s[i], or len */
static size_t value_end(const char *s, size_t len, size_t i)
{
    if (i >= len) return len;
    if (s[i] == '"') return string_end(s, len, i);
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
            i++;
        return i;
    }
    int depth = 0;
    while (i < len) {
        char ch = s[i];
        if (ch == '"') { i = string_end(s, len, i); continue; }
        if (ch == '{' || ch == '[') depth++;
        else if ((ch == '}' || ch == ']') && --depth == 0) return i + 1;
        i++;
    }
    return len;
}

bool json_members_next(const char *s, size_t len, size_t *pos, json_member *m)
{
    size_t i = skip_space(s, len, *pos);
    if (*pos == 0) {
        if (i >= len || s[i] != '{') { *pos = len; return false; }
        i = skip_space(s, len, i + 1);
    } else if (i < len && s[i] == ',') {
        i = skip_space(s, len, i + 1);
    }
    if (i >= len || s[i] != '"') { *pos = len; return false; }
    size_t key_end = string_end(s, len, i);
    if (key_end >= len) { *pos = len; return false; }
    m->key = s + i + 1;
    m->key_len = key_end - i - 2;
    i = skip_space(s, len, key_end);
    if (i >= len || s[i] != ':') { *pos = len; return false; }
    i = skip_space(s, len, i + 1);
    size_t end = value_end(s, len, i);
    if (end >= len || end == i) { *pos = len; return false; }   /* an object ends with '}' after its last value */
    m->value = s + i;
    m->value_len = end - i;
    *pos = end;
    return true;
}

bool json_members_find(const char *s, size_t len, const char *key, json_member *m)
{
    size_t n = strlen(key), pos = 0;
    while (json_members_next(s, len, &pos, m))
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return true;
    return false;
}

bool json_members_int(const char *s, size_t len, const char *key, long long *v)
{
    json_member m;
    if (!json_members_find(s, len, key, &m) || !(m.value[0] == '-' || (m.value[0] >= '0' && m.value[0] <= '9'))) return false;
    char *end;
    *v = strtoll(m.value, &end, 10);
    return end == m.value + m.value_len;
}
