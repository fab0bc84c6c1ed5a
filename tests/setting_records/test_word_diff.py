"""The word diff the history pages show for long texts (setting_records/word_diff.py)."""

from setting_records.word_diff import MAX_MATCHED, Piece, word_diff


def kinds(pieces):
    return [(piece.kind, piece.text) for piece in pieces]


def words(texts):
    return "".join(texts).split()


def test_one_word_changed():
    assert kinds(word_diff("Mara ate her lunch", "Mara ate all her lunch")) == [
        ("same", "Mara ate "),
        ("ins", "all"),
        ("same", " her lunch"),
    ]


def test_a_word_replaced_is_removed_then_added():
    assert kinds(word_diff("She was upset", "She was happy")) == [
        ("same", "She was "),
        ("del", "upset"),
        ("same", " "),
        ("ins", "happy"),
    ]


def test_words_removed_at_the_start_and_end():
    assert kinds(word_diff("Today Mara played outside", "Mara played")) == [
        ("del", "Today"),
        ("same", " Mara played "),
        ("del", "outside"),
    ]


def test_long_unchanged_runs_are_cut_around_the_change():
    words = [f"w{index}" for index in range(40)]
    old = " ".join(words)
    new = " ".join([*words[:20], "NEW", *words[20:]])
    pieces = word_diff(old, new, context=3)
    assert kinds(pieces) == [
        ("gap", "…"),
        ("same", " w17 w18 w19 "),
        ("ins", "NEW"),
        ("same", " w20 w21 w22"),
        ("gap", "…"),
    ]


def test_a_short_run_between_two_changes_is_kept_whole():
    pieces = word_diff("a b c d e", "A b c d E", context=2)
    assert kinds(pieces) == [
        ("del", "a"),
        ("same", " "),
        ("ins", "A"),
        ("same", " b c d "),
        ("del", "e"),
        ("same", " "),
        ("ins", "E"),
    ]


def test_spacing_alone_is_no_change():
    assert word_diff("a  b\nc", "a b c") == [Piece("same", "a b c")]


def test_line_breaks_are_kept_in_the_text():
    pieces = word_diff("First line.\nSecond line.", "First line.\nSecond row.")
    assert kinds(pieces) == [
        ("same", "First line.\nSecond "),
        ("del", "line."),
        ("same", " "),
        ("ins", "row."),
    ]


def test_the_new_text_is_what_is_not_removed():
    """Without cutting, the unchanged and added pieces spell the new text, the unchanged and
    removed ones the old."""
    old = "The key person noted that Mara was tired after lunch and slept for an hour."
    new = "The key person noted Mara was very tired after lunch; she slept for two hours."
    pieces = word_diff(old, new, context=100)
    assert words(p.text for p in pieces if p.kind != "del") == new.split()
    assert words(p.text for p in pieces if p.kind != "ins") == old.split()


def test_text_is_returned_raw_for_the_template_to_escape():
    pieces = word_diff("safe", "<script>alert(1)</script>")
    assert ("ins", "<script>alert(1)</script>") in kinds(pieces)


def test_empty_texts():
    assert word_diff("", "") == []
    assert kinds(word_diff("", "new words")) == [("ins", "new words")]
    assert kinds(word_diff("old words", "")) == [("del", "old words")]


def test_a_long_text_with_one_word_changed_is_quick_and_exact():
    """The shared ends are matched first, so difflib (quadratic) sees only the changed middle:
    40,000 words with one changed is one removed and one added word, not a long wait."""
    old = " ".join(f"w{number}" for number in range(40_000))
    new = old.replace("w20000", "changed")
    marked = [(piece.kind, piece.text) for piece in word_diff(old, new) if piece.kind != "same"]
    assert marked == [("gap", "…"), ("del", "w20000"), ("ins", "changed"), ("gap", "…")]


def test_a_huge_changed_middle_is_shown_replaced_whole():
    old = "Start " + " ".join(f"a{number}" for number in range(MAX_MATCHED + 1)) + " end"
    new = "Start " + " ".join(f"b{number}" for number in range(MAX_MATCHED + 1)) + " end"
    kinds = [piece.kind for piece in word_diff(old, new)]
    assert kinds.count("del") == 1
    assert kinds.count("ins") == 1
    assert "".join(p.text for p in word_diff(old, new) if p.kind in ("same", "ins")).split() == (
        new.split()
    )
