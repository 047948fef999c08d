"""What one exchange cost: ``Response.timings`` and ``Response.metrics``.

Both are read from stamps the transport takes anyway (a clock read at each step of the
exchange, counts of bytes), and built only when asked for.
"""

from __future__ import annotations

from typing import NamedTuple


class Timings(NamedTuple):
    """Seconds spent in each step of an exchange.

    ``dns``, ``connect`` and ``tls`` are those of opening the connection, and 0.0 on a
    reused one. ``send`` is writing the request; ``wait``, from the end of the request to
    the response head; ``body``, reading the body (None while it is unread, with
    ``stream=True``); ``total``, from the start of the connection (or of the request, on a
    reused one) to the end of the body (None while it is unread).

    Examples:
        >>> r = httpcore_lite.get("https://httpbin.org/get")
        >>> r.timings.total >= r.timings.wait > 0
        True
    """

    dns: float
    connect: float
    tls: float
    send: float
    wait: float
    body: float | None
    total: float | None


class Metrics(NamedTuple):
    """Counts of one exchange: bytes written and read on the wire (heads included, bodies
    as sent, before decoding), whether the connection was a reused one, and how many
    retries the adapter's Retry policy took before this response.

    Examples:
        >>> with httpcore_lite.Session() as s:
        ...     first, second = s.get("https://httpbin.org/get"), s.get("https://httpbin.org/get")
        >>> first.metrics.connection_reused, second.metrics.connection_reused
        (False, True)
    """

    bytes_sent: int
    bytes_received: int
    connection_reused: bool
    retries: int


class ExchangeRecord:
    """(For the transport.) The stamps of one exchange, filled in as it goes."""

    __slots__ = (
        "bytes_received",
        "bytes_sent",
        "connect",
        "dns",
        "ended",
        "headed",
        "reused",
        "sent",
        "started",
        "tls",
    )

    def __init__(self, started: float, reused: bool, setup: tuple[float, float, float]) -> None:
        self.started = started  # time.monotonic() when the request began to be written
        self.sent = started
        self.headed = started
        self.ended = 0.0  # 0.0 until the body was read to its end
        self.reused = reused
        self.dns, self.connect, self.tls = setup
        self.bytes_sent = 0
        self.bytes_received = 0

    def timings(self) -> Timings:
        setup = self.dns + self.connect + self.tls
        ended = self.ended or None
        return Timings(
            self.dns,
            self.connect,
            self.tls,
            self.sent - self.started,
            self.headed - self.sent,
            None if ended is None else ended - self.headed,
            None if ended is None else ended - self.started + setup,
        )

    def metrics(self, retries: int) -> Metrics:
        return Metrics(self.bytes_sent, self.bytes_received, self.reused, retries)
