"""Scanner benchmark: from the click on "Start camera" to the verdict on screen, in headless
Chromium whose fake camera shows a badge's QR code, against gunicorn on loopback.

Every launch is a fresh Chromium (empty cache) with its own badge in front of the camera:

- cold: the scanner page has just opened (body[data-door-ready]) and the camera is started at
  once; the first reading checks the guest in (verdict "ok", the guest's name shown);
- warm: the same page reloaded, left until its decoder is ready (body[data-decoder]), then the
  camera started again; the badge is read again ("already_checked_in").

The timer runs in the page: performance.now() at the click (a capturing listener) and when the
verdict overlay shows a verdict (a MutationObserver), so the figures hold no Playwright round
trips. Prints the median, min and max of each, which decoder the page used, the machine's load
average, and checks every verdict and the scans recorded (each badge: one "ok", then one
"already_checked_in"); exits non-zero when a check fails.

    .venv/bin/python scripts/bench/scanner.py                 # 10 launches
    .venv/bin/python scripts/bench/scanner.py --launches 20
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

import common
import sqlalchemy as sa

from tests.support.browser import CHROMIUM, PHONE, camera_file, launch_chromium
from tests.support.live_server import free_port

# Installed before the click: the click's time, then the first verdict shown after it.
TIMER = """() => {
  const bench = window.__scannerBench = {
    clicked: null, shown: null, kind: "", name: "", decoderReady: false
  };
  document.addEventListener("click", (event) => {
    if (bench.clicked === null && event.target.closest("#camera-toggle")) {
      bench.clicked = performance.now();
      bench.decoderReady = document.body.hasAttribute("data-decoder");
    }
  }, true);
  const verdict = document.getElementById("verdict");
  new MutationObserver(() => {
    const kind = /verdict-(good|warn|bad|ask|wait)\\b/.exec(verdict.className);
    if (bench.clicked !== null && bench.shown === null && !verdict.hidden && kind) {
      bench.shown = performance.now();
      bench.kind = kind[1];
      bench.name = document.getElementById("verdict-name").textContent;
    }
  }).observe(verdict, { attributes: true, attributeFilter: ["class", "hidden"] });
}"""


def timed_click(page) -> dict:
    page.evaluate(TIMER)
    page.click("#camera-toggle")
    page.wait_for_function("() => window.__scannerBench.shown !== null", timeout=15_000)
    bench = page.evaluate("window.__scannerBench")
    return {
        "ms": bench["shown"] - bench["clicked"],
        "kind": bench["kind"],
        "name": bench["name"],
        "decoder": page.get_attribute("body", "data-decoder") or "",
        "ready": bench["decoderReady"],
    }


def one_launch(runner, base_url: str, event_id: int, camera: Path) -> tuple[dict, dict]:
    chromium = launch_chromium(runner, camera)
    try:
        page = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
        page.set_default_timeout(15_000)
        page.goto(base_url + "/login")
        page.fill("#email", common.DOOR_EMAIL)
        page.fill("#password", common.DOOR_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        scanner = f"{base_url}/door/events/{event_id}?gate=Bench"
        page.goto(scanner)
        page.wait_for_selector("body[data-door-ready]", state="attached")
        cold = timed_click(page)
        page.reload()
        page.wait_for_selector("body[data-door-ready]", state="attached")
        page.wait_for_selector("body[data-decoder]", state="attached")
        warm = timed_click(page)
        return cold, warm
    finally:
        chromium.close()


def recorded(database_url: str) -> dict[int, list[str]]:
    """Each guest's scan verdicts, in order."""
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT guest_id, verdict FROM scans ORDER BY id")).all()
    engine.dispose()
    out: dict[int, list[str]] = {}
    for guest_id, verdict in rows:
        out.setdefault(guest_id, []).append(verdict)
    return out


def figures(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.0f} ms "
        f"(min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"
    )


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--launches", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="registrar-bench-") as tmp:
        tmp = Path(tmp)
        database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
        event_id, codes = common.seed_confirmed(
            database_url, tmp / "instance", secrets.token_hex(32), args.launches
        )
        names = [f"Bench Guest {n}" for n in range(args.launches)]
        port = free_port()
        server = common.start_server(port, args.workers, tmp / "gunicorn.log")
        colds, warms, wrong, decoders = [], [], 0, set()
        try:
            with sync_playwright() as runner:
                for n, code in enumerate(codes):
                    camera = camera_file(code, tmp / f"badge{n}.y4m")
                    cold, warm = one_launch(runner, f"http://127.0.0.1:{port}", event_id, camera)
                    for phase, result, kind in (("cold", cold, "good"), ("warm", warm, "warn")):
                        right = result["kind"] == kind and result["name"] == names[n]
                        wrong += not right
                        decoders.add(result["decoder"])
                        print(
                            f"  launch {n + 1:>2} {phase}: {result['ms']:6.0f} ms  "
                            f"{result['kind']:<5} {result['name']}{'' if right else '  WRONG'}"
                            f"{'' if result['ready'] else '  (decoder loaded after the click)'}",
                            flush=True,
                        )
                    colds.append(cold["ms"])
                    warms.append(warm["ms"])
            scans = recorded(database_url)
        finally:
            common.stop_server(server)

    expected = ["ok", "already_checked_in"]
    bad_scans = sum(verdicts != expected for verdicts in scans.values())
    bad_scans += args.launches - len(scans)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{args.launches} launches, decoder {', '.join(sorted(decoders))}, "
          f"gunicorn {args.workers} workers, load average {load}")  # fmt: skip
    print(f"cold (click at once):          {figures(colds)}")
    print(f"warm (reloaded, decoder ready): {figures(warms)}")
    print(f"verdicts wrong on screen: {wrong}; badges whose scans are not ok then "
          f"already_checked_in: {bad_scans}")  # fmt: skip
    if wrong or bad_scans:
        sys.exit(1)


if __name__ == "__main__":
    main()
