/* RESHAPE int8: a byte copy, skipped when the planner placed the output on the input. */
#include <string.h>

#include "tinykit/shape.h"
#include "tinykit/invoke.h"

tk_status tk_reshape_s8(const tk_context *ctx, const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                        int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t count = tk_dims_count(output_dims);
    if (tk_dims_count(input_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    if (output != input) {
        /* memmove, not memcpy: the planner may also overlap the two partially. */
        memmove(output, input, (size_t)count);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_5(tk_reshape_s8)
