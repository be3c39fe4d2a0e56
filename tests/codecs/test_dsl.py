"""The DSL of core tactic programs: exact printed forms, print/parse round trips, syntax errors
located with the expected tokens, robustness (fuzzing, 100 000-bind chains, deep nesting); derived
tactic blocks `by { … }` mixed with core constructs (every by block of the library, generated
trees, fallbacks, located errors)."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from program_strategies import ANY_CHAR, derandomized, programs

from tactic_mesh.calculus.tactic_syntax import TacticCall, split_block
from tactic_mesh.calculus.tactics import defer, defer_seq
from tactic_mesh.calculus.tactics.registry import TACTIC_CONTRACT as TACTIC
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Contract,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VUnit,
    VVar,
    seq,
)
from tactic_mesh.codecs.dsl import (
    MAX_DEPTH,
    MAX_TACTIC_BRACKETS,
    MAX_TACTIC_DEPTH,
    DslError,
    parse_program,
    parse_value,
    print_program,
    print_value,
    program_comments,
)
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Const
from tactic_mesh.kernel.syntax import ByBlock, parse_file

SETTINGS = derandomized(300)

# ---------------------------------------------------------------------------------------------
# strategies: every node class, every value class but VExpr, nasty strings
# ---------------------------------------------------------------------------------------------

NASTY = [
    "", " ", "_", "x", "x'", "h₁", "α", "ℕ", "Nat.add_comm", "x.1", "1x", "٣x", "x٣", "a b", "a.b.", ".a",
    "pure", "let", "with", "known", "scored", "pure.x", "pure'", "purex", "fix", "op", "rec",
    '"', "\\", '\\"', "\n", "\r\n", "\t", "\x00", "\x1f", "\x7f", "\x85", "\u2028", "\ufeff", "\u200b",
    "\ud800", "\udfff", "\ud83d\ude00", "😀", "\U0010ffff", "\U000e0001",
    "⟪", "⟫", "⟪x⟫", "⟫⟪", "--", "-- comment", "x -- y", "\\u0041", "\\U0001F600", "\\q",
    "#goal", "#expr", "'x", "{", "}", "[", "]", "(", ")", "|", ";", "←", "<-", ":", ",", "?",
    "fun x => x + 1", "∀ n, n + 0 = n", "cp0:3", "  leading and trailing  ",
]
TEXT = st.one_of(st.text(ANY_CHAR, max_size=12), st.sampled_from(NASTY), st.text("ab\"\\⟪⟫ \n-'.", max_size=8))
IDENTS = st.one_of(st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_']{0,5}(\.[a-z][a-z0-9]{0,3})?", fullmatch=True), TEXT)
NAMES = st.one_of(IDENTS, st.just("_"))
# huge integers are built by a map: their repr (in hypothesis' reports) is beyond Python's limit
INTS = st.one_of(
    st.integers(),
    st.tuples(st.sampled_from([-1, 1]), st.integers(4290, 9000), st.integers(-5, 5)).map(
        lambda p: p[0] * 10 ** p[1] + p[2]
    ),
)

COUNTS = st.one_of(st.none(), st.integers(min_value=-3, max_value=10), INTS)
SURFACES = st.one_of(TEXT, st.sampled_from(["n + 0", "fun x => x", "⟨a, b⟩", "h ▸ rfl"]))
VALUES, LEAF_TERMS, TERMS = programs(TEXT, NAMES, INTS, COUNTS, surfaces=SURFACES)


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(TERMS)
def test_program_round_trip(t: Term) -> None:
    text = print_program(t)
    assert parse_program(text) == t
    assert print_program(parse_program(text)) == text  # the printed form is canonical


@settings(SETTINGS, max_examples=150)
@given(TERMS, st.sampled_from([0, 1, 20, 60]))
def test_program_round_trip_narrow(t: Term, width: int) -> None:
    """Broken layouts (every group on its own lines) parse back too."""
    assert parse_program(print_program(t, width=width)) == t


@SETTINGS
@given(VALUES)
def test_value_round_trip(v: Value) -> None:
    text = print_value(v)
    assert parse_value(text) == v
    assert parse_value(print_value(v, width=0)) == v


@SETTINGS
@given(TEXT)
def test_any_string_round_trips(s: str) -> None:
    for v in (VStr(s), VGoal(s), VName(s), VSurface(s), VVar(s)):
        assert parse_value(print_value(v)) == v
    assert parse_program(print_program(Bind(s, Pure(), Op(s, (VRecord(((s, VUnit()),)),))))) == Bind(
        s, Pure(), Op(s, (VRecord(((s, VUnit()),)),))
    )


def test_printed_strings_are_one_line_and_printable() -> None:
    text = print_value(VStr("a\nb\t\x00\ud800\u2028😀é\"\\"))
    assert text == '"a\\nb\\t\\u0000\\U0000d800\\u2028😀é\\"\\\\"'
    assert text.isprintable()


# ---------------------------------------------------------------------------------------------
# exact printed forms
# ---------------------------------------------------------------------------------------------

A = Op("A")
B = Op("B")

EXAMPLES: list[tuple[Term, str]] = [
    (Pure(), "pure ()"),
    (Fail(VStr("failed")), 'fail "failed"'),
    (Bind("x", Op("Intro"), Pure(VVar("x"))), "let x ← op Intro(); pure x"),
    (seq(A, B, Pure()), "op A(); op B(); pure ()"),
    (Bind("_", Bind("x", A, Pure(VVar("x"))), B), "(let x ← op A(); pure x); op B()"),
    (Choice(Policy.BACKTRACK, (A, B)), "choice[backtrack] { op A() | op B() }"),
    (Choice(Policy.COMMIT, (seq(A, B), Pure())), "choice[commit] { op A(); op B() | pure () }"),
    (Choice(Policy.FAIR, ()), "choice[fair] {}"),
    (Choice(Policy.SCORED, (A,), "router"), 'choice[scored "router"] { op A() }'),
    (Choice(Policy.COMMIT, (A,), "odd"), 'choice[commit "odd"] { op A() }'),
    (Scoped("checkpoint", A), 'scoped "checkpoint" { op A() }'),
    (Scoped("fuel 100", seq(A, B)), 'scoped "fuel 100" { op A(); op B() }'),
    (Focus("all", A), 'focus "all" { op A() }'),
    (Handle("kernel", A), 'handle "kernel" { op A() }'),
    (
        Fix("f", Choice(Policy.COMMIT, (seq(Op("Step"), Rec("f")), Pure()))),
        "fix f . { choice[commit] { op Step(); rec f | pure () } }",
    ),
    (Rec("f"), "rec f"),
    (Rec("pure"), 'rec "pure"'),
    (Op("Elaborate", (VGoal("cp0:3"), VSurface("n + 0"))), 'op Elaborate(#goal "cp0:3", ⟪n + 0⟫)'),
    (Op("Read Obligation", ()), 'op "Read Obligation"()'),
    (Bind("a b", A, Pure(VVar("a b"))), 'let "a b" ← op A(); pure #var "a b"'),
    (
        Foreign("z3", VRecord((("goal", VGoal("g")),)), Contract(frozenset({"B", "A"}), 1, None, "smt", "steps", True)),
        'foreign "z3" {{goal: #goal "g"}} with {\n'
        '  effects: ["A", "B"],\n'
        "  consumes: 1,\n"
        "  produces: ?,\n"
        '  replay: "smt",\n'
        '  projection: "steps",\n'
        "  refinement: known\n"
        "}",
    ),
    (
        Scoped(
            "checkpoint",
            Bind(
                "x",
                Choice(
                    Policy.COMMIT,
                    (seq(*[Op("Step", (VNum(i), VSurface("n + 0"))) for i in range(6)]), Fail(VStr("no"))),
                ),
                Pure(VVar("x")),
            ),
        ),
        'scoped "checkpoint" {\n'
        "  let x ← choice[commit] {\n"
        "    | op Step(0, ⟪n + 0⟫);\n"
        "      op Step(1, ⟪n + 0⟫);\n"
        "      op Step(2, ⟪n + 0⟫);\n"
        "      op Step(3, ⟪n + 0⟫);\n"
        "      op Step(4, ⟪n + 0⟫);\n"
        "      op Step(5, ⟪n + 0⟫)\n"
        '    | fail "no"\n'
        "  };\n"
        "  pure x\n"
        "}",
    ),
]


@pytest.mark.parametrize(("term", "text"), EXAMPLES, ids=[str(i) for i in range(len(EXAMPLES))])
def test_printed_form(term: Term, text: str) -> None:
    assert print_program(term) == text
    assert parse_program(text) == term


VALUE_EXAMPLES: list[tuple[Value, str]] = [
    (VUnit(), "()"),
    (VGoal("cp0:3"), '#goal "cp0:3"'),
    (VName("Nat.add_comm"), "'Nat.add_comm"),
    (VName("pure"), "'pure"),
    (VName("a b"), '#name "a b"'),
    (VNum(-42), "-42"),
    (VNum(10**30), "1" + "0" * 30),
    (VStr('a\n"b"\\'), '"a\\n\\"b\\"\\\\"'),
    (VStr("π ≤ ∀"), '"π ≤ ∀"'),
    (VSurface("fun x => x"), "⟪fun x => x⟫"),
    (VSurface("a ⟫ b"), '#surface "a ⟫ b"'),
    (VSurface("line\nbreak"), '#surface "line\\nbreak"'),
    (VList((VNum(1), VName("x"), VUnit())), "[1, 'x, ()]"),
    (VList(()), "[]"),
    (VRecord((("a", VNum(1)), ("b c", VNum(2)), ("a", VNum(3)))), '{a: 1, "b c": 2, a: 3}'),
    (VRecord(()), "{}"),
    (VVar("x"), "x"),
    (VVar("let"), '#var "let"'),
    (VVar("_"), "_"),
]


@pytest.mark.parametrize(("value", "text"), VALUE_EXAMPLES, ids=[str(i) for i in range(len(VALUE_EXAMPLES))])
def test_printed_value(value: Value, text: str) -> None:
    assert print_value(value) == text
    assert parse_value(text) == value


def test_huge_integers_round_trip() -> None:
    for n in (10**5000, -(10**5000) + 1, 7**20000):
        assert parse_value(print_value(VNum(n))) == VNum(n)


def test_long_values_break_lines() -> None:
    v = VRecord(tuple((f"field{i}", VList(tuple(VNum(j) for j in range(i)))) for i in range(12)))
    text = print_value(v)
    assert text.startswith("{\n  field0: [],\n  field1: [0],\n")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert parse_value(text) == v


def test_long_programs_stay_within_the_width() -> None:
    t = Scoped("s", seq(*[Op(f"Operation{i}", (VStr("x" * (i % 40)), VNum(i))) for i in range(200)]))
    text = print_program(t)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert parse_program(text) == t


def test_vexpr_is_displayed_but_not_parsed() -> None:
    text = print_program(Pure(VExpr(Const("Nat.zero"))))
    assert text == 'pure #expr "Nat.zero"'
    with pytest.raises(DslError, match="JSON codec") as err:
        parse_program("pure ()\n; pure #expr \"Nat.zero\"", "f.tm")
    assert err.value.loc is not None and (err.value.loc.line, err.value.loc.col) == (2, 8)


@attrs.frozen
class VRuntime(Value):
    payload: object


class NotCore(Term):
    pass


def test_runtime_values_and_foreign_terms_are_refused() -> None:
    with pytest.raises(DslError, match="VRuntime"):
        print_program(Pure(VList((VRuntime(None),))))
    with pytest.raises(DslError, match="VRuntime"):
        print_value(VRuntime(None))
    with pytest.raises(DslError, match="NotCore"):
        print_program(Bind("x", NotCore(), Pure()))


# ---------------------------------------------------------------------------------------------
# parsing: accepted variants
# ---------------------------------------------------------------------------------------------


def test_accepted_variants() -> None:
    canonical = Bind("x", A, Choice(Policy.COMMIT, (Pure(VVar("x")), seq(B, Fail(VStr("no"))))))
    variants = [
        "let x ← op A(); choice[commit] { pure x | op B(); fail \"no\" }",
        "let x <- op A();choice[commit]{|pure x|op B();fail \"no\"}",
        "-- a comment\nlet x <- op A( ) ; -- another\n choice [ commit ] {\n"
        "  | pure x\n  | op B();\n    fail \"no\"\n}\n",
        "(let x ← (op A()); (choice[commit] { (pure x) | (op B(); fail \"no\") }))",
    ]
    for text in variants:
        assert parse_program(text) == canonical, text
    assert parse_program("let _ ← op A(); op B()") == seq(A, B)
    assert parse_value("[1, 2,]") == VList((VNum(1), VNum(2)))
    assert parse_value("{a: 1,}") == VRecord((("a", VNum(1)),))
    assert parse_value('#name "x"') == parse_value("'x") == VName("x")
    assert parse_value('"\\ud83d\\ude00"') == VStr("😀")  # JSON surrogate pairs combine
    assert parse_value('"\\U0001f600 \\u00e9 \\/"') == VStr("😀 é /")
    assert parse_value('"\\U0000d83d\\U0000de00"') == VStr("\ud83d\ude00")  # \U never combines
    assert parse_value("-0") == VNum(0)
    assert parse_value("007") == VNum(7)
    assert parse_value("⟪a -- not a comment ⟫") == VSurface("a -- not a comment ")
    assert parse_value("purex") == VVar("purex")
    assert parse_program("op Foo(\"x\",)") == Op("Foo", (VStr("x"),))
    assert parse_program('foreign "s" {()} with {}') == Foreign("s", VUnit(), Contract())
    assert parse_program('foreign "s" {()} with {refinement: known, effects: ["B", "A", "B"]}') == Foreign(
        "s", VUnit(), Contract(effects=frozenset({"A", "B"}), refinement_known=True)
    )


# ---------------------------------------------------------------------------------------------
# syntax errors: file:line:col and the expected tokens, one line, never a traceback
# ---------------------------------------------------------------------------------------------


def _error(text: str, filename: str = "prog.tm", value: bool = False) -> DslError:
    with pytest.raises(DslError) as err:
        (parse_value if value else parse_program)(text, filename)
    e = err.value
    assert isinstance(e, TacticMeshError) and e.loc is not None and e.loc.file == filename
    assert "\n" not in str(e) and "Traceback" not in str(e)
    return e


@pytest.mark.parametrize(
    ("text", "where", "fragments"),
    [
        ("pure", "1:5", ["unexpected end of input", "expected one of", "identifier", "'('", "string", "integer"]),
        ("let x ← pure 1", "1:15", ["unexpected end of input", "expected one of: ';'"]),
        ("choice[maybe] { pure () }", "1:8", ["unexpected 'maybe'", "'backtrack'", "'commit'", "'fair'", "'scored'"]),
        ("pure ();\nop A(1,,2)", "2:8", ["unexpected ','", "')'", "identifier"]),
        ("pure ()\npure ()", "2:1", ["unexpected 'pure'", "';'"]),
        ("x", "1:1", ["unexpected 'x'", "'pure'", "'let'", "'choice'", "'('"]),
        ("purex ()", "1:1", ["unexpected 'purex'", "'pure'"]),
        ("pure $", "1:6", ["unexpected character '$'", "expected one of"]),
        ("scoped checkpoint { pure () }", "1:8", ["unexpected 'checkpoint'", "string"]),
        ("fix f { rec f }", "1:7", ["unexpected '{'", "'.'"]),
        ("op A(", "1:6", ["unexpected end of input", "')'"]),
        ("choice[commit] { pure () | }", "1:28", ["unexpected '}'", "'pure'"]),
        ("pure ⟪unterminated", "1:6", ["unexpected character '⟪'"]),
        ('pure "unterminated\n"', "1:6", ["unexpected character '\"'"]),
        ('foreign "s" {()} with {consumes: x}', "1:34", ["unexpected 'x'", "'?'", "integer"]),
        ('foreign "s" {()} with {bogus: 1}', "1:24", ["unexpected 'bogus'", "'effects'", "'refinement'"]),
        ("pure 12abc", "1:6", ["unexpected character '1'"]),
    ],
)
def test_syntax_errors(text: str, where: str, fragments: list[str]) -> None:
    e = _error(text)
    assert str(e).startswith(f"prog.tm:{where}: "), str(e)
    for fragment in fragments:
        assert fragment in e.message, (fragment, e.message)


def test_semantic_errors_are_located() -> None:
    e = _error('pure ()\n; fail "ok \\q"')
    assert str(e).startswith("prog.tm:2:12: invalid escape \\q")
    e = _error('pure "\\U00110000"')
    assert str(e).startswith("prog.tm:1:7: code point")
    e = _error('foreign "s" {()} with {replay: "a",\n  replay: "b"}')
    assert str(e) == "prog.tm:2:3: contract field 'replay' given twice"
    e = _error("[1, #expr \"x\"]", value=True)
    assert e.loc is not None and (e.loc.line, e.loc.col) == (1, 5) and "JSON codec" in e.message


def test_non_text_input_is_refused() -> None:
    with pytest.raises(DslError, match="expected DSL text"):
        parse_program(b"pure ()")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# robustness
# ---------------------------------------------------------------------------------------------

FRAGMENTS = [
    "pure", "fail", "let", "←", "<-", ";", "choice", "[", "]", "{", "}", "(", ")", "|", "backtrack", "scored",
    "scoped", "focus", "handle", "fix", ".", "rec", "op", "foreign", "with", "effects", ":", ",", "?", "known",
    "#goal", "#name", "#var", "#surface", "#expr", "'x", "x", "_", "0", "-7", '"s"', '"\\u12"', '"\\', "⟪a⟫", "⟪",
    "--c\n", " ", "\n", "\t", "@", "\x00", "é", "\ud800",
]


def _parse_or_error(text: str) -> bool:
    start = time.perf_counter()
    try:
        result: object = parse_program(text)
    except DslError as e:
        assert e.loc is not None and "\n" not in str(e)
        ok = False
    else:
        assert isinstance(result, Term)
        assert parse_program(print_program(result)) == result
        ok = True
    assert time.perf_counter() - start < 2.0
    return ok


SNIPPETS = ["pure ()", "op A(1, 'x, [])", "rec f", 'fail "x"', "pure {a: ⟪n⟫}", "pure x", 'pure #goal "g"']
WRAPPERS = ['scoped "s" {%s}', "(%s)", "choice[fair] {%s}", "choice[commit] { | %s | pure () }", "fix f . {%s}",
            "let y ← %s; pure y", 'handle "h" { %s }', 'focus "all" {%s}']


def _random_program(rng: random.Random, depth: int) -> str:
    """Mostly well-formed text, with junk sprinkled in."""
    if rng.random() < 0.05:
        return rng.choice(FRAGMENTS)
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(SNIPPETS)
    if rng.random() < 0.4:
        return "; ".join(_random_program(rng, depth - 1) for _ in range(rng.randint(1, 3)))
    return rng.choice(WRAPPERS) % _random_program(rng, depth - 1)


def test_fuzz_random_text() -> None:
    rng = random.Random(20240601)
    for _ in range(1500):
        n = rng.randint(0, 25)
        text = "".join(rng.choice(FRAGMENTS) if rng.random() < 0.8 else chr(rng.randint(0, 0x2FFF)) for _ in range(n))
        _parse_or_error(" ".join(text) if rng.random() < 0.3 else text)
    parsed = sum(_parse_or_error(_random_program(rng, 5)) for _ in range(1500))
    assert 300 < parsed < 1400  # both outcomes are exercised


@settings(SETTINGS, max_examples=200)
@given(TERMS, st.data())
def test_fuzz_mutated_programs(t: Term, data: st.DataObject) -> None:
    text = print_program(t, width=data.draw(st.sampled_from([0, 40, 100])))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 8)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + data.draw(st.sampled_from(FRAGMENTS)) + text[i:]
        elif kind == "replace":
            text = text[:i] + data.draw(st.text(ANY_CHAR, max_size=3)) + text[j:]
        elif kind == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i]
    _parse_or_error(text)


def test_bind_chain_of_100000() -> None:
    n = 100_000
    t: Term = Pure(VVar(f"x{n - 1}"))
    for i in reversed(range(n)):
        t = Bind(f"x{i}" if i % 2 else "_", Op("Step", (VNum(i),)), t)
    text = print_program(t)
    assert text.count("\n") == n  # one statement per line
    u = parse_program(text)
    a, b = t, u
    count = 0
    while isinstance(a, Bind):  # compare iteratively: == on the chain would recurse
        assert isinstance(b, Bind) and (a.var, a.first) == (b.var, b.first)
        a, b = a.rest, b.rest
        count += 1
    assert count == n and a == b


def test_long_sequences_parse_without_recursion() -> None:
    text = "; ".join(["op Step()"] * 100_000) + "; pure ()"
    t = parse_program(text)
    count = 0
    while isinstance(t, Bind):
        assert t.var == "_" and t.first == Op("Step")
        t = t.rest
        count += 1
    assert count == 100_000 and t == Pure()


def test_deep_nesting_is_limited() -> None:
    ok = "(" * MAX_DEPTH + "pure 1" + ")" * MAX_DEPTH
    assert parse_program(ok) == Pure(VNum(1))
    e = _error("(" * (MAX_DEPTH + 1) + "pure 1" + ")" * (MAX_DEPTH + 1))
    assert str(e).startswith(f"prog.tm:1:{MAX_DEPTH + 1}: nesting too deep")
    for text in ("(" * 100_000 + "pure ()" + ")" * 100_000, "pure " + "[" * 100_000, "(" * 100_000):
        e = _error(text)
        assert "nesting too deep" in e.message
    e = _error("pure\n  " + "{a: " * 100_000, value=False)
    assert re.match(rf"prog\.tm:2:{3 + 4 * MAX_DEPTH}: nesting too deep", str(e))


def test_deep_terms_print_and_parse() -> None:
    """Nesting below the limit: printing is iterative, indentation is capped (linear output)."""
    t: Term = Pure()
    for i in range(3000):
        t = [Scoped("s", t), Choice(Policy.COMMIT, (t, A)), Bind("x", t, Rec("f")), Fix("f", t)][i % 4]
    text = print_program(t)
    assert len(text) < 200 * 3000
    assert print_program(parse_program(text)) == text
    v: Value = VUnit()
    for i in range(5000):
        v = VList((v, VNum(i))) if i % 2 else VRecord((("k", v),))
    text = print_value(v)
    assert print_value(parse_value(text)) == text


# ---------------------------------------------------------------------------------------------
# derived tactic blocks `by { … }`
# ---------------------------------------------------------------------------------------------


def T(name: str, arg: str = "", *children: TacticCall) -> TacticCall:
    return TacticCall(name, arg, 0, 0, tuple(children))


def alt(*children: TacticCall) -> TacticCall:
    return T("|", "", *children)


def d(name: str, arg: str = "", *children: TacticCall) -> Term:
    return defer(T(name, arg, *children))


BY_EXAMPLES: list[tuple[Term, str]] = [
    (d("rfl"), "by { rfl }"),
    (seq(d("intro", "x"), d("exact", "x")), "by { intro x; exact x }"),
    (Choice(Policy.COMMIT, (seq(d("intro", "x"), d("exact", "x")), d("rfl"))),
     "choice[commit] { by { intro x; exact x } | by { rfl } }"),
    (Bind("g", Op("ViewActiveObligations"), d("<;>", "", alt(T("constructor")), alt(T("assumption")))),
     "let g ← op ViewActiveObligations(); by { constructor <;> assumption }"),
    (seq(d("intro", "x"), Op("A"), d("first", "", alt(T("rfl")), alt(T("simp"), T("rfl"))), Pure()),
     "by { intro x }; op A(); by { first | rfl | (simp; rfl) }; pure ()"),
    (Bind("x", seq(d("a"), d("b")), Bind("_", seq(d("c"), d("d")), seq(d("e"), Pure(VVar("x"))))),
     "let x ← by { a; b }; (by { c; d }); by { e }; pure x"),
    (Bind("_", d("try", "", T("simp")), Pure()), "by { try simp }; pure ()"),
    (Scoped("checkpoint", seq(d("induction", "n with", T("|", "zero", T("rfl")), T("|", "succ m ih", T("simp"),
                                                                                        T("rw", "[ih]"))),
                              d("exact", "h"))),
     'scoped "checkpoint" {\n'
     "  by {\n"
     "    induction n with\n"
     "    | zero => rfl\n"
     "    | succ m ih =>\n"
     "      simp\n"
     "      rw [ih]\n"
     "    exact h\n"
     "  }\n"
     "}"),
    (seq(d("calc", "a = b := h ; _ = c := q"), Pure()), "by {\n  calc a = b := h\n    _ = c := q\n};\npure ()"),
    (d("exact", "foo -- why"), "by {\n  exact foo -- why\n}"),
    (d("exact", '"}" ⟨a, {b}⟩'), 'by { exact "}" ⟨a, {b}⟩ }'),
    (Pure(VVar("by")), 'pure #var "by"'),
    (Rec("by"), 'rec "by"'),
]


@pytest.mark.parametrize(("term", "text"), BY_EXAMPLES, ids=[str(i) for i in range(len(BY_EXAMPLES))])
def test_printed_tactic_blocks(term: Term, text: str) -> None:
    assert print_program(term) == text
    assert parse_program(text) == term


def test_tactic_nodes_without_tactic_text_print_generically() -> None:
    """A tactic node whose payload no tactic text denotes stays a `foreign` node; its neighbours
    stay blocks."""
    odd = [d("exact a"), d("exact", "a; b"), d("try"), Foreign("tactic", VRecord((("name", VStr("rfl")),)), TACTIC),
           Foreign("tactic", defer(T("rfl")).payload, Contract())]  # type: ignore[attr-defined]
    for node in odd:
        t = seq(d("intro", "x"), node, d("rfl"))
        text = print_program(t)
        assert 'foreign "tactic"' in text and text.startswith("by { intro x };") and text.endswith("by { rfl }")
        assert parse_program(text) == t
    # each reads back alone, not together: separate blocks
    unbalanced = seq(d("intro", "x"), d("exact", "'('"), d("rfl"))
    assert print_program(unbalanced) == "by { intro x }; by { exact '(' }; by { rfl }"
    assert parse_program(print_program(unbalanced)) == unbalanced
    calc_then_step = seq(d("calc", "a = b := h"), d("_", "= c := q"))  # as text they would merge
    assert print_program(calc_then_step) == "by { calc a = b := h }; by { _ = c := q }"
    assert parse_program(print_program(calc_then_step)) == calc_then_step
    deep = T("rfl")
    for _ in range(MAX_TACTIC_DEPTH + 2):
        deep = T("try", "", deep)
    assert print_program(defer(deep)).startswith('foreign "tactic"')
    assert parse_program(print_program(defer(deep))) == defer(deep)


def test_tactic_block_variants() -> None:
    a, b = d("intro", "x"), d("exact", "x")
    assert parse_program("by {intro x\n  exact x}") == seq(a, b)
    assert parse_program("by\n -- a comment\n {\n  -- another\n  intro x; exact x -- the end\n}") == seq(
        a, d("exact", "x -- the end")
    )
    assert parse_program("(by { intro x }); by { exact x }") == seq(a, b)
    assert parse_program("let y ← by { intro x; exact x }; pure y") == Bind("y", seq(a, b), Pure(VVar("y")))
    assert parse_program("by { intro x }; by { exact x }; pure ()") == seq(a, b, Pure())
    assert parse_program('pure "by { not a block }"') == Pure(VStr("by { not a block }"))
    assert parse_program("pure ⟪by { x }⟫") == Pure(VSurface("by { x }"))
    assert parse_program("-- by { x }\npure baby") == Pure(VVar("baby"))
    assert parse_program("by { exact '}' }") == d("exact", "'}'")
    assert parse_program("by { exact h' /- } -/ }") == d("exact", "h' /- } -/")
    assert parse_program('by { exact "\\"}" }') == d("exact", '"\\"}"')
    assert parse_program("let by ← pure (); pure by") == Bind("by", Pure(), Pure(VVar("by")))  # a name there
    assert print_program(Bind("by", Pure(), Pure(VVar("by")))) == 'let "by" ← pure (); pure #var "by"'


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("by { first }", "1:6", "first: expected `first | t₁ | t₂ …`"),
        ("pure ();\nby {\n  intro x\n  first rfl\n}", "4:3", "first: expected"),
        ("by {\n  case x\n}", "2:3", "case: expected `=>`"),
        ("by { try }", "1:6", "try: a tactic is expected"),
        ("by { intro x; try () }", "1:19", "try: a tactic is expected"),
        ("by { exact (a] }", "1:14", "`]` does not close `(` (opened at 1:12)"),
        ("by { exact ) }", "1:12", "unexpected `)`"),
        ("pure ();\nby {\n  exact \"abc }", "3:9", "unterminated string"),
        ("by { exact x", "1:4", "unterminated tactic block"),
        ("by { /- x }", "1:6", "unterminated comment"),
        ("by { }", "1:1", "needs at least one tactic"),
        ("by {\n  -- only a comment\n}", "1:1", "needs at least one tactic"),
        ("by x", "1:4", "expected one of: '{'"),
        ("by { rfl } pure ()", "1:12", "unexpected 'pure'"),
    ],
)
def test_tactic_block_errors(text: str, where: str, fragment: str) -> None:
    e = _error(text)
    assert str(e).startswith(f"prog.tm:{where}: "), str(e)
    assert fragment in e.message, (fragment, e.message)


def test_deep_tactic_blocks_are_limited() -> None:
    for text, what in [
        ("by { " + "try (" * 100_000 + "rfl" + ")" * 100_000 + " }", f"more than {MAX_TACTIC_BRACKETS} open brackets"),
        ("by { " + "try " * 100_000 + "rfl }", "nested too deeply"),
        ("by {\n" + "".join(" " * i + "·\n" for i in range(2000)) + "}", "nested too deeply"),
        ("by { " + "try (" * 60 + "rfl" + ")" * 60 + " }", f"more than {MAX_TACTIC_DEPTH} levels"),
    ]:
        start = time.perf_counter()
        e = _error(text)
        assert what in e.message, e.message
        assert time.perf_counter() - start < 5


TACTICS_TM = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "tactics.tm"


def test_every_by_block_of_the_library_round_trips_through_the_dsl() -> None:
    text = TACTICS_TM.read_text(encoding="utf-8")
    blocks = [v for c in parse_file(text, str(TACTICS_TM)) if isinstance(v := getattr(c, "value", None), ByBlock)]
    assert len(blocks) >= 200
    for block in blocks:
        program = defer_seq(split_block(block.text, block.pos.line, block.pos.col))
        printed = print_program(program)
        assert printed.startswith("by {") and printed.count("by {") == 1, printed
        assert parse_program(printed) == program
        assert parse_program(print_program(program, width=0)) == program
        assert parse_program(print_program(Scoped("s", Bind("_", program, Pure())), width=30)) == Scoped(
            "s", Bind("_", program, Pure())
        )


# generated tactic trees (a compact version of tests/calculus/test_tactic_syntax.py's)

TACTIC_ARGS = ["", "x", "[h, ← h']", "⟨a, b⟩", "(a; b)", "{x : Nat}", "(foo\n   bar)", "foo -- note", "[a | b]",
               '"{s}"', "h ▸ rfl"]
TACTIC_LEAVES: st.SearchStrategy[TacticCall] = st.one_of(
    st.builds(lambda n, a: T(n, a), st.sampled_from(["intro", "exact", "rw", "simp", "rfl", "cases"]),
              st.sampled_from(TACTIC_ARGS)),
    st.sampled_from([T("calc", "a = b := h"), T("calc", "a = b := h ; _ = c := q")]),
)


def _tactic_compound(inner: st.SearchStrategy[TacticCall]) -> st.SearchStrategy[TacticCall]:
    seqs = st.lists(inner, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda n, cs: T(n, "", *cs), st.sampled_from(["try", "repeat", "all_goals"]), seqs),
        st.builds(lambda n, alts: T(n, "", *(alt(*a) for a in alts)), st.sampled_from(["first", "<;>", "orelse"]),
                  st.lists(seqs, min_size=2, max_size=3)),
        st.builds(lambda n, cs: T(n, "", *cs), st.sampled_from(["·", "focus"]), seqs),
        st.builds(lambda cs: T("case", "succ m ih", *cs), seqs),
        st.builds(lambda alts: T("induction", "n with", *(T("|", "zero", *a) for a in alts)),
                  st.lists(seqs, max_size=2)),
    )


TACTIC_TREES = st.recursive(TACTIC_LEAVES, _tactic_compound, max_leaves=6)
ODD_TACTICS = st.builds(lambda n, a: T(n, a), st.sampled_from(["exact", "a b", "", "try", "_", "first"]),
                        st.sampled_from(["", "a; b", "'}'", "(", "x\ny", "-- c"]))
TACTIC_NODES: st.SearchStrategy[Term] = st.one_of(TACTIC_TREES.map(defer), ODD_TACTICS.map(defer))
MIXED_TERMS: st.SearchStrategy[Term] = st.recursive(
    st.one_of(LEAF_TERMS, TACTIC_NODES, TACTIC_NODES),
    lambda inner: st.one_of(
        st.builds(Bind, NAMES, inner, inner),
        st.builds(Bind, st.just("_"), inner, inner),
        st.lists(inner, min_size=1, max_size=5).map(lambda ts: seq(*ts)),
        st.builds(Choice, st.sampled_from(Policy), st.lists(inner, max_size=3).map(tuple)),
        st.builds(Scoped, TEXT, inner),
        st.builds(Fix, NAMES, inner),
    ),
    max_leaves=14,
)


@SETTINGS
@given(MIXED_TERMS, st.sampled_from([100, 100, 30, 0]))
def test_mixed_program_round_trip(t: Term, width: int) -> None:
    text = print_program(t, width=width)
    assert parse_program(text) == t, text
    assert print_program(parse_program(text), width=width) == text


@settings(SETTINGS, max_examples=250)
@given(MIXED_TERMS, st.data())
def test_fuzz_mutated_mixed_programs(t: Term, data: st.DataObject) -> None:
    text = print_program(t, width=data.draw(st.sampled_from([0, 40, 100])))
    pieces = ["by {", "by", "{", "}", "(", ")", "⟨", "|", ";", "\n", "  ", '"', "--", "/-", "first", "· ", "=>",
              "with", "calc", "'", "<;>"]
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 8)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + data.draw(st.sampled_from(pieces + FRAGMENTS)) + text[i:]
        elif kind == "replace":
            text = text[:i] + data.draw(st.text(ANY_CHAR, max_size=3)) + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    _parse_or_error(text)


def test_long_tactic_runs() -> None:
    """A run of 20 000 tactic nodes prints as one block, one tactic per line, and parses back."""
    n = 20_000
    t = seq(*(d("exact", f"h{i}") for i in range(n)), Pure())
    text = print_program(t)
    assert text.count("by {") == 1 and text.count("\n") == n + 2
    assert parse_program(text) == t


def test_program_comments() -> None:
    text = "-- a\nby {\n  -- b\n  exact (x -- c\n  )\n}; pure \"-- not\" -- d"
    assert program_comments(text) == ["-- a", "-- b", "-- c", "-- d"]
