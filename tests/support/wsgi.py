"""Calling a WSGI app in-process, as the HTTP server would."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WsgiResponse:
    status: int
    body: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def call_wsgi(
    app: Any,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    query: str = "",
    *,
    port: int = 3000,
    content_length: str | None = None,
) -> WsgiResponse:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": str(port),
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if content_length is None else content_length,
        "CONTENT_TYPE": (headers or {}).get("Content-Type", ""),
    }
    for key, value in (headers or {}).items():
        environ["HTTP_" + key.upper().replace("-", "_")] = value
    started: list[tuple[str, list[tuple[str, str]]]] = []
    chunks = app(environ, lambda status, response_headers, *_: started.append((status, response_headers)))
    body_text = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in chunks).decode()
    status, response_headers = started[0]
    return WsgiResponse(int(status.split()[0]), body_text, list(response_headers))
