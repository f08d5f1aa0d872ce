"""ErrorContract as data: built from a connector spec's plain dict, bad keys named."""

from __future__ import annotations

from typing import Any

import pytest

from interlink.errors import (
    AuthError,
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    FatalError,
    NotFoundError,
    RateLimitedError,
)
from interlink.http._classify import ErrorContract


def test_slack_contract_from_dict_equals_the_python_one() -> None:
    """The YAML form of Slack's contract builds the same frozen object as the Python form."""
    spec = {
        "success_flag": "ok",
        "code": "error",
        "codes": {
            "ratelimited": "rate_limited",
            "invalid_auth": "auth",
            "token_revoked": "auth",
            "not_found": "not_found",
        },
    }
    python = ErrorContract(
        success_flag="ok",
        code_path=("error",),
        codes={
            "ratelimited": RateLimitedError,
            "invalid_auth": AuthError,
            "token_revoked": AuthError,
            "not_found": NotFoundError,
        },
    )
    assert ErrorContract.from_dict(spec) == python


def test_contract_is_frozen_and_its_codes_immutable() -> None:
    """A built contract cannot be changed under a running pipeline, even via the caller's dict."""
    codes: dict[str, Any] = {"x": FatalError}
    contract = ErrorContract(codes=codes)
    codes["y"] = AuthError
    assert "y" not in contract.codes
    with pytest.raises(AttributeError):
        contract.success_flag = "ok"  # type: ignore[misc]
    with pytest.raises(TypeError):
        contract.codes["z"] = AuthError  # type: ignore[index]


def test_dotted_paths_accept_list_indexes() -> None:
    """`errors.0.code` compiles to a path with an integer index."""
    contract = ErrorContract.from_dict({"code": "errors.0.code", "message": "errors.0.message"})
    assert contract.code_path == ("errors", 0, "code")
    assert contract.message_path == ("errors", 0, "message")


@pytest.mark.parametrize(
    ("spec", "where", "fragment"),
    [
        ({"sucess_flag": "ok"}, "errors.sucess_flag", "unknown key"),
        (
            {"codes": {"ratelimited": "slow_down"}},
            "errors.codes.ratelimited",
            "unknown error kind 'slow_down'",
        ),
        ({"codes": ["ratelimited"]}, "errors.codes", "must be a mapping"),
        ({"failure": "explode"}, "errors.failure", "unknown error kind"),
        ({"success_flag": ""}, "errors.success_flag", "non-empty string"),
        ({"success_flag": 1}, "errors.success_flag", "non-empty string"),
        ({"code": "error..code"}, "errors.code", "dotted path"),
        ({"no_data_statuses": [204, "200"]}, "errors.no_data_statuses", "list of HTTP statuses"),
        ({"no_data_statuses": [700]}, "errors.no_data_statuses", "list of HTTP statuses"),
        ({"no_data_statuses": 204}, "errors.no_data_statuses", "list of HTTP statuses"),
    ],
)
def test_bad_spec_names_the_field(spec: dict[str, Any], where: str, fragment: str) -> None:
    """Each bad declaration raises ConfigError naming the exact field and the problem."""
    with pytest.raises(ConfigError) as caught:
        ErrorContract.from_dict(spec)
    assert caught.value.where == where
    assert fragment in caught.value.problem


def test_spec_must_be_a_mapping() -> None:
    """A non-mapping `errors:` section is reported at its own path."""
    with pytest.raises(ConfigError) as caught:
        ErrorContract.from_dict(["ok"], where="providers.slack.errors")  # type: ignore[arg-type]
    assert str(caught.value) == "providers.slack.errors: must be a mapping, got list"


@pytest.mark.parametrize("cls", [BudgetExhaustedError, CircuitOpenError, ValueError, "auth"])
def test_python_contract_rejects_unbuildable_classes(cls: object) -> None:
    """Classes a vendor body cannot construct (or non-errors) are refused at construction."""
    with pytest.raises(ConfigError) as caught:
        ErrorContract(codes={"boom": cls})  # type: ignore[dict-item]
    assert caught.value.where == "codes.boom"
