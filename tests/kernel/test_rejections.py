"""The rejection corpus: bad inputs must be rejected with a precise error, at the right place,
and never with a Python traceback.

Every ``corpus/bad/NN_name.tm`` starts with header comments::

    -- expect: <substring of the error message>
    -- at: <line>:<col>
    -- options: --forbid-axioms          (optional)

and contains exactly one failing declaration.  The first failing result of checking the file must
contain the ``expect`` substring and be located at ``at``.

Besides the corpus, this module tests the metavariable context (cyclic and out-of-scope
assignments, synthetic-opaque goals), the kernel's own rejections (open holes, self reference,
large elimination built by hand) and inputs nested 100 000 levels deep (generated here, not
committed).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tactic_mesh.cli.check import check_files
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.commands import CommandResult, Options
from tactic_mesh.kernel.environment import DefinitionDecl, Environment, TheoremDecl
from tactic_mesh.kernel.errors import KernelError, UnifyError
from tactic_mesh.kernel.expr import App, BVar, Const, Lam, NatLit, Pi, mk_app
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.unify import MetaChecker

CORPUS = Path(__file__).parent / "corpus" / "bad"
HEADER = re.compile(r"--\s*(expect|at|options):\s?(.*)$")
MIN_CORPUS = 45


# ---------------------------------------------------------------------------------------------
# corpus files
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    path: Path
    expect: str
    line: int
    col: int
    options: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.path.stem

    def opts(self, allow_sorry: bool | None = None, forbid_axioms: bool | None = None) -> Options:
        return Options(
            allow_sorry=("--allow-sorry" in self.options) if allow_sorry is None else allow_sorry,
            forbid_axioms=("--forbid-axioms" in self.options) if forbid_axioms is None else forbid_axioms,
        )


def parse_case(path: Path) -> Case:
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = HEADER.match(line)
        if m is None:
            break
        header[m.group(1)] = m.group(2).strip()
    assert header.get("expect"), f"{path.name}: missing '-- expect:' header"
    assert "at" in header, f"{path.name}: missing '-- at:' header"
    at = re.fullmatch(r"(\d+):(\d+)", header["at"])
    assert at is not None, f"{path.name}: bad '-- at:' header {header['at']!r}"
    options = tuple(shlex.split(header.get("options", "")))
    for opt in options:
        assert opt in ("--allow-sorry", "--forbid-axioms"), f"{path.name}: unknown option {opt}"
    return Case(path, header["expect"], int(at.group(1)), int(at.group(2)), options)


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.tm"))


CASES = [parse_case(p) for p in corpus_files()]


def describe(results: list[CommandResult]) -> str:
    return "\n".join(f"  {r.loc}: {'ok' if r.ok else 'error'}: {r.kind} {r.name}: {r.message}" for r in results)


def run_case(case: Case, options: Options | None = None) -> list[CommandResult]:
    return check_files([str(case.path)], options if options is not None else case.opts())


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= MIN_CORPUS, f"only {len(CASES)} corpus files"
    names = [c.path.name for c in CASES]
    for name in names:
        assert re.fullmatch(r"\d\d_[a-z0-9_A-Z]+\.tm", name), f"bad corpus file name {name}"
    prefixes = [n[:2] for n in names]
    assert len(set(prefixes)) == len(prefixes), "corpus numbers must be unique"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rejected_precisely(case: Case) -> None:
    results = run_case(case)
    failed = [r for r in results if not r.ok]
    assert failed, f"{case.path.name}: accepted, but it must be rejected\n{describe(results)}"
    first = failed[0]
    assert "Traceback" not in first.message
    assert case.expect in first.message, (
        f"{case.path.name}: expected an error containing {case.expect!r}, got {first.message!r}\n{describe(results)}"
    )
    assert (first.loc.line, first.loc.col) == (case.line, case.col), (
        f"{case.path.name}: error reported at {first.loc.line}:{first.loc.col}, "
        f"expected at {case.line}:{case.col}\n{describe(results)}"
    )
    assert first.loc.file == str(case.path)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_exactly_one_failing_declaration(case: Case) -> None:
    """The setup declarations of a corpus file are fine: only the bad one fails."""
    results = run_case(case)
    failed = [r for r in results if not r.ok]
    assert len(failed) == 1, f"{case.path.name}: {len(failed)} failing results\n{describe(results)}"


SORRY_CASES = [c for c in CASES if "sorry" in c.expect]
AXIOM_CASES = [c for c in CASES if "--forbid-axioms" in c.options]


def test_corpus_covers_the_options() -> None:
    assert len(SORRY_CASES) >= 2 and len(AXIOM_CASES) >= 2


@pytest.mark.parametrize("case", SORRY_CASES, ids=lambda c: c.id)
def test_sorry_cases_pass_with_allow_sorry(case: Case) -> None:
    """The sorry cases are rejected because of ``sorry`` and nothing else."""
    results = run_case(case, case.opts(allow_sorry=True))
    assert all(r.ok for r in results), describe(results)


@pytest.mark.parametrize("case", AXIOM_CASES, ids=lambda c: c.id)
def test_axiom_cases_pass_without_forbid_axioms(case: Case) -> None:
    """The --forbid-axioms cases are rejected because of the option and nothing else."""
    results = run_case(case, case.opts(forbid_axioms=False))
    assert all(r.ok for r in results), describe(results)


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("tactic-mesh")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "tactic_mesh.cli.main"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout, encoding="utf-8")


CLI_SAMPLE = [
    c
    for c in CASES
    if any(
        key in c.id
        for key in (
            "app_arg_type_mismatch",
            "non_positive_inductive",
            "or_large_elim",
            "duplicate_in_file",
            "forbidden_axiom",
            "sorry_in_theorem",
            "unexpected_character",
            "unexpected_eof",
            "sorry_in_instance",
            "non_positive_through_definition",
        )
    )
]


def test_cli_sample_is_not_empty() -> None:
    assert len(CLI_SAMPLE) >= 6


@pytest.mark.parametrize("case", CLI_SAMPLE, ids=lambda c: c.id)
def test_cli_reports_error_with_location(case: Case) -> None:
    proc = cli("check", *case.options, str(case.path))
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert proc.returncode == 1, out
    errors = [line for line in proc.stderr.splitlines() if re.match(r"^.+:\d+:\d+: error: ", line)]
    assert errors, f"no 'file:line:col: error:' line on stderr:\n{proc.stderr}"
    first = errors[0]
    assert first.startswith(f"{case.path}:{case.line}:{case.col}: error: "), first
    assert case.expect in first, first


def test_cli_json_output() -> None:
    case = next(c for c in CASES if "app_arg_type_mismatch" in c.id)
    proc = cli("check", "--json", str(case.path))
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    payload = json.loads(proc.stdout)
    assert payload["ok"] is False
    bad = [r for r in payload["results"] if not r["ok"]]
    assert bad
    assert {k: bad[0][k] for k in ("file", "line", "col")} == {
        "file": str(case.path),
        "line": case.line,
        "col": case.col,
    }
    assert case.expect in bad[0]["message"]
    assert {"kind", "name", "ok", "message", "file", "line", "col"} <= set(bad[0])


def test_cli_whole_corpus_no_traceback() -> None:
    """All corpus files at once (one environment): errors only, never a traceback."""
    proc = cli("check", *(str(c.path) for c in CASES))
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out[-5000:]
    assert proc.returncode == 1
    assert re.search(r"^.+:\d+:\d+: error: ", proc.stderr, re.M)


# ---------------------------------------------------------------------------------------------
# the metavariable context and the unifier
# ---------------------------------------------------------------------------------------------


NAT = Const("Nat")
NAT_TO_NAT = Pi("a", NAT, NAT)


@pytest.fixture(scope="module")
def env() -> Environment:
    return prelude()


def test_cyclic_assignment_rejected() -> None:
    lctx, f = LocalContext().mk_local("f", NAT_TO_NAT)
    mctx, m = MetavarContext().declare(NAT, lctx)
    with pytest.raises(UnifyError, match="cyclic"):
        mctx.assign(m, App(f, m))
    assert not mctx.is_assigned(m)


def test_indirect_cyclic_assignment_rejected() -> None:
    lctx, f = LocalContext().mk_local("f", NAT_TO_NAT)
    mctx, a = MetavarContext().declare(NAT, lctx)
    mctx, b = mctx.declare(NAT, lctx)
    mctx = mctx.assign(a, App(f, b))  # ?a := f ?b is fine
    with pytest.raises(UnifyError, match="cyclic"):
        mctx.assign(b, App(f, a))  # ?b := f ?a = f (f ?b) is not
    assert not mctx.is_assigned(b)


def test_out_of_scope_fvar_assignment_rejected() -> None:
    outer = LocalContext()
    inner, x = outer.mk_local("x", NAT)
    mctx, m = MetavarContext().declare(NAT, outer)
    with pytest.raises(UnifyError, match="out-of-scope"):
        mctx.assign(m, x)
    with pytest.raises(UnifyError, match="out-of-scope"):
        mctx.assign(m, mk_app(Const("Nat.succ"), x))
    assert not mctx.is_assigned(m)
    # the same value is fine for a metavariable that lives under x
    mctx2, n = mctx.declare(NAT, inner)
    assert mctx2.assign(n, x).is_assigned(n)


def test_out_of_scope_mvar_assignment_rejected() -> None:
    outer = LocalContext()
    inner, _ = outer.mk_local("x", NAT)
    mctx, m = MetavarContext().declare(NAT, outer)
    mctx, n = mctx.declare(NAT, inner)  # ?n may mention x, so ?m := ?n would smuggle x in
    with pytest.raises(UnifyError, match="out-of-scope"):
        mctx.assign(m, n)


def test_double_assignment_rejected() -> None:
    mctx, m = MetavarContext().declare(NAT)
    mctx = mctx.assign(m, NatLit(0))
    with pytest.raises(UnifyError, match="already assigned"):
        mctx.assign(m, NatLit(1))


def test_unifier_rejects_cyclic_and_out_of_scope(env: Environment) -> None:
    lctx, f = LocalContext().mk_local("f", NAT_TO_NAT)
    mctx, m = MetavarContext().declare(NAT, lctx)
    mc = MetaChecker(env, mctx, lctx)
    assert not mc.is_def_eq(m, App(f, m))
    assert not mc.mctx.is_assigned(m)

    inner, x = lctx.mk_local("x", NAT)
    mc = MetaChecker(env, mctx, inner)
    assert not mc.is_def_eq(m, x)
    assert not mc.is_def_eq(x, m)
    assert not mc.mctx.is_assigned(m)
    # sanity: an in-scope value is assigned
    assert mc.is_def_eq(m, App(f, NatLit(0)))
    assert mc.mctx.is_assigned(m)


def test_unifier_never_assigns_synthetic_opaque(env: Environment) -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    mctx, g = MetavarContext().declare(NAT, lctx, MVarKind.SYNTHETIC_OPAQUE, "goal")
    mc = MetaChecker(env, mctx, lctx)
    assert not mc.is_def_eq(g, NatLit(0))
    assert not mc.is_def_eq(NatLit(0), g)
    assert not mc.is_def_eq(g, x)
    assert not mc.is_def_eq(mk_app(Const("Nat.succ"), g), mk_app(Const("Nat.succ"), NatLit(3)))
    assert not mc.mctx.is_assigned(g)
    assert mc.is_def_eq(g, g)
    # a natural metavariable against the goal: the natural one is assigned, never the goal
    mctx2, n = mc.mctx.declare(NAT, lctx)
    mc2 = MetaChecker(env, mctx2, lctx)
    assert mc2.is_def_eq(g, n)
    assert not mc2.mctx.is_assigned(g)
    assert mc2.mctx.is_assigned(n)
    assert mc2.mctx.instantiate(n) is g


def test_unifier_never_assigns_synthetic_opaque_function(env: Environment) -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    mctx, g = MetavarContext().declare(NAT_TO_NAT, lctx, MVarKind.SYNTHETIC_OPAQUE, "goal")
    mc = MetaChecker(env, mctx, lctx)
    # a Miller pattern, solvable for a natural metavariable, but not for a goal
    assert not mc.is_def_eq(App(g, x), mk_app(Const("Nat.succ"), x))
    assert not mc.mctx.is_assigned(g)


# ---------------------------------------------------------------------------------------------
# the kernel itself (what the elaborator cannot be trusted with)
# ---------------------------------------------------------------------------------------------


def test_kernel_rejects_theorem_with_open_hole(env: Environment) -> None:
    _, m = MetavarContext().declare(Const("True"))
    with pytest.raises(KernelError, match="unassigned metavariable"):
        add_decl(env, TheoremDecl("open_hole", (), Const("True"), m))
    with pytest.raises(KernelError, match="unassigned metavariable"):
        add_decl(env, TheoremDecl("open_hole", (), Const("True"), App(Lam("h", Const("True"), m), Const("True.intro"))))
    # the hole in the statement
    with pytest.raises(KernelError, match="metavariable"):
        add_decl(env, TheoremDecl("open_stmt", (), m, Const("True.intro")))
    assert "open_hole" not in env and "open_stmt" not in env


def test_kernel_rejects_bare_mvar_even_if_assignable(env: Environment) -> None:
    """The kernel knows no metavariable context: an assigned-elsewhere MVar is still a hole."""
    mctx, m = MetavarContext().declare(Const("True"))
    mctx = mctx.assign(m, Const("True.intro"))
    with pytest.raises(KernelError, match="unassigned metavariable"):
        add_decl(env, TheoremDecl("open_hole2", (), Const("True"), m))


def test_kernel_rejects_self_reference(env: Environment) -> None:
    """``def loop : Nat → Nat := fun n => loop n``: no general recursion in the kernel."""
    loop = Lam("n", NAT, App(Const("loop"), BVar(0)))
    with pytest.raises(KernelError, match="loop"):
        add_decl(env, DefinitionDecl("loop", (), NAT_TO_NAT, loop))
    assert "loop" not in env


def test_kernel_rejects_theorem_about_a_type(env: Environment) -> None:
    with pytest.raises(KernelError, match="not a proposition"):
        add_decl(env, TheoremDecl("three", (), NAT, NatLit(3)))


def test_kernel_rejects_large_elimination_of_or(env: Environment) -> None:
    """``Or.rec`` with a ``Type``-valued motive, built by hand (bypassing the elaborator)."""
    true = Const("True")
    or_tt = mk_app(Const("Or"), true, true)
    motive = Lam("_", or_tt, NAT)
    minor = Lam("_", true, NatLit(0))
    for rec in (Const("Or.rec"), Const("Or.rec", (lv.ONE,))):
        value = Lam("h", or_tt, mk_app(rec, true, true, motive, minor, minor, BVar(0)))
        with pytest.raises(KernelError):
            add_decl(env, DefinitionDecl("or_to_nat", (), Pi("h", or_tt, NAT), value))


def test_kernel_rejects_large_elimination_of_exists(env: Environment) -> None:
    """``Exists.rec`` extracting the witness into ``Nat``, built by hand."""
    pred = Lam("n", NAT, Const("True"))
    ex = mk_app(Const("Exists", (lv.ONE,)), NAT, pred)
    motive = Lam("_", ex, NAT)
    minor = Lam("w", NAT, Lam("h", Const("True"), BVar(1)))
    for levels in ((lv.ONE,), (lv.ONE, lv.ONE)):
        rec = Const("Exists.rec", levels)
        value = Lam("h", ex, mk_app(rec, NAT, pred, motive, minor, BVar(0)))
        with pytest.raises(KernelError):
            add_decl(env, DefinitionDecl("witness", (), Pi("h", ex, NAT), value))


def test_kernel_accepts_the_small_eliminations(env: Environment) -> None:
    """Sanity check of the hand-built terms above: into ``Prop`` they are fine."""
    true = Const("True")
    or_tt = mk_app(Const("Or"), true, true)
    motive = Lam("_", or_tt, true)
    minor = Lam("_", true, Const("True.intro"))
    value = Lam("h", or_tt, mk_app(Const("Or.rec"), true, true, motive, minor, minor, BVar(0)))
    add_decl(env, TheoremDecl("or_to_true", (), Pi("h", or_tt, true), value))


# ---------------------------------------------------------------------------------------------
# deep nesting: 100 000 levels, generated here
# ---------------------------------------------------------------------------------------------

DEPTH = 100_000
DEEP_TIMEOUT = float(os.environ.get("TACTIC_MESH_DEEP_TIMEOUT", "120"))  # seconds per input
DEEP_MEMORY = 6 << 30  # address-space limit of the checking process

# The checker runs in a child process: a crash (stack overflow, MemoryError, a hang) must fail
# this test, not take the test runner down with it.
_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from tactic_mesh.cli.check import check_files
    from tactic_mesh.kernel.commands import Options
    results = check_files([sys.argv[1]], Options())
    json.dump([r.to_json() for r in results], sys.stdout)
    """
)


@dataclass(frozen=True)
class Deep:
    name: str
    text: str
    ok: bool  # True: must be accepted; False: must be rejected with expect at (line, col)
    expect: str = ""
    at: tuple[int, int] | None = None  # None: any location
    deep: bool = True  # a nesting depth the checker must handle (no "nested too deeply")


def _deep_cases() -> list[Deep]:
    n = DEPTH
    prefix = "def deep : Nat := "
    return [
        Deep("parens", prefix + "(" * n + "0" + ")" * n + "\n", True),
        Deep(
            "parens_ill_typed",
            prefix + "(" * n + "Bool.true" + ")" * n + "\n",
            False,
            "type mismatch",
            (1, len(prefix) + n + 1),
        ),
        Deep(
            "parens_unclosed",
            prefix + "(" * n + "0\n",
            False,
            "unexpected end of input",
            (2, 1),
        ),
        Deep("nots", "def deep : Prop := " + "¬" * n + "True\n", True),
        Deep(
            "not_of_nat",
            "def deep : Prop := " + "¬" * n + "0\n",
            False,
            "type mismatch",
            (1, len("def deep : Prop := ") + n + 1),
        ),
        Deep("arrows", "def deep : Type := " + "Nat → " * n + "Nat\n", True),
        Deep("foralls", "def deep : Prop := " + "∀ x : Nat, " * n + "True\n", True),
        Deep("funs", "def deep := " + "fun (x : Nat) => " * n + "0\n", True),
        Deep("succs", prefix + "Nat.succ (" * n + "0" + ")" * n + "\n", True),
        Deep("ands", "def deep : Prop := " + " ∧ ".join(["True"] * n) + "\n", True),
        # not deep, but the same kind of resource problem: a false equation between literals
        # whose evaluation is beyond the kernel's literal arithmetic must still be rejected
        Deep("huge_pow", "theorem deep : Nat.pow 2 100000000 = 0 := rfl\n", False, deep=False),
    ]


DEEP_CASES = _deep_cases()


@pytest.mark.parametrize("case", DEEP_CASES, ids=lambda c: c.name)
def test_deep_nesting(case: Deep, tmp_path: Path) -> None:
    path = tmp_path / f"deep_{case.name}.tm"
    path.write_text(case.text, encoding="utf-8")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(DEEP_MEMORY)],
            capture_output=True,
            text=True,
            timeout=DEEP_TIMEOUT,
            encoding="utf-8",
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.name}: not checked within {DEEP_TIMEOUT:.0f} s")
    elapsed = time.monotonic() - start
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "RecursionError" not in out, f"{case.name}:\n{out[-3000:]}"
    assert proc.returncode == 0, f"{case.name}: checker crashed (exit {proc.returncode}):\n{out[-3000:]}"
    results = json.loads(proc.stdout)
    assert results, case.name
    if case.deep:
        for r in results:
            assert "nested too deeply" not in r["message"], f"{case.name}: {r['message']}"
    failed = [r for r in results if not r["ok"]]
    if case.ok:
        assert not failed, f"{case.name}: rejected ({elapsed:.1f} s): {failed[0]['message'][:500]}"
    else:
        assert failed, f"{case.name}: accepted but must be rejected"
        first = failed[0]
        assert case.expect in first["message"], f"{case.name}: {first['message'][:500]}"
        assert case.at is None or (first["line"], first["col"]) == case.at, (
            f"{case.name}: error at {first['line']}:{first['col']}, expected at {case.at}"
        )
