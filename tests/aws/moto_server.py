#!/usr/bin/env python3
"""moto's AWS emulator on 127.0.0.1, with one fix for kinesisanalyticsv2, for msf-mcp's tests.

Why this wrapper exists: moto 5.2.5 answers kinesisanalyticsv2 CreateApplication and
DescribeApplication with `CreateTimestamp`, `LastUpdateTimestamp` and
`ApplicationVersionCreateTimestamp` as ISO-8601 strings (e.g. "2026-11-21T12:05:00.123456").
AWS's JSON protocol (awsJson1_1) sends timestamps as epoch seconds, a JSON number, and the
Rust SDK (aws-sdk-kinesisanalyticsv2) rejects a string there, failing the whole call. So we
run moto's own WSGI app in-process behind a small WSGI middleware that rewrites those fields
(and any other `...Timestamp` field moto sends as a string) to epoch seconds in every
response to a request whose `X-Amz-Target` starts with `KinesisAnalytics_20180523.`, and
fixes `Content-Length`. For those JSON responses it also replaces moto's `Content-Type:
text/html` with AWS's `application/x-amz-json-1.1`. Every other service (CloudWatch Logs,
...) passes through untouched. See MOTO.md beside this file for what moto answers.

Usage: moto_server.py PORT        (PORT 0 = pick a free port)

Stdout carries exactly one line, `READY <port>`, once the socket listens; everything else
goes to stderr. The server exits cleanly on SIGTERM/SIGINT, or when its stdin reaches EOF:
spawn it with stdin as a pipe and keep the write end open for as long as the server is
needed (dropping it, or the parent dying, stops the server; stdin = /dev/null stops it at
once). Set MOTO_WRAPPER_VERBOSE=1 to log each request to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from datetime import datetime
from typing import Any, Callable, Iterable

# Anything moto or its dependencies print must not reach our stdout, which carries only
# the READY line.
_REAL_STDOUT = sys.stdout
sys.stdout = sys.stderr

from werkzeug.serving import make_server  # noqa: E402

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

KDA_TARGET_PREFIX = "KinesisAnalytics_20180523."

# The timestamp members of the kinesisanalyticsv2 model (aws-sdk-kinesisanalyticsv2 reads
# each as epoch seconds). moto 5.2.5 sends the first three, as ISO strings; the others belong
# to operations moto lacks, listed so a later moto cannot break the SDK the same way. Any
# other key ending in "Timestamp" is converted too. Only a string that parses as an ISO
# date-time is touched (so "ApplicationMaintenanceWindowStartTime": "06:00" never is).
KNOWN_TIMESTAMP_KEYS = frozenset(
    {
        "CreateTimestamp",
        "LastUpdateTimestamp",
        "ApplicationVersionCreateTimestamp",
        "SnapshotCreationTimestamp",
        "StartTime",
        "EndTime",
    }
)

log = logging.getLogger("moto_wrapper")


def _iso_to_epoch(value: str) -> float | None:
    """ISO-8601 string -> epoch seconds (millisecond precision), or None if not ISO.

    moto builds these with `datetime.now().isoformat()`: naive local time, so a naive
    value is read as local time (the same clock moto used)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return round(parsed.timestamp(), 3)


def _is_timestamp_key(key: str) -> bool:
    return key in KNOWN_TIMESTAMP_KEYS or key.endswith("Timestamp")


def convert_timestamps(node: Any) -> tuple[Any, int]:
    """Returns (converted node, number of fields converted), at any depth."""
    count = 0
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if isinstance(value, str) and _is_timestamp_key(key):
                epoch = _iso_to_epoch(value)
                if epoch is not None:
                    out[key] = epoch
                    count += 1
                    continue
            out[key], sub = convert_timestamps(value)
            count += sub
        return out, count
    if isinstance(node, list):
        items = []
        for item in node:
            converted, sub = convert_timestamps(item)
            items.append(converted)
            count += sub
        return items, count
    return node, 0


class KdaTimestampFix:
    """WSGI middleware: epoch-second timestamps in kinesisanalyticsv2 JSON responses."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(KDA_TARGET_PREFIX):
            return self.app(environ, start_response)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"] = status
            captured["headers"] = headers
            captured["exc_info"] = exc_info
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, capture)
        try:
            body = b"".join(captured.get("written", [])) + b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

        headers = captured["headers"]
        try:
            document = json.loads(body) if body else None
        except ValueError:
            document = None  # HTML error page (moto's 500 for unimplemented operations)
        if isinstance(document, (dict, list)):
            converted, count = convert_timestamps(document)
            # moto leaves out ApplicationName, which AWS always sends: take it from the ARN.
            detail = converted.get("ApplicationDetail") if isinstance(converted, dict) else None
            if isinstance(detail, dict) and not detail.get("ApplicationName") and detail.get("ApplicationARN"):
                detail["ApplicationName"] = detail["ApplicationARN"].rsplit("/", 1)[-1]
                count += 1
            if count:
                body = json.dumps(converted, separators=(",", ":")).encode("utf-8")
                log.debug("%s: converted %d timestamp field(s)", target, count)
            # moto labels its JSON "text/html"; AWS sends the protocol's own type.
            headers = [(k, v) for (k, v) in headers if k.lower() != "content-type"]
            headers.append(("Content-Type", "application/x-amz-json-1.1"))
        headers = [(k, v) for (k, v) in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers, captured["exc_info"])
        return [body]


class OneLineErrors(logging.Filter):
    """moto answers an operation it lacks by raising (NotImplementedError, or KeyError for
    an unknown name); werkzeug then logs "Error on request:" with a ~50-line traceback
    before sending its HTML 500. Outside verbose mode, keep only the exception's line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Error on request:"):
            lines = [line for line in message.splitlines() if line.strip()]
            record.msg = f"Error on request: {lines[-1].strip() if len(lines) > 1 else '?'}"
            record.args = ()
        return True


def main(argv: list[str]) -> int:
    verbose = os.environ.get("MOTO_WRAPPER_VERBOSE", "") not in ("", "0")
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.INFO,
        format="moto_server: %(levelname)s %(name)s: %(message)s",
    )
    # werkzeug logs one INFO line per request; keep them unless asked, errors always show.
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        logging.getLogger("werkzeug").addFilter(OneLineErrors())

    if len(argv) != 2:
        print("usage: moto_server.py PORT   (0 = pick a free port)", file=sys.stderr)
        return 2
    try:
        port = int(argv[1])
    except ValueError:
        print(f"moto_server: bad port {argv[1]!r}", file=sys.stderr)
        return 2

    app = KdaTimestampFix(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
    )
    bound_port = server.server_address[1]

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d, shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_stdin() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside a BufferedReader makes
        # interpreter shutdown abort (SIGABRT) when we stop on a signal instead.
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        log.info("stdin closed, shutting down")
        stop.set()

    threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    serve = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve", daemon=True
    )
    serve.start()

    _REAL_STDOUT.write(f"READY {bound_port}\n")
    _REAL_STDOUT.flush()
    log.info("listening on 127.0.0.1:%d", bound_port)

    while not stop.wait(0.1):
        pass
    server.shutdown()
    server.server_close()
    serve.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
