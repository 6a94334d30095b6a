"""Kernel variant declarations, one module per op family (as ``tinykit/codegen/ops``);
``tinykit.schedule.variants.load_variants`` imports every module here."""
