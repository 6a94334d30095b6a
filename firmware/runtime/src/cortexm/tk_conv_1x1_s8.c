/* CONV_2D with a 1x1 filter, for cores with the DSP extension: the results
 * of tk_conv_s8, without scratch, from constants the build prepared.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so the layer is a
 * matrix product of pixels by filters and needs no im2col. It is register
 * blocked: two pixels by two output channels per step, so each input word and
 * each filter word, once widened by SXTB16 (bytes 0 and 2, and with ROR #8
 * folded in bytes 1 and 3), feeds two SMLADs: per four input channels, four
 * word loads, eight widenings and eight SMLADs for 16 MACs.
 *
 * What the build does instead of the kernel (tinykit/codegen/ops/conv.py,
 * weight layout "filter_pairs"):
 * - bias[oc] already holds bias + input_offset * sum of filter row oc. With
 *   no padding (a 1x1 window never has any: SAME pads it by 0) every input
 *   channel of every pixel is read, so that is exactly the input offset's
 *   contribution, and the inputs are widened without it;
 * - within each group, output channels go in pairs (oc, oc + 1) whose rows are
 *   interleaved word by word (four bytes of oc, four of oc + 1, ...), then the
 *   two rows' last filter_c % 4 bytes; an odd last channel keeps its row. The
 *   pair's filter words are then one stream, which leaves the loop enough
 *   registers for its four accumulators.
 * Chosen at build time for 1x1 filters (tinykit/schedule/kernels/conv.py).
 */
#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/invoke.h"

tk_status tk_conv_1x1_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *filter_dims, const int8_t *filter,
                         const int32_t *bias,
                         const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    tk_conv_geometry g;
    int32_t filters_per_group;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK ||
        tk_conv_filters_per_group(&g, filter_dims, &filters_per_group) != TK_OK || g.filter_h != 1 ||
        g.filter_w != 1 || params->pad_h != 0 || params->pad_w != 0 ||
        (g.out_h - 1) * params->stride_h >= g.in_h || (g.out_w - 1) * params->stride_w >= g.in_w) {
        return TK_ERROR_ARGUMENT; /* the folded bias is exact only when every pixel is inside the image */
    }
    const tk_conv_requant requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    const int32_t depth = g.filter_c;
    const int32_t groups = g.in_c / depth;
    const int32_t pixels = g.out_h * g.out_w;

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            /* An odd last pixel is computed as both pixels of a pair and stored once. */
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            const int8_t *a0 = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, pixel);
            const int8_t *a1 = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, second);
            int8_t *out0 = output + (b * pixels + pixel) * g.out_c;
            int8_t *out1 = output + (b * pixels + second) * g.out_c;
            for (int32_t group = 0; group < groups; ++group) {
                tk_conv_two_pixels(&requant, filter, group * filters_per_group, (group + 1) * filters_per_group, depth,
                                   a0 + group * depth, a1 + group * depth, out0, out1);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_conv_1x1_s8)
