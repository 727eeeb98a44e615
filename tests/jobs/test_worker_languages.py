"""The worker hands a request's languages to the engine and the model's languages to the
window (what the app's language tabs are built on)."""

from __future__ import annotations

from pathlib import Path

from capdesk.jobs import CaptionRequest, EngineConfig, EngineInfo
from capdesk.jobs.worker import CaptionWorker
from tests.jobs.test_worker import make_images
from tests.support.fake_engine import FakeCaptioner, fake_factory


def test_request_languages_reach_the_engine_and_results_carry_them(
    qtbot, tmp_path: Path
) -> None:
    engine = FakeCaptioner(languages=("en", "zh", "de", "ar"))
    worker = CaptionWorker(fake_factory(engine), EngineConfig())
    infos: list[EngineInfo] = []
    results = []
    worker.engine_ready.connect(infos.append)
    worker.result_ready.connect(results.append)
    worker.start()
    assert [lang.code for lang in infos[0].languages] == ["en", "zh", "de", "ar"]
    paths = tuple(make_images(tmp_path, 3))
    worker.process(CaptionRequest(1, paths, languages=("ar", "en")))
    worker.process(CaptionRequest(2, paths[:1]))
    assert engine.languages_asked == [("ar", "en"), None]
    assert [r.language_codes for r in results] == [("ar", "en")] * 3 + [("en",)]
    first = results[0]
    assert first.caption is first.languages[0].caption and first.languages[0].language.rtl
    assert first.caption_in("en").text == engine.caption_for(paths[0]).text  # type: ignore[union-attr]
    worker.close_engine()


def test_a_language_the_model_lacks_fails_the_request_with_a_message(
    qtbot, tmp_path: Path
) -> None:
    worker = CaptionWorker(fake_factory(FakeCaptioner()), EngineConfig())
    results = []
    worker.result_ready.connect(results.append)
    worker.start()
    worker.process(CaptionRequest(1, tuple(make_images(tmp_path, 2)), languages=("zh",)))
    assert [r.ok for r in results] == [False, False]
    assert "Chinese (zh) is not in this model; this model has en (English)" in results[0].error


def test_the_queue_passes_languages_and_keeps_requests_apart(qtbot, tmp_path: Path) -> None:
    from capdesk.jobs import CaptionQueue
    from tests.jobs.test_worker import HANG_MS

    engine = FakeCaptioner(languages=("en", "zh", "ar"))
    queue = CaptionQueue(EngineConfig(), fake_factory(engine), batch_size=4)
    results = []
    queue.result_ready.connect(results.append)
    with qtbot.waitSignal(queue.engine_ready, timeout=HANG_MS):
        queue.start()
    paths = make_images(tmp_path, 4)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS):
        queue.enqueue(paths[:2], languages=["zh", "ar"])
        queue.enqueue(paths[2:])
    assert engine.languages_asked == [("zh", "ar"), None]
    assert [r.language_codes for r in results] == [("zh", "ar")] * 2 + [("en",)] * 2
    assert queue.shutdown(HANG_MS)
