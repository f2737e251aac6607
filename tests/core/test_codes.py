"""Drawing codes: only ALPHABET, every character equally likely, the shape's template kept; and
generating them in the shared `code` table, where a collision is drawn again (both databases)."""

from __future__ import annotations

import collections
import itertools

import pytest

from gql.resolvers.codes import claim_codes, generate_codes
from kupon import codes as codes_module
from kupon.codes import ALPHABET, CodeShape, random_characters
from models.codes import Code, CodeKind


def test_every_character_comes_from_exactly_eight_byte_values_and_the_rest_are_dropped():
    preimages = collections.Counter(
        codes_module._BYTE_TO_CHARACTER[b] for b in range(256) if b not in codes_module._DROPPED_BYTES)

    assert len(ALPHABET) == 31 and codes_module._BYTE_LIMIT == 248
    assert set(codes_module._DROPPED_BYTES) == set(range(248, 256))
    assert {chr(c) for c in preimages} == set(ALPHABET) and set(preimages.values()) == {8}


def test_random_bytes_map_onto_the_alphabet_and_bytes_past_the_limit_are_drawn_again(monkeypatch):
    feed = iter([bytes([0, 248, 30, 255, 31, 247]), bytes([62, 93, 250, 5])])
    monkeypatch.setattr(codes_module.secrets, "token_bytes", lambda n: next(feed))

    # 0 -> '2', 30 -> 'Z', 31 -> '2' again, 247 -> 247 % 31 = 30 -> 'Z'; 248 and 255 dropped.
    assert random_characters(7) == "2Z2Z" + "22" + "7"


def test_characters_are_evenly_spread_over_the_alphabet():
    counts = collections.Counter(random_characters(31 * 10_000))

    assert set(counts) == set(ALPHABET)
    # Each expected 10,000 times, standard deviation about 98: 6 deviations either side.
    assert all(9_400 < n < 10_600 for n in counts.values()), counts


def test_every_position_of_a_code_is_evenly_spread():
    codes = CodeShape(length=6).draw_list(31 * 1_000)

    for position in range(6):
        counts = collections.Counter(code[position] for code in codes)
        assert set(counts) == set(ALPHABET)
        assert all(750 < n < 1_250 for n in counts.values()), (position, counts)


@pytest.mark.parametrize(("shape", "template"), [
    (CodeShape(), "#" * 12),
    (CodeShape(length=8, prefix="ab-"), "AB" + "#" * 8),
    (CodeShape(pattern="KUPON-####-####"), "KUPON########"),
    (CodeShape(pattern="X##-Y###-Z"), "X##Y###Z"),
    (CodeShape(pattern="##Q##"), "##Q##"),
])
def test_codes_keep_the_template_and_fill_its_placeholders_from_the_alphabet(shape, template):
    assert shape.template == template
    for code in [shape.draw(), *shape.draw_list(500)]:
        assert len(code) == len(template)
        for ch, slot in zip(code, template, strict=True):
            assert ch in ALPHABET if slot == "#" else ch == slot


def test_draw_many_gives_distinct_codes_even_in_a_small_space():
    shape = CodeShape(length=2)  # 961 codes in all

    assert len(shape.draw_many(900)) == 900
    assert len(CodeShape().draw_many(5_000)) == 5_000


class ScriptedShape(CodeShape):
    """Draws the given batches first (to force collisions), then random codes."""

    def __init__(self, *batches: list[str]):
        super().__init__(length=12)
        object.__setattr__(self, "batches", list(batches))

    def draw_many(self, count: int) -> set[str]:
        if self.batches:
            return set(self.batches.pop(0)[:count])
        return super().draw_many(count)


async def test_generated_codes_skip_codes_taken_by_another_kind_and_draw_again(db):
    taken = {f"TAKEN{n:07d}" for n in range(3)}
    assert await claim_codes(CodeKind.COUPON, taken) == taken
    fresh = {f"FRESH{n:07d}" for n in range(2)}
    # The first batch of 5 has 3 taken codes: 2 are claimed, the other 3 drawn again.
    shape = ScriptedShape(sorted(taken | fresh))

    made = await generate_codes(CodeKind.SERIAL, shape, 5)

    assert len(made) == len(set(made)) == 5
    assert fresh <= set(made) and not taken & set(made)
    assert await Code.filter(kind=CodeKind.COUPON).count() == 3
    assert set(await Code.filter(kind=CodeKind.SERIAL).values_list("code", flat=True)) == set(made)


async def test_a_collision_leaves_no_code_of_its_batch_half_stored_and_later_batches_still_count(
        db, monkeypatch):
    from gql.resolvers import codes as resolver

    monkeypatch.setattr(resolver, "BATCH", 4)
    await claim_codes(CodeKind.GIFT_CARD, {"AAAAAAAAAAAA"})
    batches = [["BBBBBBBBBBBB", "CCCCCCCCCCCC", "DDDDDDDDDDDD", "EEEEEEEEEEEE"],
               ["FFFFFFFFFFFF", "AAAAAAAAAAAA", "GGGGGGGGGGGG", "HHHHHHHHHHHH"]]
    progress: list[tuple[int, int]] = []
    copies: list[bool] = []
    copy = resolver._copy_postgres

    async def report(done: int, total: int) -> None:
        progress.append((done, total))

    async def spied_copy(*args) -> bool:
        copies.append(await copy(*args))
        return copies[-1]

    monkeypatch.setattr(resolver, "_copy_postgres", spied_copy)
    made = await generate_codes(CodeKind.SERIAL, ScriptedShape(*batches), 10, progress=report)

    assert len(made) == len(set(made)) == 10 and "AAAAAAAAAAAA" not in made
    assert set(itertools.chain(*batches)) - {"AAAAAAAAAAAA"} <= set(made)
    assert await Code.filter(kind=CodeKind.SERIAL).count() == 10
    assert (await Code.get(code="AAAAAAAAAAAA")).kind == CodeKind.GIFT_CARD
    assert [done for done, _ in progress] == [4, 7, 10] and {total for _, total in progress} == {10}
    # PostgreSQL COPYs until a batch collides, then claims that batch and the rest with ON CONFLICT.
    assert copies == ([True, False] if db.is_postgres else [])
