/* RESIZE_BILINEAR int8: TF Lite Micro's ResizeBilinearInteger. Positions are
 * fixed point with 10 fraction bits; the four neighbours' weights multiply to
 * 20 fraction bits, and the sum is rounded half away from zero (a division
 * that truncates toward zero after adding +-2^19). Raw int8 values are
 * interpolated: input and output share one quantization. */
#include "tinykit/spatial.h"
#include "tinykit/invoke.h"

/* Position of output index `value` in input units of 1/1024, and the two
 * input indices around it (clamped to the input), as TF Lite Micro computes
 * them; C division truncates toward zero as C++'s does. */
static void interpolation_points(int32_t value, int32_t scale, int32_t half_pixel_centers, int32_t input_size,
                                 int32_t *scaled, int32_t *lower, int32_t *upper)
{
    *scaled = half_pixel_centers ? value * scale + scale / 2 - (1 << 9) : value * scale;
    *lower = *scaled / (1 << 10) > 0 ? *scaled / (1 << 10) : 0;
    const int32_t up = (*scaled + (1 << 10) - 1) / (1 << 10);
    *upper = up < input_size - 1 ? up : input_size - 1;
}

tk_status tk_resize_bilinear_s8(const tk_context *ctx, const tk_resize_bilinear_params *params,
                                const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                                int8_t *output)
{
    const int32_t depth = output_dims->c;
    (void)ctx;
    if (input_dims->n != output_dims->n || input_dims->c != depth || input_dims->h < 1 || input_dims->w < 1) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        const int8_t *image = input + (size_t)b * (size_t)input_dims->h * (size_t)input_dims->w * (size_t)depth;
        for (int32_t y = 0; y < output_dims->h; ++y) {
            int32_t in_y;
            int32_t y0;
            int32_t y1;
            interpolation_points(y, params->height_scale, params->half_pixel_centers, input_dims->h, &in_y, &y0, &y1);
            const int64_t dy = in_y - (1 << 10) * y0; /* weight of row y1; row y0 gets 1024 - dy */
            for (int32_t x = 0; x < output_dims->w; ++x) {
                int32_t in_x;
                int32_t x0;
                int32_t x1;
                interpolation_points(x, params->width_scale, params->half_pixel_centers, input_dims->w, &in_x, &x0, &x1);
                const int64_t dx = in_x - (1 << 10) * x0;
                const int8_t *p00 = image + ((size_t)y0 * (size_t)input_dims->w + (size_t)x0) * (size_t)depth;
                const int8_t *p10 = image + ((size_t)y1 * (size_t)input_dims->w + (size_t)x0) * (size_t)depth;
                const int8_t *p01 = image + ((size_t)y0 * (size_t)input_dims->w + (size_t)x1) * (size_t)depth;
                const int8_t *p11 = image + ((size_t)y1 * (size_t)input_dims->w + (size_t)x1) * (size_t)depth;
                for (int32_t c = 0; c < depth; ++c) {
                    const int64_t sum = (int64_t)p00[c] * ((1 << 10) - dy) * ((1 << 10) - dx) +
                                        (int64_t)p10[c] * dy * ((1 << 10) - dx) +
                                        (int64_t)p01[c] * ((1 << 10) - dy) * dx + (int64_t)p11[c] * dy * dx;
                    const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
                    *output++ = (int8_t)((sum + round) / (1 << 20));
                }
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_resize_bilinear_s8)
