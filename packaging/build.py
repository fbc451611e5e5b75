"""Build the packages of Hotspot Manager (docs/packaging.md).

    .venv/bin/python packaging/build.py            # Linux: bundle, .deb and .tar.gz in dist/
    .venv/bin/python packaging/build.py prepare    # icons and version resource (any system)
    .venv/bin/python packaging/build.py bundle     # PyInstaller: dist/hotspot-manager/
    .venv/bin/python packaging/build.py deb        # dist/hotspot-manager_VERSION-1_ARCH.deb
    .venv/bin/python packaging/build.py tarball    # dist/hotspot-manager-VERSION-linux-ARCH.tar.gz

`make package` runs the first (after installing the pinned PyInstaller). Run as root on
Debian, it installs the few Debian packages the build needs when they are missing, as
`make test` does for the tests; otherwise it names them and stops.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
BUILD = ROOT / "build" / "packaging"
WORK = ROOT / "build" / "pyinstaller"
DIST = ROOT / "dist"
NAME = "hotspot-manager"
APP_ID = "io.github.hotspot_manager.HotspotManager"
PREFIX = f"/usr/lib/{NAME}"
MAINTAINER = os.environ.get(
    "HOTSPOT_MAINTAINER", "Hotspot Manager developers <packaging@hotspot-manager.invalid>"
)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

#: Debian packages the Linux build needs: tools, and the libraries of Qt's X11 plugin that
#: PyInstaller must find to bundle (and dpkg-shlibdeps to turn into Depends).
BUILD_DEBS = {
    "dpkg-shlibdeps": "dpkg-dev",
    "strip": "binutils",
    "objdump": "binutils",
    "ldd": "libc-bin",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

#: Always in Depends: setcap for the postinst, adduser for the service's user.
EXTRA_DEPENDS = ("libcap2-bin", "adduser")


def log(msg: str) -> None:
    print(f"build.py: {msg}", flush=True)


def version() -> str:
    text = (ROOT / "hotspot_manager" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M).group(1)


def deb_version(v: str) -> str:
    """0.2.0rc1 -> 0.2.0~rc1-1 (a pre-release sorts before the release, as in PEP 440)."""
    return re.sub(r"(\d)\.?(a|b|rc|dev)(\d*)", r"\1~\2\3", v) + "-1"


def arch() -> tuple[str, str]:
    """(Debian architecture, uname machine)."""
    machine = platform.machine()
    deb = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}.get(machine, machine)
    return deb, machine


def source_date_epoch() -> int:
    """Timestamps inside the packages: the last commit's, for reproducible archives."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return int(time.time())


# ----------------------------------------------------------------------------- prepare
def cmd_prepare(args) -> None:
    """Icons rendered from resources/icons/hotspot-manager.svg, and the Windows version
    resource; both go to build/packaging/ (the spec and the installers read them)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["build"])
    out = BUILD / "icons"
    out.mkdir(parents=True, exist_ok=True)
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "hotspot-manager.svg"))
    if not renderer.isValid():
        raise SystemExit("build.py: cannot read resources/icons/hotspot-manager.svg")
    images = {}
    for size in ICON_SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p)
        p.end()
        img.save(str(out / f"{NAME}-{size}.png"))
        images[size] = img
    for fmt, size in (("ico", 256), ("icns", 512)):
        if fmt.encode() in [bytes(f) for f in QImageWriter.supportedImageFormats()]:
            writer = QImageWriter(str(out / f"{NAME}.{fmt}"), fmt.encode())
            if not writer.write(images[size]):
                log(f"could not write the .{fmt} icon: {writer.errorString()}")
    _windows_version_file(BUILD / "windows-version.txt")
    # the version for Inno Setup (packaging/windows/hotspot-manager.iss includes it)
    (BUILD / "version.iss").write_text(f'#define AppVersion "{version()}"\n', encoding="utf-8")
    log(f"icons in {out.relative_to(ROOT)}")


def _windows_version_file(path: Path) -> None:
    nums = [int(n) for n in re.findall(r"\d+", version())[:3]]
    nums += [0] * (4 - len(nums))
    t = tuple(nums)
    v = version()
    path.write_text(
        f"""# UTF-8 -- Windows version resource, written by packaging/build.py
VSVersionInfo(
  ffi=FixedFileInfo(filevers={t}, prodvers={t}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Hotspot Manager developers'),
      StringStruct('FileDescription', 'Hotspot Manager'),
      StringStruct('FileVersion', '{v}'),
      StringStruct('InternalName', '{NAME}'),
      StringStruct('LegalCopyright', 'GPL-3.0-or-later'),
      StringStruct('ProductName', 'Hotspot Manager'),
      StringStruct('ProductVersion', '{v}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
""",
        encoding="utf-8",
    )


# ----------------------------------------------------------------------------- bundle
def cmd_bundle(args) -> None:
    """PyInstaller with packaging/hotspot-manager.spec: dist/hotspot-manager/."""
    if sys.platform.startswith("linux"):
        check_build_deps(install=args.install_deps)
    if not (BUILD / "icons").is_dir():
        cmd_prepare(args)
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(PKG / f"{NAME}.spec"),
    ]
    log(" ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT)
    bundle = DIST / NAME
    if sys.platform.startswith("linux"):
        for exe in (NAME, f"{NAME}-agent"):
            out = subprocess.run(
                [str(bundle / exe), "--version"], capture_output=True, text=True, check=True
            ).stdout.strip()
            if out != f"{NAME} {version()}":
                raise SystemExit(f"build.py: {exe} --version said {out!r}")
        log(f"bundle {bundle.relative_to(ROOT)}: {du(bundle) / 1e6:.1f} MB")


def du(path: Path) -> int:
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() or f.is_symlink())


def check_build_deps(install: bool) -> None:
    """The Debian packages of BUILD_DEBS that are missing: installed when root and allowed,
    else named with the command that installs them."""
    have_libs = _ldconfig_names()

    def present(item: str) -> bool:
        return item in have_libs if ".so." in item else shutil.which(item) is not None

    missing = sorted({pkg for item, pkg in BUILD_DEBS.items() if not present(item)})
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing the Debian packages the build needs: " + " ".join(missing))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(cmd, check=True, env=env)
        return
    raise SystemExit(
        "build.py: the build needs these Debian packages: "
        + " ".join(missing)
        + "\n  sudo "
        + " ".join(cmd)
    )


def _ldconfig_names() -> set[str]:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


# ----------------------------------------------------------------------------- deb
def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _system_lib_dirs() -> list[str]:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    return sorted({os.path.dirname(line.split(" => ")[-1]) for line in out.splitlines()[1:]})


def shlib_depends(bundle: Path) -> str:
    """Depends for every system library the bundle's own binaries link.

    Copies of system libraries that PyInstaller put into the bundle are not analysed:
    their packages are asked for instead (dpkg-shlibdeps finds them in the system), so
    that the capability-holding agent, for which the loader ignores LD_LIBRARY_PATH,
    finds every library it links in the system.
    """
    sys_names = {os.path.basename(p) for d in _system_lib_dirs() for p in _glob_so(d)}
    internal = bundle / "_internal"
    elves, private_dirs = [], set()
    for f in sorted(bundle.rglob("*")):
        if f.is_symlink() or not f.is_file() or not _is_elf(f):
            continue
        if f.parent == internal and f.name in sys_names:
            continue  # a bundled copy of a system library
        elves.append(f)
        if ".so" in f.name:
            private_dirs.add(f.parent)
    # dpkg-shlibdeps runs in a source tree (debian/control) and resolves $ORIGIN only for
    # binaries inside a package tree (root/DEBIAN), which the caller has made for `bundle`.
    work = BUILD / "shlibdeps"
    shutil.rmtree(work, ignore_errors=True)
    (work / "debian").mkdir(parents=True)
    (work / "debian" / "control").write_text(
        f"Source: {NAME}\n\nPackage: {NAME}\nArchitecture: any\n", encoding="utf-8"
    )
    # the bundle's own libraries at the top of _internal (Python, PySide6, OpenBLAS...)
    own = work / "private"
    own.mkdir()
    for f in internal.iterdir():
        if ".so" in f.name and f.name not in sys_names and f.is_file():
            (own / f.name).symlink_to(f)
    private_dirs.discard(internal)
    cmd = ["dpkg-shlibdeps", "-O", "--ignore-missing-info", f"-l{own}"]
    cmd += [f"-l{d}" for d in sorted(private_dirs)]
    cmd += [f"-e{f}" for f in elves]
    out = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"build.py: dpkg-shlibdeps failed:\n{out.stderr}")
    for line in out.stderr.splitlines():
        if "warning" in line and not re.search(
            r"useless dependency|unresolvable reference|similar warnings", line
        ):
            log(line)
    m = re.search(r"^shlibs:Depends=(.*)$", out.stdout, re.M)
    deps = [d.strip() for d in (m.group(1) if m else "").split(",") if d.strip()]
    deps += [d for d in EXTRA_DEPENDS if d not in deps]
    return ", ".join(deps)


def _glob_so(d: str):
    try:
        return [os.path.join(d, n) for n in os.listdir(d) if ".so" in n]
    except OSError:
        return []


def _render(template: Path, **values: str) -> str:
    text = template.read_text(encoding="utf-8")
    for k, v in values.items():
        text = text.replace(f"@{k}@", v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise SystemExit(f"build.py: {template.name}: no value for {', '.join(left)}")
    return text


def _install_file(src: Path | bytes, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(src, bytes):
        dest.write_bytes(src)
    else:
        shutil.copyfile(src, dest)
    dest.chmod(mode)


def _normalise_modes(root: Path, executables: set[Path]) -> None:
    for f in root.rglob("*"):
        if f.is_symlink():
            continue
        if f.is_dir():
            f.chmod(0o755)
        else:
            f.chmod(0o755 if f in executables else 0o644)


def common_files(stage: Path, doc_dir: Path, epoch: int) -> None:
    """Desktop file, icons and AppStream metadata below stage/ (a usr/ tree)."""
    deb = PKG / "deb"
    _install_file(deb / f"{NAME}.desktop", stage / "share" / "applications" / f"{NAME}.desktop")
    _install_file(
        ROOT / "resources" / "icons" / f"{NAME}.svg",
        stage / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{NAME}.svg",
    )
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        _install_file(
            BUILD / "icons" / f"{NAME}-{size}.png",
            stage / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png",
        )
    date = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
    metainfo = _render(
        deb / "metainfo.xml.in",
        APP_ID=APP_ID,
        DEVELOPER_ID=APP_ID.rsplit(".", 1)[0],
        VERSION=version(),
        DATE=date,
    )
    _install_file(metainfo.encode(), stage / "share" / "metainfo" / f"{APP_ID}.metainfo.xml")
    _install_file(bundled_components().encode(), doc_dir / "bundled-components.txt")


def bundled_components() -> str:
    """Name, version and licence of every Python distribution in the bundle."""
    from importlib import metadata

    toc = WORK / NAME / "PYZ-00.toc"
    modules = set(re.findall(r"\('([A-Za-z0-9_.]+)',", toc.read_text())) if toc.exists() else set()
    tops_in_bundle = {m.split(".")[0] for m in modules}
    internal = DIST / NAME / "_internal"
    tops_in_bundle |= (
        {p.name.split(".")[0] for p in internal.iterdir()} if internal.exists() else set()
    )
    rows = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name is None or name.lower() in {NAME, "pyinstaller", "pyinstaller-hooks-contrib"}:
            continue
        tops = (dist.read_text("top_level.txt") or "").split()
        if not tops:
            tops = sorted(
                {
                    str(f).split("/")[0].removesuffix(".py")
                    for f in (dist.files or [])
                    if not str(f).startswith((".", "..")) and "dist-info" not in str(f)
                }
            )
        if not any(t in tops_in_bundle for t in tops):
            continue
        lic = dist.metadata.get("License-Expression") or ""
        if not lic:
            classifiers = [
                c.split(" :: ")[-1]
                for c in dist.metadata.get_all("Classifier") or []
                if c.startswith("License ::")
            ]
            lic = "; ".join(classifiers) or (dist.metadata.get("License") or "").split("\n")[0]
        rows.append((name, dist.version, lic.strip() or "see the project"))
    rows.sort(key=lambda r: r[0].lower())
    width = max(len(r[0]) for r in rows)
    lines = [
        "Python distributions bundled in Hotspot Manager, with their licences.",
        f"Python {platform.python_version()} (PSF-2.0) and Qt (LGPL-3.0, through PySide6) are",
        "bundled as shared libraries that can be replaced.",
        "",
    ]
    lines += [f"{n.ljust(width)}  {v:<12} {lic}" for n, v, lic in rows]
    return "\n".join(lines) + "\n"


def cmd_deb(args) -> None:
    bundle = DIST / NAME
    if not (bundle / NAME).exists():
        raise SystemExit("build.py: no bundle in dist/; run `build.py bundle` first")
    deb_arch, _ = arch()
    epoch = source_date_epoch()
    root = BUILD / "deb-root"
    shutil.rmtree(root, ignore_errors=True)
    lib = root / PREFIX.lstrip("/")
    shutil.copytree(bundle, lib, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    for exe in (NAME, f"{NAME}-agent"):
        (root / "usr" / "bin" / exe).symlink_to(f"../lib/{NAME}/{exe}")
    doc = root / "usr" / "share" / "doc" / NAME
    common_files(root / "usr", doc, epoch)
    deb = PKG / "deb"
    _install_file(
        deb / f"{NAME}-agent.service", root / "lib/systemd/system" / f"{NAME}-agent.service"
    )
    _install_file(deb / "default", root / "etc" / "default" / f"{NAME}-agent")
    _install_file(deb / "README.Debian", doc / "README.Debian")
    _install_file(ROOT / "README.md", doc / "README.md")
    _install_file(_copyright().encode(), doc / "copyright")
    _install_file(_changelog(epoch), doc / "changelog.Debian.gz")
    _normalise_modes(root, {lib / NAME, lib / f"{NAME}-agent"})

    control = root / "DEBIAN"
    control.mkdir()
    depends = shlib_depends(lib)
    installed_kb = (du(root) + 1023) // 1024
    (control / "control").write_text(
        _render(
            deb / "control.in",
            DEB_VERSION=deb_version(version()),
            ARCH=deb_arch,
            MAINTAINER=MAINTAINER,
            INSTALLED_SIZE=str(installed_kb),
            DEPENDS=depends,
        ),
        encoding="utf-8",
    )
    (control / "conffiles").write_text(f"/etc/default/{NAME}-agent\n", encoding="utf-8")
    for script in ("postinst", "prerm", "postrm"):
        _install_file(deb / script, control / script, 0o755)
    sums = []
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if f.is_file() and not f.is_symlink() and rel.parts[0] not in ("DEBIAN", "etc"):
            sums.append(f"{hashlib.md5(f.read_bytes()).hexdigest()}  {rel}")
    (control / "md5sums").write_text("\n".join(sums) + "\n", encoding="utf-8")
    control.chmod(0o755)
    for f in control.iterdir():
        if f.name not in ("postinst", "prerm", "postrm"):
            f.chmod(0o644)

    DIST.mkdir(exist_ok=True)
    out = DIST / f"{NAME}_{deb_version(version())}_{deb_arch}.deb"
    for old in DIST.glob(f"{NAME}_*.deb"):
        old.unlink()
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    subprocess.run(
        [
            "dpkg-deb",
            "--root-owner-group",
            f"-Z{args.deb_compression}",
            "--build",
            str(root),
            str(out),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    log(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1e6:.1f} MB; Depends: {depends}")


def _copyright() -> str:
    return f"""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: {NAME}
Comment: A self-contained bundle made with PyInstaller. Python, Qt (PySide6) and the
 Python libraries it uses are bundled under their own licences, listed in
 /usr/share/doc/{NAME}/bundled-components.txt.

Files: *
Copyright: Hotspot Manager developers
License: GPL-3+
 This program is free software: you can redistribute it and/or modify it under the
 terms of the GNU General Public License as published by the Free Software Foundation,
 either version 3 of the License, or (at your option) any later version.
 .
 On Debian systems, the complete text of the GNU General Public License version 3
 can be found in "/usr/share/common-licenses/GPL-3".
"""


def _changelog(epoch: int) -> bytes:
    when = datetime.fromtimestamp(epoch, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    text = (
        f"{NAME} ({deb_version(version())}) unstable; urgency=medium\n\n"
        f"  * Built from the project's sources with packaging/build.py.\n\n"
        f" -- {MAINTAINER}  {when}\n"
    )
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=epoch, compresslevel=9) as gz:
        gz.write(text.encode())
    return buf.getvalue()


# ----------------------------------------------------------------------------- tarball
PORTABLE_README = """Hotspot Manager {version}, portable build for Linux ({machine})
=================================================

Unpack anywhere and run:

    ./hotspot-manager              the window
    ./hotspot-manager demo         the window on a replayed capture (no hotspot needed)
    ./hotspot-manager --help       every command (usage, import, report, bills...)

It needs glibc {glibc} or newer (built on {os_name}) and, for the window, the usual X11 or
Wayland libraries of a desktop. share/ holds a desktop file and icons.

Capturing
---------
Counting live traffic needs the right to capture (CAP_NET_RAW), which a tar archive
cannot carry. Give it to the agent, and only to the agent, once, as root, after
installing the folder where only root can write (anyone who can write to the folder
could change what the agent runs):

    sudo mkdir -p /opt/hotspot-manager
    sudo tar -C /opt/hotspot-manager --strip-components=1 -xzf {tarball}
    sudo setcap cap_net_raw+ep /opt/hotspot-manager/hotspot-manager-agent

Without that, run the agent with the capability for one run:

    sudo setpriv --reuid=$(id -u) --regid=$(id -g) --init-groups \\
        --inh-caps=+net_raw --ambient-caps=+net_raw ./hotspot-manager-agent --interface wlan0

On Debian and Ubuntu prefer the .deb: it does all this, and adds a systemd service.
"""


def cmd_tarball(args) -> None:
    bundle = DIST / NAME
    if not (bundle / NAME).exists():
        raise SystemExit("build.py: no bundle in dist/; run `build.py bundle` first")
    _, machine = arch()
    epoch = source_date_epoch()
    top = f"{NAME}-{version()}-linux-{machine}"
    out = DIST / f"{top}.tar.gz"
    stage = BUILD / "tar-extra"
    shutil.rmtree(stage, ignore_errors=True)
    common_files(stage, stage / "doc", epoch)
    glibc = platform.libc_ver()[1] or "?"
    os_name = _os_name()
    (stage / "README-linux.txt").write_text(
        PORTABLE_README.format(
            version=version(), machine=machine, glibc=glibc, os_name=os_name, tarball=out.name
        ),
        encoding="utf-8",
    )

    def add(tar: tarfile.TarFile, path: Path, arcname: str) -> None:
        info = tar.gettarinfo(str(path), arcname)
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = epoch
        if info.isfile():
            info.mode = (
                0o755
                if os.access(path, os.X_OK) and _is_elf(path) and path.parent == bundle
                else 0o644
            )
            with open(path, "rb") as f:
                tar.addfile(info, f)
        else:
            if info.isdir():
                info.mode = 0o755
            tar.addfile(info)

    entries = [(p, f"{top}/{p.relative_to(bundle)}") for p in [bundle, *bundle.rglob("*")]]
    entries += [(p, f"{top}/{p.relative_to(stage)}") for p in stage.rglob("*")]
    entries.sort(key=lambda e: e[1])
    raw = out.with_suffix("")  # .tar
    with tarfile.open(raw, "w", format=tarfile.PAX_FORMAT) as tar:
        for path, arc in entries:
            add(tar, path, arc.rstrip("/").removesuffix("/."))
    with open(raw, "rb") as src, open(out, "wb") as dst:
        with gzip.GzipFile(filename="", fileobj=dst, mode="wb", mtime=epoch, compresslevel=9) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
    raw.unlink()
    log(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1e6:.1f} MB")


def _os_name() -> str:
    try:
        text = Path("/etc/os-release").read_text()
        return re.search(r'^PRETTY_NAME="?([^"\n]+)', text, re.M).group(1)
    except (OSError, AttributeError):
        return platform.platform()


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    linux = sys.platform.startswith("linux")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "steps",
        nargs="*",
        metavar="STEP",
        help="prepare, bundle, deb, tarball (default: all on Linux; prepare and bundle elsewhere)",
    )
    ap.add_argument(
        "--no-install-deps",
        dest="install_deps",
        action="store_false",
        help="never install missing Debian build packages, even as root",
    )
    ap.add_argument(
        "--deb-compression",
        default="xz",
        choices=("xz", "gzip", "zstd"),
        help="dpkg-deb compression (default: xz)",
    )
    ap.add_argument("--json", action="store_true", help="print sizes and times as JSON at the end")
    args = ap.parse_args(argv)
    funcs = {"prepare": cmd_prepare, "bundle": cmd_bundle, "deb": cmd_deb, "tarball": cmd_tarball}
    steps = args.steps or (list(funcs) if linux else ["prepare", "bundle"])
    unknown = [s for s in steps if s not in funcs]
    if unknown:
        ap.error(f"unknown step(s): {', '.join(unknown)}")
    times = {}
    for step in steps:
        t0 = time.monotonic()
        funcs[step](args)
        times[step] = round(time.monotonic() - t0, 1)
        log(f"{step}: {times[step]} s")
    if args.json:
        report = {"version": version(), "seconds": times}
        bundle = DIST / NAME
        if bundle.exists():
            report["bundle_bytes"] = du(bundle)
        for f in sorted(DIST.glob(f"{NAME}*")):
            if f.is_file():
                report[f.name] = f.stat().st_size
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
