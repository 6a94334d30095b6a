"""A TCP proxy that damages a real byte stream between DeviceClient and a
board's console (the host-board profiler or QEMU): noise, dropped bytes,
corrupted payloads, an injected reset banner, a hung board."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

BOOT_BANNER = b"m-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n"

# Called with each complete device line (CRLF included); returns the bytes to pass on.
LineFault = Callable[[bytes], bytes]
# Called with each host command ('%' included); returns (bytes for the device, bytes injected to the host first).
CommandFault = Callable[[bytes], tuple[bytes, bytes]]
# Called with the host's bytes as they arrive (for commands followed by raw data, which may hold '%');
# returns the bytes for the device.
StreamFault = Callable[[bytes], bytes]


class FaultProxy:
    """Listens on 127.0.0.1; for the one client it accepts, connects to the
    board and pumps bytes both ways through the fault functions."""

    def __init__(self, board_port: int, to_host: LineFault | None = None, to_device: CommandFault | None = None,
                 greeting: bytes = b"", to_device_stream: StreamFault | None = None) -> None:
        self.board_port = board_port
        self.to_host = to_host or (lambda line: line)
        self.to_device = to_device or (lambda command: (command, b""))
        self.to_device_stream = to_device_stream
        self.greeting = greeting
        self.commands: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.client_lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        accept = threading.Thread(target=self._serve, daemon=True)
        accept.start()
        self.threads.append(accept)

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        board = socket.create_connection(("127.0.0.1", self.board_port))
        self.sockets += [client, board]
        client.sendall(self.greeting)
        for target in (lambda: self._pump_to_host(board, client), lambda: self._pump_to_device(client, board)):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _pump_to_host(self, board: socket.socket, client: socket.socket) -> None:
        pending = b""
        while chunk := _recv(board):
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                with self.client_lock:
                    _send(client, self.to_host(line + b"\n"))

    def _pump_to_device(self, client: socket.socket, board: socket.socket) -> None:
        pending = b""
        while chunk := _recv(client):
            if self.to_device_stream is not None:
                _send(board, self.to_device_stream(chunk))
                continue
            pending += chunk
            while b"%" in pending:
                command, pending = pending.split(b"%", 1)
                self.commands.append(command)
                forward, inject = self.to_device(command + b"%")
                with self.client_lock:
                    _send(client, inject)
                _send(board, forward)

    def close(self) -> None:
        for sock in [self.listener, *self.sockets]:
            # shutdown wakes a thread blocked in accept() or recv(); close alone does not.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self.threads:
            thread.join(timeout=5)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(4096)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass


class Once:
    """Apply `damage` to the first item that contains `marker`, pass the rest."""

    def __init__(self, marker: bytes, damage: Callable[[bytes], bytes]) -> None:
        self.marker, self.damage, self.done = marker, damage, False

    def __call__(self, data: bytes) -> bytes:
        if not self.done and self.marker in data:
            self.done = True
            return self.damage(data)
        return data


class OnceCommand:
    """For the first command starting with `marker`: forward `rewrite(command)`
    and first send `inject` to the host; other commands pass untouched."""

    def __init__(self, marker: bytes, rewrite: Callable[[bytes], bytes] = lambda c: c, inject: bytes = b"") -> None:
        self.marker, self.rewrite, self.inject, self.done = marker, rewrite, inject, False

    def __call__(self, command: bytes) -> tuple[bytes, bytes]:
        if not self.done and command.startswith(self.marker):
            self.done = True
            return self.rewrite(command), self.inject
        return command, b""
