"""Console text in Korean and English: complete catalogs, language chosen per operator."""

import subprocess
import sys

from babel.messages.pofile import read_po

from models.access import Role
from tests.conftest import console_login
from tests.factories import PASSWORD, make_operator
from web.i18n import LOCALE_DIR, choose_locale


def test_every_console_string_has_a_korean_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "gettext:2",
               "--no-location", "--omit-header", "-o", str(pot), "."]
    subprocess.run(command, check=True, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string}
    assert wanted - translated == set()


def test_language_choice():
    assert choose_locale(None, "ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert choose_locale(None, "en-US,en;q=0.9") == "en"
    assert choose_locale(None, "fr-FR") == "ko"  # the shop's language by default
    assert choose_locale("en", "ko-KR") == "en"  # the operator's own choice wins


async def test_console_follows_browser_then_operator_choice(client, db):
    operator = await make_operator(Role.OPERATOR)
    csrf = await console_login(client, operator.login_id, PASSWORD)
    korean = await client.get("/admin/members", headers={"Accept-Language": "ko-KR"})
    assert "회원" in korean.text and "로그아웃" in korean.text
    english = await client.get("/admin/members", headers={"Accept-Language": "en-US"})
    assert "Sign out" in english.text
    chosen = await client.post("/admin/language", data={"locale": "en", "next": "/admin/members"},
                               headers={"X-CSRF-Token": csrf})
    assert chosen.status_code == 303
    after = await client.get("/admin/members", headers={"Accept-Language": "ko-KR"})
    assert "Sign out" in after.text and "로그아웃" not in after.text
