/* Bitwise CRC-32: slower than a table, but needs no 1 KB table in flash and
 * only ever runs on the short payloads the profiler prints. */
#include "crc32.h"

#define TK_CRC32_POLY_REFLECTED 0xEDB88320u

uint32_t tk_crc32_update(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *bytes = (const uint8_t *)data;
    size_t i;
    int bit;

    for (i = 0; i < len; ++i) {
        crc ^= bytes[i];
        for (bit = 0; bit < 8; ++bit) {
            crc = (crc & 1u) ? (crc >> 1) ^ TK_CRC32_POLY_REFLECTED : crc >> 1;
        }
    }
    return crc;
}

uint32_t tk_crc32_final(uint32_t crc)
{
    return ~crc;
}
