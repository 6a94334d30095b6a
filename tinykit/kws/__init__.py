"""Keyword spotting: Speech Commands data (real or synthetic), the DS-CNN model, training and evaluation."""
