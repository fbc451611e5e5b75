#!/bin/sh
# Removes Hotspot Manager's BPF permission helper (double-click in Finder, or run in
# Terminal). The group access_bpf is kept: Wireshark's helper may use it too.
# Delete it yourself with: sudo dseditgroup -o delete access_bpf
set -e
PLIST=/Library/LaunchDaemons/io.github.hotspot_manager.ChmodBPF.plist
echo "Removing Hotspot Manager's capture permission helper (your password is asked)."
sudo launchctl bootout system "$PLIST" 2>/dev/null || true
sudo rm -f "$PLIST"
sudo rm -rf "/Library/Application Support/Hotspot Manager/ChmodBPF"
sudo pkgutil --forget io.github.hotspot_manager.ChmodBPF >/dev/null 2>&1 || true
echo "Done. /dev/bpf* get their default permissions at the next restart."
