"""Extract: each source into the raw landing, by the reader its declaration names.

`cms.py` reads the CMS database, `files.py` the inbox's CSV and workbook exports (the file readers),
`dfe_release.py` the DfE's zip, `returns.py` the SEN2 returns (XML and Blade CSV); `landing.py` writes
what they read.
"""
from __future__ import annotations

import logging

from send_pipeline.kernel.run import Run
from send_pipeline.nightly.sources import SOURCES

log = logging.getLogger(__name__)


def extract_source(source: str, run: Run) -> dict:
    """Land every entity of one source for this run; returns {entity: summary}."""
    from send_pipeline.nightly.extract import cms, dfe_release, files, returns

    declared = SOURCES[source]
    wh = run.warehouse()
    try:
        wh.ensure()
        if declared.reader == "cms":
            summary = cms.extract_cms(declared, run.settings.cms_url, wh, run.settings.landing_dir, run.run_id,
                                      run.full_refresh)
        elif declared.reader == "sen2_returns":
            summary = returns.extract_returns(declared, run.settings.inbox_dir, wh, run.settings.landing_dir, run.run_id)
        elif declared.reader == "dfe_release":
            summary = dfe_release.extract_release(source, run.settings.inbox_dir, files.loaded_hashes(wh, run.run_id),
                                                  run.settings.landing_dir, run.run_id)
        else:
            summary = files.extract_files(declared, run.settings.inbox_dir, wh, run.settings.landing_dir, run.run_id)
    finally:
        wh.dispose()
    log.info("extracted %s: %s", source, {e: s["rows"] for e, s in summary.items()})
    return summary
