"""The virtual hotspot lab: a gateway, an "internet" and N clients in network namespaces.

``with Lab(clients=3) as lab: ...`` needs root and the Debian packages listed in
docs/lab.md. See that file for the topology and the addresses.
"""

from hotspot_manager.lab.core import (
    CAPTURE_INTERFACE,
    GATEWAY_IP,
    HTTP_FILES,
    INTERNET_IPS,
    LAN,
    UPLINK_INTERFACE,
    Client,
    CurlResult,
    Lab,
    PingResult,
)
from hotspot_manager.lab.tools import (
    TOOL_PACKAGES,
    LabCommandError,
    LabError,
    LabPermissionError,
    MissingToolError,
)

__all__ = [
    "CAPTURE_INTERFACE",
    "GATEWAY_IP",
    "HTTP_FILES",
    "INTERNET_IPS",
    "LAN",
    "TOOL_PACKAGES",
    "UPLINK_INTERFACE",
    "Client",
    "CurlResult",
    "Lab",
    "LabCommandError",
    "LabError",
    "LabPermissionError",
    "MissingToolError",
    "PingResult",
]
