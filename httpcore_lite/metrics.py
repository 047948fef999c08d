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
    """(For the transport.) The stamps of one exchange, filled in as it goes. Made for
    every request, so it starts with as little as it can: ``sent`` and ``headed`` are
    stamped before anyone can ask, the byte counts when bytes move."""

    __slots__ = (
        "bytes_received",
        "bytes_sent",
        "ended",
        "headed",
        "reused",
        "sent",
        "setup",
        "started",
    )
    sent: float  # when the request was written
    headed: float  # when the response head was in
    bytes_sent: int

    def __init__(self, started: float, reused: bool, setup: tuple[float, float, float]) -> None:
        self.started = started  # time.monotonic() when the request began to be written
        self.reused = reused
        self.setup = setup  # dns, connect, tls: of opening the connection, zeros if reused
        self.ended = 0.0  # until the body was read to its end
        self.bytes_received = 0

    def timings(self) -> Timings:
        dns, connect, tls = self.setup
        sent = getattr(self, "sent", self.started)
        headed = getattr(self, "headed", sent)
        ended = self.ended or None
        return Timings(
            dns,
            connect,
            tls,
            sent - self.started,
            headed - sent,
            None if ended is None else ended - headed,
            None if ended is None else ended - self.started + dns + connect + tls,
        )

    def metrics(self, retries: int) -> Metrics:
        sent = getattr(self, "bytes_sent", 0)
        return Metrics(sent, self.bytes_received, self.reused, retries)
