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
 * weight layout "pointwise_pairs"):
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
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"

static inline int32_t load_word(const int8_t *p)
{
    int32_t word;
    memcpy(&word, p, sizeof word); /* one LDR: Cortex-M4/M7/M33 allow unaligned word loads */
    return word;
}

/* Sum over c of w[c] * a[c]. */
static int32_t dot_1x1(const int8_t *w, const int8_t *a, int32_t depth)
{
    int32_t acc = 0;
    int32_t c = 0;
    for (; c + 4 <= depth; c += 4) {
        const int32_t weights = load_word(w + c);
        const int32_t inputs = load_word(a + c);
        acc = __smlad(__sxtb16(weights), __sxtb16(inputs), acc);
        acc = __smlad(tk_sxtb16_ror8(weights), tk_sxtb16_ror8(inputs), acc);
    }
    for (; c < depth; ++c) {
        acc += (int32_t)w[c] * a[c];
    }
    return acc;
}

/* The four sums of an interleaved filter pair with pixels a0, a1 (acc[2 * filter + pixel]). */
static inline void dot_2x2(const int8_t *pair, const int8_t *a0, const int8_t *a1, int32_t depth, int32_t acc[4])
{
    int32_t acc00 = 0;
    int32_t acc01 = 0;
    int32_t acc10 = 0;
    int32_t acc11 = 0;
    const int32_t full = depth & ~3;
    const int8_t *end = a0 + full;
    const int8_t *w = pair;
    while (a0 != end) {
        const int32_t in0 = load_word(a0);
        const int32_t in1 = load_word(a1);
        a0 += 4;
        a1 += 4;
        const int32_t in0_02 = __sxtb16(in0);
        const int32_t in0_13 = tk_sxtb16_ror8(in0);
        const int32_t in1_02 = __sxtb16(in1);
        const int32_t in1_13 = tk_sxtb16_ror8(in1);
        const int32_t f0 = load_word(w);
        const int32_t f0_02 = __sxtb16(f0);
        const int32_t f0_13 = tk_sxtb16_ror8(f0);
        acc00 = __smlad(f0_02, in0_02, acc00);
        acc00 = __smlad(f0_13, in0_13, acc00);
        acc01 = __smlad(f0_02, in1_02, acc01);
        acc01 = __smlad(f0_13, in1_13, acc01);
        const int32_t f1 = load_word(w + 4);
        w += 8;
        const int32_t f1_02 = __sxtb16(f1);
        const int32_t f1_13 = tk_sxtb16_ror8(f1);
        acc10 = __smlad(f1_02, in0_02, acc10);
        acc10 = __smlad(f1_13, in0_13, acc10);
        acc11 = __smlad(f1_02, in1_02, acc11);
        acc11 = __smlad(f1_13, in1_13, acc11);
    }
    const int32_t rest = depth - full;
    for (int32_t k = 0; k < rest; ++k) {
        acc00 += (int32_t)w[k] * a0[k];
        acc01 += (int32_t)w[k] * a1[k];
        acc10 += (int32_t)w[rest + k] * a0[k];
        acc11 += (int32_t)w[rest + k] * a1[k];
    }
    acc[0] = acc00;
    acc[1] = acc01;
    acc[2] = acc10;
    acc[3] = acc11;
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
            const int8_t *a0 = input + ((b * g.in_h + (pixel / g.out_w) * params->stride_h) * g.in_w +
                                        (pixel % g.out_w) * params->stride_w) * g.in_c;
            const int8_t *a1 = input + ((b * g.in_h + (second / g.out_w) * params->stride_h) * g.in_w +
                                        (second % g.out_w) * params->stride_w) * g.in_c;
            int8_t *out0 = output + (b * pixels + pixel) * g.out_c;
            int8_t *out1 = output + (b * pixels + second) * g.out_c;
            for (int32_t group = 0; group < groups; ++group) {
                const int8_t *g0 = a0 + group * depth;
                const int8_t *g1 = a1 + group * depth;
                const int32_t oc_end = (group + 1) * filters_per_group;
                int32_t oc = group * filters_per_group;
                for (; oc + 2 <= oc_end; oc += 2) {
                    int32_t acc[4];
                    dot_2x2(filter + oc * depth, g0, g1, depth, acc);
                    out0[oc] = tk_conv_requant_output(&requant, acc[0], oc);
                    out0[oc + 1] = tk_conv_requant_output(&requant, acc[2], oc + 1);
                    out1[oc] = tk_conv_requant_output(&requant, acc[1], oc);
                    out1[oc + 1] = tk_conv_requant_output(&requant, acc[3], oc + 1);
                }
                if (oc < oc_end) {
                    const int8_t *w = filter + oc * depth;
                    out0[oc] = tk_conv_requant_output(&requant, dot_1x1(w, g0, depth), oc);
                    out1[oc] = tk_conv_requant_output(&requant, dot_1x1(w, g1, depth), oc);
                }
            }
        }
    }
    return TK_OK;
}
