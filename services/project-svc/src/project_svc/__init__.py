"""Continuum project-svc: Projects: initiation, planning, execution with monitoring and control, closing; earned value and the closing gate."""
