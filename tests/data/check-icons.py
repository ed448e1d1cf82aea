#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the application icons and prints the result as TAP.

Usage: check-icons.py APP-ICON.svg SYMBOLIC-ICON.svg

The full-colour icon is a 128x128 SVG; the symbolic one is a 16x16 SVG drawn
in the single colour #2e3436 (GTK recolours it), without raster images,
scripts or external references. Python standard library only.
"""

import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
SYMBOLIC_COLOUR = "#2e3436"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\(")


class Tap:
    def __init__(self):
        self.results = []

    def check(self, ok, description, diagnostics=()):
        self.results.append((bool(ok), description, list(diagnostics)))

    def emit(self):
        print("1..%d" % len(self.results))
        for number, (ok, description, diagnostics) in enumerate(self.results, 1):
            print("%s %d - %s" % ("ok" if ok else "not ok", number, description))
            if not ok:
                for line in diagnostics:
                    print("# " + line)
        return 0 if all(ok for ok, _, _ in self.results) else 1


def parse(tap, path, label):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        tap.check(False, "%s parses as XML" % label, [str(e)])
        return None
    tap.check(root.tag == SVG + "svg", "%s is an SVG document" % label,
              ["root element %s" % root.tag])
    return root


def check_common(tap, root, label, size):
    view_box = (root.get("viewBox") or "").split()
    tap.check(view_box == ["0", "0", str(size), str(size)],
              "%s has viewBox 0 0 %d %d" % (label, size, size),
              ["viewBox %r" % root.get("viewBox")])
    foreign = []
    for element in root.iter():
        local = element.tag.replace(SVG, "")
        if local in ("image", "script", "foreignObject", "use"):
            foreign.append(local)
        for name, value in element.attrib.items():
            if name.endswith("href") and not value.startswith("#"):
                foreign.append("%s=%s" % (name, value))
    tap.check(not foreign, "%s has no images, scripts or external references" % label,
              foreign)


def colours_of(element):
    found = []
    for name in ("fill", "stroke", "stop-color", "color"):
        value = element.get(name)
        if value and COLOUR.search(value):
            found.append(value.lower())
    style = element.get("style") or ""
    found += [c.lower() for c in COLOUR.findall(style)]
    return found


def main(argv):
    if len(argv) != 3:
        print("usage: %s APP-ICON.svg SYMBOLIC-ICON.svg" % argv[0], file=sys.stderr)
        return 2
    tap = Tap()

    app = parse(tap, argv[1], "application icon")
    if app is not None:
        check_common(tap, app, "application icon", 128)
        title = app.find(SVG + "title")
        tap.check(title is not None and (title.text or "").strip() == "Tanba",
                  "application icon has the title Tanba")

    symbolic = parse(tap, argv[2], "symbolic icon")
    if symbolic is not None:
        check_common(tap, symbolic, "symbolic icon", 16)
        colours = set()
        strokes = []
        for element in symbolic.iter():
            colours.update(colours_of(element))
            stroke = element.get("stroke")
            if stroke and stroke != "none":
                strokes.append(stroke)
        tap.check(colours == {SYMBOLIC_COLOUR},
                  "symbolic icon uses only %s" % SYMBOLIC_COLOUR,
                  ["colours: %s" % sorted(colours)])
        tap.check(not strokes, "symbolic icon has no strokes", strokes)
        paths = [e for e in symbolic.iter() if e.tag == SVG + "path"]
        tap.check(len(paths) > 0, "symbolic icon is drawn with paths")

    return tap.emit()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
