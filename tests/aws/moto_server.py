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


# ---------------------------------------------------------------- CloudWatch: rpc-v2-cbor <-> JSON
#
# aws-sdk-cloudwatch (1.118 and later) speaks Smithy RPC v2 CBOR; moto 5.2.5 answers CloudWatch in
# its `query` and `json` (awsJson1_0) protocols only. This bridge turns a CBOR request
# (`POST /service/<Service>/operation/<Op>`, header `smithy-protocol: rpc-v2-cbor`) into the
# equivalent awsJson1_0 request moto understands (`X-Amz-Target: <Service>.<Op>`), and moto's
# JSON answer back into CBOR, typed by botocore's model of the operation's output (doubles as
# float64, timestamps as tag 1 epoch seconds), as AWS would send it.

import base64  # noqa: E402
import gzip  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402

CBOR_PATH = re.compile(r"^/service/([A-Za-z0-9_]+)/operation/([A-Za-z0-9_]+)$")


class _Tagged:
    def __init__(self, tag: int, value: Any):
        self.tag = tag
        self.value = value


def cbor_decode(data: bytes) -> Any:
    """Decodes one CBOR data item (the subset Smithy clients send)."""
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = data[pos : pos + n]
        if len(chunk) != n:
            raise ValueError("truncated CBOR")
        pos += n
        return chunk

    def length(info: int) -> int | None:
        if info < 24:
            return info
        if info == 31:
            return None
        return int.from_bytes(read(1 << (info - 24)), "big")

    def item() -> Any:
        head = read(1)[0]
        major, info = head >> 5, head & 31
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return struct.unpack(">e", read(2))[0]
            if info == 26:
                return struct.unpack(">f", read(4))[0]
            if info == 27:
                return struct.unpack(">d", read(8))[0]
            if info == 31:
                return StopIteration
            raise ValueError(f"unsupported CBOR simple value {info}")
        n = length(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            if n is None:
                parts = []
                while (part := item()) is not StopIteration:
                    parts.append(part)
                return "".join(parts) if major == 3 else b"".join(parts)
            raw = read(n)
            return raw.decode("utf-8") if major == 3 else raw
        if major == 4:
            if n is None:
                out = []
                while (value := item()) is not StopIteration:
                    out.append(value)
                return out
            return [item() for _ in range(n)]
        if major == 5:
            out = {}
            if n is None:
                while (key := item()) is not StopIteration:
                    out[key] = item()
                return out
            for _ in range(n):
                key = item()
                out[key] = item()
            return out
        return _Tagged(n, item())

    return item()


def cbor_to_json(node: Any) -> Any:
    """CBOR values -> what awsJson1_0 carries (timestamps as epoch seconds, blobs base64)."""
    if isinstance(node, _Tagged):
        return cbor_to_json(node.value)
    if isinstance(node, dict):
        return {k: cbor_to_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [cbor_to_json(v) for v in node]
    if isinstance(node, bytes):
        return base64.b64encode(node).decode("ascii")
    return node


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


def cbor_encode(node: Any, shape: Any = None) -> bytes:
    """Encodes `node`, typed by the botocore `shape` when one is known."""
    kind = getattr(shape, "type_name", None)
    if node is None:
        return b"\xf6"
    if kind == "timestamp":
        if isinstance(node, str):
            node = _iso_to_epoch(node) or 0.0
        return _head(6, 1) + struct.pack(">Bd", 0xFB, float(node))
    if kind in ("double", "float") or (kind is None and isinstance(node, float)):
        return struct.pack(">Bd", 0xFB, float(node))
    if isinstance(node, bool):
        return b"\xf5" if node else b"\xf4"
    if isinstance(node, int):
        return _head(0, node) if node >= 0 else _head(1, -1 - node)
    if kind == "blob" and isinstance(node, str):
        raw = base64.b64decode(node)
        return _head(2, len(raw)) + raw
    if isinstance(node, bytes):
        return _head(2, len(node)) + node
    if isinstance(node, str):
        raw = node.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(node, list):
        member = getattr(shape, "member", None)
        return _head(4, len(node)) + b"".join(cbor_encode(v, member) for v in node)
    if isinstance(node, dict):
        items = [(k, v) for k, v in node.items() if v is not None]
        members = getattr(shape, "members", None) if kind == "structure" else None
        value_shape = getattr(shape, "value", None) if kind == "map" else None
        out = _head(5, len(items))
        for k, v in items:
            out += cbor_encode(k) + cbor_encode(v, members.get(k) if members else value_shape)
        return out
    raise ValueError(f"cannot encode {type(node).__name__} as CBOR")


_MODELS: dict[str, Any] = {}


def _output_shape(service: str, operation: str) -> Any:
    """botocore's output shape of `operation` (CloudWatch only), or None."""
    if service != "GraniteServiceVersion20100801":
        return None
    if "cloudwatch" not in _MODELS:
        import botocore.session

        _MODELS["cloudwatch"] = botocore.session.get_session().get_service_model("cloudwatch")
    try:
        return _MODELS["cloudwatch"].operation_model(operation).output_shape
    except Exception:  # noqa: BLE001 (unknown operation: encode untyped)
        return None


class CborBridge:
    """WSGI middleware: Smithy RPC v2 CBOR requests answered by moto's awsJson1_0 handlers."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        match = CBOR_PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("HTTP_SMITHY_PROTOCOL", "") != "rpc-v2-cbor" or not match:
            return self.app(environ, start_response)
        service, operation = match.groups()
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        # PutMetricData bodies over 10 KB arrive gzip-compressed (Smithy request compression).
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        document = cbor_to_json(cbor_decode(raw)) if raw else {}
        body = json.dumps(document).encode("utf-8")
        environ = dict(environ)
        environ["PATH_INFO"] = "/"
        environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["HTTP_X_AMZ_TARGET"] = f"{service}.{operation}"
        environ["wsgi.input"] = io.BytesIO(body)
        for key in ("HTTP_SMITHY_PROTOCOL", "HTTP_X_AMZN_QUERY_MODE", "HTTP_ACCEPT", "HTTP_CONTENT_ENCODING"):
            environ.pop(key, None)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"] = status
            captured["headers"] = headers
            captured["exc_info"] = exc_info
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, capture)
        try:
            answer = b"".join(captured.get("written", [])) + b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = captured["status"]
        try:
            parsed = json.loads(answer) if answer else {}
        except ValueError:
            parsed = {"__type": "InternalFailure", "message": answer.decode("utf-8", "replace")[:500]}
        ok = status.startswith("2")
        if not ok and isinstance(parsed, dict) and "__type" in parsed:
            parsed["__type"] = str(parsed["__type"]).split("#")[-1]
        out = cbor_encode(parsed, _output_shape(service, operation) if ok else None)
        headers = [
            (k, v)
            for (k, v) in captured["headers"]
            if k.lower() not in ("content-type", "content-length")
        ]
        headers += [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Length", str(len(out))),
        ]
        log.debug("%s.%s: bridged CBOR <-> JSON (%s)", service, operation, status)
        start_response(status, headers, captured["exc_info"])
        return [out]


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

    app = CborBridge(KdaTimestampFix(DomainDispatcherApplication(create_backend_app)))
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
