/* Activation int8 kernels: RELU, RELU6, LEAKY_RELU, PRELU, HARD_SWISH and TANH.
 *
 * Each follows TF Lite Micro's reference int8 kernel; constants are computed
 * at build time by tinykit/codegen/ops/activation.py the way TF Lite Micro's
 * Prepare computes them. The unary ones read element i before writing element
 * i, so their output may be their input's buffer (in place).
 */
#ifndef TINYKIT_ACTIVATION_H
#define TINYKIT_ACTIVATION_H

#include <stdint.h>

#include "tinykit/broadcast.h"
#include "tinykit/elementwise.h"
#include "tinykit/types.h"

/* RELU: the centred input requantized to the output, then clamped at the
 * output's quantized zero (and 127). */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    tk_activation clamp;
} tk_relu_params;

tk_status tk_relu_s8(const tk_context *ctx, const tk_relu_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims, int8_t *output);

/* RELU6: TF Lite Micro clamps the raw input between the input's quantized 0
 * and 6 and does not requantize (the generator requires one quantization). */
tk_status tk_relu6_s8(const tk_context *ctx, const tk_activation *clamp, const tk_dims *input_dims,
                      const int8_t *input, const tk_dims *output_dims, int8_t *output);

/* The two slopes of a leaky or parametric ReLU: the identity for inputs at or
 * above the zero point, alpha below it (per-tensor, shift of either sign). */
typedef struct {
    tk_per_tensor_quant identity;
    tk_per_tensor_quant alpha;
} tk_two_slope_quant;

/* LEAKY_RELU. A negative alpha is applied as TF Lite Micro applies it: the
 * centred input is scaled by |alpha|'s multiplier and the result negated. */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t negative_alpha; /* 1 if alpha < 0 (quant->alpha then holds |alpha|'s multiplier) */
} tk_leaky_relu_params;

tk_status tk_leaky_relu_s8(const tk_context *ctx, const tk_leaky_relu_params *params,
                           const tk_two_slope_quant *quant, const tk_dims *input_dims, const int8_t *input,
                           const tk_dims *output_dims, int8_t *output);

/* PRELU: alpha is a tensor broadcast against the input (input1 of the
 * broadcast is the input, input2 alpha); below zero the product
 * (input - zp) * (alpha - alpha zp) is requantized by quant->alpha. */
typedef struct {
    int32_t input_offset;  /* minus the input zero point */
    int32_t alpha_offset;  /* minus alpha's zero point */
    int32_t output_offset; /* the output zero point */
} tk_prelu_params;

tk_status tk_prelu_s8(const tk_context *ctx, const tk_prelu_params *params, const tk_two_slope_quant *quant,
                      const tk_broadcast *shape, const int8_t *input, const int8_t *alpha, int8_t *output);

/* HARD_SWISH: x * relu6(x + 3) / 6 in TF Lite Micro's int16 fixed point.
 * The multipliers are Q15 (int16 range, stored in int32); output_shift <= 0. */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t output_multiplier;  /* Q15 */
    int32_t output_shift;       /* <= 0 */
    int32_t reluish_multiplier; /* Q15 */
    int32_t reluish_shift;
} tk_hard_swish_params;

tk_status tk_hard_swish_s8(const tk_context *ctx, const tk_hard_swish_params *params, const tk_dims *input_dims,
                           const int8_t *input, const tk_dims *output_dims, int8_t *output);

/* TANH: the input stage of LOGISTIC (rescaled to Q4.27, saturating outside
 * the range radius), gemmlowp's fixed-point tanh, output scale 1/128 and zero
 * point 0. */
tk_status tk_tanh_s8(const tk_context *ctx, const tk_logistic_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims, int8_t *output);

#endif /* TINYKIT_ACTIVATION_H */
