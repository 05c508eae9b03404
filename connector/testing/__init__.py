"""Loopback fakes of SuiteCRM and Odoo for fault injection, kill-and-resume tests and benchmarks."""

from connector.testing.fake_odoo import FakeOdoo
from connector.testing.fake_suitecrm import FakeSuiteCrm
from connector.testing.loopback import FakeClock, Fault, LoopbackServer

__all__ = ["FakeClock", "FakeOdoo", "FakeSuiteCrm", "Fault", "LoopbackServer"]
