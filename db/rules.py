"""The ledger's rules as named SQL fragments, each written once and used by every query that needs it
(db.queries, db.columns, db.rollups). Aliases: `f` a forecast, `c` its claim, `r` a resolution.
"""

from __future__ import annotations

# The outcomes that are scored; `ambiguous` never is.
SCORED_OUTCOMES = "('true', 'false', 'partial')"

# A scored outcome: 1 for true, 0 for false; a partial resolution scores as false unless the claim
# gives partial credit, then as the fraction achieved (DESIGN §4). predictions.scoring.scored_outcome
# is the same rule for one row in Python.
SCORED_OUTCOME = """CASE r.outcome WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0
                ELSE CASE WHEN c.partial_credit THEN r.fraction ELSE 0.0 END END"""

# A forecast made by the end of its claim's deadline day (a claim without a deadline: any forecast).
MADE_BY_DEADLINE = "(c.deadline IS NULL OR f.made_at < c.deadline + INTERVAL 1 DAY)"
