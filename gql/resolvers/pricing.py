"""What coupons do to a cart: pure functions, no database.

Rules (SPEC section 1):
- PRODUCT coupons discount one line, CART coupons the eligible lines together,
  SHIPPING coupons the shipping fee.
- Per line at most one non-stackable PRODUCT coupon, per order at most one
  CART and one SHIPPING coupon; *_STACKABLE coupons add on top.
- Percentages round down to the won, then the cap applies; no discount ever
  exceeds what is left of the amount it applies to.
- Lines paid with a government training card take no coupon.
- Order of application: non-stackable product coupons, stackable product
  coupons, non-stackable cart coupon, stackable cart coupons, shipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gql.resolvers.assignment import max_weight_assignment
from gql.resolvers.errors import Problem, Refused
from kupon.money import allocate, percent_of
from models.catalog import ProductKind
from models.coupons import BenefitKind, Channel, CouponType, TargetScope

PRODUCT_TYPES = (CouponType.PRODUCT, CouponType.PRODUCT_STACKABLE)
CART_TYPES = (CouponType.CART, CouponType.CART_STACKABLE)


@dataclass(frozen=True)
class CartLine:
    product_id: int | None
    category_id: int | None
    kind: ProductKind
    quantity: int
    unit_price: int
    training_card: bool = False
    name: str = ""

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Cart:
    lines: tuple[CartLine, ...]
    channel: Channel
    shipping_fee: int = 0
    site_id: int | None = None

    @property
    def list_total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class CouponTerms:
    """The parts of a coupon definition that decide its discount."""

    coupon_id: int
    type: CouponType
    benefit: BenefitKind
    amount: int = 0
    percent: int = 0
    max_discount: int | None = None
    gift_name: str = ""
    target_scope: TargetScope = TargetScope.ALL
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    product_kinds: frozenset[str] = frozenset()
    min_amount: int = 0
    channels: frozenset[str] = frozenset()
    site_id: int | None = None

    @classmethod
    def of(cls, coupon) -> CouponTerms:
        return cls(
            coupon_id=coupon.id, type=CouponType(coupon.type), benefit=BenefitKind(coupon.benefit),
            amount=coupon.amount, percent=coupon.percent, max_discount=coupon.max_discount,
            gift_name=coupon.gift_name, target_scope=TargetScope(coupon.target_scope),
            category_ids=frozenset(coupon.target_category_ids or ()),
            product_ids=frozenset(coupon.target_product_ids or ()),
            product_kinds=frozenset(coupon.product_kinds or ()), min_amount=coupon.min_amount,
            channels=frozenset(coupon.channel_list), site_id=coupon.site_id,
        )

    def covers(self, line: CartLine) -> bool:
        if line.training_card:
            return False
        if self.product_kinds and line.kind.value not in self.product_kinds:
            return False
        if self.target_scope == TargetScope.CATEGORIES:
            return line.category_id in self.category_ids
        if self.target_scope == TargetScope.PRODUCTS:
            return line.product_id in self.product_ids
        return True

    def discount_on(self, base: int) -> int:
        """The benefit on an amount: never negative, never more than the amount."""
        if base <= 0:
            return 0
        if self.benefit == BenefitKind.FIXED:
            value = self.amount
        elif self.benefit == BenefitKind.PERCENT:
            value = percent_of(base, self.percent)
            if self.max_discount is not None:
                value = min(value, self.max_discount)
        elif self.benefit == BenefitKind.FREE_SHIPPING:
            value = base
        else:  # GIFT: a giveaway, no money off
            value = 0
        return max(0, min(value, base))


@dataclass(frozen=True)
class Offer:
    """A wallet coupon at checkout; `refusal` is a reason found before pricing (expired, limit, ...)."""

    member_coupon_id: int
    terms: CouponTerms
    refusal: str | None = None


@dataclass(frozen=True)
class Application:
    """A coupon applied: to a line (`line_index`), to the order's lines, or to shipping."""

    member_coupon_id: int
    coupon_id: int
    discount: int
    line_index: int | None = None
    gift_name: str = ""
    on_shipping: bool = False


@dataclass(frozen=True)
class Verdict:
    """One coupon judged alone: what it would give, or why it does not apply."""

    member_coupon_id: int
    coupon_id: int
    discount: int = 0
    line_index: int | None = None
    gift_name: str = ""
    reason: str | None = None

    @property
    def applicable(self) -> bool:
        return self.reason is None


@dataclass
class Quote:
    cart: Cart
    applications: list[Application] = field(default_factory=list)
    line_discounts: list[int] = field(default_factory=list)

    @property
    def item_discount(self) -> int:
        return sum(self.line_discounts)

    @property
    def shipping_discount(self) -> int:
        return sum(a.discount for a in self.applications if a.on_shipping)

    @property
    def total(self) -> int:
        return max(0, self.cart.list_total - self.item_discount + self.cart.shipping_fee - self.shipping_discount)

    @property
    def gifts(self) -> list[str]:
        return [a.gift_name for a in self.applications if a.gift_name]


def _lines_for(terms: CouponTerms, cart: Cart) -> list[int]:
    return [i for i, line in enumerate(cart.lines) if terms.covers(line)]


def judge(offer: Offer, cart: Cart) -> Verdict:
    """The coupon alone on this cart."""
    terms = offer.terms
    base = Verdict(offer.member_coupon_id, terms.coupon_id)
    reason = offer.refusal or _context_refusal(terms, cart)
    if reason:
        return Verdict(base.member_coupon_id, base.coupon_id, reason=reason)
    if terms.type == CouponType.SHIPPING:
        if cart.shipping_fee <= 0:
            return Verdict(base.member_coupon_id, base.coupon_id, reason="NO_SHIPPING_FEE")
        if sum(cart.lines[i].amount for i in _lines_for(terms, cart)) < terms.min_amount:
            return Verdict(base.member_coupon_id, base.coupon_id, reason="BELOW_MINIMUM_AMOUNT")
        return Verdict(base.member_coupon_id, base.coupon_id, discount=terms.discount_on(cart.shipping_fee),
                       gift_name=terms.gift_name if terms.benefit == BenefitKind.GIFT else "")
    covered = _lines_for(terms, cart)
    if not covered:
        return Verdict(base.member_coupon_id, base.coupon_id, reason="NO_ELIGIBLE_ITEMS")
    gift = terms.gift_name if terms.benefit == BenefitKind.GIFT else ""
    if terms.type in PRODUCT_TYPES:
        reaching = [i for i in covered if cart.lines[i].amount >= terms.min_amount]
        if not reaching:
            return Verdict(base.member_coupon_id, base.coupon_id, reason="BELOW_MINIMUM_AMOUNT")
        best = max(reaching, key=lambda i: (terms.discount_on(cart.lines[i].amount), -i))
        return Verdict(base.member_coupon_id, base.coupon_id, discount=terms.discount_on(cart.lines[best].amount),
                       line_index=best, gift_name=gift)
    subtotal = sum(cart.lines[i].amount for i in covered)
    if subtotal < terms.min_amount:
        return Verdict(base.member_coupon_id, base.coupon_id, reason="BELOW_MINIMUM_AMOUNT")
    return Verdict(base.member_coupon_id, base.coupon_id, discount=terms.discount_on(subtotal), gift_name=gift)


def _context_refusal(terms: CouponTerms, cart: Cart) -> str | None:
    if terms.channels and cart.channel.value not in terms.channels:
        return "WRONG_CHANNEL"
    if terms.site_id is not None and cart.site_id is not None and terms.site_id != cart.site_id:
        return "WRONG_SITE"
    return None


def best_combination(offers: list[Offer], cart: Cart) -> Quote:
    """The combination of wallet coupons that takes the most off, within the stacking rules."""
    verdicts = {o.member_coupon_id: judge(o, cart) for o in offers}
    usable = [o for o in offers if verdicts[o.member_coupon_id].applicable]
    by_type = {t: [o for o in usable if o.terms.type == t] for t in CouponType}
    mains = _assign_product_coupons(by_type[CouponType.PRODUCT], cart)
    best_cart = None
    best_total = -1
    for main in [None, *by_type[CouponType.CART]]:
        chosen_cart = [main] if main else []
        quote = _price(cart, mains, by_type[CouponType.PRODUCT_STACKABLE], chosen_cart,
                       by_type[CouponType.CART_STACKABLE], [])
        # Won doubled, as in _assign_product_coupons: a gift must not tie with one won off and,
        # listed first, win it (found by tests/coupons/test_pricing_properties.py).
        taken = quote.item_discount * 2 + (1 if main and main.terms.benefit == BenefitKind.GIFT else 0)
        if taken > best_total:
            best_total, best_cart = taken, chosen_cart
    shipping = max(by_type[CouponType.SHIPPING], key=lambda o: verdicts[o.member_coupon_id].discount, default=None)
    return _price(cart, mains, by_type[CouponType.PRODUCT_STACKABLE], best_cart or [],
                  by_type[CouponType.CART_STACKABLE], [shipping] if shipping else [])


def quote_selection(offers: list[Offer], cart: Cart) -> Quote:
    """Price exactly these coupons, or refuse: each must apply, and together they must stack."""
    problems = []
    for offer in offers:
        verdict = judge(offer, cart)
        if not verdict.applicable:
            problems.append(Problem(verdict.reason, f"coupon:{offer.member_coupon_id}"))
    if problems:
        raise Refused(*problems)
    by_type = {t: [o for o in offers if o.terms.type == t] for t in CouponType}
    for single in (CouponType.CART, CouponType.SHIPPING):
        if len(by_type[single]) > 1:
            raise Refused(Problem("STACKING_CONFLICT", f"coupon:{by_type[single][1].member_coupon_id}"))
    mains = _assign_product_coupons(by_type[CouponType.PRODUCT], cart, require_all=True)
    return _price(cart, mains, by_type[CouponType.PRODUCT_STACKABLE], by_type[CouponType.CART],
                  by_type[CouponType.CART_STACKABLE], by_type[CouponType.SHIPPING])


def _assign_product_coupons(offers: list[Offer], cart: Cart, require_all: bool = False) -> list[tuple[Offer, int]]:
    """Non-stackable product coupons to distinct lines, maximising the total discount.
    Gift coupons (no money off) count 1 so they still get a free line."""
    if not offers:
        return []
    # require_all (the member's own choice): the rules allow it whenever each coupon gets a line of
    # its own, so placing them all comes first. Without this bonus (more than any difference in
    # 2 x won + gift), more money with fewer coupons won and a choice that fits was refused as
    # STACKING_CONFLICT, a 0-won coupon on a free line even alone (tests/coupons/test_pricing_properties.py).
    placed = 2 * cart.list_total + 2 if require_all else 0

    def weight(offer: Offer, index: int) -> int:
        line = cart.lines[index]
        if not offer.terms.covers(line) or line.amount < offer.terms.min_amount:
            return 0
        # Scaled so one won of discount always beats a gift.
        return placed + offer.terms.discount_on(line.amount) * 2 + (1 if offer.terms.benefit == BenefitKind.GIFT else 0)

    matrix = [[weight(o, i) for i in range(len(cart.lines))] for o in offers]
    pairs = max_weight_assignment(matrix)
    if require_all and len(pairs) < len(offers):
        placed = {r for r, _ in pairs}
        loser = next(o for r, o in enumerate(offers) if r not in placed)
        raise Refused(Problem("STACKING_CONFLICT", f"coupon:{loser.member_coupon_id}"))
    return [(offers[r], c) for r, c in pairs]


def _price(cart: Cart, mains: list[tuple[Offer, int]], product_stack: list[Offer], cart_main: list[Offer],
           cart_stack: list[Offer], shipping: list[Offer]) -> Quote:
    remaining = [line.amount for line in cart.lines]
    applications: list[Application] = []
    for offer, index in mains:
        applications.append(_take_from_line(offer, index, cart.lines[index].amount, remaining))
    for offer in product_stack:
        covered = [i for i in _lines_for(offer.terms, cart)
                   if cart.lines[i].amount >= offer.terms.min_amount]
        if not covered:
            continue
        index = max(covered, key=lambda i: (min(offer.terms.discount_on(cart.lines[i].amount), remaining[i]), -i))
        applications.append(_take_from_line(offer, index, cart.lines[index].amount, remaining))
    for offer in [*cart_main, *cart_stack]:
        covered = _lines_for(offer.terms, cart)
        if sum(cart.lines[i].amount for i in covered) < offer.terms.min_amount:
            continue
        left = [remaining[i] for i in covered]
        discount = min(offer.terms.discount_on(sum(cart.lines[i].amount for i in covered)), sum(left))
        for i, part in zip(covered, allocate(discount, left), strict=True):
            remaining[i] -= part
        applications.append(Application(offer.member_coupon_id, offer.terms.coupon_id, discount,
                                        gift_name=_gift(offer)))
    quote = Quote(cart=cart, applications=applications,
                  line_discounts=[line.amount - left for line, left in zip(cart.lines, remaining, strict=True)])
    for offer in shipping[:1]:
        applications.append(Application(offer.member_coupon_id, offer.terms.coupon_id,
                                        offer.terms.discount_on(cart.shipping_fee), gift_name=_gift(offer),
                                        on_shipping=True))
    return quote


def _take_from_line(offer: Offer, index: int, base: int, remaining: list[int]) -> Application:
    discount = min(offer.terms.discount_on(base), remaining[index])
    remaining[index] -= discount
    return Application(offer.member_coupon_id, offer.terms.coupon_id, discount, line_index=index,
                       gift_name=_gift(offer))


def _gift(offer: Offer) -> str:
    return offer.terms.gift_name if offer.terms.benefit == BenefitKind.GIFT else ""
