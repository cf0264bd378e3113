"""Static checks of the deployment files: deploy/docker/Dockerfile and the Kubernetes manifests in deploy/k8s.

No Docker engine and no cluster are needed. The kustomizations are rendered here by a small renderer that supports
exactly what the manifests use (resources, namespace, images, strategic-merge patches from files) and refuses
anything else; where ``kubectl`` is installed, its ``kubectl kustomize`` output must equal ours.

The expectations come from the project's own sources where they exist: components, packages, factories, health
paths and environment variables from docs/runtime-contract.md; workspace members from the root pyproject.toml;
package directories from the source tree.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import importlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from gbi_shared.settings import Environment, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"
KUSTOMIZATIONS = (BASE, PRODUCTION)
REQUIRED_SECRETS = K8S / "required-secrets.yaml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "docker" / "Dockerfile.dockerignore"
CONTRACT = ROOT / "docs" / "runtime-contract.md"

NAMESPACE = "gbi"
IMAGE_REPOSITORY = "registry.example.nl/gbi/gbi"
CONTAINER_PORT = 8080
PORT_NAME = "http"
SERVICE_PORT = 80
RUN_AS_USER = 10001
INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
SHARED_PACKAGE = "gbi_shared"
SERVE_MODULE = "gbi_shared.serve"
# Development tools of the contract that never run in production.
NOT_IN_PRODUCTION = frozenset({"simulator"})
# Env variables a component gets although the contract's "used by" column does not name it, with the reason.
ENV_EXCEPTIONS: Mapping[tuple[str, str], str] = {
    ("gateway", "GBI_CONTEXT_PUBLIC_KEY"): (
        "gbi_shared.settings.ServiceSettings refuses the production environment without a context public key, "
        "in every process (the gateway too)"
    ),
}

Manifest = dict[str, Any]


# --------------------------------------------------------------------------------------------------------------------
# The runtime contract (docs/runtime-contract.md)


@dataclass(frozen=True)
class Component:
    name: str
    package: str
    factory: str


@dataclass(frozen=True)
class EnvRule:
    """One row of the contract's environment table: every group is needed, any one alternative of a group does."""

    groups: tuple[tuple[str, ...], ...]
    used_by: str
    meaning: str


@dataclass(frozen=True)
class Contract:
    components: Mapping[str, Component]
    env_rules: tuple[EnvRule, ...]
    health_paths: frozenset[str]

    @property
    def production(self) -> dict[str, Component]:
        return {name: c for name, c in self.components.items() if name not in NOT_IN_PRODUCTION}

    @property
    def layers(self) -> list[str]:
        return [name for name in self.production if name != "gateway"]

    def users(self, rule: EnvRule) -> set[str]:
        if rule.used_by == "all":
            return set(self.components)
        if rule.used_by == "image":
            # Read by the image's default command only; no Deployment sets it.
            return set()
        if rule.used_by == "services":
            return {name for name in self.components if name != "gateway" and name not in NOT_IN_PRODUCTION}
        assert rule.used_by in self.components, f"unknown 'used by' in the contract: {rule.used_by}"
        return {rule.used_by}

    def variables(self) -> dict[str, EnvRule]:
        return {name: rule for rule in self.env_rules for group in rule.groups for name in group}

    def rule_of(self, variable: str) -> EnvRule:
        return self.variables()[variable]


def _markdown_table(text: str, heading_prefix: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"## {heading_prefix}")), None)
    assert start is not None, f"section '## {heading_prefix}' not found in {CONTRACT}"
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            continue
        cells = [cell.strip().replace("`", "") for cell in line.strip().strip("|").split("|")]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue
        rows.append(cells)
    assert len(rows) > 1, f"no table under '## {heading_prefix}'"
    return rows[1:]  # without the header row


@functools.cache
def contract() -> Contract:
    text = CONTRACT.read_text(encoding="utf-8")
    components = {
        row[0]: Component(name=row[0], package=row[1], factory=row[2])
        for row in _markdown_table(text, "Processes and ports")
    }
    layers = [name for name in components if name != "gateway" and name not in NOT_IN_PRODUCTION]
    rules: list[EnvRule] = []
    for variable_cell, used_by, meaning in (row[:3] for row in _markdown_table(text, "Environment")):
        groups: list[tuple[str, ...]] = []
        for item in variable_cell.split(","):
            alternatives = tuple(name.strip() for name in item.split("/"))
            if any("<LAYER>" in name for name in alternatives):
                groups.extend(tuple(n.replace("<LAYER>", layer.upper()) for n in alternatives) for layer in layers)
            else:
                groups.append(alternatives)
        for group in groups:
            for name in group:
                assert re.fullmatch(r"GBI_[A-Z0-9_]+", name), f"unparsed variable {name!r} in the contract"
        rules.append(EnvRule(groups=tuple(groups), used_by=used_by, meaning=meaning))
    health_paths = frozenset(re.findall(r"GET (/health/[a-z]+)", text))
    return Contract(components=components, env_rules=tuple(rules), health_paths=health_paths)


def live_path() -> str:
    return next(path for path in contract().health_paths if path.endswith("/live"))


def ready_path() -> str:
    return next(path for path in contract().health_paths if path.endswith("/ready"))


def package_directory(component: str) -> Path:
    package = contract().components[component].package
    return (
        ROOT / "gateway" / "src" / package
        if component == "gateway"
        else ROOT / "services" / component / "src" / package
    )


def component_of_module(module: str) -> str:
    package = module.split(".", 1)[0]
    matches = [c.name for c in contract().production.values() if c.package == package]
    assert matches, f"{module} belongs to no production component of the contract"
    return matches[0]


# --------------------------------------------------------------------------------------------------------------------
# A small kustomize


class KustomizeError(AssertionError):
    pass


SUPPORTED_KUSTOMIZATION_FIELDS = frozenset({"apiVersion", "kind", "namespace", "resources", "images", "patches"})
# Lists that a strategic merge patch merges by key instead of replacing; our renderer does not emulate that.
KEYED_LISTS = frozenset({"containers", "initContainers", "env", "envFrom", "volumes", "volumeMounts", "ports"})
CLUSTER_SCOPED = frozenset({"Namespace"})


def load_documents(path: Path) -> list[Manifest]:
    documents: list[Manifest] = []
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document is None:
            continue
        assert isinstance(document, dict), f"{path}: a YAML document is not a mapping"
        documents.append(cast(Manifest, document))
    return documents


def load_kustomization(directory: Path) -> Manifest:
    documents = load_documents(directory / "kustomization.yaml")
    assert len(documents) == 1, f"{directory}/kustomization.yaml must hold one document"
    return documents[0]


def strategic_merge(target: Manifest, patch: Mapping[str, Any], where: str) -> None:
    for key, value in patch.items():
        if key.startswith("$"):
            raise KustomizeError(f"{where}: patch directive {key} is not supported here")
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            strategic_merge(cast(Manifest, current), cast(Mapping[str, Any], value), f"{where}.{key}")
        elif isinstance(value, list) and key in KEYED_LISTS:
            raise KustomizeError(f"{where}.{key}: merging keyed lists is not supported by this renderer")
        else:
            target[key] = copy.deepcopy(value)


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag: str | None = None
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest or None


def pod_spec(manifest: Manifest) -> Manifest | None:
    if manifest["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        return cast(Manifest, manifest["spec"]["template"]["spec"])
    if manifest["kind"] == "CronJob":
        return cast(Manifest, manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return None


def containers(spec: Manifest) -> list[Manifest]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def render(directory: Path) -> list[Manifest]:
    kustomization = load_kustomization(directory)
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION_FIELDS
    if unsupported:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unsupported)}")
    resources: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        resources.extend(render(path) if path.is_dir() else load_documents(path))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{directory}: only patches given by path are supported, not {patch}")
        for document in load_documents(directory / patch["path"]):
            kind, name = document["kind"], document["metadata"]["name"]
            targets = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
            if len(targets) != 1:
                raise KustomizeError(f"{directory}/{patch['path']}: {kind}/{name} matches {len(targets)} resources")
            strategic_merge(targets[0], document, f"{kind}/{name}")
    for image in kustomization.get("images", []):
        for resource in resources:
            spec = pod_spec(resource)
            for container in containers(spec) if spec is not None else []:
                name, tag, digest = split_image(container["image"])
                if name != image["name"]:
                    continue
                new_name = image.get("newName", name)
                if "digest" in image:
                    container["image"] = f"{new_name}@{image['digest']}"
                else:
                    new_tag = image.get("newTag", tag)
                    container["image"] = (
                        new_name + (f":{new_tag}" if new_tag else "") + (f"@{digest}" if digest else "")
                    )
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = kustomization["namespace"]
    return resources


@functools.cache
def _rendered(directory: Path) -> str:
    return json.dumps(render(directory))


def rendered(directory: Path) -> list[Manifest]:
    """A fresh copy of the rendering of one kustomization (tests may not share mutable state)."""
    return cast(list[Manifest], json.loads(_rendered(directory)))


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind}/{name}, found {len(matches)}"
    return matches[0]


@dataclass(frozen=True)
class Workload:
    kind: str
    name: str
    component: str
    labels: Mapping[str, str]
    spec: Manifest


def workloads(manifests: list[Manifest]) -> list[Workload]:
    found: list[Workload] = []
    for manifest in manifests:
        spec = pod_spec(manifest)
        if spec is None:
            continue
        command = [*spec["containers"][0].get("command", []), *spec["containers"][0].get("args", [])]
        module = command[2] if command[2] != SERVE_MODULE else command[3].split(":", 1)[0]
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        found.append(
            Workload(manifest["kind"], manifest["metadata"]["name"], component_of_module(module), labels, spec)
        )
    return found


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


RENDERINGS = pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda d: str(d.relative_to(K8S)))


# --------------------------------------------------------------------------------------------------------------------
# Files and rendering


def manifest_files() -> list[Path]:
    return sorted(K8S.rglob("*.yaml"))


def test_every_manifest_parses_and_is_a_kubernetes_object() -> None:
    assert manifest_files(), "no manifests under deploy/k8s"
    for path in manifest_files():
        documents = load_documents(path)
        assert documents, f"{path} is empty"
        if path == REQUIRED_SECRETS:
            continue
        for document in documents:
            if path.name == "kustomization.yaml":
                assert document.get("kind") == "Kustomization", path
                continue
            assert {"apiVersion", "kind", "metadata"} <= set(document), f"{path}: not a Kubernetes object"
            assert document["metadata"].get("name"), f"{path}: an object without a name"
            assert document["kind"] != "Secret", f"{path}: Secrets are created in the cluster, never committed"


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda d: str(d.relative_to(K8S)))
def test_kustomization_lists_every_file_and_every_listed_file_exists(directory: Path) -> None:
    kustomization = load_kustomization(directory)
    listed: set[Path] = set()
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        assert path.exists(), f"{directory}: resource {entry} does not exist"
        if path.is_file():
            listed.add(path)
    for patch in kustomization.get("patches", []):
        path = (directory / patch["path"]).resolve()
        assert path.is_file(), f"{directory}: patch {patch['path']} does not exist"
        listed.add(path)
    present = {p.resolve() for p in directory.iterdir() if p.is_file() and p.name != "kustomization.yaml"}
    assert present - listed == set(), f"{directory}: files not in kustomization.yaml"
    assert {p for p in listed if p.parent == directory.resolve()} - present == set()


@RENDERINGS
def test_kustomizations_render(directory: Path) -> None:
    manifests = rendered(directory)
    keys = [(m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"]) for m in manifests]
    assert len(keys) == len(set(keys)), "duplicate objects"
    for manifest in manifests:
        if manifest["kind"] not in CLUSTER_SCOPED:
            assert manifest["metadata"]["namespace"] == NAMESPACE
    find(manifests, "Namespace", NAMESPACE)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed; our renderer stands alone")
@RENDERINGS
def test_our_rendering_equals_kubectl_kustomize(directory: Path) -> None:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    theirs = [cast(Manifest, d) for d in yaml.safe_load_all(result.stdout) if d is not None]

    def key(m: Manifest) -> tuple[str, str]:
        return (m["kind"], m["metadata"]["name"])

    assert sorted(theirs, key=key) == sorted(rendered(directory), key=key)


# --------------------------------------------------------------------------------------------------------------------
# Components: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget


def production_components() -> list[str]:
    return list(contract().production)


# Every component is stateless: the only state is the external managed PostgreSQL behind the data service, so the
# data service scales horizontally like the rest (its maxReplicas bounded by the PostgreSQL connection budget).
STATELESS = production_components


@RENDERINGS
@pytest.mark.parametrize("component", production_components())
def test_component_has_deployment_service_autoscaler_and_disruption_budget(directory: Path, component: str) -> None:
    manifests = rendered(directory)
    deployment = find(manifests, "Deployment", component)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    other_pods = [w.labels for w in workloads(manifests) if w.name != component]
    assert selects(deployment["spec"]["selector"], pod_labels)

    service = find(manifests, "Service", component)
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels)
    assert not any(selects({"matchLabels": service["spec"]["selector"]}, other) for other in other_pods)
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(SERVICE_PORT, PORT_NAME)]

    budget = find(manifests, "PodDisruptionBudget", component)
    assert budget["apiVersion"] == "policy/v1"
    assert selects(budget["spec"]["selector"], pod_labels)
    assert not any(selects(budget["spec"]["selector"], other) for other in other_pods)

    if component in STATELESS():
        autoscaler = find(manifests, "HorizontalPodAutoscaler", component)
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        assert autoscaler["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": component,
        }
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        # With maxUnavailable 1 in the budget, two replicas keep the component up through a node drain.
        assert autoscaler["spec"]["minReplicas"] >= 2
        assert autoscaler["spec"]["maxReplicas"] >= autoscaler["spec"]["minReplicas"]
        metrics = autoscaler["spec"]["metrics"]
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics)
        if "maxUnavailable" in budget["spec"]:
            assert budget["spec"]["maxUnavailable"] < autoscaler["spec"]["minReplicas"]


@RENDERINGS
def test_only_contract_components_are_deployed(directory: Path) -> None:
    manifests = rendered(directory)
    assert {d["metadata"]["name"] for d in of_kind(manifests, "Deployment")} == set(production_components())
    assert {s["metadata"]["name"] for s in of_kind(manifests, "Service")} == set(production_components())
    text = json.dumps(manifests)
    for tool in NOT_IN_PRODUCTION:
        assert contract().components[tool].package not in text
        assert f"GBI_{tool.upper()}_" not in text
        assert f"gbi-{tool}" not in text


@RENDERINGS
@pytest.mark.parametrize("component", production_components())
def test_container_runs_the_components_factory_from_the_contract(directory: Path, component: str) -> None:
    spec = pod_spec(find(rendered(directory), "Deployment", component))
    assert spec is not None
    (container,) = spec["containers"]
    expected = contract().components[component]
    assert [*container["command"], *container["args"]] == [
        "python",
        "-m",
        SERVE_MODULE,
        expected.factory,
        "--host",
        "0.0.0.0",
        "--port",
        str(CONTAINER_PORT),
    ]
    assert expected.factory == f"{expected.package}.app:create_app"
    assert package_directory(component).is_dir(), f"no package directory {package_directory(component)}"
    assert (ROOT / "shared" / "src" / SHARED_PACKAGE / "serve.py").is_file()


@RENDERINGS
@pytest.mark.parametrize("component", production_components())
def test_probes_use_the_contract_health_paths_on_the_named_port(directory: Path, component: str) -> None:
    spec = pod_spec(find(rendered(directory), "Deployment", component))
    assert spec is not None
    (container,) = spec["containers"]
    assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [(PORT_NAME, CONTAINER_PORT)]
    assert {live_path(), ready_path()} <= contract().health_paths
    expected = {"livenessProbe": live_path(), "readinessProbe": ready_path(), "startupProbe": live_path()}
    for probe, path in expected.items():
        assert container[probe]["httpGet"] == {"path": path, "port": PORT_NAME}, f"{component}: {probe}"


@RENDERINGS
def test_the_data_service_has_a_migration_job(directory: Path) -> None:
    manifests = rendered(directory)
    jobs = of_kind(manifests, "Job")
    assert [j["metadata"]["name"] for j in jobs] == ["data-migrate"]
    spec = pod_spec(jobs[0])
    assert spec is not None
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert container["command"] == ["python", "-m", "gbi_data.migrate"]
    assert component_of_module("gbi_data.migrate") == "data"
    assert package_directory("data").is_dir()


# --------------------------------------------------------------------------------------------------------------------
# Every pod: image, hardening, resources


def quantity(value: str | int | float) -> float:
    text = str(value)
    suffixes = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in sorted(suffixes.items(), key=lambda item: -len(item[0])):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


@RENDERINGS
def test_every_container_uses_the_one_image_with_a_release_tag(directory: Path) -> None:
    manifests = rendered(directory)
    images = {c["image"] for w in workloads(manifests) for c in containers(w.spec)}
    assert len(images) == 1, f"one image for every component, found {images}"
    name, tag, digest = split_image(images.pop())
    assert name == IMAGE_REPOSITORY
    assert digest or (tag and tag != "latest"), "pin a release tag or a digest"


@RENDERINGS
def test_every_pod_is_hardened_and_sized(directory: Path) -> None:
    for workload in workloads(rendered(directory)):
        spec = workload.spec
        pod_security = spec.get("securityContext", {})
        assert pod_security.get("runAsNonRoot") is True, workload.name
        assert spec.get("automountServiceAccountToken") is False, workload.name
        temporary = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        for container in containers(spec):
            where = f"{workload.name}/{container['name']}"
            security = {**pod_security, **container.get("securityContext", {})}
            assert security.get("runAsNonRoot") is True, where
            assert security.get("runAsUser") == RUN_AS_USER, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("privileged", False) is False, where
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, where
            assert security.get("seccompProfile") == {"type": "RuntimeDefault"}, where
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in temporary, f"{where}: /tmp must be an emptyDir (read-only root)"
            resources = container["resources"]
            for resource in ("cpu", "memory"):
                request, limit = resources["requests"][resource], resources["limits"][resource]
                assert quantity(request) <= quantity(limit), f"{where}: {resource} request above its limit"


@RENDERINGS
def test_namespace_enforces_the_restricted_pod_security_standard(directory: Path) -> None:
    labels = find(rendered(directory), "Namespace", NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


# --------------------------------------------------------------------------------------------------------------------
# Environment, ConfigMap and Secrets


def required_secrets() -> list[Manifest]:
    (document,) = load_documents(REQUIRED_SECRETS)
    return cast(list[Manifest], document["secrets"])


def env_of(workload: Workload) -> dict[str, Manifest]:
    (container,) = workload.spec["containers"]
    assert "envFrom" not in container, f"{workload.name}: take variables one by one, so each gets only its own"
    names = [e["name"] for e in container.get("env", [])]
    assert len(names) == len(set(names)), f"{workload.name}: duplicate env variables"
    return {e["name"]: e for e in container.get("env", [])}


def settings_class(component: str) -> type[ServiceSettings]:
    """The settings class the component reads its environment with: ``<package>.settings``, else the shared base."""
    module_name = f"{contract().components[component].package}.settings"
    if importlib.util.find_spec(module_name) is None:
        return ServiceSettings
    module = importlib.import_module(module_name)
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value.__module__ == module_name
    ]
    assert len(classes) == 1, f"{module_name}: expected one settings class, found {classes}"
    return classes[0]


def variables_read_by(settings: type[ServiceSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{field}".upper() for field in settings.model_fields}


def all_settings_classes(component: str) -> list[type[BaseSettings]]:
    """Every pydantic settings class defined in the component's package (not only ``<package>.settings``: a
    feature may read its own ``GBI_*`` prefix, as the simulator's front office does)."""
    package = contract().components[component].package
    spec = importlib.util.find_spec(package)
    assert spec is not None, f"{package} is not installed"
    assert spec.submodule_search_locations is not None
    classes: list[type[BaseSettings]] = []
    for location in spec.submodule_search_locations:
        for path in sorted(Path(location).rglob("*.py")):
            if not re.search(
                r"\b(BaseSettings|ServiceSettings|SettingsConfigDict)\b", path.read_text(encoding="utf-8")
            ):
                continue
            relative = path.relative_to(location).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            module_name = ".".join([package, *parts])
            module = importlib.import_module(module_name)
            classes += [
                value
                for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, BaseSettings) and value.__module__ == module_name
            ]
    return classes


def env_names_of(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: its fields under the prefix, or their alias."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for field_name, info in settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


@pytest.mark.parametrize("component", list(contract().components))
def test_every_gbi_variable_the_code_reads_is_in_the_contract(component: str) -> None:
    """docs/runtime-contract.md names every ``GBI_*`` variable any settings class of the component reads (in the
    table when deployments must set it, else among the tunables), so the contract cannot drift from the code."""
    text = CONTRACT.read_text(encoding="utf-8")
    listed = set(re.findall(r"GBI_[A-Z0-9_]+", text)) | set(contract().variables())
    classes = all_settings_classes(component)
    assert classes, f"{component}: no settings class found"
    read = {name for cls in classes for name in env_names_of(cls) if name.startswith("GBI_")}
    missing = sorted(read - listed)
    assert not missing, f"{component} reads {missing}, which docs/runtime-contract.md does not list"


@RENDERINGS
def test_every_env_variable_is_one_the_contract_or_the_code_gives_that_component(directory: Path) -> None:
    manifests = rendered(directory)
    variables = contract().variables()
    for workload in workloads(manifests):
        for name in env_of(workload):
            if name not in variables:
                # Not (yet) in docs/runtime-contract.md: then the component's own settings must read it.
                read = variables_read_by(settings_class(workload.component))
                assert name in read, f"{workload.name}: {name} is neither in the contract nor read by the code"
                continue
            users = contract().users(variables[name])
            assert workload.component in users or (workload.component, name) in ENV_EXCEPTIONS, (
                f"{workload.name}: the contract gives {name} to {variables[name].used_by} only"
            )


def placeholder_secret(name: str, key: str) -> str:
    if key == "url":
        return "postgresql+psycopg://gbi:placeholder@postgres.invalid:5432/gbi"
    if name == "gbi-zgw":
        # JSON per gemeente (client id, HS256 secret, RSIN passing the elfproef).
        return json.dumps({"0363": {"client_id": "gbi-0363", "secret": "p" * 40, "rsin": "002220647"}})
    if name == "gbi-koppelvlak":
        # JSON per front office (its API, the gemeenten it serves, the bearer token GBI pulls with).
        return json.dumps({"gzac": {"url": "https://fo.example.nl/api", "gemeenten": ["0363"], "token": "t" * 32}})
    return f"placeholder-for-{name}-{key}-".ljust(48, "x")


@RENDERINGS
def test_every_workloads_environment_passes_its_production_settings(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The component's own settings class accepts the environment the manifests give it (Secrets as placeholders)."""
    manifests = rendered(directory)
    config_maps = {c["metadata"]["name"]: c.get("data", {}) for c in of_kind(manifests, "ConfigMap")}
    for workload in workloads(manifests):
        environment: dict[str, str] = {}
        for name, entry in env_of(workload).items():
            if "value" in entry:
                environment[name] = str(entry["value"])
            elif "configMapKeyRef" in entry["valueFrom"]:
                reference = entry["valueFrom"]["configMapKeyRef"]
                environment[name] = str(config_maps[reference["name"]][reference["key"]])
            else:
                reference = entry["valueFrom"]["secretKeyRef"]
                environment[name] = placeholder_secret(reference["name"], reference["key"])
        settings_type = settings_class(workload.component)
        with monkeypatch.context() as patch:
            for variable in [v for v in os.environ if v.upper().startswith("GBI_")]:
                patch.delenv(variable)
            for variable, value in environment.items():
                patch.setenv(variable, value)
            try:
                settings = settings_type()
            except ValidationError as exc:
                pytest.fail(f"{workload.name}: {settings_type.__qualname__} refuses the manifests' environment: {exc}")
        assert settings.environment is Environment.PRODUCTION
        assert settings.service_name == f"gbi-{workload.component}"


@RENDERINGS
@pytest.mark.parametrize("component", production_components())
def test_each_component_gets_every_variable_the_contract_gives_it(directory: Path, component: str) -> None:
    (workload,) = [w for w in workloads(rendered(directory)) if w.kind == "Deployment" and w.name == component]
    env = env_of(workload)
    for rule in contract().env_rules:
        if component not in contract().users(rule):
            continue
        for group in rule.groups:
            assert any(name in env for name in group), f"{component} lacks {' or '.join(group)}"
    service_names = re.findall(r"gbi-[a-z]+", contract().rule_of("GBI_SERVICE_NAME").meaning)
    assert env["GBI_SERVICE_NAME"]["value"] == f"gbi-{component}" in service_names


@RENDERINGS
def test_config_map_references_resolve_and_values_follow_the_contract(directory: Path) -> None:
    manifests = rendered(directory)
    config_maps = {c["metadata"]["name"]: c.get("data", {}) for c in of_kind(manifests, "ConfigMap")}
    used: set[tuple[str, str]] = set()
    for workload in workloads(manifests):
        for variable, entry in env_of(workload).items():
            reference = entry.get("valueFrom", {}).get("configMapKeyRef")
            if reference is None:
                continue
            assert reference["name"] in config_maps, f"{workload.name}: no ConfigMap {reference['name']}"
            assert reference["key"] in config_maps[reference["name"]], f"{workload.name}: no key {reference['key']}"
            assert reference["key"] == variable, "a ConfigMap key carries the name of its variable"
            used.add((reference["name"], reference["key"]))
    config = config_maps["gbi-config"]
    assert {("gbi-config", key) for key in config} == used, "every ConfigMap key is used by some container"
    variables = contract().variables()
    assert set(config) <= set(variables)
    environments = re.findall(r"[a-z]+", contract().rule_of("GBI_ENVIRONMENT").meaning)
    assert "production" in environments
    assert config["GBI_ENVIRONMENT"] == "production"

    services = {s["metadata"]["name"]: s for s in of_kind(manifests, "Service")}

    def service_url(name: str) -> str:
        assert services[name]["spec"]["ports"][0]["port"] == SERVICE_PORT
        return f"http://{name}.{NAMESPACE}.svc.cluster.local"

    assert config["GBI_GATEWAY_URL"] == service_url("gateway")
    for layer in contract().layers:
        assert config[f"GBI_UPSTREAM_{layer.upper()}_URL"] == service_url(layer)
    assert config["GBI_OTLP_ENDPOINT"].startswith("http")


@RENDERINGS
def test_secrets_are_referenced_and_declared_but_never_committed(directory: Path) -> None:
    manifests = rendered(directory)
    assert of_kind(manifests, "Secret") == []
    declared = {s["name"]: s for s in required_secrets()}
    for secret in declared.values():
        assert set(secret) <= {"name", "type", "used_by", "keys"}, f"{secret['name']}: only names and keys, no values"
    users: dict[str, set[str]] = {name: set() for name in declared}
    for workload in workloads(manifests):
        for variable, entry in env_of(workload).items():
            if "valueFrom" not in entry:
                assert not re.search(r"SECRET|PRIVATE_KEY|DATABASE_URL", variable), f"{variable} is given in clear"
                continue
            reference = entry["valueFrom"].get("secretKeyRef")
            if reference is None:
                continue
            assert reference["name"] in declared, f"{workload.name}: Secret {reference['name']} is not declared"
            assert reference["key"] in declared[reference["name"]]["keys"], f"{workload.name}: key {reference['key']}"
            users[reference["name"]].add(workload.name)
    for ingress in of_kind(manifests, "Ingress"):
        for tls in ingress["spec"]["tls"]:
            assert tls["secretName"] in declared
            users[tls["secretName"]].add("ingress")
    for name, secret in declared.items():
        assert users[name], f"{name} is declared but nothing uses it"
        assert users[name] == set(secret["used_by"]), f"{name}: used by {sorted(users[name])}"
    for path in (ROOT / "deploy").rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".env", ".pem", ""}:
            assert "PRIVATE KEY-----" not in path.read_text(encoding="utf-8", errors="replace"), path


# --------------------------------------------------------------------------------------------------------------------
# Network policies


def policies_for(manifests: list[Manifest], labels: Mapping[str, str], direction: str) -> list[Manifest]:
    selected = []
    for policy in of_kind(manifests, "NetworkPolicy"):
        spec = policy["spec"]
        types = spec.get("policyTypes", ["Ingress", *(["Egress"] if "egress" in spec else [])])
        if direction in types and selects(spec["podSelector"], labels):
            selected.append(policy)
    return selected


def rules(manifests: list[Manifest], labels: Mapping[str, str], direction: str) -> Iterator[Manifest]:
    key = direction.lower()
    for policy in policies_for(manifests, labels, direction):
        yield from policy["spec"].get(key, [])


def workload_named(manifests: list[Manifest], name: str) -> Workload:
    (workload,) = [w for w in workloads(manifests) if w.name == name]
    return workload


def rule_ports(rule: Manifest) -> set[int | str]:
    return {p["port"] for p in rule.get("ports", [])}


@RENDERINGS
def test_everything_is_denied_by_default(directory: Path) -> None:
    manifests = rendered(directory)
    assert any(
        p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in of_kind(manifests, "NetworkPolicy")
    )
    for policy in of_kind(manifests, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{policy['metadata']['name']}: an ingress rule without 'from' admits everyone"
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to"), f"{policy['metadata']['name']}: an egress rule without 'to' admits everything"


@RENDERINGS
@pytest.mark.parametrize("layer", contract().layers)
def test_a_service_admits_ingress_only_from_the_gateway_pods(directory: Path, layer: str) -> None:
    manifests = rendered(directory)
    gateway = workload_named(manifests, "gateway")
    others = [w for w in workloads(manifests) if w.name != "gateway"]
    ingress = list(rules(manifests, workload_named(manifests, layer).labels, "Ingress"))
    assert ingress, f"{layer}: the gateway must be admitted"
    for rule in ingress:
        assert rule_ports(rule) <= {CONTAINER_PORT, PORT_NAME}
        for peer in rule["from"]:
            assert set(peer) == {"podSelector"}, f"{layer}: admits {peer} (only gateway pods of this namespace)"
            assert selects(peer["podSelector"], gateway.labels)
            assert not any(selects(peer["podSelector"], other.labels) for other in others), f"{layer}: {peer}"


@RENDERINGS
def test_the_gateway_admits_ingress_only_from_the_ingress_controller(directory: Path) -> None:
    manifests = rendered(directory)
    ingress = list(rules(manifests, workload_named(manifests, "gateway").labels, "Ingress"))
    assert ingress
    for rule in ingress:
        assert rule_ports(rule) <= {CONTAINER_PORT, PORT_NAME}
        for peer in rule["from"]:
            assert peer == {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": INGRESS_CONTROLLER_NAMESPACE}}
            }


@RENDERINGS
def test_the_migration_job_admits_no_ingress(directory: Path) -> None:
    manifests = rendered(directory)
    assert list(rules(manifests, workload_named(manifests, "data-migrate").labels, "Ingress")) == []


def egress_to_pods(manifests: list[Manifest], source: Workload, target: Workload) -> set[int | str]:
    ports: set[int | str] = set()
    for rule in rules(manifests, source.labels, "Egress"):
        for peer in rule["to"]:
            if set(peer) == {"podSelector"} and selects(peer["podSelector"], target.labels):
                ports |= rule_ports(rule)
    return ports


def egress_to_blocks(manifests: list[Manifest], source: Workload) -> dict[str, set[int | str]]:
    blocks: dict[str, set[int | str]] = {}
    for rule in rules(manifests, source.labels, "Egress"):
        for peer in rule["to"]:
            if "ipBlock" in peer:
                blocks.setdefault(peer["ipBlock"]["cidr"], set()).update(rule_ports(rule))
    return blocks


@RENDERINGS
def test_egress_follows_the_architecture(directory: Path) -> None:
    manifests = rendered(directory)
    gateway = workload_named(manifests, "gateway")
    layers = [workload_named(manifests, layer) for layer in contract().layers]
    for workload in workloads(manifests):
        dns = [r for r in rules(manifests, workload.labels, "Egress") if 53 in rule_ports(r)]
        assert dns, f"{workload.name}: no DNS"
        blocks = egress_to_blocks(manifests, workload)
        world = blocks.get("0.0.0.0/0", set())
        assert world == ({443} if workload.name == "integration" else set()), f"{workload.name}: outside world"
        postgres = any(5432 in ports for ports in blocks.values())
        assert postgres == (workload.component == "data"), f"{workload.name}: PostgreSQL egress"
    for layer in layers:
        assert CONTAINER_PORT in egress_to_pods(manifests, layer, gateway), f"{layer.name} cannot reach the gateway"
        assert CONTAINER_PORT in egress_to_pods(manifests, gateway, layer), f"the gateway cannot reach {layer.name}"
        for other in layers:
            assert not egress_to_pods(manifests, layer, other), f"{layer.name} -> {other.name} bypasses the gateway"


# --------------------------------------------------------------------------------------------------------------------
# Ingress


@RENDERINGS
def test_only_the_gateway_is_exposed_and_only_over_tls(directory: Path) -> None:
    (ingress,) = of_kind(rendered(directory), "Ingress")
    tls_hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in tls_hosts
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"] == {"name": "gateway", "port": {"name": PORT_NAME}}


# --------------------------------------------------------------------------------------------------------------------
# The Dockerfile


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # -1 before the first FROM


def dockerfile() -> list[Instruction]:
    logical: list[str] = []
    current = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        logical.append(current + line)
        current = ""
    assert not current, "a continued line at the end of the Dockerfile"
    instructions: list[Instruction] = []
    stage = -1
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    return instructions


def stage_of(instructions: list[Instruction], keyword: str, stage: int) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword and i.stage == stage]


def arg_defaults(instructions: list[Instruction]) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ARG" and "=" in instruction.arguments:
            name, _, value = instruction.arguments.partition("=")
            defaults[name] = value.strip('"')
    return defaults


def expand(text: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values.get(m.group(1) or m.group(2), m.group(0)), text)


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: str
    from_stage: str | None
    index: int
    stage: int


def copies(instructions: list[Instruction]) -> list[Copy]:
    found: list[Copy] = []
    for index, instruction in enumerate(instructions):
        if instruction.keyword != "COPY":
            continue
        tokens = shlex.split(instruction.arguments)
        flags = {t.split("=", 1)[0]: t.split("=", 1)[-1] for t in tokens if t.startswith("--")}
        paths = [t for t in tokens if not t.startswith("--")]
        found.append(Copy(tuple(paths[:-1]), paths[-1], flags.get("--from"), index, instruction.stage))
    return found


def uv_syncs(instructions: list[Instruction]) -> list[tuple[int, list[str]]]:
    return [
        (index, shlex.split(i.arguments))
        for index, i in enumerate(instructions)
        if i.keyword == "RUN" and "uv sync" in i.arguments
    ]


@dataclass(frozen=True)
class Member:
    path: str  # relative to the root
    project: str
    packages: tuple[str, ...]


def workspace_members() -> list[Member]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members: list[Member] = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for directory in sorted(ROOT.glob(pattern)):
            if not (directory / "pyproject.toml").is_file():
                continue
            project = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
            packages = tuple(sorted(p.name for p in (directory / "src").glob("*") if p.is_dir()))
            members.append(Member(str(directory.relative_to(ROOT)), project, packages))
    assert members
    return members


def production_packages() -> set[str]:
    return {SHARED_PACKAGE} | {c.package for c in contract().production.values()}


def test_dockerfile_is_multi_stage_on_pinned_base_images() -> None:
    instructions = dockerfile()
    defaults = arg_defaults([i for i in instructions if i.stage == -1])
    froms = [shlex.split(i.arguments) for i in instructions if i.keyword == "FROM"]
    assert len(froms) >= 2, "builder and runtime stages"
    stage_names = [f[2] if len(f) == 3 and f[1].upper() == "AS" else None for f in froms]
    for tokens in froms:
        image = expand(tokens[0], defaults)
        name, tag, digest = split_image(image)
        if name in {"node", "docker.io/library/node"}:  # only the stage that builds the front-end packages
            assert digest or (tag and re.fullmatch(r"\d+\.\d+\.\d+-(bookworm-)?slim", tag)), f"{image}: pin a release"
            continue
        assert name in {"python", "docker.io/library/python"}, image
        assert digest or (tag and re.fullmatch(r"3\.11\.\d+-slim(-[a-z]+)?", tag)), f"{image}: pin a patch release"
    final = len(froms) - 1
    builder = stage_names[0]
    assert builder is not None
    assert any(c.from_stage == builder and c.stage == final for c in copies(instructions)), "copy the build result"


def test_dockerfile_installs_the_workspace_from_the_lock_file_with_a_pinned_uv() -> None:
    instructions = dockerfile()
    syncs = uv_syncs(instructions)
    assert len(syncs) >= 2, "dependencies first (layer cache), then the workspace"
    for _, tokens in syncs:
        assert "--frozen" in tokens, "install exactly what uv.lock says"
        assert "--no-dev" in tokens
    assert "--no-install-workspace" in syncs[0][1]
    assert "--no-editable" in syncs[-1][1]
    defaults = arg_defaults(instructions)
    installs = [i for i in instructions if i.keyword == "RUN" and re.search(r"pip install .*uv==", i.arguments)]
    assert installs, "install uv with an exact version"
    version = re.search(r"uv==([^\"' ]+)", expand(installs[0].arguments, defaults))
    assert version is not None
    assert re.fullmatch(r"\d+\.\d+\.\d+", version.group(1)), "pin uv to an exact version"
    makefile = ROOT / "Makefile"
    if makefile.is_file():
        pinned = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", makefile.read_text(encoding="utf-8"), re.MULTILINE)
        if pinned:
            assert version.group(1) == pinned.group(1), "the image's uv must be the Makefile's (it writes uv.lock)"


def test_dockerfile_copies_the_workspace_for_layer_caching_and_leaves_dev_tools_out() -> None:
    instructions = dockerfile()
    builder_copies = [c for c in copies(instructions) if c.stage == 0 and c.from_stage is None]
    copied = {source: c.index for c in builder_copies for source in c.sources}
    (first_sync, _), (last_sync, last_tokens) = uv_syncs(instructions)[0], uv_syncs(instructions)[-1]
    assert copied["uv.lock"] < first_sync
    assert copied["pyproject.toml"] < first_sync
    excluded = {last_tokens[i + 1] for i, t in enumerate(last_tokens) if t == "--no-install-package"}
    for member in workspace_members():
        assert copied.get(f"{member.path}/pyproject.toml", first_sync) < first_sync, f"{member.path}/pyproject.toml"
        source = f"{member.path}/src"
        if set(member.packages) & production_packages():
            assert first_sync < copied.get(source, -1) < last_sync, f"copy {source} after the dependency layer"
            assert member.project not in excluded
        else:
            assert source not in copied, f"{member.path} is a development tool: no sources in the image"
            assert member.project in excluded, f"uv sync --no-install-package {member.project}"
    for package in production_packages():
        assert any(package in m.packages for m in workspace_members()), f"{package} is not a workspace member"


def test_dockerfile_runtime_stage_is_non_root_read_only_friendly_and_serves_every_component() -> None:
    instructions = dockerfile()
    final = max(i.stage for i in instructions)
    users = stage_of(instructions, "USER", final)
    assert users, "the runtime stage sets USER"
    uid = users[-1].arguments.split(":")[0]
    assert uid.isdigit(), "a numeric uid, so that Kubernetes can verify runAsNonRoot"
    assert int(uid) == RUN_AS_USER, "the non-root uid the manifests run as"
    assert [i.arguments for i in stage_of(instructions, "EXPOSE", final)] == [str(CONTAINER_PORT)]
    env = {
        key: value
        for i in stage_of(instructions, "ENV", final)
        for key, _, value in (token.partition("=") for token in shlex.split(i.arguments))
    }
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    (healthcheck,) = stage_of(instructions, "HEALTHCHECK", final)
    url = re.search(r"https?://[\w.]+:(\d+)(/[\w/]+)", healthcheck.arguments)
    assert url is not None, "the health check calls the service over HTTP"
    assert int(url.group(1)) == CONTAINER_PORT
    assert url.group(2) == live_path()
    assert url.group(2) in contract().health_paths
    (cmd,) = [i for i in instructions if i.keyword == "CMD" and i.stage == final]
    command = json.loads(cmd.arguments)
    script = shlex.split(command[-1]) if command[0] in {"/bin/sh", "sh"} else command
    serve = script.index(SERVE_MODULE)
    assert script[serve - 2 : serve] == ["python", "-m"]
    factory_template = script[serve + 1]
    assert script[serve + 2 :] == ["--host", "0.0.0.0", "--port", str(CONTAINER_PORT)]
    for component in production_components():
        factory = expand(factory_template, {"GBI_COMPONENT": component})
        assert factory == contract().components[component].factory
    default = arg_defaults([i for i in instructions if i.stage == final]).get("GBI_COMPONENT")
    assert default in production_components()


WEB_ASSETS = "services/interaction/web-assets"


def test_dockerfile_builds_the_web_assets_from_the_npm_lock_file_and_points_the_pages_at_them() -> None:
    instructions = dockerfile()
    defaults = arg_defaults([i for i in instructions if i.stage == -1])
    froms = [shlex.split(i.arguments) for i in instructions if i.keyword == "FROM"]
    final = len(froms) - 1
    node_stages = [
        (index, tokens[2])
        for index, tokens in enumerate(froms)
        if split_image(expand(tokens[0], defaults))[0] in {"node", "docker.io/library/node"} and len(tokens) == 3
    ]
    assert len(node_stages) == 1, "one named node stage builds the front-end packages"
    stage, name = node_stages[0]
    assert stage != final, "node is not in the runtime image"
    sources = {source for c in copies(instructions) if c.stage == stage for source in c.sources}
    assert {f"{WEB_ASSETS}/package.json", f"{WEB_ASSETS}/package-lock.json"} <= sources
    (npm,) = [i for i in stage_of(instructions, "RUN", stage) if "npm " in i.arguments]
    tokens = shlex.split(npm.arguments)
    assert tokens[tokens.index("npm") + 1] == "ci", "install exactly what package-lock.json says"
    assert "--ignore-scripts" in tokens, "no package runs code at build time"
    lock = json.loads((ROOT / WEB_ASSETS / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] >= 2
    (copied,) = [c for c in copies(instructions) if c.from_stage == name and c.stage == final]
    assert copied.sources[0].endswith("/node_modules")
    env = {
        key: value
        for i in stage_of(instructions, "ENV", final)
        for key, _, value in (token.partition("=") for token in shlex.split(i.arguments))
    }
    assert env.get("GBI_WEB_ASSETS_DIR") == copied.destination, "the pages serve what the assets stage installed"
    assert "GBI_WEB_ASSETS_DIR" in (ROOT / "docs" / "runtime-contract.md").read_text(encoding="utf-8")
    assert ignored(f"{WEB_ASSETS}/node_modules", dockerignore_patterns()), "never the developer's own node_modules"


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    patterns = [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "exceptions are not checked here"
    return patterns


def ignored(path: str, patterns: list[str]) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        variants = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(prefix, variant) for prefix in prefixes for variant in variants):
            return True
    return False


def test_dockerignore_keeps_the_build_inputs_and_drops_the_rest() -> None:
    patterns = dockerignore_patterns()
    for copy_ in copies(dockerfile()):
        if copy_.from_stage is None:
            for source in copy_.sources:
                assert not ignored(source.rstrip("/").removeprefix("./"), patterns), f"{source} is ignored"
    for path in (".git", ".venv", "shared/.venv", "services/data/tests", "tests"):
        assert ignored(path, patterns), path
    for member in workspace_members():
        if not set(member.packages) & production_packages():
            assert ignored(f"{member.path}/src", patterns), member.path
