"""The claim page's link to share: the address in a read-only text field and a "Copy link" button beside it.

One `st.html` element with a small script, not `st.code`: a code block makes the browser fetch and run
Streamlit's syntax highlighter (a 1.56 MB chunk that registers ~300 languages) to show one URL, and its copy
button appears only on hover, so a phone never shows it. The field can be selected and copied by hand too;
the button uses the Clipboard API where the page is a secure context (https, localhost) and the browser's
copy command on the selected field elsewhere. The URL is only ever an attribute value (escaped); the script
reads it back from the field, so nothing typed by anyone reaches the script's text.
"""

from __future__ import annotations

import html

import streamlit as st

FIELD_LABEL = "Link to this claim"
COPY = "Copy link"
COPIED = "Copied"
BY_HAND = "Press Ctrl+C to copy"

_STYLE = """<style>
.tpt-share{display:flex;flex-wrap:wrap;gap:0.5rem;align-items:stretch;max-width:46rem}
.tpt-share input{flex:1 1 16rem;min-width:0;font:inherit;font-size:0.9rem;color:inherit;background:transparent;
  border:1px solid rgba(128,128,128,0.5);border-radius:0.5rem;padding:0.4rem 0.6rem}
.tpt-share button{font:inherit;font-size:0.9rem;color:inherit;background:transparent;cursor:pointer;
  border:1px solid rgba(128,128,128,0.5);border-radius:0.5rem;padding:0.4rem 0.9rem;white-space:nowrap}
.tpt-share button:hover,.tpt-share button:focus-visible{border-color:currentColor}
</style>"""

# Runs once per element drawn (Streamlit's Html element re-creates the script node so that it runs).
_SCRIPT = """<script>(() => {
  const box = document.currentScript && document.currentScript.closest('.tpt-share');
  if (!box) return;
  const field = box.querySelector('input'), button = box.querySelector('button');
  const say = (text) => { button.textContent = text; clearTimeout(button._reset);
    button._reset = setTimeout(() => { button.textContent = %(copy)s; }, 2500); };
  const byHand = () => { field.focus(); field.select();
    try { if (document.execCommand('copy')) { say(%(copied)s); return; } } catch (e) {}
    say(%(by_hand)s); };
  field.addEventListener('focus', () => field.select());
  button.addEventListener('click', () => {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(() => say(%(copied)s), byHand);
    } else { byHand(); }
  });
})();</script>"""


def share_html(url: str) -> str:
    """The field, the button and their script for `url` (escaped as an attribute value)."""
    words = {"copy": repr(COPY), "copied": repr(COPIED), "by_hand": repr(BY_HAND)}
    return (
        f'{_STYLE}<div class="tpt-share" data-testid="claim-share">'
        f'<input type="text" readonly value="{html.escape(url, quote=True)}" aria-label="{FIELD_LABEL}"'
        ' spellcheck="false">'
        f'<button type="button">{COPY}</button>'
        f"{_SCRIPT % words}</div>"
    )


def share_link(url: str) -> None:
    """Show `url` as a selectable field with a visible copy button (see the module's docstring)."""
    st.html(share_html(url), unsafe_allow_javascript=True)
