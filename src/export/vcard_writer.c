/* vCard 4.0 (RFC 6350) cards for contact and company exports. See writer.h. */
#include "export/writer.h"
#include "core/arena.h"
#include "core/buf.h"
#include <stdlib.h>
#include <string.h>

/* one content line: name, value escaped for the property kind, folded at 75 octets
 * without splitting a UTF-8 sequence */
static void line_begin(buf *out, size_t *start) { *start = out->len; }

static void line_end(buf *out, size_t start)
{
    /* fold in place: copy the line out, then write it back in pieces */
    size_t len = out->len - start;
    if (len <= 75) { buf_add(out, "\r\n", 2); return; }
    char *copy = xmalloc(len);
    memcpy(copy, out->data + start, len);
    out->len = start;
    size_t i = 0, width = 75;
    while (i < len) {
        size_t k = len - i < width ? len - i : width;
        while (i + k < len && k > 1 && ((unsigned char)copy[i + k] & 0xc0) == 0x80) k--;
        if (i) buf_add(out, "\r\n ", 3);
        buf_add(out, copy + i, k);
        i += k;
        width = 74;   /* the leading space of a continuation counts */
    }
    buf_add(out, "\r\n", 2);
    free(copy);
}

/* text escaping: \ , ; and newlines (component separators are escaped too, as
 * RFC 6350 asks in every text value) */
static void esc(buf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '\\': buf_add(out, "\\\\", 2); break;
        case ',': buf_add(out, "\\,", 2); break;
        case ';': buf_add(out, "\\;", 2); break;
        case '\n': buf_add(out, "\\n", 2); break;
        case '\r': break;
        default: buf_addc(out, *s);
        }
    }
}

static void prop(buf *out, const char *name, const char *value)
{
    if (!value || !*value) return;
    size_t st;
    line_begin(out, &st);
    buf_adds(out, name);
    buf_addc(out, ':');
    esc(out, value);
    line_end(out, st);
}

static const char *vcard_type(const char *label)
{
    if (!label) return NULL;
    if (!strcmp(label, "mobile") || !strcmp(label, "cell")) return "cell";
    if (!strcmp(label, "work") || !strcmp(label, "home") || !strcmp(label, "fax") || !strcmp(label, "voice") ||
        !strcmp(label, "text") || !strcmp(label, "video") || !strcmp(label, "pager"))
        return label;
    return NULL;
}

static void multi(buf *out, const char *name, const vcard_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i].value || !*v[i].value) continue;
        size_t st;
        line_begin(out, &st);
        buf_adds(out, name);
        const char *t = vcard_type(v[i].label);
        if (t) { buf_adds(out, ";TYPE="); buf_adds(out, t); }
        if (i == 0) buf_adds(out, ";PREF=1");
        buf_addc(out, ':');
        esc(out, v[i].value);
        line_end(out, st);
    }
}

void vcard_write(buf *out, const vcard_card *c)
{
    buf_adds(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
    prop(out, "UID", c->uid);
    if (c->organization) buf_adds(out, "KIND:org\r\n");
    /* FN is required: the name as written, else its parts, else the organisation */
    const char *fn = c->full_name;
    buf name;
    buf_init(&name, 0);
    if (!fn || !*fn) {
        const char *parts[] = {c->first_name, c->middle_name, c->last_name};
        for (int i = 0; i < 3; i++)
            if (parts[i] && *parts[i]) { if (name.len) buf_addc(&name, ' '); buf_adds(&name, parts[i]); }
        fn = name.len ? name.data : c->org && *c->org ? c->org : "-";
    }
    prop(out, "FN", fn);
    buf_release(&name);
    if (!c->organization && (c->first_name || c->last_name || c->middle_name)) {
        size_t st;
        line_begin(out, &st);
        buf_adds(out, "N:");
        esc(out, c->last_name);
        buf_addc(out, ';');
        esc(out, c->first_name);
        buf_addc(out, ';');
        esc(out, c->middle_name);
        buf_adds(out, ";;");
        line_end(out, st);
    }
    prop(out, "ORG", c->org);
    prop(out, "TITLE", c->title);
    multi(out, "TEL", c->phones, c->nphones);
    multi(out, "EMAIL", c->emails, c->nemails);
    if (c->birthday && strlen(c->birthday) == 10) {   /* RFC 6350 dates are the basic form */
        char b[9] = {c->birthday[0], c->birthday[1], c->birthday[2], c->birthday[3],
                     c->birthday[5], c->birthday[6], c->birthday[8], c->birthday[9], 0};
        prop(out, "BDAY", b);
    }
    if (c->address && *c->address) {
        size_t st;
        line_begin(out, &st);
        buf_adds(out, "ADR:;;");
        esc(out, c->address);
        buf_adds(out, ";;;;");
        line_end(out, st);
    }
    prop(out, "URL", c->url);
    prop(out, "NOTE", c->note);
    if (c->ncategories) {
        size_t st;
        line_begin(out, &st);
        buf_adds(out, "CATEGORIES:");
        for (size_t i = 0; i < c->ncategories; i++) {
            if (i) buf_addc(out, ',');
            esc(out, c->categories[i]);
        }
        line_end(out, st);
    }
    if (c->rev && strlen(c->rev) == 20) {   /* 2026-05-01T09:30:00Z -> 20260501T093000Z */
        const char *r = c->rev;
        char b[17] = {r[0], r[1], r[2], r[3], r[5], r[6], r[8], r[9], 'T', r[11], r[12], r[14], r[15], r[17], r[18], 'Z', 0};
        prop(out, "REV", b);
    }
    buf_adds(out, "END:VCARD\r\n");
}
