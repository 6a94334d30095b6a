/* The depth-multiplier-1 depthwise kernel for cores with the DSP extension
 * (kernel-internal; cortexm/tk_depthwise_conv_dm1_s8.c).
 *
 * With one filter per input channel, output channel c reads input channel c
 * only, so four neighbouring channels are four independent dot products over
 * the same taps, and their inputs and filter bytes are one word each. A tap
 * is: two word loads; SXTAB16 widens input channels 0 and 2 (and, with the
 * rotation folded in, channels 1 and 3) to int16 with the input offset added;
 * SXTB16 widens the filter likewise; SMLABB and SMLATT accumulate each
 * channel's product: ten instructions for four MACs.
 *
 * Padding never reaches the inner loop: for each output pixel the kernel
 * compute the rows and columns of taps inside the image (out-of-image taps
 * contribute 0, as the reference skips them) and loop over those only.
 */
#ifndef TINYKIT_DEPTHWISE_DM1_H
#define TINYKIT_DEPTHWISE_DM1_H

#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"

/* A layer's constants, read once from the kernel's arguments. */
typedef struct {
    int32_t channels;
    int32_t input_offset;
    int32_t offset_pair;      /* input_offset in both int16 halves */
    int32_t row_step;         /* input bytes between two filter rows */
    int32_t tap_step;         /* input bytes between two filter columns */
    int32_t filter_row_step;  /* filter bytes between two filter rows */
    tk_conv_requant requant;
} tk_dw_dm1;

/* Checks the shapes and fills *layer; TK_ERROR_ARGUMENT unless depth multiplier 1. */
static inline tk_status tk_dw_dm1_of(const tk_depthwise_conv_params *params, const tk_per_channel_quant *quant,
                                     const int32_t *bias, const tk_conv_geometry *g, tk_dw_dm1 *layer)
{
    if (params->depth_multiplier != 1 || g->in_c != g->out_c || g->filter_c != g->out_c ||
        params->dilation_h <= 0 || params->dilation_w <= 0) {
        return TK_ERROR_ARGUMENT;
    }
    const uint32_t half = (uint32_t)params->input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    memcpy(&layer->offset_pair, &pair_bits, sizeof layer->offset_pair); /* the bits, free of implementation-defined conversion */
    layer->channels = g->out_c;
    layer->input_offset = params->input_offset;
    layer->row_step = params->dilation_h * g->in_w * g->out_c;
    layer->tap_step = params->dilation_w * g->out_c;
    layer->filter_row_step = g->filter_w * g->out_c;
    layer->requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    return TK_OK;
}

/* The first tap k >= 0 with origin + dilation * k >= 0. */
static inline int32_t tk_dw_first_inside(int32_t origin, int32_t dilation)
{
    return origin >= 0 ? 0 : (dilation - 1 - origin) / dilation;
}

/* One past the last of `taps` taps with origin + dilation * k < extent. */
static inline int32_t tk_dw_end_inside(int32_t origin, int32_t dilation, int32_t extent, int32_t taps)
{
    const int32_t room = extent - origin;
    if (room <= 0) {
        return 0;
    }
    const int32_t end = (room + dilation - 1) / dilation;
    return end < taps ? end : taps;
}

/* Four channels' accumulators. */
typedef struct {
    int32_t c0;
    int32_t c1;
    int32_t c2;
    int32_t c3;
} tk_dw_acc4;

/* One tap of four channels: acc.cK += filter[K] * (in[K] + input offset). */
static inline void tk_dw_tap4(const int8_t *in, const int8_t *filter, int32_t offset_pair, tk_dw_acc4 *acc)
{
    const int32_t in_word = tk_load_word(in);
    const int32_t filter_word = tk_load_word(filter);
    const int32_t in_02 = __sxtab16(offset_pair, in_word);
    const int32_t in_13 = tk_sxtab16_ror8(offset_pair, in_word);
    const int32_t filter_02 = __sxtb16(filter_word);
    const int32_t filter_13 = tk_sxtb16_ror8(filter_word);
    acc->c0 = __smlabb(in_02, filter_02, acc->c0);
    acc->c2 = __smlatt(in_02, filter_02, acc->c2);
    acc->c1 = __smlabb(in_13, filter_13, acc->c1);
    acc->c3 = __smlatt(in_13, filter_13, acc->c3);
}

/* Channels c..c+3 of one output pixel from their accumulators. */
static inline void tk_dw_store4(const tk_dw_dm1 *layer, const tk_dw_acc4 *acc, int32_t c, int8_t *out_px)
{
    out_px[c] = tk_conv_requant_output(&layer->requant, acc->c0, c);
    out_px[c + 1] = tk_conv_requant_output(&layer->requant, acc->c1, c + 1);
    out_px[c + 2] = tk_conv_requant_output(&layer->requant, acc->c2, c + 2);
    out_px[c + 3] = tk_conv_requant_output(&layer->requant, acc->c3, c + 3);
}

/* Channels first..channels-1 of one output pixel over the taps
 * ky_first..ky_end-1, kx_first..kx_end-1 (all inside the image, `rows` and
 * `cols` of them); in_first and filter_first address channel 0 of the first
 * of them. An empty range gives every channel the bias alone. */
static inline void tk_dw_dm1_pixel_channels(const tk_dw_dm1 *layer, const int8_t *in_first, const int8_t *filter_first,
                                            int32_t rows, int32_t cols, int32_t first, int8_t *out_px)
{
    const int32_t channels = layer->channels;
    int32_t c = first;
    for (; c + 4 <= channels; c += 4) {
        tk_dw_acc4 acc = {0, 0, 0, 0};
        const int8_t *in_row = in_first + c;
        const int8_t *filter_row = filter_first + c;
        for (int32_t ky = 0; ky < rows; ++ky, in_row += layer->row_step, filter_row += layer->filter_row_step) {
            for (int32_t kx = 0; kx < cols; ++kx) {
                tk_dw_tap4(in_row + kx * layer->tap_step, filter_row + kx * channels, layer->offset_pair, &acc);
            }
        }
        tk_dw_store4(layer, &acc, c, out_px);
    }
    for (; c < channels; ++c) {
        int32_t acc = 0;
        const int8_t *in_row = in_first + c;
        const int8_t *filter_row = filter_first + c;
        for (int32_t ky = 0; ky < rows; ++ky, in_row += layer->row_step, filter_row += layer->filter_row_step) {
            for (int32_t kx = 0; kx < cols; ++kx) {
                acc += (int32_t)filter_row[kx * channels] * ((int32_t)in_row[kx * layer->tap_step] + layer->input_offset);
            }
        }
        out_px[c] = tk_conv_requant_output(&layer->requant, acc, c);
    }
}

/* Every channel of one output pixel (tk_dw_dm1_pixel_channels from channel 0). */
static inline void tk_dw_dm1_pixel(const tk_dw_dm1 *layer, const int8_t *in_first, const int8_t *filter_first,
                                   int32_t rows, int32_t cols, int8_t *out_px)
{
    tk_dw_dm1_pixel_channels(layer, in_first, filter_first, rows, cols, 0, out_px);
}

#endif /* TINYKIT_DEPTHWISE_DM1_H */
