"""Small building blocks shared by the screens. They hold no text of their own: callers
pass already-translated strings, so every ``tr()`` context is the screen's class."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from . import theme


class Card(QFrame):
    """A titled box: a headline value with a coloured state, and rows of label: value."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.state = QLabel()
        self.state.setObjectName("badge")
        head.addWidget(self.state)
        self.state.setText("x")
        self.title.setMinimumHeight(self.state.sizeHint().height())
        self.state.setText("")
        outer.addLayout(head)
        self.headline = QLabel()
        self.headline.setObjectName("big")
        self.headline.setWordWrap(True)
        outer.addWidget(self.headline)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.note)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(2)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.extra = QVBoxLayout()
        outer.addLayout(self.extra)
        self._rows: dict[str, tuple[QLabel, QLabel]] = {}

    def set_state(self, text: str, state: str | None) -> None:
        """A coloured badge; empty text hides it."""
        self.state.setVisible(bool(text))
        self.state.setText(text)
        colour = theme.state_colour(state)
        text = theme.colours().badge_text
        self.state.setStyleSheet(f"background: {colour}; color: {text}; font-weight: 600;")

    def set_headline(self, text: str) -> None:
        self.headline.setVisible(bool(text))
        self.headline.setText(text)

    def set_note(self, text: str) -> None:
        self.note.setVisible(bool(text))
        self.note.setText(text)

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        """Label/value rows; labels are keys, so a row keeps its place across updates."""
        keep = {label for label, _ in rows}
        for label in list(self._rows):
            if label not in keep:
                a, b = self._rows.pop(label)
                a.deleteLater()
                b.deleteLater()
        for i, (label, value) in enumerate(rows):
            pair = self._rows.get(label)
            if pair is None:
                a, b = QLabel(label), QLabel()
                a.setObjectName("muted")
                b.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                pair = self._rows[label] = (a, b)
            self.grid.addWidget(pair[0], i, 0)
            self.grid.addWidget(pair[1], i, 1)
            pair[1].setText(value)


def screen_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("screenTitle")
    return label


def ok_cancel(dialog) -> QDialogButtonBox:
    """The OK / Cancel row of a dialog, wired to accept and reject it."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
