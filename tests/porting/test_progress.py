"""Import progress: a redrawn bar on a terminal, plain lines in a log."""

from porting.progress import Progress


def test_terminal_gets_one_redrawn_bar_with_counts_and_time():
    shown = []
    progress = Progress(shown.append, 4, tty=True)

    for _ in range(4):
        progress(1)
    progress.finish()

    assert all(text.endswith("\r") for text in shown[:-1])
    assert shown[-1].endswith("\n")
    assert "[##############################] 4/4 entries 100%" in shown[-1]
    assert "elapsed" in shown[-1]


def test_terminal_bar_shows_time_left_midway(monkeypatch):
    clock = iter([0.0, 10.0])
    monkeypatch.setattr("porting.progress.time.monotonic", lambda: next(clock))
    shown = []
    progress = Progress(shown.append, 4, tty=True)

    progress(1)

    assert "1/4 entries  25%  0:30 left" in shown[0]


def test_log_gets_a_line_per_tenth_not_per_entry():
    shown = []
    progress = Progress(shown.append, 1000, tty=False)

    for _ in range(1000):
        progress(1)
    progress.finish()

    assert len(shown) == 10
    assert shown[0].startswith("100/1,000 entries (10%), ")
    assert shown[-1].startswith("1,000/1,000 entries (100%)")
    assert all(text.endswith("\n") and "\r" not in text for text in shown)
