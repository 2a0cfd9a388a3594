"""What the pages' imports made stays out of Streamlit's garbage collection after every run.

Streamlit runs a full garbage collection after every script run (``runner.postScriptGC``),
a live panel's 2 s timer reruns included. A full collection walks every object the
process tracks, and after the pages' imports (Streamlit, pandas, Plotly, pyarrow, Optuna)
that is about 180,000 objects: 0.1 s of server CPU per refresh of each visitor, as much
as drawing the Monitor itself costs when its visitors share the run's snapshot.

Modules live as long as the process, and so does nearly everything they made. After a
run that imported modules, ``freeze_imports`` collects once and freezes what is alive
(``gc.freeze``): later collections skip it, and walk only what sessions made since.
What a session held at that moment is frozen with it; reference counting still frees it,
and only a cycle among those few objects would outlive it.
"""

from __future__ import annotations

import gc
import sys
import threading

_FREEZING = threading.Lock()
_frozen_at = 0  # how many modules were loaded at the last freeze


def freeze_imports() -> None:
    """Freeze what is alive if modules were imported since the last freeze; else nothing."""
    global _frozen_at
    if len(sys.modules) == _frozen_at:
        return
    with _FREEZING:
        if len(sys.modules) == _frozen_at:
            return
        _frozen_at = len(sys.modules)
        gc.collect()  # garbage is not frozen: only what is alive now
        gc.freeze()
