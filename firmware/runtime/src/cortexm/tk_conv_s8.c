/* CONV_2D for cores with the DSP extension: the same contract and results as
 * reference/tk_conv_s8.c, computed with SMLAD (two 16-bit MACs per instruction).
 *
 * Two output pixels at a time, the input patches of one group (filter_h *
 * filter_w * filter_c taps, in the filter's own order) are copied into the
 * scratch area as int16 with the input offset already added (im2col); taps in
 * the padding are 0, which is what the reference's skipped taps contribute.
 * The layer is then a matrix product of those two columns by the filter
 * rows, register blocked two output channels by two pixels: per four taps,
 * one LDM reads both columns' four int16 pairs, two filter words are widened
 * (SXTB16, and SXTB16 with ROR #8), and eight SMLADs accumulate 16 MACs.
 *
 * Column layout: SXTB16 widens bytes 0 and 2 of a filter word and, rotated,
 * bytes 1 and 3; so each full group of four taps is stored as pixel 0's
 * (t0, t2), (t1, t3) then pixel 1's, and the loads line up with the widened
 * filter halves without shuffling. The last taps % 4 taps follow, pixel 0's
 * then pixel 1's, in plain order. An odd last pixel is computed as both
 * pixels of a pair and stored once.
 *
 * When the filter depth is a multiple of four, every run of filter_c input
 * channels under one tap starts a group of four, and im2col widens four
 * channels per word load (SXTAB16 adds the offset); otherwise it goes tap by
 * tap.
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"

/* Pixels computed per step, each with its own im2col column. */
#define COLUMNS 2

int32_t tk_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                   const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return COLUMNS * filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

static inline int32_t load_word(const void *p)
{
    int32_t word;
    memcpy(&word, p, sizeof word); /* one LDR: Cortex-M4/M7/M33 allow unaligned word loads */
    return word;
}

static inline void store_word(void *p, int32_t word)
{
    memcpy(p, &word, sizeof word);
}

/* Where tap t of pixel `column` goes in the two-column buffer (see the file comment). */
static inline int32_t column_slot(int32_t t, int32_t taps, int32_t column)
{
    static const int8_t within_four[4] = {0, 2, 1, 3};
    const int32_t full = taps & ~3;
    if (t < full) {
        return (t & ~3) * COLUMNS + column * 4 + within_four[t & 3];
    }
    return full * COLUMNS + column * (taps - full) + (t - full);
}

/* im2col of one output pixel's patch (one group) into its column of `columns`. */
static void im2col(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input, int32_t b,
                   int32_t pixel, int32_t group, int32_t offset_pair, int16_t *columns, int32_t column)
{
    const int32_t taps = g->filter_h * g->filter_w * g->filter_c;
    const int32_t in_y_origin = (pixel / g->out_w) * params->stride_h - params->pad_h;
    const int32_t in_x_origin = (pixel % g->out_w) * params->stride_w - params->pad_w;
    const int words = (g->filter_c & 3) == 0;
    int32_t t = 0;
    for (int32_t ky = 0; ky < g->filter_h; ++ky) {
        const int32_t in_y = in_y_origin + params->dilation_h * ky;
        for (int32_t kx = 0; kx < g->filter_w; ++kx) {
            const int32_t in_x = in_x_origin + params->dilation_w * kx;
            const int inside = in_y >= 0 && in_y < g->in_h && in_x >= 0 && in_x < g->in_w;
            const int8_t *in_px =
                inside ? input + ((b * g->in_h + in_y) * g->in_w + in_x) * g->in_c + group * g->filter_c : NULL;
            if (words) {
                /* Four channels are one group of four taps: two int16 pairs of this column. */
                int16_t *slot = columns + t * COLUMNS + column * 4;
                for (int32_t ic = 0; ic < g->filter_c; ic += 4, slot += 4 * COLUMNS) {
                    const int32_t word = inside ? load_word(in_px + ic) : 0;
                    store_word(slot, inside ? __sxtab16(offset_pair, word) : 0);
                    store_word(slot + 2, inside ? tk_sxtab16_ror8(offset_pair, word) : 0);
                }
                t += g->filter_c;
            } else {
                for (int32_t ic = 0; ic < g->filter_c; ++ic, ++t) {
                    columns[column_slot(t, taps, column)] =
                        (int16_t)(inside ? (int32_t)in_px[ic] + params->input_offset : 0);
                }
            }
        }
    }
}

/* The four sums of filter rows w0, w1 with the two columns (acc[2 * filter + pixel]). */
static inline void dot_2x2(const int8_t *w0, const int8_t *w1, const int16_t *columns, int32_t taps, int32_t acc[4])
{
    int32_t acc00 = 0;
    int32_t acc01 = 0;
    int32_t acc10 = 0;
    int32_t acc11 = 0;
    const int32_t full = taps & ~3;
    const int16_t *column = columns;
    for (int32_t t = 0; t < full; t += 4, column += 4 * COLUMNS) {
        const int32_t p0_02 = load_word(column);
        const int32_t p0_13 = load_word(column + 2);
        const int32_t p1_02 = load_word(column + 4);
        const int32_t p1_13 = load_word(column + 6);
        const int32_t f0 = load_word(w0 + t);
        const int32_t f0_02 = __sxtb16(f0);
        const int32_t f0_13 = tk_sxtb16_ror8(f0);
        acc00 = __smlad(f0_02, p0_02, acc00);
        acc00 = __smlad(f0_13, p0_13, acc00);
        acc01 = __smlad(f0_02, p1_02, acc01);
        acc01 = __smlad(f0_13, p1_13, acc01);
        const int32_t f1 = load_word(w1 + t);
        const int32_t f1_02 = __sxtb16(f1);
        const int32_t f1_13 = tk_sxtb16_ror8(f1);
        acc10 = __smlad(f1_02, p0_02, acc10);
        acc10 = __smlad(f1_13, p0_13, acc10);
        acc11 = __smlad(f1_02, p1_02, acc11);
        acc11 = __smlad(f1_13, p1_13, acc11);
    }
    const int32_t rest = taps - full;
    for (int32_t k = 0; k < rest; ++k) {
        const int32_t p0 = column[k];
        const int32_t p1 = column[rest + k];
        acc00 += (int32_t)w0[full + k] * p0;
        acc01 += (int32_t)w0[full + k] * p1;
        acc10 += (int32_t)w1[full + k] * p0;
        acc11 += (int32_t)w1[full + k] * p1;
    }
    acc[0] = acc00;
    acc[1] = acc01;
    acc[2] = acc10;
    acc[3] = acc11;
}

tk_status tk_conv_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                     const tk_dims *input_dims, const int8_t *input,
                     const tk_dims *filter_dims, const int8_t *filter,
                     const int32_t *bias,
                     const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    int32_t filters_per_group;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK ||
        tk_conv_filters_per_group(&g, filter_dims, &filters_per_group) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    int16_t *columns = (int16_t *)ctx->buf;
    const tk_conv_requant requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    const uint32_t half = (uint32_t)params->input_offset & 0xffffu;
    const uint32_t pair_bits = half | (half << 16);
    int32_t offset_pair;
    memcpy(&offset_pair, &pair_bits, sizeof offset_pair); /* the bits as int32_t, free of implementation-defined conversion */
    const int32_t groups = g.in_c / g.filter_c;
    const int32_t taps = g.filter_h * g.filter_w * g.filter_c;
    const int32_t pixels = g.out_h * g.out_w;

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += COLUMNS) {
            /* An odd last pixel fills both columns; the second copy is not stored. */
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            int8_t *out0 = output + (b * pixels + pixel) * g.out_c;
            int8_t *out1 = output + (b * pixels + second) * g.out_c;
            for (int32_t group = 0; group < groups; ++group) {
                im2col(params, &g, input, b, pixel, group, offset_pair, columns, 0);
                im2col(params, &g, input, b, second, group, offset_pair, columns, 1);
                const int32_t oc_end = (group + 1) * filters_per_group;
                for (int32_t oc = group * filters_per_group; oc < oc_end; oc += 2) {
                    /* An odd last filter is paired with itself. */
                    const int32_t oc1 = oc + 1 < oc_end ? oc + 1 : oc;
                    int32_t acc[4];
                    dot_2x2(filter + oc * taps, filter + oc1 * taps, columns, taps, acc);
                    out0[oc] = tk_conv_requant_output(&requant, acc[0], oc);
                    out0[oc1] = tk_conv_requant_output(&requant, acc[2], oc1);
                    out1[oc] = tk_conv_requant_output(&requant, acc[1], oc);
                    out1[oc1] = tk_conv_requant_output(&requant, acc[3], oc1);
                }
            }
        }
    }
    return TK_OK;
}
