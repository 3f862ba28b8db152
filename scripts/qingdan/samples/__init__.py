"""Sample data for demonstrations, tests and benchmarks: never part of a real publication.

- ``synth``: a synthetic lists/ of any size that validates (``qingdan synth``);
- ``demo``: the demonstration repository, the sample lists/ as a series of
  reviewed merges (``qingdan demo-repo``, ``qingdan serve``), written with
  qingdan.gitrepo's ``FastImport``.
"""
