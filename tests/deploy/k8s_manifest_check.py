#!/usr/bin/env python3
"""Schema and consistency check of VisionGrid's Kubernetes manifests (stdlib + PyYAML only).

  k8s_manifest_check.py base DIR [EXTRA...]      raw files of the kustomize base, plus manifests applied
                                                 beside it (deploy/k8s/jobs) (always runs)
  k8s_manifest_check.py overlay DIR              an overlay's own files and references
  k8s_manifest_check.py rendered FILE [--gpu]    `kubectl kustomize` output of an overlay

Checks apiVersion/kind/metadata, containers (image, ports, probes, resources, security context),
that every Service, PodDisruptionBudget, HorizontalPodAutoscaler and Ingress points at something that
exists, that the VisionGrid pods probe /ready and /health, get the secrets their config needs, and
are given a termination grace period that covers their drain deadline.
"""
import os
import re

import deploy_common as common

KNOWN_KINDS = {
    "Namespace": "v1", "Secret": "v1", "ConfigMap": "v1", "Service": "v1", "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1", "StatefulSet": "apps/v1", "Ingress": "networking.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1", "Job": "batch/v1",
}
ROLE_PORTS = {"gateway": 8080, "model": 8081, "business": 8082, "monitor": 8083}
NAMESPACE = "visiongrid"
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
SERVICE_DNS = re.compile(r"\b(visiongrid-[a-z0-9-]+)\.visiongrid\.svc\.cluster\.local(?::(\d+))?")


def name_of(obj):
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Manifests:
    def __init__(self, objects, configs, problems, rendered, gpu):
        self.objects = objects
        self.configs = configs        # config file name -> text (the ConfigMap's data)
        self.configmaps = set()       # ConfigMap names volumes may use
        self.p = problems
        self.rendered = rendered
        self.gpu = gpu
        self.by_kind = {}
        for obj in objects:
            self.by_kind.setdefault(obj.get("kind"), []).append(obj)
        self.workloads = self.by_kind.get("Deployment", []) + self.by_kind.get("StatefulSet", [])
        self.jobs = self.by_kind.get("Job", [])
        self.secrets = {o["metadata"]["name"]: o for o in self.by_kind.get("Secret", [])}
        self.services = {o["metadata"]["name"]: o for o in self.by_kind.get("Service", [])}
        self.claims = {o["metadata"]["name"] for o in self.by_kind.get("PersistentVolumeClaim", [])}

    def pod_labels(self, workload):
        return ((workload.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}

    def run(self):
        for obj in self.objects:
            self.check_object(obj)
        for workload in self.workloads + self.jobs:
            self.check_workload(workload)
        for service in self.services.values():
            self.check_service(service)
        for pdb in self.by_kind.get("PodDisruptionBudget", []):
            self.check_pdb(pdb)
        for hpa in self.by_kind.get("HorizontalPodAutoscaler", []):
            self.check_hpa(hpa)
        for ingress in self.by_kind.get("Ingress", []):
            self.check_ingress(ingress)
        self.check_topology()

    def check_object(self, obj):
        where = name_of(obj)
        kind, api = obj.get("kind"), obj.get("apiVersion")
        if not self.p.check(kind in KNOWN_KINDS, where, f"unexpected kind {kind!r}"):
            return
        self.p.check(api == KNOWN_KINDS[kind], where, f"apiVersion {api!r}, expected {KNOWN_KINDS[kind]!r}")
        meta = obj.get("metadata") or {}
        name = meta.get("name", "")
        self.p.check(bool(DNS_LABEL.fullmatch(name)) and len(name) <= 63, where, "metadata.name is not a DNS label")
        if self.rendered and kind != "Namespace":
            self.p.check(meta.get("namespace") == NAMESPACE, where, f"namespace {meta.get('namespace')!r}")
        if self.rendered:
            self.p.check((meta.get("labels") or {}).get("app.kubernetes.io/part-of") == "visiongrid", where,
                         "missing label app.kubernetes.io/part-of=visiongrid")

    def check_workload(self, workload):
        where = name_of(workload)
        spec = workload.get("spec") or {}
        if workload["kind"] != "Job":
            selector = (spec.get("selector") or {}).get("matchLabels") or {}
            self.p.check(selects(selector, self.pod_labels(workload)), where, "selector does not match the pod labels")
        pod = (spec.get("template") or {}).get("spec") or {}
        pod_security = pod.get("securityContext") or {}
        self.p.check(pod_security.get("runAsNonRoot") is True, where, "pod securityContext.runAsNonRoot must be true")
        self.p.check((pod_security.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where,
                     "pod seccompProfile must be RuntimeDefault")
        volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        claim_templates = {(t.get("metadata") or {}).get("name") for t in spec.get("volumeClaimTemplates") or []}
        for volume in volumes.values():
            self.check_volume(where, volume)
        containers = pod.get("containers") or []
        self.p.check(bool(containers), where, "no containers")
        for container in containers:
            self.check_container(f"{where}/{container.get('name')}", container, volumes, claim_templates, pod, spec)

    def check_volume(self, where, volume):
        if "configMap" in volume:
            self.p.check(volume["configMap"].get("name") in self.configmaps, where,
                         f"volume {volume['name']}: no ConfigMap {volume['configMap'].get('name')!r}")
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"].get("claimName")
            self.p.check(claim in self.claims, where, f"volume {volume['name']}: no PersistentVolumeClaim {claim!r}")
        if "secret" in volume:
            self.p.check(volume["secret"].get("secretName") in self.secrets, where, f"volume {volume['name']}: no Secret")

    def check_container(self, where, c, volumes, claim_templates, pod, spec):
        runs_once = "restartPolicy" in pod and pod["restartPolicy"] != "Always"   # a Job's pod: no ports, no probes
        image = c.get("image", "")
        self.p.check(bool(image), where, "no image")
        if self.rendered:
            self.p.check(":" in image.rsplit("/", 1)[-1] or "@" in image, where, f"image {image!r} has no tag")
        ports = c.get("ports") or []
        self.p.check(bool(ports) or runs_once, where, "no ports")
        port_names = {}
        for port in ports:
            number = port.get("containerPort")
            self.p.check(isinstance(number, int) and 0 < number < 65536, where, f"bad containerPort {number!r}")
            self.p.check(bool(port.get("name")), where, f"port {number} has no name")
            port_names[port.get("name")] = number
        for probe_kind in ("readinessProbe", "livenessProbe"):
            self.p.check(probe_kind in c or runs_once, where, f"no {probe_kind}")
        for probe_kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            http = (c.get(probe_kind) or {}).get("httpGet")
            if http:
                port = http.get("port")
                self.p.check(port in port_names or port in port_names.values(), where,
                             f"{probe_kind} port {port!r} is not a container port")
        resources = c.get("resources") or {}
        for section in ("requests", "limits"):
            values = resources.get(section) or {}
            for resource in ("cpu", "memory"):
                self.p.check(resource in values, where, f"resources.{section}.{resource} missing")
        security = c.get("securityContext") or {}
        self.p.check(security.get("allowPrivilegeEscalation") is False, where, "allowPrivilegeEscalation must be false")
        self.p.check(security.get("readOnlyRootFilesystem") is True, where, "readOnlyRootFilesystem must be true")
        self.p.check("ALL" in ((security.get("capabilities") or {}).get("drop") or []), where, "capabilities must drop ALL")
        for mount in c.get("volumeMounts") or []:
            self.p.check(mount.get("name") in volumes or mount.get("name") in claim_templates, where,
                         f"volumeMount {mount.get('name')!r} has no volume")
        env_names = set()
        for env in c.get("env") or []:
            env_names.add(env.get("name"))
            ref = ((env.get("valueFrom") or {}).get("secretKeyRef")) or None
            if ref:
                secret = self.secrets.get(ref.get("name"))
                if self.p.check(secret is not None, where, f"env {env['name']}: no Secret {ref.get('name')!r}"):
                    keys = set((secret.get("stringData") or {}).keys()) | set((secret.get("data") or {}).keys())
                    self.p.check(ref.get("key") in keys, where, f"env {env['name']}: Secret has no key {ref.get('key')!r}")
        args = c.get("args") or []
        if args and args[0] in common.ROLES:
            self.check_visiongrid_container(where, c, args, port_names, env_names, volumes, pod)
        nvidia = any("nvidia.com/gpu" in (resources.get(s) or {}) for s in ("requests", "limits"))
        if self.gpu is not None and not (args and args[0] == "model"):
            self.p.check(not nvidia, where, "only the model pool asks for GPUs")

    def check_visiongrid_container(self, where, c, args, port_names, env_names, volumes, pod):
        role = args[0]
        probes = {k: ((c.get(k) or {}).get("httpGet") or {}).get("path") for k in ("readinessProbe", "livenessProbe", "startupProbe")}
        self.p.check(probes["readinessProbe"] == "/ready", where, f"readinessProbe must GET /ready, not {probes['readinessProbe']!r}")
        self.p.check(probes["livenessProbe"] == "/health", where, f"livenessProbe must GET /health, not {probes['livenessProbe']!r}")
        if "startupProbe" in c:
            self.p.check(probes["startupProbe"] == "/health", where, "startupProbe must GET /health")
        self.p.check(port_names.get("http") == ROLE_PORTS[role], where, f"port http must be {ROLE_PORTS[role]} for {role}")
        if not self.p.check("--config" in args and args.index("--config") + 1 < len(args), where, "no --config FILE"):
            return
        config_path = args[args.index("--config") + 1]
        mount = next((m for m in c.get("volumeMounts") or [] if config_path.startswith(m.get("mountPath", "") + "/")), None)
        if not self.p.check(mount is not None, where, f"{config_path} is not on a mounted volume"):
            return
        self.p.check("configMap" in volumes.get(mount["name"], {}), where, f"{config_path} is not from a ConfigMap")
        file_name = config_path[len(mount["mountPath"]) + 1:]
        text = self.configs.get(file_name)
        if not self.p.check(text is not None, where, f"the ConfigMap has no {file_name}"):
            return
        config = common.yaml.safe_load(text) or {}
        self.p.check(role in config, where, f"{file_name} has no `{role}:` section")
        for variable in common.required_variables(text):
            self.p.check(variable in env_names, where, f"{file_name} needs ${{{variable}}} but the container does not set it")
        drain = common.drain_seconds(config, role)
        pre_stop = ((c.get("lifecycle") or {}).get("preStop") or {}).get("exec", {}).get("command") or []
        sleep = float(pre_stop[1]) if len(pre_stop) == 2 and pre_stop[0] == "sleep" else 0.0
        grace = pod.get("terminationGracePeriodSeconds", 30)
        self.p.check(grace >= drain + sleep, where,
                     f"terminationGracePeriodSeconds {grace} < drain_timeout {drain:g} s + preStop {sleep:g} s")
        resources = c.get("resources") or {}
        nvidia = any("nvidia.com/gpu" in (resources.get(s) or {}) for s in ("requests", "limits"))
        if role == "model" and self.gpu is True:
            self.p.check(nvidia, where, "the gpu overlay's model pods must ask for nvidia.com/gpu")
            env = {e.get("name"): e.get("value") for e in c.get("env") or []}
            self.p.check(env.get("VG_GPU_LAYERS") == "-1", where, "the gpu overlay must offload every layer (VG_GPU_LAYERS=-1)")
        if self.gpu is False:
            self.p.check(not nvidia, where, "the cpu overlay asks for no GPU")

    def workloads_selected(self, selector):
        return [w for w in self.workloads if selects(selector, self.pod_labels(w))]

    def container_ports(self, workloads):
        ports = set()
        for w in workloads:
            for c in w["spec"]["template"]["spec"].get("containers") or []:
                for port in c.get("ports") or []:
                    ports.update({port.get("name"), port.get("containerPort")})
        return ports

    def check_service(self, service):
        where = name_of(service)
        spec = service.get("spec") or {}
        selector = spec.get("selector") or {}
        matched = self.workloads_selected(selector)
        if not self.p.check(bool(matched), where, f"selector {selector} matches no Deployment/StatefulSet pods"):
            return
        ports = self.container_ports(matched)
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            self.p.check(target in ports, where, f"targetPort {target!r} is no port of the selected pods")

    def check_pdb(self, pdb):
        where = name_of(pdb)
        selector = ((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        matched = [w for w in self.workloads_selected(selector) if w["kind"] == "Deployment"]
        if self.p.check(len(matched) == 1, where, f"selector {selector} must match exactly one Deployment, matches {len(matched)}"):
            replicas = matched[0]["spec"].get("replicas", 1)
            min_available = pdb["spec"].get("minAvailable")
            if isinstance(min_available, int):
                self.p.check(min_available < replicas, where,
                             f"minAvailable {min_available} >= replicas {replicas}: no pod could ever be evicted")

    def check_hpa(self, hpa):
        where = name_of(hpa)
        spec = hpa.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        names = {w["metadata"]["name"] for w in self.by_kind.get("Deployment", [])}
        self.p.check(target.get("kind") == "Deployment" and target.get("name") in names, where,
                     f"scaleTargetRef {target} is not a Deployment here")
        self.p.check(1 <= spec.get("minReplicas", 1) <= spec.get("maxReplicas", 0), where, "needs 1 <= minReplicas <= maxReplicas")
        self.p.check(bool(spec.get("metrics")), where, "no metrics")

    def check_ingress(self, ingress):
        where = name_of(ingress)
        for rule in (ingress.get("spec") or {}).get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = (path.get("backend") or {}).get("service") or {}
                service = self.services.get(backend.get("name"))
                if self.p.check(service is not None, where, f"backend Service {backend.get('name')!r} does not exist"):
                    port = backend.get("port") or {}
                    known = {p.get("name") for p in service["spec"].get("ports") or []} | {p.get("port") for p in service["spec"].get("ports") or []}
                    self.p.check(port.get("name", port.get("number")) in known, where, f"backend port {port} is not on the Service")

    def check_topology(self):
        headless = self.services.get("visiongrid-model-headless")
        if self.p.check(headless is not None, "topology", "no Service visiongrid-model-headless (the model pool's DNS name)"):
            self.p.check(headless["spec"].get("clusterIP") == "None", "topology", "visiongrid-model-headless must be headless")
            self.p.check(bool(self.workloads_selected(headless["spec"].get("selector") or {})), "topology",
                         "visiongrid-model-headless selects no pods")
        roles = {}
        for w in self.by_kind.get("Deployment", []):
            for c in w["spec"]["template"]["spec"].get("containers") or []:
                if (c.get("args") or [None])[0] in common.ROLES:
                    roles[c["args"][0]] = w
        self.p.check(set(roles) == set(common.ROLES), "topology", f"Deployments per role: have {sorted(roles)}")
        if "monitor" in roles:
            self.p.check(roles["monitor"]["spec"].get("replicas", 1) == 1, "topology", "one monitor (two would alert twice)")
        hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in self.by_kind.get("HorizontalPodAutoscaler", [])}
        if "model" in roles:
            self.p.check(roles["model"]["metadata"]["name"] in hpa_targets, "topology", "no HorizontalPodAutoscaler for the model role")
        # Every cluster DNS name in a role config must be a Service here, on a port it serves.
        for file_name, text in sorted(self.configs.items()):
            for match in SERVICE_DNS.finditer(text):
                service = self.services.get(match.group(1))
                if self.p.check(service is not None, file_name, f"{match.group(0)}: no such Service"):
                    port = match.group(2)
                    if port:
                        self.p.check(int(port) in {p.get("port") for p in service["spec"].get("ports") or []}, file_name,
                                     f"{match.group(0)}: the Service has no port {port}")
            config = common.yaml.safe_load(text) or {}
            for where, name, port in common.dns_names(config):
                service_name = name.split(".")[0]
                service = self.services.get(service_name)
                if self.p.check(service is not None, f"{file_name} {where}", f"{name}: no such Service"):
                    self.p.check(service["spec"].get("clusterIP") == "None", f"{file_name} {where}",
                                 f"{service_name} must be headless for DNS discovery to see every pod")
                    self.p.check(port in {p.get("port") for p in service["spec"].get("ports") or []}, f"{file_name} {where}",
                                 f"{service_name} has no port {port}")


def check_base(directory, extra, problems):
    kustomization = common.load_yaml(os.path.join(directory, "kustomization.yaml"))
    objects = [obj for path in extra for obj in common.load_documents(path)]
    for resource in kustomization.get("resources") or []:
        objects.extend(common.load_documents(os.path.join(directory, resource)))
    configs = {}
    generated = set()
    for generator in kustomization.get("configMapGenerator") or []:
        generated.add(generator["name"])
        for path in generator.get("files") or []:
            with open(os.path.join(directory, path), encoding="utf-8") as f:
                configs[os.path.basename(path)] = f.read()
    manifests = Manifests(objects, configs, problems, rendered=False, gpu=None)
    manifests.configmaps = generated
    manifests.run()
    return len(objects)


def check_rendered(path, problems, gpu):
    objects = common.load_documents(path)
    configs = {}
    names = set()
    for obj in objects:
        if obj.get("kind") == "ConfigMap":
            names.add(obj["metadata"]["name"])
            configs.update(obj.get("data") or {})
    manifests = Manifests(objects, configs, problems, rendered=True, gpu=gpu)
    manifests.configmaps = names
    manifests.run()
    return len(objects)


def check_overlay(directory, problems):
    kustomization = common.load_yaml(os.path.join(directory, "kustomization.yaml"))
    count = 0
    for resource in kustomization.get("resources") or []:
        problems.check(os.path.exists(os.path.join(directory, resource, "kustomization.yaml")), directory,
                       f"resource {resource} is not a kustomization")
    images = {i.get("name") for i in kustomization.get("images") or []}
    problems.check({"visiongrid", "visiongrid-model"} <= images, directory, "must set the images visiongrid and visiongrid-model")
    for patch in kustomization.get("patches") or []:
        if "path" in patch:
            for obj in common.load_documents(os.path.join(directory, patch["path"])):
                count += 1
                where = f"{directory}/{patch['path']}"
                kind = obj.get("kind")
                problems.check(KNOWN_KINDS.get(kind) == obj.get("apiVersion"), where, f"bad kind/apiVersion {kind}/{obj.get('apiVersion')}")
                problems.check(bool((obj.get("metadata") or {}).get("name")), where, "no metadata.name")
        else:
            problems.check("target" in patch and "patch" in patch, directory, f"inline patch without target: {patch}")
    return count


def main(argv):
    problems = common.Problems()
    if len(argv) >= 2 and argv[0] == "base":
        count = check_base(argv[1], argv[2:], problems)
    elif len(argv) >= 2 and argv[0] == "overlay":
        count = check_overlay(argv[1], problems)
    elif len(argv) >= 2 and argv[0] == "rendered":
        count = check_rendered(argv[1], problems, gpu="--gpu" in argv[2:])
    else:
        print(__doc__)
        return 2
    print(f"{count} manifest(s) checked")
    return problems.finish(f"{argv[0]} {argv[1]}")


if __name__ == "__main__":
    common.main_guard(main)
