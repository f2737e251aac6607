"""Properties of the pricing engine (gql/resolvers/pricing.py) over random carts and wallets.

Pure functions, no database: these tests do not ask for `db`, so they run once.
Every quote, whether from `best_combination` or from `quote_selection` of a random
subset of the wallet (which may refuse: that is allowed, with the right reason), must
keep the money rules of SPEC section 1 and the stacking rules of the module docstring;
the best combination is never worse than one coupon alone, and where no coupon can use
a line up it is never worse than any selection (a greedy one included). The cases the
properties found are pinned down at the end, with two known limitations as xfail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gql.resolvers.errors import Refused
from gql.resolvers.pricing import (
    PRODUCT_TYPES,
    Cart,
    CartLine,
    CouponTerms,
    Offer,
    Quote,
    best_combination,
    judge,
    quote_selection,
)
from models.catalog import ProductKind
from models.coupons import BenefitKind, Channel, CouponType, TargetScope

PRODUCT_IDS = range(1, 7)
CATEGORY_IDS = range(1, 5)
SITE_IDS = [None, 1, 2]
PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Strategies -----------------------------------------------------------------------------------
# Two worlds: "wide" is the brief's (1-20 lines up to 500,000 won, 0-30 coupons of any size);
# "edge" is small carts and wallets with boundary values (0 and 1 won, ties, 100 %), where
# coupons use lines up and tie, so the cases that hide in the wide world come up often.

WIDE_PRICES = st.one_of(st.integers(0, 500_000), st.sampled_from([0, 1, 100, 1000, 10_000]))
EDGE_PRICES = st.sampled_from([0, 1, 2, 3, 5, 99, 100, 1000, 5000, 10_000])
WIDE_AMOUNTS = st.one_of(st.integers(1, 100_000), st.sampled_from([1, 1000, 5000, 10_000]))
EDGE_AMOUNTS = st.sampled_from([1, 2, 3, 5, 100, 1000, 5000, 10_000])
WIDE_MINIMUMS = st.one_of(st.just(0), st.integers(0, 1_000_000))
EDGE_MINIMUMS = st.sampled_from([0, 0, 0, 1, 100, 5000])
ALL_KINDS = st.sampled_from(ProductKind)
ANY_KINDS = st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from([k.value for k in ProductKind]), min_size=1))
BENEFITS_FOR = {
    CouponType.SHIPPING: st.sampled_from([BenefitKind.FIXED, BenefitKind.PERCENT, BenefitKind.FREE_SHIPPING]),
    **{t: st.sampled_from([BenefitKind.FIXED, BenefitKind.PERCENT, BenefitKind.GIFT])
       for t in CouponType if t != CouponType.SHIPPING},
}
PERCENTS = st.one_of(st.integers(1, 100), st.sampled_from([1, 10, 50, 100]))
GIFT_NAMES = st.sampled_from(["텀블러", "에코백", "볼펜"])
SCOPES = st.sampled_from(TargetScope)
CATEGORY_SETS = st.frozensets(st.sampled_from(CATEGORY_IDS), min_size=1)
PRODUCT_SETS = st.frozensets(st.sampled_from(PRODUCT_IDS), min_size=1)
# Mostly every channel and any site, so that most coupons reach pricing.
CHANNEL_SETS = st.one_of(st.just(frozenset(c.value for c in Channel)),
                         st.frozensets(st.sampled_from([c.value for c in Channel]), min_size=1))
SITES = st.sampled_from(SITE_IDS)
COUPON_SITES = st.sampled_from([None, None, None, *SITE_IDS])
REFUSALS = st.sampled_from([None] * 9 + ["COUPON_EXPIRED"])


def carts(max_lines: int = 20, prices=WIDE_PRICES, kinds=ALL_KINDS) -> st.SearchStrategy[Cart]:
    line = st.builds(
        CartLine,
        product_id=st.one_of(st.none(), st.sampled_from(PRODUCT_IDS)),
        category_id=st.one_of(st.none(), st.sampled_from(CATEGORY_IDS)),
        kind=kinds,
        quantity=st.integers(1, 5),
        unit_price=prices,
        training_card=st.sampled_from([False] * 5 + [True]),  # about one line in six
    )
    return st.builds(
        Cart,
        lines=st.lists(line, min_size=1, max_size=max_lines).map(tuple),
        channel=st.sampled_from(Channel),
        shipping_fee=st.one_of(st.just(0), st.just(3000), st.integers(0, 10_000)),
        site_id=SITES,
    )


def coupon_terms(amounts=WIDE_AMOUNTS, min_amounts=WIDE_MINIMUMS, types=tuple(CouponType),
                 kinds=ANY_KINDS) -> st.SearchStrategy[CouponTerms]:
    """Only combinations an operator can save (gql/resolvers/coupons.py clean_coupon_input).
    The coupon id is 0: `wallets` numbers them."""
    caps = st.one_of(st.none(), amounts)
    type_strategy = st.sampled_from(types)

    @st.composite
    def terms(draw) -> CouponTerms:
        ctype = draw(type_strategy)
        benefit = draw(BENEFITS_FOR[ctype])
        values = {}
        if benefit == BenefitKind.FIXED:
            values["amount"] = draw(amounts)
        elif benefit == BenefitKind.PERCENT:
            values["percent"], values["max_discount"] = draw(PERCENTS), draw(caps)
        elif benefit == BenefitKind.GIFT:
            values["gift_name"] = draw(GIFT_NAMES)
        scope = draw(SCOPES)
        if scope == TargetScope.CATEGORIES:
            values["category_ids"] = draw(CATEGORY_SETS)
        elif scope == TargetScope.PRODUCTS:
            values["product_ids"] = draw(PRODUCT_SETS)
        return CouponTerms(coupon_id=0, type=ctype, benefit=benefit, target_scope=scope, product_kinds=draw(kinds),
                           min_amount=draw(min_amounts), channels=draw(CHANNEL_SETS), site_id=draw(COUPON_SITES),
                           **values)

    return terms()


def wallets(max_size: int = 30, refusals: bool = True, **terms) -> st.SearchStrategy[list[Offer]]:
    """Offers with distinct member coupon ids; about one in ten holds the same coupon as an earlier
    one (a member may hold several), one in ten carries a refusal found before pricing (expired)."""
    entry = st.tuples(coupon_terms(**terms), st.integers(0, 29), REFUSALS if refusals else st.none())

    def numbered(entries) -> list[Offer]:
        offers: list[Offer] = []
        for index, (drawn, share, refusal) in enumerate(entries):
            drawn = offers[share % len(offers)].terms if offers and share < 3 else replace(drawn, coupon_id=100 + index)
            offers.append(Offer(member_coupon_id=1000 + index, terms=drawn, refusal=refusal))
        return offers

    return st.lists(entry, max_size=max_size).map(numbered)


WORLDS = {
    "wide": (carts(), wallets()),
    "edge": (carts(max_lines=3, prices=EDGE_PRICES),
             wallets(max_size=6, amounts=EDGE_AMOUNTS, min_amounts=EDGE_MINIMUMS)),
    # Product coupons only, on courses and books: where the line each one takes matters.
    "lines": (carts(max_lines=4, prices=EDGE_PRICES, kinds=st.sampled_from([ProductKind.COURSE, ProductKind.BOOK])),
              wallets(max_size=6, refusals=False, amounts=EDGE_AMOUNTS, min_amounts=EDGE_MINIMUMS,
                      types=(CouponType.PRODUCT, CouponType.PRODUCT, CouponType.PRODUCT_STACKABLE),
                      kinds=st.sampled_from([frozenset(), frozenset({"COURSE"}), frozenset({"BOOK"})]))),
}


# Invariants of any quote ----------------------------------------------------------------------

def covered_subtotal(terms: CouponTerms, cart: Cart) -> int:
    return sum(line.amount for line in cart.lines if terms.covers(line))


def check_quote(quote: Quote, offers: list[Offer], cart: Cart) -> None:
    terms_of = {o.member_coupon_id: o.terms for o in offers}
    apps = quote.applications
    assert len(quote.line_discounts) == len(cart.lines)
    ids = [a.member_coupon_id for a in apps]
    assert len(ids) == len(set(ids)), "a wallet coupon applied twice"
    assert set(ids) <= set(terms_of)

    for line, discount in zip(cart.lines, quote.line_discounts, strict=True):
        assert 0 <= discount <= line.amount
        if line.training_card:
            assert discount == 0, "a training-card line took a coupon"

    for app in apps:
        terms = terms_of[app.member_coupon_id]
        assert app.coupon_id == terms.coupon_id
        assert app.discount >= 0
        if terms.type == CouponType.SHIPPING:
            assert app.on_shipping and app.line_index is None
            base = cart.shipping_fee
        elif terms.type in PRODUCT_TYPES:
            assert not app.on_shipping and app.line_index is not None
            line = cart.lines[app.line_index]
            assert terms.covers(line) and line.amount >= terms.min_amount
            base = line.amount
        else:
            assert not app.on_shipping and app.line_index is None
            base = covered_subtotal(terms, cart)
            assert base >= terms.min_amount
        assert app.discount <= base
        if terms.benefit == BenefitKind.PERCENT:
            assert app.discount <= base * terms.percent // 100
            if terms.max_discount is not None:
                assert app.discount <= terms.max_discount
        elif terms.benefit == BenefitKind.FIXED:
            assert app.discount <= terms.amount
        elif terms.benefit == BenefitKind.GIFT:
            assert app.discount == 0 and app.gift_name == terms.gift_name
        if terms.benefit != BenefitKind.GIFT:
            assert app.gift_name == ""

    # The line discounts are exactly the item applications, spread over lines.
    assert sum(a.discount for a in apps if not a.on_shipping) == quote.item_discount
    assert 0 <= quote.shipping_discount <= cart.shipping_fee
    assert quote.total >= 0
    assert quote.total == cart.list_total - quote.item_discount + cart.shipping_fee - quote.shipping_discount
    assert sorted(quote.gifts) == sorted(a.gift_name for a in apps if a.gift_name)

    # Stacking: one non-stackable product coupon per line, one CART and one SHIPPING per order.
    types = Counter(terms_of[a.member_coupon_id].type for a in apps)
    assert types[CouponType.CART] <= 1
    assert types[CouponType.SHIPPING] <= 1
    per_line = Counter(a.line_index for a in apps if terms_of[a.member_coupon_id].type == CouponType.PRODUCT)
    assert all(count == 1 for count in per_line.values())


def fits_together(offers: list[Offer], cart: Cart) -> bool:
    """Whether the stacking rules can hold all these coupons: one CART, one SHIPPING, and each
    non-stackable PRODUCT coupon on its own line that it covers and that reaches its minimum
    (a bipartite matching, by augmenting paths)."""
    types = Counter(o.terms.type for o in offers)
    if types[CouponType.CART] > 1 or types[CouponType.SHIPPING] > 1:
        return False
    mains = [o for o in offers if o.terms.type == CouponType.PRODUCT]
    eligible = [[i for i, line in enumerate(cart.lines) if o.terms.covers(line) and line.amount >= o.terms.min_amount]
                for o in mains]
    holder: dict[int, int] = {}

    def place(row: int, seen: set[int]) -> bool:
        for index in eligible[row]:
            if index not in seen:
                seen.add(index)
                if index not in holder or place(holder[index], seen):
                    holder[index] = row
                    return True
        return False

    return all(place(row, set()) for row in range(len(mains)))


def total_discount(quote: Quote) -> int:
    return quote.item_discount + quote.shipping_discount


# Properties -----------------------------------------------------------------------------------

@pytest.mark.parametrize("world", WORLDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_best_combination_keeps_the_rules(world, data):
    cart_strategy, wallet_strategy = WORLDS[world]
    cart, offers = data.draw(cart_strategy, "cart"), data.draw(wallet_strategy, "offers")
    best = best_combination(offers, cart)
    check_quote(best, offers, cart)
    verdicts = {o.member_coupon_id: judge(o, cart) for o in offers}
    # Only coupons that apply alone are used.
    assert all(verdicts[a.member_coupon_id].applicable for a in best.applications)
    # The best is never worse than any single applicable coupon on its own.
    for offer in offers:
        verdict = verdicts[offer.member_coupon_id]
        if verdict.applicable:
            assert total_discount(best) >= verdict.discount, (offer, verdict)


@pytest.mark.parametrize("world", WORLDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_quote_selection_keeps_the_rules_or_refuses(world, data):
    cart_strategy, wallet_strategy = WORLDS[world]
    cart, offers = data.draw(cart_strategy, "cart"), data.draw(wallet_strategy, "offers")
    chosen = data.draw(st.lists(st.sampled_from(offers), unique_by=lambda o: o.member_coupon_id, max_size=8)
                       if offers else st.just([]), "chosen")
    try:
        quote = quote_selection(chosen, cart)
    except Refused as refused:
        assert refused.codes
        verdicts = [judge(o, cart) for o in chosen]
        if any(not v.applicable for v in verdicts):
            # A coupon that does not apply alone is refused with its own reason.
            assert set(refused.codes) == {v.reason for v in verdicts if not v.applicable}
        else:
            # Coupons that each apply conflict only if the stacking rules cannot hold them all.
            assert refused.codes == ["STACKING_CONFLICT"]
            assert not fits_together(chosen, cart), chosen
        return
    check_quote(quote, chosen, cart)
    # Exactly the chosen coupons are used (a GIFT one too, with no money off).
    assert sorted(a.member_coupon_id for a in quote.applications) == sorted(o.member_coupon_id for o in chosen)


@pytest.mark.parametrize("world", WORLDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_coupon_judged_alone_gives_what_ordering_with_it_alone_gives(world, data):
    """validate (judge) and place_order (quote_selection of one) agree, coupon by coupon."""
    cart_strategy, wallet_strategy = WORLDS[world]
    cart, offers = data.draw(cart_strategy, "cart"), data.draw(wallet_strategy, "offers")
    for offer in offers:
        verdict = judge(offer, cart)
        if not verdict.applicable:
            with pytest.raises(Refused) as refused:
                quote_selection([offer], cart)
            assert refused.value.codes == [verdict.reason]
            continue
        quote = quote_selection([offer], cart)
        assert total_discount(quote) == verdict.discount
        assert quote.gifts == ([verdict.gift_name] if verdict.gift_name else [])


# Optimality where no coupon can use a line up -----------------------------------------------
# Every line costs at least 100,000 won and at most 8 coupons give at most 10,000 won each, so no
# discount is ever cut short by what an earlier coupon took. There best_combination is exact:
# nothing the member could pick by hand, greedily or otherwise, takes more off.

ROOMY_CART = carts(max_lines=6, prices=st.integers(100_000, 500_000))
ROOMY_WALLET = wallets(max_size=8, amounts=st.integers(1, 10_000), min_amounts=st.sampled_from([0, 0, 200_000]))


def roomy(offers: list[Offer]) -> list[Offer]:
    """Percent coupons capped at 10,000 won like the fixed ones."""
    return [replace(o, terms=replace(o.terms, max_discount=min(o.terms.max_discount or 10_000, 10_000)))
            if o.terms.benefit == BenefitKind.PERCENT else o for o in offers]


def greedy(offers: list[Offer], cart: Cart) -> list[Offer]:
    """Coupons by their discount alone, largest first; keep each that still stacks with those kept."""
    verdicts = {o.member_coupon_id: judge(o, cart) for o in offers}
    kept: list[Offer] = []
    for offer in sorted(offers, key=lambda o: -verdicts[o.member_coupon_id].discount):
        if not verdicts[offer.member_coupon_id].applicable:
            continue
        try:
            quote_selection([*kept, offer], cart)
        except Refused:
            continue
        kept.append(offer)
    return kept


@PROPERTY_SETTINGS
@given(cart=ROOMY_CART, offers=ROOMY_WALLET.map(roomy), data=st.data())
def test_best_combination_beats_every_selection_when_nothing_is_used_up(cart, offers, data):
    best = best_combination(offers, cart)
    check_quote(best, offers, cart)
    assert total_discount(best) >= total_discount(quote_selection(greedy(offers, cart), cart))
    for _ in range(5):
        chosen = data.draw(st.lists(st.sampled_from(offers), unique_by=lambda o: o.member_coupon_id)
                           if offers else st.just([]))
        try:
            quote = quote_selection(chosen, cart)
        except Refused:
            continue
        assert total_discount(best) >= total_discount(quote), chosen


# Cases the properties found or point at, pinned down -------------------------------------------

def course(price: int, kind: ProductKind = ProductKind.COURSE) -> CartLine:
    return CartLine(None, None, kind, 1, price)


def offer(member_coupon_id: int, ctype: str, benefit: str, **terms) -> Offer:
    return Offer(member_coupon_id, CouponTerms(member_coupon_id, CouponType(ctype), BenefitKind(benefit), **terms))


def test_one_won_off_beats_a_gift_cart_coupon():
    """best_combination weighed a CART gift as 1 won, so it tied with a 1-won discount and, listed
    first, kept it: the best combination took less off than one coupon alone."""
    cart = Cart((course(10_000),), Channel.APP)
    gift, won = offer(1, "CART", "GIFT", gift_name="텀블러"), offer(2, "CART", "FIXED", amount=1)
    best = best_combination([gift, won], cart)
    assert (best.item_discount, [a.member_coupon_id for a in best.applications]) == (1, [2])


def test_a_product_coupon_on_a_free_line_is_priced_not_refused():
    """judge() accepts it for 0 won; placing the order used to refuse it as STACKING_CONFLICT."""
    cart = Cart((course(0),), Channel.APP)
    coupon = offer(1, "PRODUCT", "FIXED", amount=1000)
    assert judge(coupon, cart).applicable and judge(coupon, cart).discount == 0
    quote = quote_selection([coupon], cart)
    assert [(a.member_coupon_id, a.line_index, a.discount) for a in quote.applications] == [(1, 0, 0)]


def test_chosen_product_coupons_that_fit_on_separate_lines_are_all_used():
    """10 % (up to 5,000) off anything and 2,000 off courses, on a course and a book: the first alone
    takes the most off on the course, but both fit (the first on the book), and the member chose
    both. Refusing them as STACKING_CONFLICT was wrong."""
    cart = Cart((course(50_000), course(20_000, ProductKind.BOOK)), Channel.APP)
    percent = offer(1, "PRODUCT", "PERCENT", percent=10, max_discount=5000)
    courses = offer(2, "PRODUCT", "FIXED", amount=2000, product_kinds=frozenset({"COURSE"}))
    quote = quote_selection([percent, courses], cart)
    assert sorted((a.member_coupon_id, a.line_index, a.discount) for a in quote.applications) == [
        (1, 1, 2000), (2, 0, 2000)]
    # The engine's own best still takes the single bigger discount.
    assert best_combination([percent, courses], cart).item_discount == 5000
    # Two coupons for one line do conflict.
    with pytest.raises(Refused) as refused:
        quote_selection([courses, offer(3, "PRODUCT", "FIXED", amount=1000, product_kinds=frozenset({"COURSE"}))],
                        cart)
    assert refused.value.codes == ["STACKING_CONFLICT"]


JOINT_LIMITATION = (
    "Known limitation, reported: non-stackable PRODUCT coupons are placed on lines to maximise their "
    "own discount, without regard to the stackable and CART coupons priced after them, which a line "
    "already used up then caps; so best_combination >= every selection holds only where no line is used "
    "up (test_best_combination_beats_every_selection_when_nothing_is_used_up).")


@pytest.mark.xfail(strict=True, reason=JOINT_LIMITATION)
def test_a_product_coupon_leaves_room_for_a_stackable_one():
    """6,000 off any product and 6,000 more off books, on a 10,000-won book and a 10,000-won course:
    the first on the course leaves the book for the second (12,000 off); on the book, 10,000."""
    cart = Cart((course(10_000, ProductKind.BOOK), course(10_000)), Channel.APP)
    anything = offer(1, "PRODUCT", "FIXED", amount=6000)
    books = offer(2, "PRODUCT_STACKABLE", "FIXED", amount=6000, product_kinds=frozenset({"BOOK"}))
    assert best_combination([anything, books], cart).item_discount == 12_000


@pytest.mark.xfail(strict=True, reason=JOINT_LIMITATION)
def test_a_product_coupon_leaves_room_for_a_cart_coupon():
    """5,000 off any product and 10,000 off the courses of the order, on a course and a book of
    10,000 won each: the first on the book gives 15,000 off; on the course, 10,000."""
    cart = Cart((course(10_000), course(10_000, ProductKind.BOOK)), Channel.APP)
    anything = offer(1, "PRODUCT", "FIXED", amount=5000)
    courses = offer(2, "CART", "FIXED", amount=10_000, product_kinds=frozenset({"COURSE"}))
    assert quote_selection([anything, courses], cart).item_discount == 15_000
