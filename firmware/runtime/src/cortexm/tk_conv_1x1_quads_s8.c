/* CONV_2D with a 1x1 filter, for cores with the DSP extension, when the
 * filter depth is a multiple of 4, the output channels are even, there is one
 * group and every channel's requantization shifts right: the results of
 * tk_conv_s8, from constants the build prepared.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so the layer is a
 * matrix product of pixels by filters. Three pixels at a time are widened
 * once into the scratch area (6 * in_c bytes) as doubled int16 pairs and
 * multiplied by every filter, two output channels per step
 * (tk_conv_pairs, tinykit/conv_quads.h, which also says what the build
 * prepares: the "channel_pairs" weight layout and the channel records with
 * the input offset folded into the bias; a 1x1 window is never padded, so
 * every input channel of every pixel is read and the fold is exact). Chosen
 * at build time (tinykit/schedule/kernels/conv.py).
 *
 * The three input pixels are in scratch before the first of their output
 * bytes is written, and a later step reads pixels at least as far on as its
 * outputs, so with out_c <= in_c the output may overwrite the input (the
 * variant's in-place rule allows it for an output of the input's size). A
 * last step with fewer than three pixels repeats its last pixel.
 */
#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

/* Pixels per step. */
#define PIXELS 3

int32_t tk_conv_1x1_quads_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                             const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)filter_dims;
    (void)output_dims;
    return PIXELS * input_dims->c * (int32_t)sizeof(int16_t);
}

tk_status tk_conv_1x1_quads_s8(const tk_context *ctx, const tk_conv_params *params,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *channels,
                               const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || g.filter_h != 1 ||
        g.filter_w != 1 || g.filter_c != g.in_c || g.in_c % 4 != 0 || g.out_c % 2 != 0 ||
        filter_dims->n != g.out_c || params->pad_h != 0 || params->pad_w != 0 ||
        (g.out_h - 1) * params->stride_h >= g.in_h || (g.out_w - 1) * params->stride_w >= g.in_w) {
        return TK_ERROR_ARGUMENT; /* the folded bias is exact only when every pixel is inside the image */
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_1x1_quads_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    int32_t *triple = (int32_t *)ctx->buf;
    const int32_t pixels = g.out_h * g.out_w;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += PIXELS) {
            int8_t *out[PIXELS];
            const int8_t *in[PIXELS];
            for (int j = 0; j < PIXELS; ++j) {
                const int32_t p = pixel + j < pixels ? pixel + j : pixels - 1;
                in[j] = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, p);
                out[j] = output + (b * pixels + p) * g.out_c;
            }
            int32_t *group = triple;
            for (int32_t i = 0; i < g.in_c; i += 4, group += 2 * PIXELS) {
                tk_conv_triple_widen(tk_load_word(in[0] + i), group, 0);
                tk_conv_triple_widen(tk_load_word(in[1] + i), group, 1);
                tk_conv_triple_widen(tk_load_word(in[2] + i), group, 2);
            }
            tk_conv_pairs(filter, channels, g.out_c, g.in_c, triple, params->activation, out);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_conv_1x1_quads_s8)
