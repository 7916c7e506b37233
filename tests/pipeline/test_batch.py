"""Batch builds: incremental, deterministic, parallel, recorded in the manifest, and atomic."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from multiprocessing import forkserver
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import HANDOUT, copy_project, ctrl_c_as_at_a_terminal, page_count, pdf_text
from handouts.model.project import Project
from handouts.pipeline.executors import processes
from i18n_helpers import edit_entry, po_path

LANGS = ("en", "de")  # the fastest two of the sample clinic's languages


def pdf(root: Path, lang: str) -> Path:
    return root / "output" / "stadtpark" / lang / f"{HANDOUT}.pdf"


def manifest(root: Path) -> dict[str, dict]:
    data = json.loads((root / "output" / "manifest.json").read_text())
    return {entry["path"]: entry for entry in data["pdfs"]}


def build_args(*extra: str) -> list[str]:
    # PDFs only: the batch mechanics are the same for every format (test_site.py builds HTML copies).
    return [
        "build",
        "--handout",
        HANDOUT,
        "--format",
        "pdf",
        *(arg for lang in LANGS for arg in ("--lang", lang)),
        *extra,
    ]


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample clinic built once in English and German, in this process."""
    from handouts.cli import main

    root = copy_project(tmp_path_factory.mktemp("built") / "project", ["stadtpark"])
    assert main(["-C", str(root), *build_args("-j", "1")]) == 0
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """A copy of built_once, PDFs and manifest included, for a test to change."""
    return Path(shutil.copytree(built_once, tmp_path / "project", symlinks=True))


def test_second_build_skips_everything(built: Path, run) -> None:
    before = {lang: pdf(built, lang).stat().st_mtime_ns for lang in LANGS}
    result = run(built, *build_args("-j", "1"))
    assert result.code == 0
    assert result.out.startswith("0 built, 2 skipped, 0 failed in ")
    assert {lang: pdf(built, lang).stat().st_mtime_ns for lang in LANGS} == before


def test_editing_one_po_rebuilds_only_that_language(built: Path, run) -> None:
    edit_entry(po_path(built, "de", HANDOUT), "Microcurrent therapy for back pain", "Mikrostrom gegen Rückenschmerzen")
    result = run(built, *build_args("-j", "1"))
    assert result.code == 0
    (built_line,), (summary,) = result.err.splitlines(), result.out.splitlines()
    pages = page_count(pdf(built, "de"))
    assert built_line == f"built   output/stadtpark/de/microcurrent-back-pain.pdf ({pages} pages)"
    assert summary.startswith("1 built, 1 skipped, 0 failed")
    assert "Mikrostrom gegen Rückenschmerzen" in pdf_text(pdf(built, "de"))


def test_comments_and_line_numbers_in_a_po_change_nothing(built: Path, run) -> None:
    path = built / "locales" / "de" / "LC_MESSAGES" / f"{HANDOUT}.po"
    path.write_text("# A translator's note that no PDF prints.\n\n" + path.read_text())
    result = run(built, *build_args("-j", "1"))
    assert result.out.startswith("0 built, 2 skipped, 0 failed")


def test_changed_or_missing_pdf_is_rebuilt(built: Path, run) -> None:
    pdf(built, "en").write_bytes(b"%PDF-1.7 not what the manifest recorded")
    pdf(built, "de").unlink()
    result = run(built, *build_args("-j", "1"))
    assert result.code == 0
    assert result.err.startswith("built   ")
    assert result.out.splitlines()[-1].startswith("2 built, 0 skipped, 0 failed")


def test_force_in_workers_gives_identical_bytes(
    built: Path, built_once: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building again, in another folder and in two worker processes instead of this one, gives the
    same bytes, and leaves nothing in the temporary folder (where WeasyPrint copies the web fonts)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the workers'
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # this process's
    result = run(built, *build_args("--force", "-j", "2"))
    assert result.code == 0
    # pymp-*: multiprocessing's own folder for this process (the fork server's socket), removed when it exits.
    assert [path for path in temp.iterdir() if not path.name.startswith("pymp-")] == []
    assert result.out.splitlines()[-1].startswith("2 built, 0 skipped, 0 failed")
    for lang in LANGS:
        assert pdf(built, lang).read_bytes() == pdf(built_once, lang).read_bytes()
    assert (built / "output" / "manifest.json").read_bytes() == (built_once / "output" / "manifest.json").read_bytes()


def test_workers_forked_from_an_earlier_server_date_the_pdfs_by_this_builds_epoch(
    built: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server workers are forked from keeps the environment it started with: a build hands its
    workers its own SOURCE_DATE_EPOCH, which dates the PDFs."""
    if processes.context().get_start_method() == "forkserver":
        forkserver.ensure_running()  # started before the variable is set, as in a long-lived process
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    result = run(built, *build_args("--force", "-j", "2"))
    assert result.code == 0
    for lang in LANGS:
        assert PdfReader(pdf(built, lang)).metadata.creation_date.isoformat() == "2023-11-14T22:13:20+00:00"


def test_the_worker_server_starts_early_only_for_a_build_that_renders_much(
    built: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started before the build loads, so that its imports overlap; not for an incremental build,
    which may render nothing (whatever reads its output would wait for the server's imports)."""
    if processes.context().get_start_method() != "forkserver":
        pytest.skip("this platform spawns its workers")
    started: list[bool] = []
    monkeypatch.setattr(forkserver, "ensure_running", lambda: started.append(True))
    assert run(built, *build_args("-j", "2")).out.splitlines()[-1].startswith("0 built, 2 skipped")
    assert started == []  # an incremental build: nothing to render, no server
    processes.start_early(2, force=False, out_dir=built / "output")
    processes.start_early(1, force=True, out_dir=tmp_path)  # one worker: this process renders
    assert started == []
    processes.start_early(2, force=True, out_dir=built / "output")
    processes.start_early(2, force=False, out_dir=tmp_path)  # a first build: no manifest yet
    assert started == [True, True]


def test_manifest_lists_each_pdf(built_once: Path) -> None:
    entries = manifest(built_once)
    assert sorted(entries) == [f"stadtpark/{lang}/{HANDOUT}.pdf" for lang in ("de", "en")]
    german = entries[f"stadtpark/de/{HANDOUT}.pdf"]
    assert german["clinic"] == "stadtpark"
    assert german["language"] == "de"
    assert german["handout"] == HANDOUT
    meta = Project(built_once).load_handout(HANDOUT).handout.meta  # as the handout's file says today
    assert german["version"] == meta.version
    assert german["review_due"] == meta.review_due.isoformat()
    assert german["pages"] == page_count(pdf(built_once, "de"))
    assert german["sha256"] == hashlib.sha256(pdf(built_once, "de").read_bytes()).hexdigest()
    assert 0 < german["translated"] <= german["total"]
    english = entries[f"stadtpark/en/{HANDOUT}.pdf"]
    assert english["translated"] == english["total"] == german["total"]
    assert english["inputs"] != german["inputs"]


def test_untranslated_entries_show_in_the_manifest(built: Path, run) -> None:
    clinic = built / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(clinic.read_text() + "min_translated: 90\n")  # this clinic allows some English
    edit_entry(po_path(built, "de", HANDOUT), "Microcurrent therapy for back pain", "")
    assert run(built, "build", "--handout", HANDOUT, "--lang", "de", "-j", "1").code == 0
    german = manifest(built)[f"stadtpark/de/{HANDOUT}.pdf"]
    assert german["translated"] == german["total"] - 1


def test_a_pdf_that_can_no_longer_be_built_is_withdrawn_and_the_manifest_says_why(built: Path, run) -> None:
    # The English of a contraindication changes: the German copy's translation is now stale (fuzzy).
    leaflet = built / f"handouts/{HANDOUT}.yaml"
    leaflet.write_text(leaflet.read_text().replace("You have epilepsy.", "You have epilepsy or have had a seizure."))
    assert run(built, "i18n", "update", "--lang", "de").code == 0
    result = run(built, "build", "--handout", HANDOUT, "--lang", "de", "--today", "2026-11-24", "-j", "1")
    assert result.code == 1
    assert f"refused stadtpark/de/{HANDOUT}: " in result.err
    assert "1 withdrawn" in result.out.splitlines()[-1]
    assert not pdf(built, "de").exists()  # gone from the folder staff print from
    kept = built / "output/_withdrawn/stadtpark/de" / f"{HANDOUT}.pdf"
    assert kept.is_file()
    data = json.loads((built / "output/manifest.json").read_text())
    assert f"stadtpark/de/{HANDOUT}.pdf" not in {entry["path"] for entry in data["pdfs"]}
    (withdrawn,) = data["withdrawn"]
    assert withdrawn["path"] == f"stadtpark/de/{HANDOUT}.pdf"
    assert withdrawn["date"] == "2026-11-24"
    assert withdrawn["moved_to"] == f"_withdrawn/stadtpark/de/{HANDOUT}.pdf"
    assert "safety-critical entry is fuzzy" in withdrawn["reason"]


def test_partial_build_keeps_other_entries(built: Path, run) -> None:
    before = manifest(built)
    result = run(built, "build", "--handout", HANDOUT, "--format", "pdf", "--lang", "en", "--force", "-j", "1")
    assert result.code == 0
    assert manifest(built) == before


def break_german(root: Path) -> None:
    """A clinic template that asks for a file outside the project on German pages only."""
    template = root / "clinics" / "stadtpark" / "templates" / "handout.html"
    template.parent.mkdir()
    template.write_text(
        '{% extends "base/handout.html" %}\n'
        "{% block head %}\n"
        '{% if lang == "de" %}<link rel="stylesheet" href="file:///etc/passwd">{% endif %}\n'
        "{% endblock %}\n"
    )


def test_failing_job_does_not_stop_the_others(tmp_path: Path, run) -> None:
    root = copy_project(tmp_path / "project", ["stadtpark"])
    break_german(root)
    result = run(root, *build_args("-j", "2"))
    assert result.code == 1
    assert "error: clinics/stadtpark/templates/handout.html:3: refused to fetch 'file:///etc/passwd'" in result.err
    assert "failed  output/stadtpark/de/microcurrent-back-pain.pdf" in result.err
    assert result.out.splitlines()[-1].startswith("1 built, 0 skipped, 1 failed")
    assert pdf(root, "en").is_file()
    assert not pdf(root, "de").exists()
    assert list(manifest(root)) == [f"stadtpark/en/{HANDOUT}.pdf"]


# A build that stops half way through writing a PDF and waits to be killed: the test
# knows the moment from the line it prints, not from a sleep.
DIE_MID_WRITE = """
import sys
import handouts.atomic

def half_then_wait(file, data):
    if file.name.endswith(".tmp"):
        file.write(data[: len(data) // 2])
        file.flush()
        print("half-written", file.name, flush=True)
        sys.stdin.read()  # until killed
    file.write(data)

handouts.atomic._write_data = half_then_wait
from handouts.cli import main
sys.exit(main(sys.argv[1:]))
"""


def kill_mid_write(root: Path, *args: str) -> Path:
    """Run a build that is SIGKILLed half way through writing its PDF; the temp file it left."""
    child = subprocess.Popen(
        [sys.executable, "-c", DIE_MID_WRITE, "-C", str(root), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("half-written "), line
        temp = Path(line.split(" ", 1)[1].strip())
        assert temp.stat().st_size > 0
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stdin.close()
    return temp


def test_job_killed_mid_write_leaves_no_file(tmp_path: Path, run) -> None:
    root = copy_project(tmp_path / "project", ["stadtpark"])
    temp = kill_mid_write(root, "build", "--handout", HANDOUT, "--format", "pdf", "--lang", "en", "-j", "1")
    assert temp.parent == pdf(root, "en").parent and pdf(root, "en").name in temp.name  # the PDF's own temp file
    assert not pdf(root, "en").exists()
    # The next build clears what the killed one left and builds the PDF.
    result = run(root, "build", "--handout", HANDOUT, "--format", "pdf", "--lang", "en", "-j", "1")
    assert result.code == 0
    assert not temp.exists()
    assert sorted(p.name for p in pdf(root, "en").parent.iterdir()) == ["index.html", pdf(root, "en").name]  # + library
    # Killed while replacing a PDF, the old PDF stays whole.
    old = pdf(root, "en").read_bytes()
    temp = kill_mid_write(root, "build", "--handout", HANDOUT, "--format", "pdf", "--lang", "en", "--force", "-j", "1")
    assert pdf(root, "en").name in temp.name
    assert pdf(root, "en").read_bytes() == old


# In a pool: the first worker to render a job stops and waits to be killed (workers render and
# hand back the bytes; the build alone writes). Spawned workers import this script as their main
# module, so the hook is theirs too.
KILL_A_WORKER = """
import os
import sys
import threading
from pathlib import Path

import handouts.pipeline.render_job

MARKER = Path(sys.argv[1])
render = handouts.pipeline.render_job.JobRenderer._render


def stop_the_first(self, task, write):
    try:
        os.close(os.open(MARKER, os.O_CREAT | os.O_EXCL))  # only the first job stops
    except FileExistsError:
        return render(self, task, write)
    print("rendering", os.getpid(), task.job.name, flush=True)
    threading.Event().wait()  # until killed


handouts.pipeline.render_job.JobRenderer._render = stop_the_first

if __name__ == "__main__":
    from handouts.cli import main

    sys.exit(main(sys.argv[2:]))
"""


def test_killed_worker_leaves_no_file_and_its_job_is_redone(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project", ["stadtpark"])
    script = tmp_path / "kill_a_worker.py"
    script.write_text(KILL_A_WORKER)
    temp = tmp_path / "tmp"
    temp.mkdir()
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "stopped"), "-C", str(root), *build_args("-j", "2")],
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # its lines, the build's progress and its summary, in the order printed
        text=True,
    )
    with child:
        line = child.stdout.readline()
        assert line.startswith("rendering "), line
        pid = int(line.split()[1])
        assert pid != child.pid  # a worker, not the build
        os.kill(pid, signal.SIGKILL)
        out = child.stdout.read()
    assert child.returncode == 0, out
    # Its job, and the other one if it was still rendering when the pool broke.
    assert re.search(r"a worker process stopped unexpectedly; rendering the [12] unfinished jobs? again", out)
    assert out.splitlines()[-1].startswith("2 built, 0 skipped, 0 failed")
    entries = manifest(root)
    for lang in LANGS:
        assert (
            entries[f"stadtpark/{lang}/{HANDOUT}.pdf"]["sha256"]
            == hashlib.sha256(pdf(root, lang).read_bytes()).hexdigest()
        )
    assert not list((root / "output").rglob("*.tmp"))
    assert list(temp.iterdir()) == []  # nor the killed worker's copies of the fonts


def test_terminal_shows_a_bar_and_each_failure(tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project", ["stadtpark"])
    break_german(root)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = run(root, *build_args("-j", "1"))
    assert result.code == 1
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).strip() for line in result.err.splitlines()]
    assert (
        "error: clinics/stadtpark/templates/handout.html:3: refused to fetch 'file:///etc/passwd': only files in "
        "templates/, fonts/ and the clinic's own folder can be used; nothing else is fetched" in lines
    )
    assert "failed  output/stadtpark/de/microcurrent-back-pain.pdf" in lines
    assert not any(line.startswith("built   ") for line in lines)  # the bar shows those
    assert any(line.startswith("building") for line in lines)  # the bar, drawn on stderr
    assert result.out.startswith("1 built, 0 skipped, 1 failed")


def test_ctrl_c_mid_write_leaves_nothing_behind(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project", ["stadtpark"])
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            DIE_MID_WRITE,
            "-C",
            str(root),
            "build",
            "--handout",
            HANDOUT,
            "--lang",
            "en",
            "-j",
            "1",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    with child:
        line = child.stdout.readline()
        assert line.startswith("half-written "), line
        temp = Path(line.split(" ", 1)[1].strip())
        child.send_signal(signal.SIGINT)
        # Never a hang: if Ctrl-C did not stop it, the closed stdin lets the child finish, and the test fails.
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert err.strip() == "Aborted."
    assert not temp.exists()
    assert not pdf(root, "en").exists()
