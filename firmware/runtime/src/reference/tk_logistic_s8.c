/* LOGISTIC int8: TF Lite Micro's fixed-point logistic with the input in Q4.27. */
#include "tinykit/elementwise.h"
#include "tinykit/fixedpoint.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"

/* Integer bits of the rescaled input; tinykit/codegen/ops/elementwise.py uses the same. */
#define TK_LOGISTIC_INPUT_INTEGER_BITS 4

tk_status tk_logistic_s8(const tk_context *ctx, const tk_logistic_params *params, const tk_per_tensor_quant *quant,
                         const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                         int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    /* In-place safe: input[i] is read before output[i] is written. */
    for (i = 0; i < count; ++i) {
        const int32_t centred = (int32_t)input[i] - params->input_zero_point;
        if (centred <= -params->input_range_radius) {
            output[i] = INT8_MIN;
        } else if (centred >= params->input_range_radius) {
            output[i] = INT8_MAX;
        } else {
            const int32_t input_q4 = tk_requantize(centred, quant->multiplier, quant->shift);
            const int32_t output_q0 = tk_logistic(input_q4, TK_LOGISTIC_INPUT_INTEGER_BITS);
            /* Q0.31 to 1/256 steps, then to the zero point -128. */
            const int32_t scaled = tk_rounding_divide_by_pot(output_q0, 23) - 128;
            output[i] = (int8_t)tk_clamp(scaled, INT8_MIN, INT8_MAX);
        }
    }
    return TK_OK;
}
