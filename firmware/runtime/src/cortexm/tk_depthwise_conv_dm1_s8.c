/* DEPTHWISE_CONV_2D with depth multiplier 1, for cores with the DSP extension:
 * the contract and results of tk_depthwise_conv_s8 (reference/), four
 * channels per step.
 *
 * With one filter per input channel, output channel c reads input channel c
 * only, so four neighbouring channels are four independent dot products over
 * the same taps, and their inputs and filter bytes are one word each. A tap
 * is: two word loads; SXTAB16 widens input channels 0 and 2 (and, rotated by
 * 8, channels 1 and 3) to int16 with the input offset added; SXTB16 widens the
 * filter likewise; SMLABB and SMLATT accumulate each channel's product. That
 * is ten instructions for four MACs, against about 36 per MAC in the
 * reference.
 *
 * Padding never reaches the inner loop: for each output pixel the kernel
 * computes the rows and columns of taps inside the image (out-of-image taps
 * contribute 0, as the reference skips them) and loops over those only.
 * Chosen at build time for depth multiplier 1 (tinykit/schedule/kernels/conv.py).
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"

/* The first tap k >= 0 with origin + dilation * k >= 0. */
static inline int32_t first_inside(int32_t origin, int32_t dilation)
{
    return origin >= 0 ? 0 : (dilation - 1 - origin) / dilation;
}

/* One past the last of `taps` taps with origin + dilation * k < extent. */
static inline int32_t end_inside(int32_t origin, int32_t dilation, int32_t extent, int32_t taps)
{
    const int32_t room = extent - origin;
    if (room <= 0) {
        return 0;
    }
    const int32_t end = (room + dilation - 1) / dilation;
    return end < taps ? end : taps;
}

static inline int32_t load_word(const int8_t *p)
{
    int32_t word;
    memcpy(&word, p, sizeof word); /* one LDR: Cortex-M4/M7/M33 allow unaligned word loads */
    return word;
}

tk_status tk_depthwise_conv_dm1_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    if (params->depth_multiplier != 1 || g.in_c != g.out_c || g.filter_c != g.out_c ||
        params->dilation_h <= 0 || params->dilation_w <= 0) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t channels = g.out_c;
    const int32_t input_offset = params->input_offset;
    const tk_conv_requant requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    const uint32_t half = (uint32_t)input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    int32_t offset_pair;
    memcpy(&offset_pair, &pair_bits, sizeof offset_pair); /* the bits as int32_t, free of implementation-defined conversion */
    const int32_t row_step = params->dilation_h * g.in_w * channels; /* input bytes between two filter rows */
    const int32_t tap_step = params->dilation_w * channels;          /* input bytes between two filter columns */

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t ky_first = first_inside(in_y_origin, params->dilation_h);
            const int32_t ky_end = end_inside(in_y_origin, params->dilation_h, g.in_h, g.filter_h);
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                const int32_t kx_first = first_inside(in_x_origin, params->dilation_w);
                const int32_t kx_end = end_inside(in_x_origin, params->dilation_w, g.in_w, g.filter_w);
                int8_t *out_px = output + ((b * g.out_h + out_y) * g.out_w + out_x) * channels;
                if (ky_first >= ky_end || kx_first >= kx_end) {
                    /* The window lies wholly in the padding: every tap contributes 0. */
                    for (int32_t c = 0; c < channels; ++c) {
                        out_px[c] = tk_conv_requant_output(&requant, 0, c);
                    }
                    continue;
                }
                /* The first tap inside the image, channel 0, and its filter tap. */
                const int8_t *in_first = input + ((b * g.in_h + in_y_origin + params->dilation_h * ky_first) * g.in_w +
                                                  in_x_origin + params->dilation_w * kx_first) * channels;
                const int8_t *filter_first = filter + (ky_first * g.filter_w + kx_first) * channels;
                const int32_t rows = ky_end - ky_first;
                const int32_t cols = kx_end - kx_first;
                const int32_t filter_row_step = g.filter_w * channels;
                int32_t c = 0;
                for (; c + 4 <= channels; c += 4) {
                    int32_t acc0 = 0;
                    int32_t acc1 = 0;
                    int32_t acc2 = 0;
                    int32_t acc3 = 0;
                    const int8_t *in_row = in_first + c;
                    const int8_t *filter_row = filter_first + c;
                    for (int32_t ky = 0; ky < rows; ++ky, in_row += row_step, filter_row += filter_row_step) {
                        const int8_t *in_tap = in_row;
                        const int8_t *filter_tap = filter_row;
                        for (int32_t kx = 0; kx < cols; ++kx, in_tap += tap_step, filter_tap += channels) {
                            const int32_t in_word = load_word(in_tap);
                            const int32_t filter_word = load_word(filter_tap);
                            const int32_t in_02 = __sxtab16(offset_pair, in_word);
                            const int32_t in_13 = tk_sxtab16_ror8(offset_pair, in_word);
                            const int32_t filter_02 = __sxtb16(filter_word);
                            const int32_t filter_13 = tk_sxtb16_ror8(filter_word);
                            acc0 = __smlabb(in_02, filter_02, acc0);
                            acc2 = __smlatt(in_02, filter_02, acc2);
                            acc1 = __smlabb(in_13, filter_13, acc1);
                            acc3 = __smlatt(in_13, filter_13, acc3);
                        }
                    }
                    out_px[c] = tk_conv_requant_output(&requant, acc0, c);
                    out_px[c + 1] = tk_conv_requant_output(&requant, acc1, c + 1);
                    out_px[c + 2] = tk_conv_requant_output(&requant, acc2, c + 2);
                    out_px[c + 3] = tk_conv_requant_output(&requant, acc3, c + 3);
                }
                for (; c < channels; ++c) {
                    int32_t acc = 0;
                    const int8_t *in_row = in_first + c;
                    const int8_t *filter_row = filter_first + c;
                    for (int32_t ky = 0; ky < rows; ++ky, in_row += row_step, filter_row += filter_row_step) {
                        for (int32_t kx = 0; kx < cols; ++kx) {
                            acc += (int32_t)filter_row[kx * channels] * ((int32_t)in_row[kx * tap_step] + input_offset);
                        }
                    }
                    out_px[c] = tk_conv_requant_output(&requant, acc, c);
                }
            }
        }
    }
    return TK_OK;
}
