"""Ordered, named migrations recorded in `schema_migrations`, each applied in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from db import chain, rollups
from db.clock import utc_now


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    # Work SQL alone cannot do (hashing), run after the statements in the same transaction.
    then: Callable[[duckdb.DuckDBPyConnection], object] | None = None


def _chain_existing(con: duckdb.DuckDBPyConnection) -> None:
    """Forecasts had no recording time: the migration's own, marked by their entry ('migrated', or
    'imported' for the seed's and imports'); then every existing row is chained."""
    con.execute("UPDATE forecasts SET recorded_at = ? WHERE recorded_at IS NULL", [utc_now()])
    chain.chain_all(con)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core ledger: sources, claims, observations, forecasts, resolutions",
        (
            "CREATE SEQUENCE IF NOT EXISTS source_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS claim_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS observation_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS forecast_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS resolution_id_seq START 1",
            """CREATE TABLE sources (
                id BIGINT PRIMARY KEY DEFAULT nextval('source_id_seq'),
                external_id VARCHAR UNIQUE,
                title VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                published_on DATE,
                url VARCHAR,
                author VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE claims (
                id BIGINT PRIMARY KEY DEFAULT nextval('claim_id_seq'),
                external_id VARCHAR UNIQUE,
                source_id BIGINT,
                statement VARCHAR NOT NULL,
                quote VARCHAR,
                claimant VARCHAR NOT NULL,
                attribution VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                made_on DATE NOT NULL,
                deadline DATE,
                deadline_precision VARCHAR,
                deadline_text VARCHAR,
                resolution_criteria VARCHAR,
                tags VARCHAR[] NOT NULL,
                metric VARCHAR,
                unit VARCHAR,
                comparator VARCHAR,
                target DOUBLE,
                baseline DOUBLE,
                baseline_on DATE,
                partial_credit BOOLEAN NOT NULL DEFAULT FALSE,
                flags VARCHAR[] NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE observations (
                id BIGINT PRIMARY KEY DEFAULT nextval('observation_id_seq'),
                claim_id BIGINT NOT NULL,
                observed_on DATE NOT NULL,
                value DOUBLE,
                note VARCHAR,
                source_url VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE forecasts (
                id BIGINT PRIMARY KEY DEFAULT nextval('forecast_id_seq'),
                external_id VARCHAR UNIQUE,
                claim_id BIGINT NOT NULL,
                forecaster VARCHAR NOT NULL,
                probability DOUBLE NOT NULL,
                made_at TIMESTAMP NOT NULL,
                basis VARCHAR NOT NULL,
                note VARCHAR
            )""",
            """CREATE TABLE resolutions (
                id BIGINT PRIMARY KEY DEFAULT nextval('resolution_id_seq'),
                claim_id BIGINT NOT NULL,
                outcome VARCHAR NOT NULL,
                fraction DOUBLE,
                resolved_on DATE NOT NULL,
                note VARCHAR,
                evidence_url VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            # An undo is a row of its own: resolutions stay append-only and the history stays readable.
            """CREATE TABLE resolution_undos (
                resolution_id BIGINT PRIMARY KEY,
                undone_at TIMESTAMP NOT NULL,
                note VARCHAR
            )""",
            # The resolution in force: the latest one per claim that has not been undone.
            """CREATE VIEW current_resolutions AS
                SELECT r.* FROM resolutions r
                WHERE NOT EXISTS (SELECT 1 FROM resolution_undos u WHERE u.resolution_id = r.id)
                QUALIFY row_number() OVER (PARTITION BY r.claim_id ORDER BY r.id DESC) = 1""",
            "CREATE INDEX observations_claim ON observations (claim_id)",
            "CREATE INDEX forecasts_claim ON forecasts (claim_id)",
            "CREATE INDEX resolutions_claim ON resolutions (claim_id)",
        ),
    ),
    Migration(
        2,
        "reminders: one row per (claim, step, channel), claimed before sending",
        (
            """CREATE TABLE reminders (
                claim_id BIGINT NOT NULL,
                step VARCHAR NOT NULL,
                channel VARCHAR NOT NULL,
                due_on DATE NOT NULL,
                state VARCHAR NOT NULL,
                idempotency_key VARCHAR NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                claimed_at TIMESTAMP,
                claimed_by VARCHAR,
                sent_at TIMESTAMP,
                next_attempt_at TIMESTAMP,
                last_error VARCHAR,
                subject VARCHAR,
                body VARCHAR,
                payload VARCHAR,
                PRIMARY KEY (claim_id, step, channel)
            )""",
        ),
    ),
    Migration(
        3,
        "rollups: each claim's latest forecast, resolution in force, observation and score sums; forecaster counts",
        # The claims' rows are built by migration 7, under the rules of today's ledger (REBUILD_SQL reads
        # columns that migration adds).
        (rollups.TABLE_SQL, rollups.FORECASTERS_TABLE_SQL, rollups.FORECASTERS_REBUILD_SQL),
    ),
    Migration(
        4,
        "evidence provenance on observations; claim amendments and withdrawals as rows of their own",
        (
            # Where an observation came from: 'issue' (a baseline fact the issue itself states),
            # 'evidence' (gathered after the issue, imported with its source) or 'recorded' (by hand).
            "ALTER TABLE observations ADD COLUMN origin VARCHAR DEFAULT 'recorded'",
            "ALTER TABLE observations ADD COLUMN source_published DATE",
            "ALTER TABLE observations ADD COLUMN confidence VARCHAR",
            # The seed's baseline facts are dated to the issue that states them.
            """UPDATE observations SET origin = 'issue' WHERE EXISTS (
                   SELECT 1 FROM claims c WHERE c.id = observations.claim_id
                   AND c.external_id LIKE 'seed:%' AND c.made_on = observations.observed_on)""",
            "UPDATE observations SET origin = 'recorded' WHERE origin IS NULL",
            "ALTER TABLE claims ADD COLUMN withdrawn BOOLEAN DEFAULT FALSE",
            "UPDATE claims SET withdrawn = FALSE WHERE withdrawn IS NULL",
            "CREATE SEQUENCE IF NOT EXISTS amendment_id_seq START 1",
            # Every change to a claim's fields, and every withdrawal, with the values before and after
            # (JSON) and the reason: the claim as first made and each version since can be read back.
            """CREATE TABLE claim_amendments (
                id BIGINT PRIMARY KEY DEFAULT nextval('amendment_id_seq'),
                claim_id BIGINT NOT NULL,
                action VARCHAR NOT NULL,
                changes VARCHAR NOT NULL,
                reason VARCHAR NOT NULL,
                duplicate_of BIGINT,
                created_at TIMESTAMP NOT NULL
            )""",
            "CREATE INDEX amendments_claim ON claim_amendments (claim_id)",
        ),
    ),
    Migration(
        5,
        "flat-file claims (csv, parquet) by forecasters other than the author are third-party forecasts",
        (
            # Flat imports used to mark every claim as the author's. The ledger's author is the claimant of
            # its author claims made any other way (the seed, the workspace, `add`); an imported claim by
            # anybody else becomes a third-party forecast. A ledger with no such claim is left as it is:
            # nothing in it says who the author is.
            """UPDATE claims SET attribution = 'third_party_forecast'
               WHERE external_id LIKE 'csv:%' AND attribution = 'author'
                 AND EXISTS (SELECT 1 FROM claims a WHERE a.attribution = 'author'
                             AND coalesce(a.external_id, '') NOT LIKE 'csv:%')
                 AND lower(claimant) NOT IN (SELECT DISTINCT lower(a.claimant) FROM claims a
                                             WHERE a.attribution = 'author'
                                             AND coalesce(a.external_id, '') NOT LIKE 'csv:%')""",
        ),
    ),
    Migration(
        6,
        "watched data sources: watches per claim, readings with provenance, candidate notes from feeds",
        (
            "CREATE SEQUENCE IF NOT EXISTS watch_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS watch_candidate_id_seq START 1",
            # A source the reminder process reads for a claim, with its schedule and the outcome of its
            # last run (last_error is NULL when the last run succeeded).
            """CREATE TABLE watches (
                id BIGINT PRIMARY KEY DEFAULT nextval('watch_id_seq'),
                claim_id BIGINT NOT NULL,
                url VARCHAR NOT NULL,
                format VARCHAR NOT NULL,
                points VARCHAR,
                value_at VARCHAR,
                date_at VARCHAR,
                match_text VARCHAR,
                every_hours DOUBLE NOT NULL,
                created_at TIMESTAMP NOT NULL,
                next_run_at TIMESTAMP NOT NULL,
                last_run_at TIMESTAMP,
                last_ok_at TIMESTAMP,
                last_error VARCHAR,
                runs INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX watches_claim ON watches (claim_id)",
            # A reading's provenance: the watch, when it was fetched and the SHA-256 of the raw payload;
            # `revises` is the observation whose value for the same day this one replaced.
            "ALTER TABLE observations ADD COLUMN watch_id BIGINT",
            "ALTER TABLE observations ADD COLUMN fetched_at TIMESTAMP",
            "ALTER TABLE observations ADD COLUMN payload_sha256 VARCHAR",
            "ALTER TABLE observations ADD COLUMN revises BIGINT",
            # Feed entries that matched a watch: evidence only once the author accepts it.
            """CREATE TABLE watch_candidates (
                id BIGINT PRIMARY KEY DEFAULT nextval('watch_candidate_id_seq'),
                watch_id BIGINT NOT NULL,
                claim_id BIGINT NOT NULL,
                entry_key VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                link VARCHAR,
                published_on DATE,
                summary VARCHAR,
                state VARCHAR NOT NULL DEFAULT 'pending',
                found_at TIMESTAMP NOT NULL,
                fetched_at TIMESTAMP NOT NULL,
                payload_sha256 VARCHAR NOT NULL,
                decided_at TIMESTAMP,
                observation_id BIGINT,
                UNIQUE (claim_id, entry_key)
            )""",
        ),
    ),
    Migration(
        7,
        "the record cannot be bent: when each history row was recorded, forecast entries, the hash chain",
        (
            "ALTER TABLE claims ADD COLUMN recorded_at TIMESTAMP",
            "UPDATE claims SET recorded_at = created_at",
            "ALTER TABLE claim_amendments ADD COLUMN recorded_at TIMESTAMP",
            "UPDATE claim_amendments SET recorded_at = created_at",
            "ALTER TABLE observations ADD COLUMN recorded_at TIMESTAMP",
            "UPDATE observations SET recorded_at = created_at",
            "ALTER TABLE resolutions ADD COLUMN recorded_at TIMESTAMP",
            "UPDATE resolutions SET recorded_at = created_at",
            "ALTER TABLE resolution_undos ADD COLUMN recorded_at TIMESTAMP",
            "UPDATE resolution_undos SET recorded_at = undone_at",
            # How a forecast entered the record: 'live' (typed by its forecaster, dated within a day of
            # its recording), 'backfilled' (dated more than a day before it was recorded: never scored),
            # 'imported' (kept its own date from a file, an archive, the seed or a newsletter issue) or
            # 'migrated' (recorded before this migration; when, the ledger did not keep).
            "ALTER TABLE forecasts ADD COLUMN recorded_at TIMESTAMP",
            "ALTER TABLE forecasts ADD COLUMN entry VARCHAR",
            """UPDATE forecasts SET entry = CASE
                   WHEN external_id IS NOT NULL OR basis = 'imported'
                        OR EXISTS (SELECT 1 FROM claims c WHERE c.id = forecasts.claim_id AND c.external_id IS NOT NULL)
                   THEN 'imported' ELSE 'migrated' END""",
            chain.CHAIN_TABLE_SQL,
            # Scores count only forecasts recorded before their claim's deadline and first resolution.
            "DELETE FROM claim_rollups",
            rollups.REBUILD_SQL,
            "DELETE FROM forecaster_rollups",
            rollups.FORECASTERS_REBUILD_SQL,
        ),
        then=_chain_existing,
    ),
    Migration(
        8,
        "ranges: a forecast's quantiles of the metric at the deadline; the value a resolution rests on",
        (
            "CREATE SEQUENCE IF NOT EXISTS forecast_quantile_id_seq START 1",
            "CREATE SEQUENCE IF NOT EXISTS resolution_value_id_seq START 1",
            # One row per quantile (level in percent); levels 0 and 100 hold the tails' ends as recorded.
            """CREATE TABLE forecast_quantiles (
                id BIGINT PRIMARY KEY DEFAULT nextval('forecast_quantile_id_seq'),
                forecast_id BIGINT NOT NULL,
                level INTEGER NOT NULL,
                value DOUBLE NOT NULL,
                recorded_at TIMESTAMP NOT NULL,
                UNIQUE (forecast_id, level)
            )""",
            """CREATE TABLE resolution_values (
                id BIGINT PRIMARY KEY DEFAULT nextval('resolution_value_id_seq'),
                resolution_id BIGINT NOT NULL UNIQUE,
                value DOUBLE NOT NULL,
                recorded_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
    Migration(
        9,
        "observations in force: a revised or corrected observation gives way to the row that revises it",
        (
            # The rollups' line and latest value now read only the observations in force
            # (db.rules.OBSERVATIONS_IN_FORCE); a ledger with a watched source's revised reading had both.
            "DELETE FROM claim_rollups",
            rollups.REBUILD_SQL,
        ),
    ),
)


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"""
    )


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    _ensure_table(con)
    return [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    up_to: int | None = None,
) -> list[int]:
    """Apply every migration not yet recorded, in order; return the versions applied now.

    The caller owns the transaction (db.unit_of_work), so a failing migration leaves nothing behind.
    """
    done = set(applied_versions(con))
    applied = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done or (up_to is not None and migration.version > up_to):
            continue
        for statement in migration.statements:
            con.execute(statement)
        if migration.then is not None:
            migration.then(con)
        con.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            [migration.version, migration.name, utc_now()],
        )
        applied.append(migration.version)
    return applied


def restamp(con: duckdb.DuckDBPyConnection) -> None:
    """A new ledger copied from a blank one (db.blank_ledger): its migrations applied now, as if run here."""
    _ensure_table(con)
    con.execute("UPDATE schema_migrations SET applied_at = ?", [utc_now()])


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The applied version without creating anything (works on read-only connections); 0 for a blank file."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' AND schema_name = 'main'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    return current_version(con)
