/* Data-movement int8 kernels: TRANSPOSE, STRIDED_SLICE (and SLICE), SPLIT
 * (and SPLIT_V, UNPACK). Like the shape kernels they copy bytes and never
 * change values, as TF Lite Micro's do; the code generator checks that input
 * and outputs share one quantization. Tensors of rank below 4 are given as
 * NHWC dims with leading extents of 1. None needs scratch memory. */
#ifndef TINYKIT_MOVEMENT_H
#define TINYKIT_MOVEMENT_H

#include <stdint.h>

#include "tinykit/types.h"

/* Elements between neighbours along each NHWC axis of a dense tensor of these dims. */
static inline void tk_dims_strides(const tk_dims *dims, int32_t strides[4])
{
    strides[3] = 1;
    strides[2] = dims->c;
    strides[1] = dims->w * dims->c;
    strides[0] = dims->h * dims->w * dims->c;
}

/* Writes an NHWC block of `extents` to output in order, reading element
 * (n, h, w, c) at input[n * step[0] + h * step[1] + w * step[2] + c * step[3]]. */
static inline void tk_copy_block_s8(const int8_t *input, const int32_t step[4], const int32_t extents[4],
                                    int8_t *output)
{
    int32_t n, h, w, c;
    for (n = 0; n < extents[0]; ++n) {
        for (h = 0; h < extents[1]; ++h) {
            for (w = 0; w < extents[2]; ++w) {
                const int8_t *source = input + n * step[0] + h * step[1] + w * step[2];
                for (c = 0; c < extents[3]; ++c) {
                    *output++ = source[c * step[3]];
                }
            }
        }
    }
}

/* TRANSPOSE: output axis i is input axis perm[i] (NHWC axes 0..3). */
typedef struct {
    int32_t perm[4];
} tk_transpose_params;

tk_status tk_transpose_s8(const tk_context *ctx, const tk_transpose_params *params, const tk_dims *input_dims,
                          const int8_t *input, const tk_dims *output_dims, int8_t *output);

/* STRIDED_SLICE and SLICE: output element (n, h, w, c) is the input element at
 * (begin.n + n * stride.n, ..., begin.c + c * stride.c); strides may be
 * negative. output_dims are the window's extents (an axis TFLite shrinks
 * away keeps extent 1 here: the bytes are the same). */
typedef struct {
    tk_dims begin;
    tk_dims stride;
} tk_strided_slice_params;

tk_status tk_strided_slice_s8(const tk_context *ctx, const tk_strided_slice_params *params,
                              const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                              int8_t *output);

/* SPLIT, SPLIT_V and UNPACK: the input cut along one NHWC axis into
 * output_count consecutive pieces, as long as each output's extent on that
 * axis (all other extents equal the input's). The inverse of CONCATENATION. */
typedef struct {
    int32_t axis;
    int32_t output_count;
} tk_split_params;

tk_status tk_split_s8(const tk_context *ctx, const tk_split_params *params, const tk_dims *input_dims,
                      const int8_t *input, const tk_dims *output_dims, int8_t *const *outputs);

#endif /* TINYKIT_MOVEMENT_H */
