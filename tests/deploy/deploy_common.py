"""Helpers shared by the deployment checks: YAML loading, durations, VisionGrid config facts."""
import re
import sys

import yaml

ROLES = ("gateway", "model", "business", "monitor")
# Each role's server.drain_timeout when its config does not set one (src/net/server_config.hpp).
DEFAULT_DRAIN_SECONDS = 25.0
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\}")


class Problems:
    """Collects failures so one run reports all of them; exit status 1 when any."""

    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")

    def check(self, condition, where, message):
        if not condition:
            self.add(where, message)
        return condition

    def finish(self, checked_what):
        for item in self.items:
            print("FAIL", item)
        if self.items:
            print(f"{len(self.items)} problem(s) in {checked_what}")
            return 1
        print(f"OK: {checked_what}")
        return 0


def load_documents(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def seconds(text):
    """'25s', '2m', '500ms', '1h' or a number of seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text).strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def required_variables(config_text):
    """Environment variables a VisionGrid config needs: ${VAR} placeholders without a default."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(config_text) if m.group(2) is None})


def all_variables(config_text):
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(config_text)})


def drain_seconds(config, role):
    server = ((config or {}).get(role) or {}).get("server") or {}
    return seconds(server["drain_timeout"]) if "drain_timeout" in server else DEFAULT_DRAIN_SECONDS


def dns_names(config):
    """(where, name, port) of every `dns:` discovery entry in a role config."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "dns" and isinstance(value, dict) and "name" in value:
                    found.append((f"{path}.dns", value["name"], value.get("port")))
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(config, "")
    return found


def static_instances(config):
    """(where, "host:port") of every `instances:` entry in a role config."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "instances" and isinstance(value, list):
                    for item in value:
                        address = item["address"] if isinstance(item, dict) else item
                        found.append((f"{path}.instances", str(address)))
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(config, "")
    return found


def main_guard(function):
    try:
        sys.exit(function(sys.argv[1:]))
    except (OSError, yaml.YAMLError, ValueError, KeyError) as e:
        print(f"FAIL: {type(e).__name__}: {e}")
        sys.exit(1)
