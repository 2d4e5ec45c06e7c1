"""The read-only web dashboard (``darkhorses serve``): six pages, their JSON twins and ``/metrics``.

Templates and static files ship inside the package, so the dashboard works on a machine with no
internet. Bound to loopback it is open to local users; anywhere else it needs
``DARKHORSES_DASHBOARD_TOKEN`` (see :mod:`darkhorses.web.auth`).
"""

from __future__ import annotations

from darkhorses.web.app import create_app
from darkhorses.web.auth import check_binding
from darkhorses.web.serve import serve

__all__ = ["check_binding", "create_app", "serve"]
