#!/usr/bin/env python3
"""OOM-kill-to-event latency of cgmeterd: from the victim's death, seen by this observer through the victim's
pidfd, to the agent's event arriving on a GET /v1/events?follow=1 stream. See bench/events/README.md.

  oom-latency.py --socket SOCK --cgmeter PATH --policy hog [-n KILLS] [--mode end|survive] [-o FILE]

mode end:     the task's main process is the hog: the kill ends the task.
mode survive: the hog is a child; the task lives on (the agent sees the kill through its OOM watcher only).
"""
import argparse
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import time

HOG = "dd if=/dev/zero of=/dev/null bs=100M count=1"


def follow(sock_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall(b"GET /v1/events?follow=1 HTTP/1.0\r\nHost: cgmeterd\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("the agent closed the follow stream")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    if b" 200 " not in head.split(b"\r\n")[0]:
        sys.exit("follow refused: %r" % head)
    s.setblocking(False)
    return s, rest


def launch(cgmeter, sock, policy, mode):
    if mode == "end":
        cmd = ["sh", "-c", "sleep 0.3; exec " + HOG]
    else:
        cmd = ["sh", "-c", "(sleep 0.3; exec %s) & exec sleep 30" % HOG]
    out = subprocess.run([cgmeter, "--socket", sock, "--json", "run", "--policy", policy, "--"] + cmd,
                         check=True, capture_output=True, text=True).stdout
    t = json.loads(out)
    return t["id"], int(t["pid"])


def victim_pid(main_pid, mode):
    if mode == "end":
        return main_pid
    path = "/proc/%d/task/%d/children" % (main_pid, main_pid)
    for _ in range(200):
        kids = open(path).read().split()
        if kids:
            return int(kids[0])
        time.sleep(0.005)
    raise RuntimeError("no child of %d" % main_pid)


def one_kill(args, stream, pending):
    task, main_pid = launch(args.cgmeter, args.socket, args.policy, args.mode)
    pidfd = os.pidfd_open(victim_pid(main_pid, args.mode))
    died = arrived = None
    deadline = time.monotonic() + 10
    while (died is None or arrived is None) and time.monotonic() < deadline:
        r, _, _ = select.select([pidfd, stream], [], [], 0.5)
        now = time.monotonic()
        if pidfd in r and died is None:
            died = now
        if stream in r:
            data = stream.recv(65536)
            if not data:
                sys.exit("the follow stream ended")
            pending[0] += data
            while b"\n" in pending[0]:
                line, pending[0] = pending[0].split(b"\n", 1)
                ev = json.loads(line)
                if ev.get("task") == task and ev.get("kind") == "oom_kill" and arrived is None:
                    arrived = now
    os.close(pidfd)
    if args.mode == "survive":
        subprocess.run([args.cgmeter, "--socket", args.socket, "kill", "--all", task, "KILL"],
                       capture_output=True)
    if died is None or arrived is None:
        raise RuntimeError("task %s: death %s, event %s" % (task, died, arrived))
    return arrived - died


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--cgmeter", required=True)
    ap.add_argument("--policy", default="hog")
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--mode", choices=["end", "survive"], default="end")
    ap.add_argument("-o")
    args = ap.parse_args()
    stream, rest = follow(args.socket)
    pending = [rest]
    lat = []
    for i in range(args.n):
        lat.append(one_kill(args, stream, pending) * 1000.0)
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(round(0.99 * len(lat))) - 1)]
    if args.o:
        with open(args.o, "w") as f:
            f.write("\n".join("%.3f" % v for v in lat) + "\n")
    print("%-8s kills=%d  median=%.1f ms  p99=%.1f ms  min=%.1f ms  max=%.1f ms" %
          (args.mode, len(lat), statistics.median(lat), p99, lat[0], lat[-1]))


if __name__ == "__main__":
    main()
