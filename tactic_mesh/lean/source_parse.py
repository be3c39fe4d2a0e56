"""Reading the exported Lean 4 source back into kernel terms: the self-check of the export.

``parse_lean(text)`` reads the subset of Lean 4 that ``tactic_mesh.lean.source`` writes — its
commands and its fully explicit terms — following Lean's grammar where the printer relies on it:
an argument is an identifier, ``@…``, a parenthesised term, ``Prop``/``Type`` or a ``fun`` (Lean's
``argPrec``); ``∀`` and ``let`` are not arguments; ``Sort u`` / ``Type u`` take their level only
outside argument position; ``→`` is right associative at precedence 25; an identifier resolves to
the innermost binder of that name, else to a constant declared *earlier in the file* (or one Lean
generates from an earlier command).  A constant written without ``@`` must not have a function
type (Lean would insert its implicit arguments).  Terms end at the end of their line (the printer
writes each term on one line).  The elaboration it models is Lean's for these explicit terms:
``(n : Nat)`` is the literal ``n``; constructor parameters become implicit
(``Expr.inferImplicit``); ``structure`` fields are the constructor's explicit fields.

``check_roundtrip(export, env)`` parses an export and compares every declaration with ``env``
(types, values, constructors, generated projections: up to α-equivalence, binder infos and
universe levels included; kinds, reducibility, instances, classes, fields).  It returns the
differences, so a test fails when printing goes wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.elab_core import classes, instances, structures
from tactic_mesh.kernel.environment import (
    AxiomInfo,
    DefinitionInfo,
    Environment,
    InductiveInfo,
    RecursorInfo,
    Reducibility,
    TheoremInfo,
)
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    BinderInfo,
    Const,
    Expr,
    FVar,
    Let,
    NatLit,
    Pi,
    Sort,
    abstract,
    alpha_equiv,
    fresh_id,
    lift_loose_bvars,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    nat_of_digits,
    replace_fvars,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.lean.source_names import is_id_first, is_id_rest, unescape_ident

_SYMBOLS = (".{", ":=", "::", "=>", "@[", "→", "@", "(", ")", "{", "}", "⦃", "⦄", "[", "]", ":", ",", ";", "|", "+",
            "∀")
_KEYWORDS = frozenset(
    "fun let Prop Type Sort max imax prelude set_option in axiom theorem def abbrev instance inductive class "
    "structure where noncomputable no_implicit_lambda%".split()
)
_CLOSE = {"(": ")", "{": "}", "⦃": "⦄", "[": "]"}
_BI = {"(": BinderInfo.DEFAULT, "{": BinderInfo.IMPLICIT, "⦃": BinderInfo.STRICT_IMPLICIT,
       "[": BinderInfo.INST_IMPLICIT}
MAX_PREC, ARG_PREC, LEAD_PREC, ARROW_PREC = 1024, 1023, 1022, 25


class LeanParseError(TacticMeshError):
    """The text is not in the subset the exporter writes (with ``line:col``)."""


@attrs.frozen
class Token:
    kind: str  # ident, kw, num, sym
    text: str
    line: int
    col: int
    value: str = ""  # an identifier's name (unquoted, without `_root_.`)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, line, col = 0, 1, 0
    n = len(text)

    def advance(k: int) -> None:
        nonlocal i, line, col
        for _ in range(k):
            if text[i] == "\n":
                line, col = line + 1, 0
            else:
                col += 1
            i += 1

    while i < n:
        c = text[i]
        if c in " \t\r\n":
            advance(1)
        elif text.startswith("--", i):
            while i < n and text[i] != "\n":
                advance(1)
        elif text.startswith("/-", i):
            depth = 0
            while i < n:
                if text.startswith("/-", i):
                    depth += 1
                    advance(2)
                elif text.startswith("-/", i):
                    depth -= 1
                    advance(2)
                    if depth == 0:
                        break
                else:
                    advance(1)
        elif c == "«" or is_id_first(c):
            start, sline, scol = i, line, col
            while True:
                if i < n and text[i] == "«":
                    end = text.find("»", i)
                    if end < 0:
                        raise LeanParseError(f"{sline}:{scol + 1}: unterminated «")
                    advance(end + 1 - i)
                else:
                    while i < n and is_id_rest(text[i]):
                        advance(1)
                if i + 1 < n and text[i] == "." and (text[i + 1] == "«" or is_id_first(text[i + 1])):
                    advance(1)
                    continue
                break
            raw = text[start:i]
            if raw == "no_implicit_lambda" and i < n and text[i] == "%":
                advance(1)
                raw += "%"
            kind = "kw" if raw in _KEYWORDS else "ident"
            out.append(Token(kind, raw, sline, scol + 1, unescape_ident(raw) if kind == "ident" else raw))
        elif c.isdigit():
            start, sline, scol = i, line, col
            while i < n and text[i].isdigit():
                advance(1)
            out.append(Token("num", text[start:i], sline, scol + 1))
        else:
            for sym in _SYMBOLS:
                if text.startswith(sym, i):
                    out.append(Token("sym", sym, line, col + 1))
                    advance(len(sym))
                    break
            else:
                raise LeanParseError(f"{line}:{col + 1}: unexpected character {c!r}")
    return out


@attrs.frozen
class ParsedDecl:
    kind: str  # axiom theorem def abbrev instance inductive structure
    name: str
    level_params: tuple[str, ...]
    type: Expr
    value: Expr | None = None
    ctors: tuple[tuple[str, Expr], ...] = ()
    fields: tuple[str, ...] = ()
    projections: tuple[tuple[str, Expr], ...] = ()
    is_class: bool = False
    noncomputable: bool = False
    attributes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    line: int = 0


Binder = tuple[str, FVar, Expr, BinderInfo]


class _Parser:
    def __init__(self, tokens: list[Token], recursor_levels: Mapping[str, int]) -> None:
        self.toks = tokens
        self.recursor_levels = recursor_levels
        self.pos = 0
        self.known: dict[str, int] = {}  # constant → number of universe parameters (-1: any)
        self.functions: dict[str, bool] = {}
        self.scope: list[tuple[str, FVar, Expr]] = []
        self.levels: tuple[str, ...] = ()
        self.self_ref: str | None = None

    # -- tokens --------------------------------------------------------------------------------

    def peek(self, k: int = 0) -> Token | None:
        j = self.pos + k
        return self.toks[j] if j < len(self.toks) else None

    def error(self, message: str, tok: Token | None = None) -> LeanParseError:
        tok = tok or self.peek() or (self.toks[-1] if self.toks else None)
        where = f"{tok.line}:{tok.col}: " if tok is not None else ""
        return LeanParseError(where + message)

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of file")
        self.pos += 1
        return tok

    def is_(self, text: str, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok is not None and tok.kind in ("sym", "kw") and tok.text == text

    def expect(self, text: str) -> Token:
        tok = self.next()
        if tok.kind not in ("sym", "kw") or tok.text != text:
            raise self.error(f"expected '{text}', found '{tok.text}'", tok)
        return tok

    def ident(self) -> Token:
        tok = self.next()
        if tok.kind != "ident":
            raise self.error(f"expected an identifier, found '{tok.text}'", tok)
        return tok

    def same_line(self) -> bool:
        tok, prev = self.peek(), self.toks[self.pos - 1] if self.pos else None
        return tok is not None and prev is not None and tok.line == prev.line

    # -- levels --------------------------------------------------------------------------------

    def level(self, prec: int = 0) -> Level:
        tok = self.next()
        if tok.kind == "num":
            out = lv.level_of_int(int(tok.text))
        elif tok.kind == "ident":
            if tok.value not in self.levels:
                raise self.error(f"unknown universe '{tok.value}'", tok)
            out = lv.LParam(tok.value)
        elif tok.kind == "kw" and tok.text in ("max", "imax"):
            args = [self.level(MAX_PREC)]
            while self.peek() is not None and self._level_start() and self.same_line():
                args.append(self.level(MAX_PREC))
            if len(args) != 2:
                raise self.error(f"'{tok.text}' with {len(args)} arguments", tok)
            out = lv.LMax(args[0], args[1]) if tok.text == "max" else lv.LIMax(args[0], args[1])
            if prec > LEAD_PREC:
                raise self.error(f"'{tok.text} …' needs parentheses here", tok)
        elif tok.text == "(":
            out = self.level(0)
            self.expect(")")
        else:
            raise self.error(f"expected a universe level, found '{tok.text}'", tok)
        while self.is_("+") and prec <= 65:
            self.next()
            k = self.next()
            if k.kind != "num":
                raise self.error("expected a numeral after '+'", k)
            out = lv.level_of_int(int(k.text), out)
        return out

    def _level_start(self) -> bool:
        tok = self.peek()
        return tok is not None and (tok.kind in ("num", "ident") or tok.text in ("(", "max", "imax"))

    # -- terms ---------------------------------------------------------------------------------

    def term(self, prec: int = 0) -> Expr:
        lhs, lhs_prec = self.leading(prec)
        while True:
            if self.is_("→") and prec <= ARROW_PREC:
                self.next()
                rhs = self.term(ARROW_PREC)
                lhs, lhs_prec = Pi("a", lhs, _lift(rhs)), ARROW_PREC
            elif prec <= LEAD_PREC and lhs_prec >= MAX_PREC and self._arg_start() and self.same_line():
                args = []
                while self._arg_start() and self.same_line():
                    args.append(self.term(ARG_PREC))
                lhs, lhs_prec = mk_apps(lhs, args), LEAD_PREC
            else:
                return lhs

    def _arg_start(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind in ("ident", "num"):
            return True
        return tok.text in ("(", "@", "Prop", "Type", "Sort", "fun", "no_implicit_lambda%")

    def leading(self, prec: int) -> tuple[Expr, int]:
        tok = self.next()
        if tok.kind == "ident":
            return self.reference(tok, explicit=False), MAX_PREC
        if tok.kind == "num":
            raise self.error("a bare numeral (the exporter writes `(n : Nat)`)", tok)
        t = tok.text
        if t == "@":
            return self.reference(self.ident(), explicit=True), MAX_PREC
        if t == "(":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "num":
                self.next()
                self.expect(":")
                ty = self.term(0)
                self.expect(")")
                if not (isinstance(ty, Const) and ty.name == "Nat"):
                    raise self.error("a numeral ascribed a type other than Nat", nxt)
                return NatLit(nat_of_digits(nxt.text)), MAX_PREC
            inner = self.term(0)
            if self.is_(":"):
                raise self.error("a type ascription (the exporter writes none)")
            self.expect(")")
            return inner, MAX_PREC
        if t == "Prop":
            return Sort(lv.ZERO), MAX_PREC
        if t in ("Type", "Sort"):
            if prec <= LEAD_PREC and self._level_start() and self.same_line():
                level = self.level(MAX_PREC)
                return Sort(lv.LSucc(level) if t == "Type" else level), LEAD_PREC
            if t == "Sort":
                raise self.error("`Sort` without a level (in argument position the level is not read)", tok)
            return Sort(lv.ONE), MAX_PREC
        if t == "no_implicit_lambda%":
            return self.term(MAX_PREC), MAX_PREC
        if t == "fun":
            binders = self.binders("=>")
            self.expect("=>")
            body = self.term(0)
            self._close(binders)
            return mk_lambda(binders, body), MAX_PREC
        if t == "∀":
            if prec > LEAD_PREC:
                raise self.error("`∀` is not an argument (parenthesise it)", tok)
            binders = self.binders(",")
            self.expect(",")
            body = self.term(0)
            self._close(binders)
            return mk_pi(binders, body), LEAD_PREC
        if t == "let":
            if prec > LEAD_PREC:
                raise self.error("`let` is not an argument (parenthesise it)", tok)
            name = self.ident()
            self.expect(":")
            ty = self.term(0)
            self.expect(":=")
            value = self.term(0)
            self.expect(";")
            x = self._open(name.value, ty)
            body = self.term(0)
            self._close([(name.value, x, ty, BinderInfo.DEFAULT)])
            return Let(name.value, ty, value, abstract(body, [x])), LEAD_PREC
        raise self.error(f"unexpected '{t}'", tok)

    def reference(self, tok: Token, explicit: bool) -> Expr:
        name = tok.value
        for local_name, x, ty in reversed(self.scope):
            if local_name == name and "." not in tok.text and not tok.text.startswith("«"):
                if self.is_(".{"):
                    raise self.error("universe levels on a local variable", tok)
                if not explicit and isinstance(ty, Pi):
                    raise self.error(f"'{name}' has a function type but is written without '@'", tok)
                return x
        if name not in self.known:
            raise self.error(f"unknown identifier '{name}' (not declared before this point)", tok)
        levels: tuple[Level, ...] = ()
        if self.is_(".{"):
            self.next()
            levels = (self.level(0),)
            while self.is_(","):
                self.next()
                levels += (self.level(0),)
            self.expect("}")
        elif name == self.self_ref:
            levels = tuple(lv.LParam(u) for u in self.levels)
        if self.known[name] >= 0 and len(levels) != self.known[name]:
            raise self.error(f"'{name}' takes {self.known[name]} universe levels, {len(levels)} given", tok)
        if not explicit and self.functions.get(name, True):
            raise self.error(f"the constant '{name}' has a function type but is written without '@'", tok)
        return Const(name, levels)

    def _open(self, name: str, ty: Expr) -> FVar:
        x = FVar(fresh_id())
        self.scope.append((name, x, ty))
        return x

    def _close(self, binders: Sequence[Binder]) -> None:
        del self.scope[len(self.scope) - len(binders):]

    def binders(self, stop: str) -> list[Binder]:
        """Bracketed binder groups up to ``stop`` (left open in scope: close them)."""
        out: list[Binder] = []
        while not self.is_(stop) and not self.is_(":"):
            tok = self.next()
            if tok.text not in _CLOSE or tok.kind != "sym":
                raise self.error(f"expected a binder, found '{tok.text}'", tok)
            names: list[str] = []
            while not self.is_(":"):
                nt = self.next()
                if nt.kind != "ident":
                    raise self.error(f"expected a binder name, found '{nt.text}'", nt)
                names.append(nt.value)
            self.expect(":")
            ty = self.term(0)
            self.expect(_CLOSE[tok.text])
            if tok.text == "[" and len(names) != 1:
                raise self.error("an instance binder names one variable", tok)
            for nm in names:
                out.append((nm, self._open(nm, ty), ty, _BI[tok.text]))
        return out

    # -- commands ------------------------------------------------------------------------------

    def file(self) -> list[ParsedDecl]:
        self.expect("prelude")
        out: list[ParsedDecl] = []
        pending: list[str] = []  # `set_option … in` for the next command
        while self.peek() is not None:
            if self.is_("set_option"):
                self.next()
                option = f"{self.ident().value} {self.next().text}"
                if self.is_("in"):
                    self.next()
                    pending.append(option)
                continue
            if not self._command_start():
                raise self.error(f"expected a command, found '{self.next().text}'")
            out.append(self.command(tuple(pending)))
            pending = []
        return out

    def _command_start(self) -> bool:
        tok = self.peek()
        return tok is not None and (tok.text in ("@[", "noncomputable", "axiom", "theorem", "def", "abbrev",
                                                 "instance", "inductive", "class", "structure"))

    def command(self, options: tuple[str, ...]) -> ParsedDecl:
        start = self.peek()
        assert start is not None
        attributes: list[str] = []
        if self.is_("@["):
            self.next()
            attributes.append(self.ident().value)
            while self.is_(","):
                self.next()
                attributes.append(self.ident().value)
            self.expect("]")
        noncomputable = False
        if self.is_("noncomputable"):
            self.next()
            noncomputable = True
        kw = self.next()
        if kw.text == "class" and self.is_("inductive"):
            self.next()
            return self.inductive(kw, True, options, attributes)
        if kw.text == "inductive":
            return self.inductive(kw, False, options, attributes)
        if kw.text in ("structure", "class"):
            return self.structure(kw, kw.text == "class", options, attributes)
        if kw.text not in ("axiom", "theorem", "def", "abbrev", "instance"):
            raise self.error(f"unexpected '{kw.text}'", kw)
        name, levels = self.decl_id()
        binders = self.binders(":") if kw.text != "axiom" else []
        self.expect(":")
        ty = self.term(0)
        value = None
        if kw.text != "axiom":
            self.expect(":=")
            value = mk_lambda(binders, self.term(0))
        self._close(binders)
        decl = ParsedDecl(kw.text, name, levels, mk_pi(binders, ty), value, noncomputable=noncomputable,
                          attributes=tuple(attributes), options=options, line=kw.line)
        self.declare(name, len(levels), decl.type)
        return decl

    def decl_id(self) -> tuple[str, tuple[str, ...]]:
        tok = self.ident()
        name = tok.value
        if "." in name and not tok.text.startswith("_root_."):
            raise self.error(f"the dotted name '{name}' is declared without `_root_.`", tok)
        levels: list[str] = []
        if self.is_(".{"):
            self.next()
            levels.append(self.ident().value)
            while self.is_(","):
                self.next()
                levels.append(self.ident().value)
            self.expect("}")
        if name in self.known:
            raise self.error(f"'{name}' is declared twice", tok)
        self.levels = tuple(levels)
        return name, self.levels

    def declare(self, name: str, num_levels: int, ty: Expr | None) -> None:
        self.known[name] = num_levels
        self.functions[name] = ty is None or isinstance(ty, Pi)

    def _header(self) -> tuple[list[Binder], Expr]:
        binders = self.binders(":")
        self.expect(":")
        return binders, self.term(0)

    def inductive(self, kw: Token, is_class: bool, options: tuple[str, ...], attributes: list[str]) -> ParsedDecl:
        name, levels = self.decl_id()
        params, rest = self._header()
        full = mk_pi(params, rest)
        self.declare(name, len(levels), full)
        self.self_ref = name
        ctors: list[tuple[str, Expr]] = []
        if self.is_("where"):
            self.next()
            while self.is_("|"):
                self.next()
                short = self.ident().value
                fields = self.binders(":")
                self.expect(":")
                result = self.term(0)
                self._close(fields)
                ctors.append((f"{name}.{short}", mk_pi([*_ctor_params(params), *fields], result)))
        self.self_ref = None
        self._close(params)
        for cname, ctype in ctors:
            self.declare(cname, len(levels), ctype)
        self.declare(name + ".rec", self.recursor_levels.get(name + ".rec", -1), None)
        return ParsedDecl("inductive", name, levels, full, None, tuple(ctors), is_class=is_class,
                          options=options, attributes=tuple(attributes), line=kw.line)

    def structure(self, kw: Token, is_class: bool, options: tuple[str, ...], attributes: list[str]) -> ParsedDecl:
        name, levels = self.decl_id()
        params, sort = self._header()
        full = mk_pi(params, sort)
        self.declare(name, len(levels), full)
        self.expect("where")
        ctor_short = self.ident().value
        self.expect("::")
        level_args = tuple(lv.LParam(u) for u in levels)
        self.self_ref = name
        fields: list[Binder] = []
        while self.peek() is not None and self.peek(1) is not None and self.is_(":", 1) and not self._command_start():
            field = self.ident()
            self.expect(":")
            ty = self.term(0)
            fields.append((field.value, self._open(field.value, ty), ty, BinderInfo.DEFAULT))
        self.self_ref = None
        param_vars = [p[1] for p in params]
        result = mk_apps(Const(name, level_args), param_vars)
        ctor_type = mk_pi([*_ctor_params(params), *fields], result)
        self_var = FVar(fresh_id())
        self_binder = ("self", self_var, result, BinderInfo.INST_IMPLICIT if is_class else BinderInfo.DEFAULT)
        implicit = [(n, x, t, BinderInfo.IMPLICIT) for n, x, t, _ in params]
        projections: list[tuple[str, Expr]] = []
        replaced: dict[Expr, Expr] = {}
        for fname, fvar, ftype, _ in fields:
            proj = f"{name}.{fname}"
            projections.append((proj, mk_pi([*implicit, self_binder], replace_fvars(ftype, replaced))))
            replaced[fvar] = mk_app(mk_apps(Const(proj, level_args), param_vars), self_var)
        self._close(fields)
        self._close(params)
        ctor_name = f"{name}.{ctor_short}"
        self.declare(ctor_name, len(levels), ctor_type)
        self.declare(name + ".rec", self.recursor_levels.get(name + ".rec", -1), None)
        for proj, ptype in projections:
            self.declare(proj, len(levels), ptype)
        return ParsedDecl("structure", name, levels, full, None, ((ctor_name, ctor_type),),
                          tuple(f[0] for f in fields), tuple(projections), is_class, options=options,
                          attributes=tuple(attributes), line=kw.line)


def _ctor_params(params: Sequence[Binder]) -> list[Binder]:
    """Lean's ``inferImplicit`` on a constructor's parameters (each occurs in its result type)."""
    return [(n, x, t, BinderInfo.IMPLICIT if bi is BinderInfo.DEFAULT else bi) for n, x, t, bi in params]


def _lift(e: Expr) -> Expr:
    return lift_loose_bvars(e, 1)


def parse_lean(text: str, recursor_levels: Mapping[str, int] | None = None) -> list[ParsedDecl]:
    """The declarations of an exported file, in order (raises ``LeanParseError``).
    ``recursor_levels``: how many universe levels each ``T.rec`` takes (one more than ``T`` when it
    eliminates into every sort — Lean decides that, the text does not say it); unknown: any."""
    return _Parser(tokenize(text), recursor_levels=recursor_levels or {}).file()


def check_roundtrip(text: str, env: Environment, declarations: Sequence[str], generated: Sequence[str] = (),
                    support: Sequence[str] = ()) -> list[str]:
    """Differences between the exported ``text`` read back and ``env`` (empty: it reads back)."""
    recursors = {n: len(i.level_params) for n in env.names() if isinstance(i := env.find(n), RecursorInfo)}
    try:
        parsed = parse_lean(text, recursors)
    except LeanParseError as err:
        return [f"the export does not read back: {err.message}"]
    problems: list[str] = []
    ours = [d for d in parsed if d.name not in support]
    if [d.name for d in ours] != list(declarations):
        problems.append("the declarations read back are not the exported ones in order")
    insts = {n for n, _ in instances(env)}
    cls = classes(env)
    structs = structures(env)
    produced: dict[str, Expr] = {}
    for d in ours:
        info = env.find(d.name)
        where = f"line {d.line}: '{d.name}'"
        if info is None:
            problems.append(f"{where} is not in the environment")
            continue
        if d.level_params != info.level_params:
            problems.append(f"{where}: universe parameters {d.level_params} instead of {info.level_params}")
        if not alpha_equiv(d.type, info.type):
            problems.append(f"{where}: the type does not read back")
        kind_ok = {
            "axiom": isinstance(info, AxiomInfo),
            "theorem": isinstance(info, TheoremInfo),
            "def": isinstance(info, DefinitionInfo) and d.name not in insts and info.reducibility is (
                Reducibility.IRREDUCIBLE if "irreducible" in d.attributes else Reducibility.REGULAR),
            "abbrev": isinstance(info, DefinitionInfo) and info.reducibility is Reducibility.ABBREV,
            "instance": isinstance(info, DefinitionInfo) and d.name in insts,
            "inductive": isinstance(info, InductiveInfo) and d.name not in structs,
            "structure": isinstance(info, InductiveInfo) and d.name in structs,
        }[d.kind]
        if d.kind == "def" and isinstance(info, TheoremInfo):
            kind_ok = True  # a theorem whose statement is not a proposition
        if not kind_ok:
            problems.append(f"{where}: a `{d.kind}` for a {type(info).__name__}")
        value = getattr(info, "value", None)
        if d.value is not None and not (isinstance(value, Expr) and alpha_equiv(d.value, value)):
            problems.append(f"{where}: the value does not read back")
        if isinstance(info, InductiveInfo):
            if d.is_class != (d.name in cls):
                problems.append(f"{where}: class or not")
            if [c for c, _ in d.ctors] != list(info.constructors):
                problems.append(f"{where}: constructors {[c for c, _ in d.ctors]}")
            for cname, ctype in d.ctors:
                cinfo = env.find(cname)
                if cinfo is None or not alpha_equiv(ctype, cinfo.type):
                    problems.append(f"{where}: constructor '{cname}' does not read back")
            if d.kind == "structure" and structs[d.name][1] != d.fields:
                problems.append(f"{where}: fields {d.fields}")
            produced.update(d.projections)
            produced.update(d.ctors)
            produced[d.name + ".rec"] = info.type
    for name in generated:
        if name not in produced:
            problems.append(f"'{name}' is not generated by any command of the file")
            continue
        if name.endswith(".rec"):
            continue
        gen = env.find(name)
        if gen is None or not alpha_equiv(produced[name], gen.type):
            problems.append(f"'{name}': the constant Lean generates does not have our type")
    return problems
