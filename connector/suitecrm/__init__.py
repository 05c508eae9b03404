"""The SuiteCRM 7.x V8 JSON:API adapter."""

from connector.suitecrm.client import SuiteCrmClient
from connector.suitecrm.mapping import SUITECRM_STREAMS, SUITECRM_WRITEBACK
from connector.suitecrm.source import SuiteCrmSource

__all__ = ["SUITECRM_STREAMS", "SUITECRM_WRITEBACK", "SuiteCrmClient", "SuiteCrmSource"]
