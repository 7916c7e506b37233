"""`handouts new DIR`: a clinic's own project that builds at once; `handouts new handout ID`:
a new handout file and its picture folder, ready to fill in."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from pathlib import Path

from handouts.errors import HandoutsError, Problem
from handouts.layout import RESERVED_HANDOUT_IDS
from handouts.project import CONFIG_NAME, LIBRARY, Folders, Project, handout_ids_in, languages_in, reserved_name

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
    path = project.own_handout_path(handout_id)
    if path.exists():
        raise HandoutsError(Problem(project.shown(path), "exists already; choose another id or edit that file"))
    if handout_id in project.packaged_handout_ids():
        raise HandoutsError(
            Problem(
                "handouts/",
                f"{handout_id!r} is a packaged handout; choose another id, or copy the packaged file "
                f"{project.shown(project.handout_path(handout_id))} into handouts/ to change it",
            )
        )
    path.parent.mkdir(exist_ok=True)
    today = today or dt.date.today()
    title = handout_id.replace("-", " ").capitalize()
    review = today.replace(year=today.year + 2) if not (today.month == 2 and today.day == 29) else today
    path.write_text(TEMPLATE.format(title=title, today=today.isoformat(), review=review.isoformat()), "utf-8")
    assets = path.with_suffix("")
    assets.mkdir(exist_ok=True)
    return [project.shown(path), project.shown(assets) + "/"]


# -- A new project --------------------------------------------------------------------

CONFIG = """\
# A clinic's handouts project. `handouts build` prints every clinic x language x handout
# into output/, `handouts check` runs every quality gate.
#
# Handouts, their translations, the templates and the fonts come packaged with the
# handouts tool, and an upgrade of the tool upgrades them (`handouts check` lists the
# handouts whose version changed since the last build). A file of the same name in this
# project replaces the packaged one: handouts/<id>.yaml (with its pictures in handouts/<id>/),
# locales/<lang>/LC_MESSAGES/<domain>.po, templates/<name> and fonts/fonts.yaml.
# Your own handouts go in handouts/ (start one with: handouts new handout ID).

# The packaged handouts this project prints; remove a line to leave one out
# (without the key, every packaged handout is printed).
library:
{library}
# The languages this project's clinics may print.
languages: [{languages}]
"""

CLINIC = """\
# A sample clinic to make your own: change every line to your clinic's details, replace
# logo.svg with your logo, and copy this folder for each further clinic.
# Every key is described in the handouts README ("Add your clinic").
name: My Clinic
logo: logo.svg
colors:
  primary: "#0b5563"   # headings, rules and borders (white paper behind)
  accent: "#e3f1f3"    # pale tint behind the key points box
address:
  - 1 Example Street
  - Exampletown
phone: 0100 000 0000
email: reception@my-clinic.example
website: my-clinic.example
emergency_number: "112"
paper: A4              # or Letter
languages: [{languages}]
session_minutes: 30
session_count: [4, 6]
"""

LOGO = """\
<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80">
  <rect width="240" height="80" rx="8" fill="#0b5563"/>
  <circle cx="40" cy="40" r="22" fill="#e3f1f3"/>
  <rect x="76" y="30" width="140" height="20" rx="4" fill="#e3f1f3"/>
</svg>
"""

SAMPLE_CLINIC = "my-clinic"
SAMPLE_LANGUAGES = ("en", "de", "es", "fr")  # the sample clinic's; the project may print every packaged one
OWN_FOLDERS = ("handouts", "templates", "locales")


def new_project(target: Path, library: Path = LIBRARY) -> list[str]:
    """A project in target (new or empty): handouts.yaml naming the packaged handouts and
    languages, one sample clinic, and empty folders for the clinic's own handouts,
    templates and catalogs. It builds at once."""
    shown = str(target)
    if problem := _not_a_new_folder(target):
        raise HandoutsError(problem)
    packaged = Folders.under(library)
    languages = languages_in([packaged.locales])
    clinic_languages = [lang for lang in SAMPLE_LANGUAGES if lang in languages]
    files = {
        CONFIG_NAME: CONFIG.format(
            library="\n".join(f"  - {handout_id}" for handout_id in handout_ids_in(packaged.handouts)),
            languages=", ".join(languages),
        ),
        f"clinics/{SAMPLE_CLINIC}/clinic.yaml": CLINIC.format(languages=", ".join(clinic_languages)),
        f"clinics/{SAMPLE_CLINIC}/logo.svg": LOGO,
        ".gitignore": "output/\n",
    }
    created = []
    try:
        for name, text in files.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            created.append(f"{shown}/{name}")
        for name in OWN_FOLDERS:
            (target / name).mkdir()
            created.append(f"{shown}/{name}/")
    except OSError as exc:
        raise HandoutsError(_cannot_create(target, exc)) from None
    return created


def _not_a_new_folder(target: Path) -> Problem | None:
    """Why target cannot become a new project folder (checked before anything is written)."""
    shown = str(target)
    if target.is_symlink() and not target.exists():
        return Problem(shown, f"is a link to {os.readlink(target)}, which does not exist; give a new or empty folder")
    if target.is_dir():
        return Problem(shown, "is not empty; give the name of a new or empty folder") if any(target.iterdir()) else None
    if os.path.lexists(target):
        return Problem(shown, "is a file; give the name of a new or empty folder")
    for parent in reversed(target.parents):  # from the top: the first that is in the way
        if os.path.lexists(parent) and not parent.is_dir():
            what = "a link to nothing" if parent.is_symlink() and not parent.exists() else "a file"
            return Problem(str(parent), f"is {what}, not a folder, so {shown} cannot be made in it; give another path")
    return None


def _cannot_create(target: Path, exc: OSError) -> Problem:
    """A folder that could not be written, in one line with the fix."""
    where = next((parent for parent in [target, *target.parents] if parent.is_dir()), target)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"you may not write in {where} ({exc.strerror}); choose a folder you may write to"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = f"the disk is full; free some space, delete {target} and run handouts new again"
    else:
        fix = f"cannot be created ({exc.strerror or exc}); check the path and try again"
    return Problem(str(target), fix)
