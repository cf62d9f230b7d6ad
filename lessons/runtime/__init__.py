"""The Python runtime that runs the lesson tests in the learner's browser.

``build`` packs it at set-up, ``session`` runs inside it (Pyodide, in a Web
Worker), ``settings`` is its Django settings module, and ``files`` tells the
lesson pages where the built files are served.
"""
