"""Run every benchmark and print one table of figures: `make bench` (by hand, never in CI).

    .venv/bin/python bench/run.py [--only checkin_burst scale …] [--quick]

Each benchmark runs in its own process, one after the other (they would only slow each other
down on a 2-core machine), with its output kept in bench/results/<name>.log; its figures come
back as JSON (bench/results/<name>.json) and all of them are printed together at the end,
with each target and whether it was met, and saved in bench/results/latest.json. --quick
runs smaller versions (fewer rounds and requests) to check that everything works; its
figures are not the ones to quote.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, ROOT, Row, print_table

BENCH = ROOT / "bench"
#: name → (script, arguments, arguments with --quick, time limit in seconds)
BENCHMARKS = {
    "checkin_burst": ("checkin_burst.py", [], ["--rounds", "2"], 300),
    "checkin_cost": ("checkin_cost.py", [], ["--requests", "100", "--rounds", "2"], 600),
    "hall_phones": ("hall_phones.py", [], ["--phones", "60", "--seconds", "5"], 300),
    "attendance_sheet": ("attendance_sheet.py", [], ["--runs", "2"], 240),
    "certificates": ("certificates.py", [], ["--count", "200"], 300),
    "scale": ("scale.py", [], ["--requests", "5"], 900),
    "memory": ("memory.py", [], ["--quick"], 1200),
}


def certificate_rows(output: str) -> list[Row]:
    """Figures from bench/certificates.py's printed summary (it has no JSON output of its own)."""
    name, rows = "certificates", []

    def ratio(label: str) -> float | None:
        match = re.search(re.escape(label) + r":?\s+([0-9.]+)x", output)
        return float(match.group(1)) if match else None

    per_cert = re.findall(r"^(text only \(no QR\)|ours: \S+|reportlab QrCodeWidget)\s+([0-9.]+)", output, re.M)
    for way, ms in per_cert:
        rows.append(Row(name, f"ms per certificate, {way} (median)", f"{float(ms):.2f} ms"))
    alone = ratio("widget / ours, per QR alone")
    drawn = ratio("widget / ours, per QR drawn (minus text)")
    whole = ratio("widget / ours, per certificate")
    text = ratio("ours / text only, per certificate")
    if drawn is not None:
        rows.append(Row(name, "QR cost: widget / ours (certificate minus text-only)", f"{drawn:.1f}×"))
    if alone is not None:
        rows.append(Row(name, "QR alone: widget / ours", f"{alone:.1f}×", "≥ 10×", alone >= 10))
    if whole is not None:
        rows.append(Row(name, "whole certificate: widget / ours", f"{whole:.2f}×"))
    if text is not None:
        rows.append(Row(name, "ours / text-only page, per certificate", f"{text:.2f}×"))
    if not rows:
        rows.append(Row(name, "output", "not understood; see bench/results/certificates.log", "", False))
    return rows


def run_one(name: str, quick: bool) -> tuple[list[Row], list[str], float]:
    script, normal, small, limit = BENCHMARKS[name]
    path = BENCH / script
    if not path.exists():
        return [Row(name, "script", f"bench/{script} is missing", "", False)], [], 0.0
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json, log = RESULTS / f"{name}.json", RESULTS / f"{name}.log"
    out_json.unlink(missing_ok=True)
    arguments = list(small if quick else normal)
    accepts_json = (
        "--json"
        in subprocess.run([sys.executable, str(path), "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    )
    if accepts_json:
        arguments += ["--json", str(out_json)]
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, str(path), *arguments], cwd=ROOT, capture_output=True, text=True, timeout=limit
        )
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output, code = output + f"\n(stopped after {limit} s)", "timeout"
    elapsed = time.monotonic() - started
    log.write_text(output)
    if code != 0:
        return [Row(name, "run", f"failed ({code}); see bench/results/{name}.log", "", False)], [], elapsed
    if accepts_json and out_json.exists():
        data = json.loads(out_json.read_text())
        return [Row(**row) for row in data["rows"]], data.get("notes", []), elapsed
    return certificate_rows(output), [], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="smaller runs, to check the benchmarks work")
    args = parser.parse_args()

    names = args.only or list(BENCHMARKS)
    rows, notes, started = [], [], time.monotonic()
    for name in names:
        print(f"{name}…", end=" ", flush=True)
        got, said, elapsed = run_one(name, args.quick)
        rows += got
        notes += [f"{name}: {text}" for text in said]
        failed = sum(1 for r in got if r.ok is False)
        print(f"{elapsed:.0f} s" + (f", {failed} target(s) missed" if failed else ""), flush=True)
    total = time.monotonic() - started

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"\nBenchmarks{' (quick)' if args.quick else ''} at {commit}, {total / 60:.1f} min; "
        "wall-clock times on a shared machine: compare within a run, read medians and ratios.\n"
    )
    print_table(rows)
    print()
    for text in notes:
        print("  " + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "commit": commit,
                "quick": args.quick,
                "seconds": round(total),
                "rows": [r.__dict__ for r in rows],
                "notes": notes,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    missed = sum(1 for r in rows if r.ok is False)
    print(f"\n{sum(1 for r in rows if r.ok)} targets met, {missed} missed.")


if __name__ == "__main__":
    main()
