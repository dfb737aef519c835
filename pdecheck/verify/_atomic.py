"""Atomic file writes: a report is either absent or whole (DESIGN.md, "Bad input").

Each writer puts its bytes into a temporary file in the target's own directory (so that the
final rename never crosses a file system) and then ``os.replace``-s it over the target, which
is atomic on POSIX and Windows. On any error the temporary file is removed.

Public (package-private) names: :func:`write_text`, :func:`write_with`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_text", "write_with"]


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` on a fresh temporary path next to ``path``, then rename it to
    ``path``. ``writer`` must create the file (matplotlib's ``savefig``, ``Path.write_text``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        # mkstemp creates the file 0600; give it the mode a plain open() would (0666 & ~umask)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
