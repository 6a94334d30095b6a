"""Per-op emitters; importing this package registers them all in ``EMITTERS``."""

from tinykit.codegen.ops import conv, elementwise, movement, pool, shape, softmax  # noqa: F401
