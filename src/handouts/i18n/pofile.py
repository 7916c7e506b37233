"""Strict reading of .po files: what GNU ``msgfmt -c`` rejects, we reject, at file:line.

Babel's ``read_po`` is lenient (it skips some bad lines, reads unknown escapes
literally, pads missing plural forms with empty text), and safety text must print
exactly as the translator wrote it or not at all. So every file is first checked
here, line by line, and only then parsed by Babel.

Deliberately stricter than msgfmt (each is a one-line error naming the fix):
an unknown charset (msgfmt only warns), and the escapes msgfmt accepts but Babel
cannot read (``\\a \\b \\f \\v \\r \\? \\'``, octal, hex; only ``\\n \\t \\" \\\\`` are allowed),
and the layouts Babel misreads: two strings on one line, ``msgstr [0]``, a tab
after the keyword. Babel ignores ``#|`` (previous msgid) lines: ``previous_lines``
reads them for the writer.
"""

from __future__ import annotations

import codecs
import gettext
import re
from dataclasses import dataclass, field

from handouts.errors import Problem

BOM = b"\xef\xbb\xbf"
# Babel splits a keyword from its text at the first space, so "msgstr[1]" must be written tight.
KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?(?= )")
LOOSE_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)\b")
CHARSET = re.compile(rb'^"Content-Type:[^"\n]*charset=([^"\s\\;]*)', re.MULTILINE)
BABEL_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
MSGFMT_ONLY_ESCAPES = set("abfvr?'01234567x")
PREVIOUS_LINE = re.compile(r"(?m)^[ \t]*#(?:~[ \t]*)?\|.*$")
QUOTE_HINT = 'check the quotes on this line and the one above: every text line must start and end with "'


class PoSyntaxError(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class PoEntry:
    """One message as written: its strings decoded, and where it starts."""

    line: int
    obsolete: bool
    context: str | None = None
    msgid: str | None = None
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)  # from #| lines: keyword -> text
    msgstr_line: int | None = None  # where its msgstr starts: msgfmt reports plural problems there
    last: str = "start"  # the last keyword seen, to check their order


def decode(data: bytes, shown_as: str) -> tuple[str | None, Problem | None]:
    """The file's text in the charset its header declares; or why it cannot be read."""
    if data.startswith(BOM):
        return None, Problem(
            shown_as, "not a valid .po file (starts with a byte order mark, BOM); save it as UTF-8 without BOM", 1
        )
    found = CHARSET.search(data)
    charset = found.group(1).decode("ascii", "replace") if found else "utf-8"
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        line = data.count(b"\n", 0, found.start()) + 1 if found else None
        return None, Problem(
            shown_as,
            f"unknown charset {charset!r} in Content-Type; write charset=UTF-8 and save the file as UTF-8",
            line,
        )
    try:
        return data.decode(codec.name), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(
            shown_as,
            f"not valid {charset} text ({exc.reason}); save it as {charset}, or as UTF-8 with charset=UTF-8",
            line,
        )


def check_po(text: str, shown_as: str) -> tuple[list[PoEntry], Problem | None]:
    """The entries as written, and the first syntax or structure error msgfmt -c would report."""
    try:
        entries = parse_entries(text)
        check_entries(entries)
    except PoSyntaxError as exc:
        return [], Problem(shown_as, exc.message, exc.line)
    return entries, None


# -- Lines --------------------------------------------------------------------------


def parse_entries(text: str) -> list[PoEntry]:
    """Every entry of the file, active and obsolete (#~), with its decoded strings."""
    entries: list[PoEntry] = []
    current: dict[bool, PoEntry | None] = {False: None, True: None}  # obsolete? -> entry being read
    previous: dict[str, str] = {}  # the #| lines above the next entry
    previous_keyword = "msgid"
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t\r\f\v")
        if not line:
            continue
        obsolete = line.startswith("#~")
        body = line[2:].lstrip(" \t") if obsolete else line
        if body.startswith("#|") or (obsolete and body.startswith("|")):
            keyword, value = parse_previous(body.lstrip("#|").lstrip(" \t"), number)
            previous_keyword = keyword or previous_keyword
            previous[previous_keyword] = previous.get(previous_keyword, "") + value
            continue
        if body.startswith("#") or (obsolete and not body):
            continue
        keyword, index, value = parse_line(body, number)
        entry = current[obsolete]
        if keyword is None:
            if entry is None:
                raise PoSyntaxError(
                    number, "not a valid .po file (text line without msgid or msgstr above it); " + QUOTE_HINT
                )
            append(entry, value)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.last.startswith("msgstr")):
            entry = current[obsolete] = PoEntry(number, obsolete, previous=previous)
            entries.append(entry)
            previous = {}
        elif entry is None:
            raise PoSyntaxError(
                number, f'not a valid .po file ({keyword} without msgid above it); start the entry with msgid "..."'
            )
        add_keyword(entry, keyword, index, value, number)
    return entries


def parse_line(body: str, number: int) -> tuple[str | None, int | None, str]:
    """A keyword line (msgid "...") or a continuation line ("..."): its keyword, index and text."""
    found = KEYWORD.match(body)
    if found is None:
        if body.startswith('"'):
            return None, None, parse_strings(body, number)
        if LOOSE_KEYWORD.match(body):
            raise PoSyntaxError(
                number,
                "not a valid .po file (misformatted keyword); "
                'write it as msgstr "..." or msgstr[0] "...", with one space before the text',
            )
        raise PoSyntaxError(number, "not a valid .po file (Unknown or misformatted keyword); " + QUOTE_HINT)
    keyword, index = found.group(1), found.group(2)
    rest = body[found.end() :].lstrip(" \t")
    if not rest.startswith('"'):
        raise PoSyntaxError(
            number, f"not a valid .po file ({keyword} must be followed by text in quotes); " + QUOTE_HINT
        )
    return (
        keyword + ("[]" if index is not None else ""),
        None if index is None else int(index),
        parse_strings(rest, number),
    )


def parse_strings(rest: str, number: int) -> str:
    """Exactly one C string and nothing after it (Babel misreads two on one line); decoded."""
    if not rest.startswith('"'):
        raise PoSyntaxError(number, "not a valid .po file (Unknown or misformatted keyword); " + QUOTE_HINT)
    value, rest = parse_string(rest, number)
    extra = rest.strip(" \t")
    if extra:
        how = "put each text on a line of its own" if extra.startswith('"') else QUOTE_HINT
        raise PoSyntaxError(number, f"not a valid .po file (unexpected {extra[:20]!r} after the text); {how}")
    return value


def parse_previous(body: str, number: int) -> tuple[str | None, str]:
    """A #| line: its keyword (or None for a continuation) and its text."""
    found = KEYWORD.match(body)
    if found is None:
        return None, parse_strings(body, number)
    return found.group(1), parse_strings(body[found.end() :].lstrip(" \t"), number)


def parse_string(rest: str, number: int) -> tuple[str, str]:
    """The C string at the start of rest (which starts with a quote), and what follows it."""
    out, i = [], 1
    while i < len(rest):
        char = rest[i]
        if char == '"':
            return "".join(out), rest[i + 1 :]
        if char == "\\":
            escape = rest[i + 1 : i + 2]
            if escape in BABEL_ESCAPES:
                out.append(BABEL_ESCAPES[escape])
                i += 2
                continue
            if escape in MSGFMT_ONLY_ESCAPES:
                raise PoSyntaxError(
                    number,
                    f'the escape \\{escape} is not supported; write the character itself, or \\n, \\t, \\" or \\\\',
                )
            if not escape:
                break  # a backslash escaping the end of the line: the string is not closed
            raise PoSyntaxError(number, f"not a valid .po file (invalid escape \\{escape}); write \\\\ for a backslash")
        out.append(char)
        i += 1
    raise PoSyntaxError(number, 'not a valid .po file (the text has no closing quote); end the line with "')


# -- Entries ------------------------------------------------------------------------


ORDER = {  # keyword -> the keywords it may follow within one entry
    "msgctxt": {"start"},
    "msgid": {"start", "msgctxt"},
    "msgid_plural": {"msgid"},
    "msgstr": {"msgid"},
    "msgstr[]": {"msgid_plural", "msgstr[]"},
}


def add_keyword(entry: PoEntry, keyword: str, index: int | None, value: str, number: int) -> None:
    if entry.last not in ORDER[keyword]:
        # A new msgid where msgstr is due, or msgstr[N] with no msgid_plural: msgfmt names the entry's line.
        blame_entry = keyword in ("msgctxt", "msgid") or (keyword == "msgstr[]" and entry.last == "msgid")
        raise PoSyntaxError(entry.line if blame_entry else number, misplaced(entry, keyword))
    if keyword == "msgstr[]":
        expected = len(entry.strings)
        if index != expected:
            raise PoSyntaxError(
                number,
                f"not a valid .po file (msgstr[{index}] where msgstr[{expected}] is due); "
                "number the forms 0, 1, 2, ... in order",
            )
        entry.strings[index] = value
    elif keyword == "msgstr":
        entry.strings[0] = value
    else:
        setattr(entry, {"msgctxt": "context", "msgid": "msgid", "msgid_plural": "plural"}[keyword], value)
    if keyword.startswith("msgstr") and entry.msgstr_line is None:
        entry.msgstr_line = number
    entry.last = keyword


def misplaced(entry: PoEntry, keyword: str) -> str:
    if keyword == "msgstr[]" and entry.last == "msgid":
        return (
            'not a valid .po file (msgstr[N] without msgid_plural); use msgstr "..." for an entry without plural forms'
        )
    if keyword == "msgstr" and entry.last == "msgid_plural":
        return "not a valid .po file (plain msgstr after msgid_plural); write the forms as msgstr[0], msgstr[1], ..."
    if keyword in ("msgctxt", "msgid"):
        return f'not a valid .po file (the entry at line {entry.line} has no msgstr); add msgstr "" to it'
    return f"not a valid .po file ({keyword} is out of place); the order is msgctxt, msgid, msgid_plural, msgstr"


def append(entry: PoEntry, value: str) -> None:
    if entry.last == "msgctxt":
        entry.context = (entry.context or "") + value
    elif entry.last == "msgid":
        entry.msgid = (entry.msgid or "") + value
    elif entry.last == "msgid_plural":
        entry.plural = (entry.plural or "") + value
    else:
        last = max(entry.strings)
        entry.strings[last] += value


def check_entries(entries: list[PoEntry]) -> None:
    """Each entry complete, none twice, a header first, plural forms as the header says."""
    seen: dict[tuple[str | None, str | None], int] = {}
    for entry in entries:
        if not entry.last.startswith("msgstr"):
            raise PoSyntaxError(
                entry.line,
                f'not a valid .po file (entry without msgstr); add msgstr "" to the entry at line {entry.line}',
            )
        key = (entry.context, entry.msgid)
        if key in seen:
            raise PoSyntaxError(
                entry.line, f"duplicate entry: the same msgid is at line {seen[key]}; keep one of the two"
            )
        seen[key] = entry.line
    header = next((e for e in entries if e.msgid == "" and e.context is None and not e.obsolete), None)
    if header is None:
        raise PoSyntaxError(
            1,
            'no header entry (msgid "" with Content-Type and Plural-Forms); '
            "run handouts i18n update, or copy the header from another catalog",
        )
    check_plural_forms(header, [e for e in entries if e.plural is not None and not e.obsolete])


def check_plural_forms(header: PoEntry, plurals: list[PoEntry]) -> None:
    found = re.search(r"^Plural-Forms:\s*(.*)$", header.strings.get(0, ""), re.MULTILINE)
    if found is None:
        if plurals:
            raise PoSyntaxError(
                plurals[0].line, "entry with plural forms, but the header has no Plural-Forms; run handouts i18n update"
            )
        return
    nplurals = plural_count(found.group(1))
    if nplurals is None:
        raise PoSyntaxError(
            header.msgstr_line,
            f"invalid Plural-Forms {found.group(1).strip()!r}; write it as nplurals=N; plural=EXPRESSION;",
        )
    for entry in plurals:
        if len(entry.strings) != nplurals:
            raise PoSyntaxError(
                entry.msgstr_line,
                f"entry has {len(entry.strings)} plural forms but Plural-Forms says nplurals={nplurals}; "
                f"give it exactly {nplurals}",
            )


def plural_count(plural_forms: str) -> int | None:
    """nplurals of a Plural-Forms value whose expression is valid C, else None."""
    count = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    expr = re.search(r"(?<![a-z])plural\s*=\s*([^;]+)", plural_forms)
    if count is None or expr is None:
        return None
    try:
        gettext.c2py(expr.group(1).strip())  # the stdlib's safe C-expression parser
    except (ValueError, RecursionError):
        return None
    return int(count.group(1))
