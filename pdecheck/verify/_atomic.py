"""Atomic file writes: a report is either absent or whole (DESIGN.md, "Bad input").

A :class:`FileSet` renders each file into a temporary file in its target's own directory (so
that the final rename never crosses a file system) and, once every file of the set has been
rendered, ``os.replace``-s them over their targets, each rename atomic on POSIX and Windows.
If any file fails to render, every temporary file is removed and no target is touched: the
files already in place stay as they were, byte for byte. A file that cannot be rendered raises
:class:`WriteError`, naming the file and the cause. The renames run back to back once
everything has rendered, after a check that none of the targets is a directory (which a rename
cannot replace): only the process dying, or the file system failing, between two of them could
leave a mix, and a failing rename says which files were already replaced.

Public (package-private) names: :class:`FileSet`, :class:`WriteError`, ``Writer``,
:func:`file_set`, :func:`write_text`, :func:`write_with`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["FileSet", "WriteError", "Writer", "file_set", "write_text", "write_with"]

#: renders one file: called with the temporary path it must create
Writer = Callable[[Path], object]


class WriteError(RuntimeError):
    """A file of a set could not be rendered; no file of the set was replaced."""

    def __init__(self, path: Path, cause: Exception, replaced: tuple[Path, ...] = ()) -> None:
        reason = " ".join(str(cause).split())  # one line: mathtext's error spans several
        done = (
            f"only {', '.join(map(str, replaced))} had been replaced"
            if replaced
            else "no file of the report was replaced"
        )
        super().__init__(f"{path} could not be written ({type(cause).__name__}: {reason}); {done}")
        self.path = path
        self.cause = cause
        self.replaced = replaced


class FileSet:
    """Files rendered to temporaries beside their targets, renamed into place together.

    :meth:`add` renders one file at once (so that a long run need not hold its figures in
    memory), :meth:`commit` renames every rendered file into place, :meth:`discard` removes
    the temporaries of whatever was not committed. Use it through :func:`file_set`.
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}  # target -> its rendered temporary file

    def add(self, path: str | os.PathLike[str], writer: Writer) -> Path:
        """Render ``path`` by calling ``writer(tmp)`` on a fresh temporary path next to it
        (``writer`` must create the file: matplotlib's ``savefig``, ``Path.write_text``);
        returns ``path``. Adding a path twice keeps the later rendering."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            writer(tmp)
            # mkstemp creates the file 0600; give it the mode a plain open() would (0666 & ~umask)
            os.chmod(tmp, 0o666 & ~_umask())
        except BaseException as error:
            tmp.unlink(missing_ok=True)
            if isinstance(error, Exception):
                raise WriteError(target, error) from error
            raise
        earlier = self._staged.pop(target, None)
        if earlier is not None:
            earlier.unlink(missing_ok=True)
        self._staged[target] = tmp
        return target

    def add_text(self, path: str | os.PathLike[str], text: str) -> Path:
        """Render ``text`` (UTF-8) as ``path``."""
        return self.add(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def commit(self) -> None:
        """Rename every rendered file over its target, in the order they were added. A target
        that a rename cannot replace (a directory in its place) is found before any rename and
        raises :class:`WriteError`; a rename failing after others (a file system error) raises
        it naming the files already replaced."""
        for target in self._staged:
            if target.is_dir():
                raise WriteError(target, IsADirectoryError(f"a directory is in the way: {target}"))
        replaced: list[Path] = []
        while self._staged:
            target, tmp = next(iter(self._staged.items()))
            try:
                os.replace(tmp, target)
            except OSError as error:
                raise WriteError(target, error, tuple(replaced)) from error
            del self._staged[target]
            replaced.append(target)

    def discard(self) -> None:
        """Remove the temporary files not yet renamed; their targets stay as they were."""
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()


@contextlib.contextmanager
def file_set() -> Iterator[FileSet]:
    """A :class:`FileSet` committed when the ``with`` block ends normally and discarded when
    it raises: every file of the set is replaced, or none is."""
    files = FileSet()
    try:
        yield files
        files.commit()
    finally:
        files.discard()


def _umask() -> int:
    """The process umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_with(path: str | os.PathLike[str], writer: Writer) -> Path:
    """Render one file atomically: ``writer(tmp)`` on a temporary path next to ``path``, then
    renamed to ``path`` (a set of one, :func:`file_set`)."""
    with file_set() as files:
        return files.add(path, writer)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with file_set() as files:
        return files.add_text(path, text)
