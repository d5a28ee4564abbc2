"""The issue 16 corpus in numbers: cases per class and per outcome, ingestion and publication.

    python -m tests.corpus          # (after `source scripts/env.sh`) prints the two tables

Ingestion (tests/e2e/test_bad_input.py): each `Case` carries its class (`kind`) and its expected
`outcome`; the standalone tests of that file that are corpus cases (deletions, merges, the watermark)
are listed in its `STANDALONE`. Every ingestion case is run row-wise and again column-wise (two test
ids, counted here once). Publication (tests/security/test_publication_attacks.py, part A): its `CASES`
gives the test ids per class; the outcome of a parametrised case is the one its table gives, and the
class's few whole-writer tests count under the class's main outcome.
"""
from __future__ import annotations

from collections import Counter


def ingestion() -> list[tuple[str, str, str]]:
    """(case, class, outcome) for every ingestion case."""
    from tests.e2e import test_bad_input as corpus

    rows = [(c.id, c.kind, c.outcome) for c in corpus.CASES]
    rows += [(name, kind, outcome) for name, (kind, outcome) in corpus.STANDALONE.items()]
    return rows


def publication() -> list[tuple[str, str, str]]:
    """(case, class, outcome) for every publication attack case."""
    from tests.security import test_publication_attacks as attacks

    rows = [(f"{i}-{where}", "formula", o) for where in ("csv", "xlsx") for i, _, o in attacks.FORMULA]
    rows += [(f"{i}-{where}", "docs_xss", "inert") for where in ("served", "sanitiser") for i, _ in attacks.XSS]
    rows += [(c[0], "disclosure", "recoverable alone, not together" if c[3] else "not recoverable")
             for c in attacks.DISCLOSURE]
    rows += [(i, "mathtext", "literal") for i, _ in attacks.MATHTEXT]
    rows += [(c[0], "ops_values", "value only in the quarantine file") for c in attacks.OPS]
    main = {"formula": "neutralised", "docs_xss": "inert", "disclosure": "not recoverable", "mathtext": "literal",
            "ops_values": "value only in the quarantine file"}
    for kind, total in attacks.CASES.items():  # the whole-writer tests of each class
        rows += [(f"{kind}-whole-{n}", kind, main[kind]) for n in range(total - sum(r[1] == kind for r in rows))]
    return rows


def table(rows: list[tuple[str, str, str]], title: str) -> str:
    by_class, by_outcome = Counter(r[1] for r in rows), Counter(r[2] for r in rows)
    both = Counter((r[1], r[2]) for r in rows)
    lines = [f"{title}: {len(rows)} cases", "  per class:"]
    lines += [f"    {k:<14} {n:>4}   " + ", ".join(f"{o} {both[k, o]}" for o in sorted(by_outcome) if both[k, o])
              for k, n in sorted(by_class.items(), key=lambda kv: -kv[1])]
    lines += ["  per outcome:"] + [f"    {o:<34} {n:>4}" for o, n in sorted(by_outcome.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def main() -> None:
    ing, pub = ingestion(), publication()
    print(table(ing, "ingestion (bad inputs, faults, attacks on the nightly)"))
    print(table(pub, "publication attacks"))
    print(f"total: {len(ing) + len(pub)} cases")


if __name__ == "__main__":
    main()
