/* LEAKY_RELU int8: TF Lite Micro's QuantizeLeakyRelu: the centred input is
 * requantized by the identity slope at or above the zero point and by the
 * alpha slope below it (by |alpha|'s, then negated, for a negative alpha:
 * requantizing by a negated multiplier would round ties the other way). */
#include "tinykit/activation.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_leaky_relu_s8(const tk_context *ctx, const tk_leaky_relu_params *params,
                           const tk_two_slope_quant *quant, const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *output_dims, int8_t *output)
{
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    (void)ctx;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        const int32_t centred = (int32_t)input[i] - params->input_zero_point;
        int32_t scaled;
        if (centred >= 0) {
            scaled = tk_requantize(centred, quant->identity.multiplier, quant->identity.shift);
        } else {
            scaled = tk_requantize(centred, quant->alpha.multiplier, quant->alpha.shift);
            scaled = params->negative_alpha ? -scaled : scaled;
        }
        output[i] = (int8_t)tk_clamp(params->output_zero_point + scaled, INT8_MIN, INT8_MAX);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_leaky_relu_s8)
