#!/usr/bin/env python3
"""Guest integrity across live migration: a guest rewriting memory at a set rate is migrated back and forth between two
QEMUs on 127.0.0.1, driven over QMP exactly as a Roost agent drives them (QemuLaunch's command line, the destination
started with -S and resumed with 'cont' once the source says 'completed'), and after every migration the guest's memory
verifier (/bin/memtest in the Roost image, src/Roost.Hypervisor/Images/Guest/memtest.c) checks every page.

Usage: docs/experiments/guest-integrity.py [options]   (see --help; needs a built image: ./roost image build)
Prints one line per migration and a summary line: configuration | migrations | panics | wrong pages.
Standard library only. Everything it starts listens on 127.0.0.1 or on unix sockets in a temporary directory, and is
killed at the end.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--qemu", default="qemu-system-x86_64", help="QEMU binary")
    p.add_argument("--firmware", default=None, help="-L directory (for a QEMU unpacked outside /usr)")
    p.add_argument("--image", default=None, help="image directory (default: newest ~/.cache/roost/images/minimal-*)")
    p.add_argument("--backend", default="file-shared", choices=["file-shared", "file-private", "memfd", "ram"])
    p.add_argument("--tcg-thread", default="default", choices=["default", "single", "multi"])
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--ram", type=int, default=128, help="guest RAM, MiB")
    p.add_argument("--mib", type=int, default=32, help="verifier region, MiB")
    p.add_argument("--rate", type=int, default=1500, help="verifier writes, pages per second")
    p.add_argument("--migrations", type=int, default=12)
    p.add_argument("--mode", default="precopy", choices=["precopy", "postcopy"])
    p.add_argument("--downtime-ms", type=int, default=300)
    p.add_argument("--bandwidth-mibps", type=int, default=0, help="0: QEMU's default")
    p.add_argument("--capability", action="append", default=[], help="extra migration capability to enable (both sides)")
    p.add_argument("--cont-early", action="store_true", help="resume the destination as soon as its QEMU reports 'paused', not after the source says completed")
    p.add_argument("--label", default="")
    return p.parse_args()


class Qmp:
    def __init__(self, path):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.file = self.sock.makefile("rwb")
        self.file.readline()
        self.cmd("qmp_capabilities")

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QMP closed")
            reply = json.loads(line)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"{name}: {reply['error']['desc']}")

    def close(self):
        self.sock.close()


class Reporter:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(1)
        self.buffer = b""

    def lines(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                yield line.strip(b"\r\0 ")
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return  # QEMU is gone (the guest panicked and -no-reboot made it exit)
            if not chunk:
                return
            self.buffer += chunk

    def wait_report(self, timeout):
        for line in self.lines(timeout):
            if line.startswith(b'{"seq"'):
                return True
        return False

    def request(self, command, timeout=90):
        try:
            self.sock.sendall(command.encode() + b"\n")
        except OSError:
            return None  # QEMU is gone
        verb = command.split()[0]
        for line in self.lines(timeout):
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("ack") in (verb, "error"):
                return msg
        return None

    def close(self):
        self.sock.close()


class Vm:
    def __init__(self, args, work, name, image, incoming=None):
        self.name, self.work = name, work
        self.mem = f"/dev/shm/roost-integrity-{os.getpid()}-{name}"
        self.qmp_path, self.rep_path = f"{work}/{name}.qmp", f"{work}/{name}.rep"
        self.console = f"{work}/{name}.console"
        for f in (self.qmp_path, self.rep_path, self.console, self.mem):
            if os.path.exists(f):
                os.unlink(f)
        size = f"{args.ram}M"
        backend = {
            "file-shared": f"memory-backend-file,id=ram,size={size},mem-path={self.mem},share=on",
            "file-private": f"memory-backend-file,id=ram,size={size},mem-path={self.mem},share=off",
            "memfd": f"memory-backend-memfd,id=ram,size={size},share=on",
            "ram": f"memory-backend-ram,id=ram,size={size}",
        }[args.backend]
        accel = "tcg,tb-size=256" + ("" if args.tcg_thread == "default" else f",thread={args.tcg_thread}")
        cmd = [args.qemu] + (["-L", args.firmware] if args.firmware else []) + [
            "-name", f"roost-{name}", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-accel", accel, "-machine", "pc,memory-backend=ram", "-object", backend, "-m", size,
            "-smp", str(args.smp), "-kernel", f"{image}/kernel", "-initrd", f"{image}/initrd.cpio",
            "-append", "console=ttyS0 quiet panic=-1 no_timer_check",
            "-chardev", f"socket,id=qmp,path={self.qmp_path},server=on,wait=off", "-mon", "chardev=qmp,mode=control",
            "-chardev", f"socket,id=reporter,path={self.rep_path},server=on,wait=off",
            "-serial", f"file:{self.console}", "-serial", "chardev:reporter"]
        if incoming:
            cmd += ["-S", "-incoming", incoming]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(f"{work}/{name}.stderr", "w"))
        self.qmp = Qmp(self.qmp_path)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.rep_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.reporter = Reporter(self.rep_path)

    def panicked(self):
        text = open(self.console, errors="replace").read() if os.path.exists(self.console) else ""
        markers = [m for m in ("Kernel panic", "BUG:", "Oops", "general protection", "segfault") if m in text]
        return markers, text

    def destroy(self):
        for closer in (self.reporter.close, self.qmp.close):
            try:
                closer()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if os.path.exists(self.mem):
            os.unlink(self.mem)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(args, src, dst_factory):
    """One migration src -> new destination, as a Roost agent does it. Returns (dst, info, error)."""
    port = free_port()
    dst = dst_factory(f"tcp:127.0.0.1:{port}")
    caps = list(args.capability) + (["postcopy-ram"] if args.mode == "postcopy" else [])
    if caps:
        for vm in (src, dst):
            vm.qmp.cmd("migrate-set-capabilities", capabilities=[{"capability": c, "state": True} for c in caps])
    params = {"downtime-limit": args.downtime_ms}
    if args.bandwidth_mibps:
        params["max-bandwidth"] = args.bandwidth_mibps * 1024 * 1024
    src.qmp.cmd("migrate-set-parameters", **params)
    src.qmp.cmd("migrate", uri=f"tcp:127.0.0.1:{port}")
    switched = False
    postcopy_seen = False
    deadline = time.monotonic() + 300
    info = {}
    while time.monotonic() < deadline:
        info = src.qmp.cmd("query-migrate")
        status = info.get("status")
        if status == "completed":
            break
        if status in ("failed", "cancelled"):
            return dst, info, f"migration {status}: {info.get('error-desc', '')}"
        if args.mode == "postcopy" and not switched and status == "active" and info.get("ram", {}).get("dirty-sync-count", 0) >= 2:
            # Hybrid: one full pre-copy pass, then post-copy for whatever is still dirty.
            src.qmp.cmd("migrate-start-postcopy")
            switched = True
        postcopy_seen = postcopy_seen or status == "postcopy-active"
        if args.cont_early and dst.qmp.cmd("query-status")["status"] == "paused":
            break
        time.sleep(0.05)
    # Destination: wait until it holds the whole state (paused), then resume it ('cont'), as CompleteIncomingAsync does.
    while time.monotonic() < deadline:
        status = dst.qmp.cmd("query-status")["status"]
        if status in ("paused", "running", "postmigrate"):
            break
        if dst.proc.poll() is not None:
            return dst, info, "destination QEMU exited"
        time.sleep(0.05)
    if dst.qmp.cmd("query-status")["status"] != "running":
        dst.qmp.cmd("cont")
    if args.mode == "postcopy":
        while time.monotonic() < deadline and src.qmp.cmd("query-migrate").get("status") != "completed":
            time.sleep(0.05)
        info = src.qmp.cmd("query-migrate")
    info["postcopy-active-seen"] = postcopy_seen
    return dst, info, None


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    args = parse()
    image = args.image or max(glob.glob(os.path.expanduser("~/.cache/roost/images/minimal-*/")), key=os.path.getmtime)
    work = tempfile.mkdtemp(prefix="roost-integrity-")
    version = subprocess.run([args.qemu, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    label = args.label or f"{version} backend={args.backend} tcg-thread={args.tcg_thread} smp={args.smp} mode={args.mode} caps={','.join(args.capability) or '-'} downtime={args.downtime_ms}ms"
    print(f"# {label}; guest {args.ram} MiB, verifier {args.mib} MiB at {args.rate} pages/s; image {image}", flush=True)
    vms = []
    counter = [0]

    def new_vm(incoming=None):
        counter[0] += 1
        vm = Vm(args, work, f"vm{counter[0]}", image, incoming)
        vms.append(vm)
        return vm

    migrations = panics = wrong_total = stale_total = torn_total = failures = 0
    rates = []
    try:
        src = new_vm()
        if not src.reporter.wait_report(60):
            sys.exit(f"guest did not boot: {src.panicked()[1][-500:]}")
        ack = src.reporter.request(f"memtest start {args.mib} {args.rate}")
        if not ack or "memtest" not in ack:
            sys.exit(f"memtest did not start: {ack}")
        time.sleep(1)
        for i in range(1, args.migrations + 1):
            dst, info, error = migrate(args, src, lambda uri: new_vm(uri))
            if error:
                print(f"{i:3} error: {error}", flush=True)
                failures += 1
                dst.destroy()
                vms.remove(dst)
                src.qmp.cmd("cont")
                continue
            migrations += 1
            src.destroy()
            vms.remove(src)
            src = dst
            check = src.reporter.request("memtest check", timeout=30)
            markers, console = src.panicked()
            ram = info.get("ram", {})
            summary = f"total={info.get('total-time')}ms downtime={info.get('downtime')}ms syncs={ram.get('dirty-sync-count')} sent={ram.get('transferred', 0) // 1048576}MiB postcopy-requests={ram.get('postcopy-requests', 0)} postcopy-active-seen={info.get('postcopy-active-seen', False)}"
            if check is None or "memtest" not in check or markers or src.proc.poll() is not None:
                panics += 1
                tail = " | ".join(l for l in console.splitlines() if l.strip())[-300:]
                print(f"{i:3} PANIC/no answer ({','.join(markers) or 'no reply'}): {summary}; console: {tail}", flush=True)
                break
            m = check["memtest"]
            wrong_total += m["wrong"]
            stale_total += m["stale"]
            torn_total += m.get("torn", 0)
            rates.append(m["achievedPagesPerSecond"])
            print(f"{i:3} wrong={m['wrong']} (stale={m['stale']} ahead={m['ahead']} torn={m.get('torn')} garbage={m['garbage']}) checked={m['checked']} writes={m['writes']} rate={m['achievedPagesPerSecond']}/s {summary}", flush=True)
            time.sleep(0.5)
    finally:
        for vm in list(vms):
            vm.destroy()
        shutil.rmtree(work, ignore_errors=True)
    rates.sort()
    median_rate = rates[len(rates) // 2] if rates else 0
    print(f"RESULT | {label} | {migrations} | {panics} | {wrong_total} | stale={stale_total} torn={torn_total} failed-migrations={failures} median-rate={median_rate}/s", flush=True)


if __name__ == "__main__":
    main()
