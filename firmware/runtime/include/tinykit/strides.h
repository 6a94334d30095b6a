/* Walking tensors of up to TK_MAX_RANK dimensions through strides.
 *
 * Broadcasting binary ops and reductions over arbitrary axes visit their
 * elements in an order the code generator describes with a shape and, per
 * operand, one stride per dimension (0 where an operand is broadcast). The
 * generator merges dimensions that walk alike, so most walks have rank 1 or 2
 * and the innermost loop is a plain run over contiguous bytes.
 */
#ifndef TINYKIT_STRIDES_H
#define TINYKIT_STRIDES_H

#include <stdint.h>

/* The largest rank tinykit's strided kernels take (TF Lite Micro's broadcasting
 * kernels take 6 dimensions, its reductions fewer). */
#define TK_MAX_RANK 6

/* Product of the first `rank` extents of `shape`. */
static inline int32_t tk_extent_product(int32_t rank, const int32_t *shape)
{
    int32_t product = 1;
    int32_t d;
    for (d = 0; d < rank; ++d) {
        product *= shape[d];
    }
    return product;
}

/* Advances the multi-index `index` over the first `rank` dimensions of
 * `shape` (the last one fastest) and moves *offset along `stride` to match. */
static inline void tk_stride_step(int32_t rank, const int32_t *shape, const int32_t *stride, int32_t *index,
                                  int32_t *offset)
{
    int32_t d;
    for (d = rank - 1; d >= 0; --d) {
        *offset += stride[d];
        if (++index[d] < shape[d]) {
            return;
        }
        *offset -= stride[d] * shape[d];
        index[d] = 0;
    }
}

/* True if rank is in 1..TK_MAX_RANK and every extent is at least 1. */
static inline int tk_valid_shape(int32_t rank, const int32_t *shape)
{
    int32_t d;
    if (rank < 1 || rank > TK_MAX_RANK) {
        return 0;
    }
    for (d = 0; d < rank; ++d) {
        if (shape[d] < 1) {
            return 0;
        }
    }
    return 1;
}

#endif /* TINYKIT_STRIDES_H */
