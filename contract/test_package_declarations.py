"""Package.swift declares exactly what each target imports, and nothing else: a module imported but not
declared builds only by accident (another dependency brought it), and one declared but never imported is
weight. The toolchain's own modules (Foundation, Dispatch, Glibc, Synchronization, Testing) need no
declaration."""
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLCHAIN = {"Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Synchronization", "Testing", "XCTest"}
IMPORT = re.compile(r"^(?:(?:public|package|internal|@\w+(?:\([^)]*\))?)\s+)*import\s+(?:(?:struct|class|enum|func|protocol)\s+)?(\w+)", re.M)


def test_every_target_declares_exactly_what_it_imports():
    package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True,
                                        check=True).stdout)
    problems = []
    for target in package["targets"]:
        name = target["name"]
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
        imported = set()
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for file in files:
                if file.endswith(".swift"):
                    with open(os.path.join(directory, file)) as f:
                        imported |= set(IMPORT.findall(f.read()))
        declared = set()
        for dependency in target["dependencies"]:
            kind, value = next(iter(dependency.items()))
            declared.add(value[0])
        imported -= TOOLCHAIN | {name}
        if imported - declared:
            problems.append(f"{name} imports {sorted(imported - declared)} without declaring them")
        if declared - imported:
            problems.append(f"{name} declares {sorted(declared - imported)} and never imports them")
    assert not problems, "\n".join(problems)
