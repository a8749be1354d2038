"""The ledger's rules as named SQL fragments, each written once and used by every query that needs it
(db.queries, db.columns, db.rollups). Aliases: `f` a forecast, `c` its claim, `r` a resolution.
"""

from __future__ import annotations

# The outcomes that are scored; `ambiguous` never is.
SCORED_OUTCOMES = "('true', 'false', 'partial')"

# A scored outcome: 1 for true, 0 for false; a partial resolution scores as false unless the claim
# gives partial credit, then as the fraction achieved (docs/architecture.md §4). predictions.scoring.scored_outcome
# is the same rule for one row in Python.
SCORED_OUTCOME = """CASE r.outcome WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0
                ELSE CASE WHEN c.partial_credit THEN r.fraction ELSE 0.0 END END"""

# A forecast made by the end of its claim's deadline day (a claim without a deadline: any forecast).
MADE_BY_DEADLINE = "(c.deadline IS NULL OR f.made_at < c.deadline + INTERVAL 1 DAY)"

# When a forecast's claim was first resolved: the recording time of its first resolution, undone or not.
FIRST_RESOLVED_AT = "(SELECT min(r0.recorded_at) FROM resolutions r0 WHERE r0.claim_id = f.claim_id)"

# A forecast that counts toward every score (docs/architecture.md §3, "the record cannot be bent"): never a backfilled
# one; one typed live only if recorded by the end of its claim's deadline day and before the claim's
# first resolution was recorded. Imported forecasts keep their own dates and count as they always did
# (the deadline rule for them is MADE_BY_DEADLINE where a scope asks for it); so do forecasts recorded
# before the ledger kept recording times ('migrated').
COUNTED = f"""(f.entry <> 'backfilled' AND (f.entry <> 'live' OR (
    (c.deadline IS NULL OR f.recorded_at < c.deadline + INTERVAL 1 DAY)
    AND f.recorded_at < coalesce({FIRST_RESOLVED_AT}, TIMESTAMP 'infinity'))))"""

# The forecasts that count, with every column of theirs (aliased `f` by the caller's FROM ... f).
COUNTED_FORECASTS = f"(SELECT f.* FROM forecasts f JOIN claims c ON c.id = f.claim_id WHERE {COUNTED})"

# An observation in force: none later revises it (a watched source's revised reading, or a corrected row
# of the shipped evidence, names the row it replaces in `revises`). The replaced row stays in the record.
OBSERVATIONS_IN_FORCE = (
    "(SELECT * FROM observations o WHERE NOT EXISTS (SELECT 1 FROM observations later WHERE later.revises = o.id))"
)
