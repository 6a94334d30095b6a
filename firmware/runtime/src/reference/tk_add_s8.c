/* ADD int8: TF Lite Micro's general quantized path (no broadcasting).
 * Both inputs are brought to a common scale with 20 bits of headroom so that
 * the rescaling loses nothing before the sum is scaled to the output. */
#include "tinykit/elementwise.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"

tk_status tk_add_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant, const tk_dims *input1_dims,
                    const int8_t *input1, const tk_dims *input2_dims, const int8_t *input2,
                    const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    if (tk_dims_count(input1_dims) != count || tk_dims_count(input2_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    /* Element i of both inputs is read before output[i] is written, so output may alias either input. */
    for (i = 0; i < count; ++i) {
        const int32_t shifted1 = (params->input1_offset + input1[i]) * (INT32_C(1) << params->left_shift);
        const int32_t shifted2 = (params->input2_offset + input2[i]) * (INT32_C(1) << params->left_shift);
        const int32_t scaled1 = tk_requantize(shifted1, quant->input1.multiplier, quant->input1.shift);
        const int32_t scaled2 = tk_requantize(shifted2, quant->input2.multiplier, quant->input2.shift);
        const int32_t sum = tk_requantize(scaled1 + scaled2, quant->output.multiplier, quant->output.shift) +
                            params->output_offset;
        output[i] = (int8_t)tk_clamp(sum, params->activation.min, params->activation.max);
    }
    return TK_OK;
}
