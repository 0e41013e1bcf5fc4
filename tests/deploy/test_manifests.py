"""The deploy files, checked offline against the schemas their tools use.

* Kubernetes objects against the API's own OpenAPI schemas (``kubernetes-validate``,
  strict: an unknown field fails). The ``RayService`` is a KubeRay CRD that the
  package does not ship, and no PyPI or npm package here carries its schema: its
  required fields are checked by hand, and its ``serveConfigV2`` by Ray Serve's own
  config model (``ServeDeploySchema``), with the builders it names imported and run.
* The compose file against the compose-spec JSON schema that ``check-jsonschema``
  vendors (``vendor.compose-spec``), as written and with its variables filled in.
* The Dockerfile parsed by ``dockerfile-parse``: two stages, a non-root user, the
  health check, and the README's install command (no drift between the two).
* The settings that must agree across files: the drain timeout against the grace
  periods, the HPA's metric against the adapter's rule and the metric framekit exports.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")
dockerfile_parse = pytest.importorskip("dockerfile_parse")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
KUBERNETES_VERSION = "1.30.0"  # the oldest still supported upstream (Dec 2026)
_EXTRAS = re.compile(r"pip install (?:-e )?'\.\[([a-z0-9,-]+)\]'")
_README_INSTALL = r"`pip install -e '\.\[([a-z0-9,-]+)\]' && framekit demo`"
_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _objects() -> list[dict[str, Any]]:
    files = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    return [d for name in files for d in _documents(KUBERNETES / name)]


def _object(kind: str) -> dict[str, Any]:
    (found,) = [d for d in _objects() if d["kind"] == kind]
    return found


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def _drain_timeout(command: list[str]) -> float:
    return float(command[command.index("--drain-timeout") + 1])


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", [KUBERNETES_VERSION, kubernetes_validate.latest_version()])
def test_every_kubernetes_object_matches_the_api_schema(version: str) -> None:
    checked = []
    for document in _objects():
        if document["apiVersion"].startswith("ray.io/"):
            continue  # the CRD: test_the_rayservice_*
        kubernetes_validate.validate(document, version, strict=True)
        checked.append(document["kind"])
    assert sorted(checked) == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    ]


def test_a_wrong_field_fails_the_schema_check() -> None:
    """The check can fail: a probe's misspelt field is refused in strict mode."""
    broken = _object("Deployment")
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_call_node_drains_within_its_grace_period() -> None:
    deployment = _object("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    drain = _drain_timeout(container["command"])
    unready = float(_object("ConfigMap")["data"]["UNREADY_BEFORE_DRAIN"])
    assert pod["terminationGracePeriodSeconds"] > float(pre_stop[1]) + unready + drain
    probe = container["readinessProbe"]
    assert unready > probe["periodSeconds"] * probe["failureThreshold"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_no_secret_is_in_the_manifests() -> None:
    """Secrets come from a Secret created outside the files; none is defined here."""
    assert "Secret" not in {d["kind"] for d in _objects()}
    container = _container(_object("Deployment"))
    assert {"secretRef": {"name": "framekit-secrets"}} in container["envFrom"]
    config = _object("ConfigMap")["data"]
    for name in ("TWILIO_AUTH_TOKEN", "API_TOKEN", "DATABASE_URL", "REDIS_URL", "METRICS_TOKEN"):
        assert name not in config


def test_the_hpa_scales_on_the_load_the_adapter_computes_from_framekits_metrics() -> None:
    """The HPA's metric is the adapter rule's name; its query reads exported series."""
    from prometheus_client import CollectorRegistry

    from framekit.metrics.prometheus import ServeMetrics

    registry = CollectorRegistry()
    ServeMetrics(registry)
    exported = {metric.name for metric in registry.collect()}
    (metric,) = _object("HorizontalPodAutoscaler")["spec"]["metrics"]
    adapter = yaml.safe_load((KUBERNETES / "prometheus-adapter-values.yaml").read_text())
    (rule,) = adapter["rules"]["custom"]
    assert rule["name"]["as"] == metric["pods"]["metric"]["name"]
    queried = re.findall(r"(framekit_\w+)\{", rule["seriesQuery"] + rule["metricsQuery"])
    assert queried == ["framekit_active_calls", "framekit_call_capacity"]
    assert set(queried) <= exported
    assert metric["pods"]["target"]["averageValue"] == "750m"  # a share of MAX_CALLS


# --- the RayService (KubeRay CRD) --------------------------------------------------------


def test_the_rayservice_has_the_fields_kuberay_requires() -> None:
    """Checked by hand: KubeRay's CRD schema is not available offline here."""
    import ray

    service = _object("RayService")
    assert service["apiVersion"] == "ray.io/v1"
    assert service["metadata"]["name"]
    spec = service["spec"]
    assert isinstance(spec["serveConfigV2"], str)
    cluster = spec["rayClusterConfig"]
    assert cluster["rayVersion"] == ray.__version__  # the image's Ray (pyproject's models extra)
    head = cluster["headGroupSpec"]
    assert isinstance(head["rayStartParams"], dict)
    assert all(isinstance(v, str) for v in head["rayStartParams"].values())
    assert head["template"]["spec"]["containers"][0]["image"]
    for group in cluster["workerGroupSpecs"]:
        assert group["groupName"]
        assert isinstance(group["rayStartParams"], dict)
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
        assert group["template"]["spec"]["containers"][0]["image"]
    ports = {p["containerPort"] for p in head["template"]["spec"]["containers"][0]["ports"]}
    assert {6379, 8000} <= ports
    node_tier = _object("ConfigMap")["data"]["MODEL_TIER_URL"]
    assert node_tier == f"http://{service['metadata']['name']}-serve-svc:8000"


def test_the_rayservice_serve_config_is_valid_and_its_builders_build() -> None:
    """``serveConfigV2`` through Ray Serve's own schema; each import path built.

    Runs in a subprocess: building imports Ray, which a call node's test never should.
    """
    code = (
        "import importlib, json, sys, yaml\n"
        "from ray.serve.schema import ServeDeploySchema\n"
        f"sys.path.insert(0, {str(KUBERNETES)!r})\n"
        "config = ServeDeploySchema.model_validate(yaml.safe_load(sys.stdin.read()))\n"
        "built = {}\n"
        "for app in config.applications:\n"
        "    module, name = app.import_path.split(':')\n"
        "    application = getattr(importlib.import_module(module), name)(app.args)\n"
        "    deployment = application._bound_deployment\n"
        "    options = deployment.init_args[0]\n"
        "    built[app.name] = [app.route_prefix, deployment.name,\n"
        "                       [d.name for d in app.deployments], options.max_batch_size,\n"
        "                       options.batch_wait_timeout_s]\n"
        "print(json.dumps(built))\n"
    )
    config = _object("RayService")["spec"]["serveConfigV2"]
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=config,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    built = yaml.safe_load(done.stdout.splitlines()[-1])
    assert built["framekit-stt"][:3] == ["/stt", "Recognition", ["Recognition"]]
    assert built["framekit-stt"][3:] == [8, 0.02]
    assert built["framekit-tts"][:3] == ["/tts", "Speech", ["Speech"]]


# --- Compose ----------------------------------------------------------------------------


def _check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def interpolate(text: str, environment: dict[str, str]) -> str:
    """Compose's variable syntax: ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}``."""

    def value(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if environment.get(name):
            return environment[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    return _VARIABLE.sub(value, text)


FILLED = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "x" * 32,
    "WEBHOOK_BASE_URL": "https://calls.example.com",
    "API_TOKEN": "y" * 32,
    "POSTGRES_PASSWORD": "z" * 16,
    "GRAFANA_ADMIN_PASSWORD": "w" * 16,
}


def test_the_compose_file_matches_the_compose_spec(tmp_path: Path) -> None:
    assert _check_compose(COMPOSE).returncode == 0, _check_compose(COMPOSE).stdout
    filled = tmp_path / "compose.yaml"
    filled.write_text(interpolate(COMPOSE.read_text(), FILLED))
    done = _check_compose(filled)
    assert done.returncode == 0, done.stdout


def test_a_broken_compose_file_fails_the_spec(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("stop_grace_period:", "stop_grace_periods:"))
    assert _check_compose(broken).returncode == 1


def test_the_compose_file_needs_every_secret_and_holds_none() -> None:
    for name in FILLED:
        partial = {k: v for k, v in FILLED.items() if k != name}
        with pytest.raises(KeyError, match=name):
            interpolate(COMPOSE.read_text(), partial)
    example = (DEPLOY / "compose" / ".env.example").read_text()
    for name in FILLED:
        assert f"\n{name}=\n" in example


def test_the_compose_topology() -> None:
    compose = yaml.safe_load(interpolate(COMPOSE.read_text(), FILLED))
    services = compose["services"]
    assert set(services) == {
        "node-1",
        "node-2",
        "migrate",
        "lb",
        "ray-head",
        "ray-worker",
        "redis",
        "postgres",
        "prometheus",
        "grafana",
    }
    for name in ("node-1", "node-2"):
        node = services[name]
        assert node["command"][:2] == ["framekit", "serve"]
        grace = float(node["stop_grace_period"].removesuffix("s"))
        assert grace > _drain_timeout(node["command"])
        assert node["environment"]["MODEL_TIER_URL"] == "http://ray-head:8000"
        assert node["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert "@postgres:5432/" in node["environment"]["DATABASE_URL"]
        assert node["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert (
            services["migrate"]["environment"]["DATABASE_URL"]
            == node["environment"]["DATABASE_URL"]
        )
    head = shlex.split(services["ray-head"]["command"][2])
    assert head[:3] == ["ray", "start", "--head"]
    tier = head[head.index("exec") + 1 :]
    assert tier[:4] == ["framekit", "models", "serve", "--address=ray-head:6379"]
    assert "--proxy-location=HeadOnly" in tier  # the proxy the nodes' MODEL_TIER_URL names
    worker = services["ray-worker"]["command"]
    assert "--address=ray-head:6379" in worker
    compose_dir = COMPOSE.parent
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if "/nginx/" in source and not (DEPLOY / "nginx").exists():
                    continue  # the balancer's config is being added (docs/deploy.md)
                assert (compose_dir / source).resolve().exists(), source


# --- Dockerfile -------------------------------------------------------------------------


def _dockerfile() -> Any:
    return dockerfile_parse.DockerfileParser(str(DOCKERFILE))


def _instructions(kind: str) -> list[str]:
    return [i["value"] for i in _dockerfile().structure if i["instruction"] == kind]


def test_the_dockerfile_builds_in_two_stages_and_runs_as_a_user() -> None:
    stages = _instructions("FROM")
    assert len(stages) >= 2
    assert stages[-1].endswith(" AS runtime")
    (user,) = _instructions("USER")
    assert user.split(":")[0] not in ("0", "root")
    (healthcheck,) = _instructions("HEALTHCHECK")
    assert "/health/ready" in healthcheck
    (command,) = _instructions("CMD")
    assert yaml.safe_load(command)[:2] == ["framekit", "serve"]
    copied = [i.split()[0] for i in _instructions("COPY") if not i.startswith("--from")]
    kept = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
    for source in copied:
        assert (ROOT / source).exists(), source
        assert f"!{source.removesuffix('/')}" in kept, f"{source} is not in the build context"


def test_the_image_makes_the_folders_compose_mounts_for_its_user() -> None:
    """A named volume takes its owner from the image's folder: root when there is none."""
    made = " ".join(r for r in _instructions("RUN") if "mkdir" in r)
    assert "chown -R framekit:framekit /var/lib/framekit" in made
    services = yaml.safe_load(interpolate(COMPOSE.read_text(), FILLED))["services"]
    for name in ("node-1", "node-2"):
        for volume in services[name]["volumes"]:
            target = volume.split(":")[1]
            assert target.startswith("/var/lib/framekit/")
            assert target in made.split(), target


def test_the_dockerfile_installs_what_the_readme_says() -> None:
    """The README's install command's extras are all in the image's, and all exist."""
    readme = re.search(_README_INSTALL, (ROOT / "README.md").read_text())
    assert readme is not None, "the README's install command moved"
    readme_extras = readme.group(1)
    (install,) = [r for r in _instructions("RUN") if r.startswith("pip install")]
    match = _EXTRAS.fullmatch(install)
    assert match is not None, install
    image_extras = set(match.group(1).split(","))
    assert set(readme_extras.split(",")) <= image_extras
    defined = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert image_extras <= set(defined)
    assert "models" in image_extras  # the model tier runs from the same image
