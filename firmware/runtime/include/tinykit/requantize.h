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
 * shift < 0 shifts right (with rounding) after it. */
static inline int32_t tk_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    return tk_rounding_divide_by_pot(
        tk_saturating_rounding_doubling_high_mul(tk_shift_left_wrapping(x, left_shift), multiplier),
        right_shift);
}

static inline int32_t tk_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif /* TINYKIT_REQUANTIZE_H */
