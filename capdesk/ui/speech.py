"""Reading a caption aloud: to the screen reader when one runs, else a built-in voice.

Speaking happens only when the person asks ("Read caption") and stops on "Stop
reading". The built-in voice is Qt's ``QTextToSpeech`` (PySide6-Addons; speech-dispatcher
on Linux, WinRT/SAPI on Windows, AVSpeechSynthesizer on macOS), imported lazily on first
use: every way it can be missing — the module (PySide6-Essentials only), its shared
libraries (``libpulse0``, ``libspeechd2`` on Linux), no engine, an engine in error (no
``speech-dispatcher`` running) — becomes a clear status message, never a crash.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from PySide6.QtGui import QAccessible

from capdesk.domain import Language
from capdesk.ui.announce import Announcer

log = logging.getLogger(__name__)


class ReadMode(Enum):
    """The "Read captions with" setting; the value is what the settings file stores."""

    SCREEN_READER = "screen_reader"  # the screen reader when one runs, else the voice
    VOICE = "voice"  # always the built-in voice
    OFF = "off"


READ_MODE_LABELS = {
    ReadMode.SCREEN_READER: "Screen reader (built-in voice when none runs)",
    ReadMode.VOICE: "Built-in voice",
    ReadMode.OFF: "Off",
}


class SpeechEngine(Protocol):
    """What the reader needs from a voice (Qt's QTextToSpeech, or a test double)."""

    def say(self, text: str) -> None: ...
    def stop(self) -> None: ...
    def voice_names(self) -> list[str]: ...
    def set_voice(self, name: str) -> None: ...
    def set_rate(self, rate: float) -> None: ...
    def use_language(self, tag: str) -> bool: ...


class SpeechUnavailable(Exception):
    """The built-in voice cannot speak here; the message says why and what to install."""


class QtSpeech:
    """:class:`SpeechEngine` over Qt's QTextToSpeech (built by :func:`qt_speech`)."""

    def __init__(self, tts: Any) -> None:
        self._tts = tts
        self._voices = {v.name(): v for v in tts.availableVoices()}
        self._home = tts.locale()  # the chosen voice's locale: the "Voice" setting is its
        self._voice_name = ""

    def say(self, text: str) -> None:
        self._tts.say(text)

    def stop(self) -> None:
        self._tts.stop()

    def voice_names(self) -> list[str]:
        return sorted(self._voices)

    def set_voice(self, name: str) -> None:
        self._voice_name = name
        if name in self._voices:
            self._tts.setVoice(self._voices[name])

    def use_language(self, tag: str) -> bool:
        """Speak the next text in the language of ``tag`` (``zh-Hans``, ``ar``): the
        chosen voice when it speaks it, else the engine's first voice of a locale of that
        language. False, changing nothing, when the engine has no such voice."""
        from PySide6.QtCore import QLocale  # noqa: PLC0415

        wanted = QLocale(tag).language()
        if wanted == self._home.language():
            if self._tts.locale() != self._home:
                self._tts.setLocale(self._home)
                self.set_voice(self._voice_name)
            return True
        if self._tts.locale().language() == wanted:
            return True
        for locale in self._tts.availableLocales():
            if locale.language() == wanted:
                self._tts.setLocale(locale)
                return True
        return False

    def set_rate(self, rate: float) -> None:
        self._tts.setRate(max(-1.0, min(1.0, rate)))

    @property
    def speaking(self) -> bool:
        return bool(self._tts.state() == type(self._tts).State.Speaking)


def qt_speech(engine_name: str | None = None) -> QtSpeech:
    """Qt's voice (its default engine, or ``engine_name``: Qt ships a ``mock`` engine that
    the tests use), or :class:`SpeechUnavailable` saying what is missing."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech  # noqa: PLC0415
    except ImportError as error:
        text = str(error)
        if "libpulse" in text:
            raise SpeechUnavailable("The built-in voice needs libpulse0 (PulseAudio).") from error
        if "speechd" in text:
            raise SpeechUnavailable("The built-in voice needs libspeechd2.") from error
        raise SpeechUnavailable(
            "The built-in voice needs Qt's text-to-speech module (PySide6-Addons)."
        ) from error
    engines = QTextToSpeech.availableEngines()
    if not engines:
        hint = " Install speech-dispatcher." if sys.platform.startswith("linux") else ""
        raise SpeechUnavailable(f"No speech engine is installed.{hint}")
    if engine_name is not None and engine_name not in engines:
        raise SpeechUnavailable(f"The speech engine {engine_name!r} is not installed.")
    tts = QTextToSpeech(engine_name) if engine_name else QTextToSpeech()
    if tts.state() == QTextToSpeech.State.Error:
        message = tts.errorString() or "the speech engine reported an error"
        raise SpeechUnavailable(f"The built-in voice cannot start: {message}.")
    return QtSpeech(tts)


def screen_reader_running() -> bool:
    """Whether a screen reader is listening: AT-SPI's ``org.a11y.Status``
    ``ScreenReaderEnabled`` on the session bus (Linux), else Qt's own view."""
    if sys.platform.startswith("linux"):
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusMessage  # noqa: PLC0415
        except ImportError:
            return bool(QAccessible.isActive())
        message = QDBusMessage.createMethodCall(
            "org.a11y.Bus", "/org/a11y/bus", "org.freedesktop.DBus.Properties", "Get"
        )
        message.setArguments(["org.a11y.Status", "ScreenReaderEnabled"])
        reply = QDBusConnection.sessionBus().call(message, timeout=500)
        arguments = (
            reply.arguments() if reply.type() == QDBusMessage.MessageType.ReplyMessage else []
        )
        if arguments:
            value = arguments[0]
            value = value.variant() if hasattr(value, "variant") else value
            return bool(value)
        return False
    return bool(QAccessible.isActive())


class CaptionReader:
    """The "Read caption" command's behaviour; returns what to show in the status bar.

    ``voice`` builds the speech engine on first use (``qt_speech`` in the app, a test
    double in the tests); ``screen_reader`` says whether one runs.
    """

    def __init__(
        self,
        announcer: Announcer,
        voice: Callable[[], SpeechEngine] = qt_speech,
        screen_reader: Callable[[], bool] = screen_reader_running,
    ) -> None:
        self._announcer = announcer
        self._make_voice = voice
        self._screen_reader = screen_reader
        self._engine: SpeechEngine | None = None
        self._unavailable = ""
        self.mode = ReadMode.SCREEN_READER
        self.voice_name = ""
        self.rate = 0.0

    def configure(self, mode: ReadMode, voice_name: str, rate: float) -> None:
        self.mode, self.voice_name, self.rate = mode, voice_name, rate
        if self._engine is not None:
            self._engine.set_voice(voice_name)
            self._engine.set_rate(rate)

    def engine(self) -> SpeechEngine | None:
        """The built-in voice, made once; None (with :attr:`unavailable` set) if missing."""
        if self._engine is None and not self._unavailable:
            try:
                self._engine = self._make_voice()
            except SpeechUnavailable as error:
                self._unavailable = str(error)
                log.info("no built-in voice: %s", error)
            else:
                self._engine.set_voice(self.voice_name)
                self._engine.set_rate(self.rate)
        return self._engine

    @property
    def unavailable(self) -> str:
        return self._unavailable

    def read(self, text: str, language: Language | None = None) -> str:
        """Read ``text``, a caption in ``language`` (None: the voice's own language).

        The screen reader gets the text as an announcement, which carries no language:
        it speaks it with its own voice settings (a reader that switches voice by script,
        as espeak-ng based ones can, will read Chinese or Arabic; others may spell it).
        The built-in voice switches to a voice of the caption's language; when the engine
        has none it does not read the caption in a voice that cannot pronounce it, and
        says which language needs a voice.
        """
        text = text.strip()
        if not text:
            return "There is no caption to read."
        if self.mode is ReadMode.OFF:
            return "Reading aloud is off (Settings, Read captions with)."
        if self.mode is ReadMode.SCREEN_READER and self._screen_reader():
            self._announcer.announce(text, assertive=True)
            return "Caption sent to the screen reader."
        engine = self.engine()
        if engine is None:
            return f"Cannot read aloud: {self._unavailable}"
        if language is not None and not engine.use_language(language.xml_lang):
            linux = sys.platform.startswith("linux")
            hint = " (install an espeak-ng or speech-dispatcher voice for it)" if linux else (
                " (add a voice for it in the system settings)")
            return f"Cannot read aloud: no built-in voice speaks {language.name} here{hint}."
        engine.say(text)
        return "Reading the caption aloud."

    def stop(self) -> str:
        if self._engine is not None:
            self._engine.stop()
        return "Stopped reading."
