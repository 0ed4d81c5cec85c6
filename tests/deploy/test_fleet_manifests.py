"""deploy/kubernetes/fleet/: what the fleet's manifests claim (schemas: test_manifests.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.deploy.test_manifests import DEPLOY, FLEET, UID

Resource = dict[str, Any]


def _kind(kind: str, name: str | None = None) -> Resource:
    found = [d for _, d in FLEET if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, (kind, name)
    return found[0]


def _args(workload: Resource) -> list[str]:
    (server,) = workload["spec"]["template"]["spec"]["containers"]
    args: list[str] = server["args"]
    return args


def _value(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_nodes_are_a_daemonset_with_a_feature_label_example_and_gateway_trust() -> None:
    nodes = _kind("DaemonSet")
    pod = nodes["spec"]["template"]["spec"]
    assert pod["nodeSelector"]["kubernetes.io/arch"] == "amd64"
    text = "".join(path.read_text() for path in _files())
    assert "feature.node.kubernetes.io/cpu-cpuid.AMXTILE" in text
    args = _args(nodes)
    assert _value(args, "--gateway-keys") == _value(args, "--authorized-keys")
    assert "--fleet" not in args  # a node alone is a plain host


def _files() -> list[Path]:
    return sorted((DEPLOY / "kubernetes" / "fleet").glob("*.yaml"))


def test_a_headless_service_is_what_the_gateway_resolves() -> None:
    headless = _kind("Service", "sshapp-nodes")
    assert headless["spec"]["clusterIP"] == "None"
    node_labels = _kind("DaemonSet")["spec"]["template"]["metadata"]["labels"]
    assert headless["spec"]["selector"].items() <= node_labels.items()
    (port,) = headless["spec"]["ports"]
    source = _value(_args(_kind("Deployment")), "--fleet")
    name = headless["metadata"]["name"]
    namespace = headless["metadata"]["namespace"]
    assert source == f"dns:{name}.{namespace}.svc.cluster.local:{port['port']}"


def test_the_gateway_is_two_stateless_replicas_behind_a_load_balancer() -> None:
    gateway = _kind("Deployment")
    assert gateway["spec"]["replicas"] == 2
    volumes = {v["name"]: v for v in gateway["spec"]["template"]["spec"]["volumes"]}
    assert "hostPath" not in str(volumes)  # history stays on the nodes
    service = _kind("Service", "sshapp-gateway")
    assert service["spec"]["type"] == "LoadBalancer"
    labels = gateway["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    args = _args(gateway)
    assert {"--fleet-key", "--fleet-known-hosts"} <= set(args)


def test_keys_come_from_secrets_copied_0600() -> None:
    secrets = set()
    for _, doc in FLEET:
        if doc["kind"] in {"DaemonSet", "Deployment"}:
            pod = doc["spec"]["template"]["spec"]
            secrets |= {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
            copies = " ".join(" ".join(c["command"]) for c in pod["initContainers"])
            assert "install -m 0600" in copies.replace("\n", " ").replace('"', "")
    assert secrets == {
        "sshapp-node-hostkey",
        "sshapp-gateway-keys",
        "sshapp-gateway-hostkey",
        "sshapp-fleet-key",
        "sshapp-fleet-known-hosts",
    }


def test_nodes_take_ssh_only_from_gateway_pods() -> None:
    policy = _kind("NetworkPolicy")
    node_labels = _kind("DaemonSet")["spec"]["template"]["metadata"]["labels"]
    gateway_labels = _kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= node_labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    assert peer["podSelector"]["matchLabels"].items() <= gateway_labels.items()
    assert rule["ports"] == [{"protocol": "TCP", "port": 2222}]


def test_every_fleet_container_runs_unprivileged() -> None:
    for name, doc in FLEET:
        if doc["kind"] not in {"DaemonSet", "Deployment"}:
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == UID, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod["containers"] + pod["initContainers"]:
            context = c["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert context["capabilities"]["drop"] == ["ALL"], (name, c["name"])
            assert "cpu" not in c["resources"]["limits"], (name, c["name"])
