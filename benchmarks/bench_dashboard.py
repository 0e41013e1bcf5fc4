"""The dashboard over 10,000 calls: server time per page and API route, first paint in Chromium.

Targets (issue 15): p95 server time under 100 ms for every page and API route the
dashboard uses, and first paint under 1 s in headless Chromium.

    .venv/bin/python benchmarks/bench_dashboard.py \
        --database-url postgresql://postgres@127.0.0.1:5432/test --calls 10000 --rounds 100

What runs: ``seed_calls`` writes the calls (into a schema of its own on PostgreSQL,
dropped at the end; a SQLite file without ``--database-url``), each with the analysis
that serve's post-call job would store (``analyze`` with the cues head, run in bulk as
the calls are written), so that ``/api/analytics`` sums all of them.
Then the contact center's serve app (``ContactCenterServer`` under ``serve``, a bot
without models: no call is placed) listens on the benchmark's event loop, with one
middleware added that times each request from its arrival to its response (the
"server time"). The client, on the same loop, signs in through the form like a
browser, then asks each route ``--rounds`` times one after the other (p50, p95, max
per label); the server is idle between two requests, so the client's own work is not
in the times. Chromium (Debian's, headless) then loads each page ``--loads`` times in a
fresh context (no cache) and reads ``performance.getEntriesByType('paint')``, and the
moment the page shows its data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import aiohttp
import psycopg
from aiohttp import web
from framekit_contact_center.seed_calls import seed_calls
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.serving import serve
from framekit_contact_center.settings import Settings
from playwright.async_api import async_playwright
from sqlalchemy.engine import make_url
from yarl import URL

from framekit.analytics import analyze
from framekit.analytics.turn_model import head_scorer
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameProcessor

TOKEN = "bench-dashboard-token-0123456789"
CHROMIUM = "/usr/bin/chromium"
LABEL = "X-Bench-Label"


def _no_bot(
    head: FrameProcessor, tail: FrameProcessor, call_id: str, observers: Sequence[Observer]
) -> PipelineTask:
    """The serve app wants a bot; no call is placed here, so it never runs."""
    return PipelineTask(Pipeline([head, tail]), observers=observers, call_id=call_id)


class Timings:
    """Server time per label (the ``X-Bench-Label`` header), from a middleware."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            label = request.headers.get(LABEL)
            if label:
                self.seconds[label].append(time.perf_counter() - started)


@asynccontextmanager
async def serving(server: ContactCenterServer) -> AsyncIterator[str]:
    """``serve(server)`` on a free loopback port of this event loop; its base URL."""
    stop = asyncio.Event()
    bound: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(
        serve(
            server,
            "127.0.0.1",
            0,
            stop=stop,
            on_listening=lambda host, port: bound.set_result((host, port)),
        )
    )
    host, port = await asyncio.wait_for(bound, 60)
    try:
        yield f"http://{host}:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)


async def sign_in(session: aiohttp.ClientSession, base: str) -> None:
    async with session.get(f"{base}/dashboard/login") as response:
        page = await response.text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "no CSRF token in the sign-in form"
    form = {"token": TOKEN, "csrf": match.group(1), "next": "/dashboard/calls"}
    async with session.post(
        f"{base}/dashboard/login", data=form, headers={"Origin": base}, allow_redirects=False
    ) as response:
        assert response.status == 303, await response.text()


def routes(call_id: str, now: datetime) -> list[tuple[str, str]]:
    """``(label, path)`` for every page and API route the dashboard reads."""
    month = (now - timedelta(days=30)).isoformat()
    day = (now - timedelta(days=1)).isoformat()
    until = now.isoformat()
    week_ago = (now - timedelta(days=7)).date().isoformat()
    return [
        ("page /dashboard/calls", "/dashboard/calls"),
        ("page /dashboard/calls/{id}", f"/dashboard/calls/{call_id}"),
        ("page /dashboard/live", "/dashboard/live"),
        ("page /dashboard/analytics", "/dashboard/analytics"),
        ("static calls.js", "/dashboard/static/calls.js"),
        ("GET /api/calls (first page)", "/api/calls?limit=50"),
        ("GET /api/calls (page 100)", "/api/calls?limit=50&offset=4950"),
        (
            "GET /api/calls?outcome&from&to",
            f"/api/calls?limit=50&outcome=transferred&from={week_ago}",
        ),
        ("GET /api/calls?q=words", "/api/calls?limit=50&q=refund"),
        ("GET /api/calls?q=number", "/api/calls?limit=50&q=%2B1555123"),
        ("GET /api/calls?q=(no match)", "/api/calls?limit=50&q=zebra"),
        ("GET /api/calls/{id}", f"/api/calls/{call_id}"),
        ("GET /api/live-calls", "/api/live-calls"),
        (
            "GET /api/analytics (30 days by day)",
            f"/api/analytics?since={month}&until={until}&bucket=day",
        ),
        (
            "GET /api/analytics (24 h by hour)",
            f"/api/analytics?since={day}&until={until}&bucket=hour",
        ),
    ]


async def measure_routes(base: str, call_id: str, rounds: int) -> tuple[dict[str, int], str]:
    """Each route ``rounds`` times (the middleware times them); the statuses and the cookie."""
    statuses: dict[str, int] = {}
    now = datetime.now(UTC)
    # unsafe: the cookie jar keeps cookies of an IP address (127.0.0.1) only when told to
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await sign_in(session, base)
        for label, path in routes(call_id, now):
            for attempt in range(rounds + 5):
                headers = {LABEL: label} if attempt >= 5 else {}  # 5 warm-up requests
                async with session.get(
                    base + path.replace("+", "%2B"), headers=headers
                ) as response:
                    await response.read()
                    statuses[label] = response.status
        cookie = session.cookie_jar.filter_cookies(URL(base)).get("framekit_session")
        assert cookie is not None
    return statuses, cookie.value


PAGES = [
    ("/dashboard/calls", "#calls-rows tr"),
    ("/dashboard/calls/{id}", "#transcript li"),
    ("/dashboard/live", "#live-status:not(:empty)"),
    ("/dashboard/analytics", "#kpis .kpi, #charts .empty"),
    ("/dashboard/login", "#token"),
]


async def measure_paint(
    base: str, call_id: str, cookie: str, loads: int
) -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for path, ready in PAGES:
            url = base + path.replace("{id}", call_id)
            times: dict[str, list[float]] = defaultdict(list)
            for _ in range(loads):
                context = await browser.new_context(viewport={"width": 1280, "height": 860})
                if not path.endswith("/login"):
                    await context.add_cookies(
                        [{"name": "framekit_session", "value": cookie, "url": base}]
                    )
                page = await context.new_page()
                await page.goto(url)
                await page.wait_for_selector(ready)
                shown = await page.evaluate("performance.now()")
                paints = await page.evaluate(
                    "performance.getEntriesByType('paint').map(p => [p.name, p.startTime])"
                )
                for name, at in paints:
                    times[name].append(at)
                times["data shown"].append(shown)
                await context.close()
            found[path] = times
        await browser.close()
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    server: ContactCenterServer, call_id: str, rounds: int, loads: int
) -> tuple[dict[str, int], dict[str, dict[str, list[float]]]]:
    """Serve (the post-call job finds every call analysed), then time the routes and pages."""
    async with serving(server) as base:
        assert await asyncio.to_thread(server.analytics.worker.wait_idle, 60)
        statuses, cookie = await measure_routes(base, call_id, rounds)
        paints = await measure_paint(base, call_id, cookie, loads)
    return statuses, paints


def database(url: str | None, directory: Path) -> tuple[str, Callable[[], None]]:
    """A database to seed: a fresh schema on ``url``'s PostgreSQL, else a SQLite file."""
    if not url:
        return f"sqlite:///{directory / 'calls.db'}", lambda: None
    schema = f"bench_dashboard_{uuid.uuid4().hex[:10]}"
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), drop


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("FRAMEKIT_TEST_DATABASE_URL"))
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        directory = Path(tmp)
        url, drop = database(args.database_url, directory)
        try:
            started = time.perf_counter()
            seeded = seed_calls(
                url,
                calls=args.calls,
                recordings_dir=directory / "rec",
                recorded=2,
                analyze=partial(analyze, scorer=head_scorer()),
            )
            print(
                f"seeded {seeded.calls} calls ({seeded.segments} lines, {seeded.tools} tools, "
                f"{seeded.turns} turns, {seeded.analysed} analyses) in "
                f"{time.perf_counter() - started:.1f} s on "
                f"{make_url(url).get_backend_name()}"
            )
            settings = Settings(
                twilio_account_sid="AC" + "0" * 32,
                twilio_auth_token="bench-twilio-auth-token-0123456789",
                webhook_base_url="https://bot.example.test",
                api_token=TOKEN,
                database_url=url,
                business_db_path=directory / "shop.db",
                recordings_dir=directory / "rec",
                spool_dir=directory / "spool",
            )
            server = ContactCenterServer(settings, bot=_no_bot)
            timings = Timings()
            server.app.middlewares.append(timings.middleware)
            call_id = seeded.recorded[-1]
            statuses, paints = asyncio.run(measure(server, call_id, args.rounds, args.loads))
        finally:
            drop()

    print(f"\nserver time, {args.rounds} requests each after 5 warm-up (ms)\n")
    print("| route | status | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for label, values in timings.seconds.items():
        ms = [v * 1000 for v in values]
        print(
            f"| {label} | {statuses.get(label)} | {statistics.median(ms):.2f} | "
            f"{percentile(ms, 0.95):.2f} | {max(ms):.2f} |"
        )
    print(f"\nheadless Chromium, {args.loads} cold loads each (ms from navigation start)\n")
    print("| page | first paint | first contentful paint | data shown |  (median / max)")
    print("|---|---|---|---|")
    for path, times in paints.items():
        cells = []
        for name in ("first-paint", "first-contentful-paint", "data shown"):
            values = times.get(name, [])
            cells.append(f"{statistics.median(values):.0f} / {max(values):.0f}" if values else "-")
        print(f"| {path} | {' | '.join(cells)} |")


if __name__ == "__main__":
    sys.exit(main())
