"""Per-op emitters; importing this package registers them all in ``EMITTERS``."""

from tinykit.codegen.ops import conv, elementwise, pool, shape, softmax  # noqa: F401
