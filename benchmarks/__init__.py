"""Side-by-side measurements of tinykit against tflite-micro (not tests: see run.py)."""
