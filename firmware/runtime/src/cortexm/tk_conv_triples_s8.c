/* CONV_2D for cores with the DSP extension, one group, input depth a
 * multiple of 4, an even number of output channels and every channel's
 * requantization shifting right (the build's choice,
 * tinykit/schedule/kernels/conv.py): the results of reference/tk_conv_s8.c.
 *
 * Three output pixels at a time, their input patches (filter_h * filter_w *
 * in_c taps in the filter's order, a multiple of 4) are gathered (im2col)
 * straight into the "triple" layout of tinykit/conv_quads.h: every input word
 * (four channels of one tap) widened once to doubled int16, so the blocked
 * loop tk_conv_pairs (two output channels by three pixels, the 1x1 kernel's:
 * 24 MACs in 20 instructions) never widens a pixel again. Weights in the
 * "channel_pairs" layout and the channel records the build prepared, whose
 * bias has the input offset folded in; a padding tap holds the input zero
 * point, -input_offset, so it adds filter * (zero point + input_offset) = 0,
 * as the reference skips it (tk_conv_widen_patch gathers).
 *
 * The three patches are in scratch (6 * taps bytes) before the first of their
 * output bytes is written (the overlap rule three_columns_in_place). A last
 * step with fewer than three pixels repeats its last pixel.
 */
#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

/* Pixels per step. */
#define PIXELS 3

int32_t tk_conv_triples_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                           const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return tk_conv_widened_patches_bytes(filter_dims, PIXELS);
}

tk_status tk_conv_triples_s8(const tk_context *ctx, const tk_conv_params *params,
                             const tk_dims *input_dims, const int8_t *input,
                             const tk_dims *filter_dims, const int8_t *filter,
                             const int32_t *channels,
                             const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || g.filter_c != g.in_c ||
        g.in_c % 4 != 0 || g.out_c % 2 != 0 || filter_dims->n != g.out_c || params->input_offset < -127 ||
        params->input_offset > 128) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_triples_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t depth = g.filter_h * g.filter_w * g.in_c;
    /* The zero point doubled, in both halves of a word, as the widening of a padding word gives it. */
    const uint32_t doubled_zero_point = (uint32_t)(-2 * params->input_offset) & 0xffffu;
    const int32_t padding = (int32_t)(doubled_zero_point | (doubled_zero_point << 16));
    int32_t *triple = (int32_t *)ctx->buf;
    const int32_t pixels = g.out_h * g.out_w;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += PIXELS) {
            int8_t *out[PIXELS];
            for (int j = 0; j < PIXELS; ++j) {
                const int32_t p = pixel + j < pixels ? pixel + j : pixels - 1;
                tk_conv_widen_patch(params, &g, input, b, p, padding, triple + 2 * j, 2 * PIXELS, 1, 1);
                out[j] = output + (b * pixels + p) * g.out_c;
            }
            tk_conv_pairs(filter, channels, g.out_c, depth, triple, params->activation, out);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_conv_triples_s8)
