"""python -m demo OUTDIR [--seed N]: write the demo RIS files into OUTDIR."""

from __future__ import annotations

import argparse
from pathlib import Path

from .files import DEFAULT_SEED, demo_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    files = demo_files(args.seed)
    for f in files:
        (args.outdir / f.filename).write_text(f.text, encoding="utf-8")
    total = sum(len(f.paper_ids) for f in files)
    print(f"wrote {len(files)} files, {total} records, to {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
