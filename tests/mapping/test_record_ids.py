"""The generated `read` computes record ids without `uuid.uuid5`: they must be the same ids."""

from __future__ import annotations

import uuid

import pytest

from interlink.mapping._read import uuid5_text
from interlink.models import RECORD_NAMESPACE


@pytest.mark.parametrize(
    "name",
    ["", "conn-1/crm.contact/1", "conn_9/crm.company/ünïcødé-42", "c/m/" + "x" * 500, "a/b/😀"],
)
def test_fast_uuid5_equals_the_standard_library(name: str) -> None:
    """uuid5_text(name) is exactly str(uuid.uuid5(RECORD_NAMESPACE, name)), non-ASCII included."""
    assert uuid5_text(name) == str(uuid.uuid5(RECORD_NAMESPACE, name))
