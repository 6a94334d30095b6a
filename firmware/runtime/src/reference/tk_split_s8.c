/* SPLIT, SPLIT_V and UNPACK int8 along one NHWC axis: byte copies, as TF Lite
 * Micro's reference Split and Unpack. */
#include <string.h>

#include "tinykit/movement.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_split_s8(const tk_context *ctx, const tk_split_params *params, const tk_dims *input_dims,
                      const int8_t *input, const tk_dims *output_dims, int8_t *const *outputs)
{
    const int32_t axis = params->axis;
    int32_t input_row;
    int32_t outer;
    int32_t row_sum = 0;
    int32_t o;
    int32_t k;
    (void)ctx;
    if (axis < 0 || axis > 3 || params->output_count < 1) {
        return TK_ERROR_ARGUMENT;
    }
    /* The input is outer rows of (axis extent x inner) bytes; each output
     * takes one consecutive slice of every row. */
    input_row = tk_dims_extent_from_axis(input_dims, axis);
    outer = input_row == 0 ? 0 : tk_dims_count(input_dims) / input_row;
    for (k = 0; k < params->output_count; ++k) {
        const tk_dims *d = &output_dims[k];
        if (tk_dims_count(d) != outer * tk_dims_extent_from_axis(d, axis)) {
            return TK_ERROR_ARGUMENT;
        }
        row_sum += tk_dims_extent_from_axis(d, axis);
    }
    if (row_sum != input_row) {
        return TK_ERROR_ARGUMENT;
    }
    for (o = 0; o < outer; ++o) {
        const int8_t *source = input + (size_t)o * (size_t)input_row;
        for (k = 0; k < params->output_count; ++k) {
            const int32_t output_row = tk_dims_extent_from_axis(&output_dims[k], axis);
            memcpy(outputs[k] + (size_t)o * (size_t)output_row, source, (size_t)output_row);
            source += output_row;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_split_s8)
