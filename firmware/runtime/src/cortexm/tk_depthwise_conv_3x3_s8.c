/* DEPTHWISE_CONV_2D with a 3x3 filter, depth multiplier 1 and no dilation
 * (MobileNet's and DS-CNN's depthwise layers), any stride and padding, for
 * cores with the DSP extension: the results of tk_depthwise_conv_s8
 * (reference/) from constants the build prepared (layout "dw3x3_pairs",
 * tinykit/schedule/kernels/conv.py), everything doubled:
 *   - filter: per channel six int16 pairs, (2 w[k][0], 2 w[k][1]) and
 *     (2 w[k][1], 2 w[k][2]) for filter rows k = 0, 1, 2 (24 bytes per channel);
 *   - bias: twice the bias with the input offset's contribution folded in,
 *     never NULL (the build keeps |bias| small enough that twice the
 *     accumulator fits in int32).
 * So the accumulator is 2 * acc, which the requantization wants (below).
 *
 * One channel at a time (a channel's filter, bias and requantization
 * constants then stay in registers for its whole plane), line by line: each
 * input line of the channel is widened once into a three-line ring of int16
 * lines in the scratch, whose padding entries hold the input zero point (which
 * the folded bias turns into the reference's zero contribution), so no tap
 * is ever tested against the border. Lines are rows, or columns when a
 * stride-1 SAME layer's output is taller than wide (DS-CNN's 25x5), so each
 * line's fixed costs spread over more outputs; the filter's pairs are then
 * regrouped by column. With a ring line's entries r, SMLAD
 * multiplies one word (r[x], r[x+1]) by a filter pair, two MACs: at stride 1
 * two neighbouring outputs per step share the line's words, per filter line
 *   out[x]   = (r[x],   r[x+1]) . (w0, w1) + r[x+2] * w2
 *   out[x+1] = r[x+1] * w0      + (r[x+2], r[x+3]) . (w1, w2)
 * one load and four multiplies for six MACs.
 *
 * Writing order: channel c of every output pixel before channel c + 1, and
 * output line y of a channel only after the input lines it reads are in the
 * ring, so the output may exactly overlay the input (in place): an output
 * byte replaces the input byte of the same pixel index and channel, which
 * its channel has already widened (by rows: that pixel's input row is at
 * most the output's row; by columns, only for equal input and output shapes:
 * the same pixel).
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/requant_doubled.h"
#include "tinykit/invoke.h"

/* int16 entries of one ring line, whichever the orientation: the padded line
 * the outputs read, (out - 1) * stride + 3, plus the one entry past it that
 * the last word load may cover, rounded up to whole words, is at most this. */
static int32_t ring_line_len(const tk_depthwise_conv_params *params, const tk_dims *output_dims)
{
    const int32_t rows = output_dims->h * params->stride_h;
    const int32_t cols = output_dims->w * params->stride_w;
    return ((rows > cols ? rows : cols) + 4) & ~1;
}

int32_t tk_depthwise_conv_3x3_s8_get_buffer_size(const tk_depthwise_conv_params *params, const tk_dims *input_dims,
                                                 const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 3 * ring_line_len(params, output_dims) * (int32_t)sizeof(int16_t);
}

/* One channel's requantization: out = requantize(acc) + output offset, before
 * the clamp, with tk_requant_doubled (tinykit/requant_doubled.h) where the
 * channel allows it (fast), else with tk_requantize. */
typedef struct {
    int32_t high;       /* tk_requant_doubled_high */
    int32_t multiplier;
    int32_t shift;      /* the reference's shift, -e */
    int32_t fast;
} channel_requant;

static channel_requant channel_requant_of(const tk_per_channel_quant *quant, int32_t c, int32_t output_offset)
{
    channel_requant q;
    q.multiplier = quant->multiplier[c];
    q.shift = quant->shift[c];
    q.fast = tk_requant_doubled_applies(q.multiplier, q.shift);
    q.high = q.fast ? tk_requant_doubled_high(q.shift, output_offset) : 0;
    return q;
}

/* The same for any channel. */
static inline int32_t requant_any(const channel_requant *q, int32_t output_offset, int32_t acc2)
{
    return q->fast ? tk_requant_doubled(q->high, q->multiplier, -q->shift, acc2)
                   : tk_requantize(acc2 / 2, q->multiplier, q->shift) + output_offset;
}

/* Everything one channel's plane needs, copied into locals by the kernel. */
typedef struct {
    const int8_t *in_channel;   /* the batch's input at this channel */
    int8_t *out_channel;        /* the batch's output at this channel */
    int32_t filter[6];          /* the six pairs along this orientation's lines */
    int32_t bias;
    channel_requant q;
} channel_job;

/* The layer's constants, along lines (rows, or columns) and across them. */
typedef struct {
    int32_t in_lines;       /* input lines in the image */
    int32_t in_line_step;   /* input bytes between lines */
    int32_t in_step;        /* input bytes between neighbours on a line */
    int32_t read_len;       /* input entries of a line some output reads */
    int32_t out_lines;
    int32_t out_len;        /* outputs per line */
    int32_t out_line_step;  /* output bytes between lines */
    int32_t out_step;       /* output bytes between neighbours on a line */
    int32_t stride_across;  /* stride between lines */
    int32_t stride_along;   /* stride along a line */
    int32_t pad_across;
    int32_t pad_along;
    int32_t line_len;       /* int16 entries of a ring line */
    int16_t zero_point;
    int32_t zero_pair;      /* the zero point in both halves of a word */
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
    int32_t full_range;     /* the clamp is [-128, 127] */
} layer_consts;

/* The three ring lines, and which of them holds nothing but the zero point
 * (a padding line above or below the image): such a line is not filled again
 * while it stays one, and at a channel's start it moves to where the next
 * padding line goes (the previous channel's last line is often padding, and
 * the next one's first). */
typedef struct {
    int16_t *slot[3]; /* slot[k] holds padded input line top + k once widened */
    int32_t zero[3];  /* slot[k] holds the zero point in every entry */
} ring_lines;

/* dst[x] := src[x * step] for x < read_len (one input line's entries). */
static __attribute__((noinline)) void widen_entries(int16_t *dst, const int8_t *src, int32_t step, int32_t read_len)
{
    int32_t x = 0;
    /* Eight entries per step, each two packed into a word (one PKHBT) and
     * stored at once (unaligned when pad_along is odd, as Cortex-M4/M7/M33 allow
     * for STR): the loop's own costs and the stores were most of an entry's. */
    const int32_t step2 = 2 * step, step3 = 3 * step, step4 = 4 * step; /* kept in registers */
    for (; x + 8 <= read_len; x += 8, src += 2 * step4) {
        const int8_t *half = src + step4;
        const int32_t w0 = tk_pkh_low(src[0], src[step]);
        const int32_t w1 = tk_pkh_low(src[step2], src[step3]);
        const int32_t w2 = tk_pkh_low(half[0], half[step]);
        const int32_t w3 = tk_pkh_low(half[step2], half[step3]);
        memcpy(dst + x, &w0, sizeof w0);
        memcpy(dst + x + 2, &w1, sizeof w1);
        memcpy(dst + x + 4, &w2, sizeof w2);
        memcpy(dst + x + 6, &w3, sizeof w3);
    }
    for (; x + 2 <= read_len; x += 2, src += 2 * step) {
        const int32_t w = tk_pkh_low(src[0], src[step]);
        memcpy(dst + x, &w, sizeof w);
    }
    if (x < read_len) {
        dst[x] = src[0];
    }
}

/* Ring line k := padded input line `line` of one channel: entries pad_along ..
 * pad_along + read_len - 1 from the image (the rest hold the zero point
 * already); a line outside the image is all zero point. */
static __attribute__((noinline, cold)) void widen_line(ring_lines *ring, int32_t k, const int8_t *in_channel, const layer_consts *l,
                              int32_t line)
{
    int16_t *slot = ring->slot[k];
    if (line < 0 || line >= l->in_lines) {
        if (!ring->zero[k]) {
            /* A word (two entries) at a time: line_len is even, lines start on words. */
            const int32_t zero_pair = l->zero_pair;
            for (int16_t *p = slot, *end = slot + l->line_len; p != end; p += 2) {
                memcpy(p, &zero_pair, sizeof zero_pair);
            }
            ring->zero[k] = 1;
        }
        return;
    }
    ring->zero[k] = 0;
    widen_entries(slot + l->pad_along, in_channel + line * l->in_line_step, l->in_step, l->read_len);
}

/* What a line's loop reads besides the ring: local copies (the output bytes
 * may alias anything, so values read through the arguments would be reloaded
 * after every store; these stay in registers). */
typedef struct {
    int32_t f0, f1, f2, f3, f4, f5; /* the filter pairs */
    struct {                        /* in line_pairs_asm's order, copied at once */
        int32_t bias;
        int32_t high;
        int32_t multiplier;
        int32_t e;
        int32_t step;
        int32_t odd;                /* the line's output count is odd */
        int32_t odd_pairs;          /* so is its count of pairs */
    } c;
    int32_t act_min;
    int32_t act_max;
    int32_t out_len;
} line_consts;

static inline line_consts line_consts_of(const channel_job *job, const layer_consts *l)
{
    line_consts k;
    k.f0 = job->filter[0];
    k.f1 = job->filter[1];
    k.f2 = job->filter[2];
    k.f3 = job->filter[3];
    k.f4 = job->filter[4];
    k.f5 = job->filter[5];
    k.c.bias = job->bias;
    k.c.high = job->q.high;
    k.c.multiplier = job->q.multiplier;
    k.c.e = -job->q.shift;
    k.c.step = l->out_step;
    k.c.odd = l->out_len & 1;
    k.c.odd_pairs = (l->out_len >> 1) & 1;
    k.act_min = l->act_min;
    k.act_max = l->act_max;
    k.out_len = l->out_len;
    return k;
}

/* The accumulator of one output from the words at its first entry (aK) and
 * two entries on (bK) of lines K = 0, 1, 2. */
static inline int32_t output_acc(const line_consts *k, int32_t a0, int32_t b0, int32_t a1, int32_t b1, int32_t a2,
                                 int32_t b2)
{
    int32_t acc = __smlad(a0, k->f0, k->c.bias);
    acc = __smlabt(b0, k->f1, acc);
    acc = __smlad(a1, k->f2, acc);
    acc = __smlabt(b1, k->f3, acc);
    acc = __smlad(a2, k->f4, acc);
    return __smlabt(b2, k->f5, acc);
}

#if !defined(__ARM_FEATURE_DSP)
/* The output byte of an accumulator, for a channel with the fast requantization and the full int8 range. */
static inline int8_t output_byte(const line_consts *k, int32_t acc)
{
    return (int8_t)__ssat(tk_requant_doubled(k->c.high, k->c.multiplier, k->c.e, acc), 8);
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* One pair of outputs (x, x + 1) of line_pairs_asm's loop: the three lines'
 * words, twelve multiplies, both requantized and stored. */
#define DW3X3_PAIR_STEP \
    "ldr %[acc0], %[bias]\n\t" \
    "ldrd %[a], %[b], [%[r0]], #4\n\t" \
    "smlatb %[acc1], %[a], %[f0], %[acc0]\n\t" \
    "smlad %[acc0], %[a], %[f0], %[acc0]\n\t" \
    "smlabt %[acc0], %[b], %[f1], %[acc0]\n\t" \
    "smlad %[acc1], %[b], %[f1], %[acc1]\n\t" \
    "ldrd %[a], %[b], [%[r1]], #4\n\t" \
    "smlatb %[acc1], %[a], %[f2], %[acc1]\n\t" \
    "smlad %[acc0], %[a], %[f2], %[acc0]\n\t" \
    "smlabt %[acc0], %[b], %[f3], %[acc0]\n\t" \
    "smlad %[acc1], %[b], %[f3], %[acc1]\n\t" \
    "ldrd %[a], %[b], [%[r2]], #4\n\t" \
    "smlatb %[acc1], %[a], %[f4], %[acc1]\n\t" \
    "smlad %[acc0], %[a], %[f4], %[acc0]\n\t" \
    "smlabt %[acc0], %[b], %[f5], %[acc0]\n\t" \
    "smlad %[acc1], %[b], %[f5], %[acc1]\n\t" \
    "ldrd %[a], %[b], %[high]\n\t" \
    "add %[a], %[a], %[acc0], asr #31\n\t" \
    "smmlar %[acc0], %[acc0], %[b], %[a]\n\t" \
    "ldr %[a], %[high]\n\t" \
    "add %[a], %[a], %[acc1], asr #31\n\t" \
    "smmlar %[acc1], %[acc1], %[b], %[a]\n\t" \
    "ldrd %[a], %[b], %[e]\n\t" \
    "asr %[acc0], %[acc0], %[a]\n\t" \
    "asr %[acc1], %[acc1], %[a]\n\t" \
    "ssat %[acc0], #8, %[acc0]\n\t" \
    "ssat %[acc1], #8, %[acc1]\n\t" \
    "strb %[acc0], [%[out]]\n\t" \
    "strb %[acc1], [%[out], %[b]]\n\t" \
    "add %[out], %[out], %[b], lsl #1\n\t"

/* Every output of one line of one channel at stride 1, for a channel with the
 * fast requantization and the full int8 range, in assembly: pairs of outputs,
 * then the last one when out_len is odd. A function of its own, so the
 * assembly's operands are all that is live around it whatever the caller
 * keeps (inlined into the plane's loop, GCC's register allocator failed on it
 * under some flags). */
static __attribute__((noinline)) void line_pairs_asm(const int16_t *r0, const int16_t *r1, const int16_t *r2,
                                                     const line_consts *k, int8_t *out)
{
    const int32_t pairs_end = k->out_len & ~1;
    /* GCC 12 keeps only part of this loop's 22 values in registers and
     * spills the rest on every step (55 instructions per pair of outputs);
     * written out, the filter pairs, the line pointers, the output pointer,
     * two accumulators and two temporaries take 14 registers (all there are
     * beside sp and pc: so the assembly has a function of its own), each
     * line's two words are loaded afresh (one LDRD: ring lines start on
     * words, as the scratch does, and x is even), the rest is read from c, a
     * local array (as an operand of the assembly it lies at a fixed offset
     * from sp): 31.5 per pair, 19 for an odd last output. c: bias, high,
     * multiplier, e, step, odd, odd_pairs, end (high and multiplier, e and
     * step side by side for LDRD). */
    int32_t c[8];
    memcpy(c, &k->c, sizeof k->c);
    c[7] = (int32_t)(uintptr_t)(r0 + pairs_end);
    int32_t acc0, acc1, a, b;
    __asm__ volatile(
        "ldr %[a], %[end]\n\t"
        "cmp %[r0], %[a]\n\t"
        "beq 2f\n\t"
        /* Two pairs per step (the loop's own three instructions spread over
         * four outputs); an odd count of pairs enters at the second. */
        "ldr %[a], %[odd_pairs]\n\t"
        "cmp %[a], #0\n\t"
        "bne 4f\n\t"
        "1:\n\t"
        DW3X3_PAIR_STEP
        "4:\n\t"
        DW3X3_PAIR_STEP
        "ldr %[a], %[end]\n\t"
        "cmp %[r0], %[a]\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        /* The odd last output: out[x] of the step above alone. */
        "ldr %[a], %[odd]\n\t"
        "cmp %[a], #0\n\t"
        "beq 3f\n\t"
        "ldr %[acc0], %[bias]\n\t"
        "ldrd %[a], %[b], [%[r0]]\n\t"
        "smlad %[acc0], %[a], %[f0], %[acc0]\n\t"
        "smlabt %[acc0], %[b], %[f1], %[acc0]\n\t"
        "ldrd %[a], %[b], [%[r1]]\n\t"
        "smlad %[acc0], %[a], %[f2], %[acc0]\n\t"
        "smlabt %[acc0], %[b], %[f3], %[acc0]\n\t"
        "ldrd %[a], %[b], [%[r2]]\n\t"
        "smlad %[acc0], %[a], %[f4], %[acc0]\n\t"
        "smlabt %[acc0], %[b], %[f5], %[acc0]\n\t"
        "ldrd %[a], %[b], %[high]\n\t"
        "add %[a], %[a], %[acc0], asr #31\n\t"
        "smmlar %[acc0], %[acc0], %[b], %[a]\n\t"
        "ldr %[a], %[e]\n\t"
        "asr %[acc0], %[acc0], %[a]\n\t"
        "ssat %[acc0], #8, %[acc0]\n\t"
        "strb %[acc0], [%[out]]\n\t"
        "3:\n\t"
        : [acc0] "=&r"(acc0), [acc1] "=&r"(acc1), [a] "=&r"(a), [b] "=&r"(b), [r0] "+r"(r0), [r1] "+r"(r1),
          [r2] "+r"(r2), [out] "+r"(out)
        : [f0] "r"(k->f0), [f1] "r"(k->f1), [f2] "r"(k->f2), [f3] "r"(k->f3), [f4] "r"(k->f4), [f5] "r"(k->f5),
          [bias] "m"(c[0]), [high] "m"(c[1]), [mult] "m"(c[2]), [e] "m"(c[3]), [step] "m"(c[4]), [odd] "m"(c[5]),
          [odd_pairs] "m"(c[6]), [end] "m"(c[7])
        : "cc", "memory");
}
#endif

/* Every output of one line of one channel at stride 1, for a channel with the
 * fast requantization and the full int8 range: line_pairs_asm, or the same in
 * C (portable intrinsics) where the DSP extension is missing. */
static inline void line_pairs(const int16_t *r0, const int16_t *r1, const int16_t *r2, const line_consts *k,
                              int8_t *out)
{
#if defined(__ARM_FEATURE_DSP)
    line_pairs_asm(r0, r1, r2, k, out);
#else
    int32_t a0 = tk_load_word(r0);
    int32_t a1 = tk_load_word(r1);
    int32_t a2 = tk_load_word(r2);
    int32_t x = 0;
    for (; x + 2 <= k->out_len; x += 2) {
        const int32_t b0 = tk_load_word(r0 + x + 2);
        const int32_t b1 = tk_load_word(r1 + x + 2);
        const int32_t b2 = tk_load_word(r2 + x + 2);
        /* out[x + 1] = r[x + 1] * w0 + (r[x + 2], r[x + 3]) . (w1, w2) per line. */
        const int32_t acc0 = output_acc(k, a0, b0, a1, b1, a2, b2);
        int32_t acc1 = __smlatb(a0, k->f0, k->c.bias);
        acc1 = __smlad(b0, k->f1, acc1);
        acc1 = __smlatb(a1, k->f2, acc1);
        acc1 = __smlad(b1, k->f3, acc1);
        acc1 = __smlatb(a2, k->f4, acc1);
        acc1 = __smlad(b2, k->f5, acc1);
        out[0] = output_byte(k, acc0);
        out[k->c.step] = output_byte(k, acc1);
        out += 2 * k->c.step;
        a0 = b0;
        a1 = b1;
        a2 = b2;
    }
    if (x < k->out_len) {
        /* The odd last output. */
        *out = output_byte(k, output_acc(k, a0, tk_load_word(r0 + x + 2), a1, tk_load_word(r1 + x + 2), a2,
                                         tk_load_word(r2 + x + 2)));
    }
#endif
}

/* One output line of one channel from ring lines r0..r2 where channel_plane's
 * own loop does not apply (another stride, a clamp narrower than int8, a
 * channel without the fast requantization): output by output, where output x
 * reads entries x * stride .. x * stride + 2. Rare in trained models, so
 * built for size (the code size bound counts every kernel linked). */
static __attribute__((noinline, cold)) void channel_line(const int16_t *r0, const int16_t *r1, const int16_t *r2,
                                                         const channel_job *job, const layer_consts *l,
                                                         const line_consts *k, int8_t *out)
{
    const int32_t stride = l->stride_along;
    for (int32_t x = 0; x < k->out_len; ++x, out += k->c.step) {
        const int32_t at = x * stride;
        const int32_t acc = output_acc(k, tk_load_word(r0 + at), tk_load_word(r0 + at + 2), tk_load_word(r1 + at),
                                       tk_load_word(r1 + at + 2), tk_load_word(r2 + at), tk_load_word(r2 + at + 2));
        *out = (int8_t)tk_clamp(requant_any(&job->q, l->output_offset, acc), k->act_min, k->act_max);
    }
}

/* Advance the ring from padded lines top - stride .. to top .. top + 2: keep
 * the 3 - stride lines still read, widen the rest. */
static __attribute__((noinline, cold)) void advance_ring(ring_lines *ring, const channel_job *job, const layer_consts *l, int32_t top)
{
    const int32_t stride = l->stride_across;
    for (int32_t s = 0; s < stride; ++s) {
        int16_t *oldest = ring->slot[0];
        const int32_t oldest_zero = ring->zero[0];
        ring->slot[0] = ring->slot[1];
        ring->slot[1] = ring->slot[2];
        ring->slot[2] = oldest;
        ring->zero[0] = ring->zero[1];
        ring->zero[1] = ring->zero[2];
        ring->zero[2] = oldest_zero;
        if (s + 3 >= stride) {
            widen_line(ring, 2, job->in_channel, l, top + 2 - (stride - 1 - s) - l->pad_across);
        }
    }
}

/* Every output line of one channel, widening each input line it reads into the ring once. */
static void channel_plane(ring_lines *ring, const channel_job *job, const layer_consts *l)
{
    /* The line loops' constants, made once per channel. */
    line_consts k = line_consts_of(job, l);
    int8_t *out = job->out_channel;
    for (int32_t i = 0; i < 3; ++i) {
        const int32_t line = i - l->pad_across;
        if (line >= 0 && line < l->in_lines) {
            ring->zero[i] = 0;
            widen_entries(ring->slot[i] + l->pad_along, job->in_channel + line * l->in_line_step, l->in_step,
                          l->read_len);
            continue;
        }
        if (!ring->zero[i]) {
            /* Take a line that already holds the zero point, if one of the later ones does. */
            for (int32_t j = i + 1; j < 3; ++j) {
                if (ring->zero[j]) {
                    int16_t *swap = ring->slot[i];
                    ring->slot[i] = ring->slot[j];
                    ring->slot[j] = swap;
                    ring->zero[j] = 0;
                    ring->zero[i] = 1;
                    break;
                }
            }
        }
        widen_line(ring, i, job->in_channel, l, line);
    }
    const int32_t out_lines = l->out_lines;
    const int32_t out_line_step = l->out_line_step;
    if (l->stride_along == 1 && job->q.fast && l->full_range && l->stride_across == 1) {
        /* The common case (every trained stride-1 layer) in its own loop: per
         * line the pairs' assembly, one rotation and one line widened (or,
         * below the image, the zero point). */
        const int32_t in_lines = l->in_lines;
        const int32_t in_line_step = l->in_line_step;
        const int32_t step = l->in_step;
        const int32_t read_len = l->read_len;
        const int32_t pad_along = l->pad_along;
        /* The ring in locals (written back around a padding line and at the end); bit k of zeros is
         * ring->zero[k]. */
        int16_t *s0 = ring->slot[0], *s1 = ring->slot[1], *s2 = ring->slot[2];
        uint32_t zeros = (uint32_t)ring->zero[0] | (uint32_t)ring->zero[1] << 1 | (uint32_t)ring->zero[2] << 2;
        /* line: the last line in the ring, src: its input */
        const int8_t *src = job->in_channel + (2 - l->pad_across) * in_line_step;
        for (int32_t y = 1, line = 2 - l->pad_across;; ++y, ++line, src += in_line_step, out += out_line_step) {
            line_pairs(s0, s1, s2, &k, out);
            if (y == out_lines) {
                break;
            }
            int16_t *oldest = s0;
            s0 = s1;
            s1 = s2;
            s2 = oldest;
            if (line + 1 < in_lines) {
                zeros >>= 1; /* the flags rotate with the lines; the new one holds input */
                widen_entries(oldest + pad_along, src + in_line_step, step, read_len);
            } else {
                /* Below the image: widen_line keeps a line of zero points. */
                ring->zero[0] = (int32_t)(zeros >> 1 & 1u);
                ring->zero[1] = (int32_t)(zeros >> 2 & 1u);
                ring->zero[2] = (int32_t)(zeros & 1u);
                ring->slot[0] = s0;
                ring->slot[1] = s1;
                ring->slot[2] = s2;
                widen_line(ring, 2, job->in_channel, l, line + 1);
                zeros = (uint32_t)ring->zero[0] | (uint32_t)ring->zero[1] << 1 | (uint32_t)ring->zero[2] << 2;
            }
        }
        ring->slot[0] = s0;
        ring->slot[1] = s1;
        ring->slot[2] = s2;
        ring->zero[0] = (int32_t)(zeros & 1u);
        ring->zero[1] = (int32_t)(zeros >> 1 & 1u);
        ring->zero[2] = (int32_t)(zeros >> 2 & 1u);
        return;
    }
    for (int32_t y = 0, top = 0; y < out_lines; ++y, top += l->stride_across, out += out_line_step) {
        if (y > 0) {
            advance_ring(ring, job, l, top);
        }
        channel_line(ring->slot[0], ring->slot[1], ring->slot[2], job, l, &k, out);
    }
}

/* The pair (lo, hi) of int16 values as one word, free of implementation-defined conversion. */
static int32_t pack_pair(int32_t lo, int32_t hi)
{
    const uint32_t bits = ((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16);
    int32_t word;
    memcpy(&word, &bits, sizeof word);
    return word;
}

/* The six pairs of one channel along columns, from the layout's pairs along rows. */
static void pairs_by_column(const int8_t *pairs, int32_t filter[6])
{
    /* Row r's words: (w[r][0], w[r][1]) and (w[r][1], w[r][2]); column k's pair of rows r, r + 1 takes
     * both rows' entry k, the low or high half of one of those words. */
    const int32_t r0a = tk_load_word(pairs), r0b = tk_load_word(pairs + 4);
    const int32_t r1a = tk_load_word(pairs + 8), r1b = tk_load_word(pairs + 12);
    const int32_t r2a = tk_load_word(pairs + 16), r2b = tk_load_word(pairs + 20);
    filter[0] = tk_pkh_low(r0a, r1a);
    filter[1] = tk_pkh_low(r1a, r2a);
    filter[2] = tk_pkh_high(r0a, r1a);
    filter[3] = tk_pkh_high(r1a, r2a);
    filter[4] = tk_pkh_high(r0b, r1b);
    filter[5] = tk_pkh_high(r1b, r2b);
}

tk_status tk_depthwise_conv_3x3_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || params->depth_multiplier != 1 ||
        g.in_c != g.out_c || g.filter_c != g.out_c || g.filter_h != 3 || g.filter_w != 3 ||
        params->dilation_h != 1 || params->dilation_w != 1 || params->stride_h < 1 || params->stride_w < 1 ||
        bias == NULL) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_depthwise_conv_3x3_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t channels = g.out_c;
    /* By columns only where the output keeps the input's shape (so in place still holds) and is taller than wide. */
    const int by_column = params->stride_h == 1 && params->stride_w == 1 && g.out_h == g.in_h && g.out_w == g.in_w &&
                          g.out_h > g.out_w;
    layer_consts l;
    if (by_column) {
        l.in_lines = g.in_w;
        l.in_line_step = channels;
        l.in_step = g.in_w * channels;
        l.out_lines = g.out_w;
        l.out_len = g.out_h;
        l.out_line_step = channels;
        l.out_step = g.out_w * channels;
        l.stride_across = params->stride_w;
        l.stride_along = params->stride_h;
        l.pad_across = params->pad_w;
        l.pad_along = params->pad_h;
    } else {
        l.in_lines = g.in_h;
        l.in_line_step = g.in_w * channels;
        l.in_step = channels;
        l.out_lines = g.out_h;
        l.out_len = g.out_w;
        l.out_line_step = g.out_w * channels;
        l.out_step = channels;
        l.stride_across = params->stride_h;
        l.stride_along = params->stride_w;
        l.pad_across = params->pad_h;
        l.pad_along = params->pad_w;
    }
    const int32_t in_len = by_column ? g.in_h : g.in_w;
    l.line_len = ring_line_len(params, output_dims);
    /* A VALID window at stride > 1 may leave the last input entries of a line unread. */
    const int32_t padded_len = (l.out_len - 1) * l.stride_along + 3;
    l.read_len = padded_len - l.pad_along < in_len ? padded_len - l.pad_along : in_len;
    /* The raw input zero point: its product with the filter is cancelled by the folded bias. */
    l.zero_point = (int16_t)-params->input_offset;
    l.zero_pair = pack_pair(l.zero_point, l.zero_point);
    l.output_offset = params->output_offset;
    l.act_min = params->activation.min;
    l.act_max = params->activation.max;
    l.full_range = l.act_min == -128 && l.act_max == 127;
    int16_t *lines = (int16_t *)ctx->buf;
    /* widen_line never writes the padding entries: fill them once (so every line starts as zero point). */
    for (int32_t i = 0; i < 3 * l.line_len; ++i) {
        lines[i] = l.zero_point;
    }
    ring_lines ring = {{lines, lines + l.line_len, lines + 2 * l.line_len}, {1, 1, 1}};
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t c = 0; c < channels; ++c) {
            channel_job job = {
                input + b * g.in_h * g.in_w * channels + c,
                output + b * g.out_h * g.out_w * channels + c,
                {0, 0, 0, 0, 0, 0},
                bias[c],
                channel_requant_of(quant, c, params->output_offset),
            };
            if (by_column) {
                pairs_by_column(filter + 24 * c, job.filter);
            } else {
                memcpy(job.filter, filter + 24 * c, sizeof job.filter);
            }
            channel_plane(&ring, &job, &l);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_depthwise_conv_3x3_s8)
