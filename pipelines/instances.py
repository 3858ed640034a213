"""The Dagster instance a build records its run in."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.instance import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage
from sqlalchemy import Connection


class _HeldConnectionEventLog(InMemoryEventLogStorage):
    """Dagster's in-memory event log on the one SQLite connection it already holds.

    The stock storage opens a connection and sets two pragmas for every statement; a rebuild stores
    about 150 events and reads back asset records, and the connections were a tenth of a rebuild
    after one document changed (1,000 documents). The database is the same in-memory one.
    """

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self._db_lock, self._held_conn.begin():
            yield self._held_conn


class _HeldConnectionRunStorage(InMemoryRunStorage):
    """Dagster's in-memory run storage on the connection it holds (see _HeldConnectionEventLog)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()  # one thread at a time on the one connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._lock:
            if self._held_conn.in_transaction():  # a call within another joins its transaction
                yield self._held_conn
                return
            with self._held_conn.begin():
                yield self._held_conn


def ephemeral_instance() -> dg.DagsterInstance:
    """What DagsterInstance.ephemeral() gives (nothing kept after the process), with storages that hold
    one connection each."""
    return dg.DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),  # type: ignore[no-untyped-call]
        run_storage=_HeldConnectionRunStorage(),
        event_storage=_HeldConnectionEventLog(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )


def persistent_instance() -> dg.DagsterInstance | None:
    """The instance of DAGSTER_HOME when it is set (`make build` and `make dev` share it, so the UI shows every
    build), else None."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None


def build_instance() -> dg.DagsterInstance:
    """The persistent instance when there is one, else an ephemeral one."""
    return persistent_instance() or ephemeral_instance()
