"""The report runner: re-execute the notebooks with papermill (cached, in parallel) and publish
reports/<run>/ atomically. Run it as `python -m helpers.report` (see `__main__` for the commands).

Modules: config (folders, constants), notebooks (read a notebook without a kernel), parameters (files,
settings, checks), cache (keys and entries), kernels and _forkserver (pre-loaded kernels), executor (parallel
papermill), render (page), publish (lock, atomic swap), build (the whole build), diff (compare runs).
"""
