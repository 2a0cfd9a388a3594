"""The dashboard's read path for big runs: a run's trials as rows, read once, then what changed.

A page of a 100,000-trial run cannot afford Optuna's way of reading it: a journal storage
replays every operation in the file before it answers (and keeps a Python object per
trial), and an RDB storage's first read fetches every trial through its ORM. Here a
finished trial becomes one record (``records``) and one learning curve, once (``rows``);
the journal is followed by a read-only replica that keeps its place (``storage.replica``)
and saves its
state beside the file (``replica_cache``), and PostgreSQL is read with a few queries
that fetch only new and unfinished trials (``rdb_reader``), its rows saved in the data
folder (``rdb_cache``). ``trials`` picks the reader for a storage URL. Writes still go
through Optuna.
"""
