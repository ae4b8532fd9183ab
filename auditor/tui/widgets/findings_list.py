"""The findings, grouped by account or device, most severe first; each option's id is the fingerprint."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from auditor.model import Finding
from auditor.safetext import literal
from auditor.tui.widgets.text import finding_line


class FindingsList(OptionList):
    _shape: object = None

    def show(self, groups: list[tuple[str, list[Finding]]]) -> None:
        """Replace the list, keeping the highlighted finding where it was if it is still there."""
        shape = [(target, [(f.fingerprint, f.status, f.title) for f in findings]) for target, findings in groups]
        if shape == self._shape:
            return  # nothing visible changed: spare the redraw
        self._shape = shape
        keep = None
        if self.highlighted is not None and self.option_count:
            keep = self.get_option_at_index(self.highlighted).id
        options: list[Option] = []
        for target, findings in groups:
            options.append(Option(Text(literal(target), style="bold underline"), disabled=True))
            options += [Option(finding_line(f), id=f.fingerprint) for f in findings]
        self.set_options(options)
        ids = [o.id for o in options]
        if keep in ids:
            self.highlighted = ids.index(keep)
        elif options:
            self.highlighted = next((i for i, o in enumerate(options) if not o.disabled), None)
