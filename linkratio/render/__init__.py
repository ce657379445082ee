"""Rendering: terminal text, the HTML/Markdown report and the weekly summary's files."""
