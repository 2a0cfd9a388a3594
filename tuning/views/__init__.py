"""Read-side views for the UI and the CLI: summaries, chart data, figures, analysis, estimates, export."""
