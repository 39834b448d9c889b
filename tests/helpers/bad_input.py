"""One assertion for every bad-input test: exit code 2, one message naming what it must name, no traceback, nothing
on stdout and nothing written."""

from __future__ import annotations

from pathlib import Path

from rmbase.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(argv: list[str], capsys, *needles: str, not_written: tuple[Path, ...] = (),
                   quiet: bool = True) -> str:
    """``argv`` ends in exit code 2 with a message on stderr holding every needle; ``quiet``: nothing on stdout."""
    code, out, err = run(argv, capsys)
    assert code == 2, f"exit {code}\nstdout: {out}\nstderr: {err}"
    assert "Traceback" not in out + err
    assert err.count("error:") == 1, err
    if quiet:
        assert out == "", out
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    for p in not_written:
        assert not Path(p).exists(), f"{p} was written"
        assert not list(Path(p).parent.glob(f".{Path(p).name}.*")), f"staging files of {p} left behind"
    return err
