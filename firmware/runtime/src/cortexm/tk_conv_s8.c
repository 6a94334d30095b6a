/* CONV_2D for cores with the DSP extension: the same contract and results as
 * reference/tk_conv_s8.c, computed with SMLAD (two 16-bit MACs per instruction).
 *
 * For each output pixel the input patch of one group (filter_h * filter_w *
 * filter_c taps, in the filter's own order) is copied into the scratch area
 * as int16 with the input offset already added (im2col); taps in the padding
 * are 0, which is what the reference's skipped taps contribute. Each output
 * channel is then one dot product of its filter row with that column.
 *
 * SXTB16 widens bytes 0 and 2 of a filter word and, after a rotate by 8,
 * bytes 1 and 3; so each full group of four taps is stored in the column as
 * (t0, t2, t1, t3), and the two word loads of the column line up with the two
 * widened filter halves without any shuffling in the inner loop.
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"

int32_t tk_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                   const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

/* Where tap t of the patch goes in the column (see the file comment). */
static inline int32_t column_slot(int32_t t, int32_t taps)
{
    static const int8_t within_four[4] = {0, 2, 1, 3};
    const int32_t base = t & ~3;
    return base + 4 <= taps ? base + within_four[t & 3] : t;
}

static int32_t dot_s8_s16(const int8_t *row, const int16_t *column, int32_t taps)
{
    int32_t acc = 0;
    int32_t t = 0;
    for (; t + 4 <= taps; t += 4) {
        int32_t weights;
        int32_t even;
        int32_t odd;
        memcpy(&weights, row + t, sizeof weights);
        memcpy(&even, column + t, sizeof even);
        memcpy(&odd, column + t + 2, sizeof odd);
        acc = __smlad(__sxtb16(weights), even, acc);
        acc = __smlad(__sxtb16((int32_t)tk_ror((uint32_t)weights, 8)), odd, acc);
    }
    for (; t < taps; ++t) {
        acc += (int32_t)row[t] * column[t];
    }
    return acc;
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
    int16_t *column = (int16_t *)ctx->buf;
    const int32_t groups = g.in_c / g.filter_c;
    const int32_t taps = g.filter_h * g.filter_w * g.filter_c;

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                int8_t *out_px = output + ((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c;
                for (int32_t group = 0; group < groups; ++group) {
                    int32_t t = 0;
                    for (int32_t ky = 0; ky < g.filter_h; ++ky) {
                        const int32_t in_y = in_y_origin + params->dilation_h * ky;
                        for (int32_t kx = 0; kx < g.filter_w; ++kx) {
                            const int32_t in_x = in_x_origin + params->dilation_w * kx;
                            const int inside = in_y >= 0 && in_y < g.in_h && in_x >= 0 && in_x < g.in_w;
                            const int8_t *in_px =
                                inside ? input + ((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + group * g.filter_c : NULL;
                            for (int32_t ic = 0; ic < g.filter_c; ++ic, ++t) {
                                column[column_slot(t, taps)] =
                                    (int16_t)(inside ? (int32_t)in_px[ic] + params->input_offset : 0);
                            }
                        }
                    }
                    for (int32_t oc = group * filters_per_group; oc < (group + 1) * filters_per_group; ++oc) {
                        const int32_t acc = dot_s8_s16(filter + oc * taps, column, taps);
                        out_px[oc] = tk_conv_output(acc, bias, quant, oc, params->output_offset, params->activation);
                    }
                }
            }
        }
    }
    return TK_OK;
}
