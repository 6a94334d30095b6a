/* A patch's window copy (tinykit/patch.h); linked only into builds whose
 * patch stage has patches that are not whole rows (PatchStage.sources). */
#include "tinykit/patch.h"

void tk_copy_rows(int8_t *dst, int32_t dst_stride, const int8_t *src, int32_t src_stride, int32_t rows,
                  int32_t row_bytes)
{
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t i = 0; i < row_bytes; ++i) {
            dst[r * dst_stride + i] = src[r * src_stride + i];
        }
    }
}
