/* Building blocks the cortexm/ convolution kernels share (kernel-internal):
 * unaligned word loads and their SMLAD dot products of int8 vectors.
 */
#ifndef TINYKIT_DSP_DOT_H
#define TINYKIT_DSP_DOT_H

#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv_geometry.h"

/* Four bytes as one word: one LDR, as Cortex-M4/M7/M33 allow unaligned word loads. */
static inline int32_t tk_load_word(const void *p)
{
    int32_t word;
    memcpy(&word, p, sizeof word);
    return word;
}

/* Four int8 filter taps (one word) against the same four taps of two pixels,
 * given as int16 pairs (t0, t2) and (t1, t3): SXTB16 widens the filter word
 * into the same pairs (bytes 0 and 2, then bytes 1 and 3), and four SMLADs
 * add the two dot products to *acc0 and *acc1. */
static inline void tk_dot4_two_pixels(int32_t filter_word, int32_t p0_02, int32_t p0_13, int32_t p1_02, int32_t p1_13,
                                      int32_t *acc0, int32_t *acc1)
{
    const int32_t f_02 = __sxtb16(filter_word);
    const int32_t f_13 = tk_sxtb16_ror8(filter_word);
    *acc0 = __smlad(f_13, p0_13, __smlad(f_02, p0_02, *acc0));
    *acc1 = __smlad(f_13, p1_13, __smlad(f_02, p1_02, *acc1));
}

/* Sum over c of w[c] * a[c]. */
static inline int32_t tk_dot_s8(const int8_t *w, const int8_t *a, int32_t depth)
{
    int32_t acc = 0;
    int32_t c = 0;
    for (; c + 4 <= depth; c += 4) {
        const int32_t weights = tk_load_word(w + c);
        const int32_t inputs = tk_load_word(a + c);
        acc = __smlad(__sxtb16(weights), __sxtb16(inputs), acc);
        acc = __smlad(tk_sxtb16_ror8(weights), tk_sxtb16_ror8(inputs), acc);
    }
    for (; c < depth; ++c) {
        acc += (int32_t)w[c] * a[c];
    }
    return acc;
}

/* The four sums of two filter rows with two int8 vectors a0, a1 of `depth`
 * values (acc[2 * filter + pixel]). The rows come as one interleaved stream
 * (the "filter_pairs" weight layout, tinykit/schedule/kernels/conv.py): four
 * bytes of row 0, four of row 1, ..., then row 0's and row 1's last depth % 4
 * bytes; so the loop keeps its four accumulators and three pointers in
 * registers: per four values, four word loads, eight SXTB16 and eight SMLADs
 * for 16 MACs. */
static inline void tk_dot_pair_2x2(const int8_t *pair, const int8_t *a0, const int8_t *a1, int32_t depth, int32_t acc[4])
{
    int32_t acc00 = 0;
    int32_t acc01 = 0;
    int32_t acc10 = 0;
    int32_t acc11 = 0;
    const int32_t full = depth & ~3;
    const int8_t *end = a0 + full;
    const int8_t *w = pair;
    while (a0 != end) {
        const int32_t in0 = tk_load_word(a0);
        const int32_t in1 = tk_load_word(a1);
        a0 += 4;
        a1 += 4;
        const int32_t in0_02 = __sxtb16(in0);
        const int32_t in0_13 = tk_sxtb16_ror8(in0);
        const int32_t in1_02 = __sxtb16(in1);
        const int32_t in1_13 = tk_sxtb16_ror8(in1);
        tk_dot4_two_pixels(tk_load_word(w), in0_02, in0_13, in1_02, in1_13, &acc00, &acc01);
        tk_dot4_two_pixels(tk_load_word(w + 4), in0_02, in0_13, in1_02, in1_13, &acc10, &acc11);
        w += 8;
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

/* Output channels oc_first..oc_end-1 of two pixels, whose `taps` inputs are
 * a0 and a1 (the same pointer for an odd last pixel), from filter rows in the
 * "filter_pairs" layout: two channels at a time, an odd last one alone. */
static inline void tk_conv_two_pixels(const tk_conv_requant *requant, const int8_t *filter, int32_t oc_first,
                                      int32_t oc_end, int32_t taps, const int8_t *a0, const int8_t *a1,
                                      int8_t *out0, int8_t *out1)
{
    int32_t oc = oc_first;
    for (; oc + 2 <= oc_end; oc += 2) {
        int32_t acc[4];
        tk_dot_pair_2x2(filter + oc * taps, a0, a1, taps, acc);
        out0[oc] = tk_conv_requant_output(requant, acc[0], oc);
        out0[oc + 1] = tk_conv_requant_output(requant, acc[2], oc + 1);
        out1[oc] = tk_conv_requant_output(requant, acc[1], oc);
        out1[oc + 1] = tk_conv_requant_output(requant, acc[3], oc + 1);
    }
    if (oc < oc_end) {
        const int8_t *row = filter + oc * taps;
        out0[oc] = tk_conv_requant_output(requant, tk_dot_s8(row, a0, taps), oc);
        out1[oc] = tk_conv_requant_output(requant, tk_dot_s8(row, a1, taps), oc);
    }
}

#endif /* TINYKIT_DSP_DOT_H */
