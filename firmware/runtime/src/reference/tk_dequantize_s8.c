/* DEQUANTIZE int8 -> float32 at a model's output.
 *
 * TF Lite Micro computes (float)(double scale * (q - zero_point)). The exact
 * product of a float32 scale (24-bit significand) and an integer of at most
 * 9 bits fits a double's 53 bits, so its only rounding is the final one to
 * float; a float32 multiplication rounds the same exact product once, to the
 * same value, and needs no double-precision arithmetic on an FPU-less MCU. */
#include "tinykit/elementwise.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_dequantize_s8(const tk_context *ctx, const tk_affine_quant *quant, const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *output_dims, float *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t count = tk_dims_count(output_dims);
    int32_t i;
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        output[i] = quant->scale * (float)((int32_t)input[i] - quant->zero_point);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_dequantize_s8)
