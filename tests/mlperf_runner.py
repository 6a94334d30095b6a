"""The MLPerf Tiny runner's side of the performance-mode protocol, for tests:
a bare TCP console, and the runner's commands parsed with its patterns
(replies read up to the line holding m-ready; `db` data in 31-byte chunks).
"""

from __future__ import annotations

import re
import socket

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
