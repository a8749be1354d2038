"""The author workspace (dashboard/app_pages/author.py), one module per tab group: verdicts, claims,
new_issue, evidence, imports, scorecard, reminders, readers (the watched sources are dashboard/watch_panel.py), and
picker, the claim the claim tabs work on. The page only signs in and wires the tabs."""
