/* Pooling-family int8 kernels: average and max pooling over a window, and the
 * mean over height and width of an NHWC tensor.
 *
 * Pools keep the input's quantization (TFLite requires output scale and zero
 * point equal to the input's), so they only average or pick raw int8 values;
 * MEAN may change quantization and requantizes its sum.
 */
#ifndef TINYKIT_POOL_H
#define TINYKIT_POOL_H

#include "tinykit/types.h"

/* AVERAGE_POOL_2D and MAX_POOL_2D. Windows that hang over the input's edge use
 * only the elements inside it (padding is never counted). */
typedef struct {
    int32_t stride_h;
    int32_t stride_w;
    int32_t filter_h;
    int32_t filter_w;
    int32_t pad_h;  /* rows of padding above the input */
    int32_t pad_w;  /* columns of padding left of the input */
    tk_activation activation;
} tk_pool_params;

/* MEAN over axes 1 and 2 (height and width) of an NHWC input; the output is
 * [n, c] whatever its rank. quant scales the zero-point-corrected sum by
 * input_scale / (output_scale * h * w) in one fixed-point multiply. */
typedef struct {
    int32_t input_offset;   /* minus the input zero point */
    int32_t output_offset;  /* the output zero point */
} tk_mean_params;

tk_status tk_avg_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output);

tk_status tk_max_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output);

tk_status tk_mean_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input,
                     const tk_dims *output_dims, int8_t *output);

/* tk_mean_s8's results on cores with the DSP extension (cortexm/): four channels
 * summed per SXTAB16 pair. No scratch. */
tk_status tk_mean_hw_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                        const tk_dims *input_dims, const int8_t *input,
                        const tk_dims *output_dims, int8_t *output);

#endif /* TINYKIT_POOL_H */
