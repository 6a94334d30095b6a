/* TANH int8: TF Lite Micro's reference integer Tanh: the input rescaled to
 * Q4.27 (the input stage LOGISTIC shares, tk_sigmoid_input_q4), gemmlowp's
 * fixed-point tanh, then Q0.31 to steps of 1/128 with zero point 0. */
#include "tinykit/activation.h"
#include "tinykit/fixedpoint.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

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
        int32_t input_q4 = 0;
        switch (tk_sigmoid_input_q4(input[i], params->input_zero_point, params->input_range_radius, quant->multiplier,
                                    quant->shift, &input_q4)) {
        case TK_RADIUS_BELOW:
            output[i] = INT8_MIN;
            break;
        case TK_RADIUS_ABOVE:
            output[i] = INT8_MAX;
            break;
        case TK_RADIUS_INSIDE:
            output[i] = (int8_t)tk_clamp(tk_rounding_divide_by_pot(tk_tanh(input_q4, TK_SIGMOID_INPUT_INTEGER_BITS), 24),
                                         INT8_MIN, INT8_MAX);
            break;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_tanh_s8)
