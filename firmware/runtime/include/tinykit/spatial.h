/* Spatial int8 kernels: RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR,
 * DEPTH_TO_SPACE and SPACE_TO_DEPTH, on NHWC tensors.
 *
 * As in TF Lite Micro, none of them requantizes: they move or interpolate raw
 * int8 values, so the code generator requires the input and output to share
 * one quantization. Constants (source indices, fixed-point scales) are
 * computed at build time by tinykit/codegen/ops/spatial.py the way TF Lite
 * Micro computes them at run time.
 */
#ifndef TINYKIT_SPATIAL_H
#define TINYKIT_SPATIAL_H

#include <stdint.h>

#include "tinykit/types.h"

/* RESIZE_NEAREST_NEIGHBOR: output pixel (y, x) copies input pixel
 * (source_rows[y], source_cols[x]); the tables hold output_dims->h and
 * output_dims->w entries (TF Lite Micro derives them with float32 arithmetic,
 * which the build reproduces). */
typedef struct {
    const int32_t *source_rows;
    const int32_t *source_cols;
} tk_resize_nearest_params;

tk_status tk_resize_nearest_neighbor_s8(const tk_context *ctx, const tk_resize_nearest_params *params,
                                        const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                                        int8_t *output);

/* RESIZE_BILINEAR: TF Lite Micro's integer bilinear interpolation, with
 * positions in units of 1/1024 input pixel (height_scale and width_scale:
 * input pixels per output pixel, times 1024, rounded). */
typedef struct {
    int32_t height_scale;
    int32_t width_scale;
    int32_t half_pixel_centers; /* 1: sample at pixel centres (x + 0.5) */
} tk_resize_bilinear_params;

tk_status tk_resize_bilinear_s8(const tk_context *ctx, const tk_resize_bilinear_params *params,
                                const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                                int8_t *output);

/* DEPTH_TO_SPACE and SPACE_TO_DEPTH: blocks of block_size x block_size pixels
 * moved to or from the channels (channel index (by * block_size + bx) * depth
 * + c, depth being the channels of the spatial side). */
typedef struct {
    int32_t block_size;
} tk_block_params;

tk_status tk_depth_to_space_s8(const tk_context *ctx, const tk_block_params *params, const tk_dims *input_dims,
                               const int8_t *input, const tk_dims *output_dims, int8_t *output);

tk_status tk_space_to_depth_s8(const tk_context *ctx, const tk_block_params *params, const tk_dims *input_dims,
                               const int8_t *input, const tk_dims *output_dims, int8_t *output);

#endif /* TINYKIT_SPATIAL_H */
