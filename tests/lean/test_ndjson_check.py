"""``ndjson_check``: hand-written Lean kernel exports accepted, broken ones rejected naming the
declaration at fault, unsupported features declined (named), malformed files located.

The exports are written with ``Builder``: expressions with named variables (closed into de Bruijn
indices when emitted), declarations with Lean's field names, every record a JSON line as
lean4export writes it.  Inductive blocks spell out the recursor Lean generates (its level and
binder names are Lean's, not our kernel's), so accepting them tests the recursor comparison.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tactic_mesh.kernel.environment import AxiomInfo, DefinitionInfo, Reducibility
from tactic_mesh.lean.ndjson_check import CheckReport, Status, check_export_bytes, check_export_lines

EXPORTS = Path(__file__).parent / "exports"

# ---------------------------------------------------------------------------------------------
# A small writer of exports (expressions with named variables)
# ---------------------------------------------------------------------------------------------

Level = Any  # 0, 1, …, "u", ("succ", l), ("max", l, l), ("imax", l, l)
Ast = tuple[Any, ...]


def V(name: str) -> Ast:
    return ("var", name)


def Srt(level: Level) -> Ast:
    return ("sort", level)


def C(name: str, *levels: Level) -> Ast:
    return ("const", name, levels)


def A(fn: Ast, *args: Ast) -> Ast:
    for arg in args:
        fn = ("app", fn, arg)
    return fn


Binder = tuple[str, Ast] | tuple[str, Ast, str]


def Pi(binders: Sequence[Binder], body: Ast) -> Ast:
    return ("forallE", tuple(binders), body)


def Fun(binders: Sequence[Binder], body: Ast) -> Ast:
    return ("lam", tuple(binders), body)


def Proj(struct: str, idx: int, e: Ast) -> Ast:
    return ("proj", struct, idx, e)


def Lit(n: int) -> Ast:
    return ("natVal", n)


def Str(s: str) -> Ast:
    return ("strVal", s)


def MData(e: Ast) -> Ast:
    return ("mdata", e)


def LetE(name: str, ty: Ast, value: Ast, body: Ast) -> Ast:
    return ("letE", name, ty, value, body)


def imp(name: str, ty: Ast) -> Binder:
    return (name, ty, "implicit")


class Builder:
    def __init__(self) -> None:
        meta = {"exporter": {"name": "tests", "version": "1"}, "lean": {"githash": "", "version": "4.0.0"},
                "format": {"version": "3.1.0"}}
        self.lines: list[str] = [json.dumps({"meta": meta}, sort_keys=True)]
        self.names: dict[tuple[object, ...], int] = {(): 0}
        self.levels: dict[object, int] = {0: 0}
        self.exprs: dict[str, int] = {}

    def emit(self, obj: dict[str, object]) -> None:
        self.lines.append(json.dumps(obj, sort_keys=True, ensure_ascii=False))

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def check(self) -> CheckReport:
        return check_export_lines(self.text().splitlines(), "t.ndjson")

    # -- names and levels ----------------------------------------------------------------------

    def name(self, text: str) -> int:
        parts: list[object] = [int(p) if p.isdigit() else p for p in text.split(".")]
        key: tuple[object, ...] = ()
        for part in parts:
            pre = self.names[key]
            key = (*key, part)
            if key not in self.names:
                self.names[key] = len(self.names)
                body = {"pre": pre, "i": part} if isinstance(part, int) else {"pre": pre, "str": part}
                self.emit({"in": self.names[key], ("num" if isinstance(part, int) else "str"): body})
        return self.names[key]

    def level(self, spec: Level) -> int:
        key = repr(spec)
        if spec == 0:
            return 0
        if key in self.levels:
            return self.levels[key]
        if isinstance(spec, int):
            record: dict[str, object] = {"succ": self.level(spec - 1)}
        elif isinstance(spec, str):
            record = {"param": self.name(spec)}
        elif spec[0] == "succ":
            record = {"succ": self.level(spec[1])}
        else:
            record = {str(spec[0]): [self.level(spec[1]), self.level(spec[2])]}
        self.levels[key] = len(self.levels)
        self.emit({"il": self.levels[key], **record})
        return self.levels[key]

    # -- expressions ---------------------------------------------------------------------------

    def node(self, kind: str, body: object) -> int:
        key = json.dumps([kind, body], sort_keys=True)
        if key not in self.exprs:
            self.exprs[key] = len(self.exprs)
            self.emit({"ie": self.exprs[key], kind: body})
        return self.exprs[key]

    def expr(self, ast: Ast, ctx: tuple[str, ...] = ()) -> int:
        kind = ast[0]
        if kind == "var":
            name = str(ast[1])
            depth = len(ctx) - 1 - max(i for i, n in enumerate(ctx) if n == name)
            return self.node("bvar", depth)
        if kind == "sort":
            return self.node("sort", self.level(ast[1]))
        if kind == "const":
            return self.node("const", {"name": self.name(ast[1]), "us": [self.level(u) for u in ast[2]]})
        if kind == "app":
            return self.node("app", {"fn": self.expr(ast[1], ctx), "arg": self.expr(ast[2], ctx)})
        if kind in ("forallE", "lam"):
            binders: tuple[Binder, ...] = ast[1]
            return self._binders(kind, list(binders), ast[2], ctx)
        if kind == "letE":
            _, name, ty, value, body = ast
            return self.node("letE", {"name": self.name(name), "type": self.expr(ty, ctx),
                                      "value": self.expr(value, ctx), "body": self.expr(body, (*ctx, name)),
                                      "nondep": False})
        if kind == "proj":
            struct = self.expr(ast[3], ctx)
            return self.node("proj", {"typeName": self.name(ast[1]), "idx": ast[2], "struct": struct})
        if kind == "natVal":
            return self.node("natVal", str(ast[1]))
        if kind == "strVal":
            return self.node("strVal", ast[1])
        if kind == "mdata":
            return self.node("mdata", {"expr": self.expr(ast[1], ctx), "data": {"note": "stripped"}})
        raise ValueError(kind)

    def _binders(self, kind: str, binders: list[Binder], body: Ast, ctx: tuple[str, ...]) -> int:
        if not binders:
            return self.expr(body, ctx)
        first, rest = binders[0], binders[1:]
        name, ty = first[0], first[1]
        bi = first[2] if len(first) == 3 else "default"
        return self.node(kind, {"name": self.name(name), "type": self.expr(ty, ctx),
                                "body": self._binders(kind, rest, body, (*ctx, name)), "binderInfo": bi})

    # -- declarations --------------------------------------------------------------------------

    def axiom(self, name: str, lps: Sequence[str], ty: Ast, unsafe: bool = False) -> None:
        t = self.expr(ty)
        self.emit({"axiom": {"name": self.name(name), "levelParams": [self.name(u) for u in lps], "type": t,
                             "isUnsafe": unsafe}})

    def definition(self, name: str, lps: Sequence[str], ty: Ast, value: Ast, hints: object = "abbrev",
                   safety: str = "safe") -> None:
        t, v = self.expr(ty), self.expr(value)
        self.emit({"def": {"name": self.name(name), "levelParams": [self.name(u) for u in lps], "type": t,
                           "value": v, "hints": hints, "safety": safety, "all": [self.name(name)]}})

    def theorem(self, name: str, lps: Sequence[str], ty: Ast, value: Ast) -> None:
        t, v = self.expr(ty), self.expr(value)
        self.emit({"thm": {"name": self.name(name), "levelParams": [self.name(u) for u in lps], "type": t,
                           "value": v, "all": [self.name(name)]}})

    def opaque(self, name: str, lps: Sequence[str], ty: Ast, value: Ast) -> None:
        t, v = self.expr(ty), self.expr(value)
        self.emit({"opaque": {"name": self.name(name), "levelParams": [self.name(u) for u in lps], "type": t,
                              "value": v, "isUnsafe": False, "all": [self.name(name)]}})

    def quot(self, name: str, lps: Sequence[str], ty: Ast, kind: str) -> None:
        t = self.expr(ty)
        self.emit({"quot": {"name": self.name(name), "levelParams": [self.name(u) for u in lps], "type": t,
                            "kind": kind}})

    def inductive(self, types: Sequence[dict[str, object]], ctors: Sequence[dict[str, object]],
                  recs: Sequence[dict[str, object]]) -> None:
        def conv(d: dict[str, object]) -> dict[str, object]:
            out: dict[str, object] = {}
            for k, v in d.items():
                if k in ("name", "induct"):
                    out[k] = self.name(str(v))
                elif k in ("all", "ctors", "levelParams"):
                    out[k] = [self.name(str(x)) for x in v]
                elif k == "type":
                    out[k] = self.expr(v)
                elif k == "rules":
                    out[k] = [{"ctor": self.name(str(c)), "nfields": n, "rhs": self.expr(r)} for c, n, r in v]
                else:
                    out[k] = v
            return out

        t, c, r = [conv(x) for x in types], [conv(x) for x in ctors], [conv(x) for x in recs]
        self.emit({"inductive": {"types": t, "ctors": c, "recs": r}})


def ind(name: str, lps: Sequence[str], ty: Ast, params: int, indices: int, ctors: Sequence[str], is_rec: bool = False,
        **extra: object) -> dict[str, object]:
    out: dict[str, object] = {"name": name, "levelParams": list(lps), "type": ty, "numParams": params,
                              "numIndices": indices, "all": [name], "ctors": list(ctors), "numNested": 0,
                              "isRec": is_rec, "isUnsafe": False, "isReflexive": False}
    out.update(extra)
    return out


def ctor(name: str, lps: Sequence[str], ty: Ast, induct: str, cidx: int, params: int, fields: int) -> dict[str, object]:
    return {"name": name, "levelParams": list(lps), "type": ty, "induct": induct, "cidx": cidx, "numParams": params,
            "numFields": fields, "isUnsafe": False}


def rec(name: str, lps: Sequence[str], ty: Ast, induct: str, params: int, indices: int, minors: int,
        rules: Sequence[tuple[str, int, Ast]], k: bool = False) -> dict[str, object]:
    return {"name": name, "levelParams": list(lps), "type": ty, "all": [induct], "numParams": params,
            "numIndices": indices, "numMotives": 1, "numMinors": minors, "rules": list(rules), "k": k,
            "isUnsafe": False}


NAT = C("Nat")
ZERO = C("Nat.zero")


def succ(e: Ast) -> Ast:
    return A(C("Nat.succ"), e)


def eq(level: Level, ty: Ast, a: Ast, b: Ast) -> Ast:
    return A(C("Eq", level), ty, a, b)


def refl(level: Level, ty: Ast, a: Ast) -> Ast:
    return A(C("Eq.refl", level), ty, a)


def nat_rec_type(motive_sort: Ast | None = None) -> Ast:
    motive_sort = motive_sort or Srt("u")
    return Pi([imp("motive", Pi([("t", NAT)], motive_sort)),
               ("zero", A(V("motive"), ZERO)),
               ("succ", Pi([("n", NAT), ("n_ih", A(V("motive"), V("n")))], A(V("motive"), succ(V("n"))))),
               ("t", NAT)],
              A(V("motive"), V("t")))


NAT_ZERO_RHS = Fun([("motive", Pi([("t", NAT)], Srt("u"))), ("zero", A(V("motive"), ZERO)),
                    ("succ", Pi([("n", NAT), ("n_ih", A(V("motive"), V("n")))], A(V("motive"), succ(V("n")))))],
                   V("zero"))
NAT_SUCC_RHS = Fun([("motive", Pi([("t", NAT)], Srt("u"))), ("zero", A(V("motive"), ZERO)),
                    ("succ", Pi([("n", NAT), ("n_ih", A(V("motive"), V("n")))], A(V("motive"), succ(V("n"))))),
                    ("n", NAT)],
                   A(V("succ"), V("n"), A(C("Nat.rec", "u"), V("motive"), V("zero"), V("succ"), V("n"))))


def add_nat(b: Builder, rec_type: Ast | None = None, succ_rhs: Ast | None = None) -> None:
    b.inductive(
        [ind("Nat", [], Srt(1), 0, 0, ["Nat.zero", "Nat.succ"], is_rec=True)],
        [ctor("Nat.zero", [], NAT, "Nat", 0, 0, 0), ctor("Nat.succ", [], Pi([("n", NAT)], NAT), "Nat", 1, 0, 1)],
        [rec("Nat.rec", ["u"], rec_type or nat_rec_type(), "Nat", 0, 0, 2,
             [("Nat.zero", 0, NAT_ZERO_RHS), ("Nat.succ", 1, succ_rhs or NAT_SUCC_RHS)])],
    )


def add_eq(b: Builder) -> None:
    alpha = Srt("u_1")
    b.inductive(
        [ind("Eq", ["u_1"], Pi([imp("α", alpha), ("a", V("α")), ("a_1", V("α"))], Srt(0)), 2, 1, ["Eq.refl"])],
        [ctor("Eq.refl", ["u_1"], Pi([imp("α", alpha), ("a", V("α"))], A(C("Eq", "u_1"), V("α"), V("a"), V("a"))),
              "Eq", 0, 2, 0)],
        [rec("Eq.rec", ["u", "u_1"],
             Pi([imp("α", alpha), imp("a", V("α")),
                 imp("motive", Pi([("a_1", V("α")), ("t", A(C("Eq", "u_1"), V("α"), V("a"), V("a_1")))], Srt("u"))),
                 ("refl", A(V("motive"), V("a"), A(C("Eq.refl", "u_1"), V("α"), V("a")))),
                 imp("a_1", V("α")), ("t", A(C("Eq", "u_1"), V("α"), V("a"), V("a_1")))],
                A(V("motive"), V("a_1"), V("t"))),
             "Eq", 2, 1, 1,
             [("Eq.refl", 0, Fun([("α", alpha), ("a", V("α")),
                                  ("motive", Pi([("a_1", V("α")), ("t", A(C("Eq", "u_1"), V("α"), V("a"), V("a_1")))],
                                                Srt("u"))),
                                  ("refl", A(V("motive"), V("a"), A(C("Eq.refl", "u_1"), V("α"), V("a"))))],
                                 V("refl")))],
             k=True)],
    )


def add_list(b: Builder) -> None:
    alpha = Srt(("succ", "u"))
    lst = A(C("List", "u"), V("α"))
    minors: list[Binder] = [
        ("nil", A(V("motive"), A(C("List.nil", "u"), V("α")))),
        ("cons", Pi([("head", V("α")), ("tail", lst), ("tail_ih", A(V("motive"), V("tail")))],
                    A(V("motive"), A(C("List.cons", "u"), V("α"), V("head"), V("tail"))))),
    ]
    motive: Binder = ("motive", Pi([("t", lst)], Srt("u_1")))
    b.inductive(
        [ind("List", ["u"], Pi([("α", alpha)], Srt(("succ", "u"))), 1, 0, ["List.nil", "List.cons"], is_rec=True)],
        [ctor("List.nil", ["u"], Pi([imp("α", alpha)], lst), "List", 0, 1, 0),
         ctor("List.cons", ["u"], Pi([imp("α", alpha), ("head", V("α")), ("tail", lst)], lst), "List", 1, 1, 2)],
        [rec("List.rec", ["u_1", "u"], Pi([imp("α", alpha), (motive[0], motive[1], "implicit"), *minors, ("t", lst)],
                                           A(V("motive"), V("t"))),
             "List", 1, 0, 2,
             [("List.nil", 0, Fun([("α", alpha), motive, *minors], V("nil"))),
              ("List.cons", 2, Fun([("α", alpha), motive, *minors, ("head", V("α")), ("tail", lst)],
                                   A(V("cons"), V("head"), V("tail"),
                                     A(C("List.rec", "u_1", "u"), V("α"), V("motive"), V("nil"), V("cons"),
                                       V("tail")))))])],
    )


def add_structure(b: Builder, name: str, lps: Sequence[str], params: Sequence[tuple[str, Ast]], level: Level,
                  fields: Sequence[tuple[str, Ast]], motive_level: str = "u_1") -> None:
    """A structure as Lean declares it: ``name.mk`` and ``name.rec`` (motive level ``motive_level``)."""
    levels = list(lps)
    applied = A(C(name, *levels), *(V(p) for p, _ in params))
    mk = A(C(f"{name}.mk", *levels), *(V(p) for p, _ in params), *(V(f) for f, _ in fields))
    motive: Binder = ("motive", Pi([("t", applied)], Srt(motive_level)))
    minor: Binder = ("mk", Pi(list(fields), A(V("motive"), mk)))
    b.inductive(
        [ind(name, lps, Pi(list(params), Srt(level)), len(params), 0, [f"{name}.mk"])],
        [ctor(f"{name}.mk", lps, Pi([*(imp(p, t) for p, t in params), *fields], applied), name, 0, len(params),
              len(fields))],
        [rec(f"{name}.rec", [motive_level, *lps],
             Pi([*(imp(p, t) for p, t in params), (motive[0], motive[1], "implicit"), minor, ("t", applied)],
                A(V("motive"), V("t"))),
             name, len(params), 0, 1,
             [(f"{name}.mk", len(fields),
               Fun([*params, motive, minor, *fields], A(V("mk"), *(V(f) for f, _ in fields))))])],
    )


def base() -> Builder:
    b = Builder()
    add_nat(b)
    add_eq(b)
    return b


def structures_export() -> Builder:
    """The hand-written export of ``exports/structures.ndjson``."""
    b = base()
    add_list(b)
    add_structure(b, "Char", [], [], 1, [("val", NAT)], motive_level="u")
    b.definition("Char.ofNat", [], Pi([("n", NAT)], C("Char")), Fun([("n", NAT)], A(C("Char.mk"), V("n"))),
                 {"regular": 1})
    add_structure(b, "String", [], [], 1, [("data", A(C("List", 0), C("Char")))], motive_level="u")
    tu, tv = Srt(("succ", "u")), Srt(("succ", "v"))
    add_structure(b, "Prod", ["u", "v"], [("α", tu), ("β", tv)], ("succ", ("max", "u", "v")),
                  [("fst", V("α")), ("snd", V("β"))])
    add_structure(b, "Sig", ["u"], [("α", tu), ("β", Pi([("a", V("α"))], tu))], ("succ", "u"),
                  [("fst", V("α")), ("snd", A(V("β"), V("fst")))])
    prod = A(C("Prod", "u", "v"), V("α"), V("β"))
    b.definition("Prod.fst", ["u", "v"], Pi([imp("α", tu), imp("β", tv), ("self", prod)], V("α")),
                 Fun([("α", tu), ("β", tv), ("self", prod)], Proj("Prod", 0, V("self"))))
    b.definition("Prod.snd", ["u", "v"], Pi([imp("α", tu), imp("β", tv), ("self", prod)], V("β")),
                 Fun([("α", tu), ("β", tv), ("self", prod)], Proj("Prod", 1, V("self"))))
    # a dependent field: the type of `p.2` is `β p.1`
    sig = A(C("Sig", "u"), V("α"), V("β"))
    sig_params: list[Binder] = [("α", tu), ("β", Pi([("a", V("α"))], tu))]
    b.definition("Sig.snd'", ["u"], Pi([*(imp(n, t) for n, t in sig_params), ("p", sig)],
                                       A(V("β"), Proj("Sig", 0, V("p")))),
                 Fun([*sig_params, ("p", sig)], Proj("Sig", 1, V("p"))), {"regular": 3})
    const_nat = Fun([("n", NAT)], NAT)
    b.theorem("Sig.snd'_mk", [], eq(1, NAT, A(C("Sig.snd'", 0), NAT, const_nat,
                                              A(C("Sig.mk", 0), NAT, const_nat, Lit(3), Lit(5))), Lit(5)),
              refl(1, NAT, Lit(5)))
    # a String literal (inside mdata) with a regular height hint, and what it unfolds to
    b.definition("greeting", [], C("String"), MData(Str("hi")), {"regular": 7})
    chars = A(C("List.cons", 0), C("Char"), A(C("Char.ofNat"), Lit(104)),
              A(C("List.cons", 0), C("Char"), A(C("Char.ofNat"), Lit(105)), A(C("List.nil", 0), C("Char"))))
    b.theorem("greeting_chars", [], eq(1, C("String"), C("greeting"), A(C("String.mk"), chars)),
              refl(1, C("String"), C("greeting")))
    # projections compute, and structure eta: p = ⟨p.1, p.2⟩ by reflexivity
    pair = A(C("Prod.mk", 0, 0), NAT, NAT, V("a"), V("b"))
    b.theorem("Prod.fst_mk", [], Pi([("a", NAT), ("b", NAT)], eq(1, NAT, Proj("Prod", 0, pair), V("a"))),
              Fun([("a", NAT), ("b", NAT)], refl(1, NAT, V("a"))))
    eta_level = ("succ", ("max", "u", "v"))
    eta_body = eq(eta_level, prod, V("p"), A(C("Prod.mk", "u", "v"), V("α"), V("β"), Proj("Prod", 0, V("p")),
                                             Proj("Prod", 1, V("p"))))
    b.theorem("Prod.eta", ["u", "v"], Pi([("α", tu), ("β", tv), ("p", prod)], eta_body),
              Fun([("α", tu), ("β", tv), ("p", prod)], refl(eta_level, prod, V("p"))))
    b.theorem("Prod.eta_fst", ["u", "v"],
              Pi([("α", tu), ("β", tv), ("p", prod)],
                 eq(eta_level, prod, A(C("Prod.mk", "u", "v"), V("α"), V("β"),
                                       A(C("Prod.fst", "u", "v"), V("α"), V("β"), V("p")),
                                       A(C("Prod.snd", "u", "v"), V("α"), V("β"), V("p"))), V("p"))),
              Fun([("α", tu), ("β", tv), ("p", prod)], refl(eta_level, prod, V("p"))))
    # Nat literals against constructors, a let, an opaque and an axiom
    b.theorem("two_eq", [], eq(1, NAT, Lit(2), succ(succ(ZERO))), refl(1, NAT, LetE("x", NAT, Lit(2), V("x"))))
    b.opaque("secret", [], NAT, Lit(5))
    b.axiom("secret_spec", [], eq(1, NAT, C("secret"), C("secret")))
    return b


def test_structures_fixture_is_the_builders_output() -> None:
    assert (EXPORTS / "structures.ndjson").read_text(encoding="utf-8") == structures_export().text()


# ---------------------------------------------------------------------------------------------
# Accepted
# ---------------------------------------------------------------------------------------------


def status_of(report: CheckReport, name: str) -> Status:
    found = [v for v in report.verdicts if v.name == name]
    assert len(found) == 1, (name, report.verdicts)
    return found[0].status


def test_handwritten_structures_export_is_accepted() -> None:
    report = check_export_bytes((EXPORTS / "structures.ndjson").read_bytes(), "structures.ndjson")
    assert report.problems() == [], [v.describe() for v in report.problems()]
    assert report.exit_code == 0 and report.verdict == "accepted"
    names = [v.name for v in report.verdicts]
    for name in ("Prod.rec", "Sig.rec", "List.rec", "Eq.rec", "Nat.rec", "greeting", "Prod.eta", "Sig.snd'_mk"):
        assert name in names
    # the projections were generated from the recursors and admitted by the kernel
    assert set(report.generated) >= {"Prod..proj.0", "Prod..proj.1", "Sig..proj.0", "Sig..proj.1"}
    env = report.env
    assert env is not None
    snd = env.find("Sig..proj.1")
    assert isinstance(snd, DefinitionInfo) and "Sig..proj.0" in repr(snd.type)  # the dependent field's type
    greeting = env.find("greeting")
    assert isinstance(greeting, DefinitionInfo) and greeting.reducibility is Reducibility.REGULAR
    assert "String.mk" in repr(greeting.value) and "mdata" not in repr(greeting.value)
    fst = env.find("Prod.fst")
    assert isinstance(fst, DefinitionInfo) and fst.reducibility is Reducibility.ABBREV
    assert "Prod..proj.0" in repr(fst.value)
    # an opaque constant is checked, then declared without its value (it never unfolds)
    assert isinstance(env.find("secret"), AxiomInfo)


def test_opaque_does_not_unfold() -> None:
    b = base()
    b.opaque("secret", [], NAT, Lit(5))
    b.theorem("secret_is_5", [], eq(1, NAT, C("secret"), Lit(5)), refl(1, NAT, Lit(5)))
    report = b.check()
    assert status_of(report, "secret") is Status.ACCEPTED
    assert status_of(report, "secret_is_5") is Status.REJECTED


def test_opaque_value_is_checked() -> None:
    b = base()
    b.opaque("bad_opaque", [], NAT, NAT)
    report = b.check()
    assert status_of(report, "bad_opaque") is Status.REJECTED


def test_hints_map_to_reducibility() -> None:
    b = base()
    b.definition("one_a", [], NAT, succ(ZERO), "abbrev")
    b.definition("one_r", [], NAT, succ(ZERO), {"regular": 42})
    b.definition("one_o", [], NAT, succ(ZERO), "opaque")
    report = b.check()
    assert report.exit_code == 0
    env = report.env
    assert env is not None
    kinds = {n: env.find(n).reducibility for n in ("one_a", "one_r", "one_o")}
    assert kinds == {"one_a": Reducibility.ABBREV, "one_r": Reducibility.REGULAR, "one_o": Reducibility.IRREDUCIBLE}


def test_structure_eta_with_projection_functions() -> None:
    report = structures_export().check()
    assert status_of(report, "Prod.eta") is Status.ACCEPTED
    assert status_of(report, "Prod.eta_fst") is Status.ACCEPTED


def test_structure_eta_is_not_for_two_different_pairs() -> None:
    b = structures_export()
    tu = Srt(("succ", "u"))
    prod_aa = A(C("Prod", "u", "u"), V("α"), V("α"))
    level = ("succ", ("max", "u", "u"))
    swapped = A(C("Prod.mk", "u", "u"), V("α"), V("α"), Proj("Prod", 1, V("p")), Proj("Prod", 0, V("p")))
    b.theorem("not_eta", ["u"], Pi([("α", tu), ("p", prod_aa)], eq(level, prod_aa, V("p"), swapped)),
              Fun([("α", tu), ("p", prod_aa)], refl(level, prod_aa, V("p"))))
    report = b.check()
    assert status_of(report, "not_eta") is Status.REJECTED
    assert "declared to have type" in report.problems()[0].reason


# ---------------------------------------------------------------------------------------------
# Rejected, naming the declaration at fault
# ---------------------------------------------------------------------------------------------


def only_problem(report: CheckReport) -> tuple[str, Status, str]:
    problems = [v for v in report.problems() if v.status is not Status.SKIPPED]
    assert len(problems) == 1, [v.describe() for v in report.problems()]
    return problems[0].name, problems[0].status, problems[0].reason


def test_theorem_proving_another_statement_is_rejected() -> None:
    b = base()
    b.theorem("fine", [], eq(1, NAT, ZERO, ZERO), refl(1, NAT, ZERO))
    b.theorem("zero_eq_one", [], eq(1, NAT, ZERO, succ(ZERO)), refl(1, NAT, ZERO))
    report = b.check()
    assert only_problem(report)[:2] == ("zero_eq_one", Status.REJECTED)
    assert report.exit_code == 1 and status_of(report, "fine") is Status.ACCEPTED


def test_changed_recursor_rule_is_rejected_and_its_users_skipped() -> None:
    b = Builder()
    wrong = Fun([("motive", Pi([("t", NAT)], Srt("u"))), ("zero", A(V("motive"), ZERO)),
                 ("succ", Pi([("n", NAT), ("n_ih", A(V("motive"), V("n")))], A(V("motive"), succ(V("n"))))),
                 ("n", NAT)],
                A(V("succ"), V("n"), V("zero")))
    add_nat(b, succ_rhs=wrong)
    b.definition("pred", [], Pi([("n", NAT)], NAT),
                 Fun([("n", NAT)], A(C("Nat.rec", 1), Fun([("t", NAT)], NAT), ZERO,
                                     Fun([("k", NAT), ("ih", NAT)], V("k")), V("n"))))
    report = b.check()
    name, status, reason = only_problem(report)
    assert (name, status) == ("Nat.rec", Status.REJECTED)
    assert "rule for 'Nat.succ'" in reason
    assert status_of(report, "Nat") is Status.ACCEPTED and status_of(report, "Nat.succ") is Status.ACCEPTED
    assert status_of(report, "pred") is Status.SKIPPED


def test_recursor_with_a_wrong_motive_is_rejected() -> None:
    b = Builder()
    add_nat(b, rec_type=nat_rec_type(motive_sort=Srt(0)))
    report = b.check()
    name, status, reason = only_problem(report)
    assert (name, status) == ("Nat.rec", Status.REJECTED) and "type differs" in reason


def test_recursor_numbers_and_k_are_compared() -> None:
    b = Builder()
    add_nat(b)
    b.inductive([ind("Unit'", [], Srt(1), 0, 0, ["Unit'.star"])],
                [ctor("Unit'.star", [], C("Unit'"), "Unit'", 0, 0, 0)],
                [rec("Unit'.rec", ["u"], Pi([imp("motive", Pi([("t", C("Unit'"))], Srt("u"))),
                                             ("star", A(V("motive"), C("Unit'.star"))), ("t", C("Unit'"))],
                                            A(V("motive"), V("t"))),
                     "Unit'", 0, 0, 1,
                     [("Unit'.star", 0, Fun([("motive", Pi([("t", C("Unit'"))], Srt("u"))),
                                             ("star", A(V("motive"), C("Unit'.star")))], V("star")))],
                     k=True)])
    report = b.check()
    name, status, reason = only_problem(report)
    assert (name, status) == ("Unit'.rec", Status.REJECTED) and "k is true" in reason


def test_non_positive_constructor_is_rejected() -> None:
    b = base()
    bad = C("Bad")
    b.inductive([ind("Bad", [], Srt(1), 0, 0, ["Bad.mk"], is_rec=True)],
                [ctor("Bad.mk", [], Pi([("f", Pi([("x", bad)], NAT))], bad), "Bad", 0, 0, 1)], [])
    report = b.check()
    name, status, reason = only_problem(report)
    assert (name, status) == ("Bad", Status.REJECTED)
    assert "non-positive" in reason and "Bad.mk" in reason
    assert status_of(report, "Bad.mk") is Status.SKIPPED


def test_inductive_metadata_must_be_what_the_kernel_derives() -> None:
    b = base()
    b.inductive([ind("Two", [], Srt(1), 0, 0, ["Two.a", "Two.b"], is_rec=True)],
                [ctor("Two.a", [], C("Two"), "Two", 0, 0, 0), ctor("Two.b", [], C("Two"), "Two", 1, 0, 0)], [])
    report = b.check()
    name, status, reason = only_problem(report)
    assert (name, status) == ("Two", Status.REJECTED) and "isRec" in reason
    b = base()
    b.inductive([ind("Two", [], Srt(1), 0, 0, ["Two.a", "Two.b"])],
                [ctor("Two.a", [], C("Two"), "Two", 0, 0, 0), ctor("Two.b", [], C("Two"), "Two", 0, 0, 0)], [])
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("Two.b", Status.REJECTED) and "cidx" in reason


def test_definition_with_a_value_of_the_wrong_type_is_rejected() -> None:
    b = base()
    b.definition("d", [], NAT, NAT)
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("d", Status.REJECTED) and "declared to have type" in reason


def test_reference_to_an_undeclared_constant_is_rejected() -> None:
    b = base()
    b.definition("d", [], NAT, C("Missing"))
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("d", Status.REJECTED) and "unknown constant 'Missing'" in reason


def test_wrong_universe_level_count_is_rejected() -> None:
    b = base()
    b.theorem("t", [], eq(1, NAT, ZERO, ZERO), A(C("Eq.refl"), NAT, ZERO))
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("t", Status.REJECTED) and "expects 1 universe levels, got 0" in reason


def test_undeclared_universe_parameter_is_rejected() -> None:
    b = base()
    b.axiom("ax", [], Srt("v"))
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("ax", Status.REJECTED) and "'v'" in reason


def test_invalid_projections_are_rejected() -> None:
    b = structures_export()
    b.definition("proj_of_nat", [], NAT, Proj("Nat", 0, ZERO))
    b.definition("proj_out_of_range", [], NAT, Proj("Char", 1, A(C("Char.mk"), ZERO)))
    b.definition("proj_of_wrong_type", [], NAT, Proj("Char", 0, ZERO))
    report = b.check()
    reasons = {v.name: v.reason for v in report.problems()}
    assert set(reasons) == {"proj_of_nat", "proj_out_of_range", "proj_of_wrong_type"}
    assert all("invalid projection" in r for r in reasons.values())
    assert all(v.status is Status.REJECTED for v in report.problems())


def test_projection_of_a_proposition_into_data_is_rejected() -> None:
    b = base()
    add_structure(b, "Box", [], [], 0, [("val", NAT)])  # hand-written as if it eliminated into Sort u
    report = b.check()
    assert status_of(report, "Box.rec") is Status.REJECTED  # a Prop with a data field eliminates only into Prop
    b = base()
    box = C("Box")
    motive: Binder = ("motive", Pi([("t", box)], Srt(0)))
    minor: Binder = ("mk", Pi([("val", NAT)], A(V("motive"), A(C("Box.mk"), V("val")))))
    b.inductive([ind("Box", [], Srt(0), 0, 0, ["Box.mk"])],
                [ctor("Box.mk", [], Pi([("val", NAT)], box), "Box", 0, 0, 1)],
                [rec("Box.rec", [], Pi([imp(*motive), minor, ("t", box)], A(V("motive"), V("t"))), "Box", 0, 0, 1,
                     [("Box.mk", 1, Fun([motive, minor, ("val", NAT)], A(V("mk"), V("val"))))])])
    b.axiom("b", [], box)
    b.definition("leak", [], NAT, Proj("Box", 0, C("b")))
    report = b.check()
    assert report.problems()[0].name == "leak" and len(report.problems()) == 1
    assert "proposition" in report.problems()[0].reason


def test_string_literal_without_string_is_rejected_naming_the_constant() -> None:
    b = base()
    b.axiom("String", [], Srt(1))
    b.definition("s", [], C("String"), Str("x"))
    name, status, reason = only_problem(b.check())
    assert (name, status) == ("s", Status.REJECTED) and "'String.mk'" in reason


# ---------------------------------------------------------------------------------------------
# Declined, naming the feature
# ---------------------------------------------------------------------------------------------


def declined(report: CheckReport) -> dict[str, str]:
    return {v.name: v.feature for v in report.verdicts if v.status is Status.DECLINED}


def test_quot_is_declined_and_its_users_skipped() -> None:
    b = base()
    b.quot("Quot", ["u"], Pi([imp("α", Srt("u")), ("r", Pi([("a", V("α")), ("b", V("α"))], Srt(0)))], Srt("u")), "type")
    b.axiom("q", [], A(C("Quot", 1), NAT, Fun([("a", NAT), ("b", NAT)], eq(1, NAT, V("a"), V("b")))))
    report = b.check()
    assert declined(report) == {"Quot": "Quot"}
    assert status_of(report, "q") is Status.SKIPPED
    assert report.exit_code == 2 and report.verdict == "declined"


def test_mutual_block_is_declined() -> None:
    b = base()
    even, odd = C("Even"), C("Odd")
    b.inductive([ind("Even", [], Srt(1), 0, 0, ["Even.zero"], all=["Even", "Odd"]),
                 ind("Odd", [], Srt(1), 0, 0, ["Odd.succ"], all=["Even", "Odd"])],
                [ctor("Even.zero", [], even, "Even", 0, 0, 0),
                 ctor("Odd.succ", [], Pi([("e", even)], odd), "Odd", 0, 0, 1)], [])
    report = b.check()
    assert declined(report) == {"Even": "mutual inductive", "Odd": "mutual inductive", "Even.zero": "mutual inductive",
                                "Odd.succ": "mutual inductive"}
    assert "Even, Odd" in report.problems()[0].reason and report.exit_code == 2


def test_nested_inductive_is_declined() -> None:
    b = base()
    add_list(b)
    tree = C("Tree")
    node = ctor("Tree.node", [], Pi([("children", A(C("List", 0), tree))], tree), "Tree", 0, 0, 1)
    b.inductive([ind("Tree", [], Srt(1), 0, 0, ["Tree.node"], is_rec=True, numNested=1)], [node], [])
    report = b.check()
    assert declined(report) == {"Tree": "nested inductive", "Tree.node": "nested inductive"}
    assert "nested" in report.problems()[0].reason
    # exported as if it were not nested: found, still declined (not rejected as non-positive)
    b = base()
    add_list(b)
    b.inductive([ind("Tree", [], Srt(1), 0, 0, ["Tree.node"], is_rec=True)], [node], [])
    report = b.check()
    assert declined(report)["Tree"] == "nested inductive" and "'List'" in report.problems()[0].reason


def test_unsafe_and_partial_are_declined() -> None:
    b = base()
    b.axiom("u_ax", [], NAT, unsafe=True)
    b.definition("u_def", [], NAT, ZERO, safety="unsafe")
    b.definition("p_def", [], NAT, ZERO, safety="partial")
    report = b.check()
    assert declined(report) == {"u_ax": "unsafe", "u_def": "unsafe", "p_def": "partial"}


def test_nat_literal_over_a_foreign_nat_is_declined() -> None:
    b = Builder()
    b.inductive([ind("Nat", [], Srt(1), 0, 0, ["Nat.zero", "Nat.succ"], is_rec=True)],
                [ctor("Nat.zero", [], NAT, "Nat", 0, 0, 0),
                 ctor("Nat.succ", [], Pi([("m", NAT)], NAT), "Nat", 1, 0, 1)], [])  # binder 'm': not our Nat
    b.definition("two", [], NAT, Lit(2))
    report = b.check()
    assert declined(report) == {"two": "Nat literal"}


def test_theorem_of_a_non_proposition_is_rejected() -> None:
    # Lean's kernel refuses it too (environment::add_theorem: theorem_type_is_not_prop)
    b = base()
    b.theorem("zero_thm", [], NAT, ZERO)
    report = b.check()
    assert report.verdict == "rejected"
    (bad,) = report.problems()
    assert bad.name == "zero_thm" and bad.status is Status.REJECTED and "not a proposition" in bad.reason


def test_rejection_outranks_declining() -> None:
    b = base()
    b.axiom("u_ax", [], NAT, unsafe=True)
    b.definition("d", [], NAT, NAT)
    report = b.check()
    assert report.exit_code == 1 and report.verdict == "rejected"
    assert report.first_problem() is not None and report.first_problem().name == "d"


# ---------------------------------------------------------------------------------------------
# Malformed
# ---------------------------------------------------------------------------------------------


def test_truncated_line_is_malformed_with_its_line() -> None:
    text = base().text()
    lines = text.splitlines()
    broken = "\n".join([*lines[:-1], lines[-1][: len(lines[-1]) // 2]]) + "\n"
    report = check_export_bytes(broken.encode(), "t.ndjson")
    assert report.malformed is not None and report.malformed.line == len(lines)
    assert report.exit_code == 2 and report.verdict == "malformed" and report.verdicts == ()


def test_bad_json_is_malformed_with_its_line() -> None:
    lines = base().text().splitlines()
    lines.insert(3, "{not json")
    report = check_export_lines(lines, "t.ndjson")
    assert report.malformed is not None and report.malformed.line == 4 and "t.ndjson:4:" in report.malformed.message


def test_dangling_id_is_malformed_with_its_line() -> None:
    lines = base().text().splitlines()
    lines.append(json.dumps({"axiom": {"name": 1, "levelParams": [], "type": 99999, "isUnsafe": False}}))
    report = check_export_lines(lines, "t.ndjson")
    assert report.malformed is not None and report.malformed.line == len(lines)
    assert "99999" in report.malformed.message and report.exit_code == 2


def test_unreadable_file_is_a_report(tmp_path: Path) -> None:
    from tactic_mesh.lean.ndjson_check import check_export_file

    report = check_export_file(tmp_path / "missing.ndjson")
    assert report.exit_code == 2 and report.malformed is not None and "cannot read" in report.malformed.message


def test_deep_terms_are_fine() -> None:
    lines = base().text().splitlines()
    ids = [json.loads(line)["ie"] for line in lines if '"ie"' in line]
    succ_id = next(json.loads(line)["ie"] for line in lines if '"const"' in line and '"name": 3,' in line)
    zero_id = next(json.loads(line)["ie"] for line in lines if '"const"' in line and '"name": 2,' in line)
    nat_id = next(json.loads(line)["ie"] for line in lines if '"const"' in line and '"name": 1,' in line)
    cur, nxt = zero_id, max(ids) + 1
    for _ in range(20000):  # succ (succ (… zero)), 20 000 deep
        lines.append(json.dumps({"ie": nxt, "app": {"fn": succ_id, "arg": cur}}))
        cur, nxt = nxt, nxt + 1
    lines.append(json.dumps({"in": 1000, "str": {"pre": 0, "str": "big"}}))
    lines.append(json.dumps({"def": {"name": 1000, "levelParams": [], "type": nat_id, "value": cur, "hints": "abbrev",
                                     "safety": "safe", "all": [1000]}}))
    report = check_export_lines(lines, "deep.ndjson")
    assert report.problems() == [] and [v.name for v in report.verdicts][-1] == "big"


if __name__ == "__main__":  # regenerate the fixture
    (EXPORTS / "structures.ndjson").write_text(structures_export().text(), encoding="utf-8")
    sys.exit(0)
