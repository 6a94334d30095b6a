/* Patch-based execution (tinykit/schedule/patches.py): the runtime side of a
 * patch stage. The stage's function itself is generated into model.c, since
 * its body is the model (each op's kernel call on each patch's shapes); what
 * is the same for every model lives here. */
#ifndef TINYKIT_PATCH_H
#define TINYKIT_PATCH_H

#include <stdint.h>

/* Copies `rows` rows of `row_bytes` bytes, `src_stride` bytes apart in src,
 * to `dst_stride` bytes apart in dst: a patch's window in or out of a full
 * NHWC tensor, since the kernels take dense tensors. The two never overlap
 * (the planner keeps a window buffer apart from the tensor it copies). */
void tk_copy_rows(int8_t *dst, int32_t dst_stride, const int8_t *src, int32_t src_stride, int32_t rows,
                  int32_t row_bytes);

#endif /* TINYKIT_PATCH_H */
