/* What CONV_2D and DEPTHWISE_CONV_2D share (kernel-internal): reading the
 * shapes of input, filter and output, and (with FULLY_CONNECTED) turning one
 * output channel's accumulator into its int8 output.
 */
#ifndef TINYKIT_CONV_GEOMETRY_H
#define TINYKIT_CONV_GEOMETRY_H

#include "tinykit/requantize.h"
#include "tinykit/types.h"

/* The extents a 2-D convolution loops over (NHWC input and output). */
typedef struct {
    int32_t batches;
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t filter_h;
    int32_t filter_w;
    int32_t filter_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
} tk_conv_geometry;

/* Fills *geometry; TK_ERROR_ARGUMENT when input and output batches differ. */
static inline tk_status tk_conv_geometry_of(const tk_dims *input_dims, const tk_dims *filter_dims,
                                            const tk_dims *output_dims, tk_conv_geometry *geometry)
{
    if (input_dims->n != output_dims->n) {
        return TK_ERROR_ARGUMENT;
    }
    geometry->batches = output_dims->n;
    geometry->in_h = input_dims->h;
    geometry->in_w = input_dims->w;
    geometry->in_c = input_dims->c;
    geometry->filter_h = filter_dims->h;
    geometry->filter_w = filter_dims->w;
    geometry->filter_c = filter_dims->c;
    geometry->out_h = output_dims->h;
    geometry->out_w = output_dims->w;
    geometry->out_c = output_dims->c;
    return TK_OK;
}

/* The input pixel (all in_c channels) that output pixel `pixel` (row-major
 * within batch b) of a 1x1 convolution without padding reads. */
static inline const int8_t *tk_conv_1x1_input_pixel(const int8_t *input, const tk_conv_geometry *g, int32_t stride_h,
                                                    int32_t stride_w, int32_t b, int32_t pixel)
{
    return input + ((b * g->in_h + (pixel / g->out_w) * stride_h) * g->in_w + (pixel % g->out_w) * stride_w) * g->in_c;
}

/* CONV_2D's grouping: input depth / filter depth groups, each producing
 * out_c / groups output channels (one group in the ordinary case). Fills
 * *filters_per_group; TK_ERROR_ARGUMENT when the depths do not divide or the
 * filter count is not the output depth. */
static inline tk_status tk_conv_filters_per_group(const tk_conv_geometry *g, const tk_dims *filter_dims,
                                                  int32_t *filters_per_group)
{
    if (g->filter_c <= 0 || g->in_c % g->filter_c != 0 || filter_dims->n != g->out_c) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t groups = g->in_c / g->filter_c;
    if (g->out_c % groups != 0) {
        return TK_ERROR_ARGUMENT;
    }
    *filters_per_group = g->out_c / groups;
    return TK_OK;
}

/* Output channel oc's value: the accumulator plus its bias (if any),
 * requantized with the channel's multiplier, moved to the output zero point
 * and clamped to the fused activation's range. */
static inline int8_t tk_conv_output(int32_t acc, const int32_t *bias, const tk_per_channel_quant *quant, int32_t oc,
                                    int32_t output_offset, tk_activation activation)
{
    if (bias != NULL) {
        acc += bias[oc];
    }
    acc = tk_requantize(acc, quant->multiplier[oc], quant->shift[oc]) + output_offset;
    return (int8_t)tk_clamp(acc, activation.min, activation.max);
}

/* Everything tk_conv_output reads besides the accumulator, copied out of the
 * kernel's arguments once. The outputs are int8_t, which C lets alias any
 * object, so a kernel reading these through its parameter pointers reloads
 * them after every output byte it stores; a local copy (whose address never
 * escapes the inlined calls) stays in registers. */
typedef struct {
    const int32_t *bias;
    tk_per_channel_quant quant;
    int32_t output_offset;
    tk_activation activation;
} tk_conv_requant;

static inline tk_conv_requant tk_conv_requant_of(const int32_t *bias, const tk_per_channel_quant *quant,
                                                 int32_t output_offset, tk_activation activation)
{
    const tk_conv_requant requant = {bias, *quant, output_offset, activation};
    return requant;
}

/* tk_conv_output with the copied constants. */
static inline int8_t tk_conv_requant_output(const tk_conv_requant *requant, int32_t acc, int32_t oc)
{
    return tk_conv_output(acc, requant->bias, &requant->quant, oc, requant->output_offset, requant->activation);
}

#endif /* TINYKIT_CONV_GEOMETRY_H */
