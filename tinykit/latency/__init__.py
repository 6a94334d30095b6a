"""Cost of a graph on a board before any firmware is built: exact memory
(``resources``: arena, weights, flash, SRAM) and a latency model fitted from
per-layer profiles (``model``, fitted by ``calibrate``, used by ``estimate``)."""
