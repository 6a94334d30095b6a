/* Console output for the profiler: plain MLPerf Tiny lines and tinykit's
 * checksummed records, written straight to the BSP console (no printf, no
 * line buffer: a record of any length streams through a running CRC). */
#ifndef TK_PROFILER_CONSOLE_H
#define TK_PROFILER_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void console_text(const char *text);
void console_char(char c);
void console_uint(uint64_t value);
void console_int(int32_t value);
void console_hex_byte(uint8_t value);
void console_end_line(void);
/* The whole line: text then "\r\n". */
void console_line(const char *text);
/* "e-[<text>]\r\n": the MLPerf Tiny error line. */
void console_error(const char *text);

/* A tinykit record: m-tk-<topic>-[<payload>]-crc-<crc32 of payload, 8 hex>.
 * The payload is a list of key=value fields separated by commas; a value
 * made of several numbers separates them with semicolons. */
typedef struct {
    uint32_t crc;
    int32_t fields;
} tk_record;

void record_begin(tk_record *record, const char *topic);
/* Start the next field: writes [","]key"=". */
void record_key(tk_record *record, const char *key);
void record_text(tk_record *record, const char *text);
void record_uint(tk_record *record, uint64_t value);
/* The separator between numbers of one list value. */
void record_list_separator(tk_record *record);
void record_hex(tk_record *record, const uint8_t *data, size_t len);
void record_end(tk_record *record);

/* Shorthands for the common one-number field. */
void record_uint_field(tk_record *record, const char *key, uint64_t value);
void record_text_field(tk_record *record, const char *key, const char *text);

#endif /* TK_PROFILER_CONSOLE_H */
