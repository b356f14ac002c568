"""The Wireshark window with the plugin, under Xvfb: the Diagnosis window, the conversation
filters, the profile's columns, a live capture; the DICOM statistics dialogs fill right
when they open, after Apply (pressed again and again, with and without a display filter),
after a reload, and with a second copy of the same dialog open. The rows are read the way a
user takes them out of the window: the dialog's Copy button, then the clipboard.

Runs on the host's Wireshark (4.0 in CI: tools/install-deps.sh installs wireshark-qt, Xvfb,
xdotool and xclip). The Debian roots of 4.4 and 4.6 have no GUI (DICOM_NO_GUI), and under the
sanitizers the GUI is not what is tested (DICOM_TSHARK_PRELOAD): skipped there."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tshark_run  # noqa: E402
from tshark_run import pcap, tshark  # noqa: E402

PROFILE = os.path.join(os.path.dirname(__file__), "..", "..", "profile", "DICOM")

# Where the buttons of a statistics dialog are, relative to its window at the size it opens
# with in a fresh profile (587x459 on 4.0); the dialog is set to that size first.
DIALOG_SIZE = (587, 459)
APPLY = (536, 404)
COPY = (352, 435)
FILTER = (300, 410)
LABEL = (40, 410)  # "Display filter:"


def skip_reason():
    if os.environ.get("DICOM_NO_GUI"):
        return "no GUI in this root (DICOM_NO_GUI)"
    if os.environ.get("DICOM_TSHARK_PRELOAD"):
        return "the sanitizer run tests the plugin in tshark, not the GUI"
    return None


class Gui:
    """Xvfb on a private display and Wireshark on a capture, run as tshark_run runs tshark
    (uid 65534, a HOME with only this plugin)."""

    def __init__(self, capture, *ws_args, profile=False, launch=None):
        for tool in ("wireshark", "Xvfb", "xdotool", "xclip"):
            if not shutil.which(tool):
                raise RuntimeError("%s is missing: tools/install-deps.sh installs it" % tool)
        # Wireshark writes its profile: a HOME of its own, writable by the unprivileged user
        self.home = tempfile.mkdtemp(prefix="dicom-ul-gui-")
        plugins = os.path.join(self.home, ".local/lib/wireshark/plugins", tshark_run._ws_version(), "epan")
        os.makedirs(plugins)
        os.makedirs(os.path.join(self.home, "empty-global"))
        shutil.copy(tshark_run.PLUGIN, plugins)
        if profile:  # the DICOM profile, as the README installs it; wireshark -C DICOM
            self.profile = os.path.join(self.home, ".config/wireshark/profiles/DICOM")
            shutil.copytree(PROFILE, self.profile)
        self.capture = shutil.copy(capture, self.home) if capture else None
        subprocess.run(["chmod", "-R", "a+rwX", self.home], check=True)
        self.display = ":%d" % (50 + os.getpid() % 40)
        self.xvfb = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        self.env = {"HOME": self.home, "TZ": "UTC", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "DISPLAY": self.display,
                    "WIRESHARK_PLUGIN_DIR": os.path.join(self.home, "empty-global")}
        cmd = ["wireshark", *(["-r", self.capture] if self.capture else []), *ws_args]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        self.launched = launch is not None
        if launch:  # Wireshark started by someone else (a live capture in a network namespace)
            self.ws = launch(cmd, self.env)
        else:
            self.ws = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self):
        if self.launched:  # the launcher's whole process group (a capture's tcpdump and peers too)
            try:
                os.killpg(self.ws.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in (self.ws, self.xvfb):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, *args, timeout=60):
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout).stdout

    def windows(self, name):
        """The visible windows whose title contains `name`, waiting (up to a minute) for one."""
        deadline = time.time() + 60
        while time.time() < deadline:
            ids = self.run("xdotool", "search", "--onlyvisible", "--name", name).split()
            if ids:
                return ids
            time.sleep(0.5)
        raise AssertionError("no window named %r" % name)

    def click(self, win, at):
        self.run("xdotool", "mousemove", "--window", win, str(at[0]), str(at[1]))
        time.sleep(0.4)
        self.run("xdotool", "click", "1")

    def settle(self, seconds=2.5):
        time.sleep(seconds)

    def dialog(self, name, index=0):
        win = self.windows(name)[index]
        self.run("xdotool", "windowsize", win, str(DIALOG_SIZE[0]), str(DIALOG_SIZE[1]))
        self.settle(1)
        return win

    def apply(self, win, display_filter=None):
        if display_filter is not None:
            self.click(win, FILTER)
            self.run("xdotool", "key", "ctrl+a", "BackSpace")
            if display_filter:
                self.run("xdotool", "type", "--delay", "20", display_filter)
                self.click(win, LABEL)  # closes the filter's completion list
        self.click(win, APPLY)
        self.settle()

    def clipboard(self, fill):
        """What `fill` (a function that clicks or types) puts on the clipboard."""
        subprocess.run(["xclip", "-selection", "clipboard", "-i", "/dev/null"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        fill()
        self.settle(1)
        return self.run("xclip", "-selection", "clipboard", "-o")

    def answer(self, title, text):
        """Types `text` into the one field of the small dialog titled `title`, then Return."""
        win = self.windows(title)[0]
        geometry = dict(line.split("=") for line in self.run("xdotool", "getwindowgeometry", "--shell", win).split())
        self.click(win, (int(int(geometry["WIDTH"]) * 0.7), 22))
        self.run("xdotool", "type", "--delay", "20", text)
        self.run("xdotool", "key", "Return")
        self.settle()

    def display_filter(self):
        """The text of the main window's display filter bar."""
        def copy_filter():
            self.run("xdotool", "mousemove", *map(str, DISPLAY_FILTER), "click", "1")
            self.settle(0.5)
            self.run("xdotool", "key", "ctrl+a", "ctrl+c")
        return self.clipboard(copy_filter).strip()

    def selected_details(self):
        """The main window's details pane of the selected frame, as Copy > All Visible Items gives it."""
        def copy_details():
            self.run("xdotool", "mousemove", *map(str, TOOLBAR_GAP), "click", "1")
            self.settle(0.5)
            self.run("xdotool", "key", "ctrl+alt+shift+a")
        return self.clipboard(copy_details)

    def main_window(self, name, seconds=4):
        """The main window (titled with `name`), moved to the corner at MAIN_SIZE, where the menu
        positions below hold."""
        main = self.windows(name)[0]
        self.run("xdotool", "windowmove", main, "0", "0", "windowsize", main, *map(str, MAIN_SIZE))
        self.settle(seconds)
        return main

    def statistics(self, item):
        """Statistics > the entry at `item` in the open menu."""
        self.run("xdotool", "mousemove", *map(str, STATISTICS_MENU), "click", "1")
        self.settle(1)
        self.run("xdotool", "mousemove", *map(str, item), "click", "1")

    def diagnosis_window(self, item=None, title="DICOM Diagnosis"):
        """Statistics > DICOM Diagnosis (or the report window at `item`, titled `title`), placed
        where its buttons are expected."""
        self.statistics(item or DIAGNOSIS_ITEM)
        win = self.windows(title)[0]
        self.run("xdotool", "windowmove", win, *map(str, DIAGNOSIS_AT), "windowsize", win, *map(str, DIAGNOSIS_SIZE))
        self.settle()
        return win

    def rows(self, win):
        """The dialog's rows as Copy puts them on the clipboard: each row's cells."""
        # empty the clipboard first (xclip stays to serve it: nothing to wait for)
        subprocess.run(["xclip", "-selection", "clipboard", "-i", "/dev/null"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        self.click(win, COPY)
        self.settle(1)
        text = self.run("xclip", "-selection", "clipboard", "-o")
        lines = text.splitlines()
        rule = next(i for i, line in enumerate(lines) if line.startswith("-----"))
        rows = []
        for line in lines[rule + 1:]:
            if line.startswith(("-----", "=====")):
                break
            if line.strip():
                rows.append(line.split())
        return rows


# Statistics > DICOM Diagnosis, a funnel text window: where the test puts it, and its buttons
# relative to it (right-aligned, so fixed at this size).
MAIN_SIZE = (1400, 900)
STATISTICS_MENU = (332, 10)
ASSOCIATIONS_ITEM = (400, 261)
DIAGNOSIS_ITEM = (400, 286)  # between DICOM Associations and DICOM Nodes
VALIDATION_ITEM = (400, 335)  # after DICOM Nodes
# its "Go to violation..." is wider than "Go to finding...": the buttons left of Filter move
VALIDATION_REFRESH, VALIDATION_GO_TO = (449, 576), (563, 576)
DIAGNOSIS_AT, DIAGNOSIS_SIZE = (200, 150), (1000, 600)
REFRESH, GO_TO, FILTER_BY, COPY_TEXT, SAVE_AS = (460, 576), (568, 576), (677, 576), (763, 576), (855, 576)
DISPLAY_FILTER = (300, 75)  # the main window's display filter bar
# query-retrieve.pcap's frame 10 (association 1's C-FIND-RQ) in the packet list, its context
# menu's Conversation Filter, and that submenu's two DICOM entries
FRAME_10 = (300, 270)
CONVERSATION_FILTER = (389, 486)
DICOM_ASSOCIATION, DICOM_ASSOCIATION_WITH_TCP = (732, 786), (796, 811)
TOOLBAR_GAP = (1000, 40)  # an empty part of the main toolbar: focus without changing the selection


class Dialogs(unittest.TestCase):
    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)

    def session(self, capture, *args):
        g = Gui(pcap(capture), *args)
        self.addCleanup(g.close)
        g.windows(os.path.basename(capture))
        g.settle(4)
        return g

    def test_associations_fill_once_however_often_apply_is_pressed(self):
        # query-retrieve.pcap: several associations; tshark's own report is the reference
        expected = [line.split(",")[0] for line in
                    tshark("-r", pcap("query-retrieve.pcap"), "-q", "-z", "dicom_ul,assoc,csv").splitlines()[1:]
                    if line[:1].isdigit()]
        self.assertGreater(len(expected), 1)
        g = self.session("query-retrieve.pcap", "-z", "dicom_ul,assoc_table")
        win = g.dialog("DICOM Associations")
        first = g.rows(win)
        self.assertEqual([r[0] for r in first], expected)
        for _ in range(2):
            g.apply(win)
            self.assertEqual(g.rows(win), first)
        # a display filter keeps the rows of the associations it matches, and no other
        g.apply(win, "dicom.assoc.id == 2")
        self.assertEqual([r[0] for r in g.rows(win)], ["2"])
        g.apply(win, "")
        self.assertEqual(g.rows(win), first)
        # View > Reload (Ctrl+R in the main window, clicked first to take the keyboard), then Apply
        g.run("xdotool", "mousemove", "100", "300", "click", "1")
        g.settle(0.5)
        g.run("xdotool", "key", "ctrl+r")
        g.settle(4)
        g.apply(win)
        self.assertEqual(g.rows(win), first)

    def test_unknown_values_read_as_unknown_and_times_have_their_decimals(self):
        # cut-mid-pdu.pcap began before the capture: no set-up time to show
        g = self.session("cut-mid-pdu.pcap", "-z", "dicom_ul,assoc_table")
        [row] = g.rows(g.dialog("DICOM Associations"))
        text = " %s " % " ".join(row)
        self.assertIn(" before the capture listening_port ", text)
        self.assertIn(" - ", text)
        self.assertNotIn("-1.0", text)
        numbers = [t for t in row if re.fullmatch(r"\d+\.\d+", t)]
        self.assertTrue(numbers)
        self.assertEqual({len(t.split(".")[1]) for t in numbers}, {3})  # ms to the microsecond, s to the ms

    def test_nodes_fill_once_however_often_apply_is_pressed(self):
        g = self.session("query-retrieve.pcap", "-z", "dicom_ul,nodes_table")
        win = g.dialog("DICOM Nodes")
        first = g.rows(win)
        self.assertGreater(len(first), 1)
        g.apply(win)
        g.apply(win)
        self.assertEqual(g.rows(win), first)

    def test_two_copies_of_the_dialog_show_the_same_rows(self):
        g = self.session("query-retrieve.pcap", "-z", "dicom_ul,assoc_table", "-z", "dicom_ul,assoc_table")
        wins = g.windows("DICOM Associations")
        self.assertEqual(len(wins), 2)
        a, b = g.dialog("DICOM Associations", 0), g.dialog("DICOM Associations", 1)
        g.run("xdotool", "windowmove", b, "0", "0")  # clear of the other copy's buttons
        first = g.rows(a)
        self.assertEqual(len(first), 6)  # query-retrieve.pcap's associations, once each
        g.apply(b)
        g.apply(b)
        self.assertEqual(g.rows(b), first)
        g.apply(a)
        self.assertEqual(g.rows(a), first)


class DiagnosisWindow(unittest.TestCase):
    """Statistics > DICOM Diagnosis: the text of -z dicom_ul,diagnose, refreshed on demand, and
    its way from a finding to its frame and to a filter for its frames."""

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)

    def open(self, capture):
        g = Gui(pcap(capture))
        self.addCleanup(g.close)
        g.main_window(capture)
        return g, g.diagnosis_window()

    def test_the_window_shows_what_tshark_prints_and_leads_to_the_findings_frames(self):
        expected = tshark("-r", pcap("slow-receiver.pcap"), "-q", "-z", "dicom_ul,diagnose")
        self.assertIn("1.2 [warning] slow_release, frame 94:", expected)
        g, win = self.open("slow-receiver.pcap")
        copied = g.clipboard(lambda: g.click(win, COPY_TEXT))
        self.assertEqual(copied.strip(), expected.strip())
        # Refresh retaps: the same text, and again after View > Reload (a new capture model)
        g.click(win, REFRESH)
        g.settle()
        self.assertEqual(g.clipboard(lambda: g.click(win, COPY_TEXT)).strip(), expected.strip())
        g.run("xdotool", "mousemove", *map(str, TOOLBAR_GAP), "click", "1", "key", "ctrl+r")
        g.settle(4)
        g.click(win, REFRESH)
        g.settle()
        self.assertEqual(g.clipboard(lambda: g.click(win, COPY_TEXT)).strip(), expected.strip())
        # Save As... writes the same text
        saved = os.path.join(g.home, "diagnosis.txt")
        g.click(win, SAVE_AS)
        g.answer("Save the diagnosis", saved)
        with open(saved) as f:
            self.assertEqual(f.read().strip(), expected.strip())
        # Go to finding 1.2: the main window selects its frame (the details pane, copied, says so)
        g.click(win, GO_TO)
        g.answer("Go to the frame of a finding", "1.2")

        self.assertTrue(g.selected_details().startswith("Frame 94:"))
        # Filter 1.1: the display filter of its frames is applied in the main window
        g.click(win, FILTER_BY)
        g.answer("Filter the frames", "1.1")
        self.assertEqual(g.display_filter(), 'dicom.assoc.id == 1 && dicom.finding == "slow_response"')


class ValidationWindow(unittest.TestCase):
    """Statistics > DICOM Validation: the text of -z dicom_ul,validate, and its way from a
    violation to its frame and to a filter for its frames."""

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)

    def test_the_window_shows_what_tshark_prints_and_leads_to_the_violations_frame(self):
        name = "conformance-store-no-instance.pcap"
        expected = tshark("-r", pcap(name), "-q", "-z", "dicom_ul,validate")
        self.assertIn("1.1 [error] dimse.command_element_missing x1, first in frame 42", expected)
        g = Gui(pcap(name))
        self.addCleanup(g.close)
        g.main_window(name)
        win = g.diagnosis_window(VALIDATION_ITEM, "DICOM Validation")
        self.assertEqual(g.clipboard(lambda: g.click(win, COPY_TEXT)).strip(), expected.strip())
        g.click(win, VALIDATION_REFRESH)
        g.settle()
        self.assertEqual(g.clipboard(lambda: g.click(win, COPY_TEXT)).strip(), expected.strip())
        g.click(win, VALIDATION_GO_TO)
        g.answer("Go to the frame of a violation", "1.1")

        self.assertTrue(g.selected_details().startswith("Frame 42:"))
        g.click(win, FILTER_BY)
        g.answer("Filter the frames", "1.1")
        self.assertEqual(g.display_filter(), 'dicom.assoc.id == 1 && dicom.conformance.rule == "dimse.command_element_missing"')


# A live capture of a real transfer: in a private network namespace, tcpdump captures its
# loopback and pipes the packets to Wireshark (wireshark -k -i -, as a user would pipe a remote
# capture) and to a file (the reference for tshark); dcmtk's storescu sends two objects to
# storescp when the test says "go", and the capture stops when it says "stop".
LIVE_SCRIPT = r"""
set -u
work=$1
ip link set lo up; ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
cd "$work"; mkdir -p rx
storescp -aet PACS -od rx 11112 >storescp.log 2>&1 & scp=$!
tcpdump -Z root -U -s 0 -i lo -w - 'tcp port 11112' 2>/dev/null | tee live.pcap | eval "$WS_CMD" >/dev/null 2>&1 &
tcpd=$(pgrep -n -x tcpdump)
touch started
while [ ! -e go ]; do sleep 0.2; done
storescu -aet MODALITY -aec PACS 127.0.0.1 11112 "$FILES"/CT_small.dcm "$FILES"/MR_small.dcm >storescu.log 2>&1
touch sent
while [ ! -e stop ]; do sleep 0.2; done
sleep 0.5
kill "$tcpd" "$scp"
wait
"""


class ConversationFilter(unittest.TestCase):
    """Right click on a packet > Conversation Filter > DICOM association (with its TCP frames)
    applies the association's filter in the main window."""

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)

    def test_both_entries_apply_the_associations_filter(self):
        for entry, expected in ((DICOM_ASSOCIATION, "dicom.assoc.id == 1"),
                                (DICOM_ASSOCIATION_WITH_TCP, "tcp.stream == 0")):
            with self.subTest(expected=expected):
                g = Gui(pcap("query-retrieve.pcap"))
                try:
                    g.main_window("query-retrieve")
                    g.run("xdotool", "mousemove", *map(str, FRAME_10), "click", "1")
                    g.settle(0.5)
                    g.run("xdotool", "click", "3")
                    g.settle(1)
                    g.run("xdotool", "mousemove", *map(str, CONVERSATION_FILTER), "click", "1")
                    g.settle(1)
                    g.run("xdotool", "mousemove", *map(str, entry), "click", "1")
                    g.settle(3)
                    self.assertEqual(g.display_filter(), expected)
                finally:
                    g.close()
        # the TCP entry's filter holds the association's DICOM frames and its connection's own
        dicom = set(tshark("-r", pcap("query-retrieve.pcap"), "-Y", "dicom.assoc.id == 1", "-T", "fields",
                           "-e", "frame.number").split())
        tcp = set(tshark("-r", pcap("query-retrieve.pcap"), "-Y", "tcp.stream == 0", "-T", "fields",
                         "-e", "frame.number").split())
        self.assertLess(dicom, tcp)
        self.assertIn("18", tcp - dicom)  # its FIN


def column_widths(recent):
    """The column.width entry of a recent file: [(column format, width)]."""
    text = open(recent).read()
    entry = re.search(r"^column\.width:(.*?)(?:\n\s*\n|\Z)", text, re.M | re.S).group(1)
    items = [i.strip().strip('"') for i in entry.replace("\n", " ").split(",") if i.strip()]
    return list(zip(items[0::2], (int(w.split(":")[0]) for w in items[1::2])))


class Profile(unittest.TestCase):
    """The DICOM profile's columns: Wireshark applies its widths (and writes them back when it
    quits; a width it did not apply comes back as -1), and each column shows its field."""

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)

    def test_the_profile_columns_get_their_widths(self):
        ours = column_widths(os.path.join(PROFILE, "recent"))
        self.assertGreater(len(ours), 10)
        formats = re.findall(r'^\s*"[^"]*", "([^"]*)"', open(os.path.join(PROFILE, "preferences")).read(), re.M)
        # the same columns in the same order, custom ones named by their field alone
        self.assertEqual([f if not f.startswith("%Cus:") else f.split(":")[0] + ":" + f.split(":")[1] for f in formats],
                         [f for f, _ in ours])
        self.assertIn("%Cus:dicom.dimse.status_meaning", [f for f, _ in ours])
        g = Gui(pcap("faulty-mismatch.pcap"), "-C", "DICOM", profile=True)
        self.addCleanup(g.close)
        g.main_window("faulty-mismatch")
        g.run("xdotool", "mousemove", *map(str, TOOLBAR_GAP), "click", "1", "key", "ctrl+q")
        g.ws.wait(30)
        self.assertEqual(column_widths(os.path.join(g.profile, "recent")), ours)


class LiveCapture(unittest.TestCase):
    """The DICOM dialogs open while a capture runs: the Diagnosis window follows it as packets
    arrive, and once the capture stops, Refresh (and Apply in the association table) give what
    tshark reads from the same packets."""

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)
        if os.geteuid() != 0:
            self.skipTest("a private network namespace needs root")
        for tool in ("unshare", "tcpdump", "storescp", "storescu", "ip"):
            if not shutil.which(tool):
                raise RuntimeError("%s is missing: tools/install-deps.sh installs it" % tool)
        if subprocess.run(["unshare", "-n", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            self.skipTest("this machine does not allow a private network namespace (unshare -n)")

    def test_dialogs_follow_a_live_capture_and_are_right_when_it_stops(self):
        work = tempfile.mkdtemp(prefix="dicom-ul-live-")
        self.addCleanup(shutil.rmtree, work, True)

        def launch(cmd, env):
            # started in its HOME: Wireshark reads files from its working folder at start (GIOP's IOR.txt)
            ws = " ".join(["cd", shlex.quote(env["HOME"]), "&&", "env", "-i",
                           *("%s=%s" % (k, shlex.quote(v)) for k, v in env.items()), *map(shlex.quote, cmd),
                           "-k", "-i", "-"])
            # a session of its own: Gui.close ends the namespace's processes together
            return subprocess.Popen(["unshare", "-n", "bash", "-c", LIVE_SCRIPT, "live", work],
                                    env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "WS_CMD": ws,
                                         "FILES": "/usr/lib/python3/dist-packages/pydicom/data/test_files"},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        def wait_for(name, seconds=60):
            deadline = time.time() + seconds
            while not os.path.exists(os.path.join(work, name)):
                self.assertLess(time.time(), deadline, "the live capture script did not reach %r" % name)
                time.sleep(0.2)

        g = Gui(None, launch=launch)
        self.addCleanup(g.close)
        self.addCleanup(lambda: open(os.path.join(work, "stop"), "w").close())
        wait_for("started")
        g.main_window(".", 3)  # the only window so far; its title says what it captures from
        # both dialogs open before anything is sent
        diagnosis = g.diagnosis_window()
        g.statistics(ASSOCIATIONS_ITEM)
        table = g.dialog("DICOM Associations")
        g.run("xdotool", "windowmove", table, "0", "0")
        g.settle()
        # the transfer, while the capture runs: the Diagnosis window follows it
        open(os.path.join(work, "go"), "w").close()
        wait_for("sent")
        g.settle(6)  # Wireshark redraws its taps every few seconds during a capture
        during = g.clipboard(lambda: g.click(diagnosis, COPY_TEXT))
        self.assertIn("Association 1: MODALITY (requestor", during)
        self.assertIn("2 of 2 objects stored", during)
        # the capture stops; Refresh and Apply give what tshark reads from the same packets
        open(os.path.join(work, "stop"), "w").close()
        g.settle(5)
        # what tcpdump piped to Wireshark, under a name of its own where tshark can read it
        live = os.path.join(work, os.path.basename(work) + ".pcap")
        shutil.copy(os.path.join(work, "live.pcap"), live)
        live = tshark_run.stage(live)
        g.click(diagnosis, REFRESH)
        g.settle()
        expected = tshark("-r", live, "-q", "-z", "dicom_ul,diagnose")
        self.assertIn("2 of 2 objects stored", expected)
        self.assertEqual(g.clipboard(lambda: g.click(diagnosis, COPY_TEXT)).strip(), expected.strip())
        g.apply(table)
        rows = g.rows(table)
        assoc = [line.split(",") for line in tshark("-r", live, "-q", "-z", "dicom_ul,assoc,csv").splitlines()[1:]
                 if line[:1].isdigit()]
        self.assertEqual([r[0] for r in rows], [a[0] for a in assoc])
        self.assertIn("MODALITY", rows[0])
        self.assertIn("PACS", rows[0])


if __name__ == "__main__":
    unittest.main()
