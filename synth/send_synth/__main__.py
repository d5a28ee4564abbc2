"""Command line: python -m send_synth --out DIR [...] (run with PYTHONPATH=plugins:synth)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date

from .core import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m send_synth",
                                 description="Write every source system of a synthetic local authority.")
    ap.add_argument("--out", required=True, help="output folder (cms.db, inbox/, defects.json)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0 = Coventry)")
    ap.add_argument("--defects", type=float, default=0.0, help="fraction of rows per defect kind (e.g. 0.02)")
    ap.add_argument("--until", type=date.fromisoformat, default=date(2026, 1, 31), help="extract date (YYYY-MM-DD)")
    ap.add_argument("--la-code", default="331", help="3-digit DfE LA number")
    ap.add_argument("--dfe-zip", default=None, help="DfE EHC plan statistics zip to copy into the inbox")
    ap.add_argument("--las", default=None, help="a consortium instead: LA:size,… e.g. 331:1,886:7,335:0.5 "
                    "(writes <out>/<la>/cms.db and <out>/inbox/<la>/; prints the settings to use)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if a.las:
        from .consortium import environment, generate_consortium, parse_las

        las = parse_las(a.las)
        summary = generate_consortium(a.out, las, seed=a.seed, defects=a.defects, until=a.until, dfe_zip=a.dfe_zip)
        json.dump({"las": summary, "settings": environment(a.out, las)}, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return 0
    summary = generate(a.out, seed=a.seed, scale=a.scale, defects=a.defects, until=a.until, la_code=a.la_code,
                       dfe_zip=a.dfe_zip)
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
