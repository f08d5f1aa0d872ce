"""A resource's compiled mapping: read, read a batch, validate, write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import pydantic

from interlink._errors import MappingError
from interlink.mapping._drift import DriftDetector, DriftKind
from interlink.mapping._read import ReadFunction
from interlink.mapping._strict import StrictChecker, StrictDeclaration
from interlink.mapping._transform import type_name
from interlink.mapping._write import WriteFunction
from interlink.mapping._write_check import InvalidWriteError, checked_write
from interlink.models import UnifiedRecord

__all__ = ["CompiledMapping", "MappedBatch"]

T = TypeVar("T")
# Strict mode's only use of the baseline: a field not typed by the declaration that changes
# type. New fields are judged by the declaration; an absent field is no error (vendors omit
# empty ones; `required: true` is how a mapping demands one).
_RETYPED: frozenset[DriftKind] = frozenset({"type_changed"})


@dataclass(frozen=True, slots=True)
class MappedBatch(Generic[T]):
    """The records of a batch that mapped, and one `MappingError` per record that did not."""

    records: list[T] = field(default_factory=list)
    errors: list[MappingError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    """The compiled mapping of one resource; pure, never performs I/O, safe to share.

    `read(record, connection_id)` is the generated function itself (no wrapper
    on the hot path): it returns a dict holding every field of the model, or
    raises `MappingError`.
    """

    model: type[UnifiedRecord]
    provider: str
    resource: str
    read: ReadFunction
    read_source: str
    """The generated source of `read`, for debugging and for the curious."""
    _write: WriteFunction | None = None
    write_source: str | None = None
    reads: tuple[tuple[str | int, ...], ...] = ()
    """Every record path the read rules read (what drift detection expects)."""
    objects: tuple[tuple[str | int, ...], ...] = ()
    """The objects custom fields come from (profiled for drift too)."""
    declaration: StrictDeclaration = field(default_factory=StrictDeclaration)
    """What the mapping declares about vendor records (strict mode holds each record to it)."""
    writable: frozenset[str] = frozenset()
    """The top-level unified fields the write rules read: what a write may set."""
    strict: bool = False
    """True for a `strict_copy()`: `read` raises `MappingError` on schema drift."""

    def drift_detector(self, profile: Mapping[str, str] | None = None) -> DriftDetector:
        """A fresh detector for one (connection, resource); `profile` resumes a saved baseline."""
        return DriftDetector(
            self.reads,
            objects=self.objects,
            provider=self.provider,
            resource=self.resource,
            profile=profile,
        )

    def strict_checker(self) -> StrictChecker:
        """A checker holding every record to this mapping's declaration (see `strict_copy`)."""
        return StrictChecker(self.declaration, provider=self.provider, resource=self.resource)

    def strict_copy(self) -> CompiledMapping:
        """This mapping whose `read` refuses, with a `MappingError` naming the field, a record
        that breaks the declaration (a field nothing reads, declares as custom or ignores; a
        value of another type than declared), the first record included, or that drifts from
        the records before it. Strict mode: development and
        tests. One detector per copy: one per connection."""
        detector = self.drift_detector()
        checker = self.strict_checker()
        read = self.read

        def strict_read(record: Any, connection_id: str) -> dict[str, Any]:
            try:  # checks first: they name the vendor field, which a transform error would not
                checker.check(record, connection_id=connection_id)
                detector.check(record, connection_id=connection_id, kinds=_RETYPED)
            except MappingError as exc:
                try:
                    exc.remote_id = read(record, connection_id)["remote_id"]
                except MappingError as failed:  # it still names the record, if it has an id
                    exc.remote_id = failed.remote_id
                raise
            return read(record, connection_id)

        return replace(self, read=strict_read, strict=True)

    @property
    def can_write(self) -> bool:
        return self._write is not None

    def read_batch(self, records: Iterable[Any], connection_id: str) -> MappedBatch[dict[str, Any]]:
        """Map every record; a record that fails becomes an error, the others are kept."""
        batch: MappedBatch[dict[str, Any]] = MappedBatch()
        read, keep, fail = self.read, batch.records.append, batch.errors.append
        for record in records:
            try:
                keep(read(record, connection_id))
            except MappingError as exc:
                fail(exc)
        return batch

    def validate(self, mapped: Mapping[str, Any]) -> UnifiedRecord:
        """The mapped dict as a validated model instance, or a `MappingError` naming the field."""
        try:
            return self.model.model_validate(mapped)
        except pydantic.ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            location = ".".join(str(part) for part in first["loc"])
            remote_id = mapped.get("remote_id")
            raise MappingError(
                f"the mapped value does not fit {self.model.model_name}: {first['msg']}",
                provider=self.provider,
                resource=self.resource,
                connection_id=mapped.get("connection_id"),
                remote_id=remote_id if isinstance(remote_id, str) else None,
                field=location,
                value_type=type_name(_at(mapped, first["loc"])),
            ) from None

    def read_models(self, records: Iterable[Any], connection_id: str) -> MappedBatch[UnifiedRecord]:
        """Like `read_batch`, validating each record into the model."""
        batch: MappedBatch[UnifiedRecord] = MappedBatch()
        for record in records:
            try:
                batch.records.append(self.validate(self.read(record, connection_id)))
            except MappingError as exc:
                batch.errors.append(exc)
        return batch

    def write(
        self,
        values: Mapping[str, Any] | UnifiedRecord,
        *,
        connection_id: str | None = None,
        remote_id: str | None = None,
    ) -> dict[str, Any]:
        """The vendor body for the given unified fields (only those given: a PATCH sends changes).

        A model instance contributes the fields that were set on it, less the ones
        Interlink or the vendor fill. Before anything is built, `InvalidWriteError` (a
        `ConfigError`) names a field the model does not have, a read-only one, one
        this mapping cannot write, or a value of the wrong type.
        """
        if self._write is None:
            raise InvalidWriteError(
                self.provider, self.resource, "write", "this resource declares no write mapping"
            )
        checked = checked_write(
            values,
            model=self.model.model_name,
            provider=self.provider,
            resource=self.resource,
            writable=self.writable,
        )
        return self._write(checked, connection_id, remote_id)


def _at(data: Any, location: tuple[int | str, ...]) -> Any:
    for part in location:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
