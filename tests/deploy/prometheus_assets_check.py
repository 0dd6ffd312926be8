#!/usr/bin/env python3
"""Checks that deploy/prometheus agrees with the code and with itself.

  prometheus_assets_check.py names SRC_DIR RECORDING_RULES FILE...
      every visiongrid_* metric named in FILEs is one the code registers (histograms may add
      _bucket/_sum/_count), and every recorded series they use is defined in RECORDING_RULES
  prometheus_assets_check.py alerts ALERTING_RULES MONITOR_ALERT_RULE_CPP
      the alerts mirror the monitor's built-in ones (default_alert_rules()): names, `for:`,
      severities, thresholds and windows; each has a summary and a runbook in docs/operations.md
  prometheus_assets_check.py dashboard DASHBOARD_JSON [--promtool PROMTOOL]
      the Grafana dashboard's structure (datasource variable, unique ids, layout, queries); with
      --promtool every query, Grafana variables filled in, must parse as PromQL (exit 77 without one)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import deploy_common as common

REGISTERED = re.compile(r'"(visiongrid_[a-z0-9_]+)"')
MENTIONED = re.compile(r"(?<![:\w])(visiongrid_[a-z0-9_]*[a-z0-9])(?![\w*])")   # not `visiongrid_upstream_*`
RECORDED = re.compile(r"\b([a-z_]+:visiongrid_[a-z0-9_]+:[a-z0-9_]+)\b")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# default_alert_rules() in the monitor's source: rule("Name", AlertKind::kKind, 30s, "severity", ...),
# `AlertRule var = rule("Name", ...)`, then `var.threshold = N;` and `var.window = 5min;`.
MONITOR_RULE = re.compile(r'rule\(\s*"(\w+)",\s*AlertKind::(k\w+),\s*(\d+)(ms|s|min|h),\s*"(\w+)"')
MONITOR_VARIABLE = re.compile(r'AlertRule\s+(\w+)\s*=\s*rule\(\s*"(\w+)"')
MONITOR_FIELD = re.compile(r"\b(\w+)\.(threshold|window)\s*=\s*([\d'.]+)(min|s|h|ms)?\s*;")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "min": 60, "h": 3600}
SEVERITIES = {"critical", "warning", "info"}


def registered_metrics(src_dir):
    names = set()
    for root, _, files in os.walk(src_dir):
        for name in files:
            if name.endswith((".cpp", ".hpp")):
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    names.update(REGISTERED.findall(f.read()))
    return names


def check_names(src_dir, recording_rules, paths, p):
    registered = registered_metrics(src_dir)
    p.check(len(registered) > 10, src_dir, f"found only {len(registered)} registered metrics: is this the source tree?")
    recorded = {rule["record"] for group in common.load_yaml(recording_rules)["groups"] for rule in group["rules"] if "record" in rule}
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += [os.path.join(root, n) for root, _, names in os.walk(path) for n in names]
        else:
            files.append(path)
    mentions = 0
    for path in sorted(files):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for name in set(MENTIONED.findall(text)):
            mentions += 1
            base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s) and name[: -len(s)] in registered), name)
            p.check(base in registered, path, f"{name} is not a metric VisionGrid registers")
        for name in set(RECORDED.findall(text)):
            p.check(name in recorded, path, f"{name} is not recorded by {os.path.basename(recording_rules)}")
    return mentions


def monitor_rules(source):
    """name -> {for, severity, threshold, window} of the monitor's built-in alert rules."""
    with open(source, encoding="utf-8") as f:
        text = f.read()
    body = text[text.find("default_alert_rules()"):]
    rules = {m.group(1): {"kind": m.group(2), "for": float(m.group(3)) * UNIT_SECONDS[m.group(4)], "severity": m.group(5)}
             for m in MONITOR_RULE.finditer(body)}
    names = {m.group(1): m.group(2) for m in MONITOR_VARIABLE.finditer(body)}
    for m in MONITOR_FIELD.finditer(body):
        if m.group(1) in names:
            value = float(m.group(3).replace("'", ""))
            rules[names[m.group(1)]][m.group(2)] = value * UNIT_SECONDS[m.group(4)] if m.group(4) else value
    return rules


def number(value):
    return f"{value:g}"


def check_alerts(alerting_rules, monitor_source, p):
    """The Prometheus alerts mirror the monitor's built-in ones: names, `for:`, severities, thresholds, windows."""
    rules = {rule["alert"]: rule for group in common.load_yaml(alerting_rules)["groups"] for rule in group["rules"] if "alert" in rule}
    expected = monitor_rules(monitor_source)
    if not p.check(len(expected) >= 5, monitor_source, "cannot read default_alert_rules(); update prometheus_assets_check.py"):
        return len(rules)
    p.check(set(rules) == set(expected), alerting_rules, f"alerts {sorted(rules)} differ from the monitor's {sorted(expected)}")
    for name, want in sorted(expected.items()):
        rule = rules.get(name)
        if rule is None:
            continue
        expr = " ".join(rule["expr"].split())
        p.check(common.seconds(rule.get("for", "0s")) == want["for"], name, f"for: {rule.get('for')}, the monitor waits {number(want['for'])} s")
        p.check((rule.get("labels") or {}).get("severity") == want["severity"], name, f"severity must be {want['severity']}")
        p.check(bool((rule.get("annotations") or {}).get("summary")), name, "needs a summary")
        runbook = (rule.get("annotations") or {}).get("runbook", "")
        p.check(runbook == "docs/operations.md#" + name.lower(), name, f"runbook {runbook!r} should be docs/operations.md#{name.lower()}")
        if "threshold" in want:
            threshold = want["threshold"] / 1000 if want["kind"] == "kP99Latency" else want["threshold"]   # ms -> s
            p.check(re.search(r"[<>]=?\s*" + re.escape(number(threshold)) + r"(?![\d.])", expr) is not None, name,
                    f"expression {expr!r} does not compare with the monitor's threshold {number(threshold)}")
        if "window" in want:
            window = number(want["window"] / 60) + "m"
            p.check(re.search(rf"[:_]rate{window}\b", expr) is not None or f"[{window}]" in expr, name, f"expression {expr!r} does not use the monitor's {window} window")
    return len(rules)


def panels_of(dashboard):
    for panel in dashboard.get("panels") or []:
        yield panel
        yield from panel.get("panels") or []


def check_dashboard(path, p):
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list") or []}
    source = variables.get("datasource") or {}
    p.check(source.get("type") == "datasource" and source.get("query") == "prometheus", path, "needs a Prometheus datasource variable")
    p.check(bool(dashboard.get("uid")) and bool(dashboard.get("title")), path, "needs uid and title")
    ids = set()
    queries = []
    for panel in panels_of(dashboard):
        where = f"panel {panel.get('id')} {panel.get('title')!r}"
        p.check(panel.get("id") not in ids, where, "duplicate id")
        ids.add(panel.get("id"))
        grid = panel.get("gridPos") or {}
        p.check(all(k in grid for k in ("x", "y", "w", "h")) and grid.get("x", 0) + grid.get("w", 0) <= 24, where, "bad gridPos")
        if panel.get("type") == "row":
            continue
        p.check((panel.get("datasource") or {}).get("uid") == "${datasource}", where, "must use the datasource variable")
        targets = panel.get("targets") or []
        p.check(bool(targets), where, "no queries")
        for target in targets:
            expr = target.get("expr", "")
            p.check(bool(expr.strip()), where, "empty query")
            p.check((target.get("datasource") or {}).get("uid") == "${datasource}", where, "query must use the datasource variable")
            for variable in re.findall(r"\$(\w+)", expr):
                p.check(variable in variables, where, f"${variable} is not a dashboard variable")
            queries.append((where, expr))
    return queries


def parse_with_promtool(promtool, queries, p):
    """Writes each query as a recording rule and lets `promtool check rules` parse them all."""
    rules = [{"record": f"dashboard_query_{i}:check", "expr": re.sub(r"\$\w+", ".*", expr)} for i, (_, expr) in enumerate(queries)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dashboard_queries.yml")
        with open(path, "w", encoding="utf-8") as f:
            common.yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
        result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
    p.check(result.returncode == 0, "promtool", (result.stdout + result.stderr).strip())


def main(argv):
    p = common.Problems()
    if len(argv) >= 4 and argv[0] == "names":
        count = check_names(argv[1], argv[2], argv[3:], p)
        print(f"{count} metric name(s) checked")
    elif len(argv) == 3 and argv[0] == "alerts":
        count = check_alerts(argv[1], argv[2], p)
        print(f"{count} alert(s) checked")
    elif len(argv) in (2, 4) and argv[0] == "dashboard":
        queries = check_dashboard(argv[1], p)
        print(f"{len(queries)} dashboard queries checked")
        if len(argv) == 4 and argv[2] == "--promtool":
            promtool = shutil.which(argv[3])
            if not promtool:
                print(f"SKIPPED: {argv[3]} is not installed (Debian package prometheus)")
                return 77
            parse_with_promtool(promtool, queries, p)
    else:
        print(__doc__)
        return 2
    return p.finish(" ".join(os.path.basename(a) for a in argv[:2]))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    common.main_guard(main)
