/* CRC-32 (IEEE 802.3, reflected, the one zlib.crc32 computes), used to let
 * the host detect a corrupted tinykit payload instead of believing it. */
#ifndef TK_PROFILER_CRC32_H
#define TK_PROFILER_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define TK_CRC32_INITIAL 0xFFFFFFFFu

/* Feed `len` bytes into a running CRC started at TK_CRC32_INITIAL. */
uint32_t tk_crc32_update(uint32_t crc, const void *data, size_t len);

/* The final value of a running CRC (what zlib.crc32 returns). */
uint32_t tk_crc32_final(uint32_t crc);

#endif /* TK_PROFILER_CRC32_H */
