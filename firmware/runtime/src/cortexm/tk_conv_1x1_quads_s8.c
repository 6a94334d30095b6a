/* CONV_2D with a 1x1 filter, for cores with the DSP extension, when the
 * filter depth is a multiple of 4, the output channels are even, there is one
 * group and every channel's requantization shifts right: the results of
 * tk_conv_s8, from constants the build prepared.
 *
 * A 1x1 tap reads filter_c contiguous input channels, so the layer is a
 * matrix product of pixels by filters. Three pixels at a time are widened
 * once into the scratch area as int16 pairs, doubled, and multiplied by every
 * filter, two output channels per step:
 * - scratch (6 * in_c bytes): per four taps t0..t3 of the input, for pixels
 *   0, 1, 2 in turn the words (2 t0, 2 t2) and (2 t1, 2 t3) (SXTB16 and
 *   SXTAB16 of the input word, SXTB16 ROR 8 and SXTAB16 ROR 8);
 * - weights (layout "channel_pairs", tinykit/codegen/ops/conv.py): per pair of
 *   output channels c0, c1, per four taps, c0's four bytes then c1's (one
 *   LDRD), which SXTB16 and SXTB16 ROR 8 widen to (t0, t2) and (t1, t3).
 * Per four taps: one LDRD and four SXTB16 for the filters, three LDRD for the
 * pixels, twelve SMLADs (24 MACs): 20 instructions, the six accumulators,
 * four widened filter words, an input pair and the two pointers in the 14
 * registers there are. Widening the pixels once (in_c / 4 words each)
 * instead of once per block of channels is what pays for the third pixel.
 *
 * The doubled inputs give doubled accumulators, which is what the channel
 * records' requantization (tinykit/conv_quads.h: one SMMLAR of 2 acc) wants;
 * the records carry the bias with the input offset folded in (a 1x1 window is
 * never padded, so every input channel of every pixel is read and the fold is
 * exact). Chosen at build time (tinykit/schedule/kernels/conv.py).
 *
 * The three input pixels are in scratch before the first of their output
 * bytes is written, and a later step reads pixels at least as far on as its
 * outputs, so with out_c <= in_c the output may overwrite the input (the
 * variant's in-place rule allows it for an output of the input's size). A
 * last step with fewer than three pixels repeats its last pixel.
 */
#include <string.h>

#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"

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

/* The three pixels a0, a1, a2 (`depth` channels, a multiple of 4) widened and doubled into `triple`. */
static void widen_pixels(const int8_t *a0, const int8_t *a1, const int8_t *a2, int32_t depth, int32_t *triple)
{
    const int8_t *pixel[PIXELS] = {a0, a1, a2};
    for (int32_t i = 0; i < depth; i += 4, triple += 2 * PIXELS) {
        for (int j = 0; j < PIXELS; ++j) {
            const int32_t x = tk_load_word(pixel[j] + i);
            triple[2 * j] = __sxtab16(__sxtb16(x), x);
            triple[2 * j + 1] = tk_sxtab16_ror8(tk_sxtb16_ror8(x), x);
        }
    }
}

/* Accumulators: two output channels (c) by three pixels (p), a_cp. */
typedef struct {
    int32_t a00, a01, a02, a10, a11, a12;
} pair_acc;

/* One pixel's pair of widened words against the two channels' widened filter words (assembly). */
#define PIXEL_STEP(p) \
        "ldrd %[x0], %[x1], [%[s]], #8\n\t" \
        "smlad %[a0" #p "], %[g0], %[x0], %[a0" #p "]\n\t" \
        "smlad %[a0" #p "], %[f0], %[x1], %[a0" #p "]\n\t" \
        "smlad %[a1" #p "], %[g1], %[x0], %[a1" #p "]\n\t" \
        "smlad %[a1" #p "], %[f1], %[x1], %[a1" #p "]\n\t"

/* Four taps: both channels' filter words, widened, against the three pixels. */
#define FOUR_TAPS \
        "ldrd %[f0], %[f1], [%[w]], #8\n\t" \
        "sxtb16 %[g0], %[f0]\n\t" \
        "sxtb16 %[f0], %[f0], ror #8\n\t" \
        "sxtb16 %[g1], %[f1]\n\t" \
        "sxtb16 %[f1], %[f1], ror #8\n\t" \
        PIXEL_STEP(0) PIXEL_STEP(1) PIXEL_STEP(2)

/* Adds to *acc the dot products of two channels' filter words `w` (the
 * "channel_pairs" layout, `depth` taps) with the three pixels in `triple`. */
static inline TK_CONV_QUADS_INLINE void pair_dot(const int8_t *w, const int32_t *triple, int32_t depth, pair_acc *acc)
{
#if defined(__ARM_FEATURE_DSP)
    /* All 14 registers hold operands, so the loop's two limits are read from
     * memory: first the depth / 4 % 4 single steps, then four at a time. */
    const int32_t *s = triple;
    const int32_t *mid = triple + 2 * PIXELS * (depth / 4 % 4);
    const int32_t *stop = triple + 2 * PIXELS * (depth / 4);
    int32_t a00 = acc->a00, a01 = acc->a01, a02 = acc->a02, a10 = acc->a10, a11 = acc->a11, a12 = acc->a12;
    int32_t f0, f1, g0, g1, x0, x1;
    __asm__ volatile(
        "ldr %[x0], %[mid]\n\t"
        "cmp %[s], %[x0]\n\t"
        "beq 2f\n\t"
        "1:\n\t"
        FOUR_TAPS
        "ldr %[x0], %[mid]\n\t"
        "cmp %[s], %[x0]\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "ldr %[x0], %[stop]\n\t"
        "cmp %[s], %[x0]\n\t"
        "beq 4f\n\t"
        "3:\n\t"
        FOUR_TAPS FOUR_TAPS FOUR_TAPS FOUR_TAPS
        "ldr %[x0], %[stop]\n\t"
        "cmp %[s], %[x0]\n\t"
        "bne 3b\n\t"
        "4:\n\t"
        : [a00] "+r"(a00), [a01] "+r"(a01), [a02] "+r"(a02), [a10] "+r"(a10), [a11] "+r"(a11), [a12] "+r"(a12),
          [s] "+r"(s), [w] "+r"(w), [f0] "=&r"(f0), [f1] "=&r"(f1), [g0] "=&r"(g0), [g1] "=&r"(g1),
          [x0] "=&r"(x0), [x1] "=&r"(x1)
        : [mid] "m"(mid), [stop] "m"(stop)
        : "cc", "memory");
    acc->a00 = a00, acc->a01 = a01, acc->a02 = a02, acc->a10 = a10, acc->a11 = a11, acc->a12 = a12;
#else
    for (const int32_t *s = triple; s != triple + 2 * PIXELS * (depth / 4); s += 2 * PIXELS, w += 8) {
        const int32_t f0 = tk_load_word(w);
        const int32_t f1 = tk_load_word(w + 4);
        const int32_t g0 = __sxtb16(f0), h0 = tk_sxtb16_ror8(f0), g1 = __sxtb16(f1), h1 = tk_sxtb16_ror8(f1);
        acc->a00 = __smlad(h0, s[1], __smlad(g0, s[0], acc->a00));
        acc->a10 = __smlad(h1, s[1], __smlad(g1, s[0], acc->a10));
        acc->a01 = __smlad(h0, s[3], __smlad(g0, s[2], acc->a01));
        acc->a11 = __smlad(h1, s[3], __smlad(g1, s[2], acc->a11));
        acc->a02 = __smlad(h0, s[5], __smlad(g0, s[4], acc->a02));
        acc->a12 = __smlad(h1, s[5], __smlad(g1, s[4], acc->a12));
    }
#endif
}

/* The clamped output of doubled accumulator `doubled` with the record `channel`. */
static inline TK_CONV_QUADS_INLINE int32_t clamped(int32_t doubled, const int32_t *channel, int32_t lo, int32_t hi,
                                                   int full_range)
{
    const int32_t r = tk_requant_doubled(doubled, channel);
    return full_range ? __ssat(r, 8) : tk_clamp(r, lo, hi);
}

/* Two int8 values stored as one (possibly unaligned) halfword at out, byte i = v_i (a byte
 * array copied instead goes through the stack). */
static inline void store_int8x2(int32_t v0, int32_t v1, int8_t *out)
{
    const uint16_t half = (uint16_t)(((uint32_t)v0 & 0xffu) | ((uint32_t)v1 << 8));
    memcpy(out, &half, sizeof half);
}

/* Every output channel of the three pixels in `triple`, for one kind of clamp
 * (`full_range`: see tk_conv_quad_outputs), to out[0..2]. Forced inline so
 * that each clamp gets its own loop. */
static inline TK_CONV_QUADS_INLINE void pairs_block(const int8_t *filter, const int32_t *channels, int32_t out_c,
                                                    int32_t depth, const int32_t *triple, int32_t lo, int32_t hi,
                                                    int full_range, int8_t *const out[PIXELS])
{
    const int8_t *w = filter;
    for (int32_t oc = 0; oc < out_c; oc += 2, w += 2 * depth) {
        const int32_t *ch0 = channels + oc * TK_CONV_CHANNEL_WORDS;
        const int32_t *ch1 = ch0 + TK_CONV_CHANNEL_WORDS;
        const int32_t b0 = 2 * ch0[0]; /* doubled: |bias| <= 2^29 (the variant's choice) */
        const int32_t b1 = 2 * ch1[0];
        pair_acc acc = {b0, b0, b0, b1, b1, b1};
        pair_dot(w, triple, depth, &acc);
        /* The records read into locals once: through the pointers, they would be read again after every store. */
        const int32_t r0[TK_CONV_CHANNEL_WORDS] = {0, ch0[1], ch0[2], ch0[3], ch0[4]};
        const int32_t r1[TK_CONV_CHANNEL_WORDS] = {0, ch1[1], ch1[2], ch1[3], ch1[4]};
        const int32_t v00 = clamped(acc.a00, r0, lo, hi, full_range), v10 = clamped(acc.a10, r1, lo, hi, full_range);
        const int32_t v01 = clamped(acc.a01, r0, lo, hi, full_range), v11 = clamped(acc.a11, r1, lo, hi, full_range);
        const int32_t v02 = clamped(acc.a02, r0, lo, hi, full_range), v12 = clamped(acc.a12, r1, lo, hi, full_range);
        store_int8x2(v00, v10, out[0] + oc);
        store_int8x2(v01, v11, out[1] + oc);
        store_int8x2(v02, v12, out[2] + oc);
    }
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
    const int full_range = params->activation.min == INT8_MIN && params->activation.max == INT8_MAX;
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += PIXELS) {
            int8_t *out[PIXELS];
            const int8_t *in[PIXELS];
            for (int j = 0; j < PIXELS; ++j) {
                const int32_t p = pixel + j < pixels ? pixel + j : pixels - 1;
                in[j] = tk_conv_1x1_input_pixel(input, &g, params->stride_h, params->stride_w, b, p);
                out[j] = output + (b * pixels + p) * g.out_c;
            }
            widen_pixels(in[0], in[1], in[2], g.in_c, triple);
            /* A layer without a fused clamp inside int8 (every layer of the MLPerf Tiny models) gets the loop whose clamp is one SSAT. */
            if (full_range) {
                pairs_block(filter, channels, g.out_c, g.in_c, triple, INT8_MIN, INT8_MAX, 1, out);
            } else {
                pairs_block(filter, channels, g.out_c, g.in_c, triple, params->activation.min, params->activation.max,
                            0, out);
            }
        }
    }
    return TK_OK;
}
