"""Zoho's record writes: `{"data": [...]}` in, one result per record out.

Each record of a create, update or delete succeeds or fails on its own; the
answer is 201 (create) or 200 when all succeeded, 400 when all failed and 207
when some did. Failures name the field: `MANDATORY_NOT_FOUND` for a missing
required field, `INVALID_DATA` with the expected type for a wrong one (and,
in the simulator, for a field the module does not have).
"""

from __future__ import annotations

from typing import Any

from interlink.simulators._http import Reply
from interlink.simulators.zoho._modules import INTEGER, LOOKUP, TEXT, Module
from interlink.simulators.zoho._wire import error_body, json_bytes

__all__ = ["MAX_RECORDS", "check_record", "records_of", "result_status", "success"]

MAX_RECORDS = 100  # per create / update / delete call


def records_of(body: dict[str, Any]) -> list[Any]:
    data = body.get("data")
    if not isinstance(data, list) or not data:
        details = {"expected_data_type": "jsonarray", "api_name": "data"}
        raise Reply(json_bytes(400, error_body(400, "invalid data", "INVALID_DATA", details)))
    if len(data) > MAX_RECORDS:
        message = f"the number of records exceeds the limit of {MAX_RECORDS}"
        limit = {"limit": MAX_RECORDS}
        raise Reply(json_bytes(400, error_body(400, message, "LIMIT_EXCEEDED", limit)))
    return data


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return True
    if kind == TEXT:
        return isinstance(value, str)
    if kind == LOOKUP:  # a lookup takes {"id": "..."} (or the id itself)
        return isinstance(value, str) or (
            isinstance(value, dict) and isinstance(value.get("id"), str)
        )
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind == INTEGER else isinstance(value, int | float)


def check_record(module: Module, index: int, record: Any, *, creating: bool) -> dict[str, Any]:
    """The fields to store, or `{"__error__": result}` naming the field at fault."""

    def error(code: str, message: str, **details: Any) -> dict[str, Any]:
        return {"__error__": error_body(400, message, code, details)}

    if not isinstance(record, dict):
        return error(
            "INVALID_DATA",
            "invalid data",
            expected_data_type="jsonobject",
            json_path=f"$.data[{index}]",
        )
    fields = {k: v for k, v in record.items() if k != "id"}
    for name, value in fields.items():
        kind = module.field_types.get(name)
        path = f"$.data[{index}].{name}"
        if kind is None:
            return error("INVALID_DATA", "invalid data", api_name=name, json_path=path)
        if not _fits(value, kind):
            return error(
                "INVALID_DATA",
                "invalid data",
                expected_data_type=kind,
                api_name=name,
                json_path=path,
            )
    for name in module.required:
        if (creating or name in fields) and not fields.get(name):
            return error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                api_name=name,
                json_path=f"$.data[{index}].{name}",
            )
    return {
        k: ({"id": v} if module.field_types[k] == LOOKUP and isinstance(v, str) else v)
        for k, v in fields.items()
    }


def success(message: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}


def result_status(results: list[dict[str, Any]], ok: int) -> int:
    """201/200 when all succeeded, 400 when none did, 207 (multi-status) otherwise."""
    good = sum(1 for r in results if r["status"] == "success")
    if good == len(results):
        return ok
    return 400 if good == 0 else 207
