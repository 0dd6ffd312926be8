#!/usr/bin/env python3
"""Consistency check of deploy/compose (runs where `docker compose` is missing too).

  compose_check.py DIR      DIR holds docker-compose.yml, .env.example and config/

The original design's topology (two model instances sharing the model files and the DNS name
`model`, business, gateway, monitor, Prometheus, Redis, PostgreSQL); start order gated on health;
every VisionGrid service mounts its config and gets the secrets that config needs from .env; GPU
reservations present but commented; stop grace periods cover the drain deadline.
"""
import os
import re

import deploy_common as common

EXPECTED = {"model-1", "model-2", "business", "gateway", "monitor", "prometheus", "redis", "postgres"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}")


def env_example(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def role_of(service):
    command = service.get("command") or []
    return command[0] if command and command[0] in common.ROLES else None


def check(directory, p):
    compose_path = os.path.join(directory, "docker-compose.yml")
    with open(compose_path, encoding="utf-8") as f:
        text = f.read()
    compose = common.yaml.safe_load(text)
    services = compose.get("services") or {}
    env = env_example(os.path.join(directory, ".env.example"))
    p.check(EXPECTED <= set(services), "services", f"missing {sorted(EXPECTED - set(services))}")

    # Variables: each one compose needs (no default) is in .env.example; each one there is used.
    used = {m.group(1): m.group(2) or "" for m in VARIABLE.finditer(text)}
    for name, modifier in used.items():
        if "?" in modifier or modifier == "":
            p.check(bool(env.get(name)), ".env.example", f"{name} is required by docker-compose.yml but not set")
    config_texts = {}
    for name in sorted(os.listdir(os.path.join(directory, "config"))):
        with open(os.path.join(directory, "config", name), encoding="utf-8") as f:
            config_texts[name] = f.read()
    mentioned = set(used) | {v for t in config_texts.values() for v in common.all_variables(t)}
    for name in env:
        p.check(name in mentioned, ".env.example", f"{name} is used nowhere")

    names = set(services) | {alias for s in services.values() if isinstance(s.get("networks"), dict)
                             for n in s["networks"].values() for alias in (n or {}).get("aliases") or []}
    for name, service in services.items():
        where = f"service {name}"
        p.check(bool(service.get("image")), where, "no image")
        p.check("restart" in service, where, "no restart policy")
        for dependency, condition in (service.get("depends_on") or {}).items():
            p.check(dependency in services, where, f"depends on unknown service {dependency}")
            if (condition or {}).get("condition") == "service_healthy":
                p.check("healthcheck" in services.get(dependency, {}), where, f"waits for {dependency} to be healthy, which has no healthcheck")
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                p.check(os.path.exists(os.path.join(directory, source)), where, f"mounts {source}, which does not exist")
        role = role_of(service)
        if role:
            check_visiongrid_service(where, role, service, config_texts, names, p)

    models = [s for s in services.values() if role_of(s) == "model"]
    p.check(len(models) == 2, "topology", f"{len(models)} model instances, expected 2")
    for service in models:
        aliases = ((service.get("networks") or {}).get("visiongrid") or {}).get("aliases") or []
        p.check("model" in aliases, "topology", "every model instance answers to the DNS name `model`")
        p.check(any(v.endswith(":/models:ro") for v in service.get("volumes") or []), "topology", "model files on a shared read-only volume")
    commented_gpu = len(re.findall(r"^\s*#\s*- driver: nvidia\s*$", text, re.M))
    p.check(commented_gpu == len(models), "topology", f"{commented_gpu} commented GPU reservations for {len(models)} model instances")
    business = services.get("business", {})
    p.check(all(business.get("depends_on", {}).get(d, {}).get("condition") == "service_healthy" for d in ("postgres", "model-1", "model-2")),
            "start order", "business waits for PostgreSQL and both models to be healthy")
    gateway = services.get("gateway", {})
    p.check(all(gateway.get("depends_on", {}).get(d, {}).get("condition") == "service_healthy" for d in ("redis", "business")),
            "start order", "the gateway waits for Redis and business to be healthy")
    return len(services)


def check_visiongrid_service(where, role, service, config_texts, names, p):
    command = service["command"]
    p.check("--config" in command, where, "no --config")
    if "--config" not in command:
        return
    target = command[command.index("--config") + 1]
    mount = next((v for v in service.get("volumes") or [] if v.split(":")[1:2] == [target]), None)
    if not p.check(mount is not None, where, f"{target} is not mounted"):
        return
    file_name = os.path.basename(mount.split(":")[0])
    text = config_texts.get(file_name)
    if not p.check(text is not None, where, f"config/{file_name} does not exist"):
        return
    config = common.yaml.safe_load(text) or {}
    p.check(role in config, where, f"config/{file_name} has no `{role}:` section")
    environment = service.get("environment") or {}
    for variable in common.required_variables(text):
        p.check(variable in environment, where, f"config/{file_name} needs ${{{variable}}}, not in the service's environment")
    health = " ".join((service.get("healthcheck") or {}).get("test") or [])
    p.check(re.search(r"/(ready|health)\b", health) is not None, where, "healthcheck must GET /ready or /health")
    server = config.get(role, {}).get("server") or {}
    if "port" in server:
        p.check(f":{server['port']}/" in health, where, f"healthcheck does not use the role's port {server['port']}")
    grace = common.seconds(service.get("stop_grace_period", "10s"))
    drain = common.drain_seconds(config, role)
    p.check(grace > drain, where, f"stop_grace_period {grace:g} s does not cover drain_timeout {drain:g} s")
    for dns_where, name, _ in common.dns_names(config):
        p.check(name in names, where, f"{dns_where}: {name} is no Compose service or alias")
    for instances_where, address in common.static_instances(config):
        host = address.rsplit(":", 1)[0]
        p.check(host in names, where, f"{instances_where}: {host} is no Compose service or alias")


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    problems = common.Problems()
    count = check(argv[0], problems)
    print(f"{count} service(s) checked")
    return problems.finish(argv[0])


if __name__ == "__main__":
    common.main_guard(main)
