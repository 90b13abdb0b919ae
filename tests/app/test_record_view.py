"""The record view: bubbles, tool calls, finding spans, invalid lines, in-place editing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from curator.app.record_view import DISPLAY_LIMIT, RecordView

USER_TEXT = "Please email me at jane@example.com about the order."
SPAN = (USER_TEXT.index("jane"), USER_TEXT.index("jane") + len("jane@example.com"))


def detail(messages: list[Any] | None = None, findings: list[dict[str, Any]] | None = None,
           **extra: Any) -> dict[str, Any]:
    """A dict shaped like ``record_detail`` returns."""
    if messages is None:
        messages = [
            {"role": "system", "content": "You are a helpful shop assistant."},
            {"role": "user", "content": USER_TEXT},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "lookup_order", "arguments": '{"order_id": 42}'}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "broken_call", "arguments": "{order_id: 42"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
            {"role": "assistant", "content": "Your order has shipped."},
        ]
    base = {"id": 1, "key": "rec-1", "line": 3, "item": None, "raw": b"{}", "valid": True,
            "format": "openai", "conversation": {"messages": messages},
            "error_code": None, "error": None, "review": "unreviewed", "revision": 0,
            "tokens": 57, "source": "train.jsonl", "findings": findings or []}
    base.update(extra)
    return base


def finding(message: int | None, start: int | None = None, end: int | None = None,
            severity: str = "warning", code: str = "email") -> dict[str, Any]:
    return {"id": 1, "kind": "pii", "code": code, "severity": severity,
            "description": "An email address.", "message": message, "start": start,
            "end": end, "text": None, "status": "open"}


@pytest.fixture
def view(qtbot) -> RecordView:  # type: ignore[no-untyped-def]
    widget = RecordView()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_one_bubble_per_message_with_its_role(view: RecordView) -> None:
    view.show_record(detail())
    assert [b.role for b in view.bubbles] == ["system", "user", "assistant", "tool", "assistant"]
    assert [b.index for b in view.bubbles] == [0, 1, 2, 3, 4]
    assert "User" in view.bubbles[1].title.text()
    assert view.bubbles[1].text_view.toPlainText() == USER_TEXT
    assert view.key_label.text() == "rec-1"
    assert view.review_badge.property("review") == "unreviewed"


def test_tool_call_shows_function_name_and_pretty_arguments(view: RecordView) -> None:
    view.show_record(detail())
    bubble = view.bubbles[2]
    names = [label.text() for label in bubble.findChildren(type(bubble.title))
             if label.objectName() == "toolCallName"]
    assert any("lookup_order" in name for name in names)
    args = [w.toPlainText() for w in bubble.findChildren(type(bubble.text_view))
            if w.objectName() == "toolCallArgs"]
    assert json.loads(args[0]) == {"order_id": 42}
    assert '\n  "order_id": 42' in args[0]  # pretty-printed
    assert "{order_id: 42" in args  # malformed arguments shown as written
    assert "lookup_order" in view.bubbles[3].title.text()  # the tool reply names its call


def test_finding_highlights_its_span(view: RecordView) -> None:
    view.show_record(detail(findings=[finding(1, *SPAN)]))
    bubble = view.bubbles[1]
    doc = bubble.text_view.document()

    def background_at(position: int) -> Any:
        cursor = QTextCursor(doc)
        cursor.setPosition(position + 1)  # charFormat() is the format before the cursor
        return cursor.charFormat().background()

    assert background_at(SPAN[0]).style() != Qt.BrushStyle.NoBrush
    assert background_at(SPAN[1] - 1).style() != Qt.BrushStyle.NoBrush
    assert background_at(0).style() == Qt.BrushStyle.NoBrush
    assert background_at(SPAN[1] + 1).style() == Qt.BrushStyle.NoBrush
    assert bubble.property("severity") == "warning"  # the coloured left border
    assert view.bubbles[0].property("severity") == "none"


def test_clicking_a_finding_scrolls_to_and_selects_its_message(qtbot, view: RecordView) -> None:
    long_messages = [{"role": "user" if i % 2 == 0 else "assistant",
                      "content": f"Message {i}. " + "Lorem ipsum dolor sit amet. " * 40}
                     for i in range(30)]
    view.show_record(detail(long_messages, findings=[finding(27, 0, 7)]))
    bar = view.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == 0
    item = view.findings.item(0)
    rect = view.findings.visualItemRect(item)
    qtbot.mouseClick(view.findings.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_message == 27
    bubble = view.bubble(27)
    assert bubble is not None and bubble.property("selected") is True
    assert bar.value() > 0
    top = bubble.mapTo(view.conversation, bubble.rect().topLeft()).y()
    assert top <= bar.value() + view.scroll.viewport().height()
    assert top + bubble.height() >= bar.value()
    assert bubble.text_view.textCursor().selectedText() == "Message"


def test_invalid_record_shows_error_and_raw_line_with_position(view: RecordView) -> None:
    raw = b'{"messages": [{"role": "user", content: "hi"}]}'
    error = ("Line 3: not valid JSON at column 32: Expecting property name enclosed in "
             "double quotes (near 'x').")
    view.show_record(detail(valid=False, conversation=None, raw=raw, error=error,
                            error_code="invalid_json"))
    assert view.stack.currentWidget() is view.invalid_page
    assert view.error_label.text() == error
    assert view.raw_view.toPlainText() == raw.decode()
    assert view.error_offset == 31
    (selection,) = view.raw_view.extraSelections()
    assert selection.cursor.selectedText() == "c"  # column 32 is the unquoted "content"


def test_invalid_bytes_are_shown_replaced(view: RecordView) -> None:
    view.show_record(detail(valid=False, conversation=None, raw=b'{"a": "\xff"}',
                            error="Line 3: byte 0xff at column 8 is not valid UTF-8."))
    assert "\ufffd" in view.raw_view.toPlainText()
    assert view.raw_view.extraSelections()[0].cursor.selectedText() == "\ufffd"


def test_editing_an_assistant_message_emits_the_new_text(qtbot, view: RecordView) -> None:
    view.show_record(detail())
    bubble = view.bubbles[4]
    bubble.setFocus()
    qtbot.keyClick(bubble, Qt.Key.Key_F2)
    assert bubble.editor is not None
    editor = bubble.editor
    editor.selectAll()
    qtbot.keyClicks(editor, "It arrives tomorrow.")
    with qtbot.waitSignal(view.message_edited) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [4, "It arrives tomorrow."]
    assert bubble.editor is None
    assert bubble.text_view.toPlainText() == "It arrives tomorrow."


def test_double_click_opens_the_editor(qtbot, view: RecordView) -> None:
    view.show_record(detail())
    bubble = view.bubbles[4]
    qtbot.mouseDClick(bubble.text_view.viewport(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bubble.editor is not None)


def test_escape_cancels_without_emitting(qtbot, view: RecordView) -> None:
    view.show_record(detail())
    bubble = view.bubbles[4]
    assert bubble.edit_button is not None
    qtbot.mouseClick(bubble.edit_button, Qt.MouseButton.LeftButton)
    editor = bubble.editor
    assert editor is not None
    qtbot.keyClicks(editor, " More text.")
    with qtbot.assertNotEmitted(view.message_edited):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert bubble.editor is None
    assert bubble.text_view.toPlainText() == "Your order has shipped."


def test_user_and_non_string_messages_are_not_editable(qtbot, view: RecordView) -> None:
    view.show_record(detail())
    user, tool_calls = view.bubbles[1], view.bubbles[2]
    assert not user.editable and user.edit_button is None
    assert not tool_calls.editable  # content None: nothing to edit as text
    user.setFocus()
    qtbot.keyClick(user, Qt.Key.Key_F2)
    qtbot.mouseDClick(user.text_view.viewport(), Qt.MouseButton.LeftButton)
    qtbot.wait(10)
    assert user.editor is None
    assert not view.start_edit(1)


def test_list_content_and_header_details(view: RecordView) -> None:
    messages = [{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]},
        {"role": "assistant", "content": "A cat."}]
    view.show_record(detail(messages, review="accepted", revision=2, tokens=1234))
    text = view.bubbles[0].text_view.toPlainText()
    assert "What is in this picture?" in text and "cat.png" in text
    assert view.review_badge.property("review") == "accepted"
    assert "revision 2" in view.meta_label.text()
    assert "1,234 tokens" in view.meta_label.text()
    assert "train.jsonl, line 3" in view.meta_label.text()


def test_huge_message_is_truncated_with_show_all(qtbot, view: RecordView) -> None:
    big = ("word " * 20 + "\n") * 10_000  # ~1 MB
    started = time.perf_counter()
    view.show_record(detail([{"role": "user", "content": "hi"},
                             {"role": "assistant", "content": big}]))
    qtbot.wait(1)
    assert time.perf_counter() - started < 5
    bubble = view.bubbles[1]
    assert len(bubble.text_view.toPlainText()) <= DISPLAY_LIMIT
    assert bubble.show_all is not None and bubble.show_all.isVisibleTo(view)
    bubble.start_edit()  # the editor gets the whole text, not the truncated view
    assert bubble.editor is not None and bubble.editor.toPlainText() == big


def test_clear_and_accessible_names(view: RecordView) -> None:
    view.show_record(detail(findings=[finding(1, *SPAN)]))
    for widget in (view.scroll, view.findings, view.review_badge, view.key_label,
                   view.raw_view, *view.bubbles):
        assert widget.accessibleName()
    view.clear()
    assert view.bubbles == []
    assert view.stack.currentWidget() is view.empty_label
    assert view.findings.count() == 0


def test_text_parts_of_either_spelling_show_as_text() -> None:
    """LLaMA-Factory writes {"type": "text", "value": ...}; the bubble shows the text."""
    from curator.app.chat_text import message_text

    message = {"role": "user", "content": [{"type": "text", "value": "hi there"},
                                           {"type": "text", "text": "and you"}]}
    assert message_text(message) == "hi there\nand you"
