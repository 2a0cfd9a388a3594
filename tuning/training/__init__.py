"""Training, in worker processes only: the model, the population trainer, the objective, the worker
loop and the end of a run (the winner's one test)."""
