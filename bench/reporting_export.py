"""Export 100,000 CPE Monitor reporting records on PostgreSQL; write time and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/celedger \
        .venv/bin/python bench/reporting_export.py

Runs celedger/reporting/tests/test_export_scale.py (which builds 1,000 pharmacists x 100
activities of records, exports them once timed and once under tracemalloc) and writes
bench/results/reporting-export.json.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "reporting-export.json"


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database.", file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RUN_SLOW": "1", "REPORTING_BENCH_OUT": str(OUT)}
    test = "celedger/reporting/tests/test_export_scale.py"
    code = subprocess.call(
        [sys.executable, "-m", "pytest", test, "-q", "-p", "no:randomly", "--create-db"],
        cwd=ROOT,
        env=env,
    )
    if code == 0:
        print(json.dumps(json.loads(OUT.read_text()), indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())
