"""Atomic publishing under load: a real nginx on 127.0.0.1 serves DIR/current while we switch 20 times.

Every file of release N starts and ends with ``release N``, so a response that
is cut short or mixes two writes shows up. A client fetches a page and its
stylesheet together, over and over; a pair that disagrees is a mixed-version
response unless a switch (the rename, bracketed by its own clock readings)
fell between the pair's first request and its second response.

Only loopback is touched; the request loop is bounded in count and in time.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from publish_support import BUILT_AT, write_site

from qingdan.publish import install, manifest

SWITCHES = 20
MAX_REQUESTS = 60_000  # a hard cap: the loop never runs away
MAX_SECONDS = 60.0
CLIENTS = 2
PAGE_PADDING = 48_000  # big enough that a file written in place would be caught half-written
CSS_PADDING = 12_000

NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; text/css css; }}
    # As documented in content/review.md: the root is the symlink, open_file_cache stays off.
    server {{
        listen 127.0.0.1:{port};
        root {root}/current;
        index index.html;
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        message = "nginx 未安装：bash scripts/dev.sh test 会用 apt-get 安装 nginx-light"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(tmp_path: Path):
    """A throwaway nginx serving tmp_path/srv/current on a free loopback port; stopped afterwards."""
    binary = nginx_binary()
    work, root = tmp_path / "nginx", tmp_path / "srv"
    work.mkdir()
    root.mkdir()
    port = free_port()
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read a 0700 pytest tmp dir
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=work, port=port, root=root))
    process = subprocess.Popen([binary, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield port, root
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx 退出：{process.stderr.read().decode(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise AssertionError("nginx 没有在 10 秒内开始监听")


def release_files(n: int) -> dict[str, str]:
    tag = f"release {n:03d}"
    return {
        "index.html": f"<!-- {tag} -->\n<h1>第 {n} 版</h1>\n<!-- {'页' * PAGE_PADDING} -->\n<!-- {tag} -->\n",
        "assets/site.css": f"/* {tag} */\nbody {{}}\n/* {'x' * CSS_PADDING} */\n/* {tag} */\n",
    }


def release_of(body: bytes, expected_len: dict[int, int]) -> int | None:
    """The release a whole body belongs to, or None when it is cut short or mixes two releases."""
    text = body.decode("utf-8", errors="replace")
    head, tail = text[:40], text[-40:]
    for n, length in expected_len.items():
        tag = f"release {n:03d}"
        if tag in head:
            return n if tag in tail and len(body) == length else None
    return None


@dataclass
class Traffic:
    """What the clients saw."""

    pairs: list[tuple[float, float, int | None, int | None]] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(port: int, stop: threading.Event, traffic: Traffic, lengths: dict[str, dict[int, int]]) -> None:
    deadline = time.monotonic() + MAX_SECONDS
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while not stop.is_set() and time.monotonic() < deadline:
        with traffic.lock:
            if traffic.requests >= MAX_REQUESTS:
                return
            traffic.requests += 2
        started = time.monotonic()
        try:
            page = _get(connection, "/", lengths["index.html"])
            css = _get(connection, "/assets/site.css", lengths["assets/site.css"])
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with traffic.lock:
                traffic.errors.append(repr(exc))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            continue
        finished = time.monotonic()
        with traffic.lock:
            traffic.pairs.append((started, finished, page, css))
    connection.close()


def _get(connection: http.client.HTTPConnection, path: str, lengths: dict[int, int]) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise ValueError(f"{path}: HTTP {response.status}")
    release = release_of(body, lengths)
    if release is None:
        raise ValueError(f"{path}: 不完整或混合的响应（{len(body)} 字节）")
    return release


def test_twenty_switches_under_load_serve_no_error_and_no_mixed_version(nginx, repo: Path, tmp_path: Path) -> None:
    port, root = nginx
    sites: list[Path] = []
    for n in range(SWITCHES + 1):
        site = write_site(tmp_path / "builds" / f"r{n:03d}", release_files(n))
        manifest.create(site, repo, previous=sites[-1] if sites else None, built_at=BUILT_AT)
        sites.append(site)
    lengths = {name: {n: len(release_files(n)[name].encode()) for n in range(SWITCHES + 1)}
               for name in ("index.html", "assets/site.css")}
    install.publish(sites[0], root)

    traffic, stop = Traffic(), threading.Event()
    clients = [threading.Thread(target=client, args=(port, stop, traffic, lengths)) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    windows: list[tuple[float, float]] = []
    try:
        time.sleep(0.1)
        for site in sites[1:]:
            windows.append(install.publish(site, root, keep=3).window)
            time.sleep(0.05)
        time.sleep(0.1)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=MAX_SECONDS)

    mixed, straddled, seen = [], 0, set()
    for started, finished, page, css in traffic.pairs:
        seen.update((page, css))
        if page == css:
            continue
        crossing = [w for w in windows if w[1] >= started and w[0] <= finished]
        if not crossing:
            mixed.append((page, css))
        else:
            straddled += 1
            # Across a switch the page may be older than its stylesheet, never newer.
            assert page is not None and css is not None and 0 < css - page <= len(crossing)
    print(f"\nnginx 负载：{traffic.requests} 次请求，{len(traffic.pairs)} 对，错误 {len(traffic.errors)}，"
          f"混合版本 {len(mixed)}，跨越切换的成对请求 {straddled}，切换 {len(windows)} 次，"
          f"见到 {len(seen)} 个版本")
    assert len(windows) == SWITCHES
    assert traffic.errors == []
    assert mixed == []
    assert len(traffic.pairs) >= 200, "负载太小，测试没有意义"
    assert len(seen) >= SWITCHES // 2, "客户端应当看到大多数版本"
    assert install.current_release(root).name.split("-")[1] == f"{SWITCHES + 1:06d}"
