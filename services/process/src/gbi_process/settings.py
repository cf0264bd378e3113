"""Process layer settings (``GBI_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from gbi_shared.settings import ServiceSettings

__all__ = ["ProcessSettings"]


class ProcessSettings(ServiceSettings):
    service_name: str = "gbi-process"
    # The reviewed transaction models (orchestration/ of the repository; /app/orchestration in the image).
    orchestration_dir: Path = Path("orchestration")
    # The background worker: claims runnable and due process instances of every GBI gemeente and runs them.
    # Off in unit tests (they drive the worker themselves); every replica may run one, the data service's lease
    # keeps them apart.
    worker_enabled: bool = True
    # After an empty claim a gemeente is asked again after interval_s, then twice as long each time up to
    # idle_max_s; a submission to this replica or a run there that left work behind asks again at once.
    worker_interval_s: float = Field(default=1.0, gt=0, description="Pause after an empty claim")
    worker_idle_max_s: float = Field(default=10.0, gt=0, description="Longest pause between claims in a gemeente")
    worker_concurrency: int = Field(default=8, ge=1, le=256, description="Instances run at the same time")
    worker_claim_limit: int = Field(default=10, ge=1, le=100)
    worker_lease_s: int = Field(default=60, ge=5, le=3600, description="A run stops after half of it")
    # While a case waits for a message (documents), how often a worker looks whether it arrived.
    message_poll_s: float = Field(default=60.0, gt=0)
    # A step that failed on a source or layer that is down is retried after base * 2^attempts, at most max.
    retry_base_s: float = Field(default=30.0, gt=0)
    retry_max_s: float = Field(default=3600.0, gt=0)
    # Policy: how many days before the beslistermijn ends the teamleider is alerted (start variable of the ALO).
    signaleringstermijn_dagen: int = Field(default=7, ge=0, le=55)
    # How long the gemeente (name, GBI or not) and its local policy in force on a day are kept per process, in
    # seconds (0: read every time). Suspending a gemeente is not delayed by it (the data service refuses an inactive
    # gemeente on every request); a policy version added for a day that has begun applies up to this much later.
    reference_cache_s: float = Field(default=30.0, ge=0, le=3600)
