"""A small closed-loop HTTP/1.1 load generator: one keep-alive connection per
thread, each sending its next request as soon as the previous answer is read.

The client is deliberately thin (a socket, a pre-built request, a header
scan) so that on a small machine it leaves as much CPU as possible to the
server. Every answer is read in full (Content-Length or chunked), every
status is checked, and every failure is counted: a status outside 2xx/3xx
is an HTTP error; a refused, reset or timed-out connection is a connection
error, after which the thread reconnects and carries on.
"""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT = 10.0  # seconds for any single request


class ConnectionClosed(OSError):
    """The server closed the connection before a whole answer arrived."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


def build_request(
    method: str,
    path: str,
    host: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.connects = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        self.connects += 1
        return sock

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionClosed("connection closed by the server")
        self.buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._fill()
        data, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return data

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def request(self, raw: bytes, *, keep_headers: bool = False) -> Response:
        sock = self.sock or self._connect()
        try:
            sock.sendall(raw)
            head = self._read_until(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            headers = []
            length, chunked, close = None, False, False
            for line in header_lines:
                key, _, value = line.partition(":")
                key, value = key.strip().lower(), value.strip()
                if key == "content-length":
                    length = int(value)
                elif key == "transfer-encoding":
                    chunked = "chunked" in value.lower()
                elif key == "connection":
                    close = value.lower() == "close"
                if keep_headers:
                    headers.append((key, value))
            method = raw[: raw.index(b" ")]
            if method == b"HEAD" or status in (204, 304) or 100 <= status < 200:
                body = b""
            elif chunked:
                body = self._read_chunked()
            elif length is not None:
                body = self._read_exactly(length)
            else:  # body runs to the end of the connection
                body = self.buffer
                while True:
                    chunk = sock.recv(262144)
                    if not chunk:
                        break
                    body += chunk
                close = True
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return Response(status, headers, body)

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_until(b"\r\n").split(b";", 1)[0], 16)
            if size == 0:
                # Trailers, if any, end with an empty line.
                while self._read_until(b"\r\n"):
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_until(b"\r\n")


@dataclass
class Result:
    name: str
    connections: int
    duration: float
    ok: int = 0
    http_errors: int = 0
    connection_errors: int = 0
    # 2xx/3xx answers that are not what the scenario expects (a poll that
    # answers 200 instead of 204, say): neither counted as done nor as errors.
    unexpected: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    connects: int = 0
    bytes_received: int = 0
    client_cpu: float = 0.0  # seconds of this process's CPU during the window
    server_cpu: float = 0.0  # seconds of gunicorn's CPU during the window
    note: str = ""

    @property
    def errors(self) -> int:
        return self.http_errors + self.connection_errors

    @property
    def rps(self) -> float:
        return self.ok / self.duration

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# A source of requests: called by worker thread ``index`` for each request;
# returns the raw bytes to send, or None when the worker has nothing left
# to send (the run then reports it).
RequestSource = Callable[[int], bytes | None]


def run_load(
    name: str,
    host: str,
    port: int,
    source: RequestSource,
    *,
    connections: int,
    duration: float,
    warmup: float = 1.0,
    expect: Callable[[Response], bool] | None = None,
    cpu_probe: Callable[[], float] | None = None,
) -> Result:
    """Closed loop: ``connections`` threads, each on its own keep-alive
    connection, for ``warmup`` then ``duration`` seconds. Only answers
    completed inside the measured window are counted."""
    result = Result(name=name, connections=connections, duration=duration)
    lock = threading.Lock()
    ready = threading.Barrier(connections + 1)
    start_holder: list[float] = []
    exhausted: list[int] = []

    def worker(index: int) -> None:
        connection = Connection(host, port)
        ok = http_errors = connection_errors = unexpected = received = 0
        statuses: dict[int, int] = {}
        latencies: list[float] = []
        ready.wait()
        start = start_holder[0]
        measure_from, measure_to = start + warmup, start + warmup + duration
        try:
            while True:
                began = time.perf_counter()
                if began >= measure_to:
                    break
                raw = source(index)
                if raw is None:
                    exhausted.append(index)
                    break
                try:
                    response = connection.request(raw)
                except (OSError, ValueError, IndexError):
                    done = time.perf_counter()
                    if measure_from <= done < measure_to:
                        connection_errors += 1
                    time.sleep(0.01)  # do not spin on a refusing server
                    continue
                done = time.perf_counter()
                if not (measure_from <= done < measure_to):
                    continue
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if not 200 <= response.status < 400:
                    http_errors += 1
                elif expect is not None and not expect(response):
                    unexpected += 1
                else:
                    ok += 1
                    latencies.append(done - began)
                    received += len(response.body)
        finally:
            connection.close()
            with lock:
                result.ok += ok
                result.http_errors += http_errors
                result.connection_errors += connection_errors
                result.unexpected += unexpected
                result.bytes_received += received
                result.latencies.extend(latencies)
                result.connects += connection.connects
                for status, count in statuses.items():
                    result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [
        threading.Thread(target=worker, args=(index,), name=f"load-{index}", daemon=True)
        for index in range(connections)
    ]
    for thread in threads:
        thread.start()
    start_holder.append(time.perf_counter())
    ready.wait()
    # CPU is sampled around the measured window only.
    time.sleep(max(0.0, start_holder[0] + warmup - time.perf_counter()))
    cpu_client_0, cpu_server_0 = time.process_time(), cpu_probe() if cpu_probe else 0.0
    time.sleep(max(0.0, start_holder[0] + warmup + duration - time.perf_counter()))
    result.client_cpu = time.process_time() - cpu_client_0
    result.server_cpu = (cpu_probe() - cpu_server_0) if cpu_probe else 0.0
    for thread in threads:
        thread.join(TIMEOUT + 5)
    if exhausted:
        result.note = f"{len(exhausted)} of {connections} connections ran out of requests early"
    return result
