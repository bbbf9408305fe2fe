"""Personal numbers: only unmasked numbers that pass their own check are found, and only their
masked form and position leave the detector."""

from __future__ import annotations

from datetime import date

import pytest

from crawlers.privacy import find_personal_numbers, id_check_char, luhn_ok, mask_personal_numbers

TODAY = date(2024, 10, 1)


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ID = valid_id("32050519850312123")  # region 32 (Jiangsu), born 1985-03-12
CARD = next(f"621700123456789012{d}" for d in range(10) if luhn_ok(f"621700123456789012{d}"))


def kinds(text: str) -> list[str]:
    return [h.kind for h in find_personal_numbers(text, TODAY)]


def test_gb11643_check_digit_from_the_standard_example() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert kinds("身份证号11010519491231002X。") == ["id_card"]
    assert kinds("身份证号11010519491231002x。") == ["id_card"]


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (ID[:17] + ("0" if ID[17] != "0" else "1"), "wrong check digit"),
        (valid_id("99050519850312123"), "no such province"),
        (valid_id("32050519851332123"), "month 13"),
        (valid_id("32050520300312123"), "born in the future"),
    ],
)
def test_an_id_number_failing_a_check_is_not_found(number: str, why: str) -> None:
    assert kinds(f"号码 {number} 。") == [], why


def test_masked_and_embedded_numbers_are_not_found() -> None:
    assert kinds("3205**********1235 与 138****5678") == []
    assert kinds(f"订单号A{ID}") == []  # part of a longer code
    assert kinds(f"流水号9{ID}") == []  # part of a longer digit run
    assert kinds("13812345678901") == []  # 14 digits: not a mobile


def test_mobiles_need_a_current_prefix() -> None:
    assert kinds("电话13812345678") == ["mobile"]
    assert kinds("电话 138-1234-5678，或 139 1234 5678") == ["mobile", "mobile"]
    assert kinds("电话12012345678") == []  # 120 is not a mobile prefix
    assert kinds("电话１３８１２３４５６７８") == ["mobile"]  # full-width digits


def test_bank_cards_need_luhn_and_an_issuer_prefix() -> None:
    assert kinds(f"卡号{CARD}") == ["bank_card"]
    grouped = " ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4))
    assert kinds(f"卡号 {grouped}") == ["bank_card"]
    broken = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert kinds(f"卡号{broken}") == []
    assert kinds("卡号7000000000000000002") == []  # no issuer starts with 7


def test_an_id_with_a_wrong_check_digit_is_never_taken_for_a_card() -> None:
    gansu = valid_id("62010219800101123")
    wrong = gansu[:17] + next(c for c in "0123456789" if c != gansu[17] and luhn_ok(gansu[:17] + c))
    assert kinds(wrong) == []


def test_masking_replaces_the_number_and_points_into_the_masked_text() -> None:
    text = f"张三\t{ID}\n李四\t13812345678"
    masked, hits = mask_personal_numbers(text, TODAY)
    assert ID not in masked
    assert "13812345678" not in masked
    assert [h.masked for h in hits] == ["3205**********1235", "138****5678"]
    for h in hits:
        assert masked[h.start : h.end] == h.masked
    assert hits[0].checks == ("region", "birth_date", "gb11643")
