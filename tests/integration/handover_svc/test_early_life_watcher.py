"""The periodic check ends early life support by itself once the period is over and the criteria hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from continuum.bus import MessageBus

from handover_svc.handlers import HANDLERS
from handover_svc.watcher import complete_due_early_life_support
from tests.integration.handover_svc.test_handover_api import meet_all, open_by_hand


async def test_the_watcher_completes_only_handovers_whose_period_is_over(client, role, known):
    importer = role("service_owner", "integration")
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    due = await open_by_hand(client, role, known, at=ten_days_ago)
    running = await open_by_hand(client, role, known)
    for handover, started in ((due, ten_days_ago), (running, datetime.now(UTC))):
        await meet_all(client, role, handover["id"], days=7, at=started)
        accepted = await client.post(f"/handovers/{handover['id']}/accept",
                                     json={"occurred_at": started.isoformat()}, headers=importer)
        assert accepted.status_code == 200, accepted.text
    platform = client._transport.app.state.platform
    completed = await complete_due_early_life_support(platform, MessageBus(handlers=HANDLERS,
                                                                             unit_of_work=platform.unit_of_work))
    states = {h["id"]: (await client.get(f"/handovers/{h['id']}", headers=role("viewer"))).json()["state"]
              for h in (due, running)}
    assert completed == 1
    assert states == {due["id"]: "completed", running["id"]: "accepted"}
