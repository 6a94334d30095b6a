"""The MLPerf Tiny runner's side of the protocol, for tests: a bare TCP
console, the runner's commands parsed with its patterns (replies read up to
the line holding m-ready; `db` data in 31-byte chunks), and its accuracy
scoring (each result vector normalized by its sum, Top-1 by argmax, AUC one
class against the rest; anomaly detection's single score ranked as is).
"""

from __future__ import annotations

import re
import socket

import numpy as np

# The runner sends input data in chunks of this many bytes per `db` command.
RUNNER_DB_CHUNK = 31


class Console:
    """A bare TCP console: send a command, read lines up to m-ready."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        host, port = url.removeprefix("socket://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.pending = b""

    def line(self) -> str:
        while b"\r\n" not in self.pending:
            chunk = self.sock.recv(4096)
            assert chunk, "console closed"
            self.pending += chunk
        line, self.pending = self.pending.split(b"\r\n", 1)
        return line.decode("ascii")

    def until_ready(self) -> list[str]:
        lines = []
        while (line := self.line()) != "m-ready":
            lines.append(line)
        return lines

    def send(self, command: str) -> list[str]:
        self.sock.sendall(command.encode("ascii") + b"%")
        return self.until_ready()

    def close(self) -> None:
        self.sock.close()


def send_command(console: Console, command: str) -> list[str]:
    """The runner's exchange: every line up to and including the one containing m-ready."""
    console.sock.sendall((command + "%").encode())
    lines = []
    while True:
        line = console.line()
        lines.append(line)
        if "m-ready" in line:
            return lines


def identify(console: Console) -> tuple[str, dict[str, str]]:
    """`name` and `profile`, parsed as the runner parses them."""
    name = [m for m in map(re.compile(r"^m-(name)-dut-\[([^]]+)]$").match, send_command(console, "name")) if m]
    profile = {m[1]: m[2] for m in map(re.compile(r"^m-(model|profile)-\[([^]]+)]$").match, send_command(console, "profile")) if m}
    return name[0][2], profile


def performance_round(console: Console, data: bytes, iterations: int, warmups: int) -> dict:
    """One round: db load, the data in 31-byte chunks, infer N W; returns
    results (floats), start_time and end_time (microseconds)."""
    send_command(console, f"db load {len(data)}")
    for i in range(0, len(data), RUNNER_DB_CHUNK):
        send_command(console, f"db {data[i:i + RUNNER_DB_CHUNK].hex()}")
    result: dict = {}
    for line in send_command(console, f"infer {iterations} {warmups}"):
        if m := re.match(r"^m-results-\[([^]]+)\]$", line):
            result["results"] = [float(x) for x in m[1].split(",") if x.strip()]
        elif m := re.match(r"^m-lap-us-([0-9]+)$", line):
            result["end_time" if "start_time" in result else "start_time"] = int(m[1])
    return result


def accuracy_round(console: Console, data: bytes) -> list[float]:
    """One file of the runner's accuracy mode: `download` then `infer 1 0`."""
    return performance_round(console, data, 1, 0)["results"]


def normalized(results: list[float]) -> list[float]:
    """The runner's normalize_probabilities, applied to every vector of more than one value."""
    if len(results) == 1:
        return results
    total = sum(results)
    return [r / total for r in results]


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outranks a negative (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def score(results: list[list[float]], labels: list[int]) -> tuple[float, float]:
    """Top-1 (%) and AUC as the runner computes them from one result vector per file.

    Classifiers: argmax of the normalized vector against the label; AUC of
    class 1's score for two classes, else the mean over classes of each
    class against the rest (classes with no file, or only files, are left
    out). Anomaly detection (one value): Top-1 is the runner's best
    precision/recall mean over 100 thresholds, AUC ranks the score (label 1
    is an anomaly)."""
    y = np.array([normalized(r) for r in results], dtype=np.float64)
    truth = np.array(labels)
    if y.shape[1] == 1:
        low, high = y.min(), y.max()
        best = 0.0
        for threshold in low + np.arange(0.0, 1.0, 0.01) * (high - low):
            flagged = y[:, 0] > threshold
            tp = np.sum(flagged & (truth == 1))
            fp = np.sum(flagged & (truth == 0))
            fn = np.sum(~flagged & (truth == 1))
            best = max(best, 100 * (tp / (tp + fp + 1e-8) + tp / (tp + fn + 1e-8)) / 2)
        return best, _auc(y[:, 0], truth == 1)
    top1 = 100 * float(np.mean(np.argmax(y, axis=1) == truth))
    if y.shape[1] == 2:
        return top1, _auc(y[:, 1], truth == 1)
    per_class = [_auc(y[:, c], truth == c) for c in range(y.shape[1]) if 0 < np.sum(truth == c) < len(truth)]
    return top1, float(np.mean(per_class))
