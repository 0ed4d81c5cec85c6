"""deploy/ manifests: schema-valid (offline, kubernetes-validate) and locked down as claimed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S_VERSIONS = ("1.30", "1.33")
"""Kubernetes versions checked; both are bundled with kubernetes-validate (no network)."""
UID = 10001
"""The image's USER (Dockerfile) and the pods' runAsUser."""

Resource = dict[str, Any]


def _manifests() -> list[tuple[str, Resource]]:
    found = []
    for path in sorted(DEPLOY.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((f"{path.relative_to(DEPLOY)}:{doc['kind']}", doc))
    return found


MANIFESTS = _manifests()
FLEET = [(n, d) for n, d in MANIFESTS if n.startswith("kubernetes/fleet/")]
"""The fleet's manifests (issue 20): nodes, discovery, gateway, its Service and policy."""
SINGLE = [(n, d) for n, d in MANIFESTS if (n, d) not in FLEET]
"""The single-host deployment."""


def _one(kind: str) -> Resource:
    matches = [doc for _, doc in SINGLE if doc["kind"] == kind]
    assert len(matches) == 1, f"expected one {kind}, found {len(matches)}"
    return matches[0]


def _pod() -> Resource:
    spec: Resource = _one("DaemonSet")["spec"]["template"]["spec"]
    return spec


def _server() -> Resource:
    (container,) = [c for c in _pod()["containers"] if c["name"] == "sshapp"]
    return container


def _effective(pod: Resource, container: Resource, key: str) -> Any:
    """A securityContext field as the kubelet applies it: the container's wins."""
    return container.get("securityContext", {}).get(key, pod["securityContext"].get(key))


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_manifests_were_found() -> None:
    kinds = sorted(doc["kind"] for _, doc in SINGLE)
    assert kinds == ["DaemonSet", "Namespace", "Service"]
    fleet = sorted(doc["kind"] for _, doc in FLEET)
    assert fleet == ["DaemonSet", "Deployment", "NetworkPolicy", "Service", "Service"]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(("name", "doc"), MANIFESTS, ids=[name for name, _ in MANIFESTS])
def test_manifest_matches_the_schema(name: str, doc: Resource, version: str) -> None:
    # strict: unknown fields are errors too; a kind without a schema raises, never passes.
    assert kubernetes_validate.validate(doc, version, strict=True) == version, name


def test_the_validator_rejects_a_broken_manifest() -> None:
    """Guards against a validator that would pass anything (e.g. no schemas found)."""
    broken = yaml.safe_load((DEPLOY / "kubernetes" / "daemonset.yaml").read_text())
    broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"] = "x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)


def test_pod_is_non_root_with_runtime_default_seccomp() -> None:
    pod = _pod()
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == UID
    assert context["runAsGroup"] == UID
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert pod["nodeSelector"]["kubernetes.io/arch"] == "amd64"


@pytest.mark.parametrize("name", ["sshapp", "hostkey"])
def test_containers_run_unprivileged(name: str) -> None:
    pod = _pod()
    (container,) = [c for c in pod["containers"] + pod["initContainers"] if c["name"] == name]
    assert _effective(pod, container, "runAsNonRoot") is True
    assert _effective(pod, container, "runAsUser") == UID
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert "privileged" not in context


def test_only_root_step_is_a_chown_with_cap_chown_only() -> None:
    pod = _pod()
    roots = [
        c
        for c in pod["containers"] + pod["initContainers"]
        if _effective(pod, c, "runAsUser") != UID or not _effective(pod, c, "runAsNonRoot")
    ]
    assert [c["name"] for c in roots] == ["state-owner"]
    (step,) = roots
    assert step["command"] == ["chown", f"{UID}:{UID}", "/var/lib/sshapp/state"]
    context = step["securityContext"]
    assert context["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN"]}
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert step in pod["initContainers"]


def test_every_container_has_memory_limits_and_no_cpu_limit() -> None:
    pod = _pod()
    for container in pod["containers"] + pod["initContainers"]:
        resources = container["resources"]
        assert "memory" in resources["requests"], container["name"]
        assert "memory" in resources["limits"], container["name"]
        # CFS throttling would distort benchmark timings.
        assert "cpu" not in resources["limits"], container["name"]


def test_probes_run_the_health_check_on_the_served_port() -> None:
    server = _server()
    args = server["args"]
    port = int(args[args.index("--port") + 1])
    assert server["ports"][0]["containerPort"] == port
    env = {e["name"]: e["value"] for e in server["env"]}
    assert int(env["SSHAPP_PORT"]) == port  # the probe's default port
    for probe in ("readinessProbe", "livenessProbe"):
        command = server[probe]["exec"]["command"]
        assert command[:3] == ["python", "-m", "sshapp.health"], probe


def test_host_key_comes_from_a_secret_and_none_is_committed() -> None:
    pod = _pod()
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["hostkey-secret"]["secret"]["secretName"] == "sshapp-hostkey"
    (copy,) = [c for c in pod["initContainers"] if c["name"] == "hostkey"]
    assert copy["command"][:3] == ["install", "-m", "0600"]
    mounts = {m["mountPath"]: m for m in _server()["volumeMounts"]}
    assert mounts["/var/lib/sshapp/hostkeys"]["readOnly"] is True
    assert all(doc["kind"] != "Secret" for _, doc in MANIFESTS)
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert "PRIVATE KEY-----" not in path.read_text(errors="replace"), path


def test_manifests_agree_with_the_dockerfile() -> None:
    dockerfile = _dockerfile()
    assert f"USER {UID}:{UID}" in dockerfile
    (exposed,) = re.findall(r"^EXPOSE (\d+)", dockerfile, re.MULTILINE)
    assert _server()["ports"][0]["containerPort"] == int(exposed)
    (volumes,) = re.findall(r"^VOLUME (\[.*\])", dockerfile, re.MULTILINE)
    mounted = {m["mountPath"] for m in _server()["volumeMounts"]}
    assert set(yaml.safe_load(volumes)) <= mounted


def test_service_reaches_the_pods_and_keeps_client_addresses() -> None:
    service = _one("Service")
    labels = _one("DaemonSet")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 22
    assert port["targetPort"] in {p["name"] for p in _server()["ports"]}
    assert service["spec"]["externalTrafficPolicy"] == "Local"  # per-IP limits see clients
    namespaces = {doc["metadata"].get("namespace") for _, doc in SINGLE}
    assert namespaces == {None, _one("Namespace")["metadata"]["name"]}
