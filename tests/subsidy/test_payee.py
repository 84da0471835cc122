"""Who a claim pays (收款方): the rule as a table, then through the API, the page and the XLSX."""

import io

import pytest
from openpyxl import load_workbook

from skilltrace.identity.codes import credit_check_char
from skilltrace.subsidy.payee import Payee, clean_payee, payee_refusal
from subsidy.conftest import PEOPLE, enroll


def code(first17: str) -> str:
    return first17 + credit_check_char(first17)


FIRM = code("91610113MA6TXXXX0")
OTHER = code("91610100MA6U00001")
WRONG = FIRM[:17] + ("0" if FIRM[17] != "0" else "1")  # a bad check character


def enterprise(name="西安某机械有限公司", credit=FIRM):
    return Payee("enterprise", name, credit)


@pytest.mark.parametrize(
    "kind, payee, company, expected",
    [
        ("employment", Payee("provider"), None, None),
        ("yigong", Payee("provider"), FIRM, None),
        ("employment", Payee("bank"), None, "payee_kind_invalid"),
        ("employment", enterprise(), None, "payee_enterprise_not_allowed"),
        ("upgrading", enterprise(), None, "payee_enterprise_not_allowed"),
        ("startup", enterprise(), None, "payee_enterprise_not_allowed"),
        ("school", enterprise(), None, "payee_enterprise_not_allowed"),
        ("apprentice", enterprise(), None, None),
        ("yigong", enterprise(), FIRM, None),
        ("yigong", enterprise(credit=FIRM.lower()), FIRM, None),
        ("apprentice", enterprise(name=" "), None, "payee_name_invalid"),
        ("apprentice", enterprise(name=None), None, "payee_name_invalid"),
        ("apprentice", enterprise(name="企" * 201), None, "payee_name_invalid"),
        ("apprentice", enterprise(credit=WRONG), None, "payee_credit_code_invalid"),
        ("apprentice", enterprise(credit=FIRM[:17]), None, "payee_credit_code_invalid"),
        ("apprentice", enterprise(credit=None), None, "payee_credit_code_invalid"),
        ("yigong", enterprise(credit=OTHER), FIRM, "payee_not_company"),
        ("apprentice", enterprise(credit=OTHER), FIRM, None),  # only 以工代训 names a company
    ],
)
def test_payee_refusal(kind, payee, company, expected):
    assert payee_refusal(kind, payee, company) == expected


def test_clean_payee():
    assert clean_payee(enterprise(name=" 某企业 ", credit=FIRM.lower())) == enterprise("某企业")
    assert clean_payee(Payee("provider", "ignored", "x")) == Payee("provider")


def test_claim_records_its_payee(make_world, shared_faces):
    world = make_world(learners=1)
    enroll(world.learners[0], shared_faces, PEOPLE[0])
    world.attest(world.learners[0])
    world.exam(world.learners[0])
    world.standard(150_000, kind="apprentice")
    world.close()

    # the provider by default, as it was named when the claim was built
    claim = world.claim()
    assert claim["payee"] == {
        "kind": "provider",
        "name": world.provider.name,
        "credit_code": world.provider.credit_code,
    }

    # an enterprise only for 以工代训 / 企业新型学徒, with a valid code
    refusals = [
        (
            {"kind": "employment", "payee_kind": "enterprise"},
            "payee_enterprise_not_allowed",
            "只有以工代训和企业新型学徒补贴可以直接拨付给企业。",
        ),
        (
            {"kind": "apprentice", "payee_kind": "enterprise", "payee_name": "某企业"},
            "payee_credit_code_invalid",
            "请填写企业有效的统一社会信用代码。",
        ),
        ({"payee_kind": "someone"}, "payee_kind_invalid", "请选择收款方：培训机构或企业。"),
    ]
    for body, expected, message in refusals:
        body = {"class_id": world.class_.id, "payee_credit_code": WRONG, **body}
        r = world.as_staff("POST", "/api/v1/subsidy/claims", json=body)
        assert r.status_code == 422
        assert (r.get_json()["error"]["code"], r.get_json()["error"]["message"]) == (
            expected,
            message,
        )

    claim = world.claim(
        kind="apprentice",
        payee_kind="enterprise",
        payee_name=" 西安某机械有限公司 ",
        payee_credit_code=FIRM.lower(),
    )
    assert claim["payee"] == {
        "kind": "enterprise",
        "name": "西安某机械有限公司",
        "credit_code": FIRM,
    }
    assert world.decisions(claim)[world.learners[0].id]["amount_fen"] == 150_000

    # 以工代训: the enterprise paid is the claim's company, its code the default
    r = world.as_staff(
        "POST",
        "/api/v1/subsidy/claims",
        json={
            "class_id": world.class_.id,
            "kind": "yigong",
            "company_credit_code": FIRM,
            "payee_kind": "enterprise",
            "payee_name": "另一企业",
            "payee_credit_code": OTHER,
        },
    )
    assert r.get_json()["error"]["code"] == "payee_not_company"
    yigong = world.claim(
        kind="yigong", company_credit_code=FIRM, payee_kind="enterprise", payee_name="某企业"
    )
    assert yigong["payee"]["credit_code"] == FIRM

    # shown on the claim page and in the XLSX
    page = world.staff_client.get(f"/subsidy/claims/{claim['id']}").get_data(as_text=True)
    assert "西安某机械有限公司" in page and FIRM in page
    r = world.as_staff("GET", f"/api/v1/subsidy/claims/{claim['id']}/xlsx")
    rows = list(load_workbook(io.BytesIO(r.data))["申领信息"].iter_rows(values_only=True))
    assert rows[1][4:] == ("企业", "西安某机械有限公司", FIRM)
