"""Fault configuration: what can go wrong, how often, and the named profiles.

A `FaultConfig` is plain frozen data (JSON in, JSON out: the admin API and the
CLI use the same form). `FaultInjector` holds the current config and a seeded
random stream, so a given seed replays the same sequence of faults. The ASGI
side that acts on these decisions is `_middleware.py`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

__all__ = ["PROFILES", "FaultConfig", "FaultConfigError", "FaultInjector", "SchemaDrift"]


class FaultConfigError(ValueError):
    """A fault config or profile name that makes no sense; the message names the culprit."""


@dataclass(frozen=True, slots=True)
class SchemaDrift:
    """The vendor changed its schema under us: fields renamed, retyped, or added."""

    rename: Mapping[str, str] = field(default_factory=dict)
    retype: tuple[str, ...] = ()
    add: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, record: dict[str, Any]) -> None:
        """Drift one record in place."""
        for old, new in self.rename.items():
            if old in record:
                record[new] = record.pop(old)
        for name in self.retype:
            if name in record:
                record[name] = _retyped(record[name])
        for name, value in self.add.items():
            record.setdefault(name, value)


def _retyped(value: Any) -> Any:
    # A number-like string becomes a number, a number becomes a string, anything else a list.
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return [value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return [value]


_RATES = (
    "timeout_rate",
    "reset_rate",
    "error_body_rate",
    "truncate_rate",
    "revoke_rate",
    "webhook_duplicate_rate",
    "webhook_drop_rate",
)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Every fault a simulator can inject; the default injects nothing.

    Rates are probabilities per request (0..1). `limit_scale` multiplies the
    vendor's documented limits (0.5 = half as many requests allowed).
    """

    error_rates: Mapping[int, float] = field(default_factory=dict)  # status -> probability
    latency: float = 0.0  # seconds added before every response
    latency_jitter: float = 0.0  # plus up to this many seconds, uniformly
    timeout_rate: float = 0.0  # never answer; hang until the client gives up
    reset_rate: float = 0.0  # drop the connection without a response
    error_body_rate: float = 0.0  # HTTP 200 whose body is the vendor's error shape
    truncate_rate: float = 0.0  # a successful JSON body cut in half
    drift: SchemaDrift | None = None  # applied to every record in every response
    revoke_rate: float = 0.0  # the request's credential is revoked just before it is checked
    limit_scale: float = 1.0
    webhook_duplicate_rate: float = 0.0  # a delivery is sent twice
    webhook_drop_rate: float = 0.0  # a delivery is never sent: the vendor lost it
    webhook_reorder: bool = False  # deliveries of one flush go out in reverse order
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _RATES:
            _check_rate(name, getattr(self, name))
        for status, rate in self.error_rates.items():
            if not isinstance(status, int) or not 400 <= status <= 599:
                raise FaultConfigError(f"error_rates: status must be 400..599, got {status!r}")
            _check_rate(f"error_rates[{status}]", rate)
        if sum(self.error_rates.values()) > 1.0:
            raise FaultConfigError("error_rates: the rates add up to more than 1")
        for name in ("latency", "latency_jitter"):
            if getattr(self, name) < 0:
                raise FaultConfigError(f"{name}: must be >= 0 seconds, got {getattr(self, name)}")
        if not 0.0 < self.limit_scale <= 1000.0:
            raise FaultConfigError(f"limit_scale: must be in (0, 1000], got {self.limit_scale}")

    @property
    def active(self) -> bool:
        return self != FaultConfig(seed=self.seed)

    @classmethod
    def from_json(cls, data: Any, base: FaultConfig | None = None) -> FaultConfig:
        """Build from JSON over `base` (default: no faults).

        `{"profile": "chaos", ...}` starts from a named profile instead and overrides it.
        """
        if not isinstance(data, Mapping):
            raise FaultConfigError("fault config must be a JSON object")
        data = dict(data)
        if "profile" in data:
            base = profile(str(data.pop("profile")))
        base = base or FaultConfig()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultConfigError(f"unknown fault setting(s): {', '.join(unknown)}")
        changes: dict[str, Any] = {}
        for name, value in data.items():
            if name == "error_rates":
                changes[name] = _error_rates(value)
            elif name == "drift":
                changes[name] = None if value is None else _drift(value)
            elif name == "webhook_reorder":
                if not isinstance(value, bool):
                    raise FaultConfigError(f"webhook_reorder: expected true/false, got {value!r}")
                changes[name] = value
            elif name == "seed":
                changes[name] = _number(name, value, int)
            else:
                changes[name] = _number(name, value, float)
        return replace(base, **changes)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["error_rates"] = {str(k): v for k, v in self.error_rates.items()}
        if self.drift is not None:
            out["drift"] = {
                "rename": dict(self.drift.rename),
                "retype": list(self.drift.retype),
                "add": dict(self.drift.add),
            }
        return out


def _check_rate(name: str, rate: Any) -> None:
    if not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
        raise FaultConfigError(f"{name}: must be a probability between 0 and 1, got {rate!r}")


def _number(name: str, value: Any, kind: type[int] | type[float]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultConfigError(f"{name}: expected a number, got {value!r}")
    return kind(value)


def _error_rates(value: Any) -> dict[int, float]:
    if not isinstance(value, Mapping):
        raise FaultConfigError('error_rates: expected an object like {"503": 0.1}')
    out: dict[int, float] = {}
    for status, rate in value.items():
        try:
            out[int(status)] = rate
        except (TypeError, ValueError):
            raise FaultConfigError(f"error_rates: {status!r} is not a status code") from None
    return out


def _drift(value: Any) -> SchemaDrift:
    if not isinstance(value, Mapping) or set(value) - {"rename", "retype", "add"}:
        raise FaultConfigError('drift: expected {"rename": {...}, "retype": [...], "add": {...}}')
    rename, retype, add = value.get("rename", {}), value.get("retype", []), value.get("add", {})
    if not isinstance(rename, Mapping) or not all(isinstance(v, str) for v in rename.values()):
        raise FaultConfigError("drift.rename: expected an object of old name -> new name")
    if not isinstance(retype, list) or not all(isinstance(v, str) for v in retype):
        raise FaultConfigError("drift.retype: expected a list of field names")
    if not isinstance(add, Mapping):
        raise FaultConfigError("drift.add: expected an object of new field -> value")
    return SchemaDrift(dict(rename), tuple(retype), dict(add))


PROFILES: Mapping[str, FaultConfig] = MappingProxyType(
    {
        "none": FaultConfig(),
        # What a busy day at a real vendor looks like: a sprinkling of everything.
        "chaos": FaultConfig(
            error_rates={500: 0.02, 502: 0.02, 503: 0.03, 429: 0.03},
            latency=0.02,
            latency_jitter=0.08,
            timeout_rate=0.005,
            reset_rate=0.01,
            error_body_rate=0.01,
            truncate_rate=0.01,
            revoke_rate=0.001,
            limit_scale=0.5,
            webhook_duplicate_rate=0.1,
            webhook_drop_rate=0.02,
            webhook_reorder=True,
        ),
        "flaky": FaultConfig(error_rates={500: 0.05, 502: 0.05, 503: 0.1}, reset_rate=0.02),
        "slow": FaultConfig(latency=0.2, latency_jitter=0.3, timeout_rate=0.01),
        "strict-limits": FaultConfig(limit_scale=0.2),
        "drift": FaultConfig(
            drift=SchemaDrift(rename={"email": "email_address"}, add={"x_new_field": "surprise"})
        ),
    }
)


def profile(name: str) -> FaultConfig:
    """The named profile, or a `FaultConfigError` listing the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise FaultConfigError(f"unknown fault profile {name!r} (known: {known})") from None


class FaultInjector:
    """The live fault settings of one simulator, changeable at run time."""

    __slots__ = ("_config", "_random", "_webhook_random")

    def __init__(self, config: FaultConfig | str = "none") -> None:
        self._config = FaultConfig()
        self._random = random.Random(0)
        self._webhook_random = random.Random(0)
        self.configure(config)

    @property
    def config(self) -> FaultConfig:
        return self._config

    @property
    def active(self) -> bool:
        return self._config.active

    def configure(self, config: FaultConfig | str) -> None:
        """Replace the settings (a config or a profile name) and restart the random stream."""
        self._config = profile(config) if isinstance(config, str) else config
        self._random = random.Random(self._config.seed)
        # Webhook faults draw from their own stream: which deliveries are dropped or doubled
        # depends on the seed and the deliveries alone, not on how many API calls came between.
        self._webhook_random = random.Random(f"webhooks:{self._config.seed}")

    def roll(self, rate: float) -> bool:
        return rate > 0.0 and (rate >= 1.0 or self._random.random() < rate)

    def webhook_roll(self, rate: float) -> bool:
        """A webhook fault for one delivery, from the webhooks' own seeded stream."""
        return rate > 0.0 and (rate >= 1.0 or self._webhook_random.random() < rate)

    def error_status(self) -> int | None:
        """An injected error status for this request, or None."""
        if not self._config.error_rates:
            return None
        x, acc = self._random.random(), 0.0
        for status, rate in self._config.error_rates.items():
            acc += rate
            if x < acc:
                return status
        return None

    def latency(self) -> float:
        c = self._config
        return c.latency + (self._random.random() * c.latency_jitter if c.latency_jitter else 0.0)
