"""`make run` serves as production does (gunicorn, installs from the hashed lock file) and
lists the demo accounts; `make dev` keeps Flask's debug server. Read from `make -n`: what
the targets would run, nothing run."""
import multiprocessing
import os
import runpy
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def planned(target: str) -> list[str]:
    """The commands `make` would run for `target` from scratch (-B: as on a new machine)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "-B", target], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_make_run_installs_from_the_lock_and_serves_with_gunicorn():
    lines = planned("run")
    installs = [line for line in lines if " install " in line and " -r " in line]
    assert installs and all("--require-hashes -r requirements.txt" in line for line in installs)
    assert any("demo --if-empty" in line for line in lines)  # lists the demo accounts
    serve = lines[-1]
    assert "gunicorn -c scripts/gunicorn.conf.py" in serve and "salon:create_app()" in serve
    assert not any("flask --app salon run" in line for line in lines)


def test_make_dev_keeps_the_debug_server():
    assert planned("dev")[-1].endswith("flask --app salon run --debug --host 127.0.0.1 --port 5000")


def test_make_test_installs_from_the_test_lock():
    lines = planned("test")
    installs = [line for line in lines if " install " in line and " -r " in line]
    assert installs and all("--require-hashes -r requirements-test.txt" in line
                            for line in installs)


def test_gunicorn_workers_follow_the_cores():
    settings = runpy.run_path(str(ROOT / "scripts" / "gunicorn.conf.py"))
    assert settings["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert settings["bind"] == "127.0.0.1:5000"
