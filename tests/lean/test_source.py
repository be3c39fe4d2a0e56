"""Lean 4 source export (``tactic_mesh.lean.source``): the structure of the file for the prelude and
the library, names and escaping, universes, inductive types, implicit lambdas, errors, the read-back
self-check, and proof artifacts as input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.elab_core import structures
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    ConstructorInfo,
    DefinitionDecl,
    Environment,
    RecursorInfo,
    TheoremDecl,
)
from tactic_mesh.kernel.expr import PROP, App, BinderInfo, BVar, Const, Lam, NatLit, Pi, collect_consts
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.lean.source import (
    PROMOTE_OFF,
    SUPPORT_NAMES,
    UNIVERSE_CHECK_OFF,
    LeanSourceExport,
    dependency_closure,
    export_lean,
)
from tactic_mesh.lean.source_inputs import ExportInput, artifact_input, library_input, sources_of_text, tm_input
from tactic_mesh.lean.source_names import LeanNameError, declaration_ident, is_plain_ident, lean_ident, unescape_ident
from tactic_mesh.lean.source_parse import LeanParseError, check_roundtrip, parse_lean, tokenize

HEAD = re.compile(
    r"^(?:noncomputable )?(?:theorem|def|abbrev|instance|axiom|inductive|structure|class inductive|class) (\S+?)"
    r"(?:\.\{[^}]*\})?(?: |$)"
)


def _export(inp: ExportInput) -> LeanSourceExport:
    return export_lean(inp.env, inp.names, inp.sources, inp.files)


def _code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("--")]


def _heads(text: str) -> dict[str, int]:
    """Declared name → line number of its command."""
    out: dict[str, int] = {}
    for i, line in enumerate(text.splitlines(), 1):
        m = HEAD.match(line)
        if m:
            out[unescape_ident(m.group(1))] = i
    return out


def _roundtrip(result: LeanSourceExport, env: Environment) -> list[str]:
    return check_roundtrip(result.text, env, result.declarations, result.generated, result.support)


@pytest.fixture(scope="module")
def library() -> tuple[ExportInput, LeanSourceExport]:
    inp = library_input()
    return inp, _export(inp)


USER = """\
def open (n : Nat) : Nat := n
theorem this : True := True.intro
theorem ℕthing : True := True.intro
universe w
inductive Wrap (α : Sort w) : Sort (max 1 w) where
  | mk (x : α) : Wrap α
inductive PBox (α : Sort w) : Sort w where
  | mk (x : α) : PBox α
inductive Empty2 : Nat → Prop
inductive Vec (α : Type) : Nat → Type where
  | nil : Vec α 0
  | cons {n : Nat} (x : α) (xs : Vec α n) : Vec α (n + 1)
inductive Same {α : Type} (a : α) : α → Prop where
  | here : Same a a
theorem strict_t ⦃p : Prop⦄ (h : p) : p := h
theorem let_t (p : Prop) (h : p) : p := let q := h; q
def redex : Nat := (fun x => x) 3
structure Pt where
  x : Nat
  y : Nat
class Pointed (α : Type) where
  pt : α
instance instPointedNat : Pointed Nat := ⟨0⟩
def usept (α : Type) [Pointed α] : α := Pointed.pt
theorem big : 99999999999999999999 + 1 = 100000000000000000000 := rfl
theorem by_t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  exact hp
  exact hq
def List.twice (n : Nat) : Nat := n
def twice (n : Nat) : Nat := n
theorem List.uses_root : twice 0 = 0 := rfl
"""


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportInput, LeanSourceExport, Path]:
    path = tmp_path_factory.mktemp("user") / "user.tm"
    path.write_text(USER, encoding="utf-8")
    inp = tm_input([path])
    return inp, _export(inp), path


# -- the library -------------------------------------------------------------------------------


def test_library_file_starts_with_prelude_and_options(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, result = library
    assert result.ok, [str(e) for e in result.errors]
    lines = result.text.splitlines()
    assert lines[0] == "prelude"
    assert "set_option autoImplicit false" in lines and "set_option genInjectivity false" in lines
    assert f"-- Environment root hash: {result.environment_hash}" in lines
    for f in inp.files:
        assert f"--   {f}" in lines
    assert "import" not in {line.split()[0] for line in _code_lines(result.text)}


def test_every_library_declaration_once_in_dependency_order(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, result = library
    env = inp.env
    projections = {f"{s}.{f}" for s, (_, fields) in structures(env).items() for f in fields}
    own = [n for n in env.names() if not isinstance(env.find(n), (ConstructorInfo, RecursorInfo))
           and n not in projections]
    assert list(result.declarations) == own
    assert set(result.generated) == set(env.names()) - set(own)
    heads = _heads(result.text)
    declared = [n for n in heads if n not in SUPPORT_NAMES]
    assert declared == own  # each exactly once, in the environment's order

    def owner(name: str) -> str:
        info = env.find(name)
        if isinstance(info, (ConstructorInfo, RecursorInfo)):
            return info.induct
        return name.rsplit(".", 1)[0] if name in projections else name

    for name in own:
        info = env.find(name)
        assert info is not None
        deps = collect_consts(info.type) | collect_consts(getattr(info, "value", info.type))
        for dep in deps - {name}:
            assert heads[owner(dep)] < heads[name], (name, dep)


def test_library_reads_back(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, result = library
    assert _roundtrip(result, inp.env) == []
    assert len(parse_lean(result.text)) == len(result.declarations) + 2  # + OfNat, instOfNatNat


def test_read_back_catches_printing_mistakes(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, result = library
    text = result.text
    mutations = [
        ("(h : @Eq.{u} α a b) : @Eq.{u} α b a", "(h : @Eq.{u} α a b) : @Eq.{u} α a a"),  # a wrong term
        ("(Sort u)", "Sort u"),  # a level lost in argument position
        ("@Eq.refl.{u} α a", "Eq.refl.{u} α a"),  # implicit arguments would be inserted
        ("{α : Sort u} {a : α} : @Eq.{u} α a a", "(α : Sort u) {a : α} : @Eq.{u} α a a"),  # binder info
        ("(0 : Nat)", "(1 : Nat)"),  # a literal
        ("inductive Nat : Type where", "inductive Nat : Type 1 where"),  # a universe
        ("@Nat.rec.{1}", "@Nat.rec.{0}"),  # a universe argument
    ]
    for old, new in mutations:
        assert old in text, old
        changed = text.replace(old, new, 1)
        assert check_roundtrip(changed, inp.env, result.declarations, result.generated, result.support), old
    # a declaration moved after its first use is an unknown identifier when it is used
    start = text.index("theorem _root_.Eq.symm")
    end = text.index("\n\n", start)
    block = text[start:end]
    moved = text[:start] + text[end + 2 :] + "\n\n" + block + "\n"
    problems = check_roundtrip(moved, inp.env, result.declarations, result.generated, result.support)
    assert problems and "unknown identifier 'Eq.symm'" in problems[0]


def test_no_notation_only_explicit_terms(library: tuple[ExportInput, LeanSourceExport]) -> None:
    _, result = library
    code = _code_lines(result.text)
    forbidden = re.compile(r"[∧∨¬↔≠◇∃⟨⟩≤≥<>*^%]| = |\+\+|λ|nat_lit|\bby\b|\bsorry\b")
    for line in code:
        stripped = re.sub(r"«[^»]*»", "", line).replace("=>", "").replace("no_implicit_lambda%", "")
        assert not forbidden.search(stripped), line
        # `+` only in universe levels: `u + 1`
        for m in re.finditer(r"\+", stripped):
            assert re.match(r" \d", stripped[m.end():]), line
        for open_, close in ("()", "{}", "[]", "⦃⦄"):
            assert stripped.count(open_) == stripped.count(close), line
        # a digit is a literal `(n : Nat)`, a universe level or part of an identifier
        rest = re.sub(r"\(\d+ : Nat\)|\.\{[^}]*\}|(Sort|Type) (\(max [^()]*(\([^()]*\)[^()]*)*\)|\([^()]*\)|\w+)",
                      "", stripped)
        rest = re.sub(r"[^\W\d][\w'!?₀-₉]*", "", rest)
        assert not re.search(r"\d", rest), line
    numerals = re.findall(r"\((\d+) : Nat\)", result.text)
    assert numerals and "99999999999999999999" in numerals
    tokenize(result.text)  # every character is one the exporter means to write


def test_universe_parameters_are_explicit(library: tuple[ExportInput, LeanSourceExport]) -> None:
    _, result = library
    text = result.text
    assert "theorem _root_.Eq.symm.{u} {α : Sort u} {a : α} {b : α} (h : @Eq.{u} α a b) : @Eq.{u} α b a :=" in text
    assert "structure Prod.{u, v} (α : Type u) (β : Type v) : Sort (max (u + 1) (v + 1)) where" in text
    assert "@Eq.rec.{0, u} α a" in text  # the recursor: motive universe first, as Lean generates it
    assert "theorem congrFun.{u, v}" in text and "@Eq.{imax u v}" in text
    assert "universe " not in text


def test_prelude_inductives_and_classes(library: tuple[ExportInput, LeanSourceExport]) -> None:
    _, result = library
    text = result.text
    assert "inductive Eq.{u} {α : Sort u} : α → α → Prop where\n  | refl (a : α) : @Eq α a a" in text
    assert "inductive _root_.Nat.le (n : Nat) : Nat → Prop where" in text
    assert "  | step {m : Nat} (h : @Nat.le n m) : @Nat.le n (@Nat.succ m)" in text
    assert "structure And (a : Prop) (b : Prop) : Prop where\n  intro ::\n  left : a\n  right : b" in text
    assert "class Magma.{u} (α : Type u) : Type u where\n  mk ::\n  op : α → α → α" in text
    assert "class inductive Decidable (p : Prop) : Type where" in text
    assert "inductive False : Prop\n" in text
    assert "noncomputable instance instAddNat : @Add.{0} Nat :=" in text
    assert "\ninstance instLENat : @LE.{0} Nat :=" in text  # no recursor: computable
    assert "noncomputable def _root_.Nat.add (n : Nat) (m : Nat) : Nat :=" in text
    assert "\ndef Not (a : Prop) : Prop :=\n  a → False" in text
    assert "theorem _root_.Nat.succ.inj" in text
    assert "def decide (p : Prop) [h : @Decidable p] : Bool :=" in text
    assert "@[simp]\ntheorem _root_.Nat.add_zero" in text
    # the numeral support comes right after Nat, before the first literal
    nat = text.index("inductive Nat : Type where")
    support = text.index("class OfNat.{u} (α : Type u) (n : Nat) : Type u where")
    assert nat < support < text.index("instance instOfNatNat (n : Nat) : @OfNat.{0} Nat n :=")
    assert support < text.index("(0 : Nat)")
    assert result.support == SUPPORT_NAMES


def test_tactic_scripts_are_kept_as_comments(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, result = library
    by_proofs = [n for n, s in inp.sources.items() if s.tactic_script is not None]
    assert result.tactic_proofs == len(by_proofs) > 100
    text = result.text
    i = text.index("theorem _root_.And.comm (a : Prop) (b : Prop)")
    before = text[:i].rsplit("\n\n", 1)[1]
    assert before.startswith("-- <library>/tactics.tm:")
    assert "--   by\n--     constructor\n--     intro h\n--     cases h\n" in before
    after = text[i:].split("\n\n", 1)[0]
    assert "constructor" not in after and "@Iff.intro" in after  # the kernel-checked term


def test_dependency_closure_of_one_theorem(library: tuple[ExportInput, LeanSourceExport]) -> None:
    inp, _ = library
    assert dependency_closure(inp.env, ["and_comm"]) == [
        "And", "And.intro", "And.rec", "And.left", "And.right", "Iff", "Iff.intro", "Iff.rec", "Iff.mp", "Iff.mpr",
        "And.symm", "and_comm"]
    result = export_lean(inp.env, ["and_comm"], inp.sources)
    assert result.declarations == ("And", "Iff", "And.symm", "and_comm")
    assert result.support == () and "OfNat" not in result.text
    assert _roundtrip(result, inp.env) == []


# -- names -------------------------------------------------------------------------------------


def test_identifiers_and_escaping() -> None:
    assert lean_ident("Nat.add") == "Nat.add"
    assert lean_ident("List.append_assoc'") == "List.append_assoc'"
    assert lean_ident("fun") == "«fun»" and lean_ident("Foo.end.x") == "Foo.«end».x"
    assert lean_ident("a b") == "«a b»" and lean_ident("1x") == "«1x»" and lean_ident("a◇b") == "«a◇b»"
    assert lean_ident("h₁") == "h₁" and lean_ident("ℕthing") == "ℕthing" and lean_ident("αβ") == "αβ"
    assert lean_ident("λx") == "«λx»"  # λ is not a letter for Lean
    assert declaration_ident("Nat.add") == "_root_.Nat.add" and declaration_ident("rfl") == "rfl"
    assert not is_plain_ident("_") and not is_plain_ident("this") and is_plain_ident("_x")
    for bad in ("", "a»b", "x.«y", "_root_.x"):
        with pytest.raises(LeanNameError):
            lean_ident(bad)
    assert unescape_ident("_root_.Foo.«end».x") == "Foo.end.x"


def test_user_file_names_universes_and_inductives(user: tuple[ExportInput, LeanSourceExport, Path]) -> None:
    inp, result, path = user
    assert result.ok, [str(e) for e in result.errors]
    text = result.text
    assert f"-- {path}:1:1\ndef «open» (n : Nat) : Nat :=" in text
    assert "theorem «this» : True :=" in text and "theorem ℕthing : True :=" in text
    assert "inductive Wrap.{w} (α : Sort w) : Sort (max 1 w) where" in text
    assert f"{UNIVERSE_CHECK_OFF}\ninductive PBox.{{w}} (α : Sort w) : Sort w where" in text
    assert f"{UNIVERSE_CHECK_OFF}\ninductive Wrap" not in text
    assert f"{PROMOTE_OFF}\ninductive Empty2 : Nat → Prop\n" in text  # Lean would make the index a parameter
    assert "inductive Vec (α : Type) : Nat → Type where\n  | nil : @Vec α (0 : Nat)" in text
    # a declared parameter stays before the colon (Eq's promoted `a` is a constructor field: see above)
    assert "inductive Same {α : Type} (a : α) : α → Prop where\n  | here : @Same α a a" in text
    assert "theorem strict_t ⦃p : Prop⦄ (h : p) : p :=" in text
    assert "let q : p := h; q" in text
    assert "(fun (x : Nat) => x) (3 : Nat)" in text
    assert "structure Pt : Type where\n  mk ::\n  x : Nat\n  y : Nat" in text
    assert "instance instPointedNat : @Pointed Nat :=" in text
    assert "def usept (α : Type) [inst : @Pointed α] : α :=\n  @Pointed.pt α inst" in text
    assert "--   by\n--     constructor\n--     exact hp\n--     exact hq\ntheorem by_t" in text
    # inside `List.uses_root`, `twice` could be read as `List.twice`: the root constant is written `_root_.twice`
    assert "theorem _root_.List.uses_root : @Eq.{1} Nat (@_root_.twice (0 : Nat)) (0 : Nat) :=" in text
    assert _roundtrip(result, inp.env) == []


def test_sources_of_text_locates_declarations() -> None:
    found = sources_of_text("theorem a : True := True.intro\n\ntheorem b : True := by\n  exact True.intro\n", "f.tm")
    assert str(found["a"].loc) == "f.tm:1:1" and found["a"].tactic_script is None
    assert str(found["b"].loc) == "f.tm:3:1" and found["b"].tactic_script is not None
    assert "exact True.intro" in found["b"].tactic_script
    assert sources_of_text("theorem broken", "g.tm") == {}


# -- terms Lean would elaborate differently, and terms it cannot express ----------------------


def _with(env: Environment, *decls: object) -> Environment:
    for decl in decls:
        env = add_decl(env, decl)  # type: ignore[arg-type]
    return env


def test_binder_info_mismatch_gets_no_implicit_lambda() -> None:
    env = _with(prelude(), TheoremDecl(
        "mism", (), Pi("p", PROP, Pi("h", BVar(0), BVar(1)), BinderInfo.IMPLICIT),
        Lam("p", PROP, Lam("h", BVar(0), BVar(0)))))
    result = export_lean(env, ["mism"])
    assert result.ok
    assert "theorem mism : ∀ {p : Prop}, p → p :=\n  no_implicit_lambda% (fun (p : Prop) (h : p) => h)" in result.text
    assert _roundtrip(result, env) == []
    matching = _with(prelude(), TheoremDecl(
        "ok", (), Pi("p", PROP, Pi("h", BVar(0), BVar(1)), BinderInfo.IMPLICIT),
        Lam("p", PROP, Lam("h", BVar(0), BVar(0)), BinderInfo.IMPLICIT)))
    text = export_lean(matching, ["ok"]).text
    assert "theorem ok {p : Prop} (h : p) : p :=\n  h" in text and "no_implicit_lambda" not in text


def test_declarations_that_cannot_be_exported_are_named() -> None:
    nat = Const("Nat")
    env = _with(
        prelude(),
        DefinitionDecl("red", (), nat, App(Lam("x", nat, BVar(0), BinderInfo.IMPLICIT), NatLit(3))),
        AxiomDecl("bad»name", (), PROP),
        AxiomDecl("uses_bad", (), Const("bad»name")),
        AxiomDecl("fine", (), PROP),
    )
    result = export_lean(env, ["red", "uses_bad", "fine"])
    messages = [e.message for e in result.errors]
    assert any(m.startswith("cannot export 'red': a β-redex") for m in messages)
    assert "cannot export 'bad»name': the name component 'bad»name' cannot be written in Lean 4" in messages
    assert "cannot export 'uses_bad': it depends on 'bad»name', which cannot be exported" in messages
    assert "fine" in result.declarations and "red" not in result.declarations
    assert "-- tactic-mesh: 'uses_bad' is not exported:" in result.text
    assert "axiom fine : Prop" in result.text


def test_errors_carry_the_source_location(tmp_path: Path) -> None:
    env = _with(prelude(), AxiomDecl("bad»x", (), PROP))
    from tactic_mesh.kernel.errors import Location
    from tactic_mesh.lean.source import DeclSource

    result = export_lean(env, ["bad»x"], {"bad»x": DeclSource(Location("f.tm", 7, 3))})
    assert [str(e) for e in result.errors] == [
        "f.tm:7:3: cannot export 'bad»x': the name component 'bad»x' cannot be written in Lean 4"]


def test_numerals_need_the_name_ofnat() -> None:
    env = _with(prelude(), AxiomDecl("OfNat", (), PROP))
    result = export_lean(env, ["Nat.pred", "Or.elim"])
    assert [e.message for e in result.errors] == [
        "cannot export 'Nat.pred': it has a numeral, which the file writes with Lean's `OfNat`, but the environment "
        "declares 'OfNat' itself"]
    assert "Or.elim" in result.declarations and "class OfNat" not in result.text


def test_unused_universe_parameter_is_refused() -> None:
    env = _with(prelude(), AxiomDecl("poly", ("u",), PROP))
    result = export_lean(env, ["poly"])
    assert [e.message for e in result.errors] == [
        "cannot export 'poly': its universe parameter 'u' occurs nowhere (Lean rejects unused universe parameters)"]


def test_parser_rejects_what_the_exporter_never_writes() -> None:
    for bad in ("prelude\naxiom a : p ∧ q", "prelude\naxiom a : Prop\naxiom a : Prop", "prelude\naxiom b : 3",
                "prelude\naxiom c : A.b\naxiom _root_.A.b : Prop", "axiom a : Prop",
                "prelude\naxiom A.b : Prop", "prelude\naxiom f : Prop → Prop\naxiom c : f Prop",
                "prelude\naxiom c : Prop → Sort"):
        with pytest.raises(LeanParseError):
            parse_lean(bad)
    decls = parse_lean("prelude\naxiom a.{u} : Sort (max u 1) → Prop\naxiom b : Prop → ∀ (x : Prop), x")
    assert [d.name for d in decls] == ["a", "b"] and decls[0].level_params == ("u",)


# -- artifacts ---------------------------------------------------------------------------------


def test_artifacts_as_input(tmp_path: Path) -> None:
    source = tmp_path / "small.tm"
    source.write_text(
        "theorem t1 (p : Prop) (h : p) : p ∧ p := by\n  constructor\n  exact h\n  exact h\n\n"
        "theorem t2 (p : Prop) (h : p) : p := (t1 p h).1\n", encoding="utf-8")
    out = tmp_path / "artifacts"
    assert main(["check", str(source), "--trace", str(out), "-q"]) == 0
    inp = artifact_input([out / "t1_proof_term.json.gz", out / "t2_proof_term.json.gz"])
    assert inp.names == ("t1", "t2")
    result = _export(inp)
    assert result.ok and result.declarations[-2:] == ("t1", "t2")
    assert "And" in result.declarations and "Nat" not in result.declarations
    text = result.text
    assert f"-- {source}:1:1\n-- from the proof artifact {out / 't1_proof_term.json.gz'}" in text
    assert "--   by\n--     constructor\n" in text
    assert _roundtrip(result, inp.env) == []


# -- what Lean's elaborator assumes about names (checked against Lean's sources) -----------------


def test_simp_on_an_iff_needs_propext(tmp_path: Path) -> None:
    # Lean's `simp` attribute rewrites `a ↔ b` to `a = b` with `propext` (SimpTheorems.preprocess)
    source = tmp_path / "iff.tm"
    source.write_text("@[simp] theorem iff_self_t (p : Prop) : p ↔ p := Iff.refl p\n"
                      "@[simp] theorem eq_self_t (n : Nat) : n = n := rfl\n", encoding="utf-8")
    inp = tm_input([source])
    result = _export(inp)
    assert result.ok, [str(e) for e in result.errors]
    assert "@[simp]\ntheorem eq_self_t" in result.text
    assert "@[simp]\ntheorem iff_self_t" not in result.text
    assert "needs `propext`, which this file does not declare)\ntheorem iff_self_t" in result.text
    assert _roundtrip(result, inp.env) == []
    with_propext = tmp_path / "propext.tm"
    with_propext.write_text("axiom propext {a b : Prop} : (a ↔ b) → a = b\n"
                            "@[simp] theorem iff_self_u (p : Prop) : p ↔ p := Iff.refl p\n", encoding="utf-8")
    assert "@[simp]\ntheorem iff_self_u" in _export(tm_input([with_propext])).text


def test_builtin_keywords_are_quoted_and_reserved_names_refused() -> None:
    for keyword in ("structure", "mut", "let_fun"):
        assert lean_ident(keyword) == f"«{keyword}»" and not is_plain_ident(keyword)
    nat = Const("Nat")
    env = _with(prelude(), DefinitionDecl("f", (), nat, NatLit(0)),
                TheoremDecl("f.eq_unfold", (), Const("True"), Const("True.intro")))
    result = export_lean(env, ["f.eq_unfold"])
    assert [e.message for e in result.errors] == [
        "cannot export 'f.eq_unfold': Lean reserves 'f.eq_unfold' for an equation lemma of 'f'"]


def test_lean_signatures_of_sorryax_and_letfun_are_noted(library: tuple[ExportInput, LeanSourceExport]) -> None:
    text = library[1].text
    assert "-- Lean's own is `axiom sorryAx (α : Sort u) (synthetic : Bool) : α`, unlike ours:" in text
    assert "-- Lean's own is `def letFun {α : Sort u} {β : α → Sort v}" in text
