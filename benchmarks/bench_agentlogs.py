#!/usr/bin/env python3
"""Benchmark: summarize a big Claude Code log; compare with a jq pipeline in the same run.

Builds a Claude Code transcript by repeating the real fixtures with fresh ids up
to --mb megabytes (default 1024), then measures, each in its own process:
  * `journal` summary throughput (MB/s) and peak memory (of the summary process
    and the workers it forks to read a big log on several cores: see run_child),
  * a `jq` pipeline counting tool calls by name (the anchor),
  * an incremental refresh after a 1% append (resuming from the state the full
    read saved, and saving its own, as `journal` does), against the full read; the
    state is copied back before each run and flushed to disk, untimed, as a saved
    state is when the next refresh comes.
  * `ccusage session` (a peer tool, installed once from the npm registry when node
    and npm are present), on the same log, with its token totals checked against ours,
  * the floor: `orjson.loads` of every line and nothing else, on as many cores as the
    summary uses (the file cut in as many parts at line starts, one process each).
Targets: >= 5x jq's throughput, >= 4x ccusage's, <= 150 MB peak, refresh <= 3% of a
full read; journal's ratio to the floor is reported.
Page cache: the log is read once, untimed, before any timed run, so both sides
read it from memory; with --repeat N the two alternate in order (journal first in
odd rounds, jq first in even ones) and the best time of each is kept (the refresh
too is run N times, best kept). The children find compiled modules in a cache, as
an installed package has them (--no-bytecode-cache: compiled at each start).
Prints figures and ratios; never fails on a timing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "agent_logs" / "claude_code"
JQ = ('select(.type=="assistant") | .message.content[]? | select(.type=="tool_use") | .name')


def build(path: Path, mb: int, start_rep: int = 0) -> int:
    """Write repetitions of the fixtures with fresh ids until ``mb`` MB; return reps written."""
    src = b"".join((FIXTURES / n).read_bytes() for n in ("spotter_short.jsonl", "spotter_tool_heavy.jsonl"))
    target = mb * 1024 * 1024
    written, rep = 0, start_rep
    with open(path, "ab") as f:
        while written < target:
            tag = b"r%d" % rep
            chunk = (src.replace(b'"msg_', b'"msg_' + tag + b"_")
                        .replace(b'"toolu_', b'"toolu_' + tag + b"_")
                        .replace(b'"uuid":"', b'"uuid":"' + tag + b"-")
                        .replace(b'"parentUuid":"', b'"parentUuid":"' + tag + b"-"))
            f.write(chunk)
            written += len(chunk)
            rep += 1
    return rep




def cpu_children() -> float:
    """CPU seconds (user + system) of every child process waited for so far: a command's work,
    which a busy machine stretches far less than its wall time."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CPU: dict[str, list[float]] = {}  # command -> CPU seconds of each run


def _tree_rss(pid: int) -> int:
    """KB resident in ``pid`` and its descendants now (Linux /proc; 0 elsewhere)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", "rb") as f:
                for ln in f:
                    if ln.startswith(b"VmRSS:"):
                        total += int(ln.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children", "rb") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_child(code: str, *args: str) -> tuple[float, float, bytes, tuple[float, float, int, float]]:
    """Run Python ``code`` in a child; return time, peak memory (MB), stdout and its parts.

    The summary may fork workers (a big log is read on several cores), so memory is
    measured two ways: the child's own ru_maxrss plus, for each worker it may run at
    once, the largest worker's (RUSAGE_CHILDREN): an upper bound, as if all peaked
    together (shared pages counted in each); and the resident memory of the child and
    its workers together, sampled every 5 ms from here (/proc, Linux). The peak
    returned is the larger of the sampled figure and the child's own ru_maxrss; the
    parts are (own ru_maxrss, largest worker's, workers, the bound).
    """
    wrapper = (
        "import resource, sys, time\n"
        f"{code}\n"
        "from journal.agentlogs import claude_parallel as cp\n"
        "from journal.parallel import cores\n"
        "sys.stderr.write('MAXRSS %d %d %d\\n' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, min(cores(), cp.MAX_PARTS) - 1))\n")
    t0 = time.perf_counter()
    c0 = cpu_children()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([sys.executable, "-c", wrapper, *args], stdout=out, stderr=err, env=CHILD_ENV)
        sampled = 0
        while p.poll() is None:
            sampled = max(sampled, _tree_rss(p.pid))
            time.sleep(0.005)
        dt = time.perf_counter() - t0
        CPU.setdefault("refresh" if len(args) > 1 and args[1] != "-" else "journal", []).append(cpu_children() - c0)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if p.returncode:
        raise SystemExit(stderr.decode(errors="replace")[-2000:])
    own, kids, workers = (int(x) for x in stderr.decode().rsplit("MAXRSS ", 1)[1].split()[:3])
    if not kids:
        workers = 0
    bound = (own + workers * kids) / 1024
    rss = max(sampled, own) / 1024
    return dt, rss, stdout, (own / 1024, kids / 1024, workers, bound)


def warm(path: Path) -> None:
    """Read the file once, untimed, so the timed runs all find it in the page cache."""
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


def jq_run(path: Path, measure_rss: bool = True) -> tuple[float, float, str]:
    """jq counting tool calls by name (then sort | uniq -c); peak RSS of jq via GNU time if present."""
    t0 = time.perf_counter()
    c0 = cpu_children()
    p = subprocess.run(["sh", "-c", f"jq -r '{JQ}' '{path}' | sort | uniq -c"], capture_output=True)
    dt = time.perf_counter() - t0
    CPU.setdefault("jq", []).append(cpu_children() - c0)
    rss = 0.0
    if measure_rss and Path("/usr/bin/time").exists():
        q = subprocess.run(["/usr/bin/time", "-f", "%M", "jq", "-r", JQ, str(path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            rss = int(q.stderr.decode().strip().splitlines()[-1]) / 1024
        except (ValueError, IndexError):
            rss = 0.0
    return dt, rss, p.stdout.decode()


SUMMARY = (  # argv: log, state directory to resume from ("-": none), state directory to save to
    "import orjson, sys\n"
    "from pathlib import Path\n"
    "from journal.agentlogs import logstate\n"
    "from journal.agentlogs.reading import summarize\n"
    "state = logstate.load(Path(sys.argv[2])) if len(sys.argv) > 2 and sys.argv[2] != '-' else None\n"
    "t = time.perf_counter()\n"
    "s, st = summarize(sys.argv[1], 'claude-code', state)\n"
    "el = time.perf_counter() - t\n"
    "if len(sys.argv) > 3:\n"
    "    from journal.fsutil import confine\n"
    "    confine(Path(sys.argv[3]).parent)  # the state lives outside any workspace here\n"
    "    logstate.save(Path(sys.argv[3]), st)\n"
    "print(orjson.dumps({'tools': {k: v.calls for k, v in s.tools.items()}, 'bytes_read': s.bytes_read,"
    " 'elapsed': el, 'calls': s.tool_calls, 'tokens': [s.tokens.input, s.tokens.output, s.tokens.cache_read,"
    " s.tokens.cache_write], 'total': s.tokens.total}).decode())\n")

FLOOR = (  # argv: log, begin, end: orjson.loads of every line of [begin, end), nothing else
    "import orjson, sys\n"
    "from journal.agentlogs.jsonl import iter_batches\n"
    "loads = orjson.loads\n"
    "n = 0\n"
    "for batch in iter_batches(sys.argv[1], int(sys.argv[2]), end=int(sys.argv[3])):\n"
    "    for line in batch:\n"
    "        if line:\n"
    "            loads(line)\n"
    "            n += 1\n"
    "print(n)\n")


def floor_run(log: Path, parts: int) -> tuple[float, int]:
    """Wall time of ``orjson.loads`` over every line, in ``parts`` processes at once, and the lines parsed."""
    size = log.stat().st_size
    cuts = [0]
    with open(log, "rb") as f:
        for k in range(1, parts):
            f.seek(size * k // parts)
            f.readline()
            cuts.append(f.tell())
    cuts.append(size)
    t0 = time.perf_counter()
    c0 = cpu_children()
    procs = [subprocess.Popen([sys.executable, "-c", FLOOR, str(log), str(a), str(b)], stdout=subprocess.PIPE,
                              env=CHILD_ENV) for a, b in zip(cuts, cuts[1:])]
    lines = sum(int(p.communicate()[0] or 0) for p in procs)
    dt = time.perf_counter() - t0
    CPU.setdefault("floor", []).append(cpu_children() - c0)
    return dt, lines


CHILD_ENV: dict[str, str] | None = None  # the children's environment (None: this one's)


def bytecode_cache(work: Path) -> str:
    """Let the children keep compiled modules (in ``work``, not the source tree), as an installed
    package has them, and compile them once, untimed; say so."""
    global CHILD_ENV
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    CHILD_ENV = env
    subprocess.run([sys.executable, "-c", "import orjson, journal.agentlogs.reading, journal.agentlogs.logstate,"
                    " journal.agentlogs.claude_tally, journal.agentlogs.claude_parallel"], check=True, env=env)
    return f"bytecode cache: {env['PYTHONPYCACHEPREFIX']} (compiled once, untimed)"


CCUSAGE_DIR = ROOT / "benchmarks" / ".corpus" / "ccusage"
CCUSAGE_VERSION = "20.0.24"  # the newest release whose linux-x64 binary package is published


def ccusage_bin() -> Path | None:
    """ccusage from the npm registry, installed once under benchmarks/.corpus (gitignored)."""
    exe = CCUSAGE_DIR / "node_modules" / ".bin" / "ccusage"
    if exe.exists():
        return exe
    if not shutil.which("npm"):
        return None
    CCUSAGE_DIR.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(CCUSAGE_DIR),
                        f"ccusage@{CCUSAGE_VERSION}"], capture_output=True, timeout=300)
    return exe if p.returncode == 0 and exe.exists() else None


def ccusage_peer(log: Path, work: Path, size_mb: float, ours: float, tokens: list[int]) -> None:
    """Time `ccusage session` (a peer tool for Claude Code usage) on the same log."""
    if not shutil.which("node"):
        print("node not found: ccusage comparison skipped")
        return
    exe = ccusage_bin()
    if exe is None:
        print("ccusage could not be installed from the npm registry: comparison skipped")
        return
    home = work / "ccusage-home"
    project = home / ".claude" / "projects" / "-bench-project"
    project.mkdir(parents=True, exist_ok=True)
    target = project / "0b1f6a52-2a7e-4d7e-9c1e-5f1b2c3d4e5f.jsonl"
    target.unlink(missing_ok=True)  # (a --dir kept from an earlier run holds the log it built then)
    os.link(log, target) if log.stat().st_dev == project.stat().st_dev else shutil.copyfile(log, target)
    env = {**os.environ, "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "NO_COLOR": "1"}
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    c0 = cpu_children()
    p = subprocess.run([*timer, str(exe), "session", "--json", "--offline"], capture_output=True, env=env,
                       timeout=3600)
    secs = time.perf_counter() - t
    CPU.setdefault("ccusage", []).append(cpu_children() - c0)
    if p.returncode:
        tail = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        print(f"ccusage session failed ({tail[0]}): comparison skipped")
        return
    peak = f"  peak {int(p.stderr.split()[-1]) / 1024:6.1f} MB" if timer else ""
    import orjson

    totals = orjson.loads(p.stdout).get("totals", {})
    theirs = [totals.get(k, 0) for k in ("inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens")]
    print(f"ccusage {CCUSAGE_VERSION} session: {secs:7.2f}s  {size_mb / secs:7.1f} MB/s{peak}  "
          f"(journal summary is {secs / ours:.2f}x as fast; target >= 4x)")
    print(f"  tokens in/out/cache read/cache write: ccusage {theirs}, journal {tokens}: "
          + ("the same" if theirs == tokens else "DIFFERENT"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=1024, help="size of the generated log in MB (default 1024)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="timed rounds of journal and jq, order alternating (default 1)")
    ap.add_argument("--dir", default=None, help="where to build the log (default: a temp dir, removed after)")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="children compile every module at each start (as under PYTHONDONTWRITEBYTECODE=1)")
    args = ap.parse_args()
    import orjson

    work = Path(args.dir or tempfile.mkdtemp(prefix="bench-agentlogs-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "big.jsonl"
    log.unlink(missing_ok=True)
    try:
        t = time.perf_counter()
        reps = build(log, args.mb)
        size_mb = log.stat().st_size / 2**20
        print(f"built {log} ({size_mb:.0f} MB, {reps} repetitions) in {time.perf_counter() - t:.1f}s")

        t = time.perf_counter()
        warm(log)
        print(f"page cache: warmed by one untimed read ({time.perf_counter() - t:.1f}s); "
              f"{args.repeat} round(s), order alternating, best of each")

        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              + ("no bytecode cache: modules compiled at each start" if args.no_bytecode_cache
                 else bytecode_cache(work)))
        st_path = work / "state"
        have_jq = shutil.which("jq") is not None
        runs: dict[str, list[Any]] = {"journal": [], "jq": []}
        for rnd in range(args.repeat):
            order = ["journal", "jq"] if rnd % 2 == 0 else ["jq", "journal"]
            for who in order:
                if who == "journal":
                    runs["journal"].append(run_child(SUMMARY, str(log), "-", str(st_path)))
                elif have_jq:
                    runs["jq"].append(jq_run(log, measure_rss=rnd == 0))
        dt, rss, out, _parts = min(runs["journal"], key=lambda r: r[0])
        worst = max(runs["journal"], key=lambda r: r[1])
        rss = worst[1]
        res = orjson.loads(out)
        ours_mbs = size_mb / dt
        print(f"journal summary : {dt:7.2f}s  {ours_mbs:7.1f} MB/s  peak {rss:6.1f} MB  "
              f"({res['calls']} tool calls; read loop {res['elapsed']:.2f}s)")
        own, kid, nw, bound = worst[3]
        print(f"  peak: summary process and workers together, sampled every 5 ms: {rss:.1f} MB; ru_maxrss: "
              f"summary process {own:.1f} MB" + (f", largest of {nw} worker(s) {kid:.1f} MB, sum {bound:.1f} MB "
                                               "(an upper bound: as if all peaked at once)" if nw else ", no workers"))

        if have_jq:
            jdt, jrss, jout = min(runs["jq"], key=lambda r: r[0])
            jrss = max(r[1] for r in runs["jq"])
            jq_counts = {ln.split(None, 1)[1]: int(ln.split()[0]) for ln in jout.strip().splitlines()}
            print(f"jq pipeline     : {jdt:7.2f}s  {size_mb / jdt:7.1f} MB/s  peak {jrss:6.1f} MB")
            print(f"  same counts as jq: {jq_counts == res['tools']}")
            print(f"  speed ratio journal/jq: {jdt / dt:.2f}x   (target >= 5x)")
        else:
            print("jq not found: anchor skipped")
        print(f"  peak memory: {rss:.1f} MB   (target <= 150 MB)")

        from journal.agentlogs import claude_parallel as cp
        from journal.parallel import cores

        parts = min(cores(), cp.MAX_PARTS)
        floors = [floor_run(log, parts) for _ in range(args.repeat)]
        fdt, flines = min(floors)
        print(f"floor (orjson.loads of each of {flines} lines, {parts} process(es) at once): {fdt:7.2f}s  "
              f"{size_mb / fdt:7.1f} MB/s  journal summary / floor: {dt / fdt:.2f}x")

        ccusage_peer(log, work, size_mb, dt, res["tokens"])

        before = log.stat().st_size
        build(log, max(1, args.mb // 100), start_rep=reps)
        added = log.stat().st_size - before
        warm(log)
        saved = work / "state-full"
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(st_path, saved)
        refreshes = []
        for _ in range(args.repeat):  # each from the state of the full read (a refresh saves over it)
            shutil.rmtree(st_path)
            shutil.copytree(saved, st_path)
            os.sync()  # the copy on disk, as a saved state is: else the refresh's fsyncs write all of it
            refreshes.append(run_child(SUMMARY, str(log), str(st_path), str(st_path)))
        idt, irss, iout, _ = min(refreshes, key=lambda r: r[0])
        ires = orjson.loads(iout)
        print(f"refresh after +{added / 2**20:.1f} MB: {idt:6.2f}s  read {ires['bytes_read'] / 2**20:.1f} MB  "
              f"peak {irss:.1f} MB  state {sum(p.stat().st_size for p in st_path.iterdir()) / 2**20:.1f} MB  "
              f"ratio to full read {idt / dt:.1%}   (target <= 3%)")
        print(f"  in the process, summarize() alone: refresh {ires['elapsed']:.3f}s, full read {res['elapsed']:.2f}s: "
              f"{ires['elapsed'] / res['elapsed']:.1%} (the rest is start-up, imports and the state's load and save)")
        cpu = {k: min(v) for k, v in CPU.items()}
        if "journal" in cpu:
            j = cpu["journal"]
            print("CPU seconds (user + system, the command and its children; least of the runs): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
            print("  CPU ratios: " + ", ".join(f"{k}/journal {cpu[k] / j:.2f}x" for k in ("jq", "ccusage", "floor")
                                                if k in cpu)
                  + (f", refresh/journal {cpu['refresh'] / j:.1%}" if "refresh" in cpu else ""))

    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
