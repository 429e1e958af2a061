"""Progress for long imports: a bar on a terminal, plain periodic lines otherwise."""

import time


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """Counts work done out of `total` and shows it through `write(text)`.

    On a terminal one line is redrawn at most ten times a second; elsewhere
    (a log, a pipe) a line is written at every tenth of the work and at least
    every `every` seconds.
    """

    def __init__(self, write, total: int, *, tty: bool, label: str = "entries", every: float = 30):
        self.write, self.total, self.tty, self.label, self.every = write, total, tty, label, every
        self.done = 0
        self.started = self.last_shown = time.monotonic()
        self.next_step = 1

    def __call__(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty:
            if now - self.last_shown >= 0.1 or self.done >= self.total:
                self._show(self._bar(now), end="\r")
                self.last_shown = now
            return
        step = self.done * 10 // max(self.total, 1)
        if step >= self.next_step or now - self.last_shown >= self.every:
            self.next_step = step + 1
            self._show(self._line(now), end="\n")
            self.last_shown = now

    def finish(self) -> None:
        if self.tty:
            self._show(self._bar(time.monotonic()), end="\n")

    def _left(self, now: float) -> str:
        elapsed = now - self.started
        if not self.done or self.done >= self.total:
            return _duration(elapsed) + " elapsed"
        return _duration(elapsed / self.done * (self.total - self.done)) + " left"

    def _bar(self, now: float, width: int = 30) -> str:
        share = min(self.done / max(self.total, 1), 1)
        filled = int(share * width)
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} "
            f"{self.label} {share:4.0%}  {self._left(now)}   "
        )

    def _line(self, now: float) -> str:
        share = min(self.done / max(self.total, 1), 1)
        return f"{self.done:,}/{self.total:,} {self.label} ({share:.0%}), {self._left(now)}"

    def _show(self, text: str, end: str) -> None:
        self.write(text + end)
