"""Where every output goes: the one owner of output paths.

<out>/<clinic>/<lang>/<handout><variant suffixes>.<format extension>
<out>/<clinic>/<lang>/packets/<packet>.pdf      (a clinic's patient packets)
"""

from __future__ import annotations

from pathlib import Path

from handouts.formats import FORMATS
from handouts.jobs import Job, PacketJob
from handouts.variants import VARIANTS

WITHDRAWN_DIR = "_withdrawn"  # beside the clinics' folders, never a print folder
PACKETS_DIR = "packets"  # inside each language's folder; a handout's file never has this name


def output_path(out_dir: Path, job: Job) -> Path:
    suffix = "".join(VARIANTS[name].suffix for name in VARIANTS if name in job.variants)
    return out_dir / job.clinic_id / job.lang / f"{job.handout_id}{suffix}{FORMATS[job.format].extension}"


def packet_path(out_dir: Path, packet: PacketJob) -> Path:
    return out_dir / packet.clinic_id / packet.lang / PACKETS_DIR / f"{packet.packet_id}{FORMATS['pdf'].extension}"


def withdrawn_path(out_dir: Path, relative: str) -> Path:
    """Where a withdrawn file is kept for the record, outside the print folders."""
    return out_dir / WITHDRAWN_DIR / relative
