"""A segment's tree read back as a sentence, in English or Korean.

"signed up in the last 7 days AND NOT orders in the last 7 days >= 1"
"최근 7일 이내 가입 그리고 아님(최근 7일 주문 수 1 이상)"
"""

from __future__ import annotations

from collections.abc import Callable

_WORDS = {
    "en": {"AND": " AND ", "OR": " OR ", "NOT": "NOT {}", "ever": "ever", "days": "in the last {} days",
           "months": "in the last {} months"},
    "ko": {"AND": " 그리고 ", "OR": " 또는 ", "NOT": "아님({})", "ever": "전체 기간", "days": "최근 {}일",
           "months": "최근 {}개월"},
}
_CHANNELS_KO = {"SMS": "SMS", "KAKAO": "카카오톡", "EMAIL": "이메일", "PUSH": "앱 푸시", "NIGHT": "야간 광고"}


def sentence(tree: dict, locale: str = "en") -> str:
    language = "ko" if locale.startswith("ko") else "en"
    return _node(tree, language, top=True)


def _node(node: dict, language: str, top: bool = False) -> str:
    words = _WORDS[language]
    if "field" in node:
        return _CONDITIONS[node["field"]][language](node)
    if node["op"] == "NOT":
        inner = _node(node["child"], language)
        if language == "en" and _is_group(node["child"]):
            inner = f"({inner})"
        return words["NOT"].format(inner)
    text = words[node["op"]].join(_node(child, language) for child in node["children"])
    return text if top or len(node["children"]) == 1 else f"({text})"


def _is_group(node: dict) -> bool:
    return "op" in node and node["op"] != "NOT" and len(node["children"]) > 1


def _number(value: int) -> str:
    return f"{value:,}"


def _cmp_en(cmp: dict, unit: str = "") -> str:
    if cmp["op"] == "BETWEEN":
        return f"between {_number(cmp['value'])}{unit} and {_number(cmp['value2'])}{unit}"
    symbol = {"GTE": ">=", "LTE": "<=", "EQ": "="}[cmp["op"]]
    return f"{symbol} {_number(cmp['value'])}{unit}"


def _cmp_ko(cmp: dict, unit: str = "") -> str:
    if cmp["op"] == "BETWEEN":
        return f"{_number(cmp['value'])}{unit}~{_number(cmp['value2'])}{unit}"
    suffix = {"GTE": " 이상", "LTE": " 이하", "EQ": ""}[cmp["op"]]
    return f"{_number(cmp['value'])}{unit}{suffix}"


def _period(period: dict, language: str) -> str:
    words = _WORDS[language]
    if "days" in period:
        return words["days"].format(period["days"])
    if "months" in period:
        return words["months"].format(period["months"])
    return words["ever"]


def _counted(en_noun: str, ko_noun: str, unit_ko: str = "") -> dict[str, Callable[[dict], str]]:
    """Conditions of the form "<noun> <period> <comparison>"."""
    return {
        "en": lambda c: f"{en_noun} {_period(c['period'], 'en')} {_cmp_en(c['cmp'])}",
        "ko": lambda c: f"{_period(c['period'], 'ko')} {ko_noun} {_cmp_ko(c['cmp'], unit_ko)}",
    }


def _last_order_en(c: dict) -> str:
    return {
        "WITHIN_DAYS": lambda: f"last order in the last {c.get('days')} days",
        "BEFORE_DAYS": lambda: f"last order more than {c.get('days')} days ago",
        "BEFORE_DATE": lambda: f"last order before {c.get('date')}",
        "AFTER_DATE": lambda: f"last order after {c.get('date')}",
    }[c["when"]]()


def _last_order_ko(c: dict) -> str:
    return {
        "WITHIN_DAYS": lambda: f"최근 {c.get('days')}일 이내 마지막 주문",
        "BEFORE_DAYS": lambda: f"마지막 주문이 {c.get('days')}일보다 이전",
        "BEFORE_DATE": lambda: f"마지막 주문이 {c.get('date')} 이전",
        "AFTER_DATE": lambda: f"마지막 주문이 {c.get('date')} 이후",
    }[c["when"]]()


_TAG_WORDS = {
    "en": {"ANY": "has any of the tags {}", "ALL": "has all of the tags {}", "NONE": "has none of the tags {}"},
    "ko": {"ANY": "태그 {} 중 하나 이상 보유", "ALL": "태그 {} 모두 보유", "NONE": "태그 {} 모두 없음"},
}

_CONDITIONS: dict[str, dict[str, Callable[[dict], str]]] = {
    "SIGNED_UP": {"en": lambda c: f"signed up in the last {c['days']} days",
                  "ko": lambda c: f"최근 {c['days']}일 이내 가입"},
    "ORDER_COUNT": _counted("orders", "주문 수", "건"),
    "AMOUNT_SPENT": {"en": lambda c: f"amount spent {_period(c['period'], 'en')} {_cmp_en(c['cmp'], ' won')}",
                     "ko": lambda c: f"{_period(c['period'], 'ko')} 구매 금액 {_cmp_ko(c['cmp'], '원')}"},
    "LAST_ORDER": {"en": _last_order_en, "ko": _last_order_ko},
    "GRADE": {"en": lambda c: f"grade is {' or '.join(c['grades'])}",
              "ko": lambda c: f"등급 {', '.join(c['grades'])}"},
    "POINTS_HELD": {"en": lambda c: f"points held {_cmp_en(c['cmp'])}",
                    "ko": lambda c: f"보유 포인트 {_cmp_ko(c['cmp'], 'P')}"},
    "POINTS_EARNED": _counted("points earned", "적립 포인트", "P"),
    "EARNINGS": _counted("earnings", "적립 횟수", "회"),
    "TAGS": {"en": lambda c: _TAG_WORDS["en"][c["match"]].format(", ".join(c["tags"])),
             "ko": lambda c: _TAG_WORDS["ko"][c["match"]].format(", ".join(c["tags"]))},
    "VISITS": _counted("visits", "방문 수", "회"),
    "CONSENT": {"en": lambda c: f"consents to {c['channel']} marketing",
                "ko": lambda c: f"{_CHANNELS_KO[c['channel']]} 마케팅 수신 동의"},
    "BIRTHDAY": {"en": lambda c: f"birthday within {c['days']} days",
                 "ko": lambda c: f"{c['days']}일 이내 생일"},
    "HOLDS_COUPON": {"en": lambda c: f"holds an unused coupon #{c['coupon_id']}",
                     "ko": lambda c: f"미사용 쿠폰 #{c['coupon_id']} 보유"},
}
