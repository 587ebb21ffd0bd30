#!/usr/bin/env python3
"""Measures msf-mcp over stdio with raw JSON-RPC (no SDK overhead in the timing):
spawn -> initialize answered (N cold spawns), and tools/call round trips for
msf_search and msf_route (p50/p99 over M calls on one server).
Usage: scripts/stdio-latency.py BINARY [N_SPAWNS] [M_CALLS] [-- extra args before serve]
"""
import json, statistics, subprocess, sys, time

def spawn(binary, extra):
    return subprocess.Popen([binary, *extra, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)

def rpc(p, msg):
    p.stdin.write((json.dumps(msg) + "\n").encode())
    p.stdin.flush()
    if "id" not in msg:
        return None
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("server closed stdout")
        v = json.loads(line)
        if v.get("id") == msg["id"]:
            return v

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "latency", "version": "0"}}}

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]

def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--"); extra = args[i + 1:]; args = args[:i]
    binary = args[0]
    n = int(args[1]) if len(args) > 1 else 20
    m = int(args[2]) if len(args) > 2 else 500
    inits = []
    for _ in range(n):
        t = time.perf_counter()
        p = spawn(binary, extra)
        r = rpc(p, INIT)
        inits.append((time.perf_counter() - t) * 1000)
        assert "result" in r, r
        p.stdin.close(); p.wait()
    print(f"spawn->initialize: median {statistics.median(inits):.2f} ms, min {min(inits):.2f}, max {max(inits):.2f} (n={n})")
    p = spawn(binary, extra)
    rpc(p, INIT)
    rpc(p, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    for tool, args_ in [("msf_search", {"query": "checkpoint interval ParallelismPerKPU", "limit": 8}),
                        ("msf_route", {"question": "checkpoints take longer than the interval and the job restarts"})]:
        times = []
        for i in range(m):
            t = time.perf_counter()
            r = rpc(p, {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": tool, "arguments": args_}})
            times.append((time.perf_counter() - t) * 1000)
            assert not r["result"].get("isError"), r
        print(f"{tool} round trip: p50 {pct(times, .5):.3f} ms, p99 {pct(times, .99):.3f} ms (n={m})")
    p.stdin.close(); p.wait()

main()
