"""From a newsletter issue to candidate claims: find the forward-looking statements, make them checkable.

`RuleBasedExtractor` reads an issue (plain text, Markdown or HTML, see predictions/issue_text.py) and
proposes one `Candidate` per forward-looking statement. It runs offline on the standard library; the
rules are general cues, not sentence-specific ones:

- a predictive cue: modal future ("will", "is set to", "is going to"), an announced plan or schedule
  ("plans to", "is scheduled to"), an expectation ("is expected to", "expecting", "I predict",
  "X projects", "X's forecast"), an evaluation ("poised to", "well-positioned to"). Weak cues
  ("could", "may", "aims to", "is seen as", "the goal is to") only count with a time expression, a
  number or the word prediction/forecast in the same sentence;
- questions are not claims, nor are clauses whose only time expressions are in the past ("in 2024")
  or whose cue is in the past tense ("was expected to", "announcing plans to");
- the deadline comes from the clause's own time expression (normalised by predictions.deadlines),
  else from the previous sentence when the clause picks it up ("Others ...", "This ..."), else, for
  the author's own claims, from the list introduction ("2025 marks a pivotal year:") or the section
  heading ("Trends To Watch in 2025") the claim sits under. A clause naming two future periods gives
  one candidate per period;
- who is predicting: the author when he speaks ("I predict") or makes the statement in his own
  commentary; the subject of a reporting verb ("analysts believe", "the company projects"); or, for
  passive expectations and statements in a news section, the party the sentence, its paragraph or the
  news item's first paragraph names. Governments and ministries make official targets; analysts and
  commentators third-party forecasts; companies, researchers and projects reported projections;
- a number after the cue with its unit is a threshold target ("at least 65 Chinese cities" → 65 cities,
  >=; "hundreds of KPIs" → 200);
- the suggested probability is the verbal scale's (predictions.confidence.find_hedge).

Another extractor (a language model, say) can replace this one: anything with the `Extractor`
protocol's `extract` method works with `extract_file`, `find_duplicates` and `save_candidates`.
"""

from predictions.extract.candidate import Candidate, DeadlineSource, ExtractError, Extractor
from predictions.extract.extractor import RuleBasedExtractor
from predictions.extract.saving import (
    Duplicate,
    SaveResult,
    extract_file,
    find_duplicates,
    quotes_match,
    read_issue,
    save_candidates,
    source_key,
)
from predictions.extract.targets import Target, find_target
from predictions.extract.times import TimeExpression, find_times

__all__ = [
    "Candidate",
    "DeadlineSource",
    "Duplicate",
    "ExtractError",
    "Extractor",
    "RuleBasedExtractor",
    "SaveResult",
    "Target",
    "TimeExpression",
    "extract_file",
    "find_duplicates",
    "find_target",
    "find_times",
    "quotes_match",
    "read_issue",
    "save_candidates",
    "source_key",
]
