"""The Textual app: the only package that imports textual.

``run(path, **profile_options)`` is the entry point for the CLI (``advisor``
with no arguments, ``advisor tui [DATA]``). Textual is imported when the app
starts, not when this package is imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run"]


def run(path: str | None = None, **profile_options: Any) -> int:
    """Open the app (on ``path`` when given) and return an exit status when the user quits.

    ``profile_options`` are the keywords of ``advisor.pipeline.build_profile_report``
    (target, no_target, task, kinds, answers, n_clusters, sample, seed,
    delimiter, input_format, rules, stream, max_memory, drop), and ``groups`` and
    ``time_col`` are the Benchmark tab's ``--groups`` and ``--time``; all apply to
    ``path``, and sample, seed and rules also to files opened later. An unknown option raises
    ``OptionError`` before the screen opens. A file that cannot be read is
    shown as a message inside the app, where another file can be picked.
    """
    from advisor.tui.app import AdvisorApp

    app = AdvisorApp(path, **profile_options)
    app.run()
    return app.return_code or 0
