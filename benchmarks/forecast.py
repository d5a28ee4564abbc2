"""Benchmark: the sufficiency forecast (send_forecast's step) on generated LAs, with its backtest.

    python benchmarks/forecast.py                                  # the Coventry-size demo LA (1x)
    python benchmarks/forecast.py --las 331:1,886:7,335:1,332:0.5,333:0.5   # a 10x consortium, per LA
    [--work /tmp/send_forecast_bench] [--fresh] [--simulations 500]

Generates the LA(s) (cached in --work), runs the nightly pipeline once to load the warehouse (cached
too), then times `run_forecast` for each LA: read (the census-day history, spend and places SQL), model
(fit, expected projection, simulated runs), backtest, summarise (the marts' frames) and write (one
transaction), with the process's peak memory. Prints one row per LA, then each LA's backtest (MAPE per
horizon: forecast against last year and the linear trend). Target: under 30 s for the Coventry size.
Not part of the test run.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "synth")]
AS_AT = date(2026, 2, 1)


def setup(work: Path, las: dict[str, float] | None, fresh: bool) -> None:
    import send_synth as synth

    la = work / "la"
    os.environ.update({"SEND_OUTPUT_DIR": str(work / "output"), "SEND_LANDING_DIR": str(work / "landing"),
                       "SEND_DATA_DIR": str(work), "AIRFLOW_CONN_SEND_PSEUDONYMISATION": "generic://:benchmark@",
                       "SEND_DATA_DOCS": "0", "GX_ANALYTICS_ENABLED": "false",
                       "AIRFLOW_CONN_SEND_WAREHOUSE": f"duckdb:///{work / 'warehouse.duckdb'}"})
    if las:
        from send_synth.consortium import environment, generate_consortium

        if fresh or not (la / "generated.ok").exists():
            t = time.perf_counter()
            generate_consortium(la, las)
            (la / "generated.ok").write_text("")
            print(f"generated {len(las)} LAs in {time.perf_counter() - t:.1f} s")
        os.environ.update(environment(la, las))
    else:
        if fresh or not (la / "cms.db").exists():
            t = time.perf_counter()
            synth.generate(la, seed=42, scale=1.0, until=date(2026, 1, 31))
            print(f"generated the Coventry-size LA in {time.perf_counter() - t:.1f} s")
        os.environ.update({"AIRFLOW_CONN_SEND_CMS": f"sqlite:///{la / 'cms.db'}", "SEND_INBOX_DIR": str(la / "inbox")})
    marker = work / "nightly.ok"
    if fresh or not marker.exists():
        from send_pipeline.nightly import steps as pipeline
        from send_pipeline.kernel.settings import Settings

        t = time.perf_counter()
        pipeline.run_nightly(pipeline.Run(Settings.resolve(), "bench_night", AS_AT))
        marker.write_text("")
        print(f"send_nightly (to load the warehouse{'s' if las else ''}) in {time.perf_counter() - t:.1f} s")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--las", help="a consortium instead of the demo LA: LA:size,… (sizes in multiples of Coventry)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/send_forecast_bench"))
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--simulations", type=int)
    args = ap.parse_args()
    import logging

    logging.disable(logging.INFO)
    from send_synth.consortium import parse_las

    las = parse_las(args.las) if args.las else None
    work = args.work / ("consortium" if las else "demo")
    work.mkdir(parents=True, exist_ok=True)
    setup(work, las, args.fresh)
    if args.simulations:
        os.environ["SEND_FORECAST_SIMULATIONS"] = str(args.simulations)
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.forecast.steps import run_forecast
    from send_pipeline.kernel.settings import Settings

    run = pipeline.Run(Settings.resolve(), "bench_forecast", AS_AT)
    codes = run.settings.las()
    head = f"{'LA':<5}{'size':>6}{'plans':>8}{'read':>7}{'model':>7}{'backtest':>9}{'summ.':>7}{'write':>7}{'total':>8}{'peak MB':>9}"
    print(head)
    results = {}
    for code in codes:
        la_run = run.for_la(code)
        t = time.perf_counter()
        summary = run_forecast(None, None, la_run)
        total = time.perf_counter() - t
        results[code] = summary
        st = summary["stages"]
        wh = la_run.warehouse()
        plans = wh.scalar("SELECT plans FROM marts.forecast_plans WHERE scenario = 'baseline' AND breakdown = 'total' "
                          "AND census_year = base_year")
        bt = wh.frame("SELECT method, horizon, measure, mape, folds FROM marts.forecast_backtest WHERE scenario = 'baseline'")
        wh.dispose()
        summary["table"] = bt
        size = las[code] if las else 1.0
        print(f"{code:<5}{size:>5g}x{int(plans):>8,}{st['read']:>7.2f}{st['model']:>7.2f}{st['backtest']:>9.2f}"
              f"{st['summarise']:>7.2f}{st['write']:>7.2f}{total:>8.2f}{peak_mb():>9.0f}")
    for code, summary in results.items():
        bt = summary["table"]
        wide = bt.pivot_table(index=["measure", "horizon"], columns="method", values="mape")
        folds = bt[bt.horizon == 1].folds.max()
        print(f"\nLA {code}: backtest MAPE % (fitted from {summary['fitted_from']}, base {summary['base_year']}; "
              f"{folds} origins at 1 year ahead)")
        print(wide[["forecast", "last_year", "linear_trend"]].round(1).to_string())
        for line in summary["backtest"]:
            if line.startswith(("total_plans", "special", "mainstream")):
                print("  " + line)


if __name__ == "__main__":
    main()
