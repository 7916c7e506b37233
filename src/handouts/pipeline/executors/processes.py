"""Where the pool's worker processes come from. On Linux they are forked from a server process
that has already imported handouts and WeasyPrint, so a worker starts in milliseconds rather
than in about 0.75 s of Python start-up and imports. Elsewhere they are spawned: macOS's system
libraries are not safe to fork once loaded (which is why CPython spawns there), and Windows
cannot fork.

This module imports little, so the build command can start that server first thing and let its
imports run on another core while the build itself loads and plans."""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.context import BaseContext
from pathlib import Path

from handouts.pipeline.layout import MANIFEST_NAME

# What the server imports before it forks any worker: what a worker needs to render, and
# "__main__" (CPython's own default), so that what a script running the build set up holds in
# its workers too.
PRELOAD = ["__main__", "handouts.pipeline.executors.local", "weasyprint"]


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def spawning() -> BaseContext:
    """Workers started as new Python processes: everywhere but Linux, and on Linux for a worker
    the fork server could not hand its start-up data (executors.local._RecyclingPool)."""
    return multiprocessing.get_context("spawn")


def context() -> BaseContext:
    """The multiprocessing context the pool starts its workers with."""
    if not sys.platform.startswith("linux"):
        return spawning()
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    return forkserver


def start_early(
    jobs: int | None, force: bool, out_dir: Path, executor: str | None = None, on_cluster: bool = False
) -> None:
    """Start the server the workers are forked from now, when the build will probably render
    much in a local pool: with --force, or into an output folder with no manifest yet (a first
    build). An incremental build may render nothing at all, and whatever reads its output (a
    pipe, a CI log) would wait for the server's imports to finish; it starts the server if it
    needs workers."""
    if on_cluster or executor not in (None, "pool") or (jobs or default_jobs()) < 2:
        return
    if context().get_start_method() != "forkserver":
        return
    if force or not (out_dir / MANIFEST_NAME).is_file():
        from multiprocessing import forkserver

        forkserver.ensure_running()
