"""The data: built-in datasets, uploaded CSVs, splits and train-only scaling."""
