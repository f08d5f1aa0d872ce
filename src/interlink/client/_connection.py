"""A live connection: unified reads and writes, and the passthrough, over one pipeline.

```python
async with interlink.connect("hubspot", credentials={"access_token": "..."}) as hubspot:
    async for contact in hubspot.list("contacts", modified_after=since):
        print(contact.remote_id, contact.first_name, contact.remote_data)
    created = await hubspot.create("crm.contact", {"first_name": "Ada"})
    raw = await hubspot.request("GET", "/crm/v3/objects/contacts", params={"limit": 1})
```

A vendor record the mapping cannot handle raises `MappingError` naming the
connection, resource, remote id and field; with `on_error=` it is reported
there instead and the listing goes on. It is never dropped or nulled silently.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interlink._errors import ConfigError, FatalError, MappingError
from interlink._pipeline import Pipeline
from interlink._types import JSON
from interlink.client._requests import build_request, unwrap
from interlink.connectors import ConnectorSpec, RenderContext, ResourceSpec, check_raw_path
from interlink.connectors._answers import RecordsCall
from interlink.connectors._envelope import envelope_error
from interlink.connectors._globs import compile_glob
from interlink.connectors._written import missing_record_error, written_id
from interlink.http import Request, Response
from interlink.models import UnifiedRecord
from interlink.pagination import DEFAULT_MAX_PAGES, SinglePage

__all__ = ["Connection", "MappedPage", "OnError"]

OnError = Callable[[MappingError], None]
"""Called with each record that failed to map; the listing continues."""


@dataclass(frozen=True, slots=True)
class MappedPage:
    """One page of a listing, mapped: what a sync commits in one transaction.

    `received` counts the vendor's records on the page (before a records hook
    and the mapping); `raw` are the records the mapping was given (after the
    hook); `records` are those that mapped, `errors` those that did not.
    `next_request` is None on the last page. `resumable` is False when the
    listing cannot continue from `next_request` alone (a records hook kept
    state across pages): restart it instead.
    """

    records: list[UnifiedRecord]
    errors: list[MappingError]
    number: int
    received: int
    next_request: Request | None
    resumable: bool = True
    raw: Sequence[JSON] = ()


class Connection:
    """One connection of one provider: records as unified models, and the raw passthrough."""

    def __init__(
        self,
        spec: ConnectorSpec,
        pipeline: Pipeline,
        context: RenderContext,
        *,
        connection_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.pipeline = pipeline
        self.connection_id = connection_id
        self._context = context
        self._headers = dict(headers or {})
        self._allow = tuple(compile_glob(p, where="passthrough.allow") for p in spec.passthrough)

    @property
    def provider(self) -> str:
        return self.spec.provider

    def __repr__(self) -> str:
        return f"<Connection {self.provider} {self.connection_id}>"

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.pipeline.aclose()

    def resource(self, name: str) -> ResourceSpec:
        """The resource `name`, or the one resource mapped to the unified model `name`."""
        resources = self.spec.resources
        if name in resources:
            return resources[name]
        matching = [r for r in resources.values() if r.model == name]
        if len(matching) == 1:
            return matching[0]
        if matching:
            names = ", ".join(r.name for r in matching)
            raise ConfigError(
                "resource", f"{name!r} is mapped by several resources ({names}); name one"
            )
        known = ", ".join(sorted({*resources, *(r.model for r in resources.values())}))
        raise ConfigError(
            "resource", f"{self.provider} has no resource or model {name!r}; known: {known}"
        )

    def _operation(self, resource: ResourceSpec, operation: str) -> Any:
        found = resource.operations.get(operation)  # type: ignore[call-overload]
        if found is None:
            raise ConfigError(
                f"resources.{resource.name}.{operation}",
                f"{self.provider} declares no {operation!r} request for {resource.name!r}",
            )
        return found

    def _remote_id(self, resource: ResourceSpec, remote_id: object) -> str:
        """`remote_id` checked before any I/O: an empty one would address the collection."""
        if not isinstance(remote_id, str) or not remote_id.strip():
            got = repr(remote_id) if isinstance(remote_id, str) else type(remote_id).__name__
            raise ConfigError(
                "remote_id",
                f"{self.provider} {resource.name}: must be the record's non-empty id, not {got}",
            )
        return remote_id

    def _request(self, resource: ResourceSpec, operation: str, **kw: Any) -> Request:
        spec = self._operation(resource, operation)
        context = self._context
        changes = {k: kw.pop(k) for k in ("record_id", "modified_after") if k in kw}
        if changes:
            context = context.with_(**changes)
        headers = {**self._headers, **kw.pop("headers", {})}
        return build_request(
            self.spec, resource.name, operation, spec, context, extra_headers=headers, **kw
        )

    def _model(self, resource: ResourceSpec, record: Any) -> UnifiedRecord:
        mapping = resource.mapping
        return mapping.validate(mapping.read(record, self.connection_id))

    async def pages(
        self,
        name: str,
        *,
        modified_after: datetime | None = None,
        deleted: bool = False,
        resume_from: Request | None = None,
        on_error: OnError | None = None,
        max_pages: int | None = DEFAULT_MAX_PAGES,
        prefetch: bool = False,
    ) -> AsyncIterator[MappedPage]:
        """The pages of a listing (see `list`), each with its records mapped and validated.

        Each page carries `next_request`, the checkpoint to continue from with
        `resume_from=` (the same `modified_after`/`deleted` must be given), and
        whether that is possible: a records hook that keeps state across pages
        (Stripe's events, newest state only) makes the rest of the listing
        depend on pages already read, so it must be restarted instead. A record
        the mapping refuses raises `MappingError`; with `on_error` it is
        reported there and in the page's `errors`, and the others are kept.
        `prefetch` requests page N+1 while page N is mapped and handled.
        """
        resource = self.resource(name)
        if modified_after is not None and modified_after.utcoffset() is None:
            raise ConfigError(
                "modified_after",
                f"{self.provider} {resource.name}: give a time zone "
                "(datetime(2025, 1, 31, tzinfo=UTC)); a naive time is ambiguous",
            )
        operation = (
            "deleted" if deleted else "incremental" if modified_after is not None else "list"
        )
        spec = self._operation(resource, operation)
        request = self._request(resource, operation, modified_after=modified_after)
        pages = self.pipeline.paginate(
            request,
            spec.pagination or SinglePage(),
            records_path=spec.records,
            id_field=resource.id,
            max_pages=max_pages,
            resume_from=resume_from,
            prefetch=prefetch,
        )
        hook, mapping, connection_id = spec.records_hook, resource.mapping, self.connection_id
        read, validate = mapping.read, mapping.validate
        state: dict[str, Any] = {}  # a records hook's memory across the pages of this listing
        async for page in pages:
            records = page.records
            if hook is not None:
                call = RecordsCall(
                    self.provider, resource.name, operation, records, page.response, state,
                    modified_after,
                )  # fmt: skip
                records = hook(call)
            mapped: list[UnifiedRecord] = []
            errors: list[MappingError] = []
            for record in records:
                try:
                    mapped.append(validate(read(record, connection_id)))
                except MappingError as exc:
                    if on_error is None:
                        raise
                    on_error(exc)
                    errors.append(exc)
            yield MappedPage(
                mapped,
                errors,
                page.number,
                len(page.records),
                page.next_request,
                not state,
                records,
            )

    async def list(
        self,
        name: str,
        *,
        modified_after: datetime | None = None,
        deleted: bool = False,
        on_error: OnError | None = None,
    ) -> AsyncIterator[UnifiedRecord]:
        """Every record of a resource (or model), mapped; only those changed since a watermark
        with `modified_after` (the resource's `incremental` request); the vendor's deleted
        records with `deleted=True`."""
        async for page in self.pages(
            name, modified_after=modified_after, deleted=deleted, on_error=on_error
        ):
            for record in page.records:
                yield record

    async def get(self, name: str, remote_id: str) -> UnifiedRecord:
        """One record by its remote id (`NotFoundError` when the vendor has none)."""
        resource = self.resource(name)
        remote_id = self._remote_id(resource, remote_id)
        return await self._one(resource, "get", self._request(resource, "get", record_id=remote_id))

    async def create(
        self,
        name: str,
        values: Mapping[str, Any] | UnifiedRecord,
        *,
        idempotency_key: str | None = None,
    ) -> UnifiedRecord:
        """Create a record from unified fields; the key is sent where the spec declares a header.

        The fields are checked before any I/O (`InvalidWriteError`, a `ConfigError`)."""
        resource = self.resource(name)
        self._operation(resource, "create")
        body = resource.mapping.write(values, connection_id=self.connection_id)
        request = self._request(resource, "create", json=body, idempotency_key=idempotency_key)
        return await self._one(resource, "create", request, None)

    async def update(
        self,
        name: str,
        remote_id: str,
        values: Mapping[str, Any] | UnifiedRecord,
        *,
        version: str | None = None,
    ) -> UnifiedRecord:
        """Change the given unified fields of one record; the others are left alone.

        With `version` (the vendor's, as last read), the update is conditional where the
        spec declares how (`condition:`): the vendor refuses it with a `ConflictError` when
        the record changed since; a `ConfigError` when the spec declares no condition.
        The fields are checked before any I/O (`InvalidWriteError`, a `ConfigError`)."""
        resource = self.resource(name)
        remote_id = self._remote_id(resource, remote_id)
        spec = self._operation(resource, "update")
        body = resource.mapping.write(values, connection_id=self.connection_id, remote_id=remote_id)
        headers: dict[str, str] = {}
        if version is not None:
            if spec.condition is None:
                raise ConfigError(
                    f"resources.{name}.update.condition",
                    f"{self.provider} declares no conditional update of {name}",
                )
            body, headers = spec.condition.apply(body, version)
        request = self._request(resource, "update", record_id=remote_id, json=body,
                                headers=headers)  # fmt: skip
        return await self._one(resource, "update", request, remote_id)

    async def delete(self, name: str, remote_id: str) -> None:
        """Delete (or archive, as the vendor does) one record."""
        resource = self.resource(name)
        remote_id = self._remote_id(resource, remote_id)
        await self._send_unmapped(self._request(resource, "delete", record_id=remote_id))

    async def _send_unmapped(self, request: Request) -> Response:
        """Send a call whose answer is not mapped; its envelope may still say it failed."""
        response = await self.pipeline.send(request)
        error = envelope_error(self.spec.errors, response, provider=self.provider)
        if error is not None:
            raise error
        return response

    async def _one(
        self, resource: ResourceSpec, operation: str, request: Request, remote_id: str | None = None
    ) -> UnifiedRecord:
        spec = self._operation(resource, operation)
        if spec.read_back:  # the answer has no record (BambooHR): read it with `get`
            response = await self._send_unmapped(request)
            remote_id = remote_id or written_id(response, spec.records)
            if remote_id is None:
                raise FatalError(
                    f"{operation} answered without the record's id (Location, or at records)",
                    provider=self.provider, request=request, response=response,
                )  # fmt: skip
            return await self.get(resource.name, remote_id)
        response, body = await self.pipeline.send_json(request)
        record = unwrap(body, spec.records)
        if spec.records_hook is not None and isinstance(record, dict):
            call = RecordsCall(self.provider, resource.name, operation, [record], response)
            reshaped = spec.records_hook(call)
            record = reshaped[0] if reshaped else None
        if not isinstance(record, dict):
            raise missing_record_error(self.provider, operation, request, response, body)
        return self._model(resource, record)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """A raw call through the same pipeline, to a path the spec's passthrough allows."""
        problem = check_raw_path(path)
        if problem is not None:
            raise ConfigError("passthrough.path", f"{path!r} {problem}")
        if not any(glob.fullmatch(path) for glob in self._allow):
            allowed = ", ".join(self.spec.passthrough) or "nothing"
            raise ConfigError(
                "passthrough.path",
                f"{path!r} is not allowed for {self.provider} (allowed: {allowed})",
            )
        url = self.spec.base_url.render(self._context).rstrip("/") + path
        request = Request.build(
            method, url, params=params, json=json, headers={**self._headers, **(headers or {})}
        )
        return await self._send_unmapped(request)
