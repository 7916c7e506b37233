"""Where the pool's worker processes come from. Where the platform has one (Linux, macOS), they
are forked from a server process that has already imported handouts and WeasyPrint, so a worker
starts in milliseconds rather than in about 0.75 s of Python start-up and imports; elsewhere
(Windows) they are spawned.

This module imports little, so the build command can start that server first thing and let its
imports run on another core while the build itself loads and plans."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext
from pathlib import Path

from handouts.pipeline.layout import MANIFEST_NAME

# What the server imports before it forks any worker: what a worker needs to render, and
# "__main__" (CPython's own default), so that what a script running the build set up holds in
# its workers too.
PRELOAD = ["__main__", "handouts.pipeline.executors.local", "weasyprint"]


def context() -> BaseContext:
    """The multiprocessing context the pool starts its workers with."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    return forkserver


def start_early(jobs: int | None, force: bool, out_dir: Path) -> None:
    """Start the server the workers are forked from now, when the build will probably render
    much: with --force, or into an output folder with no manifest yet (a first build). An
    incremental build may render nothing at all, and whatever reads its output (a pipe, a CI
    log) would wait for the server's imports to finish; it starts the server if it needs workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if (jobs or cores) < 2 or context().get_start_method() != "forkserver":
        return
    if force or not (out_dir / MANIFEST_NAME).is_file():
        from multiprocessing import forkserver

        forkserver.ensure_running()
