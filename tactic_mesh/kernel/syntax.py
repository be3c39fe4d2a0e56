"""Surface syntax: the parser (lark, LALR) and the surface AST of terms and commands.

The transformer runs inside the LALR parser (bottom-up, no recursion), so deeply nested input
cannot overflow the Python stack while parsing.  Syntax errors become ``ParseError`` with
``file:line:col`` and the expected tokens.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import attrs

from tactic_mesh.kernel.errors import Location, ParseError
from tactic_mesh.kernel.expr import nat_of_digits

# ---------------------------------------------------------------------------------------------
# Surface AST
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Pos:
    line: int
    col: int


NOPOS = Pos(0, 0)


@attrs.frozen
class Syntax:
    pos: Pos = attrs.field(kw_only=True, default=NOPOS, eq=False)


@attrs.frozen
class LevelS:
    kind: str  # "num" | "name" | "succ" | "max" | "imax"
    value: Any = None
    args: tuple[LevelS, ...] = ()


@attrs.frozen
class Ident(Syntax):
    name: str
    levels: tuple[LevelS, ...] | None = None
    explicit: bool = False


@attrs.frozen
class Num(Syntax):
    value: int


@attrs.frozen
class Hole(Syntax):
    name: str | None = None


@attrs.frozen
class SortS(Syntax):
    level: LevelS  # Prop is Sort 0; Type l is Sort (l+1)


@attrs.frozen
class Binder:
    names: tuple[str, ...]
    type: Syntax | None
    bi: str  # default | implicit | strict | inst
    pos: Pos = attrs.field(default=NOPOS, eq=False)


@attrs.frozen
class BinderTerm(Syntax):
    kind: str  # forall | exists | fun
    binders: tuple[Binder, ...]
    body: Syntax


@attrs.frozen
class LetS(Syntax):
    name: str
    type: Syntax | None
    value: Syntax
    body: Syntax


@attrs.frozen
class Arrow(Syntax):
    dom: Syntax
    cod: Syntax


@attrs.frozen
class BinOp(Syntax):
    op: str
    lhs: Syntax
    rhs: Syntax


@attrs.frozen
class NotS(Syntax):
    arg: Syntax


@attrs.frozen
class AppS(Syntax):
    fn: Syntax
    args: tuple[tuple[str | None, Syntax], ...]  # (named argument or None, value)


@attrs.frozen
class Anon(Syntax):
    items: tuple[Syntax, ...]


@attrs.frozen
class ListLit(Syntax):
    items: tuple[Syntax, ...]


@attrs.frozen
class Ascribe(Syntax):
    term: Syntax
    type: Syntax


@attrs.frozen
class Proj(Syntax):
    term: Syntax
    index: int


@attrs.frozen
class FieldAccess(Syntax):
    term: Syntax
    field: str


@attrs.frozen
class ByBlock(Syntax):
    text: str


# -- commands -----------------------------------------------------------------------------


@attrs.frozen
class Command:
    pos: Pos = attrs.field(kw_only=True, default=NOPOS, eq=False)


@attrs.frozen
class DeclHeader:
    name: str
    level_params: tuple[str, ...] | None
    binders: tuple[Binder, ...]
    attributes: tuple[str, ...] = ()


@attrs.frozen
class TheoremCmd(Command):
    header: DeclHeader
    type: Syntax
    value: Syntax


@attrs.frozen
class DefCmd(Command):
    header: DeclHeader
    type: Syntax | None
    value: Syntax
    abbrev: bool = False


@attrs.frozen
class AxiomCmd(Command):
    header: DeclHeader
    type: Syntax


@attrs.frozen
class CtorS:
    name: str
    binders: tuple[Binder, ...]
    type: Syntax | None
    pos: Pos = attrs.field(default=NOPOS, eq=False)


@attrs.frozen
class InductiveCmd(Command):
    header: DeclHeader
    type: Syntax | None
    ctors: tuple[CtorS, ...]
    is_class: bool = False


@attrs.frozen
class StructureCmd(Command):
    header: DeclHeader
    type: Syntax | None
    ctor_name: str | None
    fields: tuple[CtorS, ...]
    is_class: bool = False


@attrs.frozen
class InstanceCmd(Command):
    name: str | None
    binders: tuple[Binder, ...]
    type: Syntax
    value: Syntax
    attributes: tuple[str, ...] = ()


@attrs.frozen
class CheckCmd(Command):
    term: Syntax


@attrs.frozen
class ReduceCmd(Command):
    term: Syntax


@attrs.frozen
class PrintAxiomsCmd(Command):
    name: str


@attrs.frozen
class UniverseCmd(Command):
    names: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class _Attrs:
    names: tuple[str, ...]


@attrs.frozen
class _Names:
    names: tuple[str, ...]
    pos: Pos


@attrs.frozen
class _DeclName:
    name: str
    level_params: tuple[str, ...] | None


def _first_pos(children: list[Any]) -> Pos:
    for child in children:
        if child is None:
            continue
        pos = getattr(child, "pos", None)
        if isinstance(pos, Pos) and pos != NOPOS:
            return pos
        if hasattr(child, "line") and getattr(child, "line", None):
            return _tok_pos(child)
        if isinstance(child, (tuple, list)):
            found = _first_pos(list(child))
            if found != NOPOS:
                return found
    return NOPOS


def _tok_pos(tok: Any) -> Pos:
    return Pos(getattr(tok, "line", 0) or 0, getattr(tok, "column", 0) or 0)


def _build_transformer() -> Any:
    from lark import Token, Transformer

    def strip_field(tok: Token) -> str:
        return str(tok).strip()

    class ToAst(Transformer[Any, Any]):
        # ---- levels
        def level_name(self, c: list[Any]) -> LevelS:
            return LevelS("name", str(c[0]))

        def level_num(self, c: list[Any]) -> LevelS:
            return LevelS("num", nat_of_digits(str(c[0])))

        def level_paren(self, c: list[Any]) -> LevelS:
            return c[0]  # type: ignore[no-any-return]

        def level_add(self, c: list[Any]) -> LevelS:
            if len(c) == 1:
                return c[0]  # type: ignore[no-any-return]
            return LevelS("succ", int(c[1]), (c[0],))

        def level_max(self, c: list[Any]) -> LevelS:
            out: LevelS = c[0]
            for nxt in c[1:]:
                out = LevelS("max", None, (out, nxt))
            return out

        def level_imax(self, c: list[Any]) -> LevelS:
            return LevelS("imax", None, (c[0], c[1]))

        # ---- atoms
        def ident(self, c: list[Any]) -> Syntax:
            return Ident(str(c[0]), pos=_tok_pos(c[0]))

        def ident_univ(self, c: list[Any]) -> Syntax:
            return Ident(str(c[0]), tuple(c[1:]), pos=_tok_pos(c[0]))

        def explicit_ident(self, c: list[Any]) -> Syntax:
            return Ident(str(c[0]), None, True, pos=_first_pos(c))

        def explicit_ident_univ(self, c: list[Any]) -> Syntax:
            return Ident(str(c[0]), tuple(c[1:]), True, pos=_first_pos(c))

        def num(self, c: list[Any]) -> Syntax:
            return Num(nat_of_digits(str(c[0])), pos=_tok_pos(c[0]))

        def hole(self, c: list[Any]) -> Syntax:
            return Hole(pos=_first_pos(c))

        def named_hole(self, c: list[Any]) -> Syntax:
            return Hole(str(c[0])[1:], pos=_tok_pos(c[0]))

        def paren(self, c: list[Any]) -> Syntax:
            return c[0]  # type: ignore[no-any-return]

        def ascribe(self, c: list[Any]) -> Syntax:
            return Ascribe(c[0], c[1], pos=_first_pos(c))

        def anon(self, c: list[Any]) -> Syntax:
            return Anon(tuple(x for x in c[1:] if x is not None), pos=_tok_pos(c[0]))

        def list_lit(self, c: list[Any]) -> Syntax:
            return ListLit(tuple(x for x in c[1:] if x is not None), pos=_tok_pos(c[0]))

        def prop(self, c: list[Any]) -> Syntax:
            return SortS(LevelS("num", 0), pos=_first_pos(c))

        def sort_plain(self, c: list[Any]) -> Syntax:
            kind = str(c[0])
            return SortS(LevelS("num", 1 if kind == "Type" else 0), pos=_tok_pos(c[0]))

        def sort_level(self, c: list[Any]) -> Syntax:
            level: LevelS = c[1]
            if str(c[0]) == "Type":
                level = LevelS("succ", 1, (level,))
            return SortS(level, pos=_tok_pos(c[0]))

        def proj(self, c: list[Any]) -> Syntax:
            return Proj(c[0], nat_of_digits(str(c[1])[1:]), pos=_tok_pos(c[1]))

        def field_access(self, c: list[Any]) -> Syntax:
            return FieldAccess(c[0], str(c[1])[1:], pos=_tok_pos(c[1]))

        def named_arg(self, c: list[Any]) -> tuple[str, Syntax]:
            return (str(c[0]), c[1])

        def app(self, c: list[Any]) -> Syntax:
            fn, arg = c
            item = arg if isinstance(arg, tuple) else (None, arg)
            if isinstance(fn, AppS):
                return AppS(fn.fn, (*fn.args, item), pos=fn.pos)
            return AppS(fn, (item,), pos=fn.pos)

        def binop(self, c: list[Any]) -> Syntax:
            return BinOp(str(c[1]), c[0], c[2], pos=_tok_pos(c[1]))

        def not_(self, c: list[Any]) -> Syntax:
            return NotS(c[0], pos=_first_pos(c))

        def and_(self, c: list[Any]) -> Syntax:
            return BinOp("∧", c[0], c[1], pos=_first_pos(c))

        def or_(self, c: list[Any]) -> Syntax:
            return BinOp("∨", c[0], c[1], pos=_first_pos(c))

        def iff(self, c: list[Any]) -> Syntax:
            return BinOp("↔", c[0], c[1], pos=_first_pos(c))

        def arrow(self, c: list[Any]) -> Syntax:
            return Arrow(c[0], c[1], pos=_first_pos(c))

        # ---- binders
        def binder_name(self, c: list[Any]) -> Token:
            return c[0]  # type: ignore[no-any-return]

        def binder_names(self, c: list[Any]) -> _Names:
            return _Names(tuple(str(x) for x in c), _tok_pos(c[0]))

        def explicit_binder(self, c: list[Any]) -> Binder:
            return Binder(c[0].names, c[1], "default", c[0].pos)

        def implicit_binder(self, c: list[Any]) -> Binder:
            return Binder(c[0].names, c[1], "implicit", c[0].pos)

        def strict_binder(self, c: list[Any]) -> Binder:
            return Binder(c[0].names, c[1], "strict", c[0].pos)

        def inst_binder(self, c: list[Any]) -> Binder:
            return Binder((str(c[0]),), c[1], "inst", _tok_pos(c[0]))

        def anon_inst_binder(self, c: list[Any]) -> Binder:
            return Binder(("inst",), c[0], "inst", _first_pos(c))

        def simple_binders(self, c: list[Any]) -> list[Binder]:
            return [Binder(c[0].names, c[1] if len(c) > 1 else None, "default", c[0].pos)]

        def binders(self, c: list[Any]) -> tuple[Binder, ...]:
            if len(c) == 1 and isinstance(c[0], list):
                return tuple(c[0])
            return tuple(c)

        def forall_(self, c: list[Any]) -> Syntax:
            return BinderTerm("forall", c[1], c[2], pos=_tok_pos(c[0]))

        def exists_(self, c: list[Any]) -> Syntax:
            return BinderTerm("exists", c[1], c[2], pos=_tok_pos(c[0]))

        def fun_(self, c: list[Any]) -> Syntax:
            return BinderTerm("fun", c[1], c[2], pos=_tok_pos(c[0]))

        def let_(self, c: list[Any]) -> Syntax:
            return LetS(str(c[1]), c[2], c[3], c[4], pos=_tok_pos(c[0]))

        def type_opt(self, c: list[Any]) -> Syntax | None:
            return c[0] if c else None

        # ---- commands
        def attributes(self, c: list[Any]) -> _Attrs:
            return _Attrs(tuple(str(x) for x in c))

        def univ_params(self, c: list[Any]) -> tuple[str, ...]:
            return tuple(str(x) for x in c)

        def declname(self, c: list[Any]) -> _DeclName:
            return _DeclName(str(c[0]), c[1] if len(c) > 1 else None)

        def _header(self, c: list[Any]) -> tuple[DeclHeader, list[Any]]:
            attributes = next((x.names for x in c if isinstance(x, _Attrs)), ())
            name = next(x for x in c if isinstance(x, _DeclName))
            rest = c[c.index(name) + 1 :]
            binders = tuple(x for x in rest if isinstance(x, Binder))
            others = [x for x in rest if not isinstance(x, Binder)]
            return DeclHeader(name.name, name.level_params, binders, attributes), others

        def theorem(self, c: list[Any]) -> Command:
            header, rest = self._header(c)
            return TheoremCmd(header, rest[0], rest[1], pos=_first_pos(c))

        def definition(self, c: list[Any]) -> Command:
            abbrev = any(isinstance(x, Token) and str(x) == "abbrev" for x in c)
            header, rest = self._header(c)
            return DefCmd(header, rest[0], rest[1], abbrev, pos=_first_pos(c))

        def axiom_cmd(self, c: list[Any]) -> Command:
            header, rest = self._header(c)
            return AxiomCmd(header, rest[0], pos=_first_pos(c))

        def ctor(self, c: list[Any]) -> CtorS:
            binders = tuple(x for x in c[1:] if isinstance(x, Binder))
            return CtorS(str(c[0]), binders, c[-1], _first_pos(c))

        def ctor_name(self, c: list[Any]) -> str:
            return strip_field(c[0])

        def field(self, c: list[Any]) -> CtorS:
            binders = tuple(x for x in c[1:] if isinstance(x, Binder))
            return CtorS(strip_field(c[0]), binders, c[-1], _tok_pos(c[0]))

        def inductive(self, c: list[Any]) -> Command:
            pos = _first_pos(c)
            is_class = any(isinstance(x, Token) and str(x) == "class" for x in c)
            ctors = tuple(x for x in c if isinstance(x, CtorS))
            c = [x for x in c if not isinstance(x, CtorS) and not (isinstance(x, Token) and str(x) == "where")]
            header, rest = self._header(c)
            return InductiveCmd(header, rest[0], ctors, is_class, pos=pos)

        def structure(self, c: list[Any]) -> Command:
            pos = _first_pos(c)
            is_class = str(c[0]) == "class"
            fields = tuple(x for x in c if isinstance(x, CtorS))
            ctor = next((x for x in c[1:] if isinstance(x, str) and not isinstance(x, Token)), None)
            c = [x for x in c[1:] if not isinstance(x, CtorS) and not (isinstance(x, str) and not isinstance(x, Token))]
            header, rest = self._header(c)
            return StructureCmd(header, rest[0], ctor, fields, is_class, pos=pos)

        def instance(self, c: list[Any]) -> Command:
            pos = _first_pos(c)
            attributes = next((x.names for x in c if isinstance(x, _Attrs)), ())
            c = [x for x in c if not isinstance(x, _Attrs)][1:]
            name = str(c[0]) if c and isinstance(c[0], Token) else None
            binders = tuple(x for x in c if isinstance(x, Binder))
            rest = [x for x in c if not isinstance(x, (Binder, Token))]
            return InstanceCmd(name, binders, rest[0], rest[1], attributes, pos=pos)

        def check_cmd(self, c: list[Any]) -> Command:
            return CheckCmd(c[1], pos=_first_pos(c))

        def reduce_cmd(self, c: list[Any]) -> Command:
            return ReduceCmd(c[1], pos=_first_pos(c))

        def print_axioms(self, c: list[Any]) -> Command:
            return PrintAxiomsCmd(str(c[1]), pos=_first_pos(c))

        def universe_cmd(self, c: list[Any]) -> Command:
            return UniverseCmd(tuple(str(x) for x in c[1:]), pos=_first_pos(c))

        def proof(self, c: list[Any]) -> Syntax:
            return c[0]  # type: ignore[no-any-return]

        def by_block(self, c: list[Any]) -> Syntax:
            return ByBlock(str(c[0]), pos=_tok_pos(c[0]))

        def start(self, c: list[Any]) -> list[Command]:
            return list(c)

        def term_only(self, c: list[Any]) -> Syntax:
            return c[0]  # type: ignore[no-any-return]

    return ToAst()


@functools.cache
def _parser(start: str) -> Any:
    from tactic_mesh.kernel.lark_cache import cached_lark

    grammar = resources.files("tactic_mesh.kernel").joinpath("syntax.lark").read_text(encoding="utf-8")
    return cached_lark(
        f"parser-syntax-{start}",
        grammar,
        start=start,
        transformer=_build_transformer(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


MAX_INPUT = 50_000_000  # characters


def _parse(text: str, start: str, filename: str) -> Any:
    from lark.exceptions import (
        LarkError,
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedInput,
        UnexpectedToken,
    )

    if len(text) > MAX_INPUT:
        raise ParseError(f"input too large ({len(text)} characters, limit {MAX_INPUT})", Location(filename, 1, 1))
    try:
        return _parser(start).parse(text)
    except UnexpectedToken as err:
        expected = sorted(_pretty_token(t) for t in err.accepts or err.expected)
        at_end = err.token.type == "$END"
        found = "end of input" if at_end else repr(str(err.token))
        line, col = _end_position(text) if at_end else (err.line, max(err.column, 1))
        raise ParseError(
            f"unexpected {found}; expected one of: {', '.join(expected[:12])}", Location(filename, line, col)
        ) from None
    except UnexpectedCharacters as err:
        at = err.pos_in_stream
        found = repr(text[at]) if at is not None and 0 <= at < len(text) else "input"
        raise ParseError(f"unexpected character {found}", Location(filename, err.line, err.column)) from None
    except UnexpectedEOF as err:
        expected = sorted(_pretty_token(t) for t in err.expected)
        line, col = _end_position(text)
        raise ParseError(
            f"unexpected end of input; expected one of: {', '.join(expected[:12])}", Location(filename, line, col)
        ) from None
    except UnexpectedInput as err:  # pragma: no cover - other lark variants
        raise ParseError(str(err).splitlines()[0], Location(filename, err.line, err.column)) from None
    except LarkError as err:
        raise ParseError(str(err).splitlines()[0], Location(filename, 1, 1)) from None
    except RecursionError:
        raise ParseError("input nested too deeply", Location(filename, 1, 1)) from None


def _end_position(text: str) -> tuple[int, int]:
    """Line and column just after the last character (where an unexpected end is reported)."""
    return text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1


_TOKEN_NAMES = {
    "LPAR": "'('", "RPAR": "')'", "COLON": "':'", "COMMA": "','", "IDENT": "identifier",
    "NUMBER": "number", "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'",
    "$END": "end of input", "ARROW": "'→'", "CMPOP": "comparison", "ADDOP": "'+'", "MULOP": "'*'",
}


def _pretty_token(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    if name.startswith("__ANON") or name.isupper():
        try:
            term = next(t for t in _parser("start").terminals if t.name == name)
            pattern = term.pattern
            if pattern.type == "str":
                return repr(pattern.value)
        except StopIteration:
            pass
    return name


def parse_file(text: str, filename: str = "<input>") -> list[Command]:
    return _parse(text, "start", filename)  # type: ignore[no-any-return]


def parse_term(text: str, filename: str = "<term>") -> Syntax:
    return _parse(text, "term_only", filename)  # type: ignore[no-any-return]
