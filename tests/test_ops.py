"""Variation operators: musical invariants (no model needed; hypothesis draws the themes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.music.score import Note, Part, Score
from assistant.themes import ops
from assistant.themes.theory import MODES, degree_of, pitch_of, scale_pcs

DURS = (0.5, 1.0, 1.5, 2.0)


@st.composite
def themes(draw: st.DrawFn, diatonic: bool = True) -> Score:
    """A one-part melody in a random key and mode (diatonic notes unless told otherwise)."""
    tonic = draw(st.integers(0, 11))
    mode = draw(st.sampled_from(["major", "minor", "dorian", "mixolydian", "lydian", "phrygian"]))
    n = draw(st.integers(3, 16))
    degs = draw(st.lists(st.integers(35, 45), min_size=n, max_size=n))
    durs = draw(st.lists(st.sampled_from(DURS), min_size=n, max_size=n))
    notes, t = [], 0.0
    for d, du in zip(degs, durs, strict=True):
        p = pitch_of(d, tonic, mode)
        if not diatonic:
            p += draw(st.sampled_from([0, 0, 1]))
        notes.append(Note(p, t, du))
        t += du
    from assistant.themes.theory import key_label

    return Score(parts=[Part("theme", "violin", 40, False, notes)], key=key_label(tonic, mode))


def line(s: Score) -> list[tuple[int, float, float]]:
    return [(n.pitch, round(n.start_beats, 6), round(n.dur_beats, 6)) for n in s.melody()]


@settings(max_examples=60, deadline=None)
@given(themes())
def test_diatonic_inversion_twice_is_the_original(s: Score) -> None:
    once, label = ops.invert_diatonic(s)
    assert "inverted" in label
    twice, _ = ops.invert_diatonic(once, axis=s.melody()[0].pitch)
    assert line(twice) == line(s)
    tonic, mode = ops.key_of(s)
    assert all(n.pitch % 12 in scale_pcs(tonic, mode) for n in once.melody())  # stays in the key


@settings(max_examples=60, deadline=None)
@given(themes(diatonic=False))
def test_chromatic_inversion_twice_is_the_original_and_mirrors_intervals(s: Score) -> None:
    once, _ = ops.invert_chromatic(s)
    twice, _ = ops.invert_chromatic(once, axis=s.melody()[0].pitch)
    assert line(twice) == line(s)
    a = [n.pitch for n in s.melody()]
    b = [n.pitch for n in once.melody()]
    assert [y - x for x, y in zip(a, a[1:], strict=False)] == [x - y for x, y in zip(b, b[1:], strict=False)]


@settings(max_examples=60, deadline=None)
@given(themes(diatonic=False))
def test_retrograde_twice_is_the_original(s: Score) -> None:
    once, label = ops.retrograde(s)
    assert label == "retrograde"
    assert [n.pitch for n in once.melody()] == [n.pitch for n in s.melody()][::-1]
    assert line(ops.retrograde(once)[0]) == line(s)


@settings(max_examples=60, deadline=None)
@given(themes(diatonic=False), st.sampled_from([1.5, 2.0, 3.0]))
def test_augmentation_scales_every_duration_and_keeps_pitches(s: Score, f: float) -> None:
    out, label = ops.augment(s, f)
    assert "augmentation" in label
    for a, b in zip(s.melody(), out.melody(), strict=True):
        assert b.pitch == a.pitch
        assert b.dur_beats == pytest.approx(a.dur_beats * f)
        assert b.start_beats == pytest.approx(a.start_beats * f)
    back, _ = ops.diminish(out, f)
    assert line(back) == line(s)


@settings(max_examples=60, deadline=None)
@given(themes(), st.sampled_from(list(MODES)))
def test_mode_change_keeps_contour_and_rhythm(s: Score, mode: str) -> None:
    out, label = ops.change_mode(s, mode)
    tonic, _ = ops.key_of(s)
    assert mode in label and out.key.endswith(mode)
    a, b = s.melody(), out.melody()
    assert [(n.start_beats, n.dur_beats) for n in a] == [(n.start_beats, n.dur_beats) for n in b]
    sign = lambda x: (x > 0) - (x < 0)  # noqa: E731
    assert [sign(y.pitch - x.pitch) for x, y in zip(a, a[1:], strict=False)] == [sign(y.pitch - x.pitch) for x, y in zip(b, b[1:], strict=False)]
    assert all(n.pitch % 12 in scale_pcs(tonic, mode) for n in b)
    assert [degree_of(n.pitch, tonic, mode)[0] for n in b] == [degree_of(n.pitch, tonic, ops.key_of(s)[1])[0] for n in a]


@settings(max_examples=60, deadline=None)
@given(themes(), st.sampled_from([-2, -1, 1, 2]))
def test_sequence_is_a_transposition_of_the_motif(s: Score, steps: int) -> None:
    motif, _ = ops.fragment(s)
    out, label = ops.sequence(motif, steps)
    assert "sequence" in label
    k = len(motif.melody())
    mel = out.melody()
    first, second = mel[:k], mel[k:]
    assert len(second) == k
    tonic, mode = ops.key_of(s)
    # diatonic: every note moved by the same number of scale degrees, the rhythm kept
    assert [degree_of(b.pitch, tonic, mode)[0] - degree_of(a.pitch, tonic, mode)[0]
            for a, b in zip(first, second, strict=False)] == [steps] * k
    offset = second[0].start_beats - first[0].start_beats
    assert [b.start_beats - a.start_beats for a, b in zip(first, second, strict=False)] == pytest.approx([offset] * k)
    # chromatic: an exact transposition
    exact, _ = ops.sequence(motif, 2 * steps, diatonic=False)
    m2 = exact.melody()
    assert [b.pitch - a.pitch for a, b in zip(m2[:k], m2[k:], strict=False)] == [2 * steps] * k


def test_fragment_keeps_the_head_motif() -> None:
    notes = [Note(p, i * 1.0, 1.0) for i, p in enumerate([62, 65, 69, 67, 62, 65, 69, 67, 64, 62])]
    s = Score(parts=[Part("t", notes=notes)], key="D minor")
    out, label = ops.fragment(s)
    assert [n.pitch for n in out.melody()] == [62, 65, 69, 67][: len(out.melody())]
    assert 2 <= len(out.melody()) <= 5 and "head motif" in label


def test_transpose_register_and_instrumentation() -> None:
    s = Score(parts=[Part("t", "violin", 40, False, [Note(60, 0, 1), Note(64, 1, 1)])], key="C major")
    up, label = ops.transpose(s, 2)
    assert [n.pitch for n in up.melody()] == [62, 66] and up.key == "D major" and "major 2nd" in label
    assert [n.pitch for n in ops.register(s, -1)[0].melody()] == [48, 52]
    tuba, label = ops.instrumentation(s, "tuba")
    assert tuba.parts[0].instrument == "tuba" and all(28 <= n.pitch <= 58 for n in tuba.melody())


@pytest.mark.parametrize("mood, want", [("triumphant", "bVI-bVII-I"), ("tense", "pedal"),
                                        ("mediant", "mediant")])
def test_reharmonisation_adds_harmony_under_the_same_tune(mood: str, want: str) -> None:
    notes = [Note(p, i * 1.0, 1.0) for i, p in enumerate([60, 62, 64, 65, 67, 65, 64, 62, 64, 62, 60, 59])] \
        + [Note(60, 12, 4)]
    s = Score(parts=[Part("t", notes=notes)], key="C major")
    out, label = ops.reharmonise(s, mood)
    assert want in label and len(out.parts) >= 2
    assert [n.pitch for n in out.parts[0].notes] == [n.pitch for n in notes]
    if mood == "triumphant":
        pcs = {n.pitch % 12 for n in out.parts[1].notes if 8.0 <= n.start_beats < 12.0}
        assert {8, 10} & pcs  # Ab and Bb chords before the final C


@pytest.mark.parametrize("kind, meter", [("march", (4, 4)), ("waltz", (3, 4)), ("lullaby", (6, 8)),
                                         ("chorale", (4, 4)), ("scherzo", (3, 4))])
def test_character_changes_keep_the_pitch_order(kind: str, meter: tuple[int, int]) -> None:
    notes = [Note(p, i * 1.0, 1.0) for i, p in enumerate([60, 64, 67, 65, 64, 62, 60, 62])] + [Note(60, 8, 4)]
    s = Score(parts=[Part("t", notes=notes)], key="C major")
    out, label = ops.character(s, kind)
    assert kind in label
    assert (out.meters[0][1], out.meters[0][2]) == meter
    pitches = [n.pitch % 12 for n in out.parts[0].notes]
    dedup = [p for i, p in enumerate(pitches) if i == 0 or p != pitches[i - 1]]
    want = [p % 12 for p in [60, 64, 67, 65, 64, 62, 60, 62, 60]]
    assert dedup == [p for i, p in enumerate(want) if i == 0 or p != want[i - 1]]


def test_apply_composes_named_transforms_and_refuses_unknown_names() -> None:
    notes = [Note(p, i * 0.5, 0.5) for i, p in enumerate([62, 65, 69, 67, 65, 64, 62, 61])] + [Note(62, 4, 4)]
    s = Score(parts=[Part("t", notes=notes)], key="D minor")
    out, label = ops.apply(s, "fragment+tense_pedal")
    assert "head motif" in label and "pedal" in label
    with pytest.raises(ValueError):
        ops.apply(s, "fragment+moonwalk")
    assert all(callable(f) for f in ops.TRANSFORMS.values())
    for name in ops.TRANSFORMS:
        sc, lab = ops.apply(s, name)
        assert sc.melody() and lab


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(10, 24))
def test_recognisability_falls_as_the_change_grows(seed: int, n: int) -> None:
    """The same theme with 0, 1/3 and 2/3 of its notes moved a 2nd or 3rd (five random draws per
    amount, averaged: a single draw can land on the ~0.2-0.5 floor of an unrelated line with the
    same rhythm): recognisability falls from identity, and further with the larger change."""
    import random
    import statistics

    rng = random.Random(seed)
    degs = [rng.randint(35, 45) for _ in range(n)]
    durs = [rng.choice(DURS) for _ in range(n)]

    def mk(ds: list[int]) -> Score:
        t, notes = 0.0, []
        for d, du in zip(ds, durs, strict=True):
            notes.append(Note(pitch_of(d, 0, "major"), t, du))
            t += du
        return Score(parts=[Part("t", notes=notes)], key="C major")

    means = []
    for frac in (0.0, 1 / 3, 2 / 3):
        vals = []
        for draw in range(5):
            r2 = random.Random(seed * 100 + draw)
            order = list(range(n))
            r2.shuffle(order)
            ds = list(degs)
            for i in order[: round(frac * n)]:
                ds[i] = degs[i] + r2.choice([-3, -2, 2, 3])
            vals.append(ops.recognisability(mk(degs), mk(ds)))
        means.append(statistics.mean(vals))
    assert means[0] >= 0.9
    assert means[1] < means[0] - 0.1
    assert means[2] <= means[1] + 0.05


def test_model_variation_keeps_the_motif_anchors_and_rewrites_the_rest() -> None:
    from pathlib import Path

    if not (Path(__file__).resolve().parents[1] / "models" / "music" / "model.safetensors").is_file():
        pytest.skip("music model missing: models/music/model.safetensors")
    bi = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 1), (69, 3, 1), (67, 4, 1), (65, 5, 1), (64, 6, 2)]
    line = bi + [(p, s + 8, d) for p, s, d in bi] + [(65, 16, 1), (64, 17, 1), (62, 18, 2), (64, 20, 1),
                                                     (65, 21, 1), (67, 22, 2), (69, 24, 2), (61, 26, 2), (62, 28, 4)]
    s = Score(parts=[Part("t", "violin", 40, False, [Note(p, st, d) for p, st, d in line])], key="D dorian")
    out, label = ops.model_variation(s, seed=4, density="mid")
    assert "anchors kept" in label and out.key == "D dorian"
    mel = out.melody()
    def anchored(st: float) -> bool:  # bar 1 (the head motif), bar 3 (its return), bar 8 (cadence)
        return st < 4 or 8 <= st < 12 or st >= 28

    assert "bars 1, 3, 8" in label
    keep = [(n.pitch, n.start_beats) for n in mel if anchored(n.start_beats)]
    assert keep == [(p, st) for p, st, _ in line if anchored(st)]
    assert [(n.pitch, n.start_beats) for n in mel if 16 <= n.start_beats < 28] != \
        [(p, st) for p, st, _ in line if 16 <= st < 28]  # free bars rewritten
    assert all(n.pitch % 12 in scale_pcs(2, "dorian") | {1} for n in mel)
