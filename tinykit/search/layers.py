"""An architecture as one sequence of layers: the single reading of the space
that the candidate graph, the Keras model and the super-network all follow.

Each layer reads the previous layer's output. A convolution or depthwise
convolution stands for convolution (no bias), batch norm and activation, as
the Keras model builds it and as the TFLite converter fuses it into one op.
An ``add`` layer adds the output of the layer named in ``skip`` (the block's
input) to the previous output. Layer names are stable across the members of
a space (stage and block index, not position), so a sub-network's layer finds
its weights in the super-network under the same name.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykit.search.space import Architecture

INPUT = "input"  # the name ``skip`` gives the network's input


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str  # "conv", "depthwise", "add", "mean", "average_pool", "classifier"
    in_channels: int
    out_channels: int
    kernel: tuple[int, int] = (1, 1)  # for "average_pool": the window
    stride: int = 1
    activation: str = "none"  # "relu", "relu6" or "none" (linear projection)
    skip: str | None = None  # for "add": the layer whose output is added


def layers(arch: Architecture, num_classes: int) -> tuple[Layer, ...]:
    """The layers of ``arch`` with a ``num_classes``-way softmax classifier."""
    activation = "relu" if arch.family == "dscnn" else "relu6"
    channels = arch.channels(arch.stem.width)
    out: list[Layer] = [Layer("stem", "conv", 1, channels, arch.stem.kernel, arch.stem.stride, activation)]
    for stage_index, stage in enumerate(arch.stages):
        width = arch.channels(stage.width)
        for block in range(stage.depth):
            name = f"s{stage_index}b{block}"
            stride = stage.stride if block == 0 else 1
            block_input = out[-1].name
            kernel = (stage.kernel, stage.kernel)
            if arch.family == "dscnn":
                out.append(Layer(f"{name}_dw", "depthwise", channels, channels, kernel, stride, activation))
                out.append(Layer(f"{name}_pw", "conv", channels, width, (1, 1), 1, activation))
            else:
                hidden = channels * stage.expand
                if stage.expand > 1:
                    out.append(Layer(f"{name}_expand", "conv", channels, hidden, (1, 1), 1, activation))
                out.append(Layer(f"{name}_dw", "depthwise", hidden, hidden, kernel, stride, activation))
                out.append(Layer(f"{name}_project", "conv", hidden, width, (1, 1), 1, "none"))
                if stride == 1 and channels == width:
                    out.append(Layer(f"{name}_add", "add", width, width, skip=block_input))
            channels = width
    if arch.pool == "mlperf":
        # tinykit/kws/model.py's window: half the input in each direction.
        window = (arch.resolution[0] // 2, arch.resolution[1] // 2)
        out.append(Layer("pool", "average_pool", channels, channels, window, 1))
    else:
        out.append(Layer("pool", "mean", channels, channels))
    out.append(Layer("classifier", "classifier", channels, num_classes))
    return tuple(out)
