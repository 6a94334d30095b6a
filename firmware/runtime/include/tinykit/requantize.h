/* Fixed-point requantization shared by the kernels.
 *
 * These follow the TFLite quantization spec's reference arithmetic exactly
 * (a rounding doubling high multiply, then a rounding right shift), because
 * outputs must equal TF Lite Micro's bit for bit. Overflowing shifts wrap the
 * way the reference's two's-complement int32 arithmetic does, written without
 * signed overflow so that UndefinedBehaviorSanitizer stays quiet.
 */
#ifndef TINYKIT_REQUANTIZE_H
#define TINYKIT_REQUANTIZE_H

#include <stdint.h>

/* High 32 bits of 2*a*b, rounded to nearest, saturating the one overflow case.
 *
 * The reference adds a sign-dependent nudge (2^30, or 1 - 2^30 for a negative
 * product) and divides by 2^31 truncating toward zero; for a negative product
 * that truncation adds 2^31 - 1 before flooring, so both signs come to
 * floor((a*b + 2^30) / 2^31): one SMULL, a 64-bit add and a shift on Cortex-M,
 * without branches. (>> of a negative int64_t is GCC's arithmetic shift.) */
static inline int32_t tk_saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + (INT64_C(1) << 30)) >> 31);
}

/* x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t tk_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^left_shift with two's-complement wrap-around. */
static inline int32_t tk_shift_left_wrapping(int32_t x, int32_t left_shift)
{
    return (int32_t)((uint32_t)x << left_shift);
}

/* x * multiplier * 2^(shift - 31): shift > 0 shifts left before the multiply,
 * shift < 0 shifts right (with rounding) after it.
 *
 * The result is the reference's two roundings, the high multiply's and the
 * right shift's, but a right shift by e >= 1 is done in the 64-bit product:
 * with v = x * multiplier + 2^30 (so the high multiply is floor(v / 2^31))
 * the shift's nudge is 2^(e-1), less one when that high multiply is negative
 * (v < 0), and floor((v + nudge * 2^31) / 2^(31+e)) is the high word of the
 * sum shifted right by e - 1. No 32-bit intermediate can overflow, and the
 * rounding divide's mask and threshold are never formed. */
/* tk_requantize's right-shift case, right_shift >= 1, for a multiplier other than
 * INT32_MIN (every multiplier the build writes is positive): a kernel whose shift
 * is known to be negative calls it directly and skips the checks. */
static inline int32_t tk_requantize_right(int32_t x, int32_t multiplier, int32_t right_shift)
{
    const int64_t v = (int64_t)x * (int64_t)multiplier + (INT64_C(1) << 30);
    const int32_t nudge = (int32_t)(UINT32_C(1) << (right_shift - 1)) - (v < 0 ? 1 : 0); /* 0 .. 2^30 */
    return (int32_t)((v + (int64_t)nudge * (INT64_C(1) << 31)) >> 32) >> (right_shift - 1);
}

static inline int32_t tk_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift > 0) {
        return tk_saturating_rounding_doubling_high_mul(tk_shift_left_wrapping(x, shift), multiplier);
    }
    const int32_t right_shift = -shift;
    if ((x == INT32_MIN && multiplier == INT32_MIN) || right_shift == 0) {
        return tk_rounding_divide_by_pot(tk_saturating_rounding_doubling_high_mul(x, multiplier), right_shift);
    }
    return tk_requantize_right(x, multiplier, right_shift);
}

static inline int32_t tk_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif /* TINYKIT_REQUANTIZE_H */
