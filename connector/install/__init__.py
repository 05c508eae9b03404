"""Host-side install: the custom fields (and screens) a CRM needs to show crmscore's scores."""

from connector.install.odoo import OdooInstallReport, install_odoo
from connector.install.suitecrm_package import build_suitecrm_package

__all__ = ["OdooInstallReport", "build_suitecrm_package", "install_odoo"]
