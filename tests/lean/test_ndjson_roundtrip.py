"""Round trip: our environments exported to lean4export NDJSON (``ndjson_export``) and checked back
by ``ndjson_check`` from an empty environment — every declaration is accepted, the recursors the
kernel regenerates are the exported ones, and the checked environment is the original one."""

from __future__ import annotations

import pytest

from tactic_mesh.kernel.environment import Environment, RecursorInfo
from tactic_mesh.kernel.natlit import TRUSTED_NAT_OPS, trusted_nat_op, trusted_nat_type
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.lean.ndjson import export_text
from tactic_mesh.lean.ndjson_check import CheckReport, Status, check_export_lines
from tactic_mesh.lean.ndjson_check_inductive import same_up_to_names
from tactic_mesh.lean.ndjson_export import export_environment


def round_trip(env: Environment) -> tuple[str, CheckReport]:
    text = export_text(export_environment(env))
    return text, check_export_lines(text.splitlines(), "<round-trip>")


def assert_same_environment(original: Environment, checked: Environment) -> None:
    assert set(checked.names()) == set(original.names())
    for name, info in original.constants().items():
        again = checked.find(name)
        assert type(again) is type(info), name
        assert again.level_params == info.level_params, name
        assert same_up_to_names(again.type, info.type), name
        value = getattr(info, "value", None)
        if value is not None:
            assert same_up_to_names(again.value, value), name  # type: ignore[union-attr]
        if isinstance(info, RecursorInfo):
            assert isinstance(again, RecursorInfo)
            assert again.k == info.k and again.large_elim == info.large_elim
            assert [r.constructor for r in again.rules] == [r.constructor for r in info.rules]


def test_prelude_round_trip() -> None:
    env = prelude()
    text, report = round_trip(env)
    assert report.problems() == [], [v.describe() for v in report.problems()]
    assert report.exit_code == 0
    assert len(report.verdicts) == len(env)  # one verdict per constant, recursors included
    assert report.count(Status.ACCEPTED) == len(env)
    assert {v.kind for v in report.verdicts} >= {"inductive", "constructor", "recursor", "definition", "theorem"}
    checked = report.env
    assert checked is not None
    assert_same_environment(env, checked)
    # the re-checked Nat and its operations are the kernel's own: literals and their arithmetic work
    assert trusted_nat_type(checked)
    assert all(trusted_nat_op(checked, op) for op in TRUSTED_NAT_OPS if op in env)
    # exporting the checked environment gives the same file
    assert export_text(export_environment(checked)) == text


@pytest.mark.parametrize("library", ["all"])
def test_library_round_trip(library: str) -> None:
    from tactic_mesh.proofs.library import library_env

    env = library_env(library)
    _, report = round_trip(env)
    assert report.problems() == [], [v.describe() for v in report.problems()[:5]]
    assert report.count(Status.ACCEPTED) == len(env)
    checked = report.env
    assert checked is not None
    assert_same_environment(env, checked)


def test_tampered_round_trip_names_the_theorem() -> None:
    """The library's export with one theorem's value swapped for another's: only that theorem is
    rejected (and nothing depending on it is believed)."""
    import attrs

    from tactic_mesh.lean.ndjson import TheoremVal, write_export

    export = export_environment(prelude())
    theorems = [(i, item) for i, item in enumerate(export.items) if isinstance(item, TheoremVal)]
    # a later theorem gets the proof of an earlier one with a different statement (whose
    # expressions are on earlier lines, so the file stays well-formed)
    first = theorems[0][1]
    i, later = next((i, t) for i, t in theorems[1:] if t.type != first.type)
    items = list(export.items)
    items[i] = attrs.evolve(later, value=first.value)
    tampered = attrs.evolve(export, items=tuple(items))
    report = check_export_lines(list(write_export(tampered)), "<tampered>")
    victim = export.name_str(later.name)
    assert report.exit_code == 1
    rejected = [v.name for v in report.verdicts if v.status is Status.REJECTED]
    assert rejected == [victim]
    assert all(v.status in (Status.ACCEPTED, Status.SKIPPED) for v in report.verdicts if v.name != victim)
