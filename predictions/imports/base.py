"""What every import shares: its result, its problems (one line each, with where), progress reports,
the flat layout's columns and the probability parser."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from predictions.ledger import LedgerError
from predictions.quantities import parse_probability  # noqa: F401  (the flat layout's parser, named here too)

CSV_COLUMNS = ("statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags")
CSV_OPTIONAL = ("forecast_at", "fraction")  # fraction: the share achieved, with outcome "partial"
# Written by the CSV export for reading (a forecast's range as 10=800,50=2500,90=6000; the value its
# claim's resolution rests on); a flat row's claim is a yes/no one with no metric, so the flat import
# reads past them (the JSON export carries ranges in full).
CSV_EXPORT_ONLY = ("quantiles", "outcome_value")
JSON_FORMAT = "trend-prediction-tracker/1"

Progress = Callable[[float, str], None]


class ImportProblems(LedgerError):
    """A rejected import: `problems` holds one line per bad row, with its line (or row) number."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if problems else "import failed")


@dataclass
class ImportResult:
    claims_added: int = 0
    claims_existing: int = 0
    forecasts_added: int = 0
    observations_added: int = 0
    resolutions_added: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]
