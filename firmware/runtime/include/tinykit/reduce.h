/* Reduction int8 kernels over any set of axes: REDUCE_MAX, REDUCE_MIN, SUM
 * (and MEAN, which is SUM with 1/count folded into its multiplier), ARG_MAX.
 *
 * The code generator splits the input's dimensions into the kept ones (the
 * "outer" walk, one output element per position, in row-major order) and the
 * reduced ones (the "inner" walk over the elements of one output), each with
 * the input strides of its dimensions. Each output reduces its own elements
 * directly, so no accumulator scratch is needed.
 */
#ifndef TINYKIT_REDUCE_H
#define TINYKIT_REDUCE_H

#include <stdint.h>

#include "tinykit/pool.h"
#include "tinykit/strides.h"
#include "tinykit/types.h"

typedef struct {
    int32_t outer_rank;                 /* 1 .. TK_MAX_RANK (a single 1 when everything is reduced) */
    int32_t outer_shape[TK_MAX_RANK];
    int32_t outer_stride[TK_MAX_RANK];  /* input elements */
    int32_t inner_rank;                 /* 1 .. TK_MAX_RANK */
    int32_t inner_shape[TK_MAX_RANK];
    int32_t inner_stride[TK_MAX_RANK];
} tk_reduction;

/* REDUCE_MAX / REDUCE_MIN: the largest / smallest raw value (TF Lite Micro
 * requires the output quantization to equal the input's). */
tk_status tk_reduce_max_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int8_t *output);

tk_status tk_reduce_min_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int8_t *output);

/* SUM and MEAN: TF Lite Micro's QuantizedMeanOrSum: the sum of the centred
 * inputs requantized once (quant folds 1/count in for MEAN), offset, clamped. */
tk_status tk_sum_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                    const tk_reduction *shape, const int8_t *input, int8_t *output);

/* ARG_MAX over one axis (the inner walk has rank 1): the index of the first
 * largest value, as int32. */
tk_status tk_arg_max_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int32_t *output);

/* True if both walks have valid ranks and extents. */
static inline int tk_valid_reduction(const tk_reduction *shape)
{
    return tk_valid_shape(shape->outer_rank, shape->outer_shape) && tk_valid_shape(shape->inner_rank, shape->inner_shape);
}

/* REDUCE_MAX (largest != 0) or REDUCE_MIN (largest == 0): the one loop both kernels run. */
static inline tk_status tk_reduce_extreme_s8(const tk_reduction *shape, const int8_t *input, int8_t *output,
                                             int largest)
{
    int32_t outer_index[TK_MAX_RANK] = {0};
    int32_t outer_offset = 0;
    int32_t outputs, count, o, i;
    if (!tk_valid_reduction(shape)) {
        return TK_ERROR_ARGUMENT;
    }
    outputs = tk_extent_product(shape->outer_rank, shape->outer_shape);
    count = tk_extent_product(shape->inner_rank, shape->inner_shape);
    for (o = 0; o < outputs; ++o) {
        int32_t inner_index[TK_MAX_RANK] = {0};
        int32_t inner_offset = 0;
        int8_t best = largest ? INT8_MIN : INT8_MAX;
        for (i = 0; i < count; ++i) {
            const int8_t value = input[outer_offset + inner_offset];
            best = (largest ? value > best : value < best) ? value : best;
            tk_stride_step(shape->inner_rank, shape->inner_shape, shape->inner_stride, inner_index, &inner_offset);
        }
        output[o] = best;
        tk_stride_step(shape->outer_rank, shape->outer_shape, shape->outer_stride, outer_index, &outer_offset);
    }
    return TK_OK;
}

#endif /* TINYKIT_REDUCE_H */
