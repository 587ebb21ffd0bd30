#!/usr/bin/env python3
"""Latency of the live-signal CLI twins against moto (figures only; nothing asserted).

Usage: .venv/bin/python scripts/signals-latency.py [BINARY] [N]
Starts tests/aws/moto_server.py, seeds one FLINK-1_20 application with two hours of
one-minute checkpoint and restart metrics (boto3), then runs `metrics`, `alarms` and
`diagnose` N times each (default 20) and prints the median and p90 wall time per command,
process start included.
"""
import datetime, os, statistics, subprocess, sys, tempfile, time

import boto3

binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/msf-mcp"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
moto = subprocess.Popen([sys.executable, "tests/aws/moto_server.py", "0"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
port = moto.stdout.readline().decode().split()[1]
url = f"http://127.0.0.1:{port}"
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
app = "bench-app"
boto3.client("kinesisanalyticsv2", **kw).create_application(
    ApplicationName=app, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole="arn:aws:iam::123456789012:role/msf")
cw = boto3.client("cloudwatch", **kw)
now = datetime.datetime.now(datetime.timezone.utc)
series = {
    "lastCheckpointDuration": [20000 + i * 330 for i in range(120)],
    "numberOfFailedCheckpoints": [0 if i < 90 else (i - 90) // 5 for i in range(120)],
    "uptime": [1e7 + i * 60000 for i in range(120)],
    "downtime": [0] * 120,
    "fullRestarts": [0] * 120,
    "cpuUtilization": [35] * 120,
    "heapMemoryUtilization": [55] * 120,
}
for name, values in series.items():
    data = [{"MetricName": name, "Dimensions": [{"Name": "Application", "Value": app}],
             "Timestamp": now - datetime.timedelta(minutes=120 - i), "Value": float(v)} for i, v in enumerate(values)]
    cw.put_metric_data(Namespace="AWS/KinesisAnalytics", MetricData=data)
state = tempfile.mkdtemp()
env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
           AWS_REGION="us-east-1", MSF_MCP_AWS_MAX_ATTEMPTS="1", XDG_STATE_HOME=state,
           XDG_CONFIG_HOME=os.path.join(state, "config"), MSF_MCP_AUDIT_LOG=os.path.join(state, "audit.jsonl"))
env.pop("AWS_PROFILE", None)
for args in (["metrics", app, "--preset", "checkpoints"], ["alarms", app], ["diagnose", app]):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = subprocess.run([binary, *args], env=env, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
        if out.returncode != 0:
            sys.exit(f"{args}: {out.stderr.decode()}")
    times.sort()
    print(f"msf-mcp {' '.join(args):<40} n={n} median {statistics.median(times):7.1f} ms  p90 {times[int(n * 0.9) - 1]:7.1f} ms")
moto.stdin.close()
moto.wait()
