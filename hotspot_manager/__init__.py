"""Hotspot Manager: exact per-device usage, uplink monitoring and billing for a WiFi hotspot."""

__version__ = "0.1.0"
