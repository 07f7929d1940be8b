"""The shared portal and its JSON API: a thin layer over the governance and settlement services.

Every permission is the services' (:mod:`callpact.governance.organization.permissions`); this
package only turns HTTP into service calls and service outcomes into pages, JSON and problems.
"""

from callpact.web.app import create_app
from callpact.web.settings import Settings

__all__ = ["Settings", "create_app"]
