"""`handouts new handout ID`: a new handout file and its picture folder, ready to fill in."""

from __future__ import annotations

import datetime as dt
import re

from handouts.errors import HandoutsError, Problem
from handouts.layout import RESERVED_HANDOUT_IDS
from handouts.project import Project, reserved_name

HANDOUT_ID = r"^[a-z0-9][a-z0-9-]{0,59}$"

TEMPLATE = """\
# {title}: a patient handout. The format is described in AUTHORING.md.
# English is the source language; `handouts i18n update` makes its catalogs.
meta:
  code: CHANGE-ME-01
  version: "0.1"
  status: draft          # a draft never prints for patients; set `published` once approved
  approved: {today}
  review_due: {review}
  target_pages: 2        # one sheet printed on both sides
  references:
    - "Add the sources the text is based on."
title: {title}
subtitle: Information for patients
sections:
  - id: key-points
    blocks:
      - type: callout
        kind: info
        heading: Key points
        blocks:
          - type: list
            items:
              - Write the three to five things a patient must take away.
  - id: who-should-not
    heading: Who should not have this treatment
    safety: true
    blocks:
      - type: list
        items:
          - List each contraindication in plain words.
  - id: urgent-help
    blocks:
      - type: callout
        kind: urgent
        heading: When to get urgent help
        blocks:
          - type: paragraph
            text: "Call {{emergency_number}} if ..."
  - id: about
    heading: About this leaflet
    blocks:
      - type: paragraph
        text: This leaflet was checked by a clinician at {{clinic_name}}.
      - type: references
"""


def new_handout(project: Project, handout_id: str, today: dt.date | None = None) -> list[str]:
    """Write handouts/<id>.yaml (a draft) and the folder handouts/<id>/ for its pictures."""
    if not re.match(HANDOUT_ID, handout_id):
        raise HandoutsError(
            Problem("handouts/", f"{handout_id!r} is not a handout id; use lowercase letters, digits and -")
        )
    if handout_id in RESERVED_HANDOUT_IDS:
        raise HandoutsError(Problem("handouts/", f"{reserved_name(handout_id)}; choose another id"))
    path = project.handout_path(handout_id)
    if path.exists():
        raise HandoutsError(Problem(project.shown(path), "exists already; choose another id or edit that file"))
    today = today or dt.date.today()
    title = handout_id.replace("-", " ").capitalize()
    review = today.replace(year=today.year + 2) if not (today.month == 2 and today.day == 29) else today
    path.write_text(TEMPLATE.format(title=title, today=today.isoformat(), review=review.isoformat()), "utf-8")
    assets = path.with_suffix("")
    assets.mkdir(exist_ok=True)
    return [project.shown(path), project.shown(assets) + "/"]
