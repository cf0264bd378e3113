"""The ALO transaction (aanvraag levensonderhoud) at run time: the internal API, the workers that claim and run
process instances, and the handlers of the model's service tasks (see ``orchestration/README.md``)."""

from gbi_process.alo.api import router
from gbi_process.alo.handlers import HANDLERS
from gbi_process.alo.runner import InstanceRun, RunOptions, Worker, worker_id
from gbi_process.alo.service import AloProces

__all__ = ["HANDLERS", "AloProces", "InstanceRun", "RunOptions", "Worker", "router", "worker_id"]
