"""The MLflow pyfunc of a Sweetspot model folder, logged "from code" (MLflow 3's way): this
file is the model's code, so MLflow stores no cloudpickle of a Python object; the folder
itself is the model's one artifact, loaded with ``tuning.winner.load.load_model``."""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel


class SweetspotModel(PythonModel):
    """``predict`` takes rows as a DataFrame with the training columns and returns the
    prediction columns (``WinnerModel.predict``)."""

    def load_context(self, context: Any) -> None:
        from tuning.winner.load import load_model

        self.model = load_model(context.artifacts["model"])

    # No type hints here: MLflow 3 reads them as an input schema and would convert the rows.
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return self.model.predict(model_input)


mlflow.models.set_model(SweetspotModel())
