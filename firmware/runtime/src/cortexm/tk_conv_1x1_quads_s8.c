/* CONV_2D with a 1x1 filter, for cores with the DSP extension, when the
 * filter depth and the output channels are multiples of 4, there is one
 * group and every channel's requantization shifts right: the results of
 * tk_conv_s8, without scratch, from constants the build prepared.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so the layer is a
 * matrix product of pixels by filters. Two pixels at a time are interleaved
 * into the scratch area (2 * in_c bytes) and multiplied by every filter, four
 * output channels per step (tk_conv_quads_two_pixels, tinykit/conv_quads.h,
 * which also says what the build prepares: the "quads" weight layout and the
 * channel records with the input offset folded into the bias; a 1x1 window is
 * never padded, so every input channel of every pixel is read and the fold is
 * exact). Chosen at build time (tinykit/schedule/kernels/conv.py).
 *
 * Both input pixels are in scratch before the first output byte is written,
 * and a later pair reads pixels at least as far on as its outputs, so with
 * out_c <= in_c the output may overwrite the input (the variant's in-place
 * rule allows it for an output of the input's size).
 */
#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"

int32_t tk_conv_1x1_quads_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                             const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)filter_dims;
    (void)output_dims;
    return 2 * input_dims->c;
}

tk_status tk_conv_1x1_quads_s8(const tk_context *ctx, const tk_conv_params *params,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *channels,
                               const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || g.filter_h != 1 ||
        g.filter_w != 1 || g.filter_c != g.in_c || g.in_c % 4 != 0 || g.out_c % TK_CONV_QUAD != 0 ||
        filter_dims->n != g.out_c || params->pad_h != 0 || params->pad_w != 0 ||
        (g.out_h - 1) * params->stride_h >= g.in_h || (g.out_w - 1) * params->stride_w >= g.in_w) {
        return TK_ERROR_ARGUMENT; /* the folded bias is exact only when every pixel is inside the image */
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_1x1_quads_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    int8_t *pair = (int8_t *)ctx->buf;
    const int32_t pixels = g.out_h * g.out_w;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            /* An odd last pixel is computed as both pixels of a pair and stored once. */
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            const int8_t *a0 = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, pixel);
            const int8_t *a1 = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, second);
            tk_conv_quads_interleave(a0, a1, g.in_c, pair);
            tk_conv_quads_two_pixels(filter, channels, g.out_c, g.in_c, pair, params->activation,
                                     output + (b * pixels + pixel) * g.out_c, output + (b * pixels + second) * g.out_c);
        }
    }
    return TK_OK;
}
