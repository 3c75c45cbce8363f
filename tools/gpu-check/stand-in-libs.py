#!/usr/bin/env python3
"""Stand-in shared libraries for the GPU check's bundle (tools/gpu-check.sh).

The GPU machine has no FFmpeg, and what travels there is limited to 64 MiB: FFmpeg with
everything it links is 180 libraries, 74 MB packed. Vivant's check runs need FFmpeg's own
libraries and x264 (decoding the clip, encoding the MP4) but none of the other codecs, filters
or devices they link (x265, AV1, codec2, ICU via libxml2, TLS, Bluray…). For each of those,
this makes a library with the same soname and the same exported symbols and symbol versions,
in which every function returns 0 (null, false, "not recognised"; said once on stderr) and
every data object is zeros of its size: the dynamic loader is satisfied, and FFmpeg's format
probes that ask such a library (libgme's, libopenmpt's) hear "not mine".

Usage: stand-in-libs.py OUT_DIR LIB…   (needs nm, readelf and cc)
"""

import os
import re
import subprocess
import sys


# Symbols the linker makes in every library (the stand-in gets its own).
LINKER_MADE = {"_init", "_fini", "__bss_start", "_edata", "_end", "__data_start", "data_start"}


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def soname(lib):
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", run("readelf", "-d", lib))
    return m.group(1) if m else os.path.basename(lib)


def symbols(lib):
    """(name, version or None, default version?, kind 'f' or 'o', size) for each export."""
    out = []
    for line in run("nm", "-D", "--defined-only", "--with-symbol-versions", "-S", lib).splitlines():
        parts = line.split()
        if len(parts) == 4:
            _, size, kind, name = parts
        elif len(parts) == 3:
            _, kind, name = parts
            size = "0"
        else:
            continue
        if kind in "Aa":  # version definitions
            continue
        if name.split("@")[0] in LINKER_MADE:
            continue
        version, default = None, True
        if "@@" in name:
            name, version = name.split("@@", 1)
        elif "@" in name:
            name, version = name.split("@", 1)
            default = False
        obj = kind in "BbDdRrVvGgSs"
        out.append((name, version, default, "o" if obj else "f", max(int(size, 16), 8)))
    return out


def stand_in(lib, out_dir):
    name = soname(lib)
    syms = symbols(lib)
    c = [
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "static void stand_in(const char *f, int *said) {",
        "  if (!*said) {",
        "    *said = 1;",
        f'    fprintf(stderr, "{name}: %s is a stand-in (tools/gpu-check): returns 0\\n", f);',
        "  }",
        "}",
    ]
    versions = sorted({v for _, v, _, _, _ in syms if v})
    for i, (sym, version, default, kind, size) in enumerate(syms):
        label = f"s{i}"
        if kind == "f":
            c.append(f'long {label}(void) {{ static int said; stand_in("{sym}", &said); return 0; }}')
        else:
            c.append(f"__attribute__((aligned(16))) char {label}[{size}];")
        if version:
            at = "@@" if default else "@"
            c.append(f'__asm__(".symver {label}, {sym}{at}{version}");')
        else:
            c.append(f'__asm__(".globl {sym}\\n.set {sym}, {label}");')
            kind_name = "function" if kind == "f" else "object"
            c.append(f'__asm__(".type {sym}, @{kind_name}\\n.size {sym}, {size if kind == "o" else 8}");')
    src = os.path.join(out_dir, name + ".c")
    with open(src, "w") as f:
        f.write("\n".join(c) + "\n")
    args = ["cc", "-shared", "-fPIC", "-O0", "-w", "-o", os.path.join(out_dir, name), f"-Wl,-soname,{name}"]
    if versions:
        vmap = os.path.join(out_dir, name + ".map")
        with open(vmap, "w") as f:
            f.write("".join(f"{v} {{ }};\n" for v in versions))
        args.append(f"-Wl,--version-script={vmap}")
    subprocess.run(args + [src], check=True)
    os.remove(src)
    if versions:
        os.remove(vmap)
    return name, len(syms)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for lib in sys.argv[2:]:
        name, n = stand_in(lib, out_dir)
        print(f"stand-in {name}: {n} symbols")


if __name__ == "__main__":
    main()
