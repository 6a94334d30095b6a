/* CONV_2D for cores with the DSP extension, one group, input depth a
 * multiple of 4, output channels a multiple of 4 and every channel's
 * requantization shifting right (the build's choice,
 * tinykit/schedule/kernels/conv.py): the results of reference/tk_conv_s8.c.
 *
 * tk_conv_quads_s8's product (four output channels by two pixels, the
 * "quads" weight layout and channel records, tinykit/conv_quads.h) on
 * patches widened once: two output pixels' patches (filter_h * filter_w *
 * in_c taps) are gathered as int16 into the "wide pair" layout
 * (tk_conv_widen_patch; per four taps pixel 0's (t0, t2), pixel 1's, then both
 * pixels' (t1, t3)), so the inner loop loads the pixels with one LDRD per two
 * taps and widens only the filter: 30 instructions per 32 MACs instead of
 * 34. The scratch is 4 * taps bytes, twice the int8 pair's and two thirds of
 * tk_conv_triples_s8's three patches (faster still): the build takes this
 * kernel where the triples' scratch would enlarge the arena and this one's
 * does not. A padding tap holds the input zero point, -input_offset, which
 * the bias's folded input offset cancels, as the reference skips it.
 *
 * The output never shares bytes with the input (its registration claims no
 * overlap). An odd last pixel is computed as both pixels of a pair and stored
 * once.
 */
#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

/* Words of the wide pair per four taps: two pixels by (t0, t2) and (t1, t3). */
#define GROUP_WORDS 4

int32_t tk_conv_quads_wide_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                              const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return tk_conv_widened_patches_bytes(filter_dims, 2);
}

tk_status tk_conv_quads_wide_s8(const tk_context *ctx, const tk_conv_params *params,
                                const tk_dims *input_dims, const int8_t *input,
                                const tk_dims *filter_dims, const int8_t *filter,
                                const int32_t *channels,
                                const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || g.filter_c != g.in_c ||
        g.in_c % 4 != 0 || g.out_c % TK_CONV_QUAD != 0 || filter_dims->n != g.out_c ||
        params->input_offset < -127 || params->input_offset > 128) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_quads_wide_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t depth = g.filter_h * g.filter_w * g.in_c;
    /* The zero point in both halves of a word, as the widening of a padding word gives it. */
    const uint32_t zero_point = (uint32_t)(-params->input_offset) & 0xffffu;
    const int32_t padding = (int32_t)(zero_point | (zero_point << 16));
    int32_t *wide = (int32_t *)ctx->buf;
    const int32_t pixels = g.out_h * g.out_w;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            tk_conv_widen_patch(params, &g, input, b, pixel, padding, wide, GROUP_WORDS, 2, 0);
            tk_conv_widen_patch(params, &g, input, b, second, padding, wide + 1, GROUP_WORDS, 2, 0);
            tk_conv_quads_two_pixels(filter, channels, g.out_c, depth, (const int8_t *)wide, 1, params->activation,
                                     output + (b * pixels + pixel) * g.out_c, output + (b * pixels + second) * g.out_c);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_conv_quads_wide_s8)
