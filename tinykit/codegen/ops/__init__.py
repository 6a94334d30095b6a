"""Per-op emitters; importing this package registers them all in ``EMITTERS``."""

from tinykit.codegen.ops import (  # noqa: F401
    activation, arithmetic, conv, elementwise, movement, pool, recurrent, reduce, shape, softmax, spatial,
)
