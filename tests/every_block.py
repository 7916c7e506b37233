"""The content model's fixture handout: every block type, in English, Arabic and Simplified Chinese,
with a figure, a table that breaks across pages and a plural (tests/source/test_content_model.py)."""

from __future__ import annotations

from pathlib import Path

from fixture_project import make_project

EVERY_BLOCK = """\
meta:
  code: FIX-01
  version: "2.0"
  approved: 2026-11-01
  review_due: 2028-11-01
  target_pages: 4
  references:
    - "A reference. 2020."
values:
  sessions: 4
title: Fixture handout
subtitle: For tests
sections:
  - id: key-points
    blocks:
      - type: callout
        kind: info
        heading: Key points
        blocks:
          - type: list
            items:
              - Point one.
              - text: Call at once if your legs go numb.
                safety: true
  - id: body
    heading: Body
    blocks:
      - type: paragraph
        text: A paragraph.
      - type: paragraph
        style: note
        text:
          text: "You have {sessions} session."
          plural: "You have {sessions} sessions."
          count: sessions
      - type: list
        numbered: true
        heading: Numbered list
        items:
          - text: First item
            items: [Nested item]
      - type: steps
        steps:
          - text: Step without title.
          - title: Titled
            text: Step with title.
      - type: do-avoid
        do: {heading: Do, items: [Walk daily.]}
        avoid: {heading: Avoid, items: [Bed rest.]}
      - type: figure
        src: pads.svg
        alt: Two pads on a back.
        caption: Where the pads go
      - type: write-in
        fields:
          - label: Your next appointment
      - type: checklist
        items: [Bring this sheet.]
      - type: questions
        items: ["Is it safe?"]
      - type: callout
        kind: urgent
        heading: Get help
        blocks:
          - type: paragraph
            text: "Call {emergency_number} now."
  - id: plan
    heading: Plan
    blocks:
      - type: table
        caption: Weekly plan
        header: [Exercise, Mon, Tue]
        rows:
%(rows)s
  - id: about
    heading: About
    blocks:
      - type: references
"""
ROWS = 45  # enough rows to break the table across a page
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100">
  <rect x="60" y="20" width="80" height="60" fill="none" stroke="#1a1a1a"/>
  <text id="a" x="100" y="15" text-anchor="middle" font-size="12">Pad here</text>
  <text id="b" x="100" y="95" text-anchor="middle" font-size="12">Spine</text>
</svg>"""

ENGLISH = {
    "Fixture handout": {"ar": "نشرة الاختبار", "zh_Hans": "测试资料"},
    "For tests": {"ar": "للاختبارات", "zh_Hans": "用于测试"},
    "Key points": {"ar": "النقاط الرئيسية", "zh_Hans": "要点"},
    "Point one.": {"ar": "النقطة الأولى.", "zh_Hans": "第一点。"},
    "Call at once if your legs go numb.": {
        "ar": "اتصل فورًا إذا خدرت ساقاك.",
        "zh_Hans": "如果双腿麻木，请立即打电话。",
    },
    "Body": {"ar": "النص", "zh_Hans": "正文"},
    "A paragraph.": {"ar": "فقرة.", "zh_Hans": "一个段落。"},
    "Numbered list": {"ar": "قائمة مرقمة", "zh_Hans": "编号列表"},
    "First item": {"ar": "البند الأول", "zh_Hans": "第一项"},
    "Nested item": {"ar": "بند فرعي", "zh_Hans": "子项"},
    "Step without title.": {"ar": "خطوة بلا عنوان.", "zh_Hans": "没有标题的步骤。"},
    "Titled": {"ar": "بعنوان", "zh_Hans": "有标题"},
    "Step with title.": {"ar": "خطوة بعنوان.", "zh_Hans": "有标题的步骤。"},
    "Do": {"ar": "افعل", "zh_Hans": "应该"},
    "Walk daily.": {"ar": "امشِ يوميًا.", "zh_Hans": "每天散步。"},
    "Avoid": {"ar": "تجنب", "zh_Hans": "避免"},
    "Bed rest.": {"ar": "الراحة في السرير.", "zh_Hans": "卧床休息。"},
    "Two pads on a back.": {"ar": "لاصقتان على الظهر.", "zh_Hans": "背上的两个电极片。"},
    "Where the pads go": {"ar": "أين توضع اللاصقات", "zh_Hans": "电极片的位置"},
    ("Pad here", "figure label"): {"ar": "اللاصقة هنا", "zh_Hans": "电极片在这里"},
    ("Spine", "figure label"): {"ar": "العمود الفقري", "zh_Hans": "脊柱"},
    "Your next appointment": {"ar": "موعدك القادم", "zh_Hans": "您的下次预约"},
    "Bring this sheet.": {"ar": "أحضر هذه الورقة.", "zh_Hans": "请带上这张纸。"},
    "Is it safe?": {"ar": "هل هو آمن؟", "zh_Hans": "安全吗？"},
    "Get help": {"ar": "اطلب المساعدة", "zh_Hans": "寻求帮助"},
    "Call {emergency_number} now.": {
        "ar": "اتصل بالرقم {emergency_number} الآن.",
        "zh_Hans": "请立即拨打 {emergency_number}。",
    },
    "Plan": {"ar": "الخطة", "zh_Hans": "计划"},
    "Weekly plan": {"ar": "الخطة الأسبوعية", "zh_Hans": "每周计划"},
    "Exercise": {"ar": "التمرين", "zh_Hans": "练习"},
    "Mon": {"ar": "الاثنين", "zh_Hans": "周一"},
    "Tue": {"ar": "الثلاثاء", "zh_Hans": "周二"},
    "About": {"ar": "حول", "zh_Hans": "关于"},
    **{f"Exercise {n}": {"ar": f"التمرين رقم {n}", "zh_Hans": f"练习 {n}"} for n in range(ROWS)},
}
PLURAL = {
    "ar": ["لديك {sessions} جلسات."] * 6,
    "zh_Hans": ["您有 {sessions} 次治疗。"],
    "ru": ["У вас {sessions} сеанс.", "У вас {sessions} сеанса.", "У вас {sessions} сеансов."],
}


def handout_yaml() -> str:
    rows = "\n".join(f"          - [Exercise {n}, null, null]" for n in range(ROWS))
    return EVERY_BLOCK % {"rows": rows}


def catalog(lang: str, skip: tuple[str, ...] = ()) -> dict:
    entries: dict = {key: strings[lang] for key, strings in ENGLISH.items() if key not in skip}
    entries["You have {sessions} session."] = {"plural": "You have {sessions} sessions.", "forms": PLURAL[lang]}
    return entries


def project_with(root: Path, languages: tuple[str, ...], **kwargs: object) -> Path:
    catalogs = {lang: {"fixture": catalog(lang)} for lang in languages if lang in ("ar", "zh_Hans")}
    catalogs.update(kwargs.pop("catalogs", {}))  # type: ignore[arg-type]
    return make_project(
        root,
        {"fixture": handout_yaml()},
        catalogs,
        languages=languages,
        assets={"fixture/pads.svg": SVG},
        **kwargs,  # type: ignore[arg-type]
    )
