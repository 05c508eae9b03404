"""The admin web page: config editing by form, preview before activating, and dashboards."""

from admin.app import create_admin_app

__all__ = ["create_admin_app"]
