"""The lock files pin a version of every dependency pyproject.toml names, within its range."""
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def pins(lock: str) -> dict[str, str]:
    return {canonicalize_name(name): version
            for name, version in PIN.findall((ROOT / lock).read_text())}


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"]
    if extra:
        names = names + project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


def unmet(lock: str, wanted: list[Requirement]) -> list[str]:
    pinned = pins(lock)
    problems = []
    for requirement in wanted:
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} 未锁定")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} 不满足 {requirement.specifier}")
    return problems


@pytest.mark.parametrize("lock, extra", [("requirements.txt", None),
                                         ("requirements-test.txt", "test")])
def test_lock_file_satisfies_pyproject(lock, extra):
    problems = unmet(lock, requirements(extra))
    assert not problems, f"{lock} 与 pyproject.toml 不一致（运行 make lock）：{problems}"


def test_every_pin_has_hashes():
    for lock in ("requirements.txt", "requirements-test.txt"):
        text = (ROOT / lock).read_text()
        assert text.count("==") == len(re.findall(r"^\S+==\S+ \\\n\s+--hash=sha256:", text,
                                                   re.M)), lock


def test_running_and_testing_install_the_same_versions():
    run, test = pins("requirements.txt"), pins("requirements-test.txt")
    assert {name: test.get(name) for name in run} == run


def test_a_range_the_lock_misses_is_reported():
    wanted = [Requirement("flask>=99"), Requirement("no-such-package-xyz")]
    assert unmet("requirements.txt", wanted) == [
        f"flask=={pins('requirements.txt')['flask']} 不满足 >=99", "no-such-package-xyz 未锁定"]
