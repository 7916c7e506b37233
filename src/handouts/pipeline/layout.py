"""Where every output goes: the one owner of output paths.

<out>/<clinic>/<lang>/<handout><variant suffixes>.<format extension>
<out>/<clinic>/<lang>/packets/<packet>.pdf      (a clinic's patient packets)

<lang> is the BCP 47 tag (zh-Hans, pt-BR), so the output folder can be served as
a web site as it is. The handout library (site.py) lives beside the outputs:

<out>/index.html                    the start page: the clinics
<out>/<clinic>/index.html           a clinic's language picker
<out>/<clinic>/<lang>/index.html    a clinic's current handouts in one language
"""

from __future__ import annotations

from pathlib import Path

from handouts.output.formats import FORMATS
from handouts.pipeline.jobs import Job, PacketJob
from handouts.render.variants import VARIANTS
from handouts.source.languages import language_tag

WITHDRAWN_DIR = "_withdrawn"  # beside the clinics' folders, never a print folder
PACKETS_DIR = "packets"  # inside each language's folder; a handout's file never has this name
SITE_PAGE = "index.html"  # the library's page in each folder; no handout may take its name (RESERVED_HANDOUT_IDS)
MANIFEST_NAME = "manifest.json"  # beside the clinics' folders: what each build printed and withdrew (incremental.py)


def out_dir_of(root: Path, given: Path | None = None) -> Path:
    """The output folder: the one given (--out), else the project's output/."""
    return given or root / "output"


def output_path(out_dir: Path, job: Job) -> Path:
    suffix = "".join(VARIANTS[name].suffix for name in VARIANTS if name in job.variants)
    name = f"{job.handout_id}{suffix}{FORMATS[job.format].extension}"
    return language_folder(out_dir, job.clinic_id, job.lang) / name


def packet_path(out_dir: Path, packet: PacketJob) -> Path:
    name = f"{packet.packet_id}{FORMATS['pdf'].extension}"
    return language_folder(out_dir, packet.clinic_id, packet.lang) / PACKETS_DIR / name


def language_folder(out_dir: Path, clinic_id: str, lang: str) -> Path:
    return out_dir / clinic_id / language_tag(lang)


def withdrawn_path(out_dir: Path, relative: str) -> Path:
    """Where a withdrawn file is kept for the record, outside the print folders."""
    return out_dir / WITHDRAWN_DIR / relative


def library_page(out_dir: Path) -> Path:
    return out_dir / SITE_PAGE


def clinic_page(out_dir: Path, clinic_id: str) -> Path:
    return out_dir / clinic_id / SITE_PAGE


def language_page(out_dir: Path, clinic_id: str, lang: str) -> Path:
    return language_folder(out_dir, clinic_id, lang) / SITE_PAGE


def web_page(job: Job) -> str:
    """The path of a job's handout as an HTML page in the output folder (the clinic's web copy of it)."""
    return output_path(Path("."), Job(job.clinic_id, job.lang, job.handout_id, format="html")).as_posix()
