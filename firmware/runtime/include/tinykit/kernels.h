/* All tinykit int8 kernels: what generated model code includes. */
#ifndef TINYKIT_KERNELS_H
#define TINYKIT_KERNELS_H

#include "tinykit/types.h"
#include "tinykit/conv.h"
#include "tinykit/pool.h"
#include "tinykit/elementwise.h"
#include "tinykit/shape.h"
#include "tinykit/movement.h"
#include "tinykit/softmax.h"
#include "tinykit/arithmetic.h"
#include "tinykit/activation.h"
#include "tinykit/reduce.h"
#include "tinykit/spatial.h"
#include "tinykit/recurrent.h"

#endif /* TINYKIT_KERNELS_H */
