/* Sums of four adjacent int8 channels over a strided set of pixels, two
 * channels per instruction (kernel-internal; cortexm/ AVERAGE_POOL_2D and MEAN).
 *
 * One word holds channels c..c+3 of a pixel: SXTAB16 adds channels c and c+2
 * to the two int16 halves of one accumulator, SXTAB16 with ROR #8 channels
 * c+1 and c+3 to another. A half holds at most TK_SUM4_CHUNK int8 values
 * (-128 * 256 = -32768 fits in int16, so does 127 * 256), so longer runs are
 * summed chunk by chunk into int32.
 */
#ifndef TINYKIT_SUM4_H
#define TINYKIT_SUM4_H

#include <string.h>

#include "tinykit/acle.h"

#define TK_SUM4_CHUNK 256

/* The signed value of half `lane` (0 low, 1 high) of x, without implementation-defined conversions. */
static inline int32_t tk_sum4_half(int32_t x, int lane)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    const uint32_t half = (u >> (16 * lane)) & 0xffffu;
    return (int32_t)(half & 0x7fffu) - (int32_t)(half & 0x8000u);
}

static inline void tk_sum4_flush(int32_t *acc02, int32_t *acc13, int32_t sums[4])
{
    sums[0] += tk_sum4_half(*acc02, 0);
    sums[1] += tk_sum4_half(*acc13, 0);
    sums[2] += tk_sum4_half(*acc02, 1);
    sums[3] += tk_sum4_half(*acc13, 1);
    *acc02 = 0;
    *acc13 = 0;
}

/* sums[k] += sum over the pixels of channel k of first[...], k = 0..3: the pixels are
 * rows x cols, pixel (y, x) at first + y * row_stride + x * col_stride (in bytes). */
static inline void tk_sum4_s8(const int8_t *first, int32_t rows, int32_t cols, int32_t row_stride, int32_t col_stride,
                              int32_t sums[4])
{
    int32_t acc02 = 0;
    int32_t acc13 = 0;
    int32_t in_chunk = 0;
    for (int32_t y = 0; y < rows; ++y) {
        const int8_t *p = first + y * row_stride;
        int32_t remaining = cols;
        /* Runs that end at a chunk boundary keep the inner loop free of the check. */
        while (remaining > 0) {
            const int32_t run = remaining < TK_SUM4_CHUNK - in_chunk ? remaining : TK_SUM4_CHUNK - in_chunk;
            for (int32_t x = 0; x < run; ++x) {
                int32_t word;
                memcpy(&word, p, sizeof word); /* unaligned-safe; one LDR on the core */
                acc02 = __sxtab16(acc02, word);
                acc13 = tk_sxtab16_ror8(acc13, word);
                p += col_stride;
            }
            remaining -= run;
            in_chunk += run;
            if (in_chunk == TK_SUM4_CHUNK) {
                tk_sum4_flush(&acc02, &acc13, sums);
                in_chunk = 0;
            }
        }
    }
    tk_sum4_flush(&acc02, &acc13, sums);
}

#endif /* TINYKIT_SUM4_H */
