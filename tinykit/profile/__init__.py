"""Profiling a board over its serial console: the protocol codec and the client."""

from tinykit.profile.client import DeviceClient, DeviceError
from tinykit.profile.protocol import CycleStats, DeviceInfo, InferResult, LayerCycles, MemoryReport

__all__ = ["DeviceClient", "DeviceError", "CycleStats", "DeviceInfo", "InferResult", "LayerCycles", "MemoryReport"]
