/* How generated model code runs an op without code of its own.
 *
 * Every kernel source defines, next to its kernel, an adapter
 *   tk_status <kernel>_invoke(void *const *args)
 * that calls the kernel with args[0], args[1], ... (every kernel argument is
 * a pointer: the context, parameter structs, dims, tensors). The generated
 * model.c is then only data: per op a const table of argument pointers and a
 * tk_op_entry {adapter, arguments}. The adapter is compiled with its kernel
 * (without link-time optimization), so its bytes are the kernel source's and
 * no model constant ever becomes an instruction: the firmware's flash is the
 * model's data plus code that is the same for every model
 * (tinykit/latency/resources.py predicts it exactly). */
#ifndef TINYKIT_INVOKE_H
#define TINYKIT_INVOKE_H

#include "tinykit/types.h"

typedef tk_status (*tk_invoke_fn)(void *const *args);

/* One op of a generated model: the adapter of its kernel and its arguments. */
typedef struct {
    tk_invoke_fn invoke;
    void *const *args;
} tk_op_entry;

/* The adapter of ``kernel``, a kernel of N pointer arguments: TK_INVOKE_N(kernel). */
#if defined(__arm__) && defined(__thumb2__)
/* On Cortex-M every adapter is a tail call of tk_call_kernel (tk_model.c),
 * which passes args[0..count-1] to ``kernel`` as the AAPCS passes pointer
 * arguments (the first four in r0-r3, the rest on the stack; count is 4 or
 * more): the argument shuffle is in flash once, not once per kernel. */
typedef void (*tk_kernel_fn)(void); /* any kernel, called only through tk_call_kernel */
/* args first: an adapter passes its own argument on untouched. */
tk_status tk_call_kernel(void *const *args, tk_kernel_fn kernel, int32_t count);
#define TK_INVOKE_THROUGH_CALL(kernel, count) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) { return tk_call_kernel(args, (tk_kernel_fn)kernel, count); }
#define TK_INVOKE_4(kernel) TK_INVOKE_THROUGH_CALL(kernel, 4)
#define TK_INVOKE_5(kernel) TK_INVOKE_THROUGH_CALL(kernel, 5)
#define TK_INVOKE_6(kernel) TK_INVOKE_THROUGH_CALL(kernel, 6)
#define TK_INVOKE_7(kernel) TK_INVOKE_THROUGH_CALL(kernel, 7)
#define TK_INVOKE_8(kernel) TK_INVOKE_THROUGH_CALL(kernel, 8)
#define TK_INVOKE_9(kernel) TK_INVOKE_THROUGH_CALL(kernel, 9)
#define TK_INVOKE_10(kernel) TK_INVOKE_THROUGH_CALL(kernel, 10)
#define TK_INVOKE_11(kernel) TK_INVOKE_THROUGH_CALL(kernel, 11)
#else
/* Elsewhere (the host build) each adapter calls its kernel in C. */
#define TK_INVOKE_4(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) { return kernel(args[0], args[1], args[2], args[3]); }
#define TK_INVOKE_5(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) { return kernel(args[0], args[1], args[2], args[3], args[4]); }
#define TK_INVOKE_6(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5]); }
#define TK_INVOKE_7(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5], args[6]); }
#define TK_INVOKE_8(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]); }
#define TK_INVOKE_9(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8]); }
#define TK_INVOKE_10(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9]); }
#define TK_INVOKE_11(kernel) \
    tk_status kernel##_invoke(void *const *args); \
    tk_status kernel##_invoke(void *const *args) \
    { return kernel(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], \
                    args[10]); }

#endif

#endif /* TINYKIT_INVOKE_H */
