/* Fuzz phone_parse: any bytes with any of the regions we serve must return 0 or -1 with
 * every field NUL-terminated and consistent, never crash, hang or leak. The first byte
 * picks the default region (including none and an unknown one), the rest is the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/phone.h"

static const char *const fuzz_regions[] = {"RU", "PL", "CZ", "ES", "US", "DE", "KZ", "GB",
                                           "",   NULL, "XX", "pl", "FR", "UA", "SK", "LT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *region = fuzz_regions[data[0] % (sizeof fuzz_regions / sizeof fuzz_regions[0])];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    phone_result r;
    int rc = phone_parse(text, len, region, &r);
    if (rc != 0 && rc != -1) abort();
    if (!memchr(r.e164, 0, sizeof r.e164) || !memchr(r.digits, 0, sizeof r.digits) ||
        !memchr(r.region, 0, sizeof r.region) || !memchr(r.extension, 0, sizeof r.extension))
        abort();
    for (const char *p = r.digits; *p; p++)
        if (*p < '0' || *p > '9') abort();
    if (rc == 0) {
        /* the digits key is the E.164 form without '+' */
        if (r.e164[0] != '+' || strcmp(r.e164 + 1, r.digits) != 0) abort();
        if (r.valid && !r.possible) abort();
        /* parsing our own output gives the same number back. Only for valid numbers:
         * libphonenumber may strip a trunk prefix from an invalid number's E.164 form on
         * the second pass (RU "88 67..." -> +78867... -> +7867...), which is its
         * behaviour, not ours to fix. */
        phone_result again;
        if (phone_parse(r.e164, strlen(r.e164), NULL, &again) != 0) abort();
        if (r.valid && (strcmp(again.e164, r.e164) != 0 || !again.valid)) abort();
    } else {
        if (r.e164[0] || r.region[0] || r.extension[0] || r.valid || r.possible) abort();
        if (len > PHONE_MAX_INPUT) return 0;
    }
    (void)phone_region_valid(region);
    return 0;
}
