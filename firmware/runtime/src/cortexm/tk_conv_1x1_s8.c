/* CONV_2D with a 1x1 filter, for cores with the DSP extension: the contract
 * and results of tk_conv_s8, without scratch.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so the layer is a
 * matrix product of pixels by filters and needs no im2col. It is register
 * blocked: two pixels by two output channels per step, so each input word
 * and each filter word, once widened, feeds two SMLADs. Four input channels
 * of the four pairs cost four word loads, eight widenings (SXTAB16 adds the
 * input offset to bytes 0 and 2, and to bytes 1 and 3 with the rotation
 * folded in; SXTB16 likewise for the filters) and eight SMLADs: 20
 * instructions for 16 MACs. The four streams share one index, so the loop
 * keeps its four accumulators and pointers in registers.
 *
 * A 1x1 window never reaches the padding (SAME pads a 1x1 filter by 0), but
 * the kernel still honours any padding it is given: a pixel outside the image
 * takes the single-pixel path with a zero sum. Chosen at build time for 1x1
 * filters (tinykit/schedule/kernels/conv.py).
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

/* Sum over c of w[c] * (a[c] + input_offset); offset_pair holds input_offset in both halves. */
static int32_t dot_1x1(const int8_t *w, const int8_t *a, int32_t depth, int32_t input_offset, int32_t offset_pair)
{
    int32_t acc = 0;
    int32_t c = 0;
    for (; c + 4 <= depth; c += 4) {
        const int32_t weights = load_word(w + c);
        const int32_t inputs = load_word(a + c);
        acc = __smlad(__sxtb16(weights), __sxtab16(offset_pair, inputs), acc);
        acc = __smlad(tk_sxtb16_ror8(weights), tk_sxtab16_ror8(offset_pair, inputs), acc);
    }
    for (; c < depth; ++c) {
        acc += (int32_t)w[c] * ((int32_t)a[c] + input_offset);
    }
    return acc;
}

/* The four sums of filters w0, w1 with pixels a0, a1 (acc[2 * filter + pixel]). */
static inline void dot_2x2(const int8_t *w0, const int8_t *w1, const int8_t *a0, const int8_t *a1, int32_t depth,
                           int32_t input_offset, int32_t offset_pair, int32_t acc[4])
{
    int32_t acc00 = 0;
    int32_t acc01 = 0;
    int32_t acc10 = 0;
    int32_t acc11 = 0;
    int32_t c = 0;
    for (; c + 4 <= depth; c += 4) {
        const int32_t in0 = load_word(a0 + c);
        const int32_t in1 = load_word(a1 + c);
        const int32_t in0_02 = __sxtab16(offset_pair, in0);
        const int32_t in0_13 = tk_sxtab16_ror8(offset_pair, in0);
        const int32_t in1_02 = __sxtab16(offset_pair, in1);
        const int32_t in1_13 = tk_sxtab16_ror8(offset_pair, in1);
        const int32_t f0 = load_word(w0 + c);
        const int32_t f0_02 = __sxtb16(f0);
        const int32_t f0_13 = tk_sxtb16_ror8(f0);
        acc00 = __smlad(f0_02, in0_02, acc00);
        acc00 = __smlad(f0_13, in0_13, acc00);
        acc01 = __smlad(f0_02, in1_02, acc01);
        acc01 = __smlad(f0_13, in1_13, acc01);
        const int32_t f1 = load_word(w1 + c);
        const int32_t f1_02 = __sxtb16(f1);
        const int32_t f1_13 = tk_sxtb16_ror8(f1);
        acc10 = __smlad(f1_02, in0_02, acc10);
        acc10 = __smlad(f1_13, in0_13, acc10);
        acc11 = __smlad(f1_02, in1_02, acc11);
        acc11 = __smlad(f1_13, in1_13, acc11);
    }
    for (; c < depth; ++c) {
        const int32_t in0 = (int32_t)a0[c] + input_offset;
        const int32_t in1 = (int32_t)a1[c] + input_offset;
        acc00 += (int32_t)w0[c] * in0;
        acc01 += (int32_t)w0[c] * in1;
        acc10 += (int32_t)w1[c] * in0;
        acc11 += (int32_t)w1[c] * in1;
    }
    acc[0] = acc00;
    acc[1] = acc01;
    acc[2] = acc10;
    acc[3] = acc11;
}

/* The input pixel under output pixel `pixel` of batch b, or NULL in the padding. */
static inline const int8_t *input_pixel(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input,
                                        int32_t b, int32_t pixel)
{
    const int32_t in_y = (pixel / g->out_w) * params->stride_h - params->pad_h;
    const int32_t in_x = (pixel % g->out_w) * params->stride_w - params->pad_w;
    const int inside = in_y >= 0 && in_y < g->in_h && in_x >= 0 && in_x < g->in_w;
    return inside ? input + ((b * g->in_h + in_y) * g->in_w + in_x) * g->in_c : NULL;
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
    const int32_t input_offset = params->input_offset;
    const tk_conv_requant requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    const uint32_t half = (uint32_t)input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    int32_t offset_pair;
    memcpy(&offset_pair, &pair_bits, sizeof offset_pair); /* the bits as int32_t, free of implementation-defined conversion */
    const int32_t depth = g.filter_c;
    const int32_t groups = g.in_c / depth;
    const int32_t pixels = g.out_h * g.out_w;

    for (int32_t b = 0; b < g.batches; ++b) {
        int8_t *out_batch = output + b * pixels * g.out_c;
        int32_t pixel = 0;
        for (; pixel + 2 <= pixels; pixel += 2) {
            const int8_t *a0 = input_pixel(params, &g, input, b, pixel);
            const int8_t *a1 = input_pixel(params, &g, input, b, pixel + 1);
            if (a0 == NULL || a1 == NULL) {
                break; /* padding: the single-pixel path below handles the rest */
            }
            int8_t *out0 = out_batch + pixel * g.out_c;
            int8_t *out1 = out0 + g.out_c;
            for (int32_t group = 0; group < groups; ++group) {
                const int8_t *g0 = a0 + group * depth;
                const int8_t *g1 = a1 + group * depth;
                const int32_t oc_end = (group + 1) * filters_per_group;
                int32_t oc = group * filters_per_group;
                for (; oc + 2 <= oc_end; oc += 2) {
                    int32_t acc[4];
                    const int8_t *w0 = filter + oc * depth;
                    dot_2x2(w0, w0 + depth, g0, g1, depth, input_offset, offset_pair, acc);
                    out0[oc] = tk_conv_requant_output(&requant, acc[0], oc);
                    out1[oc] = tk_conv_requant_output(&requant, acc[1], oc);
                    out0[oc + 1] = tk_conv_requant_output(&requant, acc[2], oc + 1);
                    out1[oc + 1] = tk_conv_requant_output(&requant, acc[3], oc + 1);
                }
                if (oc < oc_end) {
                    const int8_t *w = filter + oc * depth;
                    out0[oc] = tk_conv_requant_output(&requant, dot_1x1(w, g0, depth, input_offset, offset_pair), oc);
                    out1[oc] = tk_conv_requant_output(&requant, dot_1x1(w, g1, depth, input_offset, offset_pair), oc);
                }
            }
        }
        for (; pixel < pixels; ++pixel) {
            const int8_t *a = input_pixel(params, &g, input, b, pixel);
            int8_t *out_px = out_batch + pixel * g.out_c;
            for (int32_t oc = 0; oc < g.out_c; ++oc) {
                const int32_t acc =
                    a != NULL ? dot_1x1(filter + oc * depth, a + (oc / filters_per_group) * depth, depth, input_offset,
                                        offset_pair)
                              : 0;
                out_px[oc] = tk_conv_requant_output(&requant, acc, oc);
            }
        }
    }
    return TK_OK;
}
