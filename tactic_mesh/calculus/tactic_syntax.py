"""The Lean-like tactic layer as a tree: ``by`` blocks split into ``TacticCall`` nodes.

A block is a sequence of tactics separated by newlines or ``;`` outside brackets (a term that
spans lines must be inside brackets).  Each tactic is a name and its argument text; tacticals and
blocks carry their tactics as ``children``:

* blocks: ``· t…``, ``focus t…``, ``case tag x… => t…``, ``next x… => t…`` — the rest of the
  line and the lines indented further; ``induction x with`` / ``cases x with`` — its alternatives
  ``| c x… => t…`` (which may sit at its own column, as in Lean);
* tacticals over one sequence: ``try``, ``repeat``, ``once``, ``all_goals``, ``any_goals`` — the
  argument, brackets optional (``try (simp; rfl)``);
* tacticals over alternatives: ``first | t | u``, ``solve | …``, ``interleave | …``, ``t <|> u``,
  ``t orelse u``, ``t <;> u`` — one ``|`` child (with an empty argument) per alternative.

The tree is what the compiler (``calculus/tactics/``), the typing judgment and the DSL printer share.
Positions (``line``/``col``) are exact, also inside tacticals' arguments.  Nesting is limited to
``MAX_NESTING`` levels (a located error beyond).

``print_tactics`` is the canonical text of a tree (one tactic per line, blocks indented by 2, the
alternatives of ``induction x with`` at its column, ``first | a | (b; c)``, calc steps on
continuation lines, arguments verbatim); ``split_tactics`` reads it back as the same tree up to
positions (``same_tactics``), and ``printed_tactics`` checks that for trees that may not come from
text (``TacticCall("exact a", "")`` has no text).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator, Sequence

import attrs

from tactic_mesh.kernel.errors import Location, TacticMeshError

SEQUENCE_TACTICALS = ("try", "repeat", "once", "progress", "all_goals", "any_goals")
ALTERNATIVE_TACTICALS = ("first", "solve", "interleave")
COMBINATORS = ("<;>", "<|>", "orelse")  # infix: `t <;> u`, `t <|> u`, `t orelse u`
BLOCKS = ("·", "focus", "case", "next", "|")


@attrs.frozen
class TacticCall:
    name: str
    arg: str
    line: int  # 1-based, in the file (0: unknown)
    col: int
    children: tuple[TacticCall, ...] = ()  # the tactics of a block, tactical or alternative


class TacticError(TacticMeshError):
    pass


def _split_spans(text: str, sep: str) -> list[tuple[int, str]]:
    """``top_level_split`` with the offset in ``text`` where each (stripped) part starts."""
    if sep not in text:
        return [(len(text) - len(text.lstrip()), text.strip())]
    parts: list[tuple[int, str]] = []
    depth, start, i = 0, 0, 0

    def part(end: int) -> None:
        raw = text[start:end]
        parts.append((start + len(raw) - len(raw.lstrip()), raw.strip()))

    while i < len(text):
        ch = text[i]
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            part(i)
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    part(len(text))
    return parts


def top_level_split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets."""
    return [p for _, p in _split_spans(text, sep)]


def text_position(text: str, offset: int, line: int, col: int) -> tuple[int, int]:
    """The position of ``text[offset]``, ``text`` starting at ``line:col``."""
    newlines = text.count("\n", 0, offset)
    if newlines:
        return line + newlines, offset - text.rfind("\n", 0, offset)
    return line, col + offset


def text_positions(text: str, offsets: list[int], line: int, col: int) -> list[tuple[int, int]]:
    """``text_position`` of increasing offsets, counted incrementally (linear time)."""
    out: list[tuple[int, int]] = []
    line_start, counted = -1, 0  # -1: still on the first line
    for offset in offsets:
        newlines = text.count("\n", counted, offset)
        if newlines:
            line, line_start = line + newlines, text.rfind("\n", counted, offset) + 1
        counted = offset
        out.append((line, col + offset if line_start < 0 else offset - line_start + 1))
    return out


_SPECIAL_RE = re.compile(r"--|[()\[\]{}⟨⟩\n;]")  # what `chunk_spans` looks at
_BRACKET_RE = re.compile(r"[()\[\]{}⟨⟩]")
MAX_NESTING = 64  # tacticals and blocks inside each other (deeper: an error, not a RecursionError)
_NESTING: contextvars.ContextVar[int] = contextvars.ContextVar("tactic_nesting", default=0)


@contextlib.contextmanager
def _nested(line: int, col: int) -> Iterator[None]:
    depth = _NESTING.get()
    if depth >= MAX_NESTING:
        message = f"tactics nested too deeply (more than {MAX_NESTING} levels)"
        raise TacticError(message, Location("<tactic>", line, col))
    token = _NESTING.set(depth + 1)
    try:
        yield
    finally:
        _NESTING.reset(token)


def loc(call: TacticCall) -> Location:
    return Location("<tactic>", call.line, call.col)


def _alternative(text: str, line: int, col: int) -> TacticCall:
    return TacticCall("|", "", line, col, tuple(nested_tactics(text, line, col)))


def combinator_separator(combinator: str) -> str:
    """How an infix combinator is written between its alternatives."""
    return " orelse " if combinator == "orelse" else combinator


def call_of(text: str, line: int, col: int) -> TacticCall:
    """One tactic (its tacticals parsed into children); ``text`` (stripped) starts at ``line:col``
    and the children's positions are exact."""
    one_line = _one_line_with(text, line, col)
    if one_line is not None:
        return one_line
    opens_block = text.partition(" ")[0] in BLOCKS  # `· a <;> b`: the block's body is `a <;> b`
    for combinator in () if opens_block else COMBINATORS:
        parts = _split_spans(text, combinator_separator(combinator))
        if len(parts) > 1:
            places = text_positions(text, [offset for offset, _ in parts], line, col)
            return TacticCall(combinator, "", line, col, tuple(
                _alternative(p, *place) for (_, p), place in zip(parts, places, strict=True)
            ))
    name, _, rest = text.partition(" ")
    arg = rest.strip()
    arg_line, arg_col = text_position(text, len(name) + 1 + len(rest) - len(rest.lstrip()), line, col)
    if name in SEQUENCE_TACTICALS:
        if not arg:
            raise TacticError(f"{name}: a tactic is expected", Location("<tactic>", line, col))
        return TacticCall(name, "", line, col, tuple(nested_tactics(arg, arg_line, arg_col, name)))
    if name in ALTERNATIVE_TACTICALS:
        alternatives = [(offset - 1, a) for offset, a in _split_spans(f" {arg}", " |") if a]
        if not alternatives or not arg.startswith("|"):
            raise TacticError(f"{name}: expected `{name} | t₁ | t₂ …`", Location("<tactic>", line, col))
        places = text_positions(arg, [offset for offset, _ in alternatives], arg_line, arg_col)
        return TacticCall(name, "", line, col, tuple(
            _alternative(a, *place) for (_, a), place in zip(alternatives, places, strict=True)
        ))
    return TacticCall(name, arg, line, col)


def _one_line_with(text: str, line: int, col: int) -> TacticCall | None:
    """``cases h with | inl a => t | inr b => u`` on one line: the alternatives as children."""
    name, _, rest = text.partition(" ")
    if name not in ("induction", "cases"):
        return None
    spans = _split_spans(rest, " with ")
    if len(spans) != 2 or not spans[1][1].startswith("|"):
        return None
    start = len(name) + 1 + spans[1][0]  # offset of the first `|` in text
    alternatives = [(start + offset - 1, a) for offset, a in _split_spans(f" {text[start:]}", " |") if a]
    places = text_positions(text, [offset for offset, _ in alternatives], line, col)
    children = tuple(
        _group_blocks([TacticCall("|", a, *place)])[0] for (_, a), place in zip(alternatives, places, strict=True)
    )
    return TacticCall(name, f"{spans[0][1]} with", line, col, children)


def _merge_calc_steps(calls: list[TacticCall]) -> list[TacticCall]:
    """``_ = c := p`` lines continue the preceding ``calc``."""
    out: list[TacticCall] = []
    for call in calls:
        if call.name == "_" and out and out[-1].name == "calc":
            out[-1] = attrs.evolve(out[-1], arg=f"{out[-1].arg} ; _ {call.arg}")
        else:
            out.append(call)
    return out


def is_elim_with(call: TacticCall) -> bool:
    return call.name in ("induction", "cases") and (call.arg == "with" or call.arg.endswith(" with"))


def _opens_block(call: TacticCall) -> bool:
    """Tactics whose body is the rest of their line and the lines indented below them."""
    return (call.name in BLOCKS or is_elim_with(call)) and not call.children


def _head_and_rest(call: TacticCall) -> tuple[str, str, int]:
    """``case succ m ih => t``: the header (``succ m ih``), the first tactic of the body (``t``)
    and that tactic's column."""
    if call.name in ("·", "focus"):
        return "", call.arg, call.col + len(call.name) + 1
    if is_elim_with(call):
        return call.arg, "", call.col
    head, arrow, rest = call.arg.partition("=>")
    if not arrow:
        raise TacticError(f"{call.name}: expected `=>`", loc(call))
    offset = len(call.name) + 1 + len(head) + 2
    return head.strip(), rest.strip(), call.col + offset + (len(rest) - len(rest.lstrip()))


def _belongs(opener: TacticCall, call: TacticCall, alternative: TacticCall | None) -> bool:
    """Is ``call`` part of ``opener``'s body?  ``alternative``: the last ``| c =>`` of a ``with``."""
    if call.line == opener.line or call.col > opener.col:
        return True
    if is_elim_with(opener):  # its alternatives, and the lines indented under them
        return call.name == "|" or (alternative is not None and call.col > alternative.col)
    return False


def _group_blocks(calls: list[TacticCall]) -> list[TacticCall]:
    """Attach to each block opener the tactics of its body."""
    calls = _merge_calc_steps(calls)
    out: list[TacticCall] = []
    i = 0
    while i < len(calls):
        call = calls[i]
        if not _opens_block(call):
            out.append(call)
            i += 1
            continue
        head, rest, rest_col = _head_and_rest(call)
        body: list[TacticCall] = []
        if rest and not rest.startswith("--"):  # `· -- note`: a comment, the body is below
            if _wrapped(rest):  # `c => (a; b)`: a bracketed sequence
                body.extend(nested_tactics(rest, call.line, rest_col))
            else:
                body.append(call_of(rest, call.line, rest_col))
        j = i + 1
        alternative: TacticCall | None = None
        while j < len(calls) and _belongs(call, calls[j], alternative):
            if calls[j].name == "|":
                alternative = calls[j]
            body.append(calls[j])
            j += 1
        with _nested(call.line, call.col):
            children = tuple(_group_blocks(body))
        out.append(attrs.evolve(call, arg=head, children=children))
        i = j
    return out


def split_block(text: str, line: int, col: int) -> list[TacticCall]:
    """Split ``by …`` text (starting at ``line:col`` of the file) into tactic calls."""
    return split_tactics(text, line, col, text.index("by") + 2)


def chunk_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Where the tactics of ``text[start:]`` are: ``(begin, end)`` of each non-blank piece between
    separators (newlines and ``;`` outside brackets), stripped.  A comment (``--`` to the end of
    the line) is skipped while looking for separators; a comment line is a piece of its own."""
    spans: list[tuple[int, int]] = []
    depth = 0

    def flush(end: int) -> None:
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            begin = start + len(chunk) - len(chunk.lstrip())
            spans.append((begin, begin + len(stripped)))

    skip_to = -1
    for m in _SPECIAL_RE.finditer(text, start):
        i, ch = m.start(), m.group()
        if i < skip_to:
            continue
        if ch == "--":  # a comment runs to the end of the line
            end = text.find("\n", i)
            skip_to = len(text) if end < 0 else end
            continue
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth <= 0 and ch in "\n;":
            if ch == ";" and text[i - 1 : i] == "<" and text[i + 1 : i + 2] == ">":
                continue  # the `<;>` combinator, not a separator
            flush(i)
            start = i + 1
    flush(len(text))
    return spans


def split_tactics(text: str, line: int, col: int, start: int = 0) -> list[TacticCall]:
    """Tactic calls of ``text[start:]`` (``text`` starts at ``line:col`` of the file)."""
    calls: list[TacticCall] = []
    at_line, line_start, counted = line, -1, 0  # positions counted incrementally (-1: on the first line)
    for begin, end in chunk_spans(text, start):
        newlines = text.count("\n", counted, begin)
        if newlines:
            at_line, line_start = at_line + newlines, text.rfind("\n", counted, begin) + 1
        counted = begin
        if not text.startswith("--", begin):
            at_col = col + begin if line_start < 0 else begin - line_start + 1
            calls.append(call_of(text[begin:end], at_line, at_col))
    return _group_blocks(calls)


def _wrapped(text: str) -> bool:
    """``(…)`` where the first bracket closes at the end."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for m in _BRACKET_RE.finditer(text):
        if m.group() in "([{⟨":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start() == len(text) - 1
    return False


def nested_tactics(text: str, line: int, col: int, name: str = "") -> list[TacticCall]:
    """The tactic sequence given as an argument (``try (simp; rfl)``): brackets are optional."""
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    while _wrapped(body):
        inner = body[1:-1]
        offset += 1 + len(inner) - len(inner.lstrip())
        body = inner.strip()
    with _nested(line, col):
        calls = split_tactics(body, *text_position(text, offset, line, col))
    if not calls:
        raise TacticError(f"{name or 'tactical'}: a tactic is expected", Location("<tactic>", line, col))
    return calls


# ---------------------------------------------------------------------------------------------
# printer: the canonical text of a tactic tree
# ---------------------------------------------------------------------------------------------
#
# A printed tactic is a list of lines ``(indent, text)``: ``indent`` is the column (0-based) its
# text starts at, ``text`` has no structural newline (an argument keeps its own newlines, inside
# brackets, verbatim).  The first line of a tactic printed at column ``c`` has indent ``c``; a
# tactic printed after some text on the same line (``· t``, ``first | t``) continues that line.

Line = tuple[int, str]


def _end_col(line: Line) -> int:
    indent, text = line
    newline = text.rfind("\n")
    return indent + len(text) if newline < 0 else len(text) - newline - 1


def _continue(lines: list[Line], more: list[Line]) -> None:
    """Append ``more``, whose first line continues the last line of ``lines``."""
    indent, text = lines[-1]
    lines[-1] = (indent, text + more[0][1])
    lines.extend(more[1:])


def _ends_in_comment(line: Line) -> bool:
    """Would text after this line's end be commented out?  (``--`` anywhere on the last physical
    line: the splitter takes it as a comment even inside brackets or a string.)"""
    text = line[1]
    return "--" in text[text.rfind("\n") + 1 :]


def is_block(call: TacticCall) -> bool:
    """Does ``call`` take the rest of its line (and the lines indented below it) as its body?"""
    return call.name in BLOCKS or is_elim_with(call)


class TacticPrinter:
    """Prints tactic trees canonically.  ``comments``: comment lines (``-- …``) to print before a
    tactic, ``notes``: a comment to print after a block's opening (``· -- note``, its tactics on the
    lines below), both keyed by ``id`` of the ``TacticCall`` (the formatter keeps comments so)."""

    def __init__(self, comments: dict[int, list[str]] | None = None, notes: dict[int, str] | None = None) -> None:
        self.comments = comments or {}
        self.notes = notes or {}  # a comment ending a block's first line (`· -- note`), by id
        self._printed: dict[tuple[int, int], list[Line]] = {}  # (id, indent) -> lines: linear time

    def seq(self, calls: Sequence[TacticCall], indent: int) -> list[Line]:
        """A sequence, one tactic per line, at column ``indent``."""
        out: list[Line] = []
        for call in calls:
            out.extend((indent, comment) for comment in self.comments.get(id(call), ()))
            out.extend(self.call(call, indent))
        return out

    def call(self, call: TacticCall, indent: int) -> list[Line]:
        """``call`` printed at column ``indent`` (the list returned must not be modified)."""
        key = (id(call), indent)
        lines = self._printed.get(key)
        if lines is None:
            lines = self._printed[key] = self._call(call, indent)
        return lines

    def _call(self, call: TacticCall, indent: int) -> list[Line]:
        name, children = call.name, call.children
        if name in COMBINATORS and children:
            lines: list[Line] = [(indent, "")]
            forbidden = tuple(combinator_separator(c) for c in COMBINATORS[: COMBINATORS.index(name) + 1])
            for i, alt in enumerate(children):
                if i:
                    _continue(lines, [(0, f" {combinator_separator(name).strip()} ")])
                _continue(lines, self.inline(alt.children, _end_col(lines[-1]), forbidden, False))
            return lines
        if name in SEQUENCE_TACTICALS and children:
            lines = [(indent, name + " ")]
            # `try (first | a | b)`: the alternatives bracketed, so the reader sees what `try` covers
            bracket = len(children) == 1 and children[0].name in ALTERNATIVE_TACTICALS
            _continue(lines, self.inline(children, _end_col(lines[-1]), _COMBINATOR_SEPARATORS, False, bracket))
            return lines
        if name in ALTERNATIVE_TACTICALS and children:
            lines = [(indent, name)]
            for alt in children:
                _continue(lines, [(0, " | ")])
                _continue(lines, self.inline(alt.children, _end_col(lines[-1]), _COMBINATOR_SEPARATORS, True))
            return lines
        if is_elim_with(call):
            lines = [(indent, f"{name} {call.arg}")]
            for child in children:
                lines += self.seq([child], indent if child.name == "|" else indent + 2)
            return lines
        note = self.notes.get(id(call))
        if note is not None and name in BLOCKS:
            head = "·" if name == "·" else "focus" if name == "focus" else self.header(call)
            return [(indent, f"{head} {note}"), *self.seq(children, indent + 2)]
        if name == "·":
            if not children:
                return [(indent, "·")]
            if id(children[0]) in self.comments:
                return [(indent, "·"), *self.seq(children, indent + 2)]
            lines = [(indent, "· ")]
            _continue(lines, self.call(children[0], indent + 2))
            return lines + self.seq(children[1:], indent + 2)
        if name == "focus":
            return [(indent, "focus"), *self.seq(children, indent + 2)]
        if name in BLOCKS:  # case tag x… =>, next x… =>, | c x… =>
            header = self.header(call)
            if len(children) == 1 and id(children[0]) not in self.comments:
                only = self.call(children[0], indent + len(header) + 1)
                if len(only) == 1 and "\n" not in only[0][1]:
                    return [(indent, f"{header} {only[0][1]}")]
            return [(indent, header), *self.seq(children, indent + 2)]
        if name == "calc":  # steps `a = b := p ; _ = c := q` (merged lines): one per line
            first, *rest = top_level_split(call.arg, ";") if call.arg else [""]
            return [(indent, f"calc {first}" if first else "calc"), *((indent + 2, step) for step in rest)]
        return [(indent, f"{name} {call.arg}" if call.arg else name)]

    @staticmethod
    def header(call: TacticCall) -> str:
        return f"{call.name} {call.arg} =>" if call.arg else f"{call.name} =>"

    def simple(self, call: TacticCall) -> bool:
        """Prints on one line that may be followed by `; t` (not a block, no comment)."""
        if is_block(call) or id(call) in self.comments or id(call) in self.notes:
            return False
        lines = self.call(call, 0)
        return len(lines) == 1 and "\n" not in lines[0][1] and not _ends_in_comment(lines[0])

    def inline(
        self, calls: Sequence[TacticCall], indent: int, forbidden: tuple[str, ...], alternative: bool,
        bracket: bool = False,
    ) -> list[Line]:
        """The argument of a tactical (``alternative``: of ``first | …``) at column ``indent``:
        bracketed when it is several tactics, would not read back as one, or ``bracket``."""
        if all(self.simple(c) for c in calls):  # (each printed once: `call` remembers)
            text = "; ".join(self.call(c, 0)[0][1] for c in calls)
            bare = len(calls) == 1 and not bracket and not any(len(_split_spans(text, sep)) > 1 for sep in forbidden)
            if alternative:
                bare = bare and not text.startswith("|") and len(_split_spans(f" {text}", " |")) == 1
            return [(indent, text if bare else f"({text})")]
        lines = self.seq(calls, indent + 1)
        lines[0] = (indent, "(" + lines[0][1])
        if _ends_in_comment(lines[-1]):
            lines.append((indent, ")"))
        else:
            lines[-1] = (lines[-1][0], lines[-1][1] + ")")
        return lines


_COMBINATOR_SEPARATORS = tuple(combinator_separator(c) for c in COMBINATORS)


def render_lines(lines: Sequence[Line]) -> str:
    return "\n".join(" " * indent + text for indent, text in lines)


def print_tactics(calls: Sequence[TacticCall], indent: int = 0) -> str:
    """The canonical text of a tactic sequence: one tactic per line at column ``indent`` (0-based),
    blocks indented by 2, the alternatives of ``induction x with`` at the tactic's column, calc
    steps on continuation lines, tactic arguments verbatim.  ``split_tactics`` reads it back as
    the same tree up to source positions (``printed_tactics`` checks that)."""
    return render_lines(TacticPrinter().seq(calls, indent))


def erase_positions(calls: Sequence[TacticCall]) -> tuple[TacticCall, ...]:
    """The tree without source positions (every line and column 0), to compare trees."""
    return tuple(attrs.evolve(c, line=0, col=0, children=erase_positions(c.children)) for c in calls)


def same_tactics(a: Sequence[TacticCall], b: Sequence[TacticCall]) -> bool:
    """Equal trees up to source positions."""
    return erase_positions(a) == erase_positions(b)


def printed_tactics(calls: Sequence[TacticCall], indent: int = 0) -> str | None:
    """``print_tactics(calls)`` if it reads back as ``calls`` (up to positions), else ``None``
    (a tree no text of the tactic language denotes, e.g. a name with a space)."""
    try:
        text = print_tactics(calls, indent)
        return text if same_tactics(split_tactics(text, 1, indent + 1), calls) else None
    except (TacticError, RecursionError):
        return None
