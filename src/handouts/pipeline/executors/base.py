"""What every executor is given and what it is: the run (project, loaded files, how to run) and the
shape of an executor function. Apart from the executors, so that the Dask one (cluster.py) and the
registry (local.py) each import this and not each other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from handouts.model.project import Project
from handouts.pipeline.jobs import Outcome, Sources, Task


@dataclass(frozen=True)
class Run:
    """What an executor is given besides the tasks: the project, its loaded files, and how to run."""

    project: Project
    sources: Sources
    workers: int  # local worker processes (pool)
    strict: bool = False
    scheduler: str | None = None  # a Dask scheduler's address (dask)


Executor = Callable[[Run, list[Task]], Iterator[Outcome]]
