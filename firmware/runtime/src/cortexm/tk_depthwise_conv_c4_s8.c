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
 *   - channels: per group 16 int32: for each of the four channels twice its
 *     bias with the input offset's contribution folded in (bias + input offset
 *     * the sum of its taps), then per channel tk_requant_doubled's high term,
 *     the multiplier and the right shift e.
 * Filter and bias doubled make the accumulator 2 * acc, which
 * tk_requant_doubled (tinykit/requant_doubled.h) wants; the build chooses
 * this kernel only where every channel's requantization takes that path and
 * twice the accumulator fits in int32. With the offset folded in, the kernel
 * multiplies raw inputs, and a tap in the padding reads the input zero point
 * (which then adds nothing, as the reference skips such taps).
 *
 * A pair of taps of four channels, for a window inside the image: two input
 * words A (tap t) and B (tap t + 1); their low halves side by side (PKHBT:
 * bytes a0 a1 b0 b1) and their high halves (PKHTB: a2 a3 b2 b3), each widened
 * by SXTB16 twice, give per channel the pair (a, b) the filter word multiplies
 * in one SMLAD: 8 MACs from two input loads, two packs, four widenings, two
 * double-word filter loads and four SMLADs. The input offsets of the taps, the
 * same for every window inside the image, are computed once per call (a table
 * on the stack). Windows that reach into the padding (the image's border) take
 * the same steps in C, with the input zero point in every byte for the taps
 * outside the image.
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

/* Four channels' values: doubled accumulators, then requantized. */
typedef struct {
    int32_t c0, c1, c2, c3;
} acc4;

/* The four accumulators requantized with the group's record (the output offset added, not clamped). */
static inline void requantize_group(acc4 *v, const int32_t *record)
{
    v->c0 = tk_requant_doubled(record[4], record[5], record[6], v->c0);
    v->c1 = tk_requant_doubled(record[7], record[8], record[9], v->c1);
    v->c2 = tk_requant_doubled(record[10], record[11], record[12], v->c2);
    v->c3 = tk_requant_doubled(record[13], record[14], record[15], v->c3);
}

/* The group's four output bytes, clamped. FULL_RANGE is a constant at each
 * call (one SSAT when the clamp is all of int8), so each copy is compiled for one clamp. */
static inline void store_group(const acc4 *v, int32_t act_min, int32_t act_max, int full_range, int8_t *out)
{
    out[0] = (int8_t)(full_range ? __ssat(v->c0, 8) : tk_clamp(v->c0, act_min, act_max));
    out[1] = (int8_t)(full_range ? __ssat(v->c1, 8) : tk_clamp(v->c1, act_min, act_max));
    out[2] = (int8_t)(full_range ? __ssat(v->c2, 8) : tk_clamp(v->c2, act_min, act_max));
    out[3] = (int8_t)(full_range ? __ssat(v->c3, 8) : tk_clamp(v->c3, act_min, act_max));
}

/* One pair of taps of the group: a and b the input words of taps t and t + 1,
 * w the group's four filter words of the pair (the step DW_C4_GROUP_ASM
 * repeats). */
static inline void pair_step(int32_t a, int32_t b, const int32_t *w, acc4 *v)
{
    const int32_t low = tk_pkh_low(a, b);   /* a0 a1 b0 b1 */
    const int32_t high = tk_pkh_high(a, b); /* a2 a3 b2 b3 */
    v->c0 = __smlad(__sxtb16(low), w[0], v->c0);
    v->c1 = __smlad(tk_sxtb16_ror8(low), w[1], v->c1);
    v->c2 = __smlad(__sxtb16(high), w[2], v->c2);
    v->c3 = __smlad(tk_sxtb16_ror8(high), w[3], v->c3);
}

#if defined(__ARM_FEATURE_DSP)
/* One group of four channels over a window inside the image, in assembly:
 * GCC 12 spills accumulators from the C loop (below) and the pointers around
 * it; written out, a group takes 14 registers (four accumulators, five
 * pointers, five temporaries), 17 instructions per pair of taps and 24 for the
 * biases and the requantization. Operands: r the group's record, o the tap
 * offsets (pairs, then a negative sentinel pair), in the group's first channel
 * at the window's origin, p the group's filter (left at the next group's);
 * leaves the requantized values in c0..c3. */
#define DW_C4_GROUP_ASM \
    "ldrd %[c0], %[c1], [%[r]]\n\t" \
    "ldrd %[c2], %[c3], [%[r], #8]\n\t" \
    "ldrd %[a], %[b], [%[o]], #8\n\t" \
    "1:\n\t" \
    "ldr %[a], [%[in], %[a]]\n\t" \
    "ldr %[b], [%[in], %[b]]\n\t" \
    "ldrd %[w0], %[w1], [%[p]], #16\n\t" \
    "pkhbt %[t], %[a], %[b], lsl #16\n\t" \
    "pkhtb %[b], %[b], %[a], asr #16\n\t" \
    "sxtb16 %[a], %[t]\n\t" \
    "smlad %[c0], %[a], %[w0], %[c0]\n\t" \
    "sxtb16 %[a], %[t], ror #8\n\t" \
    "smlad %[c1], %[a], %[w1], %[c1]\n\t" \
    "ldrd %[w0], %[w1], [%[p], #-8]\n\t" \
    "sxtb16 %[a], %[b]\n\t" \
    "smlad %[c2], %[a], %[w0], %[c2]\n\t" \
    "sxtb16 %[a], %[b], ror #8\n\t" \
    "smlad %[c3], %[a], %[w1], %[c3]\n\t" \
    "ldrd %[a], %[b], [%[o]], #8\n\t" \
    "cmp %[a], #0\n\t" \
    "bge 1b\n\t" \
    DW_C4_REQUANT(c0, 16, 20) \
    DW_C4_REQUANT(c1, 28, 32) \
    DW_C4_REQUANT(c2, 40, 44) \
    DW_C4_REQUANT(c3, 52, 56)

/* tk_requant_doubled of accumulator ACC with the high term at byte HIGH of the
 * record and (multiplier, e) at byte ME. */
#define DW_C4_REQUANT(acc, high, me) \
    "ldr %[a], [%[r], #" #high "]\n\t" \
    "ldrd %[b], %[t], [%[r], #" #me "]\n\t" \
    "add %[a], %[a], %[" #acc "], asr #31\n\t" \
    "smmlar %[" #acc "], %[" #acc "], %[b], %[a]\n\t" \
    "asr %[" #acc "], %[" #acc "], %[t]\n\t"

#define DW_C4_OPERANDS \
    [c0] "=&r"(c0), [c1] "=&r"(c1), [c2] "=&r"(c2), [c3] "=&r"(c3), [o] "+r"(offsets), [p] "+r"(*pairs), \
    [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t), [w0] "=&r"(w0), [w1] "=&r"(w1)
#endif

/* One group of four channels over a window inside the image, requantized into
 * *v: `in` addresses the group's first channel at the window's origin,
 * *pairs the group's filter (left at the next group's), `offsets` the two
 * input offsets of each pair then a negative sentinel pair, `record` the
 * group's record. */
static inline void group_inside(const int8_t *in, const int32_t **pairs, const int32_t *offsets,
                                const int32_t *record, acc4 *v)
{
#if defined(__ARM_FEATURE_DSP)
    int32_t c0, c1, c2, c3, a, b, t, w0, w1;
    __asm__ volatile(DW_C4_GROUP_ASM
                     : DW_C4_OPERANDS
                     : [in] "r"(in), [r] "r"(record)
                     : "cc", "memory");
    v->c0 = c0;
    v->c1 = c1;
    v->c2 = c2;
    v->c3 = c3;
#else
    const int32_t *w = *pairs;
    v->c0 = record[0];
    v->c1 = record[1];
    v->c2 = record[2];
    v->c3 = record[3];
    for (; offsets[0] >= 0; offsets += 2, w += 4) {
        pair_step(tk_load_word(in + offsets[0]), tk_load_word(in + offsets[1]), w, v);
    }
    *pairs = w;
    requantize_group(v, record);
#endif
}

/* group_inside, then the four outputs clamped to all of int8 stored at *out (left at the next group's). */
static inline void group_inside_full_range(const int8_t *in, const int32_t **pairs, const int32_t *offsets,
                                           const int32_t *record, int8_t **out)
{
#if defined(__ARM_FEATURE_DSP)
    /* The stores too, so the accumulators never leave registers. */
    int32_t c0, c1, c2, c3, a, b, t, w0, w1;
    __asm__ volatile(DW_C4_GROUP_ASM
                     "ssat %[c0], #8, %[c0]\n\t"
                     "strb %[c0], [%[out]], #1\n\t"
                     "ssat %[c1], #8, %[c1]\n\t"
                     "strb %[c1], [%[out]], #1\n\t"
                     "ssat %[c2], #8, %[c2]\n\t"
                     "strb %[c2], [%[out]], #1\n\t"
                     "ssat %[c3], #8, %[c3]\n\t"
                     "strb %[c3], [%[out]], #1\n\t"
                     : DW_C4_OPERANDS, [out] "+r"(*out)
                     : [in] "r"(in), [r] "r"(record)
                     : "cc", "memory");
#else
    acc4 v;
    group_inside(in, pairs, offsets, record, &v);
    store_group(&v, -128, 127, 1, *out);
    *out += 4;
#endif
}

/* One group of four channels over a window that reaches into the padding, requantized:
 * as group_inside, but the taps that `inside` marks read from `image` at index
 * origin + their offset (the group's first channel), the others are the input
 * zero point in every channel (zero_word), which the folded bias cancels. */
static inline void group_border(const int8_t *image, int32_t origin, const int32_t *pairs, const int32_t *offsets,
                                const uint8_t *inside, int32_t pair_count, int32_t zero_word, const int32_t *record,
                                acc4 *v)
{
    acc4 acc = {record[0], record[1], record[2], record[3]}; /* a local copy stays in registers */
    for (int32_t p = 0; p < pair_count; ++p, pairs += 4, offsets += 2, inside += 2) {
        const int32_t a = inside[0] ? tk_load_word(image + (origin + offsets[0])) : zero_word;
        const int32_t b = inside[1] ? tk_load_word(image + (origin + offsets[1])) : zero_word;
        pair_step(a, b, pairs, &acc);
    }
    *v = acc;
    requantize_group(v, record);
}

/* A layer's constants, read once from the kernel's arguments. */
typedef struct {
    tk_conv_geometry g;
    const tk_depthwise_conv_params *params;
    const int32_t *filter;
    const int32_t *channels;
    const int32_t *channels_end;
    const int32_t *offsets;  /* tap offsets, then the sentinel pair */
    int32_t pair_count;
    int32_t taps;
    int32_t zero_word;       /* the input zero point in all four bytes: a padded tap's input */
    int32_t act_min;
    int32_t act_max;
} layer_consts;

/* Every group of one output pixel whose window lies inside the image, its origin at `origin`. */
static inline void pixel_whole(const layer_consts *l, const int8_t *origin, int full_range, int8_t *out)
{
    const int32_t *pairs = l->filter;
    const int32_t *record = l->channels;
    if (full_range) {
        for (; record != l->channels_end; record += GROUP_WORDS, origin += 4) {
            group_inside_full_range(origin, &pairs, l->offsets, record, &out);
        }
        return;
    }
    for (; record != l->channels_end; record += GROUP_WORDS, origin += 4, out += 4) {
        acc4 v;
        group_inside(origin, &pairs, l->offsets, record, &v);
        store_group(&v, l->act_min, l->act_max, 0, out);
    }
}

/* Every group of output pixel (out_x of a row whose windows start at input row in_y_origin, the
 * filter rows ky_first .. ky_end - 1 inside the image) of batch `image` whose window reaches
 * into the padding, or lies wholly in it. */
static void pixel_border(const layer_consts *l, const int8_t *image, int32_t in_y_origin, int32_t ky_first,
                         int32_t ky_end, int32_t out_x, int8_t *out)
{
    const tk_depthwise_conv_params *params = l->params;
    const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
    const int32_t kx_first = tk_dw_first_inside(in_x_origin, params->dilation_w);
    const int32_t kx_end = tk_dw_end_inside(in_x_origin, params->dilation_w, l->g.in_w, l->g.filter_w);
    /* Which taps lie inside the image, once per pixel. */
    uint8_t inside[TK_DW_C4_MAX_TAPS + 1];
    for (int32_t t = 0; t < 2 * l->pair_count; ++t) {
        const int32_t ky = t / l->g.filter_w;
        const int32_t kx = t % l->g.filter_w;
        inside[t] = t < l->taps && ky >= ky_first && ky < ky_end && kx >= kx_first && kx < kx_end;
    }
    int32_t origin = (in_y_origin * l->g.in_w + in_x_origin) * l->g.out_c; /* may lie outside the image */
    const int32_t *pairs = l->filter;
    for (const int32_t *record = l->channels; record != l->channels_end;
         record += GROUP_WORDS, origin += 4, pairs += 4 * l->pair_count, out += 4) {
        acc4 v;
        group_border(image, origin, pairs, l->offsets, inside, l->pair_count, l->zero_word, record, &v);
        store_group(&v, l->act_min, l->act_max, 0, out);
    }
}

/* The outputs x >= 0 whose windows lie inside the image's columns are first .. end - 1. */
static void whole_columns(const tk_depthwise_conv_params *params, const tk_conv_geometry *g, int32_t *first,
                          int32_t *end)
{
    /* in_x_origin = x * stride - pad >= 0, and in_x_origin + dilation * (filter_w - 1) < in_w. */
    const int32_t lo = (params->pad_w + params->stride_w - 1) / params->stride_w;
    const int32_t room = g->in_w - 1 - params->dilation_w * (g->filter_w - 1) + params->pad_w;
    const int32_t hi = room < 0 ? 0 : room / params->stride_w + 1;
    *first = lo < g->out_w ? lo : g->out_w;
    *end = hi < *first ? *first : (hi < g->out_w ? hi : g->out_w);
}

tk_status tk_depthwise_conv_c4_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                  const tk_dims *input_dims, const int8_t *input,
                                  const tk_dims *filter_dims, const int32_t *filter,
                                  const int32_t *channels,
                                  const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    layer_consts l;
    tk_conv_geometry *g = &l.g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, g) != TK_OK || params->depth_multiplier != 1 ||
        g->in_c != g->out_c || g->filter_c != g->out_c || g->out_c % 4 != 0 || params->dilation_h <= 0 ||
        params->dilation_w <= 0 || params->stride_h <= 0 || params->stride_w <= 0 || params->pad_w < 0 ||
        g->filter_h * g->filter_w > TK_DW_C4_MAX_TAPS) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t c = g->out_c;
    l.params = params;
    l.filter = filter;
    l.channels = channels;
    l.channels_end = channels + c / 4 * GROUP_WORDS;
    l.taps = g->filter_h * g->filter_w;
    l.pair_count = (l.taps + 1) / 2;
    /* Input byte offsets of the taps from a window's origin (the zero tap completing an odd count reads the
     * origin), then a sentinel pair. */
    int32_t offsets[TK_DW_C4_MAX_TAPS + 2];
    for (int32_t t = 0; t < l.taps; ++t) {
        offsets[t] = ((t / g->filter_w) * params->dilation_h * g->in_w + (t % g->filter_w) * params->dilation_w) * c;
    }
    offsets[l.taps] = 0;
    offsets[2 * l.pair_count] = -1; /* the sentinel pair group_inside stops at */
    offsets[2 * l.pair_count + 1] = -1;
    l.offsets = offsets;
    const uint32_t zero_byte = (uint32_t)-params->input_offset & 0xffu;
    const uint32_t zero_bits = zero_byte * 0x01010101u;
    memcpy(&l.zero_word, &zero_bits, sizeof l.zero_word);
    l.act_min = params->activation.min;
    l.act_max = params->activation.max;
    const int full_range = l.act_min == -128 && l.act_max == 127;
    int32_t x_first, x_end;
    whole_columns(params, g, &x_first, &x_end);
    const int32_t pixel_step = params->stride_w * c;
    for (int32_t b = 0; b < g->batches; ++b) {
        const int8_t *image = input + b * g->in_h * g->in_w * c;
        for (int32_t out_y = 0; out_y < g->out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t ky_first = tk_dw_first_inside(in_y_origin, params->dilation_h);
            const int32_t ky_end = tk_dw_end_inside(in_y_origin, params->dilation_h, g->in_h, g->filter_h);
            int8_t *out_row = output + (b * g->out_h + out_y) * g->out_w * c;
            /* Rows of windows inside the image: the columns x_first .. x_end - 1 need no test. */
            const int whole_rows = ky_first == 0 && ky_end == g->filter_h;
            const int32_t first = whole_rows ? x_first : g->out_w;
            const int32_t end = whole_rows ? x_end : g->out_w;
            for (int32_t out_x = 0; out_x < first; ++out_x) {
                pixel_border(&l, image, in_y_origin, ky_first, ky_end, out_x, out_row + out_x * c);
            }
            if (first < end) {
                const int8_t *origin = image + (in_y_origin * g->in_w + first * params->stride_w - params->pad_w) * c;
                int8_t *out = out_row + first * c;
                if (full_range) {
                    for (int32_t out_x = first; out_x < end; ++out_x, origin += pixel_step, out += c) {
                        pixel_whole(&l, origin, 1, out);
                    }
                } else {
                    for (int32_t out_x = first; out_x < end; ++out_x, origin += pixel_step, out += c) {
                        pixel_whole(&l, origin, 0, out);
                    }
                }
            }
            for (int32_t out_x = end > first ? end : first; out_x < g->out_w; ++out_x) {
                pixel_border(&l, image, in_y_origin, ky_first, ky_end, out_x, out_row + out_x * c);
            }
        }
    }
    return TK_OK;
}
