"""The streaming keyword detector's settings (averaging window, threshold,
suppression) chosen on spoken sentences, and what they give on sentences by
voices the model never heard, written as JSON.

    .venv/bin/python -m benchmarks.kws_detector --data data/kws --model out/kws/model.tflite [-o FILE]

Sentences are made as `tinykit kws talk` makes them (espeak-ng, word by word,
over steady noise): keywords between other words. The settings are chosen
on sentences by the data set's *training* voices only, by the fewest misses
plus false alarms; they are then scored on sentences by its *test* voices
(held out of training), and on the README's demo sentence, each beside what
StreamSettings' defaults give (the defaults are this choice for the model
the README measures). The streaming app's strides are replayed on the host
(the same front end, the model in tflite-micro, the same detection rule as
the firmware: the tests check that the device gives exactly these), so no
board is needed. A measurement, not a test: nothing here passes or fails on
a figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.environment import environment
from benchmarks.models import ROOT  # also puts tests/ on sys.path for the replay helper
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.kws.dataset import KEYWORDS
from tinykit.kws.listen import Onset, hit_window_s, score
from tinykit.kws.stream import StreamSettings
from tinykit.kws.synth import ESPEAK_DIALECTS, OTHER_WORDS
from tinykit.kws.talk import say

from kws_stream_host import host_detections, host_strides  # noqa: E402  (tests/ helper)

SCHEMA = "tinykit-bench-kws-detector/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "kws_detector.json"
README_DEMO = ("the cat said yes then stop and go left now down please", "en-us+Annie")
# Everyday words between the keywords, which no training set speaks (its
# unknown class is Speech Commands' 25 other words): tuning and held-out
# sentences draw their other words from these and Speech Commands' alike.
BETWEEN_WORDS = ("the", "a", "and", "then", "now", "please", "said", "it", "is", "that", "this", "to", "of", "in",
                 "at", "we", "you", "my", "your", "me", "so", "but", "not", "what", "when", "there", "here", "can",
                 "will", "do", "all", "out", "with", "have", "say", "get", "just", "like", "time", "back", "well",
                 "know", "how", "come", "look", "they", "was", "for", "good", "some", "turn", "light", "music", "open",
                 "door", "kitchen", "window", "red", "blue", "today", "morning", "water", "phone", "little", "really",
                 "maybe", "dinner", "table", "play", "again")
# The grid searched: strides averaged (at the default 250 ms stride), threshold, suppression in ms.
AVERAGE_STRIDES = (1, 2, 3, 4)
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.40, 0.96, 0.05))
SUPPRESS_MS = (500, 750, 1000, 1500)


def _voices(data: Path, split: str) -> list[str]:
    speakers = json.loads((data / "synthetic.json").read_text())["speakers"]
    return sorted({s["voice"] for s in speakers if s["split"] == split and s["engine"] == "espeak-ng"})


def sentences(voices: Sequence[str], count: int, seed: int, between: Sequence[str]) -> list[tuple[list[str], str, int]]:
    """``count`` sentences of 9-12 words, 3-5 of them keywords, the rest from ``between``: (words, voice, seed)."""
    rng = np.random.default_rng(seed)
    made = []
    for k in range(count):
        n = int(rng.integers(9, 13))
        keyword_at = set(rng.choice(n, size=int(rng.integers(3, 6)), replace=False).tolist())
        words = [str(rng.choice(KEYWORDS if i in keyword_at else between)) for i in range(n)]
        made.append((words, f"{rng.choice(ESPEAK_DIALECTS)}+{voices[k % len(voices)]}", seed * 1000 + k))
    return made


def replay(model: Path, items: Sequence[tuple[list[str], str, int]]) -> list[dict]:
    """Each sentence spoken and streamed through the app on the host: its strides' outputs and keyword onsets."""
    runs = []
    for n, (words, voice, seed) in enumerate(items, start=1):
        pcm, onsets = say(words, voice, seed)
        pcm = np.concatenate([pcm, np.zeros(-len(pcm) % 320, dtype=np.int16)])
        samples, outputs = host_strides(model.read_bytes(), str(model), pcm, StreamSettings())
        runs.append({"text": " ".join(words), "voice": voice, "samples": samples, "outputs": outputs,
                     "onsets": [Onset(t, w, 0) for t, w in onsets if w in KEYWORDS]})
        print(f"  {n}/{len(items)} {voice}: {' '.join(words)}", file=sys.stderr)
    return runs


def outcome(runs: Sequence[dict], settings: StreamSettings, scale: float, zero_point: int) -> dict:
    """Hits, misses and false alarms of ``settings`` over ``runs`` (and per sentence)."""
    window = hit_window_s(settings)
    per = []
    for run in runs:
        found = host_detections(run["samples"], run["outputs"], zero_point, settings,
                                settings.threshold_steps(scale), len(KEYWORDS))
        detections = [{"keyword": KEYWORDS[label], "time_s": sample / 16000} for label, _, _, sample in found]
        scored = score(detections, run["onsets"], window)
        per.append({"text": run["text"], "voice": run["voice"], "keywords": len(run["onsets"]),
                    **{k: scored[k] for k in ("hits", "misses", "false_alarms")},
                    "missed": [o["keyword"] for o in scored["labels"] if o["detected_s"] is None],
                    "false": [d["keyword"] for d in detections
                              if d["time_s"] not in {o["detected_s"] for o in scored["labels"]}]})
    totals = {k: sum(p[k] for p in per) for k in ("keywords", "hits", "misses", "false_alarms")}
    return {**totals, "sentences": per}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the synthetic set the model trained on (its voices)")
    parser.add_argument("--model", type=Path, required=True, help="the int8 model (OUT/model.tflite)")
    parser.add_argument("--tune", type=int, default=40, help="sentences by training voices to choose on")
    parser.add_argument("--held-out", type=int, default=16, help="sentences by test voices to score on")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    y = read_tflite(args.model).outputs[0]
    scale, zero_point = y.quant.single_scale, y.quant.single_zero_point
    print("sentences by training voices:", file=sys.stderr)
    tuning = replay(args.model, sentences(_voices(args.data, "training"), args.tune, 1, (*OTHER_WORDS, *BETWEEN_WORDS)))
    grid = []
    for strides, threshold, suppress in itertools.product(AVERAGE_STRIDES, THRESHOLDS, SUPPRESS_MS):
        settings = StreamSettings(average_ms=strides * 250, threshold=threshold, suppress_ms=suppress)
        got = outcome(tuning, settings, scale, zero_point)
        grid.append({"settings": settings.to_json(), "misses": got["misses"], "false_alarms": got["false_alarms"]})
    best = min(grid, key=lambda g: (g["misses"] + g["false_alarms"], g["false_alarms"]))["settings"]
    chosen = StreamSettings(average_ms=best["average_ms"], threshold=best["threshold"], suppress_ms=best["suppress_ms"])
    print("sentences by held-out voices:", file=sys.stderr)
    held_out = replay(args.model, sentences(_voices(args.data, "testing"), args.held_out, 2,
                                            (*OTHER_WORDS, *BETWEEN_WORDS)))
    demo_text, demo_voice = README_DEMO
    demo = replay(args.model, [(demo_text.split(), demo_voice, 0)])
    document = {
        "schema": SCHEMA,
        "environment": environment(),
        "model": str(args.model),
        "data": str(args.data),
        "chosen": chosen.to_json(),
        "defaults": StreamSettings().to_json(),
        "tuning": {"voices": "training", **outcome(tuning, chosen, scale, zero_point),
                   "defaults": {k: v for k, v in outcome(tuning, StreamSettings(), scale, zero_point).items()
                                         if k != "sentences"}},
        "held_out": {"voices": "testing", **outcome(held_out, chosen, scale, zero_point),
                     "defaults": {k: v for k, v in outcome(held_out, StreamSettings(), scale, zero_point).items()
                                           if k != "sentences"}},
        "readme_demo": {**outcome(demo, chosen, scale, zero_point),
                        "defaults": {k: v for k, v in outcome(demo, StreamSettings(), scale, zero_point).items()
                                              if k != "sentences"}},
        "grid": grid,
    }
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    for name in ("tuning", "held_out", "readme_demo"):
        part = document[name]
        print(f"{name}: {part['keywords']} keywords, {part['hits']} hits, {part['misses']} misses, "
              f"{part['false_alarms']} false alarms (StreamSettings' defaults: {part['defaults']['hits']} hits, "
              f"{part['defaults']['false_alarms']} false alarms)")
    print(f"chosen: {chosen.to_json()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
