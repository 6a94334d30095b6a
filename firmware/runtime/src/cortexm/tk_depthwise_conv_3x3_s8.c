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
 * constants then stay in registers for its whole plane), row by row: each
 * input row of the channel is widened once into a three-row ring of int16
 * rows in the scratch, whose padding entries hold the input zero point (which
 * the folded bias turns into the reference's zero contribution), so no tap
 * is ever tested against the border. With a ring row's entries r, SMLAD
 * multiplies one word (r[x], r[x+1]) by a filter pair, two MACs: at stride 1
 * two neighbouring outputs per step share the row's words, per filter row
 *   out[x]   = (r[x],   r[x+1]) . (w0, w1) + r[x+2] * w2
 *   out[x+1] = r[x+1] * w0      + (r[x+2], r[x+3]) . (w1, w2)
 * one load and four multiplies for six MACs.
 *
 * Writing order: channel c of every output pixel before channel c + 1, and
 * output row y of a channel only after the input rows it reads are in the
 * ring, so the output may exactly overlay the input (in place): an output
 * byte replaces the input byte of the same pixel and channel, which its
 * channel has already widened (input row y * stride or later is never
 * overwritten before it is read).
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/dsp_dot.h"

/* int16 entries of one ring row: the padded row the outputs read, (out_w - 1) * stride + 3,
 * plus the one entry past it that the last word load may cover, rounded up to whole words. */
static int32_t ring_row_len(int32_t out_w, int32_t stride_w)
{
    return ((out_w - 1) * stride_w + 3 + 2) & ~1;
}

int32_t tk_depthwise_conv_3x3_s8_get_buffer_size(const tk_depthwise_conv_params *params, const tk_dims *input_dims,
                                                 const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 3 * ring_row_len(output_dims->w, params->stride_w) * (int32_t)sizeof(int16_t);
}

/* One channel's requantization: out = requantize(acc) + output offset, before the clamp.
 * For a right shift e in 1..23 and a multiplier m of at least 2^30 (or 0) the
 * reference's two roundings, y = floor((acc * m + 2^30) / 2^31) then y / 2^e
 * to nearest with ties away from zero, come from one SMMLAR of the doubled
 * accumulator: SMMLAR(2 acc, m, h) = floor((acc * m + 2^30) / 2^31) + h, so with
 *   h = 2^(e - 1) + output offset * 2^e - (acc < 0)
 * its arithmetic shift right by e is the output: y < 0 exactly when acc < 0
 * for such m (tk_requantize_right derives the nudge). An ADD (h from the
 * accumulator's sign), the SMMLAR and a shift. Other channels take tk_requantize. */
typedef struct {
    int32_t high;       /* 2^(e - 1) + output offset * 2^e */
    int32_t multiplier;
    int32_t shift;      /* the reference's shift, -e */
    int32_t fast;
} channel_requant;

static channel_requant channel_requant_of(const tk_per_channel_quant *quant, int32_t c, int32_t output_offset)
{
    channel_requant q;
    q.multiplier = quant->multiplier[c];
    q.shift = quant->shift[c];
    const int32_t e = -q.shift;
    /* e <= 23 keeps h (|offset| <= 128) inside int32. */
    q.fast = e >= 1 && e <= 23 && (q.multiplier >= (INT32_C(1) << 30) || q.multiplier == 0);
    q.high = q.fast ? (INT32_C(1) << (e - 1)) + output_offset * (INT32_C(1) << e) : 0;
    return q;
}

/* requantize(acc) + output offset from acc2 = 2 * acc, for a channel with q.fast.
 * >> of a negative int32_t is GCC's arithmetic shift. */
static inline int32_t requant_fast(int32_t high, int32_t multiplier, int32_t e, int32_t acc2)
{
    return tk_smmlar(acc2, multiplier, high + (acc2 >> 31)) >> e;
}

/* The same for any channel. */
static inline int32_t requant_any(const channel_requant *q, int32_t output_offset, int32_t acc2)
{
    return q->fast ? requant_fast(q->high, q->multiplier, -q->shift, acc2)
                   : tk_requantize(acc2 / 2, q->multiplier, q->shift) + output_offset;
}

/* Everything one channel's plane needs, copied into locals by the kernel. */
typedef struct {
    const int8_t *in_channel;   /* the batch's input at this channel */
    int8_t *out_channel;        /* the batch's output at this channel */
    const int8_t *filter_pairs; /* this channel's 24 bytes */
    int32_t bias;
    channel_requant q;
} channel_job;

/* The layer's constants. */
typedef struct {
    tk_conv_geometry g;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_h;
    int32_t pad_w;
    int32_t read_w;   /* input columns some output reads */
    int32_t row_len;  /* int16 entries of a ring row */
    int16_t zero_point;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
    int32_t full_range; /* the clamp is [-128, 127] */
} layer_consts;

/* Ring row `slot` := padded input row `row` of one channel: entries pad_w ..
 * pad_w + read_w - 1 from the image's first read_w columns (those the outputs
 * read); a row outside the image is all zero point. */
static void widen_row(int16_t *slot, const int8_t *in_channel, const layer_consts *l, int32_t row)
{
    if (row < 0 || row >= l->g.in_h) {
        for (int32_t i = 0; i < l->row_len; ++i) {
            slot[i] = l->zero_point;
        }
        return;
    }
    const int32_t channels = l->g.in_c;
    const int32_t read_w = l->read_w;
    const int8_t *src = in_channel + row * l->g.in_w * channels;
    int16_t *dst = slot + l->pad_w;
    int32_t x = 0;
    for (; x + 2 <= read_w; x += 2, src += 2 * channels) {
        dst[x] = src[0];
        dst[x + 1] = src[channels];
    }
    if (x < read_w) {
        dst[x] = src[0];
    }
}

/* The output byte of v: the fused activation's clamp, one SSAT when that is the whole int8 range. */
static inline int8_t clamp_output(int32_t v, int32_t act_min, int32_t act_max, int full_range)
{
    return (int8_t)(full_range ? __ssat(v, 8) : tk_clamp(v, act_min, act_max));
}

/* Outputs x = 0, 2, 4, ... < out_w - 1 and x + 1 of one row of one channel at
 * stride 1, for a channel with the fast requantization; returns the first
 * output not written. FULL_RANGE is a constant at each call, so each loop is
 * compiled for one clamp. */
static inline int32_t row_pairs(const int16_t *r0, const int16_t *r1, const int16_t *r2, const int32_t filter[6],
                                const channel_job *job, const layer_consts *l, int full_range, int8_t *out)
{
    const int32_t f01a = filter[0], f12a = filter[1], f01b = filter[2];
    const int32_t f12b = filter[3], f01c = filter[4], f12c = filter[5];
    const int32_t bias = job->bias;
    const int32_t high = job->q.high;
    const int32_t multiplier = job->q.multiplier;
    const int32_t e = -job->q.shift;
    const int32_t act_min = l->act_min;
    const int32_t act_max = l->act_max;
    const int32_t step = l->g.out_c;
    const int32_t pairs_end = l->g.out_w & ~1;
    int32_t a0 = tk_load_word(r0);
    int32_t a1 = tk_load_word(r1);
    int32_t a2 = tk_load_word(r2);
    int32_t x = 0;
    for (; x < pairs_end; x += 2) {
        const int32_t b0 = tk_load_word(r0 + x + 2);
        const int32_t b1 = tk_load_word(r1 + x + 2);
        const int32_t b2 = tk_load_word(r2 + x + 2);
        int32_t acc0 = __smlad(a0, f01a, bias);
        int32_t acc1 = __smlatb(a0, f01a, bias);
        acc0 = __smlabt(b0, f12a, acc0);
        acc1 = __smlad(b0, f12a, acc1);
        acc0 = __smlad(a1, f01b, acc0);
        acc1 = __smlatb(a1, f01b, acc1);
        acc0 = __smlabt(b1, f12b, acc0);
        acc1 = __smlad(b1, f12b, acc1);
        acc0 = __smlad(a2, f01c, acc0);
        acc1 = __smlatb(a2, f01c, acc1);
        acc0 = __smlabt(b2, f12c, acc0);
        acc1 = __smlad(b2, f12c, acc1);
        out[0] = clamp_output(requant_fast(high, multiplier, e, acc0), act_min, act_max, full_range);
        out[step] = clamp_output(requant_fast(high, multiplier, e, acc1), act_min, act_max, full_range);
        out += 2 * step;
        a0 = b0;
        a1 = b1;
        a2 = b2;
    }
    return x;
}

/* One output row of one channel from ring rows r0..r2: pairs of outputs at
 * stride 1 (row_pairs), then output by output, where output x reads entries
 * x * stride .. x * stride + 2. */
static void channel_row(const int16_t *r0, const int16_t *r1, const int16_t *r2, const channel_job *job,
                        const layer_consts *l, int8_t *out)
{
    int32_t filter[6];
    memcpy(filter, job->filter_pairs, sizeof filter);
    const int32_t step = l->g.out_c;
    int32_t x = 0;
    if (l->stride_w == 1 && job->q.fast) {
        x = l->full_range ? row_pairs(r0, r1, r2, filter, job, l, 1, out) : row_pairs(r0, r1, r2, filter, job, l, 0, out);
    }
    const int32_t stride = l->stride_w;
    for (out += x * step; x < l->g.out_w; ++x, out += step) {
        const int32_t at = x * stride;
        int32_t acc = __smlad(tk_load_word(r0 + at), filter[0], job->bias);
        acc = __smlabt(tk_load_word(r0 + at + 2), filter[1], acc);
        acc = __smlad(tk_load_word(r1 + at), filter[2], acc);
        acc = __smlabt(tk_load_word(r1 + at + 2), filter[3], acc);
        acc = __smlad(tk_load_word(r2 + at), filter[4], acc);
        acc = __smlabt(tk_load_word(r2 + at + 2), filter[5], acc);
        *out = clamp_output(requant_any(&job->q, l->output_offset, acc), l->act_min, l->act_max, 0);
    }
}

/* Every output row of one channel, widening each input row it reads into the ring once. */
static void channel_plane(int16_t *ring, const channel_job *job, const layer_consts *l)
{
    /* slot[k] holds padded input row top + k (row - pad_h in the image) once widened. */
    int16_t *slot[3] = {ring, ring + l->row_len, ring + 2 * l->row_len};
    const int32_t out_row_step = l->g.out_w * l->g.out_c;
    int8_t *out = job->out_channel;
    for (int32_t k = 0; k < 3; ++k) {
        widen_row(slot[k], job->in_channel, l, k - l->pad_h);
    }
    for (int32_t y = 0, top = 0; y < l->g.out_h; ++y, top += l->stride_h, out += out_row_step) {
        if (y > 0) {
            /* Advance by stride rows: keep the 3 - stride rows still read, widen the rest. */
            for (int32_t s = 0; s < l->stride_h; ++s) {
                int16_t *oldest = slot[0];
                slot[0] = slot[1];
                slot[1] = slot[2];
                slot[2] = oldest;
                if (s + 3 >= l->stride_h) {
                    widen_row(oldest, job->in_channel, l, top + 2 - (l->stride_h - 1 - s) - l->pad_h);
                }
            }
        }
        channel_row(slot[0], slot[1], slot[2], job, l, out);
    }
}

tk_status tk_depthwise_conv_3x3_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output)
{
    layer_consts l;
    tk_conv_geometry *g = &l.g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, g) != TK_OK || params->depth_multiplier != 1 ||
        g->in_c != g->out_c || g->filter_c != g->out_c || g->filter_h != 3 || g->filter_w != 3 ||
        params->dilation_h != 1 || params->dilation_w != 1 || params->stride_h < 1 || params->stride_w < 1 ||
        bias == NULL) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_depthwise_conv_3x3_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    l.stride_h = params->stride_h;
    l.stride_w = params->stride_w;
    l.pad_h = params->pad_h;
    l.pad_w = params->pad_w;
    l.row_len = ring_row_len(g->out_w, params->stride_w);
    /* A VALID window at stride > 1 may leave the last input columns unread. */
    const int32_t padded_w = (g->out_w - 1) * params->stride_w + 3;
    l.read_w = padded_w - params->pad_w < g->in_w ? padded_w - params->pad_w : g->in_w;
    /* The raw input zero point: its product with the filter is cancelled by the folded bias. */
    l.zero_point = (int16_t)-params->input_offset;
    l.output_offset = params->output_offset;
    l.act_min = params->activation.min;
    l.act_max = params->activation.max;
    l.full_range = l.act_min == -128 && l.act_max == 127;
    int16_t *ring = (int16_t *)ctx->buf;
    /* widen_row never writes the padding columns: fill them once. */
    for (int32_t i = 0; i < 3 * l.row_len; ++i) {
        ring[i] = l.zero_point;
    }
    const int32_t channels = g->out_c;
    for (int32_t b = 0; b < g->batches; ++b) {
        for (int32_t c = 0; c < channels; ++c) {
            const channel_job job = {
                input + b * g->in_h * g->in_w * channels + c,
                output + b * g->out_h * g->out_w * channels + c,
                filter + 24 * c,
                bias[c],
                channel_requant_of(quant, c, params->output_offset),
            };
            channel_plane(ring, &job, &l);
        }
    }
    return TK_OK;
}
