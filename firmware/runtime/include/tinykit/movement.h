/* Data-movement int8 kernels: TRANSPOSE, STRIDED_SLICE (and SLICE), SPLIT
 * (and SPLIT_V, UNPACK). Like the shape kernels they copy bytes and never
 * change values, as TF Lite Micro's do; the code generator checks that input
 * and outputs share one quantization. Tensors of rank below 4 are given as
 * NHWC dims with leading extents of 1. None needs scratch memory. */
#ifndef TINYKIT_MOVEMENT_H
#define TINYKIT_MOVEMENT_H

#include <stdint.h>

#include "tinykit/types.h"

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
