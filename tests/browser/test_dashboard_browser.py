"""The dashboard in headless Chromium after a demo-sized sync: figures, replay, screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.server.dashboard._world import dashboard_world
from tests.server.dashboard.test_dashboard import expected
from tests.simulators.conftest import serving

from interlink._clock import FakeClock

RECORDS = 10_000  # the demo syncs 10,000 records


async def test_dashboard_figures_replay_and_screenshot(
    browser: Any, tmp_path: Path, clock: FakeClock
) -> None:
    """Sign in, read the connection's figures (equal to the store's), click Replay on the dead
    letter: the event is back in the inbox and processing applies it; a screenshot is saved."""
    async with dashboard_world(tmp_path, clock, records=RECORDS) as dash, serving(dash.app) as base:
        page = await browser.new_page()
        await page.goto(f"{base}/dashboard")
        assert page.url == f"{base}/dashboard/login"
        await page.fill("#api-key", dash.key)
        await page.click("#sign-in")
        await page.wait_for_selector("#connections")
        row = f'tr[data-connection="{dash.connection.id}"]'
        want = await expected(dash)
        shown = {
            name: (await page.inner_text(f'{row} [data-field="{name}"]')).strip() for name in want
        }
        assert shown == want
        assert want["records"] == f"{RECORDS:,}".replace(",", "")
        await page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        await page.click(f'tr[data-letter="{dash.letter.id}"] button')
        await page.wait_for_selector("#notice")
        assert await page.locator(f'tr[data-letter="{dash.letter.id}"]').count() == 0
        event = dash.inbox.get(dash.letter.inbox_id)
        assert event is not None
        assert event.status == "pending"
        assert (await dash.processor.drain()).applied == 1
        assert dash.hubspot.default_token.value not in await page.content()
        await page.screenshot(path=str(tmp_path / "dashboard-replayed.png"), full_page=True)
    print(f"screenshots: {tmp_path / 'dashboard.png'} {tmp_path / 'dashboard-replayed.png'}")
