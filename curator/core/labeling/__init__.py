"""Labelling: label schema, annotators and batches, labels, adjudication, agreement."""
