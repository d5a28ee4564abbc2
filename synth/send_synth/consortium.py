"""Several synthetic LAs of different sizes for consortium mode (SEND_LAS).

Layout under `out_dir`: `<la>/cms.db` (each LA's CMS) and `inbox/<la>/` (each LA's file inbox), so
`SEND_INBOX_DIR=<out_dir>/inbox` and one connection `send_cms_<la>` per LA. Each LA gets its own seed,
so no two LAs share children or schools' figures.
"""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from .core import generate


def parse_las(spec: str) -> dict[str, float]:
    """'331:1,886:7,335:0.5' → {'331': 1.0, '886': 7.0, '335': 0.5} (LA number: size as a multiple of Coventry)."""
    out: dict[str, float] = {}
    for item in spec.split(","):
        code, _, scale = item.strip().partition(":")
        if not (len(code) == 3 and code.isdigit()) or code in out:
            raise ValueError(f"--las: {item!r} is not a new 3-digit LA number with a size (e.g. 331:1)")
        out[code] = float(scale or 1.0)
    return out


def generate_consortium(out_dir, las: dict[str, float], seed: int = 42, defects: float = 0.0,
                        until: date = date(2026, 1, 31), dfe_zip=None) -> dict:
    out = Path(out_dir)
    summary = {}
    for i, (code, scale) in enumerate(las.items()):
        la_dir = out / code
        summary[code] = generate(la_dir, seed=seed + i, scale=scale, defects=defects, until=until, la_code=code,
                                 dfe_zip=dfe_zip)
        inbox = out / "inbox" / code
        if inbox.exists():
            shutil.rmtree(inbox)
        inbox.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(la_dir / "inbox"), str(inbox))
    return summary


def environment(out_dir, las) -> dict[str, str]:
    """The settings that point consortium mode at the generated LAs."""
    out = Path(out_dir).resolve()
    env = {"SEND_LAS": ",".join(las), "SEND_INBOX_DIR": str(out / "inbox")}
    env.update({f"AIRFLOW_CONN_SEND_CMS_{code}": f"sqlite:///{out / code / 'cms.db'}" for code in las})
    return env
