"""A local webhook receiver for tests: http.server on 127.0.0.1, random port, in a thread."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# In every answer's body: Momento must never store or show it.
RESPONSE_MARKER = b"receiver-body-7f3a"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`/ok` answers 200, `/fail` 500, `/gone` 404 (what Slack answers for a removed
    incoming webhook), `/slow` sleeps `slow_seconds` before answering, `/redirect` 302 to `/ok`. Every answer carries the body marker `RESPONSE_MARKER`.
    With `tls` (a server-side SSLContext) it speaks HTTPS; `server_names` records the SNI sent."""

    slow_seconds: float = 3.0
    tls: ssl.SSLContext | None = None
    requests: list[Received] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def received(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                if self.path == "/slow":
                    time.sleep(receiver.slow_seconds)
                status = {"/fail": 500, "/redirect": 302, "/gone": 404}.get(self.path, 200)
                answer = RESPONSE_MARKER + (b' {"error": "boom"}' if status == 500 else b" thanks")
                try:
                    self.send_response(status)
                    if status == 302:
                        self.send_header("Location", "/ok")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls is not None:
            self.tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
