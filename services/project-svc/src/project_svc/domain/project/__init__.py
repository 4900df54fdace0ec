"""The Project aggregate (DESIGN §5): a command method checks its rules, then records events; state is their fold.

Modules: `planning` (_Planning), `execution` (_Execution: monitoring and control, change requests) and `aggregate`
(Project: initiation and closing).
"""

from __future__ import annotations

from project_svc.domain.project.aggregate import Project

__all__ = ["Project"]
