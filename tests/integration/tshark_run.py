"""Runs tshark with the freshly built plugin, the way a user's Wireshark would load it.

Wireshark ignores personal plugins when it runs with special privileges, and plain root
counts; so as root tshark runs as uid/gid 65534 with a temporary HOME that holds only this
build's plugin. WIRESHARK_PLUGIN_DIR points at an empty folder so that an installed copy
(from `cmake --install`) cannot load next to the one under test."""
import os
import shutil
import threading
import subprocess
import tempfile

PLUGIN = os.environ.get("DICOM_PLUGIN", "")
PCAPS = os.environ.get("SAMPLE_PCAPS", os.path.join(os.path.dirname(__file__), "..", "..", "sample-pcaps"))
_home = None


_version = None


def _ws_version():
    global _version
    if _version:
        return _version
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    ver = out.split("(Wireshark) ")[1].split()[0] if "(Wireshark) " in out else out.split()[1]
    major, minor = ver.split(".")[:2]
    _version = f"{major}.{minor}"
    return _version


def home(with_plugin=True):
    """A temporary HOME (created once per process) with the plugin in its personal folder."""
    global _home
    if _home is None:
        _home = {}
        for kind in (True, False):
            h = tempfile.mkdtemp(prefix="dicom-ul-test-")
            os.chmod(h, 0o755)
            os.makedirs(os.path.join(h, "empty-global"))
            if kind:
                if not os.path.isfile(PLUGIN):
                    raise RuntimeError("DICOM_PLUGIN does not name the built plugin: %r" % PLUGIN)
                d = os.path.join(h, ".local/lib/wireshark/plugins", _ws_version(), "epan")
                os.makedirs(d)
                shutil.copy(PLUGIN, d)
            for root, dirs, files in os.walk(h):
                for x in dirs + files:
                    os.chmod(os.path.join(root, x), 0o755)
            _home[kind] = h
    return _home[with_plugin]


def invocation(args, plugin=True, wrapper=()):
    """(command, environment, working folder) of a tshark run with or without the plugin, as
    uid/gid 65534 when we are root. `wrapper` goes in front of tshark (valgrind, say)."""
    h = home(plugin)
    env = {"HOME": h, "TZ": "UTC", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin",
           "WIRESHARK_PLUGIN_DIR": os.path.join(h, "empty-global")}
    cmd = [*wrapper, "tshark", *args]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return cmd, env, h


def stage(path):
    """A capture from anywhere, hard-linked (else copied) where the unprivileged tshark can read it."""
    dst = os.path.join(home(True), os.path.basename(path))
    if not os.path.exists(dst):
        try:
            os.link(path, dst)
        except FileExistsError:  # staged by another thread meanwhile
            return dst
        except OSError:
            tmp = dst + ".%d.tmp" % threading.get_ident()
            shutil.copy(path, tmp)
            os.replace(tmp, dst)
        os.chmod(dst, 0o644)
    return dst


def tshark(*args, plugin=True, check=True):
    cmd, env, h = invocation(args, plugin)
    # A sanitizer build of the plugin (tests/CMakeLists.txt) runs with the runtime preloaded into
    # tshark. The extcap helpers tshark starts would inherit it and hang, so none are offered.
    if os.environ.get("DICOM_TSHARK_PRELOAD"):
        env["WIRESHARK_EXTCAP_DIR"] = os.path.join(h, "empty-global")
        env["LD_PRELOAD"] = os.environ["DICOM_TSHARK_PRELOAD"]
        env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"  # tshark's own exit-time leaks are not ours
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=h, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("tshark failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr))
    return p.stdout


def pcap(name):
    """A sample capture copied where the unprivileged tshark can read it."""
    dst = os.path.join(home(True), name)
    if not os.path.exists(dst):
        shutil.copy(os.path.join(PCAPS, name), dst)
        os.chmod(dst, 0o644)
    return dst


def _normalise(cell):
    # -T fields output differs between releases (README, "Wireshark versions"): from 4.2 on
    # booleans print as True/False instead of 1/0 and backslashes in strings are escaped.
    # Tests compare in 4.0's form.
    if cell in ("True", "False"):
        return "1" if cell == "True" else "0"
    if _ws_version() != "4.0":
        return cell.replace("\\\\", "\\")
    return cell


def fields(name, display_filter, *names, plugin=True, extra=()):
    """Rows of -T fields output, each a list of strings (multiple occurrences joined by ',')."""
    args = ["-r", pcap(name), "-T", "fields", "-E", "separator=|"]
    if display_filter:
        args += ["-Y", display_filter]
    for n in names:
        args += ["-e", n]
    out = tshark(*args, *extra, plugin=plugin)
    rows = [[_normalise(c) for c in line.split("|")] for line in out.splitlines()]
    if "_ws.col.Info" in names:
        # From 4.4 on the _ws.col.Info field is filled before the postdissectors run, so it
        # misses what the plugin writes for payloads TCP kept to itself (retransmissions):
        # take the Info column as the packet list shows it instead.
        col = names.index("_ws.col.Info")
        info = info_column(name, display_filter, plugin=plugin, extra=extra)
        assert len(info) == len(rows), (len(info), len(rows))
        for r, text in zip(rows, info):
            r[col] = text
    return rows


def info_column(name, display_filter, plugin=True, extra=()):
    """The Info column of each frame that passes the filter, as the packet list shows it."""
    args = ["-r", pcap(name), "-T", "tabs", "-o", 'gui.column.format:"Info","%i"']
    if display_filter:
        args += ["-Y", display_filter]
    return tshark(*args, *extra, plugin=plugin).splitlines()


def frames(name, display_filter, plugin=True, extra=()):
    return [int(r[0]) for r in fields(name, display_filter, "frame.number", plugin=plugin, extra=extra)]
