"""A finished (or at least evolved) search read back from its output folder, for the report.

``front.json`` gives the budgets, every accuracy-measured candidate and the
Pareto front (each entry as ``Evaluated.to_json`` wrote it, read back with
``Evaluated.from_json``), and, for front members built for real, a
``"built"`` entry with the built sizes. ``summary.json`` (written when the
chosen model is fine-tuned) names the chosen model and its fine-tuned
accuracy; ``settings.json`` the board. Only ``front.json`` is required: a
page can be drawn before the chosen model is known.

``search_target`` decides what `tinykit report` was given: one search output
(a folder, or a front.json by its content) or profile files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinykit.errors import TinykitError
from tinykit.jsonio import read_json
from tinykit.kws.train import SETTINGS
from tinykit.search.evolution import Evaluated, SearchBudgets
from tinykit.search.space import Architecture

# The search's output files (``tinykit.search.run`` writes them under these names; the settings file is the one
# ``kws.train.check_settings`` keeps for training and search runs alike).
FRONT_FILE, SUMMARY_FILE = "front.json", "summary.json"
SETTINGS_FILE = SETTINGS
RERUN = "run the `tinykit search` that made it again into a new folder"  # the fix for an unreadable result file
_WHAT_REPORT_TAKES = ("`tinykit report` takes a search output folder (`tinykit search ... -o OUT` writes OUT/front.json), "
                      "that folder's front.json, or profile JSON files (`tinykit profile FOLDER --json > profile.json`)")


@dataclass(frozen=True)
class BuiltSizes:
    """A front member's sizes from a real `tinykit build` for the board, beside the predicted ones (the fields
    are those of the build's size report, which ``tinykit.search.front_build`` records; SRAM is its RAM)."""

    arena_bytes: int
    flash_bytes: int
    ram_bytes: int
    weights_bytes: int


@dataclass(frozen=True)
class SearchOutcome:
    source: Path  # the front.json read
    budgets: SearchBudgets
    candidates: tuple[Evaluated, ...]
    front: tuple[Evaluated, ...]
    built: dict[Architecture, BuiltSizes]
    chosen: Evaluated | None  # None until summary.json is written
    costed: int
    measured: int
    seconds: float
    board: str | None
    summary: dict[str, Any] | None


def search_target(paths: Sequence[Path]) -> Path | None:
    """The one search output among ``paths``, or None when they are all profile files (or not readable,
    which the profile loader then explains). A folder that holds no search is refused here, as is a search
    given together with anything else."""
    searches = [Path(p) for p in paths if Path(p).is_dir() or _holds_front(Path(p))]
    if not searches:
        return None
    for path in searches:
        if path.is_dir():
            _front_file(path)  # refuses a folder that is not a search output
    if len(paths) > 1:
        raise TinykitError(f"{searches[0]} is a search output, given with other files: a search's report is a page of "
                           f"its own. Pass the search output alone; {_WHAT_REPORT_TAKES}.")
    return searches[0]


def load_outcome(path: Path) -> SearchOutcome:
    """The search in ``path`` (its output folder, or its front.json), with the summary and settings beside it."""
    path = Path(path)
    front_file = _front_file(path)
    document = read_json(front_file, RERUN)
    try:
        budgets = SearchBudgets(**{k: document["budgets"][k] for k in ("sram_bytes", "flash_bytes", "latency_ms")})
        candidates = tuple(_evaluated(c, front_file, f"candidates[{i}]") for i, c in enumerate(document["candidates"]))
        front = tuple(_evaluated(c, front_file, f"front[{i}]") for i, c in enumerate(document["front"]))
        # The real builds are of front members; a "built" entry on a candidate entry counts as well.
        built = {member.arch: _built(entry["built"], front_file)
                 for member, entry in [*zip(candidates, document["candidates"]), *zip(front, document["front"])]
                 if "built" in entry}
        costed, measured, seconds = int(document["costed"]), int(document["measured"]), float(document["seconds"])
    except (KeyError, TypeError, AttributeError) as error:
        raise _corrupt(front_file, f"it lacks {error}" if isinstance(error, KeyError) else "a field has the wrong type") from None
    known = {c.arch for c in candidates}
    strays = [i for i, member in enumerate(front) if member.arch not in known]
    if strays:
        raise _corrupt(front_file, f"front member {strays[0]} is not among its candidates")
    folder = front_file.parent
    summary = read_json(folder / SUMMARY_FILE, RERUN) if (folder / SUMMARY_FILE).is_file() else None
    settings = read_json(folder / SETTINGS_FILE, RERUN) if (folder / SETTINGS_FILE).is_file() else None
    chosen = None
    if summary is not None:
        try:
            chosen = _evaluated(summary["chosen"], folder / SUMMARY_FILE, "chosen")
        except (KeyError, TypeError):
            raise _corrupt(folder / SUMMARY_FILE, "it names no chosen model") from None
    board = (summary or settings or {}).get("board")
    return SearchOutcome(front_file, budgets, candidates, front, built, chosen, costed, measured, seconds, board, summary)


def _front_file(path: Path) -> Path:
    if not path.exists():
        raise TinykitError(f"{path} does not exist. {_WHAT_REPORT_TAKES}.")
    if path.is_file():
        return path
    if (path / FRONT_FILE).is_file():
        return path / FRONT_FILE
    if (path / SETTINGS_FILE).is_file():
        raise TinykitError(f"{path} is a search output whose search has not reached its evolution: it has no "
                           f"{FRONT_FILE} yet. Run the same `tinykit search` command again to finish it, then report.")
    raise TinykitError(f"{path} is a folder but not a search output: it holds no {FRONT_FILE}. {_WHAT_REPORT_TAKES}.")


def _holds_front(path: Path) -> bool:
    """Whether ``path`` is a file holding a search front (what `tinykit search` writes as front.json)."""
    if path.name == FRONT_FILE:
        return True
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # not for us to explain: the profile loader names what is wrong with it
    return isinstance(document, dict) and "front" in document and "candidates" in document




def _evaluated(document: Any, path: Path, where: str) -> Evaluated:
    try:
        return Evaluated.from_json(document)
    except (KeyError, TypeError, ValueError) as error:
        raise _corrupt(path, f"its {where} is not a measured candidate ({error!r})") from None
    except TinykitError as error:
        raise _corrupt(path, f"its {where} has a bad architecture ({error})") from None


def _built(document: Any, path: Path) -> BuiltSizes:
    try:
        return BuiltSizes(*(int(document[k]) for k in BuiltSizes.__dataclass_fields__))
    except (KeyError, TypeError, ValueError):
        raise _corrupt(path, f"a \"built\" entry is not {{{', '.join(BuiltSizes.__dataclass_fields__)}}}") from None


def _corrupt(path: Path, why: str) -> TinykitError:
    return TinykitError(f"{path} is not a search result tinykit can read: {why}. It was edited or cut short; {RERUN}.")
