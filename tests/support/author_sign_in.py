"""Signing in where the author workspace is: /author opened as a bookmark shows the password form itself.

For the browser tests that are about the workspace, not about the sidebar's sign-in: it loads one page
(the workspace) instead of the overview with its charts, a sidebar opened and closed on a phone and a
navigation to the workspace (`browser_server.sign_in_from_the_sidebar`, which the tests of the sidebar's
sign-in keep using).
"""

from __future__ import annotations

from browser_server import RENDER_TIMEOUT_MS, load, settle, submit_not_taken
from playwright.sync_api import Page, expect

LOST_SUBMIT_MS = 30_000  # no workspace by then: the page is settled and looked at for a submit it did not take


def sign_in_on_the_author_page(page: Page, url: str, password: str) -> None:
    """Open `url`/author, sign in with its form and wait until the workspace's tabs are shown and the
    browser holds the sign-in cookie (what a reload signs in with).

    A submit the page did not take (the password still in the box once the page has settled: the form
    clears on submit) is pressed once more, as a person would; a refused one fails.
    """
    load(page, url + "/author")
    expect(page.get_by_role("heading", name="Author workspace")).to_be_visible()  # a bookmark, not "Page not found"
    box = page.get_by_label("Password", exact=True)
    box.fill(password)
    page.get_by_role("button", name="Sign in").click()
    tabs = page.get_by_role("tab", name="Verdicts")
    try:
        expect(tabs).to_be_visible(timeout=LOST_SUBMIT_MS)  # the rerun that signs in, as a rule within seconds
    except AssertionError:
        settle(page)
        if submit_not_taken(page, password):
            page.get_by_role("button", name="Sign in").click()
    expect(tabs).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    settle(page)  # the workspace's run finished: every tab drawn, not the first ones
    page.wait_for_function("() => document.cookie.includes('tracker_author=')")
