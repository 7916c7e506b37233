"""The translation checks, one message at a time, and the catalog header checks."""

from __future__ import annotations

from pathlib import Path

import babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from handouts.i18n.checks import header_problems, message_errors


def errors(msgid: str | tuple[str, str], string: str | tuple[str, ...], lang: str = "de") -> list[str]:
    catalog = Catalog(locale=lang)
    message = catalog.add(msgid, string, flags=["python-brace-format"])
    return message_errors(catalog, message)


@pytest.mark.parametrize(
    ("msgid", "string", "expected"),
    [
        ("Call {clinic_phone}.", "Rufen Sie {clinic_phone} an.", []),
        (
            "Call {clinic_phone}.",
            "Rufen Sie uns an.",
            ["placeholder {clinic_phone} is missing; copy it from the English unchanged"],
        ),
        (
            "Call {clinic_phone}.",
            "Rufen Sie {telefon} an.",
            [
                "placeholder {telefon} is not in the English and {clinic_phone} is missing; "
                "copy the English's placeholders unchanged"
            ],
        ),
        (
            "Call us.",
            "Rufen Sie {clinic_phone} an.",
            ["placeholder {clinic_phone} is not in the English, which has no placeholders"],
        ),
        (
            "Call {clinic_phone}.",
            "Rufen Sie {clinic_phone!r} an.",
            [
                "placeholder {clinic_phone!r} is not in the English and {clinic_phone} is missing; "
                "copy the English's placeholders unchanged"
            ],
        ),
        (
            "Call {clinic_phone}.",
            "Rufen Sie {clinic_phone an.",
            ["broken placeholder (expected '}' before end of string); write placeholders as {name}"],
        ),
        ("<strong>Stop</strong> now.", "<strong>Sofort</strong> aufhören.", []),
        (
            "<strong>Stop</strong> now.",
            "Sofort aufhören.",
            ["markup differs from the English: it has <strong> </strong>, the translation has no tags"],
        ),
        (
            "<strong>Stop</strong> now.",
            '<strong class="x">Sofort</strong> aufhören.',
            ['markup <strong class="x"> is not in the English; only the English\'s markup may be used'],
        ),
        (
            "Stop now.",
            "Sofort <script>alert(1)</script>",
            ["markup <script> is not in the English; only the English's markup may be used"],
        ),
        (
            "Stop now.",
            "Sofort <img src=x onerror=alert(1)",
            ["markup <img src=x onerror=alert(1) is not in the English; only the English's markup may be used"],
        ),
        (
            "<em>Never</em> use it.",  # the English's own markup, where it is not <strong>, is refused too
            "<em>Niemals</em> benutzen.",
            [
                "markup <em> would print literally on the page; <strong>…</strong> is the only markup a text "
                "may hold: remove the tag, or use <strong> for words that must stand out"
            ],
        ),
        ("Stop now.", " Sofort.", ["starts with ' ' but the English starts with nothing"]),
        ("Stop now. ", "Sofort.", ["ends with nothing but the English ends with ' '"]),
        ("Stop\nnow.", "Sofort aufhören.", ["has 0 line breaks but the English has 1"]),
        ("Stop now.", "", []),  # untranslated: counted, not checked
    ],
)
def test_message_checks(msgid: str, string: str, expected: list[str]) -> None:
    assert errors(msgid, string) == expected


def test_plural_forms_must_fit_the_language() -> None:
    # Babel's own num_plurals checker runs first: Polish needs three forms.
    assert errors(("{count} file", "{count} files"), ("{count} plik", "{count} pliki"), lang="pl") == [
        "Wrong number of plural forms (expected 3)"
    ]
    assert errors(("{count} file", "{count} files"), ("{count} plik", "{count} pliki", "{count} plików"), "pl") == []


def test_catalog_header_must_match_its_language(tmp_path: Path) -> None:
    path = tmp_path / "common.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n', encoding="utf-8"
    )
    with path.open("rb") as f:
        catalog = read_po(f)
    problems = [str(p) for p in header_problems(catalog, path, "locales/ru/LC_MESSAGES/common.po", "ru")]
    assert problems == [
        "locales/ru/LC_MESSAGES/common.po:3: the Language header says 'de' but the catalog is in locales/ru/",
        "locales/ru/LC_MESSAGES/common.po:4: Plural-Forms 'nplurals=1; plural=0;' is none of the plural rules "
        "for Russian; write 'nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        f"(n%100<10 || n%100>=20) ? 1 : 2);' (GNU gettext, Weblate gettext, Babel {babel.__version__})",
    ]
