/* Broadcasting of binary element-wise ops (numpy rules, as TF Lite Micro's
 * BroadcastBinaryOpSimple): the output is written in row-major order over
 * `shape`; each input is read through its own strides, 0 along a dimension
 * it is broadcast over. Inputs of one shape are the rank-1 case.
 *
 * The output element i is written after the inputs' elements for i are read,
 * and an input of the output's own shape is read at i only, so the output may
 * be that input's buffer (in place).
 */
#ifndef TINYKIT_BROADCAST_H
#define TINYKIT_BROADCAST_H

#include <stdint.h>

#include "tinykit/strides.h"
#include "tinykit/types.h"

typedef struct {
    int32_t rank;                        /* 1 .. TK_MAX_RANK */
    int32_t shape[TK_MAX_RANK];          /* output extents */
    int32_t input1_stride[TK_MAX_RANK];  /* in elements; 0 where input1 is broadcast */
    int32_t input2_stride[TK_MAX_RANK];
} tk_broadcast;

/* One output row: `count` elements, input k read every step_k elements (0 or 1). */
typedef void (*tk_broadcast_row_fn)(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2,
                                    int32_t step2, int8_t *output, int32_t count);

/* Runs `row` over every row (innermost dimension) of the broadcast. */
static inline tk_status tk_broadcast_rows(const tk_broadcast *shape, const int8_t *input1, const int8_t *input2,
                                          int8_t *output, tk_broadcast_row_fn row, const void *op)
{
    int32_t index1[TK_MAX_RANK] = {0};
    int32_t index2[TK_MAX_RANK] = {0};
    int32_t offset1 = 0;
    int32_t offset2 = 0;
    int32_t last;
    int32_t rows;
    int32_t r;
    if (!tk_valid_shape(shape->rank, shape->shape)) {
        return TK_ERROR_ARGUMENT;
    }
    last = shape->rank - 1;
    rows = tk_extent_product(last, shape->shape);
    for (r = 0; r < rows; ++r) {
        row(op, input1 + offset1, shape->input1_stride[last], input2 + offset2, shape->input2_stride[last], output,
            shape->shape[last]);
        output += shape->shape[last];
        tk_stride_step(last, shape->shape, shape->input1_stride, index1, &offset1);
        tk_stride_step(last, shape->shape, shape->input2_stride, index2, &offset2);
    }
    return TK_OK;
}

#endif /* TINYKIT_BROADCAST_H */
