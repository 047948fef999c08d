"""The main job, for now a short demo: sequential GETs on one keep-alive connection
against a local server, against the standard library's http.client for scale.

The full benchmark harness (peers, floors, nginx) replaces this with the benchmarks issue.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import threading
import time

import httpcore_lite

BODY = b"Hello, world!"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # head and body are written separately

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        return


def _rate(count: int, one_request: object) -> float:
    start = time.perf_counter()
    for _ in range(count):
        one_request()  # type: ignore[operator]
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}/small"
    try:
        with httpcore_lite.Session() as session:
            ours = _rate(args.requests, lambda: session.get(url).content)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        stdlib = _rate(args.requests, lambda: _stdlib_get(conn))
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"sequential GET, one keep-alive connection, {args.requests} requests")
    print(f"  httpcore_lite  {ours:8.0f} req/s")
    print(f"  http.client    {stdlib:8.0f} req/s   (ratio {ours / stdlib:.2f}x)")


def _stdlib_get(conn: http.client.HTTPConnection) -> bytes:
    conn.request("GET", "/small")
    return conn.getresponse().read()


if __name__ == "__main__":
    main()
