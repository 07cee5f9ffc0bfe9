"""How fast the explorer opens a 100,000-row run in headless Chromium.

A labeled 100,000 x 384 run (the synthetic vectors of ``audit_scale``, every analysis) is
served by ``sift serve``'s server; Playwright drives Debian's ``chromium`` (never a downloaded
browser). Measured from navigation until the app says it is ready (map data fetched and
parsed, filters built, the first WebGL frame drawn), the first load cold (the server prepares
the map payload) and then warm. Reference in the same run: fetching the same payload with
Python's ``http.client`` (the transfer alone).

    python -m benchmarks.explorer_load [--quick]
"""

from __future__ import annotations

import http.client
import shutil
import statistics
import threading
import time
from collections.abc import Sequence

import pandas as pd

from benchmarks._common import Report, argument_parser, scratch_dir, seconds, verdict

NAME = "explorer_load"
ROWS, QUICK_ROWS = 100_000, 10_000
LOADS = 3
TARGET_SECONDS = 3.0


def build_run(n_rows: int, folder) -> None:
    import siftkit
    from benchmarks.audit_scale import synthetic_vectors

    vectors, _, labels = synthetic_vectors(n_rows)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n_rows)], "label": labels})
    siftkit.audit(frame, embeddings=vectors, id="id", label="label", output=folder,
                  progress=False)  # fmt: skip


def fetch_seconds(port: int) -> float:
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/api/points", headers={"Host": f"127.0.0.1:{port}"})
    connection.getresponse().read()
    connection.close()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from siftkit.web import make_server

    args = argument_parser(__doc__.splitlines()[0]).parse_args(argv)
    n_rows = QUICK_ROWS if args.quick else ROWS
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    report = Report(NAME, "Explorer load time in headless Chromium", quick=args.quick,
                    details={"run": f"{n_rows:,} rows x 384, labeled, every analysis",
                             "browser": "chromium from Debian, via Playwright"})  # fmt: skip
    with scratch_dir(NAME, keep=args.keep) as scratch:
        started = time.perf_counter()
        build_run(n_rows, scratch / "run")
        built = time.perf_counter() - started
        server = make_server(scratch / "run", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        loads = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--use-gl=swiftshader"]
            )
            for _ in range(LOADS):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("body[data-ready=true]", timeout=120_000)
                loads.append(time.perf_counter() - start)
                page.close()
            browser.close()
        transfer = statistics.median(fetch_seconds(port) for _ in range(LOADS))
        server.shutdown()
        size = (scratch / "run" / "rows.parquet").stat().st_size
    warm = statistics.median(loads[1:]) if len(loads) > 1 else loads[0]
    report.table(
        ["measure", "seconds", "target", "result"],
        [
            ["first load (server prepares the map payload)", seconds(loads[0]), "", ""],
            [f"load, median of the next {len(loads) - 1}", seconds(warm),
             f"< {TARGET_SECONDS:.0f}", verdict(warm < TARGET_SECONDS)],
            ["reference: the payload fetched by http.client", seconds(transfer), "", ""],
            [f"(building the run: audit of {n_rows:,} rows)", seconds(built), "", ""],
        ],
    )  # fmt: skip
    report.add(f"rows.parquet: {size / 2**20:.1f} MiB.")
    report.save()


if __name__ == "__main__":
    main()
