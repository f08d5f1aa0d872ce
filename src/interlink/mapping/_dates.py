"""Dates and times: every vendor's spelling in, aware UTC datetimes (or dates) out, and back.

Read (`datetime`, `date`) accepts, without being told which:

- epoch numbers or digit strings; magnitudes of 1e11 and above are
  milliseconds (1e11 seconds is the year 5138, 1e11 ms is March 1973), so
  Unix seconds and HubSpot's millisecond strings both work;
- ISO 8601 with `Z`, `+01:00`, `+0100` (Salesforce) or no offset, with or
  without fractions, `T` or a space (Pipedrive v1), or a bare date.

A time without an offset is taken as UTC (the vendors that send them,
Pipedrive v1 and BambooHR, mean UTC) unless `timezone` says otherwise.
Parameters: `unit` (`s` or `ms`) forces the epoch unit, `format` (strptime)
reads a vendor's own format, `timezone` (IANA name) places naive times.
Write (`format_datetime`) renders one of the connector spec's template
formats (`iso`, `iso_ms`, `unix`, `unix_ms`, `date`, `datetime_space`) or a
strftime pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interlink._errors import ConfigError
from interlink.mapping._transform import Context, Factory, Transform, TransformError

__all__ = ["DATES", "parse_datetime"]

_MS_THRESHOLD = 100_000_000_000
_fromisoformat = datetime.fromisoformat
_fromtimestamp = datetime.fromtimestamp


def _from_epoch(number: float, unit: str | None, value: object) -> datetime:
    if unit == "ms" or (unit is None and abs(number) >= _MS_THRESHOLD):
        number = number / 1000
    try:
        return _fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise TransformError("is out of the range of dates", value) from None


def parse_datetime(value: Any, unit: str | None = None, zone: tzinfo = UTC) -> datetime:
    """Any supported spelling of an instant, as an aware datetime in UTC."""
    if value.__class__ is str:
        # Digits first: ISO 8601's basic form would read "20240101" or a ms string as a date.
        if value.isdigit() or (value[:1] == "-" and value[1:].isdigit()):
            return _from_epoch(int(value), unit, value)
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            raise TransformError("is not a date or time this mapping reads", value) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(value, unit, value)
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise TransformError("is not a date or time", value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone).astimezone(UTC)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def _options(argument: Any, context: Context, allowed: frozenset[str]) -> Mapping[str, Any]:
    if argument is None:
        return {}
    if not isinstance(argument, Mapping):
        raise ConfigError(context.where, "parameters must be a mapping like {format: '%d/%m/%Y'}")
    for key in argument:
        if key not in allowed:
            raise ConfigError(
                f"{context.where}.{key}",
                f"unknown parameter; expected one of: {', '.join(sorted(allowed))}",
            )
    return argument


def _zone(options: Mapping[str, Any], where: str) -> tzinfo:
    name = options.get("timezone", "UTC")
    try:
        return UTC if name == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"{where}.timezone", f"unknown IANA time zone {name!r}") from None


def _reader(options: Mapping[str, Any], context: Context) -> Callable[[Any], datetime]:
    unit = options.get("unit")
    if unit not in (None, "s", "ms"):
        raise ConfigError(f"{context.where}.unit", f"must be 's' or 'ms', got {unit!r}")
    zone = _zone(options, context.where)
    pattern = options.get("format")
    if pattern is None:
        if unit is None and zone is UTC:
            return parse_datetime
        return lambda value: parse_datetime(value, unit, zone)
    if not isinstance(pattern, str) or "%" not in pattern:
        raise ConfigError(f"{context.where}.format", "must be a strptime pattern like '%d/%m/%Y'")

    def read(value: Any) -> datetime:
        if not isinstance(value, str):
            return parse_datetime(value, unit, zone)
        try:
            parsed = datetime.strptime(value, pattern)  # the zone is applied below
        except ValueError:
            raise TransformError(f"does not match the date format {pattern!r}", value) from None
        return parse_datetime(parsed, unit, zone)

    return read


def _datetime(argument: Any, context: Context, /) -> Transform:
    options = _options(argument, context, frozenset({"format", "unit", "timezone"}))
    return Transform("datetime", _reader(options, context))


def _date(argument: Any, context: Context, /) -> Transform:
    options = _options(argument, context, frozenset({"format", "unit", "timezone"}))
    read = _reader(options, context)
    pattern, zone = options.get("format"), _zone(options, context.where)

    def to_date(value: Any) -> date:
        # A written date or time means the calendar day the vendor wrote, not a UTC day.
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and not value.lstrip("-").isdigit():
            try:
                if pattern is not None:
                    return datetime.strptime(value, pattern).date()
                return datetime.fromisoformat(value).date()
            except ValueError:
                raise TransformError("is not a date this mapping reads", value) from None
        return read(value).astimezone(zone).date()  # an epoch: the day in `timezone`

    return Transform("date", to_date)


_FORMATS: dict[str, Callable[[datetime], str | int]] = {
    "iso": lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "iso_ms": lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    "unix": lambda t: int(t.timestamp()),
    "unix_ms": lambda t: int(t.timestamp() * 1000),
    "date": lambda t: t.strftime("%Y-%m-%d"),
    "datetime_space": lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
}


def _format_datetime(argument: Any, context: Context, /) -> Transform:
    if isinstance(argument, str) and argument in _FORMATS:
        render = _FORMATS[argument]
    elif isinstance(argument, str) and "%" in argument:
        pattern = argument

        def render(t: datetime) -> str:
            return t.strftime(pattern)
    else:
        raise ConfigError(
            context.where,
            f"format_datetime needs one of {', '.join(_FORMATS)} or a strftime pattern, "
            f"got {argument!r}",
        )

    def apply(value: Any) -> str | int:
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return render(parse_datetime(value))

    return Transform("format_datetime", apply)


DATES: dict[str, Factory] = {
    "datetime": _datetime,
    "date": _date,
    "format_datetime": _format_datetime,
}
