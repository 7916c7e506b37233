"""Write Babel catalogs the way GNU msgmerge writes them, so either tool leaves the other's file as it is.

Babel's ``write_po`` wraps lines differently from msgmerge (before spaces, at 76
columns) and rewrites the header in its own field order, dropping fields it does not
know (Poedit's X-Generator, X-Poedit-*). This writer follows gettext's write-po.c:
79 columns; each string split after every ``\\n``; long strings broken where the
Unicode line-breaking rules (UAX #14, the subset below) allow, the space staying at
the end of the line, East Asian wide characters counting two columns; a string that
wraps starts with an empty ``""`` line. The header is written as read, field order
and unknown fields kept; only POT-Creation-Date (from the template) and the charset
(always UTF-8 on writing) are changed.
"""

from __future__ import annotations

import re
import unicodedata

from babel.dates import format_datetime
from babel.messages.catalog import Catalog, Message

PAGE_WIDTH = 79
ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
ESCAPES |= {'"': '\\"', "\\": "\\\\"}


# -- Line-break classes (UAX #14, the part that occurs in prose) -----------------------

CLASS_OF = {" ": "SP", "\u200b": "ZW", "\u00a0": "GL", "\u202f": "GL", "\u2060": "GL", "-": "HY"}
CLASS_OF |= dict.fromkeys("!?\uff01\uff1f", "EX") | dict.fromkeys(",.:;", "IS") | {"/": "SY"}
CLASS_OF |= dict.fromkeys("\u3001\u3002\uff0c\uff0e", "CL") | dict.fromkeys("\uff1a\uff1b\u30fb\u30fc\u3005", "NS")
CLASS_OF |= dict.fromkeys("\"'\u00ab\u00bb\u2018\u2019\u201c\u201d\u2039\u203a", "QU")
CLASS_OF |= dict.fromkeys("$+\\\u00a3\u00a5\u20ac", "PR") | dict.fromkeys("%\u00a2\u00b0\u2030", "PO")
CLASS_OF |= dict.fromkeys("\u200c\u200d\u200e\u200f", "CM") | dict.fromkeys("\t|\u00ad\u2010\u2013", "BA")
NO_BREAK_PAIRS = {
    ("AL", "NU"), ("NU", "AL"), ("PR", "ID"), ("ID", "PO"), ("PR", "AL"), ("PO", "AL"), ("AL", "PR"),
    ("AL", "PO"), ("CL", "PO"), ("CL", "PR"), ("NU", "PO"), ("NU", "PR"), ("PO", "OP"), ("PO", "NU"),
    ("PR", "OP"), ("PR", "NU"), ("HY", "NU"), ("IS", "NU"), ("NU", "NU"), ("SY", "NU"), ("AL", "AL"),
    ("IS", "AL"), ("AL", "OP"), ("NU", "OP"), ("CL", "AL"), ("CL", "NU"),
}  # fmt: skip


def break_class(char: str) -> str:
    if char in CLASS_OF:
        return CLASS_OF[char]
    category = unicodedata.category(char)
    if category in ("Mn", "Mc", "Me"):
        return "CM"
    if category == "Ps":
        return "OP"
    if category == "Pe":
        return "CL"
    if category == "Nd":
        return "NU"
    return "ID" if unicodedata.east_asian_width(char) in ("W", "F") else "AL"


def may_break(before: str, after: str, after_space: bool) -> bool:
    """UAX #14 rules 13 to 31 for two adjacent classes (spaces between them or not)."""
    if after in ("CL", "EX", "IS", "SY") or before == "OP" or (before == "QU" and after == "OP"):
        return False
    if before == "CL" and after == "NS":
        return False
    if after_space or before == "ZW":
        return True
    if "GL" in (before, after) or "QU" in (before, after) or after in ("BA", "HY", "NS", "CM"):
        return False
    return (before, after) not in NO_BREAK_PAIRS


def column_width(char: str) -> int:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def break_opportunities(chars: list[str], prohibited: list[bool]) -> list[bool]:
    """Before which characters a line may break."""
    result, before, after_space = [False] * len(chars), None, False
    for i, char in enumerate(chars):
        cls = break_class(char)
        if cls == "SP":
            after_space = True
            continue
        if cls == "CM" and before is not None and not after_space:
            continue  # a combining mark belongs to the character before it
        if before is not None and not prohibited[i]:
            result[i] = may_break(before, "AL" if cls == "CM" else cls, after_space)
        before, after_space = ("AL" if cls == "CM" else cls), False
    return result


def line_breaks(chars: list[str], prohibited: list[bool], width: int, start_column: int) -> list[bool]:
    """Where to break, as libunistring's ulc_width_linebreaks: before a piece that would pass width."""
    possible = break_opportunities(chars, prohibited)
    breaks = [False] * len(chars)
    last, column, piece = None, start_column, 0
    for i, char in enumerate(chars):
        if possible[i]:
            if last is not None and column + piece > width:
                breaks[last], column = True, 0
            last, column, piece = i, column + piece, 0
        piece += column_width(char)
    if last is not None and column + piece > width:
        breaks[last] = True
    return breaks


# -- Strings ------------------------------------------------------------------------


def directive_interiors(text: str, message: Message | None) -> set[int]:
    """Positions inside {placeholders} of a python-brace-format message: msgmerge never breaks there."""
    if message is None or "python-brace-format" not in message.flags:
        return set()
    return {i for found in re.finditer(r"\{[^{}]*\}", text) for i in range(found.start() + 1, found.end())}


def wrap(prefix: str, keyword: str, value: str, message: Message | None = None) -> list[str]:
    """The lines of `keyword "value"`, as write-po.c's wrap() lays them out."""
    inside = directive_interiors(value, message)
    portions = re.findall(r"[^\n]*\n|[^\n]+", value) or [""]
    lines, first_line, offset = [], True, 0
    after_break = len(prefix) + 1
    width = PAGE_WIDTH - 1 - after_break
    for number, portion in enumerate(portions):
        chars, prohibited = [], []
        for i, char in enumerate(portion):
            escaped = ESCAPES.get(char, char)
            chars += escaped
            prohibited += [offset + i in inside] + [True] * (len(escaped) - 1)
        offset += len(portion)
        if portion.endswith("\n"):
            prohibited[-2] = True  # never break just before the final \n
        start = len(prefix) + (len(keyword) + 1 if first_line else 0) + 1 - after_break
        breaks = line_breaks(chars, prohibited, width, start)
        more = number < len(portions) - 1
        if first_line and chars and (more or start > width or any(breaks)):
            lines.append(f'{prefix}{keyword} ""')
            first_line = False
            breaks = line_breaks(chars, prohibited, width, 1 - after_break + len(prefix))
        text = f"{prefix}{keyword} " if first_line else prefix
        first_line = False
        current = [text + '"']
        for char, brk in zip(chars, breaks, strict=True):
            if brk:
                lines.append("".join(current) + '"')
                current = [prefix + '"']
            current.append(char)
        lines.append("".join(current) + '"')
    return lines


# -- Messages and catalogs ----------------------------------------------------------


def references(message: Message) -> list[str]:
    """The #: lines: as many file:line as fit in the page width."""
    lines, line = [], "#:"
    for filename, lineno in dict.fromkeys(message.locations):
        ref = f"{filename}:{lineno}" if lineno else filename
        if len(line) > 2 and len(line) + len(ref) + 1 > PAGE_WIDTH:
            lines.append(line)
            line = "#:"
        line += " " + ref
    return [*lines, line] if len(line) > 2 else lines


def comments(message: Message, obsolete: bool = False) -> list[str]:
    """Translator comments, extracted comments, references, flags; an obsolete entry keeps only
    the translator's comments and its flags, as msgmerge does."""
    lines = [f"# {c}".rstrip() for c in message.user_comments]
    if not obsolete:
        lines += [f"#. {c}".rstrip() for c in message.auto_comments]
        lines += references(message)
    flags = sorted(message.flags - {"fuzzy"})
    if message.fuzzy:
        flags.insert(0, "fuzzy")
    if flags:
        lines.append("#, " + ", ".join(flags))
    return lines


def message_lines(message: Message, prefix: str = "") -> list[str]:
    lines = comments(message, obsolete=bool(prefix))  # msgmerge writes an obsolete entry's comments without #~
    previous_prefix = "#~| " if prefix else "#| "
    previous_context = getattr(message, "previous_context", None)  # set by catalogs/i18n: Babel has none
    if previous_context is not None and message.previous_id:
        lines += wrap(previous_prefix, "msgctxt", previous_context, message)
    previous = list(message.previous_id or [])
    for keyword, text in zip(("msgid", "msgid_plural"), previous, strict=False):
        lines += wrap(previous_prefix, keyword, text, message)
    if message.context is not None:
        lines += wrap(prefix, "msgctxt", message.context, message)
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    lines += wrap(prefix, "msgid", ids[0], message)
    if len(ids) > 1:
        lines += wrap(prefix, "msgid_plural", ids[1], message)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        for index, text in enumerate(strings):
            lines += wrap(prefix, f"msgstr[{index}]", text or "", message)
    else:
        lines += wrap(prefix, "msgstr", message.string or "", message)
    return lines


def header_text(catalog: Catalog, header: str | None) -> str:
    """The header msgstr: as read (order, unknown fields), with this catalog's POT-Creation-Date."""
    if header is None:
        return "".join(f"{name}: {value.rstrip(chr(10))}\n" for name, value in catalog.mime_headers)
    created = format_datetime(catalog.creation_date, "yyyy-MM-dd HH:mmZ", locale="en")
    header = re.sub(r"(?m)^(POT-Creation-Date:).*$", lambda m: f"{m.group(1)} {created}", header)
    if not re.search(r"(?im)^Content-Type:.*charset=utf-8\s*$", header):
        header = re.sub(r"(?m)^(Content-Type:.*charset=)\S*$", r"\1UTF-8", header)
    return header


def format_po(catalog: Catalog, header: str | None = None) -> str:
    """The whole file as msgmerge would write it; header is the header msgstr as read, if any."""
    lines = catalog.header_comment.splitlines()
    if catalog.fuzzy:
        lines.append("#, fuzzy")
    lines += ['msgid ""', *wrap("", "msgstr", header_text(catalog, header))]
    entries = ["\n".join(lines)]
    entries += ["\n".join(message_lines(m)) for m in catalog if m.id]
    entries += ["\n".join(message_lines(m, "#~ ")) for m in catalog.obsolete.values() if _translated(m)]
    return "\n\n".join(entries) + "\n"


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return any(strings)
