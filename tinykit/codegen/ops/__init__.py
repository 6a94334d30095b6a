"""Per-op emitters; importing this package registers them all in ``EMITTERS``."""

from tinykit.codegen.ops import activation, arithmetic, conv, elementwise, pool, reduce, shape, softmax  # noqa: F401
