"""The search space: architectures as frozen values, and the sets they are drawn from.

An ``Architecture`` is everything needed to build one network: its family
(DS-CNN or MobileNetV2-style inverted residuals), input resolution (for
keyword spotting: feature frames x MFCC coefficients), a global width
multiplier, a stem convolution, stages of blocks and the classifier's pool.
It carries no weights and no TensorFlow: ``tinykit.search.candidate`` turns
it into an IR graph, ``tinykit.search.keras_model`` into a Keras model.

A ``SearchSpace`` gives the choices per stage (kernel sizes 3/5/7,
expansion ratios, depths, widths) and per network (width multipliers,
resolutions). Sampling, mutation and crossover take a seeded
``numpy.random.Generator``, so a search is reproducible from its seed.

The design follows the facts of MCUNet's TinyNAS and Once-for-All: a space is
first narrowed to one (width multiplier, resolution) pair, and sub-networks
differ per stage in kernel size, expansion, depth and width; nothing of
their code is used.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from tinykit.errors import TinykitError

FAMILIES = ("dscnn", "mbv2")
# "mean": global average pooling (a MEAN op); "mlperf": the keyword-spotting
# reference's AveragePooling2D over half the input in each direction, which
# leaves one pixel of a stride-2 stem's output (tinykit/kws/model.py).
POOLS = ("mean", "mlperf")
KERNEL_SIZES = (3, 5, 7)
# Channels are rounded to a multiple of this: vendors' int8 kernels are much
# faster when channel counts are multiples of 4, so the search never proposes others.
CHANNEL_QUANTUM = 4
TASKS = ("kws",)


def scaled_channels(width: int, multiplier: float) -> int:
    """Channels of a layer of nominal ``width`` under the global width multiplier."""
    return max(CHANNEL_QUANTUM, int(round(width * multiplier / CHANNEL_QUANTUM)) * CHANNEL_QUANTUM)


@dataclass(frozen=True)
class Stem:
    """The first convolution: output channels (before the width multiplier), kernel (h, w), stride."""

    width: int
    kernel: tuple[int, int]
    stride: int


@dataclass(frozen=True)
class Stage:
    """A run of ``depth`` blocks of ``width`` output channels; the first block has ``stride``.

    A DS-CNN block is a depthwise ``kernel`` x ``kernel`` convolution and a
    1x1 convolution, each with batch norm and ReLU (``expand`` is 1). A
    MobileNetV2 block expands to ``expand`` times its input channels with a
    1x1 convolution (none when ``expand`` is 1), filters depthwise, projects
    linearly to ``width`` and adds its input when the shapes allow (stride 1,
    same channels)."""

    kernel: int
    expand: int
    depth: int
    width: int
    stride: int


@dataclass(frozen=True)
class Architecture:
    family: str
    resolution: tuple[int, int]
    width_mult: float
    stem: Stem
    stages: tuple[Stage, ...]
    pool: str = "mean"

    def channels(self, width: int) -> int:
        return scaled_channels(width, self.width_mult)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (*self.resolution, 1)

    def blocks(self) -> list[tuple[int, Stage, int]]:
        """(stage index, stage, stride) for every block in order: the first block of a stage carries its stride."""
        return [(i, stage, stage.stride if b == 0 else 1)
                for i, stage in enumerate(self.stages) for b in range(stage.depth)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any) -> Architecture:
        """The architecture ``to_dict`` wrote; TinykitError naming the field at fault otherwise."""
        if not isinstance(data, dict):
            raise _bad("the architecture", "a JSON object", data)
        _require_keys(data, ("family", "resolution", "width_mult", "stem", "stages", "pool"), "the architecture")
        stem = data["stem"]
        if not isinstance(stem, dict):
            raise _bad("stem", "an object", stem)
        _require_keys(stem, ("width", "kernel", "stride"), "stem")
        stages = data["stages"]
        if not isinstance(stages, list) or not stages:
            raise _bad("stages", "a non-empty list", stages)
        for i, stage in enumerate(stages):
            if not isinstance(stage, dict):
                raise _bad(f"stages[{i}]", "an object", stage)
            _require_keys(stage, ("kernel", "expand", "depth", "width", "stride"), f"stages[{i}]")
        arch = cls(
            family=data["family"],
            resolution=_int_pair(data["resolution"], "resolution"),
            width_mult=_number(data["width_mult"], "width_mult"),
            stem=Stem(_int(stem["width"], "stem.width"), _int_pair(stem["kernel"], "stem.kernel"),
                      _int(stem["stride"], "stem.stride")),
            stages=tuple(Stage(*(_int(s[k], f"stages[{i}].{k}") for k in ("kernel", "expand", "depth", "width", "stride")))
                         for i, s in enumerate(stages)),
            pool=data["pool"],
        )
        validate(arch)
        return arch

    @classmethod
    def from_json(cls, text: str) -> Architecture:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise TinykitError(f"the architecture is not valid JSON ({error}); write it as `Architecture.to_json` does.") from None
        return cls.from_dict(data)


def _bad(field: str, wanted: str, got: Any) -> TinykitError:
    return TinykitError(f"architecture field {field} is {got!r}; it must be {wanted}.")


def _require_keys(data: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in data]
    extra = sorted(set(data) - set(keys))
    if missing or extra:
        raise TinykitError(
            f"{where} has {'missing fields ' + ', '.join(missing) if missing else ''}"
            f"{'; ' if missing and extra else ''}{'unknown fields ' + ', '.join(extra) if extra else ''}; "
            f"it takes exactly {', '.join(keys)}.")


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(field, "an integer", value)
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(field, "a number", value)
    return float(value)


def _int_pair(value: Any, field: str) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _bad(field, "a pair of integers", value)
    return _int(value[0], field), _int(value[1], field)


def validate(arch: Architecture) -> None:
    """Refuse an architecture no network can be built from, naming the field."""
    if arch.family not in FAMILIES:
        raise _bad("family", f"one of {', '.join(FAMILIES)}", arch.family)
    if arch.pool not in POOLS:
        raise _bad("pool", f"one of {', '.join(POOLS)}", arch.pool)
    if min(arch.resolution) < 1:
        raise _bad("resolution", "positive (frames, coefficients)", arch.resolution)
    if not arch.width_mult > 0:
        raise _bad("width_mult", "positive", arch.width_mult)
    if min(arch.stem.kernel) < 1 or arch.stem.stride < 1 or arch.stem.width < 1:
        raise _bad("stem", "positive width, kernel and stride", arch.stem)
    for i, stage in enumerate(arch.stages):
        if stage.kernel not in KERNEL_SIZES:
            raise _bad(f"stages[{i}].kernel", f"one of {KERNEL_SIZES}", stage.kernel)
        if stage.depth < 1 or stage.width < 1 or stage.stride not in (1, 2) or stage.expand < 1:
            raise _bad(f"stages[{i}]", "depth, width and expand of at least 1 and stride 1 or 2", stage)
        if arch.family == "dscnn" and stage.expand != 1:
            raise _bad(f"stages[{i}].expand", "1 in a DS-CNN (its blocks do not expand)", stage.expand)
    if arch.pool == "mlperf" and min(arch.resolution) < 2:
        raise _bad("resolution", "at least 2x2 with pool 'mlperf' (its window is half the input)", arch.resolution)
    if arch.pool == "mlperf" and (arch.stem.stride != 2 or any(s.stride != 1 for s in arch.stages)):
        raise TinykitError(
            "architecture pool 'mlperf' pools half the input in each direction, which covers the feature map "
            "only after a stride-2 stem and stride-1 stages; use pool 'mean' for other strides.")


# ---------------------------------------------------------------------------
# Spaces
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpace:
    """The choices of one stage; its stride is fixed (strides shape the space, they are not searched)."""

    kernels: tuple[int, ...]
    expands: tuple[int, ...]
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    stride: int

    def sample(self, rng: np.random.Generator) -> Stage:
        return Stage(_pick(rng, self.kernels), _pick(rng, self.expands), _pick(rng, self.depths),
                     _pick(rng, self.widths), self.stride)


def _pick(rng: np.random.Generator, options: tuple) -> Any:
    return options[int(rng.integers(len(options)))]


@dataclass(frozen=True)
class SearchSpace:
    family: str
    resolutions: tuple[tuple[int, int], ...]
    width_mults: tuple[float, ...]
    stem: Stem
    stages: tuple[StageSpace, ...]
    pool: str = "mean"

    def narrowed(self, width_mult: float, resolution: tuple[int, int]) -> SearchSpace:
        """This space at one width multiplier and resolution (what search-space optimisation compares)."""
        return replace(self, width_mults=(width_mult,), resolutions=(tuple(resolution),))

    def sample(self, rng: np.random.Generator) -> Architecture:
        return Architecture(self.family, _pick(rng, self.resolutions), _pick(rng, self.width_mults), self.stem,
                            tuple(s.sample(rng) for s in self.stages), self.pool)

    def _extreme(self, choose: Any) -> Architecture:
        return Architecture(self.family, choose(self.resolutions, key=lambda r: r[0] * r[1]), choose(self.width_mults),
                            self.stem, tuple(Stage(choose(s.kernels), choose(s.expands), choose(s.depths),
                                                   choose(s.widths), s.stride) for s in self.stages), self.pool)

    def largest(self) -> Architecture:
        """Every choice at its maximum: the super-network's shape."""
        return self._extreme(max)

    def smallest(self) -> Architecture:
        return self._extreme(min)

    def contains(self, arch: Architecture) -> bool:
        return (arch.family == self.family and arch.pool == self.pool and arch.stem == self.stem
                and tuple(arch.resolution) in self.resolutions and arch.width_mult in self.width_mults
                and len(arch.stages) == len(self.stages)
                and all(s.kernel in c.kernels and s.expand in c.expands and s.depth in c.depths
                        and s.width in c.widths and s.stride == c.stride for s, c in zip(arch.stages, self.stages)))

    def mutate(self, arch: Architecture, rng: np.random.Generator, probability: float = 0.1) -> Architecture:
        """Each choice of ``arch`` re-drawn with ``probability`` (the evolutionary search's mutation)."""
        self._require_member(arch)

        def maybe(current: Any, options: tuple) -> Any:
            return _pick(rng, options) if rng.random() < probability else current

        stages = tuple(Stage(maybe(s.kernel, c.kernels), maybe(s.expand, c.expands), maybe(s.depth, c.depths),
                             maybe(s.width, c.widths), s.stride) for s, c in zip(arch.stages, self.stages))
        return replace(arch, resolution=maybe(arch.resolution, self.resolutions),
                       width_mult=maybe(arch.width_mult, self.width_mults), stages=stages)

    def crossover(self, a: Architecture, b: Architecture, rng: np.random.Generator) -> Architecture:
        """Each choice taken from ``a`` or ``b`` with equal chance."""
        self._require_member(a)
        self._require_member(b)

        def either(x: Any, y: Any) -> Any:
            return x if rng.random() < 0.5 else y

        stages = tuple(Stage(either(s.kernel, t.kernel), either(s.expand, t.expand), either(s.depth, t.depth),
                             either(s.width, t.width), s.stride) for s, t in zip(a.stages, b.stages))
        return replace(a, resolution=either(a.resolution, b.resolution), width_mult=either(a.width_mult, b.width_mult),
                       stages=stages)

    def _require_member(self, arch: Architecture) -> None:
        if not self.contains(arch):
            raise TinykitError(f"architecture {arch.to_json()} is not a member of the {self.family} search space.")


# ---------------------------------------------------------------------------
# The keyword-spotting spaces
# ---------------------------------------------------------------------------

KWS_RESOLUTION = (49, 10)  # MLPerf Tiny's feature frames x MFCC coefficients (tinykit.kws.features)

# tinykit/kws/model.py's DS-CNN (MLPerf Tiny's): a 10x4 stride-2 stem of 64
# filters, four 3x3 depthwise-separable blocks of 64, the half-input pool.
# Written as two stages of two blocks, so it is a member of KWS_DSCNN_SPACE.
KWS_DSCNN_REFERENCE = Architecture(
    family="dscnn", resolution=KWS_RESOLUTION, width_mult=1.0, stem=Stem(64, (10, 4), 2),
    stages=(Stage(3, 1, 2, 64, 1), Stage(3, 1, 2, 64, 1)), pool="mlperf")

KWS_DSCNN_SPACE = SearchSpace(
    family="dscnn", resolutions=(KWS_RESOLUTION, (49, 8), (41, 10)), width_mults=(0.5, 0.75, 1.0),
    stem=Stem(64, (10, 4), 2),
    stages=(StageSpace(KERNEL_SIZES, (1,), (1, 2, 3), (32, 48, 64), 1),
            StageSpace(KERNEL_SIZES, (1,), (1, 2, 3), (48, 64, 96), 1)),
    pool="mlperf")

KWS_MBV2_SPACE = SearchSpace(
    family="mbv2", resolutions=(KWS_RESOLUTION, (49, 8), (41, 10)), width_mults=(0.5, 0.75, 1.0),
    stem=Stem(16, (3, 3), 2),
    stages=(StageSpace(KERNEL_SIZES, (1, 3, 4, 6), (1, 2), (16, 24), 1),
            StageSpace(KERNEL_SIZES, (3, 4, 6), (1, 2, 3), (24, 32, 40), 2),
            StageSpace(KERNEL_SIZES, (3, 4, 6), (1, 2, 3), (40, 48, 64), 1)),
    pool="mean")

SPACES = {("kws", "dscnn"): KWS_DSCNN_SPACE, ("kws", "mbv2"): KWS_MBV2_SPACE}


def space_for(task: str, family: str) -> SearchSpace:
    """The built-in space of ``family`` for ``task``; TinykitError for an unknown one."""
    if task not in TASKS:
        raise TinykitError(f"unknown task {task!r}: tinykit searches for {', '.join(TASKS)}.")
    if family not in FAMILIES:
        raise TinykitError(f"unknown architecture family {family!r}: choose one of {', '.join(FAMILIES)}.")
    return SPACES[(task, family)]
