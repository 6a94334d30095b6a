/* DEPTHWISE_CONV_2D with depth multiplier 1 and channels in whole words (a
 * multiple of 4), any filter size up to TK_DW_C4_MAX_TAPS taps, stride and
 * dilation, for cores with the DSP extension, with no scratch: the results of
 * tk_depthwise_conv_s8 (reference/) from constants the build prepared (layout
 * "dw_c4", tinykit/schedule/kernels/conv.py, written by
 * tinykit/codegen/ops/conv.py):
 *   - filter: the taps (row-major) in pairs, the last one completed by a zero
 *     tap when their count is odd; per group of four channels c0..c3 and per
 *     pair (t, t + 1), four words: the int16 pair (2 w[t][ck], 2 w[t + 1][ck])
 *     for k = 0..3;
 *   - channels: per group 16 int32: twice the four biases, then per channel
 *     tk_requant_doubled's high term, the multiplier and the right shift e.
 * Filter and bias doubled make the accumulator 2 * acc, which
 * tk_requant_doubled (tinykit/requant_doubled.h) wants; the build chooses
 * this kernel only where every channel's requantization takes that path and
 * twice the accumulator fits in int32.
 *
 * A pair of taps of four channels, for a window inside the image: two input
 * words A (tap t) and B (tap t + 1); their low halves side by side (PKHBT:
 * bytes a0 a1 b0 b1) and their high halves (PKHTB: a2 a3 b2 b3), each widened
 * by SXTAB16 twice with the input offset added, give per channel the pair
 * (a, b) the filter word multiplies in one SMLAD: 8 MACs from two input loads,
 * two packs, four widenings, four filter loads and four SMLADs. The input
 * offsets of the taps, the same for every window inside the image, are
 * computed once per call (a table on the stack). Windows that reach into the
 * padding (the image's border) take the taps inside the image one at a time
 * (the reference skips the others).
 *
 * Order (the overlap rule "channel by channel", tinykit/schedule/overlap.py):
 * output pixels in NHWC order, and within a pixel groups of four channels in
 * ascending order, each group's four outputs stored right after its window's
 * reads of those four channels.
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/depthwise_dm1.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/requant_doubled.h"

/* int32 words of a group's record: four doubled biases, then (high, multiplier, e) per channel. */
#define GROUP_WORDS 16

/* The output byte of one channel from its doubled accumulator and its (high, multiplier, e). */
static inline int8_t channel_output(int32_t acc2, const int32_t *hme, int32_t act_min, int32_t act_max, int full_range)
{
    const int32_t v = tk_requant_doubled(hme[0], hme[1], hme[2], acc2);
    return (int8_t)(full_range ? __ssat(v, 8) : tk_clamp(v, act_min, act_max));
}

/* Four channels' doubled accumulators. */
typedef struct {
    int32_t c0, c1, c2, c3;
} acc4;

/* The group's four outputs from its accumulators. FULL_RANGE is a constant at
 * each call, so each copy is compiled for one clamp. */
static inline void store_group(const acc4 *acc, const int32_t *record, int32_t act_min, int32_t act_max, int full_range,
                               int8_t *out)
{
    out[0] = channel_output(acc->c0, record + 4, act_min, act_max, full_range);
    out[1] = channel_output(acc->c1, record + 7, act_min, act_max, full_range);
    out[2] = channel_output(acc->c2, record + 10, act_min, act_max, full_range);
    out[3] = channel_output(acc->c3, record + 13, act_min, act_max, full_range);
}

/* One group of four channels over a window inside the image: `in` addresses
 * the group's first channel at the window's origin, `pairs` the group's
 * filter, `offsets` the two input offsets of each of `pair_count` pairs. */
static inline void group_inside(const int8_t *in, const int32_t *pairs, const int32_t *offsets, int32_t pair_count,
                                int32_t offset_pair, acc4 *acc)
{
    int32_t c0 = acc->c0, c1 = acc->c1, c2 = acc->c2, c3 = acc->c3;
    const int32_t *end = offsets + 2 * pair_count;
#if defined(__ARM_FEATURE_DSP)
    /* GCC 12 spills two accumulators from the C loop below: written out, it
     * needs 14 registers (four accumulators, four pointers, the offset pair
     * and five temporaries) and 17 instructions per pair of taps. */
    int32_t a, b, t, w0, w1;
    __asm__ volatile(
        "1:\n\t"
        "ldrd %[a], %[b], [%[o]], #8\n\t"
        "ldr %[a], [%[in], %[a]]\n\t"
        "ldr %[b], [%[in], %[b]]\n\t"
        "ldrd %[w0], %[w1], [%[p]], #16\n\t"
        "pkhbt %[t], %[a], %[b], lsl #16\n\t"
        "pkhtb %[b], %[b], %[a], asr #16\n\t"
        "sxtab16 %[a], %[off], %[t]\n\t"
        "smlad %[c0], %[a], %[w0], %[c0]\n\t"
        "sxtab16 %[a], %[off], %[t], ror #8\n\t"
        "smlad %[c1], %[a], %[w1], %[c1]\n\t"
        "ldrd %[w0], %[w1], [%[p], #-8]\n\t"
        "sxtab16 %[a], %[off], %[b]\n\t"
        "smlad %[c2], %[a], %[w0], %[c2]\n\t"
        "sxtab16 %[a], %[off], %[b], ror #8\n\t"
        "smlad %[c3], %[a], %[w1], %[c3]\n\t"
        "cmp %[o], %[end]\n\t"
        "bne 1b\n\t"
        : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3), [o] "+r"(offsets), [p] "+r"(pairs),
          [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t), [w0] "=&r"(w0), [w1] "=&r"(w1)
        : [in] "r"(in), [end] "r"(end), [off] "r"(offset_pair)
        : "cc", "memory");
#else
    for (; offsets != end; offsets += 2, pairs += 4) {
        const int32_t a = tk_load_word(in + offsets[0]);
        const int32_t b = tk_load_word(in + offsets[1]);
        const int32_t low = tk_pkh_low(a, b);   /* a0 a1 b0 b1 */
        const int32_t high = tk_pkh_high(a, b); /* a2 a3 b2 b3 */
        c0 = __smlad(__sxtab16(offset_pair, low), pairs[0], c0);
        c1 = __smlad(tk_sxtab16_ror8(offset_pair, low), pairs[1], c1);
        c2 = __smlad(__sxtab16(offset_pair, high), pairs[2], c2);
        c3 = __smlad(tk_sxtab16_ror8(offset_pair, high), pairs[3], c3);
    }
#endif
    acc->c0 = c0;
    acc->c1 = c1;
    acc->c2 = c2;
    acc->c3 = c3;
}

/* acc += filter tap `tap` of the group (its half of the pair words) times the input word at `in`. */
static inline void group_tap(const int8_t *in, const int32_t *pairs, int32_t tap, int32_t offset_pair, acc4 *acc)
{
    const int32_t word = tk_load_word(in);
    const int32_t x02 = __sxtab16(offset_pair, word);
    const int32_t x13 = tk_sxtab16_ror8(offset_pair, word);
    const int32_t *w = pairs + 4 * (tap / 2);
    if (tap % 2 == 0) {
        acc->c0 = __smlabb(x02, w[0], acc->c0);
        acc->c1 = __smlabb(x13, w[1], acc->c1);
        acc->c2 = __smlatb(x02, w[2], acc->c2);
        acc->c3 = __smlatb(x13, w[3], acc->c3);
    } else {
        acc->c0 = __smlabt(x02, w[0], acc->c0);
        acc->c1 = __smlabt(x13, w[1], acc->c1);
        acc->c2 = __smlatt(x02, w[2], acc->c2);
        acc->c3 = __smlatt(x13, w[3], acc->c3);
    }
}

tk_status tk_depthwise_conv_c4_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                  const tk_dims *input_dims, const int8_t *input,
                                  const tk_dims *filter_dims, const int32_t *filter,
                                  const int32_t *channels,
                                  const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || params->depth_multiplier != 1 ||
        g.in_c != g.out_c || g.filter_c != g.out_c || g.out_c % 4 != 0 || params->dilation_h <= 0 ||
        params->dilation_w <= 0 || params->stride_h <= 0 || params->stride_w <= 0 ||
        g.filter_h * g.filter_w > TK_DW_C4_MAX_TAPS) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t c = g.out_c;
    const int32_t groups = c / 4;
    const int32_t taps = g.filter_h * g.filter_w;
    const int32_t pair_count = (taps + 1) / 2;
    const int32_t group_words = 4 * pair_count; /* filter words per group */
    /* Input byte offsets of the taps from a window's origin; the zero tap completing an odd count reads the origin. */
    int32_t offsets[TK_DW_C4_MAX_TAPS + 1];
    for (int32_t t = 0; t < taps; ++t) {
        offsets[t] = ((t / g.filter_w) * params->dilation_h * g.in_w + (t % g.filter_w) * params->dilation_w) * c;
    }
    offsets[taps] = 0;
    const uint32_t half = (uint32_t)params->input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    int32_t offset_pair;
    memcpy(&offset_pair, &pair_bits, sizeof offset_pair); /* the bits, free of implementation-defined conversion */
    const int32_t act_min = params->activation.min;
    const int32_t act_max = params->activation.max;
    const int full_range = act_min == -128 && act_max == 127;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t ky_first = tk_dw_first_inside(in_y_origin, params->dilation_h);
            const int32_t ky_end = tk_dw_end_inside(in_y_origin, params->dilation_h, g.in_h, g.filter_h);
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                const int32_t kx_first = tk_dw_first_inside(in_x_origin, params->dilation_w);
                const int32_t kx_end = tk_dw_end_inside(in_x_origin, params->dilation_w, g.in_w, g.filter_w);
                const int inside = ky_first == 0 && ky_end == g.filter_h && kx_first == 0 && kx_end == g.filter_w;
                int8_t *out = output + ((b * g.out_h + out_y) * g.out_w + out_x) * c;
                const int32_t *pairs = filter;
                const int32_t *record = channels;
                if (inside) {
                    const int8_t *origin = input + ((b * g.in_h + in_y_origin) * g.in_w + in_x_origin) * c;
                    for (int32_t group = 0; group < groups;
                         ++group, origin += 4, pairs += group_words, record += GROUP_WORDS, out += 4) {
                        acc4 acc = {record[0], record[1], record[2], record[3]};
                        group_inside(origin, pairs, offsets, pair_count, offset_pair, &acc);
                        if (full_range) {
                            store_group(&acc, record, act_min, act_max, 1, out);
                        } else {
                            store_group(&acc, record, act_min, act_max, 0, out);
                        }
                    }
                    continue;
                }
                /* At the border: the taps inside the image one at a time (none when the window lies wholly in the padding). */
                for (int32_t group = 0; group < groups; ++group, pairs += group_words, record += GROUP_WORDS, out += 4) {
                    acc4 acc = {record[0], record[1], record[2], record[3]};
                    for (int32_t ky = ky_first; ky < ky_end; ++ky) {
                        const int32_t in_y = in_y_origin + ky * params->dilation_h;
                        for (int32_t kx = kx_first; kx < kx_end; ++kx) {
                            const int32_t in_x = in_x_origin + kx * params->dilation_w;
                            group_tap(input + ((b * g.in_h + in_y) * g.in_w + in_x) * c + 4 * group, pairs,
                                      ky * g.filter_w + kx, offset_pair, &acc);
                        }
                    }
                    store_group(&acc, record, act_min, act_max, 0, out);
                }
            }
        }
    }
    return TK_OK;
}
