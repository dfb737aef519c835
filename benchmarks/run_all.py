"""Run every benchmark family, each in its own process, and write ``benchmarks/RESULTS.md``.

Usage: ``python benchmarks/run_all.py [--only NAME ...] [--tiny] [--out PATH] [--omp-active]
[--append]``. ``--append`` adds the families it runs, under their own command, date and load,
to an existing RESULTS.md (each family's ratios are measured within its own process, so a
family run this way is still internally consistent).

All ratios in RESULTS.md come from this one run. The file records the command, the machine
(CPU, cores, memory, Python and library versions, Numba's threading layer), every peer's
version, and the 1-minute load average before and after each family (the machine may be
shared). By default every family runs with ``OMP_WAIT_POLICY=PASSIVE`` (ours and the peers
alike): with GNU OpenMP's default spinning, each Numba parallel region on an oversubscribed
machine can wait a scheduler time slice for its worker (measured here: 100 Crank–Nicolson
steps on 32 cells took 11.7 s instead of 0.01 s at load 13). ``--omp-active`` keeps the default.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILIES = [
    "limits",
    "particles_ou",
    "particles_rk4_mixture",
    "heat",
    "continuity_1d",
    "continuity_2d",
    "fokker_planck",
    "compile_time",
]
PEERS = [
    "numpy",
    "scipy",
    "numba",
    "py-pde",
    "PyMPDATA",
    "FiPy",
    "torch",
    "torchsde",
    "jax",
    "diffrax",
]


def versions() -> dict[str, str]:
    out = {}
    for name in PEERS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    fp = os.environ.get("FPLANCK_PYTHON", "/tmp/fpenv/bin/python")
    try:
        got = subprocess.run(
            [
                fp,
                "-c",
                "from importlib import metadata as m; import sys, numpy;"
                "print(m.version('fplanck'), sys.version.split()[0], "
                "numpy.__version__)",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        v, py, npv = got.stdout.split()
        out["fplanck"] = f"{v} (own venv: Python {py}, numpy {npv})"
    except (OSError, ValueError, subprocess.SubprocessError):
        out["fplanck"] = f"not installed ({fp} missing)"
    return out


def machine() -> dict[str, str]:
    import numba

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory = f"{int(mem) / 2**20:.1f} GiB"
    except OSError:
        memory = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
        "numba threads": str(numba.config.NUMBA_NUM_THREADS),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(default)"),
    }


def run_family(name: str, tiny: bool, env: dict[str, str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        path = fh.name
    cmd = [sys.executable, str(HERE / f"{name}.py"), "--json", path] + (["--tiny"] if tiny else [])
    before, start = os.getloadavg()[0], time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    elapsed, after = time.perf_counter() - start, os.getloadavg()[0]
    result = {
        "name": name,
        "elapsed": elapsed,
        "load": (before, after),
        "rc": done.returncode,
        "reports": [],
        "stderr": done.stderr[-2000:],
    }
    if done.returncode == 0:
        result["reports"] = json.loads(Path(path).read_text())
    os.unlink(path)
    return result


def render_report(r: dict) -> str:
    sys.path.insert(0, str(HERE))
    from _common import Report, Target

    rep = Report(
        r["title"],
        r["columns"],
        r["rows"],
        [Target(t["name"], t["ratio"], t["needed"]) for t in r["targets"]],
        r["notes"],
        r["loads"],
    )
    return rep.markdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=FAMILIES, choices=FAMILIES)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--omp-active", action="store_true")
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if not args.omp_active:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    command = "python benchmarks/run_all.py " + shlex.join(sys.argv[1:])
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts, peer_versions = machine(), versions()
    results = []
    for name in args.only:
        print(f"running {name} ...", flush=True)
        results.append(run_family(name, args.tiny, env))
        print(f"  {results[-1]['elapsed']:.0f} s, rc {results[-1]['rc']}", flush=True)
    header = f"Made by `{command.strip()}` on {started} (git {git_head()})"
    if args.append:
        lines = [
            Path(args.out).read_text().rstrip(),
            "",
            f"# Added: {', '.join(args.only)}",
            "",
            header + ", on the machine and with the versions above.",
        ]
    else:
        lines = [
            "# Benchmark results",
            "",
            header + "; every ratio below comes from this "
            "one run. Regenerate with the same command; see README.md for the set-ups.",
            "",
            "## Machine",
            "",
        ]
        lines += [f"- {k}: {v}" for k, v in facts.items()]
        lines += ["", "## Versions measured", ""]
        lines += [f"- {k}: {v}" for k, v in peer_versions.items()]
    lines += body(results)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


def body(results: list[dict]) -> list[str]:
    """Load, targets and the tables of each family, as Markdown lines."""
    lines = [
        "",
        "## Load",
        "",
        "The machine is shared; `load` columns are the 1-minute load "
        "average at each measurement (2 cores: load 2 = fully busy). Times are the best of "
        "k repeats.",
        "",
        "| family | wall s | load before | load after | exit |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['elapsed']:.0f} | {r['load'][0]:.2f} | "
            f"{r['load'][1]:.2f} | {r['rc']} |"
        )
    lines += [
        "",
        "## Targets",
        "",
        "| family | target | measured | needed | met |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        for rep in r["reports"]:
            for t in rep["targets"]:
                lines.append(
                    f"| {r['name']} | {t['name']} | {t['ratio']:.3g} | {t['needed']:g} "
                    f"| {'yes' if t['met'] else '**no**'} |"
                )
    for r in results:
        lines += ["", f"## {r['name']}", ""]
        if r["rc"] != 0:
            lines += ["Failed:", "", "```", r["stderr"].strip(), "```"]
        lines += [render_report(rep) for rep in r["reports"]]
    return lines


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
