/* Shape int8 kernels: RESHAPE, CONCATENATION and PAD. They move bytes and
 * never change values, so they work for any tensor quantization, as long as
 * the input and output share it (the code generator checks that). */
#ifndef TINYKIT_SHAPE_H
#define TINYKIT_SHAPE_H

#include <stdint.h>

#include "tinykit/types.h"

/* Number of elements of a tensor of these dims. */
static inline int32_t tk_dims_count(const tk_dims *dims)
{
    return dims->n * dims->h * dims->w * dims->c;
}

/* Product of the extents from NHWC axis `axis` (inclusive) to the last: the
 * length of one row when a tensor is cut along that axis. */
static inline int32_t tk_dims_extent_from_axis(const tk_dims *dims, int32_t axis)
{
    const int32_t extents[4] = {dims->n, dims->h, dims->w, dims->c};
    int32_t product = 1;
    int32_t a;
    for (a = axis; a < 4; ++a) {
        product *= extents[a];
    }
    return product;
}

/* RESHAPE: the bytes stay as they are. The planner may place the output on
 * the input, in which case nothing is copied. */
tk_status tk_reshape_s8(const tk_context *ctx, const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                        int8_t *output);

/* CONCATENATION of input_count tensors along one NHWC axis
 * (0 = n, 1 = h, 2 = w, 3 = c); all other extents must be equal. */
typedef struct {
    int32_t axis;
    int32_t input_count;
} tk_concatenation_params;

tk_status tk_concatenation_s8(const tk_context *ctx, const tk_concatenation_params *params, const tk_dims *input_dims,
                              const int8_t *const *inputs, const tk_dims *output_dims, int8_t *output);

/* PAD / PADV2: the input placed at offset `before` inside an output filled
 * with pad_value; output extent = before + input extent + after per axis. */
typedef struct {
    tk_dims before;
    tk_dims after;
    int32_t pad_value;
} tk_pad_params;

tk_status tk_pad_s8(const tk_context *ctx, const tk_pad_params *params, const tk_dims *input_dims, const int8_t *input,
                    const tk_dims *output_dims, int8_t *output);

#endif /* TINYKIT_SHAPE_H */
