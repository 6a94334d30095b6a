#include "console.h"

#include "crc32.h"
#include "text.h"
#include "tinykit/bsp.h"

/* Enough for the 20 decimal digits of a uint64_t. */
#define DECIMAL_DIGITS_MAX 20

static const char HEX_DIGITS[] = "0123456789abcdef";

static void format_hex_byte(uint8_t value, char pair[2])
{
    pair[0] = HEX_DIGITS[value >> 4];
    pair[1] = HEX_DIGITS[value & 0x0Fu];
}

/* value / 10 (stored back) and value % 10 (returned), by long division in
 * 16-bit steps with the core's 32-bit divide: a 64-bit `/` would link
 * libgcc's 64-bit division routine (about 0.8 KB) for this one use. */
static uint32_t divide_by_ten(uint64_t *value)
{
    uint64_t quotient = 0;
    uint32_t remainder = 0;
    int shift;

    for (shift = 48; shift >= 0; shift -= 16) {
        uint32_t part = (remainder << 16) | (uint32_t)((*value >> shift) & 0xFFFFu);
        quotient = (quotient << 16) | (part / 10u);
        remainder = part % 10u;
    }
    *value = quotient;
    return remainder;
}

static size_t format_uint(uint64_t value, char *out)
{
    char reversed[DECIMAL_DIGITS_MAX];
    size_t n = 0;
    size_t i;

    do {
        reversed[n++] = (char)('0' + (int)divide_by_ten(&value));
    } while (value != 0u);
    for (i = 0; i < n; ++i) {
        out[i] = reversed[n - 1 - i];
    }
    return n;
}

void console_text(const char *text)
{
    tk_bsp_write(text, text_length(text));
}

void console_char(char c)
{
    tk_bsp_write(&c, 1);
}

void console_uint(uint64_t value)
{
    char digits[DECIMAL_DIGITS_MAX];
    tk_bsp_write(digits, format_uint(value, digits));
}

void console_int(int32_t value)
{
    if (value < 0) {
        console_text("-");
        /* Through int64 so that INT32_MIN negates without overflow. */
        console_uint((uint64_t)(-(int64_t)value));
    } else {
        console_uint((uint64_t)value);
    }
}

void console_hex_byte(uint8_t value)
{
    char pair[2];
    format_hex_byte(value, pair);
    tk_bsp_write(pair, sizeof pair);
}

void console_end_line(void)
{
    console_text("\r\n");
}

void console_line(const char *text)
{
    console_text(text);
    console_end_line();
}

void console_error(const char *text)
{
    console_text("e-[");
    console_text(text);
    console_line("]");
}

/* Payload bytes go through here: written and folded into the checksum. */
static void record_put(tk_record *record, const char *data, size_t len)
{
    record->crc = tk_crc32_update(record->crc, data, len);
    tk_bsp_write(data, len);
}

void record_begin(tk_record *record, const char *topic)
{
    record->crc = TK_CRC32_INITIAL;
    record->fields = 0;
    console_text("m-tk-");
    console_text(topic);
    console_text("-[");
}

void record_key(tk_record *record, const char *key)
{
    if (record->fields > 0) {
        record_put(record, ",", 1);
    }
    record->fields++;
    record_put(record, key, text_length(key));
    record_put(record, "=", 1);
}

void record_text(tk_record *record, const char *text)
{
    record_put(record, text, text_length(text));
}

void record_uint(tk_record *record, uint64_t value)
{
    char digits[DECIMAL_DIGITS_MAX];
    record_put(record, digits, format_uint(value, digits));
}

void record_list_separator(tk_record *record)
{
    record_put(record, ";", 1);
}

void record_hex(tk_record *record, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; ++i) {
        char pair[2];
        format_hex_byte(data[i], pair);
        record_put(record, pair, sizeof pair);
    }
}

void record_end(tk_record *record)
{
    uint32_t crc = tk_crc32_final(record->crc);
    int shift;

    console_text("]-crc-");
    for (shift = 28; shift >= 0; shift -= 4) {
        char digit = HEX_DIGITS[(crc >> shift) & 0x0Fu];
        tk_bsp_write(&digit, 1);
    }
    console_end_line();
}

void record_uint_field(tk_record *record, const char *key, uint64_t value)
{
    record_key(record, key);
    record_uint(record, value);
}

void record_text_field(tk_record *record, const char *key, const char *text)
{
    record_key(record, key);
    record_text(record, text);
}
