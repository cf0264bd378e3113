"""Runs the whole GBI suite on one machine: keys, clients, migrations, seven processes, readiness, shutdown."""

from gbi_runner.suite import COMPONENTS, Component, Suite, SuiteConfig, gemeente_rsin, process_replica

__all__ = ["COMPONENTS", "Component", "Suite", "SuiteConfig", "gemeente_rsin", "process_replica"]
