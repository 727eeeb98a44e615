"""The PySide6 desktop app: views (widgets) and controllers; start it with ``app.main``.

Nothing is imported here so ``import capdesk.ui.app`` stays fast.

Inside the package, imports point down this list only (module-level, function-local and
``TYPE_CHECKING`` imports alike; modules on one line don't import each other), and an
import-linter ``layers`` contract in pyproject.toml checks it:

1. ``app`` — the entry point: builds the window and the controller.
2. ``controller`` — wires views, worker, scanner and item model; decides what happens.
3. ``file_commands`` — open, export, save overlay, settings; gets the controller as a
   ``FileHost`` protocol it declares itself, so it never imports ``controller``;
   ``feedback`` (progress and announcements), ``keeping`` (the caption library).
4. ``exporting``, ``main_window``, ``undo``, ``thumbnails``, ``intake`` — the export
   dialog, the main window, undoable edits, the thumbnail cache, the "may this image be
   captioned yet" gate.
5. ``dialogs``, ``preview``, ``image_model``, ``library_view`` — small dialogs, the
   preview pane, the list model, the Library view.
6. ``words`` — the word bar under the preview.
7. ``speech`` — "Read caption": to the screen reader or the built-in voice.
8. ``overlay``, ``items``, ``actions``, ``settings``, ``announce`` — attention drawing,
   one image's state, the command table, the settings declaration, the screen-reader
   announcer: values the rest is built from.
"""
