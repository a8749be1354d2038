"""One documented words-to-probability scale for the hedges forecasters use.

The numbers follow the spirit of Sherman Kent's "Words of Estimative Probability" and the
survey by Mauboussin & Mauboussin (2018, "If you say something is likely, how likely do you
think it is?"): a first-person commitment ("I predict", "I am confident") ranks highest, a
scheduled or announced plan next, an expectation or a likely outcome around 70%, a company's
own projection or a plan at a coin-flip (self-reported targets are optimistic), and "could" or
an explicit refusal to predict below half. The author can always override with a stated or an
updated forecast; the verbal one stays in the history as the first entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hedge:
    phrase: str
    probability: float
    reading: str


VERBAL_SCALE: tuple[Hedge, ...] = (
    Hedge("I am not yet prepared to make a definitive prediction", 0.40, "an explicit refusal to commit"),
    Hedge("I am confident", 0.85, "first-person certainty"),
    Hedge("I predict", 0.80, "first-person prediction"),
    Hedge("will certainly", 0.90, "stated certainty"),
    Hedge("will likely", 0.70, "likely"),
    Hedge("likely", 0.70, "likely"),
    Hedge("is scheduled to", 0.75, "announced schedule"),
    Hedge("are scheduled to", 0.75, "announced schedule"),
    Hedge("is set to", 0.75, "announced or expected with confidence"),
    Hedge("are set to", 0.75, "announced or expected with confidence"),
    Hedge("poised to", 0.70, "positioned to happen"),
    Hedge("positioned to", 0.70, "positioned to happen (as in well-positioned to)"),
    Hedge("is expected to", 0.70, "expected"),
    Hedge("are expected to", 0.70, "expected"),
    Hedge("expecting", 0.65, "expected by others"),
    Hedge("expects", 0.65, "expected by others"),
    Hedge("expect", 0.65, "expected by others"),
    Hedge("is shaping up to", 0.65, "trend read as underway"),
    Hedge("will", 0.75, "plain future tense"),
    Hedge("plans to", 0.60, "a stated plan"),
    Hedge("plans for", 0.60, "a stated plan"),
    Hedge("aiming to", 0.55, "an aim"),
    Hedge("aims to", 0.55, "an aim"),
    Hedge("projects", 0.50, "a party's own projection"),
    Hedge("anticipate", 0.55, "anticipated by others"),
    Hedge("predict", 0.60, "a prediction reported from others"),
    Hedge("forecast", 0.60, "a forecast reported from others"),
    Hedge("the goal is", 0.50, "a goal"),
    Hedge("could very well", 0.50, "a real possibility"),
    Hedge("could", 0.35, "a possibility"),
    Hedge("may", 0.35, "a possibility"),
    Hedge("might", 0.30, "a remote possibility"),
)

DEFAULT_PROBABILITY = 0.5


def _pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in phrase.lower().split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b")


_COMPILED = [(hedge, _pattern(hedge.phrase)) for hedge in VERBAL_SCALE]


def find_hedge(text: str) -> Hedge | None:
    """The scale entry for the strongest-ranked hedge in `text` (scale order decides, not position).

    The scale lists longer, more specific phrases before the short ones they contain, so
    "will likely" wins over "will", and an explicit refusal to predict wins over everything.
    """
    lowered = text.lower().replace("’", "'")
    for hedge, pattern in _COMPILED:
        if pattern.search(lowered):
            return hedge
    return None


def hedge_probability(phrase: str) -> float:
    """The probability for a hedge phrase given on its own (seed files name the hedge they read)."""
    hedge = find_hedge(phrase)
    if hedge is None:
        raise ValueError(f"unknown hedge {phrase!r}; known hedges: " + ", ".join(h.phrase for h in VERBAL_SCALE))
    return hedge.probability
