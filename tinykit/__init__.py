"""tinykit: int8 neural networks compiled to C for Cortex-M microcontrollers."""

__version__ = "0.1.0"
