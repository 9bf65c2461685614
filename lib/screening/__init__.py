"""Screening logic without Django: agreement statistics and highlight terms."""

from .agreement import Agreement, agreement
from .highlight import Highlighter

__all__ = ["Agreement", "Highlighter", "agreement"]
