"""Person matching and precedence at Kent size: four overlapping returns of N children each (default
20,000; each year a tenth new), every child with a request, assessment, plan and need. Prints figures.

    python benchmarks/onboarding_match.py [N]
"""
from __future__ import annotations

import resource
import sys
import time

from send_pipeline.onboarding import matching, shapes


def _frames(census: str, **rows) -> dict:
    prov = {"origin": "sen2_xml", "return_reference_date": census}
    return shapes.text_frames(rows, prov)


def origin(n: int, census: str, first: int) -> dict:
    ids = [str(i) for i in range(first, first + n)]
    return _frames(
        census,
        person=[dict(person_id=i, upn=f"U{i}", surname=f"S{i}", forename="F", dob="2015-01-01") for i in ids],
        request=[dict(request_id=i, person_id=i, received_date="2020-01-01", decision="Y") for i in ids],
        assessment=[dict(assessment_id=i, request_id=i, outcome="Y") for i in ids],
        plan=[dict(plan_id=i, person_id=i, start_date="2020-06-01", assessment_id=i) for i in ids],
        need=[dict(plan_id=i, need_code="ASD", need_rank="1") for i in ids])


def main(n: int) -> None:
    origins = {f"SEN2_{y}.xml": origin(n, f"{y}-01-18", (y - 2023) * n // 10) for y in (2023, 2024, 2025, 2026)}
    t = time.perf_counter()
    m = matching.combine(origins)
    print(f"{4 * n} person rows in 4 overlapping returns -> {len(m.tables['person'])} people, "
          f"{len(m.tables['plan'])} plans, {len(m.tables['need'])} needs in {time.perf_counter() - t:.1f} s; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print({o: c["plan"] for o, c in m.counts.items()})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
