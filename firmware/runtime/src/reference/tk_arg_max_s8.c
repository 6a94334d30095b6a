/* ARG_MAX int8 over one axis: TF Lite Micro's reference ArgMinMax with
 * std::greater, so the first of equal largest values wins. */
#include "tinykit/reduce.h"
#include "tinykit/invoke.h"

tk_status tk_arg_max_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int32_t *output)
{
    int32_t outer_index[TK_MAX_RANK] = {0};
    int32_t outer_offset = 0;
    int32_t outputs, axis_size, step, o, i;
    (void)ctx;
    if (!tk_valid_reduction(shape) || shape->inner_rank != 1) {
        return TK_ERROR_ARGUMENT;
    }
    outputs = tk_extent_product(shape->outer_rank, shape->outer_shape);
    axis_size = shape->inner_shape[0];
    step = shape->inner_stride[0];
    for (o = 0; o < outputs; ++o) {
        const int8_t *row = input + outer_offset;
        int8_t best = row[0];
        int32_t best_index = 0;
        for (i = 1; i < axis_size; ++i) {
            if (row[i * step] > best) {
                best = row[i * step];
                best_index = i;
            }
        }
        output[o] = best_index;
        tk_stride_step(shape->outer_rank, shape->outer_shape, shape->outer_stride, outer_index, &outer_offset);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_4(tk_arg_max_s8)
