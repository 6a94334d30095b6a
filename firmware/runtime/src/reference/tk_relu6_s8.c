/* RELU6 int8: TF Lite Micro's Relu6Quantized clamps the raw input between the
 * input's quantized 0 and 6; it does not requantize. */
#include "tinykit/activation.h"
#include "tinykit/requantize.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_relu6_s8(const tk_context *ctx, const tk_activation *clamp, const tk_dims *input_dims,
                      const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    (void)ctx;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        output[i] = (int8_t)tk_clamp(input[i], clamp->min, clamp->max);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_relu6_s8)
