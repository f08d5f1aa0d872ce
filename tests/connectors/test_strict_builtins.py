"""Every built-in connector declares all its simulator sends: strict mode lists without refusal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.connectors._simkit import open_builtin, running

from interlink import FakeClock

Access = Callable[[Any], tuple[Mapping[str, str], Mapping[str, str] | None]]

ACCESS: dict[str, Access] = {
    "bamboohr": lambda s: ({"api_key": s.api_key.value}, {"company": s.company}),
    "github": lambda s: (
        {"token": s.default_token.value},
        {"owner": "acme-corp", "repo": "platform"},
    ),
    "hubspot": lambda s: ({"access_token": s.default_token.value}, None),
    "pipedrive": lambda s: ({"api_token": s.api_token.value}, None),
    "salesforce": lambda s: (
        {"access_token": s.default_token.value},
        {"instance": "acme.my.salesforce.com"},
    ),
    "shopify": lambda s: ({"access_token": s.default_token.value}, {"shop": "acme"}),
    "slack": lambda s: ({"token": s.default_token.value}, None),
    "stripe": lambda s: ({"api_key": s.default_key.value}, None),
    "zendesk": lambda s: (
        {"email": "user@example.com", "api_token": s.default_token.value},
        {"subdomain": "acme"},
    ),
    "zoho": lambda s: ({"access_token": s.default_token.value}, None),
}
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("provider", sorted(ACCESS))
async def test_strict_mode_lists_every_resource_of_the_builtin(
    provider: str, clock: FakeClock
) -> None:
    """Each resource's list, incremental and deleted listings map every simulated record in
    strict mode: the spec reads, declares as custom or ignores every field, with its type."""
    async with running(provider, clock, records=40) as sim:
        credentials, variables = ACCESS[provider](sim)
        async with open_builtin(
            sim, clock, credentials=credentials, variables=variables, strict=True
        ) as conn:
            counted = 0
            for name, resource in conn.spec.resources.items():
                counted += len([r async for r in conn.list(name)])
                if "incremental" in resource.operations:
                    counted += len([r async for r in conn.list(name, modified_after=SINCE)])
                if "deleted" in resource.operations:
                    counted += len([r async for r in conn.list(name, deleted=True)])
    assert counted >= 40
