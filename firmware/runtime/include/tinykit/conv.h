/* Convolution-family int8 kernels: 2-D convolution, depthwise convolution and
 * fully connected layers.
 *
 * The arithmetic is TF Lite Micro's reference int8 arithmetic: each output is
 * an int32 sum of filter * (input - input zero point) plus the bias, scaled
 * by a per-output-channel fixed-point multiplier, moved to the output zero
 * point and clamped to the fused activation's range. All constants (offsets,
 * multipliers, padding, clamp range) are computed at build time.
 */
#ifndef TINYKIT_CONV_H
#define TINYKIT_CONV_H

#include "tinykit/types.h"

/* CONV_2D. Input NHWC, filter [out_c, kh, kw, in_c / groups] (as tk_dims:
 * n = out_c, h = kh, w = kw, c = filter input depth), bias int32 [out_c] or NULL.
 * When the input has more channels than the filter, the convolution is grouped:
 * input depth / filter depth groups, each producing out_c / groups channels. */
typedef struct {
    int32_t stride_h;
    int32_t stride_w;
    int32_t dilation_h;
    int32_t dilation_w;
    int32_t pad_h;          /* rows of implicit zero-point padding above the input */
    int32_t pad_w;          /* columns of padding left of the input */
    int32_t input_offset;   /* minus the input zero point */
    int32_t output_offset;  /* the output zero point */
    tk_activation activation;
} tk_conv_params;

/* DEPTHWISE_CONV_2D. Filter [1, kh, kw, in_c * depth_multiplier]; output
 * channel c reads input channel c / depth_multiplier. */
typedef struct {
    int32_t stride_h;
    int32_t stride_w;
    int32_t dilation_h;
    int32_t dilation_w;
    int32_t pad_h;
    int32_t pad_w;
    int32_t depth_multiplier;
    int32_t input_offset;
    int32_t output_offset;
    tk_activation activation;
} tk_depthwise_conv_params;

/* FULLY_CONNECTED. Input [batches, depth] (tk_dims n = batches, c = depth),
 * filter [units, depth] (n = units, c = depth), output [batches, units].
 * Per-tensor weights use the same per-channel quant with every entry equal. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    tk_activation activation;
} tk_fully_connected_params;

tk_status tk_conv_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                     const tk_dims *input_dims, const int8_t *input,
                     const tk_dims *filter_dims, const int8_t *filter,
                     const int32_t *bias,
                     const tk_dims *output_dims, int8_t *output);

/* tk_conv_s8 for a 1x1 filter on cores with the DSP extension (cortexm/); no scratch. */
tk_status tk_conv_1x1_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *filter_dims, const int8_t *filter,
                         const int32_t *bias,
                         const tk_dims *output_dims, int8_t *output);

/* tk_conv_s8's results on cores with the DSP extension (cortexm/) from constants
 * the build prepared (tinykit/conv_quads.h): instead of quant and bias, one
 * record of TK_CONV_CHANNEL_WORDS int32 per output channel (folded bias,
 * multiplier, rounding term, shift, output offset). For one group and
 * right-shifting requantization. The 1x1 kernel needs a filter depth multiple
 * of 4 and an even out_c, reads its filter in the "channel_pairs" layout and
 * widens three input pixels in tk_conv_1x1_quads_s8_get_buffer_size bytes of
 * ctx; the other one needs out_c a multiple of 4, reads the "quads" layout
 * and im2cols two pixels into tk_conv_quads_s8_get_buffer_size bytes; the
 * triples kernel, for any filter with a depth multiple of 4 and an even out_c,
 * reads "channel_pairs" and im2cols three pixels widened to int16 into
 * tk_conv_triples_s8_get_buffer_size bytes; the quads wide kernel (depth a
 * multiple of 4, "quads" layout) widens two pixels' patches into
 * tk_conv_quads_wide_s8_get_buffer_size bytes. */
tk_status tk_conv_1x1_quads_s8(const tk_context *ctx, const tk_conv_params *params,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *channels,
                               const tk_dims *output_dims, int8_t *output);
tk_status tk_conv_quads_s8(const tk_context *ctx, const tk_conv_params *params,
                           const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *filter_dims, const int8_t *filter,
                           const int32_t *channels,
                           const tk_dims *output_dims, int8_t *output);
tk_status tk_conv_quads_wide_s8(const tk_context *ctx, const tk_conv_params *params,
                                const tk_dims *input_dims, const int8_t *input,
                                const tk_dims *filter_dims, const int8_t *filter,
                                const int32_t *channels,
                                const tk_dims *output_dims, int8_t *output);
tk_status tk_conv_triples_s8(const tk_context *ctx, const tk_conv_params *params,
                             const tk_dims *input_dims, const int8_t *input,
                             const tk_dims *filter_dims, const int8_t *filter,
                             const int32_t *channels,
                             const tk_dims *output_dims, int8_t *output);
int32_t tk_conv_1x1_quads_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                             const tk_dims *filter_dims, const tk_dims *output_dims);
int32_t tk_conv_quads_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                         const tk_dims *filter_dims, const tk_dims *output_dims);
int32_t tk_conv_quads_wide_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                              const tk_dims *filter_dims, const tk_dims *output_dims);
int32_t tk_conv_triples_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                           const tk_dims *filter_dims, const tk_dims *output_dims);
/* Scratch bytes tk_conv_s8 needs in ctx on cores with the DSP extension
 * (cortexm/tk_conv_s8.c: two int8 input patches); the reference needs none and
 * does not define it. */
int32_t tk_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                   const tk_dims *filter_dims, const tk_dims *output_dims);

/* tk_conv_s8's results on cores with the DSP extension (cortexm/) for input
 * depths that are not a multiple of 4 (first layers), from the build's
 * constants: filter in the "shallow_pairs" layout (int16 taps) and the
 * channel records of the quads kernels; one group, out_c a multiple of 4,
 * right-shifting requantization. Two pixels' patches as int16 pairs in
 * tk_conv_shallow_s8_get_buffer_size bytes of ctx. */
tk_status tk_conv_shallow_s8(const tk_context *ctx, const tk_conv_params *params,
                             const tk_dims *input_dims, const int8_t *input,
                             const tk_dims *filter_dims, const int8_t *filter,
                             const int32_t *channels,
                             const tk_dims *output_dims, int8_t *output);
int32_t tk_conv_shallow_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                           const tk_dims *filter_dims, const tk_dims *output_dims);

/* TRANSPOSE_CONV. Input NHWC, filter [out_c, kh, kw, in_c], bias int32 [out_c]
 * or NULL; params as CONV_2D's (dilations unused; pad_h and pad_w are the
 * padding TFLite computes from the output size). Each input pixel scatters
 * filter * (input - input zero point) into int32 accumulators, one per output
 * element, kept in ctx's scratch (tk_transpose_conv_s8_get_buffer_size bytes). */
tk_status tk_transpose_conv_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *bias,
                               const tk_dims *output_dims, int8_t *output);

/* Scratch bytes tk_transpose_conv_s8 needs: one int32 per output element. */
int32_t tk_transpose_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                             const tk_dims *filter_dims, const tk_dims *output_dims);

tk_status tk_depthwise_conv_s8(const tk_context *ctx, const tk_depthwise_conv_params *params, const tk_per_channel_quant *quant,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *bias,
                               const tk_dims *output_dims, int8_t *output);

/* tk_depthwise_conv_s8 for depth multiplier 1 on cores with the DSP extension
 * (cortexm/): four channels per step; no scratch. */
tk_status tk_depthwise_conv_dm1_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output);

/* tk_depthwise_conv_s8's results for depth multiplier 1 and channels a multiple
 * of 4 on cores with the DSP extension (cortexm/), from constants the build
 * prepared (layout "dw_c4"): the filter doubled as int16 pairs, and instead of
 * quant and bias per-channel records (the doubled bias and the SMMLAR
 * requantization's constants). No scratch; filters of at most
 * TK_DW_C4_MAX_TAPS taps (DW_C4_MAX_TAPS in tinykit/schedule/kernels/conv.py). */
#define TK_DW_C4_MAX_TAPS 64
tk_status tk_depthwise_conv_c4_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                  const tk_dims *input_dims, const int8_t *input,
                                  const tk_dims *filter_dims, const int32_t *filter,
                                  const int32_t *channels,
                                  const tk_dims *output_dims, int8_t *output);

/* tk_depthwise_conv_s8's results for a 3x3 filter, depth multiplier 1 and no
 * dilation on cores with the DSP extension (cortexm/), from constants the build
 * prepared: the filter as int16 pairs (layout "dw3x3_pairs") and the input
 * offset folded into the bias, which is therefore never NULL. Scratch: a ring
 * of three int16 rows (tk_depthwise_conv_3x3_s8_get_buffer_size bytes). */
tk_status tk_depthwise_conv_3x3_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output);

int32_t tk_depthwise_conv_3x3_s8_get_buffer_size(const tk_depthwise_conv_params *params, const tk_dims *input_dims,
                                                 const tk_dims *filter_dims, const tk_dims *output_dims);

tk_status tk_fully_connected_s8(const tk_context *ctx, const tk_fully_connected_params *params, const tk_per_channel_quant *quant,
                                const tk_dims *input_dims, const int8_t *input,
                                const tk_dims *filter_dims, const int8_t *filter,
                                const int32_t *bias,
                                const tk_dims *output_dims, int8_t *output);

/* tk_fully_connected_s8's results on cores with the DSP extension (cortexm/), from
 * constants the build prepared: weights in blocks of four units (layout "fc_blocks4")
 * and the input offset folded into the bias, which is therefore never NULL. No scratch. */
tk_status tk_fully_connected_folded_s8(const tk_context *ctx, const tk_fully_connected_params *params,
                                       const tk_per_channel_quant *quant,
                                       const tk_dims *input_dims, const int8_t *input,
                                       const tk_dims *filter_dims, const int8_t *filter,
                                       const int32_t *bias,
                                       const tk_dims *output_dims, int8_t *output);

/* tk_fully_connected_s8's results on cores with the DSP extension (cortexm/) for the layers
 * large enough to pay for its code (tinykit/schedule/kernels/conv.py says which), from
 * constants the build prepared: weights in blocks of eight units (layout "fc_blocks8")
 * and per unit the record of tinykit/conv_quads.h (bias with the input offset and the
 * layout's correction folded in, requantization constants). No scratch. */
tk_status tk_fully_connected_blocks8_s8(const tk_context *ctx, const tk_fully_connected_params *params,
                                        const tk_dims *input_dims, const int8_t *input,
                                        const tk_dims *filter_dims, const int8_t *filter,
                                        const int32_t *channels,
                                        const tk_dims *output_dims, int8_t *output);

#endif /* TINYKIT_CONV_H */
