#!/usr/bin/python3
"""Writes the seeds of fuzz_untar (fuzz/corpus/untar/): small tar, tar.gz, tar.bz2, tar.xz and zip
archives made with Python's tarfile and zipfile, some fine (files, nested folders, a single
top-level folder, links that stay inside) and some that untar_data must refuse ('..', absolute
names, symbolic and hard links that point outside, a path through a link, a device file), plus an
mtree listing (libarchive reads the files it names from the disk). Run by scripts/fuzz
--make-corpus; the output is committed and the same on every run. Tars are cut right after
their two end-of-archive blocks (tarfile pads them to 10 KiB), then compressed."""
import bz2
import gzip
import io
import lzma
import os
import sys
import tarfile
import zipfile

ESCAPE = "/tmp/fastblock_fuzz_untar_escape"  # fuzz_untar.cpp checks that this never appears
MTIME = 1700000000


def member(name, kind=tarfile.REGTYPE, data=b"", link="", mode=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode if mode is not None else 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = MTIME
    info.uname = info.gname = ""
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    else:
        info.linkname = link
    return info, data


def tar_bytes(members, compression="", fmt=tarfile.USTAR_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    out = buf.getvalue()
    # Cut tarfile's padding to a 10 KiB record: the last header or data block, then two zero blocks.
    out = out[: (len(out.rstrip(b"\0")) + 511) // 512 * 512 + 1024]
    if compression == "gz":
        return gzip.compress(out, mtime=0)  # no time stamp: the seeds are reproducible
    if compression == "bz2":
        return bz2.compress(out)
    if compression == "xz":
        return lzma.compress(out, format=lzma.FORMAT_XZ)
    return out


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, link in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            info.create_system = 3  # Unix: external_attr's high 16 bits are st_mode
            if link:
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, link, compress_type=zipfile.ZIP_STORED)
            elif name.endswith("/"):
                info.external_attr = (0o040755 << 16) | 0x10
                zf.writestr(info, b"")
            else:
                info.external_attr = 0o100644 << 16
                zf.writestr(info, data)
    return buf.getvalue()


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else root, "fuzz", "corpus", "untar")
    os.makedirs(out, exist_ok=True)
    nested = [
        member("data/", tarfile.DIRTYPE),
        member("data/train.csv", data=b"fname,label\na.jpg,cat\n"),
        member("data/train/a/b/c.txt", data=b"c\n"),
        member("data/x.txt", data=b"x\n", mode=0o4755),
    ]
    seeds = {
        "files.tar": tar_bytes([member("a.txt", data=b"a\n"), member("b/c.txt", data=b"c\n")]),
        "folder.tar.gz": tar_bytes(nested, "gz"),
        "folder.tar.bz2": tar_bytes(nested[:3], "bz2"),
        "folder.tar.xz": tar_bytes(nested[:2], "xz"),
        "pax.tar.gz": tar_bytes([member("p/" + "long" * 30 + ".txt", data=b"p\n")], "gz",
                                tarfile.PAX_FORMAT),
        "links-inside.tar.gz": tar_bytes([
            member("d/", tarfile.DIRTYPE),
            member("d/f.txt", data=b"f\n"),
            member("d/sym", tarfile.SYMTYPE, link="f.txt"),
            member("d/up", tarfile.SYMTYPE, link="../d/f.txt"),
            member("d/hard", tarfile.LNKTYPE, link="d/f.txt"),
        ], "gz"),
        "dotdot.tar": tar_bytes([member("../evil.txt", data=b"evil\n")]),
        "dotdot-deep.tar.gz": tar_bytes([member("a/../../../../d1/evil.txt", data=b"e\n")], "gz"),
        "absolute.tar": tar_bytes([member(ESCAPE + "/abs.txt", data=b"abs\n")]),
        "symlink-out.tar": tar_bytes([
            member("link", tarfile.SYMTYPE, link="../../.."),
            member("link/evil.txt", data=b"evil\n"),
        ]),
        "symlink-abs.tar.gz": tar_bytes([
            member("link", tarfile.SYMTYPE, link=ESCAPE),
            member("link/evil.txt", data=b"evil\n"),
        ], "gz"),
        "symlink-chain.tar.gz": tar_bytes([
            member("a/", tarfile.DIRTYPE),
            member("a/b", tarfile.SYMTYPE, link="."),
            member("c", tarfile.SYMTYPE, link="a/b/../.."),
        ], "gz"),
        "hardlink-out.tar": tar_bytes([member("h", tarfile.LNKTYPE, link="../in/fuzz.tar")]),
        "device.tar.gz": tar_bytes(
            [member("dev", tarfile.CHRTYPE), member("fifo", tarfile.FIFOTYPE)], "gz"),
        "files.zip": zip_bytes([("z/", b"", ""), ("z/a.txt", b"a" * 40, ""),
                                ("z/sub/b.txt", b"b\n", "")]),
        "dotdot.zip": zip_bytes([("../evil.txt", b"evil\n", "")]),
        "absolute.zip": zip_bytes([(ESCAPE + "/abs.txt", b"abs\n", "")]),
        "symlink-out.zip": zip_bytes([("link", b"", "../../.."), ("link/evil.txt", b"e\n", "")]),
        "mtree.tar": b"#mtree\n./copied type=file contents=../../secret\n./secret type=file\n",
    }
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{len(data):6d}  fuzz/corpus/untar/{name}")


if __name__ == "__main__":
    main()
