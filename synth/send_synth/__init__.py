"""The synthetic local authority: every source system of a realistic LA (calibrated to Coventry, 331).

    python -m send_synth --out DIR [--seed 42] [--scale 1.0] [--defects 0.0] [--until 2026-01-31]
"""
from .core import generate

__all__ = ["generate"]
