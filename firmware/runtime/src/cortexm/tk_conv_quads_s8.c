/* CONV_2D for cores with the DSP extension, one group, output channels a
 * multiple of 4 and every channel's requantization shifting right (the
 * build's choice, tinykit/schedule/kernels/conv.py): the results of
 * reference/tk_conv_s8.c.
 *
 * Two output pixels at a time, the input patches (filter_h * filter_w *
 * in_c taps in the filter's order, padded with zero taps to a multiple of 4)
 * are gathered (im2col) into the interleaved pair layout of
 * tinykit/conv_quads.h, as the int8 columns of a plain im2col would take it.
 * With in_c a multiple of 4, every input word is four taps of one group and
 * goes in whole, interleaved with the other pixel's word of the same taps; a
 * 1x1 filter's pixel, or a window row inside the image, is one run of words.
 * Otherwise (first layers with one or three channels) tap by tap, both
 * pixels' bytes of a tap together (tap t of pixel j to byte
 * 8 (t / 4) + {0, 4, 2, 6}[t % 4] + j). Either way the scratch is the pair alone, 2 * taps bytes. The
 * padding is the input zero point. The pair then goes through
 * tk_conv_quads_two_pixels: four output channels by two pixels per step, from the "quads" weight layout (rows padded the same way)
 * and the channel records the build prepared. The bias there has the input
 * offset folded in; a padding tap holds the zero point, -input_offset, so it
 * adds filter * (zero point + input_offset) = 0, as the reference skips it.
 */
#include <string.h>

#include "tinykit/conv_geometry.h"
#include "tinykit/conv_quads.h"
#include "tinykit/invoke.h"

/* Taps of one column: the patch rounded up to whole words. */
static int32_t column_taps(const tk_dims *filter_dims)
{
    return (filter_dims->h * filter_dims->w * filter_dims->c + 3) & ~3;
}

int32_t tk_conv_quads_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                         const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)output_dims;
    return 2 * column_taps(filter_dims);
}

/* The address of input pixel (in_y, in_x) of batch b: its in_c taps. */
static inline const int8_t *pixel_at(const tk_conv_geometry *g, const int8_t *input, int32_t b, int32_t in_y,
                                     int32_t in_x)
{
    return input + ((b * g->in_h + in_y) * g->in_w + in_x) * g->in_c;
}

/* The in_c taps of filter position (in_y, in_x) from the input (batch b), or the zero point
 * outside the image: the address of the input pixel, or NULL. */
static inline const int8_t *tap_source(const tk_conv_geometry *g, const int8_t *input, int32_t b, int32_t in_y,
                                       int32_t in_x)
{
    return in_y >= 0 && in_y < g->in_h && in_x >= 0 && in_x < g->in_w ? pixel_at(g, input, b, in_y, in_x) : NULL;
}

/* Pixel 0's word w0 and pixel 1's word w1 of the same four taps into the pair's group of two
 * words: w0's bytes to the even bytes, w1's to the odd ones (with the DSP extension six
 * instructions; GCC 12 takes eight from the C form). */
static inline void interleave_word(uint32_t w0, uint32_t w1, int8_t *group)
{
#if defined(__ARM_FEATURE_DSP)
    uint32_t lo;
    uint32_t hi;
    __asm__("uxtb16 %[lo], %[w0]\n\t"
            "uxtb16 %[hi], %[w1]\n\t"
            "orr %[lo], %[lo], %[hi], lsl #8\n\t"
            "uxtb16 %[hi], %[w0], ror #8\n\t"
            "bic %[w1], %[w1], #0x00ff00ff\n\t"
            "orr %[hi], %[hi], %[w1]"
            : [lo] "=&r"(lo), [hi] "=&r"(hi), [w1] "+r"(w1)
            : [w0] "r"(w0));
#else
    const uint32_t even = 0x00ff00ffu;
    const uint32_t lo = (w0 & even) | ((w1 & even) << 8);
    const uint32_t hi = ((w0 >> 8) & even) | (w1 & ~even);
#endif
    memcpy(group, &lo, sizeof lo);
    memcpy(group + 4, &hi, sizeof hi);
}

/* `words` input words of both pixels interleaved into the pair from `group` on: pixel 0's
 * from s0, pixel 1's from s1, each advancing by its step (4, or 0 to read one padding word
 * again); returns the group after them. Inlined with both steps 4 (runs inside the image),
 * the loads post-increment. */
static inline int8_t *interleave_run(const int8_t *s0, int32_t step0, const int8_t *s1, int32_t step1,
                                     int32_t words, int8_t *group)
{
    for (const int8_t *end = group + 8 * words; group != end; s0 += step0, s1 += step1, group += 8) {
        interleave_word((uint32_t)tk_load_word(s0), (uint32_t)tk_load_word(s1), group);
    }
    return group;
}

/* im2col of output pixels `first` and `second` (batch b), in_c a multiple of 4: every input word
 * is four taps of one pixel, interleaved with the other pixel's word of the same taps. A 1x1
 * filter without padding reads one run of in_c / 4 words per pixel; where both pixels' window
 * rows lie inside the image, a row is one run of filter_w * in_c / 4 words; elsewhere (the
 * image's edges) a run per filter column, of padding words where it falls outside. */
static void im2col_words(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input, int32_t b,
                         int32_t first, int32_t second, int8_t *pair)
{
    const int32_t words = g->in_c / 4;
    if (g->filter_h == 1 && g->filter_w == 1 && params->pad_h == 0 && params->pad_w == 0) {
        interleave_run(tk_conv_1x1_input_pixel(input, g, params->stride_h, params->stride_w, b, first), 4,
                       tk_conv_1x1_input_pixel(input, g, params->stride_h, params->stride_w, b, second), 4, words,
                       pair);
        return;
    }
    const uint32_t padding = 0x01010101u * (uint8_t)-params->input_offset; /* four input zero points */
    const int32_t y0 = (first / g->out_w) * params->stride_h - params->pad_h;
    const int32_t x0 = (first % g->out_w) * params->stride_w - params->pad_w;
    const int32_t y1 = (second / g->out_w) * params->stride_h - params->pad_h;
    const int32_t x1 = (second % g->out_w) * params->stride_w - params->pad_w;
    const int rows_inside = params->dilation_w == 1 && x0 >= 0 && x0 + g->filter_w <= g->in_w && x1 >= 0 &&
                            x1 + g->filter_w <= g->in_w;
    int8_t *group = pair;
    for (int32_t ky = 0; ky < g->filter_h; ++ky) {
        const int32_t in_y0 = y0 + params->dilation_h * ky;
        const int32_t in_y1 = y1 + params->dilation_h * ky;
        if (rows_inside && in_y0 >= 0 && in_y0 < g->in_h && in_y1 >= 0 && in_y1 < g->in_h) {
            group = interleave_run(pixel_at(g, input, b, in_y0, x0), 4, pixel_at(g, input, b, in_y1, x1), 4,
                                   g->filter_w * words, group);
            continue;
        }
        for (int32_t kx = 0; kx < g->filter_w; ++kx) {
            const int8_t *s0 = tap_source(g, input, b, in_y0, x0 + params->dilation_w * kx);
            const int8_t *s1 = tap_source(g, input, b, in_y1, x1 + params->dilation_w * kx);
            /* Step 0: the padding word again. */
            group = interleave_run(s0 != NULL ? s0 : (const int8_t *)&padding, s0 != NULL ? 4 : 0,
                                   s1 != NULL ? s1 : (const int8_t *)&padding, s1 != NULL ? 4 : 0, words, group);
        }
    }
}

/* Where the first pixel's tap t goes in the pair (the second pixel's is the next byte). */
static inline int32_t pair_offset(int32_t t)
{
    return 2 * (t & ~3) + ((t & 1) << 2) + (t & 2);
}

/* im2col of output pixels `first` and `second` (batch b), in_c not a multiple of 4, into
 * `pair` tap by tap: both pixels' bytes of a tap at once, then zero taps up to `depth` (they
 * meet zero weights; any value would do, zeros keep the scratch defined). */
static void im2col_taps(const tk_conv_params *params, const tk_conv_geometry *g, const int8_t *input, int32_t b,
                        int32_t first, int32_t second, int32_t depth, int8_t *pair)
{
    const int32_t y0 = (first / g->out_w) * params->stride_h - params->pad_h;
    const int32_t x0 = (first % g->out_w) * params->stride_w - params->pad_w;
    const int32_t y1 = (second / g->out_w) * params->stride_h - params->pad_h;
    const int32_t x1 = (second % g->out_w) * params->stride_w - params->pad_w;
    const int8_t zero_point = (int8_t)-params->input_offset; /* an int8 value: the input's zero point */
    const int32_t row_taps = g->filter_w * g->in_c;
    const int rows_inside = params->dilation_w == 1 && x0 >= 0 && x0 + g->filter_w <= g->in_w && x1 >= 0 &&
                            x1 + g->filter_w <= g->in_w;
    int32_t t = 0;
    for (int32_t ky = 0; ky < g->filter_h; ++ky) {
        const int8_t *r0 = tap_source(g, input, b, y0 + params->dilation_h * ky, x0);
        const int8_t *r1 = tap_source(g, input, b, y1 + params->dilation_h * ky, x1);
        if (rows_inside && r0 != NULL && r1 != NULL) { /* both window rows inside: contiguous bytes */
            for (int32_t i = 0; i < row_taps; ++i, ++t) {
                int8_t *at = pair + pair_offset(t);
                at[0] = r0[i];
                at[1] = r1[i];
            }
            continue;
        }
        for (int32_t kx = 0; kx < g->filter_w; ++kx) {
            const int8_t *s0 = tap_source(g, input, b, y0 + params->dilation_h * ky, x0 + params->dilation_w * kx);
            const int8_t *s1 = tap_source(g, input, b, y1 + params->dilation_h * ky, x1 + params->dilation_w * kx);
            for (int32_t c = 0; c < g->in_c; ++c, ++t) {
                int8_t *at = pair + pair_offset(t);
                at[0] = s0 != NULL ? s0[c] : zero_point;
                at[1] = s1 != NULL ? s1[c] : zero_point;
            }
        }
    }
    for (; t < depth; ++t) {
        int8_t *at = pair + pair_offset(t);
        at[0] = at[1] = 0;
    }
}

tk_status tk_conv_quads_s8(const tk_context *ctx, const tk_conv_params *params,
                           const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *filter_dims, const int8_t *filter,
                           const int32_t *channels,
                           const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    if (tk_conv_quads_geometry(params, input_dims, filter_dims, output_dims, &g) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_conv_quads_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    const int32_t depth = column_taps(filter_dims);
    int8_t *pair = (int8_t *)ctx->buf;
    const int32_t pixels = g.out_h * g.out_w;

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            /* An odd last pixel is computed as both pixels of a pair and stored once. */
            const int32_t second = pixel + 1 < pixels ? pixel + 1 : pixel;
            if (g.in_c % 4 == 0) {
                im2col_words(params, &g, input, b, pixel, second, pair);
            } else {
                im2col_taps(params, &g, input, b, pixel, second, depth, pair);
            }
            tk_conv_quads_two_pixels(filter, channels, g.out_c, depth, pair, 0, params->activation,
                                     output + (b * pixels + pixel) * g.out_c, output + (b * pixels + second) * g.out_c);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_conv_quads_s8)
