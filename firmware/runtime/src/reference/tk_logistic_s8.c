/* LOGISTIC int8: TF Lite Micro's fixed-point logistic with the input in Q4.27
 * (the input stage TANH shares, tk_sigmoid_input_q4). */
#include "tinykit/elementwise.h"
#include "tinykit/fixedpoint.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

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
            /* Q0.31 to 1/256 steps, then to the zero point -128. */
            output[i] = (int8_t)tk_clamp(
                tk_rounding_divide_by_pot(tk_logistic(input_q4, TK_SIGMOID_INPUT_INTEGER_BITS), 23) - 128, INT8_MIN, INT8_MAX);
            break;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_logistic_s8)
