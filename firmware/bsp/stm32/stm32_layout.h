/* Register structs are checked against the reference manuals' offsets at
 * build time, so a missing or extra reserved word cannot shift every
 * register after it unnoticed. */
#ifndef TK_STM32_LAYOUT_H
#define TK_STM32_LAYOUT_H

#include <stddef.h>

/* C99 has no static_assert: a negative array size stops the build instead. */
#define TK_STM32_CHECK_OFFSET(type, member, offset) \
    typedef char type##_##member##_at_##offset[(offsetof(type, member) == (offset)) ? 1 : -1]

#endif /* TK_STM32_LAYOUT_H */
