#!/usr/bin/env python3
"""Checks that the code keeps the shape docs/design.md describes:

- no file in dissector/ or plugin/ is over 500 lines, except the field table (plugin/fields.cpp)
  and generated tables (*.inc);
- no function is over 80 lines, except the field registration (dicom_register_fields);
- includes go one way: the core's folders by layer (base; tcp, ul, dataset; dimse; conformance;
  session; analysis), the plugin's rooms by role (shared headers; model; stats, export; view; entry;
  plugin.cpp), and the core never includes Wireshark;
- no include circle between units (a unit is a .cpp with its header), which would be a call
  circle.

Prints every violation and exits 1 if there is any. Usage: tools/check-layout.py [ROOT]"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
MAX_FILE, MAX_FUNCTION = 500, 80
FILE_EXEMPT = {"plugin/fields.cpp"}
FUNCTION_EXEMPT = {"dicom_register_fields"}
CORE_RANK = {"base": 0, "tcp": 1, "ul": 1, "dataset": 1, "dimse": 2, "conformance": 3, "session": 4, "analysis": 5}
PLUGIN_RANK = {"": 0, "model": 1, "stats": 2, "export": 2, "view": 3, "entry": 4}
SOURCE = re.compile(r"\.(cpp|hpp|h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
NOT_FUNCTIONS = re.compile(r"\b(if|for|while|switch|catch|do|else|namespace|struct|class|enum|union|try|TRY|CATCH_ALL)\b")


def sources():
    for top in ("dissector", "plugin"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if SOURCE.search(f) or f.endswith(".inc"):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def strip(text):
    """The text with comments, strings and character literals blanked (lines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(path, text):
    """(name, first line, lines) of each function body longer than MAX_FUNCTION."""
    code = strip(text)
    found, stack, start = [], [], 0  # stack: (kind, line, name) of each open brace
    line = 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            head = code[start:i]
            in_function = any(k == "function" for k, _, _ in stack)
            sig = " ".join(head.split())
            name = re.search(r"([~\w:]+)\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*(const)?\s*(noexcept)?\s*(override)?\s*(->[^{]*)?(:[^{]*)?$", sig)
            is_fn = not in_function and name and not NOT_FUNCTIONS.match(sig) and "=" not in sig.split("(")[0]
            stack.append(("function" if is_fn else "block", line, name.group(1) if is_fn else ""))
            start = i + 1
        elif c == "}":
            if stack:
                kind, first, name = stack.pop()
                if kind == "function" and line - first + 1 > MAX_FUNCTION and name.split("::")[-1] not in FUNCTION_EXEMPT:
                    found.append((name, first, line - first + 1))
            start = i + 1
        elif c == ";":
            start = i + 1
    return found


def folder(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else ""


def unit(path):
    return re.sub(r"\.(cpp|hpp|h)$", "", path)


def main():
    problems, edges = [], {}
    files = list(sources())
    known = {f for f in files}
    for path in files:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        n = text.count("\n")
        if n > MAX_FILE and path not in FILE_EXEMPT and not path.endswith(".inc"):
            problems.append("%s: %d lines (at most %d)" % (path, n, MAX_FILE))
        if path.endswith(".inc"):
            continue
        for name, first, length in long_functions(path, text):
            problems.append("%s:%d: function %s is %d lines (at most %d)" % (path, first, name, length, MAX_FUNCTION))
        top, here = path.split("/")[0], folder(path)
        for inc in INCLUDE.findall(text):
            target = ("dissector/" if top == "dissector" else "plugin/") + inc
            if top == "dissector" and (inc.startswith("epan/") or inc.startswith("wsutil/") or inc == "ws_version.h"):
                problems.append("%s: the core includes Wireshark (%s)" % (path, inc))
            if top == "plugin" and "dissector/" + inc in known:
                continue  # the plugin includes the core: always the right way
            if target not in known:
                continue  # a system or Wireshark header
            there = folder(target)
            if top == "dissector":
                if there != here and CORE_RANK.get(there, 9) >= CORE_RANK.get(here, 9):
                    problems.append("%s: includes %s (%s may not depend on %s)" % (path, inc, here, there))
            else:
                rank_here = 9 if path == "plugin/plugin.cpp" else PLUGIN_RANK.get(here, 9)
                if there != here and PLUGIN_RANK.get(there, 9) >= rank_here:
                    problems.append("%s: includes %s (%s may not depend on %s)" % (path, inc, here or "plugin/", there or "plugin/"))
            if unit(target) != unit(path):
                edges.setdefault(unit(path), set()).add(unit(target))
    # circles between units
    state, path_stack = {}, []

    def visit(u):
        state[u] = 1
        path_stack.append(u)
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                problems.append("include circle: " + " -> ".join(path_stack[path_stack.index(v):] + [v]))
            elif not state.get(v):
                visit(v)
        path_stack.pop()
        state[u] = 2

    for u in sorted(edges):
        if not state.get(u):
            visit(u)
    for p in problems:
        print(p)
    print("layout: %d files, %d problems" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
