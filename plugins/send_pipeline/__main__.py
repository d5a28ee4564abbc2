"""Command line for operators, without the scheduler (same code the DAG tasks call).

    python -m send_pipeline nightly [--as-at 2026-02-01] [--run-id ID] [--full-refresh]
    python -m send_pipeline source cms [--as-at ...]      # extract, validate, load one source
    python -m send_pipeline marts [--as-at ...]           # rebuild staging + marts
    python -m send_pipeline purge                         # apply the retention period
    python -m send_pipeline check-source cms              # is the CMS ready? (exit 1 when not)

In consortium mode (SEND_LAS=331,332,…) `nightly` runs every LA in turn and then pools their marts
into schema `consortium`; add `--la 332` to any command to act on one LA only.
"""
from __future__ import annotations

import argparse
import json
import logging
from datetime import date, datetime, timezone

from send_pipeline.kernel.run import Run
from send_pipeline.kernel.settings import Settings
from send_pipeline.nightly import steps
from send_pipeline.nightly.sources import SOURCE_ORDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m send_pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["nightly", "source", "marts", "purge", "check-source"])
    parser.add_argument("source", nargs="?", choices=SOURCE_ORDER)
    parser.add_argument("--as-at", type=date.fromisoformat, default=date.today())
    parser.add_argument("--run-id", default=None, help="default: cli__<timestamp>")
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--la", default=None, help="consortium mode: one LA (3-digit LA number)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_id = args.run_id or f"cli__{datetime.now(timezone.utc):%Y%m%dT%H%M%S}"
    run = Run(Settings.resolve(), run_id, args.as_at, args.full_refresh)
    if args.la:
        run = run.for_la(args.la)
    elif run.settings.consortium_level and args.command != "nightly":
        parser.error("consortium mode: name the LA with --la (" + ", ".join(run.settings.las()) + ")")
    if args.command == "check-source":
        from send_pipeline.onboarding import check_source

        if args.source != "cms":
            parser.error("check-source: only the CMS can be checked (check-source cms)")
        report = check_source.check_cms(run.settings.cms_url, run.settings)
        print(check_source.render(report))
        return 0 if report.ready else 1
    if args.command == "nightly":
        result = steps.run_nightly(run)
        if "consortium" in result:  # consortium mode: every LA's summary, then the pooled tables
            for la in run.settings.las():
                print(f"== LA {la}\n{result[la]['summary']['summary']}")
            print(json.dumps(result["consortium"], indent=1, default=str))
        else:
            print(result["summary"]["summary"])
        return 0
    if args.command == "source":
        if not args.source:
            parser.error("name the source: " + ", ".join(SOURCE_ORDER))
        print(json.dumps(steps.run_source(args.source, run), indent=1, default=str))
        return 0
    result = steps.build_marts(run) if args.command == "marts" else steps.purge_expired(run)
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
