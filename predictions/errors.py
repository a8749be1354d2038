"""The error family for the layers above storage: every error worth one line to a person derives from
`PredictionsError` (defined in db.errors, so that the storage errors belong to it as well).

    PredictionsError
    ├── DatabaseError (db.errors): busy, missing, a schema too new or too old, a DuckDB error translated once
    ├── LedgerError (predictions.ledger): a refused request; ImportProblems, ScorecardError, PublishError below it
    ├── SeedError (predictions.seed), SettingsError (predictions.settings), ExtractError (predictions.extract)
    └── UsageError (predictions.cli), IssueError and PublishError (dashboard)

The CLI and the dashboard's router each catch PredictionsError for one line, and have one last-resort
handler for anything else (still one line, never a traceback).
"""

from db.errors import DatabaseError, PredictionsError, first_line

__all__ = ["DatabaseError", "PredictionsError", "first_line"]
