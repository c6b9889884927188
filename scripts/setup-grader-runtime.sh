#!/usr/bin/env bash
# Build the Python runtime that learners' code runs on inside the sandbox (bubblewrap).
#
#   bash scripts/setup-grader-runtime.sh        # idempotent: a second run takes milliseconds
#
# Result (CANDOR_GRADER_RUNTIME, default .venv-grader/ at the repository root):
#   python/         a private copy of the base interpreter (binary, libpython, standard library
#                   without its test suite) plus numpy, pandas and scikit-learn from
#                   requirements-grader.txt, all byte-compiled, plus copies of exactly the
#                   system libraries they link against (ldd's closure: libc, libstdc++, libssl,
#                   …) and the dynamic loader. The sandbox mounts this one folder read-only at
#                   /opt/python and nothing of the host's /usr: one bind mount, not thirty,
#                   keeps a run's start-up fast, and the copies are consistent with each other.
#   host-libs.txt   where each copied library came from (path, size, mtime): when the system
#                   updates one (apt upgrade), the next run of this script rebuilds.
#   loader.txt      the loader's path that binaries ask for (PT_INTERP), linked in the sandbox.
#   stamp           what it was built from; a different stamp means rebuild.
#
# Why a copy: the base interpreter may live where the sandbox's unprivileged uid cannot reach
# (pyenv under /root, mode 700), and mounting it from there would show the sandbox host paths.
# The copy is world-readable, contains no secret and nothing of the application.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RT=${CANDOR_GRADER_RUNTIME:-$ROOT/.venv-grader}
if [ -n "${GRADER_BASE_PYTHON:-}" ]; then
    PY=$GRADER_BASE_PYTHON
elif [ -x "$ROOT/.venv/bin/python" ]; then
    PY=$ROOT/.venv/bin/python
else
    PY=$(command -v python3)
fi

read -r BASE VER < <("$PY" -c 'import sys; print(sys.base_prefix, "%d.%d" % sys.version_info[:2])')
FULLVER=$("$PY" -c 'import sys; print(sys.version.split()[0])')
WANT=$( {
    echo "base=$BASE version=$FULLVER"
    cat requirements-grader.txt "$0"
} | sha256sum | cut -c1-32)

libs_unchanged() {
    # Each line: path size mtime, as copied. A system update changes one: rebuild.
    local path size mtime
    while read -r path size mtime; do
        [ "$(stat -L -c '%s %Y' "$path" 2>/dev/null)" = "$size $mtime" ] || return 1
    done < "$RT/host-libs.txt"
}

if [ -f "$RT/stamp" ] && [ "$(cat "$RT/stamp")" = "$WANT" ] && [ -x "$RT/python/bin/python$VER" ] \
    && [ -f "$RT/host-libs.txt" ] && libs_unchanged; then
    echo "grader runtime up to date: $RT"
    exit 0
fi

echo "building the grader runtime in $RT (from $BASE, Python $FULLVER) …"
NEW="$RT.building"
rm -rf "$NEW"
mkdir -p "$NEW/python/bin" "$NEW/python/lib"
trap 'rm -rf "$NEW"' EXIT

# 1. The interpreter: the real binary (not a venv launcher) and its shared library.
cp -L "$BASE/bin/python$VER" "$NEW/python/bin/python$VER"
ln -s "python$VER" "$NEW/python/bin/python3"
for lib in "$BASE"/lib/libpython"$VER"*.so*; do
    [ -e "$lib" ] && cp -a "$lib" "$NEW/python/lib/"
done

# 2. The standard library, without what a learner cannot use or should not have: the CPython
#    test suite (it includes deliberately crashing helpers), GUI toolkits, the build config, the
#    base's own site-packages (pip, whatever the operator installed) and stale byte-code.
tar -C "$BASE/lib" -cf - \
    --exclude="python$VER/test" --exclude="python$VER/idlelib" --exclude="python$VER/tkinter" \
    --exclude="python$VER/turtledemo" --exclude="python$VER/ensurepip" \
    --exclude="python$VER/config-$VER-*" --exclude="python$VER/site-packages" \
    --exclude="python$VER/lib-dynload/_test*" --exclude="python$VER/lib-dynload/_tkinter*" \
    --exclude="python$VER/lib-dynload/_ctypes_test*" --exclude="python$VER/lib-dynload/xx*" \
    --exclude="python$VER/lib-dynload/_xx*" --exclude="__pycache__" \
    "python$VER" | tar -C "$NEW/python/lib" -xf -
SITE="$NEW/python/lib/python$VER/site-packages"
mkdir -p "$SITE"

# 3. The learners' libraries, exactly as pinned (no resolver surprises: --no-deps, binary only).
"$PY" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --no-warn-conflicts --no-deps --only-binary=:all: --no-compile \
    --target "$SITE" -r requirements-grader.txt 2>&1 | grep -v "is ignored" || true
test -d "$SITE/pandas" -a -d "$SITE/sklearn" -a -d "$SITE/numpy" \
    || { echo "pip did not install the grader libraries into $SITE" >&2; exit 1; }
rm -rf "$SITE/bin"

# 4. Byte-compile everything as it will be seen inside the sandbox: the runtime is read-only
#    there, so without this every run would recompile pandas (seconds), and tracebacks would
#    show this machine's paths instead of /opt/python.
"$PY" -W ignore -m compileall -q -j 0 -x "lib2to3/tests/data" -s "$NEW/python" -p /opt/python "$NEW/python/lib/python$VER" \
    || { echo "byte-compiling the grader runtime failed" >&2; exit 1; }

# 5. The system libraries the copy links against (ldd's closure) and the loader, copied next to
#    libpython: the sandbox finds them with LD_LIBRARY_PATH=/opt/python/lib.
"$PY" - "$NEW" > "$NEW/host-libs.txt" <<'PYEOF'
import os, re, shutil, subprocess, sys
new = sys.argv[1]
lib_dir = os.path.join(new, "python", "lib")
env = dict(os.environ, LD_LIBRARY_PATH=lib_dir)
elves = []
for folder, _, files in os.walk(os.path.join(new, "python")):
    for name in files:
        path = os.path.join(folder, name)
        if (".so" in name or folder.endswith("/bin")) and not os.path.islink(path):
            with open(path, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    elves.append(path)
needed, loader = set(), ""
for path in elves:
    out = subprocess.run(["ldd", path], capture_output=True, text=True, env=env).stdout
    for line in out.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if not m or m.group(1).startswith(new):
            continue
        lib = m.group(1)
        if not lib.startswith(("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")):
            sys.exit(f"{path} needs {lib}, outside the system library folders")
        needed.add(lib)
        if "=>" not in line:
            loader = lib
    for missing in re.findall(r"(\S+) => not found", out):
        # Wheels' own libraries are found through their RPATH ($ORIGIN) when really loaded.
        if not os.path.exists(os.path.join(os.path.dirname(path), missing)):
            print(f"warning: {path} needs {missing}, which was not found", file=sys.stderr)
if not loader:
    sys.exit("no dynamic loader found in the ldd output")
for lib in sorted(needed):
    shutil.copy2(lib, os.path.join(lib_dir, os.path.basename(lib)), follow_symlinks=True)
    st = os.stat(lib)
    print(lib, st.st_size, int(st.st_mtime))
with open(os.path.join(new, "loader.txt"), "w") as fh:
    fh.write(loader + "\n")
PYEOF

chmod -R a+rX,go-w "$NEW"
echo "$WANT" > "$NEW/stamp"
trap - EXIT
# Swap in place so a running app never sees a half-built runtime for long.
if [ -e "$RT" ]; then mv "$RT" "$RT.old"; fi
mv "$NEW" "$RT"
rm -rf "$RT.old"
echo "grader runtime ready: $RT ($(du -sh "$RT" | cut -f1), $(wc -l < "$RT/host-libs.txt") system libraries copied)"
