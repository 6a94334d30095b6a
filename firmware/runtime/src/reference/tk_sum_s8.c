/* SUM and MEAN int8 over any axes: TF Lite Micro's reference
 * QuantizedMeanOrSum. The int32 sum of each output's inputs, minus zero point
 * times count, is requantized once; for MEAN the multiplier carries 1/count
 * the way TF Lite Micro folds it in (see tinykit/codegen/ops/pool.py). */
#include "tinykit/reduce.h"
#include "tinykit/requantize.h"
#include "tinykit/invoke.h"

tk_status tk_sum_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                    const tk_reduction *shape, const int8_t *input, int8_t *output)
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
        int32_t sum = 0;
        int32_t out;
        for (i = 0; i < count; ++i) {
            sum += input[outer_offset + inner_offset];
            tk_stride_step(shape->inner_rank, shape->inner_shape, shape->inner_stride, inner_index, &inner_offset);
        }
        out = tk_requantize(sum + params->input_offset * count, quant->multiplier, quant->shift) + params->output_offset;
        output[o] = (int8_t)tk_clamp(out, INT8_MIN, INT8_MAX);
        tk_stride_step(shape->outer_rank, shape->outer_shape, shape->outer_stride, outer_index, &outer_offset);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_sum_s8)
