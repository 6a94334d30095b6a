/* QUANTIZE int8 -> int8: requantization from the input's scale and zero point
 * to the output's, as TF Lite Micro's Requantize does it. */
#include "tinykit/elementwise.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_quantize_s8(const tk_context *ctx, const tk_requantize_params *params, const tk_per_tensor_quant *quant,
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
        const int32_t value = tk_requantize(centred, quant->multiplier, quant->shift) + params->output_zero_point;
        output[i] = (int8_t)tk_clamp(value, INT8_MIN, INT8_MAX);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_quantize_s8)
