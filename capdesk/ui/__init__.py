"""The PySide6 desktop app: views (widgets) and controllers; start it with ``app.main``.

Nothing is imported here so ``import capdesk.ui.app`` stays fast.
"""
