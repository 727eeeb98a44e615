"""A speech engine that records what it was asked to say (the tests' built-in voice)."""

from __future__ import annotations


class FakeVoice:
    """Satisfies capdesk.ui.speech.SpeechEngine; ``said`` lists every text spoken."""

    def __init__(self, voices: tuple[str, ...] = ("Alice", "Bob"),
                 languages: tuple[str, ...] = ("en",)) -> None:
        self.said: list[str] = []
        self.languages = languages  # the language codes its voices speak
        self.language = languages[0] if languages else ""
        self.stopped = 0
        self.voice = ""
        self.rate = 0.0
        self._voices = list(voices)

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        self.stopped += 1

    def voice_names(self) -> list[str]:
        return list(self._voices)

    def set_voice(self, name: str) -> None:
        self.voice = name

    def set_rate(self, rate: float) -> None:
        self.rate = rate

    def use_language(self, tag: str) -> bool:
        code = tag.split("-", maxsplit=1)[0].lower()
        if code not in self.languages:
            return False
        self.language = code
        return True
