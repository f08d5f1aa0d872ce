"""docs/connectors.md stays true: HubSpot is the built-in, examples load, the walkthrough runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import interlink
from interlink import ASGITransport, ConfigError, FakeClock, State
from interlink.cli import app
from interlink.connectors import BUILTIN_DIR, ConnectorRegistry, load_spec_text
from interlink.simulators import create_simulator
from interlink.webhooks import scheme_named

DOC = (Path(__file__).parents[2] / "docs" / "connectors.md").read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
EXAMPLES = {m[1]: block for block in BLOCKS if (m := re.match(r"# example: (.+)\n", block))}
ACME: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "acme.yaml").read_text())


def walkthrough_spec() -> str:
    (block,) = [b for b in BLOCKS if b.startswith("# specs/pipedrive_v2.yaml")]
    return block


def test_the_hubspot_example_is_the_builtin_spec_verbatim() -> None:
    """The doc's complete example is builtin/hubspot/connector.yaml (after its title line)."""
    builtin = (BUILTIN_DIR / "hubspot" / "connector.yaml").read_text().split("\n", 1)[1]
    assert BLOCKS[0] == builtin


def test_the_doc_has_an_example_per_feature() -> None:
    """Every feature section carries a tested example."""
    assert set(EXAMPLES) >= {"variables", "api_version", "auth", "limits and errors",
                             "pagination", "resources", "webhooks", "hooks"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_feature_example_loads_into_a_spec(name: str) -> None:
    """Each example's top-level keys, put into tests/connectors/acme.yaml, give a valid spec."""
    spec = {**ACME, **yaml.safe_load(EXAMPLES[name])}
    loaded = load_spec_text(yaml.safe_dump(spec, sort_keys=False), file=f"example {name}")
    assert loaded.provider == "acme"


@pytest.mark.parametrize("name", sorted(n for n in EXAMPLES if "options:" in EXAMPLES[n]))
def test_each_webhook_options_example_builds_its_scheme(name: str) -> None:
    """The documented `options` are settings the scheme takes (the loader keeps them as data)."""
    hooks = yaml.safe_load(EXAMPLES[name])["webhooks"]
    scheme = scheme_named(hooks["scheme"], hooks["options"])
    assert scheme.name == hooks["scheme"]
    assert scheme.tolerance == hooks["options"].get("tolerance", 300)


@pytest.mark.parametrize(
    ("scheme", "options"),
    [
        ("shopify", {"algorithm": "sha1", "prefix": "x", "timestamp_header": "T",
                     "timestamp_position": "after", "timestamp_unit": "ms", "tolerance": 1}),
        ("github", {"algorithm": "sha1", "encoding": "base64", "timestamp_header": "T",
                    "timestamp_position": "after", "timestamp_unit": "ms", "tolerance": 1}),
        ("github_sha256", {"encoding": "base64"}),
        ("zendesk", {"algorithm": "sha1", "prefix": "x", "timestamp_position": "after",
                     "tolerance": 1}),
        ("bamboohr", {"algorithm": "sha1", "encoding": "base64", "prefix": "x",
                      "timestamp_unit": "ms", "tolerance": 1}),
        ("hubspot_v3", {"tolerance": 1}),
        ("slack_v0", {"tolerance": 1}),
        ("standard_webhooks", {"tolerance": 1}),
        ("svix", {"tolerance": 1}),
    ],
)  # fmt: skip
def test_each_scheme_takes_the_options_the_doc_lists(scheme: str, options: dict[str, Any]) -> None:
    """Every key the options table lists for a scheme is accepted by it."""
    assert scheme_named(scheme, options).tolerance == options.get("tolerance", 300)


@pytest.mark.parametrize(
    ("scheme", "key"),
    [("shopify", "encoding"), ("github", "prefix"), ("zendesk", "timestamp_unit"),
     ("stripe", "header")],
)  # fmt: skip
def test_an_option_a_scheme_does_not_take_is_a_config_error(scheme: str, key: str) -> None:
    """A key outside the scheme's row (a preset's fixed setting) is refused, naming the scheme."""
    with pytest.raises(ConfigError, match=f"webhooks.{scheme}: bad settings"):
        scheme_named(scheme, {key: "x"})


def test_the_walkthrough_spec_validates_on_the_command_line(tmp_path: Path) -> None:
    """Step 3: `interlink connectors validate specs/` says OK for the walkthrough's spec."""
    (tmp_path / "pipedrive_v2.yaml").write_text(walkthrough_spec())
    result = CliRunner().invoke(app, ["connectors", "validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 1 spec valid (pipedrive_v2)")


async def test_the_walkthrough_connector_reads_the_pipedrive_simulator(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Step 5: the walkthrough's spec lists, reads incrementally, gets and passes through."""
    (tmp_path / "pipedrive_v2.yaml").write_text(walkthrough_spec())
    registry = ConnectorRegistry.builtin()
    assert registry.load_dir(tmp_path) == []
    sim = create_simulator("pipedrive", records=230, clock=clock)
    token = sim.api_token.value  # type: ignore[attr-defined]
    async with (
        sim,
        interlink.connect(
            "pipedrive_v2",
            registry=registry,
            credentials={"api_token": token},
            state=State.in_process(clock=clock),
            transport=ASGITransport(sim.app),
            clock=clock,
        ) as pipedrive,
    ):
        people = [p async for p in pipedrive.list("persons")]
        assert len({p.remote_id for p in people}) == len(people) == 230
        assert all(p.email_addresses for p in people)
        assert people[0].custom_fields
        newest = sorted(people, key=lambda p: p.modified_at)[-5:]  # type: ignore[arg-type, return-value]
        since = newest[0].modified_at
        changed = [p.remote_id async for p in pipedrive.list("crm.contact", modified_after=since)]
        assert {p.remote_id for p in newest} <= set(changed)
        assert len(changed) < 230
        one = await pipedrive.get("persons", people[0].remote_id)
        assert one.first_name == people[0].first_name
        raw = await pipedrive.request("GET", "/api/v2/organizations", params={"limit": 5})
        assert len(raw.json()["data"]) == 5
