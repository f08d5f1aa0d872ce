"""The loader reports every problem of a spec with its file, line, path and what was expected."""

# ruff: noqa: E501  (the table reads best one case per line pair)

from __future__ import annotations

from pathlib import Path

import pytest

from interlink.connectors import SpecError, SpecProblem, load_spec, load_spec_text

ACME = (Path(__file__).parent / "acme.yaml").read_text()


def edit(replacements: dict[int, str]) -> str:
    """acme.yaml with whole lines replaced (1-based line numbers)."""
    lines = ACME.splitlines()
    for number, text in replacements.items():
        lines[number - 1] = text
    return "\n".join(lines) + "\n"


def problems_of(text: str) -> tuple[SpecProblem, ...]:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text, file="specs/acme.yaml")
    return caught.value.problems


def test_the_base_spec_is_valid() -> None:
    """acme.yaml, the table's starting point, loads without a problem."""
    spec = load_spec_text(ACME, file="specs/acme.yaml")
    assert spec.provider == "acme"
    assert list(spec.resources) == ["contacts"]


CASES = [
    # (what, {line: new text}, expected line, expected path, words of the message)
    ("mapping names a model field that does not exist", {24: "      fist_name: first"},
     24, "resources.contacts.read.fist_name", "did you mean 'first_name'"),
    ("an unknown mapping transform", {24: "      first_name: {path: first, transform: upper_case}"},
     24, "resources.contacts.read.first_name.transform", "unknown transform 'upper_case'"),
    ("a cursor paginator without its cursor path", {15: "  has_more_path: meta.more"},
     13, "pagination.cursor_path", "is required"),
    ("an unknown auth type", {8: "  type: oauth3"},
     8, "auth.type", "unknown auth type 'oauth3'; expected one of: api_key, basic, bearer"),
    ("a template naming an undeclared variable", {4: "base_url: https://{tenant}.acme.test/api"},
     4, "base_url", "undeclared variable 'tenant' (declared: subdomain)"),
    ("a template naming an undeclared credential",
     {26: 'webhooks: {scheme: stripe, secret: "{credentials.webhook_secret}"}',
      27: 'passthrough: {allow: ["/contacts/**"]}'},
     26, "webhooks.secret", "undeclared credential 'webhook_secret' (the auth methods read: api_key)"),
    ("credentials outside auth and webhooks",
     {21: '    get: {path: "/contacts/{id}", headers: {X-Token: "{credentials.api_key}"}}'},
     21, "resources.contacts.get.headers.X-Token", "credentials may not be used here"),
    ("a resource whose model is unknown", {19: "    model: crm.kontakt"},
     19, "resources.contacts.model", "unknown unified model 'crm.kontakt' (did you mean 'crm.contact'?)"),
    ("a passthrough glob that is not a path", {27: '  allow: ["contacts/**"]'},
     27, "passthrough.allow[0]", "must be a path starting with '/'"),
    ("a passthrough glob that climbs out", {27: '  allow: ["/contacts/../admin/**"]'},
     27, "passthrough.allow[0]", "'..'"),
    ("{id} in a listing", {20: '    list: {path: "/contacts/{id}", records: data}'},
     20, "resources.contacts.list.path", "{id} is only available in get, update and delete"),
    ("a get path without {id}", {21: "    get: {path: /contacts/one}"},
     21, "resources.contacts.get.path", "must contain {id}"),
    ("{modified_after} outside incremental", {20: '    list: {path: /contacts, params: {since: "{modified_after:iso}"}, records: data}'},
     20, "resources.contacts.list.params.since", "only available in incremental requests"),
    ("an unknown watermark format", {20: '    incremental: {path: /contacts, params: {since: "{modified_after:rfc}"}, records: data}'},
     20, "resources.contacts.incremental.params.since", "unknown watermark format 'rfc'"),
    ("a request naming an undeclared hook", {20: "    list: {path: /contacts, records: data, hook: soql}"},
     20, "resources.contacts.list.hook", "names no hook declared under `hooks`"),
    ("a hook that cannot be imported",
     {26: 'hooks: {soql: "no_such_module_x:build"}', 27: 'passthrough: {allow: ["/contacts/**"]}'},
     26, "hooks.soql", "cannot import 'no_such_module_x'"),
    ("a hook name that is no entry point",
     {26: "hooks: {soql: not_registered_anywhere}", 27: 'passthrough: {allow: ["/contacts/**"]}'},
     26, "hooks.soql", "no entry point of that name in the 'interlink.hooks' group"),
    ("a bad rate limit", {12: "  - {kind: window, limit: 0, per: 1s}"},
     12, "rate_limits[0].limit", "must be an integer >= 1"),
    ("an unknown rate-limit kind", {12: "  - {kind: sliding, limit: 10, per: 1s}"},
     12, "rate_limits[0].kind", "unknown rate-limit kind 'sliding'"),
    ("a key of the wrong type", {16: "  cursor_param: [a, b]"},
     16, "pagination.cursor_param", "must be a string, got a list"),
    ("an unknown key in a resource", {20: "    lst: {path: /contacts, records: data}"},
     20, "resources.contacts.lst", "unknown key (did you mean 'list'?)"),
    ("a duplicate key", {25: "      first_name: last"},
     25, "resources.contacts.read.first_name", "duplicate key"),
    ("invalid YAML", {10: "  name: [X-Acme-Key"},
     11, "", "invalid YAML"),
    ("a variable pattern that is not a regex", {6: '  subdomain: {from: connection, pattern: "^[a-z"}'},
     6, "variables.subdomain.pattern", "is not a regular expression"),
    ("a write without a write mapping", {21: "    create: {path: /contacts}"},
     21, "resources.contacts.create", "needs a `write` mapping"),
    ("an endpoint limit no request uses", {12: "  - {kind: window, limit: 10, per: 1s, endpoint: search}"},
     12, "rate_limits[0].endpoint", "no request declares endpoint 'search'"),
    ("the wrong spec version", {1: "spec_version: 2"},
     1, "spec_version", "must be 1, got 2"),
]  # fmt: skip


@pytest.mark.parametrize(("edits", "line", "path", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_each_problem_names_file_line_path_and_expectation(
    edits: dict[int, str], line: int, path: str, words: str
) -> None:
    """Each bad spec raises SpecError naming specs/acme.yaml, the line, the path and the fix."""
    problems = problems_of(edit(edits))
    matching = [p for p in problems if p.path == path]
    assert matching, f"no problem at {path!r}; got: {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == "specs/acme.yaml"
    assert problem.line == line
    assert words in problem.message
    assert str(problem).startswith(f"specs/acme.yaml:{line}: {path or '(top)'}: ")


def test_every_problem_is_reported_not_just_the_first() -> None:
    """Three unrelated mistakes give three problems, in line order, in one SpecError."""
    problems = problems_of(edit({4: "base_url: https://{tenant}.x.test", 8: "  type: oauth3",
                                 24: "      fist_name: first"}))  # fmt: skip
    assert [(p.line, p.path) for p in problems] == [
        (4, "base_url"),
        (8, "auth.type"),
        (24, "resources.contacts.read.fist_name"),
    ]


def test_the_error_message_lists_every_problem() -> None:
    """str(SpecError) is a count and one `file:line: path: message` line per problem."""
    with pytest.raises(SpecError) as caught:
        load_spec_text(edit({8: "  type: oauth3", 19: "    model: crm.x"}), file="a.yaml")
    text = str(caught.value)
    assert text.startswith("2 problems in connector spec:")
    assert "a.yaml:8: auth.type: unknown auth type" in text
    assert "a.yaml:19: resources.contacts.model: unknown unified model" in text


def test_a_problem_keeps_the_path_of_a_key_holding_dots() -> None:
    """A write-mapping key like `properties.first` is located by its own line."""
    body = ACME.replace("      last_name: last\n", "      last_name: last\n    write:\n"
                        "      properties.first: {path: first_nam}\n")  # fmt: skip
    problems = problems_of(body)
    assert [(p.line, p.path) for p in problems] == [
        (27, "resources.contacts.write.properties.first")
    ]


def test_empty_and_non_mapping_documents_are_problems() -> None:
    """An empty file or a list is one clear problem at the top, not a crash."""
    assert "must be a mapping, got null" in problems_of("")[0].message
    assert "must be a mapping, got a list" in problems_of("- 1\n- 2\n")[0].message


def test_an_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    """A missing file is a SpecError naming it, like any other problem."""
    with pytest.raises(SpecError, match="cannot read the file"):
        load_spec(tmp_path / "missing.yaml")


def test_every_problem_of_one_mapping_is_reported() -> None:
    """Two bad read rules and a bad custom_fields source of one resource are three problems,
    each on its own line, not only the first."""
    problems = problems_of(edit({
        24: "      fist_name: first",
        25: "      last_name: {path: last, transform: upper}\n    custom_fields: {frm: x}",
    }))  # fmt: skip
    assert [(p.line, p.path) for p in problems] == [
        (24, "resources.contacts.read.fist_name"),
        (25, "resources.contacts.read.last_name.transform"),
        (26, "resources.contacts.custom_fields.frm"),
    ]


def test_two_resources_of_one_model_are_refused() -> None:
    """A second resource mapping to a model another resource already maps is a problem at its
    `model` (record ids derive from connection, model and remote id, so they would collide)."""
    body = ACME.replace(
        "passthrough:",
        "  people:\n    model: crm.contact\n    list: {path: /people, records: data}\n"
        "    read:\n      remote_id: id\npassthrough:",
    )
    problems = problems_of(body)
    assert [(p.line, p.path) for p in problems] == [(27, "resources.people.model")]
    assert "crm.contact is already the model of resource 'contacts'" in problems[0].message
