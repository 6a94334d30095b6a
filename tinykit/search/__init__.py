"""Hardware-aware architecture search (issue 11): the search space, candidate
IR graphs built without TensorFlow, Keras models of an architecture and the
weight-sharing super-network."""
