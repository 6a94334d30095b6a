/* Fixed-point transcendental functions for the int8 softmax, logistic and tanh kernels.
 *
 * TF Lite Micro computes exp, 1/(1+x) and the logistic function on int32
 * fixed-point numbers with gemmlowp's algorithms; tinykit follows the same
 * algorithms step by step, because outputs must equal TF Lite Micro's bit for
 * bit. A value with I integer bits is stored as raw * 2^(I - 31) ("Q I.31-I").
 *
 * The products are tk_saturating_rounding_doubling_high_mul (a Qa times a Qb
 * gives a Q(a+b)); changing the number of integer bits of a value ("rescale")
 * is a saturating left shift or a rounding right shift of the raw integer.
 */
#ifndef TINYKIT_FIXEDPOINT_H
#define TINYKIT_FIXEDPOINT_H

#include <stdint.h>

#include "tinykit/requantize.h"

/* x * 2^exponent for exponent >= 0, saturating at the int32 limits. */
static inline int32_t tk_saturating_shift_left(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - exponent)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tk_shift_left_wrapping(x, exponent);
}

/* Moves a value from src_integer_bits to dst_integer_bits integer bits. */
static inline int32_t tk_fixedpoint_rescale(int32_t x, int32_t src_integer_bits, int32_t dst_integer_bits)
{
    const int32_t exponent = src_integer_bits - dst_integer_bits;
    return exponent >= 0 ? tk_saturating_shift_left(x, exponent) : tk_rounding_divide_by_pot(x, -exponent);
}

/* (a + b) / 2 rounded to nearest, ties away from zero, without overflow. */
static inline int32_t tk_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31: a fourth-order
 * Taylor expansion around -1/8. */
static inline int32_t tk_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    const int32_t x = a + (INT32_C(1) << 28);        /* a + 1/8 */
    const int32_t x2 = tk_saturating_rounding_doubling_high_mul(x, x);
    const int32_t x3 = tk_saturating_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = tk_saturating_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = tk_rounding_divide_by_pot(x4, 2);
    const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 = tk_rounding_divide_by_pot(
        tk_saturating_rounding_doubling_high_mul(x4_over_4 + x3, one_third) + x2, 1);
    return exp_minus_one_eighth +
           tk_saturating_rounding_doubling_high_mul(exp_minus_one_eighth, x + x4_over_24_plus_x3_over_6_plus_x2_over_2);
}

/* exp(a) for a <= 0 given with integer_bits integer bits (1..6); result in Q0.31.
 * a splits into a multiple of 1/4 and a rest in [-1/4, 0): the rest goes through
 * the Taylor expansion, the multiple multiplies in exp(-2^k) for each set bit. */
static inline int32_t tk_exp_on_negative_values(int32_t a, int32_t integer_bits)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4. */
    const int32_t exp_of_minus_pot[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = INT32_C(1) << (fractional_bits - 2);
    const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    int32_t result = tk_exp_on_interval_between_negative_one_quarter_and_0_excl(
        tk_fixedpoint_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    int32_t k;
    for (k = 0; k < 7; ++k) {
        const int32_t exponent = k - 2;
        if (integer_bits > exponent && (remainder & (INT32_C(1) << (fractional_bits + exponent))) != 0) {
            result = tk_saturating_rounding_doubling_high_mul(result, exp_of_minus_pot[k]);
        }
    }
    /* Below -32 the product above underflows unevenly; gemmlowp flushes to 0. */
    if (integer_bits > 5 && a < -(INT32_C(1) << (36 - integer_bits))) {
        result = 0;
    }
    return a == 0 ? INT32_MAX : result;
}

/* 2 / (1 + a) for a in [0, 1), a in Q0.31, the result in Q2.29: three
 * Newton-Raphson steps on the half denominator, as gemmlowp's
 * one_over_one_plus_x_for_x_in_0_1 and one_minus_x_over_one_plus_x_for_x_in_0_1
 * both begin. */
static inline int32_t tk_two_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t forty_eight_seventeenths = 1515870810;       /* 48/17 in Q2.29 */
    const int32_t minus_thirty_two_seventeenths = -1010580540; /* -32/17 in Q2.29 */
    const int32_t one_q2 = INT32_C(1) << 29;
    const int32_t half_denominator = tk_rounding_half_sum(a, INT32_MAX);
    int32_t x = forty_eight_seventeenths +
                tk_saturating_rounding_doubling_high_mul(half_denominator, minus_thirty_two_seventeenths);
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tk_saturating_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus_half_denominator_times_x = one_q2 - half_denominator_times_x;
        /* Q2 * Q2 is Q4; back to Q2. */
        x = x + tk_fixedpoint_rescale(tk_saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 4, 2);
    }
    return x;
}

/* 1 / (1 + a) for a in [0, 1), a and the result in Q0.31. */
static inline int32_t tk_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    /* 2/(1+a) in Q2.29 is the same raw value as 1/(1+a) in Q1.30. */
    return tk_fixedpoint_rescale(tk_two_over_one_plus_x_for_x_in_0_1(a), 1, 0);
}

/* (1 - a) / (1 + a) for a in [0, 1), a and the result in Q0.31: 2/(1+a) - 1. */
static inline int32_t tk_one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    return tk_fixedpoint_rescale(tk_two_over_one_plus_x_for_x_in_0_1(a) - (INT32_C(1) << 29), 2, 0);
}

/* The logistic function 1 / (1 + exp(-a)), a with integer_bits integer bits,
 * result in Q0.31. */
static inline int32_t tk_logistic(int32_t a, int32_t integer_bits)
{
    if (a == 0) {
        return INT32_C(1) << 30; /* one half */
    }
    {
        const int32_t magnitude = a > 0 ? a : -a;
        const int32_t of_magnitude =
            tk_one_over_one_plus_x_for_x_in_0_1(tk_exp_on_negative_values(-magnitude, integer_bits));
        return a > 0 ? of_magnitude : INT32_MAX - of_magnitude;
    }
}

/* tanh(a), a with integer_bits integer bits (at most 5), result in Q0.31:
 * tanh(|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)), where -2|a| is the raw
 * value of -|a| read with one more integer bit. */
static inline int32_t tk_tanh(int32_t a, int32_t integer_bits)
{
    if (a == 0) {
        return 0;
    }
    {
        const int32_t magnitude = a > 0 ? a : -a;
        const int32_t of_magnitude =
            tk_one_minus_x_over_one_plus_x_for_x_in_0_1(tk_exp_on_negative_values(-magnitude, integer_bits + 1));
        return a > 0 ? of_magnitude : -of_magnitude;
    }
}

/* Integer bits of the rescaled input of LOGISTIC and TANH (Q4.27);
 * LOGISTIC_INPUT_INTEGER_BITS in tinykit/codegen/ops/elementwise.py is the same. */
#define TK_SIGMOID_INPUT_INTEGER_BITS 4

/* Where an int8 input of LOGISTIC or TANH falls against the input range radius
 * the code generator computed (as TF Lite Micro's Prepare does): beyond it the
 * curve is flat at int8 precision and the output saturates, so the kernels
 * skip the fixed-point curve. */
typedef enum { TK_RADIUS_BELOW = -1, TK_RADIUS_INSIDE = 0, TK_RADIUS_ABOVE = 1 } tk_radius_side;

/* The input stage TF Lite Micro's integer LOGISTIC and TANH share: the input
 * centred on its zero point, compared with the radius and, inside it,
 * rescaled to Q4.27 into *input_q4 (left untouched outside). */
static inline tk_radius_side tk_sigmoid_input_q4(int8_t x, int32_t zero_point, int32_t radius, int32_t multiplier,
                                                 int32_t shift, int32_t *input_q4)
{
    const int32_t centred = (int32_t)x - zero_point;
    if (centred <= -radius) {
        return TK_RADIUS_BELOW;
    }
    if (centred >= radius) {
        return TK_RADIUS_ABOVE;
    }
    *input_q4 = tk_requantize(centred, multiplier, shift);
    return TK_RADIUS_INSIDE;
}

#endif /* TINYKIT_FIXEDPOINT_H */
