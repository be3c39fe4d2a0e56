"""Surface syntax (DSL) of core tactic programs: a printer and a lark (LALR) parser.

``parse_program(print_program(t)) == t`` for every program ``t`` without a ``VExpr`` value
(kernel expressions are carried by the JSON codec; the DSL only displays them).

Syntax (the grammar is ``dsl.lark`` next to this module)::

    program ::= (stmt ";")* term                       -- right-nested binds
    stmt    ::= "let" name "←" term | term             -- "<-" also accepted; `t; u` binds `_`
    term    ::= "pure" value | "fail" value
              | "choice" "[" policy string? "]" "{" ("|"? program ("|" program)*)? "}"
              | "scoped" string "{" program "}" | "focus" string "{" program "}"
              | "handle" string "{" program "}" | "fix" name "." "{" program "}" | "rec" name
              | "op" name "(" values ")"
              | "foreign" string "{" value "}" "with" "{" contract fields "}"
              | "(" program ")"
              | "by" "{" tactics "}"                   -- a derived tactic block (below)
    policy  ::= backtrack | commit | fair | scored
    value   ::= "()" | #goal string | 'ident | #name string | integer | string
              | ⟪text⟫ | #surface string | [values] | {name: value, …} | ident | #var string
              | #expr string                           -- display only: parsing it is an error
    name    ::= ident | string

Derived tactic blocks: ``by { intro x; exact x }`` holds tactics in the Lean-like language of the
``by`` blocks of ``.tm`` files (``tactic_syntax``: one per line or separated by ``;``, blocks by
indentation, ``first | a | b``, ``induction n with | zero => …``).  A block stands for
``defer_seq(calls)``: one ``foreign "tactic"`` node per tactic, in sequence (source positions are
not kept).  As a statement (``by { a; b }; rest``) its tactics join the enclosing bind chain, so
the printer shows every maximal run of tactic nodes of a bind chain (binding ``_``) as one block,
and a tactic node it cannot show as tactic text (a name with a space…) in the generic ``foreign``
form.  The block's text is cut out by a scan aware of brackets, strings and comments; errors in
it are located in the file.

Strings use JSON escapes (``\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX``, surrogate pairs combine)
plus ``\\UXXXXXXXX`` for an exact code point (never combined), so any Python ``str`` round-trips.
Comments run from ``--`` to the end of the line.

Both directions are iterative: the printer keeps an explicit work stack and a Wadler-style
layout (a group is printed on one line when it fits in the width, otherwise broken with
indentation); the parser runs the transformer inside the LALR parser.  Bind chains have no
depth limit; other nesting (every other nested construct needs a bracket) is limited to
``MAX_DEPTH`` open brackets, reported with ``file:line:col``.
"""

from __future__ import annotations

import contextvars
import functools
import re
from importlib import resources
from typing import Any

from tactic_mesh.calculus.tactic_syntax import (
    TacticCall,
    TacticError,
    TacticPrinter,
    render_lines,
    same_tactics,
    split_tactics,
)
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
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import digits_of_nat, nat_of_digits

__all__ = [
    "MAX_DEPTH", "MAX_INPUT", "MAX_TACTIC_BRACKETS", "MAX_TACTIC_DEPTH", "WIDTH", "DslError", "parse_program",
    "parse_value", "print_program", "print_value", "program_comments", "quote", "unquote",
]

MAX_DEPTH = 10_000  # open brackets at once
MAX_INPUT = 50_000_000  # characters
WIDTH = 100  # target line length of the printer
_MAX_INDENT = 64  # deeper blocks stop indenting further (keeps the output linear in size)


class DslError(TacticMeshError):
    """The DSL text is malformed, or a value has no DSL form."""


# ---------------------------------------------------------------------------------------------
# lexical helpers shared by the printer and the parser
# ---------------------------------------------------------------------------------------------

_IDENT_RE = re.compile(r"[^\W\d][\w']*(?:\.[^\W\d][\w']*)*")
KEYWORDS = frozenset(
    "let pure fail choice scoped focus handle fix rec op foreign with by backtrack commit fair scored "
    "effects consumes produces replay projection refinement known unknown".split()
)
_KEYWORD_PREFIX_RE = re.compile(r"(?:" + "|".join(sorted(KEYWORDS)) + r")(?![\w'])")

_ESCAPE_OUT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
_PLAIN_STRING_RE = re.compile(r'[^"\\]*')


def _is_ident(s: str) -> bool:
    """``s`` prints bare in a name position (it lexes back as one identifier, not a keyword)."""
    return _IDENT_RE.fullmatch(s) is not None and _KEYWORD_PREFIX_RE.match(s) is None


def quote(s: str) -> str:
    """A string literal denoting ``s`` (printable characters kept, everything else escaped)."""
    if not isinstance(s, str):
        raise DslError(f"expected a string, found {type(s).__name__}")
    if s.isprintable() and _PLAIN_STRING_RE.fullmatch(s):
        return '"' + s + '"'
    out = ['"']
    for ch in s:
        esc = _ESCAPE_OUT.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        else:
            cp = ord(ch)
            out.append(f"\\u{cp:04x}" if cp <= 0xFFFF and not 0xD800 <= cp <= 0xDFFF else f"\\U{cp:08x}")
    out.append('"')
    return "".join(out)


_ESCAPE_IN_RE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([\"\\/bfnrt])|(.?))",
    re.S,
)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def unquote(literal: str, loc: Location | None = None) -> str:
    """The string denoted by a string literal (with its quotes).  ``loc``: where the literal
    starts (on one line), to locate a bad escape precisely."""
    body = literal[1:-1]
    if "\\" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        hi, lo, u4, u8, simple, bad = m.groups()
        if hi is not None:
            return chr(0x10000 + ((int(hi, 16) - 0xD800) << 10) + (int(lo, 16) - 0xDC00))
        if u4 is not None:
            return chr(int(u4, 16))
        if u8 is not None:
            cp = int(u8, 16)
            if cp <= 0x10FFFF:
                return chr(cp)
            what = f"code point \\U{u8} is beyond U+10FFFF"
        elif simple is not None:
            return _SIMPLE_ESCAPES[simple]
        else:
            what = f"invalid escape \\{bad}" if bad.isprintable() else f"invalid escape \\ followed by {bad!r}"
        at = None if loc is None else Location(loc.file, loc.line, loc.col + 1 + m.start())
        escapes = r'\" \\ \/ \b \f \n \r \t \uXXXX \UXXXXXXXX'
        raise DslError(f"{what} in a string literal (escapes: {escapes})", at)

    return _ESCAPE_IN_RE.sub(replace, body)


def _int_text(n: int) -> str:
    return "-" + digits_of_nat(-n) if n < 0 else digits_of_nat(n)


# ---------------------------------------------------------------------------------------------
# derived tactic blocks `by { … }`: the tactic text, and the tactic nodes it stands for
# ---------------------------------------------------------------------------------------------

MAX_TACTIC_BRACKETS = 256  # open brackets at once in the text of `by { … }`
MAX_TACTIC_DEPTH = 48  # levels of a tactic tree in `by { … }` (a deeper one prints in the `foreign` form)

_CLOSING = {"(": ")", "[": "]", "{": "}", "⟨": "⟩"}
_CHAR_LITERAL_RE = re.compile(r"'(?:[^'\\\n]|\\[^\n][^'\n]{0,8})'")
_WORD_CHAR_RE = re.compile(r"[\w']")


class _ScanError(Exception):
    def __init__(self, message: str, at: int, opened: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at
        self.opened = opened


def _scan_tactics(text: str, start: int, comments: list[str] | None = None) -> int:
    """The offset of the ``}`` that ends the tactic text starting at ``text[start]``: brackets
    must match, strings (``"…"``), character literals and comments (``--`` to the end of the
    line, ``/- … -/``) are skipped.  ``comments`` collects the comments met."""
    stack: list[int] = []  # offsets of the open brackets
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if comments is not None:
                comments.append(text[i:end].rstrip())
            i = end
            continue
        if ch == "/" and text.startswith("/-", i):
            depth, j = 1, i + 2
            while depth and j < n:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise _ScanError("unterminated comment `/- … -/`", i)
            if comments is not None:
                comments.append(text[i:j])
            i = j
            continue
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise _ScanError("unterminated string", i)
            i = j + 1
            continue
        if ch == "'" and (i == 0 or not _WORD_CHAR_RE.match(text[i - 1])):
            m = _CHAR_LITERAL_RE.match(text, i)
            if m is not None:
                i = m.end()
                continue
        if ch in _CLOSING:
            stack.append(i)
            if len(stack) > MAX_TACTIC_BRACKETS:
                raise _ScanError(f"tactic block nested too deeply (more than {MAX_TACTIC_BRACKETS} open brackets)", i)
        elif ch in ")]}⟩":
            if not stack:
                if ch == "}":
                    return i
                raise _ScanError(f"unexpected `{ch}`: no bracket is open", i)
            opened = stack.pop()
            if _CLOSING[text[opened]] != ch:
                raise _ScanError(f"`{ch}` does not close `{text[opened]}`", i, opened)
        i += 1
    raise _ScanError("unterminated tactic block: this `{` has no matching `}`", start - 1)


class _Positions:
    """Line and column of increasing offsets of one text, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1
        self.line_start = 0

    def at(self, offset: int) -> tuple[int, int]:
        if offset < self.offset:
            self.offset, self.line, self.line_start = 0, 1, 0
        newlines = self.text.count("\n", self.offset, offset)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.offset, offset) + 1
        self.offset = offset
        return self.line, offset - self.line_start + 1


_PRE_TOKEN_RE = re.compile(
    "|".join([
        r"(?P<space>[ \t\r\n\f]+)",
        r"(?P<comment>--[^\n]*)",
        r'"(?:[^"\\\x00-\x1f]|\\[^\x00-\x1f])*"',
        r"⟪[^⟫]*⟫",
        r"(?P<by>by(?![\w']))",
        r"[\w'#]+(?:\.[^\W\d][\w']*)*",
        r".",
    ]),
    re.S,
)
_GAP_RE = re.compile(r"(?:[ \t\r\n\f]+|--[^\n]*)*")
_BLANK_RE = re.compile(r"[^\n]")


def _cut_tactic_blocks(
    text: str, filename: str, comments: list[str] | None = None
) -> tuple[str, dict[int, tuple[str, int, int]]]:
    """Find the ``by { … }`` blocks of a program.  Returns the text with each block's tactic text
    blanked (newlines kept, so lark's positions stay right) and, by the offset of its ``by``, the
    tactic text with the line and column where it starts.  ``comments`` collects the comments
    (of the program and of its tactic blocks)."""
    blocks: dict[int, tuple[str, int, int]] = {}
    pieces: list[str] = []
    positions = _Positions(text)
    done = 0  # text[:done] is in pieces
    i = 0
    while i < len(text):
        m = _PRE_TOKEN_RE.match(text, i)
        assert m is not None  # `.` matches any character
        i = m.end()
        if m.group("comment") is not None and comments is not None:
            comments.append(m.group().rstrip())
        if m.group("by") is None:
            continue
        gap = _GAP_RE.match(text, i)
        assert gap is not None
        if comments is not None:
            comments += [c.rstrip() for c in re.findall(r"--[^\n]*", gap.group())]
        open_at = gap.end()
        if text[open_at : open_at + 1] != "{":
            continue  # the parser reports the missing `{`
        try:
            close_at = _scan_tactics(text, open_at + 1, comments)
        except _ScanError as err:
            line, col = positions.at(err.at)
            message = err.message
            if err.opened is not None:
                opened = _Positions(text).at(err.opened)
                message += f" (opened at {opened[0]}:{opened[1]})"
            raise DslError(f"in a tactic block: {message}", Location(filename, line, col)) from None
        line, col = positions.at(open_at + 1)
        blocks[m.start()] = (text[open_at + 1 : close_at], line, col)
        pieces += [text[done : open_at + 1], _BLANK_RE.sub(" ", text[open_at + 1 : close_at])]
        done = i = close_at
    pieces.append(text[done:])
    return "".join(pieces), blocks


def program_comments(text: str) -> list[str]:
    """The comments of a program's text (``--`` lines, also inside its tactic blocks), in order;
    the printer does not keep them (the formatter uses this to refuse to drop any)."""
    comments: list[str] = []
    try:
        _cut_tactic_blocks(text, "<dsl>", comments)
    except DslError:
        pass
    return comments


@functools.cache
def _tactic_api() -> Any:
    from tactic_mesh.calculus.tactics import registry

    return registry


def _payload_shape_ok(payload: Value) -> bool:
    """Exactly the payload ``defer`` makes (``{name, arg, children}``), at most
    ``MAX_TACTIC_DEPTH`` deep (checked without recursion)."""
    stack: list[tuple[object, int]] = [(payload, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_TACTIC_DEPTH or type(v) is not VRecord or type(v.fields) is not tuple or len(v.fields) != 3:
            return False
        try:
            (k1, name), (k2, arg), (k3, children) = v.fields
        except (TypeError, ValueError):
            return False
        if (k1, k2, k3) != ("name", "arg", "children"):
            return False
        if type(name) is not VStr or type(arg) is not VStr or type(children) is not VList:
            return False
        if type(name.value) is not str or type(arg.value) is not str or type(children.items) is not tuple:
            return False
        stack.extend((c, depth + 1) for c in children.items)
    return True


def _tree_depth(calls: list[TacticCall]) -> int:
    depth = 0
    stack = [(c, 1) for c in calls]
    while stack:
        call, d = stack.pop()
        depth = max(depth, d)
        stack.extend((c, d + 1) for c in call.children)
    return depth


def _tactic_call(t: object) -> TacticCall | None:
    """The tactic of a ``foreign "tactic"`` node made by ``defer``, else ``None``."""
    if type(t) is not Foreign or t.symbol != "tactic" or not isinstance(t.contract, Contract):
        return None
    api = _tactic_api()
    if t.contract != api.TACTIC_CONTRACT or not _payload_shape_ok(t.payload):
        return None
    call: TacticCall = api.decode_call(t.payload)
    return call if api.defer(call) == t else None


def _reads_back(content: str, calls: list[TacticCall]) -> bool:
    """Does ``by {content}`` parse back as ``calls``?"""
    try:
        if _scan_tactics(content + "}", 0) != len(content):
            return False
        return same_tactics(split_tactics(content, 1, 1), calls)
    except (_ScanError, TacticMeshError, RecursionError):
        return False


def _by_block(calls: list[TacticCall]) -> list[_Item] | None:
    """Layout of ``by { … }`` holding ``calls`` (``None``: no tactic text reads back as them).
    Flat (``by { a; b }``) when every tactic fits on one line and the group fits the width; else
    one tactic per line, indented relative to the block (its own indentation is kept even where
    the program's stops growing)."""
    printer = TacticPrinter()
    try:
        lines = printer.seq(calls, 0)
        flat = all(printer.simple(c) for c in calls)
    except RecursionError:
        return None
    if not _reads_back("\n" + render_lines(lines) + "\n", calls):
        return None
    flat = flat and _reads_back(" " + "; ".join(text for _, text in lines) + " ", calls)
    items: list[_Item] = [_BEGIN, "by {", 2]
    for i, (indent, text) in enumerate(lines):
        items += [_Line("; " if i else " ", " " * indent, hard=not flat), text]
    items += [_DEDENT, _Line(" ", hard=not flat), "}", _END]
    return items


def _tactic_blocks(run: list[tuple[Term, TacticCall]]) -> list[list[_Item]]:
    """A run of tactic nodes as few blocks as read back (a node no tactic text denotes is printed
    in the generic form, between blocks)."""
    whole = _by_block([c for _, c in run])
    if whole is not None:
        return [whole]
    out: list[list[_Item]] = []
    group: list[tuple[Term, TacticCall]] = []

    def flush() -> None:
        if not group:
            return
        block = _by_block([c for _, c in group])
        if block is not None:
            out.append(block)
        else:
            out.extend(_expand_term(node) for node, _ in group)
        group.clear()

    for node, call in run:
        if _by_block([call]) is None:
            flush()
            out.append(_expand_term(node))
        else:
            group.append((node, call))
    flush()
    return out


class _TacticRun:
    """What ``by { … }`` parses to before it is placed: its tactic nodes (a statement splices
    them into the enclosing bind chain; elsewhere they are ``seq(*nodes)``)."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[Term, ...]) -> None:
        self.nodes = nodes


def _placed(t: Term | _TacticRun) -> Term:
    return seq(*t.nodes) if isinstance(t, _TacticRun) else t


# ---------------------------------------------------------------------------------------------
# printer: terms and values -> a stream of layout tokens -> text
# ---------------------------------------------------------------------------------------------
#
# Layout tokens: ``str`` (text without newlines), ``_Line`` (a space or nothing when its group is
# printed flat, a newline + indentation + ``broken`` when the group is broken), ``int`` (indent
# the following lines by that much more), ``_DEDENT``, ``_BEGIN`` / ``_END`` (a group).  A group is
# printed flat when it, and the text up to the next possible line break after it, fits.
# Work items (tuples) are expanded lazily on an explicit stack: no recursion on the term's depth.


class _Line:
    __slots__ = ("broken", "flat", "hard")

    def __init__(self, flat: str, broken: str = "", hard: bool = False) -> None:
        self.flat = flat
        self.broken = broken
        self.hard = hard  # always a line break: its group never prints flat


class _Mark:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


_BEGIN = _Mark("begin")
_END = _Mark("end")
_DEDENT = _Mark("dedent")
_SP = _Line(" ")  # a space, or a line break
_NIL = _Line("")  # nothing, or a line break
_FIRST_BRANCH = _Line(" ", "| ")
_NEXT_BRANCH = _Line(" | ", "| ")

_Tok = str | _Line | _Mark | int
_Item = _Tok | tuple[str, object]  # ("seq" | "term" | "value", node)


def _name(s: str) -> str:
    return s if isinstance(s, str) and _is_ident(s) else quote(s)


def _expand_seq(t: Term) -> list[_Item]:
    if not isinstance(t, Bind):
        return [("term", t)]
    chain: list[Bind] = []
    while isinstance(t, Bind):
        chain.append(t)
        t = t.rest
    parts: list[_Item] = [_BEGIN]
    i = 0
    while i < len(chain):
        b = chain[i]
        call = _tactic_call(b.first) if b.var == "_" else None
        if call is None:
            if b.var == "_":
                parts += [("term", b.first), ";", _SP]
            else:
                parts += ["let ", _name(b.var), " ← ", ("rhs", b.first), ";", _SP]
            i += 1
            continue
        run: list[tuple[Term, TacticCall]] = [(b.first, call)]  # a maximal run of tactic nodes
        i += 1
        while i < len(chain) and chain[i].var == "_" and (call := _tactic_call(chain[i].first)) is not None:
            run.append((chain[i].first, call))
            i += 1
        last = _tactic_call(t) if i == len(chain) else None
        if last is not None:  # the run ends the chain: its last block is the chain's last term
            run.append((t, last))
        blocks = _tactic_blocks(run)
        for j, block in enumerate(blocks):
            parts += block
            if last is None or j < len(blocks) - 1:
                parts += [";", _SP]
        if last is not None:
            parts.append(_END)
            return parts
    parts += [("term", t), _END]
    return parts


def _rhs(t: Term) -> list[_Item]:
    """The right side of ``let x ← …``: a bind chain of tactic nodes only is one block."""
    calls: list[TacticCall] = []
    u = t
    while isinstance(u, Bind) and u.var == "_" and (call := _tactic_call(u.first)) is not None:
        calls.append(call)
        u = u.rest
    last = _tactic_call(u) if calls else None
    if last is not None:
        block = _by_block([*calls, last])
        if block is not None:
            return block
    return _expand_term(t)


def _block(head: str, body: Term) -> list[_Item]:
    return [_BEGIN, head, " {", 2, _SP, ("seq", body), _DEDENT, _SP, "}", _END]


def _comma_group(open_: str, items: list[list[_Item]], close: str) -> list[_Item]:
    if not items:
        return [open_ + close]
    parts: list[_Item] = [_BEGIN, open_, 2, _NIL]
    for i, item in enumerate(items):
        if i:
            parts += [",", _SP]
        parts += item
    parts += [_DEDENT, _NIL, close, _END]
    return parts


def _expand_term(t: Term) -> list[_Item]:
    if isinstance(t, Bind):
        return [_BEGIN, "(", 2, _NIL, ("seq", t), _DEDENT, _NIL, ")", _END]
    if isinstance(t, Pure):
        return ["pure ", ("value", t.value)]
    if isinstance(t, Fail):
        return ["fail ", ("value", t.reason)]
    if isinstance(t, Choice):
        if not isinstance(t.policy, Policy):
            raise DslError(f"choice: the policy must be a Policy, found {t.policy!r}")
        head = f"choice[{t.policy.value}{' ' + quote(t.scorer) if t.scorer else ''}] {{"
        if not t.branches:
            return [head + "}"]
        parts: list[_Item] = [_BEGIN, head, 2]
        for i, b in enumerate(t.branches):
            parts += [_NEXT_BRANCH if i else _FIRST_BRANCH, 2, ("seq", b), _DEDENT]
        parts += [_DEDENT, _SP, "}", _END]
        return parts
    if isinstance(t, Scoped):
        return _block("scoped " + quote(t.scope), t.body)
    if isinstance(t, Focus):
        return _block("focus " + quote(t.selector), t.body)
    if isinstance(t, Handle):
        return _block("handle " + quote(t.handler), t.body)
    if isinstance(t, Fix):
        return _block("fix " + _name(t.name) + " .", t.body)
    if isinstance(t, Rec):
        return ["rec " + _name(t.name)]
    if isinstance(t, Op):
        return _comma_group("op " + _name(t.name) + "(", [[("value", v)] for v in t.operands], ")")
    if isinstance(t, Foreign):
        call = _tactic_call(t)
        block = _by_block([call]) if call is not None else None
        if block is not None:
            return block
        c = t.contract
        if not isinstance(c, Contract):
            raise DslError(f"foreign: the contract must be a Contract, found {type(c).__name__}")
        fields: list[list[_Item]] = [
            ["effects: ", *_comma_group("[", [[quote(e)] for e in sorted(c.effects)], "]")],
            ["consumes: " + ("?" if c.consumes_goals is None else _int_text(c.consumes_goals))],
            ["produces: " + ("?" if c.produces_goals is None else _int_text(c.produces_goals))],
            ["replay: " + quote(c.replay_codec)],
            ["projection: " + quote(c.projection)],
            ["refinement: " + ("known" if c.refinement_known else "unknown")],
        ]
        return [
            "foreign " + quote(t.symbol) + " ",
            *_comma_group("{", [[("value", t.payload)]], "}"),
            " with ",
            *_comma_group("{", fields, "}"),
        ]
    raise DslError(f"{type(t).__name__} is not a core term and has no DSL form")


def _expand_value(v: Value) -> list[_Item]:
    if isinstance(v, VUnit):
        return ["()"]
    if isinstance(v, VGoal):
        return ["#goal " + quote(v.id)]
    if isinstance(v, VName):
        return ["'" + v.name if isinstance(v.name, str) and _IDENT_RE.fullmatch(v.name) else "#name " + quote(v.name)]
    if isinstance(v, VNum):
        if not isinstance(v.value, int):
            raise DslError(f"VNum holds {type(v.value).__name__}, not an int")
        return [_int_text(int(v.value))]
    if isinstance(v, VStr):
        return [quote(v.value)]
    if isinstance(v, VSurface):
        text = v.text
        if isinstance(text, str) and "⟫" not in text and (text.isprintable()):
            return ["⟪" + text + "⟫"]
        return ["#surface " + quote(text)]
    if isinstance(v, VList):
        return _comma_group("[", [[("value", x)] for x in v.items], "]")
    if isinstance(v, VRecord):
        return _comma_group("{", [[_name(k) + ": ", ("value", x)] for k, x in v.fields], "}")
    if isinstance(v, VVar):
        return [v.name if isinstance(v.name, str) and _is_ident(v.name) else "#var " + quote(v.name)]
    if isinstance(v, VExpr):
        return ["#expr " + quote(_display_expr(v))]
    raise DslError(f"{type(v).__name__} is a runtime value and has no DSL form")


def _display_expr(v: VExpr) -> str:
    try:
        from tactic_mesh.kernel.printer import print_expr

        return print_expr(v.expr)
    except Exception:  # a display only: an unprintable expression is shown by its kind
        return f"<{type(v.expr).__name__}>"


def _layout(root: _Item) -> list[_Tok]:
    out: list[_Tok] = []
    stack: list[_Item] = [root]
    while stack:
        item = stack.pop()
        if type(item) is not tuple:
            out.append(item)  # type: ignore[arg-type]
            continue
        kind, node = item
        if kind == "seq":
            if not isinstance(node, Term):
                raise DslError(f"expected a term, found {type(node).__name__}")
            parts = _expand_seq(node)
        elif kind == "term" or kind == "rhs":
            if not isinstance(node, Term):
                raise DslError(f"expected a term, found {type(node).__name__}")
            parts = _expand_term(node) if kind == "term" else _rhs(node)
        else:
            if not isinstance(node, Value):
                raise DslError(f"expected a value, found {type(node).__name__}")
            parts = _expand_value(node)
        parts.reverse()
        stack.extend(parts)
    return out


def _fits(toks: list[_Tok], start: int, budget: int) -> bool:
    """Does the group opening just before ``start`` fit flat in ``budget`` columns, together
    with the text after it up to the next possible line break?"""
    depth = 0
    width = 0
    closed = False
    for i in range(start, len(toks)):
        tok = toks[i]
        if type(tok) is str:
            width += len(tok)
        elif type(tok) is _Line:
            if closed:
                return True
            if tok.hard:
                return False
            width += len(tok.flat)
        elif tok is _BEGIN:
            depth += 1
        elif tok is _END:
            if depth == 0:
                closed = True
            else:
                depth -= 1
        if width > budget:
            return False
    return True


def _render(toks: list[_Tok], width: int) -> str:
    out: list[str] = []
    col = 0
    indents = [0]
    broken = [True]
    for i, tok in enumerate(toks):
        if type(tok) is str:
            out.append(tok)
            newline = tok.rfind("\n")  # a tactic argument keeps its own line breaks
            col = col + len(tok) if newline < 0 else len(tok) - newline - 1
        elif type(tok) is _Line:
            if broken[-1] or tok.hard:
                ind = min(indents[-1], _MAX_INDENT)
                out.append("\n" + " " * ind + tok.broken)
                col = ind + len(tok.broken)
            else:
                out.append(tok.flat)
                col += len(tok.flat)
        elif tok is _BEGIN:
            broken.append(broken[-1] and not _fits(toks, i + 1, width - col))
        elif tok is _END:
            broken.pop()
        elif type(tok) is int:
            indents.append(indents[-1] + tok)
        else:  # _DEDENT
            indents.pop()
    return "".join(out)


def print_program(t: Term, width: int = WIDTH) -> str:
    """The canonical DSL text of a program (``VExpr`` values are shown, not round-tripped)."""
    return _render(_layout(("seq", t)), width)


def print_value(v: Value, width: int = WIDTH) -> str:
    """The canonical DSL text of a value."""
    return _render(_layout(("value", v)), width)


# ---------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------


class _ParseCtx:
    __slots__ = ("blocks", "depth", "filename")

    def __init__(self, filename: str, blocks: dict[int, tuple[str, int, int]]) -> None:
        self.filename = filename
        self.depth = 0
        self.blocks = blocks  # tactic blocks by the offset of their `by`


_CTX: contextvars.ContextVar[_ParseCtx] = contextvars.ContextVar("tactic_mesh_dsl_parse")


def _loc(tok: Any) -> Location:
    return Location(_CTX.get().filename, tok.line, tok.column)


def _open(tok: Any) -> Any:
    ctx = _CTX.get()
    ctx.depth += 1
    if ctx.depth > MAX_DEPTH:
        raise DslError(f"nesting too deep (more than {MAX_DEPTH} open brackets)", _loc(tok))
    return tok


def _close(tok: Any) -> Any:
    ctx = _CTX.get()
    ctx.depth = max(ctx.depth - 1, 0)
    return tok


def _string(tok: Any) -> str:
    return unquote(str(tok), _loc(tok))


def _int(tok: Any) -> int:
    text = str(tok)
    return -nat_of_digits(text[1:]) if text.startswith("-") else nat_of_digits(text)


_CONTRACT_FIELDS = ("effects", "consumes", "produces", "replay", "projection", "refinement")


def _build_transformer() -> Any:
    from lark import Token, Transformer

    def cfield(c: list[Any], value: object) -> tuple[str, object, Token]:
        return (str(c[0]), value, c[0])

    class ToTerm(Transformer[Any, Any]):
        def start(self, c: list[Any]) -> Term:
            return c[0]  # type: ignore[no-any-return]

        def value_only(self, c: list[Any]) -> Value:
            return c[0]  # type: ignore[no-any-return]

        def seq(self, c: list[Any]) -> Term:
            out: Term = _placed(c[-1])
            for i in range(len(c) - 2, -1, -1):
                var, first = c[i]
                if isinstance(first, _TacticRun):  # `by { a; b }; rest`: a; b; rest
                    for node in reversed(first.nodes):
                        out = Bind("_", node, out)
                else:
                    out = Bind(var, first, out)
            return out

        def let_stmt(self, c: list[Any]) -> tuple[str, Term]:
            return (c[1], _placed(c[3]))

        def by_block(self, c: list[Any]) -> _TacticRun:
            ctx = _CTX.get()
            block = ctx.blocks.get(c[0].start_pos)
            if block is None:  # pragma: no cover - every `by {` is cut out before parsing
                raise DslError("expected a tactic block `by { … }`", _loc(c[0]))
            text, line, col = block
            try:
                calls = split_tactics(text, line, col)
            except TacticError as err:
                at = err.loc
                where = Location(ctx.filename, at.line, at.col) if at is not None and at.line else _loc(c[0])
                raise DslError(err.message, where) from None
            except RecursionError:
                raise DslError("tactic block nested too deeply", _loc(c[0])) from None
            if not calls:
                raise DslError("a tactic block `by { … }` needs at least one tactic", _loc(c[0]))
            if _tree_depth(calls) > MAX_TACTIC_DEPTH:
                raise DslError(f"tactic block nested too deeply (more than {MAX_TACTIC_DEPTH} levels)", _loc(c[0]))
            defer = _tactic_api().defer
            return _TacticRun(tuple(defer(call) for call in calls))

        def do_stmt(self, c: list[Any]) -> tuple[str, Term]:
            return ("_", c[0])

        def name(self, c: list[Any]) -> str:
            tok = c[0]
            return _string(tok) if tok.type == "STRING" else str(tok)

        def pure(self, c: list[Any]) -> Term:
            return Pure(c[1])

        def fail(self, c: list[Any]) -> Term:
            return Fail(c[1])

        def policy(self, c: list[Any]) -> Policy:
            return Policy(str(c[0]))

        def branches(self, c: list[Any]) -> tuple[Term, ...]:
            return tuple(c)

        def choice(self, c: list[Any]) -> Term:
            scorer = _string(c[2]) if len(c) == 4 else ""
            return Choice(c[1], c[-1], scorer)

        def scoped(self, c: list[Any]) -> Term:
            return Scoped(_string(c[1]), c[2])

        def focus(self, c: list[Any]) -> Term:
            return Focus(_string(c[1]), c[2])

        def handle(self, c: list[Any]) -> Term:
            return Handle(_string(c[1]), c[2])

        def fix(self, c: list[Any]) -> Term:
            return Fix(c[1], c[2])

        def rec(self, c: list[Any]) -> Term:
            return Rec(c[1])

        def op(self, c: list[Any]) -> Term:
            return Op(c[1], tuple(c[2:]))

        def paren(self, c: list[Any]) -> Term:
            return c[1]  # type: ignore[no-any-return]

        def foreign(self, c: list[Any]) -> Term:
            seen: dict[str, object] = {}
            for key, value, tok in c[4:]:
                if key in seen:
                    raise DslError(f"contract field {key!r} given twice", _loc(tok))
                seen[key] = value
            contract = Contract(
                effects=seen.get("effects", frozenset()),  # type: ignore[arg-type]
                consumes_goals=seen.get("consumes"),  # type: ignore[arg-type]
                produces_goals=seen.get("produces"),  # type: ignore[arg-type]
                replay_codec=seen.get("replay", ""),  # type: ignore[arg-type]
                projection=seen.get("projection", "opaque"),  # type: ignore[arg-type]
                refinement_known=seen.get("refinement", False),  # type: ignore[arg-type]
            )
            return Foreign(_string(c[1]), c[2], contract)

        def c_effects(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, frozenset(_string(tok) for tok in c[1:]))

        def c_consumes(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, c[1])

        def c_produces(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, c[1])

        def c_replay(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, _string(c[1]))

        def c_projection(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, _string(c[1]))

        def c_refinement(self, c: list[Any]) -> tuple[str, object, Token]:
            return cfield(c, c[1].type == "KW_KNOWN")

        def count_num(self, c: list[Any]) -> int:
            return _int(c[0])

        def count_any(self, c: list[Any]) -> None:
            return None

        def v_unit(self, c: list[Any]) -> Value:
            return VUnit()

        def v_goal(self, c: list[Any]) -> Value:
            return VGoal(_string(c[1]))

        def v_name(self, c: list[Any]) -> Value:
            return VName(str(c[0])[1:])

        def v_name_str(self, c: list[Any]) -> Value:
            return VName(_string(c[1]))

        def v_num(self, c: list[Any]) -> Value:
            return VNum(_int(c[0]))

        def v_str(self, c: list[Any]) -> Value:
            return VStr(_string(c[0]))

        def v_surface(self, c: list[Any]) -> Value:
            return VSurface(str(c[0])[1:-1])

        def v_surface_str(self, c: list[Any]) -> Value:
            return VSurface(_string(c[1]))

        def v_expr(self, c: list[Any]) -> Value:
            raise DslError(
                "a kernel expression (#expr) has no DSL form: the DSL only displays it; kernel "
                "expressions are carried by the JSON codec (write a surface term ⟪…⟫ instead)",
                _loc(c[0]),
            )

        def v_list(self, c: list[Any]) -> Value:
            return VList(tuple(c))

        def v_record(self, c: list[Any]) -> Value:
            return VRecord(tuple(c))

        def field(self, c: list[Any]) -> tuple[str, Value]:
            return (c[0], c[1])

        def v_var(self, c: list[Any]) -> Value:
            return VVar(str(c[0]))

        def v_var_str(self, c: list[Any]) -> Value:
            return VVar(_string(c[1]))

    return ToTerm()


@functools.cache
def _parser() -> Any:
    from tactic_mesh.kernel.lark_cache import cached_lark

    grammar = resources.files("tactic_mesh.codecs").joinpath("dsl.lark").read_text(encoding="utf-8")
    callbacks = {name: _open for name in ("LPAR", "LSQB", "LBRACE")}
    callbacks.update({name: _close for name in ("RPAR", "RSQB", "RBRACE")})
    return cached_lark(
        "parser-dsl",
        grammar,
        start=["start", "value_only"],
        transformer=_build_transformer(),
        lexer_callbacks=callbacks,
        maybe_placeholders=False,
    )


_TOKEN_NAMES = {
    "IDENT": "identifier",
    "NAME_LIT": "name literal 'x",
    "INT": "integer",
    "STRING": "string",
    "SURFACE": "⟪surface term⟫",
    "ARROW": "'←'",
    "$END": "end of input",
}


@functools.cache
def _pretty_token(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    if name.startswith("KW_"):
        return repr(name[3:].lower())
    if name.startswith("H_"):
        return repr("#" + name[2:].lower())
    for term in _parser().terminals:
        if term.name == name and term.pattern.type == "str":
            return repr(term.pattern.value)
    return name


def _expected(names: Any) -> str:
    shown = sorted({_pretty_token(n) for n in names or () if n not in ("WS", "COMMENT")})
    if not shown:
        return ""
    more = ", …" if len(shown) > 24 else ""
    return "; expected one of: " + ", ".join(shown[:24]) + more


def _end_position(text: str) -> tuple[int, int]:
    return text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1


def _shown(s: str) -> str:
    return repr(s if len(s) <= 40 else s[:37] + "...")


def _parse(text: str, start: str, filename: str) -> Any:
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if not isinstance(text, str):
        raise DslError(f"expected DSL text (str), found {type(text).__name__}", Location(filename, 1, 1))
    if len(text) > MAX_INPUT:
        raise DslError(f"input too large ({len(text)} characters, limit {MAX_INPUT})", Location(filename, 1, 1))
    blocks: dict[int, tuple[str, int, int]] = {}
    if start == "start":
        text, blocks = _cut_tactic_blocks(text, filename)
    reset = _CTX.set(_ParseCtx(filename, blocks))
    try:
        return _parser().parse(text, start=start)
    except UnexpectedToken as err:
        at_end = err.token.type == "$END"
        found = "end of input" if at_end else _shown(str(err.token))
        line, col = _end_position(text) if at_end else (err.line, max(err.column, 1))
        expected = _expected(err.accepts or err.expected)
        raise DslError(f"unexpected {found}{expected}", Location(filename, line, col)) from None
    except UnexpectedCharacters as err:
        at = err.pos_in_stream
        found = _shown(text[at]) if at is not None and 0 <= at < len(text) else "input"
        raise DslError(
            f"unexpected character {found}{_expected(err.allowed)}", Location(filename, err.line, err.column)
        ) from None
    except UnexpectedEOF as err:
        line, col = _end_position(text)
        raise DslError(f"unexpected end of input{_expected(err.expected)}", Location(filename, line, col)) from None
    except UnexpectedInput as err:  # pragma: no cover - other lark variants
        raise DslError(str(err).splitlines()[0], Location(filename, err.line, err.column)) from None
    except LarkError as err:  # pragma: no cover - defensive
        raise DslError(str(err).splitlines()[0] if str(err) else type(err).__name__, Location(filename, 1, 1)) from None
    except RecursionError:  # pragma: no cover - the parser is iterative
        raise DslError("input nested too deeply", Location(filename, 1, 1)) from None
    finally:
        _CTX.reset(reset)


def parse_program(text: str, filename: str = "<dsl>") -> Term:
    """The program written in ``text``; malformed text raises ``DslError`` at ``file:line:col``."""
    return _parse(text, "start", filename)  # type: ignore[no-any-return]


def parse_value(text: str, filename: str = "<dsl>") -> Value:
    """The value written in ``text``; malformed text raises ``DslError`` at ``file:line:col``."""
    return _parse(text, "value_only", filename)  # type: ignore[no-any-return]
