"""Realistic demo data: two sites, ~50 members with Korean names, courses and books, a demo operator.

Deterministic (seeded), and loading it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from gql.resolvers.auth import create_operator
from kupon.demo_orders import load_demo_orders
from kupon.demo_shipping import load_demo_carriers
from kupon.demo_training import load_demo_enrolments
from kupon.timeutil import now_utc
from models.access import Operator, Role
from models.catalog import Category, Product, ProductKind
from models.members import Grade, Member
from models.orders import Order
from models.sites import Site

DEMO_OPERATOR = ("admin", "kupon-demo-1234")
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "지호", "하린", "예준", "수아",
         "건우", "지민", "현우", "채원", "우진", "다은", "선우", "예린", "연우", "소율", "유준", "지아"]
ROMAN = {"김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
         "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
         "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "류": "ryu", "홍": "hong"}
CATALOG = {
    "edu": [
        ("어학", ProductKind.COURSE, [("토익 900 완성반", 189000), ("비즈니스 영어회화", 150000),
                                     ("일본어 JLPT N2", 135000)]),
        ("IT·개발", ProductKind.COURSE, [("파이썬 데이터 분석 입문", 280000), ("SQL 실무 활용", 220000),
                                        ("웹 프론트엔드 부트캠프", 450000)]),
        ("자격증", ProductKind.COURSE, [("전기기사 필기 대비", 320000), ("정보처리기사 실기", 240000)]),
        ("교재", ProductKind.BOOK, [("토익 실전 모의고사 10회", 18000), ("파이썬 첫걸음", 25000),
                                   ("정보처리기사 기출문제집", 32000)]),
    ],
    "books": [
        ("소설", ProductKind.BOOK, [("달빛 서점의 밤", 15800), ("여름의 끝에서", 14000)]),
        ("경제·경영", ProductKind.BOOK, [("작은 가게의 마케팅", 19800), ("숫자로 읽는 회계", 22000)]),
        ("자기계발", ProductKind.BOOK, [("하루 30분 공부법", 16000)]),
    ],
}


async def load_demo_data(member_count: int = 50) -> dict[str, int]:
    """Create the demo rows that are missing; return how many of each now exist."""
    rng = random.Random(20261124)
    async with in_transaction():
        edu, _ = await Site.get_or_create(code="edu", defaults={"name": "케이에듀 온라인스쿨",
                                                                "domain": "edu.example.kr"})
        books, _ = await Site.get_or_create(code="books", defaults={"name": "케이북스", "domain": "books.example.kr"})
        sites = {"edu": edu, "books": books}
        for site_code, categories in CATALOG.items():
            for order, (category_name, kind, products) in enumerate(categories):
                category, _ = await Category.get_or_create(
                    site=sites[site_code], name=category_name, defaults={"sort_order": order}
                )
                for index, (name, price) in enumerate(products):
                    code = f"{site_code.upper()}-{order + 1:02d}{index + 1:02d}"
                    await Product.get_or_create(code=code, defaults={
                        "site": sites[site_code], "category": category, "name": name, "kind": kind, "price": price,
                        "training_card_eligible": kind == ProductKind.COURSE and category_name == "자격증",
                    })
        now = now_utc()
        for n in range(1, member_count + 1):
            surname, given = SURNAMES[rng.randrange(len(SURNAMES))], GIVEN[rng.randrange(len(GIVEN))]
            login_id = f"{ROMAN[surname]}{n:03d}"
            site = edu if n % 3 else books
            await Member.get_or_create(site=site, login_id=login_id, defaults={
                "name": surname + given,
                "phone": f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}",
                "email": f"{login_id}@{rng.choice(['naver.com', 'gmail.com', 'daum.net', 'kakao.com'])}",
                "grade": rng.choices(list(Grade), weights=[60, 25, 10, 5])[0],
                "birthday": date(rng.randint(1970, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                "signed_up_at": now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440)),
            })
    if not await Operator.exists(login_id=DEMO_OPERATOR[0]):
        await create_operator(None, DEMO_OPERATOR[0], "데모 관리자", DEMO_OPERATOR[1], Role.OWNER)
    await load_demo_messaging()
    await load_demo_orders()
    await load_demo_enrolments()
    await load_demo_carriers()
    return {"sites": await Site.all().count(), "products": await Product.all().count(),
            "members": await Member.all().count(), "operators": await Operator.all().count(),
            "orders": await Order.all().count()}


async def load_demo_messaging() -> None:
    """The shop's name and a (made-up) free 080 number, which advertising messages must carry."""
    from gql.resolvers.access import operator_actor
    from gql.resolvers.messaging_settings import KEY, update_messaging_settings
    from models.coupons import ShopSetting

    if await ShopSetting.exists(key=KEY):
        return
    owner = await Operator.get(login_id=DEMO_OPERATOR[0])
    await update_messaging_settings(operator_actor(owner),
                                    {"shop_name": "에듀몰 데모", "opt_out_number": "080-123-4567"})
