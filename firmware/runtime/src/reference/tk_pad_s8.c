/* PAD / PADV2 int8: copies the input into the middle of an output filled with
 * the pad value, one channel row at a time. */
#include <string.h>

#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_pad_s8(const tk_context *ctx, const tk_pad_params *params, const tk_dims *input_dims, const int8_t *input,
                    const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const tk_dims *before = &params->before;
    const tk_dims *after = &params->after;
    const int8_t pad_value = (int8_t)params->pad_value;
    int32_t n;
    int32_t h;
    int32_t w;
    if (output_dims->n != before->n + input_dims->n + after->n ||
        output_dims->h != before->h + input_dims->h + after->h ||
        output_dims->w != before->w + input_dims->w + after->w ||
        output_dims->c != before->c + input_dims->c + after->c || before->n < 0 || before->h < 0 ||
        before->w < 0 || before->c < 0 || after->n < 0 || after->h < 0 || after->w < 0 || after->c < 0) {
        return TK_ERROR_ARGUMENT;
    }
    for (n = 0; n < output_dims->n; ++n) {
        const int32_t in_n = n - before->n;
        for (h = 0; h < output_dims->h; ++h) {
            const int32_t in_h = h - before->h;
            for (w = 0; w < output_dims->w; ++w) {
                const int32_t in_w = w - before->w;
                int8_t *row = output + (((size_t)n * (size_t)output_dims->h + (size_t)h) * (size_t)output_dims->w +
                                        (size_t)w) * (size_t)output_dims->c;
                if (in_n < 0 || in_n >= input_dims->n || in_h < 0 || in_h >= input_dims->h || in_w < 0 ||
                    in_w >= input_dims->w) {
                    memset(row, pad_value, (size_t)output_dims->c);
                } else {
                    const int8_t *source =
                        input + (((size_t)in_n * (size_t)input_dims->h + (size_t)in_h) * (size_t)input_dims->w +
                                 (size_t)in_w) * (size_t)input_dims->c;
                    memset(row, pad_value, (size_t)before->c);
                    memcpy(row + before->c, source, (size_t)input_dims->c);
                    memset(row + before->c + input_dims->c, pad_value, (size_t)after->c);
                }
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_pad_s8)
