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

/* The adapter of ``kernel``, a kernel of N pointer arguments. */
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

#endif /* TINYKIT_INVOKE_H */
