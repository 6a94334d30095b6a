/* CONCATENATION int8 along one NHWC axis: a byte copy, as in TF Lite Micro,
 * which does not requantize (the code generator refuses inputs whose
 * quantization differs from the output's). */
#include <string.h>

#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_concatenation_s8(const tk_context *ctx, const tk_concatenation_params *params, const tk_dims *input_dims,
                              const int8_t *const *inputs, const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t axis = params->axis;
    int32_t outer;
    int32_t output_row;
    int32_t row_sum = 0;
    int32_t o;
    int32_t k;
    if (axis < 0 || axis > 3 || params->input_count < 1) {
        return TK_ERROR_ARGUMENT;
    }
    /* The tensor is outer rows of (axis extent x inner) bytes; each input
     * contributes one slice to every output row. */
    outer = tk_dims_count(output_dims) / tk_dims_extent_from_axis(output_dims, axis);
    output_row = tk_dims_extent_from_axis(output_dims, axis);
    for (k = 0; k < params->input_count; ++k) {
        const int32_t input_row = tk_dims_extent_from_axis(&input_dims[k], axis);
        if (tk_dims_count(&input_dims[k]) != outer * input_row) {
            return TK_ERROR_ARGUMENT;
        }
        row_sum += input_row;
    }
    if (row_sum != output_row) {
        return TK_ERROR_ARGUMENT;
    }
    for (o = 0; o < outer; ++o) {
        int8_t *destination = output + (size_t)o * (size_t)output_row;
        for (k = 0; k < params->input_count; ++k) {
            const int32_t input_row = tk_dims_extent_from_axis(&input_dims[k], axis);
            memcpy(destination, inputs[k] + (size_t)o * (size_t)input_row, (size_t)input_row);
            destination += input_row;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_concatenation_s8)
