"""The public API: ``Session``, ``ProofResult`` and the guarantee that nothing is proved without
the kernel's admission."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tactic_mesh
from tactic_mesh import NoProofFound, ProofRejected, ProofResult, Session
from tactic_mesh.api import SearchStats, _Admission
from tactic_mesh.calculus.tactics import HANDLERS
from tactic_mesh.calculus.tactics.registry import call
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.environment import TheoremDecl
from tactic_mesh.kernel.errors import ElabError, TacticMeshError

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("basics")


def test_the_readme_example_runs() -> None:
    block = re.search(r"## The library API.*?```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None, "the README's API example is missing"
    exec(compile(block.group(1), "README.md", "exec"), {})


def test_the_package_exports_the_api() -> None:
    assert set(tactic_mesh.__all__) >= {"Session", "ProofResult", "NoProofFound", "ProofRejected"}
    assert tactic_mesh.Session is Session
    with pytest.raises(AttributeError):
        _ = tactic_mesh.NotAThing  # type: ignore[attr-defined]


def test_prove_by_search_is_kernel_checked(session: Session) -> None:
    result = session.prove("∀ p q r : Prop, (p → q) → (q → r) → p → r", max_nodes=300)
    assert result.kernel_checked is True
    assert result.stats.mode == "search" and result.stats.policy == "heuristic" and result.stats.expanded > 0
    assert "apply h1" in result.script and result.axioms == ()
    assert [c.name for c, _ in result.core_program][:1] == ["intro"]
    assert "AssignMetavar" in result.core_text()
    # the term really proves the statement: the kernel admits it again, on its own
    add_decl(session.environment, TheoremDecl("again", (), result.statement, result.proof_term))
    # and the session's environment is unchanged (the admission is the result's own)
    assert session.environment.find(result.name) is None
    assert result.admission.environment.find(result.name) is not None


def test_prove_by_script(session: Session) -> None:
    result = session.prove("∀ p q : Prop, p ∧ q → q ∧ p", by="intro p q h\ncases h\nintro hp hq\nexact ⟨hq, hp⟩")
    assert result.stats.mode == "script" and result.script[-1] == "exact ⟨hq, hp⟩"
    assert result.statement_text == "∀ (p : Prop) (q : Prop), p ∧ q → q ∧ p"


def test_a_failing_script_is_located(session: Session) -> None:
    with pytest.raises(ElabError) as err:
        session.prove("∀ p : Prop, p → p", by="intro p h\nexact nope")
    assert err.value.loc is not None and err.value.loc.line == 2


def test_sorry_is_refused(session: Session) -> None:
    with pytest.raises(ProofRejected, match="sorry"):
        session.prove("∀ p : Prop, p", by="intro p\nexact sorry")


def test_axioms_can_be_forbidden(tmp_path: Path) -> None:
    f = tmp_path / "ax.tm"
    f.write_text("axiom magic : ∀ p : Prop, p\n", encoding="utf-8")
    s = Session(None, files=[f])
    assert s.prove("1 = 2", by="exact magic _").axioms == ("magic",)
    with pytest.raises(ProofRejected, match="magic"):
        s.prove("1 = 2", by="exact magic _", allow_axioms=False)


def test_no_proof_found_says_how_far_it_got(session: Session) -> None:
    with pytest.raises(NoProofFound) as err:
        session.prove("∀ n : Nat, n = n + 1", budget=2.0, max_nodes=20)
    search = err.value.search
    assert search.state is None and search.expanded <= 20 and search.tried
    assert err.value.message.startswith("no proof found")


def test_a_result_needs_the_kernels_admission(session: Session) -> None:
    good = session.prove("True", by="constructor")
    forged = _Admission(session.environment, ())  # an environment without the theorem
    with pytest.raises(ProofRejected):
        ProofResult(good.name, good.statement, good.proof_term, good.script, good.core_program,
                    SearchStats("script"), forged, session.environment)


def test_goal_and_run_step_by_step(session: Session) -> None:
    state = session.goal("∀ p q : Prop, p ∨ q → q ∨ p")
    state = session.run(state, "intro p q h")
    state = session.run(state, call("cases", "h"))
    assert len(state.focus_goals()) == 2
    state = session.run(state, "intro hp; right; exact hp")
    state = session.run(state, "intro hq; left; exact hq")
    assert state.is_complete
    with pytest.raises(ElabError, match="unknown identifier"):
        session.run(session.goal("True"), "exact nothing_here")


def test_run_a_core_program(session: Session) -> None:
    from tactic_mesh.codecs.dsl import parse_program

    state = session.goal("True")
    program = parse_program('let term ← op Elaborate(⟪True.intro⟫, #goal "main"); op AssignMetavar(#goal "main", term)')
    assert session.run(state, program).is_complete and HANDLERS == ("kernel", "tactic")
    with pytest.raises(ElabError, match="the program failed"):
        session.run(state, parse_program('fail "no"'))


def test_bad_statements_are_located(session: Session) -> None:
    with pytest.raises(TacticMeshError) as err:
        session.goal("∀ n : Nat, n = ")
    assert err.value.loc is not None and err.value.loc.file == "<statement>"


def test_user_files_extend_the_session(tmp_path: Path) -> None:
    f = tmp_path / "mine.tm"
    f.write_text("def double (n : Nat) : Nat := n + n\n"
                 "theorem double_zero : double 0 = 0 := rfl\n", encoding="utf-8")
    s = Session("basics", files=[f])
    assert s.environment.find("double_zero") is not None
    assert s.prove("double 0 = 0", by="exact double_zero").kernel_checked
    results = s.check_file(f)  # checked on top: the names are taken already
    assert results and not all(r.ok for r in results)
    bad = tmp_path / "bad.tm"
    bad.write_text("theorem nope : 1 = 2 := rfl\n", encoding="utf-8")
    with pytest.raises(ElabError) as err:
        Session("basics", files=[bad])
    assert err.value.loc is not None and err.value.loc.file.endswith("bad.tm") and err.value.loc.line == 1


def test_check_text_does_not_change_the_session(session: Session) -> None:
    results = session.check_text("theorem t1 : 2 + 2 = 4 := rfl\n")
    assert [r.ok for r in results] == [True]
    assert session.environment.find("t1") is None


def test_unknown_policy_and_library() -> None:
    with pytest.raises(TacticMeshError, match="unknown search policy"):
        Session().prove("True", policy="no-such-policy")
    with pytest.raises(TacticMeshError, match="unknown library"):
        Session("no-such-library")


def test_export_is_a_placeholder(session: Session) -> None:
    with pytest.raises(NotImplementedError, match="issue 18"):
        session.export("lean")
