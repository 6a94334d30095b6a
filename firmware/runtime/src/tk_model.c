/* The model API (tinykit/model_api.h) over a generated model's data
 * (tinykit/model_data.h): the same code for every model, compiled without
 * link-time optimization like the kernels. */
#include "tinykit/model_api.h"
#include "tinykit/model_data.h"

#if defined(__arm__) && defined(__thumb2__)
/* tk_status tk_call_kernel(void *const *args, tk_kernel_fn kernel, int32_t count)
 * (tinykit/invoke.h): args[4..count-1] copied below the stack pointer, kept
 * 8-byte aligned as the AAPCS wants at a call, args[0..3] into r0-r3, then
 * the kernel (held in r5); r4 keeps the stack pointer to restore. In assembly because C
 * cannot call a function with a count of arguments known at run time. */
__asm__(
    ".pushsection .text.tk_call_kernel,\"ax\",%progbits\n"
    ".syntax unified\n"
    ".thumb\n"
    ".align 1\n"
    ".global tk_call_kernel\n"
    ".thumb_func\n"
    ".type tk_call_kernel, %function\n"
    "tk_call_kernel:\n"
    "    push {r4, r5, r6, lr}\n"
    "    mov r4, sp\n"
    "    mov r5, r1\n"
    "    subs r2, r2, #4\n"
    "    ble 2f\n"
    "    sub r6, sp, r2, lsl #2\n"
    "    bic r6, r6, #7\n"
    "    mov sp, r6\n"
    "    add r3, r0, #16\n"
    "1:  ldr r1, [r3], #4\n"
    "    str r1, [r6], #4\n"
    "    subs r2, r2, #1\n"
    "    bne 1b\n"
    "2:  ldm r0, {r0, r1, r2, r3}\n"
    "    blx r5\n"
    "    mov sp, r4\n"
    "    pop {r4, r5, r6, pc}\n"
    ".size tk_call_kernel, . - tk_call_kernel\n"
    ".popsection\n");
#endif

tk_status tk_nop_invoke(void *const *args)
{
    (void)args;
    return TK_OK;
}

/* An index in 0 .. count-1, in one unsigned comparison. */
static int in_range(int32_t index, int32_t count)
{
    return (uint32_t)index < (uint32_t)count;
}

#if defined(__GNUC__)
__attribute__((noinline)) /* called, not copied, by tk_model_invoke: fewer bytes */
#endif
tk_status tk_model_invoke_op(int32_t op_index)
{
    if (!in_range(op_index, tk_model.num_ops)) {
        return TK_ERROR_ARGUMENT;
    }
    return tk_model.ops[op_index].invoke(tk_model.ops[op_index].args);
}

tk_status tk_model_invoke(void)
{
    tk_status status = TK_OK;
    int32_t op;
    for (op = 0; status == TK_OK && op < tk_model.num_ops; ++op) {
        status = tk_model_invoke_op(op);
    }
    return status;
}

void *tk_model_input(int32_t index)
{
    return in_range(index, tk_model.num_inputs) ? tk_model.inputs[index] : NULL;
}

int32_t tk_model_input_bytes(int32_t index)
{
    return in_range(index, tk_model.num_inputs) ? tk_model.input_bytes[index] : 0;
}

void *tk_model_output(int32_t index)
{
    return in_range(index, tk_model.num_outputs) ? tk_model.outputs[index] : NULL;
}

int32_t tk_model_output_bytes(int32_t index)
{
    return in_range(index, tk_model.num_outputs) ? tk_model.output_bytes[index] : 0;
}

const tk_model_data *tk_model_description(void)
{
    return &tk_model;
}
