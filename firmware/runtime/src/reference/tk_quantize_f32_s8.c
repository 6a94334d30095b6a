/* QUANTIZE float32 -> int8 at a model's input, rounding exactly as TF Lite
 * Micro does: the float is divided by the float32 scale in single precision
 * and the quotient rounded half away from zero (roundf). */
#include "tinykit/elementwise.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

/* roundf(q) (ties away from zero), clamped to [lo, hi]; NaN gives lo.
 * Written without libm: truncating toward zero and comparing the exact
 * fraction (q - trunc(q) is exact in float) gives roundf's result. */
static int32_t tk_round_clamped(float q, int32_t lo, int32_t hi)
{
    int32_t truncated;
    float fraction;
    if (!(q >= (float)lo - 1.0f)) {
        return lo;
    }
    if (q > (float)hi + 1.0f) {
        return hi;
    }
    truncated = (int32_t)q;
    fraction = q - (float)truncated;
    if (fraction >= 0.5f) {
        ++truncated;
    } else if (fraction <= -0.5f) {
        --truncated;
    }
    return tk_clamp(truncated, lo, hi);
}

tk_status tk_quantize_f32_s8(const tk_context *ctx, const tk_affine_quant *quant, const tk_dims *input_dims, const float *input,
                             const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        /* Clamp the rounded quotient before adding the zero point, with room
         * for any zero point in [-128, 127]. */
        const int32_t rounded = tk_round_clamped(input[i] / quant->scale, -256, 256);
        output[i] = (int8_t)tk_clamp(rounded + quant->zero_point, INT8_MIN, INT8_MAX);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_quantize_f32_s8)
