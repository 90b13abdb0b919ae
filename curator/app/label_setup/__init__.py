"""Setting up labelling: the label schema and guidelines, annotators and batches.

Two dialogs a coordinator uses before labelling starts, each built from parts that do
one thing:

- :class:`SchemaDialog` ("Fields and guidelines", ``schema_dialog``): the Fields tab
  (``fields_editor``: the field list of ``field_list`` beside the form of
  ``field_form``, whose options are an ``option_table``) and the Guidelines tab
  (``guidelines_editor``: Markdown with a live preview).
- :class:`BatchDialog` ("Annotators and batches", ``batch_dialog``): add annotators or
  change a role (``annotators``), create a batch (which records, who, overlap, pilot,
  blind) with a preview of the work it makes (``batch_form``), and the existing batches
  with everyone's progress (``batch_list``).

Every change is a core operation (:mod:`curator.core.labeling`, which validates and logs
an event) handed to the dialog's ``submit``: in the window, its writer runner, the one
writer of the project; the dialog waits for the result with the event loop turning (it
is modal, and its next step depends on the result: ``common.Writer``). On its own, a
dialog writes at once on the :class:`Store` it was given, which it also reads. A
:class:`CuratorError` is shown in words in the dialog. Both dialogs emit ``changed``
after every successful change, so the main window can reload.
"""

from curator.app.label_setup.batch_dialog import BatchDialog
from curator.app.label_setup.option_table import DESCRIPTION, KEY, STATUS, VALUE
from curator.app.label_setup.schema_dialog import SchemaDialog

__all__ = ["DESCRIPTION", "KEY", "STATUS", "VALUE", "BatchDialog", "SchemaDialog"]
