# Sourced by scripts/demo and scripts/test: make sure .venv exists and holds the project.
# Reinstalls only when pyproject.toml changed since the last install.
# Usage: bootstrap_venv [extra]   (extra: "test" adds the test dependencies)

bootstrap_venv() {
  local extra="${1:-}" python="${PYTHON:-python3}" spec="." stamp=".venv/.registrar-installed"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "registrar needs Python 3.11 or newer as '$python' (set PYTHON=... to choose one)." >&2
    exit 1
  fi
  [ -n "$extra" ] && spec=".[${extra}]"
  local want
  want="$(cat pyproject.toml; echo "$spec")"
  want="$(printf '%s' "$want" | "$python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv ..."
    "$python" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || ! grep -qx "$want" "$stamp"; then
    echo "Installing registrar and its dependencies into .venv ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$want" > "$stamp"
  fi
}
