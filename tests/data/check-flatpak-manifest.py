#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest of Tanba and prints the result as TAP.

Usage: check-flatpak-manifest.py MANIFEST.json [MESON-INFO-DIR MESON-OPTIONS]

What it checks: the JSON parses; app id, runtime, SDK, runtime version and
command are the expected ones; every finish-arg is one of an allowed list and
none opens the host's files; every module has a name and sources, and every
source fetched from outside is pinned (git: tag and a 40-hex commit; archive
and file: a sha256); a module's local files exist next to the manifest.

With a configured build's meson-info directory and meson_options.txt, also
the tanba module against what `meson install` does now: every program meson
installs into bindir is either handled by a post-install command (moved
behind the launcher) or removed by a cleanup rule, the app's command is one
of them, and every -Dname=value of the module's config-opts is a built-in
meson option or one of meson_options.txt.

Python standard library only.
"""

import json
import os
import re
import sys

APP_ID = "kz.tanba.Tanba"
RUNTIME = "org.gnome.Platform"
SDK = "org.gnome.Sdk"
COMMAND = "tanba"

# The sandbox Tanba needs: a display (Wayland, X11 only as a fallback), the
# network for the bank and its CA, and the pcscd socket for USB tokens. Files
# are opened and saved through the document portal, so no filesystem access.
ALLOWED_FINISH_ARGS = {
    "--share=ipc",
    "--socket=fallback-x11",
    "--socket=wayland",
    "--share=network",
    "--socket=pcsc",
}

FORBIDDEN_PREFIXES = (
    "--filesystem=",
    "--device=all",
    "--socket=x11",
    "--socket=session-bus",
    "--socket=system-bus",
    "--talk-name=org.freedesktop.Flatpak",
)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


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


def iter_modules(modules, where="modules"):
    """Yields (path, module) for every module, nested ones included.

    A module may also be a string: the path of a JSON file holding it."""
    for index, module in enumerate(modules or []):
        path = "%s[%d]" % (where, index)
        yield path, module
        if isinstance(module, dict):
            yield from iter_modules(module.get("modules"), path + ".modules")


def source_problems(source, manifest_dir):
    """Returns what is wrong with one module source, as a list of strings."""
    if isinstance(source, str):
        # A path to a JSON file of sources, next to the manifest.
        if not os.path.isfile(os.path.join(manifest_dir, source)):
            return ["sources file %s does not exist" % source]
        return []
    if not isinstance(source, dict):
        return ["source is neither an object nor a path: %r" % (source,)]

    kind = source.get("type")
    problems = []
    if kind == "git":
        if "url" in source:
            if not source.get("tag"):
                problems.append("git source %s has no tag" % source["url"])
            if not COMMIT.match(str(source.get("commit", ""))):
                problems.append("git source %s has no full commit id" % source["url"])
            if source.get("branch"):
                problems.append("git source %s follows a branch" % source["url"])
        elif "path" not in source:
            problems.append("git source with neither url nor path")
    elif kind in ("archive", "file"):
        if "url" in source or "mirror-urls" in source:
            if not SHA256.match(str(source.get("sha256", ""))):
                problems.append("%s source %s has no sha256" % (kind, source.get("url")))
        elif "path" in source:
            if not os.path.exists(os.path.join(manifest_dir, source["path"])):
                problems.append("%s source %s does not exist" % (kind, source["path"]))
        else:
            problems.append("%s source with neither url nor path" % kind)
    elif kind in ("dir", "patch"):
        paths = source.get("paths") or [source.get("path")]
        for path in paths:
            if not path or not os.path.exists(os.path.join(manifest_dir, path)):
                problems.append("%s source %s does not exist" % (kind, path))
    elif kind in ("script", "shell", "inline"):
        pass  # content is in the manifest itself
    else:
        problems.append("source of unknown or unpinnable type %r" % (kind,))
    return problems


# Built-in meson options a manifest may set with -D (meson 1.0).
MESON_BUILTIN_OPTIONS = {
    "buildtype", "debug", "optimization", "prefix", "libdir", "bindir", "datadir",
    "libexecdir", "localedir", "sysconfdir", "b_lto", "b_ndebug", "b_pie",
    "werror", "warning_level", "default_library", "strip", "wrap_mode",
}


def check_against_meson(tap, manifest, meson_info, options_file):
    """The tanba module against the build's installed files and options."""
    modules = [m for _, m in iter_modules(manifest.get("modules"))
               if isinstance(m, dict) and m.get("name") == "tanba"]
    if not modules:
        tap.check(False, "tanba module present for the meson checks")
        return
    module = modules[0]
    try:
        with open(os.path.join(meson_info, "intro-installed.json"), encoding="utf-8") as f:
            installed = json.load(f)
        with open(os.path.join(meson_info, "intro-buildoptions.json"), encoding="utf-8") as f:
            build_options = {o["name"]: o["value"] for o in json.load(f)}
        error = None
    except (OSError, ValueError, KeyError) as e:
        installed, build_options, error = {}, {}, str(e)
    tap.check(error is None, "meson-info of the build is readable", [error] if error else [])
    if error is not None:
        return
    bindir = os.path.join(build_options["prefix"], build_options["bindir"])
    programs = sorted(os.path.basename(dest) for dest in installed.values()
                      if os.path.dirname(dest) == bindir)
    post_install = " ".join(module.get("post-install", []))
    cleanup = module.get("cleanup", []) + manifest.get("cleanup", [])
    unhandled = []
    for program in programs:
        moved = re.search(r"(^|\s)/app/bin/%s(\s|$)" % re.escape(program), post_install)
        removed = "/bin/" + program in cleanup
        if not moved and not removed:
            unhandled.append("%s: meson installs it into bin/; neither post-install nor "
                             "cleanup deals with it" % program)
    tap.check(programs and not unhandled,
              "every program meson installs (%s) is placed by post-install or removed by cleanup"
              % ", ".join(programs), unhandled)
    tap.check(manifest.get("command") in programs,
              "the command %s is a program meson installs" % manifest.get("command"),
              ["meson installs: %s" % programs])

    try:
        with open(options_file, encoding="utf-8") as f:
            declared = set(re.findall(r"option\(\s*'([^']+)'", f.read()))
        error = None
    except OSError as e:
        declared, error = set(), str(e)
    config = module.get("config-opts", [])
    unknown = []
    for opt in config:
        m = re.match(r"^-D([A-Za-z0-9_.:-]+)=", opt)
        if m and m.group(1) not in declared | MESON_BUILTIN_OPTIONS:
            unknown.append("%s: no such option in %s" % (opt, options_file))
    tap.check(error is None and not unknown,
              "every -D option of the tanba module's config-opts exists",
              unknown + ([error] if error else []))


def main(argv):
    if len(argv) not in (2, 4):
        print("usage: %s MANIFEST.json [MESON-INFO-DIR MESON-OPTIONS]" % argv[0], file=sys.stderr)
        return 2
    manifest_path = argv[1]
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    tap = Tap()

    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        error = None
    except (OSError, ValueError) as e:
        manifest, error = None, str(e)
    tap.check(isinstance(manifest, dict), "manifest is a JSON object",
              [error] if error else [])
    if not isinstance(manifest, dict):
        return tap.emit()

    app_id = manifest.get("app-id", manifest.get("id"))
    tap.check(app_id == APP_ID, "app id is %s" % APP_ID, ["found %r" % (app_id,)])
    tap.check(manifest.get("runtime") == RUNTIME, "runtime is %s" % RUNTIME,
              ["found %r" % (manifest.get("runtime"),)])
    tap.check(manifest.get("sdk") == SDK, "sdk is %s" % SDK,
              ["found %r" % (manifest.get("sdk"),)])
    version = str(manifest.get("runtime-version", ""))
    tap.check(re.match(r"^[0-9]+$", version) is not None,
              "runtime-version is a stable GNOME release number",
              ["found %r" % (version,)])
    tap.check(manifest.get("command") == COMMAND, "command is %s" % COMMAND,
              ["found %r" % (manifest.get("command"),)])

    finish_args = manifest.get("finish-args", [])
    not_allowed = [a for a in finish_args if a not in ALLOWED_FINISH_ARGS]
    tap.check(isinstance(finish_args, list) and not not_allowed,
              "every finish-arg is in the allowed list",
              ["not allowed: %s" % a for a in not_allowed])
    dangerous = [a for a in finish_args
                 if isinstance(a, str) and a.startswith(FORBIDDEN_PREFIXES)]
    tap.check(not dangerous, "no host filesystem, device or bus access",
              ["forbidden: %s" % a for a in dangerous])
    for needed in ("--socket=pcsc", "--socket=wayland", "--share=network"):
        tap.check(needed in finish_args, "finish-args include %s" % needed)

    modules = list(iter_modules(manifest.get("modules")))
    tap.check(len(modules) > 0, "manifest has modules")
    names = [m.get("name") for _, m in modules if isinstance(m, dict)]
    tap.check(len(names) == len(set(names)) and all(names),
              "every module has a unique name", ["names: %s" % names])
    for wanted in ("libp11", "opensc", "tanba"):
        tap.check(wanted in names, "module %s is built" % wanted)
    tap.check(names and names[-1] == "tanba", "tanba is the last module")

    for path, module in modules:
        if isinstance(module, str):
            exists = os.path.isfile(os.path.join(manifest_dir, module))
            tap.check(exists, "%s: module file %s exists" % (path, module))
            continue
        name = module.get("name", path)
        sources = module.get("sources")
        tap.check(isinstance(sources, list) and len(sources) > 0,
                  "module %s has sources" % name)
        problems = []
        for source in sources or []:
            problems += source_problems(source, manifest_dir)
        tap.check(not problems, "module %s: every source is pinned or local" % name,
                  problems)

    if len(argv) == 4:
        check_against_meson(tap, manifest, argv[2], argv[3])
    return tap.emit()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
