/* Shared types of the tinykit int8 kernel runtime.
 *
 * Every kernel takes its arguments in one order:
 *   (ctx, op params, quant params, input dims, input, filter dims, filter,
 *    bias dims, bias, output dims, output)
 * leaving out what it does not use, and returns a tk_status. ctx is always
 * there: it carries the op's scratch area, which the planner placed in the
 * arena (buf NULL and size 0 when the op's kernel needs none). A kernel that
 * needs scratch has a twin
 *   int32_t <kernel>_get_buffer_size(op params, input dims, filter dims, output dims)
 * (the same leading arguments, without ctx, quant and data, leaving out what
 * it does not use) returning the bytes it needs; it returns TK_ERROR_SCRATCH
 * when ctx is smaller. tinykit.schedule holds the Python twin of each size,
 * and tests/test_scratch_sizes.py holds the two equal.
 */
#ifndef TINYKIT_TYPES_H
#define TINYKIT_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TK_OK = 0,
    TK_ERROR_ARGUMENT = 1,  /* a size or parameter the kernel cannot handle */
    TK_ERROR_SCRATCH = 2    /* the scratch buffer given is missing or too small */
} tk_status;

/* Tensor shape in NHWC order; lower-rank tensors pad with leading 1s
 * (a [batch, features] tensor is n = batch, h = w = 1, c = features). */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} tk_dims;

/* Scratch memory handed to a kernel (a slice of the arena planned at build
 * time, live only while the kernel runs). */
typedef struct {
    void *buf;
    int32_t size;
} tk_context;

/* Per-channel requantization: output channel i is scaled by
 * multiplier[i] * 2^shift[i] (Q31 multiplier, shift > 0 is a left shift). */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
} tk_per_channel_quant;

/* Per-tensor requantization, same convention. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
} tk_per_tensor_quant;

/* Clamp range of a fused activation, in the output's quantized domain. */
typedef struct {
    int32_t min;
    int32_t max;
} tk_activation;

#endif /* TINYKIT_TYPES_H */
