/* Search-key folding: see fold.h for what is folded and why.
 *
 * The mapping lives in one sorted table (code point -> folded UTF-8) searched by binary
 * search, so adding a letter is one line and the code has no per-script branches. ASCII
 * takes a fast path because names are mostly ASCII. The table was produced from Unicode
 * data (canonical decomposition with marks dropped, then lowercase) plus hand-written
 * entries for letters that have no decomposition (ł, ø, đ, ß, æ, þ, ı, ħ, ŧ, ŋ...). */
#include "util/fold.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

struct fold_entry {
    uint32_t cp;
    char to[4]; /* NUL-terminated UTF-8, at most as many bytes as cp's own encoding */
};

static const struct fold_entry fold_table[] = {
    {0x00C0, "a"}, /* À latin capital letter a with grave */
    {0x00C1, "a"}, /* Á latin capital letter a with acute */
    {0x00C2, "a"}, /* Â latin capital letter a with circumflex */
    {0x00C3, "a"}, /* Ã latin capital letter a with tilde */
    {0x00C4, "a"}, /* Ä latin capital letter a with diaeresis */
    {0x00C5, "a"}, /* Å latin capital letter a with ring above */
    {0x00C6, "ae"}, /* Æ latin capital letter ae */
    {0x00C7, "c"}, /* Ç latin capital letter c with cedilla */
    {0x00C8, "e"}, /* È latin capital letter e with grave */
    {0x00C9, "e"}, /* É latin capital letter e with acute */
    {0x00CA, "e"}, /* Ê latin capital letter e with circumflex */
    {0x00CB, "e"}, /* Ë latin capital letter e with diaeresis */
    {0x00CC, "i"}, /* Ì latin capital letter i with grave */
    {0x00CD, "i"}, /* Í latin capital letter i with acute */
    {0x00CE, "i"}, /* Î latin capital letter i with circumflex */
    {0x00CF, "i"}, /* Ï latin capital letter i with diaeresis */
    {0x00D0, "d"}, /* Ð latin capital letter eth */
    {0x00D1, "n"}, /* Ñ latin capital letter n with tilde */
    {0x00D2, "o"}, /* Ò latin capital letter o with grave */
    {0x00D3, "o"}, /* Ó latin capital letter o with acute */
    {0x00D4, "o"}, /* Ô latin capital letter o with circumflex */
    {0x00D5, "o"}, /* Õ latin capital letter o with tilde */
    {0x00D6, "o"}, /* Ö latin capital letter o with diaeresis */
    {0x00D8, "o"}, /* Ø latin capital letter o with stroke */
    {0x00D9, "u"}, /* Ù latin capital letter u with grave */
    {0x00DA, "u"}, /* Ú latin capital letter u with acute */
    {0x00DB, "u"}, /* Û latin capital letter u with circumflex */
    {0x00DC, "u"}, /* Ü latin capital letter u with diaeresis */
    {0x00DD, "y"}, /* Ý latin capital letter y with acute */
    {0x00DE, "th"}, /* Þ latin capital letter thorn */
    {0x00DF, "ss"}, /* ß latin small letter sharp s */
    {0x00E0, "a"}, /* à latin small letter a with grave */
    {0x00E1, "a"}, /* á latin small letter a with acute */
    {0x00E2, "a"}, /* â latin small letter a with circumflex */
    {0x00E3, "a"}, /* ã latin small letter a with tilde */
    {0x00E4, "a"}, /* ä latin small letter a with diaeresis */
    {0x00E5, "a"}, /* å latin small letter a with ring above */
    {0x00E6, "ae"}, /* æ latin small letter ae */
    {0x00E7, "c"}, /* ç latin small letter c with cedilla */
    {0x00E8, "e"}, /* è latin small letter e with grave */
    {0x00E9, "e"}, /* é latin small letter e with acute */
    {0x00EA, "e"}, /* ê latin small letter e with circumflex */
    {0x00EB, "e"}, /* ë latin small letter e with diaeresis */
    {0x00EC, "i"}, /* ì latin small letter i with grave */
    {0x00ED, "i"}, /* í latin small letter i with acute */
    {0x00EE, "i"}, /* î latin small letter i with circumflex */
    {0x00EF, "i"}, /* ï latin small letter i with diaeresis */
    {0x00F0, "d"}, /* ð latin small letter eth */
    {0x00F1, "n"}, /* ñ latin small letter n with tilde */
    {0x00F2, "o"}, /* ò latin small letter o with grave */
    {0x00F3, "o"}, /* ó latin small letter o with acute */
    {0x00F4, "o"}, /* ô latin small letter o with circumflex */
    {0x00F5, "o"}, /* õ latin small letter o with tilde */
    {0x00F6, "o"}, /* ö latin small letter o with diaeresis */
    {0x00F8, "o"}, /* ø latin small letter o with stroke */
    {0x00F9, "u"}, /* ù latin small letter u with grave */
    {0x00FA, "u"}, /* ú latin small letter u with acute */
    {0x00FB, "u"}, /* û latin small letter u with circumflex */
    {0x00FC, "u"}, /* ü latin small letter u with diaeresis */
    {0x00FD, "y"}, /* ý latin small letter y with acute */
    {0x00FE, "th"}, /* þ latin small letter thorn */
    {0x00FF, "y"}, /* ÿ latin small letter y with diaeresis */
    {0x0100, "a"}, /* Ā latin capital letter a with macron */
    {0x0101, "a"}, /* ā latin small letter a with macron */
    {0x0102, "a"}, /* Ă latin capital letter a with breve */
    {0x0103, "a"}, /* ă latin small letter a with breve */
    {0x0104, "a"}, /* Ą latin capital letter a with ogonek */
    {0x0105, "a"}, /* ą latin small letter a with ogonek */
    {0x0106, "c"}, /* Ć latin capital letter c with acute */
    {0x0107, "c"}, /* ć latin small letter c with acute */
    {0x0108, "c"}, /* Ĉ latin capital letter c with circumflex */
    {0x0109, "c"}, /* ĉ latin small letter c with circumflex */
    {0x010A, "c"}, /* Ċ latin capital letter c with dot above */
    {0x010B, "c"}, /* ċ latin small letter c with dot above */
    {0x010C, "c"}, /* Č latin capital letter c with caron */
    {0x010D, "c"}, /* č latin small letter c with caron */
    {0x010E, "d"}, /* Ď latin capital letter d with caron */
    {0x010F, "d"}, /* ď latin small letter d with caron */
    {0x0110, "d"}, /* Đ latin capital letter d with stroke */
    {0x0111, "d"}, /* đ latin small letter d with stroke */
    {0x0112, "e"}, /* Ē latin capital letter e with macron */
    {0x0113, "e"}, /* ē latin small letter e with macron */
    {0x0114, "e"}, /* Ĕ latin capital letter e with breve */
    {0x0115, "e"}, /* ĕ latin small letter e with breve */
    {0x0116, "e"}, /* Ė latin capital letter e with dot above */
    {0x0117, "e"}, /* ė latin small letter e with dot above */
    {0x0118, "e"}, /* Ę latin capital letter e with ogonek */
    {0x0119, "e"}, /* ę latin small letter e with ogonek */
    {0x011A, "e"}, /* Ě latin capital letter e with caron */
    {0x011B, "e"}, /* ě latin small letter e with caron */
    {0x011C, "g"}, /* Ĝ latin capital letter g with circumflex */
    {0x011D, "g"}, /* ĝ latin small letter g with circumflex */
    {0x011E, "g"}, /* Ğ latin capital letter g with breve */
    {0x011F, "g"}, /* ğ latin small letter g with breve */
    {0x0120, "g"}, /* Ġ latin capital letter g with dot above */
    {0x0121, "g"}, /* ġ latin small letter g with dot above */
    {0x0122, "g"}, /* Ģ latin capital letter g with cedilla */
    {0x0123, "g"}, /* ģ latin small letter g with cedilla */
    {0x0124, "h"}, /* Ĥ latin capital letter h with circumflex */
    {0x0125, "h"}, /* ĥ latin small letter h with circumflex */
    {0x0126, "h"}, /* Ħ latin capital letter h with stroke */
    {0x0127, "h"}, /* ħ latin small letter h with stroke */
    {0x0128, "i"}, /* Ĩ latin capital letter i with tilde */
    {0x0129, "i"}, /* ĩ latin small letter i with tilde */
    {0x012A, "i"}, /* Ī latin capital letter i with macron */
    {0x012B, "i"}, /* ī latin small letter i with macron */
    {0x012C, "i"}, /* Ĭ latin capital letter i with breve */
    {0x012D, "i"}, /* ĭ latin small letter i with breve */
    {0x012E, "i"}, /* Į latin capital letter i with ogonek */
    {0x012F, "i"}, /* į latin small letter i with ogonek */
    {0x0130, "i"}, /* İ latin capital letter i with dot above */
    {0x0131, "i"}, /* ı latin small letter dotless i */
    {0x0132, "ij"}, /* Ĳ latin capital ligature ij */
    {0x0133, "ij"}, /* ĳ latin small ligature ij */
    {0x0134, "j"}, /* Ĵ latin capital letter j with circumflex */
    {0x0135, "j"}, /* ĵ latin small letter j with circumflex */
    {0x0136, "k"}, /* Ķ latin capital letter k with cedilla */
    {0x0137, "k"}, /* ķ latin small letter k with cedilla */
    {0x0138, "k"}, /* ĸ latin small letter kra */
    {0x0139, "l"}, /* Ĺ latin capital letter l with acute */
    {0x013A, "l"}, /* ĺ latin small letter l with acute */
    {0x013B, "l"}, /* Ļ latin capital letter l with cedilla */
    {0x013C, "l"}, /* ļ latin small letter l with cedilla */
    {0x013D, "l"}, /* Ľ latin capital letter l with caron */
    {0x013E, "l"}, /* ľ latin small letter l with caron */
    {0x013F, "l"}, /* Ŀ latin capital letter l with middle dot */
    {0x0140, "l"}, /* ŀ latin small letter l with middle dot */
    {0x0141, "l"}, /* Ł latin capital letter l with stroke */
    {0x0142, "l"}, /* ł latin small letter l with stroke */
    {0x0143, "n"}, /* Ń latin capital letter n with acute */
    {0x0144, "n"}, /* ń latin small letter n with acute */
    {0x0145, "n"}, /* Ņ latin capital letter n with cedilla */
    {0x0146, "n"}, /* ņ latin small letter n with cedilla */
    {0x0147, "n"}, /* Ň latin capital letter n with caron */
    {0x0148, "n"}, /* ň latin small letter n with caron */
    {0x0149, "n"}, /* ŉ latin small letter n preceded by apostrophe */
    {0x014A, "n"}, /* Ŋ latin capital letter eng */
    {0x014B, "n"}, /* ŋ latin small letter eng */
    {0x014C, "o"}, /* Ō latin capital letter o with macron */
    {0x014D, "o"}, /* ō latin small letter o with macron */
    {0x014E, "o"}, /* Ŏ latin capital letter o with breve */
    {0x014F, "o"}, /* ŏ latin small letter o with breve */
    {0x0150, "o"}, /* Ő latin capital letter o with double acute */
    {0x0151, "o"}, /* ő latin small letter o with double acute */
    {0x0152, "oe"}, /* Œ latin capital ligature oe */
    {0x0153, "oe"}, /* œ latin small ligature oe */
    {0x0154, "r"}, /* Ŕ latin capital letter r with acute */
    {0x0155, "r"}, /* ŕ latin small letter r with acute */
    {0x0156, "r"}, /* Ŗ latin capital letter r with cedilla */
    {0x0157, "r"}, /* ŗ latin small letter r with cedilla */
    {0x0158, "r"}, /* Ř latin capital letter r with caron */
    {0x0159, "r"}, /* ř latin small letter r with caron */
    {0x015A, "s"}, /* Ś latin capital letter s with acute */
    {0x015B, "s"}, /* ś latin small letter s with acute */
    {0x015C, "s"}, /* Ŝ latin capital letter s with circumflex */
    {0x015D, "s"}, /* ŝ latin small letter s with circumflex */
    {0x015E, "s"}, /* Ş latin capital letter s with cedilla */
    {0x015F, "s"}, /* ş latin small letter s with cedilla */
    {0x0160, "s"}, /* Š latin capital letter s with caron */
    {0x0161, "s"}, /* š latin small letter s with caron */
    {0x0162, "t"}, /* Ţ latin capital letter t with cedilla */
    {0x0163, "t"}, /* ţ latin small letter t with cedilla */
    {0x0164, "t"}, /* Ť latin capital letter t with caron */
    {0x0165, "t"}, /* ť latin small letter t with caron */
    {0x0166, "t"}, /* Ŧ latin capital letter t with stroke */
    {0x0167, "t"}, /* ŧ latin small letter t with stroke */
    {0x0168, "u"}, /* Ũ latin capital letter u with tilde */
    {0x0169, "u"}, /* ũ latin small letter u with tilde */
    {0x016A, "u"}, /* Ū latin capital letter u with macron */
    {0x016B, "u"}, /* ū latin small letter u with macron */
    {0x016C, "u"}, /* Ŭ latin capital letter u with breve */
    {0x016D, "u"}, /* ŭ latin small letter u with breve */
    {0x016E, "u"}, /* Ů latin capital letter u with ring above */
    {0x016F, "u"}, /* ů latin small letter u with ring above */
    {0x0170, "u"}, /* Ű latin capital letter u with double acute */
    {0x0171, "u"}, /* ű latin small letter u with double acute */
    {0x0172, "u"}, /* Ų latin capital letter u with ogonek */
    {0x0173, "u"}, /* ų latin small letter u with ogonek */
    {0x0174, "w"}, /* Ŵ latin capital letter w with circumflex */
    {0x0175, "w"}, /* ŵ latin small letter w with circumflex */
    {0x0176, "y"}, /* Ŷ latin capital letter y with circumflex */
    {0x0177, "y"}, /* ŷ latin small letter y with circumflex */
    {0x0178, "y"}, /* Ÿ latin capital letter y with diaeresis */
    {0x0179, "z"}, /* Ź latin capital letter z with acute */
    {0x017A, "z"}, /* ź latin small letter z with acute */
    {0x017B, "z"}, /* Ż latin capital letter z with dot above */
    {0x017C, "z"}, /* ż latin small letter z with dot above */
    {0x017D, "z"}, /* Ž latin capital letter z with caron */
    {0x017E, "z"}, /* ž latin small letter z with caron */
    {0x017F, "s"}, /* ſ latin small letter long s */
    {0x01A0, "o"}, /* Ơ latin capital letter o with horn */
    {0x01A1, "o"}, /* ơ latin small letter o with horn */
    {0x01AF, "u"}, /* Ư latin capital letter u with horn */
    {0x01B0, "u"}, /* ư latin small letter u with horn */
    {0x0218, "s"}, /* Ș latin capital letter s with comma below */
    {0x0219, "s"}, /* ș latin small letter s with comma below */
    {0x021A, "t"}, /* Ț latin capital letter t with comma below */
    {0x021B, "t"}, /* ț latin small letter t with comma below */
    {0x0386, "\xce\xb1"}, /* Ά greek capital letter alpha with tonos */
    {0x0388, "\xce\xb5"}, /* Έ greek capital letter epsilon with tonos */
    {0x0389, "\xce\xb7"}, /* Ή greek capital letter eta with tonos */
    {0x038A, "\xce\xb9"}, /* Ί greek capital letter iota with tonos */
    {0x038C, "\xce\xbf"}, /* Ό greek capital letter omicron with tonos */
    {0x038E, "\xcf\x85"}, /* Ύ greek capital letter upsilon with tonos */
    {0x038F, "\xcf\x89"}, /* Ώ greek capital letter omega with tonos */
    {0x0390, "\xce\xb9"}, /* ΐ greek small letter iota with dialytika and tonos */
    {0x0391, "\xce\xb1"}, /* Α greek capital letter alpha */
    {0x0392, "\xce\xb2"}, /* Β greek capital letter beta */
    {0x0393, "\xce\xb3"}, /* Γ greek capital letter gamma */
    {0x0394, "\xce\xb4"}, /* Δ greek capital letter delta */
    {0x0395, "\xce\xb5"}, /* Ε greek capital letter epsilon */
    {0x0396, "\xce\xb6"}, /* Ζ greek capital letter zeta */
    {0x0397, "\xce\xb7"}, /* Η greek capital letter eta */
    {0x0398, "\xce\xb8"}, /* Θ greek capital letter theta */
    {0x0399, "\xce\xb9"}, /* Ι greek capital letter iota */
    {0x039A, "\xce\xba"}, /* Κ greek capital letter kappa */
    {0x039B, "\xce\xbb"}, /* Λ greek capital letter lamda */
    {0x039C, "\xce\xbc"}, /* Μ greek capital letter mu */
    {0x039D, "\xce\xbd"}, /* Ν greek capital letter nu */
    {0x039E, "\xce\xbe"}, /* Ξ greek capital letter xi */
    {0x039F, "\xce\xbf"}, /* Ο greek capital letter omicron */
    {0x03A0, "\xcf\x80"}, /* Π greek capital letter pi */
    {0x03A1, "\xcf\x81"}, /* Ρ greek capital letter rho */
    {0x03A3, "\xcf\x83"}, /* Σ greek capital letter sigma */
    {0x03A4, "\xcf\x84"}, /* Τ greek capital letter tau */
    {0x03A5, "\xcf\x85"}, /* Υ greek capital letter upsilon */
    {0x03A6, "\xcf\x86"}, /* Φ greek capital letter phi */
    {0x03A7, "\xcf\x87"}, /* Χ greek capital letter chi */
    {0x03A8, "\xcf\x88"}, /* Ψ greek capital letter psi */
    {0x03A9, "\xcf\x89"}, /* Ω greek capital letter omega */
    {0x03AA, "\xce\xb9"}, /* Ϊ greek capital letter iota with dialytika */
    {0x03AB, "\xcf\x85"}, /* Ϋ greek capital letter upsilon with dialytika */
    {0x03AC, "\xce\xb1"}, /* ά greek small letter alpha with tonos */
    {0x03AD, "\xce\xb5"}, /* έ greek small letter epsilon with tonos */
    {0x03AE, "\xce\xb7"}, /* ή greek small letter eta with tonos */
    {0x03AF, "\xce\xb9"}, /* ί greek small letter iota with tonos */
    {0x03B0, "\xcf\x85"}, /* ΰ greek small letter upsilon with dialytika and tonos */
    {0x03C2, "\xcf\x83"}, /* ς greek small letter final sigma */
    {0x03CA, "\xce\xb9"}, /* ϊ greek small letter iota with dialytika */
    {0x03CB, "\xcf\x85"}, /* ϋ greek small letter upsilon with dialytika */
    {0x03CC, "\xce\xbf"}, /* ό greek small letter omicron with tonos */
    {0x03CD, "\xcf\x85"}, /* ύ greek small letter upsilon with tonos */
    {0x03CE, "\xcf\x89"}, /* ώ greek small letter omega with tonos */
    {0x0400, "\xd0\xb5"}, /* Ѐ cyrillic capital letter ie with grave */
    {0x0401, "\xd0\xb5"}, /* Ё cyrillic capital letter io */
    {0x0402, "\xd1\x92"}, /* Ђ cyrillic capital letter dje */
    {0x0403, "\xd0\xb3"}, /* Ѓ cyrillic capital letter gje */
    {0x0404, "\xd1\x94"}, /* Є cyrillic capital letter ukrainian ie */
    {0x0405, "\xd1\x95"}, /* Ѕ cyrillic capital letter dze */
    {0x0406, "\xd1\x96"}, /* І cyrillic capital letter byelorussian-ukrainian i */
    {0x0407, "\xd1\x96"}, /* Ї cyrillic capital letter yi */
    {0x0408, "\xd1\x98"}, /* Ј cyrillic capital letter je */
    {0x0409, "\xd1\x99"}, /* Љ cyrillic capital letter lje */
    {0x040A, "\xd1\x9a"}, /* Њ cyrillic capital letter nje */
    {0x040B, "\xd1\x9b"}, /* Ћ cyrillic capital letter tshe */
    {0x040C, "\xd0\xba"}, /* Ќ cyrillic capital letter kje */
    {0x040D, "\xd0\xb8"}, /* Ѝ cyrillic capital letter i with grave */
    {0x040E, "\xd1\x83"}, /* Ў cyrillic capital letter short u */
    {0x040F, "\xd1\x9f"}, /* Џ cyrillic capital letter dzhe */
    {0x0410, "\xd0\xb0"}, /* А cyrillic capital letter a */
    {0x0411, "\xd0\xb1"}, /* Б cyrillic capital letter be */
    {0x0412, "\xd0\xb2"}, /* В cyrillic capital letter ve */
    {0x0413, "\xd0\xb3"}, /* Г cyrillic capital letter ghe */
    {0x0414, "\xd0\xb4"}, /* Д cyrillic capital letter de */
    {0x0415, "\xd0\xb5"}, /* Е cyrillic capital letter ie */
    {0x0416, "\xd0\xb6"}, /* Ж cyrillic capital letter zhe */
    {0x0417, "\xd0\xb7"}, /* З cyrillic capital letter ze */
    {0x0418, "\xd0\xb8"}, /* И cyrillic capital letter i */
    {0x0419, "\xd0\xb8"}, /* Й cyrillic capital letter short i */
    {0x041A, "\xd0\xba"}, /* К cyrillic capital letter ka */
    {0x041B, "\xd0\xbb"}, /* Л cyrillic capital letter el */
    {0x041C, "\xd0\xbc"}, /* М cyrillic capital letter em */
    {0x041D, "\xd0\xbd"}, /* Н cyrillic capital letter en */
    {0x041E, "\xd0\xbe"}, /* О cyrillic capital letter o */
    {0x041F, "\xd0\xbf"}, /* П cyrillic capital letter pe */
    {0x0420, "\xd1\x80"}, /* Р cyrillic capital letter er */
    {0x0421, "\xd1\x81"}, /* С cyrillic capital letter es */
    {0x0422, "\xd1\x82"}, /* Т cyrillic capital letter te */
    {0x0423, "\xd1\x83"}, /* У cyrillic capital letter u */
    {0x0424, "\xd1\x84"}, /* Ф cyrillic capital letter ef */
    {0x0425, "\xd1\x85"}, /* Х cyrillic capital letter ha */
    {0x0426, "\xd1\x86"}, /* Ц cyrillic capital letter tse */
    {0x0427, "\xd1\x87"}, /* Ч cyrillic capital letter che */
    {0x0428, "\xd1\x88"}, /* Ш cyrillic capital letter sha */
    {0x0429, "\xd1\x89"}, /* Щ cyrillic capital letter shcha */
    {0x042A, "\xd1\x8a"}, /* Ъ cyrillic capital letter hard sign */
    {0x042B, "\xd1\x8b"}, /* Ы cyrillic capital letter yeru */
    {0x042C, "\xd1\x8c"}, /* Ь cyrillic capital letter soft sign */
    {0x042D, "\xd1\x8d"}, /* Э cyrillic capital letter e */
    {0x042E, "\xd1\x8e"}, /* Ю cyrillic capital letter yu */
    {0x042F, "\xd1\x8f"}, /* Я cyrillic capital letter ya */
    {0x0439, "\xd0\xb8"}, /* й cyrillic small letter short i */
    {0x0450, "\xd0\xb5"}, /* ѐ cyrillic small letter ie with grave */
    {0x0451, "\xd0\xb5"}, /* ё cyrillic small letter io */
    {0x0453, "\xd0\xb3"}, /* ѓ cyrillic small letter gje */
    {0x0457, "\xd1\x96"}, /* ї cyrillic small letter yi */
    {0x045C, "\xd0\xba"}, /* ќ cyrillic small letter kje */
    {0x045D, "\xd0\xb8"}, /* ѝ cyrillic small letter i with grave */
    {0x045E, "\xd1\x83"}, /* ў cyrillic small letter short u */
    {0x0490, "\xd2\x91"}, /* Ґ cyrillic capital letter ghe with upturn */
    {0x0492, "\xd2\x93"}, /* Ғ cyrillic capital letter ghe with stroke */
    {0x049A, "\xd2\x9b"}, /* Қ cyrillic capital letter ka with descender */
    {0x04A2, "\xd2\xa3"}, /* Ң cyrillic capital letter en with descender */
    {0x04AE, "\xd2\xaf"}, /* Ү cyrillic capital letter straight u */
    {0x04B0, "\xd2\xb1"}, /* Ұ cyrillic capital letter straight u with stroke */
    {0x04BA, "\xd2\xbb"}, /* Һ cyrillic capital letter shha */
    {0x04D8, "\xd3\x99"}, /* Ә cyrillic capital letter schwa */
    {0x04E8, "\xd3\xa9"}, /* Ө cyrillic capital letter barred o */
    {0x1E9E, "ss"}, /* ẞ latin capital letter sharp s */
};

static const char *fold_lookup(uint32_t cp)
{
    size_t lo = 0, hi = sizeof fold_table / sizeof fold_table[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fold_table[mid].cp == cp) return fold_table[mid].to;
        if (fold_table[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static uint32_t fold_decode(const unsigned char *s, size_t len)
{
    if (len == 1) return s[0];
    uint32_t cp = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

size_t text_fold(const char *in, size_t n, char *out, size_t cap)
{
    if (cap == 0) return 0;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, i = 0;
    while (i < n) {
        const char *rep;
        size_t rep_len, step;
        char one;
        unsigned c = s[i];
        if (c < 0x80) {
            /* NUL would end the C string early; the caller asked for a key, not a cut */
            one = c == 0 ? ' ' : (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : (char)c;
            rep = &one;
            rep_len = 1;
            step = 1;
        } else {
            step = utf8_valid_prefix_char(in + i, n - i);
            if (step == 0) {
                /* one space per bad byte: the next byte may start a valid sequence */
                one = ' ';
                rep = &one;
                rep_len = 1;
                step = 1;
            } else {
                uint32_t cp = fold_decode(s + i, step);
                if (cp >= 0x300 && cp <= 0x36f) {
                    rep = "";
                    rep_len = 0;
                } else if ((rep = fold_lookup(cp)) != NULL) {
                    rep_len = strlen(rep);
                } else {
                    rep = in + i;
                    rep_len = step;
                }
            }
        }
        if (rep_len > cap - 1 - o) break; /* keep the key a clean prefix */
        memcpy(out + o, rep, rep_len);
        o += rep_len;
        i += step;
    }
    out[o] = '\0';
    return o;
}
