"""Patient packets, as a build stage: planned from each clinic's `packets:`, put together from the PDFs
this build left current (output/packets.py joins them), refused naming the handout that is missing."""

from __future__ import annotations

import hashlib
import traceback
from importlib.metadata import version
from pathlib import Path

from handouts import __version__, log
from handouts.atomic import write_atomically
from handouts.errors import HandoutsError, Problem
from handouts.output.packets import assemble, definition_problems
from handouts.pipeline.incremental import Entry, Manifest
from handouts.pipeline.jobs import PacketJob, Sources
from handouts.pipeline.layout import output_path, packet_path
from handouts.pipeline.progress import Progress
from handouts.pipeline.run import BuildRun, internal_error
from handouts.source.languages import language_tag


def plan_packets(run: BuildRun) -> list[PacketJob]:
    """Each clinic's packets in each of its languages (narrowed by --lang), when every handout in
    the packet is selected and offered in the language (has a catalog in it). A packet defined
    wrongly is reported once and refused in every language."""
    project, sources, manifest, summary, out_dir = run.project, run.sources, run.manifest, run.summary, run.out_dir
    clinic_ids, handout_ids, langs, not_offered = run.clinic_ids, run.handout_ids, run.options.langs, run.not_offered
    packets = []
    for clinic_id in clinic_ids:
        clinic = sources.clinics.get(clinic_id)
        if clinic is None:
            continue
        broken = definition_problems(clinic, project.handout_ids())
        for packet_id, members in clinic.clinic.packets.items():
            if not set(members) <= set(handout_ids) and packet_id not in broken:
                continue  # --handout left some of its handouts out: not this build's business
            if packet_id in broken:
                log.error(broken[packet_id])
                summary.failed.append((f"{clinic_id}/packets/{packet_id}", HandoutsError(broken[packet_id])))
            for lang in clinic.clinic.languages:
                packet = PacketJob(clinic_id, lang, packet_id, tuple(members))
                if (langs and lang not in langs) or set(members) & set(not_offered.get(lang, [])):
                    continue
                if packet_id in broken:
                    manifest.refuse(manifest.key(packet_path(out_dir, packet)), broken[packet_id])
                else:
                    packets.append(packet)
    return packets


def build_packets(run: BuildRun, packets: list[PacketJob], shown: Progress) -> None:
    """Put each packet together from its handouts' PDFs as this build left them (just written, or
    up to date); refuse it, naming the handout, when one of them is not there to print."""
    project, sources, manifest, summary, out_dir = run.project, run.sources, run.manifest, run.summary, run.out_dir
    kept, force = run.kept, run.options.force
    for packet in packets:
        target = packet_path(out_dir, packet)
        key = manifest.key(target)
        if problem := _missing_member(packet, sources, manifest, out_dir, kept):
            summary.refused.append((packet, (problem,)))
            shown.failed(
                [problem], f"refused {packet.name}: a handout in it is not printed (listed above); not printed"
            )
            manifest.refuse(key, problem)
            continue
        members = [manifest.entries[manifest.key(output_path(out_dir, job))] for job in packet.members]
        inputs = _packet_inputs(packet, members)
        if not force and manifest.up_to_date(target, inputs):
            summary.skipped.append(packet)
            kept.add(target)
            continue
        try:
            data, pages = assemble([(out_dir / member.path).read_bytes() for member in members])
        except Exception:  # a bug, or pikepdf failing on odd input: this packet only, with the traceback
            internal_error(out_dir, packet, traceback.format_exc(), summary, shown)
            continue
        try:
            write_atomically(target, data, project.shown(target))
        except HandoutsError as exc:
            summary.failed.append((packet.name, exc))
            shown.failed(exc.problems)
            continue
        manifest.record(_packet_entry(manifest.key(target), packet, members, data, pages, inputs))
        summary.built.append((packet, pages))
        kept.add(target)
        shown.done(f"built   {project.shown(target)} ({pages} pages, {len(members)} handouts)")


def _missing_member(
    packet: PacketJob, sources: Sources, manifest: Manifest, out_dir: Path, kept: set[Path]
) -> Problem | None:
    """Why the packet cannot print: the first of its handouts this build did not leave printable."""
    for job in packet.members:
        path = output_path(out_dir, job)
        if path in kept and manifest.key(path) in manifest.entries:
            continue
        broken = sources.broken_handouts.get(job.handout_id)
        why = manifest.refusals.get(manifest.key(path)) or (
            str(broken.problems[0])
            if broken is not None
            else f"it is not offered in {language_tag(job.lang)!r} (a draft, or not in its meta.languages) "
            "or could not be written"
        )
        return Problem(packet.name, f"not printed: its handout {job.handout_id!r} is not printed: {why}")
    return None


def _packet_inputs(packet: PacketJob, members: list[Entry]) -> str:
    """A packet is made from its handouts' PDFs alone: their bytes (and the tool that joins them)."""
    parts = [f"packet {packet.packet_id}", f"handouts {__version__}", f"pikepdf {version('pikepdf')}"]
    parts += [f"{member.path} {member.sha256}" for member in members]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _packet_entry(key: str, packet: PacketJob, members: list[Entry], data: bytes, pages: int, inputs: str) -> Entry:
    return Entry(
        path=key,
        clinic=packet.clinic_id,
        language=packet.lang,
        handout=packet.packet_id,
        version=", ".join(f"{member.handout} {member.version}" for member in members),
        review_due=min(member.review_due for member in members),  # the packet is due when its first handout is
        translated=sum(member.translated for member in members),
        total=sum(member.total for member in members),
        reviewed_by=list(dict.fromkeys(approval for member in members for approval in member.reviewed_by)),
        unapproved=sum(member.unapproved for member in members),
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        inputs=inputs,
        packet=list(packet.handouts),
    )
