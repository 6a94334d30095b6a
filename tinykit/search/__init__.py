"""Hardware-aware architecture search (issue 11): the search space, candidate
IR graphs built without TensorFlow, Keras models of an architecture, the
weight-sharing super-network, the space choice, the evolutionary search under
a board's budgets and `tinykit search` (``run``)."""
