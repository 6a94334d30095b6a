/* Element-wise int8 kernels: ADD, LOGISTIC, QUANTIZE and DEQUANTIZE.
 *
 * Each output element depends only on the input element(s) at the same
 * position, and every kernel reads element i before it writes element i, so
 * the output may be the same buffer as an input of the same type ("in place").
 * Constants are computed at build time by tinykit/codegen/ops/elementwise.py
 * the way TF Lite Micro's Prepare computes them.
 */
#ifndef TINYKIT_ELEMENTWISE_H
#define TINYKIT_ELEMENTWISE_H

#include <stdint.h>

#include "tinykit/types.h"

/* ADD of two int8 tensors of one shape. Both inputs are shifted left by
 * left_shift (20) after removing their zero points, scaled to a common scale,
 * summed, then scaled to the output. */
typedef struct {
    int32_t input1_offset; /* minus the first input's zero point */
    int32_t input2_offset; /* minus the second input's zero point */
    int32_t output_offset; /* the output's zero point */
    int32_t left_shift;
    tk_activation activation;
} tk_add_params;

typedef struct {
    tk_per_tensor_quant input1; /* shift <= 0 */
    tk_per_tensor_quant input2; /* shift <= 0 */
    tk_per_tensor_quant output; /* shift <= 0 */
} tk_add_quant;

tk_status tk_add_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant, const tk_dims *input1_dims,
                    const int8_t *input1, const tk_dims *input2_dims, const int8_t *input2,
                    const tk_dims *output_dims, int8_t *output);

/* tk_add_s8's results on cores with the DSP extension (cortexm/): table1 and table2
 * hold tk_add_scaled_input of every int8 value of input 1 and 2, indexed by the
 * byte as unsigned (x & 0xff); quant->output, params->output_offset and
 * params->activation scale the sum. No scratch. */
tk_status tk_add_lut_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                        const int32_t *table1, const int32_t *table2,
                        const tk_dims *input1_dims, const int8_t *input1, const tk_dims *input2_dims, const int8_t *input2,
                        const tk_dims *output_dims, int8_t *output);

/* LOGISTIC: the input is rescaled to Q4.27 and fed to the fixed-point
 * logistic; the output has scale 1/256 and zero point -128. Inputs at least
 * input_range_radius away from the zero point saturate without computing. */
typedef struct {
    int32_t input_zero_point;
    int32_t input_range_radius;
} tk_logistic_params;

tk_status tk_logistic_s8(const tk_context *ctx, const tk_logistic_params *params, const tk_per_tensor_quant *quant,
                         const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                         int8_t *output);

/* Affine quantization parameters of a float <-> int8 conversion. */
typedef struct {
    float scale;
    int32_t zero_point;
} tk_affine_quant;

/* QUANTIZE float32 -> int8: zero_point + roundf(x / scale), clamped. */
tk_status tk_quantize_f32_s8(const tk_context *ctx, const tk_affine_quant *quant, const tk_dims *input_dims, const float *input,
                             const tk_dims *output_dims, int8_t *output);

/* QUANTIZE int8 -> int8 (a requantization between two scales). */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
} tk_requantize_params;

tk_status tk_quantize_s8(const tk_context *ctx, const tk_requantize_params *params, const tk_per_tensor_quant *quant,
                         const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                         int8_t *output);

/* DEQUANTIZE int8 -> float32: scale * (q - zero_point). */
tk_status tk_dequantize_s8(const tk_context *ctx, const tk_affine_quant *quant, const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *output_dims, float *output);

#endif /* TINYKIT_ELEMENTWISE_H */
