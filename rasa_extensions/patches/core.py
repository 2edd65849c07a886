"""The patch registry's machinery: a patch is data, and installing it checks it first.

A `Patch` names its target (module and attribute), says in one line why Rasa's own function
is replaced, which Rasa version it was written for and which test shows it works. `install`
refuses (`PatchRefused`, naming the patch) before changing anything when the installed Rasa
is another version or a target is gone: a private function renamed by a Rasa upgrade then
stops the server at start-up instead of silently leaving a fix out. Installing twice changes
nothing. This module knows nothing about the patches themselves (see `__init__.py`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: The Rasa version every patch was written for and tested against (`pip show rasa`).
RASA_VERSION = "3.6.21"


class PatchRefused(RuntimeError):
    """A patch cannot be installed: another Rasa version, or its target is missing."""


@dataclass(frozen=True)
class Patch:
    """One replacement of a Rasa function.

    `make` receives Rasa's original (a plain function, also for a staticmethod) and returns
    the replacement, which usually calls the original; it runs once, when the patch is
    installed, so it may also check settings the replacement needs.
    """

    name: str
    module: str
    attribute: str  # "Class.method" or a module-level name
    why: str
    make: Callable[[Any], Any]
    tests: tuple[str, ...]  # pytest node ids that fail when the patch is lost or broken
    rasa_version: str = RASA_VERSION

    @property
    def target(self) -> str:
        return f"{self.module}.{self.attribute}"


#: name -> (owner, attribute, Rasa's original as stored, the replacement as stored)
_installed: dict[str, tuple[Any, str, Any, Any]] = {}


def installed_rasa_version() -> str:
    return importlib.metadata.version("rasa")


def locate(patch: Patch) -> tuple[Any, str]:
    """The object holding the target and the attribute's name; PatchRefused when missing."""
    try:
        owner: Any = importlib.import_module(patch.module)
    except ImportError as error:
        raise PatchRefused(f"patch '{patch.name}': module {patch.module} not found "
                           f"({error})") from None
    *path, name = patch.attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            break
    if owner is None or not _has(owner, name):
        raise PatchRefused(f"patch '{patch.name}': target {patch.target} not found in "
                           f"Rasa {installed_rasa_version()}")
    return owner, name


def _has(owner: Any, name: str) -> bool:
    try:
        inspect.getattr_static(owner, name)
    except AttributeError:
        return False
    return True


def check(patches: Iterable[Patch], version: str | None = None) -> None:
    """Refuse, naming the first patch at fault, unless every patch can be installed."""
    version = version or installed_rasa_version()
    for patch in patches:
        if patch.rasa_version != version:
            raise PatchRefused(f"patch '{patch.name}' was written for Rasa {patch.rasa_version}"
                               f", not {version}: check {patch.target} and run "
                               f"{', '.join(patch.tests)} before changing its version")
        locate(patch)


def install(patches: Iterable[Patch], version: str | None = None) -> list[str]:
    """Check every patch, then install those not installed yet; the names of all installed."""
    patches = list(_unique(patches))
    check(patches, version)
    for patch in patches:
        if patch.name not in _installed:
            _install(patch)
    return [patch.name for patch in patches]


def _unique(patches: Iterable[Patch]) -> Iterable[Patch]:
    seen: dict[str, Patch] = {}
    for patch in patches:
        if seen.setdefault(patch.name, patch) is not patch:
            raise PatchRefused(f"patch '{patch.name}' is declared twice")
        yield patch


def _install(patch: Patch) -> None:
    owner, name = locate(patch)
    stored = inspect.getattr_static(owner, name)
    replacement = patch.make(getattr(owner, name))
    if isinstance(stored, staticmethod):
        replacement = staticmethod(replacement)
    elif isinstance(stored, classmethod):
        replacement = classmethod(replacement)
    setattr(owner, name, replacement)
    _installed[patch.name] = (owner, name, stored, replacement)


def installed() -> list[str]:
    """The names of the patches installed in this process, in the order installed."""
    return [name for name, (owner, attribute, _, replacement) in _installed.items()
            if inspect.getattr_static(owner, attribute, None) is replacement]


def uninstall(names: Iterable[str]) -> None:
    """Put Rasa's originals back (for tests), newest first."""
    for name in reversed(list(names)):
        owner, attribute, original, _ = _installed.pop(name)
        setattr(owner, attribute, original)
