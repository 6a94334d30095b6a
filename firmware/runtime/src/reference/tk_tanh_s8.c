/* TANH int8: TF Lite Micro's reference integer Tanh: the input rescaled to
 * Q4.27 (as LOGISTIC), gemmlowp's fixed-point tanh, then Q0.31 to steps of
 * 1/128 with zero point 0. */
#include "tinykit/activation.h"
#include "tinykit/fixedpoint.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"

/* Integer bits of the rescaled input; tinykit/codegen/ops/elementwise.py uses the same. */
#define TK_TANH_INPUT_INTEGER_BITS 4

tk_status tk_tanh_s8(const tk_context *ctx, const tk_logistic_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    (void)ctx;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        const int32_t centred = (int32_t)input[i] - params->input_zero_point;
        if (centred <= -params->input_range_radius) {
            output[i] = INT8_MIN;
        } else if (centred >= params->input_range_radius) {
            output[i] = INT8_MAX;
        } else {
            const int32_t input_q4 = tk_requantize(centred, quant->multiplier, quant->shift);
            const int32_t output_q0 = tk_tanh(input_q4, TK_TANH_INPUT_INTEGER_BITS);
            output[i] = (int8_t)tk_clamp(tk_rounding_divide_by_pot(output_q0, 24), INT8_MIN, INT8_MAX);
        }
    }
    return TK_OK;
}
