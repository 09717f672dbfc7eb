"""``make bench``: set up the bench database once, then run every bench in order.

Each bench prints its figures and a final RATIO line; this script ends with a summary
of those lines and exits non-zero when any target was missed (all benches still run).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    started = time.perf_counter()
    setup = subprocess.run([sys.executable, str(HERE / "setup.py")], cwd=HERE)  # noqa: S603
    if setup.returncode != 0:
        print("bench setup failed")
        return setup.returncode
    failed = []
    summary: list[str] = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name}", flush=True)
        done = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, str(script)], cwd=HERE, capture_output=True, text=True
        )
        sys.stdout.write(done.stdout)
        # 1: a target missed, the figures still stand; but an uncaught exception exits
        # with 1 too, and its traceback must not be swallowed.
        if done.returncode not in (0, 1) or "Traceback (most recent call last)" in done.stderr:
            sys.stdout.write(done.stderr[-3000:])
        summary += [
            line
            for line in done.stdout.splitlines()
            if line.startswith(("RATIO", "TIME", "MEMORY", "P95"))
        ]
        if done.returncode != 0 and "Traceback (most recent call last)" in done.stderr:
            failed.append(f"{script.name} (crashed)")
        elif done.returncode != 0:
            failed.append(script.name)
    print(f"\n=== summary ({time.perf_counter() - started:.0f} s)")
    for line in summary:
        print(line)
    if failed:
        print(f"targets missed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
