"""Administrative divisions SkillTrace knows about (GB/T 2260)."""

from __future__ import annotations

SHAANXI = "61"

# Shaanxi's prefecture-level cities (and the Yangling demonstration zone, which is
# administered at city level for training subsidies).
SHAANXI_CITIES: dict[str, str] = {
    "6101": "西安市",
    "6102": "铜川市",
    "6103": "宝鸡市",
    "6104": "咸阳市",
    "6105": "渭南市",
    "6106": "延安市",
    "6107": "汉中市",
    "6108": "榆林市",
    "6109": "安康市",
    "6110": "商洛市",
    "6111": "杨凌示范区",
}

# First two digits of a resident ID number (province-level divisions).
PROVINCE_CODES: frozenset[str] = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


def scope_label(scope: str) -> str:
    """Human label of a regulator scope: the province or one city."""
    return "陕西省" if scope == SHAANXI else SHAANXI_CITIES.get(scope, scope)


def scope_covers(scope: str, city_code: str) -> bool:
    """Whether a regulator scoped to ``scope`` ('61' or a city code) covers ``city_code``."""
    return scope == SHAANXI and city_code in SHAANXI_CITIES or scope == city_code
