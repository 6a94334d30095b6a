"""Kernel variants of UNIDIRECTIONAL_SEQUENCE_LSTM."""

from tinykit.codegen.ops.recurrent import lstm_scratch_bytes
from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

reference(OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM, "tk_unidirectional_sequence_lstm_s8", scratch_bytes=lstm_scratch_bytes)
