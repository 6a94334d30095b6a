/* CONV_2D for cores with the DSP extension on shallow inputs (first layers:
 * one or three input channels), one group, output channels a multiple of 4
 * and every channel's requantization shifting right (the build's choice,
 * tinykit/schedule/kernels/conv.py): the results of reference/tk_conv_s8.c.
 *
 * Both operands are int16 pairs before the inner loop, so it does no
 * widening: per pair of taps one LDRD of two pixels' inputs, two LDRDs of
 * four channels' weights and eight SMLADs (16 MACs in 11 instructions).
 *
 * The order of taps ("shallow pairs", the same on the host: tinykit/codegen/
 * ops/conv.py, shallow_pairs_order): a filter row is filter_w * in_c
 * contiguous bytes (kx, then channel). Each row's whole words, bytes
 * b0..b3, give the pairs (b0, b2) then (b1, b3), as SXTB16 and SXTB16 ROR 8
 * widen them; the row's last row_bytes % 4 bytes wait, one at a time, for a
 * partner: a waiting byte and the next one make a pair (the later row's
 * byte high); a byte still waiting after the last row pairs with a zero tap.
 *
 * Scratch: two output pixels' pairs interleaved, [pixel 0 pair k, pixel 1
 * pair k] for k = 0, 1, ...: 8 bytes per pair; then three window rows
 * (filter_w * in_c bytes, rounded up to whole words): one of zero points, and
 * one per pixel where a row is partly outside the image. The padding is the input zero
 * point. Weights (layout "shallow_pairs"): per block of four output channels,
 * per pair k, the four channels' int16 pairs (16 bytes), so the loop's
 * LDRDs read them in order. Instead of quant and bias one record per output
 * channel, as the "quads" kernels take them (tinykit/conv_quads.h, whose
 * requantization this kernel calls): the bias there has the input offset
 * folded in, so a padding tap, which holds the zero point (-input_offset),
 * adds filter * (zero point + input_offset) = 0, as the reference skips it.
 *
 * Both pixels' inputs are in scratch before any of their outputs is written
 * (the overlap rule two_columns_in_place).
 */
#include <string.h>

#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

/* int16 pairs of one pixel's patch in the order above. */
static int32_t patch_pairs(const tk_dims *filter_dims)
{
    const int32_t row_bytes = filter_dims->w * filter_dims->c;
    return filter_dims->h * ((row_bytes / 4) * 2) + (filter_dims->h * (row_bytes % 4) + 1) / 2;
}

/* One window row (filter_w * in_c bytes) in whole words: the scratch holds three, one of zero
 * points and one per pixel to assemble a row partly outside the image in. */
static int32_t row_buffer_bytes(const tk_dims *filter_dims)
{
    return (filter_dims->w * filter_dims->c + 3) & ~3;
}

int32_t tk_conv_shallow_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                           const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return 2 * patch_pairs(filter_dims) * (int32_t)sizeof(int32_t) + 3 * row_buffer_bytes(filter_dims);
}

/* Where a pixel's window columns lie: kx in [kx_lo, kx_hi) inside the image. */
typedef struct {
    int32_t y0;
    int32_t x0;
    int32_t kx_lo;
    int32_t kx_hi;
    int contiguous; /* every column inside and no dilation: a window row is row_bytes contiguous input bytes */
} window;

/* The window of output pixel (oy, ox). */
static inline TK_CONV_QUADS_INLINE window window_of(const tk_conv_params *params, const tk_conv_geometry *g, int32_t oy,
                                                    int32_t ox)
{
    window v;
    const int32_t dx = params->dilation_w;
    v.y0 = oy * params->stride_h - params->pad_h;
    v.x0 = ox * params->stride_w - params->pad_w;
    if (dx == 1) {
        v.kx_lo = v.x0 >= 0 ? 0 : -v.x0;
        v.kx_hi = g->in_w - v.x0;
    } else {
        v.kx_lo = v.x0 >= 0 ? 0 : (-v.x0 + dx - 1) / dx;
        v.kx_hi = g->in_w - 1 - v.x0 >= 0 ? (g->in_w - 1 - v.x0) / dx + 1 : 0;
    }
    if (v.kx_hi > g->filter_w) {
        v.kx_hi = g->filter_w;
    }
    v.contiguous = dx == 1 && v.kx_lo == 0 && v.kx_hi == g->filter_w;
    return v;
}

/* Window row ky of pixel window v (batch b): its row_bytes bytes in the input,
 * or assembled in `buffer` (whole words) when partly outside the image, or
 * `zero_row` (the zero point throughout) when wholly outside. */
static inline const int8_t *row_source(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input,
                                       int32_t b, const window *v, int32_t ky, int8_t *buffer, const int8_t *zero_row)
{
    const int32_t in_y = v->y0 + params->dilation_h * ky;
    if (in_y < 0 || in_y >= g->in_h || v->kx_lo >= v->kx_hi) {
        return zero_row;
    }
    const int8_t *row = input + (b * g->in_h + in_y) * g->in_w * g->in_c;
    if (v->contiguous) {
        return row + v->x0 * g->in_c;
    }
    const int32_t row_bytes = g->filter_w * g->in_c;
    for (int32_t i = 0; i < row_bytes; i += 4) {
        memcpy(buffer + i, zero_row + i, sizeof(int32_t)); /* one word: no call */
    }
    if (params->dilation_w == 1) { /* the inside columns are contiguous bytes */
        const int32_t first = v->x0 * g->in_c; /* may be negative: index, not pointer, arithmetic */
        for (int32_t i = v->kx_lo * g->in_c; i < v->kx_hi * g->in_c; ++i) {
            buffer[i] = row[first + i];
        }
    } else {
        for (int32_t kx = v->kx_lo; kx < v->kx_hi; ++kx) {
            const int8_t *from = row + (v->x0 + params->dilation_w * kx) * g->in_c;
            for (int32_t c = 0; c < g->in_c; ++c) {
                buffer[kx * g->in_c + c] = from[c];
            }
        }
    }
    return buffer;
}

/* Stores pair k of both pixels (p0 then p1, one word each) at `at`. */
static inline void put_pairs(uint8_t *at, uint32_t p0, uint32_t p1)
{
    /* Two word copies: one of an array would go through the stack. */
    memcpy(at, &p0, sizeof p0);
    memcpy(at + 4, &p1, sizeof p1);
}

/* Where gather_pair writes: the next pair, and the leftover bytes waiting for a partner. */
typedef struct {
    uint8_t *at;
    uint32_t w0;
    uint32_t w1;
    int waiting;
} pair_cursor;

/* One window row of both pixels (row_bytes bytes at s0 and s1; `whole` of them in whole words). */
static inline TK_CONV_QUADS_INLINE void put_rows(pair_cursor *p, const int8_t *s0, const int8_t *s1, int32_t whole,
                                                 int32_t row_bytes)
{
    for (int32_t i = 0; i < whole; i += 4, p->at += 16) {
        const int32_t a = tk_load_word(s0 + i);
        const int32_t c = tk_load_word(s1 + i);
        put_pairs(p->at, (uint32_t)__sxtb16(a), (uint32_t)__sxtb16(c));
        put_pairs(p->at + 8, (uint32_t)tk_sxtb16_ror8(a), (uint32_t)tk_sxtb16_ror8(c));
    }
    for (int32_t i = whole; i < row_bytes; ++i) {
        if (p->waiting) {
            put_pairs(p->at, p->w0 | ((uint32_t)s0[i] << 16), p->w1 | ((uint32_t)s1[i] << 16));
            p->at += 8;
        } else {
            p->w0 = (uint32_t)s0[i] & 0xffffu;
            p->w1 = (uint32_t)s1[i] & 0xffffu;
        }
        p->waiting = !p->waiting;
    }
}

/* Output pixels (y0, x0) and (y1, x1) (batch b) gathered into `pair` in the
 * order above, both pixels' bytes of a row together. `buffers` holds two
 * window rows' room (one per pixel), `zero_row` one row of zero points. */
static void gather_pair(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input, int32_t b,
                        int32_t y0, int32_t x0, int32_t y1, int32_t x1, uint8_t *pair, int8_t *buffers,
                        const int8_t *zero_row)
{
    const window v0 = window_of(params, g, y0, x0);
    const window v1 = window_of(params, g, y1, x1);
    const int32_t row_bytes = g->filter_w * g->in_c;
    const int32_t whole = row_bytes & ~3;
    pair_cursor p = {pair, 0, 0, 0};
    const int32_t y_span = params->dilation_h * (g->filter_h - 1);
    if (v0.contiguous && v1.contiguous && v0.y0 >= 0 && v1.y0 >= 0 && v0.y0 + y_span < g->in_h &&
        v1.y0 + y_span < g->in_h) {
        /* Both windows wholly inside the image (most pixels): rows one input row step apart. */
        const int32_t row_step = params->dilation_h * g->in_w * g->in_c;
        const int8_t *s0 = input + ((b * g->in_h + v0.y0) * g->in_w + v0.x0) * g->in_c;
        const int8_t *s1 = input + ((b * g->in_h + v1.y0) * g->in_w + v1.x0) * g->in_c;
        for (int32_t ky = 0; ky < g->filter_h; ++ky, s0 += row_step, s1 += row_step) {
            put_rows(&p, s0, s1, whole, row_bytes);
        }
    } else {
        const int32_t buffer_bytes = (row_bytes + 3) & ~3;
        for (int32_t ky = 0; ky < g->filter_h; ++ky) {
            put_rows(&p, row_source(params, g, input, b, &v0, ky, buffers, zero_row),
                     row_source(params, g, input, b, &v1, ky, buffers + buffer_bytes, zero_row), whole, row_bytes);
        }
    }
    if (p.waiting) {
        put_pairs(p.at, p.w0, p.w1);
    }
}

/* One step of the loop below (assembly): pair k of both pixels against the four channels' pair k. */
#define TK_CONV_SHALLOW_STEP \
        "ldrd %[x0], %[x1], [%[s]], #8\n\t" \
        "ldrd %[f0], %[f1], [%[w]], #8\n\t" \
        "smlad %[a00], %[f0], %[x0], %[a00]\n\t" \
        "smlad %[a01], %[f0], %[x1], %[a01]\n\t" \
        "smlad %[a10], %[f1], %[x0], %[a10]\n\t" \
        "smlad %[a11], %[f1], %[x1], %[a11]\n\t" \
        "ldrd %[f0], %[f1], [%[w]], #8\n\t" \
        "smlad %[a20], %[f0], %[x0], %[a20]\n\t" \
        "smlad %[a21], %[f0], %[x1], %[a21]\n\t" \
        "smlad %[a30], %[f1], %[x0], %[a30]\n\t" \
        "smlad %[a31], %[f1], %[x1], %[a31]\n\t"

/* Adds to *acc the dot products of four channels' weights `w` (one block of
 * the layout, word aligned) with the two pixels in `pair` (`pairs` of them,
 * at least 1, word aligned). */
/* Where the loop below ends: set once per pixel pair, read by every block's loop from memory. */
typedef struct {
    int32_t rest;        /* pairs % 4 */
    const uint8_t *stop; /* pair + 8 * pairs */
} dot_bounds;

static inline TK_CONV_QUADS_INLINE void shallow_dot(const int8_t *w, const uint8_t *pair, int32_t pairs,
                                                     const dot_bounds *bounds, tk_conv_quad_acc *acc)
{
#if defined(__ARM_FEATURE_DSP)
    /* Four steps per pass; `pairs` % 4 of them on the way in (entering the
     * pass at its last `pairs` % 4 steps). Fourteen registers: eight
     * accumulators, two pointers, two inputs, two weights; the end and the
     * remainder are read from memory. */
    (void)pairs;
    int32_t a00 = acc->a00, a01 = acc->a01, a10 = acc->a10, a11 = acc->a11;
    int32_t a20 = acc->a20, a21 = acc->a21, a30 = acc->a30, a31 = acc->a31;
    int32_t x0, x1, f0, f1;
    const uint8_t *s = pair;
    __asm__ volatile(
        "ldr %[f0], %[rest]\n\t"
        "cmp %[f0], #2\n\t"
        "beq 2f\n\t"
        "bhi 3f\n\t"
        "cmp %[f0], #1\n\t"
        "beq 1f\n\t"
        "4:\n\t"
        TK_CONV_SHALLOW_STEP
        "3:\n\t"
        TK_CONV_SHALLOW_STEP
        "2:\n\t"
        TK_CONV_SHALLOW_STEP
        "1:\n\t"
        TK_CONV_SHALLOW_STEP
        "ldr %[f0], %[stop]\n\t"
        "cmp %[s], %[f0]\n\t"
        "bne 4b\n\t"
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20), [a21] "+r"(a21),
          [a30] "+r"(a30), [a31] "+r"(a31), [s] "+r"(s), [w] "+r"(w), [x0] "=&r"(x0), [x1] "=&r"(x1),
          [f0] "=&r"(f0), [f1] "=&r"(f1)
        : [stop] "m"(bounds->stop), [rest] "m"(bounds->rest)
        : "cc", "memory");
    acc->a00 = a00, acc->a01 = a01, acc->a10 = a10, acc->a11 = a11;
    acc->a20 = a20, acc->a21 = a21, acc->a30 = a30, acc->a31 = a31;
#else
    (void)bounds;
    for (int32_t k = 0; k < pairs; ++k, pair += 8, w += 16) {
        const int32_t x0 = tk_load_word(pair);
        const int32_t x1 = tk_load_word(pair + 4);
        const int32_t f0 = tk_load_word(w);
        const int32_t f1 = tk_load_word(w + 4);
        const int32_t f2 = tk_load_word(w + 8);
        const int32_t f3 = tk_load_word(w + 12);
        acc->a00 = __smlad(f0, x0, acc->a00);
        acc->a01 = __smlad(f0, x1, acc->a01);
        acc->a10 = __smlad(f1, x0, acc->a10);
        acc->a11 = __smlad(f1, x1, acc->a11);
        acc->a20 = __smlad(f2, x0, acc->a20);
        acc->a21 = __smlad(f2, x1, acc->a21);
        acc->a30 = __smlad(f3, x0, acc->a30);
        acc->a31 = __smlad(f3, x1, acc->a31);
    }
#endif
}

/* Every output channel of the two pixels in `pair`, saturated to int8, to
 * out0 and out1. One copy, clamped by one SSAT: a fused clamp narrower than
 * int8 is applied afterwards (clamp_outputs), so this loop and its assembly
 * are linked once (a second copy for the narrow clamp cost 714 bytes of flash,
 * and every model that links the kernel pays its flash). */
static void shallow_block(const int8_t *filter, const int32_t *channels, int32_t out_c, int32_t pairs,
                          const uint8_t *pair, const dot_bounds *bounds, int8_t *out0, int8_t *out1)
{
    const int32_t *ch = channels;
    const int8_t *w = filter;
    for (int32_t oc = 0; oc < out_c; oc += TK_CONV_QUAD, ch += TK_CONV_QUAD * TK_CONV_CHANNEL_WORDS) {
        const int32_t *ch1 = ch + TK_CONV_CHANNEL_WORDS;
        const int32_t *ch2 = ch + 2 * TK_CONV_CHANNEL_WORDS;
        const int32_t *ch3 = ch + 3 * TK_CONV_CHANNEL_WORDS;
        tk_conv_quad_acc acc = {ch[0], ch[0], ch1[0], ch1[0], ch2[0], ch2[0], ch3[0], ch3[0]};
        shallow_dot(w, pair, pairs, bounds, &acc);
        w += 16 * pairs;
        int32_t v0[2];
        int32_t v1[2];
        int32_t v2[2];
        int32_t v3[2];
        tk_conv_quad_outputs(acc.a00, acc.a01, ch, INT8_MIN, INT8_MAX, 1, 0, v0);
        tk_conv_quad_outputs(acc.a10, acc.a11, ch1, INT8_MIN, INT8_MAX, 1, 0, v1);
        tk_conv_quad_outputs(acc.a20, acc.a21, ch2, INT8_MIN, INT8_MAX, 1, 0, v2);
        tk_conv_quad_outputs(acc.a30, acc.a31, ch3, INT8_MIN, INT8_MAX, 1, 0, v3);
        tk_store_int8x4(v0[0], v1[0], v2[0], v3[0], out0 + oc);
        tk_store_int8x4(v0[1], v1[1], v2[1], v3[1], out1 + oc);
    }
}

/* The fused clamp [lo, hi] (inside int8) on `count` outputs shallow_block saturated to int8:
 * clamping the saturated value gives the clamp of the value itself. Rewrites only bytes
 * just written, so the overlap rule holds. */
static void clamp_outputs(int8_t *out, int32_t count, int32_t lo, int32_t hi)
{
    for (int32_t i = 0; i < count; ++i) {
        out[i] = (int8_t)tk_clamp(out[i], lo, hi);
    }
}

tk_status tk_conv_shallow_s8(const tk_context *ctx, const tk_conv_params *params,
                             const tk_dims *input_dims, const int8_t *input,
                             const tk_dims *filter_dims, const int8_t *filter,
                             const int32_t *channels,
                             const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_quads_geometry(params, input_dims, filter_dims, output_dims, &g) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    /* LDRD needs whole words: the build aligns the weights and the planner the scratch. */
    if (((uintptr_t)filter & 3u) != 0) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL || ((uintptr_t)ctx->buf & 3u) != 0 ||
        ctx->size < tk_conv_shallow_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t pairs = patch_pairs(filter_dims);
    uint8_t *pair = (uint8_t *)ctx->buf;
    int8_t *zero_row = (int8_t *)ctx->buf + 2 * pairs * (int32_t)sizeof(int32_t);
    int8_t *buffers = zero_row + row_buffer_bytes(filter_dims);
    memset(zero_row, -params->input_offset, (size_t)row_buffer_bytes(filter_dims));
    const int32_t pixels = g.out_h * g.out_w;
    const dot_bounds bounds = {pairs % 4, pair + 8 * pairs};
    const int full_range = params->activation.min == INT8_MIN && params->activation.max == INT8_MAX;

    for (int32_t b = 0; b < g.batches; ++b) {
        int32_t y = 0; /* the first pixel's row and column */
        int32_t x = 0;
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            /* An odd last pixel is computed as both pixels of a pair and stored once. */
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            const int32_t y1 = second == pixel || x + 1 < g.out_w ? y : y + 1;
            const int32_t x1 = second == pixel ? x : (x + 1 < g.out_w ? x + 1 : 0);
            gather_pair(params, &g, input, b, y, x, y1, x1, pair, buffers, zero_row);
            int8_t *out0 = output + (b * pixels + pixel) * g.out_c;
            int8_t *out1 = output + (b * pixels + second) * g.out_c;
            shallow_block(filter, channels, g.out_c, pairs, pair, &bounds, out0, out1);
            if (!full_range) { /* out1 follows out0, or is out0 for an odd last pixel */
                clamp_outputs(out0, (second - pixel + 1) * g.out_c, params->activation.min, params->activation.max);
            }
            /* Two pixels on: the second's successor. */
            y = x1 + 1 < g.out_w ? y1 : y1 + 1;
            x = x1 + 1 < g.out_w ? x1 + 1 : 0;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_conv_shallow_s8)
