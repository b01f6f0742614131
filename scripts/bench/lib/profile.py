#!/usr/bin/env python3
"""Sorts CPU profiles of Steward's home page and of the hello-world into where the time goes (scripts/bench/run.sh).

Usage: profile.py --steward STACKS REQUESTS CPU_SECONDS [--hello STACKS REQUESTS CPU_SECONDS]
                  --categories OUT.md --leaves OUT.md

STACKS is `perf script -F comm,ip,sym,dso | swift demangle` output; REQUESTS the answers wrk counted and CPU_SECONDS
the server's CPU time during the profiled run. Each sample's call stack (frame pointers, leaf first) is charged to
the first rule below that matches anywhere in the stack, so a getrandom system call made by Token.generate counts as
Token.generate, not as "kernel". Writes two Markdown tables: per cost, the share of Steward's CPU and the
microseconds per request of Steward and of the hello-world (CPU time split by the shares); and the functions most
often on top of Steward's stacks.
"""

import argparse
import re
import sys
from collections import Counter

# (label, patterns that must all be in the stack). The first rule that matches takes the sample. Patterns are
# module-qualified names as `swift demangle` (without --simplified) prints them.
SOCKET_WRITES = "Socket writes: kernel TCP send of the answer (loopback, so it includes delivery to wrk)"
PLUMBING = "Hummingbird and NIOAsyncChannel plumbing (request/response hand-over between threads)"
SCHEDULING = "Task scheduling: Swift concurrency pool, futex, context switches"
HTTP1 = "HTTP/1 parsing and encoding (swift-nio)"
LOGGER = (
    "Logger metadata: request ids set by `RequestIDMiddleware` and Hummingbird (`StreamLogHandler` re-renders all"
    " metadata at each set)"
)
PAGE = "Page: `Renderer.page`, `PageCache.assemble` (cached page, CSRF token spliced in)"
RULES = [
    ("Sign-in hashing still running from part 2 (bcrypt; should be near 0)", ["Blowfish"]),
    ("Sign-in hashing still running from part 2 (bcrypt; should be near 0)", ["Bcrypt"]),
    ("Request id: `Token.generate(byteCount: 9)` in `RequestIDMiddleware.handle`",
     ["Vault.Token.generate", "App.RequestIDMiddleware.handle"]),
    ("CSRF cookie: `Token.generate(byteCount: 18)` in `FormMiddleware.handle`", ["Vault.Token.generate"]),
    ("CSRF form token: `FormMiddleware.token(for:secret:)` (HMAC-SHA256, then base64url)",
     ["App.FormMiddleware.token"]),
    (LOGGER, ["Logging.Logger.subscript.setter"]),
    (LOGGER, ["Logging.StreamLogHandler"]),
    (LOGGER, ["Logging.Logger.Storage"]),
    (PAGE, ["App.Renderer.page"]),
    (PAGE, ["App.PageCache"]),
    ("Layout input: `LayoutService.input` (banner, navigation)", ["App.LayoutService"]),
    ("`SecurityHeadersMiddleware` (header fields on every answer)", ["App.SecurityHeadersMiddleware"]),
    ("`SessionMiddleware`", ["App.SessionMiddleware"]),
    ("`ConsentMiddleware`", ["App.ConsentMiddleware"]),
    ("`MetricsMiddleware` (swift-metrics, Prometheus)", ["MetricsMiddleware"]),
    ("`StaticFilesMiddleware` (asset look-up)", ["App.StaticFilesMiddleware"]),
    ("Other work in `FormMiddleware.handle` (cookie parsing, Set-Cookie)", ["App.FormMiddleware"]),
    ("Other work in `RequestIDMiddleware.handle` (X-Request-Id header)", ["App.RequestIDMiddleware"]),
    ("Other Steward code (router, handlers, request context)", ["App."]),
    (SOCKET_WRITES, ["writeToSocket"]),
    (SOCKET_WRITES, ["Socket.write"]),
    (SOCKET_WRITES, ["SocketProtocol.write"]),
    (HTTP1, ["NIOHTTP1."]),
    (PLUMBING, ["Hummingbird"]),
    (PLUMBING, ["NIOAsyncChannel"]),
    ("Socket reads: kernel TCP receive of the request", ["readFromSocket"]),
    ("Event loop wake-ups: epoll, eventfd", ["_blockingWaitForWork"]),
    (SCHEDULING, ["swift_job_run"]),
    (SCHEDULING, ["futex"]),
    (SCHEDULING, ["_dispatch"]),
    ("Other event-loop work (swift-nio)", ["NIOPosix."]),
]


def parse(stream):
    """Yields (thread name, [frame symbols leaf first]) per sample of `perf script -F comm,ip,sym,dso`."""
    comm, frames = None, []
    for line in stream:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line[0].isspace():
            comm, frames = line.strip(), []
        else:
            parts = line.strip().split(" ", 1)
            symbol = parts[1] if len(parts) > 1 else "?"
            symbol = re.sub(r" \([^()]*\)$", "", symbol)  # the DSO
            frames.append(symbol)
    if comm is not None:
        yield comm, frames


def classify(frames):
    """The label of the first rule whose patterns all occur in the stack."""
    joined = "\n".join(frames)
    for label, needed in RULES:
        if all(pattern in joined for pattern in needed):
            return label
    return "Other (runtime, allocation, kernel)"


def short(symbol):
    """A leaf symbol without its argument types and specialisation notes, cut to a readable length."""
    symbol = re.sub(r"^.*? of (?=[A-Za-z_][\w.]*\()", "", symbol)  # "… specialization <…> of Module.Type.f(" → f
    symbol = re.sub(r"\(.*", "(…)", symbol, count=1) if "(" in symbol and not symbol.startswith("(") else symbol
    return symbol if len(symbol) <= 90 else symbol[:87] + "…"


def tally(path):
    """Samples per cost and per leaf function in one stacks file, and the number of samples."""
    categories, leaves, total = Counter(), Counter(), 0
    with open(path) as stream:
        for _, frames in parse(stream):
            if not frames:
                continue
            total += 1
            categories[classify(frames)] += 1
            leaves[short(frames[0])] += 1
    if total == 0:
        sys.exit(f"profile.py: no samples in {path}")
    return categories, leaves, total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steward", nargs=3, metavar=("STACKS", "REQUESTS", "CPU_SECONDS"), required=True)
    parser.add_argument("--hello", nargs=3, metavar=("STACKS", "REQUESTS", "CPU_SECONDS"))
    parser.add_argument("--categories", required=True)
    parser.add_argument("--leaves", required=True)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()

    def per_request(requests, seconds):
        return float(seconds) * 1e6 / float(requests) if float(requests or 0) > 0 else 0.0

    categories, leaves, total = tally(args.steward[0])
    steward_us = per_request(args.steward[1], args.steward[2])
    hello, hello_total, hello_us = Counter(), 0, 0.0
    if args.hello:
        hello, _, hello_total = tally(args.hello[0])
        hello_us = per_request(args.hello[1], args.hello[2])

    labels = [label for label, _ in categories.most_common()]
    labels += [label for label, _ in hello.most_common() if label not in categories]
    with open(args.categories, "w") as out:
        out.write("| Cost | Share of Steward's CPU | Steward µs per request | hello-world µs per request |\n")
        out.write("|---|---|---|---|\n")
        for label in labels:
            share = categories[label] / total
            other = f"{hello[label] / hello_total * hello_us:.1f}" if hello_total else ""
            out.write(f"| {label} | {100 * share:.1f}% | {share * steward_us:.1f} | {other} |\n")
        other = f"**{hello_us:.1f}** ({hello_total} samples)" if hello_total else ""
        out.write(f"| **All** | 100% ({total} samples) | **{steward_us:.1f}** | {other} |\n")
    with open(args.leaves, "w") as out:
        out.write("| Function on top of Steward's stack | Share |\n|---|---|\n")
        for symbol, count in leaves.most_common(args.top):
            symbol = symbol.replace("|", "\\|")
            out.write(f"| `{symbol}` | {100 * count / total:.1f}% |\n")
    print(f"steward samples={total} us_per_request={steward_us:.1f}; hello samples={hello_total} "
          f"us_per_request={hello_us:.1f}")


if __name__ == "__main__":
    main()
