"""Start-up time of `steward serve` on an existing database, for `make bench`.

Starts the server, polls GET /healthz every 10 ms until it answers 200, stops it with SIGTERM, and repeats.
Prints one line per run (`run=1 ms=412.3 exit=0`) and a summary (`min_ms=… median_ms=… max_ms=…`).

Usage: startup.py RUNS LOG_FILE -- COMMAND… (the command must include --host 127.0.0.1 --port PORT)
The environment (STEWARD_*) is passed through unchanged.
"""

import http.client
import signal
import statistics
import subprocess
import sys
import time


def port_of(command):
    """The value after --port in the server command."""
    return int(command[command.index("--port") + 1])


def answered(port):
    """Whether GET /healthz answers 200 right now."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def stop(process):
    """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def main():
    runs, log_path = int(sys.argv[1]), sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1 :]
    port = port_of(command)
    current = None

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    timings = []
    try:
        with open(log_path, "ab") as log:
            for run in range(1, runs + 1):
                started = time.monotonic()
                current = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                elapsed = None
                while time.monotonic() - started < 30:
                    if answered(port):
                        elapsed = (time.monotonic() - started) * 1000
                        break
                    if current.poll() is not None:
                        break
                    time.sleep(0.01)
                status = stop(current)
                current = None
                if elapsed is None:
                    print(f"run={run} failed: no answer from /healthz (exit {status}); see {log_path}")
                    return 1
                timings.append(elapsed)
                print(f"run={run} ms={elapsed:.1f} exit={status}", flush=True)
    finally:
        if current is not None:
            stop(current)
    print(f"min_ms={min(timings):.1f} median_ms={statistics.median(timings):.1f} max_ms={max(timings):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
