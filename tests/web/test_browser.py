"""The explorer on the demo run in a real browser: headless Chromium from Debian's
``chromium`` package, driven by Playwright with the executable path set (no browser is ever
downloaded).

Skipped when Playwright or the browser is missing, unless ``SIFTKIT_REQUIRE_BROWSER=1``
(as in CI, whose ``.ci/run`` installs them), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pandas as pd
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("SIFTKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


@contextmanager
def _browse(server, *flags: str):
    """A headless Chromium page on the explorer ``server``, once the app is ready; ``flags``:
    more command-line switches of the browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    if CHROMIUM is None:
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--use-gl=swiftshader", *flags]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        yield page
        browser.close()


@pytest.fixture
def page(demo_served):
    server, run = demo_served
    with _browse(server) as page:
        yield page, run


def test_filter_inspect_accept_undo(page):
    page, run = page
    assert "2,000 of 2,000 rows" in page.inner_text("#rows-count")
    page.select_option("#issue-filter", "is_label_error")
    flagged = pd.read_parquet(run / "rows.parquet")["is_label_error"].sum()
    assert f"{flagged:,} of 2,000 rows" in page.inner_text("#rows-count")
    first = pd.read_parquet(run / "rows.parquet").query("is_label_error").iloc[0]
    page.wait_for_function("document.querySelector('#row-list li').textContent.includes(':')")
    listed = f"#{first.name} {first.row_id} · {first.label}: "  # position, id, label, text
    assert page.inner_text("#row-list li >> nth=0").startswith(listed)
    page.click("#row-list li >> nth=0")
    page.wait_for_selector("#inspector h3")
    inspected = page.inner_text("#inspector h3").removeprefix("Row ")
    assert "label error" in page.inner_text("#inspector")
    page.click("#accept")
    page.wait_for_selector("#edit-state")
    log = pd.read_parquet(run / "edits.parquet")
    assert list(log["row_id"]) == [inspected] and list(log["action"]) == ["accept_suggestion"]
    rows = pd.read_parquet(run / "rows.parquet").set_index("row_id")
    assert log["label"].iloc[0] == rows.at[inspected, "suggested_label"]
    page.click("#undo")
    page.wait_for_function("!document.querySelector('#edit-state')")
    assert "Undid this tab's latest edit (batch 0)" in page.inner_text("#status")
    assert list(pd.read_parquet(run / "edits.parquet")["action"]) == ["accept_suggestion", "undo"]


def test_score_range_and_text_search_filter_the_rows(page):
    page, run = page
    rows = pd.read_parquet(run / "rows.parquet")
    page.select_option("#score-name", "outlier_score")
    page.fill("#score-min", "0.2")
    page.fill("#score-max", "0.9")
    page.dispatch_event("#score-max", "change")
    inside = rows["outlier_score"].between(0.2, 0.9).sum()
    assert f"{inside:,} of 2,000 rows" in page.inner_text("#rows-count")
    page.fill("#score-min", "0")
    page.fill("#score-max", "1")
    page.dispatch_event("#score-max", "change")
    page.fill("#search", "city")
    hits = rows["text"].str.contains("city", case=False).sum()
    assert hits > 0
    page.wait_for_function(
        f"document.getElementById('rows-count').textContent.startsWith('{hits} of')"
    )


def test_the_map_is_drawn_with_webgl(page):
    page, _ = page
    canvas = page.locator("#map")
    box = canvas.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    pixels = page.evaluate(
        """() => { const c = document.getElementById('map');
                   const g = c.getContext('webgl', {preserveDrawingBuffer: true})
                          || c.getContext('webgl');
                   return g ? g.drawingBufferWidth : 0; }"""
    )
    assert pixels > 0


def test_after_sift_label_the_map_filters_by_predicted_label(label_served):
    server, run = label_served
    rows = pd.read_parquet(run / "rows.parquet")
    with _browse(server) as page:
        assert page.inner_text("#label-name") == "Predicted label"
        options = page.locator("#label-filter option").all_inner_texts()
        assert sorted(options[1:]) == sorted(rows["predicted_label"].unique())
        page.select_option("#label-filter", label="sport")
        sport = (rows["predicted_label"] == "sport").sum()
        assert f"{sport:,} of {len(rows):,} rows" in page.inner_text("#rows-count")
        assert "label_confidence" in page.locator("#score-name option").all_inner_texts()
        assert page.is_hidden("#accept")  # keywords give no suggestions to accept


def test_a_run_without_labels_offers_no_label_filter(unlabeled_served):
    server, _ = unlabeled_served
    with _browse(server) as page:
        assert page.is_hidden("#label-filter") and page.is_hidden("#accept")
        colours = page.locator("#colour-by option:not([hidden])").all_inner_texts()
        assert "label" not in colours and "category" in colours


def test_a_run_with_splits_filters_and_colours_the_map_by_split(split_served):
    server, _ = split_served
    with _browse(server) as page:
        assert page.locator("#split-filter option").all_inner_texts() == [
            "all",
            "train",
            "test",
            "none",
        ]
        page.select_option("#split-filter", label="test")
        assert "20 of 61 rows" in page.inner_text("#rows-count")
        page.select_option("#colour-by", "split")
        assert page.is_visible("#split-filter")


def test_a_run_without_splits_offers_no_split_filter(unlabeled_served):
    server, _ = unlabeled_served
    with _browse(server) as page:
        assert page.is_hidden("#split-filter")
        colours = page.locator("#colour-by option:not([hidden])").all_inner_texts()
        assert "split" not in colours


def test_the_row_acted_on_is_the_row_shown_when_answers_arrive_out_of_order(page):
    page, run = page
    page.wait_for_selector("#row-list li >> nth=1")
    first, second = (int(page.get_attribute(f"#row-list li >> nth={k}", "data-index"))
                     for k in (0, 1))  # fmt: skip
    # the server answers for the first row late, after the second was clicked
    page.evaluate(
        """(slow) => { const fetchNow = window.fetch;
        window.fetch = (url, options) => String(url).endsWith(`/api/row/${slow}`)
          ? new Promise((done) => setTimeout(done, 800)).then(() => fetchNow(url, options))
          : fetchNow(url, options); }""",
        first,
    )
    page.click("#row-list li >> nth=0")
    page.click("#row-list li >> nth=1")
    page.wait_for_timeout(1500)
    rows = pd.read_parquet(run / "rows.parquet")
    assert page.inner_text("#inspector h3") == f"Row {rows['row_id'].iloc[second]}"
    page.click("#drop")
    page.wait_for_selector("#edit-state")
    last = pd.read_parquet(run / "edits.parquet").iloc[-1]  # the run is the module's
    assert (last["row_id"], last["action"]) == (rows["row_id"].iloc[second], "drop")


def test_without_webgl_everything_but_the_map_works(demo_served):
    server, run = demo_served
    with _browse(server, "--disable-webgl") as page:
        assert "needs WebGL" in page.inner_text("#map-box")
        assert "2,000 of 2,000 rows" in page.inner_text("#rows-count")
        page.click("#row-list li >> nth=0")
        page.wait_for_selector("#inspector h3")
        assert page.inner_text("#inspector h3").startswith("Row ")


def test_a_tab_shows_the_edits_another_tab_makes(page):
    page, run = page
    other = page.context.browser.new_page()
    other.goto(page.url)
    other.wait_for_selector("body[data-ready=true]", timeout=20_000)
    first = page.get_attribute("#row-list li >> nth=0", "data-index")
    page.click("#row-list li >> nth=0")
    page.wait_for_selector("#inspector h3")
    page.click("#mark-fine")
    page.wait_for_selector("#edit-state")
    # within a few seconds the other tab lists the row as reviewed
    other.wait_for_function(
        f"document.querySelector('#row-list li[data-index=\"{first}\"]')"
        ".textContent.includes('[mark_fine]')",
        timeout=10_000,
    )
    other.close()
