"""Host-side install: the SuiteCRM Module Loader package, and Odoo's answers to field creation.

``crmscore install odoo`` itself runs against a live Odoo 11 in ``test_odoo_live.py`` (twice, to
show it is idempotent); here the recorded Odoo 17 refusals show how its errors surface.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from typing import Any

import pytest

from connector.crm_errors import CrmRequestError
from connector.http import HttpClient
from connector.install import build_suitecrm_package
from connector.install.suitecrm_package import PACKAGE_FIELDS, php_string
from connector.odoo import connect
from connector.suitecrm import SUITECRM_WRITEBACK

FIELDS = SUITECRM_WRITEBACK["fields"]


def test_the_package_declares_every_score_field_on_accounts_and_contacts() -> None:
    package = zipfile.ZipFile(BytesIO(build_suitecrm_package(FIELDS)))
    assert sorted(package.namelist()) == sorted(["manifest.php", *(f"{kind}/{m}/{name}" for m in ("Accounts", "Contacts")
                                                 for kind, name in (("language", "en_us.crmscore.php"), ("vardefs", "crmscore.php")))])
    manifest = package.read("manifest.php").decode()
    declared = re.findall(r"'name' => '(\w+_c)',\n\s+'label' => '\w+',\n\s+'type' => '(\w+)',\n\s+'module' => '(\w+)'", manifest)
    assert sorted(declared) == sorted((name, PACKAGE_FIELDS[key][0], module) for module in ("Accounts", "Contacts")
                                      for key, name in FIELDS.items())
    assert manifest.count("'additional_fields'") == 2 * len(FIELDS)  # one layout entry per field and module
    labels = package.read("language/Contacts/en_us.crmscore.php").decode()
    assert "$mod_strings['LBL_HEALTH_SCORE_C'] = 'Health Score';" in labels
    assert manifest.count("(") == manifest.count(")") and manifest.startswith("<?php")


def test_php_literals_are_escaped() -> None:
    assert php_string("O'Brien \\ Sons") == "'O\\'Brien \\\\ Sons'"


def test_field_names_that_suitecrm_would_not_accept_are_refused() -> None:
    with pytest.raises(ValueError, match="end in _c: health score"):
        build_suitecrm_package({"health_score": "health score"})


@pytest.mark.parametrize(("seq", "kind"), [(43, "validation"), (44, "validation"), (91, "access")])
def test_odoo_refusals_while_installing_are_classified_by_their_error_name(rec: Any, seq: int, kind: str) -> None:
    args = rec.request_json("odoo17", seq)["params"]["args"]
    login = [1, 86] if seq == 91 else [1, 3]  # 91 is the plain (non-admin) user of 12_access_errors
    user = rec.request_json("odoo17", login[1])["params"]["args"]
    with rec.cassette("odoo17", [*login, seq], match="strict"):
        transport = connect(HttpClient("http://127.0.0.1:8069"), database=user[0], login=user[1], password=user[2])
        with pytest.raises(CrmRequestError) as info:
            transport.call(args[3], args[4], args[5], args[6])
    assert info.value.kind == kind
    assert rec.json("odoo17", seq)["error"]["data"]["message"].splitlines()[0][:60] in str(info.value)
