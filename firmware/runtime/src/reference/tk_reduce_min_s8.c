/* REDUCE_MIN int8: the smallest raw value of each output's elements, as TF
 * Lite Micro's ReduceGeneric with its int8 min reducer. */
#include "tinykit/reduce.h"
#include "tinykit/invoke.h"

tk_status tk_reduce_min_s8(const tk_context *ctx, const tk_reduction *shape, const int8_t *input, int8_t *output)
{
    (void)ctx;
    return tk_reduce_extreme_s8(shape, input, output, 0);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_4(tk_reduce_min_s8)
