/* What the "quads" CONV_2D kernels share (kernel-internal, cortexm/):
 * requantization from per-channel records the build prepared, and two
 * blocked loops.
 *
 * Four output channels by a pair of pixels (tk_conv_quads_s8.c): eight
 * accumulators. With the two widened input pairs of each pixel also live,
 * the plain layouts need 17 registers and spill; so both operands are stored
 * so that one SXTB16 pair of a word gives what the other operand's word needs:
 * - the pixel pair: per four taps t0..t3, the word [p0 t0, p1 t0, p0 t2,
 *   p1 t2] then [p0 t1, p1 t1, p0 t3, p1 t3]: SXTB16 gives pixel 0's
 *   (t0, t2), SXTB16 ROR 8 pixel 1's;
 * - weight layout "quads" (tinykit/codegen/ops/conv.py, conv_quads_weights):
 *   filter rows padded with zero taps to a multiple of 4, per block of four
 *   output channels c0..c3, per four taps the words [c0 t0, c1 t0, c0 t2,
 *   c1 t2], [c2 t0, c3 t0, c2 t2, c3 t2], then the same with t1 and t3.
 * Per four taps: two input words and four filter words, each widened by two
 * SXTB16, feed 16 SMLADs (32 MACs): 34 instructions, and only two widened
 * values of each are live at a time.
 *
 * Two output channels by three pixels held in scratch as doubled int16
 * (tk_conv_1x1_quads_s8.c), the "triple" layout, 6 * depth bytes for `depth`
 * taps (a multiple of 4): per four taps t0..t3, for pixels 0, 1, 2 in turn
 * the words (2 t0, 2 t2) and (2 t1, 2 t3) (tk_conv_triple_widen makes them
 * from an int8 word). Weights (layout "channel_pairs"): filter rows padded
 * with zero taps to `depth`; per pair of output channels c0, c1, per four
 * taps, c0's four bytes then c1's (one LDRD), which SXTB16 and SXTB16 ROR 8
 * widen to (t0, t2) and (t1, t3). Per four taps: one LDRD and four SXTB16
 * for the filters, three LDRD for the pixels, twelve SMLADs (24 MACs): 20
 * instructions, with the six accumulators, four widened filter words, an
 * input pair and the two pointers in the 14 registers there are. Widening a
 * pixel once (depth / 4 words) instead of once per block of channels is what
 * pays for the third pixel; the scratch is three times the pair's. The
 * doubled inputs give doubled accumulators, the operand the records'
 * requantization wants.
 *
 * Channel records (TK_CONV_CHANNEL_WORDS int32 per output channel):
 *   [0] bias + input_offset * the filter row's sum (the input offset folded in)
 *   [1] the multiplier m (0, or in [2^30, 2^31) as quantize_multiplier gives it)
 *   [2] 2^(e - 1), where e is the channel's right shift, 1 <= e <= 31
 *   [3] e
 *   [4] the output offset
 * TF Lite Micro requantizes acc as y = SaturatingRoundingDoublingHighMul(acc,
 * m) = floor((acc * m + 2^30) / 2^31), then RoundingDivideByPOT(y, e) (to
 * nearest, ties away from zero) = floor((y + 2^(e - 1) - [y < 0]) / 2^e), and
 * adds the output offset. One SMMLAR of the doubled accumulator A = 2 acc
 * gives y plus a third operand: SMMLAR(A, m, k) = floor((A * m + 2^31) / 2^32)
 * + k = y + k; with k = 2^(e - 1) - [acc < 0] (an ADD of A >> 31), its
 * arithmetic shift by e is the rounded quotient. The sign test may read acc
 * instead of y: where they differ (acc < 0 <= acc * m + 2^30) y is 0, and
 * 2^(e - 1) - 1 and 2^(e - 1) both shift to 0. The output offset is added
 * after the shift (folded into k it would leave int32 for e >= 24). A
 * multiplier of 0 (TF Lite Micro's for a real multiplier below 2^-32, its
 * shift then 0) takes e = 1: y = 0 and k in {0, 1} shift to 0, the output is
 * the offset. So per output: ADD, SMMLAR, ASR, ADD, then the clamp.
 * Exact when A and y + k stay inside int32: the build chooses these kernels
 * only where every accumulator the layer can reach lies in [-2^29, 2^29]
 * (tinykit/schedule/kernels/conv.py, _requantization_shifts_right, from the
 * weights, the bias and the input zero point) and no channel shifts left or
 * by 0 with m > 0 (a real multiplier of 1/2 or more, whose single rounding
 * this form cannot give); tests/test_requantize.py checks the records
 * against TF Lite Micro's arithmetic for every right shift 1..31 and m = 0.
 */
#ifndef TINYKIT_CONV_QUADS_H
#define TINYKIT_CONV_QUADS_H

#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/requantize.h"

#define TK_CONV_CHANNEL_WORDS 5

#if defined(__GNUC__)
#define TK_CONV_QUADS_INLINE __attribute__((always_inline))
#else
#define TK_CONV_QUADS_INLINE
#endif

/* Output channels per block of the "quads" layout. */
#define TK_CONV_QUAD 4

/* The geometry of a CONV_2D the kernels with these records take (tk_conv_quads_s8,
 * tk_conv_shallow_s8) in *g: one group, out_c a multiple of TK_CONV_QUAD, and an input
 * zero point (-input_offset) an int8 can hold, since their padding is that zero point.
 * TK_ERROR_ARGUMENT otherwise. */
static inline tk_status tk_conv_quads_geometry(const tk_conv_params *params, const tk_dims *input_dims,
                                               const tk_dims *filter_dims, const tk_dims *output_dims,
                                               tk_conv_geometry *g)
{
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, g) != TK_OK || g->filter_c != g->in_c ||
        g->out_c % TK_CONV_QUAD != 0 || filter_dims->n != g->out_c || params->input_offset < -127 ||
        params->input_offset > 128) {
        return TK_ERROR_ARGUMENT;
    }
    return TK_OK;
}

/* A requantized with the prepared record `channel` (see above), the output
 * offset included, where A = 2 acc is the doubled accumulator and `negative`
 * is -1 where acc < 0, else 0. */
static inline int32_t tk_requant_signed(int32_t doubled, int32_t negative, const int32_t *channel)
{
    return (tk_smmlar(doubled, channel[1], channel[2] + negative) >> channel[3]) + channel[4];
}

/* A requantized with the prepared record `channel` (see above), the output
 * offset included, where A = 2 acc is the doubled accumulator. */
static inline int32_t tk_requant_doubled(int32_t doubled, const int32_t *channel)
{
    /* >> of a negative int32_t is GCC's arithmetic shift. */
    return tk_requant_signed(doubled, doubled >> 31, channel);
}

/* acc requantized with the prepared record `channel` (see above), the output offset included. */
static inline int32_t tk_requant_ready(int32_t acc, const int32_t *channel)
{
    return tk_requant_doubled((int32_t)((uint32_t)acc << 1), channel);
}

/* Both pixels' outputs of one channel from its accumulators acc0, acc1 and
 * its record, clamped to [lo, hi], in out[0] and out[1]. The record is read
 * into locals once: read through the pointer, it would be read again after
 * every store. `full_range` (a constant where it is inlined) says the
 * activation clamps to all of int8, which one SSAT does. `acc_sign` (a
 * constant) reads the sign of A from acc (|acc| <= 2^29): one ADD with ASR
 * #31 where A's sign bit costs an SBFX and an ADD; tk_conv_shallow_s8 passes
 * 0, as GCC 12 allocates its loop's registers worse around that form. */
static inline void tk_conv_quad_outputs(int32_t acc0, int32_t acc1, const int32_t *channel, int32_t lo, int32_t hi,
                                        int full_range, int acc_sign, int32_t out[2])
{
    const int32_t record[TK_CONV_CHANNEL_WORDS] = {0, channel[1], channel[2], channel[3], channel[4]};
    const int32_t r0 = acc_sign ? tk_requant_signed((int32_t)((uint32_t)acc0 << 1), acc0 >> 31, record)
                                : tk_requant_ready(acc0, record);
    const int32_t r1 = acc_sign ? tk_requant_signed((int32_t)((uint32_t)acc1 << 1), acc1 >> 31, record)
                                : tk_requant_ready(acc1, record);
    out[0] = full_range ? __ssat(r0, 8) : tk_clamp(r0, lo, hi);
    out[1] = full_range ? __ssat(r1, 8) : tk_clamp(r1, lo, hi);
}

/* Four int8 values (each in [-128, 127]) stored as one (possibly unaligned)
 * word at out, byte i = v_i: GCC builds the word with four BFI and stores
 * it once instead of four byte stores. */
static inline void tk_store_int8x4(int32_t v0, int32_t v1, int32_t v2, int32_t v3, int8_t *out)
{
    const int8_t bytes[4] = {(int8_t)v0, (int8_t)v1, (int8_t)v2, (int8_t)v3};
    memcpy(out, bytes, sizeof bytes);
}

/* Four int8 values (each in [-128, 127]) as one word, byte i = v_i: with the
 * DSP extension three BFI put v1..v3 over v0's upper bytes, two instructions
 * per word fewer than tk_store_int8x4's array (a cleared register and four
 * BFI; GCC 12 keeps tk_conv_shallow_s8's loop tighter around that, so it
 * stays). */
static inline uint32_t tk_pack_int8x4(int32_t v0, int32_t v1, int32_t v2, int32_t v3)
{
#if defined(__ARM_FEATURE_DSP)
    uint32_t word = (uint32_t)v0;
    __asm__("bfi %0, %1, #8, #8\n\t"
            "bfi %0, %2, #16, #8\n\t"
            "bfi %0, %3, #24, #8"
            : "+r"(word)
            : "r"(v1), "r"(v2), "r"(v3));
    return word;
#else
    return ((uint32_t)v0 & 0xffu) | ((uint32_t)v1 & 0xffu) << 8 | ((uint32_t)v2 & 0xffu) << 16 | (uint32_t)v3 << 24;
#endif
}

/* Eight accumulators: four output channels (c) by two pixels (p), acc_cp. */
typedef struct {
    int32_t a00, a01, a10, a11, a20, a21, a30, a31;
} tk_conv_quad_acc;

/* Half a step of tk_conv_quads_dot's loop (assembly): one pair word (two
 * taps of both pixels) against two filter words (those taps of four channels). */
#define TK_CONV_QUADS_HALF \
        "ldr %[x1], [%[s]], #4\n\t" \
        "sxtb16 %[x0], %[x1]\n\t" \
        "sxtb16 %[x1], %[x1], ror #8\n\t" \
        "ldr %[f], [%[w]], #4\n\t" \
        "sxtb16 %[g], %[f]\n\t" \
        "smlad %[a00], %[g], %[x0], %[a00]\n\t" \
        "smlad %[a01], %[g], %[x1], %[a01]\n\t" \
        "sxtb16 %[f], %[f], ror #8\n\t" \
        "smlad %[a10], %[f], %[x0], %[a10]\n\t" \
        "smlad %[a11], %[f], %[x1], %[a11]\n\t" \
        "ldr %[f], [%[w]], #4\n\t" \
        "sxtb16 %[g], %[f]\n\t" \
        "smlad %[a20], %[g], %[x0], %[a20]\n\t" \
        "smlad %[a21], %[g], %[x1], %[a21]\n\t" \
        "sxtb16 %[f], %[f], ror #8\n\t" \
        "smlad %[a30], %[f], %[x0], %[a30]\n\t" \
        "smlad %[a31], %[f], %[x1], %[a31]\n\t"

/* A quarter step of the wide pair's loop (assembly): one widened word of each pixel (two
 * taps) against one filter word (those taps of channels ca and cb). */
#define TK_CONV_QUADS_WIDE_CHANNELS(ca, cb) \
        "ldr %[f], [%[w]], #4\n\t" \
        "sxtb16 %[g], %[f]\n\t" \
        "sxtb16 %[f], %[f], ror #8\n\t" \
        "smlad %[a" #ca "0], %[g], %[x0], %[a" #ca "0]\n\t" \
        "smlad %[a" #ca "1], %[g], %[x1], %[a" #ca "1]\n\t" \
        "smlad %[a" #cb "0], %[f], %[x0], %[a" #cb "0]\n\t" \
        "smlad %[a" #cb "1], %[f], %[x1], %[a" #cb "1]\n\t"

/* Half of four taps of the wide pair: both pixels' widened words of two taps (one LDRD), the
 * four channels. */
#define TK_CONV_QUADS_WIDE_HALF \
        "ldrd %[x0], %[x1], [%[s]], #8\n\t" \
        TK_CONV_QUADS_WIDE_CHANNELS(0, 1) TK_CONV_QUADS_WIDE_CHANNELS(2, 3)

/* The assembly below reads the records at byte offsets written out: 20 bytes each. */
_Static_assert(TK_CONV_CHANNEL_WORDS == 5, "the quads assembly's record offsets");

/* Requantization of channel c's two accumulators (assembly) with its record (from g on, m and
 * 2^(e - 1) at byte offset `m`, e and the output offset at `e`: one LDRD each),
 * tk_conv_quad_outputs with acc_sign and an SSAT clamp; x0, x1 and f hold the record's words and
 * the SMMLAR addend. */
#define TK_CONV_QUADS_CHANNEL_OUT(c, m, e) \
        "ldrd %[x0], %[x1], [%[g], #" #m "]\n\t" \
        "add %[f], %[x1], %[a" #c "0], asr #31\n\t" \
        "lsl %[a" #c "0], %[a" #c "0], #1\n\t" \
        "smmlar %[a" #c "0], %[a" #c "0], %[x0], %[f]\n\t" \
        "add %[x1], %[x1], %[a" #c "1], asr #31\n\t" \
        "lsl %[a" #c "1], %[a" #c "1], #1\n\t" \
        "smmlar %[a" #c "1], %[a" #c "1], %[x0], %[x1]\n\t" \
        "ldrd %[x0], %[x1], [%[g], #" #e "]\n\t" \
        "asr %[a" #c "0], %[a" #c "0], %[x0]\n\t" \
        "asr %[a" #c "1], %[a" #c "1], %[x0]\n\t" \
        "add %[a" #c "0], %[a" #c "0], %[x1]\n\t" \
        "add %[a" #c "1], %[a" #c "1], %[x1]\n\t" \
        "ssat %[a" #c "0], #8, %[a" #c "0]\n\t" \
        "ssat %[a" #c "1], #8, %[a" #c "1]\n\t"

/* After the loop, for a layer whose clamp is all of int8: the four channels requantized and
 * each pixel's four outputs packed into a00 (pixel 0) and a01 (pixel 1), byte c channel c. In
 * the asm, where the C form (tk_conv_quad_outputs, tk_pack_int8x4) has GCC 12 spill a third
 * of the registers around the eight live accumulators. */
#define TK_CONV_QUADS_REQUANTIZE \
        "ldr %[g], %[records]\n\t" \
        TK_CONV_QUADS_CHANNEL_OUT(0, 4, 12) TK_CONV_QUADS_CHANNEL_OUT(1, 24, 32) \
        TK_CONV_QUADS_CHANNEL_OUT(2, 44, 52) TK_CONV_QUADS_CHANNEL_OUT(3, 64, 72) \
        "bfi %[a00], %[a10], #8, #8\n\t" \
        "bfi %[a01], %[a11], #8, #8\n\t" \
        "bfi %[a00], %[a20], #16, #8\n\t" \
        "bfi %[a01], %[a21], #16, #8\n\t" \
        "bfi %[a00], %[a30], #24, #8\n\t" \
        "bfi %[a01], %[a31], #24, #8\n\t"

/* tk_conv_quads_dot's loop with `half` as its half step, after the accumulators' biases (word 0
 * of the four records from g on, each pixel's copy) and before `tail` (nothing, or
 * TK_CONV_QUADS_REQUANTIZE): sixteen taps per pass (its test, three instructions, once per 128
 * MACs); TBB enters the first pass where it runs just the depth / 4 % 4 groups of four taps
 * left over (f holds that count on entry; 0 enters at the top). Every instruction of a half
 * step is 32 bits wide, so the table's offsets (at most 4 + 3 * 136 bytes, halved) fit its
 * bytes. 14 registers (eight accumulators, two pointers, two widened inputs, a filter word and
 * its widening), so `stop` (and the records' address for `tail`) is read from memory. */
#define TK_CONV_QUADS_LOOP(half, tail) \
    __asm__ volatile( \
        "ldr %[a00], [%[g]]\n\t" \
        "ldr %[a10], [%[g], #20]\n\t" \
        "ldr %[a20], [%[g], #40]\n\t" \
        "ldr %[a30], [%[g], #60]\n\t" \
        "mov %[a01], %[a00]\n\t" \
        "mov %[a11], %[a10]\n\t" \
        "mov %[a21], %[a20]\n\t" \
        "mov %[a31], %[a30]\n\t" \
        "tbb [pc, %[f]]\n\t" \
        "0:\n\t" \
        ".byte (1f - 0b) / 2, (4f - 0b) / 2, (3f - 0b) / 2, (2f - 0b) / 2\n\t" \
        "1:\n\t" \
        half half \
        "2:\n\t" \
        half half \
        "3:\n\t" \
        half half \
        "4:\n\t" \
        half half \
        "ldr %[f], %[stop]\n\t" \
        "cmp %[s], %[f]\n\t" \
        "bne 1b\n\t" \
        tail \
        : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11), [a20] "=&r"(a20), \
          [a21] "=&r"(a21), [a30] "=&r"(a30), [a31] "=&r"(a31), [s] "+&r"(s), [w] "+&r"(w), [x0] "=&r"(x0), \
          [x1] "=&r"(x1), [f] "+&r"(f), [g] "+&r"(g) \
        : [stop] "m"(stop), [records] "m"(channels) \
        : "cc", "memory")

/* Sets *acc to the biases of four channels (word 0 of their records at
 * `channels`) plus the sums of their filter words `w` (the "quads" layout,
 * `depth` taps) with the two pixels in `pair`: interleaved int8, or with
 * `wide` (a constant) widened to int16 in the "wide pair" layout (per four
 * taps t0..t3 the words pixel 0 (t0, t2), pixel 1 (t0, t2), pixel 0 (t1, t3),
 * pixel 1 (t1, t3)), which the loop loads with one LDRD per two taps and never
 * widens: 30 instructions per four taps instead of 34. With `requantize` (a
 * constant, only with the DSP extension, for a clamp to all of int8) a00 and
 * a01 are then the two pixels' output words instead (TK_CONV_QUADS_REQUANTIZE).
 * Returns the filter words after the four channels' (the next block's). */
static inline TK_CONV_QUADS_INLINE const int8_t *tk_conv_quads_dot(const int8_t *w, const int8_t *pair,
                                                                   int32_t depth, int wide, const int32_t *channels,
                                                                   int requantize, tk_conv_quad_acc *acc)
{
#if defined(__ARM_FEATURE_DSP)
    /* GCC 12 spills four accumulators from the C loop below (17 registers
     * would hold everything), which costs it half its speed: written out, the
     * loop needs 14. The biases are loaded there too (into registers GCC
     * would otherwise shuffle them through). */
    int32_t a00, a01, a10, a11, a20, a21, a30, a31;
    int32_t x0, x1;
    const int32_t *g = channels; /* then a widened filter word */
    int32_t f = depth / 4 % 4;   /* the loop's entry */
    const int8_t *s = pair;
    const int8_t *stop = pair + (wide ? 4 : 2) * depth;
    if (wide && requantize) {
        TK_CONV_QUADS_LOOP(TK_CONV_QUADS_WIDE_HALF, TK_CONV_QUADS_REQUANTIZE);
    } else if (wide) {
        TK_CONV_QUADS_LOOP(TK_CONV_QUADS_WIDE_HALF, "");
    } else if (requantize) {
        TK_CONV_QUADS_LOOP(TK_CONV_QUADS_HALF, TK_CONV_QUADS_REQUANTIZE);
    } else {
        TK_CONV_QUADS_LOOP(TK_CONV_QUADS_HALF, "");
    }
    acc->a00 = a00, acc->a01 = a01, acc->a10 = a10, acc->a11 = a11;
    acc->a20 = a20, acc->a21 = a21, acc->a30 = a30, acc->a31 = a31;
#else
    (void)requantize; /* never set without the DSP extension */
    acc->a00 = acc->a01 = channels[0];
    acc->a10 = acc->a11 = channels[TK_CONV_CHANNEL_WORDS];
    acc->a20 = acc->a21 = channels[2 * TK_CONV_CHANNEL_WORDS];
    acc->a30 = acc->a31 = channels[3 * TK_CONV_CHANNEL_WORDS];
    const int8_t *s = pair;
    for (int32_t half = 0; half < depth / 2; ++half, w += 8) {
        int32_t x0;
        int32_t x1;
        if (wide) {
            x0 = tk_load_word(s);
            x1 = tk_load_word(s + 4);
            s += 8;
        } else {
            const int32_t x = tk_load_word(s);
            x0 = __sxtb16(x);
            x1 = tk_sxtb16_ror8(x);
            s += 4;
        }
        const int32_t w01 = tk_load_word(w);
        const int32_t w23 = tk_load_word(w + 4);
        acc->a00 = __smlad(__sxtb16(w01), x0, acc->a00);
        acc->a01 = __smlad(__sxtb16(w01), x1, acc->a01);
        acc->a10 = __smlad(tk_sxtb16_ror8(w01), x0, acc->a10);
        acc->a11 = __smlad(tk_sxtb16_ror8(w01), x1, acc->a11);
        acc->a20 = __smlad(__sxtb16(w23), x0, acc->a20);
        acc->a21 = __smlad(__sxtb16(w23), x1, acc->a21);
        acc->a30 = __smlad(tk_sxtb16_ror8(w23), x0, acc->a30);
        acc->a31 = __smlad(tk_sxtb16_ror8(w23), x1, acc->a31);
    }
#endif
    return w;
}

/* tk_conv_quads_two_pixels for one kind of clamp (`full_range`: see
 * tk_conv_quad_outputs). Forced inline: GCC 12 otherwise keeps one copy for
 * both calls, tests full_range at run time per channel and spills around it. */
static inline TK_CONV_QUADS_INLINE void tk_conv_quads_block(const int8_t *filter, const int32_t *channels,
                                                            int32_t out_c, int32_t depth, const int8_t *pair,
                                                            int wide, int32_t lo, int32_t hi, int full_range,
                                                            int8_t *out0, int8_t *out1)
{
    const int32_t *ch = channels;
    const int8_t *w = filter;
    for (int32_t oc = 0; oc < out_c; oc += TK_CONV_QUAD, ch += TK_CONV_QUAD * TK_CONV_CHANNEL_WORDS) {
        const int32_t *ch1 = ch + TK_CONV_CHANNEL_WORDS;
        const int32_t *ch2 = ch + 2 * TK_CONV_CHANNEL_WORDS;
        const int32_t *ch3 = ch + 3 * TK_CONV_CHANNEL_WORDS;
        tk_conv_quad_acc acc;
#if defined(__ARM_FEATURE_DSP)
        if (full_range) {
            w = tk_conv_quads_dot(w, pair, depth, wide, ch, 1, &acc);
            memcpy(out0 + oc, &acc.a00, sizeof acc.a00);
            memcpy(out1 + oc, &acc.a01, sizeof acc.a01);
            continue;
        }
#endif
        w = tk_conv_quads_dot(w, pair, depth, wide, ch, 0, &acc);
        int32_t v0[2];
        int32_t v1[2];
        int32_t v2[2];
        int32_t v3[2];
        tk_conv_quad_outputs(acc.a00, acc.a01, ch, lo, hi, full_range, 1, v0);
        tk_conv_quad_outputs(acc.a10, acc.a11, ch1, lo, hi, full_range, 1, v1);
        tk_conv_quad_outputs(acc.a20, acc.a21, ch2, lo, hi, full_range, 1, v2);
        tk_conv_quad_outputs(acc.a30, acc.a31, ch3, lo, hi, full_range, 1, v3);
        /* Stored last, so no store comes between a record's loads; the
         * four channels of a pixel are contiguous, one word. */
        const uint32_t word0 = tk_pack_int8x4(v0[0], v1[0], v2[0], v3[0]);
        const uint32_t word1 = tk_pack_int8x4(v0[1], v1[1], v2[1], v3[1]);
        memcpy(out0 + oc, &word0, sizeof word0);
        memcpy(out1 + oc, &word1, sizeof word1);
    }
}

/* Every output channel of the two pixels interleaved in `pair` (`depth` taps
 * each, a multiple of 4, at least 4; `wide` (a constant): widened to int16 in
 * the "wide pair" layout, else int8), from `filter` in the "quads" layout; the
 * outputs go to out0 and out1 (the same place for an odd last pixel, paired
 * with itself). A layer without a fused clamp inside int8 (no activation, or
 * ReLU with the output zero point at -128: every layer of the MLPerf Tiny
 * models) gets the loop whose clamp is one SSAT. */
static inline TK_CONV_QUADS_INLINE void tk_conv_quads_two_pixels(const int8_t *filter, const int32_t *channels,
                                                                 int32_t out_c, int32_t depth, const int8_t *pair,
                                                                 int wide, tk_activation activation, int8_t *out0,
                                                                 int8_t *out1)
{
    if (activation.min == INT8_MIN && activation.max == INT8_MAX) {
        tk_conv_quads_block(filter, channels, out_c, depth, pair, wide, INT8_MIN, INT8_MAX, 1, out0, out1);
    } else {
        tk_conv_quads_block(filter, channels, out_c, depth, pair, wide, activation.min, activation.max, 0, out0, out1);
    }
}

/* Taps t0 and t2 of an int8 word as an int16 pair, doubled when `doubled`. */
static inline int32_t tk_widen_even(int32_t x, int doubled)
{
    return doubled ? __sxtab16(__sxtb16(x), x) : __sxtb16(x);
}

/* Taps t1 and t3 of an int8 word as an int16 pair, doubled when `doubled`. */
static inline int32_t tk_widen_odd(int32_t x, int doubled)
{
    return doubled ? tk_sxtab16_ror8(tk_sxtb16_ror8(x), x) : tk_sxtb16_ror8(x);
}

/* The doubled int16 pairs of an int8 word x of taps t0..t3 into pixel slot
 * `slot` (0..2) of a triple group (six words): (2 t0, 2 t2), (2 t1, 2 t3). */
static inline void tk_conv_triple_widen(int32_t x, int32_t *group, int slot)
{
    group[2 * slot] = tk_widen_even(x, 1);
    group[2 * slot + 1] = tk_widen_odd(x, 1);
}

/* Accumulators: two output channels (c) by three pixels (p), a_cp. */
typedef struct {
    int32_t a00, a01, a02, a10, a11, a12;
} tk_conv_pair_acc;

/* One pixel's pair of widened words against the two channels' widened filter words (assembly). */
#define TK_CONV_PAIR_PIXEL(p) \
        "ldrd %[x0], %[x1], [%[s]], #8\n\t" \
        "smlad %[a0" #p "], %[g0], %[x0], %[a0" #p "]\n\t" \
        "smlad %[a0" #p "], %[f0], %[x1], %[a0" #p "]\n\t" \
        "smlad %[a1" #p "], %[g1], %[x0], %[a1" #p "]\n\t" \
        "smlad %[a1" #p "], %[f1], %[x1], %[a1" #p "]\n\t"

/* Four taps: both channels' filter words, widened, against the three pixels. */
#define TK_CONV_PAIR_FOUR_TAPS \
        "ldrd %[f0], %[f1], [%[w]], #8\n\t" \
        "sxtb16 %[g0], %[f0]\n\t" \
        "sxtb16 %[f0], %[f0], ror #8\n\t" \
        "sxtb16 %[g1], %[f1]\n\t" \
        "sxtb16 %[f1], %[f1], ror #8\n\t" \
        TK_CONV_PAIR_PIXEL(0) TK_CONV_PAIR_PIXEL(1) TK_CONV_PAIR_PIXEL(2)

/* Adds to *acc the dot products of two channels' filter words `w` (the
 * "channel_pairs" layout, `depth` taps) with the three pixels in `triple`. */
static inline TK_CONV_QUADS_INLINE void tk_conv_pair_dot(const int8_t *w, const int32_t *triple, int32_t depth,
                                                         tk_conv_pair_acc *acc)
{
#if defined(__ARM_FEATURE_DSP)
    /* GCC 12 would spill the C loop below; written out, every one of the 14
     * registers holds an operand, so the loop's two limits are read from
     * memory: first the depth / 4 % 4 single steps, then four at a time. */
    const int32_t *s = triple;
    const int32_t *mid = triple + 6 * (depth / 4 % 4);
    const int32_t *stop = triple + 6 * (depth / 4);
    int32_t a00 = acc->a00, a01 = acc->a01, a02 = acc->a02, a10 = acc->a10, a11 = acc->a11, a12 = acc->a12;
    int32_t f0, f1, g0, g1, x0, x1;
    __asm__ volatile(
        "ldr %[x0], %[mid]\n\t"
        "cmp %[s], %[x0]\n\t"
        "beq 2f\n\t"
        "1:\n\t"
        TK_CONV_PAIR_FOUR_TAPS
        "ldr %[x0], %[mid]\n\t"
        "cmp %[s], %[x0]\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "ldr %[x0], %[stop]\n\t"
        "cmp %[s], %[x0]\n\t"
        "beq 4f\n\t"
        "3:\n\t"
        TK_CONV_PAIR_FOUR_TAPS TK_CONV_PAIR_FOUR_TAPS TK_CONV_PAIR_FOUR_TAPS TK_CONV_PAIR_FOUR_TAPS
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
    for (const int32_t *s = triple; s != triple + 6 * (depth / 4); s += 6, w += 8) {
        const int32_t f0 = tk_load_word(w);
        const int32_t f1 = tk_load_word(w + 4);
        const int32_t g0 = __sxtb16(f0), h0 = tk_sxtb16_ror8(f0), g1 = __sxtb16(f1), h1 = tk_sxtb16_ror8(f1);
        acc->a00 = __smlad(h0, tk_load_word(s + 1), __smlad(g0, tk_load_word(s), acc->a00));
        acc->a10 = __smlad(h1, tk_load_word(s + 1), __smlad(g1, tk_load_word(s), acc->a10));
        acc->a01 = __smlad(h0, tk_load_word(s + 3), __smlad(g0, tk_load_word(s + 2), acc->a01));
        acc->a11 = __smlad(h1, tk_load_word(s + 3), __smlad(g1, tk_load_word(s + 2), acc->a11));
        acc->a02 = __smlad(h0, tk_load_word(s + 5), __smlad(g0, tk_load_word(s + 4), acc->a02));
        acc->a12 = __smlad(h1, tk_load_word(s + 5), __smlad(g1, tk_load_word(s + 4), acc->a12));
    }
#endif
}

/* The clamped output of doubled accumulator `doubled` with the record `channel`. */
static inline TK_CONV_QUADS_INLINE int32_t tk_conv_pair_output(int32_t doubled, const int32_t *channel, int32_t lo,
                                                               int32_t hi, int full_range)
{
    const int32_t r = tk_requant_doubled(doubled, channel);
    return full_range ? __ssat(r, 8) : tk_clamp(r, lo, hi);
}

/* Two int8 values stored as one (possibly unaligned) halfword at out, byte i = v_i (a byte
 * array copied instead goes through the stack). */
static inline void tk_store_int8x2(int32_t v0, int32_t v1, int8_t *out)
{
    const uint16_t half = (uint16_t)(((uint32_t)v0 & 0xffu) | ((uint32_t)v1 << 8));
    memcpy(out, &half, sizeof half);
}

/* Every output channel of the three pixels in `triple` (`depth` taps), for one
 * kind of clamp (`full_range`: the activation clamps to all of int8, which one
 * SSAT does), to out[0..2]. Forced inline: GCC 12 otherwise keeps one copy for
 * both clamps and tests full_range per output. */
static inline TK_CONV_QUADS_INLINE void tk_conv_pairs_block(const int8_t *filter, const int32_t *channels,
                                                            int32_t out_c, int32_t depth, const int32_t *triple,
                                                            int32_t lo, int32_t hi, int full_range,
                                                            int8_t *const out[3])
{
    const int8_t *w = filter;
    for (int32_t oc = 0; oc < out_c; oc += 2, w += 2 * depth) {
        const int32_t *ch0 = channels + oc * TK_CONV_CHANNEL_WORDS;
        const int32_t *ch1 = ch0 + TK_CONV_CHANNEL_WORDS;
        const int32_t b0 = 2 * ch0[0]; /* doubled: |bias| <= 2^29 (the variants' choice) */
        const int32_t b1 = 2 * ch1[0];
        tk_conv_pair_acc acc = {b0, b0, b0, b1, b1, b1};
        tk_conv_pair_dot(w, triple, depth, &acc);
        /* The records read into locals once: through the pointers, they would be read again after every store. */
        const int32_t r0[TK_CONV_CHANNEL_WORDS] = {0, ch0[1], ch0[2], ch0[3], ch0[4]};
        const int32_t r1[TK_CONV_CHANNEL_WORDS] = {0, ch1[1], ch1[2], ch1[3], ch1[4]};
        tk_store_int8x2(tk_conv_pair_output(acc.a00, r0, lo, hi, full_range),
                        tk_conv_pair_output(acc.a10, r1, lo, hi, full_range), out[0] + oc);
        tk_store_int8x2(tk_conv_pair_output(acc.a01, r0, lo, hi, full_range),
                        tk_conv_pair_output(acc.a11, r1, lo, hi, full_range), out[1] + oc);
        tk_store_int8x2(tk_conv_pair_output(acc.a02, r0, lo, hi, full_range),
                        tk_conv_pair_output(acc.a12, r1, lo, hi, full_range), out[2] + oc);
    }
}

/* tk_conv_pairs_block with the clamp of `activation`: a layer without a fused
 * clamp inside int8 (no activation, or ReLU with the output zero point at
 * -128: every layer of the MLPerf Tiny models) gets the loop whose clamp is
 * one SSAT. */
static inline void tk_conv_pairs(const int8_t *filter, const int32_t *channels, int32_t out_c, int32_t depth,
                                 const int32_t *triple, tk_activation activation, int8_t *const out[3])
{
    if (activation.min == INT8_MIN && activation.max == INT8_MAX) {
        tk_conv_pairs_block(filter, channels, out_c, depth, triple, INT8_MIN, INT8_MAX, 1, out);
    } else {
        tk_conv_pairs_block(filter, channels, out_c, depth, triple, activation.min, activation.max, 0, out);
    }
}

/* im2col of output pixel `pixel` (batch b; in_c a multiple of 4) widened to int16, for the
 * kernels that widen each patch once: every input word x (four channels of one tap) gives the
 * words (t0, t2) at slot[0] and (t1, t3) at slot[hi], doubled when `doubled` (the "triple"
 * layout's (2 t0, 2 t2), tk_conv_triple_widen), and the next word's go `stride` words on; a
 * tap outside the image gives `padding` (the zero point, widened the same way) in both. A
 * window row inside the image is one run of filter_w * in_c contiguous bytes; a row outside,
 * all padding. `stride`, `hi` and `doubled` are constants where it is inlined. First the
 * scratch bytes of `pixels` widened patches, then the runs: `words` words from src, or of
 * padding; each returns the slot after them. */
static inline int32_t tk_conv_widened_patches_bytes(const tk_dims *filter_dims, int32_t pixels)
{
    return pixels * filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

static inline TK_CONV_QUADS_INLINE int32_t *tk_conv_widen_run(const int8_t *src, int32_t words, int32_t *slot,
                                                               int32_t stride, int32_t hi, int doubled)
{
    for (int32_t i = 0; i < words; ++i, slot += stride) {
        const int32_t x = tk_load_word(src + 4 * i);
        slot[0] = tk_widen_even(x, doubled);
        slot[hi] = tk_widen_odd(x, doubled);
    }
    return slot;
}

static inline TK_CONV_QUADS_INLINE int32_t *tk_conv_pad_run(int32_t padding, int32_t words, int32_t *slot,
                                                            int32_t stride, int32_t hi)
{
    for (int32_t i = 0; i < words; ++i, slot += stride) {
        slot[0] = padding;
        slot[hi] = padding;
    }
    return slot;
}

static inline TK_CONV_QUADS_INLINE void tk_conv_widen_patch(const tk_conv_params *params, const tk_conv_geometry *g,
                                                            const int8_t *input, int32_t b, int32_t pixel,
                                                            int32_t padding, int32_t *slot, int32_t stride,
                                                            int32_t hi, int doubled)
{
    const int32_t y0 = (pixel / g->out_w) * params->stride_h - params->pad_h;
    const int32_t x0 = (pixel % g->out_w) * params->stride_w - params->pad_w;
    const int32_t words = g->in_c / 4;
    const int32_t row_words = g->filter_w * words;
    const int row_inside = params->dilation_w == 1 && x0 >= 0 && x0 + g->filter_w <= g->in_w;
    for (int32_t ky = 0; ky < g->filter_h; ++ky) {
        const int32_t in_y = y0 + params->dilation_h * ky;
        if (in_y < 0 || in_y >= g->in_h) {
            slot = tk_conv_pad_run(padding, row_words, slot, stride, hi);
            continue;
        }
        const int8_t *row = input + (b * g->in_h + in_y) * g->in_w * g->in_c;
        if (row_inside) {
            slot = tk_conv_widen_run(row + x0 * g->in_c, row_words, slot, stride, hi, doubled);
            continue;
        }
        for (int32_t kx = 0; kx < g->filter_w; ++kx) {
            const int32_t in_x = x0 + params->dilation_w * kx;
            slot = in_x >= 0 && in_x < g->in_w ? tk_conv_widen_run(row + in_x * g->in_c, words, slot, stride, hi, doubled)
                                               : tk_conv_pad_run(padding, words, slot, stride, hi);
        }
    }
}

#endif /* TINYKIT_CONV_QUADS_H */
