/* HARD_SWISH int8: TF Lite Micro's reference quantized HardSwish, which
 * computes in int16 fixed point with gemmlowp's int16 operations. Every
 * intermediate below holds an int16 value; the helpers reproduce the int16
 * operations (including their saturation and the int16 truncation of the
 * rounding mask) without relying on implementation-defined conversions. */
#include "tinykit/activation.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

#define TK_INT16_MIN (-32768)
#define TK_INT16_MAX 32767

/* The low 16 bits of x read as a two's-complement int16. */
static int32_t wrap_int16(int64_t x)
{
    const int32_t low = (int32_t)(x & 0xFFFF);
    return low >= 0x8000 ? low - 0x10000 : low;
}

/* gemmlowp's int16 SaturatingRoundingDoublingHighMul. */
static int32_t rounding_doubling_high_mul_16(int32_t a, int32_t b)
{
    const int32_t ab = a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    if (a == TK_INT16_MIN && b == TK_INT16_MIN) {
        return TK_INT16_MAX;
    }
    return (ab + nudge) / (1 << 15);
}

/* TF Lite's SaturatingDoublingHighMul: as above, rounding toward zero. */
static int32_t doubling_high_mul_16(int32_t a, int32_t b)
{
    if (a == TK_INT16_MIN && b == TK_INT16_MIN) {
        return TK_INT16_MAX;
    }
    return (a * b) / (1 << 15);
}

/* gemmlowp's RoundingDivideByPOT on int16: the mask (2^exponent - 1) is an
 * int16, so from exponent 16 on it is -1. */
static int32_t rounding_divide_by_pot_16(int32_t x, int32_t exponent)
{
    const int32_t mask = wrap_int16((INT64_C(1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = wrap_int16((mask >> 1) + (x < 0 ? 1 : 0));
    return wrap_int16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/* TF Lite's int16 SaturatingLeftShift. */
static int32_t saturating_left_shift_16(int32_t value, int32_t amount)
{
    const int64_t shifted = (int64_t)value * (INT64_C(1) << amount);
    return shifted > TK_INT16_MAX ? TK_INT16_MAX : (shifted < TK_INT16_MIN ? TK_INT16_MIN : (int32_t)shifted);
}

tk_status tk_hard_swish_s8(const tk_context *ctx, const tk_hard_swish_params *params, const tk_dims *input_dims,
                           const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    (void)ctx;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        /* The centred input on a 2^7 finer scale (|value| <= 255 * 128 fits int16). */
        const int32_t hires = ((int32_t)input[i] - params->input_zero_point) * (1 << 7);
        const int32_t preshift_output_scale = rounding_doubling_high_mul_16(hires, params->output_multiplier);
        /* The input rescaled so that 3 maps to 32768, saturating: relu6(x + 3) / 6 after the affine step below. */
        int32_t reluish = hires;
        int32_t out;
        if (params->reluish_shift > 0) {
            reluish = saturating_left_shift_16(reluish, params->reluish_shift - 1);
        }
        reluish = rounding_doubling_high_mul_16(reluish, params->reluish_multiplier);
        if (params->reluish_shift > 0) {
            reluish = saturating_left_shift_16(reluish, 1);
        }
        if (params->reluish_shift < 0) {
            reluish = rounding_divide_by_pot_16(reluish, -params->reluish_shift);
        }
        /* From [-1, 1] to [0, 1]. */
        reluish = (reluish + (1 << 15)) >> 1;
        out = rounding_divide_by_pot_16(doubling_high_mul_16(reluish, preshift_output_scale), -params->output_shift);
        out = wrap_int16(out + params->output_zero_point);
        output[i] = (int8_t)tk_clamp(out, INT8_MIN, INT8_MAX);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_hard_swish_s8)
