"""uv for the first bake, when the user has none on PATH.

The baked project's bin/setup installs with uv when it has one (the uv on
PATH, or the one named by SETUP_UV_VARIABLE), else with `venv` and pip.
Measured on a 2-core machine, a full bake took about 5 s with uv against 20
to 40 s with pip, most of it pip's downloads, its one-by-one installs and the
pip that `venv` puts in .venv. So for the bake, the post-generation hook
fetches uv once into the user's cache (with pip, from the index pip is set up
for) and hands it to bin/setup, with pip's settings translated into uv's
environment variables so that uv installs what pip would. bin/setup itself
stays free of all this: a later run by the user uses a uv on PATH, or pip.

Standard library only: the hooks run under cookiecutter's own interpreter.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# The uv bin/setup installs with (read by bin/setup).
SETUP_UV_VARIABLE = "BIN_SETUP_UV"
# Set (to anything) to keep to pip when uv is not on PATH.
NO_UV_FETCH_VARIABLE = "BIN_SETUP_NO_UV_FETCH"
# Where in the user's cache the fetched uv lives, shared by every bake.
UV_HOME = "flask-db-template/uv"

# pip's settings (`pip config list`) and the environment variables uv reads
# for each, with how uv separates several values.
UV_VARIABLES = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
    "constraint": ("UV_CONSTRAINT", " "),
    "trusted-host": ("UV_INSECURE_HOST", " "),
}
PIP_SETTING = re.compile(r"^(global|install|:env:)\.([a-z-]+)='(.*)'$")


def uv_for_setup() -> dict[str, str]:
    """The environment variables that give bin/setup a uv: none when uv is
    on PATH (bin/setup finds it there, and the user's own settings apply),
    when the user asked for pip, or when uv cannot be had."""
    if shutil.which("uv") or os.environ.get(NO_UV_FETCH_VARIABLE):
        return {}
    pip_python = sys.executable if importlib.util.find_spec("pip") else None
    uv = cached_uv()
    if uv is None and pip_python is not None:
        uv = fetch_uv(pip_python)
        if uv is None:
            # The index was out of reach a moment ago: let pip fail at once
            # if it still is, instead of retrying for a minute.
            return {"PIP_RETRIES": "0"}
    if uv is None:
        return {}
    return {SETUP_UV_VARIABLE: str(uv), **uv_settings_from_pip(pip_python)}


def user_cache() -> Path:
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def uv_home() -> Path:
    return user_cache() / UV_HOME


def cached_uv() -> Path | None:
    """The uv in the user's cache, if it is there and runs."""
    for name in ("bin/uv", "bin/uv.exe", "Scripts/uv.exe"):
        uv = uv_home() / name
        if uv.is_file():
            version = subprocess.run([str(uv), "--version"], capture_output=True)
            return uv if version.returncode == 0 else None
    return None


def fetch_uv(python: str) -> Path | None:
    """uv from the index into the user's cache, for this and later bakes;
    None when it cannot be had (no network: pip gives up at once)."""
    home = uv_home()
    shutil.rmtree(home, ignore_errors=True)  # a uv there that does not run
    print(f"==> Fetching uv into {home} (once: later bakes reuse it)", flush=True)
    started = time.monotonic()
    partial = home.with_name(f"uv.partial-{os.getpid()}")
    fetched = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--target", str(partial)]
        + ["--disable-pip-version-check", "--no-warn-script-location"]
        + ["--retries", "0", "--timeout", "15", "uv"],
        capture_output=True,
    )
    if fetched.returncode == 0:
        try:
            os.replace(partial, home)
        except OSError:  # another bake was first: its uv will do
            pass
    else:
        print("    could not fetch uv: installing with pip", flush=True)
    shutil.rmtree(partial, ignore_errors=True)
    print(f"    done in {time.monotonic() - started:.1f} s", flush=True)
    return cached_uv()


def uv_settings_from_pip(python: str | None) -> dict[str, str]:
    """uv's environment variables for the indexes, certificates, proxy and
    constraints that pip is set up with, so that uv installs what pip would."""
    if python is None:
        return {}
    listed = subprocess.run(
        [python, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    settings = {}
    for line in listed.stdout.splitlines():
        match = PIP_SETTING.match(line.strip())
        if match:
            settings[match[2]] = match[3]
    environment = {}
    for name, (variable, separator) in UV_VARIABLES.items():
        values = settings.get(name, "").split()
        if values and not os.environ.get(variable):
            environment[variable] = separator.join(values)
    if "extra-index-url" in settings and not os.environ.get("UV_INDEX_STRATEGY"):
        # pip takes the best version from all its indexes; uv by default
        # takes a package from the first index that has it.
        environment["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    if settings.get("cert") and not os.environ.get("SSL_CERT_FILE"):
        environment["SSL_CERT_FILE"] = settings["cert"]
    if settings.get("proxy") and not os.environ.get("HTTPS_PROXY"):
        environment["HTTPS_PROXY"] = settings["proxy"]
    return environment
