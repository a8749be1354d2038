"""The workspace's "Import" tab: a file of claims or evidence, all or nothing."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import data, ui
from dashboard.forms import flash, show_flash
from predictions import imports, words
from predictions.ledger import LedgerError


def import_form() -> None:
    st.caption(
        "csv or parquet: one row per forecast (statement, probability, outcome, made_on, deadline, forecaster, tags). "
        "yaml: a newsletter issue in the seed layout. json: this tracker's own export. "
        "evidence: dated, sourced facts (claim_key or claim_id, observed_on, value, note, source_url, "
        "source_published, confidence), as csv or a json array; a row already recorded is not added again. "
        "A file with any bad row is rejected whole and nothing is written."
    )
    upload = st.file_uploader("File", type=sorted(data.IMPORT_FORMATS), key="author_upload")
    show_flash("import")
    if upload is None:
        return
    name = ui.escape_markdown(upload.name)
    guessed = data.IMPORT_FORMATS.get(Path(upload.name).suffix.lower().lstrip("."), "csv")
    if "evidence" in upload.name.lower():
        guessed = data.EVIDENCE
    formats = [*sorted(set(data.IMPORT_FORMATS.values())), data.EVIDENCE]
    fmt = st.selectbox("Format", formats, index=formats.index(guessed), key="author_import_format")
    if not st.button("Import", key="author_import_submit", type="primary"):
        return
    if fmt == data.EVIDENCE:
        try:
            found = data.import_evidence(upload.name, upload.getvalue())
        except imports.ImportProblems as problems:
            st.error(f"Nothing imported: {len(problems.problems)} problem(s) in {name}.")
            st.dataframe(
                [{"problem": line} for line in problems.problems], key="author_import_problems", hide_index=True
            )
            return
        except LedgerError as error:
            st.error(ui.escape_markdown(error))
            return
        flash("import", f"Imported {name}: {found.added} observations added, {found.existing} already there.")
        st.rerun()
    bar = st.progress(0.0, text="reading the file")

    def report(share: float, what: str) -> None:
        bar.progress(share, text=what)

    try:
        result = data.import_upload(upload.name, upload.getvalue(), fmt, report)
    except imports.ImportProblems as problems:
        bar.empty()
        st.error(f"Nothing imported: {len(problems.problems)} problem(s) in {name}.")
        st.dataframe([{"problem": line} for line in problems.problems], key="author_import_problems", hide_index=True)
        return
    except LedgerError as error:
        bar.empty()
        st.error(ui.escape_markdown(error))
        return
    bar.progress(1.0, text="done")
    flash(
        "import",
        f"Imported {name}: {words.count(result.claims_added, 'claim')} added ({result.claims_existing:,} already "
        f"there), {words.count(result.forecasts_added, 'forecast')}, "
        f"{words.count(result.observations_added, 'observation')}, "
        f"{words.count(result.resolutions_added, 'resolution')}.",
    )
    st.rerun()
