"""v2 controls: chord labels and symbols, a chord plan that the decoder follows bar by bar, exact
bar counts, and ensembles that come back as separate parts in range."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from assistant.music.harmony import (
    bar_chords,
    chord_plan,
    chord_tone_rate,
    match_chord,
    parse_chord,
    pitch_class,
    roman,
    strong_beats_q,
)
from assistant.music.model import MusicGPT, MusicGPTConfig
from assistant.music.sample import MusicSampler, generate
from assistant.music.score import Note, Part, Score
from assistant.music.tokens import Controls, Vocab, load_tokenizer
from assistant.music.voices import SATB, split_voices

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("pcs,want", [((0, 4, 7), (0, "maj")), ((2, 5, 9), (2, "min")), ((11, 2, 5), (11, "dim")),
                                      ((7, 11, 2, 5), (7, "dom7")), ((0, 4, 8), (0, "aug"))])
def test_template_matcher_names_plain_chords(pcs: tuple[int, ...], want: tuple[int, str]) -> None:
    w = np.zeros(12)
    w[list(pcs)] = 1.0
    assert match_chord(w, pcs[0]) == want
    # any transposition moves only the root
    for t in (1, 5, 9):
        assert match_chord(np.roll(w, t), (pcs[0] + t) % 12) == ((want[0] + t) % 12, want[1])


def test_bar_chords_from_a_texture_and_empty_bars() -> None:
    # bar 1: C major arpeggio over a held C; bar 2 empty; bar 3: G7 with passing notes
    notes = [(48, 0, 4), (60, 0, 1), (64, 1, 1), (67, 2, 1), (72, 3, 1),
             (43, 8, 4), (59, 8, 1), (62, 9, 0.5), (64, 9.5, 0.5), (65, 10, 1), (67, 11, 1)]
    assert bar_chords(notes, [0.0, 4.0, 8.0], 12.0) == [(0, "maj"), None, (7, "dom7")]


@pytest.mark.parametrize("sym,tonic,mode", [("I", 0, "major"), ("V7", 2, "minor"), ("iv", 9, "minor"),
                                            ("bVI", 0, "major"), ("vii°", 4, "minor"), ("ii", 7, "major")])
def test_roman_numerals_round_trip(sym: str, tonic: int, mode: str) -> None:
    ch = parse_chord(sym, tonic, mode)
    assert ch is not None and parse_chord(roman(ch, tonic, mode), tonic, mode) == ch


def test_chord_plans_and_bad_symbols() -> None:
    assert parse_chord("Dm", 0, "major") == (2, "min") and parse_chord("Bb7", 0, "major") == (10, "dom7")
    assert chord_plan(["I", "V"], 4, 0, "major") == [(0, "maj"), (7, "maj"), (0, "maj"), (7, "maj")]
    assert chord_plan(["*", "N.C."], 2, 0, "major") == ["free", None]
    assert pitch_class("Eb") == 3 and pitch_class("F#") == 6
    with pytest.raises(ValueError, match="needs a key"):
        chord_plan(["V7"], 2, None, None)
    with pytest.raises(ValueError, match="unknown chord"):
        parse_chord("Xyz", 0, "major")
    with pytest.raises(ValueError, match="3 chords for 2 bars"):
        chord_plan(["I", "IV", "V"], 2, 0, "major")


def test_chord_tone_rate_on_strong_beats() -> None:
    assert strong_beats_q(4, 4) == [0.0, 2.0] and strong_beats_q(3, 4) == [0.0] and strong_beats_q(6, 8) == [0.0, 1.5]
    notes = [(60, 0, 2), (65, 2, 2), (67, 4, 2), (71, 6, 2)]  # C F | G B over C | G
    assert chord_tone_rate(notes, [(0, "maj"), (7, "maj")], [0.0, 4.0], (4, 4)) == (3, 4)


@pytest.fixture(scope="module")
def v2_sampler() -> MusicSampler:
    """A small random-weight model with the v2 vocabulary (chord tokens)."""
    vocab = Vocab(load_tokenizer())
    torch.manual_seed(0)
    model = MusicGPT(MusicGPTConfig(vocab_size=vocab.size, block_size=128, n_layer=1, n_head=2, n_embd=32))
    return MusicSampler(model, vocab)


def test_decoder_follows_the_chord_plan_bar_by_bar(v2_sampler: MusicSampler) -> None:
    s, v = v2_sampler, v2_sampler.vocab
    assert s.has_chords
    plan = chord_plan(["i", "iv", "V7", "i", "VI", "ii°"], 6, 2, "minor")
    ids = [v.chord_id(c) for c in plan]
    prefix = s.fill_prefix(Controls(key_tonic=2, mode="minor", seed=1), (3, 4))
    outs = s.decode(prefix, 6, Controls(seed=1), n=3, meter=(3, 4), forced=[v.bar], chord_plan=ids,
                    first_ts=v.timesig_id(3, 4))
    for o in outs:
        bars = [i for i, t in enumerate(o) if t == v.bar]
        assert len(bars) == 6
        assert [o[b + 1] for b in bars] == ids
        assert o[bars[0] + 2] == v.timesig_id(3, 4)


def test_generate_with_key_and_chords_gives_exact_bars(v2_sampler: MusicSampler) -> None:
    for sc in generate(bars=5, meter=(4, 4), n_candidates=2, sampler=v2_sampler, key=("Bb", "major"),
                       chords=["I", "IV", "V7", "vi", "I"], avoid_copies=False, oversample=1):
        assert sc.key == "Bb major" and sc.markers == [(20.0, "end")]
        assert all(n.end_beats <= 20.0 + 1e-6 for n in sc.notes)
    with pytest.raises(ValueError, match="unknown key tonic"):
        generate(bars=2, sampler=v2_sampler, key=("H", "major"))


def test_a_v1_model_without_chord_tokens_still_generates() -> None:
    vocab = Vocab(load_tokenizer())
    model = MusicGPT(MusicGPTConfig(vocab_size=vocab.chord0, block_size=128, n_layer=1, n_head=2, n_embd=32))
    s = MusicSampler(model, vocab)
    assert not s.has_chords
    sc = generate(Controls(key_tonic=0, mode="major", seed=2), bars=3, sampler=s, chords=["I", "V", "I"],
                  avoid_copies=False)[0]
    assert sc.markers == [(12.0, "end")]


def _chorale() -> tuple[list[list[tuple[int, float, float]]], Score]:
    music21 = pytest.importorskip("music21")
    from assistant.guard.melody import music21_part_notes

    sc = music21.corpus.parse("bach/bwv66.6")
    voices = [music21_part_notes(p) for p in sc.parts]
    merged = [Note(int(p), float(s0), float(d)) for v in voices for p, s0, d in v]
    return voices, Score(parts=[Part(name="all", instrument="choir", program=52, notes=merged)])


def test_split_voices_recovers_a_bach_chorale_satb() -> None:
    voices, merged = _chorale()
    out, _moved = split_voices(merged, "chorale")
    assert [p.name for p in out.parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    right = sum(len({(int(p), round(s0, 3)) for p, s0, _d in v} & {(n.pitch, round(n.start_beats, 3)) for n in part.notes})
                for v, part in zip(voices, out.parts, strict=True))
    assert right >= 0.95 * sum(len(v) for v in voices)
    for part, (_name, _ins, lo, hi) in zip(out.parts, SATB, strict=True):
        assert all(lo <= n.pitch <= hi for n in part.notes)
        # one note at a time per voice
        ns = sorted(part.notes, key=lambda n: n.start_beats)
        assert all(a.end_beats <= b.start_beats + 1e-6 for a, b in zip(ns, ns[1:], strict=False))


def test_keyboard_split_and_generated_ensembles_are_separate_parts() -> None:
    _voices, merged = _chorale()
    kb, _ = split_voices(merged, "keyboard")
    assert [p.name for p in kb.parts] == ["Piano RH", "Piano LH"]
    assert sum(len(p.notes) for p in kb.parts) == len(merged.notes)
    sc = generate(Controls(ensemble="chorale", seed=4), bars=2)[0]  # the shipped model
    assert len(sc.parts) >= 2 and all(p.instrument == "choir" for p in sc.parts)
    for part in sc.parts:
        lo, hi = next((lo, hi) for name, _i, lo, hi in SATB if name == part.name)
        assert all(lo <= n.pitch <= hi for n in part.notes)


def test_instruments_are_conditioned_on_what_the_model_has_seen() -> None:
    from assistant.music.instruments import SEEN_PROGRAMS, conditioning

    horn, flute, violin = conditioning(60), conditioning(73), conditioning(40)
    assert horn.model_program == flute.model_program == 52 and violin.model_program == 40
    assert all(c.model_program in SEEN_PROGRAMS for c in (horn, flute, violin, conditioning(8), conditioning(46)))
    assert horn.pitch_range == (31, 77) and horn.max_leap == 12 and violin.max_leap is None
    outs = {}
    for prog in (60, 73):  # same seed, same conditioning: the model is not told horn from flute
        sc = generate(Controls(program=prog, key_tonic=5, mode="major", seed=2, pitch_range=(60, 77)), bars=3)[0]
        assert [(p.name, p.program) for p in sc.parts] == [({60: "horn", 73: "flute"}[prog], prog)]
        mel = [n.pitch for n in sc.melody()]
        assert all(abs(a - b) <= 12 for a, b in zip(mel, mel[1:], strict=False))
        outs[prog] = [(n.pitch, n.start_beats) for n in sc.notes]
    assert outs[60] == outs[73]


def test_v2_prompts_carry_chords_and_continue_infill_work(v2_sampler: MusicSampler) -> None:
    from assistant.music.sample import continue_, infill

    v = v2_sampler.vocab
    notes = [Note(60 + d, 2.0 * i, 2.0) for i, d in enumerate((0, 4, 7, 5, 2, 7, 4, 0))]
    prompt = Score(parts=[Part(name="p", instrument="piano", program=0, notes=notes)])
    ids = v2_sampler.score_ids(prompt)
    bars = [i for i, t in enumerate(ids) if t == v.bar]
    assert len(bars) == 4 and all(v.is_chord[ids[b + 1]] for b in bars)
    assert v.chord_of(ids[bars[0] + 1]) == (0, "maj")
    longer = continue_(prompt, 2, Controls(seed=3), sampler=v2_sampler, avoid_copies=False)
    assert longer.bar_starts(7)[6] == 24.0 and all(n.end_beats <= 24.0 + 1e-6 for n in longer.notes)
    filled = infill(prompt, (1, 2), Controls(seed=4), sampler=v2_sampler)
    kept = [(n.pitch, n.start_beats) for n in filled.notes if not 4.0 <= n.start_beats < 8.0]
    assert kept == [(n.pitch, n.start_beats) for n in notes if not 4.0 <= n.start_beats < 8.0]


def test_continuing_a_chorale_keeps_its_four_voices() -> None:
    from assistant.music.sample import continue_

    _voices, merged = _chorale()
    satb, _ = split_voices(merged, "chorale")
    first = Score(parts=[replace(p, notes=[n for n in p.notes if n.start_beats < 8.0]) for p in satb.parts],
                  meters=satb.meters, tempos=satb.tempos)
    out = continue_(first, 2, Controls(seed=5, ensemble="chorale"), avoid_copies=False)  # the shipped model
    assert [p.name for p in out.parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    for a, b in zip(first.parts, out.parts, strict=True):
        assert [n for n in b.notes if n.start_beats < 8.0] == a.notes  # the prompt is untouched
    assert any(n.start_beats >= 8.0 for p in out.parts for n in p.notes)


def test_a_horn_chorale_is_four_horn_parts_in_the_horns_range() -> None:
    from assistant.analysis.instruments import INSTRUMENTS

    _voices, merged = _chorale()
    out, _moved = split_voices(merged, "chorale", program=60)
    assert [p.name for p in out.parts] == ["Horn 1", "Horn 2", "Horn 3", "Horn 4"]
    assert all(p.instrument == "horn" and p.program == 60 for p in out.parts)
    assert sum(len(p.notes) for p in out.parts) == len(merged.notes)
    lo, hi = INSTRUMENTS["horn"].professional
    assert all(lo <= n.pitch <= hi for p in out.parts for n in p.notes)
    means = [sum(n.pitch for n in p.notes) / len(p.notes) for p in out.parts]
    assert means == sorted(means, reverse=True)  # horn 1 on top
    # the shipped model asked for a brass ensemble: horns, not a string quartet or a choir
    sc = generate(Controls(ensemble="ensemble", program=60, key_tonic=5, mode="major", seed=3), bars=2)[0]
    assert len(sc.parts) >= 2 and {p.instrument for p in sc.parts} == {"horn"} and {p.program for p in sc.parts} == {60}
    # strings and voices keep their own layouts
    assert [p.instrument for p in split_voices(merged, "ensemble", program=40)[0].parts] == \
        ["violin", "violin", "viola", "cello"]
    assert [p.name for p in split_voices(merged, "chorale", program=52)[0].parts] == ["Soprano", "Alto", "Tenor", "Bass"]


def test_continuing_a_wind_quartet_keeps_its_parts() -> None:
    """Before: a four-part wind prompt was called a chorale and the new notes went to one new part
    named after the model's program (an extra 'piano' or 'choir' staff)."""
    from assistant.analysis.instruments import INSTRUMENTS
    from assistant.music.prompt import ensemble_of
    from assistant.music.sample import continue_

    _voices, merged = _chorale()
    satb, _ = split_voices(merged, "chorale")
    winds = [("flute", 73), ("oboe", 68), ("clarinet", 71), ("bassoon", 70)]
    parts = [Part(name=INSTRUMENTS[i].name, instrument=i, program=g,
                  notes=[n for n in p.notes if n.start_beats < 8.0])
             for (i, g), p in zip(winds, satb.parts, strict=True)]
    first = Score(parts=parts, meters=satb.meters, tempos=satb.tempos)
    assert ensemble_of(first) == "ensemble" and ensemble_of(satb) == "chorale"
    out = continue_(first, 2, Controls(seed=5), avoid_copies=False)  # the shipped model
    assert [p.name for p in out.parts] == [p.name for p in first.parts]
    for a, b in zip(first.parts, out.parts, strict=True):
        assert [n for n in b.notes if n.start_beats < 8.0] == a.notes  # the prompt is untouched
        lo, hi = INSTRUMENTS[b.instrument].professional
        assert all(lo <= n.pitch <= hi for n in b.notes if n.start_beats >= 8.0)
    assert sum(1 for p in out.parts for n in p.notes if n.start_beats >= 8.0) > 0


def test_infill_without_a_plan_keeps_whole_bars_of_context_on_both_sides() -> None:
    """Three bars of 4/4 filled without a chord plan (what vary and the theme operations ask for):
    the prompt keeps whole bars before and after the gap. Before, a fixed budget of 48 + 16 per
    beat per filled bar left two bars about 20 tokens of context and three bars none."""
    from assistant.music.sample import get_sampler, infill

    sampler = get_sampler()  # the shipped model: its 256-token context
    v = sampler.vocab
    notes = [Note(60 + (0, 2, 4, 5, 7, 5, 4, 2)[i % 8], 1.0 * i, 1.0) for i in range(48)]  # 12 bars of quarters
    tune = Score(parts=[Part(name="p", instrument="flute", program=73, notes=notes)])
    seen: list[list[int]] = []
    real = sampler.decode

    def spy(prompt: list[int], *a: object, **k: object) -> object:
        seen.append(list(prompt))
        return real(prompt, *a, **k)

    sampler.decode = spy  # type: ignore[method-assign]
    try:
        out = infill(tune, (4, 7), Controls(seed=1), sampler=sampler)
    finally:
        del sampler.decode
    (prompt,) = seen
    i_pre, i_suf, i_mid = prompt.index(v.fim_pre), prompt.index(v.fim_suf), prompt.index(v.fim_mid)
    assert prompt[i_pre + 1:i_suf].count(v.bar) >= 2 and prompt[i_suf + 1:i_mid].count(v.bar) >= 2
    kept = [(n.pitch, n.start_beats) for n in out.notes if not 16.0 <= n.start_beats < 28.0]
    assert kept == [(n.pitch, n.start_beats) for n in notes if not 16.0 <= n.start_beats < 28.0]


def test_a_varied_or_continued_flute_theme_stays_in_the_flutes_range() -> None:
    """The prompt's instrument bounds what is written into it when no instrument or range is
    asked for (before, a flute theme varied by the shipped model dipped to A3, below the flute)."""
    from assistant.analysis.instruments import INSTRUMENTS
    from assistant.music.sample import continue_, vary

    low = [60, 62, 64, 62, 60, 62, 64, 65, 64, 62, 60, 59, 60, 62, 60, 60]  # a low flute tune
    notes = [Note(p, 2.0 * i, 2.0) for i, p in enumerate(low)]
    tune = Score(parts=[Part(name="Flute", instrument="flute", program=73, notes=notes)])
    lo, hi = INSTRUMENTS["flute"].professional
    for seed in range(4):
        for out in (vary(tune, Controls(seed=seed), strength=0.75),
                    continue_(tune, 2, Controls(seed=seed), avoid_copies=False)):
            assert [p.name for p in out.parts] == ["Flute"]
            assert all(lo <= n.pitch <= hi for n in out.notes), (seed, sorted(n.pitch for n in out.notes)[:3])
