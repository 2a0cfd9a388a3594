"""The storage: URLs to Optuna storages, runs as studies, the record of every key the
engine writes, worker liveness, and artifacts (weights) beside the runs."""
