"""The filter panel: my (personal) tags, scenes, objects, people, faces, dates, camera, location and problems."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QSearchableComboBox

from imgengine_gui.catalog.queries import PhotoFilter
from imgengine_gui.ui.rating_filter import RatingFilter


class TagList(QListWidget):
    """Checkable labels with their photo counts; checked labels survive a refresh."""

    changed = Signal()

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = QLabel(empty_text)  # shown instead of an empty list
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long name keeps its count
        self.itemChanged.connect(lambda _item: self.changed.emit())
        self._pressed: tuple[QListWidgetItem, Qt.CheckState] | None = None
        self.itemClicked.connect(self._toggle_clicked)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        item = self.itemAt(event.position().toPoint())
        self._pressed = (item, item.checkState()) if item is not None else None
        super().mousePressEvent(event)

    def _toggle_clicked(self, item: QListWidgetItem) -> None:
        """A click on the label toggles it too (a click on the box has toggled it already)."""
        pressed, self._pressed = self._pressed, None
        if pressed is not None and pressed[0] is item and item.checkState() == pressed[1]:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def set_counts(self, counts: list[tuple[str, int]]) -> None:
        keep = set(self.checked())
        self.blockSignals(True)
        self.clear()
        for label, count in counts:
            item = QListWidgetItem(f"{label}  ({count})")
            item.setData(Qt.ItemDataRole.UserRole, label)
            item.setToolTip(label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if label in keep else Qt.CheckState.Unchecked)
            self.addItem(item)
        if counts:
            rows = min(self.count(), 12)
            self.setFixedHeight(rows * self.sizeHintForRow(0) + 2 * self.frameWidth() + 4)
        self.setVisible(bool(counts))
        self.placeholder.setVisible(not counts)
        self.blockSignals(False)

    def checked(self) -> tuple[str, ...]:
        found = []
        for row in range(self.count()):
            item = self.item(row)
            if item.checkState() == Qt.CheckState.Checked and item.data(Qt.ItemDataRole.UserRole):
                found.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(found)

    def rename(self, old: str, new: str) -> None:
        """A choice renamed elsewhere keeps its tick (ticks are kept by name)."""
        self.blockSignals(True)
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == old:
                item.setData(Qt.ItemDataRole.UserRole, new)
                item.setText(item.text().replace(old, new, 1))
                item.setToolTip(new)
        self.blockSignals(False)

    def set_checked(self, labels: tuple[str, ...]) -> None:
        for row in range(self.count()):
            item = self.item(row)
            label = item.data(Qt.ItemDataRole.UserRole)
            if label:
                item.setCheckState(
                    Qt.CheckState.Checked if label in labels else Qt.CheckState.Unchecked
                )


def _tristate_combo(any_text: str, yes: str, no: str) -> QComboBox:
    combo = QComboBox()
    for text, value in ((any_text, None), (yes, True), (no, False)):
        combo.addItem(text, value)
    return combo


class FilterPanel(QWidget):
    changed = Signal()
    persons_cleared = Signal()  # "Clear filters" with people picked in the People tiles

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterPanel")
        self.person_names: tuple[str, ...] = ()  # the People tiles picked (they filter the grid)
        self.my_tags = TagList("No personal tags yet: select photos, then Edit ▸ Teach tag…")
        self.scenes = TagList("No scene tags (they come from the ML phase)")
        self.objects = TagList("No objects (they need the ML phase and a detection model)")
        self.people = _tristate_combo("Any", "With people", "Without people")
        self.min_faces = QSpinBox()
        self.min_faces.setRange(0, 99)
        self.min_faces.setSpecialValueText("Any")
        self.camera = QSearchableComboBox()  # type to find one camera among many
        self.camera.addItem("Any camera", None)
        self.camera.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.has_gps = _tristate_combo("Any", "With location", "Without location")
        self.has_errors = _tristate_combo("Any", "With problems", "Without problems")
        self.ratings = RatingFilter()
        self.dates = QGroupBox("Taken between")
        self.dates.setCheckable(True)
        self.dates.setChecked(False)
        self.date_from = QDateEdit(QDate(2000, 1, 1), calendarPopup=True)
        self.date_to = QDateEdit(QDate.currentDate(), calendarPopup=True)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("yyyy-MM-dd")
        dates_form = QFormLayout(self.dates)
        dates_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        dates_form.addRow("From", self.date_from)
        dates_form.addRow("To", self.date_to)
        self.reset_button = QPushButton("Clear filters")
        self.reset_button.clicked.connect(self.reset)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(_heading("My tags"))
        layout.addWidget(self.my_tags)
        layout.addWidget(self.my_tags.placeholder)
        layout.addWidget(_heading("Scenes"))
        layout.addWidget(self.scenes)
        layout.addWidget(self.scenes.placeholder)
        layout.addWidget(_heading("Objects"))
        layout.addWidget(self.objects)
        layout.addWidget(self.objects.placeholder)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("People", self.people)
        form.addRow("At least", self._faces_row())
        form.addRow("Camera", self.camera)
        form.addRow("Location", self.has_gps)
        form.addRow("Problems", self.has_errors)
        form.addRow("Rating", self.ratings)
        layout.addLayout(form)
        layout.addWidget(self.dates)
        layout.addWidget(self.summary)
        layout.addWidget(self.reset_button)
        layout.addStretch(1)

        for signal in (
            self.my_tags.changed,
            self.scenes.changed,
            self.objects.changed,
            self.people.currentIndexChanged,
            self.min_faces.valueChanged,
            self.camera.currentIndexChanged,
            self.has_gps.currentIndexChanged,
            self.has_errors.currentIndexChanged,
            self.dates.toggled,
            self.date_from.dateChanged,
            self.date_to.dateChanged,
            self.ratings.changed,
        ):
            signal.connect(self._emit_changed)

    def _faces_row(self) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.min_faces)
        box.addWidget(QLabel("faces"))
        box.addStretch(1)
        return row

    def _emit_changed(self, *_args) -> None:
        self._update_summary()
        self.changed.emit()

    # -- data ---------------------------------------------------------------------------------
    def set_choices(self, scenes: list[tuple[str, int]], objects: list[tuple[str, int]],
                    cameras: list[tuple[str, int]], my_tags: list[tuple[str, int]]) -> None:
        """The choices and counts, read elsewhere (off the UI thread); picks are kept."""
        self.my_tags.set_counts(my_tags)
        self.scenes.set_counts(scenes)
        self.objects.set_counts(objects)
        chosen = self.camera.currentData()
        self.camera.blockSignals(True)
        self.camera.clear()
        self.camera.addItem("Any camera", None)
        for name, count in cameras:
            self.camera.addItem(f"{name}  ({count})", name)
        index = self.camera.findData(chosen) if chosen else 0
        self.camera.setCurrentIndex(max(0, index))
        self.camera.blockSignals(False)
        self._fit_camera_popup()
        self._update_summary()  # a checked label or camera may be gone from this folder

    def _fit_camera_popup(self) -> None:
        """The popup is as wide as the longest camera name (the panel itself stays narrow)."""
        metrics = self.camera.view().fontMetrics()
        widest = max(metrics.horizontalAdvance(self.camera.itemText(i))
                     for i in range(self.camera.count()))
        scroll = self.camera.view().verticalScrollBar().sizeHint().width()
        self.camera.view().setMinimumWidth(widest + scroll + 24)

    def apply_to(self, base: PhotoFilter) -> PhotoFilter:
        return replace(
            base,
            tags=self.my_tags.checked(),
            scenes=self.scenes.checked(),
            objects=self.objects.checked(),
            people=self.people.currentData(),
            min_faces=self.min_faces.value() or None,
            camera=self.camera.currentData(),
            date_from=self.date_from.date().toString("yyyy-MM-dd") if self.dates.isChecked() else None,
            date_to=self.date_to.date().toString("yyyy-MM-dd") if self.dates.isChecked() else None,
            has_gps=self.has_gps.currentData(),
            has_errors=self.has_errors.currentData(),
            min_rating=self.ratings.min_rating.currentData(),
            flag=self.ratings.flag.currentData(),
        )

    def active_count(self) -> int:
        f = self.apply_to(PhotoFilter())
        values = (
            f.tags, f.scenes, f.objects, f.people is not None, f.min_faces, f.camera,
            self.dates.isChecked(), f.has_gps is not None, f.has_errors is not None,
        )
        return (sum(1 for value in values if value) + self.ratings.active_count()
                + bool(self.person_names))

    def set_persons(self, names: tuple[str, ...]) -> None:
        """The people picked in the People tiles: one more filter, cleared with the others."""
        if names != self.person_names:
            self.person_names = names
            self._update_summary()

    def reset(self) -> None:
        widgets = (self.my_tags, self.scenes, self.objects, self.people, self.min_faces,
                   self.camera, self.has_gps, self.has_errors, self.dates)
        for widget in widgets:
            widget.blockSignals(True)
        self.my_tags.set_checked(())
        self.scenes.set_checked(())
        self.objects.set_checked(())
        for combo in (self.people, self.camera, self.has_gps, self.has_errors):
            combo.setCurrentIndex(0)
        self.min_faces.setValue(0)
        self.dates.setChecked(False)
        self.ratings.reset()
        for widget in widgets:
            widget.blockSignals(False)
        if self.person_names:
            self.person_names = ()
            self.persons_cleared.emit()  # the tiles let go first: the grid is read once, below
        self._emit_changed()

    def _update_summary(self) -> None:
        active = self.active_count()
        lines = [f"{active} filter{'s' if active != 1 else ''} active"] if active else []
        if self.person_names:  # photos of any of them
            many = len(self.person_names) > 1
            lines.append(f"People: {'any of ' if many else ''}{', '.join(self.person_names)}")
        for what, tags in (("Scenes", self.scenes), ("Objects", self.objects)):
            checked = tags.checked()
            if len(checked) > 1:  # the catalog query matches photos with any of them
                lines.append(f"{what}: any of {', '.join(checked)}")
        self.summary.setText("\n".join(lines))
        self.reset_button.setEnabled(bool(active))


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
