"""Comparative option briefs (DESIGN.md §8.5): the document a decision-maker reads and an analyst edits.

`content.build_brief` computes the structured brief (the JSON format) from the same
engine calls the rankings and robustness endpoints make; `formats.render` turns it
into Markdown, self-contained HTML or DOCX. No Flask here: the API, the CLI and the
tests share these functions. Plotting and DOCX libraries are imported only when a
format needs them, so importing this package costs nothing at the service's start.
"""
