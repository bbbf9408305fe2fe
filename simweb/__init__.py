"""The simulated government web: local sites and platforms with known ground truth, for tests and the demo."""
