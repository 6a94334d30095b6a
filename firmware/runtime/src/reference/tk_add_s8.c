/* ADD int8: TF Lite Micro's general quantized path (inputs of one shape; tk_add_broadcast_s8 broadcasts).
 * Both inputs are brought to a common scale with 20 bits of headroom so that
 * the rescaling loses nothing before the sum is scaled to the output. */
#include "tinykit/arithmetic.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

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
        const int32_t scaled1 = tk_add_scaled_input(params->input1_offset, params->left_shift, &quant->input1, input1[i]);
        const int32_t scaled2 = tk_add_scaled_input(params->input2_offset, params->left_shift, &quant->input2, input2[i]);
        output[i] = tk_add_output(params, quant, scaled1 + scaled2);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_add_s8)
