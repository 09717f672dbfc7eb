"""Bench 4: query budgets. Every list page costs the same queries at 10 and at 1,000 rows.

Runs tests/performance/test_query_budgets.py (also part of the normal test suite, at
200 rows) against PostgreSQL at QUERY_BUDGET_LARGE=1000. pytest-django creates its own
database next to the bench database (``test_<name>``) and drops it afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from _common import DEFAULT_URL, ROOT, verdict


def main() -> int:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        "QUERY_BUDGET_LARGE": os.environ.get("QUERY_BUDGET_LARGE", "1000"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest uses voorzorg.settings.test
    print(f"bench 4: query budgets at 10 and {env['QUERY_BUDGET_LARGE']} rows (PostgreSQL)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "tests/performance/test_query_budgets.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    budgets = re.findall(r"BUDGET (.*)$", done.stdout, re.MULTILINE)
    for line in budgets:
        print(f"  {line}")
    equal = sum(
        1
        for line in budgets
        if (m := re.search(r"(\d+) queries at \d+ rows, (\d+) at", line))
        and m.group(1) == m.group(2)
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    print(f"  pytest: {summary}")
    if done.returncode != 0:
        print(done.stdout[-3000:])
    ok = done.returncode == 0 and equal == len(budgets) and budgets
    print(
        f"RATIO pages with equal query counts = {equal}/{len(budgets)} "
        f"(target all) {verdict(bool(ok))}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
