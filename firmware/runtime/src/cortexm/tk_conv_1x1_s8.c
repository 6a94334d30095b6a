/* CONV_2D with a 1x1 filter, for cores with the DSP extension: the contract
 * and results of tk_conv_s8, without scratch.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so no im2col is needed:
 * four input bytes at a time are widened to int16 with the input offset added
 * by SXTAB16 (bytes 0 and 2, then bytes 1 and 3 after a rotate by 8), the
 * filter word likewise by SXTB16, and SMLAD multiplies and accumulates two
 * pairs per instruction. Chosen at build time for 1x1 filters
 * (tinykit/schedule/kernels/conv.py).
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"

/* Sum over c of w[c] * (a[c] + input_offset); offset_pair holds input_offset in both halves. */
static int32_t dot_offset_s8(const int8_t *w, const int8_t *a, int32_t depth, int32_t input_offset, int32_t offset_pair)
{
    int32_t acc = 0;
    int32_t c = 0;
    for (; c + 4 <= depth; c += 4) {
        int32_t weights;
        int32_t inputs;
        memcpy(&weights, w + c, sizeof weights);
        memcpy(&inputs, a + c, sizeof inputs);
        const int32_t inputs_13 = (int32_t)tk_ror((uint32_t)inputs, 8);
        const int32_t weights_13 = (int32_t)tk_ror((uint32_t)weights, 8);
        acc = __smlad(__sxtb16(weights), __sxtab16(offset_pair, inputs), acc);
        acc = __smlad(__sxtb16(weights_13), __sxtab16(offset_pair, inputs_13), acc);
    }
    for (; c < depth; ++c) {
        acc += (int32_t)w[c] * ((int32_t)a[c] + input_offset);
    }
    return acc;
}

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
        tk_conv_filters_per_group(&g, filter_dims, &filters_per_group) != TK_OK || g.filter_h != 1 || g.filter_w != 1) {
        return TK_ERROR_ARGUMENT;
    }
    const uint32_t half = (uint32_t)params->input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    int32_t offset_pair;
    memcpy(&offset_pair, &pair_bits, sizeof offset_pair); /* the bits as int32_t, free of implementation-defined conversion */

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y = out_y * params->stride_h - params->pad_h;
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x = out_x * params->stride_w - params->pad_w;
                const int inside = in_y >= 0 && in_y < g.in_h && in_x >= 0 && in_x < g.in_w;
                const int8_t *in_px = inside ? input + ((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c : NULL;
                int8_t *out_px = output + ((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c;
                for (int32_t oc = 0; oc < g.out_c; ++oc) {
                    const int32_t acc = inside ? dot_offset_s8(filter + oc * g.filter_c,
                                                               in_px + (oc / filters_per_group) * g.filter_c,
                                                               g.filter_c, params->input_offset, offset_pair)
                                               : 0;
                    out_px[oc] = tk_conv_output(acc, bias, quant, oc, params->output_offset, params->activation);
                }
            }
        }
    }
    return TK_OK;
}
