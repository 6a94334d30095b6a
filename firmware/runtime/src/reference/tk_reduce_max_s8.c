/* REDUCE_MAX int8: the largest raw value of each output's elements, as TF
 * Lite Micro's ReduceGeneric with its int8 max reducer. */
#include "tinykit/reduce.h"

tk_status tk_reduce_max_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int8_t *output)
{
    int32_t outer_index[TK_MAX_RANK] = {0};
    int32_t outer_offset = 0;
    int32_t outputs, count, o, i;
    (void)ctx;
    if (!tk_valid_reduction(shape)) {
        return TK_ERROR_ARGUMENT;
    }
    outputs = tk_extent_product(shape->outer_rank, shape->outer_shape);
    count = tk_extent_product(shape->inner_rank, shape->inner_shape);
    for (o = 0; o < outputs; ++o) {
        int32_t inner_index[TK_MAX_RANK] = {0};
        int32_t inner_offset = 0;
        int8_t best = INT8_MIN;
        for (i = 0; i < count; ++i) {
            const int8_t value = input[outer_offset + inner_offset];
            best = value > best ? value : best;
            tk_stride_step(shape->inner_rank, shape->inner_shape, shape->inner_stride, inner_index, &inner_offset);
        }
        output[o] = best;
        tk_stride_step(shape->outer_rank, shape->outer_shape, shape->outer_stride, outer_index, &outer_offset);
    }
    return TK_OK;
}
