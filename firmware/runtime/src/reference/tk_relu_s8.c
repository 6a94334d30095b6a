/* RELU int8: TF Lite Micro's ReluQuantized: the centred input requantized to
 * the output scale, offset, then clamped below at the output's quantized 0. */
#include "tinykit/activation.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_relu_s8(const tk_context *ctx, const tk_relu_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    (void)ctx;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        const int32_t out = params->output_zero_point +
                            tk_requantize((int32_t)input[i] - params->input_zero_point, quant->multiplier, quant->shift);
        output[i] = (int8_t)tk_clamp(out, params->clamp.min, params->clamp.max);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_relu_s8)
