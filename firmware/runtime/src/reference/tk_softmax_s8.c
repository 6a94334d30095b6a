/* SOFTMAX int8 -> int8 along the channel axis: TF Lite Micro's reference
 * fixed-point algorithm (exp of the scaled difference to the row maximum,
 * sum in Q12.19, reciprocal by Newton-Raphson). */
#include "tinykit/fixedpoint.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/softmax.h"
#include "tinykit/invoke.h"

/* Integer bits of the scaled differences and of their sum; the code generator
 * derives diff_min and the input scaling from the first. */
#define TK_SOFTMAX_DIFF_INTEGER_BITS 5
#define TK_SOFTMAX_SUM_INTEGER_BITS 12

static int32_t tk_count_leading_zeros(uint32_t x)
{
    int32_t zeros = 0;
    if (x == 0u) {
        return 32;
    }
    while ((x & UINT32_C(0x80000000)) == 0u) {
        x <<= 1;
        ++zeros;
    }
    return zeros;
}

/* exp of one input's difference to its row maximum (in Q0.31), or -1 if the
 * difference is below diff_min and counts as exp = 0. */
static int32_t tk_softmax_exp(int32_t difference, const tk_softmax_params *params,
                              const tk_per_tensor_quant *quant)
{
    if (difference < params->diff_min) {
        return -1;
    }
    {
        /* A difference at or above diff_min cannot overflow the left shift. */
        const int32_t scaled = tk_saturating_rounding_doubling_high_mul(
            tk_shift_left_wrapping(difference, quant->shift), quant->multiplier);
        return tk_exp_on_negative_values(scaled, TK_SOFTMAX_DIFF_INTEGER_BITS);
    }
}

tk_status tk_softmax_s8(const tk_context *ctx, const tk_softmax_params *params, const tk_per_tensor_quant *quant,
                        const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                        int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t depth = output_dims->c;
    const int32_t rows = tk_dims_count(output_dims) / (depth > 0 ? depth : 1);
    int32_t r;
    if (tk_dims_count(input_dims) != tk_dims_count(output_dims) || input_dims->c != depth || quant->shift < 0) {
        return TK_ERROR_ARGUMENT;
    }
    for (r = 0; r < rows; ++r) {
        const int8_t *in = input + (size_t)r * (size_t)depth;
        int8_t *out = output + (size_t)r * (size_t)depth;
        int32_t max_in_row = INT8_MIN;
        int32_t sum_of_exps = 0; /* Q12.19 */
        int32_t headroom_plus_one;
        int32_t num_bits_over_unit;
        int32_t reciprocal; /* Q0.31 */
        int32_t c;
        for (c = 0; c < depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        for (c = 0; c < depth; ++c) {
            const int32_t exp_q0 = tk_softmax_exp((int32_t)in[c] - max_in_row, params, quant);
            if (exp_q0 >= 0) {
                sum_of_exps += tk_fixedpoint_rescale(exp_q0, 0, TK_SOFTMAX_SUM_INTEGER_BITS);
            }
        }
        /* 1 / sum: normalise the sum to 1 + x with x in [0, 1), invert, and
         * remember the power of two taken out. */
        headroom_plus_one = tk_count_leading_zeros((uint32_t)sum_of_exps);
        num_bits_over_unit = TK_SOFTMAX_SUM_INTEGER_BITS - headroom_plus_one;
        reciprocal = tk_one_over_one_plus_x_for_x_in_0_1(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - UINT32_C(0x80000000)));
        for (c = 0; c < depth; ++c) {
            const int32_t exp_q0 = tk_softmax_exp((int32_t)in[c] - max_in_row, params, quant);
            if (exp_q0 < 0) {
                out[c] = INT8_MIN;
            } else {
                /* probability in Q0.31, to 1/256 steps, to zero point -128 */
                const int32_t probability = tk_saturating_rounding_doubling_high_mul(reciprocal, exp_q0);
                const int32_t scaled = tk_rounding_divide_by_pot(probability, num_bits_over_unit + 31 - 8) - 128;
                out[c] = (int8_t)tk_clamp(scaled, INT8_MIN, INT8_MAX);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_softmax_s8)
