#!/usr/bin/env python3
"""Times sequential GET requests to one URL over one kept-alive connection, like a browser reloading a page.

    python3 scripts/bench/lib/latency.py URL [--requests 200] [--warmup 10] [--header 'Name: value' …]

Every answer must be 200 (the script stops at the first that is not). The time of a request runs from sending it
to having read the whole body. Prints one line:

    requests=200 p50_ms=… p95_ms=… p99_ms=… max_ms=… mean_ms=… bytes=…
"""

from __future__ import annotations

import argparse
import http.client
import math
import sys
import time
import urllib.parse


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile `p` (0–100) of ascending values."""
    index = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[index - 1]


def main() -> int:
    """Parses the arguments, runs the warm-up and the timed requests, prints the figures."""
    parser = argparse.ArgumentParser(description="Time sequential GETs of one URL.")
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--header", action="append", default=[], help="'Name: value', may be repeated")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    target = url.path + ("?" + url.query if url.query else "")
    headers = dict(line.split(": ", 1) for line in args.header)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
    timings: list[float] = []
    size = 0
    for number in range(args.warmup + args.requests):
        started = time.perf_counter()
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            print(f"latency.py: GET {args.url} answered {response.status}: {body[:500]!r}", file=sys.stderr)
            return 1
        if number >= args.warmup:
            timings.append(elapsed)
            size = len(body)
    connection.close()
    timings.sort()
    print(
        f"requests={len(timings)} p50_ms={percentile(timings, 50):.1f} p95_ms={percentile(timings, 95):.1f} "
        f"p99_ms={percentile(timings, 99):.1f} max_ms={timings[-1]:.1f} mean_ms={sum(timings) / len(timings):.1f} "
        f"bytes={size}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
