"""`predictions`: a thin command line over the library. Each command parses its arguments, calls
`predictions.ledger`, `predictions.imports` or `predictions.exports`, and turns domain errors into one line
on stderr with exit code 1 (never a traceback).

Over 500 lines: one short handler per subcommand and the parser that names them all; each handler
only calls the library.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from predictions.errors import PredictionsError, first_line
from predictions.quantities import format_number, parse_probability
from predictions.vocabulary import Attribution, ClaimKind, Comparator, ForecastBasis, Precision
from predictions.words import changes_text, count, joined
from predictions.words import score as score_text

if TYPE_CHECKING:
    from predictions.settings import Settings

from predictions.terminal import EscapingWriter, escape_controls, escape_json_controls


class UsageError(PredictionsError):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would exit 2 with the whole usage
        raise UsageError(f"{self.prog}: {message}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date-time (use YYYY-MM-DDTHH:MM)") from None


def _path(text: str) -> Path:
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path (it holds a NUL character)")
    return Path(text)


def _probability(text: str) -> float:
    try:
        return parse_probability(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _claim_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"no claim with id {text!r} (ids are whole numbers)") from None


def _whole_id(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"no {what} with id {text!r} (ids are whole numbers)") from None

    return parse


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _compact(args: argparse.Namespace | None) -> bool:
    """JSON is compact when stdout is not a terminal (a pipe, a file) and no --indent is given."""
    return getattr(args, "indent", None) is None and not sys.stdout.isatty()


def _print_json(data: Any, args: argparse.Namespace | None = None) -> None:
    """JSON on stdout: compact when stdout is not a terminal (a pipe, a file), indented on a terminal or
    with --indent N."""
    indent = getattr(args, "indent", None)
    if indent is None and sys.stdout.isatty():
        indent = 2
    separators = (",", ":") if indent is None else None
    text = json.dumps(data, indent=indent, separators=separators, default=_json_default, ensure_ascii=False)
    print(escape_json_controls(text))


# --- commands -------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from predictions.imports import evidence

    result = evidence.seed_ledger(settings.db, args.seed, with_evidence=not args.no_evidence)
    verb = "created" if result.created else "updated"
    line = f"{verb} {settings.db}: {count(result.claims_added, 'claim')} added, {result.claims_skipped:,} already there"
    if not args.no_evidence:
        line += (
            f"; {count(result.evidence_added, 'observation')} of evidence added, "
            f"{result.evidence_existing:,} already there"
        )
        if result.evidence_corrected:
            line += f", {count(result.evidence_corrected, 'row')} corrected"
        if result.evidence_version:
            line += f"; shipped evidence: {result.evidence_version}"
    print(line)
    return 0


def cmd_ensure_db(args: argparse.Namespace, settings: Settings) -> int:
    from predictions.imports import evidence

    result = evidence.ensure_ledger(settings.db)
    if not result.created:
        print(f"using {settings.db}")
        if result.evidence_corrected:
            print(
                f"{count(result.evidence_corrected, 'row')} of the shipped evidence corrected to "
                f"{result.evidence_version} (each recorded as a correction of the old row)"
            )
    else:
        print(
            f"created {settings.db}, seeded with {result.claims_added} claims from the December 2024 issue "
            f"and {result.evidence_added} observations of evidence"
        )
    return 0


LIST_WIDTH = 80  # characters of a statement in `list`; a longer one ends in "…"


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger
    from predictions.progress import Status

    known = (*(s.value for s in Status), "overdue", "resolved")  # every status, and the coarse states
    if args.status and args.status not in known:
        raise UsageError(f"unknown status {args.status!r}: use one of {', '.join(known)}")
    views = ledger.list_claims(settings.db)
    if args.status:
        views = [v for v in views if v.status.value == args.status or v.status.state == args.status]
    if args.json:
        _print_json([v.as_json() for v in views], args)
        return 0
    print(f"{'id':>5}  {'status':<18} {'deadline':<10}  {'prob':>4}  statement")
    for view in views:
        deadline = view["deadline"].isoformat() if view["deadline"] else "(none)"
        probability = f"{view['probability']:.0%}" if view["probability"] is not None else "  – "
        statement = re.sub(r"[ \t\n]+", " ", str(view["statement"])).strip()  # other controls stay, shown escaped
        if len(statement) > LIST_WIDTH:
            statement = statement[: LIST_WIDTH - 1].rstrip() + "…"
        print(f"{view.id:>5}  {view.status.value:<18} {deadline:<10}  {probability:>4}  {statement}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger

    detail = ledger.get_claim(settings.db, args.id)
    data = detail.view.as_json()
    data["forecasts"] = detail.forecasts
    data["observations"] = detail.observations
    data["resolutions"] = detail.resolutions
    data["withdrawal"] = detail.withdrawal
    data["amendments"] = detail.amendments
    if args.json:
        _print_json(data, args)
        return 0
    print(f"#{data['id']} {data['statement']}")
    if detail.withdrawal is not None:
        w = detail.withdrawal
        repeats = f"; it repeats claim {w['duplicate_of']}" if w["duplicate_of"] else ""
        print(f"  WITHDRAWN on {w['recorded_at']:%Y-%m-%d}: {w['reason']}{repeats} (never scored)")
    if data["quote"]:
        print(f'  "{data["quote"]}"')
    print(f"  claimant: {data['claimant']} ({data['attribution']})   kind: {data['kind']}")
    print(f"  deadline: {data['deadline'] or 'none (not checkable)'} ({data['deadline_precision'] or '-'})")
    probability = f"{data['probability']:.0%}" if data["probability"] is not None else "none recorded"
    print(f"  status: {data['status']}   probability: {probability}")
    if data["kind"] == "threshold":
        print(f"  target: {data['metric']} {data['comparator']} {format_number(data['target'])} {data['unit'] or ''}")
    for forecast in detail.forecasts:
        print(
            f"  forecast {forecast['made_at']:%Y-%m-%d} {forecast['forecaster']}: {forecast['probability']:.0%} "
            f"({forecast['basis']}{_entry_words(forecast)})"
        )
        if forecast.get("range"):
            from predictions import range_text

            print(f"    {range_text.range_line(data, forecast)}")
    for observation in detail.observations:
        value = None if observation["value"] is None else format_number(observation["value"])
        shown = joined([value, observation["note"]], " — ") or "(no value or note)"
        print(f"  observed {observation['observed_on']}: {shown}")
        if observation.get("source_url"):
            print(f"    source: {observation['source_url']}")
    for resolution in detail.resolutions:
        undone = " (undone)" if resolution["undone_at"] else ""
        rests = f" at {format_number(resolution['value'])}" if resolution.get("value") is not None else ""
        print(f"  resolved {resolution['resolved_on']}: {resolution['outcome']}{rests}{undone}")
    for amendment in detail.amendments:
        changes = changes_text(amendment["changes"])
        print(f"  {amendment['action']} {amendment['recorded_at']:%Y-%m-%d}: {changes} ({amendment['reason']})")
    return 0


def _entry_words(forecast: dict[str, Any]) -> str:
    """How a forecast entered the record, where that matters to its score."""
    if forecast.get("entry") == "backfilled":
        return f", backfilled: recorded {forecast['recorded_at']:%Y-%m-%d}, never scored"
    if forecast.get("entry") == "imported":
        return ", imported"
    if not forecast.get("counted", True):
        return f", recorded {forecast['recorded_at']:%Y-%m-%d} after the deadline or verdict: not scored"
    return ""


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import imports, ledger, verdicts
    from predictions.models import ClaimIn

    if args.file:
        if args.statement:
            raise UsageError("give either --file or --statement, not both")
        result = imports.import_file(settings.db, args.file, "yaml")
        print(f"added {result.claims_added} claims ({result.claims_existing} already there)")
        return 0
    if not args.statement:
        raise UsageError("add needs --statement TEXT (or --file claims.yaml)")
    repeat = verdicts.find_repeat(settings.db, args.statement, None)
    if repeat is not None:
        raise UsageError(f"claim #{repeat} already says that (statements are compared ignoring case and spacing)")
    kind = ClaimKind(args.kind or ("threshold" if args.target is not None else "binary"))
    claim = ClaimIn(
        statement=args.statement,
        quote=args.quote,
        claimant=args.claimant or settings.author_name,
        attribution=args.attribution,
        kind=kind,
        made_on=args.made_on or date.today(),
        deadline=args.deadline,
        deadline_precision=args.deadline_precision,
        resolution_criteria=args.criteria,
        tags=args.tags.split(",") if args.tags else [],
        metric=args.metric,
        unit=args.unit,
        comparator=args.comparator,
        target=args.target,
        baseline=args.baseline,
    )
    claim_id = ledger.add_claim(
        settings.db,
        claim,
        probability=args.probability,
        forecaster=args.forecaster,
        author_name=settings.author_name,
    )
    print(f"added claim {claim_id}")
    return 0


def cmd_observe(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger
    from predictions.models import ObservationIn

    if args.value is None and not args.note:
        raise UsageError("observe needs --value X or --note TEXT")
    observation = ObservationIn(observed_on=args.on, value=args.value, note=args.note, source_url=args.source)
    observation_id = ledger.add_observation(settings.db, args.id, observation)
    print(f"recorded observation {observation_id} on claim {args.id}")
    return 0


def cmd_forecast(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger
    from predictions.models import ForecastIn

    forecast = ForecastIn(
        probability=args.probability,
        forecaster=args.forecaster or settings.author_name,
        made_at=args.at or ledger.utc_now(),
        basis=ForecastBasis.UPDATED,
        note=args.note,
        quantiles=_quantiles(args.quantiles),
    )
    ledger.add_forecast(settings.db, args.id, forecast)
    backfilled = ""
    if ledger.queries.forecast_entry(forecast.made_at, ledger.utc_now()) == "backfilled":
        backfilled = f" (dated {forecast.made_at:%Y-%m-%d}, recorded today: kept as backfilled, never scored)"
    print(f"recorded {forecast.forecaster}'s forecast {forecast.probability:.0%} on claim {args.id}{backfilled}")
    if forecast.quantiles:
        from predictions import range_text

        for line in range_text.recorded_lines(settings.db, args.id, forecast.probability):
            print(line)
    return 0


def _quantiles(text: str | None) -> dict[int, float] | None:
    """--quantiles 10=800,50=2500,90=6000 (checked by the model and, against the claim, by the ledger)."""
    if text is None:
        return None
    from predictions.ranges import parse_quantiles

    return parse_quantiles(text) or None


def cmd_resolve(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger
    from predictions.models import ResolutionIn

    if args.undo:
        if args.outcome:
            raise UsageError("give either an outcome or --undo, not both")
        undone = ledger.undo_resolution(settings.db, args.id, args.note)
        print(f"undid resolution {undone['outcome']} of claim {args.id}")
        return 0
    if not args.outcome:
        raise UsageError("resolve needs an outcome (true, false, partial, ambiguous) or --undo")
    resolution = ResolutionIn(
        outcome=ledger.parse_outcome(args.outcome),
        resolved_on=args.on or date.today(),
        fraction=args.fraction,
        note=args.note,
        evidence_url=args.evidence,
        value=args.value,
    )
    ledger.resolve(settings.db, args.id, resolution)
    rests = f" at {format_number(resolution.value)}" if resolution.value is not None else ""
    print(f"resolved claim {args.id}: {resolution.outcome.value}{rests}")
    if resolution.value is not None:
        from predictions import range_text

        for line in range_text.outcome_lines(settings.db, args.id):
            print(line)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import imports

    def report(share: float, what: str) -> None:
        print(f"{share:4.0%} {what}", file=sys.stderr, flush=True)

    if args.format == "evidence":
        from predictions.imports import evidence

        found = evidence.import_evidence_file(settings.db, args.file)
        print(f"imported {args.file}: {found.added} observations added, {found.existing} already there")
        return 0

    result = imports.import_file(
        settings.db, args.file, args.format, default_forecaster=settings.author_name,
        progress=report if args.progress else None,
    )  # fmt: skip
    print(
        f"imported {args.file}: {count(result.claims_added, 'claim')} added ({result.claims_existing:,} already "
        f"there), {count(result.forecasts_added, 'forecast')}, {count(result.resolutions_added, 'resolution')}"
    )
    flagged = getattr(result, "flagged", {})  # archive imports keep odd rows and flag them
    if flagged:
        print("odd rows kept and flagged: " + ", ".join(f"{flag} {count}" for flag, count in flagged.items()))
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import verdicts, watches

    items = verdicts.review_queue(settings.db, args.today)
    if args.json:
        _print_json([item.as_json() for item in items], args)
        return 0
    notes = watches.candidate_notes(settings.db)
    if not items:
        print("nothing needs a verdict: every claim past its deadline is resolved")
    else:
        print(f"{len(items)} claim{'s need' if len(items) != 1 else ' needs'} a verdict, oldest deadline first")
    for item in items:
        claim = item.claim
        confidence = f"{claim['probability']:.0%}" if claim["probability"] is not None else "–"
        early = f"  ({item.reason})" if item.reason != "deadline passed" else ""
        print(f"\n#{item.id}  deadline {claim['deadline']}{early}  last confidence {confidence}  {claim['statement']}")
        if claim["resolution_criteria"]:
            print(f"  criteria: {claim['resolution_criteria']}")
        proposal = item.proposal.outcome or "no proposal"
        print(f"  proposal: {proposal} ({item.proposal.basis})")
        if item.proposal.value is not None:  # what `resolve --value` records with it
            print(f"  resolve with: predictions resolve {item.id} {proposal} --value {item.proposal.value:.15g}")
        for observation in item.evidence:
            value = None if observation["value"] is None else format_number(observation["value"])
            shown = joined([value, observation["note"]], " — ") or "(no value or note)"
            confidence_note = f" [{observation['confidence']}]" if observation["confidence"] else ""
            print(f"  {observation['observed_on']}{confidence_note} {shown}")
            if observation["source_url"]:
                print(f"      {observation['source_url']}")
    if notes:
        print(f"\n{len(notes)} candidate notes from watched feeds (predictions watch accept|dismiss ID):")
        _print_candidates(notes)
    return 0


def _print_candidates(notes: list[dict[str, Any]]) -> None:
    """One line per candidate note from a watched feed, its link indented below it."""
    for note in notes:
        print(f"  candidate {note['id']}  claim #{note['claim_id']}  {note['published_on'] or 'undated'}  "
              f"{note['title']}")  # fmt: skip
        if note["link"]:
            print(f"      {note['link']}")


def cmd_amend(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import verdicts

    if args.precision and not args.deadline:
        raise UsageError("--precision goes with --deadline")
    amendment = verdicts.Amendment(
        reason=args.reason,
        statement=args.statement,
        deadline=args.deadline,
        deadline_precision=Precision(args.precision) if args.precision else None,
        resolution_criteria=args.criteria,
        target=args.target,
        tags=args.tags.split(",") if args.tags is not None else None,
    )
    changes = verdicts.amend(settings.db, args.id, amendment)
    print(f"amended claim {args.id}: {changes_text(changes)}")
    return 0


def cmd_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import verdicts

    if args.undo:
        if args.duplicate_of:
            raise UsageError("--undo takes no --duplicate-of")
        verdicts.reinstate(settings.db, args.id, args.reason)
        print(f"reinstated claim {args.id}: it is back in every list, score, reminder and feed")
        return 0
    verdicts.withdraw(settings.db, args.id, args.reason, args.duplicate_of)
    also = f" (a duplicate of #{args.duplicate_of})" if args.duplicate_of else ""
    print(f"withdrew claim {args.id}{also}: it leaves every list, score, reminder and feed; its link still works")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import exports

    count = exports.export_ledger(settings.db, args.format, args.output, claim_id=args.claim)
    what = "claim" if args.format == "json" else "forecast row"
    scope = f" of claim {args.claim}" if args.claim is not None and args.format != "json" else ""
    print(f"wrote {count} {what}{'' if count == 1 else 's'}{scope} to {args.output}")
    return 0


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger

    if args.jsonl and not args.by:
        raise UsageError("--jsonl goes with --by (one line per group)")
    sheet = ledger.track_record_sheet(
        settings.db,
        latest=args.latest,
        folded=args.folded,
        by=args.by,
        attribution=args.attribution,
        forecaster=args.forecaster,
    )
    readers = _readers_score(args, settings)
    if args.jsonl or (args.json and _compact(args)):  # written from the sheet's lists (one write)
        from predictions import score_json

        # One line per group (e.g. per forecaster), then the whole record last; or one document.
        text = score_json.lines(sheet) if args.jsonl else score_json.document(sheet) + "\n"
        if readers is not None:  # into the breakdown, before the ranges' record is added
            from predictions.reader_scores import with_readers_json

            text = with_readers_json(text, readers, lines=args.jsonl)
        if not args.jsonl:
            text = score_json.with_numeric(text.rstrip("\n"), _numeric(args, settings)) + "\n"
        getattr(sys.stdout, "write_escaped", sys.stdout.write)(text)  # escaped already
        return 0
    score = sheet.score()
    if readers is not None:
        score.by.update(readers)
    numeric = _numeric(args, settings)
    if args.json:
        _print_json(score.as_dict() | {"numeric": numeric.as_dict()}, args)
        return 0

    def line(name: str, s: Any) -> str:
        brier, log = score_text(s.brier), score_text(s.log_score)
        return f"{name:<32} n={s.n:<7} Brier={brier:<8} log={log}"

    print(line("all scored forecasts", score))
    print("calibration (deadline passed):")
    for b in score.calibration:
        rate = f"{b.hit_rate:.0%}" if b.hit_rate is not None else "–"
        print(f"  {b.low:.0%}–{b.high:.0%}: n={b.n:<6} hits={b.hits:<6g} hit rate={rate}")
    for name, sub in score.by.items():
        print(line(f"  {name}"[:32], sub))
    if numeric.n:
        from predictions import range_text

        for text_line in range_text.score_lines(numeric):
            print(text_line)
    print(f"record: {ledger.record_head(settings.db).line()} (check it: predictions verify)")
    return 0


def _numeric(args: argparse.Namespace, settings: Settings) -> Any:
    """The ranges' record for `score` (predictions.numeric), of the same forecaster and attribution."""
    from predictions import numeric

    return numeric.numeric_record(settings.db, attribution=args.attribution, forecaster=args.forecaster)


def cmd_readers(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import reader_forecasts

    rows = reader_forecasts.claims_readers(
        settings.db, None if args.id is None else [args.id], enabled=settings.reader_forecasts
    )
    if args.json:
        _print_json([row.as_json() for row in rows], args)
        return 0
    if not rows:
        print("no reader has forecast a claim yet")
    for row in rows:  # aggregates only: never a pseudonym
        shown = row.aggregate.shown
        median = f"{row.aggregate.median:.0%}" if shown and row.aggregate.median is not None else "–"
        state = "resolved" if row.facts and row.facts.resolved else "open" if row.closed_because is None else "closed"
        print(f"#{row.claim_id:<6} readers={row.aggregate.n:<5} median={median:<5} {state:<8} {row.statement[:70]}")
    return 0


def _readers_score(args: argparse.Namespace, settings: Settings) -> dict[str, Any] | None:
    """With --by forecaster: "Readers (median)" as a forecaster of its own, once readers have forecast."""
    if args.by != "forecaster" or args.attribution is not None or args.forecaster is not None:
        return None
    from predictions import reader_scores as scores

    score = scores.readers_score_only(settings.db, date.today(), folded=args.folded)
    return None if score is None else {scores.READERS_MEDIAN: score}


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ledger

    if args.head is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", args.head.strip()):
        raise UsageError(f"--head {args.head!r} is not a SHA-256 hash (64 hexadecimal characters)")
    result, prefix = ledger.verify_record(settings.db, args.head)
    if result.broken is not None:
        print(f"{result.broken.line()} (records 1-{result.head.count} intact)", file=sys.stderr)
        return 1
    if args.head is not None and prefix is None:
        print(f"no record of this ledger had head {args.head.strip().lower()}: the record since was rewritten or "
              "that head is another ledger's", file=sys.stderr)  # fmt: skip
        return 1
    if args.head is not None:
        now = ledger.record_head(settings.db)
        print(f"head {args.head.strip().lower()[:4]}…{args.head.strip().lower()[-4:]} is record {prefix} of "
              f"{now.count}: the record up to it is unchanged; {now.line()}, intact")  # fmt: skip
        return 0
    if args.json:
        _print_json({"records": result.head.count, "head": result.head.hash, "intact": True}, args)
    else:
        print(f"{result.head.line()}, intact")
    return 0


def _log_to_stderr() -> None:
    """The long-running processes and the sweeps log a line per event on stderr (imported here: only
    they log)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)


def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import reminders

    _log_to_stderr()
    if args.mode == "run":
        from predictions import background  # the process's watches load pydantic: a one-off sweep does not

        print(f"reminder process: sweeping {settings.db} every {settings.remind_every_minutes} min; Ctrl-C stops",
              flush=True)  # fmt: skip
        background.run_forever(settings)
        return 0
    result = reminders.sweep(settings, now=args.now)
    print(f"reminder sweep: {result.summary()}")
    for claim_id, step, channel, error in result.failed:
        print(f"error: claim {claim_id} {step} via {channel}: {error}", file=sys.stderr)
    return 0


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import watches
    from predictions.watch_sources import public_url

    if args.action == "add":
        watch = watches.WatchIn(
            claim_id=args.id, url=args.url, format=args.format, points=args.points, value_at=args.value,
            date_at=args.date, match_text=args.match, every_hours=args.every,
        )  # fmt: skip
        watch_id = watches.add_watch(settings.db, watch)
        print(f"watch {watch_id} added to claim #{args.id}: {watches.describe(watch.model_dump())} "
              f"from {public_url(watch.url)} every {args.every:g} h (due now)")  # fmt: skip
        return 0
    if args.action == "list":
        # Shown with a literal credential masked, as every reading's source (the ledger keeps it to fetch with).
        rows = [{**row, "url": public_url(row["url"])} for row in watches.list_watches(settings.db)]
        if args.json:
            _print_json(rows, args)
            return 0
        if not rows:
            print("no watched sources (add one with `predictions watch add ID --url URL --format csv|json|atom`)")
        for row in rows:
            state = f"failing: {row['last_error']}" if row["last_error"] else (
                f"ok at {row['last_ok_at']:%Y-%m-%d %H:%M}" if row["last_ok_at"] else "not run yet")  # fmt: skip
            print(f"watch {row['id']}  claim #{row['claim_id']}  every {row['every_hours']:g} h  "
                  f"{watches.found(row)}  {state}")  # fmt: skip
            print(f"    {row['format']} {row['url']}  ({watches.describe(row)})")
        return 0
    if args.action == "remove":
        watches.remove_watch(settings.db, args.watch_id)
        print(f"removed watch {args.watch_id}; the readings it recorded stay as evidence")
        return 0
    if args.action == "candidates":
        notes = watches.candidate_notes(settings.db)
        if args.json:
            _print_json(notes, args)
            return 0
        print(f"{len(notes)} candidate notes from watched feeds" + (":" if notes else ""))
        _print_candidates(notes)
        return 0
    if args.action == "accept":
        observation_id = watches.accept_candidate(settings.db, args.candidate_id)
        print(f"accepted candidate {args.candidate_id}: recorded as observation #{observation_id}")
        return 0
    if args.action == "dismiss":
        watches.dismiss_candidate(settings.db, args.candidate_id)
        print(f"dismissed candidate {args.candidate_id}")
        return 0
    from predictions import background

    if not args.once and (args.all or args.watch_ids):  # never start the endless loop for a one-off request
        raise UsageError("--all and --watch go with --once (`watch run` alone keeps running the due watches)")
    if not args.once:  # the long-running process logs each run; --once prints its summary instead
        _log_to_stderr()
        print(f"watch process: running due sources in {settings.db} every {settings.watch_check_minutes:g} min; "
              "Ctrl-C stops", flush=True)  # fmt: skip
        background.run_forever(settings, reminders=False)
        return 0
    runs, notices = watches.run_and_notify(settings, everything=args.all, watch_ids=args.watch_ids or ())
    for run in runs:
        print(run.summary())
    if notices is not None and (notices.sent or notices.failed):
        print(f"crossing notices: {notices.summary()}")
    print(watches.summarize(runs))
    return 0


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import ical_feed

    skipped: list[int] = []
    count = ical_feed.write_calendar(settings, args.output, skipped)
    left_out = f" ({len(skipped)} left out: claims {', '.join(map(str, skipped))})" if skipped else ""
    print(f"wrote {count} deadlines to {args.output}{left_out}")
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import backup

    manifest = backup.backup(settings.db, args.output)
    rows = sum(manifest["row_counts"].values())
    readers = manifest["readers"]["row_counts"]["reader_forecasts"] if "readers" in manifest else None
    also = "" if readers is None else f", and {count(readers, 'reader forecast')}"
    print(f"backed up {settings.db} to {args.output}: {rows} rows in {len(manifest['row_counts'])} tables{also}")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import backup

    counts = backup.restore(args.folder, settings.db)
    print(f"restored {settings.db} from {args.folder}: {sum(counts.values())} rows in {len(counts)} tables")
    return 0


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    from predictions.settings import describe_settings

    for name, default, description in describe_settings():
        print(f"{name:<36} {description} (default: {default or 'unset'})")
    return 0


def cmd_check_seed(args: argparse.Namespace, settings: Settings) -> int:
    from predictions.seed import load_seed_file, prepare

    seed = load_seed_file(args.file)
    prepare(seed, args.file.stem)  # deadlines and confidences too: "valid" means an import will take it
    print(f"{args.file}: {len(seed.claims)} claims, valid")
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import extract

    extractor: extract.Extractor = extract.RuleBasedExtractor(author=settings.author_name)
    if args.model:  # a language model proposes, the rules check (predictions/extract/model_assisted.py)
        from predictions.extract.model_assisted import ModelExtractor

        extractor = ModelExtractor(args.model, author=settings.author_name)
    try:
        candidates = extract.extract_file(args.file, args.date, args.source, extractor=extractor)
    except extract.ExtractError as error:
        raise UsageError(str(error)) from None
    for refusal in getattr(extractor, "refusals", []):
        print(f"refused {refusal}", file=sys.stderr)
    if args.json:
        _print_json([candidate.model_dump(mode="json") for candidate in candidates], args)
        return 0
    print(f"{len(candidates)} candidate claims in {args.file} (issue of {args.date.isoformat()}):")
    for number, c in enumerate(candidates, start=1):
        deadline = f"{c.deadline.isoformat()} ({c.deadline_precision}, {c.time_text!r})" if c.deadline else "none"
        if c.time_text and not c.deadline:
            deadline += f" ({c.time_text!r} names no period)"
        if c.deadline and c.deadline_source != "sentence":
            deadline += f" from the {c.deadline_source}"
        target = f" · target {c.comparator} {c.target:g} {c.unit} ({c.metric})" if c.target is not None else ""
        print(f"\n{number:>3}. {c.quote}")
        print(f"     cue {c.cue!r} · {c.claimant} ({c.attribution}) · {c.kind}{target}")
        print(f"     deadline {deadline} · p={c.probability:.0%} ({c.hedge or 'no hedge on the scale'})")
        if c.missing:
            print(f"     missing: {', '.join(c.missing)}")
    return 0


def cmd_scorecard(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import scorecard

    text = scorecard.build_scorecard(
        settings.db,
        args.since,
        args.format,
        args.today,
        charts_dir=args.charts,
        link_base=args.output.parent if args.output else None,
        forecaster=args.forecaster,
        attribution=args.attribution,
        latest=args.latest,
        due_days=args.days,
    )
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    charts = f" and charts in {args.charts}" if args.charts else ""
    print(f"wrote the scorecard to {args.output}{charts}")
    return 0


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import publishing

    result = publishing.publish(
        settings.db,
        args.output,
        today=args.today or date.today(),
        base_url=args.base_url,
        source=args.source,
        everything=args.all,
        cards=not args.no_cards,
        author=settings.author_name,
    )
    for claim_id, reason in getattr(result, "card_failures", []):  # the site is published all the same
        print(
            f"warning: the card of claim {claim_id} could not be drawn: {reason}; a plain card stands in",
            file=sys.stderr,
        )
    print(
        f"published {result.claims} claims to {args.output}: {len(result.pages)} pages, {len(result.cards)} cards, "
        f"{result.files} files, {result.bytes:,} bytes"
    )
    return 0


def cmd_card(args: argparse.Namespace, settings: Settings) -> int:
    from predictions import publishing

    publishing.card(settings.db, args.id, args.output, today=args.today or date.today())
    print(f"wrote the card of claim {args.id} to {args.output}")
    return 0


# --- parser ---------------------------------------------------------------------------------------


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument("--db", type=_path, help="database file (default: $PREDICTIONS_DB or data/predictions.duckdb)")
    parser = Parser(prog="predictions", description="Track forecasts as checkable claims with deadlines.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    def command(
        name: str, handler: Callable[[argparse.Namespace, Settings], int], help_text: str, *, options: bool = True
    ) -> Parser:
        # A command with actions of its own takes --db after its action (a default set on both levels
        # would let the action's None overwrite a --db given before it).
        p = sub.add_parser(name, parents=[common] if options else [], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("init", cmd_init, "create the database and seed it from the December 2024 issue and its evidence")
    p.add_argument(
        "--seed", type=_path, help="another seed file (YAML; evidence is read from <stem>.evidence.csv beside it)"
    )
    p.add_argument("--no-evidence", action="store_true", help="seed the claims alone, without the shipped evidence")

    command("ensure-db", cmd_ensure_db, "create and seed the database only if it does not exist yet")

    p = command("list", cmd_list, "list the claims with their status")
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")
    p.add_argument("--status", help="only this status (e.g. overdue, open, resolved, 'on track')")

    p = command("show", cmd_show, "show one claim with its history")
    p.add_argument("id", type=_claim_id)
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")

    p = command("add", cmd_add, "add a claim, or the claims of a YAML file")
    p.add_argument("--file", type=_path, help="a YAML file in the seed layout")
    p.add_argument("--statement")
    p.add_argument("--quote")
    p.add_argument("--deadline", type=_date)
    p.add_argument("--deadline-precision", choices=[p.value for p in Precision])
    p.add_argument("--made-on", type=_date, help="when the claim was made (default: today)")
    p.add_argument("--probability", type=_probability, help="0–1 or a percentage such as 70%%")
    p.add_argument("--forecaster")
    p.add_argument("--claimant")
    p.add_argument("--attribution", choices=[a.value for a in Attribution], default="author")
    p.add_argument("--kind", choices=[k.value for k in ClaimKind])
    p.add_argument("--metric")
    p.add_argument("--target", type=_number)
    p.add_argument("--baseline", type=_number)
    p.add_argument("--unit")
    p.add_argument("--comparator", choices=[c.value for c in Comparator])
    p.add_argument("--criteria", help="what evidence settles the claim")
    p.add_argument("--tags", help="comma-separated topics")

    p = command("observe", cmd_observe, "record evidence: a dated value or note")
    p.add_argument("id", type=_claim_id)
    p.add_argument("--on", type=_date, required=True)
    p.add_argument("--value", type=_number)
    p.add_argument("--note")
    p.add_argument("--source", help="http(s) URL of the evidence")

    p = command("forecast", cmd_forecast, "record an updated confidence")
    p.add_argument("id", type=_claim_id)
    p.add_argument("--probability", type=_probability, required=True)
    p.add_argument("--forecaster")
    p.add_argument("--at", type=_datetime, help="when (default: now)")
    p.add_argument("--note")
    p.add_argument(
        "--quantiles",
        help="a threshold claim's range of the metric at the deadline: LEVEL=VALUE,… (e.g. 10=800,50=2500,90=6000)",
    )

    p = command("resolve", cmd_resolve, "resolve a claim, or undo its resolution")
    p.add_argument("id", type=_claim_id)
    p.add_argument("outcome", nargs="?")
    p.add_argument("--fraction", type=_probability, help="share of the target achieved (partial)")
    p.add_argument("--on", type=_date)
    p.add_argument("--note")
    p.add_argument("--evidence", help="http(s) URL of the evidence")
    p.add_argument("--value", type=_number, help="a threshold claim's metric value the resolution rests on")
    p.add_argument("--undo", action="store_true")

    p = command("import", cmd_import, "import a file (all-or-nothing)")
    p.add_argument("file", type=_path)
    p.add_argument(
        "--format", required=True, choices=["csv", "yaml", "json", "parquet", "predictionbook", "fatebook", "evidence"]
    )
    p.add_argument("--progress", action="store_true", help="report progress on stderr")

    p = command("review", cmd_review, "the claims past their deadline that need a verdict, with evidence and proposals")
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")
    p.add_argument("--today", type=_date, help="review as of this day (default: today)")

    p = command("amend", cmd_amend, "correct a claim (a new row with the reason; the history stays)")
    p.add_argument("id", type=_claim_id)
    p.add_argument("--statement")
    p.add_argument("--deadline", type=_date)
    p.add_argument("--precision", choices=[p.value for p in Precision], help="the new deadline's precision")
    p.add_argument("--criteria", help="new resolution criteria")
    p.add_argument("--target", type=_number)
    p.add_argument("--tags", help="comma-separated topics (replace the old ones)")
    p.add_argument("--reason", required=True, help="why the claim changes")

    p = command("withdraw", cmd_withdraw, "withdraw a claim from every list, score, reminder and feed (its link stays)")
    p.add_argument("id", type=_claim_id)
    p.add_argument("--reason", required=True)
    p.add_argument("--duplicate-of", type=_claim_id, help="the claim this one repeats")

    p.add_argument("--undo", action="store_true", help="reinstate a withdrawn claim (with --reason)")

    p = command("verify", cmd_verify, "recompute the record's hash chain: intact, or the first record that differs")
    p.add_argument("--head", help="a head printed earlier: check the record up to it is unchanged")
    p.add_argument("--json", action="store_true", help="also print the head as JSON")

    p = command("export", cmd_export, "export the ledger")
    p.add_argument("--format", required=True, choices=["csv", "json", "parquet"])
    p.add_argument("-o", "--output", type=_path, required=True)
    p.add_argument(
        "--claim", type=_claim_id, help="only this claim (json: the same file as the site's data/claim-ID.json)"
    )

    p = command("publish", cmd_publish, "write the reader pages as a static site (cards, feed, embeds, data)")
    p.add_argument("-o", "--output", type=_path, required=True, help="the site's folder")
    p.add_argument("--base-url", help="the address the folder is served from (absolute og:image, feed and embeds)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--source", type=_claim_id, help="only the claims of this source id")
    scope.add_argument("--all", action="store_true", help="also the claims imported from other platforms' archives")
    p.add_argument("--today", type=_date, help="the site's as-of day (default: today)")
    p.add_argument("--no-cards", action="store_true", help="leave out the PNG cards (no browser needed)")

    p = command("card", cmd_card, "write one claim's 1200×630 PNG card (for a newsletter or a post)")
    p.add_argument("id", type=_claim_id)
    p.add_argument("-o", "--output", type=_path, required=True, help="the PNG file")
    p.add_argument("--today", type=_date, help="status as of this day (default: today)")

    p = command("score", cmd_score, "the track record: Brier, log score, calibration")
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")
    p.add_argument("--folded", action="store_true", help="fold p < 50%% onto 1 − p (bins 50–100%%)")
    p.add_argument("--latest", action="store_true", help="only each forecaster's last forecast per claim")
    p.add_argument("--by", choices=["claimant", "attribution", "topic", "forecaster"])
    p.add_argument("--jsonl", action="store_true", help="with --by: JSON lines, one per group, the whole record last")
    p.add_argument("--attribution", choices=[a.value for a in Attribution])
    p.add_argument("--forecaster")

    p = command("readers", cmd_readers, "readers' forecasts per claim: count and median (aggregates only)")
    p.add_argument("id", type=_claim_id, nargs="?", help="one claim (default: every claim readers forecast)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")

    p = command("remind", cmd_remind, "send due reminders: `run` keeps sweeping, `once` sweeps one time (cron)")
    p.add_argument("mode", choices=["run", "once"])
    p.add_argument("--now", type=_datetime, help="sweep as if it were this UTC time (testing, backfills)")

    p = command(
        "watch", cmd_watch, "watched data sources: readings and feed entries recorded by themselves", options=False
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    w = actions.add_parser("add", help="watch a source for a claim (due at once)", parents=[common])
    w.add_argument("id", type=_claim_id, help="the claim")
    w.add_argument("--url", required=True, help="http(s) address of the CSV, JSON or Atom/RSS document")
    w.add_argument("--format", required=True, choices=["csv", "json", "atom"])
    w.add_argument("--value", help="the CSV column, or the JSON pointer (RFC 6901), of the value")
    w.add_argument("--date", help="the CSV column, or the JSON pointer, of the value's date")
    w.add_argument("--points", help="JSON pointer to an array of points (then --value and --date are inside each)")
    w.add_argument("--match", help="atom/RSS: entries whose title or summary contain this become candidate notes")
    w.add_argument("--every", type=_number, default=24.0, help="hours between two runs (default: 24)")
    w = actions.add_parser("list", help="the watches, their readings and last errors", parents=[common])
    w.add_argument("--json", action="store_true")
    w.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")
    w = actions.add_parser("remove", help="stop watching (the readings stay evidence)", parents=[common])
    w.add_argument("watch_id", type=_whole_id("watch"))
    w = actions.add_parser("run", help="run the due watches: --once for cron, else keep running", parents=[common])
    w.add_argument("--once", action="store_true", help="run the due watches one time and exit")
    w.add_argument("--all", action="store_true", help="with --once: every watch, due or not")
    w.add_argument(
        "--watch", dest="watch_ids", type=_whole_id("watch"), action="append", help="with --once: this watch now"
    )
    w = actions.add_parser("candidates", help="feed entries waiting for the author to accept or dismiss",
                           parents=[common])  # fmt: skip
    w.add_argument("--json", action="store_true")
    w.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")
    w = actions.add_parser("accept", help="record a candidate note as evidence", parents=[common])
    w.add_argument("candidate_id", type=_whole_id("candidate note"))
    w = actions.add_parser("dismiss", help="drop a candidate note", parents=[common])
    w.add_argument("candidate_id", type=_whole_id("candidate note"))

    p = command("calendar", cmd_calendar, "write the deadlines as an iCalendar feed with alarms")
    p.add_argument("-o", "--output", type=_path, required=True)

    p = command("backup", cmd_backup, "copy the whole ledger into a new folder (Parquet + manifest)")
    p.add_argument("-o", "--output", type=_path, required=True)

    p = command("restore", cmd_restore, "replace the ledger with a backup (the old file is kept beside it)")
    p.add_argument("folder", type=_path)

    command("settings", cmd_settings, "list the settings and their environment variables")

    p = command("check-seed", cmd_check_seed, "validate a seed/claims YAML file without writing")
    p.add_argument("file", type=_path)

    p = command("extract", cmd_extract, "propose candidate claims from a newsletter issue (text, Markdown or HTML)")
    p.add_argument("file", type=_path)
    p.add_argument("--date", type=_date, required=True, help="the issue's date, YYYY-MM-DD (reads 'next year')")
    p.add_argument("--source", help="the issue's title")
    p.add_argument("--model", help="ask this llm model for the candidates; the rules check them (needs [llm])")
    p.add_argument("--json", action="store_true")
    p.add_argument("--indent", type=int, help="indent the JSON (default: compact unless on a terminal)")

    p = command("scorecard", cmd_scorecard, "a ready-to-paste track-record section for the next issue")
    p.add_argument("--since", type=_date, required=True, help="claims resolved on or after this date")
    p.add_argument("--format", choices=["markdown", "html"], default="markdown")
    p.add_argument("--charts", type=_path, help="also write the calibration and progress charts (PNG, SVG) here")
    p.add_argument("-o", "--output", type=_path, help="write to this file (default: standard output)")
    p.add_argument("--today", type=_date, help="the scorecard's date (default: today)")
    p.add_argument("--days", type=int, default=90, help="claims due within this many days (default: 90)")
    p.add_argument("--forecaster")
    p.add_argument("--attribution", choices=[a.value for a in Attribution])
    p.add_argument("--latest", action="store_true", help="only each forecaster's last forecast per claim")
    return parser


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _error(problem: object) -> None:
    """One line on stderr per problem: line breaks inside a message (from the input it quotes) are escaped."""
    text = "".join(c.encode("unicode_escape").decode() if c in _LINE_BREAKS else c for c in str(problem))
    print(f"error: {escape_controls(text)}", file=sys.stderr)


def _os_problem(error: OSError) -> str:
    """An OSError as `path: reason` (no errno, no traceback)."""
    where = error.filename if error.filename is not None else ""
    reason = error.strerror or (str(error).splitlines() or [error.__class__.__name__])[0]
    return f"{where}: {reason}" if where else reason


def _dashes_read_as_value(value: object) -> bool:
    """argparse reads `--opt=--` as an empty list (`[[]]` in an appending option such as `watch run
    --watch`); an appending option's own list of values is not that."""
    return isinstance(value, list) and (not value or any(isinstance(item, list) for item in value))


def main(argv: Sequence[str] | None = None) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    # Text from people never reaches the terminal raw: not in output, errors or the reminder log lines.
    sys.stdout, sys.stderr = EscapingWriter(stdout), EscapingWriter(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if any(_dashes_read_as_value(value) for value in vars(args).values()):
            raise UsageError("predictions: '--' is not a value for an option")
        from predictions.settings import load_settings  # here: `--help` and usage errors load nothing heavy

        settings = load_settings(db=args.db)
        return int(args.handler(args, settings))
    except PredictionsError as error:  # the project's error family: one line each
        for problem in getattr(error, "problems", None) or [error]:  # an import: one line per bad row
            _error(problem)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `predictions list | head`
        return 0
    except OSError as error:  # a file that cannot be read or written: a missing folder, a directory, …
        _error(_os_problem(error))
        return 1
    except RecursionError:  # input nested deeper than any parser here follows
        _error("the input is nested too deeply to read")
        return 1
    except Exception as error:
        from pydantic import ValidationError

        if isinstance(error, ValidationError):  # input the models refused: one line per problem
            from predictions.models import describe_validation_error

            for problem in describe_validation_error(error):
                _error(problem)
            return 1
        _error(f"unexpected {type(error).__name__}: {first_line(error)} (please report it)")  # last resort
        return 1


if __name__ == "__main__":
    sys.exit(main())
