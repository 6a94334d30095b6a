/* Requantization of a doubled accumulator with one SMMLAR (kernel-internal;
 * the cortexm/ depthwise kernels whose filters the build doubled).
 *
 * For a right shift e in 1..23 and a multiplier m of at least 2^30 (or 0) the
 * reference's two roundings, y = floor((acc * m + 2^30) / 2^31) then y / 2^e
 * to nearest with ties away from zero, come from one SMMLAR of the doubled
 * accumulator: SMMLAR(2 acc, m, h) = floor((acc * m + 2^30) / 2^31) + h, so with
 *   h = 2^(e - 1) + output offset * 2^e - (acc < 0)
 * its arithmetic shift right by e is the output: y < 0 exactly when acc < 0
 * for such m (tk_requantize_right derives the nudge). An ADD (h from the
 * accumulator's sign), the SMMLAR and a shift. e <= 23 keeps h (|offset| <= 128)
 * inside int32.
 */
#ifndef TINYKIT_REQUANT_DOUBLED_H
#define TINYKIT_REQUANT_DOUBLED_H

#include <stdint.h>

#include "tinykit/acle.h"

/* Whether a channel's (multiplier, shift) takes tk_requant_doubled. */
static inline int tk_requant_doubled_applies(int32_t multiplier, int32_t shift)
{
    return -shift >= 1 && -shift <= 23 && (multiplier >= (INT32_C(1) << 30) || multiplier == 0);
}

/* h without the sign term: 2^(e - 1) + output offset * 2^e. */
static inline int32_t tk_requant_doubled_high(int32_t shift, int32_t output_offset)
{
    const int32_t e = -shift;
    return (INT32_C(1) << (e - 1)) + output_offset * (INT32_C(1) << e);
}

/* requantize(acc) + output offset from acc2 = 2 * acc, for a channel where
 * tk_requant_doubled_applies; `high` from tk_requant_doubled_high, e = -shift.
 * >> of a negative int32_t is GCC's arithmetic shift. */
static inline int32_t tk_requant_doubled(int32_t high, int32_t multiplier, int32_t e, int32_t acc2)
{
    return tk_smmlar(acc2, multiplier, high + (acc2 >> 31)) >> e;
}

#endif /* TINYKIT_REQUANT_DOUBLED_H */
