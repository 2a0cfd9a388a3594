"""The winner put to work: its model folder, loading it without torch or pickle, predicting."""
