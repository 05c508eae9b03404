"""The Odoo adapter: JSON-RPC ``execute_kw`` (≤ 18) and JSON-2 (19+)."""

from connector.odoo.mapping import ODOO_WRITEBACK, odoo_streams
from connector.odoo.rpc import Json2Transport, JsonRpcTransport, connect
from connector.odoo.source import OdooSource

__all__ = ["ODOO_WRITEBACK", "Json2Transport", "JsonRpcTransport", "OdooSource", "connect", "odoo_streams"]
