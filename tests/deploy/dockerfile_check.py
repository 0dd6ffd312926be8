#!/usr/bin/env python3
"""Static check of the container images' Dockerfiles (no Docker daemon needed).

  dockerfile_check.py REPO_DIR

Each of docker/Dockerfile and docker/Dockerfile.cuda: multi-stage; llama.cpp from the distribution's
libllama-dev and never built from source; every library scripts/install-deps lists for the build is
installed; the final stage runs as a non-root user with a HEALTHCHECK on /health and ENTRYPOINT
visiongrid; the files it copies exist and .dockerignore keeps them in the build context.
"""
import fnmatch
import json
import os
import re

import deploy_common as common

DOCKERFILES = {"docker/Dockerfile": [], "docker/Dockerfile.cuda": ["libggml0-backend-cuda"]}
TEST_ONLY_LIBRARIES = {"libgtest-dev", "libgmock-dev", "libvips-tools"}
FORBIDDEN = [r"git\s+clone", r"llama\.cpp\.git", r"-DGGML_", r"ggml-org/llama\.cpp/archive", r"add_subdirectory\(.*llama"]


def build_libraries(repo):
    """Packages in scripts/install-deps between `# libraries` and the next comment line."""
    with open(os.path.join(repo, "scripts/install-deps"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"#\s*libraries\s*\n(.*?)\n\s*#", text, re.S)
    return set(block.group(1).split()) - TEST_ONLY_LIBRARIES if block else set()


def instructions(text):
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def stages(parsed):
    result = []
    for keyword, rest in parsed:
        if keyword == "FROM":
            result.append({"from": rest, "lines": []})
        elif result:
            result[-1]["lines"].append((keyword, rest))
    return result


def ignored(patterns, path):
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            verdict = not negate
    return verdict


def check_dockerfile(repo, relative, runtime_packages, libraries, patterns, p):
    with open(os.path.join(repo, relative), encoding="utf-8") as f:
        text = f.read()
    parsed = instructions(text)
    staged = stages(parsed)
    p.check(len(staged) >= 2, relative, "must be multi-stage")
    for pattern in FORBIDDEN:
        p.check(re.search(pattern, text) is None, relative, f"builds llama.cpp from source ({pattern})")
    build = next((s for s in staged if re.search(r"\bAS\s+build\b", s["from"], re.I)), None)
    if p.check(build is not None, relative, "no `AS build` stage"):
        installed = set(" ".join(rest for keyword, rest in build["lines"] if keyword == "RUN").split())
        p.check("libllama-dev" in installed, relative, "the build stage must install libllama-dev")
        for package in sorted(libraries - installed):
            p.check(False, relative, f"the build stage lacks {package} (scripts/install-deps installs it for the build)")
    final = staged[-1]["lines"] if staged else []
    users = [rest for keyword, rest in final if keyword == "USER"]
    p.check(bool(users) and users[-1].split(":")[0] not in ("root", "0"), relative, "the final stage must run as a non-root USER")
    health = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    p.check(bool(health), relative, "no HEALTHCHECK")
    entry = [rest for keyword, rest in final if keyword == "ENTRYPOINT"]
    p.check(bool(entry) and json.loads(entry[-1])[0] in ("visiongrid", "/usr/local/bin/visiongrid"), relative, "ENTRYPOINT must be visiongrid")
    final_installs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    for package in runtime_packages:
        p.check(package in final_installs.split(), relative, f"the runtime stage must install {package}")
    for keyword, rest in parsed:
        if keyword == "COPY" and "--from" not in rest:
            sources = [s for s in rest.split()[:-1] if not s.startswith("--")]
            for source in sources:
                p.check(os.path.exists(os.path.join(repo, source)), relative, f"COPY {source}: no such file")
                p.check(not ignored(patterns, source), relative, f"COPY {source}: excluded by .dockerignore")
    return health


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    repo = argv[0]
    p = common.Problems()
    with open(os.path.join(repo, ".dockerignore"), encoding="utf-8") as f:
        patterns = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    p.check(ignored(patterns, ".git") and ignored(patterns, "build"), ".dockerignore", "must keep .git and build directories out")
    libraries = build_libraries(repo)
    p.check(len(libraries) > 5, "scripts/install-deps", "no `# libraries` section found")
    for relative, runtime_packages in DOCKERFILES.items():
        check_dockerfile(repo, relative, runtime_packages, libraries, patterns, p)
    with open(os.path.join(repo, "docker/healthcheck.sh"), encoding="utf-8") as f:
        p.check("/health" in f.read(), "docker/healthcheck.sh", "must GET /health")
    print(f"{len(DOCKERFILES)} Dockerfile(s) checked")
    return p.finish("docker/")


if __name__ == "__main__":
    common.main_guard(main)
