/* text_fold: the search key must make `lodz` find `Łódź` across the languages our
 * customers write names in, survive broken input, and respect the output capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/utf8.h"
#include "util/fold.h"

static void fold_is(const char *in, size_t n, const char *want)
{
    char out[512];
    size_t len = text_fold(in, n, out, sizeof out);
    if (strcmp(out, want) != 0) fprintf(stderr, "fold(%s) = [%s], want [%s]\n", in, out, want);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}
#define FOLD(in, want) fold_is((in), strlen(in), (want))

static void test_ascii(void **state)
{
    (void)state;
    FOLD("", "");
    FOLD("Hello World", "hello world");
    FOLD("ACME Sp. z o.o. [NIP 123-456-32-18]", "acme sp. z o.o. [nip 123-456-32-18]");
    FOLD("john.DOE+crm@Example.COM", "john.doe+crm@example.com");
    FOLD("tab\there\nnew line ~`!@#$%^&*()_=", "tab\there\nnew line ~`!@#$%^&*()_=");
}

static void test_polish(void **state)
{
    (void)state;
    FOLD("Łódź", "lodz");
    FOLD("ŁÓDŹ", "lodz");
    FOLD("Wrocław", "wroclaw");
    FOLD("Zażółć gęślą jaźń", "zazolc gesla jazn");
    FOLD("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc gesla jazn");
    FOLD("Grzegorz Brzęczyszczykiewicz", "grzegorz brzeczyszczykiewicz");
}

static void test_czech_slovak(void **state)
{
    (void)state;
    FOLD("Příliš žluťoučký kůň úpěl ďábelské ódy", "prilis zlutoucky kun upel dabelske ody");
    FOLD("ŘEHOŘ NĚMEC, Ústí nad Labem", "rehor nemec, usti nad labem");
    FOLD("Ľubomír Ťažký, Ĺ ĺ Ŕ ŕ Ô ô Ä ä Ň ň Ď", "lubomir tazky, l l r r o o a a n n d");
}

static void test_spanish_french_german(void **state)
{
    (void)state;
    FOLD("Señor Muñoz, ¿Cómo está? ¡Olé!", "senor munoz, ¿como esta? ¡ole!");
    FOLD("ÁÉÍÓÚÜÑ", "aeiouun");
    FOLD("Œuvre Ça Élève Noël Garçon Hôtel Maïs Ÿ ÿ", "oeuvre ca eleve noel garcon hotel mais y y");
    FOLD("Straße Müller ÄÖÜ äöü", "strasse muller aou aou");
    FOLD("GROẞ", "gross");
}

static void test_nordic_hungarian(void **state)
{
    (void)state;
    FOLD("Ærø Øresund Ålesund", "aero oresund alesund");
    FOLD("Þór Ðiðrik Søren æ ø å", "thor didrik soren ae o a");
    FOLD("Őrült Űrhajós ŐŰ őű", "orult urhajos ou ou");
}

static void test_romanian_turkish_baltic(void **state)
{
    (void)state;
    FOLD("Ștefan Țară ș ț Ş ş Ţ ţ Ă ă Â â Î î", "stefan tara s t s s t t a a a a i i");
    FOLD("İstanbul Iğdır ĞŞÇÖÜ ğşçöü ı", "istanbul igdir gscou gscou i");
    FOLD("Šiaulių Ąžuolas Ėglė Įvykis Ųū Čč", "siauliu azuolas egle ivykis uu cc");
    FOLD("Ģirts Ķēniņš Ļaudis Ŗīga Ā Ē Ī Ū", "girts kenins laudis riga a e i u");
    FOLD("Đorđe Đukić", "dorde dukic");
    FOLD("Ĳssel ĳ Ŀ ŀ Ħ ħ Ŧ ŧ Ŋ ŋ ĸ ſ", "ijssel ij l l h h t t n n k s");
    FOLD("Ơ ơ Ư ư", "o o u u");
}

static void test_cyrillic(void **state)
{
    (void)state;
    FOLD("ЁЛКИН", "елкин");
    FOLD("ёлкин", "елкин");
    FOLD("Ёлкин", "елкин");
    FOLD("Йошкар-Ола, Иван Йович", "иошкар-ола, иван иович");
    FOLD("МОСКВА Санкт-Петербург", "москва санкт-петербург");
    FOLD("АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ", "абвгдежзиклмнопрстуфхцчшщъыьэюя");
    FOLD("абвгдежзиклмнопрстуфхцчшщъыьэюя", "абвгдежзиклмнопрстуфхцчшщъыьэюя");
    /* Ukrainian, Belarusian, Serbian, Macedonian, Kazakh */
    FOLD("Їжак Ґанок Єва Іван ї", "іжак ґанок єва іван і");
    FOLD("Ўладзімір ў", "уладзімір у");
    FOLD("Ђорђе Љубица Њиве Џеј Ћирилица Јован Ѕ", "ђорђе љубица њиве џеј ћирилица јован ѕ");
    FOLD("Ѓорѓи Ќерка Ѐ Ѝ", "горги керка е и");
    FOLD("ҚАЗАҚСТАН Әлия Өскемен Ұлы Үй Ғ Ң Һ", "қазақстан әлия өскемен ұлы үи ғ ң һ");
}

static void test_greek(void **state)
{
    (void)state;
    FOLD("ΑΘΗΝΑ", "αθηνα");
    FOLD("Άρης Οδυσσέας", "αρησ οδυσσεασ"); /* final ς folds to σ */
    FOLD("ΐ ΰ Ϊ Ϋ ϊ ϋ ό ύ ώ Ώ Ή", "ι υ ι υ ι υ ο υ ω ω η");
}

static void test_other_code_points_unchanged(void **state)
{
    (void)state;
    FOLD("東京 😀 ١٢٣ שלום € × ÷ ª º µ ¿ ©", "東京 😀 ١٢٣ שלום € × ÷ ª º µ ¿ ©");
    FOLD("\xc2\xa0nbsp\xc2\xa0", "\xc2\xa0nbsp\xc2\xa0");
}

static void test_combining_marks_dropped(void **state)
{
    (void)state;
    /* NFD as macOS writes it: o + U+0301, z + U+0301, e + U+0308 */
    FOLD("Lo\xcc\x81" "dz\xcc\x81", "lodz");
    FOLD("Noe\xcc\x88l", "noel");
    FOLD("\xcc\x81", "");
    /* folding the decomposed and precomposed spellings gives one key */
    char a[64], b[64];
    text_fold("Mu\xcc\x88ller", strlen("Mu\xcc\x88ller"), a, sizeof a);
    text_fold("MÜLLER", strlen("MÜLLER"), b, sizeof b);
    assert_string_equal(a, b);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    FOLD("\xff", " ");
    FOLD("a\xff" "b", "a b");
    FOLD("\x80" "abc", " abc");
    FOLD("a\xc3", "a ");                      /* truncated at end of input */
    FOLD("\xc3" "A", " a");                   /* lead byte followed by ASCII */
    FOLD("\xc0\xaf", "  ");                   /* overlong '/' */
    FOLD("\xed\xa0\x80", "   ");              /* surrogate U+D800 */
    FOLD("\xf4\x90\x80\x80", "    ");         /* past U+10FFFF */
    FOLD("\xe2\x82" "\xc5\x81", "  l");       /* cut sequence, then a valid Ł */
    /* a legacy cp1251 string ("Иван") is not UTF-8: every byte becomes a space */
    FOLD("\xc8\xe2\xe0\xed", "    ");
    /* explicit length: embedded NUL becomes a space, bytes past n are ignored */
    fold_is("a\0B", 3, "a b");
    fold_is("ABCDEF", 3, "abc");
    /* a lead byte whose continuation lies past n is invalid, not read */
    fold_is("x\xc5\x81", 2, "x ");
}

static void test_null_and_empty(void **state)
{
    (void)state;
    char out[4] = "zzz";
    assert_int_equal(text_fold(NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(text_fold("abc", 3, NULL, 0), 0);
}

static void test_cap_boundary(void **state)
{
    (void)state;
    char out[16];

    memset(out, 'X', sizeof out);
    assert_int_equal(text_fold("abc", 3, out, 0), 0);
    assert_int_equal(out[0], 'X'); /* cap 0: nothing written */

    memset(out, 'X', sizeof out);
    assert_int_equal(text_fold("abc", 3, out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(out[1], 'X');

    memset(out, 'X', sizeof out);
    assert_int_equal(text_fold("ABC", 3, out, 3), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(out[3], 'X');

    assert_int_equal(text_fold("ABC", 3, out, 4), 3);
    assert_string_equal(out, "abc");

    /* two-byte letters are never split: "жж" needs 4 bytes + NUL */
    const char *zh = "ЖЖ";
    for (size_t cap = 1; cap <= 6; cap++) {
        memset(out, 'X', sizeof out);
        size_t len = text_fold(zh, strlen(zh), out, cap);
        size_t want = cap >= 5 ? 4 : cap >= 3 ? 2 : 0;
        assert_int_equal(len, want);
        assert_int_equal(strlen(out), want);
        assert_memory_equal(out, "жж", want);
        assert_int_equal(out[cap], 'X');
    }

    /* ß -> "ss" is written whole or not at all, and nothing after it is taken instead */
    memset(out, 'X', sizeof out);
    assert_int_equal(text_fold("ßa", 3, out, 2), 0);
    assert_string_equal(out, "");
    assert_int_equal(text_fold("ßa", 3, out, 3), 2);
    assert_string_equal(out, "ss");
    assert_int_equal(text_fold("ßa", 3, out, 4), 3);
    assert_string_equal(out, "ssa");

    /* a four-byte code point needs cap 5 */
    const char *emoji = "😀";
    assert_int_equal(text_fold(emoji, 4, out, 4), 0);
    assert_int_equal(text_fold(emoji, 4, out, 5), 4);
    assert_string_equal(out, emoji);

    /* cap = n + 1 always suffices */
    const char *s = "Łódź ẞ Ærø ΆΡΗΣ Ёлкин 😀 \xff";
    size_t n = strlen(s);
    char *big = malloc(n + 1);
    assert_non_null(big);
    size_t len = text_fold(s, n, big, n + 1);
    assert_true(len <= n);
    assert_string_equal(big, "lodz ss aero αρησ елкин 😀  ");
    free(big);
}

static size_t encode(uint32_t cp, char *buf)
{
    if (cp < 0x80) { buf[0] = (char)cp; return 1; }
    if (cp < 0x800) { buf[0] = (char)(0xc0 | cp >> 6); buf[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | cp >> 12); buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f)); return 3;
    }
    buf[0] = (char)(0xf0 | cp >> 18); buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); buf[3] = (char)(0x80 | (cp & 0x3f)); return 4;
}

/* Properties over every code point: the key is valid UTF-8, never longer than its
 * source, and folding a key again changes nothing (so stored keys and query keys agree
 * whichever side has already been folded). */
static void test_properties_all_code_points(void **state)
{
    (void)state;
    char in[8], once[16], twice[16];
    for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        size_t n = encode(cp, in);
        size_t a = text_fold(in, n, once, sizeof once);
        assert_true(a <= n);
        assert_true(utf8_valid(once, a));
        size_t b = text_fold(once, a, twice, sizeof twice);
        assert_int_equal(a, b);
        assert_memory_equal(once, twice, a);
    }
}

/* Upper and lower case of every Latin-1 / Latin Extended-A / Greek / Cyrillic pair fold
 * to the same key. */
static void test_case_pairs_agree(void **state)
{
    (void)state;
    static const uint32_t pairs[][2] = {
        {0xc0, 0xe0}, {0xc6, 0xe6}, {0xc7, 0xe7}, {0xd0, 0xf0}, {0xd1, 0xf1}, {0xd8, 0xf8},
        {0xde, 0xfe}, {0x178, 0xff}, {0x141, 0x142}, {0x110, 0x111}, {0x152, 0x153},
        {0x1e9e, 0xdf}, {0x130, 0x131}, {0x401, 0x451}, {0x419, 0x439}, {0x407, 0x457},
        {0x40e, 0x45e}, {0x490, 0x491}, {0x4d8, 0x4d9}, {0x3a3, 0x3c2}, {0x38f, 0x3ce},
        {0x218, 0x219}, {0x21a, 0x21b}, {0x15e, 0x15f},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char a[8], b[8], fa[16], fb[16];
        size_t na = encode(pairs[i][0], a), nb = encode(pairs[i][1], b);
        text_fold(a, na, fa, sizeof fa);
        text_fold(b, nb, fb, sizeof fb);
        assert_string_equal(fa, fb);
    }
    /* every letter of Latin Extended-A folds to plain ASCII */
    for (uint32_t cp = 0x100; cp <= 0x17f; cp++) {
        char in[4], out[8];
        size_t n = encode(cp, in);
        size_t len = text_fold(in, n, out, sizeof out);
        assert_true(len >= 1);
        for (size_t k = 0; k < len; k++) assert_true(out[k] >= 'a' && out[k] <= 'z');
    }
}

static void test_long_input(void **state)
{
    (void)state;
    const char *unit = "Łódź ЁЛКИН \xff ";
    size_t ul = strlen(unit), reps = 20000, n = ul * reps;
    char *in = malloc(n), *out = malloc(n + 1);
    assert_non_null(in);
    assert_non_null(out);
    for (size_t i = 0; i < reps; i++) memcpy(in + i * ul, unit, ul);
    size_t len = text_fold(in, n, out, n + 1);
    assert_true(len <= n);
    assert_int_equal(out[len], '\0');
    assert_memory_equal(out, "lodz елкин   lodz", 17);
    /* a cap that leaves one byte for a two-byte letter stops before it */
    len = text_fold(in, n, out, 7);
    assert_string_equal(out, "lodz ");
    free(in);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_polish),
        cmocka_unit_test(test_czech_slovak),
        cmocka_unit_test(test_spanish_french_german),
        cmocka_unit_test(test_nordic_hungarian),
        cmocka_unit_test(test_romanian_turkish_baltic),
        cmocka_unit_test(test_cyrillic),
        cmocka_unit_test(test_greek),
        cmocka_unit_test(test_other_code_points_unchanged),
        cmocka_unit_test(test_combining_marks_dropped),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_cap_boundary),
        cmocka_unit_test(test_properties_all_code_points),
        cmocka_unit_test(test_case_pairs_agree),
        cmocka_unit_test(test_long_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
