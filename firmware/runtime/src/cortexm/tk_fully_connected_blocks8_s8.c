/* FULLY_CONNECTED for cores with the DSP extension: the results of
 * tk_fully_connected_s8 from constants the build prepared for this kernel,
 * for layers large enough to pay for its code (tinykit/schedule/kernels/conv.py,
 * FC_BLOCKS8_MIN_MACS; smaller ones run tk_fully_connected_folded_s8.c).
 *
 * Three instructions per weight word of four int8 weights against four
 * inputs (x0, x1, x2, x3), instead of two SXTB16 and two SMLAD. Take the
 * word's first int16 half, for depths 0 and 1 (the second, for depths 2 and
 * 3, is alike): the build stores it as the bytes (127 - w1, w0), 127 - w1 as an
 * unsigned byte, so the half is exactly H = 256 w0 + 127 - w1, and
 *   SMLAD(word, p) + SMLAD(SXTB16(word ROR 8), q),
 *   p = -x1 - 1 (SXTB16 of ~x ROR 8), q = 256 x1 + x0 + 128 (x ^ 0x00800080),
 * gives on that half
 *   H p + w0 q = w0 x0 + w1 x1 + (w1 - 128 w0) - 127 x1 - 127:
 * the 256 w0 x1 terms cancel, q lies in [-32768, 32767], and the input word's
 * two operands take three instructions (MVN, SXTB16 ROR 8, EOR). The
 * corrections are constants or shared by every unit:
 * - 128 w0 - w1 + 127 per half of each unit's words and the input offset's
 *   contribution (input_offset * row sum, so the inner loop multiplies raw
 *   int8 inputs; params->input_offset is not read) are folded into the bias on
 *   the host (tinykit/codegen/ops/conv.py, weight layout "fc_blocks8"), which
 *   comes with the requantization constants of tinykit/conv_quads.h's records
 *   (one SMMLAR and a shift; a unit whose output is a constant has multiplier
 *   0 and ignores its accumulator), in one of two forms (below, TK_FC_SHARED);
 * - 127 * (sum of the inputs x1, x3 of every word) is computed once per batch
 *   row and added to every accumulator as it is doubled for the requantization.
 * The depth % 4 tail is stored and multiplied as it is.
 * The weights come in blocks of eight units: for every four depths, the eight
 * units' four bytes one after the other, then the depth % 4 tail with the
 * eight units' bytes interleaved per depth. Units beyond the last full block
 * follow row by row, as in TFLite. A block shares each input word's two
 * operands (four instructions with the load) between eight units: 32
 * instructions per 32 MACs. A block's eight outputs in the shared form cost
 * about 60 more (tinykit/conv_quads.h's requantization in five instructions a
 * unit, two word stores, the biases and the loop).
 * Integer sums wrap identically in any order (SMLAD's accumulate wraps), so
 * the outputs equal the reference's bit for bit.
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

#define TK_FC_BLOCK 8

/* p = (-x1 - 1, -x3 - 1) of an input word. */
static inline int32_t inputs_p(int32_t x)
{
    return tk_sxtb16_ror8(~x);
}

/* q = (256 x1 + x0 + 128, 256 x3 + x2 + 128) of an input word. */
static inline int32_t inputs_q(int32_t x)
{
    return x ^ 0x00800080;
}

/* acc + the four weights of the stored word w against the input word's operands. */
static inline int32_t mac4(int32_t w, int32_t p, int32_t q, int32_t acc)
{
    acc = __smlad(w, p, acc);
    return __smlad(tk_sxtb16_ror8(w), q, acc);
}

#if defined(__ARM_FEATURE_DSP)
/* Two units' weight words (read by one LDRD: the build aligns constants and a
 * block is 8 * depth bytes) against an input word's operands p (in e) and q (in x). */
#define TK_FC_PAIR(a, b) \
        "ldrd %[w0], %[w1], [%[w]], #8\n\t" \
        "smlad %[" a "], %[w0], %[e], %[" a "]\n\t" \
        "sxtb16 %[w0], %[w0], ror #8\n\t" \
        "smlad %[" a "], %[w0], %[x], %[" a "]\n\t" \
        "smlad %[" b "], %[w1], %[e], %[" b "]\n\t" \
        "sxtb16 %[w1], %[w1], ror #8\n\t" \
        "smlad %[" b "], %[w1], %[x], %[" b "]\n\t"

/* Four depths of a block: the input word's operands, then the eight units. */
#define TK_FC_QUARTER \
        "ldr %[x], [%[in]], #4\n\t" \
        "mvn %[e], %[x]\n\t" \
        "sxtb16 %[e], %[e], ror #8\n\t" \
        "eor %[x], %[x], #0x00800080\n\t" \
        TK_FC_PAIR("a0", "a1") TK_FC_PAIR("a2", "a3") TK_FC_PAIR("a4", "a5") TK_FC_PAIR("a6", "a7")

#define TK_FC_OPERANDS \
        [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5), \
        [a6] "+r"(a6), [a7] "+r"(a7), [in] "+r"(in), [w] "+r"(p), [x] "=&r"(x), [e] "=&r"(e), \
        [w0] "=&r"(w0), [w1] "=&r"(w1)
#endif

/* Adds to acc[0..7] the products of the input words in [in, end) (a multiple of
 * 4 bytes) with the block's weight words at *w, and moves *w past them. */
static inline TK_CONV_QUADS_INLINE void block_dot(const int8_t *in, const int8_t *end, const int8_t **w, int32_t acc[TK_FC_BLOCK])
{
#if defined(__ARM_FEATURE_DSP)
    /* Written out, as GCC's own loop spills: 14 registers (eight accumulators,
     * two pointers, an input word's two operands, two weight words); the
     * bound is read from memory. Thirty-two depths per pass, then four at a time. */
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    const int8_t *p = *w;
    int32_t x, e, w0, w1;
    const int8_t *const end32 = in + (end - in) / 32 * 32;
    if (in != end32) {
        __asm__ volatile(
            "1:\n\t"
            TK_FC_QUARTER TK_FC_QUARTER TK_FC_QUARTER TK_FC_QUARTER
            TK_FC_QUARTER TK_FC_QUARTER TK_FC_QUARTER TK_FC_QUARTER
            "ldr %[x], %[end]\n\t"
            "cmp %[in], %[x]\n\t"
            "bne 1b\n\t"
            : TK_FC_OPERANDS
            : [end] "m"(end32)
            : "cc", "memory");
    }
    while (in != end) {
        __asm__ volatile(TK_FC_QUARTER : TK_FC_OPERANDS : : "memory");
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
    *w = p;
#else
    const int8_t *p = *w;
    for (; in != end; in += 4) {
        const int32_t x = tk_load_word(in);
        const int32_t p_x = inputs_p(x);
        const int32_t q_x = inputs_q(x);
        acc[0] = mac4(tk_load_word(p), p_x, q_x, acc[0]);
        acc[1] = mac4(tk_load_word(p + 4), p_x, q_x, acc[1]);
        acc[2] = mac4(tk_load_word(p + 8), p_x, q_x, acc[2]);
        acc[3] = mac4(tk_load_word(p + 12), p_x, q_x, acc[3]);
        acc[4] = mac4(tk_load_word(p + 16), p_x, q_x, acc[4]);
        acc[5] = mac4(tk_load_word(p + 20), p_x, q_x, acc[5]);
        acc[6] = mac4(tk_load_word(p + 24), p_x, q_x, acc[6]);
        acc[7] = mac4(tk_load_word(p + 28), p_x, q_x, acc[7]);
        p += 4 * TK_FC_BLOCK;
    }
    *w = p;
#endif
}

/* The bits of u as an int32_t, without implementation-defined conversion. */
static inline int32_t s32_of(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* The constants' two forms (the build chooses, tinykit/codegen/ops/conv.py,
 * fc_blocks8_channels): channels[0] says which.
 * - 1, shared: every unit requantizes alike, with a right shift e of at most
 *   22, and the activation clamps to all of int8 (a per-tensor layer, as
 *   MLPerf Tiny's AD layers are): channels[1..3] the multiplier m, the
 *   rounding constant with the output offset folded in, 2^(e - 1) + offset *
 *   2^e, and e; then one bias per unit. Adding offset * 2^e before the shift
 *   by e adds the offset after it, and for e <= 22 the sum stays inside int32
 *   (|SMMLAR's high word| <= 2^29, |offset * 2^e| <= 2^29). The three
 *   constants and twice the row's correction stay in registers beside the
 *   eight accumulators; per unit ADD (doubling), ADD (sign), SMMLAR, ASR,
 *   SSAT.
 * - 0: from channels[1] on, a tinykit/conv_quads.h record per unit, clamped
 *   to [lo, hi]. */
#define TK_FC_SHARED 1

/* Unit u's output from its accumulator acc, which leaves out the row's input
 * correction: `record` (its words 1..4) requantizes acc plus the correction,
 * doubled (twice the correction is `correction2`: one ADD with a shifted
 * operand forms the doubled sum); one SSAT clamps where `shared` (a constant
 * where this is inlined), else the clamp to [lo, hi]. */
static inline TK_CONV_QUADS_INLINE int32_t unit_output(int32_t acc, uint32_t correction2, const int32_t *record,
                                                       int32_t lo, int32_t hi, int shared)
{
    const int32_t doubled = s32_of(correction2 + ((uint32_t)acc << 1));
    const int32_t r = tk_requant_doubled(doubled, record);
    return shared ? __ssat(r, 8) : tk_clamp(r, lo, hi);
}

#if defined(__ARM_FEATURE_DSP)
/* unit_output of one accumulator in the shared form, in place. */
#define TK_FC_OUTPUT(a) \
        "add %[" a "], %[s2], %[" a "], lsl #1\n\t" \
        "add %[t], %[k], %[" a "], asr #31\n\t" \
        "smmlar %[" a "], %[" a "], %[m], %[t]\n\t" \
        "asr %[" a "], %[" a "], %[e]\n\t" \
        "ssat %[" a "], #8, %[" a "]\n\t"
#endif

/* A block's eight outputs in the shared form (`record` the one record) at out. */
static inline TK_CONV_QUADS_INLINE void shared_outputs(const int32_t acc[TK_FC_BLOCK], uint32_t correction2,
                                                      const int32_t *record, int8_t *out)
{
#if defined(__ARM_FEATURE_DSP)
    /* Written out, as GCC's own reloads the constants from the stack between units:
     * the eight accumulators, the four constants and a temporary in 13 of the 14
     * registers there are. Five instructions per unit; then three BFI put four
     * outputs (each in [-128, 127]) in the low bytes of a word: two stores. */
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    int32_t t;
    __asm__(TK_FC_OUTPUT("a0") TK_FC_OUTPUT("a1") TK_FC_OUTPUT("a2") TK_FC_OUTPUT("a3")
            TK_FC_OUTPUT("a4") TK_FC_OUTPUT("a5") TK_FC_OUTPUT("a6") TK_FC_OUTPUT("a7")
            "bfi %[a0], %[a1], #8, #8\n\t"
            "bfi %[a0], %[a2], #16, #8\n\t"
            "bfi %[a0], %[a3], #24, #8\n\t"
            "bfi %[a4], %[a5], #8, #8\n\t"
            "bfi %[a4], %[a6], #16, #8\n\t"
            "bfi %[a4], %[a7], #24, #8\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),
              [a6] "+r"(a6), [a7] "+r"(a7), [t] "=&r"(t)
            : [s2] "r"(correction2), [m] "r"(record[1]), [k] "r"(record[2]), [e] "r"(record[3]));
    memcpy(out, &a0, sizeof a0); /* little-endian: byte i is output i; one (unaligned) STR */
    memcpy(out + 4, &a4, sizeof a4);
#else
    for (int32_t i = 0; i < TK_FC_BLOCK; ++i) {
        out[i] = (int8_t)unit_output(acc[i], correction2, record, -128, 127, 1);
    }
#endif
}

/* The kernel for one form of the constants (`shared` a constant: each call below gets its own copy). */
static inline TK_CONV_QUADS_INLINE void fully_connected(const int8_t *input, const int8_t *filter,
                                                        const int32_t *channels, int8_t *output, int32_t batches,
                                                        int32_t depth, int32_t units, int32_t lo, int32_t hi,
                                                        int shared)
{
    const int32_t blocked_units = units - units % TK_FC_BLOCK;
    const int32_t depth4 = depth - depth % 4;
    /* Shared: the one record, read into locals once (through the pointer it would be read
     * again after every store), and the biases one word apart; else a record per unit. */
    const int32_t one[TK_CONV_CHANNEL_WORDS] = {0, channels[1], channels[2], channels[3], 0};
    const int32_t *const biases = shared ? channels + 4 : channels + 1;
    const int32_t bias_stride = shared ? 1 : TK_CONV_CHANNEL_WORDS;
    const int32_t record_stride = shared ? 0 : TK_CONV_CHANNEL_WORDS;
    const int32_t *const records = shared ? one : channels + 1;

    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *in_row = input + b * depth;
        int8_t *out_row = output + b * units;
        /* 127 * the sum of the inputs at bytes 1 and 3 of every word, wrapping as the accumulators do. */
        int32_t odd_sum = 0;
        for (int32_t d = 0; d < depth4;) {
            /* One SXTAB16 per word into two int16 lanes, folded every 255 words (|lane| <= 128 * 255). */
            const int32_t stop = depth4 - d > 4 * 255 ? d + 4 * 255 : depth4;
            int32_t lanes = 0;
            for (; d < stop; d += 4) {
                lanes = tk_sxtab16_ror8(lanes, tk_load_word(in_row + d));
            }
            odd_sum = __smlad(lanes, 0x00010001, odd_sum);
        }
        const uint32_t correction2 = (uint32_t)odd_sum * 254u;
        const int8_t *w = filter;
        for (int32_t u = 0; u < blocked_units; u += TK_FC_BLOCK) {
            const int32_t *bias = biases + u * bias_stride;
            const int32_t *record = records + u * record_stride;
            /* Written out unit by unit (constant indices) so that acc stays in registers. */
            int32_t acc[TK_FC_BLOCK] = {
                bias[0], bias[bias_stride], bias[2 * bias_stride], bias[3 * bias_stride],
                bias[4 * bias_stride], bias[5 * bias_stride], bias[6 * bias_stride], bias[7 * bias_stride]};
            block_dot(in_row, in_row + depth4, &w, acc);
            for (int32_t d = depth4; d < depth; ++d, w += TK_FC_BLOCK) {
                const int32_t x = in_row[d];
                acc[0] += w[0] * x, acc[1] += w[1] * x, acc[2] += w[2] * x, acc[3] += w[3] * x;
                acc[4] += w[4] * x, acc[5] += w[5] * x, acc[6] += w[6] * x, acc[7] += w[7] * x;
            }
            if (shared) {
                shared_outputs(acc, correction2, record, out_row + u);
                continue;
            }
            tk_store_int8x4(unit_output(acc[0], correction2, record, lo, hi, shared),
                            unit_output(acc[1], correction2, record + record_stride, lo, hi, shared),
                            unit_output(acc[2], correction2, record + 2 * record_stride, lo, hi, shared),
                            unit_output(acc[3], correction2, record + 3 * record_stride, lo, hi, shared), out_row + u);
            tk_store_int8x4(unit_output(acc[4], correction2, record + 4 * record_stride, lo, hi, shared),
                            unit_output(acc[5], correction2, record + 5 * record_stride, lo, hi, shared),
                            unit_output(acc[6], correction2, record + 6 * record_stride, lo, hi, shared),
                            unit_output(acc[7], correction2, record + 7 * record_stride, lo, hi, shared),
                            out_row + u + 4);
        }
        for (int32_t u = blocked_units; u < units; ++u) {
            int32_t acc = biases[u * bias_stride];
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t x = tk_load_word(in_row + d);
                acc = mac4(tk_load_word(w + d), inputs_p(x), inputs_q(x), acc);
            }
            for (; d < depth; ++d) {
                acc += w[d] * in_row[d];
            }
            w += depth;
            out_row[u] = (int8_t)unit_output(acc, correction2, records + u * record_stride, lo, hi, shared);
        }
    }
}

tk_status tk_fully_connected_blocks8_s8(const tk_context *ctx, const tk_fully_connected_params *params,
                                        const tk_dims *input_dims, const int8_t *input,
                                        const tk_dims *filter_dims, const int8_t *filter,
                                        const int32_t *channels,
                                        const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t batches = input_dims->n;
    const int32_t depth = input_dims->c;
    const int32_t units = output_dims->c;
    if (filter_dims->c != depth || filter_dims->n != units || output_dims->n != batches || channels == NULL) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t lo = params->activation.min;
    const int32_t hi = params->activation.max;
    if (channels[0] == TK_FC_SHARED) {
        fully_connected(input, filter, channels, output, batches, depth, units, lo, hi, 1);
    } else {
        fully_connected(input, filter, channels, output, batches, depth, units, lo, hi, 0);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_fully_connected_blocks8_s8)
