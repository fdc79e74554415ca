/* C shim over libphonenumber: see phone.h for what it does on top of the library and why.
 * It is built into its own shared object, opened on the first phone parsed (phone_shim.h),
 * so that the library is not loaded into processes that parse none.
 *
 * Everything that can throw (std::string, the library) runs inside one try block per
 * entry point, because an exception must never unwind into C callers. */
#include "util/phone_shim.h"

/* UBSan's vptr check needs the C++ half of clang's UBSan runtime, which clang only links
 * when the final link is done by clang++. Kartoteka links with the C driver (the program
 * is C), so under -fsanitize=undefined every vptr check here (and in the protobuf
 * accessors inlined from libphonenumber's headers) would be an undefined symbol. The
 * pragma turns that one check off for this file only; everything else stays checked. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("vptr"))), apply_to = function)
#endif

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "core/utf8.h"
#include "util/fold.h"
}

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

/* copies as much of s as fits, always NUL-terminated */
void phone_copy(char *dst, size_t cap, const std::string &s)
{
    size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
    memcpy(dst, s.data(), n);
    dst[n] = '\0';
}

void phone_input_digits(const char *text, size_t len, char (&out)[32])
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < sizeof out - 1; i++)
        if (text[i] >= '0' && text[i] <= '9') out[o++] = text[i];
    out[o] = '\0';
}

/* "ru" -> "RU"; anything but two ASCII letters or a code without a plan -> "ZZ", the
 * library's "unknown region", which still accepts numbers starting with + */
std::string phone_region_code(const char *region)
{
    if (!region) return "ZZ";
    std::string r;
    for (const char *p = region; *p; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z' || r.size() == 2) return "ZZ";
        r += c;
    }
    if (r.size() != 2) return "ZZ";
    if (PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(r) == 0) return "ZZ";
    return r;
}

/* Invalid UTF-8 and control characters become spaces: libphonenumber gives up on the
 * whole string when it meets invalid UTF-8, and a stray byte in an imported cell should
 * not lose the number next to it. */
std::string phone_clean(const char *text, size_t len)
{
    std::string s;
    s.reserve(len);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            s += (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
            i++;
            continue;
        }
        size_t step = utf8_valid_prefix_char(text + i, len - i);
        if (step == 0) {
            s += ' ';
            i++;
        } else {
            s.append(text + i, step);
            i += step;
        }
    }
    return s;
}

uint32_t phone_decode(const std::string &s, size_t i, size_t *step)
{
    unsigned char c = (unsigned char)s[i];
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; /* s is valid UTF-8 */
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
    *step = n;
    return cp;
}

/* letters of the scripts people write notes and extension words in; a word is a run of
 * these. Digits in other scripts (Arabic-Indic, fullwidth) are not letters. */
bool phone_is_letter(uint32_t cp)
{
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return true;
    if (cp >= 0xc0 && cp <= 0x24f) return cp != 0xd7 && cp != 0xf7;
    return cp >= 0x370 && cp <= 0x52f;
}

bool phone_is_digit(char c) { return c >= '0' && c <= '9'; }

struct phone_ext_word {
    const char *folded; /* as text_fold writes it: lowercase, no diacritics */
    bool needs_dot;     /* only as an abbreviation: a bare "w" is too easy to mistake */
};

/* Extension words in our customers' languages that libphonenumber does not recognise
 * (it knows ext, extn, x, #, доб, anexo, extensión and a few others). */
const phone_ext_word phone_ext_words[] = {
    {"wew", false},       {"wewn", false},       {"wewnetrzny", false}, {"w", true},
    {"kl", false},        {"klapka", false},     {"linka", false},
    {"вн", false},        {"внутр", false},      {"внутренний", false}, {"доп", false},
    {"durchwahl", false}, {"dw", false},         {"poste", false},
    {"int", false},       {"interno", false},    {"mellek", false},     {"dahili", false},
};

bool phone_is_ext_word(const std::string &word, bool dotted)
{
    char folded[64];
    if (word.size() >= sizeof folded) return false;
    text_fold(word.data(), word.size(), folded, sizeof folded);
    for (const phone_ext_word &w : phone_ext_words)
        if (strcmp(folded, w.folded) == 0 && (dotted || !w.needs_dot)) return true;
    return false;
}

/* Rewrites known extension words (and the '.', ':' and spaces after them) to "ext ". A word counts only between digits (a digit
 * somewhere before it, and after it only '.', ':' and spaces before the next digit), so
 * vanity numbers and names in front of the number are left alone. */
std::string phone_mark_extensions(const std::string &s)
{
    std::string out;
    out.reserve(s.size() + 8);
    bool seen_digit = false;
    size_t i = 0;
    while (i < s.size()) {
        size_t step;
        uint32_t cp = phone_decode(s, i, &step);
        if (!phone_is_letter(cp)) {
            if (phone_is_digit(s[i])) seen_digit = true;
            out.append(s, i, step);
            i += step;
            continue;
        }
        size_t end = i + step;
        while (end < s.size()) {
            size_t k;
            if (!phone_is_letter(phone_decode(s, end, &k))) break;
            end += k;
        }
        size_t j = end;
        bool dotted = j < s.size() && s[j] == '.';
        while (j < s.size()) {
            if (s[j] == '.' || s[j] == ':' || s[j] == ' ') j++;
            else if (s.compare(j, 2, "\xc2\xa0") == 0) j += 2;
            else break;
        }
        bool digit_after = j < s.size() && phone_is_digit(s[j]);
        if (seen_digit && digit_after && phone_is_ext_word(s.substr(i, end - i), dotted)) {
            /* the punctuation goes too: the library takes one '.' or ':', not ".:" */
            out += "ext ";
            i = j;
        } else {
            out.append(s, i, end - i);
            i = end;
        }
    }
    return out;
}

/* Where words start after the number has begun (the first digit): the places a trailing
 * note ("(Kasia)", "Вася", "pan Jan") may start. */
std::vector<size_t> phone_word_starts(const std::string &s)
{
    std::vector<size_t> starts;
    bool seen_digit = false, in_word = false;
    for (size_t i = 0; i < s.size();) {
        size_t step;
        bool letter = phone_is_letter(phone_decode(s, i, &step));
        if (phone_is_digit(s[i])) seen_digit = true;
        if (letter && !in_word && seen_digit) starts.push_back(i);
        in_word = letter;
        i += step;
    }
    return starts;
}

/* Text made only of ASCII digits, spaces, dashes, brackets and dots (one '+' in front at
 * most): the digits alone, which Parse reads as exactly the same number, a third faster
 * (its regular expressions cost time per character, and libphonenumber drops those
 * separators as punctuation; with no letters there is no extension or vanity number to
 * read). Anything else is kept as typed, and so are the two cases where the separators
 * change Parse's answer: fewer than three digits (two bare digits are a number, "1 2" is
 * not) and text longer than the library's 250 bytes (refused whole). */
std::string phone_compact(const std::string &s)
{
    if (s.size() > 250) return s;
    std::string digits;
    digits.reserve(s.size());
    bool started = false;   /* past the place a '+' may stand */
    size_t ndigits = 0;
    for (char c : s) {
        if (c == ' ') continue;
        if (c == '-' || c == '(' || c == ')' || c == '.') { started = true; continue; }
        if (c >= '0' && c <= '9') ndigits++;
        else if (c != '+' || started) return s;
        started = true;
        digits += c;
    }
    return ndigits >= 3 ? digits : s;
}

bool phone_try(const std::string &text, const std::string &region, PhoneNumber *num)
{
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    return util->Parse(phone_compact(text), region, num) == PhoneNumberUtil::NO_PARSING_ERROR;
}

/* libphonenumber's IsValidNumber is GetRegionCodeForNumber, then IsValidNumberForRegion
 * with that region: asked that way the region serves the answer too, instead of a second
 * search (for +7, +1, +44... the search matches the number against each region's plan) */
bool phone_valid(const PhoneNumber &num, std::string *where)
{
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    util->GetRegionCodeForNumber(num, where);
    return util->IsValidNumberForRegion(num, *where);
}

int phone_parse_cc(const char *text, size_t len, const char *default_region, phone_result *out)
{
    phone_input_digits(text, len, out->digits);
    if (len > PHONE_MAX_INPUT) return -1;

    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    const std::string region = phone_region_code(default_region);
    const std::string clean = phone_mark_extensions(phone_clean(text, len));

    PhoneNumber num;
    std::string where;
    bool ok = phone_try(clean, region, &num);
    /* validity is a third of a parse's time: asked once per candidate, remembered */
    bool valid = ok && phone_valid(num, &where);
    if (!valid) {
        /* Maybe a note follows the number. Drop words from the end, keeping as much text
         * as gives a valid number (so "1-800-FLOWERS Kasia" keeps FLOWERS). Real notes
         * are a word or three; with more words only the text before the first one is
         * tried, because each parse of text with letters costs the library time roughly
         * quadratic in its length (~0.3 ms at 256 bytes). When nothing is valid but the
         * whole text did not even parse, the text before the first word will do. */
        std::vector<size_t> starts = phone_word_starts(clean);
        PhoneNumber cut;
        std::string cut_where;
        for (size_t k = starts.size() <= 4 ? starts.size() : 1; k-- > 0;) {
            if (!phone_try(clean.substr(0, starts[k]), region, &cut)) continue;
            /* k == 0 is the last try: an invalid number beats none at all */
            bool cut_valid = phone_valid(cut, &cut_where);
            if (cut_valid || (k == 0 && !ok)) {
                num = cut;
                where = cut_where;
                ok = true;
                valid = cut_valid;
                break;
            }
        }
    }
    if (!ok) return -1;

    std::string e164;
    util->Format(num, PhoneNumberUtil::E164, &e164);
    if (e164.size() < 2 || e164[0] != '+') return -1; /* not expected; keeps the contract */
    if (where == "ZZ") util->GetRegionCodeForCountryCode(num.country_code(), &where);
    if (where == "ZZ") where.clear();

    phone_copy(out->e164, sizeof out->e164, e164);
    phone_copy(out->digits, sizeof out->digits, e164.substr(1));
    phone_copy(out->region, sizeof out->region, where);
    phone_copy(out->extension, sizeof out->extension, num.extension());
    out->valid = valid ? 1 : 0;
    out->possible = util->IsPossibleNumber(num) ? 1 : 0;
    return 0;
}

/* The last answers of this thread, by (region, text). One number is often read two or
 * three times in a row (an import's mapping, the card's validation, the duplicate check),
 * and a parse costs tens of microseconds; an answer depends on nothing but its input, so
 * a remembered one is exactly what a new parse would give. Direct-mapped, 64 entries. */
struct phone_memo_entry {
    bool used;
    int rc;
    char region[8];
    size_t len;
    char text[PHONE_MAX_INPUT];
    phone_result r;
};

enum { PHONE_MEMO = 64 };
thread_local phone_memo_entry phone_memo[PHONE_MEMO];

phone_memo_entry *phone_memo_slot(const char *text, size_t len, const char *region, bool *hit)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 16777619u;
    for (const char *p = region; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    phone_memo_entry *e = &phone_memo[h % PHONE_MEMO];
    *hit = e->used && e->len == len && strcmp(e->region, region) == 0 && memcmp(e->text, text, len) == 0;
    return e;
}

int phone_shim_parse(const char *text, size_t len, const char *default_region, phone_result *out)
{
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    if (!text) len = 0;
    const char *region = default_region ? default_region : "";
    bool memo = text && len <= PHONE_MAX_INPUT && strlen(region) < sizeof phone_memo[0].region, hit = false;
    phone_memo_entry *slot = memo ? phone_memo_slot(text, len, region, &hit) : nullptr;
    if (hit) {
        *out = slot->r;
        return slot->rc;
    }
    int rc;
    try {
        /* fills out only once it has a number, so -1 leaves just the digits key */
        rc = phone_parse_cc(text, len, default_region, out);
    } catch (...) {
        memset(out, 0, sizeof *out);
        phone_input_digits(text ? text : "", len, out->digits);
        return -1;
    }
    if (slot) {
        slot->used = true;
        slot->rc = rc;
        strcpy(slot->region, region);
        slot->len = len;
        if (len) memcpy(slot->text, text, len);
        slot->r = *out;
    }
    return rc;
}

int phone_shim_region_valid(const char *region)
{
    try {
        return phone_region_code(region) != "ZZ";
    } catch (...) {
        return 0;
    }
}

} // namespace

/* the one symbol the shared object exports (it is built with hidden visibility) */
extern "C" __attribute__((visibility("default"))) const phone_shim_api phone_shim = {
    phone_shim_parse,
    phone_shim_region_valid,
};

#if defined(__clang__)
#pragma clang attribute pop
#endif
