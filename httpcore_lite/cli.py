"""``python -m httpcore_lite``: a command line for people, in the style of HTTPie.

    python -m httpcore_lite [METHOD] URL [ITEM ...]

Items: ``Header:value`` a request header; ``key==value`` a query parameter; ``key=value`` a
JSON string field; ``key:=json`` a raw JSON field (``count:=3``, ``tags:='["a"]'``). With
fields the method defaults to POST and the body is a JSON object.

Exit codes: 0 for a 2xx answer (and 1xx), 3 for a 3xx not followed, 4 for 4xx, 5 for 5xx,
2 for a network error (nothing or no complete answer came), 1 for a bad command line or
anything else that went wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import IO, Any, NamedTuple, NoReturn

from . import exceptions
from .models import PreparedRequest, Response
from .sessions import Session

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
EXIT_OK, EXIT_ERROR, EXIT_NETWORK, EXIT_3XX, EXIT_4XX, EXIT_5XX = 0, 1, 2, 3, 4, 5
_DOWNLOAD_CHUNK = 64 * 1024


class Items(NamedTuple):
    headers: dict[str, str]
    params: list[tuple[str, str]]
    fields: dict[str, Any]


class UsageError(Exception):
    """A command line that cannot be run; the message says why."""


def parse_items(items: Sequence[str]) -> Items:
    """Sort ``items`` into headers, query parameters and JSON fields (HTTPie's syntax;
    the first separator in an item decides).

    Examples:
        >>> parse_items(["X-Id:7", "q==h11", "name=Ada", "age:=36"])
        Items(headers={'X-Id': '7'}, params=[('q', 'h11')], fields={'name': 'Ada', 'age': 36})

    Raises:
        UsageError: an item with no separator, or ``:=`` with invalid JSON.
    """
    headers: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    for item in items:
        separator = _first_separator(item)
        if separator is None:
            raise UsageError(
                f"{item!r} is no item: use Header:value, key==value, key=value or key:=json"
            )
        key, _, value = item.partition(separator)
        if separator == ":":
            headers[key] = value.strip()
        elif separator == "==":
            params.append((key, value))
        elif separator == "=":
            fields[key] = value
        else:
            try:
                fields[key] = json.loads(value)
            except ValueError as exc:
                raise UsageError(f"{item!r}: the value after := is not JSON ({exc})") from exc
    return Items(headers, params, fields)


def _first_separator(item: str) -> str | None:
    found = [(item.find(sep), -len(sep), sep) for sep in (":=", "==", "=", ":") if sep in item]
    if not found:
        return None
    return min(found)[2]  # earliest; at the same place the longer one (":=" before ":")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # to main's stderr, with our exit code
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line's options (items may come before or after them)."""
    parser = _Parser(
        prog="python -m httpcore_lite",
        usage="python -m httpcore_lite [options] [METHOD] URL [ITEM ...]",
        description="Send an HTTP request and print the answer.",
        epilog="items: Header:value  key==value (query)  key=value (JSON string)  key:=json",
    )
    parser.add_argument("words", nargs="+", metavar="[METHOD] URL [ITEM ...]")
    parser.add_argument("--json", action="store_true", help="send and accept JSON")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="Basic credentials")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="connect and read")
    parser.add_argument(
        "--verify", default="yes", metavar="yes|no|CA_BUNDLE", help="check TLS certificates"
    )
    parser.add_argument("--follow", action="store_true", help="follow redirects")
    parser.add_argument("--download", metavar="FILE", help="save the body to FILE")
    parser.add_argument("-v", "--verbose", action="store_true", help="print both heads")
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the command line; returns the exit code.

    Examples:
        >>> main(["https://httpbin.org/status/404"])
        4
    """
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        return _run(build_parser().parse_intermixed_args(argv), out, err)
    except SystemExit as exc:  # argparse's --help
        return EXIT_OK if exc.code in (0, None) else EXIT_ERROR
    except UsageError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_ERROR
    except (exceptions.ConnectionError, exceptions.Timeout, exceptions.ChunkedEncodingError) as exc:
        err.write(f"network error: {exc}\n")
        return EXIT_NETWORK
    except exceptions.RequestException as exc:
        err.write(f"error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR
    except OSError as exc:  # the download file, say
        err.write(f"error: {exc}\n")
        return EXIT_ERROR


def _run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    method, url, items = _method_url_items(args.words)
    parsed = parse_items(items)
    with Session() as session:
        response = _send(session, method, url, parsed, args)
        if args.verbose:
            for hop in [*response.history, response]:  # each request and its answer
                _print_request(hop.request, out)
                _print_response_head(hop, out)
        if args.download:
            _download(response, args.download, err)
        elif method != "HEAD":
            _print_body(response, out)
        return exit_code(response.status_code)


def exit_code(status: int) -> int:
    """The exit code for a final status: 0, 3, 4 or 5 by its class.

    Examples:
        >>> exit_code(200), exit_code(301), exit_code(404), exit_code(503)
        (0, 3, 4, 5)
    """
    return {3: EXIT_3XX, 4: EXIT_4XX, 5: EXIT_5XX}.get(status // 100, EXIT_OK)


def _method_url_items(words: Sequence[str]) -> tuple[str, str, list[str]]:
    first = words[0]
    if first.upper() in METHODS and len(words) > 1 and first.isalpha():
        method, url, items = first.upper(), words[1], list(words[2:])
    else:
        url, items = first, list(words[1:])
        method = "POST" if any(_first_separator(i) in ("=", ":=") for i in items) else "GET"
    if "://" not in url:
        url = f"http://{url}"  # HTTPie's shorthand: example.org/path
    return method, url, items


def _send(
    session: Session, method: str, url: str, items: Items, args: argparse.Namespace
) -> Response:
    headers = dict(items.headers)
    if args.json or items.fields:
        headers.setdefault("Accept", "application/json, */*;q=0.5")
    auth = None
    if args.auth:
        user, _, password = args.auth.partition(":")
        auth = (user, password)
    verify: bool | str = {"yes": True, "true": True, "no": False, "false": False}.get(
        args.verify.lower(), args.verify
    )
    return session.request(
        method,
        url,
        params=items.params or None,
        headers=headers,
        json=items.fields if items.fields else None,
        auth=auth,
        timeout=args.timeout if args.timeout is not None else session.timeout,
        verify=verify,
        allow_redirects=args.follow,
        stream=True,
    )


def _print_request(request: PreparedRequest | None, out: IO[str]) -> None:
    if request is None:
        return
    from urllib.parse import urlsplit

    parts = urlsplit(request.url or "")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    out.write(f"{request.method} {target} HTTP/1.1\n")
    out.write(f"Host: {parts.netloc}\n")
    for name, value in request.headers.items():
        out.write(f"{name}: {value}\n")
    out.write("\n")
    body = request.body
    if isinstance(body, bytes) and body:
        out.write(body.decode("utf-8", "replace") + "\n\n")


def _print_response_head(response: Response, out: IO[str]) -> None:
    out.write(f"HTTP/1.1 {response.status_code} {response.reason or ''}".rstrip() + "\n")
    for name, value in response.headers.items():
        out.write(f"{name}: {value}\n")
    out.write("\n")


def _print_body(response: Response, out: IO[str]) -> None:
    binary = getattr(out, "buffer", None)
    if binary is not None and not _is_text(response.headers.get("content-type", "")):
        binary.write(response.content)  # an image, say: as it came, not as text
        binary.flush()
        return
    text = response.text
    out.write(text)
    if text and not text.endswith("\n"):
        out.write("\n")


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return (
        not kind
        or kind.startswith("text/")
        or kind.endswith(("json", "xml", "javascript"))
        or "charset=" in content_type.lower()
    )


def _download(response: Response, path: str, err: IO[str]) -> None:
    total = int(response.headers.get("content-length") or 0)
    progress = _Progress(total, err) if err.isatty() else None
    received = 0
    with open(path, "wb") as file:
        for chunk in response.iter_content(_DOWNLOAD_CHUNK):
            file.write(chunk)
            received += len(chunk)
            if progress is not None:
                progress.update(received)
    if progress is not None:
        progress.done(received)


class _Progress:
    """A one-line progress bar on a terminal, redrawn at most ten times a second."""

    def __init__(self, total: int, err: IO[str]) -> None:
        self._total = total
        self._err = err
        self._started = self._drawn = time.monotonic()

    def update(self, received: int) -> None:
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self._draw(received, now)

    def done(self, received: int) -> None:
        self._draw(received, time.monotonic())
        self._err.write("\n")
        self._err.flush()

    def _draw(self, received: int, now: float) -> None:
        rate = received / max(now - self._started, 1e-6)
        if self._total:
            share = min(received / self._total, 1.0)
            bar = "#" * int(share * 30)
            line = f"[{bar:<30}] {share:4.0%} {_size(received)} / {_size(self._total)}"
        else:
            line = f"{_size(received)}"
        self._err.write(f"\r{line}  {_size(rate)}/s ")
        self._err.flush()


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count:.0f} B"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover  # the loop returns
