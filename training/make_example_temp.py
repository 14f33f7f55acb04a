"""Write the example film's temp track from a public-domain tune in music21's corpus.

The director of the example film temp-tracked 1M4 ("The Letter") with an old Irish air,
"The Little Fair Child" (O'Neill's Music of Ireland, 1850 collection, public domain), played
on a violin over a held cello bass. This script rebuilds ``examples/the-keepers-light/temp/
1M4-temp.mid`` from the corpus so the file's origin can be checked:

    python -m training.make_example_temp
"""

from __future__ import annotations

from pathlib import Path

from music21 import corpus

from assistant.music.score import Note, Part, Score

OUT = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light" / "temp" / "1M4-temp.mid"
SOURCE = ("oneills1850/0001-0050.abc", 7)  # music21 corpus path, tune number: The Little Fair Child


def build(out: Path = OUT) -> Path:
    opus = corpus.parse(SOURCE[0])
    tune = opus.getScoreByNumber(SOURCE[1])
    melody = [Note(int(n.pitch.midi), float(n.offset), float(n.quarterLength), 84)
              for n in tune.flatten().notes if n.isNote and n.quarterLength > 0]
    ts = tune.flatten().getElementsByClass("TimeSignature")
    num, den = (ts[0].numerator, ts[0].denominator) if ts else (3, 4)
    bar = num * 4 / den
    end = max(n.start_beats + n.dur_beats for n in melody)
    tonic = min(melody, key=lambda n: n.pitch).pitch % 12
    bass = [Note(36 + tonic, b, bar, 60) for b in [i * bar for i in range(int(end // bar) + 1)]]
    score = Score(parts=[Part("violin", "violin", 40, notes=melody),
                         Part("cello", "cello", 42, notes=bass)],
                  tempos=[(0.0, 72.0)], meters=[(0.0, num, den)],
                  markers=[(0.0, f"TEMP: {tune.metadata.title if tune.metadata else 'air'}")])
    return score.to_midi(out)


if __name__ == "__main__":
    print(build())
