"""BreakerConfig: declared from code or a spec, bad values named at construction."""

from __future__ import annotations

from typing import Any

import pytest

from interlink.breaker import BreakerConfig
from interlink.errors import ConfigError


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"failure_rate": 0}, "failure_rate"),
        ({"failure_rate": 1.5}, "failure_rate"),
        ({"failure_rate": "50%"}, "failure_rate"),
        ({"min_calls": 0}, "min_calls"),
        ({"min_calls": 2.0}, "min_calls"),
        ({"half_open_probes": 0}, "half_open_probes"),
        ({"buckets": False}, "buckets"),
        ({"window": 0}, "window"),
        ({"window": float("inf")}, "window"),
        ({"cooldown": -1}, "cooldown"),
    ],
)
def test_bad_config_names_the_field(fields: dict[str, Any], where: str) -> None:
    """Each invalid value raises ConfigError naming its field, prefixed by the spec section."""
    with pytest.raises(ConfigError) as direct:
        BreakerConfig(**fields)
    assert direct.value.where == where
    with pytest.raises(ConfigError) as declared:
        BreakerConfig.from_dict(fields, where="providers.zendesk.breaker")
    assert declared.value.where == f"providers.zendesk.breaker.{where}"


def test_unknown_key_is_named() -> None:
    """A misspelt key is reported, not silently ignored."""
    with pytest.raises(ConfigError) as caught:
        BreakerConfig.from_dict({"threshold": 0.5})
    assert caught.value.where == "breaker.threshold"
    assert "failure_rate" in caught.value.problem


def test_non_mapping_is_rejected() -> None:
    """A list where a mapping belongs names the section."""
    with pytest.raises(ConfigError) as caught:
        BreakerConfig.from_dict([1, 2])  # type: ignore[arg-type]
    assert caught.value.where == "breaker"


def test_from_dict_matches_python() -> None:
    """The spec form builds the same frozen config as the Python form."""
    built = BreakerConfig.from_dict({"failure_rate": 0.25, "min_calls": 20, "cooldown": 60})
    assert built == BreakerConfig(failure_rate=0.25, min_calls=20, cooldown=60.0)
    assert built.bucket_width == 3.0
