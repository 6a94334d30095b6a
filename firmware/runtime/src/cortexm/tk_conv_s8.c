/* CONV_2D for cores with the DSP extension: the results of
 * reference/tk_conv_s8.c, computed with SMLAD (two 16-bit MACs per
 * instruction), from constants the build prepared.
 *
 * Two output pixels at a time, the input patches of one group (filter_h *
 * filter_w * filter_c taps, in the filter's own order) are copied into the
 * scratch area as they are, int8 (im2col: one memcpy of filter_c channels per
 * tap); a tap in the padding is the input zero point. The layer is then a
 * matrix product of those two columns by the filter rows, register blocked
 * two output channels by two pixels (tk_dot_pair_2x2, tinykit/dsp_dot.h).
 *
 * What the build does instead of the kernel (tinykit/codegen/ops/conv.py,
 * weight layout "filter_pairs"):
 * - bias[oc] already holds bias + input_offset * sum of filter row oc, so
 *   the columns are widened without the offset. A padding tap holds the zero
 *   point, -input_offset, so with the folded offset it adds filter *
 *   (zero point + input_offset) = 0, just as the reference skips it;
 * - within each group, output channels go in pairs whose rows are
 *   interleaved four bytes at a time (see tk_dot_pair_2x2).
 * The scratch is two int8 columns, half of one int16 column.
 */
#include <string.h>

#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/invoke.h"

/* Pixels computed per step, each with its own im2col column. */
#define COLUMNS 2

int32_t tk_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                   const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return COLUMNS * filter_dims->h * filter_dims->w * filter_dims->c;
}

/* im2col of one output pixel's patch (one group) into `column`. */
static void im2col(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input, int32_t b,
                   int32_t pixel, int32_t group, int8_t *column)
{
    const int32_t in_y_origin = (pixel / g->out_w) * params->stride_h - params->pad_h;
    const int32_t in_x_origin = (pixel % g->out_w) * params->stride_w - params->pad_w;
    const int zero_point = -params->input_offset; /* an int8 value: the input's zero point */
    for (int32_t ky = 0; ky < g->filter_h; ++ky) {
        const int32_t in_y = in_y_origin + params->dilation_h * ky;
        for (int32_t kx = 0; kx < g->filter_w; ++kx, column += g->filter_c) {
            const int32_t in_x = in_x_origin + params->dilation_w * kx;
            if (in_y >= 0 && in_y < g->in_h && in_x >= 0 && in_x < g->in_w) {
                memcpy(column, input + ((b * g->in_h + in_y) * g->in_w + in_x) * g->in_c + group * g->filter_c,
                       (size_t)g->filter_c);
            } else {
                memset(column, zero_point, (size_t)g->filter_c);
            }
        }
    }
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
        tk_conv_filters_per_group(&g, filter_dims, &filters_per_group) != TK_OK ||
        params->input_offset < -127 || params->input_offset > 128) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t taps = g.filter_h * g.filter_w * g.filter_c;
    int8_t *column0 = (int8_t *)ctx->buf;
    int8_t *column1 = column0 + taps;
    const tk_conv_requant requant = tk_conv_requant_of(bias, quant, params->output_offset, params->activation);
    const int32_t groups = g.in_c / g.filter_c;
    const int32_t pixels = g.out_h * g.out_w;

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += COLUMNS) {
            /* An odd last pixel is computed as both pixels of a pair and stored once. */
            const int paired = pixel + 1 < pixels;
            const int32_t second = paired ? pixel + 1 : pixel;
            int8_t *out0 = output + (b * pixels + pixel) * g.out_c;
            int8_t *out1 = output + (b * pixels + second) * g.out_c;
            for (int32_t group = 0; group < groups; ++group) {
                im2col(params, &g, input, b, pixel, group, column0);
                const int8_t *second_column = column0;
                if (paired) {
                    im2col(params, &g, input, b, second, group, column1);
                    second_column = column1;
                }
                tk_conv_two_pixels(&requant, filter, group * filters_per_group, (group + 1) * filters_per_group, taps,
                                   column0, second_column, out0, out1);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_conv_s8)
